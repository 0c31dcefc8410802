"""Small-cell suppression of a published cross-tabulation (Art. 28 statistics).

A table is published with its row totals, column totals and grand total. A cell counting
fewer than ``k`` (but not none) is withheld; totals are cells too. Publishing totals lets a
reader work a withheld cell out (total minus the shown cells), so more cells are withheld
until none can. Every withheld cell is shown with the same marker: a reader who could tell
a small cell from a complementary one would know the small one lies in 1..k−1 and the other
is 0 or at least k, and those bounds alone pin cells down (decision 0024).

What a reader knows. A zero is never withheld (it points at no one, and withholding it
would only tell the reader that withheld cells may be 0), so a withheld cell is known to be
at least 1 — and nothing more: not whether it is small. The extended table is a
circulation: source → row i (row total), row i → column j (cell), column j → sink (column
total), sink → source (grand total), every vertex balanced. Shown cells are fixed flows,
withheld cells flows of at least 1 with no upper bound. A withheld cell has a single
possible value exactly when the flow can neither grow nor shrink along it: it grows iff its
head reaches its tail in the residual graph without it (withheld cells forwards; backwards
those above 1), and shrinks iff it is above 1 and its tail reaches its head. (Changing a
flow by one unit along a residual cycle is the only way; the flow polytope is integral, so
one step either way is the whole question.)

Two tables that count the same population by the same columns (by district and by kind
of organisation) share their column totals and grand total, so a reader reads them
together: a total withheld in one and shown in the other is no secret, and the shown
values of one close the lines of the other. They are suppressed as one circulation
(``_network``): the first table's flow goes through each column total and comes back
through the second table, each shared total is one arc — withheld in both tables or in
neither — and the same test applies to everything shown in both.

The loop withholds one more non-zero value next to a determined one (on a line through it:
an arc at one of its ends) until none is left. It ends: the values form a circulation, so
each non-zero one lies on a directed cycle of non-zero ones, and with all of them withheld
each can grow.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Suppression(enum.StrEnum):
    SHOWN = "shown"
    # Small, or withheld so that a small one cannot be worked out: deliberately one mark.
    WITHHELD = "withheld"


# A withheld cell is known to be at least this (zeros are never withheld).
READER_LOWER_BOUND = 1


@dataclass(frozen=True)
class SuppressedTable:
    """The extended table: ``values[i][j]`` for i < R, j < C are the cells, index R the
    column totals' row and index C the row totals' column; ``marks`` says which are shown."""

    values: tuple[tuple[int, ...], ...]
    marks: tuple[tuple[Suppression, ...], ...]

    def shown(self, i: int, j: int) -> int | None:
        return self.values[i][j] if self.marks[i][j] is Suppression.SHOWN else None


def extend(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table with its row totals as last column and column totals as last row."""
    rows = [[*row, sum(row)] for row in cells]
    width = len(rows[0]) if rows else 1
    totals = [sum(row[j] for row in rows) for j in range(width)]
    return [*rows, totals]


# A value of one of the tables: (table, row, column) of its extended table. A total that two
# tables share is one value, named after the first table.
Key = tuple[int, int, int]


def _network(shapes: Sequence[tuple[int, int]]) -> dict[Key, tuple[str, str]]:
    """Every value of one table, or of two tables sharing their column totals, as an arc
    (tail, head) of a circulation; ``shapes`` are the extended tables' (height, width).

    One table: source "s" → row "a<i>" (row total) → column "in<j>" (cell) → sink "t"
    (column total) → "s" (grand total). Two tables over the same population, with the
    same columns: the first table's column total j runs "in<j>" → "out<j>" instead, and the
    second table's flow comes back from there: "out<j>" → its row "b<i>" (cell) → "t" (row
    total). Every line of either table is a vertex's balance (a column's too: in it flow
    the first table's cells, out of it the second's), so the values a reader thinks
    possible are exactly the circulations that agree with what is shown."""
    if not 1 <= len(shapes) <= 2 or len({width for _h, width in shapes}) != 1:
        raise ValueError("one table, or two with the same columns")
    two = len(shapes) == 2
    arcs: dict[Key, tuple[str, str]] = {}
    height, width = shapes[0]
    for i in range(height):
        for j in range(width):
            inner_row, inner_column = i < height - 1, j < width - 1
            if inner_row and inner_column:
                arcs[(0, i, j)] = (f"a{i}", f"in{j}")
            elif inner_row:
                arcs[(0, i, j)] = ("s", f"a{i}")
            elif inner_column:
                arcs[(0, i, j)] = (f"in{j}", f"out{j}" if two else "t")
            else:
                arcs[(0, i, j)] = ("t", "s")
    if two:
        height, width = shapes[1]
        for i in range(height - 1):  # its totals row is the first table's
            for j in range(width):
                arcs[(1, i, j)] = (f"out{j}", f"b{i}") if j < width - 1 else (f"b{i}", "t")
    return arcs


def _reaches(start: str, goal: str, arcs: dict[str, list[str]]) -> bool:
    seen, frontier = {start}, [start]
    while frontier:
        vertex = frontier.pop()
        if vertex == goal:
            return True
        for head in arcs.get(vertex, ()):
            if head not in seen:
                seen.add(head)
                frontier.append(head)
    return False


def _single(
    arcs: dict[Key, tuple[str, str]], values: dict[Key, int], withheld: set[Key], key: Key
) -> bool:
    """Whether the withheld value ``key`` has one possible value: no residual cycle through it."""
    residual: dict[str, list[str]] = {}
    for other in withheld - {key}:
        t, h = arcs[other]
        residual.setdefault(t, []).append(h)
        if values[other] > READER_LOWER_BOUND:
            residual.setdefault(h, []).append(t)
    tail, head = arcs[key]
    grows = _reaches(head, tail, residual)
    shrinks = values[key] > READER_LOWER_BOUND and _reaches(tail, head, residual)
    return not grows and not shrinks


def _values(extended: Sequence[Sequence[Sequence[int]]]) -> dict[Key, int]:
    found: dict[Key, int] = {}
    for t, table in enumerate(extended):
        last = len(table) - 1
        for i, row in enumerate(table):
            for j, value in enumerate(row):
                if t and i == last:
                    if value != extended[0][-1][j]:
                        raise ValueError("the tables do not count the same population")
                    continue
                found[(t, i, j)] = value
    return found


def _shapes(extended: Sequence[Sequence[Sequence[int]]]) -> list[tuple[int, int]]:
    return [(len(table), len(table[0])) for table in extended]


def _canonical(key: Key, shapes: Sequence[tuple[int, int]]) -> Key:
    """A shared total (the second table's totals row) by its name in the first table."""
    t, i, j = key
    return (0, shapes[0][0] - 1, j) if t and i == shapes[t][0] - 1 else key


def determined_together(
    extended: Sequence[Sequence[Sequence[int]]], withheld: set[Key]
) -> list[Key]:
    """The withheld values of one or two extended tables (two: sharing their totals row,
    withheld alike in both) that have a single possible value, given everything shown and
    a reader's bound (each withheld value at least ``READER_LOWER_BOUND``)."""
    shapes = _shapes(extended)
    arcs, values = _network(shapes), _values(extended)
    hidden = {_canonical(key, shapes) for key in withheld}
    return [key for key in sorted(hidden) if _single(arcs, values, hidden, key)]


def _cost(
    key: Key,
    exposed: Key,
    withheld: set[Key],
    arcs: dict[Key, tuple[str, str]],
    values: dict[Key, int],
) -> tuple[int, int, Key]:
    """A value that frees the exposed one at once first, then the smallest count."""
    frees = not _single(arcs, values, withheld | {key}, exposed)
    return (0 if frees else 1, values[key], key)


def suppress_together(
    tables: Sequence[Sequence[Sequence[int]]],
    k: int,
    contributors: Sequence[Sequence[Sequence[int]]] | None = None,
    also_withheld: set[Key] | frozenset[Key] = frozenset(),
) -> tuple[SuppressedTable, ...]:
    """Withhold the small values of one table, or of two tables that count the same
    population by the same columns (so their column totals and grand total are the same
    numbers), and enough others that no withheld value can be worked out from everything
    shown in them together. A total the two share is withheld in both or in neither.

    Each table is R×C cells (R and C at least 1). Suppressing each table on its own is not
    enough: a total withheld in one and shown in the other is simply read there, and the
    shown totals of one table close the lines of the other (decision 0024, addendum).

    ``contributors``: the extended tables (totals included) of how many subjects each value
    counts, when a value may count several records of one subject. A value fed by fewer
    than ``k`` subjects is small however large it is — five records of one person point at
    that person as one record does — and is withheld as a small count is; the value shown
    is still the count (decision 0024, addendum of session 17).

    ``also_withheld``: values (table, row, column of its extended table) withheld for another
    reason, as a small one is — a release's values whose change since an earlier release is
    fed by fewer than k subjects (decision 0055). Zeros among them stay shown: a zero points
    at no one, and a reader knows a withheld value is at least 1."""
    extended = [extend(cells) for cells in tables]
    shapes = _shapes(extended)
    arcs, values = _network(shapes), _values(extended)
    subjects = values if contributors is None else _values(contributors)
    withheld = {key for key, value in values.items() if value and 0 < subjects[key] < k}
    withheld |= {key for key, value in values.items() if 0 < value < k}
    withheld |= {_canonical(key, shapes) for key in also_withheld} & {
        key for key, value in values.items() if value
    }
    while exposed := [key for key in sorted(withheld) if _single(arcs, values, withheld, key)]:
        first = exposed[0]
        shown = [key for key in sorted(values) if key not in withheld and values[key]]
        ends = set(arcs[first])
        candidates = [key for key in shown if ends & set(arcs[key])] or shown
        withheld.add(min(candidates, key=lambda c: _cost(c, first, withheld, arcs, values)))
    return tuple(
        SuppressedTable(
            values=tuple(tuple(row) for row in table),
            marks=tuple(
                tuple(
                    Suppression.WITHHELD
                    if _canonical((t, i, j), shapes) in withheld
                    else Suppression.SHOWN
                    for j in range(len(row))
                )
                for i, row in enumerate(table)
            ),
        )
        for t, table in enumerate(extended)
    )
