"""Counts of credit records for the industry statistics (Art. 28): numbers only, never a
record or a subject."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.subjects.models import Subject

# The records that stand as credit information now: not revoked, repaired, expired or
# deleted, and past the confidentiality review.
COUNTED = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)


def record_counts(session: Session) -> list[tuple[int, str | None, str, int]]:
    """(record type id, the subject's division, the source organisation's kind, count)."""
    rows = session.execute(
        select(
            CreditRecord.record_type_id,
            Subject.division,
            Organisation.kind,
            func.count(CreditRecord.id),
        )
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .where(CreditRecord.status.in_(COUNTED), CreditRecord.awaiting_review.is_(False))
        .group_by(CreditRecord.record_type_id, Subject.division, Organisation.kind)
    ).all()
    return [(type_id, division, str(kind), int(count)) for type_id, division, kind, count in rows]
