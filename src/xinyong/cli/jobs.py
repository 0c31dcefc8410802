"""Scheduled work, run by cron or a timer: `xinyong jobs run`."""

from __future__ import annotations

import typer

from xinyong.cli._shared import clock, command_unit_of_work, console
from xinyong.disclosure import publicity

jobs_app = typer.Typer(help="Scheduled jobs", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")


@jobs_app.command("run")
def run() -> None:
    """Run the daily jobs: end publicity windows that have closed."""
    with command_unit_of_work() as session:
        ended = publicity.end_expired_publicity(session, clock)
    console.print(f"publicity ended for {ended} records")
