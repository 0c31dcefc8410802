"""Drop the three name indexes that no query uses: ix_subject_kind_name,
ix_subject_name_normalised and ix_subject_name_core

The name search matches character pairs anywhere in a name (``LIKE '%…%'``), which a
B-tree index cannot serve, and nothing looks subjects up by kind and name. Each of these
indexes still cost an entry at a random position for every subject an ingestion batch
registers (decision 0012).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 05:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_subject_kind_name", table_name="subject")
    op.drop_index("ix_subject_name_normalised", table_name="subject_name")
    op.drop_index("ix_subject_name_core", table_name="subject_name")


def downgrade() -> None:
    op.create_index("ix_subject_name_core", "subject_name", ["core"])
    op.create_index("ix_subject_name_normalised", "subject_name", ["normalised"])
    op.create_index("ix_subject_kind_name", "subject", ["kind", "name_normalised"])
