"""Credit repair (信用修复, Art. 20–23).

A subject applies, through its own account on the platform (the 信用福州 channel of Art. 21
¶2), to repair a negative record of its file: it says how the conduct was corrected and the
obligations met, with evidence, makes the Art. 21 ¶2 declarations and links a public credit
commitment (made before, or in the same step). The platform computes the checklist — the
conditions of Art. 21 ¶2 and Order 36, all required, and the exclusions of Art. 22 and its
own — and refuses, naming the article and the condition, when one fails. The credit
authority's objection handler then gives feedback within 10 working days (accepted for
processing, or not, with reasons), and the record's source — the deciding authority of
Art. 20 ¶2 — decides within 3 working days of receiving it. Approved, the record is
repaired by a new version: publication, sharing and use stop, and a list entry resting on
it is removed, which lifts the measures that follow the entry. Fraud (Art. 23) terminates
the procedure, or revokes the result and restores the record. Nothing here takes or
records a fee: repair is never bought (decision 0023).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from xinyong import published_text, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    Standing,
    has_permission,
    require,
    require_subject_account,
)
from xinyong.audit import service as audit
from xinyong.calendar import first_day_after
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Polarity, RecordTypeDefinition, Severity
from xinyong.clock import CHINA, Clock
from xinyong.collection import records as collection_records
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.collection.records import current_version, version_of
from xinyong.disclosure import retention
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.lists import red_list_exit
from xinyong.lists.entries import (
    art22_entries_in_force,
    end_entries_resting_on,
    restore_entries_resting_on,
)
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard, RemovalReason, Tier
from xinyong.objections import service as objections
from xinyong.objections.models import OPEN as OBJECTIONS_OPEN
from xinyong.objections.models import RecordObjection
from xinyong.repair import rules
from xinyong.repair.models import OPEN, RepairCase, RepairStatus
from xinyong.subjects.models import Subject

# Records a subject may apply to repair: negative ones still used. An expired record is
# no longer public but still shared and used (reports, grades): it can be repaired too.
REPAIRABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED, RecordStatus.EXPIRED)
COMMITMENT_TYPE = "credit_commitment"
# What the platform writes in the public commitment a subject makes with its application: the
# same for every repair, whatever the record (decision 0023, addendum of 2026-11-30).
REPAIR_COMMITMENT_TYPE = "信用修复承诺"
REPAIR_COMMITMENT_REASON = "申请信用修复"


def removal_detail(case_id: int) -> str:
    """The removal detail of a list entry the repair of case ``case_id`` removed."""
    return f"credit repair case {case_id}"


# --- who may act ------------------------------------------------------------------------------


def is_platform(actor: Actor) -> bool:
    """The platform's channel: the credit authority's objection handler (异议修复渠道)."""
    return objections.is_handler(actor)


def is_authority(actor: Actor) -> bool:
    """The credit authority's staff who see every case: its handler and its officers."""
    return actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY and (
        has_permission(actor, Permission.HANDLE_OBJECTIONS)
        or has_permission(actor, Permission.SUPERVISE)
    )


def is_source_staff(actor: Actor, case: RepairCase) -> bool:
    """The record's source — the deciding authority (Art. 20 ¶2): its case officers, data
    reporters and objection handlers."""
    return (
        actor.organisation_id is not None
        and actor.organisation_id == case.source_organisation_id
        and any(
            has_permission(actor, p)
            for p in (
                Permission.DECIDE_CASES,
                Permission.SUBMIT_RECORDS,
                Permission.HANDLE_OBJECTIONS,
            )
        )
    )


def is_stand_in(actor: Actor) -> bool:
    """The credit authority's case officer, who takes the source's steps in a case whose
    source is a credit service institution outside the register (``source_standing``): the
    subject's repair does not wait for an institution that works on no data (Art. 26) — as
    the credit authority's objection handler decides objections forwarded to one."""
    return actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY and has_permission(
        actor, Permission.DECIDE_CASES
    )


def source_standing(session: Session, case: RepairCase) -> Standing | None:
    """Why the record's source no longer works on the platform — a credit service
    institution not registered, suspended or deregistered (Art. 26) — or None."""
    source = session.get(Organisation, case.source_organisation_id)
    return None if source is None else institutions.standing_problem(session, source)


def require_in_area(session: Session, actor: Actor, case: RepairCase) -> None:
    """Refuse the staff of a district's credit authority a case whose implementing body —
    the record's source, the entry's agency — is another area's (Art. 6; decision 0046)."""
    area.require_in_own_area(
        session, actor, case.source_organisation_id, "the case's implementing body", field="case"
    )


def require_platform(session: Session, actor: Actor, case: RepairCase) -> None:
    require(actor, Permission.HANDLE_OBJECTIONS)
    if not is_platform(actor):
        raise PermissionDenied(
            "applications for credit repair are accepted or refused by the credit authority's "
            "objection handler (the 信用福州 channel)",
            code="not_credit_authority",
            article=rules.ARTICLE,
        )
    require_in_area(session, actor, case)


def _require_source(
    session: Session, actor: Actor, case: RepairCase, *, alters_data: bool = False
) -> bool:
    """Refuse anyone but the source's staff, or the credit authority's case officer in the
    place of a source outside the register; True for the source itself."""
    if is_stand_in(actor) and source_standing(session, case) is not None:
        require_in_area(session, actor, case)
        return False  # its case officer decides cases and alters data
    if not is_source_staff(actor, case):
        require(actor, Permission.DECIDE_CASES)
        raise PermissionDenied(
            "only the record's source decides its repair (Art. 20 ¶2)",
            code="not_source",
            article="Art. 20",
        )
    if alters_data and not (
        has_permission(actor, Permission.DECIDE_CASES)
        or has_permission(actor, Permission.SUBMIT_RECORDS)
    ):
        # Repairing a record or restoring it writes a version and ends or restores list
        # entries: the source's case officers and data reporters do that, never its
        # objection handlers, who alter no data (rules.md, separate duties).
        raise PermissionDenied(
            "approving or revoking a repair alters the record and its list entries: the "
            "source's case officers and data reporters do that, not its objection handlers, "
            "who alter no data (separate duties)",
            code="objection_handler_alters_no_data",
            article="Art. 12",
        )
    return True


def steps_open(
    actor: Actor,
    case: RepairCase,
    *,
    source_outside_register: bool = False,
    record_status: RecordStatus | None = None,
) -> frozenset[str]:
    """The steps this actor may take on the case now, for the pages to offer only those:
    ``feedback`` (the platform, on a submitted case), ``decide`` and ``approve`` (the
    source, on an accepted one; approving alters data, so not by its objection handler,
    and — given the record's ``record_status`` — not while the record is under objection
    or no longer used, which ``decide`` refuses),
    ``terminate`` (fraud before the decision) and ``revoke`` (fraud after approval). The
    source's steps are the credit authority's case officer's while the source is outside
    the register of credit service institutions (``source_standing``)."""
    platform = is_platform(actor)
    source = is_source_staff(actor, case) or (source_outside_register and is_stand_in(actor))
    alters = has_permission(actor, Permission.DECIDE_CASES) or has_permission(
        actor, Permission.SUBMIT_RECORDS
    )
    status = case.status
    steps = {
        "feedback": platform and status is RepairStatus.SUBMITTED,
        "decide": source and status is RepairStatus.ACCEPTED,
        "approve": source
        and alters
        and status is RepairStatus.ACCEPTED
        and (record_status is None or record_status in REPAIRABLE),
        "terminate": (platform and status is RepairStatus.SUBMITTED)
        or (source and status is RepairStatus.ACCEPTED),
        "revoke": source and alters and status is RepairStatus.APPROVED,
    }
    return frozenset(step for step, open_ in steps.items() if open_)


def get(session: Session, case_id: int) -> RepairCase:
    """The case for a step that changes it, locked and read afresh: two staff acting on one
    case at once are taken one after the other and the second finds the status the first
    left (PostgreSQL; SQLite's writers are serialised already, decision 0002) — never two
    decisions of one case, the record repaired by one and the case rejected by the other."""
    found = session.get(RepairCase, case_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise NotFound("no such repair case", code="not_found", field="case")
    return found


# --- the checklist ----------------------------------------------------------------------------


def linked_commitment_problem(
    session: Session, record: CreditRecord, commitment_id: int | None
) -> str | None:
    """What is wrong with the commitment linked to repair ``record`` (Art. 21 ¶2(2)), or
    None: the checklist's, and what the application form offers to link (``cases``)."""
    if commitment_id is None:
        return "link a public credit commitment, or make one with the application"
    commitment = session.get(CreditRecord, commitment_id)
    commitment_type = catalog.record_type_by_code(session, COMMITMENT_TYPE)
    if (
        commitment is None
        or commitment.subject_id != record.subject_id
        or commitment.record_type_id != commitment_type.id
        or commitment.status in (RecordStatus.DELETED, RecordStatus.REVOKED)
    ):
        return "the commitment is not a credit commitment of yours"
    if commitment.source_organisation_id != record.source_organisation_id:
        # Art. 21 ¶2(2): a commitment "recognised by the implementing body of the repair",
        # the record's source (Art. 20 ¶2) — its accepting unit, the commitment's source.
        # One made to another agency, about other conduct, recognises nothing here.
        return (
            "this commitment was accepted by another unit: link one made to the unit that "
            "supplied the record, or make one with the application"
        )
    if current_version(session, commitment).payload.get("fulfilment_status") == "breached":
        return "this commitment was breached: make a new one"
    return None


def _fraud_ended_on(
    session: Session, subject_id: int, today: dt.date, months: int
) -> dt.date | None:
    if months <= 0:
        return None
    latest = session.scalar(
        select(RepairCase.fraud_at)
        .where(
            RepairCase.subject_id == subject_id,
            RepairCase.status.in_((RepairStatus.TERMINATED, RepairStatus.REVOKED)),
        )
        .order_by(RepairCase.fraud_at.desc())
        .limit(1)
    )
    if latest is None:
        return None
    day = latest.astimezone(CHINA).date()
    return day if within_fraud_exclusion(day, months, today) else None


def within_fraud_exclusion(ended: dt.date, months: int, today: dt.date) -> bool:
    """Whether ``today`` is within the ``months`` after a repair ended for fraud on ``ended``
    (Art. 23): its last day is inside the period (民法典 Art. 201–202), a new application is
    taken from the day after."""
    return today < first_day_after(ended, months)


def _serious_listed(session: Session, subject_id: int, today: dt.date) -> bool:
    return (
        session.scalar(
            select(ListEntry.id)
            .where(
                ListEntry.subject_id == subject_id,
                ListEntry.kind == ListKind.BLACK,
                ListEntry.tier == Tier.SERIOUS,
                ListEntry.status == EntryStatus.PUBLISHED,
                ListEntry.term_end >= today,
            )
            .limit(1)
        )
        is not None
    )


def _art22_listings(session: Session, subject_id: int, today: dt.date) -> tuple[rules.Listing, ...]:
    """The subject's black-list entries in force under standards naming a case of Art. 22."""
    return tuple(
        rules.Listing(case=std.repair_exclusion or "", standard=std.name, until=entry.term_end)
        for entry, std in art22_entries_in_force(session, subject_id, today)
    )


def _own_record(
    session: Session, actor: Actor, record_id: int, *, lock: bool = False
) -> tuple[int, CreditRecord]:
    """The subject's own record to repair; ``lock``: for the application, locked and read
    afresh (``records.locked``), so that two applications for one record at once — a form
    sent twice, two tabs — are taken one after the other and the second finds the first's
    open case (``repair_pending``), and an objection raised at the same moment is seen."""
    require(actor, Permission.READ_OWN_FILE)
    subject_id = require_subject_account(
        actor, "only the subject of a record applies to repair it", article=rules.ARTICLE
    )
    record = (
        collection_records.locked(session, record_id)
        if lock
        else session.get(CreditRecord, record_id)
    )
    # Another subject's record is answered as a missing one, word for word: which ids are
    # its records (non-public ones among them) is not a subject's to learn (Art. 13).
    if record is None or record.status is RecordStatus.DELETED:
        raise NotFound("no such record", code="not_found", field="record", article="Art. 13")
    if record.subject_id != subject_id:
        raise ConcealedRefusal(
            "no such record", code="not_found", field="record", article="Art. 13"
        )
    definition = objections.definition_of(session, record)
    if definition.polarity is not Polarity.NEGATIVE:
        raise Conflict(
            "only a record of dishonest conduct is repaired",
            code="not_negative",
            field="record",
            article="Art. 20",
        )
    if not rules.repaired_here(definition):
        raise Conflict(
            "market credit information is not repaired here: a repair is decided by the state "
            "organ or public-function organisation that recognised the conduct, and the unit "
            "that supplied this record is not one; if the record is wrong, object to it",
            code="market_record_not_repairable",
            field="record",
            article="Art. 20 ¶2",
        )
    if record.status not in REPAIRABLE and record.status is not RecordStatus.UNDER_OBJECTION:
        raise Conflict(
            f"a record that is {record.status.value} is no longer used and needs no repair",
            code="record_not_repairable",
            field="record",
            article=rules.ARTICLE,
        )
    return subject_id, record


def checklist(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    correction: str = "",
    evidence: str = "",
    declared: set[str] | frozenset[str] = frozenset(),
    commitment_record_id: int | None = None,
    committing: bool = False,
    terms: rules.Terms | None = None,
    excludes_serious_list: bool = False,
) -> list[rules.Check]:
    """The conditions and exclusions for repairing one record of the subject's own file,
    as the application would be checked (``committing``: a commitment made in the step)."""
    subject_id, record = _own_record(session, actor, record_id)
    return _checklist(
        session,
        clock,
        subject_id,
        record,
        correction=correction,
        evidence=evidence,
        declared=declared,
        commitment_problem=None
        if committing
        else linked_commitment_problem(session, record, commitment_record_id),
        terms=terms or rules.Terms(),
        excludes_serious_list=excludes_serious_list,
    )


class _RecordState(Protocol):
    """What the checklist takes from a record: a ``CreditRecord``, or a row of its columns."""

    @property
    def status(self) -> RecordStatus: ...
    @property
    def severity(self) -> str: ...
    @property
    def decision_date(self) -> dt.date: ...


@dataclass(frozen=True)
class _SubjectFacts:
    """What the checklist takes from the subject rather than the record."""

    fraud_within_period: dt.date | None
    serious_list: bool
    listed: tuple[rules.Listing, ...]


def _subject_facts(
    session: Session,
    subject_id: int,
    today: dt.date,
    terms: rules.Terms,
    excludes_serious_list: bool,
) -> _SubjectFacts:
    return _SubjectFacts(
        fraud_within_period=_fraud_ended_on(
            session, subject_id, today, terms.fraud_exclusion_months
        ),
        # Only the blanket exclusion of every serious-list subject (the Zhejiang model of
        # rules.md) is a setting; the cases of Art. 22 are law (``listed``).
        serious_list=excludes_serious_list and _serious_listed(session, subject_id, today),
        listed=_art22_listings(session, subject_id, today),
    )


def _facts(
    record: _RecordState,
    definition: RecordTypeDefinition,
    subject: _SubjectFacts,
    *,
    today: dt.date,
    correction: str,
    evidence: str,
    declared: Collection[str],
    commitment_problem: str | None,
    objected: bool,
    repair_pending: bool,
    terms: rules.Terms,
) -> rules.Facts:
    return rules.Facts(
        definition=definition,
        severity=Severity(record.severity),
        decision_date=record.decision_date,
        today=today,
        correction=correction,
        evidence=evidence,
        declared=declared,
        commitment_problem=commitment_problem,
        under_objection=objected or record.status is RecordStatus.UNDER_OBJECTION,
        repair_pending=repair_pending,
        fraud_within_period=subject.fraud_within_period,
        serious_list=subject.serious_list,
        terms=terms,
        listed=subject.listed,
    )


def _checklist(
    session: Session,
    clock: Clock,
    subject_id: int,
    record: CreditRecord,
    *,
    correction: str,
    evidence: str,
    declared: set[str] | frozenset[str],
    commitment_problem: str | None,
    terms: rules.Terms,
    excludes_serious_list: bool,
) -> list[rules.Check]:
    today = clock.today()
    objection = session.scalar(
        select(RecordObjection.id).where(
            RecordObjection.record_id == record.id, RecordObjection.status.in_(OBJECTIONS_OPEN)
        )
    )
    pending = session.scalar(
        select(RepairCase.id).where(RepairCase.record_id == record.id, RepairCase.status.in_(OPEN))
    )
    return rules.checklist(
        _facts(
            record,
            objections.definition_of(session, record),
            _subject_facts(session, subject_id, today, terms, excludes_serious_list),
            today=today,
            correction=correction,
            evidence=evidence,
            declared=declared,
            commitment_problem=commitment_problem,
            objected=objection is not None,
            repair_pending=pending is not None,
            terms=terms,
        )
    )


@dataclass(frozen=True)
class Outlook:
    """What the repair rules say of a negative record of the subject's file today, for the
    advice of its credit report (信用提升建议, ``repair.advice``). ``repaired_here``: False
    for market credit information, which the platform does not repair (Art. 20 ¶2) and
    has no checklist. Otherwise ``blocking``: the checks of the checklist an application
    would fail even if it met every condition the subject meets by acting — corrected,
    committed, declared, with evidence — that is the exclusions that apply (Art. 22, 23,
    25, a case already open) and the minimum publicity period not yet over (Order 36).
    None blocking: the subject may apply once it has done its part. ``pending_case``: the
    application to repair it being handled."""

    record_id: int
    repaired_here: bool
    blocking: tuple[rules.Check, ...] = ()
    pending_case: int | None = None


# What an application that does its part says, for the outlook (``outlooks``): the checks
# of what the subject itself does pass, so only what it cannot do fails.
_DONE = "done"
# A subject with nothing bearing on its repairs beyond each record itself (``quiet``).
_QUIET = _SubjectFacts(fraud_within_period=None, serious_list=False, listed=())


def _outlook(
    record_id: int,
    record: _RecordState,
    definition: RecordTypeDefinition,
    subject: _SubjectFacts,
    *,
    today: dt.date,
    objected: bool,
    pending_case: int | None,
    terms: rules.Terms,
) -> Outlook:
    if not rules.repaired_here(definition):
        return Outlook(record_id, repaired_here=False)
    checks = rules.checklist(
        _facts(
            record,
            definition,
            subject,
            today=today,
            correction=_DONE,
            evidence=_DONE,
            declared=rules.DECLARATIONS,
            commitment_problem=None,
            objected=objected,
            repair_pending=pending_case is not None,
            terms=terms,
        )
    )
    return Outlook(record_id, True, tuple(rules.failed(checks)), pending_case)


def quiet(
    session: Session, subject_id: int, today: dt.date, *, excludes_serious_list: bool
) -> bool:
    """Whether nothing but each record itself bears on repairing the subject's records: no
    objection or repair case open, no repair ever ended for fraud (Art. 23), no black-list
    entry under a standard naming a case of Art. 22 (nor, where the setting excludes them,
    on the serious list). One statement: the outlook of a quiet subject's record is then
    ``quiet_outlook``, which a credit report keeps with the record's view for the day."""
    # A superset of the entries that exclude (``_art22_listings``, ``_serious_listed``):
    # an entry not yet started makes the subject not quiet, and its outlook is then read
    # in full.
    excluding: list[ColumnElement[bool]] = [ListStandard.repair_exclusion.is_not(None)]
    if excludes_serious_list:
        excluding.append(and_(ListEntry.kind == ListKind.BLACK, ListEntry.tier == Tier.SERIOUS))
    listed = (
        select(ListEntry.id)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(
            ListEntry.subject_id == subject_id,
            ListEntry.status == EntryStatus.PUBLISHED,
            ListEntry.term_end >= today,
            or_(*excluding),
        )
    )
    found = session.scalar(
        select(
            or_(
                exists().where(
                    RecordObjection.subject_id == subject_id,
                    RecordObjection.status.in_(OBJECTIONS_OPEN),
                ),
                exists().where(RepairCase.subject_id == subject_id, RepairCase.status.in_(OPEN)),
                exists().where(
                    RepairCase.subject_id == subject_id, RepairCase.fraud_at.is_not(None)
                ),
                listed.exists(),
            )
        )
    )
    return not found


def quiet_outlook(
    record_id: int,
    definition: RecordTypeDefinition,
    *,
    severity: str,
    decision_date: dt.date,
    status: RecordStatus,
    today: dt.date,
) -> Outlook:
    """The outlook of repairing a record of a quiet subject (``quiet``), as it stands
    (``status``, ``severity``, ``decision_date``): the checklist's rules on the record alone."""
    return _outlook(
        record_id,
        _Stated(status, severity, decision_date),
        definition,
        _QUIET,
        today=today,
        objected=False,
        pending_case=None,
        terms=rules.Terms(),
    )


@dataclass(frozen=True)
class _Stated:
    status: RecordStatus
    severity: str
    decision_date: dt.date


def outlooks(
    session: Session,
    clock: Clock,
    subject_id: int,
    definitions: Mapping[int, RecordTypeDefinition],
    *,
    terms: rules.Terms | None = None,
    excludes_serious_list: bool = False,
) -> dict[int, Outlook]:
    """The outlook of repairing each record of ``definitions`` (by id, with the rule that
    governs it, as the caller read the file) that is a negative record of the subject's
    still used or under objection, computed by the checklist's rules (``rules.checklist``)
    on what the platform knows today. Other records are left out."""
    negative = {rid for rid, found in definitions.items() if found.polarity is Polarity.NEGATIVE}
    if not negative:
        return {}
    # The records as they are today (a report may be of an earlier day), without the ORM,
    # read by the subject (indexed) rather than by hundreds of ids.
    rows = [
        row
        for row in session.execute(
            select(
                CreditRecord.id,
                CreditRecord.status,
                CreditRecord.severity,
                CreditRecord.decision_date,
            )
            .where(
                CreditRecord.subject_id == subject_id,
                CreditRecord.status.in_((*REPAIRABLE, RecordStatus.UNDER_OBJECTION)),
            )
            .order_by(CreditRecord.id)
        )
        if row.id in negative
    ]
    if not rows:
        return {}
    objected = set(
        session.scalars(
            select(RecordObjection.record_id).where(
                RecordObjection.subject_id == subject_id,
                RecordObjection.status.in_(OBJECTIONS_OPEN),
            )
        )
    )
    pending: dict[int, int] = {
        row.record_id: row.id
        for row in session.execute(
            select(RepairCase.record_id, RepairCase.id).where(
                RepairCase.subject_id == subject_id, RepairCase.status.in_(OPEN)
            )
        )
    }
    today = clock.today()
    terms = terms or rules.Terms()
    subject = _subject_facts(session, subject_id, today, terms, excludes_serious_list)
    return {
        row.id: _outlook(
            row.id,
            row,
            definitions[row.id],
            subject,
            today=today,
            objected=row.id in objected,
            pending_case=pending.get(row.id),
            terms=terms,
        )
        for row in rows
    }


def _refuse(failed: list[rules.Check]) -> None:
    first = failed[0]
    details: dict[str, object] = {"failed": [check.as_dict() for check in failed]}
    if first.kind == "exclusion":
        raise Conflict(
            f"not repairable: {first.message}",
            code="not_repairable",
            field=first.code,
            article=first.article,
            details=details,
        )
    raise InvalidInput(
        f"a condition of repair is not met: {first.message}",
        code="repair_condition_unmet",
        field=first.code,
        article=first.article,
        details=details,
    )


# --- the subject ------------------------------------------------------------------------------


def apply(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    correction: str,
    evidence: str,
    declared: set[str] | frozenset[str],
    commitment_record_id: int | None = None,
    commitment_text: str = "",
    terms: rules.Terms | None = None,
    excludes_serious_list: bool = False,
) -> RepairCase:
    """The subject applies to repair a record of its own file (Art. 21 ¶2). With
    ``commitment_text`` a public credit commitment is made to the record's source in the
    same step (Art. 10 ¶2) and linked."""
    subject_id, record = _own_record(session, actor, record_id, lock=True)
    terms = terms or rules.Terms()
    correction, evidence = correction.strip(), evidence.strip()
    for name, text in (("correction", correction), ("evidence", evidence)):
        if len(text) > rules.MAX_TEXT:
            raise InvalidInput(f"at most {rules.MAX_TEXT} characters", code="too_long", field=name)
    # Read by the credit authority and the source; the commitment is published (decision
    # 0044, session 19 addendum).
    submitted_text.refuse_personal_data(
        {"correction": correction, "evidence": evidence, "commitment_text": commitment_text},
        today=clock.today(),
    )
    unknown = set(declared) - set(rules.DECLARATIONS)
    if unknown:
        raise InvalidInput(
            f"unknown declaration: {', '.join(sorted(unknown))}",
            code="invalid_choice",
            field="declared",
        )
    committing = bool(commitment_text.strip())
    if committing and commitment_record_id is not None:
        raise InvalidInput(
            "link a commitment or make a new one, not both",
            code="one_commitment",
            field="commitment",
        )
    checks = _checklist(
        session,
        clock,
        subject_id,
        record,
        correction=correction,
        evidence=evidence,
        declared=declared,
        commitment_problem=None
        if committing
        else linked_commitment_problem(session, record, commitment_record_id),
        terms=terms,
        excludes_serious_list=excludes_serious_list,
    )
    failed = rules.failed(checks)
    if failed:
        _refuse(failed)
    if committing:
        source = session.get(Organisation, record.source_organisation_id)
        assert source is not None
        commitment = collection_records.make_commitment(
            session,
            clock,
            actor,
            # A commitment is public (Art. 21 ¶2(2)); the record it is made for may not be
            # (a minor penalty, one repaired since): what the platform writes names no
            # record, its type or its date (Art. 13 ¶3). The repair case links the two.
            commitment_type=REPAIR_COMMITMENT_TYPE,
            reason=REPAIR_COMMITMENT_REASON,
            text=commitment_text.strip(),
            accepting_unit=source,
            # Its natural key is type, day and unit, which two repairs of one source's
            # records on one day share: an opaque value tells them apart, in the key only.
            key_discriminator=f"repair {secrets.token_hex(8)}",
        )
        commitment_record_id = commitment.id
    assert commitment_record_id is not None
    now = clock.now()
    case = RepairCase(
        record_id=record.id,
        subject_id=subject_id,
        source_organisation_id=record.source_organisation_id,
        commitment_record_id=commitment_record_id,
        correction=correction,
        evidence=evidence,
        checklist=[check.as_dict() for check in checks],
        terms=terms.as_dict(),
        query_code=rules.new_query_code(),
        status=RepairStatus.SUBMITTED,
        applied_by=actor.audit().id or "",
        applied_at=now,
        received_on=clock.today(),
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "repair_case.apply",
        target_type="repair_case",
        target_id=case.id,
        details={"record": record.id, "commitment": commitment_record_id},
    )
    return case


# --- feedback and decision --------------------------------------------------------------------


def _reasons(reasons: str, article: str = rules.ARTICLE, *, today: dt.date) -> str:
    text = texts.visible(reasons)
    if not text:
        raise InvalidInput("give the reasons", code="required", field="reasons", article=article)
    if len(text) > rules.MAX_TEXT:
        raise InvalidInput(f"at most {rules.MAX_TEXT} characters", code="too_long", field="reasons")
    # The applicant reads every decision's reasons, and a repaired or restored record's
    # version carries them into its report (Art. 4 ¶2, Art. 24).
    published_text.refuse_citizen_ids({"reasons": text}, today=today)
    return text


def feedback(
    session: Session, clock: Clock, actor: Actor, case_id: int, *, accept: bool, reasons: str
) -> RepairCase:
    """The platform accepts the application for processing — the source has received it
    from today — or does not, with reasons (10 working days)."""
    case = get(session, case_id)
    require_platform(session, actor, case)
    text = texts.visible(reasons) if accept else _reasons(reasons, today=clock.today())
    published_text.refuse_citizen_ids({"reasons": text}, today=clock.today())
    case.status = rules.next_status(
        case.status, rules.PLATFORM, "accept" if accept else "not_accept"
    )
    case.feedback_at = clock.now()
    case.feedback_on = clock.today()
    case.feedback_by = actor.audit().id
    case.feedback_reasons = text or None
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "repair_case.feedback",
        target_type="repair_case",
        target_id=case.id,
        details={"accepted": accept},
    )
    return case


def _new_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    *,
    status: RecordStatus,
    reason: str,
    detail: str,
    like: RecordVersion,
) -> RecordVersion:
    """A new version with the content of ``like`` and the record's decision date, severity
    and publicity window (Art. 24: every change is a version; ``records.version_of``)."""
    now = clock.now()
    version = version_of(
        record,
        version_no=record.current_version_no + 1,
        payload=like.payload,
        sensitive_ciphertext=like.sensitive_ciphertext,
        payload_hash=like.payload_hash,
        status=status,
        reason=reason,
        reason_detail=detail,
        source_organisation_id=actor.organisation_id,
        actor=actor.audit().id,
        created_at=now,
    )
    session.add(version)
    record.current_version_no += 1
    record.status = status
    record.payload_hash = like.payload_hash
    record.updated_at = now
    session.flush()
    return version


def decide(
    session: Session,
    clock: Clock,
    actor: Actor,
    case_id: int,
    *,
    approve: bool,
    reasons: str,
    excludes_serious_list: bool = False,
) -> RepairCase:
    """The source decides with reasons (3 working days from receiving the case). Approved,
    the record is repaired: a new version, status repaired; a list entry resting on it is
    removed, and with it the measures that follow the entry. Approval checks the exclusions
    of Art. 22 again, the configured blanket one (``excludes_serious_list``) among them."""
    case = get(session, case_id)
    by_source = _require_source(session, actor, case, alters_data=approve)
    text = _reasons(reasons, today=clock.today())
    status = rules.next_status(case.status, rules.SOURCE, "approve" if approve else "reject")
    # Locked and read afresh: an objection raised at this moment is decided first (it finds
    # the record repaired, or this finds it under objection), never a version each.
    record = collection_records.locked(session, case.record_id)
    assert record is not None
    if approve and record.status not in REPAIRABLE:
        # An objection raised since the application is decided first (Art. 25); a record
        # revoked or deleted meanwhile is no longer used at all.
        raise Conflict(
            f"the record is {record.status.value} now and cannot be repaired until that is settled",
            code="not_repairable",
            field="record",
            article="Art. 25" if record.status is RecordStatus.UNDER_OBJECTION else rules.ARTICLE,
        )
    if approve:
        definition = objections.definition_of(session, record)
        # The conditions the record itself decides are met on the day of the repair, not
        # only of the application: its source may have corrected the class or the decision
        # date since, on an objection (Art. 25) — a general record found serious has a year
        # of publicity, not three months. The application made every declaration.
        # And Art. 22 grants no repair in its cases, whenever they arise: the subject may
        # have been listed under such a standard since it applied (or the catalog revised) —
        # or, where the city bars every seriously dishonest subject (cited as Art. 22(5)),
        # put on a serious list of any standard.
        today = clock.today()
        failed = rules.failed(
            [
                rules.publicity_period_check(
                    definition,
                    Severity(record.severity),
                    record.decision_date,
                    today,
                    rules.DECLARATIONS,
                ),
                *rules.art22_checks(definition, _art22_listings(session, record.subject_id, today)),
                rules.serious_list_check(
                    excludes_serious_list and _serious_listed(session, record.subject_id, today)
                ),
            ]
        )
        if failed:
            _refuse(failed)
    case.status = status
    case.decided_at = clock.now()
    case.decided_by = actor.audit().id
    case.decided_by_source = by_source
    case.decision_reasons = text
    if approve:
        version = _new_version(
            session,
            clock,
            actor,
            record,
            status=RecordStatus.REPAIRED,
            reason=rules.reason_repaired(case.id),
            detail=text,
            like=current_version(session, record),
        )
        case.result_version_no = version.version_no
        # Reports issued to others that may show it no longer open (its content goes).
        retention.remove_contents_shown_to_others(
            session, clock, record.subject_id, record.received_at
        )
        end_entries_resting_on(
            session,
            clock,
            actor,
            record.id,
            reason=RemovalReason.REPAIRED,
            detail=removal_detail(case.id),
            event=f"repaired: case {case.id}",
        )
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "repair_case.decide",
        target_type="repair_case",
        target_id=case.id,
        details={"approved": approve, "by": "source" if by_source else "credit_authority"},
    )
    return case


def fraud(
    session: Session, clock: Clock, actor: Actor, case_id: int, *, reasons: str
) -> RepairCase:
    """Art. 23: fraud, concealed facts or a broken repair commitment, confirmed. During
    the procedure it is terminated (by the platform before acceptance, by the source after);
    after approval the source revokes the result and the record is restored — a new version
    with the status it had before the repair and its content — and so is a list entry the
    repair removed, while its term runs."""
    case = get(session, case_id)
    by_source = False
    if case.status is RepairStatus.SUBMITTED:
        require_platform(session, actor, case)
        who = rules.PLATFORM
    else:
        by_source = _require_source(
            session, actor, case, alters_data=case.status is RepairStatus.APPROVED
        )
        who = rules.SOURCE
    text = _reasons(reasons, "Art. 23", today=clock.today())
    action = "revoke" if case.status is RepairStatus.APPROVED else "terminate"
    case.status = rules.next_status(case.status, who, action)
    case.fraud_at = clock.now()
    case.fraud_by = actor.audit().id
    case.fraud_by_source = by_source
    case.fraud_reasons = text
    if action == "revoke":
        assert case.result_version_no is not None
        record = collection_records.locked(session, case.record_id)
        assert record is not None
        before = session.scalar(
            select(RecordVersion).where(
                RecordVersion.record_id == record.id,
                RecordVersion.version_no == case.result_version_no - 1,
            )
        )
        assert before is not None
        # The status before the repair, and the content as it is: the repair changed no
        # content, and the source may have corrected it since (a re-submission keeps a
        # repaired record repaired, ``collection.pipeline``).
        # What is restored follows the record's status now, not only the one before: only
        # a record still repaired (the repair's own status; a re-submission or a
        # reinstatement keeps it) goes back. Revoked by its source since (decision 0028),
        # it has lost its basis: the fraud ends the repair but restores neither the record
        # nor an entry. Deleted after its retention period since (征信业管理条例 Art. 16,
        # decision 0018): the information is gone for good — no version is written on the
        # tombstone, no entry resting on it comes back, and the case alone says the repair
        # was revoked (decision 0023, session 25 addendum).
        if record.status is RecordStatus.DELETED:
            restores = False
        else:
            restores = record.status is RecordStatus.REPAIRED
            version = _new_version(
                session,
                clock,
                actor,
                record,
                status=before.status if restores else record.status,
                reason=rules.reason_restored(case.id),
                detail=text,
                like=current_version(session, record),
            )
            case.restored_version_no = version.version_no
        if restores:
            # The entries restored and ended are locked before the first event takes the
            # audit chain's head (decision 0008 addenda).
            with audit.events_last(session):
                restore_entries_resting_on(
                    session, clock, actor, record.id, event=f"repair revoked: case {case.id}"
                )
                # The record counts again: a red-list entry it leaves short of its standard
                # ends (decision 0041).
                red_list_exit.end_for_subject(session, clock, record.subject_id)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        f"repair_case.{action}",
        target_type="repair_case",
        target_id=case.id,
        details={"by": who if who == rules.PLATFORM or by_source else "credit_authority"},
    )
    return case


def subject_of(session: Session, case: RepairCase) -> Subject:
    subject = session.get(Subject, case.subject_id)
    assert subject is not None
    return subject
