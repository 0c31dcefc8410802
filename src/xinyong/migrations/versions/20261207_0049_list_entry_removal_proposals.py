"""list_removal_proposal: a published list entry is taken off the list by hand before its
term only on a second officer's approval (Art. 14, 15; decision 0042)

Removals made before by a single officer stay as they were (their history says who removed
them); nothing moves. At most one open proposal per entry (a partial unique index).

Revision ID: 0049
Revises: 0050
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0049"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_REASONS = (
    "exit_conditions_met",
    "repaired",
    "objection_upheld",
    "performed",
    "record_revoked",
    "early_removal",
    "black_listed",
    "bad_record",
    "other",
)


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "list_removal_proposal",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("recognising_organisation_id", _ID, nullable=False),
        sa.Column(
            "reason",
            sa.Enum(*_REASONS, name="removalreason", native_enum=False, length=24),
            nullable=False,
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "approved",
                "refused",
                "lapsed",
                name="removalproposalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        _when("proposed_at", nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        _when("decided_at"),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["list_entry.id"],
            name=op.f("fk_list_removal_proposal_entry_id_list_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["recognising_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_list_removal_proposal_recognising_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_removal_proposal")),
    )
    op.create_index("ix_list_removal_proposal_entry", "list_removal_proposal", ["entry_id"])
    op.create_index(
        "ix_list_removal_proposal_status",
        "list_removal_proposal",
        ["status", "recognising_organisation_id"],
    )
    op.create_index(
        "uq_list_removal_proposal_open",
        "list_removal_proposal",
        ["entry_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_list_removal_proposal_open", table_name="list_removal_proposal")
    op.drop_index("ix_list_removal_proposal_status", table_name="list_removal_proposal")
    op.drop_index("ix_list_removal_proposal_entry", table_name="list_removal_proposal")
    op.drop_table("list_removal_proposal")
