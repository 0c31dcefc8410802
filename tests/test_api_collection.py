"""The collection API: ``POST /api/v1/batches`` in every body format, idempotency keys,
reports and their CSV, the responsibility list, timeliness, and market records about
members (Art. 4, 9, 10 ¶1, 24)."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import hostile_workbooks
from tests.collection_helpers import (
    PENALTY,
    SCHEMA_ERROR_CASES,
    add_reporter,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    csv_bytes,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    jsonl_bytes,
    new_uscc,
    penalty_row,
    person_penalty_row,
    record_by_decision,
    records_of,
    snapshot,
    source_columns,
    subject_row,
    tables_containing,
    versions_of,
    write_xlsx,
    write_xlsx_with_nul,
    zh,
)
from tests.disclosure_helpers import witnessed
from tests.factories import (
    CompanyFactory,
    OrganisationFactory,
    PersonFactory,
    World,
    auth_headers,
)
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.collection import sources
from xinyong.collection.models import Batch, QuarantinedRow
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent

BATCHES = "/api/v1/batches"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STORED = ("credit_record", "record_version", "batch", "quarantined_row", "subject", "audit_event")


def submit(
    client: TestClient,
    headers: dict[str, str],
    rows: list[dict[str, str]] | None = None,
    *,
    record_type: str = PENALTY,
    key: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> Any:
    if body is None:
        body = json.dumps(rows, ensure_ascii=False).encode()
    extra = {"Content-Type": content_type}
    if key is not None:
        extra["Idempotency-Key"] = key
    return client.post(
        BATCHES, params={"type": record_type}, content=body, headers={**headers, **extra}
    )


def problems(body: dict[str, Any]) -> list[tuple[int, str | None, str]]:
    return [(p["row"], p["field"], p["code"]) for p in body["problems"]]


# --- submitting --------------------------------------------------------------------------


def test_a_json_batch_is_accepted_and_recorded(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [penalty_row(world), penalty_row(world, penalty_category="警告", fine_amount="")]

    response = submit(client, reporter, rows, key="2026-11-27-001")

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["replayed"], body["record_type"]) == (False, "administrative_penalty")
    assert (body["rows"], body["created"], body["rejected"], body["held"]) == (2, 2, 0, 0)
    assert body["problems"] == []
    db.expire_all()
    batch = db.get(Batch, body["batch_id"])
    assert batch is not None
    assert (batch.channel, batch.idempotency_key) == ("api", "2026-11-27-001")
    assert batch.submitted_by == f"user:{world.users['reporter'].id}"
    fine = record_by_decision(db, rows[0]["decision_number"])
    warning = record_by_decision(db, rows[1]["decision_number"])
    assert (fine.severity, warning.severity) == ("general", "minor")
    assert fine.publicity_start is not None
    assert warning.publicity_start is None
    (version,) = versions_of(db, fine.id)
    assert (version.batch_id, version.reason) == (batch.id, "created by source")
    stored = client.get(f"{BATCHES}/{batch.id}", headers=reporter).json()
    assert (stored["created"], stored["record_type"]) == (2, "administrative_penalty")


def test_a_dry_run_answers_the_report_and_writes_nothing(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [penalty_row(world), penalty_row(world, decision_date="not a date")]
    before = snapshot(db, *STORED)
    body = json.dumps(rows, ensure_ascii=False).encode()
    headers = {**reporter, "Content-Type": "application/json"}

    dry = client.post(
        BATCHES, params={"type": PENALTY, "dry_run": "true"}, content=body, headers=headers
    )

    assert dry.status_code == 200, dry.text
    report = dry.json()
    assert (report["dry_run"], report["batch_id"], report["replayed"]) == (True, None, False)
    assert (report["rows"], report["created"], report["rejected"]) == (2, 1, 1)
    assert problems(report) == [(2, "decision_date", "invalid_date")]
    after = snapshot(db, *STORED)
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    # Nothing written but the dry run's own audit event (``pipeline.record_dry_run``).
    (tried,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.dry_run"))
    assert (tried.details["record_type"], tried.details["rows"]) == (PENALTY, 2)
    # The same rows submitted for real: the same report, and a batch.
    real = submit(client, reporter, rows)
    assert real.status_code == 201
    assert real.json()["dry_run"] is False
    assert {k: v for k, v in real.json().items() if k not in ("batch_id", "dry_run")} == {
        k: v for k, v in report.items() if k not in ("batch_id", "dry_run")
    } | {"quarantined_content_kept_until": real.json()["quarantined_content_kept_until"]}


def test_a_dry_run_that_finds_a_person_by_id_number_is_in_the_persons_access_log(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """A dry run tells whether an ID number is registered, and whether a name is the one
    registered with it (``name_mismatch``): rolled back, it would let a data reporter test
    numbers and names unseen. Each is audited, and in the access log of the person found
    (Art. 24, 34); an unregistered number finds nobody to log."""
    world = collection_world
    person = world.subjects["person"]
    number = citizen_id_of(person)
    headers = {**auth_headers(client, "reporter"), "Content-Type": "application/json"}
    guesses = [
        person_penalty_row(world, number, "张三"),
        person_penalty_row(world, number, person.name),
    ]
    for row in guesses:
        dry = client.post(
            BATCHES,
            params={"type": PENALTY, "dry_run": "true"},
            content=json.dumps([row], ensure_ascii=False).encode(),
            headers=headers,
        )
        assert dry.status_code == 200, dry.text
        assert dry.json()["batch_id"] is None
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "batch.dry_run").order_by(AuditEvent.sequence)
    ).all()
    assert [(e.details["held"], e.details["persons_found"]) for e in events] == [(1, 1), (0, 1)]
    logged = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == person.id, AccessEvent.what == "person_lookup"
        )
    ).all()
    assert len(logged) == 2
    assert {e.organisation_id for e in logged} == {world.organisations["regulator"].id}
    assert all(e.purpose == access.DRY_RUN_PURPOSE for e in logged)
    assert number not in json.dumps([e.details for e in events], ensure_ascii=False)


def test_a_committed_batch_holding_a_persons_row_is_in_the_persons_access_log(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """A real batch tells its submitter what a dry run would: ``name_mismatch`` says the
    number is registered under another name. The lookup is in the person's access log,
    witnessed by the batch's ``batch.ingest`` event, and stays there after the source
    rejects its own held row (Art. 24, 34). A person whose row was accepted has the record
    in their file, and no lookup entry besides."""
    world = collection_world
    person = world.subjects["person"]
    other = PersonFactory(name="林某某")
    db.commit()
    reporter = auth_headers(client, "reporter")
    rows = [
        person_penalty_row(world, citizen_id_of(person), "张三丰"),
        person_penalty_row(world, citizen_id_of(other), other.name),
    ]

    real = submit(client, reporter, rows)

    assert real.status_code == 201, real.text
    assert (real.json()["held"], real.json()["created"]) == (1, 1)
    assert problems(real.json()) == [(1, "subject_name", "name_mismatch")]
    (held,) = client.get("/api/v1/held-rows", headers=reporter).json()["items"]
    rejected = client.post(
        f"/api/v1/held-rows/{held['id']}/reject", json={"reasons": "not ours"}, headers=reporter
    )
    assert rejected.status_code == 200, rejected.text
    db.expire_all()
    (entry,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id))
    assert (entry.what, entry.legal_path.value, entry.purpose, entry.granted) == (
        access.PERSON_LOOKUP,
        "official_duty",
        access.BATCH_PURPOSE,
        True,
    )
    assert entry.organisation_id == world.organisations["regulator"].id
    (ingested,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.ingest"))
    assert ingested.target_id == str(real.json()["batch_id"])
    details, witnessed_ids = witnessed(ingested.details)
    assert witnessed_ids == [entry.id]
    assert details["persons_looked_up"] == 1
    assert db.scalars(select(AccessEvent).where(AccessEvent.subject_id == other.id)).all() == []
    assert citizen_id_of(person) not in json.dumps(ingested.details, ensure_ascii=False)


def test_a_legal_representative_held_then_refused_on_release_is_in_his_access_log(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """A registration row naming a registered person under another name is held
    (``legal_representative_mismatch``): the batch's lookup of him is in his log, witnessed
    by ``batch.ingest``. Released, the pipeline holds it again and the release is refused
    and rolled back; its lookup stays in his log, witnessed by ``held_row.release_refused``
    (Art. 24, 34)."""
    world = collection_world
    regulator = world.organisations["regulator"]
    grant(db, clock, regulator, "registration")
    db.commit()
    person = world.subjects["person"]
    company = world.subjects["company"]
    row = {
        **subject_row(company.name, uscc=company.uscc or ""),
        "entity_type": "有限责任公司",
        "established_on": "2015-03-02",
        "registration_authority": regulator.name,
        "registration_status": "存续",
        **source_columns(regulator),
        "legal_representative": "张冒名",
        "id_type": "身份证",
        "id_number": citizen_id_of(person),
    }
    reporter = auth_headers(client, "reporter")

    real = submit(client, reporter, [row], record_type="registration")

    assert real.status_code == 201, real.text
    assert problems(real.json()) == [(1, "legal_representative", "legal_representative_mismatch")]
    (held,) = client.get("/api/v1/held-rows", headers=reporter).json()["items"]
    release = client.post(
        f"/api/v1/held-rows/{held['id']}/release", json={"reasons": "核实"}, headers=reporter
    )
    assert release.status_code == 422, release.text
    assert release.json()["error"]["code"] == "release_refused"
    db.expire_all()
    entries = db.scalars(
        select(AccessEvent).where(AccessEvent.subject_id == person.id).order_by(AccessEvent.id)
    ).all()
    assert [(e.what, e.purpose, e.organisation_id) for e in entries] == [
        (access.PERSON_LOOKUP, access.BATCH_PURPOSE, regulator.id)
    ] * 2
    (ingested,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.ingest"))
    assert witnessed(ingested.details)[1] == [entries[0].id]
    (refused,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "held_row.release_refused")
    )
    assert refused.target_id == str(held["id"])
    details, ids = witnessed(refused.details)
    assert ids == [entries[1].id]
    assert details["problems"] == ["legal_representative_mismatch"]


def test_a_csv_body_with_a_header_row_alone_is_refused(
    collection_world: World, client: TestClient, db: Session
) -> None:
    reporter = auth_headers(client, "reporter")
    before = snapshot(db, *STORED)
    body = "行政相对人名称,备注\r\n".encode()
    response = submit(client, reporter, body=body, content_type="text/csv")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("no_rows", "rows")
    assert "行政处罚决定书文号 (decision_number)" in error["details"]["missing_required"]
    assert snapshot(db, *STORED) == before


@pytest.mark.parametrize("query", [{"dryrun": "true"}, {"dry-run": "1"}, {"lang": "zh"}])
def test_a_parameter_the_batch_endpoint_does_not_take_is_refused_before_anything_is_written(
    collection_world: World, client: TestClient, db: Session, query: dict[str, str]
) -> None:
    reporter = auth_headers(client, "reporter")
    before = snapshot(db, *STORED)
    response = client.post(
        BATCHES,
        params={"type": PENALTY, **query},
        content=json.dumps([penalty_row(collection_world)], ensure_ascii=False).encode(),
        headers={**reporter, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_parameter", next(iter(query)))
    assert snapshot(db, *STORED) == before


def test_who_may_not_submit_is_told_so_before_any_parameter_is_looked_at(
    collection_world: World, client: TestClient
) -> None:
    response = client.post(
        BATCHES,
        params={"type": PENALTY, "dryrun": "1"},
        content=b"[]",
        headers={**auth_headers(client, "querier"), "Content-Type": "application/json"},
    )
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("wrapper", ["list", "rows", "jsonl"])
def test_json_lines_and_wrapped_json_are_accepted(
    collection_world: World, client: TestClient, db: Session, wrapper: str
) -> None:
    world = collection_world
    rows = [penalty_row(world), penalty_row(world)]
    if wrapper == "jsonl":
        response = submit(
            client,
            auth_headers(client, "reporter"),
            body=jsonl_bytes(rows),
            content_type="application/x-ndjson",
        )
    else:
        payload: Any = rows if wrapper == "list" else {"rows": rows}
        response = submit(
            client,
            auth_headers(client, "reporter"),
            body=json.dumps(payload, ensure_ascii=False).encode(),
        )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    assert len(records_of(db)) == 2


@pytest.mark.parametrize(
    "shape", ["members_after_rows", "members_before_rows", "utf16", "not_json_after_rows"]
)
def test_a_json_body_is_streamed_with_the_shapes_and_codes_it_always_had(
    collection_world: World,
    client: TestClient,
    db: Session,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
) -> None:
    """The body is read object by object (never json.load of the whole list), and the
    shapes a whole-body parse accepted, or refused, still are."""
    world = collection_world
    rows = [penalty_row(world), penalty_row(world)]
    text = json.dumps(rows, ensure_ascii=False)
    bodies = {
        "members_after_rows": f'{{"rows": {text}, "source": {{"system": "x", "n": [1]}}}}',
        "members_before_rows": f'{{"source": "x", "rows": {text}}}',
        "utf16": text,
        "not_json_after_rows": text[:-1] + ", {oops}]",
    }
    body = bodies[shape].encode("utf-16" if shape == "utf16" else "utf-8")
    if shape == "members_after_rows":

        def whole_body_parse(*_args: Any, **_kwargs: Any) -> Any:
            raise AssertionError("the JSON body was parsed whole")

        monkeypatch.setattr(json, "load", whole_body_parse)
    before = snapshot(db, "batch", "credit_record", "quarantined_row")
    response = submit(client, auth_headers(client, "reporter"), body=body)
    if shape == "not_json_after_rows":
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "bad_json"
        assert snapshot(db, "batch", "credit_record", "quarantined_row") == before
        return
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [(b"", "application/json", "bad_json"), (b'[{"a": "\xff"}]', "application/json", "bad_json")],
)
def test_a_json_body_that_is_empty_or_not_utf8_is_bad_json(
    collection_world: World,
    client: TestClient,
    db: Session,
    body: bytes,
    content_type: str,
    code: str,
) -> None:
    response = submit(
        client, auth_headers(client, "reporter"), body=body, content_type=content_type
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("姓名,电话\r\n张三,123\r\n".encode(), "text/csv"),
        (b'[{"customer": "x", "phone": "1"}]', "application/json"),
    ],
)
def test_a_body_with_no_column_of_the_type_is_refused_whole(
    collection_world: World, client: TestClient, db: Session, body: bytes, content_type: str
) -> None:
    """Not a file of this record type: one refusal naming the expected headers, not a
    rejected row per field per row; nothing is written."""
    before = snapshot(db, "batch", "credit_record", "quarantined_row")
    response = submit(
        client, auth_headers(client, "reporter"), body=body, content_type=content_type
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("no_known_columns", "headers")
    assert "行政相对人名称" in error["message"]
    assert snapshot(db, "batch", "credit_record", "quarantined_row") == before


@pytest.mark.parametrize(
    ("encoding", "content_type"),
    [
        ("utf-8", "text/csv"),
        ("utf-8-sig", "text/csv"),
        ("gb18030", "text/csv; charset=gb18030"),
        ("xlsx", XLSX),
    ],
)
def test_files_with_chinese_headers_match_english_json(
    collection_world: World,
    client: TestClient,
    db: Session,
    tmp_path: Path,
    encoding: str,
    content_type: str,
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(world),
        penalty_row(world, subject_uscc=new_uscc(), subject_name="福州榕城餐饮有限公司"),
    ]
    chinese = [zh(row) for row in rows]
    if encoding == "xlsx":
        body = write_xlsx(tmp_path / "penalties.xlsx", chinese).read_bytes()
    else:
        body = csv_bytes(chinese, encoding=encoding)

    first = submit(client, reporter, body=body, content_type=content_type, key="file")
    assert first.status_code == 201, first.text
    assert (first.json()["created"], first.json()["new_subjects"], first.json()["problems"]) == (
        2,
        1,
        [],
    )
    stored = [versions_of(db, r.id)[0].payload for r in records_of(db)]
    assert stored[1]["subject_name"] == "福州榕城餐饮有限公司"

    # The same rows as English JSON: recognised as the same records, nothing changes.
    before = snapshot(db, "credit_record", "record_version")
    second = submit(client, reporter, rows, key="json")
    assert second.status_code == 201, second.text
    assert (second.json()["created"], second.json()["updated"], second.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    assert snapshot(db, "credit_record", "record_version") == before


def test_replaying_an_idempotency_key_returns_the_first_report_and_changes_nothing(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(world),
        penalty_row(world, subject_name="另一家有限公司"),  # held
        penalty_row(world, fine_amount="很多"),  # rejected
    ]
    first = submit(client, reporter, rows, key="once")
    assert first.status_code == 201, first.text
    assert problems(first.json()) == [
        (2, "subject_name", "name_mismatch"),
        (3, "fine_amount", "invalid_number"),
    ]
    before = snapshot(db, *STORED)

    again = submit(client, reporter, rows, key="once")

    assert again.status_code == 200, again.text
    assert again.json() == {**first.json(), "replayed": True}
    assert snapshot(db, *STORED) == before


def test_the_same_body_without_a_key_is_a_replay(
    collection_world: World, client: TestClient, db: Session
) -> None:
    reporter = auth_headers(client, "reporter")
    rows = [penalty_row(collection_world)]
    first = submit(client, reporter, rows)
    assert first.status_code == 201, first.text
    before = snapshot(db, *STORED)
    again = submit(client, reporter, rows)
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True
    assert again.json()["batch_id"] == first.json()["batch_id"]
    assert snapshot(db, *STORED) == before


def test_an_idempotency_key_reused_for_other_content_is_refused(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    assert submit(client, reporter, [penalty_row(world)], key="k1").status_code == 201
    before = snapshot(db, "credit_record", "record_version", "batch", "quarantined_row", "subject")

    response = submit(client, reporter, [penalty_row(world)], key="k1")

    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert (
        snapshot(db, "credit_record", "record_version", "batch", "quarantined_row", "subject")
        == before
    )


def test_a_changed_row_through_the_api_is_version_two(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    row = penalty_row(world)
    submit(client, reporter, [row], key="a")
    response = submit(client, reporter, [{**row, "violation_facts": "更正后的违法事实"}], key="b")
    assert response.json()["updated"] == 1
    record = record_by_decision(db, row["decision_number"])
    one, two = versions_of(db, record.id)
    assert two.reason == "updated by source"
    assert two.batch_id == response.json()["batch_id"]
    assert two.actor == f"user:{world.users['reporter'].id}"
    assert one.payload["violation_facts"] == row["violation_facts"]
    assert two.payload["violation_facts"] == "更正后的违法事实"


def test_characters_nobody_sees_are_not_kept_and_make_no_other_record(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """A U+202E in 违法行为类型 reversed it in the PDF report and on the public pages; zero-width
    characters in the decision number made another natural key. They are dropped as the row
    is checked (texts.visible), so the row sent again without them — another body, so not a
    replay of the batch, whose key stands for its bytes — is the same record, unchanged."""
    world = collection_world
    reporter = auth_headers(client, "reporter")
    row = penalty_row(world)
    sprinkled = {
        **row,
        "decision_number": "\ufeff" + row["decision_number"] + "\u200b",
        "violation_type": "\u202e" + row["violation_type"] + "\u202c",
        "penalty_content": row["penalty_content"][:2] + "\u200d" + row["penalty_content"][2:],
        "subject_name": "\u2060" + row["subject_name"],
    }

    first = submit(client, reporter, [sprinkled], key="sprinkled")

    assert first.status_code == 201, first.text
    assert (first.json()["created"], first.json()["held"], first.json()["problems"]) == (1, 0, [])
    record = record_by_decision(db, row["decision_number"])
    (version,) = versions_of(db, record.id)
    for name in ("decision_number", "violation_type", "penalty_content", "subject_name"):
        assert version.payload[name] == row[name]
    # The batch's key still stands for its bytes: other bytes under it are refused.
    reused = submit(client, reporter, [row], key="sprinkled")
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    again = submit(client, reporter, [row])
    assert again.status_code == 201, again.text
    body = again.json()
    assert (body["replayed"], body["created"], body["updated"], body["unchanged"]) == (
        False,
        0,
        0,
        1,
    )
    # And the other way round, within one batch: the second row is the first one again.
    other = penalty_row(world)
    both = submit(client, reporter, [other, {**other, "violation_type": "\u200b虚假宣传\u202e"}])
    assert (both.json()["created"], both.json()["unchanged"]) == (1, 1)
    assert len(versions_of(db, record_by_decision(db, other["decision_number"]).id)) == 1


def test_a_required_text_of_characters_nobody_sees_is_required(
    collection_world: World, client: TestClient
) -> None:
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(collection_world, violation_type=""),
        penalty_row(collection_world, violation_type="\u200b\u200d"),
        penalty_row(collection_world, decision_number=" \ufeff\u202e "),
    ]
    response = submit(client, reporter, rows)
    assert response.status_code == 201, response.text
    assert problems(response.json()) == [
        (1, "violation_type", "required"),
        (2, "violation_type", "required"),
        (3, "decision_number", "required"),
    ]
    assert response.json()["created"] == 0


# --- reports -----------------------------------------------------------------------------


def test_the_report_lists_every_rejected_row_and_downloads_as_csv(
    collection_world: World, client: TestClient
) -> None:
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(world),
        penalty_row(world, decision_date="2026-02-30"),
        penalty_row(world, subject_uscc="91350100M000100Y44"),
        penalty_row(world, subject_name="另一家有限公司"),
        penalty_row(world, 经办人="张科员"),
    ]
    body = submit(client, reporter, rows).json()
    expected = [
        (2, "decision_date", "invalid_date"),
        (3, "subject_uscc", "check_character"),
        (4, "subject_name", "name_mismatch"),
    ]
    assert problems(body) == expected
    assert (body["created"], body["rejected"], body["held"]) == (2, 2, 1)
    assert body["unknown_columns"] == ["经办人"]
    assert (
        problems(client.get(f"{BATCHES}/{body['batch_id']}", headers=reporter).json()) == expected
    )

    download = client.get(f"{BATCHES}/{body['batch_id']}/report.csv", headers=reporter)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert list(table[0]) == ["row", "field", "code", "message", "article", "disposition"]
    assert [(r["row"], r["field"], r["code"], r["disposition"]) for r in table] == [
        ("2", "decision_date", "invalid_date", "rejected"),
        ("3", "subject_uscc", "check_character", "rejected"),
        ("4", "subject_name", "name_mismatch", "held"),
    ]
    assert all(r["message"] for r in table)

    listed = client.get(BATCHES, headers=reporter).json()["items"]
    assert [(b["batch_id"], b["rejected"], b["held"]) for b in listed] == [(body["batch_id"], 2, 1)]


@pytest.mark.parametrize("body_format", ["json", "jsonl", "csv", "xlsx"])
def test_a_nul_in_a_rows_value_quarantines_that_row_naming_the_column(
    collection_world: World, client: TestClient, db: Session, tmp_path: Path, body_format: str
) -> None:
    """As the API refuses NUL in every JSON body (422 nul_character), a NUL inside a batch
    row's value refuses that row, in every body format: the rest of the batch is taken."""
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(world, 经办人=""),
        penalty_row(world, violation_facts="在店堂广告中\x00作引人误解的宣传"),
        penalty_row(world, 经办人="张\x00科员"),  # an unknown column: named by its header
    ]
    if body_format == "json":
        response = submit(client, reporter, rows)
    elif body_format == "jsonl":
        response = submit(
            client, reporter, body=jsonl_bytes(rows), content_type="application/x-ndjson"
        )
    elif body_format == "csv":
        response = submit(client, reporter, body=csv_bytes(rows), content_type="text/csv")
    else:
        path = write_xlsx_with_nul(tmp_path / "penalties.xlsx", rows)
        response = submit(client, reporter, body=path.read_bytes(), content_type=XLSX)
    assert response.status_code == 201, response.text
    body = response.json()
    first = 1 if body_format in ("json", "jsonl") else 2  # the spreadsheet's header is row 1
    assert problems(body) == [
        (first + 1, "violation_facts", "nul_character"),
        (first + 2, "经办人", "nul_character"),
    ]
    assert (body["created"], body["rejected"]) == (1, 2)
    for problem in body["problems"]:
        assert "U+0000" in problem["message"]
        assert "\x00" not in problem["message"]
        assert problem["disposition"] == "rejected"
    stored = client.get(f"{BATCHES}/{body['batch_id']}", headers=reporter).json()
    assert problems(stored) == problems(body)
    download = client.get(f"{BATCHES}/{body['batch_id']}/report.csv", headers=reporter)
    table = list(csv.DictReader(io.StringIO(download.text)))
    assert [(r["field"], r["code"]) for r in table] == [
        ("violation_facts", "nul_character"),
        ("经办人", "nul_character"),
    ]
    assert len(records_of(db)) == 1


def test_an_xlsx_formula_without_a_cached_result_quarantines_its_row(
    collection_world: World, client: TestClient, db: Session, tmp_path: Path
) -> None:
    """A workbook saved by a program that does not calculate keeps a formula but no result:
    the value is unknown, not empty, and is neither dropped nor taken as missing."""
    world = collection_world
    reporter = auth_headers(client, "reporter")
    rows = [
        penalty_row(world),
        penalty_row(world, fine_amount="=1+1"),
        penalty_row(world, subject_name="=B2"),
    ]
    path = write_xlsx(tmp_path / "penalties.xlsx", rows)
    response = submit(client, reporter, body=path.read_bytes(), content_type=XLSX)
    assert response.status_code == 201, response.text
    body = response.json()
    assert problems(body) == [
        (3, "fine_amount", "formula_without_value"),
        (4, "subject_name", "formula_without_value"),
    ]
    assert (body["created"], body["rejected"]) == (1, 2)
    assert all("formula" in problem["message"] for problem in body["problems"])
    assert len(records_of(db)) == 1


def test_every_schema_error_in_one_batch_through_the_api(
    collection_world: World, client: TestClient
) -> None:
    world = collection_world
    rows = [penalty_row(world)] + [penalty_row(world, **bad) for bad, _, _ in SCHEMA_ERROR_CASES]
    response = submit(client, auth_headers(client, "reporter"), rows)
    assert response.status_code == 201, response.text
    expected = [
        (number, field, code) for number, (_, field, code) in enumerate(SCHEMA_ERROR_CASES, start=2)
    ]
    assert problems(response.json()) == expected
    assert (response.json()["created"], response.json()["rejected"]) == (1, len(expected))
    assert all(p["message"] for p in response.json()["problems"])


def test_another_organisations_batch_is_not_found(
    collection_world: World, client: TestClient, db: Session
) -> None:
    batch_id = submit(
        client, auth_headers(client, "reporter"), [penalty_row(collection_world)]
    ).json()["batch_id"]
    other = client.get(f"{BATCHES}/{batch_id}", headers=auth_headers(client, "other_reporter"))
    assert other.status_code == 404
    # Answered as missing, audited as the refused access it is; a batch that does not
    # exist is only missing.
    missing = client.get(f"{BATCHES}/{batch_id + 1000}", headers=auth_headers(client, "reporter"))
    assert missing.status_code == 404
    refused = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()
    assert [(e.details["code"], e.details["route"]) for e in refused] == [
        ("not_found", "/api/v1/batches/{batch_id}")
    ]
    assert client.get(BATCHES, headers=auth_headers(client, "other_reporter")).json()["items"] == []
    supervised = client.get(f"{BATCHES}/{batch_id}", headers=auth_headers(client, "authority"))
    assert supervised.status_code == 200
    assert supervised.json()["created"] == 1


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b"{not json", "application/json", "bad_json"),
        (b'[{"a": {"nested": 1}}]', "application/json", "bad_json"),
        (b"", "text/csv", "empty"),
        (b"<html></html>", "text/html", "unsupported_format"),
        # Each of these was a 500 (found by hand while fuzzing): nested deeper than the
        # parser goes, in a row, around the rows, or in a body parsed whole; and an integer
        # longer than Python converts, in JSON and in JSON Lines.
        (b'[{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", "application/json", "bad_json"),
        (b'{"rows": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "application/json", "bad_json"),
        (b'{"x": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001, "application/json", "bad_json"),
        (b'[{"a": 1' + b"0" * 5000 + b"}]", "application/json", "bad_json"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "application/x-ndjson", "bad_json"),
    ],
)
def test_an_unusable_body_is_refused_and_writes_nothing(
    collection_world: World,
    client: TestClient,
    db: Session,
    body: bytes,
    content_type: str,
    code: str,
) -> None:
    reporter = auth_headers(client, "reporter")
    before = snapshot(db, "batch", "credit_record", "quarantined_row")
    response = submit(client, reporter, body=body, content_type=content_type)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert snapshot(db, "batch", "credit_record", "quarantined_row") == before


@pytest.mark.parametrize(
    ("body", "content_type", "code", "field"),
    [
        (
            "subject_name,remarks,subject_name\r\n甲,乙,丙\r\n".encode(),
            "text/csv",
            "duplicate_header",
            "subject_name",
        ),
        ("subject_name,remarks\r\n甲,".encode() + b"\xff\r\n", "text/csv", "encoding", "remarks"),
        (
            b'[{"remarks": "1"}, {"remarks": {"nested": 1}}]',
            "application/json",
            "bad_json",
            "remarks",
        ),
        (
            b'{"remarks": "1"}\n{"remarks": "1", " remarks": "2"}\n',
            "application/x-ndjson",
            "duplicate_header",
            "remarks",
        ),
        # No column applies: a line that is not JSON; a value under no header.
        (b'{"remarks": "1"}\n{not json\n', "application/x-ndjson", "bad_json", None),
        (b"subject_name,,remarks\r\n1,2,3\r\n", "text/csv", "no_header", None),
    ],
)
def test_a_readers_refusal_names_the_column_where_one_is_at_fault(
    collection_world: World,
    client: TestClient,
    body: bytes,
    content_type: str,
    code: str,
    field: str | None,
) -> None:
    response = submit(
        client, auth_headers(client, "reporter"), body=body, content_type=content_type
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["details"]["row"] >= 1


# --- responsibility ----------------------------------------------------------------------


def test_submitting_outside_the_responsibility_list_is_forbidden(
    collection_world: World, client: TestClient, db: Session
) -> None:
    response = submit(
        client, auth_headers(client, "other_reporter"), [penalty_row(collection_world)]
    )
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert (error["code"], error["article"]) == ("not_responsible", "Art. 9")
    assert records_of(db) == []
    assert db.scalars(select(Batch)).all() == []
    refusal = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "access.refused")
        .order_by(AuditEvent.sequence)
    ).all()[-1]
    assert refusal.details["code"] == "not_responsible"


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("querier", "permission_denied"),
        ("analyst", "permission_denied"),  # reporting and querying are distinct roles
        ("authority", "permission_denied"),
        ("admin", "permission_denied"),
        ("citizen", "permission_denied"),
    ],
)
def test_only_submitting_roles_may_submit(
    collection_world: World, client: TestClient, db: Session, username: str, code: str
) -> None:
    response = submit(client, auth_headers(client, username), [penalty_row(collection_world)])
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == code
    assert db.scalars(select(Batch)).all() == []


def test_the_sources_api(collection_world: World, client: TestClient, db: Session) -> None:
    world = collection_world
    other = world.organisations["other_agency"]
    grant = {"organisation": other.code, "record_type": PENALTY}
    refused = client.post("/api/v1/sources", json=grant, headers=auth_headers(client, "reporter"))
    assert refused.status_code == 403
    assert sources.responsibilities(db, other.id) == []

    authority = auth_headers(client, "authority")
    granted = client.post("/api/v1/sources", json=grant, headers=authority)
    assert granted.status_code == 201, granted.text
    db.expire_all()
    assert sources.responsibilities(db, other.id) == [PENALTY]

    wrong_kind = client.post(
        "/api/v1/sources",
        json={"organisation": world.organisations["bank"].code, "record_type": PENALTY},
        headers=authority,
    )
    assert wrong_kind.status_code == 422
    assert (wrong_kind.json()["error"]["code"], wrong_kind.json()["error"]["article"]) == (
        "submitter_kind_not_allowed",
        "Art. 9",
    )
    assert sources.responsibilities(db, world.organisations["bank"].id) == []

    # The newly responsible agency may now submit.
    accepted = submit(client, auth_headers(client, "other_reporter"), [penalty_row(world)])
    assert accepted.status_code == 201, accepted.text


def test_the_sources_revoke_api(collection_world: World, client: TestClient, db: Session) -> None:
    world = collection_world
    regulator = world.organisations["regulator"]
    revocation = {"organisation": regulator.code, "record_type": PENALTY}
    refused = client.post(
        "/api/v1/sources/revoke", json=revocation, headers=auth_headers(client, "reporter")
    )
    assert refused.status_code == 403
    assert sources.responsibilities(db, regulator.id) == [PENALTY]

    authority = auth_headers(client, "authority")
    revoked = client.post("/api/v1/sources/revoke", json=revocation, headers=authority)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json() == revocation
    db.expire_all()
    assert sources.responsibilities(db, regulator.id) == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "source.revoke")).one()
    assert (event.actor_id, event.target_id, event.details) == (
        f"user:{world.users['authority'].id}",
        str(regulator.id),
        {"record_type": PENALTY},
    )

    # The regulator's submissions of penalties are refused from now on (Art. 9).
    stopped = submit(client, auth_headers(client, "reporter"), [penalty_row(world)])
    assert stopped.status_code == 403
    assert (stopped.json()["error"]["code"], stopped.json()["error"]["article"]) == (
        "not_responsible",
        "Art. 9",
    )

    listed = client.get("/api/v1/sources", headers=authority).json()["items"]
    penalty_line = next(
        item
        for item in listed
        if (item["organisation"], item["record_type"]) == (regulator.code, PENALTY)
    )
    assert penalty_line["in_force"] is False
    assert penalty_line["revoked_at"] is not None

    again = client.post("/api/v1/sources/revoke", json=revocation, headers=authority)
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "not_responsible"
    unknown = client.post(
        "/api/v1/sources/revoke",
        json={**revocation, "record_type": "fire_safety_check"},
        headers=authority,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_record_type"
    assert "/api/v1/sources/revoke" in client.get("/openapi.json").json()["paths"]


# --- timeliness --------------------------------------------------------------------------


def test_late_submissions_are_shown_to_the_credit_authority(
    collection_world: World, client: TestClient
) -> None:
    world = collection_world
    rows = [
        penalty_row(world, decision_date="2026-11-13"),  # 10 working days ago: late
        penalty_row(world, decision_date="2026-11-25"),  # 2 working days ago
    ]
    body = submit(client, auth_headers(client, "reporter"), rows).json()
    assert body["late"] == 1

    assert (
        client.get("/api/v1/timeliness", headers=auth_headers(client, "reporter")).status_code
        == 403
    )
    items = client.get("/api/v1/timeliness", headers=auth_headers(client, "authority")).json()[
        "items"
    ]
    (regulator,) = [i for i in items if i["organisation"] == world.organisations["regulator"].code]
    assert (regulator["records"], regulator["late"], regulator["worst_working_days"]) == (2, 1, 10)
    assert regulator["late_share"] == 0.5
    assert regulator["average_working_days"] == 6.0


# --- market records about members (Art. 10 ¶1) ------------------------------------------


def _evaluation(company_name: str, uscc: str, **extra: str) -> dict[str, str]:
    return {
        **subject_row(company_name, uscc=uscc),
        "evaluation_name": "2026年度会员信用评价",
        "grade": "AAA",
        "evaluated_on": "2026-11-20",
        "membership_status": "正常",
        **extra,
    }


def test_an_association_submits_evaluations_of_its_members(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    world = collection_world
    association = OrganisationFactory(
        name="福州市文具行业协会",
        kind=OrganisationKind.INDUSTRY_ASSOCIATION,
        code=new_uscc(prefix="51"),
    )
    add_reporter(db, association, "association_clerk")
    member = CompanyFactory(name="福州文房四宝有限公司")
    sources.grant(db, clock, SYSTEM_ACTOR, association, "association_evaluation")
    db.commit()
    company = world.subjects["company"]
    person = world.subjects["person"]
    # Its members, on its register (Art. 10 ¶1: 根据会员的约定).
    clerk = auth_headers(client, "association_clerk")
    for subject in (company, member):
        added = client.post(
            "/api/v1/members",
            json={
                "uscc": subject.uscc,
                "name": subject.name,
                "since": "2025-01-01",
                "agreement_reference": "会员协议 2025-001",
            },
            headers=clerk,
        )
        assert added.status_code == 201, added.text
    rows = [
        _evaluation(company.name, company.uscc or ""),
        _evaluation(member.name, member.uscc or "", grade="AA"),
        {
            **_evaluation(person.name, ""),
            **subject_row(person.name, citizen_id=citizen_id_of(person)),
        },
    ]

    response = submit(
        client,
        auth_headers(client, "association_clerk"),
        rows,
        record_type="association_evaluation",
        key="eval-2026",
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["created"], body["rejected"]) == (2, 1)
    assert problems(body) == [(3, "subject_category", "subject_kind_not_allowed")]
    stored = records_of(db)
    assert {r.subject_id for r in stored} == {company.id, member.id}
    for record in stored:
        assert record.source_organisation_id == association.id
        assert record.publicity_start is None  # market information is not public
        assert record.rule_source == "city rule v1"
    grades = {r.subject_id: versions_of(db, r.id)[0].payload["grade"] for r in stored}
    assert grades == {company.id: "AAA", member.id: "AA"}

    # A state organ may not submit a market body's evaluation, responsible or not.
    refused = submit(
        client,
        auth_headers(client, "reporter"),
        [_evaluation(company.name, company.uscc or "", evaluated_on="2026-11-21")],
        record_type="association_evaluation",
    )
    assert refused.status_code == 403, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "submitter_kind_not_allowed",
        "Art. 10 ¶1",
    )
    assert len(records_of(db)) == 2


def test_a_bank_submits_contract_performance_about_a_company(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    world = collection_world
    sources.grant(db, clock, SYSTEM_ACTOR, world.organisations["bank"], "contract_performance")
    add_reporter(db, world.organisations["bank"], "bank_clerk")
    db.commit()
    company = world.subjects["company"]
    row = {
        **subject_row(company.name, uscc=company.uscc or ""),
        "contract_number": "FZB-2026-0001",
        "breach_description": "逾期未还款",
        "breach_date": "2026-11-02",
        "amount_owed": "12.5",
        "counterparty": world.organisations["bank"].name,
    }
    response = submit(
        client, auth_headers(client, "bank_clerk"), [row], record_type="contract_performance"
    )
    assert response.status_code == 201, response.text
    (record,) = records_of(db)
    assert (record.subject_id, record.source_organisation_id) == (
        company.id,
        world.organisations["bank"].id,
    )
    assert record.publicity_start is None


def test_person_rows_from_a_state_organ_need_no_consent_when_public_by_law(
    collection_world: World, client: TestClient, db: Session
) -> None:
    world = collection_world
    person = world.subjects["person"]
    response = submit(
        client,
        auth_headers(client, "reporter"),
        [person_penalty_row(world, citizen_id_of(person), person.name)],
    )
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1
    assert records_of(db, person.id)[0].publicity_start is not None


# --- no citizen ID in clear in a report (rules.md; decision 0021) ------------------------


def test_a_citizen_id_in_the_document_type_column_is_not_echoed_into_the_report(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """With 证件类型 holding the number, the refusal names the column, not what it holds:
    the problem is returned, stored, and kept after the row's content is erased."""
    world = collection_world
    person = world.subjects["person"]
    citizen_id = citizen_id_of(person)
    reporter = auth_headers(client, "reporter")
    row = person_penalty_row(world, citizen_id, person.name, id_type=citizen_id)
    response = submit(client, reporter, [row])
    assert response.status_code == 201, response.text
    body = response.json()
    assert problems(body) == [(1, "id_type", "unsupported_id_type")]
    stored = client.get(f"{BATCHES}/{body['batch_id']}", headers=reporter)
    download = client.get(f"{BATCHES}/{body['batch_id']}/report.csv", headers=reporter)
    assert problems(stored.json()) == problems(body)
    for text in (response.text, stored.text, download.text):
        assert citizen_id not in text
        assert citizen_id[6:14] not in text
    assert tables_containing(db, citizen_id) == []


def test_a_citizen_id_in_a_problem_stored_before_masking_is_masked_when_read(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """A batch reported before problems were masked holds the number in its message; the
    report reads it masked."""
    world = collection_world
    person = world.subjects["person"]
    citizen_id = citizen_id_of(person)
    reporter = auth_headers(client, "reporter")
    row = person_penalty_row(world, citizen_id, person.name, id_type="护照")
    body = submit(client, reporter, [row]).json()
    quarantined = db.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == body["batch_id"])
    ).one()
    quarantined.problems = [
        {
            **quarantined.problems[0],
            "message": f"only citizen ID numbers are accepted, not {citizen_id}",
        }
    ]
    db.commit()
    stored = client.get(f"{BATCHES}/{body['batch_id']}", headers=reporter)
    download = client.get(f"{BATCHES}/{body['batch_id']}/report.csv", headers=reporter)
    masked = f"{citizen_id[:6]}********{citizen_id[14:]}"
    assert stored.json()["problems"][0]["message"].endswith(f"not {masked}")
    assert masked in download.text
    assert citizen_id not in stored.text + download.text


@pytest.mark.parametrize(
    ("first_row", "code"),
    [
        ("王某,{id},罚款", "no_known_columns"),  # the refusal lists the headers it found
        ("王某,{id},{id}", "duplicate_header"),  # the refusal names the header twice found
    ],
)
def test_a_file_without_its_header_row_is_refused_without_echoing_its_first_row(
    collection_world: World, client: TestClient, first_row: str, code: str
) -> None:
    """Its first row is read as the headers, and a citizen ID among them stays masked."""
    citizen_id = citizen_id_of(collection_world.subjects["person"])
    body = f"{first_row}\r\n李某,110105194912310021,警告\r\n".format(id=citizen_id)
    response = submit(
        client, auth_headers(client, "reporter"), body=body.encode(), content_type="text/csv"
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert f"{citizen_id[:6]}********{citizen_id[14:]}" in response.text
    assert citizen_id not in response.text


@pytest.mark.parametrize("kind", sorted(hostile_workbooks.HOSTILE))
def test_a_hostile_workbook_is_refused_with_its_code(
    collection_world: World, client: TestClient, db: Session, tmp_path: Path, kind: str
) -> None:
    """Before the guard, the far cell aborted the server process (calamine asked for 512 GB)
    and the shared-strings bomb held gigabytes: that this process survives is the check."""
    build, code = hostile_workbooks.HOSTILE[kind]
    body = build(tmp_path / f"{kind}.xlsx").read_bytes()
    before = snapshot(db, "batch", "credit_record", "quarantined_row")
    response = client.post(
        BATCHES,
        params={"type": PENALTY, "dry_run": "true"},
        content=body,
        headers={**auth_headers(client, "reporter"), "Content-Type": XLSX},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert snapshot(db, "batch", "credit_record", "quarantined_row") == before
