"""The unit of work: one session per request or CLI command, committed at the boundary.

Services receive a ``Session`` and never commit; the web layer and the CLI do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_session_factory(engine: Engine, *, keys_compared: bool = True) -> sessionmaker[Session]:
    """Sessions whose transactions compare the process's keys with the database's keys of
    record as they begin; ``keys_compared`` False for the opening's own transactions, which
    settle which keys those are (a rotation's side file promoted, the keys checked) with
    keys they read themselves."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
    if keys_compared:
        event.listen(factory, "after_begin", _under_keys_of_record)
    return factory


def _under_keys_of_record(_session: Session, _transaction: Any, connection: Connection) -> None:
    """Every transaction reads under the database's keys of record or is refused
    (``audit.read_under_keys_of_record``; decision 0054, session 25 addendum)."""
    from xinyong.audit.service import read_under_keys_of_record

    read_under_keys_of_record(connection)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        # Begun at once, so that the keys are compared with the keys of record before
        # anything is computed under them (``_under_keys_of_record``), not at the first
        # statement: an ID number's blind index is computed before the query it is in.
        session.connection()
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
