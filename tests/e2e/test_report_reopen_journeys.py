"""Journeys: a citizen opens its credit report as HTML, then downloads the PDF of the same
report from it and again from "reports issued to me": one report, one number, one free
report used; a query officer opens a company's report, reloads it, and the company finds
one report in "who looked at my file", issued, and one opening again: the reload."""
# The fixture is imported by name and then received as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

# The server's set-up (the catalog), as for the other disclosure journeys.
from tests.e2e.test_disclosure_journeys import (  # noqa: F401
    COMPANY,
    ITEM,
    MATTER_CODE,
    PDF_TIMEOUT_MS,
    disclosure_ready,
)

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


def test_a_querier_reloads_a_report_and_no_other_is_issued(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], disclosure_ready: None
) -> None:
    code, name = COMPANY
    log_in(page, "querier")
    page.goto(f"/query?path=item&item={ITEM}&matter={MATTER_CODE}")
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()
    result = page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    result.get_by_role("button", name=zh("Open the credit report (HTML)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    number = page.locator("table.meta td").first.inner_text().strip()
    expect(page).to_have_url(f"/reports/{number}")  # its own address, not the form's

    page.reload()  # no "resend the form?": the same report, no other issued
    expect(page.locator("table.meta td").first).to_have_text(number)
    page.goto("/query/reports")
    expect(page.locator(f'tr[data-report="{number}"]')).to_have_count(1)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "company")
    page.goto("/me/access-log")
    reads = page.get_by_role("table", name=zh("Reads of my credit file"))
    rows = reads.get_by_role("row").filter(has_text=number)
    # Issued, then opened again once — by the reload, not by the first showing.
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=zh("Credit report opened again by its requester"))).to_have_count(1)
