"""Journey on the record objection pages (Art. 25): the demo company objects to a penalty
in its credit file, the credit authority's objection handler forwards the case to the
market regulator that supplied it, the regulator's data reporter corrects the record, and
the company reads the decision and sees the corrected record with its history (Art. 24)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import pipeline, readers
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")  # the demo company account's


def _penalty(live_server: LiveServer, number: str) -> int:
    """A fresh penalty about the demo company, submitted by the regulator, so that the
    journey corrects a record no other journey reads."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        regulator = accounts.organisation_by_code(session, REGULATOR)
        row = {
            "subject_name": COMPANY[1],
            "subject_category": "法人及非法人组织",
            "subject_uscc": COMPANY[0],
            "legal_representative": "陈某",
            "decision_number": number,
            "violation_type": "虚假宣传",
            "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
            "penalty_category": "罚款",
            "penalty_content": "罚款人民币伍万元",
            "fine_amount": "5",
            "severity": "serious",
            "decision_date": clock.today().isoformat(),
            "authority": regulator.name,
            "authority_uscc": regulator.code,
            "source_unit": regulator.name,
            "source_unit_uscc": regulator.code,
        }
        source = readers.rows_from_objects([row])
        pipeline.ingest(
            session,
            clock,
            SYSTEM_ACTOR,
            pipeline.Submission(
                regulator, "administrative_penalty", "cli", content_hash=f"e2e-{number}"
            ),
            source.headers,
            source,
        )
        record_id = session.scalar(
            select(CreditRecord.id).where(CreditRecord.natural_key.endswith("|" + number))
        )
        assert record_id is not None
        return record_id


def test_company_objects_handler_forwards_source_corrects_company_sees_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    number = f"榕市监处罚〔2026〕E2E{secrets.token_hex(3)}号"
    record_id = _penalty(live_server, number)
    statement = "罚款金额有误：处罚决定书载明罚款壹万元，不是伍万元。"

    log_in(page, "company")
    page.goto("/me")
    page.get_by_role("link", name=zh("My objections")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My objections"))
    page.get_by_label(zh("Record"), exact=True).select_option(str(record_id))
    page.get_by_label(zh("Ground"), exact=True).select_option("error")
    page.get_by_label(zh("What is wrong, and what it should say")).fill(statement)
    page.get_by_role("button", name=zh("Object"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh(
            "Your objection is received. The record is marked as under objection until it is decided."
        )
    )
    case = page.locator("article.objection-case", has_text=statement)
    expect(case.locator(".objection-status")).to_have_text(
        zh("Received: with the credit authority")
    )
    objection_id = case.get_attribute("data-objection")
    assert objection_id
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "objections")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Record objections")).click()
    title = zh("Objection no. %(number)s") % {"number": objection_id}
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text(statement)).to_be_visible()
    # The versions' contents say the severity class stored as "serious" in the page's words.
    expect(page.locator("table.record-history [data-field='severity']").first).to_have_text(
        zh("%(field)s: %(value)s") % {"field": "失信严重程度", "value": zh("Serious")}
    )
    # The same case open in a second tab, still offering to forward it.
    second = page.context.new_page()
    second.goto(page.url)
    page.get_by_label(zh("What the source should check")).fill("请核对处罚决定书所载罚款金额。")
    page.get_by_role("button", name=zh("Forward"), exact=True).click()
    expect(page.locator(".objection-status")).to_have_text(
        zh("Forwarded to the source, which decides")
    )
    # Forwarding again from it is refused, and the refusal is shown though the case no
    # longer has a form to show it beside.
    second.get_by_label(zh("What the source should check")).fill("请核对。")
    second.get_by_role("button", name=zh("Forward"), exact=True).click()
    refusal = second.get_by_role("alert")
    # The stage's own words: the case's status and the step refused, in the page's language.
    stage_refusal = zh(
        "an objection that is %(status)s cannot be given '%(action)s' by the %(who)s"
    )
    expect(refusal).to_contain_text(
        re.compile(".+".join(map(re.escape, re.split(r"%\(\w+\)s", stage_refusal))))
    )
    expect(refusal).to_contain_text("wrong_stage")
    expect(second.locator(".objection-status")).to_have_text(
        zh("Forwarded to the source, which decides")
    )
    second.close()
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "reporter")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Objections to our records")).click()
    page.get_by_role("link", name=title, exact=True).click()
    page.locator("input[name='field.fine_amount']").fill("1")
    page.locator("input[name='field.penalty_content']").fill("罚款人民币壹万元")
    page.get_by_label(zh("What was corrected and why")).fill(
        "罚款金额录入有误，已按处罚决定书更正。"
    )
    page.get_by_role("button", name=zh("Save the corrected version")).click()
    expect(page.locator(".objection-status")).to_have_text(zh("Upheld: the record was corrected"))
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "company")
    page.goto("/me/objections")
    case = page.locator(f"article[data-objection='{objection_id}']")
    expect(case.locator(".objection-status")).to_have_text(zh("Upheld: the record was corrected"))
    expect(case.locator(".decision-reasons")).to_have_text("罚款金额录入有误，已按处罚决定书更正。")
    page.get_by_role("link", name=zh("My credit file")).first.click()
    record = page.locator(f"li.record[data-record='{record_id}']")
    expect(record).to_contain_text("罚款人民币壹万元")
    expect(record).to_contain_text(
        zh("Corrected after objection %(number)s") % {"number": objection_id}
    )
    expect(record).to_contain_text(zh("Objection received (Art. 25)"))
