"""Objections to credit records (Art. 25) in the pages: the subject's own objections and
the form to raise one (``/me/objections``); the credit authority's objection handler's
queue (``/record-objections``), overdue cases first; the source's queue of forwarded and
upheld cases (``/record-objections/forwarded``); and the case page, where each party
does what its stage allows — forward, decide with reasons, correct or withdraw, or take a
duplicate out of use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.objections import cases, rules
from xinyong.objections import service as objections
from xinyong.objections.models import STOP_USE_GROUNDS, ObjectionStatus, RecordObjection
from xinyong.web import inputs
from xinyong.web.api.objections import objection_terms
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import N_, OBJECTION_GROUND_LABELS
from xinyong.web.pages.disclosure import disclosure_helpers, type_names, version_contents
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    refused_or_concealed,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf, locale_of

router = APIRouter(include_in_schema=False)

GROUND_LABELS = OBJECTION_GROUND_LABELS
STATUS_LABELS = {
    ObjectionStatus.RECEIVED.value: N_("Received: with the credit authority"),
    ObjectionStatus.FORWARDED.value: N_("Forwarded to the source, which decides"),
    ObjectionStatus.UPHELD.value: N_("Upheld: the source corrects the record"),
    ObjectionStatus.CORRECTED.value: N_("Upheld: the record was corrected"),
    ObjectionStatus.WITHDRAWN.value: N_("Upheld: the record was withdrawn from publication"),
    ObjectionStatus.NO_LONGER_USED.value: N_(
        "Upheld: the record is no longer shared or used, as its source cannot correct it"
    ),
    ObjectionStatus.REJECTED.value: N_("Rejected: the record stands"),
    ObjectionStatus.UNCONFIRMED.value: N_(
        "The facts could not be confirmed: the check and the objection are recorded"
    ),
}
# A duplicate's stages in its own words: taken out of use by its source, not corrected.
DUPLICATE_STATUS_LABELS = {
    ObjectionStatus.UPHELD.value: N_("Upheld: the source takes the duplicate out of use"),
    ObjectionStatus.NO_LONGER_USED.value: N_(
        "Upheld: the duplicate is no longer published, shared or used"
    ),
}
DEADLINE_LABELS = {
    "forward": N_("Forward to the source by"),
    "decide": N_("Decide by"),
    "source_decides": N_("The source decides by"),
    "correct": N_("The source corrects by"),
}
OUTCOME_LABELS = {
    "upheld": N_("Upheld"),
    # Not the batch's "Rejected" (rows not received): the objection is found unfounded.
    "rejected": N_("Objection not upheld"),
    "unconfirmed": N_("Facts could not be confirmed"),
}
LABELS = {
    "ground": GROUND_LABELS,
    "objection_status": STATUS_LABELS,
    "deadline": DEADLINE_LABELS,
    "outcome": OUTCOME_LABELS,
}


def status_label(objection: RecordObjection) -> str:
    """The case's stage in words (untranslated): a duplicate's in its own, unless the credit
    authority carried it out in the place of a deregistered source (decision 0024)."""
    if objection.ground in STOP_USE_GROUNDS and objection.completed_by_source is not False:
        own = DUPLICATE_STATUS_LABELS.get(objection.status.value)
        if own is not None:
            return own
    return STATUS_LABELS[objection.status.value]


def _helpers(request: Request) -> dict[str, Any]:
    return {
        **disclosure_helpers(request),
        "olabels": LABELS,
        "objection_status_label": status_label,
        "grounds": list(GROUND_LABELS),
        "english": locale_of(request) == "en",
    }


# --- the subject --------------------------------------------------------------------------------


def _render_mine(
    request: Request, session: Session, clock: Any, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    mine = cases.of_subject(session, actor)
    return render_form(
        request,
        "me_objections.html",
        {
            **_helpers(request),
            "cases": cases.cases_of(session, clock, mine),
            "records": cases.objectionable_records(session, actor),
            "type_names": type_names(session, locale=locale_of(request)),
        },
        state,
    )


@router.get("/me/objections", response_class=HTMLResponse)
def my_objections(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_mine(request, session, clock, actor, announced(done, "raised"))


@router.post("/me/objections", response_class=HTMLResponse)
@inputs.beside_form
def raise_objection(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    record: Annotated[int, Form(ge=1, le=2**62)],
    ground: Annotated[str, Form(max_length=32)] = "",
    # Its length is the service's to refuse, beside the form with the text kept.
    statement: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        inputs.refuse_held(request)
        objections.raise_objection(
            session,
            clock,
            actor,
            record,
            ground=ground,
            statement=statement,
            terms=objection_terms(request),
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        form = {"record": record, "ground": ground, "statement": statement}
        state = refused_or_concealed(request, session, exc, form)
        return _render_mine(request, session, clock, actor, state)
    return RedirectResponse("/me/objections?done=raised", status_code=303)


# --- the queues ---------------------------------------------------------------------------------


@router.get("/record-objections", response_class=HTMLResponse)
def handler_queue(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return render_form(
        request,
        "record_objections.html",
        {
            **_helpers(request),
            "mode": "handler",
            "cases": cases.handler_queue(session, clock, actor),
            "closed": cases.handler_queue(session, clock, actor, closed=True, limit=50),
        },
        BLANK,
    )


@router.get("/record-objections/forwarded", response_class=HTMLResponse)
def source_queue(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return render_form(
        request,
        "record_objections.html",
        {
            **_helpers(request),
            "mode": "source",
            "cases": cases.source_queue(session, clock, actor),
            "closed": [],
        },
        BLANK,
    )


# --- the case -----------------------------------------------------------------------------------


def _render_case(
    request: Request,
    session: Session,
    clock: Any,
    actor: Actor,
    objection_id: int,
    state: FormState = BLANK,
    *,
    error_form: str = "",
) -> HTMLResponse:
    case = cases.case(session, clock, actor, objection_id)
    steps = objections.steps_open(
        actor,
        case.objection,
        source_outside_register=case.source_outside_register is not None,
    )
    versions = cases.record_history(session, case.record.id)
    return render_form(
        request,
        "record_objection_case.html",
        {
            **_helpers(request),
            "case": case,
            "staff": actor.subject_id is None,
            "history": cases.history_rows(session, versions),
            "contents": version_contents(
                objections.definition_of(session, case.record),
                [version.payload for version in versions],
                locale=locale_of(request),
            ),
            "may_forward": "forward" in steps,
            "may_decide": "decide" in steps,
            "may_correct": "correct" in steps,
            "may_withdraw": "withdraw" in steps,
            "may_stop_use": "stop_use" in steps,
            "fields": objections.correctable_fields(session, case.objection)
            if "correct" in steps
            else [],
            "outcome": rules.outcome(case.objection),
            "error_form": error_form,
        },
        state,
    )


@router.get("/record-objections/{objection_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_case(
        request,
        session,
        clock,
        actor,
        objection_id,
        announced(done, "forwarded", "decided", "corrected", "withdrawn", "out_of_use"),
    )


def _acted(
    request: Request,
    session: Session,
    clock: Any,
    actor: Actor,
    objection_id: int,
    *,
    action: Any,
    done: str,
    form_name: str,
    form: dict[str, Any],
) -> Response:
    try:
        inputs.refuse_held(request)
        action()
    except (InvalidInput, Conflict, NotFound) as exc:
        state = refused(session, exc, form)
        return _render_case(
            request, session, clock, actor, objection_id, state, error_form=form_name
        )
    return RedirectResponse(f"/record-objections/{objection_id}?done={done}", status_code=303)


@router.post("/record-objections/{objection_id}/forward", response_class=HTMLResponse)
@inputs.beside_form
def forward(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        objection_id,
        action=lambda: objections.forward(session, clock, actor, objection_id, note=note),
        done="forwarded",
        form_name="forward",
        form={"note": note},
    )


@router.post("/record-objections/{objection_id}/decide", response_class=HTMLResponse)
@inputs.beside_form
def decide(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    outcome: Annotated[str, Form(max_length=16)] = "",
    reasons: Annotated[str, Form()] = "",
    check_made: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        objection_id,
        action=lambda: objections.decide(
            session,
            clock,
            actor,
            objection_id,
            outcome=outcome,
            reasons=reasons,
            check_made=check_made,
        ),
        done="decided",
        form_name="decide",
        form={"outcome": outcome, "reasons": reasons, "check_made": check_made},
    )


@router.post("/record-objections/{objection_id}/correct", response_class=HTMLResponse)
@inputs.beside_form
async def correct(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The fields come as ``field.NAME``, prefilled with the current version: what is left
    as it was stays, an emptied optional field is removed."""
    check_csrf(request, csrf_token)
    submitted = await request.form()
    values = {
        key.removeprefix("field."): str(value)
        for key, value in submitted.items()
        if key.startswith("field.") and isinstance(value, str) and len(value) <= 5000
    }
    return _acted(
        request,
        session,
        clock,
        actor,
        objection_id,
        action=lambda: objections.correct(
            session, clock, actor, objection_id, values=values, note=note
        ),
        done="corrected",
        form_name="correct",
        form={"note": note, "values": values},
    )


@router.post("/record-objections/{objection_id}/withdraw", response_class=HTMLResponse)
@inputs.beside_form
def withdraw(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        objection_id,
        action=lambda: objections.withdraw(session, clock, actor, objection_id, note=note),
        done="withdrawn",
        form_name="withdraw",
        form={"note": note},
    )


@router.post("/record-objections/{objection_id}/stop-use", response_class=HTMLResponse)
@inputs.beside_form
def stop_use(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        objection_id,
        action=lambda: objections.stop_use(session, clock, actor, objection_id, note=note),
        done="out_of_use",
        form_name="stop_use",
        form={"note": note},
    )
