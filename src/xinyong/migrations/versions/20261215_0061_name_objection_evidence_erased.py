"""name_objection evidence erased: the identity document of a decided objection to a
person's name is erased by the daily job a period after the decision (decision 0051
addendum): ``evidence_ciphertext`` may be empty, ``evidence_erased_at`` dates the erasure.

Revision ID: 0061
Revises: 0060
Create Date: 2026-12-15 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0061"
down_revision: str | None = "0060"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch: SQLite changes a column's nullability only by copying the table (the
    # migration runs with its foreign keys off, ``db.migrate``); PostgreSQL alters in place.
    with op.batch_alter_table("name_objection", schema=None) as batch_op:
        batch_op.alter_column("evidence_ciphertext", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(
            sa.Column(
                "evidence_erased_at",
                xinyong.db.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    # An erased document cannot come back: its column holds the empty text, which no
    # download decrypts (the case says nothing of the erasure once the column is gone).
    op.execute(
        "UPDATE name_objection SET evidence_ciphertext = '' WHERE evidence_ciphertext IS NULL"
    )
    with op.batch_alter_table("name_objection", schema=None) as batch_op:
        batch_op.drop_column("evidence_erased_at")
        batch_op.alter_column("evidence_ciphertext", existing_type=sa.Text(), nullable=False)
