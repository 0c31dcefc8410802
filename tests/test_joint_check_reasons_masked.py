"""A list entry's reasons in a joint check's answers read as the public lists give them
(decision 0037): a court defaulter's reasons are the court's record of the conduct, which
may hold a citizen ID number, masked (350102********1234) whichever way the answer was put
together — an organisation with one entry (written by the database on SQLite, here on
PostgreSQL), a natural person or an organisation with several entries (read in detail),
and an entry naming the person checked as a responsible person (Art. 18)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of, new_citizen_id
from tests.factories import World
from tests.lists_helpers import (
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.clock import FixedClock
from xinyong.identifiers import mask_citizen_id
from xinyong.lists.models import ListEntry
from xinyong.subjects.models import Subject

CHECKS = "/api/v1/joint-checks"
OTHER_ID = new_citizen_id()
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# The court's account of the conduct, naming a third person by ID number, "quoted" too.
CONDUCT = f'被执行人与案外人王某（身份证号{OTHER_ID}）"恶意串通"转移财产'
MASKED = f'被执行人与案外人王某（身份证号{mask_citizen_id(OTHER_ID)}）"恶意串通"转移财产'


def court_listed(db: Session, clock: FixedClock, world: World, subject: Subject) -> ListEntry:
    conduct = CONDUCT if subject.is_organisation else CONDUCT.translate(FULL_WIDTH)
    report = ingest_court(db, clock, world, [court_row(world, subject, dishonest_conduct=conduct)])
    assert report.batch.created == 1
    entry = db.scalar(
        select(ListEntry).where(ListEntry.subject_id == subject.id, ListEntry.reasons == conduct)
    )
    assert entry is not None
    return entry


def results(client: TestClient, codes: list[str]) -> list[dict[str, Any]]:
    response = client.post(
        CHECKS,
        json={"matter": "appointment", "subjects": codes},
        headers=headers(client, "querier"),
    )
    assert response.status_code == 200, response.text
    assert OTHER_ID not in response.text
    assert OTHER_ID.translate(FULL_WIDTH) not in response.text
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def test_an_entrys_reasons_are_masked_in_every_kind_of_answer(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]
    person, other_person = world.subjects["person"], world.subjects["other_person"]
    person_represents_company(db, clock, world)  # named on the company's entry (Art. 18)
    court_listed(db, clock, world, company)
    court_listed(db, clock, world, other)
    published_entry(db, clock, world, other)  # a second entry: read in detail
    court_listed(db, clock, world, other_person)
    db.commit()

    one_entry, several, natural, responsible = results(
        client,
        [company.uscc or "", other.uscc or "", other_person.reference, citizen_id_of(person)],
    )

    assert [status["reasons"] for status in one_entry["list_status"]] == [MASKED]
    assert sorted(status["reasons"] for status in several["list_status"]) == sorted(
        [MASKED, "拒不履行行政处罚决定"]
    )
    assert [status["reasons"] for status in natural["list_status"]] == [MASKED]
    assert [entry["reasons"] for entry in responsible["responsible_for"]] == [MASKED]


def test_reasons_without_a_citizen_id_are_answered_as_they_are(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, reasons='拒不履行"行政处罚"决定\\')
    db.commit()

    (answer,) = results(client, [company.uscc or ""])

    (status,) = answer["list_status"]
    assert status["reasons"] == entry.reasons
    assert json.dumps(status["reasons"], ensure_ascii=False) in json.dumps(
        answer, ensure_ascii=False
    )
