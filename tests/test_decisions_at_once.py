"""Two staff deciding one case at once: the second finds the first's decision and is
refused as a case no longer at that stage — a repair case (Art. 20-23), an objection to a
record (Art. 25) and an objection to a list entry alike. Each step locks the case and reads
it afresh (as ``lists.removal_proposals`` does), so a decision never lands on a case
another decided meanwhile: an approved repair with the case rejected, an objection upheld
with the record back in use, an entry removed on an objection that reads dismissed.

The lock is seen only with two transactions on PostgreSQL (``tests.concurrency_helpers``);
reading afresh is seen on either database with one session whose copy of the case is
older than the row."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.disclosure_helpers import actor_of, company_penalty, disclosure_world  # noqa: F401
from tests.factories import World, record_objection
from tests.lists_helpers import (
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from tests.repair_helpers import apply, old_decision
from tests.test_list_objections import DISMISSAL, objected
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import Conflict
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListObjection
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

MEANWHILE = dt.datetime(2026, 11, 27, 9, 30, tzinfo=CHINA)


def decided_meanwhile(db: Session, model: Any, row_id: int, **values: Any) -> None:
    """Another officer's decision, committed after this session read the case: the row
    changes, the session's copy of it does not."""
    db.execute(
        update(model)
        .where(model.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _accepted_repair(db: Session, clock: FixedClock, world: World) -> tuple[RepairCase, int]:
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    db.commit()
    return case, record.id


def _decide_events(db: Session, target_type: str, target_id: int, action: str) -> int:
    return len(
        db.scalars(
            select(AuditEvent.sequence).where(
                AuditEvent.target_type == target_type,
                AuditEvent.target_id == str(target_id),
                AuditEvent.action == action,
            )
        ).all()
    )


# --- one session, a decision committed since it read the case (both databases) ---------------


def test_a_repair_decided_meanwhile_is_not_decided_again(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    case, record_id = _accepted_repair(db, clock, world)
    decided_meanwhile(db, RepairCase, case.id, status=RepairStatus.REJECTED, decided_at=MEANWHILE)

    with pytest.raises(Conflict) as refused:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
        )

    assert (refused.value.code, refused.value.field) == ("repair_closed", "case")
    record = db.get(CreditRecord, record_id)
    assert record is not None
    assert record.status is RecordStatus.ACTIVE
    # Nor terminated for fraud, nor given feedback, on the stale copy.
    with pytest.raises(Conflict):
        repair.fraud(db, clock, actor_of(world, "caseofficer"), case.id, reasons="材料系伪造")
    with pytest.raises(Conflict):
        repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")


def test_an_objection_decided_meanwhile_is_not_decided_again(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    db.commit()
    decided_meanwhile(
        db,
        RecordObjection,
        objection.id,
        status=ObjectionStatus.UPHELD,
        decided_at=MEANWHILE,
    )
    handler = actor_of(world, "objections")

    with pytest.raises(Conflict) as refused:
        objections.decide(db, clock, handler, objection.id, outcome="rejected", reasons="属实")

    assert (refused.value.code, refused.value.field) == ("wrong_stage", "objection")
    # The record stays under objection, for the upheld objection to be carried out.
    assert record.status is RecordStatus.UNDER_OBJECTION
    with pytest.raises(Conflict):
        objections.forward(db, clock, handler, objection.id, note="")


def test_a_list_objection_decided_meanwhile_is_not_decided_again(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    entry, objection = objected(db, clock, world)
    db.commit()
    decided_meanwhile(
        db, ListObjection, objection.id, decided_at=MEANWHILE, upheld=False, decided_by="x"
    )

    with pytest.raises(Conflict) as refused:
        entries.decide_objection(
            db, clock, actor_of(world, "caseofficer2"), objection.id, upheld=True, reasons="属实"
        )

    assert (refused.value.code, refused.value.field) == ("decided", "objection")
    assert entry.status is EntryStatus.NOTICED


# --- two transactions at once (PostgreSQL) ---------------------------------------------------


@pytest.mark.test_database
def test_two_officers_deciding_a_repair_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """One of the source's case officers approves while another rejects: the second waits
    for the first and finds the case approved."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        case, record_id = _accepted_repair(session, clock, world)

    def approve(session: Session) -> Any:
        return repair.decide(
            session, clock, staff(session, "caseofficer"), case.id, approve=True, reasons="同意"
        )

    def reject(session: Session) -> Any:
        return repair.decide(
            session, clock, staff(session, "caseofficer2"), case.id, approve=False, reasons="不同意"
        )

    second = at_once(engine, approve, reject)

    assert second.refused is not None, "both officers decided the case"
    assert (second.refused.code, second.refused.field) == ("repair_closed", "case")
    with Session(engine) as session:
        decided = session.get(RepairCase, case.id)
        record = session.get(CreditRecord, record_id)
        assert decided is not None
        assert record is not None
        assert decided.status is RepairStatus.APPROVED
        assert record.status is RecordStatus.REPAIRED
        assert _decide_events(session, "repair_case", case.id, "repair_case.decide") == 1


@pytest.mark.test_database
def test_two_handlers_deciding_an_objection_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """One of the credit authority's objection handlers rejects while another upholds:
    the second finds it rejected, and the record is back in use as the rejection says."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        record = company_penalty(session, clock, world)
        objection = record_objection(session, clock, world, record.id)
        session.commit()

    def reject(session: Session) -> Any:
        return objections.decide(
            session,
            clock,
            staff(session, "objections"),
            objection.id,
            outcome="rejected",
            reasons="经核实无误",
        )

    def uphold(session: Session) -> Any:
        return objections.decide(
            session,
            clock,
            staff(session, "objections2"),
            objection.id,
            outcome="upheld",
            reasons="属实",
        )

    second = at_once(engine, reject, uphold)

    assert second.refused is not None, "both handlers decided the objection"
    assert (second.refused.code, second.refused.field) == ("objection_closed", "objection")
    with Session(engine) as session:
        decided = session.get(RecordObjection, objection.id)
        again = session.get(CreditRecord, record.id)
        assert decided is not None
        assert again is not None
        assert decided.status is ObjectionStatus.REJECTED
        assert again.status is RecordStatus.ACTIVE


@pytest.mark.test_database
def test_two_deciding_an_objection_to_a_list_entry_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The credit authority's objection handler dismisses while the agency's second officer
    upholds: the second finds it decided, and the candidacy stands."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        entry, objection = objected(session, clock, world)
        session.commit()

    def dismiss(session: Session) -> Any:
        return entries.decide_objection(
            session,
            clock,
            staff(session, "objections"),
            objection.id,
            upheld=False,
            reasons=DISMISSAL,
        )

    def uphold(session: Session) -> Any:
        return entries.decide_objection(
            session,
            clock,
            staff(session, "caseofficer2"),
            objection.id,
            upheld=True,
            reasons="属实",
        )

    second = at_once(engine, dismiss, uphold)

    assert second.refused is not None, "the objection was decided twice"
    assert (second.refused.code, second.refused.field) == ("decided", "objection")
    with Session(engine) as session:
        decided = session.get(ListObjection, objection.id)
        candidacy = session.get(ListEntry, entry.id)
        assert decided is not None
        assert candidacy is not None
        assert decided.upheld is False
        assert candidacy.status is EntryStatus.NOTICED
