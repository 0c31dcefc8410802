"""Rendering pages: locale, CSRF token and the current actor go into every template."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from xinyong.accounts.permissions import ANONYMOUS_ACTOR, Actor, Permission, has_permission
from xinyong.errors import PermissionDenied
from xinyong.web.i18n import HTML_LANG, LOCALES, negotiate, translations
from xinyong.web.labels import cite, enum_label, matter_names, source_label
from xinyong.web.refusals import explain

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


@pass_context
def _article(context: Context, text: str | None) -> str:
    """``{{ error.article|article }}``: 第十三条第三款 on Chinese pages, Art. 13 ¶3 on English."""
    return cite(text, context["_"], chinese=str(context.get("locale", "")).startswith("zh"))


TEMPLATES.env.filters["article"] = _article
LANG_COOKIE = "xinyong_lang"


def locale_of(request: Request) -> str:
    cached = getattr(request.state, "locale", None)
    if cached:
        return str(cached)
    context = request.app.state.context
    locale = negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language", ""),
        context.settings.default_locale,
    )
    request.state.locale = locale
    return locale


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(str(expected), submitted):
        raise PermissionDenied(
            "the form has expired or did not come from this site; reload the page and try again",
            code="csrf_failed",
        )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    locale = locale_of(request)
    gettext = translations(locale).gettext
    actor: Actor = getattr(request.state, "actor", ANONYMOUS_ACTOR)
    values: dict[str, Any] = {
        "request": request,
        "_": gettext,
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "locales": LOCALES,
        "actor": actor,
        "can": lambda permission: has_permission(actor, Permission(permission)),
        "label": lambda value: gettext(enum_label(value)),
        # A refusal (error body or row problem) explained in the page's language.
        "refusal": lambda error: explain(error, gettext),
        "source_label": lambda stored: source_label(stored, gettext),
        # Administrative matter code → name in the page's language, from the matters given.
        "matter_names": lambda matters: matter_names(matters, locale),
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
    }
    values.update(context or {})
    response = TEMPLATES.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response


def render_error(
    request: Request, status: int, error: dict[str, Any], headers: dict[str, str] | None = None
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {"status": status, "error": error},
        status_code=status,
        headers=headers,
    )
