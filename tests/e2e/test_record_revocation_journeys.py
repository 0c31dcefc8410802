"""Journey on the source's record page (decision 0028): the market regulator's data
reporter finds a penalty it submitted by its decision number and revokes it, the decision
having been annulled by a court; the company sees the revocation, its source and reason in
its credit file's history (Art. 24). The annulling judgment is then set aside on appeal:
the reporter reinstates the record, and the public page shows it again (decision 0028,
addendum)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_record_objection_journeys import COMPANY, _penalty

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_source_finds_and_revokes_its_record_company_sees_why(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    number = f"榕市监处罚〔2026〕R{secrets.token_hex(3)}号"
    record_id = _penalty(live_server, number)
    annulment = "（2026）闽0102行初12号"

    public = page.locator(f"li.record[data-record='{record_id}']")
    page.goto(f"/subjects/{COMPANY[0]}")
    expect(public).to_have_count(1)

    log_in(page, "reporter")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Our records")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Our records"))
    page.get_by_label(zh("Decision number")).fill(number)
    page.get_by_role("button", name=zh("Find"), exact=True).click()
    title = zh("Record no. %(number)s") % {"number": record_id}
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_label(zh("Annulled by a court")).check()
    page.get_by_label(zh("Number of the annulling or withdrawing decision")).fill(annulment)
    page.get_by_label(zh("Reason"), exact=True).fill("人民法院判决撤销原行政处罚决定。")
    page.get_by_role("button", name=zh("Revoke the record"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh(
            "The record is revoked: it is no longer public, shared or used, and the subject "
            "sees the revocation and its reason in its file's history (Art. 24)."
        )
    )
    expect(page.locator("#record dd[data-status]")).to_have_text(zh("Revoked by its source"))
    expect(page.get_by_role("button", name=zh("Revoke the record"), exact=True)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "company")
    page.goto("/me")
    page.get_by_role("link", name=zh("My credit file")).first.click()
    record = page.locator(f"li.record[data-record='{record_id}']")
    expect(record).to_contain_text(
        zh("Revoked by its source: %(ground)s") % {"ground": zh("Annulled by a court")}
    )
    expect(record).to_contain_text(annulment)
    expect(record).to_contain_text("人民法院判决撤销原行政处罚决定。")
    page.get_by_role("button", name=zh("Log out")).click()
    page.goto(f"/subjects/{COMPANY[0]}")
    expect(public).to_have_count(0)

    # The judgment annulling the penalty is set aside on appeal: the reporter reinstates it.
    log_in(page, "reporter")
    page.goto(f"/records/{record_id}")
    expect(page.get_by_role("heading", level=2, name=zh("Reinstate this record"))).to_be_visible()
    page.get_by_label(zh("The annulling decision was set aside")).check()
    page.get_by_label(
        zh("Number of the decision that set the annulment aside (required if it was set aside)")
    ).fill("（2026）闽01行终34号")
    page.get_by_label(zh("Reason for the reinstatement")).fill(
        "二审判决撤销一审判决，原处罚决定有效。"
    )
    page.get_by_role("button", name=zh("Reinstate"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh(
            "The record is reinstated: it has the status and publicity it would have had "
            "without the revocation, and list entries the revocation removed are published "
            "again while their term runs. Report contents deleted at the revocation are not "
            "restored."
        )
    )
    expect(page.locator("#record dd[data-status]")).to_have_text(zh("Active"))
    expect(page.get_by_role("button", name=zh("Revoke the record"), exact=True)).to_have_count(1)
    page.get_by_role("button", name=zh("Log out")).click()
    page.goto(f"/subjects/{COMPANY[0]}")
    expect(public).to_have_count(1)
