"""Joint checks in the subjects' access logs (Art. 24).

A joint incentive and punishment check (Art. 14–19) answers an agency about each subject
it names: its list status, the measures that apply, and whether it has the green channel —
which counts bad records that are no longer, or never were, public (a warning-only penalty,
a penalty past its publicity period). Each registered subject answered about sees the
check in its access log: when, which organisation and role (the staff member's name on
request), the administrative matter, and what its answer showed (list standards, measures,
the green channel), never the answer itself.

A check may answer a hundred thousand subjects while the agency waits, so it writes one
row (``JointCheckUse``) with its subjects and what each was shown packed into it, in the
check's own transaction: the log is complete when the answer is given. The subjects are
indexed by subject (``JointCheckUseSubject``) at once for a check of up to
``INDEX_AT_ONCE`` subjects (the pages' checks), and by the daily job (``index_pending``)
for a larger one; until then a subject's log looks into the packed subjects of the
few larger checks not yet indexed.

The row is the subjects' log of the check, so it is kept as the access log is: append-only
(triggers, migration 0047) — the job says a check is indexed by a row of its own
(``JointCheckUseIndexed``), not by changing the check's — and witnessed by the check's
audit event (``Recorded.details``), so that ``audit verify`` finds it changed or removed
(decision 0003, session 13 addendum).
"""

from __future__ import annotations

import datetime as dt
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.db import locks
from xinyong.db.bulk import BulkWriter
from xinyong.disclosure.models import (
    JointCheckUse,
    JointCheckUseIndexed,
    JointCheckUseIndexing,
    JointCheckUseSubject,
)

# The check's one audit event, which names its row and counts its codes (given, found).
CHECK_ACTION = "joint_check.run"

# A check of up to this many subjects is indexed by subject in its own transaction (a
# thousand rows cost a few milliseconds); a larger one by the daily job.
INDEX_AT_ONCE = 1_000
# Index rows the daily job writes in one transaction: the rest of a large check, and the
# checks after it, in the next ones.
INDEX_PER_TRANSACTION = 50_000

# Packed ids: signed 64-bit (the subject ids), unsigned 32-bit (indexes into situations).
_IDS = "q"
_SITUATIONS = "I"
_LEVEL = 1  # zlib's fastest: the ids are small numbers in eight bytes, mostly zeros

_USE = cast(Table, JointCheckUse.__table__)
_USE_SUBJECT = cast(Table, JointCheckUseSubject.__table__)
_USE_INDEXED = cast(Table, JointCheckUseIndexed.__table__)
_INDEXING = cast(Table, JointCheckUseIndexing.__table__)
_INDEX_COLUMNS = ("subject_id", "use_id", "situation")
# A check whose subjects are not indexed yet: not at once, and not by the job since.
_PENDING = _USE.c.indexed_at.is_(None) & ~exists().where(_USE_INDEXED.c.use_id == _USE.c.id)


def _pack(typecode: str, values: Sequence[int]) -> bytes:
    return zlib.compress(array(typecode, values).tobytes(), _LEVEL)


def _unpack(typecode: str, packed: bytes) -> array[int]:
    values = array(typecode)
    values.frombytes(zlib.decompress(packed))
    return values


@dataclass(frozen=True)
class Recorded:
    """A joint check's row in the subjects' logs: its id, and the witness of the row
    (its id and a digest of its content) for the check's one audit event."""

    id: int
    details: dict[str, Any]


def record(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    matter_code: str,
    subject_ids: Sequence[int],
    situation_ids: Sequence[int],
    situations: list[dict[str, Any]],
    clean_years: int,
) -> Recorded:
    """Log a joint check for every subject it answered about (``subject_ids[i]`` was shown
    ``situations[situation_ids[i]]``), in the check's transaction, with the clean years its
    green channel asked for (once for the check, not in each situation); returns the use's
    id and the witness its audit event carries."""
    now = clock.now()
    at_once = len(subject_ids) <= INDEX_AT_ONCE
    values = {
        "occurred_at": now,
        "organisation_id": actor.organisation_id,
        "user_id": actor.id if actor.kind == "user" else None,
        "api_key_id": actor.id if actor.kind == "api_key" else None,
        "actor_role": None if actor.role is None else actor.role.value,
        "matter_code": matter_code,
        "subject_count": len(subject_ids),
        "subject_ids": _pack(_IDS, subject_ids),
        "situation_ids": _pack(_SITUATIONS, situation_ids),
        "situations": situations,
        "clean_years": clean_years,
        "indexed_at": now if at_once else None,
    }
    use_id: int = session.execute(insert(_USE).values(values).returning(_USE.c.id)).scalar_one()
    if at_once:
        _index(session, use_id, subject_ids, situation_ids)
    return Recorded(use_id, audit.witness(_USE, [{**values, "id": use_id}]))


def _index_rows(subject_ids: Sequence[int], situation_ids: Sequence[int]) -> list[tuple[int, int]]:
    """A check's index rows, (subject, situation), in the order of the subjects' ids: one
    per subject, a code given twice having answered its subject twice, alike."""
    return sorted(dict(zip(subject_ids, situation_ids, strict=True)).items())


def _write_index(session: Session, use_id: int, rows: Sequence[tuple[int, int]]) -> None:
    BulkWriter(session, _USE_SUBJECT, _INDEX_COLUMNS).insert(
        [(subject_id, use_id, situation) for subject_id, situation in rows]
    )


def _index(
    session: Session, use_id: int, subject_ids: Sequence[int], situation_ids: Sequence[int]
) -> None:
    _write_index(session, use_id, _index_rows(subject_ids, situation_ids))


@dataclass
class Indexed:
    """What one call of ``index_pending`` did: the checks whose indexing it completed, the
    index rows it wrote, and whether it stopped at its limit with more to do."""

    checks: int = 0
    rows: int = 0
    more: bool = False


def index_pending(session: Session, clock: Clock, *, limit: int = INDEX_PER_TRANSACTION) -> Indexed:
    """Index the subjects of the checks not indexed yet (the daily job), up to ``limit``
    index rows in this transaction: each check's distinct subjects in the order of their
    ids, from where the last committed transaction left it (``JointCheckUseIndexing``), a
    check marked by a row of its own (``JointCheckUseIndexed``; the check's row is
    append-only) once all are written. ``more``: call again, in a transaction of its own.

    Bounded so that a run over checks of a hundred thousand subjects each does not hold
    its rows (and the subjects' key-share locks) for the whole index, and an interrupted
    run loses only its last transaction's part (decision 0008, session 25 addendum). Until
    marked, a check is still read from its packed subjects (``situations_of``), so a
    part-indexed one is found whole. On PostgreSQL two jobs at once take a check one after
    the other (a lock on its name), the second finding how far the first got."""
    pending = session.scalars(select(_USE.c.id).where(_PENDING).order_by(_USE.c.id)).all()
    result = Indexed()
    for use_id in pending:
        room = limit - result.rows
        if room <= 0:
            result.more = True
            break
        locks.hold_name(session, f"joint_check_use:{use_id}:indexing", shared=False)
        # Read after the lock, each in a statement of its own: what a job that held it
        # committed is seen.
        if session.scalar(select(_USE_INDEXED.c.use_id).where(_USE_INDEXED.c.use_id == use_id)):
            continue  # another job indexed it meanwhile
        done = session.scalar(select(_INDEXING.c.indexed_rows).where(_INDEXING.c.use_id == use_id))
        subject_ids, situation_ids = session.execute(
            select(_USE.c.subject_ids, _USE.c.situation_ids).where(_USE.c.id == use_id)
        ).one()
        rows = _index_rows(_unpack(_IDS, subject_ids), _unpack(_SITUATIONS, situation_ids))
        start = done or 0
        part = rows[start : start + room]
        _write_index(session, use_id, part)
        result.rows += len(part)
        through = start + len(part)
        if through < len(rows):
            if done is None:
                session.execute(insert(_INDEXING).values(use_id=use_id, indexed_rows=through))
            else:
                session.execute(
                    update(_INDEXING)
                    .where(_INDEXING.c.use_id == use_id)
                    .values(indexed_rows=through)
                )
            result.more = True
            break
        if done is not None:
            session.execute(delete(_INDEXING).where(_INDEXING.c.use_id == use_id))
        session.execute(insert(_USE_INDEXED).values(use_id=use_id, indexed_at=clock.now()))
        result.checks += 1
    return result


@dataclass(frozen=True)
class Use:
    """A joint check as one subject's access log shows it."""

    id: int
    occurred_at: dt.datetime
    organisation_id: int | None
    user_id: int | None
    api_key_id: int | None
    actor_role: str | None
    matter_code: str
    situation: dict[str, Any]
    # The years the green channel was answered on (None: not recorded then).
    clean_years: int | None = None


def situations_of(session: Session, subject_id: int) -> dict[int, int]:
    """The checks that answered about the subject, each with the index of what the answer
    showed. The checks not indexed yet are read first: one indexed in between is then
    found in the index too, where read the other way round it would be found in neither."""
    found: dict[int, int] = {}
    pending = session.execute(
        select(_USE.c.id, _USE.c.subject_ids, _USE.c.situation_ids).where(_PENDING)
    ).all()
    for use_id, packed_ids, packed_situations in pending:
        try:
            at = _unpack(_IDS, packed_ids).index(subject_id)
        except ValueError:
            continue
        found[use_id] = _unpack(_SITUATIONS, packed_situations)[at]
    found.update(
        (use_id, situation)
        for use_id, situation in session.execute(
            select(_USE_SUBJECT.c.use_id, _USE_SUBJECT.c.situation).where(
                _USE_SUBJECT.c.subject_id == subject_id
            )
        )
    )
    return found


def uses_of(session: Session, subject_id: int, *, since: dt.datetime | None = None) -> list[Use]:
    """The joint checks that answered about the subject, newest first."""
    found = situations_of(session, subject_id)
    if not found:
        return []
    query = (
        select(
            _USE.c.id,
            _USE.c.occurred_at,
            _USE.c.organisation_id,
            _USE.c.user_id,
            _USE.c.api_key_id,
            _USE.c.actor_role,
            _USE.c.matter_code,
            _USE.c.situations,
            _USE.c.clean_years,
        )
        .where(_USE.c.id.in_(found))
        .order_by(_USE.c.occurred_at.desc(), _USE.c.id.desc())
    )
    if since is not None:
        query = query.where(_USE.c.occurred_at >= since)
    return [
        Use(
            id=use_id,
            occurred_at=occurred_at,
            organisation_id=organisation_id,
            user_id=user_id,
            api_key_id=api_key_id,
            actor_role=actor_role,
            matter_code=matter_code,
            situation=situations[found[use_id]],
            clean_years=clean_years,
        )
        for (
            use_id,
            occurred_at,
            organisation_id,
            user_id,
            api_key_id,
            actor_role,
            matter_code,
            situations,
            clean_years,
        ) in session.execute(query)
    ]


def use_about(session: Session, subject_id: int, use_id: int) -> Use | None:
    """One joint check, if it answered about the subject."""
    return next((use for use in uses_of(session, subject_id) if use.id == use_id), None)


@dataclass(frozen=True)
class Answered:
    """A joint check as the credit authority's supervision counts it (Art. 33): who ran it
    and when, and how many distinct registered subjects its answers showed on a list (own
    entries in force, or named as responsible under Art. 18) and on none — never which."""

    id: int
    occurred_at: dt.datetime
    organisation_id: int | None
    user_id: int | None
    api_key_id: int | None
    on_a_list: int
    on_no_list: int


def _on_a_list(situation: dict[str, Any]) -> bool:
    return bool(situation.get("standard_ids") or situation.get("responsible_for"))


def answered(session: Session, start: dt.datetime, end: dt.datetime) -> list[Answered]:
    """The checks run from ``start`` until before ``end``, in order. Distinct subjects: the
    packed ids hold an organisation once per code that named it, a person once."""
    found: list[Answered] = []
    for (
        use_id,
        occurred_at,
        organisation_id,
        user_id,
        api_key_id,
        packed_ids,
        packed_situations,
        situations,
    ) in session.execute(
        select(
            _USE.c.id,
            _USE.c.occurred_at,
            _USE.c.organisation_id,
            _USE.c.user_id,
            _USE.c.api_key_id,
            _USE.c.subject_ids,
            _USE.c.situation_ids,
            _USE.c.situations,
        )
        .where(_USE.c.occurred_at >= start, _USE.c.occurred_at < end)
        .order_by(_USE.c.occurred_at, _USE.c.id)
    ):
        listed = {index for index, shown in enumerate(situations) if _on_a_list(shown)}
        ids = _unpack(_IDS, packed_ids)
        shown_as = _unpack(_SITUATIONS, packed_situations)
        on_a_list = {sid for sid, index in zip(ids, shown_as, strict=True) if index in listed}
        found.append(
            Answered(
                use_id,
                occurred_at,
                organisation_id,
                user_id,
                api_key_id,
                on_a_list=len(on_a_list),
                on_no_list=len(set(ids)) - len(on_a_list),
            )
        )
    return found
