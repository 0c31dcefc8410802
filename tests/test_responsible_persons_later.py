"""Art. 18 after publication (decision 0036): an entry of a seriously dishonest organisation
names the persons registered as answering for it while the entry is in force — a legal
representative registered, or replaced, after the entry was published is named from that
day, and the one he replaced no longer is, his naming kept with its period. The persons the
recognising agency named on its proposal stay named. Every change is a step in the entry's
history with its source and reason; the joint check and the measures follow it."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import PersonFactory, World
from tests.lists_helpers import (
    actor,
    basis_record,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.lists import applications, entries, entry_persons
from xinyong.lists.models import (
    ListEntry,
    ListEntryEvent,
    ListEntryPerson,
    NamingSource,
    RemovalReason,
)
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject

SERIOUS_STANDARD = "serious_fair_competition"
CHECKS = "/api/v1/joint-checks"


def listed_company(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The company, its legal representative the world's person, listed as seriously
    dishonest 30 days ago (the entry names him from then)."""
    person_represents_company(db, clock, world)
    entry = published_entry(db, clock, world, world.subjects["company"], SERIOUS_STANDARD)
    db.commit()
    return entry


def register(
    db: Session, clock: FixedClock, world: World, person: Subject, role: ResponsibleRole
) -> ResponsiblePerson:
    return subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        world.subjects["company"],
        role=role,
        name=person.name,
        citizen_id=citizen_id_of(person),
    )


def namings(db: Session, entry_id: int) -> list[tuple[Any, ...]]:
    return [
        (p.role, p.person_subject_id, p.source, p.named_from, p.ended_on)
        for p in db.scalars(
            select(ListEntryPerson)
            .where(ListEntryPerson.entry_id == entry_id)
            .order_by(ListEntryPerson.id)
        )
    ]


def steps(db: Session, entry_id: int, *actions: str, after: int = 0) -> list[ListEntryEvent]:
    """The entry's steps of these kinds, those after the first ``after`` of them."""
    return list(
        db.scalars(
            select(ListEntryEvent)
            .where(ListEntryEvent.entry_id == entry_id, ListEntryEvent.action.in_(actions))
            .order_by(ListEntryEvent.id)
        )
    )[after:]


CHANGES = (entry_persons.NAMED, entry_persons.NAMING_ENDED)


def responsible_for(client: TestClient, person: Subject, matter: str = "appointment") -> Any:
    response = client.post(
        CHECKS,
        json={"matter": matter, "subjects": [citizen_id_of(person)]},
        headers=headers(client, "querier"),
    )
    assert response.status_code == 200, response.text
    (answer,) = response.json()["results"]
    return answer


def test_a_new_legal_representative_is_named_from_the_day_he_is_registered(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed_company(db, clock, world)
    former = world.subjects["person"]
    clock.advance(dt.timedelta(days=10))
    successor = PersonFactory(name="郑某某")

    before = len(steps(db, entry.id, *CHANGES))

    register(db, clock, world, successor, ResponsibleRole.LEGAL_REPRESENTATIVE)

    today, published_on = clock.today(), entry.term_start
    assert namings(db, entry.id) == [
        ("legal_representative", former.id, NamingSource.REGISTRATION, published_on, today),
        ("legal_representative", successor.id, NamingSource.REGISTRATION, today, None),
    ]
    ended, named = steps(db, entry.id, *CHANGES, after=before)
    assert ended.action == entry_persons.NAMING_ENDED
    assert f"named {published_on} to {today}" in ended.detail
    assert "source: registration" in ended.detail
    assert f"{successor.name} registered as legal_representative" in ended.detail
    assert named.action == entry_persons.NAMED
    assert f"{successor.name}, named from {today}; source: registration" in named.detail


def test_the_joint_check_reaches_the_new_legal_representative_and_no_longer_the_former(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed_company(db, clock, world)
    former = world.subjects["person"]
    successor = PersonFactory(name="郑某某")
    register(db, clock, world, successor, ResponsibleRole.LEGAL_REPRESENTATIVE)
    db.commit()

    now = responsible_for(client, successor)
    assert [r["entry_id"] for r in now["responsible_for"]] == [entry.id]
    assert [m["code"] for m in now["measures"]] == ["pun_appointment"]
    assert now["green_channel_reason"] == "responsible_for_black"
    before = responsible_for(client, former)
    assert "responsible_for" not in before
    assert before["measures"] == []
    assert before["green_channel_reason"] != "responsible_for_black"


def test_a_person_registered_in_another_capacity_is_named_until_the_registration_ends(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed_company(db, clock, world)
    principal = PersonFactory(name="何某某")
    link = register(db, clock, world, principal, ResponsibleRole.PRINCIPAL)
    assert namings(db, entry.id)[-1][:3] == ("principal", principal.id, NamingSource.REGISTRATION)
    clock.advance(dt.timedelta(days=5))
    changes = len(steps(db, entry.id, *CHANGES))

    subjects.end_responsible_person(
        db, clock, SYSTEM_ACTOR, world.subjects["company"], link.id, reason="辞去总经理职务"
    )

    assert namings(db, entry.id)[-1][4] == clock.today()
    (ended,) = steps(db, entry.id, *CHANGES, after=changes)
    assert ended.action == entry_persons.NAMING_ENDED
    assert "no longer registered as principal: 辞去总经理职务" in ended.detail
    assert link.valid_to == clock.today()


def test_a_person_the_proposal_named_stays_named_when_his_registration_ends(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The agency found him responsible for the conduct; leaving the office does not undo
    that finding (only the agency could, and it has no step for it yet)."""
    world = lists_world
    company, manager = world.subjects["company"], PersonFactory(name="林某某")
    std = entries.standard(db, SERIOUS_STANDARD)
    entry = entries.propose(
        db,
        FixedClock(clock.now() - dt.timedelta(days=30)),
        actor(world, "caseofficer2"),
        subject=company,
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="串通投标",
        evidence="榕市监罚〔2026〕89号",
        responsible_persons=[
            entries.NamedPerson("directly_responsible", manager.name, citizen_id_of(manager))
        ],
        basis_record_ids=[
            basis_record(
                db,
                FixedClock(clock.now() - dt.timedelta(days=30)),
                world,
                company,
                decision_date=(clock.today() - dt.timedelta(days=40)).isoformat(),
            ).id
        ],
    )
    entries.approve(db, clock, actor(world, "caseofficer"), entry.id, reasons="无异议")
    link = register(db, clock, world, manager, ResponsibleRole.PRINCIPAL)
    # Named already, by the agency: not a second time.
    assert namings(db, entry.id) == [
        ("directly_responsible", manager.id, NamingSource.PROPOSAL, clock.today(), None)
    ]

    subjects.end_responsible_person(db, clock, SYSTEM_ACTOR, company, link.id, reason="离职")

    assert namings(db, entry.id)[0][4] is None
    (proposed,) = steps(db, entry.id, entry_persons.NAMED)
    assert "source: the recognising agency's proposal" in proposed.detail


def test_an_entry_off_the_list_keeps_the_persons_it_named(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed_company(db, clock, world)
    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已纠正失信行为",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    before, changes = namings(db, entry.id), len(steps(db, entry.id, *CHANGES))

    register(db, clock, world, PersonFactory(), ResponsibleRole.LEGAL_REPRESENTATIVE)

    assert namings(db, entry.id) == before
    assert steps(db, entry.id, *CHANGES, after=changes) == []


def test_a_court_entry_back_on_the_list_names_whom_the_registration_holds_then(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Revoked by the court, its legal representative replaced meanwhile, then reinstated:
    the former's naming ends on the day his registration did, the successor is named from
    the reinstatement."""
    world = lists_world
    company, former = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    ingest_court(db, clock, world, [court_row(world, company)])
    entry = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()
    assert entry.source_record_id is not None
    court = actor(world, "court_reporter")
    revocation.revoke(
        db,
        clock,
        court,
        entry.source_record_id,
        ground="withdrawn",
        document_number="(2026)闽01执异12号",
        reason="原失信决定被撤销",
    )
    clock.advance(dt.timedelta(days=3))
    replaced_on = clock.today()
    successor = PersonFactory(name="郑某某")
    register(db, clock, world, successor, ResponsibleRole.LEGAL_REPRESENTATIVE)
    clock.advance(dt.timedelta(days=4))

    revocation.reinstate(
        db,
        clock,
        court,
        entry.source_record_id,
        ground="revocation_set_aside",
        document_number="(2026)闽执复3号",
        reason="撤销决定已被上级法院撤销",
    )

    assert [(role, who, ended) for role, who, _, _, ended in namings(db, entry.id)] == [
        ("legal_representative", former.id, replaced_on),
        ("legal_representative", successor.id, None),
    ]
    assert namings(db, entry.id)[1][3] == clock.today()
    application = applications.apply(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=successor,
        matter_code="high_consumption",
        measure_code="pun_high_consumption",
        reasons="该单位为失信被执行人，其法定代表人依法限制高消费",
    )
    assert application.list_entry_id == entry.id


def test_the_daily_job_brings_an_entry_in_line_with_a_registration_made_without_the_service(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """As for entries published before entries followed the registration (migration 0041)."""
    world = lists_world
    entry = listed_company(db, clock, world)
    company, former = world.subjects["company"], world.subjects["person"]
    successor = PersonFactory(name="郑某某")
    (earlier,) = subjects.current_responsible_persons(db, company)
    earlier.valid_to = clock.today()
    db.add(
        ResponsiblePerson(
            organisation_subject_id=company.id,
            role=ResponsibleRole.LEGAL_REPRESENTATIVE,
            name=successor.name,
            person_subject_id=successor.id,
            valid_from=clock.today(),
        )
    )
    db.flush()
    changes = len(steps(db, entry.id, *CHANGES))

    assert entry_persons.follow_all(db, clock, SYSTEM_ACTOR) == 1

    assert [(who, ended) for _, who, _, _, ended in namings(db, entry.id)] == [
        (former.id, clock.today()),
        (successor.id, None),
    ]
    assert [
        (step.action, entry_persons.BY_DAILY_JOB in step.detail)
        for step in steps(db, entry.id, *CHANGES, after=changes)
    ] == [(entry_persons.NAMING_ENDED, True), (entry_persons.NAMED, True)]
    assert entry_persons.follow_all(db, clock, SYSTEM_ACTOR) == 0


def test_the_entry_shows_each_naming_with_its_period_and_each_change_in_its_history(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed_company(db, clock, world)
    successor = PersonFactory(name="郑某某")
    register(db, clock, world, successor, ResponsibleRole.LEGAL_REPRESENTATIVE)
    db.commit()

    for account in ("caseofficer", "company"):
        body = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, account))
        assert body.status_code == 200, body.text
        named = body.json()["responsible_persons"]
        assert [(p["name"], p["source"], p["ended_on"]) for p in named] == [
            (world.subjects["person"].name, "registration", clock.today().isoformat()),
            (successor.name, "registration", None),
        ]
        assert [h["action"] for h in body.json()["history"]][-2:] == [
            "naming_ended",
            "person_named",
        ]
    public = client.get("/api/v1/lists/black", params={"tier": "serious"}).json()["items"]
    assert [p["name"] for p in public[0]["responsible_persons"]] == ["郑**"]


# --- the registration itself ----------------------------------------------------------------


def test_a_new_legal_representative_ends_the_registration_of_the_one_before(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person_represents_company(db, clock, world)
    successor = PersonFactory()

    register(db, clock, world, successor, ResponsibleRole.LEGAL_REPRESENTATIVE)

    assert [
        (p.person_subject_id, p.role)
        for p in subjects.current_responsible_persons(db, world.subjects["company"])
    ] == [(successor.id, ResponsibleRole.LEGAL_REPRESENTATIVE)]


def test_directly_responsible_persons_are_registered_side_by_side(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    first, second = PersonFactory(), PersonFactory()
    for person in (first, second):
        register(db, clock, world, person, ResponsibleRole.DIRECTLY_RESPONSIBLE)
    assert len(subjects.current_responsible_persons(db, world.subjects["company"])) == 2


def test_a_person_is_not_registered_twice_in_the_same_capacity(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person_represents_company(db, clock, world)
    with pytest.raises(Conflict) as refused:
        person_represents_company(db, clock, world)
    assert (refused.value.code, refused.value.field) == ("duplicate", "citizen_id")


@pytest.mark.parametrize(
    ("case", "error", "code"),
    [
        ("ended", Conflict, "registration_ended"),
        ("other_organisation", NotFound, "not_found"),
        ("no_reason", InvalidInput, "required"),
    ],
)
def test_ending_a_registration_is_refused(
    lists_world: World,
    db: Session,
    clock: FixedClock,
    case: str,
    error: type[Exception],
    code: str,
) -> None:
    world = lists_world
    link = register(db, clock, world, PersonFactory(), ResponsibleRole.PRINCIPAL)
    organisation = world.subjects["other_company" if case == "other_organisation" else "company"]
    if case == "ended":
        subjects.end_responsible_person(
            db, clock, SYSTEM_ACTOR, organisation, link.id, reason="离职"
        )
    with pytest.raises(error) as refused:
        subjects.end_responsible_person(
            db,
            clock,
            SYSTEM_ACTOR,
            organisation,
            link.id,
            reason="" if case == "no_reason" else "x",
        )
    assert refused.value.code == code  # type: ignore[attr-defined]
