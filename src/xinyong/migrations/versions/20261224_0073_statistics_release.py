"""statistics release: the industry statistics of each finished calendar month, fixed at
its end and kept as published (Art. 28; decision 0055). Written once by the daily job,
never changed.

Revision ID: 0073
Revises: 0072
Create Date: 2026-12-24 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0073"
down_revision: str | None = "0072"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "statistics_release",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("min_cell", sa.Integer(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("previous_period", sa.String(length=7), nullable=True),
        sa.Column("released_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statistics_release")),
        sa.UniqueConstraint("period", name=op.f("uq_statistics_release_period")),
    )


def downgrade() -> None:
    op.drop_table("statistics_release")
