"""Applying a measure to a subject in a matter (Art. 15): only a published measure, only
where it applies, always with a notice stating its basis and reasons (Art. 15 ¶2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers, published_text, texts
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.identifiers import IdentifierKind
from xinyong.lists import entry_reads, red_list_exit
from xinyong.lists import measures as measure_catalog
from xinyong.lists.entries import in_force
from xinyong.lists.models import (
    AdministrativeMatter,
    EntryStatus,
    ListEntry,
    ListEntryPerson,
    Measure,
    MeasureApplication,
    MeasureKind,
    RemovalReason,
)
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject


def apply(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    subject: Subject,
    matter_code: str,
    measure_code: str,
    reasons: str,
) -> MeasureApplication:
    require(actor, Permission.APPLY_MEASURES)
    measure = measure_catalog.by_code(session, measure_code)
    if not measure_catalog.is_published(measure):
        raise PermissionDenied(
            "this measure is not on the published measure list, so it may not be applied",
            code="measure_unpublished",
            field="measure",
            article="Art. 15 ¶1",
        )
    # Applied by an organisation the published list names as implementing it (Art. 15).
    measure_catalog.require_implementer(session, actor, measure)
    if matter_code not in measure.matter_codes:
        matter = session.get(AdministrativeMatter, matter_code)
        # Both names, so that a page can show the one in its language.
        named = f"{matter.name} ({matter.name_en})" if matter is not None else matter_code
        raise InvalidInput(
            f"this measure does not apply in the matter {named}",
            code="wrong_matter",
            field="matter",
            article="Art. 15 ¶1",
        )
    today = clock.today()
    if measure.kind is MeasureKind.INCENTIVE:
        # Art. 16: incentives for trustworthy subjects only. Asked first: a red-list entry
        # that ended with the black listing since the officer's check is answered so too.
        on_black = red_list_exit.incentive_refusal(session, subject.id, today)
        if on_black is not None:
            raise on_black
    # Every entry the subject was ever listed by, so that a refusal can say which has ended.
    listed = list(
        session.scalars(
            select(ListEntry)
            .where(ListEntry.subject_id == subject.id, ListEntry.term_start.is_not(None))
            .order_by(ListEntry.id)
        )
    )
    codes = measure_catalog.standard_codes(session)
    basis_entry = next(
        (e for e in listed if in_force(e, today) and _targets(measure, e, codes)), None
    )
    # Art. 18: a measure declared to reach responsible persons applies to a person named
    # on an organisation's entry in force, on the basis the measure states for that.
    responsible_for = (
        None
        if basis_entry is not None or not measure.applies_to_responsible_persons
        else _entry_naming(session, subject, measure, today, codes)
    )
    if basis_entry is None and responsible_for is None:
        ended = _ended_basis(session, clock, actor, subject, measure, listed, codes)
        if ended is not None:
            raise ended
        outside = _outside_standards(session, subject, measure, listed, today, codes)
        if outside is not None:
            raise outside
        raise InvalidInput(
            f"the subject is not on the list this measure targets ({measure.target.value})",
            code="not_applicable",
            field="subject",
            article="Art. 18" if measure.applies_to_responsible_persons else "Art. 15 ¶2",
        )
    if basis_entry is not None and measure.kind is MeasureKind.INCENTIVE:
        # A bad record the hooks did not see (the daily job ends the entry): not trustworthy.
        not_met = red_list_exit.standard_refusal(session, basis_entry, today)
        if not_met is not None:
            raise not_met
    if texts.is_blank(reasons):
        raise InvalidInput(
            "state the reasons for applying it",
            code="required",
            field="reasons",
            article="Art. 15 ¶2",
        )
    # The reasons go into the notice the subject is given (Art. 15 ¶2, Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reasons": reasons}, today=today)
    # The same measure, matter and reasons by the same organisation to the same subject on
    # the same day is the form sent twice (decision 0044): the subject is told once.
    if session.scalar(
        select(MeasureApplication.id).where(
            MeasureApplication.subject_id == subject.id,
            MeasureApplication.measure_id == measure.id,
            MeasureApplication.matter_code == matter_code,
            MeasureApplication.organisation_id == actor.organisation_id,
            MeasureApplication.reasons == reasons.strip(),
            MeasureApplication.applied_at >= dt.datetime.combine(today, dt.time(), tzinfo=CHINA),
        )
    ):
        raise Conflict(
            "this measure was applied to the subject in this matter today with these reasons",
            code="duplicate",
            field="measure",
        )
    matter_name = measure_catalog.matter(session, matter_code).name
    if responsible_for is not None:
        basis_entry, role, organisation = responsible_for
        basis = (
            f"{measure.responsible_persons_basis}；"
            f"名单认定依据（{organisation.name}，{organisation.public_code}）：{basis_entry.legal_basis}"
        )
        addressed = (
            f"{subject.name}：你作为{organisation.name}（{organisation.public_code}）的"
            f"{ResponsibleRole(role).in_regulation}，该单位被列入严重失信主体名单，"
            f"在“{matter_name}”事项中，对你实施"
        )
    else:
        assert basis_entry is not None
        basis = f"{measure.legal_basis}；名单认定依据：{basis_entry.legal_basis}"
        addressed = f"{subject.name}：在“{matter_name}”事项中，对你（单位）实施"
    notice = (
        f"{addressed}“{measure.name}”（{measure.means}）。实施主体：{measure.implementing_body}。\n"
        f"依据：{basis}\n理由：{reasons.strip()}\n"
        "如有异议，可依照《福州市社会信用管理办法》第二十五条提出。"
    )
    application = MeasureApplication(
        measure_id=measure.id,
        subject_id=subject.id,
        list_entry_id=basis_entry.id,
        matter_code=matter_code,
        applied_by=actor.audit().id or actor.kind,
        organisation_id=actor.organisation_id,
        applied_at=clock.now(),
        basis=basis,
        reasons=reasons.strip(),
        notice=notice,
    )
    session.add(application)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "measure.apply",
        target_type="subject",
        target_id=subject.id,
        details={"measure": measure.code, "matter": matter_code, "application_id": application.id},
    )
    return application


def _targets(measure: Measure, entry: ListEntry, codes: dict[int, str]) -> bool:
    """Whether the measure may rest on the entry: its tier and, if it names them, one of
    its standards (``measures.reaches``)."""
    return measure_catalog.reaches(
        measure, kind=entry.kind, tier=entry.tier, standard_code=codes.get(entry.standard_id, "")
    )


def _outside_standards(
    session: Session,
    subject: Subject,
    measure: Measure,
    listed: list[ListEntry],
    today: dt.date,
    codes: dict[int, str],
) -> InvalidInput | None:
    """The refusal of a measure limited to some recognition standards for a subject on
    its target's list under others only — its own entry in force, or (for a measure that
    reaches responsible persons) an organisation's entry in force naming it: the measure's
    legal basis does not cover that listing (Art. 15 ¶2: 不得超越法定条件). Details: the
    standards it covers and those the subject is listed under — all on the public lists."""
    if not measure.standard_codes:
        return None
    under = [
        codes.get(e.standard_id, "")
        for e in listed
        if in_force(e, today)
        and measure_catalog.in_target(measure.target, kind=e.kind, tier=e.tier)
    ]
    if not under and measure.applies_to_responsible_persons:
        under = [
            codes.get(entry.standard_id, "")
            for entry in _named_on(session, subject)
            if in_force(entry, today)
            and measure_catalog.in_target(measure.target, kind=entry.kind, tier=entry.tier)
        ]
    if not under:
        return None
    names = measure_catalog.standard_names(session, [measure])
    covered = "、".join(names.get(code, code) for code in measure.standard_codes)
    return InvalidInput(
        f"this measure applies only to subjects listed under {covered}: its legal basis does "
        "not cover the listing of this subject, and a measure may not go beyond its legal "
        "conditions",
        code="standard_not_covered",
        field="measure",
        article=measure_catalog.STANDARDS_ARTICLE,
        details={"standards": list(measure.standard_codes), "listed_under": sorted(set(under))},
    )


def _named_on(session: Session, person: Subject) -> list[ListEntry]:
    """The published entries that name ``person`` now as responsible (Art. 18)."""
    return list(
        session.scalars(
            select(ListEntry)
            .join(ListEntryPerson, ListEntryPerson.entry_id == ListEntry.id)
            .where(
                ListEntryPerson.person_subject_id == person.id,
                ListEntryPerson.ended_on.is_(None),
                ListEntry.status == EntryStatus.PUBLISHED,
            )
            .order_by(ListEntry.id)
        )
    )


def _entry_naming(
    session: Session, person: Subject, measure: Measure, today: dt.date, codes: dict[int, str]
) -> tuple[ListEntry, str, Subject] | None:
    """An entry in force that names ``person`` as responsible for an organisation the
    measure targets, with the capacity and the organisation."""
    named = session.execute(
        select(ListEntry, ListEntryPerson.role, Subject)
        .join(ListEntryPerson, ListEntryPerson.entry_id == ListEntry.id)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .where(
            ListEntryPerson.person_subject_id == person.id,
            ListEntryPerson.ended_on.is_(None),
            ListEntry.status == EntryStatus.PUBLISHED,
        )
        .order_by(ListEntry.id)
    )
    for entry, role, organisation in named:
        if in_force(entry, today) and _targets(measure, entry, codes):
            return entry, role, organisation
    return None


def _ended(entry: ListEntry) -> dict[str, object]:
    return {
        "entry_id": entry.id,
        "status": entry.status.value,
        "term_end": entry.term_end.isoformat() if entry.term_end else None,
        "removal_reason": entry.removal_reason.value if entry.removal_reason else None,
    }


def _ended_basis(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    measure: Measure,
    listed: list[ListEntry],
    codes: dict[int, str],
) -> Conflict | None:
    """Why a measure that had a basis once has none now, if so: the subject's entry the
    measure targets has left the list (removed, expired or its term over: Art. 15 ¶2, a
    measure stays within its legal conditions), or — for a measure that reaches responsible
    persons — the organisation's entry naming the person has, or it no longer names them
    (Art. 18). None when the subject never had such a basis (``not_applicable``).

    Only an entry the officer may read in full counts (``entry_reads.may_read``, the rule
    of ``GET /api/v1/list-entries/{id}``): an ended entry is no longer public, and after it
    ends its information is neither shared nor used (rules.md), so to any other agency the
    answer is exactly that for a subject never listed — neither the details nor the 409
    itself says "was once listed". Shown, the details are a use of the subject's
    information, in its access log (decision 0020), written after the rollback."""
    today = clock.today()
    own = [
        e
        for e in listed
        if _targets(measure, e, codes)
        and not in_force(e, today)
        and entry_reads.may_read(session, actor, e)
    ]
    if own:
        return Conflict(
            "the list entry this measure would rest on is no longer in force: a measure is "
            "applied only while the subject is on the list",
            code="entry_ended",
            field="subject",
            article="Art. 15 ¶2",
            details=_ended(own[-1]),
            aftermath=entry_reads.ended_basis_shown(clock, actor, own[-1]),
        )
    if not measure.applies_to_responsible_persons:
        return None
    named = [
        (entry, naming)
        for entry, naming in session.execute(
            select(ListEntry, ListEntryPerson)
            .join(ListEntryPerson, ListEntryPerson.entry_id == ListEntry.id)
            .where(
                ListEntryPerson.person_subject_id == subject.id,
                ListEntry.term_start.is_not(None),
            )
            .order_by(ListEntry.id, ListEntryPerson.id)
        )
        if _targets(measure, entry, codes) and entry_reads.may_read(session, actor, entry)
    ]
    unnamed = [(e, n) for e, n in named if in_force(e, today) and n.ended_on is not None]
    if unnamed:
        entry, naming = unnamed[-1]
        assert naming.ended_on is not None
        return Conflict(
            "this person is no longer named as responsible on the organisation's entry: a "
            "measure reaches a responsible person only while the entry names them",
            code="no_longer_named",
            field="subject",
            article="Art. 18",
            details={
                "entry_id": entry.id,
                "role": naming.role,
                "ended_on": naming.ended_on.isoformat(),
            },
            aftermath=entry_reads.ended_basis_shown(
                clock, actor, entry, named_person_id=subject.id
            ),
        )
    off_list = [e for e, _ in named if not in_force(e, today)]
    if off_list:
        return Conflict(
            "the entry naming this person as responsible is no longer in force: a measure "
            "reaches a responsible person only while the organisation is on the list",
            code="entry_ended",
            field="subject",
            article="Art. 18",
            details=_ended(off_list[-1]),
            aftermath=entry_reads.ended_basis_shown(
                clock, actor, off_list[-1], named_person_id=subject.id
            ),
        )
    return None


def subject_for(session: Session, clock: Clock, actor: Actor, code: str) -> Subject:
    """The subject an officer names by the code on their file: an organisation's USCC (or a
    subject's opaque reference), or a person's ID number — found through the blind index and
    audited as a person lookup, never echoed."""
    require(actor, Permission.APPLY_MEASURES)
    checked = identifiers.check(code, today=clock.today())
    if checked.kind is not IdentifierKind.CITIZEN_ID:
        return subjects.by_reference(session, code)
    person = subjects.person_by_typed_citizen_id(session, clock, code)
    subjects.record_person_lookup(session, clock, actor, person)
    if person is None:
        raise NotFound("no person with this ID number", code="unknown_subject", field="subject")
    return person


def of_organisation(
    session: Session, actor: Actor, *, limit: int = 50
) -> list[tuple[MeasureApplication, Measure, Subject]]:
    """The measures an agency applied, newest first: what its officers did and told."""
    require(actor, Permission.APPLY_MEASURES)
    return [
        (application, measure, subject)
        for application, measure, subject in session.execute(
            select(MeasureApplication, Measure, Subject)
            .join(Measure, Measure.id == MeasureApplication.measure_id)
            .join(Subject, Subject.id == MeasureApplication.subject_id)
            .where(MeasureApplication.organisation_id == actor.organisation_id)
            .order_by(MeasureApplication.id.desc())
            .limit(limit)
        )
    ]


def of_subject(session: Session, subject_id: int) -> list[MeasureApplication]:
    return list(
        session.scalars(
            select(MeasureApplication)
            .where(MeasureApplication.subject_id == subject_id)
            .order_by(MeasureApplication.id.desc())
        )
    )


@dataclass(frozen=True)
class EntryLeft:
    """The list entry a measure was applied on, since it left the list: the notice stays
    (it was lawful when sent), and the subject reads that its basis is gone, when and why
    (Art. 15 ¶2, 24; rules.md: once an entry ends, the measures based on it are lifted).

    ``own``: the subject's own entry, whose reasons it reads on its notices anyway: why it
    ended in full. Otherwise the organisation's entry that named the person as responsible
    (Art. 18): only that its term ended or it was removed, and when — why an organisation
    left the list is the organisation's, and no longer public once it has."""

    own: bool
    left_on: dt.date | None
    # expired (its term ended; also before the daily job marks it so), removed or rejected
    status: EntryStatus
    # Why it was removed; None for a term that ended, and for another's entry.
    removal_reason: RemovalReason | None
    removal_detail: str | None
    entry_id: int | None  # the subject's own entry only

    def as_dict(self) -> dict[str, Any]:
        return {
            "own": self.own,
            "entry_id": self.entry_id,
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "status": self.status.value,
            "removal_reason": self.removal_reason.value if self.removal_reason else None,
            "removal_detail": self.removal_detail,
        }


def entries_left(
    session: Session, applications: Sequence[MeasureApplication], today: dt.date
) -> dict[int, EntryLeft]:
    """For each application whose list entry is no longer in force, by application id:
    that it has left the list, when and why (``EntryLeft``). An entry restored since is in
    force again: nothing to say."""
    wanted = {a.list_entry_id for a in applications if a.list_entry_id is not None}
    if not wanted:
        return {}
    found = {e.id: e for e in session.scalars(select(ListEntry).where(ListEntry.id.in_(wanted)))}
    left: dict[int, EntryLeft] = {}
    for application in applications:
        entry = found.get(application.list_entry_id or 0)
        if entry is None or in_force(entry, today):
            continue
        own = entry.subject_id == application.subject_id
        term_over = entry.term_end is not None and (
            entry.status is EntryStatus.EXPIRED
            or (entry.status is EntryStatus.PUBLISHED and entry.term_end < today)
        )
        if entry.status is EntryStatus.PUBLISHED and not term_over:
            continue  # not yet begun: never the case of an entry a measure was applied on
        if term_over and entry.term_end is not None:
            # On the lists to the last day of its term (whenever the daily job marks it).
            left_on: dt.date | None = entry.term_end + dt.timedelta(days=1)
            status, reason = EntryStatus.EXPIRED, None
        else:
            left_on = entry.ended_at.astimezone(CHINA).date() if entry.ended_at else None
            status, reason = entry.status, entry.removal_reason
        left[application.id] = EntryLeft(
            own=own,
            left_on=left_on,
            status=status,
            removal_reason=reason if own else None,
            removal_detail=entry.removal_detail if own and not term_over else None,
            entry_id=entry.id if own else None,
        )
    return left
