"""Art. 28 industry statistics: small cells withheld, and none can be worked out from what
is shown (tests the suppression against linear algebra, independent of its graph proof)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.institutions.suppression import Suppression, extend, suppress

K = 5


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][col] != 0:
                factor = rows[r][col] / rows[rank][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def _determined(values: list[list[int]], hidden: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The hidden cells a reader can solve for exactly from the shown cells: the line and
    column equations of the extended table, restricted to the hidden unknowns."""
    height, width = len(values), len(values[0])
    index = {cell: n for n, cell in enumerate(hidden)}
    equations: list[list[Fraction]] = []
    # Row i: cells of the row minus its total = 0 (the total row and column likewise).
    for i in range(height):
        eq = [Fraction(0)] * len(hidden)
        for j in range(width):
            if (i, j) in index:
                eq[index[(i, j)]] += 1 if j < width - 1 else -1
        equations.append(eq)
    for j in range(width):
        eq = [Fraction(0)] * len(hidden)
        for i in range(height):
            if (i, j) in index:
                eq[index[(i, j)]] += 1 if i < height - 1 else -1
        equations.append(eq)
    base = _rank(equations)
    determined = set()
    for cell, n in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[n] = Fraction(1)
        if _rank([*equations, unit]) == base:
            determined.add(cell)
    return determined


tables = st.integers(1, 4).flatmap(
    lambda rows: st.integers(1, 4).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 60)),
                min_size=cols,
                max_size=cols,
            ),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=50, deadline=None)
@given(tables)
def test_no_small_cell_is_shown_and_no_withheld_cell_can_be_worked_out(
    cells: list[list[int]],
) -> None:
    table = suppress(cells, K)
    values = extend(cells)
    assert [list(row) for row in table.values] == values
    hidden = []
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            mark = table.marks[i][j]
            if 0 < value < K:
                assert mark is Suppression.SMALL
            if mark is Suppression.SMALL:
                assert 0 < value < K
            if mark is not Suppression.SHOWN:
                hidden.append((i, j))
    if hidden:
        assert _determined(values, hidden) == set()


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    table = suppress([[3, 40], [50, 60]], K)
    marks = table.marks
    assert marks[0][0] is Suppression.SMALL
    # Row 0 and column 0 each need a second withheld cell, and so on round a cycle.
    assert sum(m is not Suppression.SHOWN for m in marks[0]) >= 2
    assert sum(marks[r][0] is not Suppression.SHOWN for r in range(3)) >= 2
    assert table.shown(2, 2) == 153  # the grand total is large and stays shown
