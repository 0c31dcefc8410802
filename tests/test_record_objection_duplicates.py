"""An objection upheld that a record is published twice (Art. 25; rules.md "duplicate
publication"): its source takes the duplicate out of use. One decision sent twice — the same
day and content under two numbers, a typing slip the natural key cannot catch — is one
penalty: upheld, the duplicate stops counting in grades, reports to others, joint checks,
red-list eligibility and the statistics, not only on the public page; the subject's own file
keeps it with the step and the reason (Art. 24). A correction (it would say the same) and a
withdrawal from publication (it would still be shared and counted) do not answer it."""

# Fixtures are imported by name and then received as parameters of the same name.
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
    ITEM,
    MATTER_CODE,
    PENALTY,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
)
from tests.factories import World, auth_headers, record_objection
from tests.page_helpers import csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import revocation, statistics
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import files, reports, retention
from xinyong.errors import Conflict, Gone
from xinyong.lists import eligibility, grades, joint_checks
from xinyong.objections import cases, rules
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection

STATEMENT = "两条记录是同一处罚决定，重复公示"


def _sent_twice(db: Session, clock: FixedClock, world: World) -> tuple[CreditRecord, CreditRecord]:
    """The regulator sends one fine twice: the same day and content, two numbers."""
    day = (clock.today() - dt.timedelta(days=30)).isoformat()
    first = company_penalty(db, clock, world, decision_date=day)
    second = company_penalty(db, clock, world, decision_date=day)
    return first, second


def _contributions(db: Session, world: World, clock: FixedClock) -> list[int]:
    model = grades.active_model(db)
    _grade, _score, parts = grades.compute(db, world.subjects["company"], clock.today(), model)
    return sorted(part["record_id"] for part in parts if "record_id" in part)


def _penalty_ids(views: list[files.RecordView]) -> list[int]:
    return sorted(view.id for view in views if view.type_code == PENALTY)


def _counted(db: Session) -> int:
    return sum(count for _type, _division, _kind, count in statistics.record_counts(db))


def test_an_upheld_duplicate_is_taken_out_of_use_everywhere(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    first, second = _sent_twice(db, clock, world)
    assert _contributions(db, world, clock) == sorted([first.id, second.id])
    counted_before = _counted(db)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    querier, reporter = actor_of(world, "querier"), actor_of(world, "reporter")
    issued = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    own = reports.issue(db, clock, actor_of(world, "company"), company)

    objection = record_objection(
        db, clock, world, second.id, ground="duplicate_publication", statement=STATEMENT
    )
    handler = actor_of(world, "objections")
    objections.decide(
        db, clock, handler, objection.id, outcome="upheld", reasons="经核实为同一处罚决定重复报送"
    )
    # The source is offered the one answer to a duplicate, and refused the others.
    assert objections.steps_open(reporter, objection) == frozenset({"stop_use"})
    for step in (
        lambda: objections.correct(
            db, clock, reporter, objection.id, values={"remarks": "重复"}, note="重复"
        ),
        lambda: objections.withdraw(db, clock, reporter, objection.id, note="重复公示"),
    ):
        with pytest.raises(Conflict) as instead:
            step()
        assert (instead.value.code, instead.value.article) == ("stop_use_instead", "Art. 25")

    note = f"与记录{first.id}为同一处罚决定"
    version = objections.stop_use(db, clock, reporter, objection.id, note=note)

    assert (version.status, version.reason, version.reason_detail) == (
        RecordStatus.REVOKED,
        rules.reason_duplicate(objection.id),
        note,
    )
    assert version.source_organisation_id == world.organisations["regulator"].id
    assert version.payload == cases.record_history(db, second.id)[-2].payload
    assert second.status is RecordStatus.REVOKED
    assert objection.status is ObjectionStatus.NO_LONGER_USED
    assert objection.completed_by_source is True
    assert rules.outcome(objection) == "upheld"
    # Counted once: grades, the statistics, joint checks and red-list eligibility.
    assert _contributions(db, world, clock) == [first.id]
    assert _counted(db) == counted_before - 1
    assert RecordStatus.REVOKED in joint_checks.NOT_COUNTED
    assert RecordStatus.REVOKED in eligibility.NOT_COUNTED
    # Not shared with a reader by a query item or an authorisation, nor public.
    today = clock.today()
    assert _penalty_ids(
        files.build_file(db, company, today=today, record_type_codes={PENALTY})
    ) == [first.id]
    assert _penalty_ids(files.build_file(db, company, today=today, public_only=True)) == [first.id]
    # The report issued to another organisation before no longer opens; the subject's does.
    with pytest.raises(Gone) as gone:
        reports.reopen(db, clock, querier, issued.report.number)
    assert gone.value.details["reason"] == retention.REMOVED_RECORD_NO_LONGER_USED
    assert reports.reopen(db, clock, actor_of(world, "company"), own.report.number)
    # The subject's own file keeps it, with the step and its reason (Art. 24).
    (kept,) = [v for v in files.build_file(db, company, today=today) if v.id == second.id]
    assert kept.status == RecordStatus.REVOKED.value
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "record_objection.no_longer_used")
    )
    assert event is not None
    assert event.details["by"] == "source"
    assert event.details["report_contents_removed"] == 1


def test_a_forwarded_duplicate_is_taken_out_of_use_by_the_source_at_once(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """As a source upholds a forwarded case by correcting or withdrawing at once, it takes
    a duplicate out of use at once; the case reads upheld by the source."""
    world = disclosure_world
    first, second = _sent_twice(db, clock, world)
    objection = record_objection(
        db, clock, world, second.id, ground="duplicate_publication", statement=STATEMENT
    )
    objections.forward(db, clock, actor_of(world, "objections"), objection.id, note="请核实")
    reporter = actor_of(world, "reporter")
    assert "stop_use" in objections.steps_open(reporter, objection)

    objections.stop_use(db, clock, reporter, objection.id, note=f"与记录{first.id}重复")

    assert objection.status is ObjectionStatus.NO_LONGER_USED
    assert objection.decided_by_source is True
    assert second.status is RecordStatus.REVOKED
    assert first.status is RecordStatus.ACTIVE


def test_only_a_duplicate_is_taken_out_of_use(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """A wrong record is corrected and one that should not be public withdrawn: neither is
    taken out of use on an objection (409 not_a_duplicate); the source's objection handler
    alters no data, and another unit is not the source."""
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id, ground="error")
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="属实"
    )
    reporter = actor_of(world, "reporter")
    assert "stop_use" not in objections.steps_open(reporter, objection)
    with pytest.raises(Conflict) as refused:
        objections.stop_use(db, clock, reporter, objection.id, note="重复")
    assert (refused.value.code, refused.value.article) == ("not_a_duplicate", "Art. 25")
    assert record.status is RecordStatus.UNDER_OBJECTION
    assert objection.status is ObjectionStatus.UPHELD


def test_a_duplicate_taken_out_of_use_is_not_reinstated_as_a_revocation(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Its status is ``revoked``, as every reader leaves it out; but no revocation of the
    source's put it there, and reinstating one does not undo an upheld objection: refused
    409 out_of_use_on_objection (Art. 25), and the record's page offers no reinstatement."""
    world = disclosure_world
    first, second = _sent_twice(db, clock, world)
    objection = record_objection(
        db, clock, world, second.id, ground="duplicate_publication", statement=STATEMENT
    )
    reporter = actor_of(world, "reporter")
    objections.forward(db, clock, actor_of(world, "objections"), objection.id, note="")
    objections.stop_use(db, clock, reporter, objection.id, note=f"与记录{first.id}重复")

    with pytest.raises(Conflict) as refused:
        revocation.reinstate(
            db,
            clock,
            reporter,
            second.id,
            ground="revoked_in_error",
            document_number="",
            reason="误撤",
        )
    assert (refused.value.code, refused.value.article) == ("out_of_use_on_objection", "Art. 25")
    assert second.status is RecordStatus.REVOKED
    found = revocation.source_record(db, clock, reporter, second.id)
    assert found.out_of_use_objection == objection.id
    assert not found.reinstatable
    assert not found.revocable


def test_the_source_takes_a_duplicate_out_of_use_through_the_api_and_the_pages(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    first, second = _sent_twice(db, clock, world)
    objection = record_objection(
        db, clock, world, second.id, ground="duplicate_publication", statement=STATEMENT
    )
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="重复"
    )
    db.commit()
    objection_id, second_id = objection.id, second.id
    headers = auth_headers(client, "reporter")

    withdrawn = client.post(
        f"/api/v1/record-objections/{objection_id}/withdraw", json={"note": "x"}, headers=headers
    )
    assert withdrawn.status_code == 409
    assert withdrawn.json()["error"]["code"] == "stop_use_instead"
    empty = client.post(
        f"/api/v1/record-objections/{objection_id}/stop-use", json={"note": ""}, headers=headers
    )
    assert empty.status_code == 422

    log_in(client, "reporter")
    page = client.get(f"/record-objections/{objection_id}?lang=en")
    assert f'action="/record-objections/{objection_id}/stop-use"' in page.text
    assert f'action="/record-objections/{objection_id}/withdraw"' not in page.text
    assert "Upheld: the source takes the duplicate out of use" in page.text
    done = client.post(
        f"/record-objections/{objection_id}/stop-use",
        data={"note": f"与记录{first.id}重复", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("?done=out_of_use")

    again = client.post(
        f"/api/v1/record-objections/{objection_id}/stop-use",
        json={"note": "重复"},
        headers=headers,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "objection_closed"
    db.expire_all()
    assert db.get(RecordObjection, objection_id).status is ObjectionStatus.NO_LONGER_USED  # type: ignore[union-attr]
    assert db.get(CreditRecord, second_id).status is RecordStatus.REVOKED  # type: ignore[union-attr]

    # The subject reads what happened and why, in its case and in its own file's history.
    case = client.get(
        f"/api/v1/record-objections/{objection_id}", headers=auth_headers(client, "company")
    ).json()
    assert (case["status"], case["completed_by"], case["decision"]["outcome"]) == (
        "no_longer_used",
        "source",
        "upheld",
    )
    assert case["history"][-1]["reason"] == rules.reason_duplicate(objection_id)
    assert case["history"][-1]["detail"] == f"与记录{first.id}重复"
    log_in(client, "company")
    mine = client.get(f"/record-objections/{objection_id}?lang=zh_Hans")
    assert "异议成立：重复记录不再公示、共享和使用" in mine.text
    assert f"根据第{objection_id}号异议不再使用：该记录系重复公示" in mine.text
    assert 'data-out-of-use="duplicate"' in mine.text
    english = client.get(f"/record-objections/{objection_id}?lang=en")
    assert "the record was published twice" in english.text
    assert "Upheld: the duplicate is no longer published, shared or used" in english.text
