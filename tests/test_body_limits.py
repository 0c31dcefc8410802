"""Every request body has a limit, refused with 413 too_large in the platform's shape.

Before, FastAPI read any JSON body or form whole, however large (and the upload page's form
parser spooled any file to disk before the handler saw it): one request could make the
server hold any amount. Found trying hostile bodies by hand.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import auth_headers
from tests.page_helpers import HTML, log_in
from tests.test_pages_collection import token, world
from xinyong.web import uploads

__all__ = ["world"]

PAST_THE_LIMIT = uploads.MAX_REQUEST_BYTES + 1


def assert_too_large(response: Any) -> None:
    assert response.status_code == 413, response.text[:300]
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("too_large", "body")
    assert "32 MiB" in error["message"]


def test_a_json_body_past_the_limit_is_413(client: TestClient, world: Any) -> None:
    response = client.post(
        "/api/v1/admin/organisations",
        content=b" " * PAST_THE_LIMIT,
        headers={**auth_headers(client, "admin"), "Content-Type": "application/json"},
    )
    assert_too_large(response)


def test_a_form_past_the_limit_is_413(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/token",
        content=b"username=" + b"a" * PAST_THE_LIMIT,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_too_large(response)


def test_a_batch_may_be_larger_than_other_bodies(client: TestClient, world: Any) -> None:
    # Past the general limit, and read: a file of NULs is refused for what it is.
    response = client.post(
        "/api/v1/batches?type=administrative_penalty",
        content=b"\x00" * PAST_THE_LIMIT,
        headers={**auth_headers(client, "reporter"), "Content-Type": "text/csv"},
    )
    assert response.status_code == 422, response.text[:300]
    assert response.json()["error"]["code"] == "encoding"


def test_an_uploaded_file_may_be_larger_than_other_bodies(client: TestClient, world: Any) -> None:
    log_in(client, "reporter")
    response = client.post(
        "/batches/upload",
        data={"record_type": "administrative_penalty", "csrf_token": token(client)},
        files={"file": ("p.csv", b"\x00" * PAST_THE_LIMIT, "text/csv")},
        headers=HTML,
    )
    assert response.status_code == 422
    assert 'data-code="encoding"' in response.text


def test_a_batch_past_its_own_limit_is_413_too(
    client: TestClient, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It was a 422; the same refusal is now the same status whichever limit is met first.
    monkeypatch.setattr(uploads, "MAX_BATCH_BYTES", 1024)
    response = client.post(
        "/api/v1/batches?type=administrative_penalty",
        content=b"[" + b" " * 2048 + b"]",
        headers={**auth_headers(client, "reporter"), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_every_operation_with_a_body_documents_413(client: TestClient) -> None:
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)


def test_an_anonymous_upload_gets_only_the_general_limit(client: TestClient, world: Any) -> None:
    """The page's form is parsed (the file spooled to disk) before its handler checks the
    login and the CSRF token: an anonymous caller's 300 MB were read whole, then refused
    403. Now its limit is the general one, refused before the body is read."""
    response = client.post(
        "/batches/upload",
        data={"record_type": "administrative_penalty", "csrf_token": "forged"},
        files={"file": ("p.csv", b"\x00" * PAST_THE_LIMIT, "text/csv")},
    )
    assert_too_large(response)
    # A session cookie that is not the platform's signs no one in either.
    client.cookies.set("xinyong_session", "not-a-signed-session")
    response = client.post(
        "/batches/upload",
        data={"record_type": "administrative_penalty", "csrf_token": "forged"},
        files={"file": ("p.csv", b"\x00" * PAST_THE_LIMIT, "text/csv")},
    )
    assert_too_large(response)


def test_an_anonymous_upload_within_the_general_limit_is_refused_by_the_handler(
    client: TestClient, world: Any
) -> None:
    response = client.post(
        "/batches/upload",
        data={"record_type": "administrative_penalty", "csrf_token": "forged"},
        files={"file": ("p.csv", b"a,b\r\n1,2\r\n", "text/csv")},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
