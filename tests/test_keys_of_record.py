"""The keys a database was set up with are checked whenever the platform opens it
(decision 0004, session 19 addendum; review r4 of session 19, finding 1): `xinyong init`
without secrets made new keys for a database in use, and a wrong blind-index key started
normally and registered every natural person of the next batch a second time."""

# ruff: noqa: F811

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.factories import PersonFactory, bind
from tests.test_cli import (  # noqa: F401 - fixtures
    COMMANDS_ON_THE_DATABASE,
    _in,
    cli_engine,
    data_dir,
    initialised,
    initialised_once,
    output_of,
    run,
)
from xinyong import keys_of_record
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock, SystemClock
from xinyong.config import Settings, reset_settings
from xinyong.crypto import FieldCipher, reset_default_cipher
from xinyong.db.engine import make_engine
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import service as subjects

OTHER_KEY = base64.urlsafe_b64encode(b"o" * 32).decode()
CITIZEN_ID = "350102199403157723"


def _cipher(encryption: bytes = b"e" * 32, index: bytes = b"b" * 32) -> FieldCipher:
    return FieldCipher(encryption, index)


def _recorded(session: Session) -> list[dict[str, str]]:
    return list(
        session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == keys_of_record.ACTION)
            .order_by(AuditEvent.sequence)
        )
    )


# --- the check itself --------------------------------------------------------------------------


def test_keys_are_recorded_once_then_compared(db: Session, clock: FixedClock) -> None:
    first = keys_of_record.verify(db, clock, _cipher())
    again = keys_of_record.verify(db, clock, _cipher())

    assert first.recorded
    assert not again.recorded
    (details,) = _recorded(db)
    assert set(details) == {"encryption_key", "blind_index_key", "checked_against"}
    # A check value, never the key: neither key's bytes nor its base64 are in it.
    for key in (b"e" * 32, b"b" * 32):
        assert key.hex() not in json.dumps(details)
        assert base64.urlsafe_b64encode(key).decode() not in json.dumps(details)

    with pytest.raises(keys_of_record.KeysDoNotMatch) as refused:
        keys_of_record.verify(db, clock, _cipher(index=b"o" * 32))
    assert refused.value.keys == ("blind_index_key",)
    assert "blind_index_key" in str(refused.value)
    with pytest.raises(keys_of_record.KeysDoNotMatch) as both:
        keys_of_record.verify(db, clock, _cipher(encryption=b"o" * 32, index=b"o" * 32))
    assert both.value.keys == ("encryption_key", "blind_index_key")
    assert len(_recorded(db)) == 1, "a refused check records nothing"


def test_a_database_set_up_before_is_checked_against_the_ids_it_holds(
    db: Session, clock: FixedClock
) -> None:
    """No check values yet: the keys are tried on a stored citizen ID before they become the
    keys of record."""
    bind(db, clock)
    PersonFactory(citizen_id=CITIZEN_ID)

    with pytest.raises(keys_of_record.KeysDoNotMatch) as wrong_index:
        keys_of_record.verify(db, clock, _cipher(index=b"o" * 32))
    assert wrong_index.value.keys == ("blind_index_key",)
    with pytest.raises(keys_of_record.KeysDoNotMatch) as wrong_encryption:
        keys_of_record.verify(db, clock, _cipher(encryption=b"o" * 32))
    assert wrong_encryption.value.keys == ("encryption_key",)
    assert _recorded(db) == []

    verified = keys_of_record.verify(db, clock, _cipher())
    assert verified.recorded
    assert verified.checked_against == "a stored citizen ID"


# --- the commands ------------------------------------------------------------------------------


def test_init_without_secrets_on_a_database_in_use_refuses_and_writes_nothing(
    initialised: Path,
) -> None:
    """The situation of the review: a restore that left out secrets.json, a new host
    pointed at the database. init made new keys, exit 0."""
    secrets_file = initialised / "secrets.json"
    secrets_file.unlink()
    reset_settings()

    result = run("init")

    assert result.exit_code == 2, output_of(result)
    assert "restore the secrets.json" in output_of(result)
    assert not secrets_file.exists(), "no new keys for a database in use"


def test_init_on_a_new_database_still_makes_its_keys(data_dir: Path) -> None:
    result = run("init")

    assert result.exit_code == 0, output_of(result)
    assert (data_dir / "secrets.json").exists()
    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session:
            (details,) = _recorded(session)
    finally:
        engine.dispose()
    stored = json.loads((data_dir / "secrets.json").read_text())
    cipher = FieldCipher(
        base64.urlsafe_b64decode(stored["encryption_key"]),
        base64.urlsafe_b64decode(stored["blind_index_key"]),
    )
    assert details["encryption_key"] == cipher.key_checks["encryption_key"]
    assert details["blind_index_key"] == cipher.key_checks["blind_index_key"]


@pytest.mark.parametrize("command", [("init",), *COMMANDS_ON_THE_DATABASE], ids=" ".join)
def test_every_command_refuses_a_blind_index_key_the_database_was_not_set_up_with(
    initialised: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """A stale XINYONG_BLIND_INDEX_KEY wins over secrets.json: the server started and the
    next batch registered a second 王某某."""
    monkeypatch.setenv("XINYONG_BLIND_INDEX_KEY", OTHER_KEY)
    reset_settings()
    reset_default_cipher()

    result = run(*_in(initialised.parent, command))

    assert result.exit_code == 2, output_of(result)
    said = " ".join(output_of(result).split())
    assert "the blind_index_key is not the key this database was set up with" in said
    assert "XINYONG_BLIND_INDEX_KEY" in said
    assert "encryption_key" not in said
    assert "Traceback" not in said


def test_a_command_with_another_secrets_file_names_both_keys(initialised: Path) -> None:
    (initialised / "secrets.json").write_text(
        json.dumps(dict.fromkeys(("encryption_key", "blind_index_key", "session_key"), OTHER_KEY))
    )
    reset_settings()
    reset_default_cipher()

    result = run("orgs", "list")

    assert result.exit_code == 2, output_of(result)
    said = " ".join(output_of(result).split())
    assert "the encryption_key and the blind_index_key are not the keys" in said
    # Rich wraps long lines anywhere, inside a path too.
    assert str(initialised / "secrets.json") in "".join(said.split())


def _set_up_before_the_check(data: Path, keys: dict[str, str]) -> None:
    """A database as an earlier release left it: migrated, a person registered under
    ``keys``, no check values."""
    data.mkdir(parents=True, exist_ok=True)
    (data / "secrets.json").write_text(json.dumps(keys))
    reset_settings()
    reset_default_cipher()
    engine = make_engine(f"sqlite:///{data / 'xinyong.sqlite3'}")
    try:
        upgrade(engine)
        with unit_of_work(make_session_factory(engine)) as session:
            subjects.register_natural_person(
                session, SystemClock(), SYSTEM_ACTOR, name="王某某", citizen_id=CITIZEN_ID
            )
            assert _recorded(session) == []
    finally:
        engine.dispose()
        reset_default_cipher()


def test_a_database_set_up_before_gets_its_check_values_at_its_next_start(
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = {
        name: base64.urlsafe_b64encode(byte * 32).decode()
        for name, byte in (
            ("encryption_key", b"1"),
            ("blind_index_key", b"2"),
            ("session_key", b"3"),
        )
    }
    _set_up_before_the_check(data_dir, keys)

    monkeypatch.setenv("XINYONG_BLIND_INDEX_KEY", OTHER_KEY)
    reset_settings()
    wrong = run("orgs", "list")
    assert wrong.exit_code == 2, output_of(wrong)
    assert "have another blind index under it" in " ".join(output_of(wrong).split())

    monkeypatch.delenv("XINYONG_BLIND_INDEX_KEY")
    reset_settings()
    right = run("orgs", "list")
    assert right.exit_code == 0, output_of(right)
    assert "checked against a stored citizen ID" in " ".join(output_of(right).split())
    engine = make_engine(f"sqlite:///{data_dir / 'xinyong.sqlite3'}")
    try:
        with Session(engine) as session:
            (details,) = _recorded(session)
            assert details["checked_against"] == "a stored citizen ID"
    finally:
        engine.dispose()


# --- the web application -----------------------------------------------------------------------


def test_the_web_app_does_not_start_with_another_key(initialised: Path, cli_engine: Engine) -> None:
    from xinyong.web.app import create_app

    url = f"sqlite:///{initialised / 'xinyong.sqlite3'}"
    with pytest.raises(keys_of_record.KeysDoNotMatch, match="blind_index_key"):
        create_app(Settings(data_dir=initialised, database_url=url, blind_index_key=OTHER_KEY))
    with pytest.raises(keys_of_record.KeysDoNotMatch, match="encryption_key"):
        create_app(Settings(data_dir=initialised, database_url=url, encryption_key=OTHER_KEY))
    assert create_app(Settings(data_dir=initialised, database_url=url)) is not None


# --- the data folder and the database files (finding 4) ----------------------------------------


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_init_makes_the_data_folder_and_the_database_owner_only(data_dir: Path) -> None:
    result = run("init")
    assert result.exit_code == 0, output_of(result)

    assert _mode(data_dir) == 0o700
    database = data_dir / "xinyong.sqlite3"
    assert _mode(database) == 0o600
    # The -wal and -shm files SQLite makes beside it while it is open, with its mode.
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
            companions = [data_dir / "xinyong.sqlite3-wal", data_dir / "xinyong.sqlite3-shm"]
            assert all(path.exists() for path in companions)
            assert [_mode(path) for path in companions] == [0o600, 0o600]
    finally:
        engine.dispose()


def test_a_database_an_earlier_release_made_readable_is_kept_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)

    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
            assert _mode(database) == 0o600
            assert _mode(tmp_path / "old.sqlite3-shm") == 0o600
    finally:
        engine.dispose()


def test_init_says_when_the_data_folder_is_open_to_others(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)

    result = run("init")

    assert result.exit_code == 0, output_of(result)
    assert "chmod 700" in " ".join(output_of(result).split())
    assert _mode(data_dir / "xinyong.sqlite3") == 0o600
