"""A measure's notice after the list entry it rests on has left the list (Art. 15 ¶2, 24;
rules.md: once an entry ends, the measures based on it are lifted): the subject's notices
(API and page) keep the notice, and say that the entry has since left the list, when and
why — the subject's own entry in full, an organisation's entry that named the person as
responsible (Art. 18) only by whether its term ended or it was removed. An entry restored
since is in force again and nothing is said."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.lists import applications, entries
from xinyong.lists.models import EntryStatus, ListEntry, MeasureApplication, RemovalReason

UPHELD = "处罚决定已被复议机关撤销，认定依据不存在。"


def apply_honours(db: Session, clock: FixedClock, world: World) -> MeasureApplication:
    return applications.apply(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        matter_code="honours",
        measure_code="pun_honours",
        reasons="列入失信主体名单，不予评优评先",
    )


def uphold_objection(db: Session, clock: FixedClock, world: World, entry: ListEntry) -> None:
    """The company objects to its published entry; the credit authority's objection
    handler upholds it, and the entry leaves the list."""
    objection = entries.object_to(
        db, clock, actor(world, "company"), entry.id, "所依据的处罚决定已被撤销"
    )
    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=True, reasons=UPHELD
    )


def applied_to(client: TestClient, who: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/me/notices", headers=headers(client, who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["measure_applications"]
    return items


def test_the_notice_says_when_and_why_the_entry_it_rests_on_left_the_list(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    application = apply_honours(db, clock, world)
    db.commit()
    (before,) = applied_to(client, "company")
    assert before["entry_left"] is None
    log_in(client, "company")
    assert "entry-left" not in client.get("/me/notices", headers=HTML).text

    uphold_objection(db, clock, world, entry)
    db.commit()

    today = clock.today().isoformat()
    (after,) = applied_to(client, "company")
    assert after["id"] == application.id
    assert after["notice"] == application.notice  # lawful when sent: kept as it was
    assert after["entry_left"] == {
        "own": True,
        "entry_id": entry.id,
        "left_on": today,
        "status": "removed",
        "removal_reason": "objection_upheld",
        "removal_detail": UPHELD,
    }
    page = client.get("/me/notices", headers=HTML).text
    assert 'data-entry-left="removed" data-removal-reason="objection_upheld"' in page
    assert f"此后，本措施所依据的名单信息已于 {today} 移出名单：异议成立。" in page
    assert "任何措施均不再以其为依据。" in page
    assert UPHELD in page
    english = client.get("/me/notices?lang=en", headers=HTML).text
    assert (
        f"Since then, the list entry this measure rests on has left the list, on {today}: "
        "Objection upheld. No measure rests on it any more."
    ) in english


def test_an_entry_whose_term_ended_left_the_list_the_day_after_its_last(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    application = apply_honours(db, clock, world)
    assert entry.term_end is not None
    assert applications.entries_left(db, [application], entry.term_end) == {}

    # Past its term, before the daily job has marked it: left all the same.
    later = entry.term_end + dt.timedelta(days=3)
    expected = applications.EntryLeft(
        own=True,
        left_on=entry.term_end + dt.timedelta(days=1),
        status=EntryStatus.EXPIRED,
        removal_reason=None,
        removal_detail=None,
        entry_id=entry.id,
    )
    assert applications.entries_left(db, [application], later) == {application.id: expected}
    clock.set(clock.now() + (later - clock.today()))
    assert entries.expire_due(db, clock, SYSTEM_ACTOR) == 1
    assert applications.entries_left(db, [application], later) == {application.id: expected}


def test_an_entry_restored_since_is_in_force_again_and_nothing_is_said(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company)
    entry_id = published_entry(db, clock, world, company, basis=[record.id]).id
    application = apply_honours(db, clock, world)
    revocation.revoke(
        db,
        clock,
        actor(world, "reporter"),
        record.id,
        ground="reconsideration",
        document_number="榕政复决〔2026〕9号",
        reason="原处罚决定经行政复议被撤销",
    )
    db.commit()

    left = applications.entries_left(db, [application], clock.today())[application.id]
    assert (left.status, left.removal_reason) == (EntryStatus.REMOVED, RemovalReason.RECORD_REVOKED)
    removed = db.get(ListEntry, entry_id)
    assert removed is not None
    assert left.removal_detail == removed.removal_detail
    log_in(client, "company")
    page = client.get("/me/notices", headers=HTML).text
    assert 'data-removal-reason="record_revoked"' in page
    assert "移出名单：记录已被来源单位撤销。" in page

    revocation.reinstate(
        db,
        clock,
        actor(world, "reporter"),
        record.id,
        ground="revocation_set_aside",
        document_number="（2026）闽01行终7号",
        reason="复议决定被二审判决撤销",
    )
    db.commit()
    restored = db.get(ListEntry, entry_id)
    assert restored is not None
    assert restored.status is EntryStatus.PUBLISHED
    assert applications.entries_left(db, [application], clock.today()) == {}
    assert "entry-left" not in client.get("/me/notices", headers=HTML).text


def test_a_person_reads_that_the_organisations_entry_naming_them_left_but_not_why(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    entry = published_entry(db, clock, world, company, "serious_fair_competition")
    application = applications.apply(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=person,
        matter_code="appointment",
        measure_code="pun_appointment",
        reasons="该单位被列为严重失信主体，其法定代表人依法限制任职资格",
    )
    assert application.list_entry_id == entry.id
    uphold_objection(db, clock, world, entry)
    db.commit()

    today = clock.today().isoformat()
    (seen,) = applied_to(client, "citizen")
    assert seen["entry_left"] == {
        "own": False,
        "entry_id": None,
        "left_on": today,
        "status": "removed",
        "removal_reason": None,
        "removal_detail": None,
    }
    log_in(client, "citizen")
    page = client.get("/me/notices", headers=HTML).text
    assert 'data-entry-left="removed">' in page
    assert f"此后，将您列为责任人的单位名单信息已于 {today} 被移出名单。" in page
    # The organisation's reasons are the organisation's.
    assert UPHELD not in page
    assert "异议成立" not in page
