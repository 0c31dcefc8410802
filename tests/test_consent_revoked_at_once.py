"""A consent revoked twice at once — a double submit, two tabs — is revoked once: the second
revocation waits for the first and finds it done (review r14, session 24). Before, both read
the consent unlocked and both wrote: the revocation moved to the later moment, and the
person's history had two revocations of one consent (Art. 24).

Only on PostgreSQL (``concurrency_helpers``); SQLite's writers take turns."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, in_session  # noqa: F401
from tests.conftest import TEST_NOW
from tests.disclosure_helpers import actor_of
from tests.factories import World, bind
from tests.test_institution_standing import _institution_collecting
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import consent as consents
from xinyong.collection.models import Consent

pytestmark = pytest.mark.test_database

CLOCK = FixedClock(TEST_NOW)


def test_a_consent_revoked_twice_at_once_is_revoked_once(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as db:
        world = in_session(built, db)
        bind(db, CLOCK)
        _institution_collecting(world, db, CLOCK)
        consent_id = db.scalar(
            select(Consent.id).where(
                Consent.grantee_organisation_id == world.organisations["institution"].id
            )
        )
        assert consent_id is not None
        citizen = actor_of(world, "citizen")
        db.commit()
    later = FixedClock(TEST_NOW + dt.timedelta(minutes=5))
    second = at_once(
        engine,
        lambda s: consents.revoke(s, CLOCK, citizen, consent_id),
        lambda s: consents.revoke(s, later, citizen, consent_id),
    )
    assert second.error is None
    assert second.refused is None
    with Session(engine) as s:
        revoked = s.get(Consent, consent_id)
        assert revoked is not None
        assert revoked.revoked_at == CLOCK.now()
        events = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "consent.revoke",
                AuditEvent.details["consent_id"].as_integer() == consent_id,
            )
        ).all()
        assert len(events) == 1
