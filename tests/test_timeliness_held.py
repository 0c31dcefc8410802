"""Timeliness of held rows (Art. 4 及时, Art. 6; decision 0050): how long a held row has
waited, counted in working days from its arrival in China time, overdue only past the
term; a source's rows of several batches summed; a district's authority sees its own
district's sources only. The flows through the API and the pages:
tests/test_held_rows_web.py."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
    ingest,
    penalty_row,
)
from tests.factories import World, district_authority
from xinyong.accounts import service as accounts
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import timeliness

NEW_NAME = "福州晨光文具科技有限公司"
TERM = 7


def _held_batch(world: World, db: Session, clock: FixedClock, rows: int) -> None:
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, subject_name=NEW_NAME) for _ in range(rows)],
        actor=accounts.actor_for_user(world.users["reporter"]),
    )
    assert report.batch.held == rows
    db.commit()


def test_a_held_row_waiting_exactly_the_term_is_not_yet_overdue(
    db: Session, collection_world: World
) -> None:
    calendar = working_day_calendar(db)
    # Tuesday 1 December 2026; no holiday before the 11th.
    arrived = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)
    at_term = timeliness.waiting(calendar, arrived, dt.date(2026, 12, 10), decide_within=TERM)
    assert at_term == timeliness.Waiting(TERM, overdue=False)
    past = timeliness.waiting(calendar, arrived, dt.date(2026, 12, 11), decide_within=TERM)
    assert past == timeliness.Waiting(TERM + 1, overdue=True)


def test_a_held_row_arriving_at_two_in_the_morning_counts_from_that_china_day(
    db: Session, collection_world: World
) -> None:
    """02:00 in China is still the previous day in UTC, as the database keeps it."""
    calendar = working_day_calendar(db)
    arrived = dt.datetime(2026, 12, 1, 2, 0, tzinfo=CHINA).astimezone(dt.UTC)
    assert arrived.date() == dt.date(2026, 11, 30)
    same_day = timeliness.waiting(calendar, arrived, dt.date(2026, 12, 1), decide_within=TERM)
    assert same_day.working_days == 0
    assert (
        timeliness.waiting(calendar, arrived, dt.date(2026, 12, 2), decide_within=TERM).working_days
        == 1
    )


def test_a_sources_held_rows_of_several_batches_are_summed(
    db: Session, clock: FixedClock, collection_world: World
) -> None:
    world = collection_world
    _held_batch(world, db, clock, rows=2)  # the oldest: two rows
    clock.advance(dt.timedelta(days=14))
    _held_batch(world, db, clock, rows=1)
    clock.advance(dt.timedelta(days=14))
    _held_batch(world, db, clock, rows=1)  # today's
    authority = accounts.actor_for_user(world.users["authority"])
    items = timeliness.by_source(db, clock, authority, late_after_working_days=TERM)
    (source,) = [i for i in items if i.organisation_code == world.organisations["regulator"].code]
    calendar = working_day_calendar(db)
    oldest = calendar.working_days_between(
        (clock.now() - dt.timedelta(days=28)).astimezone(CHINA).date(), clock.today()
    )[0]
    middle = calendar.working_days_between(
        (clock.now() - dt.timedelta(days=14)).astimezone(CHINA).date(), clock.today()
    )[0]
    assert oldest > middle > TERM  # both older batches overdue, today's not
    assert source.held_awaiting == 4
    assert source.held_overdue == 3
    assert source.held_longest_working_days == oldest


def test_a_district_authority_sees_no_held_rows_of_another_districts_source(
    db: Session, clock: FixedClock, collection_world: World
) -> None:
    world = collection_world
    world.organisations["regulator"].jurisdiction = "350102"
    own = accounts.actor_for_user(district_authority("350102", username="gulou"))
    other = accounts.actor_for_user(district_authority("350181", username="fuqing"))
    db.commit()
    _held_batch(world, db, clock, rows=1)
    code = world.organisations["regulator"].code

    def codes(actor: accounts.Actor) -> set[str]:
        return {
            item.organisation_code
            for item in timeliness.by_source(db, clock, actor, late_after_working_days=TERM)
        }

    assert code in codes(own)
    assert code not in codes(other)
