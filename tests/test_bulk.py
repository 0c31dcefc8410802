"""Bulk inserts (db.bulk): many rows to a statement."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.clock import CHINA
from xinyong.db.bulk import BulkWriter
from xinyong.db.ids import allocate_ids
from xinyong.subjects.models import Subject, SubjectKind

COLUMNS = ("id", "kind", "reference", "name", "name_normalised", "uscc", "uscc_unverified")
WHEN = dt.datetime(2026, 11, 27, 10, 0, tzinfo=CHINA)


def _rows(db: Session, count: int, prefix: str) -> list[tuple[object, ...]]:
    ids = allocate_ids(db, Subject.__table__, count)
    return [
        (
            sid,
            SubjectKind.LEGAL_PERSON,
            f"{prefix}{n:08d}",
            f"名称{n}",
            f"名称{n}",
            None,
            n % 2 == 0,
        )
        for n, sid in enumerate(ids)
    ]


def test_more_rows_than_one_statement_takes_all_arrive_converted(db: Session) -> None:
    writer = BulkWriter(db, Subject.__table__, (*COLUMNS, "created_at"))
    # SQLite: 500 rows to a statement, then 64, 8 and 1: 1,573 rows take all four sizes.
    rows = [(*row, WHEN) for row in _rows(db, 1_573, "T")]
    writer.insert(rows)
    stored = db.execute(
        select(Subject.reference, Subject.kind, Subject.uscc_unverified, Subject.created_at)
        .where(Subject.reference.like("T%"))
        .order_by(Subject.reference)
    ).all()
    assert len(stored) == 1_573
    assert stored[0] == ("T00000000", SubjectKind.LEGAL_PERSON, True, WHEN)
    assert stored[-1] == ("T00001572", SubjectKind.LEGAL_PERSON, True, WHEN)
