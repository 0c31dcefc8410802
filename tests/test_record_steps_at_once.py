"""Two requests writing one credit record at once: two applications to repair it, an
objection raised while its repair is approved (or the other way round), two objections, an
objection while its source revokes it. Each step that writes a version of the record, or
decides on its status, reads it locked and afresh (``collection.records.locked``), so the
second waits for the first, finds the record as the first left it and is refused by the
rules with their own 409 — never two open cases and two public commitments on one record,
never a version numbered twice (decisions 0023 and 0022, addenda of session 19). A collision
nothing refused is a 409 to send again, not a 500 (``web.errors``).

The lock is seen only with two transactions on PostgreSQL (``tests.concurrency_helpers``);
reading afresh is seen on either database with one session whose copy of the record is
older than the row."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.disclosure_helpers import (
    ANNULMENT,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers, record_objection
from tests.page_helpers import csrf_from, log_in
from tests.repair_helpers import application, old_decision
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.errors import Conflict
from xinyong.objections import service as objections
from xinyong.objections.models import RecordObjection
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus


def _apply(clock: FixedClock, record_id: int, commitment: str) -> Any:
    def step(session: Session) -> RepairCase:
        return repair.apply(
            session,
            clock,
            staff(session, "company"),
            record_id,
            **application(commitment_text=commitment),
        )

    return step


def _object(clock: FixedClock, record_id: int, statement: str = "罚款金额有误") -> Any:
    def step(session: Session) -> RecordObjection:
        return objections.raise_objection(
            session,
            clock,
            staff(session, "company"),
            record_id,
            ground="error",
            statement=statement,
        )

    return step


def _approve(clock: FixedClock, case_id: int) -> Any:
    def step(session: Session) -> RepairCase:
        return repair.decide(
            session, clock, staff(session, "caseofficer"), case_id, approve=True, reasons="整改到位"
        )

    return step


def _repairable(engine: Engine, built: World, clock: FixedClock) -> int:
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        record = company_penalty(session, clock, world, decision_date=old_decision(clock))
        session.commit()
        return record.id


def _accepted(engine: Engine, built: World, clock: FixedClock) -> tuple[int, int]:
    record_id = _repairable(engine, built, clock)
    with Session(engine, expire_on_commit=False) as session:
        case = _apply(clock, record_id, "承诺不再发生")(session)
        repair.feedback(
            session, clock, staff(session, "objections"), case.id, accept=True, reasons=""
        )
        session.commit()
        return record_id, case.id


def _versions_numbered_once(session: Session, record_id: int) -> None:
    numbers = list(
        session.scalars(
            select(RecordVersion.version_no)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
        )
    )
    record = session.get(CreditRecord, record_id)
    assert record is not None
    assert numbers == list(range(1, len(numbers) + 1))
    assert record.current_version_no == numbers[-1]


# --- two transactions at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.test_database
def test_two_applications_to_repair_one_record_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """A form sent twice on a slow server, or two tabs: the second application waits for
    the first and is refused as one already being handled (Art. 21) — one open case, one
    public commitment."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    record_id = _repairable(engine, built, clock)

    second = at_once(engine, _apply(clock, record_id, "承诺一"), _apply(clock, record_id, "承诺二"))

    assert second.refused is not None, "two applications opened on one record"
    assert (second.refused.code, second.refused.field) == ("not_repairable", "repair_pending")
    with Session(engine) as session:
        opened = session.execute(
            select(RepairCase.status, RepairCase.commitment_record_id).where(
                RepairCase.record_id == record_id
            )
        ).all()
        assert [status for status, _ in opened] == [RepairStatus.SUBMITTED]
        commitment = session.get(CreditRecord, opened[0][1])
        assert commitment is not None
        # The refused application made no commitment of its own (rolled back with it).
        assert (
            session.scalar(
                select(func.count(CreditRecord.id)).where(
                    CreditRecord.subject_id == commitment.subject_id,
                    CreditRecord.record_type_id == commitment.record_type_id,
                    CreditRecord.received_at >= commitment.received_at,
                )
            )
            == 1
        )


@pytest.mark.test_database
def test_an_objection_raised_while_the_repair_is_approved(
    committed_world: tuple[Engine, World],
) -> None:
    """The source approves while the subject objects: the objection waits and finds the
    record repaired, refused 409 record_not_objectionable — not a 500 on the record's
    version number."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    record_id, case_id = _accepted(engine, built, clock)

    second = at_once(engine, _approve(clock, case_id), _object(clock, record_id))

    assert second.refused is not None, "the objection was raised on a record being repaired"
    assert (second.refused.code, second.refused.field) == ("record_not_objectionable", "record")
    with Session(engine) as session:
        record = session.get(CreditRecord, record_id)
        assert record is not None
        assert record.status is RecordStatus.REPAIRED
        assert (
            session.scalar(
                select(func.count(RecordObjection.id)).where(RecordObjection.record_id == record_id)
            )
            == 0
        )
        _versions_numbered_once(session, record_id)


@pytest.mark.test_database
def test_a_repair_approved_while_an_objection_is_raised(
    committed_world: tuple[Engine, World],
) -> None:
    """The other order: the approval waits and finds the record under objection, which is
    decided first (409 not_repairable, Art. 25)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    record_id, case_id = _accepted(engine, built, clock)

    second = at_once(engine, _object(clock, record_id), _approve(clock, case_id))

    assert second.refused is not None, "a record under objection was repaired"
    assert (second.refused.code, second.refused.field, second.refused.article) == (
        "not_repairable",
        "record",
        "Art. 25",
    )
    with Session(engine) as session:
        record = session.get(CreditRecord, record_id)
        case = session.get(RepairCase, case_id)
        assert record is not None
        assert case is not None
        assert record.status is RecordStatus.UNDER_OBJECTION
        assert case.status is RepairStatus.ACCEPTED
        _versions_numbered_once(session, record_id)


@pytest.mark.test_database
def test_two_objections_to_one_record_at_once(committed_world: tuple[Engine, World]) -> None:
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    record_id = _repairable(engine, built, clock)

    second = at_once(engine, _object(clock, record_id), _object(clock, record_id, "日期有误"))

    assert second.refused is not None, "two objections opened on one record"
    assert (second.refused.code, second.refused.field) == ("objection_pending", "record")
    with Session(engine) as session:
        _versions_numbered_once(session, record_id)


@pytest.mark.test_database
def test_an_objection_decided_while_the_source_revokes_the_record(
    committed_world: tuple[Engine, World],
) -> None:
    """The source revokes while the handler rejects the objection: the rejection waits and
    writes its version after the revocation's, the record staying revoked (decision 0028)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    record_id = _repairable(engine, built, clock)
    with Session(engine, expire_on_commit=False) as session:
        objection = _object(clock, record_id)(session)
        session.commit()

    def revoke(session: Session) -> Any:
        return revocation.revoke(
            session,
            clock,
            staff(session, "reporter"),
            record_id,
            ground="reconsideration",
            document_number=ANNULMENT,
            reason="行政复议撤销",
        )

    def reject(session: Session) -> Any:
        return objections.decide(
            session,
            clock,
            staff(session, "objections"),
            objection.id,
            outcome="rejected",
            reasons="经核实无误",
        )

    second = at_once(engine, revoke, reject)

    assert second.refused is None
    with Session(engine) as session:
        record = session.get(CreditRecord, record_id)
        assert record is not None
        assert record.status is RecordStatus.REVOKED
        _versions_numbered_once(session, record_id)


# --- one session, the record changed since it read it (both databases) ----------------------


def _changed_meanwhile(db: Session, record: CreditRecord, status: RecordStatus) -> None:
    """Another request's version, committed after this session read the record: the rows
    change, the session's copy of the record does not."""
    version = db.scalar(
        select(RecordVersion).where(
            RecordVersion.record_id == record.id,
            RecordVersion.version_no == record.current_version_no,
        )
    )
    assert version is not None
    values = {
        column.name: getattr(version, column.name)
        for column in RecordVersion.__table__.columns
        if column.name not in ("id", "version_no", "status")
    }
    number = record.current_version_no + 1
    db.execute(RecordVersion.__table__.insert().values(**values, version_no=number, status=status))
    db.execute(
        update(CreditRecord)
        .where(CreditRecord.id == record.id)
        .values(status=status, current_version_no=number)
        .execution_options(synchronize_session=False)
    )


def test_an_objection_to_a_record_repaired_meanwhile_is_refused(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    _changed_meanwhile(db, record, RecordStatus.REPAIRED)
    assert record.status is RecordStatus.ACTIVE  # the session's copy

    with pytest.raises(Conflict) as refused:
        record_objection(db, clock, world, record.id)

    assert refused.value.code == "record_not_objectionable"
    assert record.status is RecordStatus.REPAIRED


def test_a_repair_of_a_record_objected_to_meanwhile_is_not_approved(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = repair.apply(db, clock, actor_of(world, "company"), record.id, **application())
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    db.commit()
    _changed_meanwhile(db, record, RecordStatus.UNDER_OBJECTION)

    with pytest.raises(Conflict) as refused:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
        )

    assert (refused.value.code, refused.value.article) == ("not_repairable", "Art. 25")
    assert case.status is RepairStatus.ACCEPTED


# --- a collision nothing refused: 409, not 500 (both databases) ------------------------------


def test_a_version_numbered_twice_is_a_conflict_to_send_again(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    disclosure_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Were a step to meet another request's version of the record in the unique index —
    the race the locks close — the request is rolled back whole and answered 409
    ``changed_meanwhile``, on the API and the pages, never 500."""
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    record_id = record.id

    def collides(session: Session, *_args: Any, **_kwargs: Any) -> Any:
        version = session.scalar(select(RecordVersion).where(RecordVersion.record_id == record_id))
        assert version is not None
        values = {
            column.name: getattr(version, column.name)
            for column in RecordVersion.__table__.columns
            if column.name != "id"
        }
        session.execute(RecordVersion.__table__.insert().values(**values))
        raise AssertionError("the duplicate version was written")

    monkeypatch.setattr(objections, "raise_objection", collides)
    answer = client.post(
        f"/api/v1/me/records/{record_id}/objections",
        json={"ground": "error", "statement": "金额有误"},
        headers=auth_headers(client, "company"),
    )

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("changed_meanwhile", None)
    assert "send it again" in error["message"]

    log_in(client, "company")
    form = client.get("/me/objections")
    page = client.post(
        "/me/objections",
        data={
            "record": str(record_id),
            "ground": "error",
            "statement": "金额有误",
            "csrf_token": csrf_from(form.text),
        },
        headers={"accept": "text/html"},
    )
    assert page.status_code == 409
    assert 'data-code="changed_meanwhile"' in page.text
