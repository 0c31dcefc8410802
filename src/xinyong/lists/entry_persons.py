"""Art. 18: who an entry of a seriously dishonest organisation names as responsible, and
for which period (decision 0036).

Two sources, with different lives. The persons the recognising agency named on its
proposal as responsible for the conduct (``proposal``) are its finding, approved with the
entry: they stay named while the entry is in force. The persons registered as answering
for the organisation (``registration``: its legal representative, principal and others,
``subjects.add_responsible_person``) are named while they are registered: a new legal
representative registered while the entry is in force is named from that day, and the one
he replaced is no longer named from the day his registration ended — his naming is kept,
with its period, so that what was done to him then still has its basis. Every change is a
step in the entry's history, with its source and its reason.

The entries follow the registration when it changes (``subjects.hooks``), when they are
published or come back, and each day (``follow_all``, `xinyong jobs run`) for any entry that
does not match it yet (those published before this was so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import EntryStatus, ListEntry, ListEntryPerson, NamingSource, Tier
from xinyong.subjects import hooks
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, Subject, SubjectKind

NAMED = "person_named"
NAMING_ENDED = "naming_ended"

# Reasons of the steps this module takes on its own account.
ON_PUBLICATION = "named as the entry is published"
ON_RESTORATION = "named as the entry is published again"
BY_DAILY_JOB = "the entry brought in line with the organisation's registration by the daily job"


def _in_force(today: dt.date) -> ColumnElement[bool]:
    """The entry is on the list today (as ``entries.in_force``, in SQL)."""
    return and_(
        ListEntry.status == EntryStatus.PUBLISHED,
        ListEntry.term_start <= today,
        or_(ListEntry.term_end.is_(None), ListEntry.term_end >= today),
    )


def current(session: Session, entry_id: int) -> list[ListEntryPerson]:
    """The persons the entry names now, in the order they were named."""
    return list(
        session.scalars(
            select(ListEntryPerson)
            .where(ListEntryPerson.entry_id == entry_id, ListEntryPerson.ended_on.is_(None))
            .order_by(ListEntryPerson.id)
        )
    )


def named_by_proposal(
    session: Session, clock: Clock, actor: Actor, entry: ListEntry, rows: list[ListEntryPerson]
) -> None:
    """The persons a proposal names, in the entry's history (they are named from its
    publication, ``name_responsible_persons``)."""
    for row in rows:
        record_event(
            session,
            clock,
            entry,
            actor,
            NAMED,
            f"{row.role} {row.name}; source: the recognising agency's proposal; "
            "reason: named as responsible for the conduct",
        )


def name_responsible_persons(
    session: Session, clock: Clock, actor: Actor, entry: ListEntry, *, reason: str
) -> None:
    """Bring the naming of a published entry of a seriously dishonest organisation in line
    with the persons registered as answering for it today: the proposal's persons are named
    from publication; a registered person not named yet is named from today; a registered
    person whose registration has ended is no longer named from the day it ended. Named once
    each, in the first capacity registered: a legal representative who is also the
    principal is one person the measures reach. ``reason`` says what brought it about."""
    if entry.tier is not Tier.SERIOUS:
        return
    organisation = session.get(Subject, entry.subject_id)
    if organisation is None or not organisation.is_organisation:
        return
    today = clock.today()
    registered = {p.id: p for p in subjects.current_responsible_persons(session, organisation)}
    rows = current(session, entry.id)
    for row in rows:
        if row.named_from is None:
            row.named_from = today
    for row in rows:
        if row.source is not NamingSource.REGISTRATION or row.responsible_person_id in registered:
            continue
        ended = (
            None
            if row.responsible_person_id is None
            else session.get(ResponsiblePerson, row.responsible_person_id)
        )
        last = [d for d in (ended.valid_to if ended else None, row.named_from) if d is not None]
        row.ended_on = max(last) if last else today
        record_event(
            session,
            clock,
            entry,
            actor,
            NAMING_ENDED,
            f"{row.role} {row.name}, named {row.named_from} to {row.ended_on}; "
            f"source: registration {row.responsible_person_id} as answering for the "
            f"organisation, ended; reason: {reason}",
        )
    named = {row.person_subject_id for row in rows if row.ended_on is None}
    for person in registered.values():
        if person.person_subject_id in named:
            continue
        named.add(person.person_subject_id)
        session.add(
            ListEntryPerson(
                entry_id=entry.id,
                role=person.role.value,
                name=person.name,
                person_subject_id=person.person_subject_id,
                source=NamingSource.REGISTRATION,
                responsible_person_id=person.id,
                named_from=today,
            )
        )
        record_event(
            session,
            clock,
            entry,
            actor,
            NAMED,
            f"{person.role.value} {person.name}, named from {today}; source: registration "
            f"{person.id} as answering for the organisation; reason: {reason}",
        )
    session.flush()


def _entries_in_force_of(session: Session, organisation_id: int, today: dt.date) -> list[ListEntry]:
    return list(
        session.scalars(
            select(ListEntry)
            .where(
                ListEntry.subject_id == organisation_id,
                ListEntry.tier == Tier.SERIOUS,
                _in_force(today),
            )
            .order_by(ListEntry.id)
        )
    )


def follow_registration(
    session: Session, clock: Clock, actor: Actor, organisation: Subject, reason: str
) -> None:
    """The organisation's registered responsible persons changed: its entries in force
    follow, in the same transaction. Entries off the list are history and stay as they
    ended; one that comes back follows then (``ON_RESTORATION``)."""
    for entry in _entries_in_force_of(session, organisation.id, clock.today()):
        name_responsible_persons(session, clock, actor, entry, reason=reason)


def follow_registrations(
    session: Session, clock: Clock, actor: Actor, changes: Sequence[tuple[int, str]]
) -> None:
    """``follow_registration`` for many organisations (a batch of registration records,
    decision 0038): one query finds those with entries in force — most have none."""
    today = clock.today()
    reasons: dict[int, list[str]] = {}
    for organisation_id, reason in changes:
        reasons.setdefault(organisation_id, []).append(reason)
    ids = list(reasons)
    for start in range(0, len(ids), 500):
        for entry in session.scalars(
            select(ListEntry)
            .where(
                ListEntry.subject_id.in_(ids[start : start + 500]),
                ListEntry.tier == Tier.SERIOUS,
                _in_force(today),
            )
            .order_by(ListEntry.id)
        ):
            reason = "; ".join(reasons[entry.subject_id])
            name_responsible_persons(session, clock, actor, entry, reason=reason)


hooks.register(follow_registration, follow_registrations)


def follow_all(session: Session, clock: Clock, actor: Actor) -> int:
    """The entries in force whose naming does not match the registration (a naming whose
    registration ended, a registered person not named) brought in line: the daily job, for
    entries published before entries followed the registration, and for any registration
    changed without the service. Returns how many entries changed."""
    today = clock.today()
    named = aliased(ListEntryPerson)
    ended_registration = exists().where(
        named.entry_id == ListEntry.id,
        named.ended_on.is_(None),
        named.source == NamingSource.REGISTRATION,
        or_(
            named.responsible_person_id.is_(None),
            ~exists().where(
                ResponsiblePerson.id == named.responsible_person_id,
                ResponsiblePerson.valid_to.is_(None),
            ),
        ),
    )
    not_named = exists().where(
        ResponsiblePerson.organisation_subject_id == ListEntry.subject_id,
        ResponsiblePerson.valid_to.is_(None),
        ~exists().where(
            named.entry_id == ListEntry.id,
            named.ended_on.is_(None),
            named.person_subject_id == ResponsiblePerson.person_subject_id,
        ),
    )
    due = session.scalars(
        select(ListEntry)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(
            ListEntry.tier == Tier.SERIOUS,
            Subject.kind != SubjectKind.NATURAL_PERSON,
            _in_force(today),
            or_(ended_registration, not_named),
        )
        .order_by(ListEntry.id)
        # Locked all at once, in the order of their ids, before the first audit event takes
        # the chain's head, which is then never held while waiting for an entry a request
        # holds (decision 0008 addendum).
        .with_for_update(of=ListEntry)
        .execution_options(populate_existing=True)
    ).all()
    for entry in due:
        name_responsible_persons(session, clock, actor, entry, reason=BY_DAILY_JOB)
    return len(due)
