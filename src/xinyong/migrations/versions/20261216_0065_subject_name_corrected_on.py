"""subject_name corrected_on: a name a person was registered under and proved on objection
never to have borne (decision 0051, session 24 addendum). It stays in the file's history,
dated, but the name check no longer takes it as one of the person's names.

Revision ID: 0065
Revises: 0061
Create Date: 2026-12-16 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0065"
down_revision: str | None = "0061"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_subject_name = sa.table(
    "subject_name",
    sa.column("subject_id", sa.BigInteger()),
    sa.column("name", sa.String()),
    sa.column("current", sa.Boolean()),
    sa.column("valid_to", sa.Date()),
    sa.column("corrected_on", sa.Date()),
)
_name_objection = sa.table(
    "name_objection",
    sa.column("subject_id", sa.BigInteger()),
    sa.column("registered_name", sa.String()),
    sa.column("status", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("subject_name", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrected_on", sa.Date(), nullable=True))
    # Names already corrected on an upheld objection: the day the rename ended them.
    upheld = (
        sa.select(sa.literal(1))
        .where(
            _name_objection.c.subject_id == _subject_name.c.subject_id,
            _name_objection.c.registered_name == _subject_name.c.name,
            _name_objection.c.status == "upheld",
        )
        .exists()
    )
    op.execute(
        _subject_name.update()
        .where(_subject_name.c.current == sa.false(), upheld)
        .values(corrected_on=sa.func.coalesce(_subject_name.c.valid_to, sa.func.current_date()))
    )


def downgrade() -> None:
    with op.batch_alter_table("subject_name", schema=None) as batch_op:
        batch_op.drop_column("corrected_on")
