"""credit service institutions register and its versions (Art. 26); the service and the
anti-bundling confirmation of an authorisation given to an institution (Art. 27)
(decision 0024)

The two authorisation columns are nullable: existing authorisations (to agencies and
banks) are not to institutions and keep them empty; no row is rewritten.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "institution",
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("filing_number", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filing_date", sa.Date(), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "suspended",
                "deregistered",
                name="institutionstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_since", sa.Date(), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("current_version_no", sa.Integer(), nullable=False),
        sa.Column("registered_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution")),
        sa.UniqueConstraint("filing_number", name=op.f("uq_institution_filing_number")),
        sa.UniqueConstraint("uscc", name=op.f("uq_institution_uscc")),
    )
    op.create_table(
        "institution_version",
        sa.Column("institution_id", _ID, nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_institution_version_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_institution_version")),
        sa.UniqueConstraint(
            "institution_id",
            "version_no",
            name=op.f("uq_institution_version_institution_id_version_no"),
        ),
    )
    op.create_index(
        op.f("ix_institution_version_institution_id"),
        "institution_version",
        ["institution_id"],
        unique=False,
    )
    with op.batch_alter_table("authorisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("service_not_conditional", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorisation", schema=None) as batch_op:
        batch_op.drop_column("service_not_conditional")
        batch_op.drop_column("service")
    op.drop_index(
        op.f("ix_institution_version_institution_id"),
        table_name="institution_version",
    )
    op.drop_table("institution_version")
    op.drop_table("institution")
