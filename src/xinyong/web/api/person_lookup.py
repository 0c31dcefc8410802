"""Finding a natural person by ID number, which travels in the body, never in a URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.disclosure import person_lookup
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


class PersonLookupIn(BaseModel):
    citizen_id: str = Field(min_length=1, max_length=40)


@router.post("/person-lookups", tags=["disclosure"], responses=refusals(403, 404))
def look_up_person(
    body: PersonLookupIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The opaque reference of a natural person, to open the file with
    (`GET /api/v1/subjects/{reference}/file`). Query officers find any registered person; a
    financial institution finds only persons whose written authorisation to it is in force
    (Art. 13 ¶3). Audited."""
    subject = person_lookup.find_person(session, clock, actor, body.citizen_id)
    return {
        "reference": subject.reference,
        "name": subject.name,
        "citizen_id_masked": subject.citizen_id_masked,
    }
