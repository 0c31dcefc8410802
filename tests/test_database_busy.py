"""A request the database was too busy for — a lock waited for too long, a deadlock, a
serialization failure — is answered 503 ``database_busy`` with Retry-After, not 500: the
transaction was rolled back whole and the same request may be sent again (decision 0002
addendum)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg.errors
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError

import xinyong.cli
from tests.conftest import TEST_NOW, make_test_engine
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.db import engine as db_engine
from xinyong.db.migrate import upgrade
from xinyong.web import errors


def _raising(cause: BaseException) -> TestClient:
    app = FastAPI()
    errors.install(app)

    @app.get("/api/v1/busy")
    def busy() -> None:
        raise OperationalError("SELECT 1", {}, cause)

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
        sqlite3.OperationalError("database is locked"),
    ],
    ids=["deadlock", "serialization", "lock_timeout", "sqlite_locked"],
)
def test_contention_is_a_503_to_send_again(cause: BaseException) -> None:
    answer = _raising(cause).get("/api/v1/busy")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(errors.RETRY_BUSY_AFTER)
    assert answer.json()["error"]["code"] == "database_busy"


def test_another_operational_error_is_still_a_500() -> None:
    answer = _raising(sqlite3.OperationalError("no such table: nowhere")).get("/api/v1/busy")
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"


@contextmanager
def _database_held(engine: Engine) -> Iterator[None]:
    """Another connection holding what a read of the public lists needs: SQLite's write
    lock (every transaction of the platform begins IMMEDIATE), the list entries' table on
    PostgreSQL."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database is not None
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    with engine.connect() as other:
        other.execute(text("LOCK TABLE list_entry IN ACCESS EXCLUSIVE MODE"))
        try:
            yield
        finally:
            other.rollback()


@pytest.mark.test_database
def test_a_read_behind_a_writer_holding_the_database_is_a_503(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's case: a writer (the daily job, a large batch) holds the database; a
    plain read of the black list waited out the lock and was answered 500."""
    from xinyong.web.app import create_app

    # Short waits: SQLite's busy timeout, PostgreSQL's lock_timeout (as a deployment sets).
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = make_test_engine(request.config, tmp_path, "busy")
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _lock_timeout(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '200ms'")
            dbapi_connection.commit()

    upgrade(engine)
    app = create_app(Settings(data_dir=tmp_path / "app"), clock=FixedClock(TEST_NOW), engine=engine)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            assert client.get("/api/v1/lists/black").status_code == 200
            with _database_held(engine):
                answer = client.get("/api/v1/lists/black")
                page = client.get("/lists/black", headers={"accept": "text/html"})
            assert (page.status_code, page.headers["Retry-After"]) == (503, "5")
            assert 'data-code="database_busy"' in page.text
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == str(errors.RETRY_BUSY_AFTER)
            assert answer.json()["error"]["code"] == "database_busy"
            assert client.get("/api/v1/lists/black").status_code == 200
    finally:
        engine.dispose()


def test_every_api_operation_documents_the_503(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    busy = paths["/api/v1/lists/{kind}"]["get"]["responses"]["503"]
    assert "Retry-After" in busy["headers"]
    assert busy["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
    }
    assert all(
        "503" in operation["responses"]
        for path, operations in paths.items()
        if path.startswith("/api/")
        for operation in operations.values()
    )


def _command_raising(monkeypatch: pytest.MonkeyPatch, cause: BaseException) -> None:
    def busy() -> None:
        raise OperationalError("UPDATE subject", {}, cause)

    monkeypatch.setattr(xinyong.cli, "app", busy)


def test_a_command_the_database_was_too_busy_for_ends_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _command_raising(monkeypatch, sqlite3.OperationalError("database is locked"))
    with pytest.raises(SystemExit) as exited:
        xinyong.cli.main()
    assert exited.value.code == 1
    told = capsys.readouterr().err
    assert "the database was too busy for this command" in told
    assert "run it again" in told
    assert "Traceback" not in told


def test_another_operational_error_in_a_command_is_not_called_busy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _command_raising(monkeypatch, sqlite3.OperationalError("no such table: subject"))
    with pytest.raises(OperationalError):
        xinyong.cli.main()
