"""Per-staff query permissions (Art. 12(2); decision 0035): the organisation's security
officer assigns its published query items to its staff who query, and withdraws them; a
querier sees the items he holds. A query by an item not held is refused
(``not_assigned_query_item``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.disclosure import query_assignments
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


class AssignmentIn(BaseModel):
    username: str = Field(
        min_length=1, max_length=64, description="the staff member of your organisation"
    )
    query_item: str = Field(
        min_length=1, max_length=64, description="the code of a published query item of yours"
    )


@router.get("/query-item-assignments", tags=["disclosure"], responses=refusals(403))
def organisation_assignments(
    session: SessionDep,
    actor: AuthenticatedActorDep,
    withdrawn: Annotated[
        bool, Query(description="also the withdrawn assignments, which stay on record")
    ] = False,
) -> dict[str, Any]:
    """The security officer's view: the organisation's staff who query by item, its items
    in force, and which staff member holds which (``carried_over``: given by migration 0038
    rather than by an officer, for review). An assignment with ``api_key`` (and no
    ``username``) is an organisation's system's, carried over by migration 0042 from the
    time a key used every item: it can be withdrawn, never granted."""
    overview = query_assignments.overview(session, actor)
    body: dict[str, Any] = {
        "organisation": overview.organisation.name,
        "staff": [
            {"username": u.username, "name": u.display_name, "role": u.role.value}
            for u in overview.staff
        ],
        "query_items": [
            {"code": i.code, "matter": i.matter, "matter_code": i.matter_code}
            for i in overview.items
        ],
        "items": [a.as_dict() for a in overview.current],
    }
    if withdrawn:
        body["withdrawn"] = [a.as_dict() for a in overview.withdrawn]
    return body


@router.post(
    "/query-item-assignments",
    tags=["disclosure"],
    status_code=201,
    responses=refusals(403, 404, 409, 422),
)
def assign_query_item(
    body: AssignmentIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Assign a published query item of the organisation to one of its staff who query
    (the security officer; never to oneself). Audited."""
    return query_assignments.grant(
        session, clock, actor, username=body.username, query_item=body.query_item
    ).as_dict()


@router.post(
    "/query-item-assignments/{assignment_id}/withdraw",
    tags=["disclosure"],
    responses=refusals(403, 404, 409, 422),
)
def withdraw_assignment(
    assignment_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Withdraw an assignment: its holder may no longer query by the item. Audited; the
    assignment stays on record."""
    return query_assignments.withdraw(session, clock, actor, assignment_id).as_dict()


@router.get("/me/query-items", tags=["disclosure"], responses=refusals(403))
def my_query_items(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The query items the caller, a staff member who queries, holds now, who assigned
    each and when. An API key holds only the items carried over to it by migration 0042
    (``carried_over``), until its organisation's security officer withdraws them."""
    return {"items": [a.as_dict() for a in query_assignments.held_by(session, actor)]}
