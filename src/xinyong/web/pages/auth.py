"""Log in and out of the pages (signed session cookie, CSRF-protected forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts import service as accounts
from xinyong.errors import NotAuthenticated
from xinyong.web.deps import ActorDep, ClockDep, SessionDep, app_context
from xinyong.web.i18n import translations
from xinyong.web.pages.rendering import check_csrf, locale_of, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login an open redirect.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: ActorDep, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf_token)
    context = app_context(request)
    client = request.client.host if request.client else "unknown"
    # Counted before the password is checked, so parallel guesses are held too; a success
    # is taken back below: only failed attempts use up the allowance.
    keys = (f"user:{username.strip().lower()}", f"ip:{client}")
    for key in keys:
        context.login_limiter.hit(key)
    try:
        user = accounts.authenticate(session, clock, username, password)
    except NotAuthenticated:
        # The failed attempt is audited by the service; keep it by committing here, and
        # answer with the form again rather than an error page.
        session.commit()
        message = translations(locale_of(request)).gettext("Wrong username or password.")
        # The username is kept, so a mistyped password is all there is to type again.
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": message, "username": username.strip()},
            status_code=401,
        )
    for key in keys:
        context.login_limiter.release(key)
    # A fresh session on login defeats session fixation.
    request.session.clear()
    request.session["uid"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, actor: ActorDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
