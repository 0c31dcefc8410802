"""quarantined_row: a held row's decision — released under the registered subject or
rejected — by whom, with what reasons, and the batch a release went in (decision 0050)

A row is held when its code is registered under another name (``name_mismatch``) or names
a legal representative by a number registered under another name (decision 0038). Nothing
read a held row back: it waited, "held for review", for a review that did not exist, until
the daily job erased its content. The source's data reporter and the credit authority now
decide each one (``collection.held_rows``). ``resolved_at`` and ``resolution`` were in the
table from the start and never written; the decision fills them. Every row stored before
has none: it is awaiting a decision, or its content was erased already (it can then only be
rejected).

Revision ID: 0057
Revises: 0056
Create Date: 2026-12-12 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0057"
down_revision: str | None = "0056"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Added in place (ALTER TABLE … ADD COLUMN), not by a batch, as 0048 adds its column.
    op.add_column("quarantined_row", sa.Column("resolved_by", sa.String(64), nullable=True))
    op.add_column("quarantined_row", sa.Column("resolution_reasons", sa.Text(), nullable=True))
    op.add_column("quarantined_row", sa.Column("released_batch_id", _ID, nullable=True))


def downgrade() -> None:
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), as 0048 drops its.
    op.drop_column("quarantined_row", "released_batch_id")
    op.drop_column("quarantined_row", "resolution_reasons")
    op.drop_column("quarantined_row", "resolved_by")
