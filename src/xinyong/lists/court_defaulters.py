"""Court judgment defaulters (失信被执行人) enter the black list from the court's records
and leave as soon as a record says the judgment was performed — well within the 3
working days the rules allow (rules.md) — or when the recognising court's staff confirm
the performance on the platform (``confirm_performance``; decision 0027). They are never
removed early on the subject's application (``early_removal``), nor on an objection to the
platform: the defaulter applies to the court for correction (``listing_court``).

Once the performance is known, the court's record stops being published as a current
defaulter listing too (SPC rule Art. 10: the court deletes the defaulter information within
3 working days of the performance): a new version by whoever made it known, with the reason
(Art. 24), ends its publicity (``_end_publicity_on_performance``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text, texts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import (
    SYSTEM_ACTOR,
    Actor,
    Permission,
    has_permission,
    require,
)
from xinyong.audit import service as audit
from xinyong.calendar import add_months
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import PublicityPeriod, RecordTypeDefinition, Severity
from xinyong.clock import Clock
from xinyong.collection import hooks
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.records import add_version_as_is, current_version, locked_where
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.lists import entry_locks, entry_persons, red_list_exit
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard, RemovalReason, Tier

RECORD_TYPE = "court_judgment_defaulter"


def sync_records(session: Session, clock: Clock, record_ids: list[int]) -> None:
    std = session.scalar(select(ListStandard).where(ListStandard.from_record_type == RECORD_TYPE))
    if std is None:
        return
    rules: dict[int, RecordTypeDefinition] = {}
    for start in range(0, len(record_ids), 500):
        part = record_ids[start : start + 500]
        rows = session.execute(
            select(CreditRecord, RecordVersion)
            .join(
                RecordVersion,
                (RecordVersion.record_id == CreditRecord.id)
                & (RecordVersion.version_no == CreditRecord.current_version_no),
            )
            .where(CreditRecord.id.in_(part))
            # In the batch's order, so entries are made (and numbered) as the court listed them.
            .order_by(CreditRecord.id)
            # The pipeline updates records with Core statements: read them afresh.
            .execution_options(populate_existing=True)
        ).all()
        entries = {
            e.source_record_id: e
            for e in session.scalars(
                select(ListEntry)
                .where(ListEntry.source_record_id.in_(part))
                .order_by(ListEntry.id)
                # Locked and read afresh after their records, which the batch holds
                # (``entry_locks``): the court's staff confirming a performance at this
                # moment are taken before or after the batch, never beside it.
                .with_for_update(of=ListEntry)
                .execution_options(populate_existing=True)
            )
        }
        for record, version in rows:
            period = _publicity_period(session, record, rules)
            _sync_one(session, clock, std, record, version.payload, entries.get(record.id), period)


def _publicity_period(
    session: Session, record: CreditRecord, rules: dict[int, RecordTypeDefinition]
) -> PublicityPeriod:
    """The record's publicity period by the catalog rule governing it (its source's
    jurisdiction, Art. 35): the same rule ingestion refused a shorter extension by and
    held a longer one to."""
    definition = rules.get(record.source_organisation_id)
    if definition is None:
        definition = catalog.governing_rule(session, record).definition
        rules[record.source_organisation_id] = definition
    return definition.disclosure.period(Severity(record.severity))


def _sync_one(
    session: Session,
    clock: Clock,
    std: ListStandard,
    record: CreditRecord,
    payload: dict[str, str],
    entry: ListEntry | None,
    period: PublicityPeriod,
) -> None:
    performed = payload.get("performed_on")
    if performed:
        # Sent with the performance, or sent again after it (which publishes it anew).
        _end_publicity_on_performance(
            session, clock, SYSTEM_ACTOR, record, f"performed on {performed}"
        )
    if entry is None:
        if performed or record.status is RecordStatus.REVOKED:
            # Performed before it ever reached the list, or revoked by the court (decision
            # 0028).
            return
        start = _term_start(record, payload)
        entry = ListEntry(
            subject_id=record.subject_id,
            standard_id=std.id,
            kind=ListKind.BLACK,
            tier=Tier.SERIOUS,
            status=EntryStatus.PUBLISHED,
            recognising_organisation_id=record.source_organisation_id,
            proposed_by="court",
            proposed_at=clock.now(),
            criteria_met=std.criteria,
            reasons=payload.get("dishonest_conduct", ""),
            evidence=f"{payload.get('court', '')} {payload.get('case_number', '')}",
            legal_basis=std.legal_basis,
            approved_by="court",
            approved_at=clock.now(),
            term_start=start,
            term_end=_term_end(std, start, payload, period),
            source_record_id=record.id,
        )
        session.add(entry)
        session.flush()
        record_event(
            session,
            clock,
            entry,
            SYSTEM_ACTOR,
            "entered",
            f"court decision {payload.get('case_number', '')}",
        )
        # Published at once, without an approval: the court's decision is the listing, and
        # its legal representative and others answer for it (SPC rule Art. 3 ¶2; Art. 18).
        entry_persons.name_responsible_persons(
            session, clock, SYSTEM_ACTOR, entry, reason=entry_persons.ON_PUBLICATION
        )
        # A defaulter is no integrity model: its red-list entries end (decision 0041).
        red_list_exit.end_on_black_listing(session, clock, entry)
        return
    if not performed and entry.status is EntryStatus.PUBLISHED and entry.term_start:
        # The court may correct the day it published the defaulter: the term counts from
        # the day the record now states (SPC rule Art. 7; decision 0045), as its record does.
        start = _term_start(record, payload)
        term_end = _term_end(std, start, payload, period)
        if (start, term_end) != (entry.term_start, entry.term_end):
            entry.term_start = start
            entry.term_end = term_end
            record_event(
                session, clock, entry, SYSTEM_ACTOR, "term_changed", f"term ends {term_end}"
            )
        return
    if performed and entry.status is EntryStatus.PUBLISHED:
        entry.status = EntryStatus.REMOVED
        entry.ended_at = clock.now()
        entry.removal_reason = RemovalReason.PERFORMED
        entry.removal_detail = f"performed on {performed}"
        record_event(session, clock, entry, SYSTEM_ACTOR, "removed", f"performed on {performed}")


hooks.register(RECORD_TYPE, sync_records)


def _term_start(record: CreditRecord, payload: dict[str, str]) -> dt.date:
    """The day the court published the defaulter, which the two-year term counts from."""
    return dt.date.fromisoformat(
        payload.get("published_on") or payload.get("filed_on") or str(record.decision_date)
    )


def _term_end(
    std: ListStandard, start: dt.date, payload: dict[str, str], period: PublicityPeriod
) -> dt.date:
    """The court may extend the two-year term by one to three years (rules.md); it states
    the extended term's end as the record's publicity deadline. The catalog says by how
    much: at least ``min_extension_months`` (ingestion refuses less, counted from the
    decision date — the publication, which the term counts from too — so an extension short
    from there is none either), at most as far as the publicity's ``max_months`` reaches
    past its usual term (the record's publicity is held there too)."""
    term_end = add_months(start, std.term_months)
    stated = payload.get("publicity_deadline")
    if not stated:
        return term_end
    least = period.min_extension_months
    longest = period.max_months - period.months_without_deadline
    if dt.date.fromisoformat(stated) < add_months(start, std.term_months + least):
        return term_end
    return max(
        term_end,
        min(dt.date.fromisoformat(stated), add_months(start, std.term_months + longest)),
    )


# --- the court a defaulter applies to for correction (SPC rule Art. 11) ---------------------


def _record_payload(session: Session, record: CreditRecord) -> dict[str, str]:
    payload = session.scalar(
        select(RecordVersion.payload).where(
            RecordVersion.record_id == record.id,
            RecordVersion.version_no == record.current_version_no,
        )
    )
    return payload or {}


def listing_court(session: Session, entry: ListEntry) -> str | None:
    """For a court judgment defaulter's entry, the court the defaulter applies to for the
    correction of its listing (SPC rule Art. 11: the enforcing court, as the court's record
    names it; else the court that recognised it on the platform); None for any other entry."""
    std = session.get(ListStandard, entry.standard_id)
    if std is None or std.from_record_type != RECORD_TYPE:
        return None
    record = (
        session.get(CreditRecord, entry.source_record_id)
        if entry.source_record_id is not None
        else None
    )
    named = _record_payload(session, record).get("court") if record is not None else None
    if named:
        return str(named)
    organisation = session.get(Organisation, entry.recognising_organisation_id)
    return organisation.name if organisation is not None else ""


# --- the court's record once the performance is known ---------------------------------------

# The reason on the record's version (Art. 24); the pages translate it (``web.labels``).
REASON_PERFORMED = "publicity ended on performance"
# Still published: the statuses a performance ends the publicity of (``disclosure.files``).
_PUBLISHED_STATUSES = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)


def _end_publicity_on_performance(
    session: Session, clock: Clock, actor: Actor, record: CreditRecord, detail: str
) -> bool:
    """The record of a defaulter who performed is no longer published from today: its window
    ends yesterday, as a withdrawal past its period ends one, and an active or corrected
    record is ``expired`` (one under objection stays so until the objection is decided). A
    new version with the reason and ``detail`` (the performance, as the entry's removal
    states it), by the court's staff who confirmed it or the platform acting on the court's
    record; its content is the court's, unchanged. Nothing (false) for a record no longer
    published (revoked, expired …) or never."""
    today = clock.today()
    if (
        record.status not in _PUBLISHED_STATUSES
        or record.publicity_start is None
        or (record.publicity_end is not None and record.publicity_end < today)
    ):
        return False
    current = current_version(session, record)
    record.publicity_end = today - dt.timedelta(days=1)
    if record.status is not RecordStatus.UNDER_OBJECTION:
        record.status = RecordStatus.EXPIRED
    add_version_as_is(
        session,
        record,
        current,
        reason=REASON_PERFORMED,
        reason_detail=detail,
        source_organisation_id=actor.organisation_id,
        actor=actor.audit().id or actor.kind,
        created_at=clock.now(),
    )
    session.flush()
    audit.record_soon(
        session,
        clock,
        actor.audit(),
        "record.publicity_ended_on_performance",
        target_type="credit_record",
        target_id=record.id,
        details={"version": record.current_version_no, "status": record.status.value},
    )
    return True


def end_publicity_where_performed(session: Session, clock: Clock) -> int:
    """The court's records still published though the performance is known — the record
    says so, or its entry left the list on the performance — each given the version that
    ends its publicity (``_end_publicity_on_performance``), by the platform acting on the
    court's record. The daily job runs it: a performance made known before the platform
    ended the record's publicity with it (session 16) would otherwise keep the defaulter
    published until the window ends. How many records."""
    today = clock.today()
    if _court_standard(session) is None:
        # No court defaulters' standard (a catalog without the lists' rules): no such record
        # was ever listed, and the daily job goes on with its other work.
        return 0
    type_id = catalog.record_type_by_code(session, RECORD_TYPE).id
    still_published = session.execute(
        select(CreditRecord, RecordVersion.payload)
        .join(
            RecordVersion,
            (RecordVersion.record_id == CreditRecord.id)
            & (RecordVersion.version_no == CreditRecord.current_version_no),
        )
        .where(
            CreditRecord.record_type_id == type_id,
            CreditRecord.status.in_(_PUBLISHED_STATUSES),
            CreditRecord.publicity_start.is_not(None),
            (CreditRecord.publicity_end.is_(None)) | (CreditRecord.publicity_end >= today),
        )
        .order_by(CreditRecord.id)
    ).all()
    if not still_published:
        return 0
    removed = {
        entry.source_record_id: entry.removal_detail or ""
        for entry in session.scalars(
            select(ListEntry).where(
                ListEntry.source_record_id.in_([record.id for record, _ in still_published]),
                ListEntry.removal_reason == RemovalReason.PERFORMED,
            )
        )
    }
    due: dict[int, str] = {}
    for record, payload in still_published:
        performed = (payload or {}).get("performed_on")
        detail = f"performed on {performed}" if performed else removed.get(record.id)
        if detail is not None:
            due[record.id] = detail
    if not due:
        return 0
    # Those to end locked all at once, in the order of their ids, as the court's staff's
    # step locks one (``records.locked``), before the first audit event takes the chain's
    # head: the job never holds the head while it waits for a record. Read afresh, one
    # ended meanwhile (by the staff, by another job) is left as it is
    # (``_end_publicity_on_performance``).
    ended = 0
    # After the court's batches running (``records.locked_where``).
    for record in locked_where(session, CreditRecord.id.in_(due)):
        if _end_publicity_on_performance(session, clock, SYSTEM_ACTOR, record, due[record.id]):
            ended += 1
    return ended


# --- the recognising court confirms performance (rules.md: removed within 3 working days) ----

PERFORMANCE_BASIS = "rules.md: court judgment defaulters"
MAX_DETAIL = 2000


@dataclass(frozen=True)
class Performance:
    """A confirmed performance: the entry removed, the day it was due by (the configured
    working days after the performance, ``XINYONG_COURT_PERFORMANCE_WORKING_DAYS``) and
    whether the removal came within it."""

    entry: ListEntry
    due: dt.date
    provisional: bool
    within: bool


def may_confirm(actor: Actor, entry: ListEntry) -> bool:
    """The recognising court's staff who send its records or decide its list entries."""
    return actor.organisation_id == entry.recognising_organisation_id and (
        has_permission(actor, Permission.SUBMIT_RECORDS)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    )


def _court_standard(session: Session) -> ListStandard | None:
    return session.scalar(select(ListStandard).where(ListStandard.from_record_type == RECORD_TYPE))


def published_entries(session: Session, actor: Actor) -> list[ListEntry]:
    """The court judgment defaulters the actor's court has on the list now."""
    if not (
        has_permission(actor, Permission.SUBMIT_RECORDS)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    ):
        require(actor, Permission.SUBMIT_RECORDS)
    std = _court_standard(session)
    if std is None or actor.organisation_id is None:
        return []
    return list(
        session.scalars(
            select(ListEntry)
            .where(
                ListEntry.standard_id == std.id,
                ListEntry.recognising_organisation_id == actor.organisation_id,
                ListEntry.status == EntryStatus.PUBLISHED,
            )
            .order_by(ListEntry.term_start, ListEntry.id)
        )
    )


def _filed_on(session: Session, entry: ListEntry) -> dt.date:
    """The day the court filed the case the entry rests on (its record's ``filed_on``: the
    record is dated by its publication, decision 0045), or the start of the entry's term
    where it rests on no record or the record states no filing."""
    record = (
        session.get(CreditRecord, entry.source_record_id)
        if entry.source_record_id is not None
        else None
    )
    if record is not None:
        filed = _record_payload(session, record).get("filed_on")
        if filed:
            return dt.date.fromisoformat(str(filed))
        return record.decision_date
    assert entry.term_start is not None
    return entry.term_start


def confirm_performance(
    session: Session,
    clock: Clock,
    actor: Actor,
    entry_id: int,
    *,
    performed_on: dt.date,
    detail: str,
    working_days: int,
) -> Performance:
    """The recognising court confirms that the defaulter performed the judgment: the entry
    is removed now (reason ``performed``), and the answer says whether that came within the
    ``working_days`` after the performance that the rules allow (3 by default, rules.md)."""
    # Locked and read afresh (``entry_locks``): a removal, an objection upheld or the
    # same confirmation sent twice at this moment is seen, and the entry leaves once. The
    # court's record first, as a batch bringing it (and its performance) takes the two.
    entry = entry_locks.locked_after_its_record(session, entry_id)
    std = session.get(ListStandard, entry.standard_id)
    if std is None or std.from_record_type != RECORD_TYPE:
        raise Conflict(
            "only a court judgment defaulter's entry leaves on a confirmed performance; other "
            "entries are removed early on the subject's application or by the agency",
            code="not_court_entry",
            field="entry",
            article=PERFORMANCE_BASIS,
        )
    if not may_confirm(actor, entry):
        if not has_permission(actor, Permission.APPROVE_LIST_ENTRY):
            require(actor, Permission.SUBMIT_RECORDS)
        raise PermissionDenied(
            "the recognising court confirms the performance of its defaulters",
            code="other_organisation",
            article="Art. 14",
        )
    if entry.status is not EntryStatus.PUBLISHED:
        raise Conflict(
            f"the entry is {entry.status.value}, no longer on the list",
            code="wrong_state",
            field="entry",
        )
    today = clock.today()
    if performed_on > today:
        raise InvalidInput(
            "the performance cannot be in the future", code="future_date", field="performed_on"
        )
    filed_on = _filed_on(session, entry)
    if performed_on < filed_on:
        # A judgment is performed after the case that lists the defaulter was filed; an
        # earlier day is a mistyped date, and would make the removal look late from a "due"
        # day before the entry existed.
        raise InvalidInput(
            f"the performance cannot precede the case's filing on {filed_on.isoformat()}",
            code="before_filing",
            field="performed_on",
            article=PERFORMANCE_BASIS,
        )
    text = texts.visible(detail)
    if not text:
        raise InvalidInput(
            "say how the performance was confirmed (e.g. the court's closing notice)",
            code="required",
            field="detail",
            article=PERFORMANCE_BASIS,
        )
    if len(text) > MAX_DETAIL:
        raise InvalidInput(f"at most {MAX_DETAIL} characters", code="too_long", field="detail")
    # The removal detail is on the subject's notices and the entry's history (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"detail": text}, today=today)
    result = working_day_calendar(session).add_working_days(performed_on, working_days)
    within = today <= result.day
    entry.status = EntryStatus.REMOVED
    entry.ended_at = clock.now()
    entry.removal_reason = RemovalReason.PERFORMED
    entry.removal_detail = (
        f"performed on {performed_on.isoformat()}, confirmed by the court: {text}"
    )
    record = (
        session.get(CreditRecord, entry.source_record_id)
        if entry.source_record_id is not None
        else None
    )
    if record is not None:
        # The court's own confirmation: its record stops showing a current defaulter.
        _end_publicity_on_performance(session, clock, actor, record, entry.removal_detail)
    record_event(
        session,
        clock,
        entry,
        actor,
        "removed",
        f"performed on {performed_on.isoformat()}; due by {result.day.isoformat()} "
        f"({working_days} working days){'' if within else ', removed late'}: {text}",
    )
    return Performance(entry, result.day, result.provisional, within)
