"""An objection still open when its record is deleted at the end of its retention period
(征信业管理条例 Art. 16; decision 0018): deletion wins. Whatever the objection decides or
its source carries out, the record stays deleted — no status from before, no content, no
free text on the tombstone — and a correction, which would put content back, is refused
(decision 0022, session 25 addendum). Review r16."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World
from tests.test_repair_fraud_after_deletion import clerk
from tests.test_retention import at, breach, run_job
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.disclosure import retention
from xinyong.errors import Conflict
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection


def objected_then_deleted(
    db: Session, clock: FixedClock, world: World, *, ground: str
) -> tuple[RecordObjection, CreditRecord]:
    """The bank's breach about the person, kept until tomorrow, objected to today; deleted by
    the daily job two days later, the objection still open."""
    resolved = clock.today()
    record = breach(db, clock, world, resolved=resolved)
    window = record.publicity_start, record.publicity_end
    clock.set(at(dt.date(resolved.year + 5, resolved.month, resolved.day)))
    objection = objections.raise_objection(
        db, clock, actor_of(world, "citizen"), record.id, ground=ground, statement="逾期金额有误"
    )
    db.commit()
    assert record.status is RecordStatus.UNDER_OBJECTION
    clock.set(clock.now() + dt.timedelta(days=2))
    run_job(db, clock)
    db.refresh(record)
    assert record.status is RecordStatus.DELETED
    assert (record.publicity_start, record.publicity_end) == window
    return objection, record


def history(db: Session, record: CreditRecord) -> list[RecordVersion]:
    return list(
        db.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record.id)
            .order_by(RecordVersion.version_no)
            .execution_options(populate_existing=True)
        )
    )


def assert_tombstone_kept(db: Session, record: CreditRecord, reason: str) -> None:
    db.refresh(record)
    assert record.status is RecordStatus.DELETED
    versions = history(db, record)
    deletion = next(i for i, v in enumerate(versions) if v.reason == retention.REASON_DELETED)
    later = versions[deletion + 1 :]
    # The step is in the history, deleted, with no content and no note.
    assert [(v.status, v.reason, v.payload, v.reason_detail) for v in later] == [
        (RecordStatus.DELETED, reason, {}, None)
    ]
    assert all(v.payload == {} and v.sensitive_ciphertext is None for v in versions)


@pytest.mark.parametrize("outcome", ["rejected", "unconfirmed"])
def test_an_objection_decided_against_after_deletion_leaves_the_record_deleted(
    disclosure_world: World, db: Session, clock: FixedClock, outcome: str
) -> None:
    world = disclosure_world
    objection, record = objected_then_deleted(db, clock, world, ground="error")
    objections.decide(
        db,
        clock,
        actor_of(world, "objections"),
        objection.id,
        outcome=outcome,
        reasons="经核查记录无误，合同编号无误",
        check_made="核对合同原件",
    )
    db.commit()
    reason = (
        objections.reason_rejected(objection.id)
        if outcome == "rejected"
        else objections.reason_unconfirmed(objection.id)
    )
    assert_tombstone_kept(db, record, reason)


def upheld(db: Session, clock: FixedClock, world: World, objection: RecordObjection) -> None:
    objections.decide(
        db,
        clock,
        actor_of(world, "objections"),
        objection.id,
        outcome="upheld",
        reasons="异议成立",
    )
    db.commit()


def test_a_correction_after_deletion_is_refused(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    objection, record = objected_then_deleted(db, clock, world, ground="error")
    upheld(db, clock, world, objection)
    before = [(v.version_no, v.status) for v in history(db, record)]
    with pytest.raises(Conflict) as refused:
        objections.correct(
            db, clock, clerk(db), objection.id, values={"amount_owed": "0.8"}, note="金额更正"
        )
    assert refused.value.code == "record_deleted"
    db.rollback()
    assert [(v.version_no, v.status) for v in history(db, record)] == before
    assert db.get(RecordObjection, objection.id).status is ObjectionStatus.UPHELD  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("ground", "step"),
    [
        ("past_publicity_period", "withdraw"),
        ("should_not_be_public", "withdraw"),
        ("duplicate_publication", "stop_use"),
    ],
)
def test_carried_out_after_deletion_the_record_stays_deleted(
    disclosure_world: World, db: Session, clock: FixedClock, ground: str, step: str
) -> None:
    world = disclosure_world
    objection, record = objected_then_deleted(db, clock, world, ground=ground)
    window = record.publicity_start, record.publicity_end
    upheld(db, clock, world, objection)
    carry_out = objections.withdraw if step == "withdraw" else objections.stop_use
    carry_out(db, clock, clerk(db), objection.id, note="与另一记录重复，已停止使用")
    db.commit()
    reason = (
        objections.reason_withdrawn(objection.id)
        if step == "withdraw"
        else objections.reason_duplicate(objection.id)
    )
    assert_tombstone_kept(db, record, reason)
    # The tombstone's dates stay as they were (decision 0018).
    assert (record.publicity_start, record.publicity_end) == window
    (last,) = history(db, record)[-1:]
    assert last.review_pending_when_revoked is None
    db.refresh(objection)
    assert objection.result_version_no == last.version_no
