"""Red and black list entries and their workflow (Art. 14, 15, 18).

An agency officer proposes with the criteria met, reasons and evidence. A red-list
candidate is published for public comment; a black-list candidate is first told in
writing, with the reasons and basis, and may object within the window. A second officer
— never the proposer — approves after the window, with no objection pending; the entry
is then published for its term, and expires at its end or is removed early with a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, union
from sqlalchemy.orm import Session, selectinload

from xinyong import identifiers, published_text, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import (
    SYSTEM_ACTOR,
    Actor,
    Permission,
    acting_as,
    has_permission,
    require,
    same_person,
)
from xinyong.audit import service as audit
from xinyong.calendar import WorkingDayCalendar, add_days, add_months, last_day_for_act
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord
from xinyong.crypto import default_cipher
from xinyong.disclosure import access
from xinyong.disclosure.models import LegalPath
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from xinyong.lists import (
    court_defaulters,
    eligibility,
    entry_basis,
    entry_locks,
    entry_persons,
    red_list_exit,
)
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    ListEntryPerson,
    ListKind,
    ListObjection,
    ListStandard,
    NamingSource,
    ObjectionSource,
    RemovalReason,
    Tier,
)
from xinyong.lists.publicity import mask_name, mask_names
from xinyong.objections import rules as objection_rules
from xinyong.subjects import names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject, SubjectKind, SubjectName

ACTIVE_STATUSES = (
    EntryStatus.IN_COMMENT,
    EntryStatus.NOTICED,
    EntryStatus.AWAITING_APPROVAL,
    EntryStatus.PUBLISHED,
)


def standard(session: Session, code: str) -> ListStandard:
    found = session.scalar(select(ListStandard).where(ListStandard.code == code))
    if found is None or not found.active:
        raise NotFound(
            f"no recognition standard {code!r}", code="unknown_standard", field="standard"
        )
    return found


def standards(session: Session) -> list[ListStandard]:
    return list(
        session.scalars(
            select(ListStandard)
            .where(ListStandard.active)
            .order_by(ListStandard.kind, ListStandard.code)
        )
    )


def public_standards(session: Session) -> list[dict[str, Any]]:
    """The recognition standards as published (rules.md: a standard states its criteria,
    legal basis, term, exit conditions, procedure and remedies), for the API and the page.

    The procedure: a red-list candidate is published for public comment for
    ``public_comment_days``; a black-list candidate is told in writing and may object within
    ``objection_days``; either is then approved by an officer other than the proposer. An
    entry of a list decided elsewhere (the court's) comes from that body's records
    (``from_record_type``), without a procedure here."""
    return [
        {
            "code": s.code,
            "list": s.kind.value,
            "tier": s.tier.value,
            "name": s.name,
            "criteria": s.criteria,
            "legal_basis": s.legal_basis,
            "term_months": s.term_months,
            "exit_conditions": s.exit_conditions,
            "remedies": s.remedies,
            # The case of Art. 22 under which the listed subject's credit is not repaired
            # while the entry is in force, or None.
            "repair_exclusion": s.repair_exclusion,
            "procedure": {
                "public_comment_days": s.comment_days
                if s.kind is ListKind.RED and not s.from_record_type
                else None,
                "objection_days": s.objection_days
                if s.kind is ListKind.BLACK and not s.from_record_type
                else None,
                "from_record_type": s.from_record_type,
            },
        }
        for s in standards(session)
    ]


def _notice(entry: ListEntry, std: ListStandard, subject: Subject, basis: Sequence[str]) -> str:
    # The records it rests on are the facts the subject may contest (decision 0043).
    records = "".join(f"所依据的信用记录：{label}\n" for label in basis)
    return (
        f"{subject.name}：拟将你（单位）列入“{std.name}”名单。\n"
        f"理由：{entry.reasons}\n符合的认定标准：{entry.criteria_met}\n{records}"
        f"依据：{entry.legal_basis}\n"
        f"你可以在 {entry.window_ends}（含当日）前通过“信用福州”网站或书面方式提出异议、陈述申辩。\n"
        f"退出条件：{std.exit_conditions}\n救济途径：{std.remedies}"
    )


@dataclass(frozen=True)
class NamedPerson:
    """A person the proposing agency names as responsible for a seriously dishonest
    organisation's conduct (Art. 18), with the capacity in which they are responsible."""

    role: str
    name: str
    citizen_id: str


def named_persons_from_form(
    roles: Sequence[str], names: Sequence[str], citizen_ids: Sequence[str]
) -> list[NamedPerson]:
    """The rows of a proposal form's responsible-person table that were filled in (a row
    whose name and ID number are both blank is an unused row, whatever its capacity)."""
    return [
        NamedPerson(role=role, name=name, citizen_id=citizen_id)
        for role, name, citizen_id in zip(roles, names, citizen_ids, strict=False)
        if name.strip() or citizen_id.strip()
    ]


def _named_persons(
    session: Session,
    clock: Clock,
    actor: Actor,
    std: ListStandard,
    subject: Subject,
    named: Sequence[NamedPerson],
) -> list[ListEntryPerson]:
    """Checked before anything is written: Art. 18 names persons only for a seriously
    dishonest organisation, each with a capacity, a name and a valid ID number."""
    if not named:
        return []
    if std.tier is not Tier.SERIOUS or not subject.is_organisation:
        raise InvalidInput(
            "responsible persons are named only for an organisation proposed for the "
            "seriously dishonest tier",
            code="not_serious_organisation",
            field="responsible_persons",
            article="Art. 18",
        )
    roles = {role.value for role in ResponsibleRole}
    checked: list[tuple[str, str, str]] = []
    for index, person in enumerate(named):
        where = f"responsible_persons[{index}]"
        if person.role not in roles:
            raise InvalidInput(
                f"the capacity must be one of {', '.join(sorted(roles))}",
                code="invalid_choice",
                field=f"{where}.role",
                article="Art. 18",
            )
        if not person.name.strip():
            raise InvalidInput("name the person", code="required", field=f"{where}.name")
        try:
            citizen_id = identifiers.require_citizen_id(person.citizen_id, today=clock.today())
        except identifiers.InvalidIdentifier as exc:
            raise InvalidInput(
                exc.error.message,
                code=exc.error.code,
                field=f"{where}.citizen_id",
                article=exc.basis,
            ) from exc
        checked.append((person.role, person.name.strip(), citizen_id))
    rows = []
    looked_up: list[int] = []
    try:
        for index, (role, name, citizen_id) in enumerate(checked):
            found = subjects.by_citizen_id(session, citizen_id)
            if found is None:
                found = subjects.register_natural_person(
                    session, clock, actor, name=name, citizen_id=citizen_id
                )
            else:
                looked_up.append(found.id)
                _log_person_lookup(session, clock, actor, found.id)
                # A number mistyped by a digit that happens to be another registered
                # person's would attach the measures of Art. 18 to that person: the name on
                # the decision must be the one registered (as a batch's row, a consent's or
                # the register's must; the refusal does not say which name it is).
                if not subjects.bears_name(found, name):
                    raise InvalidInput(
                        "the name is not the one registered with this ID number: check both "
                        "against the decision",
                        code="name_mismatch",
                        field=f"responsible_persons[{index}].name",
                        article="Art. 18",
                    )
            rows.append(
                ListEntryPerson(
                    role=role, name=name, person_subject_id=found.id, source=NamingSource.PROPOSAL
                )
            )
    except DomainError as refusal:
        _keep_lookups_logged(refusal, clock, actor, looked_up)
        raise
    return rows


def _log_person_lookup(session: Session, clock: Clock, actor: Actor, person_id: int) -> None:
    """A registered person found by the ID number a proposal names them by: the number told
    the officer whom it belongs to, a use of the person's information in their access log
    (Art. 24), witnessed by the lookup's audit event as every lookup by ID number is."""
    person = session.get(Subject, person_id)
    assert person is not None
    details = access.log_person_lookup(
        session,
        clock,
        actor,
        person,
        path=LegalPath.OFFICIAL_DUTY,
        purpose=access.LIST_WORK_PURPOSE,
    )
    subjects.record_person_lookup(session, clock, actor, person, details=details)


def _keep_lookups_logged(
    refusal: DomainError, clock: Clock, actor: Actor, person_ids: Sequence[int]
) -> None:
    """A proposal refused after persons were found by ID number (``name_mismatch``): the
    request is rolled back, but the lookups stay logged and audited — a refusal must not
    make the form a way to test numbers, and names against them, unseen (Art. 34)."""
    if not person_ids:
        return
    earlier = refusal.aftermath

    def after(session: Session) -> None:
        for person_id in person_ids:
            _log_person_lookup(session, clock, actor, person_id)
        if earlier is not None:
            earlier(session)

    refusal.aftermath = after


def window_end(
    session: Session,
    std: ListStandard,
    proposed_on: dt.date,
    calendar: WorkingDayCalendar | None = None,
) -> dt.date:
    """The last day of the public comment (red) or objection (black) window of a candidacy
    proposed on ``proposed_on``: its days counted from the day after, and a last day that is
    not a working day moved to the next one (民法典 Art. 201, 203) — the subject's and the
    public's time to act is never cut short by a holiday."""
    days = std.comment_days if std.kind is ListKind.RED else std.objection_days
    calendar = calendar or working_day_calendar(session)
    return last_day_for_act(calendar, add_days(proposed_on, days)).day


# An open candidacy's window, extended when a year's calendar is entered (the step's detail;
# ``web.labels`` translates it).
WINDOW_EXTENDED = "window extended to {day}: the working-day calendar of {year} was entered"


def extend_windows(session: Session, clock: Clock, year: int) -> list[int]:
    """Open candidacies whose window, counted again with ``year``'s calendar just entered,
    ends later than the day stored when they were proposed (a last day that fell on a
    weekday now declared a holiday moves past it, 民法典 Art. 203): their window is
    extended, each with a step in its history the subject reads. A window never ends
    earlier than the day the subject was told in writing or the public was shown, so a
    declared working weekend shortens none. Returns the entries extended."""
    open_entries = session.execute(
        select(ListEntry, ListStandard)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(
            ListEntry.status.in_((EntryStatus.IN_COMMENT, EntryStatus.NOTICED)),
            ListEntry.window_ends.is_not(None),
            # A last day only ever moves later: one before the year stays where it is.
            ListEntry.window_ends >= dt.date(year, 1, 1),
        )
        .order_by(ListEntry.id)
    ).all()
    calendar = working_day_calendar(session)
    extended: list[int] = []
    for entry, std in open_entries:
        assert entry.window_ends is not None  # selected so
        proposed_on = entry.proposed_at.astimezone(CHINA).date()
        recounted = window_end(session, std, proposed_on, calendar)
        if recounted <= entry.window_ends:
            continue
        entry.window_ends = recounted
        record_event(
            session,
            clock,
            entry,
            SYSTEM_ACTOR,
            "window_extended",
            WINDOW_EXTENDED.format(day=recounted.isoformat(), year=year),
        )
        extended.append(entry.id)
    return extended


def propose(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    subject: Subject,
    standard_code: str,
    criteria_met: str,
    reasons: str,
    evidence: str,
    responsible_persons: Sequence[NamedPerson] = (),
    name: str | None = None,
    basis_record_ids: Sequence[int] = (),
) -> ListEntry:
    """``name``: the subject's name as the officer has it (on the decision the proposal
    rests on), beside the code it was found by: a name the register does not know for the
    code means one of the two was mistyped, and the proposal would list another subject
    than the one decided on, so it is refused (as ingestion holds such a row for review,
    ``pipeline._check_names``). Without it the code alone identifies the subject (the API's
    older clients).

    ``basis_record_ids``: the credit records the entry rests on (``entry_basis.check``;
    at least one for the black list), with which it leaves the list (decision 0043)."""
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    if name is not None and name.strip() and not subjects.bears_name(subject, name):
        raise InvalidInput(
            "the code is registered under another name; check the code and the name",
            code="name_mismatch",
            field="name",
            article="Art. 4",
        )
    std = standard(session, standard_code)
    if std.from_record_type:
        raise InvalidInput(
            f"{std.name} entries come from the {std.from_record_type} records of the deciding body",
            code="entered_from_records",
            field="standard",
        )
    for value, field in (
        (criteria_met, "criteria_met"),
        (reasons, "reasons"),
        (evidence, "evidence"),
    ):
        if not value.strip():
            raise InvalidInput(
                f"a proposal states its {field.replace('_', ' ')}",
                code="required",
                field=field,
                article="Art. 15 ¶2",
            )
    # Both are public: on the red list's public comment page and, once listed, on the lists.
    published_text.refuse_citizen_ids(
        {"criteria_met": criteria_met, "reasons": reasons}, today=clock.today()
    )
    if not subject.is_organisation:
        # About a person, the officer's words are held to Art. 11 ¶3 as a batch's free text
        # about a person is (decision 0005): the lists would publish what may never be
        # collected. Not about an organisation: a case of one collecting fingerprints
        # unlawfully names them without collecting anybody's.
        submitted_text.refuse_prohibited_content(
            {"criteria_met": criteria_met, "reasons": reasons, "evidence": evidence}
        )
    if actor.organisation_id is None:
        raise PermissionDenied(
            "only an agency proposes list entries", code="no_organisation", article="Art. 14"
        )
    # Two officers proposing the subject at once: the second waits here for the first's
    # entry, then finds it (a lock rather than a unique index: a court's defaulter has an
    # entry per enforcement case under one standard, and databases may hold the duplicates
    # this race made before, which an index could not be built over).
    entry_locks.hold_subject(session, subject.id)
    if _open_entry(session, subject.id, std.id) is not None:
        raise Conflict(
            "this subject already has an open entry under this standard",
            code="duplicate",
            field="subject",
        )
    eligibility.require_red_list_eligible(session, subject.id, std, clock.today())
    basis = entry_basis.check(session, actor, std, subject, basis_record_ids, today=clock.today())
    named = _named_persons(session, clock, actor, std, subject, responsible_persons)
    today = clock.today()
    entry = ListEntry(
        subject_id=subject.id,
        standard_id=std.id,
        kind=std.kind,
        tier=std.tier,
        status=EntryStatus.IN_COMMENT if std.kind is ListKind.RED else EntryStatus.NOTICED,
        recognising_organisation_id=actor.organisation_id,
        proposed_by=actor.audit().id or "",
        proposed_at=clock.now(),
        criteria_met=criteria_met.strip(),
        reasons=reasons.strip(),
        evidence=evidence.strip(),
        legal_basis=std.legal_basis,
        window_ends=window_end(session, std, today),
    )
    session.add(entry)
    session.flush()
    entry_basis.name(session, entry, basis)
    for person in named:
        person.entry_id = entry.id
        session.add(person)
    session.flush()
    if std.kind is ListKind.BLACK:
        # The subject is told the reasons and basis before it is listed (Art. 15 ¶2, rules.md).
        entry.notice_text = _notice(
            entry, std, subject, [entry_basis.label(session, record) for record in basis]
        )
        record_event(
            session,
            clock,
            entry,
            actor,
            "proposed",
            "written notice sent; objection window until " + str(entry.window_ends),
        )
    else:
        record_event(
            session,
            clock,
            entry,
            actor,
            "proposed",
            "published for public comment until " + str(entry.window_ends),
        )
    entry_persons.named_by_proposal(session, clock, actor, entry, named)
    return entry


def _open_entry(session: Session, subject_id: int, standard_id: int) -> int | None:
    """The subject's entry under the standard that is proposed or on the list, if any."""
    return session.scalar(
        select(ListEntry.id).where(
            ListEntry.subject_id == subject_id,
            ListEntry.standard_id == standard_id,
            ListEntry.status.in_(ACTIVE_STATUSES),
        )
    )


def get(session: Session, entry_id: int) -> ListEntry:
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("no such list entry", code="not_found", field="entry")
    return entry


def no_such_entry(*, concealed: bool = False, **refusal: Any) -> NotFound:
    """What a subject account is told of an entry that does not exist and, alike, of
    another subject's (``concealed``: audited as the refused access it is, answered as the
    missing one): which ids are entries the public lists do not show — candidacies, rejected
    proposals — is not a subject's to learn (Art. 13). ``refusal``: e.g. ``record_refusal``."""
    error = ConcealedRefusal if concealed else NotFound
    return error(
        "no such list entry", code="not_found", field="entry", article="Art. 13", **refusal
    )


def subjects_entry(session: Session, actor: Actor, entry_id: int) -> ListEntry:
    """The entry, for the subject account it is about; any other id is ``no_such_entry``."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise no_such_entry()
    if actor.subject_id != entry.subject_id:
        raise no_such_entry(concealed=True)
    return entry


def objection_refusal(
    kind: ListKind,
    status: EntryStatus,
    window_ends: dt.date | None,
    today: dt.date,
    *,
    term_end: dt.date | None = None,
    court: bool = False,
) -> str | None:
    """Why the subject may not object to an entry in this state today, or None: a
    black-list candidacy takes objections within its window after the written notice, a
    black-list entry on the list at any time (Art. 25); nothing else does (a red-list
    candidate takes public comments, ``comment_on``). A ``court`` judgment defaulter's
    entry is the court's decision: the defaulter objects to the court (``court_refusal``)."""
    if status is EntryStatus.NOTICED:
        return None if window_ends is not None and today <= window_ends else "window_closed"
    if kind is ListKind.BLACK and status is EntryStatus.PUBLISHED:
        # On the list: not once its term has ended, though the daily job has yet to end it.
        if term_end is not None and today > term_end:
            return "not_objectable"
        return OBJECT_TO_COURT if court else None
    return "not_objectable"


# A court judgment defaulter's listing is the court's decision (SPC rule — 最高人民法院关于公布
# 失信被执行人名单信息的若干规定 — Art. 11: the defaulter applies to the enforcing court for its
# correction). The platform takes no objection to it and decides none: its removal would leave
# the court's record standing and the court unable to list the defaulter again from it.
OBJECT_TO_COURT = "object_to_court"
COURT_CORRECTION = "SPC rule Art. 11"


def court_refusal(session: Session, entry: ListEntry) -> Conflict | None:
    """Why an objection to this entry is not the platform's to take or uphold, if it is a
    court judgment defaulter's: naming the court the defaulter applies to instead."""
    court = court_defaulters.listing_court(session, entry)
    if court is None:
        return None
    return Conflict(
        "a court judgment defaulter is listed by the court's decision, which the platform "
        f"does not decide: apply to {court} for its correction; the entry leaves the list "
        "when the court revokes its record or confirms the performance",
        code="object_to_court",
        field="entry",
        article=COURT_CORRECTION,
        details={"court": court, "record": entry.source_record_id},
    )


def listing_courts(session: Session, found: Iterable[ListEntry]) -> dict[int, str]:
    """For the court judgment defaulters' entries among ``found`` on the black list, by id,
    the court the defaulter objects to instead of the platform (``court_refusal``)."""
    courts: dict[int, str] = {}
    for entry in found:
        if entry.kind is not ListKind.BLACK or entry.status is not EntryStatus.PUBLISHED:
            continue
        court = court_defaulters.listing_court(session, entry)
        if court is not None:
            courts[entry.id] = court
    return courts


def object_to(
    session: Session,
    clock: Clock,
    actor: Actor,
    entry_id: int,
    statement: str,
    *,
    terms: objection_rules.Terms | None = None,
) -> ListObjection:
    """The subject objects to a black-list candidacy within the window after the written
    notice — or, at any time, to its black-list entry on the list (Art. 25: an objection
    to credit information about it; the remedies the standard states). The latter is
    decided within the deadline of an objection to a record, ``terms`` as configured
    (``XINYONG_OBJECTION_DECISION_WORKING_DAYS``; the defaults without them), and an
    upheld one removes the entry."""
    require(actor, Permission.READ_OWN_FILE)
    entry = subjects_entry(session, actor, entry_id)
    to_court = court_refusal(session, entry)
    refusal = objection_refusal(
        entry.kind,
        entry.status,
        entry.window_ends,
        clock.today(),
        term_end=entry.term_end,
        court=to_court is not None,
    )
    if refusal == OBJECT_TO_COURT and to_court is not None:
        raise to_court
    if refusal == "window_closed":
        raise InvalidInput(
            "the objection window is closed", code="window_closed", field="entry", article="Art. 25"
        )
    if refusal is not None:
        raise InvalidInput(
            "a subject objects to a black-list candidacy within its objection window, or to "
            f"its black-list entry while it is on the list; this entry is {entry.status.value}",
            code=refusal,
            field="entry",
            article="Art. 25",
        )
    published = entry.status is EntryStatus.PUBLISHED
    pending = session.scalar(
        select(ListObjection.submitted_at).where(
            ListObjection.entry_id == entry.id,
            ListObjection.source == ObjectionSource.SUBJECT,
            ListObjection.decided_at.is_(None),
        )
    )
    if pending is not None:
        # One objection at a time: the first is decided with reasons before another is
        # taken (a second, undecided, would only be a copy waiting beside it).
        raise Conflict(
            f"your objection of {pending.astimezone(CHINA).date()} to this notice is still undecided; you are "
            "told its decision and reasons here, and may object again afterwards",
            code="objection_pending",
            field="entry",
            article="Art. 25",
        )
    statement = texts.visible(statement)
    if not statement:
        raise InvalidInput("state your objection", code="required", field="statement")
    if objection_rules.statement_too_long(statement):
        raise InvalidInput(
            f"an objection is at most {objection_rules.MAX_STATEMENT} characters",
            code="too_long",
            field="statement",
        )
    submitted_text.refuse_personal_data({"statement": statement}, today=clock.today())
    objection = ListObjection(
        entry_id=entry.id,
        submitted_at=clock.now(),
        statement=statement.strip(),
        after_publication=published,
        terms=(terms or objection_rules.Terms()).as_dict() if published else None,
    )
    session.add(objection)
    session.flush()
    record_event(
        session,
        clock,
        entry,
        actor,
        "objection",
        "objection to the published entry received" if published else "objection received",
    )
    return objection


def objection_deadline(
    session: Session,
    objection: ListObjection,
    today: dt.date,
    *,
    calendar: WorkingDayCalendar | None = None,
) -> objection_rules.Deadline | None:
    """When an undecided objection to a published entry is due: the working days an
    objection to a record is decided in (its ``terms``, decision 0022), from the day it was
    received, computed from the calendar now (``calendar``, loaded once by a caller with
    many; read here otherwise). None for one to a candidacy (approval waits for its
    decision) and once decided."""
    if not objection.after_publication or objection.decided_at is not None:
        return None
    terms = objection_rules.Terms.from_dict(objection.terms)
    received = objection.submitted_at.astimezone(CHINA).date()
    return objection_rules.working_deadline(
        calendar or working_day_calendar(session), received, terms.decide, "decide", today
    )


def objection_deadlines(
    session: Session, objections: Iterable[ListObjection], today: dt.date
) -> dict[int, objection_rules.Deadline]:
    """``objection_deadline`` for each of these that has one, by objection id: the calendar
    is read once for them all, and not at all when none is due."""
    due = [o for o in objections if o.after_publication and o.decided_at is None]
    if not due:
        return {}
    calendar = working_day_calendar(session)
    found = {o.id: objection_deadline(session, o, today, calendar=calendar) for o in due}
    return {objection_id: d for objection_id, d in found.items() if d is not None}


def _require_objection_decider(actor: Actor) -> None:
    """An objection handler, or an officer who approves list entries (rules.md: separate
    duties — an objection handler decides objections but alters no data)."""
    if has_permission(actor, Permission.HANDLE_OBJECTIONS):
        return
    require(actor, Permission.APPROVE_LIST_ENTRY)


def _organisation_decides_objections(session: Session, actor: Actor, entry: ListEntry) -> bool:
    """Whether the actor's organisation decides objections to this entry: the recognising
    agency (its objection handlers and approving officers); and, for its objection
    handlers only, the credit authority, which runs the platform where subjects and the
    public object (the notice sends them to “信用福州”) and supervises the agencies'
    recognitions (Art. 6, 25) — a district's, its own district's agencies' entries only
    (``area``, decision 0046)."""
    if actor.kind == "system":
        return True
    if has_permission(actor, Permission.HANDLE_OBJECTIONS):
        return actor.organisation_id == entry.recognising_organisation_id or (
            actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY
            and area.in_own_area(session, actor, entry.recognising_organisation_id)
        )
    return (
        has_permission(actor, Permission.APPROVE_LIST_ENTRY)
        and actor.organisation_id == entry.recognising_organisation_id
    )


def _refuse_outside_area(actor: Actor) -> None:
    """A credit authority's objection handler refused an entry: it reaches every agency
    but another area's (``_organisation_decides_objections``), so that is why."""
    if (
        has_permission(actor, Permission.HANDLE_OBJECTIONS)
        and actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY
    ):
        raise area.refusal("the entry's recognising agency", field="objection")


def proposed_by_actor(
    session: Session, actor: Actor, entry: ListEntry, *, acting: Collection[str] | None = None
) -> bool:
    """Whether the actor's person proposed the entry, in person or through a key either of
    them released (``permissions.same_person``). A caller asking for many entries passes
    ``acting`` (``permissions.acting_as``, read once) and no query is made per entry."""
    if acting is not None:
        return entry.proposed_by is not None and entry.proposed_by in acting
    return same_person(session, actor, entry.proposed_by)


def may_decide_objections(
    session: Session, actor: Actor, entry: ListEntry, *, acting: Collection[str] | None = None
) -> bool:
    """Whether the actor may decide objections to this entry: never its proposer (``acting``
    as for ``proposed_by_actor``)."""
    return _organisation_decides_objections(session, actor, entry) and not proposed_by_actor(
        session, actor, entry, acting=acting
    )


def decide_objection(
    session: Session, clock: Clock, actor: Actor, objection_id: int, *, upheld: bool, reasons: str
) -> ListObjection:
    """An objection — the subject's after a black-list notice, or a public comment on a
    red-list candidate — is decided with reasons by someone other than the proposer: an
    objection handler of the recognising agency or of the credit authority, or a second
    officer of the recognising agency."""
    _require_objection_decider(actor)
    found = session.get(ListObjection, objection_id)
    if found is None:
        raise NotFound("no such objection", code="not_found", field="objection")
    # The entry, then the objection, locked and read afresh (``entry_locks``): two deciding
    # at once are taken one after the other, and the second finds it decided — never an
    # entry removed on an objection that reads dismissed, nor approved or rejected meanwhile.
    entry = entry_locks.locked(session, found.entry_id)
    objection = session.get(
        ListObjection, objection_id, with_for_update=True, populate_existing=True
    )
    assert objection is not None
    if not _organisation_decides_objections(session, actor, entry):
        _refuse_outside_area(actor)
        raise PermissionDenied(
            "this entry belongs to another agency", code="other_organisation", article="Art. 14"
        )
    if proposed_by_actor(session, actor, entry):
        # Who proposed the entry does not judge the objection to it, as they do not
        # approve it: the objection is heard by somebody else.
        raise PermissionDenied(
            "the proposer cannot decide an objection to their own proposal; another officer "
            "or an objection handler must",
            code="own_proposal",
            article="Art. 25",
        )
    if objection.decided_at is not None:
        raise Conflict("this objection is decided already", code="decided", field="objection")
    # One taken before the platform refused them: dismissed with reasons, never upheld.
    to_court = court_refusal(session, entry) if upheld else None
    if to_court is not None:
        raise to_court
    reasons = texts.visible(reasons)
    if not reasons:
        raise InvalidInput(
            "a decision states its reasons", code="required", field="reasons", article="Art. 15 ¶2"
        )
    if objection_rules.too_long(reasons, objection_rules.MAX_REASONS):
        raise InvalidInput(
            f"the reasons are at most {objection_rules.MAX_REASONS} characters",
            code="too_long",
            field="reasons",
        )
    # The subject, or the commenting public, reads the decision (Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reasons": reasons}, today=clock.today())
    objection.decided_at = clock.now()
    objection.upheld = upheld
    objection.decision_reasons = reasons.strip()
    objection.decided_by = actor.audit().id
    # The red-list entries an upheld objection restores are locked before the events take
    # the audit chain's head (decision 0008, session 25 addendum).
    with audit.events_last(session):
        record_event(
            session,
            clock,
            entry,
            actor,
            "objection_upheld" if upheld else "objection_dismissed",
            reasons.strip(),
        )
        if upheld and not objection.after_publication and entry.status in OPEN_STATUSES:
            # A candidacy that ended meanwhile (withdrawn, or rejected by the approver) keeps
            # the ending it has: the upheld objection is on its record, not a second ending.
            entry.status = EntryStatus.REJECTED
            entry.ended_at = clock.now()
            entry.removal_reason = RemovalReason.OBJECTION_UPHELD
            entry.removal_detail = reasons.strip()
        elif upheld and in_force(entry, clock.today()):
            # The listing was wrong: the entry leaves the list now, and the subject reads why
            # on its notices (Art. 24). One that left otherwise meanwhile stays as it ended —
            # and so does one whose term ended before the daily job expired it: it has left by
            # its term, which the job writes (decision 0042, session 21 addendum).
            # The removal is the decision's consequence, carried out by the platform — an
            # objection handler alters no data (rules.md) — naming the decision and who took it
            # as its cause, so the history says who did what.
            entry.status = EntryStatus.REMOVED
            entry.ended_at = clock.now()
            entry.removal_reason = RemovalReason.OBJECTION_UPHELD
            entry.removal_detail = reasons.strip()
            record_event(
                session,
                clock,
                entry,
                SYSTEM_ACTOR,
                "removed",
                f"{RemovalReason.OBJECTION_UPHELD.value}: objection {objection.id} upheld: "
                f"{reasons.strip()}",
                details={
                    "cause": {
                        "action": "list_entry.objection_upheld",
                        "actor": actor.audit().id,
                        "objection": objection.id,
                    }
                },
            )
        if upheld and objection.after_publication:
            # The red-list entries this listing ended had no ground either, however it has left
            # the list since (decision 0041 addendum).
            red_list_exit.restore_after_wrong_black_listing(
                session, clock, entry, found_wrong=RemovalReason.OBJECTION_UPHELD
            )
    return objection


def _same_organisation(actor: Actor, entry: ListEntry) -> None:
    if actor.kind != "system" and actor.organisation_id != entry.recognising_organisation_id:
        raise PermissionDenied(
            "this entry belongs to another agency", code="other_organisation", article="Art. 14"
        )


def window_open(entry: ListEntry, today: dt.date) -> bool:
    """Whether the entry's public comment period or objection window still runs (its last
    day included): until it has ended no officer approves the entry (Art. 15 ¶2)."""
    return entry.window_ends is not None and today <= entry.window_ends


def with_objection_pending(session: Session, entry_ids: Iterable[int]) -> set[int]:
    """The entries among ``entry_ids`` with an objection or public comment still undecided:
    until each is decided no officer approves the entry (Art. 25)."""
    ids = list(entry_ids)
    if not ids:
        return set()
    return set(
        session.scalars(
            select(ListObjection.entry_id).where(
                ListObjection.entry_id.in_(ids), ListObjection.decided_at.is_(None)
            )
        )
    )


def approve(
    session: Session, clock: Clock, actor: Actor, entry_id: int, *, reasons: str
) -> ListEntry:
    """A second officer approves and publishes. Never the proposer; never before the
    comment or objection window has closed with every objection decided."""
    require(actor, Permission.APPROVE_LIST_ENTRY)
    # Locked and read afresh: an officer rejecting it at the same moment is taken before or
    # after, never beside (``entry_locks``).
    entry = entry_locks.locked(session, entry_id)
    _same_organisation(actor, entry)
    if proposed_by_actor(session, actor, entry):
        raise PermissionDenied(
            "the proposer cannot approve their own proposal; a second officer must",
            code="self_approval",
            article="Art. 15",
        )
    if entry.status not in (
        EntryStatus.IN_COMMENT,
        EntryStatus.NOTICED,
        EntryStatus.AWAITING_APPROVAL,
    ):
        raise Conflict(
            f"an entry that is {entry.status.value} cannot be approved",
            code="wrong_state",
            field="entry",
        )
    today = clock.today()
    if window_open(entry, today):
        what = (
            "public comment period"
            if entry.kind is ListKind.RED
            else "objection window after the written notice"
        )
        raise InvalidInput(
            f"the {what} runs until {entry.window_ends}",
            code="window_open",
            field="entry",
            article="Art. 15 ¶2",
        )
    if with_objection_pending(session, [entry.id]):
        raise InvalidInput(
            "an objection is still undecided",
            code="objection_pending",
            field="entry",
            article="Art. 25",
        )
    reasons = texts.visible(reasons)
    if not reasons:
        raise InvalidInput(
            "an approval states its reasons", code="required", field="reasons", article="Art. 15 ¶2"
        )
    published_text.refuse_citizen_ids({"reasons": reasons}, today=clock.today())
    std = session.get(ListStandard, entry.standard_id)
    assert std is not None
    # Black-listed, or penalised, since it was proposed: no longer an integrity model.
    eligibility.require_red_list_eligible(session, entry.subject_id, std, today)
    entry_basis.require_in_force(session, entry, today=today)
    entry.status = EntryStatus.PUBLISHED
    entry.approved_by = actor.audit().id
    entry.approved_at = clock.now()
    entry.term_start = today
    entry.term_end = add_months(today, std.term_months)
    # The subject's red-list entries this ends are locked before the events take the audit
    # chain's head (decision 0008 addenda).
    with audit.events_last(session):
        record_event(session, clock, entry, actor, "approved", reasons.strip())
        entry_persons.name_responsible_persons(
            session, clock, actor, entry, reason=entry_persons.ON_PUBLICATION
        )
        # On the black list, the subject is no integrity model: its red-list entries end.
        red_list_exit.end_on_black_listing(session, clock, entry)
    return entry


def reject(
    session: Session, clock: Clock, actor: Actor, entry_id: int, *, reasons: str
) -> ListEntry:
    require(actor, Permission.APPROVE_LIST_ENTRY)
    entry = entry_locks.locked(session, entry_id)
    _same_organisation(actor, entry)
    if entry.status is EntryStatus.PUBLISHED or entry.status in (
        EntryStatus.REJECTED,
        EntryStatus.EXPIRED,
        EntryStatus.REMOVED,
    ):
        raise Conflict(
            f"an entry that is {entry.status.value} cannot be rejected",
            code="wrong_state",
            field="entry",
        )
    reasons = texts.visible(reasons)
    if not reasons:
        raise InvalidInput("a rejection states its reasons", code="required", field="reasons")
    published_text.refuse_citizen_ids({"reasons": reasons}, today=clock.today())
    entry.status = EntryStatus.REJECTED
    entry.ended_at = clock.now()
    entry.removal_detail = reasons.strip()
    record_event(session, clock, entry, actor, "rejected", reasons.strip())
    return entry


def end_entries_resting_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    reason: RemovalReason,
    detail: str,
    event: str,
) -> list[int]:
    """The entries resting on a record — a court judgment defaulter's on the court's record,
    any other on the basis records its proposal named (decision 0043) — end when the record
    is no longer used: repaired (Art. 20–23) or revoked by its source (decision 0028). A
    published one leaves the list (removed); a candidacy not yet published (in comment,
    noticed, awaiting approval) ends unpublished (rejected). The reason and the record are
    in each one's history and removal detail, which the subject reads on its notices (Art.
    24). Returns their ids.

    The red-list entries restored after a listing found wrong are locked before the first
    event takes the audit chain's head (``audit.events_last``; decision 0008 addenda)."""
    with audit.events_last(session):
        return _end_entries_resting_on(
            session, clock, actor, record_id, reason=reason, detail=detail, event=event
        )


def _end_entries_resting_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    reason: RemovalReason,
    detail: str,
    event: str,
) -> list[int]:
    ended: list[int] = []
    record: CreditRecord | None = None
    for entry in session.scalars(
        select(ListEntry)
        .where(entry_basis.rests_on(record_id), ListEntry.status.in_(ACTIVE_STATUSES))
        .order_by(ListEntry.id)
        # Locked and read afresh (``entry_locks``): an officer's decision on one of them
        # at the same moment is taken before or after this ending, never beside it.
        .with_for_update(of=ListEntry)
        .execution_options(populate_existing=True)
    ):
        published = entry.status is EntryStatus.PUBLISHED
        entry_detail, entry_event = detail, event
        if entry.source_record_id != record_id:
            # Resting on records its proposal named: which one fell is said with the reason.
            if record is None:
                record = session.get(CreditRecord, record_id)
                assert record is not None
            named = entry_basis.label(session, record)
            entry_detail = f"{detail}{entry_basis.SEPARATOR}{named}"
            entry_event = f"{event}{entry_basis.SEPARATOR}{named}"
        entry.status = EntryStatus.REMOVED if published else EntryStatus.REJECTED
        entry.ended_at = clock.now()
        entry.removal_reason = reason
        entry.removal_detail = entry_detail
        record_event(session, clock, entry, actor, "removed" if published else "ended", entry_event)
        if published:
            # A listing on an annulled decision should not have been: the red-list entries
            # it ended come back (a repair brings none back).
            red_list_exit.restore_after_wrong_black_listing(session, clock, entry)
        ended.append(entry.id)
    if reason is RemovalReason.RECORD_REVOKED:
        # A black listing that had left the list before its decision was annulled was no
        # more grounded: the red-list entries it ended come back all the same (decision
        # 0041 addendum), as on an objection upheld after it left.
        for left in _black_entries_left_resting_on(session, record_id):
            # Those just removed here, or found wrong before, have had theirs back already.
            if left.removal_reason not in red_list_exit.WRONG_LISTING:
                red_list_exit.restore_after_wrong_black_listing(
                    session, clock, left, found_wrong=RemovalReason.RECORD_REVOKED
                )
    return ended


def _black_entries_left_resting_on(session: Session, record_id: int) -> list[ListEntry]:
    """The black-list entries resting on the record that have left the list."""
    return list(
        session.scalars(
            select(ListEntry)
            .where(
                entry_basis.rests_on(record_id),
                ListEntry.kind == ListKind.BLACK,
                ListEntry.status.in_((EntryStatus.REMOVED, EntryStatus.EXPIRED)),
            )
            .order_by(ListEntry.id)
        )
    )


def restore_entries_resting_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    event: str,
) -> list[int]:
    """The entries resting on a record that left the list because a record they rest on
    was repaired or revoked (``entry_basis.BASIS_REMOVALS``) are published again while
    their term runs, once every record they rest on stands again: the repair or revocation
    that removed them has been undone (Art. 23; decision 0028). Which record removed one
    does not matter, only that none it rests on is fallen now (decision 0043): an entry on
    two records, both revoked, comes back when the second is reinstated, whichever went
    first. A candidacy ended so is not revived: the agency proposes again, with a new
    notice. Returns their ids.

    The subjects held, the red-list entries ended, are locked before the first event takes
    the audit chain's head (``audit.events_last``; decision 0008 addenda)."""
    with audit.events_last(session):
        return _restore_entries_resting_on(session, clock, actor, record_id, event=event)


def _restore_entries_resting_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: int,
    *,
    event: str,
) -> list[int]:
    query = select(ListEntry).where(
        entry_basis.rests_on(record_id),
        ListEntry.status == EntryStatus.REMOVED,
        ListEntry.removal_reason.in_(entry_basis.BASIS_REMOVALS),
    )
    today = clock.today()
    restored: list[int] = []
    locked = query.order_by(ListEntry.id).with_for_update(of=ListEntry)
    for entry in session.scalars(locked.execution_options(populate_existing=True)):
        if entry.term_end is not None and entry.term_end < today:
            continue
        if entry_basis.fallen(session, entry):
            continue
        # As a proposal does: one entry open per subject and standard, whoever acts at once.
        entry_locks.hold_subject(session, entry.subject_id)
        if _open_entry(session, entry.subject_id, entry.standard_id) is not None:
            # Listed again meanwhile under the same standard, on other records: one entry
            # per subject and standard (as a proposal is refused), so this one stays off.
            record_event(session, clock, entry, actor, "not_restored", event)
            continue
        entry.status = EntryStatus.PUBLISHED
        entry.ended_at = None
        entry.removal_reason = None
        entry.removal_detail = None
        record_event(session, clock, entry, actor, "restored", event)
        # Who answers for the organisation now is named too, as on a first publication.
        entry_persons.name_responsible_persons(
            session, clock, actor, entry, reason=entry_persons.ON_RESTORATION
        )
        red_list_exit.end_on_black_listing(session, clock, entry)
        restored.append(entry.id)
    # A black listing that had left the list otherwise before the decision was annulled
    # stays off; the red-list entries the annulment brought back end again.
    for left in _black_entries_left_resting_on(session, record_id):
        if left.removal_reason not in entry_basis.BASIS_REMOVALS and not entry_basis.fallen(
            session, left
        ):
            red_list_exit.end_again_on_reinstatement(session, clock, left)
    return restored


def expire_due(session: Session, clock: Clock, actor: Actor) -> int:
    """Entries whose term has ended leave the list (run daily by `xinyong jobs run`)."""
    today = clock.today()
    due = session.scalars(
        select(ListEntry)
        .where(ListEntry.status == EntryStatus.PUBLISHED, ListEntry.term_end < today)
        .order_by(ListEntry.id)
        # Locked (``entry_locks``): one removed at this moment is no longer due.
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for entry in due:
        entry.status = EntryStatus.EXPIRED
        entry.ended_at = clock.now()
        record_event(session, clock, entry, actor, "expired", f"term ended on {entry.term_end}")
    return len(due)


def in_force(entry: ListEntry, today: dt.date) -> bool:
    return (
        entry.status is EntryStatus.PUBLISHED
        and entry.term_start is not None
        and entry.term_start <= today
        and (entry.term_end is None or today <= entry.term_end)
    )


def _published_statement(today: dt.date) -> Select[ListEntry, Subject, ListStandard]:
    """Entries on the public lists today: published, their term not ended."""
    return (
        select(ListEntry, Subject, ListStandard)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(ListEntry.status == EntryStatus.PUBLISHED, ListEntry.term_end >= today)
        .order_by(ListEntry.term_start.desc(), ListEntry.id.desc())
    )


def published(
    session: Session,
    kind: ListKind,
    *,
    today: dt.date,
    query: str = "",
    tier: Tier | None = None,
    recognised_by: Collection[int] | None = None,
) -> list[tuple[ListEntry, Subject, ListStandard]]:
    """The public list pages: entries in force, with basis, reasons and term.

    ``recognised_by`` keeps those recognised by one of these organisations (an agency's
    own entries, a district's): narrowed in the query, not after it, as the whole city's
    list is read on every view of an officer's queue otherwise."""
    statement = _published_statement(today).where(ListEntry.kind == kind)
    if tier is not None:
        statement = statement.where(ListEntry.tier == tier)
    if recognised_by is not None:
        statement = statement.where(ListEntry.recognising_organisation_id.in_(recognised_by))
    if query.strip():
        # A search compares former names too (``public_search_match``).
        statement = statement.options(selectinload(Subject.names))
    rows = [(e, s, st) for e, s, st in session.execute(statement)]
    if query.strip():
        rows = [r for r in rows if found_by_public_search(r[1], query)]
    return rows


def public_search_match(subject: Subject, query: str) -> str | None:
    """The name by which a search of the public lists finds the subject, or None: an
    organisation by part of its name, or of a former name (which is public: the public
    search finds it by one, review r3, session 19), or by its code; a natural person only
    by what the list shows of them — the masked name or masked ID number, typed exactly as
    shown. Never by the name or the ID number the list masks (Art. 13 ¶3; rules.md):
    anyone, unlogged, could confirm a guessed name, or recover a masked one a character at
    a time, from what the search finds. An organisation found by its current name or its
    code answers its name; by a former name, that name."""
    if subject.is_organisation:
        wanted = names.normalise_name(query)
        if wanted in subject.name_normalised or wanted.upper() == (subject.uscc or ""):
            return subject.name
        return next(
            (
                former.name
                for former in subject.names
                if not former.current and wanted in former.normalised
            ),
            None,
        )
    typed = query.strip()
    shown = mask_name(subject.name)
    if typed == shown or typed.upper() == subject.public_code.upper():
        return shown
    return None


def found_by_public_search(subject: Subject, query: str) -> bool:
    """Whether a search of the public lists finds the subject (``public_search_match``)."""
    return public_search_match(subject, query) is not None


def art22_entries_in_force(
    session: Session, subject_id: int, today: dt.date
) -> list[tuple[ListEntry, ListStandard]]:
    """The subject's entries in force today under a standard that names a case of Art. 22
    (``ListStandard.repair_exclusion``): while one is, its credit is not repaired."""
    return [
        (entry, std)
        for entry, _, std in session.execute(
            _published_statement(today).where(
                ListEntry.subject_id == subject_id, ListStandard.repair_exclusion.is_not(None)
            )
        )
        if in_force(entry, today)
    ]


def published_of(
    session: Session, subject: Subject, *, today: dt.date
) -> list[tuple[ListEntry, ListStandard]]:
    """The subject's entries on the public red and black lists (Art. 14, 32): what the
    list pages show of it, for its public page; red list first."""
    rows = session.execute(_published_statement(today).where(ListEntry.subject_id == subject.id))
    found = [(e, std) for e, _, std in rows]
    return sorted(found, key=lambda row: row[0].kind is not ListKind.RED)


def public_text(text: str, *, today: dt.date, names: Iterable[str]) -> str:
    """One of an entry's texts (its reasons, the criteria it met) as the public lists show
    them: any citizen ID masked (350102********1234; Art. 4 ¶2), and the natural persons'
    ``names`` (``public_names``) masked as the list masks them (``王**``).

    The officer writes for the file, and may name the person — the proposal refuses only
    an ID number in clear — so the public side masks: the list, the subject's public page,
    the red-list candidates in public comment and the joint checks' answers. A
    court-defaulter entry's reasons are the court's record of the dishonest conduct
    (``court_defaulters``), data from the source that is entered without an officer's
    words to refuse (decision 0026, session 12)."""
    return mask_names(identifiers.mask_citizen_ids(text, today=today), names)


@dataclass(frozen=True)
class PublicTexts:
    """An entry's texts as the public sees them (``public_text``)."""

    criteria_met: str
    reasons: str


def public_texts(
    session: Session, found: Sequence[ListEntry], *, today: dt.date
) -> dict[int, PublicTexts]:
    """The criteria met and the reasons of each of these entries as the public lists, the
    subject's public page and the red-list candidates in public comment show them, by id:
    citizen IDs and the natural persons' names masked (``public_text``)."""
    names = public_names(session, [e.id for e in found])
    return {
        e.id: PublicTexts(
            criteria_met=public_text(e.criteria_met, today=today, names=names.get(e.id, ())),
            reasons=public_text(e.reasons, today=today, names=names.get(e.id, ())),
        )
        for e in found
    }


def public_names(session: Session, entry_ids: Sequence[int]) -> dict[int, frozenset[str]]:
    """The natural persons' names each of these entries' public texts may not show:
    ``public_names_where`` for the entries by id."""
    if not entry_ids:
        return {}
    return public_names_where(session, ListEntry.id.in_(list(entry_ids)))


def public_names_where(session: Session, where: ColumnElement[bool]) -> dict[int, frozenset[str]]:
    """For each entry ``where`` selects that names somebody the public lists mask: a
    natural person's entry, its subject's registered and former names; an organisation's
    entry, the names of the persons it names or named under Art. 18 (as the officer wrote
    them, and as registered, former names too) — the lists show them by capacity and
    masked name (``public_persons``). One statement, whatever the number of entries."""
    own = (
        select(ListEntry.id, Subject.name)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(where, Subject.kind == SubjectKind.NATURAL_PERSON)
    )
    formerly = (
        select(ListEntry.id, SubjectName.name)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(SubjectName, SubjectName.subject_id == Subject.id)
        .where(where, Subject.kind == SubjectKind.NATURAL_PERSON)
    )
    return _names_by_entry(session, own, formerly, *_named_persons_names(where))


def named_persons_names_where(
    session: Session, where: ColumnElement[bool]
) -> dict[int, frozenset[str]]:
    """``public_names_where`` for entries known to be organisations' (a natural person's
    own names cannot be in them): only the persons each names or named under Art. 18. A
    joint check answering about many thousand listed organisations reads no subject row
    for this."""
    return _names_by_entry(session, *_named_persons_names(where))


def _named_persons_names(where: ColumnElement[bool]) -> tuple[Select[int, str], Select[int, str]]:
    written = (
        select(ListEntryPerson.entry_id, ListEntryPerson.name)
        .join(ListEntry, ListEntry.id == ListEntryPerson.entry_id)
        .where(where)
    )
    registered = (
        select(ListEntryPerson.entry_id, SubjectName.name)
        .join(ListEntry, ListEntry.id == ListEntryPerson.entry_id)
        .join(SubjectName, SubjectName.subject_id == ListEntryPerson.person_subject_id)
        .where(where)
    )
    return written, registered


def _names_by_entry(session: Session, *parts: Select[int, str]) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = {}
    for entry_id, name in session.execute(union(*parts)):
        found.setdefault(entry_id, set()).add(name)
    return {entry_id: frozenset(found_names) for entry_id, found_names in found.items()}


def public_persons(session: Session, entry_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """The persons each entry names now under Art. 18 as the public sees them: by capacity
    and masked name only (no ID number, even masked)."""
    return {
        entry_id: [(p.role, mask_name(p.name)) for p in persons if p.ended_on is None]
        for entry_id, persons in persons_by_entry(session, entry_ids).items()
    }


def queue(
    session: Session, actor: Actor, *, statuses: Sequence[EntryStatus] = ACTIVE_STATUSES[:3]
) -> list[ListEntry]:
    """The officer's proposal and review queue: open entries of their agency."""
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    return list(
        session.scalars(
            select(ListEntry)
            .where(
                ListEntry.recognising_organisation_id == actor.organisation_id,
                ListEntry.status.in_(statuses),
            )
            .order_by(ListEntry.proposed_at)
        )
    )


def in_comment(
    session: Session, kind: ListKind, *, today: dt.date
) -> list[tuple[ListEntry, Subject, ListStandard]]:
    """Red-list candidates published for public comment whose period is still running."""
    statement = (
        select(ListEntry, Subject, ListStandard)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(
            ListEntry.kind == kind,
            ListEntry.status == EntryStatus.IN_COMMENT,
            ListEntry.window_ends >= today,
        )
        .order_by(ListEntry.window_ends, ListEntry.id)
    )
    return [(e, s, st) for e, s, st in session.execute(statement)]


def visible_entry(session: Session, actor: Actor, entry_id: int) -> ListEntry:
    """One entry in full (evidence, history, responsible persons named in full, Art. 18):
    for the recognising agency's officers, the credit authority, and the subject itself."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to read a list entry", code="not_authenticated")
    entry = get(session, entry_id)
    if actor.subject_id is not None:
        if actor.subject_id == entry.subject_id and has_permission(actor, Permission.READ_OWN_FILE):
            return entry
        raise PermissionDenied(
            "a subject account sees only the entries about itself",
            code="not_own_subject",
            article="Art. 13",
        )
    if has_permission(actor, Permission.SUPERVISE):
        # The credit authority supervises the recognitions of its own area (Art. 6).
        area.require_in_own_area(
            session, actor, entry.recognising_organisation_id, "the entry's recognising agency"
        )
        return entry
    if (
        has_permission(actor, Permission.PROPOSE_LIST_ENTRY)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    ) and actor.organisation_id == entry.recognising_organisation_id:
        return entry
    # An objection handler decides on the entry's evidence and history.
    if has_permission(actor, Permission.HANDLE_OBJECTIONS) and _organisation_decides_objections(
        session, actor, entry
    ):
        return entry
    _refuse_outside_area(actor)
    raise PermissionDenied(
        "only the recognising agency, the credit authority and the subject see an entry in full",
        code="not_lawful_querier",
        article="Art. 18",
    )


def objections(session: Session, entry_id: int) -> list[ListObjection]:
    return list(
        session.scalars(
            select(ListObjection)
            .where(ListObjection.entry_id == entry_id)
            .order_by(ListObjection.id)
        )
    )


def history(session: Session, entry_id: int) -> list[ListEntryEvent]:
    return list(
        session.scalars(
            select(ListEntryEvent)
            .where(ListEntryEvent.entry_id == entry_id)
            .order_by(ListEntryEvent.id)
        )
    )


def persons(session: Session, entry_id: int) -> list[ListEntryPerson]:
    return list(
        session.scalars(
            select(ListEntryPerson)
            .where(ListEntryPerson.entry_id == entry_id)
            .order_by(ListEntryPerson.id)
        )
    )


@dataclass(frozen=True)
class EntryPerson:
    """A person an entry names (Art. 18), with the ID number as it may be shown: masked;
    why the entry names them, and for which period (``ended_on`` None: named now)."""

    role: str
    name: str
    citizen_id_masked: str | None
    source: str = NamingSource.PROPOSAL.value
    named_from: dt.date | None = None
    ended_on: dt.date | None = None


def persons_by_entry(session: Session, entry_ids: Sequence[int]) -> dict[int, list[EntryPerson]]:
    """The persons each of these entries names or named, in the order they were named; one
    query for a page of entries."""
    found: dict[int, list[EntryPerson]] = {}
    if not entry_ids:
        return found
    rows = session.execute(
        select(
            ListEntryPerson.entry_id,
            ListEntryPerson.role,
            ListEntryPerson.name,
            Subject.citizen_id_masked,
            ListEntryPerson.source,
            ListEntryPerson.named_from,
            ListEntryPerson.ended_on,
        )
        .outerjoin(Subject, Subject.id == ListEntryPerson.person_subject_id)
        .where(ListEntryPerson.entry_id.in_(list(entry_ids)))
        .order_by(ListEntryPerson.id)
    )
    for entry_id, role, name, masked, source, named_from, ended_on in rows:
        found.setdefault(entry_id, []).append(
            EntryPerson(role, name, masked, source.value, named_from, ended_on)
        )
    return found


def notices_for(session: Session, actor: Actor) -> list[ListEntry]:
    """What a subject sees on "my credit": candidacies and entries about it."""
    if actor.subject_id is None:
        raise PermissionDenied(
            "only a subject sees its notices", code="not_subject", article="Art. 24"
        )
    return list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.subject_id == actor.subject_id)
            .order_by(ListEntry.id.desc())
        )
    )


def recognising_organisation(session: Session, entry: ListEntry) -> Organisation:
    organisation = session.get(Organisation, entry.recognising_organisation_id)
    assert organisation is not None
    return organisation


MAX_CONTACT_LENGTH = 200
CONTACT_CONTEXT = "list_objection.contact"


def comment_on(
    session: Session,
    clock: Clock,
    actor: Actor,
    entry_id: int,
    statement: str,
    *,
    contact: str = "",
) -> ListObjection:
    """Anyone — signed in or not — comments on a red-list candidate while its public
    comment period runs (rules.md: red candidates are published for comment before
    listing). The comment is an objection the recognising agency must decide with reasons
    before it can approve; the commenter's identity does not appear in the entry history."""
    entry = session.get(ListEntry, entry_id)
    # Candidates outside their comment period are not public: do not reveal they exist.
    if (
        entry is None
        or entry.kind is not ListKind.RED
        or entry.status is not EntryStatus.IN_COMMENT
    ):
        raise NotFound(
            "no red-list candidate in public comment with this number",
            code="not_in_comment",
            field="entry",
        )
    if entry.window_ends is None or clock.today() > entry.window_ends:
        raise InvalidInput(
            "the public comment period has ended",
            code="window_closed",
            field="entry",
            article="Art. 14",
        )
    statement = texts.visible(statement)
    if not statement:
        raise InvalidInput("state your comment", code="required", field="statement")
    # A public comment is an objection (decision 0009), and as long as any.
    if objection_rules.statement_too_long(statement):
        raise InvalidInput(
            f"a comment is at most {objection_rules.MAX_STATEMENT} characters",
            code="too_long",
            field="statement",
        )
    statement, contact = statement.strip(), contact.strip()
    if len(contact) > MAX_CONTACT_LENGTH:
        raise InvalidInput(
            f"contact details are at most {MAX_CONTACT_LENGTH} characters",
            code="too_long",
            field="contact",
        )
    # Written by anyone, read by the recognising agency and the objection handlers: no
    # citizen ID number, nothing Art. 11 ¶3 forbids (decision 0044, session 19 addendum).
    submitted_text.refuse_personal_data(
        {"statement": statement, "contact": contact}, today=clock.today()
    )
    if session.scalar(
        select(ListObjection.id).where(
            ListObjection.entry_id == entry.id,
            ListObjection.source == ObjectionSource.PUBLIC,
            ListObjection.decided_at.is_(None),
            ListObjection.statement == statement,
        )
    ):
        # Who comments is not known (anyone may, signed in or not), so the same words on
        # the same candidate, still undecided, are the form sent twice: the agency would
        # decide one comment twice (decision 0044).
        raise Conflict(
            "this comment was received already and waits for the recognising agency's decision",
            code="duplicate",
            field="statement",
            article="Art. 14",
        )
    objection = ListObjection(
        entry_id=entry.id,
        source=ObjectionSource.PUBLIC,
        contact_ciphertext=(
            default_cipher().encrypt(contact, context=CONTACT_CONTEXT) if contact else None
        ),
        submitted_at=clock.now(),
        statement=statement,
    )
    session.add(objection)
    session.flush()
    record_event(session, clock, entry, actor, "public_comment", "public comment received")
    return objection


def objections_by_entry(
    session: Session, actor: Actor, entry_ids: Sequence[int]
) -> dict[int, list[tuple[ListObjection, str | None]]]:
    """Every objection to these entries — the subject's own and the public's comments on a
    red-list candidate — by entry, undecided and decided (with the decision and its
    reasons), with the commenter's contact for those who decide them."""
    found: dict[int, list[tuple[ListObjection, str | None]]] = {}
    if not entry_ids:
        return found
    rows = session.execute(
        select(ListObjection, ListEntry)
        .join(ListEntry, ListEntry.id == ListObjection.entry_id)
        .where(ListObjection.entry_id.in_(list(entry_ids)))
        .order_by(ListObjection.id)
    )
    for objection, entry in rows:
        contact = _contact(objection) if may_read_contacts(session, actor, entry) else None
        found.setdefault(objection.entry_id, []).append((objection, contact))
    return found


@dataclass(frozen=True)
class ObjectionCase:
    """An objection with what its decider reads: the entry (basis, criteria, reasons,
    evidence), the subject, the standard, a public commenter's contact, and — for one to a
    published entry — when it is due."""

    objection: ListObjection
    entry: ListEntry
    subject: Subject
    standard: ListStandard
    contact: str | None
    deadline: objection_rules.Deadline | None = None
    # A court judgment defaulter's entry: the court the defaulter applies to. Such an
    # objection is only dismissed (``decide_objection`` refuses to uphold it), so the
    # pages do not offer upholding it.
    court: str | None = None


OPEN_STATUSES = ACTIVE_STATUSES[:3]
DECIDED_SHOWN = 20


def objection_cases(
    session: Session, actor: Actor, *, decided: bool = False, today: dt.date | None = None
) -> list[ObjectionCase]:
    """For an objection handler: the undecided objections to open candidacies and to
    published entries it may decide (its agency's, or every agency's for the credit
    authority's handlers; never one to an entry its person proposed, in person or through
    a key), oldest first — or, with ``decided``, the latest decided ones of the same
    entries' agencies, newest first. Given ``today``, each undecided objection to a published entry says when it is
    due (``objection_deadline``)."""
    require(actor, Permission.HANDLE_OBJECTIONS)
    statement = _objection_case_statement()
    if actor.organisation_kind is not OrganisationKind.CREDIT_AUTHORITY:
        statement = statement.where(ListEntry.recognising_organisation_id == actor.organisation_id)
    else:
        statement = statement.where(
            area.area_filter(session, actor, ListEntry.recognising_organisation_id)
        )
    if decided:
        statement = (
            statement.where(ListObjection.decided_at.is_not(None))
            .order_by(ListObjection.decided_at.desc(), ListObjection.id.desc())
            .limit(DECIDED_SHOWN)
        )
    else:
        statement = statement.where(
            ListObjection.decided_at.is_(None),
            # An objection to a published entry is decided even when the entry has left the
            # list meanwhile (removed, expired): the subject waits for the decision (Art. 25).
            or_(ListEntry.status.in_(ACTIVE_STATUSES), ListObjection.after_publication),
            ListEntry.proposed_by.not_in(acting_as(session, actor)),
        ).order_by(ListObjection.submitted_at, ListObjection.id)
    rows = session.execute(statement).all()
    deadlines = {} if today is None else objection_deadlines(session, [r[0] for r in rows], today)
    return [
        ObjectionCase(
            o,
            e,
            s,
            std,
            _contact(o) if may_read_contacts(session, actor, e) else None,
            deadlines.get(o.id),
            court_defaulters.listing_court(session, e),
        )
        for o, e, s, std in rows
    ]


def _objection_case_statement() -> Select[ListObjection, ListEntry, Subject, ListStandard]:
    return (
        select(ListObjection, ListEntry, Subject, ListStandard)
        .join(ListEntry, ListEntry.id == ListObjection.entry_id)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
    )


def published_entry_objections(
    session: Session, actor: Actor, *, today: dt.date
) -> list[ObjectionCase]:
    """The undecided objections to published black-list entries (``after_publication``)
    that the actor may decide — by ``decide_objection``'s own rule,
    ``may_decide_objections`` — oldest first, each with when it is due: for an officer who
    approves entries, those to its agency's entries that it did not propose (decision 0008).
    One stays until decided though its entry has left the list meanwhile: the subject
    waits for the decision (Art. 25). The officers' queue shows them; the objections to a
    candidacy it shows with the candidacy."""
    statement = _objection_case_statement().where(
        ListObjection.after_publication, ListObjection.decided_at.is_(None)
    )
    if not (
        actor.organisation_kind is OrganisationKind.CREDIT_AUTHORITY
        and has_permission(actor, Permission.HANDLE_OBJECTIONS)
    ):
        # Only the credit authority's objection handlers decide another agency's: anyone
        # else's read is narrowed to its own agency (the rule is applied below).
        statement = statement.where(ListEntry.recognising_organisation_id == actor.organisation_id)
    else:
        statement = statement.where(
            area.area_filter(session, actor, ListEntry.recognising_organisation_id)
        )
    rows = session.execute(statement.order_by(ListObjection.submitted_at, ListObjection.id))
    acting = set(acting_as(session, actor))
    decided_here = [
        (o, e, s, std)
        for o, e, s, std in rows
        if may_decide_objections(session, actor, e, acting=acting)
    ]
    deadlines = objection_deadlines(session, [o for o, *_ in decided_here], today)
    return [
        ObjectionCase(
            o, e, s, std, None, deadlines.get(o.id), court_defaulters.listing_court(session, e)
        )
        for o, e, s, std in decided_here
    ]


def objections_to_decide(session: Session, actor: Actor, *, today: dt.date) -> list[ObjectionCase]:
    """The undecided list objections the actor decides, as its own page lists them: an
    objection handler, ``objection_cases`` (``/list-objections``); an officer who approves
    entries, the objections to its agency's published entries, ``published_entry_objections``
    (``/lists-queue``: the objections to a candidacy it reads with the candidacy). One query
    each, so that no client finds a set of cases a page does not show, nor misses one."""
    if has_permission(actor, Permission.HANDLE_OBJECTIONS):
        return objection_cases(session, actor, today=today)
    require(actor, Permission.APPROVE_LIST_ENTRY)
    return published_entry_objections(session, actor, today=today)


def may_read_contacts(session: Session, actor: Actor, entry: ListEntry) -> bool:
    """Whether the actor's organisation decides this entry's objections, and so the actor
    may reach commenters (decision 0009)."""
    return _organisation_decides_objections(session, actor, entry)


def _contact(objection: ListObjection) -> str | None:
    if objection.contact_ciphertext is None:
        return None
    return default_cipher().decrypt(objection.contact_ciphertext, context=CONTACT_CONTEXT)


def objection_contact(session: Session, actor: Actor, objection: ListObjection) -> str | None:
    """A public commenter's contact details, for those who decide the objection only."""
    _require_objection_decider(actor)
    if not may_read_contacts(session, actor, get(session, objection.entry_id)):
        _refuse_outside_area(actor)
        raise PermissionDenied(
            "this entry belongs to another agency", code="other_organisation", article="Art. 14"
        )
    return _contact(objection)
