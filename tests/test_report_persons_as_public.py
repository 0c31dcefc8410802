"""A credit report read by anyone but its subject shows the persons answering for an
organisation as the public register and lists show them (Art. 13 ¶3, 18, 24; decisions 0036,
0037; review r12): the legal representative by the name a registration record in the report
states, the persons its list entries name by capacity and masked name, and nobody else; the
public version's list-entry reasons mask the persons the lists mask. The subject's own report
names them all in full."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import json
import random

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import ingest, problems_of, source_columns, subject_row
from tests.disclosure_helpers import ITEM, MATTER_CODE, authorise, make_query_item
from tests.factories import World
from tests.lists_helpers import (
    REGISTRATION,
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.clock import FixedClock
from xinyong.disclosure import reports
from xinyong.disclosure.models import AccessEvent
from xinyong.disclosure.rendering import report_html
from xinyong.lists import responsible_register as register
from xinyong.subjects.models import ResponsibleRole, Subject
from xinyong.synthetic import make_citizen_id

_rng = random.Random(20261202)
CHEN = ("陈某某", make_citizen_id(_rng, division="350103"))
LIN = ("林某某", make_citizen_id(_rng, division="350104"))
ZHENG = ("郑某某", make_citizen_id(_rng, division="350105"))
PENALTY = "administrative_penalty"


def _register(
    db: Session, clock: FixedClock, world: World, role: ResponsibleRole, who: tuple[str, str]
) -> int:
    link = register.register_person(
        db,
        clock,
        actor(world, "reporter"),
        world.subjects["company"],
        role=role,
        citizen_id=who[1],
        name=who[0],
        basis="登记档案 2026-01",
    )
    assert link.person_subject_id is not None
    return link.person_subject_id


def _log_count(db: Session, person_id: int) -> int:
    return int(
        db.scalar(select(func.count(AccessEvent.id)).where(AccessEvent.subject_id == person_id))
        or 0
    )


def _public_report(db: Session, clock: FixedClock, world: World) -> dict:
    """A report issued on a query item stating no statutory exception: the public version."""
    issued = reports.issue(
        db,
        clock,
        actor(world, "querier"),
        world.subjects["company"],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )
    db.commit()
    assert issued.content["public_version"] is True
    content: dict = json.loads(issued.body)
    return content


def test_a_public_version_report_names_no_registered_person_the_public_does_not_see(
    db: Session, clock: FixedClock, lists_world: World, client: TestClient
) -> None:
    world = lists_world
    company: Subject = world.subjects["company"]
    chen = _register(db, clock, world, ResponsibleRole.DIRECTLY_RESPONSIBLE, CHEN)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()
    before = _log_count(db, chen)

    content = _public_report(db, clock, world)
    assert content["subject"]["responsible_persons"] == []
    assert CHEN[0] not in json.dumps(content, ensure_ascii=False)
    assert CHEN[0] not in report_html(content, printed=True)
    # What the register's own API gives the same reader: the public view, naming nobody.
    answer = client.get(
        f"/api/v1/subjects/{company.uscc}/responsible-persons", headers=headers(client, "querier")
    )
    assert answer.json()["view"] == "public"
    assert answer.json()["items"] == []
    assert _log_count(db, chen) == before


def test_a_bank_on_the_companys_authorisation_sees_persons_as_the_public_does(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company: Subject = world.subjects["company"]
    chen = _register(db, clock, world, ResponsibleRole.LEGAL_REPRESENTATIVE, CHEN)
    _register(db, clock, world, ResponsibleRole.DIRECTLY_RESPONSIBLE, LIN)
    published_entry(
        db, clock, world, company, "serious_fair_competition", reasons="林某某组织串通投标"
    )
    authorise(db, clock, world, account="company", record_types=("contract_performance",))
    db.commit()
    before = _log_count(db, chen)

    issued = reports.issue(db, clock, actor(world, "analyst"), company)
    db.commit()
    assert issued.content["public_version"] is False
    persons = issued.content["subject"]["responsible_persons"]
    # The entry names both (the legal representative registered, the other proposed or
    # registered), by capacity and masked name, as the public lists do.
    assert {"role": "legal_representative", "name": "陈**"} in persons
    assert CHEN[0] not in json.dumps(persons, ensure_ascii=False)
    assert LIN[0] not in json.dumps(persons, ensure_ascii=False)
    assert _log_count(db, chen) == before

    # The subject's own report names them in full.
    own = reports.issue(db, clock, actor(world, "company"), company)
    assert {"role": "legal_representative", "name": CHEN[0]} in own.content["subject"][
        "responsible_persons"
    ]
    assert {"role": "directly_responsible", "name": LIN[0]} in own.content["subject"][
        "responsible_persons"
    ]


def test_the_public_version_masks_the_named_persons_in_an_entrys_reasons(
    db: Session, clock: FixedClock, lists_world: World, client: TestClient
) -> None:
    world = lists_world
    company: Subject = world.subjects["company"]
    _register(db, clock, world, ResponsibleRole.LEGAL_REPRESENTATIVE, CHEN)
    published_entry(
        db,
        clock,
        world,
        company,
        "serious_fair_competition",
        reasons="法定代表人陈某某组织串通投标",
    )
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()
    public_list = client.get("/api/v1/lists/black").text
    assert "陈**组织串通投标" in public_list

    content = _public_report(db, clock, world)
    (entry,) = content["list_entries"]
    assert entry["reasons"] == "法定代表人陈**组织串通投标"
    assert content["subject"]["responsible_persons"] == [
        {"role": "legal_representative", "name": "陈**"}
    ]
    printed = report_html(content, printed=True)
    assert CHEN[0] not in printed
    assert "陈**" in printed


def test_the_legal_representative_a_public_registration_record_states_is_named(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """The public file shows a registration record's legal representative: the report's
    basic information may name him as the record in the same report does, and no more."""
    world = lists_world
    company: Subject = world.subjects["company"]
    regulator = world.organisations["regulator"]
    row = {
        **subject_row(company.name, uscc=company.uscc or ""),
        "entity_type": "有限责任公司",
        "established_on": "2018-03-01",
        "registration_authority": regulator.name,
        "legal_representative": ZHENG[0],
        "id_type": "身份证",
        "id_number": ZHENG[1],
        **source_columns(regulator),
    }
    batch = ingest(
        db, clock, regulator, [row], record_type=REGISTRATION, actor=actor(world, "reporter")
    )
    assert problems_of(batch) == []
    _register(db, clock, world, ResponsibleRole.DIRECTLY_RESPONSIBLE, LIN)
    make_query_item(
        db, clock, world, record_types=(PENALTY, REGISTRATION), statutory_exception=None
    )
    db.commit()

    content = _public_report(db, clock, world)
    assert content["subject"]["responsible_persons"] == [
        {"role": "legal_representative", "name": ZHENG[0]}
    ]
    assert LIN[0] not in json.dumps(content, ensure_ascii=False)
