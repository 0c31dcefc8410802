"""``xinyong catalog upgrade [--dry-run]`` and ``xinyong init`` on a catalog an earlier
release's pack set up (decision 0034): the dry run shows what would change and writes
nothing; the run brings up the type nobody revised and leaves the credit authority's
revision in force, reporting the conflict; running again changes nothing.

Against a SQLite file of its own, or a PostgreSQL schema of its own when
XINYONG_TEST_DATABASE_URL is set (the command reads XINYONG_DATABASE_URL)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests import factories
from tests.conftest import database_url_for
from tests.factories import OrganisationFactory, UserFactory
from tests.rule_pack_helpers import PACK, current_definition, load_earlier
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordTypeVersion
from xinyong.cli import app
from xinyong.clock import SystemClock
from xinyong.config import reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.engine import make_engine

# Each test makes a database of its own in the test database.
pytestmark = pytest.mark.test_database

KEY_VARIABLES = ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY")
INSPECTION = "administrative_inspection"
CONTRACT = "contract_performance"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def cli_engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """An initialised platform whose catalog an earlier release set up: the inspection type
    as the earlier pack gave it, the contract type revised by the credit authority since."""
    url, connect_args = database_url_for(request.config, tmp_path, "cli_pack")
    if connect_args:
        url = f"{url}?{urllib.parse.urlencode(connect_args)}"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    reset_default_cipher()
    engine = make_engine(url)
    try:
        result = run("init")
        assert result.exit_code == 0, result.output
        clock = SystemClock()
        with Session(engine) as session:
            load_earlier(session, clock, INSPECTION, CONTRACT)
            factories.bind(session, clock)
            authority = OrganisationFactory(kind=OrganisationKind.CREDIT_AUTHORITY)
            officer = accounts.actor_for_user(
                UserFactory(role=Role.CREDIT_AUTHORITY_OFFICER, organisation=authority)
            )
            catalog.revise_record_type(
                session,
                clock,
                officer,
                CONTRACT,
                {
                    **current_definition(session, CONTRACT),
                    "legal_basis": "合同履约（主管部门修订）",
                },
                note="主管部门修订",
            )
            session.commit()
        yield engine
    finally:
        engine.dispose()
        reset_settings()
        reset_default_cipher()


def counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(RecordTypeVersion)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def versions(engine: Engine, code: str) -> list[RecordTypeVersion]:
    with Session(engine) as session:
        return catalog.history(session, code)


def flat(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_the_dry_run_shows_what_would_change_and_writes_nothing(cli_engine: Engine) -> None:
    before = counts(cli_engine)
    result = run("catalog", "upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    output = flat(result)
    assert (
        f"{INSPECTION}: would be brought up to {PACK} (disclosure.review_before_publicity)"
        in output
    )
    assert (
        f"conflict {CONTRACT}: revised by the credit authority, and {PACK} changes "
        "own_party_field (untouched), fields.resolved_on.not_before (untouched)" in output
    )
    assert f"/admin/catalog/rule-pack/{CONTRACT}" in output
    assert f"{PACK}: 0 to create, 1 to bring up, 1 in conflict, 16 current" in output
    assert counts(cli_engine) == before


def test_the_upgrade_brings_up_what_nobody_revised_and_keeps_the_authoritys_rule(
    cli_engine: Engine,
) -> None:
    contract_before = [v.version_no for v in versions(cli_engine, CONTRACT)]
    result = run("catalog", "upgrade")
    assert result.exit_code == 0, result.output
    output = flat(result)
    assert f"{INSPECTION}: brought up to {PACK} (disclosure.review_before_publicity)" in output
    assert f"conflict {CONTRACT}" in output
    assert f"{PACK}: 0 created, 1 brought up, 1 in conflict" in output
    latest = versions(cli_engine, INSPECTION)[-1]
    assert latest.created_by is None
    assert latest.note == f"brought up to the shipped {PACK}: disclosure.review_before_publicity"
    assert latest.definition["disclosure"]["review_before_publicity"] is True
    assert [v.version_no for v in versions(cli_engine, CONTRACT)] == contract_before

    # Again, by `init` and by the command: the conflict is reported, nothing is written.
    settled = counts(cli_engine)
    again = run("init")
    assert again.exit_code == 0, again.output
    assert f"conflict {CONTRACT}" in flat(again)
    assert INSPECTION not in flat(again)
    assert counts(cli_engine) == settled
    once_more = run("catalog", "upgrade")
    assert once_more.exit_code == 0, once_more.output
    assert f"{PACK}: 0 created, 0 brought up, 1 in conflict" in flat(once_more)
    assert counts(cli_engine) == settled


@pytest.mark.parametrize("command", [("catalog", "upgrade"), ("lists", "upgrade")])
def test_an_upgrade_on_a_database_behind_this_release_asks_for_init_first(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, str],
) -> None:
    """A database an earlier release migrated (here 0031): the upgrade commands say to run
    ``xinyong init`` (which migrates) and exit 2, instead of failing on a missing column."""
    from xinyong.db.migrate import upgrade

    url, connect_args = database_url_for(request.config, tmp_path, "cli_pack_old")
    if connect_args:
        url = f"{url}?{urllib.parse.urlencode(connect_args)}"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XINYONG_DATABASE_URL", url)
    reset_settings()
    engine = make_engine(url)
    try:
        upgrade(engine, "0031")
        for args in (command, (*command, "--dry-run")):
            result = run(*args)
            assert result.exit_code == 2, result.output
            assert "xinyong init" in flat(result)
    finally:
        engine.dispose()
        reset_settings()


def test_the_upgrade_says_how_many_stored_records_it_re_dated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A type brought up to a rule dating its records by another field (decision 0045): the
    output counts the records given a new version and those that keep their date."""
    from xinyong.catalog import rule_packs
    from xinyong.cli._shared import print_pack_changes

    def court(without_date: int) -> rule_packs.PackItem:
        return rule_packs.PackItem(
            "court_judgment_defaulter",
            rule_packs.PackStatus.UPGRADE,
            {"code": "court_judgment_defaulter"},
            redated=rule_packs.RedatedRecords("filed_on", "published_on", 12, without_date),
        )

    print_pack_changes(rule_packs.PackPlan(PACK, (court(3),)), dry_run=False)
    output = " ".join(capsys.readouterr().out.split())
    assert (
        "12 stored record(s) re-dated from filed_on to published_on, a new version each; "
        "3 without published_on keep their date" in output
    )
    print_pack_changes(rule_packs.PackPlan(PACK, (court(0),)), dry_run=False)
    output = " ".join(capsys.readouterr().out.split())
    assert "a new version each" in output
    assert "keep their date" not in output
