"""Collection commands: the responsibility list, the catalog, file imports."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.cli._shared import clock, console, err_console, print_pack_changes, print_refusal
from xinyong.collection import batches, pipeline, readers, sources
from xinyong.config import get_settings
from xinyong.db.session import make_session_factory
from xinyong.errors import DomainError

sources_app = typer.Typer(
    help="Which organisation submits which record types", no_args_is_help=True
)
catalog_app = typer.Typer(help="The information catalog", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
    app.add_typer(catalog_app, name="catalog")
    app.command("import")(import_file)


def _session_scope() -> tuple[Engine, Session]:
    from xinyong.cli._shared import migrated_engine

    engine = migrated_engine()
    return engine, make_session_factory(engine)()


@sources_app.command("grant")
def sources_grant(
    org: Annotated[str, typer.Option(help="USCC of the submitting organisation")],
    type_: Annotated[str, typer.Option("--type", help="record type code")],
) -> None:
    """Put a record type on an organisation's responsibility list."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        organisation = accounts.organisation_by_code(session, org, field="org")
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, type_)
        console.print(f"{organisation.name} may now submit {type_}")


@sources_app.command("revoke")
def sources_revoke(
    org: Annotated[str, typer.Option(help="USCC of the submitting organisation")],
    type_: Annotated[str, typer.Option("--type", help="record type code")],
) -> None:
    """Take a record type off an organisation's responsibility list: its later
    submissions of that type are refused (Art. 9)."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        organisation = accounts.organisation_by_code(session, org, field="org")
        sources.revoke(session, clock, SYSTEM_ACTOR, organisation, type_)
        console.print(f"{organisation.name} may no longer submit {type_}")


@sources_app.command("list")
def sources_list(org: Annotated[str, typer.Option(help="USCC of the organisation")]) -> None:
    """The record types an organisation may submit."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        organisation = accounts.organisation_by_code(session, org, field="org")
        for code in sources.responsibilities(session, organisation.id):
            console.print(code)


@catalog_app.command("list")
def catalog_list() -> None:
    """Record types with their category, polarity, disclosure and governing rule."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        table = Table("code", "name", "category", "polarity", "disclosure", "rule")
        for rule in catalog.list_record_types(session):
            d = rule.definition
            table.add_row(
                d.code,
                d.name_zh,
                d.category.value,
                d.polarity.value,
                d.disclosure.mode,
                rule.source_label,
            )
        console.print(table)


@catalog_app.command("upgrade")
def catalog_upgrade(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would change, write nothing")
    ] = False,
) -> None:
    """Bring the catalog up to the shipped rule pack (as `xinyong init` does): create the
    record types it adds, give each type nobody revised the pack's new definition (a new
    city version by the system, its note naming what changed), and list the conflicts with
    the credit authority's revisions, which stay in force until it reconciles them."""
    from xinyong.cli._shared import command_unit_of_work

    with command_unit_of_work() as session:
        planned = (
            rule_packs.plan(session, SYSTEM_ACTOR)
            if dry_run
            else rule_packs.apply(
                session,
                clock,
                late_after_working_days=get_settings().late_submission_working_days,
            )
        )
        if planned.having(rule_packs.PackStatus.NEW):
            verb = "would create" if dry_run else "created"
            codes = ", ".join(item.code for item in planned.having(rule_packs.PackStatus.NEW))
            console.print(f"  {verb}: {codes}")
        print_pack_changes(planned, dry_run=dry_run)
        if not planned.pending:
            console.print(
                f"nothing to do: every record type is as {planned.rule_pack} has it, or the "
                "credit authority's own with no change of the pack waiting"
            )


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030), XLSX or JSONL file")],
    source: Annotated[str, typer.Option("--source", help="USCC of the submitting organisation")],
    type_: Annotated[
        str, typer.Option("--type", help="record type code, e.g. administrative_penalty")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="validate and report, write nothing")
    ] = False,
    report: Annotated[
        Path | None, typer.Option("--report", help="write rejected rows as CSV here")
    ] = None,
) -> None:
    """Import a file through the ingestion pipeline.

    Exit status: 0 every row accepted, 1 some rows rejected or held (the report says
    which), 2 the file or the submission is unusable (nothing was written).
    """
    if not file.is_file():
        err_console.print(f"[red]unusable file[/red]: {file} does not exist")
        raise typer.Exit(2)
    try:
        fmt = readers.detect_format(file.name)
    except DomainError as exc:
        print_refusal(exc)
        raise typer.Exit(2) from exc
    engine, session = _session_scope()
    total = readers.count_rows_fast(file, fmt)
    try:
        with (
            readers.open_rows(file, fmt) as rows,
            Progress(
                TextColumn("[bold]importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as progress,
        ):
            task = progress.add_task("rows", total=total)
            organisation = accounts.organisation_by_code(session, source, field="source")
            result = pipeline.ingest(
                session,
                clock,
                SYSTEM_ACTOR,
                pipeline.Submission(
                    organisation=organisation,
                    record_type_code=type_,
                    channel="cli",
                    content_hash=_file_hash(file),
                    filename=file.name,
                ),
                rows.headers,
                rows,
                late_after_working_days=get_settings().late_submission_working_days,
                progress=lambda n: progress.advance(task, n),
            )
        if dry_run and not result.replayed:
            # Its report told whether each number is registered, and under which name:
            # audited and in each found person's access log, as the API's and the upload
            # page's dry runs are (decision 0050 addendum; Art. 24, 34).
            tried = pipeline.dry_run_of(result)
            session.rollback()
            pipeline.record_dry_run(session, clock, SYSTEM_ACTOR, tried)
            session.commit()
        elif dry_run:
            session.rollback()
        else:
            session.commit()
    except DomainError as exc:
        session.rollback()
        print_refusal(exc)
        raise typer.Exit(2) from exc
    finally:
        session.close()
        engine.dispose()
    _print_report(result, dry_run=dry_run)
    if report is not None:
        write_report_csv(result, report)
        console.print(f"rejected rows written to {report}")
    raise typer.Exit(0 if result.all_accepted else 1)


def _print_report(result: pipeline.BatchReport, *, dry_run: bool) -> None:
    batch = result.batch
    heading = "dry run: nothing was written" if dry_run else f"batch {batch.id}"
    if result.replayed:
        heading += " (this file was imported before; nothing changed)"
    console.print(f"[bold]{heading}[/bold]")
    summary = Table(
        "rows", "created", "updated", "unchanged", "rejected", "held", "late", "new subjects"
    )
    summary.add_row(
        *(
            str(v)
            for v in (
                batch.rows_total,
                batch.created,
                batch.updated,
                batch.unchanged,
                batch.rejected,
                batch.held,
                batch.late,
                batch.new_subjects,
            )
        )
    )
    console.print(summary)
    if batch.unknown_columns:
        console.print(
            f"[yellow]unknown columns ignored[/yellow]: {', '.join(batch.unknown_columns)}"
        )
    if result.problems:
        problems = Table("row", "field", "code", "message", "article")
        for p in result.problems[:50]:
            problems.add_row(str(p.row), p.field or "", p.code, p.message, p.article or "")
        console.print(problems)
        if len(result.problems) > 50:
            console.print(f"… and {len(result.problems) - 50} more problems (use --report)")


def write_report_csv(result: pipeline.BatchReport, path: Path) -> None:
    path.write_text(batches.report_csv(result), encoding="utf-8-sig")
