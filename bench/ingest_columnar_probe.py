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

With ``--processes 2`` the reading, checking, hashing and name forms run in a second
process (forked; chunks handed over through a queue) while this one resolves subjects and
writes: the split decision 0012 names as the last step, on this 2-core machine.

It leaves out what a rewrite would still have to add: the exact problems of a rejected row
(rejected rows are only counted here), consent, lookups of existing records, timeliness and
publicity windows, name mismatches, audit. So its ratio is an upper bound for a columnar
pipeline on the lean model in one process. Last line: ``ratio=<probe rows/s ÷ raw rows/s>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
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
from xinyong.db.engine import make_engine
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.subjects import names
from xinyong.subjects.service import CITIZEN_ID_CONTEXT

CHUNK = 10_000  # rows a chunk: small enough for the two processes to overlap
SUBJECT_COLUMNS = (
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
)
RECORD_COLUMNS = (
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
)


class Stages:
    """Seconds per stage, summed over chunks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def lap(self, stage: str) -> None:
        moment = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + moment - self._mark
        self._mark = moment


def prepared_chunks(
    path: Path, platform: Path, clock: FixedClock, stages: Stages
) -> Iterator[dict[str, list[Any]]]:
    """The Python work on each chunk that needs nothing from the database being written:
    read, clean, check, payload JSON and hash, and every distinct subject name's normalised
    form (whether or not the subject turns out to be new)."""
    engine = make_engine(f"sqlite:///{platform}")
    with unit_of_work(make_session_factory(engine)) as session:
        definition = catalog.effective_rule(session, "administrative_penalty").definition
    engine.dispose()
    payload_index = default_cipher().blind_indexer(context=PAYLOAD_HASH_CONTEXT)
    headers = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    validator = RowValidator(definition, list(headers), today=clock.today())
    fields = [spec for _header, spec in validator.columns]
    rename = {header: spec.name for header, spec in validator.columns}
    stages.lap("set-up")
    for frame in pl.scan_csv(path, infer_schema=False).collect_batches(chunk_size=CHUNK):
        frame = frame.rename(rename)
        stages.lap("read")
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
        stages.lap("strip and text checks")
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
        stages.lap("typed checks (distinct values)")
        parts = []
        for spec in sorted(fields, key=lambda spec: spec.name):
            quoted = (
                pl.struct(pl.col(spec.name).alias("v"))
                .struct.json_encode()
                .str.slice(5)
                .str.strip_suffix("}")
            )
            parts.append(
                pl.when(pl.col(spec.name).is_not_null()).then(pl.lit(f'"{spec.name}": ') + quoted)
            )
        frame = frame.filter(~pl.col("_bad")).with_columns(
            ("{" + pl.concat_str(parts, separator=", ", ignore_nulls=True) + "}").alias("_json")
        )
        stages.lap("payload JSON")
        payloads = frame["_json"].to_list()
        digests = [bytes.fromhex(payload_index(text + "\x00"))[:16] for text in payloads]
        stages.lap("payload hash")
        subject_names = frame["subject_name"].to_list()
        normalised = {name: names.normalise_name(name) for name in set(subject_names)}
        stages.lap("name forms")
        yield {
            "payload": payloads,
            "digest": digests,
            "decision_number": frame["decision_number"].to_list(),
            "decision_date": frame["decision_date"].to_list(),
            "uscc": frame["subject_uscc"].to_list(),
            "citizen_id": frame["id_number"].to_list(),
            "name": subject_names,
            "normalised": [normalised[name] for name in subject_names],
        }
        stages.lap("to the writer")


def _worker(path: Path, platform: Path, clock: FixedClock, queue: Any) -> None:
    stages = Stages()
    for chunk in prepared_chunks(path, platform, clock, stages):
        queue.put(chunk)
    queue.put(stages.seconds)


def _from_worker(queue: Any, worker_stages: dict[str, float]) -> Iterator[dict[str, list[Any]]]:
    while True:
        item = queue.get()
        if "payload" not in item:
            worker_stages.update(item)
            return
        yield item


def write(
    chunks: Iterator[dict[str, list[Any]]], database: Path, clock: FixedClock, stages: Stages
) -> int:
    """Resolve subjects (registering new ones) and write subjects and lean records."""
    cipher = default_cipher()
    citizen_index = cipher.blind_indexer(context=CITIZEN_ID_CONTEXT)
    connection = ingest_floor.connect(database)
    known = {
        code: sid
        for sid, code in connection.execute("SELECT id, uscc FROM subject WHERE uscc IS NOT NULL")
    }
    (next_subject,) = connection.execute("SELECT coalesce(max(id), 0) + 1 FROM subject").fetchone()
    now = clock.now().replace(tzinfo=None).isoformat(sep=" ")
    subject_sql = ingest_floor.insert_sql("subject", list(SUBJECT_COLUMNS))
    record_sql = ingest_floor.insert_sql("credit_record", list(RECORD_COLUMNS))
    connection.execute("BEGIN IMMEDIATE")
    written = 0
    stages.lap("set-up")
    for chunk in chunks:
        stages.lap("waiting for chunks")
        subject_rows: list[tuple[Any, ...]] = []
        sids: list[int] = []
        for uscc, citizen_id, name, normalised in zip(
            chunk["uscc"], chunk["citizen_id"], chunk["name"], chunk["normalised"], strict=True
        ):
            key = uscc or citizen_id
            sid = known.get(key)
            if sid is None:
                sid = known[key] = next_subject
                next_subject += 1
                names.core_name(name)  # the subject_name row's form, in the platform
                if uscc:
                    subject_rows.append(
                        (
                            *(sid, "legal_person", uscc, name, normalised, uscc, False),
                            *(None, None, None, uscc[2:8], now),
                        )
                    )
                else:
                    subject_rows.append(
                        (
                            *(sid, "natural_person", "P" + secrets.token_hex(8).upper(), name),
                            *(normalised, None, False),
                            cipher.encrypt(citizen_id, context=CITIZEN_ID_CONTEXT),
                            citizen_index(citizen_id),
                            identifiers.mask_citizen_id(citizen_id),
                            *(citizen_id[:6], now),
                        )
                    )
            sids.append(sid)
        stages.lap("subjects")
        records = [
            (
                *(1, sid, 1, f"{sid}|{number}", "active", 1, day, now, now, "general"),
                *(digest, payload, "created"),
            )
            for sid, number, day, digest, payload in zip(
                sids,
                chunk["decision_number"],
                chunk["decision_date"],
                chunk["digest"],
                chunk["payload"],
                strict=True,
            )
        ]
        stages.lap("record tuples")
        connection.executemany(subject_sql, subject_rows)
        connection.executemany(record_sql, records)
        written += len(records)
        stages.lap("database")
    connection.execute("COMMIT")
    stages.lap("database")
    connection.close()
    return written


def probe(
    path: Path, platform: Path, database: Path, clock: FixedClock, *, processes: int
) -> tuple[float, int, dict[str, float], dict[str, float]]:
    """Seconds, records written, the writer's stages and (with two processes) the worker's."""
    started = time.perf_counter()
    stages = Stages()
    worker_stages: dict[str, float] = {}
    if processes == 1:
        written = write(prepared_chunks(path, platform, clock, stages), database, clock, stages)
    else:
        context = multiprocessing.get_context("fork")
        queue = context.Queue(maxsize=2)
        worker = context.Process(target=_worker, args=(path, platform, clock, queue))
        worker.start()
        written = write(_from_worker(queue, worker_stages), database, clock, stages)
        worker.join()
    return time.perf_counter() - started, written, stages.seconds, worker_stages


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument(
        "--processes",
        type=int,
        choices=(1, 2),
        default=1,
        help="2: read, check and hash in a second process while this one writes",
    )
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
        total, written, stages, worker_stages = probe(
            generated.path,
            workdir / "platform.sqlite3",
            lean,
            clock,
            processes=args.processes,
        )
        raw_engine = ingest.fresh_database(None, workdir, "raw")
        raw_seconds = ingest.run_raw(raw_engine, generated.path)
        raw_engine.dispose()
    print(f"file: {rows:,} rows; {written:,} records written into the lean model")
    for title, seconds_by_stage in (("writer", stages), ("worker process", worker_stages)):
        if seconds_by_stage:
            print(f"{title}:")
        for stage, seconds in seconds_by_stage.items():
            print(f"  {stage:32} {seconds:6.2f} s  {seconds / rows * 1e6:6.1f} µs a row")
    print(
        f"columnar probe, {args.processes} process(es): {total:.2f} s, {rows / total:,.0f} rows/s"
    )
    print(f"raw executemany: {raw_seconds:.2f} s, {rows / raw_seconds:,.0f} rows/s")
    print(f"ratio={raw_seconds / total:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
