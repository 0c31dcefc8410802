"""The register of the persons answering for an organisation (Art. 18; decision 0036,
session 12 addendum): the registration authority's data reporter registers and ends them
through the API and the page; the person is named by ID number, never echoed, the lookup
audited and in his access log; the organisation's entries in force follow."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.disclosure_helpers import witnessed
from tests.factories import PersonFactory, World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.lists import entry_persons
from xinyong.lists import responsible_register as register
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject
from xinyong.synthetic import make_citizen_id

SERIOUS_STANDARD = "serious_fair_competition"
NEW_ID = "35010319800101123X"


def url(world: World, subject: str = "company") -> str:
    return f"/api/v1/subjects/{world.subjects[subject].reference}/responsible-persons"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "role": "legal_representative",
        "citizen_id": NEW_ID,
        "name": "陈某某",
        "basis": "（榕）登记内变字〔2026〕第118号",
        **overrides,
    }


def post(client: TestClient, world: World, user: str = "reporter", **overrides: Any) -> Any:
    return client.post(url(world), json=body(**overrides), headers=headers(client, user))


def lookups(db: Session) -> list[str]:
    return list(
        db.scalars(
            select(AuditEvent.outcome)
            .where(AuditEvent.action == subjects.PERSON_LOOKUP_ACTION)
            .order_by(AuditEvent.sequence)
        )
    )


def test_the_registration_authority_registers_a_new_person_as_legal_representative(
    client: TestClient, db: Session, lists_world: World
) -> None:
    response = post(client, lists_world, valid_from="2026-11-20")
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["role"], out["name"], out["valid_from"], out["current"]) == (
        "legal_representative",
        "陈某某",
        "2026-11-20",
        True,
    )
    assert out["basis"] == "（榕）登记内变字〔2026〕第118号"
    assert out["citizen_id_masked"] == "350103********123X"
    assert NEW_ID not in response.text
    person = subjects.by_citizen_id(db, NEW_ID)
    assert person is not None
    assert person.reference == out["person_reference"]
    assert lookups(db) == ["not_found"]


def test_a_registered_person_finds_the_registration_in_his_access_log(
    client: TestClient, db: Session, lists_world: World
) -> None:
    person = lists_world.subjects["person"]
    response = post(client, lists_world, citizen_id=citizen_id_of(person), name="")
    assert response.status_code == 201, response.text
    assert response.json()["name"] == person.name
    event = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id)).one()
    assert (event.what, event.purpose, event.granted) == (
        access.RESPONSIBLE_PERSON_REGISTERED,
        access.RESPONSIBLE_PERSON_PURPOSE,
        True,
    )
    assert lookups(db) == ["ok"]


def test_a_second_legal_representative_ends_the_first_from_his_own_start(
    client: TestClient, db: Session, lists_world: World
) -> None:
    assert post(client, lists_world, valid_from="2026-10-01").status_code == 201
    second = PersonFactory(name="郑某某")
    db.commit()
    response = post(
        client, lists_world, citizen_id=citizen_id_of(second), name="", valid_from="2026-11-15"
    )
    assert response.status_code == 201, response.text
    items = client.get(url(lists_world), headers=headers(client, "reporter")).json()
    assert [(i["name"], i["valid_from"], i["valid_to"]) for i in items["items"]] == [
        ("郑某某", "2026-11-15", None),
        ("陈某某", "2026-10-01", "2026-11-15"),
    ]
    assert items["items"][1]["end_reason"] == "郑某某 registered as legal_representative"


def test_the_same_person_twice_in_one_capacity_is_a_duplicate(
    client: TestClient, lists_world: World
) -> None:
    assert post(client, lists_world).status_code == 201
    refused = post(client, lists_world)
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "duplicate",
        "Art. 18",
    )


def test_a_refused_registration_keeps_the_lookup_audited(
    client: TestClient, db: Session, lists_world: World
) -> None:
    person = lists_world.subjects["person"]
    refused = post(client, lists_world, citizen_id=citizen_id_of(person), name="张三")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "name_mismatch"
    assert citizen_id_of(person) not in refused.text
    assert db.scalars(select(ResponsiblePerson)).all() == []
    assert lookups(db) == ["ok"]


@pytest.mark.parametrize("refusal", ["name_mismatch", "duplicate"])
def test_a_refused_registration_of_a_registered_person_is_in_his_access_log(
    client: TestClient, db: Session, lists_world: World, refusal: str
) -> None:
    # The refusal told the authority the number is registered, and whether the name is
    # the one registered with it (Art. 24, 34): the lookup outlives the rollback in the
    # person's log, witnessed by the lookup's audit event.
    person = lists_world.subjects["person"]
    if refusal == "duplicate":
        first = post(client, lists_world, citizen_id=citizen_id_of(person), name="")
        assert first.status_code == 201, first.text
        db.expire_all()
        before = set(db.scalars(select(AccessEvent.id)))
        refused = post(client, lists_world, citizen_id=citizen_id_of(person), name="")
    else:
        before = set()
        refused = post(client, lists_world, citizen_id=citizen_id_of(person), name="张三")
    assert refused.json()["error"]["code"] == refusal
    db.expire_all()
    (entry,) = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == person.id, AccessEvent.id.not_in(before)
        )
    )
    assert (entry.what, entry.legal_path.value, entry.purpose, entry.granted) == (
        access.PERSON_LOOKUP,
        "official_duty",
        access.RESPONSIBLE_PERSON_PURPOSE,
        True,
    )
    lookup = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == subjects.PERSON_LOOKUP_ACTION)
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert lookup is not None
    assert (lookup.outcome, lookup.target_id) == ("ok", str(person.id))
    assert witnessed(lookup.details)[1] == [entry.id]


def test_a_person_new_to_the_platform_needs_the_name(
    client: TestClient, lists_world: World
) -> None:
    refused = post(client, lists_world, name="")
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "name_required",
        "name",
    )


def test_a_registration_cannot_start_on_a_day_to_come(
    client: TestClient, clock: FixedClock, lists_world: World
) -> None:
    tomorrow = clock.today() + dt.timedelta(days=1)
    refused = post(client, lists_world, valid_from=tomorrow.isoformat())
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "future_date",
        "valid_from",
    )


def test_a_natural_person_has_no_responsible_persons(
    client: TestClient, lists_world: World
) -> None:
    refused = client.post(
        url(lists_world, "person"), json=body(), headers=headers(client, "reporter")
    )
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "not_organisation",
        "Art. 18",
    )


def test_an_unknown_organisation_is_not_found(client: TestClient, lists_world: World) -> None:
    refused = client.post(
        "/api/v1/subjects/91350100MA00000000/responsible-persons",
        json=body(),
        headers=headers(client, "reporter"),
    )
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "unknown_subject"


@pytest.mark.parametrize("blank", ["  ", "\u3000", "-"], ids=["spaces", "ideographic", "dash"])
def test_a_blank_organisation_code_is_refused_alike_by_the_api_and_the_page(
    client: TestClient, db: Session, lists_world: World, blank: str
) -> None:
    """No code at all — spaces, a full-width space, a lone separator: ``organisation_of``
    refuses it as missing (``required``, field ``code``), so the page and the API answer
    the same, and nothing is looked up."""
    with pytest.raises(InvalidInput) as refused:
        register.organisation_of(db, blank)
    assert (refused.value.code, refused.value.field) == ("required", "code")

    path = f"/api/v1/subjects/{urllib.parse.quote(blank)}/responsible-persons"
    answers = [
        client.get(path),
        client.get(path, headers=headers(client, "reporter")),
        client.post(path, json=body(), headers=headers(client, "reporter")),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert (error["code"], error["field"]) == ("required", "code")

    log_in(client, "reporter")
    page = client.get("/responsible-persons", params={"code": blank}, headers=HTML)
    posted = client.post(
        "/responsible-persons",
        data={**body(), "code": blank, "csrf_token": _csrf(page.text)},
        headers=HTML,
    )
    for shown in (page, posted):
        assert shown.status_code == 422, shown.text[:500]
        assert 'data-code="required"' in shown.text
        assert "<dd>code</dd>" in shown.text
    assert NEW_ID not in posted.text
    assert lookups(db) == []


def test_an_agency_not_responsible_for_registration_records_is_refused(
    client: TestClient, db: Session, lists_world: World
) -> None:
    refused = post(client, lists_world, user="other_reporter")
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "not_registration_authority",
        "Art. 9",
    )
    assert lookups(db) == []


def test_the_credit_authority_reads_the_register_but_does_not_write_it(
    client: TestClient, lists_world: World
) -> None:
    assert post(client, lists_world).status_code == 201
    read = client.get(url(lists_world), headers=headers(client, "authority"))
    assert read.json()["view"] == "register"
    assert [i["name"] for i in read.json()["items"]] == ["陈某某"]
    refused = post(client, lists_world, user="authority", citizen_id=make_citizen_id_text())
    assert refused.status_code == 403


def make_citizen_id_text() -> str:
    import random

    return make_citizen_id(random.Random(18))


def test_ending_a_registration_records_the_day_and_the_reason(
    client: TestClient, lists_world: World
) -> None:
    made = post(client, lists_world, valid_from="2026-10-01").json()
    ended = client.post(
        f"{url(lists_world)}/{made['id']}/end",
        json={"ended_on": "2026-11-25", "reason": "辞去法定代表人职务"},
        headers=headers(client, "reporter"),
    )
    assert ended.status_code == 200, ended.text
    assert (ended.json()["valid_to"], ended.json()["end_reason"]) == (
        "2026-11-25",
        "辞去法定代表人职务",
    )
    again = client.post(
        f"{url(lists_world)}/{made['id']}/end",
        json={"ended_on": "2026-11-25", "reason": "重复"},
        headers=headers(client, "reporter"),
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "registration_ended"


def test_a_registration_cannot_end_before_it_started(
    client: TestClient, lists_world: World
) -> None:
    made = post(client, lists_world, valid_from="2026-10-01").json()
    refused = client.post(
        f"{url(lists_world)}/{made['id']}/end",
        json={"ended_on": "2026-09-30", "reason": "误登记"},
        headers=headers(client, "reporter"),
    )
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "before_start",
        "ended_on",
    )


def test_the_public_sees_only_the_persons_a_published_entry_names_masked(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    assert post(client, lists_world).status_code == 201
    assert client.get(url(lists_world)).json()["items"] == []
    published_entry(db, clock, lists_world, lists_world.subjects["company"], SERIOUS_STANDARD)
    db.commit()
    public = client.get(url(lists_world))
    assert public.status_code == 200
    assert public.json()["view"] == "public"
    assert public.json()["items"] == [{"role": "legal_representative", "name": "陈**"}]


def test_a_legal_representative_registered_for_a_listed_company_is_named_on_its_entry(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    entry = published_entry(
        db, clock, lists_world, lists_world.subjects["company"], SERIOUS_STANDARD
    )
    db.commit()
    assert post(client, lists_world).status_code == 201
    person = subjects.by_citizen_id(db, NEW_ID)
    assert person is not None
    assert [p.person_subject_id for p in entry_persons.current(db, entry.id)] == [person.id]


def test_the_service_registers_a_principal_from_today_by_default(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    company: Subject = lists_world.subjects["company"]
    link = register.register_person(
        db,
        clock,
        actor(lists_world, "reporter"),
        company,
        role=ResponsibleRole.PRINCIPAL,
        citizen_id=NEW_ID,
        name="陈某某",
        basis="登记档案 2026-01",
    )
    assert (link.role, link.valid_from, link.basis) == (
        ResponsibleRole.PRINCIPAL,
        clock.today(),
        "登记档案 2026-01",
    )


def test_the_page_registers_and_keeps_what_was_typed_on_a_refusal(
    client: TestClient, lists_world: World
) -> None:
    log_in(client, "reporter")
    code = lists_world.subjects["company"].reference
    page = client.get(f"/responsible-persons?code={code}")
    assert page.status_code == 200
    token = _csrf(page.text)
    refused = client.post(
        "/responsible-persons",
        data={
            "code": code,
            "role": "legal_representative",
            "citizen_id": NEW_ID,
            "name": "",
            "valid_from": "2026-11-01",
            "basis": "登记文书 118",
            "csrf_token": token,
        },
    )
    assert refused.status_code == 422
    assert 'value="登记文书 118"' in refused.text
    assert NEW_ID not in refused.text
    done = client.post(
        "/responsible-persons",
        data={
            "code": code,
            "role": "legal_representative",
            "citizen_id": NEW_ID,
            "name": "陈某某",
            "valid_from": "2026-11-01",
            "basis": "登记文书 118",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert "陈某某" in shown.text
    assert NEW_ID not in shown.text


def _csrf(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_page_says_in_its_language_who_replaced_a_legal_representative(
    client: TestClient, db: Session, lists_world: World
) -> None:
    assert post(client, lists_world, valid_from="2026-10-01").status_code == 201
    second = PersonFactory(name="郑某某")
    db.commit()
    assert (
        post(
            client, lists_world, citizen_id=citizen_id_of(second), name="", valid_from="2026-11-15"
        ).status_code
        == 201
    )
    log_in(client, "reporter")
    page = client.get(f"/responsible-persons?code={lists_world.subjects['company'].reference}")
    assert "郑某某 登记为法定代表人" in page.text
    assert "registered as legal_representative" not in page.text


@pytest.mark.parametrize(
    ("user", "shown"), [("reporter", True), ("authority", True), ("other_reporter", False)]
)
def test_the_menu_offers_the_register_to_those_its_page_lets_in(
    client: TestClient, lists_world: World, user: str, shown: bool
) -> None:
    """A data reporter of an agency not responsible for registration records is refused
    the page (403), so his menu does not link to it."""
    log_in(client, user)
    menu = client.get("/").text
    assert ('href="/responsible-persons"' in menu) is shown


# --- who reads the register in full, and the persons' access logs (decision 0045) -----------


def _registered_by_the_regulator(db: Session, clock: FixedClock, world: World) -> None:
    """The company's registration record, from the regulator; the environment bureau
    (``other_agency``) is a registration authority too, of other organisations."""
    from tests.collection_helpers import grant, ingest, source_columns, subject_row
    from tests.lists_helpers import REGISTRATION

    company, regulator = world.subjects["company"], world.organisations["regulator"]
    report = ingest(
        db,
        clock,
        regulator,
        [
            {
                **subject_row(company.name, uscc=company.uscc or ""),
                "entity_type": "有限责任公司",
                "established_on": "2018-03-01",
                "registered_address": "福州市鼓楼区五四路1号",
                "registration_authority": regulator.name,
                **source_columns(regulator),
            }
        ],
        record_type=REGISTRATION,
        actor=actor(world, "reporter"),
    )
    assert report.batch.created == 1, report.problems
    grant(db, clock, world.organisations["other_agency"], REGISTRATION)
    db.commit()


def register_reads(db: Session, person: Subject) -> list[tuple[str, str, str]]:
    return [
        (e.legal_path.value, e.purpose or "", e.what)
        for e in db.scalars(
            select(AccessEvent)
            .where(
                AccessEvent.subject_id == person.id,
                AccessEvent.what == access.RESPONSIBLE_PERSON_REGISTER,
            )
            .order_by(AccessEvent.id)
        )
    ]


def test_another_registration_authority_is_refused_the_register_of_a_company_it_does_not_register(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    _registered_by_the_regulator(db, clock, lists_world)
    person = lists_world.subjects["person"]
    assert post(client, lists_world, citizen_id=citizen_id_of(person), name="").status_code == 201
    refused = client.get(url(lists_world), headers=headers(client, "other_reporter"))
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "register_of_another_authority",
        "code",
        register.READ_ARTICLE,
    )
    assert person.name not in refused.text
    assert register_reads(db, person) == []
    with pytest.raises(PermissionDenied) as denied:
        register.register_of(
            db, clock, actor(lists_world, "other_reporter"), lists_world.subjects["company"]
        )
    assert denied.value.code == "register_of_another_authority"
    # Its own register — an organisation it registers, or one nobody registered yet — it reads.
    mine = client.get(url(lists_world, "other_company"), headers=headers(client, "other_reporter"))
    assert (mine.status_code, mine.json()["view"]) == (200, "register")
    # The page says so beside the search, in its language, and shows nobody.
    log_in(client, "other_reporter")
    page = client.get(
        "/responsible-persons", params={"code": lists_world.subjects["company"].uscc}, headers=HTML
    )
    assert page.status_code == 403
    assert 'data-code="register_of_another_authority"' in page.text
    assert "其责任人员登记簿由该登记机关和社会信用主管部门查阅" in page.text
    assert person.name not in page.text
    assert register_reads(db, person) == []


def test_every_full_read_of_the_register_is_in_each_named_persons_access_log(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Art. 24: the person sees who read the register naming him, on which path and why —
    the registering authority on its duty, the credit authority in supervision; the public
    view (what the lists show) is no such read."""
    _registered_by_the_regulator(db, clock, lists_world)
    person = lists_world.subjects["person"]
    assert post(client, lists_world, citizen_id=citizen_id_of(person), name="").status_code == 201
    assert post(client, lists_world, role="principal").status_code == 201
    new = subjects.by_citizen_id(db, NEW_ID)
    assert new is not None
    duty = ("official_duty", access.RESPONSIBLE_PERSON_PURPOSE, access.RESPONSIBLE_PERSON_REGISTER)
    supervision = ("supervision", access.SUPERVISION_PURPOSE, access.RESPONSIBLE_PERSON_REGISTER)

    read = client.get(url(lists_world), headers=headers(client, "reporter"))
    assert read.json()["view"] == "register"
    assert register_reads(db, person) == [duty]
    assert register_reads(db, new) == [duty]
    client.get(url(lists_world), headers=headers(client, "authority"))
    assert register_reads(db, person) == [duty, supervision]
    assert client.get(url(lists_world)).json()["view"] == "public"
    assert register_reads(db, person) == [duty, supervision]

    log_in(client, "authority")
    page = client.get(
        "/responsible-persons", params={"code": lists_world.subjects["company"].uscc}, headers=HTML
    )
    assert page.status_code == 200
    assert person.name in page.text
    assert register_reads(db, new) == [duty, supervision, supervision]
    # Audited with the read, never the content (decision 0003).
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == access.READ_ACTION)
        .order_by(AuditEvent.sequence)
    ).all()
    assert events
    assert NEW_ID not in str([e.details for e in events])
