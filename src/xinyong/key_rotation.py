"""Rotating the platform's keys (decision 0054): every ciphertext made again under a new
encryption key, every blind index under a new blind-index key, a new session key.

What is stored under a key (decision 0004 and its addenda):

* under the encryption key (AES-GCM, the context authenticated): the citizen ID numbers
  of natural persons, a record version's sensitive fields (its citizen IDs and the
  restricted fields of Art. 11 ¶2), a batch's rejected and held rows, the signed consent
  forms (Art. 27 ¶2), the identity documents of objections to a person's name (Art. 25),
  the contacts of commenters on red-list candidates, the issued reports' contents and the
  file parts they share;
* under the blind-index key (HMAC): a person's blind index (its plaintext, the number, is
  the person's own ciphertext), the payload hash of every record and version (its
  plaintext, the payload kept in clear and the sensitive fields kept encrypted), and the
  key of a report's file part (its plaintext, the part itself, kept encrypted).

Every blind index stored has its plaintext stored too, so every one is computed again. A
payload hash whose content does not give it again (none known; the check is made row by
row) becomes ``NOT_REKEYED``: it equals no digest, so the next submission of the same
row is taken as a change and makes a version, and nothing is lost.

Crash safety: the new keys are written first to a side file beside ``secrets.json``
(``secrets.rotating.json``, ``key_files``); the database is re-keyed in one transaction that ends
with the new keys' check values in the audit chain (a ``keys.rotate`` event and a new
``keys.record`` event, the one compared from then on); the side file then replaces
``secrets.json``. Whatever step a crash interrupts, the keys the database is under are in
``secrets.json`` (before the commit) or in the side file (after it), and the next opening
of the database promotes the side file where the database's keys of record are its keys
(``key_files.promote_pending``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import (
    ColumnElement,
    Engine,
    column,
    delete,
    func,
    insert,
    select,
    text,
    update,
    values,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinyong import key_files, keys_of_record
from xinyong.audit import service as audit
from xinyong.audit.models import AuditHead
from xinyong.catalog.models import RecordTypeVersion
from xinyong.clock import Clock
from xinyong.collection.consent import form_context
from xinyong.collection.models import ConsentForm, CreditRecord, QuarantinedRow, RecordVersion
from xinyong.collection.pipeline import (
    PAYLOAD_HASH_CONTEXT,
    QUARANTINE_CONTEXT,
    SENSITIVE_CONTEXT,
)
from xinyong.config import (
    SECRET_NAMES,
    SECRETS_FILE,
    Settings,
)
from xinyong.crypto import FieldCipher, reset_default_cipher
from xinyong.db import locks
from xinyong.db.ids import allocate_ids
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import authorisations
from xinyong.disclosure.models import AuthorisationForm, CreditReport, CreditReportFile
from xinyong.disclosure.reports import CONTENT_CONTEXT, FILE_CONTEXT
from xinyong.key_files import KeySet
from xinyong.lists.entries import CONTACT_CONTEXT
from xinyong.lists.models import ListObjection
from xinyong.objections.models import NameObjection
from xinyong.objections.names import EVIDENCE_CONTEXT
from xinyong.ratelimit import LimitedAttempt
from xinyong.subjects.models import Subject
from xinyong.subjects.service import CITIZEN_ID_CONTEXT

ACTION = "keys.rotate"
# A payload hash whose content did not give it again (module docstring).
NOT_REKEYED = "not-rekeyed"
# Rows read and written at a time: bounded memory for any table (a report's content is
# hundreds of KB).
_CHUNK = 500
_LARGE_CHUNK = 50
# Signed forms and identity documents: up to ~2 MB each, three copies in memory at once
# (the old ciphertext, the plaintext, the new one).
_DOCUMENT_CHUNK = 10

Progress = Callable[[str, int], None]


class RotationRefused(RuntimeError):
    """The rotation cannot be made as asked; the message says why (one line)."""


def parse_names(given: str) -> tuple[str, ...]:
    """``encryption_key,session_key`` as the key names, in the platform's order; refused
    naming an unknown one."""
    names = {part.strip() for part in given.split(",") if part.strip()}
    unknown = sorted(names - set(SECRET_NAMES))
    if unknown or not names:
        raise RotationRefused(
            f"unknown key {', '.join(unknown) or '(none given)'}: name some of "
            f"{', '.join(SECRET_NAMES)}"
        )
    return tuple(name for name in SECRET_NAMES if name in names)


def refuse_keys_from_the_environment(settings: Settings, names: Sequence[str]) -> None:
    """A key read from an ``XINYONG_*`` variable wins over any file: this command can write
    a file only, so rotating such a key would re-key the database under a key the platform
    never reads (decision 0054: the operator moves it into secrets.json first)."""
    given = [name for name in names if getattr(settings, name) is not None]
    if given:
        variables = ", ".join(f"XINYONG_{name.upper()}" for name in given)
        raise RotationRefused(
            f"{variables} given in the environment, which wins over secrets.json and which "
            f"this command cannot change: put the current value(s) in "
            f"{settings.data_dir / SECRETS_FILE}, unset the variable(s), rotate, then give "
            "the new value(s) from that file wherever the variables are set"
        )


# --- what is stored under the keys ----------------------------------------------------------


@dataclass
class Rekeyed:
    """How many stored values of each kind were made again, and which could not be."""

    counts: dict[str, int] = field(default_factory=dict)
    # Blind indexes whose plaintext gave them no more (module docstring), by kind.
    not_rekeyed: dict[str, int] = field(default_factory=dict)

    # Values that cannot be made again and are deleted instead (``_forget_attempt_counts``).
    deleted: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, count: int) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + count

    def missed(self, kind: str, count: int) -> None:
        if count:
            self.not_rekeyed[kind] = self.not_rekeyed.get(kind, 0) + count


@dataclass(frozen=True)
class _Move:
    """One rotation: the keys before and after, and which were changed."""

    old: FieldCipher
    new: FieldCipher
    encryption: bool
    blind_index: bool

    def seal(self, token: str, context: str, where: str) -> str:
        return self.new.encrypt_bytes(self.open(token, context, where), context=context)

    def open(self, token: str, context: str, where: str) -> bytes:
        try:
            return self.old.decrypt_bytes(token, context=context)
        except (InvalidTag, ValueError):
            # Nothing is committed: a value under no key held means the database holds
            # something already lost, which a rotation must not hide.
            raise RotationRefused(
                f"{where} does not decrypt with the current encryption key: nothing was re-keyed"
            ) from None


@dataclass(frozen=True)
class Kind:
    """A kind of stored value: its name in counts and events, the rows holding one, which
    keys it is under, and how it is made again."""

    name: str
    table: Any
    where: ColumnElement[bool]
    under: frozenset[str]
    run: Callable[[Session, _Move, Rekeyed, Progress], None]

    def count(self, session: Session) -> int:
        return int(
            session.scalar(select(func.count()).select_from(self.table).where(self.where)) or 0
        )


def _chunks(
    session: Session,
    id_column: InstrumentedAttribute[int],
    columns: Sequence[Any],
    where: ColumnElement[bool],
    size: int = _CHUNK,
) -> Iterator[list[Any]]:
    """The rows in id order, ``size`` at a time (keyset: no offset rescans)."""
    last: int | None = None
    while True:
        query = select(id_column, *columns).where(where).order_by(id_column).limit(size)
        if last is not None:
            query = query.where(id_column > last)
        rows = list(session.execute(query).all())
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _write(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Each row's new values, found by its primary key. On PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` per set of columns, not a statement a row: a rotation of
    100,000 records took 160 s a statement a row on a loaded machine; on SQLite, in
    process, a statement a row costs no round trip."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(update(model), rows)
        return
    table = model.__table__
    (key,) = (found.name for found in table.primary_key.columns)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    for names, group in groups.items():
        given = values(*(column(name, table.c[name].type) for name in names), name="rekeyed").data(
            [tuple(row[name] for name in names) for row in group]
        )
        session.execute(
            update(table)
            .where(table.c[key] == given.c[key])
            .values({name: given.c[name] for name in names if name != key})
        )


def _reencrypt(
    kind: str,
    model: Any,
    id_column: InstrumentedAttribute[int],
    column: InstrumentedAttribute[Any],
    context: Callable[[int], str],
    size: int = _CHUNK,
) -> Callable[[Session, _Move, Rekeyed, Progress], None]:
    """The step for a column of ciphertexts, the row's id naming its context where the
    context is the row's own (a consent's form)."""
    key = id_column.key

    def run(session: Session, move: _Move, done: Rekeyed, progress: Progress) -> None:
        for rows in _chunks(session, id_column, [column], column.is_not(None), size):
            _write(
                session,
                model,
                [
                    {key: row_id, column.key: move.seal(token, context(row_id), f"{kind} {row_id}")}
                    for row_id, token in rows
                ],
            )
            session.expire_all()
            done.add(kind, len(rows))
            progress(kind, len(rows))

    return run


def _subjects(session: Session, move: _Move, done: Rekeyed, progress: Progress) -> None:
    where = Subject.citizen_id_ciphertext.is_not(None) | Subject.citizen_id_index.is_not(None)
    for rows in _chunks(
        session, Subject.id, [Subject.citizen_id_ciphertext, Subject.citizen_id_index], where
    ):
        changes: list[dict[str, Any]] = []
        for subject_id, token, index in rows:
            change: dict[str, Any] = {"id": subject_id}
            if token is None:
                # An index with no number to compute it from: under a retired key it finds
                # no one anyway, and would keep a hash of the number under a key that may
                # have leaked.
                change["citizen_id_index"] = None
                done.missed("subject.citizen_id_index", 1)
            else:
                number = move.open(token, CITIZEN_ID_CONTEXT, f"subject {subject_id}")
                if move.encryption:
                    change["citizen_id_ciphertext"] = move.new.encrypt_bytes(
                        number, context=CITIZEN_ID_CONTEXT
                    )
                if move.blind_index and index is not None:
                    change["citizen_id_index"] = move.new.blind_index(
                        number.decode(), context=CITIZEN_ID_CONTEXT
                    )
            changes.append(change)
        _write(session, Subject, changes)
        session.expire_all()
        done.add("subject.citizen_id", len(rows))
        progress("subject.citizen_id", len(rows))


def payload_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def payload_text(payload: Mapping[str, Any], sensitive: bytes | None) -> str:
    """What ``collection.pipeline.payload_digest`` hashes, from what is stored: the payload
    (clear JSON) and the sensitive fields (decrypted), each as canonical JSON."""
    sensitive_json = ""
    if sensitive is not None:
        loaded = json.loads(sensitive)
        sensitive_json = payload_json(loaded) if loaded else ""
    return payload_json(payload) + "\x00" + sensitive_json


def _declared_id_fields(session: Session) -> list[str]:
    """The fields any record type (any version of it) fills with the subject's own ID
    number when a subject declares (``collection.records``)."""
    fields = {
        definition.get("subject_citizen_id_field")
        for definition in session.scalars(select(RecordTypeVersion.definition))
        if isinstance(definition, dict)
    }
    return sorted(name for name in fields if isinstance(name, str) and name)


def _declarants_numbers(session: Session, move: _Move, subject_ids: set[int]) -> dict[int, bytes]:
    """The ID numbers of the persons among ``subject_ids``, read where the subjects' kind
    left them (under the new encryption key, which is the old one when it is not rotated)."""
    if not subject_ids:
        return {}
    numbers: dict[int, bytes] = {}
    for subject_id, token in session.execute(
        select(Subject.id, Subject.citizen_id_ciphertext).where(
            Subject.id.in_(sorted(subject_ids)), Subject.citizen_id_ciphertext.is_not(None)
        )
    ):
        assert token is not None
        try:
            numbers[subject_id] = move.new.decrypt_bytes(token, context=CITIZEN_ID_CONTEXT)
        except (InvalidTag, ValueError):
            numbers[subject_id] = move.open(token, CITIZEN_ID_CONTEXT, f"subject {subject_id}")
    return numbers


def _declared_hash(
    payload: Mapping[str, Any],
    number: bytes | None,
    fields: Sequence[str],
    digest: str,
    old_index: Callable[[str], str],
) -> str | None:
    """What a person's own declaration or commitment hashed: its payload and the person's
    ID number, which its version does not keep (``collection.records`` stores no
    ciphertext for it). The text whose old hash is the stored one, if any."""
    if number is None:
        return None
    for name in fields:
        hashed = payload_text(payload, json.dumps({name: number.decode()}).encode())
        if old_index(hashed) == digest:
            return hashed
    return None


def _records(session: Session, move: _Move, done: Rekeyed, progress: Progress) -> None:
    """Records with their versions, a slice of records at a time: a record's hash is its
    current version's, found again among that record's versions."""
    old_index = move.old.blind_indexer(context=PAYLOAD_HASH_CONTEXT)
    new_index = move.new.blind_indexer(context=PAYLOAD_HASH_CONTEXT)
    declared_fields = _declared_id_fields(session) if move.blind_index else []
    for chunk in _chunks(
        session,
        CreditRecord.id,
        [CreditRecord.payload_hash, CreditRecord.subject_id, CreditRecord.self_declared],
        CreditRecord.id > 0,
    ):
        rows = [(record_id, digest) for record_id, digest, _subject, _declared in chunk]
        declarant = {
            record_id: subject_id
            for record_id, _digest, subject_id, declared in chunk
            if declared and move.blind_index
        }
        numbers = _declarants_numbers(session, move, set(declarant.values()))
        ids = [row[0] for row in rows]
        versions = session.execute(
            select(
                RecordVersion.id,
                RecordVersion.record_id,
                RecordVersion.payload,
                RecordVersion.sensitive_ciphertext,
                RecordVersion.payload_hash,
            )
            # The chunk holds every record of its range of ids: a range scan of the index.
            .where(RecordVersion.record_id.between(ids[0], ids[-1]))
        ).all()
        # Per record: each old hash found again, with its new value.
        again: dict[int, dict[str, str]] = {}
        changes: list[dict[str, Any]] = []
        unknown: list[tuple[int, int, str]] = []
        for version_id, record_id, payload, token, digest in versions:
            change: dict[str, Any] = {"id": version_id}
            sensitive = (
                None
                if token is None
                else move.open(token, SENSITIVE_CONTEXT, f"record_version {version_id}")
            )
            if move.encryption and sensitive is not None:
                change["sensitive_ciphertext"] = move.new.encrypt_bytes(
                    sensitive, context=SENSITIVE_CONTEXT
                )
            if move.blind_index and digest:
                hashed = payload_text(payload, sensitive)
                given_again = old_index(hashed) == digest
                if not given_again and token is None and record_id in declarant:
                    declared = _declared_hash(
                        payload,
                        numbers.get(declarant[record_id]),
                        declared_fields,
                        digest,
                        old_index,
                    )
                    if declared is not None:
                        hashed, given_again = declared, True
                if given_again:
                    change["payload_hash"] = again.setdefault(record_id, {})[digest] = new_index(
                        hashed
                    )
                else:
                    unknown.append((len(changes), record_id, digest))
            changes.append(change)
        for position, record_id, digest in unknown:
            # A version sharing a hash it did not give (a revocation's) takes the new one
            # of the version that did.
            found = again.get(record_id, {}).get(digest)
            changes[position]["payload_hash"] = found or NOT_REKEYED
            if found is None:
                done.missed("record_version.payload_hash", 1)
        _write(session, RecordVersion, [change for change in changes if len(change) > 1])
        if move.blind_index:
            record_changes = []
            for record_id, digest in rows:
                if not digest:
                    continue
                found = again.get(record_id, {}).get(digest)
                if found is None:
                    done.missed("credit_record.payload_hash", 1)
                record_changes.append({"id": record_id, "payload_hash": found or NOT_REKEYED})
            _write(session, CreditRecord, record_changes)
        session.expire_all()
        done.add("credit_record", len(rows))
        done.add("record_version", len(versions))
        progress("credit_record", len(rows))


def _report_files(session: Session, move: _Move, done: Rekeyed, progress: Progress) -> None:
    """A file part's key is the blind index of its content: a new key is a new row, the
    reports issued from it pointed at it, the old row deleted (a key referenced by reports
    cannot change in place)."""
    table = CreditReportFile.__table__
    # The rows there now: those made here come after them and are under the new keys.
    last = session.scalar(select(func.max(CreditReportFile.id))) or 0
    for rows in _chunks(
        session,
        CreditReportFile.id,
        [CreditReportFile.key, CreditReportFile.ciphertext],
        CreditReportFile.id <= last,
        _LARGE_CHUNK,
    ):
        for file_id, key, token in rows:
            content = move.open(token, FILE_CONTEXT, f"credit_report_file {file_id}")
            sealed = (
                move.new.encrypt_bytes(content, context=FILE_CONTEXT) if move.encryption else token
            )
            if not move.blind_index:
                session.execute(
                    update(CreditReportFile)
                    .where(CreditReportFile.id == file_id)
                    .values(ciphertext=sealed)
                )
                continue
            new_key = move.new.blind_index(content.decode(), context=FILE_CONTEXT)
            (new_id,) = allocate_ids(session, table, 1)
            session.execute(
                insert(CreditReportFile).values(id=new_id, key=new_key, ciphertext=sealed)
            )
            session.execute(
                update(CreditReport).where(CreditReport.file_key == key).values(file_key=new_key)
            )
            session.execute(delete(CreditReportFile).where(CreditReportFile.id == file_id))
        session.expire_all()
        done.add("credit_report_file", len(rows))
        progress("credit_report_file", len(rows))


ENCRYPTION = frozenset({"encryption_key"})
BOTH = frozenset({"encryption_key", "blind_index_key"})

KINDS: tuple[Kind, ...] = (
    Kind(
        "subject.citizen_id",
        Subject,
        Subject.citizen_id_ciphertext.is_not(None) | Subject.citizen_id_index.is_not(None),
        BOTH,
        _subjects,
    ),
    Kind("credit_record", CreditRecord, CreditRecord.id > 0, BOTH, _records),
    Kind(
        "quarantined_row.values",
        QuarantinedRow,
        QuarantinedRow.values_ciphertext.is_not(None),
        ENCRYPTION,
        _reencrypt(
            "quarantined_row.values",
            QuarantinedRow,
            QuarantinedRow.id,
            QuarantinedRow.values_ciphertext,
            lambda _id: QUARANTINE_CONTEXT,
        ),
    ),
    Kind(
        "consent_form",
        ConsentForm,
        ConsentForm.consent_id > 0,
        ENCRYPTION,
        _reencrypt(
            "consent_form",
            ConsentForm,
            ConsentForm.consent_id,
            ConsentForm.ciphertext,
            form_context,
            _DOCUMENT_CHUNK,
        ),
    ),
    Kind(
        "authorisation_form",
        AuthorisationForm,
        AuthorisationForm.authorisation_id > 0,
        ENCRYPTION,
        _reencrypt(
            "authorisation_form",
            AuthorisationForm,
            AuthorisationForm.authorisation_id,
            AuthorisationForm.ciphertext,
            authorisations.form_context,
            _DOCUMENT_CHUNK,
        ),
    ),
    Kind(
        "name_objection.evidence",
        NameObjection,
        NameObjection.evidence_ciphertext.is_not(None),
        ENCRYPTION,
        _reencrypt(
            "name_objection.evidence",
            NameObjection,
            NameObjection.id,
            NameObjection.evidence_ciphertext,
            lambda _id: EVIDENCE_CONTEXT,
            _DOCUMENT_CHUNK,
        ),
    ),
    Kind(
        "list_objection.contact",
        ListObjection,
        ListObjection.contact_ciphertext.is_not(None),
        ENCRYPTION,
        _reencrypt(
            "list_objection.contact",
            ListObjection,
            ListObjection.id,
            ListObjection.contact_ciphertext,
            lambda _id: CONTACT_CONTEXT,
        ),
    ),
    Kind(
        "credit_report.content",
        CreditReport,
        CreditReport.content_ciphertext.is_not(None),
        ENCRYPTION,
        _reencrypt(
            "credit_report.content",
            CreditReport,
            CreditReport.id,
            CreditReport.content_ciphertext,
            lambda _id: CONTENT_CONTEXT,
            _LARGE_CHUNK,
        ),
    ),
    Kind("credit_report_file", CreditReportFile, CreditReportFile.id > 0, BOTH, _report_files),
)


# Every column holding a value under the encryption or the blind-index key, re-keyed by the
# kinds above (decision 0054's table). A test holds it equal to the columns of the schema
# that look like one: a new encrypted column fails it until its rotation is written.
REKEYED_COLUMNS = frozenset(
    {
        "subject.citizen_id_ciphertext",
        "subject.citizen_id_index",
        "record_version.sensitive_ciphertext",
        "record_version.payload_hash",
        "credit_record.payload_hash",
        "quarantined_row.values_ciphertext",
        "consent_form.ciphertext",
        "authorisation_form.ciphertext",
        "name_objection.evidence_ciphertext",
        "list_objection.contact_ciphertext",
        "credit_report.content_ciphertext",
        "credit_report_file.ciphertext",
        "credit_report_file.key",
    }
)


# Keyed hashes whose plaintext is not stored, which a rotation of the blind-index key
# deletes rather than re-keys (decision 0054 addendum, session 24).
ATTEMPT_COUNTS = "limited_attempt"


def _forget_attempt_counts(session: Session, done: Rekeyed) -> None:
    """The login limits' attempt counts (``ratelimit.SharedAttemptLimiter``) are keyed by an
    HMAC under the blind-index key of a username or an address, which is not stored: they
    cannot be made again, and are deleted — counts of a few minutes' window, which start
    again from nothing."""
    removed = session.execute(delete(LimitedAttempt)).rowcount  # type: ignore[attr-defined]
    done.deleted[ATTEMPT_COUNTS] = int(removed or 0)


def kinds_for(names: Sequence[str]) -> list[Kind]:
    return [kind for kind in KINDS if kind.under.intersection(names)]


def count(session: Session, names: Sequence[str]) -> dict[str, int]:
    """What a rotation of ``names`` re-keys, by kind (a dry run's answer)."""
    return {kind.name: kind.count(session) for kind in kinds_for(names)}


def _lock(session: Session) -> None:
    """No write to a re-keyed table between our reading a row and the commit (PostgreSQL;
    SQLite's writers wait at BEGIN IMMEDIATE already): a row written meanwhile under the
    old keys would be under keys nobody holds. And no transaction reading across the
    commit: every transaction reads the audit chain's head as it begins, comparing its
    keys with those of record (``audit.read_under_keys_of_record``), which holds the head's
    table ACCESS SHARE; taken ACCESS EXCLUSIVE here, first (no lock of ours held yet, so no
    deadlock with one waiting for them), the rotation waits for every such transaction,
    and one beginning meanwhile waits for the commit and then reads the new keys of
    record. Readers of the database wait for the rotation, as on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {AuditHead.__tablename__} IN ACCESS EXCLUSIVE MODE"))
    locks.lock_names(session, [keys_of_record.ACTION])
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = ", ".join(sorted({kind.table.__tablename__ for kind in KINDS}))
    session.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
    # Hundreds of statements alike: JIT compiling each costs more than it saves.
    session.execute(text("SET LOCAL jit = off"))


def rekey(
    session: Session,
    clock: Clock,
    old: KeySet,
    new: KeySet,
    names: Sequence[str],
    *,
    progress: Progress = lambda _kind, _rows: None,
) -> Rekeyed:
    """Every value stored under the keys ``names`` made again under ``new``, and the new
    keys' check values recorded, in the caller's transaction: committed whole or not at
    all. ``old`` must be the database's keys of record (``keys_of_record.verify``)."""
    _lock(session)
    keys_of_record.verify(session, clock, old.cipher())
    move = _Move(
        old.cipher(),
        new.cipher(),
        encryption="encryption_key" in names,
        blind_index="blind_index_key" in names,
    )
    done = Rekeyed()
    for kind in kinds_for(names):
        done.add(kind.name, 0)
        kind.run(session, move, done, progress)
    if move.blind_index:
        _forget_attempt_counts(session, done)
    before, after = old.checks(), new.checks()
    audit.record(
        session,
        clock,
        audit.SYSTEM,
        ACTION,
        details={
            "rotated": list(names),
            "before": {name: before[name] for name in names},
            "after": {name: after[name] for name in names},
            "rekeyed": dict(done.counts),
            "not_rekeyed": dict(done.not_rekeyed),
            "deleted": dict(done.deleted),
        },
    )
    # The keys of record from now on: all three, so that a side file left by a crash is
    # told from one whose rotation was committed (``key_files.promote_pending``).
    audit.record(
        session,
        clock,
        audit.SYSTEM,
        keys_of_record.ACTION,
        details={**after, "checked_against": "rotation"},
    )
    # Every writer compares its keys with these where it takes the head (decision 0054
    # addendum, session 24): one that read the old keys is refused once this commits.
    audit.hold_key_checks(session, after)
    return done


class PromoteFailed(RuntimeError):
    """The database was re-keyed, but the side file holding its new keys could not replace
    secrets.json: the operator moves it there before anything else opens the database."""

    def __init__(self, pending: Path, error: OSError) -> None:
        super().__init__(
            f"the database was re-keyed, but {pending} could not replace {SECRETS_FILE} "
            f"({error}): move it there before anything else opens the database"
        )


def rotate(
    settings: Settings,
    engine: Engine,
    clock: Clock,
    names: Sequence[str],
    *,
    progress: Progress = lambda _kind, _rows: None,
) -> Rekeyed:
    """A rotation in the order that leaves no stored value under keys no file holds
    (decision 0054): the new keys written beside secrets.json first; the database re-keyed
    in one transaction; then the side file promoted. A failure after the side file was
    written is settled at once where the database can say whether the commit went through
    (``settle_after_failure``), else by the next opening; what happened is noted on the
    error. The caller holds the database alone (the daily job's and this action's locks)."""
    try:
        key_files.refuse_a_layout_not_kept(settings)
    except key_files.OwnerNotKept as exc:
        raise RotationRefused(str(exc)) from None
    old = KeySet.of(settings)
    new = old.rotated(names)
    try:
        pending = key_files.write_pending(settings, new, names)
    except key_files.OwnerNotKept as exc:
        raise RotationRefused(str(exc)) from None
    except OSError as exc:
        raise RotationRefused(
            f"the new keys could not be written beside {SECRETS_FILE} ({exc.strerror}): "
            "nothing was changed"
        ) from exc
    try:
        with unit_of_work(make_session_factory(engine)) as session:
            done = rekey(session, clock, old, new, names, progress=progress)
    except BaseException as failure:
        failure.add_note(key_files.settled(settings, engine, old))
        raise
    try:
        key_files.promote(settings)
    except OSError as exc:
        raise PromoteFailed(pending, exc) from exc
    reset_default_cipher()
    return done
