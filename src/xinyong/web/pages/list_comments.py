"""The public comment page for red-list candidates: every candidate in its comment period
with what it is proposed for and why, and a form anyone may use to comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.lists import entries
from xinyong.lists.models import ListKind
from xinyong.lists.publicity import mask_name
from xinyong.web.deps import ActorDep, ClockDep, PublicCommentLimit, RowId, SessionDep
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


@router.get("/lists/red/candidates", response_class=HTMLResponse)
def red_candidates(
    request: Request, session: SessionDep, clock: ClockDep, commented: int | None = None
) -> HTMLResponse:
    candidates = [
        {
            "entry": e,
            "subject": s,
            "standard": std,
            "display_name": s.name if s.is_organisation else mask_name(s.name),
        }
        for e, s, std in entries.in_comment(session, ListKind.RED, today=clock.today())
    ]
    return render(
        request,
        "lists_candidates.html",
        {
            "candidates": candidates,
            "commented": commented,
            "max_statement": entries.MAX_COMMENT_LENGTH,
            "max_contact": entries.MAX_CONTACT_LENGTH,
        },
    )


@router.post("/lists/red/candidates/{entry_id}/comment", dependencies=[PublicCommentLimit])
def comment_on_candidate(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    statement: Annotated[str, Form(max_length=entries.MAX_COMMENT_LENGTH)],
    contact: Annotated[str, Form(max_length=entries.MAX_CONTACT_LENGTH)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    entries.comment_on(session, clock, actor, entry_id, statement, contact=contact)
    return RedirectResponse(f"/lists/red/candidates?commented={entry_id}", status_code=303)
