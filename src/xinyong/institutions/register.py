"""The register of credit service institutions (信用服务机构, Art. 26–27).

The credit authority records each institution with its filing; agencies may use the
registered institutions in supervision (Art. 26) and anybody can check that an
institution is genuine by its code or filing number. Every change is a version with who,
when and why: the register row is never changed without one.

Status: active ⇄ suspended, and either → deregistered, which is final. Only an active
institution works on the platform (``standing_problem``): it is given consents and
authorisations, collects and reads on them (Art. 26, 27). The services it filed are rows of
their own (``InstitutionService``), kept by registration and amendment, and a consent or an
authorisation to it names one of them (``service_terms``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.orm import Session

from xinyong import identifiers, published_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, Standing, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.institutions.models import (
    CreditServiceInstitution,
    InstitutionService,
    InstitutionStatus,
    InstitutionVersion,
)
from xinyong.subjects import names
from xinyong.subjects import service as subjects

MAX_SERVICES = 20
# No filing can predate the 征信业管理条例 (State Council Decree 631), in force 2013-03-15:
# the filing of credit service institutions rests on it, so an earlier date is a mistyping.
EARLIEST_FILING_DATE = dt.date(2013, 3, 15)

# Which status may follow which: deregistration is final (a new filing is a new entry's
# business, not this one's: ``register`` makes one for a code whose entries are all
# deregistered).
TRANSITIONS: dict[InstitutionStatus, frozenset[InstitutionStatus]] = {
    InstitutionStatus.ACTIVE: frozenset(
        {InstitutionStatus.SUSPENDED, InstitutionStatus.DEREGISTERED}
    ),
    InstitutionStatus.SUSPENDED: frozenset(
        {InstitutionStatus.ACTIVE, InstitutionStatus.DEREGISTERED}
    ),
    InstitutionStatus.DEREGISTERED: frozenset(),
}


def may_change(current: InstitutionStatus, new: InstitutionStatus) -> bool:
    return new in TRANSITIONS[current]


def _text(value: str, field: str, *, limit: int) -> str:
    # As it shows (decision 0044): a text made only of characters nobody sees is no text,
    # and the public register would show it empty.
    value = texts.visible(value)
    if not value:
        raise InvalidInput(f"give the {field.replace('_', ' ')}", code="required", field=field)
    if len(value) > limit:
        raise InvalidInput(
            f"the {field.replace('_', ' ')} is longer than {limit} characters",
            code="too_long",
            field=field,
        )
    return value


def _uscc(raw: str) -> str:
    try:
        return identifiers.require_uscc(raw)
    except identifiers.InvalidIdentifier as exc:
        raise InvalidInput(
            exc.error.message, code=exc.error.code, field="uscc", article=exc.basis
        ) from exc


def service_key(name: str) -> str:
    """What makes two spellings of a service the same service: compatibility forms folded
    (full-width letters and digits, ideographic spaces) and runs of spaces made one."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


# The year of a filing number stands in 〔〕 (六角括号, as GB/T 9704 writes a document's
# number). Nobody's keyboard has them: a number copied or typed comes with (), （）, [],
# 【】… — after NFKC, full-width brackets are the ASCII ones, and ﹝﹞ are 〔〕.
_OPENING, _CLOSING = "([{【〖〘", ")]}】〗〙"
_FILING_BRACKETS = str.maketrans(dict.fromkeys(_OPENING, "〔") | dict.fromkeys(_CLOSING, "〕"))


def filing_key(number: str) -> str:
    """A filing number in the one form the register keeps and compares: as it shows,
    compatibility forms folded, runs of spaces made one (``service_key``'s rule) and its
    brackets made 〔〕, so that a number that looks like a registered one is that one
    (Art. 26: anyone verifies an institution by it; review r3, session 19)."""
    return service_key(texts.visible(number)).translate(_FILING_BRACKETS)


def _filing_compared(number: str) -> str:
    """A filing number as the register compares it: ``filing_key`` without its spaces,
    which a number typed may have around its brackets or not."""
    return filing_key(number).replace(" ", "")


def _filing_number_compared() -> ColumnElement[str]:
    """``CreditServiceInstitution.filing_number`` as ``_filing_compared`` makes a number:
    brackets made 〔〕 (numbers registered before ``filing_key`` folded them are kept as
    they were typed), without spaces. The register is small: comparing it whole costs
    nothing."""
    column: ColumnElement[str] = CreditServiceInstitution.filing_number.expression
    for brackets, into in ((_OPENING, "〔"), (_CLOSING, "〕")):
        for bracket in brackets:
            column = func.replace(column, bracket, into)
    return func.replace(column, " ", "")


def _services(services: list[str]) -> list[str]:
    """The services as listed, each once (the first spelling of the same service kept)."""
    kept: dict[str, str] = {}
    for raw in services:
        name = texts.visible(raw)
        if name:
            kept.setdefault(service_key(name), name)
    cleaned = sorted(kept.values())
    if not cleaned:
        raise InvalidInput(
            "name at least one service the institution offers", code="required", field="services"
        )
    if len(cleaned) > MAX_SERVICES or any(len(s) > 200 for s in cleaned):
        raise InvalidInput(
            f"at most {MAX_SERVICES} services of at most 200 characters each",
            code="too_long",
            field="services",
        )
    return cleaned


def _file_services(institution: CreditServiceInstitution, services: list[str], on: dt.date) -> None:
    """Make ``services`` the ones the institution is filed to provide from ``on``: a service
    left out is withdrawn, a new one filed; one listed again (its spelling aside) stays as
    it was filed."""
    current = {service_key(s.name): s for s in institution.filed_services if s.withdrawn_on is None}
    listed = {service_key(name): name for name in services}
    for key, filed in current.items():
        if key not in listed:
            filed.withdrawn_on = on
    for key, name in listed.items():
        if key not in current:
            institution.filed_services.append(
                InstitutionService(name=name, filed_on=on, withdrawn_on=None)
            )


def _snapshot(institution: CreditServiceInstitution) -> dict[str, Any]:
    return {
        "uscc": institution.uscc,
        "name": institution.name,
        "filing_number": institution.filing_number,
        "filing_date": institution.filing_date.isoformat(),
        "business_scope": institution.business_scope,
        "services": list(institution.services),
        "status": institution.status.value,
        "status_since": institution.status_since.isoformat(),
        "status_reason": institution.status_reason,
    }


def _version(
    session: Session,
    clock: Clock,
    actor: Actor,
    institution: CreditServiceInstitution,
    change: str,
    reason: str,
) -> InstitutionVersion:
    version = InstitutionVersion(
        institution_id=institution.id,
        version_no=institution.current_version_no,
        change=change,
        snapshot=_snapshot(institution),
        reason=reason,
        changed_by=actor.audit().id,
        changed_at=clock.now(),
    )
    session.add(version)
    session.flush()
    # Within ``events_last`` for a deregistration carrying cases out (``change_status``).
    audit.record_soon(
        session,
        clock,
        actor.audit(),
        f"institution.{change}",
        target_type="institution",
        target_id=institution.uscc,
        details={"version": version.version_no, "status": institution.status.value},
    )
    return version


def require_keeper(session: Session, actor: Actor) -> None:
    """Who keeps the register of credit service institutions: the city's credit
    authority. It is one register for the whole city, an institution's filing having no
    district of its own on the platform: a district's credit authority keeps none here
    (Art. 6, 26; decision 0046)."""
    require(actor, Permission.MANAGE_INSTITUTIONS)
    area.require_city(session, actor, "the register of credit service institutions", field="code")


def register(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    uscc: str,
    name: str,
    filing_number: str,
    filing_date: dt.date,
    business_scope: str,
    services: list[str],
) -> CreditServiceInstitution:
    """The credit authority enters an institution's filing in the register (Art. 26)."""
    require_keeper(session, actor)
    code = _uscc(uscc)
    number = _text(filing_key(filing_number), "filing_number", limit=64)
    filed_name = _text(name, "name", limit=200)
    if filing_date > clock.today():
        raise InvalidInput(
            "the filing date is in the future",
            code="future_date",
            field="filing_date",
            article="Art. 26",
        )
    if filing_date < EARLIEST_FILING_DATE:
        raise InvalidInput(
            "the filing date is before 2013-03-15, when the 征信业管理条例 that filings rest "
            "on came into force",
            code="filing_before_regulation",
            field="filing_date",
            article="Art. 26",
        )
    _refuse_code_of_another(session, code, filed_name)
    # The register is public (anyone verifies an institution, Art. 26).
    published_text.refuse_citizen_ids(
        {"name": name, "business_scope": business_scope, "services": "\n".join(services)},
        today=clock.today(),
    )
    _refuse_ambiguous_codes(session, code, number)
    in_force = entry_for_code(session, code)
    if in_force is not None and in_force.status is not InstitutionStatus.DEREGISTERED:
        raise Conflict(
            "an institution with this code is already registered",
            code="already_registered",
            field="uscc",
            article="Art. 26",
        )
    if session.scalar(
        select(CreditServiceInstitution.id).where(
            _filing_number_compared() == _filing_compared(number)
        )
    ):
        raise Conflict(
            "an institution with this filing number is already registered",
            code="already_registered",
            field="filing_number",
            article="Art. 26",
        )
    if in_force is not None:
        _end_grants_of_deregistered(session, clock, in_force)
    institution = CreditServiceInstitution(
        uscc=code,
        name=filed_name,
        filing_number=number,
        filing_date=filing_date,
        business_scope=_text(business_scope, "business_scope", limit=2000),
        status=InstitutionStatus.ACTIVE,
        status_since=filing_date,
        status_reason=None,
        current_version_no=1,
        registered_at=clock.now(),
    )
    _file_services(institution, _services(services), filing_date)
    session.add(institution)
    session.flush()
    _version(session, clock, actor, institution, "registered", "filing recorded")
    return institution


def _looks_like_uscc(text: str) -> bool:
    normalised = identifiers.normalise(text)
    return len(normalised) == 18 and all(ch in identifiers.USCC_ALPHABET for ch in normalised)


def _refuse_ambiguous_codes(session: Session, code: str, number: str) -> None:
    """Anyone verifies an institution by its code or its filing number (Art. 26), in one
    field: a filing number that reads as a code — another institution's, or one a later
    institution may hold — would answer for the wrong institution, and so would a new code
    that is already an entry's filing number (review, session 23)."""
    if _looks_like_uscc(number) or session.scalar(
        select(CreditServiceInstitution.id).where(
            CreditServiceInstitution.uscc == identifiers.normalise(number)
        )
    ):
        raise InvalidInput(
            "a filing number cannot have the form of a unified social credit code: the "
            "register is searched by either",
            code="filing_number_like_code",
            field="filing_number",
            article="Art. 26",
        )
    if session.scalar(
        select(CreditServiceInstitution.id).where(
            _filing_number_compared() == _filing_compared(code)
        )
    ):
        raise Conflict(
            "this code is another entry's filing number in the register: check the code",
            code="code_is_filing_number",
            field="uscc",
            article="Art. 26",
        )


def _refuse_code_of_another(session: Session, code: str, name: str) -> None:
    """A code is one organisation's: the platform already knowing it as an organisation of
    another kind, or under another name, means the code or the name was mistyped, and the
    register would vouch (Art. 26: anyone verifies an institution by its code) for an
    organisation it is not. Agencies' and other bodies' accounts, and the subject register
    (current and former names), are both asked."""
    for organisation in session.scalars(select(Organisation).where(Organisation.code == code)):
        if organisation.kind is not OrganisationKind.CREDIT_SERVICE_INSTITUTION:
            raise Conflict(
                "this code belongs to an organisation on the platform that is not a credit "
                "service institution",
                code="code_of_another_kind",
                field="uscc",
                article="Art. 26",
            )
        if names.normalise_name(organisation.name) != names.normalise_name(name):
            raise Conflict(
                "this code belongs to an organisation on the platform under another name; "
                "check the code and the name",
                code="code_of_another_name",
                field="uscc",
                article="Art. 26",
            )
    subject = subjects.by_uscc(session, code)
    if subject is not None and not subjects.bears_name(subject, name):
        raise Conflict(
            "this code belongs to an organisation on the platform under another name; check "
            "the code and the name",
            code="code_of_another_name",
            field="uscc",
            article="Art. 26",
        )


def change_status(
    session: Session,
    clock: Clock,
    actor: Actor,
    uscc: str,
    *,
    status: InstitutionStatus,
    reason: str,
    effective: dt.date | None = None,
) -> CreditServiceInstitution:
    """Suspend, reinstate or deregister an institution, with the reason and the date it
    takes effect (today unless given; not in the future, so that the register says what
    is true now)."""
    require_keeper(session, actor)
    institution = by_code(session, uscc, for_change=True)
    why = _text(reason, "reason", limit=2000)
    published_text.refuse_citizen_ids({"reason": why}, today=clock.today())
    since = effective or clock.today()
    if since > clock.today():
        raise InvalidInput("the date is in the future", code="future_date", field="effective")
    if since < institution.status_since:
        raise InvalidInput(
            "the date is before the current status began", code="before_status", field="effective"
        )
    if not may_change(institution.status, status):
        raise Conflict(
            f"{texts.a(institution.status.value)} institution cannot become {status.value}",
            code="status_transition",
            field="status",
            article="Art. 26",
        )
    # Imported here: the objections read the register's standing of a record's source.
    from xinyong.objections import service as objections

    source = None
    if status is InstitutionStatus.DEREGISTERED:
        source = organisation_id(session, institution)
        if source is not None:
            # The cases carried out below and their records, locked before this change's
            # event takes the audit chain's head (decision 0008, session 24 addendum).
            objections.lock_upheld_of_sources(session, [source])
    institution.status = status
    institution.status_since = since
    institution.status_reason = why
    institution.current_version_no += 1
    # This change's event and the cases' are written after every row the carrying out
    # takes, reports' included (decision 0008, session 25 addendum); this one first.
    with audit.events_last(session):
        _version(session, clock, actor, institution, "status", why)
        if source is not None:
            # It has left for good: what it was to carry out for subjects is done in its
            # place in this same transaction, so that nothing waits for it (Art. 25;
            # decision 0024) — by the system, the officer's deregistration named as the
            # cause: the officer who keeps the register alters no record (objection
            # handlers alter no data, rules.md).
            objections.carry_out_for_deregistered_sources(
                session,
                clock,
                actor,
                source_organisation_id=source,
                cause_action="institution.status",  # the audit of this change (``_version``)
            )
    return institution


def _end_grants_of_deregistered(
    session: Session, clock: Clock, deregistered: CreditServiceInstitution
) -> None:
    """A code registered again after its entry was deregistered: the authorisations and
    consents given to the organisation before are ended, by the system, each audited with the
    deregistered entry named. Standing is read per code and grants are tied to the
    organisation, so the new entry would have brought them back into force; deregistration
    is final and a new filing a new entry (decision 0024 addendum, review of session 23).
    Ended rather than filtered by date, so that the persons see them revoked in their lists
    and every reader of grants (batches, reports, objections) stays as it is."""
    # Imported here: the consents and authorisations read the register's standing.
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.collection.models import Consent, Revocation
    from xinyong.disclosure.models import Authorisation

    grantee = organisation_id(session, deregistered)
    if grantee is None:
        return
    now = clock.now()
    reason = (
        f"the grantee's register entry (filing {deregistered.filing_number}) was deregistered "
        f"on {deregistered.status_since.isoformat()}; its code is registered again as a new "
        "entry"
    )
    ended = {
        "deregistered_entry": deregistered.id,
        "reason": reason,
        "revocation": Revocation.GRANTEE_REGISTERED_AGAIN,
    }
    authorisations = session.scalars(
        select(Authorisation)
        .where(Authorisation.grantee_organisation_id == grantee, Authorisation.revoked_at.is_(None))
        .order_by(Authorisation.id)
        .with_for_update()
    )
    for authorisation in authorisations:
        authorisation.revoked_at = now
        authorisation.revocation = Revocation.GRANTEE_REGISTERED_AGAIN
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "authorisation.revoke",
            target_type="subject",
            target_id=authorisation.subject_id,
            details={"authorisation_id": authorisation.id, **ended},
        )
    consents = session.scalars(
        select(Consent)
        .where(Consent.grantee_organisation_id == grantee, Consent.revoked_at.is_(None))
        .order_by(Consent.id)
        .with_for_update()
    )
    for consent in consents:
        consent.revoked_at = now
        consent.revocation = Revocation.GRANTEE_REGISTERED_AGAIN
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "consent.revoke",
            target_type="subject",
            target_id=consent.subject_id,
            details={"consent_id": consent.id, **ended},
        )


def organisation_id(session: Session, institution: CreditServiceInstitution) -> int | None:
    """The platform's organisation this register entry is (by its code), if it has one —
    whatever kind it was created under: the register, not the kind, says it is an
    institution (an organisation made under another kind before that was refused)."""
    return session.scalar(select(Organisation.id).where(Organisation.code == institution.uscc))


def amend(
    session: Session,
    clock: Clock,
    actor: Actor,
    uscc: str,
    *,
    name: str,
    business_scope: str,
    services: list[str],
    reason: str,
) -> CreditServiceInstitution:
    """Amend an entry's particulars (a renamed institution, a new scope or service list),
    with the reason; code, filing number and date stay (a new filing is a new entry). A
    service the list leaves out is withdrawn today, a new one filed today. A deregistered
    entry is closed."""
    require_keeper(session, actor)
    institution = by_code(session, uscc, for_change=True)
    why = _text(reason, "reason", limit=2000)
    if institution.status is InstitutionStatus.DEREGISTERED:
        raise Conflict(
            "a deregistered institution's entry is closed",
            code="deregistered",
            field="uscc",
            article="Art. 26",
        )
    published_text.refuse_citizen_ids(
        {
            "name": name,
            "business_scope": business_scope,
            "services": "\n".join(services),
            "reason": why,
        },
        today=clock.today(),
    )
    institution.name = _text(name, "name", limit=200)
    institution.business_scope = _text(business_scope, "business_scope", limit=2000)
    _file_services(institution, _services(services), clock.today())
    institution.current_version_no += 1
    _version(session, clock, actor, institution, "amended", why)
    return institution


def by_code(session: Session, code: str, *, for_change: bool = False) -> CreditServiceInstitution:
    """The institution with this unified social credit code or filing number.

    ``for_change``: locked and read afresh, for a writer. Two officers changing one entry
    at once would otherwise both check the status and the next version number against the
    row as it was before either wrote: the second would make a transition the first's new
    status forbids (out of a final deregistration) or collide on the version number. The
    second now waits for the first and is refused on what it wrote (Art. 26)."""
    text = texts.visible(code)
    normalised = identifiers.normalise(text)
    # The code first: a code is matched exactly, and among its entries the one in force
    # (``entry_for_code``). A filing number only when no code matches: the register refuses
    # a filing number that reads as a code, but entries made before may hold one, and
    # ``scalar`` over both at once would pick either (review, session 23).
    found = entry_for_code(session, normalised, for_change=for_change)
    if found is None:
        query = (
            select(CreditServiceInstitution)
            .where(_filing_number_compared() == _filing_compared(text))
            .order_by(CreditServiceInstitution.id)
            .limit(1)
        )
        if for_change:
            query = query.with_for_update(of=CreditServiceInstitution).execution_options(
                populate_existing=True
            )
        found = session.scalar(query)
    if found is None:
        raise NotFound(
            "no registered credit service institution has this code or filing number",
            code="not_registered",
            field="code",
            article="Art. 26",
        )
    return found


def _in_force_first() -> ColumnElement[int]:
    return case((CreditServiceInstitution.status == InstitutionStatus.DEREGISTERED, 1), else_=0)


def entry_for_code(
    session: Session, code: str, *, for_change: bool = False
) -> CreditServiceInstitution | None:
    """The register's entry for this unified social credit code: the one not deregistered
    (there is at most one: a partial unique index), else the latest deregistered one. A
    code deregistered may be registered again on a new filing, a new entry (decision 0024);
    its earlier entries stay, closed. ``for_change``: locked and read afresh (``by_code``)."""
    query = (
        select(CreditServiceInstitution)
        .where(CreditServiceInstitution.uscc == code)
        .order_by(_in_force_first(), CreditServiceInstitution.id.desc())
        .limit(1)
    )
    if for_change:
        query = query.with_for_update(of=CreditServiceInstitution).execution_options(
            populate_existing=True
        )
    return session.scalar(query)


def all_registered(session: Session) -> list[CreditServiceInstitution]:
    return list(
        session.scalars(
            select(CreditServiceInstitution).order_by(
                CreditServiceInstitution.status, CreditServiceInstitution.name
            )
        )
    )


def history(session: Session, institution: CreditServiceInstitution) -> list[InstitutionVersion]:
    return list(
        session.scalars(
            select(InstitutionVersion)
            .where(InstitutionVersion.institution_id == institution.id)
            .order_by(InstitutionVersion.version_no)
        )
    )


# What the register says of an organisation of kind credit service institution that may
# not work now, by its status (None: not in the register at all): about the institution,
# to everybody else (a subject authorising it, the credit authority forwarding it an
# objection, the CLI's --source), and to its own staff and systems.
_OUTSIDE: dict[InstitutionStatus | None, Standing] = {
    None: Standing(
        "institution_not_registered",
        "this credit service institution is not in the credit authority's register",
        "Art. 26",
        "your institution is not in the credit authority's register of credit service "
        "institutions: it collects, queries and is shown no credit information",
    ),
    InstitutionStatus.SUSPENDED: Standing(
        "institution_suspended",
        "this credit service institution is suspended in the register",
        "Art. 26",
        "your institution is suspended in the register of credit service institutions: "
        "until it is reinstated it collects, queries and is shown no credit information",
    ),
    InstitutionStatus.DEREGISTERED: Standing(
        "institution_deregistered",
        "this credit service institution is deregistered",
        "Art. 26",
        "your institution is deregistered from the register of credit service institutions: "
        "it collects, queries and is shown no credit information",
    ),
}


def standing_problem(session: Session, organisation: Organisation) -> Standing | None:
    """None for an organisation that is not a credit service institution, or one that is
    registered and active; otherwise why not. This is the one rule of the register's
    standing (Art. 26: agencies rely on the register, so an institution outside it,
    suspended or deregistered, works on nobody's consent or authorisation): the actor of
    the institution's staff carries it (``accounts.service``), and the grantee of a consent
    or an authorisation, the organisation a batch is submitted for and the source an
    objection would be forwarded to are checked against it."""
    # By the code for every kind: an organisation the register knows is an institution
    # whatever kind it was created under — one made under another kind (refused since,
    # ``accounts.service.create_organisation``) would otherwise work outside the register
    # (review, session 23).
    entry = entry_for_code(session, organisation.code)
    if entry is None:
        if organisation.kind is not OrganisationKind.CREDIT_SERVICE_INSTITUTION:
            return None
        return _OUTSIDE[None]
    return None if entry.status is InstitutionStatus.ACTIVE else _OUTSIDE[entry.status]


def is_institution(session: Session, organisation: Organisation) -> bool:
    """A credit service institution: of that kind, or in the register by its code."""
    return (
        organisation.kind is OrganisationKind.CREDIT_SERVICE_INSTITUTION
        or entry_for_code(session, organisation.code) is not None
    )


MAX_SERVICE = 200


def service_terms(
    session: Session, grantee: Organisation, service: str | None, not_conditional: bool
) -> str | None:
    """The service a subject's written authorisation to query, or its consent to
    collection, is given to a credit service institution for (Art. 26–27): the
    institution registered and active, the service named, and the subject's confirmation
    that the service is not conditional on it — an institution may not bundle its service
    with collecting the subject's information (Art. 27 ¶2). None for any other grantee
    (what was typed for one is not kept). The service is one the institution filed with
    the register, stored as filed (``filed_service``). Every authorisation and every consent
    passes through here (``disclosure.authorisations.grant``, ``collection.consent.grant``)."""
    if not is_institution(session, grantee):
        return None
    problem = standing_problem(session, grantee)
    if problem is not None:
        raise Conflict(problem.message, code=problem.code, field="grantee", article=problem.article)
    named = (service or "").strip()
    if not named:
        raise InvalidInput(
            "name the service the credit service institution provides to the subject",
            code="service_required",
            field="service",
            article="Art. 27",
        )
    if len(named) > MAX_SERVICE:
        raise InvalidInput(
            "the service is longer than 200 characters", code="too_long", field="service"
        )
    named = filed_service(session, grantee, named)
    if not not_conditional:
        raise InvalidInput(
            "a credit service institution may not make its service conditional on the subject's "
            "authorisation or consent to collect its information: confirm that it is not",
            code="service_bundled",
            field="service_not_conditional",
            article="Art. 27 ¶2",
        )
    return named


def filed_service(session: Session, institution: Organisation, named: str) -> str:
    """The service, as the register has it, that an institution filed and still provides,
    for a consent or an authorisation naming it (its spelling aside: ``service_key``).
    Refused when the register lists no such service: the subject is told what the
    institution is registered to provide, not what it says of itself (Art. 26, 27 ¶2)."""
    entry = entry_for_code(session, institution.code)
    filed = [] if entry is None else entry.services
    key = service_key(named)
    for name in filed:
        if service_key(name) == key:
            return name
    raise InvalidInput(
        "the institution has not filed this service with the register: name one of the "
        "services its register entry lists",
        code="service_not_filed",
        field="service",
        article="Art. 26",
        details={"filed_services": filed},
    )


def services_of_active(session: Session) -> dict[str, list[str]]:
    """The services each active institution is filed to provide, by its code: what the
    consent and authorisation forms offer to name (public, as the register is)."""
    return {
        entry.uscc: entry.services
        for entry in session.scalars(
            select(CreditServiceInstitution).where(
                CreditServiceInstitution.status == InstitutionStatus.ACTIVE
            )
        )
    }


def deregistered_organisations(
    session: Session, organisation_ids: Iterable[int] | None = None
) -> set[int]:
    """Those of these organisations (all, given None) that are credit service institutions
    deregistered from the register: gone for good, unlike a suspended one, which may be
    reinstated and carry out its own work."""
    # Deregistered: its code's entries are all deregistered (one registered again on a new
    # filing is not), whatever kind the organisation was created under.
    entries = CreditServiceInstitution.uscc == Organisation.code
    deregistered = CreditServiceInstitution.status == InstitutionStatus.DEREGISTERED
    query = select(Organisation.id).where(
        exists().where(entries, deregistered), ~exists().where(entries, ~deregistered)
    )
    if organisation_ids is not None:
        ids = set(organisation_ids)
        if not ids:
            return set()
        query = query.where(Organisation.id.in_(ids))
    return set(session.scalars(query))


def outside_register(session: Session, organisation_ids: Iterable[int]) -> dict[int, str]:
    """The register's status (``institution_suspended``…) of each of these organisations
    that is a credit service institution outside the active register: a subject's consents
    and authorisations to one are kept but not honoured meanwhile, and its lists say so."""
    ids = set(organisation_ids)
    if not ids:
        return {}
    found: dict[int, str] = {}
    for organisation in session.scalars(select(Organisation).where(Organisation.id.in_(ids))):
        problem = standing_problem(session, organisation)
        if problem is not None:
            found[organisation.id] = problem.code
    return found
