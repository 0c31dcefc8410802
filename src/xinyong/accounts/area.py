"""A credit authority's own area (Art. 6; decision 0046).

Art. 6: the city's and each county's (district's) credit authority 负责本行政区域内社会信用
工作. A district's credit authority — an organisation of kind ``credit_authority`` whose
jurisdiction is a district (GB/T 2260, e.g. 350181 福清市) — acts on the organisations
whose jurisdiction is that district; the city's (350100) keeps the whole city, districts
included. A thing is in an area through the organisation answerable for it: a record
through its source, a list entry through its recognising agency, an objection or a repair
case through that record's source or entry's agency, a typical case through the
organisation of the entry or record it is about, a supervision figure through the
organisation supervised, a staff account through its organisation.

The rule concerns credit authorities only: anyone else's reach is decided by the other
rules (a source sees its own records, a subject its own file), so for them every
organisation is "in the area" here. The platform itself (``SYSTEM_ACTOR``) has no area.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, has_permission
from xinyong.catalog.models import CITY_JURISDICTION
from xinyong.errors import PermissionDenied

ARTICLE = "Art. 6"
CODE = "outside_own_jurisdiction"


def district_of(session: Session, actor: Actor) -> str | None:
    """The district a district credit authority's staff act in; None for everybody else —
    the city's credit authority, the platform, and staff and subjects who are no credit
    authority's."""
    if actor.organisation_kind is not OrganisationKind.CREDIT_AUTHORITY:
        return None
    if actor.kind == "system" or actor.organisation_id is None:
        return None
    jurisdiction = session.scalar(
        select(Organisation.jurisdiction).where(Organisation.id == actor.organisation_id)
    )
    return None if jurisdiction in (None, CITY_JURISDICTION) else jurisdiction


def in_own_area(session: Session, actor: Actor, organisation_id: int | None) -> bool:
    """Whether the organisation is in the actor's own area: always, unless the actor is a
    district's credit authority and the organisation is not of its district (or unknown)."""
    district = district_of(session, actor)
    if district is None:
        return True
    if organisation_id is None:
        return False
    jurisdiction = session.scalar(
        select(Organisation.jurisdiction).where(Organisation.id == organisation_id)
    )
    return jurisdiction == district


def reads_as_its_person(
    session: Session, actor: Actor, subject_id: int, grantee_organisation_id: int
) -> bool | None:
    """Who reads what a person signed for an organisation — a consent's form, a written
    authorisation (Art. 11, 13 ¶3): True for the person, False for the credit authority
    supervising the organisation (Art. 33; a district's in its own area, decision 0046),
    None for anyone else, who is answered as if it did not exist."""
    if actor.subject_id is not None and actor.subject_id == subject_id:
        return True
    if has_permission(actor, Permission.SUPERVISE) and in_own_area(
        session, actor, grantee_organisation_id
    ):
        return False
    return None


def refusal(what: str, *, field: str | None = None) -> PermissionDenied:
    """The refusal of a district's credit authority acting on ``what`` outside its district."""
    return PermissionDenied(
        f"a district's credit authority acts in its own administrative area only: {what} "
        "is another area's",
        code=CODE,
        field=field,
        article=ARTICLE,
    )


def require_in_own_area(
    session: Session,
    actor: Actor,
    organisation_id: int | None,
    what: str,
    *,
    field: str | None = None,
) -> None:
    """403 ``outside_own_jurisdiction`` (Art. 6) when ``in_own_area`` says no."""
    if not in_own_area(session, actor, organisation_id):
        raise refusal(what, field=field)


def area_filter(
    session: Session, actor: Actor, column: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> ColumnElement[bool]:
    """A WHERE clause keeping the rows whose organisation (``column``, an organisation id)
    is in the actor's own area: everything for all but a district's credit authority."""
    district = district_of(session, actor)
    if district is None:
        return true()
    return column.in_(select(Organisation.id).where(Organisation.jurisdiction == district))


def organisations_in_area(session: Session, actor: Actor) -> set[int] | None:
    """The ids of the organisations of the actor's district, or None for no limit: for
    lists worked out in Python rather than in SQL."""
    district = district_of(session, actor)
    if district is None:
        return None
    return set(
        session.scalars(select(Organisation.id).where(Organisation.jurisdiction == district))
    )


def require_city(session: Session, actor: Actor, what: str, *, field: str | None = None) -> None:
    """Refuse a district's credit authority what only the city keeps: one list or register
    for the whole city, whose rows carry no area of their own (the measure list, Art. 15;
    the register of credit service institutions, Art. 26; decision 0046)."""
    if district_of(session, actor) is not None:
        raise PermissionDenied(
            f"{what} is kept for the whole city by the city's credit authority: a district's "
            "credit authority acts in its own administrative area only",
            code=CODE,
            field=field,
            article=ARTICLE,
        )
