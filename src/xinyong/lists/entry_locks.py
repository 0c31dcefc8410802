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

The credit record an entry rests on is locked **before** the entry: a step on the record (a
revocation, a repair, an objection decided, a batch bringing a new version) locks the record
and then ends or changes the entries resting on it, so a decision on the entry that writes
the record too — the court's confirmed performance ends its record's publicity — takes the
record first (``locked_after_its_record``); the order is record, entry, case. The court's
records that a batch brings are the batch's own from the moment it writes them, and its hook
(``court_defaulters.sync_records``) locks their entries afresh after them, as any decision on
an entry does (``tests/test_court_defaulters_at_once.py``).

The audit chain's head comes **last**: every audited request needs that one row, so a
step that locked an entry after writing an event would deadlock with a request holding the
entry and waiting for the head. A step that ends or restores entries beside its own — a
batch's hooks, an approval of a black-list entry, a record reinstated — writes its events
at its end (``audit.events_last``; decision 0008 addenda, ``tests/test_list_hooks_at_once.py``).

A proposal takes the subject (``hold_subject``): the check that the subject has no open
entry under the standard, and the entry that follows, are one step for each proposal in
turn. PostgreSQL only: SQLite's transactions take the write lock up front
(``BEGIN IMMEDIATE``, decision 0002), and ``FOR UPDATE`` is not written there.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.collection import records
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


def locked_after_its_record(session: Session, entry_id: int) -> ListEntry:
    """``locked``, the court's record the entry rests on (``source_record_id``, set when
    the entry is made and never changed) locked before it and read afresh too."""
    found = session.get(ListEntry, entry_id)
    if found is not None and found.source_record_id is not None:
        records.locked(session, found.source_record_id)
    return locked(session, entry_id)


def hold_subject(session: Session, subject_id: int) -> None:
    """The subject's row locked until the transaction ends, so that proposals (and
    restorations) of its entries are taken one after the other. ``FOR NO KEY UPDATE``: the
    rows that refer to the subject (its records, the entry being proposed) are still
    written meanwhile; only another holder waits."""
    session.execute(
        select(Subject.id).where(Subject.id == subject_id).with_for_update(key_share=True)
    )
