"""The working-day calendar (rules.md): which years the platform knows the official holiday
arrangement of, and the days of each. Reading is public (the arrangement is the State
Council's published notice); the credit authority enters a year when it is announced."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from xinyong import calendar_store
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, SessionDep, app_context
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")

YearPath = Annotated[int, Path(ge=1900, le=2200, description="the calendar year")]


def _year_out(found: calendar_store.YearArrangement) -> dict[str, Any]:
    return {
        "year": found.year,
        # Not known: deadlines in the year count Monday to Friday and are provisional.
        "known": found.known,
        "source": found.source,
        "loaded_at": found.loaded_at.isoformat() if found.loaded_at else None,
    }


@router.get("/calendar", tags=["calendar"])
def calendar_years(session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """The years whose arrangement the calendar holds, and the current and next year when
    it does not (``known`` false: deadlines in them are provisional), newest first."""
    return {"items": [_year_out(found) for found in calendar_store.years(session, clock.today())]}


@router.get("/calendar/{year}", tags=["calendar"])
def calendar_year(year: YearPath, session: SessionDep) -> dict[str, Any]:
    """A year's exceptions to Monday–Friday: weekday holidays and worked weekends (调休)."""
    found = calendar_store.arrangement(session, year)
    return {
        **_year_out(found),
        "days": [
            {
                "date": day.day.isoformat(),
                "kind": "working_day" if day.is_working_day else "holiday",
                "name": day.name,
            }
            for day in found.days
        ],
    }


class ArrangedDayIn(BaseModel):
    date: dt.date
    kind: Literal["holiday", "working_day"] = Field(
        description="holiday (放假) or working_day (上班, a worked weekend)"
    )
    name: str = Field(max_length=calendar_store.MAX_NAME, description="e.g. 春节")


class ArrangementIn(BaseModel):
    source: str = Field(
        max_length=calendar_store.MAX_SOURCE,
        description="the notice the arrangement comes from, e.g. 国办发明电〔2026〕5号",
    )
    days: list[ArrangedDayIn] = Field(
        max_length=calendar_store.MAX_DAYS,
        description="every day of the announcement; days restating Monday–Friday (a holiday "
        "on a Sunday) are counted, not stored",
    )


@router.put("/calendar/{year}", tags=["calendar"], responses=refusals(403, 422))
def enter_calendar_year(
    year: YearPath,
    body: ArrangementIn,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Enter (or correct) a year's arrangement, replacing what the calendar held for it (the
    credit authority). Provisional deadlines in the year become definite; the records whose
    timeliness was counted across it are counted again (``records_rechecked``), and open list
    candidacies' windows whose last day the year's holidays move are extended
    (``windows_extended``)."""
    entered = calendar_store.enter_year(
        session,
        clock,
        actor,
        year,
        [
            calendar_store.ArrangedDay(day.date, day.kind == "working_day", day.name)
            for day in body.days
        ],
        source=body.source,
        late_after_working_days=app_context(request).settings.late_submission_working_days,
    )
    return {
        **_year_out(calendar_store.arrangement(session, year)),
        "exceptions": entered.exceptions,
        "restated": entered.restated,
        "records_rechecked": entered.records_rechecked,
        "windows_extended": entered.windows_extended,
    }
