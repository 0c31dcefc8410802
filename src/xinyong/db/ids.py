"""Allocating primary keys up front for bulk inserts.

Bulk inserts that need their new ids back would otherwise use INSERT … RETURNING, which
SQLite can only do one row per statement when the order matters. Taking the ids first
lets the rows go in with a plain executemany on both databases.
"""

from __future__ import annotations

from sqlalchemy import FromClause, func, select, text
from sqlalchemy.orm import Session


def allocate_ids(session: Session, table: FromClause, count: int) -> list[int]:
    if count <= 0:
        return []
    name = str(getattr(table, "name", ""))
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": name, "n": count},
        )
        return [int(row[0]) for row in rows]
    # SQLite: every write transaction holds the database's write lock from BEGIN
    # IMMEDIATE (see db.engine), so nobody else can take these ids before we insert them.
    start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
    allocated = session.info.get(("allocated", name), 0)
    # Ids handed out earlier in this transaction but not inserted yet must not repeat.
    start = max(start, allocated + 1)
    session.info[("allocated", name)] = start + count - 1
    return list(range(start, start + count))
