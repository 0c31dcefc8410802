"""Assembling a subject's credit file: records, their current content and their history
(sources and reasons for every change, Art. 24), as it stands today or stood on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.catalog.models import RecordType
from xinyong.clock import CHINA
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.subjects.models import Subject

# Statuses in which a record may be shown to the public at all.
PUBLISHABLE = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)


@dataclass(frozen=True)
class VersionView:
    version_no: int
    created_at: dt.datetime
    reason: str
    reason_detail: str | None
    status: str
    source_code: str | None
    source_name: str | None
    batch_id: int | None


@dataclass
class RecordView:
    id: int
    type_code: str
    definition: RecordTypeDefinition
    source_code: str
    source_name: str
    decision_date: dt.date
    received_at: dt.datetime
    severity: str
    status: str
    self_declared: bool
    public: bool
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    rule_source: str
    payload: dict[str, Any]
    history: list[VersionView] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type_code,
            "type_name": self.definition.name_zh,
            "type_name_en": self.definition.name_en,
            "category": self.definition.category.value,
            "polarity": self.definition.polarity.value,
            "source": {"code": self.source_code, "name": self.source_name},
            "decision_date": self.decision_date.isoformat(),
            "received_at": self.received_at.isoformat(),
            "severity": self.severity,
            "status": self.status,
            "self_declared": self.self_declared,
            "public": self.public,
            "publicity": {
                "start": self.publicity_start.isoformat() if self.publicity_start else None,
                "end": self.publicity_end.isoformat() if self.publicity_end else None,
            },
            "rule": self.rule_source,
            "content": self.payload,
            "history": [
                {
                    "version": v.version_no,
                    "at": v.created_at.isoformat(),
                    "reason": v.reason,
                    "detail": v.reason_detail,
                    "status": v.status,
                    "source": {"code": v.source_code, "name": v.source_name},
                    "batch": v.batch_id,
                }
                for v in self.history
            ],
        }


def is_public_on(
    record: CreditRecord, definition: RecordTypeDefinition, subject: Subject, day: dt.date
) -> bool:
    """Public means: a public type, inside its publicity window, cleared by review, in a
    publishable state, and — for a natural person — public by law (Art. 11, rules.md)."""
    if definition.disclosure.mode != "public" or record.publicity_start is None:
        return False
    if record.awaiting_review or record.status not in PUBLISHABLE:
        return False
    if not (
        record.publicity_start <= day
        and (record.publicity_end is None or day <= record.publicity_end)
    ):
        return False
    return subject.is_organisation or definition.public_by_law_for_natural_persons


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA).astimezone(
        dt.UTC
    )


def record_types_by_id(session: Session) -> dict[int, tuple[str, RecordTypeDefinition]]:
    types: dict[int, tuple[str, RecordTypeDefinition]] = {}
    for record_type in session.scalars(select(RecordType)):
        types[record_type.id] = (
            record_type.code,
            catalog.effective_rule(session, record_type.code).definition,
        )
    return types


def build_file(
    session: Session,
    subject: Subject,
    *,
    today: dt.date,
    record_type_codes: set[str] | None = None,
    public_only: bool = False,
    as_of: dt.date | None = None,
    include_public: bool = True,
) -> list[RecordView]:
    """The records a reader may see: those of ``record_type_codes`` (None: all), plus every
    public record when ``include_public``; with ``public_only`` just the public ones."""
    day = as_of or today
    cutoff = _end_of(day)
    types = record_types_by_id(session)
    records = session.scalars(
        select(CreditRecord)
        .where(CreditRecord.subject_id == subject.id, CreditRecord.received_at < cutoff)
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    ).all()
    if not records:
        return []
    versions: dict[int, list[RecordVersion]] = {}
    for version in session.scalars(
        select(RecordVersion)
        .where(
            RecordVersion.record_id.in_([r.id for r in records]), RecordVersion.created_at < cutoff
        )
        .order_by(RecordVersion.record_id, RecordVersion.version_no)
    ):
        versions.setdefault(version.record_id, []).append(version)
    organisation_ids = {r.source_organisation_id for r in records} | {
        v.source_organisation_id for vs in versions.values() for v in vs if v.source_organisation_id
    }
    organisations = {
        o.id: o
        for o in session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids)))
    }
    views: list[RecordView] = []
    for record in records:
        history = versions.get(record.id)
        if not history:
            continue
        code, definition = types[record.record_type_id]
        current = history[-1]
        # The state on the day asked for: the latest version then, not the record's today.
        status = RecordStatus(current.status)
        snapshot = _as_of_state(record, status)
        public = is_public_on(snapshot, definition, subject, day)
        allowed = record_type_codes is None or code in record_type_codes
        if public_only and not public:
            continue
        if not public_only and not allowed and not (include_public and public):
            continue
        source = organisations[record.source_organisation_id]
        views.append(
            RecordView(
                id=record.id,
                type_code=code,
                definition=definition,
                source_code=source.code,
                source_name=source.name,
                decision_date=record.decision_date,
                received_at=record.received_at,
                severity=record.severity,
                status=status.value,
                self_declared=record.self_declared,
                public=public,
                publicity_start=record.publicity_start,
                publicity_end=record.publicity_end,
                rule_source=record.rule_source,
                payload=dict(current.payload),
                history=[
                    VersionView(
                        version_no=v.version_no,
                        created_at=v.created_at,
                        reason=v.reason,
                        reason_detail=v.reason_detail,
                        status=RecordStatus(v.status).value,
                        source_code=organisations[v.source_organisation_id].code
                        if v.source_organisation_id
                        else None,
                        source_name=organisations[v.source_organisation_id].name
                        if v.source_organisation_id
                        else None,
                        batch_id=v.batch_id,
                    )
                    for v in history
                ],
            )
        )
    return views


def _as_of_state(record: CreditRecord, status: RecordStatus) -> CreditRecord:
    """A detached copy of the record carrying the status it had on the day asked for."""
    if record.status == status:
        return record
    snapshot = CreditRecord(
        record_type_id=record.record_type_id,
        status=status,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        awaiting_review=record.awaiting_review,
    )
    return snapshot
