"""Account administration API (platform administrator): organisations, users, API keys.
The administrator manages accounts and never reads credit data (separation of duties)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import Permission, require
from xinyong.subjects import service as subjects
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1/admin", tags=["administration"])


def user_out(user: UserAccount) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "organisation": user.organisation.code if user.organisation else None,
        "subject_id": user.subject_id,
        "active": user.active,
        "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        "awaiting_activation": user.awaiting_activation,
        "activation_expires_at": user.activation_expires_at.isoformat()
        if user.activation_expires_at
        else None,
        "activated_at": user.activated_at.isoformat() if user.activated_at else None,
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
    return {"items": [user_out(u) for u in accounts.list_users(session, actor)]}


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="for staff accounts only; a subject account's subject sets its password "
        "with the activation code the credit authority releases",
    )
    role: Role
    display_name: str | None = Field(default=None, max_length=100)
    organisation: str | None = Field(default=None, description="USCC, for staff")
    subject: str | None = Field(default=None, description="USCC or reference, for subject accounts")


@router.post("/users", status_code=201, responses=refusals(403, 404, 409, 422))
def create_user(
    body: UserIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """A staff account with its password, or a subject account with neither password nor
    activation code: an officer of the credit authority releases the code to the subject
    (``POST /api/v1/subject-accounts/{id}/activation-code``, decision 0031 addendum)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
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
        subject_id=subjects.by_reference(session, body.subject).id if body.subject else None,
    )
    return user_out(user)


@router.post("/users/{user_id}/deactivate", responses=refusals(403, 404, 409))
def deactivate_user(
    user_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    accounts.deactivate_user(session, clock, actor, user_id)
    return {"id": user_id, "active": False}


class ApiKeyIn(BaseModel):
    organisation: str = Field(description="USCC of the organisation whose system uses the key")
    role: Role
    name: str = Field(min_length=1, max_length=100)


def _key_out(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "prefix": key.prefix,
        "name": key.name,
        "organisation": key.organisation.code,
        "role": key.role.value,
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


@router.post("/api-keys", status_code=201, responses=refusals(403, 404))
def create_api_key(
    body: ApiKeyIn,
    response: Response,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The secret is shown once, here (not cached); only its hash is stored."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    key, secret = accounts.create_api_key(
        session,
        clock,
        actor,
        organisation=accounts.organisation_by_code(session, body.organisation),
        role=body.role,
        name=body.name,
    )
    response.headers["Cache-Control"] = "no-store"
    return {**_key_out(key), "secret": secret}


@router.post("/api-keys/{key_id}/revoke", responses=refusals(403, 404))
def revoke_api_key(
    key_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    accounts.revoke_api_key(session, clock, actor, key_id)
    return {"id": key_id, "revoked": True}
