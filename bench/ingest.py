"""Ingestion benchmark (issue 3): the full pipeline against a raw bulk insert of the same file.

    uv run python bench/ingest.py                 # 1,000,000 rows on SQLite
    uv run python bench/ingest.py --quick         # 20,000 rows, a smoke run for CI
    uv run python bench/ingest.py --postgres      # the same against PostgreSQL (COPY baseline)
    uv run python bench/ingest.py --quick --profile /tmp/ingest.prof   # where the time goes

Both runs read the same 双公示 penalty CSV, in the same process, one after the other, so
the ratio is robust to how busy this machine is. The last line is
``ratio=<pipeline rows/s ÷ raw rows/s>``.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import csv
import datetime as dt
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())

from sqlalchemy import Engine, insert, text  # noqa: E402

from datagen import generate_penalty_csv, make_known_subjects  # noqa: E402

# ``lists``: its hooks registered, as the web app and the CLI run the pipeline — every batch of
# public negative records asks after the red-list entries in force (decision 0041).
from xinyong import calendar_store, lists  # noqa: E402, F401
from xinyong.accounts import service as accounts  # noqa: E402
from xinyong.accounts.models import OrganisationKind  # noqa: E402
from xinyong.accounts.permissions import SYSTEM_ACTOR  # noqa: E402
from xinyong.catalog import service as catalog  # noqa: E402
from xinyong.clock import CHINA, FixedClock  # noqa: E402
from xinyong.collection import pipeline, readers, sources  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.db.session import make_session_factory, unit_of_work  # noqa: E402
from xinyong.subjects import name_index, names  # noqa: E402
from xinyong.subjects.models import Subject, SubjectKind, SubjectName  # noqa: E402

SOURCE = "113501000036441868"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
RAW_COLUMNS = 23


def fresh_database(url: str | None, workdir: Path, name: str) -> Engine:
    if url is None:
        return make_engine(f"sqlite:///{workdir / (name + '.sqlite3')}")
    schema = f"bench_{name}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def prepare_platform(engine: Engine, clock: FixedClock, known: list[tuple[str, str]]) -> None:
    upgrade(engine)
    with unit_of_work(make_session_factory(engine)) as session:
        catalog.load_rule_pack(session, clock)
        calendar_store.load_official(session, clock)
        organisation = accounts.create_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            code=SOURCE,
            name="福州市市场监督管理局",
            kind=OrganisationKind.STATE_ORGAN,
        )
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, "administrative_penalty")
        # Known subjects are registered up front, as a running platform would have them.
        now = clock.now()
        index = name_index.BulkIndex(session)
        for start in range(0, len(known), 5000):
            part = known[start : start + 5000]
            ids = session.scalars(
                insert(Subject).returning(Subject.id, sort_by_parameter_order=True),
                [
                    {
                        "kind": SubjectKind.LEGAL_PERSON,
                        "reference": code,
                        "name": name,
                        "name_normalised": names.normalise_name(name),
                        "uscc": code,
                        "uscc_unverified": False,
                        "division": code[2:8],
                        "created_at": now,
                    }
                    for code, name in part
                ],
            ).all()
            session.execute(
                insert(SubjectName),
                [
                    {
                        "subject_id": sid,
                        "name": name,
                        "normalised": names.normalise_name(name),
                        "core": names.core_name(name),
                        "current": True,
                    }
                    for sid, (_code, name) in zip(ids, part, strict=True)
                ],
            )
            # The name index, as the pipeline writes it with the names it registers.
            index.write(
                (sid, names.normalise_name(name), names.core_name(name))
                for sid, (_code, name) in zip(ids, part, strict=True)
            )


def run_pipeline(
    engine: Engine, clock: FixedClock, path: Path
) -> tuple[float, pipeline.BatchReport]:
    started = time.perf_counter()
    with unit_of_work(make_session_factory(engine)) as session:
        organisation = accounts.organisation_by_code(session, SOURCE)
        with readers.open_rows(path, readers.FileFormat.CSV) as rows:
            report = pipeline.ingest(
                session,
                clock,
                SYSTEM_ACTOR,
                pipeline.Submission(
                    organisation,
                    "administrative_penalty",
                    "cli",
                    content_hash=f"bench-{time.time()}",
                    filename=path.name,
                ),
                rows.headers,
                rows,
            )
    return time.perf_counter() - started, report


def run_raw(engine: Engine, path: Path) -> float:
    """The baseline: csv module + executemany (COPY on PostgreSQL) into a plain table with
    the same unique key (decision number + subject code)."""
    columns = ", ".join(f"c{i} TEXT" for i in range(RAW_COLUMNS))
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS raw_penalty")
        connection.exec_driver_sql(f"CREATE TABLE raw_penalty ({columns}, UNIQUE (c6, c2, c5))")
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            if engine.dialect.name == "postgresql":
                with cursor.copy("COPY raw_penalty FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in reader:
                        copy.write_row(row)
            else:
                # The connection is in autocommit mode (see db.engine); one transaction, as
                # the pipeline has.
                cursor.execute("BEGIN")
                placeholders = ", ".join("?" * RAW_COLUMNS)
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) == 10_000:
                        cursor.executemany(
                            f"INSERT INTO raw_penalty VALUES ({placeholders})", batch
                        )
                        batch = []
                if batch:
                    cursor.executemany(f"INSERT INTO raw_penalty VALUES ({placeholders})", batch)
            raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--postgres", action="store_true", help=f"run against {POSTGRES_URL}")
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="write a cProfile of the pipeline run to this file (slows the pipeline down)",
    )
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    url = args.database_url or (POSTGRES_URL if args.postgres else None)
    clock = FixedClock(dt.datetime(2026, 11, 28, 10, 0, tzinfo=CHINA))
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        workdir = Path(tmp)
        known = make_known_subjects(max(1000, rows // 20))
        generated = generate_penalty_csv(
            workdir / "penalties.csv", rows, known_subjects=known, known_share=0.3
        )
        size_mb = generated.path.stat().st_size / 1e6
        database = "PostgreSQL" if url else "SQLite"
        print(
            f"file: {rows:,} rows, {size_mb:.0f} MB ({generated.known_rows:,} about known "
            f"subjects, {generated.persons:,} about natural persons); database: {database}"
        )
        engine = fresh_database(url, workdir, "pipeline")
        prepare_platform(engine, clock, known)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        pipeline_seconds, report = run_pipeline(engine, clock, generated.path)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        engine.dispose()
        batch = report.batch
        print(
            f"pipeline: {pipeline_seconds:.1f} s, {rows / pipeline_seconds:,.0f} rows/s "
            f"(created {batch.created:,}, rejected {batch.rejected:,}, held {batch.held:,}, "
            f"new subjects {batch.new_subjects:,}); peak RSS {rss_after:.0f} MB "
            f"(was {rss_before:.0f} MB before the import)"
        )
        raw_engine = fresh_database(url, workdir, "raw")
        raw_seconds = run_raw(raw_engine, generated.path)
        raw_engine.dispose()
        method = "COPY" if url else "executemany"
        print(f"raw {method}: {raw_seconds:.1f} s, {rows / raw_seconds:,.0f} rows/s")
        print(f"ratio={(rows / pipeline_seconds) / (rows / raw_seconds):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
