"""Periods counted as the law counts them (民法典 Art. 201–203; decision 0042): one helper for
"N months/years from D" (``calendar.add_months`` / ``add_years``), the last day inside the
period, "after the period" from the day after (``first_day_after``), a period for an act
moved past a rest day or statutory holiday (``last_day_for_act``), and the places that
count so: list terms, publicity windows, early removal, the repair exclusion after fraud,
objection and comment windows, the market objection deadline."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.calendar import (
    WorkingDayCalendar,
    add_days,
    add_months,
    add_years,
    first_day_after,
    last_day_for_act,
)
from xinyong.catalog.definitions import PublicityPeriod
from xinyong.lists import early_removal_rules
from xinyong.lists.models import EntryStatus, ListKind

DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
# Around the years whose official arrangement the package knows, and past them.
CALENDAR_DATES = st.dates(min_value=date(2019, 1, 1), max_value=date(2028, 12, 31))
CALENDAR = WorkingDayCalendar.from_package()


@given(DATES, st.integers(-600, 600))
def test_the_last_day_is_the_corresponding_day_or_the_month_end(day: date, months: int) -> None:
    """Art. 202: the corresponding day of the last month; that month's last day when it has
    none."""
    end = add_months(day, months)
    last_of_month = monthrange(end.year, end.month)[1]
    assert (end.year * 12 + end.month) - (day.year * 12 + day.month) == months
    assert end.day == min(day.day, last_of_month)


@given(DATES, st.integers(0, 120), st.integers(0, 366))
def test_a_later_start_never_ends_earlier(day: date, months: int, later: int) -> None:
    assert add_months(day, months) <= add_months(day + timedelta(days=later), months)


@given(DATES, st.integers(-50, 50))
def test_years_are_twelve_months(day: date, years: int) -> None:
    assert add_years(day, years) == add_months(day, 12 * years)


@given(st.integers(1952, 2096).filter(lambda y: y % 4 == 0 and (y % 100 or y % 400 == 0)))
def test_29_february_ends_on_28_february_in_a_common_year_and_on_29_in_a_leap_year(
    leap: int,
) -> None:
    day = date(leap, 2, 29)
    assert add_years(day, 1) == date(leap + 1, 2, 28)
    assert add_years(day, 4) == date(leap + 4, 2, monthrange(leap + 4, 2)[1])
    # A month-end start: 31 January + 1 month is February's last day, whatever the year.
    assert add_months(date(leap, 1, 31), 1) == date(leap, 2, 29)
    assert add_months(date(leap + 1, 1, 31), 1) == date(leap + 1, 2, 28)


@given(DATES, st.integers(0, 240), DATES)
def test_a_period_has_passed_from_the_day_after_its_last(
    start: date, months: int, today: date
) -> None:
    """The last day is inside the period (Art. 201: the start day is not counted, so N
    months from D end at the end of D + N months)."""
    passed = first_day_after(start, months) <= today
    assert passed == (add_months(start, months) < today)


@given(DATES, st.integers(0, 400))
def test_days_are_counted_from_the_day_after_the_start(day: date, days: int) -> None:
    end = add_days(day, days)
    assert (end - day).days == days


@settings(max_examples=300)
@given(CALENDAR_DATES)
def test_a_period_for_an_act_ending_on_a_rest_day_runs_to_the_next_working_day(
    last_day: date,
) -> None:
    """Art. 203: a last day that is a statutory holiday or a rest day moves to the next
    working day; a working day stays."""
    moved = last_day_for_act(CALENDAR, last_day)
    assert moved.day >= last_day
    assert CALENDAR.is_working_day(moved.day)
    assert all(
        not CALENDAR.is_working_day(last_day + timedelta(days=n))
        for n in range((moved.day - last_day).days)
    )
    assert (moved.day == last_day) == CALENDAR.is_working_day(last_day)


def test_a_window_ending_on_national_day_runs_past_the_golden_week() -> None:
    moved = last_day_for_act(CALENDAR, date(2025, 10, 1))
    # 2025: 1–8 October off (National Day and Mid-Autumn), 11 October a working Saturday.
    assert moved.day == date(2025, 10, 9)
    assert not moved.provisional


# --- the places that count periods -------------------------------------------------------------


@given(DATES.filter(lambda d: d.year < 2090), st.integers(1, 60))
def test_early_removal_may_be_applied_for_the_day_after_the_minimum_time_listed(
    term_start: date, months: int
) -> None:
    """Listed ``months`` counted from the listing: the period ends on its corresponding day,
    the application may be made from the day after (it was allowed on the last day)."""
    earliest = early_removal_rules.earliest_day(term_start, months)
    assert earliest == add_months(term_start, months) + timedelta(days=1)

    def allowed(today: date) -> bool:
        facts = early_removal_rules.Facts(
            kind=ListKind.BLACK,
            status=EntryStatus.PUBLISHED,
            term_start=term_start,
            term_end=add_months(term_start, months + 24),
            today=today,
            allowed_by_standard=True,
            from_record_type=None,
            exit_conditions="履行义务",
            min_months=months,
            open_application_since=None,
        )
        found = {c.code: c.ok for c in early_removal_rules.checks(facts)}
        return found["minimum_time_listed"]

    assert not allowed(add_months(term_start, months))
    assert allowed(earliest)


@pytest.mark.parametrize(
    ("decided", "months", "last_day"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 11, 27), 36, date(2029, 11, 27)),
    ],
)
def test_a_publicity_window_is_counted_from_the_decision_date(
    decided: date, months: int, last_day: date
) -> None:
    """rules.md: counted from the decision date; its last day is the corresponding day, and
    the record leaves publication the day after (``disclosure.publicity``)."""
    period = PublicityPeriod(published=True, min_months=months, max_months=months)
    assert period.window(decided, None) == (decided, last_day)
    # A deadline the source states stands between the minimum and the maximum.
    assert period.window(decided, last_day + timedelta(days=5)) == (decided, last_day)


def test_the_period_after_a_repair_ended_for_fraud_includes_its_last_day() -> None:
    """No new application for ``months`` after the case ended (Art. 23; decision 0023): the
    last day is inside the period — it was let through on that day."""
    from xinyong.repair.service import within_fraud_exclusion

    ended = date(2026, 1, 31)
    assert within_fraud_exclusion(ended, 1, date(2026, 2, 27))
    assert within_fraud_exclusion(ended, 1, date(2026, 2, 28))
    assert not within_fraud_exclusion(ended, 1, date(2026, 3, 1))


def test_the_market_objection_deadline_moves_past_a_holiday() -> None:
    """20 calendar days (征信业管理条例 Art. 25) from 11 September 2025 end on 1 October, a
    holiday: the deadline is the next working day (Art. 203)."""
    from xinyong.objections import rules as objection_rules
    from xinyong.objections.models import ObjectionStatus, RecordObjection

    objection = RecordObjection(
        status=ObjectionStatus.RECEIVED,
        market=True,
        received_on=date(2025, 9, 11),
        terms=objection_rules.Terms().as_dict(),
    )
    (due,) = objection_rules.deadlines(objection, CALENDAR, date(2025, 10, 8))
    assert (due.due, due.overdue) == (date(2025, 10, 9), False)
    assert dt.date(2025, 9, 11) + timedelta(days=20) == date(2025, 10, 1)
