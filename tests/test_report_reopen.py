"""An issued credit report opened again by its number (rules.md "Disclosure"; Art. 24):
exactly the content issued (same number, verification code and hash, verifiable), for its
requester only, without issuing another report or using a free one; each opening audited,
and logged for the subject when the reader is not the subject. Service, API and pages.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    Tokens,
    _guarded,
    access_events,
    actor_of,
    assign,
    authorise,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    issued_on_every_authorisation,
    make_query_item,
    person_penalty,
    refusal_of,
)
from tests.factories import World
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.crypto import default_cipher
from xinyong.disclosure import access, authorisations, query_assignments, reports
from xinyong.disclosure.models import AccessEvent, CreditReport, CreditReportFile, LegalPath
from xinyong.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)

API = "/api/v1"
SESSION_COOKIE = "xinyong_session"
DECISION = "榕市监罚〔2025〕88号"


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


@pytest.fixture
def reopen_world(disclosure_world: World, db: Session, clock: FixedClock) -> World:
    """A penalty about the person (public by law) and one about the company, and the
    regulator's published query item."""
    person_penalty(db, clock, disclosure_world, decision_number=DECISION)
    company_penalty(db, clock, disclosure_world)
    make_query_item(db, clock, disclosure_world)
    db.commit()
    return disclosure_world


def own_report(db: Session, clock: FixedClock, world: World) -> reports.IssuedReport:
    issued = reports.issue(db, clock, actor_of(world, "citizen"), world.subjects["person"])
    db.commit()
    return issued


def queried_report(
    db: Session, clock: FixedClock, world: World, subject: str = "person"
) -> reports.IssuedReport:
    issued = reports.issue(
        db,
        clock,
        actor_of(world, "querier"),
        world.subjects[subject],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )
    db.commit()
    return issued


def report_count(db: Session) -> int:
    return int(db.scalar(select(func.count(CreditReport.id))) or 0)


def audited(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the service --------------------------------------------------------------------------------


def test_the_subject_opens_its_own_report_again_exactly_as_issued(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    person = world.subjects["person"]
    issued = own_report(db, clock, world)
    assert issued.content["free_reports"]["used_this_year"] == 1
    events_before = len(access_events(db, person.id))
    clock.advance(dt.timedelta(minutes=5))

    again = reports.reopen(db, clock, actor_of(world, "citizen"), issued.report.number)
    db.commit()

    # The very document issued: the same bytes, hence number, code and hash.
    assert again.body == issued.body
    assert again.content == json.loads(issued.body)
    assert again.content["verification_code"] == issued.content["verification_code"]
    assert reports.content_hash_of(again.content) == issued.report.content_sha256
    verified = reports.verify(
        db,
        issued.report.number,
        code=str(again.content["verification_code"]),
        content_sha256=reports.content_hash_of(again.content),
    )
    assert (verified.genuine, verified.content_matches) == (True, True)
    # Nothing issued, no free report used, and the subject's own reading is not an entry
    # of its access log (the free count is read from it); it is audited.
    assert report_count(db) == 1
    assert reports.free_reports_used(db, person.id, clock.today().year) == 1
    assert len(access_events(db, person.id)) == events_before
    (event,) = audited(db, "report.reopen")
    assert event.target_id == str(issued.report.id)
    assert event.actor_id == f"user:{world.users['citizen'].id}"
    assert event.details == {"legal_path": "self", "by_subject": True}
    # The next issued report is the second free one: opening again counted for nothing.
    second = own_report(db, clock, world)
    assert second.content["free_reports"]["used_this_year"] == 2


def test_the_report_stays_as_issued_when_the_file_changes(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    issued = queried_report(db, clock, world, "company")
    clock.advance(dt.timedelta(days=1))
    company_penalty(db, clock, world, decision_number="榕市监罚〔2025〕99号")
    db.commit()
    newer = queried_report(db, clock, world, "company")
    assert "榕市监罚〔2025〕99号" in newer.body.decode()

    again = reports.reopen(db, clock, actor_of(world, "querier"), issued.report.number)
    assert again.body == issued.body
    assert "榕市监罚〔2025〕99号" not in again.body.decode()


def test_only_the_requester_opens_a_report_again_and_others_are_told_it_does_not_exist(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    by_querier = queried_report(db, clock, world).report.number
    by_citizen = own_report(db, clock, world).report.number

    # The querier's organisation's other querier may print it again (the report names the
    # organisation it was given to, Art. 34).
    again = reports.reopen(db, clock, actor_of(world, "caseofficer"), by_querier)
    assert again.report.number == by_querier
    refused = {
        # the subject itself, which did not ask for it; a bank; the regulator's reporter
        # (no query role); the company; the administrator
        (by_querier, "citizen"),
        (by_querier, "analyst"),
        (by_querier, "reporter"),
        (by_querier, "company"),
        (by_querier, "admin"),
        # the subject's own report: not the querier's
        (by_citizen, "querier"),
        (by_citizen, "company"),
    }
    for number, account in sorted(refused):
        with pytest.raises(NotFound) as caught:
            reports.reopen(db, clock, actor_of(world, account), number)
        assert (caught.value.code, caught.value.field) == ("unknown_report", "number"), account
    # A number never issued is refused the same way: nothing tells the two apart.
    with pytest.raises(NotFound) as caught:
        reports.reopen(db, clock, actor_of(world, "querier"), "XY2026112700000000")
    assert caught.value.code == "unknown_report"
    # Numbers are read as printed: spaces and lower case do not matter.
    assert reports.reopen(db, clock, actor_of(world, "citizen"), f" {by_citizen.lower()} ")


def test_a_report_on_a_query_item_opens_again_only_for_its_requester_and_holders_of_the_item(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    """Art. 12(2), decision 0035: the security officer decides which staff use which item. A
    colleague who does not hold the item a report was issued on is refused the file itself,
    so he is not given it by reopening the report: it is neither listed nor opened (404, as
    a number not issued to him), on the API and the pages, and nothing is logged for the
    subject. Holding the item lets him; the requester keeps his report after his item is
    withdrawn."""
    world = disclosure_world
    company = world.subjects["company"]
    company_penalty(db, clock, world)
    make_query_item(db, clock, world, assign_to=("querier",))
    number = queried_report(db, clock, world, "company").report.number
    caseofficer = actor_of(world, "caseofficer")

    def listed(account: str) -> list[str]:
        return [s.number for s in reports.issued_reports(db, clock, actor_of(world, account))]

    assert listed("querier") == [number]
    assert listed("caseofficer") == []
    with pytest.raises(NotFound) as caught:
        reports.reopen(db, clock, caseofficer, number)
    assert (caught.value.code, caught.value.field) == ("unknown_report", "number")
    db.commit()
    assert client.get(f"{API}/reports", headers=tokens("caseofficer")).json()["items"] == []
    refused = client.get(f"{API}/reports/{number}", headers=tokens("caseofficer"))
    assert error_of(refused) == (404, "unknown_report", None)
    log_in(client, "caseofficer")
    page = client.get("/query/reports", headers=HTML).text
    assert f'data-report="{number}"' not in page
    assert "您现持有该查询事项的报告" in page  # the page says which reports it lists
    assert client.get(f"/reports/{number}", headers=HTML).status_code == 404
    client.cookies.clear()
    reopened = [e for e in access_events(db, company.id) if e.what == access.REPORT_REOPENED]
    assert reopened == []

    # Assigned the item, the colleague may print the report again.
    assign(db, clock, world, ITEM, "caseofficer")
    db.commit()
    assert listed("caseofficer") == [number]
    assert reports.reopen(db, clock, caseofficer, number).report.number == number
    # The querier's own assignment withdrawn: his report is still his.
    (theirs,) = query_assignments.held_by(db, caseofficer)
    (own,) = query_assignments.held_by(db, actor_of(world, "querier"))
    query_assignments.withdraw(db, clock, actor_of(world, "security"), own.id)
    assert listed("querier") == [number]
    assert reports.reopen(db, clock, actor_of(world, "querier"), number)
    # The colleague's withdrawn, he no longer opens it.
    query_assignments.withdraw(db, clock, actor_of(world, "security"), theirs.id)
    assert listed("caseofficer") == []
    with pytest.raises(NotFound):
        reports.reopen(db, clock, caseofficer, number)


def test_an_organisation_opening_a_report_again_is_in_the_subjects_access_log(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    number = queried_report(db, clock, world).report.number
    clock.advance(dt.timedelta(hours=2))
    reports.reopen(db, clock, actor_of(world, "caseofficer"), number)
    db.commit()

    log = access.access_log(db, actor_of(world, "citizen"))
    reopened = [entry for entry in log if entry.what == access.REPORT_REOPENED]
    (entry,) = reopened
    issued = next(entry for entry in log if entry.what == "report")
    assert entry.report_number == number
    assert entry.granted
    assert entry.occurred_at == clock.now()
    # On the path and for the matter the report was issued on, by whoever opened it.
    assert (entry.legal_path, entry.query_item, entry.matter_or_purpose) == (
        "query_item",
        ITEM,
        issued.matter_or_purpose,
    )
    assert entry.record_types == issued.record_types
    assert entry.role == "case_officer"
    event = db.scalar(select(AccessEvent).where(AccessEvent.id == entry.id))
    assert event is not None
    assert event.user_id == world.users["caseofficer"].id
    assert report_count(db) == 1
    (audit_event,) = audited(db, "report.reopen")
    # The reopening's one audit event witnesses its access-log entry (decision 0003).
    details = dict(audit_event.details)
    witnessed = details.pop("witnessed")
    assert details == {"legal_path": "query_item", "by_subject": False}
    assert (witnessed["table"], witnessed["ids"]) == ("access_event", [entry.id])
    assert audited(db, "access.read") == []


def test_opening_again_counts_as_a_read_against_the_bulk_limit(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    number = queried_report(db, clock, world).report.number
    limits = access.ReadLimits(per_account_per_hour=2)
    # The issuance was one read, the first opening a second: the third is refused (Art. 12).
    reports.reopen(db, clock, actor_of(world, "querier"), number, limits=limits)
    db.commit()
    with pytest.raises(RateLimited) as caught:
        reports.reopen(db, clock, actor_of(world, "querier"), number, limits=limits)
    assert (caught.value.code, caught.value.article) == ("bulk_read_limit", "Art. 12")


def test_the_content_is_kept_encrypted_and_shared_by_reports_of_the_same_file(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    first = queried_report(db, clock, world)
    second = queried_report(db, clock, world)
    person = world.subjects["person"]
    rows = db.execute(
        text("SELECT content_ciphertext, file_key FROM credit_report ORDER BY id")
    ).all()
    files = db.execute(text("SELECT key, ciphertext FROM credit_report_file")).all()
    # Nothing of the report readable in the database: not the name, not the decision.
    stored = json.dumps([list(row) for row in rows + files], ensure_ascii=False)
    for clear in (person.name, DECISION, first.report.number):
        assert clear not in stored
    # The two reports differ in their own fields, and share the file's part, stored once.
    assert rows[0][0] != rows[1][0]
    assert rows[0][1] == rows[1][1]
    assert len(files) == 1
    # Each part decrypts only in its own context.
    with pytest.raises(InvalidTag):
        default_cipher().decrypt_bytes(rows[0][0], context=reports.FILE_CONTEXT)
    own = json.loads(default_cipher().decrypt_bytes(rows[0][0], context=reports.CONTENT_CONTEXT))
    assert own["number"] == first.report.number
    assert "sections" not in own
    assert second.report.number != first.report.number


def test_a_report_issued_before_contents_were_kept_cannot_be_opened_again(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    issued = own_report(db, clock, world)
    db.execute(
        update(CreditReport)
        .where(CreditReport.id == issued.report.id)
        .values(content_ciphertext=None, file_key=None)
    )
    db.commit()
    with pytest.raises(Conflict) as caught:
        reports.reopen(db, clock, actor_of(world, "citizen"), issued.report.number)
    assert (caught.value.code, caught.value.field) == ("report_not_kept", "number")
    (summary,) = reports.issued_reports(db, clock, actor_of(world, "citizen"))
    assert summary.kept is False


def test_kept_content_moved_from_another_report_is_detected(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    first = own_report(db, clock, world)
    clock.advance(dt.timedelta(days=1))
    company_penalty(db, clock, world, decision_number="榕市监罚〔2025〕77号")
    person_penalty(db, clock, world, decision_number="榕市监罚〔2025〕78号")
    db.commit()
    second = own_report(db, clock, world)
    assert first.report.file_key != second.report.file_key
    db.execute(
        update(CreditReport)
        .where(CreditReport.id == first.report.id)
        .values(file_key=second.report.file_key)
    )
    db.commit()
    with pytest.raises(Conflict) as caught:
        reports.reopen(db, clock, actor_of(world, "citizen"), first.report.number)
    assert caught.value.code == "report_content_mismatch"


def test_each_requester_lists_the_reports_issued_to_it(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    world = reopen_world
    by_querier = queried_report(db, clock, world).report.number
    clock.advance(dt.timedelta(minutes=1))
    own = own_report(db, clock, world).report.number
    clock.advance(dt.timedelta(minutes=1))
    about_company = queried_report(db, clock, world, "company").report.number

    def numbers(account: str, **kwargs: Any) -> list[str]:
        return [
            s.number for s in reports.issued_reports(db, clock, actor_of(world, account), **kwargs)
        ]

    assert numbers("citizen") == [own]
    assert numbers("querier") == [about_company, by_querier]  # newest first
    assert numbers("caseofficer") == numbers("querier")
    assert numbers("querier", limit=1, offset=1) == [by_querier]
    assert numbers("analyst") == []
    assert numbers("company") == []
    (summary,) = reports.issued_reports(db, clock, actor_of(world, "querier"), limit=1, offset=1)
    person = world.subjects["person"]
    # A person by masked ID number and name: the list is not the report.
    assert (summary.subject_code, summary.subject_reference) == (
        person.public_code,
        person.reference,
    )
    assert "*" in summary.subject_code
    assert summary.subject_name == person.name[0] + "*" * (len(person.name) - 1)
    assert summary.legal_path is LegalPath.QUERY_ITEM
    assert summary.kept
    with pytest.raises(PermissionDenied) as refused:
        reports.issued_reports(db, clock, actor_of(world, "reporter"))
    assert (refused.value.code, refused.value.article) == ("no_query_permission", "Art. 13")
    for bad in (
        {"limit": 0},
        {"limit": reports.MAX_LISTED + 1},
        {"offset": -1},
        {"offset": reports.MAX_OFFSET + 1},
    ):
        with pytest.raises(InvalidInput) as invalid:
            reports.issued_reports(db, clock, actor_of(world, "querier"), **bad)
        assert (invalid.value.code, invalid.value.field) == ("out_of_range", next(iter(bad)))


# --- the API ------------------------------------------------------------------------------------


def test_an_offset_no_database_integer_holds_is_refused_naming_it(
    reopen_world: World, client: TestClient, tokens: Tokens
) -> None:
    # It was a 500: the driver overflowed on the offset (found by tests/test_api_fuzz.py).
    response = client.get(f"{API}/reports", params={"offset": 10**20}, headers=tokens("querier"))
    assert response.status_code == 422
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
        "out_of_range",
        "offset",
    )


def test_the_api_opens_a_report_again_as_json_html_and_pdf(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = reopen_world
    reference = world.subjects["person"].reference
    issued = client.get(f"{API}/subjects/{reference}/report", headers=tokens("citizen"))
    assert issued.status_code == 200
    number = issued.json()["number"]

    again = client.get(f"{API}/reports/{number}", headers=tokens("citizen"))
    assert again.status_code == 200
    assert again.headers["content-type"] == "application/json"
    assert again.content == issued.content  # byte for byte
    assert reports.content_hash_of(again.json()) == issued.json()["content_sha256"]
    html = client.get(
        f"{API}/reports/{number}", params={"format": "html"}, headers=tokens("citizen")
    )
    assert html.status_code == 200
    assert number in html.text
    assert DECISION in html.text
    # The HTML offers the PDF of this same report.
    assert f'href="/api/v1/reports/{number}?format=pdf"' in html.text
    pdf = client.get(f"{API}/reports/{number}", params={"format": "pdf"}, headers=tokens("citizen"))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert number in pdf.headers["content-disposition"]
    # None of it issued a report or used a free one.
    assert report_count(db) == 1
    listed = client.get(f"{API}/reports", headers=tokens("citizen")).json()["items"]
    assert [(item["number"], item["free"], item["can_reopen"]) for item in listed] == [
        (number, True, True)
    ]
    assert listed[0]["subject"]["reference"] == reference


def test_the_issuing_endpoints_html_offers_the_pdf_of_the_same_report(
    reopen_world: World, db: Session, client: TestClient, tokens: Tokens
) -> None:
    reference = reopen_world.subjects["person"].reference
    html = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("citizen")
    )
    number = db.scalars(select(CreditReport.number)).one()
    assert f'href="/api/v1/reports/{number}?format=pdf"' in html.text


def test_the_api_refuses_others_with_404_and_bad_input_with_its_field(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    number = queried_report(db, clock, reopen_world).report.number
    for account in ("citizen", "analyst", "company", "reporter"):
        response = client.get(f"{API}/reports/{number}", headers=tokens(account))
        assert error_of(response) == (404, "unknown_report", None), account
        assert response.json()["error"]["field"] == "number"
    assert client.get(f"{API}/reports/{number}").status_code == 401
    assert client.get(f"{API}/reports").status_code == 401
    wrong = client.get(
        f"{API}/reports/{number}", params={"format": "doc"}, headers=tokens("querier")
    )
    assert wrong.status_code == 422
    too_many = client.get(f"{API}/reports", params={"limit": 1000}, headers=tokens("querier"))
    assert too_many.status_code == 422
    assert too_many.json()["error"]["field"] == "limit"
    refused = client.get(f"{API}/reports", headers=tokens("reporter"))
    assert error_of(refused) == (403, "no_query_permission", "Art. 13")


# --- the pages ----------------------------------------------------------------------------------


def test_my_html_report_offers_the_pdf_of_the_same_report_and_uses_one_free_report(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    assert 'data-free-used="0"' in page.text
    assert 'href="/me/reports"' in page.text
    html = client.post("/me/credit/report", data={"csrf_token": csrf_from(page.text)}, headers=HTML)
    assert html.status_code == 200
    number = db.scalars(select(CreditReport.number)).one()
    link = f"/reports/{number}?format=pdf"
    assert f'href="{link}"' in html.text
    pdf = client.get(link, headers=HTML)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert f"credit-report-{number}.pdf" in pdf.headers["content-disposition"]
    again = client.get(f"/reports/{number}", headers=HTML)
    assert again.status_code == 200
    assert f'href="{link}"' in again.text
    assert (
        hashlib.sha256(again.text.encode()).hexdigest()
        == hashlib.sha256(html.text.encode()).hexdigest()
    )
    # One report issued, one free report used.
    assert report_count(db) == 1
    assert 'data-free-used="1"' in client.get("/me/credit", headers=HTML).text
    mine = client.get("/me/reports", headers=HTML)
    assert mine.status_code == 200
    assert f'data-report="{number}"' in mine.text
    assert f'href="/reports/{number}"' in mine.text
    assert f'href="{link}"' in mine.text


def test_the_query_page_lists_the_organisations_reports_to_open_again(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    number = queried_report(db, clock, reopen_world).report.number
    log_in(client, "caseofficer")
    assert 'href="/query/reports"' in client.get("/query", headers=HTML).text
    listed = client.get("/query/reports", headers=HTML)
    assert listed.status_code == 200
    assert f'data-report="{number}"' in listed.text
    person = reopen_world.subjects["person"]
    assert person.name not in listed.text  # masked in the list
    html = client.get(f"/reports/{number}", headers=HTML)
    assert html.status_code == 200
    assert person.name in html.text  # the report itself, as issued
    assert 'href="/query/reports" data-reports-list' in html.text
    assert report_count(db) == 1


def test_the_subject_sees_an_organisation_opening_its_report_again(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    number = queried_report(db, clock, reopen_world).report.number
    log_in(client, "querier")
    assert client.get(f"/reports/{number}?format=pdf", headers=HTML).status_code == 200
    client.cookies.clear()
    log_in(client, "citizen")
    page = client.get("/me/access-log", headers=HTML)
    assert "查询人再次打开信用报告" in page.text
    assert page.text.count(number) == 2  # issued, then opened again


def test_the_banks_list_says_a_report_no_longer_opens_once_its_authorisation_is_revoked(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = reopen_world
    contract_breach(db, clock, world)
    granted = authorise(db, clock, world)
    issued = reports.issue(db, clock, actor_of(world, "analyst"), world.subjects["person"])
    number_text = issued.report.number
    db.commit()
    log_in(client, "analyst")
    before = client.get("/query/reports", headers=HTML).text
    assert f'href="/reports/{number_text}"' in before
    authorisations.revoke(db, clock, actor_of(world, "citizen"), granted.id)
    db.commit()
    after = client.get("/query/reports", headers=HTML).text
    assert f'data-report="{number_text}"' in after
    assert f'href="/reports/{number_text}"' not in after
    assert "书面授权已撤销或已过期（第十三条第三款）" in after
    english = client.get("/query/reports?lang=en", headers=HTML).text
    assert "No longer opens: the written authorisation" in english


def test_a_report_not_issued_to_the_reader_is_not_found_on_the_pages(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    number = queried_report(db, clock, reopen_world).report.number
    log_in(client, "citizen")
    refused = client.get(f"/reports/{number}", headers=HTML)
    assert refused.status_code == 404
    assert 'data-code="unknown_report"' in refused.text
    assert client.get("/query/reports", headers=HTML).status_code == 403
    client.cookies.clear()
    log_in(client, "querier")
    assert client.get("/me/reports", headers=HTML).status_code == 403
    assert client.get(f"/reports/{number}?format=doc", headers=HTML).status_code == 422


def test_reports_of_the_same_file_share_one_kept_row(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    for _ in range(3):
        queried_report(db, clock, reopen_world, "company")
    assert db.scalar(select(func.count(CreditReportFile.id))) == 1


def test_the_queriers_html_report_offers_the_pdf_of_the_same_report(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    log_in(client, "querier")
    form = client.get("/query", headers=HTML)
    html = client.post(
        "/query/report",
        data={
            "subject": reopen_world.subjects["company"].reference,
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "format": "html",
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
    )
    assert html.status_code == 200
    number = db.scalars(select(CreditReport.number)).one()
    pdf = client.get(f"/reports/{number}?format=pdf", headers=HTML)
    assert f'href="/reports/{number}?format=pdf"' in html.text
    assert pdf.content.startswith(b"%PDF")
    assert report_count(db) == 1


def test_my_html_report_is_shown_at_its_own_address_so_reloading_issues_no_other(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    issued = client.post(
        "/me/credit/report",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    number = db.scalars(select(CreditReport.number)).one()
    assert issued.status_code == 303
    assert issued.headers["location"] == f"/reports/{number}"
    for _reload in range(2):
        shown = client.get(issued.headers["location"], headers=HTML)
        assert shown.status_code == 200
        assert number in shown.text
    # The report page is the report alone: it leads back to the reports issued to me.
    assert 'href="/me/reports" data-reports-list' in shown.text
    assert report_count(db) == 1
    assert 'data-free-used="1"' in client.get("/me/credit", headers=HTML).text


def post_query_report(client: TestClient, world: World, fmt: str = "html") -> Any:
    form = client.get("/query", headers=HTML)
    return client.post(
        "/query/report",
        data={
            "subject": world.subjects["company"].reference,
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "format": fmt,
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )


def company_log(db: Session, world: World) -> list[tuple[str, bool]]:
    return [(e.what, e.granted) for e in access_events(db, world.subjects["company"].id)]


def test_the_queriers_report_is_shown_at_its_own_address_so_reloading_issues_no_other(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    """POST, redirect, GET: the report just issued is shown at /reports/{number}; showing
    it there the first time is the issuance's own reading (logged once for the subject, as
    issued), and each later showing is the report opened again."""
    world = reopen_world
    log_in(client, "querier")
    issued = post_query_report(client, world)
    number = db.scalars(select(CreditReport.number)).one()
    assert issued.status_code == 303
    assert issued.headers["location"] == f"/reports/{number}"
    first = client.get(issued.headers["location"], headers=HTML)
    assert first.status_code == 200
    assert number in first.text
    assert 'href="/query/reports" data-reports-list' in first.text
    assert company_log(db, world) == [("report", True)]  # not "opened again"
    assert audited(db, "report.reopen") == []
    assert len(audited(db, "report.issue")) == 1

    reloaded = client.get(issued.headers["location"], headers=HTML)
    assert reloaded.status_code == 200
    assert number in reloaded.text
    assert report_count(db) == 1  # reloading issued no other report
    assert company_log(db, world) == [("report", True), (access.REPORT_REOPENED, True)]
    assert len(audited(db, "report.reopen")) == 1


def test_the_queriers_pdf_is_downloaded_from_its_own_address_too(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    world = reopen_world
    log_in(client, "querier")
    issued = post_query_report(client, world, "pdf")
    number = db.scalars(select(CreditReport.number)).one()
    assert issued.status_code == 303
    assert issued.headers["location"] == f"/reports/{number}?format=pdf"
    pdf = client.get(issued.headers["location"], headers=HTML)
    assert pdf.content.startswith(b"%PDF")
    assert company_log(db, world) == [("report", True)]


def test_only_the_session_that_was_issued_the_report_sees_it_first(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    """Another querier of the organisation opening the report just issued opens it again
    (logged for the subject): the first showing belongs to the session that issued it."""
    world = reopen_world
    log_in(client, "querier")
    issued = post_query_report(client, world)
    number = db.scalars(select(CreditReport.number)).one()
    client.cookies.clear()
    log_in(client, "caseofficer")
    assert client.get(issued.headers["location"], headers=HTML).status_code == 200
    assert company_log(db, world) == [("report", True), (access.REPORT_REOPENED, True)]
    assert number in client.get("/query/reports", headers=HTML).text


def test_my_reports_first_showing_is_not_audited_as_opened_again(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    issued = client.post(
        "/me/credit/report",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    client.get(issued.headers["location"], headers=HTML)
    assert audited(db, "report.reopen") == []
    client.get(issued.headers["location"], headers=HTML)
    assert len(audited(db, "report.reopen")) == 1


def test_the_first_showing_is_claimed_once_by_the_requester_on_the_server(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    """A report issued to be shown at its own address next (``shown_later``): its first
    showing to its requester is the issuance's reading (nothing more logged, audited or
    counted), claimed once on the report row; a colleague's showing, and any later one,
    is an opening again."""
    world = reopen_world
    person = world.subjects["person"]
    issued = reports.issue(
        db,
        clock,
        actor_of(world, "querier"),
        person,
        query_item_code=ITEM,
        matter=MATTER_CODE,
        shown_later=True,
    )
    db.commit()
    number = issued.report.number
    assert issued.report.first_shown_at is None
    colleague = reports.reopen(
        db, clock, actor_of(world, "caseofficer"), number, claim_first_showing=True
    )
    assert colleague.report.number == number
    db.commit()
    assert [e.what for e in access_events(db, person.id)] == ["report", access.REPORT_REOPENED]
    limits = access.ReadLimits(per_account_per_hour=1)  # the issuance used it up
    shown = reports.reopen(
        db, clock, actor_of(world, "querier"), number, limits=limits, claim_first_showing=True
    )
    db.commit()
    assert shown.report.number == number
    assert len(access_events(db, person.id)) == 2  # the first showing: nothing more
    assert len(audited(db, "report.reopen")) == 1  # the colleague's
    assert db.scalar(select(CreditReport.first_shown_at)) == clock.now()

    again = _guarded(
        db,
        lambda: reports.reopen(
            db, clock, actor_of(world, "querier"), number, limits=limits, claim_first_showing=True
        ),
    )
    assert refusal_of(again) == ("bulk_read_limit", "Art. 12")


def test_a_report_shown_when_it_was_issued_has_no_first_showing_left(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    """Issued and shown at once (the API, a PDF on the subject's page): opening it on the
    pages afterwards is an opening again, logged and audited."""
    world = reopen_world
    number = queried_report(db, clock, world).report.number
    reports.reopen(db, clock, actor_of(world, "querier"), number, claim_first_showing=True)
    db.commit()
    assert [e.what for e in access_events(db, world.subjects["person"].id)] == [
        "report",
        access.REPORT_REOPENED,
    ]
    assert len(audited(db, "report.reopen")) == 1


def test_a_copy_of_the_page_cookie_does_not_show_the_report_again_unlogged(
    reopen_world: World, db: Session, client: TestClient
) -> None:
    """The cookie the issuing form answered with, sent again after the first showing, opens
    the report again as any other request does: logged for the subject and audited (review
    r1, finding 2: the first showing was marked in the signed page-session cookie)."""
    world = reopen_world
    log_in(client, "querier")
    issued = post_query_report(client, world)
    copy = client.cookies[SESSION_COOKIE]
    assert client.get(issued.headers["location"], headers=HTML).status_code == 200
    assert company_log(db, world) == [("report", True)]

    for replay in range(1, 3):
        client.cookies.set(SESSION_COOKIE, copy)
        shown = client.get(issued.headers["location"], headers=HTML)
        assert shown.status_code == 200
        assert (
            company_log(db, world) == [("report", True)] + [(access.REPORT_REOPENED, True)] * replay
        )
    assert len(audited(db, "report.reopen")) == 2


def test_the_lists_of_reports_name_the_requester_in_the_pages_language(
    reopen_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    own_report(db, clock, reopen_world)
    queried_report(db, clock, reopen_world)
    log_in(client, "citizen")
    mine = client.get("/me/reports?lang=en", headers=HTML).text
    assert "The subject itself · " in mine
    assert "信息主体本人" not in mine
    # The subject is not told what applies to others' openings only.
    assert "when you are not the subject" not in mine
    client.cookies.clear()
    log_in(client, "querier")
    theirs = client.get("/query/reports?lang=en", headers=HTML).text
    assert " · Query officer · " in theirs
    assert "shown to the subject when you are not the subject" in theirs
    assert "查询人员" not in theirs
    client.cookies.clear()
    log_in(client, "authority")
    supervised = client.get("/supervision", headers=HTML).text
    assert " · 查询人员 · " in supervised
    assert "query_officer" not in supervised  # a role in words, never its code


def test_a_report_on_a_written_authorisation_is_not_opened_again_once_it_is_revoked(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    """The subject is told that revoking refuses the bank's next read (Art. 13 ¶3): opening
    the report again shows the non-public information again, so it is refused and logged."""
    world = reopen_world
    person = world.subjects["person"]
    contract_breach(db, clock, world)
    granted = authorise(db, clock, world)
    issued = reports.issue(db, clock, actor_of(world, "analyst"), person)
    db.commit()
    number = issued.report.number
    assert reports.reopen(db, clock, actor_of(world, "analyst"), number).report.id == (
        issued.report.id
    )
    (listed,) = reports.issued_reports(db, clock, actor_of(world, "analyst"))
    assert not listed.authorisation_ended
    assert listed.as_dict()["can_reopen"]
    authorisations.revoke(db, clock, actor_of(world, "citizen"), granted.id)
    db.commit()
    # The bank's list says so before anyone tries.
    (listed,) = reports.issued_reports(db, clock, actor_of(world, "analyst"))
    assert listed.authorisation_ended
    assert listed.as_dict()["can_reopen"] is False

    refused = _guarded(db, lambda: reports.reopen(db, clock, actor_of(world, "analyst"), number))

    assert refusal_of(refused) == ("no_lawful_path", "Art. 13 ¶3")
    last = access_events(db, person.id)[-1]
    assert (last.what, last.granted, last.refusal_code, last.report_number) == (
        access.REPORT_REOPENED,
        False,
        "no_lawful_path",
        number,
    )
    # A later authorisation is read through a new report, on its own terms and scope.
    authorise(db, clock, world)
    db.commit()
    again = _guarded(db, lambda: reports.reopen(db, clock, actor_of(world, "analyst"), number))
    assert refusal_of(again) == ("no_lawful_path", "Art. 13 ¶3")
    # The subject's own account is not concerned: its reports are its own.
    own = own_report(db, clock, world)
    assert reports.reopen(db, clock, actor_of(world, "citizen"), own.report.number)


def test_a_report_issued_on_several_authorisations_closes_when_one_of_them_ends(
    reopen_world: World, db: Session, clock: FixedClock
) -> None:
    """A report issued on two authorisations (as every report was, before session 18, when
    several were in force) holds what each of them opened: once the one behind its contract
    record is revoked, it no longer opens, though the other is still in force (Art. 13 ¶3)."""
    world = reopen_world
    person = world.subjects["person"]
    contract_breach(db, clock, world)
    housing = authorise(db, clock, world)
    authorise(db, clock, world, record_types=("credit_status",), purpose="信用卡风险定价")
    number = issued_on_every_authorisation(db, clock, world, person)
    assert reports.reopen(db, clock, actor_of(world, "analyst"), number)
    authorisations.revoke(db, clock, actor_of(world, "citizen"), housing.id)
    db.commit()

    (listed,) = reports.issued_reports(db, clock, actor_of(world, "analyst"))
    assert listed.authorisation_ended
    assert listed.as_dict()["can_reopen"] is False
    refused = _guarded(db, lambda: reports.reopen(db, clock, actor_of(world, "analyst"), number))
    assert refusal_of(refused) == ("no_lawful_path", "Art. 13 ¶3")
