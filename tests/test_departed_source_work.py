# ruff: noqa: F811

"""What a credit service institution was to carry out for subjects does not wait for it once
it is outside the register (Art. 25, 26; decision 0024 addendum, session 12): a repair of its
record — applied for before market records were refused (decision 0023, addendum of
2026-11-30) — is decided by the credit authority's case officer in its place, and an objection
upheld against its record, which only its source could correct, is carried out in its place
once it is deregistered for good — withdrawn from publication on the grounds answered so,
otherwise no longer shared or used — and the subject is told in its case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (  # noqa: F401 - fixtures
    catalog_loaded,
    collection_world,
    fast_password_hashing,
    ingest,
)
from tests.disclosure_helpers import CONTRACT, actor_of, authorise
from tests.factories import UserFactory, World, auth_headers, record_objection
from tests.page_helpers import HTML, log_in
from tests.repair_helpers import applied_before_market_records_were_refused
from tests.test_institution_standing import _breach, _institution_collecting
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.disclosure import reports
from xinyong.errors import Gone, PermissionDenied
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.objections import rules
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.repair import cases as repair_cases
from xinyong.repair import service as repair
from xinyong.repair.models import RepairStatus

WRONG = "合同已于违约前解除，不存在违约"


def _its_records(world: World, db: Session, clock: Clock, *numbers: str) -> list[CreditRecord]:
    """An active institution collecting on the person's consent, and its records of
    contract breaches about the person."""
    _institution_collecting(world, db, clock)
    organisation = world.organisations["institution"]
    ingest(db, clock, organisation, [_breach(world, n) for n in numbers], record_type=CONTRACT)
    db.commit()
    return list(
        db.scalars(
            select(CreditRecord)
            .where(CreditRecord.source_organisation_id == organisation.id)
            .order_by(CreditRecord.id)
        )
    )


def _set_status(world: World, db: Session, clock: Clock, status: InstitutionStatus) -> None:
    register.change_status(
        db,
        clock,
        actor_of(world, "authority"),
        world.organisations["institution"].code or "",
        status=status,
        reason="未按期整改" if status is InstitutionStatus.SUSPENDED else "主动申请注销备案",
    )
    db.commit()


def _upheld(db: Session, clock: Clock, world: World, record_id: int, ground: str) -> int:
    """The person's objection to the record, upheld by the credit authority's handler."""
    objection = record_objection(
        db, clock, world, record_id, account="citizen", ground=ground, statement=WRONG
    )
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="属实"
    )
    db.commit()
    return objection.id


def _latest_version(db: Session, record: CreditRecord) -> RecordVersion:
    return db.scalars(
        select(RecordVersion)
        .where(RecordVersion.record_id == record.id)
        .order_by(RecordVersion.version_no.desc())
        .limit(1)
    ).one()


# --- objections upheld and left to the institution ------------------------------------------


def test_a_suspension_leaves_an_upheld_objection_to_the_institution_to_correct(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """Suspended, it may be reinstated and correct its own record: nothing is done for it."""
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-S")
    objection_id = _upheld(db, clock, world, record.id, "error")

    _set_status(world, db, clock, InstitutionStatus.SUSPENDED)

    objection = db.get(RecordObjection, objection_id)
    assert objection is not None
    assert objection.status is ObjectionStatus.UPHELD
    assert record.status is RecordStatus.UNDER_OBJECTION


def test_deregistering_it_ends_the_use_of_a_record_found_wrong_that_it_left_uncorrected(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """Carried out by the system, not by the officer who deregisters (a credit-authority
    officer who keeps the register, no objection handler, who alters no data: rules.md),
    the officer's deregistration named as the cause; the credit authority is the
    organisation of the change."""
    world = collection_world
    first, second = _its_records(world, db, clock, "HT-A", "HT-B")
    objection_id = _upheld(db, clock, world, first.id, "error")
    _set_status(world, db, clock, InstitutionStatus.SUSPENDED)
    content = records.current_version(db, first).payload
    before = _last_sequence(db)

    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)

    objection = db.get(RecordObjection, objection_id)
    assert objection is not None
    assert objection.status is ObjectionStatus.NO_LONGER_USED
    assert objection.completed_by_source is False
    assert rules.outcome(objection) == "upheld"
    # Its content stays as the source left it: only the source could say what it should say.
    assert first.status is RecordStatus.REVOKED
    version = _latest_version(db, first)
    assert version.version_no == objection.result_version_no
    assert version.reason == rules.reason_no_longer_used(objection_id)
    assert version.reason_detail == rules.IN_PLACE_NOTE
    assert version.source_organisation_id == world.organisations["authority"].id
    assert version.payload == content
    # Its other record, about which nobody objected, is used as before (decision 0024).
    assert second.status is RecordStatus.ACTIVE
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "record_objection.no_longer_used")
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    ).one()
    officer = f"user:{world.users['authority'].id}"
    assert event.target_id == str(objection_id)
    assert event.details["by"] == "credit_authority"
    assert (event.actor_kind, event.actor_id, event.actor_role) == ("system", None, None)
    assert event.details["cause"] == {"action": "institution.status", "actor": officer}
    assert objection.completed_by is None  # the system
    assert version.actor is None  # not the officer
    officers = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.sequence > before, AuditEvent.actor_id == officer
        )
    ).all()
    assert officers == ["institution.status"]


def _handlers_audit(db: Session, world: World, since: int) -> list[str]:
    handler = f"user:{world.users['objections'].id}"
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.sequence > since, AuditEvent.actor_id == handler)
            .order_by(AuditEvent.sequence)
        )
    )


def _last_sequence(db: Session) -> int:
    return db.scalar(select(AuditEvent.sequence).order_by(AuditEvent.sequence.desc())) or 0


def test_an_objection_upheld_after_it_left_is_carried_out_at_once(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """Upheld on a ground answered by withdrawal, the record is withdrawn from publication as
    its source would have withdrawn it, and stays in use otherwise. The handler only
    upholds: the system carries it out (objection handlers alter no data, rules.md)."""
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-W")
    # A bank read the person's file on its written authorisation, the record in it.
    authorise(db, clock, world)
    shown = reports.issue(db, clock, actor_of(world, "analyst"), world.subjects["person"])
    assert shown.report.record_count >= 1
    objection = record_objection(
        db, clock, world, record.id, account="citizen", ground="should_not_be_public"
    )
    db.commit()
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)
    before = _last_sequence(db)

    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="属实"
    )

    assert objection.status is ObjectionStatus.WITHDRAWN
    assert objection.completed_by_source is False
    assert objection.decided_by == f"user:{world.users['objections'].id}"
    assert objection.completed_by is None  # the system
    assert record.status is RecordStatus.ACTIVE
    assert (record.publicity_start, record.publicity_end) == (None, None)
    version = _latest_version(db, record)
    assert version.reason == rules.reason_withdrawn(objection.id)
    assert version.actor is None  # the system, not the handler
    assert version.source_organisation_id == world.organisations["authority"].id
    assert _handlers_audit(db, world, before) == ["record_objection.decide"]
    carried = db.scalars(
        select(AuditEvent).where(
            AuditEvent.sequence > before, AuditEvent.action == "record_objection.withdraw"
        )
    ).one()
    assert (carried.actor_kind, carried.details["by"]) == ("system", "credit_authority")
    # The handler's upholding set it off: named as the cause, as a deregistration is.
    assert carried.details["cause"] == {
        "action": "record_objection.decide",
        "actor": f"user:{world.users['objections'].id}",
    }
    # As when the source withdraws it: the report issued to the bank keeps no content.
    assert carried.details["report_contents_removed"] == 1
    with pytest.raises(Gone):
        reports.reopen(db, clock, actor_of(world, "analyst"), shown.report.number)


def test_an_objection_upheld_after_it_left_on_an_error_is_no_longer_used_by_the_system(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-E")
    objection = record_objection(
        db, clock, world, record.id, account="citizen", ground="error", statement=WRONG
    )
    db.commit()
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)
    before = _last_sequence(db)

    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="属实"
    )

    assert objection.status is ObjectionStatus.NO_LONGER_USED
    assert record.status is RecordStatus.REVOKED
    assert _latest_version(db, record).actor is None
    assert _handlers_audit(db, world, before) == ["record_objection.decide"]


def test_the_daily_job_carries_out_what_a_deregistration_before_the_rule_left_waiting(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-J")
    objection_id = _upheld(db, clock, world, record.id, "omission")
    # Deregistered as before this rule: the entry's status alone changed.
    entry = register.by_code(db, world.organisations["institution"].code or "")
    entry.status = InstitutionStatus.DEREGISTERED
    db.commit()

    before = _last_sequence(db)

    done = objections.carry_out_for_deregistered_sources(db, clock, SYSTEM_ACTOR)

    assert [o.id for o in done] == [objection_id]
    assert record.status is RecordStatus.REVOKED
    # The system set it off itself: no cause beside it.
    carried = db.scalars(
        select(AuditEvent).where(
            AuditEvent.sequence > before, AuditEvent.action == "record_objection.no_longer_used"
        )
    ).one()
    assert carried.actor_kind == "system"
    assert "cause" not in carried.details
    assert objections.carry_out_for_deregistered_sources(db, clock, SYSTEM_ACTOR) == []


def test_only_the_credit_authority_carries_out_in_a_departed_sources_place(
    collection_world: World, db: Session, clock: Clock
) -> None:
    with pytest.raises(PermissionDenied):
        objections.carry_out_for_deregistered_sources(
            db, clock, actor_of(collection_world, "reporter")
        )


def test_the_subject_is_told_in_its_objections_by_the_api_and_the_page(
    collection_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-T")
    objection_id = _upheld(db, clock, world, record.id, "error")
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)

    mine = client.get("/api/v1/me/objections", headers=auth_headers(client, "citizen"))

    (case,) = [c for c in mine.json()["items"] if c["id"] == objection_id]
    assert case["status"] == "no_longer_used"
    assert case["completed_by"] == "credit_authority"
    assert case["decision"]["outcome"] == "upheld"
    assert case["record"]["status"] == "revoked"
    assert case["source"]["outside_register"] == "institution_deregistered"
    log_in(client, "citizen")
    page = client.get("/me/objections", headers=HTML).text
    article = page[page.index(f'data-objection="{objection_id}"') :]
    article = article[: article.index("</article>")]
    assert 'data-status="no_longer_used"' in article
    assert 'data-completed-by="credit_authority"' in article
    assert "不再共享和使用" in article
    # The record's history says why it is no longer used, in the page's language (Art. 24).
    history = client.get(f"/record-objections/{objection_id}", headers=HTML).text
    assert f"根据第{objection_id}号异议不再使用：其来源单位已注销" in history
    assert "由社会信用主管部门代为执行成立的异议" in history


# --- repairs of its records ---------------------------------------------------------------------


def _stand_in(world: World, db: Session) -> Actor:
    """The credit authority's case officer."""
    world.users["authority_cases"] = UserFactory(
        username="authority_cases",
        role=Role.CASE_OFFICER,
        organisation=world.organisations["authority"],
    )
    db.commit()
    return actor_of(world, "authority_cases")


def _accepted_repair(world: World, db: Session, clock: Clock, record: CreditRecord) -> int:
    """The person's application to repair the record, linking a commitment made to the
    market regulator, made before market records were refused (the platform no longer
    takes one: ``test_repair_implementing_body``), and the platform accepts it."""
    person = actor_of(world, "citizen")
    commitment = records.make_commitment(
        db,
        clock,
        person,
        commitment_type="履约承诺",
        reason="合同违约",
        text="本人承诺按期履行合同义务",
        accepting_unit=world.organisations["regulator"],
    )
    case = applied_before_market_records_were_refused(
        db, clock, person, record, commitment_record_id=commitment.id
    )
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    db.commit()
    return case.id


def test_the_credit_authority_decides_a_repair_in_the_place_of_a_source_outside_the_register(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-R")
    case_id = _accepted_repair(world, db, clock, record)
    stand_in = _stand_in(world, db)
    # While its source works, the case is the source's alone.
    with pytest.raises(PermissionDenied) as not_yet:
        repair.decide(db, clock, stand_in, case_id, approve=True, reasons="整改到位")
    assert not_yet.value.code == "not_source"
    _set_status(world, db, clock, InstitutionStatus.SUSPENDED)

    (queued,) = repair_cases.source_queue(db, clock, stand_in)
    assert (queued.case.id, queued.source_outside_register) == (case_id, "institution_suspended")
    assert repair.steps_open(stand_in, queued.case, source_outside_register=True) == {
        "decide",
        "approve",
        "terminate",
    }
    decided = repair.decide(db, clock, stand_in, case_id, approve=True, reasons="整改到位")

    assert decided.status is RepairStatus.APPROVED
    assert decided.decided_by_source is False
    assert record.status is RecordStatus.REPAIRED
    assert _latest_version(db, record).source_organisation_id == world.organisations["authority"].id


def test_only_the_credit_authoritys_case_officer_stands_in_and_only_for_such_a_source(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """Another source's case officer is not the record's source; the credit authority's
    objection handler accepts applications but alters no data."""
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-O")
    case_id = _accepted_repair(world, db, clock, record)
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)

    for account in ("caseofficer", "objections"):
        with pytest.raises(PermissionDenied):
            repair.decide(db, clock, actor_of(world, account), case_id, approve=True, reasons="可")
    with pytest.raises(PermissionDenied):
        repair_cases.case(db, clock, actor_of(world, "caseofficer"), case_id)


def test_fraud_found_after_its_deregistration_revokes_the_repair_in_its_place(
    collection_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    """Art. 23 still applies when the source is gone: the credit authority's case officer
    revokes the result, and the subject reads who decided and who revoked."""
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-F")
    case_id = _accepted_repair(world, db, clock, record)
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)
    stand_in = _stand_in(world, db)
    repair.decide(db, clock, stand_in, case_id, approve=True, reasons="整改到位")

    revoked = repair.fraud(db, clock, stand_in, case_id, reasons="付款凭证系伪造")
    db.commit()

    assert revoked.status is RepairStatus.REVOKED
    assert revoked.fraud_by_source is False
    assert record.status is RecordStatus.ACTIVE
    mine = client.get("/api/v1/me/repairs", headers=auth_headers(client, "citizen")).json()
    (case,) = [c for c in mine["items"] if c["id"] == case_id]
    assert (case["decision"]["by"], case["fraud"]["by"]) == ("credit_authority", "credit_authority")
    assert case["source"]["outside_register"] == "institution_deregistered"
    log_in(client, "citizen")
    page = client.get(f"/repair-cases/{case_id}", headers=HTML).text
    assert 'data-decided-by="credit_authority"' in page
    assert 'data-outside-register="institution_deregistered"' in page


def test_the_stand_in_finds_the_cases_in_its_menu_and_decides_on_the_page(
    collection_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    world = collection_world
    (record,) = _its_records(world, db, clock, "HT-P")
    case_id = _accepted_repair(world, db, clock, record)
    _set_status(world, db, clock, InstitutionStatus.DEREGISTERED)
    _stand_in(world, db)
    log_in(client, "authority_cases")

    queue = client.get("/repair-cases/source", headers=HTML)

    assert queue.status_code == 200, queue.text
    assert 'href="/repair-cases/source"' in queue.text
    assert f'data-repair="{case_id}"' in queue.text
    page = client.get(f"/repair-cases/{case_id}", headers=HTML).text
    assert f'action="/repair-cases/{case_id}/decide"' in page
    assert 'value="yes"' in page  # approving is offered: its case officer alters data
