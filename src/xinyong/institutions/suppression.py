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

The loop withholds one more non-zero cell next to a determined one until none is left. It
ends: with every non-zero cell withheld, each lies on the directed cycle source → row →
column → sink → source through non-zero cells, so each can grow.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Suppression(enum.StrEnum):
    SHOWN = "shown"
    # Small, or withheld so that a small one cannot be worked out: deliberately one mark.
    WITHHELD = "withheld"


Cell = tuple[int, int]

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


def _arc(cell: Cell, height: int, width: int) -> tuple[str, str]:
    """The cell as a flow arc (tail, head): rows and the sink are "r<i>", columns and the
    source "c<j>" (the last row is the sink, the last column the source)."""
    i, j = cell
    line, column = f"r{i}", f"c{j}"
    inner_row, inner_column = i < height - 1, j < width - 1
    # Cells and the grand total run row → column; row and column totals the other way.
    return (line, column) if inner_row == inner_column else (column, line)


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


def _single(values: Sequence[Sequence[int]], withheld: set[Cell], cell: Cell) -> bool:
    """Whether the withheld ``cell`` has one possible value: no residual cycle through it."""
    height, width = len(values), len(values[0])
    residual: dict[str, list[str]] = {}
    for other in withheld - {cell}:
        t, h = _arc(other, height, width)
        residual.setdefault(t, []).append(h)
        if values[other[0]][other[1]] > READER_LOWER_BOUND:
            residual.setdefault(h, []).append(t)
    tail, head = _arc(cell, height, width)
    grows = _reaches(head, tail, residual)
    shrinks = values[cell[0]][cell[1]] > READER_LOWER_BOUND and _reaches(tail, head, residual)
    return not grows and not shrinks


def determined(values: Sequence[Sequence[int]], withheld: set[Cell]) -> list[Cell]:
    """The withheld cells that have a single possible value, given the shown cells and a
    reader's bound (each withheld cell at least ``READER_LOWER_BOUND``)."""
    return [cell for cell in sorted(withheld) if _single(values, withheld, cell)]


def _cost(
    cell: Cell, exposed: Cell, withheld: set[Cell], values: Sequence[Sequence[int]]
) -> tuple[int, int, Cell]:
    """A cell that frees the exposed one at once first, then the smallest count."""
    frees = not _single(values, withheld | {cell}, exposed)
    return (0 if frees else 1, values[cell[0]][cell[1]], cell)


def suppress(cells: Sequence[Sequence[int]], k: int) -> SuppressedTable:
    """Withhold the small cells of ``cells`` (R×C, R and C at least 1) and enough others
    that no withheld cell can be worked out."""
    values = extend(cells)
    height, width = len(values), len(values[0])
    everywhere = [(r, c) for r in range(height) for c in range(width)]
    withheld = {(i, j) for i, j in everywhere if 0 < values[i][j] < k}
    while exposed := determined(values, withheld):
        first = exposed[0]
        shown = [cell for cell in everywhere if cell not in withheld and values[cell[0]][cell[1]]]
        candidates = [c for c in shown if first[0] == c[0] or first[1] == c[1]] or shown
        withheld.add(min(candidates, key=lambda c: _cost(c, first, withheld, values)))
    return SuppressedTable(
        values=tuple(tuple(row) for row in values),
        marks=tuple(
            tuple(
                Suppression.WITHHELD if (r, c) in withheld else Suppression.SHOWN
                for c in range(width)
            )
            for r in range(height)
        ),
    )
