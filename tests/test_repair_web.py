"""Credit repair (Art. 20–23) over the API and in the pages: the refusal's shape with the
article and the condition, the public progress by query code, and the pages from the
application to the repaired record, in Chinese and English."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    next_decision_number,
    record_by_decision,
)
from tests.disclosure_helpers import (
    access_events,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers, record_objection
from tests.lists_helpers import (
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
)
from tests.page_helpers import csrf_from, log_in
from tests.repair_helpers import application, old_decision
from tests.repair_helpers import apply as apply_case
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase


def assert_links_only_to_open_queues(client: TestClient, page: str) -> None:
    linked = [q for q in ("/repair-cases", "/repair-cases/source") if f'href="{q}"' in page]
    assert linked
    for queue in linked:
        assert client.get(queue).status_code == 200, queue


def test_api_apply_refuse_follow_and_decide(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    recent = company_penalty(db, clock, world)
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    db.commit()
    company = auth_headers(client, "company")
    body = {**application(), "declared": sorted(application()["declared"])}
    checklist = client.get(f"/api/v1/me/records/{record.id}/repair-checklist", headers=company)
    assert checklist.status_code == 200
    items = {item["code"]: item for item in checklist.json()["items"]}
    assert items["publicity_period_passed"]["ok"]
    assert not items["commitment_made"]["ok"]  # no statements yet
    early = client.post(f"/api/v1/me/records/{recent.id}/repairs", json=body, headers=company)
    assert early.status_code == 422
    error = early.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "repair_condition_unmet",
        "publicity_period_passed",
        "国家发展改革委令第36号",
    )
    applied = client.post(f"/api/v1/me/records/{record.id}/repairs", json=body, headers=company)
    assert applied.status_code == 201, applied.text
    case = applied.json()
    assert case["status"] == "submitted"
    assert case["deadlines"][0]["what"] == "feedback"
    code = case["query_code"]
    # Anyone with the code: status and dates only.
    progress = client.get(f"/api/v1/repair-progress/{code}")
    assert progress.status_code == 200
    assert set(progress.json()) == {
        "status",
        "applied_on",
        "feedback_on",
        "decided_on",
        "ended_for_fraud_on",
        "deadlines",
    }
    assert client.get("/api/v1/repair-progress/NOPE-NOPE").status_code == 404
    mine = client.get("/api/v1/me/repairs", headers=company).json()["items"]
    assert [c["id"] for c in mine] == [case["id"]]

    handler = auth_headers(client, "objections")
    queue = client.get("/api/v1/repair-cases", headers=handler).json()["items"]
    assert [c["id"] for c in queue] == [case["id"]]
    assert "query_code" not in queue[0]
    accepted = client.post(
        f"/api/v1/repair-cases/{case['id']}/feedback", json={"accept": True}, headers=handler
    )
    assert accepted.json()["status"] == "accepted"
    source = auth_headers(client, "caseofficer")
    approved = client.post(
        f"/api/v1/repair-cases/{case['id']}/decide",
        json={"approve": True, "reasons": "已整改并缴纳罚款"},
        headers=source,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["record"]["status"] == "repaired"
    again = client.post(
        f"/api/v1/repair-cases/{case['id']}/decide",
        json={"approve": True, "reasons": "x"},
        headers=source,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "repair_closed"


def test_pages_from_application_to_repair(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    db.commit()
    log_in(client, "company")
    credit = client.get("/me/credit")
    assert f'href="/me/repairs?record={record.id}"' in credit.text
    page = client.get(f"/me/repairs?record={record.id}")
    assert page.status_code == 200
    assert 'data-check="publicity_period_passed" data-ok="true"' in page.text
    values = application()
    form = {
        "record": record.id,
        "correction": values["correction"],
        "evidence": values["evidence"],
        "commitment_text": values["commitment_text"],
        "csrf_token": csrf_from(page.text),
    }
    # A commitment number that is no row id ("²" is a digit to str.isdigit, the second
    # past any row id) is no commitment linked: the checklist says so, never a 500.
    for odd in ("²", "9" * 20):
        unlinked = client.post(
            "/me/repairs",
            data={
                **form,
                "commitment_text": "",
                "commitment_record": odd,
                "declared": sorted(values["declared"]),
            },
        )
        assert unlinked.status_code == 422, odd
        assert 'data-check="commitment_made" data-ok="false"' in unlinked.text
    refused = client.post("/me/repairs", data={**form, "declared": ["corrected"]})
    assert refused.status_code == 422
    assert 'data-code="repair_condition_unmet"' in refused.text
    assert 'data-check="accepts_supervision" data-ok="false"' in refused.text
    applied = client.post("/me/repairs", data={**form, "declared": sorted(values["declared"])})
    assert applied.status_code == 200
    assert 'data-status="submitted"' in applied.text
    case = db.query(RepairCase).one()
    assert case.query_code in applied.text
    progress = client.get(f"/repair-progress?code={case.query_code}")
    assert 'data-status="submitted"' in progress.text
    assert world.subjects["company"].name not in progress.text.split("<main")[-1]
    client.cookies.clear()

    log_in(client, "objections")
    queue = client.get("/repair-cases")
    assert f'data-repair="{case.id}"' in queue.text
    page = client.get(f"/repair-cases/{case.id}")
    assert_links_only_to_open_queues(client, page.text)
    done = client.post(
        f"/repair-cases/{case.id}/feedback",
        data={"accept": "yes", "reasons": "", "csrf_token": csrf_from(page.text)},
    )
    assert 'data-status="accepted"' in done.text
    client.cookies.clear()

    log_in(client, "caseofficer")
    before = len(access_events(db, world.subjects["company"].id))
    queue = client.get("/repair-cases/source?lang=en")
    assert "The source decides by" in queue.text
    # The queue shows the correction and evidence: a use in the subject's access log.
    logged = access_events(db, world.subjects["company"].id)[before:]
    assert [e.what for e in logged] == ["repair_case"]
    page = client.get(f"/repair-cases/{case.id}")
    # The regulator's case officer: its own queue, not the credit authority's (403).
    assert 'href="/repair-cases"' not in page.text
    assert 'href="/repair-cases/source"' in page.text
    assert_links_only_to_open_queues(client, page.text)
    for malformed in ({"approve": "-1"}, {"approve": ""}, {}):
        # Neither yes nor no is not a decision: it used to count as a rejection.
        refused = client.post(
            f"/repair-cases/{case.id}/decide",
            data={**malformed, "reasons": "-1", "csrf_token": csrf_from(page.text)},
        )
        assert refused.status_code == 422
        assert 'data-status="accepted"' in client.get(f"/repair-cases/{case.id}").text
    done = client.post(
        f"/repair-cases/{case.id}/decide",
        data={"approve": "yes", "reasons": "整改到位", "csrf_token": csrf_from(page.text)},
    )
    assert 'data-status="approved"' in done.text
    assert 'class="record-status" data-status="repaired"' in done.text
    client.cookies.clear()
    log_in(client, "company")
    credit = client.get("/me/credit")
    assert f'href="/me/repairs?record={record.id}"' not in credit.text


def test_an_art22_listing_is_refused_over_the_api_and_shown_on_the_page(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Listed under a standard naming Art. 22(1): the checklist's exclusion fails with the
    standard and its term, the application is 409 ``not_repairable`` citing Art. 22(1),
    and the page says why in the subject's language; the standards say so beforehand."""
    world = lists_world
    company = world.subjects["company"]
    number = next_decision_number()
    ingest_penalty(
        db, clock, world, company, decision_number=number, decision_date=old_decision(clock)
    )
    record_id = record_by_decision(db, number).id
    entry = published_entry(db, clock, world, company, "serious_health_safety")
    standard = entries.standard(db, "serious_health_safety").name
    until = str(entry.term_end)
    db.commit()

    headers = auth_headers(client, "company")
    listed = client.get(f"/api/v1/me/records/{record_id}/repair-checklist", headers=headers)
    assert listed.status_code == 200
    (check,) = [c for c in listed.json()["items"] if c["code"] == "art22_1"]
    assert (check["ok"], check["article"], check["params"]) == (
        False,
        "Art. 22(1)",
        {"standard": standard, "until": until},
    )
    body = {**application(), "declared": sorted(application()["declared"])}
    refused = client.post(f"/api/v1/me/records/{record_id}/repairs", json=body, headers=headers)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "not_repairable",
        "art22_1",
        "Art. 22(1)",
    )

    log_in(client, "company")
    page = client.get(f"/me/repairs?record={record_id}")
    assert 'data-check="art22_1" data-ok="false"' in page.text
    assert f'data-listed="{standard}"' in page.text
    assert until in page.text
    english = client.get(f"/me/repairs?record={record_id}&lang=en")
    assert "no repair is granted while the entry is in force" in english.text

    standards = {s["code"]: s for s in client.get("/api/v1/list-standards").json()["items"]}
    assert standards["serious_health_safety"]["repair_exclusion"] == "22(1)"
    assert standards["dishonest_subject"]["repair_exclusion"] is None
    shown = client.get("/list-standards?lang=en")
    assert 'data-repair-exclusion="22(1)"' in shown.text
    assert "Not granted while an entry under this standard is in force" in shown.text


def test_a_preview_of_another_subjects_record_is_answered_as_missing_and_audited(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """``/me/repairs?record=`` naming another subject's record: the page answers as for a
    record that does not exist (no checklist, the same page), and the refused access is
    audited as the API's checklist audits it (a concealed refusal, Art. 13)."""
    world = disclosure_world
    others = company_penalty(db, clock, world, "other_company", decision_date=old_decision(clock))
    db.commit()
    missing_id = others.id + 1000

    def refusals() -> list[tuple[str, str | None, str | None, str | None]]:
        db.expire_all()
        return [
            (e.details["code"], e.details.get("route"), e.details.get("article"), e.actor_id)
            for e in db.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "access.refused")
                .order_by(AuditEvent.sequence)
            )
        ]

    log_in(client, "company")
    missing = client.get(f"/me/repairs?record={missing_id}")
    assert missing.status_code == 200
    assert refusals() == []  # only missing: nothing was refused
    concealed = client.get(f"/me/repairs?record={others.id}")
    assert concealed.status_code == 200
    assert "data-check=" not in concealed.text
    # The same page but for the id asked for, which the language switch carries along.
    assert concealed.text.replace(f'value="{others.id}"', "") == missing.text.replace(
        f'value="{missing_id}"', ""
    )
    company = world.users["company"].id
    assert refusals() == [("not_found", "/me/repairs", "Art. 13", f"user:{company}")]
    # A refused application for it is audited once, not again by the checklist shown with it.
    page = client.get("/me/repairs")
    body = {
        **application(),
        "declared": sorted(application()["declared"]),
        "record": str(others.id),
        "csrf_token": csrf_from(page.text),
    }
    applied = client.post("/me/repairs", data=body)
    assert applied.status_code == 404
    assert len(refusals()) == 2


def _accepted_case(db: Session, clock: FixedClock, world: World) -> tuple[RepairCase, int]:
    """The company's application to repair its penalty, accepted: the source decides."""
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply_case(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    db.commit()
    return case, record.id


def test_a_refused_decision_keeps_the_reasons_and_the_choice_beside_the_refusal(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """An objection raised while the repair waits for the source (Art. 25: decided first)
    refuses the approval, which the page then no longer offers; the officer's reasons come
    back with the refusal, in every language, and once the case has moved on they are kept
    beneath the refusal."""
    world = disclosure_world
    case, record_id = _accepted_case(db, clock, world)
    record_objection(db, clock, world, record_id)
    db.commit()
    # Taken before the requests, which leave the world's accounts detached.
    officer = actor_of(world, "caseofficer")

    log_in(client, "caseofficer")
    # The page offers no approval while the objection is undecided, and says why.
    shown = client.get(f"/repair-cases/{case.id}").text
    assert re.search(r'name="approve" value="yes" disabled', shown)
    assert re.search(r'name="approve" value="no" required', shown)
    assert "data-approval-waits" in shown
    token = csrf_from(shown)
    # Sent anyway (a page loaded before the objection came in): refused, the input kept.
    for lang in ("zh_Hans", "en"):
        refused = client.post(
            f"/repair-cases/{case.id}/decide?lang={lang}",
            data={"approve": "yes", "reasons": "整改到位，同意修复", "csrf_token": token},
        )
        assert refused.status_code == 409, lang
        form = refused.text[refused.text.index(f'action="/repair-cases/{case.id}/decide"') :]
        assert 'data-code="not_repairable"' in refused.text
        assert ">整改到位，同意修复</textarea>" in form, lang
        assert re.search(r'name="approve" value="yes" disabled', form), lang
        assert "data-approval-waits" in form, lang
    # The record's status inside the English sentence, in lower case as the sentence reads.
    assert "the record is under objection now and cannot be repaired" in refused.text

    # Meanwhile the case is terminated for fraud: no form is left to decide in, and what
    # was typed stays beneath the refusal.
    repair.fraud(db, clock, officer, case.id, reasons="证据系伪造")
    db.commit()
    late = client.post(
        f"/repair-cases/{case.id}/decide?lang=zh_Hans",
        data={"approve": "no", "reasons": "不予修复的理由", "csrf_token": token},
    )
    assert late.status_code == 409
    assert 'data-kept-step="decided"' in late.text
    kept = late.text[late.text.index("data-kept-reasons") :]
    assert "不予修复的理由" in kept
    assert "<strong>驳回</strong>" in kept


def test_a_record_being_repaired_points_to_its_application_instead_of_offering_another(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """A second application for the same record is always refused (``repair_pending``,
    Art. 21): neither page offers it; both name the one being handled, with a link."""
    world = disclosure_world
    pending = company_penalty(db, clock, world, decision_date=old_decision(clock))
    free = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply_case(db, clock, world, pending.id)
    db.commit()
    log_in(client, "company")

    credit = client.get("/me/credit").text
    assert f'href="/me/repairs?record={pending.id}"' not in credit
    assert f'href="/me/repairs?record={free.id}"' in credit
    assert f'class="repair-pending" href="/repair-cases/{case.id}"' in credit
    repairs = client.get("/me/repairs").text
    assert f'<option value="{pending.id}"' not in repairs
    assert f'<option value="{free.id}"' in repairs
    assert f'<li data-record="{pending.id}">' in repairs
    assert f'href="/repair-cases/{case.id}"' in repairs


def test_the_english_repair_page_names_the_record_types_in_english(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    pending = company_penalty(db, clock, world, decision_date=old_decision(clock))
    free = company_penalty(db, clock, world, decision_date=old_decision(clock))
    apply_case(db, clock, world, pending.id)
    db.commit()
    log_in(client, "company")
    english = client.get("/me/repairs?lang=en").text
    assert f"Record no. {free.id} — Administrative penalty —" in english
    assert f"Record no. {pending.id} — Administrative penalty —" in english
    assert "行政处罚 —" not in english
    chinese = client.get("/me/repairs?lang=zh_Hans").text
    assert "— 行政处罚 —" in chinese
