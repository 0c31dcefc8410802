"""An entry's history: each step with who took it and why (Art. 15 ¶2, Art. 24)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.lists.models import ListEntry, ListEntryEvent


def record_event(
    session: Session, clock: Clock, entry: ListEntry, actor: Actor, action: str, detail: str = ""
) -> None:
    """A step in the entry's history, with who took it and why, and in the audit trail."""
    session.add(
        ListEntryEvent(
            entry_id=entry.id,
            at=clock.now(),
            actor=actor.audit().id or actor.kind,
            action=action,
            detail=detail,
        )
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        f"list_entry.{action}",
        target_type="list_entry",
        target_id=entry.id,
    )
