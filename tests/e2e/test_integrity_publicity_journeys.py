"""Journey of Art. 32: an officer of the credit authority drafts the exposure of a seriously
dishonest organisation on its black-list entry (a wrong kind of case refused on the form
first, with what was typed kept), cannot publish their own draft, a second officer
publishes it, and the public reads it on /integrity, reached from the home page, beside
the demo's integrity model."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong import demo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SERIOUS_STANDARD = "严重失信主体：严重危害人民群众身体健康和生命安全"


def test_a_case_drafted_by_one_officer_is_published_by_another_and_read_by_the_public(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    title = f"食品加工企业添加非食用物质被列入严重失信主体名单（E2E-{secrets.token_hex(3)}）"
    code, name = demo.SERIOUS_ORGANISATION
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Typical cases")
    ).click()
    page.get_by_label(zh("Kind of case")).select_option("integrity_model")
    page.get_by_label(
        zh("List entry (integrity model: red list; serious dishonesty: serious black list)")
    ).select_option(label=f"{name} — {SERIOUS_STANDARD}")
    page.get_by_label(zh("Title"), exact=True).fill(title)
    page.get_by_label(zh("Narrative"), exact=True).fill(
        "该企业在食品生产中添加非食用物质，被吊销许可证，经书面告知后列入严重失信主体名单。"
    )
    page.get_by_role("button", name=zh("Draft"), exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("wrong_list")
    expect(page.get_by_label(zh("Title"), exact=True)).to_have_value(title)
    page.get_by_label(zh("Kind of case")).select_option("serious_dishonesty")
    page.get_by_role("button", name=zh("Draft"), exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh("Case drafted: another officer publishes it.")
    )
    row = page.locator("tr[data-case]").filter(has_text=title)
    expect(row.locator("td[data-state]")).to_have_attribute("data-state", "draft")
    expect(row).to_contain_text(zh("Drafted by you: another officer publishes it."))
    expect(row.locator("form[action$='/publish']")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "authority2")
    page.goto("/admin/typical-cases")
    row = page.locator("tr[data-case]").filter(has_text=title)
    publish = row.locator("form[action$='/publish'] button")
    expect(publish).to_have_text(zh("Publish"))
    publish.click()
    expect(page.get_by_role("status").first).to_contain_text(zh("Case published."))
    expect(row.locator("td[data-state]")).to_have_attribute("data-state", "published")
    expect(row).to_contain_text(zh("shown to the public"))
    page.get_by_role("button", name=zh("Log out")).click()

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name=zh("Read the typical cases")).click()
    section = page.locator("#kind-serious_dishonesty")
    case = section.locator("article").filter(has_text=title)
    expect(case).to_contain_text(name)
    expect(case).to_contain_text(code)
    expect(page.locator("#kind-integrity_model article")).to_contain_text(
        "福建榕城餐饮管理有限公司"
    )
    case.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
