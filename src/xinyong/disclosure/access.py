"""The three lawful query paths, and nothing else (Art. 13), with the subject's access log
(Art. 24).

*self*: a subject account reads its own whole file. *query item*: staff with query
permission read the record types of a published query item of their organisation that its
security officer assigned to them (Art. 12(2)), naming its matter. *written
authorisation*: an organisation reads the non-public record types a subject authorised,
for the authorised purpose — on the one authorisation the read names, or the only one in
force — until the authorisation ends (decision 0007, session 18 addendum). Every read of non-public data
and every refused attempt is logged for the subject, and audited: a granted read by one
event in the chain per request, which witnesses the log entries it wrote (``Logged``,
decision 0003 addendum), a refused one by the refusal's event (``access.refused``), which
witnesses the entry written with it after the rollback (``refusal``; session 13 addendum);
the log itself is append-only (migration 0044).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Organisation, UserAccount
from xinyong.accounts.permissions import Actor, Permission, has_permission
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.db import locks
from xinyong.db.prepared import Prepared
from xinyong.disclosure import authorisations, joint_check_uses, query_assignments, query_items
from xinyong.disclosure.files import FileRead, RecordView, as_public, build_file, public_part
from xinyong.disclosure.models import AccessEvent, Authorisation, LegalPath, QueryItem
from xinyong.errors import (
    ConcealedRefusal,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from xinyong.lists.models import AdministrativeMatter, ListStandard, Measure
from xinyong.subjects.models import Subject


@dataclass(frozen=True)
class ReadLimits:
    """Bulk reads are limited per account and per organisation (Art. 12, 34)."""

    per_account_per_hour: int = 300
    per_organisation_per_hour: int = 3000


@dataclass(frozen=True)
class Access:
    """A granted read: which path, which record types (None: the whole file), and why."""

    subject: Subject
    path: LegalPath
    record_type_codes: frozenset[str] | None
    purpose: str | None
    query_item: QueryItem | None = None
    # The written authorisation the read is for (one: the reader names it, or it is the
    # only one in force; decision 0007, session 18 addendum).
    authorisation_ids: tuple[int, ...] = ()
    # The query item's record types it does not open on this subject: not public about
    # it, and the item states no statutory exception (Art. 13 ¶3; ``query_items.unopened``).
    unopened_record_type_codes: frozenset[str] = frozenset()
    # A query item stating no statutory exception shows only what is public about the
    # subject, of its record types (Art. 13 ¶3; decision 0007, session 13 addendum).
    public_only: bool = False
    # The subject's access-log entries of this read (``decide``), written by ``open_file``
    # at once, or by the caller with what it writes itself (``write_log``, ``logged_with``).
    log: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    def file(
        self, session: Session, clock: Clock, *, as_of: dt.date | None = None
    ) -> list[RecordView]:
        return self.read(session, clock, as_of=as_of).records

    def read(self, session: Session, clock: Clock, *, as_of: dt.date | None = None) -> FileRead:
        """The records shown and, on a query item, how many of its types' records were
        withheld as not public (so that the agency knows to ask for the subject's written
        authorisation); none with a statutory exception, None on the other paths.

        On a query item stating its statutory exception and on a written authorisation the
        path opens its record types, shown as stored; every other record shown is there
        because it is public, and is shown as the public file shows it (``as_public``: no
        change history, no person's name, citizen ID numbers in its text masked; decision
        0037) — the path opens nothing of it that is not public (Art. 13 ¶3)."""
        today = clock.today()
        if self.public_only:
            return public_part(
                session,
                self.subject,
                today=today,
                record_type_codes=set(self.record_type_codes or ()),
                as_of=as_of,
            )
        opened = self.record_type_codes
        records = build_file(
            session,
            self.subject,
            today=today,
            record_type_codes=None if opened is None else set(opened),
            as_of=as_of,
        )
        if opened is not None:
            organisation = self.subject.is_organisation
            records = [
                view
                if view.type_code in opened
                else as_public(view, organisation=organisation, today=today)
                for view in records
            ]
        return FileRead(records, 0 if self.path is LegalPath.QUERY_ITEM else None)


def check_as_of(as_of: dt.date | None, today: dt.date) -> None:
    """A file read as it stood on a day (``Access.read``, a report's ``as_of``): not a day
    still to come, refused before anything is read or logged."""
    if as_of is not None and as_of > today:
        raise InvalidInput("as_of cannot be in the future", code="future_date", field="as_of")


def _event_values(
    actor: Actor,
    subject_id: int,
    clock: Clock,
    *,
    path: LegalPath,
    what: str,
    granted: bool,
    codes: list[str],
    purpose: str | None = None,
    query_item_id: int | None = None,
    authorisation_id: int | None = None,
    refusal_code: str | None = None,
    report_number: str | None = None,
    consent_id: int | None = None,
) -> dict[str, Any]:
    return {
        "subject_id": subject_id,
        "occurred_at": clock.now(),
        "organisation_id": actor.organisation_id,
        "user_id": actor.id if actor.kind == "user" else None,
        "api_key_id": actor.id if actor.kind == "api_key" else None,
        "actor_role": None if actor.role is None else actor.role.value,
        "legal_path": path,
        "query_item_id": query_item_id,
        "authorisation_id": authorisation_id,
        "consent_id": consent_id,
        "purpose": purpose,
        "record_type_codes": sorted(codes),
        "what": what,
        "granted": granted,
        "refusal_code": refusal_code,
        "report_number": report_number,
    }


# The columns of a log entry as ``_event_values`` gives them (the id is the database's).
_TABLE = cast(Table, AccessEvent.__table__)
_LOG_COLUMNS = tuple(column for column in _TABLE.c if not column.primary_key)
# The ids come back with the insert, for the audit event that witnesses the entries. Not
# in the order of the rows given (`sort_by_parameter_order` makes SQLAlchemy send SQLite
# one INSERT a row, a query per subject on every queue page): each id comes back with its
# row's content, and an entry takes the id of a row with its content (``_with_ids``).
_LOG = insert(AccessEvent).returning(AccessEvent.id, *_LOG_COLUMNS)
# One entry, the usual case, on the driver's cursor: SQLAlchemy's execution of the insert
# cost several times the insert itself on SQLite.
_LOG_ONE = Prepared(
    insert(AccessEvent)
    .values({column: bindparam(column.name, type_=column.type) for column in _LOG_COLUMNS})
    .returning(AccessEvent.id)
)

# The audit event of a granted read (decision 0003 addendum): one per request, naming the
# subjects by id and witnessing the access-log entries the request wrote (their ids and a
# digest), never what was read. A path that writes an event of its own for the same read
# (a report's issue, a queue's read) carries the witness in that event instead.
READ_ACTION = "access.read"
# The audit event of a refused access (``web.deps.settle_refusal``), which for a refused read
# witnesses the subject's access-log entry of the attempt (``refusal``).
REFUSED_ACTION = "access.refused"


@dataclass(frozen=True)
class Logged:
    """Access-log entries one request wrote, each with its id, for the one audit event
    that witnesses them (``chain``, or ``details`` in the caller's own; a refused read's in
    ``access.refused``, ``refusal``)."""

    entries: tuple[dict[str, Any], ...] = ()

    def __add__(self, other: Logged) -> Logged:
        return Logged(self.entries + other.entries)

    @property
    def subject_ids(self) -> list[int]:
        return sorted({entry["subject_id"] for entry in self.entries})

    def details(self) -> dict[str, Any]:
        """The witness of the entries, for an audit event's details (none: no entries)."""
        return audit.witness(_TABLE, self.entries) if self.entries else {}


def chain(session: Session, clock: Clock, actor: Actor, logged: Logged) -> None:
    """The audit event of the granted reads ``logged`` wrote, in the reader's transaction:
    what was read, on which path, whose (subject ids), and the entries' witness."""
    if not logged.entries:
        return
    subjects = logged.subject_ids
    audit.record(
        session,
        clock,
        actor.audit(),
        READ_ACTION,
        target_type="subject",
        target_id=subjects[0] if len(subjects) == 1 else None,
        details={
            "what": sorted({entry["what"] for entry in logged.entries}),
            "legal_path": sorted({LegalPath(e["legal_path"]).value for e in logged.entries}),
            "subjects": subjects,
            **logged.details(),
        },
    )


def _write_log(session: Session, entries: Sequence[dict[str, Any]]) -> Logged:
    """Write entries to the subjects' logs with a Core insert (granted reads in the
    reader's transaction, a refused one after its rollback), returning them with their ids
    for the event that witnesses them: nothing reads an entry back as an object, and the
    ORM's unit of work cost more than the insert on a report issued on every request."""
    if not entries:
        return Logged()
    if len(entries) == 1:
        ((entry_id,),) = _LOG_ONE.rows(session.connection(), entries[0])
        ids: Sequence[int] = (entry_id,)
    else:
        rows = session.connection().execute(_LOG, list(entries)).all()
        ids = _with_ids(entries, rows)
    return Logged(
        tuple({**entry, "id": entry_id} for entry, entry_id in zip(entries, ids, strict=True))
    )


def _content(values: Any) -> tuple[Any, ...]:
    """An entry's content as a key: every column but the time, which one request gives
    all its entries alike; lists as tuples, enumerations by their values."""
    key = []
    for column in _LOG_COLUMNS:
        if column.name == "occurred_at":
            continue
        value = values[column.name]
        if isinstance(value, list):
            value = tuple(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        key.append(value)
    return tuple(key)


def _with_ids(entries: Sequence[dict[str, Any]], rows: Sequence[Any]) -> list[int]:
    """The id of each entry, from the inserted rows returned in any order: an entry takes
    the id of a row with its content. Entries alike in content are alike in the witness, so
    which of their ids each takes does not matter."""
    free: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        free.setdefault(_content(row._mapping), []).append(row.id)
    return [free[_content(entry)].pop() for entry in entries]


def logged_with(statement: Insert) -> Insert:
    """``statement`` (the caller's INSERT … RETURNING) writing one access-log entry as
    well, in the same statement: a data-modifying WITH, for PostgreSQL, where each
    statement is a round trip. Its rows gain the entry's id (``logged_from``). Build it
    once; run it with the caller's values and ``log_values(granted)`` for a read whose log
    is a single entry (``Access.log``)."""
    logged = (
        insert(AccessEvent)
        .values(
            {column: bindparam(f"log_{column.name}", type_=column.type) for column in _LOG_COLUMNS}
        )
        .returning(AccessEvent.id)
        .cte("logged")
    )
    return statement.add_cte(logged).returning(
        select(logged.c.id).scalar_subquery().label("access_event_id")
    )


def log_values(granted: Access) -> dict[str, Any]:
    """The parameters of a statement made by ``logged_with`` for this read's one entry."""
    (entry,) = granted.log
    return {f"log_{name}": value for name, value in entry.items()}


def logged_from(granted: Access, entry_id: int) -> Logged:
    """The entry a statement made by ``logged_with`` wrote, with the id it returned."""
    (entry,) = granted.log
    return Logged(({**entry, "id": entry_id},))


def write_log(session: Session, granted: Access) -> Logged:
    """Write the log entries of a read granted by ``decide``, in the reader's transaction;
    the caller's audit event of the read witnesses them (``Logged.details``)."""
    return _write_log(session, granted.log)


def refusal(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    what: str,
    error: type[PermissionDenied] | type[RateLimited],
    message: str,
    code: str,
    *,
    article: str = "Art. 13",
    query_item: QueryItem | None = None,
    report_number: str | None = None,
    **extra: Any,
) -> PermissionDenied | RateLimited:
    """The refusal, which records itself after the rollback (``record_refusal``, called by
    the boundary): the subject's log entry of the attempt, and the refusal's one audit event
    (``access.refused``) witnessing it as a granted read's event witnesses its entries — so
    that an entry of a refused read changed or deleted is found by ``audit verify`` too
    (decision 0003, session 13 addendum). The ids are taken now: after the rollback the
    subject and the item are expired ORM objects, and reading them then would query again
    (or fail, were they new in that transaction)."""
    subject_id = subject.id
    query_item_id = None if query_item is None else query_item.id

    def record(after: Session, details: dict[str, Any]) -> None:
        logged = _write_log(
            after,
            [
                _event_values(
                    actor,
                    subject_id,
                    clock,
                    path=LegalPath.NONE,
                    what=what,
                    granted=False,
                    codes=[],
                    query_item_id=query_item_id,
                    refusal_code=code,
                    report_number=report_number,
                )
            ],
        )
        audit.record(
            after,
            clock,
            actor.audit(),
            REFUSED_ACTION,
            outcome="refused",
            target_type="subject",
            target_id=subject_id,
            details={"code": code, "article": article, **details, **logged.details()},
        )

    if error is RateLimited:
        return RateLimited(message, code=code, article=article, record_refusal=record, **extra)
    return PermissionDenied(message, code=code, article=article, record_refusal=record, **extra)


def open_file(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    what: str = "file",
    query_item_code: str | None = None,
    matter: str | None = None,
    limits: ReadLimits = ReadLimits(),
    report_number: str | None = None,
    authorisation_id: int | None = None,
) -> Access:
    """Decide the lawful path for this read, log it and audit it (``chain``); refuse with
    Art. 13 otherwise."""
    granted = decide(
        session,
        clock,
        actor,
        subject,
        what=what,
        query_item_code=query_item_code,
        matter=matter,
        limits=limits,
        report_number=report_number,
        authorisation_id=authorisation_id,
    )
    chain(session, clock, actor, _write_log(session, granted.log))
    return granted


def decide(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    what: str = "file",
    query_item_code: str | None = None,
    matter: str | None = None,
    limits: ReadLimits = ReadLimits(),
    report_number: str | None = None,
    authorisation_id: int | None = None,
) -> Access:
    """The lawful path for this read, with the access-log entries it must be written
    with (``Access.log``), which the caller writes in the same transaction before it
    commits (``write_log``, ``logged_with``), witnessed by its own audit event of the read;
    refusals are logged as by ``open_file``.

    ``authorisation_id``: on the written-authorisation path, the authorisation the read is
    for, whose purpose the reader states by naming it (``_by_authorisation``)."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to read a credit file", code="not_authenticated")
    if actor.subject_id is not None:
        if actor.subject_id != subject.id or not has_permission(actor, Permission.READ_OWN_FILE):
            raise refusal(
                session,
                clock,
                actor,
                subject,
                what,
                PermissionDenied,
                "a subject account may read only its own credit file",
                "not_own_subject",
            )
        entry = _event_values(
            actor,
            subject.id,
            clock,
            path=LegalPath.SELF,
            what=what,
            granted=True,
            codes=[],
            purpose="own file",
            report_number=report_number,
        )
        return Access(subject, LegalPath.SELF, None, "own file", log=(entry,))
    standing = actor.standing
    if standing is not None:
        # A suspended, deregistered or unregistered credit service institution reads on no
        # path (Art. 26, 27); the subject sees the refused attempt.
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            standing.own_message,
            standing.code,
            article=standing.article,
        )
    check_read_limits(session, clock, actor, subject, what, limits)
    if query_item_code:
        if authorisation_id is not None:
            # One lawful path a read: never the item's with the authorisation's scope.
            raise InvalidInput(
                "name a query item or a written authorisation, not both",
                code="one_path",
                field="authorisation",
                article="Art. 13",
            )
        return _by_query_item(
            session, clock, actor, subject, what, query_item_code, matter, report_number
        )
    return _by_authorisation(session, clock, actor, subject, what, report_number, authorisation_id)


PERSON_LOOKUP = "person_lookup"
# Staff of the credit authority or the source reading a subject's objection case to handle
# it (Art. 25, ``objections.cases.case``).
OBJECTION_CASE = "objection_case"
# The same for a credit repair case (Art. 20–23, ``repair.cases.case``).
REPAIR_CASE = "repair_case"
# A person's objection to the name it is registered under (its stated name and identity
# document) read by the credit authority's handler to decide it (decision 0051).
NAME_OBJECTION = "name_objection"
# A consent's signed form (the person's name, ID number and signature) read by the credit
# authority supervising the credit service institution that recorded it (Art. 27 ¶2, 33).
CONSENT_FORM = "consent_form"
# A written authorisation as the person signed it (the uploaded document or the text signed
# in the page) read by the credit authority supervising its grantee (Art. 13 ¶3, 33;
# decision 0024, session 25 addendum).
AUTHORISATION_FORM = "authorisation_form"
# A list entry shown with its non-public parts (evidence, notice, the persons named in
# full, objections): to its subject's log (decision 0020).
LIST_ENTRY = "list_entry"
# The same, in the log of a registered person the entry names as responsible (Art. 18).
LIST_ENTRY_NAMED = "list_entry_named"
# An application for early removal from the black list (its statements and evidence) read
# by the recognising agency or the credit authority (decision 0027).
EARLY_REMOVAL = "early_removal"
# The subject's records in force a case officer may name as a proposal's basis, looked up
# on the proposal page, among them its own organisation's not public (decision 0043).
LIST_BASIS_RECORDS = "list_basis_records"
# A record shown to the source's security officer before it is public (Art. 12(3)).
RECORD_UNDER_REVIEW = "record_under_review"
# A record shown to its own source's data reporter, to revoke it (decision 0028).
SOURCE_RECORD = "source_record"
# A natural person new to the platform, registered (ID number and name) by the organisation
# that recorded the written consent the person gave it (Art. 11 ¶1; decision 0006).
REGISTERED_ON_CONSENT = "registered_on_consent"
# A person registered, by the registration authority, as answering for an organisation it
# registers — the legal representative, the principal (Art. 18): found by ID number, or
# registered on the platform with it (decision 0036, session 12 addendum).
RESPONSIBLE_PERSON_REGISTERED = "responsible_person_registered"
# The register of the persons answering for an organisation, read in full (names, masked ID
# numbers, the documents) by the authority that registers it or the credit authority: in
# the log of every person it shows (decision 0045).
RESPONSIBLE_PERSON_REGISTER = "responsible_person_register"
# A row held because its name does not match the registered person's, read with the names
# the person bears by the source's data reporter or the credit authority deciding it
# (decision 0050).
HELD_ROW = "held_row"
# A person named, with its masked ID number, in the credit authority's list of the consents
# and written authorisations given to the organisations it supervises (Art. 33; decision
# 0024 addendum, session 24).
GRANTS_LISTED = "grants_listed"
# A consent revoked by the credit authority supervising its grantee, with its reasons
# (decision 0024, session 25 addendum): the person learns who acted on it.
CONSENT_REVOKED = "consent_revoked"
# Logged for the subject, but no read of its file: neither counted against the bulk-read
# limits nor among supervision's reads (an officer's queue is shown on every visit; it is
# work on the organisation's own cases, not a query of files).
NOT_FILE_READS = (
    PERSON_LOOKUP,
    OBJECTION_CASE,
    NAME_OBJECTION,
    REPAIR_CASE,
    LIST_ENTRY,
    LIST_ENTRY_NAMED,
    LIST_BASIS_RECORDS,
    EARLY_REMOVAL,
    RECORD_UNDER_REVIEW,
    SOURCE_RECORD,
    REGISTERED_ON_CONSENT,
    RESPONSIBLE_PERSON_REGISTERED,
    RESPONSIBLE_PERSON_REGISTER,
    HELD_ROW,
    GRANTS_LISTED,
    CONSENT_REVOKED,
)
SUPERVISION_PURPOSE = "supervision of credit information and its use (Art. 33)"
LOOKUP_PURPOSE = "finding a person by ID number"
ACCOUNT_PURPOSE = "opening a subject account for the person, who showed this ID number"
LIST_WORK_PURPOSE = "recognising and reviewing list entries (Art. 14, 18)"
OBJECTION_PURPOSE = "deciding objections to list entries (Art. 25)"
REVIEW_PURPOSE = "confidentiality review before publicity (Art. 12(3))"
CONSENT_PURPOSE = "collection on the person's written consent (Art. 11)"
RESPONSIBLE_PERSON_PURPOSE = "registering the persons answering for an organisation (Art. 18)"
DRY_RUN_PURPOSE = "checking a batch of records before submitting it (a dry run, Art. 9)"
# A committed batch held or rejected a row about (or naming) the person it found by ID
# number (``pipeline.log_lookups``).
BATCH_PURPOSE = (
    "collecting a batch of records: a row naming the person was held or refused (Art. 9)"
)


def log_use(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    path: LegalPath,
    what: str,
    purpose: str,
    authorisation_ids: Sequence[int] = (),
    consent_id: int | None = None,
    chained: bool = True,
) -> Logged:
    """A use of a subject's non-public information outside the three query paths — the
    credit authority's supervision, a person found by ID number, a person registered from
    the consent it gave an organisation — in the subject's log (Art. 24), in the reader's
    transaction; one entry per written authorisation it rests on, as a read on them is,
    naming the consent it rests on if any. Audited (``chain``) unless ``chained`` is
    false: then the caller's own audit event of the request carries ``Logged.details``."""
    logged = _write_log(
        session,
        [
            _event_values(
                actor,
                subject.id,
                clock,
                path=path,
                what=what,
                granted=True,
                codes=[],
                purpose=purpose,
                authorisation_id=authorisation_id,
                consent_id=consent_id,
            )
            for authorisation_id in (authorisation_ids or (None,))
        ],
    )
    if chained:
        chain(session, clock, actor, logged)
    return logged


@dataclass(frozen=True)
class Use:
    """One subject whose non-public information a view showed, and which record types
    (none: not records, e.g. a list entry)."""

    subject_id: int
    record_type_codes: tuple[str, ...] = ()


def log_person_lookup(
    session: Session,
    clock: Clock,
    actor: Actor,
    person: Subject,
    *,
    path: LegalPath,
    purpose: str,
) -> dict[str, Any]:
    """A person found by ID number: the lookup in their access log (Art. 24: the number
    told whom it belongs to), witnessed by the lookup's own audit event, which carries the
    details returned (``subjects.record_person_lookup``): one event for the request."""
    return log_use(
        session,
        clock,
        actor,
        person,
        path=path,
        what=PERSON_LOOKUP,
        purpose=purpose,
        chained=False,
    ).details()


def log_uses(
    session: Session,
    clock: Clock,
    actor: Actor,
    uses: Sequence[Use],
    *,
    path: LegalPath,
    what: str,
    purpose: str,
    chained: bool = True,
) -> Logged:
    """Uses of several subjects' non-public information by one view — an officer's queue,
    a security officer's pending records — in each subject's log (Art. 24), in one
    statement in the reader's transaction; audited by one event (``chain``) unless
    ``chained`` is false, as ``log_use``."""
    logged = _write_log(
        session,
        [
            _event_values(
                actor,
                use.subject_id,
                clock,
                path=path,
                what=what,
                granted=True,
                codes=list(use.record_type_codes),
                purpose=purpose,
            )
            for use in uses
        ],
    )
    if chained:
        chain(session, clock, actor, logged)
    return logged


def log_case_queue(
    session: Session,
    clock: Clock,
    actor: Actor,
    shown: Sequence[tuple[int, int]],
    *,
    case_type: str,
    view: str,
    what: str,
    purpose: str,
) -> None:
    """A queue of cases (objections, repairs) showed staff each case's subject and what it
    says: one entry in each subject's log — a subject with two cases in it is one use — on
    the path of the staff's duty, and one audit event with the case ids, never their content.
    ``shown``: (case id, subject id) pairs."""
    if not shown:
        return
    ids = [case_id for case_id, _subject_id in shown]
    logged = log_uses(
        session,
        clock,
        actor,
        [Use(subject_id) for subject_id in sorted({subject_id for _id, subject_id in shown})],
        path=LegalPath.OFFICIAL_DUTY,
        what=what,
        purpose=purpose,
        chained=False,
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        f"{case_type}.queue_read",
        target_type=case_type,
        target_id=ids[0] if len(ids) == 1 else None,
        details={"view": view, "cases": ids, **logged.details()},
    )


# Within this many reads of a limit, reads of one account or organisation take their turns
# (``check_read_limits``): further off, they pass it together only if more than this many
# are under way at once.
_LIMIT_CLOSE = 50


def check_read_limits(
    session: Session, clock: Clock, actor: Actor, subject: Subject, what: str, limits: ReadLimits
) -> None:
    """Refuse (and log the refusal) once the reader's account or organisation made as
    many granted reads in the last hour as it may (Art. 12, 34)."""
    since = clock.now() - dt.timedelta(hours=1)
    checks: list[tuple[Any, int, str, str]] = []
    person_id = actor.person_id
    if person_id is not None:
        # A person's limit counts his reads in person and through every API key whose
        # secret he released (decision 0033 addendum: a key is the person who released it),
        # so that a key does not double what one person may read in an hour.
        keys = select(ApiKey.id).where(ApiKey.released_by_id == person_id)
        checks.append(
            (
                or_(AccessEvent.user_id == person_id, AccessEvent.api_key_id.in_(keys)),
                limits.per_account_per_hour,
                "this account",
                f"read-limit:person:{person_id}",
            )
        )
    if actor.organisation_id is not None:
        checks.append(
            (
                AccessEvent.organisation_id == actor.organisation_id,
                limits.per_organisation_per_hour,
                "your organisation",
                f"read-limit:organisation:{actor.organisation_id}",
            )
        )
    for condition, limit, who, name in checks:
        read = select(func.count(AccessEvent.id)).where(
            condition,
            AccessEvent.occurred_at >= since,
            AccessEvent.granted,
            AccessEvent.what.not_in(NOT_FILE_READS),
        )
        count = session.scalar(read) or 0
        if count >= limit - min(limit, _LIMIT_CLOSE):
            # Near the limit, reads that counted at once could each find room for one more
            # and pass it together (PostgreSQL; SQLite serialises writers). There they wait
            # for each other's transaction, and count again once it is over, with its entry.
            locks.lock_names(session, [name])
            count = session.scalar(read) or 0
        if count >= limit:
            raise refusal(
                session,
                clock,
                actor,
                subject,
                what,
                RateLimited,
                f"bulk reads are limited: {who} made {limit} reads of credit files in the last hour; "
                "wait, or ask the credit authority to raise the limit for a documented case",
                "bulk_read_limit",
                article="Art. 12",
                retry_after=3600,
            )


def _by_query_item(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    what: str,
    code: str,
    matter: str | None,
    report_number: str | None,
) -> Access:
    item = session.scalar(select(QueryItem).where(QueryItem.code == code))
    if not has_permission(actor, Permission.QUERY_BY_ITEM):
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "your role has no query permission",
            "no_query_permission",
            article="Art. 12",
        )
    if item is None or item.organisation_id != actor.organisation_id:
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "this query item is not one of your organisation's",
            "not_our_query_item",
        )
    if item.published_at is None or item.withdrawn_at is not None:
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "this query item is not published, so it may not be used",
            "query_item_unpublished",
            article="Art. 13 ¶2",
            query_item=item,
        )
    if not query_assignments.holds(session, actor, item):
        # Art. 12(2): the organisation's security officer decides which of its staff use
        # which item; naming another item's matter opens nothing to the rest.
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "this query item is not assigned to you; your organisation's security officer "
            "assigns query items to its staff",
            "not_assigned_query_item",
            article="Art. 12(2)",
            query_item=item,
            field="query_item",
        )
    if not matter or matter.strip() not in (item.matter_code, item.matter):
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            f"name the administrative matter of this query item ({item.matter_code}: {item.matter})",
            "matter_mismatch",
            article="Art. 13 ¶2",
            query_item=item,
        )
    # Art. 13 ¶3: what is not public about the subject only where a law or an
    # administrative regulation makes the exception, which the item states or not.
    unopened = query_items.unopened(session, item, subject)
    opened = [code for code in item.record_type_codes if code not in unopened]
    if not opened:
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "this query item states no law or administrative regulation that lets you read "
            "its record types, which are not public about this subject, without the "
            "subject's written authorisation",
            "no_statutory_exception",
            article="Art. 13 ¶3",
            query_item=item,
        )
    entry = _event_values(
        actor,
        subject.id,
        clock,
        path=LegalPath.QUERY_ITEM,
        what=what,
        granted=True,
        codes=opened,
        purpose=item.matter,
        query_item_id=item.id,
        report_number=report_number,
    )
    return Access(
        subject,
        LegalPath.QUERY_ITEM,
        frozenset(opened),
        item.matter,
        query_item=item,
        unopened_record_type_codes=unopened,
        public_only=query_items.exception_of(item) is None,
        log=(entry,),
    )


def _by_authorisation(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    what: str,
    report_number: str | None,
    authorisation_id: int | None,
) -> Access:
    """The read on one written authorisation of the subject's in force for the reader's
    organisation: the one it names, or else the only one that can be meant. Non-public
    information is read only for the authorised purpose (rules.md "Disclosure"), so one
    authorisation's scope opens records and only it is logged, with its purpose."""
    if actor.organisation_id is None or not (
        has_permission(actor, Permission.QUERY_BY_AUTHORISATION)
        or has_permission(actor, Permission.QUERY_BY_ITEM)
    ):
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "your role may not read credit files",
            "no_query_permission",
            article="Art. 12",
        )
    in_force = authorisations.in_force(session, subject.id, actor.organisation_id, clock.today())
    chosen = _authorisation_read_on(
        session, clock, actor, subject, what, in_force, authorisation_id
    )
    # Each scope opens its own read; one without it is refused like any other read
    # without a lawful path, in the subject's log.
    if what == authorisations.CREDIT_STATUS:
        if authorisations.CREDIT_STATUS not in chosen.record_type_codes:
            raise refusal(
                session,
                clock,
                actor,
                subject,
                what,
                PermissionDenied,
                "the subject's authorisation does not cover its credit status (list status "
                "and grade)",
                "scope_not_authorised",
                article="Art. 13 ¶3",
                field="authorisation",
            )
    elif not authorisations.record_types_of(chosen):
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "the subject's authorisation names no record type: it opens its credit status "
            "(list status and grade), not its credit file or a credit report",
            "scope_not_authorised",
            article="Art. 13 ¶3",
            field="authorisation",
        )
    entry = _event_values(
        actor,
        subject.id,
        clock,
        path=LegalPath.AUTHORISATION,
        what=what,
        granted=True,
        codes=chosen.record_type_codes,
        purpose=chosen.purpose,
        authorisation_id=chosen.id,
        report_number=report_number,
    )
    return Access(
        subject,
        LegalPath.AUTHORISATION,
        frozenset(chosen.record_type_codes),
        chosen.purpose,
        authorisation_ids=(chosen.id,),
        log=(entry,),
    )


def _authorisation_read_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    what: str,
    in_force: list[Authorisation],
    authorisation_id: int | None,
) -> Authorisation:
    """The authorisation a read is for: the one named, if it is one of ``in_force``; else
    the only one in force that can open it (for a credit status, one covering it; for a
    file or report, one naming record types). Named
    but not in force — revoked, expired, another subject's or organisation's, or none — is
    refused as no authorisation at all is, in the subject's log: the answer never tells
    whether an authorisation exists that is not the reader's. Several that can be meant and
    none named: 422 ``authorisation_required``, listing them (the reader's own)."""
    if authorisation_id is not None:
        for authorisation in in_force:
            if authorisation.id == authorisation_id:
                return authorisation
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "the written authorisation you named is not in force for your organisation from "
            "this subject (revoked, expired, or not given to it)",
            "no_lawful_path",
            article="Art. 13 ¶3",
            field="authorisation",
        )
    if not in_force:
        raise refusal(
            session,
            clock,
            actor,
            subject,
            what,
            PermissionDenied,
            "non-public information needs the subject's written authorisation in force for your "
            "organisation, or a published query item naming your matter",
            "no_lawful_path",
            article="Art. 13 ¶3",
        )
    # Each scope is its own purpose: the credit status (risk pricing, Art. 19) is read on
    # an authorisation naming it, a file or a report on one naming record types. One that
    # cannot open this read is not offered as the one meant.
    if what == authorisations.CREDIT_STATUS:
        candidates = [a for a in in_force if authorisations.CREDIT_STATUS in a.record_type_codes]
    else:
        candidates = [a for a in in_force if authorisations.record_types_of(a)]
    if not candidates:
        return in_force[0]  # refused for its scope by the caller
    if len(candidates) == 1:
        return candidates[0]
    raise InvalidInput(
        "several written authorisations of this subject are in force for your organisation: "
        "name the one this read is for (its purpose)",
        code="authorisation_required",
        field="authorisation",
        article="Art. 13 ¶3",
        details={"authorisations": [in_force_summary(a) for a in candidates]},
    )


def in_force_summary(authorisation: Authorisation) -> dict[str, Any]:
    """What a reader is shown of its own organisation's authorisation, to choose the one
    its read is for: its id, purpose, scope and last day."""
    return {
        "id": authorisation.id,
        "purpose": authorisation.purpose,
        "record_types": list(authorisation.record_type_codes),
        "valid_until": authorisation.valid_until.isoformat(),
    }


REPORT_REOPENED = "report_reopened"


def log_report_reopened(
    session: Session, clock: Clock, actor: Actor, subject_id: int, report_number: str
) -> Logged:
    """An issued report opened again by its requester shows the subject's data again:
    logged for the subject like the issuance (Art. 24), on the path and for the purpose
    the report was issued on, in the reader's transaction; the report's audit event of
    the reopening witnesses the entries."""
    issued = session.scalars(
        select(AccessEvent).where(
            AccessEvent.subject_id == subject_id,
            AccessEvent.report_number == report_number,
            AccessEvent.what == "report",
            AccessEvent.granted,
        )
    ).all()
    return _write_log(
        session,
        [
            _event_values(
                actor,
                subject_id,
                clock,
                path=event.legal_path,
                what=REPORT_REOPENED,
                granted=True,
                codes=list(event.record_type_codes),
                purpose=event.purpose,
                query_item_id=event.query_item_id,
                authorisation_id=event.authorisation_id,
                report_number=report_number,
            )
            for event in issued
        ],
    )


JOINT_CHECK = "joint_check"


@dataclass(frozen=True)
class LogEntry:
    # The access event's id (``reveal_staff_name``); None for a joint check, whose own id
    # is in ``joint_check`` (``reveal_joint_check_staff_name``).
    id: int | None
    occurred_at: dt.datetime
    organisation: str | None
    role: str | None
    legal_path: str
    query_item: str | None
    matter_or_purpose: str | None
    authorisation_id: int | None
    record_types: list[str]
    what: str
    granted: bool
    refusal_code: str | None
    report_number: str | None
    # A joint check (Art. 14–19): its id, the matter, and what the answer about the subject
    # showed — list status, responsibility for a listed organisation (Art. 18), measures,
    # green channel (``joint_check_shown``).
    joint_check: dict[str, Any] | None = None
    # The consent to collection the entry rests on (``LegalPath.CONSENT``).
    consent_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.occurred_at.isoformat(),
            "organisation": self.organisation,
            "role": self.role,
            "legal_path": self.legal_path,
            "query_item": self.query_item,
            "purpose": self.matter_or_purpose,
            "authorisation_id": self.authorisation_id,
            "consent_id": self.consent_id,
            "record_types": self.record_types,
            "what": self.what,
            "granted": self.granted,
            "refusal_code": self.refusal_code,
            "report_number": self.report_number,
            "joint_check": self.joint_check,
        }


def access_log(
    session: Session,
    actor: Actor,
    *,
    since: dt.datetime | None = None,
    joint_checks: bool = True,
) -> list[LogEntry]:
    """Who looked at my file: every read and refused attempt, and every joint check that
    answered about me (unless ``joint_checks`` is false), newest first; staff shown by
    role and organisation (the name is available on request, see ``reveal_staff_name``)."""
    if actor.subject_id is None or not has_permission(actor, Permission.READ_OWN_FILE):
        raise PermissionDenied(
            "only a subject sees its own access log", code="not_subject", article="Art. 24"
        )
    query = (
        select(AccessEvent, Organisation.name, QueryItem.code)
        .outerjoin(Organisation, Organisation.id == AccessEvent.organisation_id)
        .outerjoin(QueryItem, QueryItem.id == AccessEvent.query_item_id)
        .where(AccessEvent.subject_id == actor.subject_id)
        .order_by(AccessEvent.occurred_at.desc(), AccessEvent.id.desc())
    )
    if since is not None:
        query = query.where(AccessEvent.occurred_at >= since)
    reads = [
        LogEntry(
            id=event.id,
            occurred_at=event.occurred_at,
            organisation=org_name,
            role=event.actor_role,
            legal_path=event.legal_path.value,
            query_item=item_code,
            matter_or_purpose=event.purpose,
            authorisation_id=event.authorisation_id,
            record_types=list(event.record_type_codes),
            what=event.what,
            granted=event.granted,
            refusal_code=event.refusal_code,
            report_number=event.report_number,
            consent_id=event.consent_id,
        )
        for event, org_name, item_code in session.execute(query)
    ]
    checks = _joint_check_entries(session, actor.subject_id, since=since) if joint_checks else []
    if not checks:
        return reads
    return sorted(
        [*reads, *checks],
        key=lambda entry: (entry.occurred_at, entry.joint_check is None),
        reverse=True,
    )


def _joint_check_entries(
    session: Session, subject_id: int, *, since: dt.datetime | None
) -> list[LogEntry]:
    uses = joint_check_uses.uses_of(session, subject_id, since=since)
    if not uses:
        return []
    organisations = _names(
        session, Organisation.id, Organisation.name, {u.organisation_id for u in uses}
    )
    matters = _names(
        session, AdministrativeMatter.code, AdministrativeMatter.name, {u.matter_code for u in uses}
    )
    shown = joint_check_shown(session, [use.situation for use in uses])
    return [
        LogEntry(
            id=None,
            occurred_at=use.occurred_at,
            organisation=organisations.get(use.organisation_id),
            role=use.actor_role,
            legal_path=JOINT_CHECK,
            query_item=None,
            matter_or_purpose=matters.get(use.matter_code),
            authorisation_id=None,
            record_types=[],
            what=JOINT_CHECK,
            granted=True,
            refusal_code=None,
            report_number=None,
            joint_check={
                "id": use.id,
                "matter": use.matter_code,
                **what,
                # The years its green channel was answered on, for explaining the reason as
                # it was given (None: a check from before they were kept).
                "clean_years": use.clean_years,
            },
        )
        for use, what in zip(uses, shown, strict=True)
    ]


def _names(session: Session, key: Any, name: Any, keys: set[Any]) -> dict[Any, str]:
    keys.discard(None)
    if not keys:
        return {}
    return dict(session.execute(select(key, name).where(key.in_(keys))).all())


def joint_check_shown(
    session: Session, situations: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What joint checks' answers showed about a subject, as its access log says it: the
    list standards it was listed under (code, name, list), the organisations' entries naming
    it as responsible (Art. 18), the measures (code, name), and the green channel."""
    standard_ids = {
        standard
        for situation in situations
        for standard in [
            *situation.get("standard_ids", ()),
            *(r["standard_id"] for r in situation.get("responsible_for", ())),
        ]
    }
    standards = {
        row.id: row
        for row in session.execute(
            select(ListStandard.id, ListStandard.code, ListStandard.name, ListStandard.kind).where(
                ListStandard.id.in_(standard_ids)
            )
        )
    }
    measure_codes = {code for situation in situations for code in situation.get("measures", ())}
    measure_names = _names(session, Measure.code, Measure.name, measure_codes)

    def standard(standard_id: int) -> dict[str, Any]:
        row = standards.get(standard_id)
        if row is None:
            return {"standard": None, "name": None, "list": None}
        return {"standard": row.code, "name": row.name, "list": row.kind.value}

    return [
        {
            "list_status": [standard(s) for s in situation.get("standard_ids", ())],
            "responsible_for": [
                {
                    "role": r["role"],
                    "organisation": r["organisation"],
                    **standard(r["standard_id"]),
                }
                for r in situation.get("responsible_for", ())
            ],
            "measures": [
                {"code": code, "name": measure_names.get(code)}
                for code in situation.get("measures", ())
            ],
            "green_channel": situation["green_channel_reason"] in ("clean", "on_red"),
            "green_channel_reason": situation["green_channel_reason"],
        }
        for situation in situations
    ]


def reveal_staff_name(session: Session, clock: Clock, actor: Actor, event_id: int) -> str:
    """A subject may learn which staff member read its file; the request itself is audited."""
    if actor.subject_id is None:
        raise PermissionDenied("only the subject may ask", code="not_subject", article="Art. 24")
    event = session.get(AccessEvent, event_id)
    if event is None:
        raise NotFound("no such access", code="not_found", field="event")
    if event.subject_id != actor.subject_id:
        raise ConcealedRefusal("no such access", code="not_found", field="event")
    audit.record(
        session,
        clock,
        actor.audit(),
        "access_log.reveal_staff",
        target_type="access_event",
        target_id=event.id,
    )
    return _staff_name(session, event.user_id, event.api_key_id)


def reveal_joint_check_staff_name(session: Session, clock: Clock, actor: Actor, use_id: int) -> str:
    """The staff member who ran a joint check that answered about the subject, on the
    subject's request; the request is audited (as ``reveal_staff_name``)."""
    if actor.subject_id is None or not has_permission(actor, Permission.READ_OWN_FILE):
        raise PermissionDenied("only the subject may ask", code="not_subject", article="Art. 24")
    use = joint_check_uses.use_about(session, actor.subject_id, use_id)
    if use is None:
        raise NotFound("no such joint check of your information", code="not_found", field="check")
    audit.record(
        session,
        clock,
        actor.audit(),
        "access_log.reveal_staff",
        target_type="joint_check_use",
        target_id=use.id,
    )
    return _staff_name(session, use.user_id, use.api_key_id)


def _staff_name(session: Session, user_id: int | None, api_key_id: int | None) -> str:
    if user_id is None:
        return "an organisation's system (API key)" if api_key_id else "—"
    user = session.get(UserAccount, user_id)
    return user.display_name if user else "—"


def authorisation_of(session: Session, authorisation_id: int) -> Authorisation:
    found = session.get(Authorisation, authorisation_id)
    if found is None:
        raise InvalidInput("no such authorisation", code="not_found")
    return found


Refuser = Callable[[Session], None]
