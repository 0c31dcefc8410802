"""Subjects: registering organisations and persons, lookup, renames, responsible persons."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from xinyong import identifiers
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from xinyong.subjects import service as subjects
from xinyong.subjects.models import (
    ResponsiblePerson,
    ResponsibleRole,
    Subject,
    SubjectKind,
    SubjectName,
)

VALID_USCC = "91350100M000100Y43"
# Position 18 matches positions 1-17, but position 17 is not the GB 11714 check over 9-16:
# the defect some real, registered codes have.
BAD_POSITION_17 = "91350100M000100Y0N"
# Position 18 wrong: a typing error.
BAD_POSITION_18 = "91350100M000100Y44"
CITIZEN_ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for the world's accounts; tests/test_accounts.py checks the
    real hasher."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def actor(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def last_event(db: Session, action: str) -> AuditEvent:
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None, f"no {action} event"
    return event


# --- organisations ---------------------------------------------------------------------------


def test_register_organisation(db: Session, clock: FixedClock) -> None:
    subject = subjects.register_organisation(
        db,
        clock,
        SYSTEM_ACTOR,
        name=" 福州测试科技有限公司 ",
        uscc=VALID_USCC.lower(),
        former_names=("福州测试科技店", " "),
    )
    assert subject.uscc == VALID_USCC
    assert subject.reference == VALID_USCC
    assert subject.name == "福州测试科技有限公司"
    assert subject.kind is SubjectKind.LEGAL_PERSON
    assert subject.division == "350100"
    assert subject.uscc_unverified is False
    assert subject.citizen_id_ciphertext is None
    assert [(n.name, n.current) for n in subject.names] == [
        ("福州测试科技有限公司", True),
        ("福州测试科技店", False),
    ]
    assert subjects.by_uscc(db, VALID_USCC) is subject
    assert subjects.by_reference(db, VALID_USCC.lower()) is subject
    event = last_event(db, "subject.register")
    assert event.target_id == str(subject.id)
    assert event.details == {"kind": "legal_person", "unverified_check_character": False}


def test_individual_business_is_an_unincorporated_organisation(
    db: Session, clock: FixedClock
) -> None:
    subject = subjects.register_organisation(
        db, clock, SYSTEM_ACTOR, name="福州鼓楼区老王小吃店", uscc="923501008HFML5U07D"
    )
    assert subject.kind is SubjectKind.UNINCORPORATED_ORGANISATION
    assert subject.is_organisation


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("", "empty"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100YI3", "charset"),
        (BAD_POSITION_18, "check_character"),
        (BAD_POSITION_17, "organisation_code_check"),
    ],
)
def test_register_organisation_refuses_an_invalid_code(
    db: Session, clock: FixedClock, code: str, error_code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.register_organisation(db, clock, SYSTEM_ACTOR, name="某公司", uscc=code)
    assert refused.value.code == error_code
    assert refused.value.field == "uscc"


def test_register_organisation_needs_a_name(db: Session, clock: FixedClock) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.register_organisation(db, clock, SYSTEM_ACTOR, name="  ", uscc=VALID_USCC)
    assert refused.value.field == "name"


def test_register_organisation_refuses_a_duplicate(db: Session, clock: FixedClock) -> None:
    subjects.register_organisation(db, clock, SYSTEM_ACTOR, name="甲公司", uscc=VALID_USCC)
    with pytest.raises(Conflict) as refused:
        subjects.register_organisation(
            db, clock, SYSTEM_ACTOR, name="乙公司", uscc=f" {VALID_USCC[:9]}-{VALID_USCC[9:]}"
        )
    assert refused.value.code == "duplicate"
    assert refused.value.field == "uscc"


def test_override_for_a_real_code_with_a_defective_check_character(
    db: Session, clock: FixedClock, world: World
) -> None:
    subject = subjects.register_organisation(
        db,
        clock,
        actor(world, "authority"),
        name="福州老字号有限公司",
        uscc=BAD_POSITION_17,
        override_check_character=True,
    )
    assert subject.uscc == BAD_POSITION_17
    assert subject.uscc_unverified is True
    event = last_event(db, "subject.register")
    assert event.target_id == str(subject.id)
    assert event.actor_id == f"user:{world.users['authority'].id}"
    assert event.actor_role == "credit_authority_officer"
    assert event.details["unverified_check_character"] is True
    assert audit.verify(db).ok


@pytest.mark.parametrize("username", ["reporter", "querier", "admin", "caseofficer", "company"])
def test_only_a_credit_authority_officer_may_override(
    db: Session, clock: FixedClock, world: World, username: str
) -> None:
    with pytest.raises(PermissionDenied):
        subjects.register_organisation(
            db,
            clock,
            actor(world, username),
            name="福州老字号有限公司",
            uscc=BAD_POSITION_17,
            override_check_character=True,
        )
    assert subjects.by_uscc(db, BAD_POSITION_17) is None


def test_anonymous_may_not_override(db: Session, clock: FixedClock) -> None:
    from xinyong.accounts.permissions import ANONYMOUS_ACTOR

    with pytest.raises(NotAuthenticated):
        subjects.register_organisation(
            db,
            clock,
            ANONYMOUS_ACTOR,
            name="福州老字号有限公司",
            uscc=BAD_POSITION_17,
            override_check_character=True,
        )


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        # A wrong position 18 is a typing error (any single substitution changes it), so no
        # override lets it in: the identifiers module tells the public the same.
        (BAD_POSITION_18, "check_character"),
        ("91350100M000100YI3", "charset"),
        ("91350100M000100Y4", "length"),
    ],
)
def test_override_never_admits_a_typo(
    db: Session, clock: FixedClock, world: World, code: str, error_code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.register_organisation(
            db,
            clock,
            actor(world, "authority"),
            name="某公司",
            uscc=code,
            override_check_character=True,
        )
    assert refused.value.code == error_code


def test_unverified_code_is_shown_on_the_public_page_data(
    db: Session, clock: FixedClock, world: World
) -> None:
    subjects.register_organisation(
        db,
        clock,
        actor(world, "authority"),
        name="福州老字号有限公司",
        uscc=BAD_POSITION_17,
        override_check_character=True,
    )
    hits = subjects.search_organisations(db, BAD_POSITION_17).hits
    assert hits[0].subject.uscc_unverified is True


# --- natural persons -------------------------------------------------------------------------


def test_register_natural_person_stores_no_clear_id(db: Session, clock: FixedClock) -> None:
    person = subjects.register_natural_person(
        db, clock, SYSTEM_ACTOR, name="张三", citizen_id=CITIZEN_ID.lower()
    )
    db.flush()
    row = db.execute(
        select(
            Subject.citizen_id_ciphertext,
            Subject.citizen_id_index,
            Subject.citizen_id_masked,
            Subject.reference,
            Subject.uscc,
            Subject.kind,
        ).where(Subject.id == person.id)
    ).one()
    assert row.citizen_id_ciphertext
    assert CITIZEN_ID not in row.citizen_id_ciphertext
    assert len(row.citizen_id_index) == 64
    assert int(row.citizen_id_index, 16) >= 0
    assert row.citizen_id_masked == "110105********002X"
    assert row.reference.startswith("P")
    assert CITIZEN_ID not in row.reference
    assert row.uscc is None
    assert row.kind is SubjectKind.NATURAL_PERSON
    assert subjects.reveal_citizen_id(person) == CITIZEN_ID
    assert person.public_code == "110105********002X"
    assert not person.is_organisation


def test_two_registrations_encrypt_differently(db: Session, clock: FixedClock) -> None:
    # Random nonces: equal IDs do not give equal ciphertexts (only the blind index is equal).
    first = subjects.register_natural_person(
        db, clock, SYSTEM_ACTOR, name="张三", citizen_id=CITIZEN_ID
    )
    cipher = subjects.default_cipher()
    again = cipher.encrypt(CITIZEN_ID, context=subjects.CITIZEN_ID_CONTEXT)
    assert again != first.citizen_id_ciphertext
    assert subjects.citizen_id_index(CITIZEN_ID) == first.citizen_id_index


def test_by_citizen_id_finds_the_person(db: Session, clock: FixedClock) -> None:
    person = subjects.register_natural_person(
        db, clock, SYSTEM_ACTOR, name="张三", citizen_id=CITIZEN_ID
    )
    assert subjects.by_citizen_id(db, CITIZEN_ID) is person
    assert subjects.by_citizen_id(db, "110105 19491231 002x") is person
    assert subjects.by_citizen_id(db, "110105194912310038") is None


def test_register_natural_person_refuses_duplicates(db: Session, clock: FixedClock) -> None:
    subjects.register_natural_person(db, clock, SYSTEM_ACTOR, name="张三", citizen_id=CITIZEN_ID)
    with pytest.raises(Conflict) as refused:
        subjects.register_natural_person(
            db, clock, SYSTEM_ACTOR, name="张三丰", citizen_id=CITIZEN_ID.lower()
        )
    assert refused.value.field == "citizen_id"
    assert CITIZEN_ID not in refused.value.message


@pytest.mark.parametrize(
    ("citizen_id", "error_code"),
    [
        ("110105194912310021", "check_character"),
        ("110105194913310021", "birth_date"),
        ("011051949123100211", "address_code"),
        ("11010519491231002", "length"),
        ("91350100M000100Y43", "charset"),  # an organisation's code is not a person's
    ],
)
def test_register_natural_person_refuses_invalid_ids(
    db: Session, clock: FixedClock, citizen_id: str, error_code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.register_natural_person(
            db, clock, SYSTEM_ACTOR, name="张三", citizen_id=citizen_id
        )
    assert refused.value.code == error_code
    assert refused.value.field == "citizen_id"
    assert citizen_id not in refused.value.message
    assert citizen_id not in str(refused.value)


def test_lookup_person_requires_permission_and_is_audited(
    db: Session, clock: FixedClock, world: World
) -> None:
    person = world.subjects["person"]
    citizen_id = subjects.reveal_citizen_id(person)
    assert citizen_id is not None
    found = subjects.lookup_person(db, clock, actor(world, "querier"), citizen_id)
    assert found is person
    event = last_event(db, "subject.lookup_person")
    assert event.outcome == "ok"
    assert event.target_id == str(person.id)
    assert event.actor_id == f"user:{world.users['querier'].id}"
    assert citizen_id not in audit.canonical_json(event.details)
    assert citizen_id not in (event.target_id or "")

    for username in ("reporter", "admin", "analyst", "citizen", "objections"):
        with pytest.raises(PermissionDenied):
            subjects.lookup_person(db, clock, actor(world, username), citizen_id)

    unknown = "110105194912310038"
    assert identifiers.check_citizen_id(unknown, today=clock.today()).valid
    with pytest.raises(NotFound) as missing:
        subjects.lookup_person(db, clock, actor(world, "caseofficer"), unknown)
    assert unknown not in missing.value.message
    # The failed lookup's audit is the refusal's aftermath, written once the caller has
    # rolled back the refused work (as the API and the pages do).
    assert missing.value.aftermath is not None
    missing.value.aftermath(db)
    not_found = last_event(db, "subject.lookup_person")
    assert not_found.outcome == "not_found"
    assert not_found.target_id is None
    assert unknown not in audit.canonical_json(not_found.details)


def test_lookup_person_refuses_an_invalid_id_without_echoing_it(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.lookup_person(db, clock, actor(world, "querier"), "110105194912310021")
    assert "110105194912310021" not in refused.value.message


def test_persons_are_not_found_by_reference_lookups_of_their_id(db: Session, world: World) -> None:
    citizen_id = subjects.reveal_citizen_id(world.subjects["person"])
    assert citizen_id is not None
    with pytest.raises(NotFound):
        subjects.by_reference(db, citizen_id)
    assert subjects.by_uscc(db, citizen_id) is None


# --- names -----------------------------------------------------------------------------------


def test_rename_keeps_the_old_name_searchable(db: Session, clock: FixedClock, world: World) -> None:
    company = world.subjects["other_company"]
    subjects.rename(db, clock, SYSTEM_ACTOR, company, "福州闽江供应链管理有限公司")
    assert company.name == "福州闽江供应链管理有限公司"
    current = [n.name for n in company.names if n.current]
    former = [n for n in company.names if not n.current]
    assert current == ["福州闽江供应链管理有限公司"]
    assert [n.name for n in former] == ["福州海峡物流有限公司"]
    assert former[0].valid_to == clock.today()

    by_old = subjects.search_organisations(db, "福州海峡物流有限公司").hits
    assert by_old[0].subject is company
    assert by_old[0].matched_name == "福州海峡物流有限公司"
    by_new = subjects.search_organisations(db, "闽江供应链管理").hits
    assert by_new[0].subject is company
    assert last_event(db, "subject.rename").target_id == str(company.id)


def test_rename_needs_a_name(db: Session, clock: FixedClock, world: World) -> None:
    with pytest.raises(InvalidInput):
        subjects.rename(db, clock, SYSTEM_ACTOR, world.subjects["company"], " ")


def test_search_skips_natural_persons(db: Session, world: World) -> None:
    assert subjects.search_organisations(db, "王某某").hits == []
    assert subjects.search_organisations(db, "").hits == []
    names = db.scalars(
        select(SubjectName.name).where(SubjectName.subject_id == world.subjects["person"].id)
    ).all()
    assert names == ["王某某"]


# --- responsible persons (Art. 18) -----------------------------------------------------------


def test_responsible_person_links_a_natural_person_subject(
    db: Session, clock: FixedClock, world: World
) -> None:
    company = world.subjects["company"]
    link = subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name="陈某",
        citizen_id="35010319800101123X",
    )
    assert link.organisation_subject_id == company.id
    assert link.role is ResponsibleRole.LEGAL_REPRESENTATIVE
    assert link.valid_from == clock.today()
    person = link.person
    assert person is not None
    assert person.kind is SubjectKind.NATURAL_PERSON
    assert subjects.by_citizen_id(db, "35010319800101123X") is person
    assert company.responsible_persons == [link]
    event = last_event(db, "subject.responsible_person.add")
    assert event.target_id == str(company.id)
    assert "35010319800101123X" not in audit.canonical_json(event.details)


def test_the_same_person_is_one_subject_across_organisations(
    db: Session, clock: FixedClock, world: World
) -> None:
    citizen_id = subjects.reveal_citizen_id(world.subjects["person"])
    assert citizen_id is not None
    for company, role in (
        (world.subjects["company"], ResponsibleRole.PRINCIPAL),
        (world.subjects["other_company"], ResponsibleRole.DIRECTLY_RESPONSIBLE),
    ):
        link = subjects.add_responsible_person(
            db, clock, SYSTEM_ACTOR, company, role=role, name="王某某", citizen_id=citizen_id
        )
        assert link.person_subject_id == world.subjects["person"].id
    persons = db.scalars(
        select(Subject.id).where(Subject.citizen_id_index == subjects.citizen_id_index(citizen_id))
    ).all()
    assert len(persons) == 1
    assert db.scalar(select(ResponsiblePerson.id).where(ResponsiblePerson.role == "principal"))


def test_only_organisations_have_responsible_persons(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.add_responsible_person(
            db,
            clock,
            SYSTEM_ACTOR,
            world.subjects["person"],
            role=ResponsibleRole.PRINCIPAL,
            name="陈某",
            citizen_id="35010319800101123X",
        )
    assert refused.value.code == "not_organisation"


def test_responsible_person_with_an_invalid_id_is_refused(
    db: Session, clock: FixedClock, world: World
) -> None:
    with pytest.raises(InvalidInput) as refused:
        subjects.add_responsible_person(
            db,
            clock,
            SYSTEM_ACTOR,
            world.subjects["company"],
            role=ResponsibleRole.PRINCIPAL,
            name="陈某",
            citizen_id="350103198001011230",
        )
    assert refused.value.code == "check_character"
    assert "350103198001011230" not in refused.value.message
