"""What the suite's Hypothesis state machines share: one database transaction per example.

A state machine calls the domain services directly on one session. Each example (a run of
steps) gets its own connection and outer transaction, opened when Hypothesis builds the
machine and rolled back in ``teardown``, so examples never see each other's rows; a step's
own commits are savepoints inside it. The engine is the worker's session-wide one, handed to
the machine's class for the length of one test because Hypothesis builds machines itself.
"""

from __future__ import annotations

from typing import ClassVar

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW
from xinyong.clock import FixedClock


class DatabaseMachine(RuleBasedStateMachine):
    engine: ClassVar[Engine | None] = None  # set by run_on_database for one test

    def __init__(self) -> None:
        super().__init__()
        engine = type(self).engine
        assert engine is not None, "run the machine with run_on_database"
        self.connection = engine.connect()
        self.outer = self.connection.begin()
        self.session = Session(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        )
        self.clock = FixedClock(TEST_NOW)

    def teardown(self) -> None:
        self.session.close()
        self.outer.rollback()
        self.connection.close()


def run_on_database(
    engine: Engine,
    machine: type[DatabaseMachine],
    *,
    max_examples: int,
    stateful_step_count: int,
) -> None:
    """Run ``machine`` as a test on ``engine``; its examples' sizes are each test's trade of
    time against what it finds. The database work makes examples slow by Hypothesis's
    measure, which is not a fault here."""
    machine.engine = engine
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=max_examples,
                stateful_step_count=stateful_step_count,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        machine.engine = None
