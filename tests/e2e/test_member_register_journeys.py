"""Journey (Art. 10 ¶1, decision 0032): the demo association's data reporter finds its
member register with the demo's members, registers a member, uploads an evaluation of it and
of a company that is not a member, and reads in the batch report that the non-member's row
was refused and why."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.test_pages_collection import to_csv
from xinyong import demo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

# The demo association's account (福州市餐饮行业协会), responsible for its evaluations.
CLERK = "association"
MEMBER = ("91350100M0DM95UY6B", "福州茉莉花茶业有限公司")  # demo companies, not members yet
STRANGER = ("91350100T5A3HDXJ4X", "福州海峡物流有限公司")


def test_the_association_registers_a_member_and_a_non_members_row_is_refused(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
) -> None:
    log_in(page, CLERK)
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Member register")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Member register"))
    # The demo's members, each under its agreement.
    for code, name, _years, agreement in demo.DEMO_MEMBERS:
        row = page.locator(f'tr[data-member="{code}"]')
        expect(row).to_contain_text(name)
        expect(row).to_contain_text(agreement)

    page.get_by_label(zh("Member's unified social credit code")).fill(MEMBER[0])
    page.get_by_label(zh("Member's name")).fill(MEMBER[1])
    page.get_by_label(zh("Member since"), exact=True).fill("2025-01-01")
    page.get_by_label(zh("Membership agreement"), exact=True).fill("餐饮协会会员协议 2025-001")
    page.get_by_role("button", name=zh("Add the membership"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(zh("Membership added."))
    expect(page.locator(f'tr[data-member="{MEMBER[0]}"]')).to_contain_text(MEMBER[1])

    table = [
        [
            "行政相对人名称",
            "行政相对人类别",
            "统一社会信用代码",
            "评价项目",
            "评价等级",
            "评价日期",
        ],
        [MEMBER[1], "法人及非法人组织", MEMBER[0], "2026年度会员信用评价", "AAA", "2026-11-20"],
        [STRANGER[1], "法人及非法人组织", STRANGER[0], "2026年度会员信用评价", "B", "2026-11-20"],
    ]
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Submit records")
    ).click()
    page.get_by_label(zh("Record type"), exact=True).select_option("association_evaluation")
    page.get_by_label(zh("File"), exact=True).set_input_files(
        files=[{"name": "evaluations.csv", "mimeType": "text/csv", "buffer": to_csv(table)}]
    )
    page.get_by_role("main").get_by_role("button", name=zh("Upload"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/batches/\d+(\?replayed=1)?$"))
    counts = page.get_by_role("table", name=zh("Counts"))
    expect(counts.get_by_role("row", name=f"{zh('Rejected')} 1", exact=True)).to_be_visible()
    problem = page.get_by_role("table", name=zh("Problems")).locator('tr[data-row="3"]')
    expect(problem).to_have_attribute("data-code", "not_a_member")
    expect(problem).to_contain_text(
        zh(
            "the subject was not a member of your association on the record's date: an "
            "association records its members' credit information only, as their membership "
            "agreement provides; add the membership to your member register first"
        )
    )
    expect(problem).to_contain_text("第十条第一款")
