"""Journey of Art. 28's releases (decision 0055): the public reads the industry statistics
of the latest finished month, fixed at its end, and downloads them; it is offered no other
view. The credit authority sees the same releases and, besides, today's provisional tables,
labelled as such."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.statistics_helpers import released

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_the_public_reads_the_release_and_the_authority_also_todays_tables(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    period = released(live_server)
    page.goto("/institutions")
    page.get_by_role("link", name=zh("Industry statistics")).click()
    status = page.locator("#statistics-status")
    expect(status).to_have_attribute("data-period", period)
    releases = page.get_by_role("navigation", name=zh("Releases"))
    expect(releases.get_by_text(period, exact=True)).to_be_visible()
    expect(releases.get_by_role("link", name=zh("Provisional (today)"))).to_have_count(0)
    expect(page.get_by_role("link", name=zh("Download as CSV"))).to_have_attribute(
        "href", f"/api/v1/industry-statistics.csv?period={period}"
    )
    for text in page.locator("table.statistics td").all_inner_texts():
        assert text == "*" or int(text) == 0 or int(text) >= 5, text

    log_in(page, "authority")
    page.goto("/statistics/industry")
    releases = page.get_by_role("navigation", name=zh("Releases"))
    releases.get_by_role("link", name=zh("Provisional (today)")).click()
    expect(page.locator("#statistics-status")).to_have_attribute("data-provisional", "true")
    expect(page.locator("#statistics-status")).to_contain_text(
        zh("Provisional: today's tables, not a release.")
    )
    expect(page.get_by_role("link", name=zh("Download as CSV"))).to_have_attribute(
        "href", "/api/v1/industry-statistics.csv?view=provisional"
    )
    # The demo's records, counted today: small counts withheld here too.
    today = page.locator('table[data-table="records_by_organisation_kind"]')
    expect(today).to_be_visible()
    for text in today.locator("td").all_inner_texts():
        assert text == "*" or int(text) == 0 or int(text) >= 5, text
    page.get_by_role("navigation", name=zh("Releases")).get_by_role("link", name=period).click()
    expect(page.locator("#statistics-status")).to_have_attribute("data-period", period)
