"""A sliding-window rate limiter, keyed by account, organisation or client address."""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from xinyong.clock import Clock
from xinyong.errors import RateLimited


class SlidingWindowLimiter:
    def __init__(self, clock: Clock, *, limit: int, window_seconds: int, what: str) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window_seconds
        self._what = what
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one attempt, refusing it when the window is full."""
        now = self._clock.now().timestamp()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self._window:
                hits.popleft()
            if len(hits) >= self._limit:
                retry_after = int(hits[0] + self._window - now) + 1
                raise RateLimited(
                    f"too many {self._what}: at most {self._limit} in {self._window} seconds; "
                    f"try again in {retry_after} seconds",
                    retry_after=retry_after,
                    code="rate_limited",
                )
            hits.append(now)

    def release(self, key: str) -> None:
        """Take back the latest attempt counted for key: one that turned out not to count
        (a successful login), so an office behind one address is not locked out by its
        own staff logging in."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
