"""Court judgment defaulters dated by their publication (decision 0045): a database an
earlier release set up, whose rule dated them by the case's filing, is brought up to the
shipped rule, and its stored records are re-dated by the day the court published the
defaulter — each as a new version by the system with its reason, its publicity window and
timeliness (Art. 4) counted again from that day; nothing is updated in place."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    COURT,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from tests.rule_pack_helpers import load_earlier
from xinyong.accounts import service as accounts
from xinyong.audit.models import AuditEvent
from xinyong.calendar import add_months
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.clock import FixedClock
from xinyong.collection import redating
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.errors import Conflict
from xinyong.lists.models import ListEntry


def record_of(db: Session, row: dict[str, str]) -> CreditRecord:
    return db.scalars(
        select(CreditRecord).where(CreditRecord.natural_key.endswith(row["case_number"]))
    ).one()


def versions_of(db: Session, record: CreditRecord) -> list[RecordVersion]:
    return list(
        db.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record.id)
            .order_by(RecordVersion.version_no)
        )
    )


def test_the_upgrade_dates_stored_defaulters_by_their_publication(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    load_earlier(db, clock, COURT)
    assert catalog.effective_rule(db, COURT).definition.decision_date_field == "filed_on"
    dated = court_row(world, world.subjects["company"])
    # The earlier rule did not ask for the publication: such a record keeps its date.
    undated = court_row(world, world.subjects["other_company"], published_on="")
    report = ingest_court(db, clock, world, [dated, undated])
    assert report.batch.created == 2, report.problems
    filed = dt.date.fromisoformat(dated["filed_on"])
    published = dt.date.fromisoformat(dated["published_on"])
    record = record_of(db, dated)
    assert record.decision_date == filed
    assert record.publicity_end == add_months(filed, 24)
    days_before = record.working_days_to_submit
    entry = db.scalars(select(ListEntry).where(ListEntry.source_record_id == record.id)).one()
    term = (entry.term_start, entry.term_end)
    assert term == (published, add_months(published, 24))

    clock.advance(dt.timedelta(hours=1))
    applied = rule_packs.apply(db, clock)
    (upgraded,) = [i for i in applied.having(rule_packs.PackStatus.UPGRADE) if i.code == COURT]
    # What the operator reads in `xinyong catalog upgrade`'s output.
    assert upgraded.redated == rule_packs.RedatedRecords("filed_on", "published_on", 1, 1)
    db.expire_all()

    record = record_of(db, dated)
    assert record.decision_date == published
    assert (record.publicity_start, record.publicity_end) == (
        published,
        add_months(published, 24),
    )
    received = record.received_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    days, _ = working_day_calendar(db).working_days_between(published, received)
    assert record.working_days_to_submit == days
    assert days < (days_before or 0)
    first, second = versions_of(db, record)
    # The earlier version keeps the date it had; the new one says why it changed (Art. 24).
    assert (first.decision_date, first.publicity_end) == (filed, add_months(filed, 24))
    assert (second.decision_date, second.publicity_start) == (published, published)
    assert second.reason == redating.REASON_REDATED
    assert second.reason_detail is not None
    assert f"dated by published_on {published}" in second.reason_detail
    assert f"no longer by filed_on {filed}" in second.reason_detail
    assert second.payload == first.payload
    assert record.current_version_no == 2
    # The entry's term counted from the publication already.
    entry = db.get(ListEntry, entry.id)
    assert entry is not None
    assert (entry.term_start, entry.term_end) == term

    kept = record_of(db, undated)
    assert (kept.decision_date, kept.current_version_no) == (filed, 1)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "record.redate")).one()
    assert event.details["records"] == [record.id]
    assert event.details["without_date"] == [kept.id]
    assert (event.details["from"], event.details["to"]) == ("filed_on", "published_on")

    # Nothing waits the next time: no version, no event.
    clock.advance(dt.timedelta(hours=1))
    rule_packs.apply(db, clock)
    assert len(versions_of(db, record_of(db, dated))) == 2
    assert (
        len(db.scalars(select(AuditEvent).where(AuditEvent.action == "record.redate")).all()) == 1
    )


def test_a_record_dated_otherwise_keeps_its_date(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """A decision date that is not the old field's (an objection corrected it) is not the
    rule's doing: re-dating leaves it alone."""
    world = lists_world
    load_earlier(db, clock, COURT)
    row = court_row(world, world.subjects["company"])
    ingest_court(db, clock, world, [row])
    record = record_of(db, row)
    corrected = record.decision_date - dt.timedelta(days=3)
    record.decision_date = corrected
    db.flush()

    clock.advance(dt.timedelta(hours=1))
    rule_packs.apply(db, clock)
    db.expire_all()
    record = record_of(db, row)
    assert (record.decision_date, record.current_version_no) == (corrected, 1)


def test_the_authority_takes_in_the_packs_new_date_but_does_not_date_records_its_own_way(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The pack's change of the field dating a type comes with its re-dating of the stored
    records (``rule_packs._redate``), so the authority's answer may take it in; a revision
    of its own dating them otherwise, or changing anything else of what they are, is
    refused while they are stored (decision 0005, session 18 addendum)."""
    world = lists_world
    authority = accounts.actor_for_user(world.users["authority"])
    load_earlier(db, clock, COURT)
    row = court_row(world, world.subjects["company"])
    ingest_court(db, clock, world, [row])
    published = dt.date.fromisoformat(row["published_on"])
    own = catalog.effective_rule(db, COURT).definition.model_dump(mode="json")
    own["decision_date_field"] = "published_on"
    with pytest.raises(Conflict) as refused:
        catalog.revise_record_type(db, clock, authority, COURT, own, note="按公布日期")
    assert (refused.value.code, refused.value.field) == ("type_in_use", "decision_date_field")

    found = rule_packs.item(db, authority, COURT)
    assert found.status is rule_packs.PackStatus.UPGRADE
    with pytest.raises(Conflict) as also:
        rule_packs.reconcile(
            db,
            clock,
            authority,
            COURT,
            {**found.shipped, "polarity": "neutral"},
            note="采纳并改为中性",
            shipped_digest=found.digest,
        )
    assert (also.value.code, also.value.field) == ("type_in_use", "polarity")
    clock.advance(dt.timedelta(hours=1))
    rule_packs.reconcile(
        db, clock, authority, COURT, found.shipped, note="采纳", shipped_digest=found.digest
    )
    db.expire_all()
    assert record_of(db, row).decision_date == published
