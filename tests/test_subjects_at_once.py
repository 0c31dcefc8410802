"""Two requests registering one new subject at once (session 18; session 17 left these
paths): a grantee's consent naming a person new to the platform, an officer's list entry or
the register of responsible persons naming the same one, an organisation entered twice. The
second waited on the unique index and failed with a 500; now it is refused 409
``registered_meanwhile``, to be sent again (only its insert is undone, by a savepoint). Batches resolve
the same race in bulk (decision 0006). PostgreSQL only (``tests.concurrency_helpers``)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, staff  # noqa: F401
from tests.factories import World
from xinyong.audit.models import AuditEvent
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_citizen_id, make_uscc

pytestmark = pytest.mark.test_database


def _audited(session: Session, action: str) -> int:
    return int(session.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


def test_one_new_person_registered_by_two_requests_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, world = committed_world
    citizen_id = make_citizen_id(random.Random(18))

    def register(session: Session) -> Subject:
        return subjects.register_natural_person(
            session, world.clock, staff(session, "caseofficer"), name="林某", citizen_id=citizen_id
        )

    with Session(engine) as before:
        registered = _audited(before, "subject.register")
    outcome = at_once(engine, register, register)

    assert outcome.refused is not None
    assert outcome.refused.code == "registered_meanwhile"
    assert outcome.refused.field == "citizen_id"
    with Session(engine) as after:
        index = subjects.citizen_id_index(citizen_id)
        assert after.scalar(select(func.count()).where(Subject.citizen_id_index == index)) == 1
        # Sent again, the request finds the person the first registered.
        assert subjects.by_citizen_id(after, citizen_id) is not None
        assert _audited(after, "subject.register") == registered + 1


def test_one_new_organisation_registered_by_two_requests_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, world = committed_world
    uscc = make_uscc(random.Random(18))

    def register(session: Session) -> Subject:
        return subjects.register_organisation(
            session, world.clock, staff(session, "authority"), name="福州某某有限公司", uscc=uscc
        )

    outcome = at_once(engine, register, register)

    assert outcome.refused is not None
    assert (outcome.refused.code, outcome.refused.field) == ("registered_meanwhile", "uscc")
    with Session(engine) as after:
        assert after.scalar(select(func.count()).where(Subject.uscc == uscc)) == 1
