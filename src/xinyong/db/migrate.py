"""Running the Alembic migrations: the only way the schema is made, in tests too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with _migrating(engine) as config:
        script = _scripts()
        _run(config, revision, lambda at, _context: script._upgrade_revs(revision, at))


def downgrade(engine: Engine, revision: str) -> None:
    with _migrating(engine) as config:
        script = _scripts()
        _run(config, revision, lambda at, _context: script._downgrade_revs(revision, at))


@cache
def _scripts() -> ScriptDirectory:
    """The migration scripts, read once per process. Alembic's commands read all of them
    again each time they run (some 55 ms for 57 of them), and the test suite migrates
    hundreds of times; they do not change while the process runs."""
    return ScriptDirectory.from_config(alembic_config())


def _run(config: Config, destination: str, steps: Callable[[Any, Any], Any]) -> None:
    # What alembic.command.upgrade and downgrade do, on the scripts read once.
    script = _scripts()
    with EnvironmentContext(config, script, fn=steps, destination_rev=destination):
        script.run_env()


@contextmanager
def _migrating(engine: Engine) -> Iterator[Config]:
    """One transaction for the whole run, on SQLite with foreign keys off
    (``foreign_keys_off``)."""
    config = alembic_config()
    with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
        config.attributes["connection"] = connection
        before = MigrationContext.configure(connection).get_current_heads()
        yield config
        # The check reads every referring table: skipped when nothing was migrated (every
        # `xinyong init` on an up-to-date database, every test worker's set-up).
        if MigrationContext.configure(connection).get_current_heads() != before:
            check_foreign_keys(connection)


class ForeignKeysBroken(RuntimeError):
    """A migration left rows that refer to rows that do not exist."""


@contextmanager
def foreign_keys_off(connection: Connection) -> Iterator[None]:
    """Around a migration's transaction on SQLite, which must not have begun: foreign keys
    off, and on again after. A batch migration on SQLite recreates a table (a copy, the old
    one dropped, the copy renamed), and with foreign keys on dropping a table other rows
    refer to fails: every migration that copied user_account, batch, credit_record,
    list_standard or record_type_version failed on a database holding the rows that refer
    to them. SQLite's own procedure for such changes turns them off, which it ignores
    inside a transaction, and checks them before the commit (``check_foreign_keys``)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    if connection.in_transaction():
        raise RuntimeError("SQLite ignores PRAGMA foreign_keys inside a transaction")
    _driver_pragma(connection, "foreign_keys=OFF")
    try:
        yield
    finally:
        _driver_pragma(connection, "foreign_keys=ON")
        # SQLite ignores the pragma where a transaction is still open (a commit that failed):
        # the pooled connection must not go back to the pool with foreign keys off.
        driver = connection.connection.driver_connection
        assert driver is not None
        if driver.execute("PRAGMA foreign_keys").fetchone() != (1,):
            connection.invalidate()
            raise RuntimeError("foreign keys could not be turned on again after the migration")


def check_foreign_keys(connection: Connection) -> None:
    """Refuse to commit a migration that left a dangling reference (SQLite; elsewhere the
    foreign keys were never off)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        # (table, rowid, referred table, constraint index): no row's contents.
        raise ForeignKeysBroken(f"rows refer to missing rows: {[tuple(r) for r in broken[:5]]}")


def _driver_pragma(connection: Connection, pragma: str) -> None:
    # Past SQLAlchemy, whose first statement would begin the transaction (BEGIN IMMEDIATE,
    # engine.py) in which SQLite ignores the pragma.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA {pragma}")


@cache
def _release_heads() -> frozenset[str]:
    # Read once per process: a command checks before each of its units of work.
    return frozenset(_scripts().get_heads())


def pending(engine: Engine) -> bool:
    """Whether the database's schema is behind this release's migrations (or was never made):
    a command that reads the new schema must not run on it before ``xinyong init``."""
    heads = _release_heads()
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current != heads
