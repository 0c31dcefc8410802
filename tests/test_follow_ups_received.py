"""The credit authority's follow-ups against an organisation (Art. 33 ¶2) reach it: its
security officer reads them, with their reasons, through the API and its page; nobody
reads another organisation's."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.clock import FixedClock
from xinyong.disclosure import supervision
from xinyong.disclosure.models import FollowUpKind
from xinyong.errors import PermissionDenied


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters; tests/test_accounts.py checks the real hasher."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def actor_of(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def followed_up(db: Session, clock: FixedClock, world: World) -> None:
    """An interview of the market regulator on a signal, then a warning to the bank."""
    authority = actor_of(world, "authority")
    supervision.record_follow_up(
        db,
        clock,
        authority,
        world.organisations["regulator"],
        FollowUpKind.INTERVIEW,
        "夜间集中查询，约谈分管负责人",
        "outside_working_hours:1:user2:2026-11-27",
    )
    clock.advance(dt.timedelta(hours=1))
    supervision.record_follow_up(
        db, clock, authority, world.organisations["bank"], "warning", "超出授权用途查询"
    )
    db.commit()


def test_the_security_officer_reads_its_own_organisations_follow_ups(
    world: World, db: Session, clock: FixedClock
) -> None:
    followed_up(db, clock, world)

    (received,) = supervision.follow_ups_received(db, actor_of(world, "security"))

    assert received.organisation.id == world.organisations["regulator"].id
    assert (received.follow_up.kind, received.follow_up.reason) == (
        FollowUpKind.INTERVIEW,
        "夜间集中查询，约谈分管负责人",
    )
    # Who queries or submits for the organisation does not read them: its security officer
    # answers for its information security (Art. 12(1)).
    for username in ("querier", "reporter"):
        with pytest.raises(PermissionDenied):
            supervision.follow_ups_received(db, actor_of(world, username))


def test_the_api_and_the_page_show_the_same_follow_ups(
    world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    followed_up(db, clock, world)

    api = client.get("/api/v1/organisation/follow-ups", headers=auth_headers(client, "security"))
    assert api.status_code == 200, api.text
    (item,) = api.json()["items"]
    assert (item["kind"], item["kind_zh"], item["reason"], item["article"]) == (
        "interview",
        "约谈",
        "夜间集中查询，约谈分管负责人",
        "Art. 33 ¶2",
    )
    assert item["organisation"]["code"] == world.organisations["regulator"].code
    # The organisation learns which credit authority followed it up, not the officer, and
    # not the platform's internal id of the account (session 17 answered ``user:N``).
    authority = world.users["authority"]
    assert item["decided_by_name"] == authority.organisation.name
    assert "decided_by" not in item
    assert authority.display_name not in api.text
    # The credit authority reads the officer and the authority both.
    own = client.get("/api/v1/supervision/follow-ups", headers=auth_headers(client, "authority"))
    assert {entry["decided_by_name"] for entry in own.json()["items"]} == {
        f"{authority.display_name}，{authority.organisation.name}"
    }

    log_in(client, "security")
    home = client.get("/", headers=HTML)
    assert 'href="/organisation/follow-ups"' in home.text
    page = client.get("/organisation/follow-ups", headers=HTML)
    assert page.status_code == 200
    assert f'data-follow-up="{item["id"]}"' in page.text
    assert "夜间集中查询，约谈分管负责人" in page.text
    assert "超出授权用途查询" not in page.text
    assert "约谈" in page.text
    assert world.users["authority"].organisation.name in page.text


def test_an_organisation_without_follow_ups_is_told_so(world: World, client: TestClient) -> None:
    log_in(client, "security")
    page = client.get("/organisation/follow-ups?lang=en", headers=HTML)
    assert page.status_code == 200
    assert "The credit authority has recorded no follow-up against your organisation." in (
        page.text
    )
