"""The pages on a phone (390 × 844 CSS pixels): no page scrolls sideways. A wide table
scrolls inside its own box (site.css), so the header, the forms and the text around it
keep to the screen's width."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.presentation]

PHONE = {"width": 390, "height": 844}
COMPANY_CODE = "91350100MG59YK161P"  # the demo company account's subject
PENALTY = "administrative_penalty"

# Each demo account with the pages it has that show tables (or may grow wide).
PAGES: dict[str | None, tuple[str, ...]] = {
    None: (
        "/",
        "/lists/red",
        "/lists/black",
        "/lists/red/candidates",
        "/list-standards",
        "/measures",
        "/query-items",
        "/catalog",
        f"/catalog/{PENALTY}",
        "/search?q=福州",
        f"/subjects/{COMPANY_CODE}",
        "/check-code",
        "/reports/verify",
        "/institutions?code=91350100MB0000078N",
        "/institutions/91350100MB0000078N",
        "/statistics/industry",
        "/integrity",
    ),
    "caseofficer": ("/lists-queue", "/measure-applications"),
    "caseofficer2": ("/lists-queue",),
    "objections": ("/list-objections", "/name-objections"),
    "reporter": ("/batches", "/batches/upload", "/commitments", "/consents"),
    "security": ("/reviews", "/query-item-assignments"),
    "querier": ("/query", "/joint-check"),
    "analyst": ("/query", "/query/credit-status"),
    "court": ("/court-defaulters",),
    "association": ("/members",),
    "authority": (
        "/supervision",
        "/supervision/timeliness",
        "/supervision/consents",
        "/admin/query-items",
        "/admin/sources",
        "/admin/measures",
        f"/admin/catalog/{PENALTY}/revise",
        "/admin/catalog/rule-pack",
        "/admin/lists/rule-pack",
        f"/admin/catalog/rule-pack/{PENALTY}",
        "/admin/institutions",
        "/admin/typical-cases",
    ),
    "admin": ("/admin/users",),
    "company": ("/me", "/me/notices", "/me/grade", "/me/credit", "/me/access-log"),
    "citizen": ("/me/consents", "/me/declarations", "/me/authorisations", "/me/name"),
}


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict[str, Any]:
    return {
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": PHONE,
    }


def overflow(page: Page, path: str) -> str | None:
    """How far the page at ``path`` scrolls sideways, if it does."""
    response = page.goto(path)
    assert response is not None, path
    assert response.ok, f"{path}: {response.status}"
    scroll_width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    if scroll_width <= inner_width:
        return None
    return f"{path}: {scroll_width} px wide on a {inner_width} px screen ({sticking_out(page)})"


# What reaches past the screen's right edge outside any scroll box (an element, or a text
# too long to wrap), for the failure message.
_STICKING_OUT = """() => {
  const width = window.innerWidth;
  const scrolls = (node) => {
    for (let up = node.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text && found.length < 3; text = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(text);
    if (range.getBoundingClientRect().right > width + 0.5 && !scrolls(text)) {
      const parent = text.parentElement;
      found.push(`${parent.tagName.toLowerCase()}.${parent.className}: `
        + text.textContent.trim().slice(0, 60));
    }
  }
  return found;
}"""


def sticking_out(page: Page) -> str:
    return "; ".join(page.evaluate(_STICKING_OUT))


def batch_report(page: Page) -> str:
    """The first batch report the account's batch list links to."""
    page.goto("/batches")
    hrefs = page.locator("main a[href^='/batches/']").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    reports = [href for href in hrefs if re.fullmatch(r"/batches/\d+", href)]
    assert reports, "the demo reporter has no batch"
    return str(reports[0])


@pytest.mark.parametrize("username", list(PAGES), ids=lambda name: name or "public")
def test_no_page_scrolls_sideways_on_a_phone(
    page: Page, log_in: Callable[..., None], username: str | None
) -> None:
    assert page.viewport_size == PHONE
    if username is not None:
        log_in(page, username)
    paths = list(PAGES[username])
    if username == "reporter":
        paths.append(batch_report(page))
    wide = [found for path in paths if (found := overflow(page, path))]
    assert not wide, "these pages scroll sideways on a phone: " + "; ".join(wide)


def test_a_wide_table_scrolls_in_its_own_box(page: Page) -> None:
    """The catalog's table is wider than a phone: it stays whole (a table still, with its
    headers) and scrolls in its own box, while the page keeps to the screen."""
    page.goto("/catalog")
    table = page.get_by_role("table").first
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader").first).to_be_visible()
    scroll_width, client_width, overflow_x = table.evaluate(
        "table => [table.scrollWidth, table.clientWidth, getComputedStyle(table).overflowX]"
    )
    assert overflow_x == "auto"
    assert client_width <= PHONE["width"] < scroll_width
    table.evaluate("table => { table.scrollLeft = table.scrollWidth; }")
    assert table.evaluate("table => table.scrollLeft") > 0
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_form_in_a_table_cell_keeps_a_usable_width_on_a_narrow_phone(
    page: Page, log_in: Callable[..., None]
) -> None:
    """Review r13: at 375 px the institutions' status form was crushed into its cell (the
    select showed one character, the reason field was 40 px wide). The form keeps its
    width; the table scrolls in its own box, the page does not."""
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, "authority")
    assert overflow(page, "/admin/institutions") is None
    form = page.locator("form[action$='/status']").first
    expect(form).to_be_attached()
    for control in (form.locator("select"), form.locator("input[name=reason]")):
        width = control.evaluate("node => node.getBoundingClientRect().width")
        assert width >= 150, f"{control}: {width} px"
