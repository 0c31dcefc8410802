"""record_version.decision_date, severity, publicity_start, publicity_end: each version
carries the values in force with it (Art. 24, decision 0025)

Added nullable, filled for every existing version from its record row, then decision_date
and severity made NOT NULL. The record row holds only the current state, so an earlier
version's values before this migration are not known: the backfill gives every version of
a record its current ones, the best knowledge there is (decision 0025 says so). Rewrites
every version row once, on both databases.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("decision_date", "severity", "publicity_start", "publicity_end")


def upgrade() -> None:
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("severity", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("publicity_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("publicity_end", sa.Date(), nullable=True))
    # One correlated UPDATE, the same statement on SQLite and PostgreSQL.
    record = sa.table("credit_record", sa.column("id"), *(sa.column(name) for name in _COLUMNS))
    version = sa.table("record_version", sa.column("record_id"), *(sa.column(n) for n in _COLUMNS))
    op.execute(
        sa.update(version).values(
            {
                name: sa.select(record.c[name])
                .where(record.c.id == version.c.record_id)
                .scalar_subquery()
                for name in _COLUMNS
            }
        )
    )
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.alter_column("decision_date", existing_type=sa.Date(), nullable=False)
        batch_op.alter_column("severity", existing_type=sa.String(length=16), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
