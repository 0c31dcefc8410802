"""Subject accounts activated by a one-time code (decision 0031 and its addendum): the
administrator creates a subject account with neither password nor code; an officer of the
credit authority checks the subject's identity and releases the code; only the subject sets
the password. So the administrator can never log in as a subject and read its file, and a
new code, an activation or a deactivation ends every token and session from before."""

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

from tests.factories import PASSWORD, CompanyFactory, World, released_api_key
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role, UserAccount
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied

NEW_PASSWORD = "my own long password"
CODE_SHAPE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){4}$")


def admin(world: World) -> accounts.Actor:
    return accounts.actor_for_user(world.users["admin"])


def officer(world: World) -> accounts.Actor:
    """The credit authority's officer, who releases codes at the counter."""
    return accounts.actor_for_user(world.users["authority"])


def new_subject_account(
    db: Session, clock: FixedClock, world: World, username: str = "logistics", days: int = 30
) -> accounts.IssuedActivation:
    """Created by the administrator, its code released by the credit authority."""
    company = CompanyFactory(name=f"福州{username}物流有限公司")
    user = accounts.create_subject_account(
        db, clock, admin(world), username=username, subject_id=company.id
    )
    return accounts.issue_activation_code(db, clock, officer(world), user.id, days=days)


def audit_text(db: Session) -> str:
    return json.dumps(
        [[e.action, e.details] for e in db.scalars(select(AuditEvent))], ensure_ascii=False
    )


# --- the service ------------------------------------------------------------------------------


def test_a_subject_account_is_created_without_a_password_and_with_a_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = new_subject_account(db, clock, world)
    user = issued.user
    assert CODE_SHAPE.match(issued.code)
    assert user.role is Role.SUBJECT
    assert user.awaiting_activation
    assert user.password_hash == ""
    assert user.activated_at is None
    assert issued.expires_at == clock.now() + dt.timedelta(days=30)
    assert user.activation_expires_at == issued.expires_at
    # Only the hash is kept, and the code is in no audit event.
    assert user.activation_code_hash is not None
    assert accounts.normalise_activation_code(issued.code) not in user.activation_code_hash
    assert issued.code not in audit_text(db)
    assert accounts.normalise_activation_code(issued.code) not in audit_text(db)
    actions = [
        e.action
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.target_type == "user", AuditEvent.target_id == str(user.id))
            .order_by(AuditEvent.sequence)
        )
    ]
    assert actions == ["user.create", "user.activation_issue"]
    assert accounts.replaces_credentials(user)  # the next code is a new one


def test_codes_differ_and_carry_enough_entropy(
    db: Session, clock: FixedClock, world: World
) -> None:
    codes = {new_subject_account(db, clock, world, f"s{i}").code for i in range(20)}
    assert len(codes) == 20
    # 20 symbols of 32: 100 bits.
    assert len(accounts.ACTIVATION_ALPHABET) ** accounts.ACTIVATION_CODE_LENGTH >= 2**100


def test_no_one_logs_in_to_an_account_awaiting_activation(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = new_subject_account(db, clock, world)
    for password in ("", PASSWORD, "not a real password", issued.code):
        with pytest.raises(NotAuthenticated) as refused:
            accounts.authenticate(db, clock, "logistics", password)
        # The same answer as for a wrong password: nothing says the account is pending.
        assert refused.value.code == "bad_credentials"
        assert refused.value.message == "wrong username or password"


def test_activating_sets_the_subjects_password_and_spends_the_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = new_subject_account(db, clock, world)
    clock.advance(dt.timedelta(days=3))
    # Typed as read from the letter: lower case, spaces instead of dashes.
    user = accounts.activate(
        db,
        clock,
        username=" Logistics ",
        code=issued.code.lower().replace("-", " "),
        password=NEW_PASSWORD,
    )
    assert user.activated_at == clock.now()
    assert user.activation_code_hash is None
    assert user.activation_expires_at is None
    assert accounts.authenticate(db, clock, "logistics", NEW_PASSWORD).id == user.id
    with pytest.raises(NotAuthenticated) as spent:
        accounts.activate(db, clock, username="logistics", code=issued.code, password=PASSWORD)
    assert spent.value.code == "bad_activation"
    assert NEW_PASSWORD not in audit_text(db)
    assert issued.code not in audit_text(db)
    events = accounts.account_history(db, accounts.actor_for_user(user))
    assert [e.action for e in events] == ["user.create", "user.activation_issue", "user.activate"]
    assert events[-1].occurred_at == clock.now().replace(microsecond=0)


def test_activation_keeps_the_password_rules_and_does_not_spend_the_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = new_subject_account(db, clock, world)
    db.commit()
    with pytest.raises(InvalidInput) as short:
        accounts.activate(db, clock, username="logistics", code=issued.code, password="short")
    assert (short.value.code, short.value.field) == ("password_too_short", "password")
    db.rollback()
    user = accounts.activate(db, clock, username="logistics", code=issued.code, password=PASSWORD)
    assert not user.awaiting_activation


@dataclass(frozen=True)
class Case:
    name: str
    steps: tuple[str, ...]
    expected: str | None  # the refusal code of the last activation, None when it works
    logs_in: bool  # whether the subject's password works at the end


LIFECYCLE = [
    Case("issued", ("activate",), None, True),
    Case("wrong code", ("wrong",), "bad_activation", False),
    Case("wrong username", ("wrong_user",), "bad_activation", False),
    Case("one day before expiry", ("wait_29", "activate"), None, True),
    Case("expired", ("wait_31", "activate"), "activation_expired", False),
    Case("spent", ("activate", "activate"), "bad_activation", True),
    Case("replaced", ("reissue", "old"), "bad_activation", False),
    Case("reissued", ("reissue", "activate"), None, True),
    Case("reissued after expiry", ("wait_31", "reissue", "activate"), None, True),
    Case("reissued after activation", ("activate", "reissue", "activate"), None, True),
    Case("deactivated", ("deactivate", "activate"), "bad_activation", False),
]


def _run(
    db: Session, clock: FixedClock, world: World, username: str, steps: tuple[str, ...]
) -> str | None:
    issued = new_subject_account(db, clock, world, username)
    codes = [issued.code]
    outcome: str | None = None
    for step in steps:
        try:
            outcome = None
            if step == "activate":
                accounts.activate(db, clock, username=username, code=codes[-1], password=PASSWORD)
            elif step == "old":
                accounts.activate(db, clock, username=username, code=codes[0], password=PASSWORD)
            elif step == "wrong":
                accounts.activate(
                    db, clock, username=username, code="AAAA-AAAA-AAAA-AAAA-AAAA", password=PASSWORD
                )
            elif step == "wrong_user":
                accounts.activate(db, clock, username="nobody", code=codes[-1], password=PASSWORD)
            elif step.startswith("wait_"):
                clock.advance(dt.timedelta(days=int(step[5:])))
            elif step == "reissue":
                codes.append(
                    accounts.issue_activation_code(db, clock, officer(world), issued.user.id).code
                )
            elif step == "deactivate":
                accounts.deactivate_user(db, clock, admin(world), issued.user.id)
        except NotAuthenticated as refused:
            outcome = refused.code
    return outcome


@pytest.mark.parametrize("case", LIFECYCLE, ids=[case.name for case in LIFECYCLE])
def test_the_lifecycle_of_a_code(db: Session, clock: FixedClock, world: World, case: Case) -> None:
    assert _run(db, clock, world, "lifecycle", case.steps) == case.expected
    user = db.scalar(select(UserAccount).where(UserAccount.username == "lifecycle"))
    assert user is not None
    # An account has a password or an open code, never both.
    assert not (user.password_hash and user.activation_code_hash)
    can_log_in = case.logs_in
    try:
        accounts.authenticate(db, clock, "lifecycle", PASSWORD)
        logged_in = True
    except NotAuthenticated:
        logged_in = False
    assert logged_in is can_log_in


STEPS = st.sampled_from(["activate", "old", "wrong", "wait_10", "reissue"])


@run_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEPS, min_size=1, max_size=6))
def test_only_the_latest_unspent_unexpired_code_activates(
    db: Session, clock: FixedClock, world: World, steps: list[str]
) -> None:
    """Against a model: the latest code works once, within 30 days of its issue; an older
    code never; and a login works exactly when the last successful activation came after
    the last reissue."""
    username = f"prop{len(audit_text(db))}"
    issued = new_subject_account(db, clock, world, username)
    codes, issued_at = [issued.code], clock.now()
    open_code, has_password = True, False
    for step in steps:
        expected: str | None = None
        if step == "reissue":
            codes.append(
                accounts.issue_activation_code(db, clock, officer(world), issued.user.id).code
            )
            issued_at, open_code, has_password = clock.now(), True, False
            continue
        if step == "wait_10":
            clock.advance(dt.timedelta(days=10))
            continue
        code = codes[0] if step == "old" else codes[-1]
        if step == "wrong":
            code = "2222-2222-2222-2222-2222"
        if step == "wrong" or not open_code or (step == "old" and len(codes) > 1):
            expected = "bad_activation"
        elif clock.now() >= issued_at + dt.timedelta(days=30):
            expected = "activation_expired"
        try:
            accounts.activate(db, clock, username=username, code=code, password=PASSWORD)
            outcome = None
        except NotAuthenticated as refused:
            outcome = refused.code
        assert outcome == expected, (steps, step)
        if outcome is None:
            open_code, has_password = False, True
    try:
        accounts.authenticate(db, clock, username, PASSWORD)
        logged_in = True
    except NotAuthenticated:
        logged_in = False
    assert logged_in is has_password


# --- what an administrator cannot do ---------------------------------------------------------


def test_an_administrator_gives_a_subject_account_no_password(
    db: Session, clock: FixedClock, world: World
) -> None:
    company = CompanyFactory()
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db,
            clock,
            admin(world),
            username="mine",
            password=PASSWORD,
            role=Role.SUBJECT,
            subject_id=company.id,
        )
    assert (refused.value.code, refused.value.field) == ("password_not_allowed", "password")
    # Nor a staff account (decision 0033; tests/test_staff_activation.py).
    with pytest.raises(InvalidInput) as staff:
        accounts.create_user(
            db,
            clock,
            admin(world),
            username="clerk",
            password=PASSWORD,
            role=Role.DATA_REPORTER,
            organisation=world.organisations["regulator"],
        )
    assert (staff.value.code, staff.value.field) == ("password_not_allowed", "password")


def test_only_an_officer_of_the_credit_authority_releases_codes(
    db: Session, clock: FixedClock, world: World
) -> None:
    """The administrator who creates a subject account cannot release its code (so cannot
    activate it himself); nor can other staff, the subject, or an API key of the credit
    authority (a system checks nobody's identity)."""
    user = accounts.create_subject_account(
        db, clock, admin(world), username="counter", subject_id=CompanyFactory().id
    )
    # Created without a code: the administrator learns none.
    assert user.awaiting_activation
    assert user.activation_code_hash is None
    for account in ("admin", "citizen", "security", "caseofficer", "objections", "reporter"):
        with pytest.raises(PermissionDenied):
            accounts.issue_activation_code(
                db, clock, accounts.actor_for_user(world.users[account]), user.id
            )
    with pytest.raises(PermissionDenied):
        accounts.list_subject_accounts(db, admin(world))
    _key, secret = released_api_key(
        db, clock, world.organisations["authority"], Role.CREDIT_AUTHORITY_OFFICER, "counter"
    )
    with pytest.raises(PermissionDenied) as system:
        accounts.issue_activation_code(db, clock, api_keys.actor_for_api_key(db, secret), user.id)
    assert (system.value.code, system.value.article) == (
        "credit_authority_officer_required",
        "Art. 12",
    )
    assert user.activation_code_hash is None
    with pytest.raises(Conflict) as staff:
        accounts.issue_activation_code(db, clock, officer(world), world.users["admin"].id)
    assert (staff.value.code, staff.value.field) == ("not_subject_account", "user")
    with pytest.raises(NotFound):
        accounts.issue_activation_code(db, clock, officer(world), 999_999_999)
    with pytest.raises(InvalidInput):
        accounts.issue_activation_code(db, clock, officer(world), user.id, days=0)
    issued = accounts.issue_activation_code(db, clock, officer(world), user.id)
    assert issued.user.activation_released_by_id == world.users["authority"].id
    assert [u.username for u in accounts.list_subject_accounts(db, officer(world))].count(
        "counter"
    ) == 1


def test_the_activation_names_who_released_the_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = new_subject_account(db, clock, world)
    released_at = clock.now()
    clock.advance(dt.timedelta(days=2))
    user = accounts.activate(
        db, clock, username="logistics", code=issued.code, password=NEW_PASSWORD
    )
    event = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.activate", AuditEvent.target_id == str(user.id)
        )
    ).one()
    assert event.actor_id == f"user:{user.id}"
    assert event.details["released_by"] == world.users["authority"].id
    assert event.details["released_by_organisation_id"] == world.organisations["authority"].id
    assert dt.datetime.fromisoformat(event.details["released_at"]) == released_at
    history = accounts.account_history(db, accounts.actor_for_user(user))
    assert history[-1].released_by_organisation == "福州市发改委"
    assert history[-1].released_at == released_at
    assert history[1].action == "user.activation_issue"
    assert history[1].released_by_organisation == "福州市发改委"


def test_a_new_code_revokes_the_password_so_the_subject_notices(
    db: Session, clock: FixedClock, world: World
) -> None:
    citizen = world.users["citizen"]
    accounts.authenticate(db, clock, "citizen", PASSWORD)
    accounts.issue_activation_code(db, clock, officer(world), citizen.id)
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db, clock, "citizen", PASSWORD)
    event = db.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "user.activation_issue", AuditEvent.target_id == str(citizen.id)
        )
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.details["reissue"] is True
    assert event.details["password_revoked"] is True
    assert accounts.replaces_credentials(citizen)  # the open code now
    assert event.actor_id == f"user:{world.users['authority'].id}"


# --- tokens and sessions from before a credentials change -------------------------------------

CHANGES = ("reissue", "activate", "deactivate")


def _change(db: Session, clock: FixedClock, world: World, user_id: int, change: str) -> None:
    if change == "reissue":
        accounts.issue_activation_code(db, clock, officer(world), user_id)
    elif change == "activate":
        issued = accounts.issue_activation_code(db, clock, officer(world), user_id)
        accounts.activate(
            db, clock, username=issued.user.username, code=issued.code, password=PASSWORD
        )
    else:
        accounts.deactivate_user(db, clock, admin(world), user_id)


def _resolves(db: Session, signer: accounts.TokenSigner, token: str) -> bool:
    claims = signer.claims(token)
    try:
        accounts.active_user(db, claims.user_id, credentials_version=claims.credentials_version)
    except NotAuthenticated:
        return False
    return True


@run_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.sampled_from(["login", "reissue", "activate"]), max_size=6))
def test_no_token_from_before_a_credentials_change_works(
    db: Session, clock: FixedClock, world: World, steps: list[str]
) -> None:
    """Against a model: a token works exactly when nothing changed the account's
    credentials since it was issued; a deactivation at the end ends them all."""
    signer = accounts.TokenSigner(b"k" * 32, 3600)
    username = f"tok{len(audit_text(db))}"
    issued = new_subject_account(db, clock, world, username)
    user = accounts.activate(db, clock, username=username, code=issued.code, password=PASSWORD)
    tokens = [(signer.issue(user), True)]
    for step in steps:
        if step == "login":
            if not user.awaiting_activation:
                tokens.append((signer.issue(user), True))
        else:
            _change(db, clock, world, user.id, step)
            tokens = [(token, False) for token, _valid in tokens]
        for token, valid in tokens:
            assert _resolves(db, signer, token) is valid, steps
    _change(db, clock, world, user.id, "deactivate")
    assert not any(_resolves(db, signer, token) for token, _valid in tokens)


@pytest.mark.parametrize("change", CHANGES)
def test_api_and_pages_refuse_tokens_and_sessions_from_before(
    client: TestClient, world: World, db: Session, clock: FixedClock, change: str
) -> None:
    """Through the one place that resolves the actor: the bearer token answers 401
    ``credentials_changed`` (or ``inactive_account``), the page session is ended."""
    token = _token(client, "company")
    log_in(client, "company")
    assert client.get("/me", headers=HTML).status_code == 200
    _change(db, clock, world, world.users["company"].id, change)
    db.commit()
    refused = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == (
        "inactive_account" if change == "deactivate" else "credentials_changed"
    )
    assert client.get("/me", headers=HTML, follow_redirects=False).status_code != 200
    if change == "activate":
        # The new password gives a new token and session, which work.
        fresh = _token(client, "company")
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).is_success
        log_in(client, "company")
        assert client.get("/me", headers=HTML).status_code == 200


# --- the API ----------------------------------------------------------------------------------


def _token(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_api_admin_creates_the_officer_releases_and_the_subject_activates(
    client: TestClient, world: World, db: Session
) -> None:
    company = CompanyFactory()
    db.commit()
    admin_headers = {"Authorization": f"Bearer {_token(client, 'admin')}"}
    officer_headers = {"Authorization": f"Bearer {_token(client, 'authority')}"}
    with_password = client.post(
        "/api/v1/admin/users",
        headers=admin_headers,
        json={"username": "firm", "role": "subject", "subject": company.uscc, "password": PASSWORD},
    )
    assert with_password.status_code == 422
    assert with_password.json()["error"]["code"] == "password_not_allowed"
    assert with_password.json()["error"]["field"] == "password"
    created = client.post(
        "/api/v1/admin/users",
        headers=admin_headers,
        json={"username": "firm", "role": "subject", "subject": company.uscc},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    # The administrator gets no code, and may not release one.
    assert "activation_code" not in body
    assert body["awaiting_activation"] is True
    assert body["activated_at"] is None
    user_id = body["id"]
    for route in (
        f"/api/v1/subject-accounts/{user_id}/activation-code",
        "/api/v1/subject-accounts",
    ):
        call = client.post if route.endswith("code") else client.get
        forbidden = call(route, headers=admin_headers)
        assert forbidden.status_code == 403, route
    assert client.post(
        f"/api/v1/admin/users/{user_id}/activation-code", headers=admin_headers
    ).status_code in (404, 405)
    # The officer sees the account, releases its code, and the answer is not cached.
    listed = client.get("/api/v1/subject-accounts", headers=officer_headers).json()["items"]
    row = next(item for item in listed if item["id"] == user_id)
    assert (row["subject_code"], row["awaiting_activation"]) == (company.uscc, True)
    released = client.post(
        f"/api/v1/subject-accounts/{user_id}/activation-code", headers=officer_headers
    )
    assert released.status_code == 201, released.text
    assert released.headers["cache-control"] == "no-store"
    code = released.json()["activation_code"]
    assert CODE_SHAPE.match(code)
    # The listings never show a code.
    assert code not in client.get("/api/v1/admin/users", headers=admin_headers).text
    assert code not in client.get("/api/v1/subject-accounts", headers=officer_headers).text
    # No login before activation, with the same answer as a wrong password.
    refused = client.post("/api/v1/auth/token", data={"username": "firm", "password": PASSWORD})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "bad_credentials"
    wrong = client.post(
        "/api/v1/auth/activate",
        data={"username": "firm", "code": "2222-2222-2222-2222-2222", "password": NEW_PASSWORD},
    )
    assert wrong.status_code == 401
    assert (wrong.json()["error"]["code"], wrong.json()["error"]["field"]) == (
        "bad_activation",
        "code",
    )
    activated = client.post(
        "/api/v1/auth/activate",
        data={"username": "firm", "code": code, "password": NEW_PASSWORD},
    )
    assert activated.status_code == 200, activated.text
    assert activated.json()["username"] == "firm"
    token = _token(client, "firm", NEW_PASSWORD)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["subject_id"] == company.id
    again = client.post(
        "/api/v1/auth/activate",
        data={"username": "firm", "code": code, "password": PASSWORD},
    )
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "bad_activation"
    # A refused activation is audited, without the code.
    refusals = db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.activate", AuditEvent.outcome == "refused"
        )
    ).all()
    assert len(refusals) == 2
    assert code not in audit_text(db)
    # A new code: the password and the token stop working until the subject activates again.
    reissued = client.post(
        f"/api/v1/subject-accounts/{user_id}/activation-code", headers=officer_headers
    )
    assert reissued.status_code == 201
    assert reissued.json()["activation_code"] != code
    gone = client.post("/api/v1/auth/token", data={"username": "firm", "password": NEW_PASSWORD})
    assert gone.status_code == 401
    stale = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert stale.status_code == 401
    assert stale.json()["error"]["code"] == "credentials_changed"
    staff = client.post(
        f"/api/v1/subject-accounts/{world.users['reporter'].id}/activation-code",
        headers=officer_headers,
    )
    assert staff.status_code == 409
    assert staff.json()["error"]["code"] == "not_subject_account"


def test_api_activation_days_come_from_the_settings(
    app, client: TestClient, world: World, db: Session, clock: FixedClock
) -> None:  # type: ignore[no-untyped-def]
    app.state.context.settings.activation_days = 7
    user = accounts.create_subject_account(
        db, clock, admin(world), username="week", subject_id=CompanyFactory().id
    )
    db.commit()
    released = client.post(
        f"/api/v1/subject-accounts/{user.id}/activation-code",
        headers={"Authorization": f"Bearer {_token(client, 'authority')}"},
    )
    assert released.status_code == 201, released.text
    expires = dt.datetime.fromisoformat(released.json()["activation_expires_at"])
    assert expires == clock.now() + dt.timedelta(days=7)


# --- the pages --------------------------------------------------------------------------------


def _cookie_text(response: object) -> str:
    """Every Set-Cookie of a response, decoded as far as it goes: the session cookie is
    signed base64 JSON, readable by whoever holds it."""
    import base64

    texts = []
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        value = header.split(";", 1)[0].split("=", 1)[1]
        payload = value.split(".", 1)[0]
        texts.append(base64.b64decode(payload + "=" * (-len(payload) % 4)).decode(errors="replace"))
        texts.append(header)
    return "\n".join(texts)


def test_pages_admin_creates_the_officer_releases_once_and_the_subject_activates(
    client: TestClient, world: World, db: Session
) -> None:
    company = CompanyFactory()
    db.commit()
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    # No password for anyone (decision 0033).
    assert 'name="password"' not in page.text
    created = client.post(
        "/admin/users",
        data={
            "username": "shop",
            "role": "subject",
            "subject": company.uscc,
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    shown = client.get("/admin/users", headers=HTML)
    assert 'id="activation-code"' not in shown.text
    assert "/activation-code" not in shown.text
    user_id = db.scalar(select(UserAccount.id).where(UserAccount.username == "shop"))
    assert user_id is not None
    # The administrator's pages do not release codes.
    assert client.get("/subject-accounts", headers=HTML).status_code == 403
    assert (
        client.post(
            f"/subject-accounts/{user_id}/activation-code",
            data={"csrf_token": csrf_from(shown.text)},
            headers=HTML,
        ).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": csrf_from(shown.text)}, headers=HTML)

    log_in(client, "authority")
    counter = client.get("/subject-accounts", headers=HTML)
    assert counter.status_code == 200
    assert f'action="/subject-accounts/{user_id}/activation-code"' in counter.text
    # The button says whether it releases the account's first code or a new one.
    assert 'data-user="shop">发放激活码</button>' in counter.text
    released = client.post(
        f"/subject-accounts/{user_id}/activation-code",
        data={"csrf_token": csrf_from(counter.text)},
        headers=HTML,
        follow_redirects=False,
    )
    # Shown in the answer that releases it, not cached, never in the cookie.
    assert released.status_code == 200, released.text
    assert released.headers["cache-control"] == "no-store"
    match = re.search(r'<code id="activation-code">([^<]+)</code>', released.text)
    assert match is not None
    code = match.group(1)
    assert CODE_SHAPE.match(code)
    assert code not in _cookie_text(released)
    assert accounts.normalise_activation_code(code) not in _cookie_text(released)
    # Shown once.
    after = client.get("/subject-accounts", headers=HTML).text
    assert code not in after
    assert 'data-user="shop">重新发放激活码</button>' in after
    client.post("/logout", data={"csrf_token": csrf_from(counter.text)}, headers=HTML)

    form = client.get("/activate", headers=HTML)
    assert form.status_code == 200
    # Where the code comes from, as the credit authority releases it.
    said = client.get("/activate", params={"lang": "en"}, headers=HTML).text
    assert "credit authority gave you your activation code at its counter" in said
    assert "letter" not in said
    wrong = client.post(
        "/activate",
        data={
            "username": "shop",
            "code": "2222-2222-2222-2222-2222",
            "password": NEW_PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
    )
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    short = client.post(
        "/activate",
        data={
            "username": "shop",
            "code": code,
            "password": "short",
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
    )
    assert short.status_code == 422
    done = client.post(
        "/activate",
        data={
            "username": "shop",
            "code": code,
            "password": PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/login")
    login_page = client.get(done.headers["location"], headers=HTML)
    assert 'id="activated"' in login_page.text
    log_in(client, "shop")
    home = client.get("/me", headers=HTML)
    assert home.status_code == 200
    assert 'data-action="user.activate"' in home.text
    assert 'data-action="user.activation_issue"' in home.text
    # Who released the code the first session rests on.
    assert "福州市发改委" in home.text
