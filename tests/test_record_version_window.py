"""Each version of a record carries the decision date, severity and publicity window in
force with it (Art. 24, decision 0025): an upheld objection that corrects or withdraws a
record changes the record from then on, and a file, report or history as of an earlier
day shows the values that stood then."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    RECENT,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
    record_by_decision,
)
from tests.disclosure_helpers import (
    Tokens,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    versions_of,
)
from tests.factories import World, record_objection
from tests.page_helpers import HTML, log_in
from xinyong.clock import FixedClock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import files, publicity
from xinyong.objections import cases
from xinyong.objections import service as objections
from xinyong.web.i18n import translations

DAY = dt.timedelta(days=1)
API = "/api/v1"
CORRECTED_DATE = dt.date(2026, 11, 20)


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


def _window(thing: Any) -> tuple[dt.date, str, dt.date | None, dt.date | None]:
    return (thing.decision_date, thing.severity, thing.publicity_start, thing.publicity_end)


def _current_matches(db: Session, record: CreditRecord) -> None:
    """The record row holds its current version's values (current-state queries read it)."""
    db.flush()
    db.refresh(record)
    assert _window(versions_of(db, record.id)[-1]) == _window(record)


def _corrected(db: Session, clock: FixedClock, world: World) -> tuple[CreditRecord, dt.date]:
    """A general penalty decided on RECENT; two days later an upheld objection corrects
    its decision date and makes it serious. Returns the record and the correction's day."""
    record = company_penalty(db, clock, world)
    _current_matches(db, record)
    clock.advance(DAY)
    objection = record_objection(db, clock, world, record.id)
    _current_matches(db, record)
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="属实"
    )
    clock.advance(DAY)
    objections.correct(
        db,
        clock,
        actor_of(world, "reporter"),
        objection.id,
        values={"decision_date": CORRECTED_DATE.isoformat(), "severity": "serious"},
        note="处罚决定日期及严重程度录入有误，已按决定书更正",
    )
    _current_matches(db, record)
    return record, clock.today()


def test_an_upheld_correction_leaves_the_earlier_file_its_date_severity_and_window(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record, corrected_on = _corrected(db, clock, world)
    company = world.subjects["company"]
    before = (RECENT, "general", RECENT, dt.date(2027, 11, 25))
    after = (CORRECTED_DATE, "serious", CORRECTED_DATE, dt.date(2029, 11, 20))
    (then,) = files.build_file(db, company, today=corrected_on, as_of=corrected_on - DAY)
    assert _window(then) == before
    assert then.status == "under_objection"
    assert then.public
    (now,) = files.build_file(db, company, today=corrected_on)
    assert _window(now) == after
    assert now.status == "corrected"
    (today_as_of,) = files.build_file(db, company, today=corrected_on, as_of=corrected_on)
    assert _window(today_as_of) == after
    # The change history shows each version's own values, in the file and in the case.
    assert [_window(v) for v in now.history] == [before, before, after]
    assert [_window(v) for v in then.history] == [before, before]
    rows = cases.history_rows(db, cases.record_history(db, record.id))
    assert [_window(v) for v in rows] == [before, before, after]
    assert now.history[-1].as_dict()["publicity"] == {"start": "2026-11-20", "end": "2029-11-20"}
    assert now.history[0].as_dict()["severity"] == "general"


def test_a_withdrawal_is_not_undone_by_asking_about_the_day_before(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """The subject's own file as of the day before shows the window it had then; the public
    and third parties see it public on no day (it should not have been public, Art. 25)."""
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id, ground="should_not_be_public")
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="不应公示"
    )
    clock.advance(DAY)
    objections.withdraw(db, clock, actor_of(world, "reporter"), objection.id, note="不予公示")
    _current_matches(db, record)
    company, today = world.subjects["company"], clock.today()
    (then,) = files.build_file(db, company, today=today, as_of=today - DAY)
    assert (then.publicity_start, then.publicity_end, then.public) == (
        RECENT,
        dt.date(2027, 11, 25),
        True,
    )
    assert files.build_file(db, company, today=today, as_of=today - DAY, public_only=True) == []
    # A third party reading other record types, with public records included, neither.
    assert (
        files.build_file(
            db,
            company,
            today=today,
            as_of=today - DAY,
            record_type_codes={"administrative_license"},
            include_public=True,
        )
        == []
    )
    assert files.build_file(db, company, today=today, public_only=True) == []
    (now,) = files.build_file(db, company, today=today)
    assert (now.publicity_start, now.publicity_end, now.public) == (None, None, False)
    # A changed re-submission does not publish it again, and its version says so too.
    clock.advance(DAY)
    row = penalty_row(world, decision_number=record.natural_key.split("|", 1)[1], remarks="补充")
    assert ingest(db, clock, world.organisations["regulator"], [row]).batch.updated == 1
    _current_matches(db, record)
    assert (record.publicity_start, record.publicity_end) == (None, None)


def test_every_writer_gives_the_version_the_values_in_force(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Ingestion (new and changed rows), the publicity job, a self-declaration and a
    commitment's fulfilment: each version carries the record's values as they were then."""
    world = disclosure_world
    row = penalty_row(world, severity="serious")
    ingest(db, clock, world.organisations["regulator"], [row])
    record = record_by_decision(db, row["decision_number"])
    _current_matches(db, record)
    clock.advance(DAY)
    changed = {**row, "severity": "general", "decision_date": CORRECTED_DATE.isoformat()}
    assert ingest(db, clock, world.organisations["regulator"], [changed]).batch.updated == 1
    _current_matches(db, record)
    first, second = versions_of(db, record.id)
    assert _window(first) == (RECENT, "serious", RECENT, dt.date(2029, 11, 25))
    assert _window(second) == (CORRECTED_DATE, "general", CORRECTED_DATE, dt.date(2027, 11, 20))
    # Past its window, the job's version keeps the window that ended.
    clock.advance(400 * DAY)
    assert publicity.end_expired_publicity(db, clock) >= 1
    _current_matches(db, record)
    assert versions_of(db, record.id)[-1].publicity_end == dt.date(2027, 11, 20)
    declared = records.declare(
        db, clock, actor_of(world, "company"), title="守信承诺", content="依法经营"
    )
    _current_matches(db, declared)
    assert versions_of(db, declared.id)[0].decision_date == clock.today()


def test_a_back_dated_report_and_the_file_through_the_api(
    db: Session, clock: FixedClock, disclosure_world: World, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    _record, corrected_on = _corrected(db, clock, world)
    db.commit()
    reference = world.subjects["company"].reference
    headers = tokens("company")

    def item(**params: str) -> dict[str, Any]:
        response = client.get(f"{API}/subjects/{reference}/report", params=params, headers=headers)
        assert response.status_code == 200, response.text
        (found,) = [i for section in response.json()["sections"] for i in section["items"]]
        return found

    then = item(as_of=(corrected_on - DAY).isoformat())
    assert (then["decision_date"], then["severity"], then["publicity"]) == (
        "2026-11-25",
        "general",
        {"start": "2026-11-25", "end": "2027-11-25"},
    )
    now = item()
    assert (now["decision_date"], now["severity"]) == ("2026-11-20", "serious")
    response = client.get(f"{API}/subjects/{reference}/file", headers=headers)
    assert response.status_code == 200, response.text
    (record,) = response.json()["items"]
    assert [(v["decision_date"], v["severity"]) for v in record["history"]] == [
        ("2026-11-25", "general"),
        ("2026-11-25", "general"),
        ("2026-11-20", "serious"),
    ]


def test_the_credit_file_page_shows_each_versions_values(
    db: Session, clock: FixedClock, disclosure_world: World, client: TestClient
) -> None:
    world = disclosure_world
    _record, corrected_on = _corrected(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/credit", headers=HTML)
    assert page.status_code == 200, page.text[:300]
    history = page.text[page.text.index('class="record-history"') :]
    assert history.count('data-decision-date="2026-11-25"') == 2
    assert history.count('data-severity="general"') == 2
    assert 'data-decision-date="2026-11-20"' in history
    assert 'data-severity="serious"' in history
    assert "2026-11-20 – 2029-11-20" in history
    assert translations("zh_Hans").gettext("Serious") in history
    before = client.get(
        "/me/credit", params={"as_of": (corrected_on - DAY).isoformat()}, headers=HTML
    )
    assert before.status_code == 200
    assert 'data-decision-date="2026-11-20"' not in before.text
    assert "2026-11-25 – 2027-11-25" in before.text
