"""The industry statistics' releases (Art. 28; decision 0055): list them. The daily job
(`xinyong jobs run`) makes them; thin over ``xinyong.institutions.releases``."""

from __future__ import annotations

import typer

from xinyong.cli._shared import command_unit_of_work, console
from xinyong.institutions import releases

statistics_app = typer.Typer(help="The industry statistics (Art. 28)", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(statistics_app, name="statistics")


@statistics_app.command("releases")
def list_releases() -> None:
    """Every release, newest first: the month, the threshold used, when and by whom it was
    released, and the month it was suppressed against."""
    with command_unit_of_work() as session:
        found = releases.releases(session)
        if not found:
            console.print("no release yet: `xinyong jobs run` makes each finished month's")
            return
        for item in found:
            against = item.previous_period or "none (the first)"
            console.print(
                f"{item.period}  as of {item.period_end.isoformat()}  k={item.min_cell}  "
                f"released {item.released_at.isoformat(timespec='seconds')} by "
                f"{item.released_by}  suppressed also against {against}",
                highlight=False,
                soft_wrap=True,
            )
