"""consent_form: the signed consent form a credit service institution uploads (Art. 27 ¶2)
moves out of ``consent.evidence_document`` (0059) into a table of its own, encrypted under a
context naming its consent (review, session 23): every load of consents — a batch's, per
500 subjects — carried the forms (up to ~2 MB each), and they carry the person's name, ID
number and signature in the clear.

The forms already stored are encrypted with the platform's key (``xinyong.crypto``) as they
move; the downgrade decrypts them back.

Revision ID: 0060
Revises: 0059
Create Date: 2026-12-14 09:00:00
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0060"
down_revision: str | None = "0059"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "consent_form",
        sa.Column("consent_id", _ID, autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_consent_form_consent_id_consent")
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consent_form")),
    )
    bind = op.get_bind()
    stored = bind.execute(
        sa.text("SELECT id, evidence_document FROM consent WHERE evidence_document IS NOT NULL")
    ).all()
    if stored:
        # Imported only when there is a form to move: the key is the platform's.
        from xinyong import evidence_files
        from xinyong.collection.consent import form_context
        from xinyong.crypto import default_cipher

        cipher = default_cipher()
        for consent_id, document in stored:
            kind = evidence_files.kind_of(base64.b64decode(document)) or "pdf"
            bind.execute(
                sa.text(
                    "INSERT INTO consent_form (consent_id, kind, ciphertext) "
                    "VALUES (:consent_id, :kind, :ciphertext)"
                ),
                {
                    "consent_id": consent_id,
                    "kind": kind,
                    "ciphertext": cipher.encrypt(document, context=form_context(consent_id)),
                },
            )
    op.drop_column("consent", "evidence_document")


def downgrade() -> None:
    op.add_column("consent", sa.Column("evidence_document", sa.Text(), nullable=True))
    bind = op.get_bind()
    stored = bind.execute(sa.text("SELECT consent_id, ciphertext FROM consent_form")).all()
    if stored:
        from xinyong.collection.consent import form_context
        from xinyong.crypto import default_cipher

        cipher = default_cipher()
        for consent_id, ciphertext in stored:
            bind.execute(
                sa.text("UPDATE consent SET evidence_document = :document WHERE id = :id"),
                {
                    "id": consent_id,
                    "document": cipher.decrypt(ciphertext, context=form_context(consent_id)),
                },
            )
    op.drop_table("consent_form")
