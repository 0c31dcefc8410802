"""The published measure lists (Art. 15–17): the Fuzhou default list covers every head of
Art. 16 and Art. 17; the catalog refuses disproportionate measures and measures aimed at
the wrong list; only a published measure is shown, checked or applied, and applying one
tells the subject its basis and reasons (Art. 15 ¶2)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

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
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput, NotFound, PermissionDenied
from xinyong.lists import applications, measures
from xinyong.lists.models import Measure, MeasureApplication, MeasureKind, Tier

MEASURES = "/api/v1/measures"
APPLY = "/api/v1/measure-applications"


def new_measure(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "pun_fiscal_subsidy_review",
        "kind": "punishment",
        "head": 5,
        "name": "从严审核财政补贴申请",
        "matter_codes": ["fiscal_funding"],
        "target": "black",
        "means": "对其财政补贴申请从严审核",
        "implementing_body": "市财政局",
        "implementer_kinds": ["state_organ"],
        "legal_basis": "《福州市社会信用管理办法》第十七条第（五）项",
        "severity": 2,
    }
    data.update(overrides)
    return data


def codes_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [m["code"] for m in response.json()["items"]]


def checked_measures(client: TestClient, who: dict[str, str], matter: str, code: str) -> list[str]:
    response = client.post(
        "/api/v1/joint-checks", json={"matter": matter, "subjects": [code]}, headers=who
    )
    assert response.status_code == 200, response.text
    return [m["code"] for m in response.json()["results"][0].get("measures", [])]


# --- the default list -------------------------------------------------------------------------


def test_the_default_list_covers_every_head_of_art_16_and_17(lists_loaded: Session) -> None:
    published = measures.published_measures(lists_loaded)
    heads = {(m.kind, m.head) for m in published}
    assert {h for k, h in heads if k is MeasureKind.INCENTIVE} == set(range(1, 8))
    assert {h for k, h in heads if k is MeasureKind.PUNISHMENT} == set(range(1, 10))
    matters = {m.code for m in measures.matters(lists_loaded)}
    limits = measures.proportionality()
    for m in published:
        # Matter, target, means, implementing body and legal basis, stated (Art. 15).
        assert all((m.means, m.implementing_body, m.legal_basis, m.name)), m.code
        assert m.matter_codes, m.code
        assert set(m.matter_codes) <= matters, m.code
        assert (m.target is Tier.RED) == (m.kind is MeasureKind.INCENTIVE), m.code
        assert m.severity <= limits[m.target], m.code
        article = "第十六条" if m.kind is MeasureKind.INCENTIVE else "第十七条"
        assert article in m.legal_basis, m.code
    # Loading again adds nothing.
    assert measures.load_rule_pack(lists_loaded, FixedClock(published[0].created_at)) == 0


def test_the_public_measure_list_filters_by_kind_and_matter(
    lists_world: World, client: TestClient
) -> None:
    everything = codes_of(client.get(MEASURES))
    assert len(everything) == 16
    incentives = codes_of(client.get(MEASURES, params={"kind": "incentive"}))
    assert len(incentives) == 7
    assert all(c.startswith("inc_") for c in incentives)
    assert set(codes_of(client.get(MEASURES, params={"matter": "government_procurement"}))) == {
        "inc_trading_points",
        "pun_public_resource_trading",
    }
    item = next(m for m in client.get(MEASURES).json()["items"] if m["code"] == "pun_honours")
    assert item["head"] == "Art. 17(8)"
    assert item["target"] == "black"
    assert all((item["implementing_body"], item["legal_basis"], item["means"]))
    matters = client.get("/api/v1/matters").json()["items"]
    assert {
        "code": "honours",
        "name": "评优评先与荣誉称号",
        "name_en": "Honours and awards",
    } in matters
    # The page shows the same list, saying which measures reach responsible persons.
    page = client.get(
        "/measures", params={"matter": "appointment"}, headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    assert page.text.count("data-responsible-persons") == 1
    assert "第十七条第（三）项、第十八条" in page.text


# --- the catalog refuses what the regulation does not allow ------------------------------------


@pytest.mark.parametrize(
    ("overrides", "code", "article"),
    [
        ({"target": "black", "severity": 4}, "disproportionate", "Art. 15 ¶2"),
        ({"target": "black", "severity": 5}, "disproportionate", "Art. 15 ¶2"),
        (
            {"kind": "incentive", "head": 2, "target": "black", "severity": 1},
            "wrong_target",
            "Art. 16",
        ),
        (
            {"kind": "incentive", "head": 2, "target": "serious", "severity": 1},
            "wrong_target",
            "Art. 16",
        ),
        ({"kind": "punishment", "target": "red"}, "wrong_target", "Art. 17"),
        ({"kind": "incentive", "head": 8, "target": "red"}, "invalid_head", "Art. 16"),
        ({"head": 10}, "invalid_head", "Art. 17"),
        ({"legal_basis": " "}, "required", "Art. 15"),
        ({"implementing_body": ""}, "required", "Art. 15"),
    ],
)
def test_the_catalog_refuses_unlawful_measures(
    lists_loaded: Session, clock: FixedClock, overrides: dict[str, Any], code: str, article: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        measures.create_measure(lists_loaded, clock, SYSTEM_ACTOR, new_measure(**overrides))
    assert (refused.value.code, refused.value.article) == (code, article)
    assert (
        lists_loaded.scalar(select(Measure).where(Measure.code == "pun_fiscal_subsidy_review"))
        is None
    )


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("means", {"means": "对法定代表人（350102199403157723）暂停财政补贴审核"}),
        ("legal_basis", {"legal_basis": "依据第十七条，见 350102 19940315 7723 案"}),
        (
            "responsible_persons_basis",
            {
                "applies_to_responsible_persons": True,
                "responsible_persons_basis": "参照３５０１０２１９９４０３１５７７２３一案",
            },
        ),
    ],
)
def test_the_catalog_refuses_a_measure_holding_a_citizen_id(
    lists_loaded: Session, clock: FixedClock, field: str, overrides: dict[str, Any]
) -> None:
    """The published measure lists show a measure as it is written (Art. 15)."""
    with pytest.raises(InvalidInput) as refused:
        measures.create_measure(lists_loaded, clock, SYSTEM_ACTOR, new_measure(**overrides))
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "citizen_id_in_text",
        field,
        "Art. 4 ¶2",
    )


def test_proportionality_limits_come_from_the_rule_pack(
    lists_loaded: Session, clock: FixedClock
) -> None:
    limits = measures.proportionality()
    assert limits == {Tier.RED: 5, Tier.BLACK: 3, Tier.SERIOUS: 5}
    heaviest_black = measures.create_measure(
        lists_loaded, clock, SYSTEM_ACTOR, new_measure(severity=limits[Tier.BLACK])
    )
    assert heaviest_black.published_at is None
    serious = measures.create_measure(
        lists_loaded,
        clock,
        SYSTEM_ACTOR,
        new_measure(code="pun_serious_subsidy_ban", target="serious", severity=5),
    )
    assert serious.target is Tier.SERIOUS


def test_measures_are_managed_by_the_credit_authority_only(
    lists_world: World, client: TestClient
) -> None:
    response = client.post(MEASURES, json=new_measure(), headers=headers(client, "caseofficer"))
    assert response.status_code == 403
    refused = client.post(
        MEASURES, json=new_measure(severity=4), headers=headers(client, "authority")
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "disproportionate"
    assert refused.json()["error"]["article"] == "Art. 15 ¶2"
    unknown = client.post(
        MEASURES,
        json=new_measure(matter_codes=["no_such_matter"]),
        headers=headers(client, "authority"),
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_matter")


# --- publication decides what may be applied ------------------------------------------------------


def test_an_unpublished_measure_is_never_shown_checked_or_applied(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company)
    db.commit()
    authority, officer = headers(client, "authority"), headers(client, "caseofficer")
    subject = headers(client, "company")

    created = client.post(MEASURES, json=new_measure(), headers=authority)
    assert created.status_code == 201, created.text
    assert created.json()["published_at"] is None
    assert "pun_fiscal_subsidy_review" not in codes_of(client.get(MEASURES))
    assert checked_measures(client, officer, "fiscal_funding", company.uscc or "") == [
        "pun_fiscal_funding"
    ]
    application = {
        "subject": company.uscc,
        "matter": "fiscal_funding",
        "measure": "pun_fiscal_subsidy_review",
        "reasons": "列入失信主体名单，依法从严审核",
    }
    refused = client.post(APPLY, json=application, headers=officer)
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "measure_unpublished",
        "Art. 15 ¶1",
    )
    db.expire_all()
    assert db.scalars(select(MeasureApplication)).all() == []

    # Published on the public measures page: now it is checked and may be applied.
    published = client.post(f"{MEASURES}/pun_fiscal_subsidy_review/publish", headers=authority)
    assert published.status_code == 200, published.text
    assert published.json()["published_at"] == clock.now().isoformat()
    assert "pun_fiscal_subsidy_review" in codes_of(client.get(MEASURES))
    assert checked_measures(client, officer, "fiscal_funding", company.uscc or "") == [
        "pun_fiscal_funding",
        "pun_fiscal_subsidy_review",
    ]
    applied = client.post(APPLY, json=application, headers=officer)
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert "《福州市社会信用管理办法》第十七条第（五）项" in body["basis"]
    assert entry.legal_basis in body["basis"]  # the basis of the listing, too
    assert body["reasons"] == "列入失信主体名单，依法从严审核"
    for needed in (
        "从严审核财政补贴申请",
        "市财政局",
        body["basis"],
        body["reasons"],
        "第二十五条",
    ):
        assert needed in body["notice"]
    db.expire_all()
    stored = db.get(MeasureApplication, body["id"])
    assert stored is not None
    assert (stored.subject_id, stored.list_entry_id, stored.matter_code) == (
        company.id,
        entry.id,
        "fiscal_funding",
    )
    assert stored.applied_by == f"user:{world.users['caseofficer'].id}"
    assert stored.organisation_id == world.organisations["regulator"].id
    assert stored.notice == body["notice"]
    # The subject sees the notice on "my credit".
    notices = client.get("/api/v1/me/notices", headers=subject).json()["measure_applications"]
    assert notices == [
        {
            "id": body["id"],
            "measure": "pun_fiscal_subsidy_review",
            "matter": "fiscal_funding",
            "applied_at": clock.now().isoformat(),
            "basis": body["basis"],
            "reasons": body["reasons"],
            "notice": body["notice"],
            "entry_left": None,
        }
    ]
    assert (
        client.get("/api/v1/me/notices", headers=headers(client, "citizen")).json()[
            "measure_applications"
        ]
        == []
    )

    # Withdrawn: it stops applying at once.
    withdrawn = client.post(f"{MEASURES}/pun_fiscal_subsidy_review/withdraw", headers=authority)
    assert withdrawn.json()["withdrawn_at"] == clock.now().isoformat()
    assert "pun_fiscal_subsidy_review" not in codes_of(client.get(MEASURES))
    assert checked_measures(client, officer, "fiscal_funding", company.uscc or "") == [
        "pun_fiscal_funding"
    ]
    again = client.post(APPLY, json=application, headers=officer)
    assert (again.status_code, again.json()["error"]["code"]) == (403, "measure_unpublished")


def test_a_measure_applies_only_to_subjects_on_its_list_and_in_its_matters(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    black = world.subjects["company"]
    serious = world.subjects["other_company"]
    published_entry(db, clock, world, black)
    published_entry(db, clock, world, serious, "serious_fair_competition")
    db.commit()
    officer = headers(client, "caseofficer")

    def apply(subject: str, matter: str, measure: str) -> Any:
        return client.post(
            APPLY,
            json={"subject": subject, "matter": matter, "measure": measure, "reasons": "依法实施"},
            headers=officer,
        )

    person = world.subjects["person"].reference
    # Not on any list; on the black list but the measure targets the serious tier.
    for subject, measure, matter in (
        (person, "pun_honours", "honours"),
        (black.uscc, "pun_public_resource_trading", "government_procurement"),
    ):
        response = apply(subject or "", matter, measure)
        assert response.status_code == 422, (subject, measure)
        assert response.json()["error"]["code"] == "not_applicable"
        assert response.json()["error"]["article"] == "Art. 15 ¶2"
    # An incentive is for trustworthy subjects only: a black-listed one is told so (decision
    # 0041), not merely that it is not on the red list.
    incentive = apply(black.uscc or "", "government_procurement", "inc_trading_points")
    assert incentive.status_code == 409
    assert (incentive.json()["error"]["code"], incentive.json()["error"]["article"]) == (
        "incentive_on_black_list",
        "Art. 16",
    )
    wrong_matter = apply(black.uscc or "", "fiscal_funding", "pun_honours")
    assert wrong_matter.json()["error"]["code"] == "wrong_matter"
    unknown = apply(black.uscc or "", "honours", "pun_nothing")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_measure")
    # A serious-tier subject is on the black list too: black-tier measures apply to it.
    assert apply(serious.uscc or "", "honours", "pun_honours").status_code == 201
    assert (
        apply(
            serious.uscc or "", "government_procurement", "pun_public_resource_trading"
        ).status_code
        == 201
    )
    assert apply(black.uscc or "", "honours", "pun_honours").status_code == 201
    db.expire_all()
    assert len(db.scalars(select(MeasureApplication)).all()) == 3


def test_applying_needs_the_permission_and_reasons(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company)
    with pytest.raises(PermissionDenied):
        applications.apply(
            db,
            clock,
            actor(world, "querier"),
            subject=company,
            matter_code="honours",
            measure_code="pun_honours",
            reasons="依法实施",
        )
    with pytest.raises(InvalidInput) as no_reasons:
        applications.apply(
            db,
            clock,
            actor(world, "caseofficer"),
            subject=company,
            matter_code="honours",
            measure_code="pun_honours",
            reasons=" ",
        )
    assert (no_reasons.value.code, no_reasons.value.article) == ("required", "Art. 15 ¶2")
    with pytest.raises(NotFound):
        measures.publish(db, clock, SYSTEM_ACTOR, "no_such_measure")


def test_only_a_published_measure_is_withdrawn(
    lists_world: World, client: TestClient, clock: FixedClock
) -> None:
    authority = headers(client, "authority")
    assert client.post(MEASURES, json=new_measure(), headers=authority).status_code == 201
    draft = client.post(f"{MEASURES}/pun_fiscal_subsidy_review/withdraw", headers=authority)
    assert draft.status_code == 409
    assert draft.json()["error"]["code"] == "not_published"
    client.post(f"{MEASURES}/pun_fiscal_subsidy_review/publish", headers=authority)
    first = client.post(f"{MEASURES}/pun_fiscal_subsidy_review/withdraw", headers=authority)
    again = client.post(f"{MEASURES}/pun_fiscal_subsidy_review/withdraw", headers=authority)
    assert first.status_code == again.status_code == 200
    assert again.json()["withdrawn_at"] == first.json()["withdrawn_at"]
