"""CSV downloads cannot carry a formula into the spreadsheet that opens them."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from xinyong.spreadsheets import SafeWriter, formula_safe

STARTS = ("=", "+", "-", "@", "\t", "\r")


@given(st.text())
def test_no_text_cell_starts_a_formula_and_nothing_else_changes(text: str) -> None:
    safe = formula_safe(text)
    assert isinstance(safe, str)
    if text.startswith(STARTS):
        assert safe == "'" + text
    else:
        assert safe == text


@given(st.lists(st.one_of(st.text(), st.integers()), max_size=6))
def test_a_row_reads_back_as_written_but_for_the_apostrophe(row: list[object]) -> None:
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(row)
    (read,) = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert read == [str(formula_safe(cell)) for cell in row]
    # Numbers stay numbers (a negative one is not a formula); text never starts one.
    assert not any(
        cell.startswith(STARTS)
        for cell, given in zip(read, row, strict=True)
        if isinstance(given, str)
    )
