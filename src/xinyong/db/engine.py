"""Engines for the embedded default (SQLite) and production (PostgreSQL via psycopg 3)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# The database holds every credit record, the access log and the password hashes: like
# secrets.json beside it, readable by the platform's own account only (decision 0004).
OWNER_ONLY = 0o600
# SQLite's companions of a database file in WAL mode, made with the database file's mode.
_COMPANIONS = ("-wal", "-shm", "-journal")
# How long a SQLite transaction waits for another's write lock before it gives up with
# "database is locked" (answered 503 ``database_busy``, ``contended``). Read on connecting.
SQLITE_BUSY_TIMEOUT_MS = 10000
# PostgreSQL's SQLSTATEs of a statement ended because of another transaction: a deadlock
# (40P01), a serialization failure (40001), a lock not obtained in time (55P03,
# ``lock_timeout`` or NOWAIT). The transaction is rolled back whole; sent again, the same
# request may well succeed.
_CONTENTION_STATES = frozenset({"40P01", "40001", "55P03"})
# SQLite says so in its message only (SQLITE_BUSY, SQLITE_LOCKED).
_SQLITE_CONTENTION = ("database is locked", "database table is locked")


def normalise_url(url: str) -> str:
    """Plain ``postgresql://`` URLs mean psycopg 3 here, not the psycopg2 default."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    # Statement parameters can hold citizen IDs: keep them out of error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = _database_file(url)
        if path is not None:
            _create_owner_only(path)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine, path)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _database_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_owner_only(path: Path) -> None:
    """An empty file, which SQLite takes for a new database, made 0600 before SQLite makes
    it 0644 (its default, less the umask); nothing where the folder is missing, so that
    SQLite refuses to open it as before."""
    if path.exists() or not path.parent.is_dir():
        return
    # Another process may make it meanwhile: it is kept owner-only on connecting.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))


def keep_owner_only(path: Path) -> None:
    """The database file and its -wal and -shm made owner-only again where they are not (a
    database an earlier release made 0644, a file restored from a backup): SQLite makes
    the -wal and -shm files with the database file's mode each time it makes them."""
    for file in (path, *(path.with_name(path.name + suffix) for suffix in _COMPANIONS)):
        try:
            mode = file.stat().st_mode
        except FileNotFoundError:
            continue
        if stat.S_IMODE(mode) & 0o077:
            file.chmod(OWNER_ONLY)


def _configure_sqlite(engine: Engine, path: Path | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if path is not None:
            keep_owner_only(path)
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # savepoints and our BEGIN IMMEDIATE below behave as documented.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Durability over speed: a committed batch must survive a power cut.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_MS)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that later writes
        # fails with SQLITE_BUSY instead of waiting when another request wrote meanwhile.
        # A transaction that only reads (``READ_ONLY``: `audit verify`) begins deferred: in
        # WAL mode it reads one snapshot throughout without holding writers up.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# The execution option of an engine (``engine.execution_options(**{READ_ONLY: True})``)
# whose transactions only read: on SQLite they begin deferred (decision 0002 addendum).
READ_ONLY = "xinyong_read_only"


def read_only(engine: Engine) -> Engine:
    """``engine`` for a unit of work that only reads and must see one moment throughout (the
    audit chain's walk, whose final checks compare with what it walked): on PostgreSQL a
    REPEATABLE READ READ ONLY transaction — one snapshot, and a write refused; on SQLite a
    deferred one, which in WAL mode reads one snapshot from its first read on without taking
    the write lock, so writers go on meanwhile (decision 0002 addendum)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return engine.execution_options(**{READ_ONLY: True})


def contended(error: BaseException) -> bool:
    """Whether the database ended the statement because of another transaction — a lock
    it waited for too long, a deadlock, a serialization failure — rather than because of
    the statement itself: nothing was saved, and the same request sent again may succeed
    (decision 0002 addendum)."""
    cause = getattr(error, "orig", error)
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state is not None:
        return state in _CONTENTION_STATES
    message = str(cause)
    return any(text in message for text in _SQLITE_CONTENTION)
