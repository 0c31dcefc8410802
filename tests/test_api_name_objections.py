"""The API of a person's objection to its registered name (Art. 25; decision 0051): the
person raises it, the handler decides, the person's own file then bears the corrected name;
and the refusals, each with its code and field."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    held_person_row,
)
from tests.factories import World, auth_headers
from tests.name_objection_helpers import CORRECT_NAME, EVIDENCE, PNG
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent


def error(response: object) -> tuple[int, str, str | None]:
    body = response.json()  # type: ignore[attr-defined]
    return (
        response.status_code,  # type: ignore[attr-defined]
        body["error"]["code"],
        body["error"].get("field"),
    )


def test_raise_decide_and_the_person_bears_the_corrected_name(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    citizen = auth_headers(client, "citizen")
    raised = client.post(
        "/api/v1/me/name-objections",
        json={"name": CORRECT_NAME, "statement": "身份证姓名为王某", "evidence": EVIDENCE},
        headers=citizen,
    )
    assert raised.status_code == 201, raised.text
    body = raised.json()
    assert (body["registered_name"], body["stated_name"], body["status"]) == (
        "王某某",
        CORRECT_NAME,
        "received",
    )
    assert [d["what"] for d in body["deadlines"]] == ["decide"]
    assert "subject" not in body
    objection_id = body["id"]
    again = client.post(
        "/api/v1/me/name-objections",
        json={"name": "王某一", "evidence": EVIDENCE},
        headers=citizen,
    )
    assert error(again) == (409, "name_objection_pending", "name")

    handler = auth_headers(client, "objections")
    (listed,) = client.get("/api/v1/name-objections", headers=handler).json()["items"]
    assert listed["id"] == objection_id
    assert listed["subject"]["reference"] == collection_world.subjects["person"].reference
    document = client.get(f"/api/v1/name-objections/{objection_id}/evidence", headers=handler)
    assert document.status_code == 200
    assert document.content == PNG
    assert document.headers["content-type"] == "image/png"
    decided = client.post(
        f"/api/v1/name-objections/{objection_id}/decide",
        json={"outcome": "upheld", "reasons": "与身份证核对一致"},
        headers=handler,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "upheld"
    assert decided.json()["current_name"] == CORRECT_NAME
    closed = client.get("/api/v1/name-objections?closed=true", headers=handler).json()
    assert [c["id"] for c in closed["items"]] == [objection_id]

    (mine,) = client.get("/api/v1/me/name-objections", headers=citizen).json()["items"]
    assert mine["decision"]["reasons"] == "与身份证核对一致"
    assert mine["decision"]["article"] == "Art. 25"
    twice = client.post(
        f"/api/v1/name-objections/{objection_id}/decide",
        json={"outcome": "rejected", "reasons": "再议"},
        headers=handler,
    )
    assert error(twice) == (409, "objection_closed", "objection")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "王某某", "evidence": EVIDENCE}, "name_unchanged", "name"),
        ({"name": " ", "evidence": EVIDENCE}, "required", "name"),
        ({"name": "王" * 201, "evidence": EVIDENCE}, None, "name"),
        (
            {"name": CORRECT_NAME, "evidence": "bm90IGFuIGltYWdl"},
            "evidence_type_unsupported",
            "evidence",
        ),
        ({"name": CORRECT_NAME}, None, "evidence"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_field(
    client: TestClient,
    db: Session,
    collection_world: World,
    body: dict[str, str],
    code: str | None,
    field: str,
) -> None:
    refused = client.post(
        "/api/v1/me/name-objections", json=body, headers=auth_headers(client, "citizen")
    )
    status, found_code, found_field = error(refused)
    assert status == 422, refused.text
    if code is not None:
        assert found_code == code
    assert found_field is not None
    assert field in found_field


def test_an_organisation_and_another_person_are_refused(
    client: TestClient, db: Session, collection_world: World
) -> None:
    company = client.post(
        "/api/v1/me/name-objections",
        json={"name": "福州晨光", "evidence": EVIDENCE},
        headers=auth_headers(client, "company"),
    )
    assert error(company)[:2] == (403, "not_natural_person")
    assert company.json()["error"]["article"] == "Art. 25"
    raised = client.post(
        "/api/v1/me/name-objections",
        json={"name": CORRECT_NAME, "evidence": EVIDENCE},
        headers=auth_headers(client, "citizen"),
    ).json()
    other = auth_headers(client, "other_citizen")
    for path in ("", "/evidence"):
        seen = client.get(f"/api/v1/name-objections/{raised['id']}{path}", headers=other)
        assert error(seen)[:2] == (404, "not_found")


def test_the_handler_records_one_on_the_persons_behalf(
    client: TestClient, db: Session, collection_world: World
) -> None:
    person = collection_world.subjects["person"]
    handler = auth_headers(client, "objections")
    probe = client.post(
        "/api/v1/name-objections",
        json={"citizen_id": citizen_id_of(person), "name": person.name, "evidence": EVIDENCE},
        headers=handler,
    )
    assert error(probe) == (422, "name_unchanged", "name")
    # Rolled back, but the lookup by ID number is in the person's log (Art. 24).
    assert db.scalars(
        select(AccessEvent.id).where(
            AccessEvent.subject_id == person.id, AccessEvent.what == access.PERSON_LOOKUP
        )
    ).all()
    recorded = client.post(
        "/api/v1/name-objections",
        json={
            "citizen_id": citizen_id_of(person),
            "name": CORRECT_NAME,
            "statement": "本人到窗口出示身份证",
            "evidence": EVIDENCE,
        },
        headers=handler,
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["on_behalf"] is True
    # The person sees it among its own.
    (mine,) = client.get(
        "/api/v1/me/name-objections", headers=auth_headers(client, "citizen")
    ).json()["items"]
    assert mine["id"] == recorded.json()["id"]


def test_the_held_rows_review_says_the_person_bears_the_rows_name_after_correction(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    """Not released by the correction (a person decides each held row, decision 0050), but
    its review, on the API and the page, says the subject bears the row's name now."""
    held = held_person_row(db, clock, collection_world)  # 王某, the person is 王某某
    authority = auth_headers(client, "authority")
    before = client.get(f"/api/v1/held-rows/{held.id}", headers=authority).json()
    assert before["name_now_borne"] is False
    raised = client.post(
        "/api/v1/me/name-objections",
        json={"name": CORRECT_NAME, "evidence": EVIDENCE},
        headers=auth_headers(client, "citizen"),
    ).json()
    decided = client.post(
        f"/api/v1/name-objections/{raised['id']}/decide",
        json={"outcome": "upheld", "reasons": "与身份证核对一致"},
        headers=auth_headers(client, "objections"),
    )
    assert decided.status_code == 200, decided.text
    after = client.get(f"/api/v1/held-rows/{held.id}", headers=authority).json()
    assert after["name_now_borne"] is True
    assert after["decision"] is None
    log_in(client, "authority")
    page = client.get(f"/held-rows/{held.id}", headers=HTML)
    assert "data-name-now-borne" in page.text


def test_the_pages_raise_decide_and_show_the_file_with_the_correction(
    client: TestClient, db: Session, clock: FixedClock, collection_world: World
) -> None:
    log_in(client, "citizen")
    page = client.get("/me/name", headers=HTML)
    assert page.status_code == 200, page.text
    token = csrf_from(page.text)
    refused = client.post(
        "/me/name",
        data={"name": "王某某", "statement": "", "csrf_token": token},
        files={"evidence": ("id.png", PNG, "image/png")},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="name_unchanged"' in refused.text
    done = client.post(
        "/me/name",
        data={"name": CORRECT_NAME, "statement": "", "csrf_token": token},
        files={"evidence": ("id.png", PNG, "image/png")},
        headers=HTML,
    )
    assert done.status_code == 200, done.text
    assert "data-name-objection=" in done.text
    (objection_id,) = [
        c["id"]
        for c in client.get(
            "/api/v1/me/name-objections", headers=auth_headers(client, "citizen")
        ).json()["items"]
    ]
    log_in(client, "objections")
    case = client.get(f"/name-objections/{objection_id}", headers=HTML)
    assert f'action="/name-objections/{objection_id}/decide"' in case.text
    person = collection_world.subjects["person"]

    def case_uses() -> int:
        db.expire_all()
        return len(
            db.scalars(
                select(AccessEvent).where(
                    AccessEvent.subject_id == person.id,
                    AccessEvent.what == access.NAME_OBJECTION,
                )
            ).all()
        )

    # Each request is one use in the person's log: a refused decision shows the case again
    # (one read), a decision answers with it (one use, review of session 23), and the case
    # shown after it is read again.
    before = case_uses()
    refused_decision = client.post(
        f"/name-objections/{objection_id}/decide",
        data={"outcome": "upheld", "reasons": "", "csrf_token": csrf_from(case.text)},
        headers=HTML,
    )
    assert refused_decision.status_code == 422
    assert case_uses() == before + 1
    decided_only = client.post(
        f"/name-objections/{objection_id}/decide",
        data={"outcome": "upheld", "reasons": "核对一致", "csrf_token": csrf_from(case.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert decided_only.status_code == 303
    assert case_uses() == before + 2
    decided = client.get(decided_only.headers["location"], headers=HTML)
    assert 'data-done="decided"' in decided.text
    assert case_uses() == before + 3
    log_in(client, "citizen")
    file = client.get("/me/credit", headers=HTML)
    assert file.status_code == 200, file.text
    assert f"data-current-name>{CORRECT_NAME}<" in file.text
    # The wrong name is shown as corrected, in the change's row, not as a former name
    # (decision 0051, session 24 addendum).
    assert "data-former-names" not in file.text
    assert f'data-name-change="{objection_id}"' in file.text


def test_a_document_too_large_on_the_page_is_refused_citing_art_25(
    client: TestClient, collection_world: World
) -> None:
    """Review r13: the refusal of a file past 1.5 MB named no article."""
    from xinyong.objections import names as name_objections

    log_in(client, "citizen")
    token = csrf_from(client.get("/me/name", headers=HTML).text)
    refused = client.post(
        "/me/name",
        data={"name": CORRECT_NAME, "statement": "", "csrf_token": token},
        files={
            "evidence": ("id.png", PNG + bytes(name_objections.MAX_EVIDENCE_BYTES), "image/png")
        },
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="too_large"' in refused.text
    assert "<dd>第二十五条</dd>" in refused.text
