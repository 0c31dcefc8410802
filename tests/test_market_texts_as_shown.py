"""Texts of the market bodies' registers taken as they show (decision 0044; review r4,
session 17): the register of credit service institutions (Art. 26) refuses a filing number,
name, scope, service or reason made only of characters nobody sees, and knows a filing
number however it is spelt in compatibility forms, spaces or invisible characters — on
registration, verification and lookup; an association's member register (Art. 10 ¶1)
refuses a member's name or an agreement reference made of them. Two clerks entering one
member at once: the second is checked against the first's (PostgreSQL)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401
    add_reporter,
    catalog_loaded,
    collection_world,
    fast_password_hashing,
    new_uscc,
)
from tests.concurrency_helpers import at_once, committed_world, staff  # noqa: F401
from tests.factories import OrganisationFactory, World, auth_headers, bind
from tests.test_members import Association, association  # noqa: F401
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock, FixedClock
from xinyong.collection import members
from xinyong.collection.models import AssociationMember
from xinyong.errors import Conflict, InvalidInput
from xinyong.institutions import register
from xinyong.institutions.models import CreditServiceInstitution, InstitutionStatus
from xinyong.synthetic import make_uscc

ZERO_WIDTH = "\u200b"
JOINER = "\u200d"
WORD_JOINER = "\u2060"
NUMBER = "闽信用备〔2026〕001号"


def _register(db: Session, clock: Clock, seed: int, **terms: Any) -> CreditServiceInstitution:
    given: dict[str, Any] = {
        "uscc": make_uscc(random.Random(seed)),
        "name": "福州某信用服务有限公司",
        "filing_number": NUMBER,
        "filing_date": dt.date(2026, 3, 2),
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
        **terms,
    }
    return register.register(db, clock, SYSTEM_ACTOR, **given)


# --- the register of credit service institutions --------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        NUMBER + ZERO_WIDTH,
        "闽信用备〔２０２６〕００１号",  # full-width digits
        f" {NUMBER[:4]}{WORD_JOINER}{NUMBER[4:]} ",
    ],
)
def test_a_filing_number_that_looks_like_a_registered_one_is_that_one(
    db: Session, clock: Clock, spelling: str
) -> None:
    first = _register(db, clock, 1)
    with pytest.raises(Conflict) as refused:
        _register(db, clock, 2, filing_number=spelling)
    assert (refused.value.code, refused.value.article) == ("already_registered", "Art. 26")
    # Verified and looked up by the number however it is spelt.
    assert register.by_code(db, spelling).id == first.id


def test_a_filing_number_is_kept_in_its_one_form(db: Session, clock: Clock) -> None:
    entry = _register(db, clock, 3, filing_number=f"闽信用备〔２０２６〕{ZERO_WIDTH}００９号")
    assert entry.filing_number == "闽信用备〔2026〕009号"
    assert register.by_code(db, "闽信用备〔2026〕009号").id == entry.id


@pytest.mark.parametrize("field", ["filing_number", "name", "business_scope"])
def test_a_register_text_nobody_sees_is_required(db: Session, clock: Clock, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _register(db, clock, 10, **{field: ZERO_WIDTH + JOINER})
    assert (refused.value.code, refused.value.field) == ("required", field)


def test_services_nobody_sees_are_none(db: Session, clock: Clock) -> None:
    with pytest.raises(InvalidInput) as refused:
        _register(db, clock, 20, services=[ZERO_WIDTH, WORD_JOINER])
    assert (refused.value.code, refused.value.field) == ("required", "services")
    entry = _register(db, clock, 21, services=["信用评价报告" + ZERO_WIDTH, "信用评价报告"])
    assert [s.name for s in entry.filed_services] == ["信用评价报告"]


def test_a_status_change_and_an_amendment_state_a_visible_reason(db: Session, clock: Clock) -> None:
    entry = _register(db, clock, 30)
    with pytest.raises(InvalidInput) as refused:
        register.change_status(
            db,
            clock,
            SYSTEM_ACTOR,
            entry.uscc,
            status=InstitutionStatus.SUSPENDED,
            reason=ZERO_WIDTH + JOINER,
        )
    assert (refused.value.code, refused.value.field) == ("required", "reason")
    with pytest.raises(InvalidInput) as refused:
        register.amend(
            db,
            clock,
            SYSTEM_ACTOR,
            entry.uscc,
            name=entry.name,
            business_scope=entry.business_scope,
            services=["信用评价报告"],
            reason=WORD_JOINER,
        )
    assert (refused.value.code, refused.value.field) == ("required", "reason")
    assert entry.status is InstitutionStatus.ACTIVE


def test_the_api_refuses_invisible_register_text_and_verifies_any_spelling(
    client: TestClient, world: World
) -> None:
    headers = auth_headers(client, "authority")
    body = {
        "uscc": make_uscc(random.Random(40)),
        "name": "福州某信用服务有限公司",
        "filing_number": ZERO_WIDTH,
        "filing_date": "2026-03-02",
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
    }
    refused = client.post("/api/v1/institutions", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("required", "filing_number")
    created = client.post(
        "/api/v1/institutions", json={**body, "filing_number": NUMBER}, headers=headers
    )
    assert created.status_code == 201, created.text
    found = client.get(
        "/api/v1/institutions/verify", params={"code": "闽信用备〔２０２６〕００１号" + ZERO_WIDTH}
    )
    assert found.status_code == 200, found.text
    assert found.json()["uscc"] == body["uscc"]


# --- the member register ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "code"),
    [("name", "required"), ("agreement_reference", "agreement_required")],
)
def test_a_membership_names_a_visible_member_and_agreement(
    collection_world: World,
    association: Association,
    db: Session,
    clock: Clock,
    field: str,
    code: str,
) -> None:
    terms: dict[str, Any] = {
        "uscc": new_uscc(),
        "name": "福州某会员有限公司",
        "since": dt.date(2025, 1, 1),
        "agreement_reference": "会员协议 2025-001",
        field: ZERO_WIDTH + WORD_JOINER,
    }
    with pytest.raises(InvalidInput) as refused:
        members.add(db, clock, association.actor, **terms)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert db.scalar(select(func.count()).select_from(AssociationMember)) == 0


def test_a_members_name_and_agreement_are_kept_as_they_show(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    membership = members.add(
        db,
        clock,
        association.actor,
        uscc=new_uscc(),
        name="福州\u202e某会员有限公司",  # a right-to-left override
        since=dt.date(2025, 1, 1),
        agreement_reference=f"{ZERO_WIDTH}会员协议 2025-001 ",
    )
    assert (membership.name, membership.agreement_reference) == (
        "福州某会员有限公司",
        "会员协议 2025-001",
    )


@pytest.mark.test_database
def test_two_clerks_entering_one_members_overlapping_memberships_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """Clerk A enters the member from 2025-01-01, clerk B from 2025-06-01: the second waits
    for the first and is refused the overlap, where both were entered (decision 0032)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        bind(session, clock)
        association = OrganisationFactory(
            name="福州竞态行业协会",
            kind=OrganisationKind.INDUSTRY_ASSOCIATION,
            code=new_uscc(prefix="51"),
        )
        add_reporter(session, association, "race_clerk_a")
        add_reporter(session, association, "race_clerk_b")
        session.commit()
    member = new_uscc()

    def clerk(username: str, since: dt.date) -> Any:
        def enter(session: Session) -> AssociationMember:
            return members.add(
                session,
                clock,
                staff(session, username),
                uscc=member,
                name="福州某会员有限公司",
                since=since,
                agreement_reference=f"会员协议 {username}",
            )

        return enter

    second = at_once(
        engine,
        clerk("race_clerk_a", dt.date(2025, 1, 1)),
        clerk("race_clerk_b", dt.date(2025, 6, 1)),
    )

    assert second.refused is not None, "two overlapping memberships of one member were entered"
    assert second.refused.code == "membership_overlaps"
    with Session(engine) as session:
        entered = session.scalar(
            select(func.count())
            .select_from(AssociationMember)
            .where(AssociationMember.uscc == member)
        )
    assert entered == 1
