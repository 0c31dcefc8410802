"""Joint check benchmark (issue 5): one API call checking 100,000 subjects for one matter,
against a raw SQL join that finds the same list entries for the same subjects.

    uv run python bench/joint_check.py               # 1,000,000 subjects, 50,000 entries, 100,000 checked
    uv run python bench/joint_check.py --quick       # 50,000 / 2,500 / 10,000: a smoke run for CI
    uv run python bench/joint_check.py --postgres    # the same against PostgreSQL, in its own schema
    uv run python bench/joint_check.py --profile     # also cProfile the check in-process

The platform gets the Fuzhou rule packs (record types, calendar, list standards, the
default measure list); subjects, list entries and negative records (for the green
channel) go in with Core bulk inserts. The checked subjects mix listed, unlisted and
unregistered codes. Both run in the same process, alternately, ``--rounds`` times each
(default 3, the raw join first, so neither alone pays for the first reads after the bulk
load), and their medians are compared, so the ratio is robust to how busy the machine
is. Each round's times are printed; the API figure is the whole call (request parsing,
check, response) as a client sees it. The last line is
``ratio=<pipeline subjects/s ÷ raw join subjects/s>`` (targets: ≥ 0.5, API call < 10 s).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from xinyong import bootstrap  # noqa: E402
from xinyong.accounts import api_keys  # noqa: E402
from xinyong.accounts import service as accounts  # noqa: E402
from xinyong.accounts.models import OrganisationKind, Role  # noqa: E402
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor  # noqa: E402
from xinyong.catalog import service as catalog  # noqa: E402
from xinyong.clock import CHINA, FixedClock  # noqa: E402
from xinyong.collection.models import CreditRecord, RecordStatus  # noqa: E402
from xinyong.config import Settings  # noqa: E402
from xinyong.db.bulk import bulk_insert  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.ids import allocate_ids  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.db.session import make_session_factory, unit_of_work  # noqa: E402
from xinyong.identifiers import (  # noqa: E402
    USCC_ALPHABET,
    check_uscc,
    organisation_code_check_character,
    uscc_check_character,
)
from xinyong.lists import entries as list_entries  # noqa: E402
from xinyong.lists import joint_checks  # noqa: E402
from xinyong.lists.models import EntryStatus, ListEntry, ListStandard  # noqa: E402
from xinyong.subjects.models import Subject, SubjectKind  # noqa: E402
from xinyong.web.app import create_app  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_joint_check"
MATTER = "public_resource_trading"
# The green channel's years, as configured by default (XINYONG_GREEN_CHANNEL_CLEAN_YEARS).
CLEAN_YEARS = Settings.model_fields["green_channel_clean_years"].default
NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CHINA)
REGULATOR = "113501000036441868"
INSERT_CHUNK = 50_000
# Standards the entries are drawn from, with their share of the entries.
MIX = (("dishonest_subject", 0.5), ("serious_fair_competition", 0.2), ("integrity_model", 0.3))


@dataclass(frozen=True)
class Size:
    subjects: int
    entries: int
    checked: int
    records: int


FULL = Size(subjects=1_000_000, entries=50_000, checked=100_000, records=100_000)
QUICK = Size(subjects=50_000, entries=2_500, checked=10_000, records=5_000)


def usccs(count: int) -> Iterator[str]:
    """``count`` distinct valid codes: 91 (enterprise) + 350100 (Fuzhou) + an 'M'-series
    organisation code numbered in base 31, with both check characters."""
    base = len(USCC_ALPHABET)
    for number in range(count):
        digits = []
        for _ in range(7):
            number, rest = divmod(number, base)
            digits.append(USCC_ALPHABET[rest])
        # GB 11714 bodies are digits and capitals; the USCC alphabet is a subset of them.
        organisation = "M" + "".join(reversed(digits))
        body = "91350100" + organisation + organisation_code_check_character(organisation)
        yield body + uscc_check_character(body)


def fresh_database(url: str | None, workdir: Path) -> Engine:
    if url is None:
        return make_engine(f"sqlite:///{workdir / 'joint_check.sqlite3'}")
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})


def prepare(
    engine: Engine, clock: FixedClock, size: Size, rng: random.Random
) -> tuple[str, list[str]]:
    """The platform with its rule packs, the subjects, entries and records; returns an API
    key of a query officer and the codes to check."""
    upgrade(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        bootstrap.load_rule_pack(session, clock)
        regulator = accounts.create_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            code=REGULATOR,
            name="福州市市场监督管理局",
            kind=OrganisationKind.STATE_ORGAN,
        )
        # Registered and released by the operator (decision 0033): a bench has no staff.
        key = api_keys.create_api_key(
            session,
            clock,
            SYSTEM_ACTOR,
            organisation=regulator,
            role=Role.QUERY_OFFICER,
            name="联合奖惩核查",
        )
        _key, secret = api_keys.release_api_key(session, clock, SYSTEM_ACTOR, key.id)
        regulator_id = regulator.id

    started = time.perf_counter()
    codes = list(usccs(size.subjects))
    sample = rng.sample(codes, 1000)
    assert all(check_uscc(code).valid for code in sample)
    print(f"  {size.subjects:,} codes generated in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    now = clock.now()
    # Registered on the platform over the last six years, so that some unlisted subjects are
    # too recent for three clean years (Art. 16(1)) and the rest are asked about further
    # back. Drawn apart from ``rng``, whose sequence picks the entries and the codes checked.
    registered = random.Random(20261203)
    with unit_of_work(factory) as session:
        ids = allocate_ids(session, Subject.__table__, size.subjects)
        for start in range(0, size.subjects, INSERT_CHUNK):
            bulk_insert(
                session,
                Subject.__table__,
                [
                    {
                        "id": ids[i],
                        "kind": SubjectKind.LEGAL_PERSON,
                        "reference": codes[i],
                        "name": f"福州基准{i}号贸易有限公司",
                        "name_normalised": f"福州基准{i}号贸易有限公司",
                        "uscc": codes[i],
                        "uscc_unverified": False,
                        "division": "350100",
                        "created_at": now - dt.timedelta(days=registered.randrange(6 * 365)),
                    }
                    for i in range(start, min(start + INSERT_CHUNK, size.subjects))
                ],
            )
    print(f"  {size.subjects:,} subjects inserted in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    today = clock.today()
    listed = rng.sample(range(size.subjects), size.entries)
    with unit_of_work(factory) as session:
        standards = {s.code: s for s in session.scalars(select(ListStandard))}
        rows: list[dict[str, Any]] = []
        for n, index in enumerate(listed):
            std = _pick(standards, n / size.entries)
            approved = today - dt.timedelta(days=rng.randrange(1, 700))
            status = EntryStatus.PUBLISHED
            if n % 20 == 0:
                status = EntryStatus.REMOVED  # 5 % left early: not found by either side
            rows.append(
                {
                    "subject_id": ids[index],
                    "standard_id": std.id,
                    "kind": std.kind,
                    "tier": std.tier,
                    "status": status,
                    "recognising_organisation_id": regulator_id,
                    "proposed_by": "user:1",
                    "proposed_at": now,
                    "criteria_met": std.criteria,
                    "reasons": f"基准测试认定理由 {n}",
                    "evidence": f"榕市监罚〔2026〕{n}号",
                    "legal_basis": std.legal_basis,
                    "approved_by": "user:2",
                    "approved_at": now,
                    "term_start": approved,
                    "term_end": list_entries.add_months(approved, std.term_months),
                }
            )
        entry_ids = allocate_ids(session, ListEntry.__table__, len(rows))
        for row, entry_id in zip(rows, entry_ids, strict=True):
            row["id"] = entry_id
        for start in range(0, len(rows), INSERT_CHUNK):
            bulk_insert(session, ListEntry.__table__, rows[start : start + INSERT_CHUNK])

        penalty = catalog.record_type_by_code(session, "administrative_penalty")
        record_rows = []
        for n in range(size.records):
            subject_id = ids[rng.randrange(size.subjects)]
            decided = today - dt.timedelta(days=rng.randrange(1, 5 * 365))
            record_rows.append(
                {
                    "record_type_id": penalty.id,
                    "subject_id": subject_id,
                    "source_organisation_id": regulator_id,
                    "natural_key": f"{subject_id}|榕市监罚〔基准〕{n}号",
                    "status": RecordStatus.REPAIRED if n % 10 == 0 else RecordStatus.ACTIVE,
                    "current_version_no": 1,
                    "decision_date": decided,
                    "received_at": now,
                    "severity": "general",
                    "awaiting_review": False,
                    "late": False,
                    "self_declared": False,
                    "rule_source": "city rule v1",
                    "payload_hash": f"{n:064d}",
                    "updated_at": now,
                }
            )
        record_ids = allocate_ids(session, CreditRecord.__table__, len(record_rows))
        for row, record_id in zip(record_rows, record_ids, strict=True):
            row["id"] = record_id
        for start in range(0, len(record_rows), INSERT_CHUNK):
            bulk_insert(session, CreditRecord.__table__, record_rows[start : start + INSERT_CHUNK])
    # Planner statistics, as a database in service has them (autovacuum on PostgreSQL,
    # `xinyong jobs run` on SQLite). Committed: on SQLite the engine opens every
    # connection's transaction itself, so a bare connect() would roll ANALYZE back.
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    print(
        f"  {size.entries:,} list entries and {size.records:,} negative records inserted in "
        f"{time.perf_counter() - started:.1f} s"
    )

    # A fifth of the checked subjects are listed (or were: removed entries), the rest are
    # not; 1 % are valid codes nobody registered.
    listed_share = min(size.checked // 5, size.entries)
    unknown = size.checked // 100
    chosen = set(listed[:listed_share])
    others: list[int] = []
    while len(others) < size.checked - listed_share - unknown:
        candidate = rng.randrange(size.subjects)
        if candidate not in chosen:
            chosen.add(candidate)
            others.append(candidate)
    checked = [codes[i] for i in listed[:listed_share]] + [codes[i] for i in others]
    checked += list(usccs(size.subjects + unknown))[size.subjects :]
    rng.shuffle(checked)
    return secret, checked


def _pick(standards: dict[str, ListStandard], position: float) -> ListStandard:
    cumulative = 0.0
    for code, share in MIX:
        cumulative += share
        if position < cumulative:
            return standards[code]
    return standards[MIX[-1][0]]


def run_rounds(
    engine: Engine,
    clock: FixedClock,
    workdir: Path,
    secret: str,
    checked: list[str],
    rounds: int,
) -> tuple[list[float], list[dict[str, Any]], list[float], set[tuple[str, int]]]:
    """The API call and the raw join, alternately, ``rounds`` times each (raw join first):
    both meet the database in the same state — the first to run after the bulk load would
    otherwise pay alone for reading every page from disk — and the medians are robust to
    a neighbour's burst on this shared machine."""
    app = create_app(Settings(data_dir=workdir), clock=clock, engine=engine)
    api_seconds: list[float] = []
    raw_seconds: list[float] = []
    results: list[dict[str, Any]] = []
    raw_found: set[tuple[str, int]] = set()
    with TestClient(app) as client:
        # One small call first, as a running server has had: imports, caches, connections.
        warm = client.post(
            "/api/v1/joint-checks",
            json={"matter": MATTER, "subjects": checked[:10]},
            headers={"X-API-Key": secret},
        )
        assert warm.status_code == 200, warm.text[:500]
        for round_number in range(1, rounds + 1):
            seconds, raw_found = run_raw(engine, clock, checked)
            raw_seconds.append(seconds)
            started = time.perf_counter()
            response = client.post(
                "/api/v1/joint-checks",
                json={"matter": MATTER, "subjects": checked},
                headers={"X-API-Key": secret},
            )
            api_seconds.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text[:500]
            results = response.json()["results"]
            print(
                f"  round {round_number}: raw join {raw_seconds[-1]:.2f} s, "
                f"API call {api_seconds[-1]:.2f} s"
            )
    return api_seconds, results, raw_seconds, raw_found


def run_raw(
    engine: Engine, clock: FixedClock, checked: list[str]
) -> tuple[float, set[tuple[str, int]]]:
    """The baseline: the codes into a temporary table (COPY on PostgreSQL, executemany on
    SQLite) with an index on the code (without one SQLite scans the table once per entry)
    and statistics, one join to subjects and their list entries in force, rows fetched."""
    today = clock.today()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        create = "CREATE TEMPORARY TABLE checked (position integer PRIMARY KEY, code text)"
        if engine.dialect.name == "postgresql":
            cursor.execute(create)
            with cursor.copy("COPY checked FROM STDIN") as copy:  # type: ignore[attr-defined]
                for position, code in enumerate(checked):
                    copy.write_row((position, code))
            cursor.execute("CREATE INDEX ix_checked_code ON checked (code)")
            cursor.execute("ANALYZE checked")
            placeholder = "%s"
        else:
            cursor.execute("BEGIN")
            cursor.execute(create)
            cursor.executemany("INSERT INTO checked VALUES (?, ?)", list(enumerate(checked)))
            cursor.execute("CREATE INDEX temp.ix_checked_code ON checked (code)")
            placeholder = "?"
        cursor.execute(
            "SELECT c.position, c.code, e.id, e.kind, e.tier, e.legal_basis, e.reasons, e.term_end "
            "FROM checked c JOIN subject s ON s.uscc = c.code "
            "JOIN list_entry e ON e.subject_id = s.id "
            f"WHERE e.status = 'published' AND e.term_start <= {placeholder} "
            f"AND e.term_end >= {placeholder} ORDER BY c.position",
            (today, today),
        )
        rows = cursor.fetchall()
        seconds = time.perf_counter() - started
        raw.rollback()
    finally:
        raw.close()
    return seconds, {(row[1], int(row[2])) for row in rows}


def profile_check(engine: Engine, clock: FixedClock, checked: list[str]) -> float:
    """The check in-process, outside HTTP: its time, the JSON encoding's, and a profile
    (the driver's ``fetchall`` is the SQL; the rest is Python assembly). Returns the
    seconds of check and encoding, to tell the HTTP share of the API call."""
    actor = Actor(kind="system", label="bench")
    with Session(engine) as session:
        # Warmed up first, as the API call is: the first check pays for caches and imports.
        joint_checks.check(session, clock, actor, MATTER, checked[:10], clean_years=CLEAN_YEARS)
        session.rollback()
        started = time.perf_counter()
        result = joint_checks.check(session, clock, actor, MATTER, checked, clean_years=CLEAN_YEARS)
        checked_at = time.perf_counter()
        body = result.to_json()
        encoded_at = time.perf_counter()
        session.rollback()
    print(
        f"  in-process: check {checked_at - started:.3f} s, JSON encoding "
        f"{encoded_at - checked_at:.3f} s ({len(body) / 1e6:.1f} MB)"
    )
    with Session(engine) as session:
        profiler = cProfile.Profile()
        profiler.enable()
        joint_checks.check(session, clock, actor, MATTER, checked, clean_years=CLEAN_YEARS)
        profiler.disable()
        session.rollback()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return encoded_at - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="50,000 subjects, 10,000 checked")
    parser.add_argument("--postgres", action="store_true", help=f"run against {POSTGRES_URL}")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile the check as well")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating runs of each (medians compared)"
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    url = args.database_url or (POSTGRES_URL if args.postgres else None)
    clock = FixedClock(NOW)
    rng = random.Random(20261127)
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        workdir = Path(tmp)
        print(
            f"database: {'PostgreSQL' if url else 'SQLite'}; {size.subjects:,} subjects, "
            f"{size.entries:,} list entries, {size.records:,} negative records; "
            f"checking {size.checked:,} subjects in '{MATTER}'"
        )
        engine = fresh_database(url, workdir)
        secret, checked = prepare(engine, clock, size, rng)
        in_process = profile_check(engine, clock, checked) if args.profile else None

        api_runs, results, raw_runs, raw_found = run_rounds(
            engine, clock, workdir, secret, checked, args.rounds
        )
        engine.dispose()
        api_seconds, raw_seconds = statistics.median(api_runs), statistics.median(raw_runs)

        # Answers come by position, in the order given.
        assert len(results) == len(checked)
        api_found = {
            (code, s["entry_id"])
            for code, r in zip(checked, results, strict=True)
            for s in r.get("list_status", ())
        }
        assert api_found == raw_found, (len(api_found), len(raw_found))
        found = sum(r["found"] for r in results)
        listed = sum(bool(r.get("list_status")) for r in results)
        measures = sum(len(r.get("measures", ())) for r in results)
        green = sum(r["green_channel"] for r in results)
        print(
            f"checked {len(results):,}: {found:,} registered, {listed:,} listed "
            f"({len(raw_found):,} entries, the same as the raw join), {measures:,} measures "
            f"applicable, {green:,} green channel"
        )
        api_rate = len(checked) / api_seconds
        raw_rate = len(checked) / raw_seconds
        print(
            f"API call: {api_seconds:.2f} s wall (median of {len(api_runs)}; slowest "
            f"{max(api_runs):.2f} s), {api_rate:,.0f} subjects/s"
        )
        if in_process is not None:
            print(
                f"  of which HTTP (TestClient, request parsing): ~{api_seconds - in_process:.2f} s"
            )
        print(
            f"raw join: {raw_seconds:.2f} s (median of {len(raw_runs)}), {raw_rate:,.0f} subjects/s"
        )
        print(f"ratio={api_rate / raw_rate:.3f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
