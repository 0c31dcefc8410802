"""A source revokes a record it submitted (记录撤销): the administrative decision behind it
was annulled on administrative reconsideration or by a court, or withdrawn by the organ
itself (行政处罚决定被撤销/撤回). The source answers for its data (Art. 12), so only its
staff who submit records revoke; like every change, it is a new version with actor, source
and reason (Art. 24). The effects are a repair's (``repair.service.decide``): the record
is no longer public, shared or used, a list entry resting on it is removed, and reports
issued to others that may show it no longer open (decision 0028).

A revocation is undone by the same staff (``reinstate``) when the annulling decision was
itself set aside, or the record was revoked in error: the record becomes what it would be
had it never been revoked (decision 0028, addendum)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text, texts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordType
from xinyong.clock import CHINA, Clock
from xinyong.collection import records, registration_names
from xinyong.collection.content import REASON_UPDATED, carries_source_content, waits_for_review
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


def _own_record(
    session: Session, actor: Actor, record_id: int, *, reading: bool = False
) -> CreditRecord:
    """The record, if the actor is a data reporter of its source; ``reading``: the refusal
    says it is the source's read of it that is refused, not a revocation. Revoking and
    reinstating read it locked and afresh (``records.locked``): an objection or a repair
    at the same moment is taken before or after, never a version numbered alike."""
    require(actor, Permission.SUBMIT_RECORDS)
    record = session.get(CreditRecord, record_id) if reading else records.locked(session, record_id)
    if record is None:
        raise NotFound("no such record", code="not_found", field="record")
    if not is_source_reporter(actor, record):
        raise PermissionDenied(
            "only the unit that submitted a record reads it here, with its history"
            if reading
            else "only the unit that submitted a record revokes it",
            code="not_source",
            field="record",
            article=ARTICLE,
        )
    return record


def _text(value: str, name: str, limit: int) -> str:
    text = texts.visible(value)
    if not text:
        raise InvalidInput(f"give the {name.replace('_', ' ')}", code="required", field=name)
    if len(text) > limit:
        raise InvalidInput(f"at most {limit} characters", code="too_long", field=name)
    return text


def _source_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    *,
    status: RecordStatus,
    reason: str,
    detail: str,
    review_pending_when_revoked: bool | None = None,
) -> RecordVersion:
    """The source's revoking or reinstating version: the content of the current one, the
    status given, with the record's date, severity and window as the caller has set them
    (``records.version_of``)."""
    like = current_version(session, record)
    now = clock.now()
    version = version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=like.payload,
        sensitive_ciphertext=like.sensitive_ciphertext,
        payload_hash=like.payload_hash,
        status=status,
        reason=reason,
        reason_detail=detail,
        source_organisation_id=actor.organisation_id,
        actor=actor.audit().id,
        created_at=now,
    )
    version.review_pending_when_revoked = review_pending_when_revoked
    session.add(version)
    record.current_version_no += 1
    record.status = status
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
    # The revoking version's detail is in the subject's file and report (Art. 24).
    published_text.refuse_citizen_ids(
        {"document_number": number, "reason": text}, today=clock.today()
    )
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
    pending_review = bool(record.awaiting_review)
    record.awaiting_review = False
    version = _source_version(
        session,
        clock,
        actor,
        record,
        status=RecordStatus.REVOKED,
        reason=reason_revoked(ground),
        detail=f"{number}: {text}",
        review_pending_when_revoked=pending_review,
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
    # A registration record revoked no longer states its organisation's name: the one in
    # force does, or the name first registered (decision 0050, session 22 addendum).
    registration_names.restate(
        session, clock, actor, record, version, basis="registration record revoked"
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


# --- reinstatement: undoing a revocation -------------------------------------------------------

# Why the revocation no longer stands.
REINSTATEMENT_GROUNDS = (
    "revocation_set_aside",  # the annulling or withdrawing decision was itself set aside
    "revoked_in_error",  # the source revoked the wrong record, or revoked it by mistake
)
# The grounds on which the number of the decision setting the annulment aside is required.
NUMBER_REQUIRED = frozenset({"revocation_set_aside"})
REINSTATED_PREFIX = "reinstated by source"

# The objection open when the record was revoked, as it stands now (``Facts.objection``).
ObjectionOutcome = Literal[
    "open", "rejected", "unconfirmed", "corrected", "withdrawn_past_period", "withdrawn_not_public"
]


def reason_reinstated(ground: str) -> str:
    """The version's reason: the ground in it, so pages translate it (``web.labels``)."""
    return f"{REINSTATED_PREFIX} ({ground})"


@dataclass(frozen=True)
class Facts:
    """What the reinstatement reads to work out the record as it would be had it never
    been revoked. ``status`` and ``window`` are the version's before the revocation."""

    status: RecordStatus
    window: tuple[dt.date | None, dt.date | None]
    # Whether the record was still waiting for its confidentiality review when revoked.
    review_pending: bool
    # The last status before the revocation that was not ``under_objection``.
    status_before_objection: RecordStatus
    # The objection open when it was revoked (status ``under_objection``), as it ends now.
    objection: ObjectionOutcome | None
    # The day a withdrawal "past its period" of that objection was made.
    withdrawn_on: dt.date | None
    # Set when the repair the record rested on was revoked for fraud while the record was
    # revoked: the status of the version before the repair (``repair.service.fraud``).
    status_before_repair: RecordStatus | None
    # The window the current content gives, when a correction or re-submission while the
    # record was revoked changed its decision date, severity or deadline.
    recomputed_window: tuple[dt.date | None, dt.date | None] | None
    # New content while revoked (re-submitted, or corrected after an objection), of a type
    # reviewed before publicity: ingestion or the correction would have queued it for the
    # review (``collection.content``).
    review_for_resubmission: bool
    today: dt.date


@dataclass(frozen=True)
class Reinstated:
    status: RecordStatus
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    awaiting_review: bool


def reinstated(facts: Facts) -> Reinstated:
    """The record as it would be had it never been revoked (pure; property-tested):

    * an objection still open: ``under_objection``; one decided meanwhile as the decision
      makes it — rejected or unconfirmed, the status before the objection; corrected,
      ``corrected``; withdrawn past its period, ``expired`` with the window ended the day
      before the withdrawal; withdrawn as not to be public, the status before the
      objection without a window;
    * ``repaired`` stays so, unless the repair was revoked for fraud meanwhile: the status
      before the repair;
    * otherwise the status before the revocation; its window comes back, or the window of
      the content corrected or re-submitted meanwhile;
    * a record waiting for its confidentiality review waits again (so does re-submitted
      content of a reviewed type); ordinary expiry applies to an active or corrected one."""
    status = facts.status
    start, end = facts.window
    if status is RecordStatus.UNDER_OBJECTION:
        match facts.objection:
            case "rejected" | "unconfirmed":
                status = facts.status_before_objection
            case "corrected":
                status = RecordStatus.CORRECTED
            case "withdrawn_past_period":
                status = RecordStatus.EXPIRED
                if start is not None and facts.withdrawn_on is not None:
                    last = facts.withdrawn_on - dt.timedelta(days=1)
                    end = last if end is None else min(end, last)
            case "withdrawn_not_public":
                status = facts.status_before_objection
                start = end = None
            case _:  # still open (or not found): the objection is decided first
                pass
    if status is RecordStatus.REPAIRED and facts.status_before_repair is not None:
        status = facts.status_before_repair
    withdrawn = facts.objection in ("withdrawn_past_period", "withdrawn_not_public")
    if facts.recomputed_window is not None and not withdrawn:
        start, end = facts.recomputed_window
        if status is RecordStatus.EXPIRED:
            # New content for an expired record opens its window again, as ingestion does.
            status = RecordStatus.ACTIVE
    awaiting = facts.review_pending or (
        facts.review_for_resubmission and start is not None and not withdrawn
    )
    if (
        status in (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
        and end is not None
        and end < facts.today
    ):
        status = RecordStatus.EXPIRED  # as the nightly job would have marked it
    return Reinstated(status, start, end, awaiting)


@dataclass(frozen=True)
class Reinstatement:
    version: RecordVersion
    awaiting_review: bool
    list_entries_restored: list[int]


def out_of_use_on_objection(session: Session, record_id: int) -> int | None:
    """The objection whose upheld outcome took the record out of use (status
    ``no_longer_used``: a duplicate, or a deregistered source's record found wrong), or
    None. Its ``revoked`` status is the objection's, not a revocation's to undo."""
    from xinyong.objections.models import ObjectionStatus, RecordObjection

    return session.scalar(
        select(RecordObjection.id)
        .where(
            RecordObjection.record_id == record_id,
            RecordObjection.status == ObjectionStatus.NO_LONGER_USED,
        )
        .order_by(RecordObjection.id.desc())
        .limit(1)
    )


def _revoking_version(session: Session, record: CreditRecord) -> RecordVersion:
    """The revocation in force: the latest revoking version."""
    found = session.scalar(
        select(RecordVersion)
        .where(
            RecordVersion.record_id == record.id,
            RecordVersion.status == RecordStatus.REVOKED,
            RecordVersion.reason.startswith(REASON_PREFIX + " ("),
        )
        .order_by(RecordVersion.version_no.desc())
        .limit(1)
    )
    assert found is not None, "a revoked record has a revoking version"
    return found


def _facts(
    session: Session, clock: Clock, record: CreditRecord, revoking: RecordVersion
) -> tuple[Facts, int | None]:
    """The facts of ``reinstated`` from the record's versions, its objection and its
    repair; with the repair case revoked for fraud meanwhile, if any."""
    from xinyong.objections.models import OPEN, Ground, ObjectionStatus, RecordObjection
    from xinyong.repair.models import RepairCase, RepairStatus

    versions = list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record.id)
            .order_by(RecordVersion.version_no)
        )
    )
    by_no = {v.version_no: v for v in versions}
    before = by_no[revoking.version_no - 1]
    earlier = [v for v in versions if v.version_no < revoking.version_no]
    later = [v for v in versions if v.version_no > revoking.version_no]
    status_before_objection = next(
        (
            v.status
            for v in reversed(earlier)
            if v.status not in (RecordStatus.UNDER_OBJECTION, RecordStatus.REVOKED)
        ),
        RecordStatus.ACTIVE,
    )
    definition = catalog.governing_rule(session, record).definition
    disclosure = definition.disclosure

    def reviewed(severity: str) -> bool:
        from xinyong.catalog.definitions import Severity

        return waits_for_review(definition, Severity(severity))

    # Every revoking version says so (``revoke``; migration 0035 filled in those made
    # before 0026). Were one to say nothing, the record waits: a reinstatement never
    # publishes unreviewed.
    pending = revoking.review_pending_when_revoked is not False

    outcome: ObjectionOutcome | None = None
    withdrawn_on: dt.date | None = None
    if before.status is RecordStatus.UNDER_OBJECTION:
        objection = session.scalar(
            select(RecordObjection)
            .where(RecordObjection.record_id == record.id)
            .order_by(RecordObjection.id.desc())
            .limit(1)
        )
        if objection is None or objection.status in OPEN:
            outcome = "open"
        elif objection.status is ObjectionStatus.WITHDRAWN:
            if objection.ground is Ground.PAST_PERIOD:
                outcome = "withdrawn_past_period"
                done = objection.completed_at or clock.now()
                withdrawn_on = done.astimezone(CHINA).date()
            else:
                outcome = "withdrawn_not_public"
        elif objection.status is ObjectionStatus.CORRECTED:
            outcome = "corrected"
        elif objection.status is ObjectionStatus.UNCONFIRMED:
            outcome = "unconfirmed"
        else:
            outcome = "rejected"

    status_before_repair: RecordStatus | None = None
    fraud_case: int | None = None
    if before.status is RecordStatus.REPAIRED:
        case = session.scalar(
            select(RepairCase)
            .where(RepairCase.record_id == record.id, RepairCase.result_version_no.is_not(None))
            .order_by(RepairCase.id.desc())
            .limit(1)
        )
        if case is not None and case.status is RepairStatus.REVOKED:
            assert case.result_version_no is not None
            status_before_repair = by_no[case.result_version_no - 1].status
            fraud_case = case.id

    # Content corrected or re-submitted while revoked: the window its date, severity and
    # deadline give, as the correction or ingestion would have set it. A record withdrawn
    # from publication on an objection keeps the window the withdrawal left (ingestion).
    withdrawn_ever = session.scalar(
        select(RecordObjection.id)
        .where(
            RecordObjection.record_id == record.id,
            RecordObjection.status == ObjectionStatus.WITHDRAWN,
        )
        .limit(1)
    )
    current = versions[-1]
    resubmitted = any(v.reason == REASON_UPDATED for v in later)
    # Content the source wrote while the record was revoked — re-submitted or corrected
    # after an objection — was never reviewed: published again, it waits (Art. 12(3)).
    new_content = any(carries_source_content(v.reason) for v in later)
    changed = (
        current.decision_date,
        current.severity,
        current.payload.get("publicity_deadline"),
    ) != (
        before.decision_date,
        before.severity,
        before.payload.get("publicity_deadline"),
    )
    recomputed = None
    if (
        changed
        and withdrawn_ever is None
        and (resubmitted or before.publicity_start is not None or before.publicity_end is not None)
    ):
        from xinyong.catalog.definitions import Severity

        deadline_text = current.payload.get("publicity_deadline")
        deadline = dt.date.fromisoformat(str(deadline_text)) if deadline_text else None
        recomputed = disclosure.period(Severity(current.severity)).window(
            current.decision_date, deadline
        )
    return (
        Facts(
            status=before.status,
            window=(before.publicity_start, before.publicity_end),
            review_pending=pending,
            status_before_objection=status_before_objection,
            objection=outcome,
            withdrawn_on=withdrawn_on,
            status_before_repair=status_before_repair,
            recomputed_window=recomputed,
            review_for_resubmission=new_content and reviewed(current.severity),
            today=clock.today(),
        ),
        fraud_case,
    )


def reinstate(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    ground: str,
    document_number: str,
    reason: str,
) -> Reinstatement:
    """The source undoes its revocation of a record: the annulling decision was set aside
    (its number required) or the record was revoked in error. A new version with the
    content unchanged and the status, publicity window and review state the record would
    have had it never been revoked (``reinstated``); list entries the revocation removed
    are published again while their term runs. Report contents deleted at the revocation
    stay deleted: the recipients ask for new reports."""
    from xinyong.lists.entries import restore_entries_resting_on
    from xinyong.lists.red_list_exit import end_for_subject as end_red_entries_for_subject

    record = _own_record(session, actor, record_id)
    if ground not in REINSTATEMENT_GROUNDS:
        raise InvalidInput(
            f"ground must be one of {', '.join(REINSTATEMENT_GROUNDS)}",
            code="invalid_choice",
            field="ground",
        )
    if ground in NUMBER_REQUIRED:
        number: str | None = _text(document_number, "document_number", MAX_DOCUMENT_NUMBER)
    else:
        number = document_number.strip() or None
        if number is not None and len(number) > MAX_DOCUMENT_NUMBER:
            raise InvalidInput(
                f"at most {MAX_DOCUMENT_NUMBER} characters",
                code="too_long",
                field="document_number",
            )
    text = _text(reason, "reason", MAX_TEXT)
    published_text.refuse_citizen_ids(
        {"document_number": number, "reason": text}, today=clock.today()
    )
    if record.status is not RecordStatus.REVOKED:
        raise Conflict(
            f"only a revoked record is reinstated; this one is {record.status.value}",
            code="not_revoked",
            field="record",
            article=ARTICLE,
        )
    objection_number = out_of_use_on_objection(session, record.id)
    if objection_number is not None:
        # Upheld and carried out (Art. 25): a duplicate, or a wrong record its deregistered
        # source could not correct. No revocation of the source's is what keeps it out.
        raise Conflict(
            f"the record was taken out of use on objection {objection_number}, upheld; a "
            "reinstatement undoes a revocation, not an objection's outcome",
            code="out_of_use_on_objection",
            field="record",
            article="Art. 25",
        )
    revoking = _revoking_version(session, record)
    facts, _fraud_case = _facts(session, clock, record, revoking)
    after = reinstated(facts)
    record.publicity_start = after.publicity_start
    record.publicity_end = after.publicity_end
    record.awaiting_review = after.awaiting_review
    version = _source_version(
        session,
        clock,
        actor,
        record,
        status=after.status,
        reason=reason_reinstated(ground),
        detail=f"{number}: {text}" if number else text,
    )
    restored: list[int] = []
    # The entries restored and ended are locked before the first event takes the audit
    # chain's head (decision 0008 addenda).
    with audit.events_last(session):
        if after.status is not RecordStatus.REPAIRED:
            # An entry the revocation removed comes back; so does one a repair removed that
            # was revoked for fraud while the record was revoked, as the fraud would have
            # brought it back (``fraud_case``): the restoration asks only that every record
            # an entry rests on stands again (decision 0043).
            restored = restore_entries_resting_on(
                session,
                clock,
                actor,
                record.id,
                event=f"record reinstated: {number or ground}",
            )
        # The record counts again: a red-list entry it leaves short of its standard ends.
        end_red_entries_for_subject(session, clock, record.subject_id)
    # A registration record states its organisation's name again, as the latest statement.
    registration_names.restate(
        session, clock, actor, record, version, basis="registration record reinstated"
    )
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "record.reinstate",
        target_type="credit_record",
        target_id=record.id,
        details={
            "ground": ground,
            "document_number": number,
            "status_before": RecordStatus.REVOKED.value,
            "status_after": after.status.value,
            "version": version.version_no,
            "revocation_version": revoking.version_no,
            "awaiting_review": after.awaiting_review,
            "list_entries_restored": restored,
        },
    )
    return Reinstatement(version, after.awaiting_review, restored)


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
    # The objection whose upheld outcome took the record out of use, if any.
    out_of_use_objection: int | None = None

    @property
    def revocable(self) -> bool:
        return self.record.status in REVOCABLE

    @property
    def reinstatable(self) -> bool:
        return self.record.status is RecordStatus.REVOKED and self.out_of_use_objection is None


def source_record(session: Session, clock: Clock, actor: Actor, record_id: int) -> SourceRecord:
    """One record as its source sees it, to revoke it: type, subject, status and the
    versions with their sources and reasons. The record names its subject and may not be
    public, so the read goes into the subject's access log (official duty)."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    record = _own_record(session, actor, record_id, reading=True)
    record_type = session.get(RecordType, record.record_type_id)
    subject = session.get(Subject, record.subject_id)
    source = session.get(Organisation, record.source_organisation_id)
    assert record_type is not None
    assert subject is not None
    assert source is not None
    definition = catalog.governing_rule(session, record).definition
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
        out_of_use_objection=out_of_use_on_objection(session, record.id)
        if record.status is RecordStatus.REVOKED
        else None,
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
    shown: set[int] = set()
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
        shown.add(subject.id)
        if len(found) >= MAX_FOUND:
            break
    # One statement and one audit event for the whole answer.
    access.log_uses(
        session,
        clock,
        actor,
        [access.Use(subject_id) for subject_id in sorted(shown)],
        path=LegalPath.OFFICIAL_DUTY,
        what=access.SOURCE_RECORD,
        purpose=READ_PURPOSE,
    )
    return found
