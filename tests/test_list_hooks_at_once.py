"""The steps that end or restore list entries beside another — a batch's hooks on the lists,
an officer's approval of a black-list entry, a record reinstated — meeting a request that
holds one of those entries and then writes its audit event (decision 0008 addenda: the
rows first, the audit chain's head last).

Each step used to write an event (taking the head, one row every audited request needs)
and then wait for a red-list entry the request held, while the request waited for the
head: a deadlock on PostgreSQL, one of the two rolled back. And a court's batch held the
head from its first new defaulter's event to its commit, every audited request waiting
for the whole batch. ``tests.concurrency_helpers`` says why the races need PostgreSQL."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from tests.collection_helpers import ingest, penalty_row
from tests.concurrency_helpers import (  # noqa: F401
    Outcome,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    until_waiting_or_done,
)
from tests.conftest import TEST_NOW
from tests.factories import CompanyFactory, World, bind
from tests.lists_helpers import (
    actor,
    basis_record,
    court_row,
    earlier,
    ingest_court,
    proposal_clock,
    published_entry,
)
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import hooks, revocation
from xinyong.collection.models import CreditRecord
from xinyong.lists import court_defaulters, entries
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.test_database
CLOCK = FixedClock(TEST_NOW)


def _integrity_models(engine: Engine, built: World, names: list[str]) -> list[tuple[int, int]]:
    """Companies on the red list (integrity models), committed: (company, entry) ids."""
    made = []
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        for name in names:
            company = CompanyFactory(name=name)
            entry = published_entry(
                session,
                CLOCK,
                world,
                company,
                "integrity_model",
                approved_days_ago=60,
                reasons="纳税信用A级",
            )
            made.append((company.id, entry.id))
        session.commit()
    return made


def _holding_then_auditing(
    engine: Engine, entry_id: int, step: Callable[[Session], Any]
) -> Outcome:
    """A request locks the entry (as every decision on one does first), ``step`` starts in
    another transaction and waits for it, then the request writes its audit event and
    commits. Returns how ``step`` ended."""
    with Session(engine) as request:
        assert request.get(ListEntry, entry_id, with_for_update=True) is not None
        outcome, thread = in_another_transaction(engine, step)
        until_waiting_or_done(engine, outcome, thread)
        audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_entry")
        request.commit()
    return ended(outcome, thread)


def _ends(engine: Engine, ids: list[int]) -> list[tuple[EntryStatus, RemovalReason | None]]:
    with Session(engine) as session:
        found = {e.id: e for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(ids)))}
        return [(found[i].status, found[i].removal_reason) for i in ids]


def test_a_batch_ends_the_red_entries_it_leaves_short_taking_all_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """One batch, a penalty about each of two integrity models: the hook ended the first
    entry (its event taking the head) and then waited for the second."""
    engine, built = committed_world
    made = _integrity_models(engine, built, ["福州守信甲有限公司", "福州守信乙有限公司"])
    (first_company, first), (second_company, second) = made

    def batch(session: Session) -> None:
        world = in_session(built, session)
        companies = [session.get(Subject, i) for i in (first_company, second_company)]
        rows = [
            penalty_row(
                world,
                subject_name=c.name,
                subject_uscc=c.uscc or "",
                decision_date=CLOCK.today().isoformat(),
            )
            for c in companies
            if c is not None
        ]
        report = ingest(
            session,
            CLOCK,
            world.organisations["regulator"],
            rows,
            actor=actor(world, "reporter"),
        )
        assert report.batch.created == 2, report.problems

    outcome = _holding_then_auditing(engine, second, batch)
    assert outcome.error is None, outcome.error
    assert outcome.refused is None
    assert _ends(engine, [first, second]) == [(EntryStatus.REMOVED, RemovalReason.BAD_RECORD)] * 2


def test_a_court_batch_ends_its_defaulters_red_entries_taking_them_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """The hook wrote the new black-list entry's ``entered`` event (the head), then locked
    the subject's red-list entry to end it."""
    engine, built = committed_world
    [(company_id, red)] = _integrity_models(engine, built, ["福州守信丙有限公司"])

    def batch(session: Session) -> None:
        world = in_session(built, session)
        company = session.get(Subject, company_id)
        assert company is not None
        report = ingest_court(session, CLOCK, world, [court_row(world, company)])
        assert report.batch.created == 1, report.problems

    outcome = _holding_then_auditing(engine, red, batch)
    assert outcome.error is None, outcome.error
    assert _ends(engine, [red]) == [(EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)]


def test_approving_a_black_entry_takes_the_subjects_red_entry_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """The approval wrote its event, then ended the subject's red-list entry."""
    engine, built = committed_world
    [(company_id, red)] = _integrity_models(engine, built, ["福州守信丁有限公司"])
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        company = session.get(Subject, company_id)
        assert company is not None
        std = entries.standard(session, "dishonest_subject")
        black = entries.propose(
            session,
            proposal_clock(session, earlier(CLOCK, 1), std.objection_days),
            actor(world, "caseofficer"),
            subject=company,
            standard_code="dishonest_subject",
            criteria_met=std.criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2026〕1号行政处罚决定书",
            basis_record_ids=[basis_record(session, CLOCK, world, company).id],
        ).id
        # The penalty the proposal rests on ended the red-list entry (a bad record): put
        # back on the list, as one the hooks have not seen yet stands (a record corrected
        # after an objection, which the daily job ends it for).
        session.execute(
            update(ListEntry)
            .where(ListEntry.id == red)
            .values(
                status=EntryStatus.PUBLISHED,
                ended_at=None,
                removal_reason=None,
                removal_detail=None,
            )
        )
        session.commit()

    def approval(session: Session) -> None:
        world = in_session(built, session)
        entries.approve(
            session,
            CLOCK,
            actor(world, "caseofficer2"),
            black,
            reasons="异议期满无异议，符合认定标准",
        )

    outcome = _holding_then_auditing(engine, red, approval)
    assert outcome.error is None, outcome.error
    assert outcome.refused is None, outcome.refused
    assert _ends(engine, [black, red]) == [
        (EntryStatus.PUBLISHED, None),
        (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED),
    ]


def test_a_reinstated_court_record_ends_the_red_entry_again_taking_it_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """The court's record revoked took its defaulter off the list and brought the red-list
    entry back; reinstated, the black-list entry was restored (its event taking the head)
    and then waited for the red-list entry to end it again."""
    engine, built = committed_world
    [(company_id, red)] = _integrity_models(engine, built, ["福州守信戊有限公司"])
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        company = session.get(Subject, company_id)
        assert company is not None
        ingest_court(session, CLOCK, world, [court_row(world, company)])
        record_id = session.scalars(
            select(CreditRecord.id).where(CreditRecord.subject_id == company_id)
        ).all()[-1]
        revocation.revoke(
            session,
            CLOCK,
            actor(world, "court_reporter"),
            record_id,
            ground="withdrawn",
            document_number="(2026)闽01执异12号",
            reason="原失信决定被撤销",
        )
        session.commit()
    assert _ends(engine, [red]) == [(EntryStatus.PUBLISHED, None)]

    def reinstatement(session: Session) -> None:
        world = in_session(built, session)
        revocation.reinstate(
            session,
            CLOCK,
            actor(world, "court_reporter"),
            record_id,
            ground="revocation_set_aside",
            document_number="(2026)闽执复3号",
            reason="撤销决定已被上级法院撤销",
        )

    outcome = _holding_then_auditing(engine, red, reinstatement)
    assert outcome.error is None, outcome.error
    assert outcome.refused is None, outcome.refused
    assert _ends(engine, [red]) == [(EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)]


def test_a_court_batch_takes_the_chain_head_only_for_its_events(
    committed_world: tuple[Engine, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the court's hook has done its rows' work, in the batch's transaction, another
    request's audit event is written at once: the batch takes the head for its events at
    the end. It used to hold it from its first new defaulter's ``entered`` event, and the
    request waited for the whole batch (here: until its lock timeout)."""
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as session:
        bind(session, CLOCK)
        companies = [CompanyFactory(name=f"福州失信{n}有限公司") for n in "甲乙丙"]
        session.commit()
    meanwhile: list[int] = []

    def then_a_request(session: Session, clock: Any, record_ids: list[int]) -> None:
        court_defaulters.sync_records(session, clock, record_ids)
        with Session(engine) as request:
            request.execute(text("SET LOCAL lock_timeout = '3s'"))
            event = audit.record(request, CLOCK, audit.SYSTEM, "test.request_meanwhile")
            request.commit()
        meanwhile.append(event.sequence)

    monkeypatch.setitem(hooks._after_ingest, court_defaulters.RECORD_TYPE, [then_a_request])
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        report = ingest_court(session, CLOCK, world, [court_row(world, c) for c in companies])
        assert report.batch.created == 3, report.problems
        session.commit()
        ids = sorted(
            e.id
            for e in session.scalars(
                select(ListEntry).where(ListEntry.subject_id.in_([c.id for c in companies]))
            )
        )
    with Session(engine) as session:
        entered = session.scalars(
            select(AuditEvent.sequence)
            .where(
                AuditEvent.action == "list_entry.entered",
                AuditEvent.target_id.in_([str(i) for i in ids]),
            )
            .order_by(AuditEvent.sequence)
        ).all()
        # Every new defaulter's step audited, after the request's event, in the rows' order.
        assert len(entered) == 3
        assert len(meanwhile) == 1
        assert meanwhile[0] < entered[0]
        assert session.scalars(
            select(AuditEvent.target_id)
            .where(AuditEvent.sequence.in_(entered))
            .order_by(AuditEvent.sequence)
        ).all() == [str(i) for i in ids]
        result = audit.verify(session)
        assert result.ok, result.problem
