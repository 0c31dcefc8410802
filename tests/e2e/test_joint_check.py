"""Journey: a query officer checks a list of codes for an administrative matter: each line
answered in order with list status, the measures that apply and the green channel; a
citizen ID number shown masked, a code that is no code said to be so."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import DEMO_PASSWORD, DEMO_PERSON
from xinyong.identifiers import mask_citizen_id

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

RED_LISTED = "91350100WWAPA40225"  # the demo's integrity model


def test_a_query_officer_checks_codes_for_a_matter(page: Page, zh: Callable[[str], str]) -> None:
    page.goto("/login")
    page.get_by_label(zh("Username")).fill("querier")
    page.get_by_label(zh("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Joint check")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        zh("Joint incentive and punishment check")
    )

    page.get_by_label(zh("Administrative matter")).select_option("administrative_licensing")
    page.get_by_label(zh("Codes, one per line")).fill(f"{RED_LISTED}\n{DEMO_PERSON[1]}\nnot a code")
    page.get_by_role("button", name=zh("Check"), exact=True).click()

    rows = page.locator("#joint-check-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("诚信典型")
    expect(rows.nth(0)).to_contain_text("行政许可“绿色通道”和“容缺受理”")
    expect(rows.nth(1)).to_contain_text(mask_citizen_id(DEMO_PERSON[1]))
    expect(rows.nth(1)).to_contain_text(DEMO_PERSON[0])
    expect(rows.nth(2)).to_contain_text(zh("not a valid code"))
    # The number is shown masked, and not typed back into the form either.
    expect(page.locator("body")).not_to_contain_text(DEMO_PERSON[1])
    expect(page.get_by_label(zh("Codes, one per line"))).to_have_value("")


def test_the_checked_citizen_sees_the_check_and_who_ran_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    """Art. 24: the person checked finds the check in "who looked at my file", with the
    matter and what the answer showed, and may ask who ran it."""
    log_in(page, "querier")
    page.goto("/joint-check")
    page.get_by_label(zh("Administrative matter")).select_option("administrative_licensing")
    page.get_by_label(zh("Codes, one per line")).fill(DEMO_PERSON[1])
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    expect(page.locator("#joint-check-results tbody tr")).to_have_count(1)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/access-log")
    reads = page.get_by_role("table", name=zh("Reads of my credit file"))
    check = reads.locator("tr[data-joint-check]").first
    expect(check).to_contain_text(zh("Joint incentive and punishment check (Art. 14–19)"))
    expect(check).to_contain_text("福州市市场监督管理局")
    expect(check).to_contain_text("行政许可")
    expect(check).to_contain_text(zh("Green channel"))
    check.get_by_role("button").click()  # named for the check it is about
    expect(page.get_by_role("status").filter(has_text="市场监管局查询员")).to_be_visible()
