"""Industry statistics of credit information (Art. 28): counts only, by district and by
the kind of organisation that supplied or recognised the information, each table with
small cells withheld, and enough others that none can be worked out (``suppression``) —
from the table or from the tables read together: the table by district and the one by
kind of organisation count the same population, so they share their totals and are
suppressed together — so that no count small enough to point at a subject can be read or
worked out. No subject, record or person appears."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xinyong.catalog import service as catalog
from xinyong.catalog.models import DISTRICTS
from xinyong.collection import statistics as record_statistics
from xinyong.institutions.suppression import SuppressedTable, Suppression, suppress_together
from xinyong.lists import statistics as list_statistics
from xinyong.spreadsheets import SafeWriter

POLARITIES = ("positive", "negative", "neutral")
LIST_KINDS = ("red", "black")
OTHER_AREA = "other"  # outside Fuzhou's districts, or no division known
DISTRICT_CODES = tuple(code for code, _name in DISTRICTS)
WITHHELD = "*"
TOTAL = "total"  # a row or column total's name where a value is named by row and column


def district_of(division: str | None) -> str:
    if division in DISTRICT_CODES:
        return division
    if division == "350100":  # registered at city level
        return "350100"
    return OTHER_AREA


def area_order(area: str) -> tuple[int, str]:
    return (0 if area == "350100" else 2 if area == OTHER_AREA else 1, area)


@dataclass(frozen=True)
class Table:
    key: str
    rows_by: str  # district, organisation_kind
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    suppressed: SuppressedTable
    k: int

    def cell(self, i: int, j: int) -> dict[str, Any]:
        value = self.suppressed.shown(i, j)
        return {"value": value, "suppressed": value is None}

    def text(self, i: int, j: int) -> str:
        # One marker for every withheld cell: telling a small cell from one withheld to
        # protect it would tell the reader which is in 1..k-1 (decision 0024).
        value = self.suppressed.shown(i, j)
        return WITHHELD if value is None else str(value)

    def as_dict(self) -> dict[str, Any]:
        width = len(self.columns)
        return {
            "key": self.key,
            "rows_by": self.rows_by,
            "columns": list(self.columns),
            "rows": [
                {
                    "row": row,
                    "cells": {col: self.cell(i, j) for j, col in enumerate(self.columns)},
                    "total": self.cell(i, width),
                }
                for i, row in enumerate(self.rows)
            ],
            "totals": {
                "cells": {col: self.cell(len(self.rows), j) for j, col in enumerate(self.columns)},
                "total": self.cell(len(self.rows), width),
            },
        }


@dataclass(frozen=True)
class Contributors:
    """How many subjects each count of a table is about: its cells (row, column), its row
    totals, its column totals and its grand total — each counted, not summed, as one
    subject may be in several cells of a line."""

    cells: Counter[tuple[str, str]]
    rows: Counter[str]
    columns: Counter[str]
    total: int

    def extended(self, rows: tuple[str, ...], columns: tuple[str, ...]) -> list[list[int]]:
        """As ``suppression.extend`` lays out a table's counts: row totals last in each row,
        the column totals' row last."""
        return [
            *([*(self.cells[(row, col)] for col in columns), self.rows[row]] for row in rows),
            [*(self.columns[col] for col in columns), self.total],
        ]


def linked_tables(
    columns: tuple[str, ...],
    k: int,
    *specs: tuple[str, str, Counter[tuple[str, str]], Any],
    contributors: tuple[Contributors, ...] | None = None,
    also_withheld: Collection[tuple[int, str, str]] = (),
) -> tuple[Table, ...]:
    """One or two tables (key, rows_by, counts, row order) of the same population by the same
    columns: their column totals and grand total are the same numbers, so they are
    suppressed together — a total withheld in one is withheld in the other, and nothing
    withheld can be worked out from all of them read together (decision 0024, addendum).
    ``contributors``, one per table: the subjects behind its counts, so that a count fed by
    fewer than k subjects is withheld however many records it counts (decision 0024,
    addendum of session 17). ``also_withheld``: (table, row, column) withheld as a small
    count is — "total" for a total — such as a release's values whose change since an earlier
    release is fed by fewer than k subjects (decision 0055)."""
    shaped = [
        (key, rows_by, tuple(sorted({row for row, _col in counts}, key=order)), counts)
        for key, rows_by, counts, order in specs
    ]
    if all(rows for _key, _by, rows, _counts in shaped):
        cells = [
            [[counts.get((row, col), 0) for col in columns] for row in rows]
            for _key, _by, rows, counts in shaped
        ]
        subjects = (
            None
            if contributors is None
            else [
                behind.extended(rows, columns)
                for behind, (_key, _by, rows, _counts) in zip(contributors, shaped, strict=True)
            ]
        )
        extra = set()
        for t, row, col in also_withheld:
            rows = shaped[t][2]
            if (row != TOTAL and row not in rows) or (col != TOTAL and col not in columns):
                continue  # not counted now: a zero, never withheld
            i = len(rows) if row == TOTAL else rows.index(row)
            j = len(columns) if col == TOTAL else columns.index(col)
            extra.add((t, i, j))
        suppressed = suppress_together(cells, k, subjects, extra)
        return tuple(
            Table(key, rows_by, rows, columns, table, k)
            for (key, rows_by, rows, _counts), table in zip(shaped, suppressed, strict=True)
        )
    # Nothing counted (a table has rows only for what it counts): only the totals row, all
    # zero in every table, and nothing to withhold.
    width = len(columns) + 1
    empty = SuppressedTable(((0,) * width,), ((Suppression.SHOWN,) * width,))
    if any(any(counts.values()) for _key, _by, _rows, counts in shaped):
        raise ValueError("the tables do not count the same population")
    return tuple(Table(key, rows_by, (), columns, empty, k) for key, rows_by, _r, _c in shaped)


@dataclass(frozen=True)
class IndustryStatistics:
    as_of: dt.date
    k: int
    tables: tuple[Table, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "min_cell": self.k,
            "article": "Art. 28",
            "tables": [t.as_dict() for t in self.tables],
        }


def industry_statistics(session: Session, today: dt.date, *, k: int) -> IndustryStatistics:
    """Records standing today by polarity, and list entries in force by list, each per
    district and per kind of organisation (the 'industry' the information comes from); a
    count fed by fewer than k subjects is withheld, however many records or entries it
    counts."""
    polarity = {
        rule.record_type.id: rule.definition.polarity.value
        for rule in catalog.list_record_types(session)
    }
    by_district: Counter[tuple[str, str]] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    for type_id, division, kind, count in record_statistics.record_counts(session):
        pol = polarity.get(type_id, "neutral")
        by_district[(district_of(division), pol)] += count
        by_kind[(kind, pol)] += count

    def record_subjects(by: str, per_column: bool) -> list[tuple[str | None, str | None, int]]:
        return record_statistics.subject_counts(
            session, polarity, otherwise="neutral", by=by, per_column=per_column
        )

    lists_by_district: Counter[tuple[str, str]] = Counter()
    lists_by_kind: Counter[tuple[str, str]] = Counter()
    for list_kind, division, kind, count in list_statistics.entry_counts(session, today):
        lists_by_district[(district_of(division), list_kind)] += count
        lists_by_kind[(kind, list_kind)] += count

    def entry_subjects(by: str, per_column: bool) -> list[tuple[str | None, str | None, int]]:
        return list_statistics.subject_counts(session, today, by=by, per_column=per_column)

    records = linked_tables(
        POLARITIES,
        k,
        ("records_by_district", "district", by_district, area_order),
        ("records_by_organisation_kind", "organisation_kind", by_kind, None),
        contributors=_contributors(record_subjects),
    )
    lists = linked_tables(
        LIST_KINDS,
        k,
        ("list_entries_by_district", "district", lists_by_district, area_order),
        ("list_entries_by_organisation_kind", "organisation_kind", lists_by_kind, None),
        contributors=_contributors(entry_subjects),
    )
    return IndustryStatistics(today, k, (*records, *lists))


def _contributors(
    count: Callable[[str, bool], list[tuple[str | None, str | None, int]]],
) -> tuple[Contributors, Contributors]:
    """The subjects behind the table by district and the one by kind of organisation, from
    ``count(by, per_column)``. A subject has one division, so the divisions' numbers add up
    to a district's (and "other"'s), to the column totals and to the grand total; a
    subject's records may come from several kinds of organisation, so the kinds' numbers
    are taken as counted."""
    district_cells: Counter[tuple[str, str]] = Counter()
    district_rows: Counter[str] = Counter()
    columns: Counter[str] = Counter()
    for division, column, n in count("division", True):
        district_cells[(district_of(division), str(column))] += n
        columns[str(column)] += n
    for division, _none, n in count("division", False):
        district_rows[district_of(division)] += n
    total = sum(district_rows.values())
    kind_cells: Counter[tuple[str, str]] = Counter(
        {(str(kind), str(column)): n for kind, column, n in count("kind", True)}
    )
    kind_rows: Counter[str] = Counter({str(kind): n for kind, _none, n in count("kind", False)})
    return (
        Contributors(district_cells, district_rows, columns, total),
        Contributors(kind_cells, kind_rows, columns, total),
    )


def as_csv(
    statistics: IndustryStatistics, row_name: Callable[[str, str], str] = lambda _by, row: row
) -> str:
    """One CSV of every table: table, row (its code), row_name, column, shown value ("*"
    when withheld). ``row_name(rows_by, row)`` names a row in the reader's language (a
    district's name, a kind of organisation's); the code otherwise."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(["table", "row", "row_name", "column", "count"])
    for table in statistics.tables:
        names = [*table.rows, "total"]
        columns = [*table.columns, "total"]
        for i, row in enumerate(names):
            name = row_name(table.rows_by, row)
            for j, col in enumerate(columns):
                writer.writerow([table.key, row, name, col, table.text(i, j)])
    return out.getvalue()
