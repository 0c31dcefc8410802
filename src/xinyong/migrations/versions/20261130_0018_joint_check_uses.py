"""joint checks in the subjects' access logs: each check as one row with its subjects
packed (joint_check_use), and the subjects indexed by subject (joint_check_use_subject)

Revision ID: 0018
Revises: 0016
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0018"
# 0017 may be written on another branch: re-point this at it when both are merged.
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "joint_check_use",
        sa.Column("occurred_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("organisation_id", _ID, nullable=True),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("api_key_id", _ID, nullable=True),
        sa.Column("actor_role", sa.String(length=40), nullable=True),
        sa.Column("matter_code", sa.String(length=64), nullable=False),
        sa.Column("subject_count", sa.Integer(), nullable=False),
        sa.Column("subject_ids", sa.LargeBinary(), nullable=False),
        sa.Column("situation_ids", sa.LargeBinary(), nullable=False),
        sa.Column("situations", sa.JSON(), nullable=False),
        sa.Column("indexed_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_joint_check_use_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["matter_code"],
            ["administrative_matter.code"],
            name=op.f("fk_joint_check_use_matter_code_administrative_matter"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_joint_check_use_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_joint_check_use_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_check_use")),
    )
    with op.batch_alter_table("joint_check_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_check_use_indexed_at"), ["indexed_at"])
    op.create_table(
        "joint_check_use_subject",
        sa.Column("subject_id", _ID, autoincrement=False, nullable=False),
        sa.Column("use_id", _ID, autoincrement=False, nullable=False),
        sa.Column("situation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_joint_check_use_subject_subject_id_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["joint_check_use.id"],
            name=op.f("fk_joint_check_use_subject_use_id_joint_check_use"),
        ),
        sa.PrimaryKeyConstraint("subject_id", "use_id", name=op.f("pk_joint_check_use_subject")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("joint_check_use_subject")
    with op.batch_alter_table("joint_check_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_check_use_indexed_at"))
    op.drop_table("joint_check_use")
