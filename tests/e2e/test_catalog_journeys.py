"""Journeys of Art. 9 and 35 for the credit authority: it puts a record type on an
association's responsibility list and takes it off again; a district's credit authority
revises a record type for its district (the form starts there), is stopped when the
revision would loosen the city's rule, corrects the definition it typed and saves it as a
new version shown in the history."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.web.labels import district_name

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

ASSOCIATION = ("51350100MB00000513", "福州市餐饮行业协会")  # demo organisation
# A type the association may submit about its own business (Art. 10 ¶1) and does not hold
# in the demo: its evaluations it does hold, and the member register journey submits them.
GRANTED = ("contract_performance", "合同履约信息")
DISTRICT = "350181"  # 福清市: its credit authority (`fuqing`) and market regulator in the demo


def test_the_authority_grants_and_revokes_a_responsibility(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Responsibility list")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Responsibility list"))

    page.get_by_label(zh("Organisation"), exact=True).select_option(ASSOCIATION[0])
    page.get_by_label(zh("Record type"), exact=True).select_option(GRANTED[0])
    page.get_by_role("button", name=zh("Grant"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Responsibility granted: the organisation may now submit these records.")
    )
    row = page.locator(f'tr[data-org="{ASSOCIATION[0]}"]')
    expect(row.locator(f'li[data-type="{GRANTED[0]}"]')).to_be_visible()

    row.get_by_role(
        "button",
        name=zh("Revoke %(type)s from %(organisation)s")
        % {"type": GRANTED[1], "organisation": ASSOCIATION[1]},
    ).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh(
            "Responsibility revoked: the organisation's submissions of these records are refused from now on."
        )
    )
    row = page.locator(f'tr[data-org="{ASSOCIATION[0]}"]')
    expect(row.locator(f'li[data-type="{GRANTED[0]}"]')).to_have_count(0)
    expect(row.locator(f'[data-revoked-type="{GRANTED[0]}"]')).to_be_visible()
    # The demo's own responsibility stays.
    expect(row.locator('li[data-type="association_evaluation"]')).to_be_visible()


def test_a_district_authority_revises_a_record_type_for_its_district(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    suffix = secrets.token_hex(3)
    note = f"福清市增加核查字段（E2E-{suffix}）"
    log_in(page, "fuqing")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Information catalog")
    ).click()
    page.locator('tr[data-code="honour"]').get_by_role("link").click()
    page.get_by_role("link", name=zh("Revise this record type")).click()

    # 福清市's officer writes 福清市's rule: the form starts there (Art. 6, 35).
    expect(page.get_by_label(zh("Area of the rule"))).to_have_value(DISTRICT)
    editor = page.get_by_label(zh("Definition (JSON)"))
    definition = json.loads(editor.input_value())
    # First attempt: the district would admit enterprises the city does not (Art. 35).
    loosened = {**definition, "submitter_kinds": [*definition["submitter_kinds"], "enterprise"]}
    editor.fill(json.dumps(loosened, ensure_ascii=False, indent=2))
    page.get_by_label(zh("Reason for the change")).fill(note)
    page.get_by_role("button", name=zh("Save a new version")).click()
    alert = page.get_by_role("alert")
    # The problem in the page's language, citing the article as the regulation numbers it.
    expect(alert).to_contain_text(zh("a district rule cannot admit more submitters"))
    expect(alert).to_contain_text("第三十五条")
    expect(alert).to_contain_text("submitter_kinds")
    # What was typed is still there.
    assert json.loads(editor.input_value()) == loosened
    expect(page.get_by_label(zh("Area of the rule"))).to_have_value(DISTRICT)

    # Corrected: the city's submitters, and one more field the district asks for.
    tightened = {
        **definition,
        "fields": [
            *definition["fields"],
            {"name": f"verified_by_{suffix}", "label_zh": "核查单位", "label_en": "Verified by"},
        ],
    }
    editor.fill(json.dumps(tightened, ensure_ascii=False, indent=2))
    page.get_by_role("button", name=zh("Save a new version")).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("New version saved: it governs the records submitted from now on.")
    )
    version = page.locator("table.history tr", has_text=note)
    expect(version).to_contain_text(
        zh("district rule of %(division)s") % {"division": district_name(DISTRICT, zh)}
    )
    expect(version).to_contain_text("信用主管部门工作人员")  # the officer who revised it
    expect(page.locator(f'tr[data-field="verified_by_{suffix}"]')).to_be_visible()
