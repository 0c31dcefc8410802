"""name_objection: a natural person's objection to the name it is registered under
(Art. 25; decision 0051)

No registration authority states a person's name (decision 0050, left open), so a person
first registered from a source's typo kept it. The person now objects to it, with the
correct name and an identity document as evidence, and the credit authority's objection
handler decides; upheld, the name is corrected and the wrong one kept as a former name.

Revision ID: 0058
Revises: 0057
Create Date: 2026-12-13 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0058"
down_revision: str | None = "0057"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATUSES = ("received", "upheld", "rejected")


def upgrade() -> None:
    op.create_table(
        "name_objection",
        sa.Column("subject_id", _ID, nullable=False),
        sa.Column("registered_name", sa.String(length=200), nullable=False),
        sa.Column("stated_name", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=True),
        sa.Column("evidence_kind", sa.String(length=8), nullable=False),
        sa.Column("evidence_ciphertext", sa.Text(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(*_STATUSES, name="nameobjectionstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("raised_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("decided_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_reasons", sa.Text(), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_name_objection_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_objection")),
    )
    op.create_index("ix_name_objection_subject", "name_objection", ["subject_id"])
    op.create_index("ix_name_objection_status", "name_objection", ["status"])


def downgrade() -> None:
    op.drop_index("ix_name_objection_status", table_name="name_objection")
    op.drop_index("ix_name_objection_subject", table_name="name_objection")
    op.drop_table("name_objection")
