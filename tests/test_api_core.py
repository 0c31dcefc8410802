"""The core API: identifier checks, organisation search, tokens and API keys, the error format."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW
from tests.factories import PASSWORD, CompanyFactory, World, auth_headers, released_api_key
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock

VALID_USCC = "91350100M000100Y43"
VALID_CITIZEN_ID = "11010519491231002X"

# (input, kind, error code). Each citizen-ID-shaped input is somebody's number with a typo
# and must come back masked, never in clear.
INVALID_CODES = [
    ("91350100M000100Y4", "uscc", "length"),
    ("3501021994031577", "citizen_id", "length"),
    ("91350100M000100YI3", "uscc", "charset"),
    ("91350100M000100Y44", "uscc", "check_character"),
    ("110105194912310021", "citizen_id", "check_character"),
    ("91350100M000100Y0N", "uscc", "organisation_code_check"),
    ("350102199413157723", "citizen_id", "birth_date"),
    ("350102202712010017", "citizen_id", "birth_date"),  # born after the test clock's today
    ("050102199403157723", "citizen_id", "address_code"),
]
CITIZEN_LIKE = [code for code, kind, _ in INVALID_CODES if kind == "citizen_id"]


def assert_error_format(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "article", "field"} <= set(error)
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


def audit_rows(db: Session) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).order_by(AuditEvent.sequence)))


def audit_text(db: Session) -> str:
    """Every column of every audit row, as one string to search."""
    return "\n".join(audit.canonical_json(vars_of(row)) for row in audit_rows(db))


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the platform logged (the test's own HTTP client logs every URL it requests)."""
    return "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("httpx")
    )


def vars_of(row: AuditEvent) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in AuditEvent.__table__.columns}


@pytest.fixture
def world(world: World, db: Session) -> World:
    """The demo world, committed. The test client shares the test's session, and a refused
    request rolls that session back to its last commit (in production only the request's
    own work): without this commit a refusal would wipe the world."""
    db.commit()
    return world


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about the API, not the hash's cost
    (tests/test_accounts.py checks the real hasher)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


# --- identifiers -----------------------------------------------------------------------------


def test_identifier_valid_uscc(client: TestClient) -> None:
    response = client.get(f"/api/v1/identifiers/{VALID_USCC}")
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "kind": "uscc",
        "normalised": VALID_USCC,
        "masked": VALID_USCC,
        "error": None,
    }


def test_identifier_valid_uscc_is_normalised(client: TestClient) -> None:
    # Full-width characters, spaces and lower case are what people paste in.
    response = client.get("/api/v1/identifiers/９１３５０１００ｍ０００１００ｙ４３")
    assert response.json()["valid"] is True
    assert response.json()["normalised"] == VALID_USCC


def test_identifier_valid_citizen_id(
    client: TestClient, db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    before = len(audit_rows(db))
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/api/v1/identifiers/{VALID_CITIZEN_ID.lower()}")
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "valid": True,
        "kind": "citizen_id",
        # The caller's own input, echoed back normalised: the API is public and stores
        # nothing, so this is acceptable; it must not be logged or audited, though.
        "normalised": VALID_CITIZEN_ID,
        "masked": "110105********002X",
        "error": None,
    }
    assert VALID_CITIZEN_ID not in server_log(caplog)
    assert len(audit_rows(db)) == before, "a public check must not write the audit trail"


@pytest.mark.parametrize(("code", "kind", "error_code"), INVALID_CODES)
def test_identifier_errors(
    client: TestClient,
    db: Session,
    caplog: pytest.LogCaptureFixture,
    code: str,
    kind: str,
    error_code: str,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = client.get(f"/api/v1/identifiers/{code}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"valid", "kind", "normalised", "masked", "error"}
    assert body["valid"] is False
    assert body["kind"] == kind
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == error_code
    assert body["error"]["message"]
    if kind == "citizen_id":
        # Never the number in clear: not normalised, not in the message, masked if at all.
        assert body["normalised"] is None
        assert code not in response.text
        assert code[6:14] not in response.text, "the birth date is what masking hides"
        if body["masked"] is not None:
            assert body["masked"] == code[:6] + "********" + code[-4:]
        assert code not in server_log(caplog)
        assert code not in audit_text(db)
    else:
        assert body["normalised"] == code


def test_identifier_empty_code_is_not_routed(client: TestClient) -> None:
    # `empty` cannot be reached through the path: there is no route for a blank segment.
    response = client.get("/api/v1/identifiers/")
    assert_error_format(response, 404, "not_found")


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


@pytest.mark.parametrize(("code", "kind", "error_code"), INVALID_CODES)
def test_check_code_page_shows_the_same_error(
    client: TestClient, code: str, kind: str, error_code: str
) -> None:
    form = client.get("/check-code")
    assert form.status_code == 200
    response = client.post("/check-code", data={"code": code, "csrf_token": csrf_from(form.text)})
    assert response.status_code == 200
    assert 'data-valid="false"' in response.text
    assert f'<code class="error-code">{error_code}</code>' in response.text
    if kind == "citizen_id":
        assert code not in response.text


def test_check_code_page_valid_citizen_id_is_shown_masked(client: TestClient) -> None:
    form = client.get("/check-code")
    response = client.post(
        "/check-code", data={"code": VALID_CITIZEN_ID, "csrf_token": csrf_from(form.text)}
    )
    assert response.status_code == 200
    assert 'data-valid="true"' in response.text
    assert "110105********002X" in response.text
    assert VALID_CITIZEN_ID not in response.text


def test_check_code_page_refuses_a_post_without_csrf_token(client: TestClient) -> None:
    client.get("/check-code")  # a session exists, but the form token is missing
    response = client.post("/check-code", data={"code": VALID_USCC})
    assert_error_format(response, 403, "csrf_failed")
    wrong = client.post("/check-code", data={"code": VALID_USCC, "csrf_token": "forged"})
    assert_error_format(wrong, 403, "csrf_failed")


def test_check_code_page_refusal_is_an_html_page_for_browsers(client: TestClient) -> None:
    response = client.post(
        "/check-code", data={"code": VALID_USCC}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-code="csrf_failed"' in response.text


# --- organisation search ---------------------------------------------------------------------


@pytest.fixture
def homophone(world: World) -> str:
    """Another company whose name sounds exactly like world's company (辰 for 晨)."""
    CompanyFactory(name="福州辰光文具贸易有限公司")
    return "福州辰光文具贸易有限公司"


def search(client: TestClient, q: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/subjects", params={"q": q})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"items", "more"}
    items: list[dict[str, Any]] = body["items"]
    for item in items:
        assert {"code", "name", "kind", "matched_name", "score", "exact"} <= set(item)
    return items


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("福州晨光文具贸易有限公司", id="exact"),
        pytest.param("福州晨光文具貿易有限公司", id="traditional"),
        pytest.param("福州晨光文具贸易有限公司 ", id="trailing-space"),
        pytest.param("福州晨光文具贸易（有限公司）", id="full-width-brackets"),
        pytest.param("晨光文具贸易有限公司", id="no-area-prefix"),
        pytest.param("福州晨光文具贸易有限责任公司", id="legal-form-variant"),
        pytest.param("福州晨光文具贸易有线公司", id="one-character-typo"),
        pytest.param("福州晨光文具店", id="former-name"),
    ],
)
def test_search_finds_the_company_first(
    client: TestClient, world: World, homophone: str, query: str
) -> None:
    company = world.subjects["company"]
    items = search(client, query)
    assert items, f"nothing found for {query}"
    assert items[0]["code"] == company.uscc
    assert items[0]["name"] == "福州晨光文具贸易有限公司"
    names = [item["name"] for item in items]
    if homophone in names:
        assert names.index(homophone) > 0


def test_search_full_width_query(client: TestClient, world: World) -> None:
    # The same name typed with a full-width space and full-width digits in the code.
    items = search(client, "福州晨光　文具贸易有限公司")
    assert items[0]["code"] == world.subjects["company"].uscc
    assert items[0]["exact"] is True
    code = world.subjects["company"].uscc
    assert code is not None
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)
    assert search(client, full_width)[0]["code"] == code


def test_search_former_name_reports_the_matched_name(client: TestClient, world: World) -> None:
    items = search(client, "福州晨光文具店")
    assert items[0]["name"] == "福州晨光文具贸易有限公司"
    assert items[0]["matched_name"] == "福州晨光文具店"


def test_search_by_uscc(client: TestClient, world: World) -> None:
    code = world.subjects["other_company"].uscc
    assert code is not None
    items = search(client, code)
    assert items[0]["code"] == code
    assert items[0]["name"] == "福州海峡物流有限公司"
    assert items[0]["exact"] is True
    # Lower case and spaces are normalised like any pasted code.
    assert search(client, f" {code[:8].lower()} {code[8:]}")[0]["code"] == code


def test_homophone_never_outranks_the_exact_match(
    client: TestClient, world: World, homophone: str
) -> None:
    items = search(client, "福州晨光文具贸易有限公司")
    names = [item["name"] for item in items]
    assert names[0] == "福州晨光文具贸易有限公司"
    assert homophone in names
    assert items[0]["score"] > items[names.index(homophone)]["score"]
    # And the other way round: each company is first for its own name.
    assert search(client, homophone)[0]["name"] == homophone


def test_search_never_lists_natural_persons(client: TestClient, world: World) -> None:
    assert search(client, "王某某") == []
    assert search(client, "李某某") == []
    assert search(client, "某某") == []
    person = world.subjects["person"]
    assert search(client, person.reference) == []


def test_search_without_q_is_422_with_field(client: TestClient) -> None:
    error = assert_error_format(client.get("/api/v1/subjects"), 422, "invalid_request")
    assert error["field"] == "q"


# --- tokens, API keys and login auditing ----------------------------------------------------


def test_token_is_usable_as_bearer(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": "reporter", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type"}
    assert body["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "kind": "user",
        "role": "data_reporter",
        "organisation_id": world.organisations["regulator"].id,
        "subject_id": None,
        "label": "reporter",
        "standing": None,
    }


def test_username_is_case_insensitive(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/auth/token", data={"username": " Reporter ", "password": PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("username", "password"), [("reporter", "wrong password!"), ("nobody", PASSWORD)]
)
def test_bad_credentials_are_401_with_www_authenticate(
    client: TestClient, world: World, username: str, password: str
) -> None:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert_error_format(response, 401, "bad_credentials")
    assert response.headers["www-authenticate"] == "Bearer"
    # The same answer whether the user exists or not.
    assert response.json()["error"]["message"] == "wrong username or password"


def test_empty_password_is_a_validation_error(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "reporter", "password": ""})
    assert_error_format(response, 422, "invalid_request")


def test_the_user_list_shows_when_each_account_last_logged_in(
    client: TestClient, world: World
) -> None:
    headers = auth_headers(client, "admin")  # a login through /api/v1/auth/token
    listed = client.get("/api/v1/admin/users", headers=headers).json()["items"]
    users = {u["username"]: u for u in listed}
    logged_in = dt.datetime.fromisoformat(users["admin"]["last_login_at"])
    assert logged_in == TEST_NOW
    assert users["querier"]["last_login_at"] is None


def test_bad_bearer_token_is_401(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert_error_format(response, 401, "bad_token")
    assert response.headers["www-authenticate"] == "Bearer"


def test_token_of_a_deactivated_user_stops_working(
    client: TestClient, db: Session, clock: FixedClock, world: World
) -> None:
    headers = auth_headers(client, "reporter")
    accounts.deactivate_user(db, clock, SYSTEM_ACTOR, world.users["reporter"].id)
    db.commit()
    assert_error_format(client.get("/api/v1/me", headers=headers), 401, "inactive_account")


def test_login_rate_limit(client: TestClient, world: World) -> None:
    limit = client.app.state.context.settings.login_attempts_per_window  # type: ignore[attr-defined]
    for _ in range(limit):
        response = client.post(
            "/api/v1/auth/token", data={"username": "querier", "password": "wrong password!"}
        )
        assert response.status_code == 401
    blocked = client.post("/api/v1/auth/token", data={"username": "querier", "password": PASSWORD})
    assert_error_format(blocked, 429, "rate_limited")
    assert int(blocked.headers["retry-after"]) > 0
    assert PASSWORD not in blocked.text


def test_failed_activations_do_not_lock_logins_from_the_same_address(
    client: TestClient, world: World
) -> None:
    """Activation has its own limits (per account and per address): someone trying codes
    from a shared address is stopped without locking everyone out of logging in."""
    limit = client.app.state.context.settings.login_attempts_per_window  # type: ignore[attr-defined]
    attempt = {"username": "citizen", "code": "AAAA-BBBB-CCCC-DDDD-EEEE", "password": "x" * 16}
    for n in range(limit + 1):
        tried = client.post("/api/v1/auth/activate", data={**attempt, "username": f"u{n}"})
    assert tried.status_code == 429
    logged_in = client.post(
        "/api/v1/auth/token", data={"username": "querier", "password": PASSWORD}
    )
    assert logged_in.status_code == 200, logged_in.text


def test_logins_are_audited_without_the_password(
    client: TestClient, db: Session, world: World
) -> None:
    wrong = "wrong horse battery"
    analyst_id = world.users["analyst"].id
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "analyst", "password": wrong}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/auth/token", data={"username": "analyst", "password": PASSWORD}
        ).status_code
        == 200
    )
    logins = [row for row in audit_rows(db) if row.action == "auth.login"]
    refused = [row for row in logins if row.outcome == "refused"]
    succeeded = [row for row in logins if row.outcome == "ok"]
    assert len(refused) == 1
    assert refused[0].actor_kind == "anonymous"
    assert len(succeeded) == 1
    assert succeeded[0].actor_id == f"user:{analyst_id}"
    assert succeeded[0].target_id == str(analyst_id)
    everything = audit_text(db)
    assert wrong not in everything
    assert PASSWORD not in everything
    assert audit.verify(db).ok


def test_refused_access_is_audited(client: TestClient, db: Session, world: World) -> None:
    before = audit_rows(db)[-1].sequence
    assert_error_format(client.get("/api/v1/me"), 401, "not_authenticated")
    refused = [
        row for row in audit_rows(db) if row.sequence > before and row.action == "access.refused"
    ]
    assert len(refused) == 1
    assert refused[0].outcome == "refused"
    assert refused[0].actor_kind == "anonymous"
    assert refused[0].details["code"] == "not_authenticated"
    assert refused[0].details["route"] == "/api/v1/me"
    assert refused[0].details["method"] == "GET"


@pytest.fixture
def api_key(db: Session, clock: FixedClock, world: World) -> tuple[int, str]:
    key, secret = released_api_key(
        db, clock, world.organisations["regulator"], Role.DATA_REPORTER, "records system"
    )
    db.commit()
    return key.id, secret


@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_api_key_authenticates(
    client: TestClient, world: World, api_key: tuple[int, str], how: str
) -> None:
    _, secret = api_key
    assert secret.startswith("xy_")
    headers = {"Authorization": f"Bearer {secret}"} if how == "bearer" else {"X-API-Key": secret}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "api_key"
    assert body["role"] == "data_reporter"
    assert body["organisation_id"] == world.organisations["regulator"].id


def test_api_key_secret_is_not_stored(db: Session, api_key: tuple[int, str]) -> None:
    from xinyong.accounts.models import ApiKey

    key_id, secret = api_key
    stored = db.get(ApiKey, key_id)
    assert stored is not None
    _, _, secret_part = secret.partition(".")
    assert secret_part not in stored.secret_hash
    assert secret_part not in audit_text(db)


@pytest.mark.parametrize("how", ["bearer", "x-api-key"])
def test_revoked_or_wrong_api_key_is_401(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    api_key: tuple[int, str],
    how: str,
) -> None:
    key_id, secret = api_key

    def call(presented: str) -> Any:
        headers = (
            {"Authorization": f"Bearer {presented}"}
            if how == "bearer"
            else {"X-API-Key": presented}
        )
        return client.get("/api/v1/me", headers=headers)

    assert_error_format(call(secret + "x"), 401, "bad_api_key")
    assert_error_format(call("xy_000000000000.nothing"), 401, "bad_api_key")
    api_keys.revoke_api_key(db, clock, SYSTEM_ACTOR, key_id)
    db.commit()
    assert_error_format(call(secret), 401, "bad_api_key")


# --- the error format ------------------------------------------------------------------------


def test_unknown_api_route_is_json_404(client: TestClient) -> None:
    assert_error_format(client.get("/api/v1/no-such-thing"), 404, "not_found")
    # An API path answers JSON even to a browser.
    response = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert_error_format(response, 404, "not_found")


def test_unknown_page_is_an_html_404_for_browsers(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text
    assert 'data-code="not_found"' in response.text


def test_wrong_method_is_405_in_the_error_format(client: TestClient) -> None:
    assert_error_format(client.post("/api/v1/me"), 405, "method_not_allowed")
    assert_error_format(client.delete("/api/v1/subjects"), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        ("GET", "/api/v1/subjects?q=" + "福" * 101, {}),
        ("GET", "/api/v1/subjects?q=x&limit=abc", {}),
        ("GET", "/api/v1/subjects?q=x&limit=0", {}),
        ("GET", "/api/v1/subjects?q=x&limit=100000000000000000000000", {}),
        ("POST", "/api/v1/auth/token", {"json": {"username": "a", "password": "b"}}),
        ("POST", "/api/v1/auth/token", {"data": {"username": "a" * 65, "password": "b"}}),
        (
            "POST",
            "/api/v1/auth/token",
            {
                "content": b"--x\r\nnot really multipart",
                "headers": {"Content-Type": "multipart/form-data; boundary=x"},
            },
        ),
    ],
)
def test_malformed_requests_are_4xx_in_the_error_format(
    client: TestClient, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    response = client.request(method, url, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    assert_error_format(response, response.status_code)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"code": "\xff\xfe"}', "not UTF-8"),  # it was a bare 400 "http_error"
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),  # so was this
        (b'{"code": ', "Expecting value at byte 9"),  # the field was "9", the offset
        (b"[1, 2", "Expecting ',' delimiter at byte 5"),
    ],
)
def test_a_json_body_that_cannot_be_read_is_bad_json_naming_the_body(
    client: TestClient, world: World, body: bytes, reason: str
) -> None:
    response = client.post(
        "/api/v1/admin/organisations",
        content=body,
        headers={**auth_headers(client, "admin"), "Content-Type": "application/json"},
    )
    error = assert_error_format(response, 422, "bad_json")
    assert error["field"] == "body"
    assert reason in error["message"]


def test_an_organisations_jurisdiction_is_six_ascii_digits(
    client: TestClient, world: World
) -> None:
    headers = auth_headers(client, "admin")
    body = {"code": "11350100MB0000027N", "name": "某区局", "kind": "state_organ"}
    for jurisdiction in ("３５０１０２", "35010٢"):
        response = client.post(
            "/api/v1/admin/organisations",
            json={**body, "jurisdiction": jurisdiction},
            headers=headers,
        )
        error = assert_error_format(response, 422, "invalid_request")
        assert error["field"] == "jurisdiction"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_json_body_sent_as_another_type_names_the_content_type(
    client: TestClient, world: World, content_type: str | None
) -> None:
    # It was "Input should be a valid dictionary..." with no field.
    headers = auth_headers(client, "admin")
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post("/api/v1/admin/organisations", content=b'{"code": "x"}', headers=headers)
    error = assert_error_format(response, 422, "unsupported_format")
    assert error["field"] == "Content-Type"


def test_a_form_that_cannot_be_parsed_is_400_naming_the_body(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token",
        content=b"--x\r\nfoo",
        headers={"Content-Type": "multipart/form-data"},  # no boundary
    )
    error = assert_error_format(response, 400, "unreadable_body")
    assert error["field"] == "body"


def test_a_json_body_of_the_wrong_shape_names_the_body(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/admin/organisations", json=[1, 2], headers=auth_headers(client, "admin")
    )
    error = assert_error_format(response, 422, "invalid_request")
    assert error["field"] == "body"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/subjects?q=%ff%fe%fd",
        "/api/v1/subjects?q=%e7%a6",  # a UTF-8 sequence cut in half
        "/api/v1/subjects?q=%00",
        "/api/v1/subjects?q=" + "%00" * 18,
        "/api/v1/subjects?q=%0a%0d%09",
        "/api/v1/subjects?q=%25%5f%5c",  # LIKE wildcards and the escape character
        "/api/v1/subjects?q=' OR 1=1 --",
        "/api/v1/identifiers/%ff%fe",
        "/api/v1/identifiers/%00",
        "/api/v1/identifiers/" + "9" * 40,
        "/api/v1/identifiers/%ef%bc%90" * 30,
        "/subjects/%ff",
        "/subjects/%00",
        "/subjects/" + "%00" * 18,
        "/search?q=%ff",
        "/search?q=%00",
    ],
)
def test_garbage_input_never_causes_a_500(client: TestClient, world: World, url: str) -> None:
    response = client.get(url)
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.headers["content-type"].startswith(
        "application/json"
    ):
        assert_error_format(response, response.status_code)


@pytest.mark.parametrize("username", ["%ff", "\ud7ff", "reporter\x01"])
def test_garbage_login_names_are_401_not_500(
    client: TestClient, world: World, username: str
) -> None:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert_error_format(response, 401, "bad_credentials")


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "field"),
    [
        (
            "POST",
            "/api/v1/auth/token",
            {"data": {"username": "reporter\x00", "password": "x"}},
            "username",
        ),
        ("GET", "/api/v1/subjects?q=%E6%99%A8%00", {}, "q"),
        ("GET", "/api/v1/catalog/record-types/a%00b", {}, "code"),
        ("POST", "/api/v1/batches?type=a%00b", {"json": [{"a": "b"}]}, "type"),
        # A red-list comment with a NUL was a 500 on PostgreSQL (found by the fuzzer).
        (
            "POST",
            "/api/v1/lists/red/candidates/1/comments",
            {"json": {"statement": "\x00"}},
            "statement",
        ),
        ("POST", "/api/v1/person-lookups", {"json": {"citizen_id": "35\x00"}}, "citizen_id"),
        (
            "POST",
            "/api/v1/joint-checks",
            {"json": {"matter": "m", "subjects": ["a", "b\x00"]}},
            "subjects.1",
        ),
        ("POST", "/api/v1/joint-checks", {"json": {"matter": "m", "sub\x00": 1}}, "sub\\u0000"),
    ],
)
def test_a_nul_character_anywhere_in_the_input_is_refused_naming_where(
    client: TestClient, world: World, method: str, url: str, kwargs: dict[str, Any], field: str
) -> None:
    # PostgreSQL refuses NUL in text outright: each of these reached a query (a 500 there,
    # stored as is on SQLite). Refused before any handler runs, on both databases.
    headers = auth_headers(client, "querier") if "auth" not in url else {}
    response = client.request(method, url, headers=headers, **kwargs)
    error = assert_error_format(response, 422, "nul_character")
    assert error["field"] == field


def test_a_nul_character_in_a_page_form_is_refused_too(client: TestClient) -> None:
    response = client.post(
        "/check-code", data={"code": "9135\x00"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 422
    assert 'data-code="nul_character"' in response.text


def test_a_nul_in_a_query_parameter_the_route_does_not_read_is_ignored(
    client: TestClient, world: World
) -> None:
    assert client.get("/api/v1/subjects", params={"q": "晨光", "other": "\x00"}).status_code == 200


def test_an_unexpected_error_is_a_plain_500_that_logs_no_id(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from xinyong import identifiers

    def explode(raw: str, **_: Any) -> Any:
        raise RuntimeError(f"boom while checking {raw}")

    monkeypatch.setattr(identifiers, "check", explode)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/api/v1/identifiers/{VALID_CITIZEN_ID}")
    assert_error_format(response, 500, "internal_error")
    assert VALID_CITIZEN_ID not in response.text
    assert "/api/v1/identifiers/{code}" in server_log(caplog)
    messages = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("httpx")
    )
    assert VALID_CITIZEN_ID not in messages


def test_csrf_refusal_is_audited(client: TestClient, db: Session) -> None:
    before = max((row.sequence for row in audit_rows(db)), default=0)
    client.get("/check-code")
    assert client.post("/check-code", data={"code": VALID_CITIZEN_ID}).status_code == 403
    refused = [r for r in audit_rows(db) if r.sequence > before and r.action == "access.refused"]
    assert [r.details["code"] for r in refused] == ["csrf_failed"]
    assert refused[0].details["route"] == "/check-code"
    assert VALID_CITIZEN_ID not in audit_text(db)


def test_successful_logins_do_not_use_up_the_allowance(client: TestClient, world: World) -> None:
    """Only failed attempts count: an office behind one address logs in all day."""
    limit = client.app.state.context.settings.login_attempts_per_window  # type: ignore[attr-defined]
    for _ in range(limit * 2):
        ok = client.post("/api/v1/auth/token", data={"username": "querier", "password": PASSWORD})
        assert ok.status_code == 200, ok.text
    for _ in range(limit * 2):
        client.cookies.clear()
        response = client.post(
            "/login",
            data={
                "username": "querier",
                "password": PASSWORD,
                "csrf_token": csrf_from(client.get("/login").text),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    # Failures still count, up to the limit, and then even the right password waits.
    for _ in range(limit):
        wrong = client.post(
            "/api/v1/auth/token", data={"username": "querier", "password": "wrong password!"}
        )
        assert wrong.status_code == 401
    blocked = client.post("/api/v1/auth/token", data={"username": "querier", "password": PASSWORD})
    assert_error_format(blocked, 429, "rate_limited")


def test_rate_limited_logins_are_audited(client: TestClient, db: Session, world: World) -> None:
    limit = client.app.state.context.settings.login_attempts_per_window  # type: ignore[attr-defined]
    for _ in range(limit + 1):
        client.post("/api/v1/auth/token", data={"username": "security", "password": "nope nope"})
    refused = [r for r in audit_rows(db) if r.action == "access.refused"]
    assert [r.details["code"] for r in refused] == ["rate_limited"]
    assert refused[0].details["route"] == "/api/v1/auth/token"
    assert len([r for r in audit_rows(db) if r.action == "auth.login"]) == limit
    assert "nope nope" not in audit_text(db)


def test_health(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_wrong_password_keeps_the_username_on_the_login_page(
    client: TestClient, world: World
) -> None:
    response = client.post(
        "/login",
        data={
            "username": " querier ",
            "password": "wrong password!",
            "csrf_token": csrf_from(client.get("/login").text),
        },
    )
    assert response.status_code == 401
    assert 'id="username" name="username" autocomplete="username" required value="querier"' in (
        response.text
    )
    assert "wrong password!" not in response.text
    assert re.search(r'id="password"[^>]*autofocus', response.text)


def test_an_overlong_organisation_code_is_refused_by_its_field_and_not_echoed(
    client: TestClient, world: World
) -> None:
    """An organisation's code is bounded as every code is (422 naming the member): it
    used to reach the register and come back, 100 KB of it, in a 404's message."""
    overlong = "9" * 100_000
    admin = auth_headers(client, "admin")
    for path, body in (
        ("/api/v1/admin/users", {"username": "x1", "role": "data_reporter"}),
        ("/api/v1/admin/api-keys", {"role": "data_reporter", "name": "系统接口"}),
    ):
        response = client.post(path, json={**body, "organisation": overlong}, headers=admin)
        assert response.status_code == 422, response.text[:200]
        error = assert_error_format(response, 422, "invalid_request")
        assert error["field"] == "organisation", path
        assert "9" * 41 not in response.text, path


def test_every_string_of_a_json_body_is_bounded(client: TestClient) -> None:
    """A string a body member carries has a maximum length, a pattern or a closed set, so
    no refusal can echo an unbounded value (dates are parsed, never echoed). The joint
    check's codes are answered one by one, each as given: not bounded here."""
    description = client.get("/openapi.json").json()
    schemas = description["components"]["schemas"]

    def unbounded(schema: dict[str, Any], where: str) -> Iterator[str]:
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        for alternative in schema.get("anyOf", ()):
            yield from unbounded(alternative, where)
        kind = schema.get("type")
        if kind == "string" and schema.get("format") not in ("date", "date-time"):
            if not {"maxLength", "pattern", "enum"} & set(schema):
                yield where
        elif kind == "object":
            for name, member in schema.get("properties", {}).items():
                yield from unbounded(member, f"{where}.{name}")
        elif kind == "array":
            yield from unbounded(schema.get("items", {}), f"{where}[]")

    found = [
        f"{method.upper()} {path} {hit}"
        for path, by_method in description["paths"].items()
        for method, operation in by_method.items()
        for hit in unbounded(
            operation.get("requestBody", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema", {}),
            "body",
        )
        if path != "/api/v1/joint-checks"
    ]
    assert found == []


# Paging the service checks itself, refusing `out_of_range` with its own bound
# (`reports.issued_reports`, `grant_supervision.supervised_grants`).
BOUNDED_BY_THE_SERVICE = {
    ("/api/v1/reports", "limit"),
    ("/api/v1/reports", "offset"),
    ("/api/v1/supervision/consents", "limit"),
    ("/api/v1/supervision/consents", "offset"),
    ("/me/reports", "offset"),
    ("/query/reports", "offset"),
    ("/supervision/consents", "offset"),
}


def test_every_integer_in_a_path_or_query_is_bounded(client: TestClient) -> None:
    """Review r18: `?batch=9223372036854775808` on the held rows overflowed PostgreSQL's
    bigint inside the driver, a 500. Every integer a route reads from its path or query —
    the API's, as OpenAPI describes them, and the pages', which it does not — has a maximum
    the databases hold, so an absurd one is a 422 naming it."""
    from fastapi.routing import APIRoute

    from xinyong.web.app import discover_routers

    description = client.get("/openapi.json").json()

    def integers(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if schema.get("type") == "integer":
            yield schema
        for alternative in schema.get("anyOf", ()):
            yield from integers(alternative)

    found = [
        f"{method.upper()} {path} {parameter['name']}"
        for path, by_method in description["paths"].items()
        for method, operation in by_method.items()
        for parameter in operation.get("parameters", ())
        for schema in integers(parameter.get("schema", {}))
        if "maximum" not in schema and (path, parameter["name"]) not in BOUNDED_BY_THE_SERVICE
    ]
    routes = [route for router in discover_routers() for route in router.routes]
    assert routes
    for route in routes:
        if not isinstance(route, APIRoute) or route.include_in_schema:
            continue
        for param in (*route.dependant.path_params, *route.dependant.query_params):
            bounded = any(
                hasattr(rule, "le") or hasattr(rule, "lt") for rule in param.field_info.metadata
            )
            if (
                param.field_info.annotation in (int, int | None)
                and not bounded
                and (route.path, param.name) not in BOUNDED_BY_THE_SERVICE
            ):
                found.append(f"page {route.path} {param.name}")
    assert found == []


def test_an_unknown_organisation_is_refused_naming_the_member_it_was_given_in(
    client: TestClient, world: World
) -> None:
    unknown = "91350100M000100Y43"
    response = client.post(
        "/api/v1/admin/users",
        json={
            "username": "clerk",
            "role": "data_reporter",
            "organisation": unknown,
        },
        headers=auth_headers(client, "admin"),
    )
    assert assert_error_format(response, 404, "unknown_organisation")["field"] == "organisation"
    response = client.post(
        "/api/v1/me/commitments",
        json={
            "commitment_type": "告知承诺",
            "reason": "行政许可",
            "text": "承诺所提交材料真实",
            "accepting_unit": unknown,
        },
        headers=auth_headers(client, "company"),
    )
    assert assert_error_format(response, 404, "unknown_organisation")["field"] == "accepting_unit"
