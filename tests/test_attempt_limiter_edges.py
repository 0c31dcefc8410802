"""The shared attempt limiter's edges (decision 0031, session 24 addendum): a refusal on
a full username counts against no address, and an attempt exactly one window old no
longer counts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from xinyong.clock import FixedClock
from xinyong.errors import RateLimited
from xinyong.ratelimit import LimitedAttempt, SharedAttemptLimiter

T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
WINDOW = 60


def _limiter(engine: Engine, clock: FixedClock, limit: int) -> SharedAttemptLimiter:
    # ``hash_key=str``: the rows keep the keys as given, to count them by key.
    return SharedAttemptLimiter(
        engine, clock, limit=limit, window_seconds=WINDOW, what="login attempts", hash_key=str
    )


def _counted(engine: Engine, key: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.scalar(
                select(func.count()).where(
                    LimitedAttempt.key_hash == key, LimitedAttempt.reported.is_(False)
                )
            )
            or 0
        )


def test_a_refusal_for_a_full_username_is_not_counted_against_the_address(
    attempts_engine: Engine,
) -> None:
    clock = FixedClock(T0)
    limiter = _limiter(attempts_engine, clock, limit=3)
    for n in range(3):
        limiter.hit(f"ip:198.51.100.{n}", "user:querier")
    assert _counted(attempts_engine, "user:querier") == 3
    with pytest.raises(RateLimited):
        limiter.hit("ip:203.0.113.7", "user:querier")
    # The address was free and stays so: the refusal was the username's.
    assert _counted(attempts_engine, "ip:203.0.113.7") == 0
    assert _counted(attempts_engine, "user:querier") == 3
    for n in range(3):
        limiter.hit("ip:203.0.113.7", f"user:other{n}")


def test_an_attempt_exactly_one_window_old_no_longer_counts(attempts_engine: Engine) -> None:
    clock = FixedClock(T0)
    limiter = _limiter(attempts_engine, clock, limit=1)
    limiter.hit("ip:203.0.113.7")
    clock.set(T0 + dt.timedelta(seconds=WINDOW) - dt.timedelta(microseconds=1))
    with pytest.raises(RateLimited):
        limiter.hit("ip:203.0.113.7")
    clock.set(T0 + dt.timedelta(seconds=WINDOW))
    limiter.hit("ip:203.0.113.7")
