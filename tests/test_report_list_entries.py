"""A credit report shows the subject's red and black list entries in force on its date, in
the sections the national standard gives them (rules.md "Disclosure"): a listed subject's
report must not say "无" under the serious-dishonesty lists."""
# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    COURT,
    actor,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.disclosure import files, reports
from xinyong.disclosure.rendering import report_html
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason


def _section(html: str, title: str) -> str:
    start = html.index(title)
    return html[start : html.index("<h2>", start)]


def test_a_listed_subjects_report_shows_its_black_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company, reasons="拒不履行行政处罚决定")
    db.commit()

    issued = reports.issue(db, clock, actor(world, "company"), company)
    db.commit()

    (entry,) = issued.content["list_entries"]
    assert entry["list"] == "black"
    assert entry["reasons"] == "拒不履行行政处罚决定"
    assert entry["recognised_by"]["code"] == world.organisations["regulator"].code
    html = report_html(issued.content)
    dishonesty = _section(html, "严重失信主体名单信息")
    assert "黑名单" in dishonesty
    assert "拒不履行行政处罚决定" in dishonesty
    assert "无</p>" not in dishonesty
    assert "黑名单" not in _section(html, "表彰荣誉与守信信息")
    # What was issued is what is opened again: the entries are part of the hashed content.
    again = reports.reopen(db, clock, actor(world, "company"), issued.report.number)
    assert again.content["list_entries"] == issued.content["list_entries"]


def test_a_report_as_of_a_date_shows_the_entries_in_force_then(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, approved_days_ago=30)
    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行处罚决定",
        proposer="caseofficer2",
        approver="caseofficer",
    )
    db.commit()
    company_actor = actor(world, "company")

    today = reports.issue(db, clock, company_actor, company)
    before = reports.issue(
        db, clock, company_actor, company, as_of=clock.today() - dt.timedelta(days=10)
    )
    before_term = reports.issue(
        db, clock, company_actor, company, as_of=clock.today() - dt.timedelta(days=40)
    )
    db.commit()

    assert today.content["list_entries"] == []
    assert [e["list"] for e in before.content["list_entries"]] == ["black"]
    assert before_term.content["list_entries"] == []


def test_an_entry_removed_with_its_revoked_record_is_left_out_for_others_as_of_before(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Decision 0028: a revocation has a repair's effects. A court revokes its defaulter
    record five days after the entry resting on it was published: a file for others as of
    a day in between leaves the record out (``build_file``), so their report of that day
    leaves the entry out too, as for a repair; the subject's own keeps both, as they were.
    One removed on an upheld objection stays out for everyone."""
    world = lists_world
    company = world.subjects["company"]
    ingest_court(db, clock, world, [court_row(world, company)])
    entry = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()
    assert entry.status is EntryStatus.PUBLISHED
    assert entry.source_record_id is not None
    listed_on = clock.today()
    clock.advance(dt.timedelta(days=5))
    revocation.revoke(
        db,
        clock,
        actor(world, "court_reporter"),
        entry.source_record_id,
        ground="withdrawn",
        document_number="(2026)闽01执异12号",
        reason="原失信决定被撤销",
    )
    assert entry.removal_reason is RemovalReason.RECORD_REVOKED
    db.commit()
    day = listed_on + dt.timedelta(days=1)

    def records(**reader: Any) -> list[int]:
        views = files.build_file(db, company, today=clock.today(), as_of=day, **reader)
        return [view.id for view in views if view.type_code == COURT]

    assert records(record_type_codes={COURT}) == []
    assert reports._list_entries(db, company, day, own=False) == ([], [])
    assert reports._list_entries(db, company, day, own=False, public=True) == ([], [])
    assert records() == [entry.source_record_id]
    (own,), _ids = reports._list_entries(db, company, day, own=True)
    assert own["list"] == "black"
    issued = reports.issue(db, clock, actor(world, "company"), company, as_of=day)
    assert [e["list"] for e in issued.content["list_entries"]] == ["black"]

    # An entry removed on an upheld objection: left out of the subject's own report too.
    db.execute(
        update(ListEntry)
        .where(ListEntry.id == entry.id)
        .values(removal_reason=RemovalReason.OBJECTION_UPHELD)
    )
    assert reports._list_entries(db, company, day, own=True) == ([], [])
