"""Bulk inserts for the ingestion pipeline: COPY on PostgreSQL, executemany on SQLite.

SQLAlchemy's executemany spends most of its time preparing parameters row by row. Here
each column's bind processor (the same conversion SQLAlchemy applies: enums to values,
JSON to text, aware datetimes to UTC) is looked up once and applied column-wise, and
rows travel as plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any

from sqlalchemy import FromClause, Table
from sqlalchemy.orm import Session


class _Converter:
    """A column's bind processor, applied to a whole column at once.

    Timestamps, dates, flags and enum members repeat across a batch: each distinct value
    is converted once, and the column is then mapped through the memo in C.
    """

    MEMO_LIMIT = 100_000

    def __init__(self, processor: Callable[[Any], Any]) -> None:
        self.processor = processor
        self.memo: dict[Any, Any] = {}

    def column(self, values: Sequence[Any]) -> list[Any]:
        memo = self.memo
        try:
            missing = set(values).difference(memo)
        except TypeError:  # unhashable, e.g. a list for a JSON column
            return [self.processor(value) for value in values]
        if len(memo) + len(missing) > self.MEMO_LIMIT:
            memo.clear()
            missing = set(values)
        for value in missing:
            # Values equal under == share an entry (True and 1, a StrEnum member and its
            # text): the bind processors convert such values alike.
            memo[value] = self.processor(value)
        return list(map(memo.__getitem__, values))


def _table_name(table: Table | FromClause) -> str:
    return table.name if isinstance(table, Table) else str(getattr(table, "name", ""))


class BulkWriter:
    """Inserts tuples of ``columns`` into ``table`` in the session's transaction.

    Made once per batch, so the per-column conversions (and their memos) are too.
    ``raw_columns`` hold values already in their database form (e.g. JSON text);
    ``into`` names another table with these columns to write to (a staging table).
    """

    def __init__(
        self,
        session: Session,
        table: Table | FromClause,
        columns: Sequence[str],
        *,
        raw_columns: frozenset[str] = frozenset(),
        into: str | None = None,
    ) -> None:
        self.session = session
        by_name = {column.name: column for column in table.columns}
        dialect = session.get_bind().dialect
        self.dialect_name = dialect.name
        self.columns = list(columns)
        self._processors: list[tuple[int, _Converter]] = []
        for position, name in enumerate(self.columns):
            if name in raw_columns:
                continue
            # The same per-type conversion SQLAlchemy applies when it binds a parameter.
            processor = by_name[name].type._cached_bind_processor(dialect)
            if processor is not None:
                self._processors.append((position, _Converter(processor)))
        # ``into``: another table with these columns of ``table`` (a staging table).
        table_name = into or _table_name(table)
        column_list = ", ".join(f'"{name}"' for name in self.columns)
        if self.dialect_name == "postgresql":
            self._sql = f'COPY "{table_name}" ({column_list}) FROM STDIN'
        else:
            placeholders = ", ".join("?" for _ in self.columns)
            self._table_name = table_name
            self._column_list = column_list
            self._row_placeholders = f"({placeholders})"
            # Statements of a few fixed sizes only: each size is prepared once and stays in
            # the driver's statement cache, and a prepared statement for hundreds of rows
            # takes hundreds of kB, so one per chunk's odd remainder would add up.
            largest = max(1, min(_ROWS_PER_STATEMENT, _SQLITE_MAX_PARAMETERS // len(self.columns)))
            self._sizes = sorted({largest, *(n for n in (64, 8, 1) if n < largest)}, reverse=True)
            self._statements = {size: self._statement(size) for size in self._sizes}

    def insert(self, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        driver = self.session.connection().connection.driver_connection
        data: Sequence[Sequence[Any]] = rows
        if self._processors:
            # Column-wise: one pass of one converter per column that needs one.
            columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
            for position, converter in self._processors:
                columns[position] = converter.column(columns[position])
            data = list(zip(*columns, strict=True))
        assert driver is not None
        if self.dialect_name == "postgresql":
            with driver.cursor() as cursor, cursor.copy(self._sql) as copy:
                write_row = copy.write_row
                for values in data:
                    write_row(values)
            return
        # Many rows to one statement: SQLite inserts them in one step; executemany comes back
        # to Python to bind and step every row.
        cursor = driver.cursor()
        try:
            start, total = 0, len(data)
            for size in self._sizes:
                sql = self._statements[size]
                while total - start >= size:
                    part = data[start : start + size]
                    cursor.execute(sql, list(chain.from_iterable(part)))
                    start += size
        finally:
            cursor.close()

    def _statement(self, rows: int) -> str:
        values = ", ".join([self._row_placeholders] * rows)
        # Table and column names come from our own metadata, never from input.
        return f'INSERT INTO "{self._table_name}" ({self._column_list}) VALUES {values}'  # noqa: S608


# SQLITE_MAX_VARIABLE_NUMBER of every SQLite since 3.32.
_SQLITE_MAX_PARAMETERS = 32_766
# Enough rows to a statement that the per-statement costs vanish, few enough that a
# prepared statement stays small.
_ROWS_PER_STATEMENT = 500


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
    names = [column.name for column in table.columns if column.name in rows[0]]
    writer = BulkWriter(session, table, names, raw_columns=raw_columns)
    writer.insert([tuple(row[name] for name in names) for row in rows])


def refresh_statistics(session: Session, table: Table | FromClause) -> None:
    """Let PostgreSQL's planner see what this transaction has written to ``table`` so far.

    A large batch grows its tables inside one transaction, where autovacuum cannot analyse
    them: a lookup planned for the near-empty table it started with (e.g. scanning every
    row of one source and type instead of probing the natural keys) gets slower with every
    chunk. ANALYZE run inside the transaction samples its own uncommitted rows too.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql(f'ANALYZE "{_table_name(table)}"')


# SQLite's default page cache is 2 MB. A large batch inserts into a dozen indexes at
# random positions (codes, blind indexes, names), and with the default cache nearly every
# insert re-reads a page. More cache changes nothing about durability (the WAL is still
# synced at commit) and lasts only for the batch.
BATCH_CACHE_KIB = 64 * 1024


@contextmanager
def batch_cache(session: Session) -> Iterator[None]:
    """A larger SQLite page cache for the length of one batch (nothing on PostgreSQL)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    driver = session.connection().connection.driver_connection
    assert driver is not None
    (previous,) = driver.execute("PRAGMA cache_size").fetchone()
    driver.execute(f"PRAGMA cache_size=-{BATCH_CACHE_KIB}")
    try:
        yield
    finally:
        # Back to what the connection had, so that a pooled connection does not keep it.
        driver.execute(f"PRAGMA cache_size={int(previous)}")
