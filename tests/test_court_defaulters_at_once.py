"""The court's record that a defaulter performed arrives in a batch at the moment the
court's staff confirm the same performance on the page (PostgreSQL, two transactions): one
waits for the other, the entry leaves the list once, and neither side fails — not on a
deadlock (a failed batch, a 500) nor on the record's version numbers.

Both write the court's record (a version that ends its publicity) and the entry, and both
take the record before the entry (``lists.entry_locks``). ``tests.concurrency_helpers``
says why only PostgreSQL shows it."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import (  # noqa: F401
    at_once,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    staff,
    until_waiting_or_done,
)
from tests.factories import CompanyFactory, UserFactory, World, bind
from tests.lists_helpers import court_row, ingest_court
from xinyong.accounts.models import Role, UserAccount
from xinyong.clock import FixedClock
from xinyong.collection import hooks, pipeline
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.lists import court_defaulters, removal_proposals
from xinyong.lists.models import EntryStatus, ListEntry, ListEntryEvent, RemovalReason

pytestmark = pytest.mark.test_database

CLOSING_NOTICE = "结案通知书（2026）闽01执1号"


def _listed(engine: Engine, built: World, clock: FixedClock) -> tuple[dict[str, str], int, int]:
    """A defaulter the court's record put on the black list, committed: its row, and the
    ids of its record and of its entry."""
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, clock)
        row = court_row(world, CompanyFactory())
        report = ingest_court(session, clock, world, [row])
        assert report.batch.created == 1, report.problems
        record_id, entry_id = session.execute(
            select(CreditRecord.id, ListEntry.id)
            .join(ListEntry, ListEntry.source_record_id == CreditRecord.id)
            .where(CreditRecord.natural_key.endswith("|" + row["case_number"]))
        ).one()
        session.commit()
    return row, record_id, entry_id


def _performed(row: dict[str, str], built: World, clock: FixedClock) -> Any:
    """The court's batch sending the record again, now saying the defaulter performed."""

    def send(session: Session) -> pipeline.BatchReport:
        world = in_session(built, session)
        return ingest_court(
            session, clock, world, [{**row, "performed_on": clock.today().isoformat()}]
        )

    return send


def _confirm(entry_id: int, clock: FixedClock) -> Any:
    def confirm(session: Session) -> court_defaulters.Performance:
        return court_defaulters.confirm_performance(
            session,
            clock,
            staff(session, "court_reporter"),
            entry_id,
            performed_on=clock.today() - dt.timedelta(days=1),
            detail=CLOSING_NOTICE,
            working_days=3,
        )

    return confirm


def _left_once(
    engine: Engine, clock: FixedClock, record_id: int, entry_id: int
) -> tuple[ListEntry, list[Any]]:
    """The entry (removed on the performance, once) and the record's versions as (number,
    status, publicity end), the last one ending its publicity."""
    with Session(engine) as session:
        entry = session.get(ListEntry, entry_id)
        assert entry is not None
        assert (entry.status, entry.removal_reason) == (
            EntryStatus.REMOVED,
            RemovalReason.PERFORMED,
        )
        history = session.scalars(
            select(ListEntryEvent.action)
            .where(ListEntryEvent.entry_id == entry_id)
            .order_by(ListEntryEvent.id)
        ).all()
        assert history.count("removed") == 1, history
        versions = session.execute(
            select(RecordVersion.version_no, RecordVersion.status, RecordVersion.publicity_end)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
        ).all()
        record = session.get(CreditRecord, record_id)
        assert record is not None
        assert record.current_version_no == versions[-1][0]
        assert [v[0] for v in versions] == list(range(1, len(versions) + 1))
        # Published no more: the record's window ended before today (decision 0027).
        assert record.status is RecordStatus.EXPIRED
        assert record.publicity_end is not None
        assert record.publicity_end < clock.today()
        session.expunge_all()
        return entry, list(versions)


def test_the_courts_record_and_its_confirmation_meeting_on_the_entry(
    committed_world: tuple[Engine, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch has written the court's new version and is about to act on the entry when
    the court's staff confirm the performance: the confirmation waits for the batch (it
    takes the record first, as the batch did), then finds the entry removed and is refused
    as it would be a moment later. Before, the confirmation took the entry and waited for
    the record while the batch held the record and waited for the entry: PostgreSQL aborted
    one of them."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    row, record_id, entry_id = _listed(engine, built, clock)

    record_written = threading.Event()
    confirmer: dict[str, Any] = {}
    run_hooks = hooks.run

    def after_the_records_are_written(*args: Any) -> None:
        # The batch holds its records; the confirmation starts now and is let run until it
        # waits for a lock (or has finished), and only then does the batch go on.
        record_written.set()
        outcome, thread = confirmer["outcome"], confirmer["thread"]
        until_waiting_or_done(engine, outcome, thread)
        run_hooks(*args)

    monkeypatch.setattr(hooks, "run", after_the_records_are_written)
    confirmer["outcome"], confirmer["thread"] = in_another_transaction(
        engine, _confirm(entry_id, clock), after=record_written
    )
    with Session(engine, expire_on_commit=False) as session:
        report = _performed(row, built, clock)(session)
        session.commit()
    confirmation = ended(confirmer["outcome"], confirmer["thread"])

    assert (report.batch.updated, report.problems) == (1, [])
    assert confirmation.refused is not None, "the performance was recorded twice"
    assert (confirmation.refused.code, confirmation.refused.field) == ("wrong_state", "entry")
    entry, versions = _left_once(engine, clock, record_id, entry_id)
    assert entry.removal_detail == f"performed on {clock.today().isoformat()}"
    # The court's first version, the new one it sent, and the one that ended its publicity.
    assert len(versions) == 3


def test_a_confirmation_and_then_the_courts_record_of_the_same_performance(
    committed_world: tuple[Engine, World],
) -> None:
    """The court's staff confirm first; the batch sending the performance waits for them,
    then writes its version after theirs (numbered after it, not beside it) and leaves the
    entry as they removed it."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    row, record_id, entry_id = _listed(engine, built, clock)

    second = at_once(engine, _confirm(entry_id, clock), _performed(row, built, clock))

    assert second.refused is None
    report = second.result
    assert (report.batch.updated, report.problems) == (1, [])
    entry, versions = _left_once(engine, clock, record_id, entry_id)
    assert entry.removal_detail is not None
    assert entry.removal_detail.endswith(CLOSING_NOTICE)
    # The first version; the confirmation's; the batch's; the one ending its publicity again.
    assert len(versions) == 4


def _court_officers(session: Session, world: World) -> None:
    """Two case officers at the court (once for the module's database)."""
    for username in ("court_officer", "court_officer2"):
        if session.query(UserAccount).filter_by(username=username).one_or_none() is None:
            UserFactory(
                username=username, role=Role.CASE_OFFICER, organisation=world.organisations["court"]
            )


def test_a_removal_by_hand_and_then_the_courts_record_of_the_performance(
    committed_world: tuple[Engine, World],
) -> None:
    """A second officer of the court approves the entry's removal by hand while the batch
    bringing the performance runs: the batch reads the entry afresh once the officer is
    done, finds it removed, and leaves it so — one removal, the officer's, in the entry's
    history. Before, the batch acted on the entry as it had read it, still listed, and
    removed it a second time over the officer's reason."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    row, record_id, entry_id = _listed(engine, built, clock)
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, clock)
        _court_officers(session, world)
        proposal = removal_proposals.propose(
            session,
            clock,
            staff(session, "court_officer"),
            entry_id,
            reason=RemovalReason.OTHER,
            detail="执行和解协议已履行完毕",
        )
        session.commit()
        proposal_id = proposal.id

    def approve(session: Session) -> Any:
        return removal_proposals.approve(
            session, clock, staff(session, "court_officer2"), proposal_id, reasons="核实无误"
        )

    second = at_once(engine, approve, _performed(row, built, clock))

    assert second.refused is None
    assert (second.result.batch.updated, second.result.problems) == (1, [])
    with Session(engine) as session:
        entry = session.get(ListEntry, entry_id)
        assert entry is not None
        assert (entry.status, entry.removal_reason) == (EntryStatus.REMOVED, RemovalReason.OTHER)
        history = session.scalars(
            select(ListEntryEvent.action)
            .where(ListEntryEvent.entry_id == entry_id)
            .order_by(ListEntryEvent.id)
        ).all()
        assert history.count("removed") == 1, history
        # The court's record says the defaulter performed: it is published no more.
        record = session.get(CreditRecord, record_id)
        assert record is not None
        assert record.status is RecordStatus.EXPIRED
