"""Journeys of the checks of decision 0044, each refused with nothing written (so they
share the demo server): a citizen's evidence file that is not the document its name says
is refused beside the file input; an officer's proposal naming the subject under a name
the register does not know for its code is refused beside the name, with what was typed
kept."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap
from xinyong.db.session import make_session_factory, unit_of_work

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BANK = "福州海峡商业银行股份有限公司"
CREDIT_STATUS_SCOPE = "名单状态和信用等级（用于风险定价，第十九条）"
COMPANY_CODE = "91350100MG59YK161P"  # the demo company account's subject
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(scope="module")
def catalog_ready(live_server: LiveServer) -> None:
    """The record catalog, which ``xinyong init`` loads and ``demo.seed`` does not."""
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, live_server.clock)


def test_an_image_named_as_a_pdf_is_refused_beside_the_file(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    catalog_ready: None,
    tmp_path: Path,
    live_server: LiveServer,
) -> None:
    purpose = f"个人经营贷款审批 {secrets.token_hex(3)}"
    until = (live_server.clock.today() + dt.timedelta(days=90)).isoformat()
    scan = tmp_path / "signed.pdf"
    scan.write_bytes(PNG)
    log_in(page, "citizen")
    page.goto("/me/authorisations")
    page.get_by_label(zh("Organisation that may query")).select_option(label=BANK)
    page.get_by_label(CREDIT_STATUS_SCOPE, exact=True).check()
    page.get_by_label(zh("Purpose"), exact=True).fill(purpose)
    page.get_by_label(zh("Valid until"), exact=True).fill(until)
    page.get_by_label(zh("Upload the signed authorisation")).check()
    page.get_by_label(
        zh("File of the signed authorisation (PDF, PNG or JPEG, at most 1.5 MB)")
    ).set_input_files(str(scan))
    page.get_by_role("main").get_by_role("button", name=zh("Authorise"), exact=True).click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(
        zh("the evidence file's content is not the type its name or Content-Type declares")
    )
    expect(page.locator("#evidence_file")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(zh("Purpose"), exact=True)).to_have_value(purpose)
    # Nothing was granted.
    expect(page.get_by_role("table", name=zh("Your authorisations"))).not_to_contain_text(purpose)


def test_a_proposal_naming_the_code_under_another_name_is_refused_beside_the_name(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reasons = f"未按期履行行政处罚决定（E2E-{secrets.token_hex(3)}）"
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    # The subject looked up and the record the entry rests on ticked (decision 0043): the
    # name alone is wrong.
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(COMPANY_CODE)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    page.locator("fieldset.basis-choice").get_by_role(
        "checkbox", name="榕市监处罚〔2026〕900号"
    ).check()
    name = page.get_by_label(zh("Subject name as on the decision (checked against the register)"))
    name.fill("福州海峡物流有限公司")
    page.get_by_label(zh("Recognition standard")).select_option("dishonest_subject")
    page.get_by_label(zh("Criteria met")).first.fill("受到较重行政处罚且拒不履行")
    page.get_by_label(zh("Reasons")).first.fill(reasons)
    page.get_by_label(zh("Evidence")).fill("榕市监处罚〔2026〕E2E号")
    page.get_by_role("button", name=zh("Propose")).click()

    expect(page.get_by_role("alert")).to_contain_text(
        zh("the code is registered under another name; check the code and the name")
    )
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_value("福州海峡物流有限公司")
    expect(page.get_by_label(zh("Reasons")).first).to_have_value(reasons)
    expect(page.locator("article.entry", has_text=reasons)).to_have_count(0)
