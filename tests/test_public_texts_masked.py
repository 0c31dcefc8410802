"""A natural person's name is masked in an entry's public texts as the list masks the
person (``王**``; decision 0008 addendum, Art. 4 ¶2, Art. 13 ¶3): the officer writes the
reasons for the file and may name the person, and the public side masks them — the lists
(API and page), the subject's public page, the red-list candidates in public comment and
the joint checks' answers, which read the reasons as the public lists give them. The
subject's registered and former names, and on an organisation's entry the persons it
names under Art. 18; an organisation's own name stays."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    actor,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.subjects import service as subjects

# The person's name now, and the one it had (a former name).
NAME, FORMER = "王某明", "王某某"
REASONS = f"{NAME}（曾用名{FORMER}）拒不履行行政处罚决定"
SHOWN = "王**（曾用名王**）拒不履行行政处罚决定"


def renamed(db: Session, clock: FixedClock, world: World) -> Any:
    """The world's natural person 王某某, renamed 王某明 since."""
    person = world.subjects["person"]
    assert person.name == FORMER
    subjects.rename(db, clock, SYSTEM_ACTOR, person, NAME)
    return person


def test_names_are_masked_longest_first_and_whole() -> None:
    from xinyong.lists.publicity import mask_names

    assert mask_names("王某某与王某", ["王某", "王某某"]) == "王**与王*"
    assert mask_names("John SMITH paid nothing", ["John Smith"]) == "J********* paid nothing"
    # A name of one character would mask that character everywhere: left as it is.
    assert mask_names("王某拒不履行", ["王"]) == "王某拒不履行"
    assert mask_names("", ["王某某"]) == ""


def test_the_black_list_masks_the_persons_names_in_its_reasons(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = renamed(db, clock, world)
    entry = published_entry(db, clock, world, person, reasons=REASONS)
    db.commit()

    body = client.get("/api/v1/lists/black").json()
    (item,) = [i for i in body["items"] if i["id"] == entry.id]
    assert item["subject"]["name"] == "王**"
    assert item["reasons"] == SHOWN
    page = client.get("/lists/black").text
    assert SHOWN in page
    assert NAME not in page
    assert FORMER not in page
    # The subject's public page and its API say the same.
    public = client.get(f"/api/v1/subjects/{person.reference}/public").json()
    assert [e["reasons"] for e in public["lists"]] == [SHOWN]
    page = client.get(f"/subjects/{person.reference}").text
    assert SHOWN in page
    assert NAME not in page
    assert FORMER not in page
    # The file keeps the officer's words: the recognising agency reads them as written.
    staff = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, "caseofficer"))
    assert staff.json()["reasons"] == REASONS


def test_an_organisations_entry_masks_the_persons_it_names(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    person_represents_company(db, clock, world)  # 王某某, named on the entry (Art. 18)
    reasons = f"{company.name}法定代表人{FORMER}组织生产有毒有害食品"
    entry = published_entry(db, clock, world, company, "serious_health_safety", reasons=reasons)
    db.commit()

    body = client.get("/api/v1/lists/black").json()
    (item,) = [i for i in body["items"] if i["id"] == entry.id]
    assert item["reasons"] == f"{company.name}法定代表人王**组织生产有毒有害食品"
    assert item["responsible_persons"] == [{"role": "legal_representative", "name": "王**"}]
    assert FORMER not in client.get("/lists/black").text


def test_a_red_list_candidates_texts_mask_the_persons_names(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = renamed(db, clock, world)
    on_record_since(db, clock, world, person)
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=person,
        standard_code="integrity_model",
        criteria_met=f"{NAME}连续三年无不良信用记录",
        reasons=f"{FORMER}获评市级道德模范",
        evidence="市文明办表彰决定",
    )
    db.commit()

    body = client.get("/api/v1/lists/red").json()
    (candidate,) = [c for c in body["candidates"] if c["id"] == entry.id]
    assert (candidate["criteria_met"], candidate["reasons"]) == (
        "王**连续三年无不良信用记录",
        "王**获评市级道德模范",
    )
    page = client.get("/lists/red/candidates").text
    assert "王**连续三年无不良信用记录" in page
    assert NAME not in page
    assert FORMER not in page


def _check(client: TestClient, codes: list[str]) -> list[dict[str, Any]]:
    response = client.post(
        "/api/v1/joint-checks",
        json={"matter": "appointment", "subjects": codes},
        headers=headers(client, "querier"),
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["results"]
    return found


def test_joint_checks_read_the_reasons_as_the_lists_give_them(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Each way an answer is put together: an organisation with one entry, a natural
    person (read in detail), an organisation with several entries, and the entry naming
    the person checked as responsible."""
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]
    person, other_person = world.subjects["person"], world.subjects["other_person"]
    person_represents_company(db, clock, world)  # 王某某 answers for the company
    conduct = f"法定代表人{person.name}转移财产，有履行能力而拒不履行"
    report = ingest_court(db, clock, world, [court_row(world, company, dishonest_conduct=conduct)])
    assert report.batch.created == 1, report.problems
    published_entry(db, clock, world, other_person, reasons=f"{other_person.name}拒不履行处罚决定")
    published_entry(db, clock, world, other, reasons=f"{other.name}拒不履行处罚决定")
    published_entry(
        db, clock, world, other, "serious_refusing_duties", reasons=f"{other.name}逃避执行"
    )
    db.commit()

    one_entry, natural, several, responsible = _check(
        client,
        [company.uscc or "", other_person.reference, other.uscc or "", citizen_id_of(person)],
    )

    assert [s["reasons"] for s in one_entry["list_status"]] == [
        "法定代表人王**转移财产，有履行能力而拒不履行"
    ]
    assert [s["reasons"] for s in natural["list_status"]] == ["李**拒不履行处罚决定"]
    # An organisation's own name is public: it stays.
    assert sorted(s["reasons"] for s in several["list_status"]) == sorted(
        [f"{other.name}拒不履行处罚决定", f"{other.name}逃避执行"]
    )
    assert [e["reasons"] for e in responsible["responsible_for"]] == [
        "法定代表人王**转移财产，有履行能力而拒不履行"
    ]
