"""The counter for staff accounts (decision 0033), as ``/subject-accounts`` is for subjects:
an officer of the credit authority checks the staff member's identity and releases the
account's activation code, shown once in the answer that releases it; another
administrator does so for an administrator's account. Mirrors
``web.api.staff_accounts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import NO_STORE, check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/staff-accounts", response_class=HTMLResponse)
def staff_accounts_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    return _page(request, actor, session)


def _page(
    request: Request,
    actor: Actor,
    session: Session,
    *,
    issued: accounts.IssuedActivation | None = None,
) -> HTMLResponse:
    users = accounts.list_staff_accounts(session, actor)
    return render(
        request,
        "staff_accounts.html",
        {
            "users": users,
            "may_release": {user.id for user in users if accounts.may_release_code(actor, user)},
            # Whether the next code is an account's first or a new one (as the subject
            # accounts' counter has it, and the release's audit says).
            "renewals": {user.id for user in users if accounts.replaces_credentials(user)},
            "issued": issued,
            **page_helpers(request),
        },
        headers=NO_STORE if issued else None,
    )


@router.post("/staff-accounts/{user_id}/activation-code", response_class=HTMLResponse)
def release_activation_code(
    request: Request,
    user_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    issued = accounts.issue_activation_code(
        session,
        clock,
        actor,
        user_id,
        days=app_context(request).settings.activation_days,
        account="staff",
    )
    return _page(request, actor, session, issued=issued)
