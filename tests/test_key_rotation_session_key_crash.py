"""A rotation of the session key only, killed before its commit (decision 0054; review
r17): its side file holds the database's encryption and blind-index keys unchanged, so
only the session key tells it from a committed rotation's — it is not promoted, and the
old session key stays."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.test_cli import (  # noqa: F401 - fixtures
    cli_engine,
    data_dir,
    initialised,
    initialised_once,
    output_of,
    run,
)
from tests.test_key_rotation import Crash, _a_person, _crash, _reads_with_its_keys, _secrets
from xinyong import key_files, key_rotation


def test_a_session_key_rotation_crashed_before_its_commit_is_not_promoted(
    initialised: Path, cli_engine: Engine
) -> None:
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rotation, "rekey", _crash)
        patch.setattr(key_files, "settle_after_failure", _crash)
        result = run("keys", "rotate", "--keys", "session_key")
    assert isinstance(result.exception, Crash)
    pending = initialised / key_files.PENDING_FILE
    assert pending.exists()
    # The next opening leaves it: the database never recorded its session key.
    _reads_with_its_keys(cli_engine, number)
    assert pending.exists()
    assert _secrets(initialised) == old
    # The next rotation replaces it, and is promoted.
    again = run("keys", "rotate", "--keys", "session_key")
    assert again.exit_code == 0, output_of(again)
    assert not pending.exists()
    assert _secrets(initialised)["session_key"] != old["session_key"]
    _reads_with_its_keys(cli_engine, number)
