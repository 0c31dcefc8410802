"""Two reads at the hourly limit at once (session 17 left it): each counted the reads
before the other's entry was written, found room for one more, and both passed. Near the
limit, reads of one account or organisation now take their turns and count again
(``access.check_read_limits``), so the second is refused ``bulk_read_limit`` (Art. 12, 34).
PostgreSQL only (``tests.concurrency_helpers``)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.concurrency_helpers import at_once, committed_world, in_session, staff  # noqa: F401
from tests.disclosure_helpers import authorise
from tests.factories import World
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, Authorisation

pytestmark = pytest.mark.test_database


@pytest.mark.parametrize("limited", ["account", "organisation"])
def test_the_last_read_under_the_limit_is_made_once(
    committed_world: tuple[Engine, World], limited: str
) -> None:
    engine, world = committed_world
    with Session(engine, expire_on_commit=False) as session:
        # The module's world is one: the citizen's authorisation to the bank is given once.
        if session.scalar(select(func.count()).select_from(Authorisation)) == 0:
            authorise(session, world.clock, in_session(world, session))
            session.commit()

    def read(session: Session) -> access.Access:
        person = in_session(world, session).subjects["person"]
        return access.open_file(
            session, world.clock, staff(session, "analyst"), person, limits=limits
        )

    with Session(engine) as before:
        granted = _granted_reads(before)
    # Room for one more read (the module's tests share one world and one hour).
    room, plenty = granted + 1, granted + 100
    limits = access.ReadLimits(
        per_account_per_hour=room if limited == "account" else plenty,
        per_organisation_per_hour=room if limited == "organisation" else plenty,
    )
    outcome = at_once(engine, read, read)

    assert outcome.refused is not None
    assert outcome.refused.code == "bulk_read_limit"
    with Session(engine) as after:
        assert _granted_reads(after) == granted + 1


def _granted_reads(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).where(AccessEvent.granted, AccessEvent.what == "file"))
        or 0
    )
