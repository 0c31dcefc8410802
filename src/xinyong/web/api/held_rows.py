"""Held rows API: the rows held because their name is not one the subject bears, and their
review by the source's data reporter or the credit authority (Art. 4 ¶2; decision 0050)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from xinyong.collection import batches, held_rows
from xinyong.collection.timeliness import Waiting
from xinyong.web.deps import (
    MAX_ROW_ID,
    AuthenticatedActorDep,
    ClockDep,
    RowId,
    SessionDep,
    app_context,
)
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1", tags=["collection"])


def held_row_out(row: held_rows.HeldRow, waited: Waiting | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "batch_id": row.batch_id,
        "row": row.row_number,
        "source": {"id": row.organisation_id, "name": row.organisation_name},
        "record_type": row.record_type_code,
        "received_at": row.received_at.isoformat(),
        "problems": row.problems,
        "content_kept": row.content_kept,
        # Awaiting a decision: working days waited since it arrived, and whether longer than
        # a submission may take (Art. 4); null once decided.
        "waiting": None
        if waited is None
        else {"working_days": waited.working_days, "overdue": waited.overdue},
        "decision": None
        if row.awaiting
        else {
            "resolution": row.resolution,
            "at": row.resolved_at.isoformat() if row.resolved_at else None,
            "by": row.resolved_by,
            "reasons": row.reasons,
            "released_batch_id": row.released_batch_id,
        },
    }


@router.get("/held-rows", responses=refusals(403))
def list_held_rows(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    decided: Annotated[
        bool, Query(description="the rows decided already, latest first, instead")
    ] = False,
    batch: Annotated[
        int | None, Query(ge=1, le=MAX_ROW_ID, description="only this batch's rows")
    ] = None,
) -> dict[str, Any]:
    """The held rows of the caller's organisation awaiting a decision, oldest first (of
    every source of its area for the credit authority). Their problems only: a row's
    content is read one at a time, audited (`GET /held-rows/{id}`). At most `limit` rows
    (the oldest; the latest decided), and `total`, how many there are in all: decide the
    listed ones and the next come up. Each awaiting row says how long it has `waiting`, in
    working days, `overdue` past `XINYONG_LATE_SUBMISSION_WORKING_DAYS` (Art. 4)."""
    queue = held_rows.held_queue(session, actor, decided=decided, batch_id=batch)
    waited = held_rows.waiting_times(
        session,
        clock,
        queue.rows,
        decide_within=app_context(request).settings.late_submission_working_days,
    )
    return {
        "items": [held_row_out(row, waited.get(row.id)) for row in queue.rows],
        "total": queue.total,
        "limit": queue.limit,
    }


@router.get("/held-rows/{row_id}", responses=refusals(403, 404))
def get_held_row(
    row_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One held row with its values (citizen IDs masked, restricted values not shown), the
    name it gives and the subject its code is registered to, with the names it bears.
    Audited (`held_row.read`); a natural person's is in the person's access log."""
    found = held_rows.held_row(session, clock, actor, row_id)
    subject = found.subject
    return {
        **held_row_out(found.row),
        "values": found.values,
        "name_given": found.name_given,
        "registered_subject": None
        if subject is None
        else {
            "code": subject.public_code,
            "kind": subject.kind.value,
            "names": found.names_borne,
        },
        "name_now_borne": found.name_now_borne,
    }


class DecisionIn(BaseModel):
    reasons: str = Field(
        min_length=1,
        max_length=held_rows.MAX_REASONS,
        description="why the row is (or is not) the registered subject's",
    )


@router.post("/held-rows/{row_id}/release", responses=refusals(403, 404, 409))
def release_held_row(
    request: Request,
    row_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Release the row under the subject its code is registered to: it goes through the
    ingestion pipeline as a batch of that one row for its source (channel `review`), every
    check but the name's applied. `422 release_refused` (with `details.problems`) when the
    pipeline refuses it for another reason: nothing is written, reject it instead; `409
    held_row_decided`, `409 held_row_content_erased`."""
    settings = app_context(request).settings
    released = held_rows.release(
        session,
        clock,
        actor,
        row_id,
        body.reasons,
        late_after_working_days=settings.late_submission_working_days,
    )
    return {
        **held_row_out(released.row),
        "batch": batches.report_dict(
            released.report, quarantine_content_days=settings.quarantine_content_days
        ),
    }


@router.post("/held-rows/{row_id}/reject", responses=refusals(403, 404, 409))
def reject_held_row(
    row_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Reject the row, with reasons: the source corrects it and submits it again."""
    return held_row_out(held_rows.reject(session, clock, actor, row_id, body.reasons))
