"""Self-declarations and credit commitments (Art. 10 ¶2, Art. 21) and fulfilment updates by
the accepting unit, each a version with actor, source and reason (Art. 24)."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
    records_of,
    snapshot,
    tables_containing,
    versions_of,
)
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import access
from xinyong.errors import Conflict, InvalidInput

COMMITMENT = {
    "commitment_type": "信用修复承诺",
    "reason": "申请信用修复",
    "text": "本单位承诺已纠正失信行为，今后依法诚信经营。",
}


def declare(client: TestClient, username: str, **body: str) -> Any:
    return client.post(
        "/api/v1/me/declarations",
        json={"title": "志愿服务", "content": "2026 年参加社区志愿服务 120 小时。", **body},
        headers=auth_headers(client, username),
    )


def commit(client: TestClient, username: str, accepting_unit: str) -> Any:
    return client.post(
        "/api/v1/me/commitments",
        json={**COMMITMENT, "accepting_unit": accepting_unit},
        headers=auth_headers(client, username),
    )


def record(db: Session, record_id: int) -> CreditRecord:
    db.expire_all()
    found = db.get(CreditRecord, record_id)
    assert found is not None
    return found


# --- self-declaration --------------------------------------------------------------------


def test_a_citizen_declares_information_about_herself(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    response = declare(client, "citizen")
    assert response.status_code == 201, response.text
    assert response.json()["self_declared"] is True
    assert response.json()["decision_date"] == clock.today().isoformat()

    declared = record(db, response.json()["record_id"])
    assert declared.self_declared is True
    assert declared.subject_id == person.id
    assert declared.source_organisation_id == world.organisations["operator"].id
    assert (declared.publicity_start, declared.publicity_end) == (None, None)  # not public
    assert declared.rule_source == "city rule v1"
    (version,) = versions_of(db, declared.id)
    assert version.reason == "declared by subject"
    assert version.actor == f"user:{world.users['citizen'].id}"
    assert version.payload["title"] == "志愿服务"
    assert version.payload["subject_category"] == "自然人"
    assert version.payload["id_number"][6:14] == "********"
    assert tables_containing(db, citizen_id_of(person)) == []
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record.self_declare")).one()
    assert event.target_id == str(declared.id)

    again = declare(client, "citizen")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert len(records_of(db)) == 1


def test_a_company_declares_and_it_stays_self_declared(
    collection_world: World, client: TestClient, db: Session
) -> None:
    response = declare(client, "company", title="获得 ISO 9001 认证", content="证书编号 00126Q0001")
    assert response.status_code == 201, response.text
    declared = record(db, response.json()["record_id"])
    assert declared.subject_id == collection_world.subjects["company"].id
    assert declared.self_declared is True
    assert declared.publicity_start is None  # self_declaration is a non-public type


@pytest.mark.parametrize("username", ["reporter", "authority", "admin"])
def test_staff_declare_nothing(
    collection_world: World, client: TestClient, db: Session, username: str
) -> None:
    assert declare(client, username).status_code == 403
    assert records_of(db) == []


def test_a_self_declared_type_is_not_taken_in_a_batch(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    row = {"subject_name": "王某某", "title": "x", "content": "y", "declared_on": "2026-11-27"}
    with pytest.raises(InvalidInput) as caught:
        ingest(db, clock, world.organisations["regulator"], [row], record_type="self_declaration")
    assert (caught.value.code, caught.value.article) == ("self_declared_type", "Art. 10 ¶2")


# --- commitments and their fulfilment ----------------------------------------------------


def test_a_company_commits_and_the_accepting_unit_records_fulfilment(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    world = collection_world
    regulator = world.organisations["regulator"]
    company = world.subjects["company"]

    made = commit(client, "company", regulator.code)

    assert made.status_code == 201, made.text
    assert made.json()["fulfilment_status"] == "pending"
    record_id = made.json()["record_id"]
    commitment = record(db, record_id)
    assert commitment.self_declared is True
    assert commitment.subject_id == company.id
    assert commitment.source_organisation_id == regulator.id
    assert commitment.current_version_no == 1
    assert commitment.publicity_start == clock.today()  # an organisation's commitment is public
    (first,) = versions_of(db, record_id)
    assert first.payload["fulfilment_status"] == "pending"
    assert first.payload["accepting_unit"] == regulator.name
    assert first.payload["commitment_type"] == "信用修复承诺"
    first_snapshot = snapshot(db, "record_version")["record_version"]

    # Another agency may not touch it.
    refused = client.post(
        f"/api/v1/commitments/{record_id}/fulfilment",
        json={"status": "breached", "note": "未履行"},
        headers=auth_headers(client, "other_reporter"),
    )
    assert refused.status_code == 403, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "other_organisation",
        "Art. 12",
    )
    assert record(db, record_id).current_version_no == 1

    updated = client.post(
        f"/api/v1/commitments/{record_id}/fulfilment",
        json={"status": "fulfilled", "note": "已按期履行，经核查属实"},
        headers=auth_headers(client, "reporter"),
    )

    assert updated.status_code == 200, updated.text
    assert updated.json() == {
        "record_id": record_id,
        "version": 2,
        "fulfilment_status": "fulfilled",
    }
    commitment = record(db, record_id)
    assert commitment.current_version_no == 2
    one, two = versions_of(db, record_id)
    assert two.reason == "fulfilment updated"
    assert two.reason_detail == "已按期履行，经核查属实"
    assert two.payload["fulfilment_status"] == "fulfilled"
    assert two.actor == f"user:{world.users['reporter'].id}"
    assert two.source_organisation_id == regulator.id
    assert commitment.payload_hash == two.payload_hash != one.payload_hash
    assert one.payload["fulfilment_status"] == "pending"
    assert snapshot(db, "record_version")["record_version"][: len(first_snapshot)] == first_snapshot
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record.fulfilment")).one()
    assert (event.target_id, event.details) == (str(record_id), {"status": "fulfilled"})


@pytest.mark.parametrize(
    "body",
    [{"status": "done", "note": "x"}, {"status": "fulfilled", "note": ""}, {"status": "fulfilled"}],
)
def test_a_fulfilment_update_needs_a_status_and_a_reason(
    collection_world: World, client: TestClient, db: Session, body: dict[str, str]
) -> None:
    record_id = commit(client, "company", collection_world.organisations["regulator"].code).json()[
        "record_id"
    ]
    response = client.post(
        f"/api/v1/commitments/{record_id}/fulfilment",
        json=body,
        headers=auth_headers(client, "reporter"),
    )
    assert response.status_code == 422
    assert record(db, record_id).current_version_no == 1


def test_a_citizens_commitment_is_not_public(
    collection_world: World, client: TestClient, db: Session
) -> None:
    made = commit(client, "citizen", collection_world.organisations["regulator"].code)
    assert made.status_code == 201, made.text
    commitment = record(db, made.json()["record_id"])
    assert commitment.subject_id == collection_world.subjects["person"].id
    assert commitment.publicity_start is None


def test_the_unit_reading_a_citizens_commitments_is_in_his_access_log_and_audited(
    collection_world: World, client: TestClient, db: Session
) -> None:
    """The accepting unit's list shows the citizen's name, masked ID and commitment, which
    are not public: a use of his information (Art. 24), in his log as the unit's read of
    its record is (decision 0028), and one audit event for the request. A company's
    commitment is public: no entry."""
    world = collection_world
    regulator = world.organisations["regulator"]
    person, company = world.subjects["person"], world.subjects["company"]
    assert commit(client, "citizen", regulator.code).status_code == 201
    assert commit(client, "company", regulator.code).status_code == 201
    reporter = auth_headers(client, "reporter")
    before = db.scalar(select(func.max(AuditEvent.sequence))) or 0

    listed = client.get("/api/v1/commitments", headers=reporter)

    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 2
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.sequence > before)).all()
    assert (event.action, event.details["subjects"]) == ("access.read", [person.id])
    assert event.details["witnessed"]["table"] == "access_event"

    def reads(username: str) -> list[dict[str, Any]]:
        log = client.get("/api/v1/me/access-log", headers=auth_headers(client, username))
        assert log.status_code == 200, log.text
        return [i for i in log.json()["items"] if i["what"] == access.SOURCE_RECORD]

    (entry,) = reads("citizen")
    assert (entry["legal_path"], entry["purpose"], entry["record_types"]) == (
        "official_duty",
        records.FOLLOW_UP_PURPOSE,
        ["credit_commitment"],
    )
    assert (entry["organisation"], entry["role"], entry["granted"]) == (
        regulator.name,
        "data_reporter",
        True,
    )
    assert event.details["witnessed"]["ids"] == [entry["id"]]
    assert reads("company") == []
    assert company.id not in event.details["subjects"]


def test_a_commitment_is_made_to_a_state_body_only(
    collection_world: World, client: TestClient, db: Session
) -> None:
    response = commit(client, "company", collection_world.organisations["bank"].code)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_accepting_unit"
    assert records_of(db) == []


def test_fulfilment_of_something_that_is_no_commitment(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    world = collection_world
    ingest(db, clock, world.organisations["regulator"], [penalty_row(world)])
    db.commit()
    (penalty,) = records_of(db)
    response = client.post(
        f"/api/v1/commitments/{penalty.id}/fulfilment",
        json={"status": "fulfilled", "note": "x"},
        headers=auth_headers(client, "reporter"),
    )
    assert response.status_code == 404
    assert len(versions_of(db, penalty.id)) == 1


def test_self_declared_records_are_left_out_of_timeliness(
    collection_world: World, client: TestClient
) -> None:
    assert (
        commit(client, "company", collection_world.organisations["regulator"].code).status_code
        == 201
    )
    items = client.get("/api/v1/timeliness", headers=auth_headers(client, "authority")).json()[
        "items"
    ]
    assert items == []


def test_a_revoked_commitments_fulfilment_is_not_recorded(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """Revoked by its accepting unit (decision 0028), a commitment is no longer used: a
    fulfilment recorded on it would rest on nothing, and a reinstatement brings the record
    back as it was revoked."""
    from tests.disclosure_helpers import actor_of
    from xinyong.collection import revocation

    world = collection_world
    # Taken before the requests, which detach the world's objects.
    reporter = actor_of(world, "reporter")
    record_id = commit(client, "company", world.organisations["regulator"].code).json()["record_id"]
    revocation.revoke(
        db,
        clock,
        reporter,
        record_id,
        ground="withdrawn",
        document_number="榕市监撤〔2026〕1号",
        reason="承诺受理决定撤回",
    )
    db.commit()
    with pytest.raises(Conflict) as refused:
        records.update_fulfilment(db, clock, reporter, record_id, status="breached", note="未履行")
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "commitment_revoked",
        "record",
        "Art. 10 ¶2",
    )
    response = client.post(
        f"/api/v1/commitments/{record_id}/fulfilment",
        json={"status": "breached", "note": "未履行"},
        headers=auth_headers(client, "reporter"),
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "commitment_revoked"
    # The page offers no form for it, and says why; the list names it revoked.
    log_in(client, "reporter")
    path = f"/commitments/{record_id}/fulfilment"
    form = client.get(path, headers=HTML)
    assert "data-commitment-revoked" in form.text
    assert f'method="post" action="{path}"' not in form.text
    assert f'href="{path}"' not in client.get("/commitments", headers=HTML).text
    # Sent anyway (a page loaded before the revocation): refused, keeping what was typed.
    page = client.post(
        path,
        data={"csrf_token": csrf_from(form.text), "status": "breached", "note": "核查未履行"},
        headers=HTML,
    )
    assert page.status_code == 409
    assert 'data-code="commitment_revoked"' in page.text
    assert "核查未履行" in page.text
    assert record(db, record_id).current_version_no == 2  # the revoking version only


def test_a_fulfilment_recorded_meanwhile_is_numbered_before_this_one(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """The update reads the commitment afresh (and locks it, on PostgreSQL: the race is in
    test_collection_at_once): a session whose copy of the record predates another officer's
    update numbers its version after that one, not the same."""
    from sqlalchemy.orm.attributes import set_committed_value

    from tests.disclosure_helpers import actor_of

    world = collection_world
    reporter = actor_of(world, "reporter")  # before the request detaches the world
    record_id = commit(client, "company", world.organisations["regulator"].code).json()["record_id"]
    records.update_fulfilment(db, clock, reporter, record_id, status="fulfilled", note="已履约")
    db.flush()
    copy = db.get(CreditRecord, record_id)
    assert copy is not None
    # The copy as read before the other officer's update: version 1.
    set_committed_value(copy, "current_version_no", 1)
    version = records.update_fulfilment(
        db, clock, reporter, record_id, status="breached", note="核查发现未履约"
    )
    assert version.version_no == 3
    assert [v.version_no for v in versions_of(db, record_id)] == [1, 2, 3]
