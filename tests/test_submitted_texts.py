"""Texts the public and subjects submit are screened where they are written, as officers'
texts and a person's batch rows are (review r4 of session 19, finding 3; decision 0044,
session 19 addendum): a citizen ID number is refused ``citizen_id_in_text`` (Art. 4 ¶2)
and what Art. 11 ¶3 forbids collecting ``prohibited_content`` (Art. 11 ¶3), on the field,
through the service, the API (422) and the page (which keeps what was typed), and nothing
is written. A subject's own number is refused too."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import ast
import base64
import html
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    CONTRACT,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    red_candidate,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.repair_helpers import application, old_decision
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord
from xinyong.disclosure.models import Authorisation
from xinyong.errors import InvalidInput
from xinyong.lists import entries
from xinyong.lists.models import EarlyRemovalApplication, ListObjection
from xinyong.objections.models import RecordObjection
from xinyong.repair.models import RepairCase
from xinyong.subjects.service import reveal_citizen_id

# A third person's number, typed as people type one (groups apart), and their health: the
# review's comment and objection.
WITH_ID = "处罚对象实为个人张某（身份证 350102 19940315 7723），非本公司。"
WITH_ILLNESS = "该企业法定代表人张某患有乙肝病史，另有失信行为，请核实。"
CLEAN = "处罚决定所认定的违法事实与本公司实际经营情况不符。"
ID_REFUSED = ("citizen_id_in_text", "Art. 4 ¶2")
ILLNESS_REFUSED = ("prohibited_content", "Art. 11 ¶3")


SOURCES = Path(__file__).resolve().parent.parent / "src" / "xinyong"
# Where each text from outside is written: the functions that must screen it.
SCREENED = {
    "lists/entries.py": ("comment_on", "object_to"),
    "objections/service.py": ("raise_objection",),
    "repair/service.py": ("apply",),
    "lists/early_removal.py": ("apply",),
    "collection/records.py": ("declare", "make_commitment"),
    "disclosure/authorisations.py": ("grant",),
}


@pytest.mark.parametrize("path", sorted(SCREENED))
def test_every_text_from_outside_is_screened_where_it_is_written(path: str) -> None:
    tree = ast.parse((SOURCES / path).read_text(encoding="utf-8"))
    screening = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "refuse_personal_data"
    }
    assert set(SCREENED[path]) <= screening


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _api_refused(response: Response, field: str, refused: tuple[str, str]) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (*refused, field)


def _page_refused(response: Response, field: str, code: str, typed: str) -> None:
    assert response.status_code == 422, response.text[:500]
    assert f'data-code="{code}"' in response.text
    assert f"<dd>{field}</dd>" in response.text
    assert html.escape(typed, quote=False) in response.text, "what was typed is kept"


def _service_refused(
    exc: pytest.ExceptionInfo[InvalidInput], field: str, refused: tuple[str, str]
) -> None:
    assert (exc.value.code, exc.value.article, exc.value.field) == (*refused, field)


# --- the public: a comment on a red-list candidate -----------------------------------------------


def test_a_public_comment_is_screened_on_the_service_the_api_and_the_page(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    entry_id = red_candidate(db, clock, lists_world).id
    db.commit()
    for statement, contact, field, refused in (
        (WITH_ID, "", "statement", ID_REFUSED),
        (WITH_ILLNESS, "", "statement", ILLNESS_REFUSED),
        (CLEAN, "身份证350102199403157723", "contact", ID_REFUSED),
        # Review r18: a letter after the number passed as "part of a longer code".
        ("该企业负责人身份证350102199403157723A，请核实", "", "statement", ID_REFUSED),
    ):
        with pytest.raises(InvalidInput) as exc:
            entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry_id, statement, contact=contact)
        _service_refused(exc, field, refused)
        api = client.post(
            f"/api/v1/lists/red/candidates/{entry_id}/comments",
            json={"statement": statement, "contact": contact},
        )
        _api_refused(api, field, refused)
    page = client.post(
        f"/lists/red/candidates/{entry_id}/comment",
        data={
            "statement": WITH_ILLNESS,
            "csrf_token": csrf_from(client.get("/lists/red/candidates", headers=HTML).text),
        },
        headers=HTML,
    )
    _page_refused(page, "statement", "prohibited_content", WITH_ILLNESS)
    assert _count(db, ListObjection) == 0
    ok = client.post(f"/api/v1/lists/red/candidates/{entry_id}/comments", json={"statement": CLEAN})
    assert ok.status_code == 201, ok.text


# --- a subject's objections (Art. 25) -----------------------------------------------------------


def test_an_objection_to_a_list_entry_is_screened_on_the_api_and_the_page(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    entry_id = published_entry(db, clock, lists_world, lists_world.subjects["company"]).id
    db.commit()
    with pytest.raises(InvalidInput) as exc:
        entries.object_to(db, clock, actor(lists_world, "company"), entry_id, WITH_ID)
    _service_refused(exc, "statement", ID_REFUSED)
    api = client.post(
        f"/api/v1/me/list-entries/{entry_id}/objection",
        json={"statement": WITH_ILLNESS},
        headers=auth_headers(client, "company"),
    )
    _api_refused(api, "statement", ILLNESS_REFUSED)
    log_in(client, "company")
    page = client.post(
        f"/me/notices/{entry_id}/objection",
        data={
            "statement": WITH_ID,
            "csrf_token": csrf_from(client.get("/me/notices", headers=HTML).text),
        },
        headers=HTML,
    )
    _page_refused(page, "statement", "citizen_id_in_text", WITH_ID)
    assert _count(db, ListObjection) == 0


def test_an_objection_to_a_record_is_screened_on_the_api_and_the_page(
    disclosure_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    record_id = company_penalty(db, clock, disclosure_world).id
    db.commit()
    api = client.post(
        f"/api/v1/me/records/{record_id}/objections",
        json={"ground": "error", "statement": WITH_ID},
        headers=auth_headers(client, "company"),
    )
    _api_refused(api, "statement", ID_REFUSED)
    log_in(client, "company")
    page = client.post(
        "/me/objections",
        data={
            "record": record_id,
            "ground": "error",
            "statement": WITH_ILLNESS,
            "csrf_token": csrf_from(client.get("/me/objections", headers=HTML).text),
        },
        headers=HTML,
    )
    _page_refused(page, "statement", "prohibited_content", WITH_ILLNESS)
    assert _count(db, RecordObjection) == 0


# --- applications: credit repair (Art. 21), early removal (SAMR Order 44) ------------------------


@pytest.mark.parametrize("field", ["correction", "evidence", "commitment_text"])
def test_a_repair_application_is_screened_on_the_api_and_the_page(
    disclosure_world: World, db: Session, clock: Clock, client: TestClient, field: str
) -> None:
    record_id = company_penalty(db, clock, disclosure_world, decision_date=old_decision(clock)).id
    db.commit()
    body = {**application(), "declared": sorted(application()["declared"]), field: WITH_ID}
    api = client.post(
        f"/api/v1/me/records/{record_id}/repairs",
        json=body,
        headers=auth_headers(client, "company"),
    )
    _api_refused(api, field, ID_REFUSED)
    log_in(client, "company")
    page = client.post(
        "/me/repairs",
        data={
            **body,
            field: WITH_ILLNESS,
            "record": record_id,
            "csrf_token": csrf_from(client.get(f"/me/repairs?record={record_id}").text),
        },
        headers=HTML,
    )
    _page_refused(page, field, "prohibited_content", WITH_ILLNESS)
    assert _count(db, RepairCase) == 0


@pytest.mark.parametrize("field", ["obligations_met", "evidence"])
def test_an_early_removal_application_is_screened_on_the_api_and_the_page(
    lists_world: World, db: Session, clock: Clock, client: TestClient, field: str
) -> None:
    entry_id = published_entry(
        db, clock, lists_world, lists_world.subjects["company"], approved_days_ago=400
    ).id
    db.commit()
    body: dict[str, Any] = {
        "obligations_met": "罚款已缴清",
        "evidence": "缴款凭证",
        "commitment": True,
        field: WITH_ILLNESS,
    }
    api = client.post(
        f"/api/v1/me/list-entries/{entry_id}/early-removal",
        json=body,
        headers=auth_headers(client, "company"),
    )
    _api_refused(api, field, ILLNESS_REFUSED)
    log_in(client, "company")
    page = client.post(
        f"/me/notices/{entry_id}/early-removal",
        data={
            **body,
            field: WITH_ID,
            "commitment": "true",
            "csrf_token": csrf_from(client.get("/me/notices", headers=HTML).text),
        },
        headers=HTML,
    )
    _page_refused(page, field, "citizen_id_in_text", WITH_ID)
    assert _count(db, EarlyRemovalApplication) == 0


# --- declarations and commitments (Art. 10 ¶2), an authorisation's purpose (Art. 13) -------------


def test_a_declaration_and_a_commitment_are_screened_on_the_api_and_the_page(
    disclosure_world: World, db: Session, client: TestClient
) -> None:
    regulator = disclosure_world.organisations["regulator"].code
    before = _count(db, CreditRecord)
    company = auth_headers(client, "company")
    declared = client.post(
        "/api/v1/me/declarations",
        json={"title": "关于按期纳税的声明", "content": WITH_ILLNESS},
        headers=company,
    )
    _api_refused(declared, "content", ILLNESS_REFUSED)
    commitment = {
        "commitment_type": "信用承诺",
        "reason": "申请行政许可",
        "text": WITH_ID,
        "accepting_unit": regulator,
    }
    committed = client.post("/api/v1/me/commitments", json=commitment, headers=company)
    _api_refused(committed, "text", ID_REFUSED)
    log_in(client, "company")
    token = csrf_from(client.get("/me/declarations", headers=HTML).text)
    page = client.post(
        "/me/declarations",
        data={"title": WITH_ID, "content": "本公司近三年按期足额纳税。", "csrf_token": token},
        headers=HTML,
    )
    _page_refused(page, "title", "citizen_id_in_text", WITH_ID)
    page = client.post(
        "/me/commitments",
        data={**commitment, "reason": WITH_ILLNESS, "text": CLEAN, "csrf_token": token},
        headers=HTML,
    )
    _page_refused(page, "reason", "prohibited_content", WITH_ILLNESS)
    assert _count(db, CreditRecord) == before


def test_an_authorisations_purpose_is_screened_on_the_api_and_the_page(
    world: World, db: Session, client: TestClient
) -> None:
    body = {
        "grantee": world.organisations["bank"].code,
        "record_types": [CONTRACT],
        "purpose": f"信用卡审批，张某 {WITH_ID}",
        "valid_until": "2027-01-31",
        "evidence_kind": "upload",
        "evidence": base64.b64encode(b"%PDF-1.4 signed").decode(),
    }
    api = client.post(
        "/api/v1/me/authorisations", json=body, headers=auth_headers(client, "citizen")
    )
    _api_refused(api, "purpose", ID_REFUSED)
    log_in(client, "citizen")
    page = client.post(
        "/me/authorisations",
        data={
            **{k: v for k, v in body.items() if k != "evidence"},
            "purpose": "信用卡审批：本人血型为AB型",
            "evidence_kind": "signed_in_page",
            "signed": "true",
            "signer_name": "王某某",
            "csrf_token": csrf_from(client.get("/me/authorisations", headers=HTML).text),
        },
        headers=HTML,
    )
    _page_refused(page, "purpose", "prohibited_content", "信用卡审批：本人血型为AB型")
    assert _count(db, Authorisation) == 0


# --- the subject's own number --------------------------------------------------------------------


def test_a_person_does_not_write_its_own_number_either(
    disclosure_world: World, db: Session, client: TestClient
) -> None:
    """The declaration is filed in the person's own file, which names the person (masked,
    to staff): the number adds nothing a reader needs, as an officer's reasons about a
    person may not quote it either."""
    own = reveal_citizen_id(disclosure_world.subjects["person"])
    assert own is not None
    before = _count(db, CreditRecord)
    declared = client.post(
        "/api/v1/me/declarations",
        json={"title": "本人声明", "content": f"本人（身份证号{own}）近三年无欠款。"},
        headers=auth_headers(client, "citizen"),
    )
    _api_refused(declared, "content", ID_REFUSED)
    masked = f"{own[:6]}********{own[-4:]}"
    accepted = client.post(
        "/api/v1/me/declarations",
        json={"title": "本人声明", "content": f"本人（身份证号{masked}）近三年无欠款。"},
        headers=auth_headers(client, "citizen"),
    )
    assert accepted.status_code == 201, accepted.text
    assert _count(db, CreditRecord) == before + 1
