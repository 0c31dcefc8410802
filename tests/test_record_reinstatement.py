"""A source reinstates a record it revoked (decision 0028, addendum): the record becomes
what it would be had it never been revoked — status, publicity window and confidentiality
review — list entries the revocation removed come back, reports' deleted contents do not;
the combinations with objections, repairs and re-submissions made while it was revoked;
the refusals; the API and the page."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    make_query_item,
    revoke_record,
)
from tests.factories import World, auth_headers, record_objection
from tests.lists_helpers import actor as lists_actor
from tests.lists_helpers import (
    court_row,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from tests.repair_helpers import apply, old_decision
from tests.test_review import require_review
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.records import current_version
from xinyong.collection.revocation import Facts, reinstated
from xinyong.disclosure import files, reports, retention
from xinyong.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from xinyong.lists.models import EntryStatus, ListEntry, ListEntryEvent, RemovalReason
from xinyong.objections import service as objections
from xinyong.repair import service as repair

PENALTY = "administrative_penalty"
SET_ASIDE = "（2026）闽01行终7号"
TODAY = dt.date(2026, 11, 27)
S = RecordStatus


def _reinstate(
    db: Session, clock: FixedClock, world: World, record_id: int, **overrides: str
) -> RecordVersion:
    values = {
        "ground": "revocation_set_aside",
        "document_number": SET_ASIDE,
        "reason": "复议决定被二审判决撤销",
    }
    values.update(overrides)
    done = revocation.reinstate(db, clock, actor_of(world, "reporter"), record_id, **values)
    return done.version


def _public(db: Session, world: World, clock: FixedClock) -> list[int]:
    company = world.subjects["company"]
    views = files.build_file(db, company, today=clock.today(), public_only=True)
    return [view.id for view in views if view.type_code == PENALTY]


# --- the rule, pure ---------------------------------------------------------------------------


def _facts(**given: object) -> Facts:
    values: dict[str, object] = {
        "status": S.ACTIVE,
        "window": (dt.date(2026, 11, 25), dt.date(2029, 11, 25)),
        "review_pending": False,
        "status_before_objection": S.ACTIVE,
        "objection": None,
        "withdrawn_on": None,
        "status_before_repair": None,
        "recomputed_window": None,
        "review_for_resubmission": False,
        "today": TODAY,
    }
    values.update(given)
    return Facts(**values)  # type: ignore[arg-type]


WINDOW = (dt.date(2026, 11, 25), dt.date(2029, 11, 25))
ENDED = (dt.date(2023, 1, 5), dt.date(2026, 1, 5))


@pytest.mark.parametrize(
    ("given", "status", "window"),
    [
        # Nothing happened meanwhile: the status and window before the revocation.
        ({}, S.ACTIVE, WINDOW),
        ({"status": S.CORRECTED}, S.CORRECTED, WINDOW),
        ({"status": S.EXPIRED, "window": ENDED}, S.EXPIRED, ENDED),
        ({"status": S.ACTIVE, "window": (None, None)}, S.ACTIVE, (None, None)),
        # The window ended while it was revoked: ordinary expiry.
        ({"window": ENDED}, S.EXPIRED, ENDED),
        ({"status": S.CORRECTED, "window": ENDED}, S.EXPIRED, ENDED),
        # The objection open when it was revoked.
        ({"status": S.UNDER_OBJECTION, "objection": "open"}, S.UNDER_OBJECTION, WINDOW),
        (
            {"status": S.UNDER_OBJECTION, "objection": "open", "window": ENDED},
            S.UNDER_OBJECTION,
            ENDED,
        ),
        ({"status": S.UNDER_OBJECTION, "objection": "rejected"}, S.ACTIVE, WINDOW),
        (
            {
                "status": S.UNDER_OBJECTION,
                "objection": "unconfirmed",
                "status_before_objection": S.CORRECTED,
            },
            S.CORRECTED,
            WINDOW,
        ),
        (
            {"status": S.UNDER_OBJECTION, "objection": "rejected", "window": ENDED},
            S.EXPIRED,
            ENDED,
        ),
        ({"status": S.UNDER_OBJECTION, "objection": "corrected"}, S.CORRECTED, WINDOW),
        (
            {
                "status": S.UNDER_OBJECTION,
                "objection": "corrected",
                "recomputed_window": (dt.date(2026, 10, 1), dt.date(2029, 10, 1)),
            },
            S.CORRECTED,
            (dt.date(2026, 10, 1), dt.date(2029, 10, 1)),
        ),
        (
            {
                "status": S.UNDER_OBJECTION,
                "objection": "withdrawn_past_period",
                "withdrawn_on": dt.date(2026, 11, 26),
            },
            S.EXPIRED,
            (WINDOW[0], dt.date(2026, 11, 25)),
        ),
        (
            {"status": S.UNDER_OBJECTION, "objection": "withdrawn_not_public"},
            S.ACTIVE,
            (None, None),
        ),
        # A withdrawal keeps its window even if content changed meanwhile (ingestion).
        (
            {
                "status": S.UNDER_OBJECTION,
                "objection": "withdrawn_not_public",
                "recomputed_window": WINDOW,
            },
            S.ACTIVE,
            (None, None),
        ),
        # Repaired stays repaired, unless the repair was revoked for fraud meanwhile.
        ({"status": S.REPAIRED}, S.REPAIRED, WINDOW),
        ({"status": S.REPAIRED, "window": ENDED}, S.REPAIRED, ENDED),
        ({"status": S.REPAIRED, "status_before_repair": S.ACTIVE}, S.ACTIVE, WINDOW),
        (
            {"status": S.REPAIRED, "status_before_repair": S.ACTIVE, "window": ENDED},
            S.EXPIRED,
            ENDED,
        ),
        # New content meanwhile: its window; an expired record opens again.
        ({"status": S.EXPIRED, "window": ENDED, "recomputed_window": WINDOW}, S.ACTIVE, WINDOW),
    ],
)
def test_the_status_and_window_it_would_have_had(
    given: dict[str, object], status: RecordStatus, window: tuple[object, object]
) -> None:
    after = reinstated(_facts(**given))
    assert (after.status, (after.publicity_start, after.publicity_end)) == (status, window)


_STATUSES = st.sampled_from([S.ACTIVE, S.UNDER_OBJECTION, S.CORRECTED, S.REPAIRED, S.EXPIRED])
_DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2032, 12, 31))
_WINDOWS = st.one_of(
    st.just((None, None)),
    st.tuples(_DAYS, _DAYS).map(lambda pair: (min(pair), max(pair))),
)


@given(
    status=_STATUSES,
    window=_WINDOWS,
    review_pending=st.booleans(),
    before_objection=st.sampled_from([S.ACTIVE, S.CORRECTED, S.EXPIRED]),
    objection=st.sampled_from(
        [
            None,
            "open",
            "rejected",
            "unconfirmed",
            "corrected",
            "withdrawn_past_period",
            "withdrawn_not_public",
        ]
    ),
    withdrawn_on=st.one_of(st.none(), _DAYS),
    before_repair=st.one_of(st.none(), st.sampled_from([S.ACTIVE, S.CORRECTED, S.EXPIRED])),
    recomputed=st.one_of(st.none(), _WINDOWS),
    resubmitted_review=st.booleans(),
    today=_DAYS,
)
def test_a_reinstated_record_is_never_revoked_unreviewed_published_or_stale(
    status: RecordStatus,
    window: tuple[dt.date | None, dt.date | None],
    review_pending: bool,
    before_objection: RecordStatus,
    objection: revocation.ObjectionOutcome | None,
    withdrawn_on: dt.date | None,
    before_repair: RecordStatus | None,
    recomputed: tuple[dt.date | None, dt.date | None] | None,
    resubmitted_review: bool,
    today: dt.date,
) -> None:
    facts = Facts(
        status=status,
        window=window,
        review_pending=review_pending,
        status_before_objection=before_objection,
        objection=objection if status is S.UNDER_OBJECTION else None,
        withdrawn_on=withdrawn_on,
        status_before_repair=before_repair if status is S.REPAIRED else None,
        recomputed_window=recomputed,
        review_for_resubmission=resubmitted_review,
        today=today,
    )
    after = reinstated(facts)
    assert after.status not in (S.REVOKED, S.DELETED)
    # A record waiting for its review before the revocation waits again.
    if review_pending:
        assert after.awaiting_review
    # Under objection only while that objection is open; open, it stays so.
    assert (after.status is S.UNDER_OBJECTION) == (
        status is S.UNDER_OBJECTION and objection in (None, "open")
    )
    # Repaired only when it was and the repair stands.
    assert (after.status is S.REPAIRED) == (status is S.REPAIRED and before_repair is None)
    # No active or corrected record with its window ended: ordinary expiry applied.
    if after.status in (S.ACTIVE, S.CORRECTED) and after.publicity_end is not None:
        assert after.publicity_end >= today
    # The window is one the record had, or its new content's, or a withdrawal's.
    start, end = after.publicity_start, after.publicity_end
    if start is not None and end is not None:
        assert start <= end or objection == "withdrawn_past_period"
    # Withdrawn as not to be public: no window, whatever the content.
    if status is S.UNDER_OBJECTION and objection == "withdrawn_not_public":
        assert (start, end) == (None, None)


# --- the service ------------------------------------------------------------------------------


def test_a_reinstated_record_is_public_again_with_its_window_and_an_audit_event(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    window = (record.publicity_start, record.publicity_end)
    make_query_item(db, clock, world)
    querier = actor_of(world, "querier")
    company = world.subjects["company"]
    theirs = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    revoke_record(db, clock, world, record.id)
    assert _public(db, world, clock) == []

    version = _reinstate(db, clock, world, record.id)
    assert record.status is S.ACTIVE
    assert (record.publicity_start, record.publicity_end) == window
    assert (version.version_no, version.status, version.reason) == (
        3,
        S.ACTIVE,
        "reinstated by source (revocation_set_aside)",
    )
    assert version.reason_detail == f"{SET_ASIDE}: 复议决定被二审判决撤销"
    assert version.source_organisation_id == world.organisations["regulator"].id
    assert version.actor == actor_of(world, "reporter").audit().id
    assert (version.publicity_start, version.publicity_end) == window
    # Content unchanged.
    assert version.payload == db.scalar(
        select(RecordVersion.payload).where(
            RecordVersion.record_id == record.id, RecordVersion.version_no == 1
        )
    )
    assert _public(db, world, clock) == [record.id]
    # The report contents deleted at the revocation stay deleted.
    with pytest.raises(Gone) as gone:
        reports.reopen(db, clock, querier, theirs.report.number)
    assert gone.value.details["reason"] == retention.REMOVED_RECORD_REVOKED
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "record.reinstate"))
    assert event is not None
    assert event.details == {
        "ground": "revocation_set_aside",
        "document_number": SET_ASIDE,
        "status_before": "revoked",
        "status_after": "active",
        "version": 3,
        "revocation_version": 2,
        "awaiting_review": False,
        "list_entries_restored": [],
    }
    # It can be revoked again, and reinstated again.
    revoke_record(db, clock, world, record.id)
    again = _reinstate(db, clock, world, record.id, ground="revoked_in_error", document_number="")
    assert again.reason_detail == "复议决定被二审判决撤销"
    assert record.status is S.ACTIVE


def test_refusals(db: Session, clock: FixedClock, disclosure_world: World) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    with pytest.raises(Conflict) as active:
        _reinstate(db, clock, world, record.id)
    assert (active.value.code, active.value.field, active.value.article) == (
        "not_revoked",
        "record",
        "Art. 12",
    )
    revoke_record(db, clock, world, record.id)
    values = {"ground": "revoked_in_error", "document_number": "", "reason": "撤错了记录"}
    with pytest.raises(PermissionDenied) as other:
        revocation.reinstate(db, clock, actor_of(world, "other_reporter"), record.id, **values)
    assert (other.value.code, other.value.article) == ("not_source", "Art. 12")
    for username in ("caseofficer", "company", "security", "objections"):
        with pytest.raises(PermissionDenied):
            revocation.reinstate(db, clock, actor_of(world, username), record.id, **values)
    with pytest.raises(NotFound):
        _reinstate(db, clock, world, 10**9)
    with pytest.raises(InvalidInput) as ground:
        _reinstate(db, clock, world, record.id, ground="court")
    assert (ground.value.code, ground.value.field) == ("invalid_choice", "ground")
    with pytest.raises(InvalidInput) as number:
        _reinstate(db, clock, world, record.id, document_number="  ")
    assert (number.value.code, number.value.field) == ("required", "document_number")
    with pytest.raises(InvalidInput) as long_number:
        _reinstate(
            db, clock, world, record.id, ground="revoked_in_error", document_number="号" * 101
        )
    assert (long_number.value.code, long_number.value.field) == ("too_long", "document_number")
    with pytest.raises(InvalidInput) as reason:
        _reinstate(db, clock, world, record.id, reason=" ")
    assert (reason.value.code, reason.value.field) == ("required", "reason")
    with pytest.raises(InvalidInput) as long_reason:
        _reinstate(db, clock, world, record.id, reason="x" * 5001)
    assert (long_reason.value.code, long_reason.value.field) == ("too_long", "reason")
    assert record.status is S.REVOKED
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "record.reinstate")) is None


def test_an_objection_open_at_the_revocation(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Still open: under objection. Rejected meanwhile: its status before the objection.
    Corrected meanwhile: corrected, with the window of the corrected date."""
    world = disclosure_world
    handler = actor_of(world, "objections")
    reporter = actor_of(world, "reporter")

    still_open = company_penalty(db, clock, world)
    open_objection = record_objection(db, clock, world, still_open.id)
    revoke_record(db, clock, world, still_open.id)
    _reinstate(db, clock, world, still_open.id)
    assert still_open.status is S.UNDER_OBJECTION
    # Decided after the reinstatement, the objection returns the record to where it was
    # before it — not to the revocation undone meanwhile.
    objections.decide(db, clock, handler, open_objection.id, outcome="rejected", reasons="依据充分")
    assert still_open.status is S.ACTIVE
    assert _public(db, world, clock).count(still_open.id) == 1
    withdrawn = company_penalty(db, clock, world)
    hidden = record_objection(db, clock, world, withdrawn.id, ground="should_not_be_public")
    revoke_record(db, clock, world, withdrawn.id)
    _reinstate(db, clock, world, withdrawn.id)
    objections.decide(db, clock, handler, hidden.id, outcome="upheld", reasons="不应公示")
    objections.withdraw(db, clock, reporter, hidden.id, note="不予公示")
    assert withdrawn.status is S.ACTIVE
    assert _public(db, world, clock).count(withdrawn.id) == 0

    rejected = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, rejected.id)
    revoke_record(db, clock, world, rejected.id)
    objections.decide(db, clock, handler, objection.id, outcome="rejected", reasons="依据充分")
    assert rejected.status is S.REVOKED
    _reinstate(db, clock, world, rejected.id)
    assert rejected.status is S.ACTIVE

    corrected = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, corrected.id)
    revoke_record(db, clock, world, corrected.id)
    revoked_window = (corrected.publicity_start, corrected.publicity_end)
    objections.decide(db, clock, handler, objection.id, outcome="upheld", reasons="日期有误")
    earlier = dt.date(2026, 11, 2)
    objections.correct(
        db,
        clock,
        reporter,
        objection.id,
        values={"decision_date": earlier.isoformat()},
        note="决定日期更正",
    )
    assert corrected.status is S.REVOKED
    assert (corrected.publicity_start, corrected.publicity_end) == revoked_window
    _reinstate(db, clock, world, corrected.id)
    assert corrected.status is S.CORRECTED
    assert corrected.publicity_start == earlier
    assert corrected.publicity_end is not None
    assert corrected.publicity_end > clock.today()
    assert _public(db, world, clock).count(corrected.id) == 1


def test_an_objection_withdrawn_while_revoked(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Withdrawn "past its period": expired, the window ended before the withdrawal.
    Withdrawn as not to be public: no window; neither is public again."""
    world = disclosure_world
    handler = actor_of(world, "objections")
    reporter = actor_of(world, "reporter")
    for ground, status in (
        ("past_publicity_period", S.EXPIRED),
        ("should_not_be_public", S.ACTIVE),
    ):
        record = company_penalty(db, clock, world)
        objection = record_objection(db, clock, world, record.id, ground=ground)
        revoke_record(db, clock, world, record.id)
        objections.forward(db, clock, handler, objection.id, note="")
        objections.withdraw(db, clock, reporter, objection.id, note="撤下公示")
        assert record.status is S.REVOKED
        clock.advance(dt.timedelta(days=2))
        _reinstate(db, clock, world, record.id)
        assert record.status is status
        if status is S.EXPIRED:
            assert record.publicity_end == clock.today() - dt.timedelta(days=3)
        else:
            assert (record.publicity_start, record.publicity_end) == (None, None)
        assert record.id not in _public(db, world, clock)


def test_a_repair(db: Session, clock: FixedClock, disclosure_world: World) -> None:
    """Repaired before the revocation: repaired again. Its repair revoked for fraud while
    the record was revoked: the status before the repair."""
    world = disclosure_world
    handler = actor_of(world, "objections")
    source = actor_of(world, "caseofficer")
    outcomes = []
    for fraud in (False, True):
        record = company_penalty(db, clock, world, decision_date=old_decision(clock))
        case = apply(db, clock, world, record.id)
        repair.feedback(db, clock, handler, case.id, accept=True, reasons="")
        repair.decide(db, clock, source, case.id, approve=True, reasons="整改到位")
        revoke_record(db, clock, world, record.id)
        if fraud:
            repair.fraud(db, clock, source, case.id, reasons="整改材料系伪造")
        _reinstate(db, clock, world, record.id)
        outcomes.append(record.status)
    assert outcomes[0] is S.REPAIRED
    assert outcomes[1] in (S.ACTIVE, S.EXPIRED)


def test_content_resubmitted_while_revoked_gets_its_window(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    number = current_version(db, record).payload["decision_number"]
    revoke_record(db, clock, world, record.id)
    earlier = dt.date(2026, 11, 4)
    row = penalty_row(world, decision_number=number, decision_date=earlier.isoformat())
    ingest(db, clock, world.organisations["regulator"], [row])
    db.refresh(record)
    assert record.status is S.REVOKED
    version = _reinstate(db, clock, world, record.id)
    assert record.status is S.ACTIVE
    assert record.publicity_start == earlier
    assert version.payload["decision_date"] == earlier.isoformat()
    assert record.id in _public(db, world, clock)


def test_a_record_waiting_for_its_review_waits_again(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Never published by the reinstatement: it goes back into the review queue."""
    world = disclosure_world
    require_review(db, clock, world)
    record = company_penalty(db, clock, world)
    assert record.awaiting_review is True
    revoke_record(db, clock, world, record.id)
    revoking = current_version(db, record)
    assert revoking.review_pending_when_revoked is True
    assert record.awaiting_review is False
    _reinstate(db, clock, world, record.id)
    assert (record.status, record.awaiting_review) == (S.ACTIVE, True)
    assert record.id not in _public(db, world, clock)
    # A revoking version that says nothing (none does since migration 0035) waits too.
    other = company_penalty(db, clock, world)
    revoke_record(db, clock, world, other.id)
    current_version(db, other).review_pending_when_revoked = None
    _reinstate(db, clock, world, other.id)
    assert other.awaiting_review is True


def test_a_list_entry_the_revocation_removed_is_published_again(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    ingest_court(db, clock, world, [court_row(world, company)])
    entry = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()
    assert entry.source_record_id is not None
    court = lists_actor(world, "court_reporter")
    record_id = entry.source_record_id
    revocation.revoke(
        db,
        clock,
        court,
        record_id,
        ground="withdrawn",
        document_number="(2026)闽01执异12号",
        reason="原失信决定被撤销",
    )
    assert (entry.status, entry.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.RECORD_REVOKED,
    )
    revocation.reinstate(
        db,
        clock,
        court,
        record_id,
        ground="revocation_set_aside",
        document_number="(2026)闽执复3号",
        reason="撤销决定已被上级法院撤销",
    )
    assert (entry.status, entry.removal_reason, entry.ended_at) == (
        EntryStatus.PUBLISHED,
        None,
        None,
    )
    events = db.scalars(
        select(ListEntryEvent.action).where(ListEntryEvent.entry_id == entry.id)
    ).all()
    assert events[-1] == "restored"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "record.reinstate"))
    assert event is not None
    assert event.details["list_entries_restored"] == [entry.id]
    record = db.get(CreditRecord, record_id)
    assert record is not None
    assert record.status is S.ACTIVE


# --- API and page -----------------------------------------------------------------------------


def test_the_api_reinstates(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    revoke_record(db, clock, world, record.id)
    record_id = record.id
    db.commit()
    reporter = auth_headers(client, "reporter")
    shown = client.get(f"/api/v1/records/{record_id}", headers=reporter).json()
    assert (shown["status"], shown["revocable"], shown["reinstatable"]) == (
        "revoked",
        False,
        True,
    )
    body = {"ground": "revocation_set_aside", "document_number": "", "reason": "二审撤销"}
    missing = client.post(f"/api/v1/records/{record_id}/reinstate", json=body, headers=reporter)
    assert error_of(missing)[:2] == (422, "required")
    assert missing.json()["error"]["field"] == "document_number"
    other = auth_headers(client, "other_reporter")
    body["document_number"] = SET_ASIDE
    refused = client.post(f"/api/v1/records/{record_id}/reinstate", json=body, headers=other)
    assert error_of(refused) == (403, "not_source", "Art. 12")
    done = client.post(f"/api/v1/records/{record_id}/reinstate", json=body, headers=reporter)
    assert done.status_code == 200, done.text
    assert done.json() == {
        "record_id": record_id,
        "version": 3,
        "status": "active",
        "awaiting_review": False,
        "list_entries_restored": [],
    }
    again = client.post(f"/api/v1/records/{record_id}/reinstate", json=body, headers=reporter)
    assert error_of(again) == (409, "not_revoked", "Art. 12")
    code = world.subjects["company"].uscc
    public = client.get(f"/api/v1/subjects/{code}/public").json()["items"]
    assert record_id in [item["id"] for item in public]


def test_the_page_shows_the_reinstatement_form_for_a_revoked_record(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    from tests.page_helpers import HTML, csrf_from, log_in

    record = company_penalty(db, clock, disclosure_world)
    record_id = record.id
    db.commit()
    log_in(client, "reporter")
    page = client.get(f"/records/{record_id}", headers=HTML)
    assert f'action="/records/{record_id}/reinstate"' not in page.text
    form = {"ground": "withdrawn", "document_number": "榕市监撤〔2026〕3号", "reason": "自行撤销"}
    revoked = client.post(
        f"/records/{record_id}/revoke",
        data={**form, "csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert revoked.status_code == 200, revoked.text
    assert f'action="/records/{record_id}/reinstate"' in revoked.text
    token = csrf_from(revoked.text)
    refused = client.post(
        f"/records/{record_id}/reinstate",
        data={"ground": "revocation_set_aside", "reason": "撤销决定被撤销", "csrf_token": token},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="required"' in refused.text
    status = select(CreditRecord.status).where(CreditRecord.id == record_id)
    assert db.scalar(status) is S.REVOKED
    done = client.post(
        f"/records/{record_id}/reinstate",
        data={"ground": "revoked_in_error", "reason": "撤错了记录", "csrf_token": token},
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    assert 'data-done="reinstated"' in done.text
    assert f'action="/records/{record_id}/reinstate"' not in done.text
    assert f'action="/records/{record_id}/revoke"' in done.text
    assert "来源单位恢复：撤销有误" in done.text
    # Report contents deleted at the revocation stay deleted: the page says so.
    assert "撤销时已删除的报告内容不会恢复" in revoked.text
