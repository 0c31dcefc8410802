"""Journey of a district's credit authority in its own area (Art. 6; decision 0046): 福清市's
officer (`fuqing`) sees the timeliness of 福清市's sources only, none of the city's repair
cases in its queue, is refused — with the article — the city regulator's repair case it
opens by its address, and is offered no link to the lists only the city keeps."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.repair.models import RepairCase

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CITY_REGULATOR = ("113501000036441868", "福州市市场监督管理局")
FUQING_REGULATOR = (demo.FUQING_REGULATOR, "福清市市场监督管理局")


def _city_repair_case(live_server: LiveServer) -> int:
    """A demo repair case whose record the city's market regulator supplied."""
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        regulator = accounts.organisation_by_code(session, CITY_REGULATOR[0])
        found = session.scalar(
            select(RepairCase.id)
            .where(RepairCase.source_organisation_id == regulator.id)
            .order_by(RepairCase.id)
            .limit(1)
        )
    assert found is not None, "the demo has a repair case of the city's regulator"
    return found


def test_a_district_officer_sees_its_own_district_and_is_refused_the_citys_case(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    live_server: LiveServer,
) -> None:
    case_id = _city_repair_case(live_server)
    log_in(page, "fuqing")
    menu = page.get_by_role("navigation", name=zh("Main"))
    # Only the city keeps the measure list and the register of institutions.
    expect(menu.get_by_role("link", name=zh("Manage measures"))).to_have_count(0)
    expect(
        menu.get_by_role("link", name=zh("Register of credit service institutions"))
    ).to_have_count(0)

    menu.get_by_role("link", name=zh("Timeliness"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Timeliness of submissions"))
    rows = page.locator("table.timeliness tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator(f'tr[data-organisation="{FUQING_REGULATOR[0]}"] th')).to_have_text(
        FUQING_REGULATOR[1]
    )
    expect(page.locator(f'tr[data-organisation="{CITY_REGULATOR[0]}"]')).to_have_count(0)

    # The repair queue holds none of the city's cases.
    menu.get_by_role("link", name=zh("Credit repair cases")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Credit repair cases"))
    expect(page.locator(f'a[href="/repair-cases/{case_id}"]')).to_have_count(0)

    # Opened by its address, the city regulator's case is refused, with the article.
    response = page.goto(f"/repair-cases/{case_id}")
    assert response is not None
    assert response.status == 403
    alert = page.get_by_role("alert")
    expect(alert.locator(".error-message")).to_have_attribute(
        "data-code", "outside_own_jurisdiction"
    )
    # What is another area's, said in the page's language.
    expect(alert).to_contain_text(
        zh(
            "a district's credit authority acts in its own administrative area only: "
            "%(what)s is another area's"
        )
        % {"what": zh("the case's implementing body")}
    )
    expect(alert).to_contain_text("第六条")


def test_the_city_officer_sees_every_source_the_district_included(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "authority")
    page.goto("/supervision/timeliness")
    for code, _name in (CITY_REGULATOR, FUQING_REGULATOR):
        expect(page.locator(f'tr[data-organisation="{code}"]')).to_have_count(1)


def revoke(zh: Callable[[str], str], organisation: str) -> re.Pattern[str]:
    """A revoke button's accessible name: revoke (any record type) from the organisation."""
    pattern = re.escape(zh("Revoke %(type)s from %(organisation)s"))
    pattern = pattern.replace(re.escape("%(type)s"), ".+")
    return re.compile(pattern.replace(re.escape("%(organisation)s"), re.escape(organisation)))


def test_a_district_officer_is_offered_only_what_it_may_do_in_its_own_district(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    """On the responsibility list (read city-wide) 福清市's officer may revoke and grant only
    for 福清市's organisations; on the typical cases page it is offered only its district's
    list entries and no write-up of practice, which is the city's (decision 0046)."""
    log_in(page, "fuqing")
    menu = page.get_by_role("navigation", name=zh("Main"))
    menu.get_by_role("link", name=zh("Responsibility list")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Responsibility list"))
    city_line = page.locator(f'tr[data-org="{CITY_REGULATOR[0]}"]')
    expect(city_line).to_have_count(1)
    expect(city_line.get_by_role("button", name=revoke(zh, CITY_REGULATOR[1]))).to_have_count(0)
    own_line = page.locator(f'tr[data-org="{FUQING_REGULATOR[0]}"]')
    expect(own_line.get_by_role("button", name=revoke(zh, FUQING_REGULATOR[1]))).to_have_count(1)
    organisation = page.get_by_label(zh("Organisation"), exact=True)
    expect(organisation.locator(f'option[value="{CITY_REGULATOR[0]}"]')).to_have_count(0)
    expect(organisation.locator(f'option[value="{FUQING_REGULATOR[0]}"]')).to_have_count(1)

    menu.get_by_role("link", name=zh("Typical cases")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Typical cases"))
    kind = page.get_by_label(zh("Kind of case"))
    expect(kind.locator('option[value="joint_practice"]')).to_have_count(0)
    expect(kind.locator('option[value="serious_dishonesty"]')).to_have_count(1)
    # The demo's list entries are the city's agencies': none is offered to the district.
    entries = page.locator("#list_entry_id option:not([value=''])")
    expect(entries).to_have_count(0)


def test_the_city_officer_is_offered_every_organisation_and_the_write_up_of_practice(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "authority")
    page.goto("/admin/sources")
    for code, name in (CITY_REGULATOR, FUQING_REGULATOR):
        line = page.locator(f'tr[data-org="{code}"]')
        expect(line.get_by_role("button", name=revoke(zh, name)).first).to_be_visible()
    page.goto("/admin/typical-cases")
    expect(
        page.get_by_label(zh("Kind of case")).locator('option[value="joint_practice"]')
    ).to_have_count(1)
