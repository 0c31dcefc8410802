"""measure.implementer_kinds and measure.implementer_codes: who implements a measure of the
incentive and punishment lists (Art. 15: items, means, implementing body and basis), as
the kinds of organisation and the named organisations (unified social credit codes) that
implement it, which joint checks and applications follow (decision 0045)

No data moves: the measures stored before get empty lists (nobody named yet). The shipped
measures get their implementers from the lists rule pack on ``xinyong lists upgrade`` (or
``init``), which fills them in even where the measure is published — they restate the
published ``implementing_body`` in the platform's terms and change no published text. A
measure the credit authority made itself names its implementers when it drafts it anew.

Revision ID: 0050
Revises: 0047
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("implementer_kinds", "implementer_codes")


def upgrade() -> None:
    with op.batch_alter_table("measure") as batch:
        for name in _COLUMNS:
            batch.add_column(
                sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
            )


def downgrade() -> None:
    with op.batch_alter_table("measure") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
