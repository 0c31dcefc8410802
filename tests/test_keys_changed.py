"""A process whose keys predate a rotation writes nothing under them (decision 0054
addendum, session 24; review r15): every audited write compares the process's keys with
the keys of record the audit chain's head keeps, where it takes the head."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW, make_test_engine
from xinyong import crypto, key_files, key_rotation, keys_of_record
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.clock import FixedClock
from xinyong.config import SECRETS_FILE, Settings, reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.engine import make_engine
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import KeysChanged
from xinyong.identifiers import citizen_id_check_character
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.errors import status_for

# The test keys (tests/conftest.py), the keys of record of the database made here.
OLD = key_files.KeySet(b"e" * 32, b"b" * 32, b"s" * 32)
ALL = ("encryption_key", "blind_index_key", "session_key")
CLOCK = FixedClock(TEST_NOW)

pytestmark = pytest.mark.test_database


def _number(serial: int) -> str:
    first17 = f"11010119900307{serial:03d}"
    return first17 + citizen_id_check_character(first17)


@pytest.fixture(autouse=True)
def _keys_read_afresh_after() -> Iterator[None]:
    yield
    reset_settings()
    reset_default_cipher()


@pytest.fixture
def private(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of the test's own, its keys of record the test keys."""
    engine = make_test_engine(request.config, tmp_path, "keyguard")
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        keys_of_record.verify(session, CLOCK, OLD.cipher())
    yield engine
    engine.dispose()


def _rotate(engine: Engine) -> key_files.KeySet:
    """``xinyong keys rotate`` as another process runs it: the database under new keys,
    which the files hold from now on (here: the environment, which the settings read)."""
    new = OLD.rotated(ALL)
    with unit_of_work(make_session_factory(engine)) as session:
        key_rotation.rekey(session, CLOCK, OLD, new, ALL)
    return new


def _files_hold(monkeypatch: pytest.MonkeyPatch, keys: key_files.KeySet) -> None:
    for name in ALL:
        monkeypatch.setenv(
            f"XINYONG_{name.upper()}", base64.urlsafe_b64encode(keys.get(name)).decode()
        )


def _register(session: Session, name: str, number: str) -> Subject:
    return subjects.register_natural_person(
        session, CLOCK, SYSTEM_ACTOR, name=name, citizen_id=number
    )


def _named(engine: Engine, name: str) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(Subject.name == name)) or 0


def _reads_after(engine: Engine, new: key_files.KeySet, *numbers: str) -> None:
    """The next transaction writes under the new keys; every person is found by their
    number and read; the chain holds; the head keeps the new keys."""
    with unit_of_work(make_session_factory(engine)) as session:
        _register(session, "赵某", _number(9))
    assert crypto.default_cipher().key_checks == new.cipher().key_checks
    with Session(engine) as session:
        for number in (*numbers, _number(9)):
            found = subjects.by_citizen_id(session, number)
            assert found is not None, number
            assert subjects.reveal_citizen_id(found) == number
        assert audit.verify(session).problem is None
    # Another rotation is not refused by a row left under keys nobody holds.
    with unit_of_work(make_session_factory(engine)) as session:
        key_rotation.rekey(session, CLOCK, new, new.rotated(("blind_index_key",)), ALL[1:2])


def test_a_process_whose_keys_predate_a_rotation_is_refused_and_writes_nothing(
    private: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server left running across the rotation (any database), in a transaction that did
    not compare its keys as it began (a session not from ``make_session_factory``; since
    session 25 one from it reads the new keys first, below): the head refuses the write."""
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "钱某", _number(1))  # the process reads its keys
    new = _rotate(private)
    _files_hold(monkeypatch, new)

    with pytest.raises(KeysChanged) as refused, Session(private) as session:
        _register(session, "李某某", _number(2))
    assert status_for(refused.value) == 503
    assert _named(private, "李某某") == 0
    # Forgotten: the next transaction reads the keys afresh.
    assert crypto.built_default_cipher() is None
    _reads_after(private, new, _number(1))


def test_a_transaction_that_had_only_read_when_the_rotation_committed_writes_nothing(
    private: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's case (r15, inflight.py): on PostgreSQL the rotation's table locks do
    not wait for a transaction that has only read."""
    if private.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the writer and the rotation at BEGIN IMMEDIATE")
    reset_default_cipher()
    crypto.default_cipher()  # the keys this process opened with
    writer = Session(private)
    try:
        writer.scalar(select(func.count()).select_from(Subject))  # ACCESS SHARE only
        new = _rotate(private)
        _files_hold(monkeypatch, new)
        with pytest.raises(KeysChanged):
            _register(writer, "李某某", _number(2))
        writer.rollback()
    finally:
        writer.close()
    assert _named(private, "李某某") == 0
    _reads_after(private, new)


def test_the_normal_path_compares_and_writes(
    private: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "孙某", _number(3))
        head = session.scalar(select(audit.AuditHead.key_checks))
    assert head == crypto.default_cipher().data_key_checks
    assert os.environ["XINYONG_ENCRYPTION_KEY"]  # the conftest's keys, unchanged


def test_the_web_answers_a_503_to_send_again() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from xinyong.web import errors as web_errors

    app = FastAPI()
    web_errors.install(app)

    @app.get("/api/v1/written")
    def written() -> None:
        raise KeysChanged("the keys changed")

    answer = TestClient(app).get("/api/v1/written")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(web_errors.RETRY_BUSY_AFTER)
    assert answer.json()["error"]["code"] == "keys_changed"


# --- a rotation that ended in an error: its side file settled (decision 0054, session 25) ---


def _files_of(monkeypatch: pytest.MonkeyPatch, folder: Path, keys: key_files.KeySet) -> Settings:
    """A data folder whose secrets.json holds ``keys``, the environment giving none."""
    for name in ALL:
        monkeypatch.delenv(f"XINYONG_{name.upper()}", raising=False)
    encoded = {name: base64.urlsafe_b64encode(keys.get(name)).decode() for name in ALL}
    (folder / SECRETS_FILE).write_text(json.dumps(encoded))
    return Settings(data_dir=folder)


def _held_back(engine: Engine) -> None:
    """Until another transaction waits for a lock the rotation holds (PostgreSQL: the
    keys-of-record lock; SQLite gives no view of its waiters, so a moment is given). Only
    the defect's showing depends on it: a settling that waits is right at any moment."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as watcher:
        # Bounded: a settling that does not wait (the defect) is never seen waiting.
        for _ in range(200):
            if watcher.scalar(waiting):
                return
            time.sleep(0.05)


def test_a_commit_landing_after_the_error_is_promoted_not_removed(
    private: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The connection dropped while COMMIT was under way: the rotation saw an error, the
    server still commits. The settling waits for that transaction's end and promotes the
    side file; read before the commit landed, it removed the only file holding the keys."""
    settings = _files_of(monkeypatch, tmp_path, OLD)
    new = OLD.rotated(ALL)
    key_files.write_pending(settings, new, ALL)
    rotation = Session(private)
    try:
        key_rotation.rekey(rotation, CLOCK, OLD, new, ALL)
        rotation.flush()
        outcome: list[key_files.Settled] = []
        settling = threading.Thread(
            target=lambda: outcome.append(key_files.settle_after_failure(settings, private, OLD))
        )
        settling.start()
        _held_back(private)
        rotation.commit()  # lands after the client's error
    finally:
        rotation.close()
    settling.join()
    assert outcome == ["promoted"]
    assert not key_files.pending_path(tmp_path).exists()
    assert key_files.KeySet.of(Settings(data_dir=tmp_path)) == new


def test_a_rotation_not_committed_removes_its_side_file(
    private: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _files_of(monkeypatch, tmp_path, OLD)
    key_files.write_pending(settings, OLD.rotated(ALL), ALL)
    assert key_files.settle_after_failure(settings, private, OLD) == "removed"
    assert not key_files.pending_path(tmp_path).exists()


def test_a_database_under_neither_keys_keeps_the_side_file(
    private: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Neither the side file's keys nor the old ones: the file is kept, never guessed away."""
    other = OLD.rotated(ALL)
    settings = _files_of(monkeypatch, tmp_path, other)
    key_files.write_pending(settings, other.rotated(ALL), ALL)
    said = key_files.settled(settings, private, other)
    assert key_files.pending_path(tmp_path).exists()
    assert "neither" in said


def test_a_database_that_cannot_be_asked_keeps_the_side_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = _files_of(monkeypatch, tmp_path, OLD)
    key_files.write_pending(settings, OLD.rotated(ALL), ALL)
    nowhere = make_engine(f"sqlite:///{tmp_path / 'missing' / 'none.sqlite3'}")
    try:
        said = key_files.settled(settings, nowhere, OLD)
    finally:
        nowhere.dispose()
    assert key_files.pending_path(tmp_path).exists()
    assert "could not be asked" in said
    assert "next command" in said


# --- a process whose keys predate a rotation reads right or is refused (session 25) ---


def test_a_process_whose_keys_predate_a_rotation_reads_by_number_and_decrypts_right(
    private: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server left running across a rotation: it found no one by the number (its blind
    index under the old key) and failed to decrypt (a 500). Its next transaction compares
    its keys with the keys of record, reads the files again and finds them there; what it
    writes then is under the new keys."""
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "周某", _number(4))  # the process reads its keys
        registered = _register(session, "吴某", _number(5)).id
    new = _rotate(private)
    _files_hold(monkeypatch, new)  # promoted: the files hold the new keys

    with unit_of_work(make_session_factory(private)) as session:
        found = subjects.by_citizen_id(session, _number(4))
        assert found is not None
        assert subjects.reveal_citizen_id(found) == _number(4)
        person = session.get(Subject, registered)
        assert person is not None
        assert subjects.reveal_citizen_id(person) == _number(5)
        _register(session, "冯某", _number(7))
    assert crypto.default_cipher().key_checks == new.cipher().key_checks
    _reads_after(private, new, _number(4), _number(5), _number(7))


def test_a_reader_whose_files_hold_other_keys_is_refused_not_answered_wrong(
    private: Engine,
) -> None:
    """The files still hold the old keys (the side file not yet promoted, or keys given in
    the environment): refused, 503 ``keys_changed``, never "not registered" nor a 500."""
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "郑某", _number(6))
    _rotate(private)

    with (
        pytest.raises(KeysChanged) as refused,
        unit_of_work(make_session_factory(private)) as session,
    ):
        subjects.by_citizen_id(session, _number(6))
    assert status_for(refused.value) == 503
    assert crypto.built_default_cipher() is None  # read afresh next time


def test_a_rotation_waits_for_a_transaction_that_compared_its_keys_as_it_began(
    private: Engine,
) -> None:
    """PostgreSQL reads each statement at its own moment (READ COMMITTED): a transaction
    that compared its keys as it began, then read after the rotation's commit, would read
    re-keyed values with the old keys. The rotation waits for it instead."""
    if private.dialect.name != "postgresql":
        pytest.skip("SQLite: every transaction holds the write lock from its beginning")
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "陈某", _number(8))
    reader = make_session_factory(private)()
    try:
        reader.connection()  # begun: the keys compared with the keys of record
        rotation = threading.Thread(target=_rotate, args=(private,))
        rotation.start()
        _rotation_waiting(private, rotation)
        found = subjects.by_citizen_id(reader, _number(8))
        assert found is not None
        assert subjects.reveal_citizen_id(found) == _number(8)
        reader.commit()
    finally:
        reader.close()
    rotation.join()


def _rotation_waiting(engine: Engine, rotation: threading.Thread) -> None:
    """Until the rotation waits for a table lock, or has ended (the defect: it did not wait)."""
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND NOT granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with engine.connect() as watcher:
        for _ in range(200):
            if watcher.scalar(waiting) or not rotation.is_alive():
                return
            time.sleep(0.05)


def test_a_server_left_running_answers_503_then_the_right_person(
    private: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Through the web: before, 200 "not found" (and a 500 where it decrypted)."""
    from fastapi import Depends
    from fastapi.testclient import TestClient

    from xinyong.web.app import create_app
    from xinyong.web.deps import get_session

    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "褚某", _number(10))
    app = create_app(Settings(data_dir=tmp_path), engine=private)

    @app.get("/api/v1/probe")
    def probe(session: Session = Depends(get_session)) -> dict[str, str | None]:
        found = subjects.by_citizen_id(session, _number(10))
        return {"number": subjects.reveal_citizen_id(found) if found else None}

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/api/v1/probe").json() == {"number": _number(10)}
    new = _rotate(private)  # the files still hold the old keys

    refused = client.get("/api/v1/probe")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "keys_changed"
    _files_hold(monkeypatch, new)  # promoted
    assert client.get("/api/v1/probe").json() == {"number": _number(10)}
