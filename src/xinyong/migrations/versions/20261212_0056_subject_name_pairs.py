"""subject_name_pair: the organisation names' character pairs, so that the name search
reads the names sharing a pair with the query instead of every name (decision 0012,
session 20 addendum)

The search looked for each of the query's pairs anywhere in every organisation's name
(``LIKE '%…%'``): a read of the whole name table per search, seconds at a city's million
market entities. The table holds, for every organisation, one row per key of its names
(``subjects.pairs.entries`` of the forms ``subject_name`` stores: the core's pairs, the
normalised name's pairs but those area names and legal forms make, the last characters),
with the length of the name's core. Natural persons are never searched by name and get
none. Filled here from the names stored, a few thousand organisations at a time.

Downgrade drops the table: the search then has nothing to read, so the code before it
goes with it.

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.subjects import pairs

revision: str = "0056"
down_revision: str | None = "0055"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 2000  # organisations a statement

_subject = sa.table("subject", sa.column("id", sa.BigInteger()), sa.column("kind", sa.String()))
_name = sa.table(
    "subject_name",
    sa.column("subject_id", sa.BigInteger()),
    sa.column("normalised", sa.String()),
    sa.column("core", sa.String()),
)


def upgrade() -> None:
    table = op.create_table(
        "subject_name_pair",
        sa.Column("pair", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("core_length", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "subject_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "pair", "core_length", "subject_id", name=op.f("pk_subject_name_pair")
        ),
        sqlite_with_rowid=False,
    )
    connection = op.get_bind()
    last = 0
    while True:
        # Whole organisations a batch, so that the rows two names of one organisation share
        # are written once.
        ids = connection.scalars(
            sa.select(_subject.c.id)
            .where(_subject.c.kind != "natural_person", _subject.c.id > last)
            .order_by(_subject.c.id)
            .limit(_BATCH)
        ).all()
        if not ids:
            break
        named = connection.execute(
            sa.select(_name.c.subject_id, _name.c.normalised, _name.c.core)
            .join(_subject, _subject.c.id == _name.c.subject_id)
            .where(
                _subject.c.kind != "natural_person",
                _name.c.subject_id.between(ids[0], ids[-1]),
            )
        ).all()
        found = pairs.rows_of_names((sid, norm, core) for sid, norm, core in named)
        if found:
            connection.execute(
                sa.insert(table),
                [{"pair": p, "core_length": n, "subject_id": sid} for p, n, sid in found],
            )
        last = ids[-1]


def downgrade() -> None:
    op.drop_table("subject_name_pair")
