"""A black listing found wrong brings back the red-list entries it ended, meeting a request
that holds one of them and then writes its audit event (decision 0008, session 25 addendum:
the rows first, the audit chain's head last).

``restore_after_wrong_black_listing`` published the red-list entries again one by one
without locking them, after the black-list entry's own ``removed`` event had taken the head:
the source's revocation then waited for the red-list entry the request held, while the
request waited for the head — a deadlock on PostgreSQL, one side rolled back.
``tests.concurrency_helpers`` says why the race needs PostgreSQL."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import (  # noqa: F401
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    until_waiting_or_done,
    waiting_for_a_lock,
)
from tests.conftest import TEST_NOW
from tests.factories import CompanyFactory, World, bind
from tests.lists_helpers import (
    actor,
    basis_record,
    court_row,
    ingest_court,
    old_warning,
    published_entry,
)
from xinyong.audit import service as audit
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, RemovalReason

pytestmark = pytest.mark.test_database
CLOCK = FixedClock(TEST_NOW)


def test_a_revoked_court_record_restores_the_red_entry_taking_it_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """An integrity model black-listed from the court's record (its red-list entry ended):
    the court revokes the record, the black-list entry leaves (its event) and the red-list
    entry comes back — while a request holds it and then writes its event."""
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        company = CompanyFactory(name="福州守信己有限公司")
        red = published_entry(
            session,
            CLOCK,
            world,
            company,
            "integrity_model",
            approved_days_ago=60,
            reasons="纳税信用A级",
        ).id
        ingest_court(session, CLOCK, world, [court_row(world, company)])
        record_id = session.scalars(
            select(CreditRecord.id).where(CreditRecord.subject_id == company.id)
        ).all()[-1]
        session.commit()
        ended_red = session.get(ListEntry, red)
        assert ended_red is not None
        assert ended_red.removal_reason is RemovalReason.BLACK_LISTED

    def revoke(session: Session) -> None:
        world = in_session(built, session)
        revocation.revoke(
            session,
            CLOCK,
            actor(world, "court_reporter"),
            record_id,
            ground="withdrawn",
            document_number="(2026)闽01执异13号",
            reason="原失信决定被撤销",
        )

    with Session(engine) as request:
        assert request.get(ListEntry, red, with_for_update=True) is not None
        outcome, thread = in_another_transaction(engine, revoke)
        until_waiting_or_done(engine, outcome, thread)
        assert waiting_for_a_lock(engine, outcome.pid)
        audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_entry")
        request.commit()
    outcome = ended(outcome, thread)
    assert outcome.refused is None, outcome.refused
    with Session(engine) as session:
        restored = session.get(ListEntry, red)
        assert restored is not None
        assert (restored.status, restored.removal_reason) == (EntryStatus.PUBLISHED, None)
        black = session.scalars(
            select(ListEntry).where(
                ListEntry.subject_id == restored.subject_id, ListEntry.kind == ListKind.BLACK
            )
        ).one()
        assert black.removal_reason is RemovalReason.RECORD_REVOKED
        result = audit.verify(session)
        assert result.ok, result.problem


def test_an_objection_upheld_restores_the_red_entry_taking_it_before_the_head(
    committed_world: tuple[Engine, World],
) -> None:
    """The subject's objection to its black listing upheld: the decision's event and the
    black-list entry's removal (their events), then the red-list entry it had ended comes
    back — while a request holds it and then writes its event."""
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        bind(session, CLOCK)
        # The world's company: its account objects.
        company = world.subjects["company"]
        red = published_entry(
            session,
            CLOCK,
            world,
            company,
            "integrity_model",
            approved_days_ago=60,
            reasons="纳税信用A级",
        ).id
        black = published_entry(
            session,
            CLOCK,
            world,
            company,
            approved_days_ago=10,
            basis=[basis_record(session, CLOCK, world, company, **old_warning(CLOCK)).id],
        )
        objection = entries.object_to(
            session, CLOCK, actor(world, "company"), black.id, "处罚已被撤销"
        ).id
        session.commit()
        ended_red = session.get(ListEntry, red)
        assert ended_red is not None
        assert ended_red.removal_reason is RemovalReason.BLACK_LISTED

    def uphold(session: Session) -> None:
        world = in_session(built, session)
        entries.decide_objection(
            session,
            CLOCK,
            actor(world, "objections"),
            objection,
            upheld=True,
            reasons="认定有误",
        )

    with Session(engine) as request:
        assert request.get(ListEntry, red, with_for_update=True) is not None
        outcome, thread = in_another_transaction(engine, uphold)
        until_waiting_or_done(engine, outcome, thread)
        assert waiting_for_a_lock(engine, outcome.pid)
        audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_entry")
        request.commit()
    outcome = ended(outcome, thread)
    assert outcome.refused is None, outcome.refused
    with Session(engine) as session:
        restored = session.get(ListEntry, red)
        assert restored is not None
        assert (restored.status, restored.removal_reason) == (EntryStatus.PUBLISHED, None)
        result = audit.verify(session)
        assert result.ok, result.problem
