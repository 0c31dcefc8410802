"""The register of credit service institutions (Art. 26–27) and the industry statistics
(Art. 28). Reading the register and the statistics is public; the register is kept by
the credit authority."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from xinyong.accounts.permissions import Actor
from xinyong.errors import NotFound
from xinyong.institutions import register, releases, statistics
from xinyong.institutions.models import (
    CreditServiceInstitution,
    InstitutionStatus,
    StatisticsRelease,
)
from xinyong.web import i18n
from xinyong.web.api.collection import CsvResponse
from xinyong.web.deps import ActorDep, AuthenticatedActorDep, ClockDep, SessionDep, app_context
from xinyong.web.labels import N_, statistics_row_label
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")

CodePath = Annotated[
    str, Path(min_length=1, max_length=64, description="unified social credit code")
]


def institution_out(item: CreditServiceInstitution) -> dict[str, Any]:
    return {
        "uscc": item.uscc,
        "name": item.name,
        "filing_number": item.filing_number,
        "filing_date": item.filing_date.isoformat(),
        "business_scope": item.business_scope,
        # The services it is filed to provide now: a consent or an authorisation to it names
        # one of them (422 service_not_filed otherwise, Art. 26).
        "services": list(item.services),
        "filed_services": [
            {
                "name": service.name,
                "filed_on": service.filed_on.isoformat(),
                "withdrawn_on": None
                if service.withdrawn_on is None
                else service.withdrawn_on.isoformat(),
            }
            for service in item.service_history
        ],
        "status": item.status.value,
        "status_since": item.status_since.isoformat(),
        "status_reason": item.status_reason,
        "version": item.current_version_no,
        "article": "Art. 26",
    }


@router.get("/institutions", tags=["institutions"])
def list_institutions(session: SessionDep) -> dict[str, Any]:
    """Every registered credit service institution with its filing and status (public)."""
    return {"items": [institution_out(i) for i in register.all_registered(session)]}


@router.get("/institutions/verify", tags=["institutions"], responses=refusals(404))
def verify_institution(
    session: SessionDep,
    code: Annotated[
        str,
        Query(
            min_length=1, max_length=64, description="unified social credit code or filing number"
        ),
    ],
) -> dict[str, Any]:
    """Is this a registered credit service institution, and may it work now? 404
    `not_registered` when no entry has this code or filing number."""
    item = register.by_code(session, code)
    return {**institution_out(item), "may_operate": item.status is InstitutionStatus.ACTIVE}


@router.get("/institutions/{uscc}", tags=["institutions"], responses=refusals(404))
def get_institution(uscc: CodePath, session: SessionDep) -> dict[str, Any]:
    """One entry with every version of it: what changed, when and why (public; the
    officer's account is kept in the audit log, not shown)."""
    item = register.by_code(session, uscc)
    return {
        **institution_out(item),
        "history": [
            {
                "version": v.version_no,
                "change": v.change,
                "reason": v.reason,
                "changed_at": v.changed_at.isoformat(),
                "entry": v.snapshot,
            }
            for v in register.history(session, item)
        ],
    }


class InstitutionIn(BaseModel):
    uscc: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    filing_number: str = Field(min_length=1, max_length=64)
    filing_date: dt.date
    business_scope: str = Field(min_length=1, max_length=2000)
    services: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=20)


@router.post("/institutions", tags=["institutions"], status_code=201, responses=refusals(403, 409))
def register_institution(
    body: InstitutionIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Enter an institution's filing in the register (credit authority, Art. 26)."""
    item = register.register(
        session,
        clock,
        actor,
        uscc=body.uscc,
        name=body.name,
        filing_number=body.filing_number,
        filing_date=body.filing_date,
        business_scope=body.business_scope,
        services=body.services,
    )
    return institution_out(item)


class AmendmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    business_scope: str = Field(min_length=1, max_length=2000)
    services: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)


@router.put("/institutions/{uscc}", tags=["institutions"], responses=refusals(403, 404, 409))
def amend_institution(
    uscc: CodePath,
    body: AmendmentIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Amend an entry's name, business scope and services, with the reason (credit
    authority); a new version, the old one kept. Code and filing stay. A service the list
    leaves out is withdrawn today and a new one filed today (`filed_services`); consents and
    authorisations name a service filed and not withdrawn."""
    item = register.amend(
        session,
        clock,
        actor,
        uscc,
        name=body.name,
        business_scope=body.business_scope,
        services=body.services,
        reason=body.reason,
    )
    return institution_out(item)


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "deregistered"]
    reason: str = Field(min_length=1, max_length=2000)
    effective: dt.date | None = Field(default=None, description="default: today")


@router.post(
    "/institutions/{uscc}/status", tags=["institutions"], responses=refusals(403, 404, 409)
)
def change_institution_status(
    uscc: CodePath,
    body: StatusIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Suspend, reinstate or deregister an institution, with the reason (credit authority).
    A suspended or deregistered institution does no work on the platform: its staff and API
    keys are refused everything that collects, queries or shows data (403 with its status),
    and it is given no consent or authorisation (409); what it was given is kept, honoured
    again on reinstatement (Art. 26, 27). Deregistration is final."""
    item = register.change_status(
        session,
        clock,
        actor,
        uscc,
        status=InstitutionStatus(body.status),
        reason=body.reason,
        effective=body.effective,
    )
    return institution_out(item)


PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=7,
        description="a released month, YYYY-MM (default: the latest release)",
        pattern=r"^\d{4}-\d{2}$",
    ),
]
ViewQuery = Annotated[
    Literal["release", "provisional"],
    Query(
        description=(
            "`provisional`: today's tables, not a release (the credit authority only; they "
            "change every day and are not suppressed against the releases)"
        )
    ),
]


def _statistics(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: Actor,
    period: str | None,
    view: str,
) -> tuple[statistics.IndustryStatistics, dict[str, Any]]:
    """The tables asked for, and what they are: a release (the latest, or ``period``'s), or
    — for the credit authority only — today's provisional tables (decision 0055)."""
    found = releases.shown(
        session,
        clock,
        actor,
        period=period,
        provisional=view == "provisional",
        k=app_context(request).settings.statistics_min_cell,
    )
    if found.tables is None:
        raise NotFound("no release of the industry statistics for this period", code="no_release")
    if found.release is None:
        return found.tables, {
            "provisional": True,
            "period": None,
            "released_at": None,
            "previous_period": None,
        }
    return found.tables, release_out(found.release)


def release_out(item: StatisticsRelease) -> dict[str, Any]:
    return {
        "provisional": False,
        "period": item.period,
        "released_at": item.released_at.isoformat(),
        "previous_period": item.previous_period,
    }


TOTAL = N_("Total")


def _row_namer(request: Request) -> Callable[[str, str], str]:
    """Names of the tables' rows in the language asked for (``?lang=``, else
    Accept-Language, as the pages): the codes alone are not read by people."""
    locale = i18n.negotiate(
        request.query_params.get("lang"),
        None,
        request.headers.get("accept-language", ""),
        app_context(request).settings.default_locale,
    )
    gettext = i18n.translations(locale).gettext

    def row_name(rows_by: str, row: str) -> str:
        message = TOTAL if row == "total" else statistics_row_label(rows_by, row)
        return gettext(message)

    return row_name


@router.get("/industry-statistics/releases", tags=["institutions"])
def industry_statistics_releases(session: SessionDep) -> dict[str, Any]:
    """Every release of the industry statistics (Art. 28), newest first: each finished
    month's tables, fixed at its end and never changed (decision 0055)."""
    return {
        "items": [
            {
                **release_out(item),
                "as_of": item.period_end.isoformat(),
                "min_cell": item.min_cell,
            }
            for item in releases.releases(session)
        ]
    }


@router.get("/industry-statistics", tags=["institutions"], responses=refusals(401, 403, 404, 422))
def industry_statistics(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    period: PeriodQuery = None,
    view: ViewQuery = "release",
) -> dict[str, Any]:
    """A release of the industry statistics (Art. 28): the latest, or the month `period`
    (404 `no_release` when there is none). Counts of credit records by polarity and of list
    entries in force by list, per district and per kind of supplying or recognising
    organisation, as they stood at the month's end. A count under `min_cell`, or whose
    change since the earlier release that showed it is fed by fewer than `min_cell`
    subjects, is withheld (`value: null, suppressed: true`), and so are more cells, marked
    the same, so that none can be worked out from the totals. Each row has its code (`row`)
    and its name (`row_name`) in the language asked for (`?lang=` or Accept-Language).
    `view=provisional`: today's tables, for the credit authority only (`provisional: true`)."""
    found, about = _statistics(request, session, clock, actor, period, view)
    answer = {**found.as_dict(), **about}
    row_name = _row_namer(request)
    for table in answer["tables"]:
        for row in table["rows"]:
            row["row_name"] = row_name(table["rows_by"], row["row"])
    return answer


@router.get(
    "/industry-statistics.csv",
    tags=["institutions"],
    response_class=CsvResponse,
    responses=refusals(401, 403, 404, 422),
)
def industry_statistics_csv(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    period: PeriodQuery = None,
    view: ViewQuery = "release",
) -> CsvResponse:
    """The same tables as CSV: table, row (its code), row_name (in the language asked for),
    column, count (`*` when withheld). Named after the release's month, or
    `provisional-<day>` for today's tables."""
    found, about = _statistics(request, session, clock, actor, period, view)
    name = about["period"] or f"provisional-{found.as_of.isoformat()}"
    return CsvResponse(
        statistics.as_csv(found, _row_namer(request)),
        headers={"Content-Disposition": f'attachment; filename="industry-statistics-{name}.csv"'},
    )
