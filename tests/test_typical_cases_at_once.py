"""A typical case published and withdrawn — or published twice, a double submit — at the
same moment: the second step waits for the first's lock on the case and finds the state it
left (review r16, session 25). Before, both read the case unlocked and both passed the state
check: two ``typical_case.published`` events, ``published_by`` overwritten, a withdrawn case
published.

Only on PostgreSQL (``concurrency_helpers``); SQLite's writers take turns."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.factories import World, bind
from tests.publicity_helpers import add_second_officer, drafted, serious_entry
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.publicity import cases
from xinyong.publicity.models import CaseKind, TypicalCase

pytestmark = pytest.mark.test_database


def a_draft(engine: Engine, built: World, subject: str) -> int:
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        world.clock = FixedClock(built.clock.now())
        # The factories write in this session (the second officer is made once).
        bind(session, world.clock)
        add_second_officer(world)
        entry = serious_entry(session, world, subject)
        case = drafted(
            session,
            world,
            CaseKind.SERIOUS_DISHONESTY,
            list_entry_id=entry.id,
            title="严重失信典型",
            narrative="该企业严重失信。",
        )
        session.commit()
        return case.id


def events_of(engine: Engine, case_id: int) -> list[str]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.target_type == "typical_case",
                    AuditEvent.target_id == str(case_id),
                )
                .order_by(AuditEvent.sequence)
            )
        )


def test_a_subject_answering_twice_at_once_answers_once(
    committed_world: tuple[Engine, World],
) -> None:
    """First in the module: the others put the world's company on the black list, where it
    may not be repaired. Review r16, left by r16fix: the subject's answer to a request to be named read its
    request unlocked, so a consent and a refusal sent at once (two tabs) both passed the
    "not answered yet" check and the later overwrote the first, each audited."""
    from tests.publicity_helpers import repaired_case
    from xinyong.publicity import consent
    from xinyong.publicity.models import ConsentStatus, NamingConsent

    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        world.clock = FixedClock(built.clock.now())
        bind(session, world.clock)
        add_second_officer(world)
        case = drafted(
            session,
            world,
            CaseKind.CREDIT_REPAIR,
            repair_case_id=repaired_case(world).id,
            request_consent=True,
            title="某文具企业主动整改完成信用修复",
            narrative="某文具企业因虚假宣传受到行政处罚后主动整改，完成信用修复。",
        )
        session.commit()
        consent_id = session.scalars(
            select(NamingConsent.id).where(NamingConsent.case_id == case.id)
        ).one()
    clock = FixedClock(built.clock.now())
    second = at_once(
        engine,
        lambda s: consent.answer(
            s,
            clock,
            staff(s, "company"),
            consent_id,
            consent=True,
            consequences_acknowledged=True,
        ),
        lambda s: consent.answer(s, clock, staff(s, "company"), consent_id, consent=False),
    )
    assert second.error is None
    assert second.refused is not None
    assert second.refused.code == "consent_answered"
    with Session(engine) as session:
        found = session.get(NamingConsent, consent_id)
        assert found is not None
        assert found.status is ConsentStatus.GIVEN


def test_a_typical_case_published_twice_at_once_is_published_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    case_id = a_draft(engine, built, "company")
    clock = FixedClock(built.clock.now())
    later = FixedClock(built.clock.now() + dt.timedelta(minutes=1))
    second = at_once(
        engine,
        lambda s: cases.publish(s, clock, staff(s, "authority2"), case_id),
        lambda s: cases.publish(s, later, staff(s, "authority2"), case_id),
    )
    assert second.error is None
    assert second.refused is not None
    assert second.refused.code == "wrong_state"
    assert events_of(engine, case_id).count("typical_case.published") == 1
    with Session(engine) as session:
        case = session.get(TypicalCase, case_id)
        assert case is not None
        assert case.published_at == clock.now()


def test_a_draft_withdrawn_while_it_is_published_is_not_published(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    case_id = a_draft(engine, built, "other_company")
    clock = FixedClock(built.clock.now())
    second = at_once(
        engine,
        lambda s: cases.withdraw(s, clock, staff(s, "authority"), case_id, reason="草稿作废"),
        lambda s: cases.publish(s, clock, staff(s, "authority2"), case_id),
    )
    assert second.error is None
    assert second.refused is not None
    assert second.refused.code == "wrong_state"
    assert "typical_case.published" not in events_of(engine, case_id)
    with Session(engine) as session:
        case = session.get(TypicalCase, case_id)
        assert case is not None
        assert (case.published_at, case.withdrawn_at) == (None, clock.now())
