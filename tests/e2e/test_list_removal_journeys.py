"""Journey on removing a published entry by hand with four eyes (Art. 14, 15; decision
0042): a case officer proposes the removal from the entry on its agency's queue; the
entry stays on the public list and the same officer is offered no decision; the second
case officer approves from the removal proposals page, linked from the navigation; the
public black list no longer shows the entry. The entry is a company of the journey's own,
so the demo's entries stay as they are for the other journeys."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from tests.lists_helpers import penalty_record
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.lists import entries
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _listed_company(live_server: LiveServer) -> tuple[str, int]:
    """A company of its own on the black list at the market regulator since 30 days ago."""
    clock = live_server.clock
    name = f"福州移出旅程{secrets.token_hex(3)}贸易有限公司"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        company = subjects.register_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(secrets.randbits(32))),
            name=name,
        )

        def officer(username: str) -> accounts.Actor:
            user = session.scalar(select(UserAccount).where(UserAccount.username == username))
            assert user is not None
            return accounts.actor_for_user(user)

        std = entries.standard(session, "dishonest_subject")
        proposed = clock.now() - dt.timedelta(days=30 + std.objection_days + 1)
        # Early enough that the window, moved past a holiday (民法典 Art. 203), has closed.
        while (
            entries.window_end(session, std, FixedClock(proposed).today())
            >= FixedClock(clock.now() - dt.timedelta(days=30)).today()
        ):
            proposed -= dt.timedelta(days=1)
        entry = entries.propose(
            session,
            FixedClock(proposed),
            officer("caseofficer2"),
            subject=company,
            standard_code=std.code,
            criteria_met=std.criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2026〕E2E号",
            # The penalty the entry rests on (decision 0043), the regulator's own.
            basis_record_ids=[
                penalty_record(
                    session,
                    FixedClock(proposed),
                    session.get(Organisation, officer("caseofficer2").organisation_id),
                    company,
                )
            ],
        )
        entries.approve(
            session,
            FixedClock(clock.now() - dt.timedelta(days=30)),
            officer("caseofficer"),
            entry.id,
            reasons="异议期满无异议",
        )
        return name, entry.id


def test_one_officer_proposes_the_removal_and_a_second_approves_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    name, entry_id = _listed_company(live_server)
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    published = page.locator(f"#published-{entry_id}")
    published.get_by_label(zh("Reason for early removal")).select_option("exit_conditions_met")
    published.get_by_label(zh("Details")).fill("罚款已缴清，失信行为已纠正。")
    published.get_by_role("button", name=zh("Propose removal")).click()
    expect(page.locator("p.result.ok")).to_be_visible()
    # Proposed, not removed: the entry shows the pending proposal and stays on the list.
    pending = page.locator(f"#published-{entry_id} [data-removal-proposal]")
    expect(pending).to_be_visible()
    proposal_id = pending.get_attribute("data-removal-proposal")
    assert proposal_id
    expect(page.locator(f"#published-{entry_id}").get_by_role("button")).to_have_count(0)
    page.goto("/lists/black")
    expect(page.get_by_text(name)).to_be_visible()
    # The proposer finds it among its own proposals, with no decision offered.
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Removal proposals")
    ).click()
    own = page.locator(f"li[data-removal-proposal='{proposal_id}']")
    expect(own).to_have_attribute("data-status", "open")
    expect(page.locator(f"#removal-{proposal_id}")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "caseofficer2")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Removal proposals")
    ).click()
    case = page.locator(f"#removal-{proposal_id}")
    case.get_by_label(zh("Approve: remove the entry from the list")).check()
    case.get_by_label(zh("Reasons"), exact=True).fill("核实罚款已缴清，同意移出。")
    case.get_by_role("button", name=zh("Decide"), exact=True).click()
    expect(page.locator("p.result.ok")).to_be_visible()
    expect(page.locator(f"#removal-{proposal_id}")).to_have_count(0)

    page.goto("/lists/black")
    expect(page.get_by_text(name)).to_have_count(0)
