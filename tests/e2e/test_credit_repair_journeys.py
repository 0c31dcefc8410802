"""Journey on the credit repair pages (Art. 20–23): the demo company applies to repair a
penalty of four months ago, with the checklist and a commitment made in the same step; the
credit authority's objection handler accepts it; the market regulator that supplied the
record approves it — refused at first, the reasons typed kept, while an objection the company
raised meanwhile is decided first (Art. 25); anyone with the query code sees the progress; and
the company sees the record repaired in its file and gone from its public page, where the
commitment names no record."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.e2e.conftest import LiveServer
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.collection import pipeline, readers
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.objections import service as objections

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")  # the demo company account's
COMMITMENT_TEXT = "本公司承诺不再发生虚假宣传行为，自觉接受监督检查。"


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
            "penalty_content": "罚款人民币伍万元（修复旅程）",
            "fine_amount": "5",
            "decision_date": (clock.today() - dt.timedelta(days=125)).isoformat(),
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


def _as(session: Session, username: str) -> Actor:
    return accounts.actor_for_user(accounts.user_by_username(session, username))


def _objection(live_server: LiveServer, record_id: int) -> int:
    """The company objects to the record while its repair waits for the source."""
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        raised = objections.raise_objection(
            session,
            live_server.clock,
            _as(session, "company"),
            record_id,
            ground="error",
            statement="罚款金额有误（修复旅程）",
        )
        return raised.id


def _objection_rejected(live_server: LiveServer, objection_id: int) -> None:
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        objections.decide(
            session,
            live_server.clock,
            _as(session, "objections"),
            objection_id,
            outcome="rejected",
            reasons="金额与处罚决定书一致",
        )


def test_company_applies_authority_accepts_source_repairs_and_it_leaves_the_public_page(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    number = f"榕市监处罚〔2026〕R2E{secrets.token_hex(3)}号"
    record_id = _penalty(live_server, number)
    page.goto(f"/subjects/{COMPANY[0]}")
    expect(page.locator(f"li.record[data-record='{record_id}']")).to_have_count(1)

    log_in(page, "company")
    page.goto("/me")
    page.get_by_role("link", name=zh("My credit repair")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My credit repair"))
    page.locator("#preview-record").select_option(str(record_id))
    page.get_by_role("button", name=zh("Check the conditions")).click()
    expect(page.locator("[data-check='publicity_period_passed']")).to_have_attribute(
        "data-ok", "true"
    )
    # Checked for this record, the form offers to link only commitments its source, the
    # market regulator, accepted (Art. 21 ¶2(2)).
    expect(page.locator(".commitments-hint")).to_have_count(0)
    offered = page.locator("#commitment_record option").all()[1:]
    assert offered  # the demo company's commitments made with its earlier applications
    for option in offered:
        expect(option).to_contain_text("福州市市场监督管理局")
    page.get_by_label(zh("Record"), exact=True).select_option(str(record_id))
    page.get_by_label(zh("How you corrected the conduct and met your obligations")).fill(
        "已撤下引人误解的广告并缴清罚款。"
    )
    page.get_by_label(zh("Evidence (what you can show, e.g. a payment receipt number)")).fill(
        "缴款凭证 R2E-0001"
    )
    for box in page.locator("input[name='declared']").all():
        box.check()
    page.get_by_label(zh("Or make a commitment now, to the unit that supplied the record")).fill(
        COMMITMENT_TEXT
    )
    page.get_by_role("button", name=zh("Apply for credit repair")).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Your application is received. Keep its query code to follow its progress.")
    )
    case = page.locator("article.repair-case").first
    case_id = case.get_attribute("data-repair")
    code = case.locator(".query-code").inner_text()
    assert case_id
    # The record being handled is offered no second application (always refused, Art. 21):
    # both pages point to this one instead.
    handled = zh("Credit repair application no. %(number)s being handled") % {"number": case_id}
    expect(page.locator(f"#record option[value='{record_id}']")).to_have_count(0)
    expect(page.locator(f"ul.repairs-pending li[data-record='{record_id}']")).to_contain_text(
        handled
    )
    page.goto("/me/credit")
    expect(page.locator(f"a[href='/me/repairs?record={record_id}']")).to_have_count(0)
    page.get_by_role("link", name=handled).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case_id)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "objections")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Credit repair cases")
    ).click()
    title = zh("Credit repair case no. %(number)s") % {"number": case_id}
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_label(zh("Accept: the source decides")).check()
    page.get_by_role("button", name=zh("Give feedback")).click()
    expect(page.locator(".repair-status").first).to_have_text(
        zh("Accepted for processing: the source decides")
    )
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "reporter")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Credit repair of our records")
    ).click()
    page.get_by_role("link", name=title, exact=True).click()
    objection_id = _objection(live_server, record_id)
    approve = page.get_by_label(zh("Approve: the record is repaired"))
    reasons = page.get_by_label(zh("Reasons"), exact=True)
    approve.check()
    reasons.fill("已纠正失信行为并履行处罚决定，同意修复。")
    page.get_by_role("button", name=zh("Decide"), exact=True).click()
    # The objection is decided first (Art. 25): refused, the reasons kept, and approval no
    # longer offered while the objection is undecided, the page saying why.
    expect(page.locator(".form-error .error-message")).to_have_attribute(
        "data-code", "not_repairable"
    )
    expect(approve).to_be_disabled()
    expect(page.locator("[data-approval-waits]")).to_be_visible()
    expect(reasons).to_have_value("已纠正失信行为并履行处罚决定，同意修复。")
    case_page = page.url.removesuffix("/decide")
    _objection_rejected(live_server, objection_id)
    page.goto(case_page)
    approve.check()
    reasons.fill("已纠正失信行为并履行处罚决定，同意修复。")
    page.get_by_role("button", name=zh("Decide"), exact=True).click()
    expect(page.locator(".repair-status").first).to_have_text(
        zh("Approved: the record is repaired")
    )
    page.get_by_role("button", name=zh("Log out")).click()

    # Anyone with the query code: the status and dates, nothing personal.
    page.goto("/repair-progress")
    page.get_by_label(zh("Query code")).fill(code)
    page.get_by_role("button", name=zh("Look up")).click()
    expect(page.locator(".repair-progress .repair-status")).to_have_text(
        zh("Approved: the record is repaired")
    )
    expect(page.locator("main")).not_to_contain_text(COMPANY[1])

    log_in(page, "company")
    page.goto("/me/repairs")
    mine = page.locator(f"article[data-repair='{case_id}']")
    expect(mine.locator(".decision-reasons")).to_have_text(
        "已纠正失信行为并履行处罚决定，同意修复。"
    )
    mine.get_by_role("link", name=zh("My credit file")).click()
    record = page.locator(f"li.record[data-record='{record_id}']")
    expect(record).to_contain_text(
        zh("Repaired, credit repair case %(number)s") % {"number": case_id}
    )
    # The commitment made with the application says, in the company's own file, which
    # application and record it was for.
    made = page.locator("li.record[data-type='credit_commitment']").filter(has_text=COMMITMENT_TEXT)
    expect(made.locator(f".repair-commitment[data-repair-case='{case_id}']")).to_have_attribute(
        "data-repaired-record", str(record_id)
    )
    page.goto(f"/subjects/{COMPANY[0]}")
    expect(page.locator(f"li.record[data-record='{record_id}']")).to_have_count(0)
    # On the public page the commitment is the company's text under a type that names no
    # record, its kind or its date (Art. 13 ¶3).
    public = page.locator("li.record[data-type='credit_commitment']").filter(
        has_text=COMMITMENT_TEXT
    )
    expect(public).to_contain_text("信用修复承诺")
    expect(public).not_to_contain_text("记录")
    expect(public).not_to_contain_text("行政处罚")
    expect(public.locator(".repair-commitment")).to_have_count(0)


def test_a_record_under_objection_is_shown_waiting_for_the_decision(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    """A record under objection is not offered for repair (the objection is decided first,
    Art. 25) but is named, with when the subject may apply — not left out, nor the page
    saying there is nothing to repair (review r3, session 19)."""
    number = f"榕市监处罚〔2026〕OBJ{secrets.token_hex(3)}号"
    record_id = _penalty(live_server, number)
    objection_id = _objection(live_server, record_id)
    log_in(page, "company")
    page.goto("/me/repairs")
    waiting = page.locator(f"ul.repairs-under-objection li[data-record='{record_id}']")
    expect(waiting).to_contain_text(
        zh("under objection: you may apply to repair it once the objection is decided (Art. 25).")
    )
    expect(waiting.get_by_role("link", name=zh("My objections"))).to_have_attribute(
        "href", "/me/objections"
    )
    expect(page.locator(f"#record option[value='{record_id}']")).to_have_count(0)
    expect(
        page.get_by_text(zh("There is no negative record in your file to repair."))
    ).to_have_count(0)
    page.goto("/me/credit")
    expect(page.locator(f"a[href='/me/repairs?record={record_id}']")).to_have_count(0)

    _objection_rejected(live_server, objection_id)
    page.goto("/me/repairs")
    expect(waiting).to_have_count(0)
    expect(page.locator(f"#record option[value='{record_id}']")).to_have_count(1)
