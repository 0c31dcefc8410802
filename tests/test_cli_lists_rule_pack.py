"""``xinyong lists upgrade [--dry-run]`` and ``xinyong init`` on lists an earlier release's
lists rule pack set up (decision 0034 addendum): the dry run shows what would change and
writes nothing; the run brings up the standard nobody changed and leaves the published
measure as published, its new text waiting for the credit authority; running again
changes nothing.

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

from tests.conftest import database_url_for
from tests.lists_rule_pack_helpers import (
    EARLIER_MEANS,
    EARLIER_STANDARD,
    HEALTH,
    PACK,
    first_measure,
    load_earlier,
)
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import SystemClock
from xinyong.config import reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.engine import make_engine
from xinyong.lists import measures
from xinyong.lists.models import ListStandard

# Each test makes a database of its own in the test database.
pytestmark = pytest.mark.test_database

KEY_VARIABLES = ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def cli_engine(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """An initialised platform whose lists an earlier pack set up: a standard without its
    Art. 22 case, a published measure with its earlier text."""
    url, connect_args = database_url_for(request.config, tmp_path, "cli_lists_pack")
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
        with Session(engine) as session:
            clock = SystemClock()
            load_earlier(session, clock, "standard", HEALTH, **EARLIER_STANDARD)
            load_earlier(session, clock, "measure", first_measure(), means=EARLIER_MEANS)
            session.commit()
        yield engine
    finally:
        engine.dispose()
        reset_settings()
        reset_default_cipher()


def events(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def flat(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_the_dry_run_shows_what_would_change_and_writes_nothing(cli_engine: Engine) -> None:
    before = events(cli_engine)
    result = run("lists", "upgrade", "--dry-run")
    assert result.exit_code == 0, result.output
    output = flat(result)
    assert (
        f"standard {HEALTH}: would be brought up to {PACK} (remedies, repair_exclusion)" in output
    )
    measure = first_measure()
    assert f"draft measure {measure}: published, and {PACK} changes means" in output
    assert f"/admin/lists/rule-pack/measure/{measure}" in output
    assert (
        f"lists {PACK}: 0 to create, 1 to bring up, 1 published measures with a draft waiting"
        in output
    )
    assert events(cli_engine) == before


def test_the_upgrade_brings_up_the_standard_and_never_the_published_measure(
    cli_engine: Engine,
) -> None:
    result = run("lists", "upgrade")
    assert result.exit_code == 0, result.output
    output = flat(result)
    assert f"standard {HEALTH}: brought up to {PACK}" in output
    assert f"lists {PACK}: 0 created, 1 brought up, 1 published" in output
    with Session(cli_engine) as session:
        standard = session.scalar(select(ListStandard).where(ListStandard.code == HEALTH))
        assert standard is not None
        assert standard.repair_exclusion == "22(1)"
        assert measures.by_code(session, first_measure()).means == EARLIER_MEANS

    # Again, by `init` and by the command: the draft is reported, nothing is written.
    settled = events(cli_engine)
    again = run("init")
    assert again.exit_code == 0, again.output
    assert f"draft measure {first_measure()}" in flat(again)
    assert f"standard {HEALTH}" not in flat(again)
    assert events(cli_engine) == settled
    once_more = run("lists", "upgrade")
    assert once_more.exit_code == 0, once_more.output
    assert f"lists {PACK}: 0 created, 0 brought up, 1 published" in flat(once_more)
    assert events(cli_engine) == settled
