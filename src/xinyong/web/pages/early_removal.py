"""Early removal from the black list (SAMR Order 44; decision 0027): the subject applies
from its notices; the recognising agency's queue (overdue first) and the decision page,
where a case officer proposes and another staff member approves. Thin over
``xinyong.lists.early_removal``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor, require_subject_account, same_person
from xinyong.clock import Clock
from xinyong.errors import Conflict, DomainError, InvalidInput, NotAuthenticated
from xinyong.lists import court_defaulters, early_removal, entries
from xinyong.lists import early_removal_rules as rules
from xinyong.subjects.models import Subject
from xinyong.web.api.early_removal import early_removal_terms
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.errors import status_for
from xinyong.web.pages.forms import LINE_BREAKS_AS_ONE, announced, form_error, parse_date
from xinyong.web.pages.lists import _notices_context, early_removal_page_labels
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


@router.post("/me/notices/{entry_id}/early-removal")
def apply(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    obligations_met: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    evidence: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    commitment: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The subject applies for the early removal of its black-list entry; a refusal shows
    beside the entry, with what it wrote kept."""
    check_csrf(request, csrf_token)
    if not actor.authenticated:
        raise NotAuthenticated("log in to apply", code="not_authenticated")
    require_subject_account(
        actor, "only the listed subject applies for early removal", article=rules.ORDER_44
    )
    try:
        early_removal.apply(
            session,
            clock,
            actor,
            entry_id,
            obligations_met=obligations_met,
            evidence=evidence,
            commitment=commitment,
            terms=early_removal_terms(request),
        )
    except (Conflict, InvalidInput) as exc:
        error = form_error(session, exc)
        context = _notices_context(request, session, actor, clock)
        context.update(
            {
                "error": error,
                "error_entry": entry_id,
                "error_form": "early_removal",
                "form": {"obligations_met": obligations_met, "evidence": evidence},
            }
        )
        return render(request, "lists_notices.html", context, status_code=status_for(exc))
    return RedirectResponse(
        f"/me/notices?applied={entry_id}#early-removal-{entry_id}", status_code=303
    )


@router.get("/early-removals", response_class=HTMLResponse)
def agency_queue(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """The recognising agency's applications, overdue first, and the latest decided."""
    found = early_removal.queue(session, clock, actor)
    closed = early_removal.queue(session, clock, actor, closed=True)
    return render(
        request,
        "early_removals.html",
        {"cases": found, "closed": closed, "labels": early_removal_page_labels()},
    )


def _case_context(
    session: Session, clock: Clock, actor: Actor, application_id: int
) -> dict[str, Any]:
    found = early_removal.case(session, clock, actor, application_id)
    steps = early_removal.steps_open(session, actor, found.application)
    a = found.application
    return {
        "found": found,
        "labels": early_removal_page_labels(),
        "staff": actor.subject_id is None,
        "may_propose": "propose" in steps,
        "may_decide": "decide" in steps,
        # The proposer sees that a second officer must approve (separate duties).
        "own_proposal": same_person(session, actor, a.proposed_by),
        "names": accounts.actor_names(
            session, (x for x in (a.proposed_by, a.decided_by) if x), staff=actor.subject_id is None
        ),
        "history": entries.history(session, a.entry_id),
    }


CASE_NOTICES = ("proposed", "decided")


@router.get("/early-removals/{application_id}", response_class=HTMLResponse)
def case_page(
    request: Request,
    application_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    context = _case_context(session, clock, actor, application_id)
    context["notice"] = announced(done, *CASE_NOTICES).notice
    return render(request, "early_removal_case.html", context)


def _step(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    application_id: int,
    step: str,
    run: Any,
    form: dict[str, str],
) -> Response:
    try:
        run()
    except DomainError as exc:
        error = form_error(session, exc)
        context = _case_context(session, clock, actor, application_id)
        context.update({"error": error, "error_form": step, "form": form})
        return render(request, "early_removal_case.html", context, status_code=status_for(exc))
    return RedirectResponse(f"/early-removals/{application_id}?done={step}d", status_code=303)


@router.post("/early-removals/{application_id}/propose")
def propose(
    request: Request,
    application_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    approve: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _step(
        request,
        session,
        clock,
        actor,
        application_id,
        "propose",
        lambda: early_removal.propose(
            session, clock, actor, application_id, approve=approve == "yes", reasons=reasons
        ),
        {"approve": approve, "reasons": reasons},
    )


@router.post("/early-removals/{application_id}/decide")
def decide(
    request: Request,
    application_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    confirm: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=rules.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return _step(
        request,
        session,
        clock,
        actor,
        application_id,
        "decide",
        lambda: early_removal.decide(
            session, clock, actor, application_id, confirm=confirm == "yes", reasons=reasons
        ),
        {"confirm": confirm, "reasons": reasons},
    )


# --- the recognising court confirms a defaulter's performance (3 working days) ---------------


def _court_context(request: Request, session: Session, actor: Actor) -> dict[str, Any]:
    listed = court_defaulters.published_entries(session, actor)
    return {
        "entries": listed,
        "subjects": _subjects(session, [e.subject_id for e in listed]),
        "working_days": app_context(request).settings.court_performance_working_days,
    }


def _subjects(session: Session, ids: list[int]) -> dict[int, Subject | None]:
    return {i: session.get(Subject, i) for i in set(ids)}


@router.get("/court-defaulters", response_class=HTMLResponse)
def court_entries(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
    due: Annotated[str, Query(max_length=10)] = "",
    late: Annotated[str, Query(max_length=3)] = "",
) -> HTMLResponse:
    """The court's defaulters on the list, each with the form to confirm its performance."""
    context = _court_context(request, session, actor)
    context.update({"notice": announced(done, "removed").notice, "due": due, "late": late == "yes"})
    return render(request, "court_defaulters.html", context)


@router.post("/court-defaulters/{entry_id}/performance")
def confirm_performance(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    performed_on: Annotated[str, Form(max_length=20)] = "",
    detail: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=court_defaulters.MAX_DETAIL)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        day = parse_date(performed_on, "performed_on")
        if day is None:
            raise InvalidInput("give the day of performance", code="required", field="performed_on")
        found = court_defaulters.confirm_performance(
            session,
            clock,
            actor,
            entry_id,
            performed_on=day,
            detail=detail,
            working_days=app_context(request).settings.court_performance_working_days,
        )
    except (Conflict, InvalidInput) as exc:
        error = form_error(session, exc)
        context = _court_context(request, session, actor)
        context.update(
            {
                "error": error,
                "error_entry": entry_id,
                "form": {"performed_on": performed_on, "detail": detail},
            }
        )
        return render(request, "court_defaulters.html", context, status_code=status_for(exc))
    late = "no" if found.within else "yes"
    return RedirectResponse(
        f"/court-defaulters?done=removed&due={found.due.isoformat()}&late={late}", status_code=303
    )
