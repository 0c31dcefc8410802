"""The measure pages (Art. 15–18): the credit authority drafts a measure (the catalog's
refusals shown on the form, with what was typed kept), publishes it to the public measures
page and withdraws it; a case officer applies a published measure to a listed company or
to a person named on a seriously dishonest organisation's entry, and the subject is told
the basis and reasons on its notices page."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import log_in
from tests.test_pages_disclosure import error_code, token
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.lists.models import Measure, MeasureApplication
from xinyong.web.i18n import translations
from xinyong.web.labels import cite


def cited(article: str) -> str:
    """An article as the default (zh-Hans) pages cite it: Art. 13 ¶3 → 第十三条第三款."""
    return cite(article, translations("zh_Hans").gettext, chinese=True)


CATALOG = "/admin/measures"
APPLY = "/measure-applications"


def measure_form(client: TestClient, **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "code": "pun_fiscal_subsidy_review",
        "kind": "punishment",
        "head": "5",
        "name": "从严审核财政补贴申请",
        "matter_codes": ["fiscal_funding", "government_procurement"],
        "target": "black",
        "means": "对其财政补贴申请从严审核",
        "implementing_body": "市财政局",
        "implementer_kinds": ["state_organ"],
        "legal_basis": "《福州市社会信用管理办法》第十七条第（五）项",
        "severity": "2",
        "csrf_token": token(client, CATALOG),
    }
    form.update(overrides)
    return form


def test_the_authority_drafts_publishes_and_withdraws_a_measure(
    lists_world: World, client: TestClient, db: Session
) -> None:
    log_in(client, "authority")
    too_heavy = client.post(CATALOG, data=measure_form(client, severity="5"))
    assert too_heavy.status_code == 422
    assert error_code(too_heavy) == "disproportionate"
    assert cited("Art. 15 ¶2") in too_heavy.text
    # What was typed is on the form again, the offending field marked.
    assert 'value="从严审核财政补贴申请"' in too_heavy.text
    assert (
        'id="m-severity" name="severity" type="number" min="1" max="5" required value="5" aria-invalid="true"'
        in too_heavy.text
    )
    assert 'value="fiscal_funding" checked' in too_heavy.text
    assert db.scalar(select(Measure.id).where(Measure.code == "pun_fiscal_subsidy_review")) is None

    created = client.post(CATALOG, data=measure_form(client), follow_redirects=False)
    assert created.status_code == 303
    catalog = client.get(created.headers["location"]).text
    assert 'data-measure="pun_fiscal_subsidy_review" data-state="draft"' in catalog
    public = client.get("/measures").text
    assert "从严审核财政补贴申请" not in public

    published = client.post(
        f"{CATALOG}/pun_fiscal_subsidy_review/publish",
        data={"csrf_token": token(client, CATALOG)},
        follow_redirects=False,
    )
    assert published.status_code == 303
    assert 'data-state="published"' in client.get(CATALOG).text
    assert "从严审核财政补贴申请" in client.get("/measures").text

    withdrawn = client.post(
        f"{CATALOG}/pun_fiscal_subsidy_review/withdraw",
        data={"csrf_token": token(client, CATALOG)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    assert "从严审核财政补贴申请" not in client.get("/measures").text


def test_a_case_officer_applies_a_measure_and_the_company_is_told(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company)
    db.commit()
    log_in(client, "caseofficer")
    page = client.get(APPLY, params={"matter": "honours"})
    assert 'value="honours" selected' in page.text
    wrong_matter = client.post(
        APPLY,
        data={
            "subject": company.uscc,
            "matter": "administrative_licensing",
            "measure": "pun_honours",
            "reasons": "列入失信主体名单，评优评先中不予推荐",
            "csrf_token": token(client, APPLY),
        },
    )
    assert wrong_matter.status_code == 422
    assert error_code(wrong_matter) == "wrong_matter"
    assert "列入失信主体名单，评优评先中不予推荐" in wrong_matter.text
    assert db.scalar(select(MeasureApplication.id)) is None

    applied = client.post(
        APPLY,
        data={
            "subject": company.uscc,
            "matter": "honours",
            "measure": "pun_honours",
            "reasons": "列入失信主体名单，评优评先中不予推荐",
            "csrf_token": token(client, APPLY),
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303
    listing = client.get(applied.headers["location"]).text
    assert 'role="status"' in listing
    assert "依据：" in listing
    assert "列入失信主体名单，评优评先中不予推荐" in listing

    client.post("/logout", data={"csrf_token": token(client, APPLY)})
    log_in(client, "company")
    notices = client.get("/me/notices").text
    assert "列入失信主体名单，评优评先中不予推荐" in notices
    assert "第二十五条" in notices


def test_a_measure_is_applied_to_a_responsible_person_by_id_number(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, world.subjects["company"], "serious_fair_competition")
    db.commit()
    citizen_id = citizen_id_of(world.subjects["person"])
    log_in(client, "caseofficer")
    applied = client.post(
        APPLY,
        data={
            "subject": citizen_id,
            "matter": "appointment",
            "measure": "pun_appointment",
            "reasons": "严重失信单位的法定代表人，依法限制任职资格",
            "csrf_token": token(client, APPLY),
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text[:500]
    listing = client.get(APPLY).text
    assert "法定代表人" in listing
    assert citizen_id not in listing
    lookups = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "subject.lookup_person")
    ).all()
    assert [e.outcome for e in lookups] == ["ok"]


def test_a_refused_application_keeps_the_audit_of_the_person_looked_up(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, world.subjects["company"], "serious_fair_competition")
    db.commit()
    log_in(client, "caseofficer")
    refused = client.post(
        APPLY,
        data={
            "subject": citizen_id_of(world.subjects["person"]),
            "matter": "government_procurement",
            "measure": "pun_public_resource_trading",
            "reasons": "依法实施",
            "csrf_token": token(client, APPLY),
        },
    )
    assert refused.status_code == 422
    assert error_code(refused) == "not_applicable"
    db.expire_all()
    assert db.scalar(select(MeasureApplication.id)) is None
    lookups = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "subject.lookup_person")
    ).all()
    assert [e.outcome for e in lookups] == ["ok"]
