"""Removing a published list entry before its term, with four eyes (Art. 14, 15; decision
0042): an officer proposes, another officer of the recognising agency approves or refuses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.lists import entry_reads, removal_proposals
from xinyong.lists.models import ListRemovalProposal, RemovalReason
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["lists"])


def proposal_out(p: ListRemovalProposal) -> dict[str, Any]:
    return {
        "id": p.id,
        "entry_id": p.entry_id,
        "status": p.status.value,
        "reason": p.reason.value,
        "detail": p.detail,
        "proposed_by": p.proposed_by,
        "proposed_at": p.proposed_at.isoformat(),
        "decision": None
        if p.decided_at is None
        else {
            "at": p.decided_at.isoformat(),
            "by": p.decided_by,
            "reasons": p.decision_reasons,
        },
    }


class RemovalIn(BaseModel):
    reason: RemovalReason = Field(description="exit_conditions_met or other")
    detail: str = Field(min_length=1, max_length=removal_proposals.MAX_TEXT)


@router.post("/list-entries/{entry_id}/remove", status_code=202, responses=refusals(403, 404, 409))
def propose_removal(
    entry_id: RowId,
    body: RemovalIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Propose taking a published entry off the list before its term (its exit conditions
    met, or another reason stated). Accepted, not done: the entry stays on the list until
    another officer of the recognising agency approves the proposal (``/list-removals``);
    409 ``duplicate`` while one is open."""
    return proposal_out(
        removal_proposals.propose(
            session, clock, actor, entry_id, reason=body.reason, detail=body.detail
        )
    )


@router.get("/list-removals", responses=refusals(403))
def removal_queue(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The open removal proposals of my agency I may decide (``may_decide``), then my own:
    open, and the latest decided. Each subject shown is in its access log."""
    cases = removal_proposals.cases(session, actor)
    entry_reads.queue_shown(session, clock, actor, [c.entry for c in cases], persons=False)
    return {
        "items": [
            {
                **proposal_out(c.proposal),
                "may_decide": c.may_decide,
                "entry": {
                    "id": c.entry.id,
                    "list": c.entry.kind.value,
                    "status": c.entry.status.value,
                    "standard": c.standard.name,
                    "term_start": c.entry.term_start.isoformat() if c.entry.term_start else None,
                    "term_end": c.entry.term_end.isoformat() if c.entry.term_end else None,
                },
                "subject": {"code": c.subject.public_code, "name": c.subject.name},
            }
            for c in cases
        ]
    }


class DecisionIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=removal_proposals.MAX_TEXT)


@router.post("/list-removals/{proposal_id}/approve", responses=refusals(403, 404, 409))
def approve(
    proposal_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Approve another officer's proposal: the entry leaves the list now (403
    ``own_proposal`` for its proposer; 409 ``decided``, or ``entry_left_list``)."""
    return proposal_out(
        removal_proposals.approve(session, clock, actor, proposal_id, reasons=body.reasons)
    )


@router.post("/list-removals/{proposal_id}/refuse", responses=refusals(403, 404, 409))
def refuse(
    proposal_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Refuse another officer's proposal, with reasons: the entry stays on the list (403
    ``own_proposal`` for its proposer; 409 ``decided``, or ``entry_left_list``)."""
    return proposal_out(
        removal_proposals.refuse(session, clock, actor, proposal_id, reasons=body.reasons)
    )
