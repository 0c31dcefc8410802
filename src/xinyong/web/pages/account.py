"""A person's own account page (decision 0033): who they are on the platform, and the
account's history from the audit trail: who created it, who released each activation code
and when it was activated. A staff member sees there who released the code his first
session rests on, as a subject does on /me (decision 0031). Mirrors
``GET /api/v1/me/account``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from xinyong.accounts import service as accounts
from xinyong.web.deps import ActorDep, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/account", response_class=HTMLResponse)
def own_account(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    user = accounts.own_account(session, actor)
    return render(
        request,
        "account.html",
        {
            "user": user,
            "name": accounts.account_label(user),
            "events": accounts.account_history(session, actor),
            **page_helpers(request),
        },
    )
