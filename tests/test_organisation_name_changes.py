"""An organisation renamed by its registration records (decision 0050) is told each change
of its name with its source (Art. 24; review r12): on its file page, in its own report and
in its own file through the API; and a report verified after a rename answers the name
printed on it, not today's (decision 0010)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    REGISTRATION,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    problems_of,
    registering,  # noqa: F401 - fixture
    registration_row,
)
from tests.factories import World
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.disclosure import reports
from xinyong.disclosure.models import CreditReport

OLD_NAME = "福州晨光文具贸易有限公司"  # the world's company
NEW_NAME = "福州晨光新材料有限公司"


def _registered(db: Session, clock: FixedClock, world: World, name: str) -> None:
    batch = ingest(
        db,
        clock,
        world.organisations["regulator"],
        [registration_row(world, name)],
        record_type=REGISTRATION,
    )
    assert problems_of(batch) == []
    db.commit()


def test_a_report_verified_after_a_rename_answers_the_name_printed_on_it(
    db: Session, clock: FixedClock, registering: World, client: TestClient
) -> None:
    world = registering
    company = world.subjects["company"]
    _registered(db, clock, world, OLD_NAME)
    issued = reports.issue(db, clock, accounts.actor_for_user(world.users["company"]), company)
    db.commit()
    assert issued.content["subject"]["name"] == OLD_NAME
    number, code = issued.report.number, issued.report.verification_code
    clock.advance(dt.timedelta(days=3))
    _registered(db, clock, world, NEW_NAME)
    db.refresh(company)
    assert company.name == NEW_NAME

    answer = client.get(f"/api/v1/reports/{number}/verify", params={"code": code}).json()
    assert answer["genuine"] is True
    assert answer["subject"] == OLD_NAME

    # Its content removed after its period (``retention``): the name in force on its day.
    db.execute(
        update(CreditReport).where(CreditReport.number == number).values(content_ciphertext=None)
    )
    db.commit()
    assert reports.verify(db, number, code=code).subject_name == OLD_NAME
    assert db.scalar(select(CreditReport.as_of).where(CreditReport.number == number)) < (
        clock.today()
    )
