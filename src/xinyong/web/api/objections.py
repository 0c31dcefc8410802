"""Objections to credit records (Art. 25): the subject raises one and follows it; the
credit authority's objection handler forwards or decides; the record's source decides a
forwarded case and corrects or withdraws the record when an objection is upheld, or takes a
duplicate out of use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy.orm import Session

from xinyong.objections import cases, rules
from xinyong.objections import service as objections
from xinyong.objections.models import Ground
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["objections"])


def _line_breaks_as_one(value: Any) -> Any:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# Every objection's statement in a request body (to a record, to a list entry, a public
# comment): the services' limit (``rules.MAX_STATEMENT``), a line break counted as one
# character as the services and the forms count it.
Statement = Annotated[
    str,
    BeforeValidator(_line_breaks_as_one),
    Field(min_length=1, max_length=rules.MAX_STATEMENT),
]
# The reasons of every decision on an objection (to a record, to a list entry), and the
# check recorded with one: the services' limit (``rules.MAX_REASONS``), counted likewise.
Reasons = Annotated[
    str,
    BeforeValidator(_line_breaks_as_one),
    Field(min_length=1, max_length=rules.MAX_REASONS),
]
CheckMade = Annotated[
    str, BeforeValidator(_line_breaks_as_one), Field(max_length=rules.MAX_REASONS)
]


def objection_terms(request: Request) -> rules.Terms:
    """The deadlines' terms as configured (``XINYONG_OBJECTION_*``), kept with a new case."""
    settings = app_context(request).settings
    return rules.Terms(
        forward=settings.objection_forward_working_days,
        decide=settings.objection_decision_working_days,
        source_decides=settings.objection_source_working_days,
        market_days=settings.objection_market_days,
    )


def case_out(case: cases.Case, *, staff: bool) -> dict[str, Any]:
    o = case.objection
    body: dict[str, Any] = {
        "id": o.id,
        "record": {
            "id": case.record.id,
            "type": case.record_type_code,
            "type_name": case.record_type_name,
            "type_name_en": case.record_type_name_en,
            "status": case.record.status.value,
            "version": case.record.current_version_no,
            "decision_date": case.record.decision_date.isoformat(),
        },
        "source": {
            "name": case.source_name,
            # A credit service institution outside the active register: the credit
            # authority decides the case itself (Art. 26; decision 0024 addendum).
            "outside_register": case.source_outside_register,
        },
        "ground": o.ground.value,
        "statement": o.statement,
        "market": o.market,
        "status": o.status.value,
        "received_on": o.received_on.isoformat(),
        "forwarded_on": o.forwarded_on.isoformat() if o.forwarded_on else None,
        "forward_note": o.forward_note,
        "decision": None
        if o.decided_at is None
        else {
            "outcome": rules.outcome(o),
            "at": o.decided_at.isoformat(),
            "by": "source" if o.decided_by_source else "credit_authority",
            "reasons": o.decision_reasons,
            "check_made": o.check_made,
            "article": rules.ARTICLE,
        },
        "completed_at": o.completed_at.isoformat() if o.completed_at else None,
        # Who carried the upheld objection out: the source (a duplicate it took out of use is
        # ``no_longer_used``), or the credit authority in the place of a source deregistered
        # from the register of credit service institutions (status ``no_longer_used``, or
        # ``withdrawn`` on the grounds answered so).
        "completed_by": None
        if o.completed_at is None
        else ("credit_authority" if o.completed_by_source is False else "source"),
        "result_version": o.result_version_no,
        "deadlines": [d.as_dict() for d in case.deadlines],
        "overdue": case.overdue,
    }
    if staff:
        body["subject"] = {"code": case.subject.public_code, "name": case.subject.name}
        # Not public until the source's security officer reviews it (Art. 12(3)).
        body["record"]["awaiting_review"] = bool(case.record.awaiting_review)
    return body


def _history(session: Session, record_id: int) -> list[dict[str, Any]]:
    return [
        {
            "version": v.version_no,
            "at": v.created_at.isoformat(),
            "status": v.status.value,
            "reason": v.reason,
            "detail": v.reason_detail,
            "content": v.payload,
        }
        for v in cases.record_history(session, record_id)
    ]


class ObjectionIn(BaseModel):
    ground: Ground
    statement: Statement


@router.post(
    "/me/records/{record_id}/objections",
    status_code=201,
    responses=refusals(403, 404, 409),
)
def raise_objection(
    record_id: RowId,
    body: ObjectionIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The subject objects to a record of its own file on one of the grounds of Art. 25,
    with a statement; the record is under objection from now on (409 objection_pending
    while an earlier objection to it is open)."""
    objection = objections.raise_objection(
        session,
        clock,
        actor,
        record_id,
        ground=body.ground.value,
        statement=body.statement,
        terms=objection_terms(request),
    )
    return case_out(cases.case(session, clock, actor, objection.id), staff=False)


@router.get("/me/objections", responses=refusals(403))
def my_objections(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """My objections, newest first, each with its stage, deadlines and decision."""
    mine = cases.of_subject(session, actor)
    return {"items": [case_out(c, staff=False) for c in cases.cases_of(session, clock, mine)]}


@router.get("/record-objections", responses=refusals(403))
def handler_queue(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    closed: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    """The credit authority's objection handler: open cases, overdue first (or, with
    ``closed=true``, the most recently closed)."""
    return {
        "items": [
            case_out(c, staff=True)
            for c in cases.handler_queue(session, clock, actor, closed=closed)
        ]
    }


@router.get("/record-objections/forwarded", responses=refusals(403))
def source_queue(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The record's source: cases forwarded to it to decide, and upheld cases waiting for
    its correction or withdrawal."""
    return {"items": [case_out(c, staff=True) for c in cases.source_queue(session, clock, actor)]}


@router.get("/record-objections/{objection_id}", responses=refusals(403, 404))
def one_case(
    objection_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One case with the record's versions (Art. 24): for its subject, the credit
    authority's handler and the record's source. A staff read is in the subject's access
    log."""
    case = cases.case(session, clock, actor, objection_id)
    staff = actor.subject_id is None
    return {
        **case_out(case, staff=staff),
        "history": _history(session, case.record.id),
        **(
            {
                "correctable_fields": [
                    {"name": f.name, "label": f.label_zh, "label_en": f.label_en, "value": f.value}
                    for f in objections.correctable_fields(session, case.objection)
                ]
            }
            if staff
            else {}
        ),
    }


class ForwardIn(BaseModel):
    note: str = Field(default="", max_length=5000)


@router.post("/record-objections/{objection_id}/forward", responses=refusals(403, 404, 409))
def forward(
    objection_id: RowId,
    body: ForwardIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The handler forwards a received case to the record's source, which decides."""
    objections.forward(session, clock, actor, objection_id, note=body.note)
    return case_out(cases.case(session, clock, actor, objection_id), staff=True)


class DecisionIn(BaseModel):
    outcome: str = Field(pattern="^(upheld|rejected|unconfirmed)$")
    reasons: Reasons
    check_made: CheckMade = ""


@router.post("/record-objections/{objection_id}/decide", responses=refusals(403, 404, 409))
def decide(
    objection_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Decide with reasons: the handler a received case, the source a forwarded one.
    ``unconfirmed`` (the facts cannot be confirmed) needs ``check_made``. Upheld while the
    record's source is a deregistered credit service institution, it is carried out at once
    in its place (status ``withdrawn`` or ``no_longer_used``, ``completed_by``
    ``credit_authority``)."""
    objections.decide(
        session,
        clock,
        actor,
        objection_id,
        outcome=body.outcome,
        reasons=body.reasons,
        check_made=body.check_made,
    )
    return case_out(cases.case(session, clock, actor, objection_id), staff=True)


class CorrectionIn(BaseModel):
    values: dict[str, Annotated[str, Field(max_length=5000)]] = Field(max_length=100)
    note: str = Field(min_length=1, max_length=5000)


@router.post("/record-objections/{objection_id}/correct", responses=refusals(403, 404, 409))
def correct(
    objection_id: RowId,
    body: CorrectionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The source's data reporter corrects the record: the changed fields by name, checked
    like an ingested row, stored as a new version "corrected after objection N". Of a type
    reviewed before publicity, the corrected record is not public until the source's
    security officer reviews it (``awaiting_review``, Art. 12(3))."""
    version = objections.correct(
        session, clock, actor, objection_id, values=body.values, note=body.note
    )
    found = cases.case(session, clock, actor, objection_id)
    return {
        **case_out(found, staff=True),
        "version": version.version_no,
        # The corrected content waits for the confidentiality review when its type asks.
        "awaiting_review": bool(found.record.awaiting_review),
    }


class WithdrawalIn(BaseModel):
    note: str = Field(min_length=1, max_length=5000)


@router.post("/record-objections/{objection_id}/withdraw", responses=refusals(403, 404, 409))
def withdraw(
    objection_id: RowId,
    body: WithdrawalIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The source withdraws the record from publication (the content is unchanged)."""
    version = objections.withdraw(session, clock, actor, objection_id, note=body.note)
    return {
        **case_out(cases.case(session, clock, actor, objection_id), staff=True),
        "version": version.version_no,
    }


class StopUseIn(BaseModel):
    note: Reasons


@router.post("/record-objections/{objection_id}/stop-use", responses=refusals(403, 404, 409))
def stop_use(
    objection_id: RowId,
    body: StopUseIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The source's data reporter takes a duplicate out of use: the answer to an objection
    upheld (or forwarded and found so) that the record is published twice
    (`duplicate_publication`; on that ground `correct` and `withdraw` are refused, 409
    `stop_use_instead`, and on any other this is, 409 `not_a_duplicate`). The record is no
    longer published, shared or used — status `revoked`, content unchanged, the note as the
    version's reason detail, which the subject reads — and reports issued to others since
    it came lose their kept content (410 `record_no_longer_used`); the case is
    `no_longer_used`, `completed_by` `source`."""
    version = objections.stop_use(session, clock, actor, objection_id, note=body.note)
    return {
        **case_out(cases.case(session, clock, actor, objection_id), staff=True),
        "version": version.version_no,
    }
