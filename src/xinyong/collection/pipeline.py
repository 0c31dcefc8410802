"""The one ingestion pipeline behind the API, the CLI and the upload page (Art. 9–11).

A batch is written in the caller's transaction: every accepted row, every quarantined
row and the batch report commit together or not at all. Rows are handled in chunks
with set-based queries and bulk inserts, so a million-row file streams in flat memory.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from sqlalchemy import any_, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from xinyong import calendar_store, identifiers, texts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Category, Polarity, Severity
from xinyong.clock import Clock
from xinyong.collection import consent as consents
from xinyong.collection import hooks, members, registration_names, sources
from xinyong.collection import legal_representatives as representatives
from xinyong.collection.content import REASON_CREATED as REASON_CREATED  # re-exported
from xinyong.collection.content import REASON_UPDATED as REASON_UPDATED  # re-exported
from xinyong.collection.content import waits_for_review
from xinyong.collection.models import (
    Batch,
    BatchStatus,
    CreditRecord,
    QuarantinedRow,
    RecordStatus,
    RecordVersion,
    RowDisposition,
)
from xinyong.collection.readers import RawRow
from xinyong.collection.timeliness import DEFAULT_LATE_WORKING_DAYS
from xinyong.collection.validation import Problem, RowValidator, ValidRow
from xinyong.crypto import default_cipher
from xinyong.db import locks
from xinyong.db.bulk import BulkWriter, batch_cache, refresh_statistics
from xinyong.db.ids import allocate_ids
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.subjects import name_index, names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectKind, SubjectName

if TYPE_CHECKING:
    from xinyong.disclosure.access import Logged

# Rows the source had no basis to send at all, whose content is therefore not kept even
# encrypted for it to correct (``_quarantine``): content never to be collected (Art. 11 ¶3),
# a person's data without the consent it needs (Art. 11 ¶1, ¶2), a market body's record
# about a non-member or outside its own business (Art. 10 ¶1, decision 0032), and negative
# market information past the five years it may be kept (rules.md, 征信业管理条例 Art. 16).
_NOT_KEPT = frozenset(
    {
        "prohibited_content",
        "consent_required",
        "written_consent_required",
        "not_a_member",
        "not_own_business",
        "past_retention",
    }
)
CHUNK_ROWS = 5000
# The lock a batch takes before it registers its first new subject, held to its end
# (``_BatchRun._take_turn``; decision 0006, addendum of session 20).
REGISTERING = "subjects:registering"
SENSITIVE_CONTEXT = "record_version.sensitive"
QUARANTINE_CONTEXT = "quarantined_row.values"
PAYLOAD_HASH_CONTEXT = "record_version.payload"


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str | None
    code: str
    message: str
    article: str | None
    disposition: RowDisposition


@dataclass
class BatchReport:
    batch: Batch
    record_type_code: str
    problems: list[RowProblem] = field(default_factory=list)
    replayed: bool = False
    # The natural persons already on the platform the batch found by ID number (its rows'
    # subjects, the legal representatives they name): what a dry run told its submitter
    # about them (``record_dry_run``).
    persons_found: frozenset[int] = frozenset()
    # Those of them named by a row the batch held or rejected: what a committed batch told
    # its submitter about them beyond the records it wrote (``ingest``, ``log_lookups``).
    persons_refused: frozenset[int] = frozenset()

    @property
    def all_accepted(self) -> bool:
        return self.batch.rejected == 0 and self.batch.held == 0

    def as_dict(self) -> dict[str, Any]:
        batch = self.batch
        return {
            "batch_id": batch.id,
            "status": batch.status.value,
            "replayed": self.replayed,
            "record_type": self.record_type_code,
            "rows": batch.rows_total,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "held": batch.held,
            "late": batch.late,
            "awaiting_review": batch.awaiting_review,
            "new_subjects": batch.new_subjects,
            "unknown_columns": batch.unknown_columns,
            # The rows' content is erased after a period, their problems stay (decision 0021).
            "quarantined_content_erased_at": (
                batch.quarantine_erased_at.isoformat() if batch.quarantine_erased_at else None
            ),
            "problems": [
                {
                    "row": p.row,
                    "field": p.field,
                    "code": p.code,
                    "message": p.message,
                    "article": p.article,
                    "disposition": p.disposition.value,
                }
                for p in self.problems
            ],
        }


@dataclass(frozen=True)
class Release:
    """A held row released by its reviewer (``collection.held_rows``, decision 0050): run
    as a batch of that one row for its source, with the subject's name taken as if it had
    matched and every other check applied; late or not as of the day its batch was first
    received (Art. 4), not the day of the release."""

    held_row_id: int
    submitted_on: dt.date


@dataclass(frozen=True)
class Submission:
    organisation: Organisation
    record_type_code: str
    channel: str  # api, cli, page
    content_hash: str
    idempotency_key: str | None = None
    filename: str | None = None


def stored_filename(filename: str | None) -> str | None:
    """A file's name as the batch keeps and shows it: with what reads as a citizen ID
    masked, as a file's headers are (``_headers_shown``). Clerks name files after their
    content ("张三350102…处罚决定.xlsx"), and the name reaches the source's and the credit
    authority's pages and the API; the platform never keeps a number in clear (decision
    0004), wherever the file came from (the page, ``xinyong import``)."""
    return identifiers.redact_citizen_ids(filename) if filename else filename


def content_hash_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


# The keys the platform gives batches itself, in the per-source namespace of the clients'
# `Idempotency-Key` (decision 0006): a file's content, a held row's release (decision 0050).
# A client's key may not begin so: it would be taken for the platform's batch — a release
# then refused as `idempotency_key_reused` for a header its reviewer never sent, or
# "replayed" as the client's batch.
RESERVED_KEY_PREFIXES = ("content:", "release:")


def _idempotency_key(submission: Submission, release: Release | None) -> str:
    if release is not None:
        return f"release:{release.held_row_id}"
    key = submission.idempotency_key
    if key is None:
        return f"content:{submission.record_type_code}:{submission.content_hash}"
    if key.startswith(RESERVED_KEY_PREFIXES):
        raise InvalidInput(
            "this idempotency key is of a form the platform keeps for its own batches: "
            "choose another",
            code="idempotency_key_reserved",
            field="Idempotency-Key",
            details={"reserved_prefixes": list(RESERVED_KEY_PREFIXES)},
        )
    return key


def batches_running(organisation_id: int, record_type_id: int) -> str:
    """The name a batch of the source's records of the type locks to its end: another
    batch of them waits for it, and so does a step that locks many records at once
    (``records.locked_where``), since a batch locks its changed records chunk by chunk."""
    return f"records:{organisation_id}:{record_type_id}"


def ingest(
    session: Session,
    clock: Clock,
    actor: Actor,
    submission: Submission,
    headers: list[str],
    rows: Iterable[RawRow],
    *,
    late_after_working_days: int = DEFAULT_LATE_WORKING_DAYS,
    progress: Callable[[int], None] | None = None,
    release: Release | None = None,
) -> BatchReport:
    """Validate, resolve and record one batch; see the module docstring. A ``release`` is
    decided by its reviewer, whose permission ``held_rows.release`` checked: the source's
    data reporter or the credit authority, for the source."""
    organisation = submission.organisation
    if release is None:
        require(actor, Permission.SUBMIT_RECORDS)
        if actor.kind != "system" and actor.organisation_id != organisation.id:
            raise PermissionDenied(
                "staff submit only for their own organisation",
                code="other_organisation",
                article="Art. 12",
            )
    standing = institutions.standing_problem(session, organisation)
    if standing is not None:
        # A credit service institution outside the active register collects nothing, on
        # whatever consents it holds (Art. 26): its own staff are refused by their actor
        # already; this is the operator's import for it (``xinyong import --source``).
        raise PermissionDenied(
            standing.message, code=standing.code, field="source", article=standing.article
        )
    rule = catalog.effective_rule(session, submission.record_type_code, organisation.jurisdiction)
    definition = rule.definition
    if definition.self_declared:
        raise InvalidInput(
            "self-declarations are made by the subject itself",
            code="self_declared_type",
            field="type",
            article="Art. 10 ¶2",
        )
    article = "Art. 9" if definition.category == "public" else "Art. 10 ¶1"
    if organisation.kind.value not in definition.submitter_kinds:
        raise PermissionDenied(
            f"{texts.a(organisation.kind.value)} may not submit {definition.name_zh} "
            f"({definition.name_en}) records",
            code="submitter_kind_not_allowed",
            field="type",
            article=article,
        )
    if not sources.is_responsible(session, organisation.id, rule.record_type.id):
        raise PermissionDenied(
            f"{definition.name_zh} ({definition.name_en}) is not on this organisation's "
            "responsibility list",
            code="not_responsible",
            field="type",
            article=article,
        )
    key = _idempotency_key(submission, release)
    # The same batch sent again while the first is still running (a client's retry, a
    # double click) waits for it and, once it is committed, is answered as its replay.
    # Another batch of the source's records of this type waits too: one bringing a record
    # the running one brings as new would otherwise fail on its natural key when the first
    # commits; after it, it finds the record and compares (decision 0006 addendum).
    locks.lock_names(
        session,
        [f"batch:{organisation.id}:{key}", batches_running(organisation.id, rule.record_type.id)],
    )
    previous = session.scalar(
        select(Batch).where(Batch.organisation_id == organisation.id, Batch.idempotency_key == key)
    )
    if previous is not None:
        if (
            previous.content_hash != submission.content_hash
            or previous.record_type_id != rule.record_type.id
        ):
            raise Conflict(
                "this idempotency key was used for a different batch",
                code="idempotency_key_reused",
                field="Idempotency-Key",
            )
        return BatchReport(
            previous,
            submission.record_type_code,
            _stored_problems(session, previous),
            replayed=True,
        )

    batch = Batch(
        organisation_id=organisation.id,
        record_type_id=rule.record_type.id,
        record_type_version_id=rule.version.id,
        channel=submission.channel,
        idempotency_key=key,
        content_hash=submission.content_hash,
        filename=stored_filename(submission.filename),
        submitted_by=actor.audit().id,
        status=BatchStatus.COMPLETED,
        received_at=clock.now(),
        unknown_columns=[],
    )
    session.add(batch)
    session.flush()
    run = _BatchRun(
        session, clock, actor, batch, rule, organisation, headers, late_after_working_days, release
    )
    validator = run.validator
    if headers and not validator.columns and not validator.prohibited_columns:
        # Not a file of this record type (or its header row is missing): every row would be
        # rejected for every required field. Refuse the file instead, saying what was expected.
        expected = [f"{spec.label_zh} ({spec.name})" for spec in definition.fields if spec.required]
        raise InvalidInput(
            # Both names, as a required field's message gives both labels: the pages say
            # it in their language.
            f"none of the file's columns is a field of {definition.name_zh} "
            f"({definition.name_en}): expected "
            f"headers such as {', '.join(expected[:6])}",
            code="no_known_columns",
            field="headers",
            details={"unknown_columns": _headers_shown(headers[:50]), "required_fields": expected},
        )
    # The events of the batch's steps — a registration row's rename
    # (``registration_names.follow``), the hooks' changes to list entries — are written once
    # every row they lock is locked, after the last chunk: the audit chain's head, which
    # every audited request needs, is taken last and held only for the events (decision
    # 0008 addenda).
    with audit.events_last(session):
        with batch_cache(session):
            for chunk in _chunks(rows, CHUNK_ROWS):
                # A chunk short of the size is the last: nothing is read after it.
                run.process(chunk, last=len(chunk) < CHUNK_ROWS)
                if progress is not None:
                    progress(len(chunk))
            run.finish()
        if batch.rows_total == 0:
            # A header row alone (or an empty list) would be reported as a batch of nothing
            # with no problems: say so instead, with the required columns it lacks besides.
            present = {spec.name for _header, spec in validator.columns}
            missing = [
                f"{spec.label_zh} ({spec.name})"
                for spec in definition.fields
                if spec.required and spec.name not in present
            ]
            message = "the file has no rows, only its header row"
            if missing:
                message += f"; it also lacks the required columns {', '.join(missing)}"
            raise InvalidInput(
                message, code="no_rows", field="rows", details={"missing_required": missing}
            )
        if hooks.wanted(submission.record_type_code) and run.touched:
            hooks.run(session, clock, submission.record_type_code, run.touched)
        if (
            (batch.created or batch.updated)
            and definition.category == Category.PUBLIC
            and definition.polarity == Polarity.NEGATIVE
        ):
            # A public negative record may leave a red-listed subject short of its standard
            # (decision 0041): one statement for the batch, whatever its size.
            hooks.run_negative(session, clock, rule.record_type.id, run.now)
    found = run.persons_found | (run.register_feed.found if run.register_feed else set())
    # Only persons registered before the batch: a person it registered, or an organisation
    # whose row was refused, was found by no ID number.
    refused = frozenset(run.refused_persons & found)
    logged = log_lookups(session, clock, actor, organisation.id, refused)
    audit.record(
        session,
        clock,
        actor.audit(),
        "batch.ingest",
        target_type="batch",
        target_id=batch.id,
        details={
            "record_type": submission.record_type_code,
            "rule": rule.source_label,
            "channel": submission.channel,
            "rows": batch.rows_total,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "held": batch.held,
            "new_subjects": batch.new_subjects,
            **({"persons_looked_up": len(refused)} if refused else {}),
            **logged.details(),
        },
    )
    # By row, as a replay reads them back (held rows are found after the rejected ones).
    return BatchReport(
        batch,
        submission.record_type_code,
        sorted(run.problems, key=lambda p: p.row),
        persons_found=frozenset(found),
        persons_refused=refused,
    )


def log_lookups(
    session: Session, clock: Clock, actor: Actor, organisation_id: int, persons: Iterable[int]
) -> Logged:
    """A committed batch's lookups by ID number, in each found person's access log
    (``person_lookup``, on the source's official duty), unwitnessed: the caller's audit
    event carries the returned ``Logged.details()``. Only the persons named by a row held
    or rejected (its subject, or the legal representative a registration row names): the
    report told the submitter that the number is registered, and — ``name_mismatch``,
    ``legal_representative_mismatch`` — that the name is not the one registered with it,
    as a dry run's did (decision 0050 addendum), and the source could then reject its own
    held row, leaving nothing that names the person (Art. 24, 34). A row accepted about a
    person is the record in their own file, with its source and version, and a legal
    representative fed into the register has his own entry
    (``responsible_person_registered``); logging those too would write an entry for every
    person of a file each time a source re-sends it whole. The operator's import
    (``xinyong import``, the system) is logged as the source's, for whom it runs."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    return access.log_uses(
        session,
        clock,
        _for_source(actor, organisation_id),
        [access.Use(person_id) for person_id in sorted(persons)],
        path=LegalPath.OFFICIAL_DUTY,
        what=access.PERSON_LOOKUP,
        purpose=access.BATCH_PURPOSE,
        chained=False,
    )


def _for_source(actor: Actor, organisation_id: int) -> Actor:
    # The system imports for a source (``xinyong import --source``): the person's log
    # names the organisation whose file it was, not nobody.
    if actor.kind == "system" and actor.organisation_id is None:
        return dataclasses.replace(actor, organisation_id=organisation_id)
    return actor


@dataclass(frozen=True)
class DryRun:
    """What a dry run (a batch ingested, then rolled back) is kept as: its counts for the
    audit, and the persons it found by ID number. Taken from its report before the
    rollback expires the batch."""

    record_type_code: str
    channel: str
    counts: dict[str, int]
    persons_found: tuple[int, ...]
    organisation_id: int | None = None


def dry_run_of(report: BatchReport) -> DryRun:
    batch = report.batch
    return DryRun(
        report.record_type_code,
        batch.channel,
        {
            "rows": batch.rows_total,
            "created": batch.created,
            "updated": batch.updated,
            "rejected": batch.rejected,
            "held": batch.held,
            "new_subjects": batch.new_subjects,
        },
        tuple(sorted(report.persons_found)),
        batch.organisation_id,
    )


def record_dry_run(session: Session, clock: Clock, actor: Actor, dry_run: DryRun) -> None:
    """A dry run, after its rollback: audited (``batch.dry_run``, counts only), and in the
    access log of every person it found by ID number, witnessed by that event. Its report
    tells whether a number is registered and whether a name is the one registered with it
    (``name_mismatch``, ``new_subjects``): without this a data reporter could test numbers,
    and names against them, a file at a time and unseen — as the consent form and the
    list proposal may not be used to (Art. 24, 34; review r6 of session 20)."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    logged = access.log_uses(
        session,
        clock,
        actor if dry_run.organisation_id is None else _for_source(actor, dry_run.organisation_id),
        [access.Use(person_id) for person_id in dry_run.persons_found],
        path=LegalPath.OFFICIAL_DUTY,
        what=access.PERSON_LOOKUP,
        purpose=access.DRY_RUN_PURPOSE,
        chained=False,
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        "batch.dry_run",
        target_type="record_type",
        target_id=None,
        details={
            "record_type": dry_run.record_type_code,
            "channel": dry_run.channel,
            **dry_run.counts,
            "persons_found": len(dry_run.persons_found),
            **logged.details(),
        },
    )


def _stored_problems(session: Session, batch: Batch) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for row in session.scalars(
        select(QuarantinedRow)
        .where(QuarantinedRow.batch_id == batch.id)
        .order_by(QuarantinedRow.row_number)
    ):
        for p in row.problems:
            field_name = p.get("field")
            # Masked as read too: a batch stored before problems were masked may hold a
            # citizen ID in a message (the document type column holding the number).
            problems.append(
                RowProblem(
                    row.row_number,
                    identifiers.redact_citizen_ids(field_name) if field_name else field_name,
                    p["code"],
                    identifiers.redact_citizen_ids(p["message"]),
                    p.get("article"),
                    row.disposition,
                )
            )
    return problems


def _headers_shown(headers: Iterable[str]) -> list[str]:
    """A file's headers as a report or a refusal names them: a file without its header
    row has its first row's values there, a citizen ID among them (rules.md)."""
    return [identifiers.redact_citizen_ids(header) for header in headers]


# Statuses a changed re-submission does not change (decisions 0022, 0023, 0028).
_KEPT_ON_RESUBMISSION = frozenset(
    {RecordStatus.UNDER_OBJECTION, RecordStatus.REPAIRED, RecordStatus.REVOKED}
)

_RECORD_COLUMNS = (
    "id",
    "record_type_id",
    "subject_id",
    "source_organisation_id",
    "natural_key",
    "status",
    "current_version_no",
    "decision_date",
    "received_at",
    "updated_at",
    "severity",
    "publicity_start",
    "publicity_end",
    "awaiting_review",
    "late",
    "working_days_to_submit",
    "self_declared",
    "rule_source",
    "payload_hash",
)
_VERSION_COLUMNS = (
    "record_id",
    "version_no",
    "payload",
    "sensitive_ciphertext",
    "payload_hash",
    "status",
    # The decision date, severity and publicity window in force with the version (the
    # record row has the current one's, decision 0025).
    "decision_date",
    "severity",
    "publicity_start",
    "publicity_end",
    "reason",
    "batch_id",
    "source_organisation_id",
    "actor",
    "created_at",
)
_SUBJECT_COLUMNS = (
    "id",
    "kind",
    "reference",
    "name",
    "name_normalised",
    "uscc",
    "uscc_unverified",
    "citizen_id_ciphertext",
    "citizen_id_index",
    "citizen_id_masked",
    "division",
    "created_at",
)
# PostgreSQL: new subjects pass through a staging table on their way into ``subject``
# (``_BatchRun._insert_subjects``), dropped with the transaction.
_STAGED_SUBJECTS = "subject_incoming"
# (Names and columns are the module's constants, nothing from outside.)
_SUBJECT_COLUMN_LIST = ", ".join(_SUBJECT_COLUMNS)
_STAGE_SUBJECTS = text(
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGED_SUBJECTS} ON COMMIT DROP AS "  # noqa: S608
    f"SELECT {_SUBJECT_COLUMN_LIST} FROM subject WITH NO DATA"
)
_INSERT_STAGED_SUBJECTS = text(
    f"INSERT INTO subject ({_SUBJECT_COLUMN_LIST}) SELECT {_SUBJECT_COLUMN_LIST} "  # noqa: S608
    # In the COPY's order, Python's (code points): collations other than "C" differ.
    f'FROM {_STAGED_SUBJECTS} ORDER BY coalesce(uscc, citizen_id_index) COLLATE "C" '
    "ON CONFLICT DO NOTHING RETURNING id"
)
_CLEAR_STAGED_SUBJECTS = text(f"TRUNCATE {_STAGED_SUBJECTS}")
_SUBJECT_NAME_COLUMNS = ("subject_id", "name", "normalised", "core", "current")
_QUARANTINE_COLUMNS = ("batch_id", "row_number", "disposition", "problems", "values_ciphertext")
# The same canonical JSON as json.dumps(..., ensure_ascii=False, sort_keys=True), without
# building an encoder per call.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


class _CanonicalPayload:
    """``_CANONICAL.encode`` for a payload of one record type, in a third of the time: the
    record type's field names, sorted and quoted once per batch, then each present value
    quoted by the json module's own C function. Anything but text values under those
    names goes through the encoder itself, so the output is always the same text."""

    def __init__(self, field_names: Iterable[str]) -> None:
        self._prefixes = [(name, encode_basestring(name) + ": ") for name in sorted(field_names)]

    def __call__(self, payload: dict[str, str]) -> str:
        try:
            parts = [
                prefix + encode_basestring(payload[name])
                for name, prefix in self._prefixes
                if name in payload
            ]
        except TypeError:
            return _CANONICAL.encode(payload)
        if len(parts) != len(payload):
            return _CANONICAL.encode(payload)
        return "{" + ", ".join(parts) + "}"


# PostgreSQL: refresh the planner's statistics once the batch has added this many records,
# then each time it has doubled them (see db.bulk.refresh_statistics).
_ANALYSE_AFTER = 10_000
# Lookups of existing records go in slices, to keep each statement's parameters bounded.
_LOOKUP_SLICE = 500
# What a batch reads of the records it may change: to compare, to version and to keep their
# publicity window. The same columns when they are locked before the change (PostgreSQL).
_EXISTING_COLUMNS = select(
    CreditRecord.id,
    CreditRecord.natural_key,
    CreditRecord.payload_hash,
    CreditRecord.current_version_no,
    CreditRecord.status,
    CreditRecord.publicity_start,
    CreditRecord.publicity_end,
)


def _key_fingerprint(natural_key: str) -> int:
    # A 128-bit fingerprint instead of the key itself: a million-row batch remembers every
    # key it wrote, and the strings would take hundreds of MB. At 128 bits a collision is
    # as unlikely as one of the payload hashes that already decide "unchanged".
    return int.from_bytes(hashlib.blake2b(natural_key.encode(), digest_size=16).digest())


_LOW64 = (1 << 64) - 1


class _SeenKeys:
    """Fingerprints of the natural keys a batch wrote (or found unchanged), each with its
    payload hash's first 128 bits: a dict for the latest keys, then sorted runs of 64-bit
    halves in arrays, 32 bytes a key instead of ~130 in a dict of ints."""

    RUN = 250_000  # a million-row batch: a dict of up to 250k keys and at most three runs

    def __init__(self) -> None:
        self._latest: dict[int, int] = {}
        self._runs: list[tuple[array[int], array[int], array[int], array[int]]] = []

    def get(self, fingerprint: int) -> int | None:
        found = self._latest.get(fingerprint)
        if found is not None or not self._runs:
            return found
        high, low = fingerprint >> 64, fingerprint & _LOW64
        for highs, lows, content_highs, content_lows in self._runs:
            at = bisect_left(highs, high)
            while at < len(highs) and highs[at] == high:
                if lows[at] == low:
                    return (content_highs[at] << 64) | content_lows[at]
                at += 1
        return None

    def add(self, fingerprint: int, content: int) -> None:
        self._latest[fingerprint] = content
        if len(self._latest) >= self.RUN:
            run: tuple[array[int], array[int], array[int], array[int]] = (
                array("Q"),
                array("Q"),
                array("Q"),
                array("Q"),
            )
            for key in sorted(self._latest):
                content_of = self._latest[key]
                run[0].append(key >> 64)
                run[1].append(key & _LOW64)
                run[2].append(content_of >> 64)
                run[3].append(content_of & _LOW64)
            self._runs.append(run)
            self._latest = {}


class _IdRanges:
    """Ids allocated by this batch, as runs of consecutive ids (they nearly always are)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []  # inclusive

    def add(self, ids: list[int]) -> None:
        for sid in sorted(ids):
            if self._ends and sid == self._ends[-1] + 1:
                self._ends[-1] = sid
            elif not self._ends or sid > self._ends[-1]:
                self._starts.append(sid)
                self._ends.append(sid)
            else:  # allocation grows (max+1, a sequence), so this is not expected
                at = bisect_right(self._starts, sid)
                self._starts.insert(at, sid)
                self._ends.insert(at, sid)

    def __contains__(self, sid: object) -> bool:
        if not isinstance(sid, int):
            return False
        at = bisect_right(self._starts, sid) - 1
        return at >= 0 and sid <= self._ends[at]


class _BatchRun:
    def __init__(
        self,
        session: Session,
        clock: Clock,
        actor: Actor,
        batch: Batch,
        rule: catalog.EffectiveRule,
        organisation: Organisation,
        headers: list[str],
        late_after_working_days: int,
        release: Release | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.actor = actor
        self.batch = batch
        self.rule = rule
        self.definition = rule.definition
        self.organisation = organisation
        self.today = clock.today()
        self.now = clock.now()
        self.release = release
        # The day the row reached the platform, from which timeliness counts (Art. 4).
        self.submitted_on = release.submitted_on if release is not None else self.today
        definition = rule.definition
        # A registration row names its organisation as registered (decision 0050): a name
        # other than its current one — new, or a former one borne again — renames it once
        # the row is written (``_renamed``).
        self.renames: dict[int, str] | None = (
            {} if registration_names.states_name(definition.code) else None
        )
        self.validator = RowValidator(
            definition,
            headers,
            today=self.today,
            own_party=members.own_party(session, organisation)
            if definition.own_party_field
            else None,
        )
        # Art. 10 ¶1: a members-only type is recorded about the submitter's members only,
        # by its register as it stands for this batch (one query).
        self.member_register = (
            members.periods(session, organisation.id) if definition.members_only else None
        )
        self.not_a_member = Problem(
            "not_a_member",
            "the subject was not a member of your association on the record's date: an "
            "association records its members' credit information only, as their membership "
            "agreement provides; add the membership to your member register first",
            definition.subject_uscc_field or definition.subject_citizen_id_field,
            members.ARTICLE,
        )
        self.batch.unknown_columns = _headers_shown(self.validator.unknown_columns)
        self.calendar = calendar_store.working_day_calendar(session)
        self.late_after = late_after_working_days
        self.cipher = default_cipher()
        self.payload_index = self.cipher.blind_indexer(context=PAYLOAD_HASH_CONTEXT)
        self.canonical_payload = _CanonicalPayload(spec.name for spec in rule.definition.fields)
        self.citizen_index = self.cipher.blind_indexer(context=subjects.CITIZEN_ID_CONTEXT)
        self.problems: list[RowProblem] = []
        # Natural keys written (or found unchanged) earlier in this batch → payload hash,
        # both as 128-bit fingerprints (see _key_fingerprint).
        self.seen_keys = _SeenKeys()
        # Subjects registered by this batch have no records but the ones it writes itself.
        self.new_subject_ids = _IdRanges()
        self.actor_id = actor.audit().id
        self.quarantine: list[tuple[Any, ...]] = []
        # Records created or changed, for domains that react to this record type.
        self.collect_touched = hooks.wanted(rule.definition.code)
        self.touched: list[int] = []
        # Registration records feed the register of responsible persons (Art. 18, decision
        # 0038); every other type pays one comparison per batch for it.
        self.register_feed = (
            representatives.Feed(
                session,
                clock,
                actor,
                source_organisation_id=organisation.id,
                source=self._feed_source,
                basis=self._feed_basis,
                take_turn=self._take_turn,
            )
            if representatives.feeds_register(rule.definition.code)
            else None
        )
        self.written: list[representatives.Written] = []
        # The persons already registered that the batch's rows were found to be
        # (``BatchReport.persons_found``); a person it registers is not among them.
        self.persons_found: set[int] = set()
        # The subjects of the rows held or rejected, and the known persons such rows name
        # (``BatchReport.persons_refused``): its persons among them go into their logs.
        self.refused_persons: set[int] = set()
        self.last_chunk = False
        self.registering = False
        self.timing: dict[tuple[dt.date, Severity, dt.date | None], tuple[Any, ...]] = {}
        self.records_written = 0
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.analyse_at = _ANALYSE_AFTER
        self.record_writer = BulkWriter(session, CreditRecord.__table__, _RECORD_COLUMNS)
        self.version_writer = BulkWriter(
            session, RecordVersion.__table__, _VERSION_COLUMNS, raw_columns=frozenset({"payload"})
        )
        self.subject_writer = BulkWriter(session, Subject.__table__, _SUBJECT_COLUMNS)
        self.staged_subject_writer = BulkWriter(
            session, Subject.__table__, _SUBJECT_COLUMNS, into=_STAGED_SUBJECTS
        )
        self.name_writer = BulkWriter(session, SubjectName.__table__, _SUBJECT_NAME_COLUMNS)
        self.name_index = name_index.BulkIndex(session)
        self.quarantine_writer = BulkWriter(session, QuarantinedRow.__table__, _QUARANTINE_COLUMNS)

    def _any_of(self, column: Any, values: list[Any]) -> Any:
        """``column IN (values)``; on PostgreSQL as ``= ANY(array)``, one parameter that
        the server parses and plans far faster than hundreds of separate ones."""
        if self.postgres:
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    # -- per chunk -----------------------------------------------------------------
    def process(self, chunk: list[RawRow], *, last: bool) -> None:
        self.batch.rows_total += len(chunk)
        self.last_chunk = last
        valid: list[ValidRow] = []
        raw_by_number: dict[int, dict[str, str]] = {}
        validate = self.validator.validate
        refused: list[tuple[int, dict[str, str], list[Problem]]] = []
        for raw in chunk:
            result = validate(raw.number, raw.values, raw.formulas)
            if result.__class__ is list:
                refused.append((raw.number, raw.values, result))
            elif self.member_register is not None and not self._member(result):  # type: ignore[arg-type]
                # Before the subject is looked up or registered: nothing is recorded about it.
                refused.append((raw.number, raw.values, [self.not_a_member]))
            else:
                valid.append(result)  # type: ignore[arg-type]
                raw_by_number[raw.number] = raw.values
        if refused:
            unlawful, looked_up = self._without_basis(refused)
            for number, values, problems in refused:
                person = looked_up.get(number)
                self._quarantine(
                    number,
                    values,
                    problems,
                    RowDisposition.REJECTED,
                    keep=number not in unlawful,
                    persons=() if person is None else (person,),
                )
        if valid:
            resolved = self._resolve_subjects(valid, raw_by_number)
            if self.register_feed is None:
                self._write_records(resolved, raw_by_number)
            else:
                self._write_registrations(resolved, raw_by_number)
        self._flush_quarantine()

    def _write_registrations(
        self, rows: list[tuple[ValidRow, int]], raw_by_number: dict[int, dict[str, str]]
    ) -> None:
        """Registration records, and the legal representatives they name into the register
        (``legal_representatives``): a row naming a known ID under another name is held
        before anything of it is written."""
        feed = self.register_feed
        assert feed is not None
        accepted, refused = feed.check(rows)
        for row, problem in refused:
            disposition = (
                RowDisposition.HELD
                if problem.code == representatives.MISMATCH
                else RowDisposition.REJECTED
            )
            person = feed.refused_known.get(row.number)
            self._quarantine(
                row.number,
                raw_by_number[row.number],
                [problem],
                disposition,
                persons=() if person is None else (person,),
            )
        self.written = []
        self._write_records(accepted, raw_by_number)
        if self.renames:
            self._renamed()
        # The persons it registers on the platform are subjects first seen in this batch.
        self.batch.new_subjects += feed.follow(self.written)
        self.written = []

    def _renamed(self) -> None:
        """The organisations this chunk's registration rows, written as new versions, name
        by a name other than their current one: renamed in the batch's transaction
        (decision 0050 and its session 22 addendum)."""
        assert self.renames is not None
        renamed = [
            registration_names.Renamed(
                written.organisation_id,
                name,
                {
                    "batch": self.batch.id,
                    "record": written.record_id,
                    "version": written.version_no,
                },
            )
            for written in self.written
            if (name := self.renames.pop(written.row.number, None)) is not None
        ]
        self.renames.clear()
        registration_names.follow(self.session, self.clock, self.actor, renamed)

    def _feed_source(self, written: representatives.Written) -> dict[str, Any]:
        return {
            "batch": self.batch.id,
            "record": written.record_id,
            "version": written.version_no,
        }

    def _feed_basis(self, written: representatives.Written) -> str:
        return (
            f"registration record {written.record_id} version {written.version_no}, "
            f"batch {self.batch.id}"
        )

    def _member(self, row: ValidRow) -> bool:
        assert self.member_register is not None
        return members.member_on(self.member_register, row.uscc, row.decision_date)

    def _quarantine(
        self,
        number: int,
        values: dict[str, str],
        problems: list[Problem],
        disposition: RowDisposition,
        *,
        keep: bool = True,
        persons: Iterable[int] = (),
    ) -> None:
        # What the source had no basis to send (``_NOT_KEPT``; ``keep`` false for a row
        # refused before its consent was asked, ``_without_basis``) is not kept even
        # encrypted for the source to correct: keeping it would be collecting it. The
        # problems say what was refused; a source that gains the basis sends the row again
        # from its own file. Of the rest, only the record type's own fields are kept
        # (decision 0021).
        keep_values = keep and not any(p.code in _NOT_KEPT for p in problems)
        ciphertext = None
        if keep_values:
            ciphertext = self.cipher.encrypt(
                _CANONICAL.encode(self.validator.declared(values)), context=QUARANTINE_CONTEXT
            )
        self.quarantine.append(
            (self.batch.id, number, disposition, [p.as_dict() for p in problems], ciphertext)
        )
        for p in problems:
            self.problems.append(
                RowProblem(number, p.field, p.code, p.message, p.article, disposition)
            )
        if disposition is RowDisposition.HELD:
            self.batch.held += 1
        else:
            self.batch.rejected += 1
        self.refused_persons.update(persons)

    def _without_basis(
        self, refused: list[tuple[int, dict[str, str], list[Problem]]]
    ) -> tuple[set[int], dict[int, int]]:
        """The refused rows whose values the platform may not keep: about a natural person
        (or maybe, ``RowValidator.about_person``) when no consent in force covers this
        organisation and type — for a type not public by law, or for a restricted value,
        which needs a written consent after notice (Art. 11 ¶1, ¶2) — as a valid row's
        consent is decided in ``_resolve_subjects``. A number that is no well-formed ID
        finds no consent. One query for the persons and one for their consents. Also the
        persons so found, by row."""
        needs_consent = not self.definition.public_by_law_for_natural_persons
        # A type not kept about persons: no consent covers a person's row (Art. 11 ¶1).
        never = not self.validator.kept_about_persons
        asked: dict[int, tuple[str | None, bool]] = {}
        unlawful: set[int] = set()
        for number, values, _problems in refused:
            personal, citizen_id, restricted = self.validator.about_person(values)
            if personal and never:
                unlawful.add(number)
            elif personal and (needs_consent or restricted):
                asked[number] = (citizen_id, restricted)
        looked_up: dict[int, int] = {}
        if not asked:
            return unlawful, looked_up
        index_of = {
            citizen_id: self.citizen_index(citizen_id)
            for citizen_id, _restricted in asked.values()
            if citizen_id
        }
        people = self._people(list(set(index_of.values())))
        person_ids = [sid for sid, _normalised in people.values()]
        in_force = (
            consents.active_consents(
                self.session, person_ids, self.organisation.id, self.definition.code, self.today
            )
            if person_ids
            else {}
        )
        for number, (citizen_id, restricted) in asked.items():
            found = people.get(index_of[citizen_id]) if citizen_id else None
            if found is not None:
                looked_up[number] = found[0]
            granted = in_force.get(found[0], []) if found else []
            if (needs_consent and not granted) or (
                restricted and not consents.written_with_notice(granted)
            ):
                unlawful.add(number)
        return unlawful, looked_up

    def _people(self, indexes: list[str]) -> dict[str, tuple[int, str]]:
        """Persons known by these blind indexes: index → (id, normalised name)."""
        found: dict[str, tuple[int, str]] = {}
        for start in range(0, len(indexes), _LOOKUP_SLICE):
            for sid, index, normalised in self.session.execute(
                select(Subject.id, Subject.citizen_id_index, Subject.name_normalised).where(
                    self._any_of(Subject.citizen_id_index, indexes[start : start + _LOOKUP_SLICE])
                )
            ):
                found[str(index)] = (sid, normalised)
                self.persons_found.add(sid)
        return found

    def _flush_quarantine(self) -> None:
        if self.quarantine:
            self.quarantine_writer.insert(self.quarantine)
            self.quarantine = []

    # -- subjects ------------------------------------------------------------------
    def _resolve_subjects(
        self, rows: list[ValidRow], raw_by_number: dict[int, dict[str, str]]
    ) -> list[tuple[ValidRow, int]]:
        """One query per kind of code for the whole chunk; new subjects in bulk."""
        session = self.session
        org_codes = list({row.uscc for row in rows if row.uscc})
        person_index = {
            row.citizen_id: self.citizen_index(row.citizen_id) for row in rows if row.citizen_id
        }
        known: dict[str, tuple[int, str]] = {}
        for start in range(0, len(org_codes), _LOOKUP_SLICE):
            for sid, code, normalised in session.execute(
                select(Subject.id, Subject.uscc, Subject.name_normalised).where(
                    self._any_of(Subject.uscc, org_codes[start : start + _LOOKUP_SLICE])
                )
            ):
                known[str(code)] = (sid, normalised)
        known_people = self._people(list(set(person_index.values())))

        # Consent (Art. 11) is decided before any new person is registered: a person with
        # no consent on file is not written into the platform at all.
        needs_consent = not self.definition.public_by_law_for_natural_persons
        person_ids = [known_people[i][0] for i in known_people]
        in_force = (
            consents.active_consents(
                session, person_ids, self.organisation.id, self.definition.code, self.today
            )
            if person_ids
            else {}
        )
        accepted: list[ValidRow] = []
        for row in rows:
            if row.citizen_id is not None:
                found = known_people.get(person_index[row.citizen_id])
                granted = in_force.get(found[0], []) if found else []
                problem = self._consent_problem(row, granted, needs_consent)
                if problem is not None:
                    self._quarantine(
                        row.number,
                        raw_by_number[row.number],
                        [problem],
                        RowDisposition.REJECTED,
                        persons=() if found is None else (found[0],),
                    )
                    continue
            accepted.append(row)

        new_orgs: dict[str, ValidRow] = {}
        new_people: dict[str, ValidRow] = {}
        for row in accepted:
            if row.citizen_id is None:
                assert row.uscc is not None
                if row.uscc not in known and row.uscc not in new_orgs:
                    new_orgs[row.uscc] = row
            else:
                index = person_index[row.citizen_id]
                if index not in known_people and index not in new_people:
                    new_people[index] = row
        for code, (sid, normalised) in self._register(new_orgs, new_people).items():
            if code in new_orgs:
                known[code] = (sid, normalised)
            else:
                known_people[code] = (sid, normalised)

        resolved: list[tuple[ValidRow, int]] = []
        mismatched: list[tuple[ValidRow, int]] = []
        normalise = names.normalise_name
        for row in accepted:
            if row.citizen_id is None:
                assert row.uscc is not None
                sid, registered = known[row.uscc]
            else:
                sid, registered = known_people[person_index[row.citizen_id]]
            if normalise(row.subject_name) == registered:
                resolved.append((row, sid))
            else:
                mismatched.append((row, sid))
        if mismatched:
            resolved.extend(self._check_names(mismatched, raw_by_number))
        return resolved

    def _take_turn(self) -> bool:
        """PostgreSQL: wait for the batches registering new subjects at the time before this
        one registers its first (``REGISTERING``), and hold the turn to the end of the
        batch. Whether it was taken just now, having maybe waited (what the batch looked up
        before may have been registered meanwhile).

        A batch holds the subjects it registered, uncommitted, to its end; one that then
        registers more may wait for another's, which may be waiting for one of its own —
        a deadlock, and no order of the codes avoids it across chunks, the later chunks not
        read yet. So a batch that may register again (a chunk before its last, or a
        registration batch, which registers the legal representatives apart from the
        companies) takes the turn alone; a batch registering once only (in its last chunk,
        in one statement, its codes in order, ``_insert_subjects``) takes it shared with the
        others like it, which can only wait for one another in that order. One lock a
        batch, not one a subject (the addendum of session 17); on SQLite the write lock
        serialises the batches already (decision 0002)."""
        if not self.postgres or self.registering:
            return False
        shared = self.last_chunk and self.register_feed is None
        locks.hold_name(self.session, REGISTERING, shared=shared)
        self.registering = True
        return True

    def _consent_problem(
        self, row: ValidRow, granted: list[Any], needs_consent: bool
    ) -> Problem | None:
        if needs_consent and not granted:
            return Problem(
                "consent_required",
                "no consent of this person is on file for your organisation and this record type",
                self.definition.subject_citizen_id_field,
                "Art. 11 ¶1",
            )
        return consents.restricted_problem(row.restricted_fields, granted)

    def _register(
        self, new_orgs: dict[str, ValidRow], new_people: dict[str, ValidRow]
    ) -> dict[str, tuple[int, str]]:
        """Bulk-register subjects first seen in this batch; returns code/index → (id, name).

        Encryption and masking are for persons only, once per distinct ID number."""
        if not new_orgs and not new_people:
            return {}
        self._take_turn()
        cipher = self.cipher
        now = self.now
        keys = [*new_orgs, *new_people]
        ids = allocate_ids(self.session, Subject.__table__, len(keys))
        subject_rows: list[tuple[Any, ...]] = []
        name_rows: list[tuple[Any, ...]] = []
        registered: dict[str, tuple[int, str]] = {}
        sid_iter = iter(ids)
        for code, row in new_orgs.items():
            sid = next(sid_iter)
            name = row.subject_name
            forms = names.normalise_name(name), names.core_name(name)
            subject_rows.append(
                (
                    sid,
                    row.subject_kind,
                    code,
                    name,
                    forms[0],
                    code,
                    False,
                    None,
                    None,
                    None,
                    code[2:8],
                    now,
                )
            )
            name_rows.append((sid, name, forms[0], forms[1], True))
            registered[code] = (sid, forms[0])
        for index, row in new_people.items():
            assert row.citizen_id is not None
            sid = next(sid_iter)
            name = row.subject_name
            forms = names.normalise_name(name), names.core_name(name)
            citizen_id = row.citizen_id
            subject_rows.append(
                (
                    sid,
                    SubjectKind.NATURAL_PERSON,
                    "P" + secrets.token_hex(8).upper(),
                    name,
                    forms[0],
                    None,
                    False,
                    cipher.encrypt(citizen_id, context=subjects.CITIZEN_ID_CONTEXT),
                    index,
                    identifiers.mask_citizen_id(citizen_id),
                    citizen_id[:6],
                    now,
                )
            )
            name_rows.append((sid, name, forms[0], forms[1], True))
            registered[index] = (sid, forms[0])
        if self.postgres:
            ids = self._insert_subjects(subject_rows, new_orgs, new_people, registered)
            name_rows = [row for row in name_rows if row[0] in ids]
        else:
            self.subject_writer.insert(subject_rows)
        self.name_writer.insert(name_rows)
        self._index_names(subject_rows, name_rows)
        self.new_subject_ids.add(ids)
        self.batch.new_subjects += len(ids)
        return registered

    def _index_names(
        self, subject_rows: list[tuple[Any, ...]], name_rows: list[tuple[Any, ...]]
    ) -> None:
        """The new organisations' names into the name search's index, as written (natural
        persons are never searched by name)."""
        people = {row[0] for row in subject_rows if row[1] is SubjectKind.NATURAL_PERSON}
        self.name_index.write(
            (sid, normalised, core)
            for sid, _name, normalised, core, _current in name_rows
            if sid not in people
        )

    def _insert_subjects(
        self,
        subject_rows: list[tuple[Any, ...]],
        new_orgs: dict[str, ValidRow],
        new_people: dict[str, ValidRow],
        registered: dict[str, tuple[int, str]],
    ) -> list[int]:
        """PostgreSQL: insert the new subjects, skipping any another transaction registered
        meanwhile — another source's batch naming the same new company at the same time.
        A subject it registered then stands in ``registered`` for this batch's, its name
        checked as a known subject's. Returns the ids inserted.

        The rows go in the order of their codes, so two batches registering the same codes
        wait for each other in one order, not each for the other. First by COPY, as fast as
        before, in a savepoint: nearly always nobody else registers them. If somebody did,
        the COPY fails once that transaction commits (having waited for it), and the rows
        go again through a staging table of the transaction's own, into ``subject`` with
        ``ON CONFLICT DO NOTHING`` (which COPY lacks), skipping those now registered.
        """
        session = self.session
        subject_rows.sort(key=lambda row: row[5] or row[8])  # uscc, else citizen_id_index
        duplicate = session.get_bind().dialect.loaded_dbapi.IntegrityError
        try:
            with session.begin_nested():
                self.subject_writer.insert(subject_rows)
            return [row[0] for row in subject_rows]
        except duplicate:
            pass
        session.execute(_STAGE_SUBJECTS)
        self.staged_subject_writer.insert(subject_rows)
        inserted = set(session.scalars(_INSERT_STAGED_SUBJECTS))
        session.execute(_CLEAR_STAGED_SUBJECTS)
        if len(inserted) == len(subject_rows):
            return [row[0] for row in subject_rows]
        meanwhile_orgs = [c for c in new_orgs if registered[c][0] not in inserted]
        meanwhile_people = [i for i in new_people if registered[i][0] not in inserted]
        for sid, code, normalised in session.execute(
            select(Subject.id, Subject.uscc, Subject.name_normalised).where(
                self._any_of(Subject.uscc, meanwhile_orgs)
            )
        ):
            registered[str(code)] = (sid, normalised)
        if meanwhile_people:
            registered.update(self._people(meanwhile_people))
        return [row[0] for row in subject_rows if row[0] in inserted]

    def _check_names(
        self, rows: list[tuple[ValidRow, int]], raw_by_number: dict[int, dict[str, str]]
    ) -> list[tuple[ValidRow, int]]:
        """A row whose name disagrees with the registered subject is held, not merged —
        unless it is the registration authority's registration row, which states the name
        (``self.renames``), or a row its reviewer released (``self.release``)."""
        ids = list({sid for _, sid in rows})
        known_names: dict[int, list[str]] = {}
        current_names: dict[int, list[str]] = {}
        for start in range(0, len(ids), _LOOKUP_SLICE):
            # A name corrected on objection was never the subject's (decision 0051).
            for sid, name, current in self.session.execute(
                select(SubjectName.subject_id, SubjectName.name, SubjectName.current)
                .where(
                    SubjectName.subject_id.in_(ids[start : start + _LOOKUP_SLICE]),
                    SubjectName.corrected_on.is_(None),
                )
                .order_by(SubjectName.id)
            ):
                known_names.setdefault(sid, []).append(name)
                if current:
                    current_names.setdefault(sid, []).append(name)
        accepted: list[tuple[ValidRow, int]] = []
        for row, sid in rows:
            if self.renames is not None:
                # The registration record states the name (decision 0050 and its session 22
                # addendum): any but the current one — a new name or a former one, which the
                # authority's right row after its clerk's typo names — is made current once
                # the row is written.
                found = names.match(row.subject_name, current_names.get(sid, []))
                if found is None or not found.exact:
                    self.renames[row.number] = row.subject_name
                accepted.append((row, sid))
                continue
            found = names.match(row.subject_name, known_names.get(sid, []))
            if found is not None and found.exact:
                accepted.append((row, sid))
                continue
            if self.release is not None:
                accepted.append((row, sid))
                continue
            # Art. 4 ¶2: information collected must be accurate; a row under a name the
            # subject does not bear may be another's, and waits for a person's decision.
            problem = Problem(
                "name_mismatch",
                "the code is registered under another name; the row is held for review",
                self.definition.subject_name_field,
                "Art. 4 ¶2",
            )
            self._quarantine(
                row.number,
                raw_by_number[row.number],
                [problem],
                RowDisposition.HELD,
                persons=(sid,),
            )
        return accepted

    # -- records -------------------------------------------------------------------
    def _write_records(
        self, rows: list[tuple[ValidRow, int]], raw_by_number: dict[int, dict[str, str]]
    ) -> None:
        session = self.session
        type_id = self.rule.record_type.id
        encode = self.canonical_payload
        payload_index = self.payload_index
        seen = self.seen_keys
        new_subjects = self.new_subject_ids
        # (row, subject id, natural key, payload JSON, payload hash, look it up?)
        keyed: list[tuple[ValidRow, int, str, str, str]] = []
        lookup: list[str] = []
        for row, sid in rows:
            natural_key = "|".join((str(sid), *row.key_parts))
            payload_json = encode(row.payload)
            sensitive_json = encode(row.sensitive) if row.sensitive else ""
            digest = payload_index(payload_json + "\x00" + sensitive_json)
            fingerprint = _key_fingerprint(natural_key)
            content = int(digest[:32], 16)
            earlier = seen.get(fingerprint)
            if earlier is not None:
                if earlier == content:
                    self.batch.unchanged += 1
                else:
                    self._quarantine(
                        row.number,
                        raw_by_number[row.number],
                        [
                            Problem(
                                "duplicate_in_batch",
                                "an earlier row of this batch has the same key",
                                None,
                            )
                        ],
                        RowDisposition.REJECTED,
                        persons=self._named_by(row.number, sid),
                    )
                continue
            seen.add(fingerprint, content)
            keyed.append((row, sid, natural_key, payload_json, digest))
            if sid not in new_subjects:
                lookup.append(natural_key)
        if not keyed:
            return
        existing: dict[str, tuple[int, str, int, RecordStatus, dt.date | None, dt.date | None]] = {}
        for start in range(0, len(lookup), _LOOKUP_SLICE):
            for rid, key, digest, version_no, status, window_start, window_end in session.execute(
                _EXISTING_COLUMNS.where(
                    CreditRecord.record_type_id == type_id,
                    CreditRecord.source_organisation_id == self.organisation.id,
                    self._any_of(CreditRecord.natural_key, lookup[start : start + _LOOKUP_SLICE]),
                )
            ):
                existing[key] = (rid, digest, version_no, status, window_start, window_end)
        if self.postgres and existing:
            self._lock_changed(existing, keyed)
        new_rows: list[tuple[ValidRow, int, str, str, str]] = []
        changed: list[
            tuple[
                ValidRow, int, str, str, str, int, int, RecordStatus, dt.date | None, dt.date | None
            ]
        ] = []
        maybe_withdrawn: list[int] = []
        for item in keyed:
            found = existing.get(item[2]) if existing else None
            if found is None:
                new_rows.append(item)
            elif found[1] == item[4]:
                self.batch.unchanged += 1
            else:
                changed.append((*item, found[0], found[2], found[3], found[4], found[5]))
                if found[4] is None or found[3] is RecordStatus.EXPIRED:
                    maybe_withdrawn.append(found[0])
        withdrawn = self._withdrawn_after_objection(maybe_withdrawn) if maybe_withdrawn else set()
        versions: list[tuple[Any, ...]] = []
        if new_rows:
            ids = allocate_ids(session, CreditRecord.__table__, len(new_rows))
            organisation_id = self.organisation.id
            rule_source = self.rule.source_label
            now = self.now
            timing = self._timing
            active = RecordStatus.ACTIVE
            batch_id = self.batch.id
            actor_id = self.actor_id
            record_rows: list[tuple[Any, ...]] = []
            late = awaiting_review = 0
            for (row, sid, key, payload_json, digest), rid in zip(new_rows, ids, strict=True):
                start_day, end_day, awaiting, is_late, working_days = timing(row)
                late += is_late
                awaiting_review += awaiting
                decided = row.decision_date
                severity = row.severity.value
                record_rows.append(
                    (
                        rid,
                        type_id,
                        sid,
                        organisation_id,
                        key,
                        active,
                        1,
                        decided,
                        now,
                        now,
                        severity,
                        start_day,
                        end_day,
                        awaiting,
                        is_late,
                        working_days,
                        False,
                        rule_source,
                        digest,
                    )
                )
                versions.append(
                    (
                        rid,
                        1,
                        payload_json,
                        self._sensitive_ciphertext(row),
                        digest,
                        active,
                        decided,
                        severity,
                        start_day,
                        end_day,
                        REASON_CREATED,
                        batch_id,
                        organisation_id,
                        actor_id,
                        now,
                    )
                )
            self.record_writer.insert(record_rows)
            if self.collect_touched:
                self.touched.extend(ids)
            if self.register_feed is not None:
                self.written.extend(
                    representatives.Written(row, sid, rid, 1)
                    for (row, sid, *_rest), rid in zip(new_rows, ids, strict=True)
                )
            self.batch.created += len(new_rows)
            self.batch.late += late
            self.batch.awaiting_review += awaiting_review
            self.records_written += len(new_rows)
        for (
            row,
            sid,
            key,
            payload_json,
            digest,
            rid,
            version_no,
            before,
            kept_start,
            kept_end,
        ) in changed:
            values = self._record_values(row, sid, key, digest)
            # A record under objection stays so until the objection is decided (Art. 25):
            # the source's new content does not close the case. A repaired one stays
            # repaired (Art. 20-23): the repair was decided about the conduct, and only a
            # revocation for fraud (Art. 23) restores it. A record its source revoked stays
            # revoked (decision 0028): the decision behind it was annulled, and new content
            # for it publishes nothing and waits for no review; the window stays ended.
            status = before if before in _KEPT_ON_RESUBMISSION else RecordStatus.ACTIVE
            if before is RecordStatus.REVOKED:
                for kept in ("publicity_start", "publicity_end", "awaiting_review"):
                    values.pop(kept)
                window = (kept_start, kept_end)
            elif withdrawn and rid in withdrawn:
                # Withdrawn from publication on an upheld objection (Art. 25): new content
                # from the source does not publish it again. The window stays as the
                # withdrawal left it (none, or ended), an expired record stays expired,
                # and a record that will not be published is not queued for review.
                if before is RecordStatus.EXPIRED:
                    status = before
                for kept in ("publicity_start", "publicity_end", "awaiting_review"):
                    values.pop(kept)
                window = (kept_start, kept_end)
            else:
                window = (values["publicity_start"], values["publicity_end"])
            values["status"] = status
            for unchanged_column in (
                "record_type_id",
                "subject_id",
                "source_organisation_id",
                "natural_key",
                "received_at",
                # Timeliness is the first submission's (Art. 4): a later correction by the
                # source does not make a record that arrived on time late.
                "late",
                "working_days_to_submit",
            ):
                values.pop(unchanged_column)
            values["current_version_no"] = version_no + 1
            self.batch.awaiting_review += bool(values.get("awaiting_review"))
            session.execute(update(CreditRecord).where(CreditRecord.id == rid).values(**values))
            versions.append(
                (
                    rid,
                    version_no + 1,
                    payload_json,
                    self._sensitive_ciphertext(row),
                    digest,
                    status,
                    row.decision_date,
                    values["severity"],
                    *window,
                    REASON_UPDATED,
                    self.batch.id,
                    self.organisation.id,
                    self.actor_id,
                    self.now,
                )
            )
            if self.collect_touched:
                self.touched.append(rid)
            if self.register_feed is not None and before is not RecordStatus.REVOKED:
                # A revoked record's new content is not in force (decision 0028): it names
                # nobody into the register either.
                self.written.append(representatives.Written(row, sid, rid, version_no + 1))
        self.batch.updated += len(changed)
        self.version_writer.insert(versions)
        if self.records_written >= self.analyse_at:
            refresh_statistics(session, CreditRecord.__table__)
            self.analyse_at = 2 * self.records_written

    def _named_by(self, number: int, sid: int) -> tuple[int, ...]:
        """The subject of a row, and the known legal representative a registration row
        names (``legal_representatives.Feed``)."""
        named = self.register_feed.known_named(number) if self.register_feed else None
        return (sid,) if named is None else (sid, named)

    def _lock_changed(
        self,
        existing: dict[str, tuple[int, str, int, RecordStatus, dt.date | None, dt.date | None]],
        keyed: list[tuple[ValidRow, int, str, str, str]],
    ) -> None:
        """PostgreSQL: the records this chunk brings new content for, locked in the order of
        their ids and read afresh into ``existing``. A step on one of them at this moment —
        the court's staff confirming a performance, an objection or a repair decided, a
        revocation — writes a version of its own: this batch waits for it and numbers its
        version after it, from the status and window it left, rather than failing on the
        version number once it commits. Only the changed ones: locking a row writes it,
        and a batch sent again finds most of its rows unchanged.

        In the order of their ids within the chunk, not across the batch's chunks (the
        rows are read a chunk at a time): a later chunk's record may come before one an
        earlier chunk holds. Another batch of these records waits for this one's name
        (``batches_running``), and a step locking many records at once waits for it too,
        before it locks any (``records.locked_where``): holding one this batch asks for
        later while waiting for one it holds was a deadlock (decision 0008, session 25
        addendum). A step locking one record at a time holds none it waits beside."""
        digests = {key: digest for _row, _sid, key, _json, digest in keyed}
        ids = sorted(found[0] for key, found in existing.items() if found[1] != digests[key])
        for start in range(0, len(ids), _LOOKUP_SLICE):
            for (
                rid,
                key,
                digest,
                version_no,
                status,
                window_start,
                window_end,
            ) in self.session.execute(
                _EXISTING_COLUMNS.where(
                    self._any_of(CreditRecord.id, ids[start : start + _LOOKUP_SLICE])
                )
                .order_by(CreditRecord.id)
                # FOR NO KEY UPDATE, as the UPDATE that follows: the versions and
                # entries that refer to the record are still written meanwhile.
                .with_for_update(key_share=True)
            ):
                existing[key] = (rid, digest, version_no, status, window_start, window_end)

    def _withdrawn_after_objection(self, record_ids: list[int]) -> set[int]:
        """Of records without a publicity window or expired (few, and most batches have
        none), those withdrawn from publication on an upheld objection. The objection case
        is the marker: a window can be absent because the severity is not published, and a
        record can have expired by the calendar; neither is a withdrawal."""
        found: set[int] = set()
        for start in range(0, len(record_ids), _LOOKUP_SLICE):
            found.update(
                self.session.scalars(
                    select(RecordObjection.record_id).where(
                        RecordObjection.status == ObjectionStatus.WITHDRAWN,
                        self._any_of(
                            RecordObjection.record_id, record_ids[start : start + _LOOKUP_SLICE]
                        ),
                    )
                )
            )
        return found

    def _sensitive_ciphertext(self, row: ValidRow) -> str | None:
        if not row.sensitive:
            return None
        return self.cipher.encrypt(_CANONICAL.encode(row.sensitive), context=SENSITIVE_CONTEXT)

    def _timing(self, row: ValidRow) -> tuple[Any, ...]:
        """Publicity period, review flag and timeliness: the same for every row with the
        same decision date, severity and deadline, so worked out once per batch."""
        cache_key = (row.decision_date, row.severity, row.publicity_deadline)
        found = self.timing.get(cache_key)
        if found is not None:
            return found
        period = self.definition.disclosure.period(row.severity)
        start, end = period.window(row.decision_date, row.publicity_deadline)
        working_days, _provisional = self.calendar.working_days_between(
            row.decision_date, self.submitted_on
        )
        found = (
            start,
            end,
            waits_for_review(self.definition, row.severity),
            working_days > self.late_after,
            working_days,
        )
        if len(self.timing) < 100_000:
            self.timing[cache_key] = found
        return found

    def _record_values(self, row: ValidRow, sid: int, key: str, digest: str) -> dict[str, Any]:
        start, end, awaiting, late, working_days = self._timing(row)
        return {
            "record_type_id": self.rule.record_type.id,
            "subject_id": sid,
            "source_organisation_id": self.organisation.id,
            "natural_key": key,
            "status": RecordStatus.ACTIVE,
            "current_version_no": 1,
            "decision_date": row.decision_date,
            "received_at": self.now,
            "updated_at": self.now,
            "severity": row.severity.value,
            "publicity_start": start,
            "publicity_end": end,
            "awaiting_review": awaiting,
            "late": late,
            "working_days_to_submit": working_days,
            "self_declared": False,
            "rule_source": self.rule.source_label,
            "payload_hash": digest,
        }

    def finish(self) -> None:
        # JSON objects may bring new keys after the first row: report them too.
        self.batch.unknown_columns = _headers_shown(self.validator.unknown_columns)
        self._flush_quarantine()
        self.session.flush()


def payload_digest(payload_json: str, sensitive: dict[str, str]) -> str:
    """A keyed hash of a record's content: equal content means an unchanged record. Keyed,
    so the hash of a payload with an ID number cannot be brute-forced back to the ID."""
    sensitive_json = json.dumps(sensitive, ensure_ascii=False, sort_keys=True) if sensitive else ""
    return default_cipher().blind_index(
        payload_json + "\x00" + sensitive_json, context=PAYLOAD_HASH_CONTEXT
    )


SEVERITY_ORDER = (Severity.MINOR, Severity.GENERAL, Severity.SERIOUS)
