"""joint_check_use_indexed, and the joint checks' log append-only: the record of a joint
check (Art. 14–19) answering about subjects, which their access logs show (Art. 24),
refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL), as the access log does (0044;
decision 0003, session 13 addendum)

The one change the platform made to a check's row was the daily job's ``indexed_at`` on a
large check whose subjects it indexed; the job now writes that as a row of its own
(``joint_check_use_indexed``). Rows indexed before keep their ``indexed_at``, which still
says they are indexed: no data moves. The index by subject (``joint_check_use_subject``)
and the job's marks are append-only too: nothing changes or deletes them, and deleting an
index row would take the check out of that subject's log.

Revision ID: 0047
Revises: 0044
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import xinyong.db.base

revision: str = "0047"
# Written in parallel with other branches: re-chain onto the latest when merging.
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES = ("joint_check_use", "joint_check_use_subject", "joint_check_use_indexed")


def _sqlite(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    )


def _postgresql(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION joint_check_log_append_only()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION joint_check_log_append_only()",
    )


def upgrade() -> None:
    op.create_table(
        "joint_check_use_indexed",
        sa.Column("use_id", _ID, autoincrement=False, nullable=False),
        sa.Column("indexed_at", xinyong.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["joint_check_use.id"],
            name=op.f("fk_joint_check_use_indexed_use_id_joint_check_use"),
        ),
        sa.PrimaryKeyConstraint("use_id", name=op.f("pk_joint_check_use_indexed")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION joint_check_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in _TABLES:
            for statement in _postgresql(table):
                op.execute(statement)
    else:
        for table in _TABLES:
            for statement in _sqlite(table):
                op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS joint_check_log_append_only()")
    # What the job marked goes back where it was kept before: the check's own row.
    op.execute(
        "UPDATE joint_check_use SET indexed_at = (SELECT indexed.indexed_at FROM "
        "joint_check_use_indexed AS indexed WHERE indexed.use_id = joint_check_use.id) "
        "WHERE indexed_at IS NULL AND id IN (SELECT use_id FROM joint_check_use_indexed)"
    )
    op.drop_table("joint_check_use_indexed")
