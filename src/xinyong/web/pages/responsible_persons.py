"""The register of the persons answering for an organisation (Art. 18; decision 0036,
session 12 addendum), as ``/api/v1/subjects/{code}/responsible-persons``: the registration
authority's data reporter finds the organisation by its code, registers a person by ID
number and ends a registration; the credit authority reads it. Another registration
authority searching an organisation it does not register is refused beside the search. Refusals are shown beside
the form with what was typed — all but the ID number, which is never shown back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import responsible_register as register
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    parse_date,
    refused,
    refused_access,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

PAGE = "/responsible-persons"


def _require_reader(session: Session, actor: Actor) -> None:
    if not register.may_read(session, actor):
        register.require_registration_authority(session, actor)


def _render(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject | None,
    state: FormState = BLANK,
) -> HTMLResponse:
    registrations = []
    if organisation is not None:
        try:
            registrations = register.register_of(session, clock, actor, organisation)
        except PermissionDenied as exc:
            # Another authority's register: the refusal beside the search, nothing shown.
            state = refused_access(
                request, session, exc, {"code": organisation.uscc or organisation.reference}
            )
            organisation = None
    context: dict[str, Any] = {
        "organisation": organisation,
        "registrations": registrations,
        "may_register": register.keeps_register(session, actor),
        "roles": list(ResponsibleRole),
        "today": clock.today().isoformat(),
    }
    return render_form(request, "responsible_persons.html", context, state)


@router.get(PAGE, response_class=HTMLResponse)
def responsible_persons(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Query(max_length=40)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    _require_reader(session, actor)
    if not code:
        return _render(request, session, clock, actor, None, announced(done))
    try:
        organisation = register.organisation_of(session, code)
    except (InvalidInput, NotFound) as exc:
        return _render(request, session, clock, actor, None, refused(session, exc, {"code": code}))
    return _render(
        request, session, clock, actor, organisation, announced(done, "registered", "ended")
    )


@router.post(PAGE, response_class=HTMLResponse)
def register_person(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[str, Form(max_length=32)] = "",
    citizen_id: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=register.MAX_NAME)] = "",
    valid_from: Annotated[str, Form(max_length=20)] = "",
    basis: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=subjects.MAX_BASIS)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    _require_reader(session, actor)
    organisation = register.organisation_of(session, code)
    typed = {"role": role, "name": name, "valid_from": valid_from, "basis": basis}
    try:
        if role not in {r.value for r in ResponsibleRole}:
            raise InvalidInput("choose the capacity", code="required", field="role")
        register.register_person(
            session,
            clock,
            actor,
            organisation,
            role=ResponsibleRole(role),
            citizen_id=citizen_id,
            name=name,
            valid_from=parse_date(valid_from, "valid_from"),
            basis=basis,
        )
    except (InvalidInput, Conflict) as exc:
        organisation = subjects.by_reference(session, code)
        return _render(request, session, clock, actor, organisation, refused(session, exc, typed))
    return RedirectResponse(f"{PAGE}?code={organisation.reference}&done=registered", 303)


@router.post(PAGE + "/{registration_id}/end", response_class=HTMLResponse)
def end_registration(
    request: Request,
    registration_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=40)] = "",
    ended_on: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=subjects.MAX_END_REASON)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    _require_reader(session, actor)
    organisation = register.organisation_of(session, code)
    try:
        register.end_registration(
            session,
            clock,
            actor,
            organisation,
            registration_id,
            ended_on=parse_date(ended_on, "ended_on"),
            reason=reason,
        )
    except (InvalidInput, Conflict) as exc:
        organisation = subjects.by_reference(session, code)
        typed = {"ended_on": ended_on, "reason": reason, "registration": registration_id}
        return _render(request, session, clock, actor, organisation, refused(session, exc, typed))
    return RedirectResponse(f"{PAGE}?code={organisation.reference}&done=ended", 303)
