"""Early removal from the black list on the subject's application (SAMR Order 44; decision
0027): the subject sees whether it may apply and applies; the recognising agency's case
officer proposes, another of its staff approves (four eyes), within 10 working days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from xinyong.lists import court_defaulters, early_removal
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import EarlyRemovalApplication
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["lists"])


def early_removal_terms(request: Request) -> rules.Terms:
    """As configured (``XINYONG_EARLY_REMOVAL_*``); kept with a new application."""
    settings = app_context(request).settings
    return rules.Terms(
        min_months=settings.early_removal_min_months,
        decide=settings.early_removal_decision_working_days,
    )


def application_out(a: EarlyRemovalApplication) -> dict[str, Any]:
    return {
        "id": a.id,
        "entry_id": a.entry_id,
        "status": a.status.value,
        "obligations_met": a.obligations_met,
        "evidence": a.evidence,
        "commitment": a.commitment,
        "eligibility": a.eligibility,
        "applied_on": a.received_on.isoformat(),
        "proposal": None
        if a.proposed_at is None
        else {
            "at": a.proposed_at.isoformat(),
            "by": a.proposed_by,
            "approve": a.proposal_approve,
            "reasons": a.proposal_reasons,
        },
        "decision": None
        if a.decided_at is None
        else {
            "at": a.decided_at.isoformat(),
            "by": a.decided_by,
            "reasons": a.decision_reasons,
            "article": rules.ORDER_44,
        },
    }


def case_out(c: early_removal.Case) -> dict[str, Any]:
    return {
        **application_out(c.application),
        "entry": {
            "id": c.entry.id,
            "status": c.entry.status.value,
            "standard": c.standard.name,
            "term_start": c.entry.term_start.isoformat() if c.entry.term_start else None,
            "term_end": c.entry.term_end.isoformat() if c.entry.term_end else None,
            "removal_reason": c.entry.removal_reason.value if c.entry.removal_reason else None,
        },
        "subject": {"code": c.subject.public_code, "name": c.subject.name},
        "deadline": c.deadline.as_dict() if c.deadline else None,
        "overdue": c.overdue,
    }


@router.get("/me/list-entries/{entry_id}/early-removal", responses=refusals(403, 404))
def eligibility(
    entry_id: RowId,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Whether I may apply now for the early removal of my black-list entry: every
    condition, met or not, with its basis (SAMR Order 44); and the commitment I make."""
    checks = early_removal.eligibility(
        session, clock, actor, entry_id, terms=early_removal_terms(request)
    )
    return {
        "eligible": not rules.failed(checks),
        "checks": [c.as_dict() for c in checks],
        "commitment": rules.COMMITMENT,
    }


class ApplicationIn(BaseModel):
    obligations_met: str = Field(min_length=1, max_length=rules.MAX_TEXT)
    evidence: str = Field(min_length=1, max_length=rules.MAX_TEXT)
    commitment: bool = Field(
        description="I make the public credit commitment (``commitment`` of the GET answer)"
    )


@router.post(
    "/me/list-entries/{entry_id}/early-removal",
    status_code=201,
    responses=refusals(403, 404, 409),
)
def apply(
    entry_id: RowId,
    body: ApplicationIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Apply for the early removal of my black-list entry (409 ``not_eligible`` naming the
    unmet condition in ``field``, or ``application_pending``; 422 ``commitment_required``)."""
    application = early_removal.apply(
        session,
        clock,
        actor,
        entry_id,
        obligations_met=body.obligations_met,
        evidence=body.evidence,
        commitment=body.commitment,
        terms=early_removal_terms(request),
    )
    return application_out(application)


@router.get("/early-removals", responses=refusals(403))
def agency_queue(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep, closed: bool = False
) -> dict[str, Any]:
    """The recognising agency's applications: open ones overdue first, or the latest
    decided (``closed``). In each subject's access log."""
    return {
        "items": [case_out(c) for c in early_removal.queue(session, clock, actor, closed=closed)]
    }


@router.get("/early-removals/{application_id}", responses=refusals(403, 404))
def one(
    application_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One application: its subject, the recognising agency, the credit authority."""
    return case_out(early_removal.case(session, clock, actor, application_id))


class ProposalIn(BaseModel):
    approve: bool
    reasons: str = Field(min_length=1, max_length=rules.MAX_TEXT)


@router.post("/early-removals/{application_id}/propose", responses=refusals(403, 404, 409))
def propose(
    application_id: RowId,
    body: ProposalIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """A case officer of the recognising agency proposes approval or rejection."""
    early_removal.propose(
        session, clock, actor, application_id, approve=body.approve, reasons=body.reasons
    )
    return case_out(early_removal.case(session, clock, actor, application_id))


class DecisionIn(BaseModel):
    confirm: bool = Field(
        description="true: the proposal decides; false: returned to propose again"
    )
    reasons: str = Field(min_length=1, max_length=rules.MAX_TEXT)


@router.post("/early-removals/{application_id}/decide", responses=refusals(403, 404, 409))
def decide(
    application_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Another staff member of the recognising agency — never the proposer (403
    ``separate_duties``) — confirms the proposal (approved: the entry is removed early) or
    returns it."""
    early_removal.decide(
        session, clock, actor, application_id, confirm=body.confirm, reasons=body.reasons
    )
    return case_out(early_removal.case(session, clock, actor, application_id))


class PerformanceIn(BaseModel):
    performed_on: dt.date
    detail: str = Field(min_length=1, max_length=court_defaulters.MAX_DETAIL)


@router.post("/list-entries/{entry_id}/performance", responses=refusals(403, 404, 409))
def confirm_performance(
    request: Request,
    entry_id: RowId,
    body: PerformanceIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The recognising court confirms that a court judgment defaulter performed: the entry
    is removed (reason ``performed``); ``due`` is ``working_days`` (3 by default, rules.md;
    ``XINYONG_COURT_PERFORMANCE_WORKING_DAYS``) working days after the performance and
    ``within_deadline`` says whether the removal came by then (409 ``not_court_entry`` for
    any other entry)."""
    working_days = app_context(request).settings.court_performance_working_days
    found = court_defaulters.confirm_performance(
        session,
        clock,
        actor,
        entry_id,
        performed_on=body.performed_on,
        detail=body.detail,
        working_days=working_days,
    )
    return {
        "entry_id": found.entry.id,
        "status": found.entry.status.value,
        "removal_reason": found.entry.removal_reason.value if found.entry.removal_reason else None,
        "removal_detail": found.entry.removal_detail,
        "due": found.due.isoformat(),
        "provisional": found.provisional,
        "within_deadline": found.within,
        "working_days": working_days,
        "basis": court_defaulters.PERFORMANCE_BASIS,
    }
