"""Counts of list entries in force for the industry statistics (Art. 28): numbers only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.lists.models import EntryStatus, ListEntry
from xinyong.subjects.models import Subject


def entry_counts(session: Session, today: dt.date) -> list[tuple[str, str | None, str, int]]:
    """(red or black, the subject's division, the recognising organisation's kind, count)
    of the entries published and in their term today."""
    rows = session.execute(
        select(ListEntry.kind, Subject.division, Organisation.kind, func.count(ListEntry.id))
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(Organisation, Organisation.id == ListEntry.recognising_organisation_id)
        .where(
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.term_start <= today,
            or_(ListEntry.term_end.is_(None), ListEntry.term_end >= today),
        )
        .group_by(ListEntry.kind, Subject.division, Organisation.kind)
    ).all()
    return [(str(kind), division, str(org_kind), int(n)) for kind, division, org_kind, n in rows]
