"""Organisation search benchmark (review r3, session 19): ``subjects.search_organisations``,
the function behind ``/search`` and ``GET /api/v1/subjects?q=``, over many organisations.

    uv run python bench/search.py                 # 50,000 organisations on SQLite
    uv run python bench/search.py --quick         # 5,000 organisations (CI smoke run)
    uv run python bench/search.py --postgres      # the same against PostgreSQL (own schema)

Set-up: the migrations, then organisations written with Core bulk inserts, as
bench/ingest.py pre-registers its known subjects — names as bench/datagen.py makes them
(福州 + two trade words + a trade + 有限公司, and 个体工商户 shops), 600 of the shape
福州第N号食品有限公司 (the review's case: many names sharing one pair with the target), the
target 福州新榕食品有限公司 last, and one organisation with a former name — and, with the
names, their rows in the name search's index of pairs (``subject_name_pair``, written
with ``subjects.name_index.BulkIndex`` as the pipeline writes it; session 20).

Each query is timed ``--runs`` times (one session, as a request has): the target's full
name, its name without area and legal form, a typo of it, a common fragment (食品), two
trade words, another organisation's exact name, a former name, and a code. It prints the
p50 and p95 of each, whether the organisation asked for came first, and as the last line
``ratio=<name searches' p50 ÷ the code search's p50>``: what a name search costs against a
lookup by code, which an index serves.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())

from sqlalchemy import Engine, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from datagen import make_known_subjects  # noqa: E402
from xinyong.clock import CHINA  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.db.session import make_session_factory, unit_of_work  # noqa: E402
from xinyong.subjects import name_index, names  # noqa: E402
from xinyong.subjects import service as subjects  # noqa: E402
from xinyong.subjects.models import Subject, SubjectKind, SubjectName  # noqa: E402
from xinyong.synthetic import make_uscc  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET = "福州新榕食品有限公司"
SIMILAR = 600  # 福州第N号食品有限公司
FORMER = ("福建闽江榕树物流有限公司", "福州榕树闽江运输有限公司")  # (current, former)


def fresh_database(url: str | None, workdir: Path) -> Engine:
    if url is None:
        return make_engine(f"sqlite:///{workdir / 'search.sqlite3'}")
    schema = "bench_search"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def organisations(n: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """(code, name, former names): the generated ones, the similar ones, the target last."""
    rng = random.Random(19)
    known = make_known_subjects(max(0, n - SIMILAR - 2))
    codes = {code for code, _ in known}
    taken = {name for _, name in known}
    extra = [f"福州第{i}号食品有限公司" for i in range(SIMILAR)]
    extra += [FORMER[0], TARGET]
    rows: list[tuple[str, str, tuple[str, ...]]] = [(c, name, ()) for c, name in known]
    for name in extra:
        if name in taken:
            continue
        code = make_uscc(rng)
        while code in codes:
            code = make_uscc(rng)
        codes.add(code)
        rows.append((code, name, FORMER[1:] if name == FORMER[0] else ()))
    return rows


def register(engine: Engine, rows: list[tuple[str, str, tuple[str, ...]]]) -> None:
    upgrade(engine)
    now = dt.datetime(2026, 12, 1, 10, 0, tzinfo=CHINA)
    with unit_of_work(make_session_factory(engine)) as session:
        index = name_index.BulkIndex(session)
        for start in range(0, len(rows), 5000):
            part = rows[start : start + 5000]
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
                    for code, name, _former in part
                ],
            ).all()
            named = [
                (sid, one, names.normalise_name(one), names.core_name(one), one == name)
                for sid, (_code, name, former) in zip(ids, part, strict=True)
                for one in (name, *former)
            ]
            session.execute(
                insert(SubjectName),
                [
                    {"subject_id": sid, "name": one, "normalised": n, "core": c, "current": now_}
                    for sid, one, n, c, now_ in named
                ],
            )
            # The name index, as the pipeline writes it with the names it registers.
            index.write((sid, n, c) for sid, _one, n, c, _now in named)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def queries(rows: list[tuple[str, str, tuple[str, ...]]]) -> list[tuple[str, str, str]]:
    """(what, query, the name expected first — "" when any order will do)."""
    other = rows[len(rows) // 2][1]
    target_code = next(code for code, name, _ in rows if name == TARGET)
    return [
        ("full name", TARGET, TARGET),
        ("name without area and form", "新榕食品", TARGET),
        ("typo", "福州新融食品有限公司", TARGET),
        ("common fragment", "食品", ""),
        ("two trade words", "晨光海峡", ""),
        ("another full name", other, other),
        ("former name", FORMER[1], FORMER[0]),
        ("code", target_code, TARGET),
    ]


def search(engine: Engine, query: str) -> tuple[float, list[str]]:
    with Session(engine) as session:
        started = time.perf_counter()
        found = subjects.search_organisations(session, query)
        seconds = time.perf_counter() - started
    # Before and after review r3 (a list, then a result with ``hits``).
    hits = getattr(found, "hits", found)
    return seconds, [hit.subject.name for hit in hits]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--organisations", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="5,000 organisations, 5 runs")
    parser.add_argument("--postgres", action="store_true", help=f"run against {POSTGRES_URL}")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    count = 5_000 if args.quick else args.organisations
    runs = 5 if args.quick else args.runs
    url = args.database_url or (POSTGRES_URL if args.postgres else None)
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        engine = fresh_database(url, Path(tmp))
        rows = organisations(count)
        register(engine, rows)
        print(f"{len(rows):,} organisations on {engine.dialect.name}, {runs} runs each")
        asked = queries(rows)
        times: dict[str, list[float]] = {what: [] for what, _q, _e in asked}
        first: dict[str, list[str]] = {}
        for _what, query, _expected in asked:
            search(engine, query)  # warm: the names' normal forms are cached per process
        for _ in range(runs):
            for what, query, _expected in asked:
                seconds, found = search(engine, query)
                times[what].append(seconds)
                first[what] = found
        name_p50: list[float] = []
        for what, query, expected in asked:
            ordered = sorted(times[what])
            p50 = statistics.median(ordered) * 1000
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000
            found = first[what]
            if expected:
                verdict = (
                    "first"
                    if found[:1] == [expected]
                    else (f"at {found.index(expected) + 1}" if expected in found else "MISSING")
                )
            else:
                verdict = f"{len(found)} found"
            print(f"{what:28} {query:22} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {verdict}")
            if what != "code":
                name_p50.append(p50)
        engine.dispose()
        code_p50 = statistics.median(times["code"]) * 1000
        print(f"ratio={statistics.median(name_p50) / code_p50:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
