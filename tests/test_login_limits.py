"""Limiting login attempts (production-hardening review, session 23): the client's address
is checked before the username is counted, the limiter forgets keys whose window has
passed, and a client knocking on after its 429 is audited once a window, not once a
request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, World
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import RateLimited
from xinyong.ratelimit import SlidingWindowLimiter

TOKEN = "/api/v1/auth/token"


def _from(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(address, 50000))


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with _from(app, "203.0.113.7") as client:
        yield client


def _limit(app: FastAPI) -> int:
    return int(app.state.context.settings.login_attempts_per_window)


def _refused_events(db: Session) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "access.refused")
            .order_by(AuditEvent.sequence)
        )
    )


def test_a_client_its_address_holds_back_locks_no_account_out(
    app: FastAPI, attacker: TestClient, world: World
) -> None:
    """Once its address was used up, the client's further guesses at an account counted
    against the account too, until its owner could not log in from anywhere."""
    limit = _limit(app)
    for n in range(limit):
        guess = attacker.post(TOKEN, data={"username": f"nobody{n}", "password": "wrong pass"})
        assert guess.status_code == 401
    for _ in range(limit + 1):
        held = attacker.post(TOKEN, data={"username": "querier", "password": "wrong pass"})
        assert held.status_code == 429
    with _from(app, "198.51.100.20") as owner:
        assert owner.post(
            TOKEN, data={"username": "querier", "password": PASSWORD}
        ).status_code == (200)


def test_the_limiter_keeps_no_key_for_attempts_it_refused_nor_past_their_window() -> None:
    clock = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC))
    limiter = SlidingWindowLimiter(clock, limit=5, window_seconds=60, what="login attempts")
    refused = 0
    for n in range(2000):
        try:
            limiter.hit("ip:203.0.113.7", f"user:guess{n}")
        except RateLimited:
            refused += 1
    assert refused == 1995
    # The address and the five usernames counted: not 2,001 keys.
    assert limiter.keys_held() == 6
    clock.set(clock.now() + dt.timedelta(seconds=61))
    limiter.hit("ip:198.51.100.20", "user:querier")
    assert limiter.keys_held() == 2


def test_a_client_knocking_on_after_its_429_is_audited_once_a_window(
    app: FastAPI, attacker: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    limit = _limit(app)
    window = int(app.state.context.settings.login_window_seconds)
    for _ in range(limit + 50):
        attacker.post(TOKEN, data={"username": "security", "password": "nope nope"})
    refused = _refused_events(db)
    assert [event.details["code"] for event in refused] == ["rate_limited"]

    # A window later the client is refused again — once more on the record.
    clock.set(clock.now() + dt.timedelta(seconds=window + 1))
    for _ in range(limit + 10):
        attacker.post(TOKEN, data={"username": "security", "password": "nope nope"})
    assert len(_refused_events(db)) == 2
