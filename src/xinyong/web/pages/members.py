"""The member register page of an industry association (Art. 10 ¶1; decision 0032), as
``/api/v1/members``: its staff who submit records add a membership under its agreement and
end one; refusals are shown on the form with their article."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.collection import members
from xinyong.errors import Conflict, InvalidInput
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    parse_date,
    refused,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

PAGE = "/members"


def _render(
    request: Request, session: Session, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    association = members.association_of(session, actor)
    context: dict[str, Any] = {
        **page_helpers(request),
        "association": association,
        "memberships": members.register(session, actor),
    }
    return render_form(request, "members.html", context, state)


@router.get(PAGE, response_class=HTMLResponse)
def member_register(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render(request, session, actor, announced(done, "added", "ended"))


@router.post(PAGE, response_class=HTMLResponse)
def add_member(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    uscc: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=members.MAX_NAME)] = "",
    since: Annotated[str, Form(max_length=20)] = "",
    until: Annotated[str, Form(max_length=20)] = "",
    agreement_reference: Annotated[
        str, LINE_BREAKS_AS_ONE, Form(max_length=members.MAX_REFERENCE)
    ] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    members.association_of(session, actor)
    try:
        first = parse_date(since, "since")
        if first is None:
            raise InvalidInput(
                "the membership's first day is required", code="required", field="since"
            )
        members.add(
            session,
            clock,
            actor,
            uscc=uscc,
            name=name,
            since=first,
            until=parse_date(until, "until"),
            agreement_reference=agreement_reference,
        )
    except (InvalidInput, Conflict) as exc:
        form = {
            "uscc": uscc,
            "name": name,
            "since": since,
            "until": until,
            "agreement_reference": agreement_reference,
        }
        return _render(request, session, actor, refused(session, exc, form))
    return RedirectResponse(f"{PAGE}?done=added", status_code=303)


@router.post(PAGE + "/{membership_id}/end", response_class=HTMLResponse)
def end_membership(
    request: Request,
    membership_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    until: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    members.association_of(session, actor)
    try:
        last = parse_date(until, "until")
        if last is None:
            raise InvalidInput(
                "the membership's last day is required", code="required", field="until"
            )
        members.end(session, clock, actor, membership_id, until=last)
    except (InvalidInput, Conflict) as exc:
        return _render(request, session, actor, refused(session, exc, {}))
    return RedirectResponse(f"{PAGE}?done=ended", status_code=303)
