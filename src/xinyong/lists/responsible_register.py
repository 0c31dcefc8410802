"""The register of the persons answering for an organisation — its legal representative,
principal and other directly responsible persons (Art. 18) — kept by the authority that
registers the organisation (decision 0036, session 12 addendum).

Who registers: the staff who submit an organisation's registration records (登记注册基本信息)
— a data reporter of an organisation on the responsibility list for ``registration``
(Art. 9) — for the organisations it registers: not one whose registration records come from
another authority only. The credit authority reads the register (it supervises, Art. 33) but
does not write it: what the platform holds about an organisation's registration comes from
the authority that registered it, as every record comes from its source.

Who reads the register in full (names, masked ID numbers, the documents registrations rest
on): the authority that registers that organisation — not every registration authority of
the city — and the credit authority (decision 0045). Each full read is in the access log of
every person it shows (Art. 24), on the path of the reader's duty.

The person is named by citizen ID number, found through the blind index or registered on the
platform with the name given; the number is never echoed in clear. Every lookup is audited,
found or not — a refused registration too — and the person sees the registration in his
access log (Art. 24). The entries in force of the organisation follow in the same
transaction (``subjects.hooks``, ``entry_persons``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts import area
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.catalog import service as catalog
from xinyong.clock import Clock
from xinyong.collection import sources
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import access, person_lookup
from xinyong.disclosure.models import LegalPath
from xinyong.errors import DomainError, InvalidInput, PermissionDenied
from xinyong.lists import entries
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject

REGISTRATION = "registration"  # the record type of an organisation's registration
ARTICLE = "Art. 18"
MAX_NAME = 100  # responsible_person.name


def keeps_register(session: Session, actor: Actor) -> bool:
    """Whether the actor registers responsible persons: staff who submit records for an
    organisation responsible for the registration records (the page shows it to them)."""
    if actor.kind == "system":
        return True
    if not has_permission(actor, Permission.SUBMIT_RECORDS) or actor.organisation_id is None:
        return False
    record_type = catalog.record_type_by_code(session, REGISTRATION)
    return sources.is_responsible(session, actor.organisation_id, record_type.id)


def may_read(session: Session, actor: Actor) -> bool:
    """Whether the actor may read registers in full at all: a registration authority (each
    the registers of the organisations it registers, ``register_of``) and the credit
    authority (supervision, Art. 33); anybody else sees what the public lists show
    (``public_persons``)."""
    return has_permission(actor, Permission.SUPERVISE) or keeps_register(session, actor)


# The refusal of a registration authority reading another authority's register: the
# register is read on the rules of access by duty (Art. 12 (2)).
READ_ARTICLE = "Art. 12"


def require_registration_authority(session: Session, actor: Actor) -> None:
    """Refuse anyone but the staff of an authority responsible for registration records."""
    require(actor, Permission.SUBMIT_RECORDS)
    if not keeps_register(session, actor):
        raise PermissionDenied(
            "only the authority that registers organisations, responsible for their "
            "registration records, registers the persons answering for them",
            code="not_registration_authority",
            article="Art. 9",
        )


def _registered_by(session: Session, organisation: Subject) -> set[int]:
    """The authorities whose registration records of the organisation stand (none: no
    registration record yet, and any registration authority may register its persons)."""
    record_type = catalog.record_type_by_code(session, REGISTRATION)
    return set(
        session.scalars(
            select(CreditRecord.source_organisation_id).where(
                CreditRecord.subject_id == organisation.id,
                CreditRecord.record_type_id == record_type.id,
                CreditRecord.status != RecordStatus.REVOKED,
            )
        )
    )


def _require_registering(session: Session, actor: Actor, organisation: Subject) -> None:
    require_registration_authority(session, actor)
    if actor.kind == "system":
        return
    registered_by = _registered_by(session, organisation)
    if registered_by and actor.organisation_id not in registered_by:
        # Its registration records come from another authority: that one answers for who
        # the organisation's legal representative is.
        raise PermissionDenied(
            "this organisation is registered by another authority",
            code="registered_elsewhere",
            field="code",
            article="Art. 9",
        )


def organisation_of(session: Session, code: str) -> Subject:
    """The organisation behind a public code: Art. 18 names responsible persons only of a
    legal person or an unincorporated organisation. A code that is nothing but spaces or
    separators is no code at all: refused as missing (``required``), on the page and the
    API alike, rather than looked up and not found."""
    if not identifiers.normalise(code):
        raise InvalidInput("enter the organisation's code", code="required", field="code")
    subject = subjects.by_reference(session, code)
    if not subject.is_organisation:
        raise InvalidInput(
            "only a legal person or an unincorporated organisation has responsible persons",
            code="not_organisation",
            field="code",
            article=ARTICLE,
        )
    return subject


def _reading_path(session: Session, actor: Actor, organisation: Subject) -> LegalPath:
    """The path on which the actor reads the organisation's register in full, or the
    refusal: the credit authority supervises (Art. 33); a registration authority reads the
    register of an organisation it registers — the one it writes (``_require_registering``)
    — and no other; anybody else lacks the permission."""
    if has_permission(actor, Permission.SUPERVISE):
        # The register is supervised through the authority that keeps it: a district's
        # credit authority reads those kept by its own district's registration authorities
        # (Art. 6; one with no registration record yet is kept by nobody of its district).
        own = area.organisations_in_area(session, actor)
        if own is not None and not own & _registered_by(session, organisation):
            raise area.refusal("the authority that registers the organisation", field="code")
        return LegalPath.SUPERVISION
    if not keeps_register(session, actor):
        require(actor, Permission.SUPERVISE)  # refuses as a missing permission
    if actor.kind != "system":
        registered_by = _registered_by(session, organisation)
        if registered_by and actor.organisation_id not in registered_by:
            raise PermissionDenied(
                "this organisation is registered by another authority: its register of "
                "responsible persons is read by that authority and the credit authority",
                code="register_of_another_authority",
                field="code",
                article=READ_ARTICLE,
            )
    return LegalPath.OFFICIAL_DUTY


def register_of(
    session: Session, clock: Clock, actor: Actor, organisation: Subject
) -> list[ResponsiblePerson]:
    """Every registration of the organisation, current ones first, then ended, newest
    first within each: for the authority that registers it and the credit authority
    (``_reading_path``). The read is in the access log of every person shown (Art. 24)."""
    path = _reading_path(session, actor, organisation)
    rows = list(
        session.scalars(
            select(ResponsiblePerson).where(
                ResponsiblePerson.organisation_subject_id == organisation.id
            )
        )
    )
    persons = sorted({p.person_subject_id for p in rows if p.person_subject_id is not None})
    if persons:
        access.log_uses(
            session,
            clock,
            actor,
            [access.Use(person_id) for person_id in persons],
            path=path,
            what=access.RESPONSIBLE_PERSON_REGISTER,
            purpose=(
                access.SUPERVISION_PURPOSE
                if path is LegalPath.SUPERVISION
                else access.RESPONSIBLE_PERSON_PURPOSE
            ),
        )
    return sorted(
        rows,
        key=lambda p: (p.valid_to is not None, -(p.valid_from or dt.date.min).toordinal(), -p.id),
    )


@dataclass(frozen=True)
class PublicPerson:
    role: str
    masked_name: str


def public_persons(session: Session, clock: Clock, organisation: Subject) -> list[PublicPerson]:
    """What the public lists already show of the persons answering for the organisation:
    those its published entries in force name now, by capacity and masked name only."""
    published = entries.published_of(session, organisation, today=clock.today())
    named = entries.public_persons(session, [entry.id for entry, _ in published])
    seen: set[tuple[str, str]] = set()
    shown: list[PublicPerson] = []
    for entry, _ in published:
        for role, masked in named.get(entry.id, []):
            if (role, masked) not in seen:
                seen.add((role, masked))
                shown.append(PublicPerson(role, masked))
    return shown


def register_person(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject,
    *,
    role: ResponsibleRole,
    citizen_id: str,
    name: str = "",
    valid_from: dt.date | None = None,
    basis: str,
) -> ResponsiblePerson:
    """Register a person as answering for the organisation in a capacity, from a day, on a
    basis. The person is found by ID number (audited, found or not, even when the
    registration is then refused) or, new to the platform, registered with the name given;
    a name given for a known person must be his (``subjects.bears_name``)."""
    _require_registering(session, actor, organisation)
    basis = basis.strip()
    if not basis:
        raise InvalidInput(
            "state the registration document the registration rests on",
            code="required",
            field="basis",
        )
    if not citizen_id.strip():
        raise InvalidInput("enter the citizen ID number", code="required", field="citizen_id")
    name = name.strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"a name has at most {MAX_NAME} characters", code="too_long", field="name"
        )
    try:
        return _register(
            session,
            clock,
            actor,
            organisation,
            role=role,
            citizen_id=citizen_id,
            name=name,
            valid_from=valid_from,
            basis=basis,
        )
    except DomainError as refusal:
        _keep_lookup_audited(refusal, clock, actor, citizen_id)
        raise


def _register(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject,
    *,
    role: ResponsibleRole,
    citizen_id: str,
    name: str,
    valid_from: dt.date | None,
    basis: str,
) -> ResponsiblePerson:
    person = subjects.person_by_typed_citizen_id(session, clock, citizen_id)
    subjects.record_person_lookup(session, clock, actor, person)
    if person is None:
        if not name:
            raise InvalidInput(
                "this person is not on the platform yet: enter the name on the registration "
                "document to register the person with it",
                code="name_required",
                field="name",
                article=ARTICLE,
            )
    elif name and not subjects.bears_name(person, name):
        raise InvalidInput(
            "the name is not the one registered with this ID number: check it against the "
            "registration document",
            code="name_mismatch",
            field="name",
            article=ARTICLE,
        )
    link = subjects.add_responsible_person(
        session,
        clock,
        actor,
        organisation,
        role=role,
        name=name or (person.name if person is not None else ""),
        citizen_id=citizen_id,
        valid_from=valid_from,
        basis=basis,
    )
    registered = session.get(Subject, link.person_subject_id)
    assert registered is not None
    access.log_use(
        session,
        clock,
        actor,
        registered,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.RESPONSIBLE_PERSON_REGISTERED,
        purpose=access.RESPONSIBLE_PERSON_PURPOSE,
    )
    return link


def _keep_lookup_audited(refusal: DomainError, clock: Clock, actor: Actor, citizen_id: str) -> None:
    """A registration refused after its person was looked up: the request is rolled back,
    but the lookup stays audited, found or not, and in a found person's access log — the
    refusal (``name_mismatch``, ``duplicate``, ``starts_before_holder``) told the
    authority the number is registered, and whether the name is the one registered with
    it: the form must not be a way to test ID numbers, and names against them, unseen
    (Art. 24, 34), as for a consent (``person_lookup.keep_lookup_audited``)."""
    if not citizen_id.strip():
        return
    if identifiers.check_citizen_id(citizen_id, today=clock.today()).error is not None:
        return  # refused as no ID number, before any lookup
    person_lookup.keep_lookup_audited(
        refusal,
        clock,
        actor,
        citizen_id,
        path=LegalPath.OFFICIAL_DUTY,
        purpose=access.RESPONSIBLE_PERSON_PURPOSE,
    )


def end_registration(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Subject,
    registration_id: int,
    *,
    ended_on: dt.date | None,
    reason: str,
) -> ResponsiblePerson:
    """End a registration from a day, with the reason (the person left the office)."""
    _require_registering(session, actor, organisation)
    if ended_on is None:
        raise InvalidInput(
            "the day the registration ends is required", code="required", field="ended_on"
        )
    return subjects.end_responsible_person(
        session, clock, actor, organisation, registration_id, reason=reason, ended_on=ended_on
    )
