"""Credit repair (Art. 20–23): the subject applies and follows its cases; the credit
authority's objection handler accepts or refuses within 10 working days; the record's
source decides within 3; fraud terminates the case or revokes its result (Art. 23); anyone
holding a case's query code sees its progress."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from xinyong.repair import cases, rules
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["credit repair"])


def repair_terms(request: Request) -> rules.Terms:
    """The terms as configured (``XINYONG_REPAIR_*``), kept with a new case."""
    settings = app_context(request).settings
    return rules.Terms(
        feedback=settings.repair_feedback_working_days,
        decide=settings.repair_decision_working_days,
        fraud_exclusion_months=settings.repair_fraud_exclusion_months,
    )


def excludes_serious_list(request: Request) -> bool:
    return app_context(request).settings.repair_excludes_serious_list


def case_out(found: cases.Case, *, staff: bool) -> dict[str, Any]:
    c: RepairCase = found.case
    body: dict[str, Any] = {
        "id": c.id,
        "record": {
            "id": found.record.id,
            "type_name": found.record_type_name,
            "type_name_en": found.record_type_name_en,
            "status": found.record.status.value,
            "version": found.record.current_version_no,
            "decision_date": found.record.decision_date.isoformat(),
        },
        "source": {
            "name": found.source_name,
            # A credit service institution outside the active register: the credit
            # authority's case officer takes its steps (Art. 26; decision 0024 addendum).
            "outside_register": found.source_outside_register,
        },
        "commitment_record": c.commitment_record_id,
        "correction": c.correction,
        "evidence": c.evidence,
        "checklist": c.checklist,
        "status": c.status.value,
        "applied_on": c.received_on.isoformat(),
        "feedback": None
        if c.feedback_at is None
        else {"at": c.feedback_at.isoformat(), "reasons": c.feedback_reasons},
        "decision": None
        if c.decided_at is None
        else {
            "at": c.decided_at.isoformat(),
            # The source, or the credit authority in the place of a source outside the
            # register of credit service institutions.
            "by": "credit_authority" if c.decided_by_source is False else "source",
            "reasons": c.decision_reasons,
            "article": rules.ARTICLE,
            "result_version": c.result_version_no,
        },
        "fraud": None
        if c.fraud_at is None
        else {
            "at": c.fraud_at.isoformat(),
            "by": "credit_authority" if c.fraud_by_source is False else "source",
            "reasons": c.fraud_reasons,
            "article": "Art. 23",
            "restored_version": c.restored_version_no,
        },
        "deadlines": [d.as_dict() for d in found.deadlines],
        "overdue": found.overdue,
    }
    if staff:
        body["subject"] = {"code": found.subject.public_code, "name": found.subject.name}
    else:
        body["query_code"] = c.query_code
    return body


class ApplicationIn(BaseModel):
    correction: str = Field(min_length=1, max_length=rules.MAX_TEXT)
    evidence: str = Field(min_length=1, max_length=rules.MAX_TEXT)
    declared: list[Annotated[str, Field(max_length=32)]] = Field(max_length=len(rules.DECLARATIONS))
    commitment_record: int | None = Field(default=None, ge=1, le=2**62)
    commitment_text: str = Field(default="", max_length=rules.MAX_TEXT)


@router.get("/me/records/{record_id}/repair-checklist", responses=refusals(403, 404, 409))
def checklist(
    record_id: RowId,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    commitment_record: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    """The conditions (Art. 21 ¶2, Order 36) and exclusions (Art. 22) for repairing one
    record of my file, before the application's statements: those that depend on them
    show as not met until they are given."""
    checks = repair.checklist(
        session,
        clock,
        actor,
        record_id,
        commitment_record_id=commitment_record,
        terms=repair_terms(request),
        excludes_serious_list=excludes_serious_list(request),
    )
    return {"items": [check.as_dict() for check in checks]}


@router.post("/me/records/{record_id}/repairs", status_code=201, responses=refusals(403, 404, 409))
def apply(
    record_id: RowId,
    body: ApplicationIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """I apply to repair a record of my file: how the conduct was corrected, the evidence,
    the Art. 21 ¶2 declarations (``corrected``, ``committed``, ``supervision``,
    ``penalty_performed``) and a credit commitment — linked, or made now with
    ``commitment_text``. Refused (422 ``repair_condition_unmet``, 409 ``not_repairable``)
    naming the article and the condition; ``details.failed`` lists every failed one. A
    linked commitment counts when made to the record's source (Art. 21 ¶2(2)); market
    credit information is not repaired here (409 ``market_record_not_repairable``, Art. 20
    ¶2)."""
    case = repair.apply(
        session,
        clock,
        actor,
        record_id,
        correction=body.correction,
        evidence=body.evidence,
        declared=set(body.declared),
        commitment_record_id=body.commitment_record,
        commitment_text=body.commitment_text,
        terms=repair_terms(request),
        excludes_serious_list=excludes_serious_list(request),
    )
    return case_out(cases.case(session, clock, actor, case.id), staff=False)


@router.get("/me/repairs", responses=refusals(403))
def my_repairs(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """My repair applications, newest first, with stage, deadlines and decisions."""
    mine = cases.of_subject(session, actor)
    return {"items": [case_out(c, staff=False) for c in cases.cases_of(session, clock, mine)]}


@router.get("/repair-cases", responses=refusals(403))
def authority_queue(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    closed: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    """The credit authority: every open case, overdue first (or the latest closed)."""
    return {
        "items": [
            case_out(c, staff=True)
            for c in cases.authority_queue(session, clock, actor, closed=closed)
        ]
    }


@router.get("/repair-cases/source", responses=refusals(403))
def source_queue(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The record's source: its open cases (overdue first) and approved ones. For the credit
    authority's case officer, those of every source that is a credit service institution
    outside the register, whose steps it takes (`source.outside_register`)."""
    return {"items": [case_out(c, staff=True) for c in cases.source_queue(session, clock, actor)]}


@router.get("/repair-cases/{case_id}", responses=refusals(403, 404))
def one_case(
    case_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One case, for its subject, the credit authority and the record's source; a staff
    read is in the subject's access log."""
    return case_out(cases.case(session, clock, actor, case_id), staff=actor.subject_id is None)


class FeedbackIn(BaseModel):
    accept: bool
    reasons: str = Field(default="", max_length=rules.MAX_TEXT)


@router.post("/repair-cases/{case_id}/feedback", responses=refusals(403, 404, 409))
def feedback(
    case_id: RowId,
    body: FeedbackIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The platform accepts the case for processing (the source receives it) or does not,
    with reasons."""
    repair.feedback(session, clock, actor, case_id, accept=body.accept, reasons=body.reasons)
    return case_out(cases.case(session, clock, actor, case_id), staff=True)


class DecisionIn(BaseModel):
    approve: bool
    reasons: str = Field(min_length=1, max_length=rules.MAX_TEXT)


@router.post("/repair-cases/{case_id}/decide", responses=refusals(403, 404, 409))
def decide(
    case_id: RowId,
    body: DecisionIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The record's source decides with reasons — or the credit authority's case officer in
    the place of a source outside the register (`decision.by`); approved, the record is
    repaired. Approval checks the exclusions again (409 `not_repairable`): the cases of
    Art. 22, and where configured the serious list (`serious_list`)."""
    repair.decide(
        session,
        clock,
        actor,
        case_id,
        approve=body.approve,
        reasons=body.reasons,
        excludes_serious_list=excludes_serious_list(request),
    )
    return case_out(cases.case(session, clock, actor, case_id), staff=True)


class FraudIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=rules.MAX_TEXT)


@router.post("/repair-cases/{case_id}/fraud", responses=refusals(403, 404, 409))
def fraud(
    case_id: RowId,
    body: FraudIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Art. 23: fraud confirmed. An open case is terminated; an approved one is revoked
    and the record restored."""
    repair.fraud(session, clock, actor, case_id, reasons=body.reasons)
    return case_out(cases.case(session, clock, actor, case_id), staff=True)


@router.get("/repair-progress/{query_code}", responses=refusals(404))
def progress(query_code: str, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """Anyone with the query code: the case's status and dates, nothing personal."""
    return cases.progress(session, clock, query_code[:32])
