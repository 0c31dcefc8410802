"""Journey on early removal from the black list (SAMR Order 44; decision 0027): a company
listed 400 days ago applies from its notices page with the public credit commitment; a
case officer of the recognising market regulator proposes approval; the same officer may
not approve (separate duties); the second case officer approves; the company sees the
entry removed early. An application whose entry is taken off the list by hand meanwhile
lapses: it leaves the agency's open applications, and the company reads why."""

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
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.lists import early_removal, entries, removal_proposals
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import RemovalReason
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _listed_company(live_server: LiveServer) -> tuple[str, int]:
    """A company of its own with a subject account, on the black list (a standard allowing
    early removal) at the market regulator since 400 days ago."""
    clock = live_server.clock
    username = f"er{secrets.token_hex(3)}"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        company = subjects.register_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(secrets.randbits(32))),
            name=f"福州提前移出旅程{username}贸易有限公司",
        )
        # A subject account is activated by its subject with the code (decision 0031).
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username=username, subject_id=company.id
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session, clock, username=username, code=issued.code, password=demo.DEMO_PASSWORD
        )

        def officer(name: str) -> accounts.Actor:
            user = session.scalar(select(UserAccount).where(UserAccount.username == name))
            assert user is not None
            return accounts.actor_for_user(user)

        std = entries.standard(session, "dishonest_subject")
        then = clock.now() - dt.timedelta(days=400 + std.objection_days + 1)
        # Early enough that the window, moved past a holiday (民法典 Art. 203), has closed.
        while (
            entries.window_end(session, std, FixedClock(then).today())
            >= FixedClock(clock.now() - dt.timedelta(days=400)).today()
        ):
            then -= dt.timedelta(days=1)
        entry = entries.propose(
            session,
            FixedClock(then),
            officer("caseofficer2"),
            subject=company,
            standard_code=std.code,
            criteria_met=std.criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2025〕E2E号",
            basis_record_ids=[
                penalty_record(
                    session,
                    FixedClock(then),
                    session.get(Organisation, officer("caseofficer2").organisation_id),
                    company,
                )
            ],
        )
        entries.approve(
            session,
            FixedClock(clock.now() - dt.timedelta(days=400)),
            officer("caseofficer"),
            entry.id,
            reasons="异议期满无异议",
        )
        return username, entry.id


def test_company_applies_officer_proposes_second_officer_approves(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, entry_id = _listed_company(live_server)
    log_in(page, username)
    page.goto("/me/notices")
    section = page.locator(f"#early-removal-{entry_id}")
    section.get_by_label(zh("How the obligations were met")).fill("罚款已于2025年缴清，已整改。")
    section.get_by_label(zh("Evidence (documents, receipts, decision numbers)")).fill(
        "缴款凭证 E2E-0001"
    )
    section.get_by_role("checkbox").check()
    section.get_by_role("button", name=zh("Apply for early removal")).click()
    section = page.locator(f"#early-removal-{entry_id}")
    expect(section.get_by_role("status")).to_be_visible()
    application = section.locator("[data-early-removal]").first
    expect(application).to_have_attribute("data-status", "submitted")
    application_id = application.get_attribute("data-early-removal")
    assert application_id
    page.get_by_role("button", name=zh("Log out")).click()

    title = zh("Application no. %(number)s") % {"number": application_id}
    log_in(page, "caseofficer")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Early removal applications")
    ).click()
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_label(zh("Approve the early removal")).check()
    page.get_by_label(zh("Reasons"), exact=True).fill("罚款已缴清，列入满一年。")
    page.get_by_role("button", name=zh("Propose"), exact=True).click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "proposed")
    # The proposer is not offered the approval (separate duties).
    expect(page.get_by_role("button", name=zh("Decide"), exact=True)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "caseofficer2")
    page.goto(f"/early-removals/{application_id}")
    page.get_by_label(zh("Approve the proposal: it decides the application")).check()
    page.get_by_label(zh("Reasons"), exact=True).fill("同意提前移出。")
    page.get_by_role("button", name=zh("Decide"), exact=True).click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "approved")
    expect(page.locator("[data-entry-status]")).to_have_attribute("data-entry-status", "removed")
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, username)
    page.goto("/me/notices")
    expect(
        page.locator(f"#early-removal-{entry_id} [data-early-removal='{application_id}']")
    ).to_have_attribute("data-status", "approved")


def test_an_application_lapses_when_the_entry_is_removed_by_hand(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, entry_id = _listed_company(live_server)
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:

        def actor_of(name: str) -> accounts.Actor:
            user = session.scalar(select(UserAccount).where(UserAccount.username == name))
            assert user is not None
            return accounts.actor_for_user(user)

        application = early_removal.apply(
            session,
            clock,
            actor_of(username),
            entry_id,
            obligations_met="罚款已缴清，已整改。",
            evidence="缴款凭证 E2E-0002",
            commitment=True,
            terms=rules.Terms(),
        )
        proposal = removal_proposals.propose(
            session,
            clock,
            actor_of("caseofficer"),
            entry_id,
            reason=RemovalReason.EXIT_CONDITIONS_MET,
            detail="已履行义务，符合退出条件。",
        )
        removal_proposals.approve(
            session, clock, actor_of("caseofficer2"), proposal.id, reasons="核实无误。"
        )
        application_id = application.id

    log_in(page, "caseofficer")
    page.goto("/early-removals")
    open_ = page.get_by_role("region", name=zh("Open applications"))
    expect(open_.locator(f"[data-early-removal='{application_id}']")).to_have_count(0)
    closed = page.get_by_role("region", name=zh("Recently decided"))
    expect(closed.locator(f"[data-early-removal='{application_id}']")).to_contain_text(
        zh("Lapsed: the entry left the list otherwise before a decision")
    )
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, username)
    page.goto("/me/notices")
    mine = page.locator(f"#early-removal-{entry_id} [data-early-removal='{application_id}']")
    expect(mine).to_have_attribute("data-status", "lapsed")
    expect(mine).to_contain_text(zh("Lapsed: the entry left the list otherwise before a decision"))
