"""The refusals of the API in its OpenAPI description: their shape, and which operation
answers which status.

Every refusal has one body, ``{"error": {"code", "message", "article", "field"}}``
(``xinyong.web.errors``), so that is what ``/docs`` shows for each error status; FastAPI's
own ``{"detail": [...]}`` for a 422 is never sent and is taken out of the description.

Three statuses come from the machinery around a handler and are added here for every API
operation they can happen on: 401 where the operation reads the caller's token (a token
that is not valid or has expired is refused even on a public operation), 413 where it
takes a body (every body has a size limit), and 422 where it takes any input. The others
come from what the handler does, and each operation names them with
``responses=refusals(...)`` (tests/test_api_fuzz.py fails on a status an operation answers
without documenting it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from xinyong.web.deps import current_actor


class ErrorOut(BaseModel):
    # Some refusals add members: ``details`` (every invalid field, or a refusal's facts),
    # ``retry_after``...
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="machine-readable reason, e.g. `not_found`, `invalid_request`")
    message: str = Field(description="the reason in English, for a person")
    article: str | None = Field(
        description="the article of the Measures the refusal rests on, e.g. `Art. 13`"
    )
    field: str | None = Field(description="the request field, parameter or header at fault")


class ErrorBody(BaseModel):
    error: ErrorOut


DESCRIPTIONS = {
    400: "The request could not be read (e.g. a malformed form body).",
    401: "Not authenticated: no token or API key, or one that is not valid, has expired or "
    "was revoked.",
    403: "Refused: the caller may not do this; `article` names the rule.",
    404: "Not found, or not one the caller may see.",
    409: "In conflict with the current state: a duplicate, or a step already taken.",
    410: "Gone: what was asked for existed but is no longer kept (e.g. an issued report's "
    "content past its retention period).",
    413: "The body is larger than the operation takes.",
    422: "Invalid input: `field` names the field, parameter or header at fault "
    "(`details` lists every problem found).",
    429: "Too many requests: try again after `Retry-After` seconds.",
    503: "The database was too busy (`database_busy`: a lock waited for too long, a deadlock), "
    "or the platform's keys were rotated while the request was served (`keys_changed`): "
    "nothing was saved; send the same request again after `Retry-After` seconds.",
}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}
HEADERS = {429: _RETRY_AFTER, 503: _RETRY_AFTER}


def refusals(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the statuses its handler refuses with, in the one shape."""
    return {status: _documented(status, model=ErrorBody) for status in statuses}


def _documented(status: int, **content: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"description": DESCRIPTIONS[status], **content}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        # FastAPI caches the description and makes a new one when the routes change.
        if not schema.get("x-refusals-documented"):
            _document(app, schema)
            schema["x-refusals-documented"] = True
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body_schema.pop("$defs", {}))
    components.setdefault("ErrorBody", body_schema)
    reads_token = {
        (method.lower(), path)
        for path, methods, route in _api_routes(app)
        if _depends_on(route.dependant, current_actor)
        for method in methods
    }
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = _refusal(422)
            if "requestBody" in operation:
                responses.setdefault("413", _refusal(413))
            if (method, path) in reads_token:
                responses.setdefault("401", _refusal(401))
            # Any operation may meet another transaction's lock (decision 0002 addendum).
            responses.setdefault("503", _refusal(503))
            for status, response in responses.items():
                # A refusal is JSON whatever the operation answers when it succeeds (FastAPI
                # documents every response in the route's media type, text/csv say).
                if status.startswith(("4", "5")):
                    response["content"] = _refusal(int(status))["content"]
            operation["responses"] = dict(sorted(responses.items()))
    # FastAPI's validation error schemas, now referred to by nothing.
    text = repr(schema.get("paths"))
    for name in ("HTTPValidationError", "ValidationError"):
        if f"/{name}'" not in text:
            components.pop(name, None)


def _refusal(status: int) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return _documented(status, content={"application/json": {"schema": schema}})


def _api_routes(app: FastAPI) -> Iterator[tuple[str, set[str], APIRoute]]:
    """(path template, methods, route) of every route, however FastAPI nests routers."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before 0.137 copied included routes into app.routes
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path_format, set(route.methods or ()), route
        return
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield str(context.path_format or context.path), set(context.methods or ()), route


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(
        dependency.call is call or _depends_on(dependency, call)
        for dependency in dependant.dependencies
    )
