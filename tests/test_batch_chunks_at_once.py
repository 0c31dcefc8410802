"""A batch whose changed records span its chunks, meeting the daily job that ends the
publicity of the same records (decision 0008, session 25 addendum).

A batch locks the records it brings new content for chunk by chunk (5,000 rows each), in
the order of their ids within a chunk only: the first chunk's record can have a higher id
than the second's. The job locks every record it ends in one statement in the order of
their ids. The job took the lower record and waited for the higher, which the batch held;
the batch's second chunk then waited for the lower: a deadlock on PostgreSQL, one of the two
rolled back. Now such a step first waits for the batches running for the sources and record
types of the records it locks (the batch's own lock, ``records.batches_running``), so it
holds no record a batch will ask for. ``tests.concurrency_helpers`` says why the race needs
PostgreSQL."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from tests.collection_helpers import ingest, penalty_row
from tests.concurrency_helpers import (  # noqa: F401
    GIVE_UP_AFTER,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    until_waiting_or_done,
    waiting_for_a_lock,
)
from tests.conftest import TEST_NOW
from tests.factories import CompanyFactory, World, bind
from tests.lists_helpers import actor
from xinyong.clock import FixedClock
from xinyong.collection import pipeline
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import publicity

pytestmark = pytest.mark.test_database
CLOCK = FixedClock(TEST_NOW)


def test_a_batch_over_two_chunks_and_the_jobs_publicity_ends_take_their_records_in_one_order(
    committed_world: tuple[Engine, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        companies = [CompanyFactory(name=f"福州分块{n}有限公司") for n in "甲乙"]
        rows = [
            penalty_row(world, subject_name=c.name, subject_uscc=c.uscc or "") for c in companies
        ]
        report = ingest(session, CLOCK, world.organisations["regulator"], rows)
        assert report.batch.created == 2, report.problems
        lower, higher = session.scalars(
            select(CreditRecord.id)
            .where(CreditRecord.subject_id.in_([c.id for c in companies]))
            .order_by(CreditRecord.id)
        ).all()
        # Both windows closed yesterday: the job's publicity ends take both.
        session.execute(
            update(CreditRecord)
            .where(CreditRecord.id.in_([lower, higher]))
            .values(publicity_end=CLOCK.today() - dt.timedelta(days=1))
        )
        session.commit()
    # New content for both, the higher record's row first, one row a chunk.
    again = [{**row, "fine_amount": "2.5"} for row in reversed(rows)]
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 1)
    first_chunk_locked, go_on = threading.Event(), threading.Event()
    locking = pipeline._BatchRun._lock_changed

    def pausing(run: Any, *args: Any) -> None:
        locking(run, *args)
        if not first_chunk_locked.is_set():
            first_chunk_locked.set()
            assert go_on.wait(GIVE_UP_AFTER)

    monkeypatch.setattr(pipeline._BatchRun, "_lock_changed", pausing)

    def batch(session: Session) -> Any:
        world = in_session(built, session)
        return ingest(
            session,
            CLOCK,
            world.organisations["regulator"],
            again,
            actor=actor(world, "reporter"),
        ).batch.updated

    sent, sending = in_another_transaction(engine, batch)
    assert first_chunk_locked.wait(GIVE_UP_AFTER)
    # The batch holds the higher record; the job starts and waits (before, holding the lower).
    job, running = in_another_transaction(
        engine, lambda session: publicity.end_expired_publicity(session, CLOCK)
    )
    until_waiting_or_done(engine, job, running)
    assert waiting_for_a_lock(engine, job.pid)
    go_on.set()
    assert ended(sent, sending).result == 2
    ended(job, running)
    with Session(engine) as session:
        statuses = session.scalars(
            select(CreditRecord.status).where(CreditRecord.id.in_([lower, higher]))
        ).all()
        # The job ended what it found once the batch had committed: the new content's
        # windows (the same decision date) closed already.
        assert set(statuses) <= {RecordStatus.ACTIVE, RecordStatus.EXPIRED}
        assert len(statuses) == 2
