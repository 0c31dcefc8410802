"""The name search's index of organisation names by character pair (``SubjectNamePair``;
decision 0012, session 20 addendum): writing it with the names, and reading from it the
organisations a query's names are weighed for.

The search orders organisations by a weight that only ``subject_name`` gives exactly (the
query's name, its core, containing it, the pairs shared, closeness of length: see
``subjects.service``). The index gives every organisation that can have a weight at all —
those under one of the query's keys (``pairs.probes``) — and a bound on the weight of
those not read yet, so the search reads and weighs the fewest it can:

- a key with few rows (``SHORT``) is read whole;
- a key with many (食品, 科技) is read in the order of the weight it could give: by the
  closeness of the name's core length to the query's, then by organisation, a page at a
  time, until enough organisations weigh more than any unread one could;
- when two such keys are left and the organisations holding both are the ones still
  missing, those are found from the index alone (``_in_two_or_more``).

The result is the same as weighing every name (tests/test_name_index.py holds the two
equal); only the amount read differs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from xinyong.db.bulk import BulkWriter
from xinyong.subjects import pairs
from xinyong.subjects.models import SubjectNamePair

# The exact weights of the organisations asked about that match the query at all.
Weigh = Callable[[Sequence[int]], dict[int, int]]

SHORT = 1000  # a key with at most this many rows is read whole
PAGE = 500  # rows of a long key read at a time
PAGED_ROUNDS = 2  # pages read before the organisations under two long keys are looked for
# The weight's scale (``subjects.service._candidate_ids``): standing × 100 + pairs shared,
# times 1000, less the difference in core length.
_STANDING, _SHARED = 100, 1000
_SAME_NAME, _CONTAINS = 3, 1

_P = SubjectNamePair


def write(session: Session, named: Iterable[tuple[int, str, str]]) -> None:
    """Index new organisations' names, ``(subject_id, normalised, core)`` each, their rows
    not in the index yet (a new organisation, or a name no earlier one of it shares)."""
    found = pairs.rows_of_names(named)
    if found:
        session.execute(
            insert(cast(Table, _P.__table__)),
            [{"pair": p, "core_length": n, "subject_id": sid} for p, n, sid in found],
        )


class BulkIndex:
    """``write`` for many new organisations at a time, in a batch's bulk inserts (COPY on
    PostgreSQL): one per batch, as the names it indexes are written."""

    def __init__(self, session: Session) -> None:
        self._writer = BulkWriter(session, _P.__table__, ("pair", "core_length", "subject_id"))

    def write(self, named: Iterable[tuple[int, str, str]]) -> None:
        self._writer.insert(pairs.rows_of_names(named))


def add_name(
    session: Session, subject_id: int, earlier: Iterable[tuple[str, str]], new: tuple[str, str]
) -> None:
    """Index an organisation's new name (``(normalised, core)``), besides its earlier ones."""
    known = set(pairs.rows_of_names((subject_id, norm, core) for norm, core in earlier))
    added = [row for row in pairs.rows(subject_id, *new) if row not in known]
    if added:
        session.execute(
            insert(cast(Table, _P.__table__)),
            [{"pair": p, "core_length": n, "subject_id": sid} for p, n, sid in added],
        )


@dataclass
class _Key:
    """One list of rows the query reads (``pairs.Probe``); a long one in order of
    closeness of core length (``gap``), then of organisation."""

    probe: pairs.Probe
    done: bool = False
    gap: int = 0
    # Core length → the first organisation not read yet, for the lengths ``gap`` away
    # from the query's that are not read to their end yet.
    levels: dict[int, int] = field(default_factory=dict)

    def frontier(self) -> tuple[int, int]:
        """Every row before this (gap, organisation) is read."""
        return self.gap, min(self.levels.values())


class _Search:
    def __init__(
        self, session: Session, probes: list[pairs.Probe], length: int, weigh: Weigh
    ) -> None:
        self.session = session
        self.keys = [_Key(probe) for probe in probes]
        self.length = length
        self.weigh = weigh
        self.weights: dict[int, int | None] = {}
        self.in_two_or_more = False

    def _take(self, ids: Iterable[int]) -> None:
        new = sorted(set(ids).difference(self.weights))
        if not new:
            return
        weighed = self.weigh(new)
        for sid in new:
            self.weights[sid] = weighed.get(sid)

    def _rows(self, key: _Key, *where: Any, limit: int | None = None) -> list[int]:
        low, high = key.probe.low, key.probe.high
        keyed = _P.pair == low if key.probe.one_key else _P.pair.between(low, high - 1)
        statement = select(_P.subject_id).where(keyed, *where)
        if limit is not None:
            statement = statement.order_by(_P.subject_id).limit(limit)
        return list(self.session.scalars(statement))

    def start(self) -> None:
        """Short keys and first characters read whole; the long keys' reading begun."""
        found: list[int] = []
        for key in self.keys:
            if not key.probe.one_key:
                found.extend(self._rows(key))
                key.done = True
                continue
            first = list(
                self.session.scalars(
                    select(_P.subject_id).where(_P.pair == key.probe.low).limit(SHORT + 1)
                )
            )
            if len(first) <= SHORT:
                found.extend(first)
                key.done = True
            else:
                key.levels = {self.length: 0}
        self._take(found)

    def _advance(self, key: _Key) -> None:
        """On to the nearest core lengths not read yet, or the key is read."""
        near, far = self.length - key.gap, self.length + key.gap
        pair = _P.pair == key.probe.low
        above = self.session.scalar(
            select(func.min(_P.core_length)).where(pair, _P.core_length > far)
        )
        below = (
            self.session.scalar(select(func.max(_P.core_length)).where(pair, _P.core_length < near))
            if near > 0
            else None
        )
        gaps = [
            g
            for g in (
                None if above is None else above - self.length,
                None if below is None else self.length - below,
            )
            if g is not None
        ]
        if not gaps:
            key.done = True
            key.levels = {}
            return
        key.gap = min(gaps)
        key.levels = {
            n: 0 for n in {self.length - key.gap, self.length + key.gap} if n in (above, below)
        }

    def page(self, key: _Key) -> None:
        read: list[int] = []
        while not key.done and len(read) < PAGE:
            for length, after in list(key.levels.items()):
                rows = self._rows(key, _P.core_length == length, _P.subject_id >= after, limit=PAGE)
                read.extend(rows)
                if len(rows) < PAGE:
                    del key.levels[length]
                else:
                    key.levels[length] = rows[-1] + 1
            if not key.levels:
                self._advance(key)
        self._take(read)

    def two_or_more(self) -> None:
        """Every organisation under two or more of the keys left, from the index alone:
        after them, one not read holds at most one of the keys."""
        live = [key.probe.low for key in self.keys if not key.done]
        found = self.session.scalars(
            select(_P.subject_id)
            .where(_P.pair.in_(live))
            .group_by(_P.subject_id, _P.core_length)
            .having(func.count() >= 2)
        )
        self._take(found)
        self.in_two_or_more = True

    def bound(self) -> tuple[int, int, int] | None:
        """The most an organisation not read yet can weigh, and the (gap, organisation)
        from which they lie; None when every key is read."""
        live = [key for key in self.keys if not key.done]
        if not live:
            return None
        gap, after = min(key.frontier() for key in live)
        core_keys = [key for key in self.keys if key.probe.core]
        # The query's core or name held whole: under every core key, or under the key of
        # the whole name; none of those read to the end (their organisations are weighed).
        whole_name = any(key.probe.whole and not key.done for key in self.keys)
        whole_core = all(not key.done for key in core_keys)
        live_core = sum(1 for key in live if key.probe.core)
        if self.in_two_or_more:
            # Under one live key at most: its pair, or the whole name.
            whole_core = whole_core and len(core_keys) == 1
            live_core = min(live_core, 1)
        standing = 0
        if whole_name or whole_core:
            # The same name or core has the query's core length.
            standing = _SAME_NAME if gap == 0 else _CONTAINS
        return (standing * _STANDING + live_core) * _SHARED - gap, gap, after

    def settled(self, limit: int) -> bool:
        """At least ``limit`` organisations weigh more than any not read yet can (or as
        much, and come before it by id)."""
        bound = self.bound()
        if bound is None:
            return True
        most, _gap, after = bound
        settled = sum(
            1
            for sid, weight in self.weights.items()
            if weight is not None and (weight > most or (weight == most and sid < after))
        )
        return settled >= limit

    def best(self, limit: int) -> list[int]:
        weighed = [(-w, sid) for sid, w in self.weights.items() if w is not None]
        return [sid for _w, sid in sorted(weighed)[:limit]]


def candidates(
    session: Session, probes: list[pairs.Probe], length: int, weigh: Weigh, limit: int
) -> list[int]:
    """The ``limit`` organisations weighing most (ties: lower id first), of those under the
    ``probes``' keys, for a query whose core is ``length`` characters long."""
    search = _Search(session, probes, length, weigh)
    search.start()
    rounds = 0
    while not search.settled(limit):
        live = [key for key in search.keys if not key.done]
        if (
            not search.in_two_or_more
            and rounds >= PAGED_ROUNDS
            and sum(1 for key in live if key.probe.core) >= 2
        ):
            search.two_or_more()
            continue
        for key in live:
            search.page(key)
        rounds += 1
    return search.best(limit)
