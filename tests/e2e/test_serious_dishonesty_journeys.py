"""Journeys of Art. 17–18 in the pages: the public finds a seriously dishonest organisation
on the black list with its responsible persons masked; a query officer's joint check of
those persons finds the organisation and the measures that reach them; an officer names a
responsible person on a proposal, corrects a mistyped ID number, and the second officer
reviews the named persons but cannot approve while the objection window is open."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import (
    SERIOUS_DIRECTLY_RESPONSIBLE,
    SERIOUS_LEGAL_REPRESENTATIVE,
    SERIOUS_ORGANISATION,
)
from xinyong.identifiers import mask_citizen_id
from xinyong.lists.publicity import mask_name
from xinyong.synthetic import make_citizen_id

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

LOGISTICS_CODE = "91350100T5A3HDXJ4X"  # a demo company with no serious-tier entry


def test_the_public_finds_a_seriously_dishonest_organisation_with_its_persons_masked(
    page: Page, zh: Callable[[str], str]
) -> None:
    page.goto("/lists/black")
    page.get_by_label(zh("Tier")).select_option("serious")
    page.get_by_role("button", name=zh("Search"), exact=True).click()
    row = page.locator("table.list-entries tbody tr", has_text=SERIOUS_ORGANISATION[1])
    expect(row).to_be_visible()
    expect(row).to_contain_text(SERIOUS_ORGANISATION[0])
    expect(row).to_contain_text("第十七条")
    expect(row).to_contain_text(
        f"{zh('Legal representative')}: {mask_name(SERIOUS_LEGAL_REPRESENTATIVE[0])}"
    )
    expect(row).to_contain_text(
        f"{zh('Other directly responsible person')}: {mask_name(SERIOUS_DIRECTLY_RESPONSIBLE[0])}"
    )
    for name, _ in (SERIOUS_LEGAL_REPRESENTATIVE, SERIOUS_DIRECTLY_RESPONSIBLE):
        expect(page.locator("body")).not_to_contain_text(name)


def test_a_joint_check_of_the_responsible_persons_finds_the_organisation(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    log_in(page, "querier")
    page.goto("/joint-check")
    page.get_by_label(zh("Administrative matter")).select_option("appointment")
    page.get_by_label(zh("Codes, one per line")).fill(
        f"{SERIOUS_LEGAL_REPRESENTATIVE[1]}\n{SERIOUS_DIRECTLY_RESPONSIBLE[1]}"
    )
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    rows = page.locator("#joint-check-results tbody tr")
    expect(rows).to_have_count(2)
    for index, (role, person) in enumerate(
        (
            ("Legal representative", SERIOUS_LEGAL_REPRESENTATIVE),
            ("Other directly responsible person", SERIOUS_DIRECTLY_RESPONSIBLE),
        )
    ):
        row = rows.nth(index)
        expect(row).to_contain_text(mask_citizen_id(person[1]))
        expect(row.locator("td.responsible-for")).to_contain_text(
            f"{zh(role)}: {SERIOUS_ORGANISATION[1]}"
        )
        expect(row).to_contain_text("限制任职资格")
    expect(page.locator("body")).not_to_contain_text(SERIOUS_LEGAL_REPRESENTATIVE[1])


def test_an_officer_names_a_responsible_person_and_the_reviewer_waits_for_the_window(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    reasons = f"拒不履行生效判决确定的义务，情节严重（E2E-{secrets.token_hex(3)}）"
    person_id = make_citizen_id(random.Random(secrets.randbits(64)), division="350111")
    mistyped = person_id[:-1] + ("1" if person_id[-1] == "0" else "0")
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    # The subject looked up, and the record the entry rests on ticked (decision 0043).
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(LOGISTICS_CODE)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    page.locator("fieldset.basis-choice").get_by_role(
        "checkbox", name="（2026）闽01执123号"
    ).check()
    page.get_by_label(zh("Recognition standard")).select_option("serious_refusing_duties")
    page.get_by_label(zh("Criteria met")).first.fill("有履行能力而拒不履行")
    page.get_by_label(zh("Reasons")).first.fill(reasons)
    page.get_by_label(zh("Evidence")).fill("（2026）闽01执123号")
    page.locator("#p-person-role-0").select_option("principal")
    page.locator("#p-person-name-0").fill("郑某某")
    page.locator("#p-person-id-0").fill(mistyped)
    page.get_by_role("button", name=zh("Propose")).click()

    alert = page.get_by_role("alert")
    # Named by the form's own field, on the row it was typed in.
    expect(alert).to_contain_text("person_citizen_id")
    # What was typed is kept, except the ID number, which is typed again.
    expect(page.get_by_label(zh("Reasons")).first).to_have_value(reasons)
    expect(page.locator("#p-person-name-0")).to_have_value("郑某某")
    expect(page.locator("#p-person-id-0")).to_have_value("")
    page.locator("#p-person-id-0").fill(person_id)
    page.get_by_role("button", name=zh("Propose")).click()
    entry = page.locator("article.entry", has_text=reasons)
    expect(entry).to_be_visible()
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "caseofficer2")
    page.goto("/lists-queue")
    entry = page.locator("article.entry", has_text=reasons)
    named = entry.locator("table.named-persons")
    expect(named).to_contain_text(zh("Principal"))
    expect(named).to_contain_text("郑某某")
    expect(named).to_contain_text(mask_citizen_id(person_id))
    # While the objection window runs the page offers no approval and says until when
    # (Art. 15 ¶2); the service refuses one all the same (window_open, tested on the API).
    decision = entry.locator("form", has=page.get_by_text(zh("Approve and publish")))
    expect(decision.get_by_label(zh("Approve and publish"))).to_be_disabled()
    expect(entry.locator("p.window-open")).to_contain_text("第十五条第二款")
    expect(page.locator("body")).not_to_contain_text(person_id)
