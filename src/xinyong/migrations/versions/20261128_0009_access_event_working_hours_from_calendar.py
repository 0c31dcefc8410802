"""access_event: working hours are judged from the calendar by supervision, not stored

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The flag was set from the weekday and hour when the read was logged, so it called a
    # public holiday a working day; supervision now judges each read against the calendar.
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.drop_column("outside_working_hours")


def downgrade() -> None:
    with op.batch_alter_table("access_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "outside_working_hours", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
