"""A court judgment defaulter's listing is the court's decision: the platform takes no
objection to it and upholds none, and tells the defaulter which court to apply to for its
correction (SPC rule Art. 11; decision 0027 addendum). Upheld by the credit authority's
objection handler, it used to leave the list while the court's record stayed active, and
the court could not list the defaulter again from it."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import Conflict
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListObjection

ENFORCING_COURT = "福州市鼓楼区人民法院"
STATEMENT = "我已经履行了判决，请移出名单。"


def court_listed(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The world's company listed by the court's record, whose enforcing court is a district
    court (the record names it; the intermediate court submitted it)."""
    ingest_court(
        db,
        clock,
        world,
        [
            court_row(
                world,
                world.subjects["company"],
                court=ENFORCING_COURT,
                filed_on=(clock.today() - dt.timedelta(days=50)).isoformat(),
                published_on=(clock.today() - dt.timedelta(days=40)).isoformat(),
            )
        ],
    )
    entry = db.scalar(select(ListEntry).where(ListEntry.source_record_id.is_not(None)))
    assert entry is not None
    assert entry.status is EntryStatus.PUBLISHED
    db.commit()
    return entry


def test_the_subject_is_told_to_apply_to_the_court(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = court_listed(db, clock, lists_world)

    refused = client.post(
        f"/api/v1/me/list-entries/{entry.id}/objection",
        json={"statement": STATEMENT},
        headers=headers(client, "company"),
    )

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "object_to_court",
        "entry",
        "SPC rule Art. 11",
    )
    assert ENFORCING_COURT in error["message"]
    assert error["details"] == {"court": ENFORCING_COURT, "record": entry.source_record_id}
    assert db.scalars(select(ListObjection)).all() == []


def test_an_objection_taken_before_is_not_upheld_and_may_be_dismissed(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """One received before the platform refused them: the credit authority's handler cannot
    take the defaulter off the list with it; dismissing it, with reasons, closes it."""
    world = lists_world
    entry = court_listed(db, clock, world)
    objection = ListObjection(
        entry_id=entry.id,
        submitted_at=clock.now(),
        statement=STATEMENT,
        after_publication=True,
        terms={},
    )
    db.add(objection)
    db.flush()
    handler = actor(world, "objections")

    with pytest.raises(Conflict) as refused:
        entries.decide_objection(db, clock, handler, objection.id, upheld=True, reasons="异议成立")

    assert (refused.value.code, refused.value.article) == ("object_to_court", "SPC rule Art. 11")
    assert objection.decided_at is None
    assert entry.status is EntryStatus.PUBLISHED
    record = db.get(CreditRecord, entry.source_record_id)
    assert record is not None
    assert record.status is RecordStatus.ACTIVE
    entries.decide_objection(
        db, clock, handler, objection.id, upheld=False, reasons="请向执行法院申请纠正"
    )
    assert (objection.upheld, entry.status) == (False, EntryStatus.PUBLISHED)


def test_the_handlers_page_offers_only_dismissing_one_taken_before(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The decision the platform would refuse is not offered: "Uphold" is disabled, and the
    page says why and names the court the subject applies to."""
    entry = court_listed(db, clock, lists_world)
    objection = ListObjection(
        entry_id=entry.id,
        submitted_at=clock.now(),
        statement=STATEMENT,
        after_publication=True,
        terms={},
    )
    db.add(objection)
    db.commit()
    log_in(client, "objections")

    page = client.get("/list-objections")

    assert page.status_code == 200
    case = page.text.split(f'id="objection-{objection.id}"', 1)[1].split("</article>", 1)[0]
    assert 'name="upheld" value="yes" disabled' in case
    assert 'name="upheld" value="no" required' in case
    assert f'data-court="{ENFORCING_COURT}"' in case
    assert ENFORCING_COURT in case.split('class="hint to-court"', 1)[1]


def test_the_notices_page_names_the_court_instead_of_the_form(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = court_listed(db, clock, lists_world)
    log_in(client, "company")

    page = client.get("/me/notices")
    block = page.text.split(f'id="entry-{entry.id}"', 1)[1].split("</article>", 1)[0]

    assert "data-object-to-court" in block
    assert f"请向{ENFORCING_COURT}申请纠正" in block
    assert f"/me/notices/{entry.id}/objection" not in block
    # Sent anyway (an old page, a crafted form): refused beside the entry, in Chinese.
    sent = client.post(
        f"/me/notices/{entry.id}/objection",
        data={"statement": STATEMENT, "csrf_token": csrf_from(page.text)},
    )
    assert sent.status_code == 409
    shown = sent.text.split(f'id="entry-{entry.id}"', 1)[1].split("</article>", 1)[0]
    assert 'data-code="object_to_court"' in shown
    assert f"请向{ENFORCING_COURT}申请纠正" in shown
    assert "最高人民法院关于公布失信被执行人名单信息的若干规定》第十一条" in shown
    assert "SPC rule" not in shown
    assert db.scalars(select(ListObjection)).all() == []
