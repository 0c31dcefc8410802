import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# The venv's installed xinyong is not an editable install of src/, and the shared conftest
# (which would normally fix the path) is skipped with --noconftest; import from the tree.
_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from xinyong.calendar import (  # noqa: E402
    CalendarDay,
    WorkingDayCalendar,
    WorkingDayResult,
    add_months,
    covered_years_of_package,
    official_days,
)

PACKAGE_CALENDAR = WorkingDayCalendar.from_package()

# Tests about uncovered years pin their own coverage, so they keep meaning the same thing
# after chinese-calendar publishes 2027.
KNOWN_2025_2026 = WorkingDayCalendar(official_days(range(2025, 2027)), range(2025, 2027))


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- official data ---------------------------------------------------------------------


def test_covered_years_match_the_package_limits() -> None:
    years = covered_years_of_package()
    chinese_calendar.is_workday(date(years.start, 6, 1))
    chinese_calendar.is_workday(date(years.stop - 1, 6, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years.stop, 6, 1))
    assert 2026 in years


def test_calendar_agrees_with_the_package_on_every_covered_day() -> None:
    years = covered_years_of_package()
    for day in _days(date(years.start, 1, 1), date(years.stop - 1, 12, 31)):
        assert PACKAGE_CALENDAR.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_official_days_hold_only_exceptions_to_monday_to_friday() -> None:
    rows = official_days()
    assert rows
    assert all(row.is_working_day != (row.day.weekday() < 5) for row in rows)
    assert len({row.day for row in rows}) == len(rows)
    assert all(row.source == f"chinese-calendar {chinese_calendar.__version__}" for row in rows)


def test_official_days_restricted_to_requested_years() -> None:
    assert {row.day.year for row in official_days([2025])} == {2025}


def test_official_days_refuses_a_year_the_package_does_not_cover() -> None:
    with pytest.raises(ValueError, match="no official data"):
        official_days([covered_years_of_package().stop])


def test_national_day_2025() -> None:
    for day in _days(date(2025, 10, 1), date(2025, 10, 8)):
        assert not PACKAGE_CALENDAR.is_working_day(day), day
        assert not chinese_calendar.is_workday(day)
    # 调休: Sunday 28 September and Saturday 11 October were worked.
    for day in (date(2025, 9, 28), date(2025, 10, 11)):
        assert day.weekday() >= 5
        assert PACKAGE_CALENDAR.is_working_day(day)
        assert chinese_calendar.is_workday(day)
    assert PACKAGE_CALENDAR.is_working_day(date(2025, 10, 9))

    names = {row.day: row.name for row in official_days([2025])}
    assert names[date(2025, 10, 1)] == "国庆节"
    assert names[date(2025, 10, 6)] == "中秋"  # Mid-Autumn fell inside the National Day break
    assert "国庆节" in names[date(2025, 9, 28)]
    assert date(2025, 10, 4) not in names  # a Saturday holiday is no exception


def test_spring_festival_2026() -> None:
    for day in _days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not PACKAGE_CALENDAR.is_working_day(day), day
    for day in (date(2026, 2, 14), date(2026, 2, 28)):  # working Saturdays
        assert day.weekday() == 5
        assert PACKAGE_CALENDAR.is_working_day(day)
    assert PACKAGE_CALENDAR.is_working_day(date(2026, 2, 24))
    names = {row.day: row.name for row in official_days([2026])}
    assert names[date(2026, 2, 16)] == "春节"


# --- adding and counting working days --------------------------------------------------


def test_add_three_working_days_over_national_day() -> None:
    start = date(2025, 9, 30)
    assert PACKAGE_CALENDAR.add_working_days(start, 1) == WorkingDayResult(date(2025, 10, 9), False)
    # The third lands on the worked Saturday, 11 October.
    assert PACKAGE_CALENDAR.add_working_days(start, 3) == WorkingDayResult(
        date(2025, 10, 11), False
    )
    assert PACKAGE_CALENDAR.working_days_between(start, date(2025, 10, 11)) == (3, False)


def test_add_working_days_over_spring_festival_2026() -> None:
    # Fri 13 Feb; Sat 14 is worked; 15–23 off.
    result = PACKAGE_CALENDAR.add_working_days(date(2026, 2, 13), 3)
    assert result == WorkingDayResult(date(2026, 2, 25), False)


def test_a_worked_sunday_counts() -> None:
    assert PACKAGE_CALENDAR.add_working_days(date(2025, 9, 26), 1).day == date(2025, 9, 28)


def test_zero_days() -> None:
    assert PACKAGE_CALENDAR.add_working_days(date(2025, 9, 30), 0).day == date(2025, 9, 30)
    assert PACKAGE_CALENDAR.add_working_days(date(2025, 10, 1), 0).day == date(2025, 10, 9)


def test_negative_days_rejected() -> None:
    with pytest.raises(ValueError, match="n must be"):
        PACKAGE_CALENDAR.add_working_days(date(2025, 9, 30), -1)


def test_empty_interval_counts_nothing() -> None:
    day = date(2025, 9, 30)
    assert PACKAGE_CALENDAR.working_days_between(day, day) == (0, False)
    assert PACKAGE_CALENDAR.working_days_between(day, day - timedelta(days=9)) == (0, False)


def test_datetimes_are_refused() -> None:
    with pytest.raises(TypeError, match=r"datetime\.date"):
        PACKAGE_CALENDAR.is_working_day(datetime(2025, 10, 1, 9, 0))
    with pytest.raises(TypeError):
        PACKAGE_CALENDAR.add_working_days(datetime(2025, 10, 1, 9, 0), 1)


def test_conflicting_rows_are_refused() -> None:
    day = date(2025, 10, 1)
    rows = [CalendarDay(day, False, "国庆节", "a"), CalendarDay(day, True, "国庆节", "b")]
    with pytest.raises(ValueError, match="conflicting"):
        WorkingDayCalendar(rows, [2025])


def test_agreeing_duplicate_rows_are_accepted() -> None:
    day = date(2025, 10, 1)
    rows = [CalendarDay(day, False, "国庆节", "a"), CalendarDay(day, False, "国庆节", "b")]
    assert not WorkingDayCalendar(rows, [2025]).is_working_day(day)


# --- beyond the known data -------------------------------------------------------------


def test_uncovered_year_counts_monday_to_friday_and_is_provisional() -> None:
    friday = date(2027, 1, 1)  # in reality 元旦, but not yet in this data
    assert not KNOWN_2025_2026.is_known(friday)
    assert KNOWN_2025_2026.is_working_day(friday)
    assert not KNOWN_2025_2026.is_working_day(date(2027, 1, 2))
    assert KNOWN_2025_2026.add_working_days(friday, 1) == WorkingDayResult(date(2027, 1, 4), True)
    assert KNOWN_2025_2026.working_days_between(date(2026, 12, 31), date(2027, 1, 8)) == (6, True)


def test_provisional_only_when_an_uncovered_day_is_examined() -> None:
    start = date(2026, 12, 30)  # Wednesday
    assert KNOWN_2025_2026.add_working_days(start, 1) == WorkingDayResult(date(2026, 12, 31), False)
    assert KNOWN_2025_2026.add_working_days(start, 3) == WorkingDayResult(date(2027, 1, 4), True)
    assert KNOWN_2025_2026.working_days_between(start, date(2026, 12, 31)) == (1, False)


def test_package_calendar_never_crashes_past_its_range() -> None:
    year = covered_years_of_package().stop
    first = date(year, 1, 1)
    assert not PACKAGE_CALENDAR.is_known(first)
    assert PACKAGE_CALENDAR.is_working_day(first) == (first.weekday() < 5)
    result = PACKAGE_CALENDAR.add_working_days(date(year - 1, 12, 31), 10)
    assert result.provisional
    assert PACKAGE_CALENDAR.add_working_days(date(year + 20, 6, 1), 250).provisional


def test_authority_rows_for_a_new_year_are_respected_and_not_provisional() -> None:
    # Hypothetical 2027 rows, as the credit authority would enter them once announced.
    rows_2027 = [
        CalendarDay(date(2027, 1, 1), False, "元旦", "authority"),
        CalendarDay(date(2027, 1, 9), True, "测试调休上班", "authority"),
    ]
    calendar = WorkingDayCalendar(
        [*official_days(range(2025, 2027)), *rows_2027], range(2025, 2028)
    )
    assert calendar.is_known(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 1, 9))
    start = date(2026, 12, 30)
    assert calendar.add_working_days(start, 3) == WorkingDayResult(date(2027, 1, 5), False)
    # Mon 4 .. Fri 8 plus the worked Saturday 9.
    assert calendar.add_working_days(date(2027, 1, 1), 6) == WorkingDayResult(
        date(2027, 1, 9), False
    )
    assert calendar.working_days_between(start, date(2027, 1, 9)) == (7, False)


def test_rows_in_an_uncovered_year_are_honoured_but_still_provisional() -> None:
    rows = [CalendarDay(date(2027, 1, 1), False, "元旦", "authority")]
    calendar = WorkingDayCalendar(rows, range(2025, 2027))
    assert calendar.add_working_days(date(2026, 12, 31), 1) == WorkingDayResult(
        date(2027, 1, 4), True
    )


# --- properties ------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)

# Straddle the end of the package's data so both regimes and the boundary get exercised.
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
counts = st.integers(min_value=1, max_value=60)

random_rows = st.lists(
    st.builds(
        CalendarDay,
        day=st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 6, 30)),
        is_working_day=st.booleans(),
        name=st.just("x"),
        source=st.just("hypothesis"),
    ),
    max_size=60,
    unique_by=lambda row: row.day,
)
calendars = st.one_of(
    st.just(PACKAGE_CALENDAR),
    st.builds(
        WorkingDayCalendar,
        random_rows,
        st.sets(st.integers(min_value=2023, max_value=2030)),
    ),
)


@PROPERTY_SETTINGS
@given(calendars, starts, counts)
def test_result_is_a_working_day_strictly_after_start(
    calendar: WorkingDayCalendar, start: date, n: int
) -> None:
    result = calendar.add_working_days(start, n)
    assert result.day > start
    assert calendar.is_working_day(result.day)


@PROPERTY_SETTINGS
@given(calendars, starts, counts)
def test_counting_back_gives_n(calendar: WorkingDayCalendar, start: date, n: int) -> None:
    result = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, result.day) == (n, result.provisional)


@PROPERTY_SETTINGS
@given(calendars, starts, st.integers(min_value=0, max_value=60))
def test_monotonic_in_n(calendar: WorkingDayCalendar, start: date, n: int) -> None:
    here = calendar.add_working_days(start, n)
    there = calendar.add_working_days(start, n + 1)
    if n == 0:
        # From a day off, "0 days" and "1 day" both mean the next working day.
        assert here.day <= there.day
    else:
        assert here.day < there.day
        # Looking further can only uncover more unknown days. (Not so from n == 0, which
        # examines start itself while n == 1 does not.)
        assert there.provisional or not here.provisional


@PROPERTY_SETTINGS
@given(calendars, starts)
def test_zero_is_start_or_the_next_working_day(calendar: WorkingDayCalendar, start: date) -> None:
    result = calendar.add_working_days(start, 0)
    assert calendar.is_working_day(result.day)
    assert result.day >= start
    assert calendar.working_days_between(start, result.day - timedelta(days=1))[0] == 0


@PROPERTY_SETTINGS
@given(calendars, starts, st.integers(min_value=-30, max_value=400))
def test_between_matches_a_day_by_day_count(
    calendar: WorkingDayCalendar, start: date, span: int
) -> None:
    end = start + timedelta(days=span)
    days = _days(start + timedelta(days=1), end) if span > 0 else []
    expected = (
        sum(calendar.is_working_day(day) for day in days),
        any(not calendar.is_known(day) for day in days),
    )
    assert calendar.working_days_between(start, end) == expected


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 11, 27), 24, date(2028, 11, 27)),
        (date(2026, 11, 27), -36, date(2023, 11, 27)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.integers(-600, 600))
def test_add_months_lands_in_the_right_month(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day == day.day or (result.day < day.day and (result + timedelta(days=1)).day == 1)
