"""A repair revoked for fraud (Art. 23) after its record was deleted at the end of its
retention period (征信业管理条例 Art. 16; decision 0018): the case is revoked, the record
stays deleted — no version on the tombstone, nothing back in any file (decision 0023,
session 25 addendum). Review r16."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    Tokens,
    actor_of,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World
from tests.repair_helpers import applied_before_market_records_were_refused
from tests.test_retention import at, breach, run_job
from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.accounts.permissions import Actor
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.disclosure import retention
from xinyong.disclosure.files import build_file
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

API = "/api/v1"


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


def clerk(db: Session) -> Actor:
    account = db.scalar(select(UserAccount).where(UserAccount.username == "bank_clerk"))
    assert account is not None
    return accounts.actor_for_user(account)


def repaired_then_deleted(db: Session, clock: FixedClock, world: World) -> tuple[RepairCase, int]:
    """The bank's contract breach about the person, repaired, then deleted six years on."""
    resolved = clock.today()
    record = breach(db, clock, world, resolved=resolved)
    person = actor_of(world, "citizen")
    commitment = records.make_commitment(
        db,
        clock,
        person,
        commitment_type="履约承诺",
        reason="合同违约",
        text="本人承诺按期履行合同义务",
        accepting_unit=world.organisations["regulator"],
    )
    case = applied_before_market_records_were_refused(
        db, clock, person, record, commitment_record_id=commitment.id
    )
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    repair.decide(db, clock, clerk(db), case.id, approve=True, reasons="整改到位")
    db.commit()
    assert record.status is RecordStatus.REPAIRED
    clock.set(at(dt.date(resolved.year + 6, 1, 10)))
    run_job(db, clock)
    db.refresh(record)
    assert record.status is RecordStatus.DELETED
    return case, record.id


def versions(db: Session, record_id: int) -> list[tuple[RecordStatus, str]]:
    return [
        (v.status, v.reason)
        for v in db.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
            .execution_options(populate_existing=True)
        )
    ]


def assert_stays_deleted(
    db: Session, clock: FixedClock, world: World, record_id: int, before: list[object]
) -> None:
    record = db.get(CreditRecord, record_id, populate_existing=True)
    assert record is not None
    assert record.status is RecordStatus.DELETED
    # Nothing written on the tombstone: deletion is its last version.
    assert versions(db, record_id) == before
    assert versions(db, record_id)[-1] == (RecordStatus.DELETED, retention.REASON_DELETED)
    person = world.subjects["person"]
    assert record_id not in [v.id for v in build_file(db, person, today=clock.today())]
    (tombstone,) = retention.deleted_records(db, person)
    assert (tombstone.as_dict()["id"], tombstone.as_dict()["status"]) == (record_id, "deleted")


def test_fraud_after_deletion_revokes_the_case_and_restores_nothing(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    case, record_id = repaired_then_deleted(db, clock, world)
    before = versions(db, record_id)
    repair.fraud(db, clock, clerk(db), case.id, reasons="提供虚假材料")
    db.commit()
    db.refresh(case)
    assert case.status is RepairStatus.REVOKED
    assert case.restored_version_no is None
    assert_stays_deleted(db, clock, world, record_id, before)
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "repair_case.revoke")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.target_id == str(case.id)


def test_fraud_after_deletion_through_the_api(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, tokens: Tokens
) -> None:
    world = disclosure_world
    case, record_id = repaired_then_deleted(db, clock, world)
    before = versions(db, record_id)
    response = client.post(
        f"{API}/repair-cases/{case.id}/fraud",
        json={"reasons": "提供虚假材料"},
        headers=tokens("bank_clerk"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "revoked"
    assert body["fraud"]["restored_version"] is None
    assert_stays_deleted(db, clock, world, record_id, before)
    person = world.subjects["person"]
    own = client.get(f"{API}/subjects/{person.reference}/file", headers=tokens("citizen"))
    assert own.status_code == 200, own.text
    assert record_id not in [item["id"] for item in own.json()["items"]]
    assert [t["id"] for t in own.json()["deleted_records"]] == [record_id]
