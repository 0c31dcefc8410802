"""The content of a batch's rejected and held rows is kept for a period, then erased by the
daily job; each row's number and problems stay, and the batch report says so (decision
0021). Service, API, pages, the CSV download and `xinyong jobs run`."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
    person_penalty_row,
    problems_of,
)
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import quarantine
from xinyong.collection.models import Batch, QuarantinedRow

BATCHES = "/api/v1/batches"
DAYS = quarantine.QUARANTINE_CONTENT_DAYS


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=CHINA)


def bad_batch(db: Session, clock: FixedClock, world: World) -> Batch:
    """A batch of three rows: one accepted, one about a person rejected (its content has
    the person's ID number), one rejected for a date that does not exist."""
    rows = [
        penalty_row(world),
        person_penalty_row(
            world,
            citizen_id_of(world.subjects["person"]),
            world.subjects["person"].name,
            decision_number="",
        ),
        penalty_row(world, decision_date="2026-02-30"),
    ]
    report = ingest(db, clock, world.organisations["regulator"], rows)
    assert problems_of(report) == [
        (2, "decision_number", "required"),
        (3, "decision_date", "invalid_date"),
    ]
    db.commit()
    return report.batch


def rows_of(db: Session, batch: Batch) -> list[QuarantinedRow]:
    db.expire_all()
    return list(
        db.scalars(
            select(QuarantinedRow)
            .where(QuarantinedRow.batch_id == batch.id)
            .order_by(QuarantinedRow.row_number)
        )
    )


def erase(db: Session, clock: FixedClock, **options: int) -> quarantine.ErasedContent:
    done = quarantine.erase_past_period(db, clock, **options)
    db.commit()
    return done


def test_the_content_is_kept_through_its_last_day_then_erased_and_the_problems_stay(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    batch = bad_batch(db, clock, collection_world)
    before = [(r.row_number, r.disposition, r.problems) for r in rows_of(db, batch)]
    assert all(r.values_ciphertext for r in rows_of(db, batch))
    received = batch.received_at.astimezone(CHINA).date()
    assert quarantine.kept_until(batch, DAYS) == received + dt.timedelta(days=DAYS)

    clock.set(at(received + dt.timedelta(days=DAYS)))  # the last day it is kept
    assert erase(db, clock) == quarantine.ErasedContent(0, 0, more=False)
    assert all(r.values_ciphertext for r in rows_of(db, batch))

    clock.set(at(received + dt.timedelta(days=DAYS + 1)))
    assert erase(db, clock) == quarantine.ErasedContent(1, 2, more=False)
    erased = rows_of(db, batch)
    assert [r.values_ciphertext for r in erased] == [None, None]
    assert [(r.row_number, r.disposition, r.problems) for r in erased] == before
    db.refresh(batch)
    assert batch.quarantine_erased_at == clock.now()
    assert quarantine.kept_until(batch, DAYS) is None
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "job.quarantined_content_erased")
    )
    assert event is not None
    assert event.details == {"keep_days": DAYS, "batch_ids": [batch.id], "rows": 2}
    assert citizen_id_of(collection_world.subjects["person"]) not in str(event.details)
    assert audit.verify(db).ok
    # Done once: the next day's run finds nothing.
    clock.set(at(received + dt.timedelta(days=DAYS + 2)))
    assert erase(db, clock) == quarantine.ErasedContent(0, 0, more=False)


def test_a_replay_after_the_erasure_gives_the_same_report(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    rows = [penalty_row(world), penalty_row(world, decision_date="2026-02-30")]
    regulator = world.organisations["regulator"]
    first = ingest(db, clock, regulator, rows, key="2026-11-27-Q")
    db.commit()
    clock.set(at(clock.today() + dt.timedelta(days=DAYS + 1)))
    assert erase(db, clock).rows == 1
    again = ingest(db, clock, regulator, rows, key="2026-11-27-Q")
    assert again.replayed
    assert again.problems == first.problems
    erased_at = again.as_dict()["quarantined_content_erased_at"]
    assert dt.datetime.fromisoformat(erased_at) == clock.now()


def test_a_batch_without_problems_is_left_alone_and_calls_are_bounded(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    clean = ingest(db, clock, world.organisations["regulator"], [penalty_row(world)]).batch
    bad = [bad_batch(db, clock, world) for _ in range(3)]
    assert quarantine.kept_until(clean, DAYS) is None
    clock.set(at(clock.today() + dt.timedelta(days=10)))
    assert erase(db, clock, keep_days=10) == quarantine.ErasedContent(0, 0, more=False)
    clock.set(at(clock.today() + dt.timedelta(days=1)))
    assert erase(db, clock, keep_days=10, limit=2) == quarantine.ErasedContent(2, 4, more=True)
    assert erase(db, clock, keep_days=10, limit=2) == quarantine.ErasedContent(1, 2, more=False)
    db.expire_all()
    assert db.get(Batch, clean.id).quarantine_erased_at is None  # type: ignore[union-attr]
    assert all(db.get(Batch, b.id).quarantine_erased_at for b in bad)  # type: ignore[union-attr]


def test_the_api_report_and_its_csv_after_the_content_is_erased(
    collection_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    batch = bad_batch(db, clock, collection_world)
    reporter = auth_headers(client, "reporter")
    received = batch.received_at.astimezone(CHINA).date()
    kept = client.get(f"{BATCHES}/{batch.id}", headers=reporter).json()
    assert (
        kept["quarantined_content_kept_until"] == (received + dt.timedelta(days=DAYS)).isoformat()
    )
    assert kept["quarantined_content_erased_at"] is None
    csv_before = client.get(f"{BATCHES}/{batch.id}/report.csv", headers=reporter).text

    clock.set(at(received + dt.timedelta(days=DAYS + 1)))
    erase(db, clock)

    after = client.get(f"{BATCHES}/{batch.id}", headers=reporter).json()
    assert after["quarantined_content_kept_until"] is None
    assert dt.datetime.fromisoformat(after["quarantined_content_erased_at"]) == clock.now()
    assert after["problems"] == kept["problems"]
    assert (after["rejected"], after["held"]) == (kept["rejected"], kept["held"])
    csv_after = client.get(f"{BATCHES}/{batch.id}/report.csv", headers=reporter).text
    assert csv_after == csv_before
    assert "decision_date,invalid_date" in csv_after


def test_the_batch_report_page_says_until_when_the_content_is_kept_and_that_it_was_erased(
    collection_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    batch = bad_batch(db, clock, collection_world)
    received = batch.received_at.astimezone(CHINA).date()
    last_day = (received + dt.timedelta(days=DAYS)).isoformat()
    log_in(client, "reporter")
    page = client.get(f"/batches/{batch.id}", headers=HTML).text
    assert 'data-quarantined-content="kept"' in page
    assert last_day in page
    english = client.get(f"/batches/{batch.id}?lang=en", headers=HTML).text
    assert f"to correct them until {last_day}" in english

    clock.set(at(received + dt.timedelta(days=DAYS + 1)))
    erase(db, clock)

    # Days later: the session has outlived its lifetime, so the reporter logs in again.
    log_in(client, "reporter")
    page = client.get(f"/batches/{batch.id}?lang=zh_Hans", headers=HTML).text
    assert 'data-quarantined-content="erased"' in page
    assert 'data-quarantined-content="kept"' not in page
    assert clock.today().isoformat() in page
    assert 'data-row="3" data-code="invalid_date"' in page  # the problems stay
    english = client.get(f"/batches/{batch.id}?lang=en", headers=HTML).text
    assert f"was erased on {clock.today().isoformat()}" in english


def test_xinyong_jobs_run_erases_after_the_configured_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> None:
    """The real command against its own database; XINYONG_QUARANTINE_CONTENT_DAYS sets
    the period."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import OrganisationKind
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.cli import app as cli_app
    from xinyong.cli import jobs
    from xinyong.collection import sources
    from xinyong.config import reset_settings
    from xinyong.db.engine import make_engine

    database = tmp_path / "jobs.sqlite3"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{database}")
    reset_settings()
    try:
        assert CliRunner().invoke(cli_app, ["init"]).exit_code == 0
        engine = make_engine(f"sqlite:///{database}")
        then = FixedClock(at(dt.date(2026, 11, 27)))
        with Session(engine, expire_on_commit=False) as session:
            agency = accounts.create_organisation(
                session,
                then,
                SYSTEM_ACTOR,
                code="11350100MUCQWD187J",
                name="福州市市场监督管理局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            sources.grant(session, then, SYSTEM_ACTOR, agency, "administrative_penalty")
            report = ingest(session, then, agency, [{"subject_name": "福州测试贸易有限公司"}])
            assert report.batch.rejected == 1
            session.commit()

        def run_on(day: dt.date) -> str:
            monkeypatch.setattr(jobs, "clock", FixedClock(at(day)))
            reset_settings()
            result = CliRunner().invoke(cli_app, ["jobs", "run"])
            assert result.exit_code == 0, result.output
            return result.output

        monkeypatch.setenv("XINYONG_QUARANTINE_CONTENT_DAYS", "60")
        output = run_on(dt.date(2027, 1, 26))  # 60 days after: the last day kept
        assert "content of 0 rejected or held rows erased in 0 batches" in output
        output = run_on(dt.date(2027, 1, 27))
        assert "content of 1 rejected or held rows erased in 1 batches" in output
        with Session(engine) as session:
            assert session.scalar(select(QuarantinedRow.values_ciphertext)) is None
            assert session.scalar(select(QuarantinedRow.problems))
            assert audit.verify(session).ok
        engine.dispose()
    finally:
        monkeypatch.delenv("XINYONG_QUARANTINE_CONTENT_DAYS", raising=False)
        monkeypatch.delenv("XINYONG_DATABASE_URL")
        monkeypatch.delenv("XINYONG_DATA_DIR")
        reset_settings()


def test_the_period_defaults_to_30_days() -> None:
    from xinyong.config import Settings

    assert Settings().quarantine_content_days == DAYS == 30
