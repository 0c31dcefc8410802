"""A subject identified by its code and a name: a name the register does not know for the
code is refused ``name_mismatch`` (field ``name``), as ingestion holds such a row for review
(decision 0044): a list proposal (API and page) and a new organisation account."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.errors import InvalidInput
from xinyong.lists import entries
from xinyong.lists.models import ListEntry


def _proposal(world: World, basis: int, **changes: Any) -> dict[str, Any]:
    """A black-list proposal about the company resting on its penalty ``basis`` (decision
    0043); the name is checked before the basis."""
    return {
        "subject": world.subjects["company"].uscc,
        "standard": "dishonest_subject",
        "criteria_met": "受到较重行政处罚且拒不履行",
        "reasons": "未按期履行行政处罚决定",
        "evidence": "榕市监处罚〔2026〕12号",
        "basis_record_ids": [basis],
        **changes,
    }


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("福州晨光文具贸易有限公司", True),
        ("福州晨光文具貿易有限公司", True),  # written in Traditional characters
        ("福州晨光文具店", True),  # its former name
        ("福州海峡物流有限公司", False),  # another registered subject's
        ("福州晨光文具贸易有限", False),
        (None, True),  # the code alone (the API's older clients)
        ("  ", True),
    ],
)
def test_the_service_holds_the_name_to_the_code(
    lists_world: World, db: Session, clock: Clock, name: str | None, accepted: bool
) -> None:
    basis = basis_record(db, clock, lists_world, lists_world.subjects["company"]).id

    def propose() -> ListEntry:
        return entries.propose(
            db,
            clock,
            actor(lists_world, "caseofficer"),
            subject=lists_world.subjects["company"],
            standard_code="dishonest_subject",
            criteria_met="较重处罚",
            reasons="拒不履行",
            evidence="决定书",
            name=name,
            basis_record_ids=[basis],
        )

    if accepted:
        assert propose().subject_id == lists_world.subjects["company"].id
        return
    with pytest.raises(InvalidInput) as refused:
        propose()
    assert (refused.value.code, refused.value.field) == ("name_mismatch", "name")
    assert db.scalars(select(ListEntry)).first() is None


def test_the_api_refuses_a_proposal_naming_another_subject(
    lists_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    basis = basis_record(db, clock, lists_world, lists_world.subjects["company"]).id
    db.commit()
    officer = headers(client, "caseofficer")
    refused = client.post(
        "/api/v1/list-entries",
        json=_proposal(lists_world, basis, name="福州海峡物流有限公司"),
        headers=officer,
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["code"], error["field"]) == ("name_mismatch", "name")
    proposed = client.post(
        "/api/v1/list-entries",
        json=_proposal(lists_world, basis, name="福州晨光文具贸易有限公司"),
        headers=officer,
    )
    assert proposed.status_code == 201, proposed.text


def test_the_queue_refuses_it_beside_the_name_keeping_what_was_typed(
    lists_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    basis = basis_record(db, clock, lists_world, lists_world.subjects["company"]).id
    db.commit()
    log_in(client, "caseofficer")
    token = csrf_from(client.get("/lists-queue").text)
    page = client.post(
        "/lists-queue/propose",
        data={
            **_proposal(lists_world, basis, name="福州海峡物流有限公司"),
            "basis_record": [str(basis)],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert 'data-code="name_mismatch"' in page.text
    name_input = page.text.split('id="p-name"', 1)[1].split(">", 1)[0]
    assert 'value="福州海峡物流有限公司"' in name_input
    assert 'aria-invalid="true"' in name_input
    assert db.scalars(select(ListEntry)).first() is None
    done = client.post(
        "/lists-queue/propose",
        data={
            **_proposal(lists_world, basis, name="福州晨光文具贸易有限公司"),
            "basis_record": [str(basis)],
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_a_new_organisation_account_is_held_to_the_subject_register(
    world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    company = world.subjects["company"]
    with pytest.raises(InvalidInput) as refused:
        accounts.create_organisation(
            db,
            clock,
            SYSTEM_ACTOR,
            code=company.uscc or "",
            name="福州某某有限公司",
            kind=OrganisationKind.ENTERPRISE,
        )
    assert (refused.value.code, refused.value.field) == ("name_mismatch", "name")
    db.commit()
    api = client.post(
        "/api/v1/admin/organisations",
        json={"code": company.uscc, "name": "福州某某有限公司", "kind": "enterprise"},
        headers=auth_headers(client, "admin"),
    )
    assert (api.status_code, api.json()["error"]["code"]) == (422, "name_mismatch")
    log_in(client, "admin")
    page = client.post(
        "/admin/organisations",
        data={
            "kind": "enterprise",
            "code": company.uscc,
            "name": "福州某某有限公司",
            "csrf_token": csrf_from(client.get("/admin/users").text),
        },
        headers=HTML,
    )
    assert page.status_code == 422
    assert 'data-code="name_mismatch"' in page.text
    created = accounts.create_organisation(
        db,
        clock,
        SYSTEM_ACTOR,
        code=company.uscc or "",
        name=company.name,
        kind=OrganisationKind.ENTERPRISE,
    )
    assert db.get(Organisation, created.id) is not None
