"""The lists API beyond the workflow: credit status for banks with written authorisation
(Art. 19), the officers' queue, the entry in full, and the subject's own views."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import add_reporter, grant
from tests.disclosure_helpers import CONTRACT, contract_breach
from tests.factories import (
    InstitutionFactory,
    OrganisationFactory,
    UserFactory,
    World,
    released_api_key,
)
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import Authorisation
from xinyong.errors import RateLimited
from xinyong.lists import entries, risk

ENTRIES = "/api/v1/list-entries"


def status_url(code: str) -> str:
    return f"/api/v1/subjects/{code}/credit-status"


def authorise(
    client: TestClient, world: World, record_types: list[str], who: str = "company"
) -> Any:
    return client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": world.organisations["bank"].code,
            "record_types": record_types,
            "purpose": "流动资金贷款风险定价",
            "valid_until": (world.clock.today() + dt.timedelta(days=180)).isoformat(),
            "evidence_kind": "signed_in_page",
            "evidence": "本单位授权福州测试银行查询本单位的名单状态和信用等级，用于贷款风险定价。",
        },
        headers=headers(client, who),
    )


def access_log(client: TestClient, who: str = "company") -> list[dict[str, Any]]:
    response = client.get("/api/v1/me/access-log", headers=headers(client, who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def listed_company(lists_world: World, db: Session, clock: FixedClock) -> World:
    """The company on the black list, with a penalty behind its grade."""
    world = lists_world
    ingest_penalty(db, clock, world, world.subjects["company"])
    published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    return world


# --- Art. 19: banks read list status and grade with written authorisation ---------------------


def test_a_bank_without_authorisation_is_refused_and_the_attempt_is_logged(
    listed_company: World, client: TestClient
) -> None:
    company = listed_company.subjects["company"]

    response = client.get(status_url(company.uscc or ""), headers=headers(client, "analyst"))

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "no_lawful_path"
    assert error["article"].startswith("Art. 13")
    (attempt,) = access_log(client)
    assert attempt["organisation"] == "福州测试银行"
    assert (attempt["what"], attempt["granted"], attempt["refusal_code"]) == (
        "credit_status",
        False,
        "no_lawful_path",
    )


def test_an_authorisation_for_other_records_does_not_cover_credit_status(
    listed_company: World, client: TestClient
) -> None:
    world = listed_company
    granted = authorise(client, world, ["administrative_penalty"])
    assert granted.status_code == 201, granted.text

    response = client.get(
        status_url(world.subjects["company"].uscc or ""), headers=headers(client, "analyst")
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope_not_authorised"
    assert response.json()["error"]["article"] == "Art. 13 ¶3"
    (attempt,) = access_log(client)
    assert (attempt["what"], attempt["granted"], attempt["refusal_code"]) == (
        "credit_status",
        False,
        "scope_not_authorised",
    )


def test_a_bank_with_written_authorisation_reads_list_status_and_grade(
    listed_company: World, client: TestClient, db: Session
) -> None:
    world = listed_company
    company = world.subjects["company"]
    granted = authorise(client, world, ["credit_status"])
    assert granted.status_code == 201, granted.text

    response = client.get(status_url(company.uscc or ""), headers=headers(client, "analyst"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subject"], body["legal_path"]) == (company.uscc, "authorisation")
    (listed,) = body["list_status"]
    assert (listed["list"], listed["tier"], listed["standard"]) == ("black", "black", "失信主体")
    assert body["grade"]["grade"] == "D"
    # The records behind the grade are the subject's file: the bank sees the list entry the
    # grade counts (shown in the list status anyway), not the records.
    assert {c["source"] for c in body["grade"]["contributions"]} == {"list"}
    assert body["grade"]["record_contributions_withheld"] is True
    (read,) = access_log(client)
    assert (read["what"], read["granted"], read["legal_path"]) == (
        "credit_status",
        True,
        "authorisation",
    )
    assert read["organisation"] == "福州测试银行"
    assert read["purpose"] == "流动资金贷款风险定价"
    assert read["authorisation_id"] == granted.json()["id"]
    # The bank's systems read the same way with an API key of the analyst role.
    _key, secret = released_api_key(
        db, world.clock, world.organisations["bank"], Role.INSTITUTION_ANALYST, "风险定价系统"
    )
    db.commit()
    by_key = client.get(status_url(company.uscc or ""), headers={"X-API-Key": secret})
    assert by_key.status_code == 200, by_key.text
    assert len(access_log(client)) == 2
    own = client.get(status_url(company.uscc or ""), headers=headers(client, "company"))
    assert {c["source"] for c in own.json()["grade"]["contributions"]} == {"record", "list"}
    assert own.json()["grade"]["record_contributions_withheld"] is False


def test_a_bank_is_not_told_by_the_grades_time_that_something_withheld_changed(
    listed_company: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """A record the bank may not see, added later the same day, recomputes the grade; the
    band and what the bank may see stay as they were, so must the bank's answer: a moved
    computation time would tell it that something withheld changed, and when (Art. 13 ¶3,
    19; decision 0024, session 25 addendum). The subject and the supervising credit
    authority keep the time of the computation."""
    world = listed_company
    company = world.subjects["company"]
    url = status_url(company.uscc or "")
    assert authorise(client, world, ["credit_status"]).status_code == 201

    def read(reader: str) -> dict[str, Any]:
        response = client.get(url, headers=headers(client, reader))
        assert response.status_code == 200, response.text
        grade: dict[str, Any] = response.json()["grade"]
        return grade

    before = {reader: read(reader) for reader in ("analyst", "company", "authority")}
    clock.advance(dt.timedelta(hours=1))
    ingest_penalty(db, clock, world, company)  # a record the bank's authorisation does not open
    db.commit()
    after = {reader: read(reader) for reader in ("analyst", "company", "authority")}

    assert after["analyst"]["grade"] == "D"
    assert after["analyst"] == before["analyst"]
    assert after["analyst"]["as_of"] == clock.today().isoformat()
    for reader in ("company", "authority"):
        assert after[reader]["computed_at"] != before[reader]["computed_at"]


def test_the_exact_score_is_the_subjects_alone(listed_company: World, client: TestClient) -> None:
    """The grading model is public, so the exact score less the base and the effects shown
    would be the withheld records' total (review, session 23; Art. 13 ¶3, 19): the bank
    and the supervising credit authority get the grade band, the subject the score."""
    world = listed_company
    company = world.subjects["company"]
    assert authorise(client, world, ["credit_status"]).status_code == 201
    own = client.get(status_url(company.uscc or ""), headers=headers(client, "company"))
    score = own.json()["grade"]["score"]
    assert isinstance(score, float)
    assert own.json()["grade"]["score_withheld"] is False
    for reader in ("analyst", "authority"):
        read = client.get(status_url(company.uscc or ""), headers=headers(client, reader))
        assert read.status_code == 200, read.text
        grade = read.json()["grade"]
        assert (grade["grade"], grade["score"], grade["score_withheld"]) == ("D", None, True)
        assert str(score) not in read.text


@pytest.mark.parametrize(
    "kind",
    [
        OrganisationKind.ENTERPRISE,
        OrganisationKind.INDUSTRY_ASSOCIATION,
        OrganisationKind.CREDIT_SERVICE_INSTITUTION,
    ],
)
def test_credit_status_is_for_financial_institutions_only(
    listed_company: World, client: TestClient, db: Session, kind: OrganisationKind
) -> None:
    """Their analyst's role is one an enterprise, an association or a credit service
    institution may give too; credit status is for pricing risk (Art. 19; review, session
    23): neither authorised nor read for another kind of organisation."""
    world = listed_company
    company = world.subjects["company"]
    code = (
        InstitutionFactory(name="福州非银信用有限公司").uscc
        if kind.value.startswith("credit")
        else None
    )
    other = OrganisationFactory(
        name="福州非银信用有限公司", kind=kind, **({"code": code} if code else {})
    )
    UserFactory(username="other_analyst", role=Role.INSTITUTION_ANALYST, organisation=other)
    db.commit()
    body = {
        "grantee": other.code,
        "record_types": ["credit_status"],
        "purpose": "风险评估",
        "valid_until": (world.clock.today() + dt.timedelta(days=180)).isoformat(),
        "evidence_kind": "signed_in_page",
        "evidence": "本单位授权查询本单位的名单状态和信用等级。",
    }
    if kind is OrganisationKind.CREDIT_SERVICE_INSTITUTION:
        body |= {"service": "信用评价报告", "service_not_conditional": True}
    refused = client.post(
        "/api/v1/me/authorisations", json=body, headers=headers(client, "company")
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["article"]) == ("credit_status_financial_institutions", "Art. 19")
    # One given before the refusal (its scope widened in the table here) reads nothing.
    granted = client.post(
        "/api/v1/me/authorisations",
        json={**body, "record_types": ["administrative_penalty"]},
        headers=headers(client, "company"),
    )
    assert granted.status_code == 201, granted.text
    item = db.get(Authorisation, granted.json()["id"])
    assert item is not None
    item.record_type_codes = ["administrative_penalty", "credit_status"]
    db.commit()
    read = client.get(status_url(company.uscc or ""), headers=headers(client, "other_analyst"))
    assert read.status_code == 403, read.text
    error = read.json()["error"]
    assert (error["code"], error["article"]) == ("credit_status_financial_institutions", "Art. 19")


def test_the_subject_and_the_credit_authority_read_credit_status(
    listed_company: World, client: TestClient
) -> None:
    company = listed_company.subjects["company"]
    own = client.get(status_url(company.uscc or ""), headers=headers(client, "company"))
    assert own.status_code == 200, own.text
    assert own.json()["legal_path"] == "self"
    assert own.json()["grade"]["grade"] == "D"  # 100 - 10 (fine) - 25 (black list)
    assert [e["list"] for e in own.json()["list_status"]] == ["black"]
    supervision = client.get(status_url(company.uscc or ""), headers=headers(client, "authority"))
    assert supervision.status_code == 200
    assert supervision.json()["legal_path"] == "supervision"
    # Supervision is no query path (Art. 13): the penalty behind the grade is withheld.
    assert supervision.json()["grade"]["grade"] == "D"
    assert {c["source"] for c in supervision.json()["grade"]["contributions"]} == {"list"}
    assert supervision.json()["grade"]["record_contributions_withheld"] is True
    # Read without a query path, but read: in the subject's log like every other (Art. 24).
    read = next(e for e in access_log(client) if e["legal_path"] == "supervision")
    assert (read["what"], read["granted"], read["role"]) == (
        "credit_status",
        True,
        "credit_authority_officer",
    )
    assert read["organisation"] == listed_company.organisations["authority"].name
    assert read["purpose"] == "supervision of credit information and its use (Art. 33)"
    staff = client.get(
        f"/api/v1/me/access-log/{read['id']}/staff", headers=headers(client, "company")
    )
    assert staff.json() == {"name": listed_company.users["authority"].display_name}
    for account in ("querier", "citizen", "admin"):
        refused = client.get(status_url(company.uscc or ""), headers=headers(client, account))
        assert refused.status_code == 403, account
    assert client.get(status_url(company.uscc or "")).status_code == 401
    assert (
        client.get(status_url("91350100M000100Y43"), headers=headers(client, "company")).status_code
        == 404
    )


@pytest.fixture
def person_in_breach(lists_world: World, db: Session, clock: FixedClock) -> World:
    """The person owes the bank: a market record of the bank's (not public), behind the
    person's grade."""
    world = lists_world
    grant(db, clock, world.organisations["bank"], CONTRACT)
    add_reporter(db, world.organisations["bank"], "bank_clerk")
    contract_breach(db, clock, world, subject="person")
    db.commit()
    return world


def authorise_the_credit_authority(
    client: TestClient, world: World, record_types: list[str]
) -> Any:
    return client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": world.organisations["authority"].code,
            "record_types": record_types,
            "purpose": "信用监管核查",
            "valid_until": (world.clock.today() + dt.timedelta(days=30)).isoformat(),
            "evidence_kind": "signed_in_page",
            "evidence": "本人授权社会信用主管部门查询本人的合同履约信息，用于信用监管核查。",
        },
        headers=headers(client, "citizen"),
    )


def test_the_credit_authority_in_supervision_sees_no_market_record_behind_the_grade(
    person_in_breach: World, client: TestClient
) -> None:
    person = person_in_breach.subjects["person"]
    own = client.get(status_url(person.reference), headers=headers(client, "citizen"))
    assert [c["type"] for c in own.json()["grade"]["contributions"]] == [CONTRACT]

    response = client.get(status_url(person.reference), headers=headers(client, "authority"))

    assert response.status_code == 200, response.text
    grade = response.json()["grade"]
    assert grade["grade"] == own.json()["grade"]["grade"]
    # Another creditor's record, its type, date and severity: not without a lawful path.
    assert grade["contributions"] == []
    assert grade["record_contributions_withheld"] is True
    (read,) = [e for e in access_log(client, "citizen") if e["legal_path"] == "supervision"]
    assert read["authorisation_id"] is None


def test_the_persons_written_authorisation_opens_its_record_types_to_supervision(
    person_in_breach: World, client: TestClient
) -> None:
    person = person_in_breach.subjects["person"]
    granted = authorise_the_credit_authority(client, person_in_breach, [CONTRACT])
    assert granted.status_code == 201, granted.text

    response = client.get(status_url(person.reference), headers=headers(client, "authority"))

    assert response.status_code == 200, response.text
    (shown,) = response.json()["grade"]["contributions"]
    assert (shown["source"], shown["type"]) == ("record", CONTRACT)
    # The read rests on the authorisation, and the person's log says so (Art. 24).
    (read,) = [e for e in access_log(client, "citizen") if e["legal_path"] == "supervision"]
    assert (read["what"], read["authorisation_id"]) == ("credit_status", granted.json()["id"])


def test_an_authorisation_for_other_record_types_opens_nothing_to_supervision(
    person_in_breach: World, client: TestClient
) -> None:
    person = person_in_breach.subjects["person"]
    granted = authorise_the_credit_authority(client, person_in_breach, ["administrative_penalty"])
    assert granted.status_code == 201, granted.text

    response = client.get(status_url(person.reference), headers=headers(client, "authority"))

    assert response.json()["grade"]["contributions"] == []
    (read,) = [e for e in access_log(client, "citizen") if e["legal_path"] == "supervision"]
    assert read["authorisation_id"] is None


# --- the officers' queue and the subject's views ---------------------------------------------


def test_the_queue_shows_the_agency_its_open_proposals(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    noticed = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="较重处罚",
        reasons="拒不履行",
        evidence="决定书",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    published_entry(db, clock, world, world.subjects["other_company"])
    db.commit()

    mine = client.get(ENTRIES, headers=headers(client, "caseofficer2"))
    assert mine.status_code == 200, mine.text
    assert [(e["id"], e["status"]) for e in mine.json()["items"]] == [(noticed.id, "noticed")]
    assert mine.json()["items"][0]["evidence"] == "决定书"
    other = client.get(ENTRIES, headers=headers(client, "other_caseofficer"))
    assert other.json()["items"] == []
    assert client.get(ENTRIES, headers=headers(client, "querier")).status_code == 403


def test_only_subjects_have_notices_and_grades(lists_world: World, client: TestClient) -> None:
    for path in ("/api/v1/me/notices", "/api/v1/me/grade"):
        response = client.get(path, headers=headers(client, "caseofficer"))
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "not_subject"
        assert response.json()["error"]["article"] == "Art. 24"
    empty = client.get("/api/v1/me/notices", headers=headers(client, "citizen")).json()
    assert empty == {"list_entries": [], "measure_applications": []}


def test_an_entry_in_full_shows_every_decision_with_its_reasons(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    response = client.get(f"{ENTRIES}/{entry.id}", headers=headers(client, "caseofficer"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [h["action"] for h in body["history"]] == ["proposed", "approved"]
    assert body["history"][1]["detail"] == "异议期满无异议，符合认定标准"
    assert body["history"][1]["actor"] == f"user:{world.users['caseofficer2'].id}"
    assert (body["legal_basis"], body["reasons"], body["evidence"]) == (
        entry.legal_basis,
        entry.reasons,
        entry.evidence,
    )
    assert (
        client.get(f"{ENTRIES}/999999", headers=headers(client, "caseofficer")).status_code == 404
    )


def test_the_credit_authoritys_supervision_reads_are_held_to_the_bulk_read_limits(
    listed_company: World, db: Session, clock: FixedClock
) -> None:
    """The supervision path went straight to the read and never counted it against the
    limits every other read is held to (Art. 12, 34; review r2, session 17)."""
    world = listed_company
    limits = access.ReadLimits(per_account_per_hour=2, per_organisation_per_hour=3)
    authority = actor(world, "authority")
    for subject in ("company", "person"):
        read = risk.credit_status(db, clock, authority, world.subjects[subject], limits=limits)
        assert read["legal_path"] == "supervision"

    with pytest.raises(RateLimited) as refused:
        risk.credit_status(db, clock, authority, world.subjects["company"], limits=limits)

    assert (refused.value.code, refused.value.article) == ("bulk_read_limit", "Art. 12")
    # Refused in the subject's log, as other reads at the limit are.
    assert refused.value.record_refusal is not None
    clock.advance(dt.timedelta(minutes=61))
    assert risk.credit_status(db, clock, authority, world.subjects["company"], limits=limits)
