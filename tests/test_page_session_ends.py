"""A page session ends at logout for every copy of its cookie, and lasts the token lifetime
from the login however often it is used (review r2, session 17; Art. 12, 34).

The session is a signed cookie that the browser holds: logout cleared only the copy of the
browser that sent it, and the cookie, signed afresh on every response, slid its own age
forward with each use, so a copy of it worked for ever. Now logout bumps the account's
credentials version (ending every session and token of the account: "log out everywhere"),
and the session carries when it logged in."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers, released_api_key
from tests.test_pages_public import csrf_from, log_in, whoami
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.config import Settings

COOKIE = "xinyong_session"


@pytest.fixture
def world(world: World, db: Session) -> World:
    db.commit()
    return world


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_a_copy_of_the_cookie_is_logged_out_with_the_browser(
    client: TestClient, world: World, db: Session
) -> None:
    log_in(client, "querier")
    home = client.get("/")
    copy = client.cookies[COOKIE]

    client.post("/logout", data={"csrf_token": csrf_from(home.text)})

    assert whoami(client) == 401
    client.cookies.set(COOKIE, copy)
    assert whoami(client) == 401
    assert client.get("/account").status_code == 401
    # The logout is in the audit trail, naming the account.
    user_id = world.users["querier"].id
    assert db.scalar(
        select(AuditEvent.sequence).where(
            AuditEvent.action == "auth.logout", AuditEvent.target_id == str(user_id)
        )
    )


def test_logging_out_ends_the_accounts_other_sessions_and_tokens(
    client: TestClient, app: object, world: World
) -> None:
    token = auth_headers(client, "querier")
    assert client.get("/api/v1/me", headers=token).status_code == 200
    with TestClient(app) as other:  # type: ignore[arg-type]
        log_in(other, "querier")
        assert whoami(other) == 200
        log_in(client, "querier")
        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
        assert whoami(other) == 401
    ended = client.get("/api/v1/me", headers=token)
    assert ended.status_code == 401
    assert ended.json()["error"]["code"] == "credentials_changed"


def test_a_session_lasts_the_token_lifetime_from_login_however_often_used(
    client: TestClient, world: World, clock: FixedClock, settings: Settings
) -> None:
    log_in(client, "querier")
    lifetime = dt.timedelta(seconds=settings.token_lifetime_seconds)
    # Used every hour: each answer signs the cookie afresh, and that does not extend it.
    used = dt.timedelta()
    while used + dt.timedelta(hours=1) < lifetime:
        clock.advance(dt.timedelta(hours=1))
        used += dt.timedelta(hours=1)
        assert whoami(client) == 200
    clock.advance(lifetime - used + dt.timedelta(seconds=1))
    assert whoami(client) == 401
    assert client.get("/account").status_code == 401


def test_the_api_logs_out_its_token_and_the_accounts_page_sessions(
    client: TestClient, app: object, world: World, db: Session
) -> None:
    """``POST /api/v1/auth/logout``: an API client had no way to end its own token but to
    wait for it to expire (session 17 left it so)."""
    token = auth_headers(client, "querier")
    other_token = auth_headers(client, "querier")
    with TestClient(app) as browser:  # type: ignore[arg-type]
        log_in(browser, "querier")
        assert whoami(browser) == 200

        ended = client.post("/api/v1/auth/logout", headers=token)

        assert ended.status_code == 204, ended.text
        assert whoami(browser) == 401
    for headers in (token, other_token):
        stale = client.get("/api/v1/me", headers=headers)
        assert stale.status_code == 401
        assert stale.json()["error"]["code"] == "credentials_changed"
    assert db.scalar(
        select(AuditEvent.sequence).where(
            AuditEvent.action == "auth.logout",
            AuditEvent.target_id == str(world.users["querier"].id),
        )
    )
    # Logged out already: nothing to end, and no token to do it with.
    assert client.post("/api/v1/auth/logout", headers=token).status_code == 401


def test_an_api_key_does_not_log_out(client: TestClient, world: World, db: Session) -> None:
    """A key goes on working until it is revoked: a 204 would tell its holder otherwise."""
    _, secret = released_api_key(
        db, world.clock, world.organisations["regulator"], Role.DATA_REPORTER, "reporting system"
    )
    db.commit()
    headers = {"X-API-Key": secret}

    refused = client.post("/api/v1/auth/logout", headers=headers)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "api_key_not_a_session"
    assert client.get("/api/v1/me", headers=headers).status_code == 200
