"""A candidacy's comment or objection window is stored when it is proposed; when its last
day lies in a year whose holidays were not entered yet, it was counted Monday to Friday.
Entering the year counts it again (民法典 Art. 203): a last day now declared a holiday moves
past it, with a step in the entry's history; a declared working weekend never shortens a
window the subject was told of in writing."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from xinyong import calendar_store
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.lists import entries
from xinyong.lists.models import ListEntry, ListEntryEvent
from xinyong.subjects.models import Subject

NEXT = 2027  # past the installed chinese-calendar: provisional until the authority enters it
ANNOUNCEMENT = f"""日期,安排,名称
{NEXT}-01-01,放假,元旦
{NEXT}-02-06至{NEXT}-02-12,放假,春节
{NEXT}-02-14,上班,春节（调休上班）
"""


def at(day: dt.date) -> FixedClock:
    return FixedClock(dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=CHINA))


def noticed(db: Session, world: World, subject: Subject, on: dt.date) -> ListEntry:
    """A black-list candidacy (``dishonest_subject``: 10 days to object) proposed on ``on``."""
    clock = at(on)
    record = basis_record(db, clock, world, subject)
    std = entries.standard(db, "dishonest_subject")
    return entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=subject,
        standard_code="dishonest_subject",
        criteria_met=std.criteria,
        reasons="拒不履行行政处罚决定",
        evidence="榕市监罚〔2026〕1号行政处罚决定书",
        basis_record_ids=[record.id],
    )


def test_entering_the_year_extends_a_window_ending_on_a_declared_holiday(
    lists_world: World, db: Session
) -> None:
    world = lists_world
    # Proposed on Tuesday 22 December: ten days end on Friday 1 January, a weekday while
    # the year is not entered.
    holiday = noticed(db, world, world.subjects["company"], dt.date(NEXT - 1, 12, 22))
    assert holiday.window_ends == dt.date(NEXT, 1, 1)
    # Proposed on Thursday 4 February: ten days end on Sunday 14 February, moved to Monday
    # the 15th; the announcement makes that Sunday a working day.
    worked_sunday = noticed(db, world, world.subjects["other_company"], dt.date(NEXT, 2, 4))
    assert worked_sunday.window_ends == dt.date(NEXT, 2, 15)

    entered = calendar_store.enter_year(
        db,
        at(dt.date(NEXT - 1, 12, 28)),
        actor(world, "authority"),
        NEXT,
        calendar_store.parse_arrangement(ANNOUNCEMENT),
        source="国办发明电〔2026〕5号",
        late_after_working_days=7,
    )

    assert entered.windows_extended == 1
    db.refresh(holiday)
    db.refresh(worked_sunday)
    # 1 January a holiday, 2 and 3 a weekend: the subject may object until Monday the 4th.
    assert holiday.window_ends == dt.date(NEXT, 1, 4)
    # Never earlier than what the written notice said.
    assert worked_sunday.window_ends == dt.date(NEXT, 2, 15)
    steps = db.scalars(
        select(ListEntryEvent).where(
            ListEntryEvent.entry_id == holiday.id, ListEntryEvent.action == "window_extended"
        )
    ).all()
    assert [step.detail for step in steps] == [
        entries.WINDOW_EXTENDED.format(day=f"{NEXT}-01-04", year=NEXT)
    ]
    assert steps[0].actor == "system"
    assert not db.scalars(
        select(ListEntryEvent).where(
            ListEntryEvent.entry_id == worked_sunday.id,
            ListEntryEvent.action == "window_extended",
        )
    ).all()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.enter_year")).one()
    assert event.details["windows_extended"] == [holiday.id]

    # Entered again (a correction restating the same days): nothing moves twice.
    again = calendar_store.enter_year(
        db,
        at(dt.date(NEXT - 1, 12, 29)),
        actor(world, "authority"),
        NEXT,
        calendar_store.parse_arrangement(ANNOUNCEMENT),
        source="国办发明电〔2026〕5号",
        late_after_working_days=7,
    )
    assert again.windows_extended == 0
