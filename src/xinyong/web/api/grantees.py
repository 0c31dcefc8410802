"""The organisation a subject's consent or authorisation is given to, named in the answer
as the pages name it: by its code (what the request took) and its name. The subject has no
other way to turn the organisation's id into an organisation, and should know who uses its
information (Art. 24)."""

from __future__ import annotations

from collections.abc import Iterable

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
