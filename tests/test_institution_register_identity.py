"""Which organisation a register entry is, and which entry a code names (Art. 26, 27;
review, session 23): the register's standing binds an organisation by its code whatever
kind it was created under, a code and a filing number never answer for each other, and a
code whose entries are all deregistered may be registered again on a new filing."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from tests.collection_helpers import catalog_loaded, collection_world  # noqa: F401
from tests.disclosure_helpers import (
    CONTRACT,
    actor_of,
    attempt,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    refusal_of,
)
from tests.factories import InstitutionFactory, UserFactory, World, auth_headers
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.disclosure import access, authorisations
from xinyong.errors import Conflict, DomainError, InvalidInput
from xinyong.institutions import register
from xinyong.institutions.models import CreditServiceInstitution, InstitutionStatus
from xinyong.synthetic import make_uscc

UNTIL = dt.date(2027, 6, 30)
NAME = "福州异类信用评估有限公司"


def _register(db: Session, clock: Clock, uscc: str, filing_number: str) -> CreditServiceInstitution:
    return register.register(
        db,
        clock,
        SYSTEM_ACTOR,
        uscc=uscc,
        name=NAME,
        filing_number=filing_number,
        filing_date=dt.date(2026, 3, 1),
        business_scope="信用评价",
        services=["信用评价报告"],
    )


def _status(db: Session, clock: Clock, uscc: str, status: InstitutionStatus) -> None:
    register.change_status(db, clock, SYSTEM_ACTOR, uscc, status=status, reason="检查")


def _grant(world: World, clock: Clock, grantee: Organisation) -> object:
    return authorisations.grant(
        world.session,
        clock,
        actor_of(world, "citizen"),
        grantee=grantee,
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人同意查询本人合同履约信息。",
    )


# --- 1. an institution created under another kind -------------------------------------------


def test_an_organisation_of_another_kind_cannot_take_a_registered_institutions_code(
    world: World, db: Session, clock: Clock
) -> None:
    entry = InstitutionFactory(name=NAME)
    _status(db, clock, entry.uscc, InstitutionStatus.SUSPENDED)
    for kind in (OrganisationKind.ENTERPRISE, OrganisationKind.FINANCIAL_INSTITUTION):
        with pytest.raises(Conflict) as refused:
            accounts.create_organisation(
                db, clock, SYSTEM_ACTOR, code=entry.uscc, name=NAME, kind=kind
            )
        assert (refused.value.code, refused.value.article) == (
            "registered_institution_code",
            "Art. 26",
        )
    made = accounts.create_organisation(
        db,
        clock,
        SYSTEM_ACTOR,
        code=entry.uscc,
        name=NAME,
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
    )
    assert register.standing_problem(db, made) is not None


def test_the_administrator_is_refused_such_an_organisation_by_the_api(
    client: TestClient, world: World, db: Session, clock: Clock
) -> None:
    entry = InstitutionFactory(name=NAME)
    _status(db, clock, entry.uscc, InstitutionStatus.SUSPENDED)
    db.commit()
    response = client.post(
        "/api/v1/admin/organisations",
        json={"code": entry.uscc, "name": NAME, "kind": "enterprise"},
        headers=auth_headers(client, "admin"),
    )
    assert error_of(response) == (409, "registered_institution_code", "Art. 26")


def test_an_organisation_made_under_another_kind_before_still_meets_the_register(
    disclosure_world: World, db: Session, clock: Clock
) -> None:
    """One made before the refusal (straight into the table here) is bound by the
    register's standing all the same: no authorisation, no read, and its upheld objections
    are the credit authority's once it is deregistered."""
    world = disclosure_world
    entry = InstitutionFactory(name=NAME)
    organisation = Organisation(
        code=entry.uscc,
        name=NAME,
        kind=OrganisationKind.ENTERPRISE,
        jurisdiction="350100",
        created_at=clock.now(),
    )
    db.add(organisation)
    db.flush()
    world.users["odd_analyst"] = UserFactory(
        username="odd_analyst", role=Role.INSTITUTION_ANALYST, organisation=organisation
    )
    # Active, it is an institution: the service terms apply to it (Art. 27 ¶2).
    with pytest.raises(InvalidInput) as unnamed:
        _grant(world, clock, organisation)
    assert unnamed.value.code == "service_required"
    granted = authorisations.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        grantee=organisation,
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人同意查询本人合同履约信息。",
        service="信用评价报告",
        service_not_conditional=True,
    )
    assert granted.service == "信用评价报告"
    db.commit()
    person = world.subjects["person"]
    assert isinstance(attempt(db, clock, actor_of(world, "odd_analyst"), person), access.Access)
    db.commit()
    _status(db, clock, entry.uscc, InstitutionStatus.SUSPENDED)
    db.commit()
    analyst = actor_of(world, "odd_analyst")
    assert analyst.standing is not None
    assert analyst.standing.code == "institution_suspended"
    assert refusal_of(attempt(db, clock, analyst, person)) == ("institution_suspended", "Art. 26")
    with pytest.raises(DomainError) as refused:
        _grant(world, clock, organisation)
    assert refused.value.code == "institution_suspended"
    assert register.outside_register(db, [organisation.id]) == {
        organisation.id: "institution_suspended"
    }
    _status(db, clock, entry.uscc, InstitutionStatus.DEREGISTERED)
    assert register.organisation_id(db, entry) == organisation.id
    assert register.deregistered_organisations(db, [organisation.id]) == {organisation.id}


# --- 3. a filing number and a code never answer for each other -------------------------------


def test_a_filing_number_shaped_like_a_code_is_refused(
    world: World, db: Session, clock: Clock
) -> None:
    first = _register(db, clock, make_uscc(random.Random(31)), "闽信备〔2026〕3101号")
    for number in (first.uscc, make_uscc(random.Random(32)), first.uscc.lower()):
        with pytest.raises(InvalidInput) as refused:
            _register(db, clock, make_uscc(random.Random(33)), number)
        assert (refused.value.code, refused.value.field, refused.value.article) == (
            "filing_number_like_code",
            "filing_number",
            "Art. 26",
        )


def test_a_code_that_is_an_entrys_filing_number_is_refused_and_a_code_is_matched_first(
    db: Session, clock: Clock
) -> None:
    shared = make_uscc(random.Random(34))
    # An entry made before the refusal, whose filing number reads as a code.
    older = _register(db, clock, make_uscc(random.Random(35)), "闽信备〔2026〕3501号")
    db.execute(
        update(CreditServiceInstitution)
        .where(CreditServiceInstitution.id == older.id)
        .values(filing_number=shared)
    )
    db.expire_all()
    with pytest.raises(Conflict) as refused:
        _register(db, clock, shared, "闽信备〔2026〕3502号")
    assert (refused.value.code, refused.value.field) == ("code_is_filing_number", "uscc")
    # Had it been registered before the refusal: the code answers for its own entry.
    newer = CreditServiceInstitution(
        uscc=shared,
        name="福州同号信用有限公司",
        filing_number="闽信备〔2026〕3503号",
        filing_date=dt.date(2026, 3, 1),
        business_scope="信用评价",
        status=InstitutionStatus.ACTIVE,
        status_since=dt.date(2026, 3, 1),
        status_reason=None,
        current_version_no=1,
        registered_at=clock.now(),
    )
    db.add(newer)
    db.flush()
    for _ in range(3):
        assert register.by_code(db, shared).id == newer.id
        assert register.by_code(db, shared, for_change=True).id == newer.id
    # The filing number still finds its entry when no code is it.
    assert register.by_code(db, "闽信备(2026)3503号").id == newer.id


def test_the_verification_api_answers_for_the_code_not_the_filing_number(
    client: TestClient, world: World
) -> None:
    authority = auth_headers(client, "authority")
    first, second = make_uscc(random.Random(36)), make_uscc(random.Random(37))
    body = {
        "uscc": first,
        "name": "福州甲信用服务有限公司",
        "filing_number": "闽信备〔2026〕3601号",
        "filing_date": "2026-05-01",
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
    }
    assert client.post("/api/v1/institutions", json=body, headers=authority).status_code == 201
    refused = client.post(
        "/api/v1/institutions",
        json={**body, "uscc": second, "name": "福州乙信用服务有限公司", "filing_number": first},
        headers=authority,
    )
    assert error_of(refused) == (422, "filing_number_like_code", "Art. 26")
    found = client.get("/api/v1/institutions/verify", params={"code": first})
    assert found.json()["name"] == "福州甲信用服务有限公司"


# --- 4. registered again after a deregistration ----------------------------------------------


def test_a_deregistered_code_is_registered_again_as_a_new_entry(
    disclosure_world: World, db: Session, clock: Clock
) -> None:
    world = disclosure_world
    code = make_uscc(random.Random(41))
    first = _register(db, clock, code, "闽信备〔2026〕4101号")
    organisation = accounts.create_organisation(
        db,
        clock,
        SYSTEM_ACTOR,
        code=code,
        name=NAME,
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
    )
    _status(db, clock, code, InstitutionStatus.DEREGISTERED)
    assert register.standing_problem(db, organisation) is not None
    # Its filing number stays the closed entry's.
    with pytest.raises(Conflict) as reused:
        _register(db, clock, code, "闽信备〔2026〕4101号")
    assert (reused.value.code, reused.value.field) == ("already_registered", "filing_number")
    again = _register(db, clock, code, "闽信备〔2026〕4102号")
    assert again.id != first.id
    assert first.status is InstitutionStatus.DEREGISTERED
    # The entry in force is the new one: standing, services, look-ups.
    assert register.by_code(db, code).id == again.id
    assert register.entry_for_code(db, code).id == again.id  # type: ignore[union-attr]
    assert register.standing_problem(db, organisation) is None
    assert register.deregistered_organisations(db, [organisation.id]) == set()
    granted = authorisations.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        grantee=organisation,
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人同意查询本人合同履约信息。",
        service="信用评价报告",
        service_not_conditional=True,
    )
    assert granted.service == "信用评价报告"
    # One entry in force per code.
    with pytest.raises(Conflict) as twice:
        _register(db, clock, code, "闽信备〔2026〕4103号")
    assert (twice.value.code, twice.value.field) == ("already_registered", "uscc")
    # The old filing number still finds the old, closed entry.
    assert register.by_code(db, "闽信备〔2026〕4101号").id == first.id
    # Suspending acts on the entry in force.
    _status(db, clock, code, InstitutionStatus.SUSPENDED)
    assert again.status is InstitutionStatus.SUSPENDED


def test_grants_to_a_deregistered_entry_are_not_honoured_again_under_the_new_one(
    disclosure_world: World, db: Session, clock: Clock
) -> None:
    """Standing is read per code, grants are tied to the organisation: registering the code
    again brought the old entry's authorisations and consents back into force. Deregistration
    is final (decision 0024): they are ended by the system, audited naming the deregistered
    entry, and the person sees them revoked (review, session 23)."""
    from sqlalchemy import select

    from xinyong.audit.models import AuditEvent
    from xinyong.collection import consent
    from xinyong.subjects.models import Subject

    world = disclosure_world
    code = make_uscc(random.Random(43))
    first = _register(db, clock, code, "闽信备〔2026〕4301号")
    organisation = accounts.create_organisation(
        db,
        clock,
        SYSTEM_ACTOR,
        code=code,
        name=NAME,
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
    )
    citizen = actor_of(world, "citizen")
    terms = {"service": "信用评价报告", "service_not_conditional": True}
    old_authorisation = authorisations.grant(
        db,
        clock,
        citizen,
        grantee=organisation,
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人同意查询本人合同履约信息。",
        **terms,
    )
    person = db.get(Subject, citizen.subject_id)
    assert person is not None
    old_consent = consent.grant(
        db,
        clock,
        citizen,
        subject=person,
        grantee=organisation,
        record_type_codes=[CONTRACT],
        written=True,
        adverse_consequences_notified=False,
        **terms,
    )
    _status(db, clock, code, InstitutionStatus.DEREGISTERED)
    _register(db, clock, code, "闽信备〔2026〕4302号")
    db.flush()
    assert register.standing_problem(db, organisation) is None
    today = clock.today()
    assert authorisations.in_force(db, person.id, organisation.id, today) == []
    assert consent.active_consents(db, [person.id], organisation.id, CONTRACT, today) == {}
    assert old_authorisation.revoked_at is not None
    assert old_consent.revoked_at is not None
    # The person sees them revoked in its lists.
    assert [a.revoked_at is not None for a in authorisations.of_subject(db, citizen)] == [True]
    assert [c.revoked_at is not None for c in consent.consents_of(db, citizen, person.id)] == [True]
    # And why: revoked by the system, its grantee registered again (Art. 24).
    assert old_authorisation.revocation == old_consent.revocation == "grantee_registered_again"
    assert (
        consent.end_reason(old_consent, today)
        == consent.end_reason(old_authorisation, today)
        == consent.REVOKED_GRANTEE_REGISTERED_AGAIN
    )
    ended = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action.in_(("authorisation.revoke", "consent.revoke")),
            AuditEvent.target_id == str(person.id),
        )
    ).all()
    assert sorted(e.action for e in ended) == ["authorisation.revoke", "consent.revoke"]
    for event in ended:
        assert event.actor_id == SYSTEM_ACTOR.audit().id
        assert event.details["deregistered_entry"] == first.id
        assert "闽信备〔2026〕4301号" in event.details["reason"]
        assert event.details["revocation"] == "grantee_registered_again"
    # Given to the new entry, they count.
    fresh = authorisations.grant(
        db,
        clock,
        citizen,
        grantee=organisation,
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人再次同意查询本人合同履约信息。",
        **terms,
    )
    assert [a.id for a in authorisations.in_force(db, person.id, organisation.id, today)] == [
        fresh.id
    ]


def test_the_api_registers_a_deregistered_code_again(client: TestClient, world: World) -> None:
    authority = auth_headers(client, "authority")
    code = make_uscc(random.Random(42))
    body = {
        "uscc": code,
        "name": "福州再备信用服务有限公司",
        "filing_number": "闽信备〔2026〕4201号",
        "filing_date": "2026-05-01",
        "business_scope": "企业信用评价",
        "services": ["信用评价报告"],
    }
    assert client.post("/api/v1/institutions", json=body, headers=authority).status_code == 201
    ended = client.post(
        f"/api/v1/institutions/{code}/status",
        json={"status": "deregistered", "reason": "注销备案"},
        headers=authority,
    )
    assert ended.status_code == 200, ended.text
    again = client.post(
        "/api/v1/institutions",
        json={**body, "filing_number": "闽信备〔2026〕4202号"},
        headers=authority,
    )
    assert again.status_code == 201, again.text
    found = client.get("/api/v1/institutions/verify", params={"code": code})
    assert found.json()["may_operate"] is True
    assert found.json()["filing_number"] == "闽信备〔2026〕4202号"
