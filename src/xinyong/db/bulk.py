"""Bulk inserts for the ingestion pipeline: COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's executemany spends most of its time preparing parameters row by row. Here
each column's bind processor (the same conversion SQLAlchemy applies: enums to values,
JSON to text, aware datetimes to UTC) is looked up once and applied in a tight loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import FromClause, Table
from sqlalchemy.orm import Session


def _memoised(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    # Timestamps, dates and enum members repeat across a batch; convert each once.
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            converted = memo[value] = processor(value)
            return converted
        except TypeError:  # unhashable, e.g. a dict for a JSON column
            return processor(value)

    return convert


def bulk_insert(
    session: Session,
    table: Table | FromClause,
    rows: Sequence[Mapping[str, Any]],
    *,
    raw_columns: frozenset[str] = frozenset(),
) -> None:
    """Insert rows that all carry the same keys, in the session's transaction.

    ``raw_columns`` hold values already in their database form (e.g. JSON text).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = [column for column in table.columns if column.name in rows[0]]
    processors: list[Callable[[Any], Any] | None] = []
    for column in columns:
        # The same per-type conversion SQLAlchemy applies when it binds a parameter.
        processor = (
            None if column.name in raw_columns else column.type._cached_bind_processor(dialect)
        )
        processors.append(None if processor is None else _memoised(processor))
    names = [column.name for column in columns]
    pairs = list(zip(names, processors, strict=True))
    data = [tuple(p(row[n]) if p is not None else row[n] for n, p in pairs) for row in rows]
    table_name = table.name if isinstance(table, Table) else str(getattr(table, "name", ""))
    column_list = ", ".join(f'"{name}"' for name in names)
    if dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table_name}" ({column_list}) FROM STDIN') as copy,
        ):
            for values in data:
                copy.write_row(values)
        return
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(
        # Table and column names come from our own metadata, never from input.
        f'INSERT INTO "{table_name}" ({column_list}) VALUES ({placeholders})',  # noqa: S608
        data,
    )
