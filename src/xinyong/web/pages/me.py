"""A subject's own pages: the landing page, consents to collection (Art. 11), and
self-declarations and credit commitments (Art. 10 ¶2, Art. 21)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Sensitivity
from xinyong.clock import Clock
from xinyong.collection import consent, records
from xinyong.collection.models import CreditRecord
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.institutions import register
from xinyong.publicity import consent as naming_consent
from xinyong.subjects.models import Subject
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import GRANT_END_LABELS, N_
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    parse_date,
    refused,
    render_form,
)
from xinyong.web.pages.institutions import filed_services_offered
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)

# The bodies that accept credit commitments (records.make_commitment).
ACCEPTING_KINDS = (OrganisationKind.STATE_ORGAN, OrganisationKind.PUBLIC_FUNCTION_ORGANISATION)


def _own_subject(session: Session, actor: Actor, permission: Permission) -> Subject:
    require(actor, permission)
    subject = session.get(Subject, actor.subject_id) if actor.subject_id else None
    if subject is None:
        raise PermissionDenied(
            "only a subject's own account has these pages", code="not_subject", article="Art. 13"
        )
    return subject


@router.get("/me", response_class=HTMLResponse)
def me_home(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    subject = _own_subject(session, actor, Permission.READ_OWN_FILE)
    return render(
        request,
        "me_home.html",
        {
            "subject": subject,
            "naming_requests": naming_consent.awaiting_answer(session, actor),
            "account_events": accounts.account_history(session, actor),
            **page_helpers(request),
        },
    )


# --- consents (Art. 11) -------------------------------------------------------------------

# Given with a consent to a credit service institution (Art. 27 ¶2), as with an authorisation.
CONSENT_NOT_CONDITIONAL = N_(
    "The institution's service is not conditional on this consent: I was not required to "
    "consent to the collection of my information to receive it (Art. 27)."
)


def _consenting_subject(session: Session, actor: Actor) -> Subject:
    """The account's own subject, a natural person: an organisation's account is told that
    consent to collection is a natural person's (Art. 11 ¶1) and is not offered the page."""
    subject = _own_subject(session, actor, Permission.MANAGE_OWN_CONSENTS)
    consent.require_consenting_subject(subject)
    return subject


def _render_consents(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    state: FormState = BLANK,
) -> HTMLResponse:
    rules = catalog.list_record_types(session)
    # Consent matters for types kept about natural persons that are not public by law
    # (¶1), or that hold restricted fields, which need written consent even then (¶2).
    offered = [
        rule
        for rule in rules
        if "natural_person" in rule.definition.subject_kinds
        and not rule.definition.self_declared
        and (
            not rule.definition.public_by_law_for_natural_persons
            or any(spec.sensitivity is Sensitivity.RESTRICTED for spec in rule.definition.fields)
        )
    ]
    submitters = {kind for rule in offered for kind in rule.definition.submitter_kinds}
    organisations = accounts.list_organisations(session)
    grantees = [org for org in organisations if org.active and org.kind.value in submitters]
    given = consent.consents_of(session, actor, subject.id)
    return render_form(
        request,
        "me_consents.html",
        {
            **page_helpers(request),
            "subject": subject,
            "consents": given,
            "signed_forms": consent.has_signed_form(session, [c.id for c in given]),
            # Why each one that ended did (Art. 24): the person's own, or another's act.
            "end_reasons": {c.id: consent.end_reason(c, clock.today()) for c in given},
            "grant_end_labels": GRANT_END_LABELS,
            "outside_register": register.outside_register(
                session, {c.grantee_organisation_id for c in given}
            ),
            "offered": offered,
            "rules_by_code": {rule.definition.code: rule for rule in rules},
            "grantees": grantees,
            "organisations": {org.id: org for org in organisations},
            "all_types": consent.ALL_TYPES,
            "not_conditional": CONSENT_NOT_CONDITIONAL,
            "filed_services": filed_services_offered(session, grantees),
        },
        state,
    )


@router.get("/me/consents", response_class=HTMLResponse)
def consents_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    subject = _consenting_subject(session, actor)
    return _render_consents(
        request, session, clock, actor, subject, announced(done, "granted", "revoked")
    )


def _organisation(session: Session, code: str, field: str) -> Organisation:
    if not code.strip():
        raise InvalidInput("choose an organisation", code="required", field=field)
    return accounts.organisation_by_code(session, code, field=field)


@router.post("/me/consents", response_class=HTMLResponse)
def grant_consent(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    grantee: Annotated[str, Form(max_length=40)] = "",
    record_types: Annotated[list[str] | None, Form()] = None,
    written: Annotated[bool, Form()] = False,
    adverse_consequences_notified: Annotated[bool, Form()] = False,
    valid_until: Annotated[str, Form(max_length=20)] = "",
    service: Annotated[str, Form(max_length=200)] = "",
    service_not_conditional: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    subject = _consenting_subject(session, actor)
    try:
        until = parse_date(valid_until, "valid_until")
        consent.grant(
            session,
            clock,
            actor,
            subject=subject,
            grantee=_organisation(session, grantee, "grantee"),
            record_type_codes=list(record_types or []),
            written=written,
            adverse_consequences_notified=adverse_consequences_notified,
            valid_until=until,
            service=service or None,
            service_not_conditional=service_not_conditional,
        )
    except (InvalidInput, Conflict) as exc:
        form = {
            "grantee": grantee,
            "record_types": record_types or [],
            "written": written,
            "adverse_consequences_notified": adverse_consequences_notified,
            "valid_until": valid_until,
            "service": service,
            "service_not_conditional": service_not_conditional,
        }
        return _render_consents(
            request, session, clock, actor, subject, refused(session, exc, form)
        )
    return RedirectResponse("/me/consents?done=granted", status_code=303)


@router.post("/me/consents/{consent_id}/revoke")
def revoke_consent(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    consent_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Revocation stops collection under this consent from the next batch on."""
    check_csrf(request, csrf_token)
    consent.revoke(session, clock, actor, consent_id)
    return RedirectResponse("/me/consents?done=revoked", status_code=303)


# --- self-declarations and credit commitments (Art. 10 ¶2, Art. 21) -----------------------


def _accepting_units(session: Session) -> list[Organisation]:
    return [
        org
        for org in accounts.list_organisations(session)
        if org.active and org.kind in ACCEPTING_KINDS
    ]


def _render_declarations(
    request: Request,
    session: Session,
    state: FormState = BLANK,
    *,
    error_form: str | None = None,
    declared: CreditRecord | None = None,
    committed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Two forms on one page: ``error_form`` says which one ``state`` is about."""
    return render_form(
        request,
        "me_declarations.html",
        {
            **page_helpers(request),
            "units": _accepting_units(session),
            "declared": declared,
            "committed": committed,
            "error_form": error_form,
        },
        state,
    )


@router.get("/me/declarations", response_class=HTMLResponse)
def declarations_page(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    _own_subject(session, actor, Permission.DECLARE_OWN)
    return _render_declarations(request, session)


@router.post("/me/declarations", response_class=HTMLResponse)
def declare(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    title: Annotated[str, Form(max_length=200)] = "",
    content: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    try:
        record = records.declare(session, clock, actor, title=title, content=content)
    except (InvalidInput, Conflict) as exc:
        form = {"title": title, "content": content}
        return _render_declarations(
            request, session, refused(session, exc, form), error_form="declaration"
        )
    return _render_declarations(request, session, declared=record)


@router.post("/me/commitments", response_class=HTMLResponse)
def make_commitment(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    commitment_type: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    text: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    accepting_unit: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    check_csrf(request, csrf_token)
    form = {
        "commitment_type": commitment_type,
        "reason": reason,
        "text": text,
        "accepting_unit": accepting_unit,
    }
    try:
        unit = _organisation(session, accepting_unit, "accepting_unit")
        record = records.make_commitment(
            session,
            clock,
            actor,
            commitment_type=commitment_type,
            reason=reason,
            text=text,
            accepting_unit=unit,
        )
    except (InvalidInput, Conflict) as exc:
        return _render_declarations(
            request, session, refused(session, exc, form), error_form="commitment"
        )
    committed = {"record": record, "unit": unit.name, "type": commitment_type}
    return _render_declarations(request, session, committed=committed)
