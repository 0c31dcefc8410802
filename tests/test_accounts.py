"""Accounts: separation of duties (rules.md, Access control), users, passwords, API keys."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, World
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import (
    ANONYMOUS_ACTOR,
    ROLE_PERMISSIONS,
    ROLES_BY_ORGANISATION_KIND,
    SYSTEM_ACTOR,
    Permission,
    has_permission,
    require,
    require_own_organisation,
    require_own_subject,
)
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, PermissionDenied

# Permissions that let their holder read or write credit data (records, files, batches).
CREDIT_DATA = frozenset(
    {
        Permission.READ_OWN_FILE,
        Permission.QUERY_BY_ITEM,
        Permission.QUERY_BY_AUTHORISATION,
        Permission.REVIEW_CONFIDENTIALITY,
        Permission.SUPERVISE,
        Permission.SUBMIT_RECORDS,
        Permission.READ_BATCHES,
        Permission.LOOKUP_PERSON,
    }
)
REPORTING = frozenset({Permission.SUBMIT_RECORDS})
QUERYING = frozenset(
    {Permission.QUERY_BY_ITEM, Permission.QUERY_BY_AUTHORISATION, Permission.LOOKUP_PERSON}
)
WRITING = frozenset(
    {Permission.SUBMIT_RECORDS, Permission.MANAGE_CATALOG, Permission.MANAGE_SOURCES}
)
# The hasher the platform really uses, taken before any test swaps it.
# The production parameters (conftest swaps in cheap ones for speed).
REAL_HASHER = PasswordHasher()


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for building the world; the argon2 test below puts the real
    hasher back."""
    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


# --- separation of duties --------------------------------------------------------------------


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_platform_admin_manages_accounts_but_reads_no_credit_data() -> None:
    admin = ROLE_PERMISSIONS[Role.PLATFORM_ADMIN]
    assert Permission.MANAGE_ACCOUNTS in admin
    assert not admin & CREDIT_DATA, sorted(admin & CREDIT_DATA)


def test_only_the_platform_admin_manages_accounts() -> None:
    managers = {
        role for role, perms in ROLE_PERMISSIONS.items() if Permission.MANAGE_ACCOUNTS in perms
    }
    assert managers == {Role.PLATFORM_ADMIN}


def test_objection_handler_cannot_alter_data() -> None:
    handler = ROLE_PERMISSIONS[Role.OBJECTION_HANDLER]
    assert Permission.SUBMIT_RECORDS not in handler
    assert not handler & WRITING


@pytest.mark.parametrize("role", list(Role))
def test_reporting_and_querying_are_distinct_roles(role: Role) -> None:
    # JR/T 0115-2014: a data-reporting user is never also a query user.
    permissions = ROLE_PERMISSIONS[role]
    assert not (
        Permission.SUBMIT_RECORDS in permissions and Permission.QUERY_BY_ITEM in permissions
    )
    assert not (permissions & REPORTING and permissions & QUERYING), (role, sorted(permissions))


def test_data_reporter_and_query_officer_are_different() -> None:
    reporter = ROLE_PERMISSIONS[Role.DATA_REPORTER]
    querier = ROLE_PERMISSIONS[Role.QUERY_OFFICER]
    assert Permission.SUBMIT_RECORDS in reporter
    assert Permission.QUERY_BY_ITEM not in reporter
    assert Permission.QUERY_BY_ITEM in querier
    assert Permission.SUBMIT_RECORDS not in querier


def test_market_bodies_can_staff_both_duties_separately() -> None:
    # With reporting and querying split, a bank needs a reporter and an analyst.
    for kind in (OrganisationKind.FINANCIAL_INSTITUTION, OrganisationKind.ENTERPRISE):
        roles = ROLES_BY_ORGANISATION_KIND[kind]
        assert Role.DATA_REPORTER in roles
        assert Role.INSTITUTION_ANALYST in roles
        assert Role.PLATFORM_ADMIN not in roles


def test_subject_role_is_never_a_staff_role() -> None:
    for roles in ROLES_BY_ORGANISATION_KIND.values():
        assert Role.SUBJECT not in roles


def test_permission_checks(world: World) -> None:
    reporter = accounts.actor_for_user(world.users["reporter"])
    assert has_permission(reporter, Permission.SUBMIT_RECORDS)
    assert not has_permission(reporter, Permission.QUERY_BY_ITEM)
    with pytest.raises(PermissionDenied) as refused:
        require(reporter, Permission.QUERY_BY_ITEM)
    assert refused.value.article == "Art. 12"
    with pytest.raises(NotAuthenticated):
        require(ANONYMOUS_ACTOR, Permission.READ_OWN_FILE)
    assert has_permission(SYSTEM_ACTOR, Permission.MANAGE_ACCOUNTS)


def test_object_level_checks(world: World) -> None:
    citizen = accounts.actor_for_user(world.users["citizen"])
    require_own_subject(citizen, world.subjects["person"].id)
    with pytest.raises(PermissionDenied) as refused:
        require_own_subject(citizen, world.subjects["other_person"].id)
    assert refused.value.code == "not_own_subject"
    # Staff have no own subject, and their permissions do not include another's file.
    with pytest.raises(PermissionDenied):
        require_own_subject(
            accounts.actor_for_user(world.users["querier"]), world.subjects["person"].id
        )
    reporter = accounts.actor_for_user(world.users["reporter"])
    require_own_organisation(reporter, world.organisations["regulator"].id)
    with pytest.raises(PermissionDenied) as other:
        require_own_organisation(reporter, world.organisations["other_agency"].id)
    assert other.value.code == "other_organisation"


# --- users -----------------------------------------------------------------------------------


def admin_of(world: World):  # type: ignore[no-untyped-def]
    return accounts.actor_for_user(world.users["admin"])


def test_create_user_refuses_a_role_the_organisation_kind_may_not_have(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username="regulator-admin",
            password=None,
            role=Role.PLATFORM_ADMIN,
            organisation=world.organisations["regulator"],
        )
    assert refused.value.code == "role_not_allowed"
    assert refused.value.field == "role"
    with pytest.raises(InvalidInput):
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username="bank-querier",
            password=None,
            role=Role.QUERY_OFFICER,  # query items are for agencies (Art. 13 ¶2)
            organisation=world.organisations["bank"],
        )


def test_create_user_refuses_a_subject_account_without_a_subject(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db, clock, admin_of(world), username="nobody", password=None, role=Role.SUBJECT
        )
    assert refused.value.code == "subject_required"
    # Nor one that also belongs to an organisation.
    with pytest.raises(InvalidInput):
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username="both",
            password=None,
            role=Role.SUBJECT,
            subject_id=world.subjects["other_company"].id,
            organisation=world.organisations["regulator"],
        )


def test_create_user_refuses_a_staff_account_without_an_organisation(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db, clock, admin_of(world), username="loose", password=None, role=Role.DATA_REPORTER
        )
    assert refused.value.code == "organisation_required"


def test_create_user_refuses_a_short_password(db: Session, clock: FixedClock, world: World) -> None:
    # Only the operator's bootstrap sets a password at creation (decision 0033).
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db,
            clock,
            SYSTEM_ACTOR,
            username="shorty",
            password="x" * (accounts.MIN_PASSWORD_LENGTH - 1),
            role=Role.DATA_REPORTER,
            organisation=world.organisations["regulator"],
        )
    assert refused.value.code == "password_too_short"
    assert refused.value.field == "password"
    assert "x" * (accounts.MIN_PASSWORD_LENGTH - 1) not in refused.value.message


def test_create_user_refuses_duplicates(db: Session, clock: FixedClock, world: World) -> None:
    with pytest.raises(Conflict):
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username="REPORTER",
            password=None,
            role=Role.DATA_REPORTER,
            organisation=world.organisations["regulator"],
        )
    # A subject has one account.
    with pytest.raises(Conflict) as second:
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username="second-citizen-account",
            password=None,
            role=Role.SUBJECT,
            subject_id=world.subjects["person"].id,
        )
    assert second.value.field == "subject"


@pytest.mark.parametrize("username", ["", "   ", "a" * 65, "bad\x00name", "tab\tname"])
def test_create_user_refuses_bad_usernames(
    db: Session, clock: FixedClock, world: World, username: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_user(
            db,
            clock,
            admin_of(world),
            username=username,
            password=None,
            role=Role.DATA_REPORTER,
            organisation=world.organisations["regulator"],
        )
    assert refused.value.field == "username"


@pytest.mark.parametrize("account", ["authority", "security", "reporter", "citizen"])
def test_only_account_managers_create_users(
    db: Session, clock: FixedClock, world: World, account: str
) -> None:
    with pytest.raises(PermissionDenied):
        accounts.create_user(
            db,
            clock,
            accounts.actor_for_user(world.users[account]),
            username="sneaky",
            password=None,
            role=Role.DATA_REPORTER,
            organisation=world.organisations["regulator"],
        )


def test_passwords_are_stored_as_argon2id(
    db: Session, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts, "_hasher", REAL_HASHER)
    # The operator's bootstrap (decision 0033): the one path that sets a password at
    # creation; an activation sets one the same way.
    user = accounts.create_user(
        db,
        clock,
        SYSTEM_ACTOR,
        username="New.User",
        password="a long enough password",
        role=Role.DATA_REPORTER,
        organisation=world.organisations["regulator"],
    )
    assert user.username == "new.user"
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash
    # At least OWASP's minimum for argon2id (19 MiB, 2 passes).
    parameters = extract_parameters(user.password_hash)
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2
    assert accounts.authenticate(db, clock, "new.user", "a long enough password").id == user.id
    for existing in db.scalars(select(UserAccount)):
        assert existing.password_hash.startswith("$argon2id$")
        assert PASSWORD not in existing.password_hash
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "user.create")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.target_id == str(user.id)
    assert event.actor_kind == "system"
    assert event.details["password_set_by_operator"] is True
    assert "a long enough password" not in str(event.details)


def test_authenticate(db: Session, clock: FixedClock, world: World) -> None:
    user = accounts.authenticate(db, clock, " Querier ", PASSWORD)
    assert user.id == world.users["querier"].id
    assert user.last_login_at == clock.now()
    with pytest.raises(NotAuthenticated) as wrong:
        accounts.authenticate(db, clock, "querier", PASSWORD + "!")
    assert wrong.value.code == "bad_credentials"
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db, clock, "no-such-user", PASSWORD)


def test_deactivated_users_cannot_log_in(db: Session, clock: FixedClock, world: World) -> None:
    accounts.deactivate_user(db, clock, admin_of(world), world.users["querier"].id)
    with pytest.raises(NotAuthenticated):
        accounts.authenticate(db, clock, "querier", PASSWORD)
    with pytest.raises(NotAuthenticated):
        accounts.active_user(
            db,
            world.users["querier"].id,
            credentials_version=world.users["querier"].credentials_version,
        )


def test_tokens_name_their_user_and_reject_forgeries(world: World) -> None:
    signer = accounts.TokenSigner(b"k" * 32, 3600)
    token = signer.issue(world.users["reporter"])
    assert signer.user_id(token) == world.users["reporter"].id
    with pytest.raises(NotAuthenticated) as forged:
        accounts.TokenSigner(b"x" * 32, 3600).user_id(token)
    assert forged.value.code == "bad_token"
    with pytest.raises(NotAuthenticated):
        signer.user_id(token[:-2])


# --- organisations and API keys --------------------------------------------------------------


def test_create_organisation_validates_its_code(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        accounts.create_organisation(
            db,
            clock,
            admin_of(world),
            code="91350100M000100Y44",
            name="某局",
            kind=OrganisationKind.STATE_ORGAN,
        )
    assert refused.value.code == "check_character"
    assert refused.value.field == "code"
    with pytest.raises(Conflict):
        accounts.create_organisation(
            db,
            clock,
            admin_of(world),
            code=world.organisations["regulator"].code.lower(),
            name="again",
            kind=OrganisationKind.STATE_ORGAN,
        )
    with pytest.raises(PermissionDenied):
        accounts.create_organisation(
            db,
            clock,
            accounts.actor_for_user(world.users["authority"]),
            code="91350100M000100Y43",
            name="某公司",
            kind=OrganisationKind.ENTERPRISE,
        )


def test_an_organisations_jurisdiction_is_stored_as_ascii_digits(
    db: Session, clock: FixedClock, world: World
) -> None:
    def create(code: str, jurisdiction: str) -> str:
        return accounts.create_organisation(
            db,
            clock,
            admin_of(world),
            code=code,
            name="某区局",
            kind=OrganisationKind.STATE_ORGAN,
            jurisdiction=jurisdiction,
        ).jurisdiction

    assert create("11350100MB0000027N", "３５０１０２") == "350102"
    with pytest.raises(InvalidInput) as refused:
        create("91350100M000100Y43", "35010٢")
    assert (refused.value.code, refused.value.field) == ("invalid_jurisdiction", "jurisdiction")


def test_api_keys(db: Session, clock: FixedClock, world: World) -> None:
    regulator = world.organisations["regulator"]
    with pytest.raises(InvalidInput):
        api_keys.create_api_key(
            db, clock, admin_of(world), organisation=regulator, role=Role.PLATFORM_ADMIN, name="x"
        )
    with pytest.raises(InvalidInput):
        api_keys.create_api_key(
            db,
            clock,
            admin_of(world),
            organisation=regulator,
            role=Role.INSTITUTION_ANALYST,
            name="x",
        )
    with pytest.raises(PermissionDenied):
        api_keys.create_api_key(
            db,
            clock,
            accounts.actor_for_user(world.users["reporter"]),
            organisation=regulator,
            role=Role.DATA_REPORTER,
            name="x",
        )
    # Registered by the administrator with no secret; released by the organisation's
    # data reporter (decision 0033).
    key = api_keys.create_api_key(
        db, clock, admin_of(world), organisation=regulator, role=Role.DATA_REPORTER, name="system"
    )
    assert key.awaiting_release
    key, secret = api_keys.release_api_key(
        db, clock, accounts.actor_for_user(world.users["reporter"]), key.id
    )
    actor = api_keys.actor_for_api_key(db, secret)
    assert actor.kind == "api_key"
    assert actor.role is Role.DATA_REPORTER
    assert actor.organisation_id == regulator.id
    assert actor.organisation_kind is OrganisationKind.STATE_ORGAN
    api_keys.revoke_api_key(db, clock, admin_of(world), key.id)
    with pytest.raises(NotAuthenticated):
        api_keys.actor_for_api_key(db, secret)


def test_an_administrator_cannot_lock_account_management_out(
    db: Session, clock: FixedClock, world: World
) -> None:
    admin = admin_of(world)
    with pytest.raises(Conflict) as own:
        accounts.deactivate_user(db, clock, admin, world.users["admin"].id)
    assert own.value.code == "own_account"
    assert world.users["admin"].active
    # Nor may another administrator switch off the last active one.
    second = accounts.create_user(
        db,
        clock,
        admin,
        username="admin2",
        password=None,
        role=Role.PLATFORM_ADMIN,
        organisation=world.users["admin"].organisation,
    )
    # One awaiting activation is nobody who can log in yet (decision 0033).
    with pytest.raises(Conflict) as pending:
        accounts.deactivate_user(db, clock, SYSTEM_ACTOR, world.users["admin"].id)
    assert pending.value.code == "last_administrator"
    accounts.deactivate_user(db, clock, admin, second.id)
    assert not second.active
    with pytest.raises(Conflict) as last:
        accounts.deactivate_user(db, clock, SYSTEM_ACTOR, world.users["admin"].id)
    assert last.value.code == "last_administrator"
    assert world.users["admin"].active


def test_the_users_page_offers_no_deactivation_of_ones_own_account(
    client: TestClient, world: World
) -> None:
    log_in(client, "admin")
    page = client.get("/admin/users").text
    assert f'action="/admin/users/{world.users["admin"].id}/deactivate"' not in page
    assert f'action="/admin/users/{world.users["querier"].id}/deactivate"' in page


@pytest.mark.parametrize(
    ("form", "code", "field"),
    [
        (
            {"username": "new-clerk", "role": "query_officer", "organisation": ""},
            "organisation_required",
            "organisation",
        ),
        (
            {
                "username": "querier",
                "role": "query_officer",
                "password": "long enough pass",
                "organisation": "regulator",  # its code, below
            },
            "duplicate",
            "username",
        ),
        (
            {"username": "new-person", "role": "subject", "subject": "NOPE"},
            "unknown_subject",
            "subject",
        ),
        ({"username": "bad\x00name", "role": "query_officer"}, "nul_character", "username"),
    ],
)
def test_a_refused_account_is_shown_beside_its_form_with_what_was_typed(
    client: TestClient,
    world: World,
    db: Session,
    form: dict[str, str],
    code: str,
    field: str | None,
) -> None:
    log_in(client, "admin")
    if form.get("organisation") in world.organisations:
        form = {**form, "organisation": world.organisations[form["organisation"]].code}
    before = db.scalar(select(func.count()).select_from(UserAccount))
    page = client.get("/admin/users").text
    refused = client.post(
        "/admin/users",
        data={"display_name": "新职员", **form, "csrf_token": csrf_from(page)},
        headers=HTML,
    )
    assert refused.status_code in (404, 409, 422), refused.text[:300]
    user_form = refused.text.split('method="post" action="/admin/users" ', 1)
    assert f'data-code="{code}"' in user_form[0].rsplit("<h3>", 1)[1]  # beside the form
    assert 'value="新职员"' in user_form[1].split("</form>", 1)[0]  # what was typed
    assert f'value="{form["role"]}" selected' in user_form[1]
    if field is not None:
        assert f'name="{field}"' in user_form[1]
        marked = user_form[1].split(f'name="{field}"', 1)[1].split(">", 1)[0]
        assert 'aria-invalid="true"' in marked
    assert db.scalar(select(func.count()).select_from(UserAccount)) == before


@pytest.mark.parametrize(
    ("form", "code", "field"),
    [
        ({"code": "91350100MA2XXXXX1", "name": "新机构"}, "length", "code"),
        ({"code": "91350100M000100Y43", "name": " "}, "required", "name"),
        (
            {"code": "91350100M000100Y43", "name": "新机构", "jurisdiction": "35"},
            "invalid_jurisdiction",
            "jurisdiction",
        ),
    ],
)
def test_a_refused_organisation_is_shown_beside_its_form_with_what_was_typed(
    client: TestClient, world: World, form: dict[str, str], code: str, field: str
) -> None:
    log_in(client, "admin")
    page = client.get("/admin/users").text
    refused = client.post(
        "/admin/organisations",
        data={"kind": "enterprise", **form, "csrf_token": csrf_from(page)},
        headers=HTML,
    )
    assert refused.status_code == 422, refused.text[:300]
    before, after = refused.text.split('action="/admin/organisations"', 1)
    assert f'data-code="{code}"' in before.rsplit('id="orgs-title"', 1)[1]
    org_form = after.split("</form>", 1)[0]
    assert f'value="{form["code"]}"' in org_form
    assert 'value="enterprise" selected' in org_form
    assert 'aria-invalid="true"' in org_form.split(f'name="{field}"', 1)[1].split(">", 1)[0]
