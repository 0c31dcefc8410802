"""Retention (rules.md; decision 0018): negative market credit information is kept 5 years
after the conduct ends, then deleted — the content of every version erased, a tombstone of
dates and reasons left for the subject (Art. 24) — and issued reports' kept contents are
deleted when they may no longer be opened again. Service, API, pages and the daily job.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    problems_of,
    subject_row,
    tables_containing,
)
from tests.disclosure_helpers import (
    CONTRACT,
    ITEM,
    MATTER_CODE,
    Tokens,
    _guarded,
    actor_of,
    authorise,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    give_consent,
    issued_on_every_authorisation,
    make_query_item,
    refusal_of,
    versions_of,
)
from tests.factories import World
from tests.page_helpers import HTML, log_in
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition, loosenings
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import access, reports, retention
from xinyong.disclosure.files import build_file
from xinyong.disclosure.models import CreditReport, CreditReportFile
from xinyong.errors import Gone

API = "/api/v1"
BREACH = "FZB-RET-0001"
DESCRIPTION = "保存期限测试：贷款逾期未还"


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=CHINA)


def breach(
    db: Session,
    clock: FixedClock,
    world: World,
    *,
    resolved: dt.date | None,
    contract_number: str = BREACH,
) -> CreditRecord:
    """A contract breach about the person reported by the bank (with the person's consent),
    decided ten days before the clock's today; the same contract again is a new version."""
    person = world.subjects["person"]
    give_consent(db, clock, world, subject="person", grantee="bank", code=CONTRACT)
    row = {
        **subject_row(person.name, citizen_id=citizen_id_of(person)),
        "contract_number": contract_number,
        "breach_description": DESCRIPTION,
        "breach_date": (clock.today() - dt.timedelta(days=10)).isoformat(),
        "amount_owed": "1.2",
        "counterparty": world.organisations["bank"].name,
    }
    if resolved is not None:
        row["resolved_on"] = resolved.isoformat()
    report = ingest(db, clock, world.organisations["bank"], [row], record_type=CONTRACT)
    assert problems_of(report) == [], problems_of(report)
    db.commit()
    record = db.scalar(
        select(CreditRecord)
        .where(CreditRecord.natural_key.endswith("|" + contract_number))
        .execution_options(populate_existing=True)
    )
    assert record is not None
    return record


def run_job(db: Session, clock: FixedClock, **options: int) -> retention.DeletedRecords:
    done = retention.delete_past_retention(db, clock, **options)
    db.commit()
    return done


def deleted(db: Session) -> list[int]:
    return list(
        db.scalars(select(CreditRecord.id).where(CreditRecord.status == RecordStatus.DELETED))
    )


# --- when the period ends ---------------------------------------------------------------------


def test_the_period_counts_from_the_end_of_the_conduct_and_the_record_goes_the_day_after(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    resolved = clock.today() - dt.timedelta(days=2)
    record = breach(db, clock, world, resolved=resolved)
    last_day = dt.date(resolved.year + 5, resolved.month, resolved.day)

    clock.set(at(last_day))
    assert run_job(db, clock).records == 0
    assert deleted(db) == []

    clock.set(at(last_day + dt.timedelta(days=1)))
    done = run_job(db, clock)
    assert (done.records, dict(done.by_type), done.resume) == (1, {CONTRACT: 1}, None)
    db.refresh(record)
    assert record.status is RecordStatus.DELETED
    assert (record.conduct_ended_on, record.retained_until) == (resolved, last_day)
    # A second run finds nothing more.
    assert run_job(db, clock).records == 0


def test_a_record_without_an_end_date_counts_from_its_decision_date(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    record = breach(db, clock, disclosure_world, resolved=None)
    decided = record.decision_date
    clock.set(at(dt.date(decided.year + 5, decided.month, decided.day) + dt.timedelta(days=1)))
    assert run_job(db, clock).records == 1
    db.refresh(record)
    assert record.conduct_ended_on == decided


def test_an_end_before_the_decision_counts_from_the_decision(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Ingestion refuses an end before the decision (``not_before``); a record stored before
    that check, or a value that is no date, still counts from the decision."""
    today = clock.today()
    record = breach(db, clock, disclosure_world, resolved=None)
    assert record.decision_date == today - dt.timedelta(days=10)
    definition = catalog.effective_rule(db, CONTRACT).definition
    ended = definition.conduct_ended_on(record.decision_date, {"resolved_on": "2020-01-01"})
    assert ended == record.decision_date
    assert definition.conduct_ended_on(record.decision_date, {"resolved_on": "not a date"}) == (
        record.decision_date
    )


# --- what is erased, what stays ---------------------------------------------------------------


def test_deletion_erases_every_versions_content_and_leaves_a_tombstone(
    disclosure_world: World, db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    resolved = clock.today()
    record = breach(db, clock, world, resolved=None)
    # A second version from the source: the breach corrected.
    breach(db, clock, world, resolved=resolved)
    before = versions_of(db, record.id)
    assert len(before) == 2
    assert before[0].sensitive_ciphertext  # the person's ID number, encrypted
    assert tables_containing(db, BREACH)
    assert tables_containing(db, DESCRIPTION)

    clock.set(at(dt.date(resolved.year + 6, 1, 10)))
    run_job(db, clock)

    after = versions_of(db, record.id)
    assert [(v.version_no, v.reason, v.status) for v in after] == [
        (1, "created by source", RecordStatus.ACTIVE),
        (2, "updated by source", RecordStatus.ACTIVE),
        (3, retention.REASON_DELETED, RecordStatus.DELETED),
    ]
    for version in after:
        assert (version.payload, version.sensitive_ciphertext, version.payload_hash) == (
            {},
            None,
            "",
        )
    assert after[0].created_at == before[0].created_at
    assert after[0].source_organisation_id == before[0].source_organisation_id
    # The dates stay, the tombstone's too (decision 0025).
    dates = [(v.decision_date, v.severity, v.publicity_start, v.publicity_end) for v in after]
    assert dates == [(record.decision_date, record.severity, None, None)] * 3
    assert after[2].reason_detail == (
        f"kept 5 years after the conduct ended on {resolved.isoformat()}, until "
        f"{dt.date(resolved.year + 5, resolved.month, resolved.day).isoformat()} "
        "(征信业管理条例 Art. 16)"
    )
    db.refresh(record)
    assert (record.natural_key, record.payload_hash) == (f"deleted:{record.id}", "")
    assert record.current_version_no == 3
    # The content is nowhere in the database any more, in clear.
    assert tables_containing(db, BREACH) == []
    assert tables_containing(db, DESCRIPTION) == []
    # It leaves the file, on every day asked for.
    assert [v.id for v in build_file(db, person, today=clock.today())] == []
    assert build_file(db, person, today=clock.today(), as_of=resolved) == []
    # The audit chain is whole, and says what the job deleted, without content.
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "job.retention_deleted"))
    assert event.details["record_ids"] == [record.id]
    assert event.details["record_types"] == {CONTRACT: 1}
    assert audit.verify(db).ok


def test_the_subject_sees_the_tombstone_with_its_history(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    record = breach(db, clock, world, resolved=clock.today())
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    run_job(db, clock)
    (tombstone,) = retention.deleted_records(db, world.subjects["person"])
    body = tombstone.as_dict()
    assert (body["id"], body["type"], body["status"]) == (record.id, CONTRACT, "deleted")
    assert body["source"]["code"] == world.organisations["bank"].code
    assert body["decision_date"] == record.decision_date.isoformat()
    assert [h["reason"] for h in body["history"]] == [
        "created by source",
        retention.REASON_DELETED,
    ]
    assert "content" not in body
    assert retention.deleted_records(db, world.subjects["company"]) == []


def test_records_are_taken_a_bounded_number_at_a_time(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    ids = [
        breach(db, clock, world, resolved=None, contract_number=f"FZB-RET-{n}").id for n in range(3)
    ]
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    first = run_job(db, clock, limit=2)
    assert first.records == 2
    assert first.resume is not None
    second = run_job(db, clock, limit=2, start=first.resume)
    assert (second.records, second.resume) == (1, None)
    assert sorted(deleted(db)) == sorted(ids)
    assert (
        len(
            list(db.scalars(select(AuditEvent).where(AuditEvent.action == "job.retention_deleted")))
        )
        == 2
    )


def test_a_deleted_record_leaves_the_queries_and_the_reports(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    breach(db, clock, world, resolved=None)
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    authorise(db, clock, world)
    db.commit()
    run_job(db, clock)
    granted = access.open_file(db, clock, actor_of(world, "analyst"), person)
    assert granted.file(db, clock) == []
    issued = reports.issue(db, clock, actor_of(world, "citizen"), person)
    assert issued.content["sections"]
    assert all(not section["items"] for section in issued.content["sections"])
    assert DESCRIPTION not in issued.body.decode()


# --- the reports that may show a deleted record ---------------------------------------------------


def test_reports_that_may_show_the_record_lose_their_content_with_it(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    citizen = actor_of(world, "citizen")
    earlier = reports.issue(db, clock, citizen, person)  # before the record was received
    db.commit()
    clock.advance(dt.timedelta(minutes=5))
    breach(db, clock, world, resolved=None)
    clock.advance(dt.timedelta(minutes=5))
    showing = reports.issue(db, clock, citizen, person)
    db.commit()
    assert DESCRIPTION in showing.body.decode()

    # Years later the job runs with a period long enough to keep reports' contents.
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    done = run_job(db, clock)
    assert done.report_contents == 1
    rows = {
        r.number: r
        for r in db.scalars(select(CreditReport).execution_options(populate_existing=True))
    }
    gone = rows[showing.report.number]
    assert (gone.content_ciphertext, gone.file_key) == (None, None)
    assert gone.content_removed_reason == retention.REMOVED_RECORD_DELETED
    assert rows[earlier.report.number].content_ciphertext is not None

    with pytest.raises(Gone) as refused:
        reports.reopen(db, clock, citizen, showing.report.number, keep_days=10_000)
    assert (refused.value.code, refused.value.details["reason"]) == (
        "report_content_removed",
        retention.REMOVED_RECORD_DELETED,
    )
    # The query record stays: the number, code and hash still verify the copy issued.
    verified = reports.verify(
        db,
        showing.report.number,
        code=showing.report.verification_code,
        content_sha256=showing.report.content_sha256,
    )
    assert (verified.genuine, verified.content_matches) == (True, True)


# --- issued reports' kept contents --------------------------------------------------------------


def test_a_reports_content_is_kept_for_the_period_then_deleted(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    company_penalty(db, clock, world)
    make_query_item(db, clock, world)
    querier = actor_of(world, "querier")
    company = world.subjects["company"]
    issued = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    db.commit()
    number = issued.report.number
    issued_on = clock.today()

    clock.set(at(issued_on + dt.timedelta(days=90)))
    assert reports.reopen(db, clock, querier, number).body == issued.body
    (listed,) = reports.issued_reports(db, clock, querier)
    assert listed.as_dict()["content_kept_until"] == (issued_on + dt.timedelta(days=90)).isoformat()

    # The day after: gone, even before the job has run.
    clock.set(at(issued_on + dt.timedelta(days=91)))
    with pytest.raises(Gone) as refused:
        reports.reopen(db, clock, querier, number)
    assert (refused.value.code, refused.value.article) == ("report_content_removed", "Art. 4 ¶2")
    (listed,) = reports.issued_reports(db, clock, querier)
    assert listed.as_dict()["can_reopen"] is False
    assert listed.as_dict()["content_removed"] == retention.REMOVED_AFTER_PERIOD
    # A shorter configured period applies at once.
    clock.set(at(issued_on + dt.timedelta(days=11)))
    with pytest.raises(Gone):
        reports.reopen(db, clock, querier, number, keep_days=10)

    clock.set(at(issued_on + dt.timedelta(days=91)))
    done = retention.remove_report_contents(db, clock)
    db.commit()
    assert dict(done.by_reason) == {retention.REMOVED_AFTER_PERIOD: 1}
    row = db.scalar(
        select(CreditReport)
        .where(CreditReport.number == number)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    assert (row.content_ciphertext, row.file_key) == (None, None)
    assert row.content_removed_at is not None
    # The file's part went with its last report.
    assert db.scalar(select(func.count(CreditReportFile.id))) == 0
    (event,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "job.report_contents_removed")
    )
    assert event.details == {
        "reason": retention.REMOVED_AFTER_PERIOD,
        "reports": 1,
        "report_ids": [row.id],
    }
    assert retention.remove_report_contents(db, clock).reports == 0
    assert audit.verify(db).ok


def test_a_file_part_shared_with_a_kept_report_stays(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    company_penalty(db, clock, world)
    make_query_item(db, clock, world)
    querier = actor_of(world, "querier")
    company = world.subjects["company"]
    first = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    db.commit()
    clock.advance(dt.timedelta(days=60))
    second = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    db.commit()
    assert first.report.file_key == second.report.file_key
    clock.advance(dt.timedelta(days=40))
    assert retention.remove_report_contents(db, clock).reports == 1
    db.commit()
    assert db.scalar(select(func.count(CreditReportFile.id))) == 1
    assert reports.reopen(db, clock, querier, second.report.number).body == second.body


def test_a_report_on_an_authorisation_that_ended_loses_its_content(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    contract_breach(db, clock, world)
    granted = authorise(db, clock, world)
    analyst = actor_of(world, "analyst")
    issued = reports.issue(db, clock, analyst, person)
    own = reports.issue(db, clock, actor_of(world, "citizen"), person)
    db.commit()
    assert retention.remove_report_contents(db, clock).reports == 0
    from xinyong.disclosure import authorisations

    authorisations.revoke(db, clock, actor_of(world, "citizen"), granted.id)
    db.commit()
    done = retention.remove_report_contents(db, clock)
    db.commit()
    assert dict(done.by_reason) == {retention.REMOVED_AUTHORISATION_ENDED: 1}
    # The bank is refused as before the job ran, and the refusal is in the subject's log.
    refused = _guarded(db, lambda: reports.reopen(db, clock, analyst, issued.report.number))
    assert refusal_of(refused) == ("no_lawful_path", "Art. 13 ¶3")
    # The subject's own report is not concerned.
    assert reports.reopen(db, clock, actor_of(world, "citizen"), own.report.number)


def test_a_report_issued_on_several_authorisations_loses_its_content_when_one_ends(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Kept only while every authorisation it was issued on is in force, as it opens: the
    one revoked may be the one behind a record type it shows (Art. 13 ¶3)."""
    from xinyong.disclosure import authorisations

    world = disclosure_world
    person = world.subjects["person"]
    contract_breach(db, clock, world)
    housing = authorise(db, clock, world)
    authorise(db, clock, world, record_types=("credit_status",), purpose="信用卡风险定价")
    number = issued_on_every_authorisation(db, clock, world, person)
    assert retention.remove_report_contents(db, clock).reports == 0
    authorisations.revoke(db, clock, actor_of(world, "citizen"), housing.id)
    db.commit()

    done = retention.remove_report_contents(db, clock)
    db.commit()

    assert dict(done.by_reason) == {retention.REMOVED_AUTHORISATION_ENDED: 1}
    report = db.scalars(select(CreditReport).where(CreditReport.number == number)).one()
    assert report.content_removed_reason == retention.REMOVED_AUTHORISATION_ENDED


# --- collection refuses what it would have to delete ---------------------------------------------


def test_a_row_already_past_its_retention_period_is_refused(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    give_consent(db, clock, world, subject="person", grantee="bank", code=CONTRACT)
    row = {
        **subject_row(person.name, citizen_id=citizen_id_of(person)),
        "contract_number": "FZB-OLD-1",
        "breach_description": "多年前的违约",
        "breach_date": "2019-01-10",
        "resolved_on": "2021-11-26",  # kept until 2026-11-26, the day before today
        "counterparty": world.organisations["bank"].name,
    }
    report = ingest(db, clock, world.organisations["bank"], [row], record_type=CONTRACT)
    assert problems_of(report) == [(1, "resolved_on", "past_retention")]
    assert report.problems[0].article == "征信业管理条例 Art. 16"
    row["resolved_on"] = "2021-11-27"  # kept until today
    report = ingest(db, clock, world.organisations["bank"], [row], record_type=CONTRACT)
    assert problems_of(report) == []


def test_a_row_past_its_retention_period_is_refused_without_its_dates(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The problem is kept after the row's content is erased (decision 0021): it names the
    period, not the row's dates."""
    world = disclosure_world
    person = world.subjects["person"]
    give_consent(db, clock, world, subject="person", grantee="bank", code=CONTRACT)
    row = {
        **subject_row(person.name, citizen_id=citizen_id_of(person)),
        "contract_number": "FZB-OLD-2",
        "breach_description": "多年前的违约",
        "breach_date": "2019-01-10",
        "resolved_on": "2021-11-26",
        "counterparty": world.organisations["bank"].name,
    }
    report = ingest(db, clock, world.organisations["bank"], [row], record_type=CONTRACT)
    (problem,) = report.problems
    assert (problem.code, problem.message) == (
        "past_retention",
        "kept 5 years after the conduct ends, and the conduct this row records ended longer "
        "ago than that: it may not be collected now",
    )


def test_a_district_may_shorten_the_period_never_lengthen_it(
    catalog_loaded: Session,
) -> None:
    city = catalog.effective_rule(catalog_loaded, CONTRACT).definition
    assert (city.retention_years, city.conduct_end_field) == (5, "resolved_on")

    def district(**changes: object) -> RecordTypeDefinition:
        return RecordTypeDefinition.model_validate({**city.model_dump(), **changes})

    assert loosenings(city, district(retention_years=3)) == []
    assert loosenings(city, district(conduct_end_field=None)) == []
    assert [p.code for p in loosenings(city, district(retention_years=7))] == [
        "lengthens_retention"
    ]
    assert [
        p.code for p in loosenings(city, district(retention_years=None, conduct_end_field=None))
    ] == ["lengthens_retention"]
    assert [p.code for p in loosenings(city, district(conduct_end_field="breach_date"))] == [
        "changes_conduct_end"
    ]
    with pytest.raises(ValueError, match="declared date field"):
        district(conduct_end_field="counterparty")


# --- API and pages ------------------------------------------------------------------------------


def test_the_api_shows_the_subject_its_deleted_records_and_nobody_else(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    record = breach(db, clock, world, resolved=None)
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    authorise(db, clock, world)
    db.commit()
    run_job(db, clock)
    own = client.get(f"{API}/subjects/{person.reference}/file", headers=tokens("citizen"))
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["items"] == []
    (tombstone,) = body["deleted_records"]
    assert (tombstone["id"], tombstone["status"]) == (record.id, "deleted")
    assert tombstone["history"][-1]["reason"] == retention.REASON_DELETED
    bank = client.get(f"{API}/subjects/{person.reference}/file", headers=tokens("analyst"))
    assert bank.status_code == 200, bank.text
    assert bank.json()["items"] == []
    assert "deleted_records" not in bank.json()


def test_reopening_a_report_past_its_period_answers_410_in_the_api_and_the_pages(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    issued = reports.issue(db, clock, actor_of(world, "citizen"), person)
    db.commit()
    number = issued.report.number
    clock.advance(dt.timedelta(days=91))

    response = client.get(f"{API}/reports/{number}", headers=tokens("citizen"))
    assert error_of(response) == (410, "report_content_removed", "Art. 4 ¶2")
    assert response.json()["error"]["details"]["reason"] == retention.REMOVED_AFTER_PERIOD
    (listed,) = client.get(f"{API}/reports", headers=tokens("citizen")).json()["items"]
    assert (listed["can_reopen"], listed["content_removed"]) == (False, "retention_period")

    log_in(client, "citizen")
    page = client.get(f"/reports/{number}", headers=HTML)
    assert page.status_code == 410
    assert 'data-code="report_content_removed"' in page.text
    assert "本报告的内容已不再保存" in page.text
    listing = client.get("/me/reports", headers=HTML).text
    assert 'data-content-removed="retention_period"' in listing
    assert f'href="/reports/{number}"' not in listing
    assert "已无法再次打开" in listing


def test_the_subjects_page_shows_its_deleted_records(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    record = breach(db, clock, world, resolved=None)
    clock.set(at(dt.date(clock.today().year + 6, 1, 10)))
    run_job(db, clock)
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    assert page.status_code == 200
    assert "保存期满后删除的信息" in page.text
    assert f'data-record="{record.id}"' in page.text
    assert 'data-status="deleted"' in page.text
    assert "征信业管理条例 第十六条" in page.text
    assert DESCRIPTION not in page.text
    english = client.get("/me/credit?lang=en", headers=HTML).text
    assert "Records deleted after their retention period" in english
    assert "Contract performance" in english


def test_both_change_histories_are_the_one_macro() -> None:
    """The live records' history and the tombstones' are one table, ``history_table`` in
    disclosure_macros.html; the tombstone's page only fills in its reason cell."""
    templates = Path(__file__).parent.parent / "src/xinyong/web/templates"
    written = [
        p.name for p in templates.glob("*.html") if 'class="record-history"' in p.read_text()
    ]
    assert written == ["disclosure_macros.html"]
    macros = (templates / "disclosure_macros.html").read_text()
    assert "{{ history_table(item.history, labels) }}" in macros
    assert "history_table(record.history, dlabels)" in (templates / "credit_file.html").read_text()


# --- the daily job ---------------------------------------------------------------------------------


def test_xinyong_jobs_run_deletes_and_says_what(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> None:
    """The real command against its own database, its clock moved on six years."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import OrganisationKind
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.cli import app as cli_app
    from xinyong.cli import jobs
    from xinyong.collection import sources
    from xinyong.config import reset_settings
    from xinyong.db.engine import make_engine
    from xinyong.subjects import service as subjects

    database = tmp_path / "jobs.sqlite3"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{database}")
    reset_settings()
    try:
        assert CliRunner().invoke(cli_app, ["init"]).exit_code == 0
        engine = make_engine(f"sqlite:///{database}")
        then = FixedClock(at(dt.date(2026, 11, 27)))
        with Session(engine, expire_on_commit=False) as session:
            bank = accounts.create_organisation(
                session,
                then,
                SYSTEM_ACTOR,
                code="91350100MB00000434",
                name="福州测试银行",
                kind=OrganisationKind.FINANCIAL_INSTITUTION,
            )
            sources.grant(session, then, SYSTEM_ACTOR, bank, CONTRACT)
            company = subjects.register_organisation(
                session, then, SYSTEM_ACTOR, name="福州测试贸易有限公司", uscc="91350100M000100Y43"
            )
            row = {
                **subject_row(company.name, uscc=company.uscc or ""),
                "contract_number": "FZB-CLI-1",
                "breach_description": "逾期",
                "breach_date": "2026-11-20",
                "resolved_on": "2026-11-25",
                "counterparty": bank.name,
            }
            report = ingest(session, then, bank, [row], record_type=CONTRACT)
            assert problems_of(report) == []
            session.commit()
        # Kept five years after the breach was resolved, to the day; deleted the day after.
        monkeypatch.setattr(jobs, "clock", FixedClock(at(dt.date(2031, 11, 25))))
        result = CliRunner().invoke(cli_app, ["jobs", "run"])
        assert result.exit_code == 0, result.output
        assert "0 records deleted after their retention period;" in result.output
        monkeypatch.setattr(jobs, "clock", FixedClock(at(dt.date(2031, 11, 26))))
        result = CliRunner().invoke(cli_app, ["jobs", "run"])
        assert result.exit_code == 0, result.output
        assert (
            "1 records deleted after their retention period (contract_performance 1)"
            in result.output
        )
        assert "report contents deleted for 0 reports;" in result.output
        with Session(engine) as session:
            assert session.scalar(select(CreditRecord.status)) is RecordStatus.DELETED
            assert audit.verify(session).ok
        engine.dispose()
    finally:
        monkeypatch.delenv("XINYONG_DATABASE_URL")
        monkeypatch.delenv("XINYONG_DATA_DIR")
        reset_settings()


def test_every_reason_a_reports_content_goes_is_told_as_itself() -> None:
    """The recipient opening a report whose content went is told why, with its article, in
    the API and in the pages' language — not the retention period's explanation for all."""
    from xinyong.disclosure.reports import _GONE
    from xinyong.web.pages.disclosure import CONTENT_REMOVED_LABELS

    assert set(_GONE) == set(retention.REMOVAL_REASONS)
    assert set(CONTENT_REMOVED_LABELS) == set(retention.REMOVAL_REASONS)
    messages = [message for message, _ in _GONE.values()]
    assert len(set(messages)) == len(messages)
    assert all(article for _, article in _GONE.values())
