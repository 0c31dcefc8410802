"""per-staff query permissions (Art. 12(2); decision 0035): query_item_assignment

Before this revision every account of an organisation whose role queries by query item
(query officers and case officers) used every published item of its organisation. So that
no query that worked yesterday is refused without anyone deciding it, each such account
that is active is given the items of its organisation that are published and not withdrawn
now, with no granting officer (``granted_by_id`` empty: carried over). The organisation's
security officer then withdraws what a staff member should not hold. Items not in force
now are not carried over; an account created after this revision holds nothing until its
security officer assigns it an item.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The roles that queried by item when this revision was written (accounts.permissions).
_QUERYING_ROLES = ("query_officer", "case_officer")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, xinyong.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "query_item_assignment",
        sa.Column("query_item_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        _when("granted_at", nullable=False),
        sa.Column("granted_by_id", _ID, nullable=True),
        _when("withdrawn_at"),
        sa.Column("withdrawn_by_id", _ID, nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.ForeignKeyConstraint(
            ["query_item_id"],
            ["query_item.id"],
            name=op.f("fk_query_item_assignment_query_item_id_query_item"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_query_item_assignment_user_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["user_account.id"],
            name=op.f("fk_query_item_assignment_granted_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_query_item_assignment_withdrawn_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_item_assignment")),
    )
    op.create_index(
        "ix_query_item_assignment_user_item",
        "query_item_assignment",
        ["user_id", "query_item_id"],
        unique=False,
    )
    op.create_index(
        "ix_query_item_assignment_item", "query_item_assignment", ["query_item_id"], unique=False
    )
    _carry_over()


def _carry_over() -> None:
    """Every active querying account, every item of its organisation in force now."""
    user = sa.table(
        "user_account",
        sa.column("id", _ID),
        sa.column("role", sa.String()),
        sa.column("organisation_id", _ID),
        sa.column("active", sa.Boolean()),
    )
    item = sa.table(
        "query_item",
        sa.column("id", _ID),
        sa.column("organisation_id", _ID),
        sa.column("published_at", xinyong.db.base.UTCDateTime(timezone=True)),
        sa.column("withdrawn_at", xinyong.db.base.UTCDateTime(timezone=True)),
    )
    assignment = sa.table(
        "query_item_assignment",
        sa.column("query_item_id", _ID),
        sa.column("user_id", _ID),
        sa.column("granted_at", xinyong.db.base.UTCDateTime(timezone=True)),
    )
    now = sa.literal(dt.datetime.now(dt.UTC), xinyong.db.base.UTCDateTime(timezone=True))
    op.execute(
        sa.insert(assignment).from_select(
            ["query_item_id", "user_id", "granted_at"],
            sa.select(item.c.id, user.c.id, now)
            .select_from(user.join(item, item.c.organisation_id == user.c.organisation_id))
            .where(
                user.c.active.is_(True),
                user.c.role.in_(_QUERYING_ROLES),
                item.c.published_at.is_not(None),
                item.c.withdrawn_at.is_(None),
            )
            .order_by(user.c.id, item.c.id),
        )
    )


def downgrade() -> None:
    op.drop_index("ix_query_item_assignment_item", table_name="query_item_assignment")
    op.drop_index("ix_query_item_assignment_user_item", table_name="query_item_assignment")
    op.drop_table("query_item_assignment")
