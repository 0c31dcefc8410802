"""Builders for credit repair tests (Art. 20–23): a penalty old enough to be repaired, an
application through the service, and the permission matrix's cases at each stage."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.objections_helpers import _ready
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord
from xinyong.repair import rules
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

ALL_DECLARED = frozenset(rules.DECLARATIONS)
# A general-class fine is public at least 3 months (the rule pack): four months ago it may
# be repaired, and its 12 months of publicity still run.
REPAIRABLE_AGE = dt.timedelta(days=125)


def old_decision(clock: Clock) -> str:
    return (clock.today() - REPAIRABLE_AGE).isoformat()


def application(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "correction": "已整改店堂广告，撤下引人误解的宣传内容",
        "evidence": "罚款缴纳凭证编号 2026-0001",
        "declared": ALL_DECLARED,
        "commitment_text": "本单位承诺今后不再发生虚假宣传行为，自觉接受监督",
    }
    values.update(overrides)
    return values


def apply(
    session: Session, clock: Clock, world: World, record_id: int, **overrides: Any
) -> RepairCase:
    """The company applies, making its commitment in the same step."""
    return repair.apply(
        session,
        clock,
        accounts.actor_for_user(world.users["company"]),
        record_id,
        **application(**overrides),
    )


def applied_before_market_records_were_refused(
    session: Session,
    clock: Clock,
    applicant: Actor,
    record: CreditRecord,
    *,
    commitment_record_id: int,
    correction: str = "已全额支付欠付款项",
    evidence: str = "付款凭证 2026-11-01",
) -> RepairCase:
    """An application to repair a market record (a credit service institution's, a bank's),
    as ``repair.apply`` took them until 2026-11-30, linking a commitment made to some state
    body; it refuses them now (decision 0023, addendum of that day). Such cases stay in
    databases, to be decided — and revoked for fraud — by their source or, while the source
    is outside the register, by the credit authority's case officer (decision 0024): this
    writes the row as ``apply`` wrote it, for the tests of those steps."""
    case = RepairCase(
        record_id=record.id,
        subject_id=record.subject_id,
        source_organisation_id=record.source_organisation_id,
        commitment_record_id=commitment_record_id,
        correction=correction,
        evidence=evidence,
        checklist=[],
        terms=rules.Terms().as_dict(),
        query_code=rules.new_query_code(),
        status=RepairStatus.SUBMITTED,
        applied_by=applicant.audit().id or "",
        applied_at=clock.now(),
        received_on=clock.today(),
    )
    session.add(case)
    session.flush()
    return case


# --- the permission matrix --------------------------------------------------------------------


def fresh_record(world: World) -> CreditRecord:
    """A penalty of the company old enough to repair, with no case on it."""
    from tests.collection_helpers import ingest, penalty_row, problems_of

    _ready(world)
    session = world.session
    row = penalty_row(world, decision_date=old_decision(world.clock))
    report = ingest(session, world.clock, world.organisations["regulator"], [row])
    assert problems_of(report) == [], problems_of(report)
    record = session.scalars(select(CreditRecord).order_by(CreditRecord.id.desc()).limit(1)).one()
    session.commit()
    return record


def _case(world: World, status: RepairStatus) -> RepairCase:
    session = world.session
    found = session.scalar(
        select(RepairCase)
        .where(RepairCase.status == status)
        .order_by(RepairCase.id.desc())
        .limit(1)
    )
    if found is not None:
        return found
    case = apply(
        session,
        world.clock,
        world,
        fresh_record(world).id,
        terms=rules.Terms(fraud_exclusion_months=0),
    )
    if status is not RepairStatus.SUBMITTED:
        handler = accounts.actor_for_user(world.users["objections"])
        repair.feedback(session, world.clock, handler, case.id, accept=True, reasons="")
    if status is RepairStatus.APPROVED:
        source = accounts.actor_for_user(world.users["caseofficer"])
        repair.decide(session, world.clock, source, case.id, approve=True, reasons="整改到位")
    session.commit()
    return case


def matrix_record(world: World) -> dict[str, Any]:
    return {"record_id": fresh_record(world).id}


def matrix_application(world: World) -> dict[str, Any]:
    values = application()
    return {**values, "declared": sorted(values["declared"])}


def matrix_application_form(world: World) -> dict[str, Any]:
    values = application()
    return {
        "record": fresh_record(world).id,
        "correction": values["correction"],
        "evidence": values["evidence"],
        "commitment_text": values["commitment_text"],
        "declared": sorted(values["declared"]),
    }


def matrix_submitted(world: World) -> dict[str, Any]:
    return {"case_id": _case(world, RepairStatus.SUBMITTED).id}


def matrix_accepted(world: World) -> dict[str, Any]:
    return {"case_id": _case(world, RepairStatus.ACCEPTED).id}


def matrix_approved(world: World) -> dict[str, Any]:
    return {"case_id": _case(world, RepairStatus.APPROVED).id}


def matrix_query_code(world: World) -> dict[str, Any]:
    return {"query_code": _case(world, RepairStatus.SUBMITTED).query_code}


def matrix_query_code_query(world: World) -> dict[str, Any]:
    return {"code": _case(world, RepairStatus.SUBMITTED).query_code}
