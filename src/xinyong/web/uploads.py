"""Receiving a batch body or an uploaded file without holding it all in memory, and the
limit on every request body."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass
from typing import IO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyong.collection.readers import FileFormat
from xinyong.errors import InvalidInput

SPOOL_IN_MEMORY_BYTES = 8 * 1024 * 1024
MAX_BATCH_BYTES = 1024 * 1024 * 1024
# Any other request body: FastAPI reads a JSON body or a form whole before the handler, so
# without a bound one request could make the server hold any amount (and the upload page's
# form parser spools a file to disk before the handler sees it). The largest lawful one is
# the joint-check page's file of codes (20 MiB at most, lists.joint_checks) in its form.
MAX_REQUEST_BYTES = 32 * 1024 * 1024
# A batch, streamed by the API and spooled by the upload page, and the page's form around it.
MAX_BATCH_REQUEST_BYTES = MAX_BATCH_BYTES + 1024 * 1024
BATCH_ROUTES = (("POST", "/api/v1/batches"), ("POST", "/batches/upload"))
# The upload page's form is parsed (its file spooled to disk) before the handler checks
# the login and the CSRF token, so its batch-sized limit goes only to a signed-in session;
# anyone else gets MAX_REQUEST_BYTES and is refused by the handler (the API route checks
# its token before it reads a byte, so its limit needs no such condition).
SESSION_BATCH_ROUTES = (("POST", "/batches/upload"),)


class BodyTooLarge(InvalidInput):
    """A request body past its limit: 413 (``xinyong.web.errors``)."""

    code = "too_large"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body")


class BodyLimit:
    """ASGI middleware: a body is read only up to its route's limit, then refused.

    The refusal is raised from ``receive``, inside whoever reads the body (FastAPI, the
    form parser, a handler streaming it), so it reaches the error handlers and answers in
    the platform's shape; a declared ``Content-Length`` past the limit is refused before a
    byte is read. (FastAPI's own ``max_body_size`` answers a plain-text 413 instead.)
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int,
        larger: Mapping[tuple[str, str], int],
        signed_in_only: Collection[tuple[str, str]] = (),
    ):
        self.app = app
        self.default = default
        self.larger = dict(larger)
        self.signed_in_only = frozenset(signed_in_only)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = (scope["method"], scope["path"])
        limit = self.larger.get(route, self.default)
        if route in self.signed_in_only and not _signed_in(scope):
            limit = self.default
        declared = _content_length(scope)
        received = 0

        def too_large() -> BodyTooLarge:
            return BodyTooLarge(
                f"the body is larger than this request takes ({limit // (1024 * 1024)} MiB at most)"
            )

        async def limited() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise too_large()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large()
            return message

        await self.app(scope, limited, send)


def _signed_in(scope: Scope) -> bool:
    """A session cookie that SessionMiddleware (outside this one) verified and that names
    a user. Whether the user is still active is the handler's to check; this only decides
    how much of the body is read first. The cookie is SameSite=Lax, so another site's
    form posting here carries none."""
    session = scope.get("session")
    return isinstance(session, dict) and bool(session.get("uid"))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


CONTENT_TYPES = {
    "text/csv": FileFormat.CSV,
    "application/csv": FileFormat.CSV,
    "application/json": FileFormat.JSON,
    "application/x-ndjson": FileFormat.JSONL,
    "application/jsonl": FileFormat.JSONL,
    "application/json-lines": FileFormat.JSONL,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": FileFormat.XLSX,
}


@dataclass
class Spooled:
    file: IO[bytes]
    sha256: str
    size: int


async def spool(chunks: AsyncIterator[bytes]) -> Spooled:
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115 - returned open
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            handle.close()
            raise BodyTooLarge(
                f"a batch may be at most {MAX_BATCH_BYTES // (1024 * 1024)} MiB; split the file"
            )
        digest.update(chunk)
        handle.write(chunk)
    handle.seek(0)
    return Spooled(handle, digest.hexdigest(), size)


def format_for(content_type: str | None) -> FileFormat:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    raise InvalidInput(
        f"unsupported Content-Type {media or '(none)'}: "
        f"send one of {', '.join(sorted(CONTENT_TYPES))}",
        code="unsupported_format",
        field="Content-Type",
    )
