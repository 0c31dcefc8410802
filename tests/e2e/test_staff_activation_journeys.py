"""Journey (decision 0033): the platform administrator creates a staff account with no
password, and the page tells him who releases its code; the credit authority's officer
checks the staff member's identity and releases the code, shown once; the staff member
activates the account at /activate, logs in, and his own account page says who released
the code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # the demo's market regulator
OWN_PASSWORD = "query officer's own 2026"
AUTHORITY = "福州市发展和改革委员会"  # the demo's credit authority, which released the code


def test_admin_creates_the_officer_releases_and_the_staff_member_activates(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "admin")
    page.goto("/admin/users")
    form = page.locator("form[action='/admin/users']")
    # No password field: nobody but the holder sets one.
    expect(form.locator("input[name='password']")).to_have_count(0)
    form.get_by_label(zh("Username")).fill("xiaozhang")
    form.get_by_label(zh("Name")).fill("市场监管局查询员小张")
    form.get_by_label(zh("Role")).select_option("query_officer")
    form.get_by_label(zh("Organisation (staff)")).select_option(REGULATOR)
    form.get_by_role("button", name=zh("Create")).click()

    notice = page.locator("#user-created")
    expect(notice).to_contain_text("/staff-accounts")
    row = page.get_by_role("row").filter(has_text="xiaozhang")
    expect(row).to_contain_text(zh("Awaiting activation"))
    expect(row).to_contain_text(zh("Credit authority officer"))
    expect(page.locator("#activation-code")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The credit authority's officer checks the identity and releases the code.
    log_in(page, "authority")
    page.get_by_role("link", name=zh("Staff accounts")).click()
    row = page.get_by_role("row").filter(has_text="xiaozhang")
    expect(row).to_contain_text(zh("Query officer"))
    row.get_by_role("button", name=zh("Release activation code")).click()
    shown = page.locator("#activation-code")
    expect(shown).to_be_visible()
    code = shown.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)
    page.goto("/staff-accounts")
    expect(page.locator("#activation-code")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The staff member sets his own password with the code, and logs in.
    page.goto("/activate")
    page.get_by_label(zh("Username")).fill("xiaozhang")
    page.get_by_label(zh("Activation code")).fill(code)
    page.get_by_label(zh("New password")).fill(OWN_PASSWORD)
    page.get_by_role("button", name=zh("Activate"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        zh("Your account is activated. Log in with your new password.")
    )
    page.get_by_label(zh("Password")).fill(OWN_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
    expect(page.get_by_role("button", name=zh("Log out"))).to_be_visible()
    # He has the query officer's pages, and his own account page names who released.
    expect(page.get_by_role("link", name=zh("Query a credit file"))).to_be_visible()
    page.get_by_role("link", name=zh("My account")).click()
    history = page.locator("#account-history")
    expect(history.locator("[data-action='user.create']")).to_contain_text(
        zh("account created by the platform administrator")
    )
    expect(history.locator("[data-action='user.activate']")).to_contain_text(AUTHORITY)
