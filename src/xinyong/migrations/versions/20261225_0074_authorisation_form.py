"""authorisation_form: a written authorisation's evidence (Art. 13 ¶3) — the uploaded
document or the text signed in the page — moves out of ``authorisation.evidence`` into a
table of its own, encrypted under a context naming its authorisation, as 0060 moved the
consents' signed forms (session 25): every list of authorisations (the credit authority's
supervision list, the person's own) loaded it with each row, up to ~2 MB, and it carries the
person's name and signature in the clear.

The evidence already stored is encrypted with the platform's key (``xinyong.crypto``) as it
moves; the downgrade decrypts it back. An authorisation without evidence (NULL or empty)
gets no row.

Revision ID: 0074
Revises: 0073
Create Date: 2026-12-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0074"
down_revision: str | None = "0073"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# Rows moved at a time: each up to ~2 MB, held as plaintext and ciphertext at once.
_CHUNK = 50


def upgrade() -> None:
    op.create_table(
        "authorisation_form",
        sa.Column("authorisation_id", _ID, autoincrement=False, nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["authorisation_id"],
            ["authorisation.id"],
            name=op.f("fk_authorisation_form_authorisation_id_authorisation"),
        ),
        sa.PrimaryKeyConstraint("authorisation_id", name=op.f("pk_authorisation_form")),
    )
    bind = op.get_bind()
    last = 0
    cipher = None
    while True:
        # Keyset chunks: bounded memory however many authorisations there are.
        stored = bind.execute(
            sa.text(
                "SELECT id, evidence FROM authorisation WHERE id > :last "
                "AND evidence IS NOT NULL AND evidence <> '' ORDER BY id LIMIT :size"
            ),
            {"last": last, "size": _CHUNK},
        ).all()
        if not stored:
            break
        # Imported only when there is evidence to move: the key is the platform's.
        from xinyong.crypto import default_cipher
        from xinyong.disclosure.authorisations import form_context

        cipher = cipher or default_cipher()
        bind.execute(
            sa.text(
                "INSERT INTO authorisation_form (authorisation_id, ciphertext) "
                "VALUES (:authorisation_id, :ciphertext)"
            ),
            [
                {
                    "authorisation_id": authorisation_id,
                    "ciphertext": cipher.encrypt(evidence, context=form_context(authorisation_id)),
                }
                for authorisation_id, evidence in stored
            ],
        )
        last = stored[-1][0]
    # Dropped in place (SQLite's own DROP COLUMN, as 0060): a batch copy of ``authorisation``
    # would break the foreign keys to it.
    op.drop_column("authorisation", "evidence")


def downgrade() -> None:
    op.add_column("authorisation", sa.Column("evidence", sa.Text(), nullable=True))
    bind = op.get_bind()
    last = 0
    cipher = None
    while True:
        stored = bind.execute(
            sa.text(
                "SELECT authorisation_id, ciphertext FROM authorisation_form "
                "WHERE authorisation_id > :last ORDER BY authorisation_id LIMIT :size"
            ),
            {"last": last, "size": _CHUNK},
        ).all()
        if not stored:
            break
        from xinyong.crypto import default_cipher
        from xinyong.disclosure.authorisations import form_context

        cipher = cipher or default_cipher()
        for authorisation_id, ciphertext in stored:
            bind.execute(
                sa.text("UPDATE authorisation SET evidence = :evidence WHERE id = :id"),
                {
                    "id": authorisation_id,
                    "evidence": cipher.decrypt(ciphertext, context=form_context(authorisation_id)),
                },
            )
        last = stored[-1][0]
    op.drop_table("authorisation_form")
