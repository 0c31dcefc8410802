"""``xinyong users create NAME --role subject --citizen-id …``: the operator binds a natural
person's account by the ID number the person showed at the counter, as the administrator
does on ``/admin/users`` and through ``POST /api/v1/admin/users`` (decision 0031 addendum)
— by the same service, ``subjects.subject_for_account``: found by its blind index, the
lookup audited found or not, the number never stored, printed or audited in clear. Both
``--subject`` and ``--citizen-id``, or neither, is refused with exit 2.

Against a SQLite file of its own, or a PostgreSQL schema of its own when
XINYONG_TEST_DATABASE_URL is set (the command reads XINYONG_DATABASE_URL)."""

from __future__ import annotations

import json
import random
import re
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests.conftest import copied_database
from xinyong.accounts.models import Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import SystemClock
from xinyong.config import reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.engine import make_engine
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_citizen_id

# Each test makes a database of its own in the test database.
pytestmark = pytest.mark.test_database

KEY_VARIABLES = ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY")
CITIZEN_ID = make_citizen_id(random.Random(9031), division="350102")
MASKED = CITIZEN_ID[:6] + "********" + CITIZEN_ID[-4:]
UNREGISTERED = make_citizen_id(random.Random(9032), division="350103")


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input)


def flat(result: Result) -> str:
    """What the command printed, stdout and stderr, with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def _point_the_cli_at(patch: pytest.MonkeyPatch, data: Path, url: str) -> None:
    patch.setenv("XINYONG_DATA_DIR", str(data))
    patch.setenv("XINYONG_DATABASE_URL", url)
    for name in KEY_VARIABLES:
        patch.delenv(name, raising=False)
    reset_settings()
    reset_default_cipher()


def _with_args(url: str, connect_args: dict[str, str]) -> str:
    return f"{url}?{urllib.parse.urlencode(connect_args)}" if connect_args else url


@pytest.fixture(scope="session")
def initialised_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worker's data folder (its secrets) of the platform ``cli_engine`` copies."""
    return tmp_path_factory.mktemp("cli_person") / "data"


@pytest.fixture
def cli_engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    initialised_data: Path,
) -> Iterator[Engine]:
    """An initialised platform with one natural person registered, who has no account: a
    copy of the worker's, which ``xinyong init`` made once (it was most of each test's
    time, 1.5–2.5 s on PostgreSQL) — its data folder and its database."""

    def initialise(url: str, connect_args: dict[str, str]) -> None:
        with pytest.MonkeyPatch.context() as patch:
            _point_the_cli_at(patch, initialised_data, _with_args(url, connect_args))
            engine = make_engine(_with_args(url, connect_args))
            try:
                result = run("init")
                assert result.exit_code == 0, result.output
                with Session(engine) as session:
                    subjects.register_natural_person(
                        session, SystemClock(), SYSTEM_ACTOR, name="林某某", citizen_id=CITIZEN_ID
                    )
                    session.commit()
            finally:
                engine.dispose()
                reset_settings()
                reset_default_cipher()

    url, connect_args = copied_database(
        request.config, tmp_path, "cli_person", "cli_person", initialise
    )
    shutil.copytree(initialised_data, tmp_path / "data")
    _point_the_cli_at(monkeypatch, tmp_path / "data", _with_args(url, connect_args))
    engine = make_engine(_with_args(url, connect_args))
    try:
        yield engine
    finally:
        engine.dispose()
        reset_settings()
        reset_default_cipher()


def person_id(engine: Engine, citizen_id: str = CITIZEN_ID) -> int:
    with Session(engine) as session:
        person = subjects.by_citizen_id(session, citizen_id)
        assert person is not None
        return person.id


def account(engine: Engine, username: str) -> UserAccount | None:
    with Session(engine) as session:
        return session.scalar(select(UserAccount).where(UserAccount.username == username))


def lookups(engine: Engine) -> list[tuple[str | None, str]]:
    with Session(engine) as session:
        return [
            (e.target_id, e.outcome)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == subjects.PERSON_LOOKUP_ACTION)
                .order_by(AuditEvent.sequence)
            )
        ]


def audit_text(engine: Engine) -> str:
    with Session(engine) as session:
        return json.dumps(
            [[e.action, e.target_id, e.details] for e in session.scalars(select(AuditEvent))],
            ensure_ascii=False,
        )


def assert_never_in_clear(result: Result, engine: Engine, *numbers: str) -> None:
    for number in numbers:
        assert number not in result.output
        assert number[6:14] not in flat(result), "the birth date is what masking hides"
        assert number not in audit_text(engine)


@pytest.mark.parametrize(
    ("given", "typed"),
    [("-", CITIZEN_ID + "\n"), ("prompt", CITIZEN_ID + "\n"), (CITIZEN_ID.lower(), None)],
    ids=["stdin", "prompt", "in-the-command"],
)
def test_the_operator_binds_a_persons_account_by_its_id_number(
    cli_engine: Engine, given: str, typed: str | None
) -> None:
    result = run(
        "users", "create", "linmm", "--role", "subject", "--citizen-id", given, input=typed
    )

    assert result.exit_code == 0, result.output
    assert f"bound to the subject {MASKED}" in flat(result)
    assert re.search(r"activation code: [A-Z2-9]{4}(?:-[A-Z2-9]{4}){4}", flat(result))
    assert_never_in_clear(result, cli_engine, CITIZEN_ID)
    created = account(cli_engine, "linmm")
    assert created is not None
    assert (created.role, created.subject_id, created.organisation_id) == (
        Role.SUBJECT,
        person_id(cli_engine),
        None,
    )
    # The lookup is audited as the web's is, by the operator (the system), found.
    assert lookups(cli_engine) == [(str(person_id(cli_engine)), "ok")]


def test_an_unregistered_id_number_is_refused_on_its_field_and_the_try_stays_audited(
    cli_engine: Engine,
) -> None:
    result = run(
        "users", "create", "nobody", "--role", "subject", "--citizen-id", "-",
        input=UNREGISTERED + "\n",
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert "refused unknown_subject [citizen_id]" in flat(result)
    assert account(cli_engine, "nobody") is None
    # Rolled back, but the lookup that found no one is kept (Art. 34), as on the web.
    assert lookups(cli_engine) == [(None, "not_found")]
    assert_never_in_clear(result, cli_engine, UNREGISTERED)


def test_a_number_that_is_no_citizen_id_is_refused_without_showing_it(
    cli_engine: Engine,
) -> None:
    wrong_check = CITIZEN_ID[:-1] + ("1" if CITIZEN_ID[-1] != "1" else "2")
    result = run(
        "users", "create", "typo", "--role", "subject", "--citizen-id", "-",
        input=wrong_check + "\n",
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert "[citizen_id]" in flat(result)
    assert account(cli_engine, "typo") is None
    assert_never_in_clear(result, cli_engine, wrong_check)


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (
            ("--subject", "91350100MG59YK161P", "--citizen-id", CITIZEN_ID),
            "one_subject",
            "not both",
        ),
        ((), "subject_required", "--subject CODE for an organisation"),
        (("--subject", "  ", "--citizen-id", ""), "subject_required", "--citizen-id"),
    ],
    ids=["both", "neither", "blank"],
)
def test_both_or_neither_is_refused_with_exit_2(
    cli_engine: Engine, args: tuple[str, ...], code: str, said: str
) -> None:
    result = run("users", "create", "either", "--role", "subject", *args)

    assert result.exit_code == 2, result.output
    assert f"refused {code} [subject]" in flat(result)
    assert said in flat(result)
    assert account(cli_engine, "either") is None
    assert lookups(cli_engine) == [], "refused before any lookup"
    assert_never_in_clear(result, cli_engine, CITIZEN_ID)


def test_the_password_and_the_id_number_are_not_both_read_from_stdin(
    cli_engine: Engine,
) -> None:
    result = run(
        "users", "create", "twice", "--role", "subject", "--citizen-id", "-",
        "--password", "-", input=f"{CITIZEN_ID}\na long cli password\n",
    )  # fmt: skip

    assert result.exit_code == 2, result.output
    assert "refused one_from_stdin [citizen_id]" in flat(result)
    assert account(cli_engine, "twice") is None
