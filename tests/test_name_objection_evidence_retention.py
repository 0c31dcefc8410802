"""The identity document of a decided objection to a person's name is kept for a period
after the decision, then erased by the daily job; the case keeps the rest, and its download
and page say so (Art. 4 necessity, Art. 34; decision 0051 addendum). Service, API, page and
`xinyong jobs run`."""

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
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers
from tests.name_objection_helpers import CORRECT_NAME, PNG, raised
from tests.page_helpers import HTML, log_in
from xinyong.accounts import service as accounts
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.errors import Gone
from xinyong.objections import names as name_objections
from xinyong.objections.models import NameObjection, NameObjectionStatus

DAYS = name_objections.EVIDENCE_KEEP_DAYS


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=CHINA)


def erase(db: Session, clock: FixedClock) -> name_objections.ErasedEvidence:
    done = name_objections.erase_decided_evidence(db, clock, keep_days=DAYS)
    db.commit()
    return done


def decided(world: World, db: Session, clock: FixedClock) -> NameObjection:
    """The citizen's objection, rejected with reasons on the clock's day."""
    objection = raised(world)
    name_objections.decide(
        db,
        clock,
        accounts.actor_for_user(world.users["objections"]),
        objection.id,
        outcome="rejected",
        reasons="证件不符",
    )
    db.commit()
    return objection


def test_an_open_case_keeps_its_document_however_long_it_waits(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    objection = raised(collection_world)
    db.commit()
    clock.advance(dt.timedelta(days=DAYS * 3))
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    db.refresh(objection)
    assert objection.status is NameObjectionStatus.RECEIVED
    assert objection.evidence_ciphertext is not None
    assert objection.evidence_erased_at is None
    handler = accounts.actor_for_user(collection_world.users["objections"])
    assert name_objections.evidence(db, clock, handler, objection.id).content == PNG


def test_the_document_is_kept_through_its_last_day_then_erased_once_and_the_case_stays(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    objection = decided(collection_world, db, clock)
    assert objection.decided_at is not None
    decided_on = objection.decided_at.astimezone(CHINA).date()
    last_day = decided_on + dt.timedelta(days=DAYS)
    assert name_objections.evidence_kept_until(objection.decided_at, DAYS) == last_day
    sha256, reasons = objection.evidence_sha256, objection.decision_reasons
    handler = accounts.actor_for_user(collection_world.users["objections"])

    clock.set(at(last_day - dt.timedelta(days=1)))
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    clock.set(at(last_day))  # the last day it is kept
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    assert name_objections.evidence(db, clock, handler, objection.id).content == PNG
    db.commit()

    clock.set(at(last_day + dt.timedelta(days=1)))
    assert erase(db, clock) == name_objections.ErasedEvidence(1, more=False)
    db.refresh(objection)
    assert objection.evidence_ciphertext is None
    assert objection.evidence_erased_at == clock.now()
    # The case keeps everything else: the document's kind and hash, the decision, reasons.
    assert (objection.evidence_kind, objection.evidence_sha256) == ("png", sha256)
    assert objection.status is NameObjectionStatus.REJECTED
    assert objection.decision_reasons == reasons
    (event,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "job.name_objection_evidence_erased")
    ).all()
    assert event.details == {"keep_days": DAYS, "objection_ids": [objection.id], "cases": 1}
    assert audit.verify(db).ok
    with pytest.raises(Gone) as gone:
        name_objections.evidence(db, clock, handler, objection.id)
    assert gone.value.code == "name_objection_evidence_erased"
    assert gone.value.article == "Art. 4"
    db.rollback()

    # Run again, the same day and the next: erased once, one event.
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    clock.set(at(last_day + dt.timedelta(days=2)))
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    db.refresh(objection)
    assert objection.evidence_erased_at == at(last_day + dt.timedelta(days=1))
    assert (
        len(
            db.scalars(
                select(AuditEvent).where(AuditEvent.action == "job.name_objection_evidence_erased")
            ).all()
        )
        == 1
    )


def test_calls_are_bounded_and_say_when_there_is_more(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    objection = decided(collection_world, db, clock)
    clock.advance(dt.timedelta(days=DAYS + 1))
    done = name_objections.erase_decided_evidence(db, clock, keep_days=DAYS, limit=1)
    db.commit()
    assert done == name_objections.ErasedEvidence(1, more=True)
    assert erase(db, clock) == name_objections.ErasedEvidence(0, more=False)
    db.refresh(objection)
    assert objection.evidence_ciphertext is None


def test_the_download_answers_410_and_the_case_says_when_it_was_erased(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    objection = decided(collection_world, db, clock)
    clock.advance(dt.timedelta(days=DAYS + 1))
    assert erase(db, clock).cases == 1
    erased_on = clock.today().isoformat()
    for account in ("objections", "citizen"):
        headers = auth_headers(client, account)
        document = client.get(f"/api/v1/name-objections/{objection.id}/evidence", headers=headers)
        assert document.status_code == 410, document.text
        body = document.json()["error"]
        assert body["code"] == "name_objection_evidence_erased"
        assert body["field"] == "objection"
        case = client.get(f"/api/v1/name-objections/{objection.id}", headers=headers)
        assert case.status_code == 200, case.text
        evidence = case.json()["evidence"]
        assert evidence["sha256"] == objection.evidence_sha256
        assert evidence["erased_at"].startswith(clock.now().astimezone(dt.UTC).date().isoformat())
        assert case.json()["decision"]["reasons"] == "证件不符"

    log_in(client, "objections")
    page = client.get(f"/name-objections/{objection.id}", headers=HTML)
    assert page.status_code == 200
    assert 'data-evidence="erased"' in page.text
    assert erased_on in page.text
    assert f"/name-objections/{objection.id}/evidence" not in page.text
    download = client.get(f"/name-objections/{objection.id}/evidence", headers=HTML)
    assert download.status_code == 410
    assert "保存期限届满后删除" in download.text  # the pages speak Chinese by default


def test_xinyong_jobs_run_erases_after_the_configured_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> None:
    """The real command against its own database; XINYONG_NAME_OBJECTION_DOCUMENT_DAYS
    sets the period."""
    from tests.factories import World as Built
    from tests.factories import bind
    from xinyong.cli import app as cli_app
    from xinyong.cli import jobs
    from xinyong.config import reset_settings
    from xinyong.db.engine import make_engine

    database = tmp_path / "jobs.sqlite3"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{database}")
    reset_settings()
    try:
        assert CliRunner().invoke(cli_app, ["init"]).exit_code == 0
        engine = make_engine(f"sqlite:///{database}")
        decided_on = dt.date(2026, 11, 27)
        then = FixedClock(at(decided_on))
        with Session(engine, expire_on_commit=False) as session:
            bind(session, then)
            world = Built._build(session, then)
            session.commit()
            objection = decided(world, session, then)
            objection_id = objection.id

        def run_on(day: dt.date) -> str:
            monkeypatch.setattr(jobs, "clock", FixedClock(at(day)))
            reset_settings()
            result = CliRunner().invoke(cli_app, ["jobs", "run"])
            assert result.exit_code == 0, result.output
            return result.output

        monkeypatch.setenv("XINYONG_NAME_OBJECTION_DOCUMENT_DAYS", "60")
        output = run_on(decided_on + dt.timedelta(days=60))  # the last day kept
        assert "identity documents erased of 0 decided name objections" in output
        output = run_on(decided_on + dt.timedelta(days=61))
        assert "identity documents erased of 1 decided name objections" in output
        output = run_on(decided_on + dt.timedelta(days=61))
        assert "identity documents erased of 0 decided name objections" in output
        with Session(engine) as session:
            kept = session.get(NameObjection, objection_id)
            assert kept is not None
            assert kept.evidence_ciphertext is None
            assert kept.evidence_erased_at is not None
            assert kept.decision_reasons == "证件不符"
            assert audit.verify(session).ok
        engine.dispose()
    finally:
        monkeypatch.delenv("XINYONG_NAME_OBJECTION_DOCUMENT_DAYS", raising=False)
        monkeypatch.delenv("XINYONG_DATABASE_URL")
        monkeypatch.delenv("XINYONG_DATA_DIR")
        reset_settings()


def test_the_period_defaults_to_210_days() -> None:
    from xinyong.config import Settings

    assert Settings().name_objection_document_days == DAYS == 210
    assert CORRECT_NAME  # the helper's person objects to a name it does not bear
