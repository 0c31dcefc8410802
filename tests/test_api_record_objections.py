"""The objection API (Art. 25): subject → handler → source → subject, and its refusals."""

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
from tests.disclosure_helpers import (
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
)
from tests.factories import World, auth_headers
from xinyong.clock import FixedClock


def test_object_forward_correct_and_follow(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    company = auth_headers(client, "company")
    raised = client.post(
        f"/api/v1/me/records/{record.id}/objections",
        json={"ground": "error", "statement": "罚款金额有误"},
        headers=company,
    )
    assert raised.status_code == 201, raised.text
    objection_id = raised.json()["id"]
    assert raised.json()["status"] == "received"
    assert [d["what"] for d in raised.json()["deadlines"]] == ["forward", "decide"]
    again = client.post(
        f"/api/v1/me/records/{record.id}/objections",
        json={"ground": "omission", "statement": "又一次"},
        headers=company,
    )
    assert error_of(again) == (409, "objection_pending", "Art. 25")

    handler = auth_headers(client, "objections")
    queue = client.get("/api/v1/record-objections", headers=handler).json()["items"]
    assert [c["id"] for c in queue] == [objection_id]
    assert queue[0]["subject"]["name"] == world.subjects["company"].name
    forwarded = client.post(
        f"/api/v1/record-objections/{objection_id}/forward",
        json={"note": "请来源单位核实"},
        headers=handler,
    )
    assert forwarded.json()["status"] == "forwarded", forwarded.text
    refused = client.post(
        f"/api/v1/record-objections/{objection_id}/correct",
        json={"values": {"fine_amount": "1"}, "note": "x"},
        headers=handler,
    )
    assert error_of(refused)[:2] == (403, "permission_denied")

    reporter = auth_headers(client, "reporter")
    (mine,) = client.get("/api/v1/record-objections/forwarded", headers=reporter).json()["items"]
    assert mine["id"] == objection_id
    case = client.get(f"/api/v1/record-objections/{objection_id}", headers=reporter).json()
    assert "fine_amount" in {f["name"] for f in case["correctable_fields"]}
    bad = client.post(
        f"/api/v1/record-objections/{objection_id}/correct",
        json={"values": {"fine_amount": "很多"}, "note": "更正金额"},
        headers=reporter,
    )
    assert error_of(bad)[:2] == (422, "invalid_number")
    corrected = client.post(
        f"/api/v1/record-objections/{objection_id}/correct",
        json={"values": {"fine_amount": "1"}, "note": "按决定书更正金额"},
        headers=reporter,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "corrected"

    (followed,) = client.get("/api/v1/me/objections", headers=company).json()["items"]
    assert followed["decision"]["outcome"] == "upheld"
    assert followed["decision"]["by"] == "source"
    assert "subject" not in followed
    own = client.get(f"/api/v1/record-objections/{objection_id}", headers=company).json()
    assert own["history"][-1]["reason"] == f"corrected after objection {objection_id}"
    assert own["history"][-1]["content"]["fine_amount"] == "1"
    code = world.subjects["company"].uscc
    file = client.get(f"/api/v1/subjects/{code}/file", headers=company)
    assert file.status_code == 200, file.text
    (item,) = [r for r in file.json()["items"] if r["id"] == record.id]
    assert item["status"] == "corrected"
    assert item["content"]["fine_amount"] == "1"
    assert item["history"][-1]["source"]["name"] == world.organisations["regulator"].name


def test_refusals(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    db.commit()
    citizen = auth_headers(client, "citizen")
    other = client.post(
        f"/api/v1/me/records/{record.id}/objections",
        json={"ground": "error", "statement": "不是我的"},
        headers=citizen,
    )
    # Another subject's record is answered as a missing one, word for word.
    missing = client.post(
        f"/api/v1/me/records/{record.id + 10_000}/objections",
        json={"ground": "error", "statement": "不是我的"},
        headers=citizen,
    )
    assert error_of(other) == (404, "not_found", "Art. 13")
    assert other.json() == missing.json()
    company = auth_headers(client, "company")
    objection_id = client.post(
        f"/api/v1/me/records/{record.id}/objections",
        json={"ground": "error", "statement": "有误"},
        headers=company,
    ).json()["id"]
    reporter = auth_headers(client, "reporter")
    early = client.post(
        f"/api/v1/record-objections/{objection_id}/decide",
        json={"outcome": "rejected", "reasons": "无误"},
        headers=reporter,
    )
    assert error_of(early) == (403, "not_forwarded", "Art. 25")
    querier = auth_headers(client, "querier")
    peek = client.get(f"/api/v1/record-objections/{objection_id}", headers=querier)
    assert error_of(peek)[:2] == (403, "permission_denied")
