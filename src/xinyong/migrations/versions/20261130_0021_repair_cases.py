"""credit repair (Art. 20–23): repair_case

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATUSES = (
    "submitted",
    "accepted",
    "not_accepted",
    "approved",
    "rejected",
    "terminated",
    "revoked",
)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "repair_case",
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("source_organisation_id", _ID, nullable=False),
        sa.Column("commitment_record_id", _ID, nullable=False),
        sa.Column("correction", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("query_code", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="repairstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        _when("applied_at", nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        _when("feedback_at"),
        sa.Column("feedback_on", sa.Date(), nullable=True),
        sa.Column("feedback_by", sa.String(length=64), nullable=True),
        sa.Column("feedback_reasons", sa.Text(), nullable=True),
        _when("decided_at"),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("result_version_no", sa.Integer(), nullable=True),
        _when("fraud_at"),
        sa.Column("fraud_by", sa.String(length=64), nullable=True),
        sa.Column("fraud_reasons", sa.Text(), nullable=True),
        sa.Column("restored_version_no", sa.Integer(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["credit_record.id"], name=op.f("fk_repair_case_record_id_credit_record")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_record_id"],
            ["credit_record.id"],
            name=op.f("fk_repair_case_commitment_record_id_credit_record"),
        ),
        sa.ForeignKeyConstraint(
            ["source_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_repair_case_source_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_repair_case_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_case")),
        sa.UniqueConstraint("query_code", name=op.f("uq_repair_case_query_code")),
    )
    with op.batch_alter_table("repair_case", schema=None) as batch_op:
        batch_op.create_index("ix_repair_case_record", ["record_id"])
        batch_op.create_index("ix_repair_case_subject", ["subject_id"])
        batch_op.create_index("ix_repair_case_status", ["status", "source_organisation_id"])


def downgrade() -> None:
    with op.batch_alter_table("repair_case", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_case_status")
        batch_op.drop_index("ix_repair_case_subject")
        batch_op.drop_index("ix_repair_case_record")
    op.drop_table("repair_case")
