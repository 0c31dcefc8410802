"""Journey: a citizen opens its credit report as HTML, then downloads the PDF of the same
report from it and again from "reports issued to me": one report, one number, one free
report used."""
# The fixture is imported by name and then received as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The server's set-up (the catalog), as for the other disclosure journeys.
from tests.e2e.test_disclosure_journeys import PDF_TIMEOUT_MS, disclosure_ready  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _free_used(page: Page) -> str:
    page.goto("/me/credit")
    used = page.locator("[data-free-used]").get_attribute("data-free-used")
    assert used is not None
    return used


def _issued(page: Page) -> list[str]:
    page.goto("/me/reports")
    numbers: list[str] = page.locator("tr[data-report]").evaluate_all(
        "rows => rows.map(row => row.dataset.report)"
    )
    return numbers


def test_a_citizen_views_its_report_and_downloads_the_pdf_of_the_same_number(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], disclosure_ready: None
) -> None:
    log_in(page, "citizen")
    before = _issued(page)

    page.goto("/me/credit")
    page.get_by_role("button", name=zh("Open the credit report (HTML)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    number = page.locator("table.meta td").first.inner_text().strip()
    assert re.fullmatch(r"XY\d{8}[A-Z0-9]{8}", number), number
    free_used = _free_used(page)

    # The HTML report offers the PDF of the same report.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download:
        page.get_by_role("link", name="下载本报告的 PDF").click(no_wait_after=True)
    assert download.value.suggested_filename == f"credit-report-{number}.pdf"
    path = download.value.path()
    assert path
    assert Path(path).read_bytes().startswith(b"%PDF")

    # One report was issued, and the download used no free report.
    assert _issued(page) == [number, *before]
    assert _free_used(page) == free_used

    # From the list, the same report again, as a PDF and as HTML.
    page.goto("/me/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Reports issued to me"))
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as again:
        page.get_by_role(
            "link", name=zh("Download report %(number)s (PDF)") % {"number": number}
        ).click(no_wait_after=True)
    assert again.value.suggested_filename == f"credit-report-{number}.pdf"
    page.get_by_role("link", name=zh("Open report %(number)s (HTML)") % {"number": number}).click()
    expect(page.locator("table.meta td").first).to_have_text(number)
    assert _issued(page) == [number, *before]
    assert _free_used(page) == free_used
