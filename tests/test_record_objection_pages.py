"""The objection pages (Art. 25): the subject's, the handler's queue and case page, the
source's queue and correction form, in Chinese and English."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import company_penalty, disclosure_world  # noqa: F401
from tests.factories import World
from tests.page_helpers import csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.objections.models import ObjectionStatus, RecordObjection


def test_pages_from_objection_to_correction(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/objections")
    assert page.status_code == 200
    assert f'value="{record.id}"' in page.text
    empty = client.post(
        "/me/objections",
        data={
            "record": record.id,
            "ground": "error",
            "statement": " ",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert empty.status_code == 422
    assert 'data-code="required"' in empty.text
    raised = client.post(
        "/me/objections",
        data={
            "record": record.id,
            "ground": "error",
            "statement": "罚款金额有误",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert raised.status_code == 200
    assert 'data-status="received"' in raised.text
    objection = db.query(RecordObjection).one()
    credit = client.get("/me/credit")
    assert "异议处理中" in credit.text or "Under objection" in credit.text
    client.cookies.clear()

    log_in(client, "objections")
    queue = client.get("/record-objections")
    assert f'data-objection="{objection.id}"' in queue.text
    case = client.get(f"/record-objections/{objection.id}")
    assert "罚款金额有误" in case.text
    assert "/forward" in case.text
    assert "/correct" not in case.text  # handlers alter no data
    forwarded = client.post(
        f"/record-objections/{objection.id}/forward",
        data={"note": "请核实", "csrf_token": csrf_from(case.text)},
    )
    assert forwarded.status_code == 200, forwarded.text
    client.cookies.clear()

    log_in(client, "reporter")
    mine = client.get("/record-objections/forwarded")
    assert f'data-objection="{objection.id}"' in mine.text
    case = client.get(f"/record-objections/{objection.id}")
    assert 'name="field.fine_amount"' in case.text
    form = {
        "field.fine_amount": "很多",
        "note": "更正金额",
        "csrf_token": csrf_from(case.text),
    }
    bad = client.post(f"/record-objections/{objection.id}/correct", data=form)
    assert bad.status_code == 422
    assert 'data-code="invalid_number"' in bad.text
    form["field.fine_amount"] = "1"
    done = client.post(f"/record-objections/{objection.id}/correct", data=form)
    assert done.status_code == 200
    assert 'data-done="corrected"' in done.text
    status = db.query(RecordObjection.status).filter_by(id=objection.id).scalar()
    assert status is ObjectionStatus.CORRECTED
    client.cookies.clear()

    log_in(client, "company")
    mine = client.get("/me/objections?lang=en")
    assert "Upheld: the record was corrected" in mine.text
    credit = client.get("/me/credit?lang=en")
    assert f"Corrected after objection {objection.id}" in credit.text
    # The handler's and the source's reads of the case are in the company's access log.
    log = client.get("/me/access-log?lang=en")
    assert "Your objection to a record, read to handle it" in log.text
    assert "deciding an objection (Art. 25)" in log.text
