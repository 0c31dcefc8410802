"""Journeys on the lists pages: a member of the public comments on a red-list candidate
and the recognising agency decides the comment; an officer proposes a company for the
black list, the company objects from its notices page, and a second officer — offered no
approval while the objection window runs — upholds the objection, which ends the candidacy; the objection handler decides a company's objection
on its own page — the proposer cannot — and the company reads the decision and why."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong import demo

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

RED_CANDIDATE = demo.RED_CANDIDATE[1]  # in public comment in the demo data
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
    # Decided, the comment stays on the queue with the decision and its reasons.
    decided = page.locator("p.objection", has_text=statement)
    after = decided.locator("xpath=following-sibling::*[1]")
    expect(after).to_have_class("objection-decision")
    expect(after).to_contain_text("经核实，运费纠纷已由法院调解结案，不影响认定。")


def test_a_company_objects_to_a_black_list_notice_and_a_second_officer_upholds_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reasons = f"未按期履行行政处罚决定（E2E-{secrets.token_hex(3)}）"
    objection = "处罚决定已于期限内履行完毕，附缴款凭证。"
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    # The subject looked up, and the record the entry rests on ticked (decision 0043).
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(COMPANY_CODE)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    page.locator("fieldset.basis-choice").get_by_role(
        "checkbox", name="榕市监处罚〔2026〕900号"
    ).check()
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
    # The objection window still runs (Art. 15 ¶2): approval is not offered, and the page
    # says until when.
    expect(entry.get_by_label(zh("Approve and publish"))).to_be_disabled()
    window = entry.locator("p.window-open")
    expect(window).to_contain_text(str(window.get_attribute("data-window-ends")))
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


def test_the_objection_handler_decides_and_the_company_reads_the_decision(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reasons = f"以欺诈手段排挤竞争对手（E2E-{secrets.token_hex(3)}）"
    objection = f"所称行为系竞争对手恶意投诉，已提交反证材料。#{secrets.token_hex(3)}"
    dismissal = "反证材料不能否定执法检查所查明的事实，异议理由不成立。"
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    # The subject looked up, and the record the entry rests on ticked (decision 0043).
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(COMPANY_CODE)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    page.locator("fieldset.basis-choice").get_by_role(
        "checkbox", name="榕市监处罚〔2026〕900号"
    ).check()
    page.get_by_label(zh("Recognition standard")).select_option("serious_fair_competition")
    page.get_by_label(zh("Criteria met")).first.fill("严重破坏市场公平竞争秩序")
    page.get_by_label(zh("Reasons")).first.fill(reasons)
    page.get_by_label(zh("Evidence")).fill("榕市监处罚〔2026〕E2E号")
    page.get_by_role("button", name=zh("Propose")).click()
    expect(page.locator("article.entry", has_text=reasons)).to_be_visible()
    page.get_by_role("button", name=zh("Log out")).click()

    # The company objects: told it was received, with no second form to send.
    log_in(page, "company")
    page.goto("/me/notices")
    notice = page.locator("article.entry", has_text=reasons)
    notice.locator("textarea[name=statement]").fill(objection)
    notice.get_by_role("button", name=zh("Submit objection")).click()
    notice = page.locator("article.entry", has_text=reasons)
    expect(notice.get_by_role("status")).to_be_visible()
    expect(notice).to_contain_text(objection)
    expect(notice.get_by_role("button", name=zh("Submit objection"))).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The proposer sees the objection but is not the one to decide it.
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    mine = page.locator("article.entry", has_text=reasons)
    expect(mine.locator("p.objection", has_text=objection)).to_be_visible()
    expect(mine.get_by_label(zh("Dismiss"))).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The credit authority's objection handler finds it from the menu and decides it.
    log_in(page, "objections")
    page.get_by_role("link", name=zh("List objections")).click()
    case = page.locator("article.objection-case", has_text=objection)
    expect(case).to_contain_text(reasons)
    expect(case).to_contain_text("第十七条")  # the entry's legal basis
    case.get_by_label(zh("Dismiss")).check()
    case.get_by_label(zh("Reasons")).fill(dismissal)
    case.get_by_role("button", name=zh("Decide")).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator("article.objection-case.decided", has_text=objection)).to_contain_text(
        dismissal
    )
    page.get_by_role("button", name=zh("Log out")).click()

    # The company reads the decision, when it was made, and why.
    log_in(page, "company")
    page.goto("/me/notices")
    decided = page.locator("article.entry", has_text=reasons)
    expect(decided).to_contain_text(zh("Objection dismissed"))
    expect(decided).to_contain_text(dismissal)
    expect(decided.locator("dl.objection-decision")).to_contain_text(zh("Decided"))


def test_the_public_finds_a_red_listed_organisation_by_its_former_name(
    page: Page, zh: Callable[[str], str]
) -> None:
    """The demo's red-listed 福建榕城餐饮管理有限公司 was 福州榕城餐饮有限公司: someone holding an
    old contract or licence finds it on the list by that name, as the organisation search
    finds it (review r3, session 19)."""
    page.goto("/lists/red")
    page.get_by_label(zh("Name or code")).fill("福州榕城餐饮有限公司")
    page.get_by_role("button", name=zh("Search"), exact=True).click()
    row = page.locator("table.list-entries tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="福建榕城餐饮管理有限公司")).to_be_visible()
    expect(row.locator("[data-former-name]")).to_have_text(
        f"{zh('former name')}: 福州榕城餐饮有限公司"
    )
