"""The daily job (`xinyong jobs run`) meeting requests and another run of itself.

* A second run started while one runs does nothing and says so (both databases).
* On PostgreSQL, an officer's request holding a list entry the job is about to expire, and
  then writing its audit event, is no deadlock: each of the job's steps is a transaction of
  its own and takes its rows before the chain's head, as requests do. The job used to
  write its first audit event (taking the head) and then wait for the entry in the same
  transaction, while the request waited for the head.
* The same within the red-list step: it ended one entry (its event taking the head) and
  then waited for the next, which a request held while waiting for the head.
* On PostgreSQL two runs ending the same records' publicity at once (before the lock
  above, or by hand) take one record after the other: the second finds it ended, not a
  unique violation on its next version.

``tests.concurrency_helpers`` says why the races need PostgreSQL."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg.errors
import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

import xinyong.cli.jobs
from tests.concurrency_helpers import (  # noqa: F401
    GIVE_UP_AFTER,
    at_once,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    until_waiting_or_done,
)
from tests.conftest import TEST_NOW, database_url_for
from tests.factories import CompanyFactory, World, bind
from tests.lists_helpers import basis_record, ingest_penalty, published_entry
from xinyong import bootstrap
from xinyong.audit import service as audit
from xinyong.cli import app
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.config import reset_settings
from xinyong.db.engine import make_engine
from xinyong.db.locks import running_alone
from xinyong.db.migrate import upgrade
from xinyong.disclosure import publicity
from xinyong.lists import red_list_exit
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason

pytestmark = pytest.mark.test_database

CLOCK = FixedClock(TEST_NOW)
YESTERDAY = CLOCK.today() - dt.timedelta(days=1)


def _command_url(engine: Engine) -> str:
    """The URL by which a command reaches ``engine``'s database (its schema on PostgreSQL)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name != "postgresql":
        return url
    with engine.connect() as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
    return f"{url}?options=-csearch_path%3D{schema}"


def _commands_on(engine: Engine, data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_DATA_DIR", str(data))
    monkeypatch.setenv("XINYONG_DATABASE_URL", _command_url(engine))
    monkeypatch.setattr(xinyong.cli.jobs, "clock", CLOCK)
    reset_settings()


def _run_job() -> Result:
    return CliRunner().invoke(app, ["jobs", "run"])


@pytest.fixture
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    url, connect_args = database_url_for(request.config, tmp_path, "jobs")
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        bootstrap.load_rule_pack(session, CLOCK)
        session.commit()
    _commands_on(engine, tmp_path / "data", monkeypatch)
    yield engine
    reset_settings()
    engine.dispose()


def test_a_second_run_while_one_runs_does_nothing_and_says_so(database: Engine) -> None:
    with running_alone(database, "daily-jobs") as alone:
        assert alone
        second = _run_job()
    assert second.exit_code == 0, second.output
    assert "another `xinyong jobs run` is still running: this one did nothing" in second.output
    assert "publicity ended for" not in second.output

    after = _run_job()
    assert after.exit_code == 0, after.output
    assert "publicity ended for 0 records" in after.output


def test_a_run_in_another_schema_of_the_database_is_not_this_platforms(
    request: pytest.FixtureRequest, database: Engine, tmp_path: Path
) -> None:
    """Advisory locks belong to the whole PostgreSQL database: a platform in another schema
    of it (a second test worker, a staging copy) running its job is not this one's run, nor
    are its names this one's (lock keys are taken within the schema)."""
    if database.dialect.name != "postgresql":
        pytest.skip("one SQLite file is one platform")
    url, connect_args = database_url_for(request.config, tmp_path, "jobs_other")
    other = make_engine(url, connect_args=connect_args)
    try:
        with running_alone(other, "daily-jobs") as alone:
            assert alone
            mine = _run_job()
    finally:
        other.dispose()
    assert mine.exit_code == 0, mine.output
    assert "publicity ended for 0 records" in mine.output


def test_a_step_the_database_was_too_busy_for_ends_the_run_with_a_message(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deadlocked(session: Session, clock: object) -> int:
        raise OperationalError("SELECT 1", {}, psycopg.errors.DeadlockDetected("deadlock"))

    monkeypatch.setattr(publicity, "end_expired_publicity", deadlocked)
    result = _run_job()
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "the database was too busy for a step of the daily job (40P01)" in result.output


def _due(engine: Engine, built: World) -> tuple[int, int]:
    """A record whose publicity ended yesterday and an entry whose term did, committed: the
    job's first step writes an audit event, its third expires the entry."""
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        record = basis_record(session, CLOCK, world, world.subjects["person"])
        entry = published_entry(session, CLOCK, world, world.subjects["company"])
        session.flush()
        session.execute(
            update(CreditRecord).where(CreditRecord.id == record.id).values(publicity_end=YESTERDAY)
        )
        session.execute(
            update(ListEntry).where(ListEntry.id == entry.id).values(term_end=YESTERDAY)
        )
        session.commit()
        return record.id, entry.id


def _waiting_for_a_lock(engine: Engine, mine: int) -> bool:
    with engine.connect() as watcher:
        return bool(
            watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> :mine"
                ),
                {"mine": mine},
            )
        )


def test_a_request_holding_a_due_entry_and_then_auditing_is_no_deadlock(
    committed_world: tuple[Engine, World], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, built = committed_world
    record_id, entry_id = _due(engine, built)
    _commands_on(engine, tmp_path / "data", monkeypatch)
    job: dict[str, Any] = {}
    try:
        with Session(engine) as request:
            # The officer's request: the entry locked, as every step on it locks it first.
            mine = request.scalar(text("SELECT pg_backend_pid()"))
            assert request.get(ListEntry, entry_id, with_for_update=True) is not None
            thread = threading.Thread(target=lambda: job.update(result=_run_job()), daemon=True)
            thread.start()
            deadline = time.monotonic() + GIVE_UP_AFTER
            while not _waiting_for_a_lock(engine, mine):
                assert thread.is_alive(), job["result"].output
                assert time.monotonic() < deadline, "the job never waited for the entry"
                time.sleep(0.01)
            # ... and then its audit event, which takes the chain's head.
            audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_entry")
            request.commit()
        thread.join(GIVE_UP_AFTER)
        assert not thread.is_alive(), "the job never ended"
    finally:
        reset_settings()
    result: Result = job["result"]
    assert result.exit_code == 0, result.output
    assert "publicity ended for 1 records" in result.output
    assert "1 list entries reached the end of their term" in result.output
    with Session(engine) as session:
        entry = session.get(ListEntry, entry_id)
        record = session.get(CreditRecord, record_id)
        assert entry is not None
        assert entry.status is EntryStatus.EXPIRED
        assert record is not None
        assert record.status is RecordStatus.EXPIRED
    # Run again the same day, it finds nothing left to do.
    _commands_on(engine, tmp_path / "data", monkeypatch)
    again = _run_job()
    assert again.exit_code == 0, again.output
    assert "publicity ended for 0 records" in again.output
    assert "; 0 list entries reached the end of their term" in again.output


def test_two_runs_ending_the_same_publicity_at_once_end_it_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    record_id, _entry_id = _due(engine, built)

    def end(session: Session) -> int:
        return publicity.end_expired_publicity(session, CLOCK)

    second = at_once(engine, end, end)
    assert second.result == 0
    with Session(engine) as session:
        record = session.get(CreditRecord, record_id)
        assert record is not None
        assert record.status is RecordStatus.EXPIRED
        ends = session.scalars(
            select(RecordVersion.version_no).where(
                RecordVersion.record_id == record_id,
                RecordVersion.reason == publicity.PUBLICITY_ENDED,
            )
        ).all()
        assert ends == [record.current_version_no]


def _red_entries_due(engine: Engine, built: World) -> list[int]:
    """Two companies on the red list with a penalty within its clean years that no hook
    saw (its status set back by hand, as ``test_the_daily_job_ends_what_no_hook_saw``
    does), committed: the daily job ends both, in the order of their ids."""
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        companies = [CompanyFactory(name=f"福州红名单{n}有限公司") for n in "甲乙"]
        penalties = []
        # Both penalties first: the collection's hook ends the red-list entries in force
        # whose subject's records a batch wrote.
        for company in companies:
            ingest_penalty(session, CLOCK, world, company, decision_date=CLOCK.today().isoformat())
            record = session.scalars(
                select(CreditRecord).where(CreditRecord.subject_id == company.id)
            ).one()
            record.status = RecordStatus.REPAIRED
            penalties.append(record)
        ids = [
            published_entry(
                session, CLOCK, world, company, "integrity_model", reasons="纳税信用A级"
            ).id
            for company in companies
        ]
        for record in penalties:
            record.status = RecordStatus.ACTIVE
        session.commit()
    return sorted(ids)


def test_ending_red_list_entries_takes_them_all_before_the_chain_head(
    committed_world: tuple[Engine, World],
) -> None:
    """The step ended one entry (its audit event taking the head) and then waited for the
    next, which a request held while it waited for the head: a deadlock."""
    engine, built = committed_world
    first, second = _red_entries_due(engine, built)
    with Session(engine) as request:
        assert request.get(ListEntry, second, with_for_update=True) is not None
        job, thread = in_another_transaction(
            engine, lambda session: red_list_exit.end_where_not_met(session, CLOCK)
        )
        until_waiting_or_done(engine, job, thread)
        audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_entry")
        request.commit()
    result = ended(job, thread).result
    with Session(engine) as session:
        reasons = [session.get(ListEntry, i).removal_reason for i in (first, second)]
    assert (result, reasons) == ({"bad_record": 2}, [RemovalReason.BAD_RECORD] * 2)
