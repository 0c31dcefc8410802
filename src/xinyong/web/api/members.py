"""An industry association's member register (Art. 10 ¶1: 根据会员的约定): its staff who
submit records add and end memberships; its members-only records (evaluations) are accepted
about a subject that was a member on the record's date (decision 0032)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.collection import members
from xinyong.collection.models import AssociationMember
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


class MemberIn(BaseModel):
    uscc: str = Field(
        min_length=1, max_length=40, description="the member's unified social credit code"
    )
    name: str = Field(min_length=1, max_length=members.MAX_NAME)
    since: dt.date = Field(description="the membership's first day")
    until: dt.date | None = Field(default=None, description="its last day; none while it lasts")
    agreement_reference: str = Field(
        min_length=1,
        max_length=members.MAX_REFERENCE,
        description="the membership agreement the association records the member's information under",
    )


class EndIn(BaseModel):
    until: dt.date = Field(description="the membership's last day")


def member_out(item: AssociationMember) -> dict[str, Any]:
    return {
        "id": item.id,
        "uscc": item.uscc,
        "name": item.name,
        "since": item.since.isoformat(),
        "until": item.until.isoformat() if item.until else None,
        "agreement_reference": item.agreement_reference,
        "created_at": item.created_at.isoformat(),
        "ended_at": item.ended_at.isoformat() if item.ended_at else None,
    }


@router.get("/members", tags=["collection"], responses=refusals(403))
def member_register(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The caller's association's member register, current and ended memberships."""
    return {"items": [member_out(m) for m in members.register(session, actor)]}


@router.post("/members", tags=["collection"], status_code=201, responses=refusals(403, 409))
def add_member(
    body: MemberIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """A membership under its agreement; one overlapping another of the same member is
    refused (``membership_overlaps``)."""
    return member_out(
        members.add(
            session,
            clock,
            actor,
            uscc=body.uscc,
            name=body.name,
            since=body.since,
            until=body.until,
            agreement_reference=body.agreement_reference,
        )
    )


@router.post("/members/{membership_id}/end", tags=["collection"], responses=refusals(403, 404, 409))
def end_membership(
    membership_id: RowId,
    body: EndIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """End a membership on its last day; records already accepted about it stay."""
    return member_out(members.end(session, clock, actor, membership_id, until=body.until))
