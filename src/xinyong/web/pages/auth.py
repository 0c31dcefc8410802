"""Log in and out of the pages (signed session cookie, CSRF-protected forms)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xinyong.accounts import service as accounts
from xinyong.errors import DomainError, InvalidInput, NotAuthenticated
from xinyong.web.deps import (
    ActorDep,
    ClockDep,
    SessionDep,
    count_attempt,
    settle_failure,
    settle_refusal,
)
from xinyong.web.i18n import translations
from xinyong.web.pages.rendering import check_csrf, locale_of, render
from xinyong.web.refusals import explain

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an absolute URL here would make the login an open redirect.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: ActorDep, next: str = "/") -> HTMLResponse:
    activated = request.session.pop("activated", None) if "session" in request.scope else None
    return render(
        request,
        "login.html",
        {"next": _safe_next(next), "error": None, "activated": activated, "username": activated},
    )


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
    attempt = count_attempt(request, session, "login", username)
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
    attempt.succeeded(session)
    # A fresh session on login defeats session fixation.
    request.session.clear()
    request.session["uid"] = user.id
    request.session["cv"] = user.credentials_version
    # When the session began: it lasts the token lifetime from here, however often it is
    # used (``web.deps.current_actor``).
    request.session["since"] = int(clock.now().timestamp())
    return RedirectResponse(_safe_next(next), status_code=303)


@router.get("/activate", response_class=HTMLResponse)
def activate_form(request: Request, actor: ActorDep) -> HTMLResponse:
    return render(request, "activate.html", {"error": None})


@router.post("/activate")
def activate(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    username: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """An account's first password (a subject's or a staff member's), with the code the platform handed over
    (decision 0031); then the subject logs in with it."""
    check_csrf(request, csrf_token)
    attempt = count_attempt(request, session, "activate", username)
    try:
        accounts.activate(session, clock, username=username, code=code, password=password)
    except NotAuthenticated as refusal:
        # Audited and committed as at the boundary; the form is shown again.
        settle_refusal(request, session, refusal)
        return _activation_form_again(request, refusal, username, status_code=401)
    except InvalidInput as problem:
        settle_failure(session, problem)
        return _activation_form_again(request, problem, username, status_code=422)
    attempt.succeeded(session)
    request.session.clear()
    request.session["activated"] = username.strip().lower()
    return RedirectResponse("/login", status_code=303)


def _activation_form_again(
    request: Request, problem: DomainError, username: str, *, status_code: int
) -> HTMLResponse:
    refusal = explain(problem, translations(locale_of(request)).gettext)
    return render(
        request,
        "activate.html",
        {
            "error": refusal.text,
            "error_field": problem.field,
            "username": username.strip(),
        },
        status_code=status_code,
    )


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    # Clearing the cookie ends only this browser's copy of the session; the account's
    # credentials version ends every copy, and the user's other sessions and tokens.
    accounts.log_out(session, clock, actor)
    request.session.clear()
    return RedirectResponse("/", status_code=303)
