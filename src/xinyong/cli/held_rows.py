"""Held rows from the command line (decision 0050): the operator lists the rows held because
their name is not one the subject bears and releases or rejects them, as the source's data
reporter and the credit authority do on their pages, acting for the platform (as ``xinyong
import`` submits for a source). A row's content is read on the pages and the API only."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.cli._shared import clock, command_unit_of_work, console
from xinyong.collection import held_rows
from xinyong.config import get_settings

held_app = typer.Typer(
    help="Rows held because their name is not one the subject bears", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(held_app, name="held")


@held_app.command("list")
def list_rows(
    source: Annotated[
        str | None, typer.Option("--source", help="USCC of the submitting organisation")
    ] = None,
    decided: Annotated[bool, typer.Option("--decided", help="the rows decided instead")] = False,
) -> None:
    """The held rows awaiting a decision, oldest first (or those decided, latest first)."""
    with command_unit_of_work() as session:
        organisation_id = (
            accounts.organisation_by_code(session, source, field="source").id if source else None
        )
        queue = held_rows.held_queue(
            session, SYSTEM_ACTOR, decided=decided, organisation_id=organisation_id
        )
        waited = held_rows.waiting_times(
            session,
            clock,
            queue.rows,
            decide_within=get_settings().late_submission_working_days,
        )
        # A decided row's decision, an awaiting one's working days waited (Art. 4).
        table = Table(
            "id", "batch", "row", "source", "type", "problems", "decision" if decided else "waited"
        )
        for row in queue.rows:
            wait = waited.get(row.id)
            table.add_row(
                str(row.id),
                str(row.batch_id),
                str(row.row_number),
                row.organisation_name,
                row.record_type_code,
                ", ".join(row.codes),
                row.resolution
                or (
                    ""
                    if wait is None
                    else f"{wait.working_days}{' overdue' if wait.overdue else ''}"
                ),
            )
        console.print(table)
        console.print(f"{queue.total} held rows {'decided' if decided else 'awaiting a decision'}")
        if queue.more:
            console.print(
                f"showing the {'latest' if decided else 'oldest'} {len(queue.rows)}: "
                f"{queue.more} more not listed"
            )


@held_app.command("release")
def release(
    row_id: Annotated[int, typer.Argument(help="the held row's id (xinyong held list)")],
    reasons: Annotated[str, typer.Option("--reasons", help="why it is the subject's row")],
) -> None:
    """Release a held row under the registered subject, through the pipeline."""
    with command_unit_of_work() as session:
        released = held_rows.release(
            session,
            clock,
            SYSTEM_ACTOR,
            row_id,
            reasons,
            late_after_working_days=get_settings().late_submission_working_days,
        )
        batch = released.report.batch
        console.print(
            f"held row {row_id} released in batch {batch.id}: created {batch.created}, "
            f"updated {batch.updated}, unchanged {batch.unchanged}"
        )


@held_app.command("reject")
def reject(
    row_id: Annotated[int, typer.Argument(help="the held row's id (xinyong held list)")],
    reasons: Annotated[str, typer.Option("--reasons", help="why it is rejected")],
) -> None:
    """Reject a held row, with reasons: the source corrects it and submits it again."""
    with command_unit_of_work() as session:
        held_rows.reject(session, clock, SYSTEM_ACTOR, row_id, reasons)
        console.print(f"held row {row_id} rejected")
