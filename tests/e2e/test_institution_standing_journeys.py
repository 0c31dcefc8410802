"""Journey of Art. 26–27 (decision 0024 addendum): a person consents to a credit service
institution, naming first a service the institution never filed with the register (refused
on the form, with the reason) and then one it filed; the credit authority suspends the
institution; its data reporter, logging in, is told why on every page, is offered no
submission, and the upload page refuses it with the register's status."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import sources
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.demo import DEMO_PASSWORD
from xinyong.institutions import register
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SUFFIX = secrets.token_hex(3)
CODE = make_uscc(random.Random(f"standing-{SUFFIX}"), prefix="91")
NAME = f"福州守正信用评估有限公司（E2E-{SUFFIX}）"
CLERK = f"e2e_inst_clerk_{SUFFIX}"
CONTRACT_TYPE = "合同履约信息"  # contract_performance, as the catalog names it


@pytest.fixture(scope="module")
def institution_ready(live_server: LiveServer) -> None:
    """A registered institution on the platform, responsible for contract performance,
    with a data reporter: as the administrator, the credit authority and ``xinyong sources
    grant`` would set it up."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        organisation = accounts.create_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            code=CODE,
            name=NAME,
            kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        )
        register.register(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=CODE,
            name=NAME,
            filing_number=f"闽信用备〔2026〕E2E-{SUFFIX}号",
            filing_date=dt.date(2026, 3, 2),
            business_scope="企业信用评价、信用管理咨询",
            services=["信用评价报告", "信用管理咨询"],
        )
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, "contract_performance")
        accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR,
            username=CLERK,
            display_name="守正信用信息报送员",
            password=DEMO_PASSWORD,
            role=Role.DATA_REPORTER,
            organisation=organisation,
        )


def test_a_consent_names_a_filed_service_and_a_suspended_institution_does_nothing(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    institution_ready: None,
) -> None:
    log_in(page, "citizen")
    page.goto("/me/consents")
    page.get_by_label(zh("Organisation that may collect")).select_option(label=NAME)
    page.get_by_label(CONTRACT_TYPE, exact=True).check()
    page.get_by_label(zh("Service the institution provides you")).fill("个人信用修复代办")
    page.locator("#service_not_conditional").check()
    page.get_by_role("button", name=zh("Give consent")).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "service_not_filed")
    expect(page.get_by_label(zh("Service the institution provides you"))).to_have_value(
        "个人信用修复代办"
    )
    # The form offers what the register lists for each institution.
    expect(page.locator('#filed-services option[value="信用评价报告"]').first).to_be_attached()
    page.get_by_label(zh("Service the institution provides you")).fill("信用评价报告")
    page.get_by_role("button", name=zh("Give consent")).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Consent recorded."))
    mine = page.get_by_role("table", name=zh("Your consents"))
    expect(mine.get_by_role("row").filter(has_text=NAME)).to_contain_text("信用评价报告")
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "authority")
    page.goto("/admin/institutions")
    row = page.locator(f'tr[data-institution="{CODE}"]')
    row.get_by_label(zh("New status")).select_option(label=zh("Suspended"))
    row.get_by_label(zh("Reason")).fill("未按期报送年度报告")
    row.get_by_role("button", name=zh("Record the status")).click()
    expect(page.get_by_role("status").first).to_contain_text(zh("Status recorded."))
    expect(page.locator(f'tr[data-institution="{CODE}"] td[data-status]')).to_have_attribute(
        "data-status", "suspended"
    )
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, CLERK)
    banner = page.locator(".outside-register")
    expect(banner).to_have_attribute("data-code", "institution_suspended")
    nav = page.get_by_role("navigation", name=zh("Main"))
    expect(nav.get_by_role("link", name=zh("Submit records"))).to_have_count(0)
    expect(nav.get_by_role("link", name=zh("Record a consent"))).to_have_count(0)
    page.goto("/batches/upload")
    refused = page.get_by_role("alert")
    expect(refused.locator("[data-code]").first).to_have_attribute(
        "data-code", "institution_suspended"
    )
    expect(refused).to_contain_text("403")
