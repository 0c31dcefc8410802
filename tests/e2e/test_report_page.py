"""The credit report's HTML page on a phone and in another language (review r3, session 19):
at 375 px it scrolled 39 px sideways and the report number ran under the 校验码 label; with
English chosen it was Chinese without a word why. The report stays Chinese (decision 0010,
addendum): the page fits the screen, and says so above the report in the chosen language,
its links in that language too."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong.web.i18n import translations

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

PHONE = {"width": 375, "height": 844}
EN = translations("en").gettext


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict[str, Any]:
    return {
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": PHONE,
    }


def _open_own_report(page: Page, log_in: Callable[..., None], *, english: bool) -> str:
    """The company's own report, opened from "my credit" as HTML; its number."""
    log_in(page, "company")
    page.goto("/me/credit?lang=en" if english else "/me/credit")
    words = translations("en" if english else "zh_Hans").gettext
    page.get_by_role("button", name=words("Open the credit report (HTML)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    number = page.locator("table.meta td").first.inner_text().strip()
    assert re.fullmatch(r"XY\d{8}[A-Z0-9]{8}", number), number
    return number


def test_the_report_fits_a_phone_and_says_in_english_why_it_is_chinese(
    page: Page, log_in: Callable[..., None]
) -> None:
    number = _open_own_report(page, log_in, english=True)
    assert (
        page.evaluate(
            "() => document.querySelector('meta[name=viewport]')?.getAttribute('content')"
        )
        == "width=device-width, initial-scale=1"
    )
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert scroll_width <= inner_width, f"{scroll_width} px wide on a {inner_width} px screen"
    # The number is readable: no other cell of the header overlaps it.
    cell = page.locator("table.meta td").first
    box = cell.bounding_box()
    assert box is not None
    for other in page.locator("table.meta th, table.meta td").all():
        if other.inner_text().strip() == number:
            continue
        theirs = other.bounding_box()
        assert theirs is not None
        apart = (
            theirs["x"] >= box["x"] + box["width"] - 0.5
            or theirs["x"] + theirs["width"] <= box["x"] + 0.5
            or theirs["y"] >= box["y"] + box["height"] - 0.5
            or theirs["y"] + theirs["height"] <= box["y"] + 0.5
        )
        assert apart, f"{other.inner_text()!r} overlaps the report number"
    number_box = page.get_by_text(number, exact=True).first.bounding_box()
    assert number_box is not None
    assert number_box["x"] + number_box["width"] <= inner_width

    # The report is Chinese, and the page says so in English, above it.
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    note = page.get_by_role("note")
    expect(note).to_have_text(
        EN(
            "This credit report is an official document issued in Simplified Chinese, and is "
            "shown in it whatever language you chose: its number and verification code verify "
            "this text, which the PDF prints too."
        )
    )
    expect(page.locator("header.page-words")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name=EN("Download this report as a PDF"))).to_have_attribute(
        "href", f"/reports/{number}?format=pdf"
    )
    expect(page.get_by_role("link", name=EN("Back to the reports issued"))).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("十、信用提升建议")


def test_in_chinese_the_report_page_needs_no_note(page: Page, log_in: Callable[..., None]) -> None:
    number = _open_own_report(page, log_in, english=False)
    expect(page.get_by_role("note")).to_have_count(0)
    expect(page.get_by_role("link", name="下载本报告的 PDF")).to_have_attribute(
        "href", f"/reports/{number}?format=pdf"
    )
    expect(page.locator("p.download")).to_contain_text(f"（同一报告编号 {number}，不另出具新报告）")
