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
