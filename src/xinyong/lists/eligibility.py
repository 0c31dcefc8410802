"""Who may stand for the red list (Art. 14 ¶2): a red-list standard recognises integrity
models (诚信典型), so a subject on the black list is none, and where the standard's criteria
ask for "no bad credit record for N years" (the standard's ``clean_years``, data in the
rule pack beside the criteria) a subject with such a record is none either.

Checked when an officer proposes a red-list entry and again when a second officer
approves it (a subject may be black-listed, or a penalty decided, during the public
comment period). The bad-record test is the joint check's green-channel test (Art. 16(1):
a negative record decided within the years, unless repaired or revoked), counting only
public credit records: a red-list recognition is a state body's decision on public credit
information (Art. 9, 14), not on what market bodies report.

"N years without a bad record" also needs N years to look back on (``known_for``): a
subject established last year has no three clean years, only one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from xinyong.calendar import add_years
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Category, Polarity
from xinyong.clock import CHINA
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import InvalidInput
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard
from xinyong.subjects.models import Subject

# Records that no longer count against the subject (as in the joint check's green channel);
# a record deleted after its retention period is gone (rules.md).
NOT_COUNTED = (RecordStatus.REPAIRED, RecordStatus.REVOKED, RecordStatus.DELETED)


def black_list_entry_in_force(
    session: Session, subject_id: int, today: dt.date
) -> tuple[ListEntry, ListStandard] | None:
    """The subject's black-list entry in force today (the latest ending), if any."""
    row = session.execute(
        select(ListEntry, ListStandard)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(
            ListEntry.subject_id == subject_id,
            ListEntry.kind == ListKind.BLACK,
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.term_start <= today,
            or_(ListEntry.term_end.is_(None), ListEntry.term_end >= today),
        )
        .order_by(ListEntry.term_end.desc(), ListEntry.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def latest_bad_record(
    session: Session, subject_id: int, since: dt.date
) -> tuple[dt.date, str] | None:
    """The subject's latest public negative record decided on or after ``since`` that
    still counts: its decision date and record type name."""
    # The type's polarity and category, the same in every area's governing rule
    # (``catalog.TypeWide``).
    negative = {
        type_id: kind.name_zh
        for type_id, kind in catalog.type_wide(session).items()
        if kind.polarity is Polarity.NEGATIVE and kind.category is Category.PUBLIC
    }
    if not negative:
        return None
    row = session.execute(
        select(CreditRecord.decision_date, CreditRecord.record_type_id)
        .where(
            CreditRecord.subject_id == subject_id,
            CreditRecord.record_type_id.in_(list(negative)),
            CreditRecord.decision_date >= since,
            CreditRecord.status.not_in(NOT_COUNTED),
        )
        .order_by(CreditRecord.decision_date.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], negative[row[1]])


# The catalog's group of registration records (登记注册): their decision date is the day the
# organisation was established.
REGISTRATION_GROUP = "registration"


def known_for(session: Session, years: int, today: dt.date) -> ColumnElement[bool]:
    """Whether the subject (``Subject`` in the enclosing query) has been known for ``years``
    by ``today``, so that "no bad record for N consecutive years" (Art. 16(1), a red-list
    standard's ``clean_years``) has N years to look back on. Known since its establishment,
    the decision date of its registration record; without one (a natural person, or an
    organisation the registrar has not reported), since its first public record's decision
    date; and in any case since its registration on the platform. Public records only, as
    for the bad records (Art. 9); a record its source revoked proves nothing (decision
    0028), a repaired, expired or deleted one still shows the subject was there."""
    cutoff = add_years(today, -years)
    types = catalog.type_wide(session)  # category and group: the same in every area's rule
    public = [tid for tid, kind in types.items() if kind.category is Category.PUBLIC]
    registration = [tid for tid in public if types[tid].group == REGISTRATION_GROUP]
    # On or before the cutoff day in Fuzhou: before the next day began there.
    before = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)

    def records(type_ids: list[int]) -> ColumnElement[bool]:
        return and_(
            CreditRecord.subject_id == Subject.id,
            # "+ 0": the (subject, record type) index is descended on the subject alone,
            # once, as the bad-record test does (joint_checks).
            (CreditRecord.record_type_id + 0).in_(type_ids),
            CreditRecord.status != RecordStatus.REVOKED,
        )

    first_record = (
        exists().where(records(public), CreditRecord.decision_date <= cutoff) if public else false()
    )
    # A subject the platform itself registered before the cutoff was there then, whatever a
    # later registration record says: asked first, it spares the records' index for most
    # subjects (the joint check asks this of every clean subject, decision 0011).
    on_platform = Subject.created_at < before
    if not registration:
        return or_(on_platform, first_record)
    # One probe for both questions (is it registered, and since when): the earliest
    # establishment, NULL for none — then the comparison is NULL and the first public
    # record answers.
    established = (
        select(func.min(CreditRecord.decision_date)).where(records(registration)).scalar_subquery()
    )
    return or_(on_platform, func.coalesce(established <= cutoff, first_record, type_=Boolean))


def is_known_for(session: Session, subject_id: int, years: int, today: dt.date) -> bool:
    return bool(
        session.scalar(select(known_for(session, years, today)).where(Subject.id == subject_id))
    )


def require_red_list_eligible(
    session: Session, subject_id: int, standard: ListStandard, today: dt.date
) -> None:
    """Refuses a red-list recognition of a subject on the black list, or with a bad
    credit record within the standard's ``clean_years``."""
    if standard.kind is not ListKind.RED:
        return
    black = black_list_entry_in_force(session, subject_id, today)
    if black is not None:
        entry, black_standard = black
        raise InvalidInput(
            f"the subject is on the black list ({black_standard.name}, until {entry.term_end}):"
            f" a subject on the black list is no integrity model and cannot be recognised"
            f" under {standard.name}",
            code="on_black_list",
            field="subject",
            article="Art. 14 ¶2",
            details={"black_list_standard": black_standard.code, "until": str(entry.term_end)},
        )
    years = standard.clean_years
    if years is None:
        return
    bad = latest_bad_record(session, subject_id, add_years(today, -years))
    if bad is not None:
        decided, type_name = bad
        raise InvalidInput(
            f"the subject has a bad credit record within the last {years} years"
            f" ({type_name}, decided on {decided}); {standard.name} requires none",
            code="bad_record",
            field="subject",
            article="Art. 14 ¶2",
            details={"years": years, "decided_on": str(decided), "record_type": type_name},
        )
    if not is_known_for(session, subject_id, years, today):
        raise InvalidInput(
            f"the subject has not been on record for {years} years (since its establishment,"
            f" else its first public record or its registration on the platform): there are"
            f" not {years} years to show no bad credit record; {standard.name} requires them",
            code="too_recent",
            field="subject",
            article="Art. 14 ¶2",
            details={"years": years},
        )
