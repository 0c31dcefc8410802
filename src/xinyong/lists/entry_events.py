"""An entry's history: each step with who took it and why (Art. 15 ¶2, Art. 24)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.lists.models import (
    EARLY_REMOVAL_OPEN,
    EarlyRemovalApplication,
    EarlyRemovalStatus,
    ListEntry,
    ListEntryEvent,
    ListRemovalProposal,
    RemovalProposalStatus,
)

# The steps by which an entry leaves the list: every path that ends one (its term, a removal
# by any procedure) records one of these here.
LEFT_THE_LIST = frozenset({"removed", "expired"})
LAPSED = "lapsed"


def record_event(
    session: Session,
    clock: Clock,
    entry: ListEntry,
    actor: Actor,
    action: str,
    detail: str = "",
    *,
    details: dict[str, Any] | None = None,
) -> None:
    """A step in the entry's history, with who took it and why, and in the audit trail
    (``details`` there only: what set off a step the system carries out, ``cause``)."""
    session.add(
        ListEntryEvent(
            entry_id=entry.id,
            at=clock.now(),
            actor=actor.audit().id or actor.kind,
            action=action,
            detail=detail,
        )
    )
    # Within ``audit.events_last`` when the caller changes many rows (a batch's hooks).
    audit.record_soon(
        session,
        clock,
        actor.audit(),
        f"list_entry.{action}",
        target_type="list_entry",
        target_id=entry.id,
        details=details,
    )
    if action in LEFT_THE_LIST:
        why = (
            f"{LAPSED}: the entry left the list otherwise "
            f"({entry.removal_reason.value if action == 'removed' and entry.removal_reason else action})"
        )
        _lapse_removal_proposals(session, clock, entry, why)
        _lapse_early_removal_applications(session, clock, entry, why)


def _lapse_removal_proposals(session: Session, clock: Clock, entry: ListEntry, why: str) -> None:
    """An open proposal to remove an entry that has left the list otherwise — its term
    ended, an objection upheld, a repair, the court's record … — has nothing left to decide:
    it lapses, by the system, with the way the entry left as its reason (decision 0042)."""
    for proposal in session.scalars(
        select(ListRemovalProposal).where(
            ListRemovalProposal.entry_id == entry.id,
            ListRemovalProposal.status == RemovalProposalStatus.OPEN,
        )
    ):
        proposal.status = RemovalProposalStatus.LAPSED
        proposal.decided_at = clock.now()
        proposal.decided_by = SYSTEM_ACTOR.kind
        proposal.decision_reasons = why
        session.flush()
        record_event(
            session,
            clock,
            entry,
            SYSTEM_ACTOR,
            "removal_lapsed",
            f"removal proposal {proposal.id} {why}",
        )


def _lapse_early_removal_applications(
    session: Session, clock: Clock, entry: ListEntry, why: str
) -> None:
    """Likewise an open application for the entry's early removal (decision 0027 addendum):
    left open, it would wait in the agency's queue, overdue for good, for a decision that
    can only refuse to remove an entry already gone. Its step is in the entry's history
    and audited by the application, as the application's other steps are."""
    for application in session.scalars(
        select(EarlyRemovalApplication).where(
            EarlyRemovalApplication.entry_id == entry.id,
            EarlyRemovalApplication.status.in_(EARLY_REMOVAL_OPEN),
        )
    ):
        application.status = EarlyRemovalStatus.LAPSED
        application.decided_at = clock.now()
        application.decided_by = SYSTEM_ACTOR.kind
        application.decision_reasons = why
        session.flush()
        session.add(
            ListEntryEvent(
                entry_id=entry.id,
                at=clock.now(),
                actor=SYSTEM_ACTOR.kind,
                action="early_removal_lapsed",
                detail=f"application {application.id}: {why}",
            )
        )
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "early_removal.lapsed",
            target_type="early_removal",
            target_id=application.id,
            details={"entry": entry.id, "status": application.status.value},
        )
