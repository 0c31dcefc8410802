"""Early removal from the black list on the subject's application (SAMR Order 44; decision
0027): eligibility as data, four eyes at the recognising agency, the entry removed and its
measures no longer applied, the queue overdue first, the API and the notices page."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    court_row,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.audit.models import AuditEvent
from xinyong.calendar import add_months
from xinyong.clock import FixedClock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord
from xinyong.config import Settings
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, PermissionDenied
from xinyong.lists import court_defaulters, early_removal, entries
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import (
    EarlyRemovalStatus,
    EntryStatus,
    ListEntry,
    ListKind,
    RemovalReason,
)

TERMS = rules.Terms()


def apply(db: Session, clock: FixedClock, world: World, entry: ListEntry, **kw: Any) -> Any:
    return early_removal.apply(
        db,
        clock,
        actor(world, "company"),
        entry.id,
        obligations_met=kw.get("obligations_met", "罚款已于2026年3月缴清，违法行为已整改"),
        evidence=kw.get("evidence", "缴款凭证 2026-0312；整改报告"),
        commitment=kw.get("commitment", True),
        terms=kw.get("terms", TERMS),
    )


# --- the rules, without the database --------------------------------------------------------


def facts(term_start: dt.date, today: dt.date, months: int, **kw: Any) -> rules.Facts:
    values: dict[str, Any] = {
        "kind": ListKind.BLACK,
        "status": EntryStatus.PUBLISHED,
        "term_start": term_start,
        "term_end": add_months(term_start, 36),
        "today": today,
        "allowed_by_standard": True,
        "from_record_type": None,
        "exit_conditions": "有效期届满",
        "min_months": months,
        "open_application_since": None,
    }
    values.update(kw)
    return rules.Facts(**values)


@given(
    term_start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=3 * 366),
    months=st.integers(min_value=0, max_value=24),
)
def test_eligible_exactly_from_the_day_after_the_minimum_time_listed(
    term_start: dt.date, days: int, months: int
) -> None:
    """The minimum time's last day is inside it (民法典 Art. 201–202; decision 0042): the
    subject applies from the day after; with no minimum, from the listing."""
    today = term_start + dt.timedelta(days=days)
    checks = {c.code: c for c in rules.checks(facts(term_start, today, months))}
    earliest = add_months(term_start, months) + dt.timedelta(days=1) if months else term_start
    in_force = today <= add_months(term_start, 36)
    assert checks["minimum_time_listed"].ok is (earliest <= today)
    assert checks["published"].ok is in_force
    assert (not rules.failed(list(checks.values()))) is (earliest <= today and in_force)
    if not checks["minimum_time_listed"].ok:
        assert checks["minimum_time_listed"].params["date"] == earliest.isoformat()


def test_every_other_condition_is_named_with_its_basis() -> None:
    start, today = dt.date(2025, 1, 10), dt.date(2026, 6, 1)

    def failing(**kw: Any) -> list[str]:
        months = kw.pop("min_months", 12)
        return [c.code for c in rules.failed(rules.checks(facts(start, today, months, **kw)))]

    assert failing() == []
    assert failing(kind=ListKind.RED) == ["black_list"]
    assert failing(status=EntryStatus.REMOVED) == ["published"]
    assert failing(allowed_by_standard=False) == ["standard_allows"]
    # Court judgment defaulters leave on performance (3 working days), never on application.
    assert failing(from_record_type="court_judgment_defaulter") == ["court_performance"]
    # Never on application: not told besides from when it could apply.
    assert failing(allowed_by_standard=False, min_months=24) == ["standard_allows"]
    court = {"from_record_type": "court_judgment_defaulter", "min_months": 24}
    assert failing(**court) == ["court_performance"]
    assert failing(open_application_since=dt.date(2026, 5, 1)) == ["no_open_application"]
    for check in rules.checks(facts(start, today, 12)):
        assert check.article


# --- applying ---------------------------------------------------------------------------------


def test_the_listed_subject_applies_after_a_year_and_not_before(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    recent = published_entry(db, clock, world, company, approved_days_ago=30)
    with pytest.raises(Conflict) as refused:
        apply(db, clock, world, recent)
    assert (refused.value.code, refused.value.field) == ("not_eligible", "minimum_time_listed")
    assert refused.value.article == rules.ORDER_44
    # The minimum is configuration: with none, the same entry may be applied for.
    application = apply(db, clock, world, recent, terms=rules.Terms(min_months=0))
    assert application.status is EarlyRemovalStatus.SUBMITTED
    assert application.terms == {"min_months": 0, "decide": 10}
    # One open application per entry.
    with pytest.raises(Conflict) as again:
        apply(db, clock, world, recent, terms=rules.Terms(min_months=0))
    assert (again.value.code, again.value.field) == ("application_pending", "no_open_application")


def test_refusals_name_the_condition(lists_world: World, db: Session, clock: FixedClock) -> None:
    world = lists_world
    company = world.subjects["company"]
    old = published_entry(db, clock, world, company, approved_days_ago=400)
    with pytest.raises(InvalidInput) as no_commitment:
        apply(db, clock, world, old, commitment=False)
    assert (no_commitment.value.code, no_commitment.value.field) == (
        "commitment_required",
        "commitment",
    )
    with pytest.raises(InvalidInput) as blank:
        apply(db, clock, world, old, obligations_met="  ")
    assert (blank.value.code, blank.value.field) == ("required", "obligations_met")
    # Only the entry's own subject: another's is answered as a missing one.
    with pytest.raises(ConcealedRefusal) as other:
        early_removal.apply(
            db,
            clock,
            actor(world, "citizen"),
            old.id,
            obligations_met="x",
            evidence="y",
            commitment=True,
            terms=TERMS,
        )
    assert other.value.as_dict() == entries.no_such_entry().as_dict()
    # A standard whose rule gives no early removal on application.
    health = published_entry(
        db, clock, world, company, "serious_health_safety", approved_days_ago=400
    )
    with pytest.raises(Conflict) as excluded:
        apply(db, clock, world, health)
    assert excluded.value.field == "standard_allows"
    assert {c["code"] for c in excluded.value.details["failed"]} == {"standard_allows"}  # type: ignore[union-attr]


def test_court_defaulters_leave_on_performance_not_on_application(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    ingest_court(
        db,
        clock,
        world,
        [
            court_row(
                world,
                company,
                filed_on=(clock.today() - dt.timedelta(days=510)).isoformat(),
                published_on=(clock.today() - dt.timedelta(days=500)).isoformat(),
            )
        ],
    )
    entry = db.scalar(select(ListEntry).where(ListEntry.source_record_id.is_not(None)))
    assert entry is not None
    with pytest.raises(Conflict) as refused:
        apply(db, clock, world, entry)
    assert refused.value.field == "court_performance"


def test_a_standard_sets_its_own_minimum(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(
        db,
        clock,
        world,
        world.subjects["company"],
        "serious_refusing_duties",
        approved_days_ago=200,
    )
    std = entries.standard(db, "serious_refusing_duties")
    std.early_removal_months = 6
    # The platform's setting says 24 months; the standard's own 6 govern.
    application = apply(db, clock, world, entry, terms=rules.Terms(min_months=24))
    assert application.terms["min_months"] == 6


# --- deciding, with four eyes -------------------------------------------------------------------


def test_four_eyes_then_the_entry_is_removed_and_its_measures_stop(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, approved_days_ago=400)
    application = apply(db, clock, world, entry)
    officer, second = actor(world, "caseofficer"), actor(world, "caseofficer2")
    # Another agency's officer, and the approval before any proposal, are refused.
    with pytest.raises(PermissionDenied) as elsewhere:
        early_removal.propose(
            db, clock, actor(world, "other_caseofficer"), application.id, approve=True, reasons="x"
        )
    assert elsewhere.value.code == "other_organisation"
    with pytest.raises(Conflict) as early:
        early_removal.decide(db, clock, second, application.id, confirm=True, reasons="x")
    assert early.value.code == "wrong_stage"
    early_removal.propose(
        db, clock, officer, application.id, approve=True, reasons="罚款已缴清，满一年"
    )
    with pytest.raises(PermissionDenied) as same:
        early_removal.decide(db, clock, officer, application.id, confirm=True, reasons="同意")
    assert same.value.code == "separate_duties"
    # Returned, it is proposed again (the second officer may propose; the first then approves).
    early_removal.decide(db, clock, second, application.id, confirm=False, reasons="补充材料")
    assert application.status is EarlyRemovalStatus.SUBMITTED
    early_removal.propose(db, clock, second, application.id, approve=True, reasons="材料齐全")
    early_removal.decide(db, clock, officer, application.id, confirm=True, reasons="同意提前移出")
    db.commit()
    assert application.status is EarlyRemovalStatus.APPROVED
    assert entry.status is EntryStatus.REMOVED
    assert entry.removal_reason is RemovalReason.EARLY_REMOVAL
    actions = [ev.action for ev in entries.history(db, entry.id)]
    assert actions[-5:] == [
        "early_removal_proposed",
        "early_removal_returned",
        "early_removal_proposed",
        "early_removal_approved",
        "removed",
    ]
    audited = set(
        db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "early_removal"))
    )
    assert {"early_removal.applied", "early_removal.proposed", "early_removal.approved"} <= audited
    # The joint check reads published entries only: nothing applies any more.
    response = client.post(
        "/api/v1/joint-checks",
        json={"matter": "honours", "subjects": [company.uscc]},
        headers=headers(client, "querier"),
    )
    (result,) = response.json()["results"]
    assert result["list_status"] == []
    assert result["measures"] == []


def test_rejection_leaves_the_entry_and_a_new_application_is_possible(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    application = apply(db, clock, world, entry)
    early_removal.propose(
        db, clock, actor(world, "caseofficer"), application.id, approve=False, reasons="罚款未缴清"
    )
    early_removal.decide(
        db, clock, actor(world, "caseofficer2"), application.id, confirm=True, reasons="同意驳回"
    )
    assert application.status is EarlyRemovalStatus.REJECTED
    assert entry.status is EntryStatus.PUBLISHED
    assert apply(db, clock, world, entry).status is EarlyRemovalStatus.SUBMITTED


def test_queue_overdue_first_and_in_the_subjects_access_log(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    fresh = apply(
        db, clock, world, published_entry(db, clock, world, company, approved_days_ago=400)
    )
    old_entry = published_entry(
        db, clock, world, company, "serious_refusing_duties", approved_days_ago=500
    )
    late = apply(db, earlier(clock, 30), world, old_entry)
    found = early_removal.queue(db, clock, actor(world, "caseofficer"))
    assert [c.application.id for c in found] == [late.id, fresh.id]
    assert found[0].overdue
    assert not found[1].overdue
    assert found[0].deadline is not None
    logged = db.scalars(
        select(AccessEvent.subject_id).where(AccessEvent.what == "early_removal")
    ).all()
    assert set(logged) == {company.id}
    assert person.id not in logged
    # Another agency sees none of them, and may not read one.
    assert early_removal.queue(db, clock, actor(world, "other_caseofficer")) == []
    with pytest.raises(PermissionDenied):
        early_removal.case(db, clock, actor(world, "other_caseofficer"), fresh.id)


# --- the API -------------------------------------------------------------------------------------


def test_api_journey(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    db.commit()
    entry_id = entry.id
    company = headers(client, "company")
    url = f"/api/v1/me/list-entries/{entry_id}/early-removal"
    seen = client.get(url, headers=company).json()
    assert seen["eligible"] is True
    assert {c["code"] for c in seen["checks"]} >= {"minimum_time_listed", "published"}
    body = {"obligations_met": "罚款已缴清", "evidence": "缴款凭证", "commitment": True}
    made = client.post(url, json=body, headers=company)
    assert made.status_code == 201, made.text
    application_id = made.json()["id"]
    again = client.post(url, json=body, headers=company)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "application_pending"
    notices = client.get("/api/v1/me/notices", headers=company).json()["list_entries"]
    (mine,) = [e for e in notices if e["id"] == entry_id]
    assert mine["early_removal"]["applications"][0]["status"] == "submitted"
    officer, second = headers(client, "caseofficer"), headers(client, "caseofficer2")
    queue = client.get("/api/v1/early-removals", headers=officer).json()["items"]
    assert [c["id"] for c in queue] == [application_id]
    base = f"/api/v1/early-removals/{application_id}"
    proposed = client.post(
        f"{base}/propose", json={"approve": True, "reasons": "已履行"}, headers=officer
    )
    assert proposed.status_code == 200, proposed.text
    same = client.post(f"{base}/decide", json={"confirm": True, "reasons": "同意"}, headers=officer)
    assert same.status_code == 403
    assert same.json()["error"]["code"] == "separate_duties"
    decided = client.post(
        f"{base}/decide", json={"confirm": True, "reasons": "同意"}, headers=second
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["entry"]["status"] == "removed"
    assert client.get(base, headers=company).json()["decision"]["reasons"] == "同意"


# --- the pages -----------------------------------------------------------------------------------


def test_pages_apply_propose_and_separate_duties(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    from tests.page_helpers import HTML, csrf_from, log_in

    world = lists_world
    company = world.subjects["company"]
    recent = published_entry(db, clock, world, company, approved_days_ago=30)
    old = published_entry(
        db, clock, world, company, "serious_refusing_duties", approved_days_ago=400
    )
    db.commit()
    recent_id, old_id = recent.id, old.id
    log_in(client, "company")
    page = client.get("/me/notices", headers=HTML)
    assert page.status_code == 200
    # Too soon for one (and why), the form for the other.
    assert f'id="early-removal-{recent_id}"' in page.text
    assert 'data-check="minimum_time_listed"' in page.text
    assert f'action="/me/notices/{old_id}/early-removal"' in page.text
    assert f'action="/me/notices/{recent_id}/early-removal"' not in page.text
    form = {
        "obligations_met": "已缴清罚款",
        "evidence": "缴款凭证",
        "csrf_token": csrf_from(page.text),
    }
    refused = client.post(f"/me/notices/{old_id}/early-removal", data=form, headers=HTML)
    assert refused.status_code == 422
    assert 'data-code="commitment_required"' in refused.text
    assert "已缴清罚款" in refused.text  # what the subject wrote is kept
    done = client.post(
        f"/me/notices/{old_id}/early-removal",
        data={**form, "commitment": "true"},
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    client.cookies.clear()
    log_in(client, "caseofficer")
    queue = client.get("/early-removals", headers=HTML)
    (application_id,) = re.findall(r'data-early-removal="(\d+)" data-overdue', queue.text)
    case = client.get(f"/early-removals/{application_id}", headers=HTML)
    proposed = client.post(
        f"/early-removals/{application_id}/propose",
        data={"approve": "yes", "reasons": "满一年，已履行", "csrf_token": csrf_from(case.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert proposed.status_code == 303, proposed.text
    case = client.get(f"/early-removals/{application_id}", headers=HTML)
    assert 'action="/early-removals/' + application_id + '/decide"' not in case.text
    same = client.post(
        f"/early-removals/{application_id}/decide",
        data={"confirm": "yes", "reasons": "同意", "csrf_token": csrf_from(case.text)},
        headers=HTML,
    )
    assert same.status_code == 403
    assert 'data-code="separate_duties"' in same.text


# --- court judgment defaulters: the court confirms the performance ------------------------------


def test_the_court_confirms_performance_within_3_working_days(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    ingest_court(db, clock, world, [court_row(world, company), court_row(world, person)])
    court_entries = court_defaulters.published_entries(db, actor(world, "court_reporter"))
    by_subject = {e.subject_id: e for e in court_entries}
    on_time, late = by_subject[company.id], by_subject[person.id]
    other = published_entry(db, clock, world, company, approved_days_ago=30)
    db.commit()
    on_time_id, late_id, other_id = on_time.id, late.id, other.id
    reporter = actor(world, "court_reporter")
    with pytest.raises(PermissionDenied) as elsewhere:
        court_defaulters.confirm_performance(
            db,
            clock,
            actor(world, "caseofficer"),
            on_time_id,
            performed_on=clock.today(),
            detail="x",
            working_days=3,
        )
    assert elsewhere.value.code == "other_organisation"
    with pytest.raises(Conflict) as not_court:
        court_defaulters.confirm_performance(
            db, clock, reporter, other_id, performed_on=clock.today(), detail="x", working_days=3
        )
    assert not_court.value.code == "not_court_entry"
    with pytest.raises(InvalidInput) as future:
        court_defaulters.confirm_performance(
            db,
            clock,
            reporter,
            on_time_id,
            performed_on=clock.today() + dt.timedelta(days=1),
            detail="x",
            working_days=3,
        )
    assert future.value.code == "future_date"
    # The record is dated by its publication (decision 0045); the filing is in its content.
    record = db.get(CreditRecord, on_time.source_record_id)
    filed_on = dt.date.fromisoformat(records.current_version(db, record).payload["filed_on"])
    assert filed_on < record.decision_date
    with pytest.raises(InvalidInput) as before_filing:
        court_defaulters.confirm_performance(
            db,
            clock,
            reporter,
            on_time_id,
            performed_on=filed_on - dt.timedelta(days=1),
            detail="x",
            working_days=3,
        )
    assert (before_filing.value.code, before_filing.value.field) == (
        "before_filing",
        "performed_on",
    )
    db.rollback()
    url = "/api/v1/list-entries/{}/performance"
    court = headers(client, "court_reporter")
    answer = client.post(
        url.format(on_time_id),
        json={"performed_on": clock.today().isoformat(), "detail": "结案通知书"},
        headers=court,
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["within_deadline"]) == ("removed", True)
    assert answer.json()["removal_reason"] == "performed"
    assert answer.json()["working_days"] == 3  # XINYONG_COURT_PERFORMANCE_WORKING_DAYS
    late_answer = client.post(
        url.format(late_id),
        json={
            "performed_on": (clock.today() - dt.timedelta(days=20)).isoformat(),
            "detail": "结案",
        },
        headers=court,
    )
    assert late_answer.json()["within_deadline"] is False
    again = client.post(
        url.format(late_id),
        json={"performed_on": clock.today().isoformat(), "detail": "结案"},
        headers=court,
    )
    assert again.status_code == 409
    (last,) = entries.history(db, late_id)[-1:]
    assert last.action == "removed"
    assert "removed late" in last.detail


def test_the_working_days_for_removing_a_performer_are_configuration(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """rules.md's 3 working days are the default of a setting: with 20 configured, a
    performance 20 days ago (fewer working days) is removed in time, and the history says
    which term applied."""
    world = lists_world
    ingest_court(db, clock, world, [court_row(world, world.subjects["company"])])
    (entry,) = court_defaulters.published_entries(db, actor(world, "court_reporter"))
    found = court_defaulters.confirm_performance(
        db,
        clock,
        actor(world, "court_reporter"),
        entry.id,
        performed_on=clock.today() - dt.timedelta(days=20),
        detail="结案通知书",
        working_days=20,
    )
    assert found.within is True
    assert "(20 working days)" in entries.history(db, entry.id)[-1].detail
    assert Settings.model_fields["court_performance_working_days"].default == 3


def test_the_subject_reads_why_its_court_entry_ended_in_its_language(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The removal detail the platform wrote (the performance the court confirmed) is shown
    on the subject's notices in Chinese, with the court's own words as typed."""
    from tests.page_helpers import log_in

    world = lists_world
    ingest_court(db, clock, world, [court_row(world, world.subjects["company"])])
    (entry,) = court_defaulters.published_entries(db, actor(world, "court_reporter"))
    court_defaulters.confirm_performance(
        db,
        clock,
        actor(world, "court_reporter"),
        entry.id,
        performed_on=clock.today(),
        detail="结案通知书",
        working_days=3,
    )
    db.commit()
    log_in(client, "company")
    page = client.get("/me/notices").text
    block = page.split(f'id="entry-{entry.id}"', 1)[1].split("</article>", 1)[0]
    assert f"已于 {clock.today().isoformat()} 履行，经人民法院确认：结案通知书" in block
    assert "confirmed by the court" not in block
    assert "已移出" in block
    assert "提前" not in block


def test_a_confirmed_performance_ends_the_court_records_publicity(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The court confirms the performance: the entry leaves the list, and the court's record
    no longer shows the subject as a current 失信被执行人 on its public page either (SPC rule
    Art. 10: the court deletes the defaulter information within 3 working days). A new
    version by the court's staff says why (Art. 24); the subject reads it in Chinese."""
    from tests.page_helpers import log_in
    from xinyong.collection.models import RecordStatus, RecordVersion

    world = lists_world
    company = world.subjects["company"]
    ingest_court(db, clock, world, [court_row(world, company)])
    reporter = actor(world, "court_reporter")
    (entry,) = court_defaulters.published_entries(db, reporter)
    entry_id, record_id, code = entry.id, entry.source_record_id, company.uscc
    db.commit()
    public = client.get(f"/api/v1/subjects/{code}/public").json()
    assert [i["type"] for i in public["items"]] == ["court_judgment_defaulter"]

    court_defaulters.confirm_performance(
        db,
        clock,
        reporter,
        entry_id,
        performed_on=clock.today() - dt.timedelta(days=1),
        detail="结案通知书",
        working_days=3,
    )
    db.commit()

    public = client.get(f"/api/v1/subjects/{code}/public").json()
    assert (public["items"], public["lists"]) == ([], [])
    entry = entries.get(db, entry_id)
    record = db.get(CreditRecord, record_id)
    assert record is not None
    assert record.status is RecordStatus.EXPIRED
    assert record.publicity_end == clock.today() - dt.timedelta(days=1)
    version = db.scalars(
        select(RecordVersion).where(
            RecordVersion.record_id == record.id,
            RecordVersion.version_no == record.current_version_no,
        )
    ).one()
    assert version.reason == court_defaulters.REASON_PERFORMED
    assert version.reason_detail == entry.removal_detail
    assert (version.source_organisation_id, version.actor) == (
        world.organisations["court"].id,
        reporter.audit().id,
    )
    assert version.payload == records.current_version(db, record).payload
    audited = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "credit_record", AuditEvent.target_id == str(record.id)
        )
    ).all()
    assert "record.publicity_ended_on_performance" in audited
    log_in(client, "company")
    file_page = client.get("/me/credit").text
    assert "已履行生效法律文书确定的义务，停止公示" in file_page
    assert f"已于 {(clock.today() - dt.timedelta(days=1)).isoformat()} 履行，经人民法院确认" in (
        file_page
    )
    assert "publicity ended on performance" not in file_page


def test_a_performance_the_court_sends_ends_the_records_publicity_for_good(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The court's batch says the judgment was performed: the record stops being published
    with the entry, by the platform; sent again with other changes (which makes it a
    current record again), it is not published again."""
    from xinyong.collection.models import RecordStatus, RecordVersion

    world = lists_world
    code = world.subjects["company"].uscc
    row = court_row(world, world.subjects["company"])
    ingest_court(db, clock, world, [row])
    performed = {**row, "performed_on": clock.today().isoformat()}

    ingest_court(db, clock, world, [performed])
    db.commit()

    entry = db.scalars(select(ListEntry)).one()
    record_id = entry.source_record_id
    record = db.get(CreditRecord, record_id)
    assert record is not None
    assert (entry.status, record.status) == (EntryStatus.REMOVED, RecordStatus.EXPIRED)
    reasons = db.scalars(
        select(RecordVersion.reason)
        .where(RecordVersion.record_id == record.id)
        .order_by(RecordVersion.version_no)
    ).all()
    assert reasons[-2:] == ["updated by source", court_defaulters.REASON_PERFORMED]
    assert client.get(f"/api/v1/subjects/{code}/public").json()["items"] == []

    ingest_court(db, clock, world, [{**performed, "obligation": "支付货款人民币十二万元及利息"}])
    db.commit()
    record = db.get(CreditRecord, record_id)
    assert record is not None
    assert record.status is RecordStatus.EXPIRED
    assert client.get(f"/api/v1/subjects/{code}/public").json()["items"] == []


def test_the_daily_job_ends_the_publicity_of_records_performed_before(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """Performances made known before the platform ended the court's record's publicity
    with them — confirmed by the court's staff, or sent in the court's record — left the
    record published; the daily job ends it, by the platform, once."""
    from xinyong.collection.models import RecordStatus, RecordVersion

    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    confirmed_row = court_row(world, company)
    sent_row = court_row(world, person)
    ingest_court(db, clock, world, [confirmed_row, sent_row])
    ingest_court(db, clock, world, [{**sent_row, "performed_on": clock.today().isoformat()}])
    confirmed, sent = db.scalars(select(ListEntry).order_by(ListEntry.id)).all()
    # As they were left: the entry off the list, the record published and current.
    confirmed.status = EntryStatus.REMOVED
    confirmed.removal_reason = RemovalReason.PERFORMED
    confirmed.removal_detail = "已于 2026-11-01 履行，经人民法院确认"
    sent_record = db.get(CreditRecord, sent.source_record_id)
    assert sent_record is not None
    sent_record.status, sent_record.publicity_end = RecordStatus.ACTIVE, None
    db.commit()
    records_ids = [confirmed.source_record_id, sent.source_record_id]
    public = client.get(f"/api/v1/subjects/{company.uscc}/public").json()
    assert [i["type"] for i in public["items"]] == ["court_judgment_defaulter"]

    assert court_defaulters.end_publicity_where_performed(db, clock) == 2
    db.commit()

    for record_id, detail in zip(
        records_ids,
        ["已于 2026-11-01 履行，经人民法院确认", f"performed on {clock.today().isoformat()}"],
        strict=True,
    ):
        record = db.get(CreditRecord, record_id)
        assert record is not None
        assert record.status is RecordStatus.EXPIRED
        assert record.publicity_end == clock.today() - dt.timedelta(days=1)
        version = db.scalars(
            select(RecordVersion).where(
                RecordVersion.record_id == record_id,
                RecordVersion.version_no == record.current_version_no,
            )
        ).one()
        assert (version.reason, version.reason_detail, version.actor) == (
            court_defaulters.REASON_PERFORMED,
            detail,
            "system",
        )
    assert client.get(f"/api/v1/subjects/{company.uscc}/public").json()["items"] == []
    # Once: the records are no longer published.
    assert court_defaulters.end_publicity_where_performed(db, clock) == 0


def test_an_early_removal_leaves_through_the_common_exit(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Approved, an early removal is recorded as every exit from the list is (decision
    0042): audited as the entry's removal, and an open proposal to remove the entry by hand
    lapses with it instead of waiting for a second officer."""
    from xinyong.lists import removal_proposals
    from xinyong.lists.models import RemovalProposalStatus

    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    proposal = removal_proposals.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行义务",
    )
    application = apply(db, clock, world, entry)
    early_removal.propose(
        db, clock, actor(world, "caseofficer"), application.id, approve=True, reasons="满一年"
    )

    early_removal.decide(
        db, clock, actor(world, "caseofficer2"), application.id, confirm=True, reasons="同意"
    )

    assert (proposal.status, proposal.decided_by) == (RemovalProposalStatus.LAPSED, "system")
    assert proposal.decision_reasons == "lapsed: the entry left the list otherwise (early_removal)"
    actions = [ev.action for ev in entries.history(db, entry.id)]
    assert actions[-3:] == ["early_removal_approved", "removed", "removal_lapsed"]
    audited = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "list_entry", AuditEvent.target_id == str(entry.id)
        )
    ).all()
    assert "list_entry.removed" in audited
    with pytest.raises(Conflict) as decided:
        removal_proposals.refuse(
            db, clock, actor(world, "caseofficer2"), proposal.id, reasons="不同意"
        )
    assert decided.value.code == "decided"


def test_an_open_application_lapses_when_its_entry_leaves_the_list_otherwise(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The entry is removed by hand while an application for its early removal waits: the
    application lapses, by the platform, with the way the entry left, and leaves the
    agency's queue rather than turning overdue there for good."""
    from tests.lists_helpers import removed_by_two
    from tests.page_helpers import log_in

    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    waiting = apply(db, clock, world, entry)
    early_removal.propose(
        db, clock, actor(world, "caseofficer"), waiting.id, approve=True, reasons="满一年"
    )

    removed_by_two(db, clock, world, entry.id)

    assert (waiting.status, waiting.decided_by) == (EarlyRemovalStatus.LAPSED, "system")
    assert waiting.decision_reasons == (
        "lapsed: the entry left the list otherwise (exit_conditions_met)"
    )
    steps = entries.history(db, entry.id)
    assert [ev.action for ev in steps[-2:]] == ["removed", "early_removal_lapsed"]
    assert steps[-1].detail == (
        f"application {waiting.id}: lapsed: the entry left the list otherwise (exit_conditions_met)"
    )
    audited = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.target_type == "early_removal", AuditEvent.target_id == str(waiting.id)
        )
    ).all()
    assert "early_removal.lapsed" in audited
    later = FixedClock(clock.now() + dt.timedelta(days=30))
    officer = actor(world, "caseofficer")
    assert early_removal.queue(db, later, officer) == []
    assert [c.application.id for c in early_removal.queue(db, later, officer, closed=True)] == [
        waiting.id
    ]
    with pytest.raises(Conflict) as lapsed:
        early_removal.decide(
            db, later, actor(world, "caseofficer2"), waiting.id, confirm=True, reasons="同意"
        )
    assert lapsed.value.code == "wrong_stage"
    db.commit()
    log_in(client, "company")
    page = client.get(f"/early-removals/{waiting.id}").text
    assert 'data-status="lapsed"' in page
    assert "已失效：作出决定前该名单条目已因其他原因移出名单" in page
    assert (
        f"第 {waiting.id} 号提前移出申请失效：该名单条目已因其他原因移出名单（符合退出条件）"
        in page
    )
    assert "left the list otherwise" not in page


def test_an_entry_past_its_term_is_not_removed_early_nor_proposed_for_removal(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The term ended before the daily job expired the entry: it leaves the list by its
    term. Neither an early removal approved now nor a removal proposed now rewrites that
    ending (Art. 14); the daily job then expires it."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.lists import removal_proposals

    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    application = apply(db, clock, world, entry)
    early_removal.propose(
        db, clock, actor(world, "caseofficer"), application.id, approve=True, reasons="满一年"
    )
    assert entry.term_end is not None
    after_term = FixedClock(
        clock.now() + dt.timedelta(days=(entry.term_end - clock.today()).days + 1)
    )

    with pytest.raises(Conflict) as past:
        early_removal.decide(
            db,
            after_term,
            actor(world, "caseofficer2"),
            application.id,
            confirm=True,
            reasons="同意",
        )
    assert (past.value.code, past.value.article) == ("entry_not_listed", "Art. 14")
    assert "term has ended" in str(past.value)
    with pytest.raises(Conflict) as proposal:
        removal_proposals.propose(
            db,
            after_term,
            actor(world, "caseofficer"),
            entry.id,
            reason=RemovalReason.EXIT_CONDITIONS_MET,
            detail="已履行义务",
        )
    assert proposal.value.code == "entry_left_list"
    assert (entry.status, entry.removal_reason) == (EntryStatus.PUBLISHED, None)

    assert entries.expire_due(db, after_term, SYSTEM_ACTOR) >= 1
    assert entry.status is EntryStatus.EXPIRED
    assert application.status is EarlyRemovalStatus.LAPSED
