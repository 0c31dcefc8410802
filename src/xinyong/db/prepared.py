"""Core statements compiled once and run on the driver's own cursor, for a path that runs
on every request (a credit report issues a dozen statements).

SQLAlchemy's execution of a statement already compiled (the compiled-cache lookup,
parameter processing, the result's set-up, a ``Row`` per row) costs 20–40 µs a statement
and about 1 µs a row: more than the statement itself on SQLite, where a small insert takes
3 µs and there is no round trip. Here a statement is compiled once per dialect, each
parameter goes through the same bind processor SQLAlchemy would apply (enums to their
values, JSON to text, aware datetimes to UTC: as ``db.bulk`` does), and rows come back as
the driver's tuples, without result processing: select columns whose values need none
(``type_coerce(..., String)``, ``cast(..., Text)``) and convert them yourself.

The statement runs on the connection's driver connection, so it is part of the
connection's transaction (and savepoint) like any other; SQLAlchemy's execution events
do not see it.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_GIVEN = object()  # a parameter the caller passes (its value is not in the statement)


@dataclass(frozen=True, slots=True)
class _Slot:
    name: str  # as the SQL text names it
    key: str  # as the caller's parameters name it
    value: Any  # a value fixed in the statement, or _GIVEN
    processor: Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    slots: tuple[_Slot, ...]
    positional: bool


class Prepared:
    """``statement`` (a Core SELECT, INSERT or UPDATE without expanding parameters), ready
    to run with a mapping of its parameters by key: ``rows`` returns every row as a
    tuple, ``execute`` nothing."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: WeakKeyDictionary[Dialect, _Compiled] = WeakKeyDictionary()

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect)
        if compiled is not None:
            return compiled
        made = typing.cast(SQLCompiler, self.statement.compile(dialect=dialect))
        binds = made.binds
        positional = bool(made.positional)
        names: Sequence[str] = made.positiontup or () if positional else tuple(binds)
        slots = []
        for name in names:
            bind = binds[name]
            if bind.expanding:
                raise ValueError("Prepared statements take no expanding (IN) parameters")
            value = _GIVEN if bind.callable is None and bind.value is None else bind.effective_value
            # The conversion SQLAlchemy applies when it binds this parameter (db.bulk too).
            processor = bind.type._cached_bind_processor(dialect)
            slots.append(_Slot(name, bind.key, value, processor))
        compiled = _Compiled(made.string, tuple(slots), positional)
        self._compiled[dialect] = compiled
        return compiled

    def _cursor(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        compiled = self._for(connection.dialect)
        values = []
        for slot in compiled.slots:
            value = params[slot.key] if slot.value is _GIVEN else slot.value
            values.append(value if slot.processor is None else slot.processor(value))
        driver = connection.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        if compiled.positional:
            cursor.execute(compiled.sql, values)
        else:
            cursor.execute(
                compiled.sql, {slot.name: v for slot, v in zip(compiled.slots, values, strict=True)}
            )
        return cursor

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        cursor = self._cursor(connection, params)
        try:
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
        finally:
            cursor.close()

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> None:
        self._cursor(connection, params).close()


def iso_date(day: dt.date | str | None) -> str | None:
    """A DATE column's value as ``rows`` hands it over, as ISO text: SQLite stores dates as
    that text already, PostgreSQL's driver returns dates."""
    if day is None or isinstance(day, str):
        return day
    return day.isoformat()
