"""The source's view of a record it submitted, with the form to revoke it when the decision
behind it was annulled or withdrawn, or to reinstate it when that revocation no longer
stands (decision 0028). Mirrors ``GET /api/v1/records/{id}``, ``POST
/api/v1/records/{id}/revoke`` and ``POST /api/v1/records/{id}/reinstate``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.clock import Clock
from xinyong.collection import revocation
from xinyong.errors import Conflict, InvalidInput
from xinyong.objections import cases as objection_cases
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import REINSTATEMENT_GROUNDS, REVOCATION_GROUNDS
from xinyong.web.pages.disclosure import disclosure_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf, locale_of

router = APIRouter(include_in_schema=False)


def _render(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    state: FormState = BLANK,
) -> HTMLResponse:
    found = revocation.source_record(session, clock, actor, record_id)
    return render_form(
        request,
        "source_record.html",
        {
            **disclosure_helpers(request),
            "found": found,
            "english": locale_of(request) == "en",
            "history": objection_cases.history_rows(session, found.versions),
            "grounds": REVOCATION_GROUNDS,
            "reinstatement_grounds": REINSTATEMENT_GROUNDS,
        },
        state,
    )


@router.get("/records", response_class=HTMLResponse)
def find_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    number: Annotated[str, Query(max_length=revocation.MAX_DOCUMENT_NUMBER)] = "",
) -> HTMLResponse:
    """Find one of the unit's records by the decision's document number, to open it."""
    require(actor, Permission.SUBMIT_RECORDS)
    state = BLANK
    found: list[revocation.FoundRecord] = []
    if number.strip():
        try:
            found = revocation.find_own(session, clock, actor, number)
        except InvalidInput as exc:
            state = refused(session, exc, {"number": number})
    return render_form(
        request,
        "source_records.html",
        {
            **disclosure_helpers(request),
            "number": number,
            "found": found,
            "searched": bool(number.strip()),
        },
        state,
    )


@router.get("/records/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    record_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """A record as the unit that submitted it sees it, with its history and the form to
    revoke it, or to reinstate it when revoked; only that unit's data reporters."""
    return _render(
        request, session, clock, actor, record_id, announced(done, "revoked", "reinstated")
    )


@router.post("/records/{record_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    record_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    ground: Annotated[str, Form(max_length=32)] = "",
    document_number: Annotated[
        str, LINE_BREAKS_AS_ONE, Form(max_length=revocation.MAX_DOCUMENT_NUMBER)
    ] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=revocation.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Revoke the record: a new version, status revoked (Art. 24)."""
    check_csrf(request, csrf_token)
    form: dict[str, Any] = {
        "ground": ground,
        "document_number": document_number,
        "reason": reason,
    }
    try:
        revocation.revoke(
            session,
            clock,
            actor,
            record_id,
            ground=ground,
            document_number=document_number,
            reason=reason,
        )
    except (InvalidInput, Conflict) as exc:
        return _render(request, session, clock, actor, record_id, refused(session, exc, form))
    return RedirectResponse(f"/records/{record_id}?done=revoked", status_code=303)


@router.post("/records/{record_id}/reinstate", response_class=HTMLResponse)
def reinstate(
    request: Request,
    record_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    ground: Annotated[str, Form(max_length=32)] = "",
    document_number: Annotated[
        str, LINE_BREAKS_AS_ONE, Form(max_length=revocation.MAX_DOCUMENT_NUMBER)
    ] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=revocation.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Reinstate a revoked record: a new version, the record as it would be had it never
    been revoked (Art. 24)."""
    check_csrf(request, csrf_token)
    form: dict[str, Any] = {
        "reinstate_ground": ground,
        "reinstate_document_number": document_number,
        "reinstate_reason": reason,
    }
    try:
        revocation.reinstate(
            session,
            clock,
            actor,
            record_id,
            ground=ground,
            document_number=document_number,
            reason=reason,
        )
    except (InvalidInput, Conflict) as exc:
        return _render(request, session, clock, actor, record_id, refused(session, exc, form))
    return RedirectResponse(f"/records/{record_id}?done=reinstated", status_code=303)
