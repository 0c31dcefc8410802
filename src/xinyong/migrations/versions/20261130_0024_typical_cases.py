"""typical cases of integrity publicity (Art. 32; decision 0026)

A new table only: no existing row is touched.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "typical_case",
        sa.Column(
            "kind",
            sa.Enum(
                "integrity_model",
                "serious_dishonesty",
                "credit_repair",
                "joint_practice",
                name="casekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("narrative", sa.Text(), nullable=False),
        sa.Column("narrative_en", sa.Text(), nullable=True),
        sa.Column("list_entry_id", _ID, nullable=True),
        sa.Column("repair_case_id", _ID, nullable=True),
        sa.Column("names_subject", sa.Boolean(), nullable=False),
        sa.Column("consent_evidence", sa.Text(), nullable=True),
        sa.Column("drafted_by", sa.String(length=64), nullable=False),
        sa.Column("drafted_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["list_entry_id"],
            ["list_entry.id"],
            name=op.f("fk_typical_case_list_entry_id_list_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["repair_case_id"],
            ["repair_case.id"],
            name=op.f("fk_typical_case_repair_case_id_repair_case"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_typical_case")),
    )
    op.create_index(op.f("ix_typical_case_kind"), "typical_case", ["kind"], unique=False)
    op.create_index(
        op.f("ix_typical_case_list_entry_id"), "typical_case", ["list_entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_typical_case_repair_case_id"), "typical_case", ["repair_case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_typical_case_repair_case_id"), table_name="typical_case")
    op.drop_index(op.f("ix_typical_case_list_entry_id"), table_name="typical_case")
    op.drop_index(op.f("ix_typical_case_kind"), table_name="typical_case")
    op.drop_table("typical_case")
