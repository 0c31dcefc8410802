"""Rows held because their name is not one the subject bears (Art. 4 ¶2; decision 0050): the
registration authority's registration row renames the organisation it names by a new name;
other sources' rows under a name not borne stay held, and the source's data reporter or the
credit authority releases each (through the pipeline, every other check applied) or rejects
it, with reasons, audited; a held row awaiting its decision keeps its content past the
batch's period. And a person's row under an organisations-only type is not kept (review r6,
finding 4)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import copy
import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    REGISTRATION,
    REPRESENTATIVE_ID,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    held_person_row,
    held_row_log,
    ingest,
    names_of,
    penalty_row,
    problems_of,
    registering,  # noqa: F401 - fixture
    registration_row,
    source_columns,
    subject_row,
)
from tests.factories import World
from tests.page_helpers import HTML
from xinyong import identifiers
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.clock import FixedClock
from xinyong.collection import held_rows, pipeline, quarantine
from xinyong.collection.models import (
    Batch,
    CreditRecord,
    QuarantinedRow,
    RecordVersion,
    RowDisposition,
)
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, PermissionDenied
from xinyong.subjects import service as subjects

OLD_NAME = "福州晨光文具贸易有限公司"  # the world's company
NEW_NAME = "福州晨光文具科技有限公司"  # after its change of name
FORMER_NAME = "福州晨光文具店"  # a former name the world gives it


def as_user(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def impostor_registration(
    db: Session, clock: FixedClock, world: World, name: str
) -> pipeline.BatchReport:
    """The regulator's registration row of the company under ``name`` giving as its legal
    representative the world's person's ID number under a name not theirs (张冒名): held
    for it (decision 0038)."""
    row = registration_row(
        world,
        name,
        legal_representative="张冒名",
        id_type="身份证",
        id_number=citizen_id_of(world.subjects["person"]),
    )
    return ingest(db, clock, world.organisations["regulator"], [row], record_type=REGISTRATION)


def held_of(db: Session, batch: Batch) -> QuarantinedRow:
    return db.scalars(select(QuarantinedRow).where(QuarantinedRow.batch_id == batch.id)).one()


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- a registration row renames ----------------------------------------------------------------


def test_the_registration_authoritys_row_renames_the_organisation(
    registering: World, db: Session, clock: FixedClock
) -> None:
    world = registering
    company = world.subjects["company"]
    reporter = as_user(world, "reporter")
    first = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [registration_row(world, OLD_NAME)],
        record_type=REGISTRATION,
        actor=reporter,
    )
    assert first.batch.created == 1
    clock.advance(dt.timedelta(days=3))
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [registration_row(world, NEW_NAME)],
        record_type=REGISTRATION,
        actor=reporter,
    )
    assert (report.batch.updated, report.batch.held, report.problems) == (1, 0, [])
    db.refresh(company)
    assert company.name == NEW_NAME
    today = clock.today()
    assert names_of(db, company) == [
        (OLD_NAME, False, None, today),
        (FORMER_NAME, False, None, None),
        (NEW_NAME, True, today, None),
    ]
    (renamed,) = events(db, "subject.rename")
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).one()
    assert renamed.target_id == str(company.id)
    assert renamed.details == {
        "basis": "registration record",
        "batch": report.batch.id,
        "record": record.id,
        "version": 2,
    }
    # Another agency's penalty under the new name now passes, and one under the old name
    # (a former name now) too.
    penalties = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, subject_name=NEW_NAME), penalty_row(world, subject_name=OLD_NAME)],
    )
    assert (penalties.batch.created, penalties.batch.held) == (2, 0)
    # The public search finds the company by its former name.
    found = subjects.search_organisations(db, OLD_NAME)
    assert company.id in [hit.subject.id for hit in found.hits]


def test_a_former_name_on_a_registration_row_is_current_again(
    client: TestClient, registering: World, db: Session, clock: FixedClock
) -> None:
    """The registration record states the name (decision 0050, session 22 addendum): the
    authority's row after its clerk's typo, naming the right name again — now a former
    one — makes it current again, dated and audited as any rename."""
    world = registering
    company = world.subjects["company"]
    reporter = as_user(world, "reporter")
    regulator = world.organisations["regulator"]
    typo = "福州晨光文具贸易有線公司"
    ingest(db, clock, regulator, [registration_row(world, OLD_NAME)], record_type=REGISTRATION)
    clock.advance(dt.timedelta(days=1))
    mistyped = ingest(
        db, clock, regulator, [registration_row(world, typo)], record_type=REGISTRATION
    )
    assert mistyped.batch.updated == 1
    db.refresh(company)
    assert company.name == typo
    clock.advance(dt.timedelta(days=1))
    right = ingest(
        db,
        clock,
        regulator,
        [registration_row(world, OLD_NAME, registration_status="存续（已更正）")],
        record_type=REGISTRATION,
        actor=reporter,
    )
    assert (right.batch.updated, right.batch.held, right.problems) == (1, 0, [])
    db.refresh(company)
    assert company.name == OLD_NAME
    today = clock.today()
    assert names_of(db, company) == [
        (OLD_NAME, False, None, today - dt.timedelta(days=1)),
        (FORMER_NAME, False, None, None),
        (typo, False, today - dt.timedelta(days=1), today),
        (OLD_NAME, True, today, None),
    ]
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).one()
    last = events(db, "subject.rename")[-1]
    assert last.details == {
        "basis": "registration record",
        "batch": right.batch.id,
        "record": record.id,
        "version": 3,
    }
    assert len(events(db, "subject.rename")) == 2
    # The public page lists the typo as a former name, and the name borne again as current
    # only.
    db.commit()
    page = client.get(f"/subjects/{company.public_code}", headers=HTML)
    assert page.status_code == 200
    (former,) = re.findall(r"<dd data-former-names>([^<]*)</dd>", page.text)
    assert former.split("、") == [FORMER_NAME, typo]


def test_a_former_name_on_another_sources_row_renames_nothing(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """Only the registration authority states the name: another type's row under a former
    name passes, as it always did, and the name stays."""
    world = registering
    company = world.subjects["company"]
    report = ingest(
        db, clock, world.organisations["regulator"], [penalty_row(world, subject_name=FORMER_NAME)]
    )
    assert (report.batch.created, report.batch.held) == (1, 0)
    db.refresh(company)
    assert company.name == OLD_NAME
    assert events(db, "subject.rename") == []


def test_a_former_name_on_a_held_registration_row_renames_nothing(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """A held row is not written: it makes no former name current (a dry run's rename goes
    with its rollback, as everything the pipeline wrote does)."""
    world = registering
    company = world.subjects["company"]
    report = impostor_registration(db, clock, world, FORMER_NAME)
    assert report.batch.held == 1
    db.refresh(company)
    assert company.name == OLD_NAME
    assert events(db, "subject.rename") == []


def test_a_registration_row_held_for_its_legal_representative_renames_nothing(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """Nothing of a held row is written, its name neither (decision 0038)."""
    world = registering
    report = impostor_registration(db, clock, world, NEW_NAME)
    assert problems_of(report) == [(1, "legal_representative", "legal_representative_mismatch")]
    db.refresh(world.subjects["company"])
    assert world.subjects["company"].name == OLD_NAME


def test_another_sources_row_under_a_new_name_stays_held_naming_its_article(
    registering: World, db: Session, clock: FixedClock
) -> None:
    world = registering
    report = ingest(
        db, clock, world.organisations["regulator"], [penalty_row(world, subject_name=NEW_NAME)]
    )
    assert report.batch.held == 1
    (problem,) = report.as_dict()["problems"]
    assert (problem["code"], problem["article"], problem["disposition"]) == (
        "name_mismatch",
        "Art. 4 ¶2",
        "held",
    )
    db.refresh(world.subjects["company"])
    assert world.subjects["company"].name == OLD_NAME


# --- the review --------------------------------------------------------------------------------


def held_penalty(world: World, db: Session, clock: FixedClock, **overrides: str) -> QuarantinedRow:
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, subject_name=NEW_NAME, **overrides)],
        actor=as_user(world, "reporter"),
    )
    assert report.batch.held == 1
    db.commit()
    return held_of(db, report.batch)


def test_the_source_and_the_credit_authority_list_and_read_held_rows(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    for username in ("reporter", "authority"):
        (listed,) = held_rows.held_queue(db, as_user(world, username)).rows
        assert (listed.id, listed.codes, listed.awaiting, listed.content_kept) == (
            held.id,
            ["name_mismatch"],
            True,
            True,
        )
    # Another agency's data reporter sees none, and is refused the row as if it did not exist.
    assert held_rows.held_queue(db, as_user(world, "other_reporter")).rows == []
    with pytest.raises(ConcealedRefusal):
        held_rows.held_row(db, clock, as_user(world, "other_reporter"), held.id)
    # The security officer reads batches, not held rows' content.
    with pytest.raises(PermissionDenied):
        held_rows.held_queue(db, as_user(world, "security"))

    shown = held_rows.held_row(db, clock, as_user(world, "reporter"), held.id)
    company = world.subjects["company"]
    assert shown.values is not None
    assert shown.name_given == NEW_NAME
    assert shown.values["subject_name"] == NEW_NAME
    # A citizen ID in the row (the legal representative's) is shown masked.
    assert "*" in shown.values["id_number"]
    assert shown.subject is not None
    assert shown.subject.id == company.id
    assert shown.names_borne == [OLD_NAME, FORMER_NAME]
    assert not shown.name_now_borne
    (read,) = events(db, "held_row.read")
    assert read.target_id == str(held.id)
    assert read.details["subject"] == company.id
    assert NEW_NAME not in str(read.details)


def test_the_queue_says_how_many_rows_it_leaves_out_and_filters_a_source_in_the_query(
    collection_world: World, db: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review r7, finding 5: the queue was cut at 200 without a word, and the command line
    filtered one source's rows out of that cut."""
    world = collection_world
    held = [held_penalty(world, db, clock) for _ in range(3)]
    monkeypatch.setattr(held_rows, "MAX_LISTED", 2)
    queue = held_rows.held_queue(db, as_user(world, "authority"))
    assert [row.id for row in queue.rows] == [held[0].id, held[1].id]  # the oldest first
    assert (queue.total, queue.more) == (3, 1)
    # One source's rows, filtered before the cut: the other agency's oldest rows do not
    # push them out of the list.
    regulator = world.organisations["regulator"].id
    other = held_rows.held_queue(
        db, as_user(world, "authority"), organisation_id=world.organisations["other_agency"].id
    )
    assert (other.rows, other.total) == ([], 0)
    mine = held_rows.held_queue(db, as_user(world, "authority"), organisation_id=regulator)
    assert mine.total == 3
    # A reporter asking for another source's rows gets none of them, not its own either.
    assert (
        held_rows.held_queue(db, as_user(world, "other_reporter"), organisation_id=regulator).rows
        == []
    )


def test_a_release_ingests_the_row_under_the_registered_subject(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    original = db.get(Batch, held.batch_id)
    assert original is not None
    # Released twenty days later: the row was on time when it arrived (Art. 4).
    clock.advance(dt.timedelta(days=20))
    released = held_rows.release(
        db,
        clock,
        as_user(world, "reporter"),
        held.id,
        "新名称经核实系名称变更，统一社会信用代码一致",
    )
    report = released.report
    assert (report.batch.created, report.batch.held, report.batch.rejected) == (1, 0, 0)
    assert report.batch.channel == "review"
    assert report.batch.organisation_id == world.organisations["regulator"].id
    record = db.scalars(
        select(CreditRecord).where(
            CreditRecord.id.in_(
                select(RecordVersion.record_id).where(RecordVersion.batch_id == report.batch.id)
            )
        )
    ).one()
    assert record.subject_id == world.subjects["company"].id
    assert record.source_organisation_id == world.organisations["regulator"].id
    assert record.late is False
    version = db.scalars(select(RecordVersion).where(RecordVersion.record_id == record.id)).one()
    assert version.payload["subject_name"] == NEW_NAME
    assert version.actor == as_user(world, "reporter").audit().id
    db.refresh(held)
    assert (held.resolution, held.released_batch_id) == ("released", report.batch.id)
    assert held.resolution_reasons == "新名称经核实系名称变更，统一社会信用代码一致"
    (event,) = events(db, "held_row.release")
    assert event.details["released_batch"] == report.batch.id
    assert event.details["created"] == 1
    # Decided: no longer in the queue, and not decided twice.
    assert held_rows.held_queue(db, as_user(world, "reporter")).rows == []
    (decided,) = held_rows.held_queue(db, as_user(world, "reporter"), decided=True).rows
    assert decided.resolution == "released"
    with pytest.raises(Conflict) as refused:
        held_rows.reject(db, clock, as_user(world, "authority"), held.id, "重复")
    assert refused.value.code == "held_row_decided"


def test_the_credit_authority_releases_a_sources_row(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    released = held_rows.release(db, clock, as_user(world, "authority"), held.id, "核实为同一主体")
    assert released.report.batch.created == 1
    assert released.report.batch.submitted_by == as_user(world, "authority").audit().id


def test_a_release_applies_every_other_check(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """A row that the pipeline refuses for another reason is not released: here the source
    is no longer responsible for the record type."""
    world = registering
    held = held_penalty(world, db, clock)
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.collection import sources

    sources.revoke(
        db, clock, SYSTEM_ACTOR, world.organisations["regulator"], "administrative_penalty"
    )
    db.commit()
    with pytest.raises(PermissionDenied) as refused:
        held_rows.release(db, clock, as_user(world, "reporter"), held.id, "核实为同一主体")
    assert refused.value.code == "not_responsible"


def test_a_release_the_pipeline_holds_again_is_refused_with_its_problems(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """A registration row held for its legal representative's name (decision 0038): the
    name check waived is the subject's only, so the release is refused and nothing written."""
    world = registering
    report = impostor_registration(db, clock, world, OLD_NAME)
    db.commit()
    held = held_of(db, report.batch)
    batches_before = db.scalars(select(Batch.id)).all()
    with pytest.raises(InvalidInput) as refused:
        held_rows.release(db, clock, as_user(world, "reporter"), held.id, "核实为同一主体")
    assert refused.value.code == "release_refused"
    assert [p["code"] for p in refused.value.details["problems"]] == [
        "legal_representative_mismatch"
    ]
    assert db.scalars(select(Batch.id)).all() == batches_before
    db.refresh(held)
    assert held.resolution is None
    rejected = held_rows.reject(
        db, clock, as_user(world, "reporter"), held.id, "法定代表人姓名与证件号码不符，退回更正"
    )
    assert rejected.resolution == "rejected"
    (event,) = events(db, "held_row.reject")
    assert event.details["reasons"] == "法定代表人姓名与证件号码不符，退回更正"


@pytest.mark.parametrize(
    ("reasons", "code"),
    [("", "required"), (" \u200b ", "required"), ("x" * 2001, "too_long")],
)
def test_a_decision_needs_its_reasons(
    collection_world: World, db: Session, clock: FixedClock, reasons: str, code: str
) -> None:
    held = held_penalty(collection_world, db, clock)
    with pytest.raises(InvalidInput) as refused:
        held_rows.reject(db, clock, as_user(collection_world, "reporter"), held.id, reasons)
    assert (refused.value.code, refused.value.field) == (code, "reasons")


def test_reasons_with_a_citizen_id_are_refused(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    held = held_penalty(collection_world, db, clock)
    number = citizen_id_of(collection_world.subjects["person"])
    with pytest.raises(InvalidInput):
        held_rows.reject(
            db, clock, as_user(collection_world, "reporter"), held.id, f"系{number}的记录"
        )


def test_reading_a_persons_held_row_goes_into_the_persons_access_log(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    held = held_person_row(db, clock, world)
    shown = held_rows.held_row(db, clock, as_user(world, "authority"), held.id)
    assert shown.subject is not None
    assert shown.subject.id == person.id
    assert shown.names_borne == [person.name]
    # (Besides the batch's lookup of the person, ``pipeline.log_lookups``.)
    (entry,) = held_row_log(db, person)
    (read,) = events(db, "held_row.read")
    assert read.details["subject"] == person.id
    # The read's event witnesses the person's log entry (``audit verify`` checks it).
    assert read.details[audit.WITNESSED]["ids"] == [entry.id]


def test_a_citizen_id_in_a_held_rows_free_text_is_shown_masked(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Review r7, finding 1: only citizen-ID fields were masked; a number in 违法事实 was
    shown in clear (Art. 4; decision 0037)."""
    world = collection_world
    held = held_penalty(
        world, db, clock, violation_facts=f"当事人负责人陈某（身份证号{REPRESENTATIVE_ID}）虚假宣传"
    )
    shown = held_rows.held_row(db, clock, as_user(world, "authority"), held.id)
    assert shown.values is not None
    assert REPRESENTATIVE_ID not in str(shown.values)
    masked = identifiers.mask_citizen_id(REPRESENTATIVE_ID)
    assert shown.values["violation_facts"] == f"当事人负责人陈某（身份证号{masked}）虚假宣传"


def _tighten_penalty_content(db: Session, clock: FixedClock, world: World) -> None:
    """The credit authority limits 处罚内容 to 3 characters: a row held before no longer
    validates."""
    rule = catalog.effective_rule(db, "administrative_penalty", "350100").definition
    definition = copy.deepcopy(rule.model_dump(mode="json"))
    for spec in definition["fields"]:
        if spec["name"] == "penalty_content":
            spec["max_length"] = 3
    catalog.revise_record_type(
        db, clock, as_user(world, "authority"), "administrative_penalty", definition, note="收紧"
    )
    db.commit()


def test_a_persons_held_row_no_longer_valid_is_still_logged_for_the_person(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Review r7, finding 2: the subject was found only by validating the row again under
    today's rule; a row that no longer did was shown with no subject and no log entry."""
    world = collection_world
    person = world.subjects["person"]
    held = held_person_row(db, clock, world)
    _tighten_penalty_content(db, clock, world)
    shown = held_rows.held_row(db, clock, as_user(world, "authority"), held.id)
    assert shown.subject is not None
    assert shown.subject.id == person.id
    assert shown.name_given == "王某"
    (entry,) = held_row_log(db, person)
    assert (entry.what, entry.granted) == (access.HELD_ROW, True)
    (read,) = events(db, "held_row.read")
    assert read.details["subject"] == person.id
    assert read.details[audit.WITNESSED]["ids"] == [entry.id]


def test_an_organisations_held_row_no_longer_valid_names_its_registered_subject(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    _tighten_penalty_content(db, clock, world)
    shown = held_rows.held_row(db, clock, as_user(world, "reporter"), held.id)
    assert shown.subject is not None
    assert shown.subject.id == world.subjects["company"].id
    assert shown.name_given == NEW_NAME
    # An organisation's row is in no access log (the log is a person's, Art. 24).
    assert db.scalars(select(AccessEvent)).all() == []


def test_a_refused_read_of_a_persons_held_row_is_in_the_persons_access_log(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Review r8, finding 6: another source's reporter, refused (answered as missing), left
    nothing in the person's log, and the refusal's event named no target."""
    world = collection_world
    person = world.subjects["person"]
    held = held_person_row(db, clock, world)
    with pytest.raises(ConcealedRefusal) as refused:
        held_rows.held_row(db, clock, as_user(world, "other_reporter"), held.id)
    assert refused.value.code == "not_found"
    # Nothing is written by the refused request itself: the boundary rolls it back and then
    # records the refusal (``record_refusal``), as here.
    assert db.scalars(select(AccessEvent).where(AccessEvent.what == access.HELD_ROW)).all() == []
    assert refused.value.record_refusal is not None
    refused.value.record_refusal(db, {"code": "not_found", "route": "/api/v1/held-rows/{row_id}"})
    (entry,) = held_row_log(db, person)
    assert (entry.what, entry.granted, entry.refusal_code) == (
        access.HELD_ROW,
        False,
        held_rows.REFUSED_CODE,
    )
    assert entry.organisation_id == world.organisations["other_agency"].id
    (event,) = events(db, access.REFUSED_ACTION)
    assert (event.target_type, event.target_id) == ("subject", str(person.id))
    assert event.details["held_row"] == held.id
    assert event.details["code"] == held_rows.REFUSED_CODE
    assert event.details[audit.WITNESSED]["ids"] == [entry.id]


def test_a_refused_read_of_an_organisations_held_row_names_the_row(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    with pytest.raises(ConcealedRefusal) as refused:
        held_rows.reject(db, clock, as_user(world, "other_reporter"), held.id, "不是")
    assert refused.value.record_refusal is not None
    refused.value.record_refusal(db, {"code": "not_found"})
    assert db.scalars(select(AccessEvent)).all() == []
    (event,) = events(db, access.REFUSED_ACTION)
    assert (event.target_type, event.target_id) == ("quarantined_row", str(held.id))
    assert event.details["code"] == held_rows.REFUSED_CODE


# --- retention ----------------------------------------------------------------------------------


def test_a_held_row_awaiting_its_decision_keeps_its_content_past_the_period(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, subject_name=NEW_NAME), penalty_row(world, decision_date="2026-02-30")],
        actor=as_user(world, "reporter"),
    )
    assert (report.batch.held, report.batch.rejected) == (1, 1)
    db.commit()
    rows = {
        r.disposition: r
        for r in db.scalars(
            select(QuarantinedRow).where(QuarantinedRow.batch_id == report.batch.id)
        )
    }
    clock.advance(dt.timedelta(days=quarantine.QUARANTINE_CONTENT_DAYS + 1))
    done = quarantine.erase_past_period(db, clock)
    assert (done.batches, done.rows) == (1, 1)
    db.refresh(rows[RowDisposition.HELD])
    db.refresh(rows[RowDisposition.REJECTED])
    assert rows[RowDisposition.REJECTED].values_ciphertext is None
    assert rows[RowDisposition.HELD].values_ciphertext is not None
    # Still releasable after the period; decided now, its content follows the period.
    held_rows.release(
        db, clock, as_user(world, "reporter"), rows[RowDisposition.HELD].id, "核实为同一主体"
    )
    db.refresh(rows[RowDisposition.HELD])
    assert rows[RowDisposition.HELD].values_ciphertext is None


def test_a_decided_held_row_follows_the_period(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    held = held_penalty(world, db, clock)
    held_rows.reject(db, clock, as_user(world, "reporter"), held.id, "不是本主体")
    db.commit()
    db.refresh(held)
    assert held.values_ciphertext is not None  # within the period: kept for a correction
    clock.advance(dt.timedelta(days=quarantine.QUARANTINE_CONTENT_DAYS + 1))
    assert quarantine.erase_past_period(db, clock).rows == 1
    db.refresh(held)
    assert held.values_ciphertext is None
    with pytest.raises(Conflict) as refused:
        held_rows.release(db, clock, as_user(world, "reporter"), held.id, "核实")
    assert refused.value.code == "held_row_decided"


def test_a_held_row_whose_content_was_erased_can_only_be_rejected(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Rows held before this change had their content erased by the job."""
    world = collection_world
    held = held_penalty(world, db, clock)
    held.values_ciphertext = None
    db.commit()
    shown = held_rows.held_row(db, clock, as_user(world, "reporter"), held.id)
    assert shown.values is None
    with pytest.raises(Conflict) as refused:
        held_rows.release(db, clock, as_user(world, "reporter"), held.id, "核实")
    assert refused.value.code == "held_row_content_erased"
    assert held_rows.reject(db, clock, as_user(world, "reporter"), held.id, "内容已删除").resolution


# --- finding 4: a person's row under an organisations-only type ---------------------------------


def test_a_persons_row_under_an_organisations_only_type_is_not_kept(
    registering: World, db: Session, clock: FixedClock
) -> None:
    world = registering
    regulator = world.organisations["regulator"]
    row = {
        **subject_row("赵某", citizen_id=NEW_PERSON_ID),
        "entity_type": "个人",
        "established_on": "2015-03-02",
        "registration_authority": regulator.name,
        **source_columns(regulator),
    }
    report = ingest(db, clock, regulator, [row], record_type=REGISTRATION)
    (problem,) = report.as_dict()["problems"]
    assert (problem["code"], problem["article"]) == ("subject_kind_not_allowed", "Art. 11 ¶1")
    assert held_of(db, report.batch).values_ciphertext is None
    # An organisation's row refused under it is still kept for the source to correct.
    company_row = registration_row(world, OLD_NAME, established_on="2015-02-30")
    kept = ingest(db, clock, regulator, [company_row], record_type=REGISTRATION)
    assert problems_of(kept) == [(1, "established_on", "invalid_date")]
    assert held_of(db, kept.batch).values_ciphertext is not None


def test_an_organisations_row_under_a_persons_only_kind_names_the_catalog(
    registering: World, db: Session, clock: FixedClock
) -> None:
    """``subject_kind_not_allowed`` about an organisation names the catalog's article."""
    from xinyong.catalog import service as catalog
    from xinyong.collection.validation import RowValidator
    from xinyong.subjects.models import SubjectKind

    definition = catalog.effective_rule(db, REGISTRATION).definition
    validator = RowValidator(definition, [], today=clock.today())
    assert validator._kind_not_allowed(SubjectKind.LEGAL_PERSON).article == "Art. 9"
