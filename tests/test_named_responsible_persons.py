"""Art. 18: when an agency records an organisation's serious dishonesty it may name the
persons responsible for the conduct. Named on the proposal (API and page), they are on the
entry once it is approved — next to the organisation's registered legal representative —
and a joint check of such a person shows it."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    settings,  # noqa: F401 - fixture
)
from tests.test_pages_disclosure import error_code, log_in, token
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import InvalidInput
from xinyong.identifiers import mask_citizen_id
from xinyong.lists import entries
from xinyong.lists.models import ListEntry, ListEntryPerson
from xinyong.subjects import service as subjects
from xinyong.synthetic import make_citizen_id

SERIOUS_STANDARD = "serious_fair_competition"
MANAGER_ID = make_citizen_id(random.Random(18), division="350104")


def proposal(world: World, standard: str = SERIOUS_STANDARD, **extra: Any) -> dict[str, Any]:
    return {
        "subject": world.subjects["company"].uscc,
        "standard": standard,
        "criteria_met": "以欺诈手段严重破坏公平竞争秩序",
        "reasons": "串通投标，情节严重",
        "evidence": "榕市监罚〔2026〕88号",
        **extra,
    }


def persons_of(db: Session, entry_id: int) -> list[tuple[str, str, int | None]]:
    return [
        (p.role, p.name, p.person_subject_id)
        for p in db.scalars(
            select(ListEntryPerson)
            .where(ListEntryPerson.entry_id == entry_id)
            .order_by(ListEntryPerson.id)
        )
    ]


def test_persons_named_on_the_proposal_join_the_registered_ones_on_approval(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    person_represents_company(db, clock, world)
    basis = basis_record(db, clock, world, world.subjects["company"]).id
    db.commit()
    response = client.post(
        "/api/v1/list-entries",
        json=proposal(
            world,
            basis_record_ids=[basis],
            responsible_persons=[
                {"role": "directly_responsible", "name": "林某", "citizen_id": MANAGER_ID},
            ],
        ),
        headers=headers(client, "caseofficer2"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["responsible_persons"] == [
        {
            "role": "directly_responsible",
            "name": "林某",
            "citizen_id_masked": mask_citizen_id(MANAGER_ID),
            # The agency's finding; named from the entry's publication (decision 0036).
            "source": "proposal",
            "named_from": None,
            "ended_on": None,
        }
    ]
    assert MANAGER_ID not in response.text
    manager = subjects.by_citizen_id(db, MANAGER_ID)
    assert manager is not None
    assert manager.name == "林某"

    later = FixedClock(clock.now() + dt.timedelta(days=30))
    entries.approve(db, later, actor(world, "caseofficer"), body["id"], reasons="异议期满无异议")
    assert persons_of(db, body["id"]) == [
        ("directly_responsible", "林某", manager.id),
        ("legal_representative", person.name, person.id),
    ]
    db.commit()
    clock.set(later.now())  # the entry is in force from its approval
    check = client.post(
        "/api/v1/joint-checks",
        json={"matter": "appointment", "subjects": [MANAGER_ID]},
        headers=headers(client, "querier"),
    )
    assert check.status_code == 200, check.text
    (answer,) = check.json()["results"]
    assert [r["entry_id"] for r in answer["responsible_for"]] == [body["id"]]
    assert [m["code"] for m in answer["measures"]] == ["pun_appointment"]


def test_a_person_named_twice_is_on_the_entry_once(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    person_represents_company(db, clock, world)
    std = entries.standard(db, SERIOUS_STANDARD)
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer2"),
        subject=company,
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="串通投标",
        evidence="榕市监罚〔2026〕89号",
        basis_record_ids=[basis_record(db, clock, world, company).id],
        responsible_persons=[
            entries.NamedPerson("principal", person.name, citizen_id_of(person)),
        ],
    )
    later = FixedClock(clock.now() + dt.timedelta(days=30))
    entries.approve(db, later, actor(world, "caseofficer"), entry.id, reasons="无异议")
    assert persons_of(db, entry.id) == [("principal", person.name, person.id)]


@pytest.mark.parametrize(
    ("subject", "standard", "persons", "field", "code"),
    [
        (
            "company",
            "dishonest_subject",
            [("principal", "林某", MANAGER_ID)],
            "responsible_persons",
            "not_serious_organisation",
        ),
        (
            "person",
            SERIOUS_STANDARD,
            [("principal", "林某", MANAGER_ID)],
            "responsible_persons",
            "not_serious_organisation",
        ),
        (
            "company",
            SERIOUS_STANDARD,
            [("boss", "林某", MANAGER_ID)],
            "responsible_persons[0].role",
            "invalid_choice",
        ),
        (
            "company",
            SERIOUS_STANDARD,
            [("principal", " ", MANAGER_ID)],
            "responsible_persons[0].name",
            "required",
        ),
        (
            "company",
            SERIOUS_STANDARD,
            [("principal", "林某", MANAGER_ID[:-1])],
            "responsible_persons[0].citizen_id",
            "length",
        ),
    ],
)
def test_bad_named_persons_are_refused_and_nothing_is_written(
    lists_world: World,
    db: Session,
    clock: FixedClock,
    subject: str,
    standard: str,
    persons: list[tuple[str, str, str]],
    field: str,
    code: str,
) -> None:
    world = lists_world
    with pytest.raises(InvalidInput) as refused:
        entries.propose(
            db,
            clock,
            actor(world, "caseofficer2"),
            subject=world.subjects[subject],
            standard_code=standard,
            criteria_met="x",
            reasons="x",
            evidence="x",
            basis_record_ids=[basis_record(db, clock, world, world.subjects[subject]).id],
            responsible_persons=[entries.NamedPerson(*p) for p in persons],
        )
    assert (refused.value.field, refused.value.code) == (field, code)
    if code == "not_serious_organisation":
        assert refused.value.article == "Art. 18"
    assert db.scalar(select(ListEntry.id)) is None
    assert subjects.by_citizen_id(db, MANAGER_ID) is None


def test_the_proposal_page_takes_named_persons(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    basis = basis_record(db, clock, world, world.subjects["company"]).id
    db.commit()
    log_in(client, "caseofficer2")
    page = client.get("/lists-queue")
    assert 'name="person_citizen_id"' in page.text
    sent = client.post(
        "/lists-queue/propose",
        data={
            **proposal(world),
            "basis_record": [str(basis)],
            "person_role": ["directly_responsible", "principal", "principal"],
            "person_name": ["林某", "", ""],
            "person_citizen_id": [MANAGER_ID, "", ""],
            "csrf_token": token(client, "/lists-queue"),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    # The queue then says what the step did.
    assert sent.headers["location"] == "/lists-queue?done=proposed"
    assert 'class="result ok"' in client.get(sent.headers["location"]).text
    (entry_id,) = db.scalars(select(ListEntry.id)).all()
    manager = subjects.by_citizen_id(db, MANAGER_ID)
    assert manager is not None
    assert persons_of(db, entry_id) == [("directly_responsible", "林某", manager.id)]
    # The reviewing officer sees whom the proposal names, the ID number masked.
    queue = client.get("/lists-queue").text
    table = queue[queue.index('class="named-persons"') :]
    table = table[: table.index("</table>")]
    assert "林某" in table
    assert mask_citizen_id(MANAGER_ID) in table
    assert MANAGER_ID not in queue


def test_a_refused_proposal_keeps_what_was_typed_except_id_numbers(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    basis = basis_record(db, clock, world, world.subjects["company"]).id
    db.commit()
    log_in(client, "caseofficer2")
    bad_id = MANAGER_ID[:-1] + ("0" if MANAGER_ID[-1] != "0" else "1")
    page = client.post(
        "/lists-queue/propose",
        data={
            **proposal(world),
            "basis_record": [str(basis)],
            "person_role": ["principal", "principal", "principal"],
            "person_name": ["林某", "", ""],
            "person_citizen_id": [bad_id, "", ""],
            "csrf_token": token(client, "/lists-queue"),
        },
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert error_code(page) == "check_character"
    # Named by the form's field, and marked on the row it was typed in.
    assert "responsible_persons[0]" not in page.text
    assert "<dd>person_citizen_id</dd>" in page.text
    row = page.text.split('id="p-person-id-0"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in row
    assert 'aria-invalid="true"' not in page.text.split('id="p-person-id-1"', 1)[1].split(">", 1)[0]
    # The officer's text is there to correct; the ID numbers are not sent back.
    assert "串通投标，情节严重" in page.text
    assert f'value="{world.subjects["company"].uscc}"' in page.text
    assert 'value="林某"' in page.text
    assert bad_id not in page.text
    assert db.scalar(select(ListEntry.id)) is None


def test_approval_inside_the_objection_window_is_refused_on_the_queue(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code=SERIOUS_STANDARD,
        criteria_met="以欺诈手段严重破坏公平竞争秩序",
        reasons="串通投标，情节严重",
        evidence="榕市监罚〔2026〕88号",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    db.flush()
    log_in(client, "caseofficer2")
    page = client.post(
        f"/lists-queue/{entry.id}/decide",
        data={
            "decision": "approve",
            "reasons": "符合认定标准",
            "csrf_token": token(client, "/lists-queue"),
        },
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert error_code(page) == "window_open"
    article = page.text[page.text.index(f'id="entry-{entry.id}"') :]
    article = article[: article.index("</article>")]
    assert 'role="alert"' in article
    assert "第十五条第二款" in article  # Art. 15 ¶2, as a Chinese page cites it
    db.expire_all()
    assert db.get(ListEntry, entry.id).status.value == "noticed"  # type: ignore[union-attr]


def _lookups_of(db: Session, person_id: int) -> tuple[list[str], list[str]]:
    """The person's lookups by ID number: in the audit trail (outcomes) and in their access
    log (what)."""
    audited = db.scalars(
        select(AuditEvent.outcome).where(
            AuditEvent.action == subjects.PERSON_LOOKUP_ACTION,
            AuditEvent.target_id == str(person_id),
        )
    ).all()
    logged = db.scalars(
        select(AccessEvent.what).where(
            AccessEvent.subject_id == person_id, AccessEvent.what == access.PERSON_LOOKUP
        )
    ).all()
    return list(audited), list(logged)


def test_a_registered_person_named_under_another_name_is_refused_and_the_lookup_logged(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Art. 18: a proposal naming 张三丰 by 王某某's ID number (a digit mistyped) would put
    the measures on 王某某. Refused on the name's field; the lookup that found 王某某 stays
    audited and in their access log though the request is rolled back."""
    world = lists_world
    person = world.subjects["person"]
    basis = basis_record(db, clock, world, world.subjects["company"]).id
    db.commit()
    answer = client.post(
        "/api/v1/list-entries",
        json={
            **proposal(world),
            "basis_record_ids": [basis],
            "responsible_persons": [
                {"role": "principal", "name": "林某", "citizen_id": MANAGER_ID},
                {
                    "role": "directly_responsible",
                    "name": "张三丰",
                    "citizen_id": citizen_id_of(person),
                },
            ],
        },
        headers=headers(client, "caseofficer2"),
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "name_mismatch",
        "responsible_persons[1].name",
        "Art. 18",
    )
    assert "王某某" not in answer.text
    db.expire_all()
    assert db.scalar(select(ListEntry.id)) is None
    assert subjects.by_citizen_id(db, MANAGER_ID) is None  # the first person: rolled back
    assert _lookups_of(db, person.id) == (["ok"], [access.PERSON_LOOKUP])

    # The registered name (or a former one) is theirs: named, and the lookup logged.
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer2"),
        subject=world.subjects["company"],
        standard_code=SERIOUS_STANDARD,
        criteria_met="x",
        reasons="x",
        evidence="x",
        basis_record_ids=[basis],
        responsible_persons=[
            entries.NamedPerson("directly_responsible", "王某某", citizen_id_of(person))
        ],
    )
    assert persons_of(db, entry.id) == [("directly_responsible", "王某某", person.id)]
    assert _lookups_of(db, person.id) == (["ok", "ok"], [access.PERSON_LOOKUP] * 2)


def test_the_proposal_page_shows_a_name_mismatch_on_the_persons_row(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    basis = basis_record(db, clock, world, world.subjects["company"]).id
    db.commit()
    log_in(client, "caseofficer2")
    page = client.post(
        "/lists-queue/propose",
        data={
            **proposal(world),
            "basis_record": [str(basis)],
            "person_role": ["directly_responsible", "principal", "principal"],
            "person_name": ["张三丰", "", ""],
            "person_citizen_id": [citizen_id_of(person), "", ""],
            "csrf_token": token(client, "/lists-queue"),
        },
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert error_code(page) == "name_mismatch"
    row = page.text.split('id="p-person-name-0"', 1)[1].split(">", 1)[0]
    assert 'aria-invalid="true"' in row
    assert 'value="张三丰"' in row
    assert "王某某" not in page.text
    assert citizen_id_of(person) not in page.text
    db.expire_all()
    assert db.scalar(select(ListEntry.id)) is None
    assert _lookups_of(db, person.id) == (["ok"], [access.PERSON_LOOKUP])
