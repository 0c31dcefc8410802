"""Security headers on every answer (review r4 of session 19, finding 5; decision 0048,
session 19 addendum): no framing, no sniffing, no referrer to other sites, a Content
Security Policy the pages satisfy (the browser journeys fail on any violation Chromium
reports), no caching of anything but the static files, and HSTS only behind HTTPS."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session
from starlette.types import Receive, Scope, Send

from tests.factories import World, auth_headers
from tests.page_helpers import HTML, log_in
from tests.test_pages_disclosure import own_report, world  # noqa: F401 - fixture
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.web.security_headers import POLICY, SecurityHeaders

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "xinyong" / "web" / "templates"


def _secured(response: Response) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_every_answer_is_secured_and_nothing_but_static_files_is_cached(
    client: TestClient, world: World
) -> None:
    public = [client.get("/", headers=HTML), client.get("/login", headers=HTML)]
    log_in(client, "citizen")
    own = [
        client.get("/me/credit", headers=HTML),
        client.get("/me/access-log", headers=HTML),
        client.get("/api/v1/me", headers=auth_headers(client, "citizen")),
        client.get("/api/v1/me/access-log", headers=auth_headers(client, "citizen")),
    ]
    refused = [client.get("/admin/users", headers=HTML), client.get("/api/v1/admin/users")]
    for response in public + own + refused:
        assert response.status_code < 500, response.text
        _secured(response)
        assert response.headers["Cache-Control"] == "no-store", response.url
    assert [r.status_code for r in own] == [200, 200, 200, 200]
    # A page's policy is the strict one: nothing inline anywhere.
    assert own[0].headers["Content-Security-Policy"] == POLICY
    assert "Strict-Transport-Security" not in own[0].headers, "not without HTTPS"
    static = client.get("/static/site.css")
    assert static.status_code == 200
    _secured(static)
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_an_issued_reports_html_allows_its_own_styles_by_their_hash(
    client: TestClient, world: World
) -> None:
    log_in(client, "citizen")
    report = own_report(client)
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    _secured(report)
    assert report.headers["Cache-Control"] == "no-store"
    (style,) = re.findall(r"<style>(.*?)</style>", report.text, re.DOTALL)
    assert (
        f"style-src 'self' 'sha256-{_sha256(style)}'" in report.headers["Content-Security-Policy"]
    )


def test_the_api_documentation_allows_its_one_inline_script_by_its_hash(
    client: TestClient,
) -> None:
    docs = client.get("/docs")
    _secured(docs)
    (script,) = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    policy = docs.headers["Content-Security-Policy"]
    assert f"script-src 'self' 'sha256-{_sha256(script)}'" in policy
    assert "img-src 'self' data:" in policy  # Swagger UI's icons
    redirect = client.get("/docs/oauth2-redirect")
    (script,) = re.findall(r"<script>(.*?)</script>", redirect.text, re.DOTALL)
    assert f"'sha256-{_sha256(script)}'" in redirect.headers["Content-Security-Policy"]


@pytest.mark.own_app
def test_hsts_only_where_the_platform_is_told_it_is_behind_https(
    tmp_path: Path, clock: FixedClock, db: Session, engine: object
) -> None:
    from tests.conftest import _SharedSession
    from xinyong.web.app import create_app

    app = create_app(
        Settings(data_dir=tmp_path, secure_cookies=True),
        clock=clock,
        engine=engine,  # type: ignore[arg-type]
        session_factory=_SharedSession(db),  # type: ignore[arg-type]
    )
    with TestClient(app, base_url="https://testserver") as client:
        answer = client.get("/", headers=HTML)
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_an_answer_that_says_its_own_caching_keeps_it() -> None:
    """A route's own Cache-Control (or policy) is kept; the other headers are added."""

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        cached = [(b"cache-control", b"private, max-age=60")]
        await send({"type": "http.response.start", "status": 200, "headers": cached})
        await send({"type": "http.response.body", "body": b""})

    # In the test client's own thread: the browser journeys' loop may run in this one.
    answer = TestClient(SecurityHeaders(route, https=False)).get("/x")
    assert answer.headers["Cache-Control"] == "private, max-age=60"
    assert answer.headers["X-Frame-Options"] == "DENY"


def test_no_page_needs_an_inline_script_or_style() -> None:
    """The pages' policy allows the platform's own files only: a template that brought an
    inline script, style or event handler would break in the browser (and its journeys)."""
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\bsrc=)", r"<style", r"\sstyle=", r"\son[a-z]+="):
            if re.search(pattern, text, re.IGNORECASE):
                found.append(f"{template.name}: {pattern}")
    assert found == []
