"""Journeys of a credit service institution's unfinished work for a person (Art. 25, 26;
decision 0024 addendum, session 12). The institution recorded two contract breaches about
the demo person on her consent; she objected to one, and the credit authority upheld it;
she had applied to repair the other — before market records were refused — and the
platform accepted it; then the institution was suspended. Her file offers no repair of the
institution's records: market credit information is not repaired on the platform. The credit authority deregisters it on the register's page, and the person reads
in her objections that the record found wrong is no longer shared or used, the credit
authority having acted in the institution's place; and the credit authority's case officer
finds the repair under "credit repair for sources outside the register" and approves it."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import ingest, subject_row
from tests.e2e.conftest import LiveServer
from tests.repair_helpers import applied_before_market_records_were_refused
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.collection import consent, records, sources
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.demo import DEMO_PASSWORD, DEMO_PERSON
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.objections import service as objections
from xinyong.repair import service as repair
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

SUFFIX = secrets.token_hex(3)
CODE = make_uscc(random.Random(f"departed-{SUFFIX}"), prefix="91")
NAME = f"福州守约信用评估有限公司（E2E-{SUFFIX}）"
STAND_IN = f"e2e_authority_cases_{SUFFIX}"
CONTRACTS = (f"HT-E2E-{SUFFIX}-1", f"HT-E2E-{SUFFIX}-2")
REGULATOR = "113501000036441868"  # 福州市市场监督管理局: the commitment is made to it
AUTHORITY = "11350100MB0000027N"  # the demo credit authority


def _actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return accounts.actor_for_user(user)


@pytest.fixture(scope="module")
def cases_left(live_server: LiveServer) -> dict[str, int]:
    """The institution, its two records about the demo person, her upheld objection to the
    first and her accepted application to repair the second; the institution suspended; and
    a case officer of the credit authority."""
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
            filing_number=f"闽信用备〔2026〕E2E-D-{SUFFIX}号",
            filing_date=dt.date(2026, 3, 2),
            business_scope="企业信用评价",
            services=["信用评价报告"],
        )
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, "contract_performance")
        person = _actor(session, "citizen")
        subject = session.get(Subject, person.subject_id)
        assert subject is not None
        consent.grant(
            session,
            clock,
            person,
            subject=subject,
            grantee=organisation,
            record_type_codes=["contract_performance"],
            written=True,
            adverse_consequences_notified=False,
            service="信用评价报告",
            service_not_conditional=True,
        )
        rows = [
            {
                **subject_row(DEMO_PERSON[0], citizen_id=DEMO_PERSON[1]),
                "contract_number": number,
                "breach_description": "逾期未付服务费",
                "breach_date": (clock.today() - dt.timedelta(days=30)).isoformat(),
                "counterparty": NAME,
            }
            for number in CONTRACTS
        ]
        ingest(session, clock, organisation, rows, record_type="contract_performance")
        objected, repaired = session.scalars(
            select(CreditRecord)
            .where(CreditRecord.source_organisation_id == organisation.id)
            .order_by(CreditRecord.id)
        ).all()
        handler = _actor(session, "objections")
        objection = objections.raise_objection(
            session,
            clock,
            person,
            objected.id,
            ground="error",
            statement="该合同已于违约前解除",
        )
        objections.decide(
            session, clock, handler, objection.id, outcome="upheld", reasons="合同解除属实"
        )
        commitment = records.make_commitment(
            session,
            clock,
            person,
            commitment_type="履约承诺",
            reason="合同违约",
            text="本人承诺按期履行合同义务",
            accepting_unit=accounts.organisation_by_code(session, REGULATOR),
        )
        # Applied for before market records were refused (decision 0023, 2026-11-30): the
        # case is left to be decided.
        case = applied_before_market_records_were_refused(
            session,
            clock,
            person,
            repaired,
            commitment_record_id=commitment.id,
            correction="已全额支付欠付服务费",
            evidence="付款凭证",
        )
        repair.feedback(session, clock, handler, case.id, accept=True, reasons="")
        register.change_status(
            session,
            clock,
            SYSTEM_ACTOR,
            CODE,
            status=InstitutionStatus.SUSPENDED,
            reason="未按期整改",
        )
        accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR,
            username=STAND_IN,
            display_name="信用主管部门案件承办人",
            password=DEMO_PASSWORD,
            role=Role.CASE_OFFICER,
            organisation=accounts.organisation_by_code(session, AUTHORITY),
        )
        return {"objection": objection.id, "repair": case.id}


def test_her_file_offers_no_repair_of_the_institutions_records(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    cases_left: dict[str, int],
) -> None:
    log_in(page, "citizen")
    page.goto("/me/credit")
    institutions = page.locator("li.record").filter(has_text=NAME)
    expect(institutions.first).to_be_visible()
    expect(institutions.locator("a.apply-repair")).to_have_count(0)
    record = institutions.first.get_attribute("data-record")
    page.get_by_role("link", name=zh("My credit repair")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My credit repair"))
    expect(page.locator(f"#record option[value='{record}']")).to_have_count(0)


def test_deregistering_the_institution_tells_the_person_her_record_is_no_longer_used(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    cases_left: dict[str, int],
) -> None:
    log_in(page, "authority")
    page.goto("/admin/institutions")
    row = page.locator(f'tr[data-institution="{CODE}"]')
    row.get_by_label(zh("New status")).select_option(label=zh("Deregistered"))
    row.get_by_label(zh("Reason")).fill("主动申请注销备案")
    row.get_by_role("button", name=zh("Record the status")).click()
    expect(page.get_by_role("status").first).to_contain_text(zh("Status recorded."))
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "citizen")
    page.goto("/me/objections")
    case = page.locator(f'article[data-objection="{cases_left["objection"]}"]')
    expect(case.locator(".objection-status")).to_have_attribute("data-status", "no_longer_used")
    expect(case.locator(".objection-status")).to_have_text(
        zh("Upheld: the record is no longer shared or used, as its source cannot correct it")
    )
    expect(case.locator('[data-completed-by="credit_authority"]')).to_be_visible()


def test_the_credit_authoritys_case_officer_approves_the_repair_in_its_place(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    cases_left: dict[str, int],
) -> None:
    log_in(page, STAND_IN)
    nav = page.get_by_role("navigation", name=zh("Main"))
    nav.get_by_role("link", name=zh("Credit repair for sources outside the register")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        zh("Credit repair for sources outside the register")
    )
    case_name = zh("Credit repair case no. %(number)s") % {"number": cases_left["repair"]}
    page.get_by_role("link", name=case_name).click()
    expect(page.locator("[data-outside-register]").first).to_be_visible()
    page.get_by_label(zh("Approve: the record is repaired")).check()
    page.locator("#decide-reasons").fill("已付清欠款，整改到位")
    page.get_by_role("button", name=zh("Decide"), exact=True).click()
    expect(page.locator(".repair-status")).to_have_attribute("data-status", "approved")
    expect(page.locator('[data-decided-by="credit_authority"]')).to_be_visible()
