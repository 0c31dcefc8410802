"""The removal proposals queue (Art. 14, 15; decision 0042): the open proposals to take an
agency's published entries off the list, each with approve and refuse forms for another
officer of the agency — never the proposer — and the officer's own proposals. Thin over
``xinyong.lists.removal_proposals``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.errors import DomainError
from xinyong.lists import entry_reads, removal_proposals
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.errors import status_for
from xinyong.web.pages.forms import LINE_BREAKS_AS_ONE, announced, form_error
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)

NOTICES = ("approved", "refused")


def _context(session: Session, clock: Clock, actor: Actor) -> dict[str, Any]:
    found = removal_proposals.cases(session, actor)
    # The subjects' names in full, persons' too: in their access logs, as the officers'
    # queue of entries is (decision 0042 addendum).
    entry_reads.queue_shown(session, clock, actor, [c.entry for c in found], persons=False)
    return {
        "to_decide": [c for c in found if c.may_decide],
        "own": [c for c in found if not c.may_decide],
        "names": accounts.actor_names(
            session,
            (x for c in found for x in (c.proposal.proposed_by, c.proposal.decided_by) if x),
            staff=True,
        ),
    }


@router.get("/list-removals", response_class=HTMLResponse)
def queue(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    context = _context(session, clock, actor)
    context["notice"] = announced(done, *NOTICES).notice
    return render(request, "list_removals.html", context)


@router.post("/list-removals/{proposal_id}/decide")
def decide(
    request: Request,
    proposal_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=removal_proposals.MAX_TEXT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Approve (the entry leaves the list) or refuse another officer's proposal, with
    reasons; a refusal of the step shows beside the proposal, the reasons kept."""
    check_csrf(request, csrf_token)
    step = removal_proposals.approve if decision == "approve" else removal_proposals.refuse
    try:
        step(session, clock, actor, proposal_id, reasons=reasons)
    except DomainError as exc:
        error = form_error(session, exc)
        context = _context(session, clock, actor)
        context.update(
            {
                "error": error,
                "error_proposal": proposal_id,
                "form": {"decision": decision, "reasons": reasons},
            }
        )
        return render(request, "list_removals.html", context, status_code=status_for(exc))
    done = "approved" if decision == "approve" else "refused"
    return RedirectResponse(f"/list-removals?done={done}", status_code=303)
