"""Disclosure pages: public records inside their window, the published query items, report
verification, "my credit" (file, reports, access log, authorisations), the agency query
page and the credit authority's query items, driven through the session cookie."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    citizen_id_of,
    ingest,
    penalty_row,
    person_penalty_row,
)
from tests.conftest import TEST_NOW
from tests.disclosure_helpers import assign, query_staff
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit.models import AuditEvent
from xinyong.catalog.service import load_rule_pack
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import sources
from xinyong.disclosure import authorisations, query_items
from xinyong.disclosure.models import AccessEvent, Authorisation, CreditReport, QueryItem
from xinyong.lists import measures
from xinyong.web.i18n import translations
from xinyong.web.labels import cite
from xinyong.web.report_output import requester_in_words


def cited(article: str) -> str:
    """An article as the default (zh-Hans) pages cite it: Art. 13 ¶3 → 第十三条第三款."""
    return cite(article, translations("zh_Hans").gettext, chinese=True)


PENALTY = "administrative_penalty"
CONTRACT = "contract_performance"  # not public: only the subject and its authorisations
ITEM = "MSA-LICENSING-01"
MATTER = "食品经营许可审查"
MATTER_CODE = "SPJY-01"


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    """The demo world with the catalog, the calendar and the regulator responsible for
    penalties, committed: a refused request rolls the shared session back to the last commit."""
    load_rule_pack(db, clock)
    calendar_store.load_official(db, clock)
    sources.grant(db, clock, SYSTEM_ACTOR, world.organisations["regulator"], PENALTY)
    db.commit()
    return world


# --- helpers --------------------------------------------------------------------------------


def token(client: TestClient, path: str = "/query-items") -> str:
    return csrf_from(client.get(path, headers=HTML).text)


def error_code(response: Response) -> str:
    match = re.search(r'data-code="([^"]+)"', response.text)
    assert match, response.text[:500]
    return match.group(1)


def penalise_company(db: Session, clock: FixedClock, world: World, number: str) -> None:
    report = ingest(
        db, clock, world.organisations["regulator"], [penalty_row(world, decision_number=number)]
    )
    assert report.batch.created == 1, report.as_dict()
    db.commit()


def penalise_person(db: Session, clock: FixedClock, world: World, number: str) -> None:
    person = world.subjects["person"]
    row = person_penalty_row(world, citizen_id_of(person), person.name, decision_number=number)
    report = ingest(db, clock, world.organisations["regulator"], [row])
    assert report.batch.created == 1, report.as_dict()
    db.commit()


def authority(world: World) -> Actor:
    return accounts.actor_for_user(world.users["authority"])


def published_item(
    db: Session,
    clock: FixedClock,
    world: World,
    *,
    code: str = ITEM,
    publish: bool = True,
    record_type_codes: tuple[str, ...] = (PENALTY,),
) -> QueryItem:
    item = query_items.create(
        db,
        clock,
        authority(world),
        code=code,
        organisation=world.organisations["regulator"],
        matter=MATTER,
        matter_code=MATTER_CODE,
        record_type_codes=list(record_type_codes),
        legal_basis="《食品经营许可和备案管理办法》第十条",
    )
    if publish:
        query_items.publish(db, clock, authority(world), code)
        assign(db, clock, world, code, *query_staff(world, "regulator"))
    db.commit()
    return item


def query(
    client: TestClient,
    *,
    path: str,
    uscc: str = "",
    citizen_id: str = "",
    item: str = "",
    matter: str = "",
    matter_other: str = "",
) -> Response:
    data = {
        "path": path,
        "item": item,
        "matter": matter,
        "matter_other": matter_other,
        "subject_kind": "person" if citizen_id else "organisation",
        "uscc": uscc,
        "citizen_id": citizen_id,
        "csrf_token": token(client, "/query"),
    }
    return client.post("/query", data=data, headers=HTML)


def grant_in_page(
    client: TestClient, world: World, *, signer: str, types: tuple[str, ...] = (PENALTY, CONTRACT)
) -> Response:
    return client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations["bank"].code,
            "record_types": list(types),
            "purpose": "贷款审批",
            "valid_until": "2027-06-30",
            "evidence_kind": "signed_in_page",
            "signed": "true",
            "signer_name": signer,
            "csrf_token": token(client, "/me/authorisations"),
        },
        headers=HTML,
        follow_redirects=False,
    )


def access_events(db: Session, subject_id: int) -> list[AccessEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == subject_id).order_by(AccessEvent.id)
        )
    )


# --- public subject page (Art. 9, 14) -------------------------------------------------------


def test_the_public_page_shows_a_record_inside_its_window(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕501号")
    company = world.subjects["company"]
    page = client.get(f"/subjects/{company.uscc}", headers=HTML)
    assert page.status_code == 200
    assert "榕市监罚〔2026〕501号" in page.text
    assert "行政处罚" in page.text  # the type's name
    assert "违法行为类型" in page.text  # the type's field labels, in the page's language
    assert world.organisations["regulator"].code in page.text  # the source unit's code
    assert "2026-11-25" in page.text  # the decision date and the start of the window
    assert "2027-11-25" in page.text  # the end of the window
    # The subject's own columns are not repeated, and no ID number is shown, even masked.
    assert "行政相对人名称" not in page.text
    assert "证件号码" not in page.text
    english = client.get(f"/subjects/{company.uscc}?lang=en", headers=HTML)
    assert "Type of violation" in english.text


def test_the_public_page_drops_the_record_when_its_window_ends(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕502号")
    code = world.subjects["company"].uscc
    clock.set(dt.datetime(2027, 11, 25, 23, 0, tzinfo=CHINA))  # last day of the window
    assert "榕市监罚〔2026〕502号" in client.get(f"/subjects/{code}", headers=HTML).text
    clock.advance(dt.timedelta(hours=2))  # the next day: gone, without any job having run
    page = client.get(f"/subjects/{code}", headers=HTML)
    assert page.status_code == 200
    assert "榕市监罚〔2026〕502号" not in page.text
    assert 'data-record="' not in page.text


def test_non_public_records_are_not_on_the_public_page(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕503号")
    other = client.get(f"/subjects/{world.subjects['other_company'].uscc}", headers=HTML)
    assert other.status_code == 200
    assert "榕市监罚〔2026〕503号" not in other.text


def test_a_persons_public_page_is_by_reference_and_never_names_the_person(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """A person appears publicly only through record types public by law (Art. 11, 13):
    by the opaque reference, the ID number masked, the name never shown."""
    person = world.subjects["person"]
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕51号")
    page = client.get(f"/subjects/{person.reference}", headers=HTML)
    assert page.status_code == 200
    assert person.name not in page.text
    assert str(person.citizen_id_masked) in page.text
    assert "榕鼓市监罚〔2026〕51号" in page.text
    # Never found by the ID number itself, nor listed by public search.
    assert client.get(f"/subjects/{citizen_id_of(person)}", headers=HTML).status_code == 404
    found = client.get("/search", params={"q": person.name}, headers=HTML).text
    assert f"/subjects/{person.reference}" not in found


# --- published query items (Art. 13 ¶2) -------------------------------------------------------


def test_the_published_query_items_are_public(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    published_item(db, clock, world, code="DRAFT-ITEM", publish=False)
    page = client.get("/query-items", headers=HTML)
    assert page.status_code == 200
    assert ITEM in page.text
    assert world.organisations["regulator"].name in page.text
    assert MATTER in page.text
    assert MATTER_CODE in page.text
    assert "行政处罚" in page.text  # record types by name
    assert "《食品经营许可和备案管理办法》第十条" in page.text
    assert TEST_NOW.date().isoformat() in page.text  # published on
    assert "DRAFT-ITEM" not in page.text


# --- report verification ----------------------------------------------------------------------


def own_report(client: TestClient, fmt: str = "html", as_of: str = "") -> Response:
    path = "/me/credit/report" if fmt == "html" else "/me/credit/report.pdf"
    return client.post(
        path, data={"as_of": as_of, "csrf_token": token(client, "/me/credit")}, headers=HTML
    )


def test_the_verification_page_confirms_a_real_report_and_rejects_a_wrong_code(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    assert own_report(client).status_code == 200
    report = db.scalars(select(CreditReport)).one()
    client.post("/logout", data={"csrf_token": token(client)})
    form = client.get("/reports/verify", headers=HTML)
    assert form.status_code == 200
    assert 'name="number"' in form.text

    genuine = client.get(
        "/reports/verify",
        params={
            "number": report.number,
            "code": report.verification_code,
            "sha256": report.content_sha256,
        },
        headers=HTML,
    )
    assert genuine.status_code == 200
    assert 'data-genuine="true"' in genuine.text
    assert report.as_of.isoformat() in genuine.text
    assert "王*" in genuine.text  # a person's name, masked
    assert "王某某" not in genuine.text

    wrong = client.get(
        "/reports/verify", params={"number": report.number, "code": "ABCDEF123456"}, headers=HTML
    )
    assert wrong.status_code == 200
    assert 'data-genuine="false"' in wrong.text

    altered = client.get(
        "/reports/verify",
        params={
            "number": report.number,
            "code": report.verification_code,
            "sha256": "0" * 64,
        },
        headers=HTML,
    )
    assert 'data-genuine="false"' in altered.text


def test_an_unknown_report_number_was_not_issued(client: TestClient, world: World) -> None:
    page = client.get(
        "/reports/verify", params={"number": "XY20261127AAAAAAAA", "code": "X"}, headers=HTML
    )
    assert page.status_code == 404
    assert error_code(page) == "unknown_report"
    assert 'data-genuine="false"' in page.text


def test_verification_needs_the_code(client: TestClient, world: World) -> None:
    page = client.get("/reports/verify", params={"number": "XY20261127AAAAAAAA"}, headers=HTML)
    assert page.status_code == 422
    assert error_code(page) == "required"


# --- my credit: the file and its reports (Art. 24) -------------------------------------------


def test_my_credit_shows_every_record_with_its_source_and_history(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕52号")
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    assert page.status_code == 200
    assert "榕鼓市监罚〔2026〕52号" in page.text
    assert world.organisations["regulator"].name in page.text
    assert world.organisations["regulator"].code in page.text
    assert 'data-status="active"' in page.text
    assert 'data-public="true"' in page.text  # public by law for persons, inside its window
    zh = translations("zh_Hans").gettext
    assert zh("Submitted by the source") in page.text  # the reason of version 1
    assert 'href="/me/access-log"' in page.text
    assert 'href="/me/authorisations"' in page.text
    assert 'href="/me/consents"' in page.text
    # The subject's own read is logged too (self path).
    (event,) = access_events(db, world.subjects["person"].id)
    assert (event.legal_path.value, event.what, event.granted) == ("self", "file", True)


def test_my_credit_as_it_stood_on_a_date(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕53号")
    log_in(client, "citizen")
    before = client.get("/me/credit", params={"as_of": "2026-11-01"}, headers=HTML)
    assert before.status_code == 200
    assert "榕鼓市监罚〔2026〕53号" not in before.text
    assert "2026-11-01" in before.text
    future = client.get("/me/credit", params={"as_of": "2030-01-01"}, headers=HTML)
    assert future.status_code == 422
    assert error_code(future) == "future_date"


def test_the_file_api_takes_as_of_as_the_page_does(
    client: TestClient, db: Session, clock: FixedClock, world: World, app: FastAPI
) -> None:
    """The file as it stood on a day, through the API too, with the page's validation: a
    day to come is refused (422 ``future_date``) before anything is read or logged."""
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕55号")
    person = world.subjects["person"]
    headers = auth_headers(client, "citizen")
    path = f"/api/v1/subjects/{person.reference}/file"
    today = client.get(path, headers=headers)
    assert today.status_code == 200
    assert "榕鼓市监罚〔2026〕55号" in today.text
    before = client.get(path, params={"as_of": "2026-11-01"}, headers=headers)
    assert before.status_code == 200
    assert "榕鼓市监罚〔2026〕55号" not in before.text
    logged = len(access_events(db, person.id))
    future = client.get(path, params={"as_of": "2030-01-01"}, headers=headers)
    assert future.status_code == 422
    assert (future.json()["error"]["code"], future.json()["error"]["field"]) == (
        "future_date",
        "as_of",
    )
    assert len(access_events(db, person.id)) == logged
    # The page refuses the same day alike.
    log_in(client, "citizen")
    page = client.get("/me/credit", params={"as_of": "2030-01-01"}, headers=HTML)
    assert (page.status_code, error_code(page)) == (422, "future_date")
    (operation,) = [app.openapi()["paths"]["/api/v1/subjects/{code}/file"]["get"]]
    (as_of,) = [p for p in operation["parameters"] if p["name"] == "as_of"]
    assert as_of["schema"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert "422" in operation["responses"]


def test_my_report_as_html_and_pdf_with_the_free_count(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕54号")
    log_in(client, "citizen")
    html = own_report(client)
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    report = db.scalars(select(CreditReport)).one()
    assert report.number in html.text
    assert report.verification_code in html.text
    assert "榕鼓市监罚〔2026〕54号" in html.text
    assert report.free  # the first of the year's free reports, its count printed on it
    pdf = own_report(client, "pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    page = client.get("/me/credit", headers=HTML)
    assert 'data-free-used="2"' in page.text
    # Both reports are in the subject's access log with their numbers.
    numbers = {e.report_number for e in access_events(db, world.subjects["person"].id)}
    assert {r.number for r in db.scalars(select(CreditReport))} <= numbers


def test_an_organisation_has_no_free_report_count(client: TestClient, world: World) -> None:
    log_in(client, "company")
    page = client.get("/me/credit", headers=HTML)
    assert page.status_code == 200
    assert "data-free-used" not in page.text


def test_a_report_needs_the_csrf_token(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "citizen")
    response = client.post("/me/credit/report", data={"csrf_token": "forged"}, headers=HTML)
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    assert db.scalars(select(CreditReport)).first() is None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me/credit"),
        ("POST", "/me/credit/report"),
        ("POST", "/me/credit/report.pdf"),
        ("GET", "/me/access-log"),
        ("GET", "/me/authorisations"),
    ],
)
def test_my_credit_pages_are_for_subject_accounts(
    client: TestClient, world: World, method: str, path: str
) -> None:
    anonymous = client.request(method, path, headers=HTML)
    assert anonymous.status_code in (401, 403)  # a POST without a session fails its CSRF check
    log_in(client, "querier")
    data = {"csrf_token": token(client)} if method == "POST" else None
    refused = client.request(method, path, data=data, headers=HTML)
    assert refused.status_code == 403
    assert re.search(r"<dd>第[一二三四五六七八九十]+条", refused.text)  # the article is shown


# --- the agency query page (Art. 13) -------------------------------------------------------------


def test_the_query_page_asks_for_the_item_and_matter_first(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    published_item(db, clock, world, code="DRAFT-ITEM", publish=False)
    log_in(client, "querier")
    first = client.get("/query", headers=HTML)
    assert first.status_code == 200
    assert f'value="{ITEM}"' in first.text
    assert "DRAFT-ITEM" not in first.text  # only published items are offered
    assert 'name="uscc"' not in first.text  # no subject before the legal path
    second = client.get("/query", params={"path": "item", "item": ITEM, "matter": MATTER_CODE})
    assert 'name="uscc"' in second.text
    assert 'name="citizen_id"' in second.text  # query officers may look up persons


def matter_options(text: str) -> list[str]:
    select = re.search(r'<select id="matter" name="matter"[^>]*>(.*?)</select>', text, re.S)
    assert select, "no choice of matter"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_the_query_page_offers_the_lawful_matters_or_another_stated(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """The matter is chosen among the rule pack's administrative matters and the matters
    the agency's published query items name, or stated under "other" (Art. 13 ¶2)."""
    measures.load_rule_pack(db, clock)
    published_item(db, clock, world)
    published_item(db, clock, world, code="DRAFT-ITEM", publish=False)
    log_in(client, "querier")
    page = client.get("/query", headers=HTML).text
    options = matter_options(page)
    assert options[0] == ""
    assert options[-1] == "other"
    assert {"administrative_licensing", "appointment", MATTER_CODE} <= set(options)
    assert "行政许可 (administrative_licensing)" in page
    assert f"{MATTER} ({MATTER_CODE})" in page  # the item's own matter, as the item names it
    english = client.get("/query?lang=en", headers=HTML).text
    assert "Administrative licensing (administrative_licensing)" in english

    by_code = client.get("/query", params={"path": "item", "item": ITEM, "matter": MATTER_CODE})
    assert by_code.status_code == 200
    assert 'name="uscc"' in by_code.text
    assert f"<dd>{MATTER} ({MATTER_CODE})</dd>" in by_code.text
    stated = client.get(
        "/query",
        params={"path": "item", "item": ITEM, "matter": "other", "matter_other": MATTER},
    )
    assert stated.status_code == 200
    assert f"<dd>{MATTER}</dd>" in stated.text
    assert f'<input type="hidden" name="matter_other" value="{MATTER}">' in stated.text

    for params, field, code in (
        ({"matter": ""}, "matter", "required"),
        ({"matter": "other", "matter_other": "  "}, "matter_other", "required"),
        ({"matter": "招投标"}, "matter", "unknown_matter"),  # free text is not a choice
    ):
        refused = client.get("/query", params={"path": "item", "item": ITEM, **params})
        assert refused.status_code == 422, params
        assert error_code(refused) == code
        assert f"<dd>{field}</dd>" in refused.text
        assert 'name="uscc"' not in refused.text  # no step 2 before a usable choice


def test_the_matter_is_validated_when_the_form_is_sent(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """A matter that is no choice is refused as input (422, nothing read); a lawful matter
    that is not the item's is refused by the lawful path (403, logged for the subject)."""
    measures.load_rule_pack(db, clock)
    published_item(db, clock, world)
    log_in(client, "querier")
    company = world.subjects["company"]
    code = company.uscc or ""
    unknown = query(client, path="item", item=ITEM, matter="whatever", uscc=code)
    assert unknown.status_code == 422
    assert error_code(unknown) == "unknown_matter"
    assert access_events(db, company.id) == []
    another = query(client, path="item", item=ITEM, matter="appointment", uscc=code)
    assert another.status_code == 403
    assert error_code(another) == "matter_mismatch"
    # The item's matter by its name, not with the code the API's clients read.
    assert f"（{MATTER}）" in another.text
    assert f"{MATTER_CODE}:" not in another.text
    (event,) = access_events(db, company.id)
    assert (event.granted, event.refusal_code) == (False, "matter_mismatch")
    assert query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=code).status_code == 200


def test_the_api_takes_the_matters_the_page_offers(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """Each code the page offers names a matter for the API as well: the item's own opens
    the file, another is refused as not the item's; the matter in words still works."""
    measures.load_rule_pack(db, clock)
    published_item(db, clock, world)
    log_in(client, "querier")
    offered = [code for code in matter_options(client.get("/query", headers=HTML).text) if code]
    headers = auth_headers(client, "querier")
    path = f"/api/v1/subjects/{world.subjects['company'].uscc}/file"
    for matter in [*offered[:-1], MATTER]:
        response = client.get(path, params={"query_item": ITEM, "matter": matter}, headers=headers)
        if matter in (MATTER_CODE, MATTER):
            assert response.status_code == 200, matter
            assert response.json()["purpose"] == MATTER
        else:
            assert response.status_code == 403, matter
            assert response.json()["error"]["code"] == "matter_mismatch"


def test_a_query_with_a_published_item_and_its_matter(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕504号")
    published_item(db, clock, world)
    log_in(client, "querier")
    company = world.subjects["company"]
    result = query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=company.uscc or "")
    assert result.status_code == 200, result.text[:500]
    assert 'data-legal-path="query_item"' in result.text
    assert "榕市监罚〔2026〕504号" in result.text
    (event,) = access_events(db, company.id)
    assert event.granted
    assert event.query_item_id is not None
    assert event.purpose == MATTER

    report = client.post(
        "/query/report",
        data={
            "subject": company.reference,
            "path": "item",
            "item": ITEM,
            "matter": "other",  # the matter stated in words names it too
            "matter_other": MATTER,
            "format": "html",
            "csrf_token": csrf_from(result.text),
        },
        headers=HTML,
    )
    assert report.status_code == 200
    issued = db.scalars(select(CreditReport)).one()
    assert issued.number in report.text
    # The querier's identity is printed on the report, so a leaked copy can be traced.
    assert world.organisations["regulator"].name in report.text
    assert requester_in_words(issued.requester_label) in report.text
    pdf = client.post(
        "/query/report",
        data={
            "subject": company.reference,
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "format": "pdf",
            "csrf_token": csrf_from(result.text),
        },
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_a_person_is_queried_by_id_number_in_the_body_only(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_person(db, clock, world, "榕鼓市监罚〔2026〕55号")
    published_item(db, clock, world)
    log_in(client, "querier")
    person = world.subjects["person"]
    citizen_id = citizen_id_of(person)
    result = query(client, path="item", item=ITEM, matter=MATTER_CODE, citizen_id=citizen_id)
    assert result.status_code == 200
    assert "榕鼓市监罚〔2026〕55号" in result.text
    assert citizen_id not in result.text  # masked in the answer
    assert citizen_id not in str(result.url)
    assert person.citizen_id_masked in result.text
    # The lookup by ID number is audited.
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "subject.lookup_person")).all()


def test_an_unknown_subject_is_shown_on_the_form(client: TestClient, world: World) -> None:
    log_in(client, "querier")
    result = query(client, path="authorisation", uscc="91350100M000100Y43")
    assert result.status_code == 404
    assert error_code(result) == "unknown_subject"
    assert 'name="uscc"' in result.text


def test_a_query_never_falls_back_to_another_path(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "querier")
    company = world.subjects["company"]
    for path in ("item", ""):
        response = query(client, path=path, item="", matter=MATTER_CODE, uscc=company.uscc or "")
        assert response.status_code == 422
        assert error_code(response) == "required"
    assert access_events(db, company.id) == []


def test_an_unpublished_query_item_is_refused_with_its_article(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world, code="DRAFT-ITEM", publish=False)
    log_in(client, "querier")
    company = world.subjects["company"]
    # Its matter, never published, is not among the lawful matters: the querier states it.
    refused = query(
        client,
        path="item",
        item="DRAFT-ITEM",
        matter="other",
        matter_other=MATTER,
        uscc=company.uscc or "",
    )
    assert refused.status_code == 403
    assert error_code(refused) == "query_item_unpublished"
    assert cited("Art. 13") in refused.text
    # The refused attempt is in the subject's access log.
    (event,) = access_events(db, company.id)
    assert (event.granted, event.refusal_code) == (False, "query_item_unpublished")


def test_a_matter_that_is_not_the_items_is_refused(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    log_in(client, "querier")
    refused = query(
        client,
        path="item",
        item=ITEM,
        matter="other",
        matter_other="招投标",
        uscc=world.subjects["company"].uscc or "",
    )
    assert refused.status_code == 403
    assert error_code(refused) == "matter_mismatch"
    assert cited("Art. 13 ¶2") in refused.text


def test_a_withdrawn_item_is_refused(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    query_items.withdraw(db, clock, authority(world), ITEM)
    db.commit()
    log_in(client, "querier")
    assert f'value="{ITEM}"' not in client.get("/query", headers=HTML).text
    refused = query(
        client,
        path="item",
        item=ITEM,
        matter=MATTER_CODE,
        uscc=world.subjects["company"].uscc or "",
    )
    assert refused.status_code == 403
    assert error_code(refused) == "query_item_unpublished"


def test_bulk_reads_are_rate_limited(
    app: FastAPI, client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    context = app.state.context
    context.settings = context.settings.model_copy(update={"reads_per_account_per_hour": 1})
    log_in(client, "querier")
    code = world.subjects["company"].uscc or ""
    assert query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=code).status_code == 200
    limited = query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=code)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "3600"
    assert error_code(limited) == "bulk_read_limit"
    assert cited("Art. 12") in limited.text
    assert f'name="uscc" maxlength="40" value="{code}"' in limited.text  # beside the form


def test_a_refused_query_is_shown_beside_the_form_with_what_was_typed(
    client: TestClient, db: Session, world: World
) -> None:
    """The query page stays, with the refusal's code and article beside the subject's form
    (the subject still named), instead of an error page in place of the form."""
    log_in(client, "analyst")
    company = world.subjects["company"]
    refused = query(client, path="authorisation", uscc=company.uscc or "")
    assert refused.status_code == 403
    assert error_code(refused) == "no_lawful_path"
    assert "请求被拒绝" not in refused.text  # not the error page
    assert 'class="form-error"' in refused.text
    assert cited("Art. 13 ¶3") in refused.text
    assert f'name="uscc" maxlength="40" value="{company.uscc}"' in refused.text
    assert '<input type="hidden" name="path" value="authorisation">' in refused.text
    # Recorded as a refusal that reaches the boundary is: in the audit trail and, once, in
    # the subject's access log.
    (event,) = access_events(db, company.id)
    assert (event.granted, event.refusal_code) == (False, "no_lawful_path")
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [r.details["code"] for r in refusals] == ["no_lawful_path"]
    # The refusal's one event witnesses the entry (decision 0003, session 13 addendum).
    assert refusals[0].details["witnessed"]["ids"] == [event.id]
    english = client.post(
        "/query?lang=en",
        data={
            "path": "authorisation",
            "subject_kind": "organisation",
            "uscc": company.uscc,
            "csrf_token": token(client, "/query"),
        },
        headers=HTML,
    )
    assert english.status_code == 403
    assert "Art. 13 ¶3" in english.text
    assert "Step 2: the subject" in english.text


def test_the_query_page_lists_an_items_record_types_in_the_pages_language(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """Review r13: English pages joined the item's record types with 、, and zh_Hant pages
    named them in Simplified characters."""
    published_item(db, clock, world, record_type_codes=(PENALTY, "administrative_license"))
    log_in(client, "querier")
    chosen = {"path": "item", "item": ITEM, "matter": MATTER_CODE}
    english = client.get("/query", params={**chosen, "lang": "en"}, headers=HTML).text
    assert "(Administrative licensing, Administrative penalty)" in english
    assert "、" not in english
    traditional = client.get("/query", params={**chosen, "lang": "zh_Hant"}, headers=HTML).text
    assert "(行政許可、行政處罰)" in traditional
    simplified = client.get("/query", params={**chosen, "lang": "zh_Hans"}, headers=HTML).text
    assert "(行政许可、行政处罚)" in simplified


def test_a_refused_report_is_shown_on_the_query_page(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """The item withdrawn between the read and the report: the report is refused beside the
    subject's form, and no report is issued."""
    published_item(db, clock, world)
    log_in(client, "querier")
    company = world.subjects["company"]
    result = query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=company.uscc or "")
    assert result.status_code == 200
    query_items.withdraw(db, clock, authority(world), ITEM)
    db.commit()
    refused = client.post(
        "/query/report",
        data={
            "subject": company.reference,
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "format": "html",
            "csrf_token": csrf_from(result.text),
        },
        headers=HTML,
    )
    assert refused.status_code == 403
    assert error_code(refused) == "query_item_unpublished"
    assert cited("Art. 13 ¶2") in refused.text
    assert f'name="uscc" maxlength="40" value="{company.uscc}"' in refused.text
    assert db.scalars(select(CreditReport)).all() == []
    assert [(e.what, e.granted) for e in access_events(db, company.id)] == [
        ("file", True),
        ("report", False),
    ]


def test_the_query_page_is_for_query_roles(client: TestClient, world: World) -> None:
    assert client.get("/query", headers=HTML).status_code == 401
    log_in(client, "reporter")
    refused = client.get("/query", headers=HTML)
    assert refused.status_code == 403
    assert error_code(refused) == "no_query_permission"
    log_in(client, "analyst")
    page = client.get("/query", headers=HTML)
    assert page.status_code == 200
    assert 'value="authorisation"' in page.text
    # A bank analyst has no query items; it may look up by ID number only persons who
    # authorised its bank (tests/test_person_lookup.py).
    second = client.get("/query", params={"path": "authorisation"}, headers=HTML)
    assert 'name="uscc"' in second.text
    assert 'name="citizen_id"' in second.text


# --- written authorisations (Art. 13 ¶3) and the access log (Art. 24) -----------------------------


def test_grant_read_revoke_and_the_next_read_is_refused(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    company = world.subjects["company"]
    penalise_company(db, clock, world, "榕市监罚〔2026〕505号")
    log_in(client, "company")
    granted = grant_in_page(client, world, signer="陈某")
    assert granted.status_code == 303, granted.text[:800]
    # The text signed in the page is kept word for word, in the page's language throughout.
    signed = db.scalars(select(Authorisation).order_by(Authorisation.id.desc())).first()
    assert signed is not None
    evidence = authorisations.evidence_of(db, signed.id)
    assert evidence is not None
    assert "被授权机构: " in evidence
    assert "签署人: 陈某" in evidence
    assert "Signed" not in evidence
    listing = client.get("/me/authorisations", params={"done": "granted"}, headers=HTML)
    assert world.organisations["bank"].name in listing.text
    assert "贷款审批" in listing.text
    authorisation = db.scalars(select(Authorisation)).one()
    assert f'data-authorisation="{authorisation.id}" data-state="active"' in listing.text
    assert authorisation.evidence_kind == "signed_in_page"
    evidence = authorisations.evidence_of(db, authorisation.id)
    assert evidence
    assert "陈某" in evidence
    assert world.organisations["bank"].name in evidence

    log_in(client, "analyst")
    read = query(client, path="authorisation", uscc=company.uscc or "")
    assert read.status_code == 200
    assert 'data-legal-path="authorisation"' in read.text
    assert "榕市监罚〔2026〕505号" in read.text

    log_in(client, "company")
    revoked = client.post(
        f"/me/authorisations/{authorisation.id}/revoke",
        data={"csrf_token": token(client, "/me/authorisations")},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    listing = client.get("/me/authorisations", headers=HTML)
    assert f'data-authorisation="{authorisation.id}" data-state="revoked"' in listing.text

    log_in(client, "analyst")
    refused = query(client, path="authorisation", uscc=company.uscc or "")
    assert refused.status_code == 403
    assert error_code(refused) == "no_lawful_path"
    assert cited("Art. 13 ¶3") in refused.text

    # The subject sees both: the read on the authorisation, and the refusal after revoking.
    log_in(client, "company")
    log = client.get("/me/access-log", headers=HTML)
    assert log.status_code == 200
    events = [e for e in access_events(db, company.id) if e.legal_path.value != "self"]
    read_event, refused_event = events
    assert read_event.granted
    assert read_event.authorisation_id == authorisation.id
    assert not refused_event.granted
    assert refused_event.refusal_code == "no_lawful_path"
    assert f'data-entry="{read_event.id}" data-granted="true"' in log.text
    assert f'data-entry="{refused_event.id}" data-granted="false"' in log.text
    assert "no_lawful_path" in log.text
    assert "贷款审批" in log.text  # the purpose
    assert world.organisations["bank"].name in log.text
    assert "data-revealed" not in log.text  # staff by role, the name only on request


def test_the_staff_name_is_shown_on_request_and_audited(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    log_in(client, "querier")
    code = world.subjects["company"].uscc or ""
    assert query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=code).status_code == 200
    (event,) = access_events(db, world.subjects["company"].id)
    log_in(client, "company")
    page = client.get("/me/access-log", headers=HTML)
    assert f"/me/access-log/{event.id}/staff" in page.text
    shown = client.post(
        f"/me/access-log/{event.id}/staff", data={"csrf_token": csrf_from(page.text)}, headers=HTML
    )
    assert shown.status_code == 200
    assert world.users["querier"].display_name in shown.text
    assert f'data-revealed="{event.id}"' in shown.text
    # "第 N 条" would read as an article of the regulation on a page that cites them so.
    assert f"第 {event.id} 号查阅记录：工作人员为" in shown.text
    audited = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "access_log.reveal_staff")
    ).all()
    assert [a.target_id for a in audited] == [str(event.id)]


def test_nobody_sees_another_subjects_access_log_entry(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world)
    log_in(client, "querier")
    code = world.subjects["company"].uscc or ""
    assert query(client, path="item", item=ITEM, matter=MATTER_CODE, uscc=code).status_code == 200
    (event,) = access_events(db, world.subjects["company"].id)
    log_in(client, "citizen")
    other = client.post(
        f"/me/access-log/{event.id}/staff",
        data={"csrf_token": token(client, "/me/access-log")},
        headers=HTML,
    )
    assert other.status_code == 404
    assert world.users["querier"].display_name not in other.text
    log_in(client, "citizen")
    assert f'data-entry="{event.id}"' not in client.get("/me/access-log", headers=HTML).text


def test_nobody_revokes_another_subjects_authorisation(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "company")
    assert grant_in_page(client, world, signer="陈某").status_code == 303
    authorisation = db.scalars(select(Authorisation)).one()
    log_in(client, "citizen")
    response = client.post(
        f"/me/authorisations/{authorisation.id}/revoke",
        data={"csrf_token": token(client, "/me/authorisations")},
        headers=HTML,
    )
    assert response.status_code == 404
    db.expire_all()
    assert db.get(Authorisation, authorisation.id).revoked_at is None  # type: ignore[union-attr]


def test_a_person_signs_with_the_registered_name(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    wrong = grant_in_page(client, world, signer="李某")
    assert wrong.status_code == 422
    assert error_code(wrong) == "signature_mismatch"
    assert 'value="李某"' in wrong.text  # the form keeps what was typed
    unsigned = client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations["bank"].code,
            "record_types": [CONTRACT],
            "purpose": "贷款审批",
            "valid_until": "2027-06-30",
            "evidence_kind": "signed_in_page",
            "signer_name": "王某某",
            "csrf_token": token(client, "/me/authorisations"),
        },
        headers=HTML,
    )
    assert unsigned.status_code == 422
    assert error_code(unsigned) == "evidence_required"
    assert db.scalars(select(Authorisation)).first() is None
    assert grant_in_page(client, world, signer="王某某").status_code == 303


def test_the_authorisation_form_offers_queriers_and_the_catalogs_types(
    client: TestClient, world: World
) -> None:
    log_in(client, "citizen")
    page = client.get("/me/authorisations", headers=HTML)
    assert page.status_code == 200
    assert world.organisations["bank"].code in page.text
    assert world.organisations["regulator"].code in page.text
    assert world.organisations["operator"].code not in page.text  # no querier
    assert f'value="{CONTRACT}"' in page.text  # not public
    assert f'value="{PENALTY}"' in page.text  # public, but not outside its window
    zh = translations("zh_Hans").gettext
    from xinyong.web.pages.credit import AUTHORISATION_DECLARATION

    assert zh(AUTHORISATION_DECLARATION) in page.text  # the full text, before signing
    assert 'href="/me/consents"' in page.text


def test_an_authorisation_with_an_uploaded_document(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    document = b"%PDF-1.4 signed authorisation"
    response = client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations["bank"].code,
            "record_types": [CONTRACT],
            "purpose": "信用卡审批",
            "valid_until": "2027-01-31",
            "evidence_kind": "upload",
            "csrf_token": token(client, "/me/authorisations"),
        },
        files={"evidence_file": ("signed.pdf", document, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    authorisation = db.scalars(select(Authorisation)).one()
    assert authorisation.evidence_kind == "upload"
    assert authorisations.evidence_of(db, authorisation.id) == base64.b64encode(document).decode()
    assert authorisation.record_type_codes == [CONTRACT]


def test_a_person_authorises_a_bank_to_read_their_credit_status_in_the_page(
    client: TestClient, db: Session, world: World
) -> None:
    """Art. 19's scope is offered beside the record types, named in words, and granted like
    them: the page and the API give the same authorisation."""
    log_in(client, "citizen")
    page = client.get("/me/authorisations", headers=HTML)
    assert 'value="credit_status"' in page.text
    assert "名单状态和信用等级（用于风险定价，第十九条）" in page.text
    response = client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations["bank"].code,
            "record_types": ["credit_status"],
            "purpose": "住房贷款风险定价",
            "valid_until": "2027-01-31",
            "evidence_kind": "signed_in_page",
            "signed": "true",
            "signer_name": "王某某",
            "csrf_token": token(client, "/me/authorisations"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:800]
    assert db.scalars(select(Authorisation)).one().record_type_codes == ["credit_status"]
    listed = client.get("/me/authorisations", headers=HTML).text
    assert listed.count("名单状态和信用等级（用于风险定价，第十九条）") == 2  # list and form


@pytest.mark.parametrize(
    ("grantee", "purpose", "evidence", "code", "article"),
    [
        pytest.param(
            "bank",
            "信用卡审批",
            {"evidence_kind": "upload"},
            "evidence_required",
            "Art. 13 ¶3",
            id="an upload without a file",
        ),
        pytest.param(
            "operator",
            "x",
            {"signed": "true", "signer_name": "王某某"},
            "not_a_querier",
            None,
            id="an organisation that does not query",
        ),
    ],
)
def test_a_refused_authorisation_is_shown_again(
    client: TestClient,
    db: Session,
    world: World,
    grantee: str,
    purpose: str,
    evidence: dict[str, str],
    code: str,
    article: str | None,
) -> None:
    log_in(client, "citizen")
    response = client.post(
        "/me/authorisations",
        data={
            "grantee": world.organisations[grantee].code,
            "record_types": [CONTRACT],
            "purpose": purpose,
            "valid_until": "2027-01-31",
            **evidence,
            "csrf_token": token(client, "/me/authorisations"),
        },
        headers=HTML,
    )
    assert response.status_code == 422
    assert error_code(response) == code
    if article:
        assert cited(article) in response.text


# --- the credit authority's query items --------------------------------------------------------


def test_the_credit_authority_creates_publishes_withdraws_and_republishes_a_query_item(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "authority")
    page = client.get("/admin/query-items", headers=HTML)
    assert page.status_code == 200
    created = client.post(
        "/admin/query-items",
        data={
            "code": ITEM,
            "organisation": world.organisations["regulator"].code,
            "matter": MATTER,
            "matter_code": MATTER_CODE,
            "record_types": [PENALTY, "administrative_license"],
            "legal_basis": "《食品经营许可和备案管理办法》第十条",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text[:800]
    listing = client.get("/admin/query-items", headers=HTML)
    assert f'data-query-item="{ITEM}" data-state="draft"' in listing.text
    assert ITEM not in client.get("/query-items", headers=HTML).text

    zh = translations("zh_Hans").gettext
    for action, state, public, notice in (
        ("publish", "published", True, "Query item published."),
        (
            "withdraw",
            "withdrawn",
            False,
            "Query item withdrawn: queries on it are refused from now on.",
        ),
        ("publish", "published", True, "Query item published."),
    ):
        done = client.post(
            f"/admin/query-items/{ITEM}/{action}",
            data={"csrf_token": csrf_from(listing.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303, action
        assert (ITEM in client.get("/query-items", headers=HTML).text) is public
        listing = client.get(done.headers["location"], headers=HTML)
        assert f'data-query-item="{ITEM}" data-state="{state}"' in listing.text
        assert f'<p class="result ok" role="status">{zh(notice)}</p>' in listing.text
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("query_item.%"))
        .order_by(AuditEvent.sequence)
    ).all()
    assert actions == [
        "query_item.create",
        "query_item.publish",
        "query_item.withdraw",
        "query_item.publish",
    ]


def test_a_wrong_query_item_is_shown_again(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "authority")
    response = client.post(
        "/admin/query-items",
        data={
            "code": ITEM,
            "organisation": world.organisations["regulator"].code,
            "matter": MATTER,
            "matter_code": MATTER_CODE,
            "record_types": [PENALTY],
            "legal_basis": "",
            "csrf_token": token(client, "/admin/query-items"),
        },
        headers=HTML,
    )
    assert response.status_code == 422
    assert error_code(response) == "required"
    assert cited("Art. 13") in response.text
    assert f'value="{MATTER}"' in response.text
    assert db.scalars(select(QueryItem)).first() is None


def test_query_items_are_managed_by_the_credit_authority_only(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    published_item(db, clock, world, publish=False)
    log_in(client, "querier")
    assert client.get("/admin/query-items", headers=HTML).status_code == 403
    refused = client.post(
        f"/admin/query-items/{ITEM}/publish", data={"csrf_token": token(client)}, headers=HTML
    )
    assert refused.status_code == 403
    assert cited("Art. 12") in refused.text
    db.expire_all()
    assert query_items.by_code(db, ITEM).published_at is None


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_the_disclosure_pages_render_in_every_language(
    client: TestClient, db: Session, clock: FixedClock, world: World, lang: str
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕506号")
    published_item(db, clock, world)
    for path in ("/query-items", "/reports/verify", f"/subjects/{world.subjects['company'].uscc}"):
        assert client.get(path, params={"lang": lang}, headers=HTML).status_code == 200
    log_in(client, "company")
    for path in ("/me/credit", "/me/access-log", "/me/authorisations"):
        assert client.get(path, params={"lang": lang}, headers=HTML).status_code == 200
    log_in(client, "querier")
    page = client.get(
        "/query", params={"lang": lang, "path": "item", "item": ITEM, "matter": MATTER_CODE}
    )
    assert page.status_code == 200
    log_in(client, "authority")
    assert client.get("/admin/query-items", params={"lang": lang}).status_code == 200


def test_search_results_count_the_public_records(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    penalise_company(db, clock, world, "榕市监罚〔2026〕507号")
    penalise_company(db, clock, world, "榕市监罚〔2026〕508号")
    page = client.get("/search", params={"q": "晨光文具"}, headers=HTML)
    assert page.status_code == 200
    assert 'data-public-records="2"' in page.text
    clock.set(dt.datetime(2028, 1, 1, 10, 0, tzinfo=CHINA))  # both windows have ended
    assert "data-public-records" not in client.get("/search", params={"q": "晨光文具"}).text


def test_the_free_count_of_a_new_year_starts_at_midnight_in_china(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    """A report taken at 00:30 on 1 January, China time (16:30 UTC the day before), is one
    of the new year's free reports, on the page as on the report itself."""
    new_year = dt.datetime(clock.today().year + 1, 1, 1, 0, 30, tzinfo=CHINA)
    clock.advance(new_year - clock.now())
    log_in(client, "citizen")
    assert own_report(client).status_code == 200
    (report,) = db.scalars(select(CreditReport)).all()
    assert report.free
    page = client.get("/me/credit", headers=HTML)
    assert 'data-free-used="1"' in page.text
