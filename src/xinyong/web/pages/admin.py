"""Account administration pages for the platform administrator: organisations, staff and
subject accounts, API keys. Mirrors ``web.api.accounts``: accounts are created with no
password and keys registered with no secret; the page says who releases them (decisions
0031 addendum, 0033)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import Permission, require
from xinyong.subjects import service as subjects
from xinyong.web.deps import MAX_ROW_ID, ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=20)] = "",
    user: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    key: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    require(actor, Permission.MANAGE_ACCOUNTS)
    users = accounts.list_users(session, actor)
    keys = api_keys.all_keys(session, actor)
    # After a creation, the page says who releases the new account's code or key's
    # secret: never the administrator himself.
    created = next((u for u in users if u.id == user), None) if done == "user_created" else None
    registered = next((k for k in keys if k.id == key), None) if done == "key_registered" else None
    return render(
        request,
        "admin_users.html",
        {
            "users": users,
            "releasers": {u.id: accounts.code_releaser(u) for u in users},
            "current_user_id": actor.id if actor.kind == "user" else None,
            "organisations": accounts.list_organisations(session),
            "roles": list(Role),
            "kinds": list(OrganisationKind),
            "keys": keys,
            "created": created,
            "registered": registered,
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
    display_name: Annotated[str, Form(max_length=100)] = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
    subject: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_ACCOUNTS)
    # No password and no code here: a second person releases the code (/staff-accounts,
    # /subject-accounts; decisions 0031 addendum, 0033).
    user: UserAccount = accounts.create_user(
        session,
        clock,
        actor,
        username=username,
        password=None,
        role=role,
        display_name=display_name or None,
        organisation=accounts.organisation_by_code(session, organisation) if organisation else None,
        subject_id=subjects.by_reference(session, subject).id if subject else None,
    )
    return RedirectResponse(f"/admin/users?done=user_created&user={user.id}", status_code=303)


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
    key: ApiKey = api_keys.create_api_key(
        session,
        clock,
        actor,
        organisation=accounts.organisation_by_code(session, organisation),
        role=role,
        name=name,
    )
    # Registered with no secret: the organisation's own staff of the key's role release
    # it at /api-keys (decision 0033).
    return RedirectResponse(f"/admin/users?done=key_registered&key={key.id}", status_code=303)


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
    api_keys.revoke_api_key(session, clock, actor, key_id)
    return RedirectResponse("/admin/users", status_code=303)
