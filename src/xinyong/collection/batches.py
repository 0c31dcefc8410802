"""Reading batches and their reports: the source's own, or any for the credit authority."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.catalog.models import RecordType
from xinyong.collection import quarantine
from xinyong.collection.models import Batch
from xinyong.collection.pipeline import BatchReport, _stored_problems
from xinyong.errors import ConcealedRefusal, NotFound
from xinyong.spreadsheets import SafeWriter


def get_report(session: Session, actor: Actor, batch_id: int) -> BatchReport:
    require(actor, Permission.READ_BATCHES)
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound("no such batch", code="not_found", field="batch")
    # The credit authority reads the batches of its own area's sources (Art. 6).
    supervises = has_permission(actor, Permission.SUPERVISE) and area.in_own_area(
        session, actor, batch.organisation_id
    )
    if not supervises and batch.organisation_id != actor.organisation_id:
        # Another organisation's batch is reported as missing: its existence is not ours to tell.
        raise ConcealedRefusal("no such batch", code="not_found", field="batch")
    record_type = session.get(RecordType, batch.record_type_id)
    assert record_type is not None
    return BatchReport(batch, record_type.code, _stored_problems(session, batch))


def report_dict(report: BatchReport, *, quarantine_content_days: int) -> dict[str, Any]:
    """The report as the API and the pages give it: with the last day the content of its
    rejected and held rows is kept (None once erased, or when there are none)."""
    until = quarantine.kept_until(report.batch, quarantine_content_days)
    return {
        **report.as_dict(),
        "quarantined_content_kept_until": until.isoformat() if until else None,
    }


def list_batches(session: Session, actor: Actor, *, limit: int = 50) -> list[Batch]:
    require(actor, Permission.READ_BATCHES)
    query = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if not has_permission(actor, Permission.SUPERVISE):
        query = query.where(Batch.organisation_id == actor.organisation_id)
    else:
        query = query.where(area.area_filter(session, actor, Batch.organisation_id))
    return list(session.scalars(query))


def report_csv(report: BatchReport) -> str:
    """The rejected and held rows as CSV (row, field, code, message, article, disposition)."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(["row", "field", "code", "message", "article", "disposition"])
    for p in report.problems:
        writer.writerow(
            [p.row, p.field or "", p.code, p.message, p.article or "", p.disposition.value]
        )
    return buffer.getvalue()
