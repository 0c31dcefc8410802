"""What a page with a form shows besides its data: the form's own input error with the
values entered (so nothing typed is lost), or the notice after a successful action, and
the status the page answers with.

Refusals that are not the form's input (no permission, no lawful path) are not caught
here: they propagate to the app's error handler (``web.errors``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyong.errors import DomainError, InvalidInput
from xinyong.web.errors import status_for
from xinyong.web.pages.rendering import render


@dataclass(frozen=True)
class FormState:
    error: dict[str, Any] | None = None
    form: dict[str, Any] = field(default_factory=dict)
    # What the page announces after an action: a word from ``?done=``, or what was done.
    notice: Any = None
    status_code: int = 200

    @classmethod
    def after(
        cls, exc: DomainError, form: dict[str, Any], *, status_code: int | None = None
    ) -> FormState:
        """The form again after ``exc``, with the values entered, answering with the
        error's own status unless the page answers with another."""
        return cls(error=exc.as_dict(), form=form, status_code=status_code or status_for(exc))


BLANK = FormState()


def form_error(session: Session, exc: DomainError) -> dict[str, Any]:
    """A refused form writes nothing: roll back, and hand the error to the template."""
    session.rollback()
    return exc.as_dict()


def refused(
    session: Session, exc: DomainError, form: dict[str, Any], *, status_code: int | None = None
) -> FormState:
    """The form again after its input was refused, with nothing written (``form_error``)."""
    form_error(session, exc)
    return FormState.after(exc, form, status_code=status_code)


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
