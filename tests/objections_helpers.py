"""Builders for the permission matrix (tests/test_permission_matrix.py) of the objection
routes (Art. 25): each gets the matrix's committed world and commits what it adds, and
hands every allowed caller a case at the stage its route acts on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.collection_helpers import PENALTY, grant, ingest, penalty_row, problems_of
from tests.disclosure_helpers import _matrix_catalog
from tests.factories import World, record_objection
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.collection.models import CreditRecord, SourceResponsibility
from xinyong.objections import service as objections
from xinyong.objections.models import OPEN, ObjectionStatus, RecordObjection


def _ready(world: World) -> None:
    session = _matrix_catalog(world)
    calendar_store.load_official(session, world.clock)
    regulator = world.organisations["regulator"]
    if not session.scalar(
        select(SourceResponsibility.id).where(SourceResponsibility.organisation_id == regulator.id)
    ):
        grant(session, world.clock, regulator, PENALTY)
    session.commit()


def fresh_record(world: World) -> CreditRecord:
    """A new penalty about the company, with no objection to it."""
    _ready(world)
    session = world.session
    row = penalty_row(world)
    report = ingest(session, world.clock, world.organisations["regulator"], [row])
    assert problems_of(report) == [], problems_of(report)
    record = session.scalars(select(CreditRecord).order_by(CreditRecord.id.desc()).limit(1)).one()
    session.commit()
    return record


def _case(world: World, status: ObjectionStatus, ground: str) -> RecordObjection:
    """The latest open objection of the company at ``status`` on ``ground``, or a new one."""
    session = world.session
    found = session.scalar(
        select(RecordObjection)
        .where(
            RecordObjection.status == status,
            RecordObjection.ground == ground,
            RecordObjection.status.in_(OPEN),
        )
        .order_by(RecordObjection.id.desc())
        .limit(1)
    )
    if found is not None:
        return found
    record = fresh_record(world)
    objection = record_objection(session, world.clock, world, record.id, ground=ground)
    if status is ObjectionStatus.FORWARDED:
        handler = accounts.actor_for_user(world.users["objections"])
        objections.forward(session, world.clock, handler, objection.id, note="请核实")
    session.commit()
    return objection


def matrix_record(world: World) -> dict[str, Any]:
    return {"record_id": fresh_record(world).id}


def matrix_record_form(world: World) -> dict[str, Any]:
    return {"record": fresh_record(world).id, "ground": "error", "statement": "金额有误"}


def matrix_received(world: World) -> dict[str, Any]:
    return {"objection_id": _case(world, ObjectionStatus.RECEIVED, "error").id}


def matrix_forwarded(world: World) -> dict[str, Any]:
    return {"objection_id": _case(world, ObjectionStatus.FORWARDED, "error").id}


def matrix_forwarded_withdrawal(world: World) -> dict[str, Any]:
    return {"objection_id": _case(world, ObjectionStatus.FORWARDED, "should_not_be_public").id}


def matrix_forwarded_duplicate(world: World) -> dict[str, Any]:
    return {"objection_id": _case(world, ObjectionStatus.FORWARDED, "duplicate_publication").id}


def matrix_correction(world: World) -> dict[str, Any]:
    return {"values": {"fine_amount": "1"}, "note": "按决定书更正金额"}


def matrix_correction_form(world: World) -> dict[str, Any]:
    return {"field.fine_amount": "1", "note": "按决定书更正金额"}
