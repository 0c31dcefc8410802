"""Journeys on the lists pages: a member of the public comments on a red-list candidate
and the recognising agency decides the comment; an officer proposes a company for the
black list, the company objects from its notices page, and a second officer upholds the
objection, which ends the candidacy."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

RED_CANDIDATE = "福州海峡物流有限公司"  # in public comment in the demo data
COMPANY_CODE = "91350100MG59YK161P"  # the demo company account's subject


def test_the_public_comments_on_a_red_candidate_and_the_agency_decides(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    statement = f"该企业曾拖欠运费，请核实。#{secrets.token_hex(3)}"
    contact = f"1380000{secrets.randbelow(10_000):04d}"
    page.goto("/lists/red")
    page.get_by_role("link", name=zh("Red-list candidates in public comment")).click()
    candidate = page.locator("article", has_text=RED_CANDIDATE)
    expect(candidate).to_be_visible()
    candidate.get_by_label(zh("Your comment")).fill(statement)
    candidate.get_by_label(
        zh("How the agency can reach you (optional; seen only by the recognising agency)")
    ).fill(contact)
    candidate.get_by_role("button", name=zh("Submit comment")).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Thank you: your comment was received and will be decided by the recognising agency.")
    )

    log_in(page, "caseofficer2")
    page.goto("/lists-queue")
    comment = page.locator("p.objection", has_text=statement)
    expect(comment).to_contain_text(zh("Public comment"))
    expect(comment).to_contain_text(contact)
    decision = comment.locator("xpath=following-sibling::form[1]")
    decision.get_by_label(zh("Dismiss")).check()
    decision.get_by_label(zh("Reasons")).fill("经核实，运费纠纷已由法院调解结案，不影响认定。")
    decision.get_by_role("button", name=zh("Decide")).click()
    expect(page.locator("p.objection", has_text=statement)).to_have_count(0)


def test_a_company_objects_to_a_black_list_notice_and_a_second_officer_upholds_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reasons = f"未按期履行行政处罚决定（E2E-{secrets.token_hex(3)}）"
    objection = "处罚决定已于期限内履行完毕，附缴款凭证。"
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    page.get_by_label(zh("Subject code")).fill(COMPANY_CODE)
    page.get_by_label(zh("Recognition standard")).select_option("dishonest_subject")
    page.get_by_label(zh("Criteria met")).first.fill("受到较重行政处罚且拒不履行")
    page.get_by_label(zh("Reasons")).first.fill(reasons)
    page.get_by_label(zh("Evidence")).fill("榕市监处罚〔2026〕E2E号")
    page.get_by_role("button", name=zh("Propose")).click()
    expect(page.locator("article.entry", has_text=reasons)).to_be_visible()
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "company")
    page.goto("/me/notices")
    notice = page.locator("article.entry", has_text=reasons)
    expect(notice).to_contain_text(zh("Legal basis"))
    notice.locator("textarea[name=statement]").fill(objection)
    notice.get_by_role("button", name=zh("Submit objection")).click()
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "caseofficer2")
    page.goto("/lists-queue")
    entry = page.locator("article.entry", has_text=reasons)
    found = entry.locator("p.objection", has_text=objection)
    expect(found).to_contain_text(zh("Objection"))
    decision = found.locator("xpath=following-sibling::form[1]")
    decision.get_by_label(zh("Uphold")).check()
    decision.get_by_label(zh("Reasons")).fill("已履行处罚决定，不符合认定条件。")
    decision.get_by_role("button", name=zh("Decide")).click()
    expect(page.locator("article.entry", has_text=reasons)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "company")
    page.goto("/me/notices")
    expect(page.locator("article.entry", has_text=reasons)).to_contain_text(
        zh("Candidacy rejected")
    )
