"""the subject's own consent to be named in a credit-repair typical case (Art. 20, 32;
decision 0030): typical_case_consent

A new table only: no existing row is touched; a case's paper consent reference
(typical_case.consent_evidence) stays as it was.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "typical_case_consent",
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "given",
                "refused",
                "withdrawn",
                name="consentstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        _when("requested_at", nullable=False),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        _when("answered_at"),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        _when("withdrawn_at"),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["typical_case.id"],
            name=op.f("fk_typical_case_consent_case_id_typical_case"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["subject.id"],
            name=op.f("fk_typical_case_consent_subject_id_subject"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_typical_case_consent")),
        sa.UniqueConstraint("case_id", name=op.f("uq_typical_case_consent_case_id")),
    )
    op.create_index(
        op.f("ix_typical_case_consent_subject_id"),
        "typical_case_consent",
        ["subject_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_typical_case_consent_subject_id"), table_name="typical_case_consent")
    op.drop_table("typical_case_consent")
