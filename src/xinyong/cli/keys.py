"""``xinyong keys rotate``: new keys for the platform, every stored value made again under
them (decision 0054). Thin over ``xinyong.key_rotation``."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from xinyong import key_files, key_rotation
from xinyong.cli._shared import clock, console, err_console, migrated_engine
from xinyong.config import SECRET_NAMES, SECRETS_FILE, Settings, get_settings
from xinyong.db.engine import read_only
from xinyong.db.locks import running_alone
from xinyong.db.session import make_session_factory, unit_of_work

keys_app = typer.Typer(help="The platform's keys", no_args_is_help=True)

# The daily job's name (cli.jobs): a rotation and the job never run at once.
_DAILY_JOBS = "daily-jobs"


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _refuse(message: str) -> typer.Exit:
    # One line, however long, for the operator's log.
    err_console.print(f"[red]refused:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@keys_app.command("rotate")
def rotate(
    keys: str = typer.Option(
        ",".join(SECRET_NAMES),
        "--keys",
        help="Which keys to rotate, comma-separated: encryption_key, blind_index_key, "
        "session_key (default all three).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Count what would be re-keyed; write nothing."
    ),
) -> None:
    """Make new keys and re-key every stored ciphertext and blind index under them, in one
    transaction. Stop the servers first: a server keeps the old keys in memory."""
    settings = get_settings()
    try:
        names = key_rotation.parse_names(keys)
        key_rotation.refuse_keys_from_the_environment(settings, names)
        if not dry_run:
            key_files.refuse_a_layout_not_kept(settings)
    except (key_rotation.RotationRefused, key_files.OwnerNotKept) as exc:
        raise _refuse(str(exc)) from None
    engine = migrated_engine()
    try:
        with ExitStack() as held:
            for name in (_DAILY_JOBS, key_rotation.ACTION):
                if not held.enter_context(running_alone(engine, name)):
                    raise _refuse(
                        f"another command holds the database ({name}): run the rotation "
                        "when it has finished"
                    )
            if dry_run:
                with unit_of_work(make_session_factory(read_only(engine))) as session:
                    counts = key_rotation.count(session, names)
                console.print(f"dry run: rotating {', '.join(names)} would re-key")
                for kind, number in counts.items():
                    console.print(f"  {kind}: {number}", highlight=False)
                console.print("nothing was written")
                return
            with unit_of_work(make_session_factory(engine)) as session:
                totals = key_rotation.count(session, names)
            try:
                done = _rotate(settings, engine, names, totals)
            except BaseException as failure:
                # What became of the side file (``key_rotation.rotate`` settles it): the
                # operator must know whether the new keys are the database's.
                for note in getattr(failure, "__notes__", ()):
                    err_console.print(f"[red]{escape(note)}[/red]", highlight=False)
                raise
    except key_rotation.PromoteFailed as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except key_rotation.RotationRefused as exc:
        raise _refuse(str(exc)) from None
    finally:
        engine.dispose()
    _tell(names, done, settings.data_dir / SECRETS_FILE)


def _rotate(
    settings: Settings, engine: Engine, names: tuple[str, ...], totals: dict[str, int]
) -> key_rotation.Rekeyed:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console, transient=True) as bar:
        tasks = {kind: bar.add_task(kind, total=total) for kind, total in totals.items()}

        def advance(kind: str, rows: int) -> None:
            if kind in tasks:
                bar.advance(tasks[kind], rows)

        return key_rotation.rotate(settings, engine, clock, names, progress=advance)


def _tell(names: tuple[str, ...], done: key_rotation.Rekeyed, secrets_file: Path) -> None:
    console.print(f"[green]rotated[/green] {', '.join(names)}; new keys in {secrets_file}")
    for kind, number in done.counts.items():
        console.print(f"  {kind}: {number} re-keyed", highlight=False)
    for kind, number in done.not_rekeyed.items():
        console.print(
            f"  [yellow]{kind}: {number} could not be computed again[/yellow] (decision 0054)",
            highlight=False,
        )
    for kind, number in done.deleted.items():
        console.print(
            f"  {kind}: {number} deleted (keyed by what is not stored, so not re-keyed: "
            "login attempt counts of a few minutes, counted again from nothing)",
            highlight=False,
        )
    if "session_key" in names:
        console.print(
            "every session and bearer token is ended: everyone logs in again", highlight=False
        )
    console.print(
        "back up the new secrets.json with the database now; a backup of the database taken "
        "before this rotation opens only with the secrets.json of that time",
        highlight=False,
    )
