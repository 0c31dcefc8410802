"""Journey of Art. 33 ¶2: the credit authority's officer records a follow-up against the
market regulator from the supervision page (the reasons may not name a person by ID number,
since the regulator reads them: Art. 4 ¶2); the regulator's security officer finds it on
the page of follow-ups against his organisation, named as the credit authority's decision,
not the officer's; the regulator's query officer has no such page."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = ("113501000036441868", "福州市市场监督管理局")  # the demo's, where `security` works
AUTHORITY = "福州市发展和改革委员会（社会信用主管部门）"  # the demo's credit authority
OFFICER = "信用主管部门工作人员"  # the demo officer `authority`
CITIZEN_ID = "350102199403157723"  # the demo citizen's ID number


def test_the_authority_records_a_follow_up_and_the_organisation_reads_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reason = f"查询员多次在非工作时间查询同一自然人，责令改正并报送整改情况（E2E-{secrets.token_hex(3)}）"
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Supervision of use")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Supervision of use"))
    form = page.get_by_role("form", name=zh("Record a follow-up against any organisation"))
    form.get_by_label(zh("Organisation"), exact=True).select_option(REGULATOR[0])
    form.get_by_label(zh("Follow-up (Art. 33 ¶2)")).select_option("order_correction")
    # First attempt: the reasons name the person read by his ID number.
    named = f"{reason}，涉及身份证号码{CITIZEN_ID}"
    form.get_by_label(zh("Reasons")).fill(named)
    form.get_by_role("button", name=zh("Record the follow-up")).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("citizen_id_in_text")
    expect(alert).to_contain_text("第四条第二款")
    # Nothing recorded, and what was typed is still there to correct.
    expect(page.locator("table.follow-ups tr", has_text=reason)).to_have_count(0)
    form = page.get_by_role("form", name=zh("Record a follow-up against any organisation"))
    expect(form.get_by_label(zh("Organisation"), exact=True)).to_have_value(REGULATOR[0])
    expect(form.get_by_label(zh("Follow-up (Art. 33 ¶2)"))).to_have_value("order_correction")
    expect(form.get_by_label(zh("Reasons"))).to_have_value(named)

    form.get_by_label(zh("Reasons")).fill(reason)
    form.get_by_role("button", name=zh("Record the follow-up")).click()
    expect(page.get_by_role("status").filter(has_text=zh("Follow-up recorded."))).to_be_visible()
    recorded = page.locator("table.follow-ups tr", has_text=reason)
    expect(recorded).to_have_attribute("data-organisation", REGULATOR[0])
    expect(recorded).to_have_attribute("data-kind", "order_correction")
    expect(recorded).to_contain_text(REGULATOR[1])
    expect(recorded).to_contain_text(zh("Order to correct (责令改正)"))
    # The credit authority reads which of its officers decided.
    expect(recorded).to_contain_text(OFFICER)
    follow_up = recorded.get_attribute("data-follow-up")
    page.get_by_role("button", name=zh("Log out")).click()

    # The regulator's security officer reads it, as the credit authority's decision.
    log_in(page, "security")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Follow-ups against your organisation")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        zh("Follow-ups against your organisation")
    )
    received = page.locator(f"table.follow-ups tr[data-follow-up='{follow_up}']")
    expect(received).to_contain_text(reason)
    expect(received).to_contain_text(zh("Order to correct (责令改正)"))
    expect(received).to_contain_text(AUTHORITY)
    expect(received).not_to_contain_text(OFFICER)
    page.get_by_role("button", name=zh("Log out")).click()

    # Who queries for the regulator does not read them: its security officer answers for
    # its information security (Art. 12(1)).
    log_in(page, "querier")
    expect(
        page.get_by_role("navigation", name=zh("Main")).get_by_role(
            "link", name=zh("Follow-ups against your organisation")
        )
    ).to_have_count(0)
    response = page.goto("/organisation/follow-ups")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_text(reason)).to_have_count(0)
