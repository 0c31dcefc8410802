"""The responsibility list: which organisation submits which record types (Art. 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordType
from xinyong.clock import Clock
from xinyong.collection.models import SourceResponsibility
from xinyong.errors import InvalidInput


def require_own_area(session: Session, actor: Actor, organisation: Organisation) -> None:
    """The city's credit authority keeps the responsibilities of every organisation on the
    platform; a district's, of its own district's organisations only: it acts in its own
    administrative area (Art. 6; ``accounts.area``)."""
    require(actor, Permission.MANAGE_SOURCES)
    area.require_in_own_area(session, actor, organisation.id, "the organisation", field="org")


def organisations_kept(session: Session, actor: Actor) -> set[int] | None:
    """The ids of the organisations whose responsibilities the actor grants and revokes
    (``require_own_area``): its own district's for a district's credit authority, None —
    every organisation — for the city's."""
    return area.organisations_in_area(session, actor)


def grant(
    session: Session, clock: Clock, actor: Actor, organisation: Organisation, record_type_code: str
) -> SourceResponsibility:
    require_own_area(session, actor, organisation)
    rule = catalog.effective_rule(session, record_type_code, organisation.jurisdiction)
    if organisation.kind.value not in rule.definition.submitter_kinds:
        raise InvalidInput(
            f"{texts.a(organisation.kind.value)} cannot submit {rule.definition.name_zh} "
            f"({rule.definition.name_en}) records; "
            f"the catalog admits {', '.join(rule.definition.submitter_kinds) or 'no organisation'}",
            code="submitter_kind_not_allowed",
            field="org",
            article="Art. 9" if rule.definition.category == "public" else "Art. 10",
        )
    existing = session.scalar(
        select(SourceResponsibility).where(
            SourceResponsibility.organisation_id == organisation.id,
            SourceResponsibility.record_type_id == rule.record_type.id,
        )
    )
    if existing is not None:
        if existing.revoked_at is not None:
            # Granted again: by whom and when it was granted this time.
            existing.revoked_at = None
            existing.granted_at = clock.now()
            existing.granted_by = actor.audit().id
        responsibility = existing
    else:
        responsibility = SourceResponsibility(
            organisation_id=organisation.id,
            record_type_id=rule.record_type.id,
            granted_at=clock.now(),
            granted_by=actor.audit().id,
        )
        session.add(responsibility)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "source.grant",
        target_type="organisation",
        target_id=organisation.id,
        details={"record_type": record_type_code},
    )
    return responsibility


def revoke(
    session: Session, clock: Clock, actor: Actor, organisation: Organisation, record_type_code: str
) -> None:
    require_own_area(session, actor, organisation)
    record_type = catalog.record_type_by_code(session, record_type_code)
    responsibility = session.scalar(
        select(SourceResponsibility).where(
            SourceResponsibility.organisation_id == organisation.id,
            SourceResponsibility.record_type_id == record_type.id,
            SourceResponsibility.revoked_at.is_(None),
        )
    )
    if responsibility is None:
        raise InvalidInput(
            "the organisation holds no such responsibility", code="not_responsible", field="type"
        )
    responsibility.revoked_at = clock.now()
    audit.record(
        session,
        clock,
        actor.audit(),
        "source.revoke",
        target_type="organisation",
        target_id=organisation.id,
        details={"record_type": record_type_code},
    )


@dataclass(frozen=True)
class Responsibility:
    """One line of the responsibility list, in force or revoked."""

    organisation_id: int
    record_type_code: str
    granted_at: dt.datetime
    granted_by: str | None
    revoked_at: dt.datetime | None

    @property
    def in_force(self) -> bool:
        return self.revoked_at is None


def responsibility_list(session: Session, actor: Actor) -> list[Responsibility]:
    """Every organisation's responsibilities, in force and revoked, for the credit
    authority that keeps the list."""
    require(actor, Permission.MANAGE_SOURCES)
    rows = session.execute(
        select(
            SourceResponsibility.organisation_id,
            RecordType.code,
            SourceResponsibility.granted_at,
            SourceResponsibility.granted_by,
            SourceResponsibility.revoked_at,
        )
        .join(RecordType, SourceResponsibility.record_type_id == RecordType.id)
        .order_by(SourceResponsibility.organisation_id, RecordType.code)
    )
    return [Responsibility(*row) for row in rows]


def is_responsible(session: Session, organisation_id: int, record_type_id: int) -> bool:
    return (
        session.scalar(
            select(SourceResponsibility.id).where(
                SourceResponsibility.organisation_id == organisation_id,
                SourceResponsibility.record_type_id == record_type_id,
                SourceResponsibility.revoked_at.is_(None),
            )
        )
        is not None
    )


def responsibilities(session: Session, organisation_id: int) -> list[str]:
    return list(
        session.scalars(
            select(RecordType.code)
            .join(SourceResponsibility, SourceResponsibility.record_type_id == RecordType.id)
            .where(
                SourceResponsibility.organisation_id == organisation_id,
                SourceResponsibility.revoked_at.is_(None),
            )
            .order_by(RecordType.code)
        )
    )
