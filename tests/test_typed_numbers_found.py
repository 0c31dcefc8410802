"""Numbers the public types are found however they are typed (review r3, session 19): a
credit service institution's filing number with the brackets a keyboard has — (), （）,
[], 【】 — for the 〔〕 of the register (Art. 26: "not registered" said of a registered
institution), and a repair case's query code in any case, with spaces, hyphens or none."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
    fast_password_hashing,
)
from tests.disclosure_helpers import (
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import InstitutionFactory, World
from tests.repair_helpers import apply, old_decision
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.errors import Conflict, NotFound
from xinyong.institutions import register
from xinyong.institutions.models import CreditServiceInstitution
from xinyong.repair import cases
from xinyong.synthetic import make_uscc
from xinyong.web.i18n import translations

NUMBER = "闽信用备〔2026〕501号"
TYPED = [
    "闽信用备(2026)501号",
    "闽信用备（2026）501号",
    "闽信用备[2026]501号",
    "闽信用备【2026】501号",
    "闽信用备﹝2026﹞501号",
    "闽信用备 ( 2026 ) 501号",
]


@pytest.mark.parametrize("typed", TYPED)
def test_a_filing_number_is_found_with_any_brackets(db: Session, world: World, typed: str) -> None:
    entry = InstitutionFactory(filing_number=NUMBER)
    assert register.by_code(db, typed).id == entry.id
    # And a second institution with the same number in other brackets is refused.
    with pytest.raises(Conflict) as refused:
        InstitutionFactory(filing_number=typed)
    assert (refused.value.code, refused.value.article) == ("already_registered", "Art. 26")


def test_a_filing_number_is_kept_with_its_year_in_the_official_brackets(
    db: Session, world: World
) -> None:
    entry = InstitutionFactory(filing_number="闽信用备（2026）502号")
    assert entry.filing_number == "闽信用备〔2026〕502号"


def test_a_number_registered_as_typed_before_is_found_too(
    db: Session, clock: FixedClock, world: World
) -> None:
    """Numbers registered before the brackets were folded are kept as they were typed."""
    entry = InstitutionFactory(filing_number="闽信用备〔2026〕503号")
    db.execute(
        update(CreditServiceInstitution)
        .where(CreditServiceInstitution.id == entry.id)
        .values(filing_number="闽信用备(2026)503号")
    )
    for typed in ("闽信用备〔2026〕503号", "闽信用备（2026）503号", "闽信用备[2026]503号"):
        assert register.by_code(db, typed).id == entry.id
    with pytest.raises(Conflict):
        register.register(
            db,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(503)),
            name="福州另一信用服务有限公司",
            filing_number="闽信用备【2026】503号",
            filing_date=dt.date(2026, 3, 2),
            business_scope="企业信用评价",
            services=["信用评价报告"],
        )


def test_the_public_verifies_a_filing_number_typed_with_ordinary_brackets(
    client: TestClient, db: Session, world: World
) -> None:
    entry = InstitutionFactory(filing_number=NUMBER)
    db.commit()
    for typed in TYPED:
        found = client.get("/api/v1/institutions/verify", params={"code": typed})
        assert found.status_code == 200, typed
        assert found.json()["may_operate"] is True
        page = client.get("/institutions", params={"code": typed, "lang": "en"})
        said = translations("en").gettext(
            "%(name)s is a registered credit service institution and may operate."
        ) % {"name": entry.name}
        assert said in page.text, typed


def _typed(code: str) -> list[str]:
    plain = code.replace("-", "")
    return [
        code.lower(),
        code.replace("-", " "),
        plain,
        plain.lower(),
        f" {code[:9]} {code[9:]} ",
        "".join(chr(ord(ch) + 0xFEE0) for ch in plain),  # full-width
    ]


def test_a_query_code_is_found_however_it_is_typed(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    db.commit()
    for typed in _typed(case.query_code):
        assert cases.progress(db, clock, typed)["status"] == "submitted", typed
        page = client.get("/repair-progress", params={"code": typed})
        assert 'data-status="submitted"' in page.text, typed
        answer = client.get(f"/api/v1/repair-progress/{typed.strip()}")
        assert answer.status_code == 200, typed
    for other in ("", "LJGT", case.query_code[:-1] + "?"):
        with pytest.raises(NotFound):
            cases.progress(db, clock, other)
