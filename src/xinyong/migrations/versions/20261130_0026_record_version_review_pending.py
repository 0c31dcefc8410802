"""record_version.review_pending_when_revoked: whether a record revoked by its source was
still waiting for its confidentiality review, so reinstating it makes it wait again
(decision 0028, addendum)

Nullable, no backfill: NULL on every version but revocations made from now on; for a
revocation made before, the reinstatement derives the answer from the record's history.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_pending_when_revoked", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("record_version", schema=None) as batch_op:
        batch_op.drop_column("review_pending_when_revoked")
