"""Journey of Art. 26 and 28: the credit authority registers a credit service institution
(a wrong check character is refused on the form first, with what was typed kept) and
amends its services with a reason; the public verifies it by its filing number, opens its entry,
the services it is filed to provide and its history, then reads the industry statistics,
where small counts are withheld."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.statistics_helpers import released
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_an_institution_is_registered_verified_and_the_statistics_read(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    suffix = secrets.token_hex(3)
    uscc = make_uscc(random.Random(suffix))
    name, filing = f"福州诚立信用评估有限公司（E2E-{suffix}）", f"闽信备〔2026〕E2E-{suffix}号"
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Register of credit service institutions")
    ).click()
    wrong = uscc[:-1] + ("0" if uscc[-1] != "0" else "1")
    page.get_by_label(zh("Unified social credit code"), exact=True).fill(wrong)
    page.get_by_label(zh("Name"), exact=True).fill(name)
    page.get_by_label(zh("Filing number")).fill(filing)
    page.get_by_label(zh("Filing date")).fill("2026-09-01")
    page.get_by_label(zh("Business scope")).fill("企业信用评价、信用管理咨询")
    page.get_by_label(zh("Services offered (one a line)")).fill("信用评价报告\n信用管理咨询")
    page.get_by_role("button", name=zh("Register"), exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("check_character")
    expect(page.get_by_label(zh("Name"), exact=True)).to_have_value(name)
    page.get_by_label(zh("Unified social credit code"), exact=True).fill(uscc)
    page.get_by_role("button", name=zh("Register"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(zh("Institution registered."))
    row = page.locator(f'tr[data-institution="{uscc}"]')
    expect(row).to_contain_text(zh("Active"))
    # A new service: the particulars amended with a reason, the old entry kept.
    row.get_by_role("link", name=zh("Amend the particulars of %(name)s") % {"name": name}).click()
    expect(page.get_by_label(zh("Services offered (one a line)"))).to_have_value(
        "信用管理咨询\n信用评价报告"
    )
    page.get_by_label(zh("Services offered (one a line)")).fill(
        "信用评价报告\n信用管理咨询\n信用修复咨询"
    )
    page.get_by_label(zh("Reason")).fill("增加信用修复咨询服务")
    page.get_by_role("button", name=zh("Amend"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(zh("Particulars amended."))
    page.get_by_role("button", name=zh("Log out")).click()

    # Anyone: the register, the check by filing number, the entry and its history.
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Credit service institutions")
    ).click()
    page.get_by_label(zh("Unified social credit code or filing number")).fill(filing)
    page.get_by_role("button", name=zh("Verify"), exact=True).click()
    verdict = page.locator("#verification")
    expect(verdict).to_contain_text(
        zh("%(name)s is a registered credit service institution and may operate.") % {"name": name}
    )
    page.get_by_label(zh("Unified social credit code or filing number")).fill("闽信备-不存在")
    page.get_by_role("button", name=zh("Verify"), exact=True).click()
    expect(verdict).to_contain_text(
        zh("No registered credit service institution has this code or filing number (Art. 26).")
    )
    page.locator(f'tr[data-institution="{uscc}"]').get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator('tr[data-version="1"]')).to_contain_text(zh("Registered"))
    expect(page.locator('tr[data-version="2"]')).to_contain_text("增加信用修复咨询服务")
    expect(page.get_by_text("信用修复咨询", exact=False).first).to_be_visible()
    # The services it is filed to provide, each with the day it was filed.
    filed = page.locator('tr[data-service="信用修复咨询"]')
    expect(filed).to_have_attribute("data-filed", "filed")
    expect(page.locator('tr[data-service="信用评价报告"]')).to_contain_text("2026-09-01")

    # The public reads the releases, which the daily job makes (decision 0055).
    period = released(live_server)
    page.goto("/institutions")
    page.get_by_role("link", name=zh("Industry statistics")).click()
    expect(page.locator("#statistics-status")).to_have_attribute("data-period", period)
    # Every count is 0, 5 or more, or withheld ("*", one marker for all); never small. (The
    # demo's records are of the server's month, not released yet: the tables of today are
    # the credit authority's, tests/e2e/test_statistics_release_journeys.py.)
    for text in page.locator("table.statistics td").all_inner_texts():
        assert text == "*" or int(text) == 0 or int(text) >= 5, text
    expect(page.get_by_role("link", name=zh("Download as CSV"))).to_have_attribute(
        "href", f"/api/v1/industry-statistics.csv?period={period}"
    )


@pytest.mark.parametrize("typed", ["闽信用备(2026)001号", "闽信用备（2026）001号"])
def test_the_public_verifies_a_filing_number_typed_with_ordinary_brackets(
    page: Page, zh: Callable[[str], str], typed: str
) -> None:
    """The demo institution's number is 闽信用备〔2026〕001号: 〔〕 are on no keyboard, and a
    citizen types () or （） (review r3, session 19)."""
    page.goto("/")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Credit service institutions")
    ).click()
    page.get_by_label(zh("Unified social credit code or filing number")).fill(typed)
    page.get_by_role("button", name=zh("Verify"), exact=True).click()
    expect(page.locator("#verification")).to_contain_text(
        zh("%(name)s is a registered credit service institution and may operate.")
        % {"name": "福州闽信信用评估有限公司"}
    )
