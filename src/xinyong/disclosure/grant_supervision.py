"""The credit authority's list of the grants persons gave organisations (Art. 6, 27 ¶2, 33):
consents to collection (Art. 11) and written authorisations (Art. 13 ¶3), one kind a page.

The city's credit authority sees every grant; a district's, the grants to the organisations
of its own district (decision 0046: a grant is in an area through its grantee, the
organisation supervised). Filtered by grantee, scope (a record type, matched by a grant
naming it or all types), status (in force, revoked, expired), whether it keeps its signed
writing (a consent's signed form; an authorisation's evidence, an upload or the text signed
in the page), and the day it was given (China time); newest first, a page at a time, with how many there are in all.

Each row names its person — name, reference, ID number masked — and what the person
allowed whom: non-public information about the person. So a page listed is a use of it
(rules.md: every read of non-public data is audited): one entry in the access log of each
person shown (Art. 24), on the authority's official duty for supervision, and one audit
event naming the grants shown and the filters, never the persons' data — as a queue of
cases is (``access.log_case_queue``). A page that shows nobody logs nobody and is still
audited. The signed form itself is read, and logged, only when opened
(``collection.consent.signed_form``, ``authorisations.signed_authorisation``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.clock import CHINA, Clock
from xinyong.collection import consent as consents
from xinyong.collection.models import Consent, ConsentForm, ConsentRecordType
from xinyong.disclosure import access, authorisations, supervision
from xinyong.disclosure.models import Authorisation, AuthorisationRecordType, LegalPath
from xinyong.errors import InvalidInput, NotFound
from xinyong.subjects.models import Subject

CONSENT = "consent"
AUTHORISATION = "authorisation"
KINDS = (CONSENT, AUTHORISATION)
PER_PAGE = 50
MAX_LISTED = 200
# Far enough for any real list; a bound, so that nobody pages the table by brute force.
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class Filters:
    """What the authority asks for; every one optional but the kind."""

    kind: str = CONSENT
    grantee: str | None = None  # the grantee's code
    scope: str | None = None  # a record type code (or an authorisation's special scope)
    status: str | None = None  # consents.ACTIVE, REVOKED, EXPIRED
    signed_form: bool | None = None
    since: dt.date | None = None  # given on or after (China time)
    until: dt.date | None = None  # given on or before

    def as_dict(self) -> dict[str, Any]:
        """As the audit event names them: codes and dates, no person."""
        return {
            "kind": self.kind,
            "grantee": self.grantee,
            "scope": self.scope,
            "status": self.status,
            "signed_form": self.signed_form,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


@dataclass(frozen=True)
class SupervisedGrant:
    """One grant as the authority reads it."""

    kind: str
    id: int
    subject_id: int
    subject_reference: str
    subject_name: str
    citizen_id_masked: str | None
    grantee_organisation_id: int
    grantee_code: str
    grantee_name: str
    record_type_codes: list[str]
    written: bool | None  # a consent's; an authorisation is written by definition
    adverse_consequences_notified: bool | None
    purpose: str | None  # an authorisation's
    service: str | None
    valid_from: dt.date | None
    valid_until: dt.date | None
    granted_at: dt.datetime
    revoked_at: dt.datetime | None
    status: str
    end_reason: str | None
    signed_form: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "subject": {
                "reference": self.subject_reference,
                "name": self.subject_name,
                "citizen_id_masked": self.citizen_id_masked,
            },
            "grantee": {"code": self.grantee_code, "name": self.grantee_name},
            "record_types": self.record_type_codes,
            "written": self.written,
            "adverse_consequences_notified": self.adverse_consequences_notified,
            "purpose": self.purpose,
            "service": self.service,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "granted_at": self.granted_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "status": self.status,
            "end_reason": self.end_reason,
            "signed_form": (
                f"/api/v1/{self.kind}s/{self.id}/signed-form" if self.signed_form else None
            ),
        }


@dataclass(frozen=True)
class GrantPage:
    items: list[SupervisedGrant]
    total: int
    limit: int
    offset: int

    @property
    def more(self) -> bool:
        return self.offset + len(self.items) < self.total


def _checked(session: Session, filters: Filters, limit: int, offset: int) -> Filters:
    if filters.kind not in KINDS:
        raise InvalidInput("kind is consent or authorisation", code="invalid_choice", field="kind")
    if filters.status is not None and filters.status not in consents.STATUSES:
        raise InvalidInput(
            "status is active, revoked or expired", code="invalid_choice", field="status"
        )
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidInput(f"limit is from 1 to {MAX_LISTED}", code="out_of_range", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset is from 0 to {MAX_OFFSET}", code="out_of_range", field="offset")
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("since is after until", code="invalid_period", field="since")
    scope = (filters.scope or "").strip() or None
    if (
        scope is not None
        and scope != consents.ALL_TYPES
        and scope not in authorisations.SPECIAL_SCOPES
    ):
        try:
            catalog.record_type_by_code(session, scope)
        except NotFound:
            raise NotFound(
                f"no record type {scope!r} in the catalog",
                code="unknown_record_type",
                field="scope",
            ) from None
    grantee = (filters.grantee or "").strip().upper() or None
    return Filters(
        kind=filters.kind,
        grantee=grantee,
        scope=scope,
        status=filters.status,
        signed_form=filters.signed_form,
        since=filters.since,
        until=filters.until,
    )


def _instant(day: dt.date) -> dt.datetime:
    """The start of a day in China; a day beyond the platform's days (year 1, 9999) is the
    nearest it keeps — no grant lies beyond them, and its instant would overflow."""
    day = min(max(day, supervision.EARLIEST_DAY), supervision.LATEST_DAY)
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA)


def _naming(model: type[Consent] | type[Authorisation], codes: list[str]) -> Any:
    """The grant names one of ``codes`` exactly: a row of its named types (migration 0072),
    found through their index, never its JSON list matched as text."""
    if model is Consent:
        return exists().where(
            ConsentRecordType.consent_id == Consent.id,
            ConsentRecordType.record_type_code.in_(codes),
        )
    return exists().where(
        AuthorisationRecordType.authorisation_id == Authorisation.id,
        AuthorisationRecordType.record_type_code.in_(codes),
    )


def supervised_grants(
    session: Session,
    clock: Clock,
    actor: Actor,
    filters: Filters,
    *,
    limit: int = PER_PAGE,
    offset: int = 0,
) -> GrantPage:
    """A page of the grants the actor supervises (its own area's grantees), filtered,
    newest first — logged for every person shown and audited (module docstring)."""
    require(actor, Permission.SUPERVISE)
    filters = _checked(session, filters, limit, offset)
    model: type[Consent] | type[Authorisation] = (
        Consent if filters.kind == CONSENT else Authorisation
    )
    today = clock.today()
    form = exists().where(ConsentForm.consent_id == Consent.id)
    query = (
        select(model, Subject, Organisation)
        .join(Subject, Subject.id == model.subject_id)
        .join(Organisation, Organisation.id == model.grantee_organisation_id)
        .where(area.area_filter(session, actor, model.grantee_organisation_id))
    )
    if filters.grantee is not None:
        query = query.where(Organisation.code == filters.grantee)
    if filters.scope is not None:
        # A consent to all types covers the one asked for.
        codes = sorted({filters.scope, consents.ALL_TYPES} if model is Consent else {filters.scope})
        query = query.where(_naming(model, codes))
    if filters.status == consents.REVOKED:
        query = query.where(model.revoked_at.is_not(None))
    elif filters.status == consents.EXPIRED:
        query = query.where(model.revoked_at.is_(None), model.valid_until < today)
    elif filters.status == consents.ACTIVE:
        query = query.where(
            model.revoked_at.is_(None),
            or_(model.valid_until.is_(None), model.valid_until >= today),
        )
    if filters.signed_form is not None:
        if model is Consent:
            query = query.where(form if filters.signed_form else ~form)
        else:
            # An authorisation's is its evidence (an upload or the text signed in the page),
            # which every one given keeps (``authorisations.grant``).
            signed = _signed_authorisation()
            query = query.where(signed if filters.signed_form else ~signed)
    if filters.since is not None:
        query = query.where(model.granted_at >= _instant(filters.since))
    if filters.until is not None:
        last = min(filters.until, supervision.LATEST_DAY)
        query = query.where(model.granted_at < _instant(last + dt.timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = cast_rows(
        session.execute(
            query.order_by(model.granted_at.desc(), model.id.desc()).limit(limit).offset(offset)
        ).all()
    )
    with_form = (consents.has_signed_form if model is Consent else authorisations.has_signed_form)(
        session, [grant.id for grant, _s, _o in found]
    )
    items = [
        _out(filters.kind, grant, subject, grantee, today, with_form)
        for grant, subject, grantee in found
    ]
    _log_listed(session, clock, actor, filters, items, total=total, offset=offset)
    return GrantPage(items, total, limit, offset)


def _signed_authorisation() -> Any:
    """The authorisation keeps its signed writing: what ``signed_authorisation`` serves."""
    return authorisations.signed_form_kept()


def cast_rows(rows: Any) -> list[tuple[Consent | Authorisation, Subject, Organisation]]:
    """The rows as typed: the model is chosen at run time, so the checker sees a ``Base``."""
    return [(grant, subject, grantee) for grant, subject, grantee in rows]


def _out(
    kind: str,
    grant: Consent | Authorisation,
    subject: Subject,
    grantee: Organisation,
    today: dt.date,
    with_form: set[int],
) -> SupervisedGrant:
    return SupervisedGrant(
        kind=kind,
        id=grant.id,
        subject_id=subject.id,
        subject_reference=subject.reference,
        subject_name=subject.name,
        citizen_id_masked=subject.citizen_id_masked,
        grantee_organisation_id=grantee.id,
        grantee_code=grantee.code,
        grantee_name=grantee.name,
        record_type_codes=list(grant.record_type_codes),
        written=grant.written if isinstance(grant, Consent) else None,
        adverse_consequences_notified=(
            grant.adverse_consequences_notified if isinstance(grant, Consent) else None
        ),
        purpose=grant.purpose if isinstance(grant, Authorisation) else None,
        service=grant.service,
        valid_from=grant.valid_from if isinstance(grant, Consent) else None,
        valid_until=grant.valid_until,
        granted_at=grant.granted_at,
        revoked_at=grant.revoked_at,
        status=consents.status_of(grant, today),
        end_reason=consents.end_reason(grant, today),
        signed_form=grant.id in with_form,
    )


def _log_listed(
    session: Session,
    clock: Clock,
    actor: Actor,
    filters: Filters,
    items: list[SupervisedGrant],
    *,
    total: int,
    offset: int,
) -> None:
    """Each person shown, once, in its access log (Art. 24), on the authority's official
    duty of supervision, naming the consent when the entry is about one; one audit event
    for the page, with the grants' ids and the filters."""
    logged_details: dict[str, Any] = {}
    shown = sorted({item.subject_id for item in items})
    if shown:
        logged = access.log_uses(
            session,
            clock,
            actor,
            [access.Use(subject_id) for subject_id in shown],
            path=LegalPath.OFFICIAL_DUTY,
            what=access.GRANTS_LISTED,
            purpose=access.SUPERVISION_PURPOSE,
            chained=False,
        )
        logged_details = logged.details()
    audit.record(
        session,
        clock,
        actor.audit(),
        f"{filters.kind}.supervision_list",
        target_type=filters.kind,
        target_id=None,
        details={
            "filters": filters.as_dict(),
            "offset": offset,
            "total": total,
            "shown": [item.id for item in items],
            **logged_details,
        },
    )
