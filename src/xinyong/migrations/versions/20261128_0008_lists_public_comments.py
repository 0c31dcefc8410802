"""lists: public comments on red-list candidates share the objection table

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 22:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("list_objection", schema=None) as batch_op:
        # Every objection before this revision was a subject's own.
        batch_op.add_column(
            sa.Column(
                "source",
                sa.Enum("subject", "public", name="objectionsource", native_enum=False, length=16),
                nullable=False,
                server_default="subject",
            )
        )
        batch_op.add_column(sa.Column("contact_ciphertext", sa.Text(), nullable=True))
    with op.batch_alter_table("list_objection", schema=None) as batch_op:
        batch_op.alter_column("source", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("list_objection", schema=None) as batch_op:
        batch_op.drop_column("contact_ciphertext")
        batch_op.drop_column("source")
