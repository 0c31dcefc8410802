"""Set-up built through the services once per worker, then written again as rows.

``World.build`` makes two dozen organisations, subjects and accounts through the services
(encryption, blind indexes, audit): about 95 statements, 0.15 s a test on PostgreSQL
where each is a round trip, paid by more than a thousand tests. The first build in a
worker runs the services for real and records what it changed, table by table; later
builds on the same starting state insert those rows again (one statement per table) and
read the objects back. Every test still starts from rows the services wrote.

A recording is replayed only onto the state it was made on: every table's highest key
must be the same, and the audit chain must end at the same event (so the replayed events
continue it correctly). A starting state met for the first time
(a test that wrote before building) builds for real and is recorded too, up to
``MAX_STARTING_STATES``; the caller's key separates what else the build depends on (the
clock, the password hasher's parameters).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from xinyong.db.base import Base

Row = dict[str, Any]
Key = tuple[Any, ...]


@dataclass(frozen=True)
class TableChanges:
    table: Table
    inserted: list[Row]
    updated: list[Row]


@dataclass(frozen=True)
class Recording:
    starting_state: tuple[Any, ...]
    changes: list[TableChanges]
    # What the build returned, as (mapped class, primary key) per name, to be read back.
    objects: dict[str, dict[str, tuple[type[Any], Any]]]


def _key_columns(table: Table) -> list[str]:
    columns = list(table.primary_key.columns) or list(table.columns)
    return [column.name for column in columns]


def _contents(connection: Connection) -> dict[str, dict[Key, Row]]:
    contents: dict[str, dict[Key, Row]] = {}
    for table in Base.metadata.sorted_tables:
        keys = _key_columns(table)
        rows = connection.execute(select(table)).mappings()
        contents[table.name] = {tuple(row[k] for k in keys): dict(row) for row in rows}
    return contents


@lru_cache(maxsize=1)
def _state_query() -> Select[Any]:
    measures = [
        select(func.max(table.c[_key_columns(table)[0]])).scalar_subquery()
        for table in Base.metadata.sorted_tables
    ]
    audit_head = Base.metadata.tables["audit_head"]
    measures += [
        select(audit_head.c.sequence).scalar_subquery(),
        select(audit_head.c.hash).scalar_subquery(),
    ]
    return select(*measures)


def _starting_state(connection: Connection) -> tuple[Any, ...]:
    """The highest key of every table and the audit chain's head, in one statement: the
    state a recording was made on and may be replayed onto. Keys only grow (no table's
    rows are deleted in a test's set-up), so a row added anywhere shows; a maximum is an
    index lookup, where counting every table's rows tripled a replay's time."""
    (state,) = connection.execute(_state_query()).all()
    return tuple(state)


def _changes(
    before: dict[str, dict[Key, Row]], after: dict[str, dict[Key, Row]]
) -> list[TableChanges]:
    changes = []
    for table in Base.metadata.sorted_tables:
        old, new = before[table.name], after[table.name]
        if old.keys() - new.keys():
            raise AssertionError(f"a recorded set-up deleted rows of {table.name}")
        inserted = [row for key, row in new.items() if key not in old]
        updated = [row for key, row in new.items() if key in old and old[key] != row]
        if inserted or updated:
            changes.append(TableChanges(table, inserted, updated))
    return changes


# Per engine, not per URL: on PostgreSQL every worker's databases share a URL and differ by
# schema, and an engine made for one test (a migration test's) must not get the worker's
# recordings even when its rows happen to count the same.
_recordings: weakref.WeakKeyDictionary[Engine, dict[Hashable, list[Recording]]] = (
    weakref.WeakKeyDictionary()
)
# Starting states recorded per key: the worker's usual one, and a few that fixtures writing
# before the build make (each recorded the first time it is met).
MAX_STARTING_STATES = 4


def build_or_replay(
    session: Session,
    key: Hashable,
    build: Callable[[], dict[str, dict[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """What ``build`` returns (named groups of mapped objects), built for real the first
    time for ``key`` and starting state on this connection's database, replayed after."""
    session.flush()
    connection = session.connection()
    recordings = _recordings.setdefault(connection.engine, {}).setdefault(key, [])
    state = _starting_state(connection)
    for recording in recordings:
        if recording.starting_state == state:
            return _replay(session, connection, recording)
    if len(recordings) >= MAX_STARTING_STATES:
        return build()
    before = _contents(connection)
    groups = build()
    session.flush()
    recordings.append(
        Recording(
            state,
            _changes(before, _contents(connection)),
            {
                name: {label: (type(obj), _identity(obj)) for label, obj in group.items()}
                for name, group in groups.items()
            },
        )
    )
    return groups


def _identity(obj: Any) -> Any:
    identity = inspect(obj).identity
    assert identity is not None, obj
    assert len(identity) == 1, obj
    return identity[0]


def _replay(
    session: Session, connection: Connection, recording: Recording
) -> dict[str, dict[str, Any]]:
    for change in recording.changes:
        if change.inserted:
            connection.execute(insert(change.table), change.inserted)
        keys = _key_columns(change.table)
        for row in change.updated:
            condition = [change.table.c[k] == row[k] for k in keys]
            connection.execute(update(change.table).where(*condition).values(row))
    wanted: dict[type[Any], set[Any]] = {}
    for group in recording.objects.values():
        for mapped, identity in group.values():
            wanted.setdefault(mapped, set()).add(identity)
    loaded: dict[tuple[type[Any], Any], Any] = {}
    for mapped, identities in wanted.items():
        primary_key = mapped.__mapper__.primary_key[0]
        for obj in session.scalars(select(mapped).where(primary_key.in_(identities))):
            loaded[(mapped, _identity(obj))] = obj
    return {
        name: {label: loaded[(mapped, identity)] for label, (mapped, identity) in group.items()}
        for name, group in recording.objects.items()
    }
