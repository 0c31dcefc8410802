"""Public comment on red-list candidates: anyone may comment while the period runs; the
recognising agency decides each comment like an objection before it may approve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from xinyong.lists import entries
from xinyong.web.api.objections import Statement
from xinyong.web.deps import ActorDep, ClockDep, PublicCommentLimit, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


class PublicCommentIn(BaseModel):
    statement: Statement
    contact: str = Field(default="", max_length=entries.MAX_CONTACT_LENGTH)


@router.post(
    "/lists/red/candidates/{entry_id}/comments",
    tags=["lists"],
    status_code=201,
    dependencies=[PublicCommentLimit],
    responses=refusals(404, 409, 429),
)
def comment_on_candidate(
    entry_id: RowId, body: PublicCommentIn, session: SessionDep, clock: ClockDep, actor: ActorDep
) -> dict[str, Any]:
    """Comment on a red-list candidate during its public comment period (no account
    needed). Contact details are optional and seen only by the recognising agency."""
    comment = entries.comment_on(
        session, clock, actor, entry_id, body.statement, contact=body.contact
    )
    return {
        "id": comment.id,
        "entry_id": comment.entry_id,
        "submitted_at": comment.submitted_at.isoformat(),
    }
