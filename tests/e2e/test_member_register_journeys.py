"""Journey (Art. 10 ¶1, decision 0032): an industry association's data reporter registers a
member on the member register page, uploads an evaluation of it and of a company that is not
a member, and reads in the batch report that the non-member's row was refused and why."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.test_pages_collection import to_csv
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import SystemClock
from xinyong.collection import sources
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ASSOCIATION = "51350100MB00000513"  # 福州市餐饮行业协会, a demo organisation
CLERK = "e2e_association_clerk"
MEMBER = ("91350100WWAPA40225", "福建榕城餐饮管理有限公司")  # demo companies
STRANGER = ("91350100T5A3HDXJ4X", "福州海峡物流有限公司")


@pytest.fixture(scope="module")
def association_ready(live_server: LiveServer) -> None:
    """The demo association with a data reporter, responsible for its evaluations, as the
    platform administrator and ``xinyong sources grant`` would set them up."""
    clock = SystemClock()
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        association = accounts.organisation_by_code(session, ASSOCIATION)
        sources.grant(session, clock, SYSTEM_ACTOR, association, "association_evaluation")
        if CLERK not in {user.username for user in accounts.list_users(session, SYSTEM_ACTOR)}:
            accounts.create_user(
                session,
                clock,
                SYSTEM_ACTOR,
                username=CLERK,
                display_name="餐饮行业协会信息报送员",
                password=DEMO_PASSWORD,
                role=Role.DATA_REPORTER,
                organisation=association,
            )


def test_the_association_registers_a_member_and_a_non_members_row_is_refused(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    association_ready: None,
) -> None:
    log_in(page, CLERK)
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Member register")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Member register"))

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
