"""Journey (decision 0031 and its addendum): the platform administrator creates a subject
account and never sees its code; the credit authority's officer checks the subject's identity
and releases the code, shown once; the subject activates the account with it, chooses a
password and logs in to its own credit pages, which say who released the code."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SNACK_BAR = "923501008HFML5U07D"  # a demo company without an account
OWN_PASSWORD = "laowang snack bar 2026"
AUTHORITY = "福州市发展和改革委员会"  # the demo's credit authority, which released the code


def test_admin_creates_the_officer_releases_and_the_subject_activates(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "admin")
    page.goto("/admin/users")
    form = page.locator("form[action='/admin/users']")
    form.get_by_label(zh("Username")).fill("laowang")
    form.get_by_label(zh("Role")).select_option("subject")
    form.get_by_label(zh("Subject code or reference (subject accounts)")).fill(SNACK_BAR)
    form.get_by_role("button", name=zh("Create")).click()

    row = page.get_by_role("row").filter(has_text="laowang")
    expect(row).to_contain_text(zh("Awaiting activation"))
    # The administrator sees no code and has no button to release one.
    expect(page.locator("#activation-code")).to_have_count(0)
    expect(row.get_by_role("button", name=zh("Release activation code"))).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The credit authority's officer, at the counter, releases the code.
    log_in(page, "authority")
    page.get_by_role("link", name=zh("Subject accounts")).click()
    row = page.get_by_role("row").filter(has_text="laowang")
    expect(row).to_contain_text(SNACK_BAR)
    row.get_by_role("button", name=zh("Release activation code")).click()
    shown = page.locator("#activation-code")
    expect(shown).to_be_visible()
    code = shown.inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){4}", code)
    # Shown once: gone on the next visit.
    page.goto("/subject-accounts")
    expect(page.locator("#activation-code")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # Before activation the account cannot log in; the answer reveals nothing.
    page.goto("/login")
    page.get_by_label(zh("Username")).fill("laowang")
    page.get_by_label(zh("Password")).fill(OWN_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(zh("Wrong username or password."))

    page.get_by_role("link", name=zh("Received an activation code? Activate your account")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Activate your account"))
    page.get_by_label(zh("Username")).fill("laowang")
    page.get_by_label(zh("Activation code")).fill(code.lower().replace("-", " "))
    page.get_by_label(zh("New password")).fill(OWN_PASSWORD)
    page.get_by_role("button", name=zh("Activate"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(
        zh("Your account is activated. Log in with your new password.")
    )
    expect(page.get_by_label(zh("Username"))).to_have_value("laowang")
    page.get_by_label(zh("Password")).fill(OWN_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
    expect(page.get_by_role("button", name=zh("Log out"))).to_be_visible()

    page.goto("/me")
    history = page.locator("#account-history")
    activated = history.locator("[data-action='user.activate']")
    expect(activated).to_contain_text(AUTHORITY)

    # The code is spent.
    page.get_by_role("button", name=zh("Log out")).click()
    page.goto("/activate")
    page.get_by_label(zh("Username")).fill("laowang")
    page.get_by_label(zh("Activation code")).fill(code)
    page.get_by_label(zh("New password")).fill("someone else's password")
    page.get_by_role("button", name=zh("Activate"), exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(zh("wrong username or activation code"))


PERSON = ("林某某", "350102198006286439")  # a demo person without an account


def test_admin_creates_a_persons_account_by_the_id_number_it_showed_at_the_counter(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    name, citizen_id = PERSON
    log_in(page, "admin")
    page.goto("/admin/users")
    form = page.locator("form[action='/admin/users']")
    form.get_by_label(zh("Username")).fill("linmm")
    form.get_by_label(zh("Role")).select_option("subject")
    number = form.get_by_label(zh("Or, for a natural person: citizen ID number (subject accounts)"))
    # A typo in the check digit is refused beside the field, and the number is not typed back.
    number.fill(citizen_id[:-1] + ("8" if citizen_id[-1] != "8" else "7"))
    form.get_by_role("button", name=zh("Create")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    number = page.locator("form[action='/admin/users']").get_by_label(
        zh("Or, for a natural person: citizen ID number (subject accounts)")
    )
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(number).to_have_value("")
    form = page.locator("form[action='/admin/users']")
    expect(form.get_by_label(zh("Username"))).to_have_value("linmm")
    number.fill(citizen_id)
    form.get_by_role("button", name=zh("Create")).click()
    expect(page.locator("#user-created")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="linmm")).to_contain_text(
        zh("Awaiting activation")
    )
    expect(page.get_by_text(citizen_id)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The officer at the counter sees whose account it is, by name and masked number.
    log_in(page, "authority")
    page.goto("/subject-accounts")
    row = page.get_by_role("row").filter(has_text="linmm")
    expect(row).to_contain_text(name)
    expect(row).not_to_contain_text(citizen_id)
