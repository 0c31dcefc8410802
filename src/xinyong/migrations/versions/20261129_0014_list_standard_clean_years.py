"""list_standard.clean_years: the years without a bad credit record a red-list standard
asks for, as data beside its criteria (Art. 14 ¶2)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 04:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("list_standard", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clean_years", sa.Integer(), nullable=True))
    # The one standard the rule pack has shipped with such a condition (连续三年无不良信用记录).
    op.execute("UPDATE list_standard SET clean_years = 3 WHERE code = 'integrity_model'")


def downgrade() -> None:
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), not by a batch
    # that copies the table and drops the old one: SQLite, its foreign keys on, refuses to
    # drop list_standard while list entries refer to it.
    op.drop_column("list_standard", "clean_years")
