"""responsible_person.basis, end_reason: what a registration of a person answering for an
organisation rests on (the registration authority's document) and why it ended (Art. 18;
decision 0036, session 12 addendum)

The registrations stored before state neither: they were made by the demo and by tests
through the service, which asked for no basis; an end's reason is in the audit trail and
the entries' history, not here.

Revision ID: 0046
Revises: 0043
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0046"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responsible_person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("basis", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("responsible_person", schema=None) as batch_op:
        batch_op.drop_column("end_reason")
        batch_op.drop_column("basis")
