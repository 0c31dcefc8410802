"""institution: a code may have several entries, one of them not deregistered — a code
whose entries are all deregistered is registered again on a new filing as a new entry
(decision 0024, session 23). The unique constraint on ``uscc`` becomes a plain index and a
partial unique index on the entries not deregistered.

Downgrading puts the unique constraint back, which fails while a code has two entries.

consent: ``evidence_document``, the signed form a credit service institution uploads with a
consent it records (Art. 27 ¶2); empty for every consent recorded before.

Revision ID: 0059
Revises: 0058
Create Date: 2026-12-13 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0059"
down_revision: str | None = "0058"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IN_FORCE = "status != 'deregistered'"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    sqlite_index = _sqlite() and "uq_institution_uscc" in {
        index["name"] for index in sa.inspect(op.get_bind()).get_indexes("institution")
    }
    if sqlite_index:
        # Left so by ``downgrade`` on SQLite.
        op.drop_index("uq_institution_uscc", table_name="institution")
    else:
        # A batch: SQLite drops a constraint made with the table only by copying the table
        # (the migration runs with its foreign keys off, ``db.migrate``).
        with op.batch_alter_table("institution", schema=None) as batch_op:
            batch_op.drop_constraint("uq_institution_uscc", type_="unique")
    op.create_index("ix_institution_uscc", "institution", ["uscc"])
    op.create_index(
        "uq_institution_uscc_in_force",
        "institution",
        ["uscc"],
        unique=True,
        sqlite_where=sa.text(_IN_FORCE),
        postgresql_where=sa.text(_IN_FORCE),
    )
    # Added in place (ALTER TABLE … ADD COLUMN), as 0057 adds its columns.
    op.add_column("consent", sa.Column("evidence_document", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("consent", "evidence_document")
    op.drop_index("uq_institution_uscc_in_force", table_name="institution")
    op.drop_index("ix_institution_uscc", table_name="institution")
    if _sqlite():
        # A unique index, not the constraint: the constraint would need a copy of the table,
        # which fails while rows refer to it with foreign keys on (a downgrade run by hand).
        op.create_index("uq_institution_uscc", "institution", ["uscc"], unique=True)
    else:
        op.create_unique_constraint("uq_institution_uscc", "institution", ["uscc"])
