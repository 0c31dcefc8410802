"""The organisation a subject's consent or authorisation is given to, named in the answer
as the pages name it: by its code (what the request took) and its name. The subject has no
other way to turn the organisation's id into an organisation, and should know who uses its
information (Art. 24)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.collection import consent
from xinyong.web import i18n
from xinyong.web.deps import app_context
from xinyong.web.labels import GRANT_END_LABELS


class GranteeOut(BaseModel):
    code: str
    name: str


# How a consent's or an authorisation's answer says whether it is in force and, once it
# ended, why (Art. 24): the same three fields on both.
GrantStatus = Annotated[str, Field(description="active, revoked or expired")]
GrantEndReason = Annotated[
    str | None,
    Field(
        description="why it ended: revoked_by_subject, revoked_by_credit_authority, "
        "revoked_grantee_registered_again (by the system: the institution's register entry was "
        "deregistered and its code registered again), revoked_reason_not_recorded, expired; "
        "null while in force"
    ),
]
GrantEndReasonText = Annotated[
    str | None,
    Field(description="the reason in words, in the language asked for (?lang=, Accept-Language)"),
]


def grantees(session: Session, ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each of these organisations as ``GranteeOut``, in one query."""
    return {
        organisation_id: {"code": code, "name": name}
        for organisation_id, (code, name) in accounts.organisation_codes_and_names(
            session, ids
        ).items()
    }


class Granted(Protocol):
    """What a consent and an authorisation both are: a subject's grant to an organisation."""

    id: int
    grantee_organisation_id: int
    record_type_codes: list[str]
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    revocation: str | None
    service: str | None
    service_not_conditional: bool | None

    @property
    def valid_until(self) -> dt.date | None: ...


def request_gettext(request: Request) -> Callable[[str], str]:
    """Translation into the language asked for (``?lang=``, else Accept-Language), as the
    pages negotiate it: the reasons an answer gives are read by people."""
    locale = i18n.negotiate(
        request.query_params.get("lang"),
        None,
        request.headers.get("accept-language", ""),
        app_context(request).settings.default_locale,
    )
    return i18n.translations(locale).gettext


GettextDep = Annotated[Callable[[str], str], Depends(request_gettext)]


def end_out(
    item: Granted, today: dt.date, gettext: Callable[[str], str], labels: dict[str, str]
) -> dict[str, Any]:
    """A grant's status (active, revoked, expired) and, once it ended, why — its code and,
    in the language asked for, its words."""
    reason = consent.end_reason(item, today)
    return {
        "status": consent.status_of(item, today),
        "end_reason": reason,
        "end_reason_text": gettext(labels[reason]) if reason is not None else None,
    }


def grants_out(
    session: Session,
    items: Sequence[Granted],
    outside: dict[int, str] | None = None,
    *,
    today: dt.date,
    gettext: Callable[[str], str],
) -> list[dict[str, Any]]:
    """The fields a consent's and an authorisation's answers share, one dict per item in
    order; ``outside``: the grantees that are credit service institutions outside the active
    register, with their status (Art. 26). Each says whether it is in force and, if not,
    why it ended (``end_out``)."""
    named = grantees(session, {item.grantee_organisation_id for item in items})
    return [
        {
            **end_out(item, today, gettext, GRANT_END_LABELS),
            "id": item.id,
            "grantee_organisation_id": item.grantee_organisation_id,
            "grantee": named[item.grantee_organisation_id],
            "record_types": item.record_type_codes,
            "granted_at": item.granted_at.isoformat(),
            "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
            "service": item.service,
            "service_not_conditional": item.service_not_conditional,
            "grantee_outside_register": (outside or {}).get(item.grantee_organisation_id),
        }
        for item in items
    ]
