"""Journey: a citizen finds, in "my credit file", a record deleted after its retention period
— its type, source, dates and history, no content — and, in "reports issued to me", a
report of more than a year ago that no longer opens: opening it says why, with a 410."""
# The fixture is imported by name and then received as a parameter of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from tests.e2e.test_disclosure_journeys import CONTRACT_PERFORMANCE, disclosure_ready  # noqa: F401
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.collection import consent, pipeline, readers
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import reports, retention
from xinyong.subjects.models import Subject

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BANK_CODE = "91350100MB00000434"  # the demo bank
CONTRACT = "FZHX-2019-E2E-RETENTION"


@pytest.fixture(scope="module")
def retention_ready(live_server: LiveServer, disclosure_ready: None) -> str:
    """In the server's database: a breach the bank reported about the citizen seven years
    ago, resolved then, deleted by the daily job today; and a report the citizen was
    issued 400 days ago (another year: the year's free reports are untouched). Returns the
    report's number."""
    now = live_server.clock.now()
    then = FixedClock(now - dt.timedelta(days=7 * 365))
    year_ago = FixedClock(now - dt.timedelta(days=400))
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        person = session.scalar(
            select(Subject).where(
                Subject.name == demo.DEMO_PERSON[0], Subject.citizen_id_masked.is_not(None)
            )
        )
        assert person is not None
        user = session.scalar(select(UserAccount).where(UserAccount.username == "citizen"))
        assert user is not None
        citizen = accounts.actor_for_user(user)
        bank = accounts.organisation_by_code(session, BANK_CODE)
        consent.grant(
            session,
            then,
            citizen,
            subject=person,
            grantee=bank,
            record_type_codes=["contract_performance"],
            written=True,
            adverse_consequences_notified=False,
            evidence="signed in the page",
        )
        rows = [
            {
                "subject_name": demo.DEMO_PERSON[0],
                "subject_category": "自然人",
                "id_type": "身份证",
                "id_number": demo.DEMO_PERSON[1],
                "contract_number": CONTRACT,
                "breach_description": "贷款逾期",
                "counterparty": bank.name,
                "breach_date": (then.today() - dt.timedelta(days=30)).isoformat(),
                "resolved_on": (then.today() - dt.timedelta(days=10)).isoformat(),
            }
        ]
        source = readers.rows_from_objects(rows)
        report = pipeline.ingest(
            session,
            then,
            SYSTEM_ACTOR,
            pipeline.Submission(bank, "contract_performance", "cli", content_hash=CONTRACT),
            source.headers,
            source,
        )
        assert report.batch.created == 1, report.problems
        assert retention.delete_past_retention(session, live_server.clock).records >= 1
        issued = reports.issue(session, year_ago, citizen, person)
        return issued.report.number


def test_a_citizen_sees_a_deleted_record_and_a_report_that_no_longer_opens(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    retention_ready: str,
) -> None:
    number = retention_ready
    log_in(page, "citizen")
    page.goto("/me/credit")
    section = page.get_by_role("region", name=zh("Records deleted after their retention period"))
    expect(section).to_be_visible()
    record = section.get_by_role("article", name=CONTRACT_PERFORMANCE)
    expect(record).to_be_visible()
    expect(record.locator("dd[data-status='deleted']")).to_contain_text(
        zh("Deleted after the retention period")
    )
    history = record.get_by_role("table", name=zh("Change history"))
    expect(history.get_by_role("row")).to_have_count(3)  # heading, created, deleted
    expect(record).not_to_contain_text("贷款逾期")
    expect(page.locator("ol.records:not(.deleted-records)")).not_to_contain_text(CONTRACT)

    page.goto("/me/reports")
    row = page.locator(f"tr[data-report='{number}']")
    expect(row).to_contain_text(zh("No longer opens."))
    expect(row.get_by_role("link")).to_have_count(0)

    response = page.goto(f"/reports/{number}")
    assert response is not None
    assert response.status == 410
    expect(page.locator("[data-code='report_content_removed']")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("report_content_removed")
