"""Credit repair (Art. 20–23) in the pages: the subject's applications and the form to
apply with its checklist (``/me/repairs``); the credit authority's view of every case
(``/repair-cases``) and the source's queue (``/repair-cases/source``), overdue first; the
case page, where each party does what the stage allows; and the public progress page
(``/repair-progress``), which shows a case's status and dates to anyone with its code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.collection.models import RecordStatus
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound
from xinyong.objections import cases as objection_cases
from xinyong.repair import cases, rules
from xinyong.repair import service as repair
from xinyong.repair.models import RepairStatus
from xinyong.web.api.repair import excludes_serious_list, repair_terms
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, settle_refusal
from xinyong.web.labels import N_
from xinyong.web.pages.disclosure import disclosure_helpers
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

STATUS_LABELS = {
    RepairStatus.SUBMITTED.value: N_("Submitted: the platform accepts it or not"),
    RepairStatus.ACCEPTED.value: N_("Accepted for processing: the source decides"),
    RepairStatus.NOT_ACCEPTED.value: N_("Not accepted"),
    RepairStatus.APPROVED.value: N_("Approved: the record is repaired"),
    RepairStatus.REJECTED.value: N_("Repair rejected: the record stands"),
    RepairStatus.TERMINATED.value: N_("Terminated: fraud found during the procedure"),
    RepairStatus.REVOKED.value: N_("Revoked: fraud found after, the record is restored"),
}
DEADLINE_LABELS = {
    "feedback": N_("The platform accepts or refuses by"),
    "decide": N_("The source decides by"),
}
CHECK_LABELS = {
    "publicity_period_passed": N_(
        "The minimum publicity period has passed (minor records: the legal duties are met)"
    ),
    "conduct_corrected": N_("The conduct is corrected and its bad effects essentially removed"),
    "commitment_made": N_("A public credit commitment not to repeat the conduct is made"),
    "accepts_supervision": N_(
        "You accept the source's supervision, checks and integrity interviews"
    ),
    "penalty_performed": N_("The penalty decision or obligation is performed, with evidence"),
    "art22_1": N_("Not a case of serious harm to health or life"),
    "art22_2": N_("Not a case of serious harm to fair competition or social order"),
    "art22_3": N_("Not a refusal of legal duties that seriously harms public bodies' credibility"),
    "art22_4": N_("Not a refusal of national defence duties"),
    "art22_5": N_("No other law excludes repair"),
    "under_objection": N_("The record is not under objection"),
    "repair_pending": N_("No other application to repair this record is being handled"),
    "fraud_exclusion_period": N_("No repair of yours ended for fraud in the exclusion period"),
    "serious_list": N_("You are not a seriously dishonest subject on the black list"),
}
DECLARATION_LABELS = {
    "corrected": N_(
        "I have corrected the conduct and its bad effects are essentially removed (Art. 21 ¶2 (1))"
    ),
    "committed": N_("I commit not to repeat it, by the credit commitment below (Art. 21 ¶2 (2))"),
    "supervision": N_(
        "I accept the source's supervision, checks and integrity interviews (Art. 21 ¶2 (3))"
    ),
    "penalty_performed": N_(
        "I have performed the penalty decision, if there was one (Art. 21 ¶2 (4))"
    ),
}
LABELS = {
    "status": STATUS_LABELS,
    "deadline": DEADLINE_LABELS,
    "check": CHECK_LABELS,
    "declaration": DECLARATION_LABELS,
}


def _helpers(request: Request) -> dict[str, Any]:
    return {
        **disclosure_helpers(request),
        "rlabels": LABELS,
        "declarations": rules.DECLARATIONS,
        "english": locale_of(request) == "en",
    }


# --- the subject --------------------------------------------------------------------------------


def _render_mine(
    request: Request,
    session: Session,
    clock: Any,
    actor: Actor,
    state: FormState = BLANK,
    *,
    preview: int | None = None,
) -> HTMLResponse:
    checklist = None
    chosen = preview or (state.form.get("record") if state.form else None)
    if chosen:
        try:
            checklist = repair.checklist(
                session,
                clock,
                actor,
                int(chosen),
                correction=str(state.form.get("correction", "")),
                evidence=str(state.form.get("evidence", "")),
                declared=set(state.form.get("declared", ())),
                commitment_record_id=state.form.get("commitment_record") or None,
                committing=bool(str(state.form.get("commitment_text", "")).strip()),
                terms=repair_terms(request),
                excludes_serious_list=excludes_serious_list(request),
            )
        except ConcealedRefusal as exc:
            # Another subject's record, shown as a missing one and audited as the refused
            # access it is; after a refused application (``state``), that refusal was
            # recorded already, for the same record.
            if preview is not None:
                settle_refusal(request, session, exc)
        except (InvalidInput, Conflict, NotFound):
            checklist = None
    # Read after the checklist: recording its refusal rolls the session back.
    mine = cases.of_subject(session, actor)
    # For a record checked, only the commitments that count for it are offered to link:
    # those its source accepted (Art. 21 ¶2(2)); the others are listed with why not.
    commitments = (
        cases.commitments(session, actor)
        if checklist is None or not chosen
        else cases.commitments_for(session, actor, int(chosen))
    )
    return render_form(
        request,
        "me_repairs.html",
        {
            **_helpers(request),
            "cases": cases.cases_of(session, clock, mine),
            "records": cases.repairable_records(session, actor),
            "commitments": commitments,
            "checklist": checklist,
            "chosen": int(chosen) if chosen else None,
        },
        state,
    )


@router.get("/me/repairs", response_class=HTMLResponse)
def my_repairs(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
    record: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    return _render_mine(request, session, clock, actor, announced(done, "applied"), preview=record)


@router.post("/me/repairs", response_class=HTMLResponse)
def apply(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    record: Annotated[int, Form(ge=1, le=2**62)],
    correction: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    evidence: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    declared: Annotated[list[str] | None, Form(max_length=8)] = None,
    commitment_record: Annotated[str, Form(max_length=20)] = "",
    commitment_text: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    chosen = set(declared or ()) & set(rules.DECLARATIONS)
    # Only ASCII digits within a row id: "²" is a digit to str.isdigit but no number.
    linked = (
        int(commitment_record)
        if commitment_record.isascii()
        and commitment_record.isdigit()
        and 1 <= int(commitment_record) <= 2**62
        else None
    )
    try:
        repair.apply(
            session,
            clock,
            actor,
            record,
            correction=correction,
            evidence=evidence,
            declared=chosen,
            commitment_record_id=linked,
            commitment_text=commitment_text,
            terms=repair_terms(request),
            excludes_serious_list=excludes_serious_list(request),
        )
    except (InvalidInput, Conflict, NotFound) as exc:
        form = {
            "record": record,
            "correction": correction,
            "evidence": evidence,
            "declared": sorted(chosen),
            "commitment_record": linked,
            "commitment_text": commitment_text,
        }
        state = refused_or_concealed(request, session, exc, form)
        return _render_mine(request, session, clock, actor, state)
    return RedirectResponse("/me/repairs?done=applied", status_code=303)


# --- the queues ---------------------------------------------------------------------------------


@router.get("/repair-cases", response_class=HTMLResponse)
def authority_queue(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return render_form(
        request,
        "repair_cases.html",
        {
            **_helpers(request),
            "mode": "authority",
            "cases": cases.authority_queue(session, clock, actor),
            "closed": cases.authority_queue(session, clock, actor, closed=True, limit=50),
        },
        BLANK,
    )


@router.get("/repair-cases/source", response_class=HTMLResponse)
def source_queue(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    return render_form(
        request,
        "repair_cases.html",
        {
            **_helpers(request),
            "mode": "source",
            "stand_in": repair.is_stand_in(actor),
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
    case_id: int,
    state: FormState = BLANK,
    *,
    error_form: str = "",
) -> HTMLResponse:
    found = cases.case(session, clock, actor, case_id)
    steps = repair.steps_open(
        actor,
        found.case,
        source_outside_register=found.source_outside_register is not None,
        record_status=found.record.status,
    )
    return render_form(
        request,
        "repair_case.html",
        {
            **_helpers(request),
            "found": found,
            "staff": actor.subject_id is None,
            # Only the queues the reader may open are linked.
            "authority_queue": cases.sees_authority_queue(actor),
            "source_queue": cases.sees_source_queue(actor),
            # The record's versions as the credit file shows them (Art. 24).
            "history": objection_cases.history_rows(
                session, objection_cases.record_history(session, found.record.id)
            ),
            "may_feedback": "feedback" in steps,
            "may_decide": "decide" in steps,
            "may_approve": "approve" in steps,
            # Approval waits while the record is under objection (Art. 25): said, not offered.
            "approval_waits": "decide" in steps
            and "approve" not in steps
            and found.record.status is RecordStatus.UNDER_OBJECTION,
            "may_terminate": "terminate" in steps,
            "may_revoke": "revoke" in steps,
            "error_form": error_form,
        },
        state,
    )


@router.get("/repair-cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    case_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_case(
        request, session, clock, actor, case_id, announced(done, "feedback", "decided", "fraud")
    )


def _acted(
    request: Request,
    session: Session,
    clock: Any,
    actor: Actor,
    case_id: int,
    *,
    action: Callable[[], Any],
    done: str,
    form: dict[str, Any],
) -> Response:
    try:
        action()
    except (InvalidInput, Conflict, NotFound) as exc:
        state = refused(session, exc, form)
        return _render_case(request, session, clock, actor, case_id, state, error_form=done)
    return RedirectResponse(f"/repair-cases/{case_id}?done={done}", status_code=303)


@router.post("/repair-cases/{case_id}/feedback", response_class=HTMLResponse)
def feedback(
    request: Request,
    case_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    accept: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        case_id,
        action=lambda: repair.feedback(
            session, clock, actor, case_id, accept=accept == "yes", reasons=reasons
        ),
        done="feedback",
        form={"accept": accept, "reasons": reasons},
    )


@router.post("/repair-cases/{case_id}/decide", response_class=HTMLResponse)
def decide(
    request: Request,
    case_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    approve: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        case_id,
        action=lambda: repair.decide(
            session,
            clock,
            actor,
            case_id,
            approve=approve == "yes",
            reasons=reasons,
            excludes_serious_list=excludes_serious_list(request),
        ),
        done="decided",
        form={"approve": approve, "reasons": reasons},
    )


@router.post("/repair-cases/{case_id}/fraud", response_class=HTMLResponse)
def fraud(
    request: Request,
    case_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        request,
        session,
        clock,
        actor,
        case_id,
        action=lambda: repair.fraud(session, clock, actor, case_id, reasons=reasons),
        done="fraud",
        form={"reasons": reasons},
    )


# --- the public progress page -------------------------------------------------------------------


@router.get("/repair-progress", response_class=HTMLResponse)
def progress(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    found, error = None, None
    if code.strip():
        try:
            found = cases.progress(session, clock, code)
        except NotFound as exc:
            error = exc.as_dict()
    return render_form(
        request,
        "repair_progress.html",
        {**_helpers(request), "progress": found, "code": code},
        FormState(error=error, status_code=404 if error else 200),
    )
