"""Rate limiters: attempts at a secret counted in the database, other requests in the process.

``SharedAttemptLimiter`` counts logins and activations — the attempts that guess a password
or a code — in the table ``limited_attempt``, so the limit is the platform's: every server
process (``serve --workers``, several hosts behind a proxy) counts against the same window,
and a restart forgets none of it (decision 0031, addendum of session 24). Each count is a
short transaction of its own, committed before the request's work begins, so a failed login
stays counted when its request is rolled back; it touches no table the request does, and on
PostgreSQL takes a transaction-level advisory lock per key (``db.locks``), so two processes
counting the same key at once are taken one after the other and the last slot goes once.
Keys are stored as keyed hashes (the blind-index key), never a username or an address.

``SlidingWindowLimiter`` keeps its counters in the process, each worker its own: kept for
the public comments on red-list candidates, a flood guard on a write the recognising agency
reads and decides, not a guess at a secret (same addendum).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import Boolean, Engine, Index, String, delete, event, func, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.clock import Clock
from xinyong.db.base import Base, IdMixin, UTCDateTime
from xinyong.db.engine import contended, make_engine
from xinyong.db.locks import lock_names
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import RateLimited

log = logging.getLogger(__name__)


class LimitedAttempt(IdMixin, Base):
    """One attempt counted against a key within its window, or (``reported``) the refusal of
    a key that was audited, which counts as no attempt: one audited refusal a key and
    window, whichever process refused it. Rows older than the window are swept."""

    __tablename__ = "limited_attempt"
    __table_args__ = (Index("ix_limited_attempt_key_hash_at", "key_hash", "at"),)

    # HMAC-SHA256 of the key ("ip:<address>", "user:<username>", …), hex.
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)


_COMMIT_UNSYNCED = text("SET LOCAL synchronous_commit = off")
_UNSYNCED_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _unsynced(engine: Engine) -> Engine:
    """``engine``, or for a SQLite file an engine of its own on the same file whose commits
    do not wait for the disk (``synchronous=NORMAL``, which in WAL mode keeps the database
    consistent and loses at most the last commits in a power cut); one per engine."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return engine
    if database.startswith("file:"):
        return engine
    unsynced = _UNSYNCED_ENGINES.get(engine)
    if unsynced is None:
        unsynced = make_engine(engine.url.render_as_string(hide_password=False))

        @event.listens_for(unsynced, "connect")
        def _normal(dbapi_connection: Any, _record: Any) -> None:
            # After ``make_engine``'s own, which set FULL.
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        _UNSYNCED_ENGINES[engine] = unsynced
    return unsynced


class SharedAttemptLimiter:
    """A sliding window of attempts per key, counted in the database (module docstring)."""

    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        limit: int,
        window_seconds: int,
        what: str,
        hash_key: Callable[[str], str],
    ) -> None:
        # Its short transactions count attempts only: a process whose keys predate a rotation
        # counts under keys whose rows the rotation deleted, and the request's own transaction
        # then finds the keys changed. In the tests its engine is a database of its own,
        # without the audit chain the comparison reads.
        self._sessions = make_session_factory(_unsynced(engine), keys_compared=False)
        self._postgresql = engine.dialect.name == "postgresql"
        self._clock = clock
        self._limit = limit
        self._window = dt.timedelta(seconds=window_seconds)
        self._what = what
        self._hash = hash_key
        # When this process last swept the table; every process sweeps once a window.
        self._swept: dt.datetime | None = None

    def hit(self, *keys: str) -> tuple[int, ...]:
        """Count one attempt against each key — or refuse it (``RateLimited``), counting it
        against none, when any key's window is full, checked in the order given. Put the
        client's address first: a client refused by its address then uses up no one else's
        allowance (a username's, which would lock its owner out from everywhere). Returns
        what ``release`` takes back. Committed before it returns or raises; a database too
        busy to count raises its ``OperationalError`` (503 ``database_busy``): an attempt
        that could not be counted is not let through."""
        now = self._clock.now()
        horizon = now - self._window
        hashes = [self._hash(key) for key in keys]
        refusal: RateLimited | None = None
        counted: tuple[int, ...] = ()
        with self._transaction() as session:
            lock_names(session, (f"limited_attempt/{digest}" for digest in hashes))
            for digest in hashes:
                # At most the limit's rows read, by the index on (key_hash, at).
                held = session.scalars(
                    select(LimitedAttempt.at)
                    .where(
                        LimitedAttempt.key_hash == digest,
                        LimitedAttempt.at > horizon,
                        LimitedAttempt.reported.is_(False),
                    )
                    .order_by(LimitedAttempt.at)
                    .limit(self._limit)
                ).all()
                if len(held) >= self._limit:
                    refusal = self._refusal(session, digest, held[0], now)
                    break
            else:
                counted = tuple(
                    session.scalars(
                        insert(LimitedAttempt).returning(LimitedAttempt.id),
                        [{"key_hash": digest, "at": now, "reported": False} for digest in hashes],
                    )
                )
        self._sweep(now)
        if refusal is not None:
            raise refusal
        return counted

    def release(self, counted: Sequence[int]) -> None:
        """Take back the attempt ``hit`` counted: one that turned out not to count (a
        successful login), so an office behind one address is not locked out by its own
        staff logging in. Called after the request committed; a database too busy for it
        leaves the attempt counted (logged), which errs on the side of the limit."""
        if not counted:
            return
        try:
            with self._transaction() as session:
                session.execute(delete(LimitedAttempt).where(LimitedAttempt.id.in_(counted)))
        except OperationalError as busy:
            if not contended(busy):
                raise
            log.warning("a successful attempt stays counted: the database was busy")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A unit of work of the limiter's own, committed without waiting for the disk: a
        count lost in a crash of the database server (the last fraction of a second's) gives
        a guesser a few more tries, while a durable commit was most of a login's time (on
        PostgreSQL ``synchronous_commit`` off for it; on SQLite ``_unsynced``)."""
        with unit_of_work(self._sessions) as session:
            if self._postgresql:
                session.execute(_COMMIT_UNSYNCED)
            yield session

    def keys_held(self) -> int:
        """How many keys the table holds rows for (bounded: ``_sweep``)."""
        with unit_of_work(self._sessions) as session:
            return int(
                session.scalar(select(func.count(func.distinct(LimitedAttempt.key_hash)))) or 0
            )

    def _refusal(
        self, session: Session, digest: str, oldest: dt.datetime, now: dt.datetime
    ) -> RateLimited:
        retry_after = int((oldest + self._window - now).total_seconds()) + 1
        # One refusal of a key a window is reported (audited) as such; the others of the
        # same window are the same client knocking again, and writing each to the audit
        # chain let one anonymous client fill it (and, on PostgreSQL, queue every request
        # that audits behind the chain's head). Recorded here, so a refusal by another
        # process counts as reported too; the key's lock makes it one.
        reported_before = (
            session.scalar(
                select(LimitedAttempt.id)
                .where(
                    LimitedAttempt.key_hash == digest,
                    LimitedAttempt.at > now - self._window,
                    LimitedAttempt.reported.is_(True),
                )
                .limit(1)
            )
            is not None
        )
        if not reported_before:
            session.add(LimitedAttempt(key_hash=digest, at=now, reported=True))
        return RateLimited(
            f"too many {self._what}: at most {self._limit} in "
            f"{int(self._window.total_seconds())} seconds; try again in {retry_after} seconds",
            retry_after=retry_after,
            code="rate_limited",
            reported_before=reported_before,
        )

    def _sweep(self, now: dt.datetime) -> None:
        """Delete, once a window in each process, the rows older than the window: the table
        holds about one window's attempts, however many keys were ever tried. Done here, by
        the counting path, rather than by the daily job: the window is minutes, and a
        platform whose jobs do not run must not grow the table. Its own transaction after
        the count's, so the count holds no lock while it runs; a busy database skips it
        until the next window (logged)."""
        if self._swept is not None and now - self._swept < self._window:
            return
        self._swept = now
        try:
            with self._transaction() as session:
                session.execute(
                    delete(LimitedAttempt).where(LimitedAttempt.at <= now - self._window)
                )
        except OperationalError as busy:
            if not contended(busy):
                raise
            log.warning("attempts older than the window not swept: the database was busy")


class SlidingWindowLimiter:
    def __init__(self, clock: Clock, *, limit: int, window_seconds: int, what: str) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window_seconds
        self._what = what
        self._hits: dict[str, deque[float]] = {}
        # When a refusal of each key was last reported (``RateLimited.reported_before``).
        self._reported: dict[str, float] = {}
        self._swept = 0.0
        self._lock = threading.Lock()

    def hit(self, *keys: str) -> None:
        """Count one attempt against each key, in the order given — or refuse it, counting
        it against none, when any key's window is full. Put the client's address first: a
        client refused by its address then uses up no one else's allowance (a username's,
        which would lock its owner out from everywhere), and holds no new key in memory."""
        now = self._clock.now().timestamp()
        with self._lock:
            self._sweep(now)
            for key in keys:
                hits = self._current(key, now)
                if hits is not None and len(hits) >= self._limit:
                    raise self._refusal(key, hits, now)
            for key in keys:
                self._hits.setdefault(key, deque()).append(now)

    def release(self, key: str) -> None:
        """Take back the latest attempt counted for key: one that turned out not to count
        (a successful login), so an office behind one address is not locked out by its
        own staff logging in."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()
            if not hits:
                self._hits.pop(key, None)

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
            self._reported.pop(key, None)

    def keys_held(self) -> int:
        """How many keys the limiter keeps counts for (bounded: ``_sweep``)."""
        with self._lock:
            return len(self._hits)

    def _current(self, key: str, now: float) -> deque[float] | None:
        """The key's hits within the window, its older ones dropped (and the key with them
        when none is left: None)."""
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self._window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def _refusal(self, key: str, hits: deque[float], now: float) -> RateLimited:
        retry_after = int(hits[0] + self._window - now) + 1
        # One refusal of a key a window is reported (audited) as such; the others of the
        # same window are the same client knocking again, and writing each to the audit
        # chain let one anonymous client fill it (and, on PostgreSQL, queue every request
        # that audits behind the chain's head).
        reported = self._reported.get(key)
        reported_before = reported is not None and reported > now - self._window
        if not reported_before:
            self._reported[key] = now
        return RateLimited(
            f"too many {self._what}: at most {self._limit} in {self._window} seconds; "
            f"try again in {retry_after} seconds",
            retry_after=retry_after,
            code="rate_limited",
            reported_before=reported_before,
        )

    def _sweep(self, now: float) -> None:
        """Forget, once a window, the keys with no hit left within it and the refusals
        reported before it: memory is bounded by the attempts counted in a window (a key is
        added only for an attempt counted), not by every key ever tried."""
        if now - self._swept < self._window:
            return
        self._swept = now
        horizon = now - self._window
        for key in [key for key, hits in self._hits.items() if not hits or hits[-1] <= horizon]:
            del self._hits[key]
        for key in [key for key, at in self._reported.items() if at <= horizon]:
            del self._reported[key]
