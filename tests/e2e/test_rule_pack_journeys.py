"""Journey of decision 0034 for the credit authority: a record type it revised has also
been changed by the shipped rule pack; it finds the conflict from the catalog, reviews what
the pack changed against its own rule, and saves the proposal as its answer, which the
record type's history then shows."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.rule_pack_helpers import PACK, current_definition
from xinyong.accounts import service as accounts
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.db.session import make_session_factory, unit_of_work

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REWARD = "administrative_reward"  # no other journey and no demo activity uses it
OWN_NAME = "Administrative reward (Fuzhou)"


@pytest.fixture(scope="module")
def pack_conflict(live_server: LiveServer) -> str:
    """In the server's database: the reward type as an earlier pack gave it (another legal
    basis), and renamed in English by the credit authority since; the shipped pack's legal
    basis is the change the authority never touched. Returns the shipped legal basis."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        shipped = current_definition(session, REWARD)
        earlier = {**shipped, "legal_basis": "《福州市社会信用管理办法》第九条（旧版）"}
        rule_packs.apply(session, clock, rule_packs.RulePack.of(PACK, [earlier]))
        authority = accounts.actor_for_user(accounts.user_by_username(session, "authority"))
        catalog.revise_record_type(
            session,
            clock,
            authority,
            REWARD,
            {**current_definition(session, REWARD), "name_en": OWN_NAME},
            note="英文名称修订",
        )
    return str(shipped["legal_basis"])


def test_the_authority_answers_a_conflict_with_the_shipped_rule_pack(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], pack_conflict: str
) -> None:
    note = f"采纳规则包的法律依据（E2E-{secrets.token_hex(3)}）"
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Information catalog")
    ).click()
    page.get_by_role("link", name=zh("Changes of the shipped rule pack")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        zh("Changes of the shipped rule pack")
    )
    row = page.locator(f'tr[data-code="{REWARD}"]')
    expect(row).to_contain_text(zh("In conflict with the authority's revision"))
    expect(row).to_contain_text("legal_basis")
    row.get_by_role("link", name=zh("Review the changes of %(code)s") % {"code": REWARD}).click()

    # The pack's change, beside the authority's rule: the proposal takes it in.
    change = page.locator('tr[data-path="legal_basis"]')
    expect(change).to_contain_text(pack_conflict)
    expect(change).to_contain_text(zh("Taken in: the city never changed it"))
    editor = page.get_by_label(zh("Definition (JSON)"))
    expect(editor).to_have_value(re.compile(re.escape(pack_conflict)))
    expect(editor).to_have_value(re.compile(re.escape(OWN_NAME)))

    page.get_by_label(zh("Reason for the change")).fill(note)
    page.get_by_role("button", name=zh("Save as the city's rule")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh(
            "New version saved: it answers the shipped rule pack's changes, and governs the "
            "records submitted from now on."
        )
    )
    version = page.locator("table.history tr", has_text=note)
    expect(version).to_contain_text(zh("answers the rule pack %(pack)s") % {"pack": PACK})
    expect(version).to_contain_text("信用主管部门工作人员")  # the officer who answered
    expect(page.locator(".legal-basis")).to_have_text(pack_conflict)

    page.goto("/admin/catalog/rule-pack")
    expect(page.locator(f'tr[data-code="{REWARD}"]')).to_have_count(0)
