"""Two officers acting on one entry, or on one subject's listing, at the same moment.

Every decision about an entry — approving or rejecting a candidacy, deciding an objection
to it, proposing or deciding its removal, an early removal, a court's confirmed
performance, the platform ending or restoring it — reads the entry **locked and afresh**
(``locked``) before it looks at its state: the second of two decisions taken at once waits
for the first, finds it, and is refused as it would be the moment after (decision 0042
addendum; ``tests/test_list_decisions_at_once.py``). The entry is locked **before** the case
that is decided about it (an objection, a removal proposal, an application for early
removal): an exit from the list lapses the entry's open cases in the same transaction
(``entry_events.record_event``), so a decision that held its case and waited for the entry
would deadlock with one that held the entry and waited for the case.

A proposal takes the subject (``hold_subject``): the check that the subject has no open
entry under the standard, and the entry that follows, are one step for each proposal in
turn. PostgreSQL only: SQLite's transactions take the write lock up front
(``BEGIN IMMEDIATE``, decision 0002), and ``FOR UPDATE`` is not written there.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.errors import NotFound
from xinyong.lists.models import ListEntry
from xinyong.subjects.models import Subject


def locked(session: Session, entry_id: int) -> ListEntry:
    """The entry, locked until the transaction ends and read afresh (a copy the session
    read before is replaced by the row as it stands)."""
    entry = session.get(ListEntry, entry_id, with_for_update=True, populate_existing=True)
    if entry is None:
        raise NotFound("no such list entry", code="not_found", field="entry")
    return entry


def hold_subject(session: Session, subject_id: int) -> None:
    """The subject's row locked until the transaction ends, so that proposals (and
    restorations) of its entries are taken one after the other. ``FOR NO KEY UPDATE``: the
    rows that refer to the subject (its records, the entry being proposed) are still
    written meanwhile; only another holder waits."""
    session.execute(
        select(Subject.id).where(Subject.id == subject_id).with_for_update(key_share=True)
    )
