"""Registering, finding and searching subjects.

Citizen ID numbers are encrypted (AES-GCM) with an HMAC blind index for exact lookup;
natural persons are never found by name, only by ID number, and only by those entitled.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import identifiers, published_text, texts
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.crypto import default_cipher
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.subjects import hooks, name_index, names
from xinyong.subjects import pairs as name_pairs
from xinyong.subjects.models import (
    ResponsiblePerson,
    ResponsibleRole,
    Subject,
    SubjectKind,
    SubjectName,
)

CITIZEN_ID_CONTEXT = "subject.citizen_id"
SEARCH_CANDIDATE_LIMIT = 500
MAX_NAME = 200  # subject.name
# Public handles are USCCs or "P" + 16 hex digits. Anything else cannot match, and is not
# sent to the database at all: PostgreSQL refuses strings with NUL characters outright.
_REFERENCE_SHAPE = re.compile(r"[0-9A-Z]{1,24}")


def _invalid(exc: identifiers.InvalidIdentifier, field: str) -> InvalidInput:
    return InvalidInput(exc.error.message, code=exc.error.code, field=field, article=exc.basis)


def citizen_id_index(normalised: str) -> str:
    return default_cipher().blind_index(normalised, context=CITIZEN_ID_CONTEXT)


def _name_row(name: str, *, current: bool, valid_from: dt.date | None = None) -> SubjectName:
    return SubjectName(
        name=name,
        normalised=names.normalise_name(name),
        core=names.core_name(name),
        current=current,
        valid_from=valid_from,
    )


def _new_reference() -> str:
    return "P" + secrets.token_hex(8).upper()


def organisation_kind_for(uscc: str) -> SubjectKind:
    # Position 2 of the code is the organisation type: 1 = 企业/机关法人 etc. Individual
    # businesses (92) and unincorporated bodies (e.g. 93 农民专业合作社 is a legal person)
    # follow the registration authority's table; 9-2 is the common unincorporated case.
    return (
        SubjectKind.UNINCORPORATED_ORGANISATION
        if uscc[:2] in ("92", "52")
        else SubjectKind.LEGAL_PERSON
    )


def register_organisation(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    name: str,
    uscc: str,
    kind: SubjectKind | None = None,
    former_names: Sequence[str] = (),
    override_check_character: bool = False,
) -> Subject:
    name = name.strip()
    if not name:
        raise InvalidInput("an organisation needs a name", code="required", field="name")
    result = identifiers.check_uscc(uscc)
    unverified = False
    if not result.valid:
        # Only position 17 (the GB 11714 check) may be overridden: a wrong position 18 is a
        # typing error, since any single substitution changes it (see identifiers).
        fixable = (
            result.error is not None and result.error.code == identifiers.ORGANISATION_CODE_CHECK
        )
        if not (override_check_character and fixable):
            assert result.error is not None
            raise InvalidInput(
                result.error.message,
                code=result.error.code,
                field="uscc",
                article=identifiers.STANDARDS[identifiers.IdentifierKind.USCC],
            )
        # Real registered codes that fail the check exist; an authorised officer may
        # register one, audited, and it is shown as "unverified check character".
        require(actor, Permission.MANAGE_CATALOG)
        unverified = True
    code = identifiers.normalise(uscc)
    if session.scalar(select(Subject.id).where(Subject.uscc == code)):
        raise Conflict(f"a subject with code {code} exists already", code="duplicate", field="uscc")
    subject = Subject(
        kind=kind or organisation_kind_for(code),
        reference=code,
        name=name,
        name_normalised=names.normalise_name(name),
        uscc=code,
        uscc_unverified=unverified,
        division=code[2:8],
        created_at=clock.now(),
    )
    subject.names.append(_name_row(name, current=True))
    for former in former_names:
        if former.strip():
            subject.names.append(_name_row(former.strip(), current=False))
    _insert_new(session, subject, field="uscc")
    name_index.write(session, [(subject.id, row.normalised, row.core) for row in subject.names])
    audit.record(
        session,
        clock,
        actor.audit(),
        "subject.register",
        target_type="subject",
        target_id=subject.id,
        details={"kind": subject.kind.value, "unverified_check_character": unverified},
    )
    return subject


def _require_readable_name(name: str) -> None:
    """A name someone can read and match: no control or invisible formatting characters
    (a right-to-left override, a zero-width space) and something left once normalised — a
    name of dots or invisible characters would register a person nobody can find or check."""
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise InvalidInput(
            "the name holds control or invisible characters",
            code="invalid_characters",
            field="name",
        )
    if not names.normalise_name(name):
        raise InvalidInput(
            "the name has no letters or characters to read", code="invalid", field="name"
        )


def require_person_name(name: str) -> None:
    """A (stripped) name a natural person may be registered with: given, not too long, and
    readable (``_require_readable_name``); refused as ``InvalidInput`` on field ``name``."""
    if not name:
        raise InvalidInput("a person needs a name", code="required", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput("a name has at most 200 characters", code="too_long", field="name")
    _require_readable_name(name)


def register_natural_person(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    name: str,
    citizen_id: str,
    basis: str | None = None,
) -> Subject:
    """A natural person, its ID number encrypted with a blind index; ``basis`` says in the
    audit why the person was registered (``consent``: the written consent it gave the
    registering organisation, Art. 11 ¶1)."""
    name = name.strip()
    require_person_name(name)
    try:
        normalised = identifiers.require_citizen_id(citizen_id, today=clock.today())
    except identifiers.InvalidIdentifier as exc:
        raise _invalid(exc, "citizen_id") from exc
    index = citizen_id_index(normalised)
    if session.scalar(select(Subject.id).where(Subject.citizen_id_index == index)):
        raise Conflict(
            "a person with this ID number exists already", code="duplicate", field="citizen_id"
        )
    subject = Subject(
        kind=SubjectKind.NATURAL_PERSON,
        reference=_new_reference(),
        name=name,
        name_normalised=names.normalise_name(name),
        citizen_id_ciphertext=default_cipher().encrypt(normalised, context=CITIZEN_ID_CONTEXT),
        citizen_id_index=index,
        citizen_id_masked=identifiers.mask_citizen_id(normalised),
        division=normalised[:6],
        created_at=clock.now(),
    )
    subject.names.append(_name_row(name, current=True))
    _insert_new(session, subject, field="citizen_id")
    audit.record(
        session,
        clock,
        actor.audit(),
        "subject.register",
        target_type="subject",
        target_id=subject.id,
        details={
            "kind": SubjectKind.NATURAL_PERSON.value,
            **({"basis": basis} if basis is not None else {}),
        },
    )
    return subject


def _insert_new(session: Session, subject: Subject, *, field: str) -> None:
    """The subject inserted, found new a moment ago. On PostgreSQL another request may have
    registered the same code since (a grantee's consent and an officer's list entry naming
    one new person): the unique index makes this insert wait for it and then fail. Refused
    as a conflict to send again, which then finds the subject registered, rather than a 500
    — and only this insert is undone (the savepoint), not what the request did before.
    Batches resolve the same race in bulk (``collection.subjects``, decision 0006)."""
    try:
        with session.begin_nested():
            session.add(subject)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "the subject was registered by another request at the same moment; send it again",
            code="registered_meanwhile",
            field=field,
        ) from exc


def bears_name(subject: Subject, name: str) -> bool:
    """Whether ``name`` is the subject's registered name or one of its former names, as
    the pipeline's name check has it (``pipeline._check_names``: equal once normalised,
    or an exact match): a row, or a consent, naming the code under another name is not
    taken as the same subject's."""
    if names.normalise_name(name) == subject.name_normalised:
        return True
    found = names.match(name, [row.name for row in subject.names if row.borne])
    return found is not None and found.exact


def by_uscc(session: Session, uscc: str) -> Subject | None:
    code = identifiers.normalise(uscc)
    if not _REFERENCE_SHAPE.fullmatch(code):
        return None
    return session.scalar(select(Subject).where(Subject.uscc == code))


def by_citizen_id(session: Session, citizen_id: str) -> Subject | None:
    return session.scalar(
        select(Subject).where(
            Subject.citizen_id_index == citizen_id_index(identifiers.normalise(citizen_id))
        )
    )


# Built once: every request naming a subject looks it up (a credit report, its page).
_BY_REFERENCE = select(Subject).where(Subject.reference == bindparam("reference"))


def by_reference(session: Session, reference: str) -> Subject:
    """The subject behind a public handle (USCC or opaque reference); never an ID number."""
    normalised = identifiers.normalise(reference)
    subject = (
        session.scalar(_BY_REFERENCE, {"reference": normalised})
        if _REFERENCE_SHAPE.fullmatch(normalised)
        else None
    )
    if subject is None:
        raise NotFound("no subject with this code", code="unknown_subject", field="code")
    return subject


def typed_citizen_id(clock: Clock, citizen_id: str) -> str:
    """An ID number as typed by a user, checked (refused on field ``citizen_id``) and
    normalised; nobody is looked up."""
    try:
        return identifiers.require_citizen_id(citizen_id, today=clock.today())
    except identifiers.InvalidIdentifier as exc:
        raise _invalid(exc, "citizen_id") from exc


def person_by_typed_citizen_id(session: Session, clock: Clock, citizen_id: str) -> Subject | None:
    """The person with an ID number as typed by a user, checked first (field ``citizen_id``)."""
    return by_citizen_id(session, typed_citizen_id(clock, citizen_id))


PERSON_LOOKUP_ACTION = "subject.lookup_person"


def record_person_lookup(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject | None,
    *,
    details: dict[str, Any] | None = None,
) -> None:
    """The lookup's audit event; ``details``: what else it carries, e.g. the witness of
    the found person's access-log entry of it (``disclosure.person_lookup``)."""
    audit.record(
        session,
        clock,
        actor.audit(),
        PERSON_LOOKUP_ACTION,
        target_type="subject",
        target_id=None if subject is None else subject.id,
        outcome="ok" if subject else "not_found",
        details=details,
    )


def lookup_person(
    session: Session,
    clock: Clock,
    actor: Actor,
    citizen_id: str,
    *,
    logged: Callable[[Subject], dict[str, Any]] | None = None,
) -> Subject:
    """Find a natural person by ID number: only for those entitled, and audited. ``logged``
    writes the caller's log of the lookup for the person found, before its audit event,
    and gives what the event carries of it (``record_person_lookup``)."""
    require(actor, Permission.LOOKUP_PERSON)
    subject = person_by_typed_citizen_id(session, clock, citizen_id)
    if subject is None:
        # A failed lookup is audited too (an ID number tried is a use of the platform to
        # learn who is registered, Art. 34): written as the error's aftermath, after the
        # boundary rolls the request back, as a refused access's log entry is.
        raise NotFound(
            "no person with this ID number",
            code="unknown_subject",
            field="citizen_id",
            aftermath=lambda after: record_person_lookup(after, clock, actor, None),
        )
    details = None if logged is None else logged(subject)
    record_person_lookup(session, clock, actor, subject, details=details)
    return subject


def subject_for_account(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    reference: str | None = None,
    citizen_id: str | None = None,
    logged: Callable[[Subject], dict[str, Any]] | None = None,
) -> Subject | None:
    """The subject a new subject account is bound to, as the account administrator names
    it (decision 0031 addendum): an organisation by its code or reference (field
    ``subject``), a person by the ID number it showed at the credit authority's counter
    (field ``citizen_id``) — no administrator can know a person's opaque reference. The
    number is checked, found by its blind index and audited as a lookup by ID number,
    found or not; it is neither stored nor written back; ``logged`` writes the person's
    access-log entry of the lookup, as for ``lookup_person``. None when neither is given."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    reference = (reference or "").strip() or None
    citizen_id = (citizen_id or "").strip() or None
    if reference and citizen_id:
        raise InvalidInput(
            "name the subject by its code or reference, or a person by its ID number, not both",
            code="one_subject",
            field="subject",
        )
    if citizen_id is not None:
        person = person_by_typed_citizen_id(session, clock, citizen_id)
        if person is None:
            raise NotFound(
                "no person with this ID number",
                code="unknown_subject",
                field="citizen_id",
                aftermath=lambda after: record_person_lookup(after, clock, actor, None),
            )
        details = None if logged is None else logged(person)
        record_person_lookup(session, clock, actor, person, details=details)
        return person
    if reference is None:
        return None
    try:
        return by_reference(session, reference)
    except NotFound:
        raise NotFound(
            "no subject with this code", code="unknown_subject", field="subject"
        ) from None


def reveal_citizen_id(subject: Subject) -> str | None:
    """The clear ID number, for the subject itself or a lawful querier (the caller checks)."""
    if subject.citizen_id_ciphertext is None:
        return None
    return default_cipher().decrypt(subject.citizen_id_ciphertext, context=CITIZEN_ID_CONTEXT)


def rename(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    new_name: str,
    *,
    details: dict[str, Any] | None = None,
    correcting: bool = False,
) -> None:
    """The old name stays searchable as a former name, ending today; the new one is current
    from today. ``details``: where the new name came from (a registration record, decision
    0050), for the audit event. ``correcting``: the old name was never the subject's (an
    upheld objection to it, decision 0051) — kept and dated, but no longer a name the
    subject bears (``SubjectName.corrected_on``)."""
    new_name = new_name.strip()
    if not new_name:
        raise InvalidInput("a name is required", code="required", field="name")
    earlier = [(row.normalised, row.core) for row in subject.names]
    wrong = subject.name
    for row in subject.names:
        if row.current:
            row.current = False
            row.valid_to = clock.today()
        if correcting and row.name == wrong and row.corrected_on is None:
            row.corrected_on = clock.today()
    added = _name_row(new_name, current=True, valid_from=clock.today())
    added.renamed_from = wrong
    added.change_details = dict(details) if details else None
    subject.names.append(added)
    subject.name = new_name
    subject.name_normalised = names.normalise_name(new_name)
    # The subject's accounts are named by this name wherever an account is named
    # (``accounts.account_label``): no stored copy to bring in step (decision 0051, session
    # 25 addendum).
    session.flush()
    if subject.is_organisation:
        name_index.add_name(session, subject.id, earlier, (added.normalised, added.core))
    # Within ``events_last`` (a batch, a step renaming beside others), written after the
    # step's last row is locked (decision 0008 addenda).
    audit.record_soon(
        session,
        clock,
        actor.audit(),
        "subject.rename",
        target_type="subject",
        target_id=subject.id,
        details=details,
    )


# One person holds this capacity at a time (Civil Code Art. 61: the legal representative
# is the one person who acts for the legal person): registering another ends the earlier's.
SINGLE_HOLDER_ROLES = frozenset({ResponsibleRole.LEGAL_REPRESENTATIVE})
MAX_BASIS = 200  # responsible_person.basis


def add_responsible_person(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject,
    *,
    role: ResponsibleRole,
    name: str,
    citizen_id: str,
    valid_from: dt.date | None = None,
    basis: str | None = None,
) -> ResponsiblePerson:
    """Art. 18: the person is a natural-person subject, so the ID is stored once, encrypted.
    The registration holds from ``valid_from`` (default today; never a day to come), on
    ``basis`` (the registration authority's document). A new legal representative ends the
    registration of the one before from the day his own starts; the organisation's list
    entries in force follow (``hooks``, decision 0036)."""
    if not organisation.is_organisation:
        raise InvalidInput(
            "only organisations have responsible persons", code="not_organisation", field="subject"
        )
    start = valid_from or clock.today()
    _check_registration(start, basis, clock.today())
    person = by_citizen_id(session, citizen_id) or register_natural_person(
        session, clock, actor, name=name, citizen_id=citizen_id, basis="responsible_person"
    )
    ((link, replaced),) = _register(
        session,
        clock,
        actor,
        [NewRegistration(organisation.id, person.id, role, name, start, basis)],
    )
    hooks.responsible_persons_changed(
        session, clock, actor, organisation, _change_reason(link, replaced)
    )
    return link


@dataclass(frozen=True)
class NewRegistration:
    """One registration for ``add_responsible_persons``: a person on the platform (by
    subject id) answering for an organisation (by subject id) in a capacity, from a day, on
    a basis; ``source``, where it came from when not from a person's hand (a registration
    record and its batch, decision 0038), goes into its audit event."""

    organisation_id: int
    person_id: int
    role: ResponsibleRole
    name: str
    valid_from: dt.date
    basis: str | None
    source: dict[str, Any] | None = None


def add_responsible_persons(
    session: Session, clock: Clock, actor: Actor, registrations: Sequence[NewRegistration]
) -> list[ResponsiblePerson]:
    """``add_responsible_person`` for many registrations at once, in order and by the same
    rules — each audited as one is — and the organisations' list entries in force follow
    once (``hooks.responsible_persons_changed_many``): a statement per kind of write rather
    than per registration, for a batch of registration records (decision 0038). The
    organisations are organisations and the persons registered already (the caller's)."""
    today = clock.today()
    for registration in registrations:
        _check_registration(registration.valid_from, registration.basis, today)
    done = _register(session, clock, actor, registrations)
    hooks.responsible_persons_changed_many(
        session,
        clock,
        actor,
        [(link.organisation_subject_id, _change_reason(link, replaced)) for link, replaced in done],
    )
    return [link for link, _replaced in done]


def _check_registration(start: dt.date, basis: str | None, today: dt.date) -> None:
    if start > today:
        raise InvalidInput(
            "a registration cannot start on a day still to come",
            code="future_date",
            field="valid_from",
        )
    if basis is not None and len(basis.strip()) > MAX_BASIS:
        raise InvalidInput(
            f"a basis is at most {MAX_BASIS} characters", code="too_long", field="basis"
        )


def _change_reason(link: ResponsiblePerson, replaced: list[ResponsiblePerson]) -> str:
    role = link.role.value
    return f"{link.name} registered as {role}" + "".join(
        f"; {p.name} no longer registered as {role}" for p in replaced
    )


def _register(
    session: Session, clock: Clock, actor: Actor, registrations: Sequence[NewRegistration]
) -> list[tuple[ResponsiblePerson, list[ResponsiblePerson]]]:
    """The registrations written, in order, each with the registrations it ended: a person
    once in a capacity (``duplicate``), and a single holder replaced from the new one's
    start, never before the holder's own (``starts_before_holder``). One query for the
    organisations' current registrations, one flush, an audit event each."""
    organisation_ids = list({r.organisation_id for r in registrations})
    current: dict[int, list[ResponsiblePerson]] = {}
    for at in range(0, len(organisation_ids), 500):
        for held in session.scalars(
            select(ResponsiblePerson)
            .where(
                ResponsiblePerson.organisation_subject_id.in_(organisation_ids[at : at + 500]),
                ResponsiblePerson.valid_to.is_(None),
            )
            .order_by(ResponsiblePerson.id)
        ):
            current.setdefault(held.organisation_subject_id, []).append(held)
    done: list[tuple[ResponsiblePerson, list[ResponsiblePerson]]] = []
    for registration in registrations:
        role, start = registration.role, registration.valid_from
        holders = current.setdefault(registration.organisation_id, [])
        if any(p.person_subject_id == registration.person_id and p.role is role for p in holders):
            raise Conflict(
                "this person is registered in this capacity already",
                code="duplicate",
                field="citizen_id",
                article="Art. 18",
            )
        replaced = [p for p in holders if role in SINGLE_HOLDER_ROLES and p.role is role]
        for earlier in replaced:
            if earlier.valid_from is not None and start < earlier.valid_from:
                # The holder registered now started later: this one cannot have replaced him.
                raise Conflict(
                    "the registration would start before that of the person holding this "
                    "capacity now",
                    code="starts_before_holder",
                    field="valid_from",
                    details={"holder_from": earlier.valid_from.isoformat()},
                )
        name = registration.name.strip()
        for earlier in replaced:
            earlier.valid_to = start
            earlier.end_reason = f"{name} registered as {role.value}"
            holders.remove(earlier)
        link = ResponsiblePerson(
            organisation_subject_id=registration.organisation_id,
            role=role,
            name=name,
            person_subject_id=registration.person_id,
            valid_from=start,
            basis=(registration.basis or "").strip() or None,
        )
        session.add(link)
        holders.append(link)
        done.append((link, replaced))
    session.flush()
    for (link, replaced), registration in zip(done, registrations, strict=True):
        audit.record(
            session,
            clock,
            actor.audit(),
            "subject.responsible_person.add",
            target_type="subject",
            target_id=registration.organisation_id,
            details={
                "role": link.role.value,
                "replaced": [p.id for p in replaced],
                **({"source": registration.source} if registration.source is not None else {}),
            },
        )
    return done


def register_people(session: Session, clock: Clock, people: Sequence[tuple[str, str]]) -> list[int]:
    """Natural persons new to the platform, ``(name, normalised citizen ID)`` each, in bulk
    — as ``register_natural_person`` registers one (the number encrypted, found by its blind
    index, masked for display), and as the pipeline registers the persons its rows are
    about: the caller checked the names and that the numbers are new, and accounts for the
    persons in its own audit event. Returns their ids, in order."""
    if not people:
        return []
    from xinyong.db.ids import allocate_ids

    cipher = default_cipher()
    now = clock.now()
    ids = allocate_ids(session, Subject.__table__, len(people))
    subject_rows: list[dict[str, Any]] = []
    name_rows: list[dict[str, Any]] = []
    for sid, (name, citizen_id) in zip(ids, people, strict=True):
        normalised = names.normalise_name(name)
        subject_rows.append(
            {
                "id": sid,
                "kind": SubjectKind.NATURAL_PERSON,
                "reference": _new_reference(),
                "name": name,
                "name_normalised": normalised,
                "uscc": None,
                "uscc_unverified": False,
                "citizen_id_ciphertext": cipher.encrypt(citizen_id, context=CITIZEN_ID_CONTEXT),
                "citizen_id_index": citizen_id_index(citizen_id),
                "citizen_id_masked": identifiers.mask_citizen_id(citizen_id),
                "division": citizen_id[:6],
                "created_at": now,
            }
        )
        name_rows.append(
            {
                "subject_id": sid,
                "name": name,
                "normalised": normalised,
                "core": names.core_name(name),
                "current": True,
            }
        )
    session.execute(insert(cast(Table, Subject.__table__)), subject_rows)
    session.execute(insert(cast(Table, SubjectName.__table__)), name_rows)
    return ids


def current_responsible_persons(session: Session, organisation: Subject) -> list[ResponsiblePerson]:
    """The persons registered as answering for the organisation now, first registered first."""
    return list(
        session.scalars(
            select(ResponsiblePerson)
            .where(
                ResponsiblePerson.organisation_subject_id == organisation.id,
                ResponsiblePerson.valid_to.is_(None),
            )
            .order_by(ResponsiblePerson.id)
        )
    )


MAX_END_REASON = 2000


def end_responsible_person(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject,
    registration_id: int,
    *,
    reason: str,
    ended_on: dt.date | None = None,
) -> ResponsiblePerson:
    """A person no longer answers for the organisation in a capacity (left the office),
    from ``ended_on`` (default today; never a day to come, nor before the registration
    started), with the reason; the organisation's list entries in force follow."""
    link = session.get(ResponsiblePerson, registration_id)
    if link is None or link.organisation_subject_id != organisation.id:
        raise NotFound(
            "no such responsible person of this organisation",
            code="not_found",
            field="responsible_person",
        )
    if link.valid_to is not None:
        raise Conflict(
            "this registration has ended already",
            code="registration_ended",
            field="responsible_person",
            article="Art. 18",
        )
    reason = texts.visible(reason)
    if not reason:
        raise InvalidInput("state why the registration ends", code="required", field="reason")
    if len(reason) > MAX_END_REASON:
        raise InvalidInput(
            f"a reason is at most {MAX_END_REASON} characters", code="too_long", field="reason"
        )
    # Read by the organisation and with the list entries that named the person (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reason": reason}, today=clock.today())
    end = ended_on or clock.today()
    if end > clock.today():
        raise InvalidInput(
            "a registration cannot end on a day still to come",
            code="future_date",
            field="ended_on",
        )
    if link.valid_from is not None and end < link.valid_from:
        raise InvalidInput(
            "a registration cannot end before it started",
            code="before_start",
            field="ended_on",
            details={"valid_from": link.valid_from.isoformat()},
        )
    link.valid_to = end
    link.end_reason = reason
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "subject.responsible_person.end",
        target_type="subject",
        target_id=organisation.id,
        details={"role": link.role.value, "registration": link.id},
    )
    hooks.responsible_persons_changed(
        session,
        clock,
        actor,
        organisation,
        f"{link.name} no longer registered as {link.role.value}: {reason}",
    )
    return link


@dataclass(frozen=True)
class SearchHit:
    subject: Subject
    score: float
    matched_name: str
    exact: bool


@dataclass(frozen=True)
class SearchResult:
    """The organisations found, best first, and whether more matched than are listed
    (``more``: the searcher is told to refine the query rather than left to believe the
    list is all there is)."""

    hits: list[SearchHit]
    more: bool


def _bigrams(text: str) -> list[str]:
    if len(text) <= 2:
        return [text] if text else []
    return sorted({text[i : i + 2] for i in range(len(text) - 1)})


# The longest search text: no organisation name or code is longer.
MAX_SEARCH_QUERY = 100


def _weighing(norm: str, core: str, pairs: list[str]) -> tuple[Any, Any]:
    """How a name stands to the query, as one number per name (larger is better), and the
    names that have a weight at all: those with the query's name or core, containing it,
    or sharing one of its ``pairs`` (at most 12: ``_bigrams`` of the core)."""
    # Pairs are looked for in the core (shorter, so each test costs less); the query's
    # whole name also in the full form, where a trade name that is an area's (鼓楼 in
    # 鼓楼大酒店) or a legal form's is found (as ``names.rank`` finds it).
    in_core = [SubjectName.core.contains(pair, autoescape=True) for pair in pairs]
    shared = sum((case((test, 1), else_=0) for test in in_core), literal(0))
    standing = case(
        (SubjectName.normalised == norm, name_index.SAME_NAME),
        (SubjectName.core == core, name_index.SAME_CORE),
        (
            or_(
                SubjectName.core.contains(core, autoescape=True),
                SubjectName.normalised.contains(norm, autoescape=True),
            ),
            name_index.CONTAINS,
        ),
        else_=0,
    )
    # Standing, then pairs shared, then closeness of length: ``name_index`` bounds the
    # weights of names it has not weighed on this scale.
    gap = func.abs(func.length(SubjectName.core) - len(core))
    weight = (standing * name_index.STANDING + shared) * name_index.SHARED - gap
    # A core containing the query's core contains its pairs: no test of its own.
    weighed = or_(
        SubjectName.normalised == norm,
        SubjectName.core == core,
        SubjectName.normalised.contains(norm, autoescape=True),
        *in_core,
    )
    return weight, weighed


def _candidate_ids(session: Session, query: str) -> list[int]:
    """The organisations whose names are worth ranking, at most ``SEARCH_CANDIDATE_LIMIT``,
    most promising first: those with the query's name (normalised, then without area and
    legal form), then those containing it (shorter names first, as ``names.rank`` prefers
    them), then the rest by how many of the query's character pairs their names share and
    how close their length is. Ordered before the limit, so that no number of names
    sharing a common pair (食品, 科技) can push the name asked for out of the candidates
    (review r3): every organisation sharing a pair counts.

    The names sharing a pair are found through the index of pairs (``name_index``), which
    reads a common pair's names nearest in length first and stops when no name not read
    could weigh more than those found; a query made only of area names and legal forms
    (福州, 有限公司), which nearly every name holds, is weighed against every name."""
    norm = names.normalise_name(query)
    core = names.core_name(query) or norm
    pairs = _bigrams(core)[:12]
    if not pairs:
        return []
    weight, weighed = _weighing(norm, core, pairs)
    found = name_pairs.probes(norm, core, pairs)
    if found is None:
        return _weighed_throughout(session, weight, weighed)

    # One statement for every set of organisations weighed: their ids as one parameter.
    dialect = session.get_bind().dialect.name
    weighing = (
        select(SubjectName.subject_id, func.max(weight))
        .join(Subject, Subject.id == SubjectName.subject_id)
        .where(Subject.kind != SubjectKind.NATURAL_PERSON, weighed)
        .where(name_index.among(dialect, SubjectName.subject_id))
        .group_by(SubjectName.subject_id)
    )
    # The index and the names are read through the connection: what the session holds
    # unwritten goes first, as a query of the session's own would send it.
    session.flush()
    connection = session.connection()

    def weigh(subject_ids: Sequence[int]) -> dict[int, int]:
        rows = connection.execute(weighing, {"ids": name_index.ids(dialect, subject_ids)})
        return {sid: int(most) for sid, most in rows}

    return name_index.candidates(session, found, len(core), weigh, SEARCH_CANDIDATE_LIMIT)


def _weighed_throughout(session: Session, weight: Any, weighed: Any) -> list[int]:
    """The candidates as the index-less search found them, every name weighed."""
    scored = (
        select(SubjectName.subject_id.label("subject_id"), weight.label("weight"))
        .join(Subject, Subject.id == SubjectName.subject_id)
        .where(Subject.kind != SubjectKind.NATURAL_PERSON)
        .where(weighed)
        .subquery()
    )
    return list(
        session.scalars(
            select(scored.c.subject_id)
            .group_by(scored.c.subject_id)
            .order_by(func.max(scored.c.weight).desc(), scored.c.subject_id)
            .limit(SEARCH_CANDIDATE_LIMIT)
        )
    )


def search_organisations(session: Session, query: str, *, limit: int = 20) -> SearchResult:
    """Public search: organisations only, by current or former name or by code.

    The organisation with the code asked for comes first, then those with the name asked
    for (current or former), then the best matches (``_candidate_ids`` chooses the
    candidates in the database, ``names.rank`` ranks them and never lets a homophone
    outrank an exact match). ``more``: more organisations match than the ``limit`` listed.
    """
    query = query.strip()
    if not query:
        return SearchResult([], more=False)
    if len(query) > MAX_SEARCH_QUERY:
        raise InvalidInput(f"at most {MAX_SEARCH_QUERY} characters", code="too_long", field="q")
    code = identifiers.normalise(query)
    exact_code = by_uscc(session, code) if len(code) == 18 else None
    if exact_code is not None:
        # A code names one organisation: no name is like it.
        return SearchResult([SearchHit(exact_code, 100.0, exact_code.name, True)], more=False)
    subject_ids = _candidate_ids(session, query)
    # Ranked on their names alone; only the organisations listed are loaded.
    names_of: dict[int, list[str]] = {subject_id: [] for subject_id in subject_ids}
    for subject_id, name in session.execute(
        select(SubjectName.subject_id, SubjectName.name)
        .where(SubjectName.subject_id.in_(subject_ids))
        .order_by(SubjectName.id)
    ):
        names_of[subject_id].append(name)
    # In the candidates' order, which ``names.rank`` keeps among equal scores.
    ranked = names.rank(query, names_of.items(), limit=limit + 1)
    listed = {
        subject.id: subject
        for subject in session.scalars(
            select(Subject).where(Subject.id.in_([subject_id for subject_id, _ in ranked[:limit]]))
        )
    }
    hits = [
        SearchHit(listed[subject_id], m.score, m.matched_name, m.exact)
        for subject_id, m in ranked[:limit]
    ]
    # More match than listed: one more was ranked, or the list is full and candidates were
    # left out at the limit.
    capped = len(subject_ids) >= SEARCH_CANDIDATE_LIMIT
    return SearchResult(hits, more=len(ranked) > limit or (capped and len(ranked) == limit))
