"""The objection handler's page (rules.md: separate duties): the undecided objections to
list candidacies it may decide — a subject's after a black-list notice, the public's on a
red-list candidate — and a subject's to its published black-list entry (with the day it is
due by, Art. 25), each with the entry's basis, criteria, reasons and evidence and the
statement, decided there with reasons through the same service as the officers' queue
(Art. 15 ¶2, 25). The handler decides; it changes no record."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.clock import Clock
from xinyong.lists import entries, entry_reads
from xinyong.web import inputs
from xinyong.web.deps import ActorDep, ClockDep, RowId, RowIdInQuery, SessionDep
from xinyong.web.pages.lists import objection_decided
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


def _context(session: Session, actor: Actor, clock: Clock) -> dict[str, Any]:
    cases = entries.objection_cases(session, actor, today=clock.today())
    # The undecided cases show each entry's evidence and the commenters' contacts: a use
    # of the subjects' information (decision 0020). The decided ones show only the
    # decision taken, beside the subject's name: no use.
    entry_reads.objections_shown(session, clock, actor, [c.entry for c in cases])
    return {
        "cases": cases,
        "decided": entries.objection_cases(session, actor, decided=True),
    }


@router.get("/list-objections", response_class=HTMLResponse)
def objections_to_decide(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    decided: RowIdInQuery = None,
) -> HTMLResponse:
    return render(
        request,
        "list_objections.html",
        {**_context(session, actor, clock), "just_decided": decided},
    )


@router.post("/list-objections/{objection_id}")
@inputs.beside_form
def decide(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    upheld: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    # The page is the objection handler's; officers decide from their queue.
    require(actor, Permission.HANDLE_OBJECTIONS)
    return objection_decided(
        request,
        session,
        clock,
        actor,
        objection_id,
        upheld=upheld,
        reasons=reasons,
        template="list_objections.html",
        context=lambda: _context(session, actor, clock),
        done=f"/list-objections?decided={objection_id}",
    )
