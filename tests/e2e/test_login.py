"""Journey: a citizen logs in (after mistyping the password) and logs out again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_citizen_logs_in_after_a_wrong_password_and_logs_out(
    page: Page, zh: Callable[[str], str]
) -> None:
    page.goto("/")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Log in"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Log in"))
    username = page.get_by_label(zh("Username"))
    password = page.get_by_label(zh("Password"))
    submit = page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True)

    username.fill("citizen")
    password.fill("not-the-password")
    submit.click()
    expect(page.get_by_role("alert")).to_have_text(zh("Wrong username or password."))
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name=zh("Log out"))).to_have_count(0)

    username.fill("citizen")
    password.fill(DEMO_PASSWORD)
    submit.click()
    expect(page).to_have_url("/")
    log_out = page.get_by_role("button", name=zh("Log out"))
    expect(log_out).to_be_visible()
    expect(log_out).to_contain_text("王某某")  # who is logged in
    expect(navigation.get_by_role("link", name=zh("My credit"))).to_be_visible()
    expect(navigation.get_by_role("link", name=zh("Log in"), exact=True)).to_have_count(0)

    log_out.click()
    expect(navigation.get_by_role("link", name=zh("Log in"), exact=True)).to_be_visible()
    expect(log_out).to_have_count(0)
    page.reload()
    expect(navigation.get_by_role("link", name=zh("My credit"))).to_have_count(0)
