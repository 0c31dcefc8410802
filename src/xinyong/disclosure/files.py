"""Assembling a subject's credit file: records, their current content and their history
(sources and reasons for every change, Art. 24), as it stands today or stood on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Text, and_, cast, func, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.catalog.models import CITY_JURISDICTION, RecordType, RecordTypeVersion
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

    def labels(self) -> list[dict[str, str]]:
        """The label of every field of the content, in the definition's order."""
        return field_labels(self.definition, self.payload)

    def as_dict(self, *, labels: bool = True) -> dict[str, Any]:
        """The record as JSON: ``content`` is the current version's fields by name, and
        ``labels`` (unless left out, e.g. by a report that lists them once per type) their
        Chinese and English labels from the record type definition."""
        body = {
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
        if labels:
            body["labels"] = self.labels()
        return body


def field_labels(
    definition: RecordTypeDefinition, content: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """``[{"name", "zh", "en"}]`` in the definition's order (a list, so the order survives
    canonical JSON with sorted keys): only the fields present in ``content`` when it is
    given (a field the definition does not know is labelled by its name), else every
    field of the definition."""
    labels = [
        {"name": spec.name, "zh": spec.label_zh, "en": spec.label_en}
        for spec in definition.fields
        if content is None or spec.name in content
    ]
    known = {spec.name for spec in definition.fields}
    labels.extend(
        {"name": name, "zh": name, "en": name} for name in content or () if name not in known
    )
    return labels


def _public(
    definition: RecordTypeDefinition,
    is_organisation: bool,
    status: RecordStatus,
    start: dt.date | None,
    end: dt.date | None,
    awaiting_review: bool,
    day: dt.date,
) -> bool:
    if definition.disclosure.mode != "public" or start is None:
        return False
    if awaiting_review or status not in PUBLISHABLE:
        return False
    if not (start <= day and (end is None or day <= end)):
        return False
    return is_organisation or definition.public_by_law_for_natural_persons


def is_public_on(
    record: CreditRecord, definition: RecordTypeDefinition, subject: Subject, day: dt.date
) -> bool:
    """Public means: a public type, inside its publicity window, cleared by review, in a
    publishable state, and — for a natural person — public by law (Art. 11, rules.md)."""
    return _public(
        definition,
        subject.is_organisation,
        record.status,
        record.publicity_start,
        record.publicity_end,
        record.awaiting_review,
        day,
    )


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA).astimezone(
        dt.UTC
    )


@lru_cache(maxsize=512)
def _definition(version_id: int, serialised: str) -> RecordTypeDefinition:
    # Keyed by the stored text as well as the id: a version row never changes, but ids are
    # reused when a transaction that made one is rolled back (tests do that all the time).
    return RecordTypeDefinition.model_validate_json(serialised)


def record_types_by_id(
    session: Session, type_ids: set[int] | None = None
) -> dict[int, tuple[str, RecordTypeDefinition]]:
    """Every record type's (or those of ``type_ids``) code and city rule (the latest city
    version), in one query; the parsed definitions are cached across calls."""
    latest = (
        select(
            RecordTypeVersion.record_type_id.label("type_id"),
            func.max(RecordTypeVersion.version_no).label("version_no"),
        )
        .where(RecordTypeVersion.jurisdiction == CITY_JURISDICTION)
        .group_by(RecordTypeVersion.record_type_id)
    )
    if type_ids is not None:
        latest = latest.where(RecordTypeVersion.record_type_id.in_(type_ids))
    versions = latest.subquery()
    rows = session.connection().execute(
        select(
            RecordType.id,
            RecordType.code,
            RecordTypeVersion.id,
            cast(RecordTypeVersion.definition, Text),
        )
        .join(versions, versions.c.type_id == RecordType.id)
        .join(
            RecordTypeVersion,
            and_(
                RecordTypeVersion.record_type_id == RecordType.id,
                RecordTypeVersion.jurisdiction == CITY_JURISDICTION,
                RecordTypeVersion.version_no == versions.c.version_no,
            ),
        )
    )
    return {
        type_id: (code, _definition(version_id, serialised))
        for type_id, code, version_id, serialised in rows
    }


# The columns a file needs: records joined to their versions, in one query.
_FILE_COLUMNS = (
    CreditRecord.id.label("record_id"),
    CreditRecord.record_type_id,
    CreditRecord.source_organisation_id.label("record_source"),
    CreditRecord.decision_date,
    CreditRecord.received_at,
    CreditRecord.severity,
    CreditRecord.self_declared,
    CreditRecord.publicity_start,
    CreditRecord.publicity_end,
    CreditRecord.awaiting_review,
    CreditRecord.rule_source,
    RecordVersion.version_no,
    RecordVersion.created_at,
    RecordVersion.reason,
    RecordVersion.reason_detail,
    RecordVersion.status,
    RecordVersion.source_organisation_id.label("version_source"),
    RecordVersion.batch_id,
    RecordVersion.payload,
)


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
    public record when ``include_public``; with ``public_only`` just the public ones.

    As of a day, a record shows the versions made by the end of that day: its content and
    status are those of the latest of them (the publicity window is the record's own)."""
    day = as_of or today
    cutoff = _end_of(day)
    # Core, not the ORM: plain rows of the columns asked for, no identity map.
    session.flush()
    rows = (
        session.connection()
        .execute(
            select(*_FILE_COLUMNS)
            .join(RecordVersion, RecordVersion.record_id == CreditRecord.id)
            .where(
                CreditRecord.subject_id == subject.id,
                CreditRecord.received_at < cutoff,
                RecordVersion.created_at < cutoff,
            )
            .order_by(
                CreditRecord.decision_date.desc(), CreditRecord.id.desc(), RecordVersion.version_no
            )
        )
        .all()
    )
    if not rows:
        return []
    types = record_types_by_id(session, {row[1] for row in rows})
    # Plain tuples from here on: a Row's attribute access costs microseconds, and a file
    # of hundreds of records makes thousands of them. Positions follow _FILE_COLUMNS.
    records: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        records.setdefault(row[0], []).append(tuple(row))
    organisation_ids = {row[2] for row in rows} | {row[16] for row in rows if row[16]}
    organisations: dict[int, tuple[str, str]] = {
        oid: (code, name)
        for oid, code, name in session.connection().execute(
            select(Organisation.id, Organisation.code, Organisation.name).where(
                Organisation.id.in_(organisation_ids)
            )
        )
    }
    is_organisation = subject.is_organisation
    views: list[RecordView] = []
    for history in records.values():  # in the query's order: newest decision first
        (
            record_id,
            type_id,
            source_id,
            decision_date,
            received_at,
            severity,
            self_declared,
            start,
            end,
            awaiting_review,
            rule_source,
        ) = history[0][:11]
        current = history[-1]
        code, definition = types[type_id]
        # The state on the day asked for: the latest version then, not the record's today.
        status = RecordStatus(current[15])
        public = _public(definition, is_organisation, status, start, end, awaiting_review, day)
        allowed = record_type_codes is None or code in record_type_codes
        if public_only and not public:
            continue
        if not public_only and not allowed and not (include_public and public):
            continue
        source_code, source_name = organisations[source_id]
        views.append(
            RecordView(
                id=record_id,
                type_code=code,
                definition=definition,
                source_code=source_code,
                source_name=source_name,
                decision_date=decision_date,
                received_at=received_at,
                severity=severity,
                status=status.value,
                self_declared=self_declared,
                public=public,
                publicity_start=start,
                publicity_end=end,
                rule_source=rule_source,
                payload=dict(current[18]),
                history=[_version_view(version, organisations) for version in history],
            )
        )
    return views


def _version_view(row: tuple[Any, ...], organisations: dict[int, tuple[str, str]]) -> VersionView:
    version_no, created_at, reason, reason_detail, status, source_id, batch_id = row[11:18]
    source = organisations.get(source_id) if source_id else None
    return VersionView(
        version_no=version_no,
        created_at=created_at,
        reason=reason,
        reason_detail=reason_detail,
        status=RecordStatus(status).value,
        source_code=source[0] if source else None,
        source_name=source[1] if source else None,
        batch_id=batch_id,
    )
