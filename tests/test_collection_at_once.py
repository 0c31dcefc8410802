"""Two writers of collection at once, each in a transaction of its own (PostgreSQL): the
second waits for the first and ends as if it had come after it — two sources' batches
naming the same new company, the same batch sent twice (decision 0006: a replay), two
officers recording one commitment's fulfilment. None is a 500.

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
    PENALTY,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_citizen_id,
    new_uscc,
    penalty_row,
    person_penalty_row,
    source_columns,
    versions_of,
)
from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.factories import World
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation
from xinyong.clock import FixedClock
from xinyong.collection import records
from xinyong.collection.models import Batch, CreditRecord
from xinyong.subjects.models import Subject

pytestmark = pytest.mark.test_database

NEW_COMPANY = "福州新设测试有限公司"


def _submit(organisation_id: int, rows: list[dict[str, str]], clock: FixedClock) -> Any:
    def submit(session: Session) -> Any:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        return ingest(session, clock, organisation, rows)

    return submit


def test_two_sources_naming_the_same_new_company_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The second batch waits for the first to register the company, then finds it and
    records its row about it, as if it had come second."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    code = new_uscc()
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        other = world.organisations["other_agency"]
        grant(session, clock, other, PENALTY)
        session.commit()
        regulator_id, other_id = world.organisations["regulator"].id, other.id
        first_row = penalty_row(world, subject_name=NEW_COMPANY, subject_uscc=code)
        second_row = penalty_row(
            world, subject_name=NEW_COMPANY, subject_uscc=code, **source_columns(other)
        )

    second = at_once(
        engine,
        _submit(regulator_id, [first_row], clock),
        _submit(other_id, [second_row], clock),
    )

    assert second.refused is None
    report = second.result
    assert (report.batch.created, report.batch.new_subjects, report.problems) == (1, 0, [])
    with Session(engine) as session:
        (company,) = session.scalars(select(Subject).where(Subject.uscc == code)).all()
        sources = session.scalars(
            select(CreditRecord.source_organisation_id).where(CreditRecord.subject_id == company.id)
        ).all()
        assert sorted(sources) == sorted([regulator_id, other_id])


def test_two_sources_naming_the_same_new_person_at_once_under_two_names(
    committed_world: tuple[Engine, World],
) -> None:
    """A person first seen in two batches at once is registered once, by the first; the
    second's row, under another name, is held as it would be had it come second."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    citizen_id = new_citizen_id()
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        other = world.organisations["other_agency"]
        grant(session, clock, other, PENALTY)
        session.commit()
        regulator_id, other_id = world.organisations["regulator"].id, other.id
        first_row = person_penalty_row(world, citizen_id, "林新民")
        second_row = person_penalty_row(world, citizen_id, "林欣敏", **source_columns(other))

    second = at_once(
        engine,
        _submit(regulator_id, [first_row], clock),
        _submit(other_id, [second_row], clock),
    )

    assert second.refused is None
    report = second.result
    assert (report.batch.created, report.batch.held, report.batch.new_subjects) == (0, 1, 0)
    assert [p.code for p in report.problems] == ["name_mismatch"]
    with Session(engine) as session:
        registered = session.scalar(
            select(func.count(Subject.id)).where(Subject.name_normalised == "林新民")
        )
        assert registered == 1
        assert session.scalar(select(func.count(Subject.id)).where(Subject.name == "林欣敏")) == 0


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


def test_two_officers_recording_one_commitments_fulfilment_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The second waits for the first's lock on the commitment and numbers its version
    after the first's (Art. 24: both are in the history, in the order they were made)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        commitment = records.make_commitment(
            session,
            clock,
            accounts.actor_for_user(world.users["company"]),
            commitment_type="守法经营承诺",
            reason="申请许可",
            text="本企业承诺依法经营",
            accepting_unit=world.organisations["regulator"],
        )
        session.commit()
        record_id = commitment.id

    def fulfilled(session: Session) -> Any:
        return records.update_fulfilment(
            session,
            clock,
            staff(session, "reporter"),
            record_id,
            status="fulfilled",
            note="已核实履约",
        )

    def breached(session: Session) -> Any:
        return records.update_fulfilment(
            session,
            clock,
            staff(session, "reporter"),
            record_id,
            status="breached",
            note="核查发现未履约",
        )

    second = at_once(engine, fulfilled, breached)

    assert second.refused is None
    assert second.result.version_no == 3
    with Session(engine) as session:
        history = [
            (v.version_no, v.payload["fulfilment_status"]) for v in versions_of(session, record_id)
        ]
        assert history == [(1, "pending"), (2, "fulfilled"), (3, "breached")]
        again = session.get(CreditRecord, record_id)
        assert again is not None
        assert again.current_version_no == 3
