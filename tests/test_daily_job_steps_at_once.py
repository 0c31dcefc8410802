"""Steps of the daily job, and the requests that do the same, meeting an officer's request on
PostgreSQL (review r14). Each takes the rows it changes before its first audit event, the
audit chain's head last, and a report's file is deleted only once no report, committed
meanwhile, keeps it (decision 0008, session 23 and 24 addenda).

* Upheld objections carried out for a deregistered source — by the daily job, or by the
  deregistration itself — locked each case and its record after the first case's event (or
  the deregistration's own) had taken the head: an officer holding one of those records who
  then wrote an event deadlocked with it, one side rolled back.
* The removal of old reports' kept content read which reports still keep a file without
  waiting for a report being issued from it, then deleted the file: the new report's foreign
  key failed the step (an IntegrityError the job did not expect: a traceback, and the steps
  after it not run).

``tests.concurrency_helpers`` says why only PostgreSQL shows it: SQLite serialises writers
at BEGIN IMMEDIATE (decision 0002)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    citizen_id_of,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    subject_row,
)
from tests.concurrency_helpers import (  # noqa: F401
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    until_waiting_or_done,
    waiting_for_a_lock,
)
from tests.conftest import TEST_NOW
from tests.disclosure_helpers import (
    ARREARS,
    CONTRACT,
    ITEM,
    MATTER_CODE,
    actor_of,
    company_penalty,
    make_query_item,
)
from tests.factories import InstitutionFactory, OrganisationFactory, World, bind, record_objection
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.clock import FixedClock
from xinyong.collection import consent
from xinyong.collection import records as collection_records
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import reports, retention
from xinyong.disclosure.models import CreditReport, CreditReportFile
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.synthetic import make_uscc

pytestmark = pytest.mark.test_database

CLOCK = FixedClock(TEST_NOW)


def _upheld_for_an_institution(engine: Engine, built: World, name: str) -> tuple[str, list[int]]:
    """A credit service institution of its own (active) that supplied two records of contract
    performance about the person, each objected to and upheld by the credit authority, left
    for the institution to carry out: its code and the records' ids, committed."""
    with Session(engine, expire_on_commit=False) as db:
        world = in_session(built, db)
        bind(db, CLOCK)
        code = make_uscc(random.Random(name), prefix="91")
        organisation = OrganisationFactory(
            name=name, kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=code
        )
        InstitutionFactory(uscc=code, name=name)
        grant(db, CLOCK, organisation, CONTRACT)
        person = world.subjects["person"]
        consent.grant(
            db,
            CLOCK,
            actor_of(world, "citizen"),
            subject=person,
            grantee=organisation,
            record_type_codes=[CONTRACT],
            written=True,
            adverse_consequences_notified=False,
            service="信用评价报告",
            service_not_conditional=True,
        )
        rows = [
            {
                **subject_row(person.name, citizen_id=citizen_id_of(person)),
                "contract_number": number,
                "breach_description": "逾期未付服务费",
                "breach_date": "2026-10-08",
                "counterparty": name,
            }
            for number in ("HT-1", "HT-2")
        ]
        ingest(db, CLOCK, organisation, rows, record_type=CONTRACT)
        db.commit()
        record_ids = list(
            db.scalars(
                select(CreditRecord.id)
                .where(CreditRecord.source_organisation_id == organisation.id)
                .order_by(CreditRecord.id)
            )
        )
        assert len(record_ids) == 2
        for record_id in record_ids:
            objection = record_objection(
                db,
                CLOCK,
                world,
                record_id,
                account="citizen",
                ground="error",
                statement="合同已于违约前解除，不存在违约",
            )
            objections.decide(
                db,
                CLOCK,
                actor_of(world, "objections"),
                objection.id,
                outcome="upheld",
                reasons="经核实属实",
            )
        db.commit()
        return code, record_ids


def _officer_on_the_record_meets(
    engine: Engine, record_id: int, step: Callable[[Session], Any]
) -> None:
    """An officer's step on the record holds it (``records.locked``, as a repair decided or
    an objection raised does) while ``step`` runs in another transaction and comes to wait
    for it; the officer then writes its event and commits. Both commit: no deadlock."""
    with Session(engine) as officer:
        collection_records.locked(officer, record_id)
        outcome, thread = in_another_transaction(engine, step)
        until_waiting_or_done(engine, outcome, thread)
        # It waits for the record the officer holds, holding nothing the officer needs.
        assert waiting_for_a_lock(engine, outcome.pid)
        audit.record(officer, CLOCK, audit.SYSTEM, "test.step_on_the_record")
        officer.commit()
    assert ended(outcome, thread).refused is None


def _carried_out(engine: Engine, record_ids: list[int]) -> list[ObjectionStatus]:
    with Session(engine) as session:
        return list(
            session.scalars(
                select(RecordObjection.status)
                .where(RecordObjection.record_id.in_(record_ids))
                .order_by(RecordObjection.id)
            )
        )


def test_the_daily_job_carrying_out_for_a_departed_source_waits_for_an_officer_on_a_record(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    code, record_ids = _upheld_for_an_institution(engine, built, "福州守信一号信用评估有限公司")
    # Deregistered before the platform carried cases out in its place: the job does.
    with Session(engine) as session:
        institution = register.by_code(session, code)
        assert institution is not None
        institution.status = InstitutionStatus.DEREGISTERED
        session.commit()

    def job(session: Session) -> list[RecordObjection]:
        return objections.carry_out_for_deregistered_sources(session, CLOCK, SYSTEM_ACTOR)

    # The second record: before, the job's first case had written its event by then.
    _officer_on_the_record_meets(engine, record_ids[1], job)
    assert _carried_out(engine, record_ids) == [ObjectionStatus.NO_LONGER_USED] * 2


def test_a_deregistration_waits_for_an_officer_on_a_record_of_its_cases(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    code, record_ids = _upheld_for_an_institution(engine, built, "福州守信二号信用评估有限公司")

    def deregister(session: Session) -> Any:
        return register.change_status(
            session,
            CLOCK,
            actor_of(in_session(built, session), "authority"),
            code,
            status=InstitutionStatus.DEREGISTERED,
            reason="主动申请注销备案",
        )

    # The first record: before, the deregistration's own event came first.
    _officer_on_the_record_meets(engine, record_ids[0], deregister)
    assert _carried_out(engine, record_ids) == [ObjectionStatus.NO_LONGER_USED] * 2
    with Session(engine) as session:
        institution = register.by_code(session, code)
        assert institution is not None
        assert institution.status is InstitutionStatus.DEREGISTERED


def test_a_report_issued_from_a_file_whose_old_report_loses_its_content_keeps_the_file(
    committed_world: tuple[Engine, World],
) -> None:
    engine, built = committed_world
    with Session(engine, expire_on_commit=False) as db:
        world = in_session(built, db)
        bind(db, CLOCK)
        grant(db, CLOCK, world.organisations["regulator"], ARREARS)
        company_penalty(db, CLOCK, world)
        make_query_item(db, CLOCK, world)
        first = reports.issue(
            db,
            CLOCK,
            actor_of(world, "querier"),
            world.subjects["company"],
            query_item_code=ITEM,
            matter=MATTER_CODE,
        )
        db.commit()
        key = first.report.file_key
        first_id = first.report.id
    later = FixedClock(TEST_NOW + dt.timedelta(days=60))
    with Session(engine, expire_on_commit=False) as request:
        world = in_session(built, request)
        # The same content two months on: the same file, its key held by the new report.
        second = reports.issue(
            request,
            later,
            actor_of(world, "querier"),
            world.subjects["company"],
            query_item_code=ITEM,
            matter=MATTER_CODE,
        )
        request.flush()
        assert second.report.file_key == key
        second_id = second.report.id
        job, thread = in_another_transaction(
            engine, lambda session: retention.remove_report_contents(session, later, keep_days=30)
        )
        until_waiting_or_done(engine, job, thread)
        assert waiting_for_a_lock(engine, job.pid)
        request.commit()
    removed = ended(job, thread).result
    assert removed.by_reason == {retention.REMOVED_AFTER_PERIOD: 1}
    with Session(engine) as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(CreditReportFile)
                .where(CreditReportFile.key == key)
            )
            == 1
        )
        old = session.get(CreditReport, first_id)
        assert old is not None
        assert old.file_key is None
        new = session.get(CreditReport, second_id)
        assert new is not None
        assert new.file_key == key


def test_the_daily_job_removes_every_cases_report_contents_before_its_events(
    committed_world: tuple[Engine, World],
) -> None:
    """Two cases of a departed source, the second about a company with a report issued to
    another organisation since its record came, a request holding that report and then
    writing its event. The job wrote the first case's event (taking the audit chain's
    head) and then waited for the report to remove its content: a deadlock (session 25)."""
    engine, built = committed_world
    name = "福州守信三号信用评估有限公司"
    with Session(engine, expire_on_commit=False) as db:
        world = in_session(built, db)
        bind(db, CLOCK)
        code = make_uscc(random.Random(name), prefix="91")
        organisation = OrganisationFactory(
            name=name, kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=code
        )
        InstitutionFactory(uscc=code, name=name)
        grant(db, CLOCK, organisation, CONTRACT)
        person, company = world.subjects["person"], world.subjects["company"]
        consent.grant(
            db,
            CLOCK,
            actor_of(world, "citizen"),
            subject=person,
            grantee=organisation,
            record_type_codes=[CONTRACT],
            written=True,
            adverse_consequences_notified=False,
            service="信用评价报告",
            service_not_conditional=True,
        )
        breach = {
            "breach_description": "逾期未付服务费",
            "breach_date": "2026-10-08",
            "counterparty": name,
        }
        rows = [
            {
                **subject_row(person.name, citizen_id=citizen_id_of(person)),
                "contract_number": "HT-31",
                **breach,
            },
            {
                **subject_row(company.name, uscc=company.uscc or ""),
                "contract_number": "HT-32",
                **breach,
            },
        ]
        ingest(db, CLOCK, organisation, rows, record_type=CONTRACT)
        db.commit()
        record_ids = list(
            db.scalars(
                select(CreditRecord.id)
                .where(CreditRecord.source_organisation_id == organisation.id)
                .order_by(CreditRecord.subject_id == company.id, CreditRecord.id)
            )
        )
        assert len(record_ids) == 2
        # The person's case first (case ids follow), then the company's.
        for record_id, account in zip(record_ids, ("citizen", "company"), strict=True):
            objection = record_objection(
                db,
                CLOCK,
                world,
                record_id,
                account=account,
                ground="error",
                statement="合同已于违约前解除，不存在违约",
            )
            objections.decide(
                db,
                CLOCK,
                actor_of(world, "objections"),
                objection.id,
                outcome="upheld",
                reasons="经核实属实",
            )
        grant(db, CLOCK, world.organisations["regulator"], ARREARS)
        company_penalty(db, CLOCK, world)
        make_query_item(db, CLOCK, world, code="ITEM-S25")
        issued = reports.issue(
            db,
            CLOCK,
            actor_of(world, "querier"),
            company,
            query_item_code="ITEM-S25",
            matter=MATTER_CODE,
        )
        report_id = issued.report.id
        institution = register.by_code(db, code)
        assert institution is not None
        institution.status = InstitutionStatus.DEREGISTERED
        db.commit()

    def job(session: Session) -> list[RecordObjection]:
        return objections.carry_out_for_deregistered_sources(session, CLOCK, SYSTEM_ACTOR)

    with Session(engine) as request:
        request.execute(
            select(CreditReport.id).where(CreditReport.id == report_id).with_for_update()
        ).all()
        outcome, thread = in_another_transaction(engine, job)
        until_waiting_or_done(engine, outcome, thread)
        assert waiting_for_a_lock(engine, outcome.pid)
        audit.record(request, CLOCK, audit.SYSTEM, "test.request_on_the_report")
        request.commit()
    assert ended(outcome, thread).refused is None
    assert _carried_out(engine, record_ids) == [ObjectionStatus.NO_LONGER_USED] * 2
    with Session(engine) as session:
        report = session.get(CreditReport, report_id)
        assert report is not None
        assert report.content_removed_reason == retention.REMOVED_RECORD_NO_LONGER_USED
        result = audit.verify(session)
        assert result.ok, result.problem
