"""Working-day (工作日) calendar for deadlines under the official PRC holiday arrangements.

The calendar is data: a table of exceptions to the Monday–Friday rule plus the years that table
fully covers. Dates in uncovered years fall back to Monday–Friday and are flagged provisional.
"""

from __future__ import annotations

import bisect
import importlib.metadata
from calendar import monthrange
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

import chinese_calendar

from xinyong.clock import CHINA

__all__ = [
    "WORKING_HOURS",
    "CalendarDay",
    "DayException",
    "WorkingDayCalendar",
    "WorkingDayResult",
    "add_days",
    "add_months",
    "add_years",
    "covered_years_of_package",
    "first_day_after",
    "last_day_for_act",
    "official_days",
]

_ONE_DAY = timedelta(days=1)
# Office hours of state organs, for supervision of use (Art. 33): reads outside them stand out.
WORKING_HOURS = (time(8, 0), time(18, 0))

# The package stores English holiday names; the platform shows Chinese ones, which the
# package's Holiday enum carries alongside.
_CHINESE_HOLIDAY_NAMES: dict[str, str] = {
    str(holiday.value): str(holiday.chinese) for holiday in chinese_calendar.Holiday
}


@dataclass(frozen=True)
class CalendarDay:
    """One exception to the Monday–Friday rule: a holiday on a weekday, or a working weekend."""

    day: date
    is_working_day: bool
    name: str
    source: str


class DayException(Protocol):
    """What a count needs of an exception: a stored row read as two columns will do."""

    @property
    def day(self) -> date: ...

    @property
    def is_working_day(self) -> bool: ...


@dataclass(frozen=True)
class WorkingDayResult:
    day: date
    # True when the answer relied on the Monday–Friday fallback for a year without official
    # data, so the deadline must be recomputed once that year's arrangement is published.
    provisional: bool


# How the platform counts a period, as the Civil Code counts it (民法典 Art. 201–203; decision
# 0042): the day it starts from is not counted; a period in months or years ends on the
# corresponding day of its last month, or on that month's last day when it has none, and
# that last day is inside the period; a period for an act whose last day is not a working day
# (a statutory holiday or a rest day) runs to the next working day (``last_day_for_act``).


def add_months(day: date, months: int) -> date:
    """The last day of a period of ``months`` calendar months counted from ``day`` (民法典
    Art. 201–202): the corresponding day ``months`` later (earlier when negative), or the last
    day of that month when it is shorter (31 January + 1 month: 28 or 29 February). The
    period runs to the end of that day; the day after, it has passed. Terms, publicity
    periods and exclusions run in months."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """The last day of a period of ``years`` years counted from ``day``: ``add_months`` of
    12 × ``years`` (29 February + 1 year: 28 February)."""
    return add_months(day, 12 * years)


def first_day_after(day: date, months: int) -> date:
    """The first day on which a period of ``months`` counted from ``day`` has passed: the day
    after its last (``add_months``). What may be done only after such a period (applying
    once listed for a year) may be done from this day."""
    return add_months(day, months) + _ONE_DAY


def add_days(day: date, days: int) -> date:
    """The last day of a period of ``days`` days counted from ``day``: the start day is not
    counted (民法典 Art. 201), so the ``days``-th day after it."""
    return day + timedelta(days=days)


def _is_weekday(day: date) -> bool:
    return day.weekday() < 5


def _require_date(day: date) -> date:
    # A datetime is a date subclass but never compares equal to a date, so it would silently
    # miss every exception row; and which calendar day it denotes depends on a time zone we
    # cannot see here. Make the caller pick the day explicitly.
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"expected a datetime.date, got {type(day).__name__}")
    return day


def _package_source() -> str:
    return f"chinese-calendar {importlib.metadata.version('chinese-calendar')}"


def _package_tables() -> tuple[dict[date, str], dict[date, str]]:
    # The package exports these dicts untyped; copy them into typed ones at the boundary.
    holidays: Mapping[date, object] = chinese_calendar.holidays
    workdays: Mapping[date, object] = chinese_calendar.workdays
    return (
        {day: str(name) for day, name in holidays.items()},
        {day: str(name) for day, name in workdays.items()},
    )


def covered_years_of_package() -> range:
    """Years for which the installed chinese-calendar has the official arrangement."""
    holidays, _ = _package_tables()
    # Same bounds the package itself enforces before raising NotImplementedError.
    return range(min(holidays).year, max(holidays).year + 1)


def official_days(years: Iterable[int] | None = None) -> list[CalendarDay]:
    """The exceptions to Monday–Friday that chinese-calendar knows, sorted by day.

    Raises ValueError for a year the package does not cover: an empty list there would read as
    "no holidays that year" rather than "not yet announced".
    """
    covered = covered_years_of_package()
    wanted = set(covered) if years is None else set(years)
    missing = sorted(wanted.difference(covered))
    if missing:
        raise ValueError(
            f"chinese-calendar has no official data for {missing}; "
            f"it covers {covered.start}–{covered.stop - 1}"
        )

    holidays, workdays = _package_tables()
    source = _package_source()
    rows: list[CalendarDay] = []
    for day in sorted(holidays.keys() | workdays.keys()):
        if day.year not in wanted:
            continue
        # Mirror chinese_calendar.is_workday: an adjusted working day wins over a holiday.
        working = day in workdays or (_is_weekday(day) and day not in holidays)
        if working == _is_weekday(day):
            # Holidays falling on a weekend change nothing; store only real exceptions.
            continue
        if working:
            festival = workdays[day]
            name = f"{_CHINESE_HOLIDAY_NAMES.get(festival, festival)}（调休上班）"
        else:
            festival = holidays[day]
            name = _CHINESE_HOLIDAY_NAMES.get(festival, festival)
        rows.append(CalendarDay(day=day, is_working_day=working, name=name, source=source))
    return rows


def _weekdays_up_to(ordinal: int) -> int:
    # Monday–Friday days among ordinals 1..ordinal; ordinal 1 (0001-01-01) is a Monday.
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


class WorkingDayCalendar:
    """Answers working-day questions from exception rows plus the years they fully cover."""

    def __init__(self, exceptions: Iterable[DayException], covered_years: Iterable[int]) -> None:
        working: dict[date, bool] = {}
        for row in exceptions:
            day = _require_date(row.day)
            if working.get(day, row.is_working_day) != row.is_working_day:
                # Two sources disagreeing about a legal deadline must be settled by a person,
                # not by whichever row happened to come last.
                raise ValueError(f"conflicting calendar rows for {day.isoformat()}")
            working[day] = row.is_working_day
        self._working = working
        self._covered_years = frozenset(covered_years)

        # Rows that merely restate the Monday–Friday rule are harmless but change no count;
        # the rest, sorted with a running sum of their effect, let working_days_between
        # answer by bisection instead of walking every day.
        effective = sorted(
            (day, 1 if is_working else -1)
            for day, is_working in working.items()
            if is_working != _is_weekday(day)
        )
        self._adjusted_days = [day for day, _ in effective]
        self._adjustment_sums = [0]
        for _, delta in effective:
            self._adjustment_sums.append(self._adjustment_sums[-1] + delta)

    @classmethod
    def from_package(cls) -> WorkingDayCalendar:
        return cls(official_days(), covered_years_of_package())

    def is_known(self, day: date) -> bool:
        return _require_date(day).year in self._covered_years

    def is_working_day(self, day: date) -> bool:
        # Rows for an uncovered year are still honoured (a known holiday is a known holiday);
        # is_known, not this method, says whether the year's data is complete.
        day = _require_date(day)
        return self._working.get(day, _is_weekday(day))

    def is_outside_working_hours(self, moment: datetime) -> bool:
        """Whether a moment falls outside office hours on a working day in China: nights,
        weekends and public holidays, but not a weekend made a working day (调休)."""
        local = moment.astimezone(CHINA)
        if not self.is_working_day(local.date()):
            return True
        return not (WORKING_HOURS[0] <= local.time() < WORKING_HOURS[1])

    def add_working_days(self, start: date, n: int) -> WorkingDayResult:
        """The n-th working day after start; for n == 0, start itself or the next working day.

        Only the days examined (after start, or start itself when n == 0) decide provisional.
        """
        day = _require_date(start)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        provisional = False
        remaining = n
        if n == 0:
            provisional = not self.is_known(day)
            if self.is_working_day(day):
                return WorkingDayResult(day=day, provisional=provisional)
            remaining = 1
        while remaining:
            day += _ONE_DAY
            provisional = provisional or not self.is_known(day)
            if self.is_working_day(day):
                remaining -= 1
        return WorkingDayResult(day=day, provisional=provisional)

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end] and whether any of them lies in an uncovered year.

        An empty interval (end <= start) has no working days and nothing provisional.
        """
        start, end = _require_date(start), _require_date(end)
        if end <= start:
            return 0, False
        weekdays = _weekdays_up_to(end.toordinal()) - _weekdays_up_to(start.toordinal())
        lo = bisect.bisect_right(self._adjusted_days, start)
        hi = bisect.bisect_right(self._adjusted_days, end)
        adjustment = self._adjustment_sums[hi] - self._adjustment_sums[lo]
        first = start + _ONE_DAY
        provisional = any(
            year not in self._covered_years for year in range(first.year, end.year + 1)
        )
        return weekdays + adjustment, provisional


def last_day_for_act(calendar: WorkingDayCalendar, last_day: date) -> WorkingDayResult:
    """The last day of a period within which an act is done (an objection, a comment, a
    decision), as 民法典 Art. 203 moves it: a period whose last day is not a working day —
    a statutory holiday or a rest day — ends on the next working day after it; otherwise on
    ``last_day``. Provisional when that was decided by the Monday–Friday fallback."""
    return calendar.add_working_days(_require_date(last_day), 0)
