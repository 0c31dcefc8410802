"""Two officers acting on one list entry, or proposing one subject, at the same moment: the
second finds the first's step and is refused as it would be the moment after — a duplicate
proposal, a candidacy approved and rejected, an entry removed twice (``lists.entry_locks``;
decision 0042 addendum). The races are seen only with two transactions on PostgreSQL
(``tests.concurrency_helpers``); reading the entry afresh is seen on either database with
one session whose copy of it is older than the row."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.factories import CompanyFactory, World, bind
from tests.lists_helpers import (
    actor,
    basis_record,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    proposal_clock,
    published_entry,
)
from tests.test_decisions_at_once import MEANWHILE, decided_meanwhile
from xinyong.clock import FixedClock
from xinyong.errors import Conflict
from xinyong.lists import court_defaulters, early_removal, entries, removal_proposals
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import (
    EarlyRemovalApplication,
    EarlyRemovalStatus,
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    RemovalReason,
)
from xinyong.subjects.models import Subject


def _history(session: Session, entry_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ListEntryEvent.action)
            .where(ListEntryEvent.entry_id == entry_id)
            .order_by(ListEntryEvent.id)
        )
    )


def _candidacy(session: Session, clock: FixedClock, world: World) -> int:
    """A new company's black-list candidacy whose objection window has closed: ready for
    the second officer's decision."""
    bind(session, clock)
    company = CompanyFactory()
    record = basis_record(session, clock, world, company).id
    std = entries.standard(session, "dishonest_subject")
    entry = entries.propose(
        session,
        proposal_clock(session, clock, std.objection_days),
        staff(session, "caseofficer"),
        subject=company,
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="拒不履行行政处罚决定",
        evidence="榕市监罚〔2026〕1号行政处罚决定书",
        basis_record_ids=[record],
    )
    session.commit()
    return entry.id


def _approve(entry_id: int, clock: FixedClock) -> Any:
    return lambda session: entries.approve(
        session, clock, staff(session, "caseofficer2"), entry_id, reasons="异议期满无异议"
    )


def _reject(entry_id: int, clock: FixedClock) -> Any:
    return lambda session: entries.reject(
        session, clock, staff(session, "caseofficer2"), entry_id, reasons="证据不足"
    )


# --- one session, a decision committed since it read the entry (both databases) ---------------


def test_a_candidacy_rejected_meanwhile_is_not_approved(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    entry_id = _candidacy(db, clock, world)
    entry = entries.get(db, entry_id)
    assert entry.status is EntryStatus.NOTICED
    decided_meanwhile(db, ListEntry, entry_id, status=EntryStatus.REJECTED, ended_at=MEANWHILE)

    with pytest.raises(Conflict) as refused:
        entries.approve(db, clock, actor(world, "caseofficer2"), entry_id, reasons="同意")

    assert (refused.value.code, refused.value.field) == ("wrong_state", "entry")
    assert entry.status is EntryStatus.REJECTED
    assert entry.term_start is None
    assert "approved" not in _history(db, entry_id)


def test_a_candidacy_approved_meanwhile_is_not_rejected(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    entry_id = _candidacy(db, clock, world)
    entry = entries.get(db, entry_id)  # the session's copy, kept
    assert entry.status is EntryStatus.NOTICED
    decided_meanwhile(db, ListEntry, entry_id, status=EntryStatus.PUBLISHED)

    with pytest.raises(Conflict) as refused:
        entries.reject(db, clock, actor(world, "caseofficer2"), entry_id, reasons="不同意")

    assert (refused.value.code, refused.value.field) == ("wrong_state", "entry")
    assert entry.status is EntryStatus.PUBLISHED
    assert "rejected" not in _history(db, entry_id)


# --- two transactions at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.test_database
def test_two_officers_proposing_one_subject_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """Two case officers propose the same company under the same standard at the same
    moment: the second is refused as it would be a moment later, and one written notice
    goes out."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, clock)
        company = CompanyFactory()
        records = [basis_record(session, clock, world, company).id for _ in range(2)]
        session.commit()

    def propose(username: str, record: int) -> Any:
        def step(session: Session) -> Any:
            subject = session.get(Subject, company.id)
            assert subject is not None
            return entries.propose(
                session,
                clock,
                staff(session, username),
                subject=subject,
                standard_code="dishonest_subject",
                criteria_met="因违法行为受到较重行政处罚，拒不履行行政处罚决定",
                reasons="拒不履行行政处罚决定",
                evidence="榕市监罚〔2026〕1号行政处罚决定书",
                basis_record_ids=[record],
            )

        return step

    second = at_once(
        engine, propose("caseofficer", records[0]), propose("caseofficer2", records[1])
    )

    assert second.refused is not None, "the subject was proposed twice under one standard"
    assert (second.refused.code, second.refused.field) == ("duplicate", "subject")
    with Session(engine) as session:
        open_entries = session.scalar(
            select(func.count())
            .select_from(ListEntry)
            .where(ListEntry.subject_id == company.id, ListEntry.status == EntryStatus.NOTICED)
        )
        assert open_entries == 1


@pytest.mark.test_database
def test_approving_and_rejecting_one_candidacy_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """One officer approves while another rejects: the rejection waits for the approval,
    finds the entry published and is refused; the entry is on the list with one decision
    in its history."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        entry_id = _candidacy(session, clock, in_session(built, session))

    second = at_once(engine, _approve(entry_id, clock), _reject(entry_id, clock))

    assert second.refused is not None, "the candidacy was approved and rejected"
    assert (second.refused.code, second.refused.field) == ("wrong_state", "entry")
    with Session(engine) as session:
        entry = session.get(ListEntry, entry_id)
        assert entry is not None
        assert entry.status is EntryStatus.PUBLISHED
        assert _history(session, entry_id) == ["proposed", "approved"]


@pytest.mark.test_database
def test_rejecting_and_approving_one_candidacy_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The other order: the approval finds the candidacy rejected — no term, no approving
    officer, none of an approval's consequences."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        entry_id = _candidacy(session, clock, in_session(built, session))

    second = at_once(engine, _reject(entry_id, clock), _approve(entry_id, clock))

    assert second.refused is not None, "the candidacy was rejected and approved"
    assert (second.refused.code, second.refused.field) == ("wrong_state", "entry")
    with Session(engine) as session:
        entry = session.get(ListEntry, entry_id)
        assert entry is not None
        assert (entry.status, entry.term_start, entry.approved_by) == (
            EntryStatus.REJECTED,
            None,
            None,
        )
        assert _history(session, entry_id) == ["proposed", "rejected"]


@pytest.mark.test_database
def test_a_removal_and_an_early_removal_decided_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """A second officer approves the removal by hand of an entry while a colleague confirms
    the proposal to remove it early on the subject's application: the early removal finds
    the entry gone and its application lapsed, and the entry leaves the list once."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        entry = published_entry(
            session,
            clock,
            world,
            world.subjects["company"],
            "serious_refusing_duties",
            approved_days_ago=400,
            proposer="caseofficer2",
            approver="caseofficer",
        )
        application = early_removal.apply(
            session,
            clock,
            staff(session, "company"),
            entry.id,
            obligations_met="罚款已缴清",
            evidence="缴款凭证",
            commitment=True,
            terms=rules.Terms(),
        )
        early_removal.propose(
            session,
            clock,
            staff(session, "caseofficer2"),
            application.id,
            approve=True,
            reasons="已履行",
        )
        proposal = removal_proposals.propose(
            session,
            clock,
            staff(session, "caseofficer"),
            entry.id,
            reason=RemovalReason.EXIT_CONDITIONS_MET,
            detail="已履行义务",
        )
        session.commit()

    def remove(session: Session) -> Any:
        return removal_proposals.approve(
            session, clock, staff(session, "caseofficer2"), proposal.id, reasons="核实无误"
        )

    def remove_early(session: Session) -> Any:
        return early_removal.decide(
            session,
            clock,
            staff(session, "caseofficer"),
            application.id,
            confirm=True,
            reasons="同意",
        )

    second = at_once(engine, remove, remove_early)

    assert second.refused is not None, "the entry was removed twice"
    assert (second.refused.code, second.refused.field) == ("wrong_stage", "application")
    with Session(engine) as session:
        removed = session.get(ListEntry, entry.id)
        decided = session.get(EarlyRemovalApplication, application.id)
        assert removed is not None
        assert decided is not None
        assert removed.removal_reason is RemovalReason.EXIT_CONDITIONS_MET
        assert decided.status is EarlyRemovalStatus.LAPSED
        assert _history(session, entry.id).count("removed") == 1


@pytest.mark.test_database
def test_a_court_confirming_a_performance_twice_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The court's confirmation sent twice at the same moment (two tabs, a retried
    request): the entry is removed once, the second refused as after the first."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, clock)
        defaulter = CompanyFactory()
        report = ingest_court(session, clock, world, [court_row(world, defaulter)])
        assert report.batch.created == 1, report.problems
        entry_id = session.scalars(
            select(ListEntry.id).where(ListEntry.subject_id == defaulter.id)
        ).one()
        session.commit()

    def confirm(session: Session) -> Any:
        return court_defaulters.confirm_performance(
            session,
            clock,
            staff(session, "court_reporter"),
            entry_id,
            performed_on=clock.today(),
            detail="结案通知书（2026）闽01执1号",
            working_days=3,
        )

    second = at_once(engine, confirm, confirm)

    assert second.refused is not None, "the performance was confirmed twice"
    assert (second.refused.code, second.refused.field) == ("wrong_state", "entry")
    with Session(engine) as session:
        assert _history(session, entry_id).count("removed") == 1
