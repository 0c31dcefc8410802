"""The one ingestion pipeline behind the API, the CLI and the upload page (Art. 9–11).

A batch is written in the caller's transaction: every accepted row, every quarantined
row and the batch report commit together or not at all. Rows are handled in chunks
with set-based queries and bulk inserts, so a million-row file streams in flat memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from xinyong import calendar_store
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Severity
from xinyong.clock import Clock
from xinyong.collection import consent as consents
from xinyong.collection import hooks, sources
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
from xinyong.collection.validation import Problem, RowValidator, ValidRow
from xinyong.crypto import default_cipher
from xinyong.db.bulk import bulk_insert
from xinyong.db.ids import allocate_ids
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.subjects import names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectKind, SubjectName

CHUNK_ROWS = 2000
SENSITIVE_CONTEXT = "record_version.sensitive"
QUARANTINE_CONTEXT = "quarantined_row.values"
PAYLOAD_HASH_CONTEXT = "record_version.payload"
REASON_CREATED = "created by source"
REASON_UPDATED = "updated by source"
DEFAULT_LATE_WORKING_DAYS = 7


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
    problems: list[RowProblem] = field(default_factory=list)
    replayed: bool = False

    @property
    def all_accepted(self) -> bool:
        return self.batch.rejected == 0 and self.batch.held == 0

    def as_dict(self) -> dict[str, Any]:
        batch = self.batch
        return {
            "batch_id": batch.id,
            "status": batch.status.value,
            "replayed": self.replayed,
            "record_type": batch.record_type_id,
            "rows": batch.rows_total,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "held": batch.held,
            "late": batch.late,
            "new_subjects": batch.new_subjects,
            "unknown_columns": batch.unknown_columns,
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
class Submission:
    organisation: Organisation
    record_type_code: str
    channel: str  # api, cli, page
    content_hash: str
    idempotency_key: str | None = None
    filename: str | None = None


def content_hash_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _chunks(rows: Iterable[RawRow], size: int) -> Iterator[list[RawRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


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
) -> BatchReport:
    """Validate, resolve and record one batch; see the module docstring."""
    require(actor, Permission.SUBMIT_RECORDS)
    organisation = submission.organisation
    if actor.kind != "system" and actor.organisation_id != organisation.id:
        raise PermissionDenied(
            "staff submit only for their own organisation",
            code="other_organisation",
            article="Art. 12",
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
            f"a {organisation.kind.value} may not submit {definition.name_en} records",
            code="submitter_kind_not_allowed",
            field="type",
            article=article,
        )
    if not sources.is_responsible(session, organisation.id, rule.record_type.id):
        raise PermissionDenied(
            f"{definition.name_en} is not on this organisation's responsibility list",
            code="not_responsible",
            field="type",
            article=article,
        )
    key = (
        submission.idempotency_key
        or f"content:{submission.record_type_code}:{submission.content_hash}"
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
        return BatchReport(previous, _stored_problems(session, previous), replayed=True)

    batch = Batch(
        organisation_id=organisation.id,
        record_type_id=rule.record_type.id,
        record_type_version_id=rule.version.id,
        channel=submission.channel,
        idempotency_key=key,
        content_hash=submission.content_hash,
        filename=submission.filename,
        submitted_by=actor.audit().id,
        status=BatchStatus.COMPLETED,
        received_at=clock.now(),
        unknown_columns=[],
    )
    session.add(batch)
    session.flush()
    run = _BatchRun(
        session, clock, actor, batch, rule, organisation, headers, late_after_working_days
    )
    for chunk in _chunks(rows, CHUNK_ROWS):
        run.process(chunk)
        if progress is not None:
            progress(len(chunk))
    run.finish()
    if hooks.wanted(submission.record_type_code) and run.touched:
        hooks.run(session, clock, submission.record_type_code, run.touched)
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
        },
    )
    # By row, as a replay reads them back (held rows are found after the rejected ones).
    return BatchReport(batch, sorted(run.problems, key=lambda p: p.row))


def _stored_problems(session: Session, batch: Batch) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for row in session.scalars(
        select(QuarantinedRow)
        .where(QuarantinedRow.batch_id == batch.id)
        .order_by(QuarantinedRow.row_number)
    ):
        for p in row.problems:
            problems.append(
                RowProblem(
                    row.row_number,
                    p.get("field"),
                    p["code"],
                    p["message"],
                    p.get("article"),
                    row.disposition,
                )
            )
    return problems


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
        self.validator = RowValidator(rule.definition, headers, today=self.today)
        self.batch.unknown_columns = list(self.validator.unknown_columns)
        self.calendar = calendar_store.working_day_calendar(session)
        self.late_after = late_after_working_days
        self.cipher = default_cipher()
        self.problems: list[RowProblem] = []
        self.seen_keys: dict[str, str] = {}
        self.actor_id = actor.audit().id
        self.quarantine: list[dict[str, Any]] = []
        self.payload_json: dict[int, str] = {}
        # Records created or changed, for domains that react to this record type.
        self.collect_touched = hooks.wanted(rule.definition.code)
        self.touched: list[int] = []
        self.working_days: dict[dt.date, int] = {}

    # -- per chunk -----------------------------------------------------------------
    def process(self, chunk: list[RawRow]) -> None:
        self.batch.rows_total += len(chunk)
        valid: list[ValidRow] = []
        raw_by_number: dict[int, dict[str, str]] = {}
        for raw in chunk:
            result = self.validator.validate(raw.number, raw.values)
            if isinstance(result, list):
                self._quarantine(raw.number, raw.values, result, RowDisposition.REJECTED)
            else:
                valid.append(result)
                raw_by_number[raw.number] = raw.values
        if valid:
            resolved = self._resolve_subjects(valid, raw_by_number)
            self._write_records(resolved, raw_by_number)
        self._flush_quarantine()

    def _quarantine(
        self,
        number: int,
        values: dict[str, str],
        problems: list[Problem],
        disposition: RowDisposition,
    ) -> None:
        keep_values = not any(p.code == "prohibited_content" for p in problems)
        ciphertext = None
        if keep_values:
            ciphertext = self.cipher.encrypt(
                json.dumps(values, ensure_ascii=False, sort_keys=True), context=QUARANTINE_CONTEXT
            )
        self.quarantine.append(
            {
                "batch_id": self.batch.id,
                "row_number": number,
                "disposition": disposition,
                "problems": [p.as_dict() for p in problems],
                "values_ciphertext": ciphertext,
            }
        )
        for p in problems:
            self.problems.append(
                RowProblem(number, p.field, p.code, p.message, p.article, disposition)
            )
        if disposition is RowDisposition.HELD:
            self.batch.held += 1
        else:
            self.batch.rejected += 1

    def _flush_quarantine(self) -> None:
        if self.quarantine:
            bulk_insert(self.session, QuarantinedRow.__table__, self.quarantine)
            self.quarantine = []

    # -- subjects ------------------------------------------------------------------
    def _resolve_subjects(
        self, rows: list[ValidRow], raw_by_number: dict[int, dict[str, str]]
    ) -> list[tuple[ValidRow, int]]:
        session = self.session
        org_codes = {row.uscc for row in rows if row.uscc}
        person_index = {
            row.citizen_id: subjects.citizen_id_index(row.citizen_id)
            for row in rows
            if row.citizen_id
        }
        known: dict[str, tuple[int, str]] = {}
        for start in range(0, len(org_codes), 500):
            part = list(org_codes)[start : start + 500]
            for sid, code, normalised in session.execute(
                select(Subject.id, Subject.uscc, Subject.name_normalised).where(
                    Subject.uscc.in_(part)
                )
            ):
                known[str(code)] = (sid, normalised)
        indexes = list(person_index.values())
        known_people: dict[str, tuple[int, str]] = {}
        for start in range(0, len(indexes), 500):
            for sid, index, normalised in session.execute(
                select(Subject.id, Subject.citizen_id_index, Subject.name_normalised).where(
                    Subject.citizen_id_index.in_(indexes[start : start + 500])
                )
            ):
                known_people[str(index)] = (sid, normalised)

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
        accepted: list[tuple[ValidRow, str]] = []
        for row in rows:
            if row.citizen_id is not None:
                found = known_people.get(person_index[row.citizen_id])
                granted = in_force.get(found[0], []) if found else []
                problem = self._consent_problem(row, granted, needs_consent)
                if problem is not None:
                    self._quarantine(
                        row.number, raw_by_number[row.number], [problem], RowDisposition.REJECTED
                    )
                    continue
                accepted.append((row, "person"))
            else:
                accepted.append((row, "org"))

        new_orgs: dict[str, ValidRow] = {}
        new_people: dict[str, ValidRow] = {}
        for row, kind in accepted:
            if kind == "org":
                assert row.uscc is not None
                if row.uscc not in known and row.uscc not in new_orgs:
                    new_orgs[row.uscc] = row
            else:
                assert row.citizen_id is not None
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
        for row, kind in accepted:
            if kind == "org":
                assert row.uscc is not None
                sid, registered = known[row.uscc]
            else:
                assert row.citizen_id is not None
                sid, registered = known_people[person_index[row.citizen_id]]
            if names.normalise_name(row.subject_name) == registered:
                resolved.append((row, sid))
            else:
                mismatched.append((row, sid))
        if mismatched:
            resolved.extend(self._check_names(mismatched, raw_by_number))
        return resolved

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
        if row.restricted_fields and not any(
            c.written and c.adverse_consequences_notified for c in granted
        ):
            return Problem(
                "written_consent_required",
                f"{', '.join(row.restricted_fields)} may be collected only with written consent "
                "after the person was told of the possible adverse consequences",
                row.restricted_fields[0],
                "Art. 11 ¶2",
            )
        return None

    def _register(
        self, new_orgs: dict[str, ValidRow], new_people: dict[str, ValidRow]
    ) -> dict[str, tuple[int, str]]:
        """Bulk-register subjects first seen in this batch; returns code/index → (id, name)."""
        if not new_orgs and not new_people:
            return {}
        cipher = self.cipher
        from xinyong import identifiers

        values: list[dict[str, Any]] = []
        keys: list[str] = []
        for code, row in new_orgs.items():
            keys.append(code)
            values.append(
                {
                    "kind": row.subject_kind,
                    "reference": code,
                    "name": row.subject_name,
                    "name_normalised": names.normalise_name(row.subject_name),
                    "uscc": code,
                    "uscc_unverified": False,
                    "division": code[2:8],
                    "created_at": self.now,
                }
            )
        for index, row in new_people.items():
            assert row.citizen_id is not None
            keys.append(index)
            values.append(
                {
                    "kind": SubjectKind.NATURAL_PERSON,
                    "reference": "P" + secrets.token_hex(8).upper(),
                    "name": row.subject_name,
                    "name_normalised": names.normalise_name(row.subject_name),
                    "citizen_id_ciphertext": cipher.encrypt(
                        row.citizen_id, context=subjects.CITIZEN_ID_CONTEXT
                    ),
                    "citizen_id_index": index,
                    "citizen_id_masked": identifiers.mask_citizen_id(row.citizen_id),
                    "division": row.citizen_id[:6],
                    "created_at": self.now,
                    "uscc_unverified": False,
                }
            )
        subject_table = Subject.__table__
        ids = allocate_ids(self.session, subject_table, len(values))
        for value, sid in zip(values, ids, strict=True):
            value["id"] = sid
        bulk_insert(self.session, subject_table, _uniform(values))
        bulk_insert(
            self.session,
            SubjectName.__table__,
            [
                {
                    "subject_id": sid,
                    "name": value["name"],
                    "normalised": value["name_normalised"],
                    "core": names.core_name(value["name"]),
                    "current": True,
                }
                for sid, value in zip(ids, values, strict=True)
            ],
        )
        self.batch.new_subjects += len(ids)
        return {
            key: (sid, value["name_normalised"])
            for key, sid, value in zip(keys, ids, values, strict=True)
        }

    def _check_names(
        self, rows: list[tuple[ValidRow, int]], raw_by_number: dict[int, dict[str, str]]
    ) -> list[tuple[ValidRow, int]]:
        """A row whose name disagrees with the registered subject is held, not merged."""
        ids = list({sid for _, sid in rows})
        known_names: dict[int, list[str]] = {}
        for sid, name in self.session.execute(
            select(SubjectName.subject_id, SubjectName.name).where(SubjectName.subject_id.in_(ids))
        ):
            known_names.setdefault(sid, []).append(name)
        accepted: list[tuple[ValidRow, int]] = []
        for row, sid in rows:
            found = names.match(row.subject_name, known_names.get(sid, []))
            if found is not None and found.exact:
                accepted.append((row, sid))
                continue
            problem = Problem(
                "name_mismatch",
                "the code is registered under another name; the row is held for review",
                self.definition.subject_name_field,
            )
            self._quarantine(row.number, raw_by_number[row.number], [problem], RowDisposition.HELD)
        return accepted

    # -- records -------------------------------------------------------------------
    def _write_records(
        self, rows: list[tuple[ValidRow, int]], raw_by_number: dict[int, dict[str, str]]
    ) -> None:
        session = self.session
        type_id = self.rule.record_type.id
        keyed: list[tuple[ValidRow, int, str, str]] = []
        for row, sid in rows:
            natural_key = "|".join((str(sid), *row.key_parts))
            digest = self._payload_hash(row)
            earlier = self.seen_keys.get(natural_key)
            if earlier is not None:
                if earlier == digest:
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
                    )
                continue
            self.seen_keys[natural_key] = digest
            keyed.append((row, sid, natural_key, digest))
        if not keyed:
            return
        existing: dict[str, tuple[int, str, int]] = {}
        keys = [k for _, _, k, _ in keyed]
        for start in range(0, len(keys), 500):
            for rid, key, digest, version_no in session.execute(
                select(
                    CreditRecord.id,
                    CreditRecord.natural_key,
                    CreditRecord.payload_hash,
                    CreditRecord.current_version_no,
                ).where(
                    CreditRecord.record_type_id == type_id,
                    CreditRecord.source_organisation_id == self.organisation.id,
                    CreditRecord.natural_key.in_(keys[start : start + 500]),
                )
            ):
                existing[key] = (rid, digest, version_no)
        new_rows: list[tuple[ValidRow, int, str, str]] = []
        changed: list[tuple[ValidRow, int, str, str, int, int]] = []
        for row, sid, key, digest in keyed:
            found = existing.get(key)
            if found is None:
                new_rows.append((row, sid, key, digest))
            elif found[1] == digest:
                self.batch.unchanged += 1
            else:
                changed.append((row, sid, key, digest, found[0], found[2]))
        versions: list[dict[str, Any]] = []
        if new_rows:
            record_values = [
                self._record_values(row, sid, key, digest) for row, sid, key, digest in new_rows
            ]
            record_table = CreditRecord.__table__
            ids = allocate_ids(session, record_table, len(record_values))
            for value, rid in zip(record_values, ids, strict=True):
                value["id"] = rid
            bulk_insert(session, record_table, record_values)
            if self.collect_touched:
                self.touched.extend(ids)
            for (row, _sid, _key, digest), rid in zip(new_rows, ids, strict=True):
                versions.append(self._version_values(row, rid, 1, digest, REASON_CREATED))
            self.batch.created += len(new_rows)
            self.batch.late += sum(1 for value in record_values if value["late"])
        for row, sid, key, digest, rid, version_no in changed:
            values = self._record_values(row, sid, key, digest)
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
            session.execute(update(CreditRecord).where(CreditRecord.id == rid).values(**values))
            versions.append(self._version_values(row, rid, version_no + 1, digest, REASON_UPDATED))
            if self.collect_touched:
                self.touched.append(rid)
        self.batch.updated += len(changed)
        if versions:
            bulk_insert(
                session,
                RecordVersion.__table__,
                _uniform(versions),
                raw_columns=frozenset({"payload"}),
            )
        self.payload_json.clear()

    def _payload_hash(self, row: ValidRow) -> str:
        payload_json = json.dumps(row.payload, ensure_ascii=False, sort_keys=True)
        # Kept for the version row, so each payload is serialised once.
        self.payload_json[row.number] = payload_json
        return payload_digest(payload_json, row.sensitive)

    def _record_values(self, row: ValidRow, sid: int, key: str, digest: str) -> dict[str, Any]:
        disclosure = self.definition.disclosure
        period = disclosure.period(row.severity)
        start = end = None
        if period.published:
            start = row.decision_date
            end = _add_months(start, period.max_months)
            if row.publicity_deadline is not None:
                # The source may end publicity earlier than the maximum, never before the minimum.
                end = max(min(end, row.publicity_deadline), _add_months(start, period.min_months))
        working_days, _provisional = self.calendar.working_days_between(
            row.decision_date, self.today
        )
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
            "awaiting_review": bool(period.published and disclosure.review_before_publicity),
            "late": working_days > self.late_after,
            "working_days_to_submit": working_days,
            "self_declared": False,
            "rule_source": self.rule.source_label,
            "payload_hash": digest,
        }

    def _version_values(
        self, row: ValidRow, rid: int, version_no: int, digest: str, reason: str
    ) -> dict[str, Any]:
        sensitive = None
        if row.sensitive:
            sensitive = self.cipher.encrypt(
                json.dumps(row.sensitive, ensure_ascii=False, sort_keys=True),
                context=SENSITIVE_CONTEXT,
            )
        return {
            "record_id": rid,
            "version_no": version_no,
            "payload": self.payload_json.pop(row.number, None)
            or json.dumps(row.payload, ensure_ascii=False, sort_keys=True),
            "sensitive_ciphertext": sensitive,
            "payload_hash": digest,
            "status": RecordStatus.ACTIVE,
            "reason": reason,
            "batch_id": self.batch.id,
            "source_organisation_id": self.organisation.id,
            "actor": self.actor_id,
            "created_at": self.now,
        }

    def finish(self) -> None:
        # JSON objects may bring new keys after the first row: report them too.
        self.batch.unknown_columns = list(self.validator.unknown_columns)
        self._flush_quarantine()
        self.session.flush()


def payload_digest(payload_json: str, sensitive: dict[str, str]) -> str:
    """A keyed hash of a record's content: equal content means an unchanged record. Keyed,
    so the hash of a payload with an ID number cannot be brute-forced back to the ID."""
    sensitive_json = json.dumps(sensitive, ensure_ascii=False, sort_keys=True) if sensitive else ""
    return default_cipher().blind_index(
        payload_json + "\x00" + sensitive_json, context=PAYLOAD_HASH_CONTEXT
    )


def _uniform(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Bulk inserts need the same keys in every row."""
    keys = {k for value in values for k in value}
    return [{k: value.get(k) for k in keys} for value in values]


SEVERITY_ORDER = (Severity.MINOR, Severity.GENERAL, Severity.SERIOUS)
