"""What the platform may keep, and for how long; the daily job deletes what it may not.

* **Records.** A record type may declare a retention period (``retention_years``):
  negative market credit information is kept 5 years after the conduct ends, then
  deleted (rules.md; 征信业管理条例 Art. 16). The conduct ends on the date the type's
  ``conduct_end_field`` gives (arrears paid, a breach corrected), or on the decision date
  when the record gives none (decision 0018). Deleting a record erases the content of
  every version — payload, encrypted sensitive fields, free-text details — and leaves a
  tombstone: the record's id, type, source, dates, status ``deleted`` and a last version
  saying why, so its history stays whole (Art. 24) and the subject sees that it was
  deleted (``deleted_records``). It leaves every file, report and query.
* **Issued reports' kept contents** (decision 0017) are a copy of the subject's data,
  kept only so that the requester can open the same report again: for
  ``REPORT_CONTENT_DAYS`` after issue, for a report on written authorisation no longer
  than every authorisation it was issued on is in force (after that it may not be opened,
  Art. 13 ¶3), and never longer than a record it may show (deleted above). The report
  row itself — number, verification code, hash, requester, path, date — is the query
  record, kept at least 5 years (rules.md), so a presented copy still verifies.

Both run set-wise, a bounded number of rows per call (the CLI calls again, each call its
own transaction), each call audited with the ids it touched, never with content.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.calendar import add_years
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RETENTION_BASIS, RecordTypeDefinition
from xinyong.catalog.models import CITY_JURISDICTION, RecordType
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.disclosure.files import VersionView, source_units, version_view
from xinyong.disclosure.models import (
    AccessEvent,
    Authorisation,
    ConfidentialityReview,
    CreditReport,
    CreditReportFile,
    LegalPath,
)
from xinyong.subjects.models import Subject

# The reason of the tombstone's version (Art. 24: the source and reason of every change).
REASON_DELETED = "deleted after retention period"
# Where the deletion rests (rules.md), in the tombstone's detail and the job's refusals.
RECORD_RETENTION_BASIS = RETENTION_BASIS

# How long an issued report's content is kept for opening it again (decision 0018): the
# time an administrative matter or a credit decision that asked for it takes (a penalty
# case is decided within 90 days of filing, 行政处罚法 Art. 60). Configuration
# (``XINYONG_REPORT_CONTENT_DAYS``); this is its default.
REPORT_CONTENT_DAYS = 90

# Why a report's kept content was deleted (``CreditReport.content_removed_reason``).
REMOVED_AFTER_PERIOD = "retention_period"
REMOVED_AUTHORISATION_ENDED = "authorisation_ended"
REMOVED_RECORD_DELETED = "record_deleted"
REMOVED_RECORD_REPAIRED = "record_repaired"
REMOVED_RECORD_REVOKED = "record_revoked"  # revoked by its source (decision 0028)
REMOVED_RECORD_CORRECTED = "record_corrected"  # corrected after an objection (Art. 25)
# Withdrawn from publication after an objection: it should not have been public (Art. 25).
REMOVED_RECORD_WITHDRAWN = "record_withdrawn"
# Found wrong on an objection, its source gone for good: no longer used (decision 0024).
REMOVED_RECORD_NO_LONGER_USED = "record_no_longer_used"
REMOVAL_REASONS = (
    REMOVED_AFTER_PERIOD,
    REMOVED_AUTHORISATION_ENDED,
    REMOVED_RECORD_DELETED,
    REMOVED_RECORD_REPAIRED,
    REMOVED_RECORD_REVOKED,
    REMOVED_RECORD_CORRECTED,
    REMOVED_RECORD_WITHDRAWN,
    REMOVED_RECORD_NO_LONGER_USED,
)

# Rows one call deletes at most: a transaction of bounded size, an audit event of
# bounded length. The CLI calls again while a call says there is more.
BATCH = 500


# --- which rules keep records for a limited time ----------------------------------------------


def _rules(session: Session) -> dict[int, tuple[str, dict[str, RecordTypeDefinition]]]:
    """For every record type some area keeps for a limited time: its code and the rule of
    each area that has one (an area not named follows the city, ``CITY_JURISDICTION``).
    When and how long is the rule's (``RecordTypeDefinition.conduct_ended_on`` and
    ``retained_until``): the pipeline refuses rows already past it by the same methods."""
    found: dict[int, tuple[str, dict[str, RecordTypeDefinition]]] = {}
    for type_id, code in session.execute(select(RecordType.id, RecordType.code)):
        by_area = {
            area: rule.definition
            for area, rule in catalog.rules_by_jurisdiction(session, code).items()
            if rule.definition.retention_years is not None
        }
        if by_area:
            found[type_id] = (code, by_area)
    return found


# --- deleting records past their retention period ---------------------------------------------


@dataclass(frozen=True)
class Position:
    """Where a run stopped (the record type and the last record looked at): the next call
    goes on from there instead of looking at the same records again."""

    record_type_id: int
    after_record_id: int


@dataclass
class DeletedRecords:
    """What one call deleted, and where to go on when it stopped at its limit."""

    records: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    report_contents: int = 0
    resume: Position | None = None


@dataclass(frozen=True)
class _Due:
    record_id: int
    subject_id: int
    type_code: str
    version_no: int
    received_at: dt.datetime
    # The record's decision date, severity and window: its tombstone version keeps them
    # (the dates stay, decision 0025).
    decision_date: dt.date
    severity: str
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    conduct_ended_on: dt.date
    retained_until: dt.date
    years: int


def delete_past_retention(
    session: Session, clock: Clock, *, limit: int = BATCH, start: Position | None = None
) -> DeletedRecords:
    """Delete up to ``limit`` records kept past their retention period (rules.md;
    征信业管理条例 Art. 16), from ``start`` on; ``resume`` says where to go on when there
    may be more. Records are taken by record type and id; those not yet due are passed by."""
    today = clock.today()
    result = DeletedRecords()
    due: list[_Due] = []
    for type_id, (code, by_area) in sorted(_rules(session).items()):
        if start is not None and type_id < start.record_type_id:
            continue
        after = (
            start.after_record_id if start is not None and type_id == start.record_type_id else 0
        )
        after = _due_of_type(session, today, type_id, code, by_area, after, due, limit)
        if len(due) >= limit:
            result.resume = Position(type_id, after)
            break
    if not due:
        return result
    result.records = len(due)
    result.by_type = Counter(item.type_code for item in due)
    result.report_contents = _erase(session, clock, due)
    audit.record(
        session,
        clock,
        SYSTEM_ACTOR.audit(),
        "job.retention_deleted",
        details={
            "records": len(due),
            "record_types": dict(sorted(result.by_type.items())),
            "record_ids": [item.record_id for item in due],
            "report_contents_removed": result.report_contents,
            "basis": RECORD_RETENTION_BASIS,
        },
    )
    return result


def _due_of_type(
    session: Session,
    today: dt.date,
    type_id: int,
    code: str,
    by_area: dict[str, RecordTypeDefinition],
    after: int,
    due: list[_Due],
    limit: int,
) -> int:
    """Add the type's records due for deletion to ``due`` (up to ``limit`` in all), looking
    at records after id ``after``; returns the id of the last record looked at."""
    city = by_area.get(CITY_JURISDICTION)
    # A record cannot be due before its decision date is the shortest period old.
    shortest = min(rule.retention_years or 0 for rule in by_area.values())
    decided_before = add_years(today, -shortest)
    end_fields = sorted({r.conduct_end_field for r in by_area.values() if r.conduct_end_field})
    page = max(limit, 100)
    while True:
        query = (
            select(
                CreditRecord.id,
                CreditRecord.subject_id,
                CreditRecord.current_version_no,
                CreditRecord.decision_date,
                CreditRecord.received_at,
                CreditRecord.severity,
                CreditRecord.publicity_start,
                CreditRecord.publicity_end,
                Organisation.jurisdiction,
                *(RecordVersion.payload[name].as_string() for name in end_fields),
            )
            .join(
                RecordVersion,
                and_(
                    RecordVersion.record_id == CreditRecord.id,
                    RecordVersion.version_no == CreditRecord.current_version_no,
                ),
            )
            .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
            .where(
                CreditRecord.record_type_id == type_id,
                CreditRecord.status != RecordStatus.DELETED,
                CreditRecord.decision_date < decided_before,
                CreditRecord.id > after,
            )
            .order_by(CreditRecord.id)
            .limit(page)
            # The records are deleted in this transaction: a batch changing one meanwhile
            # waits (PostgreSQL; SQLite's writers take turns anyway).
            .with_for_update(of=CreditRecord)
        )
        rows = session.execute(query).all()
        for (
            record_id,
            subject_id,
            version_no,
            decided,
            received,
            severity,
            start,
            end,
            area,
            *ends,
        ) in rows:
            after = record_id
            rule = by_area.get(area, city)
            if rule is None:  # only other areas keep this type for a limited time
                continue
            content = dict(zip(end_fields, ends, strict=True))
            ended = rule.conduct_ended_on(decided, content)
            until = rule.retained_until(ended)
            if until is not None and until < today:
                due.append(
                    _Due(
                        record_id,
                        subject_id,
                        code,
                        version_no,
                        received,
                        decided,
                        severity,
                        start,
                        end,
                        ended,
                        until,
                        rule.retention_years or 0,
                    )
                )
                if len(due) >= limit:
                    return after
        if len(rows) < page:
            return after


def _erase(session: Session, clock: Clock, due: Sequence[_Due]) -> int:
    """Erase the content of the records and leave their tombstones; returns how many
    issued reports' kept contents were deleted with them."""
    now = clock.now()
    ids = [item.record_id for item in due]
    # Every version's content: what the source sent, its encrypted sensitive fields, and
    # free-text details (a correction's or a review's note can repeat the content). The
    # reasons, dates, sources and statuses stay: the history of the record (Art. 24).
    session.execute(
        update(RecordVersion)
        .where(RecordVersion.record_id.in_(ids))
        .values(payload={}, sensitive_ciphertext=None, payload_hash="", reason_detail=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(ConfidentialityReview)
        .where(ConfidentialityReview.record_id.in_(ids))
        .values(note="")
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(CreditRecord),
        [
            {
                "id": item.record_id,
                "status": RecordStatus.DELETED,
                "current_version_no": item.version_no + 1,
                # The natural key is made of content (a contract or account number): a
                # unique stand-in takes its place.
                "natural_key": f"deleted:{item.record_id}",
                "payload_hash": "",
                "awaiting_review": False,
                "updated_at": now,
                "conduct_ended_on": item.conduct_ended_on,
                "retained_until": item.retained_until,
            }
            for item in due
        ],
    )
    session.execute(
        insert(RecordVersion),
        [
            {
                "record_id": item.record_id,
                "version_no": item.version_no + 1,
                "payload": {},
                "sensitive_ciphertext": None,
                "payload_hash": "",
                "status": RecordStatus.DELETED,
                "decision_date": item.decision_date,
                "severity": item.severity,
                "publicity_start": item.publicity_start,
                "publicity_end": item.publicity_end,
                "reason": REASON_DELETED,
                "reason_detail": (
                    f"kept {item.years} years after the conduct ended on "
                    f"{item.conduct_ended_on.isoformat()}, until "
                    f"{item.retained_until.isoformat()} ({RECORD_RETENTION_BASIS})"
                ),
                "batch_id": None,
                "source_organisation_id": None,
                "actor": SYSTEM_ACTOR.audit().id,
                "created_at": now,
            }
            for item in due
        ],
    )
    # A report issued since the record was received may show it: its kept copy goes too.
    since: dict[int, dt.datetime] = {}
    for item in due:
        earliest = since.get(item.subject_id)
        if earliest is None or item.received_at < earliest:
            since[item.subject_id] = item.received_at
    reports = [
        (report_id, file_key)
        for report_id, subject_id, issued_at, file_key in session.execute(
            select(
                CreditReport.id,
                CreditReport.subject_id,
                CreditReport.issued_at,
                CreditReport.file_key,
            ).where(
                CreditReport.subject_id.in_(list(since)),
                CreditReport.content_ciphertext.is_not(None),
            )
        )
        if issued_at >= since[subject_id]
    ]
    _remove_contents(session, now, reports, REMOVED_RECORD_DELETED)
    return len(reports)


def remove_contents_shown_to_others(
    session: Session,
    clock: Clock,
    subject_id: int,
    since: dt.datetime,
    *,
    reason: str = REMOVED_RECORD_REPAIRED,
) -> int:
    """A record of the subject was repaired (Art. 20–23) or revoked by its source, so it is
    no longer shared, or corrected after an objection (Art. 25), so what was shown was
    wrong, or withdrawn from publication after one, so it was shown as public when it should
    not have been: the kept contents of reports issued to others since it was received go,
    as they would with a deleted record; the subject's own reports stay. Returns how many."""
    reports = [
        (report_id, file_key)
        for report_id, file_key in session.execute(
            select(CreditReport.id, CreditReport.file_key).where(
                CreditReport.subject_id == subject_id,
                CreditReport.legal_path != LegalPath.SELF,
                CreditReport.issued_at >= since,
                CreditReport.content_ciphertext.is_not(None),
            )
        )
    ]
    _remove_contents(session, clock.now(), reports, reason)
    return len(reports)


# --- issued reports' kept contents ----------------------------------------------------------


def content_kept_until(issued_at: dt.datetime, keep_days: int) -> dt.date:
    """The last day (in China) an issued report's content is kept to be opened again."""
    return issued_at.astimezone(CHINA).date() + dt.timedelta(days=keep_days)


def _remove_contents(
    session: Session, now: dt.datetime, reports: Sequence[tuple[int, str | None]], reason: str
) -> None:
    """Delete the kept content of these reports (id, file key): their own part, and each
    file's part no other report keeps any more."""
    if not reports:
        return
    session.execute(
        update(CreditReport)
        .where(CreditReport.id.in_([report_id for report_id, _key in reports]))
        .values(
            content_ciphertext=None,
            file_key=None,
            content_removed_at=now,
            content_removed_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    keys = {key for _id, key in reports if key is not None}
    if not keys:
        return
    unused = keys - _still_kept(session, keys)
    if not unused:
        return
    # The files no other report kept, locked, and who keeps them read again in a statement
    # of its own: a report issued from one of them at this moment (its row holds the file's
    # key share until it commits) is waited for and then seen keeping it. Read only before
    # it committed, it was missed, and the file's deletion failed on the new report's
    # foreign key on PostgreSQL — the daily job's step, or an officer's revocation, repair
    # or objection with it (decision 0008, session 24 addendum). Only the files it would
    # delete are locked, as the deletion alone locked them before.
    session.execute(
        select(CreditReportFile.key)
        .where(CreditReportFile.key.in_(unused))
        .order_by(CreditReportFile.key)
        .with_for_update()
    ).all()
    unused -= _still_kept(session, unused)
    if unused:
        session.execute(
            delete(CreditReportFile)
            .where(CreditReportFile.key.in_(unused))
            .execution_options(synchronize_session=False)
        )


def _still_kept(session: Session, keys: set[str]) -> set[str | None]:
    """Those of the file keys a report still refers to."""
    return set(
        session.scalars(
            select(CreditReport.file_key).where(CreditReport.file_key.in_(keys)).distinct()
        )
    )


@dataclass
class RemovedContents:
    """What one call of ``remove_report_contents`` did: reports by reason, and whether it
    stopped at its limit."""

    by_reason: Counter[str] = field(default_factory=Counter)
    more: bool = False

    @property
    def reports(self) -> int:
        return sum(self.by_reason.values())


def remove_report_contents(
    session: Session, clock: Clock, *, keep_days: int = REPORT_CONTENT_DAYS, limit: int = BATCH
) -> RemovedContents:
    """Delete the kept contents of issued reports that may no longer be opened again: on a
    written authorisation one of which is no longer in force (Art. 13 ¶3), or issued more
    than ``keep_days`` ago (Art. 4 ¶2: no longer than the purpose needs). Up to ``limit``
    reports for each reason; ``more`` says to call again."""
    today = clock.today()
    now = clock.now()
    result = RemovedContents()
    # The report's issuance, as logged for the subject: one entry per authorisation it was
    # issued on (before session 18, every one in force then; since, the one named).
    issued_on = and_(
        AccessEvent.subject_id == CreditReport.subject_id,
        AccessEvent.report_number == CreditReport.number,
        AccessEvent.what == "report",
        AccessEvent.granted,
        Authorisation.id == AccessEvent.authorisation_id,
    )
    in_force = and_(
        Authorisation.grantee_organisation_id == CreditReport.organisation_id,
        Authorisation.revoked_at.is_(None),
        Authorisation.valid_until >= today,
    )
    # Kept only while every authorisation it was issued on is in force, as it opens
    # (``reports._authorisation_ended``): the one that ended may be the one behind a
    # record type it shows.
    ended = _kept(
        session,
        CreditReport.legal_path == LegalPath.AUTHORISATION,
        or_(~exists().where(issued_on), exists().where(issued_on, ~in_force)),
        limit=limit,
    )
    # The first day whose reports are still kept, as an instant: midnight in China.
    first_kept = dt.datetime.combine(
        today - dt.timedelta(days=keep_days), dt.time(), tzinfo=CHINA
    ).astimezone(dt.UTC)
    old = _kept(session, CreditReport.issued_at < first_kept, limit=limit)
    ended_ids = {report_id for report_id, _key in ended}
    old = [(report_id, key) for report_id, key in old if report_id not in ended_ids]
    for reason, reports in ((REMOVED_AUTHORISATION_ENDED, ended), (REMOVED_AFTER_PERIOD, old)):
        if not reports:
            continue
        _remove_contents(session, now, reports, reason)
        result.by_reason[reason] = len(reports)
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "job.report_contents_removed",
            details={
                "reason": reason,
                "reports": len(reports),
                "report_ids": [report_id for report_id, _key in reports],
            },
        )
    result.more = len(ended) >= limit or len(old) >= limit
    return result


def _kept(session: Session, *conditions: Any, limit: int) -> list[tuple[int, str | None]]:
    """(id, file key) of up to ``limit`` reports whose content is kept and that meet the
    conditions, oldest first."""
    return [
        (report_id, key)
        for report_id, key in session.execute(
            select(CreditReport.id, CreditReport.file_key)
            .where(CreditReport.content_ciphertext.is_not(None), *conditions)
            .order_by(CreditReport.id)
            .limit(limit)
            .with_for_update()
        )
    ]


# --- the tombstones, as the subject sees them -------------------------------------------------


@dataclass(frozen=True)
class DeletedRecord:
    """A record deleted after its retention period, as its subject is told of it: what
    kind of record it was, who supplied it, its dates and its history; never its content,
    which is gone."""

    id: int
    type_code: str
    type_name: str
    type_name_en: str
    source_code: str
    source_name: str
    decision_date: dt.date
    received_at: dt.datetime
    conduct_ended_on: dt.date | None
    retained_until: dt.date | None
    deleted_at: dt.datetime
    history: list[VersionView]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type_code,
            "type_name": self.type_name,
            "type_name_en": self.type_name_en,
            "source": {"code": self.source_code, "name": self.source_name},
            "decision_date": self.decision_date.isoformat(),
            "received_at": self.received_at.isoformat(),
            "status": RecordStatus.DELETED.value,
            "conduct_ended_on": _iso(self.conduct_ended_on),
            "retained_until": _iso(self.retained_until),
            "deleted_at": self.deleted_at.isoformat(),
            "basis": RECORD_RETENTION_BASIS,
            "history": [v.as_dict() for v in self.history],
        }


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def deleted_records(session: Session, subject: Subject) -> list[DeletedRecord]:
    """The subject's records deleted after their retention period, newest deletion first:
    for the subject's own eyes only (a reader on any other path is not told that a record
    about the subject ever existed)."""
    records = list(
        session.scalars(
            select(CreditRecord)
            .where(
                CreditRecord.subject_id == subject.id,
                CreditRecord.status == RecordStatus.DELETED,
            )
            .order_by(CreditRecord.updated_at.desc(), CreditRecord.id.desc())
        )
    )
    if not records:
        return []
    versions: dict[int, list[RecordVersion]] = {}
    for version in session.scalars(
        select(RecordVersion)
        .where(RecordVersion.record_id.in_([record.id for record in records]))
        .order_by(RecordVersion.record_id, RecordVersion.version_no)
    ):
        versions.setdefault(version.record_id, []).append(version)
    units = source_units(
        session,
        {record.source_organisation_id for record in records}
        | {
            version.source_organisation_id
            for history in versions.values()
            for version in history
            if version.source_organisation_id is not None
        },
    )
    types = catalog.type_wide(session, {record.record_type_id for record in records})
    found: list[DeletedRecord] = []
    for record in records:
        kind = types[record.record_type_id]
        history = versions.get(record.id, [])
        source_code, source_name = units[record.source_organisation_id]
        found.append(
            DeletedRecord(
                id=record.id,
                type_code=kind.code,
                type_name=kind.name_zh,
                type_name_en=kind.name_en,
                source_code=source_code,
                source_name=source_name,
                decision_date=record.decision_date,
                received_at=record.received_at,
                conduct_ended_on=record.conduct_ended_on,
                retained_until=record.retained_until,
                deleted_at=history[-1].created_at if history else record.updated_at,
                history=[version_view(version, units) for version in history],
            )
        )
    return found
