"""Finding a natural person by ID number: agencies' query officers find any registered
person; a financial institution finds only persons whose written authorisation to it is in
force (Art. 13 ¶3), and is refused alike for everybody else, registered or not."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    authorise,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers
from tests.test_pages_disclosure import log_in
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access, authorisations, person_lookup
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.synthetic import make_citizen_id

LOOKUP = "/api/v1/person-lookups"


def lookups(db: Session) -> list[tuple[str, str]]:
    return [
        (e.action, e.outcome)
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["subject.lookup_person", "access.refused"]))
            .order_by(AuditEvent.sequence)
        )
    ]


def test_an_institution_finds_a_person_who_authorised_it_and_opens_the_file(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    contract_breach(db, clock, world)
    authorise(db, clock, world)
    db.commit()
    person = world.subjects["person"]
    analyst = auth_headers(client, "analyst")
    found = client.post(LOOKUP, json={"citizen_id": citizen_id_of(person)}, headers=analyst)
    assert found.status_code == 200, found.text
    assert found.json()["reference"] == person.reference
    assert not re.search(r"\d{17}[\dX]", found.text)  # the answer shows the ID masked
    opened = client.get(f"/api/v1/subjects/{found.json()['reference']}/file", headers=analyst)
    assert opened.status_code == 200, opened.text
    assert ("subject.lookup_person", "ok") in lookups(db)
    # The lookup told the institution the name behind the number: the person sees it in
    # "who looked at my file" (Art. 24), on the authorisation it rests on, before the read.
    log = client.get("/api/v1/me/access-log", headers=auth_headers(client, "citizen")).json()
    lookup, read = reversed(log["items"])
    assert (lookup["what"], lookup["legal_path"], lookup["granted"]) == (
        "person_lookup",
        "authorisation",
        True,
    )
    assert lookup["organisation"] == world.organisations["bank"].name
    assert lookup["authorisation_id"] == read["authorisation_id"] is not None
    assert lookup["purpose"] == "finding a person by ID number"
    assert read["what"] == "file"


def test_a_person_found_by_an_agency_sees_it_and_it_is_no_file_read(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    querier = auth_headers(client, "querier")

    found = client.post(LOOKUP, json={"citizen_id": citizen_id_of(person)}, headers=querier)

    assert found.status_code == 200, found.text
    (entry,) = client.get("/api/v1/me/access-log", headers=auth_headers(client, "citizen")).json()[
        "items"
    ]
    assert (entry["what"], entry["legal_path"], entry["role"]) == (
        "person_lookup",
        "official_duty",
        "query_officer",
    )
    assert entry["record_types"] == []
    # The page names it in its words; the staff member on request, as for any entry.
    log_in(client, "citizen")
    page = client.get("/me/access-log").text
    row = page.split(f'data-entry="{entry["id"]}"')[1].split("</tr>", 1)[0]
    assert "国家机关履行职责" in row
    assert "按身份证号码查找" in row
    assert 'action="/me/access-log/' in row
    # A lookup is no read of the file: not counted against the bulk-read limits (Art. 12).
    assert (
        db.scalar(
            select(func.count(AccessEvent.id)).where(
                AccessEvent.subject_id == person.id,
                AccessEvent.what.not_in(access.NOT_FILE_READS),
            )
        )
        == 0
    )


def test_a_lookup_followed_by_the_read_on_the_query_page_is_one_entry(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    contract_breach(db, clock, world)
    authorise(db, clock, world)
    db.commit()
    log_in(client, "analyst")
    page = client.get("/query?path=authorisation")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/query",
        data={
            "path": "authorisation",
            "subject_kind": "person",
            "citizen_id": citizen_id_of(world.subjects["person"]),
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200, answer.text[:500]
    (read,) = client.get("/api/v1/me/access-log", headers=auth_headers(client, "citizen")).json()[
        "items"
    ]
    assert (read["what"], read["legal_path"]) == ("file", "authorisation")


@pytest.mark.parametrize("who", ["unauthorised", "unregistered", "revoked", "expired"])
def test_an_institution_is_refused_alike_for_everybody_else(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient, who: str
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    citizen_id = citizen_id_of(person)
    if who == "unregistered":
        citizen_id = make_citizen_id(random.Random(7))
    elif who == "revoked":
        granted = authorise(db, clock, world)
        authorisations.revoke(db, clock, actor_of(world, "citizen"), granted.id)
    elif who == "expired":
        authorise(db, clock, world, valid_until=clock.today() + dt.timedelta(days=1))
        clock.set(clock.now() + dt.timedelta(days=2))
    db.commit()
    response = client.post(
        LOOKUP, json={"citizen_id": citizen_id}, headers=auth_headers(client, "analyst")
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (
        "no_authorisation",
        "Art. 13 ¶3",
        "citizen_id",
    )
    assert lookups(db)[-1] == ("access.refused", "refused")
    # A registered person sees the refused attempt in "who looked at my file" (Art. 24);
    # the institution's answer is the same either way.
    refused = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == person.id, AccessEvent.granted.is_(False)
        )
    ).all()
    if who == "unregistered":
        assert refused == []
    else:
        # Logged as what it was, a lookup of the person, not a read of the file.
        assert [(e.refusal_code, e.organisation_id, e.what) for e in refused] == [
            ("no_authorisation", world.organisations["bank"].id, "person_lookup")
        ]


def test_a_query_officer_finds_any_registered_person(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    person = disclosure_world.subjects["person"]
    found = person_lookup.find_person(
        db, clock, actor_of(disclosure_world, "querier"), citizen_id_of(person)
    )
    assert found.id == person.id


@pytest.mark.parametrize("who", ["citizen", "reporter", "admin"])
def test_others_may_not_look_up_persons(
    disclosure_world: World, db: Session, clock: FixedClock, who: str
) -> None:
    person = disclosure_world.subjects["person"]
    with pytest.raises(PermissionDenied):
        person_lookup.find_person(db, clock, actor_of(disclosure_world, who), citizen_id_of(person))


def test_a_malformed_id_number_is_named(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    with pytest.raises(InvalidInput) as refused:
        person_lookup.find_person(
            db, clock, actor_of(disclosure_world, "analyst"), "35010219940315772"
        )
    assert refused.value.field == "citizen_id"


def test_the_query_page_offers_institutions_the_person_lookup_on_an_authorisation(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    contract_breach(db, clock, world)
    authorise(db, clock, world)
    db.commit()
    log_in(client, "analyst")
    page = client.get("/query?path=authorisation")
    assert page.status_code == 200
    assert 'name="citizen_id"' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/query",
        data={
            "path": "authorisation",
            "subject_kind": "person",
            "citizen_id": citizen_id_of(world.subjects["person"]),
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200, answer.text[:500]
    assert world.subjects["person"].name in answer.text


def test_a_failed_lookup_by_id_number_stays_audited(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """An ID number that finds no one is answered 404, and the attempt is kept in the audit
    trail although the request is rolled back (rules.md: every refused access is audited),
    on the API and on the query page, without the number."""
    unknown = make_citizen_id(random.Random(7))
    response = client.post(
        LOOKUP, json={"citizen_id": unknown}, headers=auth_headers(client, "querier")
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_subject"
    assert lookups(db) == [("subject.lookup_person", "not_found")]
    log_in(client, "querier")
    page = client.get("/query?path=authorisation")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/query",
        data={
            "path": "authorisation",
            "subject_kind": "person",
            "citizen_id": unknown,
            "csrf_token": token,
        },
    )
    assert answer.status_code == 404, answer.text[:500]
    assert 'data-code="unknown_subject"' in answer.text
    assert lookups(db) == [("subject.lookup_person", "not_found")] * 2
    failed = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "subject.lookup_person")
    ).all()
    assert all(e.target_id is None and unknown not in str(e.details) for e in failed)
    assert audit.verify(db).ok
