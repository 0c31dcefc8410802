"""The working-day calendar (rules.md): show what it holds, and enter a year when the State
Council publishes its arrangement. Thin over ``xinyong.calendar_store``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xinyong import calendar_store, texts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.cli._shared import (
    clock,
    command_unit_of_work,
    console,
    print_refusal,
)
from xinyong.config import get_settings
from xinyong.errors import InvalidInput

calendar_app = typer.Typer(help="The working-day calendar", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(calendar_app, name="calendar")


@calendar_app.command("show")
def calendar_show(
    year: Annotated[
        int | None,
        # The API's bounds (``YearPath``): a year outside them holds no arrangement.
        typer.Option(min=1900, max=2200, help="list this year's holidays and working weekends"),
    ] = None,
) -> None:
    """The years whose arrangement the calendar holds, and the current and next year when it
    does not (deadlines in them are provisional); with --year, that year's days."""
    with command_unit_of_work() as session:
        if year is None:
            for found in calendar_store.years(session, clock.today()):
                state = f"known ({found.source})" if found.known else "provisional: not entered"
                console.print(f"{found.year}  {state}", highlight=False)
            return
        arrangement = calendar_store.arrangement(session, year)
        if not arrangement.known:
            console.print(
                f"{year}: not entered — deadlines in it count Monday to Friday and are provisional",
                highlight=False,
            )
        else:
            console.print(f"{year}: {arrangement.source}", highlight=False)
        for day in arrangement.days:
            kind = "working_day" if day.is_working_day else "holiday"
            console.print(f"  {day.day.isoformat()}  {kind:<11}  {day.name}", highlight=False)


@calendar_app.command("enter-year")
def calendar_enter_year(
    year: Annotated[int, typer.Argument(help="the year the arrangement is for")],
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV with date,kind,name (or 日期,安排,名称): one day or a range "
            "(2027-02-15至2027-02-23) per row, kind holiday/放假 or working_day/上班",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    source: Annotated[
        str, typer.Option(help="the notice it comes from, e.g. 国办发明电〔2026〕5号")
    ],
) -> None:
    """Enter (or correct) a year's official holiday arrangement: it replaces what the
    calendar held for the year; provisional deadlines in it become definite and records'
    timeliness is counted again."""
    try:
        days = calendar_store.parse_arrangement(texts.decoded_upload(file.read_bytes()))
    except InvalidInput as exc:
        print_refusal(exc)
        raise typer.Exit(2) from exc
    with command_unit_of_work() as session:
        entered = calendar_store.enter_year(
            session,
            clock,
            SYSTEM_ACTOR,
            year,
            days,
            source=source,
            late_after_working_days=get_settings().late_submission_working_days,
        )
    console.print(
        f"{year}: {entered.exceptions} days entered from {source.strip()}"
        + (f" ({entered.restated} restating Monday–Friday not stored)" if entered.restated else "")
        + f"; timeliness counted again for {entered.records_rechecked} records"
        + (
            f"; {entered.windows_extended} list candidacies' comment or objection windows "
            "extended past a holiday"
            if entered.windows_extended
            else ""
        ),
        highlight=False,
    )
