"""The read side of credit repair (Art. 20–23): the subject's own cases and repairable
records, the source's queue and the credit authority's (overdue first), one case, and the
progress anyone holding a case's query code may see. Staff reading a case or a queue —
which shows each subject's name, correction, evidence and the reasons decided — is a use of
those subjects' information: it goes in their access logs (Art. 24) and, for a queue, in
the audit trail with the case ids (decision 0023)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

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
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.disclosure import access
from xinyong.disclosure.models import LegalPath
from xinyong.errors import ConcealedRefusal, NotFound, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.objections.models import OPEN as OBJECTIONS_OPEN
from xinyong.objections.models import RecordObjection
from xinyong.objections.service import definition_of
from xinyong.repair.models import OPEN, RepairCase, RepairStatus
from xinyong.repair.rules import (
    ARTICLE,
    CASE_PURPOSE,
    Deadline,
    deadlines,
    repaired_here,
    typed_query_code,
)
from xinyong.repair.service import (
    COMMITMENT_TYPE,
    REPAIRABLE,
    is_authority,
    is_source_staff,
    is_stand_in,
    linked_commitment_problem,
    require_in_area,
    source_standing,
    subject_of,
)
from xinyong.subjects.models import Subject

MAX_LISTED = 500

# The queues, as the audit trail names them.
AUTHORITY = "authority"  # the credit authority's open cases
AUTHORITY_CLOSED = "authority_closed"  # its recently closed cases
SOURCE = "source"  # the source's cases to decide and approved ones


@dataclass(frozen=True)
class Case:
    case: RepairCase
    subject: Subject
    record: CreditRecord
    record_type_name: str
    record_type_name_en: str
    source_name: str
    deadlines: list[Deadline]
    # The register's status of a source that is a credit service institution outside the
    # active register (``institution_suspended``…): the credit authority's case officer
    # takes its steps (decision 0024 addendum).
    source_outside_register: str | None = None

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines)


def cases_of(session: Session, clock: Clock, found: list[RepairCase]) -> list[Case]:
    if not found:
        return []
    calendar = working_day_calendar(session)
    today = clock.today()
    result: list[Case] = []
    for case in found:
        record = session.get(CreditRecord, case.record_id)
        source = session.get(Organisation, case.source_organisation_id)
        assert record is not None
        assert source is not None
        definition = definition_of(session, record)
        standing = institutions.standing_problem(session, source)
        result.append(
            Case(
                case=case,
                subject=subject_of(session, case),
                record=record,
                record_type_name=definition.name_zh,
                record_type_name_en=definition.name_en,
                source_name=source.name,
                deadlines=deadlines(case, calendar, today),
                source_outside_register=None if standing is None else standing.code,
            )
        )
    return result


def of_subject(session: Session, actor: Actor) -> list[RepairCase]:
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account applies for credit repair", article=ARTICLE
    )
    return list(
        session.scalars(
            select(RepairCase)
            .where(RepairCase.subject_id == subject_id)
            .order_by(RepairCase.id.desc())
        )
    )


@dataclass(frozen=True)
class Repairable:
    """A negative record of the subject's own file that is repaired here, with its type's
    names (the page shows the one of its language). ``pending_case``: the application to
    repair it being handled, if any — a second one is refused (``repair_pending``, Art.
    21), so the pages point to that one instead of offering to apply. ``under_objection``:
    the record is under objection, and the objection is decided first (Art. 25): the pages
    say so, and offer to apply once it is decided."""

    record: CreditRecord
    type_name: str
    type_name_en: str
    pending_case: int | None
    under_objection: bool = False

    @property
    def offered(self) -> bool:
        """Whether the subject may apply now, as far as this record's state goes."""
        return self.pending_case is None and not self.under_objection


def repairable_records(session: Session, actor: Actor) -> list[Repairable]:
    """The records of the subject's own file it may apply to repair — negative public
    credit information still used (``rules.repaired_here``) — each with the case open on
    it, if any (the test the checklist's ``repair_pending`` makes), and those under
    objection, which it may apply to repair once the objection is decided (the test of the
    checklist's ``under_objection``; review r3, session 19)."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account applies for credit repair", article=ARTICLE
    )
    pending: dict[int, int] = {
        record_id: case_id
        for case_id, record_id in session.execute(
            select(RepairCase.id, RepairCase.record_id).where(
                RepairCase.subject_id == subject_id, RepairCase.status.in_(OPEN)
            )
        )
    }
    objected = set(
        session.scalars(
            select(RecordObjection.record_id).where(
                RecordObjection.subject_id == subject_id,
                RecordObjection.status.in_(OBJECTIONS_OPEN),
            )
        )
    )
    found: list[Repairable] = []
    for record in session.scalars(
        select(CreditRecord)
        .where(
            CreditRecord.subject_id == subject_id,
            CreditRecord.status.in_((*REPAIRABLE, RecordStatus.UNDER_OBJECTION)),
        )
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
    ):
        definition = definition_of(session, record)
        if repaired_here(definition):
            found.append(
                Repairable(
                    record,
                    definition.name_zh,
                    definition.name_en,
                    pending.get(record.id),
                    under_objection=record.id in objected
                    or record.status is RecordStatus.UNDER_OBJECTION,
                )
            )
    return found


@dataclass(frozen=True)
class Commitment:
    """A credit commitment of the subject's, as the application offers it to link: its type
    and accepting unit and, judged for one record, why it does not count for repairing it
    (``problem``; None: it counts)."""

    record: CreditRecord
    commitment_type: str
    accepting_unit: str
    problem: str | None = None


def commitments(session: Session, actor: Actor) -> list[Commitment]:
    """The subject's own credit commitments, newest first, to link to an application."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account applies for credit repair", article=ARTICLE
    )
    found: list[Commitment] = []
    for record, payload in session.execute(
        select(CreditRecord, RecordVersion.payload)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id)
        .join(
            RecordVersion,
            (RecordVersion.record_id == CreditRecord.id)
            & (RecordVersion.version_no == CreditRecord.current_version_no),
        )
        .where(
            CreditRecord.subject_id == subject_id,
            RecordType.code == COMMITMENT_TYPE,
            CreditRecord.status.in_(REPAIRABLE),
        )
        .order_by(CreditRecord.id.desc())
    ):
        unit = session.get(Organisation, record.source_organisation_id)
        found.append(
            Commitment(
                record=record,
                commitment_type=str(payload.get("commitment_type", "")),
                accepting_unit=unit.name if unit is not None else "",
            )
        )
    return found


def commitments_for(session: Session, actor: Actor, record_id: int) -> list[Commitment]:
    """The subject's commitments judged for repairing its record ``record_id``, as the
    checklist judges a linked one (``linked_commitment_problem``): only one its source
    accepted counts (Art. 21 ¶2(2)). Another subject's record is not found."""
    mine = commitments(session, actor)
    record = session.get(CreditRecord, record_id)
    if record is None:
        raise NotFound("no such record", code="not_found", field="record", article="Art. 13")
    if record.subject_id != actor.subject_id:
        # As ``service.checklist`` answers it: another subject's record is a missing one.
        raise ConcealedRefusal(
            "no such record", code="not_found", field="record", article="Art. 13"
        )
    return [
        dataclasses.replace(c, problem=linked_commitment_problem(session, record, c.record.id))
        for c in mine
    ]


def repair_links(session: Session, actor: Actor) -> dict[int, list[tuple[int, int]]]:
    """For each of the subject's commitments linked to a repair application, the cases and
    the records they are for, oldest first. The public file does not say which record a
    commitment was made for (the record may not be public); the subject's own file does."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only a subject account applies for credit repair", article=ARTICLE
    )
    links: dict[int, list[tuple[int, int]]] = {}
    for commitment_id, case_id, record_id in session.execute(
        select(RepairCase.commitment_record_id, RepairCase.id, RepairCase.record_id)
        .where(RepairCase.subject_id == subject_id)
        .order_by(RepairCase.id)
    ):
        links.setdefault(commitment_id, []).append((case_id, record_id))
    return links


def queue_shown(session: Session, clock: Clock, actor: Actor, shown: list[Case], view: str) -> None:
    """A queue showed these cases to staff (each subject's name, correction, evidence and the reasons
    decided): in each subject's access log, as the case view is, and audited by case id."""
    access.log_case_queue(
        session,
        clock,
        actor,
        [(c.case.id, c.subject.id) for c in shown],
        case_type="repair_case",
        view=view,
        what=access.REPAIR_CASE,
        purpose=CASE_PURPOSE,
    )


def _sorted(cases: list[Case]) -> list[Case]:
    return sorted(cases, key=lambda c: (not c.overdue, c.case.id))


def sees_authority_queue(actor: Actor) -> bool:
    """Whether ``authority_queue`` answers the actor (the pages link only to what opens)."""
    return is_authority(actor)


def sees_source_queue(actor: Actor) -> bool:
    """Whether ``source_queue`` answers the actor: the source's staff who decide, submit
    or handle objections."""
    return any(
        has_permission(actor, p)
        for p in (Permission.DECIDE_CASES, Permission.SUBMIT_RECORDS, Permission.HANDLE_OBJECTIONS)
    )


def authority_queue(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    closed: bool = False,
    limit: int = MAX_LISTED,
) -> list[Case]:
    """Every case, for the credit authority: open ones (overdue first), or the ``limit``
    latest closed ones — logged as shown (``queue_shown``)."""
    if not sees_authority_queue(actor):
        require(actor, Permission.HANDLE_OBJECTIONS)
        raise PermissionDenied(
            "the credit authority sees every repair case",
            code="not_credit_authority",
            article=ARTICLE,
        )
    statuses = OPEN if not closed else tuple(s for s in RepairStatus if s not in OPEN)
    rows = list(
        session.scalars(
            select(RepairCase)
            .where(
                RepairCase.status.in_(statuses),
                # A district's credit authority: its own district's implementing bodies.
                area.area_filter(session, actor, RepairCase.source_organisation_id),
            )
            .order_by(RepairCase.id.desc() if closed else RepairCase.id)
            .limit(min(limit, MAX_LISTED))
        )
    )
    found = cases_of(session, clock, rows)
    found = found if closed else _sorted(found)
    queue_shown(session, clock, actor, found, AUTHORITY_CLOSED if closed else AUTHORITY)
    return found


def source_queue(session: Session, clock: Clock, actor: Actor) -> list[Case]:
    """The source's queue: cases accepted for processing to decide (overdue first), and
    its approved cases (an approval may still be revoked for fraud, Art. 23) — logged as
    shown (``queue_shown``). The credit authority's case officer's holds those of every
    source outside the register of credit service institutions, whose steps it takes."""
    if not sees_source_queue(actor):
        require(actor, Permission.DECIDE_CASES)
    if actor.organisation_id is None:
        return []
    statuses = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED, RepairStatus.APPROVED)
    sources = {actor.organisation_id}
    if is_stand_in(actor):
        sources |= set(
            institutions.outside_register(
                session,
                session.scalars(
                    select(RepairCase.source_organisation_id)
                    .where(
                        RepairCase.status.in_(statuses),
                        area.area_filter(session, actor, RepairCase.source_organisation_id),
                    )
                    .distinct()
                ),
            )
        )
    rows = list(
        session.scalars(
            select(RepairCase)
            .where(
                RepairCase.source_organisation_id.in_(sources),
                RepairCase.status.in_(statuses),
            )
            .order_by(RepairCase.id)
            .limit(MAX_LISTED)
        )
    )
    found = _sorted(cases_of(session, clock, rows))
    queue_shown(session, clock, actor, found, SOURCE)
    return found


def case(session: Session, clock: Clock, actor: Actor, case_id: int) -> Case:
    """One case, for its subject, the credit authority or the record's source. A staff
    member's read goes in the subject's access log (Art. 24) on the path of its duty."""
    found = session.get(RepairCase, case_id)
    if found is None:
        raise NotFound("no such repair case", code="not_found", field="case")
    if actor.subject_id is not None:
        require_own_subject(actor, found.subject_id)
        (one,) = cases_of(session, clock, [found])
        return one
    if not (
        is_authority(actor)
        or is_source_staff(actor, found)
        or (is_stand_in(actor) and source_standing(session, found) is not None)
    ):
        require(actor, Permission.DECIDE_CASES)
        raise PermissionDenied(
            "only the credit authority and the record's source read a repair case",
            code="not_case_party",
            article=ARTICLE,
        )
    if not is_source_staff(actor, found):
        require_in_area(session, actor, found)
    (one,) = cases_of(session, clock, [found])
    access.log_use(
        session,
        clock,
        actor,
        one.subject,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.REPAIR_CASE,
        purpose=CASE_PURPOSE,
    )
    return one


def _iso(day: dt.date | dt.datetime | None) -> str | None:
    return None if day is None else day.isoformat()


def progress(session: Session, clock: Clock, query_code: str) -> dict[str, Any]:
    """What anyone holding the query code sees: the status and the dates, nothing about
    the subject, the record or the reasons (国办发〔2025〕22号: progress by query code)."""
    code = typed_query_code(query_code)
    found = (
        session.scalar(select(RepairCase).where(RepairCase.query_code == code)) if code else None
    )
    if found is None:
        raise NotFound("no repair case has this query code", code="not_found", field="code")
    calendar = working_day_calendar(session)
    return {
        "status": found.status.value,
        "applied_on": found.received_on.isoformat(),
        "feedback_on": _iso(found.feedback_on),
        "decided_on": _iso(found.decided_at.astimezone(CHINA).date() if found.decided_at else None),
        "ended_for_fraud_on": _iso(
            found.fraud_at.astimezone(CHINA).date() if found.fraud_at else None
        ),
        "deadlines": [d.as_dict() for d in deadlines(found, calendar, clock.today())],
    }
