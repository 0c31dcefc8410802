"""Rendering pages: locale, CSRF token and the current actor go into every template."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.routing import Match

from xinyong.accounts import area
from xinyong.accounts.permissions import ANONYMOUS_ACTOR, Actor, Permission, has_permission
from xinyong.catalog.models import CITY_JURISDICTION
from xinyong.clock import CHINA
from xinyong.collection.members import keeps_register
from xinyong.disclosure.query_assignments import assigns_query_items
from xinyong.errors import PermissionDenied
from xinyong.lists import responsible_register
from xinyong.objections.rules import MAX_REASONS, MAX_STATEMENT
from xinyong.web.i18n import HTML_LANG, LOCALES, catalog_name, negotiate, translations
from xinyong.web.labels import (
    RECORD_STATUS_LABELS,
    cite,
    district_name,
    entry_action,
    entry_event_detail,
    enum_label,
    green_channel_reason,
    matter_names,
    registration_basis,
    registration_end_reason,
    removal_detail,
    source_label,
    version_detail,
    version_reason,
)
from xinyong.web.refusals import explain

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


@pass_context
def _article(context: Context, text: str | None) -> str:
    """``{{ error.article|article }}``: 第十三条第三款 on Chinese pages, Art. 13 ¶3 on English."""
    return cite(text, context["_"], chinese=str(context.get("locale", "")).startswith("zh"))


TEMPLATES.env.filters["article"] = _article
# The ``maxlength`` of every objection's statement (to a record, to a list entry, a public
# comment): the services' limit, so that a form never takes what they refuse.
TEMPLATES.env.globals["max_statement"] = MAX_STATEMENT
# And of every objection's decision reasons (``MAX_REASONS``).
TEMPLATES.env.globals["max_reasons"] = MAX_REASONS
# A list entry's basis records' states (``list_entry_basis.html``), as a record's file names them.
TEMPLATES.env.globals["basis_statuses"] = RECORD_STATUS_LABELS
TEMPLATES.env.globals["city"] = CITY_JURISDICTION
LANG_COOKIE = "xinyong_lang"

# A page that shows a secret once (an activation code, a new API key) is not kept by the
# browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}


def local_day(moment: dt.datetime | None) -> dt.date | None:
    """The day in Fuzhou of a stored moment (kept in UTC): a moment's own ``.date()`` is
    the UTC day, a day early for the first eight hours of every Beijing day."""
    return None if moment is None else moment.astimezone(CHINA).date()


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


def _answers_get(request: Request, path: str) -> bool:
    """Whether the app has a page (or anything) that answers GET at ``path``."""
    scope = {**request.scope, "method": "GET", "path": path, "query_string": b""}
    return any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes)


def language_switch(request: Request) -> tuple[str, list[tuple[str, str]]]:
    """Where the language switch (a GET form) goes, and the query it carries besides
    ``lang``: the page itself, as asked for. A page that answers a form (a POST) is not
    asked for again, which would send the form again or find no GET at that address
    (405): the switch goes to the page the form was on (the Referer, when it is this site's
    and answers GET), or else the nearest address above this one that answers GET."""
    if request.method in ("GET", "HEAD"):
        return request.url.path, _without_lang(request.query_params.multi_items())
    referer = urlsplit(request.headers.get("referer", ""))
    if (
        referer.netloc == request.url.netloc
        and referer.path.startswith("/")
        and not referer.path.startswith("//")
        and _answers_get(request, referer.path)
    ):
        return referer.path, _without_lang(parse_qsl(referer.query, keep_blank_values=True))
    path = request.url.path.rstrip("/") or "/"
    while path != "/" and not _answers_get(request, path):
        path = path.rsplit("/", 1)[0] or "/"
    return path, []


def _without_lang(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in params if name != "lang"]


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if (
        not expected
        or not submitted
        or not secrets.compare_digest(str(expected).encode(), submitted.encode())
    ):
        raise PermissionDenied(
            "the form has expired or did not come from this site; reload the page and try again",
            code="csrf_failed",
        )


class RefusalShown:
    """Whether a page showed its refusal (``error``): the form's error block marks it
    (``collection_form_error.html``), and the layout shows a refusal no form showed at the
    top of the page (``base.html``) — a form that is not rendered (a decided case, another
    organisation's entry) must not swallow the refusal it was sent with."""

    def __init__(self) -> None:
        self.shown = False

    def mark(self) -> str:
        self.shown = True
        return ""

    def __bool__(self) -> bool:
        return self.shown


def _reads_responsible_register(request: Request, actor: Actor) -> bool:
    if not has_permission(actor, Permission.SUPERVISE) and not has_permission(
        actor, Permission.SUBMIT_RECORDS
    ):
        return False
    # Only inside the request's own transaction: an error page is drawn after the session
    # closed, and a new transaction there would be left open (on SQLite, holding the write
    # lock, decision 0002). Such a page's menu goes without the link.
    session = getattr(request.state, "session", None)
    if session is None or not session.in_transaction():
        return False
    return responsible_register.may_read(session, actor)


def _keeps_city_lists(request: Request, actor: Actor) -> bool:
    """Whether the actor's credit authority is the city's, which alone keeps the measure
    list and the register of credit service institutions (decision 0046): the menu's links
    to them, by the rule their pages refuse by. Asked as ``_reads_responsible_register``
    is, inside the request's own transaction only."""
    session = getattr(request.state, "session", None)
    if session is None or not session.in_transaction():
        return False
    return area.district_of(session, actor) is None


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
        # The menu's member register, by the rule that lets the actor keep one.
        "keeps_member_register": keeps_register(actor),
        # The menu's staff query permissions, by the rule their page refuses by.
        "assigns_query_items": assigns_query_items(actor),
        # The menu's register of responsible persons, by the rule its page refuses by (asked
        # only where the menu is drawn, with the request's session where it has one).
        "reads_responsible_register": lambda: _reads_responsible_register(request, actor),
        "keeps_city_lists": lambda: _keeps_city_lists(request, actor),
        "label": lambda value: gettext(enum_label(value)),
        # A district's name in the page's language, with its code (the rules cite it).
        "district": lambda code: district_name(code, gettext),
        # A refusal (error body or row problem) explained in the page's language.
        "refusal": lambda error: explain(error, gettext),
        "source_label": lambda stored: source_label(stored, gettext),
        "reason_text": lambda reason, table: version_reason(reason, table, gettext),
        "detail_text": lambda detail: version_detail(detail, gettext),
        "removal_text": lambda detail: removal_detail(detail, gettext),
        "registration_end": lambda reason: registration_end_reason(reason, gettext),
        "registration_basis": lambda basis: registration_basis(basis, gettext),
        "event_text": lambda detail: entry_event_detail(detail, gettext),
        "entry_action": lambda action: entry_action(action, gettext),
        # Why a joint check gave the green channel or not, from its reason code and the
        # years that check answered on (never today's setting for a past check).
        "green_channel_reason": lambda code, years: green_channel_reason(code, gettext, years),
        # Administrative matter code → name in the page's language, from the matters given.
        "matter_names": lambda matters: matter_names(matters, locale),
        # A name the catalog or a rule pack gives in Chinese and English (a record type's,
        # a field's) in the page's language, in Traditional characters on zh_Hant pages.
        "catalog_name": lambda zh, en: catalog_name(zh, en, locale),
        # The day a stored moment fell on in Fuzhou (``day(x.decided_at)``).
        "day": local_day,
        "csrf_token": csrf_token(request) if "session" in request.scope else "",
        "language_switch": language_switch(request),
        "refusal_shown": RefusalShown(),
    }
    values.update(context or {})
    response = TEMPLATES.TemplateResponse(
        request, template, values, status_code=status_code, headers=headers
    )
    if request.query_params.get("lang") in LOCALES:
        # As the session cookie is set (``web.app``): Secure unless the platform is told it
        # serves plain HTTP (the demo), SameSite=Lax (decision 0053, session 25 addendum).
        response.set_cookie(
            LANG_COOKIE,
            locale,
            max_age=365 * 86400,
            samesite="lax",
            secure=request.app.state.context.settings.secure_cookies,
        )
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
