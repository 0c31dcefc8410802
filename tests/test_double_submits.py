"""A form posted twice (a double click, a retried request) makes one submission, not two
(decision 0044): each create path of a subject or an officer refuses the identical open
submission of the same actor — or, for consents, answers with the one already recorded —
and the second post writes nothing."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import CONTRACT, company_penalty, disclosure_world  # noqa: F401
from tests.factories import World, auth_headers
from tests.lists_helpers import (
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    red_candidate,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.repair_helpers import application, old_decision
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import authorisations
from xinyong.disclosure.models import Authorisation
from xinyong.errors import Conflict
from xinyong.lists import entries
from xinyong.lists.models import ListEntry, ListObjection, MeasureApplication
from xinyong.objections.models import RecordObjection
from xinyong.repair.models import RepairCase

COMMENT = "该企业2026年曾因拖欠工资被投诉，不宜列为诚信典型。"


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _twice(client: TestClient, url: str, body: dict[str, Any], who: str) -> tuple[Any, Any]:
    auth = auth_headers(client, who)
    return client.post(url, json=body, headers=auth), client.post(url, json=body, headers=auth)


def _error(response: Any) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["field"]


# --- a subject's submissions --------------------------------------------------------------------


def test_an_authorisation_given_twice_is_one(
    world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    body = {
        "grantee": world.organisations["bank"].code,
        "record_types": [CONTRACT],
        "purpose": "信用卡审批",
        "valid_until": "2027-01-31",
        "evidence_kind": "upload",
        "evidence": base64.b64encode(b"%PDF-1.4 signed").decode(),
    }
    first, second = _twice(client, "/api/v1/me/authorisations", body, "citizen")
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "duplicate", "grantee")
    assert second.json()["error"]["details"]["authorisation_id"] == first.json()["id"]
    assert _count(db, Authorisation) == 1
    # Another purpose or another end date is another authorisation.
    other = client.post(
        "/api/v1/me/authorisations",
        json={**body, "purpose": "住房贷款审批"},
        headers=auth_headers(client, "citizen"),
    )
    assert other.status_code == 201
    # Revoked, the same one may be given again.
    client.post(
        f"/api/v1/me/authorisations/{first.json()['id']}/revoke",
        headers=auth_headers(client, "citizen"),
    )
    again = client.post(
        "/api/v1/me/authorisations", json=body, headers=auth_headers(client, "citizen")
    )
    assert again.status_code == 201


def test_the_authorisation_page_signed_twice_keeps_one(
    world: World, db: Session, client: TestClient
) -> None:
    """Signed in the page, the two posts differ in the second they were signed at only."""
    log_in(client, "citizen")
    form = {
        "grantee": world.organisations["bank"].code,
        "record_types": [CONTRACT],
        "purpose": "信用卡审批",
        "valid_until": "2027-01-31",
        "evidence_kind": "signed_in_page",
        "signed": "true",
        "signer_name": "王某某",
        "csrf_token": csrf_from(client.get("/me/authorisations", headers=HTML).text),
    }
    first = client.post("/me/authorisations", data=form, follow_redirects=False)
    assert first.status_code == 303, first.text[:500]
    second = client.post("/me/authorisations", data=form, headers=HTML, follow_redirects=False)
    assert 'data-code="duplicate"' in second.text, re.findall('data-code="[^"]*"', second.text)
    assert second.status_code == 422  # the page answers every refusal of its form so
    assert _count(db, Authorisation) == 1


def test_the_service_refuses_the_same_authorisation_in_force(
    world: World, db: Session, clock: Clock
) -> None:
    citizen = accounts.actor_for_user(world.users["citizen"])

    def grant() -> Authorisation:
        return authorisations.grant(
            db,
            clock,
            citizen,
            grantee=world.organisations["bank"],
            record_type_codes=[CONTRACT, CONTRACT],
            purpose=" 信用卡审批 ",
            valid_until=clock.today().replace(year=clock.today().year + 1),
            evidence_kind="signed_in_page",
            evidence="书面授权……",
        )

    grant()
    with pytest.raises(Conflict) as refused:
        grant()
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "duplicate",
        "grantee",
        "Art. 13 ¶3",
    )


def test_a_declaration_and_a_commitment_sent_twice_are_one(
    world: World, db: Session, client: TestClient
) -> None:
    regulator = world.organisations["regulator"].code
    before = _count(db, CreditRecord)
    first, second = _twice(
        client,
        "/api/v1/me/declarations",
        {"title": "关于按期纳税的声明", "content": "本公司近三年按期足额纳税。"},
        "company",
    )
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "duplicate", "title")
    first, second = _twice(
        client,
        "/api/v1/me/commitments",
        {
            "commitment_type": "信用修复承诺",
            "reason": "申请信用修复",
            "text": "本单位承诺依法诚信经营。",
            "accepting_unit": regulator,
        },
        "company",
    )
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "duplicate", "commitment_type")
    assert _count(db, CreditRecord) == before + 2


def test_an_objection_and_a_repair_application_sent_twice_are_one(
    disclosure_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    old = company_penalty(db, clock, world, decision_date=old_decision(clock))
    record_id, old_id = record.id, old.id
    db.commit()
    first, second = _twice(
        client,
        f"/api/v1/me/records/{record_id}/objections",
        {"ground": "error", "statement": "罚款金额有误"},
        "company",
    )
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "objection_pending", "record")
    assert _count(db, RecordObjection) == 1
    body = {**application(), "declared": sorted(application()["declared"])}
    first, second = _twice(client, f"/api/v1/me/records/{old_id}/repairs", body, "company")
    assert first.status_code == 201, first.text
    assert second.status_code == 409, second.text
    assert second.json()["error"]["field"] is not None
    assert _count(db, RepairCase) == 1


# --- list entries: a proposal, an objection, a public comment ---------------------------------


def test_a_proposal_and_an_objection_to_it_sent_twice_are_one(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    basis = basis_record(db, clock, lists_world, lists_world.subjects["company"]).id
    db.commit()
    body = {
        "subject": lists_world.subjects["company"].uscc,
        "standard": "dishonest_subject",
        "criteria_met": "受到较重行政处罚且拒不履行",
        "reasons": "未按期履行行政处罚决定",
        "evidence": "榕市监处罚〔2026〕12号",
        "basis_record_ids": [basis],
    }
    officer = headers(client, "caseofficer")
    first = client.post("/api/v1/list-entries", json=body, headers=officer)
    second = client.post("/api/v1/list-entries", json=body, headers=officer)
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "duplicate", "subject")
    assert _count(db, ListEntry) == 1
    entry_id = first.json()["id"]
    company = headers(client, "company")
    url = f"/api/v1/me/list-entries/{entry_id}/objection"
    one = client.post(url, json={"statement": "处罚已履行"}, headers=company)
    two = client.post(url, json={"statement": "处罚已履行"}, headers=company)
    assert one.status_code == 201, one.text
    assert _error(two) == (409, "objection_pending", "entry")
    assert _count(db, ListObjection) == 1


def test_a_public_comment_sent_twice_is_one(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    entry = red_candidate(db, clock, lists_world)
    entry_id = entry.id
    entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry_id, COMMENT)
    with pytest.raises(Conflict) as refused:
        entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry_id, COMMENT)
    assert (refused.value.code, refused.value.field) == ("duplicate", "statement")
    db.commit()
    api = client.post(
        f"/api/v1/lists/red/candidates/{entry_id}/comments", json={"statement": COMMENT}
    )
    assert _error(api) == (409, "duplicate", "statement")
    page = client.post(
        f"/lists/red/candidates/{entry_id}/comment",
        data={
            "statement": COMMENT,
            "csrf_token": csrf_from(client.get("/lists/red/candidates", headers=HTML).text),
        },
        headers=HTML,
    )
    assert page.status_code == 409
    assert 'data-code="duplicate"' in page.text
    assert _count(db, ListObjection) == 1
    # Other words are another comment.
    other = client.post(
        f"/api/v1/lists/red/candidates/{entry_id}/comments",
        json={"statement": COMMENT + "另：该企业曾被列入经营异常名录。"},
    )
    assert other.status_code == 201, other.text


def test_a_measure_applied_twice_in_a_moment_is_one(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    """The same measure, matter and reasons to the same subject by the same organisation
    on the same day: the second post is refused and the subject is given one notice; other
    reasons are another application."""
    company = lists_world.subjects["company"]
    published_entry(db, clock, lists_world, company)
    db.commit()
    body = {
        "subject": company.uscc,
        "matter": "honours",
        "measure": "pun_honours",
        "reasons": "申报市级诚信示范企业，经联合奖惩核查列入严重失信主体名单",
    }
    first, second = _twice(client, "/api/v1/measure-applications", body, "caseofficer")
    assert first.status_code == 201, first.text
    assert _error(second) == (409, "duplicate", "measure")
    assert _count(db, MeasureApplication) == 1
    other = client.post(
        "/api/v1/measure-applications",
        json={**body, "reasons": "申报省级荣誉，经核查仍在严重失信主体名单内"},
        headers=auth_headers(client, "caseofficer"),
    )
    assert other.status_code == 201, other.text
    assert _count(db, MeasureApplication) == 2
