"""Journeys of Art. 9 and 11 for the credit authority: it adds a record type to the
catalog from the outline the form starts with, is stopped when a field would collect what
may never be collected (Art. 11 ¶3) with what it typed kept, saves the corrected type,
finds it in the catalog, and makes the market regulator responsible for it, whose data
reporter can then submit such records; and it adds a type as a copy of another ("based on
this one"), which keeps the other's fields under a code of its own."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.test_pages_collection import to_csv

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # the demo's market regulator, where `reporter` works
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")  # a demo company
# A type no other journey copies or revises.
ORIGINAL = ("administrative_inspection", "行政检查")


def test_the_authority_adds_a_record_type_and_makes_a_source_responsible_for_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    suffix = secrets.token_hex(3)
    code = f"food_spot_check_{suffix}"
    name = f"食品安全抽检不合格信息（E2E-{suffix}）"
    note = "市场监管局报送食品安全抽检不合格信息"
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Information catalog")
    ).click()
    page.get_by_role("link", name=zh("Add a record type"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Add a record type"))

    # The form starts from an outline: the subject, the decision and its date.
    editor = page.get_by_label(zh("Definition (JSON)"))
    outline = json.loads(editor.input_value())
    assert outline["code"] == ""
    assert "decision_number" in {field["name"] for field in outline["fields"]}
    product = {"name": "product_name", "label_zh": "抽检产品名称", "label_en": "Product checked"}
    definition = {
        **outline,
        "code": code,
        "name_zh": name,
        "name_en": "Failed food-safety spot check",
        "group": "food_safety",
        "legal_basis": "《福州市社会信用管理办法》第九条；《中华人民共和国食品安全法》第八十七条",
        "fields": [*outline["fields"], product],
    }
    # First attempt: the type would also collect the food handlers' medical examinations.
    prohibited = {
        **definition,
        "fields": [
            *definition["fields"],
            {
                "name": "handler_medical_exam",
                "label_zh": "从业人员体检结果",
                "label_en": "Medical examination",
            },
        ],
    }
    typed = json.dumps(prohibited, ensure_ascii=False, indent=2)
    editor.fill(typed)
    page.get_by_label(zh("Reason for the change")).fill(note)
    page.get_by_role("button", name=zh("Add to the catalog")).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("prohibited_field")
    expect(alert).to_contain_text("第十一条第三款")
    expect(alert).to_contain_text("handler_medical_exam")
    # Nothing was saved; what was typed is still there to correct.
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Add a record type"))
    assert json.loads(editor.input_value()) == prohibited
    expect(page.get_by_label(zh("Reason for the change"))).to_have_value(note)
    expect(editor).to_have_attribute("aria-invalid", "true")
    assert page.request.get(f"/catalog/{code}").status == 404

    editor.fill(json.dumps(definition, ensure_ascii=False, indent=2))
    page.get_by_role("button", name=zh("Add to the catalog")).click()
    expect(page).to_have_url(re.compile(rf"/catalog/{code}\?done=created$"))
    expect(page.get_by_role("status")).to_contain_text(zh("Record type added to the catalog."))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("tr[data-field='product_name']")).to_contain_text("抽检产品名称")
    expect(page.locator("tr[data-field='handler_medical_exam']")).to_have_count(0)
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Information catalog")
    ).click()
    expect(page.locator(f"tr[data-code='{code}']")).to_contain_text(name)

    # The regulator is made responsible for it (Art. 9).
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Responsibility list")
    ).click()
    page.get_by_label(zh("Organisation"), exact=True).select_option(REGULATOR)
    page.get_by_label(zh("Record type"), exact=True).select_option(code)
    page.get_by_role("button", name=zh("Grant"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Responsibility granted: the organisation may now submit these records.")
    )
    expect(page.locator(f'tr[data-org="{REGULATOR}"] li[data-type="{code}"]')).to_contain_text(name)
    page.get_by_role("button", name=zh("Log out")).click()

    # The regulator's data reporter checks a file of the new type (a dry run, nothing kept).
    log_in(page, "reporter")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Submit records")
    ).click()
    page.get_by_label(zh("Record type"), exact=True).select_option(code)
    decided = (live_server.clock.today() - dt.timedelta(days=7)).isoformat()
    table = [
        ["主体名称", "统一社会信用代码", "决定文号", "决定日期", "抽检产品名称"],
        [COMPANY[1], COMPANY[0], f"榕市监抽〔2026〕{suffix}号", decided, "散装茉莉花茶"],
    ]
    page.get_by_label(zh("File"), exact=True).set_input_files(
        files=[{"name": "spot-check.csv", "mimeType": "text/csv", "buffer": to_csv(table)}]
    )
    page.get_by_label(zh("Dry run"), exact=True).check()
    page.get_by_role("main").get_by_role("button", name=zh("Upload"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Dry run report"))
    expect(page.locator("dl.facts").get_by_role("link", name=name)).to_have_attribute(
        "href", f"/catalog/{code}"
    )
    expect(page.locator("td[data-count='created']")).to_have_text("1")
    expect(page.locator("td[data-count='rejected']")).to_have_text("0")
    expect(page.locator("td[data-count='held']")).to_have_text("0")


def test_the_authority_adds_a_record_type_based_on_another(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    suffix = secrets.token_hex(3)
    code = f"fire_safety_inspection_{suffix}"
    name = f"消防安全检查（E2E-{suffix}）"
    log_in(page, "authority")
    page.goto(f"/catalog/{ORIGINAL[0]}")
    fields = page.locator("table.fields tr[data-field]")
    original_fields = [row.get_attribute("data-field") for row in fields.all()]
    assert "inspection_result" in original_fields
    page.get_by_role("link", name=zh("Add a record type based on this one")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Add a record type"))

    # The copy holds the other type's rule, and no code: it is a type of its own.
    editor = page.get_by_label(zh("Definition (JSON)"))
    copied = json.loads(editor.input_value())
    assert copied["code"] == ""
    assert copied["name_zh"] == ORIGINAL[1]
    assert [field["name"] for field in copied["fields"]] == original_fields
    editor.fill(
        json.dumps(
            {**copied, "code": code, "name_zh": name, "name_en": "Fire safety inspection"},
            ensure_ascii=False,
            indent=2,
        )
    )
    page.get_by_label(zh("Reason for the change")).fill("消防救援机构的检查结果纳入目录")
    page.get_by_role("button", name=zh("Add to the catalog")).click()
    expect(page).to_have_url(re.compile(rf"/catalog/{code}\?done=created$"))
    expect(page.get_by_role("status")).to_contain_text(zh("Record type added to the catalog."))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    new_fields = page.locator("table.fields tr[data-field]")
    assert [row.get_attribute("data-field") for row in new_fields.all()] == original_fields

    # The type it was based on is as it was.
    page.goto("/catalog")
    expect(page.locator(f"tr[data-code='{code}']")).to_contain_text(name)
    expect(page.locator(f"tr[data-code='{ORIGINAL[0]}']")).to_contain_text(ORIGINAL[1])
