"""list_entry_basis_record and list_entry.basis_named: a list entry names the credit records
it rests on (Art. 15 ¶2; 国办发〔2020〕49号), by the record's identity, and leaves the list
when one of them is repaired or revoked (decision 0043)

The entries proposed before state their basis only as free text: they are kept as they
are, with ``basis_named`` false, and no link is invented for them (an officer reviews
them). A court judgment defaulter's entry keeps resting on its court record through
``list_entry.source_record_id``.

Revision ID: 0048
Revises: 0049
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Added in place (ALTER TABLE … ADD COLUMN), not by a batch: a batch copies the table for
    # a default that is an expression (false), and SQLite, its foreign keys on, refuses to
    # drop the old list_entry while persons, events and objections refer to it. Every
    # existing entry takes false: it named no basis record.
    op.add_column(
        "list_entry",
        sa.Column("basis_named", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.create_table(
        "list_entry_basis_record",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("record_id", _ID, nullable=False),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["list_entry.id"],
            name=op.f("fk_list_entry_basis_record_entry_id_list_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_record.id"],
            name=op.f("fk_list_entry_basis_record_record_id_credit_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entry_basis_record")),
        sa.UniqueConstraint(
            "entry_id", "record_id", name=op.f("uq_list_entry_basis_record_entry_id_record_id")
        ),
    )
    op.create_index(
        op.f("ix_list_entry_basis_record_entry_id"),
        "list_entry_basis_record",
        ["entry_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_list_entry_basis_record_record_id"),
        "list_entry_basis_record",
        ["record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_list_entry_basis_record_record_id"), table_name="list_entry_basis_record"
    )
    op.drop_index(op.f("ix_list_entry_basis_record_entry_id"), table_name="list_entry_basis_record")
    op.drop_table("list_entry_basis_record")
    # Dropped in place (ALTER TABLE … DROP COLUMN; SQLite 3.35 or later), not by a batch
    # that copies list_entry, which the other tables' foreign keys refer to.
    op.drop_column("list_entry", "basis_named")
