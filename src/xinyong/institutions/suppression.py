"""Small-cell suppression of a published cross-tabulation (Art. 28 statistics).

A table is published with its row totals, column totals and grand total. A cell counting
fewer than ``k`` (but not none) is suppressed (*primary*): it is shown as "<k". Totals
are cells too: a total under ``k`` is suppressed the same way.

Publishing totals lets a reader solve for a lone suppressed cell (total minus the shown
cells), so more cells are withheld (*complementary* suppression) until no suppressed cell
can be worked out exactly. The argument: put the totals into the table with a minus sign
and every line of the extended (R+1)×(C+1) table sums to zero. The suppressed cells are
then the edges of a bipartite graph between lines and columns, the solutions differ by
the graph's cycles (each even cycle is an alternating ±1 move that keeps every sum), and
so a suppressed cell is determined exactly if and only if its edge lies on no cycle — it
is a *bridge*. The loop below withholds one more cell next to a bridge until none is
left; it always ends, since a fully suppressed table (at least 2×2) has no bridge.

Intervals are not protected: a reader still learns bounds (a cell is at least 0 and a
primary cell under k). That is the usual standard for published counts; decision 0024.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class Suppression(enum.StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # primary: fewer than k
    COMPLEMENTARY = "complementary"  # withheld so that a small cell cannot be worked out


Cell = tuple[int, int]


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


def _bridges(suppressed: set[Cell], height: int, width: int) -> list[Cell]:
    """The suppressed cells that lie on no cycle of the line–column graph (Tarjan)."""
    # Vertices: lines 0..height-1, columns height..height+width-1; one edge per cell.
    adjacency: dict[int, list[tuple[int, Cell]]] = {}
    for i, j in suppressed:
        adjacency.setdefault(i, []).append((height + j, (i, j)))
        adjacency.setdefault(height + j, []).append((i, (i, j)))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: list[Cell] = []
    counter = 0
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        # Iterative depth-first search: (vertex, edge it was reached by, next neighbour).
        stack: list[tuple[int, Cell | None, int]] = [(root, None, 0)]
        while stack:
            vertex, via, index = stack[-1]
            neighbours = adjacency[vertex]
            if index < len(neighbours):
                stack[-1] = (vertex, via, index + 1)
                other, edge = neighbours[index]
                if edge == via:
                    continue
                if other in order:
                    low[vertex] = min(low[vertex], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent] and via is not None:
                        found.append(via)
    return sorted(found)


def _cost(
    cell: Cell, bridge: Cell, suppressed: set[Cell], values: list[list[int]]
) -> tuple[int, int, Cell]:
    """Cells that close a cycle at once first, then the smallest, then by position."""
    r, c = cell
    others = {x for x in suppressed if x != bridge}
    # On the bridge's line it closes a cycle if its column already has another suppressed
    # cell; on the bridge's column, if its line has.
    closes = any(x[1] == c for x in others) if r == bridge[0] else any(x[0] == r for x in others)
    return (0 if closes else 1, values[r][c], cell)


def suppress(cells: Sequence[Sequence[int]], k: int) -> SuppressedTable:
    """Primary and complementary suppression of ``cells`` (R×C, R and C at least 1)."""
    values = extend(cells)
    height, width = len(values), len(values[0])
    marks = [[Suppression.SHOWN] * width for _ in range(height)]
    suppressed: set[Cell] = set()
    for i in range(height):
        for j in range(width):
            if 0 < values[i][j] < k:
                marks[i][j] = Suppression.SMALL
                suppressed.add((i, j))
    while bridges := _bridges(suppressed, height, width):
        i, j = bridges[0]
        # Withhold the least informative shown cell on the bridge's line or column, and
        # prefer one whose other line already has a suppressed cell: it closes a cycle.
        candidates = [(i, c) for c in range(width) if (i, c) not in suppressed] + [
            (r, j) for r in range(height) if (r, j) not in suppressed
        ]
        if not candidates:
            candidates = [
                (r, c) for r in range(height) for c in range(width) if (r, c) not in suppressed
            ]

        chosen = min(candidates, key=lambda cell: _cost(cell, (i, j), suppressed, values))
        marks[chosen[0]][chosen[1]] = Suppression.COMPLEMENTARY
        suppressed.add(chosen)
    return SuppressedTable(
        values=tuple(tuple(row) for row in values),
        marks=tuple(tuple(row) for row in marks),
    )
