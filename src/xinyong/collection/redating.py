"""Records re-dated when the rule governing them counts from another of their dates.

A record's decision date is the value of its type's ``decision_date_field``: its publicity
window, its timeliness (Art. 4, working days from the decision to its arrival) and, for a
court judgment defaulter, its list entry's term are counted from it. When a release ships a
rule that dates a type by another of its fields — a court judgment defaulter by the day the
court published it on the list of defaulters (``published_on``, 最高人民法院关于公布失信被执行人
名单信息的若干规定 Art. 7), not the day the case was filed — the records already stored are
dated by the new field too, each as a **new version** by the system with its reason (Art. 24;
nothing is updated in place, decision 0025), in the upgrade's transaction (decision 0045).

A record is re-dated only if it is dated by the old field (a date an objection corrected
stays as corrected) and carries the new one; one that lacks it keeps its date and is counted
as such. Its content does not change, so the source's confidentiality review is not asked
again; a window it had is counted again from the new date (a record withdrawn from
publication keeps none), and its timeliness is counted again, as a calendar change counts it
(``calendar_store``). The status stays as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Severity
from xinyong.catalog.models import RecordType
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.records import add_version_as_is
from xinyong.collection.timeliness import DEFAULT_LATE_WORKING_DAYS

# The reason on the version (Art. 24); the pages translate it (``web.labels``).
REASON_REDATED = "re-dated by the rule in force"


@dataclass
class Redated:
    """What re-dating one record type did: the records given a new version, and those dated
    by the old field that lack the new one (they keep their date)."""

    record_type: str
    from_field: str
    to_field: str
    records: list[int] = field(default_factory=list)
    without_date: list[int] = field(default_factory=list)


def redate(
    session: Session,
    clock: Clock,
    record_type_code: str,
    *,
    from_field: str,
    basis: str,
    late_after_working_days: int | None = None,
) -> Redated:
    """Date the stored records of the type by the field its rule in force names, where they
    were dated by ``from_field``; ``basis``: why (the pack and the rule it follows), kept on
    each version. Audited once (``record.redate``) when anything was re-dated."""
    late_after = (
        DEFAULT_LATE_WORKING_DAYS if late_after_working_days is None else late_after_working_days
    )
    record_type = session.scalar(select(RecordType).where(RecordType.code == record_type_code))
    to_field = catalog.effective_rule(session, record_type_code).definition.decision_date_field
    done = Redated(record_type_code, from_field, to_field)
    if record_type is None or to_field == from_field:
        return done
    rules = catalog.rules_in_force(session)
    calendar = working_day_calendar(session)
    now = clock.now()
    rows = session.execute(
        select(CreditRecord, RecordVersion, Organisation.jurisdiction)
        .join(
            RecordVersion,
            (RecordVersion.record_id == CreditRecord.id)
            & (RecordVersion.version_no == CreditRecord.current_version_no),
        )
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .where(
            CreditRecord.record_type_id == record_type.id,
            # Its content erased after the retention period: no date left to read.
            CreditRecord.status != RecordStatus.DELETED,
        )
        .order_by(CreditRecord.id)
    ).all()
    for record, current, jurisdiction in rows:
        definition = rules.for_record(record_type.id, jurisdiction)
        new_field = definition.decision_date_field
        if new_field == from_field:
            continue
        old_value = current.payload.get(from_field)
        if not old_value or dt.date.fromisoformat(str(old_value)) != record.decision_date:
            continue  # dated otherwise (an objection corrected it): it stays as it is
        new_value = current.payload.get(new_field)
        if not new_value:
            done.without_date.append(record.id)
            continue
        new_date = dt.date.fromisoformat(str(new_value))
        if new_date == record.decision_date:
            continue
        if record.publicity_start is not None or record.publicity_end is not None:
            deadline = current.payload.get("publicity_deadline")
            record.publicity_start, record.publicity_end = definition.disclosure.period(
                Severity(record.severity)
            ).window(new_date, dt.date.fromisoformat(str(deadline)) if deadline else None)
        record.decision_date = new_date
        if not record.self_declared:
            received = record.received_at.astimezone(CHINA).date()
            days, _provisional = calendar.working_days_between(new_date, received)
            record.working_days_to_submit = days
            record.late = days > late_after
        add_version_as_is(
            session,
            record,
            current,
            reason=REASON_REDATED,
            reason_detail=(
                f"dated by {new_field} {new_date.isoformat()}, no longer by {from_field} "
                f"{old_value}: {basis}"
            ),
            source_organisation_id=None,
            actor=SYSTEM_ACTOR.audit().id,
            created_at=now,
        )
        done.records.append(record.id)
    session.flush()
    if done.records:
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "record.redate",
            target_type="record_type",
            target_id=record_type_code,
            details={
                "from": from_field,
                "to": to_field,
                "basis": basis,
                "records": done.records,
                "without_date": done.without_date,
            },
        )
    return done
