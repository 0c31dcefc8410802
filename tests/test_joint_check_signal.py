"""Supervision's signal of joint checks used as a name oracle (Art. 34): a joint check
answers each code with the subject's name, and no read limit applies to it, so one staff
member's checks of many codes that found nobody on any list — no subject at all, or a
subject on no list and named on no entry — are a signal, counted from the checks' log and
their audit events, never with a code in the evidence."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.conftest import TEST_NOW
from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.clock import CHINA, FixedClock
from xinyong.disclosure import supervision
from xinyong.disclosure.supervision import SignalKind, SignalThresholds
from xinyong.lists import joint_checks
from xinyong.synthetic import make_uscc

TODAY = TEST_NOW.date()
KIND = SignalKind.JOINT_CHECK_UNLISTED


def unregistered(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [make_uscc(rng) for _ in range(count)]


def at(clock: FixedClock, day: dt.date, hour: int = 10) -> None:
    clock.set(dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA))


def signals_of(
    db: Session, world: World, thresholds: SignalThresholds = SignalThresholds()
) -> list[supervision.Signal]:
    found = supervision.signals(
        db, actor(world, "authority"), TODAY - dt.timedelta(days=29), TODAY, thresholds
    )
    return [signal for signal in found if signal.kind is KIND]


def test_checks_of_codes_that_found_nobody_on_a_list_are_a_signal_per_staff_member(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    other_company, other_person = world.subjects["other_company"], world.subjects["other_person"]
    # The company listed, and the person named on its entry as its legal representative
    # (Art. 18): both answers show a list.
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, company, "serious_fair_competition")
    db.commit()
    strangers = unregistered(3)
    codes = [
        company.uscc or "",
        citizen_id_of(person),
        other_company.uscc or "",  # registered, on no list
        citizen_id_of(other_person),  # the same person twice: one name learnt
        citizen_id_of(other_person),
        *strangers,  # valid codes nobody registered
        "12345",  # no valid code at all
    ]
    for day in (TODAY - dt.timedelta(days=3), TODAY):
        at(clock, day)
        joint_checks.check(db, clock, actor(world, "querier"), "honours", codes, clean_years=3)
        db.commit()
    # Another staff member of the same organisation: counted apart.
    joint_checks.check(db, clock, actor(world, "caseofficer"), "honours", strangers, clean_years=3)
    db.commit()

    # Per check: four codes found no subject, two distinct subjects on no list.
    (signal,) = signals_of(db, world, SignalThresholds(joint_check_unlisted_min=12))
    assert signal.staff is not None
    assert (signal.staff.kind, signal.staff.name) == ("user", "querier")
    assert signal.organisation.code == world.organisations["regulator"].code
    assert signal.article == "Art. 34"
    assert signal.threshold == {"codes_min": 12}
    assert signal.evidence == {
        "on_no_list": 12,
        "codes_found_no_one": 8,
        "subjects_on_no_list": 4,
        "subjects_on_a_list": 4,
        "codes": 18,
        "checks": 2,
        "days": 2,
        "by_day": [
            {"day": (TODAY - dt.timedelta(days=3)).isoformat(), "on_no_list": 6},
            {"day": TODAY.isoformat(), "on_no_list": 6},
        ],
    }
    assert signal.key == (
        f"joint_check_unlisted:{signal.organisation.id}:user{world.users['querier'].id}:"
        f"{(TODAY - dt.timedelta(days=3)).isoformat()}"
    )
    # Never a code, nor a name the checks answered with.
    shown = str(signal.as_dict())
    assert not any(code in shown for code in codes)
    assert other_person.name not in shown
    assert other_company.name not in shown

    assert signals_of(db, world, SignalThresholds(joint_check_unlisted_min=13)) == []
    # The case officer's three strangers, at a threshold of three.
    low = signals_of(db, world, SignalThresholds(joint_check_unlisted_min=3))
    assert sorted(s.staff.name for s in low if s.staff) == ["caseofficer", "querier"]
    # A few checks are normal use: no signal at the default threshold.
    assert signals_of(db, world) == []
    # Checks of another period are not counted in this one.
    earlier = supervision.signals(
        db,
        actor(world, "authority"),
        TODAY - dt.timedelta(days=2),
        TODAY,
        SignalThresholds(joint_check_unlisted_min=12),
    )
    assert [s for s in earlier if s.kind is KIND] == []


def test_checks_that_found_listed_subjects_are_no_signal(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company)
    db.commit()
    for _ in range(3):
        joint_checks.check(
            db, clock, actor(world, "querier"), "honours", [company.uscc or ""], clean_years=3
        )
    db.commit()
    assert signals_of(db, world, SignalThresholds(joint_check_unlisted_min=1)) == []


def test_the_api_and_the_page_show_the_signal_at_the_default_threshold(
    lists_world: World, client: TestClient, db: Session
) -> None:
    world = lists_world
    codes = unregistered(1000, seed=1)
    querier, authority = headers(client, "querier"), headers(client, "authority")

    def check(some: list[str]) -> None:
        response = client.post(
            "/api/v1/joint-checks", json={"matter": "honours", "subjects": some}, headers=querier
        )
        assert response.status_code == 200, response.text

    def signalled() -> list[dict[str, object]]:
        response = client.get("/api/v1/supervision/signals", headers=authority)
        assert response.status_code == 200, response.text
        return [item for item in response.json()["items"] if item["kind"] == KIND.value]

    check(codes[:999])
    assert signalled() == []
    check(codes[999:])
    (signal,) = signalled()
    assert signal["threshold"] == {"codes_min": 1000}
    assert signal["article"] == "Art. 34"
    assert signal["staff"]["name"] == "querier"  # type: ignore[index]
    assert signal["evidence"]["on_no_list"] == 1000  # type: ignore[index]
    assert signal["evidence"]["checks"] == 2  # type: ignore[index]
    assert signal["evidence"]["codes_found_no_one"] == 1000  # type: ignore[index]
    assert "joint checks that found nobody on any list" in str(signal["rule"])

    log_in(client, "authority")
    page = client.get("/supervision", headers=HTML).text
    assert f'data-signal="{KIND.value}"' in page
    assert "联合奖惩核查大量代码未查到任何名单上的主体" in page
    assert "同一工作人员的联合奖惩核查中至少 1000 个代码未查到任何名单上的主体" in page
    assert 'data-evidence="on_no_list">1000<' in page
    assert 'data-evidence="checks">2<' in page
    assert not any(code in page for code in codes)
    english = client.get("/supervision?lang=en", headers=HTML).text
    assert "Joint checks of many codes that found nobody on any list" in english
    assert "at least 1000 codes in one staff member&#39;s joint checks" in english
    assert "Codes that found no subject" in english
    assert world.users["querier"].display_name in english


@given(value=st.integers(max_value=0))
def test_the_joint_check_threshold_is_at_least_one(value: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SignalThresholds(joint_check_unlisted_min=value)


@given(value=st.integers(min_value=1, max_value=10**9))
def test_any_positive_joint_check_threshold_is_taken(value: int) -> None:
    assert SignalThresholds(joint_check_unlisted_min=value).joint_check_unlisted_min == value


@given(value=st.integers(max_value=0))
def test_a_norm_needs_at_least_one_day_of_history(value: int) -> None:
    # At 0 an organisation's first day would be measured against the median of no days.
    with pytest.raises(ValueError, match="at least 1"):
        SignalThresholds(volume_min_history_days=value)
