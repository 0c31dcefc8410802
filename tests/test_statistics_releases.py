"""Releases of the industry statistics (Art. 28; decision 0055): each finished month's tables
fixed at its end, from the records and entries as they stood then, kept as published and
suppressed also against the earlier releases, so that subtracting one release from another
points at no one; the public reads releases only, the credit authority today's provisional
tables too; the daily job releases each finished month once."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import xinyong.cli.jobs
from tests.collection_helpers import catalog_loaded, collection_world  # noqa: F401
from tests.disclosure_helpers import (
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    revoke_record,
)
from tests.factories import World, auth_headers
from tests.lists_helpers import (
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    removed_by_two,
)
from tests.page_helpers import HTML, log_in
from tests.test_daily_job_at_once import database  # noqa: F401 - fixture
from tests.test_institution_statistics import _rank
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import CHINA, Clock, FixedClock
from xinyong.errors import Conflict, InvalidInput
from xinyong.institutions import releases
from xinyong.institutions.models import StatisticsRelease
from xinyong.institutions.releases import (
    RECORDS,
    TOTAL,
    Unit,
    ValueKey,
    changed_subjects,
    contributions,
    moved_too_few,
    shown_values,
    tables_of,
)

K = 5
# The test clock's month (2026-11-27) has not ended; a day of the next month has.
DECEMBER = FixedClock(dt.datetime(2026, 12, 2, 9, 0, tzinfo=CHINA))
JANUARY = FixedClock(dt.datetime(2027, 1, 3, 9, 0, tzinfo=CHINA))


def release_month(db: Session, period: str = "2026-11", clock: Clock = DECEMBER) -> Any:
    made = releases.release(db, clock, SYSTEM_ACTOR, period, k=K)
    db.commit()
    return made


def _tables(answer: dict[str, Any]) -> dict[str, Any]:
    return {t["key"]: t for t in answer["tables"]}


# --- the domain: as the month's end stood, fixed, once ---------------------------------


def test_a_release_counts_the_records_as_they_stood_at_the_months_end(
    db: Session, disclosure_world: World, clock: Clock
) -> None:
    """A record revoked after the month's end is still counted in that month's release (its
    versions say it stood then), and a record received after it is not; today's tables
    count neither as the release does."""
    standing = company_penalty(db, clock, disclosure_world)
    db.commit()
    revoke_record(db, DECEMBER, disclosure_world, standing.id)
    company_penalty(db, DECEMBER, disclosure_world, decision_number="榕市监罚〔2026〕999号")
    db.commit()
    november = releases.records_as_of(db, dt.date(2026, 11, 30))
    assert len(november) == 1
    assert november[0].subject == disclosure_world.subjects["company"].id
    december = releases.records_as_of(db, DECEMBER.today())
    assert len(december) == 1  # the revoked one gone, the new one in
    made = release_month(db)
    assert made.period_end == dt.date(2026, 11, 30)
    assert made.previous_period is None
    assert made.released_by == "system"
    published = releases.as_published(made)
    (by_kind,) = [t for t in published.tables if t.key == "records_by_organisation_kind"]
    assert by_kind.rows == ("state_organ",)
    # One subject: withheld, as every count of fewer than k subjects is.
    assert by_kind.text(0, 1) == "*"
    assert db.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "statistics.released")
    )


def test_a_release_counts_the_list_entries_in_force_at_the_months_end(
    db: Session, lists_world: World, clock: Clock
) -> None:
    """An entry approved in October and taken off the list in December was in force at the
    end of November, and not before its approval nor after its removal."""
    company = lists_world.subjects["company"]
    entry = published_entry(db, clock, lists_world, company, approved_days_ago=30)
    db.commit()
    removed_by_two(db, DECEMBER, lists_world, entry.id)
    db.commit()
    assert releases.entries_as_of(db, DECEMBER.today()) == []
    (november,) = releases.entries_as_of(db, dt.date(2026, 11, 30))
    assert (november.subject, november.column) == (company.id, "black")
    assert releases.entries_as_of(db, dt.date(2026, 10, 15)) == []
    made = release_month(db)
    (by_district,) = [t for t in made.tables if t["key"] == "list_entries_by_district"]
    assert by_district["totals"]["cells"]["black"] == {"value": None, "suppressed": True}


def test_a_month_is_released_once_after_it_ends_and_in_order(
    db: Session, disclosure_world: World, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as not_ended:
        releases.release(db, clock, SYSTEM_ACTOR, "2026-11", k=K)
    assert not_ended.value.code == "period_not_ended"
    with pytest.raises(InvalidInput) as malformed:
        releases.release(db, DECEMBER, SYSTEM_ACTOR, "2026-13", k=K)
    assert malformed.value.code == "invalid_month"
    release_month(db)
    for period in ("2026-11", "2026-10"):
        with pytest.raises(Conflict) as again:
            releases.release(db, DECEMBER, SYSTEM_ACTOR, period, k=K)
        assert again.value.code == "period_already_released"


def test_the_daily_job_releases_each_finished_month_once(
    db: Session, disclosure_world: World, clock: Clock
) -> None:
    """Before any release, the month before today; then each month after the latest, one a
    call, until the current month (not ended) is reached. Called again: nothing."""
    company_penalty(db, clock, disclosure_world)
    db.commit()
    assert releases.release_next_due(db, clock, SYSTEM_ACTOR, k=K) == "2026-10"
    assert releases.release_next_due(db, clock, SYSTEM_ACTOR, k=K) is None
    # Two months later: November and December, in order, each against the one before.
    assert releases.release_next_due(db, JANUARY, SYSTEM_ACTOR, k=K) == "2026-11"
    assert releases.release_next_due(db, JANUARY, SYSTEM_ACTOR, k=K) == "2026-12"
    assert releases.release_next_due(db, JANUARY, SYSTEM_ACTOR, k=K) is None
    found = releases.releases(db)
    assert [(r.period, r.previous_period) for r in found] == [
        ("2026-12", "2026-11"),
        ("2026-11", "2026-10"),
        ("2026-10", None),
    ]
    # Kept as published: the November release is the same after December's.
    kept = db.scalars(select(StatisticsRelease).where(StatisticsRelease.period == "2026-11"))
    assert kept.one().tables == found[1].tables


# --- suppressed against the earlier releases --------------------------------------------


def _release_of(found: releases.Contributions, k: int, withheld: set[ValueKey]) -> Any:
    tables = tables_of(found, k, withheld)
    return SimpleNamespace(tables=[t.as_dict() for t in tables])


def _units(spec: Sequence[tuple[int, int, int]]) -> list[Unit]:
    """(subject, kind, column) — the subject's district fixed by the subject."""
    districts = ("350102", "350103", "350104")
    kinds = ("state_organ", "financial_institution", "enterprise")
    columns = ("positive", "negative", "neutral")
    return [
        Unit(subject, districts[subject % 3], kinds[kind], columns[column])
        for subject, kind, column in spec
    ]


def test_a_total_that_moved_by_one_subject_is_withheld_in_the_next_release() -> None:
    """The decision's example: a total shown as 8 one month and 9 the next, the one new
    record a known subject's, told the reader which withheld cell it fell in. Now the total
    fed by one changed subject is withheld, and enough others that it cannot be worked out."""
    before = _units([(s, 0, 2) for s in range(8)] + [(s, 1, 0) for s in range(8, 20)])
    after = [*before, *_units([(20, 0, 2)])]
    first = contributions(before, RECORDS)
    published = _release_of(first, K, set())
    assert shown_values(published)[("records_by_district", TOTAL, "neutral")] == 8
    now = contributions(after, RECORDS)
    moved = moved_too_few(now, [(shown_values(published), lambda: first)], K)
    assert ("records_by_district", TOTAL, "neutral") in moved
    second = shown_values(_release_of(now, K, moved))
    assert second[("records_by_district", TOTAL, "neutral")] is None
    assert second[("records_by_organisation_kind", TOTAL, "neutral")] is None


def test_a_value_withheld_last_month_is_compared_with_the_last_release_that_showed_it() -> None:
    """Shown in January, withheld in February, shown in March: a reader subtracts March from
    January, so March is compared with January, not with February."""
    key = ("records_by_district", TOTAL, "neutral")
    january = contributions(_units([(s, 0, 2) for s in range(8)]), RECORDS)
    march = contributions(_units([(s, 0, 2) for s in range(9)]), RECORDS)
    february_shown: dict[ValueKey, int | None] = {key: None}
    january_shown: dict[ValueKey, int | None] = {key: 8}

    # Compared with February it would not move at all (the same nine subjects).
    february = march

    moved = moved_too_few(
        march, [(february_shown, lambda: february), (january_shown, lambda: january)], K
    )
    assert key in moved


def _equations(values: dict[ValueKey, int | None], release: Any) -> list[list[tuple[int, Any]]]:
    """The line equations a reader writes for one release's tables: every row's cells add up
    to its total, every column's (totals column too) to its total; a pair's shared totals
    are one value (named by the table by district)."""
    del values
    equations = []
    for index, table in enumerate(release.tables):
        first_key = release.tables[index - index % 2]["key"]
        key = table["key"]
        columns = [*table["columns"], TOTAL]

        def name(row: str, col: str, key: str = key, first_key: str = first_key) -> Any:
            return (first_key if row == TOTAL else key, row, col)

        rows = [row["row"] for row in table["rows"]]
        for row in [*rows, TOTAL]:
            equations.append(
                [(1, name(row, col)) for col in table["columns"]] + [(-1, name(row, TOTAL))]
            )
        for col in columns:
            equations.append([(1, name(row, col)) for row in rows] + [(-1, name(TOTAL, col))])
    return equations


def _determined_differences(
    earlier: Any, later: Any, targets: list[dict[Any, int]]
) -> list[dict[Any, int]]:
    """Which of ``targets`` (each a combination of withheld values of both releases:
    {("later"|"earlier", value): coefficient}) a reader solves for exactly from both
    releases' equations and everything they show — rank over the rationals."""
    unknowns: dict[Any, int] = {}
    matrix_rows: list[dict[Any, int]] = []
    for which, release in (("earlier", earlier), ("later", later)):
        shown = shown_values(release)
        for equation in _equations(shown, release):
            row: dict[Any, int] = {}
            for coefficient, key in equation:
                if shown.get(key, 0) is None:  # withheld: an unknown
                    row[(which, key)] = row.get((which, key), 0) + coefficient
            if row:
                matrix_rows.append(row)
    for row in [*matrix_rows, *targets]:
        for key in row:
            unknowns.setdefault(key, len(unknowns))

    def dense(row: dict[Any, int]) -> list[Fraction]:
        out = [Fraction(0)] * len(unknowns)
        for key, coefficient in row.items():
            out[unknowns[key]] += coefficient
        return out

    matrix = [dense(row) for row in matrix_rows]
    base = _rank(matrix) if matrix else 0
    return [target for target in targets if _rank([*matrix, dense(target)]) == base]


populations = st.lists(
    st.tuples(st.integers(0, 11), st.integers(0, 2), st.integers(0, 2)), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(
    before=populations,
    dropped=st.sets(st.integers(0, 39), max_size=6),
    added=st.lists(st.tuples(st.integers(0, 14), st.integers(0, 2), st.integers(0, 2)), max_size=6),
    k=st.integers(2, 5),
)
def test_no_release_and_previous_pair_lets_a_withheld_value_or_difference_be_recovered(
    before: list[tuple[int, int, int]],
    dropped: set[int],
    added: list[tuple[int, int, int]],
    k: int,
) -> None:
    """Over random months and the changes between them: (1) every value both releases show
    changed by no subject or by k or more; (2) no value the later release withholds, and no
    difference between the releases of a value either withholds, is fixed by the equations
    of both releases and everything they show."""
    first_units = _units(before)
    second_units = [u for n, u in enumerate(first_units) if n not in dropped] + _units(added)
    first = contributions(first_units, RECORDS)
    earlier = _release_of(first, k, set())
    second = contributions(second_units, RECORDS)
    moved = moved_too_few(second, [(shown_values(earlier), lambda: first)], k)
    later = _release_of(second, k, moved)

    shown_before, shown_after = shown_values(earlier), shown_values(later)
    names = set(shown_before) | set(shown_after)
    for key in names:
        if shown_before.get(key, 0) is not None and shown_after.get(key, 0) is not None:
            changed = changed_subjects(second.get(key, Counter()), first.get(key, Counter()))
            assert changed == 0 or changed >= k, (key, changed)

    def canonical(key: ValueKey) -> ValueKey:
        _table, row, col = key
        return (RECORDS[0], row, col) if row == TOTAL else key

    targets: list[dict[Any, int]] = []
    for key in sorted({canonical(key) for key in names}):
        withheld_after = shown_after.get(key, 0) is None
        withheld_before = shown_before.get(key, 0) is None
        if withheld_after:
            targets.append({("later", key): 1})
        if withheld_after or withheld_before:
            target: dict[Any, int] = {}
            if withheld_after:
                target[("later", key)] = 1
            if withheld_before:
                target[("earlier", key)] = -1
            targets.append(target)
    assert _determined_differences(earlier, later, targets) == []


# --- the API and the page -------------------------------------------------------------


def test_the_public_reads_releases_and_the_authority_also_todays_tables(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    company_penalty(db, clock, disclosure_world)
    db.commit()
    nothing = client.get("/api/v1/industry-statistics")
    assert error_of(nothing)[:2] == (404, "no_release")
    assert client.get("/api/v1/industry-statistics/releases").json() == {"items": []}
    release_month(db, "2026-10")
    release_month(db, "2026-11")
    listed = client.get("/api/v1/industry-statistics/releases").json()["items"]
    assert [(i["period"], i["as_of"], i["min_cell"]) for i in listed] == [
        ("2026-11", "2026-11-30", K),
        ("2026-10", "2026-10-31", K),
    ]
    latest = client.get("/api/v1/industry-statistics").json()
    assert (latest["period"], latest["as_of"], latest["provisional"]) == (
        "2026-11",
        "2026-11-30",
        False,
    )
    assert latest["previous_period"] == "2026-10"
    (row,) = _tables(latest)["records_by_organisation_kind"]["rows"]
    assert row["cells"]["negative"] == {"value": None, "suppressed": True}
    assert row["row_name"] == "国家机关"
    october = client.get("/api/v1/industry-statistics", params={"period": "2026-10"}).json()
    assert _tables(october)["records_by_organisation_kind"]["rows"] == []
    missing = client.get("/api/v1/industry-statistics", params={"period": "2026-09"})
    assert error_of(missing)[:2] == (404, "no_release")
    malformed = client.get("/api/v1/industry-statistics", params={"period": "2026-13"})
    assert error_of(malformed)[:2] == (422, "invalid_month")
    csv = client.get("/api/v1/industry-statistics.csv", params={"period": "2026-11", "lang": "en"})
    assert 'filename="industry-statistics-2026-11.csv"' in csv.headers["content-disposition"]
    assert "records_by_organisation_kind,state_organ,State organ,negative,*" in csv.text

    # Today's tables: the credit authority only, and labelled provisional.
    provisional = {"view": "provisional"}
    anonymous = client.get("/api/v1/industry-statistics", params=provisional)
    assert anonymous.status_code == 401
    clerk = client.get(
        "/api/v1/industry-statistics",
        params=provisional,
        headers=auth_headers(client, "bank_clerk"),
    )
    assert clerk.status_code == 403
    authority = auth_headers(client, "authority")
    today = client.get("/api/v1/industry-statistics", params=provisional, headers=authority)
    assert today.status_code == 200, today.text
    assert (today.json()["provisional"], today.json()["as_of"]) == (True, "2026-11-27")
    today_csv = client.get("/api/v1/industry-statistics.csv", params=provisional, headers=authority)
    assert (
        "industry-statistics-provisional-2026-11-27.csv" in today_csv.headers["content-disposition"]
    )


def test_the_page_shows_the_releases_and_the_authority_the_provisional_tables(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    company_penalty(db, clock, disclosure_world)
    db.commit()
    empty = client.get("/statistics/industry", headers=HTML)
    assert empty.status_code == 200
    assert "尚无发布" in empty.text
    release_month(db, "2026-10")
    release_month(db, "2026-11")
    page = client.get("/statistics/industry", headers=HTML).text
    assert 'data-period="2026-11"' in page  # the latest, shown
    assert 'href="/statistics/industry?period=2026-10"' in page
    assert "view=provisional" not in page  # not offered to the public
    assert 'href="/api/v1/industry-statistics.csv?period=2026-11"' in page
    october = client.get("/statistics/industry", params={"period": "2026-10"}, headers=HTML)
    assert 'id="statistics-status" data-period="2026-10"' in october.text
    refused = client.get("/statistics/industry", params={"view": "provisional"}, headers=HTML)
    assert refused.status_code in (401, 303)
    log_in(client, "authority")
    authority = client.get("/statistics/industry", headers=HTML).text
    assert 'data-view="provisional"' in authority
    today = client.get("/statistics/industry", params={"view": "provisional"}, headers=HTML)
    assert 'data-provisional="true"' in today.text
    assert "临时" in today.text


# --- the daily job ----------------------------------------------------------------------


@pytest.mark.test_database
def test_the_daily_job_releases_the_finished_months_and_then_nothing(
    database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`xinyong jobs run` releases the month before the first run, then each finished month
    after the latest release, one transaction each; run again it releases nothing.
    `xinyong statistics releases` lists them."""
    first = CliRunner().invoke(app, ["jobs", "run"])
    assert first.exit_code == 0, first.output
    assert "industry statistics released for 1 months (2026-10)" in first.output
    again = CliRunner().invoke(app, ["jobs", "run"])
    assert again.exit_code == 0, again.output
    assert "industry statistics released for 0 months" in again.output
    monkeypatch.setattr(xinyong.cli.jobs, "clock", JANUARY)
    later = CliRunner().invoke(app, ["jobs", "run"])
    assert "industry statistics released for 2 months (2026-11, 2026-12)" in later.output
    listed = CliRunner().invoke(app, ["statistics", "releases"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert [line.split()[0] for line in lines] == ["2026-12", "2026-11", "2026-10"]
    assert "suppressed also against 2026-11" in lines[0]
    assert "suppressed also against none (the first)" in lines[2]
