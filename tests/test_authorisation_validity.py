"""A written authorisation lasts at most three years (Art. 13 ¶3), counted as the law counts
years (民法典 Art. 201–202): given on 30 November, it may run to 30 November three years on,
not a day or two past it as 3 × 366 days let it."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    authorise,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World
from xinyong.calendar import add_years
from xinyong.clock import CHINA, FixedClock
from xinyong.disclosure import authorisations
from xinyong.errors import InvalidInput

GIVEN = dt.date(2026, 11, 30)


def test_three_years_to_the_day_and_not_one_more(disclosure_world: World, db: Session) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 30, 10, 0, tzinfo=CHINA))
    assert authorisations.latest_end(GIVEN) == dt.date(2029, 11, 30)
    granted = authorise(db, clock, disclosure_world, valid_until=dt.date(2029, 11, 30))
    assert granted.valid_until == dt.date(2029, 11, 30)
    for past in (dt.date(2029, 12, 1), dt.date(2029, 12, 2)):
        with pytest.raises(InvalidInput) as refused:
            authorise(db, clock, disclosure_world, valid_until=past)
        assert (refused.value.code, refused.value.field) == ("too_long", "valid_until")


def test_given_on_29_february_it_runs_to_the_end_of_february() -> None:
    assert authorisations.latest_end(dt.date(2028, 2, 29)) == dt.date(2031, 2, 28)
    assert authorisations.latest_end(dt.date(2028, 2, 29)) == add_years(dt.date(2028, 2, 29), 3)
