"""Journey of the subject's consent to be named in a credit-repair typical case (Art. 20, 32;
decision 0030): on a repair of the demo company decided with the record repaired, an officer
of the credit authority drafts a case and asks the company for its consent on the platform;
a second officer publishes it, and the public reads it anonymised. The company, logged in,
finds the request from its own pages, sees the case named and anonymised with what being
named means, and consents: the public page names it. It withdraws: the public page is
anonymised again at once, without its name or code."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.collection import pipeline, readers
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.repair import rules as repair_rules
from xinyong.repair import service as repair

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation
COMPANY = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")  # the demo company account's


def _repaired(live_server: LiveServer, number: str) -> int:
    """A fresh penalty of the demo company, repaired: applied for by the company, accepted
    by the credit authority's objection handler, approved by the regulator."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:

        def user(name: str) -> Actor:
            found = session.scalar(select(UserAccount).where(UserAccount.username == name))
            assert found is not None
            return accounts.actor_for_user(found)

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
            "penalty_content": "罚款人民币叁万元（同意旅程）",
            "fine_amount": "3",
            "decision_date": (clock.today() - dt.timedelta(days=130)).isoformat(),
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
        case = repair.apply(
            session,
            clock,
            user("company"),
            record_id,
            correction="已撤下引人误解的广告并缴清罚款。",
            evidence="缴款凭证 C2E-0001",
            declared=frozenset(repair_rules.DECLARATIONS),
            commitment_text="本公司承诺不再发生虚假宣传行为，自觉接受监督检查。",
        )
        repair.feedback(session, clock, user("objections"), case.id, accept=True, reasons="")
        repair.decide(
            session, clock, user("caseofficer"), case.id, approve=True, reasons="整改到位"
        )
        return case.id


def test_the_company_consents_to_be_named_then_withdraws_and_the_public_page_follows(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    number = f"榕市监处罚〔2026〕C2E{secrets.token_hex(3)}号"
    repair_case_id = _repaired(live_server, number)
    title = f"某文具企业主动整改完成信用修复（E2E-{secrets.token_hex(3)}）"

    log_in(page, "authority")
    page.goto("/admin/typical-cases")
    page.get_by_label(zh("Kind of case")).select_option("credit_repair")
    page.get_by_label(
        zh(
            "Credit repair case number (credit repair only: a case decided with the record "
            "repaired)"
        )
    ).fill(str(repair_case_id))
    page.get_by_label(
        zh(
            "Ask the subject on the platform for its consent to be named (credit repair only): "
            "until it consents the case is published anonymised, and its texts must not "
            "identify the subject"
        )
    ).check()
    page.get_by_label(zh("Title"), exact=True).fill(title)
    page.get_by_label(zh("Narrative"), exact=True).fill(
        "某文具企业因虚假宣传受到行政处罚后，撤下广告、缴清罚款并作出信用承诺，完成信用修复。"
    )
    page.get_by_role("button", name=zh("Draft"), exact=True).click()
    row = page.locator("tr[data-case]").filter(has_text=title)
    expect(row.locator("[data-consent]")).to_have_attribute("data-consent", "requested")
    case_id = row.get_attribute("data-case")
    assert case_id
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "authority2")
    page.goto("/admin/typical-cases")
    page.locator(f"tr[data-case='{case_id}'] form[action$='/publish'] button").click()
    expect(page.get_by_role("status").first).to_contain_text(zh("Case published."))
    page.get_by_role("button", name=zh("Log out")).click()

    public = page.locator(f"article[data-case='{case_id}']")

    def public_shows(named: bool) -> None:
        page.goto("/integrity")
        expect(public).to_contain_text(title)
        if named:
            expect(public.locator(".case-subject")).to_contain_text(COMPANY[1])
            expect(public).to_contain_text(COMPANY[0])
        else:
            expect(public.locator("[data-anonymised='true']")).to_have_count(1)
            for term in (COMPANY[1], COMPANY[0], number):
                expect(public).not_to_contain_text(term)

    public_shows(named=False)

    log_in(page, "company")
    page.goto("/me")
    page.get_by_role("link", name=zh("Typical cases about me")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Typical cases about me"))
    request = page.locator("article.naming-consent").filter(has_text=title).first
    expect(request).to_have_attribute("data-status", "requested")
    expect(request.locator(".typical-case").first).to_contain_text(COMPANY[1])
    expect(request.locator("[data-anonymised='true']")).to_have_count(1)
    expect(request.locator("[data-consequence='republished']")).to_be_visible()
    request.get_by_role("button", name=zh("I consent to be named")).click()
    expect(page.get_by_role("alert")).to_contain_text("acknowledgement_required")
    request.get_by_label(zh("I have read what being named means, as set out above.")).check()
    request.get_by_role("button", name=zh("I consent to be named")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh("You consented: the case names you.")
    )
    expect(request).to_have_attribute("data-status", "given")
    public_shows(named=True)

    page.goto("/me/typical-cases")
    request.get_by_role("button", name=zh("Withdraw my consent")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh("Your consent is withdrawn: the case no longer names you.")
    )
    expect(request).to_have_attribute("data-status", "withdrawn")
    public_shows(named=False)
    page.goto(f"/integrity/{case_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("main")).not_to_contain_text(COMPANY[1])
