"""Security headers on every answer (decision 0048, session 19 addendum).

* ``X-Content-Type-Options: nosniff``: an upload shown back, a CSV or a JSON answer is never
  read by the browser as something else;
* ``X-Frame-Options: DENY`` and the policy's ``frame-ancestors 'none'``: no other site — not a
  same-site ``*.gov.cn`` service, to which the session cookie's ``SameSite=Lax`` still goes —
  frames a logged-in page to have it clicked;
* ``Referrer-Policy: same-origin``: a page's address (a subject's reference, a report's
  number) is not sent to another site;
* ``Content-Security-Policy``: the pages are plain HTML with one stylesheet and no script of
  their own, so the policy allows the platform's own files only; a page that needs an inline
  script or style (the API's documentation, an issued report's HTML) states it by its hash
  (``allow_inline``), never ``'unsafe-inline'``;
* ``Cache-Control: no-store`` on every answer but the static files: a credit file, a
  report, query results, the access log and a subject's own pages are not kept by a shared
  proxy or the browser's disk cache, and an answer without them costs nothing to make again;
* ``Strict-Transport-Security`` only where the platform is told it is behind HTTPS
  (``XINYONG_SECURE_COOKIES``): sent over plain HTTP it is ignored, and a demo on
  ``http://127.0.0.1`` must not be pinned to HTTPS.

A header a route set itself is kept (its own policy, its own caching).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"
# What every page may load: the platform's own files, nothing inline, nothing framed.
_BASE = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
POLICY = "; ".join(_BASE)
HSTS = "max-age=31536000"
_STATIC = "/static/"
_INLINE = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1\s*>", re.DOTALL | re.IGNORECASE)


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def allow_inline(response: Response, *, data_images: bool = False) -> Response:
    """``response`` (an HTML page) with the policy allowing exactly its inline scripts and
    styles, by the SHA-256 of each (a script with ``src`` loads a file, allowed as ``'self'``).
    ``data_images``: ``data:`` images too (Swagger UI's stylesheet draws its icons so)."""
    body = bytes(response.body).decode()
    scripts: list[str] = []
    styles: list[str] = []
    for kind, attributes, content in _INLINE.findall(body):
        if kind.lower() == "script" and "src=" in (attributes or ""):
            continue
        (scripts if kind.lower() == "script" else styles).append(_hash(content))
    directives = list(_BASE)
    if scripts:
        directives.append("script-src 'self' " + " ".join(sorted(set(scripts))))
    if styles:
        directives.append("style-src 'self' " + " ".join(sorted(set(styles))))
    if data_images:
        directives.append("img-src 'self' data:")
    response.headers[CSP] = "; ".join(directives)
    return response


class SecurityHeaders:
    """ASGI middleware adding the headers above to every answer that does not set its own."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = [
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "same-origin"),
            (CSP, POLICY),
        ]
        if https:
            self.headers.append(("Strict-Transport-Security", HSTS))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cached = scope["path"].startswith(_STATIC)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
                if not cached:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)
