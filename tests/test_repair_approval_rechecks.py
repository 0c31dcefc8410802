"""Approving a repair checks again what the record decides, on the day of the approval: its
source may have corrected the record on an objection raised since the application (Art. 25),
and a general fine found serious has a year of minimum publicity, not three months (Order 36).
The refusal is the application's own — code, condition and article."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers, record_objection
from tests.repair_helpers import ALL_DECLARED, apply, old_decision
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import InvalidInput
from xinyong.objections import service as objections
from xinyong.repair import rules
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

SERIOUS = {"severity": "serious"}


def _accepted_then_corrected(
    db: Session, clock: FixedClock, world: World, values: dict[str, str]
) -> tuple[RepairCase, CreditRecord]:
    """A general fine decided 125 days ago, repairable; the application accepted; then the
    company objects and the regulator corrects the record."""
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    objection = record_objection(db, clock, world, record.id, statement="认定有误")
    objections.forward(db, clock, actor_of(world, "objections"), objection.id, note="")
    objections.correct(
        db, clock, actor_of(world, "reporter"), objection.id, values=values, note="更正"
    )
    db.commit()
    return case, record


def _refusal_on_applying(
    db: Session, clock: FixedClock, world: World, record_id: int
) -> tuple[str, str | None, str | None, str]:
    """What a fresh application for the record would be told now, from its checklist."""
    checks = repair.checklist(
        db, clock, actor_of(world, "company"), record_id, declared=ALL_DECLARED, committing=True
    )
    (period,) = [c for c in checks if c.code == "publicity_period_passed"]
    assert not period.ok
    return "repair_condition_unmet", period.code, period.article, period.message


@pytest.mark.parametrize(
    "values",
    [SERIOUS, {"decision_date": (dt.date(2026, 11, 27) - dt.timedelta(days=30)).isoformat()}],
    ids=["found_serious", "decided_later"],
)
def test_a_correction_since_the_application_is_checked_on_approval(
    db: Session, clock: FixedClock, disclosure_world: World, values: dict[str, str]
) -> None:
    world = disclosure_world
    case, record = _accepted_then_corrected(db, clock, world, values)
    expected = _refusal_on_applying(db, clock, world, record.id)

    with pytest.raises(InvalidInput) as refused:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
        )

    error = refused.value
    assert (error.code, error.field, error.article, error.details["failed"][0]["message"]) == (
        expected
    )
    assert error.article == rules.ORDER_36
    assert record.status is RecordStatus.CORRECTED
    assert case.status is RepairStatus.ACCEPTED
    # The source may still reject it, with reasons.
    repair.decide(
        db, clock, actor_of(world, "caseofficer"), case.id, approve=False, reasons="公示期未满"
    )
    assert case.status is RepairStatus.REJECTED


def test_a_correction_that_leaves_the_period_passed_is_approved(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    case, record = _accepted_then_corrected(db, clock, world, {"fine_amount": "1"})

    repair.decide(
        db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
    )

    assert record.status is RecordStatus.REPAIRED


def test_the_api_refuses_the_approval_as_the_application(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    case, record = _accepted_then_corrected(db, clock, disclosure_world, SERIOUS)

    response = client.post(
        f"/api/v1/repair-cases/{case.id}/decide",
        headers=auth_headers(client, "caseofficer"),
        json={"approve": True, "reasons": "整改到位"},
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "repair_condition_unmet",
        "publicity_period_passed",
        rules.ORDER_36,
    )
    db.expire_all()
    assert db.get(CreditRecord, record.id).status is RecordStatus.CORRECTED  # type: ignore[union-attr]
