"""query items carried over to API keys (decision 0035, addendum): query_item_assignment
gains api_key_id, user_id becomes optional, and exactly one of the two names the holder

Migration 0038 carried its organisation's items over to the staff who queried by item but
not to the organisation's systems: an API key of a query officer's or case officer's role
had used every published item of its organisation, and after 0038 each of its queries by
item was refused (``not_assigned_query_item``) without anyone having decided it. Here every
such key that worked when 0038 ran and works still (released, not revoked) is given the
items of its organisation in force now, with no granting officer (carried over), for the
organisation's security officer to review and withdraw; no officer grants a key an item.

A key released after 0038 ran was made under the rule that a key holds no item, and gets
nothing. When 0038 ran is when it carried the staff over (its assignments have no granting
officer; the earliest is taken); where it carried nobody over, every working key counts.

Downgrade deletes the keys' assignments (the schema before holds staff only): the keys are
refused by item again.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_WHEN = xinyong.db.base.UTCDateTime(timezone=True)
# The roles that query by item (as in 0038; accounts.permissions when this was written).
_QUERYING_ROLES = ("query_officer", "case_officer")
_ONE_HOLDER = (
    "(user_id IS NULL AND api_key_id IS NOT NULL) OR (user_id IS NOT NULL AND api_key_id IS NULL)"
)

_assignment = sa.table(
    "query_item_assignment",
    sa.column("query_item_id", _ID),
    sa.column("user_id", _ID),
    sa.column("api_key_id", _ID),
    sa.column("granted_at", _WHEN),
    sa.column("granted_by_id", _ID),
)


def upgrade() -> None:
    with op.batch_alter_table("query_item_assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", _ID, nullable=True))
        batch_op.alter_column("user_id", existing_type=_ID, nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_query_item_assignment_api_key_id_api_key"),
            "api_key",
            ["api_key_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_query_item_assignment_one_holder"), _ONE_HOLDER
        )
        batch_op.create_index(
            "ix_query_item_assignment_key_item", ["api_key_id", "query_item_id"], unique=False
        )
    _carry_over_keys()


def _carry_over_keys() -> None:
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    staff_carried_over = connection.execute(
        sa.select(sa.func.min(_assignment.c.granted_at)).where(
            _assignment.c.granted_by_id.is_(None), _assignment.c.user_id.is_not(None)
        )
    ).scalar()
    cut_off = staff_carried_over or now
    key = sa.table(
        "api_key",
        sa.column("id", _ID),
        sa.column("organisation_id", _ID),
        sa.column("role", sa.String()),
        sa.column("released_at", _WHEN),
        sa.column("revoked_at", _WHEN),
    )
    item = sa.table(
        "query_item",
        sa.column("id", _ID),
        sa.column("organisation_id", _ID),
        sa.column("published_at", _WHEN),
        sa.column("withdrawn_at", _WHEN),
    )
    keys = connection.execute(
        sa.select(key.c.id, key.c.organisation_id, key.c.released_at)
        .where(
            key.c.role.in_(_QUERYING_ROLES),
            key.c.revoked_at.is_(None),
            key.c.released_at.is_not(None),
        )
        .order_by(key.c.id)
    ).all()
    in_force: dict[int, list[int]] = {}
    for item_id, organisation_id in connection.execute(
        sa.select(item.c.id, item.c.organisation_id)
        .where(item.c.published_at.is_not(None), item.c.withdrawn_at.is_(None))
        .order_by(item.c.id)
    ):
        in_force.setdefault(organisation_id, []).append(item_id)
    rows = [
        {"query_item_id": item_id, "api_key_id": key_id, "granted_at": now}
        for key_id, organisation_id, released_at in keys
        # Compared here, not in SQL: SQLite keeps these as text.
        if released_at <= cut_off
        for item_id in in_force.get(organisation_id, [])
    ]
    if rows:
        connection.execute(sa.insert(_assignment), rows)


def downgrade() -> None:
    op.execute(sa.delete(_assignment).where(_assignment.c.api_key_id.is_not(None)))
    with op.batch_alter_table("query_item_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_query_item_assignment_key_item")
        batch_op.drop_constraint(batch_op.f("ck_query_item_assignment_one_holder"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_query_item_assignment_api_key_id_api_key"), type_="foreignkey"
        )
        batch_op.alter_column("user_id", existing_type=_ID, nullable=False)
        batch_op.drop_column("api_key_id")
