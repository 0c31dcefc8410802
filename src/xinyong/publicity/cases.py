"""Typical cases of integrity publicity (诚信宣传典型案例, Art. 32).

The credit authority sets up integrity models, exposes serious dishonesty, publicises the
city's joint incentive and punishment practice and brings out typical cases of dishonest
subjects who repaired their credit. Each case rests on its basis:

* an integrity model on a red-list entry in force (Art. 14, 32);
* an exposure of serious dishonesty on a serious black-list entry in force (Art. 17, 32);
* a credit-repair case on a repair case whose record was repaired (Art. 20–23);
* a write-up of practice on nothing about a subject.

A case is shown only while its basis holds, decided by the query that reads it
(``shown_statement``): when the list entry is removed or its term ends, or the repair is
revoked for fraud (Art. 23), the case is no longer shown, with no job to run — exposure
never outlasts the listing. A repaired record is no longer public, so a credit-repair
case names its subject only with the subject's consent: given on paper and recorded by
reference when drafted, or asked for here (``request_consent``) and given by the subject
from its own account (``publicity.consent``), which it may refuse or later withdraw. Its
answer on the platform prevails over the paper; whether a case names its subject is
decided when it is read (``names_subject``), so a withdrawal anonymises it at once.
Anonymised, it keeps the kind of subject, the record's type, the year of its decision and
the month of the repair; name, code, the record's number and exact dates are not shown,
and a title or narrative naming the subject is refused whenever the case may be shown
anonymised — always, once the subject is asked, since it may refuse or withdraw. A title or
narrative holding a citizen ID number is refused for every kind of case, when drafted and
when published (``published_text``, decision 0026).

Four eyes: one officer of the credit authority drafts, another publishes. Withdrawal (any
officer of it, with the reason) is final; a case to show again is drafted anew.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyong import published_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require, same_person
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard, Tier
from xinyong.lists.publicity import mask_name
from xinyong.objections.service import definition_of
from xinyong.publicity.models import CaseKind, ConsentStatus, NamingConsent, TypicalCase
from xinyong.repair.models import RepairCase, RepairStatus
from xinyong.subjects import names
from xinyong.subjects.models import ResponsiblePerson, Subject, SubjectName

ARTICLE = "Art. 32"
REPAIR_ARTICLE = "Art. 20"
TITLE_LIMIT = 200
NARRATIVE_LIMIT = 10_000
REASON_LIMIT = 2000
MAX_LISTED = 500

# Codes that would identify a subject in an anonymised narrative: a unified social credit
# code or a citizen ID number (15 to 18 characters of digits and capitals, at least 14 of
# them digits in a row for an ID number).
_CODE_SHAPES = (
    re.compile(r"[0-9]{14,}[0-9X]"),
    re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])"),
)

BASIS_LIST_KIND = {
    CaseKind.INTEGRITY_MODEL: ListKind.RED,
    CaseKind.SERIOUS_DISHONESTY: ListKind.BLACK,
}


def _text(value: str | None, field: str, *, limit: int, required: bool = True) -> str | None:
    cleaned = texts.visible(value)
    if not cleaned:
        if required:
            raise InvalidInput(f"give the {field.replace('_', ' ')}", code="required", field=field)
        return None
    if len(cleaned) > limit:
        raise InvalidInput(
            f"the {field.replace('_', ' ')} is longer than {limit} characters",
            code="too_long",
            field=field,
        )
    return cleaned


def require_authority(actor: Actor) -> None:
    """Officers of the credit authority draft, publish and withdraw (Art. 32)."""
    require(actor, Permission.PUBLISH_TYPICAL_CASES)
    if actor.kind != "system" and actor.organisation_kind is not OrganisationKind.CREDIT_AUTHORITY:
        raise PermissionDenied(
            "only the credit authority publishes typical cases",
            code="not_credit_authority",
            article=ARTICLE,
        )


def _about() -> ColumnElement[Any]:
    """The organisation a case is about, in SQL (``organisation_of``); NULL for a write-up
    of practice."""
    return func.coalesce(
        select(ListEntry.recognising_organisation_id)
        .where(ListEntry.id == TypicalCase.list_entry_id)
        .scalar_subquery(),
        select(RepairCase.source_organisation_id)
        .where(RepairCase.id == TypicalCase.repair_case_id)
        .scalar_subquery(),
    )


def organisation_of(session: Session, case: TypicalCase) -> int | None:
    """The organisation answerable for what the case is about — the entry's recognising
    agency, the repair case's implementing body — or None for a write-up of practice."""
    if case.list_entry_id is not None:
        entry = session.get(ListEntry, case.list_entry_id)
        return None if entry is None else entry.recognising_organisation_id
    if case.repair_case_id is not None:
        repair = session.get(RepairCase, case.repair_case_id)
        return None if repair is None else repair.source_organisation_id
    return None


# The write-up of practice, as a district's refusal names it (``area.require_city``; the pages
# translate it, ``web.refusals``).
PRACTICE_WRITE_UP = (
    "a typical case of joint incentive and punishment in practice, about no organisation,"
)


def require_in_area(session: Session, actor: Actor, case: TypicalCase) -> None:
    """A district's credit authority publicises its own district's cases (Art. 6): those
    about an entry or a repair of its district's organisations. A write-up of practice is
    about no organisation: the city's authority writes it (decision 0046), and a district's
    is told so, not that an organisation is another area's."""
    if case.kind is CaseKind.JOINT_PRACTICE:
        area.require_city(session, actor, PRACTICE_WRITE_UP, field="kind")
        return
    area.require_in_own_area(
        session,
        actor,
        organisation_of(session, case),
        "the organisation the case is about",
        field=(
            "list_entry_id"
            if case.list_entry_id is not None
            else "repair_case_id"
            if case.repair_case_id is not None
            else "kind"
        ),
    )


def kinds_open(session: Session, actor: Actor) -> list[CaseKind]:
    """The kinds of case the actor may draft: every kind but, for a district's credit
    authority, the write-up of practice (``require_in_area``)."""
    district = area.district_of(session, actor)
    return [kind for kind in CaseKind if district is None or kind is not CaseKind.JOINT_PRACTICE]


# --- the basis ------------------------------------------------------------------------------


def _entry_in_force(today: dt.date) -> ColumnElement[bool]:
    return and_(
        ListEntry.status == EntryStatus.PUBLISHED,
        ListEntry.term_start <= today,
        ListEntry.term_end >= today,
    )


def _list_basis(
    session: Session, kind: CaseKind, entry_id: int | None, today: dt.date
) -> ListEntry:
    wanted = BASIS_LIST_KIND[kind]
    if entry_id is None:
        raise InvalidInput(
            "a case of this kind rests on a published red-list entry"
            if wanted is ListKind.RED
            else "a case of this kind rests on a published black-list entry",
            code="basis_required",
            field="list_entry_id",
            article=ARTICLE,
        )
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound("no such list entry", code="not_found", field="list_entry_id")
    if entry.kind is not wanted:
        raise InvalidInput(
            "an integrity model rests on a red-list entry"
            if wanted is ListKind.RED
            else "an exposure of serious dishonesty rests on a black-list entry",
            code="wrong_list",
            field="list_entry_id",
            article=ARTICLE,
        )
    if kind is CaseKind.SERIOUS_DISHONESTY and entry.tier is not Tier.SERIOUS:
        raise InvalidInput(
            "only serious dishonesty is exposed: the entry is not on the serious tier",
            code="not_serious",
            field="list_entry_id",
            article=ARTICLE,
        )
    in_force = (
        entry.status is EntryStatus.PUBLISHED
        and entry.term_start is not None
        and entry.term_end is not None
        and entry.term_start <= today <= entry.term_end
    )
    if not in_force:
        raise Conflict(
            "the list entry is not on the published list: a case may not outlast the listing",
            code="entry_not_in_force",
            field="list_entry_id",
            article=ARTICLE,
        )
    return entry


def repair_basis(session: Session, case_id: int | None) -> RepairCase:
    """The repair case a credit-repair case rests on, still decided with the record
    repaired (``not_repaired`` otherwise)."""
    if case_id is None:
        raise InvalidInput(
            "a credit-repair case rests on a repaired case",
            code="basis_required",
            field="repair_case_id",
            article=ARTICLE,
        )
    found = session.get(RepairCase, case_id)
    if found is None:
        raise NotFound("no such repair case", code="not_found", field="repair_case_id")
    record = session.get(CreditRecord, found.record_id)
    if found.status is not RepairStatus.APPROVED or (
        record is None or record.status is not RecordStatus.REPAIRED
    ):
        # A repair decided but whose record was since revoked by its source or deleted
        # after its retention period is no longer a repaired record to publicise.
        raise Conflict(
            "the repair case was not decided with the record repaired, or the record is no "
            "longer repaired",
            code="not_repaired",
            field="repair_case_id",
            article=REPAIR_ARTICLE,
        )
    return found


def identifying_terms(session: Session, subject: Subject, record: CreditRecord) -> list[str]:
    """What would identify the subject of a repaired record in an anonymised case: its
    names (current, former and their cores), its code and reference, the record's number,
    and the names of the persons registered as answering for it (Art. 18: its legal
    representative named identifies the company as surely as its name)."""
    # The natural key is "<subject id>|<part>|…": a narrative would quote the parts (the
    # decision number), never the key with the platform's subject id in front.
    terms = {
        subject.name,
        subject.reference,
        subject.uscc or "",
        *record.natural_key.split("|")[1:],
    }
    for name in session.scalars(select(SubjectName).where(SubjectName.subject_id == subject.id)):
        terms.update({name.name, name.core})
    terms.update(
        session.scalars(
            select(ResponsiblePerson.name).where(
                ResponsiblePerson.organisation_subject_id == subject.id
            )
        )
    )
    return sorted(t for t in terms if len(t.strip()) >= 2)


# Brackets of every width and shape: a decision number is written 〔2025〕, [2025], （2025）
# or 【2025】 by different hands, and is the same number.
_BRACKETS = re.compile(r"[()\[\]{}〔〕【】〖〗〘〙（）［］｛｝]")


def _folded(text: str) -> str:
    """``text`` as the check compares it: compatibility forms (full-width letters and
    digits), spacing, letter case, brackets and the Traditional script aside."""
    return names.simplified(
        _BRACKETS.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper())
    )


def identifies(text: str, terms: list[str]) -> bool:
    """Whether ``text`` names one of ``terms`` (spacing, letter case, full-width forms,
    brackets and script aside) or holds something shaped like a unified social credit code
    or a citizen ID number."""
    folded = _folded(text)
    wanted = [_folded(t) for t in terms]
    return any(t and t in folded for t in wanted) or any(
        shape.search(folded) for shape in _CODE_SHAPES
    )


def _check_anonymised(session: Session, repair: RepairCase, texts: dict[str, str | None]) -> None:
    subject = session.get(Subject, repair.subject_id)
    record = session.get(CreditRecord, repair.record_id)
    assert subject is not None
    assert record is not None
    terms = identifying_terms(session, subject, record)
    for field, text in texts.items():
        if text and identifies(text, terms):
            raise InvalidInput(
                "without the subject's consent to be named, the case may not name or "
                "identify it: a repaired record is no longer public",
                code="identifies_subject",
                field=field,
                article=REPAIR_ARTICLE,
            )


def _texts(case: TypicalCase) -> dict[str, str | None]:
    return {
        "title": case.title,
        "title_en": case.title_en,
        "narrative": case.narrative,
        "narrative_en": case.narrative_en,
    }


def _check_basis(session: Session, case: TypicalCase, today: dt.date) -> None:
    # Whatever the kind: a case naming its subject publishes its texts as typed, and a
    # write-up of practice names no subject but may still quote a person's number.
    published_text.refuse_citizen_ids(_texts(case), today=today)
    if case.kind in BASIS_LIST_KIND:
        if case.repair_case_id is not None:
            raise InvalidInput(
                "a case of this kind rests on a list entry, not on a repair case",
                code="basis_not_allowed",
                field="repair_case_id",
                article=ARTICLE,
            )
        _list_basis(session, case.kind, case.list_entry_id, today)
    elif case.kind is CaseKind.CREDIT_REPAIR:
        if case.list_entry_id is not None:
            raise InvalidInput(
                "a credit-repair case rests on a repair case, not on a list entry",
                code="basis_not_allowed",
                field="list_entry_id",
                article=ARTICLE,
            )
        repair = repair_basis(session, case.repair_case_id)
        # Anonymised without a paper consent; and once the subject is asked, since it may
        # refuse or withdraw (the texts were checked when it was asked; checked again here).
        asked = case.id is not None and consent_of(session, case.id) is not None
        if not case.names_subject or asked:
            _check_anonymised(session, repair, _texts(case))
    else:
        for field, value in (
            ("list_entry_id", case.list_entry_id),
            ("repair_case_id", case.repair_case_id),
        ):
            if value is not None:
                raise InvalidInput(
                    "a write-up of practice rests on no subject's entry or case",
                    code="basis_not_allowed",
                    field=field,
                    article=ARTICLE,
                )
    if case.consent_evidence is not None and case.kind is not CaseKind.CREDIT_REPAIR:
        raise InvalidInput(
            "a consent to be named is recorded only for a credit-repair case",
            code="consent_not_applicable",
            field="consent_evidence",
            article=REPAIR_ARTICLE,
        )


# --- the steps ------------------------------------------------------------------------------


def _audit(session: Session, clock: Clock, actor: Actor, case: TypicalCase, action: str) -> None:
    audit.record(
        session,
        clock,
        actor.audit(),
        f"typical_case.{action}",
        target_type="typical_case",
        target_id=case.id,
        details={
            "kind": case.kind.value,
            "list_entry_id": case.list_entry_id,
            "repair_case_id": case.repair_case_id,
            "names_subject": case.names_subject,
        },
    )


def draft(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    kind: CaseKind,
    title: str,
    narrative: str,
    title_en: str | None = None,
    narrative_en: str | None = None,
    list_entry_id: int | None = None,
    repair_case_id: int | None = None,
    consent_evidence: str | None = None,
    request_consent: bool = False,
) -> TypicalCase:
    """An officer of the credit authority drafts a case on its basis; another publishes.
    ``request_consent``: a credit-repair case also asks its subject, on the platform, for
    its consent to be named (as ``request_consent`` does later)."""
    require_authority(actor)
    consent = _text(consent_evidence, "consent_evidence", limit=REASON_LIMIT, required=False)
    case = TypicalCase(
        kind=kind,
        title=_text(title, "title", limit=TITLE_LIMIT),
        title_en=_text(title_en, "title_en", limit=TITLE_LIMIT, required=False),
        narrative=_text(narrative, "narrative", limit=NARRATIVE_LIMIT),
        narrative_en=_text(narrative_en, "narrative_en", limit=NARRATIVE_LIMIT, required=False),
        list_entry_id=list_entry_id,
        repair_case_id=repair_case_id,
        names_subject=kind is not CaseKind.CREDIT_REPAIR or consent is not None,
        consent_evidence=consent,
        drafted_by=actor.audit().id or "system",
        drafted_at=clock.now(),
    )
    _check_basis(session, case, clock.today())
    require_in_area(session, actor, case)
    session.add(case)
    session.flush()
    _audit(session, clock, actor, case, "drafted")
    if request_consent:
        _open_request(session, clock, actor, case)
    return case


def get(session: Session, case_id: int) -> TypicalCase:
    found = session.get(TypicalCase, case_id)
    if found is None:
        raise NotFound("no such typical case", code="not_found", field="case")
    return found


def _locked(session: Session, case_id: int) -> TypicalCase:
    """The case of a step that changes it, locked and read afresh before anything is
    checked or written: a publication and a withdrawal (or the same one sent twice) at the
    same moment are taken one after the other, and the second finds the state the first
    left — never two ``typical_case.published`` events, nor a withdrawn case published. The
    row is taken before the step's audit event takes the chain's head (decision 0008
    addenda; review r16)."""
    found = session.get(TypicalCase, case_id, with_for_update=True, populate_existing=True)
    if found is None:
        raise NotFound("no such typical case", code="not_found", field="case")
    return found


def state(case: TypicalCase) -> str:
    if case.withdrawn_at is not None:
        return "withdrawn"
    if case.published_at is not None:
        return "published"
    return "draft"


def may_publish(session: Session, actor: Actor, case: TypicalCase) -> bool:
    return state(case) == "draft" and not same_person(session, actor, case.drafted_by)


def publish(session: Session, clock: Clock, actor: Actor, case_id: int) -> TypicalCase:
    """A second officer publishes a draft, its basis checked again as it stands now."""
    require_authority(actor)
    case = _locked(session, case_id)
    require_in_area(session, actor, case)
    if same_person(session, actor, case.drafted_by):
        raise PermissionDenied(
            "the drafter cannot publish their own draft; a second officer must",
            code="self_publication",
            article=ARTICLE,
        )
    if state(case) != "draft":
        raise Conflict(
            f"a case that is {state(case)} cannot be published",
            code="wrong_state",
            field="case",
        )
    _check_basis(session, case, clock.today())
    case.published_at = clock.now()
    case.published_by = actor.audit().id or "system"
    _audit(session, clock, actor, case, "published")
    return case


def withdraw(
    session: Session, clock: Clock, actor: Actor, case_id: int, *, reason: str
) -> TypicalCase:
    """Withdraw a published case or discard a draft, with the reason; final."""
    require_authority(actor)
    case = _locked(session, case_id)
    require_in_area(session, actor, case)
    why = _text(reason, "reason", limit=REASON_LIMIT)
    if case.withdrawn_at is not None:
        raise Conflict("the case is already withdrawn", code="wrong_state", field="case")
    case.withdrawn_at = clock.now()
    case.withdrawn_by = actor.audit().id or "system"
    case.withdrawal_reason = why
    _audit(session, clock, actor, case, "withdrawn")
    return case


# --- the subject's consent to be named (decision 0030) ---------------------------------------


def consent_of(session: Session, case_id: int) -> NamingConsent | None:
    return session.scalar(select(NamingConsent).where(NamingConsent.case_id == case_id))


def consents_of(session: Session, case_ids: list[int]) -> dict[int, NamingConsent]:
    if not case_ids:
        return {}
    rows = session.scalars(select(NamingConsent).where(NamingConsent.case_id.in_(case_ids)))
    return {row.case_id: row for row in rows}


def names_subject(case: TypicalCase, consent: NamingConsent | None) -> bool:
    """Whether the case names its subject now. A list-based case always does (the list is
    public); a credit-repair case only with the subject's consent: its answer on the
    platform when there is one (always later than a paper consent recorded at drafting,
    so it prevails: refused or withdrawn, the case is anonymised), otherwise the paper
    consent recorded by reference."""
    if case.kind is not CaseKind.CREDIT_REPAIR:
        return case.names_subject
    if consent is not None and consent.status is not ConsentStatus.REQUESTED:
        return consent.status is ConsentStatus.GIVEN
    return case.consent_evidence is not None


def _open_request(session: Session, clock: Clock, actor: Actor, case: TypicalCase) -> NamingConsent:
    if case.kind is not CaseKind.CREDIT_REPAIR:
        raise InvalidInput(
            "only the subject of a credit-repair case is asked for its consent to be named",
            code="consent_not_applicable",
            field="request_consent",
            article=REPAIR_ARTICLE,
        )
    if case.withdrawn_at is not None:
        # As the subject's answer to a request is refused (``consent.answer``).
        raise Conflict(
            "the case is withdrawn: there is nothing to consent to",
            code="case_withdrawn",
            field="case",
            article=ARTICLE,
        )
    existing = consent_of(session, case.id)
    if existing is not None:
        if existing.status in (ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN):
            raise Conflict(
                "the subject refused or withdrew its consent to be named in this case; it "
                "is not asked again",
                code="consent_refused",
                field="case",
                article=REPAIR_ARTICLE,
            )
        raise Conflict(
            "the subject has already been asked for its consent to be named in this case",
            code="consent_already_requested",
            field="case",
            article=REPAIR_ARTICLE,
        )
    repair = repair_basis(session, case.repair_case_id)
    # The subject may refuse, or withdraw later: the case must read anonymised as well as
    # it reads named, so its texts may not identify the subject even with a paper consent.
    _check_anonymised(session, repair, _texts(case))
    consent = NamingConsent(
        case_id=case.id,
        subject_id=repair.subject_id,
        status=ConsentStatus.REQUESTED,
        requested_by=actor.audit().id or "system",
        requested_at=clock.now(),
    )
    session.add(consent)
    session.flush()
    audit_consent(session, clock, actor, case, consent, "requested")
    return consent


def audit_consent(
    session: Session,
    clock: Clock,
    actor: Actor,
    case: TypicalCase,
    consent: NamingConsent,
    action: str,
) -> None:
    """``typical_case.consent_requested|given|refused|withdrawn``, in the step's transaction."""
    audit.record(
        session,
        clock,
        actor.audit(),
        f"typical_case.consent_{action}",
        target_type="typical_case",
        target_id=case.id,
        details={
            "consent_id": consent.id,
            "repair_case_id": case.repair_case_id,
            "status": consent.status.value,
            "names_subject": names_subject(case, consent),
        },
    )


def request_consent(session: Session, clock: Clock, actor: Actor, case_id: int) -> NamingConsent:
    """An officer of the credit authority asks the subject of a credit-repair case, on the
    platform, for its consent to be named. Until it consents, the case is shown anonymised
    (unless a paper consent was recorded, which its answer then overrides)."""
    require_authority(actor)
    # Locked: two requests at once, or a request and a withdrawal, take turns (``_locked``).
    case = _locked(session, case_id)
    require_in_area(session, actor, case)
    return _open_request(session, clock, actor, case)


# --- reading --------------------------------------------------------------------------------


def shown_statement(today: dt.date) -> Select[TypicalCase]:
    """Published, not withdrawn, and its basis holding today: the list entry in force, the
    repair not revoked and its record still repaired. Nothing else decides whether a case
    is shown."""
    return (
        select(TypicalCase)
        .outerjoin(ListEntry, ListEntry.id == TypicalCase.list_entry_id)
        .outerjoin(RepairCase, RepairCase.id == TypicalCase.repair_case_id)
        .outerjoin(CreditRecord, CreditRecord.id == RepairCase.record_id)
        .where(
            TypicalCase.published_at.is_not(None),
            TypicalCase.withdrawn_at.is_(None),
            or_(
                and_(
                    TypicalCase.kind.in_((CaseKind.INTEGRITY_MODEL, CaseKind.SERIOUS_DISHONESTY)),
                    _entry_in_force(today),
                ),
                and_(
                    TypicalCase.kind == CaseKind.CREDIT_REPAIR,
                    RepairCase.status == RepairStatus.APPROVED,
                    # Revoked by its source or deleted after its retention period since:
                    # the case would tell of a record that is gone.
                    CreditRecord.status == RecordStatus.REPAIRED,
                ),
                TypicalCase.kind == CaseKind.JOINT_PRACTICE,
            ),
        )
        .order_by(TypicalCase.published_at.desc(), TypicalCase.id.desc())
    )


@dataclass(frozen=True)
class PublicSubject:
    """The subject as a published case shows it: an organisation by name and code, a
    natural person by masked name and opaque reference (never an ID number)."""

    display_name: str
    code: str
    is_organisation: bool


@dataclass(frozen=True)
class RepairFacts:
    """What an anonymised credit-repair case keeps of the repair: nothing that identifies."""

    subject_is_organisation: bool
    record_type_name: str
    record_type_name_en: str
    decided_year: int
    repaired_month: str  # YYYY-MM


@dataclass(frozen=True)
class PublicCase:
    case: TypicalCase
    subject: PublicSubject | None  # None: anonymised, or a write-up of practice
    list_kind: str | None
    standard_name: str | None
    repair: RepairFacts | None


def public_subject(subject: Subject) -> PublicSubject:
    if subject.is_organisation:
        return PublicSubject(subject.name, subject.public_code, True)
    return PublicSubject(mask_name(subject.name), subject.reference, False)


def _public(
    session: Session,
    case: TypicalCase,
    consent: NamingConsent | None = None,
    *,
    named: bool | None = None,
) -> PublicCase:
    """The case as the public sees it; ``named`` forces either form (the subject's preview
    before it answers), otherwise ``names_subject`` decides."""
    if case.list_entry_id is not None:
        entry = session.get(ListEntry, case.list_entry_id)
        assert entry is not None
        subject = session.get(Subject, entry.subject_id)
        standard = session.get(ListStandard, entry.standard_id)
        assert subject is not None
        assert standard is not None
        return PublicCase(case, public_subject(subject), entry.kind.value, standard.name, None)
    if case.repair_case_id is not None:
        repair = session.get(RepairCase, case.repair_case_id)
        assert repair is not None
        record = session.get(CreditRecord, repair.record_id)
        subject = session.get(Subject, repair.subject_id)
        assert record is not None
        assert subject is not None
        definition = definition_of(session, record)
        repaired = repair.decided_at or repair.applied_at
        facts = RepairFacts(
            subject_is_organisation=subject.is_organisation,
            record_type_name=definition.name_zh,
            record_type_name_en=definition.name_en,
            decided_year=record.decision_date.year,
            repaired_month=repaired.astimezone(CHINA).strftime("%Y-%m"),
        )
        if named is None:
            named = names_subject(case, consent)
        return PublicCase(case, public_subject(subject) if named else None, None, None, facts)
    return PublicCase(case, None, None, None, None)


def shown(session: Session, today: dt.date, *, kind: CaseKind | None = None) -> list[PublicCase]:
    """The cases the public sees today (newest first), optionally of one kind."""
    statement = shown_statement(today).limit(MAX_LISTED)
    if kind is not None:
        statement = statement.where(TypicalCase.kind == kind)
    found = list(session.scalars(statement))
    consents = consents_of(session, [c.id for c in found])
    return [_public(session, case, consents.get(case.id)) for case in found]


def shown_one(session: Session, today: dt.date, case_id: int) -> PublicCase:
    found = session.scalar(shown_statement(today).where(TypicalCase.id == case_id))
    if found is None:
        raise NotFound("no such published typical case", code="not_found", field="case")
    return _public(session, found, consent_of(session, found.id))


def previews(session: Session, case: TypicalCase) -> tuple[PublicCase, PublicCase]:
    """The case as it would be published named, and anonymised (what the subject sees
    before it answers)."""
    return _public(session, case, named=True), _public(session, case, named=False)


@dataclass(frozen=True)
class StaffCase:
    """A case as the credit authority's officers see it: its state, whether the public
    sees it now, and its basis by number."""

    case: TypicalCase
    state: str
    shown: bool
    # For a list entry while it is in force (public); otherwise, and for a repair case, the
    # basis by number only.
    subject: PublicSubject | None
    # A credit-repair case: whether it names its subject now, and the platform consent.
    named: bool
    consent: NamingConsent | None


def _staff_view(
    session: Session,
    case: TypicalCase,
    shown_ids: set[int],
    today: dt.date,
    consent: NamingConsent | None,
) -> StaffCase:
    subject = None
    if case.list_entry_id is not None:
        entry = session.get(ListEntry, case.list_entry_id)
        # Named only while the entry is public (in force): once it is removed or has
        # expired the subject is no longer on a list, and the case shows its entry's number.
        if (
            entry is not None
            and entry.status is EntryStatus.PUBLISHED
            and entry.term_start is not None
            and entry.term_end is not None
            and entry.term_start <= today <= entry.term_end
        ):
            listed = session.get(Subject, entry.subject_id)
            subject = public_subject(listed) if listed is not None else None
    return StaffCase(
        case, state(case), case.id in shown_ids, subject, names_subject(case, consent), consent
    )


def _shown_ids(session: Session, today: dt.date, ids: list[int] | None = None) -> set[int]:
    statement = shown_statement(today).with_only_columns(TypicalCase.id)
    if ids is not None:
        statement = statement.where(TypicalCase.id.in_(ids))
    return set(session.scalars(statement))


def all_cases(session: Session, clock: Clock, actor: Actor) -> list[StaffCase]:
    """Every case, newest first, for the credit authority. A repair case's subject is not
    shown here (the case's number links to it, read and logged there), so this list reads
    nothing that is not public."""
    require_authority(actor)
    rows = list(
        session.scalars(
            select(TypicalCase)
            .where(area.area_filter(session, actor, _about()))
            .order_by(TypicalCase.id.desc())
            .limit(MAX_LISTED)
        )
    )
    shown_ids = _shown_ids(session, clock.today(), [c.id for c in rows])
    consents = consents_of(session, [c.id for c in rows])
    return [
        _staff_view(session, case, shown_ids, clock.today(), consents.get(case.id)) for case in rows
    ]


def staff_case(session: Session, clock: Clock, actor: Actor, case_id: int) -> StaffCase:
    """One case as ``all_cases`` shows it."""
    require_authority(actor)
    case = get(session, case_id)
    require_in_area(session, actor, case)
    today = clock.today()
    return _staff_view(
        session, case, _shown_ids(session, today, [case.id]), today, consent_of(session, case.id)
    )
