"""What every command shares: the consoles, the clock, one unit of work per command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from xinyong import key_files, keys_of_record
from xinyong.catalog.rule_packs import ChangeKind, PackPlan, PackStatus
from xinyong.clock import SystemClock
from xinyong.config import MissingSecrets, StartRefused, get_settings
from xinyong.crypto import FieldCipher, reset_default_cipher
from xinyong.db import migrate
from xinyong.db.engine import make_engine, normalise_url
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import DomainError
from xinyong.lists.rule_packs import ListPackPlan, PackPart

console = Console()
err_console = Console(stderr=True)
clock = SystemClock()


def print_refusal(exc: DomainError) -> None:
    article = f" ({exc.article})" if exc.article else ""
    field = f" [{exc.field}]" if exc.field else ""
    # Escaped: Rich would read the field's brackets ("[subject]") as markup and drop them.
    told = escape(f"{exc.code}{field}: {exc.message}{article}")
    err_console.print(f"[red]refused[/red] {told}", highlight=False)


def print_pack_changes(planned: PackPlan, *, dry_run: bool) -> None:
    """What bringing the catalog up to the shipped rule pack did (or, dry, would do): the
    types brought up with what changed, and the conflicts left to the credit authority
    (decision 0034). Nothing when every type is as the pack has it."""
    pack = planned.rule_pack
    for item in planned.having(PackStatus.UPGRADE):
        done = "would be brought" if dry_run else "brought"
        console.print(f"  {item.code}: {done} up to {pack} ({', '.join(item.paths)})")
        if item.redated is not None:
            redated = item.redated
            kept = (
                f"; {redated.without_date} without {redated.to_field} keep their date"
                if redated.without_date
                else ""
            )
            console.print(
                f"    {redated.records} stored record(s) re-dated from {redated.from_field} "
                f"to {redated.to_field}, a new version each{kept}",
                highlight=False,
            )
    for item in planned.having(PackStatus.CONFLICT):
        changes = ", ".join(
            f"{change.path} ({change.kind})"
            for change in item.changes
            if change.kind is not ChangeKind.SAME
        )
        console.print(
            f"  [yellow]conflict[/yellow] {item.code}: revised by the credit authority, and "
            f"{pack} changes {changes}; the authority's rule stays in force until it "
            f"reconciles it (/admin/catalog/rule-pack/{item.code})",
            highlight=False,
        )
    if dry_run or planned.having(PackStatus.UPGRADE, PackStatus.CONFLICT):
        counts = {status: len(planned.having(status)) for status in PackStatus}
        new = "to create" if dry_run else "created"
        brought = "to bring up" if dry_run else "brought up"
        console.print(
            f"{pack}: {counts[PackStatus.NEW]} {new}, {counts[PackStatus.UPGRADE]} {brought}, "
            f"{counts[PackStatus.CONFLICT]} in conflict, {counts[PackStatus.CURRENT]} current, "
            f"{counts[PackStatus.REVISED]} revised by the credit authority with no pack change",
            highlight=False,
        )


def print_list_pack_changes(planned: ListPackPlan, *, dry_run: bool) -> None:
    """What bringing the lists up to the shipped lists rule pack did (or, dry, would do):
    the parts brought up in place, the measures created unpublished, the published measures
    whose new text waits as a draft and the conflicts, each left to the credit authority
    (decision 0034 addendum). Nothing when every part is as the pack has it."""
    pack = planned.rule_pack
    page = "/admin/lists/rule-pack"
    for item in planned.having(PackStatus.UPGRADE):
        done = "would be brought" if dry_run else "brought"
        console.print(
            f"  {item.part} {item.code}: {done} up to {pack} ({', '.join(item.paths)})",
            highlight=False,
        )
    first_load = not any(i.part is PackPart.MEASURE for i in planned.items if i.city is not None)
    if not first_load:
        for item in planned.having(PackStatus.NEW):
            if item.part is PackPart.MEASURE:
                done = "would be created" if dry_run else "created"
                console.print(
                    f"  measure {item.code}: {done} unpublished; the credit authority "
                    "publishes it (/admin/measures)",
                    highlight=False,
                )
    for item in planned.having(PackStatus.DRAFT):
        console.print(
            f"  [yellow]draft[/yellow] measure {item.code}: published, and {pack} changes "
            f"{', '.join(item.paths)}; the published measure stays as it is until the credit "
            f"authority publishes the new text or keeps its own ({page}/measure/{item.code})",
            highlight=False,
        )
    for item in planned.having(PackStatus.CONFLICT):
        changes = ", ".join(
            f"{change.path} ({change.kind})"
            for change in item.changes
            if change.kind is not ChangeKind.SAME
        )
        console.print(
            f"  [yellow]conflict[/yellow] {item.part} {item.code}: changed in the city, and "
            f"{pack} changes {changes}; the city's stays until the credit authority answers "
            f"({page}/{item.part}/{item.code})",
            highlight=False,
        )
    if dry_run or planned.having(PackStatus.UPGRADE, PackStatus.DRAFT, PackStatus.CONFLICT):
        counts = {status: len(planned.having(status)) for status in PackStatus}
        new = "to create" if dry_run else "created"
        brought = "to bring up" if dry_run else "brought up"
        console.print(
            f"lists {pack}: {counts[PackStatus.NEW]} {new}, {counts[PackStatus.UPGRADE]} "
            f"{brought}, {counts[PackStatus.DRAFT]} published measures with a draft waiting, "
            f"{counts[PackStatus.CONFLICT]} in conflict, {counts[PackStatus.CURRENT]} current, "
            f"{counts[PackStatus.REVISED]} the city's own with no pack change",
            highlight=False,
        )


def migrated_engine() -> Engine:
    """The configured database, refused (exit 2, with what to run) where it is missing or its
    schema is behind this release: a command, cron's daily job first among them, runs
    between a release's deployment and its ``xinyong init``, or on a data folder never
    initialised, and would otherwise end in a traceback on a missing table or column (and
    leave an empty SQLite file behind)."""
    url = make_url(normalise_url(get_settings().resolved_database_url))
    if (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).is_file()
    ):
        err_console.print(
            f"[red]no database at {escape(url.database)}: run `xinyong init` first[/red]",
            highlight=False,
        )
        raise typer.Exit(2)
    engine = make_engine(str(url))
    try:
        behind = migrate.pending(engine)
    except OperationalError as exc:
        engine.dispose()
        err_console.print(
            f"[red]the database cannot be opened: {escape(str(exc.orig))}[/red]", highlight=False
        )
        raise typer.Exit(2) from exc
    if behind:
        engine.dispose()
        err_console.print(
            "[red]the database is not migrated to this release: run `xinyong init` first "
            "(it migrates, then brings the rule packs up as this command does)[/red]"
        )
        raise typer.Exit(2)
    try:
        _verify_keys(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _verify_keys(engine: Engine) -> None:
    """Refused (exit 2, naming the key and where it is read from) where the platform's keys
    are not those the database was set up with; recorded where it has no record of them
    yet (decision 0004, session 19 addendum)."""
    settings = get_settings()
    try:
        promoted = key_files.promote_pending(settings, engine)
    except StartRefused as exc:
        err_console.print(
            f"[red]refused: {escape(str(exc))}[/red]", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from exc
    if promoted:
        # A rotation committed, its new keys not yet in secrets.json (decision 0054).
        reset_default_cipher()
        err_console.print(
            f"the keys of a rotation committed earlier were moved from "
            f"{key_files.PENDING_FILE} into secrets.json",
            highlight=False,
        )
    try:
        cipher = FieldCipher(settings.secret("encryption_key"), settings.secret("blind_index_key"))
        with unit_of_work(make_session_factory(engine, keys_compared=False)) as session:
            verified = keys_of_record.verify(session, clock, cipher)
    except MissingSecrets as exc:
        err_console.print(
            f"[red]{escape(str(exc))}; for a database already in use, restore the "
            "secrets.json made with it instead: `xinyong init` makes new keys only for a "
            "new database[/red]",
            highlight=False,
        )
        raise typer.Exit(2) from exc
    except keys_of_record.KeysDoNotMatch as exc:
        origins = ", ".join(f"{name} from {settings.secret_origin(name)}" for name in exc.keys)
        err_console.print(
            f"[red]refused: {escape(str(exc))} (read: {escape(origins)})[/red]", highlight=False
        )
        raise typer.Exit(2) from exc
    if verified.recorded:
        err_console.print(
            "the database now records the check values of its encryption and blind-index "
            f"keys (checked against {verified.checked_against}); a command run with other "
            "keys is refused",
            highlight=False,
        )


@contextmanager
def command_unit_of_work() -> Iterator[Session]:
    """One transaction per command, on a database migrated to this release
    (``migrated_engine``); a domain error is printed with its code and article."""
    engine = migrated_engine()
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            yield session
    except DomainError as exc:
        print_refusal(exc)
        if exc.aftermath is not None:
            # What must outlive the refused command — the audit of a lookup by ID number
            # that found no one — committed alone, as the web's boundary does
            # (``web.deps.settle_failure``).
            with unit_of_work(make_session_factory(engine)) as after:
                exc.aftermath(after)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
