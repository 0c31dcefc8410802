"""The working-day calendar as data: official arrangements loaded from chinese-calendar,
extended by the credit authority when the State Council publishes the next year."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong import calendar as workdays
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
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


def enter_year(
    session: Session,
    clock: Clock,
    actor: Actor,
    year: int,
    days: list[workdays.CalendarDay],
    *,
    source: str,
) -> None:
    """The credit authority enters a newly published year; provisional deadlines in it
    become definite from then on."""
    require(actor, Permission.MANAGE_CATALOG)
    outside = [d.day for d in days if d.day.year != year]
    if outside:
        raise InvalidInput(f"{outside[0]} is not in {year}", code="wrong_year", field="days")
    session.execute(
        delete(CalendarDay).where(
            CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)
        )
    )
    session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    for day in days:
        session.add(
            CalendarDay(
                day=day.day, is_working_day=day.is_working_day, name=day.name, source=source
            )
        )
    session.add(CalendarYear(year=year, source=source, loaded_at=clock.now()))
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "calendar.enter_year",
        target_type="calendar",
        target_id=year,
        details={"exceptions": len(days), "source": source},
    )


def working_day_calendar(session: Session) -> workdays.WorkingDayCalendar:
    exceptions = [
        workdays.CalendarDay(
            day=row.day, is_working_day=row.is_working_day, name=row.name, source=row.source
        )
        for row in session.scalars(select(CalendarDay))
    ]
    return workdays.WorkingDayCalendar(exceptions, session.scalars(select(CalendarYear.year)).all())
