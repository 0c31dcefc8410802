"""Publicity windows: a public record disappears from public view at the end of its
window by itself (every read computes it from the clock); the nightly job writes the
"publicity ended" version so the record's history says when and why."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.collection.records import add_version_as_is, current_version, locked_where

PUBLICITY_ENDED = "publicity ended"


def end_expired_publicity(session: Session, clock: Clock) -> int:
    """Mark every record whose publicity window has closed; returns how many."""
    today = clock.today()
    # Locked, all at once in the order of their ids, before the first version is written
    # and the audit event last (``records.locked`` for a set): a step on one of them at this
    # moment (a correction, an objection) finishes first, and the record is taken as it
    # left it — one no longer active or corrected is not ended again (PostgreSQL rechecks
    # the condition on a row it waited for), so two jobs at once do not both write its next
    # version; the audit chain's head, taken last, is never held while waiting for a record.
    # After the batches running for their sources (``records.locked_where``).
    expired = locked_where(
        session,
        CreditRecord.publicity_end.is_not(None),
        CreditRecord.publicity_end < today,
        CreditRecord.status.in_([RecordStatus.ACTIVE, RecordStatus.CORRECTED]),
    )
    for record in expired:
        record.status = RecordStatus.EXPIRED
        # The window stays as it was: the version records that it has ended.
        add_version_as_is(
            session,
            record,
            current_version(session, record),
            reason=PUBLICITY_ENDED,
            reason_detail=f"publicity period ended on {record.publicity_end}",
            source_organisation_id=None,
            actor="system",
            created_at=clock.now(),
        )
    session.flush()
    if expired:
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "job.publicity_ended",
            details={"records": len(expired)},
        )
    return len(expired)
