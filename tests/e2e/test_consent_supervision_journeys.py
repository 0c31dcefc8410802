"""Journey of Art. 27 ¶2 and 33 (decision 0024 addendum, session 24): the credit authority
finds, from its menu, the consent a credit service institution recorded with the person's
signed form — filtering by the institution and "signed form kept" — sees the person named
with the ID number masked, and opens the signed form from the row; the person then finds
the listing in their access log (Art. 24). And (session 25) a written authorisation opened
as signed from its row, and a bad filter refused on the page."""

from __future__ import annotations

import base64
import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from xinyong import bootstrap, demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import consent, sources
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import authorisations
from xinyong.institutions import register
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SUFFIX = secrets.token_hex(3)
CODE = make_uscc(random.Random(f"consent-supervision-{SUFFIX}"), prefix="91")
NAME = f"福州明信信用评估有限公司（E2E-{SUFFIX}）"
CLERK = f"e2e_form_clerk_{SUFFIX}"
SIGNED_FORM = b"%PDF-1.7\n% signed consent form, e2e\n"
MASKED = demo.DEMO_PERSON[1][:6] + "********" + demo.DEMO_PERSON[1][-4:]


@pytest.fixture(scope="module")
def consent_with_form(live_server: LiveServer) -> None:
    """A registered institution with a data reporter, which records the demo person's
    written consent with the signed form (as its ``/consents`` page does)."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        organisation = accounts.create_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            code=CODE,
            name=NAME,
            kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        )
        register.register(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=CODE,
            name=NAME,
            filing_number=f"闽信用备〔2026〕E2E-{SUFFIX}号",
            filing_date=dt.date(2026, 3, 2),
            business_scope="企业信用评价",
            services=["信用评价报告"],
        )
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, "contract_performance")
        clerk = accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR,
            username=CLERK,
            display_name="明信信用信息报送员",
            password=demo.DEMO_PASSWORD,
            role=Role.DATA_REPORTER,
            organisation=organisation,
        )
        consent.record_held(
            session,
            clock,
            accounts.actor_for_user(clerk),
            grantee=organisation,
            citizen_id=demo.DEMO_PERSON[1],
            name=demo.DEMO_PERSON[0],
            record_type_codes=["contract_performance"],
            written=True,
            adverse_consequences_notified=False,
            evidence=f"书面同意书 E2E-{SUFFIX}",
            service="信用评价报告",
            service_not_conditional=True,
            evidence_document=base64.b64encode(SIGNED_FORM).decode(),
        )


def test_the_authority_finds_a_consent_and_opens_its_signed_form(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    consent_with_form: None,
) -> None:
    log_in(page, "authority")
    nav = page.get_by_role("navigation", name=zh("Main"))
    nav.get_by_role("link", name=zh("Consents and authorisations")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Consents and authorisations"))
    page.get_by_label(zh("Organisation"), exact=True).select_option(label=NAME)
    page.get_by_label(zh("Signed form")).select_option(label=zh("Kept"))
    page.get_by_role("button", name=zh("Show")).click()
    expect(page.get_by_role("heading", name=zh("%(count)s found") % {"count": 1})).to_be_visible()
    row = page.locator("table.grants tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_contain_text(demo.DEMO_PERSON[0])
    expect(row.locator("[data-citizen-id]")).to_have_text(MASKED)
    expect(row).not_to_contain_text(demo.DEMO_PERSON[1])
    expect(row).to_contain_text(zh("In force"))
    link = row.get_by_role("link", name=zh("Open the signed form"))
    href = link.get_attribute("href")
    assert href is not None
    assert href.endswith("/signed-form")
    # The form is the PDF the institution uploaded, read in the authority's session.
    opened = page.request.get(href)
    assert opened.status == 200
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.body() == SIGNED_FORM
    page.get_by_role("button", name=zh("Log out")).click()

    # The person finds the listing, and the reading of the form, in their access log.
    log_in(page, "citizen")
    page.goto("/me/access-log")
    expect(
        page.get_by_text(
            zh(
                "Your consent or written authorisation to an organisation (your name, masked "
                "ID number and its terms), listed by the credit authority supervising it"
            )
        ).first
    ).to_be_visible()


def test_the_person_sees_why_a_consent_ended(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    consent_with_form: None,
) -> None:
    """A consent the person gives and then revokes says, in its row, who revoked it."""
    log_in(page, "citizen")
    page.goto("/me/consents")
    page.get_by_label(zh("Organisation that may collect")).select_option(label=NAME)
    page.get_by_label("合同履约信息", exact=True).check()
    page.get_by_label(zh("Service the institution provides you")).fill("信用评价报告")
    page.locator("#service_not_conditional").check()
    page.get_by_label(zh("Valid until (leave empty: until I revoke it)")).fill("2031-12-31")
    page.get_by_role("button", name=zh("Give consent")).click()
    expect(page.get_by_role("status").first).to_have_text(zh("Consent recorded."))
    mine = page.get_by_role("table", name=zh("Your consents"))
    row = (
        mine.locator('tr[data-revoked="false"]').filter(has_text=NAME).filter(has_text="2031-12-31")
    )
    expect(row).to_contain_text(zh("In force"))
    row.get_by_role("button", name=zh("Revoke")).click()
    ended = mine.locator('tr[data-revoked="true"]').filter(has_text="2031-12-31")
    expect(ended.locator("[data-end-reason]")).to_have_text(zh("Revoked by you"))


SIGNED_TEXT = (
    f"本人授权福州明信信用评估有限公司查询本人合同履约信息，用于信用评价（E2E-{SUFFIX}）。"
)


@pytest.fixture(scope="module")
def authorisation_signed_in_page(live_server: LiveServer, consent_with_form: None) -> None:
    """The demo person's written authorisation of the institution, signed in the page."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        citizen = session.scalars(
            select(UserAccount).where(UserAccount.username == "citizen")
        ).one()
        authorisations.grant(
            session,
            clock,
            accounts.actor_for_user(citizen),
            grantee=session.scalars(select(Organisation).where(Organisation.code == CODE)).one(),
            record_type_codes=["contract_performance"],
            purpose="企业信用评价",
            valid_until=clock.today() + dt.timedelta(days=30),
            evidence_kind="signed_in_page",
            evidence=SIGNED_TEXT,
            service="信用评价报告",
            service_not_conditional=True,
        )


def test_the_authority_opens_a_written_authorisation_as_signed(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    authorisation_signed_in_page: None,
) -> None:
    """Decision 0024, session 25 addendum: the authorisation's row links to the writing the
    person signed; the person finds that reading in their access log."""
    log_in(page, "authority")
    page.goto("/supervision/consents")
    page.get_by_label(zh("Kind")).select_option(label=zh("Written authorisations (Art. 13 ¶3)"))
    page.get_by_label(zh("Organisation"), exact=True).select_option(label=NAME)
    page.get_by_role("button", name=zh("Show")).click()
    row = page.locator("table.grants tbody tr")
    expect(row).to_have_count(1)
    expect(row.get_by_role("rowheader")).to_contain_text(demo.DEMO_PERSON[0])
    row.get_by_role("link", name=zh("Open the signed form")).click()
    expect(page.locator("body")).to_contain_text(SIGNED_TEXT)
    page.goto("/supervision/consents")
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/access-log")
    expect(
        page.get_by_text(
            zh(
                "Your written authorisation to an organisation, as you signed it, read by the "
                "credit authority supervising the organisation"
            )
        ).first
    ).to_be_visible()


def test_a_bad_filter_is_refused_on_the_page(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
) -> None:
    log_in(page, "authority")
    response = page.goto("/supervision/consents?signed_form=maybe")
    assert response is not None
    assert response.status == 422
    expect(page.locator("#form-error [data-code]")).to_have_attribute(
        "data-code", "invalid_request"
    )
    expect(page.locator("#form-error")).to_contain_text(zh("choose one of the values offered"))
    expect(page.get_by_role("button", name=zh("Show"))).to_be_visible()


def test_the_authority_revokes_a_consent_with_its_reasons_and_the_person_reads_who(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    consent_with_form: None,
) -> None:
    """Decision 0024, session 25 addendum: the credit authority ends the consent from its
    row, with its reasons; the person's row then says the credit authority revoked it, and
    the access log says so too. Last in the module: it ends the module's consent."""
    log_in(page, "authority")
    page.goto("/supervision/consents")
    page.get_by_label(zh("Organisation"), exact=True).select_option(label=NAME)
    page.get_by_label(zh("Signed form")).select_option(label=zh("Kept"))
    page.get_by_role("button", name=zh("Show")).click()
    row = page.locator("table.grants tbody tr")
    expect(row).to_have_count(1)
    row.get_by_label(zh("Reasons for revoking (how it was not lawfully obtained)")).fill(
        "信用评价报告服务以同意采集为条件"
    )
    row.get_by_role("button", name=zh("Revoke this consent")).click()
    revoked = (
        page.locator("table.grants tbody tr")
        .filter(has_text=NAME)
        .filter(has=page.locator('[data-end-reason="revoked_by_credit_authority"]'))
    )
    expect(revoked).to_have_count(1)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/consents")
    mine = page.get_by_role("table", name=zh("Your consents"))
    ended = mine.locator('tr[data-revoked="true"]').filter(has=page.locator("[data-signed-form]"))
    expect(ended.locator("[data-end-reason]")).to_have_text(
        zh("Revoked by the credit authority supervising the organisation (Art. 6, 33)")
    )
    page.goto("/me/access-log")
    expect(
        page.get_by_text(
            zh("Your consent to an organisation, revoked by the credit authority supervising it")
        ).first
    ).to_be_visible()
