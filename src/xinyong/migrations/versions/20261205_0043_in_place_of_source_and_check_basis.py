"""Who carried out a case's step, the source or the credit authority in its place (decision
0024 addendum), and the clean years a joint check's green channel was answered on (decision
0011 addendum)

* ``record_objection.completed_by_source``: False when the credit authority carried out an
  upheld objection in the place of a deregistered credit service institution. Before this
  only sources carried them out, so every completed case is the source's.
* ``repair_case.decided_by_source`` and ``fraud_by_source``: False when the credit authority
  took the step (the platform's termination before acceptance, or a step in the place of a
  source outside the register). Before this the source decided every decided case and took
  every step after acceptance; only a termination before acceptance (no feedback given) was
  the platform's.
* ``joint_check_use.clean_years``: the years Art. 16(1) was answered on. Left empty for the
  checks before: the years configured then were not recorded, and the pages say so rather
  than guess (today's setting is what showed them wrongly).

Revision ID: 0043
Revises: 0045
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Not in batch: SQLite adds and drops a plain column in place (3.35+), where copying a
    # table would have to drop the ones that refer to it (the index of a check's subjects).
    op.add_column("record_objection", sa.Column("completed_by_source", sa.Boolean()))
    op.add_column("repair_case", sa.Column("decided_by_source", sa.Boolean()))
    op.add_column("repair_case", sa.Column("fraud_by_source", sa.Boolean()))
    op.add_column("joint_check_use", sa.Column("clean_years", sa.Integer()))

    objection = sa.table(
        "record_objection",
        sa.column("completed_at", sa.DateTime()),
        sa.column("completed_by_source", sa.Boolean()),
    )
    op.execute(
        objection.update()
        .where(objection.c.completed_at.is_not(None))
        .values(completed_by_source=True)
    )
    case = sa.table(
        "repair_case",
        sa.column("status", sa.String()),
        sa.column("decided_at", sa.DateTime()),
        sa.column("feedback_at", sa.DateTime()),
        sa.column("fraud_at", sa.DateTime()),
        sa.column("decided_by_source", sa.Boolean()),
        sa.column("fraud_by_source", sa.Boolean()),
    )
    op.execute(case.update().where(case.c.decided_at.is_not(None)).values(decided_by_source=True))
    op.execute(
        case.update()
        .where(case.c.fraud_at.is_not(None))
        .values(
            fraud_by_source=sa.case(
                (sa.and_(case.c.status == "terminated", case.c.feedback_at.is_(None)), False),
                else_=True,
            )
        )
    )


def downgrade() -> None:
    op.drop_column("joint_check_use", "clean_years")
    op.drop_column("repair_case", "fraud_by_source")
    op.drop_column("repair_case", "decided_by_source")
    op.drop_column("record_objection", "completed_by_source")
