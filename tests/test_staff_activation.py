"""Staff accounts activated by a one-time code, API keys released by their organisation
(decision 0033): the platform administrator creates staff accounts with no password and
registers API keys with no secret; a second person releases the code (an officer of the
credit authority, or another administrator for an administrator's account) or the secret
(a staff member of the key's organisation holding its role). So the administrator alone
never holds a working credential of a role that reads credit data."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, World, auth_headers, released_api_key
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Role, UserAccount
from xinyong.accounts.permissions import (
    ROLES_BY_ORGANISATION_KIND,
    SYSTEM_ACTOR,
    Actor,
)
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, PermissionDenied

CODE_SHAPE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){4}$")
OWN_PASSWORD = "a password of my own"


def actor(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def new_staff(
    db: Session,
    clock: FixedClock,
    world: World,
    username: str,
    role: Role = Role.QUERY_OFFICER,
    organisation: str = "regulator",
) -> UserAccount:
    """A staff account as the administrator creates it: no password, no code."""
    return accounts.create_user(
        db,
        clock,
        actor(world, "admin"),
        username=username,
        password=None,
        role=role,
        organisation=world.organisations[organisation],
    )


def second_officer(db: Session, clock: FixedClock, world: World) -> UserAccount:
    """Another officer of the credit authority, made by the operator's bootstrap."""
    return accounts.create_user(
        db,
        clock,
        SYSTEM_ACTOR,
        username="authority2",
        password=PASSWORD,
        role=Role.CREDIT_AUTHORITY_OFFICER,
        organisation=world.organisations["authority"],
    )


def second_admin(db: Session, clock: FixedClock, world: World) -> UserAccount:
    return accounts.create_user(
        db,
        clock,
        SYSTEM_ACTOR,
        username="admin2",
        password=PASSWORD,
        role=Role.PLATFORM_ADMIN,
        organisation=world.organisations["operator"],
    )


def refusal_code(call: object) -> str | None:
    try:
        call()  # type: ignore[operator]
    except DomainError as refused:
        return refused.code
    return None


# --- the service: creating ------------------------------------------------------------------


def test_a_staff_account_is_created_with_neither_password_nor_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    user = new_staff(db, clock, world, "clerk")
    assert user.awaiting_activation
    assert user.password_hash == ""
    assert user.activation_code_hash is None
    assert user.created_by_id == world.users["admin"].id
    assert accounts.code_releaser(user) is Role.CREDIT_AUTHORITY_OFFICER
    # Nobody logs in to it, with the answer of any wrong password.
    with pytest.raises(NotAuthenticated) as refused:
        accounts.authenticate(db, clock, "clerk", PASSWORD)
    assert refused.value.code == "bad_credentials"
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.create", AuditEvent.target_id == str(user.id)
        )
    ).one()
    assert event.actor_id == f"user:{world.users['admin'].id}"
    assert event.details["password_set_by_operator"] is False
    assert event.details["code_releaser"] == "credit_authority_officer"


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        (role, organisation)
        for organisation, kind in (
            ("regulator", "state_organ"),
            ("authority", "credit_authority"),
            ("bank", "financial_institution"),
            ("operator", "platform_operator"),
        )
        for role in sorted(ROLES_BY_ORGANISATION_KIND[kind])  # type: ignore[index]
    ],
)
def test_an_administrator_gives_no_staff_account_a_password(
    db: Session, clock: FixedClock, world: World, role: Role, organisation: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db,
            clock,
            actor(world, "admin"),
            username="given",
            password=PASSWORD,
            role=role,
            organisation=world.organisations[organisation],
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "password_not_allowed",
        "password",
        "Art. 12",
    )


def test_the_operator_may_set_a_password_to_make_the_first_accounts(
    db: Session, clock: FixedClock, world: World
) -> None:
    user = second_officer(db, clock, world)
    assert accounts.authenticate(db, clock, "authority2", PASSWORD).id == user.id
    assert user.created_by_id is None
    history = accounts.account_history(db, accounts.actor_for_user(user))
    assert [e.action for e in history] == ["user.create"]
    assert history[0].by_operator
    assert history[0].password_set_by_operator


# --- the service: who releases a code ---------------------------------------------------------


@dataclass(frozen=True)
class Release:
    name: str
    target: str  # a role of a new account: query_officer (regulator), officer, admin
    releaser: str  # a world account, "authority2", "admin2", "system", "key", "self"
    refused: str | None  # the refusal code, None when the code is released


RELEASES = [
    Release("officer for an agency's staff", "query_officer", "authority", None),
    Release("officer for the bank's analyst", "institution_analyst", "authority", None),
    Release("operator", "query_officer", "system", None),
    Release("administrator who created it", "query_officer", "admin", "permission_denied"),
    Release("the agency's own staff", "query_officer", "caseofficer", "permission_denied"),
    Release("the objection handler", "query_officer", "objections", "permission_denied"),
    Release("a key of the authority", "query_officer", "key", "credit_authority_officer_required"),
    Release("another officer for an officer", "officer", "authority", None),
    Release("the officer for himself", "officer", "self", "own_account_code"),
    Release("the creating administrator", "admin", "admin", "creator_releases_code"),
    Release("another administrator", "admin", "admin2", None),
    Release("an officer for an administrator", "admin", "authority", "platform_admin_required"),
    Release("the operator for an administrator", "admin", "system", None),
]


@pytest.mark.parametrize("case", RELEASES, ids=[case.name for case in RELEASES])
def test_who_releases_a_staff_accounts_code(
    db: Session, clock: FixedClock, world: World, case: Release
) -> None:
    if case.target == "officer":
        user = new_staff(db, clock, world, "officer", Role.CREDIT_AUTHORITY_OFFICER, "authority")
    elif case.target == "admin":
        user = new_staff(db, clock, world, "newadmin", Role.PLATFORM_ADMIN, "operator")
    elif case.target == "institution_analyst":
        user = new_staff(db, clock, world, "analyst2", Role.INSTITUTION_ANALYST, "bank")
    else:
        user = new_staff(db, clock, world, "clerk")
    if case.releaser == "system":
        releaser = SYSTEM_ACTOR
    elif case.releaser == "admin2":
        releaser = accounts.actor_for_user(second_admin(db, clock, world))
    elif case.releaser == "key":
        _key, secret = released_api_key(
            db, clock, world.organisations["authority"], Role.CREDIT_AUTHORITY_OFFICER, "counter"
        )
        releaser = api_keys.actor_for_api_key(db, secret)
    elif case.releaser == "self":
        # The officer's own account, activated, asking for a new code of his own.
        first = accounts.issue_activation_code(
            db, clock, actor(world, "authority"), user.id, account="staff"
        )
        accounts.activate(db, clock, username=user.username, code=first.code, password=PASSWORD)
        releaser = accounts.actor_for_user(user)
    else:
        releaser = actor(world, case.releaser)
    before = user.credentials_version

    def release() -> accounts.IssuedActivation:
        return accounts.issue_activation_code(db, clock, releaser, user.id, account="staff")

    assert refusal_code(release) == case.refused
    if case.refused is None:
        assert user.activation_code_hash is not None
        assert user.activation_released_by_id == (releaser.id if releaser.kind == "user" else None)
    else:
        assert user.credentials_version == before


def test_each_counter_releases_its_own_kind_of_account(
    db: Session, clock: FixedClock, world: World
) -> None:
    staff = new_staff(db, clock, world, "clerk")
    officer = actor(world, "authority")
    with pytest.raises(Conflict) as subject_counter:
        accounts.issue_activation_code(db, clock, officer, staff.id)
    assert (subject_counter.value.code, subject_counter.value.field) == (
        "not_subject_account",
        "user",
    )
    with pytest.raises(Conflict) as staff_counter:
        accounts.issue_activation_code(
            db, clock, officer, world.users["citizen"].id, account="staff"
        )
    assert staff_counter.value.code == "not_staff_account"
    listed = {u.username for u in accounts.list_staff_accounts(db, officer)}
    assert {"clerk", "reporter", "authority"} <= listed
    assert "admin" not in listed
    assert "citizen" not in listed
    # The administrator's counter lists the administrators' accounts only.
    assert {u.username for u in accounts.list_staff_accounts(db, actor(world, "admin"))} == {
        "admin"
    }
    for account in ("reporter", "citizen", "security"):
        with pytest.raises(PermissionDenied):
            accounts.list_staff_accounts(db, actor(world, account))
    # The buttons follow the same rule.
    assert accounts.may_release_code(officer, staff)
    assert not accounts.may_release_code(officer, world.users["authority"])
    assert not accounts.may_release_code(actor(world, "admin"), staff)


def test_the_staff_member_activates_and_sees_who_released_the_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    user = new_staff(db, clock, world, "clerk")
    released_at = clock.now()
    issued = accounts.issue_activation_code(
        db, clock, actor(world, "authority"), user.id, account="staff"
    )
    assert CODE_SHAPE.match(issued.code)
    clock.advance(dt.timedelta(days=1))
    accounts.activate(db, clock, username="clerk", code=issued.code, password=OWN_PASSWORD)
    assert accounts.authenticate(db, clock, "clerk", OWN_PASSWORD).id == user.id
    history = accounts.account_history(db, accounts.actor_for_user(user))
    assert [e.action for e in history] == ["user.create", "user.activation_issue", "user.activate"]
    assert not history[0].by_operator
    # Another organisation's officer is named by the organisation.
    assert history[2].released_by_organisation == "福州市发改委"
    assert history[2].released_by_name is None
    assert history[2].released_at == released_at
    activated = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.activate", AuditEvent.target_id == str(user.id)
        )
    ).one()
    assert activated.details["released_by"] == world.users["authority"].id
    assert issued.code not in json.dumps([e.details for e in db.scalars(select(AuditEvent))])
    # A colleague is named in person.
    officer = new_staff(db, clock, world, "officer", Role.CREDIT_AUTHORITY_OFFICER, "authority")
    code = accounts.issue_activation_code(
        db, clock, actor(world, "authority"), officer.id, account="staff"
    ).code
    accounts.activate(db, clock, username="officer", code=code, password=OWN_PASSWORD)
    history = accounts.account_history(db, accounts.actor_for_user(officer))
    assert history[1].released_by_name == world.users["authority"].display_name
    assert history[2].released_by_name == world.users["authority"].display_name


def test_a_new_code_for_a_staff_account_revokes_its_password_and_sessions(
    db: Session, clock: FixedClock, world: World
) -> None:
    """The recovery path for a forgotten password, and what an operator who distrusts a
    password an administrator once chose does (decision 0033)."""
    querier = world.users["querier"]
    signer = accounts.TokenSigner(b"k" * 32, 3600)
    token = signer.claims(signer.issue(querier))
    issued = accounts.issue_activation_code(
        db, clock, actor(world, "authority"), querier.id, account="staff"
    )
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db, clock, "querier", PASSWORD)
    with pytest.raises(NotAuthenticated) as stale:
        accounts.active_user(db, token.user_id, credentials_version=token.credentials_version)
    assert stale.value.code == "credentials_changed"
    accounts.activate(db, clock, username="querier", code=issued.code, password=OWN_PASSWORD)
    assert accounts.authenticate(db, clock, "querier", OWN_PASSWORD).id == querier.id


def test_existing_staff_accounts_with_passwords_keep_working(
    db: Session, clock: FixedClock, world: World
) -> None:
    for username in ("admin", "authority", "reporter", "querier", "analyst"):
        assert accounts.authenticate(db, clock, username, PASSWORD).username == username


# --- the service: API keys --------------------------------------------------------------------


def test_an_api_key_is_registered_without_a_secret_and_released_by_its_role(
    db: Session, clock: FixedClock, world: World
) -> None:
    key = api_keys.create_api_key(
        db,
        clock,
        actor(world, "admin"),
        organisation=world.organisations["regulator"],
        role=Role.DATA_REPORTER,
        name="records system",
    )
    assert key.awaiting_release
    assert key.secret_hash == ""
    # A key awaiting release authenticates nothing, whatever is presented.
    for presented in (key.prefix, f"{key.prefix}.", f"{key.prefix}.anything"):
        with pytest.raises(NotAuthenticated):
            api_keys.actor_for_api_key(db, presented)
    refusals = {
        "admin": "permission_denied",  # holds no role a key may have
        "other_reporter": "other_organisation",
        "querier": "key_role_required",
        "caseofficer": "key_role_required",
        "authority": "other_organisation",
        "citizen": "permission_denied",
    }
    for username, code in refusals.items():
        assert (
            refusal_code(
                lambda u=username: api_keys.release_api_key(db, clock, actor(world, u), key.id)
            )
            == code
        ), username
    # Nor the organisation's system itself.
    _other, secret = released_api_key(
        db, clock, world.organisations["regulator"], Role.DATA_REPORTER, "another system"
    )
    assert (
        refusal_code(
            lambda: api_keys.release_api_key(
                db, clock, api_keys.actor_for_api_key(db, secret), key.id
            )
        )
        == "officer_in_person"
    )
    assert key.awaiting_release
    key, secret = api_keys.release_api_key(db, clock, actor(world, "reporter"), key.id)
    assert key.released_by_id == world.users["reporter"].id
    assert key.released_at == clock.now()
    system = api_keys.actor_for_api_key(db, secret)
    assert (system.role, system.organisation_id) == (
        Role.DATA_REPORTER,
        world.organisations["regulator"].id,
    )
    secret_part = secret.split(".", 1)[1]
    assert secret_part not in json.dumps([e.details for e in db.scalars(select(AuditEvent))])
    actions = [
        e.action
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "api_key", AuditEvent.target_id == str(key.id))
            .order_by(AuditEvent.sequence)
        )
    ]
    assert actions == ["api_key.create", "api_key.release"]
    # Released once.
    with pytest.raises(Conflict) as again:
        api_keys.release_api_key(db, clock, actor(world, "reporter"), key.id)
    assert again.value.code == "key_released"
    revoked = api_keys.create_api_key(
        db,
        clock,
        actor(world, "admin"),
        organisation=world.organisations["regulator"],
        role=Role.DATA_REPORTER,
        name="revoked before release",
    )
    api_keys.revoke_api_key(db, clock, actor(world, "admin"), revoked.id)
    with pytest.raises(Conflict) as gone:
        api_keys.release_api_key(db, clock, actor(world, "reporter"), revoked.id)
    assert gone.value.code == "key_revoked"
    assert [k.id for k in api_keys.organisation_keys(db, actor(world, "querier"))] == [
        revoked.id,
        _other.id,
        key.id,
    ]


# --- the property: the administrator alone holds no credential that reads credit data --------

ADMIN_STEPS = st.lists(
    st.sampled_from(
        ["create_staff", "create_admin", "create_key", "release", "release_key", "activate"]
    ),
    min_size=1,
    max_size=8,
)


@run_settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=ADMIN_STEPS, roles=st.lists(st.sampled_from(sorted(Role)), min_size=8, max_size=8))
def test_the_administrator_alone_never_obtains_a_credential_that_reads_credit_data(
    db: Session, clock: FixedClock, world: World, steps: list[str], roles: list[Role]
) -> None:
    """Whatever the administrator does on his own (create accounts of any role and keys,
    try every release at both counters, activate with whatever he holds), he obtains no
    code and no secret, and every account he created but an administrator's still waits
    for someone else."""
    admin = actor(world, "admin")
    suffix = len(db.scalars(select(UserAccount.id)).all())
    created: list[int] = []
    keys: list[int] = []
    obtained: list[str] = []

    attempt = refusal_code  # a refusal writes nothing

    for index, step in enumerate(steps):
        role = roles[index]
        username = f"p{suffix}-{index}"
        if step == "create_staff" and role is not Role.SUBJECT:
            organisation = next(
                name
                for name in ("regulator", "authority", "bank", "operator")
                if role in ROLES_BY_ORGANISATION_KIND[world.organisations[name].kind]
            )
            created.append(new_staff(db, clock, world, username, role, organisation).id)
        elif step == "create_admin":
            created.append(
                new_staff(db, clock, world, username, Role.PLATFORM_ADMIN, "operator").id
            )
        elif step == "create_key" and role not in (Role.SUBJECT, Role.PLATFORM_ADMIN):
            organisation = next(
                name
                for name in ("regulator", "authority", "bank", "operator")
                if role in ROLES_BY_ORGANISATION_KIND[world.organisations[name].kind]
            )
            keys.append(
                api_keys.create_api_key(
                    db,
                    clock,
                    admin,
                    organisation=world.organisations[organisation],
                    role=role,
                    name=f"system {index}",
                ).id
            )
        elif step == "release":
            targets = [*created, *(world.users[u].id for u in ("admin", "citizen", "querier"))]
            for user_id in targets:
                for account in ("staff", "subject", "any"):
                    attempt(
                        lambda u=user_id, a=account: obtained.append(
                            accounts.issue_activation_code(db, clock, admin, u, account=a).code
                        )
                    )
        elif step == "release_key":
            for key_id in keys:
                attempt(
                    lambda k=key_id: obtained.append(
                        api_keys.release_api_key(db, clock, admin, k)[1]
                    )
                )
        elif step == "activate":
            for user_id in created:
                user = db.get(UserAccount, user_id)
                assert user is not None
                attempt(
                    lambda name=user.username: accounts.activate(
                        db, clock, username=name, code="2222-2222-2222-2222-2222", password=PASSWORD
                    )
                )
    assert obtained == []
    for user_id in created:
        user = db.get(UserAccount, user_id)
        assert user is not None
        assert user.awaiting_activation
        assert user.activation_code_hash is None
    assert all(k.awaiting_release for k in db.scalars(select(ApiKey).where(ApiKey.id.in_(keys))))


# --- the API ----------------------------------------------------------------------------------


def _token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_api_admin_creates_the_officer_releases_and_the_staff_member_activates(
    client: TestClient, world: World, db: Session
) -> None:
    admin_headers = auth_headers(client, "admin")
    officer_headers = auth_headers(client, "authority")
    body = {
        "username": "clerk",
        "role": "query_officer",
        "organisation": world.organisations["regulator"].code,
    }
    with_password = client.post(
        "/api/v1/admin/users", headers=admin_headers, json={**body, "password": PASSWORD}
    )
    assert with_password.status_code == 422
    error = with_password.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "password_not_allowed",
        "password",
        "Art. 12",
    )
    created = client.post("/api/v1/admin/users", headers=admin_headers, json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    # The answer says who releases the code, and holds none.
    assert answer["awaiting_activation"] is True
    assert answer["code_releaser"] == "credit_authority_officer"
    assert answer["created_by"] == world.users["admin"].id
    assert "activation_code" not in answer
    user_id = answer["id"]
    refused = client.post(
        f"/api/v1/staff-accounts/{user_id}/activation-code", headers=admin_headers
    )
    assert refused.status_code == 403
    assert (
        client.get("/api/v1/staff-accounts", headers=auth_headers(client, "querier")).status_code
        == 403
    )
    listed = client.get("/api/v1/staff-accounts", headers=officer_headers).json()["items"]
    row = next(item for item in listed if item["id"] == user_id)
    assert (row["organisation"], row["role"], row["may_release"]) == (
        world.organisations["regulator"].code,
        "query_officer",
        True,
    )
    own = next(item for item in listed if item["username"] == "authority")
    assert own["may_release"] is False
    wrong_counter = client.post(
        f"/api/v1/subject-accounts/{user_id}/activation-code", headers=officer_headers
    )
    assert (wrong_counter.status_code, wrong_counter.json()["error"]["code"]) == (
        409,
        "not_subject_account",
    )
    subject_here = client.post(
        f"/api/v1/staff-accounts/{world.users['citizen'].id}/activation-code",
        headers=officer_headers,
    )
    assert (subject_here.status_code, subject_here.json()["error"]["code"]) == (
        409,
        "not_staff_account",
    )
    released = client.post(
        f"/api/v1/staff-accounts/{user_id}/activation-code", headers=officer_headers
    )
    assert released.status_code == 201, released.text
    assert released.headers["cache-control"] == "no-store"
    code = released.json()["activation_code"]
    assert CODE_SHAPE.match(code)
    assert code not in client.get("/api/v1/admin/users", headers=admin_headers).text
    assert code not in client.get("/api/v1/staff-accounts", headers=officer_headers).text
    activated = client.post(
        "/api/v1/auth/activate",
        data={"username": "clerk", "code": code, "password": OWN_PASSWORD},
    )
    assert activated.status_code == 200, activated.text
    headers = _token(client, "clerk", OWN_PASSWORD)
    me = client.get("/api/v1/me", headers=headers).json()
    assert (me["role"], me["organisation_id"]) == (
        "query_officer",
        world.organisations["regulator"].id,
    )
    account = client.get("/api/v1/me/account", headers=headers)
    assert account.status_code == 200, account.text
    history = account.json()["history"]
    assert [e["action"] for e in history] == [
        "user.create",
        "user.activation_issue",
        "user.activate",
    ]
    assert history[2]["released_by_organisation"] == "福州市发改委"
    listed_user = next(
        u
        for u in client.get("/api/v1/admin/users", headers=admin_headers).json()["items"]
        if u["id"] == user_id
    )
    assert listed_user["code_released_by"] == world.users["authority"].id
    assert listed_user["activated_at"] is not None


def test_api_an_administrators_account_is_released_by_another_administrator(
    client: TestClient, world: World, db: Session, clock: FixedClock
) -> None:
    second_admin(db, clock, world)
    db.commit()
    created = client.post(
        "/api/v1/admin/users",
        headers=auth_headers(client, "admin"),
        json={
            "username": "admin3",
            "role": "platform_admin",
            "organisation": world.organisations["operator"].code,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["code_releaser"] == "platform_admin"
    user_id = created.json()["id"]
    by_creator = client.post(
        f"/api/v1/staff-accounts/{user_id}/activation-code", headers=auth_headers(client, "admin")
    )
    assert (by_creator.status_code, by_creator.json()["error"]["code"]) == (
        403,
        "creator_releases_code",
    )
    by_officer = client.post(
        f"/api/v1/staff-accounts/{user_id}/activation-code",
        headers=auth_headers(client, "authority"),
    )
    assert (by_officer.status_code, by_officer.json()["error"]["code"]) == (
        403,
        "platform_admin_required",
    )
    second = _token(client, "admin2")
    listed = client.get("/api/v1/staff-accounts", headers=second).json()["items"]
    assert {item["username"] for item in listed} == {"admin", "admin2", "admin3"}
    assert {item["username"] for item in listed if item["may_release"]} == {"admin", "admin3"}
    released = client.post(f"/api/v1/staff-accounts/{user_id}/activation-code", headers=second)
    assert released.status_code == 201, released.text
    assert CODE_SHAPE.match(released.json()["activation_code"])


def test_api_keys_are_registered_by_the_administrator_and_released_by_the_organisation(
    client: TestClient, world: World
) -> None:
    admin_headers = auth_headers(client, "admin")
    registered = client.post(
        "/api/v1/admin/api-keys",
        headers=admin_headers,
        json={
            "organisation": world.organisations["regulator"].code,
            "role": "data_reporter",
            "name": "reporting system",
        },
    )
    assert registered.status_code == 201, registered.text
    key = registered.json()
    assert "secret" not in key
    assert key["awaiting_release"] is True
    listed = client.get("/api/v1/admin/api-keys", headers=admin_headers).json()["items"]
    assert any(item["id"] == key["id"] and item["awaiting_release"] for item in listed)
    url = f"/api/v1/api-keys/{key['id']}/secret"
    assert client.post(url, headers=admin_headers).status_code == 403
    wrong_role = client.post(url, headers=auth_headers(client, "querier"))
    assert (wrong_role.status_code, wrong_role.json()["error"]["code"]) == (
        403,
        "key_role_required",
    )
    other = client.post(url, headers=auth_headers(client, "other_reporter"))
    assert (other.status_code, other.json()["error"]["code"]) == (403, "other_organisation")
    reporter = auth_headers(client, "reporter")
    own = client.get("/api/v1/api-keys", headers=reporter).json()["items"]
    assert [(item["id"], item["may_release"]) for item in own] == [(key["id"], True)]
    released = client.post(url, headers=reporter)
    assert released.status_code == 201, released.text
    assert released.headers["cache-control"] == "no-store"
    secret = released.json()["secret"]
    assert secret.startswith(key["prefix"] + ".")
    assert released.json()["released_by"] == world.users["reporter"].id
    # The secret works once released, and is never shown again.
    assert client.get("/api/v1/me", headers={"X-API-Key": secret}).json()["role"] == "data_reporter"
    assert secret not in client.get("/api/v1/api-keys", headers=reporter).text
    assert secret not in client.get("/api/v1/admin/api-keys", headers=admin_headers).text
    again = client.post(url, headers=reporter)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "key_released")
    by_key = client.get("/api/v1/api-keys", headers={"X-API-Key": secret})
    assert by_key.status_code == 403


def test_api_own_account_is_a_persons(client: TestClient, world: World) -> None:
    _key, secret = released_api_key(
        world.session, world.clock, world.organisations["regulator"], Role.DATA_REPORTER, "s"
    )
    world.session.commit()
    refused = client.get("/api/v1/me/account", headers={"X-API-Key": secret})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_user_account")
    assert client.get("/api/v1/me/account").status_code == 401
    mine = client.get("/api/v1/me/account", headers=auth_headers(client, "reporter")).json()
    assert mine["username"] == "reporter"
    assert mine["history"][0]["by_operator"] is True


# --- the pages --------------------------------------------------------------------------------


def _cookie_text(response: object) -> str:
    import base64

    texts = []
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        value = header.split(";", 1)[0].split("=", 1)[1]
        payload = value.split(".", 1)[0]
        texts.append(base64.b64decode(payload + "=" * (-len(payload) % 4)).decode(errors="replace"))
        texts.append(header)
    return "\n".join(texts)


def _log_out(client: TestClient, page: str) -> None:
    client.post("/logout", data={"csrf_token": csrf_from(page)}, headers=HTML)


def test_pages_admin_creates_the_officer_releases_and_the_staff_member_activates(
    client: TestClient, world: World, db: Session
) -> None:
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    assert 'name="password"' not in page.text
    created = client.post(
        "/admin/users",
        data={
            "username": "clerk",
            "role": "query_officer",
            "organisation": world.organisations["regulator"].code,
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    shown = client.get(created.headers["location"], headers=HTML)
    # The notice says who releases the code; the administrator has no button for it.
    assert 'id="user-created"' in shown.text
    assert "/staff-accounts" in shown.text
    assert "/activation-code" not in shown.text
    user_id = db.scalar(select(UserAccount.id).where(UserAccount.username == "clerk"))
    assert client.get("/staff-accounts", headers=HTML).status_code == 200
    assert (
        client.post(
            f"/staff-accounts/{user_id}/activation-code",
            data={"csrf_token": csrf_from(shown.text)},
            headers=HTML,
        ).status_code
        == 403
    )
    _log_out(client, shown.text)

    log_in(client, "authority")
    counter = client.get("/staff-accounts", headers=HTML)
    assert counter.status_code == 200
    assert f'action="/staff-accounts/{user_id}/activation-code"' in counter.text
    assert f'action="/staff-accounts/{world.users["authority"].id}/activation-code"' not in (
        counter.text
    )
    released = client.post(
        f"/staff-accounts/{user_id}/activation-code",
        data={"csrf_token": csrf_from(counter.text)},
        headers=HTML,
    )
    assert released.status_code == 200, released.text
    assert released.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="activation-code">([^<]+)</code>', released.text)
    assert match is not None
    code = match.group(1)
    assert code not in _cookie_text(released)
    assert code not in client.get("/staff-accounts", headers=HTML).text
    _log_out(client, counter.text)

    form = client.get("/activate", headers=HTML)
    done = client.post(
        "/activate",
        data={
            "username": "clerk",
            "code": code,
            "password": PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    log_in(client, "clerk")
    home = client.get("/account", headers=HTML)
    assert home.status_code == 200
    assert 'data-action="user.activate"' in home.text
    assert "福州市发改委" in home.text
    assert 'href="/account"' in home.text


def test_pages_the_organisation_releases_an_api_key_the_administrator_registered(
    client: TestClient, world: World, db: Session
) -> None:
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    registered = client.post(
        "/admin/api-keys",
        data={
            "organisation": world.organisations["regulator"].code,
            "role": "data_reporter",
            "name": "reporting system",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert registered.status_code == 303, registered.text
    shown = client.get(registered.headers["location"], headers=HTML)
    assert 'id="key-registered"' in shown.text
    assert 'id="new-api-key"' not in shown.text
    key = db.scalars(select(ApiKey).where(ApiKey.name == "reporting system")).one()
    _log_out(client, shown.text)

    log_in(client, "querier")
    other_role = client.get("/api-keys", headers=HTML)
    assert key.prefix in other_role.text
    assert f'action="/api-keys/{key.id}/secret"' not in other_role.text
    _log_out(client, other_role.text)

    log_in(client, "reporter")
    keys = client.get("/api-keys", headers=HTML)
    assert f'action="/api-keys/{key.id}/secret"' in keys.text
    released = client.post(
        f"/api-keys/{key.id}/secret", data={"csrf_token": csrf_from(keys.text)}, headers=HTML
    )
    assert released.status_code == 200, released.text
    assert released.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="new-api-key">([^<]+)</code>', released.text)
    assert match is not None
    secret = match.group(1)
    assert secret.split(".", 1)[1] not in _cookie_text(released)
    assert secret not in client.get("/api-keys", headers=HTML).text
    assert client.get("/api/v1/me", headers={"X-API-Key": secret}).status_code == 200
