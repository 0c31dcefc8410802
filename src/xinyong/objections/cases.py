"""The read side of objections to records (Art. 25): the subject's own objections, the
credit authority's queue (overdue first), the source's queue, and one case. Staff reading a
case or a queue — which shows each subject's name, statement and the reasons decided — is a
use of those subjects' information: it goes in their access logs (Art. 24) and, for a queue,
in the audit trail with the case ids (decision 0022)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    has_permission,
    require,
    require_own_subject,
    require_subject_account,
)
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog.models import RecordType
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.disclosure import access
from xinyong.disclosure.files import VersionView, source_units, version_view
from xinyong.disclosure.models import LegalPath
from xinyong.errors import NotFound, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.objections.models import OPEN, ObjectionStatus, RecordObjection
from xinyong.objections.rules import ARTICLE, CASE_PURPOSE, Deadline, deadlines
from xinyong.objections.service import (
    OBJECTIONABLE,
    definition_of,
    is_handler,
    is_source_staff,
    record_of,
    require_handler,
    require_in_area,
)
from xinyong.subjects.models import Subject


def of_subject(session: Session, actor: Actor) -> list[RecordObjection]:
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account has objections", article=ARTICLE
    )
    return list(
        session.scalars(
            select(RecordObjection)
            .where(RecordObjection.subject_id == subject_id)
            .order_by(RecordObjection.id.desc())
        )
    )


def objectionable_records(session: Session, actor: Actor) -> list[tuple[CreditRecord, str]]:
    """The records of the subject's own file it may object to, with their type's code."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account objects to its records", article=ARTICLE
    )
    rows = session.execute(
        select(CreditRecord, RecordType.code)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id)
        .where(CreditRecord.subject_id == subject_id, CreditRecord.status.in_(OBJECTIONABLE))
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    )
    return [(record, code) for record, code in rows]


@dataclass(frozen=True)
class Case:
    objection: RecordObjection
    subject: Subject
    record: CreditRecord
    record_type_code: str
    record_type_name: str
    record_type_name_en: str
    source_name: str
    deadlines: list[Deadline]
    # The register's status of a source that is a credit service institution outside the
    # active register (``institution_suspended``…): the credit authority decides its cases.
    source_outside_register: str | None = None

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)


def cases_of(session: Session, clock: Clock, objections: list[RecordObjection]) -> list[Case]:
    if not objections:
        return []
    calendar = working_day_calendar(session)
    today = clock.today()
    found: list[Case] = []
    for objection in objections:
        record = record_of(session, objection)
        subject = session.get(Subject, objection.subject_id)
        record_type = session.get(RecordType, record.record_type_id)
        source = session.get(Organisation, objection.source_organisation_id)
        assert subject is not None
        assert record_type is not None
        assert source is not None
        definition = definition_of(session, record)
        standing = institutions.standing_problem(session, source)
        found.append(
            Case(
                objection=objection,
                subject=subject,
                record=record,
                record_type_code=record_type.code,
                record_type_name=definition.name_zh,
                record_type_name_en=definition.name_en,
                source_name=source.name,
                deadlines=deadlines(objection, calendar, today),
                source_outside_register=None if standing is None else standing.code,
            )
        )
    return found


MAX_LISTED = 500

# The queues, as the audit trail names them.
HANDLER = "handler"  # the credit authority's open cases
HANDLER_CLOSED = "handler_closed"  # its recently closed cases
SOURCE = "source"  # the source's forwarded and upheld cases


def queue_shown(session: Session, clock: Clock, actor: Actor, shown: list[Case], view: str) -> None:
    """A queue showed these cases to staff (each subject's name, statement and the reasons
    decided): in each subject's access log, as the case view is, and audited by case id."""
    access.log_case_queue(
        session,
        clock,
        actor,
        [(c.objection.id, c.subject.id) for c in shown],
        case_type="record_objection",
        view=view,
        what=access.OBJECTION_CASE,
        purpose=CASE_PURPOSE,
    )


def handler_queue(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    closed: bool = False,
    limit: int = MAX_LISTED,
) -> list[Case]:
    """The credit authority's queue: open cases (overdue first, then oldest), or the
    ``limit`` most recently closed ones — logged as shown (``queue_shown``)."""
    require_handler(actor)
    statuses = OPEN if not closed else tuple(s for s in ObjectionStatus if s not in OPEN)
    rows = list(
        session.scalars(
            select(RecordObjection)
            .where(
                RecordObjection.status.in_(statuses),
                # A district's handler: its own district's sources only (Art. 6).
                area.area_filter(session, actor, RecordObjection.source_organisation_id),
            )
            .order_by(RecordObjection.id.desc() if closed else RecordObjection.id)
            .limit(min(limit, MAX_LISTED))
        )
    )
    cases = cases_of(session, clock, rows)
    if not closed:
        cases.sort(key=lambda c: (not c.overdue, c.objection.id))
    queue_shown(session, clock, actor, cases, HANDLER_CLOSED if closed else HANDLER)
    return cases


def source_queue(session: Session, clock: Clock, actor: Actor) -> list[Case]:
    """The source's queue: cases forwarded to it, or upheld and waiting for its correction
    — logged as shown (``queue_shown``)."""
    if not (
        has_permission(actor, Permission.SUBMIT_RECORDS)
        or has_permission(actor, Permission.HANDLE_OBJECTIONS)
    ):
        require(actor, Permission.SUBMIT_RECORDS)
    if actor.organisation_id is None:
        return []
    rows = list(
        session.scalars(
            select(RecordObjection)
            .where(
                RecordObjection.source_organisation_id == actor.organisation_id,
                RecordObjection.status.in_((ObjectionStatus.FORWARDED, ObjectionStatus.UPHELD)),
            )
            .order_by(RecordObjection.id)
            .limit(MAX_LISTED)
        )
    )
    cases = cases_of(session, clock, rows)
    cases.sort(key=lambda c: (not c.overdue, c.objection.id))
    queue_shown(session, clock, actor, cases, SOURCE)
    return cases


def case(session: Session, clock: Clock, actor: Actor, objection_id: int) -> Case:
    """One case, for its subject, the credit authority's handler, or the record's source.
    A staff member's read is a use of the subject's information: it goes in the subject's
    access log (Art. 24), on the path of its official duty."""
    objection = session.get(RecordObjection, objection_id)
    if objection is None:
        raise NotFound("no such objection", code="not_found", field="objection")
    if actor.subject_id is not None:
        require_own_subject(actor, objection.subject_id)
        (found,) = cases_of(session, clock, [objection])
        return found
    if not (is_handler(actor) or is_source_staff(actor, objection)):
        require(actor, Permission.HANDLE_OBJECTIONS)
        raise PermissionDenied(
            "only the credit authority's objection handler and the record's source read a case",
            code="not_case_party",
            article=ARTICLE,
        )
    if not is_source_staff(actor, objection):
        require_in_area(session, actor, objection)
    (found,) = cases_of(session, clock, [objection])
    access.log_use(
        session,
        clock,
        actor,
        found.subject,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.OBJECTION_CASE,
        purpose=CASE_PURPOSE,
    )
    return found


def record_history(session: Session, record_id: int) -> list[RecordVersion]:
    """The record's versions, oldest first (Art. 24: the sources and reasons of changes)."""
    return list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
        )
    )


def history_rows(session: Session, versions: list[RecordVersion]) -> list[VersionView]:
    """The versions as the credit file's history rows, with their source units named."""
    units = source_units(
        session, {v.source_organisation_id for v in versions if v.source_organisation_id}
    )
    return [version_view(version, units) for version in versions]
