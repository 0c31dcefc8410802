"""A natural person's objection to the name it is registered under (Art. 25; decision 0051):
raised by the person or recorded on its behalf, decided by the credit authority's handler,
and, upheld, the name corrected with the wrong one kept as a dated former name."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    held_person_row,
    ingest,
    names_of,
    person_penalty_row,
)
from tests.factories import World
from tests.name_objection_helpers import CORRECT_NAME, EVIDENCE, PNG, raised
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import held_rows
from xinyong.disclosure import access, rendering, reports
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from xinyong.objections import names as name_objections
from xinyong.objections.models import NameObjectionStatus
from xinyong.subjects import service as subjects


def as_user(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def logged(db: Session, subject_id: int) -> list[AccessEvent]:
    return list(
        db.scalars(
            select(AccessEvent).where(
                AccessEvent.subject_id == subject_id,
                AccessEvent.what == access.NAME_OBJECTION,
            )
        )
    )


def test_upheld_the_name_is_corrected_and_the_wrong_one_kept_dated_as_corrected(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    registered = person.name
    objection = raised(world)
    db.commit()
    assert objection.status is NameObjectionStatus.RECEIVED
    assert objection.registered_name == registered
    (deadline,) = name_objections.deadlines(db, clock, objection)
    assert deadline.what == "decide"
    assert not deadline.overdue
    # The evidence is kept encrypted, and read back as it was given.
    assert objection.evidence_ciphertext is not None
    assert "PNG" not in objection.evidence_ciphertext
    handler = as_user(world, "objections")
    assert name_objections.evidence(db, clock, handler, objection.id).content == PNG

    clock.advance(dt.timedelta(days=1))
    name_objections.decide(
        db, clock, handler, objection.id, outcome="upheld", reasons="与身份证核对一致"
    )
    db.commit()
    db.refresh(person)
    assert person.name == CORRECT_NAME
    today = clock.today()
    assert names_of(db, person) == [
        (registered, False, None, today),
        (CORRECT_NAME, True, today, None),
    ]
    # The wrong name stays in the file's history, dated, as a correction — not as a name the
    # person once bore (session 24 addendum to decision 0051).
    assert name_objections.former_names(person) == []
    (wrong,) = (row for row in person.names if row.name == registered)
    assert wrong.corrected_on == today
    (change,) = name_objections.changes_of(db, person)
    assert (change.before, change.after, change.objection_id) == (
        registered,
        CORRECT_NAME,
        objection.id,
    )
    assert change.reasons == "与身份证核对一致"
    # The name check knows the corrected name only; the rename names the decision.
    assert subjects.bears_name(person, CORRECT_NAME)
    assert not subjects.bears_name(person, registered)
    (rename,) = events(db, "subject.rename")
    assert rename.details["name_objection"] == objection.id
    (decided,) = events(db, "name_objection.decide")
    assert decided.details == {"subject": person.id, "outcome": "upheld"}
    # The handler's reads (evidence, case) are in the person's log, on official duty,
    # each witnessed by its audit event: the chain verifies.
    assert logged(db, person.id)
    assert audit.verify(db).ok


def test_rejected_the_name_stands_with_the_reasons(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    objection = raised(world)
    name_objections.decide(
        db,
        clock,
        as_user(world, "objections"),
        objection.id,
        outcome="rejected",
        reasons="证件不符",
    )
    db.commit()
    db.refresh(person)
    assert person.name == "王某某"
    assert objection.status is NameObjectionStatus.REJECTED
    assert name_objections.changes_of(db, person) == []
    with pytest.raises(Conflict) as closed:
        name_objections.decide(
            db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="x"
        )
    assert closed.value.code == "objection_closed"


def test_deciding_without_reading_first_is_in_the_persons_access_log_once(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """The decision answers with the case (names, statement, the person's code): decided
    through the API without a read first, that use was in no log (review, session 23). A
    read and the decision in one transaction are one use; another transaction another."""
    world = collection_world
    person = world.subjects["person"]
    handler = as_user(world, "objections")
    objection = raised(world)
    db.commit()
    before = len(logged(db, person.id))
    name_objections.decide(db, clock, handler, objection.id, outcome="rejected", reasons="证件不符")
    db.commit()
    entries = sorted(logged(db, person.id), key=lambda e: e.id)[before:]
    assert [(e.user_id, e.purpose) for e in entries] == [
        (world.users["objections"].id, name_objections.CASE_PURPOSE)
    ]
    another = raised(world, name="王某二")
    db.commit()
    before = len(logged(db, person.id))
    name_objections.case(db, clock, handler, another.id)
    name_objections.decide(db, clock, handler, another.id, outcome="rejected", reasons="证件不符")
    db.commit()
    assert len(logged(db, person.id)) == before + 1
    name_objections.case(db, clock, handler, another.id)
    db.commit()
    assert len(logged(db, person.id)) == before + 2


def test_after_correction_held_rows_stay_held_and_their_page_says_the_name_is_borne(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Rows held under the corrected name are not released by it: a person decides each
    (decision 0050). Their review says the subject bears the row's name now; a new row under
    it passes."""
    world = collection_world
    person = world.subjects["person"]
    held = held_person_row(db, clock, world)  # under 王某
    before = held_rows.held_row(db, clock, as_user(world, "authority"), held.id)
    assert not before.name_now_borne
    objection = raised(world)
    name_objections.decide(
        db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="核对一致"
    )
    db.commit()
    db.refresh(held)
    assert held.resolved_at is None
    after = held_rows.held_row(db, clock, as_user(world, "authority"), held.id)
    assert after.name_now_borne
    report = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [person_penalty_row(world, citizen_id_of(person), CORRECT_NAME)],
    )
    assert report.batch.held == 0


def test_after_correction_a_row_under_the_wrong_name_is_held(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """The name corrected on objection was never the person's: a source still sending rows
    under it (its own copy of the typo) has them held for review like any other wrong name
    (Art. 4 ¶2), where before the correction they passed."""
    world = collection_world
    person = world.subjects["person"]
    wrong = person.name
    before = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [person_penalty_row(world, citizen_id_of(person), wrong)],
    )
    assert before.batch.held == 0
    objection = raised(world)
    name_objections.decide(
        db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="核对一致"
    )
    db.commit()
    after = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [person_penalty_row(world, citizen_id_of(person), wrong)],
    )
    assert after.batch.held == 1
    (problem,) = after.problems
    assert problem.code == "name_mismatch"


def test_the_handler_records_it_on_the_persons_behalf(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    person = world.subjects["person"]
    handler = as_user(world, "objections")
    objection = name_objections.record_on_behalf(
        db,
        clock,
        handler,
        citizen_id=citizen_id_of(person),
        name=CORRECT_NAME,
        statement="",
        evidence=EVIDENCE,
    )
    assert objection.on_behalf
    assert objection.subject_id == person.id
    # Found by ID number: in the person's log and the audit, as any lookup.
    (found,) = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == person.id, AccessEvent.what == access.PERSON_LOOKUP
        )
    ).all()
    assert found.purpose == name_objections.CASE_PURPOSE
    with pytest.raises(NotFound) as unknown:
        name_objections.record_on_behalf(
            db,
            clock,
            handler,
            citizen_id=NEW_PERSON_ID,
            name=CORRECT_NAME,
            statement="",
            evidence=EVIDENCE,
        )
    assert unknown.value.code == "unknown_subject"
    assert unknown.value.article == "Art. 25"
    # Only the credit authority's handler records it.
    with pytest.raises(PermissionDenied):
        name_objections.record_on_behalf(
            db,
            clock,
            as_user(world, "authority"),
            citizen_id=citizen_id_of(person),
            name=CORRECT_NAME,
            statement="",
            evidence=EVIDENCE,
        )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "required"),
        ("   ", "required"),
        ("王" * 201, "too_long"),
        ("王某某", "name_unchanged"),
        ("王\u200b某", "invalid_characters"),
    ],
)
def test_a_bad_name_is_refused_on_its_field(
    collection_world: World, db: Session, clock: FixedClock, name: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        raised(collection_world, name=name)
    assert (refused.value.code, refused.value.field) == (code, "name")


def test_evidence_is_needed_and_checked(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    actor = as_user(collection_world, "citizen")
    for evidence, code in (
        ("", "evidence_required"),
        ("bm90IGFuIGltYWdl", "evidence_type_unsupported"),
    ):
        with pytest.raises(InvalidInput) as refused:
            name_objections.raise_objection(
                db, clock, actor, name=CORRECT_NAME, statement="", evidence=evidence
            )
        assert (refused.value.code, refused.value.field) == (code, "evidence")
        # Evidence for an objection, not for a written authorisation (Art. 13 ¶3).
        assert refused.value.article == "Art. 25"


def test_one_open_objection_per_person_and_organisations_are_refused(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    raised(world)
    with pytest.raises(Conflict) as pending:
        raised(world, name="王某一")
    assert (pending.value.code, pending.value.article) == ("name_objection_pending", "Art. 25")
    with pytest.raises(PermissionDenied) as company:
        raised(world, account="company", name="福州晨光")
    assert company.value.code == "not_natural_person"
    # Staff do not raise one as the person: they record it on its behalf.
    with pytest.raises(PermissionDenied):
        raised(world, account="objections")


def test_another_persons_case_is_answered_as_missing(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    objection = raised(world)
    with pytest.raises(ConcealedRefusal):
        name_objections.case(db, clock, as_user(world, "other_citizen"), objection.id)
    with pytest.raises(ConcealedRefusal):
        name_objections.evidence(db, clock, as_user(world, "other_citizen"), objection.id)
    with pytest.raises(PermissionDenied):
        name_objections.case(db, clock, as_user(world, "reporter"), objection.id)
    with pytest.raises(PermissionDenied):
        name_objections.decide(
            db, clock, as_user(world, "citizen"), objection.id, outcome="upheld", reasons="x"
        )


def test_the_queue_logs_each_person_shown(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    objection = raised(world)
    (shown,) = name_objections.queue(db, clock, as_user(world, "objections"))
    assert shown.objection.id == objection.id
    assert logged(db, world.subjects["person"].id)
    (read,) = events(db, "name_objection.queue_read")
    assert read.details["cases"] == [objection.id]
    assert audit.verify(db).ok


def test_a_decision_needs_reasons_without_a_citizen_id(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    world = collection_world
    objection = raised(world)
    handler = as_user(world, "objections")
    number = citizen_id_of(world.subjects["person"])
    for reasons, code in (("", "required"), (f"证件号{number}", "citizen_id_in_text")):
        with pytest.raises(InvalidInput) as refused:
            name_objections.decide(
                db, clock, handler, objection.id, outcome="upheld", reasons=reasons
            )
        assert (refused.value.code, refused.value.field) == (code, "reasons")


@given(
    st.lists(
        st.sampled_from(["upheld", "rejected", "unconfirmed", "forward", ""]),
        max_size=4,
    )
)
def test_a_name_objection_is_decided_once_and_only_upheld_or_rejected(
    outcomes: list[str],
) -> None:
    status = NameObjectionStatus.RECEIVED
    decided = 0
    for outcome in outcomes:
        decidable = outcome in name_objections.DECISIONS and decided == 0
        if decidable:
            status = name_objections.next_status(status, outcome)
            decided += 1
            assert status.value == outcome
            continue
        expected = (
            "invalid_choice" if outcome not in name_objections.DECISIONS else "objection_closed"
        )
        with pytest.raises(DomainError) as refused:
            name_objections.next_status(status, outcome)
        assert refused.value.code == expected
    assert decided <= 1
    assert (status is NameObjectionStatus.RECEIVED) == (decided == 0)


def test_an_objection_to_a_name_no_longer_borne_is_not_upheld(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Renamed meanwhile (by whatever path), upholding would correct the wrong name."""
    world = collection_world
    person = world.subjects["person"]
    objection = raised(world)
    subjects.rename(db, clock, as_user(world, "authority"), person, "王某二")
    with pytest.raises(Conflict) as changed:
        name_objections.decide(
            db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="核对"
        )
    assert changed.value.code == "name_changed_meanwhile"


def test_evidence_past_its_size_is_refused(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    large = base64.b64encode(PNG + bytes(name_objections.MAX_EVIDENCE_BYTES)).decode()
    with pytest.raises(InvalidInput) as refused:
        name_objections.raise_objection(
            db,
            clock,
            as_user(collection_world, "citizen"),
            name=CORRECT_NAME,
            statement="",
            evidence=large,
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "too_large",
        "evidence",
        "Art. 25",
    )


def test_a_refused_record_on_behalf_keeps_its_lookup_in_the_persons_log(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """``name_unchanged`` tells the name an ID number is registered under: the refused
    request is rolled back, but its lookup stays audited and in the person's log."""
    world = collection_world
    person = world.subjects["person"]
    with pytest.raises(InvalidInput) as refused:
        name_objections.record_on_behalf(
            db,
            clock,
            as_user(world, "objections"),
            citizen_id=citizen_id_of(person),
            name=person.name,
            statement="",
            evidence=EVIDENCE,
        )
    assert refused.value.code == "name_unchanged"
    db.rollback()
    assert refused.value.aftermath is not None
    refused.value.aftermath(db)
    db.commit()
    (entry,) = db.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == person.id, AccessEvent.what == access.PERSON_LOOKUP
        )
    ).all()
    assert entry.purpose == name_objections.CASE_PURPOSE
    (lookup,) = events(db, subjects.PERSON_LOOKUP_ACTION)
    assert lookup.target_id == str(person.id)
    assert audit.verify(db).ok


def test_the_persons_credit_report_states_the_correction_beside_the_former_name(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Art. 24: a report states the reasons of changes; the typo is a former name only
    because it was corrected, and the report says so (from the day of the decision)."""
    world = collection_world
    person = world.subjects["person"]
    objection = raised(world)
    name_objections.decide(
        db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="核对"
    )
    db.commit()
    issued = reports.issue(db, clock, as_user(world, "citizen"), person)
    basic = json.loads(issued.body)["subject"]
    assert basic["name"] == CORRECT_NAME
    assert basic["former_names"] == ["王某某"]
    assert basic["name_corrections"] == [
        {"before": "王某某", "after": CORRECT_NAME, "on": clock.today().isoformat()}
    ]
    page = rendering.report_html(json.loads(issued.body))
    assert f"由“王某某”更正为“{CORRECT_NAME}”" in page


def test_the_persons_own_report_names_the_requester_by_the_corrected_name(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """Art. 4 ¶2, 25: once the name is corrected, the person's own report names its
    requester — the person — by the corrected name, as the page header and ``GET
    /api/v1/me`` name the account; so does every list naming the account, whatever name it
    was stored with (``accounts.account_label``; decision 0051, session 25 addendum)."""
    world = collection_world
    person = world.subjects["person"]
    world.users["citizen"].display_name = "王某某"
    objection = raised(world)
    name_objections.decide(
        db, clock, as_user(world, "objections"), objection.id, outcome="upheld", reasons="核对"
    )
    db.commit()
    citizen = as_user(world, "citizen")
    assert citizen.label == CORRECT_NAME
    assert accounts.account_label(world.users["citizen"]) == CORRECT_NAME
    issued = reports.issue(db, clock, citizen, person)
    body = json.loads(issued.body)
    assert body["requested_by"] == f"信息主体本人 · {CORRECT_NAME}"
    assert "王某某" not in body["requested_by"]


def test_a_subject_accounts_label_is_the_subjects_current_name(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """An organisation renamed by its registration (decision 0050) is named by its new name
    on its own account and in every list naming the account, whatever the administrator
    called the account (decision 0051, session 25 addendum); a staff account keeps its
    display name."""
    world = collection_world
    company = world.subjects["company"]
    world.users["company"].display_name = "财务部账号"
    subjects.rename(db, clock, as_user(world, "authority"), company, "福州晨光文化用品有限公司")
    db.commit()
    assert as_user(world, "company").label == "福州晨光文化用品有限公司"
    assert accounts.account_label(world.users["company"]) == "福州晨光文化用品有限公司"
    assert as_user(world, "authority").label == world.users["authority"].display_name
