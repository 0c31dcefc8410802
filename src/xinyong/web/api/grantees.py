"""The organisation a subject's consent or authorisation is given to, named in the answer
as the pages name it: by its code (what the request took) and its name. The subject has no
other way to turn the organisation's id into an organisation, and should know who uses its
information (Art. 24)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts


class GranteeOut(BaseModel):
    code: str
    name: str


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
    service: str | None
    service_not_conditional: bool | None


def grants_out(
    session: Session, items: Sequence[Granted], outside: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    """The fields a consent's and an authorisation's answers share, one dict per item in
    order; ``outside``: the grantees that are credit service institutions outside the active
    register, with their status (Art. 26)."""
    named = grantees(session, {item.grantee_organisation_id for item in items})
    return [
        {
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
