"""The working-day calendar page (rules.md): the years the platform knows the official
holiday arrangement of, a year's days, and for the credit authority the form that enters a
year when the State Council announces it — the same service as ``xinyong calendar
enter-year`` and ``PUT /api/v1/calendar/{year}``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import calendar_store, texts
from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.errors import InvalidInput
from xinyong.web.deps import ActorDep, ClockDep, SessionDep, app_context
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

PAGE = "/admin/calendar"
# A year's announcement is a few dozen rows; anything near this is not one.
MAX_ARRANGEMENT_BYTES = 64 * 1024


def _render(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    year: int | None,
    state: FormState = BLANK,
) -> HTMLResponse:
    today = clock.today()
    context: dict[str, Any] = {
        "years": calendar_store.years(session, today),
        "arrangement": calendar_store.arrangement(session, year) if year is not None else None,
        "may_enter": calendar_store.may_enter_years(session, actor),
        "next_year": today.year + calendar_store.YEARS_AHEAD,
    }
    return render_form(request, "working_days.html", context, state)


@router.get(PAGE, response_class=HTMLResponse)
def calendar_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render(request, session, clock, actor, year, announced(done, "entered"))


@router.post(PAGE, response_class=HTMLResponse)
async def enter_year(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    year: Annotated[str, Form(max_length=8)] = "",
    source: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=calendar_store.MAX_SOURCE)] = "",
    arrangement: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=MAX_ARRANGEMENT_BYTES)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    typed = {"year": year, "source": source, "arrangement": arrangement}
    shown: int | None = None
    try:
        if not year.strip().isdigit():
            raise InvalidInput("enter the year as four digits", code="invalid", field="year")
        shown = int(year)
        text = arrangement
        if file is not None and file.filename:
            upload = await file.read(MAX_ARRANGEMENT_BYTES + 1)
            if len(upload) > MAX_ARRANGEMENT_BYTES:
                raise InvalidInput(
                    "the file is larger than a year's arrangement", code="too_large", field="file"
                )
            text = texts.decoded_upload(upload)
        calendar_store.enter_year(
            session,
            clock,
            actor,
            shown,
            calendar_store.parse_arrangement(text),
            source=source,
            late_after_working_days=app_context(request).settings.late_submission_working_days,
        )
    except InvalidInput as exc:
        return _render(request, session, clock, actor, shown, refused(session, exc, typed))
    return RedirectResponse(f"{PAGE}?year={shown}&done=entered", 303)
