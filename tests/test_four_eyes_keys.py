"""Four eyes with API keys (decision 0033, addendum): a key acts for the staff member who
released its secret, so every check that a second person acts — approving a list entry
(Art. 15), deciding an objection to an entry (Art. 25), deciding on an early removal, and
publishing a typical case (Art. 32) — refuses a person's own key as it refuses him, with
the same code, and refuses him for his key's act. A colleague's key still seconds him, and
the record of who acted names the key."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers, released_api_key
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    penalty_record,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.publicity_helpers import add_second_officer, red_entry
from xinyong.accounts import api_keys
from xinyong.accounts.models import ApiKey, Organisation, Role
from xinyong.accounts.permissions import (
    SYSTEM_ACTOR,
    acting_as,
    person_of,
    same_person,
)
from xinyong.clock import FixedClock
from xinyong.lists import early_removal, entries
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import EarlyRemovalApplication, ListEntry, ListKind
from xinyong.publicity import cases
from xinyong.publicity.models import CaseKind

Headers = dict[str, str]


@pytest.fixture
def eworld(lists_world: World, db: Session) -> World:
    """The lists world with ``authority2``, who publishes what ``authority`` drafts."""
    add_second_officer(lists_world)
    db.commit()
    return lists_world


class Credentials:
    """The headers a world account acts with: in person (a bearer token) or through a key
    the administrator registers and the account releases, as on the platform."""

    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        self.client, self.world, self.db = client, world, db
        self._keys = 0

    def person(self, username: str) -> Headers:
        return auth_headers(self.client, username)

    def key(self, username: str) -> Headers:
        who = actor(self.world, username)
        assert who.role is not None
        assert who.organisation_id is not None
        organisation = self.db.get(Organisation, who.organisation_id)
        assert organisation is not None
        self._keys += 1
        made = self.client.post(
            "/api/v1/admin/api-keys",
            json={
                "name": f"{username} system {self._keys}",
                "organisation": organisation.code,
                "role": who.role.value,
            },
            headers=self.person("admin"),
        )
        assert made.status_code == 201, made.text
        released = self.client.post(
            f"/api/v1/api-keys/{made.json()['id']}/secret", headers=self.person(username)
        )
        assert released.status_code == 201, released.text
        assert released.json()["released_by"] == who.id
        return {"X-API-Key": released.json()["secret"]}


# --- the four-eyes checks, each as a first act and its second ---------------------------------


@dataclass(frozen=True)
class FourEyes:
    name: str
    first_person: str  # who acts first
    colleague: str  # another person who may act second
    code: str  # the refusal of the same person acting second
    article: str
    # (client, world, db, clock, headers) -> the id the second act concerns
    first: Callable[[TestClient, World, Session, FixedClock, Headers], int]
    # (client, id, headers) -> the response to the second act
    second: Callable[[TestClient, int, Headers], Any]
    # Set-up before the first act (what neither person does).
    prepare: Callable[[World, Session, FixedClock], None] = lambda world, db, clock: None


def _propose(client: TestClient, world: World, headers: Headers) -> int:
    std = entries.standard(world.session, "dishonest_subject")
    basis = penalty_record(
        world.session, world.clock, world.organisations["regulator"], world.subjects["company"]
    )
    world.session.commit()
    made = client.post(
        "/api/v1/list-entries",
        json={
            "subject": world.subjects["company"].reference,
            "standard": std.code,
            "criteria_met": std.criteria,
            "reasons": "逾期六个月未缴纳罚款人民币五万元",
            "evidence": "榕市监罚〔2026〕88号行政处罚决定书",
            "basis_record_ids": [basis],
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    entry_id: int = made.json()["id"]
    return entry_id


def _proposed_and_window_closed(
    client: TestClient, world: World, db: Session, clock: FixedClock, headers: Headers
) -> int:
    entry_id = _propose(client, world, headers)
    clock.advance(
        dt.timedelta(days=entries.standard(world.session, "dishonest_subject").objection_days + 1)
    )
    return entry_id


def _proposed_and_objected_to(
    client: TestClient, world: World, db: Session, clock: FixedClock, headers: Headers
) -> int:
    entry_id = _propose(client, world, headers)
    objected = client.post(
        f"/api/v1/me/list-entries/{entry_id}/objection",
        json={"statement": "罚款已于2026年11月20日缴纳，附缴款凭证"},
        headers=auth_headers(client, "company"),
    )
    assert objected.status_code == 201, objected.text
    objection_id: int = objected.json()["id"]
    return objection_id


def _early_removal_application(world: World, db: Session, clock: FixedClock) -> None:
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=400)
    early_removal.apply(
        db,
        clock,
        actor(world, "company"),
        entry.id,
        obligations_met="罚款已于2026年3月缴清，违法行为已整改",
        evidence="缴款凭证 2026-0312；整改报告",
        commitment=True,
        terms=rules.Terms(),
    )
    db.commit()


def _early_removal_proposed(
    client: TestClient, world: World, db: Session, clock: FixedClock, headers: Headers
) -> int:
    application_id = db.scalar(select(EarlyRemovalApplication.id))
    assert application_id is not None
    proposed = client.post(
        f"/api/v1/early-removals/{application_id}/propose",
        json={"approve": True, "reasons": "罚款已缴清，满一年"},
        headers=headers,
    )
    assert proposed.status_code == 200, proposed.text
    return application_id


def _red_entry(world: World, db: Session, clock: FixedClock) -> None:
    red_entry(db, world)
    db.commit()


def _drafted(
    client: TestClient, world: World, db: Session, clock: FixedClock, headers: Headers
) -> int:
    entry_id = db.scalar(select(ListEntry.id).where(ListEntry.kind == ListKind.RED))
    made = client.post(
        "/api/v1/typical-cases",
        json={
            "kind": "integrity_model",
            "title": "守法诚信经营典型",
            "narrative": "连续三年无不良信用记录。",
            "list_entry_id": entry_id,
        },
        headers=headers,
    )
    assert made.status_code == 201, made.text
    case_id: int = made.json()["id"]
    return case_id


CHECKS = [
    FourEyes(
        "approve a list entry",
        "caseofficer",
        "caseofficer2",
        "self_approval",
        "Art. 15",
        _proposed_and_window_closed,
        lambda client, entry_id, headers: client.post(
            f"/api/v1/list-entries/{entry_id}/approve",
            json={"reasons": "异议期满无异议，符合认定标准"},
            headers=headers,
        ),
    ),
    FourEyes(
        "decide an objection to one's proposal",
        "caseofficer",
        "caseofficer2",
        "own_proposal",
        "Art. 25",
        _proposed_and_objected_to,
        lambda client, objection_id, headers: client.post(
            f"/api/v1/list-objections/{objection_id}/decide",
            json={"upheld": False, "reasons": "缴款凭证所载金额与处罚决定不符"},
            headers=headers,
        ),
    ),
    FourEyes(
        "decide on a proposed early removal",
        "caseofficer",
        "caseofficer2",
        "separate_duties",
        "Art. 15",
        _early_removal_proposed,
        lambda client, application_id, headers: client.post(
            f"/api/v1/early-removals/{application_id}/decide",
            json={"confirm": True, "reasons": "同意"},
            headers=headers,
        ),
        _early_removal_application,
    ),
    FourEyes(
        "publish a typical case",
        "authority",
        "authority2",
        "self_publication",
        "Art. 32",
        _drafted,
        lambda client, case_id, headers: client.post(
            f"/api/v1/typical-cases/{case_id}/publish", headers=headers
        ),
        _red_entry,
    ),
]

# Who acts first and who second: the same person in person, through his key, through a
# second key of his; or his colleague's key.
REFUSED = [
    ("in person", "own key"),
    ("own key", "in person"),
    ("own key", "own second key"),
]


def _headers(credentials: Credentials, check: FourEyes, how: str) -> Headers:
    if how == "in person":
        return credentials.person(check.first_person)
    if how in ("own key", "own second key"):
        return credentials.key(check.first_person)
    assert how == "colleague's key"
    return credentials.key(check.colleague)


@pytest.mark.parametrize(("first", "second"), REFUSED)
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_the_same_person_is_refused_through_a_key_as_in_person(
    eworld: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    check: FourEyes,
    first: str,
    second: str,
) -> None:
    check.prepare(eworld, db, clock)
    credentials = Credentials(client, eworld, db)
    target = check.first(client, eworld, db, clock, _headers(credentials, check, first))
    refused = check.second(client, target, _headers(credentials, check, second))
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["article"]) == (check.code, check.article)


@pytest.mark.parametrize("first", ["in person", "own key"])
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_a_key_a_colleague_released_seconds_him(
    eworld: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    check: FourEyes,
    first: str,
) -> None:
    check.prepare(eworld, db, clock)
    credentials = Credentials(client, eworld, db)
    target = check.first(client, eworld, db, clock, _headers(credentials, check, first))
    done = check.second(client, target, _headers(credentials, check, "colleague's key"))
    assert done.status_code == 200, done.text


# --- the record names the key; the person is compared ----------------------------------------


def test_the_approval_records_the_key_and_its_releaser_is_compared(
    eworld: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    credentials = Credentials(client, eworld, db)
    own_key = credentials.key("caseofficer")
    entry_id = _proposed_and_window_closed(client, eworld, db, clock, own_key)
    proposed = db.get(ListEntry, entry_id)
    assert proposed is not None
    key_id = db.scalar(select(ApiKey.id).where(ApiKey.name == "caseofficer system 1"))
    assert proposed.proposed_by == f"api_key:{key_id}"
    assert person_of(db, proposed.proposed_by) == f"user:{eworld.users['caseofficer'].id}"
    approved = client.post(
        f"/api/v1/list-entries/{entry_id}/approve",
        json={"reasons": "异议期满无异议，符合认定标准"},
        headers=credentials.key("caseofficer2"),
    )
    assert approved.status_code == 200, approved.text
    db.expire_all()
    entry = db.get(ListEntry, entry_id)
    assert entry is not None
    assert entry.approved_by is not None
    assert entry.approved_by.startswith("api_key:")
    assert person_of(db, entry.approved_by) == f"user:{eworld.users['caseofficer2'].id}"


def test_the_pages_offer_no_second_step_to_the_keys_releaser(
    eworld: World, db: Session, clock: FixedClock
) -> None:
    """What the pages offer follows the same comparison: the releaser of the key that
    proposed (or drafted) is shown his own proposal, not the step a second person takes."""
    key, secret = released_api_key(
        db, clock, eworld.organisations["regulator"], Role.CASE_OFFICER, "case system"
    )
    key.released_by_id = eworld.users["caseofficer"].id
    system = api_keys.actor_for_api_key(db, secret)
    entry = entries.propose(
        db,
        clock,
        system,
        subject=eworld.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="因违法行为受到较重行政处罚",
        reasons="逾期六个月未缴纳罚款",
        evidence="榕市监罚〔2026〕88号",
        basis_record_ids=[
            penalty_record(db, clock, eworld.organisations["regulator"], eworld.subjects["company"])
        ],
    )
    officer, second = actor(eworld, "caseofficer"), actor(eworld, "caseofficer2")
    assert entries.proposed_by_actor(db, officer, entry)
    assert not entries.proposed_by_actor(db, second, entry)
    assert not entries.may_decide_objections(db, officer, entry)
    assert entries.may_decide_objections(db, second, entry)

    authority_key, authority_secret = released_api_key(
        db, clock, eworld.organisations["authority"], Role.CREDIT_AUTHORITY_OFFICER, "cases"
    )
    authority_key.released_by_id = eworld.users["authority"].id
    case = cases.draft(
        db,
        clock,
        api_keys.actor_for_api_key(db, authority_secret),
        kind=CaseKind.INTEGRITY_MODEL,
        title="诚信经营典型",
        narrative="连续三年守法经营。",
        list_entry_id=red_entry(db, eworld).id,
    )
    assert not cases.may_publish(db, actor(eworld, "authority"), case)
    assert cases.may_publish(db, actor(eworld, "authority2"), case)


# --- the person behind an actor ---------------------------------------------------------------


def test_a_key_answers_for_its_releaser_and_a_key_released_by_nobody_for_itself(
    eworld: World, db: Session, clock: FixedClock
) -> None:
    officer = actor(eworld, "caseofficer")
    regulator = eworld.organisations["regulator"]
    first, first_secret = released_api_key(db, clock, regulator, Role.CASE_OFFICER, "one")
    second, _second_secret = released_api_key(db, clock, regulator, Role.CASE_OFFICER, "two")
    colleague, colleague_secret = released_api_key(db, clock, regulator, Role.CASE_OFFICER, "3")
    # Released by the operator: before decision 0033 keys had no releaser on record either.
    unnamed, unnamed_secret = released_api_key(db, clock, regulator, Role.CASE_OFFICER, "old")
    first.released_by_id = second.released_by_id = eworld.users["caseofficer"].id
    colleague.released_by_id = eworld.users["caseofficer2"].id
    db.flush()
    own_key = api_keys.actor_for_api_key(db, first_secret)
    assert own_key.audit().id == f"api_key:{first.id}"  # the record still names the key
    assert own_key.person == officer.person == f"user:{officer.id}"
    assert own_key.person_id == officer.id
    for recorded in (f"user:{officer.id}", f"api_key:{first.id}", f"api_key:{second.id}"):
        assert same_person(db, officer, recorded), recorded
        assert same_person(db, own_key, recorded), recorded
    for recorded in (
        f"user:{eworld.users['caseofficer2'].id}",
        f"api_key:{colleague.id}",
        f"api_key:{unnamed.id}",
        "",
        None,
    ):
        assert not same_person(db, own_key, recorded), recorded
    assert sorted(acting_as(db, own_key)) == sorted(
        [f"user:{officer.id}", f"api_key:{first.id}", f"api_key:{second.id}"]
    )
    old = api_keys.actor_for_api_key(db, unnamed_secret)
    assert (old.person, old.person_id) == (f"api_key:{unnamed.id}", None)
    assert acting_as(db, old) == [f"api_key:{unnamed.id}"]
    assert not same_person(db, old, f"user:{officer.id}")
    # The platform itself (the operator's command line) is nobody's second.
    assert SYSTEM_ACTOR.person is None
    assert not same_person(db, SYSTEM_ACTOR, "system")
    assert acting_as(db, SYSTEM_ACTOR) == []
    assert api_keys.actor_for_api_key(db, colleague_secret).person == (
        f"user:{eworld.users['caseofficer2'].id}"
    )


def test_a_key_awaiting_release_does_nothing(
    eworld: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    key = api_keys.create_api_key(
        db,
        clock,
        actor(eworld, "admin"),
        organisation=eworld.organisations["regulator"],
        role=Role.CASE_OFFICER,
        name="awaiting",
    )
    db.commit()
    for presented in (key.prefix, f"{key.prefix}.", f"{key.prefix}.anything"):
        refused = client.post(
            "/api/v1/list-entries/1/approve",
            json={"reasons": "符合标准"},
            headers={"X-API-Key": presented},
        )
        assert refused.status_code == 401, presented
        assert refused.json()["error"]["code"] == "bad_api_key"


# --- the counters where only a person acts ----------------------------------------------------


@dataclass(frozen=True)
class PersonOnly:
    name: str
    username: str
    # (world) -> the path and body of the act on one's own account
    call: Callable[[World], tuple[str, dict[str, str] | None]]
    in_person: tuple[int, str]
    through_key: tuple[int, str]


PERSON_ONLY = [
    PersonOnly(
        "release one's own account's activation code",
        "authority",
        lambda world: (
            f"/api/v1/staff-accounts/{world.users['authority'].id}/activation-code",
            None,
        ),
        (403, "own_account_code"),
        (403, "credit_authority_officer_required"),
    ),
    PersonOnly(
        "assign oneself a query item",
        "security",
        lambda world: (
            "/api/v1/query-item-assignments",
            {"username": "security", "query_item": "anything"},
        ),
        (422, "own_query_permission"),
        (403, "officer_in_person"),
    ),
]


@pytest.mark.parametrize("check", PERSON_ONLY, ids=lambda c: c.name)
def test_where_only_a_person_acts_his_key_is_refused_before_any_comparison(
    eworld: World, db: Session, client: TestClient, check: PersonOnly
) -> None:
    """Releasing an activation code and assigning query items are a person's acts: a key
    never gets as far as the second-person check, which compares persons all the same."""
    credentials = Credentials(client, eworld, db)
    path, body = check.call(eworld)
    for headers, expected in (
        (credentials.person(check.username), check.in_person),
        (credentials.key(check.username), check.through_key),
    ):
        refused = client.post(path, json=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]["code"]) == expected
