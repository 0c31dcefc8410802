"""A sliding-window rate limiter, keyed by account, organisation or client address.

Counters live in the process (one worker): several workers each count their own.
"""

from __future__ import annotations

import threading
from collections import deque

from xinyong.clock import Clock
from xinyong.errors import RateLimited


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
