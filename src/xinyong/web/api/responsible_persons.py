"""The persons answering for an organisation (Art. 18; decision 0036, session 12 addendum):
the registration authority registers and ends them; it and the credit authority read the
register; anyone else sees what the public lists show. The citizen ID number travels in the
body only and is never answered in clear."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.lists import responsible_register as register
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole
from xinyong.web.deps import ActorDep, AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


class RegistrationIn(BaseModel):
    role: ResponsibleRole = Field(
        description="the capacity: legal_representative (法定代表人), principal (主要负责人) "
        "or directly_responsible (其他直接负责人)"
    )
    citizen_id: str = Field(min_length=1, max_length=40, description="the person's ID number")
    name: str = Field(
        default="",
        max_length=register.MAX_NAME,
        description="the name on the registration document: required for a person new to "
        "the platform; for a known person it must be his",
    )
    valid_from: dt.date | None = Field(
        default=None, description="the day the registration starts (default today; not later)"
    )
    basis: str = Field(
        min_length=1,
        max_length=subjects.MAX_BASIS,
        description="the registration document it rests on, e.g. its number",
    )


class EndIn(BaseModel):
    ended_on: dt.date = Field(description="the day the registration ends (not later than today)")
    reason: str = Field(min_length=1, max_length=subjects.MAX_END_REASON)


def registration_out(link: ResponsiblePerson) -> dict[str, Any]:
    person = link.person
    return {
        "id": link.id,
        "role": link.role.value,
        "name": link.name,
        "person_reference": person.reference if person is not None else None,
        "citizen_id_masked": person.citizen_id_masked if person is not None else None,
        "valid_from": link.valid_from.isoformat() if link.valid_from else None,
        "valid_to": link.valid_to.isoformat() if link.valid_to else None,
        "basis": link.basis,
        "end_reason": link.end_reason,
        "current": link.valid_to is None,
    }


@router.get(
    "/subjects/{code}/responsible-persons", tags=["subjects"], responses=refusals(403, 404, 422)
)
def responsible_persons(
    code: str, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> dict[str, Any]:
    """The authority that registers the organisation and the credit authority: every
    registration, current and ended (masked ID number), the read in each person's access
    log; another registration authority is refused (403 ``register_of_another_authority``).
    Anyone else: the persons the organisation's published list
    entries in force name now, by capacity and masked name, as the public lists show them."""
    organisation = register.organisation_of(session, code)
    if register.may_read(session, actor):
        return {
            "organisation": {"code": organisation.public_code, "name": organisation.name},
            "view": "register",
            "items": [
                registration_out(link)
                for link in register.register_of(session, clock, actor, organisation)
            ],
        }
    return {
        "organisation": {"code": organisation.public_code, "name": organisation.name},
        "view": "public",
        "items": [
            {"role": p.role, "name": p.masked_name}
            for p in register.public_persons(session, clock, organisation)
        ],
    }


@router.post(
    "/subjects/{code}/responsible-persons",
    tags=["subjects"],
    status_code=201,
    responses=refusals(403, 404, 409, 422),
)
def register_responsible_person(
    code: str,
    body: RegistrationIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Register a person as answering for the organisation (the registration authority's
    data reporter). A new legal representative ends the registration of the one before from
    the day his starts (``starts_before_holder`` if that is before the holder's own start);
    the same person twice in one capacity is ``duplicate`` (409). The organisation's list
    entries in force name him from today."""
    organisation = register.organisation_of(session, code)
    link = register.register_person(
        session,
        clock,
        actor,
        organisation,
        role=body.role,
        citizen_id=body.citizen_id,
        name=body.name,
        valid_from=body.valid_from,
        basis=body.basis,
    )
    return registration_out(link)


@router.post(
    "/subjects/{code}/responsible-persons/{registration_id}/end",
    tags=["subjects"],
    responses=refusals(403, 404, 409, 422),
)
def end_responsible_person(
    code: str,
    registration_id: RowId,
    body: EndIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """End a registration from a day with the reason (``registration_ended`` 409 if ended
    already); the entries in force stop naming the person."""
    organisation = register.organisation_of(session, code)
    link = register.end_registration(
        session,
        clock,
        actor,
        organisation,
        registration_id,
        ended_on=body.ended_on,
        reason=body.reason,
    )
    return registration_out(link)
