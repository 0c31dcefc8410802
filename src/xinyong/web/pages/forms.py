"""What a page with a form shows besides its data: the form's own input error with the
values entered (so nothing typed is lost), or the notice after a successful action, and
the status the page answers with.

A refusal that is not about the form's input (no lawful path to the subject's file, a bulk
read limit) is shown beside the form too where the form is what the user acts on
(``refused_access``), recorded as the app's boundary records one; where there is no form
to show again (no permission for the page at all), refusals propagate to the app's error
handler (``web.errors``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from xinyong.errors import (
    ConcealedRefusal,
    DomainError,
    InvalidInput,
    PermissionDenied,
    RateLimited,
)
from xinyong.web.deps import settle_failure, settle_refusal
from xinyong.web.errors import status_for
from xinyong.web.pages.rendering import render


def _line_breaks_as_one(value: Any) -> Any:
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


# A browser counts a textarea's line break as one character against its maxlength but sends
# it as two (CR LF): a text the form accepted would be refused as too long. Every page's
# text field is read with its line breaks as one, as the API's statements are (and the
# services count them).
LINE_BREAKS_AS_ONE = BeforeValidator(_line_breaks_as_one)


@dataclass(frozen=True)
class FormState:
    error: dict[str, Any] | None = None
    form: dict[str, Any] = field(default_factory=dict)
    # What the page announces after an action: a word from ``?done=``, or what was done.
    notice: Any = None
    status_code: int = 200
    headers: dict[str, str] | None = None

    @classmethod
    def after(
        cls, exc: DomainError, form: dict[str, Any], *, status_code: int | None = None
    ) -> FormState:
        """The form again after ``exc``, with the values entered, answering with the
        error's own status unless the page answers with another."""
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return cls(
            error=exc.as_dict(),
            form={name: _shown(value) for name, value in form.items()},
            status_code=status_code or status_for(exc),
            headers=headers,
        )


BLANK = FormState()


def _shown(value: Any) -> Any:
    # A NUL the form was refused for is not typed back: no page text may hold it, and the
    # value sent again without it is what the user meant.
    return value.replace("\x00", "") if isinstance(value, str) else value


def form_error(session: Session, exc: DomainError) -> dict[str, Any]:
    """A refused form writes nothing but what must outlive the refusal (the error's
    aftermath, e.g. the audit of a failed lookup): roll back, and hand the error to the
    template."""
    settle_failure(session, exc)
    return exc.as_dict()


def refused(
    session: Session, exc: DomainError, form: dict[str, Any], *, status_code: int | None = None
) -> FormState:
    """The form again after its input was refused, with nothing written (``form_error``)."""
    form_error(session, exc)
    return FormState.after(exc, form, status_code=status_code)


def refused_access(
    request: Request,
    session: Session,
    exc: PermissionDenied | RateLimited | ConcealedRefusal,
    form: dict[str, Any],
) -> FormState:
    """The form again after a refusal of what it asked for (403, or 429 with Retry-After):
    nothing the request did is kept but the refusal, recorded as the boundary records it
    (the audit trail, and the subject's access log when the refusal is about a subject's
    file, Art. 24), then shown beside the form with its code and article."""
    settle_refusal(request, session, exc)
    return FormState.after(exc, form)


def refused_or_concealed(
    request: Request, session: Session, exc: DomainError, form: dict[str, Any]
) -> FormState:
    """``refused`` — or, for another subject's object answered as a missing one
    (``ConcealedRefusal``), ``refused_access``: shown alike, but recorded as the refused
    access it is."""
    if isinstance(exc, ConcealedRefusal):
        return refused_access(request, session, exc, form)
    return refused(session, exc, form)


def announced(done: str, *notices: str) -> FormState:
    """The page after a redirect with ``?done=``: only the notices the page knows."""
    return FormState(notice=done if done in notices else None)


def render_form(
    request: Request, template: str, context: dict[str, Any], state: FormState
) -> HTMLResponse:
    return render(
        request,
        template,
        {**context, "error": state.error, "form": state.form, "notice": state.notice},
        status_code=state.status_code,
        headers=state.headers,
    )


def parse_date(text: str, field: str) -> dt.date | None:
    """A date typed in a form (YYYY-MM-DD); empty means none."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("not a date: use YYYY-MM-DD", code="invalid_date", field=field) from None
