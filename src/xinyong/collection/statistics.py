"""Counts of credit records for the industry statistics (Art. 28): numbers only, never a
record or a subject."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, literal, null, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.subjects.models import Subject

# The records that stand as credit information now: not revoked, repaired, expired or
# deleted, and past the confidentiality review.
COUNTED = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)


def _standing() -> Any:
    return (
        select()
        .select_from(CreditRecord)
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .where(CreditRecord.status.in_(COUNTED), CreditRecord.awaiting_review.is_(False))
    )


def record_counts(session: Session) -> list[tuple[int, str | None, str, int]]:
    """(record type id, the subject's division, the source organisation's kind, count)."""
    rows = session.execute(
        _standing()
        .add_columns(
            CreditRecord.record_type_id,
            Subject.division,
            Organisation.kind,
            func.count(CreditRecord.id),
        )
        .group_by(CreditRecord.record_type_id, Subject.division, Organisation.kind)
    ).all()
    return [(type_id, division, str(kind), int(count)) for type_id, division, kind, count in rows]


def subject_counts(
    session: Session,
    column_of: Mapping[int, str],
    *,
    otherwise: str,
    by: str,
    per_column: bool,
) -> list[tuple[str | None, str | None, int]]:
    """How many subjects the records counted by ``record_counts`` are about: (the subject's
    division, or the source organisation's kind, by ``by``; the column — ``column_of`` a
    record type id, ``otherwise`` for a type it does not name — or None when not
    ``per_column``; the number of distinct subjects). A subject has one division, so the
    numbers of divisions add up; those of kinds or columns do not (a subject may have
    records of several), which is why each grouping is counted, not summed."""
    line = Subject.division if by == "division" else Organisation.kind
    column: Any = (
        case(dict(column_of), value=CreditRecord.record_type_id, else_=literal(otherwise))
        if column_of
        else literal(otherwise)
    )
    # Grouped outside: PostgreSQL would not take the column's CASE, with its parameters, as
    # the same expression in the select list and in GROUP BY.
    counted = (
        _standing()
        .add_columns(
            line.label("line"), column.label("col"), CreditRecord.subject_id.label("subject")
        )
        .subquery()
    )
    return distinct_subjects(session, counted, per_column=per_column)


def distinct_subjects(
    session: Session, counted: Any, *, per_column: bool
) -> list[tuple[str | None, str | None, int]]:
    """The distinct subjects of ``counted`` (a subquery with ``line``, ``col`` and
    ``subject``) per line, and per column when ``per_column``: what statistics suppression
    holds a cell to (decision 0024 addendum)."""
    groups = (counted.c.line, counted.c.col) if per_column else (counted.c.line,)
    rows = session.execute(
        select(
            counted.c.line,
            counted.c.col if per_column else null(),
            func.count(func.distinct(counted.c.subject)),
        ).group_by(*groups)
    ).all()
    return [
        (None if key is None else str(key), None if col is None else str(col), int(n))
        for key, col, n in rows
    ]
