"""A black-list entry rests on the penalty it names and leaves the list with it (decision
0043): an officer looks the company up on the proposal page, ticks its penalty and proposes;
another officer approves once the objection window has closed and the public black list
shows the entry with the penalty's number; the penalty is repaired (Art. 20–23) and the
company is no longer on the public black list. A company of its own, so the demo's data
stay as they were."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.e2e.conftest import LiveServer
from tests.lists_helpers import penalty_record
from tests.repair_helpers import REPAIRABLE_AGE, application
from xinyong import demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.collection.models import CreditRecord
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.lists.models import ListEntry
from xinyong.lists.publicity import mask_name
from xinyong.repair import rules
from xinyong.repair import service as repair
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_citizen_id, make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


def _officer(session: Session, who: str) -> accounts.Actor:
    found = session.scalar(select(UserAccount).where(UserAccount.username == who))
    assert found is not None
    return accounts.actor_for_user(found)


def _penalised_company(live_server: LiveServer) -> tuple[str, str, str, str, int]:
    """A company of its own with a subject account and a fine of the market regulator
    decided long enough ago to be repaired: its username, name, code, the fine's number
    and id."""
    clock = live_server.clock
    username = f"eb{secrets.token_hex(3)}"
    name = f"福州依据旅程{username}贸易有限公司"
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
        regulator = session.get(Organisation, _officer(session, "caseofficer").organisation_id)
        assert regulator is not None
        record_id = penalty_record(
            session, clock, regulator, company, decided_on=clock.today() - REPAIRABLE_AGE
        )
        record = session.get(CreditRecord, record_id)
        assert record is not None
        number = record.natural_key.split("|", 1)[1]
        code = company.uscc or ""
    return username, name, code, number, record_id


def _window_closed(live_server: LiveServer, name: str) -> None:
    """As if the written notice had gone out before the objection window (10 days): the
    proposal waits for approval, without waiting the days in the test."""
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        subject_id = session.scalar(select(Subject.id).where(Subject.name == name))
        found = session.scalars(select(ListEntry).where(ListEntry.subject_id == subject_id)).one()
        found.window_ends = live_server.clock.today() - dt.timedelta(days=1)


def _repaired(live_server: LiveServer, username: str, record_id: int) -> None:
    """The company applies to repair the fine; the platform accepts the case and the
    regulator approves it (the repair pages have journeys of their own)."""
    clock = live_server.clock
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        case = repair.apply(
            session,
            clock,
            _officer(session, username),
            record_id,
            **application(terms=rules.Terms(fraud_exclusion_months=0)),
        )
        repair.feedback(
            session, clock, _officer(session, "objections"), case.id, accept=True, reasons=""
        )
        repair.decide(
            session,
            clock,
            _officer(session, "caseofficer"),
            case.id,
            approve=True,
            reasons="整改到位",
        )


def test_a_black_list_entry_named_on_its_penalty_leaves_the_list_when_the_penalty_is_repaired(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    username, name, code, number, record_id = _penalised_company(live_server)

    # The officer looks the company up and ticks its penalty among its records in force.
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(code)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    choice = page.locator("fieldset.basis-choice")
    expect(choice).to_contain_text(number)
    choice.get_by_role("checkbox", name=number).check()
    form = page.locator("form[action='/lists-queue/propose']")
    expect(form.get_by_label(zh("Subject code"))).to_have_value(code)
    form.get_by_label(zh("Recognition standard")).select_option("dishonest_subject")
    form.get_by_label(zh("Criteria met")).fill("因违法行为受到较重行政处罚")
    form.get_by_label(zh("Reasons")).fill(f"拒不履行行政处罚决定（{username}）")
    form.get_by_label(zh("Evidence")).fill(f"{number}行政处罚决定书")
    form.get_by_role("button", name=zh("Propose")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh(
            "Proposal recorded: the subject is notified, or the candidacy published for public "
            "comment, before another officer decides it."
        )
    )
    proposed = page.locator("article.entry", has_text=name)
    expect(proposed.locator("table.basis-records")).to_contain_text(number)
    page.get_by_role("button", name=zh("Log out")).click()

    # Another officer approves once the objection window has closed.
    _window_closed(live_server, name)
    log_in(page, "caseofficer2")
    page.goto("/lists-queue")
    proposal = page.locator("article.entry", has_text=name)
    proposal.get_by_label(zh("Approve and publish")).check()
    proposal.get_by_label(zh("Reasons")).fill("异议期满无异议，处罚决定生效")
    proposal.get_by_role("button", name=zh("Decide")).click()
    expect(page.get_by_role("status").first).to_contain_text(zh("Entry approved and published."))
    page.get_by_role("button", name=zh("Log out")).click()

    # The public black list shows the company with the penalty it rests on.
    page.goto(f"/lists/black?q={name}")
    listed = page.locator("table.list-entries")
    expect(listed).to_contain_text(name)
    expect(listed.locator("[data-basis-record]")).to_contain_text(number)

    # The penalty is repaired: the entry leaves the list with it.
    _repaired(live_server, username, record_id)
    page.goto(f"/lists/black?q={name}")
    expect(page.get_by_role("main")).not_to_contain_text(name)
    expect(page.get_by_role("main")).to_contain_text(zh("No entries match."))

    # The company reads why: its credit was repaired, and which record the entry rested on.
    log_in(page, username)
    page.goto("/me/notices")
    removed = page.locator("article.entry").first
    expect(removed.locator("[data-removal-reason=repaired]")).to_be_visible()
    expect(removed).to_contain_text(number)


def _penalised_person(live_server: LiveServer) -> tuple[str, str, str, str]:
    """A natural person of their own with a fine of the market regulator: the ID number,
    the opaque reference, the masked name and the fine's number."""
    clock = live_server.clock
    rng = random.Random(secrets.randbits(32))
    citizen_id = make_citizen_id(rng)
    name = f"依据{secrets.token_hex(2)}某"
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        person = subjects.register_natural_person(
            session, clock, SYSTEM_ACTOR, name=name, citizen_id=citizen_id
        )
        regulator = session.get(Organisation, _officer(session, "caseofficer").organisation_id)
        assert regulator is not None
        record_id = penalty_record(
            session,
            clock,
            regulator,
            person,
            subject_category="自然人",
            subject_uscc="",
            legal_representative="",
            id_type="身份证",
            id_number=citizen_id,
        )
        record = session.get(CreditRecord, record_id)
        assert record is not None
        return citizen_id, person.reference, mask_name(name), record.natural_key.split("|", 1)[1]


def test_a_case_officer_proposes_a_person_found_by_id_number_from_the_page(
    page: Page, zh: Callable[[str], str], log_in: Callable[..., None], live_server: LiveServer
) -> None:
    """A natural person is looked up by citizen ID number (the audited person lookup) and
    proposed; the page carries the person's reference on, never the number (decision 0043)."""
    citizen_id, reference, masked, number = _penalised_person(live_server)
    log_in(page, "caseofficer")
    page.goto("/lists-queue")
    lookup = page.locator("form.basis-lookup")
    lookup.get_by_label(zh("Subject code")).fill(citizen_id)
    lookup.get_by_role("button", name=zh("Show the subject's credit records")).click()
    choice = page.locator("fieldset.basis-choice")
    expect(choice).to_contain_text(masked)
    assert citizen_id not in page.url
    assert reference in page.url
    choice.get_by_role("checkbox", name=number).check()
    form = page.locator("form[action='/lists-queue/propose']")
    expect(form.get_by_label(zh("Subject code"))).to_have_value(reference)
    form.get_by_label(zh("Recognition standard")).select_option("dishonest_subject")
    form.get_by_label(zh("Criteria met")).fill("因违法行为受到较重行政处罚")
    form.get_by_label(zh("Reasons")).fill(f"拒不履行行政处罚决定（{reference}）")
    form.get_by_label(zh("Evidence")).fill(f"{number}行政处罚决定书")
    form.get_by_role("button", name=zh("Propose")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        zh(
            "Proposal recorded: the subject is notified, or the candidacy published for public "
            "comment, before another officer decides it."
        )
    )
    assert citizen_id not in page.content()
    with unit_of_work(make_session_factory(live_server.engine)) as session:
        person_id = session.scalar(select(Subject.id).where(Subject.reference == reference))
        assert session.scalar(select(ListEntry.id).where(ListEntry.subject_id == person_id))
