"""Journey: the citizen gives the bank a third written authorisation, for another purpose;
the bank's analyst queries the citizen by ID number on the authorisation path, is asked which
authorisation the query is for (the form again, the authorisations in force with their
purposes and scopes, the ID number not typed back), chooses the new one, reads the file and
opens the report issued on it; the citizen sees both reads under that purpose alone, and
revokes it (Art. 13 ¶3, Art. 24; decision 0007, session 18 addendum)."""
# The fixture is imported by name and then received as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

# The server's set-up (the catalog), as for the other disclosure journeys.
from tests.e2e.test_disclosure_journeys import (  # noqa: F401
    BANK,
    CONTRACT_PERFORMANCE,
    disclosure_ready,
)
from xinyong import demo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_the_bank_chooses_the_authorisation_its_query_is_for(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    disclosure_ready: None,
    live_server: LiveServer,
) -> None:
    name, citizen_id = demo.DEMO_PERSON
    purpose = f"信用卡审批 {secrets.token_hex(3)}"  # this run's row, on a server that persists
    until = (live_server.clock.today() + dt.timedelta(days=60)).isoformat()
    log_in(page, "citizen")
    page.goto("/me/authorisations")
    page.get_by_label(zh("Organisation that may query")).select_option(label=BANK)
    page.get_by_label(CONTRACT_PERFORMANCE, exact=True).check()
    page.get_by_label(zh("Purpose"), exact=True).fill(purpose)
    page.get_by_label(zh("Valid until"), exact=True).fill(until)
    page.get_by_label(zh("I have read the authorisation text above and sign it")).check()
    page.get_by_label(zh("Your full name, as your signature")).fill(name)
    page.get_by_role("main").get_by_role("button", name=zh("Authorise"), exact=True).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Authorisation recorded."))
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "analyst")
    page.goto("/query")
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    page.get_by_label(zh("A natural person, by citizen ID number")).check()
    page.get_by_label(zh("Citizen ID number"), exact=True).fill(citizen_id)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()

    # Three authorisations in force (the demo's two, for the housing loan and for the credit
    # card's pricing, and this one): which?
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute(
        "data-code", "authorisation_required"
    )
    expect(alert).to_contain_text("第十三条第三款")
    choice = page.get_by_role("group", name=zh("Written authorisation this query is for"))
    expect(choice.get_by_label(demo.HOUSING_LOAN_PURPOSE, exact=False)).to_be_visible()
    expect(choice.get_by_label(demo.CREDIT_CARD_PURPOSE, exact=False)).to_be_visible()
    # Each with its purpose and scope.
    offered = choice.locator("[data-authorisation]").filter(has_text=purpose)
    expect(offered).to_contain_text(CONTRACT_PERFORMANCE)
    chosen = choice.get_by_label(re.compile(re.escape(purpose)))
    # The ID number is not typed back: the person found is carried by the form.
    expect(page.get_by_label(zh("Citizen ID number"), exact=True)).to_have_value("")
    expect(page.locator("body")).not_to_contain_text(citizen_id)
    chosen.check()
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()

    result = page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    expect(result).to_have_attribute("data-legal-path", "authorisation")
    expect(result).to_contain_text(purpose)
    result.get_by_role("button", name=zh("Open the credit report (HTML)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("信用报告")
    expect(page.locator("[data-purpose]")).to_have_text(purpose)
    page.goto("/query")
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/access-log")
    reads = page.get_by_role("table", name=zh("Reads of my credit file"))
    mine = reads.get_by_role("row").filter(has_text=purpose)
    expect(mine).to_have_count(2)  # the file, and the report issued on it
    expect(mine.filter(has_text=BANK)).to_have_count(2)

    # Revoked, so that the bank's other journeys find the demo's two authorisations again.
    page.goto("/me/authorisations")
    row = page.get_by_role("table", name=zh("Your authorisations")).get_by_role("row")
    row.filter(has_text=purpose).get_by_role(
        "button", name=zh("Revoke the authorisation of %(organisation)s") % {"organisation": BANK}
    ).click()
    expect(page.get_by_role("status").first).to_have_text(
        zh("Authorisation revoked: the organisation's next query is refused.")
    )
