"""Journey of Art. 18 in the pages: the market regulator's data reporter registers a
principal of a seriously dishonest organisation — refused first for a person new to the
platform without a name, with what was typed kept and the ID number not shown back — and
then a query officer's joint check of that person finds the organisation, the measures that
reach him, and no green channel."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from xinyong.demo import SERIOUS_LEGAL_REPRESENTATIVE, SERIOUS_ORGANISATION
from xinyong.identifiers import mask_citizen_id
from xinyong.synthetic import make_citizen_id

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def test_a_principal_registered_for_a_listed_organisation_answers_for_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    citizen_id = make_citizen_id(random.Random(secrets.randbits(32)), division="350103")
    basis = f"榕市监登〔2026〕E2E-{secrets.token_hex(3)}号"
    log_in(page, "reporter")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Responsible persons")
    ).click()
    page.get_by_label(zh("Unified social credit code")).fill(SERIOUS_ORGANISATION[0])
    page.get_by_role("button", name=zh("Show its responsible persons")).click()
    expect(page.locator("main")).to_contain_text(SERIOUS_ORGANISATION[1])

    page.get_by_label(zh("Capacity"), exact=True).select_option("principal")
    page.get_by_label(zh("Citizen ID number")).fill(citizen_id)
    page.get_by_label(zh("Registration document")).fill(basis)
    page.get_by_role("button", name=zh("Register the person")).click()
    expect(page.get_by_role("alert")).to_be_visible()  # a person new to the platform: a name
    expect(page.get_by_label(zh("Registration document"))).to_have_value(basis)
    expect(page.locator("body")).not_to_contain_text(citizen_id)

    page.get_by_label(zh("Citizen ID number")).fill(citizen_id)
    page.get_by_label(zh("Name (required for a person new to the platform)")).fill("郑某某")
    page.get_by_role("button", name=zh("Register the person")).click()
    expect(page.get_by_role("status")).to_contain_text(zh("Responsible person registered."))
    row = page.locator('tr[data-role="principal"]', has_text="郑某某")
    expect(row).to_contain_text(mask_citizen_id(citizen_id))
    expect(row).to_contain_text(basis)
    expect(page.locator("body")).not_to_contain_text(citizen_id)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "querier")
    page.goto("/joint-check")
    page.get_by_label(zh("Administrative matter")).select_option("appointment")
    page.get_by_label(zh("Codes, one per line")).fill(citizen_id)
    page.get_by_role("button", name=zh("Check"), exact=True).click()
    result = page.locator("#joint-check-results tbody tr")
    expect(result).to_have_count(1)
    expect(result.locator("td.responsible-for")).to_contain_text(
        f"{zh('Principal')}: {SERIOUS_ORGANISATION[1]}"
    )
    expect(result).to_contain_text("限制任职资格")


def test_the_credit_authority_reads_the_register_which_says_who_reads_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None]
) -> None:
    """The credit authority reads an organisation's register in full (supervision, Art. 33);
    the page says who may read it and that each read is in the named persons' access logs
    (decision 0045)."""
    log_in(page, "authority")
    page.goto("/responsible-persons")
    expect(page.locator("main")).to_contain_text(
        zh(
            "The register is read in full only by the authority that registers the "
            "organisation and by the credit authority; every such read is in the access log "
            "of each person it shows (Art. 24)."
        )
    )
    page.get_by_label(zh("Unified social credit code")).fill(SERIOUS_ORGANISATION[0])
    page.get_by_role("button", name=zh("Show its responsible persons")).click()
    row = page.locator(
        'tr[data-role="legal_representative"]', has_text=SERIOUS_LEGAL_REPRESENTATIVE[0]
    )
    expect(row).to_contain_text(mask_citizen_id(SERIOUS_LEGAL_REPRESENTATIVE[1]))
    expect(page.locator("body")).not_to_contain_text(SERIOUS_LEGAL_REPRESENTATIVE[1])
