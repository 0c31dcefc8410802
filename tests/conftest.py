"""Test harness: migrate once per worker, roll back a savepoint per test.

By default each worker gets its own SQLite file; with XINYONG_TEST_DATABASE_URL set (CI
sets it to PostgreSQL) each worker gets its own schema in that database.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, delete, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

# Test-only keys: outside tests the platform refuses to start without generated secrets.
for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())
# The test client and the browser journeys speak plain HTTP, to which a browser (and httpx)
# sends no Secure cookie; the platform's default, Secure, is tested in test_config.py.
os.environ.setdefault("XINYONG_SECURE_COOKIES", "false")

from xinyong.clock import CHINA, FixedClock  # noqa: E402
from xinyong.config import Settings, reset_settings  # noqa: E402
from xinyong.crypto import reset_default_cipher  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.migrate import alembic_config, upgrade  # noqa: E402

reset_settings()
reset_default_cipher()

# Real argon2 parameters cost ~0.1 s a hash; tests build many accounts. The real hasher
# is checked on its own in tests/test_accounts.py.
from argon2 import PasswordHasher  # noqa: E402

from xinyong.accounts import service as _accounts_service  # noqa: E402

_accounts_service._hasher = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
_accounts_service._DUMMY_HASH = _accounts_service._hasher.hash("not a real password")

TEST_NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CHINA)  # a Friday, a working day

# Hypothesis's per-example deadline (200 ms) is a timed assertion: on a loaded 2-core
# machine a pure property test failed it once (test_early_removal's minimum time listed).
# Speed is measured by bench/, never asserted in tests.
hypothesis_settings.register_profile("xinyong", deadline=None)
hypothesis_settings.load_profile("xinyong")


_RUN_ID = (os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex)[:8]
_CREATED_SCHEMAS: list[tuple[str, str]] = []
# The worker's templates (decision 0029, addendum of session 23), by name: a SQLite file,
# or a PostgreSQL schema's dump.
_TEMPLATES: dict[str, str] = {}

# A test meets the test database (PostgreSQL when XINYONG_TEST_DATABASE_URL is set) through
# these fixtures, or by making a database of its own there and saying so with the
# ``test_database`` marker.
_TEST_DATABASE_FIXTURES = frozenset({"engine", "live_server"})
_running: pytest.Item | None = None


def meets_the_test_database(item: pytest.Item) -> bool:
    return bool(_TEST_DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ()))) or (
        item.get_closest_marker("test_database") is not None
    )


def runs_on_postgresql(item: pytest.Item) -> bool:
    return meets_the_test_database(item) and item.get_closest_marker("presentation") is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, only the tests that meet the database.

    The others (validators, readers, property tests of pure functions, CLI runs on a
    SQLite file of their own) run the same code on the same input in both passes; running
    them again proves nothing about PostgreSQL and was a third of that pass's time. So do
    the browser journeys marked ``presentation``: they read pages the page tests also read
    on PostgreSQL and check only how they look (decision 0047 addendum).
    """
    if not os.environ.get("XINYONG_TEST_DATABASE_URL"):
        return
    kept = [item for item in items if runs_on_postgresql(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if not runs_on_postgresql(i)])
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _running
    _running = item


def pytest_runtest_teardown(item: pytest.Item) -> None:
    global _running
    _running = None


def pytest_sessionfinish(session: pytest.Session) -> None:
    for base, schema in _CREATED_SCHEMAS:
        admin = make_engine(base)
        try:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            admin.dispose()


def worker_name(config: pytest.Config) -> str:
    return str(getattr(config, "workerinput", {}).get("workerid", "main"))


def _check_the_marker() -> None:
    if _running is not None and not meets_the_test_database(_running):
        # Checked on both passes, so a test that forgets the marker fails on SQLite too,
        # rather than being left out of the PostgreSQL pass unnoticed.
        raise RuntimeError(
            f"{_running.nodeid} makes a test database: mark it pytest.mark.test_database"
        )


def database_url_for(
    config: pytest.Config, tmp_root: Path, purpose: str
) -> tuple[str, dict[str, str]]:
    """A database URL private to this worker and purpose, and its connect args."""
    _check_the_marker()
    base = os.environ.get("XINYONG_TEST_DATABASE_URL")
    worker = worker_name(config)
    if not base:
        return f"sqlite:///{tmp_root / f'{purpose}-{worker}.sqlite3'}", {}
    # The run id keeps concurrent test runs on one database (CI, a developer's second
    # terminal) out of each other's schemas; the schemas are dropped when the run ends.
    schema = f"xy_{purpose}_{worker}_{_RUN_ID}"
    _CREATED_SCHEMAS.append((base, schema))
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return base, {"options": f"-csearch_path={schema}"}


def make_test_engine(config: pytest.Config, tmp_root: Path, purpose: str) -> Engine:
    url, connect_args = database_url_for(config, tmp_root, purpose)
    return _engine_on(url, connect_args)


def _engine_on(url: str, connect_args: dict[str, str]) -> Engine:
    if connect_args:
        return make_engine(url, connect_args=connect_args)
    return make_engine(url)


def copied_database(
    config: pytest.Config,
    tmp_root: Path,
    purpose: str,
    template: str,
    make: Callable[[str, dict[str, str]], None],
    based_on: str | None = None,
) -> tuple[str, dict[str, str]]:
    """A database private to this test and purpose (as ``database_url_for``), a copy of the
    worker's template ``template``, which ``make`` fills once per worker — on an empty
    database, or on a copy of the template ``based_on`` (made already) — and must leave
    with its engine disposed. On SQLite a copy is a file copy; on PostgreSQL the template
    is a schema, dumped once (``pg_dump``) and restored into the test's schema, in a
    quarter of the time migrating from nothing takes, a tenth of ``xinyong init``'s
    (decision 0029, session 23 addendum). Without ``pg_dump`` every copy is made again."""
    _check_the_marker()
    base = os.environ.get("XINYONG_TEST_DATABASE_URL")
    worker = worker_name(config)
    recipe = _RECIPES.setdefault(template, [*(_RECIPES[based_on] if based_on else []), make])
    if not base:
        if template not in _TEMPLATES:
            folder = config._tmp_path_factory.mktemp(f"template-{template}")  # type: ignore[attr-defined]
            made = folder / "template.sqlite3"
            if based_on is not None:
                _copy_sqlite(Path(_TEMPLATES[based_on]), made)
            make(f"sqlite:///{made}", {})
            _TEMPLATES[template] = str(made)
        copy = tmp_root / f"{purpose}-{worker}.sqlite3"
        _copy_sqlite(Path(_TEMPLATES[template]), copy)
        return f"sqlite:///{copy}", {}
    if shutil.which("pg_dump") is None:
        url, connect_args = database_url_for(config, tmp_root, purpose)
        for step in recipe:
            step(url, connect_args)
        return url, connect_args
    if template not in _TEMPLATES:
        url, connect_args = database_url_for(config, tmp_root, f"t_{template}")
        schema = _schema_of(connect_args)
        if based_on is not None:
            _restore(base, _TEMPLATES[based_on], schema)
        make(url, connect_args)
        _TEMPLATES[template] = _dump(base, schema).replace(schema, _SCHEMA_PLACEHOLDER)
    url, connect_args = database_url_for(config, tmp_root, purpose)
    _restore(base, _TEMPLATES[template], _schema_of(connect_args))
    return url, connect_args


_SCHEMA_PLACEHOLDER = "xy_template_schema_placeholder"
_RECIPES: dict[str, list[Callable[[str, dict[str, str]], None]]] = {}


def _schema_of(connect_args: dict[str, str]) -> str:
    return connect_args["options"].removeprefix("-csearch_path=")


def _dump(base: str, schema: str) -> str:
    """The schema's tables, sequences, functions, triggers and rows, as SQL."""
    url = make_url(base)
    found = subprocess.run(
        [
            "pg_dump",
            *(("-h", url.host) if url.host else ()),
            *(("-p", str(url.port)) if url.port else ()),
            *(("-U", url.username) if url.username else ()),
            f"--schema={schema}",
            "--rows-per-insert=1000",
            "--no-owner",
            "--no-privileges",
            url.database or "",
        ],
        env={**os.environ, **({"PGPASSWORD": url.password} if url.password else {})},
        capture_output=True,
        text=True,
        check=True,
    )
    # psql's meta-commands (\restrict since 15.14) are no SQL.
    return "\n".join(line for line in found.stdout.splitlines() if not line.startswith("\\"))


def _restore(base: str, dumped: str, schema: str) -> None:
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            # Many statements in one round trip, one transaction; no parameters, so the
            # driver reads no placeholders in it (past SQLAlchemy, which would pass some).
            connection.connection.cursor().execute(dumped.replace(_SCHEMA_PLACEHOLDER, schema))
    finally:
        admin.dispose()


def _copy_sqlite(source: Path, target: Path) -> None:
    # The engine that made it is disposed: its last connection's close checkpointed the
    # write-ahead log into the file and removed it.
    if source.with_name(source.name + "-wal").exists():
        raise RuntimeError(f"{source} is still open: dispose of its engine before copying it")
    shutil.copy2(source, target)


@cache
def _migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def migrated_test_engine(
    config: pytest.Config, tmp_root: Path, purpose: str, revision: str
) -> Engine:
    """An engine on a database of its own (as ``make_test_engine``) migrated up to
    ``revision`` from nothing. The worker migrates a template to each revision a test asks
    for once, from the nearest one below it made already, and copies it: the migration
    tests had each run the migrations from the first one (0.5 s a test on SQLite, whose
    batch migrations copy tables). On PostgreSQL a test still migrates from nothing:
    there restoring a schema's dump takes about as long as migrating it (0.3 against
    0.5 s), and a template of every revision asked for, dumped, cost more than it saved
    (the file took 49 s before, 57 s with them)."""
    if os.environ.get("XINYONG_TEST_DATABASE_URL"):
        engine = make_test_engine(config, tmp_root, purpose)
        upgrade(engine, revision)
        return engine
    script = _migrations()
    if revision == "head":
        revision = script.get_current_head() or revision
    below = next(
        (
            found.revision
            for found in script.iterate_revisions(revision, "base")
            if f"rev{found.revision}" in _TEMPLATES and found.revision != revision
        ),
        None,
    )

    def migrate(url: str, connect_args: dict[str, str]) -> None:
        engine = _engine_on(url, connect_args)
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()

    url, connect_args = copied_database(
        config,
        tmp_root,
        purpose,
        f"rev{revision}",
        migrate,
        based_on=None if below is None else f"rev{below}",
    )
    return _engine_on(url, connect_args)


@pytest.fixture(scope="session")
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The worker's database as ``xinyong init`` leaves it: migrated, with the Fuzhou rule
    pack and the official calendar committed. Loading them in every test that needs them
    was a third of a test's set-up on PostgreSQL (0.44 s); the loaders are no-ops where
    they ran, so a test may still call them."""
    from xinyong import bootstrap
    from xinyong.db.session import make_session_factory, unit_of_work

    engine = make_test_engine(request.config, tmp_path_factory.mktemp("db"), "unit")
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        bootstrap.load_rule_pack(session, FixedClock(TEST_NOW))
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TEST_NOW)


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session whose commits only release savepoints; everything is rolled back after."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path)


class _SharedSession:
    """Hands every request the test's session, so requests see the test's data."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __call__(self) -> Session:
        return self.session


@pytest.fixture(scope="session")
def _attempts_database(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """Where the apps of tests count login attempts (``ratelimit.SharedAttemptLimiter``).
    Their requests share the test's open transaction (``_SharedSession``), and the limiter
    counts in transactions of its own: on SQLite the test's transaction holds the write lock
    they would wait for, so they count in a file of their own holding only that table (not
    synced: it outlives no test); on PostgreSQL in the worker's database, beside it."""
    if engine.dialect.name == "postgresql":
        yield engine
        return
    from xinyong.ratelimit import LimitedAttempt

    path = tmp_path_factory.mktemp("attempts") / "attempts.sqlite3"
    attempts = make_engine(f"sqlite:///{path}")

    @event.listens_for(attempts, "connect")
    def _unsynced(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    LimitedAttempt.__table__.create(attempts)  # type: ignore[attr-defined]
    yield attempts
    attempts.dispose()


@pytest.fixture
def attempts_engine(_attempts_database: Engine) -> Iterator[Engine]:
    """``_attempts_database`` with no attempt counted: each test starts with none, as each
    had a limiter of its own when it counted in memory (emptied before, for what a
    module-scoped app counted, and after)."""
    _forget_attempts(_attempts_database)
    yield _attempts_database
    _forget_attempts(_attempts_database)


def _forget_attempts(attempts: Engine) -> None:
    from xinyong.ratelimit import LimitedAttempt

    with attempts.connect() as connection:
        if connection.scalar(select(LimitedAttempt.id).limit(1)) is None:
            return
        connection.execute(delete(LimitedAttempt))
        connection.commit()


@pytest.fixture(scope="session")
def worker_app(engine: Engine, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One app per worker. FastAPI builds a route's dependency state on the app the first
    time a request is matched against it; with an app per test that was most of a short
    test's time. Everything a request reads per test is in ``app.state.context``, which
    the ``app`` fixture replaces for each test."""
    from xinyong.web.app import create_app

    return create_app(
        Settings(data_dir=tmp_path_factory.mktemp("app")), clock=FixedClock(TEST_NOW), engine=engine
    )


@pytest.fixture
def app(  # type: ignore[no-untyped-def]
    request: pytest.FixtureRequest,
    settings: Settings,
    clock: FixedClock,
    engine: Engine,
    db: Session,
    attempts_engine: Engine,
):
    """The app for one test: its settings, clock and session (``worker_app``'s routes);
    a test that changes the app itself (adds routes) is marked ``own_app`` and gets one of
    its own."""
    from xinyong.web.app import app_context, create_app

    shared = _SharedSession(db)
    if request.node.get_closest_marker("own_app"):
        return create_app(
            settings,
            clock=clock,
            engine=engine,
            session_factory=shared,  # type: ignore[arg-type]
            attempts_engine=attempts_engine,
        )
    app = request.getfixturevalue("worker_app")
    app.state.context = app_context(
        settings,
        clock=clock,
        engine=engine,
        session_factory=shared,  # type: ignore[arg-type]
        attempts_engine=attempts_engine,
    )
    return app


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(db: Session, clock: FixedClock):  # type: ignore[no-untyped-def]
    """The demo organisations, accounts and subjects."""
    from tests.factories import World

    world = World.build(db, clock)
    # Commit (a savepoint release here): a refused request rolls back its own work only,
    # never the world the test built.
    db.commit()
    return world
