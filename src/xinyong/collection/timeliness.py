"""Timeliness (Art. 4, 及时): how late each source submits, for the credit authority."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.collection.models import CreditRecord

# A record is late when it reaches the platform more than this many working days after its
# decision, unless the operator sets XINYONG_LATE_SUBMISSION_WORKING_DAYS (config.py): the
# one default of the pipeline and of every recount (re-dating, a calendar year entered).
DEFAULT_LATE_WORKING_DAYS = 7


@dataclass(frozen=True)
class SourceTimeliness:
    organisation_code: str
    organisation_name: str
    records: int
    late: int
    average_working_days: float
    worst_working_days: int

    @property
    def late_share(self) -> float:
        return self.late / self.records if self.records else 0.0


def by_source(session: Session, actor: Actor) -> list[SourceTimeliness]:
    require(actor, Permission.SUPERVISE)
    rows = session.execute(
        select(
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
            area.area_filter(session, actor, Organisation.id),
        )
        .group_by(Organisation.code, Organisation.name)
        .order_by(func.sum(case((CreditRecord.late, 1), else_=0)).desc(), Organisation.name)
    ).all()
    return [
        SourceTimeliness(code, name, int(total), int(late or 0), float(avg or 0), int(worst or 0))
        for code, name, total, late, avg, worst in rows
    ]
