"""Registration records feed the register of responsible persons (Art. 18; decision 0038):
a registration record accepted with new content that names the organisation's legal
representative with a citizen ID number registers him as such — found by blind index or
registered as a natural person — from the record's date, and a later version naming another
ends the first one's registration; in the batch's transaction, idempotent, audited with the
batch as its source. The entries in force follow; a correction after an objection feeds the
register as a new version does."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    citizen_id_of,
    ingest,
    problems_of,
    source_columns,
    subject_row,
)
from tests.factories import World, record_objection
from tests.lists_helpers import (
    REGISTRATION,
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
)
from tests.page_helpers import log_in
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import legal_representatives as representatives
from xinyong.collection import pipeline, revocation
from xinyong.collection.models import CreditRecord, RowDisposition
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, LegalPath
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.lists import entry_persons
from xinyong.lists.models import ListEntryPerson, NamingSource
from xinyong.objections import service as objections
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject, SubjectKind
from xinyong.synthetic import make_citizen_id, make_uscc
from xinyong.web.labels import registration_basis

SERIOUS_STANDARD = "serious_fair_competition"
ESTABLISHED = dt.date(2018, 3, 1)
_rng = random.Random(20261205)
# Legal representatives new to the platform: valid, synthetic, fixed.
CHEN = ("陈某某", make_citizen_id(_rng, division="350103"))
ZHENG = ("郑某某", make_citizen_id(_rng, division="350104"))
LIN = ("林某某", make_citizen_id(_rng, division="350105"))
_addresses = itertools.count(1)


def registration_row(
    world: World,
    subject: Subject,
    representative: tuple[str, str] | None = None,
    *,
    established: dt.date = ESTABLISHED,
    **overrides: str,
) -> dict[str, str]:
    """The regulator's registration record of ``subject``, naming ``representative``
    (name, ID number) as its legal representative; a new address each time, so that a
    second row is a new version of the record."""
    regulator = world.organisations["regulator"]
    row = {
        **subject_row(subject.name, uscc=subject.uscc or ""),
        "entity_type": "有限责任公司",
        "established_on": established.isoformat(),
        "registered_address": f"福州市鼓楼区五四路{next(_addresses)}号",
        "registration_authority": regulator.name,
        **source_columns(regulator),
    }
    if representative is not None:
        row.update(
            {
                "legal_representative": representative[0],
                "id_type": "身份证",
                "id_number": representative[1],
            }
        )
    row.update(overrides)
    return row


def submit(
    db: Session, clock: FixedClock, world: World, rows: list[dict[str, str]], **kwargs: Any
) -> pipeline.BatchReport:
    return ingest(
        db,
        clock,
        world.organisations["regulator"],
        rows,
        record_type=REGISTRATION,
        actor=actor(world, "reporter"),
        **kwargs,
    )


def register_of(db: Session, organisation: Subject) -> list[tuple[Any, ...]]:
    """(person id, name, from, to, basis) of each legal-representative registration."""
    return [
        (p.person_subject_id, p.name, p.valid_from, p.valid_to, p.basis)
        for p in db.scalars(
            select(ResponsiblePerson)
            .where(
                ResponsiblePerson.organisation_subject_id == organisation.id,
                ResponsiblePerson.role == ResponsibleRole.LEGAL_REPRESENTATIVE,
            )
            .order_by(ResponsiblePerson.id)
        )
    ]


def person(db: Session, citizen_id: str) -> Subject:
    found = subjects.by_citizen_id(db, citizen_id)
    assert found is not None
    return found


def register_events(db: Session) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "subject.responsible_person.add")
            .order_by(AuditEvent.sequence)
        )
    )


def the_record(db: Session, organisation: Subject) -> CreditRecord:
    return db.scalars(select(CreditRecord).where(CreditRecord.subject_id == organisation.id)).one()


# --- the first version ------------------------------------------------------------------------


def test_a_registration_record_registers_a_new_person_as_legal_representative(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    report = submit(db, clock, world, [registration_row(world, company, CHEN)])
    assert (report.batch.created, report.problems) == (1, [])
    chen = person(db, CHEN[1])
    # A natural person, his ID number encrypted and found by its blind index.
    assert chen.kind is SubjectKind.NATURAL_PERSON
    assert (chen.name, chen.citizen_id_masked) == (CHEN[0], CHEN[1][:6] + "********" + CHEN[1][-4:])
    assert chen.citizen_id_ciphertext is not None
    assert CHEN[1] not in chen.citizen_id_ciphertext
    record = the_record(db, company)
    assert register_of(db, company) == [
        (
            chen.id,
            CHEN[0],
            ESTABLISHED,
            None,
            f"registration record {record.id} version 1, batch {report.batch.id}",
        )
    ]
    # Audited as the register's other writes are, with the batch as the source.
    (event,) = register_events(db)
    assert event.details == {
        "role": "legal_representative",
        "replaced": [],
        "source": {
            "batch": report.batch.id,
            "record": record.id,
            "version": 1,
            "new_person": True,  # registered on the platform by this registration
        },
    }
    assert report.batch.new_subjects == 1  # the legal representative (the company is known)
    assert event.actor_kind == "user"
    # He sees it in his access log: the regulator, on its official duty (Art. 24).
    (logged,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == chen.id)).all()
    assert (logged.what, logged.legal_path, logged.organisation_id) == (
        access.RESPONSIBLE_PERSON_REGISTERED,
        LegalPath.OFFICIAL_DUTY,
        world.organisations["regulator"].id,
    )


def test_a_known_person_is_found_by_his_id_number_and_not_registered_again(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company, known = world.subjects["company"], world.subjects["person"]
    people = db.scalar(select(func.count()).select_from(Subject))
    report = submit(
        db, clock, world, [registration_row(world, company, (known.name, citizen_id_of(known)))]
    )
    assert (report.problems, report.batch.new_subjects) == ([], 0)
    assert db.scalar(select(func.count()).select_from(Subject)) == people
    assert "new_person" not in register_events(db)[0].details["source"]
    assert [row[:4] for row in register_of(db, company)] == [
        (known.id, known.name, ESTABLISHED, None)
    ]


def test_the_operators_import_for_a_source_logs_the_registration_as_the_sources(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """``xinyong import --source`` runs as the system: the person's log names the source."""
    world = lists_world
    ingest(
        db,
        clock,
        world.organisations["regulator"],
        [registration_row(world, world.subjects["company"], CHEN)],
        record_type=REGISTRATION,
        channel="cli",
    )
    chen = person(db, CHEN[1])
    (logged,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == chen.id)).all()
    assert logged.organisation_id == world.organisations["regulator"].id
    assert register_events(db)[0].actor_kind == "system"


# --- later versions ---------------------------------------------------------------------------


def test_a_later_version_naming_another_ends_the_first_and_starts_the_second(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    first = submit(db, clock, world, [registration_row(world, company, CHEN)])
    clock.advance(dt.timedelta(days=10))
    second = submit(db, clock, world, [registration_row(world, company, ZHENG)])
    assert (second.batch.created, second.batch.updated) == (0, 1)
    record = the_record(db, company)
    assert record.current_version_no == 2
    chen, zheng = person(db, CHEN[1]), person(db, ZHENG[1])
    today = clock.today()
    # The record's date is the organisation's establishment, before the holder's start:
    # the change is dated the day the platform received it.
    assert register_of(db, company) == [
        (
            chen.id,
            CHEN[0],
            ESTABLISHED,
            today,
            f"registration record {record.id} version 1, batch {first.batch.id}",
        ),
        (
            zheng.id,
            ZHENG[0],
            today,
            None,
            f"registration record {record.id} version 2, batch {second.batch.id}",
        ),
    ]
    ended = db.scalars(
        select(ResponsiblePerson).where(ResponsiblePerson.person_subject_id == chen.id)
    ).one()
    assert ended.end_reason == f"{ZHENG[0]} registered as legal_representative"
    events = register_events(db)
    assert events[-1].details["replaced"] == [ended.id]
    assert events[-1].details["source"] == {
        "batch": second.batch.id,
        "record": record.id,
        "version": 2,
        "new_person": True,
    }


def test_a_later_stated_date_is_the_start(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """A version whose date is after the holder's start starts the new one on it (a source
    whose registration type is dated by the change)."""
    world = lists_world
    company = world.subjects["company"]
    submit(db, clock, world, [registration_row(world, company, CHEN)])
    later = ESTABLISHED + dt.timedelta(days=400)
    submit(db, clock, world, [registration_row(world, company, ZHENG, established=later)])
    assert [row[2:4] for row in register_of(db, company)] == [(ESTABLISHED, later), (later, None)]


def test_a_new_version_naming_the_same_person_changes_nothing(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    submit(db, clock, world, [registration_row(world, company, CHEN)])
    before = register_of(db, company)
    events = len(register_events(db))
    clock.advance(dt.timedelta(days=3))
    report = submit(db, clock, world, [registration_row(world, company, CHEN)])
    assert report.batch.updated == 1
    assert register_of(db, company) == before
    assert len(register_events(db)) == events


def test_replays_and_the_same_content_again_change_nothing(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    rows = [registration_row(world, company, CHEN)]
    submit(db, clock, world, rows, key="batch-1")
    before = register_of(db, company)
    events = db.scalar(select(func.count()).select_from(AuditEvent))
    logged = db.scalar(select(func.count()).select_from(AccessEvent))
    replayed = submit(db, clock, world, rows, key="batch-1")
    assert replayed.replayed
    # The same content under another key: a new batch of unchanged rows.
    again = submit(db, clock, world, rows, key="batch-2")
    assert (again.replayed, again.batch.unchanged) == (False, 1)
    assert register_of(db, company) == before
    assert db.scalar(select(func.count()).select_from(AccessEvent)) == logged
    new_actions = db.scalars(select(AuditEvent.action).where(AuditEvent.sequence > events)).all()
    assert new_actions == ["batch.ingest"]


def test_an_unchanged_row_does_not_undo_the_authoritys_own_change_on_its_page(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """The register follows new content: the same file sent again after the authority
    registered a successor on its page leaves the successor registered."""
    world = lists_world
    company = world.subjects["company"]
    rows = [registration_row(world, company, CHEN)]
    submit(db, clock, world, rows, key="first")
    clock.advance(dt.timedelta(days=2))
    subjects.add_responsible_person(
        db,
        clock,
        actor(world, "reporter"),
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=ZHENG[0],
        citizen_id=ZHENG[1],
        basis="（榕）登记内变字〔2026〕第118号",
    )
    submit(db, clock, world, rows, key="again")
    current = [row for row in register_of(db, company) if row[3] is None]
    assert [row[1] for row in current] == [ZHENG[0]]


def test_a_revoked_records_new_content_names_nobody(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    submit(db, clock, world, [registration_row(world, company, CHEN)])
    revocation.revoke(
        db,
        clock,
        actor(world, "reporter"),
        the_record(db, company).id,
        ground="withdrawn",
        document_number="榕市监撤〔2026〕3号",
        reason="登记被撤销",
    )
    report = submit(db, clock, world, [registration_row(world, company, ZHENG)])
    assert report.batch.updated == 1
    assert [row[1] for row in register_of(db, company)] == [CHEN[0]]


# --- rows that do not feed it, or are held ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fed"),
    [
        ({"id_number": ""}, False),  # no number: nobody to find
        ({"id_type": "护照"}, False),  # another document's number is not a citizen's
        ({"legal_representative": ""}, False),  # new to the platform and no name
        ({"id_type": ""}, True),  # the type left empty: a citizen ID, as for a person's row
        ({"id_type": "居民身份证"}, True),
    ],
)
def test_which_rows_name_a_legal_representative(
    db: Session, clock: FixedClock, lists_world: World, overrides: dict[str, str], fed: bool
) -> None:
    world = lists_world
    company = world.subjects["company"]
    report = submit(db, clock, world, [registration_row(world, company, CHEN, **overrides)])
    assert (report.batch.created, report.problems) == (1, [])
    assert bool(register_of(db, company)) is fed


def test_a_known_id_number_under_another_name_is_held_and_nothing_is_written(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company, known = world.subjects["company"], world.subjects["person"]
    report = submit(
        db, clock, world, [registration_row(world, company, ("张三丰", citizen_id_of(known)))]
    )
    assert problems_of(report) == [(1, representatives.NAME_FIELD, representatives.MISMATCH)]
    assert report.problems[0].disposition is RowDisposition.HELD
    assert (report.batch.created, report.batch.held) == (0, 1)
    assert register_of(db, company) == []
    assert citizen_id_of(known) not in report.problems[0].message


def test_two_rows_giving_one_new_number_two_names_hold_the_second(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    first, second = world.subjects["company"], world.subjects["other_company"]
    report = submit(
        db,
        clock,
        world,
        [
            registration_row(world, first, CHEN),
            registration_row(world, second, ("陈某", CHEN[1])),
        ],
    )
    assert problems_of(report) == [(2, representatives.NAME_FIELD, representatives.MISMATCH)]
    assert [row[1] for row in register_of(db, first)] == [CHEN[0]]
    assert register_of(db, second) == []


def test_an_unreadable_name_of_a_new_person_is_refused_with_the_row(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    report = submit(db, clock, world, [registration_row(world, company, ("陈\x07某某", CHEN[1]))])
    assert problems_of(report) == [(1, representatives.NAME_FIELD, "invalid_characters")]
    assert report.problems[0].disposition is RowDisposition.REJECTED
    assert subjects.by_citizen_id(db, CHEN[1]) is None


def test_a_new_persons_name_is_registered_as_it_shows(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    # The pipeline takes every value without the characters nobody sees (decision 0044
    # addendum): a zero-width space inside the name is dropped, not refused.
    world = lists_world
    company = world.subjects["company"]
    report = submit(db, clock, world, [registration_row(world, company, ("陈\u200b某某", CHEN[1]))])
    assert problems_of(report) == []
    person = subjects.by_citizen_id(db, CHEN[1])
    assert person is not None
    assert person.name == CHEN[0]


def test_penalty_records_naming_a_legal_representative_do_not_feed_the_register(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Only the registration authority's registration records say who the legal
    representative is; a penalty's 法定代表人 column is what the penalising agency wrote."""
    from tests.lists_helpers import ingest_penalty

    world = lists_world
    company = world.subjects["company"]
    report = ingest_penalty(
        db, clock, world, company, legal_representative=CHEN[0], id_number=CHEN[1]
    )
    assert report.batch.created == 1
    assert register_of(db, company) == []


def test_only_a_source_responsible_for_registration_records_submits_them(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    with pytest.raises(PermissionDenied) as refused:
        ingest(
            db,
            clock,
            world.organisations["other_agency"],
            [registration_row(world, world.subjects["company"], CHEN)],
            record_type=REGISTRATION,
            actor=actor(world, "other_reporter"),
        )
    assert refused.value.code == "not_responsible"
    db.rollback()
    assert subjects.by_citizen_id(db, CHEN[1]) is None


# --- one transaction --------------------------------------------------------------------------


def test_a_batch_that_fails_after_the_register_was_fed_leaves_nothing(
    db: Session, clock: FixedClock, lists_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The register is written in the batch's transaction: a batch killed at its end (here
    its closing audit event fails) leaves neither the record nor the person nor his
    registration."""
    world = lists_world
    company = world.subjects["company"]
    record = pipeline.audit.record

    def failing(*args: Any, **kwargs: Any) -> Any:
        if args[3] == "batch.ingest":
            raise RuntimeError("killed")
        return record(*args, **kwargs)

    monkeypatch.setattr(pipeline.audit, "record", failing)
    with pytest.raises(RuntimeError):
        submit(db, clock, world, [registration_row(world, company, CHEN)])
    db.rollback()
    assert register_of(db, company) == []
    assert subjects.by_citizen_id(db, CHEN[1]) is None
    assert db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).all() == []


# --- the entries in force follow --------------------------------------------------------------


def test_the_organisations_entry_in_force_follows_the_registration_record(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, SERIOUS_STANDARD)
    db.commit()
    submit(db, clock, world, [registration_row(world, company, CHEN)])
    clock.advance(dt.timedelta(days=5))
    submit(db, clock, world, [registration_row(world, company, ZHENG)])
    chen, zheng = person(db, CHEN[1]), person(db, ZHENG[1])
    namings = [
        (p.person_subject_id, p.source, p.named_from, p.ended_on)
        for p in db.scalars(
            select(ListEntryPerson)
            .where(ListEntryPerson.entry_id == entry.id)
            .order_by(ListEntryPerson.id)
        )
    ]
    today = clock.today()
    assert namings == [
        (chen.id, NamingSource.REGISTRATION, today - dt.timedelta(days=5), today),
        (zheng.id, NamingSource.REGISTRATION, today, None),
    ]
    assert entry_persons.current(db, entry.id)[0].person_subject_id == zheng.id


# --- an objection ---------------------------------------------------------------------------


def _objected_registration(db: Session, clock: FixedClock, world: World) -> Any:
    company = world.subjects["company"]
    submit(db, clock, world, [registration_row(world, company, CHEN)])
    db.commit()
    objection = record_objection(
        db, clock, world, the_record(db, company).id, statement="法定代表人登记有误"
    )
    objections.forward(db, clock, actor(world, "objections"), objection.id, note="请核实")
    return objection


def test_a_correction_after_an_objection_feeds_the_register_as_a_new_version_does(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    objection = _objected_registration(db, clock, world)
    clock.advance(dt.timedelta(days=2))
    version = objections.correct(
        db,
        clock,
        actor(world, "reporter"),
        objection.id,
        values={"legal_representative": ZHENG[0], "id_number": ZHENG[1]},
        note="法定代表人更正",
    )
    record = the_record(db, company)
    today = clock.today()
    assert [row[1:] for row in register_of(db, company)][1] == (
        ZHENG[0],
        today,
        None,
        f"registration record {record.id} version {version.version_no}, corrected after "
        f"objection {objection.id}",
    )
    assert register_of(db, company)[0][3] == today
    assert register_events(db)[-1].details["source"] == {
        "record": record.id,
        "version": version.version_no,
        "objection": objection.id,
        "new_person": True,
    }


def test_a_correction_naming_a_known_number_under_another_name_is_refused(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company, known = world.subjects["company"], world.subjects["person"]
    objection = _objected_registration(db, clock, world)
    with pytest.raises(InvalidInput) as refused:
        objections.correct(
            db,
            clock,
            actor(world, "reporter"),
            objection.id,
            values={"legal_representative": "张三丰", "id_number": citizen_id_of(known)},
            note="法定代表人更正",
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        representatives.MISMATCH,
        representatives.NAME_FIELD,
        "Art. 18",
    )
    db.rollback()
    assert [row[1] for row in register_of(db, company)] == [CHEN[0]]


def test_a_correction_of_other_fields_keeps_the_register(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    objection = _objected_registration(db, clock, world)
    before = register_of(db, company)
    objections.correct(
        db,
        clock,
        actor(world, "reporter"),
        objection.id,
        values={"registered_address": "福州市台江区八一七中路1号"},
        note="住所更正",
    )
    assert register_of(db, company) == before


def test_the_correction_form_of_a_registration_record_does_not_carry_the_masked_number(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """The form sends back every field it shows: the legal representative's number shown
    masked would be sent back as the correction and refused, whatever was corrected."""
    world = lists_world
    company = world.subjects["company"]
    objection = _objected_registration(db, clock, world)
    shown = {f.name: f.value for f in objections.correctable_fields(db, objection)}
    assert representatives.ID_FIELD not in shown
    assert shown[representatives.NAME_FIELD] == CHEN[0]
    before = register_of(db, company)
    objections.correct(
        db,
        clock,
        actor(world, "reporter"),
        objection.id,
        values={**shown, "registered_address": "福州市台江区八一七中路1号"},
        note="住所更正",
    )
    assert register_of(db, company) == before


# --- the day a registration starts ------------------------------------------------------------

D = dt.date
TODAY = D(2026, 11, 27)


@pytest.mark.parametrize(
    ("stated", "periods", "start"),
    [
        # Nobody registered yet: the record's date.
        (D(2018, 3, 1), [], D(2018, 3, 1)),
        # A holder since before the record's date: the record's date.
        (D(2020, 1, 1), [(D(2018, 3, 1), None)], D(2020, 1, 1)),
        # A holder since the record's date or after: the day the platform learns of it.
        (D(2018, 3, 1), [(D(2018, 3, 1), None)], TODAY),
        (D(2018, 3, 1), [(D(2026, 11, 20), None)], TODAY),
        # A holder with no start on record (registered before migration 0046): the date.
        (D(2018, 3, 1), [(None, None)], D(2018, 3, 1)),
        # Registrations ended: never before the last end (no two at once), on it at most.
        (D(2018, 3, 1), [(D(2010, 1, 1), D(2019, 1, 1))], TODAY),
        (D(2019, 1, 1), [(D(2010, 1, 1), D(2019, 1, 1))], D(2019, 1, 1)),
        (D(2019, 1, 2), [(D(2010, 1, 1), D(2019, 1, 1))], D(2019, 1, 2)),
    ],
)
def test_the_day_a_named_legal_representative_starts(
    stated: dt.date, periods: list[representatives.Period], start: dt.date
) -> None:
    assert representatives.start_of(stated, periods, TODAY) == start


# --- the naming sequence, as a property -------------------------------------------------------

POOL = (CHEN, ZHENG, LIN)
_organisations = itertools.count(1)
_uscc_rng = random.Random(20261206)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 3),  # days since the step before
            st.sampled_from([None, 0, 1, 2]),  # who the version names (None: nobody)
            st.integers(0, 2),  # its date: the establishment, or a later day
        ),
        min_size=1,
        max_size=6,
    )
)
def test_the_register_follows_the_versions_one_registration_after_another(
    db: Session, lists_world: World, steps: list[tuple[int, int | None, int]]
) -> None:
    """Whatever the versions name, in whatever order and on whatever days: the register
    holds, after each batch, exactly the registrations a model of the rule gives — a new
    one for each change of person, from the record's date unless a registration is on or
    after it (then the day received), each ending the day the next starts — one holder at
    a time; and sending the last batch again changes nothing."""
    world = lists_world
    clock = FixedClock(dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC))
    name = f"福州序列{next(_organisations)}贸易有限公司"
    organisation = subjects.register_organisation(
        db, clock, SYSTEM_ACTOR, name=name, uscc=make_uscc(_uscc_rng)
    )
    dates = (ESTABLISHED, D(2022, 6, 1), D(2026, 10, 30))
    model: list[list[Any]] = []  # [citizen id, from, to]
    rows: list[dict[str, str]] = []
    for days, who, dated in steps:
        clock.advance(dt.timedelta(days=days))
        named = None if who is None else POOL[who]
        stated = dates[dated]
        rows = [registration_row(world, organisation, named, established=stated)]
        submit(db, clock, world, rows)
        if named is not None and not (model and model[-1][0] == named[1] and model[-1][2] is None):
            start = representatives.start_of(stated, [(m[1], m[2]) for m in model], clock.today())
            if model:
                model[-1][2] = start
            model.append([named[1], start, None])
        held = [(person(db, cid).id, start, end) for cid, start, end in model]
        assert [(row[0], row[2], row[3]) for row in register_of(db, organisation)] == held
        for (_p, _s, end), (_q, start, _e) in itertools.pairwise(held):
            assert end == start
        assert all(start <= end for _p, start, end in held if end is not None)
        assert sum(end is None for _p, _s, end in held) <= 1
    before = register_of(db, organisation)
    submit(db, clock, world, rows)
    assert register_of(db, organisation) == before


# --- the register's page ----------------------------------------------------------------------


def test_the_page_names_the_record_a_registration_rests_on_in_its_language(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    report = submit(db, clock, world, [registration_row(world, company, CHEN)])
    db.commit()
    record = the_record(db, company)
    log_in(client, "reporter")
    page = client.get(f"/responsible-persons?code={company.reference}")
    assert page.status_code == 200
    assert f"登记注册信息记录 {record.id} 第 1 版（批次 {report.batch.id}）" in page.text
    assert "registration record" not in page.text
    assert CHEN[1] not in page.text


@pytest.mark.parametrize(
    ("basis", "shown"),
    [
        ("registration record 4 version 2, batch 9", "Registration record 4, version 2 (batch 9)"),
        (
            "registration record 4 version 3, corrected after objection 7",
            "Registration record 4, version 3 (corrected after objection 7)",
        ),
        ("（榕）登记内变字〔2026〕第118号", "（榕）登记内变字〔2026〕第118号"),  # an officer's
        (None, ""),
    ],
)
def test_a_basis_the_platform_wrote_is_said_in_words(basis: str | None, shown: str) -> None:
    assert registration_basis(basis, lambda message: message) == shown
