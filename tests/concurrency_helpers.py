"""Two staff acting on one case at once, each in a transaction of its own.

The ``db`` fixture's session is one connection rolled back after the test, which a second
transaction cannot see; a race needs committed rows. ``committed_world`` is a database of
its own (a schema of the test database, as the migration tests make), with the lists
world built and committed once for the module. ``at_once`` lets the first step run and
hold its locks, starts the second in another transaction, waits until PostgreSQL says the
second waits for a lock the first holds, and only then commits the first: the order in
which two requests meet is fixed, not left to timing.

Only on PostgreSQL: SQLite serialises writers at BEGIN IMMEDIATE (decision 0002), so the
second transaction never starts while the first holds the database. A test using
``committed_world`` is marked ``test_database`` (decision 0047).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from tests.collection_helpers import PENALTY, grant
from tests.conftest import TEST_NOW, make_test_engine
from tests.factories import UserFactory, World
from tests.lists_helpers import extend_to_lists_world
from xinyong import bootstrap
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role, UserAccount
from xinyong.accounts.permissions import Actor
from xinyong.clock import FixedClock
from xinyong.db.migrate import upgrade
from xinyong.errors import DomainError

# Long enough for a loaded machine; only a hang reaches it, and then the test says so.
GIVE_UP_AFTER = 120.0


@pytest.fixture(scope="module")
def committed_world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, World]]:
    """A database of the module's own with the lists world and a second objection handler of
    the credit authority (``objections2``) committed: the engine, and the world (its objects
    detached; ``in_session`` reads them in a test's session)."""
    if not os.environ.get("XINYONG_TEST_DATABASE_URL"):
        pytest.skip("two transactions at once need PostgreSQL (SQLite serialises writers)")
    engine = make_test_engine(request.config, Path(tmp_path_factory.mktemp("race")), "race")
    upgrade(engine)
    clock = FixedClock(TEST_NOW)
    with Session(engine, expire_on_commit=False) as session:
        bootstrap.load_rule_pack(session, clock)
        world = World.build(session, clock)
        grant(session, clock, world.organisations["regulator"], PENALTY)
        extend_to_lists_world(world, session, clock)
        # A second objection handler of the credit authority.
        world.users["objections2"] = UserFactory(
            username="objections2",
            role=Role.OBJECTION_HANDLER,
            organisation=world.organisations["authority"],
        )
        session.commit()
    yield engine, world
    engine.dispose()


def in_session(world: World, session: Session) -> World:
    """The world with its organisations, users and subjects read in ``session``."""
    return World(
        session,
        world.clock,
        organisations={k: _fresh(session, o) for k, o in world.organisations.items()},
        users={k: _fresh(session, u) for k, u in world.users.items()},
        subjects={k: _fresh(session, s) for k, s in world.subjects.items()},
    )


def _fresh(session: Session, obj: Any) -> Any:
    found = session.get(type(obj), obj.id)
    assert found is not None
    return found


def staff(session: Session, username: str) -> Actor:
    user = session.query(UserAccount).filter_by(username=username).one()
    return accounts.actor_for_user(user)


@dataclass
class Outcome:
    """What the second step did: its result, or the refusal it raised."""

    result: Any = None
    refused: DomainError | None = None
    error: BaseException | None = None
    pid: int | None = None
    started: threading.Event = field(default_factory=threading.Event)


def at_once(
    engine: Engine,
    first: Callable[[Session], Any],
    second: Callable[[Session], Any],
) -> Outcome:
    """``first`` acts and flushes, holding its locks; ``second`` acts in another transaction
    while they are held; ``first`` commits once ``second`` waits for one of them (or has
    finished without waiting). Returns how ``second`` ended; it commits what it did."""
    with Session(engine, expire_on_commit=False) as session:
        first(session)
        session.flush()
        outcome, thread = in_another_transaction(engine, second)
        until_waiting_or_done(engine, outcome, thread)
        session.commit()
    return ended(outcome, thread)


def in_another_transaction(
    engine: Engine, step: Callable[[Session], Any], *, after: threading.Event | None = None
) -> tuple[Outcome, threading.Thread]:
    """``step`` started in a transaction of its own on another thread (once ``after`` is
    set, if given), committed if it succeeds; how it ends is in the outcome (``ended``)."""
    outcome = Outcome()

    def run() -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                outcome.pid = session.scalar(text("SELECT pg_backend_pid()"))
                outcome.started.set()
                if after is not None:
                    assert after.wait(GIVE_UP_AFTER), "what the step waits for never came"
                outcome.result = step(session)
                session.commit()
            except DomainError as refused:
                session.rollback()
                outcome.refused = refused
            except BaseException as error:
                session.rollback()
                outcome.error = error
            finally:
                outcome.started.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert outcome.started.wait(GIVE_UP_AFTER), "the other transaction never started"
    return outcome, thread


def ended(outcome: Outcome, thread: threading.Thread) -> Outcome:
    """The outcome once the step's thread is over; an error it met (not a refusal) is
    raised here."""
    thread.join(GIVE_UP_AFTER)
    assert not thread.is_alive(), "the other transaction never ended"
    if outcome.error is not None:
        raise outcome.error
    return outcome


def waiting_for_a_lock(engine: Engine, pid: int | None) -> bool:
    """Whether the server process ``pid`` waits for a lock another transaction holds."""
    with engine.connect() as watcher:
        return bool(
            watcher.scalar(
                text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND NOT granted"),
                {"pid": pid},
            )
        )


def until_waiting_or_done(engine: Engine, outcome: Outcome, thread: threading.Thread) -> None:
    """Until the other transaction waits for a lock, or has ended without waiting."""
    deadline = time.monotonic() + GIVE_UP_AFTER
    while thread.is_alive():
        if waiting_for_a_lock(engine, outcome.pid):
            return
        assert time.monotonic() < deadline, "the other transaction neither waited nor ended"
        time.sleep(0.01)
