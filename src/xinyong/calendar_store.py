"""The working-day calendar as data: official arrangements loaded from chinese-calendar,
extended by the credit authority when the State Council publishes the next year (rules.md:
editable from the command line and a page; deadlines past the known years are provisional
and become definite once their year is entered)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, Integer, String, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong import calendar as workdays
from xinyong.accounts import area
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.db.base import Base, UTCDateTime
from xinyong.errors import InvalidInput


class CalendarDay(Base):
    """An exception to the Monday–Friday rule: a holiday on a weekday or a worked weekend."""

    __tablename__ = "calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(64))


class CalendarYear(Base):
    """A year whose official arrangement is loaded; later years are provisional."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def load_official(session: Session, clock: Clock, years: list[int] | None = None) -> int:
    """Load the package's arrangements for years not loaded yet; returns years added."""
    known = set(session.scalars(select(CalendarYear.year)))
    wanted = [y for y in (years or list(workdays.covered_years_of_package())) if y not in known]
    if not wanted:
        return 0
    for day in workdays.official_days(wanted):
        session.add(
            CalendarDay(
                day=day.day, is_working_day=day.is_working_day, name=day.name, source=day.source
            )
        )
    source = workdays.official_days(wanted[:1])[0].source if wanted else ""
    for year in wanted:
        session.add(CalendarYear(year=year, source=source, loaded_at=clock.now()))
    session.flush()
    return len(wanted)


MAX_NAME = 64
MAX_SOURCE = 64
MAX_DAYS = 366
# The State Council announces a year's arrangement late in the year before (rules.md): a
# year further ahead is a typing slip, not an announcement.
YEARS_AHEAD = 1
FIRST_YEAR = 2000


@dataclass(frozen=True)
class ArrangedDay:
    """One day of an announced arrangement: a holiday (放假) or a working day (上班)."""

    day: dt.date
    is_working_day: bool
    name: str


@dataclass(frozen=True)
class YearArrangement:
    """What the calendar holds for a year: its exceptions to Monday–Friday and where they
    came from, or nothing yet (``known`` false: deadlines in it are provisional)."""

    year: int
    known: bool
    source: str | None
    loaded_at: dt.datetime | None
    days: list[workdays.CalendarDay]


@dataclass(frozen=True)
class EnteredYear:
    year: int
    exceptions: int
    # Days the announcement lists that change nothing (a holiday on a weekend): shown to
    # the officer, not stored, as the package's own data is stored.
    restated: int
    records_rechecked: int
    # Open list candidacies whose comment or objection window now ends later.
    windows_extended: int = 0


_KINDS = {
    "holiday": False,
    "放假": False,
    "休": False,
    "休息": False,
    "working_day": True,
    "workday": True,
    "上班": True,
    "班": True,
    "调休上班": True,
}
_HEADERS = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "安排": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
    "节日": "name",
}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(r"\s*(?:至|到|~|～|\.\.)\s*")


def _row_problem(row: int, column: str, message: str, code: str) -> InvalidInput:
    return InvalidInput(
        f"row {row}: {message}",
        code=code,
        field="arrangement",
        details={"row": row, "column": column},
    )


def _parse_day(text: str, row: int) -> dt.date:
    found = _DATE.fullmatch(text.strip())
    if found is None:
        raise _row_problem(row, "date", f"{text.strip()!r} is not a date", "invalid_date")
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        raise _row_problem(row, "date", f"{text.strip()!r} is not a date", "invalid_date") from None


def parse_arrangement(text: str) -> list[ArrangedDay]:
    """An announced arrangement as CSV: ``date,kind,name`` (or 日期,安排,名称), one day or
    a range (``2027-02-15至2027-02-23``) per row, kind ``holiday``/放假 or
    ``working_day``/上班 — how the State Council's notice reads, without retyping each day
    of a long holiday. Refusals name the row (counting the header as row 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise InvalidInput("the arrangement lists no days", code="no_days", field="arrangement")
    columns = [_HEADERS.get(cell.strip().lower()) for cell in header]
    missing = [name for name in ("date", "kind", "name") if name not in columns]
    if missing:
        raise InvalidInput(
            f"the header needs the columns date, kind and name (日期, 安排, 名称); "
            f"missing: {', '.join(missing)}",
            code="missing_column",
            field="arrangement",
            details={"row": 1, "column": missing[0]},
        )
    position = {name: columns.index(name) for name in ("date", "kind", "name")}
    days: list[ArrangedDay] = []
    for row, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in position.items()}
        kind = _KINDS.get(values["kind"].lower())
        if kind is None:
            raise _row_problem(
                row,
                "kind",
                f"{values['kind']!r} is neither holiday (放假) nor working_day (上班)",
                "invalid_kind",
            )
        bounds = _RANGE.split(values["date"], maxsplit=1)
        first = _parse_day(bounds[0], row)
        last = _parse_day(bounds[1], row) if len(bounds) == 2 else first
        if last < first:
            raise _row_problem(row, "date", "the range ends before it starts", "invalid_range")
        if (last - first).days >= MAX_DAYS:
            raise _row_problem(row, "date", "the range is longer than a year", "invalid_range")
        day = first
        while day <= last:
            days.append(ArrangedDay(day, kind, values["name"]))
            day += dt.timedelta(days=1)
    return days


def _check_arrangement(
    year: int, days: list[ArrangedDay], source: str, today: dt.date
) -> list[ArrangedDay]:
    """The real exceptions among ``days``, after refusing what cannot be an announcement."""
    if not FIRST_YEAR <= year <= today.year + YEARS_AHEAD:
        raise InvalidInput(
            f"{year} is not a year whose arrangement can be entered: from {FIRST_YEAR} to "
            f"{today.year + YEARS_AHEAD} (the State Council announces a year in the year "
            "before)",
            code="year_out_of_range",
            field="year",
        )
    if not source.strip():
        raise InvalidInput(
            "name the notice the arrangement comes from", code="required", field="source"
        )
    if len(source.strip()) > MAX_SOURCE:
        raise InvalidInput(
            f"the source is longer than {MAX_SOURCE} characters", code="too_long", field="source"
        )
    if not days:
        raise InvalidInput("the arrangement lists no days", code="no_days", field="days")
    if len(days) > MAX_DAYS:
        raise InvalidInput(f"more than {MAX_DAYS} days", code="too_many_days", field="days")
    seen: set[dt.date] = set()
    exceptions: list[ArrangedDay] = []
    for index, day in enumerate(days):
        if day.day.year != year:
            raise InvalidInput(
                f"{day.day} is not in {year}", code="wrong_year", field=f"days[{index}].date"
            )
        if day.day in seen:
            raise InvalidInput(
                f"{day.day} is listed twice", code="duplicate_day", field=f"days[{index}].date"
            )
        seen.add(day.day)
        if not day.name.strip():
            raise InvalidInput(
                f"{day.day}: name the holiday (e.g. 春节)",
                code="required",
                field=f"days[{index}].name",
            )
        if len(day.name.strip()) > MAX_NAME:
            raise InvalidInput(
                f"{day.day}: the name is longer than {MAX_NAME} characters",
                code="too_long",
                field=f"days[{index}].name",
            )
        if day.is_working_day != (day.day.weekday() < 5):
            exceptions.append(day)
    if not any(not day.is_working_day for day in exceptions):
        # Every year has weekday holidays (元旦, 春节, 国庆 …): an arrangement without one
        # is a wrong file, and entering it would make every holiday a working day.
        raise InvalidInput(
            f"the arrangement for {year} has no holiday on a weekday",
            code="no_holidays",
            field="days",
        )
    return exceptions


def may_enter_years(session: Session, actor: Actor) -> bool:
    """Whether the actor enters years (``enter_year`` refuses everybody else): the city's
    credit authority; a district's keeps no calendar of its own (decision 0046)."""
    return (
        has_permission(actor, Permission.MANAGE_CATALOG)
        and area.district_of(session, actor) is None
    )


def enter_year(
    session: Session,
    clock: Clock,
    actor: Actor,
    year: int,
    days: list[ArrangedDay],
    *,
    source: str,
    late_after_working_days: int,
) -> EnteredYear:
    """The credit authority enters a newly published year (or corrects one): it replaces
    whatever the calendar held for the year. Deadlines are worked out when read, so
    provisional ones in the year become definite at once; the stored timeliness of records
    counted across the year (Art. 4, 及时) is counted again, and the stored windows of open
    list candidacies are extended where the year's holidays move their last day."""
    require(actor, Permission.MANAGE_CATALOG)
    # One calendar counts every deadline in the city (the State Council's arrangement is
    # national): a district's credit authority does not replace it (Art. 6, decision 0046).
    area.require_city(session, actor, "the working-day calendar", field="year")
    exceptions = _check_arrangement(year, days, source, clock.today())
    source = source.strip()
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    )
    session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    for day in exceptions:
        session.add(
            CalendarDay(
                day=day.day, is_working_day=day.is_working_day, name=day.name.strip(), source=source
            )
        )
    session.add(CalendarYear(year=year, source=source, loaded_at=clock.now()))
    session.flush()
    rechecked = _recount_timeliness(session, year, late_after_working_days)
    # Imported here: the lists domain counts its windows with this module's calendar.
    from xinyong.lists.entries import extend_windows

    extended = extend_windows(session, clock, year)
    audit.record(
        session,
        clock,
        actor.audit(),
        "calendar.enter_year",
        target_type="calendar",
        target_id=year,
        details={
            "exceptions": len(exceptions),
            "restated": len(days) - len(exceptions),
            "source": source,
            "records_rechecked": rechecked,
            "windows_extended": extended,
        },
    )
    return EnteredYear(year, len(exceptions), len(days) - len(exceptions), rechecked, len(extended))


def _recount_timeliness(session: Session, year: int, late_after_working_days: int) -> int:
    """Count again the working days each record took to arrive, for records whose count
    ran through ``year`` (decided before its end, received after its start); returns how
    many changed. The batch's own report keeps what it said on the day."""
    # Imported here: the collection pipeline imports this module for its calendar.
    from xinyong.collection.models import CreditRecord

    calendar = working_day_calendar(session)
    first = dt.datetime(year, 1, 1, tzinfo=CHINA)
    rows = session.execute(
        select(CreditRecord.id, CreditRecord.decision_date, CreditRecord.received_at)
        .where(
            CreditRecord.self_declared.is_(False),
            CreditRecord.decision_date <= dt.date(year, 12, 31),
            CreditRecord.received_at >= first,
        )
        .order_by(CreditRecord.id)
    ).all()
    changed: list[dict[str, object]] = []
    for record_id, decided, received_at in rows:
        received = received_at.astimezone(CHINA).date()
        days, _provisional = calendar.working_days_between(decided, received)
        changed.append(
            {
                "id": record_id,
                "late": days > late_after_working_days,
                "working_days_to_submit": days,
            }
        )
    for start in range(0, len(changed), 1000):
        session.execute(update(CreditRecord), changed[start : start + 1000])
    return len(changed)


def arrangement(session: Session, year: int) -> YearArrangement:
    """What the calendar holds for ``year``."""
    loaded = session.get(CalendarYear, year)
    days = [
        workdays.CalendarDay(
            day=row.day, is_working_day=row.is_working_day, name=row.name, source=row.source
        )
        for row in session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    ]
    return YearArrangement(
        year=year,
        known=loaded is not None,
        source=loaded.source if loaded is not None else None,
        loaded_at=loaded.loaded_at if loaded is not None else None,
        days=days,
    )


def years(session: Session, today: dt.date) -> list[YearArrangement]:
    """Every year the calendar knows, and the current and next year even when it does not
    (their deadlines are provisional until the year is entered), newest first, without
    their days."""
    loaded = {row.year: row for row in session.scalars(select(CalendarYear))}
    wanted = sorted(set(loaded) | {today.year, today.year + YEARS_AHEAD}, reverse=True)
    return [
        YearArrangement(
            year=year,
            known=year in loaded,
            source=loaded[year].source if year in loaded else None,
            loaded_at=loaded[year].loaded_at if year in loaded else None,
            days=[],
        )
        for year in wanted
    ]


def working_day_calendar(session: Session) -> workdays.WorkingDayCalendar:
    # Read as plain rows of the two columns a count needs: every deadline read builds the
    # calendar afresh (it may change in any transaction), and loading ~550 mapped objects
    # for it cost six times as much.
    exceptions = session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all()
    return workdays.WorkingDayCalendar(exceptions, session.scalars(select(CalendarYear.year)).all())
