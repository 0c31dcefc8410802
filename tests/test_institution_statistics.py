"""Art. 28 industry statistics: small cells withheld, and none can be worked out from what
is shown — checked against linear algebra and against a brute-force search over the values a
reader thinks possible, both independent of the suppression's flow argument."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from random import Random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyong.institutions.statistics import POLARITIES, linked_tables
from xinyong.institutions.suppression import (
    READER_LOWER_BOUND,
    SuppressedTable,
    Suppression,
    determined_together,
    extend,
    suppress_together,
)

K = 5


def suppress(cells: list[list[int]], k: int) -> SuppressedTable:
    """One table suppressed on its own (the statistics always go through
    ``suppress_together``, with one table or two)."""
    (table,) = suppress_together([cells], k)
    return table


def determined(values: list[list[int]], withheld: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """``determined_together`` for one extended table, by (row, column)."""
    found = determined_together([values], {(0, i, j) for i, j in withheld})
    return [(i, j) for _t, i, j in found]


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


# --- Tables read together (decision 0024, addendum) --------------------------------------
#
# The checker below knows nothing of the suppression's circulation. It names every value of
# every published table on its own — (table, row, column) of the extended table — and writes
# what a reader knows as linear equations over them: each line of each table sums to its
# total, and the two tables' totals rows (same population, same columns) are equal, entry by
# entry. A withheld value can be worked out by linear combination of what is shown exactly
# when its unit vector lies in the row space of those equations restricted to the withheld
# unknowns (shown values are constants).

Key = tuple[int, int, int]
Equation = list[tuple[int, Key]]  # sum of coefficient × value is 0


def _equations(extended: Sequence[Sequence[Sequence[int]]]) -> list[Equation]:
    equations: list[Equation] = []
    for t, table in enumerate(extended):
        height, width = len(table), len(table[0])
        for i in range(height):
            equations.append([(1 if j < width - 1 else -1, (t, i, j)) for j in range(width)])
        for j in range(width):
            equations.append([(1 if i < height - 1 else -1, (t, i, j)) for i in range(height)])
    first = extended[0]
    for t in range(1, len(extended)):
        last = len(extended[t]) - 1
        for j in range(len(first[0])):
            equations.append([(1, (0, len(first) - 1, j)), (-1, (t, last, j))])
    return equations


def _linearly_determined(
    extended: Sequence[Sequence[Sequence[int]]], hidden: list[Key]
) -> set[Key]:
    index = {key: n for n, key in enumerate(hidden)}
    matrix = []
    for equation in _equations(extended):
        row = [Fraction(0)] * len(hidden)
        for coefficient, key in equation:
            if key in index:
                row[index[key]] += coefficient
        matrix.append(row)
    base = _rank(matrix)
    found = set()
    for key, n in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[n] = Fraction(1)
        if _rank([*matrix, unit]) == base:
            found.add(key)
    return found


def _possible_together(
    extended: Sequence[Sequence[Sequence[int]]], hidden: list[Key]
) -> dict[Key, set[int]]:
    """Brute force over the same equations, each hidden value at least the reader's bound,
    within ±1 of the published one (the equations are those of a circulation — the
    columns of the first table flow on through the second — so, as for one table, a value
    that can differ at all can differ by one)."""

    def value(key: Key, x: dict[Key, int]) -> int:
        t, i, j = key
        return x[key] if key in x else extended[t][i][j]

    position = {key: n for n, key in enumerate(hidden)}
    completes: dict[Key, list[Equation]] = {key: [] for key in hidden}
    for equation in _equations(extended):
        inside = [key for _c, key in equation if key in position]
        if inside:
            completes[max(inside, key=position.__getitem__)].append(equation)
    seen: dict[Key, set[int]] = {key: set() for key in hidden}
    x: dict[Key, int] = {}

    def search(n: int) -> None:
        if n == len(hidden):
            for key in hidden:
                seen[key].add(x[key])
            return
        key = hidden[n]
        true = value(key, {})
        for candidate in range(max(READER_LOWER_BOUND, true - 1), true + 2):
            x[key] = candidate
            if all(sum(c * value(k, x) for c, k in eq) == 0 for eq in completes[key]):
                search(n + 1)
        del x[key]

    search(0)
    return seen


def _marginals(cube: list[list[list[int]]]) -> tuple[list[list[int]], list[list[int]]]:
    """A population counted by (district, kind, column): its table by district and its
    table by kind, each without rows that count nothing (the platform shows none)."""
    columns = len(cube[0][0])
    by_district = [[sum(kind[j] for kind in district) for j in range(columns)] for district in cube]
    by_kind = [
        [sum(district[g][j] for district in cube) for j in range(columns)]
        for g in range(len(cube[0]))
    ]
    return [r for r in by_district if any(r)], [r for r in by_kind if any(r)]


def _count() -> st.SearchStrategy[int]:
    return st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 15))


populations = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).flatmap(
    lambda shape: st.lists(
        st.lists(
            st.lists(_count(), min_size=shape[2], max_size=shape[2]),
            min_size=shape[1],
            max_size=shape[1],
        ),
        min_size=shape[0],
        max_size=shape[0],
    )
)


def _withheld(tables: Sequence[Sequence[Sequence[Suppression]]]) -> list[Key]:
    return [
        (t, i, j)
        for t, marks in enumerate(tables)
        for i, row in enumerate(marks)
        for j, mark in enumerate(row)
        if mark is Suppression.WITHHELD
    ]


def _assert_nothing_withheld_can_be_worked_out_together(
    first: list[list[int]], second: list[list[int]], k: int, *, brute_force: bool
) -> None:
    published = suppress_together([first, second], k)
    extended = [extend(first), extend(second)]
    assert [[list(row) for row in table.values] for table in published] == extended
    for table in published:
        for values, marks in zip(table.values, table.marks, strict=True):
            for value, mark in zip(values, marks, strict=True):
                if 0 < value < k:
                    assert mark is Suppression.WITHHELD
                if mark is Suppression.WITHHELD:
                    assert value > 0
    # The shared totals are withheld alike in both tables.
    assert published[0].marks[-1] == published[1].marks[-1]
    hidden = _withheld([table.marks for table in published])
    if not hidden:
        return
    assert _linearly_determined(extended, hidden) == set()
    if brute_force:
        possible = _possible_together(extended, hidden)
        for t, i, j in hidden:
            assert extended[t][i][j] in possible[(t, i, j)]
            assert len(possible[(t, i, j)]) >= 2, ((t, i, j), possible, published)


@settings(max_examples=60, deadline=None)
@given(populations)
def test_no_withheld_value_of_either_table_can_be_worked_out_from_both(
    cube: list[list[list[int]]],
) -> None:
    first, second = _marginals(cube)
    assume(first and second)
    _assert_nothing_withheld_can_be_worked_out_together(first, second, K, brute_force=False)


small_populations = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 3)).flatmap(
    lambda shape: st.lists(
        st.lists(
            st.lists(
                st.one_of(st.just(0), st.integers(1, K - 1), st.integers(K, 9)),
                min_size=shape[2],
                max_size=shape[2],
            ),
            min_size=shape[1],
            max_size=shape[1],
        ),
        min_size=shape[0],
        max_size=shape[0],
    )
)


@settings(max_examples=25, deadline=None)
@given(small_populations)
def test_no_withheld_value_has_a_single_possible_value_given_both_tables(
    cube: list[list[list[int]]],
) -> None:
    first, second = _marginals(cube)
    assume(first and second)
    _assert_nothing_withheld_can_be_worked_out_together(first, second, K, brute_force=True)


@settings(max_examples=25, deadline=None)
@given(small_populations, st.randoms(use_true_random=False))
def test_the_check_for_two_tables_agrees_with_brute_force(
    cube: list[list[list[int]]], random: Random
) -> None:
    # Any set of non-zero values, a shared total withheld in both tables or in neither.
    first, second = _marginals(cube)
    assume(first and second)
    extended = [extend(first), extend(second)]
    own = [
        (t, i, j)
        for t, table in enumerate(extended)
        for i, row in enumerate(table)
        for j, v in enumerate(row)
        if v and not (t == 1 and i == len(table) - 1)
    ]
    chosen = set(random.sample(own, random.randint(0, len(own))))
    last = len(extended[0]) - 1
    mirrored = {(1, len(extended[1]) - 1, j) for t, i, j in chosen if (t, i) == (0, last)}
    hidden = sorted(chosen | mirrored)
    possible = _possible_together(extended, hidden)
    single = {key for key in chosen if len(possible[key]) == 1}
    assert set(determined_together(extended, set(hidden))) == single


REVIEW_BY_DISTRICT = [[3, 1, 9], [15, 3, 3]]
REVIEW_BY_KIND = [[0, 3, 0], [18, 1, 12]]


def test_the_review_example_leaks_when_each_table_is_suppressed_alone() -> None:
    # The defect: suppressed one by one, the table by kind shows the neutral total 12 and
    # the table by district shows the grand total 34 and the positive total 18, so the
    # negative total — withheld in both as small — is 34 − 18 − 12 = 4.
    alone = [suppress(REVIEW_BY_DISTRICT, K), suppress(REVIEW_BY_KIND, K)]
    assert [alone[0].shown(2, 3), alone[0].shown(2, 0), alone[1].shown(2, 2)] == [34, 18, 12]
    assert alone[0].shown(2, 1) is None
    assert alone[1].shown(2, 1) is None
    hidden = _withheld([table.marks for table in alone])
    extended = [extend(REVIEW_BY_DISTRICT), extend(REVIEW_BY_KIND)]
    assert (0, 2, 1) in _linearly_determined(extended, hidden)


def test_the_review_example_is_suppressed_together() -> None:
    _assert_nothing_withheld_can_be_worked_out_together(
        REVIEW_BY_DISTRICT, REVIEW_BY_KIND, K, brute_force=True
    )
    by_district: Counter[tuple[str, str]] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    for district, row in zip(["350102", "350103"], REVIEW_BY_DISTRICT, strict=True):
        for column, count in zip(POLARITIES, row, strict=True):
            by_district[(district, column)] += count
    for kind, row in zip(["court", "state_organ"], REVIEW_BY_KIND, strict=True):
        for column, count in zip(POLARITIES, row, strict=True):
            by_kind[(kind, column)] += count
    districts, kinds = linked_tables(
        POLARITIES,
        K,
        ("records_by_district", "district", by_district, None),
        ("records_by_organisation_kind", "organisation_kind", by_kind, None),
    )
    for table in (districts, kinds):
        totals = table.as_dict()["totals"]
        assert totals["cells"]["negative"] == {"value": None, "suppressed": True}
    # What the page and the CSV show of the totals is the same in both tables.
    width = len(POLARITIES) + 1
    assert [districts.text(2, j) for j in range(width)] == [kinds.text(2, j) for j in range(width)]
