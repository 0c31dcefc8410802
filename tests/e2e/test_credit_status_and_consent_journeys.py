"""Journeys: a citizen authorises the bank to read their list status and credit grade, the
bank's analyst reads it on the query pages by the citizen's ID number, and the citizen sees
the read in "who looked at my file" (Art. 19, 24); the market regulator's data reporter
records a written consent the citizen gave on paper, with its evidence, and the citizen
finds it among their consents (Art. 11); a person not yet on the platform is registered
from the ID number and name on the signed form (Art. 11 ¶1)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap, demo
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.identifiers import mask_citizen_id
from xinyong.synthetic import make_citizen_id

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BANK = "福州海峡商业银行股份有限公司"
REGULATOR = "福州市市场监督管理局"
CREDIT_STATUS_SCOPE = "名单状态和信用等级（用于风险定价，第十九条）"
# A type the demo regulator submits: the form offers only those (Art. 11).
INSPECTION = "行政检查"


@pytest.fixture(scope="module")
def catalog_ready(live_server: LiveServer) -> None:
    """The record catalog, which ``xinyong init`` loads and ``demo.seed`` does not."""
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, live_server.clock)


def test_the_bank_reads_a_citizens_credit_status_on_the_citizens_authorisation(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    catalog_ready: None,
    live_server: LiveServer,
) -> None:
    purpose = f"个人经营贷款风险定价 {secrets.token_hex(3)}"  # this run's row
    until = (live_server.clock.today() + dt.timedelta(days=90)).isoformat()
    log_in(page, "citizen")
    page.goto("/me/authorisations")
    page.get_by_label(zh("Organisation that may query")).select_option(label=BANK)
    page.get_by_label(CREDIT_STATUS_SCOPE, exact=True).check()
    page.get_by_label(zh("Purpose"), exact=True).fill(purpose)
    page.get_by_label(zh("Valid until"), exact=True).fill(until)
    page.get_by_label(zh("I have read the authorisation text above and sign it")).check()
    page.get_by_label(zh("Your full name, as your signature")).fill(demo.DEMO_PERSON[0])
    page.get_by_role("main").get_by_role("button", name=zh("Authorise"), exact=True).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Authorisation recorded."))
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "analyst")
    page.goto("/query")
    page.get_by_role("link", name=zh("Credit status"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Credit status for risk pricing"))
    page.get_by_label(zh("A natural person, by citizen ID number")).check()
    page.get_by_label(zh("Citizen ID number"), exact=True).fill(demo.DEMO_PERSON[1])
    page.get_by_role("button", name=zh("Read the credit status")).click()

    # Two authorisations cover the credit status now (the demo's for a credit card, and
    # this one): the form asks which this read is for (decision 0007 addendum).
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute(
        "data-code", "authorisation_required"
    )
    choice = page.get_by_role("group", name=zh("Written authorisation this query is for"))
    expect(choice.get_by_label(demo.CREDIT_CARD_PURPOSE, exact=False)).to_be_visible()
    choice.get_by_label(purpose, exact=False).check()
    page.get_by_role("button", name=zh("Read the credit status")).click()

    result = page.locator("section.credit-status")
    expect(result).to_have_attribute("data-legal-path", "authorisation")
    expect(result).to_contain_text(mask_citizen_id(demo.DEMO_PERSON[1]))
    expect(result.locator(".grade")).not_to_be_empty()
    expect(result.get_by_role("heading", name=zh("List status"))).to_be_visible()
    # The ID number is not shown back.
    expect(page.locator("body")).not_to_contain_text(demo.DEMO_PERSON[1])
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/access-log")
    reads = page.get_by_role("table", name=zh("Reads of my credit file"))
    read = reads.get_by_role("row").filter(has_text=purpose)
    expect(read).to_have_count(1)
    expect(read).to_contain_text(BANK)
    expect(read).to_have_attribute("data-granted", "true")
    expect(read).to_have_attribute("data-legal-path", "authorisation")


def test_the_reporter_records_a_consent_given_on_paper(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], catalog_ready: None
) -> None:
    evidence = f"书面同意书 E2E-{secrets.token_hex(3)}，原件存档于本局档案室"
    log_in(page, "reporter")
    page.get_by_role("link", name=zh("Record a consent")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Record a written consent"))
    # Only a natural person consents to collection (Art. 11 ¶1): no organisation is offered.
    expect(page.get_by_label(zh("Unified social credit code"), exact=True)).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)

    # Without evidence the consent is refused on the form, with what was typed kept.
    page.get_by_label(zh("Citizen ID number"), exact=True).fill(demo.DEMO_PERSON[1])
    page.get_by_label(INSPECTION, exact=True).check()
    page.get_by_role("button", name=zh("Record the consent")).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "evidence_required")
    expect(page.get_by_label(INSPECTION, exact=True)).to_be_checked()
    expect(page.get_by_label(zh("Citizen ID number"), exact=True)).to_have_value("")

    page.get_by_label(zh("Citizen ID number"), exact=True).fill(demo.DEMO_PERSON[1])
    # The name on the signed consent, always asked with an ID number (decision 0024).
    page.get_by_label(zh("Name, as on the signed consent")).fill(demo.DEMO_PERSON[0])
    page.get_by_label(zh("Evidence of the written consent")).fill(evidence)
    page.get_by_role("button", name=zh("Record the consent")).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Consent recorded."))
    assert demo.DEMO_PERSON[1] not in page.url
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/consents")
    mine = page.get_by_role("table", name=zh("Your consents"))
    expect(
        mine.get_by_role("row").filter(has_text=REGULATOR).filter(has_text=INSPECTION).first
    ).to_be_visible()


def test_a_company_is_not_offered_consents_to_collection(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], catalog_ready: None
) -> None:
    """Consent to collection is a natural person's (Art. 11 ¶1): the company's pages do not
    lead to it, and its address says why."""
    log_in(page, "company")
    page.get_by_role("link", name=zh("My credit"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My credit"))
    expect(page.get_by_role("link", name=zh("My consents to collection"))).to_have_count(0)
    expect(page.get_by_role("link", name=zh("My authorisations"))).to_be_visible()

    page.goto("/me/consents")
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "not_natural_person")
    expect(alert).to_contain_text("第十一条第一款")
    expect(alert).to_contain_text(
        zh(
            "consent to collection is given by natural persons only: information about an "
            "organisation is collected without its consent"
        )
    )


def test_the_reporter_registers_a_new_person_with_the_consent_given_on_paper(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    catalog_ready: None,
    live_server: LiveServer,
) -> None:
    import random

    from sqlalchemy import select

    from xinyong.disclosure.models import AccessEvent, LegalPath
    from xinyong.subjects import service as subjects

    new_id = make_citizen_id(random.Random(secrets.randbits(32)), division="350102")
    evidence = f"书面同意书 E2E-{secrets.token_hex(3)}，原件存档于本局档案室"
    log_in(page, "reporter")
    page.goto("/consents")
    # The name on the form is asked for (of any person, known or not); nobody is registered.
    page.get_by_label(zh("Citizen ID number"), exact=True).fill(new_id)
    page.get_by_label(INSPECTION, exact=True).check()
    page.get_by_label(zh("Evidence of the written consent")).fill(evidence)
    page.get_by_role("button", name=zh("Record the consent")).click()
    alert = page.get_by_role("alert")
    expect(alert.locator("[data-code]").first).to_have_attribute("data-code", "name_required")
    expect(page.get_by_label(zh("Name, as on the signed consent"))).to_have_attribute(
        "aria-invalid", "true"
    )

    page.get_by_label(zh("Citizen ID number"), exact=True).fill(new_id)
    page.get_by_label(zh("Name, as on the signed consent")).fill("林某某")
    page.get_by_role("button", name=zh("Record the consent")).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Consent recorded."))
    expect(page.locator("body")).not_to_contain_text(new_id)

    with unit_of_work(make_session_factory(live_server.engine)) as session:
        person = subjects.by_citizen_id(session, new_id)
        assert person is not None
        assert person.name == "林某某"
        (event,) = session.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == person.id)
        ).all()
        assert event.legal_path is LegalPath.CONSENT
        assert event.consent_id is not None
