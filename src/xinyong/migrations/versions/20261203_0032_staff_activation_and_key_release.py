"""staff accounts activated by code, API keys released by the organisation (decision 0033):
user_account gains created_by_id; api_key gains released_by_id and released_at

Existing accounts keep their passwords and log in as before; who created them is not
known (created_by_id stays empty). Existing API keys were handed out with their secret
when they were created, so they count as released then (released_at = created_at, by
nobody named) and keep working.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by_id", xinyong.db.base.BigId, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_created_by_id_user_account"),
            "user_account",
            ["created_by_id"],
            ["id"],
        )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("released_by_id", xinyong.db.base.BigId, nullable=True))
        batch_op.add_column(
            sa.Column("released_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_key_released_by_id_user_account"),
            "user_account",
            ["released_by_id"],
            ["id"],
        )
    op.execute("UPDATE api_key SET released_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_api_key_released_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("released_at")
        batch_op.drop_column("released_by_id")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_user_account_created_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("created_by_id")
