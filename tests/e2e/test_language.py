"""Journey: the pages speak zh-Hans by default; a visitor switches to English, then to
Traditional Chinese, and the choice follows them to the next page (cookie).

The texts here are literal on purpose: this journey checks that the catalogs are used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.presentation]


def _switch_to(page: Page, language_label: str, option: str, button: str) -> None:
    page.get_by_label(language_label).select_option(label=option)
    page.get_by_role("button", name=button, exact=True).click()


def _language_cookie(context: BrowserContext) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "xinyong_lang"), None)


def test_visitor_switches_language_and_it_persists(page: Page, context: BrowserContext) -> None:
    html = page.locator("html")
    heading = page.get_by_role("heading", level=1)
    navigation = page.get_by_role("navigation")

    page.goto("/")
    expect(html).to_have_attribute("lang", "zh-Hans")
    expect(heading).to_have_text("信用福州")
    expect(page).to_have_title("福州市公共信用信息平台 · 信用福州")
    expect(navigation.get_by_role("link", name="组织机构查询")).to_be_visible()
    expect(navigation.get_by_role("link", name="登录")).to_be_visible()
    expect(page.get_by_label("语言")).to_have_value("zh_Hans")

    _switch_to(page, "语言", "English", "切换")
    expect(html).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Credit Fuzhou")
    expect(navigation.get_by_role("link", name="Search organisations")).to_be_visible()
    expect(page.get_by_label("Language")).to_have_value("en")
    assert _language_cookie(context) == "en"

    navigation.get_by_role("link", name="Check a code").click()
    expect(page).to_have_url("/check-code")  # no ?lang=: the cookie carries the choice
    expect(html).to_have_attribute("lang", "en")
    expect(heading).to_have_text("Check a code")
    expect(page.get_by_label("Code", exact=True)).to_be_visible()

    _switch_to(page, "Language", "繁體中文", "Switch")
    expect(html).to_have_attribute("lang", "zh-Hant")
    expect(heading).to_have_text("代碼校驗")
    expect(page.get_by_role("button", name="校驗", exact=True)).to_be_visible()
    assert _language_cookie(context) == "zh_Hant"

    navigation.get_by_role("link", name="組織機構查詢").click()
    expect(page).to_have_url("/search")
    expect(html).to_have_attribute("lang", "zh-Hant")
    expect(heading).to_have_text("組織機構查詢")
    # Taiwan/Hong Kong usage, not the character-by-character 登錄.
    expect(navigation.get_by_role("link", name="登入")).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("《福州市社會信用管理辦法》")


def test_switching_language_on_a_page_answered_to_a_form(
    page: Page, log_in: Callable[..., None]
) -> None:
    """A refused form answered at an address that has no GET (POST /admin/organisations,
    the refusal shown beside the form): the switch goes to the page the form was on, in the
    chosen language, not to a 405."""
    log_in(page, "admin")
    page.goto("/admin/users")
    page.get_by_label("统一社会信用代码").fill("113501000036441868")  # the regulator's: exists
    page.locator("#o-name").fill("重复的机构")
    page.get_by_role("button", name="添加机构").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page).to_have_url("/admin/organisations")

    _switch_to(page, "语言", "English", "切换")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    expect(page).to_have_url("/admin/users?lang=en")


def test_a_first_visit_is_in_the_browsers_most_wanted_language_the_pages_speak(
    browser: Browser, browser_context_args: dict[str, Any]
) -> None:
    """A browser set to French first, then Traditional Chinese: the first page is in
    Traditional Chinese, not in the default (the header's first tag is not the only one
    read); the switch still has the last word."""
    # Without a context locale, which Chromium would send as the whole header instead.
    options = {name: value for name, value in browser_context_args.items() if name != "locale"}
    context = browser.new_context(
        **options,
        extra_http_headers={"Accept-Language": "fr-FR,fr;q=0.9,zh-TW;q=0.8,en;q=0.7"},
    )
    try:
        page = context.new_page()
        page.goto("/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
        expect(page.get_by_label("語言")).to_have_value("zh_Hant")
        _switch_to(page, "語言", "English", "切換")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto("/search")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        context.close()
