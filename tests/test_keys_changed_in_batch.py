"""A process whose keys predate a rotation writes nothing under them on the batch path
too (decision 0054 addendum, session 24; review r17): the events ``record_soon`` defers
within ``events_last`` take the audit chain's head together, and compare the keys there
as every single event does (``tests/test_keys_changed.py``)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tests.test_keys_changed import (
    CLOCK,
    _files_hold,
    _keys_read_afresh_after,  # noqa: F401 - autouse fixture
    _number,
    _reads_after,
    _register,
    _rotate,
    private,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.crypto import reset_default_cipher
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import KeysChanged

pytestmark = pytest.mark.test_database

ACTION = "test.batch_step"


def _events(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == ACTION)) or 0


def _three_steps_of_a_batch(engine: Engine) -> None:
    # A plain session: one from the platform's factory compares the keys as it begins and
    # rereads them (decision 0054, session 25 addendum); this is the writer that did not.
    with Session(engine) as session, session.begin(), audit.events_last(session):
        for n in range(3):
            audit.record_soon(
                session, CLOCK, SYSTEM_ACTOR.audit(), ACTION, target_type="step", target_id=n
            )


def test_events_deferred_to_the_end_of_a_batch_are_refused_under_stale_keys(
    private: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reset_default_cipher()
    with unit_of_work(make_session_factory(private)) as session:
        _register(session, "钱某", _number(1))  # the process reads its keys
    new = _rotate(private)
    _files_hold(monkeypatch, new)

    with pytest.raises(KeysChanged):
        _three_steps_of_a_batch(private)
    assert _events(private) == 0
    _reads_after(private, new, _number(1))
