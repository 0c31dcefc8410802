"""Early removal from the black list on the subject's application (SAMR Order 44;
rules.md; decision 0027).

The listed subject applies through its own account for one of its black-list entries: how
its obligations were met, with evidence, and a public credit commitment. The platform
computes eligibility (``early_removal_rules.checks``) and refuses, naming the condition,
when one fails. The recognising agency decides within 10 working days with four eyes: a
case officer proposes approval or rejection with reasons, and another staff member —
never the proposer (separate duties) — approves the proposal or returns it. Approved, the
entry is removed early with its reason and a step in its history; the joint checks read
only published entries, so the measures stop applying to it.

Court judgment defaulters are not removed on application: the court's performance record,
or its staff's confirmation of the performance (``court_defaulters``), ends them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    has_permission,
    require,
    require_subject_account,
    same_person,
)
from xinyong.audit import service as audit
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import Clock
from xinyong.disclosure import access
from xinyong.disclosure.models import LegalPath
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import early_removal_rules as rules
from xinyong.lists import entries, entry_locks
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import (
    EARLY_REMOVAL_OPEN,
    EarlyRemovalApplication,
    EarlyRemovalStatus,
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    ListKind,
    ListStandard,
    RemovalReason,
)
from xinyong.subjects.models import Subject

MAX_LISTED = 500
CLOSED_SHOWN = 20
# The queue views, as the audit trail names them.
QUEUE = "agency"
QUEUE_CLOSED = "agency_closed"


# --- who may act ------------------------------------------------------------------------------


def _agency_staff(actor: Actor, organisation_id: int) -> bool:
    """The recognising agency's officers, who propose and approve list entries."""
    return actor.organisation_id == organisation_id and (
        has_permission(actor, Permission.PROPOSE_LIST_ENTRY)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    )


def _require_agency(
    actor: Actor, application: EarlyRemovalApplication, permission: Permission
) -> None:
    require(actor, permission)
    if actor.kind != "system" and actor.organisation_id != application.recognising_organisation_id:
        raise PermissionDenied(
            "the recognising agency decides the early removal of its entries",
            code="other_organisation",
            article="Art. 14",
        )


def steps_open(
    session: Session, actor: Actor, application: EarlyRemovalApplication
) -> frozenset[str]:
    """What the actor may do on the application now, for the pages to offer only that:
    ``propose`` (a case officer of the recognising agency, on a submitted one) and
    ``decide`` (another of its staff, on a proposed one — never the proposer)."""
    same = actor.organisation_id == application.recognising_organisation_id
    steps = {
        "propose": same
        and has_permission(actor, Permission.PROPOSE_LIST_ENTRY)
        and application.status is EarlyRemovalStatus.SUBMITTED,
        "decide": same
        and has_permission(actor, Permission.APPROVE_LIST_ENTRY)
        and application.status is EarlyRemovalStatus.PROPOSED
        and not same_person(session, actor, application.proposed_by),
    }
    return frozenset(step for step, open_ in steps.items() if open_)


# --- eligibility ------------------------------------------------------------------------------


def _own_entry(session: Session, actor: Actor, entry_id: int) -> ListEntry:
    require(actor, Permission.READ_OWN_FILE)
    require_subject_account(
        actor, "only the listed subject applies for early removal", article=rules.ORDER_44
    )
    return entries.subjects_entry(session, actor, entry_id)


def _standard(session: Session, entry: ListEntry) -> ListStandard:
    std = session.get(ListStandard, entry.standard_id)
    assert std is not None
    return std


def terms_for(std: ListStandard, terms: rules.Terms) -> rules.Terms:
    """The terms for an entry of this standard: its own minimum time, if it sets one."""
    if std.early_removal_months is None:
        return terms
    return rules.Terms(min_months=std.early_removal_months, decide=terms.decide)


def _checks(
    session: Session, clock: Clock, entry: ListEntry, terms: rules.Terms
) -> list[rules.Check]:
    std = _standard(session, entry)
    pending = session.scalar(
        select(EarlyRemovalApplication.received_on)
        .where(
            EarlyRemovalApplication.entry_id == entry.id,
            EarlyRemovalApplication.status.in_(EARLY_REMOVAL_OPEN),
        )
        .limit(1)
    )
    return rules.checks(
        rules.Facts(
            kind=entry.kind,
            status=entry.status,
            term_start=entry.term_start,
            term_end=entry.term_end,
            today=clock.today(),
            allowed_by_standard=std.early_removal,
            from_record_type=std.from_record_type,
            exit_conditions=std.exit_conditions,
            min_months=terms_for(std, terms).min_months,
            open_application_since=pending,
        )
    )


def eligibility(
    session: Session, clock: Clock, actor: Actor, entry_id: int, *, terms: rules.Terms
) -> list[rules.Check]:
    """Whether the subject may apply for the early removal of its own entry now, each
    condition with its basis."""
    return _checks(session, clock, _own_entry(session, actor, entry_id), terms)


@dataclass(frozen=True)
class Offer:
    """For the subject's notices: an entry's eligibility and its applications."""

    checks: list[rules.Check]
    applications: list[EarlyRemovalApplication]

    @property
    def eligible(self) -> bool:
        return not rules.failed(self.checks)


def offers(
    session: Session, clock: Clock, actor: Actor, found: list[ListEntry], *, terms: rules.Terms
) -> dict[int, Offer]:
    """For the subject's own black-list entries among ``found`` that are or were listed:
    whether it may apply now (or why not) and its applications, newest first."""
    subject_id = require_subject_account(
        actor, "only a subject account has notices", article="Art. 24"
    )
    shown = [
        e
        for e in found
        if e.subject_id == subject_id and e.kind is ListKind.BLACK and e.term_start is not None
    ]
    if not shown:
        return {}
    applications: dict[int, list[EarlyRemovalApplication]] = {}
    for application in session.scalars(
        select(EarlyRemovalApplication)
        .where(EarlyRemovalApplication.entry_id.in_([e.id for e in shown]))
        .order_by(EarlyRemovalApplication.id.desc())
    ):
        applications.setdefault(application.entry_id, []).append(application)
    return {
        e.id: Offer(_checks(session, clock, e, terms), applications.get(e.id, [])) for e in shown
    }


# --- the subject applies ----------------------------------------------------------------------


def _text(value: str, field: str, article: str) -> str:
    text = texts.visible(value)
    if not text:
        raise InvalidInput(
            f"state the {field.replace('_', ' ')}", code="required", field=field, article=article
        )
    if len(text) > rules.MAX_TEXT:
        raise InvalidInput(f"at most {rules.MAX_TEXT} characters", code="too_long", field=field)
    return text


def _history(
    session: Session,
    clock: Clock,
    actor: Actor,
    application: EarlyRemovalApplication,
    action: str,
    detail: str,
) -> None:
    """A step in the entry's history (who, when, why) and in the audit trail, by the
    application's id (the reasons stay out of the audit trail)."""
    session.add(
        ListEntryEvent(
            entry_id=application.entry_id,
            at=clock.now(),
            actor=actor.audit().id or actor.kind,
            action=action,
            detail=detail,
        )
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        f"early_removal.{action.removeprefix('early_removal_')}",
        target_type="early_removal",
        target_id=application.id,
        details={"entry": application.entry_id, "status": application.status.value},
    )


def apply(
    session: Session,
    clock: Clock,
    actor: Actor,
    entry_id: int,
    *,
    obligations_met: str,
    evidence: str,
    commitment: bool,
    terms: rules.Terms,
) -> EarlyRemovalApplication:
    """The listed subject applies for the early removal of its own black-list entry: how
    its obligations were met, the evidence, and the public credit commitment."""
    entry = _own_entry(session, actor, entry_id)
    # Locked and read afresh (``entry_locks``): the same application sent twice at once is
    # one application, and an entry leaving the list meanwhile is seen.
    entry = entry_locks.locked(session, entry.id)
    obligations = _text(obligations_met, "obligations_met", rules.ORDER_44)
    proof = _text(evidence, "evidence", rules.ORDER_44)
    # Read by the recognising agency (decision 0044, session 19 addendum).
    submitted_text.refuse_personal_data(
        {"obligations_met": obligations, "evidence": proof}, today=clock.today()
    )
    if not commitment:
        raise InvalidInput(
            "make the public credit commitment to apply",
            code="commitment_required",
            field="commitment",
            article="Art. 21 ¶2(2)",
        )
    found = _checks(session, clock, entry, terms)
    failures = rules.failed(found)
    if failures:
        first = failures[0]
        pending = first.code == "no_open_application"
        raise Conflict(
            ("not eligible for early removal: " if not pending else "") + first.message,
            code="application_pending" if pending else "not_eligible",
            field=first.code,
            article=first.article,
            details={"failed": [check.as_dict() for check in failures]},
        )
    application = EarlyRemovalApplication(
        entry_id=entry.id,
        subject_id=entry.subject_id,
        recognising_organisation_id=entry.recognising_organisation_id,
        obligations_met=obligations,
        evidence=proof,
        commitment=rules.COMMITMENT,
        eligibility=[check.as_dict() for check in found],
        terms=terms_for(_standard(session, entry), terms).as_dict(),
        status=EarlyRemovalStatus.SUBMITTED,
        applied_by=actor.audit().id or "",
        applied_at=clock.now(),
        received_on=clock.today(),
    )
    session.add(application)
    session.flush()
    _history(
        session,
        clock,
        actor,
        application,
        "early_removal_applied",
        f"application {application.id} for early removal (SAMR Order 44)",
    )
    return application


# --- the recognising agency decides, with four eyes -------------------------------------------


def get(session: Session, application_id: int) -> EarlyRemovalApplication:
    found = session.get(EarlyRemovalApplication, application_id)
    if found is None:
        raise NotFound(
            "no such application for early removal", code="not_found", field="application"
        )
    return found


def _locked(session: Session, application_id: int) -> EarlyRemovalApplication:
    """The application, its entry first, locked and read afresh (``entry_locks``): two
    staff taking a step on it at once are taken one after the other, and the second finds
    the first's step — never an application proposed twice, or approved and rejected."""
    entry_locks.locked(session, get(session, application_id).entry_id)
    application = session.get(
        EarlyRemovalApplication, application_id, with_for_update=True, populate_existing=True
    )
    assert application is not None
    return application


def _reasons(reasons: str) -> str:
    return _text(reasons, "reasons", "Art. 15 ¶2")


def _stage(application: EarlyRemovalApplication, expected: EarlyRemovalStatus, step: str) -> None:
    if application.status is not expected:
        raise Conflict(
            f"an application that is {application.status.value} cannot be given '{step}'",
            code="wrong_stage",
            field="application",
            article=rules.ORDER_44,
        )


def propose(
    session: Session,
    clock: Clock,
    actor: Actor,
    application_id: int,
    *,
    approve: bool,
    reasons: str,
) -> EarlyRemovalApplication:
    """A case officer of the recognising agency proposes approval or rejection, with
    reasons; another staff member decides on the proposal."""
    application = _locked(session, application_id)
    _require_agency(actor, application, Permission.PROPOSE_LIST_ENTRY)
    _stage(application, EarlyRemovalStatus.SUBMITTED, "propose")
    text = _reasons(reasons)
    # The applicant reads them, in its application and the entry's history (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reasons": reasons}, today=clock.today())
    application.status = EarlyRemovalStatus.PROPOSED
    application.proposed_by = actor.audit().id
    application.proposed_at = clock.now()
    application.proposal_approve = approve
    application.proposal_reasons = text
    session.flush()
    _history(
        session,
        clock,
        actor,
        application,
        "early_removal_proposed",
        f"application {application.id}: proposed to {'approve' if approve else 'reject'}: {text}",
    )
    return application


def decide(
    session: Session,
    clock: Clock,
    actor: Actor,
    application_id: int,
    *,
    confirm: bool,
    reasons: str,
) -> EarlyRemovalApplication:
    """Another staff member of the recognising agency — never who proposed (separate
    duties, four eyes) — confirms the proposal, which approves or rejects the application,
    or returns it to be proposed again, with reasons. Approved, the entry is removed early:
    its status, reason and a step in its history; the joint checks stop applying its
    measures, which follow published entries only."""
    application = _locked(session, application_id)
    _require_agency(actor, application, Permission.APPROVE_LIST_ENTRY)
    _stage(application, EarlyRemovalStatus.PROPOSED, "decide")
    if same_person(session, actor, application.proposed_by):
        raise PermissionDenied(
            "separate duties (four eyes): who proposed the decision on an early removal "
            "does not approve it; another staff member of the recognising agency must",
            code="separate_duties",
            field="application",
            article="Art. 15",
        )
    text = _reasons(reasons)
    # The applicant reads them, in its application and the entry's history (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reasons": reasons}, today=clock.today())
    if not confirm:
        application.status = EarlyRemovalStatus.SUBMITTED
        application.proposed_by = None
        application.proposed_at = None
        application.proposal_approve = None
        application.proposal_reasons = None
        session.flush()
        _history(
            session,
            clock,
            actor,
            application,
            "early_removal_returned",
            f"application {application.id}: proposal returned: {text}",
        )
        return application
    entry = session.get(ListEntry, application.entry_id)  # locked and read by ``_locked``
    assert entry is not None
    approve = bool(application.proposal_approve)
    if approve and not entries.in_force(entry, clock.today()):
        # Left the list meanwhile — by another exit, or by its term before the daily job
        # expired it: an early removal now would rewrite how it ended.
        if entry.status is EntryStatus.PUBLISHED:
            raise Conflict(
                "the entry's term has ended: it leaves the list by its term, not by an early "
                "removal; return the proposal, or reject the application",
                code="entry_not_listed",
                field="entry",
                article="Art. 14",
            )
        raise Conflict(
            f"the entry is {entry.status.value} now: it is no longer on the list to be removed; "
            "return the proposal, or reject the application",
            code="entry_not_listed",
            field="entry",
            article="Art. 14",
        )
    application.status = EarlyRemovalStatus.APPROVED if approve else EarlyRemovalStatus.REJECTED
    application.decided_by = actor.audit().id
    application.decided_at = clock.now()
    application.decision_reasons = text
    if approve:
        entry.status = EntryStatus.REMOVED
        entry.ended_at = clock.now()
        entry.removal_reason = RemovalReason.EARLY_REMOVAL
        entry.removal_detail = f"early removal on application {application.id}: {text}"
    session.flush()
    _history(
        session,
        clock,
        actor,
        application,
        "early_removal_approved" if approve else "early_removal_rejected",
        f"application {application.id}: {text}",
    )
    if approve:
        # The common exit (decision 0042): audited as every removal is, and an open removal
        # proposal on the entry lapses with it.
        record_event(
            session,
            clock,
            entry,
            actor,
            "removed",
            f"{RemovalReason.EARLY_REMOVAL.value}: application {application.id}",
        )
    return application


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    application: EarlyRemovalApplication
    entry: ListEntry
    subject: Subject
    standard: ListStandard
    deadline: rules.Deadline | None

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline.overdue


def cases_of(session: Session, clock: Clock, found: list[EarlyRemovalApplication]) -> list[Case]:
    if not found:
        return []
    calendar = working_day_calendar(session)
    today = clock.today()
    result = []
    for application in found:
        entry = session.get(ListEntry, application.entry_id)
        subject = session.get(Subject, application.subject_id)
        assert entry is not None
        assert subject is not None
        result.append(
            Case(
                application,
                entry,
                subject,
                _standard(session, entry),
                rules.deadline(application, calendar, today),
            )
        )
    return result


def _require_queue_reader(actor: Actor) -> None:
    if not (
        has_permission(actor, Permission.PROPOSE_LIST_ENTRY)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    ):
        require(actor, Permission.PROPOSE_LIST_ENTRY)


def queue(session: Session, clock: Clock, actor: Actor, *, closed: bool = False) -> list[Case]:
    """The recognising agency's applications: open ones, overdue first then oldest; or,
    with ``closed``, the latest decided. Each shown subject's access log has the read
    (the application's statements and evidence are not public)."""
    _require_queue_reader(actor)
    if actor.organisation_id is None:
        return []
    statement = select(EarlyRemovalApplication).where(
        EarlyRemovalApplication.recognising_organisation_id == actor.organisation_id
    )
    if closed:
        statement = (
            statement.where(EarlyRemovalApplication.status.not_in(EARLY_REMOVAL_OPEN))
            .order_by(EarlyRemovalApplication.id.desc())
            .limit(CLOSED_SHOWN)
        )
    else:
        statement = (
            statement.where(EarlyRemovalApplication.status.in_(EARLY_REMOVAL_OPEN))
            .order_by(EarlyRemovalApplication.id)
            .limit(MAX_LISTED)
        )
    found = cases_of(session, clock, list(session.scalars(statement)))
    if not closed:
        found.sort(key=lambda c: (not c.overdue, c.application.id))
    access.log_case_queue(
        session,
        clock,
        actor,
        [(c.application.id, c.subject.id) for c in found],
        case_type="early_removal",
        view=QUEUE_CLOSED if closed else QUEUE,
        what=access.EARLY_REMOVAL,
        purpose=rules.PURPOSE,
    )
    return found


def case(session: Session, clock: Clock, actor: Actor, application_id: int) -> Case:
    """One application: for its subject, the recognising agency's officers, and the credit
    authority's supervisors. A staff member's read is in the subject's access log."""
    application = get(session, application_id)
    if actor.subject_id is not None:
        require(actor, Permission.READ_OWN_FILE)
        if actor.subject_id != application.subject_id:
            # Answered as a missing one (``get``), word for word: another subject's
            # applications are not its to learn of (Art. 13).
            raise ConcealedRefusal(
                "no such application for early removal", code="not_found", field="application"
            )
        (one,) = cases_of(session, clock, [application])
        return one
    if has_permission(actor, Permission.SUPERVISE) and actor.kind != "system":
        # The credit authority supervises the recognitions of its own area (Art. 6).
        area.require_in_own_area(
            session,
            actor,
            application.recognising_organisation_id,
            "the entry's recognising agency",
            field="application",
        )
        path, purpose = LegalPath.SUPERVISION, access.SUPERVISION_PURPOSE
    elif _agency_staff(actor, application.recognising_organisation_id):
        path, purpose = LegalPath.OFFICIAL_DUTY, rules.PURPOSE
    else:
        _require_queue_reader(actor)
        raise PermissionDenied(
            "only the recognising agency and the credit authority read an application for "
            "early removal",
            code="other_organisation",
            article="Art. 14",
        )
    (one,) = cases_of(session, clock, [application])
    access.log_use(
        session, clock, actor, one.subject, path=path, what=access.EARLY_REMOVAL, purpose=purpose
    )
    return one
