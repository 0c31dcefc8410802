"""credit_report content kept encrypted (the report's own fields, and the part taken from
the file in credit_report_file, shared by the reports of the same file), so that a
requester can open an issued report again without being issued another

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
# 0015 is being written on another branch: re-point this at it when both are merged.
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_report_file",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_report_file")),
        sa.UniqueConstraint("key", name=op.f("uq_credit_report_file_key")),
    )
    # Nullable: reports issued before have no kept content and cannot be opened again.
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_ciphertext", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("file_key", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_report_file_key_credit_report_file"),
            "credit_report_file",
            ["file_key"],
            ["key"],
        )
        # An organisation's issued reports, newest first ("my issued reports").
        batch_op.create_index(
            "ix_credit_report_organisation_issued", ["organisation_id", "issued_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("credit_report", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_report_organisation_issued")
        batch_op.drop_constraint(
            batch_op.f("fk_credit_report_file_key_credit_report_file"), type_="foreignkey"
        )
        batch_op.drop_column("file_key")
        batch_op.drop_column("content_ciphertext")
    op.drop_table("credit_report_file")
