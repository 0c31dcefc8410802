"""The browser journeys' clock (tests/e2e/conftest.py): the live server and every journey's
set-up run on one clock from a fixed instant, so that no journey's outcome depends on the
day the suite runs. A journey that dated its data by the wall clock would put it on another
day than the server's."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.conftest import TEST_NOW
from tests.e2e.conftest import e2e_clock
from xinyong.clock import SystemClock

E2E = Path(__file__).resolve().parent / "e2e"
WALL_CLOCK = re.compile(r"SystemClock\(\)|datetime\.now\(|date\.today\(|time\.time\(|utcnow\(")


def test_no_journey_reads_the_wall_clock() -> None:
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(E2E.glob("test_*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert found == [], "date a journey's data by live_server.clock:\n" + "\n".join(found)


def test_the_journeys_clock_starts_at_the_unit_tests_instant_and_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("XINYONG_E2E_NOW", raising=False)
    clock = e2e_clock()
    first = clock.now()
    assert TEST_NOW <= first < TEST_NOW + dt.timedelta(minutes=1)
    assert clock.today() == TEST_NOW.date()
    while clock.now() == first:
        pass  # what happens later in a journey happens at a later instant
    assert clock.now() > first


def test_another_instant_or_the_wall_clock_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_E2E_NOW", "2026-12-31T23:50+08:00")
    assert e2e_clock().today() == dt.date(2026, 12, 31)
    monkeypatch.setenv("XINYONG_E2E_NOW", "2026-12-31T16:30+00:00")  # already 2027 in Beijing
    assert e2e_clock().today() == dt.date(2027, 1, 1)
    monkeypatch.setenv("XINYONG_E2E_NOW", "system")
    assert isinstance(e2e_clock(), SystemClock)
