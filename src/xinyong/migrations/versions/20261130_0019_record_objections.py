"""objections to credit records (Art. 25): record_objection

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_GROUNDS = (
    "error",
    "omission",
    "duplicate_publication",
    "should_not_be_public",
    "past_publicity_period",
    "infringement",
)
_STATUSES = (
    "received",
    "forwarded",
    "upheld",
    "corrected",
    "withdrawn",
    "rejected",
    "unconfirmed",
)


def upgrade() -> None:
    op.create_table(
        "record_objection",
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("source_organisation_id", _ID, nullable=False),
        sa.Column(
            "ground",
            sa.Enum(*_GROUNDS, name="ground", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("market", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="objectionstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("raised_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("forwarded_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("forwarded_on", sa.Date(), nullable=True),
        sa.Column("forwarded_by", sa.String(length=64), nullable=True),
        sa.Column("forward_note", sa.Text(), nullable=True),
        sa.Column("decided_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_by_source", sa.Boolean(), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("check_made", sa.Text(), nullable=True),
        sa.Column("completed_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("result_version_no", sa.Integer(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_record.id"],
            name=op.f("fk_record_objection_record_id_credit_record"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_record_objection_source_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_record_objection_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_objection")),
    )
    with op.batch_alter_table("record_objection", schema=None) as batch_op:
        batch_op.create_index("ix_record_objection_record", ["record_id"])
        batch_op.create_index("ix_record_objection_subject", ["subject_id"])
        batch_op.create_index("ix_record_objection_status", ["status", "source_organisation_id"])


def downgrade() -> None:
    with op.batch_alter_table("record_objection", schema=None) as batch_op:
        batch_op.drop_index("ix_record_objection_status")
        batch_op.drop_index("ix_record_objection_subject")
        batch_op.drop_index("ix_record_objection_record")
    op.drop_table("record_objection")
