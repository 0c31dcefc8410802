"""limited_attempt: login and activation attempts counted in the database, so that every
server process counts against the same window and a restart forgets none of it (decision
0031, addendum of session 24; ``ratelimit.SharedAttemptLimiter``). Keys are keyed hashes;
rows older than the window are swept by the counting path.

Revision ID: 0068
Revises: 0067
Create Date: 2026-12-19 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0068"
down_revision: str | None = "0067"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "limited_attempt",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_limited_attempt")),
    )
    op.create_index("ix_limited_attempt_key_hash_at", "limited_attempt", ["key_hash", "at"])
    op.create_index(op.f("ix_limited_attempt_at"), "limited_attempt", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_limited_attempt_at"), table_name="limited_attempt")
    op.drop_index("ix_limited_attempt_key_hash_at", table_name="limited_attempt")
    op.drop_table("limited_attempt")
