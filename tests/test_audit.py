from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock


def _write(db: Session, clock: FixedClock, n: int) -> list[AuditEvent]:
    events = []
    for i in range(n):
        events.append(
            audit.record(db, clock, audit.SYSTEM, "test.action", target_type="thing", target_id=i)
        )
        clock.advance(dt.timedelta(seconds=1))
    return events


def _bypass_triggers(db: Session, statement: str) -> None:
    """Tamper the way an attacker with database access would: around the triggers."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        db.execute(text(statement))
        db.execute(text("SET LOCAL session_replication_role = origin"))
    else:
        db.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
        db.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        db.execute(text(statement))
    db.expire_all()


def test_chain_is_gapless_and_verifies(db: Session, clock: FixedClock) -> None:
    before = audit.verify(db).checked
    events = _write(db, clock, 5)
    assert [e.sequence for e in events] == list(range(events[0].sequence, events[0].sequence + 5))
    assert all(b.previous_hash == a.hash for a, b in itertools.pairwise(events))
    result = audit.verify(db)
    assert result.ok
    assert result.checked == before + 5


def test_database_refuses_update_and_delete(db: Session, clock: FixedClock) -> None:
    event = _write(db, clock, 1)[0]
    db.commit()
    for statement in (
        f"UPDATE audit_event SET action = 'x' WHERE sequence = {event.sequence}",
        f"DELETE FROM audit_event WHERE sequence = {event.sequence}",
    ):
        nested = db.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        nested.rollback()


@pytest.mark.parametrize(
    ("tamper", "victim_offset"),
    [
        ("UPDATE audit_event SET details = '{\"x\": 1}' WHERE sequence = {seq}", 2),
        ("DELETE FROM audit_event WHERE sequence = {seq}", 2),
        ("DELETE FROM audit_event WHERE sequence = {seq}", 4),  # the tail
        ("UPDATE audit_event SET occurred_at = occurred_at WHERE sequence = {seq}", None),
    ],
)
def test_tampering_is_found_at_its_sequence(
    db: Session, clock: FixedClock, tamper: str, victim_offset: int | None
) -> None:
    events = _write(db, clock, 5)
    seq = events[victim_offset if victim_offset is not None else 0].sequence
    _bypass_triggers(db, tamper.replace("{seq}", str(seq)))
    result = audit.verify(db)
    if victim_offset is None:  # a no-op update changes nothing
        assert result.ok
    else:
        assert result.problem is not None
        assert result.problem.sequence == seq


def test_reordering_two_rows_is_found(db: Session, clock: FixedClock) -> None:
    events = _write(db, clock, 3)
    a, b = events[0].sequence, events[1].sequence
    _bypass_triggers(db, f"UPDATE audit_event SET sequence = -1 WHERE sequence = {a}")
    _bypass_triggers(db, f"UPDATE audit_event SET sequence = {a} WHERE sequence = {b}")
    _bypass_triggers(db, f"UPDATE audit_event SET sequence = {b} WHERE sequence = -1")
    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence == a


def test_inserted_row_is_found(db: Session, clock: FixedClock) -> None:
    events = _write(db, clock, 3)
    forged = events[1]
    db.execute(
        text(
            "INSERT INTO audit_event (sequence, occurred_at, actor_kind, action, outcome, details, "
            "previous_hash, hash) VALUES (:s, :t, 'system', 'forged', 'ok', '{}', :p, :h)"
        ),
        {
            "s": events[-1].sequence + 1,
            "t": forged.occurred_at,
            "p": events[-1].hash,
            "h": "f" * 64,
        },
    )
    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence == events[-1].sequence + 1


def _actions(db: Session, after: int) -> list[tuple[str, str | None]]:
    return [
        (e.action, e.target_id)
        for e in db.query(AuditEvent)
        .filter(AuditEvent.sequence > after)
        .order_by(AuditEvent.sequence)
    ]


def test_events_asked_for_within_events_last_are_written_when_it_ends(
    db: Session, clock: FixedClock
) -> None:
    """Chained in the order asked, after the block's work, as one run of the chain that
    verifies; an event written by ``record`` meanwhile comes before them. Nested, the
    outermost block writes them; more than one statement's worth too."""
    start = audit.verify(db).checked
    with audit.events_last(db):
        audit.record_soon(db, clock, audit.SYSTEM, "test.later", target_id="a")
        with audit.events_last(db):
            audit.record_soon(db, clock, audit.SYSTEM, "test.later", target_id="b")
        assert _actions(db, start) == []
        audit.record(db, clock, audit.SYSTEM, "test.now")
        for n in range(600):
            audit.record_soon(db, clock, audit.SYSTEM, "test.many", target_id=n)
    written = _actions(db, start)
    assert written[:3] == [("test.now", None), ("test.later", "a"), ("test.later", "b")]
    assert written[3:] == [("test.many", str(n)) for n in range(600)]
    result = audit.verify(db)
    assert result.ok, result.problem
    assert result.checked == start + 603
    # Outside a block, at once.
    audit.record_soon(db, clock, audit.SYSTEM, "test.at_once")
    assert _actions(db, start + 603) == [("test.at_once", None)]


def test_events_last_left_by_an_error_writes_nothing(db: Session, clock: FixedClock) -> None:
    start = audit.verify(db).checked

    def failing() -> None:
        with audit.events_last(db):
            audit.record_soon(db, clock, audit.SYSTEM, "test.later")
            raise ValueError("the step failed")

    with pytest.raises(ValueError, match="the step failed"):
        failing()
    assert _actions(db, start) == []
    # And the next block starts afresh.
    with audit.events_last(db):
        audit.record_soon(db, clock, audit.SYSTEM, "test.later", target_id="next")
    assert _actions(db, start) == [("test.later", "next")]
    assert audit.verify(db).ok
