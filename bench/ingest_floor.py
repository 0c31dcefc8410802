"""Where the ingestion ratio's ceiling lies (issue 3, decision 0012): the database's share.

    uv run python bench/ingest_floor.py               # 100,000 rows on SQLite
    uv run python bench/ingest_floor.py --quick       # 20,000 rows, a smoke run

`bench/ingest.py` compares the whole pipeline with a raw load of the same file. This
benchmark asks how much of the pipeline's time the database alone takes, whatever Python
does: it runs the pipeline once, reads back every row the batch wrote, and times writing
exactly those rows again, as prepared tuples in one transaction with the platform's
connection settings, into

- the platform's schema as it is (subject, subject_name, subject_name_pair — the name
  search's index —, credit_record, record_version),
- a leaner model a rewrite could use: a record's identity and its current version in one
  row, the payload as a JSON array of values in the record type's field order (the field
  names kept once, with the record type version), the payload hash as 16 bytes, and a
  subject's current name on the subject row,

and the raw baseline of `bench/ingest.py` on the same file. Each floor's ratio is
``raw seconds ÷ floor seconds``: the ratio the pipeline would reach if all its Python work
took no time. Last line: ``ratio=<that ratio for the platform's schema>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest
from xinyong.clock import CHINA, FixedClock
from xinyong.db.bulk import BATCH_CACHE_KIB

CHUNK = 5000  # records per chunk, as the pipeline writes them
TABLES = ("subject", "subject_name", "subject_name_pair", "credit_record", "record_version")
LEAN_SCHEMA = (
    """CREATE TABLE subject (
        id INTEGER PRIMARY KEY, kind VARCHAR(32) NOT NULL, reference VARCHAR(24) NOT NULL UNIQUE,
        name VARCHAR(200) NOT NULL, name_normalised VARCHAR(200) NOT NULL,
        uscc VARCHAR(18) UNIQUE, uscc_unverified BOOLEAN NOT NULL,
        citizen_id_ciphertext VARCHAR(200), citizen_id_index VARCHAR(64) UNIQUE,
        citizen_id_masked VARCHAR(18), division VARCHAR(6), created_at DATETIME NOT NULL)""",
    """CREATE TABLE credit_record (
        id INTEGER PRIMARY KEY, record_type_id INTEGER NOT NULL,
        subject_id INTEGER NOT NULL REFERENCES subject (id),
        source_organisation_id INTEGER NOT NULL, natural_key VARCHAR(300) NOT NULL,
        status VARCHAR(24) NOT NULL, version_no INTEGER NOT NULL, decision_date DATE NOT NULL,
        received_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, severity VARCHAR(16),
        publicity_start DATE, publicity_end DATE, awaiting_review BOOLEAN, late BOOLEAN,
        working_days_to_submit INTEGER, self_declared BOOLEAN, rule_source VARCHAR(64),
        payload_hash BLOB NOT NULL, payload TEXT NOT NULL, sensitive_ciphertext TEXT,
        reason VARCHAR(64) NOT NULL, batch_id INTEGER, actor VARCHAR(64),
        conduct_ended_on DATE, retained_until DATE,
        UNIQUE (record_type_id, source_organisation_id, natural_key))""",
    "CREATE INDEX ix_credit_record_subject ON credit_record (subject_id, record_type_id)",
)


def connect(path: Path) -> sqlite3.Connection:
    """The platform's connection settings (db.engine) and its batch page cache (db.bulk)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "foreign_keys=ON",
        "journal_mode=WAL",
        "synchronous=FULL",
        f"cache_size=-{BATCH_CACHE_KIB}",
    ):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def read_table(
    connection: sqlite3.Connection, table: str
) -> tuple[list[str], list[tuple[Any, ...]]]:
    # subject_name_pair has no rowid: its primary key is the table.
    order = "pair, core_length, subject_id" if table == "subject_name_pair" else "rowid"
    cursor = connection.execute(f"SELECT * FROM {table} ORDER BY {order}")
    return [column[0] for column in cursor.description], cursor.fetchall()


def chunks(
    subjects: list[tuple[Any, ...]], records: list[tuple[Any, ...]], subject_at: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The records in chunks, each with the new subjects its records need first, as the
    pipeline registers them."""
    taken = 0
    for start in range(0, len(records), CHUNK):
        part = records[start : start + CHUNK]
        needed = max(row[subject_at] for row in part)
        end = taken
        while end < len(subjects) and subjects[end][0] <= needed:
            end += 1
        yield subjects[taken:end], part
        taken = end


def timed_load(path: Path, statements: list[tuple[str, list[tuple[Any, ...]]]]) -> float:
    connection = connect(path)
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for sql, rows in statements:
        connection.executemany(sql, rows)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def insert_sql(table: str, columns: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    clock = FixedClock(dt.datetime(2026, 11, 28, 10, 0, tzinfo=CHINA))
    with tempfile.TemporaryDirectory(prefix="xinyong-floor-") as tmp:
        workdir = Path(tmp)
        known = ingest.make_known_subjects(max(1000, rows // 20))
        generated = ingest.generate_penalty_csv(
            workdir / "penalties.csv", rows, known_subjects=known, known_share=0.3
        )
        engine = ingest.fresh_database(None, workdir, "pipeline")
        ingest.prepare_platform(engine, clock, known)
        engine.dispose()  # checkpoints the WAL: the file alone is the platform before the batch
        shutil.copy(workdir / "pipeline.sqlite3", workdir / "before.sqlite3")
        engine = ingest.fresh_database(None, workdir, "pipeline")
        pipeline_seconds, report = ingest.run_pipeline(engine, clock, generated.path)
        engine.dispose()

        written = sqlite3.connect(workdir / "pipeline.sqlite3")
        before = sqlite3.connect(workdir / "before.sqlite3")
        (known_up_to,) = before.execute("SELECT coalesce(max(id), 0) FROM subject").fetchone()
        before.close()
        data = {table: read_table(written, table) for table in TABLES}
        batch_columns, batches = read_table(written, "batch")
        written.close()

        subject_columns, subject_rows = data["subject"]
        subject_id = subject_columns.index("id")
        new_subjects = [row for row in subject_rows if row[subject_id] > known_up_to]
        name_columns, name_rows = data["subject_name"]
        new_names = [
            row for row in name_rows if row[name_columns.index("subject_id")] > known_up_to
        ]
        pair_columns, pair_rows = data["subject_name_pair"]
        pairs_by_subject: dict[int, list[tuple[Any, ...]]] = {}
        for row in pair_rows:
            sid = row[pair_columns.index("subject_id")]
            if sid > known_up_to:
                pairs_by_subject.setdefault(sid, []).append(row)
        record_columns, record_rows = data["credit_record"]
        version_columns, version_rows = data["record_version"]
        payload_bytes = sum(
            len(row[version_columns.index("payload")].encode()) for row in version_rows
        )

        # The platform's schema: the same rows, in the order the pipeline writes them.
        current = workdir / "current.sqlite3"
        shutil.copy(workdir / "before.sqlite3", current)
        setup = connect(current)
        setup.executemany(insert_sql("batch", batch_columns), batches)
        setup.close()
        subjects_first = [subject_columns[subject_id]] + [
            c for i, c in enumerate(subject_columns) if i != subject_id
        ]
        subject_tuples = [
            (row[subject_id], *(v for i, v in enumerate(row) if i != subject_id))
            for row in new_subjects
        ]
        names_by_subject = {row[name_columns.index("subject_id")]: row for row in new_names}
        versions_by_record = {row[version_columns.index("record_id")]: row for row in version_rows}
        statements: list[tuple[str, list[tuple[Any, ...]]]] = []
        record_subject = record_columns.index("subject_id")
        record_id = record_columns.index("id")
        for subjects_part, records_part in chunks(subject_tuples, record_rows, record_subject):
            statements.append((insert_sql("subject", subjects_first), subjects_part))
            statements.append(
                (
                    insert_sql("subject_name", name_columns),
                    [names_by_subject[row[0]] for row in subjects_part],
                )
            )
            statements.append(
                (
                    insert_sql("subject_name_pair", pair_columns),
                    sorted(p for row in subjects_part for p in pairs_by_subject.get(row[0], [])),
                )
            )
            statements.append((insert_sql("credit_record", record_columns), records_part))
            statements.append(
                (
                    insert_sql("record_version", version_columns),
                    [versions_by_record[row[record_id]] for row in records_part],
                )
            )
        current_seconds = timed_load(current, statements)

        # The leaner model: identity and current version in one row, payload as values.
        lean = workdir / "lean.sqlite3"
        setup = connect(lean)
        for sql in LEAN_SCHEMA:
            setup.execute(sql)
        lean_subject_columns = subjects_first
        known_subjects = [
            (row[subject_id], *(v for i, v in enumerate(row) if i != subject_id))
            for row in subject_rows
            if row[subject_id] <= known_up_to
        ]
        setup.execute("BEGIN")
        setup.executemany(insert_sql("subject", lean_subject_columns), known_subjects)
        setup.execute("COMMIT")
        setup.close()
        payload_at = version_columns.index("payload")
        field_names = sorted(json.loads(version_rows[0][payload_at]))
        kept = [c for c in record_columns if c not in ("current_version_no", "payload_hash")]
        lean_columns = [
            *kept,
            "version_no",
            "payload_hash",
            "payload",
            "sensitive_ciphertext",
            "reason",
            "batch_id",
            "actor",
        ]
        lean_payload_bytes = 0
        lean_records: list[tuple[Any, ...]] = []
        for row in record_rows:
            version = versions_by_record[row[record_id]]
            payload = json.loads(version[payload_at])
            values = json.dumps(
                [payload.get(name) for name in field_names],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            lean_payload_bytes += len(values.encode())
            lean_records.append(
                (
                    *(row[record_columns.index(c)] for c in kept),
                    version[version_columns.index("version_no")],
                    bytes.fromhex(version[version_columns.index("payload_hash")])[:16],
                    values,
                    version[version_columns.index("sensitive_ciphertext")],
                    version[version_columns.index("reason")],
                    version[version_columns.index("batch_id")],
                    version[version_columns.index("actor")],
                )
            )
        lean_statements: list[tuple[str, list[tuple[Any, ...]]]] = []
        lean_subject = lean_columns.index("subject_id")
        for subjects_part, records_part in chunks(subject_tuples, lean_records, lean_subject):
            lean_statements.append((insert_sql("subject", lean_subject_columns), subjects_part))
            lean_statements.append((insert_sql("credit_record", lean_columns), records_part))
        lean_seconds = timed_load(lean, lean_statements)

        raw_engine = ingest.fresh_database(None, workdir, "raw")
        raw_seconds = ingest.run_raw(raw_engine, generated.path)
        raw_engine.dispose()

    records = len(record_rows)
    print(
        f"file: {rows:,} rows; the batch wrote {records:,} records and "
        f"{len(new_subjects):,} new subjects (created {report.batch.created:,})"
    )
    print(f"pipeline: {pipeline_seconds:.2f} s")
    print(
        f"floor, platform schema: {current_seconds:.2f} s for what the batch wrote "
        f"(payload {payload_bytes / records:.0f} bytes a record)"
    )
    print(
        f"floor, leaner model: {lean_seconds:.2f} s "
        f"(payload {lean_payload_bytes / records:.0f} bytes a record)"
    )
    print(f"raw executemany: {raw_seconds:.2f} s")
    print(f"pipeline ratio: {raw_seconds / pipeline_seconds:.3f}")
    print(f"leaner model's ceiling: {raw_seconds / lean_seconds:.3f}")
    print(f"ratio={raw_seconds / current_seconds:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
