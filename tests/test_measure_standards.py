"""A measure goes no further than the conduct its legal basis covers (Art. 15 ¶2: 不得超越法
定条件; Art. 17, 18): one whose law covers only some kinds of listing names their recognition
standards (``Measure.standard_codes``; decision 0008 addendum), and is offered by the joint
checks and applied only under them. The court's restriction of high consumption rests on the
SPC rule on judgment debtors: it reaches a court judgment defaulter and its legal
representative, never an organisation listed for a food-safety penalty, nor its legal
representative. A measure naming no standard applies under every standard of its tier."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import log_in
from tests.test_pages_disclosure import token
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.lists import measures
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject

HIGH = "pun_high_consumption"
COURT = "court_judgment_defaulter"
APPLY = "/api/v1/measure-applications"


def listed(db: Session, clock: FixedClock, world: World) -> dict[str, Subject]:
    """The company a court judgment defaulter, the world's person its legal representative;
    the other company listed as seriously dishonest for a food-safety penalty, the other
    person its legal representative (both named on the entries, Art. 18)."""
    company, other = world.subjects["company"], world.subjects["other_company"]
    person, other_person = world.subjects["person"], world.subjects["other_person"]
    person_represents_company(db, clock, world)
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        other,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=other_person.name,
        citizen_id=citizen_id_of(other_person),
    )
    report = ingest_court(db, clock, world, [court_row(world, company)])
    assert report.batch.created == 1, report.problems
    published_entry(
        db, clock, world, other, "serious_health_safety", reasons="生产销售有毒有害食品"
    )
    db.commit()
    return {"debtor": company, "its_person": person, "food": other, "food_person": other_person}


def check(client: TestClient, matter: str, codes: list[str]) -> list[dict[str, Any]]:
    response = client.post(
        "/api/v1/joint-checks",
        json={"matter": matter, "subjects": codes},
        headers=headers(client, "caseofficer"),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def apply(client: TestClient, subject: Subject, matter: str, measure: str) -> Any:
    return client.post(
        APPLY,
        json={
            "subject": subject.reference,
            "matter": matter,
            "measure": measure,
            "reasons": "列入严重失信主体名单",
        },
        headers=headers(client, "caseofficer"),
    )


def codes_of(answer: dict[str, Any]) -> list[str]:
    return [m["code"] for m in answer["measures"]]


def test_the_shipped_pack_limits_the_courts_restriction_to_judgment_debtors(
    lists_loaded: Session,
) -> None:
    by_code = {m.code: m for m in measures.published_measures(lists_loaded)}
    assert by_code[HIGH].standard_codes == [COURT]
    # Every other shipped measure rests on the city's Art. 16 or 17 (and Art. 18), which
    # cover every listing of their tier.
    assert {code for code, m in by_code.items() if m.standard_codes} == {HIGH}


def test_joint_checks_offer_the_courts_restriction_only_under_its_standard(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    s = listed(db, clock, lists_world)

    debtor, its_person, food, food_person = check(
        client,
        "high_consumption",
        [
            s["debtor"].uscc or "",
            citizen_id_of(s["its_person"]),
            s["food"].uscc or "",
            citizen_id_of(s["food_person"]),
        ],
    )

    assert codes_of(debtor) == [HIGH]
    assert debtor["measures"][0]["listed_as"] == ["失信被执行人"]
    assert codes_of(its_person) == [HIGH]
    assert "第三条第二款" in its_person["measures"][0]["reasons"]
    # Listed and named all the same — the lists are public — but not restricted.
    assert food["list_status"][0]["tier"] == "serious"
    assert codes_of(food) == []
    assert food_person["responsible_for"][0]["organisation"]["code"] == s["food"].uscc
    assert codes_of(food_person) == []
    # A measure naming no standard reaches every serious-tier listing, as before.
    _, _, food, food_person = check(
        client,
        "appointment",
        [
            s["debtor"].uscc or "",
            citizen_id_of(s["its_person"]),
            s["food"].uscc or "",
            citizen_id_of(s["food_person"]),
        ],
    )
    assert codes_of(food) == ["pun_appointment"]
    assert codes_of(food_person) == ["pun_appointment"]


def test_the_courts_restriction_is_refused_for_a_listing_its_basis_does_not_cover(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    s = listed(db, clock, lists_world)

    for subject in (s["food"], s["food_person"]):
        response = apply(client, subject, "high_consumption", HIGH)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"], error["article"]) == (
            "standard_not_covered",
            "measure",
            "Art. 15 ¶2",
        )
        assert error["details"] == {
            "standards": [COURT],
            "listed_under": ["serious_health_safety"],
        }
    # The same measure applies to the judgment debtor and its legal representative.
    for subject in (s["debtor"], s["its_person"]):
        assert apply(client, subject, "high_consumption", HIGH).status_code == 201
    # And a measure naming no standard to the organisation listed for food safety.
    assert apply(client, s["food"], "appointment", "pun_appointment").status_code == 201


def test_the_page_refuses_it_beside_the_form_in_the_pages_language(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    s = listed(db, clock, lists_world)
    log_in(client, "caseofficer")

    page = client.post(
        "/measure-applications",
        data={
            "subject": s["food"].uscc,
            "matter": "high_consumption",
            "measure": HIGH,
            "reasons": "列入严重失信主体名单",
            "csrf_token": token(client, "/measure-applications"),
        },
    )

    assert page.status_code == 422
    assert "standard_not_covered" in page.text
    assert "失信被执行人" in page.text
    assert "列入严重失信主体名单" in page.text  # what was typed is kept
    # The form says which standards each measure is limited to.
    assert "仅适用于认定为" in client.get("/measure-applications").text


def test_the_public_measure_lists_show_the_standards(
    client: TestClient, lists_world: World
) -> None:
    items = {m["code"]: m for m in client.get("/api/v1/measures").json()["items"]}
    assert items[HIGH]["standards"] == [{"code": COURT, "name": "失信被执行人"}]
    assert items["pun_appointment"]["standards"] == []
    page = client.get("/measures").text
    assert "data-standards" in page
    assert "失信被执行人" in page


@pytest.mark.parametrize(
    ("standard_codes", "status", "code"),
    [
        (["no_such_standard"], 422, "unknown_standard"),
        # A serious-tier measure under a standard of the black list's general tier.
        (["dishonest_subject"], 422, "wrong_target"),
        (["court_judgment_defaulter", "serious_refusing_duties"], 201, None),
    ],
)
def test_the_credit_authority_names_the_standards_of_a_measure(
    lists_world: World,
    client: TestClient,
    standard_codes: list[str],
    status: int,
    code: str | None,
) -> None:
    response = client.post(
        "/api/v1/measures",
        json={
            "code": "pun_travel",
            "kind": "punishment",
            "head": 2,
            "name": "限制出境",
            "matter_codes": ["high_consumption"],
            "target": "serious",
            "means": "依法通报出入境管理机关",
            "implementing_body": "人民法院",
            "implementer_kinds": ["judicial_organ"],
            "legal_basis": "《民事诉讼法》第二百六十六条",
            "severity": 4,
            "standard_codes": standard_codes,
        },
        headers=headers(client, "authority"),
    )
    assert response.status_code == status, response.text
    if code is not None:
        error = response.json()["error"]
        assert (error["code"], error["field"]) == (code, "standard_codes")
    else:
        assert [s["code"] for s in response.json()["standards"]] == sorted(standard_codes)


def test_the_measure_catalog_page_drafts_a_measure_limited_to_standards(
    lists_world: World, client: TestClient
) -> None:
    log_in(client, "authority")
    form = client.get("/admin/measures").text
    assert 'name="standard_codes" value="court_judgment_defaulter"' in form
    made = client.post(
        "/admin/measures",
        data={
            "code": "pun_travel",
            "kind": "punishment",
            "head": "2",
            "name": "限制出境",
            "matter_codes": ["high_consumption"],
            "target": "black",
            "means": "依法通报出入境管理机关",
            "implementing_body": "人民法院",
            "implementer_kinds": ["judicial_organ"],
            "standard_codes": ["integrity_model"],
            "legal_basis": "《民事诉讼法》第二百六十六条",
            "severity": "2",
            "csrf_token": token(client, "/admin/measures"),
        },
    )
    # A red-list standard for a black-list measure: refused beside the form.
    assert made.status_code == 422
    assert "wrong_target" in made.text
