# ruff: noqa: F811

"""A credit service institution outside the active register (Art. 26) collects, queries and
is shown nothing: every route its staff could use refuses them with the register's status,
through one rule (``permissions.Actor.standing``, decision 0024 addendum), not route by
route. The matrix's own entries are replayed as the institution's data reporter, analyst and
security officer, so that a new route for those roles is covered the day it is added."""

from __future__ import annotations

import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
    fast_password_hashing,
)
from tests.factories import InstitutionFactory, OrganisationFactory, UserFactory, World
from tests.test_permission_matrix import (
    MATRIX,
    STAFF,
    Access,
    _Public,
    build_call,
    is_page,
    perform,
    with_association,
)
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.config import Settings
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.synthetic import make_uscc

# The world's account whose routes the institution's account of the same role replays.
TWINS = {
    "reporter": "inst_reporter",
    "other_reporter": "inst_reporter",
    "analyst": "inst_analyst",
    "security": "inst_security",
}
# Routes an institution's analyst would read through, which the matrix gives to the world's
# queriers only (the bank's analyst has no authorisation there, so it is simply refused).
ANALYST_READS = (
    ("GET", "/api/v1/subjects/{code}/file"),
    ("GET", "/api/v1/subjects/{code}/report"),
    ("GET", "/api/v1/subjects/{code}/credit-status"),
    ("GET", "/api/v1/reports/{number}"),
    ("POST", "/api/v1/person-lookups"),
    ("POST", "/query"),
    ("POST", "/query/report"),
    ("POST", "/query/credit-status"),
    ("GET", "/reports/{number}"),
)


def _twin(access: Access) -> str | None:
    if isinstance(access.allowed, _Public) or access.allowed >= STAFF:
        return None  # public, or every account's own (GET /api/v1/me)
    for account, twin in TWINS.items():
        if account in access.allowed:
            return twin
    return None


ROUTES = sorted(
    [
        pytest.param(method, path, twin, id=f"{method} {path}")
        for (method, path), access in MATRIX.items()
        if (twin := _twin(access)) is not None
    ]
    + [
        pytest.param(method, path, "inst_analyst", id=f"{method} {path}")
        for method, path in ANALYST_READS
    ],
    key=lambda p: p.id or "",
)


def add_institution(world: World, status: InstitutionStatus | None) -> str:
    """A credit service institution on the platform with a data reporter, an analyst and a
    security officer, registered and then given ``status`` (None: never registered)."""
    code = make_uscc(random.Random(2026), prefix="91")
    organisation = OrganisationFactory(
        name="福州守信信用评估有限公司", kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=code
    )
    world.organisations["institution"] = organisation
    for username, role in (
        ("inst_reporter", Role.DATA_REPORTER),
        ("inst_analyst", Role.INSTITUTION_ANALYST),
        ("inst_security", Role.SECURITY_OFFICER),
    ):
        world.users[username] = UserFactory(username=username, role=role, organisation=organisation)
    if status is not None:
        InstitutionFactory(uscc=code, name=organisation.name)
        if status is not InstitutionStatus.ACTIVE:
            register.change_status(
                world.session, world.clock, SYSTEM_ACTOR, code, status=status, reason="未按期整改"
            )
    world.session.commit()
    return code


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(data_dir=tmp_path, login_attempts_per_window=10_000)


@pytest.fixture
def world(world: World, db: Session) -> World:
    with_association(world)
    db.commit()
    return world


def refusal_code(response: Any, path: str) -> str | None:
    if is_page(path):
        found = response.text.split('data-code="', 1)
        return found[1].split('"', 1)[0] if len(found) == 2 else None
    return response.json().get("error", {}).get("code")


@pytest.mark.parametrize(("method", "path", "twin"), ROUTES)
def test_every_route_of_its_roles_refuses_a_suspended_institution(
    client: TestClient, world: World, method: str, path: str, twin: str
) -> None:
    add_institution(world, InstitutionStatus.SUSPENDED)
    access = MATRIX[(method, path)]
    call = build_call(world, method, path, access)
    headers = {"Accept": "text/html"} if is_page(path) else {}
    call = type(call)(**{**call.__dict__, "headers": {**call.headers, **headers}})
    (response,) = perform(client, world, path, twin, [call])
    assert response.status_code == 403, f"{method} {path} as {twin}: {response.text[:300]}"
    assert refusal_code(response, path) == "institution_suspended", response.text[:500]


def test_the_routes_replayed_are_the_institution_roles_routes() -> None:
    """Never vacuous: batches, consents, records, reviews, queries and reports are among them."""
    replayed = {p.values[1] for p in ROUTES}
    assert {
        "/api/v1/batches",
        "/batches/upload",
        "/api/v1/consents",
        "/consents",
        "/api/v1/records",
        "/reviews",
        "/query",
        "/api/v1/reports",
        "/api/v1/person-lookups",
        "/record-objections/forwarded",
    } <= replayed
    assert len(ROUTES) > 50


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (InstitutionStatus.SUSPENDED, "institution_suspended"),
        (InstitutionStatus.DEREGISTERED, "institution_deregistered"),
        (None, "institution_not_registered"),
        (InstitutionStatus.ACTIVE, None),
    ],
)
def test_its_staff_are_told_why_on_every_page_and_by_the_api(
    client: TestClient,
    world: World,
    status: InstitutionStatus | None,
    code: str | None,
) -> None:
    add_institution(world, status)
    (me,) = perform(client, world, "/api/v1/me", "inst_reporter", [_get("/api/v1/me")])
    standing = me.json()["standing"]
    assert (standing or {}).get("code") == code
    if code is not None:
        assert standing["article"] == "Art. 26"
    (home,) = perform(client, world, "/", "inst_reporter", [_get("/", page=True)])
    assert home.status_code == 200
    assert (f'class="outside-register" role="status" data-code="{code}"' in home.text) == (
        code is not None
    )
    # Nor does the menu offer what it may not do.
    assert ('href="/batches/upload"' in home.text) == (code is None)


def _get(url: str, *, page: bool = False) -> Any:
    from tests.test_permission_matrix import Call

    return Call(
        method="GET",
        url=url,
        query=None,
        json=None,
        form=None,
        files=None,
        content=None,
        headers={"Accept": "text/html"} if page else {},
    )


def test_an_api_key_of_a_suspended_institution_submits_nothing(
    client: TestClient, world: World, db: Session, clock: Clock
) -> None:
    from xinyong.accounts import api_keys

    add_institution(world, InstitutionStatus.ACTIVE)
    key = api_keys.create_api_key(
        db,
        clock,
        SYSTEM_ACTOR,
        organisation=world.organisations["institution"],
        role=Role.DATA_REPORTER,
        name="批量报送",
    )
    _key, secret = api_keys.release_api_key(db, clock, SYSTEM_ACTOR, key.id)
    register.change_status(
        db,
        clock,
        SYSTEM_ACTOR,
        world.organisations["institution"].code or "",
        status=InstitutionStatus.SUSPENDED,
        reason="整改",
    )
    db.commit()
    response = client.post(
        "/api/v1/batches",
        params={"type": "contract_performance"},
        json=[],
        headers={"X-API-Key": secret},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "institution_suspended"
    assert response.json()["error"]["article"] == "Art. 26"


# --- through the services: collection on consents, and the work left pending -----------------


def _institution_collecting(world: World, db: Session, clock: Clock) -> str:
    """An active institution responsible for contract performance, and the person's
    consent to it on file (for a filed service, not conditional on it)."""
    from tests.collection_helpers import grant
    from tests.disclosure_helpers import CONTRACT, actor_of
    from xinyong.collection import consent

    code = add_institution(world, InstitutionStatus.ACTIVE)
    grant(db, clock, world.organisations["institution"], CONTRACT)
    consent.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        subject=world.subjects["person"],
        grantee=world.organisations["institution"],
        record_type_codes=[CONTRACT],
        written=True,
        adverse_consequences_notified=False,
        service="信用评价报告",
        service_not_conditional=True,
    )
    db.commit()
    return code


def _breach(world: World, number: str) -> dict[str, str]:
    from tests.collection_helpers import citizen_id_of, subject_row

    person = world.subjects["person"]
    return {
        **subject_row(person.name, citizen_id=citizen_id_of(person)),
        "contract_number": number,
        "breach_description": "逾期未付服务费",
        "breach_date": "2026-10-08",
        "counterparty": world.organisations["institution"].name,
    }


def test_a_suspended_institutions_consents_let_no_batch_in_until_it_is_reinstated(
    collection_world: World, db: Session, clock: Clock
) -> None:
    from tests.collection_helpers import ingest, problems_of
    from tests.disclosure_helpers import CONTRACT, actor_of
    from xinyong.collection.models import Consent
    from xinyong.errors import PermissionDenied

    world = collection_world
    code = _institution_collecting(world, db, clock)
    organisation = world.organisations["institution"]
    accepted = ingest(db, clock, organisation, [_breach(world, "HT-1")], record_type=CONTRACT)
    assert problems_of(accepted) == []
    db.commit()

    register.change_status(
        db, clock, SYSTEM_ACTOR, code, status=InstitutionStatus.SUSPENDED, reason="整改"
    )
    db.commit()
    # Its own data reporter (API, upload page) and the operator's import for it (the CLI,
    # as the system) alike: refused before a row is read, whatever consent is on file.
    with pytest.raises(PermissionDenied) as by_staff:
        ingest(
            db,
            clock,
            organisation,
            [_breach(world, "HT-2")],
            record_type=CONTRACT,
            actor=actor_of(world, "inst_reporter"),
        )
    assert (by_staff.value.code, by_staff.value.article) == ("institution_suspended", "Art. 26")
    assert by_staff.value.message.startswith("your institution is suspended")
    with pytest.raises(PermissionDenied) as by_operator:
        ingest(db, clock, organisation, [_breach(world, "HT-2")], record_type=CONTRACT)
    assert (by_operator.value.code, by_operator.value.field) == ("institution_suspended", "source")
    db.rollback()
    # The consent is the person's: kept, not revoked, and honoured again on reinstatement.
    kept = db.query(Consent).filter_by(grantee_organisation_id=organisation.id).one()
    assert kept.revoked_at is None
    register.change_status(
        db, clock, SYSTEM_ACTOR, code, status=InstitutionStatus.ACTIVE, reason="整改完成"
    )
    db.commit()
    again = ingest(
        db,
        clock,
        organisation,
        [_breach(world, "HT-2")],
        record_type=CONTRACT,
        actor=actor_of(world, "inst_reporter"),
    )
    assert problems_of(again) == []


def test_objections_to_its_records_are_decided_by_the_credit_authority_meanwhile(
    collection_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    """Its records stay; a subject's objection to one is not forwarded to it while it is
    outside the register, and a case forwarded before comes back to the credit authority's
    objection handler, who decides it in its place."""
    from tests.collection_helpers import ingest
    from tests.disclosure_helpers import CONTRACT, actor_of
    from tests.factories import auth_headers, record_objection
    from xinyong.collection.models import CreditRecord
    from xinyong.errors import Conflict
    from xinyong.objections import cases
    from xinyong.objections import service as objections
    from xinyong.objections.models import ObjectionStatus

    world = collection_world
    code = _institution_collecting(world, db, clock)
    organisation = world.organisations["institution"]
    ingest(
        db,
        clock,
        organisation,
        [_breach(world, "HT-A"), _breach(world, "HT-B")],
        record_type=CONTRACT,
    )
    db.commit()
    first, second = db.query(CreditRecord).filter_by(source_organisation_id=organisation.id)
    handler = actor_of(world, "objections")
    forwarded = record_objection(db, clock, world, first.id, account="citizen")
    objections.forward(db, clock, handler, forwarded.id, note="请核实")
    waiting = record_objection(db, clock, world, second.id, account="citizen")
    db.commit()
    forwarded_id, waiting_id = forwarded.id, waiting.id
    register.change_status(
        db, clock, SYSTEM_ACTOR, code, status=InstitutionStatus.SUSPENDED, reason="整改"
    )
    db.commit()
    clerk = actor_of(world, "inst_reporter")  # its next request

    with pytest.raises(Conflict) as refused:
        objections.forward(db, clock, handler, waiting.id, note="请核实")
    assert (refused.value.code, refused.value.article) == ("institution_suspended", "Art. 26")
    (case,) = [c for c in cases.handler_queue(db, clock, handler) if c.objection.id == forwarded.id]
    assert case.source_outside_register == "institution_suspended"
    assert objections.steps_open(handler, forwarded, source_outside_register=True) == {"decide"}
    assert "forward" not in objections.steps_open(handler, waiting, source_outside_register=True)
    # The case page says so, and offers the handler the decision instead of the forwarding.
    from tests.page_helpers import HTML, log_in

    log_in(client, "objections")
    page = client.get(f"/record-objections/{forwarded_id}", headers=HTML).text
    assert 'data-outside-register="institution_suspended"' in page
    assert f'action="/record-objections/{forwarded_id}/decide"' in page
    other = client.get(f"/record-objections/{waiting_id}", headers=HTML).text
    assert f'action="/record-objections/{waiting_id}/forward"' not in other
    assert f'action="/record-objections/{waiting_id}/decide"' in other
    api = client.get(
        f"/api/v1/record-objections/{forwarded_id}",
        headers=auth_headers(client, "objections"),
    )
    assert api.json()["source"]["outside_register"] == "institution_suspended"
    decided = objections.decide(
        db, clock, handler, forwarded_id, outcome="rejected", reasons="合同约定清楚，违约属实"
    )
    assert decided.status is ObjectionStatus.REJECTED
    assert decided.decided_by_source is False
    # Its staff see neither queue nor case meanwhile.
    from xinyong.errors import PermissionDenied

    with pytest.raises(PermissionDenied) as queue:
        cases.source_queue(db, clock, clerk)
    assert queue.value.code == "institution_suspended"


def test_recording_a_paper_consent_looks_nobody_up_for_a_suspended_institution(
    client: TestClient, world: World, db: Session
) -> None:
    """Refused before the ID number is even looked up, and no lookup is audited in the
    refusal's aftermath either (the consent form is no way to test ID numbers)."""
    from sqlalchemy import select

    from tests.factories import auth_headers
    from xinyong.audit.models import AuditEvent
    from xinyong.subjects import service as subjects

    add_institution(world, InstitutionStatus.SUSPENDED)
    response = client.post(
        "/api/v1/consents",
        json={
            "citizen_id": subjects.reveal_citizen_id(world.subjects["person"]),
            "record_types": ["contract_performance"],
            "written": True,
            "evidence": "书面同意书 2026-009",
            "service": "信用评价报告",
            "service_not_conditional": True,
        },
        headers=auth_headers(client, "inst_reporter"),
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "institution_suspended"
    lookups = db.scalars(
        select(AuditEvent).where(AuditEvent.action == subjects.PERSON_LOOKUP_ACTION)
    ).all()
    assert lookups == []


def test_the_person_sees_its_consents_and_authorisations_kept_but_not_honoured(
    collection_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    """What the person gave an institution now outside the register stays theirs, listed
    with the register's status, in the API and the pages (decision 0024 addendum)."""
    from tests.disclosure_helpers import CONTRACT, actor_of
    from tests.factories import auth_headers
    from tests.page_helpers import HTML, log_in
    from xinyong.disclosure import authorisations

    world = collection_world
    code = _institution_collecting(world, db, clock)
    authorisations.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        grantee=world.organisations["institution"],
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=clock.today().replace(year=clock.today().year + 1),
        evidence_kind="signed_in_page",
        evidence="本人同意",
        service="信用评价报告",
        service_not_conditional=True,
    )
    register.change_status(
        db, clock, SYSTEM_ACTOR, code, status=InstitutionStatus.DEREGISTERED, reason="申请注销"
    )
    db.commit()
    citizen = auth_headers(client, "citizen")
    (given,) = client.get("/api/v1/me/consents", headers=citizen).json()["items"]
    assert (given["grantee_outside_register"], given["revoked_at"]) == (
        "institution_deregistered",
        None,
    )
    (authorised,) = client.get("/api/v1/me/authorisations", headers=citizen).json()["items"]
    assert authorised["grantee_outside_register"] == "institution_deregistered"
    log_in(client, "citizen")
    for path in ("/me/consents", "/me/authorisations"):
        page = client.get(path, headers=HTML).text
        assert 'data-outside-register="institution_deregistered"' in page, path
    # Only what was given to the institution is marked.
    assert page.count("data-outside-register=") == 1
