"""Held rows pages: the queue of rows held because their name is not one the subject bears,
and one row's review — release it under the registered subject or reject it (Art. 4 ¶2;
decision 0050). Mirrors ``web.api.held_rows``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.collection import held_rows
from xinyong.errors import Conflict, InvalidInput
from xinyong.web.deps import ActorDep, ClockDep, RowId, RowIdInQuery, SessionDep, app_context
from xinyong.web.pages.collection import page_helpers, rules_by_type_id
from xinyong.web.pages.forms import BLANK, FormState, announced, refused, render_form
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


def _rules_by_code(session: Session) -> dict[str, Any]:
    return {rule.definition.code: rule for rule in rules_by_type_id(session).values()}


@router.get("/held-rows", response_class=HTMLResponse)
def held_rows_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    decided: Annotated[bool, Query()] = False,
    batch: RowIdInQuery = None,
) -> HTMLResponse:
    """The held rows awaiting a decision (or decided), each a link to its review, with how
    long it has waited (Art. 4)."""
    queue = held_rows.held_queue(session, actor, decided=decided, batch_id=batch)
    decide_within = app_context(request).settings.late_submission_working_days
    return render(
        request,
        "held_rows.html",
        {
            **page_helpers(request),
            "rows": queue.rows,
            "queue": queue,
            "waited": held_rows.waiting_times(
                session, clock, queue.rows, decide_within=decide_within
            ),
            "decide_within": decide_within,
            "decided": decided,
            "batch": batch,
            "rules": _rules_by_code(session),
        },
    )


def _render(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    row_id: int,
    state: FormState = BLANK,
) -> HTMLResponse:
    found = held_rows.held_row(session, clock, actor, row_id)
    rules = _rules_by_code(session)
    return render_form(
        request,
        "held_row.html",
        {**page_helpers(request), "found": found, "rule": rules.get(found.row.record_type_code)},
        state,
    )


@router.get("/held-rows/{row_id}", response_class=HTMLResponse)
def held_row_page(
    request: Request,
    row_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """One held row: its values, the subject its code is registered to and the names it
    bears, and the forms to release or reject it. The reading is audited."""
    return _render(request, session, clock, actor, row_id, announced(done, "released", "rejected"))


@router.post("/held-rows/{row_id}/release", response_class=HTMLResponse)
def release(
    request: Request,
    row_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    reasons: Annotated[str, Form(max_length=held_rows.MAX_REASONS)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Release the row under the registered subject, through the pipeline."""
    check_csrf(request, csrf_token)
    settings = app_context(request).settings
    try:
        held_rows.release(
            session,
            clock,
            actor,
            row_id,
            reasons,
            late_after_working_days=settings.late_submission_working_days,
        )
    except (InvalidInput, Conflict) as exc:
        form = {"release_reasons": reasons}
        return _render(request, session, clock, actor, row_id, refused(session, exc, form))
    return RedirectResponse(f"/held-rows/{row_id}?done=released", status_code=303)


@router.post("/held-rows/{row_id}/reject", response_class=HTMLResponse)
def reject(
    request: Request,
    row_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    reasons: Annotated[str, Form(max_length=held_rows.MAX_REASONS)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Reject the row, with reasons: the source corrects it and submits it again."""
    check_csrf(request, csrf_token)
    try:
        held_rows.reject(session, clock, actor, row_id, reasons)
    except (InvalidInput, Conflict) as exc:
        form = {"reject_reasons": reasons}
        return _render(request, session, clock, actor, row_id, refused(session, exc, form))
    return RedirectResponse(f"/held-rows/{row_id}?done=rejected", status_code=303)
