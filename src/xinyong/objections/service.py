"""Objections to credit records (Art. 25).

A subject objects to a record of its own file on one of the grounds of rules.md; the record
is marked "under objection" at once, by a new version (never an edit in place, Art. 24).
The credit authority's objection handler decides within 5 working days or forwards the case
to the record's source within 2, and the source then decides within 5 (Shanghai regulation
Art. 36, the default of rules.md); market credit information has 20 days (征信业管理条例
Art. 25). An upheld objection is carried out by the source — objection handlers alter no
data (rules.md "Access control") — as a corrected version, validated like any ingested row,
or by withdrawing the record from publication. A rejected objection, or one whose facts
could not be confirmed, returns the record to its state before, with the reasons (and the
check made) recorded and shown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import (
    SYSTEM_ACTOR,
    Actor,
    Permission,
    Standing,
    has_permission,
    require,
    require_subject_account,
)
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import (
    RETENTION_BASIS,
    Category,
    FieldType,
    RecordTypeDefinition,
    Sensitivity,
)
from xinyong.clock import Clock
from xinyong.collection import consent as consents
from xinyong.collection import legal_representatives as representatives
from xinyong.collection import records as collection_records
from xinyong.collection import registration_names
from xinyong.collection.content import waits_for_review
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.pipeline import SENSITIVE_CONTEXT, payload_digest
from xinyong.collection.records import current_version, version_of
from xinyong.collection.validation import RowValidator, ValidRow
from xinyong.crypto import default_cipher
from xinyong.disclosure import retention
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.objections.models import (
    OPEN,
    Ground,
    ObjectionStatus,
    RecordObjection,
)
from xinyong.objections.rules import (
    ARTICLE,
    DECISIONS,
    DEPARTED,
    HANDLER,
    IN_PLACE_NOTE,
    MAX_REASONS,
    MAX_STATEMENT,
    SOURCE,
    STAND_IN,
    Terms,
    departed_action,
    next_status,
    reason_corrected,
    reason_duplicate,
    reason_no_longer_used,
    reason_rejected,
    reason_unconfirmed,
    reason_withdrawn,
    source_action,
    statement_too_long,
    too_long,
)
from xinyong.subjects.models import Subject

# Records a subject may object to: those still in its file with content. A repaired or
# revoked record is no longer used; a deleted one has no content left.
OBJECTIONABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED, RecordStatus.EXPIRED)

REASON_RECEIVED = "objection received"


# --- who may act ------------------------------------------------------------------------------


def is_handler(actor: Actor) -> bool:
    """The credit authority's objection handler: the platform's authority decides or
    forwards every objection to a record (rules.md "Objections")."""
    return (
        has_permission(actor, Permission.HANDLE_OBJECTIONS)
        and actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY
    )


def require_in_area(session: Session, actor: Actor, objection: RecordObjection) -> None:
    """Refuse a handler of a district's credit authority a case of another area's source."""
    area.require_in_own_area(
        session,
        actor,
        objection.source_organisation_id,
        "the record's source",
        field="objection",
    )


def is_source_staff(actor: Actor, objection: RecordObjection) -> bool:
    return (
        actor.organisation_id == objection.source_organisation_id
        and actor.organisation_id is not None
        and (
            has_permission(actor, Permission.SUBMIT_RECORDS)
            or has_permission(actor, Permission.HANDLE_OBJECTIONS)
        )
    )


def source_standing(session: Session, objection: RecordObjection) -> Standing | None:
    """Why the record's source no longer works on the platform — a credit service
    institution outside the active register (Art. 26) — or None."""
    source = session.get(Organisation, objection.source_organisation_id)
    return None if source is None else institutions.standing_problem(session, source)


def steps_open(
    actor: Actor, objection: RecordObjection, *, source_outside_register: bool = False
) -> frozenset[str]:
    """The steps this actor may take on the objection now, for the pages to offer only
    those: the credit authority's handler ``forward`` or ``decide`` a received case; the
    source ``decide`` a forwarded one; its data reporter, once forwarded or upheld, carries
    it out as the ground is answered (``rules.source_action``): ``correct`` or ``withdraw``,
    ``withdraw`` only on a withdrawal ground, ``stop_use`` on a duplicate. A source outside
    the register of credit service institutions (``source_standing``) is forwarded nothing,
    and the handler decides in its place a case forwarded to it before."""
    status = objection.status
    handler = is_handler(actor)
    source = is_source_staff(actor, objection)
    reporter = source and has_permission(actor, Permission.SUBMIT_RECORDS)
    after = status in (ObjectionStatus.FORWARDED, ObjectionStatus.UPHELD)
    carried_out = source_action(objection.ground)
    steps = {
        "forward": handler and status is ObjectionStatus.RECEIVED and not source_outside_register,
        "decide": (handler and status is ObjectionStatus.RECEIVED)
        or (handler and status is ObjectionStatus.FORWARDED and source_outside_register)
        or (source and status is ObjectionStatus.FORWARDED),
        "correct": reporter and after and "correct" in carried_out,
        "withdraw": reporter and after and "withdraw" in carried_out,
        "stop_use": reporter and after and "stop_use" in carried_out,
    }
    return frozenset(step for step, open_ in steps.items() if open_)


def require_handler(actor: Actor) -> None:
    require(actor, Permission.HANDLE_OBJECTIONS)
    if not is_handler(actor):
        raise PermissionDenied(
            "objections to records are decided or forwarded by the credit authority's "
            "objection handler",
            code="not_credit_authority",
            article=ARTICLE,
        )


def _require_source(actor: Actor, objection: RecordObjection, *, alters_data: bool) -> None:
    """The record's source: its objection handler or data reporter decides; only its data
    reporter changes the record (objection handlers alter no data, rules.md)."""
    needed = Permission.SUBMIT_RECORDS if alters_data else None
    if needed is not None:
        require(actor, needed)
    elif not (
        has_permission(actor, Permission.SUBMIT_RECORDS)
        or has_permission(actor, Permission.HANDLE_OBJECTIONS)
    ):
        require(actor, Permission.SUBMIT_RECORDS)
    if actor.organisation_id != objection.source_organisation_id:
        raise PermissionDenied(
            "only the record's source decides a forwarded objection or corrects the record",
            code="not_source",
            article=ARTICLE,
        )


def _get(session: Session, objection_id: int) -> RecordObjection:
    """The case for a step that changes it, locked and read afresh: two staff acting on one
    case at once are taken one after the other and the second finds the status the first
    left (PostgreSQL; SQLite's writers are serialised already, decision 0002) — never one
    rejecting while the other upholds, the record and the case then telling different
    stories."""
    objection = session.get(
        RecordObjection, objection_id, with_for_update=True, populate_existing=True
    )
    if objection is None:
        raise NotFound("no such objection", code="not_found", field="objection")
    return objection


def record_of(session: Session, objection: RecordObjection) -> CreditRecord:
    record = session.get(CreditRecord, objection.record_id)
    assert record is not None
    return record


def _lock_record(session: Session, objection: RecordObjection) -> CreditRecord:
    """The record of a step that writes a version of it, locked and read afresh before the
    step changes anything (``records.locked``): a repair approved, a revocation or another
    objection at the same moment is taken one after the other, and this step finds the
    status the other left — never two versions numbered alike."""
    record = collection_records.locked(session, objection.record_id)
    assert record is not None
    return record


def definition_of(session: Session, record: CreditRecord) -> RecordTypeDefinition:
    """The rule governing the record (``catalog.governing_rule``)."""
    return catalog.governing_rule(session, record).definition


# --- versions ---------------------------------------------------------------------------------


def _new_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    *,
    status: RecordStatus,
    reason: str,
    detail: str | None,
    payload: dict[str, Any] | None = None,
    sensitive_ciphertext: str | None = None,
    payload_hash: str | None = None,
    source_organisation_id: int | None = None,
) -> RecordVersion:
    """Every change to the record is a new version with actor, source and reason (Art. 24),
    carrying the record's decision date, severity and publicity window as the caller has
    set them (``records.version_of``)."""
    previous = current_version(session, record)
    now = clock.now()
    if record.status is RecordStatus.DELETED:
        # Deleted after its retention period while the objection was open (征信业管理条例
        # Art. 16, decision 0018): deletion wins. The step is kept in the tombstone's history
        # as its other versions are — number, date, reason, source — but the record stays
        # deleted, with no content and no free text (a note can repeat the content); nothing
        # the objection decides brings it back (decision 0022, session 25 addendum).
        assert payload is None, "a deleted record's content is not corrected"
        status, detail = RecordStatus.DELETED, None
    version = version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=previous.payload if payload is None else payload,
        sensitive_ciphertext=previous.sensitive_ciphertext
        if payload is None
        else sensitive_ciphertext,
        payload_hash=previous.payload_hash if payload_hash is None else payload_hash,
        status=status,
        reason=reason,
        reason_detail=detail,
        source_organisation_id=source_organisation_id,
        actor=actor.audit().id,
        created_at=now,
    )
    session.add(version)
    record.current_version_no += 1
    record.status = status
    record.updated_at = now
    session.flush()
    return version


def _prior_status(session: Session, record: CreditRecord) -> RecordStatus:
    """The record's status before the objection marked it: the last version that was
    neither under objection nor revoked. A revocation undone meanwhile (decision 0028) left
    revoked versions behind; while the record is revoked, callers keep it so themselves."""
    found = session.scalar(
        select(RecordVersion.status)
        .where(
            RecordVersion.record_id == record.id,
            RecordVersion.status.not_in((RecordStatus.UNDER_OBJECTION, RecordStatus.REVOKED)),
        )
        .order_by(RecordVersion.version_no.desc())
        .limit(1)
    )
    return found or RecordStatus.ACTIVE


# --- the subject ------------------------------------------------------------------------------


def raise_objection(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    ground: str,
    statement: str,
    terms: Terms | None = None,
) -> RecordObjection:
    """The subject objects to a record of its own file (Art. 25); the record is under
    objection from this moment, which its disclosure shows."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only the subject of a record objects to it", article=ARTICLE
    )
    # Locked: a repair approved or a second objection raised at the same moment is taken
    # after this one, or this one after it, and finds the record as the other left it.
    record = collection_records.locked(session, record_id)
    # Another subject's record is answered as a missing one, word for word: which ids are
    # its records (non-public ones among them) is not a subject's to learn (Art. 13).
    if record is None or record.status is RecordStatus.DELETED:
        raise NotFound("no such record", code="not_found", field="record", article="Art. 13")
    if record.subject_id != subject_id:
        raise ConcealedRefusal(
            "no such record", code="not_found", field="record", article="Art. 13"
        )
    try:
        chosen = Ground(ground)
    except ValueError:
        raise InvalidInput(
            f"choose a ground: {', '.join(g.value for g in Ground)}",
            code="invalid_choice",
            field="ground",
            article=ARTICLE,
        ) from None
    text = texts.visible(statement)
    if not text:
        raise InvalidInput(
            "say what is wrong with the record", code="required", field="statement", article=ARTICLE
        )
    if statement_too_long(statement):
        raise InvalidInput(
            f"at most {MAX_STATEMENT} characters", code="too_long", field="statement"
        )
    # Read by the objection handler and the source (decision 0044, session 19 addendum).
    submitted_text.refuse_personal_data({"statement": text}, today=clock.today())
    pending = session.scalar(
        select(RecordObjection).where(
            RecordObjection.record_id == record.id, RecordObjection.status.in_(OPEN)
        )
    )
    if pending is not None:
        raise Conflict(
            f"your objection {pending.id} to this record is still being handled; you may "
            "object again once it is decided",
            code="objection_pending",
            field="record",
            article=ARTICLE,
        )
    if record.status not in OBJECTIONABLE:
        raise Conflict(
            f"a record that is {record.status.value} is no longer used and cannot be objected to",
            code="record_not_objectionable",
            field="record",
            article=ARTICLE,
        )
    definition = definition_of(session, record)
    now = clock.now()
    objection = RecordObjection(
        record_id=record.id,
        subject_id=subject_id,
        source_organisation_id=record.source_organisation_id,
        ground=chosen,
        statement=text,
        market=definition.category is Category.MARKET,
        terms=(terms or Terms()).as_dict(),
        status=ObjectionStatus.RECEIVED,
        raised_by=actor.audit().id or "",
        raised_at=now,
        received_on=clock.today(),
    )
    session.add(objection)
    session.flush()
    # The statement stays in the case: the record's history, which readers of the file
    # see, says only that an objection was received and on which ground.
    _new_version(
        session,
        clock,
        actor,
        record,
        status=RecordStatus.UNDER_OBJECTION,
        reason=REASON_RECEIVED,
        detail=f"objection {objection.id}: {chosen.value}",
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        "record_objection.raise",
        target_type="record_objection",
        target_id=objection.id,
        details={"record": record.id, "ground": chosen.value},
    )
    return objection


# --- the handler ------------------------------------------------------------------------------


def forward(
    session: Session, clock: Clock, actor: Actor, objection_id: int, *, note: str
) -> RecordObjection:
    """The handler forwards the case to the record's source, which decides (rules.md)."""
    require_handler(actor)
    objection = _get(session, objection_id)
    require_in_area(session, actor, objection)
    standing = source_standing(session, objection)
    if standing is not None and objection.status in OPEN:
        # Its source works on nobody's data while outside the register (Art. 26): a case
        # forwarded there would wait for nobody.
        raise Conflict(
            "the record's source is a credit service institution outside the active "
            "register: the credit authority decides this objection itself",
            code=standing.code,
            field="objection",
            article=standing.article,
        )
    # Read by the source, another organisation (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    objection.status = next_status(objection.status, HANDLER, "forward", objection.ground)
    now = clock.now()
    objection.forwarded_at = now
    objection.forwarded_on = clock.today()
    objection.forwarded_by = actor.audit().id
    objection.forward_note = note.strip() or None
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record_objection.forward",
        target_type="record_objection",
        target_id=objection.id,
        details={"source": objection.source_organisation_id},
    )
    return objection


def decide(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection_id: int,
    *,
    outcome: str,
    reasons: str,
    check_made: str = "",
) -> RecordObjection:
    """Decide with reasons (Art. 15 ¶2, 25): the credit authority's handler a received
    case, the source a forwarded one. Upheld, the source then corrects or withdraws the
    record; rejected or unconfirmed, the record returns to its state before."""
    objection = _get(session, objection_id)
    if is_handler(actor):
        require_in_area(session, actor, objection)
        who = HANDLER
        if (
            objection.status is ObjectionStatus.FORWARDED
            and source_standing(session, objection) is not None
        ):
            who = STAND_IN  # forwarded before its source left the register
    else:
        _require_source(actor, objection, alters_data=False)
        who = SOURCE
        if objection.status is ObjectionStatus.RECEIVED:
            # The source decides what the credit authority forwards to it, not before.
            raise PermissionDenied(
                "the credit authority has not forwarded this objection to your unit",
                code="not_forwarded",
                article=ARTICLE,
            )
    if outcome not in DECISIONS:
        raise InvalidInput(
            f"decide one of: {', '.join(DECISIONS)}", code="invalid_choice", field="outcome"
        )
    text = texts.visible(reasons)
    if not text:
        raise InvalidInput(
            "give the reasons for the decision", code="required", field="reasons", article=ARTICLE
        )
    if too_long(reasons, MAX_REASONS):
        raise InvalidInput(
            f"the reasons are at most {MAX_REASONS} characters", code="too_long", field="reasons"
        )
    if too_long(check_made, MAX_REASONS):
        raise InvalidInput(
            f"what was checked is at most {MAX_REASONS} characters",
            code="too_long",
            field="check_made",
        )
    check = check_made.strip()
    if outcome == "unconfirmed" and not check:
        raise InvalidInput(
            "say what was checked: when the facts cannot be confirmed, the check is recorded "
            "with the objection",
            code="required",
            field="check_made",
            article=ARTICLE,
        )
    # The subject reads both, and the source reads what the handler decided (Art. 4 ¶2).
    published_text.refuse_citizen_ids(
        {"reasons": reasons, "check_made": check_made}, today=clock.today()
    )
    _lock_record(session, objection)
    objection.status = next_status(objection.status, who, outcome, objection.ground)
    objection.decided_at = clock.now()
    objection.decided_by = actor.audit().id
    objection.decided_by_source = who == SOURCE
    objection.decision_reasons = text
    objection.check_made = check or None
    if outcome != "upheld":
        record = record_of(session, objection)
        detail = text if outcome == "rejected" else f"{check} — {text}"
        _new_version(
            session,
            clock,
            actor,
            record,
            status=RecordStatus.REVOKED
            if record.status is RecordStatus.REVOKED
            else _prior_status(session, record),
            reason=reason_rejected(objection.id)
            if outcome == "rejected"
            else reason_unconfirmed(objection.id),
            detail=detail,
        )
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record_objection.decide",
        target_type="record_objection",
        target_id=objection.id,
        details={"outcome": outcome, "by": who},
    )
    if outcome == "upheld" and institutions.deregistered_organisations(
        session, [objection.source_organisation_id]
    ):
        # Upheld for a source gone for good: nobody would carry it out, so the platform does
        # it now, as the system and not as the handler — objection handlers alter no data
        # (rules.md); the handler's decision only upholds (decision 0024, session 12).
        _carry_out_in_place(
            session,
            clock,
            objection,
            organisation_id=actor.organisation_id,
            cause=cause_of(actor, "record_objection.decide"),
        )
    return objection


# --- the source carries out an upheld objection -----------------------------------------------


def _previous_values(session: Session, record: CreditRecord) -> dict[str, str]:
    """The current version as a row: the clear fields and the encrypted ones."""
    previous = current_version(session, record)
    values = {name: str(value) for name, value in previous.payload.items()}
    if previous.sensitive_ciphertext:
        values.update(
            json.loads(
                default_cipher().decrypt(previous.sensitive_ciphertext, context=SENSITIVE_CONTEXT)
            )
        )
    return values


def fixed_fields(definition: RecordTypeDefinition) -> frozenset[str]:
    """Fields a correction may not change: who the record is about and which record it is
    (a record about somebody else, or another decision, is a new submission)."""
    return frozenset(
        name
        for name in (
            definition.subject_name_field,
            definition.subject_uscc_field,
            definition.subject_citizen_id_field,
            definition.subject_kind_field,
            "id_type",
            *definition.natural_key,
            # The submitter's own side of the business (Art. 10 ¶1): another party's is
            # another record, not a correction.
            definition.own_party_field,
        )
        if name
    )


@dataclass(frozen=True)
class CorrectableField:
    """A field the source may correct, with its labels in both languages (the page shows
    the one of its language) and its current value."""

    name: str
    label_zh: str
    label_en: str
    value: str


def correctable_fields(session: Session, objection: RecordObjection) -> list[CorrectableField]:
    """Each field the source may correct, with its current value; sensitive fields
    (citizen IDs, restricted information) are not shown or corrected here. A citizen ID that
    is not the subject's own (a registration record's legal representative, decision 0038)
    is stored masked in the payload: shown, the form would send the masked number back as
    the correction and every correction of the record would be refused."""
    record = record_of(session, objection)
    definition = definition_of(session, record)
    payload = current_version(session, record).payload
    fixed = fixed_fields(definition)
    return [
        CorrectableField(spec.name, spec.label_zh, spec.label_en, str(payload.get(spec.name, "")))
        for spec in definition.fields
        if spec.name not in fixed
        and spec.sensitivity is not Sensitivity.RESTRICTED
        and spec.type is not FieldType.CITIZEN_ID
        and (spec.name in payload or not spec.required)
    ]


def correct(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection_id: int,
    *,
    values: dict[str, str],
    note: str,
) -> RecordVersion:
    """The source corrects the record: a new version with the corrected content, checked
    against the record type's field schema like any ingested row, with the reason
    "corrected after objection N" (Art. 24). Of a type reviewed before publicity, the
    record then waits for its source's security officer (``collection.content``)."""
    objection = _get(session, objection_id)
    _require_source(actor, objection, alters_data=True)
    status = next_status(objection.status, SOURCE, "correct", objection.ground)
    text = texts.visible(note)
    if not text:
        raise InvalidInput(
            "say what was corrected and why (Art. 24)",
            code="required",
            field="note",
            article="Art. 24",
        )
    # The version's reason is in the subject's report (Art. 24) and the handler's case.
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    record = _lock_record(session, objection)
    if record.status is RecordStatus.DELETED:
        # Its content was erased at the end of its retention period: a correction would put
        # content back on a record the law says is gone (decision 0022, session 25 addendum).
        raise Conflict(
            "the record was deleted after its retention period: there is no content left to "
            "correct",
            code="record_deleted",
            field="record",
            article=RETENTION_BASIS,
        )
    definition = definition_of(session, record)
    fixed = fixed_fields(definition)
    known = {spec.name for spec in definition.fields}
    changes = dict(values.items())
    for name in changes:
        if name not in known:
            raise InvalidInput(
                f"the record type has no field {name!r}", code="unknown_field", field=name
            )
        if name in fixed:
            raise InvalidInput(
                f"{name} says who or which record this is and cannot be corrected; revoke the "
                "record and submit the right one instead",
                code="not_correctable",
                field=name,
                article=ARTICLE,
            )
    before = _previous_values(session, record)
    merged = {**before, **{name: value.strip() for name, value in changes.items()}}
    merged = {name: value for name, value in merged.items() if value != ""}
    row = RowValidator(definition, list(merged), today=clock.today()).validate(1, merged)
    if isinstance(row, list):
        first = row[0]
        raise InvalidInput(
            first.message,
            code=first.code,
            field=first.field,
            article=first.article,
            details={"problems": [p.as_dict() for p in row]},
        )
    _require_written_consent(session, clock, record, definition, row, changes, before)
    payload_json = json.dumps(row.payload, ensure_ascii=False, sort_keys=True)
    digest = payload_digest(payload_json, row.sensitive)
    if digest == record.payload_hash and row.payload == current_version(session, record).payload:
        raise InvalidInput(
            "nothing was changed: a correction changes the content",
            code="unchanged",
            field="values",
            article=ARTICLE,
        )
    ciphertext = (
        default_cipher().encrypt(
            json.dumps(row.sensitive, ensure_ascii=False, sort_keys=True),
            context=SENSITIVE_CONTEXT,
        )
        if row.sensitive
        else None
    )
    # Revoked by its source while the objection was open (decision 0028): the content is
    # corrected, the record stays revoked and unpublished.
    revoked = record.status is RecordStatus.REVOKED
    # A registration record's corrected legal representative goes into the register of
    # responsible persons, as a new version from the pipeline does (decision 0038); a
    # revoked record's content is not in force and names nobody.
    feed = (
        representatives.for_correction(
            session,
            clock,
            actor,
            source_organisation_id=record.source_organisation_id,
            objection_id=objection.id,
        )
        if representatives.feeds_register(definition.code) and not revoked
        else None
    )
    if feed is not None:
        feed.require(row, record.subject_id)
    # The corrected date, severity and window go on the record first: the new version
    # carries them, and the versions before keep theirs (decision 0025).
    record.payload_hash = digest
    record.decision_date = row.decision_date
    record.severity = row.severity.value
    period = definition.disclosure.period(row.severity)
    if not revoked and (record.publicity_start is not None or record.publicity_end is not None):
        # A corrected severity or date moves the publicity window as ingestion sets it,
        # and the new text waits for the confidentiality review as ingested content does
        # (Art. 12(3)): it may name a person or a secret the reviewed version did not. A
        # record without a window (withdrawn, or not published) publishes nothing, and a
        # revoked one waits when reinstated (``collection.revocation``).
        record.publicity_start, record.publicity_end = period.window(
            row.decision_date, row.publicity_deadline
        )
        record.awaiting_review = waits_for_review(definition, row.severity)
    version = _new_version(
        session,
        clock,
        actor,
        record,
        status=RecordStatus.REVOKED if revoked else RecordStatus.CORRECTED,
        reason=reason_corrected(objection.id),
        detail=text,
        payload=row.payload,
        sensitive_ciphertext=ciphertext,
        payload_hash=digest,
        source_organisation_id=actor.organisation_id,
    )
    if feed is not None:
        feed.follow(
            [representatives.Written(row, record.subject_id, record.id, version.version_no)]
        )
    # A report issued to another organisation showed the content now found wrong; like a
    # revoked or repaired record's, its kept content goes and the recipient asks for a new
    # report (which shows the correction). The subject's own reports stay.
    removed = retention.remove_contents_shown_to_others(
        session,
        clock,
        record.subject_id,
        record.received_at,
        reason=retention.REMOVED_RECORD_CORRECTED,
    )
    _complete(session, clock, actor, objection, status, version, report_contents_removed=removed)
    return version


def _require_written_consent(
    session: Session,
    clock: Clock,
    record: CreditRecord,
    definition: RecordTypeDefinition,
    row: ValidRow,
    changes: dict[str, str],
    before: dict[str, str],
) -> None:
    """Restricted information about a natural person that a correction adds or changes is
    collected by it, so Art. 11 ¶2 asks of it what it asks of an ingested row: a written
    consent after notice, on file for the source and the type (``consent.restricted_problem``,
    the pipeline's own rule). A value the record already held, sent again, is not."""
    collected = [
        name
        for name in row.restricted_fields
        if name in changes and row.sensitive.get(name) != before.get(name)
    ]
    if not collected:
        return
    subject = session.get(Subject, record.subject_id)
    if subject is None or subject.is_organisation:
        return
    granted = consents.active_consents(
        session, [subject.id], record.source_organisation_id, definition.code, clock.today()
    )
    problem = consents.restricted_problem(collected, granted.get(subject.id, []))
    if problem is not None:
        raise InvalidInput(
            problem.message, code=problem.code, field=problem.field, article=problem.article
        )


def withdraw(
    session: Session, clock: Clock, actor: Actor, objection_id: int, *, note: str
) -> RecordVersion:
    """The source withdraws the record from publication: a record past its period ends its
    publicity as the daily job would have; one that should not be public is kept but no
    longer published. The content is unchanged, but a report issued to another
    organisation may have shown it because it was public — the public version shows only
    public records, and every other report every public one — so, as on a correction, the
    kept contents of reports issued to others since it was received go (Art. 25); a new
    report shows what may be shown. The subject's own reports stay."""
    objection = _get(session, objection_id)
    _require_source(actor, objection, alters_data=True)
    status = next_status(objection.status, SOURCE, "withdraw", objection.ground)
    text = texts.visible(note)
    if not text:
        raise InvalidInput(
            "give the reason (Art. 24)", code="required", field="note", article="Art. 24"
        )
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    _lock_record(session, objection)
    version = _withdrawal(session, clock, actor, objection, text)
    removed = _close_reports_shown_to_others(session, clock, objection)
    _complete(session, clock, actor, objection, status, version, report_contents_removed=removed)
    return version


def stop_use(
    session: Session, clock: Clock, actor: Actor, objection_id: int, *, note: str
) -> RecordVersion:
    """The source takes a duplicate out of use, the answer to an objection upheld that the
    record is published twice (``rules.STOP_USE_GROUNDS``): the same decision counted twice
    in grades, reports to others, joint checks, red-list eligibility and statistics is
    counted once. The record is no longer published, shared or used — the status every
    reader leaves out (``revoked``, as a source's revocation and decision 0024's path for a
    deregistered source), its content unchanged, with a reason of its own and the source's
    note, which the subject reads in its own file's history (Art. 24) — and reports issued
    to others since it came lose their kept content."""
    objection = _get(session, objection_id)
    _require_source(actor, objection, alters_data=True)
    status = next_status(objection.status, SOURCE, "stop_use", objection.ground)
    text = texts.visible(note)
    if not text:
        raise InvalidInput(
            "say which record this one duplicates (Art. 24)",
            code="required",
            field="note",
            article="Art. 24",
        )
    if too_long(note, MAX_REASONS):
        raise InvalidInput(f"at most {MAX_REASONS} characters", code="too_long", field="note")
    # The version's detail is in the subject's file and reports (Art. 24).
    published_text.refuse_citizen_ids({"note": note}, today=clock.today())
    _lock_record(session, objection)
    version, removed = _out_of_use(
        session, clock, actor, objection, reason=reason_duplicate(objection.id), detail=text
    )
    _complete(session, clock, actor, objection, status, version, report_contents_removed=removed)
    return version


def _out_of_use(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection: RecordObjection,
    *,
    reason: str,
    detail: str,
    organisation_id: int | None = None,
) -> tuple[RecordVersion, int]:
    """The record no longer shared or used on an upheld objection: a version with the
    content unchanged and status ``revoked`` — the one status every reader leaves out of
    publication, files for others, reports, checks, grades and statistics (decision 0028) —
    its window ended and no review pending; and the kept contents of reports issued to
    others since it was received removed. Returns the version and how many reports."""
    record = record_of(session, objection)
    # Revoked by its source meanwhile (decision 0028): that revocation ended its window
    # and kept whether it waited for review; the record stays as it left it.
    revoked = record.status is RecordStatus.REVOKED
    yesterday = clock.today() - dt.timedelta(days=1)
    # A record deleted meanwhile keeps its tombstone's dates as they were (decision 0018).
    gone = record.status is RecordStatus.DELETED
    if not gone and record.publicity_end is not None and record.publicity_end > yesterday:
        record.publicity_end = yesterday
    pending_review = bool(record.awaiting_review)
    record.awaiting_review = False
    version = _new_version(
        session,
        clock,
        actor,
        record,
        status=RecordStatus.REVOKED,
        reason=reason,
        detail=detail,
        source_organisation_id=actor.organisation_id or organisation_id,
    )
    if not revoked and not gone:
        version.review_pending_when_revoked = pending_review
    # Out of use, a registration record no longer states its organisation's name (decision
    # 0050, session 22 addendum), as if its source had revoked it.
    registration_names.restate(
        session, clock, actor, record, version, basis="registration record out of use"
    )
    removed = retention.remove_contents_shown_to_others(
        session,
        clock,
        record.subject_id,
        record.received_at,
        reason=retention.REMOVED_RECORD_NO_LONGER_USED,
    )
    return version, removed


def _close_reports_shown_to_others(
    session: Session, clock: Clock, objection: RecordObjection
) -> int:
    """A record withdrawn from publication may have been in a report issued to another
    organisation because it was public: the kept contents of those issued since it was
    received go (Art. 25), whoever withdraws it. Returns how many."""
    record = record_of(session, objection)
    return retention.remove_contents_shown_to_others(
        session,
        clock,
        record.subject_id,
        record.received_at,
        reason=retention.REMOVED_RECORD_WITHDRAWN,
    )


def _withdrawal(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection: RecordObjection,
    note: str,
    *,
    organisation_id: int | None = None,
) -> RecordVersion:
    """The record withdrawn from publication, its content unchanged: a record past its
    period ends its publicity as the daily job would have; one that should not be public is
    kept but no longer published."""
    record = record_of(session, objection)
    yesterday = clock.today() - dt.timedelta(days=1)
    if record.status is RecordStatus.DELETED:
        # Deleted meanwhile (decision 0018): its tombstone keeps its dates, and the version
        # stays deleted (``_new_version``).
        new_status = RecordStatus.DELETED
    elif objection.ground is Ground.PAST_PERIOD:
        if record.publicity_end is None or record.publicity_end > yesterday:
            record.publicity_end = yesterday
        new_status = RecordStatus.EXPIRED
    else:
        record.publicity_start = record.publicity_end = None
        new_status = _prior_status(session, record)
    if record.status is RecordStatus.REVOKED:
        new_status = RecordStatus.REVOKED  # revoked meanwhile by its source (decision 0028)
    return _new_version(
        session,
        clock,
        actor,
        record,
        status=new_status,
        reason=reason_withdrawn(objection.id),
        detail=note,
        source_organisation_id=actor.organisation_id or organisation_id,
    )


# --- the credit authority in the place of a source gone for good -----------------------------


def cause_of(actor: Actor, action: str) -> dict[str, str | None] | None:
    """What a step the platform carries out as the system names as its cause in its audit
    event: the person's audited action that set it off (the handler's upholding, the
    officer's deregistration) — none when the system set it off itself (the daily job)."""
    if actor.kind == "system":
        return None
    return {"action": action, "actor": actor.audit().id}


def carry_out_for_deregistered_sources(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    source_organisation_id: int | None = None,
    cause_action: str = "institution.status",
) -> list[RecordObjection]:
    """Every upheld objection left to a source that is a deregistered credit service
    institution (that one, or all of them), carried out in its place (``departed_action``)
    by the platform — the system, not ``actor``: objection handlers alter no data
    (rules.md), and the officer who keeps the register is no objection handler. The
    institution's deregistration sets it off for its own cases (``actor`` the credit
    authority's officer, named in each event as the cause with the audited action
    ``cause_action``, and the credit authority as the organisation of the change), the credit authority's
    decision for a case it upholds later, and the daily job for any deregistered before
    this rule: a subject's remedy never waits for a source that is gone (Art. 25, 26;
    decision 0024)."""
    if not (
        actor.kind == "system"
        or has_permission(actor, Permission.MANAGE_INSTITUTIONS)
        or is_handler(actor)
    ):
        require(actor, Permission.MANAGE_INSTITUTIONS)
    departed = institutions.deregistered_organisations(
        session, None if source_organisation_id is None else [source_organisation_id]
    )
    if not departed:
        return []
    done: list[RecordObjection] = []
    # Every case's events after every case's rows: a case's event (or its organisation's
    # rename) written before the next case's removal of report contents held the audit
    # chain's head while that removal waited for a report a request held — a request that
    # then waited for the head (decision 0008, session 25 addendum).
    with audit.events_last(session):
        for objection in lock_upheld_of_sources(session, departed):
            # Read afresh when locked: a deregistration and the daily job at the same moment
            # carry each case out once; the later one finds it done and passes it by.
            if objection.status is not ObjectionStatus.UPHELD:
                continue
            _carry_out_in_place(
                session,
                clock,
                objection,
                organisation_id=actor.organisation_id,
                cause=cause_of(actor, cause_action),
            )
            done.append(objection)
    return done


def lock_upheld_of_sources(
    session: Session, organisation_ids: Collection[int]
) -> list[RecordObjection]:
    """The upheld objections left to these sources, locked and read afresh in the order of
    their ids, then their records in one statement in the order of theirs: every row a
    carrying out in their place changes, taken before its first audit event (the chain's
    head last, decision 0008, session 23 and 24 addenda). Case by case, the second case and
    its record were locked while the first's event held the head, and an officer holding
    that record (a repair decided, an objection raised) who then wrote an event deadlocked
    with it on PostgreSQL. A case no longer upheld once its lock is granted is left out
    (PostgreSQL rechecks the condition on a row it waited for). The deregistration takes
    them before its own event (``register.change_status``)."""
    if not organisation_ids:
        return []
    waiting = list(
        session.scalars(
            select(RecordObjection)
            .where(
                RecordObjection.status == ObjectionStatus.UPHELD,
                RecordObjection.source_organisation_id.in_(organisation_ids),
            )
            .order_by(RecordObjection.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    record_ids = sorted({objection.record_id for objection in waiting})
    if record_ids:
        # After the source's batches running (``records.locked_where``; session 25).
        collection_records.locked_where(session, CreditRecord.id.in_(record_ids))
    return waiting


def _carry_out_in_place(
    session: Session,
    clock: Clock,
    objection: RecordObjection,
    *,
    organisation_id: int | None,
    cause: dict[str, str | None] | None,
) -> RecordVersion:
    """What the platform can do with an upheld objection without its source: withdraw the
    record from publication on the grounds answered so, exactly as the source would have;
    otherwise the record is known wrong and nobody can say what it should say, so it is no
    longer shared or used — the status every reader leaves out (``revoked``, decision 0028),
    with a reason of its own — and reports issued to others since it came lose their kept
    content, as on a correction. The content is never changed: only its source could.
    Carried out by the system (``SYSTEM_ACTOR``), naming ``organisation_id`` as making the
    change — the credit authority whose decision or deregistration it carries out (none for
    the daily job) — and ``cause`` in its audit event (``cause_of``)."""
    actor = SYSTEM_ACTOR
    action = departed_action(objection.ground)
    status = next_status(objection.status, DEPARTED, action, objection.ground)
    _lock_record(session, objection)
    if action == "withdraw":
        version = _withdrawal(
            session, clock, actor, objection, IN_PLACE_NOTE, organisation_id=organisation_id
        )
        removed = _close_reports_shown_to_others(session, clock, objection)
    else:
        version, removed = _out_of_use(
            session,
            clock,
            actor,
            objection,
            reason=reason_no_longer_used(objection.id),
            detail=IN_PLACE_NOTE,
            organisation_id=organisation_id,
        )
    _complete(
        session,
        clock,
        actor,
        objection,
        status,
        version,
        report_contents_removed=removed,
        by_source=False,
        cause=cause,
    )
    return version


def _complete(
    session: Session,
    clock: Clock,
    actor: Actor,
    objection: RecordObjection,
    status: ObjectionStatus,
    version: RecordVersion,
    *,
    report_contents_removed: int = 0,
    by_source: bool = True,
    cause: dict[str, str | None] | None = None,
) -> None:
    now = clock.now()
    if objection.decided_at is None:  # the source upheld it by carrying it out
        objection.decided_at = now
        objection.decided_by = actor.audit().id
        objection.decided_by_source = True
        objection.decision_reasons = version.reason_detail
    objection.status = status
    objection.completed_at = now
    objection.completed_by = actor.audit().id
    objection.completed_by_source = by_source
    objection.result_version_no = version.version_no
    session.flush()
    # Within ``events_last`` when the platform carries cases out in a source's place.
    audit.record_soon(
        session,
        clock,
        actor.audit(),
        f"record_objection.{_COMPLETION_EVENTS[status]}",
        target_type="record_objection",
        target_id=objection.id,
        details={
            "record": objection.record_id,
            "version": version.version_no,
            "report_contents_removed": report_contents_removed,
            "by": "source" if by_source else "credit_authority",
            # Carried out by the system: whose audited act set it off (decision 0024).
            **({} if cause is None else {"cause": cause}),
        },
    )


_COMPLETION_EVENTS = {
    ObjectionStatus.CORRECTED: "correct",
    ObjectionStatus.WITHDRAWN: "withdraw",
    ObjectionStatus.NO_LONGER_USED: "no_longer_used",
}
