"""Credit reports (Art. 24; rules.md "Disclosure"): the national standard's sections in
order, every item with its source unit and code and its change history with reasons, the
file as it stood on a date, numbers and verification codes, free reports for natural
persons, the requester named in the report, and a PDF that renders Chinese.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import shutil
import subprocess
from collections import Counter
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    RECENT,
    TODAY,
    add_reporter,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    definition,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    penalty_row,
    problems_of,
    source_columns,
    subject_row,
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    Tokens,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    make_query_item,
    person_penalty,
)
from tests.factories import OrganisationFactory, World
from tests.page_helpers import HTML, log_in
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.catalog.definitions import FieldType, RecordTypeDefinition
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import members
from xinyong.config import Settings
from xinyong.disclosure import files, reports
from xinyong.disclosure.models import AccessEvent, CreditReport, LegalPath
from xinyong.disclosure.rendering import FIELD_LABELS_HIDDEN
from xinyong.repair.advice import REPAIR_ZH

API = "/api/v1"
SECTION_KEYS = [
    "basic",
    "licensing_penalties",
    "honours",
    "lists",
    "abnormal_operation",
    "commitments",
    "evaluations",
    "judicial",
    "other",
]
# Every record type an organisation can have, with the section it belongs in.
SECTION_OF_TYPE = {
    "registration": "basic",
    "administrative_penalty": "licensing_penalties",
    "administrative_license": "licensing_penalties",
    "honour": "honours",
    "administrative_reward": "honours",
    "major_tax_violation": "lists",
    "abnormal_operation": "abnormal_operation",
    "credit_commitment": "commitments",
    "credit_evaluation": "evaluations",
    "association_evaluation": "evaluations",
    "court_judgment_defaulter": "judicial",
    "administrative_compulsion": "other",
    "administrative_confirmation": "other",
    "administrative_inspection": "other",
    "social_insurance_arrears": "other",
    "contract_performance": "other",
    "utility_arrears": "other",
}
_serial = count(1)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=CHINA)


def row_for(
    spec: RecordTypeDefinition, world: World, source_key: str, subject_key: str = "company"
) -> dict[str, str]:
    """A valid row of any record type, built from its definition: required fields filled
    by type, natural-key text made unique."""
    subject = world.subjects[subject_key]
    row: dict[str, str] = {}
    for field in spec.fields:
        if not field.required or field.name.startswith("subject_"):
            continue
        if field.type is FieldType.DATE:
            row[field.name] = RECENT.isoformat()
        elif field.type is FieldType.DECIMAL:
            row[field.name] = "1.5"
        elif field.type is FieldType.ENUM:
            row[field.name] = field.choices[0]
        else:
            row[field.name] = f"{field.label_zh}{next(_serial)}"
    row.update(subject_row(subject.name, uscc=subject.uscc or ""))
    names = {field.name for field in spec.fields}
    row.update(
        {k: v for k, v in source_columns(world.organisations[source_key]).items() if k in names}
    )
    if spec.own_party_field:  # the submitter's own side of the business (Art. 10 ¶1)
        row[spec.own_party_field] = world.organisations[source_key].name
    return row


@pytest.fixture
def report_world(disclosure_world: World, db: Session, clock: FixedClock) -> World:
    """A court (judicial organ), an industry association and a utility join the world,
    each responsible for its record types; the regulator for every public type."""
    world = disclosure_world
    world.organisations["court"] = OrganisationFactory(
        name="福州市中级人民法院", kind=OrganisationKind.JUDICIAL_ORGAN
    )
    world.organisations["association"] = OrganisationFactory(
        name="福州市商贸行业协会", kind=OrganisationKind.INDUSTRY_ASSOCIATION
    )
    world.organisations["utility"] = OrganisationFactory(
        name="福州市自来水有限公司", kind=OrganisationKind.PUBLIC_ENTERPRISE
    )
    sources = {
        "court_judgment_defaulter": "court",
        "association_evaluation": "association",
        "utility_arrears": "utility",
        "contract_performance": "bank",
    }
    for code in SECTION_OF_TYPE:
        source = sources.get(code, "regulator")
        if source != "bank":
            grant(db, clock, world.organisations[source], code)
    # The association evaluates its members only (Art. 10 ¶1): the company is one.
    clerk = add_reporter(db, world.organisations["association"], "association_clerk")
    company = world.subjects["company"]
    members.add(
        db,
        clock,
        accounts.actor_for_user(clerk),
        uscc=company.uscc or "",
        name=company.name,
        since=dt.date(2020, 1, 1),
        agreement_reference="会员入会协议 2020-01",
    )
    db.commit()
    return world


def file_every_type(db: Session, clock: FixedClock, world: World) -> dict[str, str]:
    """One record of every type about the company; returns type → source key."""
    sources = {
        "court_judgment_defaulter": "court",
        "association_evaluation": "association",
        "utility_arrears": "utility",
        "contract_performance": "bank",
    }
    for code in SECTION_OF_TYPE:
        source = sources.get(code, "regulator")
        row = row_for(definition(db, code), world, source)
        report = ingest(db, clock, world.organisations[source], [row], record_type=code)
        assert problems_of(report) == [], (code, problems_of(report))
        assert report.batch.created == 1, code
    db.commit()
    return {code: sources.get(code, "regulator") for code in SECTION_OF_TYPE}


def report_json(
    client: TestClient, tokens: Tokens, user: str, reference: str, **params: Any
) -> dict[str, Any]:
    response = client.get(
        f"{API}/subjects/{reference}/report", params=params or None, headers=tokens(user)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def items_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for section in report["sections"] for item in section["items"]]


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


# --- sections, sources, labels -----------------------------------------------------------------


def test_sections_follow_the_standard_and_every_item_names_its_source(
    report_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = report_world
    sources = file_every_type(db, clock, world)
    orgs = {key: (org.code, org.name) for key, org in world.organisations.items()}
    reference = world.subjects["company"].reference
    definitions = {code: definition(db, code) for code in SECTION_OF_TYPE}
    report = report_json(client, tokens, "company", reference)
    assert [s["key"] for s in report["sections"]] == SECTION_KEYS
    assert [s["title"] for s in report["sections"]] == [
        "基本信息",
        "行政许可与行政处罚信息",
        "表彰荣誉与守信信息",
        "严重失信主体名单信息",
        "经营异常信息",
        "信用承诺信息",
        "信用评价信息",
        "司法信息",
        "其他信息",
    ]
    placed = {
        item["type"]: section["key"] for section in report["sections"] for item in section["items"]
    }
    assert placed == SECTION_OF_TYPE
    assert set(report["field_labels"]) == set(SECTION_OF_TYPE)
    for item in items_of(report):
        code, name = orgs[sources[item["type"]]]
        assert item["source"] == {"code": code, "name": name}, item["type"]
        assert [(h["version"], h["reason"], h["source"]) for h in item["history"]] == [
            (1, "created by source", {"code": code, "name": name})
        ]
        # The labels of its fields, from the record type definition in its order, are
        # given once per record type for the whole report.
        spec = definitions[item["type"]]
        labels = report["field_labels"][item["type"]]
        assert labels == [{"name": f.name, "zh": f.label_zh, "en": f.label_en} for f in spec.fields]
        assert set(item["content"]) <= {label["name"] for label in labels}
        assert "labels" not in item
    # Suggestions come last, derived from the file by the repair checklist's rules: with
    # the court's list of judgment defaulters in force (Art. 22(3), decision 0023 addendum)
    # no record is repaired, and the market record is not repaired on the platform.
    suggestions = [s["zh"] for s in report["suggestions"]]
    assert any("第二十二条第（三）项" in s for s in suggestions), suggestions
    assert not any(REPAIR_ZH in s for s in suggestions), suggestions
    assert report["subject"]["name"] == world.subjects["company"].name
    assert report["subject"]["former_names"] == ["福州晨光文具店"]


def test_the_html_report_shows_labels_not_keys(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    from tests.disclosure_helpers import company_penalty

    company_penalty(db, clock, world)
    reference = world.subjects["company"].reference
    name = world.subjects["company"].name
    db.commit()
    response = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("company")
    )
    assert response.status_code == 200, response.text
    html = response.text
    assert "行政处罚决定书文号" in html
    assert "处罚内容" in html
    for key in ("decision_number", "penalty_content", "violation_type"):
        assert f">{key}<" not in html
    # The subject's own columns are in the basic information once, not in every item.
    penalty = definition(db, "administrative_penalty")
    for hidden in FIELD_LABELS_HIDDEN:
        assert f"{penalty.field(hidden).label_zh}：" not in html
    assert "法定代表人：陈某" in html  # the fields that are shown: label：value
    assert html.count(name) >= 1
    assert "信息提供单位报送" in html  # as the subject's pages say it
    assert "有效" in html


def test_the_html_report_says_a_choice_stored_as_an_english_word_in_chinese(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    """A penalty's severity class is stored as ``serious``: the report says 严重, as the
    subject's file does; a free-text field's words stay as the source wrote them."""
    from tests.disclosure_helpers import company_penalty

    world = disclosure_world
    company_penalty(db, clock, world, severity="serious", remarks="serious")
    reference = world.subjects["company"].reference
    db.commit()
    response = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("company")
    )
    assert response.status_code == 200, response.text
    assert "失信严重程度：严重" in response.text
    assert "失信严重程度：serious" not in response.text
    assert "备注：serious" in response.text


# --- change history and as_of ------------------------------------------------------------------


def test_history_and_the_file_as_it_stood(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    regulator = world.organisations["regulator"]
    source = {"code": regulator.code, "name": regulator.name}
    reference = world.subjects["company"].reference
    first = penalty_row(world, penalty_content="罚款人民币壹万元", fine_amount="1")
    assert ingest(db, clock, regulator, [first]).batch.created == 1
    db.commit()
    clock.advance(dt.timedelta(days=3))
    second = {**first, "penalty_content": "罚款人民币贰万元", "fine_amount": "2"}
    report = ingest(db, clock, regulator, [second])
    assert (report.batch.created, report.batch.updated) == (0, 1)
    db.commit()

    (item,) = items_of(report_json(client, tokens, "company", reference))
    assert item["content"]["penalty_content"] == "罚款人民币贰万元"
    assert [(h["version"], h["reason"], h["source"], h["at"][:10]) for h in item["history"]] == [
        (1, "created by source", source, "2026-11-27"),
        (2, "updated by source", source, "2026-11-30"),
    ]
    assert item["history"][0]["batch"] != item["history"][1]["batch"]
    # As the file stood before the update: the first version, and only its history.
    before = report_json(client, tokens, "company", reference, as_of=TODAY.isoformat())
    assert before["as_of"] == TODAY.isoformat()
    (old,) = items_of(before)
    assert old["content"]["penalty_content"] == "罚款人民币壹万元"
    assert [h["reason"] for h in old["history"]] == ["created by source"]
    # Before the record existed: no record at all.
    earlier = (TODAY - dt.timedelta(days=1)).isoformat()
    assert items_of(report_json(client, tokens, "company", reference, as_of=earlier)) == []
    # The future cannot be reported on.
    future = (clock.today() + dt.timedelta(days=1)).isoformat()
    response = client.get(
        f"{API}/subjects/{reference}/report", params={"as_of": future}, headers=tokens("company")
    )
    assert error_of(response) == (422, "future_date", None)


def test_a_report_after_a_change_shows_it_though_record_views_are_reused(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Reports reuse the record views (and their encoded items) of earlier ones while
    nothing they show has changed: a new version or a renamed source unit shows at once,
    and the hashed text is the standard library's for the content as sent."""
    world = disclosure_world
    regulator = world.organisations["regulator"]
    company = world.subjects["company"]
    actor = accounts.actor_for_user(world.users["company"])
    first = penalty_row(world, penalty_content="罚款人民币壹万元", fine_amount="1")
    assert ingest(db, clock, regulator, [first]).batch.created == 1
    db.flush()

    def issued_item() -> tuple[dict[str, Any], reports.IssuedReport]:
        issued = reports.issue(db, clock, actor, company)
        content = json.loads(issued.body)
        hashed = {
            k: v for k, v in content.items() if k not in ("content_sha256", "verification_code")
        }
        canonical = json.dumps(hashed, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert hashlib.sha256(canonical.encode()).hexdigest() == issued.report.content_sha256
        # The body as sent is those bytes with the hash and the code appended.
        assert issued.body.startswith(canonical.encode()[:-1] + b',"content_sha256":')
        assert content["sections"] == issued.content["sections"]
        (item,) = items_of(content)
        return item, issued

    before, _ = issued_item()
    again, _ = issued_item()
    assert again == before
    clock.advance(dt.timedelta(days=3))
    second = {**first, "penalty_content": "罚款人民币贰万元", "fine_amount": "2"}
    assert ingest(db, clock, regulator, [second]).batch.updated == 1
    db.flush()
    after, _ = issued_item()
    assert after["content"]["penalty_content"] == "罚款人民币贰万元"
    assert [h["version"] for h in after["history"]] == [1, 2]
    regulator.name = "福州市市场监督管理局（更名）"
    db.flush()
    renamed, _ = issued_item()
    assert renamed["source"]["name"] == "福州市市场监督管理局（更名）"
    assert {h["source"]["name"] for h in renamed["history"]} == {"福州市市场监督管理局（更名）"}
    files.clear_view_cache()
    fresh, _ = issued_item()
    assert fresh == renamed


def test_issuing_writes_the_log_entry_report_row_and_audit_event_at_once_and_the_chain_holds(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The read's access-log entry, the report row and the audit event are written
    together at the end of issuing (on PostgreSQL in two statements, the chain's place
    reserved with the report row): each report has one log entry and its event, in
    order with other events, and the audit chain verifies."""
    from tests.disclosure_helpers import company_penalty

    world = disclosure_world
    company_penalty(db, clock, world)
    company = world.subjects["company"]
    actor = accounts.actor_for_user(world.users["company"])
    before = db.scalar(select(func.max(AuditEvent.sequence))) or 0
    first = reports.issue(db, clock, actor, company)
    audit.record(db, clock, audit.SYSTEM, "test.between")
    second = reports.issue(db, clock, actor, company)
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.sequence > before).order_by(AuditEvent.sequence)
    ).all()
    assert [(e.sequence, e.action, e.target_id) for e in events] == [
        (before + 1, "report.issue", str(first.report.id)),
        (before + 2, "test.between", None),
        (before + 3, "report.issue", str(second.report.id)),
    ]
    logged = db.scalars(
        select(AccessEvent.report_number).where(
            AccessEvent.subject_id == company.id, AccessEvent.granted
        )
    ).all()
    assert Counter(logged)[first.report.number] == Counter(logged)[second.report.number] == 1
    stored = db.scalars(select(CreditReport.id).where(CreditReport.subject_id == company.id))
    assert {first.report.id, second.report.id} <= set(stored)
    assert audit.verify(db).ok


def test_a_file_is_reused_only_while_what_it_is_made_of_is_the_same(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Files are kept per subject and question and reused while the rows read are the
    same: a changed record row, a renamed source unit or another question is made anew."""
    from tests.disclosure_helpers import company_penalty

    world = disclosure_world
    record = company_penalty(db, clock, world)
    company = world.subjects["company"]
    today = clock.today()
    (first,) = files.build_file(db, company, today=today)
    (again,) = files.build_file(db, company, today=today)
    assert again is first
    assert first.public
    # The record row, not a version (the window is the version's, decision 0025).
    record.awaiting_review = True
    db.flush()
    (ended,) = files.build_file(db, company, today=today)
    assert not ended.public
    assert files.build_file(db, company, today=today, public_only=True) == []
    world.organisations["regulator"].name = "福州市市场监督管理局（新）"
    db.flush()
    (renamed,) = files.build_file(db, company, today=today)
    assert renamed.source_name == "福州市市场监督管理局（新）"
    assert [v.source_name for v in renamed.history] == ["福州市市场监督管理局（新）"]
    (as_then,) = files.build_file(db, company, today=today, as_of=today)
    assert as_then == renamed  # another question (as of today), the same content


# --- number, verification code, content hash ---------------------------------------------------


def test_a_report_can_be_verified(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    from tests.disclosure_helpers import company_penalty

    company_penalty(db, clock, world)
    reference = world.subjects["company"].reference
    db.commit()
    report = report_json(client, tokens, "company", reference)
    number, code, digest = report["number"], report["verification_code"], report["content_sha256"]
    assert number.startswith("XY20261127")
    assert len(number) == 18
    # The hash of the JSON as delivered, recomputed by whoever holds it.
    assert reports.content_hash_of(report) == digest
    stored = db.scalar(select(CreditReport).where(CreditReport.number == number))
    assert stored is not None
    assert (stored.verification_code, stored.content_sha256, stored.legal_path) == (
        code,
        digest,
        LegalPath.SELF,
    )
    assert stored.record_count == 1

    def verify(**params: str) -> Any:
        return client.get(f"{API}/reports/{number}/verify", params=params)

    body = verify(code=code).json()
    assert (body["genuine"], body["verification_code_matches"]) == (True, True)
    assert body["subject"] == world.subjects["company"].name
    body = verify(code=code.lower(), sha256=digest).json()  # codes are case-insensitive
    assert (body["genuine"], body["content_matches"]) == (True, True)
    wrong = verify(code="0" * 12).json()
    assert (wrong["genuine"], wrong["verification_code_matches"]) == (False, False)
    # A code with characters no real code has simply does not match (it was a 500: found
    # by tests/test_api_fuzz.py); a NUL character is refused, as in every field.
    for foreign in ("验证码", "é"):
        answer = verify(code=foreign)
        assert answer.status_code == 200, answer.text
        assert answer.json()["verification_code_matches"] is False
    refused = verify(code="\x00")
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, "nul_character")
    assert wrong["subject"] == "—"  # a wrong code learns nothing about the subject
    # An altered copy: its hash no longer matches the one on file.
    altered = json.loads(json.dumps(report))
    altered["sections"][1]["items"][0]["content"]["penalty_content"] = "警告"
    forged = reports.content_hash_of(altered)
    assert forged != digest
    body = verify(code=code, sha256=forged).json()
    assert (body["genuine"], body["content_matches"]) == (False, False)
    # A number alone proves nothing: the code printed with it is required.
    assert verify().json()["genuine"] is False
    unknown = client.get(f"{API}/reports/XY2026112700000000/verify", params={"code": code})
    assert error_of(unknown) == (404, "unknown_report", None)


# --- free reports for natural persons ----------------------------------------------------------


def test_a_natural_person_gets_two_free_reports_a_year(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    person_penalty(db, clock, world)
    make_query_item(db, clock, world)
    person = world.subjects["person"]
    reference, person_id = person.reference, person.id
    company = world.subjects["company"].reference
    db.commit()
    # A querier's report is not the person's own and uses none of the allowance.
    queried = report_json(client, tokens, "querier", reference, query_item=ITEM, matter=MATTER_CODE)
    assert queried["free_reports"] is None
    used = [report_json(client, tokens, "citizen", reference)["free_reports"] for _ in range(3)]
    assert used == [
        {"used_this_year": 1, "allowance": 2, "this_one_free": True},
        {"used_this_year": 2, "allowance": 2, "this_one_free": True},
        {"used_this_year": 2, "allowance": 2, "this_one_free": False},  # the third is not
    ]
    free = db.scalars(
        select(CreditReport.free)
        .where(CreditReport.subject_id == person_id)
        .order_by(CreditReport.issued_at, CreditReport.id)
    ).all()
    assert free == [False, True, True, False]
    # The report itself says whether it was one of the free ones.
    html = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("citizen")
    )
    assert "本年度免费报告已用完，本报告不属免费报告" in html.text
    # Organisations have no allowance to count.
    assert report_json(client, tokens, "company", company)["free_reports"] is None
    # The year is China's: half past midnight on 1 January (16:30 UTC the day before)
    # starts a new allowance, and the reports made then count towards it.
    clock.set(at(dt.date(2027, 1, 1), 0, 30))
    used = [
        report_json(client, tokens, "citizen", reference)["free_reports"]["used_this_year"]
        for _ in range(3)
    ]
    assert used == [1, 2, 2]
    html = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("citizen")
    ).text
    assert "已使用 2 / 2 份" in html


def test_the_free_reports_a_year_are_the_configured_number(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    settings: Settings,
) -> None:
    """``XINYONG_FREE_REPORTS_PER_YEAR`` (at least 2) gives more free reports: the report
    and the subject's file page count against it."""
    world = disclosure_world
    person_penalty(db, clock, world)
    reference = world.subjects["person"].reference
    db.commit()
    settings.free_reports_per_year = 3
    used = [report_json(client, tokens, "citizen", reference)["free_reports"] for _ in range(4)]
    assert [(u["used_this_year"], u["allowance"], u["this_one_free"]) for u in used] == [
        (1, 3, True),
        (2, 3, True),
        (3, 3, True),
        (3, 3, False),
    ]
    log_in(client, "citizen")
    page = client.get("/me/credit", headers=HTML)
    assert page.status_code == 200, page.text
    assert 'data-free-used="3"' in page.text
    assert "本年度免费报告：已使用 3 份，共 3 份。" in page.text
    html = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("citizen")
    ).text
    assert "已使用 3 / 3 份" in html


# --- the requester in the report, and the PDF ---------------------------------------------------


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: it comes with poppler-utils "
            "(`make system-packages` installs it, or `apt-get install poppler-utils`)"
        )
    return path


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, check=True, timeout=60)
    return done.stdout.decode("utf-8", errors="replace")


def test_the_pdf_embeds_a_cjk_font_renders_chinese_and_names_the_requester(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    world = disclosure_world
    from tests.disclosure_helpers import arrears, company_penalty

    company_penalty(db, clock, world)
    arrears(db, clock, world, "company")
    make_query_item(db, clock, world)
    company = world.subjects["company"]
    reference, name = company.reference, company.name
    regulator = world.organisations["regulator"].name
    db.commit()
    response = client.get(
        f"{API}/subjects/{reference}/report",
        params={"format": "pdf", "query_item": ITEM, "matter": MATTER_CODE},
        headers=tokens("querier"),
    )
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    number = response.headers["content-disposition"].split("credit-report-")[1].rstrip('"pdf.')
    stored = db.scalar(select(CreditReport).where(CreditReport.number == number))
    assert stored is not None
    assert stored.requester_label == f"{regulator} · query_officer · querier"
    assert stored.organisation_id == world.organisations["regulator"].id

    fonts = _run(_tool("pdffonts"), str(path)).splitlines()
    cjk = [line for line in fonts if re.search(r"Noto[- ]?Sans[- ]?CJK[- ]?SC", line)]
    assert cjk, "\n".join(fonts)
    header = fonts[0]
    emb = header.index("emb")
    assert all(line[emb : emb + 3] == "yes" for line in cjk), "\n".join(fonts)

    text = _run(_tool("pdftotext"), "-layout", str(path), "-")
    compact = "".join(text.split())
    assert "信用报告" in compact
    assert name in compact
    assert "行政处罚决定书文号" in compact  # labels, not keys
    assert "decision_number" not in compact
    # Who asked is printed on every page, with the report number, for tracing a leak (the
    # role in words, as the pages print it; the stored label keeps the role's code).
    assert f"查询人{regulator}·查询人员·querier" in compact
    assert number in compact

    _run(
        _tool("pdftoppm"),
        "-png",
        "-r",
        "50",
        "-f",
        "1",
        "-l",
        "1",
        str(path),
        str(tmp_path / "page"),
    )
    (image,) = sorted(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(io.BytesIO(image.read_bytes())) as page:
        grey = page.convert("L")
        pixels = grey.tobytes()  # one byte a pixel in "L" mode
    dark = sum(1 for p in pixels if p < 128) / len(pixels)
    # A page of text: some ink, and nowhere near a black page.
    assert 0.01 < dark < 0.5, dark


def test_the_api_serves_html_and_pdf_as_the_pages_do(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    """The printed form names the requester's role in words whichever way it was asked for
    (the JSON keeps the role's code, as issued and hashed)."""
    world = disclosure_world
    person_penalty(db, clock, world)
    make_query_item(db, clock, world)
    reference = world.subjects["person"].reference
    db.commit()
    params = {"query_item": ITEM, "matter": MATTER_CODE}
    html = client.get(
        f"{API}/subjects/{reference}/report",
        params={**params, "format": "html"},
        headers=tokens("querier"),
    )
    assert html.status_code == 200, html.text
    assert "query_officer" not in html.text
    assert "查询" in html.text
    pdf = client.get(
        f"{API}/subjects/{reference}/report",
        params={**params, "format": "pdf"},
        headers=tokens("querier"),
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    issued = report_json(client, tokens, "querier", reference, **params)
    assert "query_officer" in issued["requested_by"]


def test_the_report_reads_a_versions_reason_and_detail_as_the_subjects_pages_do(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
    tmp_path: Path,
) -> None:
    """A version the platform wrote (an objection received, with its ground) reads in
    Chinese on the report's HTML page and its printed form alike, never in the services'
    English."""
    world = disclosure_world
    from tests.disclosure_helpers import company_penalty
    from xinyong.objections import service as objections

    record = company_penalty(db, clock, world)
    objections.raise_objection(
        db,
        clock,
        accounts.actor_for_user(world.users["company"]),
        record.id,
        ground="error",
        statement="罚款金额有误",
    )
    reference = world.subjects["company"].reference
    db.commit()
    html = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "html"}, headers=tokens("company")
    )
    assert html.status_code == 200, html.text[:300]
    pdf = client.get(
        f"{API}/subjects/{reference}/report", params={"format": "pdf"}, headers=tokens("company")
    )
    assert pdf.status_code == 200, pdf.text[:300]
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    printed = "".join(_run(_tool("pdftotext"), str(path), "-").split())
    for text in ("".join(html.text.split()), printed):
        assert "收到异议（第二十五条）" in text
        assert "objection received" not in text
    assert re.search(r"异议\d+，理由：", "".join(html.text.split()))  # the objection's number
