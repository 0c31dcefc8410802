"""An industry association's member register, and whose business a market record is from
(Art. 10 ¶1).

企业事业单位、行业协会商会可以依法记录自身业务活动中产生的社会信用信息，或者根据会员的约定，
记录会员的社会信用信息: a market body records what arises in its own business, and an
association its members' information as their membership agreement provides. The
association's staff keep the register here (member by code, since, until, the agreement's
reference); the pipeline reads it once per batch (``periods``) to refuse a members-only
record about a subject that was not a member on the record's decision date, and names the
submitter (``own_party``) for the type's own-business field (decision 0032).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers, texts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, has_permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.collection.models import AssociationMember
from xinyong.collection.validation import OwnParty
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects import names
from xinyong.subjects import service as subjects

ARTICLE = "Art. 10 ¶1"
MAX_REFERENCE = 200
MAX_NAME = 200

# A membership period: its first day and its last (none while it lasts).
Period = tuple[dt.date, dt.date | None]


def keeps_register(actor: Actor) -> bool:
    """Whether the actor keeps a member register: staff who submit an industry
    association's records (the pages show the register to them alone)."""
    return (
        has_permission(actor, Permission.SUBMIT_RECORDS)
        and actor.organisation_kind is OrganisationKind.INDUSTRY_ASSOCIATION
    )


def association_of(session: Session, actor: Actor, *, for_change: bool = False) -> Organisation:
    """The association whose register the actor keeps (``keeps_register``).

    ``for_change``: its row locked, for a writer of the register. Two clerks entering one
    member's memberships at once would each check for an overlap against the register as
    it was before either wrote, and both be entered (decision 0032); the second now waits
    for the first and is checked against what it wrote. ``NO KEY UPDATE``: the lock keeps
    out the register's other writers only, not the association's batches, whose rows
    refer to the organisation (a key share)."""
    require(actor, Permission.SUBMIT_RECORDS)
    organisation = (
        session.get(
            Organisation,
            actor.organisation_id,
            with_for_update={"key_share": True} if for_change else None,
            populate_existing=for_change,
        )
        if keeps_register(actor) and actor.organisation_id
        else None
    )
    if organisation is None:
        raise PermissionDenied(
            "only an industry association keeps a member register",
            code="not_an_association",
            article=ARTICLE,
        )
    return organisation


def register(session: Session, actor: Actor) -> list[AssociationMember]:
    """The association's memberships, current and ended, newest first."""
    association = association_of(session, actor)
    return list(
        session.scalars(
            select(AssociationMember)
            .where(AssociationMember.organisation_id == association.id)
            .order_by(AssociationMember.since.desc(), AssociationMember.id.desc())
        )
    )


def add(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    uscc: str,
    name: str,
    since: dt.date,
    until: dt.date | None = None,
    agreement_reference: str,
) -> AssociationMember:
    """A membership, from the agreement it rests on: 根据会员的约定."""
    association = association_of(session, actor, for_change=True)
    try:
        code = identifiers.require_uscc(uscc)
    except identifiers.InvalidIdentifier as exc:
        raise InvalidInput(
            exc.error.message, code=exc.error.code, field="uscc", article=exc.basis
        ) from exc
    # As they show (decision 0044): a name or a reference made only of characters nobody
    # sees names no member and no agreement, and would admit the association's records on
    # an agreement that is not there.
    name = texts.visible(name)
    if not name:
        raise InvalidInput("a name is required", code="required", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"at most {MAX_NAME} characters", code="too_long", field="name")
    reference = texts.visible(agreement_reference)
    if not reference:
        raise InvalidInput(
            "name the membership agreement: an association records its members' information "
            "as their agreement provides",
            code="agreement_required",
            field="agreement_reference",
            article=ARTICLE,
        )
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput(
            f"at most {MAX_REFERENCE} characters", code="too_long", field="agreement_reference"
        )
    if code == association.code:
        raise InvalidInput(
            "an association is not its own member",
            code="own_code",
            field="uscc",
            article=ARTICLE,
        )
    if since > clock.today():
        # The register says who is or was a member (decision 0032 addendum): a membership
        # agreed for later is entered on its first day, not listed beforehand as in force.
        raise InvalidInput(
            "a membership is entered once it has begun: its first day cannot be after today",
            code="future_date",
            field="since",
        )
    if until is not None and until < since:
        raise InvalidInput(
            "a membership cannot end before it begins", code="before_start_date", field="until"
        )
    _check_registered_name(session, code, name)
    for other in _memberships(session, association.id, code):
        if _overlap((since, until), (other.since, other.until)):
            raise Conflict(
                "this member's membership overlaps one already on the register; end that one "
                "first or change the dates",
                code="membership_overlaps",
                field="since",
                details={"membership_id": other.id},
            )
    membership = AssociationMember(
        organisation_id=association.id,
        uscc=code,
        name=name,
        since=since,
        until=until,
        agreement_reference=reference,
        created_at=clock.now(),
        created_by=actor.audit().id,
    )
    session.add(membership)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "member.add",
        target_type="association_member",
        target_id=membership.id,
        details={
            "organisation": association.id,
            "uscc": code,
            "since": since.isoformat(),
            "until": until.isoformat() if until else None,
            "agreement_reference": reference,
        },
    )
    return membership


def end(
    session: Session, clock: Clock, actor: Actor, membership_id: int, *, until: dt.date
) -> AssociationMember:
    """End a membership on its last day. Records already accepted stay: the check is on each
    record's decision date, and the member was one then."""
    association = association_of(session, actor, for_change=True)
    # Read afresh after the lock: another clerk may have ended it meanwhile.
    membership = session.get(AssociationMember, membership_id, populate_existing=True)
    if membership is None or membership.organisation_id != association.id:
        # Another association's register is not told apart from a missing entry.
        raise NotFound("no such membership", code="not_found", field="membership")
    if until < membership.since:
        raise InvalidInput(
            "a membership cannot end before it begins", code="before_start_date", field="until"
        )
    if membership.until is not None and membership.until <= until:
        raise Conflict(
            f"the membership ends on {membership.until.isoformat()} already",
            code="already_ended",
            field="until",
        )
    before = membership.until
    membership.until = until
    membership.ended_at = clock.now()
    membership.ended_by = actor.audit().id
    audit.record(
        session,
        clock,
        actor.audit(),
        "member.end",
        target_type="association_member",
        target_id=membership.id,
        details={
            "organisation": association.id,
            "until": until.isoformat(),
            "until_before": before.isoformat() if before else None,
        },
    )
    return membership


def _memberships(session: Session, organisation_id: int, code: str) -> list[AssociationMember]:
    return list(
        session.scalars(
            select(AssociationMember).where(
                AssociationMember.organisation_id == organisation_id,
                AssociationMember.uscc == code,
            )
        )
    )


def _overlap(first: Period, second: Period) -> bool:
    far = dt.date.max
    return first[0] <= (second[1] or far) and second[0] <= (first[1] or far)


def _check_registered_name(session: Session, code: str, name: str) -> None:
    """A code the platform knows is registered under a name: the member's must be one of
    its names (current or former), or the code or the name was mistyped."""
    subject = subjects.by_uscc(session, code)
    if subject is not None and not subjects.bears_name(subject, name):
        raise InvalidInput(
            "the code is registered under another name; check the code and the name",
            code="name_mismatch",
            field="name",
        )


# -- what the pipeline reads, once per batch ----------------------------------------------------


def periods(session: Session, organisation_id: int) -> dict[str, list[Period]]:
    """The organisation's member register: code → membership periods (one query)."""
    found: dict[str, list[Period]] = defaultdict(list)
    for code, since, until in session.execute(
        select(AssociationMember.uscc, AssociationMember.since, AssociationMember.until).where(
            AssociationMember.organisation_id == organisation_id
        )
    ):
        found[code].append((since, until))
    return dict(found)


def member_on(register: dict[str, list[Period]], code: str | None, day: dt.date) -> bool:
    """Whether the subject of this code was a member on that day (its first and last days
    included). A natural person, without a code, is on no association's register here."""
    if code is None:
        return False
    return any(
        since <= day and (until is None or day <= until) for since, until in register.get(code, ())
    )


def own_party(session: Session, organisation: Organisation) -> OwnParty:
    """The submitting organisation as a row may name it: its code, its name on the platform,
    and its names as a registered subject (a contract signed before a rename names the
    former one)."""
    known = [organisation.name]
    subject = subjects.by_uscc(session, organisation.code)
    if subject is not None:
        known.extend(row.name for row in subject.names if row.borne)
    return OwnParty(code=organisation.code, names=frozenset(names.normalise_name(n) for n in known))
