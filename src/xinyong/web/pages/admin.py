"""Account administration pages for the platform administrator: organisations, staff and
subject accounts, API keys. Mirrors ``web.api.accounts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, OrganisationKind, Role
from xinyong.accounts.permissions import Permission, require
from xinyong.subjects import service as subjects
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
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
            "created_key": request.session.pop("created_key", None),
            "activation": request.session.pop("activation", None),
            **page_helpers(request),
        },
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
    _user, issued = accounts.create_account(
        session,
        clock,
        actor,
        username=username,
        password=password or None,
        role=role,
        display_name=display_name or None,
        organisation=accounts.organisation_by_code(session, organisation) if organisation else None,
        subject_id=subjects.by_reference(session, subject).id if subject else None,
        days=app_context(request).settings.activation_days,
    )
    if issued is not None:
        _show_once(request, issued)
    return RedirectResponse("/admin/users", status_code=303)


def _show_once(request: Request, issued: accounts.IssuedActivation) -> None:
    # Shown once on the next page, never stored in clear (decision 0031).
    request.session["activation"] = {
        "username": issued.user.username,
        "code": issued.code,
        "expires_at": issued.expires_at.isoformat(),
    }


@router.post("/admin/users/{user_id}/activation-code")
def issue_activation_code(
    request: Request,
    user_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    issued = accounts.issue_activation_code(
        session, clock, actor, user_id, days=app_context(request).settings.activation_days
    )
    _show_once(request, issued)
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
    # Shown once on the next page, never stored in clear.
    request.session["created_key"] = secret
    return RedirectResponse("/admin/users", status_code=303)


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
