"""Measures name who implements them (Art. 15: items, means, implementing body and basis;
decision 0045): a measure is created and published only with its implementers — kinds of
organisation, named organisations — which the shipped lists give for every measure; a
joint check offers, and an application applies, a measure only for an organisation that
implements it; the public list and API show them."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.models import OrganisationKind
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure.models import JointCheckUse
from xinyong.errors import PermissionDenied
from xinyong.lists import applications, measures
from xinyong.lists.models import Measure, MeasureApplication, MeasureKind, Tier
from xinyong.synthetic import make_citizen_id

MEASURES = "/api/v1/measures"
APPLY = "/api/v1/measure-applications"
CHECKS = "/api/v1/joint-checks"


def new_measure(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "pun_env_permit_review",
        "kind": "punishment",
        "head": 5,
        "name": "从严审核环保专项资金申请",
        "matter_codes": ["fiscal_funding"],
        "target": "black",
        "means": "对其环保专项资金申请从严审核",
        "implementing_body": "市生态环境局",
        "legal_basis": "《福州市社会信用管理办法》第十七条第（五）项",
        "severity": 2,
    }
    data.update(overrides)
    return data


def offered(client: TestClient, who: dict[str, str], matter: str, code: str) -> list[str]:
    response = client.post(CHECKS, json={"matter": matter, "subjects": [code]}, headers=who)
    assert response.status_code == 200, response.text
    return [m["code"] for m in response.json()["results"][0].get("measures", [])]


def test_every_shipped_measure_names_its_implementers(lists_loaded: Session) -> None:
    for m in measures.published_measures(lists_loaded):
        assert m.implementer_kinds, m.code
        assert set(m.implementer_kinds) <= {k.value for k in measures.IMPLEMENTING_KINDS}
    by_code = {m.code: m for m in measures.published_measures(lists_loaded)}
    assert by_code["pun_financial_business"].implementer_kinds == ["financial_institution"]
    assert "judicial_organ" in by_code["pun_high_consumption"].implementer_kinds


@pytest.mark.parametrize(
    ("overrides", "code", "field", "article"),
    [
        ({}, "no_implementer", "implementer_kinds", "Art. 15"),
        (
            {"implementer_kinds": [], "implementer_codes": []},
            "no_implementer",
            "implementer_kinds",
            "Art. 15",
        ),
        ({"implementer_kinds": ["platform_operator"]}, "invalid_choice", "implementer_kinds", None),
        ({"implementer_codes": ["91350100M000100Y40"]}, "invalid_uscc", "implementer_codes", None),
        (
            {"implementer_codes": ["91350100M000100Y43"]},
            "unknown_organisation",
            "implementer_codes",
            None,
        ),
    ],
)
def test_a_measure_without_a_known_implementer_is_refused(
    lists_world: World,
    client: TestClient,
    overrides: dict[str, Any],
    code: str,
    field: str,
    article: str | None,
) -> None:
    refused = client.post(
        MEASURES, json=new_measure(**overrides), headers=headers(client, "authority")
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error.get("article")) == (code, field, article)


def test_a_measure_drafted_without_implementers_is_not_published(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """A draft stored before measures named their implementers (migration 0050): publishing
    it is refused until the authority drafts it anew with them."""
    values = measures.checked(
        db, new_measure(implementer_kinds=["state_organ"]), today=clock.today()
    )
    db.add(
        Measure(
            **{**values, "implementer_kinds": [], "implementer_codes": []}, created_at=clock.now()
        )
    )
    db.commit()
    refused = client.post(
        f"{MEASURES}/pun_env_permit_review/publish", headers=headers(client, "authority")
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["article"]) == ("no_implementer", "Art. 15")
    db.expire_all()
    assert measures.by_code(db, "pun_env_permit_review").published_at is None


def test_a_joint_check_offers_and_an_application_applies_only_what_the_organisation_implements(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company)
    db.commit()
    authority = headers(client, "authority")
    environment = world.organisations["other_agency"]
    # A measure named for the environment bureau only.
    made = client.post(
        MEASURES, json=new_measure(implementer_codes=[environment.code]), headers=authority
    )
    assert made.status_code == 201, made.text
    assert made.json()["implementers"] == {
        "kinds": [],
        "organisations": [{"code": environment.code, "name": environment.name}],
    }
    assert (
        client.post(f"{MEASURES}/pun_env_permit_review/publish", headers=authority).status_code
        == 200
    )

    regulator = headers(client, "caseofficer")
    bureau = headers(client, "other_caseofficer")
    code = company.uscc or ""
    # The regulator, a state organ, implements the city's measure but not the bureau's.
    assert offered(client, regulator, "fiscal_funding", code) == ["pun_fiscal_funding"]
    assert sorted(offered(client, bureau, "fiscal_funding", code)) == [
        "pun_env_permit_review",
        "pun_fiscal_funding",
    ]
    # Financial business is restricted by the financial institutions, not by an agency: the
    # regulator has no measure to check a subject for there (``test_a_joint_check_in_a_
    # matter_the_organisation_applies_no_measure_in_is_refused``).
    nothing = client.post(
        CHECKS, json={"matter": "financial_services", "subjects": [code]}, headers=regulator
    )
    assert nothing.status_code == 403
    assert nothing.json()["error"]["code"] == "no_measures_in_matter"

    application = {
        "subject": code,
        "matter": "fiscal_funding",
        "measure": "pun_env_permit_review",
        "reasons": "列入失信主体名单，依法从严审核",
    }
    refused = client.post(APPLY, json=application, headers=regulator)
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "not_implementer",
        "measure",
        "Art. 15",
    )
    assert db.scalars(select(MeasureApplication)).all() == []
    applied = client.post(APPLY, json=application, headers=bureau)
    assert applied.status_code == 201, applied.text
    with pytest.raises(PermissionDenied) as denied:
        applications.apply(
            db,
            clock,
            actor(world, "caseofficer"),
            subject=company,
            matter_code="financial_services",
            measure_code="pun_financial_business",
            reasons="列入失信主体名单",
        )
    assert denied.value.code == "not_implementer"


def test_the_public_list_and_api_show_who_implements_each_measure(
    lists_world: World, client: TestClient
) -> None:
    items = {m["code"]: m for m in client.get(MEASURES).json()["items"]}
    assert items["pun_financial_business"]["implementers"] == {
        "kinds": ["financial_institution"],
        "organisations": [],
    }
    assert all(m["implementers"]["kinds"] for m in items.values())
    page = client.get(
        "/measures", params={"matter": "financial_services"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert page.text.count("data-implementers") == 2
    assert "金融机构" in page.text
    assert "financial_institution" not in page.text


def test_the_authority_names_the_implementers_on_the_measure_form(
    lists_world: World, db: Session, client: TestClient
) -> None:
    from tests.page_helpers import HTML, csrf_from, log_in

    log_in(client, "authority")
    catalog = client.get("/admin/measures", headers=HTML)
    assert 'name="implementer_kinds" value="state_organ"' in catalog.text
    environment = lists_world.organisations["other_agency"]
    form = {
        **{k: str(v) for k, v in new_measure().items() if k != "matter_codes"},
        "matter_codes": ["fiscal_funding"],
        "implementer_kinds": ["state_organ", "public_function_organisation"],
        "implementer_codes": f"{environment.code}\n",
        "csrf_token": csrf_from(catalog.text),
    }
    done = client.post("/admin/measures", data=form, headers=HTML, follow_redirects=False)
    assert done.status_code == 303, done.text
    made = measures.by_code(db, "pun_env_permit_review")
    assert (made.implementer_kinds, made.implementer_codes) == (
        ["public_function_organisation", "state_organ"],
        [environment.code],
    )
    refused = client.post(
        "/admin/measures",
        data={**form, "code": "pun_env_second", "implementer_kinds": [], "implementer_codes": ""},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="no_implementer"' in refused.text
    assert made.kind is MeasureKind.PUNISHMENT
    assert made.target is Tier.BLACK
    assert OrganisationKind.STATE_ORGAN.value in made.implementer_kinds


def test_a_joint_check_in_a_matter_the_organisation_applies_no_measure_in_is_refused(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """Art. 15, Art. 13 ¶2: the regulator restricts no financial business, so a check in
    that matter would answer the subjects' names (a person's in full, masked on the public
    lists), their list status, records and the entries naming them — for no measure it
    applies. Refused before any subject is looked up, on the API and on the page; nothing
    is in the subjects' logs."""
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    published_entry(db, clock, world, company)
    db.commit()
    subjects = [citizen_id_of(person), make_citizen_id(random.Random(7)), company.uscc or ""]
    body = {"matter": "financial_services", "subjects": subjects}
    for who in ("querier", "caseofficer"):
        refused = client.post(CHECKS, json=body, headers=headers(client, who))
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert (error["code"], error["field"], error["article"]) == (
            "no_measures_in_matter",
            "matter",
            "Art. 15",
        )
        assert person.name not in refused.text
        assert "not_registered" not in refused.text
    db.expire_all()
    assert db.scalars(select(JointCheckUse)).all() == []
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [e.details["code"] for e in refusals] == ["no_measures_in_matter"] * 2
    # The page refuses it beside the form, the matter and the codes kept.
    log_in(client, "querier")
    token = csrf_from(client.get("/joint-check", headers=HTML).text)
    page = client.post(
        "/joint-check",
        data={"matter": "financial_services", "codes": company.uscc, "csrf_token": token},
        headers=HTML,
    )
    assert page.status_code == 403
    assert 'data-code="no_measures_in_matter"' in page.text
    assert 'value="financial_services" selected' in page.text
    assert 'id="joint-check-results"' not in page.text
    db.expire_all()
    assert db.scalars(select(JointCheckUse)).all() == []
