"""Journey of the decision 0034 addendum for the credit authority: the shipped lists rule
pack changed the text of a measure the city has published; the published measure stays as
it is until the authority, finding the draft from the measure catalog, reviews what the
pack changed and publishes the new text anew."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.lists_rule_pack_helpers import EARLIER_MEANS, load_earlier, shipped
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.lists import rule_packs

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _last_measure() -> str:
    # The pack's last measure: no other journey reads its text.
    pack = rule_packs.ListRulePack.read()
    return [d["code"] for p, d in pack.parts if p == "measure"][-1]


@pytest.fixture(scope="module")
def measure_draft(live_server: LiveServer) -> str:
    """In the server's database: the measure's text as an earlier pack gave it. Returns
    the measure's code."""
    code = _last_measure()
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        load_earlier(session, live_server.clock, "measure", code, means=EARLIER_MEANS)
    return code


def test_the_authority_publishes_the_new_text_of_a_published_measure(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], measure_draft: str
) -> None:
    note = f"公布规则包的新文本（E2E-{secrets.token_hex(3)}）"
    log_in(page, "authority")
    page.goto("/admin/measures")
    page.locator("[data-pack-pending] a").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        zh("Changes of the shipped lists rule pack")
    )
    row = page.locator(f'tr[data-code="{measure_draft}"]')
    expect(row).to_contain_text(zh("A published measure: the new text waits for publication"))
    row.get_by_role(
        "link", name=zh("Review the changes of %(code)s") % {"code": measure_draft}
    ).click()

    change = page.locator('tr[data-path="means"]')
    expect(change).to_contain_text(EARLIER_MEANS)
    expect(change).to_contain_text(shipped("measure", measure_draft)["means"])
    page.get_by_label(zh("Publish the shipped text anew")).check()
    page.get_by_label(zh("Reason")).fill(note)
    page.get_by_role("button", name=zh("Answer")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh("The shipped definition is the city's now.")
    )
    expect(page.locator(f'tr[data-code="{measure_draft}"]')).to_have_count(0)

    page.goto("/measures")
    expect(page.get_by_text(shipped("measure", measure_draft)["means"]).first).to_be_visible()
