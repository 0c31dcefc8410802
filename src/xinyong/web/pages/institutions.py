"""Pages of the register of credit service institutions (Art. 26–27) and of the industry
statistics (Art. 28). The register and the statistics are public; the credit authority
registers institutions and decides their status on ``/admin/institutions``, through the
same services (and audit events) as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, has_permission
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.institutions import register, releases
from xinyong.institutions.models import CreditServiceInstitution, InstitutionStatus
from xinyong.web.deps import ActorDep, ClockDep, SessionDep, app_context
from xinyong.web.labels import N_, statistics_row_label
from xinyong.web.pages.collection import POLARITY_LABELS, page_helpers
from xinyong.web.pages.forms import (
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    parse_date,
    refused,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)


def filed_services_offered(session: Session, grantees: list[Organisation]) -> list[tuple[str, str]]:
    """(service, institution) for each service an active institution among ``grantees`` is
    filed to provide: the forms of consents and authorisations offer these to name (the
    service must be one of them, Art. 26–27)."""
    filed = register.services_of_active(session)
    return [
        (service, organisation.name)
        for organisation in grantees
        for service in filed.get(organisation.code or "", [])
    ]


ADMIN = "/admin/institutions"
FORM_ERRORS = (InvalidInput, NotFound, Conflict)

STATUS_LABELS = {
    InstitutionStatus.ACTIVE.value: N_("Active"),
    InstitutionStatus.SUSPENDED.value: N_("Suspended"),
    InstitutionStatus.DEREGISTERED.value: N_("Deregistered"),
}
CHANGE_LABELS = {
    "registered": N_("Registered"),
    "amended": N_("Amended"),
    "status": N_("Status decided"),
}
# The reasons the register writes itself (``institutions.register``); an officer's own
# reason is shown as written.
REASON_LABELS = {"filing recorded": N_("filing recorded")}
TABLE_TITLES = {
    "records_by_district": N_("Credit records by district and polarity"),
    "records_by_organisation_kind": N_(
        "Credit records by the kind of organisation that supplied them, and polarity"
    ),
    "list_entries_by_district": N_("Red and black list entries in force by district"),
    "list_entries_by_organisation_kind": N_(
        "Red and black list entries in force by the kind of recognising organisation"
    ),
}


def _common() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "change_labels": CHANGE_LABELS,
        "reason_labels": REASON_LABELS,
    }


@router.get("/institutions", response_class=HTMLResponse)
def institutions_page(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """Every registered institution, and a check of one by its code or filing number."""
    checked: CreditServiceInstitution | None = None
    asked = code.strip()
    if asked:
        try:
            checked = register.by_code(session, asked)
        except NotFound:
            checked = None
    return render(
        request,
        "institutions.html",
        {
            **_common(),
            "institutions": register.all_registered(session),
            "asked": asked,
            "checked": checked,
        },
    )


@router.get("/institutions/{uscc}", response_class=HTMLResponse)
def institution_page(
    request: Request, session: SessionDep, uscc: Annotated[str, Path(max_length=64)]
) -> HTMLResponse:
    """One entry and every version of it: what changed, when and why."""
    item = register.by_code(session, uscc)
    return render(
        request,
        "institution.html",
        {
            **page_helpers(request),
            **_common(),
            "item": item,
            "history": register.history(session, item),
        },
    )


def _render_admin(
    request: Request, session: Session, actor: Actor, state: FormState
) -> HTMLResponse:
    register.require_keeper(session, actor)
    return render_form(
        request,
        "institutions_admin.html",
        {
            **_common(),
            "institutions": register.all_registered(session),
            "transitions": {
                status.value: sorted(s.value for s in allowed)
                for status, allowed in register.TRANSITIONS.items()
            },
        },
        state,
    )


@router.get(ADMIN, response_class=HTMLResponse)
def institutions_admin(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_admin(
        request, session, actor, announced(done, "registered", "status", "amended")
    )


@router.post(ADMIN, response_class=HTMLResponse)
def register_institution(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    uscc: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    filing_number: Annotated[str, Form(max_length=64)] = "",
    filing_date: Annotated[str, Form(max_length=10)] = "",
    business_scope: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    services: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Enter an institution's filing (one service a line)."""
    check_csrf(request, csrf_token)
    register.require_keeper(session, actor)
    form = {
        "action": "register",
        "uscc": uscc,
        "name": name,
        "filing_number": filing_number,
        "filing_date": filing_date,
        "business_scope": business_scope,
        "services": services,
    }
    try:
        date = parse_date(filing_date, "filing_date")
        if date is None:
            raise InvalidInput("give the filing date", code="required", field="filing_date")
        register.register(
            session,
            clock,
            actor,
            uscc=uscc,
            name=name,
            filing_number=filing_number,
            filing_date=date,
            business_scope=business_scope,
            services=services.splitlines(),
        )
    except FORM_ERRORS as exc:
        return _render_admin(request, session, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=registered", status_code=303)


@router.post(ADMIN + "/{uscc}/status", response_class=HTMLResponse)
def change_status(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    uscc: Annotated[str, Path(max_length=64)],
    status: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    effective: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Suspend, reinstate or deregister, with the reason (Art. 26)."""
    check_csrf(request, csrf_token)
    register.require_keeper(session, actor)
    form = {"action": "status", "uscc": uscc, "status": status, "reason": reason}
    try:
        if status not in STATUS_LABELS:
            raise InvalidInput("choose the new status", code="required", field="status")
        register.change_status(
            session,
            clock,
            actor,
            uscc,
            status=InstitutionStatus(status),
            reason=reason,
            effective=parse_date(effective, "effective"),
        )
    except FORM_ERRORS as exc:
        return _render_admin(request, session, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=status", status_code=303)


def _render_amend(
    request: Request,
    session: Session,
    actor: Actor,
    item: CreditServiceInstitution,
    state: FormState,
) -> HTMLResponse:
    register.require_keeper(session, actor)
    form = state.form or {
        "name": item.name,
        "business_scope": item.business_scope,
        "services": "\n".join(item.services),
        "reason": "",
    }
    return render_form(
        request,
        "institution_amend.html",
        {**_common(), "item": item},
        FormState(state.error, form, state.notice, state.status_code, state.headers),
    )


@router.get(ADMIN + "/{uscc}", response_class=HTMLResponse)
def amend_form(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    uscc: Annotated[str, Path(max_length=64)],
) -> HTMLResponse:
    """The entry's particulars, to amend with the reason."""
    register.require_keeper(session, actor)
    item = register.by_code(session, uscc)
    return _render_amend(request, session, actor, item, FormState())


@router.post(ADMIN + "/{uscc}", response_class=HTMLResponse)
def amend(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    uscc: Annotated[str, Path(max_length=64)],
    name: Annotated[str, Form(max_length=200)] = "",
    business_scope: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    services: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Amend name, business scope and services: a new version, the old one kept."""
    check_csrf(request, csrf_token)
    register.require_keeper(session, actor)
    form = {
        "name": name,
        "business_scope": business_scope,
        "services": services,
        "reason": reason,
    }
    try:
        register.amend(
            session,
            clock,
            actor,
            uscc,
            name=name,
            business_scope=business_scope,
            services=services.splitlines(),
            reason=reason,
        )
    except FORM_ERRORS as exc:
        state = refused(session, exc, form)
        return _render_amend(request, session, actor, register.by_code(session, uscc), state)
    return RedirectResponse(f"{ADMIN}?done=amended", status_code=303)


@router.get("/statistics/industry", response_class=HTMLResponse)
def industry_statistics_page(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    period: Annotated[str, Query(max_length=7)] = "",
    view: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """The industry statistics (Art. 28), with small counts withheld: a month's release (the
    latest, or ``period``), each fixed at the month's end; the credit authority may also see
    today's provisional tables (``view=provisional``), labelled so (decision 0055)."""
    provisional = view == "provisional"
    found = releases.shown(
        session,
        clock,
        actor,
        period=period or None,
        provisional=provisional,
        k=app_context(request).settings.statistics_min_cell,
    )
    return render(
        request,
        "industry_statistics.html",
        {
            "statistics": found.tables,
            "release": found.release,
            "provisional": provisional,
            "may_see_provisional": has_permission(actor, Permission.SUPERVISE),
            "periods": [item.period for item in releases.releases(session)],
            "titles": TABLE_TITLES,
            "row_label": lambda table, row: statistics_row_label(table.rows_by, row),
            "column_labels": {**POLARITY_LABELS, "red": N_("Red list"), "black": N_("Black list")},
        },
    )
