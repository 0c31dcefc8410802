"""Account administration pages for the platform administrator: organisations, staff and
subject accounts, API keys. Mirrors ``web.api.accounts``: accounts are created with no
password and keys registered with no secret; the page says who releases them (decisions
0031 addendum, 0033). A refusal is shown beside its form, with what was typed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.disclosure import person_lookup
from xinyong.errors import Conflict, DomainError, InvalidInput, NotFound
from xinyong.web import inputs
from xinyong.web.deps import MAX_ROW_ID, ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import BLANK, FormState, refused, render_form
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)


# Refusals the forms show beside themselves, with what was typed: not a permission refusal,
# which leaves nothing to show a form to.
FORM_ERRORS = (InvalidInput, NotFound, Conflict)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=20)] = "",
    user: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    key: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    return _users_page(
        request,
        actor,
        session,
        created_user=user if done == "user_created" else None,
        registered_key=key if done == "key_registered" else None,
    )


def _users_page(
    request: Request,
    actor: Actor,
    session: Session,
    *,
    created_user: int | None = None,
    registered_key: int | None = None,
    state: FormState = BLANK,
    refused_form: str = "",
) -> HTMLResponse:
    require(actor, Permission.MANAGE_ACCOUNTS)
    users = accounts.list_users(session, actor)
    keys = api_keys.all_keys(session, actor)
    # After a creation, the page says who releases the new account's code or key's
    # secret: never the administrator himself.
    created = next((u for u in users if u.id == created_user), None)
    registered = next((k for k in keys if k.id == registered_key), None)
    return render_form(
        request,
        "admin_users.html",
        {
            "users": users,
            "names": accounts.account_labels(session, users),
            "releasers": {u.id: accounts.code_releaser(u) for u in users},
            "current_user_id": actor.id if actor.kind == "user" else None,
            "organisations": accounts.list_organisations(session),
            "roles": list(Role),
            "kinds": list(OrganisationKind),
            "keys": keys,
            "created": created,
            "registered": registered,
            # Which form the refusal belongs beside: user, organisation, api_key or list.
            "refused_form": refused_form,
            **page_helpers(request),
        },
        state,
    )


def _refused(
    request: Request,
    actor: Actor,
    session: Session,
    exc: DomainError,
    form: dict[str, Any],
    which: str,
) -> HTMLResponse:
    state = refused(session, exc, form)
    return _users_page(request, actor, session, state=state, refused_form=which)


@router.post("/admin/users")
@inputs.beside_form
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
    citizen_id: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_ACCOUNTS)
    try:
        inputs.refuse_held(request)
        # A person is named by the ID number it showed at the counter, never typed back.
        bound = person_lookup.subject_for_account(
            session, clock, actor, reference=subject, citizen_id=citizen_id
        )
        # No password and no code here: a second person releases the code
        # (/staff-accounts, /subject-accounts; decisions 0031 addendum, 0033).
        user: UserAccount = accounts.create_user(
            session,
            clock,
            actor,
            username=username,
            password=None,
            role=role,
            display_name=display_name or None,
            organisation=(
                accounts.organisation_by_code(session, organisation) if organisation else None
            ),
            subject_id=None if bound is None else bound.id,
        )
    except FORM_ERRORS as exc:
        form = {
            "username": username,
            "role": role.value,
            "display_name": display_name,
            "organisation": organisation,
            "subject": subject,
        }
        return _refused(request, actor, session, exc, form, "user")
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
    require(actor, Permission.MANAGE_ACCOUNTS)
    try:
        accounts.deactivate_user(session, clock, actor, user_id)
    except FORM_ERRORS as exc:
        return _refused(request, actor, session, exc, {}, "list")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/organisations")
@inputs.beside_form
def create_organisation(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[OrganisationKind, Form()],
    # Empty, they are the service's to refuse, beside the form.
    code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    jurisdiction: Annotated[str, Form(max_length=40)] = "350100",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_ACCOUNTS)
    try:
        inputs.refuse_held(request)
        accounts.create_organisation(
            session, clock, actor, code=code, name=name, kind=kind, jurisdiction=jurisdiction
        )
    except FORM_ERRORS as exc:
        form = {"code": code, "name": name, "kind": kind.value, "jurisdiction": jurisdiction}
        return _refused(request, actor, session, exc, form, "organisation")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/api-keys")
@inputs.beside_form
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
    try:
        inputs.refuse_held(request)
        key: ApiKey = api_keys.create_api_key(
            session,
            clock,
            actor,
            organisation=accounts.organisation_by_code(session, organisation),
            role=role,
            name=name,
        )
    except FORM_ERRORS as exc:
        form = {"organisation": organisation, "role": role.value, "name": name}
        return _refused(request, actor, session, exc, form, "api_key")
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
    require(actor, Permission.MANAGE_ACCOUNTS)
    try:
        api_keys.revoke_api_key(session, clock, actor, key_id)
    except FORM_ERRORS as exc:
        return _refused(request, actor, session, exc, {}, "api_key")
    return RedirectResponse("/admin/users", status_code=303)
