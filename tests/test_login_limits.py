"""Limiting login attempts (production-hardening review, session 23): the client's address
is checked before the username is counted, the limiter forgets keys whose window has
passed, and a client knocking on after its 429 is audited once a window, not once a
request. Since session 24 the attempts are counted in the database: every server process
counts against the same window, and a restart keeps it (decision 0031 addenda)."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW, migrated_test_engine
from tests.factories import PASSWORD, World
from xinyong import ratelimit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import RateLimited
from xinyong.ratelimit import LimitedAttempt, SharedAttemptLimiter, SlidingWindowLimiter

TOKEN = "/api/v1/auth/token"


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with _from(app, "203.0.113.7") as client:
        yield client


def _limit(app: FastAPI) -> int:
    return int(app.state.context.settings.login_attempts_per_window)


def _refused_events(db: Session) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "access.refused")
            .order_by(AuditEvent.sequence)
        )
    )


def test_a_client_its_address_holds_back_locks_no_account_out(
    app: FastAPI, attacker: TestClient, world: World
) -> None:
    """Once its address was used up, the client's further guesses at an account counted
    against the account too, until its owner could not log in from anywhere."""
    limit = _limit(app)
    for n in range(limit):
        guess = attacker.post(TOKEN, data={"username": f"nobody{n}", "password": "wrong pass"})
        assert guess.status_code == 401
    for _ in range(limit + 1):
        held = attacker.post(TOKEN, data={"username": "querier", "password": "wrong pass"})
        assert held.status_code == 429
    with _from(app, "198.51.100.20") as owner:
        assert owner.post(
            TOKEN, data={"username": "querier", "password": PASSWORD}
        ).status_code == (200)


def test_the_limiter_keeps_no_key_for_attempts_it_refused_nor_past_their_window() -> None:
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    limiter = SlidingWindowLimiter(clock, limit=5, window_seconds=60, what="login attempts")
    refused = 0
    for n in range(2000):
        try:
            limiter.hit("ip:203.0.113.7", f"user:guess{n}")
        except RateLimited:
            refused += 1
    assert refused == 1995
    # The address and the five usernames counted: not 2,001 keys.
    assert limiter.keys_held() == 6
    clock.set(clock.now() + dt.timedelta(seconds=61))
    limiter.hit("ip:198.51.100.20", "user:querier")
    assert limiter.keys_held() == 2


def test_a_client_knocking_on_after_its_429_is_audited_once_a_window(
    app: FastAPI, attacker: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    limit = _limit(app)
    window = int(app.state.context.settings.login_window_seconds)
    for _ in range(limit + 50):
        attacker.post(TOKEN, data={"username": "security", "password": "nope nope"})
    refused = _refused_events(db)
    assert [event.details["code"] for event in refused] == ["rate_limited"]

    # A window later the client is refused again — once more on the record.
    clock.set(clock.now() + dt.timedelta(seconds=window + 1))
    for _ in range(limit + 10):
        attacker.post(TOKEN, data={"username": "security", "password": "nope nope"})
    assert len(_refused_events(db)) == 2


# Counted in the database (session 24): the limit is the platform's, not the process's.


@pytest.fixture
def platform_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own, as the server processes of one deployment share it, with the
    demo's accounts: the apps below open their own sessions on it, as in production."""
    engine = migrated_test_engine(request.config, tmp_path, "limits", "head")
    with unit_of_work(make_session_factory(engine)) as session:
        World.build(session, FixedClock(TEST_NOW))
    yield engine
    engine.dispose()


def _process(engine: Engine, tmp_path: Path, clock: FixedClock, name: str) -> FastAPI:
    """One server process: an app of its own (its own limiter) on the shared database."""
    from xinyong.web.app import create_app

    return create_app(Settings(data_dir=tmp_path / name), clock=clock, engine=engine)


@pytest.mark.test_database
def test_the_limit_is_the_platforms_not_each_processs(
    platform_database: Engine, tmp_path: Path
) -> None:
    """Two server processes behind a proxy each allowed the limit: a guesser whose requests
    were spread over them had twice the guesses."""
    clock = FixedClock(TEST_NOW)
    first = _process(platform_database, tmp_path, clock, "first")
    second = _process(platform_database, tmp_path, clock, "second")
    limit = Settings().login_attempts_per_window
    with _from(first, "203.0.113.7") as one, _from(second, "203.0.113.7") as other:
        answers = [
            (one if n % 2 else other).post(
                TOKEN, data={"username": "querier", "password": "wrong pass"}
            )
            for n in range(limit + 2)
        ]
    assert [answer.status_code for answer in answers] == [401] * limit + [429, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) == Settings().login_window_seconds + 1
    # The refusal audited once, though both processes refused.
    with unit_of_work(make_session_factory(platform_database)) as session:
        assert [event.details["code"] for event in _refused_events(session)] == ["rate_limited"]


@pytest.mark.test_database
def test_a_restart_keeps_the_window_and_a_success_is_taken_back(
    platform_database: Engine, tmp_path: Path
) -> None:
    clock = FixedClock(TEST_NOW)
    limit = Settings().login_attempts_per_window
    before = _process(platform_database, tmp_path, clock, "before")
    with _from(before, "203.0.113.7") as client:
        for _ in range(limit - 1):
            client.post(TOKEN, data={"username": "querier", "password": "wrong pass"})
        # A success does not use up the allowance: taken back after its commit.
        assert client.post(
            TOKEN, data={"username": "querier", "password": PASSWORD}
        ).status_code == (200)
        assert client.post(
            TOKEN, data={"username": "querier", "password": "wrong pass"}
        ).status_code == (401)
    clock.set(clock.now() + dt.timedelta(seconds=30))
    after = _process(platform_database, tmp_path, clock, "after")  # the restarted server
    with _from(after, "203.0.113.7") as client:
        held = client.post(TOKEN, data={"username": "querier", "password": PASSWORD})
    assert held.status_code == 429
    assert int(held.headers["Retry-After"]) == Settings().login_window_seconds - 30 + 1


@pytest.mark.test_database
def test_the_table_holds_keyed_hashes_not_usernames_nor_addresses(
    platform_database: Engine, tmp_path: Path
) -> None:
    app = _process(platform_database, tmp_path, FixedClock(TEST_NOW), "app")
    with _from(app, "203.0.113.7") as client:
        client.post(TOKEN, data={"username": "querier", "password": "wrong pass"})
        client.post(
            "/api/v1/auth/activate",
            data={"username": "querier", "code": "X" * 20, "password": "p" * 20},
        )
    with platform_database.connect() as connection:
        stored = [
            str(value)
            for row in connection.execute(select(LimitedAttempt.__table__)).all()
            for value in row
        ]
    assert len(stored) == 4 * 4
    assert not any("querier" in value or "203.0.113" in value for value in stored)
    # Keyed: not the plain SHA-256 of a key, which trying addresses would undo.
    assert hashlib.sha256(b"ip:203.0.113.7").hexdigest() not in stored


@pytest.mark.test_database
def test_two_processes_at_once_never_both_take_the_last_slot(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """On PostgreSQL two transactions counting the same key each saw the other's attempt
    not yet committed, and both took the last slot; the key's lock takes them in turn."""
    engine = migrated_test_engine(request.config, tmp_path, "race", "head")
    clock = FixedClock(TEST_NOW)
    racers = 8

    def process() -> SharedAttemptLimiter:
        return SharedAttemptLimiter(
            engine, clock, limit=3, window_seconds=300, what="login attempts", hash_key=str
        )

    try:
        for _ in range(2):
            process().hit("ip:203.0.113.7", "user:querier")
        start = threading.Barrier(racers)
        outcomes: list[str] = []

        def race(limiter: SharedAttemptLimiter) -> None:
            start.wait()
            try:
                limiter.hit("ip:203.0.113.7", "user:querier")
            except RateLimited as refused:
                outcomes.append("refused again" if refused.reported_before else "refused")
            else:
                outcomes.append("counted")

        threads = [threading.Thread(target=race, args=(process(),)) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["counted", "refused"] + ["refused again"] * (racers - 2)
        with engine.connect() as connection:
            counted = connection.scalar(
                select(func.count()).where(LimitedAttempt.reported.is_(False))
            )
        assert counted == 3 * 2
    finally:
        engine.dispose()


def test_the_shared_limiter_keeps_rows_for_attempts_counted_within_the_window(
    attempts_engine: Engine,
) -> None:
    """Refused attempts add no row; rows older than the window are swept by the counting
    path, once a window, whoever counts next."""
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    limiter = SharedAttemptLimiter(
        attempts_engine, clock, limit=5, window_seconds=60, what="login attempts", hash_key=str
    )
    refused = 0
    for n in range(200):
        try:
            limiter.hit("ip:203.0.113.7", f"user:guess{n}")
        except RateLimited:
            refused += 1
    assert refused == 195
    # The address and the five usernames counted; the address's refusal reported once.
    assert limiter.keys_held() == 6
    with attempts_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(LimitedAttempt)) == 11
    clock.set(clock.now() + dt.timedelta(seconds=61))
    limiter.hit("ip:198.51.100.20", "user:querier")
    assert limiter.keys_held() == 2
    with attempts_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(LimitedAttempt)) == 2


@pytest.mark.test_database
def test_a_login_the_database_is_too_busy_to_count_is_not_checked(
    platform_database: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: an attempt that could not be counted is answered 503 ``database_busy``
    (send it again) before its password is checked. Only the counting is blocked — the
    table of attempts on PostgreSQL, the limiter's own engine on SQLite (whose locks are
    the whole file's: holding the file would fail the login itself, whatever the limiter
    did) —, so a limiter letting the attempt through would let the login succeed."""
    from xinyong.db import engine as db_engine

    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    app = _process(platform_database, tmp_path, FixedClock(TEST_NOW), "app")
    if platform_database.dialect.name == "postgresql":

        @event.listens_for(platform_database, "connect")
        def _lock_timeout(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            dbapi_connection.commit()

    platform_database.dispose()  # connections anew: the short waits
    with _from(app, "203.0.113.7") as client, _attempts_held(platform_database):
        busy = client.post(TOKEN, data={"username": "querier", "password": PASSWORD})
    assert (busy.status_code, busy.json()["error"]["code"]) == (503, "database_busy")
    with unit_of_work(make_session_factory(platform_database)) as session:
        logins = session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login"))
        assert list(logins) == []


@contextmanager
def _attempts_held(engine: Engine) -> Iterator[None]:
    """What counting needs held, and nothing else: on PostgreSQL the table of attempts, by
    another transaction; on SQLite, where a lock is the whole file's, the limiter's own
    engine (``ratelimit._unsynced``, on no other request's path) answers every statement
    as a file another writer holds does once its wait is over."""
    if engine.dialect.name == "sqlite":
        limiter_engine = ratelimit._unsynced(engine)
        assert limiter_engine is not engine

        def _locked(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            raise OperationalError(
                statement, parameters, sqlite3.OperationalError("database is locked")
            )

        event.listen(limiter_engine, "before_cursor_execute", _locked)
        try:
            yield
        finally:
            event.remove(limiter_engine, "before_cursor_execute", _locked)
        return
    with engine.connect() as other:
        other.execute(text("LOCK TABLE limited_attempt IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            other.rollback()
