"""early removal from the black list on the subject's application (SAMR Order 44):
early_removal; list_standard.early_removal and .early_removal_months
(decision 0027)

The standards whose rule allows early removal in the Fuzhou rule pack
(dishonest_subject, serious_refusing_duties, the latter with its own 12 months) are marked
here for databases loaded before; every other standard keeps it off.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_ALLOWED = ("dishonest_subject", "serious_refusing_duties")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Added in place (ALTER TABLE … ADD COLUMN), not by a batch: a batch copies the table for
    # a default that is an expression (false), and SQLite, its foreign keys on, refuses to
    # drop the old list_standard while list entries refer to it.
    op.add_column(
        "list_standard",
        sa.Column("early_removal", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("list_standard", sa.Column("early_removal_months", sa.Integer(), nullable=True))
    standard = sa.table(
        "list_standard",
        sa.column("code", sa.String()),
        sa.column("early_removal", sa.Boolean()),
        sa.column("early_removal_months", sa.Integer()),
    )
    op.execute(
        standard.update().where(standard.c.code.in_(_ALLOWED)).values(early_removal=sa.true())
    )
    # As the rule pack states it for the SAMR serious list (Order 44: after one year).
    op.execute(
        standard.update()
        .where(standard.c.code == "serious_refusing_duties")
        .values(early_removal_months=12)
    )
    op.create_table(
        "early_removal",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("recognising_organisation_id", _ID, nullable=False),
        sa.Column("obligations_met", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=False),
        sa.Column("eligibility", sa.JSON(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "proposed",
                "approved",
                "rejected",
                name="earlyremovalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("applied_by", sa.String(length=64), nullable=False),
        _when("applied_at", nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=True),
        _when("proposed_at"),
        sa.Column("proposal_approve", sa.Boolean(), nullable=True),
        sa.Column("proposal_reasons", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        _when("decided_at"),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["list_entry.id"],
            name=op.f("fk_early_removal_entry_id_list_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_early_removal_subject_id_subject"),
        ),
        sa.ForeignKeyConstraint(
            ["recognising_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_early_removal_recognising_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_removal")),
    )
    with op.batch_alter_table("early_removal", schema=None) as batch_op:
        batch_op.create_index("ix_early_removal_entry", ["entry_id"])
        batch_op.create_index("ix_early_removal_subject", ["subject_id"])
        batch_op.create_index("ix_early_removal_status", ["status", "recognising_organisation_id"])


def downgrade() -> None:
    with op.batch_alter_table("early_removal", schema=None) as batch_op:
        batch_op.drop_index("ix_early_removal_status")
        batch_op.drop_index("ix_early_removal_subject")
        batch_op.drop_index("ix_early_removal_entry")
    op.drop_table("early_removal")
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), not by a batch
    # that copies the table and drops the old one: SQLite, its foreign keys on, refuses to
    # drop list_standard while list entries refer to it.
    op.drop_column("list_standard", "early_removal_months")
    op.drop_column("list_standard", "early_removal")
