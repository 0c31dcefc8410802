"""Writing and verifying the audit chain.

Each event's hash is SHA-256 over the canonical JSON of its content and the previous
event's hash, so altering, deleting, inserting or reordering a row breaks the chain at
that row. Events are written in the same transaction as the action they record; the
audited data itself is never copied in (only identifiers and counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.clock import Clock

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
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction."""
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(sequence=AuditHead.sequence + 1)
        .returning(AuditHead.sequence, AuditHead.hash)
    ).one_or_none()
    if head is None:
        session.add(AuditHead(id=1, sequence=1, hash=GENESIS_HASH))
        session.flush()
        sequence, previous_hash = 1, GENESIS_HASH
    else:
        sequence, previous_hash = head.sequence, head.hash
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
    session.add(event)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=event.hash))
    session.flush()
    return event


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


@dataclass(frozen=True)
class VerificationResult:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.scalars(
        select(AuditEvent).order_by(AuditEvent.sequence).execution_options(yield_per=1000)
    )


def verify(session: Session) -> VerificationResult:
    """Walk the whole chain; report the first sequence number where it breaks."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for event in _events(session):
        if event.sequence != expected_sequence:
            return VerificationResult(
                checked, ChainProblem(expected_sequence, f"sequence {expected_sequence} is missing")
            )
        if event.previous_hash != previous_hash:
            return VerificationResult(
                checked, ChainProblem(event.sequence, "previous hash does not match the chain")
            )
        if compute_hash(event) != event.hash:
            return VerificationResult(
                checked, ChainProblem(event.sequence, "content does not match its hash")
            )
        previous_hash = event.hash
        expected_sequence += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.sequence != expected_sequence - 1 or head.hash != previous_hash):
        # The tail was cut off: the head remembers how far the chain went.
        return VerificationResult(
            checked, ChainProblem(expected_sequence, f"sequence {expected_sequence} is missing")
        )
    return VerificationResult(checked, None)
