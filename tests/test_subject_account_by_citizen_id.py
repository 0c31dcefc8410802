"""A natural person's subject account is created by the ID number the person showed at the
credit authority's counter (decision 0031 addendum): no administrator can know a person's
opaque reference. The number is found by its blind index and the lookup audited, found or
not; it is never stored with the account, answered or typed back. A subject named by a code
no subject has is refused on the field that named it."""

from __future__ import annotations

import json
import random

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import PersonFactory, World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.models import UserAccount
from xinyong.audit.models import AuditEvent
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, LegalPath
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_citizen_id

USERS = "/api/v1/admin/users"


def _person(db: Session) -> tuple[int, str]:
    """A registered person with no account: its id and the ID number on its card."""
    citizen_id = make_citizen_id(random.Random(8601), division="350102")
    person = PersonFactory(name="林某某", citizen_id=citizen_id)
    db.commit()
    return person.id, citizen_id


def _lookups(db: Session) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == subjects.PERSON_LOOKUP_ACTION)
            .order_by(AuditEvent.sequence)
        )
    )


def _audit_text(db: Session) -> str:
    return json.dumps(
        [[e.action, e.target_id, e.details] for e in db.scalars(select(AuditEvent))],
        ensure_ascii=False,
    )


def test_the_api_binds_a_persons_account_by_its_id_number(
    client: TestClient, world: World, db: Session
) -> None:
    person_id, citizen_id = _person(db)
    created = client.post(
        USERS,
        headers=auth_headers(client, "admin"),
        json={"username": "linmm", "role": "subject", "citizen_id": citizen_id},
    )
    assert created.status_code == 201, created.text
    assert created.json()["subject_id"] == person_id
    assert citizen_id not in created.text
    account = db.scalars(select(UserAccount).where(UserAccount.username == "linmm")).one()
    assert account.subject_id == person_id
    (lookup,) = _lookups(db)
    assert (lookup.target_id, lookup.outcome) == (str(person_id), "ok")
    assert citizen_id not in _audit_text(db)
    # The administrator learned that the number is a registered person's: the person reads
    # it in its access log (Art. 24), and the lookup's audit event witnesses the entry.
    (logged,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person_id)).all()
    assert (logged.what, logged.legal_path, logged.purpose, logged.granted) == (
        "person_lookup",
        LegalPath.OFFICIAL_DUTY,
        access.ACCOUNT_PURPOSE,
        True,
    )
    assert logged.user_id == world.users["admin"].id


def test_the_api_refuses_an_unregistered_id_number_on_its_field_and_audits_the_try(
    client: TestClient, world: World, db: Session
) -> None:
    unregistered = make_citizen_id(random.Random(8602), division="350103")
    refused = client.post(
        USERS,
        headers=auth_headers(client, "admin"),
        json={"username": "nobody", "role": "subject", "citizen_id": unregistered},
    )
    assert refused.status_code == 404
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_subject", "citizen_id")
    assert unregistered not in refused.text
    assert db.scalar(select(UserAccount).where(UserAccount.username == "nobody")) is None
    # A number tried is a use of the platform to learn who is registered: on record.
    (lookup,) = _lookups(db)
    assert (lookup.target_id, lookup.outcome) == (None, "not_found")


def test_the_api_refuses_a_malformed_id_number_on_its_field(
    client: TestClient, world: World, db: Session
) -> None:
    refused = client.post(
        USERS,
        headers=auth_headers(client, "admin"),
        json={"username": "typo", "role": "subject", "citizen_id": "350102198006286438"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "citizen_id"


def test_the_api_names_the_subject_field_for_an_unknown_code(
    client: TestClient, world: World, db: Session
) -> None:
    refused = client.post(
        USERS,
        headers=auth_headers(client, "admin"),
        json={"username": "ghost", "role": "subject", "subject": "91350100MA00000000"},
    )
    assert refused.status_code == 404
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("unknown_subject", "subject")


def test_the_api_takes_a_code_or_an_id_number_not_both(
    client: TestClient, world: World, db: Session
) -> None:
    _person_id, citizen_id = _person(db)
    refused = client.post(
        USERS,
        headers=auth_headers(client, "admin"),
        json={
            "username": "both",
            "role": "subject",
            "subject": world.subjects["company"].reference,
            "citizen_id": citizen_id,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "one_subject"
    assert _lookups(db) == []


def test_the_page_creates_a_persons_account_by_its_id_number(
    client: TestClient, world: World, db: Session
) -> None:
    person_id, citizen_id = _person(db)
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    assert 'name="citizen_id"' in page.text
    created = client.post(
        "/admin/users",
        data={
            "username": "linmm",
            "role": "subject",
            "citizen_id": citizen_id,
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    account = db.scalars(select(UserAccount).where(UserAccount.username == "linmm")).one()
    assert account.subject_id == person_id
    shown = client.get(created.headers["location"], headers=HTML)
    assert 'id="user-created"' in shown.text
    assert citizen_id not in shown.text


def test_the_page_refuses_an_unregistered_id_number_beside_its_field_without_typing_it_back(
    client: TestClient, world: World, db: Session
) -> None:
    unregistered = make_citizen_id(random.Random(8603), division="350104")
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    refused = client.post(
        "/admin/users",
        data={
            "username": "nobody",
            "display_name": "林某某",
            "role": "subject",
            "citizen_id": unregistered,
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
    )
    assert refused.status_code == 404
    assert 'data-code="unknown_subject"' in refused.text
    assert 'id="u-citizen-id" name="citizen_id"' in refused.text
    marked = refused.text.split('id="u-citizen-id"')[1].split(">")[0]
    assert 'aria-invalid="true"' in marked
    assert unregistered not in refused.text
    # What else was typed is kept.
    assert 'value="nobody"' in refused.text
    assert 'value="林某某"' in refused.text
    (lookup,) = _lookups(db)
    assert lookup.outcome == "not_found"


def test_the_page_refuses_an_unknown_code_beside_the_subject_field(
    client: TestClient, world: World, db: Session
) -> None:
    log_in(client, "admin")
    page = client.get("/admin/users", headers=HTML)
    refused = client.post(
        "/admin/users",
        data={
            "username": "ghost",
            "role": "subject",
            "subject": "91350100MA00000000",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
    )
    assert refused.status_code == 404
    marked = refused.text.split('id="u-subject"')[1].split(">")[0]
    assert 'aria-invalid="true"' in marked
    assert 'value="91350100MA00000000"' in marked
