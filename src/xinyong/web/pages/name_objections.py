"""A natural person's objection to its registered name (Art. 25; decision 0051) in the
pages: the person's own page to raise one and follow it (``/me/name``); the credit
authority's objection handler's queue, with the form to record one on a person's behalf
(``/name-objections``); the case page, where the handler decides; and the evidence."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import evidence_files
from xinyong.accounts.permissions import Actor
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.objections import names as name_objections
from xinyong.objections import rules
from xinyong.objections.models import NameObjectionStatus
from xinyong.subjects.models import Subject
from xinyong.web import inputs
from xinyong.web.api.objections import objection_terms
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import N_
from xinyong.web.pages.disclosure import disclosure_helpers
from xinyong.web.pages.forms import (
    BLANK,
    FormState,
    announced,
    refused,
    refused_or_concealed,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    NameObjectionStatus.RECEIVED.value: N_("Received: the credit authority decides"),
    NameObjectionStatus.UPHELD.value: N_("Upheld: the name was corrected"),
    NameObjectionStatus.REJECTED.value: N_("Not upheld: the name stands"),
}
DEADLINE_LABELS = {"decide": N_("Decide by")}


def _helpers(request: Request) -> dict[str, Any]:
    return {
        **disclosure_helpers(request),
        "name_status": STATUS_LABELS,
        "name_deadline": DEADLINE_LABELS,
        "max_statement": rules.MAX_STATEMENT,
        "max_reasons": rules.MAX_REASONS,
    }


def uploaded_evidence(upload: UploadFile | None) -> str:
    """The uploaded identity document as base64, checked by its content
    (``evidence_files``), or the refusal on field ``evidence``."""
    if upload is None or not upload.filename:
        raise InvalidInput(
            "the objection needs the identity document stating the name, as evidence",
            code="evidence_required",
            field="evidence",
            article=rules.ARTICLE,
        )
    content = upload.file.read(name_objections.MAX_EVIDENCE_BYTES + 1)
    if len(content) > name_objections.MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            "the file is larger than 1.5 MB",
            code="too_large",
            field="evidence",
            article=rules.ARTICLE,
        )
    evidence_files.check(
        content,
        field="evidence",
        filename=upload.filename,
        media_type=upload.content_type,
        article=rules.ARTICLE,
    )
    return base64.b64encode(content).decode("ascii")


# --- the person ---------------------------------------------------------------------------------


def _render_mine(
    request: Request, session: Session, clock: Any, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    mine = name_objections.of_subject(session, clock, actor)
    subject = session.get(Subject, actor.subject_id)
    assert subject is not None
    return render_form(
        request,
        "me_name.html",
        {
            **_helpers(request),
            "subject": subject,
            "staff": False,
            "former": name_objections.former_names(subject),
            "cases": mine,
            "open": any(c.objection.status is NameObjectionStatus.RECEIVED for c in mine),
        },
        state,
    )


@router.get("/me/name", response_class=HTMLResponse)
def my_name(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_mine(request, session, clock, actor, announced(done, "raised"))


@router.post("/me/name", response_class=HTMLResponse)
@inputs.beside_form
def raise_objection(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    # Their lengths are the service's to refuse, beside the form with the text kept.
    name: Annotated[str, Form()] = "",
    statement: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        inputs.refuse_held(request)
        name_objections.raise_objection(
            session,
            clock,
            actor,
            name=name,
            statement=statement,
            evidence=uploaded_evidence(evidence),
            terms=objection_terms(request),
        )
    except (InvalidInput, Conflict) as exc:
        state = refused(session, exc, {"name": name, "statement": statement})
        return _render_mine(request, session, clock, actor, state)
    return RedirectResponse("/me/name?done=raised", status_code=303)


# --- the credit authority's handler -------------------------------------------------------------


def _render_queue(
    request: Request, session: Session, clock: Any, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    return render_form(
        request,
        "name_objections.html",
        {
            **_helpers(request),
            "cases": name_objections.queue(session, clock, actor),
            "closed": name_objections.queue(session, clock, actor, closed=True, limit=50),
        },
        state,
    )


@router.get("/name-objections", response_class=HTMLResponse)
def queue(request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep) -> HTMLResponse:
    return _render_queue(request, session, clock, actor)


@router.post("/name-objections", response_class=HTMLResponse)
@inputs.beside_form
def record_on_behalf(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    citizen_id: Annotated[str, Form(max_length=32)] = "",
    name: Annotated[str, Form()] = "",
    statement: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        inputs.refuse_held(request)
        objection = name_objections.record_on_behalf(
            session,
            clock,
            actor,
            citizen_id=citizen_id,
            name=name,
            statement=statement,
            evidence=uploaded_evidence(evidence),
            terms=objection_terms(request),
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        # The ID number typed is not kept in the form shown again.
        state = refused(session, exc, {"name": name, "statement": statement})
        return _render_queue(request, session, clock, actor, state)
    return RedirectResponse(f"/name-objections/{objection.id}?done=recorded", status_code=303)


def _render_case(
    request: Request,
    session: Session,
    clock: Any,
    actor: Actor,
    objection_id: int,
    state: FormState = BLANK,
) -> HTMLResponse:
    found = name_objections.case(session, clock, actor, objection_id)
    return render_form(
        request,
        "name_objection_case.html",
        {
            **_helpers(request),
            "case": found,
            "staff": actor.subject_id is None,
            "may_decide": name_objections.handler_may_decide(actor, found.objection),
        },
        state,
    )


@router.get("/name-objections/{objection_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_case(
        request, session, clock, actor, objection_id, announced(done, "recorded", "decided")
    )


@router.get("/name-objections/{objection_id}/evidence")
def evidence_file(
    request: Request, objection_id: RowId, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The identity document, for the person and the handler (the handler's read is in
    the person's access log)."""
    found = name_objections.evidence(session, clock, actor, objection_id)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )


@router.post("/name-objections/{objection_id}/decide", response_class=HTMLResponse)
@inputs.beside_form
def decide(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    outcome: Annotated[str, Form(max_length=16)] = "",
    reasons: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        inputs.refuse_held(request)
        name_objections.decide(
            session, clock, actor, objection_id, outcome=outcome, reasons=reasons
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        state = refused_or_concealed(
            request, session, exc, {"outcome": outcome, "reasons": reasons}
        )
        return _render_case(request, session, clock, actor, objection_id, state)
    return RedirectResponse(f"/name-objections/{objection_id}?done=decided", status_code=303)
