"""Commands for the lists rule pack: standards, matters and measures (decision 0034
addendum). Thin over ``xinyong.lists.rule_packs``."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.cli._shared import clock, console, print_list_pack_changes
from xinyong.lists import rule_packs

lists_app = typer.Typer(
    help="The red and black lists' rule pack: standards, matters, measures", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(lists_app, name="lists")


@lists_app.command("upgrade")
def lists_upgrade(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would change, write nothing")
    ] = False,
) -> None:
    """Bring the lists up to the shipped lists rule pack (as `xinyong init` does): create
    what it adds (a new measure unpublished), bring each standard, matter and unpublished
    measure nobody changed up to it in place, and list the published measures whose new
    text waits as a draft and the conflicts, which the credit authority answers."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        planned = (
            rule_packs.plan(session, SYSTEM_ACTOR) if dry_run else rule_packs.apply(session, clock)
        )
        created = planned.having(rule_packs.PackStatus.NEW)
        if created:
            verb = "would create" if dry_run else "created"
            console.print(f"  {verb}: {', '.join(f'{i.part} {i.code}' for i in created)}")
        print_list_pack_changes(planned, dry_run=dry_run)
        if not planned.pending:
            console.print(
                f"nothing to do: every standard, matter and measure is as {planned.rule_pack} "
                "has it, or the city's own with no change of the pack waiting"
            )
