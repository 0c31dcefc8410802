"""A grantee records a written consent it holds on paper, with its evidence (Art. 11), as
``POST /api/v1/consents`` does: staff who submit records, for their own organisation.
The subject is named in the form body by the ID number on the signed form (never in the
URL, never shown again); refusals are shown on the form with their article. Only a natural
person gives consent to collection (Art. 11 ¶1), so the form offers no organisation to name:
the API still refuses one (``not_natural_person``). A person not on the platform yet is
registered with the name on the form (``consent.NewPerson``). A credit service institution
also names the service and confirms it is not conditional on the consent, and uploads the
signed form that says so (Art. 27 ¶2)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import evidence_files
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Sensitivity
from xinyong.collection import consent, sources
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.institutions import register
from xinyong.web import inputs
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import N_
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    parse_date,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

# As an authorisation's uploaded evidence (``pages.credit``).
MAX_EVIDENCE_BYTES = 1_500_000

PAGE = "/consents"
NOT_CONDITIONAL_DECLARATION = N_(
    "The person confirmed in the signed consent that our service is not conditional on this "
    "consent: the person was not required to consent to the collection of their information "
    "to receive it (Art. 27)."
)


def _grantee(session: Session, actor: Actor) -> Organisation:
    """The organisation the consent is given to: always the recording staff's own."""
    require(actor, Permission.SUBMIT_RECORDS)
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    if organisation is None:
        raise PermissionDenied(
            "only an organisation records consents it obtained",
            code="no_organisation",
            article="Art. 11",
        )
    return organisation


def _uploaded_form(upload: UploadFile | None) -> str | None:
    """The signed consent form a credit service institution uploads (Art. 27 ¶2), as base64;
    checked by its content in ``consent.record_held``."""
    if upload is None or not upload.filename:
        return None
    content = upload.file.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            "the file is larger than 1.5 MB", code="too_large", field="evidence_document"
        )
    evidence_files.check(
        content,
        field="evidence_document",
        filename=upload.filename,
        media_type=upload.content_type,
        article="Art. 27 ¶2",
    )
    return base64.b64encode(content).decode("ascii")


def _render(
    request: Request, session: Session, grantee: Organisation, state: FormState = BLANK
) -> HTMLResponse:
    # The types a consent matters for (Art. 11 ¶1, ¶2): kept about natural persons and not
    # public by law, or holding restricted fields; and on this organisation's
    # responsibility list (consent.grant refuses any other).
    own = set(sources.responsibilities(session, grantee.id))
    offered = [
        rule
        for rule in catalog.list_record_types(session)
        if "natural_person" in rule.definition.subject_kinds
        and not rule.definition.self_declared
        and rule.definition.code in own
        and (
            not rule.definition.public_by_law_for_natural_persons
            or any(spec.sensitivity is Sensitivity.RESTRICTED for spec in rule.definition.fields)
        )
    ]
    context: dict[str, Any] = {
        **page_helpers(request),
        "grantee": grantee,
        "institution": grantee.kind is OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        "filed_services": register.services_of_active(session).get(grantee.code or "", []),
        "not_conditional": NOT_CONDITIONAL_DECLARATION,
        "offered": offered,
        "restricted": {
            rule.definition.code
            for rule in offered
            if any(spec.sensitivity is Sensitivity.RESTRICTED for spec in rule.definition.fields)
        },
    }
    return render_form(request, "consents_record.html", context, state)


@router.get(PAGE, response_class=HTMLResponse)
def record_consent_form(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render(request, session, _grantee(session, actor), announced(done, "recorded"))


@router.post(PAGE, response_class=HTMLResponse)
@inputs.beside_form
def record_consent(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    citizen_id: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    record_types: Annotated[list[str] | None, Form()] = None,
    written: Annotated[bool, Form()] = False,
    adverse_consequences_notified: Annotated[bool, Form()] = False,
    evidence: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    valid_until: Annotated[str, Form(max_length=20)] = "",
    service: Annotated[str, Form(max_length=200)] = "",
    service_not_conditional: Annotated[bool, Form()] = False,
    evidence_document: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    grantee = _grantee(session, actor)
    try:
        inputs.refuse_held(request)
        until = parse_date(valid_until, "valid_until")
        document = _uploaded_form(evidence_document)
        consent.record_held(
            session,
            clock,
            actor,
            grantee=grantee,
            citizen_id=citizen_id,
            name=name,
            record_type_codes=list(record_types or []),
            written=written,
            adverse_consequences_notified=adverse_consequences_notified,
            evidence=evidence.strip() or None,
            valid_until=until,
            service=service or None,
            service_not_conditional=service_not_conditional,
            evidence_document=document,
        )
    except (InvalidInput, NotFound, Conflict) as exc:
        # The ID number is not typed back; the name is, as on the signed consent, so that
        # only the number is typed again. No rollback: record_held refuses before it
        # writes (a new person is registered only once every term passed), and a lookup by
        # ID number — made only once every other term passed — stays audited and in a
        # found person's access log whatever the outcome.
        form = {
            "name": name,
            "record_types": record_types or [],
            "written": written,
            "adverse_consequences_notified": adverse_consequences_notified,
            "evidence": evidence,
            "valid_until": valid_until,
            "service": service,
            "service_not_conditional": service_not_conditional,
        }
        return _render(request, session, grantee, FormState.after(exc, form, status_code=422))
    return RedirectResponse(f"{PAGE}?done=recorded", status_code=303)


@router.get("/consents/{consent_id}/signed-form")
def signed_form(
    consent_id: RowId, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> Response:
    """The signed consent form a credit service institution uploaded (Art. 27 ¶2): for the
    person whose consent it is and the credit authority supervising the institution (whose
    read is in the person's access log)."""
    found = consent.signed_form(session, clock, actor, consent_id)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )


@router.post("/supervision/consents/{consent_id}/revoke")
def revoke_as_authority(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    consent_id: RowId,
    reasons: Annotated[str, Form(max_length=consent.REASONS_MAX)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The credit authority ends a consent not lawfully obtained, with its reasons, from a
    row of its list of supervised consents (``consent.revoke_as_authority``); a refusal
    (no reasons, revoked already) is shown with its code."""
    check_csrf(request, csrf_token)
    consent.revoke_as_authority(session, clock, actor, consent_id, reasons)
    return RedirectResponse("/supervision/consents?status=revoked", status_code=303)
