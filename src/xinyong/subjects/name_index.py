"""The name search's index of organisation names by character pair (``SubjectNamePair``;
decision 0012, session 20 addendum): writing it with the names, and reading from it the
organisations the search weighs.

The search orders organisations by a weight that only ``subject_name`` gives exactly (the
query's name, its core, containing it, the pairs shared, closeness of length: see
``subjects.service._weighing``). Every name with a weight at all is under one of the
query's keys (``pairs.probes``); from the keys a name is under, and its core length, the
index alone tells the most it can weigh. So the search weighs names in the order of that
bound and stops when ``limit`` organisations weigh more than any name not weighed could:

- a key with few rows (``SHORT``) is read whole, and the keys of its names looked up in the
  others: each of them is held with the most it can weigh;
- a key with many (食品, 科技 on a tenth of a city's names) is read a page at a time in the
  order of the weight it could give — closeness of core length to the query's, then
  organisation — its names weighed as read: when a name not read yet could still hold the
  whole query, the best names are the nearest in length;
- when none could and two such keys are left, the names under them are those sharing
  several of the query's pairs, found by reading the keys whole from the index (no name
  row read) and held as above.

The result is the same as weighing every name (tests/test_name_index.py holds the two
equal); only the amount read differs.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong.db.bulk import BulkWriter
from xinyong.subjects import pairs
from xinyong.subjects.models import SubjectNamePair

# The exact weights of the organisations asked about that match the query at all.
Weigh = Callable[[Sequence[int]], dict[int, int]]

SHORT = 1000  # a key with at most this many rows is read whole
PAGE = 500  # rows of a long key read at a time
PAGED_ROUNDS = 2  # pages of long keys read before they are read whole (``gather``)
# The weight of a name (``subjects.service._weighing``): its standing (below) times
# ``STANDING``, plus the query's pairs its core shares (at most 12), times ``SHARED``,
# less the difference of its core's length from the query's (at most 200).
STANDING, SHARED = 100, 1000
# Standing: the query's normalised name, its core (area and legal form aside), or the
# name containing the query's core or normalised name.
SAME_NAME, SAME_CORE, CONTAINS = 3, 2, 1

_P = cast(Table, SubjectNamePair.__table__).c  # read through Core: no ORM rows
_TABLE = cast(Table, SubjectNamePair.__table__)


def among(dialect: str, column: Any) -> Any:
    """``column`` among the ids given as the one parameter ``ids`` (``ids``): on PostgreSQL
    an array, on SQLite a JSON array (``json_each``). Thousands of ids as as many
    parameters would cost more to send and compile than the statement takes to run."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", type_=ARRAY(BigInteger())))
    return column.in_(
        select(literal_column("value")).select_from(
            func.json_each(bindparam("ids", type_=String()))
        )
    )


def ids(dialect: str, subject_ids: Iterable[int]) -> Any:
    """The value of ``among``'s parameter."""
    listed = list(subject_ids)
    return listed if dialect == "postgresql" else json.dumps(listed)


def write(session: Session, named: Iterable[tuple[int, str, str]]) -> None:
    """Index new organisations' names, ``(subject_id, normalised, core)`` each, their rows
    not in the index yet (a new organisation, or a name no earlier one of it shares)."""
    found = pairs.rows_of_names(named)
    if found:
        session.execute(
            insert(_TABLE),
            [{"pair": p, "core_length": n, "subject_id": sid} for p, n, sid in found],
        )


class BulkIndex:
    """``write`` for many new organisations at a time, in a batch's bulk inserts (COPY on
    PostgreSQL): one per batch, as the names it indexes are written."""

    def __init__(self, session: Session) -> None:
        self._writer = BulkWriter(session, _TABLE, ("pair", "core_length", "subject_id"))

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
            insert(_TABLE),
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


# The statements a search runs many times, built once.
_COUNT = select(func.count()).select_from(
    select(_P.subject_id).where(_P.pair == bindparam("pair")).limit(bindparam("cap")).subquery()
)
# A key's rows of one core length, by organisation from ``after``.
_LEVEL = (
    select(_P.subject_id)
    .where(
        _P.pair == bindparam("pair"),
        _P.core_length == bindparam("length"),
        _P.subject_id >= bindparam("after"),
    )
    .order_by(_P.subject_id)
    .limit(bindparam("page"))
)
# The core lengths of a key's rows nearest outside (near, far).
_NEAREST = select(
    select(func.min(_P.core_length))
    .where(_P.pair == bindparam("pair"), _P.core_length > bindparam("far"))
    .scalar_subquery(),
    select(func.max(_P.core_length))
    .where(_P.pair == bindparam("pair"), _P.core_length < bindparam("near"))
    .scalar_subquery(),
)
# The rows of organisations of one core length under some keys: SQLite, PostgreSQL.
_LOOKUP = {
    postgres: select(_P.pair, _P.core_length, _P.subject_id).where(
        _P.pair.in_(bindparam("pairs", expanding=True)),
        _P.core_length == bindparam("length"),
        among("postgresql" if postgres else "sqlite", _P.subject_id),
    )
    for postgres in (False, True)
}


# An organisation's place in the search's order: weight (negated), then id.
_Place = tuple[int, int]
_LAST: _Place = (1 << 62, 1 << 62)


class _Search:
    def __init__(
        self, session: Session, probes: list[pairs.Probe], length: int, weigh: Weigh
    ) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect.name
        self.keys = [_Key(probe) for probe in probes]
        self.length = length
        self.weigh = weigh
        self.weights: dict[int, int | None] = {}
        # Names whose keys are all known, by the most they can weigh (``_hold``).
        self.held: list[_Place] = []
        self.held_names: set[tuple[int, int]] = set()  # (organisation, core length)
        self._single = {key.probe.low: i for i, key in enumerate(self.keys) if key.probe.one_key}
        self._ranges = [(i, key.probe) for i, key in enumerate(self.keys) if not key.probe.one_key]
        self._core = sum(1 << i for i, key in enumerate(self.keys) if key.probe.core)
        self._whole = sum(1 << i for i, key in enumerate(self.keys) if key.probe.whole)

    def _take(self, ids: Iterable[int]) -> None:
        new = sorted(set(ids).difference(self.weights))
        if not new:
            return
        weighed = self.weigh(new)
        for sid in new:
            self.weights[sid] = weighed.get(sid)

    def _keyed(self, keys: list[_Key]) -> Any:
        singles = [key.probe.low for key in keys if key.probe.one_key]
        ranges = [
            _P.pair.between(key.probe.low, key.probe.high - 1)
            for key in keys
            if not key.probe.one_key
        ]
        return or_(_P.pair.in_(singles), *ranges) if ranges else _P.pair.in_(singles)

    def _hold(self, rows: Iterable[Any]) -> None:
        """Hold the names of these rows (pair, core length, organisation) — every key of
        theirs among them — at the most each can weigh; not those held already."""
        masks: dict[tuple[int, int], int] = {}
        single, ranges = self._single, self._ranges
        for pair, length, sid in rows:
            mask = 1 << single[pair] if pair in single else 0
            for i, probe in ranges:
                if probe.low <= pair < probe.high:
                    mask |= 1 << i
            slot = (sid, length)
            masks[slot] = masks.get(slot, 0) | mask
        core, whole = self._core, self._whole
        for slot, mask in masks.items():
            sid, length = slot
            if slot in self.held_names or sid in self.weights:
                continue
            self.held_names.add(slot)
            gap = abs(length - self.length)
            standing = 0
            if mask & core == core or mask & whole == whole:
                standing = SAME_NAME if gap == 0 else CONTAINS
            shared = (mask & core).bit_count()
            heapq.heappush(self.held, (-((standing * STANDING + shared) * SHARED - gap), sid))

    def _capped_count(self, key: _Key) -> int:
        return int(self.connection.scalar(_COUNT, {"pair": key.probe.low, "cap": SHORT + 1}) or 0)

    def _live(self) -> list[_Key]:
        return [key for key in self.keys if not key.done]

    def _keys_of(self, slots: Iterable[tuple[int, int]], keys: list[_Key]) -> list[Any]:
        """The rows of these names (core length, organisation) under ``keys``, the keys not
        read whole: under the others, a name not held is not."""
        live = [key.probe.low for key in keys]
        by_length: dict[int, list[int]] = {}
        for length, sid in slots:
            by_length.setdefault(length, []).append(sid)
        lookup = _LOOKUP[self.dialect == "postgresql"]
        found: list[Any] = []
        for length, sids in by_length.items():
            found.extend(
                self.connection.execute(
                    lookup, {"pairs": live, "length": length, "ids": ids(self.dialect, sids)}
                )
            )
        return found

    def start(self) -> None:
        """Short keys and first characters read whole, each of their names held with all its
        keys (those of the long keys looked up); the long keys' reading begun."""
        short = [
            key for key in self.keys if not key.probe.one_key or self._capped_count(key) <= SHORT
        ]
        for key in self.keys:
            if key in short:
                key.done = True
            else:
                key.levels = {self.length: 0}
        if not short:
            return
        rows = list(
            self.connection.execute(
                select(_P.pair, _P.core_length, _P.subject_id).where(self._keyed(short))
            )
        )
        if len(short) < len(self.keys):
            slots = {(length, sid) for _pair, length, sid in rows}
            rows.extend(self._keys_of(slots, self._live()))
        self._hold(rows)

    def _advance(self, key: _Key) -> None:
        """On to the nearest core lengths not read yet, or the key is read."""
        near, far = self.length - key.gap, self.length + key.gap
        above, below = self.connection.execute(
            _NEAREST, {"pair": key.probe.low, "far": far, "near": near}
        ).one()
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

    def page(self) -> None:
        """A page more of every long key, in its order: the names read held with all their
        keys (looked up in the other long keys)."""
        read: set[tuple[int, int]] = set()
        live = self._live()
        for key in live:
            got = 0
            while not key.done and got < PAGE:
                for length, after in list(key.levels.items()):
                    sids = list(
                        self.connection.scalars(
                            _LEVEL,
                            {"pair": key.probe.low, "length": length, "after": after, "page": PAGE},
                        )
                    )
                    read.update((length, sid) for sid in sids)
                    got += len(sids)
                    if len(sids) < PAGE:
                        del key.levels[length]
                    else:
                        key.levels[length] = sids[-1] + 1
                if not key.levels:
                    self._advance(key)
        new = [(n, sid) for n, sid in read if (sid, n) not in self.held_names]
        # Looked up in the keys live when read (a key read to its end meanwhile included).
        rows = self._keys_of(new, live) if new else []
        self._hold(rows)

    def gather(self) -> None:
        """The long keys read whole, from the index alone: every name under them held with
        all its keys (a name under a short key too is held already)."""
        live = self._live()
        self._hold(
            self.connection.execute(
                select(_P.pair, _P.core_length, _P.subject_id).where(self._keyed(live))
            )
        )
        for key in live:
            key.done = True
            key.levels = {}

    def standing_unread(self) -> bool:
        """Whether a name not read yet can hold the query's core (it is under every core
        key) or its whole name (under every key of the whole name): none of them read
        whole, whose names are held or weighed."""
        return all(not key.done for key in self.keys if key.probe.core) or all(
            not key.done for key in self.keys if key.probe.whole
        )

    def unread(self) -> _Place:
        """The place before which no name not read yet can come."""
        live = self._live()
        if not live:
            return _LAST
        gap, after = min(key.frontier() for key in live)
        standing = 0
        if self.standing_unread():
            # The same name or core has the query's core length.
            standing = SAME_NAME if gap == 0 else CONTAINS
        shared = sum(1 for key in live if key.probe.core)
        return -((standing * STANDING + shared) * SHARED - gap), after

    def held_next(self) -> _Place:
        """The place of the most promising held organisation not weighed yet."""
        held = self.held
        while held and held[0][1] in self.weights:
            heapq.heappop(held)
        return held[0] if held else _LAST

    def weigh_held(self) -> None:
        taken: list[int] = []
        while self.held and len(taken) < PAGE:
            _place, sid = heapq.heappop(self.held)
            if sid not in self.weights:
                taken.append(sid)
        self._take(taken)

    def settled(self, limit: int, before: _Place) -> bool:
        """At least ``limit`` organisations weighed come before ``before``."""
        return (
            sum(
                1
                for sid, weight in self.weights.items()
                if weight is not None and (-weight, sid) < before
            )
            >= limit
        )

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
    while True:
        unread, held = search.unread(), search.held_next()
        if (unread, held) == (_LAST, _LAST) or search.settled(limit, min(unread, held)):
            return search.best(limit)
        if held < unread:
            search.weigh_held()
        elif len(search._live()) >= 2 and (not search.standing_unread() or rounds >= PAGED_ROUNDS):
            search.gather()
        else:
            search.page()
            rounds += 1
