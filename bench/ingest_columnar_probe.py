"""How far a columnar rewrite of ingestion could go (issue 3, decision 0012): a probe, not
the platform's code.

    uv run --with polars python bench/ingest_columnar_probe.py            # 100,000 rows
    uv run --with polars python bench/ingest_columnar_probe.py --quick    # 20,000 rows

`bench/ingest_floor.py` measured what the database alone costs (the platform's schema and a
leaner one). This probe measures the other half: the *best case* for the Python work, done
column-wise with polars (not a dependency of the platform: `--with` adds it for this run),
then written into the leaner model of `ingest_floor.py`. It keeps what the pipeline must do
for every row that is accepted, on the same file, in one transaction:

- read the CSV in chunks (polars), strip every value, check required fields and text lengths
  column-wise;
- typed fields (dates, amounts, choices, codes) through the platform's own checker, once per
  distinct value of a column (``RowValidator._checker``), mapped back column-wise;
- the canonical payload JSON column-wise, each row's keyed payload hash (the platform's
  blind indexer), the natural key;
- subjects: the known ones looked up by code, the new ones registered with the platform's
  name forms (``names.normalise_name`` / ``core_name``); citizen IDs encrypted and indexed;
- rows written as tuples into ``subject`` and the lean ``credit_record`` (identity and current
  version in one row).

It leaves out what a rewrite would still have to add: the exact problems of a rejected row
(rejected rows are only counted here), consent, lookups of existing records, timeliness and
publicity windows, name mismatches, audit. So its ratio is an upper bound for a columnar
pipeline on the lean model in one process. Last line: ``ratio=<probe rows/s ÷ raw rows/s>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl

import ingest
import ingest_floor
from xinyong import identifiers
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import FieldType
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.pipeline import PAYLOAD_HASH_CONTEXT
from xinyong.collection.validation import RowValidator
from xinyong.crypto import default_cipher
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import names
from xinyong.subjects.service import CITIZEN_ID_CONTEXT

CHUNK = 50_000


def probe(path: Path, database: Path, clock: FixedClock, stages: dict[str, float]) -> int:
    engine = ingest.fresh_database(None, database.parent, "platform")
    with unit_of_work(make_session_factory(engine)) as session:
        definition = catalog.effective_rule(session, "administrative_penalty").definition
    engine.dispose()
    cipher = default_cipher()
    payload_index = cipher.blind_indexer(context=PAYLOAD_HASH_CONTEXT)
    citizen_index = cipher.blind_indexer(context=CITIZEN_ID_CONTEXT)
    connection = ingest_floor.connect(database)
    known = {
        code: sid
        for sid, code in connection.execute("SELECT id, uscc FROM subject WHERE uscc IS NOT NULL")
    }
    (next_subject,) = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM subject").fetchone()
    now = clock.now().replace(tzinfo=None).isoformat(sep=" ")

    started = time.perf_counter()
    headers = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    validator = RowValidator(definition, list(headers), today=clock.today())
    fields = [spec for _header, spec in validator.columns]
    rename = {header: spec.name for header, spec in validator.columns}
    names_sorted = sorted(spec.name for spec in fields)
    subject_sql = ingest_floor.insert_sql(
        "subject",
        [
            "id",
            "kind",
            "reference",
            "name",
            "name_normalised",
            "uscc",
            "uscc_unverified",
            "citizen_id_ciphertext",
            "citizen_id_index",
            "citizen_id_masked",
            "division",
            "created_at",
        ],
    )
    record_sql = ingest_floor.insert_sql(
        "credit_record",
        [
            "record_type_id",
            "subject_id",
            "source_organisation_id",
            "natural_key",
            "status",
            "version_no",
            "decision_date",
            "received_at",
            "updated_at",
            "severity",
            "payload_hash",
            "payload",
            "reason",
        ],
    )
    connection.execute("BEGIN IMMEDIATE")
    written = 0
    mark = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal mark
        moment = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + moment - mark
        mark = moment

    for frame in pl.scan_csv(path, infer_schema=False).collect_batches(chunk_size=CHUNK):
        frame = frame.rename(rename)
        lap("read")
        frame = frame.with_columns(
            [pl.col(spec.name).str.strip_chars().replace("", None) for spec in fields]
        )
        bad = pl.lit(False)
        for spec in fields:
            column = pl.col(spec.name)
            if spec.required:
                bad = bad | column.is_null()
            if spec.type is FieldType.TEXT:
                # Null for an absent value, and False | null is null: absent is not too long.
                bad = bad | (column.str.len_chars() > spec.max_length).fill_null(False)
        frame = frame.with_columns(bad.alias("_bad"))
        lap("strip and text checks")
        for spec in fields:
            if spec.type is FieldType.TEXT:
                continue
            check = validator._checker(spec)
            clean: dict[str, str] = {}
            refused: list[str] = []
            for value in frame[spec.name].drop_nulls().unique().to_list():
                result = check(value)
                if result.__class__ is str:
                    clean[value] = result  # type: ignore[assignment]
                else:
                    refused.append(value)
            frame = frame.with_columns(
                pl.col(spec.name).replace_strict(clean, default=None),
                # is_in is null for a null value: an absent optional value is not refused.
                (pl.col("_bad") | pl.col(spec.name).is_in(refused).fill_null(False)).alias("_bad"),
            )
        lap("typed checks (distinct values)")
        parts = []
        for name in names_sorted:
            quoted = (
                pl.struct(pl.col(name).alias("v"))
                .struct.json_encode()
                .str.slice(5)
                .str.strip_suffix("}")
            )
            parts.append(pl.when(pl.col(name).is_not_null()).then(pl.lit(f'"{name}": ') + quoted))
        frame = frame.filter(~pl.col("_bad")).with_columns(
            ("{" + pl.concat_str(parts, separator=", ", ignore_nulls=True) + "}").alias("_json")
        )
        lap("payload JSON")
        payloads = frame["_json"].to_list()
        digests = [payload_index(text + "\x00") for text in payloads]
        lap("payload hash")
        subject_rows: list[tuple[Any, ...]] = []
        sids: list[int] = []
        for uscc, citizen_id, name in frame.select(
            "subject_uscc", "id_number", "subject_name"
        ).iter_rows():
            key = uscc or citizen_id
            sid = known.get(key)
            if sid is None:
                sid = known[key] = next_subject
                next_subject += 1
                normalised = names.normalise_name(name)
                names.core_name(name)
                if uscc:
                    subject_rows.append(
                        (
                            sid,
                            "legal_person",
                            uscc,
                            name,
                            normalised,
                            uscc,
                            False,
                            None,
                            None,
                            None,
                            uscc[2:8],
                            now,
                        )
                    )
                else:
                    subject_rows.append(
                        (
                            sid,
                            "natural_person",
                            "P" + secrets.token_hex(8).upper(),
                            name,
                            normalised,
                            None,
                            False,
                            cipher.encrypt(citizen_id, context=CITIZEN_ID_CONTEXT),
                            citizen_index(citizen_id),
                            identifiers.mask_citizen_id(citizen_id),
                            citizen_id[:6],
                            now,
                        )
                    )
            sids.append(sid)
        lap("subjects")
        records = [
            (
                *(1, sid, 1, f"{sid}|{number}", "active", 1, day, now, now, "general"),
                *(bytes.fromhex(digest)[:16], payload, "created"),
            )
            for sid, number, day, digest, payload in zip(
                sids,
                frame["decision_number"].to_list(),
                frame["decision_date"].to_list(),
                digests,
                payloads,
                strict=True,
            )
        ]
        lap("record tuples")
        connection.executemany(subject_sql, subject_rows)
        connection.executemany(record_sql, records)
        written += len(records)
        lap("database")
    connection.execute("COMMIT")
    lap("database")
    stages["total"] = time.perf_counter() - started
    connection.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    args = parser.parse_args()
    rows = 20_000 if args.quick else args.rows
    clock = FixedClock(dt.datetime(2026, 11, 28, 10, 0, tzinfo=CHINA))
    with tempfile.TemporaryDirectory(prefix="xinyong-columnar-") as tmp:
        workdir = Path(tmp)
        known = ingest.make_known_subjects(max(1000, rows // 20))
        generated = ingest.generate_penalty_csv(
            workdir / "penalties.csv", rows, known_subjects=known, known_share=0.3
        )
        engine = ingest.fresh_database(None, workdir, "platform")
        ingest.prepare_platform(engine, clock, known)
        engine.dispose()
        lean = workdir / "lean.sqlite3"
        setup = ingest_floor.connect(lean)
        for statement in ingest_floor.LEAN_SCHEMA:
            setup.execute(statement)
        platform = sqlite3.connect(workdir / "platform.sqlite3")
        subject_columns = [c[1] for c in platform.execute("PRAGMA table_info(subject)")]
        lean_columns = [c[1] for c in setup.execute("PRAGMA table_info(subject)")]
        kept = [subject_columns.index(c) for c in lean_columns]
        setup.execute("BEGIN")
        setup.executemany(
            ingest_floor.insert_sql("subject", lean_columns),
            [tuple(row[i] for i in kept) for row in platform.execute("SELECT * FROM subject")],
        )
        setup.execute("COMMIT")
        setup.close()
        platform.close()
        shutil.copy(lean, workdir / "lean-before.sqlite3")
        stages: dict[str, float] = {}
        written = probe(generated.path, lean, clock, stages)
        raw_engine = ingest.fresh_database(None, workdir, "raw")
        raw_seconds = ingest.run_raw(raw_engine, generated.path)
        raw_engine.dispose()
    total = stages.pop("total")
    print(f"file: {rows:,} rows; {written:,} records written into the lean model")
    for stage, seconds in stages.items():
        print(f"  {stage:32} {seconds:6.2f} s  {seconds / rows * 1e6:6.1f} µs a row")
    print(f"columnar probe: {total:.2f} s, {rows / total:,.0f} rows/s")
    print(f"raw executemany: {raw_seconds:.2f} s, {rows / raw_seconds:,.0f} rows/s")
    print(f"ratio={raw_seconds / total:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
