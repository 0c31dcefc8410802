"""activation codes released by the credit authority, credentials version (decision 0031
addendum): user_account gains activation_released_by_id, activation_released_at and
credentials_version

Existing accounts start at version 0, which is what a token or session issued before
this migration carries (none had a version): nobody is logged out by the upgrade.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("activation_released_by_id", xinyong.db.base.BigId, nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "activation_released_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("credentials_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_activation_released_by_id_user_account"),
            "user_account",
            ["activation_released_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_activation_released_by_id_user_account"),
            type_="foreignkey",
        )
        batch_op.drop_column("credentials_version")
        batch_op.drop_column("activation_released_at")
        batch_op.drop_column("activation_released_by_id")
