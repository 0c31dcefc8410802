"""A red-list entry leaves the list when its subject stops being an integrity model (诚信典型):
placed on the black list, or given a bad credit record within the years without one that
its standard asks for (Art. 14 ¶2; the standard's exit conditions, "期间产生不良信用记录、
被纳入黑名单"). Art. 16 gives incentives to trustworthy subjects only, so neither the joint
check nor an officer applying a measure offers an incentive to a subject on the black list
(decision 0041).

The entry ends where the fact arrives, in its transaction: wherever a black-list entry is
published (approved, entered from the court's record, published again), and when a batch
writes public negative records (the collection pipeline's hook, one statement per batch
driven by the red-list entries in force) or a source reinstates one. The daily job
(``xinyong jobs run``) asks the same of every red-list entry in force, for the ways a record
comes to count that no hook sees (a record corrected after an objection) and for entries
from before this rule. Each ending is a ``removed`` step in the entry's history with the
reason and its basis, by the platform (the rule ends it, not an officer), audited, and shown
to the subject on its notices as any other ending is.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.calendar import add_years
from xinyong.clock import Clock
from xinyong.collection import hooks
from xinyong.collection.models import CreditRecord
from xinyong.errors import Conflict
from xinyong.lists import eligibility, entry_locks
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    ListKind,
    ListStandard,
    RemovalReason,
)

# What the endings and refusals rest on: a red-list standard recognises integrity models
# (Art. 14 ¶2), and incentives are for trustworthy subjects (Art. 16).
BASIS = "Art. 14 ¶2, Art. 16"
INCENTIVE_ARTICLE = "Art. 16"


def black_listed_detail(black: ListEntry, black_standard: ListStandard) -> str:
    """Why a red-list entry ended when its subject was black-listed (``web.labels`` reads
    it back in the page's language: keep the two in step)."""
    return (
        f"on the black list from {black.term_start} under {black_standard.name} "
        f"(entry {black.id}): no longer an integrity model ({BASIS})"
    )


def bad_record_detail(decided: dt.date, type_name: str, years: int, standard: str) -> str:
    """Why a red-list entry ended on a bad credit record within the standard's years."""
    return (
        f"a bad credit record ({type_name}) decided on {decided}, within the {years} years "
        f"without one that {standard} requires: no longer an integrity model ({BASIS})"
    )


def _in_force(today: dt.date) -> tuple[ColumnElement[bool], ...]:
    return (
        ListEntry.kind == ListKind.RED,
        ListEntry.status == EntryStatus.PUBLISHED,
        ListEntry.term_start <= today,
        ListEntry.term_end >= today,
    )


def _end(
    session: Session, clock: Clock, entry: ListEntry, reason: RemovalReason, detail: str
) -> bool:
    """Ends the red-list entry, if it is still on the list when locked and read afresh
    (``entry_locks``: an officer's removal at the same moment is not recorded twice)."""
    entry_locks.locked(session, entry.id)
    if entry.status is not EntryStatus.PUBLISHED:
        return False
    entry.status = EntryStatus.REMOVED
    entry.ended_at = clock.now()
    entry.removal_reason = reason
    entry.removal_detail = detail
    record_event(session, clock, entry, SYSTEM_ACTOR, "removed", f"{reason.value}: {detail}")
    return True


def _locked_all(session: Session, entry_ids: Iterable[int]) -> list[ListEntry]:
    """The entries locked all at once, in the order of their ids, and read afresh: ending
    them one after the other, the audit chain's head taken by the first one's event would
    be held while waiting for the next, which a request might hold while it waits for the
    head (decision 0008 addenda). ``_end`` then finds each as it stands."""
    ids = sorted(set(entry_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.id.in_(ids))
            .order_by(ListEntry.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def _end_black_listed(
    session: Session, clock: Clock, black: ListEntry, reds: list[ListEntry]
) -> list[int]:
    """``reds`` leave the list, ``black`` named as the listing that ended them."""
    if not reds:
        return []
    black_standard = session.get(ListStandard, black.standard_id)
    assert black_standard is not None
    detail = black_listed_detail(black, black_standard)
    return [
        red.id
        for red in _locked_all(session, (red.id for red in reds))
        if _end(session, clock, red, RemovalReason.BLACK_LISTED, detail)
    ]


def end_on_black_listing(session: Session, clock: Clock, black: ListEntry) -> list[int]:
    """The subject's red-list entries in force leave the list: ``black`` has just been
    published on the black list (approved, entered from a court's record, or published
    again). Called wherever a black-list entry is published; one whose term has not begun
    (or is over) ends nothing today — the daily job ends the red entries once it is in
    force. Returns the ended entries' ids."""
    today = clock.today()
    if not (
        black.kind is ListKind.BLACK
        and black.status is EntryStatus.PUBLISHED
        and black.term_start is not None
        and black.term_start <= today
        and (black.term_end is None or today <= black.term_end)
    ):
        return []
    reds = list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.subject_id == black.subject_id, *_in_force(today))
            .order_by(ListEntry.id)
        )
    )
    return _end_black_listed(session, clock, black, reds)


def restored_detail(black: ListEntry, reason: RemovalReason) -> str:
    """Why a red-list entry is published again (``web.labels`` reads it back)."""
    return (
        f"the black-list entry {black.id} that ended it was removed ({reason.value}): an "
        f"integrity model again ({BASIS})"
    )


def found_wrong_detail(black: ListEntry, found_wrong: RemovalReason) -> str:
    """Why a red-list entry is published again when the black-list entry that ended it was
    found wrong after it had left the list otherwise — on an objection upheld, or by its
    source annulling the decision it rested on (``web.labels``)."""
    if found_wrong is RemovalReason.RECORD_REVOKED:
        return (
            f"the decision the black-list entry {black.id} that ended it rested on was annulled "
            f"after that entry had left the list: an integrity model again ({BASIS})"
        )
    return (
        f"an objection to the black-list entry {black.id} that ended it was upheld after that "
        f"entry had left the list: an integrity model again ({BASIS})"
    )


# The removals of a black-list entry that say it should not have been published: an
# objection upheld against it, or the decision it rested on annulled by its source. A repair
# does not: the subject was dishonest, and has repaired its credit since.
WRONG_LISTING = (RemovalReason.OBJECTION_UPHELD, RemovalReason.RECORD_REVOKED)


def restore_after_wrong_black_listing(
    session: Session, clock: Clock, black: ListEntry, *, found_wrong: RemovalReason | None = None
) -> list[int]:
    """The red-list entries ``black``'s publication ended are published again: ``black``
    has just left the list as a listing that should not have been (``WRONG_LISTING``), or
    has just been found so (``found_wrong``: an objection upheld, or the decision it rested
    on annulled by its source, whichever way the entry had left the list before — its term,
    a removal by hand, an early removal), so the
    ending had no ground. One comes back only while its term runs, the subject on no
    other black-list entry and without a bad record within its standard's years; one whose
    subject was recognised again meanwhile under the same standard stays off. The steps are
    the platform's, each naming the black-list entry. Returns the ids published again."""
    why = found_wrong or black.removal_reason
    if black.kind is not ListKind.BLACK or why is None or why not in WRONG_LISTING:
        return []
    today = clock.today()
    if eligibility.black_list_entry_in_force(session, black.subject_id, today) is not None:
        return []
    # The detail the ending wrote (``black_listed_detail``) names the entry.
    named = f"(entry {black.id}): "
    candidates = session.scalars(
        select(ListEntry.id).where(
            ListEntry.subject_id == black.subject_id,
            ListEntry.kind == ListKind.RED,
            ListEntry.status == EntryStatus.REMOVED,
            ListEntry.removal_reason == RemovalReason.BLACK_LISTED,
            ListEntry.removal_detail.contains(named),
        )
    ).all()
    # All locked in the order of their ids and read afresh before the first one's event:
    # restored one after the other, the first one's event took the audit chain's head while
    # the next was waited for — held by a request that then waited for the head (decision
    # 0008, session 25 addendum). One an officer changed meanwhile is taken as it stands.
    ended_by_it = [
        (red, standard)
        for red in _locked_all(session, candidates)
        if red.status is EntryStatus.REMOVED
        and red.removal_reason is RemovalReason.BLACK_LISTED
        and red.removal_detail is not None
        and named in red.removal_detail
        and (standard := session.get(ListStandard, red.standard_id)) is not None
    ]
    detail = (
        restored_detail(black, why)
        if black.removal_reason is why
        else found_wrong_detail(black, why)
    )
    restored: list[int] = []
    for red, standard in ended_by_it:
        if red.term_end is not None and red.term_end < today:
            continue
        years = standard.clean_years
        if years is not None and eligibility.latest_bad_record(
            session, red.subject_id, add_years(today, -years)
        ):
            continue
        again = session.scalar(
            select(ListEntry.id).where(
                ListEntry.subject_id == red.subject_id,
                ListEntry.standard_id == red.standard_id,
                ListEntry.id != red.id,
                ListEntry.status.in_(
                    (EntryStatus.IN_COMMENT, EntryStatus.AWAITING_APPROVAL, EntryStatus.PUBLISHED)
                ),
            )
        )
        if again is not None:
            record_event(session, clock, red, SYSTEM_ACTOR, "not_restored", detail)
            continue
        red.status = EntryStatus.PUBLISHED
        red.ended_at = None
        red.removal_reason = None
        red.removal_detail = None
        record_event(session, clock, red, SYSTEM_ACTOR, "restored", detail)
        restored.append(red.id)
    return restored


def end_again_on_reinstatement(session: Session, clock: Clock, black: ListEntry) -> list[int]:
    """The red-list entries brought back because the decision ``black`` rested on was
    annulled after ``black`` had left the list (``found_wrong_detail``) end again: the
    decision is reinstated, so the black listing that ended them had its ground after all —
    as a black-list entry removed on the annulment is published again and ends them again.
    Returns their ids."""
    restored_so = found_wrong_detail(black, RemovalReason.RECORD_REVOKED)
    reds = list(
        session.scalars(
            select(ListEntry)
            .where(
                ListEntry.subject_id == black.subject_id,
                ListEntry.kind == ListKind.RED,
                ListEntry.status == EntryStatus.PUBLISHED,
                exists().where(
                    ListEntryEvent.entry_id == ListEntry.id,
                    ListEntryEvent.action == "restored",
                    ListEntryEvent.detail == restored_so,
                ),
            )
            .order_by(ListEntry.id)
        )
    )
    return _end_black_listed(session, clock, black, reds)


def _bad_record(
    session: Session, clock: Clock, entry: ListEntry, standard: ListStandard
) -> str | None:
    """Why ``entry`` ends for a bad credit record of its subject within the standard's
    years today, if it does — the test of its approval (``eligibility.latest_bad_record``),
    asked again."""
    years = standard.clean_years
    if years is None:
        return None
    bad = eligibility.latest_bad_record(session, entry.subject_id, add_years(clock.today(), -years))
    if bad is None:
        return None
    decided, type_name = bad
    return bad_record_detail(decided, type_name, years, standard.name)


def after_negative_records(
    session: Session, clock: Clock, record_type_id: int, written_at: dt.datetime
) -> None:
    """The collection pipeline's hook: a batch wrote public negative records of this type
    (created or changed, ``updated_at`` from ``written_at``). Driven by the red-list entries
    in force under a standard asking for clean years — a few, whatever the batch's size —
    each probing its subject's records of this type through their (subject, type) index."""
    today = clock.today()
    written = exists().where(
        CreditRecord.subject_id == ListEntry.subject_id,
        CreditRecord.record_type_id == record_type_id,
        CreditRecord.updated_at >= written_at,
        CreditRecord.status.not_in(eligibility.NOT_COUNTED),
    )
    rows = session.execute(
        select(ListEntry, ListStandard)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(*_in_force(today), ListStandard.clean_years.is_not(None), written)
        .order_by(ListEntry.id)
    ).all()
    due = {
        entry.id: detail
        for entry, standard in rows
        if (detail := _bad_record(session, clock, entry, standard)) is not None
    }
    # All locked before the first one's event takes the audit chain's head (``_locked_all``).
    for entry in _locked_all(session, due):
        _end(session, clock, entry, RemovalReason.BAD_RECORD, due[entry.id])


hooks.register_negative(after_negative_records)


def end_for_subject(session: Session, clock: Clock, subject_id: int) -> list[int]:
    """The subject's red-list entries in force that its standard no longer admits — black
    list or bad record — leave the list: for a service that has just made a record count
    again (a source's reinstatement, a repair revoked for fraud). Returns their ids."""
    return [entry.id for entry, _reason in _end_where_not_met(session, clock, subject_id)]


def _end_where_not_met(
    session: Session, clock: Clock, subject_id: int | None = None
) -> list[tuple[ListEntry, RemovalReason]]:
    today = clock.today()
    statement = (
        select(ListEntry, ListStandard)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(*_in_force(today))
        .order_by(ListEntry.id)
    )
    if subject_id is not None:
        statement = statement.where(ListEntry.subject_id == subject_id)
    due: dict[int, tuple[RemovalReason, str]] = {}
    for entry, standard in session.execute(statement).all():
        black = eligibility.black_list_entry_in_force(session, entry.subject_id, today)
        if black is not None:
            due[entry.id] = (RemovalReason.BLACK_LISTED, black_listed_detail(*black))
        elif (detail := _bad_record(session, clock, entry, standard)) is not None:
            due[entry.id] = (RemovalReason.BAD_RECORD, detail)
    ended: list[tuple[ListEntry, RemovalReason]] = []
    # All locked before the first one's event takes the audit chain's head (``_locked_all``).
    for entry in _locked_all(session, due):
        reason, detail = due[entry.id]
        if _end(session, clock, entry, reason, detail):
            ended.append((entry, reason))
    return ended


def end_where_not_met(session: Session, clock: Clock) -> Counter[str]:
    """The daily job: every red-list entry in force whose subject is on the black list or
    has a bad credit record within its standard's years leaves the list. Counts by reason."""
    return Counter(reason.value for _entry, reason in _end_where_not_met(session, clock))


def incentive_refusal(session: Session, subject_id: int, today: dt.date) -> Conflict | None:
    """Why an incentive measure may not be applied to the subject today, if so: it is on the
    black list (Art. 16 gives incentives to trustworthy subjects only; Art. 14 ¶2: a subject
    on the black list is no integrity model). Asked before the basis is looked for, so that
    it is the answer also when the red-list entry ended with the black listing meanwhile.
    The black list is public: saying so tells the officer nothing the list does not."""
    black = eligibility.black_list_entry_in_force(session, subject_id, today)
    if black is None:
        return None
    entry, standard = black
    return Conflict(
        f"the subject is on the black list ({standard.name}, until {entry.term_end}): "
        "incentive measures are for trustworthy subjects only, and a subject on the black "
        "list is no integrity model",
        code="incentive_on_black_list",
        field="subject",
        article=INCENTIVE_ARTICLE,
        details={
            "black_list_entry": entry.id,
            "black_list_standard": standard.code,
            "until": str(entry.term_end),
        },
    )


def standard_refusal(session: Session, entry: ListEntry, today: dt.date) -> Conflict | None:
    """Why an incentive may not rest on this red-list entry in force, if so: its subject has
    a bad credit record within the standard's years that no hook has ended it for yet (the
    daily job will). The record itself is not named: the officer learns only that the
    standard is no longer met."""
    standard = session.get(ListStandard, entry.standard_id)
    assert standard is not None
    years = standard.clean_years
    if years is None:
        return None
    if eligibility.latest_bad_record(session, entry.subject_id, add_years(today, -years)):
        return Conflict(
            f"the subject no longer meets {standard.name}: it has a bad credit record within "
            f"the last {years} years, and incentive measures are for trustworthy subjects only",
            code="red_standard_not_met",
            field="subject",
            article=INCENTIVE_ARTICLE,
            details={"entry_id": entry.id, "standard": standard.code, "years": years},
        )
    return None
