"""Art. 28 industry statistics: small cells withheld, and none can be worked out from what
is shown — checked against linear algebra and against a brute-force search over the values a
reader thinks possible, both independent of the suppression's flow argument."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.institutions.suppression import (
    READER_LOWER_BOUND,
    Suppression,
    determined,
    extend,
    suppress,
)

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


def _possible_values(
    values: Sequence[Sequence[int]], hidden: list[tuple[int, int]]
) -> dict[tuple[int, int], set[int]]:
    """Brute force: every value each hidden cell takes in some table that agrees with the
    shown cells and totals, with every hidden cell at least the reader's bound (a withheld
    cell is never 0, and the reader is not told which are small). Only tables within ±1 of
    the published one are searched: if a cell can differ at all, the difference of two such
    tables splits into alternating cycles (each cell ±1), and one of them is such a table."""
    height, width = len(values), len(values[0])
    lines = [[(i, j) for j in range(width)] for i in range(height)]
    lines += [[(i, j) for i in range(height)] for j in range(width)]

    def balance(line: list[tuple[int, int]], x: dict[tuple[int, int], int]) -> int:
        # Addends minus the line's total (its last cell), hidden cells from ``x``.
        *addends, total = (x.get(cell, values[cell[0]][cell[1]]) for cell in line)
        return sum(addends) - total

    hidden_set = set(hidden)
    position = {cell: n for n, cell in enumerate(hidden)}
    # The constraints each hidden cell completes (it is their last hidden cell).
    completes: dict[tuple[int, int], list[list[tuple[int, int]]]] = {c: [] for c in hidden}
    for line in lines:
        inside = [cell for cell in line if cell in hidden_set]
        if inside:
            completes[max(inside, key=position.__getitem__)].append(line)
    seen: dict[tuple[int, int], set[int]] = {cell: set() for cell in hidden}
    x: dict[tuple[int, int], int] = {}

    def search(n: int) -> None:
        if n == len(hidden):
            for cell in hidden:
                seen[cell].add(x[cell])
            return
        cell = hidden[n]
        true = values[cell[0]][cell[1]]
        for value in range(max(READER_LOWER_BOUND, true - 1), true + 2):
            x[cell] = value
            if all(balance(line, x) == 0 for line in completes[cell]):
                search(n + 1)
        del x[cell]

    search(0)
    return seen


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
                assert mark is Suppression.WITHHELD
            if mark is Suppression.WITHHELD:
                assert value > 0  # a zero is never withheld
                hidden.append((i, j))
    if hidden:
        assert _determined(values, hidden) == set()


small_tables = st.integers(1, 3).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda cols: st.lists(
            st.lists(
                st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 12)),
                min_size=cols,
                max_size=cols,
            ),
            min_size=rows,
            max_size=rows,
        )
    )
)


def _assert_no_withheld_cell_has_a_single_value(cells: list[list[int]], k: int) -> None:
    table = suppress(cells, k)
    values = extend(cells)
    hidden = [
        (i, j)
        for i, row in enumerate(table.marks)
        for j, mark in enumerate(row)
        if mark is Suppression.WITHHELD
    ]
    possible = _possible_values(values, hidden)
    for cell in hidden:
        assert values[cell[0]][cell[1]] in possible[cell]
        assert len(possible[cell]) >= 2, (cell, possible[cell], table)


@settings(max_examples=40, deadline=None)
@given(small_tables)
def test_no_withheld_cell_has_a_single_possible_value(cells: list[list[int]]) -> None:
    _assert_no_withheld_cell_has_a_single_value(cells, K)


def test_a_zero_beside_small_cells_is_not_withheld_to_protect_them() -> None:
    # Review counterexample: withholding the zero (0,0) and marking it apart from the
    # "<3" cells told the reader the small cell (0,1) could only be 2.
    table = suppress([[0, 2], [2, 2]], 3)
    assert table.marks[0][0] is Suppression.SHOWN
    _assert_no_withheld_cell_has_a_single_value([[0, 2], [2, 2]], 3)


def test_two_small_cells_under_a_shown_total_are_not_pinned_by_their_bounds() -> None:
    # Review counterexample: two "<3" cells with a shown row total of 4 had to be 2 each.
    # With one marker the reader knows only that they are at least 1 and sum to 4.
    table = suppress([[2, 2], [4, 0]], 3)
    assert {table.marks[0][0], table.marks[0][1]} == {Suppression.WITHHELD}
    _assert_no_withheld_cell_has_a_single_value([[2, 2], [4, 0]], 3)


def test_a_lone_small_cell_takes_a_partner_in_its_row_and_column() -> None:
    table = suppress([[3, 40], [50, 60]], K)
    marks = table.marks
    assert marks[0][0] is Suppression.WITHHELD
    # Row 0 and column 0 each need a second withheld cell, and so on round a cycle.
    assert sum(m is not Suppression.SHOWN for m in marks[0]) >= 2
    assert sum(marks[r][0] is not Suppression.SHOWN for r in range(3)) >= 2
    assert table.shown(2, 2) == 153  # the grand total is large and stays shown


@settings(max_examples=30, deadline=None)
@given(small_tables, st.randoms(use_true_random=False))
def test_the_check_for_a_single_possible_value_agrees_with_brute_force(
    cells: list[list[int]], random: Random
) -> None:
    # Any set of non-zero cells, not only the ones the suppression picks.
    values = extend(cells)
    nonzero = [(i, j) for i, row in enumerate(values) for j, v in enumerate(row) if v]
    hidden = sorted(random.sample(nonzero, random.randint(0, len(nonzero))))
    possible = _possible_values(values, hidden)
    single = {cell for cell in hidden if len(possible[cell]) == 1}
    assert set(determined(values, set(hidden))) == single
