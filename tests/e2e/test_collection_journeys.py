"""Journeys: a data reporter uploads the sample penalty file and reads the batch report
(and one with a row refused for a NUL in a value, and until when its content is kept); a
citizen gives a consent to collection and revokes it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.test_pages_collection import sample_table, to_csv
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection import sources
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # 福州市市场监督管理局, the demo reporter's organisation
BANK = "福州海峡商业银行股份有限公司"
CONTRACT_PERFORMANCE = "合同履约信息"


@pytest.fixture(scope="module")
def collection_ready(live_server: LiveServer) -> None:
    """The catalog and the regulator's responsibility for penalties, as ``xinyong init``
    and ``xinyong sources grant`` set them up, in the live server's database. Both steps
    are no-ops where the demo data has them already."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        regulator = accounts.organisation_by_code(session, REGULATOR)
        sources.grant(session, clock, SYSTEM_ACTOR, regulator, "administrative_penalty")


# The demo's integrity model (on the red list) and another demo company with penalties.
INTEGRITY_MODEL = ("91350100WWAPA40225", "福建榕城餐饮管理有限公司")
PENALISED = ("91350100MG59YK161P", "福州晨光文具贸易有限公司")


def shared_server_sample() -> list[list[str]]:
    """The sample file with its penalty on the demo's integrity model given to another demo
    company: a bad record ends a red-list entry (decision 0041), and the journeys sharing
    this server read the integrity model on the red list (tests/e2e/test_joint_check.py,
    tests/e2e/test_integrity_publicity_journeys.py). The ending is tested on its own
    (tests/test_red_list_exit.py)."""
    table = sample_table()
    for row in table[1:]:
        if row[2] == INTEGRITY_MODEL[0]:
            row[0], row[2] = PENALISED[1], PENALISED[0]
    return table


SAMPLE_CSV = to_csv(shared_server_sample())


def log_in(page: Page, zh: Callable[[str], str], username: str) -> None:
    """Log in as a demo account through the login form."""
    page.goto("/login")
    page.get_by_label(zh("Username")).fill(username)
    page.get_by_label(zh("Password")).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
    expect(page.get_by_role("button", name=zh("Log out"))).to_be_visible()


def test_reporter_uploads_the_sample_and_reads_the_report(
    page: Page, zh: Callable[[str], str], collection_ready: None
) -> None:
    log_in(page, zh, "reporter")
    navigation = page.get_by_role("navigation", name=zh("Main"))
    navigation.get_by_role("link", name=zh("Submit records")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Submit records"))

    page.get_by_label(zh("Record type"), exact=True).select_option("administrative_penalty")
    page.get_by_label(zh("File"), exact=True).set_input_files(
        files=[
            {
                "name": "administrative_penalty.sample.csv",
                "mimeType": "text/csv",
                "buffer": SAMPLE_CSV,
            }
        ]
    )
    expect(page.get_by_label(zh("Dry run"), exact=True)).not_to_be_checked()
    page.get_by_role("main").get_by_role("button", name=zh("Upload"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/batches/\d+(\?replayed=1)?$"))
    counts = page.get_by_role("table", name=zh("Counts"))
    expect(counts.get_by_role("row", name=f"{zh('Rows')} 5", exact=True)).to_be_visible()
    expect(counts.get_by_role("row", name=f"{zh('Rejected')} 0", exact=True)).to_be_visible()
    expect(
        counts.get_by_role(
            "row", name=f"{zh('Held: name does not match the registered subject')} 0", exact=True
        )
    ).to_be_visible()
    expect(page.get_by_role("link", name=zh("Download the problems as CSV"))).to_be_visible()

    # The batch is listed, and its report is one link away.
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Batches"), exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Batches"))
    expect(page.get_by_role("table", name=zh("Batches"))).to_contain_text(
        "administrative_penalty.sample.csv"
    )


def test_a_dry_run_names_the_record_type_and_the_refused_field(
    page: Page, zh: Callable[[str], str], collection_ready: None
) -> None:
    """Checking a file first (a dry run) reports what the saved batch's report would: the
    record type by its name, and the field of each problem by its label."""
    table = shared_server_sample()
    table[2][15] = "not a date"  # 处罚决定日期 of spreadsheet row 3
    table[4][22] = "E2E-DRY-RUN"  # 备注: a file of its own
    log_in(page, zh, "reporter")
    page.goto("/batches/upload")
    page.get_by_label(zh("Record type"), exact=True).select_option("administrative_penalty")
    page.get_by_label(zh("File"), exact=True).set_input_files(
        files=[{"name": "check.csv", "mimeType": "text/csv", "buffer": to_csv(table)}]
    )
    page.get_by_label(zh("Dry run"), exact=True).check()
    page.get_by_role("main").get_by_role("button", name=zh("Upload"), exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Dry run report"))
    facts = page.locator("dl.facts")
    expect(facts.get_by_role("link", name="行政处罚", exact=True)).to_have_attribute(
        "href", "/catalog/administrative_penalty"
    )
    problem = page.get_by_role("table", name=zh("Problems")).locator('tr[data-row="3"]')
    expect(problem).to_have_attribute("data-code", "invalid_date")
    expect(problem.locator("td").first).to_have_text("处罚决定日期")


def test_a_row_with_a_nul_is_refused_and_its_content_kept_for_a_period(
    page: Page, zh: Callable[[str], str], collection_ready: None
) -> None:
    table = shared_server_sample()
    table[2][8] = "当事人在其网站\x00发布引人误解的商业宣传"  # 违法事实 of spreadsheet row 3
    table[4][22] = "E2E-NUL"  # 备注: a file of its own, not a replay of another journey's
    log_in(page, zh, "reporter")
    page.goto("/batches/upload")
    page.get_by_label(zh("Record type"), exact=True).select_option("administrative_penalty")
    page.get_by_label(zh("File"), exact=True).set_input_files(
        files=[{"name": "nul.csv", "mimeType": "text/csv", "buffer": to_csv(table)}]
    )
    page.get_by_role("main").get_by_role("button", name=zh("Upload"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/batches/\d+(\?replayed=1)?$"))
    counts = page.get_by_role("table", name=zh("Counts"))
    expect(counts.get_by_role("row", name=f"{zh('Rejected')} 1", exact=True)).to_be_visible()
    problem = page.get_by_role("table", name=zh("Problems")).locator('tr[data-row="3"]')
    expect(problem).to_have_attribute("data-code", "nul_character")
    expect(problem).to_contain_text(
        zh(
            "the value holds the NUL character (U+0000), which no field may hold; remove it "
            "from the file and submit the row again"
        )
    )
    expect(page.locator('[data-quarantined-content="kept"]')).to_be_visible()


def test_citizen_gives_a_consent_and_revokes_it(
    page: Page, zh: Callable[[str], str], collection_ready: None
) -> None:
    log_in(page, zh, "citizen")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("My credit")
    ).click()
    page.get_by_role("main").get_by_role("link", name=zh("My consents to collection")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("My consents to collection"))

    revoke_name = zh("Revoke the consent to %(organisation)s") % {"organisation": BANK}
    revoke = page.get_by_role("button", name=revoke_name)
    before = revoke.count()  # the demo data may hold consents already

    page.get_by_label(zh("Organisation that may collect")).select_option(label=BANK)
    page.get_by_label(CONTRACT_PERFORMANCE).check()
    page.get_by_label(zh("This is my written consent")).check()
    page.get_by_role("button", name=zh("Give consent"), exact=True).click()

    expect(page.get_by_role("status")).to_have_text(zh("Consent recorded."))
    expect(revoke).to_have_count(before + 1)
    consents = page.get_by_role("table", name=zh("Your consents"))
    newest = consents.get_by_role("row").nth(1)  # after the header row, newest first
    expect(newest).to_contain_text(BANK)
    expect(newest).to_contain_text(CONTRACT_PERFORMANCE)

    newest.get_by_role("button", name=revoke_name).click()
    expect(page.get_by_role("status")).to_have_text(
        zh("Consent revoked: no further information is collected under it from the next batch on.")
    )
    expect(revoke).to_have_count(before)
    expect(consents.get_by_role("row").nth(1).get_by_role("button")).to_have_count(0)
