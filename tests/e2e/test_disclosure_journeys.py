"""Journeys: a citizen opens "my credit" and downloads a credit report; a citizen grants a
written authorisation, sees it listed and revokes it; a query officer queries a company
with a published query item and its matter, then downloads the report."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import query_assignments, query_items
from xinyong.errors import NotFound

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局: the demo querier's organisation
BANK = "福州海峡商业银行股份有限公司"
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")
CONTRACT_PERFORMANCE = "合同履约信息"
ITEM = "E2E-MSA-LICENSING"
MATTER = "食品经营许可审查"
MATTER_CODE = "SPJY-01"
# The server's first PDF loads WeasyPrint and the CJK font: slower than a page.
PDF_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def disclosure_ready(live_server: LiveServer) -> None:
    """The demo data has neither the catalog (``xinyong init`` loads it, ``demo.seed`` does
    not) nor a published query item: set both up in the server's database, as the credit
    authority would on /admin/query-items, and the item assigned to the querier."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        try:
            query_items.by_code(session, ITEM)
        except NotFound:
            query_items.create(
                session,
                clock,
                SYSTEM_ACTOR,
                code=ITEM,
                organisation=accounts.organisation_by_code(session, REGULATOR),
                matter=MATTER,
                matter_code=MATTER_CODE,
                record_type_codes=["administrative_penalty", "administrative_license"],
                legal_basis="《食品经营许可和备案管理办法》第十条",
            )
            query_items.publish(session, clock, SYSTEM_ACTOR, ITEM)
            # The demo's security officer assigns it to the demo's querier (Art. 12(2)).
            security = accounts.actor_for_user(accounts.user_by_username(session, "security"))
            query_assignments.grant(session, clock, security, username="querier", query_item=ITEM)


def _save(download_path: str | None) -> bytes:
    assert download_path, "the download did not complete"
    return Path(download_path).read_bytes()


def test_a_citizen_opens_my_credit_and_downloads_a_report(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
) -> None:
    log_in(page, "citizen")
    page.goto("/me/credit")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My credit file"))
    expect(page.get_by_role("heading", name=zh("Credit report"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=zh("Who looked at my file"))).to_be_visible()

    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download:
        page.get_by_role("button", name=zh("Download the credit report (PDF)")).click(
            no_wait_after=True
        )
    assert download.value.suggested_filename.startswith("credit-report-XY")
    assert _save(download.value.path()).startswith(b"%PDF")

    # The HTML report opens in the page, with its number and verification code.
    page.get_by_role("button", name=zh("Open the credit report (HTML)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    expect(page.get_by_text("本人查询")).to_be_visible()

    # Both reports are in "who looked at my file", on the self path: the citizen's own
    # reads are shown on request, so that other organisations' reads stay in sight.
    page.goto("/me/access-log")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Who looked at my file"))
    page.get_by_role("link", name=zh("Show them too")).click()
    reads = page.get_by_role("table", name=zh("Reads of my credit file"))
    expect(reads.get_by_role("row").filter(has_text=zh("Credit report")).first).to_be_visible()


def test_a_citizen_grants_an_authorisation_and_revokes_it(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
    live_server: LiveServer,
) -> None:
    purpose = f"贷款审批 {secrets.token_hex(3)}"  # this run's row, on a server that persists
    until = (live_server.clock.today() + dt.timedelta(days=180)).isoformat()
    log_in(page, "citizen")
    page.goto("/me/authorisations")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My written authorisations"))
    expect(page.get_by_role("link", name=zh("My consents to collection"))).to_be_visible()

    page.get_by_label(zh("Organisation that may query")).select_option(label=BANK)
    page.get_by_label(CONTRACT_PERFORMANCE, exact=True).check()
    page.get_by_label(zh("Purpose"), exact=True).fill(purpose)
    page.get_by_label(zh("Valid until"), exact=True).fill(until)
    expect(page.get_by_label(zh("Sign in this page"))).to_be_checked()
    page.get_by_label(zh("I have read the authorisation text above and sign it")).check()
    page.get_by_label(zh("Your full name, as your signature")).fill("王某某")
    page.get_by_role("main").get_by_role("button", name=zh("Authorise"), exact=True).click()

    expect(page.get_by_role("status").first).to_have_text(zh("Authorisation recorded."))
    table = page.get_by_role("table", name=zh("Your authorisations"))
    row = table.get_by_role("row").filter(has_text=purpose)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(BANK)
    expect(row).to_contain_text(CONTRACT_PERFORMANCE)
    expect(row).to_have_attribute("data-state", "active")

    row.get_by_role(
        "button", name=zh("Revoke the authorisation of %(organisation)s") % {"organisation": BANK}
    ).click()
    expect(page.get_by_role("status").first).to_have_text(
        zh("Authorisation revoked: the organisation's next query is refused.")
    )
    row = page.get_by_role("table", name=zh("Your authorisations")).get_by_role("row")
    row = row.filter(has_text=purpose)
    expect(row).to_have_attribute("data-state", "revoked")
    expect(row.get_by_role("button", name=zh("Revoke"))).to_have_count(0)


def test_a_querier_uses_a_published_query_item(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
) -> None:
    code, name = COMPANY
    # The item is on the public page first.
    page.goto("/query-items")
    expect(page.get_by_role("table", name=zh("Published query items"))).to_contain_text(ITEM)

    log_in(page, "querier")
    page.goto("/query")
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Query a credit file"))
    # No subject can be entered before the legal path is chosen.
    expect(page.get_by_role("textbox", name=zh("Unified social credit code"))).to_have_count(0)
    page.get_by_label(zh("A published query item of my organisation")).check()
    page.get_by_label(zh("Query item"), exact=True).select_option(ITEM)
    page.get_by_label(zh("Administrative matter of this query")).select_option(MATTER_CODE)
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()

    expect(page.get_by_role("heading", name=zh("Step 2: the subject"))).to_be_visible()
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()

    result = page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    expect(result).to_be_visible()
    expect(result).to_contain_text(ITEM)
    expect(result).to_contain_text(MATTER)
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download:
        result.get_by_role("button", name=zh("Download the credit report (PDF)")).click(
            no_wait_after=True
        )
    assert _save(download.value.path()).startswith(b"%PDF")


def test_the_bank_is_refused_beside_the_query_form(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
) -> None:
    """Without the company's written authorisation the bank's query is refused on the query
    page itself: the refusal with its code and article beside the form, the code typed still
    there to correct or to try the credit status, which is refused the same way."""
    code, _name = COMPANY
    log_in(page, "analyst")
    page.goto("/query")
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Query a credit file"))
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "no_lawful_path")
    expect(alert).to_contain_text("第十三条第三款")
    expect(page.get_by_role("textbox", name=zh("Unified social credit code"))).to_have_value(code)

    page.goto("/query/credit-status")
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("button", name=zh("Read the credit status")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Credit status for risk pricing"))
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "no_lawful_path")
    expect(page.get_by_role("textbox", name=zh("Unified social credit code"))).to_have_value(code)


def test_a_querier_names_the_matter_among_the_lawful_ones_or_states_it(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
) -> None:
    """The matter is a choice of the lawful matters; one that is not the item's is refused
    beside the form (Art. 13 ¶2); a matter not in the list is stated under "other"."""
    code, name = COMPANY
    log_in(page, "querier")
    page.goto("/query")
    page.get_by_label(zh("A published query item of my organisation")).check()
    page.get_by_label(zh("Query item"), exact=True).select_option(ITEM)
    matter = page.get_by_label(zh("Administrative matter of this query"))
    matter.select_option("appointment")  # a lawful matter, but not the item's
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "matter_mismatch")
    expect(alert).to_contain_text("第十三条第二款")
    expect(page.get_by_role("textbox", name=zh("Unified social credit code"))).to_have_value(code)

    page.goto("/query")
    page.get_by_label(zh("Query item"), exact=True).select_option(ITEM)
    matter.select_option("other")
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    # "Other" needs the matter stated.
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "required")
    page.get_by_label(zh("Another administrative matter, stated")).fill(MATTER)
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    expect(page.get_by_role("heading", name=zh("Step 2: the subject"))).to_be_visible()
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()
    result = page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    expect(result).to_contain_text(MATTER)


def test_the_credit_authority_states_the_statutory_exception_of_a_query_item(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
) -> None:
    """An item naming a record type that is not public is refused without the law or
    administrative regulation making the exception (Art. 13 ¶3); stated on the form, the
    item is created, published, and the public list shows the exception."""
    code = f"E2E-COURT-{secrets.token_hex(3).upper()}"  # the server's database outlives a test
    log_in(page, "authority")
    page.goto("/admin/query-items")
    form = page.get_by_role("form", name=zh("Create a query item"))
    form.get_by_label(zh("Code of the query item")).fill(code)
    form.get_by_label(zh("Agency")).select_option(label="福州市市场监督管理局")
    form.get_by_label(zh("Administrative matter"), exact=True).fill("合同纠纷执行协助")
    form.get_by_label(zh("Code of the administrative matter")).fill(f"{code}-M")
    form.get_by_role("checkbox", name=CONTRACT_PERFORMANCE).check()
    form.get_by_label(zh("Legal basis")).fill("《福州市社会信用管理办法》第十三条第二款")
    form.get_by_role("button", name=zh("Create")).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute(
        "data-code", "no_statutory_exception"
    )
    expect(alert).to_contain_text("第十三条第三款")
    expect(form.get_by_role("checkbox", name=CONTRACT_PERFORMANCE)).to_be_checked()

    form.get_by_label(zh("Rank of the statute")).select_option(label=zh("Law"))
    form.get_by_label(zh("Title of the law or administrative regulation")).fill(
        "《中华人民共和国民事诉讼法》"
    )
    form.get_by_label(zh("Its article")).fill("第二百五十三条")
    form.get_by_role("button", name=zh("Create")).click()
    created = zh("Query item created. Publish it to make it usable.")
    expect(page.get_by_role("status").filter(has_text=created)).to_be_visible()
    page.get_by_role("button", name=zh("Publish query item %(code)s") % {"code": code}).click()
    published = zh("Query item published.")
    expect(page.get_by_role("status").filter(has_text=published)).to_be_visible()

    page.goto("/query-items")
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("《中华人民共和国民事诉讼法》 第二百五十三条")
    expect(row).to_contain_text(zh("Law"))
