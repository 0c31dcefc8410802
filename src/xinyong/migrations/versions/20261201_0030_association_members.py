"""an industry association's member register (Art. 10 ¶1; decision 0032):
association_member

A new table only: no existing row is touched. The rule pack marks the types it governs
(``members_only``, ``own_party_field``); a catalog loaded before keeps its versions until the
credit authority revises them.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "association_member",
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("agreement_reference", sa.String(length=200), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        _when("ended_at"),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_association_member_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_association_member")),
    )
    op.create_index(
        "ix_association_member_organisation_uscc",
        "association_member",
        ["organisation_id", "uscc"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_association_member_organisation_uscc", table_name="association_member")
    op.drop_table("association_member")
