"""Refusals a black-box review found shown in English on Chinese pages, walked as a user
meets them: a credit repair with a declaration left unticked or applied for before the
record's minimum publicity period ends, an objection raised twice, and the feedback on a
repair case given twice. Each is explained in Chinese, with its values, and no English line
beneath (``web.refusals``; every message the services write: test_refusal_messages.py)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World
from tests.page_helpers import csrf_from, log_in
from tests.repair_helpers import application, old_decision
from xinyong.clock import FixedClock
from xinyong.objections.models import RecordObjection
from xinyong.repair.models import RepairCase


def refusal(page: str, code: str) -> str:
    """The refusal a page shows for ``code``, checked to be said in Chinese alone."""
    found = re.search(rf'<p class="error-message" data-code="{code}">([^<]*)</p>', page)
    assert found is not None, page
    assert 'class="error-detail"' not in page
    shown = found[1]
    assert not re.search(r"[A-Za-z]{2,}", shown), shown
    return shown


def test_a_refused_repair_is_told_in_chinese_with_its_condition(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    recent = company_penalty(db, clock, world)
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    db.commit()
    log_in(client, "company")
    page = client.get(f"/me/repairs?record={record.id}")
    values = application()
    form = {
        "record": record.id,
        "correction": values["correction"],
        "evidence": values["evidence"],
        "commitment_text": values["commitment_text"],
        "csrf_token": csrf_from(page.text),
    }
    unticked = sorted(values["declared"] - {"committed"})
    refused = client.post("/me/repairs", data={**form, "declared": unticked})
    assert refused.status_code == 422
    assert "未满足信用修复条件：已作出不再发生类似失信行为的公开信用承诺" in refusal(
        refused.text, "repair_condition_unmet"
    )
    early = client.post(
        "/me/repairs",
        data={**form, "record": recent.id, "declared": sorted(values["declared"])},
    )
    assert early.status_code == 422
    shown = refusal(early.text, "repair_condition_unmet")
    assert re.search(r"该记录的最短公示期至 \d{4}-\d{2}-\d{2} 届满", shown), shown
    # The English page reads the message as the service wrote it.
    english = client.post("/me/repairs?lang=en", data={**form, "declared": unticked})
    assert (
        "a condition of repair is not met: a public credit commitment not to repeat the "
        "conduct was made"
    ) in english.text


def test_feedback_given_twice_is_refused_in_chinese(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    db.commit()
    log_in(client, "company")
    page = client.get(f"/me/repairs?record={record.id}")
    values = application()
    client.post(
        "/me/repairs",
        data={
            "record": record.id,
            "correction": values["correction"],
            "evidence": values["evidence"],
            "commitment_text": values["commitment_text"],
            "declared": sorted(values["declared"]),
            "csrf_token": csrf_from(page.text),
        },
    )
    case = db.query(RepairCase).one()
    client.cookies.clear()
    log_in(client, "objections")
    page = client.get(f"/repair-cases/{case.id}")
    feedback = {"accept": "yes", "reasons": "", "csrf_token": csrf_from(page.text)}
    assert (
        'data-status="accepted"'
        in client.post(f"/repair-cases/{case.id}/feedback", data=feedback).text
    )
    again = client.post(f"/repair-cases/{case.id}/feedback", data=feedback)
    assert again.status_code == 409
    assert "状态为“已受理”的信用修复案件不能由平台作出“受理”" in refusal(again.text, "wrong_stage")


def test_an_objection_raised_twice_is_refused_in_chinese(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/objections")
    form = {
        "record": record.id,
        "ground": "error",
        "statement": "罚款金额有误",
        "csrf_token": csrf_from(page.text),
    }
    assert client.post("/me/objections", data=form).status_code == 200
    objection = db.query(RecordObjection).one()
    again = client.post("/me/objections", data=form)
    assert again.status_code == 409
    assert f"您对该记录提出的第 {objection.id} 号异议仍在处理中" in refusal(
        again.text, "objection_pending"
    )
