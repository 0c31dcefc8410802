"""Platform commands: init, serve, demo, users, organisations, audit."""

from __future__ import annotations

import copy
import ipaddress
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from xinyong import identifiers, keys_of_record
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.catalog.rule_packs import PackStatus
from xinyong.cli._shared import (
    clock,
    command_unit_of_work,
    console,
    err_console,
    migrated_engine,
    print_list_pack_changes,
    print_pack_changes,
    print_refusal,
)
from xinyong.config import StartRefused, generate_secrets, get_settings, make_data_dir
from xinyong.db.engine import make_engine, normalise_url, read_only
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import InvalidInput

users_app = typer.Typer(help="Staff and subject accounts", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    app.command()(demo)
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(orgs_app, name="orgs")


def initialise(*, demo: bool) -> None:
    settings = get_settings()
    if demo and settings.environment == "production":
        # Refused before anything is written: the demo's accounts have a published password.
        err_console.print(
            "[red]refused: the platform is declared production (XINYONG_ENVIRONMENT) and "
            "the demo's accounts have the password the README publishes: no --demo here; "
            "nothing was written[/red]",
            highlight=False,
        )
        raise typer.Exit(2)
    if not make_data_dir(settings.data_dir):
        console.print(
            f"[yellow]the data folder {settings.data_dir} may be entered by other accounts; "
            "its database files are kept readable by this account only, but `chmod 700` "
            "the folder unless another account needs it[/yellow]",
            highlight=False,
        )
    missing = [name for name in keys_of_record.CHECKED if not settings.has_secret(name)]
    if missing and _database_in_use(settings.resolved_database_url):
        # New keys would read none of the citizen IDs stored and find none of its persons
        # by number: the next batch would register each one again (decision 0004).
        err_console.print(
            "[red]refused: this database was set up with keys that are not configured here "
            f"(no {' nor '.join(missing)} in {settings.data_dir / 'secrets.json'} or the "
            "environment): restore the secrets.json made with the database. New keys are "
            "made only for a database not yet in use; nothing was written[/red]",
            highlight=False,
        )
        raise typer.Exit(2)
    if generate_secrets(settings.data_dir):
        console.print(f"generated secrets in {settings.data_dir / 'secrets.json'} (mode 0600)")
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print("database migrated to the latest schema")
    from xinyong import bootstrap
    from xinyong import demo as demo_data

    with command_unit_of_work() as session:
        if demo and not demo_data.is_seeded(session) and demo_data.holds_data(session):
            # Asked before the rule packs are brought up, so that a refused command has
            # changed nothing.
            err_console.print(
                "[red]refused: this database holds organisations, accounts or subjects of "
                "its own; the demo — accounts whose password the README publishes, made-up "
                "records and black-list entries — is loaded only into a new database. "
                "Nothing was written; `xinyong init` without --demo migrates it[/red]",
                highlight=False,
            )
            raise typer.Exit(2)
        loaded = bootstrap.load_rule_pack(
            session, clock, late_after_working_days=settings.late_submission_working_days
        )
        console.print(
            f"rule pack: {len(loaded.catalog.having(PackStatus.NEW))} record types, "
            f"{loaded.calendar_years} calendar years, "
            f"{len(loaded.lists.having(PackStatus.NEW))} list standards, matters and measures "
            "loaded"
        )
        print_pack_changes(loaded.catalog, dry_run=False)
        print_list_pack_changes(loaded.lists, dry_run=False)
        if demo:
            if demo_data.seed(session, clock):
                console.print("demo data loaded (audited as demo.seed)")
            else:
                console.print("demo data already loaded: nothing changed")


def _database_in_use(database_url: str) -> bool:
    """Whether the database exists and has been used (``keys_of_record.database_in_use``),
    read without making a SQLite file that is not there."""
    url = make_url(normalise_url(database_url))
    if (
        url.get_backend_name() == "sqlite"
        and url.database not in (None, "", ":memory:")
        and not Path(url.database).is_file()
    ):
        return False
    engine = make_engine(str(url))
    try:
        with engine.connect() as connection:
            return keys_of_record.database_in_use(connection)
    except OperationalError as exc:
        err_console.print(
            f"[red]the database cannot be opened: {escape(str(exc.orig))}[/red]", highlight=False
        )
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


def init(
    demo: Annotated[bool, typer.Option("--demo", help="also load synthetic demo data")] = False,
) -> None:
    """Create the data folder and secrets, migrate the database, load the Fuzhou rule pack."""
    initialise(demo=demo)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    trusted_proxies: Annotated[
        str | None,
        typer.Option(
            "--trusted-proxies",
            help="the addresses (or networks, comma-separated; '*' for any) of the reverse "
            "proxies or load balancers in front of the platform, whose X-Forwarded-For and "
            "X-Forwarded-Proto are believed: a client is then known by its own address, "
            "which the per-address login limit counts, not the proxy's. Default "
            "XINYONG_TRUSTED_PROXIES, or 127.0.0.1",
        ),
    ] = None,
) -> None:
    """Serve the web pages and the API, on a database migrated to this release."""
    run_server(host=host, port=port, trusted_proxies=trusted_proxies, demo=False)


def run_server(*, host: str, port: int, trusted_proxies: str | None, demo: bool) -> None:
    """``serve``, and ``demo``'s: the demo serves plain HTTP on localhost, so its cookies
    are not Secure unless XINYONG_SECURE_COOKIES says so (decision 0053)."""
    import uvicorn

    from xinyong import demo as demo_data
    from xinyong.web.app import create_app

    settings = get_settings()
    if demo and "secure_cookies" not in settings.model_fields_set:
        settings = settings.model_copy(update={"secure_cookies": False})
    # Not started on a schema the code does not know: every request would be a 500.
    engine = migrated_engine()
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            published = demo_data.accounts_with_the_published_password(session)
    finally:
        engine.dispose()
    loopback = is_loopback(host)
    if not settings.secure_cookies and not loopback:
        err_console.print(
            f"[bold red]warning: serving on {escape(host)}, beyond this host, with "
            "XINYONG_SECURE_COOKIES false: session cookies go over plain HTTP too and no "
            "Strict-Transport-Security is sent. Serve behind HTTPS and leave it on[/bold red]",
            highlight=False,
        )
    if published and not loopback and settings.environment != "production":
        err_console.print(
            f"[bold red]warning: serving on {escape(host)}, beyond this host, a database "
            f"with the demo account {published[0]!r} whose password the README publishes: "
            "anyone who reaches it may log in as a platform administrator. A production "
            "platform sets XINYONG_ENVIRONMENT=production, which refuses this[/bold red]",
            highlight=False,
        )
    try:
        app = create_app(settings)
    except StartRefused as exc:
        err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
        raise typer.Exit(2) from exc

    console.print(f"serving on http://{host}:{port} (API docs at /docs)")
    if settings.secure_cookies:
        console.print(
            "session cookies are Secure, sent back over HTTPS only (XINYONG_SECURE_COOKIES): "
            "serve behind HTTPS; on plain HTTP set it false, as `xinyong demo` does",
            highlight=False,
        )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        log_config=access_log_config(),
        proxy_headers=True,
        forwarded_allow_ips=trusted_proxies or settings.trusted_proxies,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reached from this machine only; a name other than localhost is
    taken as reached from beyond it."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class RedactCitizenIds(logging.Filter):
    """Masks citizen IDs in what the server logs (rules.md: never in clear in logs): the
    access log's arguments — a logged URL may hold one (GET /api/v1/identifiers/{code}, an
    ID typed into the search box), percent-encoded or in full-width digits:
    ``identifiers.redact_citizen_ids`` reads it as the platform would — and the server's
    own messages with their tracebacks ("Exception in ASGI application"), whose exception
    text may hold what a request carried in its URL or its body."""

    _traceback = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = identifiers.redact_citizen_ids(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                identifiers.redact_citizen_ids(arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        if record.exc_info and not record.exc_text:
            # A handler's formatter writes exc_text, once set, instead of formatting the
            # exception again.
            record.exc_text = self._traceback.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = identifiers.redact_citizen_ids(record.exc_text)
        return True


def access_log_config() -> dict[str, Any]:
    """Uvicorn's logging configuration with citizen IDs masked in the access log and in
    the server's error log."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_citizen_ids"] = {"()": RedactCitizenIds}
    for handler in ("access", "default"):
        config["handlers"][handler].setdefault("filters", []).append("redact_citizen_ids")
    return config


def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Initialise with demo data, then serve over plain HTTP (cookies not Secure)."""
    initialise(demo=True)
    run_server(host=host, port=port, trusted_proxies=None, demo=True)


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument()],
    role: Annotated[Role, typer.Option(help="the account's role")],
    org: Annotated[str | None, typer.Option(help="USCC of the staff member's organisation")] = None,
    subject: Annotated[
        str | None,
        typer.Option(help="a subject account: the organisation's USCC or the subject's reference"),
    ] = None,
    citizen_id: Annotated[
        str | None,
        typer.Option(
            "--citizen-id",
            help="a natural person's account, instead of --subject: the ID number the person "
            "showed at the counter, read from stdin ('-') or asked for ('prompt') so that it "
            "stays out of the shell's history and the process list (typed in the command, it "
            "is taken too). Found by its blind index, the lookup audited; never printed",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            help="staff only, the operator's bootstrap: set the password now, read from "
            "stdin ('-') or asked for ('prompt'). Without it the account gets a one-time "
            "activation code, printed, and its holder sets the password"
        ),
    ] = None,
) -> None:
    """Create a staff account (with --org) or a subject account (with --subject, or
    --citizen-id for a natural person), with no password: the activation code printed is
    handed to the holder after checking their identity, and they set their own password
    at /activate. The command line is the platform operator with server access, and is
    audited as such: on the web the administrator creates accounts and a second person
    releases their codes (decisions 0031, 0033). To make the very first accounts the
    operator may instead set a staff account's password (--password), recorded as his act
    and shown to the holder."""
    if password == "-" and citizen_id == "-":  # noqa: S105 - "-" means stdin, not a password
        _refuse_usage(
            "one_from_stdin",
            "--password and --citizen-id cannot both be read from stdin",
            field="citizen_id",
        )
    if role is Role.SUBJECT and not (subject or "").strip() and not (citizen_id or "").strip():
        # Said here in the command's own words; the account service refuses a subject
        # account bound to no subject all the same (subject_required).
        _refuse_usage(
            "subject_required",
            "a subject account is bound to its subject: --subject CODE for an organisation "
            "(its USCC or reference), or --citizen-id for a natural person (the ID number "
            "shown at the counter)",
            field="subject",
        )
    if password == "prompt":  # noqa: S105 - a keyword, not a password (too short to be one)
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    elif password == "-":  # noqa: S105 - "-" means stdin, not a password
        password = sys.stdin.readline().rstrip("\n")
    if citizen_id == "prompt":
        # Not echoed: the number is not to stay on the screen or in a terminal's scrollback.
        citizen_id = typer.prompt("citizen ID number", hide_input=True)
    elif citizen_id == "-":
        citizen_id = sys.stdin.readline().rstrip("\n")
    with command_unit_of_work() as session:
        from xinyong.disclosure import person_lookup

        organisation = accounts.organisation_by_code(session, org, field="org") if org else None
        # As the administrator's page and API name it (decision 0031 addendum): both given
        # is refused (one_subject), the ID number checked, found by its blind index and
        # the lookup audited, found or not.
        bound = person_lookup.subject_for_account(
            session, clock, SYSTEM_ACTOR, reference=subject, citizen_id=citizen_id
        )
        subject_id = None if bound is None else bound.id
        user = accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR,
            username=username,
            password=password,
            role=role,
            display_name=name,
            organisation=organisation,
            subject_id=subject_id,
        )
        console.print(f"created user [bold]{user.username}[/bold] with role {user.role.value}")
        if bound is not None:
            # A person by the masked number only (350102********1234), never in clear.
            console.print(f"bound to the subject {bound.public_code}", highlight=False)
        if password is not None:
            console.print(
                "its password is the one you set: recorded as the platform operator's act "
                "(user.create, password_set_by_operator) and shown on the holder's /account "
                f"page; 'xinyong users activation-code {user.username}' lets them set their own"
            )
            return
        _print_activation(
            accounts.issue_activation_code(
                session,
                clock,
                SYSTEM_ACTOR,
                user.id,
                days=get_settings().activation_days,
                account="any",
            )
        )


def _refuse_usage(code: str, message: str, *, field: str) -> NoReturn:
    """A command refused before it touches the database, printed as a domain refusal is
    (exit 2)."""
    print_refusal(InvalidInput(message, code=code, field=field))
    raise typer.Exit(2)


def _print_activation(issued: accounts.IssuedActivation) -> None:
    console.print(
        f"activation code: [bold]{issued.code}[/bold] (valid until "
        f"{issued.expires_at.isoformat(timespec='minutes')}; shown once: hand it to the "
        "holder after checking their identity; they set their password at /activate)"
    )


@users_app.command("activation-code")
def users_activation_code(username: Annotated[str, typer.Argument()]) -> None:
    """Issue a new activation code for an account, staff or subject (a forgotten password,
    or a password the operator set at creation); the old code, and the account's password
    if it has one, stop working, and so do its tokens and sessions."""
    with command_unit_of_work() as session:
        user = accounts.user_by_username(session, username)
        issued = accounts.issue_activation_code(
            session,
            clock,
            SYSTEM_ACTOR,
            user.id,
            days=get_settings().activation_days,
            account="any",
        )
        _print_activation(issued)


@users_app.command("query-items")
def users_query_items(username: Annotated[str, typer.Argument()]) -> None:
    """The query items a staff account holds (Art. 12(2)): read only. Its organisation's
    security officer assigns and withdraws them on /query-item-assignments; the operator
    with server access does not (decision 0035)."""
    from xinyong.disclosure import query_assignments

    with command_unit_of_work() as session:
        user = accounts.user_by_username(session, username)
        table = Table("query item", "matter", "in force", "assigned by", "assigned at")
        for held in query_assignments.assignments_of(session, user):
            table.add_row(
                held.item.code,
                f"{held.item.matter} ({held.item.matter_code})",
                "yes" if query_assignments.in_force(held.item) else "no (withdrawn)",
                held.granted_by or "carried over (migration 0038)",
                held.granted_at.isoformat(timespec="minutes"),
            )
        console.print(table)


@orgs_app.command("add")
def orgs_add(
    code: Annotated[str, typer.Option(help="unified social credit code")],
    name: Annotated[str, typer.Option()],
    kind: Annotated[OrganisationKind, typer.Option()],
    jurisdiction: Annotated[str, typer.Option(help="GB/T 2260 division code")] = "350100",
) -> None:
    """Register an organisation that uses the platform (an agency, a bank, an association…)."""
    with command_unit_of_work() as session:
        organisation = accounts.create_organisation(
            session, clock, SYSTEM_ACTOR, code=code, name=name, kind=kind, jurisdiction=jurisdiction
        )
        console.print(f"added {organisation.kind.value} {organisation.code} {organisation.name}")


@orgs_app.command("list")
def orgs_list() -> None:
    """List organisations."""
    with command_unit_of_work() as session:
        table = Table("code", "name", "kind", "jurisdiction")
        for organisation in accounts.list_organisations(session):
            table.add_row(
                organisation.code,
                organisation.name,
                organisation.kind.value,
                organisation.jurisdiction,
            )
        console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit 1 naming the first bad sequence number."""
    # One snapshot for the whole walk: an event committed meanwhile is not half seen (the
    # events up to it walked, the head moved past them: a false "sequence N is missing"),
    # and on SQLite the walk holds no writer up (decision 0003 addendum).
    engine = migrated_engine()
    try:
        with unit_of_work(make_session_factory(read_only(engine))) as session:
            result = audit.verify(session)
    finally:
        engine.dispose()
    problem = result.problem
    if problem is not None:
        # A row the chain should witness and does not has no sequence: the events are intact.
        where = (
            "does not witness a row"
            if problem.sequence is None
            else f"broken at sequence {problem.sequence}"
        )
        err_console.print(
            f"[red]audit chain {where}[/red]: "
            f"{problem.reason} ({result.checked} events verified before it)"
        )
        raise typer.Exit(1)
    console.print(f"[green]audit chain intact[/green]: {result.checked} events verified")
