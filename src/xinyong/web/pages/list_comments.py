"""The public comment page for red-list candidates: every candidate in its comment period
with what it is proposed for and why, and a form anyone may use to comment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.lists import entries
from xinyong.lists.models import ListKind
from xinyong.lists.publicity import mask_name
from xinyong.web import inputs
from xinyong.web.deps import ActorDep, ClockDep, PublicCommentLimit, RowId, RowIdInQuery, SessionDep
from xinyong.web.pages.forms import BLANK, FormState, refused, render_form
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)


def _render(
    request: Request,
    session: Session,
    clock: Clock,
    state: FormState = BLANK,
    *,
    commented: int | None = None,
    error_entry: int | None = None,
) -> HTMLResponse:
    today = clock.today()
    found = entries.in_comment(session, ListKind.RED, today=today)
    # Their texts with the natural persons' names masked, as the subject's is (Art. 4 ¶2).
    shown = entries.public_texts(session, [e for e, _, _ in found], today=today)
    candidates = [
        {
            "entry": e,
            "shown": shown[e.id],
            "subject": s,
            "standard": std,
            "display_name": s.name if s.is_organisation else mask_name(s.name),
        }
        for e, s, std in found
    ]
    return render_form(
        request,
        "lists_candidates.html",
        {
            "candidates": candidates,
            "commented": commented,
            # Which candidate's form the refusal is shown beside, with the text kept.
            "error_entry": error_entry,
            "max_contact": entries.MAX_CONTACT_LENGTH,
        },
        state,
    )


@router.get("/lists/red/candidates", response_class=HTMLResponse)
def red_candidates(
    request: Request, session: SessionDep, clock: ClockDep, commented: RowIdInQuery = None
) -> HTMLResponse:
    return _render(request, session, clock, commented=commented)


@router.post("/lists/red/candidates/{entry_id}/comment", dependencies=[PublicCommentLimit])
@inputs.beside_form
def comment_on_candidate(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    # Empty or too long, the comment is the service's to refuse, beside the form.
    statement: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        inputs.refuse_held(request)
        entries.comment_on(session, clock, actor, entry_id, statement, contact=contact)
    except (InvalidInput, NotFound, Conflict) as exc:
        state = refused(session, exc, {"statement": statement, "contact": contact})
        return _render(request, session, clock, state, error_entry=entry_id)
    return RedirectResponse(f"/lists/red/candidates?commented={entry_id}", status_code=303)
