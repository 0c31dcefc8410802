"""Transaction-level locks on names, for a row that does not exist yet.

Two transactions about to insert the same new row (a batch under one organisation's
idempotency key) find nothing to lock: neither sees the other's uncommitted row, and the
second fails on the unique index once the first commits. Each takes the lock on the row's
name first; the second waits until the first commits, then looks and finds the row, as if
the two had come one after the other.

PostgreSQL only (``pg_advisory_xact_lock``, held to the end of the transaction, one entry
of the server's lock table per name: for a few names, not one per row of a batch); SQLite
serialises writers at BEGIN IMMEDIATE (decision 0002), so there is nothing to wait for.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import BigInteger, Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

# One statement for any number of names, taken in the order of the array (which ``unnest``
# keeps): sorted, two transactions locking overlapping sets take the common ones in the
# same order, so neither holds one the other has while waiting for another.
_LOCK_ALL = text("SELECT pg_advisory_xact_lock(key) FROM unnest(:keys) AS key").bindparams(
    bindparam("keys", type_=ARRAY(BigInteger))
)
_LOCK_ONE = text("SELECT pg_advisory_xact_lock(:key)")
_SHARE_ONE = text("SELECT pg_advisory_xact_lock_shared(:key)")
_CURRENT_SCHEMA = text("SELECT current_schema()")


_SCHEMA = "xinyong.locks.schema"


def _schema(connection: Connection) -> str:
    """The schema the connection works in, asked once per database connection (kept in its
    ``info``, which lives as long as the pooled connection)."""
    schema = connection.info.get(_SCHEMA)
    if schema is None:
        schema = connection.info[_SCHEMA] = str(connection.scalar(_CURRENT_SCHEMA))
    return str(schema)


def _key(connection: Connection, name: str) -> int:
    """A name's lock key: 64 bits of the hash of the name within its schema, signed as
    PostgreSQL's bigint. Advisory locks belong to the whole database, not to a schema: two
    platforms sharing a server's database in two schemas (the test workers do) must not
    wait for each other's names, nor see each other's daily job running."""
    qualified = f"{_schema(connection)}/{name}"
    digest = hashlib.blake2b(qualified.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_names(session: Session, names: Iterable[str]) -> None:
    """Wait for, then hold to the end of the transaction, the lock on each name."""
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()
    keys = sorted({_key(connection, name) for name in names})
    if keys:
        session.execute(_LOCK_ALL, {"keys": keys}).all()


def hold_name(session: Session, name: str, *, shared: bool) -> None:
    """Wait for, then hold to the end of the transaction, the lock on one name: ``shared``
    with any number of other transactions holding it shared, or else alone."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = _key(session.connection(), name)
    session.execute(_SHARE_ONE if shared else _LOCK_ONE, {"key": key})


_TRY_ALONE = text("SELECT pg_try_advisory_lock(:key)")
_LEAVE = text("SELECT pg_advisory_unlock(:key)")


@contextlib.contextmanager
def running_alone(engine: Engine, name: str) -> Iterator[bool]:
    """Whether this process runs the work called ``name`` alone: true, and the name held
    until the block ends, when no other process holds it; false at once, without waiting,
    when one does (a second `xinyong jobs run` started while the first still runs). Held
    across the block's transactions, not in one: on PostgreSQL a session-level advisory lock
    on a connection of its own; on SQLite an exclusive ``flock`` on a file beside the
    database (the database's own write lock lasts one transaction); a database in memory
    has no other process to meet."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            key = {"key": _key(connection, name)}
            alone = bool(connection.scalar(_TRY_ALONE, key))
            # The lock outlives the transaction the query began; the connection stays idle.
            connection.commit()
            try:
                yield alone
            finally:
                if alone:
                    connection.execute(_LEAVE, key)
                    connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        yield True
        return
    path = Path(f"{database}.{name}.lock")
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        # Closing the file releases the lock.
        os.close(handle)
