"""The command line: init, demo data, users, organisations, audit verification.

Every test runs the real commands against a SQLite file in its own temporary data folder
(whatever XINYONG_TEST_DATABASE_URL says: the CLI reads XINYONG_DATABASE_URL only).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import pkgutil
import re
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

import xinyong.cli
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, Role, UserAccount
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import Clock, SystemClock
from xinyong.config import reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.engine import make_engine
from xinyong.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_PERSON
from xinyong.disclosure.models import AccessEvent
from xinyong.repair.models import RepairCase, RepairStatus
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

KEY_VARIABLES = ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY")
ORG_CODE = "11350100MB0000027N"  # a demo credit authority's code, valid check characters
STAFF_PASSWORD = "a long cli password"


def use_data_folder(patch: pytest.MonkeyPatch, data: Path) -> None:
    """Point the commands at ``data``: its SQLite file, and no secrets in the environment
    (so `init` generates them in the folder and every command reads them from there)."""
    patch.setenv("XINYONG_DATA_DIR", str(data))
    patch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{data / 'xinyong.sqlite3'}")
    for name in KEY_VARIABLES:
        patch.delenv(name, raising=False)
    reset_settings()
    reset_default_cipher()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data folder with no secrets (so `init` generates them) and a file database."""
    data = tmp_path / "data"
    use_data_folder(monkeypatch, data)
    yield data
    reset_settings()
    reset_default_cipher()


def cli_on_clock(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    """Run every command of this test on ``clock`` instead of the system's (the commands
    share ``cli._shared.clock``; each module holds it under its own name): for a test whose
    outcome depends on the day it runs."""
    for found in pkgutil.iter_modules(xinyong.cli.__path__):
        module = importlib.import_module(f"xinyong.cli.{found.name}")
        if hasattr(module, "clock"):
            monkeypatch.setattr(module, "clock", clock)


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def output_of(result: Result) -> str:
    """What the command printed, stdout and stderr interleaved as on a terminal."""
    return result.output


@pytest.fixture(scope="session")
def initialised_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder as ``xinyong init`` leaves it, made once per worker by the command
    itself: ``initialised`` copies it for each test, since migrating a new database and
    loading the rule packs took most of a test of another command (~1.8 s). The tests of
    ``init`` run it themselves."""
    template = tmp_path_factory.mktemp("initialised") / "data"
    with pytest.MonkeyPatch.context() as patch:
        use_data_folder(patch, template)
        try:
            result = run("init")
            assert result.exit_code == 0, output_of(result)
        finally:
            reset_settings()
            reset_default_cipher()
    return template


@pytest.fixture
def initialised(data_dir: Path, initialised_once: Path) -> Path:
    """This test's data folder, initialised: the worker's copy of what ``init`` made, with
    its modes, its secrets and a database holding no -wal file (the command closed it)."""
    shutil.copytree(initialised_once, data_dir)
    return data_dir


@pytest.fixture
def cli_engine(initialised: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{initialised / 'xinyong.sqlite3'}")
    yield engine
    engine.dispose()


def test_init_creates_secrets_and_migrates(data_dir: Path) -> None:
    result = run("init")
    assert result.exit_code == 0, output_of(result)
    secrets_file = data_dir / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    secrets = json.loads(secrets_file.read_text())
    assert set(secrets) == {"encryption_key", "blind_index_key", "session_key"}
    database = data_dir / "xinyong.sqlite3"
    assert database.exists()
    engine = make_engine(f"sqlite:///{database}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "audit_event", "user_account", "subject", "organisation"} <= tables


def test_init_is_idempotent(data_dir: Path) -> None:
    assert run("init").exit_code == 0
    secrets = (data_dir / "secrets.json").read_text()
    again = run("init")
    assert again.exit_code == 0, output_of(again)
    assert (data_dir / "secrets.json").read_text() == secrets
    assert "generated secrets" not in output_of(again)


def test_init_demo_seeds_the_demo_accounts(data_dir: Path) -> None:
    result = run("init", "--demo")
    assert result.exit_code == 0, output_of(result)
    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session:
            usernames = set(session.scalars(select(UserAccount.username)))
            assert {account.username for account in DEMO_ACCOUNTS} <= usernames
            admin = accounts.authenticate(session, SystemClock(), "admin", DEMO_PASSWORD)
            assert admin.role is Role.PLATFORM_ADMIN
            # Every demo account was activated with a code and the demo password, as its
            # holder would (decisions 0031, 0033): the operator made admin and authority,
            # admin the others, and authority released their codes.
            authority = accounts.user_by_username(session, "authority")
            for account in DEMO_ACCOUNTS:
                user = accounts.authenticate(
                    session, SystemClock(), account.username, DEMO_PASSWORD
                )
                assert user.activated_at is not None, account.username
                bootstrap = account.username in ("admin", "authority")
                assert user.created_by_id == (None if bootstrap else admin.id)
                assert user.activation_released_by_id == (None if bootstrap else authority.id)
            # The person's ID was encrypted with the generated keys and is found through them.
            person = subjects.by_citizen_id(session, DEMO_PERSON[1])
            assert person is not None
            assert person.name == DEMO_PERSON[0]
            assert subjects.reveal_citizen_id(person) == DEMO_PERSON[1]
            # A credit repair application waits for the source's decision (Art. 21-22); an
            # older one was approved, the basis of the demo's credit-repair typical case.
            assert sorted(session.scalars(select(RepairCase.status))) == [
                RepairStatus.ACCEPTED,
                RepairStatus.APPROVED,
            ]
            session.rollback()
    finally:
        engine.dispose()
    # Seeding twice changes nothing.
    assert run("init", "--demo").exit_code == 0
    # The demo's query officer holds the demo's query item, assigned by the regulator's
    # security officer (Art. 12(2)); the case officer holds none.
    held = run("users", "query-items", "querier")
    assert held.exit_code == 0, output_of(held)
    assert "samr.licensing" in output_of(held)
    assert "samr.licensing" not in output_of(run("users", "query-items", "caseofficer"))
    assert run("users", "query-items", "nobody").exit_code == 2


def test_orgs_add(initialised: Path, cli_engine: Engine) -> None:
    result = run(
        "orgs", "add", "--code", ORG_CODE.lower(), "--name", "福州市测试局", "--kind", "state_organ"
    )
    assert result.exit_code == 0, output_of(result)
    assert ORG_CODE in output_of(result)
    with Session(cli_engine) as session:
        organisation = session.scalar(select(Organisation).where(Organisation.code == ORG_CODE))
        assert organisation is not None
        assert organisation.name == "福州市测试局"
    duplicate = run("orgs", "add", "--code", ORG_CODE, "--name", "again", "--kind", "state_organ")
    assert duplicate.exit_code == 2
    assert "duplicate" in output_of(duplicate)
    invalid = run(
        "orgs", "add", "--code", "91350100M000100Y44", "--name", "x", "--kind", "enterprise"
    )
    assert invalid.exit_code == 2
    assert "check_character" in output_of(invalid)
    listed = run("orgs", "list")
    assert listed.exit_code == 0
    assert ORG_CODE in listed.output


def test_users_create_staff_with_password_from_stdin(initialised: Path, cli_engine: Engine) -> None:
    assert (
        run(
            "orgs", "add", "--code", ORG_CODE, "--name", "福州市测试局", "--kind", "state_organ"
        ).exit_code
        == 0
    )
    result = run(
        "users",
        "create",
        "clerk",
        "--role",
        "data_reporter",
        "--org",
        ORG_CODE,
        "--name",
        "Clerk",
        "--password",
        "-",
        input=STAFF_PASSWORD + "\n",
    )
    assert result.exit_code == 0, output_of(result)
    assert STAFF_PASSWORD not in output_of(result)
    # The operator's bootstrap says so (decision 0033), and prints no code.
    assert "platform operator's act" in output_of(result)
    assert "activation code:" not in output_of(result)
    with Session(cli_engine) as session:
        user = accounts.authenticate(session, SystemClock(), "clerk", STAFF_PASSWORD)
        assert user.role is Role.DATA_REPORTER
        assert user.organisation is not None
        assert user.organisation.code == ORG_CODE
        assert user.display_name == "Clerk"
        assert user.created_by_id is None
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.create", AuditEvent.target_id == str(user.id)
            )
        ).one()
        assert event.actor_kind == "system"
        assert event.details["password_set_by_operator"] is True
        history = accounts.account_history(session, accounts.actor_for_user(user))
        assert history[0].by_operator
        assert history[0].password_set_by_operator
        session.rollback()


def test_users_create_staff_with_a_password_asked_for(
    initialised: Path, cli_engine: Engine
) -> None:
    assert (
        run(
            "orgs", "add", "--code", ORG_CODE, "--name", "福州市测试局", "--kind", "state_organ"
        ).exit_code
        == 0
    )
    result = run(
        "users", "create", "clerk", "--role", "data_reporter", "--org", ORG_CODE,
        "--password", "prompt", input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, output_of(result)
    with Session(cli_engine) as session:
        assert accounts.authenticate(session, SystemClock(), "clerk", STAFF_PASSWORD)
        session.rollback()


def test_users_create_staff_without_a_password_prints_a_code(
    initialised: Path, cli_engine: Engine
) -> None:
    """Without --password a staff account is made as on the web, awaiting activation; the
    operator releases its code (decision 0033)."""
    assert (
        run(
            "orgs", "add", "--code", ORG_CODE, "--name", "福州市测试局", "--kind", "state_organ"
        ).exit_code
        == 0
    )
    result = run("users", "create", "clerk", "--role", "query_officer", "--org", ORG_CODE)
    assert result.exit_code == 0, output_of(result)
    match = re.search(r"activation code: ([A-Z2-9]{4}(?:-[A-Z2-9]{4}){4})", output_of(result))
    assert match is not None, output_of(result)
    with Session(cli_engine) as session:
        user = accounts.user_by_username(session, "clerk")
        assert user.awaiting_activation
        assert user.activation_released_by_id is None
        accounts.activate(
            session, SystemClock(), username="clerk", code=match.group(1), password=STAFF_PASSWORD
        )
        session.commit()
    # A new code revokes the password (a forgotten one, or one the operator set).
    again = run("users", "activation-code", "clerk")
    assert again.exit_code == 0, output_of(again)
    assert match.group(1) not in output_of(again)
    with Session(cli_engine) as session:
        assert accounts.user_by_username(session, "clerk").awaiting_activation
        session.rollback()


def test_users_create_refusals(initialised: Path) -> None:
    assert (
        run(
            "orgs", "add", "--code", ORG_CODE, "--name", "福州市测试局", "--kind", "state_organ"
        ).exit_code
        == 0
    )
    short = run(
        "users", "create", "clerk", "--role", "data_reporter", "--org", ORG_CODE,
        "--password", "-", input="short\n",
    )  # fmt: skip
    assert short.exit_code == 2
    assert "password_too_short" in output_of(short)
    wrong_role = run(
        "users", "create", "boss", "--role", "platform_admin", "--org", ORG_CODE,
        "--password", "-", input=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert wrong_role.exit_code == 2
    assert "role_not_allowed" in output_of(wrong_role)
    unknown_org = run(
        "users", "create", "clerk", "--role", "data_reporter", "--org", "91350100M000100Y43",
        "--password", "-", input=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert unknown_org.exit_code == 2
    assert "unknown_organisation" in output_of(unknown_org)


def test_users_create_subject_account(data_dir: Path) -> None:
    assert run("init", "--demo").exit_code == 0
    company_code = "91350100T5A3HDXJ4X"  # a demo company without an account
    # No password is asked for: the account gets a one-time activation code (decision 0031).
    result = run("users", "create", "logistics", "--role", "subject", "--subject", company_code)
    assert result.exit_code == 0, output_of(result)
    printed = output_of(result)
    assert "password" not in printed.split("activation code")[0]
    match = re.search(r"activation code: ([A-Z2-9]{4}(?:-[A-Z2-9]{4}){4})", printed)
    assert match is not None, printed
    code = match.group(1)
    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == "logistics"))
            assert user is not None
            assert user.role is Role.SUBJECT
            assert user.organisation_id is None
            assert user.awaiting_activation
            assert user.activation_code_hash is not None
            assert code not in user.activation_code_hash
            subject = subjects.by_uscc(session, company_code)
            assert subject is not None
            assert user.subject_id == subject.id
            # Valid for the configured number of days (30 by default).
            assert user.activation_expires_at is not None
            valid_for = user.activation_expires_at - user.created_at
            assert abs(valid_for - dt.timedelta(days=30)) < dt.timedelta(minutes=1)
            # Released by the command line (the operator with server access, decision
            # 0031 addendum): no officer is named, and the activation says so.
            assert user.activation_released_by_id is None
            assert user.activation_released_at is not None
            version = user.credentials_version
            # The subject activates it with the code.
            accounts.activate(
                session, SystemClock(), username="logistics", code=code, password=STAFF_PASSWORD
            )
            assert user.credentials_version == version + 1
            event = session.scalars(
                select(AuditEvent).where(
                    AuditEvent.action == "user.activate", AuditEvent.target_id == str(user.id)
                )
            ).one()
            assert event.details["released_by"] is None
            assert event.details["released_at"] is not None
            session.commit()
    finally:
        engine.dispose()
    # An administrator cannot give a subject account a password.
    with_password = run(
        "users", "create", "logistics3", "--role", "subject", "--subject", "91350100MG59YK161P",
        "--password", "-", input=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert with_password.exit_code == 2, output_of(with_password)
    assert "password_not_allowed" in output_of(with_password)
    # A subject has one account; the refusal is a clean exit, not a traceback.
    again = run("users", "create", "logistics2", "--role", "subject", "--subject", company_code)
    assert again.exit_code == 2, output_of(again)
    # A new code: printed, and the password set with the old one stops working.
    reissued = run("users", "activation-code", "logistics")
    assert reissued.exit_code == 0, output_of(reissued)
    assert "activation code:" in output_of(reissued)
    assert code not in output_of(reissued)
    # The operator releases staff accounts' codes too (decision 0033).
    staff = run("users", "activation-code", "querier")
    assert staff.exit_code == 0, output_of(staff)
    assert "activation code:" in output_of(staff)
    unknown = run(
        "users", "create", "ghost", "--role", "subject", "--subject", "91350100M000100Y43",
        "--password", "-", input=STAFF_PASSWORD + "\n",
    )  # fmt: skip
    assert unknown.exit_code == 2
    assert "unknown_subject" in output_of(unknown)


def test_audit_verify_detects_tampering(data_dir: Path) -> None:
    assert run("init", "--demo").exit_code == 0
    intact = run("audit", "verify")
    assert intact.exit_code == 0, output_of(intact)
    assert "audit chain intact" in output_of(intact)

    database = sqlite3.connect(data_dir / "xinyong.sqlite3")
    try:
        with database:
            database.execute("DROP TRIGGER audit_event_no_update")
            changed = database.execute(
                "UPDATE audit_event SET action = 'user.delete' WHERE sequence = 7"
            ).rowcount
        assert changed == 1
    finally:
        database.close()

    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert "sequence 7" in output_of(broken)


def test_audit_verify_finds_a_read_entry_deleted_around_its_trigger(data_dir: Path) -> None:
    """The access log is append-only (triggers) and each granted read's audit event names
    its entries with a digest: deleting one around the trigger breaks the chain's check."""
    from xinyong.disclosure import access

    assert run("init", "--demo").exit_code == 0
    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session, session.begin():
            user = session.scalars(
                select(UserAccount).where(UserAccount.username == "citizen")
            ).one()
            assert user.subject_id is not None
            subject = session.get(Subject, user.subject_id)
            assert subject is not None
            access.open_file(session, SystemClock(), accounts.actor_for_user(user), subject)
            entry_id = session.scalar(select(func.max(AccessEvent.id)))
            sequence = session.scalar(select(func.max(AuditEvent.sequence)))
    finally:
        engine.dispose()
    intact = run("audit", "verify")
    assert intact.exit_code == 0, output_of(intact)

    database = sqlite3.connect(data_dir / "xinyong.sqlite3")
    try:
        with database:
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                database.execute(f"DELETE FROM access_event WHERE id = {entry_id}")
            database.execute("DROP TRIGGER access_event_no_delete")
            database.execute(f"DELETE FROM access_event WHERE id = {entry_id}")
    finally:
        database.close()

    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert f"sequence {sequence}" in output_of(broken)
    assert "access_event" in output_of(broken)


# --- serve: the access log ------------------------------------------------------------------


def test_serve_masks_citizen_ids_in_the_access_log(
    initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /api/v1/identifiers/{code} puts the checked number in the URL; uvicorn's access
    log would write it out in clear without the filter `serve` installs."""
    import logging
    import logging.config

    import uvicorn

    captured: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    result = run("serve", "--port", "8123")
    assert result.exit_code == 0, output_of(result)
    config = captured["log_config"]
    assert isinstance(config, dict)

    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate, lg.filters[:]) for lg in loggers]
    logging.config.dictConfig(config)
    try:
        handler = logging.getLogger("uvicorn.access").handlers[0]
        citizen_id = "11010519491231002X"
        lines = []
        for url in (
            f"/api/v1/identifiers/{citizen_id}",
            f"/api/v1/identifiers/{citizen_id.lower()}",
            f"/search?q={citizen_id}&lang=en",
            "/api/v1/identifiers/91350100M000100Y43",
        ):
            record = logging.LogRecord(
                "uvicorn.access",
                logging.INFO,
                __file__,
                1,
                '%s - "%s %s HTTP/%s" %d',
                ("127.0.0.1:5000", "GET", url, "1.1", 200),
                None,
            )
            assert handler.filter(record)
            lines.append(handler.format(record))
    finally:
        for logger, handlers, level, propagate, filters in saved:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate
            logger.filters[:] = filters
    assert "110105********002X" in lines[0]
    assert citizen_id not in "\n".join(lines)
    assert citizen_id.lower() not in "\n".join(lines)
    assert "19491231" not in "\n".join(lines)
    assert "/api/v1/identifiers/91350100M000100Y43" in lines[3], "codes of organisations stay"


# Every command that reads the database: cron's daily job, the read-only lists, the import,
# the rotation of keys.
COMMANDS_ON_THE_DATABASE = [
    ("jobs", "run"),
    ("catalog", "list"),
    ("orgs", "list"),
    ("audit", "verify"),
    ("sources", "list", "--org", ORG_CODE),
    ("calendar", "show"),
    ("serve", "--port", "8124"),
    ("import", "penalties.csv", "--source", ORG_CODE, "--type", "administrative_penalty"),
    ("keys", "rotate", "--keys", "session_key"),
]


def _in(folder: Path, command: tuple[str, ...]) -> tuple[str, ...]:
    """The command, its file (if it takes one) a penalty CSV in ``folder``."""
    if "penalties.csv" not in command:
        return command
    penalties = folder / "penalties.csv"
    penalties.write_text("行政相对人名称,行政处罚决定书文号\n福州某公司,榕市监罚〔2026〕1号\n")
    return tuple(str(penalties) if part == "penalties.csv" else part for part in command)


@pytest.mark.parametrize("command", COMMANDS_ON_THE_DATABASE, ids=" ".join)
def test_a_command_on_a_data_folder_never_initialised_says_to_init(
    data_dir: Path, command: tuple[str, ...]
) -> None:
    """It ended in a traceback ("unable to open database file") and left an empty database
    file behind (review r2, session 18)."""
    result = run(*_in(data_dir.parent, command))

    assert result.exit_code == 2, output_of(result)
    assert "run `xinyong init` first" in output_of(result)
    assert "Traceback" not in output_of(result)
    assert not (data_dir / "xinyong.sqlite3").exists()


@pytest.mark.parametrize("command", COMMANDS_ON_THE_DATABASE, ids=" ".join)
def test_a_command_on_a_database_a_release_behind_says_to_init(
    initialised: Path, cli_engine: Engine, command: tuple[str, ...]
) -> None:
    """Cron's daily job fires between a release's deployment and its ``xinyong init``: it
    ended in a traceback on a missing column (review r2, session 18)."""
    with cli_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0050'")

    result = run(*_in(initialised.parent, command))

    assert result.exit_code == 2, output_of(result)
    assert "not migrated to this release: run `xinyong init` first" in output_of(result)
    assert "Traceback" not in output_of(result)


@pytest.mark.parametrize("value", ["1", "2.5"])
def test_a_refused_setting_stops_a_command_with_its_reason(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """It ended in a 56-line traceback from wherever the settings were first read (review
    r4, session 18)."""
    monkeypatch.setenv("XINYONG_FREE_REPORTS_PER_YEAR", value)
    reset_settings()

    result = run("orgs", "list")

    assert result.exit_code == 2
    assert "refused setting XINYONG_FREE_REPORTS_PER_YEAR" in output_of(result)
    assert "Traceback" not in output_of(result)
