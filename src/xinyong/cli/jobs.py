"""Scheduled work, run by cron or a timer: `xinyong jobs run`."""

from __future__ import annotations

import typer

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.cli._shared import clock, command_unit_of_work, console
from xinyong.db import maintenance
from xinyong.disclosure import publicity
from xinyong.lists import entries

jobs_app = typer.Typer(help="Scheduled jobs", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


@jobs_app.command("run")
def run() -> None:
    """Run the daily jobs: end publicity windows and list terms that have closed, and
    refresh the database's planner statistics."""
    with command_unit_of_work() as session:
        ended = publicity.end_expired_publicity(session, clock)
        expired = entries.expire_due(session, clock, SYSTEM_ACTOR)
    with command_unit_of_work() as session:
        analysed = maintenance.refresh_planner_statistics(session)
    console.print(
        f"publicity ended for {ended} records; {expired} list entries reached the end of their term"
        + ("; planner statistics refreshed" if analysed else "")
    )
