"""Deciding an objection to a credit record from its case page (Art. 25): what the decider
typed is never lost to a refusal — not when the case moved on meanwhile (409: kept beneath
the refusal), not to a NUL or reasons over the limit (refused beside the form, the text
kept). The reasons have one limit, ``rules.MAX_REASONS``, which the service refuses by, the
API declares and the form sets, a line break counted as one character."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
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
from tests.factories import World, auth_headers, record_objection
from tests.page_helpers import csrf_from, log_in
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.objections.rules import MAX_REASONS

REASONS = "处罚决定书所载金额与缴款凭证一致，异议不成立。"
CHECK = "已调取处罚案卷及缴款凭证核对。"
# Exactly the limit as the form counts it: 49 line breaks, which a browser sends as CR LF.
AT_LIMIT = "\r\n".join(["理" * 99] * 50) + "理"
OVER = "理" * (MAX_REASONS + 1)


@pytest.fixture
def received(disclosure_world: World, db: Session, clock: FixedClock) -> RecordObjection:
    """The company's objection to its penalty, received by the credit authority."""
    calendar_store.load_official(db, clock)
    record = company_penalty(db, clock, disclosure_world)
    objection = record_objection(db, clock, disclosure_world, record.id)
    db.commit()
    return objection


def _handler(world: World) -> accounts.Actor:
    return accounts.actor_for_user(world.users["objections"])


def _decide(client: TestClient, objection: RecordObjection, token: str, **fields: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/record-objections/{objection.id}/decide",
        data={"outcome": "rejected", "csrf_token": token, **fields},
    )


def test_a_decision_refused_because_the_case_moved_on_keeps_what_was_typed(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    disclosure_world: World,
    received: RecordObjection,
) -> None:
    handler = _handler(disclosure_world)
    log_in(client, "objections")
    token = csrf_from(client.get(f"/record-objections/{received.id}").text)
    # Meanwhile, in another tab, the case is forwarded to the source, which decides it now.
    objections.forward(db, clock, handler, received.id, note="请核实")
    db.commit()
    late = _decide(client, received, token, reasons=REASONS, check_made=CHECK)
    assert late.status_code == 409
    assert 'data-code="wrong_stage"' in late.text
    kept = late.text[late.text.index("data-kept-reasons") :]
    assert REASONS in kept
    assert CHECK in kept
    assert f'action="/record-objections/{received.id}/decide"' not in late.text


def test_a_nul_in_the_reasons_is_refused_beside_the_form_with_the_text_kept(
    client: TestClient, db: Session, received: RecordObjection
) -> None:
    log_in(client, "objections")
    token = csrf_from(client.get(f"/record-objections/{received.id}").text)
    refused = _decide(client, received, token, reasons="异议不\x00成立")
    assert refused.status_code == 422
    assert 'data-code="nul_character"' in refused.text
    assert "异议不成立</textarea>" in refused.text
    db.expire_all()
    assert db.get(RecordObjection, received.id).status is ObjectionStatus.RECEIVED  # type: ignore[union-attr]


def test_reasons_over_the_limit_are_refused_beside_the_form_with_the_text_kept(
    client: TestClient, db: Session, received: RecordObjection
) -> None:
    log_in(client, "objections")
    page = client.get(f"/record-objections/{received.id}")
    assert f'id="reasons" name="reasons" rows="4" maxlength="{MAX_REASONS}"' in page.text
    refused = _decide(client, received, csrf_from(page.text), reasons=OVER)
    assert refused.status_code == 422
    assert 'data-code="too_long"' in refused.text
    textarea = refused.text.split('id="reasons"', 1)[1]
    assert 'aria-invalid="true"' in textarea.split(">", 1)[0]
    assert OVER in textarea


def test_the_service_takes_reasons_at_the_limit_a_line_break_counted_as_one(
    db: Session, clock: FixedClock, disclosure_world: World, received: RecordObjection
) -> None:
    with pytest.raises(InvalidInput) as over:
        objections.decide(
            db, clock, _handler(disclosure_world), received.id, outcome="rejected", reasons=OVER
        )
    assert (over.value.code, over.value.field) == ("too_long", "reasons")
    with pytest.raises(InvalidInput) as check:
        objections.decide(
            db,
            clock,
            _handler(disclosure_world),
            received.id,
            outcome="unconfirmed",
            reasons=REASONS,
            check_made=OVER,
        )
    assert (check.value.code, check.value.field) == ("too_long", "check_made")
    decided = objections.decide(
        db, clock, _handler(disclosure_world), received.id, outcome="rejected", reasons=AT_LIMIT
    )
    assert decided.status is ObjectionStatus.REJECTED


def test_the_api_declares_the_same_limit(
    client: TestClient, db: Session, received: RecordObjection
) -> None:
    headers = auth_headers(client, "objections")
    route = f"/api/v1/record-objections/{received.id}/decide"
    over = client.post(route, headers=headers, json={"outcome": "rejected", "reasons": OVER})
    assert over.status_code == 422
    assert over.json()["error"]["field"] == "reasons"
    at_limit = client.post(
        route, headers=headers, json={"outcome": "rejected", "reasons": AT_LIMIT}
    )
    assert at_limit.status_code == 200, at_limit.text
