"""Consent to collection about natural persons (Art. 11).

A record about a natural person is accepted only with the subject's consent on file for
that grantee and scope, unless its type is public by law (¶1). Restricted fields need
written consent whose evidence shows the subject was told of the adverse consequences
(¶2). Prohibited content is refused regardless (¶3; see validation).

A person the platform does not know yet is registered — by ID number and the name on the
signed form — when the organisation records the written consent it holds (``NewPerson``):
collection about a new person needs consent on file first, and the pipeline registers
nobody without it. A consent to a credit service institution carries the terms an
authorisation to one does (Art. 26–27; ``institutions.register.service_terms``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong import evidence_files, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Sensitivity
from xinyong.clock import Clock
from xinyong.collection import sources
from xinyong.collection.models import Consent, ConsentForm, Revocation
from xinyong.collection.validation import Problem
from xinyong.crypto import default_cipher
from xinyong.disclosure.models import LegalPath
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from xinyong.institutions import register as institutions
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectKind

ALL_TYPES = "*"


@dataclass(frozen=True)
class NewPerson:
    """A natural person the platform does not know yet, as named on the written consent
    an organisation holds (``subject_for_recording``): ``grant`` registers it once the
    consent's terms pass, so a refused consent registers nobody."""

    citizen_id: str
    name: str


def grant(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    subject: Subject | NewPerson,
    grantee: Organisation,
    record_type_codes: list[str],
    written: bool,
    adverse_consequences_notified: bool,
    evidence: str | None = None,
    valid_until: dt.date | None = None,
    service: str | None = None,
    service_not_conditional: bool = False,
    evidence_document: str | None = None,
) -> Consent:
    """A subject consents on its own account; a grantee records a consent it obtained in
    writing, with its evidence — for a ``NewPerson``, registering the person first, in
    the subject's access log as registered by the grantee on this consent.

    To a credit service institution only while it is active in the register, naming the
    service the person receives and confirming that it is not conditional on this consent
    (Art. 27 ¶2), as an authorisation to one (``institutions.register.service_terms``);
    both stored, empty for any other grantee."""
    # What shows of it is the evidence: spaces and invisible characters are none (and the
    # same evidence typed with them is the same consent, ``evidence_sha256``).
    evidence = texts.visible(evidence) or None
    new_person = subject if isinstance(subject, NewPerson) else None
    recorded_by_grantee = isinstance(subject, NewPerson) or actor.subject_id != subject.id
    if not recorded_by_grantee:
        assert isinstance(subject, Subject)
        require(actor, Permission.MANAGE_OWN_CONSENTS)
        require_consenting_subject(subject)
    elif isinstance(subject, Subject) and subject.kind is not SubjectKind.NATURAL_PERSON:
        # The subject a grantee names: a wrong input, not the grantee's want of a right.
        raise InvalidInput(
            "consent is recorded for natural persons only",
            code="not_natural_person",
            article="Art. 11",
        )
    else:
        _require_grantees_own(
            actor, grantee, written=written, evidence=evidence, today=clock.today()
        )
    service = _checked_terms(
        session,
        clock,
        grantee=grantee,
        record_type_codes=record_type_codes,
        written=written,
        adverse_consequences_notified=adverse_consequences_notified,
        valid_until=valid_until,
        service=service,
        service_not_conditional=service_not_conditional,
        recorded_by_grantee=recorded_by_grantee,
        evidence_document=evidence_document,
    )
    types = sorted(set(record_type_codes))
    # The document, when one is kept, is part of the evidence: the same form again is the
    # same consent, another form another.
    document = evidence_document.strip() if service is not None and evidence_document else None
    evidence_text = evidence if document is None else f"{evidence or ''}\n{document}"
    evidence_sha256 = hashlib.sha256(evidence_text.encode()).hexdigest() if evidence_text else None
    if new_person is not None:
        # Every term passed: the person is registered now, never for a refused consent.
        subject = subjects.register_natural_person(
            session,
            clock,
            actor,
            name=new_person.name,
            citizen_id=new_person.citizen_id,
            basis="consent",
        )
    else:
        assert isinstance(subject, Subject)
        same = _same_in_force(
            session,
            clock.today(),
            subject_id=subject.id,
            grantee_id=grantee.id,
            types=types,
            written=written,
            adverse_consequences_notified=adverse_consequences_notified,
            evidence_sha256=evidence_sha256,
            valid_until=valid_until,
            service=service,
        )
        if same is not None:
            # The same consent again (a form sent twice, a request retried): the one in
            # force is the answer, as a batch's replay returns its first report (0006).
            return same
    consent = Consent(
        subject_id=subject.id,
        grantee_organisation_id=grantee.id,
        record_type_codes=types,
        written=written,
        adverse_consequences_notified=adverse_consequences_notified,
        evidence=evidence,
        evidence_sha256=evidence_sha256,
        valid_from=clock.today(),
        valid_until=valid_until,
        granted_at=clock.now(),
        recorded_by=actor.audit().id,
        service=service,
        service_not_conditional=True if service is not None else None,
    )
    session.add(consent)
    session.flush()
    if document is not None:
        _keep_form(session, consent, document)
    registration = (
        {} if new_person is None else _log_registration(session, clock, actor, subject, consent)
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        "consent.grant",
        target_type="subject",
        target_id=subject.id,
        details={
            "consent_id": consent.id,
            "grantee": grantee.id,
            "types": consent.record_type_codes,
            "written": written,
            "adverse_consequences_notified": adverse_consequences_notified,
            "service": service,
            "registered_subject": new_person is not None,
            **registration,
        },
    )
    return consent


def form_context(consent_id: int) -> str:
    """The encryption context of a consent's signed form: a ciphertext moved to another
    consent's row does not decrypt."""
    return f"consent_form:{consent_id}"


def _keep_form(session: Session, consent: Consent, document: str) -> None:
    """The signed form, encrypted, in a table of its own (``ConsentForm``): it carries the
    person's name, ID number and signature (decision 0004)."""
    kind = evidence_files.kind_of(base64.b64decode(document))
    assert kind is not None  # checked in ``_require_signed_form``
    session.add(
        ConsentForm(
            consent_id=consent.id,
            kind=kind,
            ciphertext=default_cipher().encrypt(document, context=form_context(consent.id)),
        )
    )


def has_signed_form(session: Session, consent_ids: Iterable[int]) -> set[int]:
    """Which of these consents keep a signed form (a list links to it)."""
    ids = list(set(consent_ids))
    return (
        set(session.scalars(select(ConsentForm.consent_id).where(ConsentForm.consent_id.in_(ids))))
        if ids
        else set()
    )


def signed_form(
    session: Session, clock: Clock, actor: Actor, consent_id: int
) -> evidence_files.StoredFile:
    """A consent's signed form, decrypted: for the person whose consent it is, and the
    credit authority supervising the institution (Art. 27 ¶2, 33) — whose read is in the
    person's access log (Art. 24). Anyone else is answered as if it did not exist. Every
    read is audited."""
    require(
        actor, Permission.READ_OWN_FILE if actor.subject_id is not None else Permission.SUPERVISE
    )
    consent = session.get(Consent, consent_id)
    form = session.get(ConsentForm, consent_id) if consent is not None else None
    if consent is None or form is None:
        raise NotFound("no such consent", code="not_found", field="consent")
    own = area.reads_as_its_person(
        session, actor, consent.subject_id, consent.grantee_organisation_id
    )
    if own is None:
        raise ConcealedRefusal("no such consent", code="not_found", field="consent")
    document = default_cipher().decrypt(form.ciphertext, context=form_context(consent.id))
    if not own:
        from xinyong.disclosure import access

        subject = session.get(Subject, consent.subject_id)
        assert subject is not None
        access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.OFFICIAL_DUTY,
            what=access.CONSENT_FORM,
            purpose=access.SUPERVISION_PURPOSE,
            consent_id=consent.id,
        )
    audit.record(
        session,
        clock,
        actor.audit(),
        "consent.form_read",
        target_type="subject",
        target_id=consent.subject_id,
        details={"consent_id": consent.id, "own": own},
    )
    return evidence_files.StoredFile(form.kind, base64.b64decode(document))


def _require_grantees_own(
    actor: Actor, grantee: Organisation, *, written: bool, evidence: str | None, today: dt.date
) -> None:
    """A consent a grantee records: by its data reporters, to itself, written, with its
    evidence — something that shows (``texts.visible``), holding no citizen ID number (kept
    only encrypted, decision 0004: the consent names its person already) nor what Art. 11
    ¶3 forbids collecting, as a subject's own texts (``submitted_text``)."""
    require(actor, Permission.SUBMIT_RECORDS)
    if actor.organisation_id != grantee.id:
        raise PermissionDenied(
            "an organisation records only consents given to itself",
            code="other_organisation",
            article="Art. 11",
        )
    if not written or texts.is_blank(evidence):
        raise InvalidInput(
            "a consent recorded by the grantee must be written and carry its evidence",
            code="evidence_required",
            field="evidence",
            article="Art. 11",
        )
    submitted_text.refuse_personal_data({"evidence": evidence}, today=today)


def _checked_terms(
    session: Session,
    clock: Clock,
    *,
    grantee: Organisation,
    record_type_codes: list[str],
    written: bool,
    adverse_consequences_notified: bool,
    valid_until: dt.date | None,
    service: str | None,
    service_not_conditional: bool,
    recorded_by_grantee: bool,
    evidence_document: str | None = None,
) -> str | None:
    """The terms of a consent that do not depend on its person, checked (refused as
    ``grant`` would); the service as kept. ``record_held`` checks them before the person is
    looked up, so that no answer to a grantee depends on whether an ID number is registered
    until every such term has passed (Art. 34)."""
    service = institutions.service_terms(session, grantee, service, service_not_conditional)
    if recorded_by_grantee and service is not None:
        _require_signed_form(evidence_document)
    if not record_type_codes:
        raise InvalidInput("name at least one record type", code="required", field="record_types")
    for code in record_type_codes:
        if code != ALL_TYPES:
            catalog.record_type_by_code(session, code)
    if recorded_by_grantee:
        _require_responsibility(session, grantee, record_type_codes)
    if not adverse_consequences_notified:
        # A type holding restricted fields is collected with them; a consent without the
        # notice could not cover them, and for a type public by law it would cover nothing.
        # By the rule the grantee collects under: its area's (a district may declare more
        # fields restricted, Art. 35).
        holding = [
            code
            for code in sorted(set(record_type_codes) - {ALL_TYPES})
            if any(
                spec.sensitivity is Sensitivity.RESTRICTED
                for spec in catalog.effective_rule(
                    session, code, grantee.jurisdiction
                ).definition.fields
            )
        ]
        if holding:
            raise InvalidInput(
                f"{', '.join(holding)} holds restricted information (income, deposits, "
                "securities, insurance, real estate or tax amounts): consent to it must be "
                "written and given after notice of the possible adverse consequences",
                code="adverse_consequences_notice_required",
                field="adverse_consequences_notified",
                article="Art. 11 ¶2",
            )
    if adverse_consequences_notified and not written:
        raise InvalidInput(
            "notice of adverse consequences goes with a written consent",
            code="written_required",
            field="written",
            article="Art. 11 ¶2",
        )
    if valid_until is not None and valid_until < clock.today():
        raise InvalidInput(
            "the consent would already have expired", code="expired", field="valid_until"
        )
    return service


def _require_signed_form(evidence_document: str | None) -> None:
    """A credit service institution recording a consent it holds: the person's
    confirmation that the service is not conditional on the consent (Art. 27 ¶2) is on the
    signed form, and the institution's checkbox and a line of text would be only its own
    word. The form itself is kept, as an authorisation's upload is (a PDF, PNG or JPEG by
    its content, ``evidence_files``; review, session 23)."""
    if evidence_document is None or texts.is_blank(evidence_document):
        raise InvalidInput(
            "a consent a credit service institution records needs the signed consent form "
            "uploaded: it carries the person's confirmation that the service is not "
            "conditional on the consent",
            code="evidence_document_required",
            field="evidence_document",
            article="Art. 27 ¶2",
        )
    evidence_files.check_base64(evidence_document, field="evidence_document", article="Art. 27 ¶2")


def _log_registration(
    session: Session, clock: Clock, actor: Actor, person: Subject, consent: Consent
) -> dict[str, Any]:
    """The person's access log shows who registered it and on which consent (Art. 24);
    the consent's audit event witnesses the entry (the details returned)."""
    from xinyong.disclosure import access
    from xinyong.disclosure.models import LegalPath

    return access.log_use(
        session,
        clock,
        actor,
        person,
        path=LegalPath.CONSENT,
        what=access.REGISTERED_ON_CONSENT,
        purpose=access.CONSENT_PURPOSE,
        consent_id=consent.id,
        chained=False,
    ).details()


def _require_responsibility(
    session: Session, grantee: Organisation, record_type_codes: list[str]
) -> None:
    """A grantee records consent only to what it collects: the record types on its
    responsibility list (Art. 9–11). A consent to anything else would cover no record it
    may submit, and "all types" is the person's own to give, not an organisation's."""
    if ALL_TYPES in record_type_codes:
        raise InvalidInput(
            "a consent an organisation records names the record types it covers; consent "
            "to all types is given only by the person, on their own account",
            code="consent_outside_responsibility",
            field="record_types",
            article="Art. 11",
        )
    own = set(sources.responsibilities(session, grantee.id))
    outside = sorted(set(record_type_codes) - own)
    if outside:
        raise InvalidInput(
            f"{', '.join(outside)} is not on the organisation's responsibility list: it "
            "records consent only to the record types it submits",
            code="consent_outside_responsibility",
            field="record_types",
            article="Art. 11",
        )


def _same_in_force(
    session: Session,
    today: dt.date,
    *,
    subject_id: int,
    grantee_id: int,
    types: list[str],
    written: bool,
    adverse_consequences_notified: bool,
    evidence_sha256: str | None,
    valid_until: dt.date | None,
    service: str | None,
) -> Consent | None:
    """A consent in force today with exactly these terms, if one was recorded already."""
    for candidate in session.scalars(
        select(Consent)
        .where(
            Consent.subject_id == subject_id,
            Consent.grantee_organisation_id == grantee_id,
            Consent.revoked_at.is_(None),
            Consent.valid_from <= today,
            or_(Consent.valid_until.is_(None), Consent.valid_until >= today),
            Consent.written == written,
            Consent.adverse_consequences_notified == adverse_consequences_notified,
        )
        .order_by(Consent.id)
    ):
        if (
            list(candidate.record_type_codes) == types
            and candidate.evidence_sha256 == evidence_sha256
            and candidate.valid_until == valid_until
            and candidate.service == service
        ):
            return candidate
    return None


def require_consenting_subject(subject: Subject) -> None:
    """Consent to collection is a natural person's (Art. 11 ¶1): information about a legal
    person or an unincorporated organisation is collected without it, so the account of
    one has no consents to give, see or revoke."""
    if subject.kind is not SubjectKind.NATURAL_PERSON:
        raise PermissionDenied(
            "consent to collection is given by natural persons only: information about an "
            "organisation is collected without its consent",
            code="not_natural_person",
            article="Art. 11 ¶1",
        )


def subject_for_recording(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    citizen_id: str | None = None,
    reference: str | None = None,
    name: str = "",
) -> Subject | NewPerson:
    """The person of a consent a grantee records (``grant``), by the ID number on the
    signed consent — found through the blind index, audited as a person lookup, found or
    not, and in a found person's access log (Art. 24), never echoed — or by its reference
    (the API). Only staff who may record consents look anyone up. No organisation is looked
    up: only a natural person consents to collection (Art. 11 ¶1). Called by
    ``record_held`` once every other term of the consent has passed.

    With an ID number the name on the form is always required (``_require_named``), so that
    the answer does not say whether the number is registered: a person not on the platform
    yet is a ``NewPerson``, to be registered with it (Art. 11 ¶1 allows no collection, and
    so no registration, before the consent). A name given for a known person must be its
    registered or a former name, as a batch's row must (``subjects.bears_name``); the
    refusal does not say which name is registered."""
    name = _require_named(clock, citizen_id=citizen_id, reference=reference, name=name)
    if reference is not None:
        person: Subject | None = subjects.by_reference(session, reference)
    else:
        assert citizen_id is not None
        person = subjects.person_by_typed_citizen_id(session, clock, citizen_id)
        _record_lookup(session, clock, actor, person)
        if person is None:
            # The name itself was checked as a person's name may be (``_require_named``).
            return NewPerson(citizen_id=citizen_id.strip(), name=name)
    assert person is not None
    if name and person.kind is SubjectKind.NATURAL_PERSON and not subjects.bears_name(person, name):
        raise InvalidInput(
            "the name is not the one registered with this ID number: check it against the "
            "signed consent",
            code="name_mismatch",
            field="name",
            article="Art. 11",
        )
    return person


def _require_named(
    clock: Clock, *, citizen_id: str | None, reference: str | None, name: str
) -> str:
    """The person named once, by reference or by a well-formed ID number with the name on
    the signed form — a name a person may be registered with, whether or not the number is
    registered: nothing here looks anyone up. The name, stripped."""
    if (citizen_id is None) == (reference is None):
        raise InvalidInput(
            "name the person by its reference or by its ID number, not both",
            code="one_subject",
            field="subject",
        )
    name = name.strip()
    if citizen_id is None:
        return name
    if not citizen_id.strip():
        raise InvalidInput("enter the citizen ID number", code="required", field="citizen_id")
    subjects.typed_citizen_id(clock, citizen_id)
    if not name:
        raise InvalidInput(
            "enter the name on the signed consent: a person not on the platform yet is "
            "registered with it",
            code="name_required",
            field="name",
            article="Art. 11 ¶1",
        )
    subjects.require_person_name(name)
    return name


def _record_lookup(session: Session, clock: Clock, actor: Actor, person: Subject | None) -> None:
    """The lookup's audit event and, for a person found, the entry in its access log that
    the event witnesses (Art. 24: the lookup tells the grantee the person is registered,
    and a refusal for the name tells it the name on its form is not theirs), as
    ``disclosure.person_lookup.find_person`` writes one."""
    from xinyong.disclosure import access, person_lookup
    from xinyong.disclosure.models import LegalPath

    person_lookup.record_lookup(
        session, clock, actor, person, path=LegalPath.CONSENT, purpose=access.CONSENT_PURPOSE
    )


def record_held(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    grantee: Organisation,
    citizen_id: str | None = None,
    reference: str | None = None,
    name: str = "",
    record_type_codes: list[str],
    written: bool,
    adverse_consequences_notified: bool,
    evidence: str | None = None,
    valid_until: dt.date | None = None,
    service: str | None = None,
    service_not_conditional: bool = False,
    evidence_document: str | None = None,
) -> Consent:
    """A grantee records a written consent it holds (``grant``), its person named by ID
    number or reference (``subject_for_recording``) — looked up only once every term that
    does not depend on the person has passed, so that a registered and an unregistered ID
    number get the same answers to them (Art. 34; a data reporter may not find persons).
    Refused after the lookup, the request rolls back but the lookup stays audited and in a
    found person's access log (``_keep_lookup_audited``)."""
    looked_up = False
    try:
        _require_grantees_own(
            actor, grantee, written=written, evidence=evidence, today=clock.today()
        )
        _require_named(clock, citizen_id=citizen_id, reference=reference, name=name)
        _checked_terms(
            session,
            clock,
            grantee=grantee,
            record_type_codes=record_type_codes,
            written=written,
            adverse_consequences_notified=adverse_consequences_notified,
            valid_until=valid_until,
            service=service,
            service_not_conditional=service_not_conditional,
            recorded_by_grantee=True,
            evidence_document=evidence_document,
        )
        looked_up = citizen_id is not None
        person = subject_for_recording(
            session, clock, actor, citizen_id=citizen_id, reference=reference, name=name
        )
        return grant(
            session,
            clock,
            actor,
            subject=person,
            grantee=grantee,
            record_type_codes=record_type_codes,
            written=written,
            adverse_consequences_notified=adverse_consequences_notified,
            evidence=evidence,
            valid_until=valid_until,
            service=service,
            service_not_conditional=service_not_conditional,
            evidence_document=evidence_document,
        )
    except DomainError as refusal:
        if looked_up:
            assert citizen_id is not None
            _keep_lookup_audited(refusal, clock, actor, citizen_id=citizen_id)
        raise


def _keep_lookup_audited(
    refusal: DomainError, clock: Clock, actor: Actor, *, citizen_id: str
) -> None:
    """A consent refused after its person was looked up by ID number (``name_mismatch``):
    the request is rolled back, but the lookup stays audited, found or not, and in a found
    person's access log — a refusal must not make the consent form a way to test ID
    numbers, and names against them, unseen (Art. 24, 34). Written as the refusal's
    aftermath, after the rollback, as ``subjects.lookup_person`` does."""
    from xinyong.disclosure import access, person_lookup
    from xinyong.disclosure.models import LegalPath

    person_lookup.keep_lookup_audited(
        refusal, clock, actor, citizen_id, path=LegalPath.CONSENT, purpose=access.CONSENT_PURPOSE
    )


def revoke(session: Session, clock: Clock, actor: Actor, consent_id: int) -> Consent:
    """Revocation stops future collection from the next batch on."""
    require(actor, Permission.MANAGE_OWN_CONSENTS)
    # Locked and read afresh: a revocation sent twice at once (two tabs, a double submit)
    # waits for the first and finds it done, rather than revoking again later.
    consent = session.get(Consent, consent_id, with_for_update=True, populate_existing=True)
    if consent is None:
        raise NotFound("no such consent", code="not_found", field="consent")
    if actor.subject_id != consent.subject_id:
        # Another subject's consent is reported as missing, not as forbidden: its existence
        # is itself personal information.
        raise ConcealedRefusal("no such consent", code="not_found", field="consent")
    if consent.revoked_at is None:
        consent.revoked_at = clock.now()
        consent.revocation = Revocation.SUBJECT
        audit.record(
            session,
            clock,
            actor.audit(),
            "consent.revoke",
            target_type="subject",
            target_id=consent.subject_id,
            details={"consent_id": consent.id, "revocation": consent.revocation},
        )
    return consent


REASONS_MAX = 2000


def revoke_as_authority(
    session: Session, clock: Clock, actor: Actor, consent_id: int, reasons: str
) -> Consent:
    """The credit authority supervising the grantee (Art. 6; a district's, its own area's
    grantees, decision 0046) ends a consent it finds was not lawfully obtained — not
    written where Art. 11 ¶2 asks it, a service made conditional on it (Art. 27 ¶2) —,
    with its reasons: collection under it stops from the next batch on, as on the
    person's own revocation. Audited with the reasons, and in the person's access log
    (Art. 24), whose lists say the credit authority revoked it."""
    require(actor, Permission.SUPERVISE)
    reasons = texts.visible(reasons)
    if not reasons:
        raise InvalidInput("give the reasons", code="required", field="reasons")
    if len(reasons) > REASONS_MAX:
        raise InvalidInput(
            f"a reason is at most {REASONS_MAX} characters", code="too_long", field="reasons"
        )
    consent = session.get(Consent, consent_id, with_for_update=True, populate_existing=True)
    if consent is None or not area.in_own_area(session, actor, consent.grantee_organisation_id):
        raise ConcealedRefusal("no such consent", code="not_found", field="consent")
    if consent.revoked_at is not None:
        raise Conflict(
            "this consent is revoked already", code="consent_revoked_already", field="consent"
        )
    consent.revoked_at = clock.now()
    consent.revocation = Revocation.CREDIT_AUTHORITY
    from xinyong.disclosure import access

    subject = session.get(Subject, consent.subject_id)
    assert subject is not None
    logged = access.log_use(
        session,
        clock,
        actor,
        subject,
        path=LegalPath.OFFICIAL_DUTY,
        what=access.CONSENT_REVOKED,
        purpose=access.SUPERVISION_PURPOSE,
        consent_id=consent.id,
        chained=False,
    )
    audit.record(
        session,
        clock,
        actor.audit(),
        "consent.revoke",
        target_type="subject",
        target_id=consent.subject_id,
        details={
            "consent_id": consent.id,
            "revocation": consent.revocation,
            "reasons": reasons,
            **logged.details(),
        },
    )
    return consent


class Ended(Protocol):
    """What a consent and a written authorisation both say of their end."""

    # Read-only: an authorisation always has an end date, a consent may not.
    @property
    def revoked_at(self) -> dt.datetime | None: ...
    @property
    def revocation(self) -> str | None: ...
    @property
    def valid_until(self) -> dt.date | None: ...


ACTIVE = "active"
REVOKED = "revoked"
EXPIRED = "expired"
STATUSES = (ACTIVE, REVOKED, EXPIRED)

# Why a grant ended, as its person's lists and the supervision list say it (Art. 24).
REVOKED_BY_SUBJECT = "revoked_by_subject"
REVOKED_BY_CREDIT_AUTHORITY = "revoked_by_credit_authority"
REVOKED_GRANTEE_REGISTERED_AGAIN = "revoked_grantee_registered_again"
REVOKED_REASON_NOT_RECORDED = "revoked_reason_not_recorded"
END_REASONS = {
    Revocation.SUBJECT.value: REVOKED_BY_SUBJECT,
    Revocation.CREDIT_AUTHORITY.value: REVOKED_BY_CREDIT_AUTHORITY,
    Revocation.GRANTEE_REGISTERED_AGAIN.value: REVOKED_GRANTEE_REGISTERED_AGAIN,
}


def status_of(grant: Ended, today: dt.date) -> str:
    """Active, revoked, or expired (its last valid day passed unrevoked)."""
    if grant.revoked_at is not None:
        return REVOKED
    if grant.valid_until is not None and grant.valid_until < today:
        return EXPIRED
    return ACTIVE


def end_reason(grant: Ended, today: dt.date) -> str | None:
    """Why a grant ended (None while it is in force): revoked by the person, by the credit
    authority, by the system when its grantee was registered again — or it expired. A
    revocation from before its reason was kept, that the audit trail did not name
    (migration 0067), says so."""
    status = status_of(grant, today)
    if status == EXPIRED:
        return EXPIRED
    if status == REVOKED:
        return END_REASONS.get(grant.revocation or "", REVOKED_REASON_NOT_RECORDED)
    return None


def consents_of(session: Session, actor: Actor, subject_id: int) -> list[Consent]:
    require(actor, Permission.MANAGE_OWN_CONSENTS)
    if actor.subject_id != subject_id:
        raise PermissionDenied(
            "a subject sees only its own consents", code="not_own_subject", article="Art. 13"
        )
    subject = session.get(Subject, subject_id)
    if subject is not None:
        require_consenting_subject(subject)
    return list(
        session.scalars(
            select(Consent).where(Consent.subject_id == subject_id).order_by(Consent.id.desc())
        )
    )


def written_with_notice(granted: Iterable[Consent]) -> bool:
    """Whether one of these consents is written and recorded with the notice of the possible
    adverse consequences: what restricted information needs (Art. 11 ¶2)."""
    return any(c.written and c.adverse_consequences_notified for c in granted)


def restricted_problem(restricted: Sequence[str], granted: Iterable[Consent]) -> Problem | None:
    """Art. 11 ¶2 for restricted information about a natural person (``restricted``, the
    fields holding it), given the consents in force for the collecting organisation and
    the record type: refused, naming the first field, unless one is written with notice.
    The one rule for every way such information reaches a record — a row ingested, a
    correction after an objection (``objections.service.correct``)."""
    if not restricted or written_with_notice(granted):
        return None
    return Problem(
        "written_consent_required",
        f"{', '.join(restricted)} may be collected only with written consent "
        "after the person was told of the possible adverse consequences",
        restricted[0],
        "Art. 11 ¶2",
    )


def active_consents(
    session: Session,
    subject_ids: Iterable[int],
    grantee_id: int,
    record_type_code: str,
    today: dt.date,
) -> dict[int, list[Consent]]:
    """Consents in force today for the grantee covering the record type, by subject."""
    ids = list(set(subject_ids))
    found: dict[int, list[Consent]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for consent in session.scalars(
            select(Consent).where(
                Consent.subject_id.in_(ids[start : start + 500]),
                Consent.grantee_organisation_id == grantee_id,
                Consent.revoked_at.is_(None),
                Consent.valid_from <= today,
                or_(Consent.valid_until.is_(None), Consent.valid_until >= today),
            )
        ):
            if (
                ALL_TYPES in consent.record_type_codes
                or record_type_code in consent.record_type_codes
            ):
                found[consent.subject_id].append(consent)
    return found
