"""The language cookie is set as the session cookie is (decision 0053, session 25
addendum): Secure wherever the platform is told it is behind HTTPS (the default, and
production), not in the demo on plain HTTP (``xinyong demo``), and SameSite=Lax in both."""

from __future__ import annotations

from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.page_helpers import HTML
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.web.pages.rendering import LANG_COOKIE


def _cookies(answer_headers: list[str]) -> dict[str, SimpleCookie]:
    cookies: dict[str, SimpleCookie] = {}
    for header in answer_headers:
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            cookies[name] = cookie
    return cookies


@pytest.mark.own_app
@pytest.mark.parametrize(
    ("settings", "secure"),
    [
        ({"environment": "production", "secure_cookies": True}, True),
        ({"secure_cookies": False}, False),  # as `xinyong demo` serves on plain HTTP
    ],
    ids=["production", "demo"],
)
def test_the_language_cookie_is_secure_as_the_session_cookie_is(
    tmp_path: Path,
    clock: FixedClock,
    db: Session,
    engine: object,
    settings: dict[str, object],
    secure: bool,
) -> None:
    from tests.conftest import _SharedSession
    from xinyong.web.app import create_app

    app = create_app(
        Settings(data_dir=tmp_path, **settings),  # type: ignore[arg-type]
        clock=clock,
        engine=engine,  # type: ignore[arg-type]
        session_factory=_SharedSession(db),  # type: ignore[arg-type]
    )
    base_url = "https://testserver" if secure else "http://testserver"
    with TestClient(app, base_url=base_url) as client:
        # The login page puts its CSRF token in the session: both cookies are set.
        answer = client.get("/login", params={"lang": "en"}, headers=HTML)
    assert answer.status_code == 200
    cookies = _cookies(answer.headers.get_list("set-cookie"))
    language = cookies[LANG_COOKIE][LANG_COOKIE]
    session = cookies["xinyong_session"]["xinyong_session"]
    assert language.value == "en"
    assert bool(language["secure"]) is secure
    assert bool(session["secure"]) is secure
    assert language["samesite"].lower() == session["samesite"].lower() == "lax"
