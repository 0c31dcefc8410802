"""Account administration API (platform administrator): organisations, users, API keys.
The administrator manages accounts and never reads credit data, nor holds a credential
that does (separation of duties, decisions 0031 and 0033): accounts are created with no
password and keys registered with no secret; a second person releases them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import Permission, require
from xinyong.disclosure import person_lookup
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


def user_out(user: UserAccount, label: str | None = None) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        # A subject's account by the subject's registered name (``accounts.account_label``).
        "display_name": accounts.account_label(user) if label is None else label,
        "role": user.role.value,
        "organisation": user.organisation.code if user.organisation else None,
        "subject_id": user.subject_id,
        "active": user.active,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "awaiting_activation": user.awaiting_activation,
        # Who releases the account's (first or new) activation code: the role, at
        # /api/v1/staff-accounts or /api/v1/subject-accounts (decision 0033).
        "code_releaser": accounts.code_releaser(user).value,
        "code_released_by": user.activation_released_by_id,
        "code_released_at": user.activation_released_at.isoformat()
        if user.activation_released_at
        else None,
        "activation_expires_at": user.activation_expires_at.isoformat()
        if user.activation_expires_at
        else None,
        "activated_at": user.activated_at.isoformat() if user.activated_at else None,
        "created_by": user.created_by_id,
    }


def _organisation_out(organisation: Organisation) -> dict[str, Any]:
    return {
        "code": organisation.code,
        "name": organisation.name,
        "kind": organisation.kind.value,
        "jurisdiction": organisation.jurisdiction,
        "active": organisation.active,
    }


@router.get("/organisations", responses=refusals(403))
def list_organisations(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    require(actor, Permission.MANAGE_ORGANISATIONS)
    return {"items": [_organisation_out(o) for o in accounts.list_organisations(session)]}


class OrganisationIn(BaseModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: OrganisationKind
    jurisdiction: str = Field(default="350100", pattern=r"^[0-9]{6}$")


@router.post("/organisations", status_code=201, responses=refusals(403, 409))
def create_organisation(
    body: OrganisationIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    organisation = accounts.create_organisation(
        session,
        clock,
        actor,
        code=body.code,
        name=body.name,
        kind=body.kind,
        jurisdiction=body.jurisdiction,
    )
    return _organisation_out(organisation)


@router.get("/users", responses=refusals(403))
def list_users(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    users = accounts.list_users(session, actor)
    labels = accounts.account_labels(session, users)
    return {"items": [user_out(u, labels[u.id]) for u in users]}


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="refused (422 password_not_allowed): every account's holder sets its own "
        "password with the activation code a second person releases (decisions 0031, 0033)",
    )
    role: Role
    display_name: str | None = Field(default=None, max_length=100)
    organisation: str | None = Field(default=None, max_length=40, description="USCC, for staff")
    subject: str | None = Field(
        default=None,
        max_length=40,
        description="for a subject account: the organisation's USCC or the subject's reference",
    )
    citizen_id: str | None = Field(
        default=None,
        max_length=40,
        description="for a natural person's account instead of `subject`: the ID number the "
        "person showed at the credit authority's counter. Found by its blind index and audited "
        "as a lookup by ID number; neither stored nor returned (404 `unknown_subject`, field "
        "`citizen_id`, if no person has it)",
    )


@router.post("/users", status_code=201, responses=refusals(403, 404, 409, 422))
def create_user(
    body: UserIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """An account with neither password nor activation code; the answer's
    ``code_releaser`` says who releases its code to the holder: an officer of the credit
    authority (``POST /api/v1/staff-accounts/{id}/activation-code``, or
    ``/api/v1/subject-accounts/...`` for a subject's), or, for an administrator's
    account, another administrator (decisions 0031 addendum, 0033)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    subject = person_lookup.subject_for_account(
        session, clock, actor, reference=body.subject, citizen_id=body.citizen_id
    )
    user = accounts.create_user(
        session,
        clock,
        actor,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        organisation=accounts.organisation_by_code(session, body.organisation)
        if body.organisation
        else None,
        subject_id=None if subject is None else subject.id,
    )
    return user_out(user)


@router.post("/users/{user_id}/deactivate", responses=refusals(403, 404, 409))
def deactivate_user(
    user_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    accounts.deactivate_user(session, clock, actor, user_id)
    return {"id": user_id, "active": False}


class ApiKeyIn(BaseModel):
    organisation: str = Field(
        min_length=1,
        max_length=40,
        description="USCC of the organisation whose system uses the key",
    )
    role: Role
    name: str = Field(min_length=1, max_length=100)


def key_out(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "prefix": key.prefix,
        "name": key.name,
        "organisation": key.organisation.code,
        "role": key.role.value,
        "created_at": key.created_at.isoformat(),
        # Released by a staff member of the organisation holding the key's role
        # (``POST /api/v1/api-keys/{id}/secret``, decision 0033).
        "awaiting_release": key.awaiting_release,
        "released_by": key.released_by_id,
        "released_at": key.released_at.isoformat() if key.released_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@router.get("/api-keys", responses=refusals(403))
def list_api_keys(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """Every key, newest first: which wait for their organisation to release them."""
    return {"items": [key_out(key) for key in api_keys.all_keys(session, actor)]}


@router.post("/api-keys", status_code=201, responses=refusals(403, 404, 422))
def create_api_key(
    body: ApiKeyIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Registers a key with no secret: a staff member of the organisation who holds the
    key's role releases the secret, shown once to them (``POST
    /api/v1/api-keys/{id}/secret``), so the administrator never holds a working key."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    key = api_keys.create_api_key(
        session,
        clock,
        actor,
        organisation=accounts.organisation_by_code(session, body.organisation),
        role=body.role,
        name=body.name,
    )
    return key_out(key)


@router.post("/api-keys/{key_id}/revoke", responses=refusals(403, 404, 409))
def revoke_api_key(
    key_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    api_keys.revoke_api_key(session, clock, actor, key_id)
    return {"id": key_id, "revoked": True}
