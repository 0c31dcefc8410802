"""Account administration pages for the platform administrator: organisations, staff and
subject accounts, API keys. Mirrors ``web.api.accounts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, OrganisationKind, Role
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.subjects import service as subjects
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import NO_STORE, check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    return _users_page(request, actor, session)


def _users_page(
    request: Request, actor: Actor, session: Session, *, created_key: str | None = None
) -> HTMLResponse:
    require(actor, Permission.MANAGE_ACCOUNTS)
    return render(
        request,
        "admin_users.html",
        {
            "users": accounts.list_users(session, actor),
            "current_user_id": actor.id if actor.kind == "user" else None,
            "organisations": accounts.list_organisations(session),
            "roles": list(Role),
            "kinds": list(OrganisationKind),
            "keys": list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc()))),
            "created_key": created_key,
            **page_helpers(request),
        },
        headers=NO_STORE if created_key else None,
    )


@router.post("/admin/users")
def create_user(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
    subject: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_ACCOUNTS)
    # A subject account gets no code here: an officer of the credit authority releases it
    # (/subject-accounts, decision 0031 addendum).
    accounts.create_user(
        session,
        clock,
        actor,
        username=username,
        password=password or None,
        role=role,
        display_name=display_name or None,
        organisation=accounts.organisation_by_code(session, organisation) if organisation else None,
        subject_id=subjects.by_reference(session, subject).id if subject else None,
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/deactivate")
def deactivate(
    request: Request,
    user_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    accounts.deactivate_user(session, clock, actor, user_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/organisations")
def create_organisation(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=40)],
    name: Annotated[str, Form(max_length=200)],
    kind: Annotated[OrganisationKind, Form()],
    jurisdiction: Annotated[str, Form(max_length=40)] = "350100",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    accounts.create_organisation(
        session, clock, actor, code=code, name=name, kind=kind, jurisdiction=jurisdiction
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/api-keys")
def create_api_key(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    organisation: Annotated[str, Form(max_length=40)],
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=100)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_ACCOUNTS)
    _key, secret = accounts.create_api_key(
        session,
        clock,
        actor,
        organisation=accounts.organisation_by_code(session, organisation),
        role=role,
        name=name,
    )
    # Shown once, in this answer.
    return _users_page(request, actor, session, created_key=secret)


@router.post("/admin/api-keys/{key_id}/revoke")
def revoke_api_key(
    request: Request,
    key_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    accounts.revoke_api_key(session, clock, actor, key_id)
    return RedirectResponse("/admin/users", status_code=303)
