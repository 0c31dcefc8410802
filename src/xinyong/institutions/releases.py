"""Releases of the industry statistics (Art. 28; decision 0055): the tables of each finished
calendar month (China time), computed from the records and list entries as they stood at
the month's end — their versions and their entries' steps then, not today's statuses — and
kept as published, never changed. The public reads releases only, so what two readings can
be subtracted from each other is two releases, and each release is suppressed also against
the earlier ones: a value whose change since the last release that showed it is fed by
fewer than k subjects is withheld, and enough others that it cannot be worked out."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Severity
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.statistics import COUNTED
from xinyong.disclosure.files import awaiting_review_on, end_of
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.institutions.models import StatisticsRelease
from xinyong.institutions.statistics import (
    LIST_KINDS,
    POLARITIES,
    TOTAL,
    Contributors,
    IndustryStatistics,
    Table,
    area_order,
    district_of,
    industry_statistics,
    linked_tables,
)
from xinyong.institutions.suppression import SuppressedTable, Suppression
from xinyong.lists.entry_events import LEFT_THE_LIST
from xinyong.lists.models import EntryStatus, ListEntry, ListEntryEvent
from xinyong.subjects.models import Subject

# The two pairs of tables counting one population each (decision 0024): records by
# polarity, list entries by list; each by district and by kind of organisation.
RECORDS = ("records_by_district", "records_by_organisation_kind")
ENTRIES = ("list_entries_by_district", "list_entries_by_organisation_kind")
PAIRS = ((RECORDS, POLARITIES), (ENTRIES, LIST_KINDS))
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# An entry that has been published at some time (it may have ended since).
ONCE_PUBLISHED = (EntryStatus.PUBLISHED, EntryStatus.EXPIRED, EntryStatus.REMOVED)
RESTORED = "restored"

# A value of a release: (table key, row, column); "total" names a total. The totals a pair
# shares are named by its first table (by district).
ValueKey = tuple[str, str, str]
# How many of its records or entries each subject has in each value.
Contributions = dict[ValueKey, Counter[int]]


@dataclass(frozen=True)
class Unit:
    """One record or entry as it stood at a month's end, as the tables count it."""

    subject: int
    district: str
    kind: str
    column: str


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def period_end(period: str) -> dt.date:
    found = PERIOD.match(period)
    if found is None:
        raise InvalidInput(
            "period must be a calendar month, YYYY-MM", code="invalid_month", field="period"
        )
    year, month = int(found[1]), int(found[2])
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _month_before(period: str) -> str:
    return period_of(dt.date.fromisoformat(f"{period}-01") - dt.timedelta(days=1))


def _month_after(period: str) -> str:
    return period_of(period_end(period) + dt.timedelta(days=1))


def records_as_of(session: Session, day: dt.date) -> list[Unit]:
    """The records that stood as credit information at the end of ``day`` (China time): the
    status of each record's latest version made by then among those counted today
    (``collection.statistics.COUNTED``), and past its confidentiality review then, as a
    credit file as of that day tells it (``disclosure.files``). A record deleted since
    after its retention period counts where it stood: its versions keep their statuses."""
    cutoff = end_of(day)
    rules = catalog.rules_in_force(session)
    polarity = {
        rule.record_type.id: rule.definition.polarity.value
        for rule in catalog.list_record_types(session)
    }
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.subject_id,
            CreditRecord.record_type_id,
            Subject.division,
            Organisation.kind,
            Organisation.jurisdiction,
            CreditRecord.awaiting_review,
            RecordVersion.created_at,
            RecordVersion.reason,
            RecordVersion.status,
            RecordVersion.severity,
        )
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .join(RecordVersion, RecordVersion.record_id == CreditRecord.id)
        .where(CreditRecord.received_at < cutoff)
        .order_by(CreditRecord.id, RecordVersion.version_no)
        # Streamed, a record's versions at a time: every version of every record is read.
        .execution_options(yield_per=5000)
    )
    units: list[Unit] = []
    for _record, versions in groupby(rows, key=itemgetter(0)):
        history = list(versions)
        made = sum(1 for row in history if row[7] < cutoff)
        if not made:
            continue
        _id, subject_id, type_id, division, kind, jurisdiction, awaiting_now = history[0][:7]
        current = history[made - 1]
        if RecordStatus(current[9]) not in COUNTED:
            continue
        definition = rules.for_record(type_id, jurisdiction)
        disclosure = definition.disclosure
        required = (
            disclosure.review_before_publicity
            and disclosure.period(Severity(current[10])).published
        )
        reasons = [row[8] for row in history]
        if awaiting_review_on(reasons, made, bool(awaiting_now), required):
            continue
        units.append(
            Unit(
                subject_id,
                district_of(division),
                str(kind),
                polarity.get(type_id, "neutral"),
            )
        )
    return units


def entries_as_of(session: Session, day: dt.date) -> list[Unit]:
    """The list entries published and in their term at the end of ``day``: proposed by then,
    in the term they have now, and not off the list then — the last step by which it left
    the list or came back (``entry_events``) before the day's end was not a leaving, nor,
    for an entry without such steps, had it ended by then. *Limit:* a term changed since
    (a court's corrected publication day) is read as it is now."""
    cutoff = end_of(day)
    rows = session.execute(
        select(
            ListEntry.id,
            ListEntry.subject_id,
            ListEntry.kind,
            Subject.division,
            Organisation.kind,
            ListEntry.ended_at,
        )
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(Organisation, Organisation.id == ListEntry.recognising_organisation_id)
        .where(
            ListEntry.status.in_(ONCE_PUBLISHED),
            ListEntry.proposed_at < cutoff,
            ListEntry.term_start <= day,
            or_(ListEntry.term_end.is_(None), ListEntry.term_end >= day),
            or_(ListEntry.approved_at.is_(None), ListEntry.approved_at < cutoff),
        )
    ).all()
    if not rows:
        return []
    last_step: dict[int, str] = {}
    steps = session.execute(
        select(ListEntryEvent.entry_id, ListEntryEvent.action)
        .where(
            ListEntryEvent.entry_id.in_([row[0] for row in rows]),
            ListEntryEvent.action.in_([*LEFT_THE_LIST, RESTORED]),
            ListEntryEvent.at < cutoff,
        )
        .order_by(ListEntryEvent.at, ListEntryEvent.id)
    )
    for entry_id, action in steps:
        last_step[entry_id] = action
    units = []
    for entry_id, subject_id, list_kind, division, kind, ended_at in rows:
        step = last_step.get(entry_id)
        if step in LEFT_THE_LIST:
            continue
        if step is None and ended_at is not None and ended_at < cutoff:
            continue
        units.append(Unit(subject_id, district_of(division), str(kind), str(list_kind)))
    return units


def contributions(units: Iterable[Unit], tables: tuple[str, str]) -> Contributions:
    """Each value of a pair of tables, with how many of its units each subject has in it."""
    by_district, by_kind = tables
    found: Contributions = {}
    for unit in units:
        for key in (
            (by_district, unit.district, unit.column),
            (by_district, unit.district, TOTAL),
            (by_district, TOTAL, unit.column),
            (by_district, TOTAL, TOTAL),
            (by_kind, unit.kind, unit.column),
            (by_kind, unit.kind, TOTAL),
        ):
            found.setdefault(key, Counter())[unit.subject] += 1
    return found


def population(session: Session, day: dt.date) -> Contributions:
    """Both pairs' values at the end of ``day``."""
    return {
        **contributions(records_as_of(session, day), RECORDS),
        **contributions(entries_as_of(session, day), ENTRIES),
    }


def changed_subjects(now: Counter[int], before: Counter[int]) -> int:
    """How many subjects a value's change is fed by: those that came, left, or have another
    number of records or entries in it."""
    return sum(1 for subject in now.keys() | before.keys() if now[subject] != before[subject])


def shown_values(release: StatisticsRelease) -> dict[ValueKey, int | None]:
    """A release's values as published: None where withheld."""
    found: dict[ValueKey, int | None] = {}
    for table in release.tables:
        key = table["key"]
        for row in table["rows"]:
            for col, cell in row["cells"].items():
                found[(key, row["row"], col)] = cell["value"]
            found[(key, row["row"], TOTAL)] = row["total"]["value"]
        for col, cell in table["totals"]["cells"].items():
            found[(key, TOTAL, col)] = cell["value"]
        found[(key, TOTAL, TOTAL)] = table["totals"]["total"]["value"]
    return found


def _shown_in(values: dict[ValueKey, int | None], key: ValueKey) -> bool:
    # A row the release did not have counted nothing: a zero, shown.
    return key not in values or values[key] is not None


def moved_too_few(
    now: Contributions,
    earlier: Sequence[tuple[dict[ValueKey, int | None], Callable[[], Contributions]]],
    k: int,
) -> set[ValueKey]:
    """The values of ``now`` whose change since the latest earlier release that showed them
    is fed by 1 to k−1 subjects. ``earlier``: newest first, each release's shown values and
    what gives its contributions, asked only when a value needs them."""
    small: set[ValueKey] = set()
    loaded: dict[int, Contributions] = {}
    for key, subjects in now.items():
        for index, (values, source) in enumerate(earlier):
            if not _shown_in(values, key):
                continue
            if index not in loaded:
                loaded[index] = source()
            before = loaded[index].get(key, Counter())
            if 0 < changed_subjects(subjects, before) < k:
                small.add(key)
            break
    return small


def _contributors(found: Contributions, tables: tuple[str, str]) -> tuple[Contributors, ...]:
    by_district = tables[0]
    columns = Counter(
        {col: len(s) for (t, row, col), s in found.items() if t == by_district and row == TOTAL}
    )
    total = columns.pop(TOTAL, 0)
    made = []
    for key in tables:
        cells: Counter[tuple[str, str]] = Counter()
        rows: Counter[str] = Counter()
        for (t, row, col), subjects in found.items():
            if t != key or row == TOTAL:
                continue
            if col == TOTAL:
                rows[row] = len(subjects)
            else:
                cells[(row, col)] = len(subjects)
        made.append(Contributors(cells, rows, columns, total))
    return tuple(made)


def tables_of(found: Contributions, k: int, withheld: set[ValueKey]) -> tuple[Table, ...]:
    """The four tables of a population, small values and ``withheld`` withheld, and enough
    others that none of them can be worked out (``statistics.linked_tables``)."""
    made: list[Table] = []
    for tables, columns in PAIRS:
        counts = [
            Counter(
                {
                    (row, col): sum(subjects.values())
                    for (t, row, col), subjects in found.items()
                    if t == key and TOTAL not in (row, col)
                }
            )
            for key in tables
        ]
        extra = {(tables.index(t), row, col) for (t, row, col) in withheld if t in tables}
        made.extend(
            linked_tables(
                columns,
                k,
                (tables[0], "district", counts[0], area_order),
                (tables[1], "organisation_kind", counts[1], None),
                contributors=_contributors(found, tables),
                also_withheld=extra,
            )
        )
    return tuple(made)


def as_published(release: StatisticsRelease) -> IndustryStatistics:
    """A release as ``IndustryStatistics`` (for its page, its CSV and the API): withheld values
    come back as withheld, their counts were never kept."""
    tables = []
    for stored in release.tables:
        columns = tuple(stored["columns"])
        rows = tuple(row["row"] for row in stored["rows"])
        lines = [[*(row["cells"][c] for c in columns), row["total"]] for row in stored["rows"]]
        lines.append([*(stored["totals"]["cells"][c] for c in columns), stored["totals"]["total"]])
        table = SuppressedTable(
            values=tuple(tuple(cell["value"] or 0 for cell in line) for line in lines),
            marks=tuple(
                tuple(
                    Suppression.WITHHELD if cell["suppressed"] else Suppression.SHOWN
                    for cell in line
                )
                for line in lines
            ),
        )
        tables.append(
            Table(stored["key"], stored["rows_by"], rows, columns, table, release.min_cell)
        )
    return IndustryStatistics(release.period_end, release.min_cell, tuple(tables))


def releases(session: Session) -> list[StatisticsRelease]:
    """Every release, newest first."""
    return list(
        session.scalars(select(StatisticsRelease).order_by(StatisticsRelease.period.desc()))
    )


def latest(session: Session) -> StatisticsRelease | None:
    return session.scalars(
        select(StatisticsRelease).order_by(StatisticsRelease.period.desc()).limit(1)
    ).first()


def by_period(session: Session, period: str) -> StatisticsRelease:
    period_end(period)  # refuses a malformed period
    found = session.scalars(
        select(StatisticsRelease).where(StatisticsRelease.period == period)
    ).first()
    if found is None:
        raise NotFound("no release of the industry statistics for this period", code="no_release")
    return found


@dataclass(frozen=True)
class Shown:
    """The tables a reader is shown, and the release they are (None: today's provisional
    tables, or no release yet, ``tables`` None)."""

    tables: IndustryStatistics | None
    release: StatisticsRelease | None


def shown(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    period: str | None,
    provisional: bool,
    k: int,
) -> Shown:
    """What the API and the page show (decision 0055): a release — the latest, or
    ``period``'s —, or for the credit authority, which supervises the platform, today's
    provisional tables: they change every day and are not suppressed against the releases,
    so nobody else sees them."""
    if provisional:
        require(actor, Permission.SUPERVISE)
        return Shown(industry_statistics(session, clock.today(), k=k), None)
    found = by_period(session, period) if period else latest(session)
    return Shown(None if found is None else as_published(found), found)


def _population_on(session: Session, before: StatisticsRelease) -> Callable[[], Contributions]:
    return lambda: population(session, before.period_end)


def release(
    session: Session, clock: Clock, actor: Actor, period: str, *, k: int
) -> StatisticsRelease:
    """Fix the statistics of ``period`` (a finished month) and keep them as published,
    suppressed also against the earlier releases (``moved_too_few``). Each release is made
    after every earlier one: a later month's release would be suppressed against releases
    that do not exist yet, so releasing a month before one already released is refused."""
    end = period_end(period)
    if end >= clock.today():
        raise InvalidInput(
            "a month is released once it has ended", code="period_not_ended", field="period"
        )
    newest = latest(session)
    if newest is not None and newest.period >= period:
        raise Conflict(
            "this month is released already, or a later one is",
            code="period_already_released",
        )
    earlier = releases(session)
    now = population(session, end)
    references = [(shown_values(before), _population_on(session, before)) for before in earlier]
    withheld = moved_too_few(now, references, k)
    found = IndustryStatistics(end, k, tables_of(now, k, withheld))
    made = StatisticsRelease(
        period=period,
        period_end=end,
        min_cell=k,
        tables=found.as_dict()["tables"],
        previous_period=newest.period if newest is not None else None,
        released_at=clock.now(),
        released_by=actor.audit().id or actor.kind,
    )
    session.add(made)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "statistics.released",
        target_type="statistics_release",
        target_id=made.id,
        details={
            "period": period,
            "min_cell": k,
            "previous_period": made.previous_period,
            # How many values were withheld for their change alone, not which.
            "withheld_for_change": len(withheld),
        },
    )
    return made


def next_due(session: Session, clock: Clock) -> str | None:
    """The next month to release: the one after the latest release, or — before any — the
    month before this one (releases begin with the feature, not with the platform's first
    records); None when that month has not ended."""
    newest = latest(session)
    due = (
        _month_after(newest.period)
        if newest is not None
        else _month_before(period_of(clock.today()))
    )
    return due if period_end(due) < clock.today() else None


def release_next_due(session: Session, clock: Clock, actor: Actor, *, k: int) -> str | None:
    """Release the next month due, if any (the daily job calls it, one transaction a month,
    until it answers None: a run stopped halfway keeps the months done, and the next does
    the rest). Two runs at once: the second's release of the same month fails on the unique
    period and is rolled back by its caller."""
    due = next_due(session, clock)
    if due is None:
        return None
    release(session, clock, actor, due, k=k)
    return due
