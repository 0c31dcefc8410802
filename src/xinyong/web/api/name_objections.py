"""A natural person's objection to the name it is registered under (Art. 25; decision
0051): the person raises it with the correct name and an identity document (base64), or
the credit authority's objection handler records it on the person's behalf; the handler
decides it, and upheld, the name is corrected and the wrong one kept as a former name."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator, Field

from xinyong import evidence_files
from xinyong.objections import names as name_objections
from xinyong.objections import rules
from xinyong.subjects.service import MAX_NAME
from xinyong.web.api.objections import Reasons, _line_breaks_as_one, objection_terms
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["objections"])

# An identity document of at most 1.5 MB (``names.MAX_EVIDENCE_BYTES``), as base64.
MAX_EVIDENCE = 2_000_000


def case_out(case: name_objections.Case, *, staff: bool) -> dict[str, Any]:
    o = case.objection
    body: dict[str, Any] = {
        "id": o.id,
        "registered_name": o.registered_name,
        "stated_name": o.stated_name,
        "statement": o.statement,
        "evidence": {
            "kind": o.evidence_kind,
            "sha256": o.evidence_sha256,
            "erased_at": None if o.evidence_erased_at is None else o.evidence_erased_at.isoformat(),
        },
        "on_behalf": o.on_behalf,
        "status": o.status.value,
        "received_on": o.received_on.isoformat(),
        "decision": None
        if o.decided_at is None
        else {
            "outcome": o.status.value,
            "at": o.decided_at.isoformat(),
            "reasons": o.decision_reasons,
            "article": rules.ARTICLE,
        },
        "deadlines": [d.as_dict() for d in case.deadlines],
        "overdue": case.overdue,
        "current_name": case.subject.name,
    }
    if staff:
        body["subject"] = {"code": case.subject.public_code, "reference": case.subject.reference}
    return body


class NameObjectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME)
    # Optional; counted as the service and the form count it (a line break as one).
    statement: Annotated[
        str, BeforeValidator(_line_breaks_as_one), Field(max_length=rules.MAX_STATEMENT)
    ] = ""
    evidence: str = Field(
        min_length=1,
        max_length=MAX_EVIDENCE,
        description="the identity document (PDF, PNG or JPEG, at most 1.5 MB) as base64",
    )


class OnBehalfIn(NameObjectionIn):
    citizen_id: str = Field(min_length=1, max_length=32)


@router.post("/me/name-objections", status_code=201, responses=refusals(403, 409))
def raise_objection(
    body: NameObjectionIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """A natural person objects to the name it is registered under, stating the correct
    name and an identity document as evidence (``evidence``: a PDF, PNG or JPEG as base64).
    One open objection at a time (409 ``name_objection_pending``); the name borne now is
    refused (422 ``name_unchanged``); an organisation's account is refused (403
    ``not_natural_person``: its name follows its registration record)."""
    objection = name_objections.raise_objection(
        session,
        clock,
        actor,
        name=body.name,
        statement=body.statement,
        evidence=body.evidence,
        terms=objection_terms(request),
    )
    return case_out(name_objections.case(session, clock, actor, objection.id), staff=False)


@router.get("/me/name-objections", responses=refusals(403))
def my_objections(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """My objections to my registered name, newest first."""
    return {
        "items": [
            case_out(c, staff=False) for c in name_objections.of_subject(session, clock, actor)
        ]
    }


@router.get("/name-objections", responses=refusals(403))
def queue(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    closed: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    """The credit authority's objection handler: open objections to persons' names,
    overdue first (``closed=true``: the most recently decided). Each person shown is in
    its access log."""
    return {
        "items": [
            case_out(c, staff=True)
            for c in name_objections.queue(session, clock, actor, closed=closed)
        ]
    }


@router.post("/name-objections", status_code=201, responses=refusals(403, 404, 409))
def record_on_behalf(
    body: OnBehalfIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The handler records a person's objection to its name at the counter, the person
    found by the ID number of the document it showed (404 ``unknown_subject``)."""
    objection = name_objections.record_on_behalf(
        session,
        clock,
        actor,
        citizen_id=body.citizen_id,
        name=body.name,
        statement=body.statement,
        evidence=body.evidence,
        terms=objection_terms(request),
    )
    # Its recording is in the person's log already (``record_on_behalf``).
    return case_out(name_objections.case_of(session, clock, objection), staff=True)


@router.get("/name-objections/{objection_id}", responses=refusals(403, 404))
def one_case(
    objection_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One case: for the person, or the handler (whose read is in the person's log)."""
    found = name_objections.case(session, clock, actor, objection_id)
    return case_out(found, staff=actor.subject_id is None)


@router.get(
    "/name-objections/{objection_id}/evidence",
    response_class=Response,
    responses={
        **refusals(403, 404, 410),
        200: {
            "description": "The document as it was uploaded",
            "content": {media: {} for media in evidence_files.MEDIA_TYPE_OF_KIND.values()},
        },
    },
)
def evidence(
    objection_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> Response:
    """The identity document given as evidence, as it was uploaded; 410
    ``name_objection_evidence_erased`` once the daily job erased it, a period after the
    decision (decision 0051 addendum)."""
    found = name_objections.evidence(session, clock, actor, objection_id)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )


class DecisionIn(BaseModel):
    outcome: str = Field(pattern="^(upheld|rejected)$")
    reasons: Reasons


@router.post("/name-objections/{objection_id}/decide", responses=refusals(403, 404, 409))
def decide(
    objection_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The handler decides with reasons. Upheld, the stated name is the person's current
    name from today and the name it bore a former name ending today (the subject's
    ``subject.rename`` audit event names the objection)."""
    decided = name_objections.decide(
        session, clock, actor, objection_id, outcome=body.outcome, reasons=body.reasons
    )
    return case_out(name_objections.case_of(session, clock, decided), staff=True)
