"""Views of list entries with their non-public parts are uses of the subject's
information (decision 0020): a scripted sequence of views by officers, the credit
authority and an objection handler, on the API and the pages, is exactly what the
organisation's access log and its named responsible person's log show; the subject's own
views and the public lists are in neither; every view is audited without the data."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.disclosure_helpers import Entry
from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.lists import entries

SERIOUS_STANDARD = "serious_fair_competition"
EVIDENCE = "榕市监罚〔2026〕88号串通投标证据"
STATEMENT = "我司未参与串通投标"


def log_of(client: TestClient, who: str) -> list[Entry]:
    response = client.get("/api/v1/me/access-log", headers=headers(client, who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    text = response.text
    # The log names what was shown, never the content.
    for forbidden in (EVIDENCE, STATEMENT, "串通投标"):
        assert forbidden not in text
    return [Entry.of(item) for item in reversed(items)]


def test_views_of_list_entries_in_full_are_in_the_subjects_access_logs(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    regulator = world.organisations["regulator"].name
    authority = world.organisations["authority"].name
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=company,
        standard_code=SERIOUS_STANDARD,
        criteria_met="以欺诈手段严重破坏公平竞争秩序",
        reasons="情节严重",
        evidence=EVIDENCE,
        basis_record_ids=[basis_record(db, clock, world, company).id],
        responsible_persons=[
            entries.NamedPerson(
                role="directly_responsible", name=person.name, citizen_id=citizen_id_of(person)
            )
        ],
    )
    entries.object_to(db, clock, actor(world, "company"), entry.id, STATEMENT)
    db.commit()
    detail = f"/api/v1/list-entries/{entry.id}"
    company_log: list[Entry] = []
    # The proposal found the person by ID number: a lookup in their log.
    person_log = [
        Entry(
            regulator,
            "case_officer",
            "official_duty",
            purpose=access.LIST_WORK_PURPOSE,
            what=access.PERSON_LOOKUP,
        )
    ]

    def api(who: str, path: str, status: int = 200) -> None:
        response = client.get(path, headers=headers(client, who))
        assert response.status_code == status, response.text
        clock.advance(dt.timedelta(minutes=7))

    def page(who: str, path: str, shown: str) -> None:
        log_in(client, who)
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, response.text[:500]
        assert shown in response.text  # the view did show a non-public part
        clock.advance(dt.timedelta(minutes=7))

    def used(org: str, role: str, path: str, purpose: str, *, named: bool) -> None:
        company_log.append(Entry(org, role, path, purpose=purpose, what=access.LIST_ENTRY))
        if named:
            person_log.append(Entry(org, role, path, purpose=purpose, what=access.LIST_ENTRY_NAMED))

    # The officers' queue on the API: evidence and notice, not the persons.
    api("caseofficer2", "/api/v1/list-entries")
    used(regulator, "case_officer", "official_duty", access.LIST_WORK_PURPOSE, named=False)
    # One entry in full, with the persons named: both logs.
    api("caseofficer", detail)
    used(regulator, "case_officer", "official_duty", access.LIST_WORK_PURPOSE, named=True)
    api("authority", detail)
    used(
        authority, "credit_authority_officer", "supervision", access.SUPERVISION_PURPOSE, named=True
    )
    api("objections", detail)
    used(authority, "objection_handler", "official_duty", access.OBJECTION_PURPOSE, named=True)
    # The handler's undecided objections: the entry's evidence, not the persons.
    api("objections", "/api/v1/list-objections")
    used(authority, "objection_handler", "official_duty", access.OBJECTION_PURPOSE, named=False)
    # The pages: the officers' queue shows the persons named; the handler's page does not.
    page("caseofficer2", "/lists-queue", person.name)
    used(regulator, "case_officer", "official_duty", access.LIST_WORK_PURPOSE, named=True)
    page("objections", "/list-objections", EVIDENCE)
    used(authority, "objection_handler", "official_duty", access.OBJECTION_PURPOSE, named=False)
    # Refused: another agency's officer, and a query officer, in the subject's log only.
    for who, role, org in (
        ("other_caseofficer", "case_officer", world.organisations["other_agency"].name),
        ("querier", "query_officer", regulator),
    ):
        api(who, detail, 403)
        company_log.append(
            Entry(
                org,
                role,
                "none",
                what=access.LIST_ENTRY,
                granted=False,
                refusal_code="not_lawful_querier",
            )
        )
    # The subject's own view, the public lists and a queue of another agency: no use.
    api("company", detail)
    api("company", "/api/v1/me/notices")
    api("citizen", "/api/v1/lists/black")
    api("other_caseofficer", "/api/v1/list-entries")

    assert log_of(client, "company") == company_log
    assert log_of(client, "citizen") == person_log
    # The page says it in its words.
    log_in(client, "citizen")
    page = client.get("/me/access-log", headers=HTML).text
    assert "将您列为责任人的名单条目（第十八条）" in page
    assert "认定和审核名单条目（第十四条、第十八条）" in page
    assert EVIDENCE not in page
    # No file reads among them: neither the bulk-read limits nor supervision count them.
    assert (
        db.scalars(
            select(AccessEvent.id).where(AccessEvent.what.not_in(access.NOT_FILE_READS))
        ).all()
        == []
    )
    # Each view is audited, by the entries it showed, never their content.
    reads = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "list_entry.read")
        .order_by(AuditEvent.sequence)
    ).all()
    assert [(e.details["view"], e.details["entries"]) for e in reads] == [
        ("queue", [entry.id]),
        ("entry", [entry.id]),
        ("entry", [entry.id]),
        ("entry", [entry.id]),
        ("objections", [entry.id]),
        ("queue", [entry.id]),
        ("objections", [entry.id]),
        ("entry", [entry.id]),  # the subject's own view: audited, in no log
    ]
    for event in reads:
        assert EVIDENCE not in str(event.details)


def test_a_subject_asking_for_another_subjects_entry_is_told_it_does_not_exist(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """A black-list candidacy is not on the public lists: a subject account asking for it,
    objecting to it or applying for its early removal gets the very answer an id that
    is no entry gets (Art. 13), not a 403 that says the id is someone's entry; the attempt
    is still in the entry's subject's log, and its audit event says why it was refused."""
    world = lists_world
    company = world.subjects["company"]
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=company,
        standard_code="dishonest_subject",
        criteria_met="较重处罚",
        reasons="拒不履行",
        evidence=EVIDENCE,
        basis_record_ids=[basis_record(db, clock, world, company).id],
    )
    db.commit()
    citizen = headers(client, "citizen")
    for method, path, body in (
        ("GET", "/api/v1/list-entries/{id}", None),
        ("POST", "/api/v1/me/list-entries/{id}/objection", {"statement": "不是我"}),
        ("GET", "/api/v1/me/list-entries/{id}/early-removal", None),
    ):
        answers = [
            client.request(method, path.format(id=i), json=body, headers=citizen)
            for i in (entry.id, entry.id + 1000)
        ]
        assert [a.status_code for a in answers] == [404, 404], path
        assert answers[0].json() == answers[1].json(), path
        assert answers[0].json()["error"]["code"] == "not_found"
    assert [
        (e.legal_path, e.what, e.granted, e.refusal_code) for e in log_of(client, "company")
    ] == [("none", access.LIST_ENTRY, False, "not_own_subject")]
    refused = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "access.refused", AuditEvent.target_id == str(company.id))
        .order_by(AuditEvent.sequence)
    ).all()
    assert [(e.details["code"], e.details["article"]) for e in refused] == [
        ("not_own_subject", "Art. 13")
    ]
