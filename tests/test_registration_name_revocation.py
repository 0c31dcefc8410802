"""The organisation's current name is the one its registration record in force states
(decision 0050, session 22 addendum; Art. 4 ¶2, Art. 25): revoking the registration record
whose version renamed it restores the name it bore before, unless a later registration
renamed it since; reinstating the record applies its name again; a record taken out of
use on an upheld objection is revoked for the name too; a correction cannot change it. Revoking and reinstating through the API."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    REGISTRATION,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    names_of,
    new_uscc,
    registering,  # noqa: F401 - fixture
    registration_row,
)
from tests.disclosure_helpers import actor_of
from tests.factories import World, auth_headers, record_objection
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent, AuditHead
from xinyong.clock import FixedClock
from xinyong.collection import pipeline, readers
from xinyong.collection.models import CreditRecord
from xinyong.errors import InvalidInput
from xinyong.objections import service as objections
from xinyong.subjects.models import Subject

OLD_NAME = "福州晨光文具贸易有限公司"  # the world's company
NEW_NAME = "福州晨光文具科技有限公司"  # after its change of name
FORMER_NAME = "福州晨光文具店"  # a former name the world gives it
LATER_NAME = "福州晨光文具集团有限公司"  # another registration authority's, later
COURT = {
    "ground": "court",
    "document_number": "（2026）闽01行终1号",
    "reason": "名称变更登记被撤销",
}
IN_ERROR = {"ground": "revoked_in_error", "document_number": "", "reason": "撤销错了记录"}


def name_of(db: Session, subject: Subject) -> str:
    """The current name, read afresh (the API's requests commit in their own sessions)."""
    return str(db.scalar(select(Subject.name).where(Subject.id == subject.id)))


def renames(db: Session) -> list[dict[str, Any]]:
    return [
        event.details
        for event in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "subject.rename")
            .order_by(AuditEvent.sequence)
        )
    ]


def registered(
    db: Session, clock: FixedClock, world: World, name: str, source: Organisation | None = None
) -> pipeline.BatchReport:
    """A batch of ``source``'s (the regulator's unless named) registering the company under
    ``name``."""
    source = source or world.organisations["regulator"]
    return ingest(
        db, clock, source, [registration_row(world, name, source)], record_type=REGISTRATION
    )


def renamed_by_registration(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """The regulator registers the company under its name, then its change of name three
    days later; the record of the company's registration, at version 2."""
    regulator = world.organisations["regulator"]
    registered(db, clock, world, OLD_NAME)
    clock.advance(dt.timedelta(days=3))
    report = registered(db, clock, world, NEW_NAME)
    assert report.batch.updated == 1
    db.commit()
    company = world.subjects["company"]
    db.refresh(company)
    assert company.name == NEW_NAME
    return db.scalars(
        select(CreditRecord).where(
            CreditRecord.subject_id == company.id,
            CreditRecord.source_organisation_id == regulator.id,
        )
    ).one()


def renamed_again_by_another(
    db: Session, clock: FixedClock, world: World
) -> tuple[CreditRecord, CreditRecord]:
    """``renamed_by_registration``, then the other agency, a registration authority too,
    registers the company a day later under ``LATER_NAME``, which it bears since; the
    regulator's record and the other agency's."""
    other = world.organisations["other_agency"]
    grant(db, clock, other, REGISTRATION)
    db.commit()
    record = renamed_by_registration(db, clock, world)
    clock.advance(dt.timedelta(days=1))
    report = registered(db, clock, world, LATER_NAME, other)
    assert report.batch.created == 1
    db.commit()
    assert name_of(db, world.subjects["company"]) == LATER_NAME
    theirs = db.scalars(
        select(CreditRecord).where(CreditRecord.source_organisation_id == other.id)
    ).one()
    return record, theirs


def test_revoking_the_registration_restores_the_name_and_reinstating_applies_it_again(
    client: TestClient, db: Session, clock: FixedClock, registering: World
) -> None:
    world = registering
    company = world.subjects["company"]
    record = renamed_by_registration(db, clock, world)
    renamed_on = clock.today()
    clock.advance(dt.timedelta(days=1))
    reporter = auth_headers(client, "reporter")
    revoked = client.post(f"/api/v1/records/{record.id}/revoke", json=COURT, headers=reporter)
    assert revoked.status_code == 200, revoked.text
    assert name_of(db, company) == OLD_NAME
    revoked_on = clock.today()
    assert names_of(db, company) == [
        (OLD_NAME, False, None, renamed_on),
        (FORMER_NAME, False, None, None),
        (NEW_NAME, False, renamed_on, revoked_on),
        (OLD_NAME, True, revoked_on, None),
    ]
    assert renames(db)[-1] == {
        "basis": "registration record revoked",
        "record": record.id,
        "version": 3,
        "stated_by": None,
    }

    clock.advance(dt.timedelta(days=1))
    reinstated = client.post(
        f"/api/v1/records/{record.id}/reinstate", json=IN_ERROR, headers=reporter
    )
    assert reinstated.status_code == 200, reinstated.text
    assert name_of(db, company) == NEW_NAME
    today = clock.today()
    assert names_of(db, company)[-2:] == [
        (OLD_NAME, False, revoked_on, today),
        (NEW_NAME, True, today, None),
    ]
    assert renames(db)[-1] == {
        "basis": "registration record reinstated",
        "record": record.id,
        "version": 4,
        "stated_by": {"record": record.id, "version": 4},
    }


def test_revoking_leaves_a_name_a_later_registration_gave(
    client: TestClient, db: Session, clock: FixedClock, registering: World
) -> None:
    """Two units register the company: the one that renamed it last stands when the
    earlier one's record is revoked, and with both revoked the name first registered."""
    world = registering
    company = world.subjects["company"]
    record, theirs = renamed_again_by_another(db, clock, world)
    count = len(renames(db))
    clock.advance(dt.timedelta(days=1))
    reporter = auth_headers(client, "reporter")
    revoked = client.post(f"/api/v1/records/{record.id}/revoke", json=COURT, headers=reporter)
    assert revoked.status_code == 200, revoked.text
    assert name_of(db, company) == LATER_NAME
    assert len(renames(db)) == count
    # The later one revoked too: no registration in force, the name first registered.
    done = client.post(
        f"/api/v1/records/{theirs.id}/revoke",
        json=COURT,
        headers=auth_headers(client, "other_reporter"),
    )
    assert done.status_code == 200, done.text
    assert name_of(db, company) == OLD_NAME
    # Reinstating the regulator's applies its statement, the latest now.
    clock.advance(dt.timedelta(days=1))
    back = client.post(f"/api/v1/records/{record.id}/reinstate", json=IN_ERROR, headers=reporter)
    assert back.status_code == 200, back.text
    assert name_of(db, company) == NEW_NAME


def test_revoking_a_registration_that_renamed_nothing_keeps_the_name(
    client: TestClient, db: Session, clock: FixedClock, registering: World
) -> None:
    world = registering
    company = world.subjects["company"]
    registered(db, clock, world, OLD_NAME)
    db.commit()
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).one()
    reporter = auth_headers(client, "reporter")
    revoked = client.post(f"/api/v1/records/{record.id}/revoke", json=COURT, headers=reporter)
    assert revoked.status_code == 200, revoked.text
    assert name_of(db, company) == OLD_NAME
    assert renames(db) == []


def test_an_objection_upheld_takes_the_records_name_away_and_a_correction_cannot_change_it(
    db: Session, clock: FixedClock, registering: World
) -> None:
    """Art. 25: a registration record taken out of use on an upheld objection states no
    name any more, as if revoked; a correction cannot change who the record is about (the
    name is a fixed field), so it leaves the name the record states."""
    world = registering
    company = world.subjects["company"]
    record, duplicate = renamed_again_by_another(db, clock, world)
    handler = actor_of(world, "objections")
    objection = record_objection(
        db, clock, world, duplicate.id, ground="duplicate_publication", statement="重复登记"
    )
    objections.decide(db, clock, handler, objection.id, outcome="upheld", reasons="重复登记")
    version = objections.stop_use(
        db, clock, actor_of(world, "other_reporter"), objection.id, note="与市场监管局登记重复"
    )
    assert name_of(db, company) == NEW_NAME
    assert renames(db)[-1] == {
        "basis": "registration record out of use",
        "record": duplicate.id,
        "version": version.version_no,
        "stated_by": {"record": record.id, "version": 2},
    }
    # The regulator's record: its name cannot be corrected, another field can, and the
    # name stays the one it states.
    count = len(renames(db))
    objection = record_objection(db, clock, world, record.id, statement="登记状态有误")
    objections.decide(db, clock, handler, objection.id, outcome="upheld", reasons="核实有误")
    reporter = actor_of(world, "reporter")
    with pytest.raises(InvalidInput) as refused:
        objections.correct(
            db, clock, reporter, objection.id, values={"subject_name": OLD_NAME}, note="更正"
        )
    assert refused.value.code == "not_correctable"
    objections.correct(
        db, clock, reporter, objection.id, values={"registration_status": "在业"}, note="更正"
    )
    assert name_of(db, company) == NEW_NAME
    assert len(renames(db)) == count


def test_a_rename_in_a_batchs_first_chunk_takes_the_audit_head_only_after_its_last(
    db: Session, clock: FixedClock, registering: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registration batch renaming the company in its first chunk writes the rename's
    event with the batch's others, after its last chunk has locked its records: before,
    the event took the chain's head mid-batch and held it while later chunks waited for
    their rows (decision 0008 addenda: the rows first, the head last)."""
    world = registering
    registered(db, clock, world, OLD_NAME)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 1)
    regulator = world.organisations["regulator"]
    rows = [
        registration_row(world, NEW_NAME),
        {
            **registration_row(world, "福州另一家测试有限公司"),
            "subject_uscc": new_uscc(),
        },
    ]
    head = select(AuditHead.sequence).where(AuditHead.id == 1)
    before = db.scalar(head)
    heads_after_chunks: list[int | None] = []
    reader = readers.rows_from_objects(rows)
    pipeline.ingest(
        db,
        clock,
        SYSTEM_ACTOR,
        pipeline.Submission(
            organisation=regulator,
            record_type_code=REGISTRATION,
            channel="api",
            content_hash="0" * 64,
        ),
        reader.headers,
        reader,
        progress=lambda _count: heads_after_chunks.append(db.scalar(head)),
    )
    assert heads_after_chunks == [before, before]
    assert name_of(db, world.subjects["company"]) == NEW_NAME
    assert renames(db)[-1]["basis"] == "registration record"
