"""Writing and verifying the audit chain.

Each event's hash is SHA-256 over the canonical JSON of its content and the previous
event's hash, so altering, deleting, inserting or reordering a row breaks the chain at
that row. Events are written in the same transaction as the action they record; the
audited data itself is never copied in (only identifiers and counts).

An event may *witness* rows another table keeps (``witness``): their ids and a digest of
their content, so that ``verify`` also finds such a row changed or removed — the subject's
access log, whose rows say who read what, and the joint checks' log (decision 0003
addenda).
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Insert, Table, bindparam, insert, null, select, update
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.clock import Clock
from xinyong.config import reset_settings
from xinyong.crypto import (
    built_default_cipher,
    default_cipher,
    expect_keys_of_record,
    key_checks_text,
    reset_default_cipher,
)
from xinyong.db.bulk import bulk_insert
from xinyong.db.prepared import Prepared
from xinyong.errors import KeysChanged

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditActor:
    kind: str  # user, api_key, system, anonymous
    id: str | None = None
    role: str | None = None
    organisation_id: int | None = None


SYSTEM = AuditActor(kind="system", id="system")
ANONYMOUS = AuditActor(kind="anonymous")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_kind": event.actor_kind,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "outcome": event.outcome,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details,
        "previous_hash": event.previous_hash,
    }


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(canonical_json(_content(event)).encode()).hexdigest()


# The key of an event's details naming the rows it witnesses (``witness``).
WITNESSED = "witnessed"


# Values a digest takes as they are (exactly these types: an enum subclasses ``str``).
_AS_THEY_ARE = frozenset({str, int, bool, float, list})


def _plain(value: Any) -> Any:
    """A column's value as the digest takes it, the same whether it was just written or is
    read back from either database: instants in UTC, enums by value."""
    if type(value) in _AS_THEY_ARE:
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        # Packed content (a joint check's subjects): by its own digest, which is as good a
        # witness and keeps the text hashed small.
        return hashlib.sha256(value).hexdigest()
    return value


_COLUMNS: dict[str, tuple[str, ...]] = {}


def _rows_digest(table: Table, rows: Sequence[Mapping[Any, Any]]) -> str:
    # By column name, without the empty ones: a column added later (empty in the rows
    # written before it) leaves the digests of those rows as they were. orjson, not
    # ``canonical_json``: this runs on every read request, and the digest only has to be
    # the same text twice, never read.
    names = _COLUMNS.get(table.name)
    if names is None:
        names = _COLUMNS[table.name] = tuple(column.name for column in table.c)
    content = [
        {name: _plain(value) for name in names if (value := row.get(name)) is not None}
        for row in sorted(rows, key=lambda row: row["id"])
    ]
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def witness(table: Table, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The details entry by which an event witnesses ``rows`` of ``table`` (each with its
    ``id`` and every column's value as written): their ids and a digest of their content,
    never the content itself. ``verify`` reads the rows again and compares."""
    return {
        WITNESSED: {
            "table": table.name,
            "ids": sorted(row["id"] for row in rows),
            "sha256": _rows_digest(table, rows),
        }
    }


# The chain's statements, built once, as Core run on the driver's cursor (``Prepared``):
# the ORM's unit of work, and even SQLAlchemy's execution of a compiled statement, cost
# more than the statements on a path that writes an event per request (a credit report).
# The head row is read and advanced in one statement, which also takes its row lock until
# the transaction ends (PostgreSQL; SQLite's writers are serialised anyway): the next
# writer waits for this event's hash.
_HEAD = cast(Table, AuditHead.__table__)
_EVENTS = cast(Table, AuditEvent.__table__)
_ADVANCE = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(sequence=_HEAD.c.sequence + 1)
    .returning(_HEAD.c.sequence, _HEAD.c.hash, _HEAD.c.key_checks)
)
_ADVANCING = Prepared(_ADVANCE)
_START = Prepared(
    insert(_HEAD).values(
        id=bindparam("id", type_=_HEAD.c.id.type),
        sequence=bindparam("sequence", type_=_HEAD.c.sequence.type),
        hash=bindparam("hash", type_=_HEAD.c.hash.type),
    )
)
_APPEND = Prepared(
    insert(_EVENTS).values(
        {column: bindparam(column.name, type_=column.type) for column in _EVENTS.c}
    )
)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(hash=bindparam("head_hash"))
_MOVING_HEAD = Prepared(_MOVE_HEAD)
# PostgreSQL: the event and the head's new hash in one statement (one round trip). SQLite
# has no INSERT in a WITH clause, and there a statement is no round trip anyway.
_APPEND_AND_MOVE_HEAD = Prepared(
    _MOVE_HEAD.add_cte(
        insert(_EVENTS)
        .values(
            {column.name: bindparam(f"e_{column.name}", type_=column.type) for column in _EVENTS.c}
        )
        .cte("appended")
    )
)


@dataclass(frozen=True)
class Place:
    """The place of the next event in the chain: its sequence number and the hash of the
    event before it, reserved by advancing the head (``advancing``)."""

    sequence: int
    previous_hash: str
    # The head's check values of the keys of record (``audit_key_checks``).
    key_checks: str | None = None


def advancing(statement: Insert) -> Insert:
    """``statement`` (the caller's INSERT … RETURNING) advancing the chain's head as well,
    in the same statement, for PostgreSQL (a data-modifying WITH), where a statement is a
    round trip. Its rows end with the new sequence, the previous hash (NULL when the
    chain has no head yet) and the head's key check values; pass them to ``record`` as
    ``place=Place(…)`` (or nothing when NULL), in the same transaction, which takes the
    head's lock until it ends and compares the keys (``_keys_of_record_held``)."""
    head = _ADVANCE.cte("head")
    return statement.add_cte(head).returning(
        select(head.c.sequence).scalar_subquery().label("audit_sequence"),
        select(head.c.hash).scalar_subquery().label("audit_previous_hash"),
        select(head.c.key_checks).scalar_subquery().label("audit_key_checks"),
    )


def _keys_of_record_held(of_record: str | None) -> None:
    """Refused (``KeysChanged``, the transaction rolled back) where this process built its
    cipher from keys other than the database's keys of record, as the head keeps them —
    read where every writing transaction takes the head, last: a process that cached its
    keys before a rotation committed (a server left running, a transaction that had only
    read when the rotation locked its tables) would otherwise write citizen IDs and blind
    indexes under keys no file holds any more (decision 0054 addendum, session 24). The
    head is locked until the transaction ends and a rotation writes its events through it,
    so a writer waiting behind a rotation reads the rotation's keys once it commits. A
    process that built no cipher wrote nothing under any key. The settings and the cipher
    are forgotten: the next transaction reads the keys from the files again."""
    if of_record is None:
        return
    cipher = built_default_cipher()
    if cipher is None or cipher.data_key_checks == of_record:
        return
    reset_settings()
    reset_default_cipher()
    raise KeysChanged(
        "the platform's keys were changed (`xinyong keys rotate`) after this process read "
        "them; nothing was saved: send the request again in a few seconds (if this "
        "persists, the platform runs with keys other than the database's: restart it with "
        "the secrets.json made with the database)"
    )


_OF_RECORD = Prepared(select(_HEAD.c.key_checks).where(_HEAD.c.id == 1))


def read_under_keys_of_record(connection: Connection) -> None:
    """Refused (``KeysChanged``) where this process's keys are not the database's keys of
    record and the files it reads them from do not hold those either: the reading side of
    ``_keys_of_record_held`` (decision 0054, session 25 addendum). Run as a transaction
    begins (``db.session.make_session_factory``): a process that cached its keys before a
    rotation committed would otherwise find no one by an ID number (the blind index under
    the old key: a wrong "not registered") and fail to decrypt what it reads. One row read
    by its key; the keys are read from the files again only on a difference.

    Consistent for the whole transaction: on SQLite every transaction holds the write lock
    (BEGIN IMMEDIATE) or one snapshot (deferred, WAL) from here on; on PostgreSQL this
    read holds the head's table in ACCESS SHARE until the transaction ends, and a rotation
    takes it ACCESS EXCLUSIVE before it re-keys anything (``key_rotation``): it waits for
    this transaction, and a transaction beginning meanwhile waits here for its commit."""
    rows = _OF_RECORD.rows(connection, {})
    of_record = rows[0][0] if rows else None
    expect_keys_of_record(of_record)
    cipher = built_default_cipher()
    if cipher is None or of_record is None or cipher.data_key_checks == of_record:
        return  # a cipher built later is compared as it is built (``default_cipher``)
    reset_default_cipher()
    expect_keys_of_record(of_record)
    default_cipher()


def hold_key_checks(session: Session, checks: dict[str, str]) -> None:
    """The head keeps ``checks`` as the keys of record, from this transaction on
    (``keys_of_record``: the first opening, each rotation)."""
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(key_checks=key_checks_text(checks)))


def record(
    session: Session,
    clock: Clock,
    actor: AuditActor,
    action: str,
    *,
    outcome: str = "ok",
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    place: Place | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction, at ``place`` when the
    caller reserved it (``advancing``). The event returned is not attached to the
    session (it is written as a plain row): read it back by query."""
    # What the caller changed before the event is written before it, as it always was.
    session.flush()
    connection = session.connection()
    if place is not None:
        sequence, previous_hash = place.sequence, place.previous_hash
        _keys_of_record_held(place.key_checks)
    elif head := _ADVANCING.rows(connection, {}):
        ((sequence, previous_hash, of_record),) = head
        _keys_of_record_held(of_record)
    else:
        _START.execute(connection, {"id": 1, "sequence": 1, "hash": GENESIS_HASH})
        sequence, previous_hash = 1, GENESIS_HASH
    event = _chained(
        sequence, previous_hash, clock, actor, action, outcome, target_type, target_id, details
    )
    values = {column.name: getattr(event, column.key) for column in _EVENTS.c}
    if connection.dialect.name == "postgresql":
        prefixed = {f"e_{name}": value for name, value in values.items()}
        _APPEND_AND_MOVE_HEAD.execute(connection, {**prefixed, "head_hash": event.hash})
    else:
        _APPEND.execute(connection, values)
        _MOVING_HEAD.execute(connection, {"head_hash": event.hash})
    return event


def _chained(
    sequence: int,
    previous_hash: str,
    clock: Clock,
    actor: AuditActor,
    action: str,
    outcome: str,
    target_type: str | None,
    target_id: str | int | None,
    details: dict[str, Any] | None,
) -> AuditEvent:
    """The event at ``sequence`` after ``previous_hash``, with its hash: one event of
    ``record``'s, or of a batch of ``events_last``'s."""
    event = AuditEvent(
        sequence=sequence,
        # Microseconds are dropped so the hashed timestamp survives every database's
        # datetime round trip unchanged.
        occurred_at=clock.now().replace(microsecond=0),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_role=actor.role,
        organisation_id=actor.organisation_id,
        action=action,
        outcome=outcome,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        previous_hash=previous_hash,
    )
    event.hash = compute_hash(event)
    return event


# The events ``record_soon`` was asked for within ``events_last``, in the order asked.
_LATER = "audit.events_last"


@dataclass(frozen=True)
class _Later:
    clock: Clock
    actor: AuditActor
    action: str
    target_type: str | None
    target_id: str | int | None
    details: dict[str, Any] | None


@contextmanager
def events_last(session: Session) -> Iterator[None]:
    """The events ``record_soon`` is asked for within the block are written when it ends,
    in the order asked, after every row the block locked and changed: the chain's head is
    one row every audited request needs, and a step that changes many rows — a batch's
    hooks on the lists, ending or restoring a subject's entries — takes it only for its
    events, not for its whole work, nor before a row it then waits for (decision 0008
    addenda: the rows first, the head last). Nested, the outermost block writes them. An
    exception leaves them unwritten: the transaction is rolled back anyway."""
    if _LATER in session.info:
        yield
        return
    pending: list[_Later] = []
    session.info[_LATER] = pending
    try:
        yield
    finally:
        del session.info[_LATER]
    for start in range(0, len(pending), _EVENTS_AT_ONCE):
        _record_all(session, pending[start : start + _EVENTS_AT_ONCE])


# Events ``events_last`` writes with one advance of the head: a court's batch of thousands
# of defaulters held the head for seconds writing them one statement each.
_EVENTS_AT_ONCE = 500
_ADVANCING_BY = Prepared(
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(sequence=_HEAD.c.sequence + bindparam("count", type_=_HEAD.c.sequence.type))
    .returning(_HEAD.c.sequence, _HEAD.c.hash, _HEAD.c.key_checks)
)


def _record_all(session: Session, pending: Sequence[_Later]) -> None:
    """``record`` for each, in order: the head advanced once by their number, the events
    chained in memory, inserted together, and the head moved to the last one's hash."""
    session.flush()
    connection = session.connection()
    count = len(pending)
    if head := _ADVANCING_BY.rows(connection, {"count": count}):
        ((last, previous_hash, of_record),) = head
        _keys_of_record_held(of_record)
        sequence = last - count + 1
    else:
        _START.execute(connection, {"id": 1, "sequence": count, "hash": GENESIS_HASH})
        sequence, previous_hash = 1, GENESIS_HASH
    rows = []
    for offset, later in enumerate(pending):
        event = _chained(
            sequence + offset,
            previous_hash,
            later.clock,
            later.actor,
            later.action,
            "ok",
            later.target_type,
            later.target_id,
            later.details,
        )
        previous_hash = event.hash
        rows.append({column.name: getattr(event, column.key) for column in _EVENTS.c})
    bulk_insert(session, _EVENTS, rows)
    _MOVING_HEAD.execute(connection, {"head_hash": previous_hash})


def record_soon(
    session: Session,
    clock: Clock,
    actor: AuditActor,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """``record``, or within ``events_last`` when it ends. For steps that need nothing
    back from the event (its sequence, its hash)."""
    pending: list[_Later] | None = session.info.get(_LATER)
    if pending is None:
        record(
            session,
            clock,
            actor,
            action,
            target_type=target_type,
            target_id=target_id,
            details=details,
        )
        return
    pending.append(_Later(clock, actor, action, target_type, target_id, details))


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks: the sequence number, or None for a witnessed table's row
    that no event witnesses (``_unwitnessed``), which has none."""

    sequence: int | None
    reason: str


@dataclass(frozen=True)
class VerificationResult:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Occurrence:
    """One audited action as another domain may see it: who, when, on what, with what
    outcome, and the counts the caller names — the other details stay in the trail."""

    occurred_at: dt.datetime
    actor_id: str | None
    organisation_id: int | None
    outcome: str
    target_id: str | None
    counts: Mapping[str, int] = field(default_factory=dict)


def occurrences(
    session: Session,
    action: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    counts: Sequence[str] = (),
) -> list[Occurrence]:
    """The events of one action from ``start`` until before ``end``, in order (e.g. lookups
    of persons by ID number, for the credit authority's signals, Art. 33). ``counts``: the
    details to pass on, each where the event has it as a whole number (e.g. a joint check's
    codes given and found); never any other detail."""
    found: list[Occurrence] = []
    for occurred_at, actor_id, organisation_id, outcome, target_id, details in session.execute(
        select(
            AuditEvent.occurred_at,
            AuditEvent.actor_id,
            AuditEvent.organisation_id,
            AuditEvent.outcome,
            AuditEvent.target_id,
            AuditEvent.details if counts else null(),
        )
        .where(
            AuditEvent.action == action,
            AuditEvent.occurred_at >= start,
            AuditEvent.occurred_at < end,
        )
        .order_by(AuditEvent.sequence)
    ):
        given = details if isinstance(details, dict) else {}
        numbers = {
            key: given[key]
            for key in counts
            if isinstance(given.get(key), int) and not isinstance(given[key], bool)
        }
        found.append(
            Occurrence(occurred_at, actor_id, organisation_id, outcome, target_id, numbers)
        )
    return found


_BATCH = 1000


def _batches(session: Session) -> Iterator[list[AuditEvent]]:
    events = iter(
        session.scalars(
            select(AuditEvent).order_by(AuditEvent.sequence).execution_options(yield_per=_BATCH)
        )
    )
    while batch := list(itertools.islice(events, _BATCH)):
        yield batch


def _witnessed(
    session: Session, batch: Sequence[AuditEvent]
) -> dict[str, dict[int, Mapping[Any, Any]]]:
    """The rows the events of ``batch`` witness, as stored now, by table and id."""
    wanted: dict[str, set[int]] = {}
    for event in batch:
        if isinstance(event.details, dict) and isinstance(
            witnessed := event.details.get(WITNESSED), dict
        ):
            wanted.setdefault(str(witnessed.get("table")), set()).update(witnessed.get("ids", ()))
    if not wanted:
        return {}
    found: dict[str, dict[int, Mapping[Any, Any]]] = {}
    for name, ids in wanted.items():
        table = _table(name)
        rows: dict[int, Mapping[Any, Any]] = found.setdefault(name, {})
        if table is None:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), _BATCH):
            for row in session.execute(
                select(table).where(table.c.id.in_(ordered[start : start + _BATCH]))
            ).mappings():
                rows[row["id"]] = row
    return found


def _table(name: str) -> Table | None:
    # Every model's table, whichever modules the caller imported.
    from xinyong.db.models import Base

    return Base.metadata.tables.get(name)


def _witness_holds(details: Any, found: dict[str, dict[int, Mapping[Any, Any]]]) -> bool:
    witnessed = details.get(WITNESSED) if isinstance(details, dict) else None
    if not isinstance(witnessed, dict):
        return True
    table = _table(str(witnessed.get("table")))
    stored = found.get(str(witnessed.get("table")), {})
    ids = witnessed.get("ids", ())
    if table is None or any(row_id not in stored for row_id in ids):
        return False
    return bool(_rows_digest(table, [stored[row_id] for row_id in ids]) == witnessed.get("sha256"))


def verify(session: Session) -> VerificationResult:
    """Walk the whole chain; report the first sequence number where it breaks, or whose
    witnessed rows (``witness``) were changed or removed.

    Run it in one snapshot (``db.engine.read_only``): the final checks — the head where
    the walk ended, no witnessed table's row left unwitnessed — compare with what the walk
    saw, and an event committed meanwhile, seen by one and not the other, would be taken
    for a cut tail or a row inserted around the chain."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    witnessed: dict[str, set[int]] = {}
    for batch in _batches(session):
        found = _witnessed(session, batch)
        for name, rows in found.items():
            witnessed.setdefault(name, set()).update(rows)
        for event in batch:
            problem = _problem(event, expected_sequence, previous_hash, found)
            if problem is not None:
                return VerificationResult(checked, problem)
            previous_hash = event.hash
            expected_sequence += 1
            checked += 1
    # The row as stored, not an object the session may hold from before later events.
    head = session.execute(
        select(AuditHead.sequence, AuditHead.hash).where(AuditHead.id == 1)
    ).one_or_none()
    if head is not None and (head.sequence != expected_sequence - 1 or head.hash != previous_hash):
        # The tail was cut off: the head remembers how far the chain went.
        return VerificationResult(
            checked, ChainProblem(expected_sequence, f"sequence {expected_sequence} is missing")
        )
    return VerificationResult(checked, _unwitnessed(session, witnessed))


# The rows of a witnessed table that began to be witnessed at different times, by the
# column that tells them apart (decision 0003): the access log's granted entries from
# migration 0044 on, its refused ones only from the session 13 addendum on.
_WITNESSED_SINCE_BY: dict[str, str] = {"access_event": "granted"}


def _unwitnessed(session: Session, witnessed: dict[str, set[int]]) -> ChainProblem | None:
    """The first row of a witnessed table that no event witnesses although it was written
    after witnessing began: a row inserted around the chain (the triggers keep rows from
    being changed or deleted, not from being added), such as a made-up read in a subject's
    access log. Where witnessing began is read from the chain itself: the first witnessed
    row of the table (of each kind, ``_WITNESSED_SINCE_BY``), ids rising with time. Rows
    before it are from before witnessing (decision 0003) and are not questioned."""
    for name in sorted(witnessed):
        table = _table(name)
        ids = witnessed[name]
        if table is None or not ids:
            continue
        kind = _WITNESSED_SINCE_BY.get(name)
        columns = [table.c.id] if kind is None else [table.c.id, table.c[kind]]
        began: set[Any] = set()
        for row in session.execute(
            select(*columns)
            .where(table.c.id >= min(ids))
            .order_by(table.c.id)
            .execution_options(yield_per=_BATCH)
        ):
            row_kind = None if kind is None else row[1]
            if row.id in ids:
                began.add(row_kind)
            elif row_kind in began:
                return ChainProblem(
                    None,
                    f"{name} row {row.id} is witnessed by no event, "
                    "although every such row written since is",
                )
    return None


def _problem(
    event: AuditEvent,
    expected_sequence: int,
    previous_hash: str,
    found: dict[str, dict[int, Mapping[Any, Any]]],
) -> ChainProblem | None:
    if event.sequence != expected_sequence:
        return ChainProblem(expected_sequence, f"sequence {expected_sequence} is missing")
    if event.previous_hash != previous_hash:
        return ChainProblem(event.sequence, "previous hash does not match the chain")
    if compute_hash(event) != event.hash:
        return ChainProblem(event.sequence, "content does not match its hash")
    if not _witness_holds(event.details, found):
        table = event.details[WITNESSED].get("table")
        return ChainProblem(
            event.sequence, f"the {table} rows it witnesses were changed or removed"
        )
    return None
