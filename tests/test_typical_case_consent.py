"""The subject's own consent to be named in a credit-repair typical case (Art. 20, 32;
decision 0030): asked by an officer, given or refused by the subject from its account,
withdrawn at any time with the case anonymised at once; the anonymised form never names
the subject; every step audited; the API and the pages."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.lists_helpers import (
    actor,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.publicity_helpers import add_second_officer, drafted, repaired_case
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.collection.records import current_version
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from xinyong.publicity import cases, consent
from xinyong.publicity.models import CaseKind, ConsentStatus, TypicalCase
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase

ANONYMISED = {
    "title": "某文具企业主动整改完成信用修复",
    "narrative": "某文具企业因虚假宣传受到行政处罚后主动整改，作出信用承诺，完成信用修复。",
    "title_en": "A stationery trader repaired its credit",
    "narrative_en": "Fined for misleading advertising, it corrected its conduct.",
}


@pytest.fixture
def pworld(lists_world: World, db: Session) -> World:
    add_second_officer(lists_world)
    db.commit()
    return lists_world


def _asked(db: Session, world: World, **values: object) -> TypicalCase:
    repaired = repaired_case(world)
    fields = {**ANONYMISED, **values}
    return drafted(
        db,
        world,
        CaseKind.CREDIT_REPAIR,
        repair_case_id=repaired.id,
        request_consent=True,
        **fields,
    )


def _published(db: Session, world: World, clock: FixedClock, **values: object) -> TypicalCase:
    case = _asked(db, world, **values)
    cases.publish(db, clock, actor(world, "authority2"), case.id)
    return case


def _identifying(db: Session, world: World, case: TypicalCase) -> list[str]:
    company = world.subjects["company"]
    repair_case = db.get(RepairCase, case.repair_case_id)
    assert repair_case is not None
    record = db.get(CreditRecord, repair_case.record_id)
    assert record is not None
    number = current_version(db, record).payload["decision_number"]
    return [company.name, company.uscc or "?", company.reference, number]


def _actions(db: Session, case: TypicalCase) -> list[str]:
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "typical_case", AuditEvent.target_id == str(case.id))
            .order_by(AuditEvent.sequence)
        )
    )


def test_the_subject_consents_then_withdraws_and_the_case_follows_at_once(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = _published(db, pworld, clock)
    company = pworld.subjects["company"]
    # Asked, not yet answered: published anonymised.
    assert cases.shown_one(db, clock.today(), case.id).subject is None
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    assert request.consent.status is ConsentStatus.REQUESTED
    assert request.shown
    assert not request.names_subject
    assert request.named.subject is not None
    assert request.named.subject.display_name == company.name
    assert request.anonymised.subject is None
    assert request.anonymised.repair is not None
    assert consent.awaiting_answer(db, actor(pworld, "company")) == 1
    with pytest.raises(InvalidInput) as unacknowledged:
        consent.answer(db, clock, actor(pworld, "company"), request.consent.id, consent=True)
    assert (unacknowledged.value.code, unacknowledged.value.field) == (
        "acknowledgement_required",
        "consequences_acknowledged",
    )
    consent.answer(
        db,
        clock,
        actor(pworld, "company"),
        request.consent.id,
        consent=True,
        consequences_acknowledged=True,
    )
    shown = cases.shown_one(db, clock.today(), case.id)
    assert shown.subject is not None
    assert (shown.subject.display_name, shown.subject.code) == (company.name, company.uscc)
    staff = cases.staff_case(db, clock, actor(pworld, "authority"), case.id)
    assert staff.named
    assert staff.consent is not None
    assert consent.awaiting_answer(db, actor(pworld, "company")) == 0
    consent.withdraw(db, clock, actor(pworld, "company"), request.consent.id)
    (listed,) = cases.shown(db, clock.today())
    assert listed.subject is None
    assert listed.repair is not None
    with pytest.raises(Conflict) as again:
        consent.withdraw(db, clock, actor(pworld, "company"), request.consent.id)
    assert again.value.code == "consent_not_given"
    with pytest.raises(Conflict) as reask:
        cases.request_consent(db, clock, actor(pworld, "authority"), case.id)
    assert (reask.value.code, reask.value.article) == ("consent_refused", "Art. 20")
    assert _actions(db, case) == [
        "typical_case.drafted",
        "typical_case.consent_requested",
        "typical_case.published",
        "typical_case.consent_given",
        "typical_case.consent_withdrawn",
    ]


def test_a_refusal_keeps_the_case_anonymised_and_is_final(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = _published(db, pworld, clock)
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    consent.answer(db, clock, actor(pworld, "company"), request.consent.id, consent=False)
    assert cases.shown_one(db, clock.today(), case.id).subject is None
    for yes in (True, False):
        with pytest.raises(Conflict) as answered:
            consent.answer(
                db,
                clock,
                actor(pworld, "company"),
                request.consent.id,
                consent=yes,
                consequences_acknowledged=True,
            )
        assert answered.value.code == "consent_answered"
    with pytest.raises(Conflict) as withdrawn:
        consent.withdraw(db, clock, actor(pworld, "company"), request.consent.id)
    assert withdrawn.value.code == "consent_not_given"
    assert _actions(db, case)[-1] == "typical_case.consent_refused"


def test_the_subjects_answer_prevails_over_a_paper_consent(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = _published(db, pworld, clock, consent_evidence="企业书面同意书（2026年11月20日）")
    # Named on the paper consent while the request waits.
    assert cases.shown_one(db, clock.today(), case.id).subject is not None
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    assert request.names_subject
    consent.answer(db, clock, actor(pworld, "company"), request.consent.id, consent=False)
    assert cases.shown_one(db, clock.today(), case.id).subject is None


def test_a_case_whose_subject_is_asked_may_not_name_it_in_its_texts(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    """It may be shown anonymised after a refusal or a withdrawal, so its texts must read
    anonymised even with a paper consent; asking later is refused the same way."""
    company = pworld.subjects["company"]
    naming = {"title": f"{company.name}完成信用修复", "consent_evidence": "书面同意书"}
    with pytest.raises(InvalidInput) as refused:
        _asked(db, pworld, **naming)
    assert (refused.value.code, refused.value.field) == ("identifies_subject", "title")
    paper = drafted(
        db,
        pworld,
        CaseKind.CREDIT_REPAIR,
        repair_case_id=repaired_case(pworld).id,
        narrative="整改到位",
        **naming,
    )
    with pytest.raises(InvalidInput) as later:
        cases.request_consent(db, clock, actor(pworld, "authority"), paper.id)
    assert (later.value.code, later.value.article) == ("identifies_subject", "Art. 20")
    assert consent.requests_for(db, clock, actor(pworld, "company")) == []


def test_every_step_refuses_who_may_not_take_it(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = _asked(db, pworld)
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    # Another subject is told there is no such request: that a case about the company is
    # being prepared is the company's business.
    with pytest.raises(ConcealedRefusal) as other:
        consent.answer(db, clock, actor(pworld, "citizen"), request.consent.id, consent=False)
    assert other.value.code == "not_found"
    assert consent.requests_for(db, clock, actor(pworld, "citizen")) == []
    for staff in ("authority", "caseofficer"):
        with pytest.raises(PermissionDenied) as refused:
            consent.requests_for(db, clock, actor(pworld, staff))
        assert refused.value.code == "permission_denied"
    with pytest.raises(NotAuthenticated):
        consent.answer(db, clock, ANONYMOUS_ACTOR, request.consent.id, consent=False)
    with pytest.raises(NotFound):
        consent.answer(db, clock, actor(pworld, "company"), 999_999, consent=False)
    with pytest.raises(PermissionDenied) as subject_asks:
        cases.request_consent(db, clock, actor(pworld, "company"), case.id)
    assert subject_asks.value.code == "permission_denied"
    with pytest.raises(Conflict) as twice:
        cases.request_consent(db, clock, actor(pworld, "authority2"), case.id)
    assert twice.value.code == "consent_already_requested"
    practice = drafted(db, pworld, CaseKind.JOINT_PRACTICE, title="联合奖惩做法")
    with pytest.raises(InvalidInput) as wrong_kind:
        cases.request_consent(db, clock, actor(pworld, "authority"), practice.id)
    assert wrong_kind.value.code == "consent_not_applicable"


def test_no_consent_to_a_withdrawn_case_or_a_revoked_repair(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = _published(db, pworld, clock)
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    savepoint = db.begin_nested()
    cases.withdraw(db, clock, actor(pworld, "authority"), case.id, reason="案例更新")
    with pytest.raises(Conflict) as withdrawn:
        consent.answer(
            db,
            clock,
            actor(pworld, "company"),
            request.consent.id,
            consent=True,
            consequences_acknowledged=True,
        )
    assert withdrawn.value.code == "case_withdrawn"
    with pytest.raises(Conflict) as ask:
        cases.request_consent(db, clock, actor(pworld, "authority"), case.id)
    assert (ask.value.code, ask.value.article) == ("case_withdrawn", "Art. 32")
    savepoint.rollback()
    assert case.repair_case_id is not None
    repair.fraud(
        db, clock, actor(pworld, "caseofficer"), case.repair_case_id, reasons="提供虚假整改材料"
    )
    with pytest.raises(Conflict) as revoked:
        consent.answer(
            db,
            clock,
            actor(pworld, "company"),
            request.consent.id,
            consent=True,
            consequences_acknowledged=True,
        )
    assert revoked.value.code == "not_repaired"
    # Refusing is always possible.
    consent.answer(db, clock, actor(pworld, "company"), request.consent.id, consent=False)


# --- the API ----------------------------------------------------------------------------------


def test_api_officer_asks_subject_consents_and_withdraws(
    pworld: World, db: Session, client: TestClient, clock: FixedClock
) -> None:
    repaired = repaired_case(pworld)
    db.commit()
    officer, publisher = auth_headers(client, "authority"), auth_headers(client, "authority2")
    created = client.post(
        "/api/v1/typical-cases",
        json={"kind": "credit_repair", "repair_case_id": repaired.id, **ANONYMISED},
        headers=officer,
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json()["consent"] is None
    asked = client.post(f"/api/v1/typical-cases/{case_id}/consent-request", headers=officer)
    assert asked.status_code == 200, asked.text
    assert asked.json()["consent"]["status"] == "requested"
    assert asked.json()["named"] is False
    again = client.post(f"/api/v1/typical-cases/{case_id}/consent-request", headers=officer)
    assert (again.status_code, again.json()["error"]["code"]) == (
        409,
        "consent_already_requested",
    )
    client.post(f"/api/v1/typical-cases/{case_id}/publish", headers=publisher)

    mine = auth_headers(client, "company")
    listed = client.get("/api/v1/me/typical-case-consents", headers=mine)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    company = pworld.subjects["company"]
    assert item["status"] == "requested"
    assert item["case"]["title"] == ANONYMISED["title"]
    assert item["named"]["subject"]["name"] == company.name
    assert item["anonymised"]["subject"] is None
    assert item["anonymised"]["anonymised"] is True
    assert {c["code"] for c in item["adverse_consequences"]} == set(consent.CONSEQUENCES)
    consent_id = item["id"]
    assert client.get(f"/api/v1/me/typical-case-consents/{consent_id}", headers=mine).json() == (
        item
    )
    other = client.get(
        f"/api/v1/me/typical-case-consents/{consent_id}", headers=auth_headers(client, "citizen")
    )
    # Another subject's request is missing to the caller (that a case about the company is
    # being prepared is the company's business), and the refusal is audited.
    assert (other.status_code, other.json()["error"]["code"]) == (404, "not_found")
    unacknowledged = client.post(
        f"/api/v1/me/typical-case-consents/{consent_id}/answer",
        json={"consent": True},
        headers=mine,
    )
    assert unacknowledged.status_code == 422
    assert unacknowledged.json()["error"]["code"] == "acknowledgement_required"
    given = client.post(
        f"/api/v1/me/typical-case-consents/{consent_id}/answer",
        json={"consent": True, "consequences_acknowledged": True},
        headers=mine,
    )
    assert given.status_code == 200, given.text
    assert (given.json()["status"], given.json()["names_subject"]) == ("given", True)
    public = client.get(f"/api/v1/typical-cases/{case_id}").json()
    assert public["subject"]["code"] == company.uscc
    assert public["anonymised"] is False

    withdrawn = client.post(f"/api/v1/me/typical-case-consents/{consent_id}/withdraw", headers=mine)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["status"] == "withdrawn"
    public_one = client.get(f"/api/v1/typical-cases/{case_id}")
    public_list = client.get("/api/v1/typical-cases")
    assert public_one.json()["anonymised"] is True
    assert public_one.json()["subject"] is None
    case = db.get(TypicalCase, case_id)
    assert case is not None
    for text in (public_one.text, public_list.text):
        for term in _identifying(db, pworld, case):
            assert term not in text
    staff = client.get("/api/v1/typical-cases/all", headers=officer).json()["items"]
    assert [(c["id"], c["named"], c["consent"]["status"]) for c in staff] == [
        (case_id, False, "withdrawn")
    ]


# --- the pages --------------------------------------------------------------------------------


def test_pages_officer_asks_subject_answers_and_withdraws(
    pworld: World, db: Session, client: TestClient, clock: FixedClock
) -> None:
    repaired = repaired_case(pworld)
    db.commit()
    log_in(client, "authority")
    admin = client.get("/admin/typical-cases", headers=HTML)
    form = {
        "kind": "credit_repair",
        "repair_case_id": str(repaired.id),
        "request_consent": "true",
        "csrf_token": csrf_from(admin.text),
        **ANONYMISED,
    }
    company = pworld.subjects["company"]
    naming = client.post(
        "/admin/typical-cases",
        data={**form, "narrative": f"{company.name}整改到位", "consent_evidence": "同意书"},
        headers=HTML,
    )
    assert naming.status_code == 422
    assert 'data-code="identifies_subject"' in naming.text
    done = client.post("/admin/typical-cases", data=form, headers=HTML)
    assert done.status_code == 200
    assert 'data-consent="requested"' in done.text
    (staff,) = cases.all_cases(db, clock, actor(pworld, "authority"))
    cases.publish(db, clock, actor(pworld, "authority2"), staff.case.id)
    db.commit()
    client.cookies.clear()

    log_in(client, "company")
    home = client.get("/me", headers=HTML).text
    assert 'href="/me/typical-cases"' in home
    notices = client.get("/me/notices", headers=HTML).text
    assert 'href="/me/typical-cases"' in notices
    page = client.get("/me/typical-cases", headers=HTML)
    assert page.status_code == 200
    assert "公开名称意味着什么" in page.text  # what being named means
    assert 'data-consequence="republished"' in page.text
    assert company.name in page.text  # the named preview
    assert 'data-anonymised="true"' in page.text  # and the anonymised one
    (request,) = consent.requests_for(db, clock, actor(pworld, "company"))
    action = f"/me/typical-cases/{request.consent.id}"
    unacknowledged = client.post(
        f"{action}/answer",
        data={"consent": "yes", "csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert unacknowledged.status_code == 422
    assert 'data-code="acknowledgement_required"' in unacknowledged.text
    given = client.post(
        f"{action}/answer",
        data={
            "consent": "yes",
            "consequences_acknowledged": "true",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
    )
    assert given.status_code == 200
    assert f'data-consent="{request.consent.id}" data-status="given"' in given.text
    public = client.get(f"/integrity/{staff.case.id}", headers=HTML).text
    assert company.name in public
    withdrawn = client.post(
        f"{action}/withdraw", data={"csrf_token": csrf_from(given.text)}, headers=HTML
    )
    assert withdrawn.status_code == 200
    assert 'data-status="withdrawn"' in withdrawn.text
    english = client.get("/me/typical-cases?lang=en", headers=HTML).text
    assert "You withdrew your consent" in english
    public = client.get(f"/integrity/{staff.case.id}", headers=HTML).text
    listed = client.get("/integrity", headers=HTML).text
    for text in (public, listed):
        assert 'data-anonymised="true"' in text
        for term in _identifying(db, pworld, staff.case):
            assert term not in text
