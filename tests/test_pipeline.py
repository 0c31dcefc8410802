"""The ingestion pipeline (Art. 9–11, 24): validation and its report, versions, idempotency,
subject resolution, severity and publicity, timeliness, citizen-ID protection, atomicity."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    PENALTY,
    RECENT,
    REPRESENTATIVE_ID,
    TODAY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    count,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_uscc,
    penalty_row,
    person_penalty_row,
    problems_of,
    record_by_decision,
    records_of,
    snapshot,
    source_columns,
    subject_row,
    tables_containing,
    versions_of,
    zh,
)
from tests.conftest import TEST_NOW, make_test_engine
from tests.factories import World
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.calendar import add_months
from xinyong.catalog import service as catalog
from xinyong.clock import Clock, FixedClock
from xinyong.collection import pipeline
from xinyong.collection.models import (
    Batch,
    CreditRecord,
    QuarantinedRow,
    RecordStatus,
    RecordVersion,
    RowDisposition,
)
from xinyong.crypto import default_cipher
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import Conflict, PermissionDenied
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectKind, SubjectName
from xinyong.synthetic import make_uscc

STORED_TABLES = ("credit_record", "record_version", "batch", "quarantined_row", "subject")


def regulator(world: World) -> Organisation:
    return world.organisations["regulator"]


def sensitive_of(version: RecordVersion) -> dict[str, str]:
    assert version.sensitive_ciphertext is not None
    loaded: dict[str, str] = json.loads(
        default_cipher().decrypt(version.sensitive_ciphertext, context=pipeline.SENSITIVE_CONTEXT)
    )
    return loaded


def with_wrong_check_character(citizen_id: str) -> str:
    return citizen_id[:17] + ("0" if citizen_id[17] != "0" else "1")


def months_after(day: dt.date, months: int) -> dt.date:
    return add_months(day, months)


# --- accepted rows -----------------------------------------------------------------------


def test_valid_rows_are_accepted_with_their_source_batch_and_first_version(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    company = world.subjects["company"]
    rows = [penalty_row(world), penalty_row(world, fine_amount="20")]

    reporter = accounts.actor_for_user(world.users["reporter"])
    report = ingest(db, clock, regulator(world), rows, key="first", actor=reporter)

    assert problems_of(report) == []
    assert report.all_accepted
    batch = db.get(Batch, report.batch.id)
    assert batch is not None
    assert (batch.rows_total, batch.created, batch.updated, batch.rejected, batch.held) == (
        2,
        2,
        0,
        0,
        0,
    )
    assert batch.organisation_id == regulator(world).id
    assert batch.idempotency_key == "first"
    assert batch.submitted_by == f"user:{world.users['reporter'].id}"
    stored = records_of(db)
    assert len(stored) == 2
    for record, row in zip(stored, rows, strict=True):
        assert record.subject_id == company.id
        assert record.source_organisation_id == regulator(world).id
        assert record.natural_key == f"{company.id}|{row['decision_number']}"
        assert record.status is RecordStatus.ACTIVE
        assert record.current_version_no == 1
        assert record.decision_date == RECENT
        assert record.received_at == clock.now()
        assert record.rule_source == "city rule v1"
        assert record.self_declared is False
        (version,) = versions_of(db, record.id)
        assert version.version_no == 1
        assert version.reason == pipeline.REASON_CREATED
        assert version.batch_id == batch.id
        assert version.source_organisation_id == regulator(world).id
        assert version.actor == f"user:{world.users['reporter'].id}"
        assert version.payload["decision_number"] == row["decision_number"]
        assert version.payload["fine_amount"] == row["fine_amount"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "batch.ingest"))
    assert event is not None
    assert event.target_id == str(batch.id)
    assert event.details["created"] == 2


def test_amounts_and_dates_are_stored_normalised(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    row = penalty_row(world, fine_amount="1,500.50", decision_date="2026/11/25")
    ingest(db, clock, regulator(world), [row])
    (version,) = versions_of(db, record_by_decision(db, row["decision_number"]).id)
    assert version.payload["fine_amount"] == "1500.5"
    assert version.payload["decision_date"] == "2026-11-25"


# --- schema errors -----------------------------------------------------------------------

BAD_USCC = "91350100M000100Y44"  # position 18 should be 3


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"decision_number": ""}, "decision_number", "required"),
        ({"legal_basis": "   "}, "legal_basis", "required"),
        ({"decision_number": "罚" * 129}, "decision_number", "too_long"),
        ({"decision_date": "2026-13-01"}, "decision_date", "invalid_date"),
        ({"decision_date": "上周五"}, "decision_date", "invalid_date"),
        ({"penalty_valid_until": "2027-02-30"}, "penalty_valid_until", "invalid_date"),
        ({"decision_date": "2026-11-28"}, "decision_date", "future_date"),
        ({"fine_amount": "一万五"}, "fine_amount", "invalid_number"),
        ({"fine_amount": "-1"}, "fine_amount", "invalid_number"),
        ({"fine_amount": "NaN"}, "fine_amount", "invalid_number"),
        ({"fine_amount": "1e400"}, "fine_amount", "exponent_notation"),
        ({"fine_amount": "99999999999999999999999999999"}, "fine_amount", "out_of_range"),
        ({"confiscated_amount": "0.0000001"}, "confiscated_amount", "too_many_decimals"),
        ({"decision_date": "0001-01-01"}, "decision_date", "out_of_range"),
        ({"decision_date": "1949-09-30"}, "decision_date", "out_of_range"),
        ({"penalty_valid_until": "0001-01-01"}, "penalty_valid_until", "out_of_range"),
        ({"penalty_valid_until": "2026-11-24"}, "penalty_valid_until", "before_decision_date"),
        ({"publicity_deadline": "0001-01-02"}, "publicity_deadline", "out_of_range"),
        ({"publicity_deadline": "2026-01-02"}, "publicity_deadline", "before_decision_date"),
        ({"subject_category": "公司"}, "subject_category", "invalid_choice"),
        ({"severity": "很严重"}, "severity", "invalid_choice"),
        ({"subject_uscc": BAD_USCC}, "subject_uscc", "check_character"),
        ({"authority_uscc": "91350100M000100Y4"}, "authority_uscc", "length"),
        ({"id_number": "350102199413157723"}, "id_number", "birth_date"),
        ({"subject_uscc": ""}, "subject_uscc", "required"),
    ],
)
def test_each_schema_error_is_reported_with_row_and_field(
    collection_world: World,
    db: Session,
    clock: Clock,
    overrides: dict[str, str],
    field: str,
    code: str,
) -> None:
    world = collection_world
    good = penalty_row(world)
    bad = penalty_row(world, **overrides)

    report = ingest(db, clock, regulator(world), [good, bad])

    assert problems_of(report) == [(2, field, code)]
    assert report.problems[0].disposition is RowDisposition.REJECTED
    assert report.problems[0].message
    assert (report.batch.created, report.batch.rejected) == (1, 1)
    quarantined = db.scalars(select(QuarantinedRow)).all()
    assert [(q.row_number, q.problems[0]["code"], q.problems[0]["field"]) for q in quarantined] == [
        (2, code, field)
    ]
    assert quarantined[0].values_ciphertext is not None, "kept (encrypted) for correction"
    assert [r.natural_key.split("|")[1] for r in records_of(db)] == [good["decision_number"]]


def test_person_row_errors(collection_world: World, db: Session, clock: Clock) -> None:
    world = collection_world
    rows = [
        person_penalty_row(world, NEW_PERSON_ID, "赵某", id_type="护照"),
        person_penalty_row(world, "350102199413157723", "钱某"),
        person_penalty_row(world, with_wrong_check_character(NEW_PERSON_ID), "孙某"),
        person_penalty_row(world, "", "李某"),
    ]
    report = ingest(db, clock, regulator(world), rows)
    assert problems_of(report) == [
        (1, "id_type", "unsupported_id_type"),
        (2, "id_number", "birth_date"),
        (3, "id_number", "check_character"),
        (4, "id_number", "required"),
    ]
    assert records_of(db) == []
    assert report.batch.new_subjects == 0


def test_a_person_is_refused_for_a_type_kept_only_about_organisations(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    grant(db, clock, regulator(world), "registration")
    person = world.subjects["person"]
    row = {
        **subject_row(person.name, citizen_id=citizen_id_of(person)),
        "entity_type": "个人独资企业",
        "established_on": "2020-01-02",
        "registration_authority": "福州市市场监督管理局",
        **source_columns(regulator(world)),
    }
    report = ingest(db, clock, regulator(world), [row], record_type="registration")
    assert problems_of(report) == [(1, "subject_category", "subject_kind_not_allowed")]
    assert records_of(db) == []


def test_missing_required_columns_and_unknown_columns_are_reported(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    row = penalty_row(world, 经办人="张科员", internal_ref="A-17")
    del row["violation_type"]
    report = ingest(db, clock, regulator(world), [row])
    assert report.batch.unknown_columns == ["经办人", "internal_ref"]
    assert report.as_dict()["unknown_columns"] == ["经办人", "internal_ref"]
    assert problems_of(report) == [(1, "violation_type", "required")]


def test_keys_that_first_appear_in_a_later_json_object_are_mapped_and_reported(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    first = penalty_row(world)
    del first["remarks"]
    second = penalty_row(world, remarks="第二行才有的备注", 经办人="张科员")
    report = ingest(db, clock, regulator(world), [first, second])
    assert problems_of(report) == []
    assert report.batch.unknown_columns == ["经办人"]
    (version,) = versions_of(db, record_by_decision(db, second["decision_number"]).id)
    assert version.payload["remarks"] == "第二行才有的备注"


# --- headers -----------------------------------------------------------------------------


def test_chinese_headers_and_english_names_give_identical_records(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    other = world.organisations["other_agency"]
    grant(db, clock, other, PENALTY)
    person = world.subjects["person"]
    english = [
        penalty_row(world, severity="serious", publicity_deadline="2027-06-30"),
        person_penalty_row(world, citizen_id_of(person), person.name),
    ]
    chinese = [zh(row) for row in english]
    assert "行政处罚决定书文号" in chinese[0]
    assert "decision_number" not in chinese[0]

    by_english = ingest(db, clock, regulator(world), english)
    by_chinese = ingest(db, clock, other, chinese)
    assert problems_of(by_english) == problems_of(by_chinese) == []

    def stored(organisation: Organisation) -> list[tuple[Any, ...]]:
        result = []
        for record in records_of(db):
            if record.source_organisation_id != organisation.id:
                continue
            (version,) = versions_of(db, record.id)
            result.append(
                (
                    record.subject_id,
                    record.natural_key,
                    record.decision_date,
                    record.severity,
                    record.publicity_start,
                    record.publicity_end,
                    record.payload_hash,
                    version.payload,
                    sensitive_of(version),
                )
            )
        return result

    assert stored(regulator(world)) == stored(other)
    assert len(stored(other)) == 2

    # From the same source, the Chinese version of an accepted batch changes nothing.
    again = ingest(db, clock, regulator(world), chinese)
    assert (again.batch.created, again.batch.updated, again.batch.unchanged) == (0, 0, 2)


# --- versions and idempotency ------------------------------------------------------------


def test_a_changed_row_creates_version_two_and_leaves_version_one_untouched(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    row = penalty_row(world)
    first = ingest(db, clock, regulator(world), [row], key="v1")
    record = record_by_decision(db, row["decision_number"])
    version_one = snapshot(db, "record_version")["record_version"]

    changed = {**row, "penalty_content": "罚款人民币贰万元", "fine_amount": "2"}
    second = ingest(db, clock, regulator(world), [changed, penalty_row(world)], key="v2")

    assert (second.batch.created, second.batch.updated, second.batch.unchanged) == (1, 1, 0)
    record = record_by_decision(db, row["decision_number"])
    assert record.current_version_no == 2
    one, two = versions_of(db, record.id)
    assert (one.version_no, two.version_no) == (1, 2)
    assert two.reason == "updated by source"
    assert two.batch_id == second.batch.id != first.batch.id
    assert two.source_organisation_id == regulator(world).id
    assert two.payload["penalty_content"] == "罚款人民币贰万元"
    assert two.payload["fine_amount"] == "2"
    assert record.payload_hash == two.payload_hash != one.payload_hash
    # Version 1 is exactly as it was: nothing is updated in place (Art. 24).
    after = snapshot(db, "record_version")["record_version"]
    assert after[0] == version_one[0]
    assert one.payload["penalty_content"] == row["penalty_content"]
    assert one.batch_id == first.batch.id


def test_replaying_a_batch_changes_nothing(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    rows = [
        penalty_row(world),
        penalty_row(world, subject_uscc=new_uscc(), subject_name="福州新来的有限公司"),
        person_penalty_row(world, citizen_id_of(person), person.name),
        penalty_row(world, decision_date="not a date"),
    ]
    first = ingest(db, clock, regulator(world), rows, key="replay-me")
    before = snapshot(db, *STORED_TABLES, "audit_event", "subject_name")

    again = ingest(db, clock, regulator(world), rows, key="replay-me")

    assert again.replayed
    assert again.batch.id == first.batch.id
    assert problems_of(again) == problems_of(first) == [(4, "decision_date", "invalid_date")]
    assert snapshot(db, *STORED_TABLES, "audit_event", "subject_name") == before


def test_the_same_rows_in_a_new_batch_are_unchanged(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    rows = [penalty_row(world), penalty_row(world)]
    ingest(db, clock, regulator(world), rows, key="one")
    before = snapshot(db, "credit_record", "record_version")
    report = ingest(db, clock, regulator(world), rows, key="two")
    assert (report.batch.created, report.batch.updated, report.batch.unchanged) == (0, 0, 2)
    assert snapshot(db, "credit_record", "record_version") == before


def test_without_a_key_the_same_content_is_a_replay(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    rows = [penalty_row(world)]
    first = ingest(db, clock, regulator(world), rows, channel="cli")
    before = snapshot(db, *STORED_TABLES)
    again = ingest(db, clock, regulator(world), rows, channel="cli")
    assert again.replayed
    assert again.batch.id == first.batch.id
    assert snapshot(db, *STORED_TABLES) == before


def test_the_same_key_with_other_content_is_refused(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    ingest(db, clock, regulator(world), [penalty_row(world)], key="k")
    before = snapshot(db, *STORED_TABLES)
    with pytest.raises(Conflict) as caught:
        ingest(db, clock, regulator(world), [penalty_row(world)], key="k")
    assert caught.value.code == "idempotency_key_reused"
    assert snapshot(db, *STORED_TABLES) == before


def test_a_duplicate_key_within_a_batch(collection_world: World, db: Session, clock: Clock) -> None:
    world = collection_world
    row = penalty_row(world)
    clash = {**row, "penalty_content": "罚款人民币叁万元"}
    report = ingest(db, clock, regulator(world), [row, dict(row), clash])
    assert problems_of(report) == [(3, None, "duplicate_in_batch")]
    assert (report.batch.created, report.batch.unchanged, report.batch.rejected) == (1, 1, 1)
    record = record_by_decision(db, row["decision_number"])
    (version,) = versions_of(db, record.id)
    assert version.payload["penalty_content"] == row["penalty_content"]


# --- subjects ----------------------------------------------------------------------------


def test_new_subjects_are_registered_from_the_batch(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    code = new_uscc()
    rows = [
        penalty_row(world, subject_uscc=code, subject_name="福州闽江贸易有限公司"),
        penalty_row(world, subject_uscc=code, subject_name="福州闽江贸易有限公司"),
        person_penalty_row(world, NEW_PERSON_ID, "赵某某"),
    ]
    report = ingest(db, clock, regulator(world), rows)
    assert report.batch.new_subjects == 2
    company = subjects.by_uscc(db, code)
    assert company is not None
    assert (company.name, company.kind) == ("福州闽江贸易有限公司", SubjectKind.LEGAL_PERSON)
    person = subjects.by_citizen_id(db, NEW_PERSON_ID)
    assert person is not None
    assert person.name == "赵某某"
    assert person.citizen_id_masked == NEW_PERSON_ID[:6] + "********" + NEW_PERSON_ID[-4:]
    assert subjects.reveal_citizen_id(person) == NEW_PERSON_ID
    assert len(records_of(db, company.id)) == 2
    assert len(records_of(db, person.id)) == 1


def test_a_known_code_under_another_name_is_held_not_merged(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    company = world.subjects["company"]
    row = penalty_row(world, subject_name="福州晨曦电子科技有限公司")
    report = ingest(db, clock, regulator(world), [penalty_row(world), row])
    assert problems_of(report) == [(2, "subject_name", "name_mismatch")]
    assert report.problems[0].disposition is RowDisposition.HELD
    assert (report.batch.created, report.batch.held, report.batch.rejected) == (1, 1, 0)
    (held,) = db.scalars(select(QuarantinedRow)).all()
    assert held.disposition is RowDisposition.HELD
    assert held.values_ciphertext is not None
    db.expire_all()
    assert db.get(Subject, company.id).name == "福州晨光文具贸易有限公司"  # type: ignore[union-attr]
    assert not db.scalars(select(SubjectName).where(SubjectName.name == row["subject_name"])).all()
    assert len(records_of(db, company.id)) == 1


def test_a_known_citizen_id_under_another_name_is_held(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    row = person_penalty_row(world, citizen_id_of(person), "张某某")
    report = ingest(db, clock, regulator(world), [row])
    assert problems_of(report) == [(1, "subject_name", "name_mismatch")]
    assert report.batch.held == 1
    assert records_of(db, person.id) == []


@pytest.mark.parametrize(
    "name",
    [
        "福州晨光文具貿易有限公司",  # Traditional characters
        "福州晨光文具贸易有限责任公司",  # another legal form
        "福州市晨光文具贸易有限公司",  # with the city's full name
        "福州晨光文具贸易 有限公司",  # spacing
        "福州晨光文具店",  # its registered former name
    ],
)
def test_spelling_variants_of_the_registered_name_are_not_held(
    collection_world: World, db: Session, clock: Clock, name: str
) -> None:
    world = collection_world
    report = ingest(db, clock, regulator(world), [penalty_row(world, subject_name=name)])
    assert problems_of(report) == []
    (record,) = records_of(db)
    assert record.subject_id == world.subjects["company"].id


# --- severity and publicity --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "severity", "months"),
    [
        ({"penalty_category": "警告", "fine_amount": ""}, "minor", None),
        ({"penalty_category": "警告、通报批评", "fine_amount": ""}, "general", 12),
        ({"penalty_category": "警告、罚款"}, "general", 12),
        ({"penalty_category": "罚款"}, "general", 12),
        ({"severity": "严重"}, "serious", 36),
        ({"severity": "minor"}, "minor", None),
        # A warning alone is never published, whatever class the source states (Order 45).
        ({"penalty_category": "警告", "fine_amount": "", "severity": "严重"}, "minor", None),
        ({"penalty_category": "警告", "fine_amount": "", "severity": "一般"}, "minor", None),
    ],
)
def test_severity_decides_publicity(
    collection_world: World,
    db: Session,
    clock: Clock,
    overrides: dict[str, str],
    severity: str,
    months: int | None,
) -> None:
    world = collection_world
    decided = dt.date(2026, 8, 31)
    row = penalty_row(world, decision_date=decided.isoformat(), **overrides)
    ingest(db, clock, regulator(world), [row])
    record = record_by_decision(db, row["decision_number"])
    assert record.severity == severity
    if months is None:
        assert (record.publicity_start, record.publicity_end) == (None, None)
    else:
        assert record.publicity_start == decided
        assert record.publicity_end == months_after(decided, months)


@pytest.mark.parametrize(
    ("deadline", "end"),
    [
        ("2027-03-15", dt.date(2027, 3, 15)),  # the source ends publicity early: kept
        ("2026-10-01", dt.date(2026, 12, 20)),  # before the 3-month minimum: raised to it
        ("2028-01-01", dt.date(2027, 9, 20)),  # past the 12-month maximum: capped
    ],
)
def test_the_publicity_deadline_is_capped_but_not_below_the_minimum(
    collection_world: World, db: Session, clock: Clock, deadline: str, end: dt.date
) -> None:
    world = collection_world
    row = penalty_row(world, decision_date="2026-09-20", publicity_deadline=deadline)
    ingest(db, clock, regulator(world), [row])
    record = record_by_decision(db, row["decision_number"])
    assert record.severity == "general"
    assert record.publicity_start == dt.date(2026, 9, 20)
    assert record.publicity_end == end


# --- timeliness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "working_days", "late"),
    [
        (dt.date(2026, 11, 13), 10, True),  # ten working days before Friday 27 November
        (dt.date(2026, 11, 17), 8, True),
        (dt.date(2026, 11, 18), 7, False),  # the default limit of 7 working days, not past it
        (dt.date(2026, 11, 25), 2, False),
        (TODAY, 0, False),
        # 42 days Monday–Friday, less the National Day holiday, plus its make-up Saturday:
        (dt.date(2026, 9, 30), 38, True),
    ],
)
def test_timeliness_counts_working_days(
    collection_world: World,
    db: Session,
    clock: Clock,
    decided: dt.date,
    working_days: int,
    late: bool,
) -> None:
    world = collection_world
    row = penalty_row(world, decision_date=decided.isoformat())
    report = ingest(db, clock, regulator(world), [row])
    record = record_by_decision(db, row["decision_number"])
    assert record.decision_date == decided
    assert record.received_at == clock.now()
    assert record.working_days_to_submit == working_days
    assert record.late is late
    assert report.batch.late == int(late)


# --- citizen IDs -------------------------------------------------------------------------


def test_citizen_ids_are_never_stored_in_clear(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    known_id = citizen_id_of(person)
    rows = [
        penalty_row(world),  # an organisation, with its legal representative's ID
        person_penalty_row(world, known_id, person.name),
        person_penalty_row(world, NEW_PERSON_ID, "赵某某"),  # first seen in this batch
        person_penalty_row(world, NEW_PERSON_ID, "赵某某", decision_date="bad"),  # rejected
    ]
    report = ingest(db, clock, regulator(world), rows)
    assert problems_of(report) == [(4, "decision_date", "invalid_date")]

    for citizen_id in (REPRESENTATIVE_ID, known_id, NEW_PERSON_ID):
        assert tables_containing(db, citizen_id) == []
        assert tables_containing(db, citizen_id[6:14] + citizen_id[14:]) == []  # birth date on
    for record in records_of(db):
        (version,) = versions_of(db, record.id)
        masked = version.payload["id_number"]
        assert masked[6:14] == "********"
        assert sensitive_of(version)["id_number"] in (REPRESENTATIVE_ID, known_id, NEW_PERSON_ID)
        assert sensitive_of(version)["id_number"][-4:] == masked[-4:]


# --- responsibility ----------------------------------------------------------------------


def test_a_type_outside_the_responsibility_list_is_refused(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    before = snapshot(db, *STORED_TABLES)
    with pytest.raises(PermissionDenied) as caught:
        ingest(db, clock, world.organisations["other_agency"], [penalty_row(world)])
    assert (caught.value.code, caught.value.article) == ("not_responsible", "Art. 9")
    assert snapshot(db, *STORED_TABLES) == before


def test_staff_submit_only_for_their_own_organisation(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    actor = accounts.actor_for_user(world.users["other_reporter"])
    with pytest.raises(PermissionDenied) as caught:
        ingest(db, clock, regulator(world), [penalty_row(world)], actor=actor)
    assert caught.value.code == "other_organisation"
    assert records_of(db) == []


# --- atomicity ---------------------------------------------------------------------------


def _fresh_database(request: pytest.FixtureRequest, tmp_path: Path, purpose: str) -> Engine:
    engine = make_test_engine(request.config, tmp_path, purpose)
    upgrade(engine)
    return engine


@pytest.fixture
def file_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Engine]]:
    engines: list[Engine] = []
    yield engines
    for engine in engines:
        engine.dispose()


def _prepare(engine: Engine, clock: Clock) -> str:
    """Catalog, calendar, one agency responsible for penalties, one known company."""
    with unit_of_work(make_session_factory(engine)) as session:
        catalog.load_rule_pack(session, clock)
        calendar_store.load_official(session, clock)
        agency = accounts.create_organisation(
            session,
            clock,
            SYSTEM_ACTOR,
            code="11350100MUCQWD187J",
            name="福州市市场监督管理局",
            kind=OrganisationKind.STATE_ORGAN,
        )
        accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR,
            username="clerk",
            password="correct horse battery",
            role=Role.DATA_REPORTER,
            organisation=agency,
        )
        subjects.register_organisation(
            session, clock, SYSTEM_ACTOR, name="福州晨光文具贸易有限公司", uscc="91350100M000100Y43"
        )
        from xinyong.collection import sources

        sources.grant(session, clock, SYSTEM_ACTOR, agency, PENALTY)
        return agency.code


def _atomic_rows(agency_code: str) -> list[dict[str, str]]:
    base = {
        "subject_category": "法人及非法人组织",
        "violation_type": "虚假宣传",
        "legal_basis": "《反不正当竞争法》第二十条",
        "penalty_category": "罚款",
        "penalty_content": "罚款",
        "fine_amount": "1",
        "decision_date": "2026-11-02",
        "authority": "福州市市场监督管理局",
        "authority_uscc": agency_code,
        "source_unit": "福州市市场监督管理局",
        "source_unit_uscc": agency_code,
    }
    rows = []
    for n in range(9):
        code = "91350100M000100Y43" if n % 3 == 0 else make_uscc(random.Random(n), prefix="91")
        name = "福州晨光文具贸易有限公司" if n % 3 == 0 else f"福州第{n}贸易有限公司"
        rows.append(
            {
                **base,
                "subject_name": name,
                "subject_uscc": code,
                "id_number": "11010519491231002X",
                "decision_number": f"榕罚〔2026〕{n}号",
                "decision_date": "2026-11-02" if n != 4 else "2026-02-30",  # row 5 rejected
            }
        )
    return rows


def _run(engine: Engine, clock: Clock, agency_code: str, key: str) -> pipeline.BatchReport:
    with unit_of_work(make_session_factory(engine)) as session:
        agency = accounts.organisation_by_code(session, agency_code)
        return ingest(session, clock, agency, _atomic_rows(agency_code), key=key)


def _end_state(engine: Engine) -> dict[str, Any]:
    """Everything a batch writes, without surrogate ids and times."""
    with Session(engine) as session:
        subject_by_id = {s.id: (s.uscc, s.name) for s in session.scalars(select(Subject))}
        records = []
        for record in session.scalars(select(CreditRecord)):
            versions = session.scalars(
                select(RecordVersion)
                .where(RecordVersion.record_id == record.id)
                .order_by(RecordVersion.version_no)
            ).all()
            records.append(
                (
                    subject_by_id[record.subject_id],
                    record.natural_key.split("|", 1)[1],
                    record.severity,
                    record.publicity_start,
                    record.publicity_end,
                    record.late,
                    record.current_version_no,
                    [
                        (v.version_no, v.reason, json.dumps(v.payload, sort_keys=True))
                        for v in versions
                    ],
                )
            )
        batches = [
            (b.idempotency_key, b.rows_total, b.created, b.rejected, b.new_subjects)
            for b in session.scalars(select(Batch))
        ]
        quarantined = [
            (q.row_number, q.disposition, q.problems)
            for q in session.scalars(select(QuarantinedRow))
        ]
        return {
            "subjects": sorted(subject_by_id.values()),
            "subject_names": count(session, "subject_name"),
            "records": sorted(records),
            "batches": batches,
            "quarantined": quarantined,
            "audit": [
                a
                for (a,) in session.execute(select(AuditEvent.action).order_by(AuditEvent.sequence))
            ],
        }


@pytest.mark.test_database
def test_a_crash_mid_batch_leaves_nothing_and_a_rerun_gives_the_clean_end_state(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    file_databases: list[Engine],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)

    clean = _fresh_database(request, tmp_path, "atomic_clean")
    crashed = _fresh_database(request, tmp_path, "atomic_crash")
    file_databases.extend([clean, crashed])
    agency_code = _prepare(clean, clock)
    assert _prepare(crashed, clock) == agency_code

    report = _run(clean, clock, agency_code, "batch-1")
    assert (report.batch.rows_total, report.batch.created, report.batch.rejected) == (9, 8, 1)
    expected = _end_state(clean)
    assert len(expected["records"]) == 8
    assert len(expected["subjects"]) == 6  # the known company and five new ones

    before = _end_state(crashed)
    original = pipeline._BatchRun._write_records
    calls = 0

    def crash_on_third_chunk(self: Any, *args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated crash while writing the third chunk")
        original(self, *args, **kwargs)

    monkeypatch.setattr(pipeline._BatchRun, "_write_records", crash_on_third_chunk)
    with pytest.raises(RuntimeError, match="simulated crash"):
        _run(crashed, clock, agency_code, "batch-1")
    assert calls == 3, "the first two chunks were written before the crash"
    after_crash = _end_state(crashed)
    assert after_crash == before
    assert after_crash["records"] == []
    assert after_crash["batches"] == []
    assert after_crash["quarantined"] == []
    assert len(after_crash["subjects"]) == 1  # only the company registered beforehand

    monkeypatch.setattr(pipeline._BatchRun, "_write_records", original)
    rerun = _run(crashed, clock, agency_code, "batch-1")
    assert not rerun.replayed
    assert _end_state(crashed) == expected

    # And replaying it once more changes nothing.
    assert _run(crashed, clock, agency_code, "batch-1").replayed
    assert _end_state(crashed) == expected


def test_a_correction_later_on_keeps_the_first_submissions_timeliness(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    row = penalty_row(world)  # decided 2 working days before it arrives: on time
    ingest(db, clock, regulator(world), [row])
    record = record_by_decision(db, row["decision_number"])
    assert (record.late, record.working_days_to_submit) == (False, 2)

    clock.advance(dt.timedelta(days=28))
    report = ingest(db, clock, regulator(world), [{**row, "penalty_content": "更正"}])

    assert report.batch.updated == 1
    record = record_by_decision(db, row["decision_number"])
    assert record.current_version_no == 2
    assert record.received_at == TEST_NOW
    assert (record.late, record.working_days_to_submit) == (False, 2)


# --- the batch's memory of keys and new subjects (pure) -----------------------------------


@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, (1 << 128) - 1)), max_size=400),
    st.integers(1, 50),
)
def test_seen_keys_answer_as_a_dict_would_across_their_runs(
    writes: list[tuple[int, int]], run: int
) -> None:
    seen = pipeline._SeenKeys()
    seen.RUN = run  # many small sorted runs, as a million-row batch makes large ones
    expected: dict[int, int] = {}
    for key, content in writes:
        fingerprint = pipeline._key_fingerprint(f"{key}|榕市监处罚〔2026〕{key}号")
        assert seen.get(fingerprint) == expected.get(fingerprint)
        if fingerprint not in expected:  # the pipeline adds a key once, on first sight
            seen.add(fingerprint, content)
            expected[fingerprint] = content
    for fingerprint, content in expected.items():
        assert seen.get(fingerprint) == content
    assert seen.get(pipeline._key_fingerprint("never written")) is None


@given(st.lists(st.lists(st.integers(1, 500), max_size=20), max_size=20))
def test_new_subject_ids_are_members_exactly(allocations: list[list[int]]) -> None:
    ranges = pipeline._IdRanges()
    added: set[int] = set()
    for ids in allocations:
        fresh = sorted(set(ids) - added)  # ids are never handed out twice
        ranges.add(fresh)
        added.update(fresh)
    assert all(sid in ranges for sid in added)
    assert not any(sid in ranges for sid in set(range(0, 502)) - added)


@given(
    st.dictionaries(
        st.sampled_from(["fine_amount", "facts", "uscc", "备注", 'a"b', "z"]) | st.text(max_size=8),
        st.text(max_size=40),
        max_size=8,
    )
)
def test_the_canonical_payload_text_is_the_json_modules_sorted_encoding(
    payload: dict[str, str],
) -> None:
    # Stored payload hashes were made from this text: it must never change.
    encode = pipeline._CanonicalPayload(["fine_amount", "facts", "uscc", "备注", 'a"b'])
    assert encode(payload) == json.dumps(payload, ensure_ascii=False, sort_keys=True)
