"""The OpenAPI description tells a client the truth about refusals: each API operation
documents the error statuses it answers, in the platform's one error shape.

Before, every operation documented only its success and a 422 in FastAPI's
``{"detail": [...]}`` shape, which the API never sends; 401, 403, 404, 409 and 429 were not
documented at all (tests/test_api_fuzz.py found them).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

ERROR_REF = "#/components/schemas/ErrorBody"


@pytest.fixture
def description(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(description: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, by_method in description["paths"].items()
        if path.startswith("/api/")
        for method, operation in by_method.items()
    ]


def test_every_refusal_is_documented_in_the_one_error_shape(
    description: dict[str, Any],
) -> None:
    schemas = description["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["ErrorBody"]["required"] == ["error"]
    assert set(schemas["ErrorOut"]["required"]) == {"code", "message", "article", "field"}
    found = operations(description)
    assert len(found) > 70
    for method, path, operation in found:
        refusals = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
        for status, response in refusals.items():
            assert response["content"] == {"application/json": {"schema": {"$ref": ERROR_REF}}}, (
                method,
                path,
                status,
            )
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in refusals, (method, path)


def test_an_operation_that_reads_the_caller_documents_401(description: dict[str, Any]) -> None:
    responses = {(m, p): set(o["responses"]) for m, p, o in operations(description)}
    # A token that is not valid is refused wherever the caller is read, public routes too.
    assert "401" in responses[("GET", "/api/v1/query-items")]
    assert "401" in responses[("GET", "/api/v1/admin/users")]
    # These never read a token.
    assert "401" not in responses[("GET", "/api/v1/identifiers/{code}")]
    assert "401" not in responses[("GET", "/api/v1/subjects/{code}/public")]


def test_each_operation_documents_its_own_refusals(description: dict[str, Any]) -> None:
    responses = {(m, p): o["responses"] for m, p, o in operations(description)}
    reopen = responses[("GET", "/api/v1/reports/{number}")]
    assert {"401", "403", "404", "409", "422", "429"} <= set(reopen)
    assert "Retry-After" in reopen["429"]["headers"]
    assert {"400", "401", "429"} <= set(responses[("POST", "/api/v1/auth/token")])
    assert "409" in responses[("POST", "/api/v1/list-entries")]
    # A replayed batch answers 200 with the first report, a new one 201.
    assert {"200", "201"} <= set(responses[("POST", "/api/v1/batches")])
    # The rejected rows are CSV; a refusal of that operation is still JSON.
    csv = responses[("GET", "/api/v1/batches/{batch_id}/report.csv")]
    assert set(csv["200"]["content"]) == {"text/csv"}
    assert set(csv["404"]["content"]) == {"application/json"}


def test_the_description_is_made_once_and_kept(app: FastAPI) -> None:
    first = app.openapi()
    assert app.openapi() is first
