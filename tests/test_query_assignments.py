"""Per-staff query permissions (Art. 12(2); decision 0035).

An organisation's security officer assigns its published query items to its staff who
query, and withdraws them; a query by an item the querier does not hold is refused
(``not_assigned_query_item``), logged for the subject and audited as every refused read.
The service, the API, the pages, and a state machine of grants, withdrawals and queries.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
)
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    PENALTY,
    access_events,
    actor_of,
    attempt,
    carried_over_key,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    refusal_of,
)
from tests.factories import (
    CompanyFactory,
    OrganisationFactory,
    UserFactory,
    World,
    auth_headers,
    bind,
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.state_machine_helpers import DatabaseMachine, run_on_database
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import ROLE_PERMISSIONS, SYSTEM_ACTOR, Actor, Permission
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access, query_assignments, query_items
from xinyong.disclosure.models import LegalPath, QueryItemAssignment
from xinyong.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied

OTHER_ITEM = "QI-SZ-LICENCE-02"
OTHER_MATTER_CODE = "M-350100-XK-002"


def security(world: World) -> Actor:
    return actor_of(world, "security")


def second_item(db: Session, clock: FixedClock, world: World, **kwargs: Any) -> None:
    """Another published item of the regulator, for another matter, held by nobody."""
    make_query_item(
        db,
        clock,
        world,
        code=OTHER_ITEM,
        matter="食品经营许可审查",
        matter_code=OTHER_MATTER_CODE,
        record_types=(PENALTY,),
        assign_to=(),
        **kwargs,
    )


def audited(db: Session, action: str) -> list[AuditEvent]:
    db.flush()
    return list(
        db.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence)
        )
    )


# --- roles -----------------------------------------------------------------------------------


def test_whoever_assigns_query_items_queries_by_none() -> None:
    """Nobody grants himself a query permission: the role that assigns never queries by
    item, and the platform administrator assigns nothing (it reads no credit data)."""
    for role, permissions in ROLE_PERMISSIONS.items():
        if Permission.ASSIGN_QUERY_ITEMS in permissions:
            assert Permission.QUERY_BY_ITEM not in permissions, role
    assert Permission.ASSIGN_QUERY_ITEMS not in ROLE_PERMISSIONS[Role.PLATFORM_ADMIN]
    assert {role for role, p in ROLE_PERMISSIONS.items() if Permission.ASSIGN_QUERY_ITEMS in p} == {
        Role.SECURITY_OFFICER
    }


# --- the service -----------------------------------------------------------------------------


def test_a_querier_queries_by_the_items_he_holds_and_by_no_other(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The querier assigned to one matter cannot read what another item opens by naming
    that item's matter: refused, logged for the subject with the item, and the item held
    opens as before."""
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    second_item(db, clock, world)
    querier, company = actor_of(world, "querier"), world.subjects["company"]
    held = attempt(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert isinstance(held, access.Access)
    assert held.path is LegalPath.QUERY_ITEM
    before = len(access_events(db, company.id))
    refused = attempt(
        db, clock, querier, company, query_item_code=OTHER_ITEM, matter=OTHER_MATTER_CODE
    )
    assert refusal_of(refused) == ("not_assigned_query_item", "Art. 12(2)")
    assert isinstance(refused, DomainError)
    assert refused.field == "query_item"
    events = access_events(db, company.id)
    assert len(events) == before + 1
    other = query_items.by_code(db, OTHER_ITEM)
    assert (
        events[-1].granted,
        events[-1].legal_path,
        events[-1].refusal_code,
        events[-1].query_item_id,
        events[-1].record_type_codes,
    ) == (False, LegalPath.NONE, "not_assigned_query_item", other.id, [])
    # The case officer, a querying role of the same organisation, was given nothing.
    caseofficer = actor_of(world, "caseofficer")
    outcome = attempt(db, clock, caseofficer, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert refusal_of(outcome) == ("not_assigned_query_item", "Art. 12(2)")


def test_grants_and_withdrawals_are_audited_and_kept(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    querier, company = actor_of(world, "querier"), world.subjects["company"]
    granted = query_assignments.grant(
        db, clock, security(world), username="querier", query_item=ITEM
    )
    assert (granted.holder.username, granted.item.code, granted.current) == (
        "querier",
        ITEM,
        True,
    )
    assert granted.granted_by == world.users["security"].display_name
    assert not granted.carried_over
    (held,) = query_assignments.held_by(db, querier)
    assert held.id == granted.id
    assert [i.code for i in query_assignments.usable_items(db, querier)] == [ITEM]
    withdrawn = query_assignments.withdraw(db, clock, security(world), granted.id)
    assert withdrawn.withdrawn_by == world.users["security"].display_name
    assert query_assignments.held_by(db, querier) == []
    outcome = attempt(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert refusal_of(outcome) == ("not_assigned_query_item", "Art. 12(2)")
    # Assigned again: a new row; the withdrawn one stays on record.
    again = query_assignments.grant(db, clock, security(world), username="querier", query_item=ITEM)
    assert again.id != granted.id
    overview = query_assignments.overview(db, security(world))
    assert [a.id for a in overview.current] == [again.id]
    assert [a.id for a in overview.withdrawn] == [granted.id]
    assign_events = audited(db, "query_item.assign")
    assert [(e.target_id, e.details) for e in assign_events] == [
        (str(granted.id), {"query_item": ITEM, "user_id": world.users["querier"].id}),
        (str(again.id), {"query_item": ITEM, "user_id": world.users["querier"].id}),
    ]
    assert all(e.actor_id == f"user:{world.users['security'].id}" for e in assign_events)
    (unassign,) = audited(db, "query_item.unassign")
    assert unassign.target_id == str(granted.id)


def _refusal(call: Any) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("reporter", (InvalidInput, "not_query_staff", "username", "Art. 12(2)")),
        ("security_himself", (InvalidInput, "own_query_permission", "username", "Art. 12(2)")),
        ("analyst_of_the_bank", (NotFound, "unknown_staff", "username", None)),
        ("nobody", (NotFound, "unknown_staff", "username", None)),
        ("deactivated", (Conflict, "inactive_account", "username", None)),
        ("unpublished", (Conflict, "query_item_unpublished", "query_item", "Art. 13 ¶2")),
        ("withdrawn", (Conflict, "query_item_unpublished", "query_item", "Art. 13 ¶2")),
        ("other_agency_item", (PermissionDenied, "not_our_query_item", "query_item", "Art. 13")),
        ("unknown_item", (NotFound, "unknown_query_item", "query_item", None)),
        ("held_already", (Conflict, "already_assigned", "query_item", None)),
    ],
)
def test_what_cannot_be_assigned(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    case: str,
    expected: tuple[type[DomainError], str, str, str | None],
) -> None:
    world = disclosure_world
    authority = actor_of(world, "authority")
    make_query_item(
        db,
        clock,
        world,
        publish=case != "unpublished",
        assign_to=("querier",) if case == "held_already" else (),
    )
    item, username = ITEM, "querier"
    if case == "withdrawn":
        query_items.withdraw(db, clock, authority, ITEM)
    if case == "other_agency_item":
        make_query_item(db, clock, world, code="QI-HB-01", organisation="other_agency")
        item = "QI-HB-01"
    if case == "unknown_item":
        item = "QI-NONE"
    if case == "deactivated":
        accounts.deactivate_user(db, clock, actor_of(world, "admin"), world.users["querier"].id)
    username = {
        "reporter": "reporter",
        "security_himself": "security",
        "analyst_of_the_bank": "analyst",
        "nobody": "no-such-user",
    }.get(case, username)
    before = len(audited(db, "query_item.assign"))
    refused = _refusal(
        lambda: query_assignments.grant(
            db, clock, security(world), username=username, query_item=item
        )
    )
    kind, code, field, article = expected
    assert (type(refused), refused.code, refused.field, refused.article) == (
        kind,
        code,
        field,
        article,
    )
    assert len(audited(db, "query_item.assign")) == before


@pytest.mark.parametrize("account", ["querier", "caseofficer", "admin", "authority", "reporter"])
def test_only_the_security_officer_assigns(
    disclosure_world: World, db: Session, clock: FixedClock, account: str
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    refused = _refusal(
        lambda: query_assignments.grant(
            db, clock, actor_of(world, account), username="querier", query_item=ITEM
        )
    )
    assert (type(refused), refused.code) == (PermissionDenied, "permission_denied")
    assert refused.details == {"permission": "assign_query_items"}


def test_another_organisations_security_officer_neither_sees_nor_withdraws(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    bind(db, clock)
    other = accounts.actor_for_user(
        UserFactory(
            username="other_security",
            role=Role.SECURITY_OFFICER,
            organisation=world.organisations["other_agency"],
        )
    )
    (held,) = query_assignments.overview(db, security(world)).current
    overview = query_assignments.overview(db, other)
    assert (overview.current, overview.staff, overview.items) == ([], [], [])
    refused = _refusal(lambda: query_assignments.withdraw(db, clock, other, held.id))
    assert (type(refused), refused.code) == (NotFound, "not_found")
    refused = _refusal(
        lambda: query_assignments.grant(db, clock, other, username="querier", query_item=ITEM)
    )
    assert (refused.code, refused.field) == ("unknown_staff", "username")
    # A bank's security officer: its staff query on written authorisations only.
    bank_security = accounts.actor_for_user(
        UserFactory(
            username="bank_security",
            role=Role.SECURITY_OFFICER,
            organisation=world.organisations["bank"],
        )
    )
    refused = _refusal(lambda: query_assignments.overview(db, bank_security))
    assert (type(refused), refused.code, refused.article) == (
        PermissionDenied,
        "no_query_items",
        "Art. 13 ¶2",
    )


def test_withdrawing_twice_is_refused(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    (held,) = query_assignments.held_by(db, actor_of(world, "querier"))
    query_assignments.withdraw(db, clock, security(world), held.id)
    refused = _refusal(lambda: query_assignments.withdraw(db, clock, security(world), held.id))
    assert (type(refused), refused.code, refused.field) == (
        Conflict,
        "already_withdrawn",
        "assignment",
    )


def test_an_assignment_withdrawn_meanwhile_is_not_withdrawn_again(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Another security officer withdrew it after this session read it: locked and read
    afresh, it is refused, where it audited a second withdrawal and overwrote who withdrew
    it (review r2, session 17)."""
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    (held,) = query_assignments.held_by(db, actor_of(world, "querier"))
    row = db.get(QueryItemAssignment, held.id)
    assert row is not None
    db.commit()
    db.execute(
        update(QueryItemAssignment)
        .where(QueryItemAssignment.id == held.id)
        .values(withdrawn_at=clock.now())
        .execution_options(synchronize_session=False)
    )

    refused = _refusal(lambda: query_assignments.withdraw(db, clock, security(world), held.id))

    assert refused.code == "already_withdrawn"
    assert row.withdrawn_by_id is None


def test_an_item_the_credit_authority_withdraws_is_shown_held_but_not_usable(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    query_items.withdraw(db, clock, actor_of(world, "authority"), ITEM)
    querier = actor_of(world, "querier")
    (held,) = query_assignments.held_by(db, querier)
    assert held.as_dict()["query_item_in_force"] is False
    assert query_assignments.usable_items(db, querier) == []
    outcome = attempt(
        db, clock, querier, world.subjects["company"], query_item_code=ITEM, matter=MATTER_CODE
    )
    assert refusal_of(outcome) == ("query_item_unpublished", "Art. 13 ¶2")
    # Published again, the assignment holds again: the security officer withdraws it if not.
    query_items.publish(db, clock, actor_of(world, "authority"), ITEM)
    assert [i.code for i in query_assignments.usable_items(db, querier)] == [ITEM]


def test_an_api_key_holds_no_query_item(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """A query by item is a named staff member's: an organisation's system holding nothing
    carried over (migration 0042) is refused."""
    world = disclosure_world
    make_query_item(db, clock, world)
    key = api_keys.create_api_key(
        db,
        clock,
        SYSTEM_ACTOR,
        organisation=world.organisations["regulator"],
        role=Role.QUERY_OFFICER,
        name="审批系统",
    )
    _key, secret = api_keys.release_api_key(db, clock, SYSTEM_ACTOR, key.id)
    system = api_keys.actor_for_api_key(db, secret)
    assert query_assignments.held_by(db, system) == []
    outcome = attempt(
        db, clock, system, world.subjects["company"], query_item_code=ITEM, matter=MATTER_CODE
    )
    assert refusal_of(outcome) == ("not_assigned_query_item", "Art. 12(2)")


# --- the API ---------------------------------------------------------------------------------


def test_the_security_officer_assigns_and_withdraws_through_the_api(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    second_item(db, clock, world)
    db.commit()
    officer, querier = auth_headers(client, "security"), auth_headers(client, "querier")
    company = world.subjects["company"].uscc
    file = f"/api/v1/subjects/{company}/file"
    assert client.get("/api/v1/me/query-items", headers=querier).json() == {"items": []}
    listed = client.get("/api/v1/query-item-assignments", headers=officer).json()
    assert [s["username"] for s in listed["staff"]] == ["caseofficer", "querier"]
    assert [i["code"] for i in listed["query_items"]] == [OTHER_ITEM, ITEM]
    assert listed["items"] == []
    made = client.post(
        "/api/v1/query-item-assignments",
        json={"username": "querier", "query_item": ITEM},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["username"], made.json()["query_item"], made.json()["carried_over"]) == (
        "querier",
        ITEM,
        False,
    )
    (mine,) = client.get("/api/v1/me/query-items", headers=querier).json()["items"]
    assert (mine["query_item"], mine["granted_by"]) == (ITEM, world.users["security"].display_name)
    read = client.get(file, params={"query_item": ITEM, "matter": MATTER_CODE}, headers=querier)
    assert read.status_code == 200, read.text
    # The other item, its matter named: refused, with the field, and audited.
    refused = client.get(
        file, params={"query_item": OTHER_ITEM, "matter": OTHER_MATTER_CODE}, headers=querier
    )
    assert refused.status_code == 403
    assert refused.json()["error"] | {"message": None} == {
        "code": "not_assigned_query_item",
        "message": None,
        "article": "Art. 12(2)",
        "field": "query_item",
    }
    (audit_refusal,) = [
        e
        for e in audited(db, "access.refused")
        if e.details.get("code") == "not_assigned_query_item"
    ]
    assert audit_refusal.details["route"] == "/api/v1/subjects/{code}/file"
    again = client.post(
        "/api/v1/query-item-assignments",
        json={"username": "querier", "query_item": ITEM},
        headers=officer,
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_assigned")
    bad = client.post(
        "/api/v1/query-item-assignments",
        json={"username": "reporter", "query_item": ITEM},
        headers=officer,
    )
    assert (bad.status_code, bad.json()["error"]["code"], bad.json()["error"]["field"]) == (
        422,
        "not_query_staff",
        "username",
    )
    withdrawn = client.post(
        f"/api/v1/query-item-assignments/{made.json()['id']}/withdraw", headers=officer
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn_by"] == world.users["security"].display_name
    twice = client.post(
        f"/api/v1/query-item-assignments/{made.json()['id']}/withdraw", headers=officer
    )
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_withdrawn")
    history = client.get(
        "/api/v1/query-item-assignments", params={"withdrawn": "true"}, headers=officer
    ).json()
    assert history["items"] == []
    assert [a["id"] for a in history["withdrawn"]] == [made.json()["id"]]
    read = client.get(file, params={"query_item": ITEM, "matter": MATTER_CODE}, headers=querier)
    assert read.json()["error"]["code"] == "not_assigned_query_item"


def test_the_querier_cannot_assign_himself_through_the_api(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    db.commit()
    for account in ("querier", "admin"):
        response = client.post(
            "/api/v1/query-item-assignments",
            json={"username": "querier", "query_item": ITEM},
            headers=auth_headers(client, account),
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            403,
            "permission_denied",
        )
    assert db.scalars(select(QueryItemAssignment)).all() == []


# --- the pages -------------------------------------------------------------------------------


def test_the_pages_assign_show_and_withdraw(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    second_item(db, clock, world)
    db.commit()
    log_in(client, "querier")
    page = client.get("/query", headers=HTML)
    assert "data-no-held-items" in page.text
    assert "data-no-assigned-items" in page.text
    log_in(client, "security")
    page = client.get("/query-item-assignments", headers=HTML)
    assert page.status_code == 200
    assert 'data-staff="querier"' in page.text
    assert 'href="/query-item-assignments"' in page.text  # in the navigation
    refused = client.post(
        "/query-item-assignments",
        data={"username": "reporter", "query_item": ITEM, "csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="not_query_staff"' in refused.text
    done = client.post(
        "/query-item-assignments",
        data={"username": "querier", "query_item": ITEM, "csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (
        303,
        "/query-item-assignments?done=assigned",
    )
    (held,) = query_assignments.overview(db, security(world)).current
    page = client.get("/query-item-assignments?done=assigned", headers=HTML)
    assert f'data-assignment="{held.id}"' in page.text
    log_in(client, "querier")
    page = client.get("/query", headers=HTML)
    assert f'data-held-item="{ITEM}"' in page.text
    assert f'<option value="{ITEM}"' in page.text
    assert f'<option value="{OTHER_ITEM}"' not in page.text
    log_in(client, "security")
    page = client.get("/query-item-assignments", headers=HTML)
    gone = client.post(
        f"/query-item-assignments/{held.id}/withdraw",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert gone.headers["location"] == "/query-item-assignments?done=withdrawn"
    page = client.get("/query-item-assignments", headers=HTML)
    assert f'data-withdrawn="{held.id}"' in page.text


# --- a state machine of grants, withdrawals and queries --------------------------------------

ITEMS = ("SM-ITEM-A", "SM-ITEM-B")
STAFF = ("sm_querier", "sm_caseofficer")


class AssignmentMachine(DatabaseMachine):
    """After every step, the staff hold exactly what the model says; a query by item is
    granted iff the querier holds it, and every refusal is one more refused entry in the
    subject's log."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[tuple[str, str], int] = {}  # (username, item) → assignment id
        self.refusals = 0

    @initialize()
    def build(self) -> None:
        session, clock = self.session, self.clock
        bind(session, clock)
        authority_org = OrganisationFactory(
            name="福州状态机主管部门", kind=OrganisationKind.CREDIT_AUTHORITY
        )
        agency = OrganisationFactory(name="福州状态机管理局")
        authority = accounts.actor_for_user(
            UserFactory(
                username="sm_authority",
                role=Role.CREDIT_AUTHORITY_OFFICER,
                organisation=authority_org,
            )
        )
        self.officer = accounts.actor_for_user(
            UserFactory(username="sm_security", role=Role.SECURITY_OFFICER, organisation=agency)
        )
        self.staff = {
            "sm_querier": accounts.actor_for_user(
                UserFactory(username="sm_querier", role=Role.QUERY_OFFICER, organisation=agency)
            ),
            "sm_caseofficer": accounts.actor_for_user(
                UserFactory(username="sm_caseofficer", role=Role.CASE_OFFICER, organisation=agency)
            ),
        }
        self.company = CompanyFactory(name="福州状态机贸易有限公司")
        for n, code in enumerate(ITEMS):
            query_items.create(
                session,
                clock,
                authority,
                code=code,
                organisation=agency,
                matter=f"状态机事项{n}",
                matter_code=f"SM-M-{n}",
                record_type_codes=[PENALTY],
                legal_basis="《福州市社会信用管理办法》第十三条第二款",
            )
            query_items.publish(session, clock, authority, code)
        self.items = {code: query_items.by_code(session, code) for code in ITEMS}

    @rule(username=st.sampled_from(STAFF), item=st.sampled_from(ITEMS))
    def grant(self, username: str, item: str) -> None:
        if (username, item) in self.held:
            with pytest.raises(Conflict, match="already"):
                query_assignments.grant(
                    self.session, self.clock, self.officer, username=username, query_item=item
                )
            return
        made = query_assignments.grant(
            self.session, self.clock, self.officer, username=username, query_item=item
        )
        self.held[(username, item)] = made.id

    @precondition(lambda self: bool(self.held))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.held)))
        query_assignments.withdraw(self.session, self.clock, self.officer, self.held.pop(key))

    @rule(username=st.sampled_from(STAFF), item=st.sampled_from(ITEMS))
    def query(self, username: str, item: str) -> None:
        matter = f"SM-M-{ITEMS.index(item)}"
        outcome = attempt(
            self.session,
            self.clock,
            self.staff[username],
            self.company,
            query_item_code=item,
            matter=matter,
        )
        if (username, item) in self.held:
            assert isinstance(outcome, access.Access), outcome
            assert outcome.query_item is not None
            assert outcome.query_item.code == item
        else:
            assert refusal_of(outcome) == ("not_assigned_query_item", "Art. 12(2)")
            self.refusals += 1

    @invariant()
    def the_staff_hold_what_the_model_says(self) -> None:
        if not hasattr(self, "items"):
            return
        for username, actor in self.staff.items():
            held = {a.item.code for a in query_assignments.held_by(self.session, actor)}
            assert held == {item for (name, item) in self.held if name == username}

    @invariant()
    def every_refusal_is_in_the_subjects_log(self) -> None:
        if not hasattr(self, "company"):
            return
        refused = [e for e in access_events(self.session, self.company.id) if not e.granted]
        assert len(refused) == self.refusals
        assert {e.refusal_code for e in refused} <= {"not_assigned_query_item"}


def test_assignments_as_a_state_machine(engine: Engine, fast_password_hashing: None) -> None:
    run_on_database(engine, AssignmentMachine, max_examples=20, stateful_step_count=12)


def test_an_api_key_of_the_security_officers_role_assigns_nothing(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """Assigning query items is a person's act (Art. 12(2), decision 0035): a key with the
    security officer's role is refused, and no grant is recorded without a grantor."""
    world = disclosure_world
    make_query_item(db, clock, world)
    key = api_keys.create_api_key(
        db,
        clock,
        SYSTEM_ACTOR,
        organisation=world.organisations["regulator"],
        role=Role.SECURITY_OFFICER,
        name="安全管理系统",
    )
    _key, secret = api_keys.release_api_key(db, clock, SYSTEM_ACTOR, key.id)
    system = api_keys.actor_for_api_key(db, secret)
    before = db.scalar(select(func.count()).select_from(QueryItemAssignment))
    with pytest.raises(PermissionDenied) as refused:
        query_assignments.grant(
            db, clock, system, username=world.users["caseofficer"].username, query_item=ITEM
        )
    assert (refused.value.code, refused.value.article) == ("officer_in_person", "Art. 12(2)")
    with pytest.raises(PermissionDenied):
        query_assignments.overview(db, system)
    assert db.scalar(select(func.count()).select_from(QueryItemAssignment)) == before


# --- systems holding items carried over (migration 0042) -------------------------------------


def test_a_key_queries_by_the_items_carried_over_to_it_and_by_no_other(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """An integration that queried by item before assignments began keeps what it could
    do: the items carried over, shown as such; any other item is refused."""
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    second_item(db, clock, world)
    key, presented = carried_over_key(db, clock, world, ITEM)
    system, company = api_keys.actor_for_api_key(db, presented), world.subjects["company"]
    (held,) = query_assignments.held_by(db, system)
    assert (held.item.code, held.carried_over, held.holder, held.as_dict()["api_key"]) == (
        ITEM,
        True,
        None,
        key.prefix,
    )
    outcome = attempt(db, clock, system, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert isinstance(outcome, access.Access)
    assert outcome.path is LegalPath.QUERY_ITEM
    refused = attempt(
        db, clock, system, company, query_item_code=OTHER_ITEM, matter=OTHER_MATTER_CODE
    )
    assert refusal_of(refused) == ("not_assigned_query_item", "Art. 12(2)")


def test_the_security_officer_sees_and_withdraws_what_a_key_holds(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=("querier",))
    key, presented = carried_over_key(db, clock, world, ITEM)
    overview = query_assignments.overview(db, security(world))
    assert [k.id for k in overview.keys] == [key.id]
    (of_key,) = overview.held_by_key(key)
    assert [a.holder_name for a in overview.current] == [
        world.users["querier"].display_name,
        key.name,
    ]
    query_assignments.withdraw(db, clock, security(world), of_key.id)
    (unassign,) = audited(db, "query_item.unassign")
    assert unassign.details == {"query_item": ITEM, "api_key_id": key.id}
    system = api_keys.actor_for_api_key(db, presented)
    assert query_assignments.held_by(db, system) == []
    outcome = attempt(
        db, clock, system, world.subjects["company"], query_item_code=ITEM, matter=MATTER_CODE
    )
    assert refusal_of(outcome) == ("not_assigned_query_item", "Art. 12(2)")
    overview = query_assignments.overview(db, security(world))
    assert overview.keys == []
    assert [a.id for a in overview.withdrawn] == [of_key.id]


def test_a_key_and_its_security_officer_through_the_api(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    key, presented = carried_over_key(db, clock, world, ITEM)
    db.commit()
    system, officer = {"x-api-key": presented}, auth_headers(client, "security")
    file = f"/api/v1/subjects/{world.subjects['company'].uscc}/file"
    (mine,) = client.get("/api/v1/me/query-items", headers=system).json()["items"]
    assert (mine["query_item"], mine["carried_over"], mine["username"], mine["api_key"]) == (
        ITEM,
        True,
        None,
        key.prefix,
    )
    read = client.get(file, params={"query_item": ITEM, "matter": MATTER_CODE}, headers=system)
    assert read.status_code == 200, read.text
    (listed,) = client.get("/api/v1/query-item-assignments", headers=officer).json()["items"]
    assert (listed["api_key"], listed["holder"], listed["role"]) == (
        key.prefix,
        key.name,
        "query_officer",
    )
    withdrawn = client.post(
        f"/api/v1/query-item-assignments/{listed['id']}/withdraw", headers=officer
    )
    assert withdrawn.status_code == 200, withdrawn.text
    read = client.get(file, params={"query_item": ITEM, "matter": MATTER_CODE}, headers=system)
    assert (read.status_code, read.json()["error"]["code"]) == (403, "not_assigned_query_item")


def test_the_page_shows_a_keys_carried_over_items_and_withdraws_them(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world, assign_to=())
    key, _presented = carried_over_key(db, clock, world, ITEM)
    db.commit()
    log_in(client, "security")
    page = client.get("/query-item-assignments", headers=HTML)
    assert f'data-key="{key.prefix}"' in page.text
    (held,) = query_assignments.overview(db, security(world)).held_by_key(key)
    assert f'data-assignment="{held.id}"' in page.text
    gone = client.post(
        f"/query-item-assignments/{held.id}/withdraw",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert gone.headers["location"] == "/query-item-assignments?done=withdrawn"
    page = client.get("/query-item-assignments", headers=HTML)
    assert f'data-key="{key.prefix}"' not in page.text
    assert f'data-withdrawn="{held.id}"' in page.text
    assert key.prefix in page.text
