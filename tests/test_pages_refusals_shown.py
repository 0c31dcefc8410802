"""A refusal a page answers with is always shown: where the form it concerns is not
rendered (a decided case, another organisation's entry), the layout shows it above the
page, with its translated message, its code and its article — never a page that looks as
if nothing happened."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from tests.collection_helpers import catalog_loaded  # noqa: F401 - fixture
from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    matrix_court_entry,
    settings,  # noqa: F401 - fixture
)
from tests.objections_helpers import fresh_record
from tests.page_helpers import csrf_from, log_in
from tests.repair_helpers import _case as repair_case
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.objections import service as objections
from xinyong.repair.models import RepairStatus


def shown(response: Response, code: str) -> str:
    """The refusal block showing ``code``, exactly once on the page."""
    blocks = re.findall(
        r'<div class="form-error" role="alert" id="form-error">.*?</div>', response.text, re.S
    )
    assert len(blocks) == 1, response.text
    block = blocks[0]
    assert f'data-code="{code}"' in block
    assert f"<code>{code}</code>" in block
    return block


def proposal(db: Session, clock: FixedClock, world: World) -> int:
    """A serious-dishonesty proposal whose objection window has closed."""
    entry = entries.propose(
        db,
        earlier(clock, 30),
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="较重行政处罚",
        reasons="拒不履行行政处罚决定",
        evidence="榕市监罚〔2026〕88号",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    db.commit()
    return entry.id


def test_a_decided_proposal_refuses_a_second_decision_visibly(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry_id = proposal(db, clock, lists_world)
    log_in(client, "caseofficer2")
    form = {"decision": "reject", "reasons": "证据不足"}
    token = csrf_from(client.get("/lists-queue").text)
    first = client.post(
        f"/lists-queue/{entry_id}/decide",
        data={**form, "csrf_token": token},
        follow_redirects=False,
    )
    assert first.status_code == 303
    again = client.post(f"/lists-queue/{entry_id}/decide", data={**form, "csrf_token": token})
    assert again.status_code == 409
    block = shown(again, "wrong_state")
    assert "不能驳回" in block
    assert 'class="page-refusal"' in again.text
    assert f'id="entry-{entry_id}"' not in again.text  # the decided entry has no form


def test_another_agencys_proposal_refuses_visibly(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry_id = proposal(db, clock, lists_world)
    log_in(client, "other_caseofficer")
    token = csrf_from(client.get("/lists-queue?lang=en").text)
    refused = client.post(
        f"/lists-queue/{entry_id}/decide",
        data={"decision": "approve", "reasons": "符合标准", "csrf_token": token},
    )
    assert refused.status_code == 403
    block = shown(refused, refused_code(refused))
    assert "this entry belongs to another agency" in block
    assert "Art. 14" in block


def refused_code(response: Response) -> str:
    match = re.search(r'class="error-message" data-code="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def test_a_performance_of_an_entry_not_listed_refuses_visibly(
    lists_world: World, client: TestClient, db: Session
) -> None:
    entry_id = matrix_court_entry(lists_world)["entry_id"]
    db.commit()
    log_in(client, "other_reporter")
    page = client.get("/court-defaulters")
    assert f'id="entry-{entry_id}"' not in page.text
    refused = client.post(
        f"/court-defaulters/{entry_id}/performance",
        data={"performed_on": "", "detail": "", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 422
    block = shown(refused, "required")
    assert "performed_on" in block


def test_a_second_forward_of_an_objection_refuses_visibly(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    record = fresh_record(world)
    objection = objections.raise_objection(
        db,
        clock,
        accounts.actor_for_user(world.users["company"]),
        record.id,
        ground="error",
        statement="罚款金额有误",
    )
    db.commit()
    log_in(client, "objections")
    page = client.get(f"/record-objections/{objection.id}")
    form = {"note": "请核实", "csrf_token": csrf_from(page.text)}
    first = client.post(f"/record-objections/{objection.id}/forward", data=form)
    assert first.status_code == 200, first.text
    again = client.post(f"/record-objections/{objection.id}/forward", data=form)
    assert again.status_code == 409
    block = shown(again, refused_code(again))
    assert "的异议不能由异议处理人员作出“转交信息提供单位”" in block
    assert "第二十五条" in block


def test_a_decided_repair_refuses_a_second_decision_visibly(
    lists_world: World, client: TestClient, db: Session
) -> None:
    case = repair_case(lists_world, RepairStatus.APPROVED)
    log_in(client, "reporter")
    page = client.get(f"/repair-cases/{case.id}?lang=en")
    refused = client.post(
        f"/repair-cases/{case.id}/decide",
        data={"approve": "yes", "reasons": "整改到位", "csrf_token": csrf_from(page.text)},
    )
    assert refused.status_code == 409
    block = shown(refused, refused_code(refused))
    assert "this repair case is closed (approved (repaired))" in block
    assert "Art. 21" in block


def test_a_refusal_shown_by_its_form_is_not_repeated(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry_id = proposal(db, clock, lists_world)
    log_in(client, "caseofficer")  # the proposer: the form is on the page, beside the entry
    token = csrf_from(client.get("/lists-queue").text)
    refused = client.post(
        f"/lists-queue/{entry_id}/decide",
        data={"decision": "approve", "reasons": "符合标准", "csrf_token": token},
    )
    assert refused.status_code in (403, 409, 422)
    shown(refused, refused_code(refused))
    assert 'class="page-refusal"' not in refused.text


def test_a_performance_refused_for_its_date_keeps_what_the_court_typed(
    lists_world: World, client: TestClient, db: Session
) -> None:
    """A mistyped day (not a date, or before the entry's term began) is refused beside the
    entry's form, with the court's basis text still in it."""
    entry_id = matrix_court_entry(lists_world)["entry_id"]
    db.commit()
    log_in(client, "caseofficer")
    page = client.get("/court-defaulters")
    assert f'id="entry-{entry_id}"' in page.text
    for typed, code in (("2026-02-30", "invalid_date"), ("2020-01-01", "before_filing")):
        refused = client.post(
            f"/court-defaulters/{entry_id}/performance",
            data={
                "performed_on": typed,
                "detail": "结案通知书（2026）闽01执123号",
                "csrf_token": csrf_from(page.text),
            },
        )
        assert refused.status_code == 422, refused.text
        block = shown(refused, code)
        assert "performed_on" in block
        if code == "before_filing":
            assert "履行日期不能早于立案日期（" in block  # with the filing day to compare
        assert "结案通知书（2026）闽01执123号</textarea>" in refused.text
