"""Journey of Art. 15: the credit authority drafts a measure, is stopped by the
proportionality rule and by naming no implementer, corrects it and publishes it; the public
sees it on the measures page with who implements it; a case officer's joint check shows it for a listed organisation, and from there the
officer applies it with reasons — the notice states the basis."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import SERIOUS_ORGANISATION

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_measure_is_drafted_published_and_applied(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    suffix = secrets.token_hex(3)
    code, name = f"pun_e2e_{suffix}", f"列为重点监管对象（E2E-{suffix}）"
    log_in(page, "authority")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Manage measures")
    ).click()
    page.get_by_label(zh("Code of the measure")).fill(code)
    page.get_by_label(zh("Measure name"), exact=True).fill(name)
    page.get_by_label(zh("Kind")).select_option("punishment")
    page.get_by_label(zh("Item of the article (Art. 16: 1–7; Art. 17: 1–9)")).fill("9")
    page.get_by_label(zh("Target")).select_option("black")
    page.get_by_label(zh("Severity (1 lightest – 5 heaviest)")).fill("5")
    page.get_by_label("日常检查、专项检查").check()
    page.get_by_label(zh("Means"), exact=True).fill("提高抽查比例和频次")
    page.get_by_label(zh("Implementing body")).fill("各行政执法部门")
    page.get_by_label(zh("Legal basis"), exact=True).fill(
        "《福州市社会信用管理办法》第十七条第（九）项"
    )
    page.get_by_role("button", name=zh("Create")).click()
    expect(page.get_by_role("alert")).to_contain_text("第十五条第二款")  # Art. 15 ¶2
    expect(page.get_by_label(zh("Code of the measure"))).to_have_value(code)
    page.get_by_label(zh("Severity (1 lightest – 5 heaviest)")).fill("2")
    page.get_by_role("button", name=zh("Create")).click()
    # Who implements it (Art. 15): a kind of organisation, or organisations by code.
    expect(page.locator('[data-code="no_implementer"]')).to_be_visible()
    page.get_by_label(zh("State organ"), exact=True).check()
    page.get_by_role("button", name=zh("Create")).click()
    row = page.locator(f'tr[data-measure="{code}"]')
    expect(row).to_contain_text(zh("Not yet published"))
    row.get_by_role("button", name=zh("Publish measure %(name)s") % {"name": name}).click()
    expect(page.get_by_role("status")).to_contain_text(zh("Measure published."))
    page.get_by_role("button", name=zh("Log out")).click()

    page.goto("/measures")
    published = page.locator("tr", has_text=name)
    expect(published).to_be_visible()
    expect(published.locator("[data-implementers]")).to_contain_text(
        f"{zh('Implemented by')}: {zh('State organ')}"
    )

    log_in(page, "caseofficer")
    page.goto("/joint-check")
    page.get_by_label(zh("Administrative matter")).select_option("daily_inspection")
    page.get_by_label(zh("Codes, one per line")).fill(SERIOUS_ORGANISATION[0])
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    expect(page.locator("#joint-check-results tbody tr").first).to_contain_text(name)
    page.get_by_role("link", name=zh("Apply a measure to a subject checked here")).click()
    expect(page.get_by_label(zh("Administrative matter"))).to_have_value("daily_inspection")
    reasons = f"被列为严重失信主体，纳入重点监管（E2E-{suffix}）"
    page.get_by_label(zh("Subject code (USCC, or a person's ID number)")).fill(
        SERIOUS_ORGANISATION[0]
    )
    page.get_by_label(zh("Measure"), exact=True).select_option(code)
    page.get_by_label(zh("Reasons")).fill(reasons)
    page.get_by_role("button", name=zh("Apply"), exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Measure applied; the notice below has been sent to the subject.")
    )
    notice = page.locator("article.application", has_text=reasons)
    expect(notice).to_contain_text(SERIOUS_ORGANISATION[1])
    expect(notice).to_contain_text("依据：《福州市社会信用管理办法》第十七条第（九）项")
