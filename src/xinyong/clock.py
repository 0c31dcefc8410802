"""The injectable clock: domain code never reads the system time itself."""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware UTC datetime."""

    def today(self) -> dt.date:
        """Today's date in China, where decisions and deadlines are dated."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.now().astimezone(CHINA).date()


class FixedClock:
    """A clock for tests and replays that only moves when told to."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = at.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def today(self) -> dt.date:
        return self._now.astimezone(CHINA).date()

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta

    def set(self, at: dt.datetime) -> None:
        self._now = at.astimezone(dt.UTC)
