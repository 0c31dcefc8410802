"""`xinyong audit verify` on a database in use: an event committed by another connection
while the walk runs is no tamper alarm, and on SQLite the walk holds no writer up (decision
0003 addendum)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.conftest import TEST_NOW, database_url_for
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import FixedClock
from xinyong.config import reset_settings
from xinyong.db import engine as db_engine
from xinyong.db.engine import make_engine
from xinyong.db.migrate import upgrade

pytestmark = pytest.mark.test_database

CLOCK = FixedClock(TEST_NOW)


def _record(engine: Engine, count: int) -> None:
    with Session(engine) as session:
        for n in range(count):
            audit.record(session, CLOCK, audit.SYSTEM, "test.event", details={"n": n})
        session.commit()


@pytest.fixture
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """A migrated database of the test's own with a few events, and the commands pointed
    at it."""
    # A write waiting for the walk on SQLite would wait long, then fail: not the 10 s here.
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 500)
    url, connect_args = database_url_for(request.config, tmp_path, "verify")
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    upgrade(engine)
    _record(engine, 3)
    command_url = engine.url.render_as_string(hide_password=False)
    if "options" in connect_args:
        command_url += "?options=" + connect_args["options"].replace("=", "%3D")
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", command_url)
    reset_settings()
    yield engine
    reset_settings()
    engine.dispose()


def test_an_event_committed_during_the_walk_is_no_tamper_alarm(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked = audit._witnessed
    written: list[int] = []

    def walking(session: Session, batch: Any) -> Any:
        # Another connection commits an event while the walk is under way; on SQLite it
        # would wait for, then fail on, a walk that held the write lock.
        if not written:
            _record(database, 1)
            written.append(1)
        return walked(session, batch)

    monkeypatch.setattr(audit, "_witnessed", walking)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert written == [1]
    with Session(database) as session:
        stored = session.scalar(select(func.count(AuditEvent.sequence)))
    # The walk saw the chain as it was when it began, without the event written meanwhile.
    assert f"audit chain intact: {stored - 1} events verified" in result.output

    monkeypatch.setattr(audit, "_witnessed", walked)
    again = CliRunner().invoke(app, ["audit", "verify"])
    assert again.exit_code == 0, again.output
    assert f"audit chain intact: {stored} events verified" in again.output
