"""The security officer's page of per-staff query permissions (Art. 12(2); decision 0035),
as ``/api/v1/query-item-assignments``: assign a published query item of the organisation to
one of its staff who query, withdraw an assignment; refusals shown on the form with their
article. The querier sees what he holds on the query page (``/query``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.disclosure import query_assignments
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    FormState,
    announced,
    refused,
    refused_access,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

PAGE = "/query-item-assignments"


def _render(
    request: Request, session: Session, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    context: dict[str, Any] = {
        **page_helpers(request),
        "overview": query_assignments.overview(session, actor),
    }
    return render_form(request, "query_item_assignments.html", context, state)


@router.get(PAGE, response_class=HTMLResponse)
def assignments_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render(request, session, actor, announced(done, "assigned", "withdrawn"))


@router.post(PAGE, response_class=HTMLResponse)
def assign(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=64)] = "",
    query_item: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    query_assignments.organisation_of(session, actor)
    form = {"username": username, "query_item": query_item}
    try:
        if not username.strip():
            raise InvalidInput("choose the staff member", code="required", field="username")
        if not query_item.strip():
            raise InvalidInput("choose the query item", code="required", field="query_item")
        query_assignments.grant(session, clock, actor, username=username, query_item=query_item)
    except (InvalidInput, Conflict, NotFound) as exc:
        return _render(request, session, actor, refused(session, exc, form))
    except PermissionDenied as exc:
        return _render(request, session, actor, refused_access(request, session, exc, form))
    return RedirectResponse(f"{PAGE}?done=assigned", status_code=303)


@router.post(PAGE + "/{assignment_id}/withdraw", response_class=HTMLResponse)
def withdraw(
    request: Request,
    assignment_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    query_assignments.organisation_of(session, actor)
    try:
        query_assignments.withdraw(session, clock, actor, assignment_id)
    except (Conflict, NotFound) as exc:
        return _render(request, session, actor, refused(session, exc, {}))
    return RedirectResponse(f"{PAGE}?done=withdrawn", status_code=303)
