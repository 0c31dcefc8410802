"""Counts of list entries in force for the industry statistics (Art. 28): numbers only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.collection import statistics
from xinyong.lists.models import EntryStatus, ListEntry
from xinyong.subjects.models import Subject


def _in_force(today: dt.date) -> Any:
    return (
        select()
        .select_from(ListEntry)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(Organisation, Organisation.id == ListEntry.recognising_organisation_id)
        .where(
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.term_start <= today,
            or_(ListEntry.term_end.is_(None), ListEntry.term_end >= today),
        )
    )


def entry_counts(session: Session, today: dt.date) -> list[tuple[str, str | None, str, int]]:
    """(red or black, the subject's division, the recognising organisation's kind, count)
    of the entries published and in their term today."""
    rows = session.execute(
        _in_force(today)
        .add_columns(ListEntry.kind, Subject.division, Organisation.kind, func.count(ListEntry.id))
        .group_by(ListEntry.kind, Subject.division, Organisation.kind)
    ).all()
    return [(str(kind), division, str(org_kind), int(n)) for kind, division, org_kind, n in rows]


def subject_counts(
    session: Session, today: dt.date, *, by: str, per_column: bool
) -> list[tuple[str | None, str | None, int]]:
    """How many subjects the entries counted by ``entry_counts`` are about: (the subject's
    division, or the recognising organisation's kind, by ``by``; red or black, or None when
    not ``per_column``; the number of distinct subjects)."""
    line = Subject.division if by == "division" else Organisation.kind
    counted = (
        _in_force(today)
        .add_columns(
            line.label("line"), ListEntry.kind.label("col"), ListEntry.subject_id.label("subject")
        )
        .subquery()
    )
    return statistics.distinct_subjects(session, counted, per_column=per_column)
