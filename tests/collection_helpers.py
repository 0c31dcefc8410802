"""Shared fixtures and builders for the collection tests (catalog, pipeline, consent, CLI).

Fixtures defined here are used by importing them into a test module's namespace, e.g.
``from tests.collection_helpers import catalog_loaded, collection_world``.

Rows are built inline from small defaults: ``penalty_row(world)`` is a valid 双公示 penalty
row about the world's company, submitted by the market regulator; keyword overrides take
the English field names, and ``zh(row)`` turns a row into the Chinese headers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Table, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW
from tests.factories import UserFactory, World
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.clock import Clock
from xinyong.collection import pipeline, readers, sources
from xinyong.collection.models import CreditRecord, QuarantinedRow, RecordVersion
from xinyong.db.base import Base
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectName
from xinyong.synthetic import make_citizen_id, make_uscc

TODAY = TEST_NOW.date()  # Friday 2026-11-27
RECENT = dt.date(2026, 11, 25)  # 2 working days before TODAY: on time
PENALTY = "administrative_penalty"
REGISTRATION = "registration"

# A legal representative and people first seen in a batch: valid, synthetic, fixed.
_rng = random.Random(20261127)
REPRESENTATIVE_ID = make_citizen_id(_rng, division="350103")
NEW_PERSON_ID = make_citizen_id(_rng, division="350104")

# English field name → the 双公示 column header (rules.md).
PENALTY_HEADERS_ZH: dict[str, str] = {
    "subject_name": "行政相对人名称",
    "subject_category": "行政相对人类别",
    "subject_uscc": "行政相对人代码_1(统一社会信用代码)",
    "legal_representative": "法定代表人",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "decision_number": "行政处罚决定书文号",
    "violation_type": "违法行为类型",
    "violation_facts": "违法事实",
    "legal_basis": "处罚依据",
    "penalty_category": "处罚类别",
    "penalty_content": "处罚内容",
    "fine_amount": "罚款金额(万元)",
    "confiscated_amount": "没收违法所得、没收非法财物的金额(万元)",
    "licence_suspended": "暂扣或吊销证照名称及编号",
    "decision_date": "处罚决定日期",
    "penalty_valid_until": "处罚有效期",
    "publicity_deadline": "公示截止期",
    "authority": "处罚机关",
    "authority_uscc": "处罚机关统一社会信用代码",
    "source_unit": "数据来源单位",
    "source_unit_uscc": "数据来源单位统一社会信用代码",
    "remarks": "备注",
}
SHUANG_GONGSHI_HEADERS = list(PENALTY_HEADERS_ZH.values())

_decision_numbers = iter(range(1, 1_000_000))

# One bad value per schema error code, as overrides of a valid organisation penalty row:
# (overrides, field reported, code reported).
SCHEMA_ERROR_CASES: list[tuple[dict[str, str], str, str]] = [
    ({"decision_number": ""}, "decision_number", "required"),
    ({"decision_number": "罚" * 129}, "decision_number", "too_long"),
    ({"decision_date": "2026-13-01"}, "decision_date", "invalid_date"),
    ({"decision_date": "2026-11-28"}, "decision_date", "future_date"),
    ({"fine_amount": "一万五"}, "fine_amount", "invalid_number"),
    ({"subject_category": "公司"}, "subject_category", "invalid_choice"),
    ({"subject_uscc": "91350100M000100Y44"}, "subject_uscc", "check_character"),
    (
        {"subject_category": "自然人", "subject_uscc": "", "id_number": "350102199413157723"},
        "id_number",
        "birth_date",
    ),
    (
        {"subject_category": "自然人", "subject_uscc": "", "id_type": "护照"},
        "id_type",
        "unsupported_id_type",
    ),
]


def next_decision_number() -> str:
    return f"榕市监罚〔2026〕{next(_decision_numbers)}号"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def catalog_loaded(db: Session) -> Session:
    """The test's session on a database with the Fuzhou rule pack and the official
    calendar: every worker's database has them, as after ``xinyong init``
    (tests/conftest.py); this names the dependency."""
    return db


@pytest.fixture
def collection_world(world: World, catalog_loaded: Session, db: Session, clock: Clock) -> World:
    """The demo world with the catalog, the regulator responsible for penalties, and
    everything committed (a refused API request rolls the shared session back to the
    last commit)."""
    grant(db, clock, world.organisations["regulator"], PENALTY)
    db.commit()
    return world


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: logging in is not what these tests are about."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


# --- set-up helpers --------------------------------------------------------------------------


def grant(session: Session, clock: Clock, organisation: Organisation, *codes: str) -> None:
    for code in codes:
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, code)
    session.flush()


def add_reporter(session: Session, organisation: Organisation, username: str) -> UserAccount:
    """A data reporter for an organisation (market bodies submit through one too)."""
    user = UserFactory(username=username, role=Role.DATA_REPORTER, organisation=organisation)
    session.flush()
    return user


def citizen_id_of(subject: Subject) -> str:
    value = subjects.reveal_citizen_id(subject)
    assert value is not None
    return value


def definition(session: Session, code: str) -> RecordTypeDefinition:
    return catalog.effective_rule(session, code).definition


@pytest.fixture
def registering(collection_world: World, db: Session, clock: Clock) -> World:
    """The regulator is also the registration authority (``registration`` on its list)."""
    grant(db, clock, collection_world.organisations["regulator"], REGISTRATION)
    db.commit()
    return collection_world


def names_of(session: Session, subject: Subject) -> list[tuple[str, bool, Any, Any]]:
    """The names the subject bears and bore: (name, current, valid from, valid to)."""
    return [
        (n.name, n.current, n.valid_from, n.valid_to)
        for n in session.scalars(
            select(SubjectName).where(SubjectName.subject_id == subject.id).order_by(SubjectName.id)
        )
    ]


# --- row builders ----------------------------------------------------------------------------


def penalty_row(world: World, **overrides: str) -> dict[str, str]:
    """A valid penalty (a fine) about the world's company, decided two working days ago."""
    regulator = world.organisations["regulator"]
    company = world.subjects["company"]
    row = {
        "subject_name": company.name,
        "subject_category": "法人及非法人组织",
        "subject_uscc": company.uscc or "",
        "legal_representative": "陈某",
        "id_type": "身份证",
        "id_number": REPRESENTATIVE_ID,
        "decision_number": next_decision_number(),
        "violation_type": "虚假宣传",
        "violation_facts": "在店堂广告中作引人误解的宣传",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_category": "罚款",
        "penalty_content": "罚款人民币壹万伍仟元",
        "fine_amount": "1.5",
        "confiscated_amount": "",
        "licence_suspended": "",
        "decision_date": RECENT.isoformat(),
        "penalty_valid_until": "",
        "publicity_deadline": "",
        "authority": regulator.name,
        "authority_uscc": regulator.code,
        "source_unit": regulator.name,
        "source_unit_uscc": regulator.code,
        "remarks": "",
    }
    row.update(overrides)
    return row


def person_penalty_row(
    world: World, citizen_id: str, name: str, **overrides: str
) -> dict[str, str]:
    """A penalty about a natural person (行政相对人类别 自然人, identified by the ID)."""
    values = {
        "subject_name": name,
        "subject_category": "自然人",
        "subject_uscc": "",
        "legal_representative": "",
        "id_type": "身份证",
        "id_number": citizen_id,
        "penalty_category": "罚款",
        "penalty_content": "罚款人民币贰仟元",
        "fine_amount": "0.2",
    }
    values.update(overrides)
    return penalty_row(world, **values)


def zh(row: Mapping[str, str]) -> dict[str, str]:
    """The same row under the Chinese 双公示 headers (unknown keys are kept as they are)."""
    return {PENALTY_HEADERS_ZH.get(key, key): value for key, value in row.items()}


def subject_row(
    name: str, *, uscc: str = "", citizen_id: str = "", category: str | None = None
) -> dict[str, str]:
    """The subject columns shared by every record type."""
    if category is None:
        category = "自然人" if citizen_id else "法人及非法人组织"
    row = {"subject_name": name, "subject_category": category}
    if uscc:
        row["subject_uscc"] = uscc
    if citizen_id:
        row["id_type"] = "身份证"
        row["id_number"] = citizen_id
    return row


def source_columns(organisation: Organisation) -> dict[str, str]:
    return {
        "authority": organisation.name,
        "authority_uscc": organisation.code,
        "source_unit": organisation.name,
        "source_unit_uscc": organisation.code,
    }


def registration_row(
    world: World, name: str, source: Organisation | None = None, **overrides: str
) -> dict[str, str]:
    """A registration record of the world's company under ``name``, by ``source`` (the
    regulator unless named) as its registration authority."""
    source = source or world.organisations["regulator"]
    company = world.subjects["company"]
    return {
        **subject_row(name, uscc=company.uscc or ""),
        "entity_type": "有限责任公司",
        "established_on": "2015-03-02",
        "registration_authority": source.name,
        "registration_status": "存续",
        **source_columns(source),
        **overrides,
    }


def csv_bytes(
    rows: list[Mapping[str, str]], *, encoding: str = "utf-8", headers: list[str] | None = None
) -> bytes:
    headers = headers or list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: row.get(key, "") for key in headers})
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, rows: list[Mapping[str, str]], *, encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, encoding=encoding))
    return path


def write_xlsx(path: Path, rows: list[Mapping[str, str]]) -> Path:
    from openpyxl import Workbook

    headers = list(dict.fromkeys(key for row in rows for key in row))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(key, "") for key in headers])
    book.save(path)
    return path


def write_xlsx_with_nul(path: Path, rows: list[Mapping[str, str]]) -> Path:
    """As ``write_xlsx``, each NUL in a value written as Excel writes one: ``_x0000_`` in the
    sheet's XML (openpyxl refuses the character itself; calamine reads the escape back)."""
    marker = "NULMARKER"
    write_xlsx(path, [{k: v.replace("\x00", marker) for k, v in row.items()} for row in rows])
    patched = path.with_suffix(".patched")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for member in source.infolist():
            data = source.read(member.filename)
            target.writestr(member, data.replace(marker.encode(), b"_x0000_"))
    patched.replace(path)
    return path


def jsonl_bytes(rows: Iterable[Mapping[str, str]]) -> bytes:
    return "".join(json.dumps(dict(row), ensure_ascii=False) + "\n" for row in rows).encode()


# --- running the pipeline in-process ---------------------------------------------------------


def ingest(
    session: Session,
    clock: Clock,
    organisation: Organisation,
    rows: list[Mapping[str, str]],
    *,
    record_type: str = PENALTY,
    key: str | None = None,
    actor: Actor = SYSTEM_ACTOR,
    channel: str = "api",
) -> pipeline.BatchReport:
    """One batch through the pipeline, the way the API hands over a JSON body."""
    body = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode()
    reader = readers.rows_from_objects(rows)
    return pipeline.ingest(
        session,
        clock,
        actor,
        pipeline.Submission(
            organisation=organisation,
            record_type_code=record_type,
            channel=channel,
            content_hash=pipeline.content_hash_of([body]),
            idempotency_key=key,
        ),
        reader.headers,
        reader,
    )


def problems_of(report: pipeline.BatchReport) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.field, p.code) for p in report.problems]


# --- reading stored state --------------------------------------------------------------------


def held_person_row(session: Session, clock: Clock, world: World) -> QuarantinedRow:
    """The regulator's penalty row about the world's person under a name the person does
    not bear (王某): held (decision 0050), committed."""
    person = world.subjects["person"]
    report = ingest(
        session,
        clock,
        world.organisations["regulator"],
        [person_penalty_row(world, citizen_id_of(person), "王某")],
    )
    assert report.batch.held == 1
    session.commit()
    return session.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == report.batch.id)
    ).one()


def held_row_log(session: Session, person: Subject) -> list[AccessEvent]:
    """The person's access-log entries of a held row's read (``access.HELD_ROW``)."""
    return list(
        session.scalars(
            select(AccessEvent).where(
                AccessEvent.subject_id == person.id, AccessEvent.what == access.HELD_ROW
            )
        )
    )


def records_of(session: Session, subject_id: int | None = None) -> list[CreditRecord]:
    query = select(CreditRecord).order_by(CreditRecord.id)
    if subject_id is not None:
        query = query.where(CreditRecord.subject_id == subject_id)
    session.expire_all()
    return list(session.scalars(query))


def versions_of(session: Session, record_id: int) -> list[RecordVersion]:
    return list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
        )
    )


def record_by_decision(session: Session, decision_number: str) -> CreditRecord:
    found = [r for r in records_of(session) if r.natural_key.endswith("|" + decision_number)]
    assert len(found) == 1, f"expected one record for {decision_number}, found {len(found)}"
    return found[0]


def table_rows(session: Session, table: Table) -> list[tuple[Any, ...]]:
    """Every row of a table, in primary-key order, as plain tuples (a full snapshot)."""
    session.flush()
    return [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))]


def snapshot(session: Session, *names: str) -> dict[str, list[tuple[Any, ...]]]:
    tables = Base.metadata.tables
    return {name: table_rows(session, tables[name]) for name in names}


def count(session: Session, name: str) -> int:
    return len(table_rows(session, Base.metadata.tables[name]))


def text_everywhere(session: Session) -> Iterator[tuple[str, str]]:
    """(table, text) for every value of every row of every table, as stored."""
    session.flush()
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            for value in row:
                if value is None:
                    continue
                text = (
                    value
                    if isinstance(value, str)
                    else json.dumps(value, default=str, ensure_ascii=False)
                )
                yield table.name, text


def tables_containing(session: Session, needle: str) -> list[str]:
    return sorted({name for name, text in text_everywhere(session) if needle in text})


# --- a database of its own (atomicity, CLI) --------------------------------------------------


@dataclass
class FileDatabase:
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def new_uscc(prefix: str = "91") -> str:
    return make_uscc(_rng, prefix=prefix)


def new_citizen_id() -> str:
    return make_citizen_id(_rng)
