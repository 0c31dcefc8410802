"""A source revokes a record it submitted (记录撤销): the administrative decision behind it
was annulled on administrative reconsideration or by a court, or withdrawn by the organ
itself (行政处罚决定被撤销/撤回). The source answers for its data (Art. 12), so only its
staff who submit records revoke; like every change, it is a new version with actor, source
and reason (Art. 24). The effects are a repair's (``repair.service.decide``): the record
is no longer public, shared or used, a list entry resting on it is removed, and reports
issued to others that may show it no longer open (decision 0028)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordType
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.records import current_version, version_of
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects.models import Subject

ARTICLE = "Art. 12"
# Why the decision behind the record no longer stands.
GROUNDS = (
    "reconsideration",  # annulled on administrative reconsideration (行政复议撤销)
    "court",  # annulled by a court (行政诉讼判决撤销)
    "withdrawn",  # withdrawn or revoked by the deciding organ itself (自行撤销/撤回)
    "other",
)
# A record in any of these may be revoked; an objection or a repair case open on it does
# not stop the source (decision 0028): the record loses its basis either way.
REVOCABLE = (
    RecordStatus.ACTIVE,
    RecordStatus.UNDER_OBJECTION,
    RecordStatus.CORRECTED,
    RecordStatus.REPAIRED,
    RecordStatus.EXPIRED,
)
REASON_PREFIX = "revoked by source"
MAX_DOCUMENT_NUMBER = 100
MAX_TEXT = 5000
# The source's staff reading a record of its own to revoke it (access log, Art. 24).
READ_PURPOSE = "a source reviewing a record it submitted (Art. 12, 24)"


def reason_revoked(ground: str) -> str:
    """The version's reason: the ground in it, so pages translate it (``web.labels``)."""
    return f"{REASON_PREFIX} ({ground})"


def is_source_reporter(actor: Actor, record: CreditRecord) -> bool:
    return (
        actor.organisation_id is not None
        and actor.organisation_id == record.source_organisation_id
        and has_permission(actor, Permission.SUBMIT_RECORDS)
    )


def _own_record(session: Session, actor: Actor, record_id: int) -> CreditRecord:
    require(actor, Permission.SUBMIT_RECORDS)
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound("no such record", code="not_found", field="record")
    if not is_source_reporter(actor, record):
        raise PermissionDenied(
            "only the unit that submitted a record revokes it",
            code="not_source",
            field="record",
            article=ARTICLE,
        )
    return record


def _text(value: str, name: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"give the {name.replace('_', ' ')}", code="required", field=name)
    if len(text) > limit:
        raise InvalidInput(f"at most {limit} characters", code="too_long", field=name)
    return text


def _revocation_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    *,
    reason: str,
    detail: str,
) -> RecordVersion:
    """The revoking version: the content of the current one, status revoked, with the
    record's date, severity and (ended) window (``records.version_of``)."""
    like = current_version(session, record)
    now = clock.now()
    version = version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=like.payload,
        sensitive_ciphertext=like.sensitive_ciphertext,
        payload_hash=like.payload_hash,
        status=RecordStatus.REVOKED,
        reason=reason,
        reason_detail=detail,
        source_organisation_id=actor.organisation_id,
        actor=actor.audit().id,
        created_at=now,
    )
    session.add(version)
    record.current_version_no += 1
    record.status = RecordStatus.REVOKED
    record.payload_hash = like.payload_hash
    record.updated_at = now
    session.flush()
    return version


def revoke(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    ground: str,
    document_number: str,
    reason: str,
) -> RecordVersion:
    """The source revokes one of its records: a new version, status ``revoked``, the
    publicity window ended, no confidentiality review pending; list entries resting on it
    removed and reports issued to others since it was received no longer opened."""
    # Imported here: collection is below disclosure and lists, which import it.
    from xinyong.disclosure import retention
    from xinyong.lists.entries import end_entries_resting_on
    from xinyong.lists.models import RemovalReason

    record = _own_record(session, actor, record_id)
    if ground not in GROUNDS:
        raise InvalidInput(
            f"ground must be one of {', '.join(GROUNDS)}", code="invalid_choice", field="ground"
        )
    number = _text(document_number, "document_number", MAX_DOCUMENT_NUMBER)
    text = _text(reason, "reason", MAX_TEXT)
    if record.status is RecordStatus.REVOKED:
        raise Conflict("the record is revoked already", code="already_revoked", field="record")
    if record.status not in REVOCABLE:
        raise Conflict(
            f"a record that is {record.status.value} can no longer be revoked",
            code="record_not_revocable",
            field="record",
        )
    before = record.status
    # The window ends first: the revoking version carries the window in force with it
    # (decision 0025), the versions before keep theirs.
    yesterday = clock.today() - dt.timedelta(days=1)
    if record.publicity_start is not None and (
        record.publicity_end is None or record.publicity_end > yesterday
    ):
        record.publicity_end = yesterday
    record.awaiting_review = False
    version = _revocation_version(
        session,
        clock,
        actor,
        record,
        reason=reason_revoked(ground),
        detail=f"{number}: {text}",
    )
    removed_reports = retention.remove_contents_shown_to_others(
        session,
        clock,
        record.subject_id,
        record.received_at,
        reason=retention.REMOVED_RECORD_REVOKED,
    )
    removed_entries = end_entries_resting_on(
        session,
        clock,
        actor,
        record.id,
        reason=RemovalReason.RECORD_REVOKED,
        detail=f"record {record.id} revoked by its source: {number}",
        event=f"record revoked: {number}",
    )
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record.revoke",
        target_type="credit_record",
        target_id=record.id,
        details={
            "ground": ground,
            "document_number": number,
            "status_before": before.value,
            "version": version.version_no,
            "list_entries_removed": removed_entries,
            "report_contents_removed": removed_reports,
        },
    )
    return version


# --- the source's view of its record -----------------------------------------------------------


@dataclass(frozen=True)
class SourceRecord:
    record: CreditRecord
    type_code: str
    type_name: str
    type_name_en: str
    subject_name: str
    subject_code: str  # masked for natural persons
    versions: list[RecordVersion]
    source_names: dict[int, str]

    @property
    def revocable(self) -> bool:
        return self.record.status in REVOCABLE


def source_record(session: Session, clock: Clock, actor: Actor, record_id: int) -> SourceRecord:
    """One record as its source sees it, to revoke it: type, subject, status and the
    versions with their sources and reasons. The record names its subject and may not be
    public, so the read goes into the subject's access log (official duty)."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    record = _own_record(session, actor, record_id)
    record_type = session.get(RecordType, record.record_type_id)
    subject = session.get(Subject, record.subject_id)
    source = session.get(Organisation, record.source_organisation_id)
    assert record_type is not None
    assert subject is not None
    assert source is not None
    definition = catalog.effective_rule(session, record_type.code, source.jurisdiction).definition
    versions = list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record.id)
            .order_by(RecordVersion.version_no)
        )
    )
    units = {v.source_organisation_id for v in versions if v.source_organisation_id}
    names: dict[int, str] = dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(units))
        ).all()
    )
    access.log_use(
        session,
        clock,
        actor,
        subject,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.SOURCE_RECORD,
        purpose=READ_PURPOSE,
    )
    return SourceRecord(
        record=record,
        type_code=record_type.code,
        type_name=definition.name_zh,
        type_name_en=definition.name_en,
        subject_name=subject.name,
        subject_code=subject.public_code,
        versions=versions,
        source_names=names,
    )


MAX_FOUND = 20


@dataclass(frozen=True)
class FoundRecord:
    id: int
    type_code: str
    subject_name: str
    subject_code: str  # masked for natural persons
    decision_date: dt.date
    status: RecordStatus


def find_own(session: Session, clock: Clock, actor: Actor, number: str) -> list[FoundRecord]:
    """The unit's own records whose natural key holds ``number`` as a whole part (a
    decision's document number, 行政处罚决定书文号), newest first, at most ``MAX_FOUND``:
    how its data reporter finds the record to revoke. Each subject shown is in its access
    log, as the record's view is."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    require(actor, Permission.SUBMIT_RECORDS)
    text = _text(number, "number", MAX_DOCUMENT_NUMBER)
    if actor.organisation_id is None:
        return []
    part = "|" + text
    rows = session.execute(
        select(CreditRecord, RecordType.code, Subject)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id)
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .where(
            CreditRecord.source_organisation_id == actor.organisation_id,
            CreditRecord.natural_key.contains(part, autoescape=True),
        )
        .order_by(CreditRecord.id.desc())
        .limit(MAX_FOUND * 5)
    ).all()
    found: list[FoundRecord] = []
    shown: dict[int, Subject] = {}
    for record, type_code, subject in rows:
        # A whole part: "|12号" must not find "|112号"; the key's parts are "|"-separated.
        if part + "|" not in record.natural_key + "|":
            continue
        found.append(
            FoundRecord(
                id=record.id,
                type_code=type_code,
                subject_name=subject.name,
                subject_code=subject.public_code,
                decision_date=record.decision_date,
                status=record.status,
            )
        )
        shown[subject.id] = subject
        if len(found) >= MAX_FOUND:
            break
    for subject in shown.values():
        access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.OFFICIAL_DUTY,
            what=access.SOURCE_RECORD,
            purpose=READ_PURPOSE,
        )
    return found
