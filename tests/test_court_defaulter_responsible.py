"""Art. 18 for court judgment defaulters: a defaulting organisation's entry, made from the
court's record without an approval, names the persons registered as answering for it, as an
approved entry does — so the measures that reach responsible persons (the SPC's restriction
on high consumption, Art. 3 ¶2 of its rule) reach its legal representative, in the joint
check and when applied by hand. Also when an entry removed with its record comes back, and
for entries published before this was so (migration 0036)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import PersonFactory, World
from tests.lists_helpers import (
    COURT,
    actor,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.lists import applications, entries
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole

CHECKS = "/api/v1/joint-checks"


def check(client: TestClient, who: dict[str, str], matter: str, code: str) -> Any:
    response = client.post(CHECKS, json={"matter": matter, "subjects": [code]}, headers=who)
    assert response.status_code == 200, response.text
    (answer,) = response.json()["results"]
    return answer


def court_entry_of(db: Session, world: World) -> ListEntry:
    company = world.subjects["company"]
    return db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()


def test_a_court_defaulters_legal_representative_is_reached_by_the_high_consumption_ban(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    db.commit()

    response = client.post(
        "/api/v1/batches",
        params={"type": COURT},
        json=[court_row(world, company)],
        headers=headers(client, "court_reporter"),
    )
    assert response.status_code == 201, response.text

    db.expire_all()
    entry = court_entry_of(db, world)
    assert entry.status is EntryStatus.PUBLISHED
    named = entries.persons_by_entry(db, [entry.id])[entry.id]
    assert [(p.role, p.name) for p in named] == [("legal_representative", person.name)]
    answer = check(client, headers(client, "querier"), "high_consumption", citizen_id_of(person))
    assert [m["code"] for m in answer["measures"]] == ["pun_high_consumption"]
    assert answer["measures"][0]["as_responsible"] == {
        "role": "legal_representative",
        "organisation": {"code": company.uscc, "name": company.name},
    }
    assert [r["entry_id"] for r in answer["responsible_for"]] == [entry.id]
    assert (answer["green_channel"], answer["green_channel_reason"]) == (
        False,
        "responsible_for_black",
    )
    # And the measure applied to him by hand, on the basis it states for persons.
    application = applications.apply(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=person,
        matter_code="high_consumption",
        measure_code="pun_high_consumption",
        reasons="该单位为失信被执行人，其法定代表人依法限制高消费",
    )
    assert application.list_entry_id == entry.id
    assert company.name in application.notice


def test_a_restored_court_entry_names_who_answers_for_the_organisation_now(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Revoked by the court, then reinstated: the entry comes back naming the legal
    representative registered in between, beside those it named already."""
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    ingest_court(db, clock, world, [court_row(world, company)])
    entry = court_entry_of(db, world)
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
    assert entry.removal_reason is RemovalReason.RECORD_REVOKED
    principal = PersonFactory(name="陈某某")
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.PRINCIPAL,
        name=principal.name,
        citizen_id=citizen_id_of(principal),
    )
    revocation.reinstate(
        db,
        clock,
        court,
        entry.source_record_id,
        ground="revocation_set_aside",
        document_number="(2026)闽执复3号",
        reason="撤销决定已被上级法院撤销",
    )
    assert entry.status is EntryStatus.PUBLISHED
    named = entries.persons_by_entry(db, [entry.id])[entry.id]
    assert [(p.role, p.name) for p in named] == [
        ("legal_representative", person.name),
        ("principal", principal.name),
    ]
    db.commit()
    answer = check(client, headers(client, "querier"), "high_consumption", citizen_id_of(principal))
    assert [m["code"] for m in answer["measures"]] == ["pun_high_consumption"]


def test_a_person_registered_in_two_capacities_is_named_once(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """The company's legal representative who is also its principal answers for it once: one
    row on the entry (in the first capacity registered), one entry in the joint check."""
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.PRINCIPAL,
        name=person.name,
        citizen_id=citizen_id_of(person),
    )
    db.commit()

    response = client.post(
        "/api/v1/batches",
        params={"type": COURT},
        json=[court_row(world, company)],
        headers=headers(client, "court_reporter"),
    )
    assert response.status_code == 201, response.text

    db.expire_all()
    entry = court_entry_of(db, world)
    named = entries.persons_by_entry(db, [entry.id])[entry.id]
    assert [(p.role, p.name) for p in named] == [("legal_representative", person.name)]
    answer = check(client, headers(client, "querier"), "high_consumption", citizen_id_of(person))
    assert [r["entry_id"] for r in answer["responsible_for"]] == [entry.id]
