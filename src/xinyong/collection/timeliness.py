"""Timeliness (Art. 4, 及时): how late each source submits, and how long its rows held for
review have waited for a decision, for the credit authority."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.calendar import WorkingDayCalendar
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import Batch, CreditRecord, QuarantinedRow, RowDisposition

# A record is late when it reaches the platform more than this many working days after its
# decision, unless the operator sets XINYONG_LATE_SUBMISSION_WORKING_DAYS (config.py): the
# one default of the pipeline and of every recount (re-dating, a calendar year entered).
DEFAULT_LATE_WORKING_DAYS = 7


@dataclass(frozen=True)
class Waiting:
    """How long a held row has awaited its decision: working days since the day it arrived
    (in China). Overdue past the working days a source has to submit a record: a held row is
    a submission not yet made, and its record, once released, counts late from the day the
    row arrived (decision 0050), so a row waiting longer makes its source late."""

    working_days: int
    overdue: bool


def waiting(
    calendar: WorkingDayCalendar, received_at: dt.datetime, today: dt.date, *, decide_within: int
) -> Waiting:
    days, _provisional = calendar.working_days_between(received_at.astimezone(CHINA).date(), today)
    return Waiting(days, days > decide_within)


@dataclass(frozen=True)
class SourceTimeliness:
    organisation_code: str
    organisation_name: str
    records: int
    late: int
    average_working_days: float
    worst_working_days: int
    # Rows held for review (decision 0050) still awaiting a decision, those of them waiting
    # longer than a submission may take, and the longest wait, in working days.
    held_awaiting: int = 0
    held_overdue: int = 0
    held_longest_working_days: int | None = None

    @property
    def late_share(self) -> float:
        return self.late / self.records if self.records else 0.0


@dataclass
class _Held:
    code: str
    name: str
    awaiting: int = 0
    overdue: int = 0
    longest: int = 0


def by_source(
    session: Session, clock: Clock, actor: Actor, *, late_after_working_days: int
) -> list[SourceTimeliness]:
    """Per source of the actor's area, most late submissions first: its records, late and
    not, and its held rows awaiting a decision — a source with held rows and no record yet
    is listed too, after the others."""
    require(actor, Permission.SUPERVISE)
    in_area = area.area_filter(session, actor, Organisation.id)
    rows = session.execute(
        select(
            Organisation.id,
            Organisation.code,
            Organisation.name,
            func.count(CreditRecord.id),
            func.sum(case((CreditRecord.late, 1), else_=0)),
            func.avg(CreditRecord.working_days_to_submit),
            func.max(CreditRecord.working_days_to_submit),
        )
        .join(CreditRecord, CreditRecord.source_organisation_id == Organisation.id)
        .where(
            CreditRecord.self_declared.is_(False),
            # A district's credit authority: its own district's sources (Art. 6).
            in_area,
        )
        .group_by(Organisation.id, Organisation.code, Organisation.name)
        .order_by(func.sum(case((CreditRecord.late, 1), else_=0)).desc(), Organisation.name)
    ).all()
    held = _held_awaiting(session, clock, in_area, decide_within=late_after_working_days)
    found = [
        _with_held(
            SourceTimeliness(
                code, name, int(total), int(late or 0), float(avg or 0), int(worst or 0)
            ),
            held.pop(organisation_id, None),
        )
        for organisation_id, code, name, total, late, avg, worst in rows
    ]
    found.extend(
        _with_held(SourceTimeliness(h.code, h.name, 0, 0, 0.0, 0), h)
        for h in sorted(held.values(), key=lambda h: (-h.overdue, h.name))
    )
    return found


def _with_held(row: SourceTimeliness, held: _Held | None) -> SourceTimeliness:
    if held is None:
        return row
    return SourceTimeliness(
        row.organisation_code,
        row.organisation_name,
        row.records,
        row.late,
        row.average_working_days,
        row.worst_working_days,
        held_awaiting=held.awaiting,
        held_overdue=held.overdue,
        held_longest_working_days=held.longest,
    )


def _held_awaiting(
    session: Session, clock: Clock, in_area: ColumnElement[bool], *, decide_within: int
) -> dict[int, _Held]:
    """The held rows awaiting a decision, per source: counted per batch (the rows of a batch
    arrived together), so the calendar is asked once a batch, not once a row."""
    per_batch = session.execute(
        select(
            Organisation.id,
            Organisation.code,
            Organisation.name,
            Batch.received_at,
            func.count(QuarantinedRow.id),
        )
        .join(Batch, Batch.id == QuarantinedRow.batch_id)
        .join(Organisation, Organisation.id == Batch.organisation_id)
        .where(
            QuarantinedRow.disposition == RowDisposition.HELD,
            QuarantinedRow.resolution.is_(None),
            in_area,
        )
        .group_by(
            Batch.id, Organisation.id, Organisation.code, Organisation.name, Batch.received_at
        )
    ).all()
    if not per_batch:
        return {}
    calendar = working_day_calendar(session)
    today = clock.today()
    held: dict[int, _Held] = {}
    for organisation_id, code, name, received_at, count in per_batch:
        entry = held.setdefault(organisation_id, _Held(code, name))
        waited = waiting(calendar, received_at, today, decide_within=decide_within)
        entry.awaiting += int(count)
        entry.overdue += int(count) if waited.overdue else 0
        entry.longest = max(entry.longest, waited.working_days)
    return held
