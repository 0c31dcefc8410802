"""Objections to a person's name raised or decided at the same moment, each in a transaction
of its own (PostgreSQL; decision 0051): one open objection per person, and one decision per
objection — never two cases open, nor a rename and a rejection of the same case.

``tests.concurrency_helpers`` says why only PostgreSQL shows it: SQLite serialises writers
at BEGIN IMMEDIATE (decision 0002)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import fast_password_hashing  # noqa: F401 - fixture
from tests.concurrency_helpers import (  # noqa: F401
    at_once,
    committed_world,
    staff,
)
from tests.factories import World
from tests.name_objection_helpers import EVIDENCE
from xinyong.clock import FixedClock
from xinyong.objections import names as name_objections
from xinyong.objections.models import NameObjection, NameObjectionStatus
from xinyong.subjects.models import Subject, SubjectName

pytestmark = pytest.mark.test_database


def _raise(clock: FixedClock, name: str) -> Callable[[Session], Any]:
    def raise_(session: Session) -> Any:
        return name_objections.raise_objection(
            session, clock, staff(session, "citizen"), name=name, statement="", evidence=EVIDENCE
        )

    return raise_


def _decide(clock: FixedClock, username: str, objection_id: int, outcome: str) -> Any:
    def decide(session: Session) -> Any:
        return name_objections.decide(
            session, clock, staff(session, username), objection_id, outcome=outcome, reasons="核对"
        )

    return decide


def _close_open(engine: Engine, built: World) -> None:
    with Session(engine) as session:
        for objection in session.scalars(
            select(NameObjection).where(NameObjection.status == NameObjectionStatus.RECEIVED)
        ).all():
            objection.status = NameObjectionStatus.REJECTED
        session.commit()


def test_two_objections_raised_at_once_leave_one_open(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    _close_open(engine, built)
    clock = FixedClock(built.clock.now())
    outcome = at_once(engine, _raise(clock, "王某甲"), _raise(clock, "王某乙"))
    assert outcome.refused is not None
    assert outcome.refused.code == "name_objection_pending"
    with Session(engine) as session:
        person = built.subjects["person"].id
        assert (
            session.scalar(
                select(func.count()).where(
                    NameObjection.subject_id == person,
                    NameObjection.status == NameObjectionStatus.RECEIVED,
                )
            )
            == 1
        )


def test_two_handlers_deciding_at_once_decide_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    _close_open(engine, built)
    clock = FixedClock(built.clock.now())
    with Session(engine) as session:
        objection = _raise(clock, "王某丙")(session)
        session.commit()
        objection_id = objection.id
    outcome = at_once(
        engine,
        _decide(clock, "objections", objection_id, "upheld"),
        _decide(clock, "objections2", objection_id, "rejected"),
    )
    assert outcome.refused is not None
    assert outcome.refused.code == "objection_closed"
    with Session(engine) as session:
        found = session.get(NameObjection, objection_id)
        assert found is not None
        assert found.status is NameObjectionStatus.UPHELD
        person = session.get(Subject, built.subjects["person"].id)
        assert person is not None
        assert person.name == "王某丙"
        current = session.scalars(
            select(SubjectName.name).where(
                SubjectName.subject_id == person.id, SubjectName.current.is_(True)
            )
        ).all()
        assert current == ["王某丙"]
