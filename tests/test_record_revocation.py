"""A source revokes a record it submitted (decision 0028): the version and its effects
(not public, shared or used; list entries removed; reports issued to others closed), the
refusals, an open objection or repair, a changed re-submission, and the API."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
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
    ANNULMENT,
    ITEM,
    MATTER_CODE,
    access_events,
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
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.collection.records import current_version
from xinyong.disclosure import files, reports, retention
from xinyong.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import eligibility
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason
from xinyong.objections import service as objections
from xinyong.repair import service as repair

PENALTY = "administrative_penalty"


def _penalties(views: list[files.RecordView]) -> list[files.RecordView]:
    return [view for view in views if view.type_code == PENALTY]


def test_a_revoked_record_is_no_longer_public_shared_or_used(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world)
    make_query_item(db, clock, world)
    querier = actor_of(world, "querier")
    theirs = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    own = reports.issue(db, clock, actor_of(world, "company"), company)
    assert _penalties(files.build_file(db, company, today=clock.today(), public_only=True))

    revoke_record(db, clock, world, record.id)
    assert record.status is RecordStatus.REVOKED
    version = current_version(db, record)
    assert (version.version_no, version.status, version.reason) == (
        2,
        RecordStatus.REVOKED,
        "revoked by source (reconsideration)",
    )
    assert version.reason_detail == f"{ANNULMENT}: 原处罚决定被撤销"
    assert version.source_organisation_id == world.organisations["regulator"].id
    assert version.actor == actor_of(world, "reporter").audit().id
    assert record.publicity_end == clock.today() - dt.timedelta(days=1)
    assert record.awaiting_review is False
    # Not public, not shared (not even as of a day before), not used.
    today = clock.today()
    assert _penalties(files.build_file(db, company, today=today, public_only=True)) == []
    shared = files.build_file(db, company, today=today, record_type_codes={PENALTY})
    assert _penalties(shared) == []
    (mine,) = _penalties(files.build_file(db, company, today=today))
    assert mine.status == "revoked"
    assert [v.reason for v in mine.history][-1] == "revoked by source (reconsideration)"
    assert eligibility.latest_bad_record(db, company.id, dt.date(2020, 1, 1)) is None
    # Reports issued to others that may show it no longer open; the subject's own does.
    with pytest.raises(Gone) as gone:
        reports.reopen(db, clock, querier, theirs.report.number)
    assert gone.value.details["reason"] == retention.REMOVED_RECORD_REVOKED
    assert reports.reopen(db, clock, actor_of(world, "company"), own.report.number)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "record.revoke"))
    assert event is not None
    assert event.details["ground"] == "reconsideration"
    assert event.details["report_contents_removed"] == 1


def test_refusals(db: Session, clock: FixedClock, disclosure_world: World) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    values = {"ground": "court", "document_number": ANNULMENT, "reason": "判决撤销"}
    with pytest.raises(PermissionDenied) as other:
        revocation.revoke(db, clock, actor_of(world, "other_reporter"), record.id, **values)
    assert (other.value.code, other.value.article) == ("not_source", "Art. 12")
    for username in ("caseofficer", "company", "security"):
        with pytest.raises(PermissionDenied):
            revocation.revoke(db, clock, actor_of(world, username), record.id, **values)
    with pytest.raises(NotFound):
        revocation.revoke(db, clock, actor_of(world, "reporter"), 10**9, **values)
    with pytest.raises(InvalidInput) as ground:
        revoke_record(db, clock, world, record.id, ground="mistake")
    assert (ground.value.code, ground.value.field) == ("invalid_choice", "ground")
    with pytest.raises(InvalidInput) as number:
        revoke_record(db, clock, world, record.id, document_number="  ")
    assert (number.value.code, number.value.field) == ("required", "document_number")
    assert record.status is RecordStatus.ACTIVE
    revoke_record(db, clock, world, record.id)
    with pytest.raises(Conflict) as again:
        revoke_record(db, clock, world, record.id)
    assert again.value.code == "already_revoked"
    deleted = company_penalty(db, clock, world)
    deleted.status = RecordStatus.DELETED
    with pytest.raises(Conflict) as gone:
        revoke_record(db, clock, world, deleted.id)
    assert gone.value.code == "record_not_revocable"


def test_an_open_objection_or_repair_does_not_bring_a_revoked_record_back(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Revoking is allowed under objection; rejecting the objection later returns the
    record to its status before — revoked. A repair revoked for fraud does not restore it."""
    world = disclosure_world
    objected = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, objected.id)
    revoke_record(db, clock, world, objected.id, ground="withdrawn")
    assert objected.status is RecordStatus.REVOKED
    handler = actor_of(world, "objections")
    objections.decide(db, clock, handler, objection.id, outcome="rejected", reasons="处罚依据充分")
    assert objected.status is RecordStatus.REVOKED

    repaired = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, repaired.id)
    repair.feedback(db, clock, handler, case.id, accept=True, reasons="")
    source = actor_of(world, "caseofficer")
    repair.decide(db, clock, source, case.id, approve=True, reasons="整改到位")
    revoke_record(db, clock, world, repaired.id, ground="court")
    repair.fraud(db, clock, source, case.id, reasons="整改材料系伪造")
    assert repaired.status is RecordStatus.REVOKED


def test_a_changed_resubmission_keeps_a_revoked_record_revoked(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    number = current_version(db, record).payload["decision_number"]
    revoke_record(db, clock, world, record.id)
    window = (record.publicity_start, record.publicity_end)
    row = penalty_row(world, decision_number=number, fine_amount="1.2")
    report = ingest(db, clock, world.organisations["regulator"], [row])
    assert (report.batch.updated, report.batch.awaiting_review) == (1, 0)
    db.refresh(record)
    assert record.status is RecordStatus.REVOKED
    assert (record.publicity_start, record.publicity_end) == window
    assert record.awaiting_review is False
    version = current_version(db, record)
    assert (version.version_no, version.status, version.reason) == (
        3,
        RecordStatus.REVOKED,
        "updated by source",
    )
    assert version.payload["fine_amount"] == "1.2"
    # The new version carries the ended window too (decision 0025), as does the revoking one.
    assert (version.publicity_start, version.publicity_end) == window


def test_a_list_entry_resting_on_the_record_is_removed(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """A court judgment defaulter's entry rests on the court's record: revoked, the entry
    leaves the list; a later changed row from the court does not bring it back."""
    world = lists_world
    company = world.subjects["company"]
    row = court_row(world, company)
    ingest_court(db, clock, world, [row])
    entry = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()
    assert entry.status is EntryStatus.PUBLISHED
    assert entry.source_record_id is not None
    court = lists_actor(world, "court_reporter")
    revocation.revoke(
        db,
        clock,
        court,
        entry.source_record_id,
        ground="withdrawn",
        document_number="(2026)闽01执异12号",
        reason="原失信决定被撤销",
    )
    assert (entry.status, entry.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.RECORD_REVOKED,
    )
    ingest_court(db, clock, world, [{**row, "obligation": "支付货款人民币十万元"}])
    record = db.get(CreditRecord, entry.source_record_id)
    assert record is not None
    db.refresh(record)
    db.refresh(entry)
    assert record.status is RecordStatus.REVOKED
    assert entry.status is EntryStatus.REMOVED
    assert len(db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).all()) == 1


def test_the_api_revokes_and_shows_the_record_to_its_source(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    reporter = auth_headers(client, "reporter")
    number = current_version(db, record).payload["decision_number"]
    found = client.get("/api/v1/records", params={"number": number}, headers=reporter).json()
    assert [item["id"] for item in found["items"]] == [record.id]
    # A whole part of the key only, and only the caller's unit's records.
    partial = client.get("/api/v1/records", params={"number": number[1:]}, headers=reporter)
    assert partial.json()["items"] == []
    other_unit = auth_headers(client, "other_reporter")
    elsewhere = client.get("/api/v1/records", params={"number": number}, headers=other_unit)
    assert elsewhere.json()["items"] == []
    body = {"ground": "court", "document_number": ANNULMENT, "reason": "行政判决撤销原处罚决定"}
    shown = client.get(f"/api/v1/records/{record.id}", headers=reporter)
    assert shown.status_code == 200, shown.text
    assert (shown.json()["status"], shown.json()["revocable"]) == ("active", True)
    # The source's read is in the subject's access log (Art. 24).
    assert [e.what for e in access_events(db, world.subjects["company"].id)][-1] == (
        "source_record"
    )
    refused = client.post(f"/api/v1/records/{record.id}/revoke", json=body, headers=other_unit)
    assert error_of(refused) == (403, "not_source", "Art. 12")
    done = client.post(f"/api/v1/records/{record.id}/revoke", json=body, headers=reporter)
    assert done.status_code == 200, done.text
    assert done.json() == {"record_id": record.id, "version": 2, "status": "revoked"}
    again = client.post(f"/api/v1/records/{record.id}/revoke", json=body, headers=reporter)
    assert error_of(again)[:2] == (409, "already_revoked")
    # The subject sees the change, its source and reason in its file's history.
    code = world.subjects["company"].public_code
    mine = client.get(f"/api/v1/subjects/{code}/file", headers=auth_headers(client, "company"))
    assert mine.status_code == 200, mine.text
    (item,) = [r for r in mine.json()["items"] if r["id"] == record.id]
    last = item["history"][-1]
    assert (last["status"], last["reason"]) == ("revoked", "revoked by source (court)")
    assert last["source"]["name"] == world.organisations["regulator"].name
    assert ANNULMENT in last["detail"]


def test_another_units_read_of_a_record_is_refused_as_a_read(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Another unit's data reporter opening the record (the API, the page): 403 not_source
    (Art. 12), saying that reading it here is the source's, not revoking it. Staff are told
    403, not a concealed 404 (decision 0007: concealment is for another subject's objects)."""
    from tests.page_helpers import HTML, log_in

    record = company_penalty(db, clock, disclosure_world)
    db.commit()
    refused = client.get(
        f"/api/v1/records/{record.id}", headers=auth_headers(client, "other_reporter")
    )
    assert error_of(refused) == (403, "not_source", "Art. 12")
    message = refused.json()["error"]["message"]
    assert "reads it" in message
    assert "revoke" not in message
    log_in(client, "other_reporter")
    for lang, said, unsaid in (("zh_Hans", "查看", "撤销"), ("en", "reads it here", "revokes")):
        page = client.get(f"/records/{record.id}?lang={lang}", headers=HTML)
        assert page.status_code == 403
        shown = page.text[page.text.index('class="error-message"') :]
        shown = shown[: shown.index("</p>")]
        assert said in shown, lang
        assert unsaid not in shown, lang


def test_the_page_shows_a_refused_revocation_beside_the_form(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """No document number: the form again with the code, nothing written; then revoked,
    the form is gone and the history names the ground in the page's language."""
    from tests.page_helpers import HTML, csrf_from, log_in

    record_id = company_penalty(db, clock, disclosure_world).id
    db.commit()
    log_in(client, "reporter")
    page = client.get(f"/records/{record_id}", headers=HTML)
    assert page.status_code == 200, page.text
    form = {"ground": "withdrawn", "reason": "本机关自行撤销", "csrf_token": csrf_from(page.text)}
    refused = client.post(f"/records/{record_id}/revoke", data=form, headers=HTML)
    assert refused.status_code == 422
    assert 'data-code="required"' in refused.text
    status = select(CreditRecord.status).where(CreditRecord.id == record_id)
    assert db.scalar(status) is RecordStatus.ACTIVE
    done = client.post(
        f"/records/{record_id}/revoke",
        data={**form, "document_number": "榕市监撤〔2026〕3号"},
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    assert 'data-done="revoked"' in done.text
    assert f'action="/records/{record_id}/revoke"' not in done.text
    assert "来源单位撤销：作出决定的机关自行撤销或撤回" in done.text
