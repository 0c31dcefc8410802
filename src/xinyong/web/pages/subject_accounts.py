"""The credit authority's counter for subject accounts (decision 0031 addendum): its officer
checks the subject's identity and releases the account's activation code, shown once in
the answer that releases it. Mirrors ``web.api.subject_accounts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.subjects.models import Subject
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import NO_STORE, check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/subject-accounts", response_class=HTMLResponse)
def subject_accounts_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    return _page(request, actor, session)


def _page(
    request: Request,
    actor: Actor,
    session: Session,
    *,
    issued: accounts.IssuedActivation | None = None,
) -> HTMLResponse:
    users = accounts.list_subject_accounts(session, actor)
    subjects = {user.id: session.get(Subject, user.subject_id) for user in users if user.subject_id}
    # The accounts whose next code is a new one, not their first (the button says which).
    renewals = {user.id for user in users if accounts.replaces_credentials(user)}
    return render(
        request,
        "subject_accounts.html",
        {
            "users": users,
            "names": accounts.account_labels(session, users),
            "subjects": subjects,
            "renewals": renewals,
            "issued": issued,
            **page_helpers(request),
        },
        headers=NO_STORE if issued else None,
    )


@router.post("/subject-accounts/{user_id}/activation-code", response_class=HTMLResponse)
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
        session, clock, actor, user_id, days=app_context(request).settings.activation_days
    )
    return _page(request, actor, session, issued=issued)
