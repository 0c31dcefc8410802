"""A read on the written-authorisation path is for one authorisation, and its purpose
(rules.md "Disclosure": non-public information only "for the authorised purpose"; Art. 13
¶3): the reader names it, or it is the only one in force; only its record types are opened,
as stored; any other record shown is public, and shown as the public file shows it; and only
it is logged for the subject. An authorisation naming no record type (only the credit
status) opens no file and no report. Review r1, findings 3 and 4; decision 0007, session 18
addendum."""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    ARREARS,
    CONTRACT,
    ITEM,
    MATTER_CODE,
    Tokens,
    access_events,
    actor_of,
    arrears,
    attempt,
    attempt_report,
    authorise,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    make_query_item,
    person_penalty,
    refusal_of,
)
from tests.factories import World
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.disclosure import access, authorisations, reports
from xinyong.disclosure.models import Authorisation, LegalPath
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.lists import risk

API = "/api/v1"
HOUSING = "个人住房贷款审批"
CARDS = "信用卡风险定价"


@pytest.fixture
def tokens(client: TestClient) -> Tokens:
    return Tokens(client)


@pytest.fixture
def person_file(disclosure_world: World, db: Session, clock: FixedClock) -> dict[str, int]:
    """The person's file: a penalty (public by law), a breach of contract reported by the
    bank and social-insurance arrears (neither public about a person)."""
    world = disclosure_world
    ids = {
        "penalty": person_penalty(db, clock, world).id,
        "contract": contract_breach(db, clock, world).id,
        "arrears": arrears(db, clock, world, "person").id,
    }
    db.commit()
    return ids


def two_authorisations(db: Session, clock: FixedClock, world: World) -> tuple[Authorisation, ...]:
    """The person's authorisations to the bank: its contract records for a housing loan,
    and its arrears and credit status for pricing a credit card."""
    housing = authorise(db, clock, world, purpose=HOUSING)
    cards = authorise(db, clock, world, record_types=(ARREARS, "credit_status"), purpose=CARDS)
    db.commit()
    return housing, cards


def shown(granted: object, db: Session, clock: FixedClock) -> dict[int, bool]:
    """The records a read shows, each with whether it came as stored (with its history)."""
    assert isinstance(granted, access.Access), granted
    return {view.id: view.history is not None for view in granted.file(db, clock)}


# --- the service ---------------------------------------------------------------------------------


def test_a_credit_status_authorisation_opens_no_file_and_no_report(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    """An authorisation naming only the credit status (list status and grade for risk
    pricing, Art. 19) opens that and nothing of the file: the file read and the report are
    refused in the subject's log (review r1, finding 3)."""
    world = disclosure_world
    person = world.subjects["person"]
    analyst = actor_of(world, "analyst")
    authorise(db, clock, world, record_types=("credit_status",), purpose=CARDS)
    db.commit()

    assert refusal_of(attempt(db, clock, analyst, person)) == (
        "scope_not_authorised",
        "Art. 13 ¶3",
    )
    assert refusal_of(attempt_report(db, clock, analyst, person)) == (
        "scope_not_authorised",
        "Art. 13 ¶3",
    )
    logged = access_events(db, person.id)
    assert [(e.what, e.granted, e.refusal_code) for e in logged] == [
        ("file", False, "scope_not_authorised"),
        ("report", False, "scope_not_authorised"),
    ]
    status = risk.credit_status(db, clock, analyst, person)
    assert status["legal_path"] == "authorisation"


def test_the_records_an_authorisation_names_come_as_stored_and_public_ones_as_the_public_file(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    authorise(db, clock, world, purpose=HOUSING)
    db.commit()

    granted = attempt(db, clock, actor_of(world, "analyst"), world.subjects["person"])

    assert shown(granted, db, clock) == {
        person_file["contract"]: True,  # named: as stored, history and all
        person_file["penalty"]: False,  # public: as the public file shows it
    }


def test_several_in_force_the_reader_names_the_one_its_read_is_for(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    """Two authorisations for two purposes: a read that names neither is refused as
    incomplete (422, nothing logged), listing them; a read naming one opens its types only
    and is logged once, with its purpose (review r1, finding 4)."""
    world = disclosure_world
    person = world.subjects["person"]
    analyst = actor_of(world, "analyst")
    housing, cards = two_authorisations(db, clock, world)

    with pytest.raises(InvalidInput) as unnamed:
        access.open_file(db, clock, analyst, person)
    db.rollback()
    error = unnamed.value
    assert (error.code, error.field, error.article) == (
        "authorisation_required",
        "authorisation",
        "Art. 13 ¶3",
    )
    assert error.details["authorisations"] == [
        {
            "id": housing.id,
            "purpose": HOUSING,
            "record_types": [CONTRACT],
            "valid_until": housing.valid_until.isoformat(),
        },
        {
            "id": cards.id,
            "purpose": CARDS,
            "record_types": ["credit_status", ARREARS],
            "valid_until": cards.valid_until.isoformat(),
        },
    ]
    assert access_events(db, person.id) == []

    for chosen, record, purpose in (
        (housing, "contract", HOUSING),
        (cards, "arrears", CARDS),
    ):
        granted = attempt(db, clock, analyst, person, authorisation_id=chosen.id)
        assert isinstance(granted, access.Access), granted
        assert (granted.authorisation_ids, granted.purpose) == ((chosen.id,), purpose)
        assert shown(granted, db, clock) == {
            person_file[record]: True,
            person_file["penalty"]: False,
        }
        last = access_events(db, person.id)[-1]
        assert (last.legal_path, last.authorisation_id, last.purpose) == (
            LegalPath.AUTHORISATION,
            chosen.id,
            purpose,
        )
    assert len(access_events(db, person.id)) == 2  # one entry a read


def test_a_report_is_issued_on_the_authorisation_named_and_logged_with_it_alone(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    housing, _cards = two_authorisations(db, clock, world)

    issued = reports.issue(
        db, clock, actor_of(world, "analyst"), person, authorisation_id=housing.id
    )

    assert issued.content["purpose"] == HOUSING
    types = {item["type"] for s in issued.content["sections"] for item in s["items"]}
    assert types == {CONTRACT, PENALTY}
    ((number, authorisation_id),) = [
        (e.report_number, e.authorisation_id) for e in access_events(db, person.id)
    ]
    assert (number, authorisation_id) == (issued.report.number, housing.id)


@pytest.mark.parametrize(
    "named", ["revoked", "expired", "other_organisation", "other_subject", "unknown"]
)
def test_an_authorisation_named_that_is_not_in_force_for_the_reader_is_refused_alike(
    disclosure_world: World,
    person_file: dict[str, int],
    db: Session,
    clock: FixedClock,
    named: str,
) -> None:
    """Revoked, expired, given to another organisation or by another subject, or no
    authorisation at all: the same refusal, which never tells whether an authorisation the
    reader may not use exists (decision 0007), in the subject's log without its id."""
    world = disclosure_world
    person = world.subjects["person"]
    authorise(db, clock, world, purpose=HOUSING)  # in force, and not the one named
    if named == "revoked":
        target = authorise(db, clock, world, purpose=CARDS)
        authorisations.revoke(db, clock, actor_of(world, "citizen"), target.id)
        target_id = target.id
    elif named == "expired":
        target = authorise(
            db, clock, world, purpose=CARDS, valid_until=clock.today() + dt.timedelta(days=1)
        )
        target_id = target.id
    elif named == "other_organisation":
        target_id = authorise(db, clock, world, grantee="regulator", purpose=CARDS).id
    elif named == "other_subject":
        target_id = authorise(db, clock, world, account="other_citizen", purpose=CARDS).id
    else:
        target_id = 10**12
    db.commit()
    if named == "expired":
        clock.advance(dt.timedelta(days=2))

    refused = attempt(db, clock, actor_of(world, "analyst"), person, authorisation_id=target_id)

    assert refusal_of(refused) == ("no_lawful_path", "Art. 13 ¶3")
    assert isinstance(refused, PermissionDenied)
    assert refused.field == "authorisation"
    assert str(refused) == (
        "the written authorisation you named is not in force for your organisation from "
        "this subject (revoked, expired, or not given to it)"
    )
    (entry,) = access_events(db, person.id)
    assert (entry.granted, entry.refusal_code, entry.authorisation_id) == (
        False,
        "no_lawful_path",
        None,
    )


def test_a_read_is_on_one_path_never_an_item_and_an_authorisation_at_once(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world)
    with pytest.raises(InvalidInput) as both:
        access.open_file(
            db,
            clock,
            actor_of(world, "querier"),
            world.subjects["person"],
            query_item_code=ITEM,
            matter=MATTER_CODE,
            authorisation_id=1,
        )
    assert (both.value.code, both.value.field) == ("one_path", "authorisation")


def test_the_credit_status_is_read_on_the_one_authorisation_covering_it(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    """The credit-status scope is a purpose of its own (risk pricing, Art. 19): with one
    authorisation covering it among others, that one is meant; with two, the reader names
    the one (422 otherwise)."""
    world = disclosure_world
    person = world.subjects["person"]
    analyst = actor_of(world, "analyst")
    _housing, cards = two_authorisations(db, clock, world)

    risk.credit_status(db, clock, analyst, person)
    (entry,) = access_events(db, person.id)
    assert (entry.what, entry.authorisation_id, entry.purpose) == ("credit_status", cards.id, CARDS)

    other = authorise(db, clock, world, record_types=("credit_status",), purpose="经营贷款定价")
    db.commit()
    with pytest.raises(InvalidInput) as unnamed:
        risk.credit_status(db, clock, analyst, person)
    db.rollback()
    assert unnamed.value.code == "authorisation_required"
    assert [a["id"] for a in unnamed.value.details["authorisations"]] == [cards.id, other.id]
    risk.credit_status(db, clock, analyst, person, authorisation_id=other.id)
    assert access_events(db, person.id)[-1].authorisation_id == other.id


def test_a_file_read_is_meant_for_an_authorisation_that_opens_a_file(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    """A file or report read is not offered an authorisation naming only the credit status
    (it opens neither): beside one that names record types, that one is meant and no choice
    is asked for; with two that name record types, both are offered, not the third
    (session 18's left-alone item)."""
    world = disclosure_world
    person = world.subjects["person"]
    analyst = actor_of(world, "analyst")
    status_only = authorise(db, clock, world, record_types=("credit_status",), purpose=CARDS)
    housing = authorise(db, clock, world, purpose=HOUSING)
    db.commit()

    granted = attempt(db, clock, analyst, person)
    assert isinstance(granted, access.Access), granted
    assert granted.authorisation_ids == (housing.id,)
    report = attempt_report(db, clock, analyst, person)
    assert not isinstance(report, Exception), report

    business = authorise(db, clock, world, record_types=(ARREARS,), purpose="经营贷款审批")
    db.commit()
    unnamed = attempt(db, clock, analyst, person)
    assert isinstance(unnamed, InvalidInput)
    assert unnamed.code == "authorisation_required"
    offered = [a["id"] for a in unnamed.details["authorisations"]]
    assert sorted(offered) == sorted([housing.id, business.id])
    assert status_only.id not in offered


# --- the API ---------------------------------------------------------------------------------------


def test_the_api_takes_the_authorisation_as_a_parameter_of_the_file_and_the_report(
    disclosure_world: World,
    person_file: dict[str, int],
    db: Session,
    clock: FixedClock,
    client: TestClient,
    tokens: Tokens,
) -> None:
    world = disclosure_world
    reference = world.subjects["person"].reference
    housing, cards = two_authorisations(db, clock, world)
    headers = tokens("analyst")

    unnamed = client.get(f"{API}/subjects/{reference}/file", headers=headers)
    assert error_of(unnamed) == (422, "authorisation_required", "Art. 13 ¶3")
    body: dict[str, Any] = unnamed.json()["error"]
    assert body["field"] == "authorisation"
    assert [a["purpose"] for a in body["details"]["authorisations"]] == [HOUSING, CARDS]
    assert error_of(client.get(f"{API}/subjects/{reference}/report", headers=headers))[1] == (
        "authorisation_required"
    )

    read = client.get(
        f"{API}/subjects/{reference}/file", params={"authorisation": cards.id}, headers=headers
    )
    assert read.status_code == 200, read.text
    assert (read.json()["purpose"], read.json()["record_types"]) == (
        CARDS,
        ["credit_status", ARREARS],
    )
    report = client.get(
        f"{API}/subjects/{reference}/report", params={"authorisation": housing.id}, headers=headers
    )
    assert report.status_code == 200, report.text
    assert report.json()["purpose"] == HOUSING
    status = client.get(f"{API}/subjects/{reference}/credit-status", headers=headers)
    assert status.status_code == 200, status.text
    refused = client.get(
        f"{API}/subjects/{reference}/credit-status",
        params={"authorisation": housing.id},
        headers=headers,
    )
    assert error_of(refused) == (403, "scope_not_authorised", "Art. 13 ¶3")
    for bad in ("0", "x", str(2**63)):
        answer = client.get(
            f"{API}/subjects/{reference}/file", params={"authorisation": bad}, headers=headers
        )
        assert answer.status_code == 422, bad


# --- the pages -------------------------------------------------------------------------------------


def page_query(client: TestClient, **fields: str) -> Any:
    """The query page's step 2 on the written-authorisation path, sent with ``fields``."""
    form = client.get("/query", params={"path": "authorisation"}, headers=HTML)
    data = {
        "path": "authorisation",
        "subject_kind": "organisation",
        "csrf_token": csrf_from(form.text),
        **fields,
    }
    return client.post("/query", data=data, headers=HTML)


def offered(page: str) -> list[int]:
    """The authorisations a page offers to choose from, by id."""
    return [int(found) for found in re.findall(r'name="authorisation" value="(\d+)"', page)]


def test_the_query_page_offers_the_authorisations_in_force_and_reads_on_the_one_chosen(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """Several in force and none chosen: the form again (422) with the code typed kept and
    the authorisations to choose from (purpose and scope); the one chosen is read and its
    report issued on it, each logged for the company with it alone (review r1, finding 4)."""
    world = disclosure_world
    company = world.subjects["company"]
    company_penalty(db, clock, world)
    housing = authorise(
        db, clock, world, account="company", record_types=(PENALTY,), purpose=HOUSING
    )
    cards = authorise(
        db, clock, world, account="company", record_types=(PENALTY, "credit_status"), purpose=CARDS
    )
    # Opens no file: not offered for one, and refused when named.
    status_only = authorise(
        db, clock, world, account="company", record_types=("credit_status",), purpose="授信定价"
    )
    db.commit()
    log_in(client, "analyst")

    unchosen = page_query(client, uscc=company.uscc or "")

    assert unchosen.status_code == 422
    assert 'data-code="authorisation_required"' in unchosen.text
    assert offered(unchosen.text) == [housing.id, cards.id]
    assert HOUSING in unchosen.text
    assert CARDS in unchosen.text
    assert "行政处罚" in unchosen.text  # the scope, by the types' names
    assert f'name="uscc" maxlength="40" value="{company.uscc}"' in unchosen.text
    assert f'name="subject" value="{company.reference}"' in unchosen.text
    assert access_events(db, company.id) == []

    read = page_query(
        client,
        uscc=company.uscc or "",
        subject=company.reference,
        authorisation=str(housing.id),
    )
    assert read.status_code == 200, read.text[:400]
    assert f'data-authorisation="{housing.id}"' in read.text
    assert f'<input type="hidden" name="authorisation" value="{housing.id}">' in read.text
    issued = client.post(
        "/query/report",
        data={
            "subject": company.reference,
            "path": "authorisation",
            "authorisation": str(housing.id),
            "format": "html",
            "csrf_token": csrf_from(read.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text[:400]
    assert [(e.what, e.authorisation_id, e.purpose) for e in access_events(db, company.id)] == [
        ("file", housing.id, HOUSING),
        ("report", housing.id, HOUSING),
    ]

    scope = page_query(client, uscc=company.uscc or "", authorisation=str(status_only.id))
    assert scope.status_code == 403
    assert 'data-code="scope_not_authorised"' in scope.text


def test_a_person_found_by_id_number_is_offered_the_choice_without_the_number_typed_back(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The person found by ID number for the read is found all the same (the lookup in the
    person's log), the number is not typed back, and the choice reads on the person carried
    by its reference."""
    world = disclosure_world
    person = world.subjects["person"]
    number = citizen_id_of(person)
    contract_breach(db, clock, world)
    housing, _cards = two_authorisations(db, clock, world)
    log_in(client, "analyst")

    unchosen = page_query(client, subject_kind="person", citizen_id=number)

    assert unchosen.status_code == 422
    assert number not in unchosen.text
    assert f'name="subject" value="{person.reference}"' in unchosen.text
    # Found by ID number, as the lookup on its own logs it: on each authorisation in force.
    assert {(e.what, e.granted) for e in access_events(db, person.id)} == {
        (access.PERSON_LOOKUP, True)
    }

    read = page_query(
        client, subject_kind="person", subject=person.reference, authorisation=str(housing.id)
    )
    assert read.status_code == 200, read.text[:400]
    assert 'data-legal-path="authorisation"' in read.text
    assert access_events(db, person.id)[-1].authorisation_id == housing.id


def test_the_credit_status_page_offers_the_authorisations_covering_it(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    first, second = (
        authorise(db, clock, world, account="company", record_types=("credit_status",), purpose=p)
        for p in (CARDS, "经营贷款定价")
    )
    db.commit()
    log_in(client, "analyst")
    form = client.get("/query/credit-status", headers=HTML)
    fields = {"subject_kind": "organisation", "uscc": company.uscc or ""}

    unchosen = client.post(
        "/query/credit-status",
        data={**fields, "csrf_token": csrf_from(form.text)},
        headers=HTML,
    )
    assert unchosen.status_code == 422
    assert offered(unchosen.text) == [first.id, second.id]

    read = client.post(
        "/query/credit-status",
        data={**fields, "authorisation": str(second.id), "csrf_token": csrf_from(form.text)},
        headers=HTML,
    )
    assert read.status_code == 200, read.text[:400]
    assert access_events(db, company.id)[-1].authorisation_id == second.id
