"""joint_check_use_indexing: how far the daily job has indexed a large joint check's
subjects, so that it indexes a fixed number of rows per transaction and a run interrupted
(or one that stopped at its limit) resumes where the last committed one ended (decision
0008, session 25 addendum). A row while a check is part-indexed; deleted when the job's
mark (``joint_check_use_indexed``) is written. Not part of the append-only log: the index
rows it counts are.

Revision ID: 0071
Revises: 0070
Create Date: 2026-12-22 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0071"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0070"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "joint_check_use_indexing",
        sa.Column("use_id", _ID, autoincrement=False, nullable=False),
        sa.Column("indexed_rows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["joint_check_use.id"],
            name=op.f("fk_joint_check_use_indexing_use_id_joint_check_use"),
        ),
        sa.PrimaryKeyConstraint("use_id", name=op.f("pk_joint_check_use_indexing")),
    )


def downgrade() -> None:
    op.drop_table("joint_check_use_indexing")
