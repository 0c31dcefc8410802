"""Finding a natural person by ID number, for those who may read a person's file.

A query officer of an agency (LOOKUP_PERSON) finds any registered person; the query item
and matter are checked when the file is opened. A financial institution's analyst reads
files only on a written authorisation (Art. 13 ¶3), so it finds only persons who have
authorised its organisation and whose authorisation is in force: anyone else — registered
or not — is refused alike, so the lookup never tells an institution who is on the platform.
Every lookup is audited, found or not, and a person found sees it in their access log.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import (
    Actor,
    Permission,
    has_permission,
    require,
    require_standing,
)
from xinyong.clock import Clock
from xinyong.disclosure import access, authorisations
from xinyong.disclosure.models import LegalPath
from xinyong.errors import DomainError, PermissionDenied
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject


def may_look_up_persons(actor: Actor) -> bool:
    return has_permission(actor, Permission.LOOKUP_PERSON) or has_permission(
        actor, Permission.QUERY_BY_AUTHORISATION
    )


def find_person(
    session: Session, clock: Clock, actor: Actor, citizen_id: str, *, then_read: bool = False
) -> Subject:
    """The person with this ID number, for those who may find one. The person found sees
    it in their access log (Art. 24: the lookup tells the name behind the number), unless
    the caller reads their file or credit status in the same request (``then_read``): that
    read's entry, or its refusal's, says it already."""
    # Before the number is even looked up: nothing is read for a suspended, deregistered or
    # unregistered credit service institution (Art. 26, 27).
    require_standing(actor, field="citizen_id")
    if has_permission(actor, Permission.LOOKUP_PERSON):

        def log_lookup(found: Subject) -> dict[str, Any]:
            return access.log_person_lookup(
                session,
                clock,
                actor,
                found,
                path=LegalPath.OFFICIAL_DUTY,
                purpose=access.LOOKUP_PURPOSE,
            )

        return subjects.lookup_person(
            session, clock, actor, citizen_id, logged=None if then_read else log_lookup
        )
    require(actor, Permission.QUERY_BY_AUTHORISATION)
    subject = subjects.person_by_typed_citizen_id(session, clock, citizen_id)
    granted = (
        authorisations.in_force(session, subject.id, actor.organisation_id, clock.today())
        if subject is not None and actor.organisation_id is not None
        else []
    )
    authorised = bool(granted)
    message = (
        "no person with this ID number has a written authorisation in force for your organisation"
    )
    if subject is None:
        # The refusal is audited by the request (access.refused); nothing says whether the
        # person exists.
        raise PermissionDenied(
            message, code="no_authorisation", field="citizen_id", article="Art. 13 ¶3"
        )
    if not authorised:
        # The same answer to the institution; the person, who exists, sees the refused
        # attempt in "who looked at my file" (Art. 24), e.g. after revoking the authorisation.
        raise access.refusal(
            session,
            clock,
            actor,
            subject,
            # What was attempted: a lookup of the person, unless it was the first step of
            # reading the file.
            "file" if then_read else access.PERSON_LOOKUP,
            PermissionDenied,
            message,
            "no_authorisation",
            article="Art. 13 ¶3",
            field="citizen_id",
        )
    logged = access.Logged()
    if not then_read:
        logged = access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.AUTHORISATION,
            what=access.PERSON_LOOKUP,
            purpose=access.LOOKUP_PURPOSE,
            authorisation_ids=[a.id for a in granted],
            chained=False,
        )
    subjects.record_person_lookup(session, clock, actor, subject, details=logged.details())
    return subject


def subject_for_account(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    reference: str | None = None,
    citizen_id: str | None = None,
) -> Subject | None:
    """The subject a new subject account is bound to (``subjects.subject_for_account``),
    a person found by ID number written to their access log (Art. 24): the administrator
    learns that the number belongs to a registered person, as any lookup does."""

    def log_lookup(found: Subject) -> dict[str, Any]:
        return access.log_person_lookup(
            session,
            clock,
            actor,
            found,
            path=LegalPath.OFFICIAL_DUTY,
            purpose=access.ACCOUNT_PURPOSE,
        )

    return subjects.subject_for_account(
        session, clock, actor, reference=reference, citizen_id=citizen_id, logged=log_lookup
    )


def record_lookup(
    session: Session,
    clock: Clock,
    actor: Actor,
    person: Subject | None,
    *,
    path: LegalPath,
    purpose: str,
) -> None:
    """A lookup by ID number made in the course of other work (a consent recorded, a
    responsible person registered): its audit event, found or not, and for a person found
    the entry in their access log that the event witnesses (Art. 24: the lookup tells who
    the number belongs to), as ``find_person`` writes one."""
    details = (
        None
        if person is None
        else access.log_person_lookup(session, clock, actor, person, path=path, purpose=purpose)
    )
    subjects.record_person_lookup(session, clock, actor, person, details=details)


def keep_lookup_audited(
    refusal: DomainError,
    clock: Clock,
    actor: Actor,
    citizen_id: str,
    *,
    path: LegalPath,
    purpose: str,
) -> None:
    """A request refused after its person was looked up by ID number: the request is rolled
    back, but the lookup stays audited, found or not, and in a found person's access log
    (``record_lookup``) — a refusal must not make a form a way to test ID numbers, and
    names against them, unseen (Art. 24, 34). Written as the refusal's aftermath, after the
    rollback (as ``subjects.lookup_person`` does), before any aftermath it had already."""
    earlier = refusal.aftermath

    def after(session: Session) -> None:
        found = subjects.person_by_typed_citizen_id(session, clock, citizen_id)
        record_lookup(session, clock, actor, found, path=path, purpose=purpose)
        if earlier is not None:
            earlier(session)

    refusal.aftermath = after
