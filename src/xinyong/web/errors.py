"""One error format for every refusal: ``{"error": {"code", "message", "article", "field"}}``.

Domain errors map to HTTP status codes here and nowhere else. Pages get the same
content rendered as HTML.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong import identifiers
from xinyong.db.engine import contended
from xinyong.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    KeysChanged,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from xinyong.web.uploads import BodyTooLarge

log = logging.getLogger("xinyong.web")

STATUS_BY_ERROR: list[tuple[type[DomainError], int]] = [
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Gone, 410),
    (RateLimited, 429),
    (BodyTooLarge, 413),
    (InvalidInput, 422),
    # Sent again, the request is made with the keys read afresh (decision 0054 addendum).
    (KeysChanged, 503),
]


def status_for(error: DomainError) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 400


def error_body(
    code: str, message: str, *, article: str | None = None, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "article": article, "field": field}
    error.update({k: v for k, v in extra.items() if v is not None})
    return {"error": error}


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path in ("/healthz", "/openapi.json"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _respond(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    if wants_html(request):
        from xinyong.web.pages.rendering import render_error

        return render_error(request, status, body["error"], headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


JSON_MEDIA_TYPE = re.compile(r"^application/([\w.+-]+\+)?json$")


def validation_body(request: Request, problems: Sequence[Any]) -> dict[str, Any]:
    """The refusal of a request FastAPI could not validate: the first problem's field,
    and every problem in ``details``."""
    first = problems[0] if problems else {}
    if first.get("type") == "json_invalid":
        # FastAPI's location is the byte offset; the field at fault is the body.
        position = first.get("loc", ("body", 0))[-1]
        reason = first.get("ctx", {}).get("error", "JSON decode error")
        return error_body(
            "bad_json", f"the body is not valid JSON: {reason} at byte {position}", field="body"
        )
    if tuple(first.get("loc", ())) == ("body",) and first.get("type") != "missing":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not JSON_MEDIA_TYPE.match(media):
            # The whole body failed because it was not read as JSON at all.
            return error_body(
                "unsupported_format",
                f"unsupported Content-Type {media or '(none)'}: send application/json",
                field="Content-Type",
            )
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "form")]
    if location[1:] and location[0] == "body":
        location = location[1:]
    field = ".".join(location) or None
    message = str(first.get("msg", "invalid request"))
    details = [
        {
            "field": ".".join(str(p) for p in p_["loc"][1:]) or str(p_["loc"][0]),
            "message": p_["msg"],
            "type": p_["type"],
        }
        for p_ in problems
    ]
    body = error_body("invalid_request", f"{field}: {message}" if field else message, field=field)
    body["error"]["details"] = details
    return body


def unreadable_body(exc: StarletteHTTPException) -> tuple[int, dict[str, Any]] | None:
    """The app raises no HTTPException of its own: a 400 is FastAPI or Starlette failing
    to read the body. A JSON body it cannot decode at all is refused as any other body
    that is not valid JSON; a form it cannot parse names the body."""
    if exc.status_code != 400:
        return None
    cause = exc.__cause__
    if isinstance(cause, DomainError):  # BodyTooLarge, raised while FastAPI read the body
        return status_for(cause), {"error": cause.as_dict()}
    if isinstance(cause, UnicodeDecodeError):
        reason = f"it is not UTF-8 (byte {cause.start})"
    elif isinstance(cause, RecursionError):
        reason = "it is nested too deeply"
    else:
        message = exc.detail if isinstance(exc.detail, str) else "the body could not be read"
        return 400, error_body("unreadable_body", message, field="body")
    return 422, error_body("bad_json", f"the body is not valid JSON: {reason}", field="body")


CHANGED_MEANWHILE = (
    "another request changed the same data at the same moment; nothing was saved: reload "
    "the page and send it again"
)
# PostgreSQL's SQLSTATE for a unique violation; SQLite says so in its message.
_UNIQUE_VIOLATION = "23505"


def unique_violation(error: IntegrityError) -> bool:
    """Whether the database refused a row another transaction had just written — two
    requests writing the same thing at once (one record's next version, one case's) — and
    not a row the code got wrong (a missing value, a dangling reference)."""
    cause = error.orig
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state is not None:
        return bool(state == _UNIQUE_VIOLATION)
    return "UNIQUE constraint failed" in str(cause)


DATABASE_BUSY = (
    "the database is busy with other work at the moment; nothing was saved: send the "
    "request again in a few seconds"
)
# Seconds a client is asked to wait before sending a request the database was too busy
# for: a deadlock or a lock wait ends within the second; SQLite's writer holds the database
# for a batch or the daily job's step, which the busy timeout already waited for.
RETRY_BUSY_AFTER = 5


def _constraint(error: IntegrityError) -> str:
    diag = getattr(error.orig, "diag", None)
    return str(getattr(diag, "constraint_name", None) or "(unnamed)")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        status = status_for(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, NotAuthenticated) and not wants_html(request):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, KeysChanged):
            headers["Retry-After"] = str(RETRY_BUSY_AFTER)
        return _respond(request, status, {"error": exc.as_dict()}, headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _respond(request, 422, validation_body(request, exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        unreadable = unreadable_body(exc)
        if unreadable is not None:
            return _respond(request, *unreadable)
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
            exc.status_code, "http_error"
        )
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return _respond(
            request, exc.status_code, error_body(code, message), getattr(exc, "headers", None)
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # The services lock what they change (a record, a case) so that two requests at
        # once are taken one after the other and the second is refused by the rules; one
        # that still meets another's row in a unique index lost a race nothing refused. It
        # is a conflict to send again (the request was rolled back whole), not a failure of
        # the platform. Any other integrity error is one, and is treated as such.
        if not unique_violation(exc):
            return await unexpected(request, exc)
        route = request.scope.get("route")
        log.warning(
            "concurrent change refused on %s %s: unique constraint %s",
            request.method,
            getattr(route, "path", "(no route)"),
            _constraint(exc),
        )
        return _respond(request, 409, error_body("changed_meanwhile", CHANGED_MEANWHILE))

    @app.exception_handler(OperationalError)
    async def operational_error(request: Request, exc: OperationalError) -> Response:
        # A lock waited for too long (SQLite's busy timeout, PostgreSQL's lock_timeout), a
        # deadlock or a serialization failure: the transaction was rolled back whole and
        # the same request may simply be sent again. 503 with Retry-After rather than 409
        # ``changed_meanwhile``: nothing says the data changed (a read waiting behind the
        # daily job changed nothing), so the client repeats the request as it was, after
        # a pause, rather than reloading to look again (decision 0002 addendum).
        if not contended(exc):
            return await unexpected(request, exc)
        route = request.scope.get("route")
        log.warning(
            "database busy on %s %s: %s",
            request.method,
            getattr(route, "path", "(no route)"),
            getattr(exc.orig, "sqlstate", None) or "locked",
        )
        return _respond(
            request,
            503,
            error_body("database_busy", DATABASE_BUSY, retry_after=RETRY_BUSY_AFTER),
            {"Retry-After": str(RETRY_BUSY_AFTER)},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Never echo the exception: it may contain personal data from the request. Log the
        # route template, not the URL, which may carry a citizen ID (/identifiers/{code}),
        # and the traceback masked as the access log is: the exception's own text may hold
        # what the request carried, in its URL or its body (POST /identifiers/check).
        route = request.scope.get("route")
        log.error(
            "unexpected error on %s %s\n%s",
            request.method,
            getattr(route, "path", "(no route)"),
            identifiers.redact_citizen_ids("".join(traceback.format_exception(exc))).rstrip(),
        )
        return _respond(request, 500, error_body("internal_error", "an unexpected error occurred"))
