"""Two writers of collection at once, each in a transaction of its own (PostgreSQL): the
second waits for the first and ends as if it had come after it — the same batch sent
twice (decision 0006: a replay). None is a 500.

``tests.concurrency_helpers`` says why only PostgreSQL shows them: SQLite serialises
writers at BEGIN IMMEDIATE (decision 0002)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
)
from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.factories import World
from xinyong.accounts.models import Organisation
from xinyong.clock import FixedClock
from xinyong.collection.models import Batch, CreditRecord

pytestmark = pytest.mark.test_database


def _submit(organisation_id: int, rows: list[dict[str, str]], clock: FixedClock) -> Any:
    def submit(session: Session) -> Any:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        return ingest(session, clock, organisation, rows)

    return submit


def test_the_same_batch_sent_again_while_the_first_runs(
    committed_world: tuple[Engine, World],
) -> None:
    """A client's retry (or a double click) while the first upload is still running waits
    for it and is answered as its replay: the first report, nothing written again."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        row = penalty_row(world)
        regulator_id = world.organisations["regulator"].id
    submit = _submit(regulator_id, [row], clock)

    second = at_once(engine, submit, submit)

    assert second.refused is None
    report = second.result
    assert report.replayed is True
    assert (report.batch.created, report.batch.rows_total) == (1, 1)
    with Session(engine) as session:
        batches = session.scalar(select(func.count(Batch.id)).where(Batch.id == report.batch.id))
        assert batches == 1
        recorded = session.scalar(
            select(func.count(CreditRecord.id)).where(
                CreditRecord.natural_key.endswith("|" + row["decision_number"])
            )
        )
        assert recorded == 1
