"""An institution's filing is checked against what the platform knows (Art. 26): its code
is not another organisation's, and its date falls between the 征信业管理条例's entry into
force (2013-03-15) and today (decision 0044)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.disclosure_helpers import error_of
from tests.factories import CompanyFactory, OrganisationFactory, World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput
from xinyong.institutions import register
from xinyong.synthetic import make_uscc

NAME = "福州明信信用服务有限公司"


def _file(db: Session, clock: Clock, **changes: object) -> object:
    terms: dict[str, object] = {
        "uscc": make_uscc(random.Random(4401)),
        "name": NAME,
        "filing_number": "闽信备〔2026〕4401号",
        "filing_date": dt.date(2026, 5, 1),
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
    }
    terms.update(changes)
    return register.register(db, clock, SYSTEM_ACTOR, **terms)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filed", "code"),
    [
        (dt.date(2013, 3, 14), "filing_before_regulation"),
        (dt.date(1999, 1, 1), "filing_before_regulation"),
        (dt.date(2026, 11, 28), "future_date"),
    ],
)
def test_a_filing_date_outside_the_regulation_is_refused(
    world: World, db: Session, clock: Clock, filed: dt.date, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _file(db, clock, filing_date=filed)
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        code,
        "filing_date",
        "Art. 26",
    )


def test_the_first_day_and_today_are_filing_dates(world: World, db: Session, clock: Clock) -> None:
    _file(db, clock, filing_date=dt.date(2013, 3, 15))
    _file(
        db,
        clock,
        uscc=make_uscc(random.Random(4402)),
        filing_number="闽信备〔2026〕4402号",
        filing_date=clock.today(),
    )


def test_a_code_of_an_agency_or_a_bank_is_refused(world: World, db: Session, clock: Clock) -> None:
    bank = world.organisations["bank"]
    with pytest.raises(Conflict) as refused:
        _file(db, clock, uscc=bank.code, name=bank.name)
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "code_of_another_kind",
        "uscc",
        "Art. 26",
    )


def test_a_code_registered_under_another_name_is_refused(
    world: World, db: Session, clock: Clock
) -> None:
    organisation = OrganisationFactory(
        name="福州诚信评估有限公司",
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        code=make_uscc(random.Random(4403)),
    )
    with pytest.raises(Conflict) as refused:
        _file(db, clock, uscc=organisation.code)
    assert (refused.value.code, refused.value.field) == ("code_of_another_name", "uscc")
    # The same organisation by its own name (written another way) is its filing.
    _file(db, clock, uscc=organisation.code, name="福州诚信评估有限公司 ")


def test_a_code_of_a_subject_under_another_name_is_refused(
    world: World, db: Session, clock: Clock
) -> None:
    company = world.subjects["company"]
    with pytest.raises(Conflict) as refused:
        _file(db, clock, uscc=company.uscc)
    assert refused.value.code == "code_of_another_name"
    # Under a name the subject bears (a former one too), it is the same organisation.
    _file(db, clock, uscc=company.uscc, name="福州晨光文具店")


def test_the_api_and_the_page_refuse_them(client: TestClient, world: World) -> None:
    company = CompanyFactory(name="福州榕信数据服务有限公司")
    world.session.commit()
    body = {
        "uscc": company.uscc,
        "name": NAME,
        "filing_number": "闽信备〔2026〕4404号",
        "filing_date": "2026-05-01",
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
    }
    authority = auth_headers(client, "authority")
    refused = client.post("/api/v1/institutions", json=body, headers=authority)
    assert error_of(refused) == (409, "code_of_another_name", "Art. 26")
    early = client.post(
        "/api/v1/institutions",
        json={**body, "uscc": make_uscc(random.Random(4405)), "filing_date": "2012-12-31"},
        headers=authority,
    )
    assert error_of(early) == (422, "filing_before_regulation", "Art. 26")
    assert early.json()["error"]["field"] == "filing_date"

    log_in(client, "authority")
    page = client.post(
        "/admin/institutions",
        data={
            **body,
            "services": "信用评价报告",
            "csrf_token": csrf_from(client.get("/admin/institutions", headers=HTML).text),
        },
        headers=HTML,
    )
    assert page.status_code == 409
    assert 'data-code="code_of_another_name"' in page.text
