"""The responsibility list page (Art. 9): which organisation may submit which record
types. The credit authority grants and revokes responsibilities here, through the same
service (and audit events) as ``POST /api/v1/sources`` and ``xinyong sources grant``;
a refusal (say, a record type the catalog does not admit from that kind of organisation,
or an organisation outside a district authority's own area) is shown on the form with
what was chosen kept.

The list is read city-wide, but a district's credit authority is offered to grant and
revoke for its own district's organisations only (Art. 6; decision 0046)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.collection import sources
from xinyong.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import FormState, announced, refused, refused_access, render_form
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

PAGE = "/admin/sources"
# An unknown organisation or record type, a kind the catalog does not admit, a
# responsibility no longer in force: wrong entries, shown on the page again; so is an
# organisation outside a district authority's area (``PermissionDenied``, recorded as the
# refusal it is).
FORM_ERRORS = (InvalidInput, NotFound, PermissionDenied)


@dataclass
class OrganisationSources:
    """One organisation's line of the list: what it may submit, and what it no longer may."""

    organisation: Organisation
    in_force: list[sources.Responsibility] = field(default_factory=list)
    revoked: list[sources.Responsibility] = field(default_factory=list)


def _by_organisation(
    session: Session, actor: Actor
) -> tuple[list[OrganisationSources], list[str | None]]:
    organisations = {org.id: org for org in accounts.list_organisations(session)}
    lines: dict[int, OrganisationSources] = {}
    granters: list[str | None] = []
    for item in sources.responsibility_list(session, actor):
        line = lines.setdefault(
            item.organisation_id, OrganisationSources(organisations[item.organisation_id])
        )
        (line.in_force if item.in_force else line.revoked).append(item)
        granters.append(item.granted_by)
    ordered = sorted(
        lines.values(), key=lambda line: (line.organisation.name, line.organisation.code)
    )
    return ordered, granters


def _render(request: Request, session: Session, actor: Actor, state: FormState) -> HTMLResponse:
    require(actor, Permission.MANAGE_SOURCES)
    lines, granters = _by_organisation(session, actor)
    rules = catalog.list_record_types(session)
    kept = sources.organisations_kept(session, actor)
    # An organisation chosen on a refused grant stays chosen, offered or not.
    chosen = state.form.get("org") if state.form.get("action") == "grant" else None
    offered = [
        org
        for org in sorted(accounts.list_organisations(session), key=lambda o: (o.name, o.code))
        if kept is None or org.id in kept or org.code == chosen
    ]
    return render_form(
        request,
        "sources_admin.html",
        {
            **page_helpers(request),
            "lines": lines,
            "granted_by": accounts.actor_names(session, granters, staff=True),
            "organisations": offered,
            "keeps": lambda org: kept is None or org.id in kept,
            "rules": rules,
            "rules_by_code": {rule.definition.code: rule for rule in rules},
        },
        state,
    )


def _refused(
    request: Request, session: Session, exc: DomainError, form: dict[str, str]
) -> FormState:
    if isinstance(exc, PermissionDenied):
        return refused_access(request, session, exc, form)
    return refused(session, exc, form)


@router.get(PAGE, response_class=HTMLResponse)
def responsibility_list(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Per organisation, the record types it may submit; grant and revoke."""
    return _render(request, session, actor, announced(done, "granted", "revoked"))


@router.post(PAGE, response_class=HTMLResponse)
def grant(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    org: Annotated[str, Form(max_length=64)] = "",
    type: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_SOURCES)
    form = {"action": "grant", "org": org, "type": type}
    try:
        sources.grant(
            session, clock, actor, accounts.organisation_by_code(session, org, field="org"), type
        )
    except FORM_ERRORS as exc:
        return _render(request, session, actor, _refused(request, session, exc, form))
    return RedirectResponse(f"{PAGE}?done=granted", status_code=303)


@router.post(PAGE + "/{org}/{record_type}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    org: Annotated[str, Path(max_length=64)],
    record_type: Annotated[str, Path(max_length=64)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """From now on the organisation's submissions of the type are refused (Art. 9)."""
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_SOURCES)
    form = {"action": "revoke", "org": org, "type": record_type}
    try:
        organisation = accounts.organisation_by_code(session, org, field="org")
        sources.revoke(session, clock, actor, organisation, record_type)
    except FORM_ERRORS as exc:
        return _render(request, session, actor, _refused(request, session, exc, form))
    return RedirectResponse(f"{PAGE}?done=revoked", status_code=303)
