"""Journey (Art. 12(2); decision 0035): the regulator's security officer assigns a published
query item to the query officer; the query officer sees it among his query items and
queries by it; a query by an item of the regulator not assigned to him is refused beside
the form, with its code and article."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import query_items
from xinyong.disclosure.models import QueryItemAssignment

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局: the demo querier's organisation
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")


@pytest.fixture
def two_items(live_server: LiveServer) -> tuple[str, str]:
    """Two published items of the regulator that nobody holds (this run's codes: the
    server's database outlives a test), as the credit authority would publish them."""
    clock = live_server.clock
    run = secrets.token_hex(3).upper()
    codes = (f"E2E-ASSIGN-{run}", f"E2E-OTHER-{run}")
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        for n, code in enumerate(codes):
            query_items.create(
                session,
                clock,
                SYSTEM_ACTOR,
                code=code,
                organisation=accounts.organisation_by_code(session, REGULATOR),
                matter=f"食品经营许可审查{n}",
                matter_code=f"E2E-M-{run}-{n}",
                record_type_codes=["administrative_penalty"],
                legal_basis="《食品经营许可和备案管理办法》第十条",
            )
            query_items.publish(session, clock, SYSTEM_ACTOR, code)
    return codes


def test_the_security_officer_assigns_an_item_and_the_querier_queries_by_it_only(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    two_items: tuple[str, str],
) -> None:
    assigned, other = two_items
    code, name = COMPANY

    log_in(page, "security")
    page.get_by_role("link", name=zh("Staff query permissions")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Staff query permissions"))
    form = page.get_by_role("form", name=zh("Assign a query item"))
    form.get_by_label(zh("Staff member")).select_option("querier")
    form.get_by_label(zh("Query item")).select_option(assigned)
    form.get_by_role("button", name=zh("Assign")).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Query item assigned."))
    staff = page.get_by_role("table", name=zh("Staff who query and their query items"))
    row = staff.locator('tr[data-staff="querier"]')
    expect(row).to_contain_text(assigned)
    expect(row).not_to_contain_text(other)

    log_in(page, "querier")
    page.goto("/query")
    mine = page.get_by_role("table", name=zh("My query items"))
    expect(mine).to_contain_text(assigned)
    expect(mine).not_to_contain_text(other)
    page.get_by_label(zh("A published query item of my organisation")).check()
    page.get_by_label(zh("Query item"), exact=True).select_option(assigned)
    page.get_by_label(zh("Administrative matter of this query")).select_option(
        assigned.replace("E2E-ASSIGN-", "E2E-M-") + "-0"
    )
    page.get_by_role("main").get_by_role("button", name=zh("Continue")).click()
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()
    result = page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    expect(result).to_contain_text(assigned)

    # The other item is not offered; named in the address, with its own matter, it is
    # refused beside the form.
    page.goto("/query")
    expect(
        page.get_by_label(zh("Query item"), exact=True).locator(f'option[value="{other}"]')
    ).to_have_count(0)
    other_matter = other.replace("E2E-OTHER-", "E2E-M-") + "-1"
    page.goto(f"/query?path=item&item={other}&matter={other_matter}")
    page.get_by_role("textbox", name=zh("Unified social credit code")).fill(code)
    page.get_by_role("main").get_by_role("button", name=zh("Query"), exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute(
        "data-code", "not_assigned_query_item"
    )
    expect(alert).to_contain_text("第十二条")
    expect(
        page.get_by_role("region", name=zh("Credit file of %(name)s") % {"name": name})
    ).to_have_count(0)


@pytest.fixture
def carried_over_key(live_server: LiveServer, two_items: tuple[str, str]) -> tuple[str, str]:
    """A system of the regulator whose key queried by every item before assignments began,
    holding the first item as migration 0042 left it (no granting officer): its name and
    the item."""
    clock = live_server.clock
    held, _other = two_items
    name = f"审批系统{held[-6:]}"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        key = api_keys.create_api_key(
            session,
            clock,
            SYSTEM_ACTOR,
            organisation=accounts.organisation_by_code(session, REGULATOR),
            role=Role.QUERY_OFFICER,
            name=name,
        )
        api_keys.release_api_key(session, clock, SYSTEM_ACTOR, key.id)
        session.add(
            QueryItemAssignment(
                query_item_id=query_items.by_code(session, held).id,
                api_key_id=key.id,
                granted_at=clock.now(),
            )
        )
    return name, held


def test_the_security_officer_withdraws_an_item_carried_over_to_a_system(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    carried_over_key: tuple[str, str],
) -> None:
    """Journey (decision 0035, addendum): the security officer reviews what a system holds
    since the upgrade and withdraws it; it moves to the withdrawn assignments."""
    name, held = carried_over_key

    log_in(page, "security")
    page.get_by_role("link", name=zh("Staff query permissions")).click()
    systems = page.get_by_role("table", name=zh("Systems (API keys) holding query items"))
    row = systems.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text(held)
    row.get_by_role(
        "button", name=zh("Withdraw %(item)s from %(name)s") % {"item": held, "name": name}
    ).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Assignment withdrawn."))
    expect(
        page.get_by_role("table", name=zh("Systems (API keys) holding query items"))
        .get_by_role("row")
        .filter(has_text=name)
    ).to_have_count(0)
    withdrawn = page.get_by_role("table", name=zh("Withdrawn assignments"))
    expect(withdrawn.get_by_role("row").filter(has_text=name)).to_contain_text(held)
