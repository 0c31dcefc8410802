"""An organisation's API keys, for its own staff (decision 0033): a key the administrator
registered waits here until a staff member holding its role releases its secret, shown
once in the answer that releases it. Mirrors ``web.api.api_keys``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.accounts import api_keys
from xinyong.accounts.models import ApiKey
from xinyong.accounts.permissions import Actor
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.rendering import NO_STORE, check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/api-keys", response_class=HTMLResponse)
def keys_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    return _page(request, actor, session)


def _page(
    request: Request,
    actor: Actor,
    session: Session,
    *,
    released: tuple[ApiKey, str] | None = None,
) -> HTMLResponse:
    keys = api_keys.organisation_keys(session, actor)
    return render(
        request,
        "api_keys.html",
        {
            "keys": keys,
            "may_release": {key.id for key in keys if api_keys.may_release(actor, key)},
            "released": released,
            **page_helpers(request),
        },
        headers=NO_STORE if released else None,
    )


@router.post("/api-keys/{key_id}/secret", response_class=HTMLResponse)
def release_secret(
    request: Request,
    key_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    released = api_keys.release_api_key(session, clock, actor, key_id)
    # Shown once, in this answer, never in the session cookie.
    return _page(request, actor, session, released=released)
