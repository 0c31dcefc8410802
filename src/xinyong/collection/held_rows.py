"""Rows held for review, and their review (Art. 4 ¶2, Art. 9, Art. 24; decision 0050).

The pipeline holds a row, rather than merge it into another's file or register a second
subject, when its code is registered under a name the row does not give
(``name_mismatch``) or it names a legal representative by a number registered under another
name (``legal_representative_mismatch``, decision 0038). A held row is decided by a person:

- the **source's data reporter**, for the source's own rows, and the **credit authority**,
  for the rows of the sources of its area (Art. 6), list them (``held_queue``: at most
  ``MAX_LISTED``, oldest first, with how many there are in all), read one (``held_row``: its
  values, decrypted, every citizen ID in them masked, and the subject its code is
  registered to, with the names it bears), and
- **release** it (``release``): the row goes through the pipeline as a batch of that one row
  for its source (channel ``review``), with the subject's name taken as if it had matched
  and every other check applied — the source's responsibility, consent, the legal
  representative's name, timeliness as of the day the row first arrived. A row the pipeline
  refuses again is not released (``release_refused``, with its problems): the reviewer
  rejects it instead. Or
- **reject** it (``reject``), with reasons.

Each decision names its reasons and is audited; reading a held row's content is audited,
and when the row is about a natural person it goes into that person's access log (official
duty), as a source's read of its own record does (decision 0028): the content and the
registered name may not be public. Another organisation's reviewer is answered as if the
row did not exist, and the refused attempt is audited naming the row and, for a person's
row, is in that person's access log (decision 0020). A row awaiting a decision keeps its content past the
batch's period (``quarantine.erase_past_period``); once decided it follows that period, and
a row decided after it has its content erased with the decision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyong import identifiers, published_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.audit import service as audit
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import FieldType, Sensitivity
from xinyong.catalog.models import RecordType
from xinyong.clock import CHINA, Clock
from xinyong.collection import members, pipeline, readers
from xinyong.collection.models import Batch, HeldRowResolution, QuarantinedRow, RowDisposition
from xinyong.collection.timeliness import DEFAULT_LATE_WORKING_DAYS, Waiting, waiting
from xinyong.collection.validation import RowValidator
from xinyong.crypto import default_cipher
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

ARTICLE = "Art. 4 ¶2"
CHANNEL = "review"
MAX_REASONS = 2000
MAX_LISTED = 200
READ_PURPOSE = (
    "deciding a row held because its name does not match the registered subject (Art. 4 ¶2)"
)
RESTRICTED_SHOWN = "***"
# Why another organisation's reviewer is refused a held row (answered as missing): what the
# refusal's event and the person's access log say (``_concealed``).
REFUSED_CODE = "not_held_row_reviewer"
REFUSED_MESSAGE = "only the row's source and the credit authority of its area review a held row"
REFUSED_ARTICLE = "Art. 6"


@dataclass(frozen=True)
class HeldRow:
    """A held row as the queue lists it: where it came from, its problems (which never hold
    its values) and its decision, if any."""

    id: int
    batch_id: int
    row_number: int
    organisation_id: int
    organisation_name: str
    record_type_code: str
    received_at: dt.datetime
    problems: list[dict[str, Any]]
    content_kept: bool
    resolution: str | None
    resolved_at: dt.datetime | None
    resolved_by: str | None
    reasons: str | None
    released_batch_id: int | None

    @property
    def awaiting(self) -> bool:
        return self.resolution is None

    @property
    def codes(self) -> list[str]:
        return [problem["code"] for problem in self.problems]


@dataclass(frozen=True)
class HeldContent:
    """One held row as its reviewer reads it: its values by field (citizen IDs masked, in
    free text too; restricted values not shown), the name it gives, and the subject its code is registered
    to with the names it bears (current first). ``values`` is None once the content was
    erased; ``subject`` None when the code names nobody on the platform (any more)."""

    row: HeldRow
    values: dict[str, str] | None
    name_given: str | None = None
    subject: Subject | None = None
    names_borne: list[str] = field(default_factory=list)

    @property
    def name_now_borne(self) -> bool:
        """Whether the subject bears the row's name by now (renamed since, decision 0050)."""
        return (
            self.subject is not None
            and self.name_given is not None
            and subjects.bears_name(self.subject, self.name_given)
        )


@dataclass(frozen=True)
class Released:
    row: HeldRow
    report: pipeline.BatchReport


def _reviewer(actor: Actor) -> None:
    require(actor, Permission.REVIEW_HELD_ROWS)


def _supervises(actor: Actor) -> bool:
    return has_permission(actor, Permission.SUPERVISE)


def _out(row: QuarantinedRow, batch: Batch, organisation_name: str, code: str) -> HeldRow:
    return HeldRow(
        id=row.id,
        batch_id=batch.id,
        row_number=row.row_number,
        organisation_id=batch.organisation_id,
        organisation_name=organisation_name,
        record_type_code=code,
        received_at=batch.received_at,
        problems=[
            {**problem, "message": identifiers.redact_citizen_ids(problem["message"])}
            for problem in row.problems
        ],
        content_kept=row.values_ciphertext is not None,
        resolution=row.resolution,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        reasons=row.resolution_reasons,
        released_batch_id=row.released_batch_id,
    )


@dataclass(frozen=True)
class HeldQueue:
    """A page of the held rows: at most ``limit`` of them, and how many there are in all
    (``total``), so that a queue cut short says so rather than looking complete."""

    rows: list[HeldRow]
    total: int
    limit: int

    @property
    def more(self) -> int:
        """How many rows there are beyond those listed."""
        return self.total - len(self.rows)


def waiting_times(
    session: Session, clock: Clock, rows: list[HeldRow], *, decide_within: int
) -> dict[int, Waiting]:
    """How long each row awaiting a decision has waited, by row id (Art. 4: a held row is a
    submission not yet made; ``timeliness.waiting``). Decided rows have no entry."""
    awaiting = [row for row in rows if row.awaiting]
    if not awaiting:
        return {}
    calendar = working_day_calendar(session)
    today = clock.today()
    return {
        row.id: waiting(calendar, row.received_at, today, decide_within=decide_within)
        for row in awaiting
    }


def _held_query(
    session: Session,
    actor: Actor,
    *,
    decided: bool,
    batch_id: int | None,
    organisation_id: int | None,
) -> Select[QuarantinedRow, Batch, str, str] | None:
    """The held rows the actor reviews, filtered; None when it reviews none."""
    _reviewer(actor)
    query = (
        select(QuarantinedRow, Batch, Organisation.name, RecordType.code)
        .join(Batch, Batch.id == QuarantinedRow.batch_id)
        .join(Organisation, Organisation.id == Batch.organisation_id)
        .join(RecordType, RecordType.id == Batch.record_type_id)
        .where(QuarantinedRow.disposition == RowDisposition.HELD)
    )
    if _supervises(actor):
        query = query.where(area.area_filter(session, actor, Batch.organisation_id))
    elif actor.organisation_id is None:
        return None
    else:
        query = query.where(Batch.organisation_id == actor.organisation_id)
    if organisation_id is not None:
        # In the query, before the limit: filtering the rows listed would drop a source's
        # rows beyond the first page of everyone's.
        query = query.where(Batch.organisation_id == organisation_id)
    if batch_id is not None:
        query = query.where(Batch.id == batch_id)
    if decided:
        return query.where(QuarantinedRow.resolution.is_not(None)).order_by(
            QuarantinedRow.resolved_at.desc(), QuarantinedRow.id.desc()
        )
    return query.where(QuarantinedRow.resolution.is_(None)).order_by(QuarantinedRow.id)


def held_queue(
    session: Session,
    actor: Actor,
    *,
    decided: bool = False,
    batch_id: int | None = None,
    organisation_id: int | None = None,
    limit: int | None = None,
) -> HeldQueue:
    """The held rows awaiting a decision (``decided``: those decided, latest first) of the
    actor's organisation — of every source of its area for the credit authority; of one
    source, ``organisation_id`` — oldest first: what waits longest is decided first. At
    most ``limit``, with the number there are in all. Nothing of their content: no read."""
    limit = MAX_LISTED if limit is None else limit
    query = _held_query(
        session, actor, decided=decided, batch_id=batch_id, organisation_id=organisation_id
    )
    if query is None:
        return HeldQueue([], 0, limit)
    rows = [_out(*found) for found in session.execute(query.limit(limit)).all()]
    total = len(rows)
    if total >= limit:
        total = (
            session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        )
    return HeldQueue(rows, total, limit)


def _own(
    session: Session, clock: Clock, actor: Actor, row_id: int, *, lock: bool = False
) -> tuple[QuarantinedRow, Batch, Organisation, str]:
    """The held row, if the actor may review it: its source's, or the credit authority of
    its source's area. Another organisation's row is answered as missing (its existence is
    not the caller's to learn), audited as the refused access it is (``_concealed``)."""
    _reviewer(actor)
    query = select(QuarantinedRow).where(QuarantinedRow.id == row_id)
    if lock:
        # Two reviewers deciding the same row at once: the second waits, then finds it decided.
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None or row.disposition is not RowDisposition.HELD:
        raise NotFound("no such held row", code="not_found", field="row")
    batch = session.get(Batch, row.batch_id)
    assert batch is not None
    organisation = session.get(Organisation, batch.organisation_id)
    record_type = session.get(RecordType, batch.record_type_id)
    assert organisation is not None
    assert record_type is not None
    supervises = _supervises(actor) and area.in_own_area(session, actor, batch.organisation_id)
    if not supervises and batch.organisation_id != actor.organisation_id:
        raise _concealed(session, clock, actor, row, organisation, record_type.code)
    if lock:
        # Its batch too, right after the row and before any audit event (``_decided``
        # reads it locked): a release writes the pipeline's batch event, taking the audit
        # chain's head, before it decides the row, while the daily job's erasure
        # (``quarantine.erase_past_period``) holds the batch and takes the head last — the
        # batch taken after the head deadlocked the two on PostgreSQL (decision 0008,
        # session 24 addendum).
        session.scalar(select(Batch.id).where(Batch.id == batch.id).with_for_update())
    return row, batch, organisation, record_type.code


def _concealed(
    session: Session,
    clock: Clock,
    actor: Actor,
    row: QuarantinedRow,
    organisation: Organisation,
    code: str,
) -> ConcealedRefusal:
    """Another organisation's held row, answered as missing and recorded after the
    rollback (``record_refusal``) as the refused access it is: the refusal's event names the
    row, and when the row is about a registered natural person the attempt is in that
    person's access log too, witnessed by the event, as a refused read of a list entry is
    (Art. 24; decision 0020). Its event says why it was refused, not what the caller was
    told."""
    from xinyong.disclosure import access

    row_id = row.id
    values = _values(row)
    person = None
    if values is not None:
        validator = _validator(session, clock, organisation, code, list(values))
        subject, _name = _registered(session, validator, values)
        if subject is not None and not subject.is_organisation:
            person = subject
    reason = {"code": REFUSED_CODE, "article": REFUSED_ARTICLE, "held_row": row_id}
    if person is None:

        def record(after: Session, details: dict[str, Any]) -> None:
            audit.record(
                after,
                clock,
                actor.audit(),
                access.REFUSED_ACTION,
                outcome="refused",
                target_type="quarantined_row",
                target_id=row_id,
                details={**details, **reason},
            )

    else:
        refused = access.refusal(
            session,
            clock,
            actor,
            person,
            access.HELD_ROW,
            PermissionDenied,
            REFUSED_MESSAGE,
            REFUSED_CODE,
            article=REFUSED_ARTICLE,
        )
        in_persons_log = refused.record_refusal
        assert in_persons_log is not None

        def record(after: Session, details: dict[str, Any]) -> None:
            in_persons_log(after, {**details, **reason})

    return ConcealedRefusal(
        "no such held row", code="not_found", field="row", record_refusal=record
    )


def _values(row: QuarantinedRow) -> dict[str, str] | None:
    if row.values_ciphertext is None:
        return None
    values: dict[str, str] = json.loads(
        default_cipher().decrypt(row.values_ciphertext, context=pipeline.QUARANTINE_CONTEXT)
    )
    return values


def _validator(
    session: Session, clock: Clock, organisation: Organisation, code: str, headers: list[str]
) -> RowValidator:
    definition = catalog.effective_rule(session, code, organisation.jurisdiction).definition
    return RowValidator(
        definition,
        headers,
        today=clock.today(),
        own_party=members.own_party(session, organisation) if definition.own_party_field else None,
    )


def held_row(session: Session, clock: Clock, actor: Actor, row_id: int) -> HeldContent:
    """One held row with its content, for its reviewer to decide: audited
    (``held_row.read``); a row about a natural person goes into that person's access log."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    row, batch, organisation, code = _own(session, clock, actor, row_id)
    shown = _out(row, batch, organisation.name, code)
    values = _values(row)
    if values is None:
        return HeldContent(shown, None)
    validator = _validator(session, clock, organisation, code, list(values))
    today = clock.today()
    specs = {spec.name: spec for spec in validator.definition.fields}
    by_field = validator.fields_of(values)
    for name, value in by_field.items():
        spec = specs[name]
        if not value:
            continue
        if spec.type is FieldType.CITIZEN_ID:
            by_field[name] = identifiers.redact_citizen_ids(value)
        elif spec.sensitivity is Sensitivity.RESTRICTED:
            # Not needed to tell whether the row is the subject's (Art. 11 ¶2).
            by_field[name] = RESTRICTED_SHOWN
        else:
            # A number in free text (当事人…（身份证号…）) is masked as in a citizen-ID field
            # (Art. 4; decision 0037): the reviewer judges a name, not a number.
            by_field[name] = identifiers.mask_citizen_ids(value, today=today)
    subject, name_given = _registered(session, validator, values)
    logged = None
    if subject is not None and not subject.is_organisation:
        logged = access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.OFFICIAL_DUTY,
            what=access.HELD_ROW,
            purpose=READ_PURPOSE,
            chained=False,
        )
    audit.record(
        session,
        clock,
        actor.audit(),
        "held_row.read",
        target_type="quarantined_row",
        target_id=row.id,
        details={
            "batch": batch.id,
            "row": row.row_number,
            **({"subject": subject.id} if subject is not None else {}),
            **(logged.details() if logged is not None else {}),
        },
    )
    return HeldContent(
        shown,
        by_field,
        name_given=identifiers.mask_citizen_ids(name_given, today=today) or None,
        subject=subject,
        names_borne=_names_borne(subject) if subject is not None else [],
    )


def _registered(
    session: Session, validator: RowValidator, values: dict[str, str]
) -> tuple[Subject | None, str]:
    """The subject the row's code is registered to, and the name the row gives. By the code
    as the pipeline normalised it, not by validating the row again: held under an earlier
    rule, the row may not validate under today's (a length tightened since), and it is
    still that subject's row, its reading still a use of that person's information
    (Art. 24)."""
    personal, subject_code, name_given = validator.subject_codes(values)
    if subject_code is None:
        return None, name_given
    if personal:
        return subjects.by_citizen_id(session, subject_code), name_given
    return subjects.by_uscc(session, subject_code), name_given


def _names_borne(subject: Subject) -> list[str]:
    current = [row.name for row in subject.names if row.current]
    former = [row.name for row in reversed(subject.names) if not row.current and row.borne]
    return list(dict.fromkeys([subject.name, *current, *former]))


def _reasons(reasons: str, today: dt.date) -> str:
    text = texts.visible(reasons)
    if not text:
        raise InvalidInput("give the reasons for the decision", code="required", field="reasons")
    if len(text) > MAX_REASONS:
        raise InvalidInput(f"at most {MAX_REASONS} characters", code="too_long", field="reasons")
    # Kept with the row and shown to both sides after its content is erased: no number in
    # clear (decision 0004).
    published_text.refuse_citizen_ids({"reasons": text}, today=today)
    return text


def _awaiting(row: QuarantinedRow) -> None:
    if row.resolution is not None:
        raise Conflict(
            "this held row was decided already",
            code="held_row_decided",
            field="row",
            article=ARTICLE,
        )


def _decided(
    session: Session,
    row: QuarantinedRow,
    batch: Batch,
    clock: Clock,
    actor: Actor,
    resolution: HeldRowResolution,
    reasons: str,
) -> None:
    row.resolution = resolution.value
    row.resolved_at = clock.now()
    row.resolved_by = actor.audit().id
    row.resolution_reasons = reasons
    # Read afresh: the daily job marks batches with a bulk update the session's objects miss.
    # And locked as the job locks it (``quarantine.erase_past_period``): a decision made
    # while the job runs otherwise reads the batch unmarked, the job skips the row still
    # awaiting, and the decided row keeps its content for ever. Locked, one waits for the
    # other: the decision then sees the batch marked and erases, or the job (its rows read
    # after the lock) finds the row decided and erases it.
    erased_at = session.scalar(
        select(Batch.quarantine_erased_at).where(Batch.id == batch.id).with_for_update()
    )
    if erased_at is not None:
        # The batch's period ended while the row awaited its decision: now decided, it
        # follows the period (decision 0021) and its content goes with the decision.
        row.values_ciphertext = None


def _release_refused(
    clock: Clock,
    actor: Actor,
    row_id: int,
    organisation_id: int,
    problems: list[dict[str, Any]],
    persons: frozenset[int],
) -> Callable[[Session], None]:
    """A release refused after the pipeline found its person by ID number: rolled back,
    but audited (``held_row.release_refused``, the problems' codes) and, as a committed
    batch's held or refused row is, in the person's access log, witnessed by that event
    (``pipeline.log_lookups``; Art. 24, 34). Written as the refusal's aftermath."""

    def after(session: Session) -> None:
        logged = pipeline.log_lookups(session, clock, actor, organisation_id, persons)
        audit.record(
            session,
            clock,
            actor.audit(),
            "held_row.release_refused",
            target_type="quarantined_row",
            target_id=row_id,
            outcome="refused",
            details={
                "problems": sorted({str(p["code"]) for p in problems}),
                **logged.details(),
            },
        )

    return after


def release(
    session: Session,
    clock: Clock,
    actor: Actor,
    row_id: int,
    reasons: str,
    *,
    late_after_working_days: int = DEFAULT_LATE_WORKING_DAYS,
) -> Released:
    """Release a held row under the subject its code is registered to: through the
    pipeline (``pipeline.Release``), every check but the name's applied; refused
    (``release_refused``, 422, with the problems) when the pipeline refuses or holds it
    again, and then nothing is written. Audited (``held_row.release``) with the batch it
    went through."""
    row, batch, organisation, code = _own(session, clock, actor, row_id, lock=True)
    text = _reasons(reasons, clock.today())
    _awaiting(row)
    values = _values(row)
    if values is None:
        raise Conflict(
            "the content of this held row was erased; it can only be rejected, and the "
            "source submits the row again from its own file",
            code="held_row_content_erased",
            field="row",
            article=ARTICLE,
        )
    body = json.dumps(values, ensure_ascii=False, sort_keys=True).encode()
    submitted_on = batch.received_at.astimezone(CHINA).date()
    savepoint = session.begin_nested()
    report = pipeline.ingest(
        session,
        clock,
        actor,
        pipeline.Submission(
            organisation=organisation,
            record_type_code=code,
            channel=CHANNEL,
            # Its key (``release:{id}``) is the pipeline's, which no client may send.
            content_hash=hashlib.sha256(body).hexdigest(),
        ),
        list(values),
        [readers.RawRow(row.row_number, values)],
        late_after_working_days=late_after_working_days,
        release=pipeline.Release(row.id, submitted_on),
    )
    if report.batch.rejected or report.batch.held:
        problems = [
            {"field": p.field, "code": p.code, "message": p.message, "article": p.article}
            for p in report.problems
        ]
        persons = report.persons_refused
        savepoint.rollback()
        raise InvalidInput(
            "the row is refused on release for another reason than its name: reject it, "
            "and the source corrects the row and submits it again",
            code="release_refused",
            field="row",
            details={"problems": problems},
            aftermath=_release_refused(clock, actor, row.id, organisation.id, problems, persons),
        )
    savepoint.commit()
    _decided(session, row, batch, clock, actor, HeldRowResolution.RELEASED, text)
    row.released_batch_id = report.batch.id
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "held_row.release",
        target_type="quarantined_row",
        target_id=row.id,
        details={
            "batch": batch.id,
            "row": row.row_number,
            "released_batch": report.batch.id,
            "created": report.batch.created,
            "updated": report.batch.updated,
            "unchanged": report.batch.unchanged,
            "reasons": text,
        },
    )
    return Released(_out(row, batch, organisation.name, code), report)


def reject(session: Session, clock: Clock, actor: Actor, row_id: int, reasons: str) -> HeldRow:
    """Reject a held row, with reasons: it is not the registered subject's, or not as it
    stands; the source corrects it and submits it again. Audited (``held_row.reject``)."""
    row, batch, organisation, code = _own(session, clock, actor, row_id, lock=True)
    text = _reasons(reasons, clock.today())
    _awaiting(row)
    _decided(session, row, batch, clock, actor, HeldRowResolution.REJECTED, text)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "held_row.reject",
        target_type="quarantined_row",
        target_id=row.id,
        details={"batch": batch.id, "row": row.row_number, "reasons": text},
    )
    return _out(row, batch, organisation.name, code)
