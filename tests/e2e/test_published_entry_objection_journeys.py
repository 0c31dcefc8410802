"""Journeys on an objection to a published black-list entry (Art. 25; decision 0008,
session 11): a listed company objects from its notices page and is told by when it is
decided; the credit authority's objection handler upholds it; the entry leaves the public
black list, and the company reads that it was removed because its objection was upheld —
and, under the notice of a measure applied while it was listed, that the entry the measure
rests on has left the list and why.
The recognising agency's approving officer — not the one who proposed the entry — finds
such an objection on the officers' queue and upholds it (the entry leaves the list) or
dismisses it (the entry stays, and the company reads why).
A court judgment defaulter is not offered the objection: its notices name the court to apply
to; once the court confirms the performance, the public page no longer shows it as a
defaulter (decision 0027 addendum)."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.collection_helpers import ingest
from tests.e2e.conftest import LiveServer
from tests.lists_helpers import penalty_record
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.lists import applications, entries
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _listed_company(live_server: LiveServer) -> tuple[str, str, str]:
    """A company of its own with a subject account, on the black list at the market
    regulator since 30 days ago (proposed by ``caseofficer2``): its username, name and the
    entry's reasons."""
    clock = live_server.clock
    username = f"ob{secrets.token_hex(3)}"
    name = f"福州异议旅程{username}贸易有限公司"
    reasons = f"拒不履行行政处罚决定（E2E-{username}）"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        company = subjects.register_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(secrets.randbits(32))),
            name=name,
        )
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username=username, subject_id=company.id
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session, clock, username=username, code=issued.code, password=demo.DEMO_PASSWORD
        )

        def officer(who: str) -> accounts.Actor:
            found = session.scalar(select(UserAccount).where(UserAccount.username == who))
            assert found is not None
            return accounts.actor_for_user(found)

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
            reasons=reasons,
            evidence="榕市监罚〔2026〕E2E号",
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
    return username, name, reasons


def _measure_applied(live_server: LiveServer, username: str) -> str:
    """A published measure of the honours matter applied by the market regulator's case
    officer to the company of ``username`` while it is listed: the application's reasons."""
    reasons = f"列入失信主体名单，不予评优评先（E2E-{username}）"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        officer = session.scalar(select(UserAccount).where(UserAccount.username == "caseofficer"))
        assert user is not None
        assert officer is not None
        company = session.get(Subject, user.subject_id)
        assert company is not None
        applications.apply(
            session,
            live_server.clock,
            accounts.actor_for_user(officer),
            subject=company,
            matter_code="honours",
            measure_code="pun_honours",
            reasons=reasons,
        )
    return reasons


def _objected(live_server: LiveServer) -> tuple[str, str, str, str]:
    """A company of its own on the black list (``_listed_company``: proposed by
    ``caseofficer2``, so ``caseofficer`` decides), objecting to its entry: its username,
    name, the entry's reasons and the objection."""
    username, name, reasons = _listed_company(live_server)
    objection = f"认定所依据的处罚决定已被行政复议撤销。#{secrets.token_hex(3)}"
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        user = session.scalar(select(UserAccount).where(UserAccount.username == username))
        assert user is not None
        subject = accounts.actor_for_user(user)
        (entry,) = entries.notices_for(session, subject)
        entries.object_to(session, clock, subject, entry.id, objection)
    return username, name, reasons, objection


def _decide_on_the_queue(
    page: Page, zh: Callable[[str], str], objection: str, name: str, decision: str, reasons: str
) -> None:
    """On the officers' queue: the objection with the entry it is against, decided."""
    page.goto("/lists-queue")
    section = page.get_by_role("region", name=zh("Objections to published entries"))
    case = section.locator("article.objection-case", has_text=objection)
    expect(case).to_contain_text(zh("Objection to the published entry"))
    expect(case).to_contain_text(name)
    expect(case.locator("dd.deadline")).to_be_visible()
    case.get_by_label(zh(decision)).check()
    case.get_by_label(zh("Reasons")).fill(reasons)
    case.get_by_role("button", name=zh("Decide")).click()
    expect(page.get_by_role("status")).to_contain_text(
        zh("Objection decided; the subject sees the decision and its reasons.")
    )
    expect(page.locator("article.objection-case", has_text=objection)).to_have_count(0)


def test_a_company_objects_to_its_published_entry_and_the_upheld_objection_removes_it(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, name, reasons = _listed_company(live_server)
    measure_reasons = _measure_applied(live_server, username)
    objection = f"所依据的处罚决定已被复议机关撤销。#{secrets.token_hex(3)}"
    upheld = "经核实，处罚决定已被撤销，认定依据不存在。"
    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).to_contain_text(reasons)

    log_in(page, username)
    page.goto("/me/notices")
    # While the entry is on the list, the measure's notice stands as it was sent.
    applied = page.locator("article.application", has_text=measure_reasons)
    expect(applied).to_be_visible()
    expect(applied.locator("[data-entry-left]")).to_have_count(0)
    notice = page.locator("article.entry", has_text=reasons)
    notice.get_by_label(zh("Your objection to this entry")).fill(objection)
    notice.get_by_role("button", name=zh("Submit objection")).click()
    notice = page.locator("article.entry", has_text=reasons)
    expect(notice.get_by_role("status")).to_be_visible()
    expect(notice.locator("[data-deadline]")).to_be_visible()
    expect(notice.get_by_role("button", name=zh("Submit objection"))).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "objections")
    page.get_by_role("link", name=zh("List objections")).click()
    case = page.locator("article.objection-case", has_text=objection)
    expect(case).to_contain_text(zh("Objection to the published entry"))
    expect(case).to_contain_text(reasons)
    expect(case.locator("dd.deadline")).to_be_visible()
    case.get_by_label(zh("Uphold")).check()
    case.get_by_label(zh("Reasons")).fill(upheld)
    case.get_by_role("button", name=zh("Decide")).click()
    expect(page.get_by_role("status")).to_be_visible()
    page.get_by_role("button", name=zh("Log out")).click()

    # Gone from the public black list.
    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).not_to_contain_text(reasons)

    # The company reads that the entry was removed, why, and the decision.
    log_in(page, username)
    page.goto("/me/notices")
    removed = page.locator("article.entry", has_text=reasons)
    expect(removed).to_contain_text(zh("Removed"))
    expect(removed.locator("[data-removal-reason=objection_upheld]")).to_contain_text(
        zh("Objection upheld")
    )
    expect(removed.locator("dl.objection-decision")).to_contain_text(upheld)
    # The measure's notice is kept, and says that its entry has left the list, and why.
    applied = page.locator("article.application", has_text=measure_reasons)
    left = applied.locator("[data-entry-left=removed][data-removal-reason=objection_upheld]")
    expect(left).to_contain_text(zh("Objection upheld"))
    expect(left).to_contain_text(upheld)


def test_the_approving_officer_upholds_an_objection_on_the_queue_and_the_entry_leaves_the_list(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    _username, name, reasons, objection = _objected(live_server)
    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).to_contain_text(reasons)

    log_in(page, "caseofficer")
    _decide_on_the_queue(
        page, zh, objection, name, "Uphold", "复议决定书撤销了处罚决定，认定依据不存在。"
    )
    page.get_by_role("button", name=zh("Log out")).click()

    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).not_to_contain_text(reasons)


def test_the_approving_officer_dismisses_an_objection_on_the_queue_and_the_entry_stays(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, name, reasons, objection = _objected(live_server)
    dismissal = "复议机关维持原处罚决定，认定依据成立。"

    # The proposer does not find it to decide.
    log_in(page, "caseofficer2")
    page.goto("/lists-queue")
    expect(page.locator("article.objection-case", has_text=objection)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    log_in(page, "caseofficer")
    _decide_on_the_queue(page, zh, objection, name, "Dismiss", dismissal)
    page.get_by_role("button", name=zh("Log out")).click()

    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).to_contain_text(reasons)
    log_in(page, username)
    page.goto("/me/notices")
    notice = page.locator("article.entry", has_text=reasons)
    expect(notice.locator("dl.objection-decision")).to_contain_text(zh("Objection dismissed"))
    expect(notice.locator("dl.objection-decision")).to_contain_text(dismissal)


# The demo's court (Fuzhou Intermediate People's Court), which submits the defaulters' records.
DEMO_COURT = "11350100MB0000035H"


def _court_listed_company(live_server: LiveServer) -> tuple[str, str, str, int]:
    """A company of its own with a subject account, listed by the demo court's record whose
    enforcing court is a district court: its username, name, code and the entry's id."""
    clock = live_server.clock
    username = f"ct{secrets.token_hex(3)}"
    name = f"福州法院名单旅程{username}贸易有限公司"
    enforcing = "福州市鼓楼区人民法院"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        code = make_uscc(random.Random(secrets.randbits(32)))
        company = subjects.register_organisation(session, clock, SYSTEM_ACTOR, uscc=code, name=name)
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username=username, subject_id=company.id
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session, clock, username=username, code=issued.code, password=demo.DEMO_PASSWORD
        )
        court = session.scalar(select(Organisation).where(Organisation.code == DEMO_COURT))
        assert court is not None
        today = clock.today()
        report = ingest(
            session,
            clock,
            court,
            [
                {
                    "subject_name": name,
                    "subject_category": "法人及非法人组织",
                    "subject_uscc": code,
                    "case_number": f"（2026）闽0102执{secrets.randbelow(10**6)}号",
                    "court": enforcing,
                    "obligation": "支付货款人民币十二万元",
                    "dishonest_conduct": "有履行能力而拒不履行生效法律文书确定义务",
                    "filed_on": (today - dt.timedelta(days=50)).isoformat(),
                    "published_on": (today - dt.timedelta(days=40)).isoformat(),
                    "authority": court.name,
                    "authority_uscc": court.code,
                    "source_unit": court.name,
                    "source_unit_uscc": court.code,
                }
            ],
            record_type="court_judgment_defaulter",
        )
        assert report.batch.created == 1, report.problems
        (entry,) = entries.notices_for(session, accounts.actor_for_user(user))
        return username, enforcing, code, entry.id


def test_a_court_defaulter_is_sent_to_the_court_and_leaves_public_view_on_performance(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, enforcing, code, entry_id = _court_listed_company(live_server)
    type_name = "失信被执行人"
    page.goto(f"/subjects/{code}")
    expect(page.get_by_role("main")).to_contain_text(type_name)

    log_in(page, username)
    page.goto("/me/notices")
    notice = page.locator(f"#entry-{entry_id}")
    expect(notice.locator("[data-object-to-court]")).to_contain_text(enforcing)
    expect(notice.get_by_role("button", name=zh("Submit objection"))).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The court's data reporter (demo account `court`) finds its defaulters, the demo's
    # among them, and confirms this one's performance on /court-defaulters.
    log_in(page, "court")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Court judgment defaulters")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Court judgment defaulters"))
    expect(page.get_by_role("main")).to_contain_text("福州海峡物流有限公司")
    entry = page.locator(f"#entry-{entry_id}")
    entry.get_by_label(zh("Performed on")).fill(live_server.clock.today().isoformat())
    entry.get_by_label(
        zh("How the performance was confirmed (e.g. the closing notice's number)")
    ).fill("结案通知书")
    entry.get_by_role("button", name=zh("Confirm performance and remove")).click()
    expect(page.get_by_role("status")).to_have_attribute("data-done", "removed")
    expect(page.locator(f"#entry-{entry_id}")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    page.goto(f"/subjects/{code}")
    expect(page.get_by_role("main")).not_to_contain_text(type_name)
