"""Confidentiality review before publicity (Art. 4, Art. 12(3)).

Each organisation names its security officers: its staff with the security officer role.
A record whose type says ``review_before_publicity`` arrives ``awaiting_review`` and is not
public (``files.is_public_on``) until a security officer *of the source* confirms that it
exposes no state secret, trade secret or personal privacy, or redacts the fields that
would. Either decision is a new version of the record (Art. 24), a
``ConfidentialityReview`` row and an audit event. A redacted field reads ``［已遮蔽］`` in
the new version; its original is kept only in the previous version, which was never
public.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text
from xinyong.accounts.models import Role, UserAccount
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import FieldSpec, FieldType, RecordTypeDefinition
from xinyong.clock import Clock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.collection.pipeline import SENSITIVE_CONTEXT, payload_digest
from xinyong.crypto import default_cipher
from xinyong.disclosure.models import ConfidentialityReview, LegalPath, ReviewDecision
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects.models import Subject

REDACTED = "［已遮蔽］"
REASON_CLEARED = "confidentiality review: cleared"
REASON_REDACTED = "confidentiality review: redacted"
REASON_PREFIX = "confidentiality review:"
NOTE_MAX = 2000
ARTICLE = "Art. 12(3)"


def security_officers(session: Session, organisation_id: int) -> list[UserAccount]:
    """The organisation's named security officers (Art. 12(1), (3)): its active staff with
    the security officer role."""
    return list(
        session.scalars(
            select(UserAccount)
            .where(
                UserAccount.organisation_id == organisation_id,
                UserAccount.role == Role.SECURITY_OFFICER,
                UserAccount.active,
            )
            .order_by(UserAccount.username)
        )
    )


# --- which fields may be redacted ------------------------------------------------------------


def _structural_fields(definition: RecordTypeDefinition) -> dict[str, str]:
    """Fields that identify the record, its subject or its date: never redacted, or the
    published record would no longer say what it is about."""
    reasons: dict[str, str] = {}
    for name in definition.natural_key:
        reasons[name] = "it identifies the record"
    subject_fields = (
        definition.subject_name_field,
        definition.subject_uscc_field,
        definition.subject_citizen_id_field,
        definition.subject_kind_field,
    )
    for subject_field in subject_fields:
        if subject_field:
            reasons.setdefault(subject_field, "it identifies the subject")
    reasons.setdefault(definition.decision_date_field, "it dates the record")
    disclosure = definition.disclosure
    for rule_field in (disclosure.severity_field, disclosure.minor_if_only_field):
        if rule_field:
            reasons.setdefault(rule_field, "it decides whether and how long the record is public")
    return reasons


def redaction_refusal(definition: RecordTypeDefinition, spec: FieldSpec) -> str | None:
    """Why a field may not be redacted, or None when it may: fields the catalog marks
    redactable, and optional free text that neither identifies nor dates the record."""
    if spec.redactable:
        return None
    structural = _structural_fields(definition).get(spec.name)
    if structural:
        return structural
    if spec.type is not FieldType.TEXT or spec.choices:
        return "it is not free text"
    if spec.required:
        return "it is required content of the publication; the catalog does not mark it redactable"
    return None


def redactable_names(definition: RecordTypeDefinition) -> set[str]:
    return {spec.name for spec in definition.fields if redaction_refusal(definition, spec) is None}


# --- what an officer sees --------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewField:
    name: str
    label_zh: str
    label_en: str
    value: Any
    redactable: bool
    # The catalog's type of the field (``FieldType``), for the page to say a choice in its
    # language; a field of an earlier rule version is shown as text.
    type: str = "text"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label_zh,
            "label_en": self.label_en,
            "value": self.value,
            "redactable": self.redactable,
        }


@dataclass(frozen=True)
class PendingReview:
    record_id: int
    version_no: int
    type_code: str
    definition: RecordTypeDefinition
    # The rule in force that governs the record (decision 0040), and the one it was
    # collected under.
    governing_rule: str
    collected_under_rule: str
    subject_reference: str
    subject_code: str
    subject_name: str
    decision_date: dt.date
    received_at: dt.datetime
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    fields: tuple[ReviewField, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "version": self.version_no,
            "type": self.type_code,
            "type_name": self.definition.name_zh,
            "type_name_en": self.definition.name_en,
            "rule": self.governing_rule,
            "collected_under_rule": self.collected_under_rule,
            "subject": {
                "reference": self.subject_reference,
                "code": self.subject_code,
                "name": self.subject_name,
            },
            "decision_date": self.decision_date.isoformat(),
            "received_at": self.received_at.isoformat(),
            "publicity": {
                "start": self.publicity_start.isoformat() if self.publicity_start else None,
                "end": self.publicity_end.isoformat() if self.publicity_end else None,
            },
            "content": [field.as_dict() for field in self.fields],
        }


def _definition(session: Session, record: CreditRecord) -> tuple[str, RecordTypeDefinition]:
    """The rule that governs the record: the city's, or its source's district rule."""
    rule = catalog.governing_rule(session, record)
    return rule.record_type.code, rule.definition


def _fields(definition: RecordTypeDefinition, payload: dict[str, Any]) -> tuple[ReviewField, ...]:
    allowed = redactable_names(definition)
    shown: list[ReviewField] = []
    for spec in definition.fields:
        if spec.name in payload:
            shown.append(
                ReviewField(
                    spec.name,
                    spec.label_zh,
                    spec.label_en,
                    payload[spec.name],
                    spec.name in allowed,
                    spec.type,
                )
            )
    declared = {spec.name for spec in definition.fields}
    for name, value in payload.items():
        if name not in declared:  # a field of an earlier rule version: shown, not redactable
            shown.append(ReviewField(name, name, name, value, False))
    return tuple(shown)


def pending(session: Session, clock: Clock, actor: Actor) -> list[PendingReview]:
    """Records of the officer's organisation that wait for the confidentiality review,
    with their content: shown, they are a use of each subject's information that is not
    public yet, so each is in its subject's access log (Art. 12(3), 24) and the view in
    the audit trail (the record ids, never the content)."""
    # Here, not at the top: the access log's module reads files, which read this one.
    from xinyong.disclosure import access

    require(actor, Permission.REVIEW_CONFIDENTIALITY)
    if actor.organisation_id is None:
        return []
    waiting = session.execute(
        select(CreditRecord, Subject)
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .where(
            CreditRecord.source_organisation_id == actor.organisation_id,
            CreditRecord.awaiting_review,
        )
        .order_by(CreditRecord.received_at, CreditRecord.id)
    )
    items: list[PendingReview] = []
    # One entry per record shown: the record type tells the subject what was read.
    uses: list[access.Use] = []
    for record, subject in waiting:
        rule = catalog.governing_rule(session, record)
        code, definition = rule.record_type.code, rule.definition
        version = records.current_version(session, record)
        items.append(
            PendingReview(
                record_id=record.id,
                version_no=version.version_no,
                type_code=code,
                definition=definition,
                governing_rule=rule.source_label,
                collected_under_rule=record.rule_source,
                subject_reference=subject.reference,
                subject_code=subject.public_code,
                subject_name=subject.name,
                decision_date=record.decision_date,
                received_at=record.received_at,
                publicity_start=record.publicity_start,
                publicity_end=record.publicity_end,
                fields=_fields(definition, dict(version.payload)),
            )
        )
        uses.append(access.Use(subject.id, (code,)))
    if items:
        logged = access.log_uses(
            session,
            clock,
            actor,
            uses,
            path=LegalPath.OFFICIAL_DUTY,
            what=access.RECORD_UNDER_REVIEW,
            purpose=access.REVIEW_PURPOSE,
            chained=False,
        )
        # The view's one audit event, which witnesses the access-log entries above.
        audit.record(
            session,
            clock,
            actor.audit(),
            "record.review_read",
            target_type="credit_record",
            target_id=items[0].record_id if len(items) == 1 else None,
            details={"records": [item.record_id for item in items], **logged.details()},
        )
    return items


# --- the two decisions -----------------------------------------------------------------------


def _reviewable(session: Session, actor: Actor, record_id: int) -> CreditRecord:
    """The record, once the actor is shown to be a security officer of its source."""
    require(actor, Permission.REVIEW_CONFIDENTIALITY)
    if actor.kind != "user" or actor.id is None:
        raise PermissionDenied(
            "the confidentiality review is confirmed by a named security officer, not a system",
            code="officer_in_person",
            article=ARTICLE,
        )
    record = session.scalar(
        select(CreditRecord).where(CreditRecord.id == record_id).with_for_update()
    )
    if record is None:
        raise NotFound("no such record", code="not_found", field="record")
    if record.source_organisation_id != actor.organisation_id:
        raise PermissionDenied(
            "only a security officer of the organisation that supplied the record reviews it",
            code="not_source_officer",
            article="Art. 12",
        )
    if not record.awaiting_review:
        raise Conflict(
            "this record is not awaiting a confidentiality review",
            code="not_awaiting_review",
            field="record",
            article=ARTICLE,
        )
    return record


def _clean_note(note: str, *, required: bool) -> str:
    note = note.strip()
    if required and not note:
        raise InvalidInput(
            "give the reason for the redaction; it is kept as the reason of the new version",
            code="required",
            field="note",
            article="Art. 24",
        )
    if len(note) > NOTE_MAX:
        raise InvalidInput(
            f"the note has at most {NOTE_MAX} characters", code="too_long", field="note"
        )
    return note


def _new_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    previous: RecordVersion,
    *,
    payload: dict[str, Any],
    payload_hash: str,
    reason: str,
    note: str,
) -> RecordVersion:
    now = clock.now()
    version = records.version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=payload,
        sensitive_ciphertext=previous.sensitive_ciphertext,
        payload_hash=payload_hash,
        status=record.status,
        reason=reason,
        reason_detail=note or None,
        batch_id=None,
        source_organisation_id=record.source_organisation_id,
        actor=actor.audit().id,
        created_at=now,
    )
    session.add(version)
    record.current_version_no = version.version_no
    record.awaiting_review = False
    record.updated_at = now
    session.flush()
    return version


def _decided(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    version: RecordVersion,
    decision: ReviewDecision,
    fields: list[str],
    note: str,
) -> ConfidentialityReview:
    review = ConfidentialityReview(
        record_id=record.id,
        version_no=version.version_no,
        reviewer_user_id=actor.id,
        decision=decision,
        redacted_fields=fields,
        note=note,
        reviewed_at=clock.now(),
    )
    session.add(review)
    session.flush()
    # Field names only: the audit log never copies the data (rules.md, Access control).
    audit.record(
        session,
        clock,
        actor.audit(),
        "record.confidentiality_review",
        target_type="credit_record",
        target_id=record.id,
        details={"decision": decision.value, "version": version.version_no, "fields": fields},
    )
    return review


def confirm(
    session: Session, clock: Clock, actor: Actor, record_id: int, note: str = ""
) -> ConfidentialityReview:
    """The source's security officer confirms that the record exposes no state secret,
    trade secret or personal privacy: it becomes public in its publicity window."""
    record = _reviewable(session, actor, record_id)
    note = _clean_note(note, required=False)
    # The note is the new version's reason, in the subject's file and report (Art. 24).
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    previous = records.current_version(session, record)
    version = _new_version(
        session,
        clock,
        actor,
        record,
        previous,
        payload=dict(previous.payload),
        payload_hash=previous.payload_hash,
        reason=REASON_CLEARED,
        note=note,
    )
    return _decided(session, clock, actor, record, version, ReviewDecision.CLEARED, [], note)


def redact(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    fields: list[str],
    note: str,
) -> ConfidentialityReview:
    """The source's security officer replaces fields that would expose a secret or privacy
    with ``［已遮蔽］``; the record becomes public with the redacted content."""
    record = _reviewable(session, actor, record_id)
    note = _clean_note(note, required=True)
    # The note is the new version's reason, in the subject's file and report (Art. 24).
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    names = list(dict.fromkeys(name.strip() for name in fields if name.strip()))
    if not names:
        raise InvalidInput(
            "choose the fields to redact", code="required", field="fields", article=ARTICLE
        )
    previous = records.current_version(session, record)
    payload = dict(previous.payload)
    _code, definition = _definition(session, record)
    declared = {spec.name: spec for spec in definition.fields}
    for name in names:
        if name not in payload:
            raise InvalidInput(
                f"the record has no field {name!r} to redact",
                code="field_not_in_record",
                field=name,
            )
        spec = declared.get(name)
        why = (
            "it is not in the record type's current definition"
            if spec is None
            else redaction_refusal(definition, spec)
        )
        if why is not None:
            label = spec.label_en if spec else name
            raise InvalidInput(
                f"{label} ({name}) cannot be redacted: {why}",
                code="not_redactable",
                field=name,
                article=ARTICLE,
            )
    for name in names:
        original = str(payload[name]).strip()
        # The note is the public reason of the new version: it must not repeat what it hides.
        if len(original) >= 2 and original in note:
            raise InvalidInput(
                "the note repeats content you are redacting; the note is shown in the record's "
                "history, so describe the reason without quoting it",
                code="note_repeats_redacted",
                field="note",
            )
        payload[name] = REDACTED
    sensitive: dict[str, str] = {}
    if previous.sensitive_ciphertext:
        sensitive = json.loads(
            default_cipher().decrypt(previous.sensitive_ciphertext, context=SENSITIVE_CONTEXT)
        )
    digest = payload_digest(json.dumps(payload, ensure_ascii=False, sort_keys=True), sensitive)
    version = _new_version(
        session,
        clock,
        actor,
        record,
        previous,
        payload=payload,
        payload_hash=digest,
        reason=REASON_REDACTED,
        note=note,
    )
    # record.payload_hash stays the digest of what the source sent: the same row sent
    # again is "unchanged" and keeps the redaction; changed content is a new version from
    # the source, which waits for a new review (pipeline._record_values).
    return _decided(session, clock, actor, record, version, ReviewDecision.REDACTED, names, note)


def reviews_of(session: Session, record_id: int) -> list[ConfidentialityReview]:
    return list(
        session.scalars(
            select(ConfidentialityReview)
            .where(ConfidentialityReview.record_id == record_id)
            .order_by(ConfidentialityReview.reviewed_at, ConfidentialityReview.id)
        )
    )
