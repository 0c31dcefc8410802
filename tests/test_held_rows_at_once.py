"""A held row decided while the daily job erases its batch's content, each in a transaction
of its own (PostgreSQL; review r7, finding 4): whichever comes first, the decided row does not
keep its content past the batch's period (decision 0050, 4). Before, the decision read the
batch unmarked while the job, skipping the row still awaiting, marked it: the content was
kept for ever.

``tests.concurrency_helpers`` says why only PostgreSQL shows it: SQLite serialises writers
at BEGIN IMMEDIATE (decision 0002)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
)
from tests.concurrency_helpers import (  # noqa: F401
    at_once,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    staff,
    until_waiting_or_done,
    waiting_for_a_lock,
)
from tests.factories import World
from xinyong.clock import FixedClock
from xinyong.collection import held_rows, quarantine
from xinyong.collection.models import Batch, QuarantinedRow

pytestmark = pytest.mark.test_database

NEW_NAME = "福州晨光文具科技有限公司"


def _held_row(engine: Engine, built: World) -> int:
    """A held row of the regulator's (a name the company does not bear), committed."""
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        report = ingest(
            session,
            clock,
            world.organisations["regulator"],
            [penalty_row(world, subject_name=NEW_NAME)],
        )
        assert report.batch.held == 1
        session.commit()
        row_id = session.scalar(
            select(QuarantinedRow.id).where(QuarantinedRow.batch_id == report.batch.id)
        )
        assert row_id is not None
        return row_id


def _after_the_period(built: World) -> FixedClock:
    return FixedClock(built.clock.now() + dt.timedelta(days=quarantine.QUARANTINE_CONTENT_DAYS + 1))


def _erase(clock: FixedClock) -> Callable[[Session], Any]:
    def erase(session: Session) -> Any:
        return quarantine.erase_past_period(session, clock)

    return erase


def _reject(clock: FixedClock, row_id: int) -> Callable[[Session], Any]:
    def reject(session: Session) -> Any:
        return held_rows.reject(session, clock, staff(session, "reporter"), row_id, "不是本主体")

    return reject


def _after(engine: Engine, row_id: int) -> tuple[str | None, bool, bool]:
    with Session(engine) as session:
        row = session.get(QuarantinedRow, row_id)
        assert row is not None
        batch = session.get(Batch, row.batch_id)
        assert batch is not None
        return (
            row.resolution,
            row.values_ciphertext is None,
            batch.quarantine_erased_at is not None,
        )


@pytest.mark.parametrize("first", ["job", "decision"])
def test_a_decision_while_the_job_erases_leaves_no_content(
    committed_world: tuple[Engine, World], first: str
) -> None:
    engine, built = committed_world
    row_id = _held_row(engine, built)
    later = _after_the_period(built)
    job, decision = _erase(later), _reject(later, row_id)
    steps = (job, decision) if first == "job" else (decision, job)
    outcome = at_once(engine, *steps)
    assert outcome.refused is None
    assert _after(engine, row_id) == ("rejected", True, True)


def test_a_release_while_the_job_erases_its_batch_is_no_deadlock(
    committed_world: tuple[Engine, World],
) -> None:
    """The release goes through the pipeline, whose batch event takes the audit chain's head;
    it locked the held row's batch only after, while the job holds the batch and takes the
    head last (review r14): now it locks the batch with the row, before any event, and
    waits there (decision 0008, session 24 addendum)."""
    engine, built = committed_world
    row_id = _held_row(engine, built)
    later = _after_the_period(built)
    with Session(engine) as session:
        batch_id = session.scalar(
            select(QuarantinedRow.batch_id).where(QuarantinedRow.id == row_id)
        )
    with Session(engine) as job:
        # The job's first statement: its due batches locked.
        job.execute(select(Batch.id).where(Batch.id == batch_id).with_for_update()).all()
        outcome, thread = in_another_transaction(
            engine,
            lambda session: held_rows.release(
                session, later, staff(session, "reporter"), row_id, "经核实为同一主体，名称已变更"
            ),
        )
        until_waiting_or_done(engine, outcome, thread)
        assert waiting_for_a_lock(engine, outcome.pid)
        assert quarantine.erase_past_period(job, later).batches == 1
        job.commit()
    assert ended(outcome, thread).refused is None
    # Decided after the batch's period ended: its content went with the decision.
    assert _after(engine, row_id) == ("released", True, True)
