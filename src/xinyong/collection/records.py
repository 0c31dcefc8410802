"""Single-record writes outside batches: self-declarations and credit commitments made by
subjects (Art. 10 ¶2), and fulfilment updates by the accepting unit. Like every change,
each is a new version with actor, source and reason (Art. 24)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from xinyong import published_text, submitted_text, texts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.calendar import add_months
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.pipeline import batches_running, payload_digest
from xinyong.collection.validation import RowValidator, ValidRow
from xinyong.db import locks
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects.models import Subject

FULFILMENT_STATUSES = ("pending", "fulfilled", "breached")
# The accepting unit records whether a commitment was kept.
FULFILMENT_ARTICLE = "Art. 10 ¶2"


def _platform_operator(session: Session) -> Organisation:
    operator = session.scalar(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.PLATFORM_OPERATOR)
        .order_by(Organisation.id)
    )
    if operator is None:
        raise NotFound(
            "the platform operator organisation is not set up", code="no_platform_operator"
        )
    return operator


def _subject_fields(definition: RecordTypeDefinition, subject: Subject) -> dict[str, str]:
    values = {definition.subject_name_field: subject.name}
    if definition.subject_kind_field:
        values[definition.subject_kind_field] = (
            "自然人" if not subject.is_organisation else "法人及非法人组织"
        )
    if subject.is_organisation and definition.subject_uscc_field and subject.uscc:
        values[definition.subject_uscc_field] = subject.uscc
    return values


def _validated(
    definition: RecordTypeDefinition, values: dict[str, str], today: dt.date
) -> ValidRow:
    validator = RowValidator(definition, list(values), today=today)
    result = validator.validate(1, values)
    if isinstance(result, list):
        first = result[0]
        raise InvalidInput(
            first.message,
            code=first.code,
            field=first.field,
            article=first.article,
            details={"problems": [p.as_dict() for p in result]},
        )
    return result


def _create(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    code: str,
    subject: Subject,
    source: Organisation,
    values: dict[str, str],
    citizen_id: str | None,
    key_discriminator: str | None = None,
) -> CreditRecord:
    rule = catalog.effective_rule(session, code, source.jurisdiction)
    definition = rule.definition
    values = {**values, **_subject_fields(definition, subject)}
    if citizen_id is not None and definition.subject_citizen_id_field:
        values[definition.subject_citizen_id_field] = citizen_id
    row = _validated(definition, values, clock.today())
    extra = () if key_discriminator is None else (key_discriminator,)
    key = "|".join((str(subject.id), *row.key_parts, *extra))
    if session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.record_type_id == rule.record_type.id,
            CreditRecord.source_organisation_id == source.id,
            CreditRecord.natural_key == key,
        )
    ):
        raise Conflict(
            "this has been declared already", code="duplicate", field=definition.natural_key[0]
        )
    digest = payload_digest(
        json.dumps(row.payload, ensure_ascii=False, sort_keys=True), row.sensitive
    )
    now = clock.now()
    period = definition.disclosure.period(row.severity)
    record = CreditRecord(
        record_type_id=rule.record_type.id,
        subject_id=subject.id,
        source_organisation_id=source.id,
        natural_key=key,
        status=RecordStatus.ACTIVE,
        current_version_no=1,
        decision_date=row.decision_date,
        received_at=now,
        updated_at=now,
        severity=row.severity.value,
        # Self-declared information is the subject's own: it is public only when the type
        # is public and the subject is an organisation (a person's declaration stays private).
        publicity_start=row.decision_date if period.published and subject.is_organisation else None,
        publicity_end=None,
        awaiting_review=False,
        late=False,
        working_days_to_submit=0,
        self_declared=True,
        rule_source=rule.source_label,
        payload_hash=digest,
    )
    if record.publicity_start is not None:
        record.publicity_end = add_months(row.decision_date, period.months_without_deadline)
    session.add(record)
    session.flush()
    session.add(
        version_of(
            record,
            version_no=1,
            payload=row.payload,
            sensitive_ciphertext=None,
            payload_hash=digest,
            status=RecordStatus.ACTIVE,
            reason="declared by subject",
            source_organisation_id=source.id,
            actor=actor.audit().id,
            created_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record.self_declare",
        target_type="credit_record",
        target_id=record.id,
        details={"record_type": code},
    )
    return record


def _own_subject(session: Session, actor: Actor) -> Subject:
    require(actor, Permission.DECLARE_OWN)
    subject = session.get(Subject, actor.subject_id) if actor.subject_id else None
    if subject is None:
        raise PermissionDenied(
            "only a subject account declares about itself", code="not_subject", article="Art. 10 ¶2"
        )
    return subject


def declare(
    session: Session, clock: Clock, actor: Actor, *, title: str, content: str
) -> CreditRecord:
    """A subject declares information about itself (Art. 10 ¶2), received by the platform."""
    subject = _own_subject(session, actor)
    # The subject's own words in its file, and an organisation's public (decision 0044,
    # session 19 addendum); its own number is the record's subject field, never the text.
    submitted_text.refuse_personal_data({"title": title, "content": content}, today=clock.today())
    return _create(
        session,
        clock,
        actor,
        code="self_declaration",
        subject=subject,
        source=_platform_operator(session),
        values={"title": title, "content": content, "declared_on": clock.today().isoformat()},
        citizen_id=None if subject.is_organisation else _citizen_id(subject),
    )


def make_commitment(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    commitment_type: str,
    reason: str,
    text: str,
    accepting_unit: Organisation,
    key_discriminator: str | None = None,
) -> CreditRecord:
    """A public credit commitment (Art. 10 ¶2, Art. 21), accepted by a state body that
    then records whether it was kept. ``key_discriminator`` tells it apart from another of
    the same type, day and unit (its natural key) in the stored key alone, which no file,
    page or report shows: for a commitment whose public content must not say what it is
    about (a credit repair's, ``repair.service.apply``)."""
    subject = _own_subject(session, actor)
    if accepting_unit.kind not in (
        OrganisationKind.STATE_ORGAN,
        OrganisationKind.PUBLIC_FUNCTION_ORGANISATION,
    ):
        raise InvalidInput(
            "a credit commitment is made to a state organ or a public-function organisation",
            code="invalid_accepting_unit",
            field="accepting_unit",
        )
    submitted_text.refuse_personal_data(
        {"commitment_type": commitment_type, "reason": reason, "text": text}, today=clock.today()
    )
    return _create(
        session,
        clock,
        actor,
        code="credit_commitment",
        subject=subject,
        source=accepting_unit,
        values={
            "commitment_type": commitment_type,
            "commitment_reason": reason,
            "commitment_text": text,
            "committed_on": clock.today().isoformat(),
            "accepting_unit": accepting_unit.name,
            "fulfilment_status": "pending",
        },
        citizen_id=None if subject.is_organisation else _citizen_id(subject),
        key_discriminator=key_discriminator,
    )


def _citizen_id(subject: Subject) -> str | None:
    from xinyong.subjects.service import reveal_citizen_id

    return reveal_citizen_id(subject)


def version_of(
    record: CreditRecord,
    *,
    version_no: int,
    payload: dict[str, Any],
    sensitive_ciphertext: str | None,
    payload_hash: str,
    status: RecordStatus,
    reason: str,
    reason_detail: str | None = None,
    batch_id: int | None = None,
    source_organisation_id: int | None,
    actor: str | None,
    created_at: dt.datetime,
) -> RecordVersion:
    """A new version of ``record`` with this content, status and reason, carrying the
    decision date, severity and publicity window the record has now: the caller sets those
    on the record first, so the version keeps the values in force with it (Art. 24; a file
    as of an earlier day shows that version's, decision 0025)."""
    return RecordVersion(
        record_id=record.id,
        version_no=version_no,
        payload=payload,
        sensitive_ciphertext=sensitive_ciphertext,
        payload_hash=payload_hash,
        status=status,
        decision_date=record.decision_date,
        severity=record.severity,
        publicity_start=record.publicity_start,
        publicity_end=record.publicity_end,
        reason=reason,
        reason_detail=reason_detail,
        batch_id=batch_id,
        source_organisation_id=source_organisation_id,
        actor=actor,
        created_at=created_at,
    )


def add_version_as_is(
    session: Session,
    record: CreditRecord,
    current: RecordVersion,
    *,
    reason: str,
    reason_detail: str,
    source_organisation_id: int | None,
    actor: str | None,
    created_at: dt.datetime,
) -> RecordVersion:
    """The record's next version, ``current``'s content unchanged, in the status, dates and
    window the caller has just set on the record: a change of state, not of content
    (publicity ended, re-dated), with its reason in the history (Art. 24)."""
    record.current_version_no += 1
    record.updated_at = created_at
    version = version_of(
        record,
        version_no=record.current_version_no,
        payload=current.payload,
        sensitive_ciphertext=current.sensitive_ciphertext,
        payload_hash=current.payload_hash,
        status=record.status,
        reason=reason,
        reason_detail=reason_detail,
        source_organisation_id=source_organisation_id,
        actor=actor,
        created_at=created_at,
    )
    session.add(version)
    return version


def locked(session: Session, record_id: int) -> CreditRecord | None:
    """The record for a step that writes a version of it (or decides on its status), locked
    and read afresh: two requests writing one record at once — an objection raised while a
    repair is approved, two applications to repair it, a revocation meanwhile — are taken
    one after the other, and the second finds the status the first left and numbers its
    version after the first's (PostgreSQL; SQLite serialises writers, decision 0002). Read
    it so before the step changes the record: reading afresh drops unflushed changes."""
    return session.get(CreditRecord, record_id, with_for_update=True, populate_existing=True)


def locked_where(session: Session, *conditions: ColumnElement[bool]) -> list[CreditRecord]:
    """The records meeting the conditions, locked all at once in the order of their ids and
    read afresh (a record changed meanwhile is rechecked by PostgreSQL when its lock is
    granted), for a step that writes many — after waiting for the batches running for
    their sources and record types (``pipeline.batches_running``). A batch locks the records
    it changes chunk by chunk, each chunk's in the order of their ids but not the batch's:
    a step holding a record of a later chunk while waiting for one of an earlier chunk
    deadlocked with it (decision 0008, session 25 addendum). Records of a source and type
    that only came to meet the conditions after the batches were waited for are left to
    the step's next run. PostgreSQL only: SQLite serialises writers (decision 0002)."""
    if session.get_bind().dialect.name == "postgresql":
        kinds = sorted(
            set(
                session.execute(
                    select(CreditRecord.source_organisation_id, CreditRecord.record_type_id)
                    .where(*conditions)
                    .distinct()
                ).tuples()
            )
        )
        if not kinds:
            return []
        locks.lock_names(session, [batches_running(source, kind) for source, kind in kinds])
        conditions = (
            *conditions,
            tuple_(CreditRecord.source_organisation_id, CreditRecord.record_type_id).in_(kinds),
        )
    return list(
        session.scalars(
            select(CreditRecord)
            .where(*conditions)
            .order_by(CreditRecord.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


def current_version(session: Session, record: CreditRecord) -> RecordVersion:
    version = session.scalar(
        select(RecordVersion).where(
            RecordVersion.record_id == record.id,
            RecordVersion.version_no == record.current_version_no,
        )
    )
    assert version is not None
    return version


def stored_of_type(session: Session, record_type_id: int, jurisdiction: str | None = None) -> int:
    """How many records of the type are stored, whatever their status: each is keyed by
    the type's natural key as it was when the record came in. With ``jurisdiction``, those
    whose source is of that area (the records a district's rule governs)."""
    query = select(func.count(CreditRecord.id)).where(CreditRecord.record_type_id == record_type_id)
    if jurisdiction is not None:
        query = query.join(
            Organisation, Organisation.id == CreditRecord.source_organisation_id
        ).where(Organisation.jurisdiction == jurisdiction)
    return session.scalar(query) or 0


def _own_commitment(session: Session, actor: Actor, record_id: int) -> CreditRecord:
    """A commitment made to the actor's own unit; any other record is not found, another
    unit's commitment is refused (Art. 12)."""
    require(actor, Permission.SUBMIT_RECORDS)
    # Locked and read afresh: two officers updating at once are ordered, the second
    # numbering its version after the first's (as the case steps lock their case).
    record = locked(session, record_id)
    commitment_type = catalog.record_type_by_code(session, "credit_commitment")
    if (
        record is None
        or record.record_type_id != commitment_type.id
        or record.status is RecordStatus.DELETED  # its content was erased (rules.md)
    ):
        raise NotFound("no such credit commitment", code="not_found", field="record")
    if actor.organisation_id != record.source_organisation_id:
        raise PermissionDenied(
            "only the unit that accepted the commitment updates its fulfilment",
            code="other_organisation",
            article="Art. 12",
        )
    return record


def update_fulfilment(
    session: Session, clock: Clock, actor: Actor, record_id: int, *, status: str, note: str
) -> RecordVersion:
    """The accepting unit records whether a commitment was kept: a new version."""
    record = _own_commitment(session, actor, record_id)
    if status not in FULFILMENT_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(FULFILMENT_STATUSES)}",
            code="invalid_choice",
            field="status",
        )
    note = texts.visible(note)
    if not note:
        raise InvalidInput(
            "give the reason for the change (Art. 24)",
            code="required",
            field="note",
            article="Art. 24",
        )
    # The note is the version's detail, in the record's history that readers of the type
    # see (Art. 24), as the other notes officers write.
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    if record.status is RecordStatus.REVOKED:
        # Revoked by its accepting unit (decision 0028): the commitment no longer stands,
        # and whether it was kept would be recorded on nothing. Reinstated, it is recorded
        # again. (A commitment is never repaired, being neutral; an expired one — past its
        # publicity — still stands, and its fulfilment is still the unit's to record.)
        raise Conflict(
            "the commitment was revoked by its accepting unit: its fulfilment is no longer "
            "recorded",
            code="commitment_revoked",
            field="record",
            article=FULFILMENT_ARTICLE,
        )
    previous = current_version(session, record)
    payload: dict[str, Any] = {**previous.payload, "fulfilment_status": status}
    digest = payload_digest(json.dumps(payload, ensure_ascii=False, sort_keys=True), {})
    version = version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=payload,
        sensitive_ciphertext=previous.sensitive_ciphertext,
        payload_hash=digest,
        status=record.status,
        reason="fulfilment updated",
        reason_detail=note,
        source_organisation_id=actor.organisation_id,
        actor=actor.audit().id,
        created_at=clock.now(),
    )
    session.add(version)
    record.current_version_no += 1
    record.payload_hash = digest
    record.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record.fulfilment",
        target_type="credit_record",
        target_id=record.id,
        details={"status": status},
    )
    return version


@dataclass(frozen=True)
class AcceptedCommitment:
    """A credit commitment as its accepting unit follows it up."""

    record_id: int
    subject_name: str
    subject_code: str  # masked for natural persons
    commitment_type: str
    commitment_reason: str
    committed_on: str
    fulfilment_status: str
    version_no: int
    # Revoked by the unit: no longer stands, so its fulfilment is not recorded
    # (``update_fulfilment`` refuses it) and the pages do not offer to.
    revoked: bool = False


MAX_ACCEPTED_LISTED = 500

# Why the accepting unit sees a citizen's commitment, in the citizen's access log (Art. 24).
FOLLOW_UP_PURPOSE = "following up a credit commitment made to the unit (Art. 10)"


def accepted_commitments(
    session: Session, clock: Clock, actor: Actor, *, status: str | None = None
) -> list[AcceptedCommitment]:
    """The commitments made to the actor's unit, newest first, in their current version:
    what the unit has to follow up (Art. 10 ¶2). Only the unit's own commitments — the
    unit is their source, so this reads nothing it did not receive; a citizen's
    commitment is not public all the same, so each citizen shown has it in their access
    log (``_logged``)."""
    require(actor, Permission.SUBMIT_RECORDS)
    if status is not None and status not in FULFILMENT_STATUSES:
        raise InvalidInput(
            f"status must be one of {', '.join(FULFILMENT_STATUSES)}",
            code="invalid_choice",
            field="status",
        )
    if actor.organisation_id is None:
        return []
    return _logged(
        session, clock, actor, _commitments_of_unit(session, actor.organisation_id, status=status)
    )


def accepted_commitment(
    session: Session, clock: Clock, actor: Actor, record_id: int
) -> AcceptedCommitment:
    """One commitment made to the actor's unit, as its fulfilment form shows it (in the
    citizen's access log, as the list is); another unit's commitment or any other record
    is refused as ``update_fulfilment`` refuses it."""
    record = _own_commitment(session, actor, record_id)
    (found,) = _logged(
        session,
        clock,
        actor,
        _commitments_of_unit(session, record.source_organisation_id, record_id=record_id),
    )
    return found


def _logged(
    session: Session, clock: Clock, actor: Actor, shown: list[tuple[AcceptedCommitment, Subject]]
) -> list[AcceptedCommitment]:
    """The commitments shown, each natural person's in their access log: one entry per
    person and one audit event for the view, as a source's read of its record is
    (decision 0028). An organisation's commitment is public (Art. 10)."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    persons = sorted({subject.id for _found, subject in shown if not subject.is_organisation})
    if persons:
        access.log_uses(
            session,
            clock,
            actor,
            [access.Use(subject_id, ("credit_commitment",)) for subject_id in persons],
            path=LegalPath.OFFICIAL_DUTY,
            what=access.SOURCE_RECORD,
            purpose=FOLLOW_UP_PURPOSE,
        )
    return [found for found, _subject in shown]


def _commitments_of_unit(
    session: Session,
    organisation_id: int,
    *,
    status: str | None = None,
    record_id: int | None = None,
) -> list[tuple[AcceptedCommitment, Subject]]:
    commitment_type = catalog.record_type_by_code(session, "credit_commitment")
    one = () if record_id is None else (CreditRecord.id == record_id,)
    rows = session.execute(
        select(
            CreditRecord.id,
            CreditRecord.status,
            RecordVersion.payload,
            RecordVersion.version_no,
            Subject,
        )
        .join(
            RecordVersion,
            (RecordVersion.record_id == CreditRecord.id)
            & (RecordVersion.version_no == CreditRecord.current_version_no),
        )
        .join(Subject, Subject.id == CreditRecord.subject_id)
        .where(
            CreditRecord.record_type_id == commitment_type.id,
            CreditRecord.source_organisation_id == organisation_id,
            CreditRecord.status != RecordStatus.DELETED,
            *one,
        )
        .order_by(CreditRecord.id.desc())
    )
    found: list[tuple[AcceptedCommitment, Subject]] = []
    for record_id, record_status, payload, version_no, subject in rows:
        current = str(payload.get("fulfilment_status", "pending"))
        if status is not None and current != status:
            continue
        commitment = AcceptedCommitment(
            record_id=record_id,
            subject_name=subject.name,
            subject_code=subject.public_code,
            commitment_type=str(payload.get("commitment_type", "")),
            commitment_reason=str(payload.get("commitment_reason", "")),
            committed_on=str(payload.get("committed_on", "")),
            fulfilment_status=current,
            version_no=version_no,
            revoked=record_status is RecordStatus.REVOKED,
        )
        found.append((commitment, subject))
        if len(found) >= MAX_ACCEPTED_LISTED:
            break
    return found
