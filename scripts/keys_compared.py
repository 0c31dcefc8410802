"""The cost of comparing the process's keys with the database's keys of record as every
transaction begins (decision 0054, session 25 addendum): 2,000 units of work each finding a
person by ID number and decrypting it, and 2,000 each running ``SELECT 1``, three timed runs
after a warm-up. Run it with ``PYTHONPATH`` at each version of the code to compare:

    PYTHONPATH=src uv run --no-sync python scripts/keys_compared.py sqlite
    PYTHONPATH=src uv run --no-sync python scripts/keys_compared.py postgresql+psycopg://…/db

On PostgreSQL it works in a schema ``bench_keys`` of that database, dropped at the end."""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

for _name, _byte in (("ENCRYPTION", b"e"), ("BLIND_INDEX", b"b"), ("SESSION", b"s")):
    os.environ[f"XINYONG_{_name}_KEY"] = base64.urlsafe_b64encode(_byte * 32).decode()

from sqlalchemy import Engine, text  # noqa: E402

from xinyong import keys_of_record  # noqa: E402
from xinyong.accounts.permissions import SYSTEM_ACTOR  # noqa: E402
from xinyong.clock import FixedClock, SystemClock  # noqa: E402
from xinyong.crypto import default_cipher  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.db.session import make_session_factory, unit_of_work  # noqa: E402
from xinyong.identifiers import citizen_id_check_character  # noqa: E402
from xinyong.subjects import service as subjects  # noqa: E402

SESSIONS = int(os.environ.get("SESSIONS", "2000"))
SCHEMA = "bench_keys"


def _schema(url: str, sql: str) -> None:
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(sql))
    admin.dispose()


def _engine(where: str) -> Engine:
    if where == "sqlite":
        return make_engine(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
    _schema(where, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    _schema(where, f"CREATE SCHEMA {SCHEMA}")
    return make_engine(where, connect_args={"options": f"-csearch_path={SCHEMA}"})


def main(where: str) -> None:
    engine = _engine(where)
    upgrade(engine)
    clock = FixedClock(SystemClock().now())
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        keys_of_record.verify(session, clock, default_cipher())
    number = "11010119900307002" + citizen_id_check_character("11010119900307002")
    with unit_of_work(factory) as session:
        subjects.register_natural_person(
            session, clock, SYSTEM_ACTOR, name="王某", citizen_id=number
        )

    def reads() -> None:
        for _ in range(SESSIONS):
            with unit_of_work(factory) as session:
                person = subjects.by_citizen_id(session, number)
                assert person is not None
                assert subjects.reveal_citizen_id(person) == number

    def nothing() -> None:
        for _ in range(SESSIONS):
            with unit_of_work(factory) as session:
                session.execute(text("SELECT 1"))

    runs: tuple[tuple[str, Callable[[], None]], ...] = (
        ("read by number + decrypt", reads),
        ("SELECT 1 only", nothing),
    )
    for label, run in runs:
        run()
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        shown = ", ".join(f"{seconds:.2f}" for seconds in times)
        print(
            f"{engine.dialect.name} {label}: {SESSIONS} sessions, runs {shown} s "
            f"(fastest {min(times) / SESSIONS * 1e6:.0f} µs a session)"
        )
    engine.dispose()
    if where != "sqlite":
        _schema(where, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite")
