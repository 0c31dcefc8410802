"""The database never holds a citizen ID number in clear (rules.md, Identifiers).

Two views: every column of every table as the database returns it (on whichever database
the tests run), and, on SQLite, the raw bytes of the database file and its write-ahead log
after a real commit.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import Connection, MetaData, Table, inspect, select
from sqlalchemy.orm import Session

from tests.factories import World
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock, FixedClock
from xinyong.db.engine import make_engine
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import Conflict, InvalidInput
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole
from xinyong.synthetic import make_citizen_id, make_uscc


def citizen_ids(count: int, seed: int) -> list[str]:
    """Valid, distinct IDs; every other one ends in X so that lower-casing changes it."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        candidate = make_citizen_id(rng)
        wants_x = len(found) % 2 == 0
        if (candidate.endswith("X") == wants_x) and candidate not in found:
            found.append(candidate)
    return found


def forbidden_forms(citizen_id: str) -> set[str]:
    """The ID as typed or stored in any case, and its first 17 digits (the ID less its check
    character): none of them may be stored anywhere."""
    return {citizen_id, citizen_id.lower(), citizen_id[:17]}


def register_people(
    session: Session, clock: Clock, actor: Actor, ids: list[str], seed: int
) -> None:
    """Persons on their own and as responsible persons of a company (Art. 18)."""
    half = len(ids) // 2
    for index, citizen_id in enumerate(ids[:half]):
        # Typed the way people type: lower-case x, spaces.
        typed = f"{citizen_id[:6]} {citizen_id[6:14]} {citizen_id[14:].lower()}"
        subjects.register_natural_person(
            session, clock, actor, name=f"隐私测试人{index}", citizen_id=typed
        )
    company = subjects.register_organisation(
        session,
        clock,
        actor,
        name=f"福州隐私测试{seed}有限公司",
        uscc=make_uscc(random.Random(seed)),
    )
    roles = list(ResponsibleRole)
    for index, citizen_id in enumerate(ids[half:]):
        subjects.add_responsible_person(
            session,
            clock,
            actor,
            company,
            role=roles[index % len(roles)],
            name=f"负责人{index}",
            citizen_id=citizen_id.lower(),
        )
    # And a few refused attempts, which must not leave the number behind either.
    for citizen_id in ids[:2]:
        with pytest.raises(Conflict):
            subjects.register_natural_person(
                session, clock, actor, name="重复", citizen_id=citizen_id
            )


def every_value(connection: Connection) -> Iterable[tuple[str, str, str]]:
    """(table, column, value as text) for every column of every row of every table."""
    inspector = inspect(connection)
    tables = inspector.get_table_names()
    assert {"subject", "responsible_person", "audit_event", "user_account"} <= set(tables)
    metadata = MetaData()
    for name in tables:
        table = Table(name, metadata, autoload_with=connection)
        for row in connection.execute(select(table)):
            for column, value in zip(table.columns.keys(), row, strict=True):
                if value is None:
                    continue
                if isinstance(value, bytes | bytearray | memoryview):
                    text = bytes(value).decode("latin-1")
                else:
                    text = str(value)
                yield name, column, text


def assert_nowhere(connection: Connection, ids: list[str]) -> int:
    forms = {form: citizen_id for citizen_id in ids for form in forbidden_forms(citizen_id)}
    checked = 0
    for table, column, text in every_value(connection):
        checked += 1
        for form in forms:
            assert form not in text, f"{table}.{column} holds a citizen ID in clear"
    return checked


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for the world's accounts (not what this file tests)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_no_table_holds_a_citizen_id_in_clear(db: Session, clock: FixedClock, world: World) -> None:
    ids = citizen_ids(8, seed=1)
    register_people(db, clock, SYSTEM_ACTOR, ids, seed=1)
    querier = accounts.actor_for_user(world.users["querier"])
    for citizen_id in ids:
        assert subjects.lookup_person(db, clock, querier, citizen_id.lower()) is not None
    db.commit()
    world_ids = [
        subjects.reveal_citizen_id(world.subjects[key]) for key in ("person", "other_person")
    ]
    every_id = ids + [i for i in world_ids if i is not None]
    assert len(every_id) == len(ids) + 2
    checked = assert_nowhere(db.connection(), every_id)
    assert checked > 100, "the sweep must actually have read the rows"
    # The stored form is there, just not the clear one.
    for citizen_id in ids:
        person = subjects.by_citizen_id(db, citizen_id)
        assert person is not None
        assert person.citizen_id_masked == citizen_id[:6] + "********" + citizen_id[-4:]
        assert subjects.reveal_citizen_id(person) == citizen_id


@pytest.mark.parametrize(
    ("citizen_id", "error_code"),
    [
        ("35010219940315772X", "check_character"),
        ("350102199413157723", "birth_date"),
        ("050102199403157723", "address_code"),
        ("35010219940315772", "length"),
    ],
)
def test_a_refused_id_is_not_echoed_or_audited(
    db: Session, clock: FixedClock, citizen_id: str, error_code: str
) -> None:
    before = db.scalar(select(AuditEvent.sequence).order_by(AuditEvent.sequence.desc()).limit(1))
    with pytest.raises(InvalidInput) as refused:
        subjects.register_natural_person(
            db, clock, SYSTEM_ACTOR, name="张三", citizen_id=citizen_id
        )
    assert refused.value.code == error_code
    for form in forbidden_forms(citizen_id):
        assert form not in refused.value.message
        assert form not in str(refused.value)
        assert form not in repr(refused.value.as_dict())
    after = db.scalar(select(AuditEvent.sequence).order_by(AuditEvent.sequence.desc()).limit(1))
    assert after == before, "a refused registration writes nothing"
    rows = db.scalars(select(AuditEvent)).all()
    for row in rows:
        assert citizen_id not in audit.canonical_json(row.details)


def test_audit_details_never_hold_an_id(db: Session, clock: FixedClock, world: World) -> None:
    ids = citizen_ids(4, seed=2)
    register_people(db, clock, accounts.actor_for_user(world.users["authority"]), ids, seed=2)
    for event in db.scalars(select(AuditEvent)):
        content = audit.canonical_json(
            {
                "details": event.details,
                "target_id": event.target_id,
                "actor_id": event.actor_id,
            }
        )
        for citizen_id in ids:
            for form in forbidden_forms(citizen_id):
                assert form not in content
    assert audit.verify(db).ok


def test_database_file_bytes_hold_no_clear_id(tmp_path: Path, clock: FixedClock) -> None:
    """A real commit into a SQLite file, then the file and its WAL, byte by byte."""
    import sqlite3

    database = tmp_path / "privacy.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    try:
        upgrade(engine)
        ids = citizen_ids(10, seed=3)
        with unit_of_work(make_session_factory(engine)) as session:
            register_people(session, clock, SYSTEM_ACTOR, ids, seed=3)
        with unit_of_work(make_session_factory(engine)) as session:
            # Committed, and readable back through the blind index.
            assert all(subjects.by_citizen_id(session, i) is not None for i in ids)
            assert_nowhere(session.connection(), ids)
        raw = sqlite3.connect(database)
        try:
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
            assert busy == 0
        finally:
            raw.close()
        files = [database, database.with_name(database.name + "-wal")]
        contents = {path.name: path.read_bytes() for path in files if path.exists()}
        assert database.name in contents
        # The data is really in the file: the masked forms and the names are findable.
        everything = b"".join(contents.values())
        assert ids[0][:6].encode() + b"********" + ids[0][-4:].encode() in everything
        assert "隐私测试人0".encode() in everything
        for name, data in contents.items():
            for citizen_id in ids:
                for form in forbidden_forms(citizen_id):
                    assert form.encode() not in data, f"{name} holds a citizen ID in clear"
                    assert form.encode("utf-16-le") not in data
    finally:
        engine.dispose()
