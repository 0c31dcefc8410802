"""Journey of the working-day calendar (rules.md): the credit authority finds next year
provisional, pastes the State Council's announcement with a wrong kind of day — refused
beside the form in Chinese, with what was pasted kept — corrects it and sees the year
entered, its holidays and worked weekends listed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_the_credit_authority_enters_next_years_arrangement(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    year = live_server.clock.today().year + 1
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Working-day calendar")
    ).click()
    expect(page.locator(f'tr[data-year="{year}"]')).to_contain_text(
        zh("not entered: deadlines provisional")
    )

    wrong = f"日期,安排,名称\n{year}-10-01至{year}-10-07,补休,国庆节\n"
    page.get_by_role("textbox", name=zh("Year"), exact=True).fill(str(year))
    page.get_by_label(zh("Notice it comes from")).fill("国办发明电〔E2E〕号")
    page.locator("#arrangement").fill(wrong)
    page.get_by_role("button", name=zh("Enter the year")).click()
    alert = page.get_by_role("alert")
    # The row's own refusal, naming the kind of day it holds.
    expect(alert).to_contain_text(
        zh("%(value)s is neither holiday (放假) nor working_day (上班)") % {"value": "'补休'"}
    )
    expect(alert).to_contain_text("invalid_kind")
    expect(page.locator("#arrangement")).to_have_value(wrong)
    expect(page.get_by_label(zh("Notice it comes from"))).to_have_value("国办发明电〔E2E〕号")

    page.locator("#arrangement").fill(wrong.replace("补休", "放假"))
    page.get_by_role("button", name=zh("Enter the year")).click()
    expect(page.get_by_role("status")).to_contain_text(zh("The year's arrangement is entered."))
    expect(page.locator(f'tr[data-year="{year}"]')).to_contain_text("国办发明电〔E2E〕号")
    weekday = next(dt.date(year, 10, d) for d in range(1, 8) if dt.date(year, 10, d).weekday() < 5)
    expect(page.locator(f'tr[data-day="{weekday.isoformat()}"]')).to_contain_text("国庆节")
    expect(page.locator(f'tr[data-day="{weekday.isoformat()}"]')).to_contain_text(zh("holiday"))
