"""Written authorisations (书面授权, Art. 13 ¶3): the only way to non-public information
besides the subject itself and published query items. Revocation takes effect on the
very next request, because every read looks them up afresh."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Collection

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session

from xinyong import evidence_files, submitted_text, texts
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.calendar import add_years
from xinyong.catalog import service as catalog
from xinyong.clock import Clock
from xinyong.collection.models import Revocation
from xinyong.crypto import default_cipher
from xinyong.disclosure.models import Authorisation, AuthorisationForm, LegalPath
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound
from xinyong.institutions import register as institutions
from xinyong.subjects.models import Subject

EVIDENCE_KINDS = ("upload", "signed_in_page")
# Scopes beyond record types: a subject's list status and grade, read by financial
# institutions for risk pricing (Art. 19; see lists.risk). An authorisation naming no record
# type opens no file and no credit report (``access._by_authorisation``).
CREDIT_STATUS = "credit_status"
SPECIAL_SCOPES = frozenset({CREDIT_STATUS})
MAX_VALIDITY_YEARS = 3


def latest_end(today: dt.date) -> dt.date:
    """The last day an authorisation given today may run to: three years counted as the law
    counts them (民法典 Art. 201–202, ``calendar.add_years``), not 3 × 366 days, which let one
    run a day or two past them."""
    return add_years(today, MAX_VALIDITY_YEARS)


def grant(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    grantee: Organisation,
    record_type_codes: list[str],
    purpose: str,
    valid_until: dt.date,
    evidence_kind: str,
    evidence: str,
    service: str | None = None,
    service_not_conditional: bool = False,
) -> Authorisation:
    """The logged-in subject authorises an organisation, with evidence of the writing.

    To a credit service institution (Art. 26–27) only while it is active in the register,
    and only naming the service the subject receives with the subject's confirmation
    that the service is not conditional on this authorisation: an institution may not
    bundle its service with collecting the subject's information (Art. 27 ¶2;
    ``institutions.register.service_terms``, which consents to collection pass through
    too). This is the one place every authorisation passes through (API, page, demo), so
    the rule holds however it is granted."""
    require(actor, Permission.READ_OWN_FILE)
    assert actor.subject_id is not None
    service = institutions.service_terms(session, grantee, service, service_not_conditional)
    if not record_type_codes:
        raise InvalidInput(
            "name the record types the organisation may read", code="required", field="record_types"
        )
    for code in record_type_codes:
        if code not in SPECIAL_SCOPES:
            catalog.record_type_by_code(session, code)
    if (
        CREDIT_STATUS in record_type_codes
        and grantee.kind is not OrganisationKind.FINANCIAL_INSTITUTION
    ):
        # Credit status is read to price risk, which Art. 19 gives financial institutions
        # (``lists.risk`` reads it for no other organisation).
        raise InvalidInput(
            "only a financial institution may be authorised to read credit status, to price risk",
            code="credit_status_financial_institutions",
            field="record_types",
            article="Art. 19",
        )
    if texts.is_blank(purpose):
        raise InvalidInput(
            "state the purpose of the authorisation",
            code="required",
            field="purpose",
            article="Art. 13",
        )
    today = clock.today()
    # Read by the grantee and named in the subject's access log and reports (decision 0044,
    # session 19 addendum).
    submitted_text.refuse_personal_data({"purpose": purpose}, today=today)
    if valid_until < today:
        raise InvalidInput("the end date has passed", code="expired", field="valid_until")
    if valid_until > latest_end(today):
        raise InvalidInput(
            "an authorisation lasts at most three years", code="too_long", field="valid_until"
        )
    if evidence_kind not in EVIDENCE_KINDS or texts.is_blank(evidence):
        raise InvalidInput(
            "a written authorisation needs its evidence: an upload or a signature in the page",
            code="evidence_required",
            field="evidence",
            article="Art. 13 ¶3",
        )
    if evidence_kind == "upload":
        # Whatever route it came by, a stored file is the document it claims to be.
        evidence_files.check_base64(evidence, field="evidence")
    _refuse_same_in_force(
        session,
        today,
        subject_id=actor.subject_id,
        grantee_id=grantee.id,
        types=sorted(set(record_type_codes)),
        purpose=purpose.strip(),
        valid_until=valid_until,
        service=service,
    )
    authorisation = Authorisation(
        subject_id=actor.subject_id,
        grantee_organisation_id=grantee.id,
        record_type_codes=sorted(set(record_type_codes)),
        purpose=purpose.strip(),
        valid_until=valid_until,
        evidence_kind=evidence_kind,
        evidence_sha256=hashlib.sha256(evidence.encode()).hexdigest(),
        granted_at=clock.now(),
        service=service,
        service_not_conditional=True if service is not None else None,
    )
    session.add(authorisation)
    session.flush()
    keep_form(session, authorisation.id, evidence)
    audit.record(
        session,
        clock,
        actor.audit(),
        "authorisation.grant",
        target_type="subject",
        target_id=actor.subject_id,
        details={
            "authorisation_id": authorisation.id,
            "grantee": grantee.id,
            "types": authorisation.record_type_codes,
            "service": authorisation.service,
        },
    )
    return authorisation


def _refuse_same_in_force(
    session: Session,
    today: dt.date,
    *,
    subject_id: int,
    grantee_id: int,
    types: list[str],
    purpose: str,
    valid_until: dt.date,
    service: str | None,
) -> None:
    """The same authorisation given again while the first is in force — a form sent twice,
    a request retried — is refused, naming the one in force: a second row would be one
    more grant for the subject to find and revoke. Its evidence is not compared: a
    signature in the page carries the second it was signed at, so a double click differs
    there and nowhere else (decision 0044)."""
    for candidate in session.scalars(
        select(Authorisation)
        .where(
            Authorisation.subject_id == subject_id,
            Authorisation.grantee_organisation_id == grantee_id,
            Authorisation.revoked_at.is_(None),
            Authorisation.valid_until == valid_until,
            Authorisation.purpose == purpose,
        )
        .order_by(Authorisation.id)
    ):
        if list(candidate.record_type_codes) == types and candidate.service == service:
            raise Conflict(
                f"the same authorisation ({candidate.id}) is in force already",
                code="duplicate",
                field="grantee",
                article="Art. 13 ¶3",
                details={"authorisation_id": candidate.id},
            )


def form_context(authorisation_id: int) -> str:
    """The encryption context of an authorisation's signed writing: a ciphertext moved to
    another authorisation's row does not decrypt."""
    return f"authorisation_form:{authorisation_id}"


def keep_form(session: Session, authorisation_id: int, evidence: str) -> None:
    """The evidence, encrypted, in a table of its own (``AuthorisationForm``): it carries
    the person's name and signature (decision 0004), and a list of authorisations never
    loads it."""
    session.add(
        AuthorisationForm(
            authorisation_id=authorisation_id,
            ciphertext=default_cipher().encrypt(evidence, context=form_context(authorisation_id)),
        )
    )
    session.flush()


def evidence_of(session: Session, authorisation_id: int) -> str | None:
    """The evidence as given (base64 for an upload, the text signed in the page), decrypted;
    None when none is kept. Not audited: for the service's own reads (``signed_authorisation``
    is the one that serves it to a person)."""
    form = session.get(AuthorisationForm, authorisation_id)
    if form is None:
        return None
    return default_cipher().decrypt(form.ciphertext, context=form_context(authorisation_id))


def has_signed_form(session: Session, authorisation_ids: Collection[int]) -> set[int]:
    """Which of these authorisations keep their signed writing (a list links to it)."""
    ids = sorted(set(authorisation_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(AuthorisationForm.authorisation_id).where(
                AuthorisationForm.authorisation_id.in_(ids)
            )
        )
    )


def signed_form_kept() -> ColumnElement[bool]:
    """The authorisation keeps its signed writing, for a query over ``Authorisation``."""
    return exists().where(AuthorisationForm.authorisation_id == Authorisation.id)


def signed_authorisation(
    session: Session, clock: Clock, actor: Actor, authorisation_id: int
) -> evidence_files.StoredFile:
    """The written authorisation as the person signed it (Art. 13 ¶3): the uploaded
    document, or the authorisation's text signed in the page. For the person whose it is,
    and the credit authority supervising the grantee (Art. 33; a district's, in its own
    area — decision 0046), whose read is in the person's access log (Art. 24), naming the
    authorisation. Anyone else is answered as if it did not exist, a staff account without
    supervision refused; every read audited — as a consent's signed form is
    (``collection.consent.signed_form``)."""
    require(
        actor, Permission.READ_OWN_FILE if actor.subject_id is not None else Permission.SUPERVISE
    )
    authorisation = session.get(Authorisation, authorisation_id)
    # What the supervision list links (``signed_form_kept``); every authorisation given
    # keeps it (``grant``).
    form = session.get(AuthorisationForm, authorisation_id) if authorisation is not None else None
    if authorisation is None or form is None:
        raise NotFound("no such authorisation", code="not_found", field="authorisation")
    own = area.reads_as_its_person(
        session, actor, authorisation.subject_id, authorisation.grantee_organisation_id
    )
    if own is None:
        raise ConcealedRefusal("no such authorisation", code="not_found", field="authorisation")
    # Decrypted only once the reader is known to be allowed it.
    evidence = default_cipher().decrypt(form.ciphertext, context=form_context(authorisation.id))
    if authorisation.evidence_kind == "upload":
        content = base64.b64decode(evidence.strip())
        kind = evidence_files.kind_of(content)
        assert kind is not None  # checked when it was granted
        found = evidence_files.StoredFile(kind, content)
    else:
        found = evidence_files.StoredFile(evidence_files.SIGNED_TEXT, evidence.encode("utf-8"))
    if not own:
        from xinyong.disclosure import access

        subject = session.get(Subject, authorisation.subject_id)
        assert subject is not None
        access.log_use(
            session,
            clock,
            actor,
            subject,
            path=LegalPath.OFFICIAL_DUTY,
            what=access.AUTHORISATION_FORM,
            purpose=access.SUPERVISION_PURPOSE,
            authorisation_ids=[authorisation.id],
        )
    audit.record(
        session,
        clock,
        actor.audit(),
        "authorisation.form_read",
        target_type="subject",
        target_id=authorisation.subject_id,
        details={"authorisation_id": authorisation.id, "own": own},
    )
    return found


def revoke(session: Session, clock: Clock, actor: Actor, authorisation_id: int) -> Authorisation:
    require(actor, Permission.READ_OWN_FILE)
    # Locked and read afresh: a double click revokes once. The second finds it revoked
    # and changes nothing, where it would have moved the revocation time and audited a
    # second revocation.
    authorisation = session.get(
        Authorisation,
        authorisation_id,
        with_for_update={"of": Authorisation},
        populate_existing=True,
    )
    if authorisation is None:
        raise NotFound("no such authorisation", code="not_found", field="authorisation")
    if authorisation.subject_id != actor.subject_id:
        raise ConcealedRefusal("no such authorisation", code="not_found", field="authorisation")
    if authorisation.revoked_at is None:
        authorisation.revoked_at = clock.now()
        authorisation.revocation = Revocation.SUBJECT
        audit.record(
            session,
            clock,
            actor.audit(),
            "authorisation.revoke",
            target_type="subject",
            target_id=authorisation.subject_id,
            details={"authorisation_id": authorisation.id, "revocation": Revocation.SUBJECT},
        )
    return authorisation


def of_subject(session: Session, actor: Actor) -> list[Authorisation]:
    require(actor, Permission.READ_OWN_FILE)
    return list(
        session.scalars(
            select(Authorisation)
            .where(Authorisation.subject_id == actor.subject_id)
            .order_by(Authorisation.id.desc())
        )
    )


def _in_force_for(organisation_id: int, today: dt.date) -> ColumnElement[bool]:
    return and_(
        Authorisation.grantee_organisation_id == organisation_id,
        Authorisation.revoked_at.is_(None),
        Authorisation.valid_until >= today,
    )


def in_force(
    session: Session, subject_id: int, organisation_id: int, today: dt.date
) -> list[Authorisation]:
    """The organisation's authorisations from this subject that are in force today, oldest
    first (so the access log lists them in a stable order)."""
    return list(
        session.scalars(
            select(Authorisation)
            .where(Authorisation.subject_id == subject_id, _in_force_for(organisation_id, today))
            .order_by(Authorisation.id)
        )
    )


def record_types_of(authorisation: Authorisation) -> list[str]:
    """The record types an authorisation names (not its other scopes): what it opens of
    the subject's file beyond what is public."""
    return [code for code in authorisation.record_type_codes if code not in SPECIAL_SCOPES]


def ids_in_force(
    session: Session, subject_ids: Collection[int], organisation_id: int, today: dt.date
) -> set[int]:
    """Which of the organisation's authorisations from these subjects are in force today."""
    if not subject_ids:
        return set()
    return set(
        session.scalars(
            select(Authorisation.id).where(
                Authorisation.subject_id.in_(subject_ids), _in_force_for(organisation_id, today)
            )
        )
    )
