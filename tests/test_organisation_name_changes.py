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
from tests.disclosure_helpers import authorise
from tests.factories import World, auth_headers
from tests.page_helpers import log_in
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import reports
from xinyong.disclosure.models import CreditReport
from xinyong.disclosure.rendering import report_html

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


COURT = {
    "ground": "court",
    "document_number": "（2026）闽01行终1号",
    "reason": "名称变更登记被撤销",
}


def test_the_organisation_is_told_each_change_of_its_name_with_its_source(
    db: Session, clock: FixedClock, registering: World, client: TestClient
) -> None:
    """Renamed by its registration record, then the record revoked by its source: the name
    first registered applies again. Its own file (page and API) and its own report state
    both changes, each with its day and source; a report to anyone else states none."""
    world = registering
    company = world.subjects["company"]
    regulator = world.organisations["regulator"]
    _registered(db, clock, world, OLD_NAME)
    clock.advance(dt.timedelta(days=3))
    renamed_on = clock.today()
    _registered(db, clock, world, NEW_NAME)
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).one()
    clock.advance(dt.timedelta(days=1))
    revoked_on = clock.today()
    revoked = client.post(
        f"/api/v1/records/{record.id}/revoke",
        json=COURT,
        headers=auth_headers(client, "reporter"),
    )
    assert revoked.status_code == 200, revoked.text
    expected = [
        {
            "on": renamed_on.isoformat(),
            "before": OLD_NAME,
            "after": NEW_NAME,
            "reason": "registration record",
            "source": {"unit": regulator.name, "record": record.id, "version": 2},
            "stated_by": None,
            "first_registered_name": False,
        },
        {
            "on": revoked_on.isoformat(),
            "before": NEW_NAME,
            "after": OLD_NAME,
            "reason": "registration record revoked",
            "source": {"unit": regulator.name, "record": record.id, "version": 3},
            "stated_by": None,
            "first_registered_name": True,
        },
    ]

    own = auth_headers(client, "company")
    read = client.get(f"/api/v1/subjects/{company.uscc}/file", headers=own)
    assert read.status_code == 200, read.text
    names = read.json()["subject"]
    assert names["name"] == OLD_NAME
    assert names["name_changes"] == expected
    assert {"name": NEW_NAME, "until": revoked_on.isoformat()} in names["former_names"]

    report = client.get(f"/api/v1/subjects/{company.uscc}/report", headers=own).json()
    assert report["subject"]["name_changes"] == expected
    printed = report_html(report, printed=True)
    assert f"{renamed_on.isoformat()}由“{OLD_NAME}”变更为“{NEW_NAME}”" in printed
    assert f"{regulator.name}登记注册信息记录 {record.id} 第2版" in printed
    assert "恢复为在本平台首次登记的名称" in printed
    # As of the day before the revocation: the first change only.
    then = client.get(
        f"/api/v1/subjects/{company.uscc}/report",
        params={"as_of": renamed_on.isoformat()},
        headers=own,
    ).json()
    assert then["subject"]["name_changes"] == expected[:1]

    log_in(client, "company")
    page = client.get("/me/credit", headers={"Accept-Language": "en"}).text
    assert "data-organisation-name-changes" in page
    assert f"Registered by {regulator.name}: registration record no. {record.id}, version 2" in page
    assert f"revoked by its source {regulator.name}" in page
    assert "the name first registered on the platform applies again" in page
    chinese = client.get("/me/credit", headers={"Accept-Language": "zh-CN"}).text
    assert f"由{regulator.name}登记：登记注册信息记录 {record.id} 第2版" in chinese


def test_a_report_to_anyone_else_states_no_change_of_name(
    db: Session, clock: FixedClock, registering: World
) -> None:
    world = registering
    company = world.subjects["company"]
    _registered(db, clock, world, OLD_NAME)
    clock.advance(dt.timedelta(days=3))
    _registered(db, clock, world, NEW_NAME)
    authorise(db, clock, world, account="company", record_types=("contract_performance",))
    db.commit()
    issued = reports.issue(db, clock, accounts.actor_for_user(world.users["analyst"]), company)
    assert "name_changes" not in issued.content["subject"]
    assert OLD_NAME in issued.content["subject"]["former_names"]
