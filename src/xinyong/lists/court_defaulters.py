"""Court judgment defaulters (失信被执行人) enter the black list from the court's records
and leave as soon as a record says the judgment was performed — well within the 3
working days the rules allow (rules.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.calendar import add_months
from xinyong.clock import Clock
from xinyong.collection import hooks
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.lists.entries import record_event
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard, RemovalReason, Tier

RECORD_TYPE = "court_judgment_defaulter"


def sync_records(session: Session, clock: Clock, record_ids: list[int]) -> None:
    std = session.scalar(select(ListStandard).where(ListStandard.from_record_type == RECORD_TYPE))
    if std is None:
        return
    for start in range(0, len(record_ids), 500):
        part = record_ids[start : start + 500]
        rows = session.execute(
            select(CreditRecord, RecordVersion)
            .join(
                RecordVersion,
                (RecordVersion.record_id == CreditRecord.id)
                & (RecordVersion.version_no == CreditRecord.current_version_no),
            )
            .where(CreditRecord.id.in_(part))
            # The pipeline updates records with Core statements: read them afresh.
            .execution_options(populate_existing=True)
        ).all()
        entries = {
            e.source_record_id: e
            for e in session.scalars(select(ListEntry).where(ListEntry.source_record_id.in_(part)))
        }
        for record, version in rows:
            _sync_one(session, clock, std, record, version.payload, entries.get(record.id))


def _sync_one(
    session: Session,
    clock: Clock,
    std: ListStandard,
    record: CreditRecord,
    payload: dict[str, str],
    entry: ListEntry | None,
) -> None:
    performed = payload.get("performed_on")
    if entry is None:
        if performed or record.status is RecordStatus.REVOKED:
            # Performed before it ever reached the list, or revoked by the court (decision
            # 0028).
            return
        start = dt.date.fromisoformat(
            payload.get("published_on") or payload.get("filed_on") or str(record.decision_date)
        )
        entry = ListEntry(
            subject_id=record.subject_id,
            standard_id=std.id,
            kind=ListKind.BLACK,
            tier=Tier.SERIOUS,
            status=EntryStatus.PUBLISHED,
            recognising_organisation_id=record.source_organisation_id,
            proposed_by="court",
            proposed_at=clock.now(),
            criteria_met=std.criteria,
            reasons=payload.get("dishonest_conduct", ""),
            evidence=f"{payload.get('court', '')} {payload.get('case_number', '')}",
            legal_basis=std.legal_basis,
            approved_by="court",
            approved_at=clock.now(),
            term_start=start,
            term_end=_term_end(std, start, payload),
            source_record_id=record.id,
        )
        session.add(entry)
        session.flush()
        record_event(
            session,
            clock,
            entry,
            SYSTEM_ACTOR,
            "entered",
            f"court decision {payload.get('case_number', '')}",
        )
        return
    if not performed and entry.status is EntryStatus.PUBLISHED and entry.term_start:
        term_end = _term_end(std, entry.term_start, payload)
        if term_end != entry.term_end:
            entry.term_end = term_end
            record_event(
                session, clock, entry, SYSTEM_ACTOR, "term_changed", f"term ends {term_end}"
            )
        return
    if performed and entry.status is EntryStatus.PUBLISHED:
        entry.status = EntryStatus.REMOVED
        entry.ended_at = clock.now()
        entry.removal_reason = RemovalReason.PERFORMED
        entry.removal_detail = f"performed on {performed}"
        record_event(session, clock, entry, SYSTEM_ACTOR, "removed", f"performed on {performed}")


hooks.register(RECORD_TYPE, sync_records)


# The court may extend the two-year term by one to three years (rules.md); it states the
# extended term's end as the record's publicity deadline.
_MAX_EXTENSION_MONTHS = 36


def _term_end(std: ListStandard, start: dt.date, payload: dict[str, str]) -> dt.date:
    term_end = add_months(start, std.term_months)
    stated = payload.get("publicity_deadline")
    if not stated:
        return term_end
    return max(
        term_end,
        min(
            dt.date.fromisoformat(stated),
            add_months(start, std.term_months + _MAX_EXTENSION_MONTHS),
        ),
    )
