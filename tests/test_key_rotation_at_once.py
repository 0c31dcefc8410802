"""A rotation and a writer at once (decision 0054; review r17, PostgreSQL only): the
rotation locks every re-keyed table against writes for its whole transaction, so a
server process writing meanwhile waits, and then — its keys now stale — is refused and
writes nothing; sent again it writes under the new keys. Without the lock it wrote a
row under the old keys the rotation had already passed: a row under keys nobody holds.
SQLite serialises the writer and the rotation at BEGIN IMMEDIATE."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.concurrency_helpers import (
    ended,
    in_another_transaction,
    until_waiting_or_done,
    waiting_for_a_lock,
)
from tests.test_keys_changed import (
    ALL,
    CLOCK,
    OLD,
    _files_hold,
    _keys_read_afresh_after,  # noqa: F401 - autouse fixture
    _number,
    _register,
    private,  # noqa: F401 - fixture
)
from xinyong import crypto, key_rotation
from xinyong.crypto import reset_default_cipher
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import KeysChanged
from xinyong.subjects import service as subjects

pytestmark = pytest.mark.test_database


def test_a_writer_waits_for_the_rotation_and_writes_nothing_under_the_old_keys(
    private: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if private.dialect.name != "postgresql":
        pytest.skip("SQLite serialises the writer and the rotation at BEGIN IMMEDIATE")
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "钱某", _number(1))  # this process's keys: the old ones
    new = OLD.rotated(ALL)
    writer_number = _number(2)
    seen: dict[str, Any] = {}

    def paused(kind: str, rows: int) -> None:
        # Once, with the rotation's locks taken and rows re-keyed: a writer comes.
        if seen:
            return
        outcome, thread = in_another_transaction(
            private, lambda s: _register(s, "李某某", writer_number)
        )
        until_waiting_or_done(private, outcome, thread)
        seen.update(
            outcome=outcome,
            thread=thread,
            waiting=thread.is_alive() and waiting_for_a_lock(private, outcome.pid),
        )

    with unit_of_work(make_session_factory(private)) as session:
        key_rotation.rekey(session, CLOCK, OLD, new, ALL, progress=paused)
    assert seen, "the rotation re-keyed nothing"
    assert seen["waiting"], "the writer did not wait for the rotation"
    _files_hold(monkeypatch, new)  # as ``xinyong keys rotate`` leaves them
    outcome = ended(seen["outcome"], seen["thread"])
    # Its keys stale once the rotation committed: refused, nothing written.
    assert isinstance(outcome.refused, KeysChanged)
    with Session(private) as session:
        assert subjects.by_citizen_id(session, writer_number) is None

    # Sent again, the keys read afresh from the files: under the new ones, found by them.
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "李某某", writer_number)
    assert crypto.default_cipher().key_checks == new.cipher().key_checks
    with Session(private) as session:
        for number in (_number(1), writer_number):
            found = subjects.by_citizen_id(session, number)
            assert found is not None, number
            assert subjects.reveal_citizen_id(found) == number
