"""A measure is applied only on a basis in force (Art. 15 ¶2, Art. 18; decision 0036): not on
an entry that has left the list — removed, expired, or its term over before the daily job
has expired it — and not to a person the organisation's entry no longer names, or names on
an entry that has ended. Refused 409, with a code and the article, in the API and on the
page; nothing is recorded but the use the details are: they go only to an officer who may
read the entry in full, and into the subject's access log; to any other agency the answer is
that for a subject never listed."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import PersonFactory, World
from tests.lists_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import log_in
from tests.test_pages_disclosure import error_code, token
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, LegalPath
from xinyong.lists.models import ListEntry, MeasureApplication, RemovalReason
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject

APPLY = "/api/v1/measure-applications"
PAGE = "/measure-applications"


def apply(
    client: TestClient, subject: Subject, matter: str, measure: str, by: str = "caseofficer"
) -> Any:
    return client.post(
        APPLY,
        json={
            "subject": subject.reference,
            "matter": matter,
            "measure": measure,
            "reasons": "依法实施惩戒措施",
        },
        headers=headers(client, by),
    )


def removed(db: Session, world: World, entry: ListEntry, clock: FixedClock) -> None:
    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行行政处罚决定",
        proposer="caseofficer",
        approver="caseofficer2",
    )


def test_a_measure_is_not_applied_on_an_entry_removed_from_the_list(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company)
    removed(db, world, entry, clock)
    db.commit()

    response = apply(client, company, "honours", "pun_honours")

    assert response.status_code == 409, response.text
    body = response.json()["error"]
    assert (body["code"], body["article"], body["field"]) == (
        "entry_ended",
        "Art. 15 ¶2",
        "subject",
    )
    assert body["details"] == {
        "entry_id": entry.id,
        "status": "removed",
        "term_end": entry.term_end.isoformat(),  # type: ignore[union-attr]
        "removal_reason": "exit_conditions_met",
    }
    assert db.scalar(select(MeasureApplication.id)) is None


def test_a_measure_is_not_applied_once_the_entrys_term_is_over(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Still ``published`` until the daily job expires it, but no longer on the list."""
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company)
    db.commit()
    assert entry.term_end is not None
    clock.set(dt.datetime.combine(entry.term_end, dt.time(12), dt.UTC) + dt.timedelta(days=2))

    response = apply(client, company, "honours", "pun_honours")

    assert response.status_code == 409, response.text
    refusal = response.json()["error"]
    assert (refusal["code"], refusal["details"]["status"]) == (
        "entry_ended",
        "published",
    )


def test_a_measure_does_not_reach_a_person_the_entry_no_longer_names(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, former = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    entry = published_entry(db, clock, world, company, "serious_fair_competition")
    successor = PersonFactory()
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=successor.name,
        citizen_id=citizen_id_of(successor),
    )
    db.commit()

    response = apply(client, former, "appointment", "pun_appointment")

    assert response.status_code == 409, response.text
    body = response.json()["error"]
    assert (body["code"], body["article"]) == ("no_longer_named", "Art. 18")
    assert body["details"] == {
        "entry_id": entry.id,
        "role": "legal_representative",
        "ended_on": clock.today().isoformat(),
    }
    # The one registered now is reached.
    assert apply(client, successor, "appointment", "pun_appointment").status_code == 201


def test_a_measure_does_not_reach_a_person_named_on_an_entry_that_ended(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    entry = published_entry(db, clock, world, company, "serious_fair_competition")
    removed(db, world, entry, clock)
    db.commit()

    response = apply(client, person, "appointment", "pun_appointment")

    assert response.status_code == 409, response.text
    body = response.json()["error"]
    assert (body["code"], body["article"]) == ("entry_ended", "Art. 18")
    assert body["details"]["entry_id"] == entry.id


def test_a_subject_never_on_the_list_is_still_refused_as_not_applicable(
    lists_world: World, client: TestClient, db: Session
) -> None:
    response = apply(client, lists_world.subjects["company"], "honours", "pun_honours")

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "not_applicable"


def test_the_page_refuses_a_measure_on_an_ended_entry_beside_the_form(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    removed(db, world, published_entry(db, clock, world, company), clock)
    db.commit()
    log_in(client, "caseofficer")

    page = client.post(
        PAGE,
        data={
            "subject": company.uscc,
            "matter": "honours",
            "measure": "pun_honours",
            "reasons": "列入失信主体名单，评优评先中不予推荐",
            "csrf_token": token(client, PAGE),
        },
    )

    assert page.status_code == 409
    assert error_code(page) == "entry_ended"
    assert "名单条目已不在有效期内" in page.text  # the refusal in the page's language
    assert "第十五条第二款" in page.text
    assert "列入失信主体名单，评优评先中不予推荐" in page.text  # what was typed, kept
    assert db.scalar(select(MeasureApplication.id)) is None


# --- only to whoever may read the entry (decision 0036, review) ----------------------------


def uses_of(db: Session, subject_id: int) -> list[tuple[str, LegalPath, str | None]]:
    return [
        (e.what, e.legal_path, e.purpose)
        for e in db.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == subject_id).order_by(AccessEvent.id)
        )
    ]


def test_another_agency_is_answered_as_for_a_subject_never_listed(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """An ended entry is off the public lists and no longer shared (rules.md): an agency
    without a lawful path to it (the rule of ``GET /list-entries/{id}``) learns neither its
    details nor, from a 409, that the subject was ever listed."""
    world = lists_world
    company = world.subjects["company"]
    removed(db, world, published_entry(db, clock, world, company), clock)
    db.commit()
    before = uses_of(db, company.id)
    never_listed = apply(client, world.subjects["other_company"], "honours", "pun_honours")

    response = apply(client, company, "honours", "pun_honours", by="other_caseofficer")

    assert (response.status_code, never_listed.status_code) == (422, 422), response.text
    assert response.json() == never_listed.json()
    assert uses_of(db, company.id) == before


def test_the_recognising_agency_sees_the_ended_entry_in_the_subjects_access_log(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    removed(db, world, published_entry(db, clock, world, company), clock)
    db.commit()
    before = uses_of(db, company.id)

    response = apply(client, company, "honours", "pun_honours")

    assert response.status_code == 409, response.text
    assert uses_of(db, company.id)[len(before) :] == [
        (access.LIST_ENTRY, LegalPath.OFFICIAL_DUTY, access.LIST_WORK_PURPOSE)
    ]


def test_a_person_no_longer_named_is_not_applicable_to_another_agency(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, former = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, company, "serious_fair_competition")
    successor = PersonFactory()
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=successor.name,
        citizen_id=citizen_id_of(successor),
    )
    db.commit()
    before = uses_of(db, former.id)

    response = apply(client, former, "appointment", "pun_appointment", by="other_caseofficer")

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "not_applicable"
    assert "details" not in response.json()["error"]
    assert uses_of(db, former.id) == before


READ_EVENTS = ("list_entry.read", access.READ_ACTION)


def test_the_recognising_agency_told_a_person_is_no_longer_named_logs_both_uses(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, former = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, company, "serious_fair_competition")
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=PersonFactory().name,
        citizen_id=citizen_id_of(PersonFactory()),
    )
    db.commit()
    company_id, former_id = company.id, former.id
    company_before, person_before = uses_of(db, company_id), uses_of(db, former_id)
    events_before = db.scalar(select(func.max(AuditEvent.sequence)))

    response = apply(client, former, "appointment", "pun_appointment")

    assert response.json()["error"]["code"] == "no_longer_named"
    assert uses_of(db, company_id)[len(company_before) :] == [
        (access.LIST_ENTRY, LegalPath.OFFICIAL_DUTY, access.LIST_WORK_PURPOSE)
    ]
    assert uses_of(db, former_id)[len(person_before) :] == [
        (access.LIST_ENTRY_NAMED, LegalPath.OFFICIAL_DUTY, access.LIST_WORK_PURPOSE)
    ]
    # One audit event for the read, witnessing both entries (decision 0003 addendum).
    written = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.sequence > events_before, AuditEvent.action.in_(READ_EVENTS))
        .order_by(AuditEvent.sequence)
    ).all()
    assert [e.action for e in written] == ["list_entry.read"]
    assert len(written[0].details["witnessed"]["ids"]) == 2


def test_the_page_answers_another_agency_as_for_a_subject_never_listed(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    removed(db, world, published_entry(db, clock, world, company), clock)
    db.commit()
    before = uses_of(db, company.id)
    log_in(client, "other_caseofficer")

    page = client.post(
        PAGE,
        data={
            "subject": company.uscc,
            "matter": "honours",
            "measure": "pun_honours",
            "reasons": "列入失信主体名单，评优评先中不予推荐",
            "csrf_token": token(client, PAGE),
        },
    )

    assert page.status_code == 422
    assert error_code(page) == "not_applicable"
    assert uses_of(db, company.id) == before


def test_the_page_logs_what_it_shows_the_recognising_agency(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    removed(db, world, published_entry(db, clock, world, company), clock)
    db.commit()
    before = uses_of(db, company.id)
    log_in(client, "caseofficer")

    page = client.post(
        PAGE,
        data={
            "subject": company.uscc,
            "matter": "honours",
            "measure": "pun_honours",
            "reasons": "理由",
            "csrf_token": token(client, PAGE),
        },
    )

    assert error_code(page) == "entry_ended"
    assert uses_of(db, company.id)[len(before) :] == [
        (access.LIST_ENTRY, LegalPath.OFFICIAL_DUTY, access.LIST_WORK_PURPOSE)
    ]
