"""A subject's account is named by the subject's registered name wherever an account is
named — the administrators' lists (API and pages), the officers' list of subject accounts,
the holder's own account (API and page) — so a registration's rename (decision 0050) or a
name corrected on objection (decision 0051) reaches them all at once, whatever name the
account was given when it was created (decision 0051, session 25 addendum)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.subjects import service as subjects

NEW_NAME = "福州晨光文化用品有限公司"
CORRECTED = "王某甲"


def _shown_everywhere(client: TestClient, world: World, account: str) -> list[str]:
    """The name of ``account`` as each list and its own account show it."""
    user = world.users[account]
    admin = client.get("/api/v1/admin/users", headers=auth_headers(client, "admin")).json()
    officer = client.get(
        "/api/v1/subject-accounts", headers=auth_headers(client, "authority")
    ).json()
    own = client.get("/api/v1/me/account", headers=auth_headers(client, account)).json()
    shown = [
        next(u["display_name"] for u in admin["items"] if u["id"] == user.id),
        next(u["display_name"] for u in officer["items"] if u["id"] == user.id),
        own["display_name"],
    ]
    client.cookies.clear()
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML).text
    row = page.split(f"<td>{user.username}</td>", 1)[1].split("</td>", 1)[0]
    shown.append(row.removeprefix("<td>"))
    client.cookies.clear()
    log_in(client, "authority")
    page = client.get("/subject-accounts", headers=HTML).text
    row = page.split(f'data-user="{user.username}"', 1)[1]
    shown.append(row.split("</td><td>", 1)[1].split("</td>", 1)[0])
    client.cookies.clear()
    log_in(client, account)
    page = client.get("/account", headers=HTML).text
    shown.append(page.split("</dt><dd>", 2)[2].split("</dd>", 1)[0])
    client.cookies.clear()
    return shown


def test_a_renamed_organisations_account_is_named_by_its_new_name_everywhere(
    db: Session, clock: FixedClock, world: World, client: TestClient
) -> None:
    company = world.subjects["company"]
    # The administrator named the account by the name the company was known by.
    world.users["company"].display_name = "福州晨光文具店"
    authority = accounts.actor_for_user(world.users["authority"])
    subjects.rename(db, clock, authority, company, NEW_NAME)
    db.commit()

    assert _shown_everywhere(client, world, "company") == [NEW_NAME] * 6


def test_a_persons_account_is_named_by_the_corrected_name_everywhere(
    db: Session, clock: FixedClock, world: World, client: TestClient
) -> None:
    """The name corrected as never the person's (Art. 25) is shown nowhere, even inside a
    label the administrator gave the account."""
    person = world.subjects["person"]
    world.users["citizen"].display_name = f"{person.name}（本人）"
    authority = accounts.actor_for_user(world.users["authority"])
    subjects.rename(db, clock, authority, person, CORRECTED, correcting=True)
    db.commit()

    shown = _shown_everywhere(client, world, "citizen")
    assert shown == [CORRECTED] * 6
