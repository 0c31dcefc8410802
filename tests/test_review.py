"""Confidentiality review before publicity (Art. 4, Art. 12(3)): a record of a type marked
``review_before_publicity`` is public only after a security officer of its source confirms
it, or redacts the fields that would expose a secret or privacy. Driven through the
services, the API and the page."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    grant,
    ingest,
    new_uscc,
    penalty_row,
    problems_of,
    record_by_decision,
    source_columns,
    versions_of,
)
from tests.disclosure_helpers import Entry, witnessed
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    World,
    auth_headers,
    district_authority,
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import ANONYMOUS_ACTOR, SYSTEM_ACTOR, Actor
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import access, review
from xinyong.disclosure.models import ConfidentialityReview, ReviewDecision
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied

FACTS = "当事人在店堂广告中宣称其产品由某军工研究所专供，涉及员工张某某的病假记录"


def actor_of(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def require_review(
    db: Session, clock: FixedClock, world: World, jurisdiction: str = "350100"
) -> None:
    """A revised rule: penalties are confirmed by the source's security officer first —
    the city's, by the city's credit authority, or a district's, by its own (Art. 35)."""
    data: dict[str, Any] = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    data["disclosure"]["review_before_publicity"] = True
    catalog.revise_record_type(
        db,
        clock,
        actor_of(world, "authority")
        if jurisdiction == "350100"
        else accounts.actor_for_user(district_authority(jurisdiction)),
        PENALTY,
        data,
        jurisdiction=jurisdiction,
        note="confidentiality review before publicity (Art. 12(3))",
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters; tests/test_accounts.py checks the real hasher."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def penalty_world(world: World, db: Session, clock: FixedClock) -> World:
    """The demo world with the catalog and calendar, the regulator responsible for
    penalties, committed (a refused request rolls the shared session back to it)."""
    catalog.load_rule_pack(db, clock)
    calendar_store.load_official(db, clock)
    grant(db, clock, world.organisations["regulator"], PENALTY)
    db.commit()
    return world


@pytest.fixture
def review_world(penalty_world: World, db: Session, clock: FixedClock) -> World:
    """Penalties need the review; the other agency submits penalties too and has its own
    security officer."""
    world = penalty_world
    require_review(db, clock, world)
    grant(db, clock, world.organisations["other_agency"], PENALTY)
    world.users["other_security"] = UserFactory(
        username="other_security",
        role=Role.SECURITY_OFFICER,
        organisation=world.organisations["other_agency"],
    )
    db.commit()
    return world


def submit(db: Session, clock: FixedClock, world: World, **overrides: str) -> int:
    """A penalty from the regulator; its id (requests detach the session's objects)."""
    row = penalty_row(world, violation_facts=FACTS, remarks="内部编号 A-17", **overrides)
    report = ingest(db, clock, world.organisations["regulator"], [row])
    assert report.all_accepted, problems_of(report)
    db.commit()
    return record_by_decision(db, row["decision_number"]).id


def awaiting(db: Session, record_id: int) -> bool:
    db.expire_all()
    record = db.get(CreditRecord, record_id)
    assert record is not None
    return record.awaiting_review


@pytest.fixture
def company(world: World) -> str:
    """The company's code, read before any request detaches the world's rows."""
    code = world.subjects["company"].uscc
    assert code is not None
    return code


def public_items(client: TestClient, company: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/subjects/{company}/public")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def public_ids(client: TestClient, company: str) -> set[int]:
    return {item["id"] for item in public_items(client, company)}


# --- publicity waits for the review -------------------------------------------------------


def test_without_the_review_rule_a_record_is_public_at_once(
    client: TestClient, penalty_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    row = penalty_row(penalty_world)
    assert (
        ingest(db, clock, penalty_world.organisations["regulator"], [row]).batch.awaiting_review
        == 0
    )
    record_id = submit(db, clock, penalty_world)
    assert not awaiting(db, record_id)
    assert record_id in public_ids(client, company)


def test_a_reviewed_type_is_public_only_after_the_sources_officer_confirms(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    record_id = submit(db, clock, review_world)
    security_id = review_world.users["security"].id
    assert awaiting(db, record_id)
    assert record_id not in public_ids(client, company)

    response = client.post(
        f"/api/v1/reviews/{record_id}/confirm",
        json={"note": "经核查不涉及国家秘密、商业秘密和个人隐私"},
        headers=auth_headers(client, "security"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision"] == "cleared"
    assert body["version"] == 2
    assert body["article"] == "Art. 12(3)"

    items = {item["id"]: item for item in public_items(client, company)}
    assert record_id in items
    shown = items[record_id]
    assert shown["content"]["violation_facts"] == FACTS  # confirmed as it was
    # The change history is the subject's (Art. 24), not published: the versions below.
    assert "history" not in shown

    db.expire_all()
    versions = versions_of(db, record_id)
    assert [v.reason for v in versions] == ["created by source", review.REASON_CLEARED]
    assert versions[1].payload == versions[0].payload
    assert versions[1].actor == f"user:{security_id}"
    (row,) = db.scalars(
        select(ConfidentialityReview).where(ConfidentialityReview.record_id == record_id)
    )
    assert row.decision is ReviewDecision.CLEARED
    assert row.reviewer_user_id == security_id
    assert row.version_no == 2
    assert row.redacted_fields == []
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "record.confidentiality_review",
            AuditEvent.target_id == str(record_id),
        )
    )
    assert event is not None
    assert event.details["decision"] == "cleared"


def test_a_district_rule_can_require_the_review_for_its_own_sources(
    client: TestClient, penalty_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    world = penalty_world
    district = OrganisationFactory(
        name="福州市鼓楼区市场监督管理局", code=new_uscc("11"), jurisdiction="350102"
    )
    grant(db, clock, district, PENALTY)
    officer = accounts.actor_for_user(
        UserFactory(username="gulou_security", role=Role.SECURITY_OFFICER, organisation=district)
    )
    require_review(db, clock, world, jurisdiction="350102")
    db.commit()
    city_row = penalty_row(world)
    district_row = penalty_row(world, **source_columns(district))
    assert ingest(db, clock, world.organisations["regulator"], [city_row]).all_accepted
    assert ingest(db, clock, district, [district_row]).all_accepted
    db.commit()
    city_record_id = record_by_decision(db, city_row["decision_number"]).id
    district_record_id = record_by_decision(db, district_row["decision_number"]).id
    assert not awaiting(db, city_record_id)
    assert awaiting(db, district_record_id)
    assert public_ids(client, company) == {city_record_id}

    review.confirm(db, clock, officer, district_record_id, "")
    db.commit()
    assert public_ids(client, company) == {city_record_id, district_record_id}


def test_a_record_under_review_shows_the_rule_in_force_that_governs_it(
    client: TestClient, penalty_world: World, db: Session, clock: FixedClock
) -> None:
    """Review r2, finding 4: shown "Governing rule", the page named the rule the record was
    collected under — a district rule the city has since suspended. It names the rule in
    force (decision 0040), and the other beside it; the API as ``rule`` and
    ``collected_under_rule``."""
    world = penalty_world
    district = OrganisationFactory(
        name="福州市鼓楼区市场监督管理局", code=new_uscc("11"), jurisdiction="350102"
    )
    grant(db, clock, district, PENALTY)
    UserFactory(username="gulou_security", role=Role.SECURITY_OFFICER, organisation=district)
    require_review(db, clock, world, jurisdiction="350102")
    row = penalty_row(world, **source_columns(district))
    assert ingest(db, clock, district, [row]).all_accepted
    # The city requires the review too, with a longer minimum: 鼓楼区's rule is suspended.
    city: dict[str, Any] = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    city["disclosure"]["review_before_publicity"] = True
    city["disclosure"]["periods"]["general"]["min_months"] = 9
    catalog.revise_record_type(db, clock, actor_of(world, "authority"), PENALTY, city, note="9")
    db.commit()
    assert catalog.effective_rule(db, PENALTY, "350102").suspended is not None

    (item,) = client.get("/api/v1/reviews", headers=auth_headers(client, "gulou_security")).json()[
        "items"
    ]
    assert (item["rule"], item["collected_under_rule"]) == (
        "city rule v2",
        "district 350102 rule v1",
    )
    log_in(client, "gulou_security")
    page = client.get("/reviews", headers=HTML).text
    governing = re.search(r'<dd data-rule="governing">([^<]*)</dd>', page)
    collected = re.search(r'<dd data-rule="collected">([^<]*)</dd>', page)
    assert governing
    assert collected
    assert (governing.group(1), collected.group(1)) == ("市级规则第2版", "350102区县规则第1版")


# --- pending list and who may decide ------------------------------------------------------


def test_pending_lists_the_officers_own_organisation_with_the_content(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    record_id = submit(db, clock, review_world)
    response = client.get("/api/v1/reviews", headers=auth_headers(client, "security"))
    assert response.status_code == 200, response.text
    assert response.json()["officers"] == ["security"]
    (item,) = response.json()["items"]
    assert item["record_id"] == record_id
    assert item["subject"]["code"] == company
    content = {field["name"]: field for field in item["content"]}
    assert content["violation_facts"]["value"] == FACTS
    assert content["violation_facts"]["redactable"] is True
    assert content["remarks"]["redactable"] is True
    assert content["legal_representative"]["redactable"] is True  # optional free text
    for fixed in ("decision_number", "decision_date", "subject_name", "fine_amount"):
        assert content[fixed]["redactable"] is False, fixed
    assert content["penalty_content"]["redactable"] is False  # required, not marked

    other = client.get("/api/v1/reviews", headers=auth_headers(client, "other_security"))
    assert other.status_code == 200
    assert other.json()["items"] == []


def test_security_officers_are_the_organisations_officer_accounts(
    review_world: World, db: Session
) -> None:
    regulator = review_world.organisations["regulator"]
    assert [u.username for u in review.security_officers(db, regulator.id)] == ["security"]
    other = review_world.organisations["other_agency"]
    assert [u.username for u in review.security_officers(db, other.id)] == ["other_security"]
    assert review.security_officers(db, review_world.organisations["bank"].id) == []


@pytest.mark.parametrize(
    ("username", "status", "code"),
    [
        ("other_security", 403, "not_source_officer"),
        ("reporter", 403, "permission_denied"),
        ("querier", 403, "permission_denied"),
        ("authority", 403, "permission_denied"),
        ("company", 403, "permission_denied"),
        (None, 401, "not_authenticated"),
    ],
)
@pytest.mark.parametrize("decision", ["confirm", "redact"])
def test_only_the_sources_security_officer_decides(
    client: TestClient,
    review_world: World,
    db: Session,
    clock: FixedClock,
    username: str | None,
    status: int,
    code: str,
    decision: str,
    company: str,
) -> None:
    record_id = submit(db, clock, review_world)
    headers = auth_headers(client, username) if username else {}
    body = {"note": "x"} if decision == "confirm" else {"fields": ["remarks"], "note": "内部信息"}
    response = client.post(f"/api/v1/reviews/{record_id}/{decision}", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    db.expire_all()
    assert awaiting(db, record_id)
    assert len(versions_of(db, record_id)) == 1
    assert record_id not in public_ids(client, company)


def test_a_system_or_anonymous_actor_cannot_review(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    record_id = submit(db, clock, review_world)
    with pytest.raises(PermissionDenied) as refused:
        review.confirm(db, clock, SYSTEM_ACTOR, record_id, "")
    assert refused.value.code == "officer_in_person"
    with pytest.raises(NotAuthenticated):
        review.pending(db, clock, ANONYMOUS_ACTOR)


def test_a_record_is_reviewed_once(
    client: TestClient, review_world: World, db: Session, clock: FixedClock
) -> None:
    record_id = submit(db, clock, review_world)
    officer = actor_of(review_world, "security")
    review.confirm(db, clock, officer, record_id, "")
    with pytest.raises(Conflict) as again:
        review.confirm(db, clock, officer, record_id, "")
    assert again.value.code == "not_awaiting_review"
    db.commit()
    response = client.post(
        f"/api/v1/reviews/{record_id}/redact",
        json={"fields": ["remarks"], "note": "事后遮蔽"},
        headers=auth_headers(client, "security"),
    )
    assert response.status_code == 409
    missing = client.post(
        "/api/v1/reviews/999999/confirm", json={}, headers=auth_headers(client, "security")
    )
    assert missing.status_code == 404


# --- redaction ----------------------------------------------------------------------------


def test_redacted_content_never_appears_publicly_and_the_original_stays_in_history(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    record_id = submit(db, clock, review_world)
    response = client.post(
        f"/api/v1/reviews/{record_id}/redact",
        json={"fields": ["violation_facts", "remarks"], "note": "涉及商业秘密和个人隐私"},
        headers=auth_headers(client, "security"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["decision"] == "redacted"
    assert response.json()["redacted_fields"] == ["violation_facts", "remarks"]

    public = client.get(f"/api/v1/subjects/{company}/public")
    page = client.get(f"/subjects/{company}", headers=HTML)
    for text in (public.text, json.dumps(public.json(), ensure_ascii=False), page.text):
        assert FACTS not in text
        assert "内部编号 A-17" not in text
    (shown,) = [item for item in public.json()["items"] if item["id"] == record_id]
    assert shown["content"]["violation_facts"] == review.REDACTED
    assert shown["content"]["remarks"] == review.REDACTED
    assert shown["content"]["decision_number"]  # the rest is published as it was
    assert "history" not in shown  # the subject's to know (Art. 24), not the public's

    # The original is kept only in the first version, which was never public (Art. 24).
    db.expire_all()
    first, second = versions_of(db, record_id)
    assert first.payload["violation_facts"] == FACTS
    assert second.payload["violation_facts"] == review.REDACTED
    assert second.payload["decision_number"] == first.payload["decision_number"]
    assert second.reason_detail == "涉及商业秘密和个人隐私"
    assert second.sensitive_ciphertext == first.sensitive_ciphertext
    (row,) = db.scalars(
        select(ConfidentialityReview).where(ConfidentialityReview.record_id == record_id)
    )
    assert row.decision is ReviewDecision.REDACTED
    assert row.redacted_fields == ["violation_facts", "remarks"]
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "record.confidentiality_review",
            AuditEvent.target_id == str(record_id),
        )
    )
    assert event is not None
    assert event.details["fields"] == ["violation_facts", "remarks"]
    assert FACTS not in json.dumps(event.details, ensure_ascii=False)


def test_the_subjects_own_file_shows_the_review_in_the_history(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    record_id = submit(db, clock, review_world)
    review.redact(db, clock, actor_of(review_world, "security"), record_id, ["remarks"], "内部")
    db.commit()
    response = client.get(
        f"/api/v1/subjects/{company}/file", headers=auth_headers(client, "company")
    )
    assert response.status_code == 200, response.text
    (item,) = [i for i in response.json()["items"] if i["id"] == record_id]
    assert [v["reason"] for v in item["history"]] == ["created by source", review.REASON_REDACTED]


@pytest.mark.parametrize(
    ("field", "code", "words"),
    [
        ("decision_number", "not_redactable", "identifies the record"),
        ("decision_date", "not_redactable", "dates the record"),
        ("subject_name", "not_redactable", "identifies the subject"),
        ("id_number", "not_redactable", "identifies the subject"),
        ("fine_amount", "not_redactable", "not free text"),
        ("penalty_content", "not_redactable", "required content"),
        ("licence_suspended", "field_not_in_record", "no field"),
        ("no_such_field", "field_not_in_record", "no field"),
    ],
)
def test_redaction_is_refused_for_fields_that_must_stay(
    client: TestClient,
    review_world: World,
    db: Session,
    clock: FixedClock,
    field: str,
    code: str,
    words: str,
) -> None:
    record_id = submit(db, clock, review_world)
    response = client.post(
        f"/api/v1/reviews/{record_id}/redact",
        json={"fields": ["remarks", field], "note": "遮蔽"},
        headers=auth_headers(client, "security"),
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["field"] == field
    assert words in error["message"]
    db.expire_all()
    assert len(versions_of(db, record_id)) == 1
    assert awaiting(db, record_id)


def test_redaction_needs_fields_and_a_note_that_does_not_quote_them(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    record_id = submit(db, clock, review_world)
    officer = actor_of(review_world, "security")
    with pytest.raises(InvalidInput) as no_fields:
        review.redact(db, clock, officer, record_id, [], "原因")
    assert no_fields.value.field == "fields"
    with pytest.raises(InvalidInput) as no_note:
        review.redact(db, clock, officer, record_id, ["remarks"], "  ")
    assert no_note.value.field == "note"
    with pytest.raises(InvalidInput) as quoted:
        review.redact(db, clock, officer, record_id, ["violation_facts"], f"删去“{FACTS}”")
    assert quoted.value.code == "note_repeats_redacted"


def test_a_resent_row_keeps_the_redaction_and_changed_content_is_reviewed_again(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    row = penalty_row(review_world, violation_facts=FACTS)
    regulator = review_world.organisations["regulator"]
    first = ingest(db, clock, regulator, [row])
    assert first.all_accepted
    # The batch report tells the source what waits for its officer (Art. 12).
    assert (first.batch.awaiting_review, first.as_dict()["awaiting_review"]) == (1, 1)
    record_id = record_by_decision(db, row["decision_number"]).id
    review.redact(
        db, clock, actor_of(review_world, "security"), record_id, ["violation_facts"], "隐私"
    )
    db.commit()

    again = ingest(db, clock, regulator, [row], key="resend-1")
    assert again.batch.unchanged == 1
    db.commit()
    assert record_id in public_ids(client, company)
    assert FACTS not in client.get(f"/api/v1/subjects/{company}/public").text

    changed = ingest(db, clock, regulator, [{**row, "violation_facts": "更正后的违法事实"}])
    assert (changed.batch.updated, changed.batch.awaiting_review) == (1, 1)
    assert again.batch.awaiting_review == 0
    db.commit()
    db.expire_all()
    assert awaiting(db, record_id)
    assert record_id not in public_ids(client, company)


# --- the page -----------------------------------------------------------------------------


def test_the_batch_report_page_says_what_waits_for_the_review(
    client: TestClient, review_world: World, db: Session, clock: FixedClock
) -> None:
    row = penalty_row(review_world, violation_facts=FACTS)
    report = ingest(db, clock, review_world.organisations["regulator"], [row])
    db.commit()
    path = f"/batches/{report.batch.id}"
    for account, links in (("reporter", False), ("security", True)):
        log_in(client, account)
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, page.text
        assert '<td data-count="awaiting_review">1</td>' in page.text
        notice = page.text.split('data-awaiting-review="1"', 1)[1].split("</p>", 1)[0]
        assert ('href="/reviews"' in notice) is links


def test_the_review_page_shows_the_content_and_takes_both_decisions(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    first = submit(db, clock, review_world)
    second = submit(db, clock, review_world)
    log_in(client, "security")
    page = client.get("/reviews", headers=HTML)
    assert page.status_code == 200, page.text
    assert FACTS in page.text  # the officer judges the content itself
    assert f'data-record="{first}"' in page.text
    assert f'action="/reviews/{first}/confirm"' in page.text
    assert 'name="fields" value="violation_facts"' in page.text
    assert 'name="fields" value="decision_number"' not in page.text
    assert 'data-officer="security"' in page.text
    # The rule governing the record, in the page's language (decision 0016).
    assert '<dt>适用规则</dt><dd data-rule="governing">市级规则第2版</dd>' in page.text  # revised
    assert "city rule v" not in page.text
    token = csrf_from(page.text)

    refused = client.post(
        f"/reviews/{first}/redact",
        data={"fields": ["decision_number"], "note": "遮蔽", "csrf_token": token},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="not_redactable"' in refused.text

    no_csrf = client.post(f"/reviews/{first}/confirm", data={"note": ""}, headers=HTML)
    assert no_csrf.status_code == 403

    confirmed = client.post(
        f"/reviews/{first}/confirm",
        data={"note": "已审查", "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/reviews?done=cleared&record={first}"
    redacted = client.post(
        f"/reviews/{second}/redact",
        data={"fields": ["violation_facts", "remarks"], "note": "隐私", "csrf_token": token},
        headers=HTML,
        follow_redirects=True,
    )
    assert redacted.status_code == 200
    assert 'data-decision="redacted"' in redacted.text
    assert (
        "No record is waiting for your review." in redacted.text
        or "data-record" not in redacted.text
    )
    assert {first, second} <= public_ids(client, company)


def test_a_record_with_nothing_to_redact_is_offered_no_redaction(
    client: TestClient, review_world: World, db: Session, clock: FixedClock
) -> None:
    bare = dict.fromkeys(
        ("violation_facts", "remarks", "legal_representative", "id_type", "id_number"), ""
    )
    row = penalty_row(review_world, **bare)
    report = ingest(db, clock, review_world.organisations["regulator"], [row])
    assert report.all_accepted, problems_of(report)
    db.commit()
    record_id = record_by_decision(db, row["decision_number"]).id
    log_in(client, "security")
    page = client.get("/reviews", headers=HTML).text
    section = page.split(f'data-record="{record_id}"', 1)[1].split("</section>", 1)[0]
    assert 'name="fields"' not in section
    assert "遮蔽所选字段并公开" not in section
    assert 'data-redactable="none"' in section
    assert f'action="/reviews/{record_id}/confirm"' in section


def test_the_review_page_is_refused_to_other_roles(client: TestClient, review_world: World) -> None:
    assert client.get("/reviews", headers=HTML).status_code == 401
    log_in(client, "reporter")
    assert client.get("/reviews", headers=HTML).status_code == 403


def test_each_record_shown_for_review_is_in_its_subjects_access_log(
    client: TestClient, review_world: World, db: Session, clock: FixedClock
) -> None:
    """The pending records are not public yet: each one the review shows (API or page) is
    a use of its subject's information, for the confidentiality review (Art. 12(3), 24),
    and each view is audited by record id, never the content."""
    world = review_world
    first, second = submit(db, clock, world), submit(db, clock, world)
    regulator = world.organisations["regulator"].name
    assert client.get("/api/v1/reviews", headers=auth_headers(client, "security")).status_code == (
        200
    )
    clock.advance(dt.timedelta(minutes=5))
    log_in(client, "security")
    assert FACTS in client.get("/reviews", headers=HTML).text
    clock.advance(dt.timedelta(minutes=5))
    # Another organisation's officer is shown none of them: no use.
    other = client.get("/api/v1/reviews", headers=auth_headers(client, "other_security"))
    assert other.json()["items"] == []

    response = client.get("/api/v1/me/access-log", headers=auth_headers(client, "company"))
    assert response.status_code == 200, response.text
    assert FACTS not in response.text
    log = [Entry.of(item) for item in reversed(response.json()["items"])]
    shown = Entry(
        regulator,
        "security_officer",
        "official_duty",
        purpose=access.REVIEW_PURPOSE,
        record_types=(PENALTY,),
        what=access.RECORD_UNDER_REVIEW,
    )
    assert log == [shown] * 4  # two records, two views
    views = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "record.review_read")
        .order_by(AuditEvent.sequence)
    ).all()
    # Each view's one event witnesses the view's two access-log entries (decision 0003).
    assert [witnessed(e.details)[0] for e in views] == [{"records": [first, second]}] * 2
    assert [len(witnessed(e.details)[1]) for e in views] == [2, 2]
    # Not file reads: neither the bulk-read limits nor supervision's volumes count them.
    assert access.RECORD_UNDER_REVIEW in access.NOT_FILE_READS


# --- new content from the source after the review ------------------------------------------

CORRECTED_FACTS = "经复核，当事人员工李某某患有乙型肝炎，其病历被用于广告宣传"


def _objection_forwarded(db: Session, clock: FixedClock, world: World, record_id: int) -> int:
    """The company objects to its record and the credit authority's handler forwards it
    (the accounts read afresh: a request before may have detached the world's rows)."""
    from xinyong.accounts.models import UserAccount
    from xinyong.objections import service as objections

    def fresh(username: str) -> Actor:
        user = db.scalar(select(UserAccount).where(UserAccount.username == username))
        assert user is not None
        return accounts.actor_for_user(user)

    objection = objections.raise_objection(
        db, clock, fresh("company"), record_id, ground="error", statement="违法事实有误"
    )
    objections.forward(db, clock, fresh("objections"), objection.id, note="请核实")
    db.commit()
    return int(objection.id)


def test_content_corrected_after_an_objection_waits_for_the_review_again(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    """Art. 12(3): the correction is new free text from the source — here naming a person
    and an illness — so, its type asking for the review, it is not public until the
    source's security officer confirms or redacts it, as for content ingested."""
    world = review_world
    record_id = submit(db, clock, world)
    review.confirm(db, clock, actor_of(world, "security"), record_id, "")
    db.commit()
    assert record_id in public_ids(client, company)
    objection_id = _objection_forwarded(db, clock, world, record_id)

    corrected = client.post(
        f"/api/v1/record-objections/{objection_id}/correct",
        json={"values": {"violation_facts": CORRECTED_FACTS}, "note": "更正违法事实"},
        headers=auth_headers(client, "reporter"),
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["awaiting_review"] is True
    assert awaiting(db, record_id)
    assert record_id not in public_ids(client, company)
    assert CORRECTED_FACTS not in client.get(f"/api/v1/subjects/{company}/public").text
    # The source's pages say that it waits, and why it is not public.
    log_in(client, "reporter")
    for path in (f"/record-objections/{objection_id}?lang=en", f"/records/{record_id}?lang=en"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, page.text
        assert "data-awaiting-review" in page.text
        assert "Waiting for the confidentiality review" in page.text
    client.cookies.clear()
    # The officer is shown it, and redacts the illness.
    headers = auth_headers(client, "security")
    pending = client.get("/api/v1/reviews", headers=headers)
    assert [item["record_id"] for item in pending.json()["items"]] == [record_id]
    redacted = client.post(
        f"/api/v1/reviews/{record_id}/redact",
        json={"fields": ["violation_facts"], "note": "涉及个人隐私"},
        headers=headers,
    )
    assert redacted.status_code == 200, redacted.text
    assert record_id in public_ids(client, company)
    assert CORRECTED_FACTS not in client.get(f"/api/v1/subjects/{company}/public").text


def test_a_day_between_the_correction_and_its_review_shows_it_not_public(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    """A file as of a past day tells the review state then (``files._awaiting_review_on``):
    the day of the correction, before the officer's review the next day, the record was
    waiting, so it was not public that day."""
    from xinyong.disclosure import files
    from xinyong.objections import service as objections

    world = review_world
    subject = world.subjects["company"]
    record_id = submit(db, clock, world)
    review.confirm(db, clock, actor_of(world, "security"), record_id, "")
    objection_id = _objection_forwarded(db, clock, world, record_id)
    clock.advance(dt.timedelta(days=1))
    corrected_on = clock.today()
    objections.correct(
        db,
        clock,
        actor_of(world, "reporter"),
        objection_id,
        values={"violation_facts": CORRECTED_FACTS},
        note="更正违法事实",
    )
    clock.advance(dt.timedelta(days=1))
    review.confirm(db, clock, actor_of(world, "security"), record_id, "")
    db.commit()

    def public_on(day: dt.date) -> list[int]:
        views = files.build_file(db, subject, today=clock.today(), public_only=True, as_of=day)
        return [view.id for view in views if view.id == record_id]

    assert public_on(corrected_on - dt.timedelta(days=1)) == [record_id]
    assert public_on(corrected_on) == []
    assert public_on(clock.today()) == [record_id]


def test_content_corrected_while_revoked_waits_for_the_review_on_reinstatement(
    client: TestClient, review_world: World, db: Session, clock: FixedClock, company: str
) -> None:
    """Revoked while under objection, then corrected (it stays revoked, decision 0028): the
    reinstatement publishes the corrected content only after the review."""
    from xinyong.collection import revocation
    from xinyong.objections import service as objections

    world = review_world
    record_id = submit(db, clock, world)
    review.confirm(db, clock, actor_of(world, "security"), record_id, "")
    objection_id = _objection_forwarded(db, clock, world, record_id)
    reporter = actor_of(world, "reporter")
    revocation.revoke(
        db,
        clock,
        reporter,
        record_id,
        ground="reconsideration",
        document_number="榕政复决〔2026〕3号",
        reason="原处罚决定被撤销",
    )
    objections.correct(
        db,
        clock,
        reporter,
        objection_id,
        values={"violation_facts": CORRECTED_FACTS},
        note="更正违法事实",
    )
    assert not awaiting(db, record_id)  # revoked: nothing is published, nothing reviewed
    done = client.post(
        f"/api/v1/records/{record_id}/reinstate",
        json={
            "ground": "revocation_set_aside",
            "document_number": "（2026）闽01行终9号",
            "reason": "复议决定被撤销",
        },
        headers=auth_headers(client, "reporter"),
    )
    assert done.status_code == 200, done.text
    assert done.json()["awaiting_review"] is True
    assert awaiting(db, record_id)
    assert record_id not in public_ids(client, company)


def test_the_review_page_says_a_choice_stored_as_an_english_word_in_the_pages_language(
    client: TestClient, review_world: World, db: Session, clock: FixedClock
) -> None:
    """The record's current content, as the security officer judges it, says its severity
    class as the subject's file does (严重, Serious), not the stored ``serious``; a free-text
    field reads as the source wrote it (review r3, finding 1: the same raw values as on the
    objection case page)."""
    submit(db, clock, review_world, severity="serious", penalty_content="serious")
    log_in(client, "security")
    for lang, shown in (("zh_Hans", "严重"), ("zh_Hant", "嚴重"), ("en", "Serious")):
        page = client.get("/reviews", params={"lang": lang}, headers=HTML).text
        severity = page.split('<tr data-field="severity">', 1)[1].split("</tr>", 1)[0]
        assert f"<td>{shown}</td>" in severity
        content = page.split('<tr data-field="penalty_content">', 1)[1].split("</tr>", 1)[0]
        assert "<td>serious</td>" in content
