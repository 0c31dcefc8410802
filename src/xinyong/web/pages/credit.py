"""The "my credit" pages: a subject's own file with its sources and change history, its reports,
who looked at it, and the written authorisations it gave (Art. 13, 24).

Every page here reads through ``disclosure.access`` on the *self* path, so the subject's
own reads are logged like anybody else's. Reports are issued by POST (a CSRF-protected
form): issuing one writes a numbered report and counts against the free allowance.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong import evidence_files
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.clock import CHINA, Clock
from xinyong.collection import consent, registration_names
from xinyong.disclosure import access, authorisations, reports, retention
from xinyong.disclosure.models import Authorisation, LegalPath
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.institutions import register
from xinyong.lists import measures
from xinyong.objections import names as name_objections
from xinyong.repair import cases as repair_cases
from xinyong.subjects.models import Subject
from xinyong.web.api.disclosure import read_limits, report_settings, signed_document
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.i18n import translations
from xinyong.web.labels import GRANT_END_LABELS, matter_names
from xinyong.web.pages.collection import N_
from xinyong.web.pages.disclosure import (
    QUERYING_KINDS,
    disclosure_helpers,
    record_items,
    render_issued_reports,
    same_report_pdf,
    show_issued,
    type_names,
)
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
from xinyong.web.pages.rendering import check_csrf, locale_of, render
from xinyong.web.report_output import report_response

router = APIRouter(include_in_schema=False)

# The API takes evidence up to 2,000,000 characters of base64: about 1.5 MB of file.
MAX_EVIDENCE_BYTES = 1_500_000
# Shown above the signature box, and stored word for word in the evidence.
AUTHORISATION_DECLARATION = N_(
    "I authorise the organisation chosen above to query my credit information of the "
    "record types ticked above, for the stated purpose only, until the date given above. "
    "I know that it may read information about me that is not public, that every read is "
    "recorded and shown to me, and that I may revoke this authorisation at any time, with "
    "effect from its next query (Art. 13 ¶3)."
)
# Signed with an authorisation to a credit service institution (Art. 27 ¶2).
SERVICE_LABEL = N_("Service")
NOT_CONDITIONAL_DECLARATION = N_(
    "The institution's service is not conditional on this authorisation: I was not required "
    "to authorise the collection of my information to receive it (Art. 27)."
)


def _own_subject(session: Session, actor: Actor) -> Subject:
    require(actor, Permission.READ_OWN_FILE)
    subject = session.get(Subject, actor.subject_id) if actor.subject_id else None
    if subject is None:
        raise PermissionDenied(
            "only a subject's own account has these pages", code="not_subject", article="Art. 13"
        )
    return subject


def _free_reports_used(
    session: Session, subject: Subject, clock: Clock, allowance: int
) -> int | None:
    """Free reports a natural person used this year (rules.md: at least 2 a year), as the
    reports themselves count them (``reports.free_reports_used``: China's calendar year);
    ``allowance``: ``XINYONG_FREE_REPORTS_PER_YEAR``."""
    if subject.is_organisation:
        return None
    return min(reports.free_reports_used(session, subject.id, clock.today().year), allowance)


# --- the file and its reports -----------------------------------------------------------------


def _repairable(session: Session, actor: Actor) -> dict[int, int | None]:
    """Each record the subject may apply to repair, with the case open on it (None: none);
    not one under objection, which is decided first (Art. 25)."""
    return {
        r.record.id: r.pending_case
        for r in repair_cases.repairable_records(session, actor)
        if not r.under_objection
    }


@router.get("/me/credit", response_class=HTMLResponse)
def my_credit(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    as_of: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The whole file on the self path (logged), every record with its source unit, status,
    publicity, and its change history with reasons (Art. 24); or as it stood on a date."""
    subject = _own_subject(session, actor)
    day = parse_date(as_of, "as_of")
    access.check_as_of(day, clock.today())
    granted = access.open_file(session, clock, actor, subject, what="file")
    views = granted.file(session, clock, as_of=day)
    english = locale_of(request) == "en"
    free_allowance = app_context(request).settings.free_reports_per_year
    return render(
        request,
        "credit_file.html",
        {
            **disclosure_helpers(request),
            "subject": subject,
            "as_of": day.isoformat() if day else "",
            "today": clock.today().isoformat(),
            "records": record_items(views, locale=locale_of(request)),
            # Negative public records still used, today: each links to the repair
            # application (Art. 20-21; market records are not repaired here), or to the
            # application already being handled (a second one is refused, Art. 21).
            "repairable": {} if day is not None else _repairable(session, actor),
            # The repair application each commitment was linked to: the subject's own file
            # says which record it was for; the public one does not (Art. 13 ¶3).
            "repair_links": repair_cases.repair_links(session, actor),
            # Records deleted after their retention period: the subject's own eyes only.
            "deleted": retention.deleted_records(session, subject),
            # The name's changes with their reasons, and the names borne before (Art. 24).
            "name_changes": name_objections.changes_of(session, subject),
            "former_names": name_objections.former_names(subject),
            # An organisation's changes of name by its registration records, with their
            # sources (decision 0050, review r12 addendum).
            "registration_name_changes": registration_names.changes_of(session, subject)
            if subject.is_organisation
            else [],
            "english": english,
            "free_used": _free_reports_used(session, subject, clock, free_allowance),
            "free_allowance": free_allowance,
        },
    )


def _own_report(
    request: Request, session: Session, clock: Clock, actor: Actor, as_of: str, fmt: str
) -> Response:
    subject = _own_subject(session, actor)
    issued = reports.issue(
        session,
        clock,
        actor,
        subject,
        as_of=parse_date(as_of, "as_of"),
        limits=read_limits(request),
        shown_later=fmt == "html",
        **report_settings(request),
    )
    if fmt == "html":
        # Shown at its own address: reloading the page or coming back to it shows this
        # report, where resending the form would issue another one and use another free
        # report. The page offers the PDF of this same report.
        return show_issued(request, issued)
    return report_response(
        issued.content, fmt, pdf_url=same_report_pdf(issued), locale=locale_of(request)
    )


@router.post("/me/credit/report")
def my_report_html(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    as_of: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A numbered report as an HTML page (its free-report count printed on it)."""
    check_csrf(request, csrf_token)
    return _own_report(request, session, clock, actor, as_of, "html")


@router.post("/me/credit/report.pdf")
def my_report_pdf(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    as_of: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The same report as a PDF with an embedded CJK font."""
    check_csrf(request, csrf_token)
    return _own_report(request, session, clock, actor, as_of, "pdf")


@router.get("/me/reports", response_class=HTMLResponse)
def my_issued_reports(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The reports the subject was issued about itself, to open or download again without
    using another free report."""
    _own_subject(session, actor)
    back = ("/me/credit", translations(locale_of(request)).gettext("My credit file"))
    return render_issued_reports(request, session, clock, actor, offset=offset, back=back)


# --- who looked at my file (Art. 24) --------------------------------------------------------


def _render_access_log(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    revealed: dict[int, str] | None = None,
    revealed_checks: dict[int, str] | None = None,
    own: bool = False,
) -> HTMLResponse:
    subject = _own_subject(session, actor)
    locale = locale_of(request)
    entries = access.access_log(session, actor)
    # The subject's own reads (each visit to "my credit", each own report) would push the
    # organisations' reads out of sight: hidden unless asked for, and counted.
    own_reads = sum(1 for entry in entries if entry.legal_path == LegalPath.SELF.value)
    if not own:
        entries = [entry for entry in entries if entry.legal_path != LegalPath.SELF.value]
    return render(
        request,
        "credit_access_log.html",
        {
            **disclosure_helpers(request),
            "subject": subject,
            "entries": entries,
            "own_reads": own_reads,
            "showing_own": own,
            "type_names": type_names(session, locale=locale_of(request)),
            "revealed": revealed or {},
            "revealed_checks": revealed_checks or {},
            # Joint checks (Art. 14–19): the matter in the page's language.
            "matter_names": matter_names(measures.matters(session), locale),
        },
    )


@router.get("/me/access-log", response_class=HTMLResponse)
def my_access_log(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    own: Annotated[bool, Query(description="include the subject's own reads")] = False,
) -> HTMLResponse:
    """Every read of the file and every refused attempt: organisation, role, legal path,
    query item or authorisation, purpose, record types; never the data itself."""
    return _render_access_log(request, session, actor, own=own)


@router.post("/me/access-log/{event_id}/staff", response_class=HTMLResponse)
def reveal_staff(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    event_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The staff member's name behind one entry, on request; the request is audited."""
    check_csrf(request, csrf_token)
    _own_subject(session, actor)
    name = access.reveal_staff_name(session, clock, actor, event_id)
    return _render_access_log(request, session, actor, revealed={event_id: name})


@router.post("/me/access-log/joint-checks/{check_id}/staff", response_class=HTMLResponse)
def reveal_joint_check_staff(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    check_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The staff member behind a joint check that answered about the subject, on request;
    the request is audited."""
    check_csrf(request, csrf_token)
    _own_subject(session, actor)
    name = access.reveal_joint_check_staff_name(session, clock, actor, check_id)
    return _render_access_log(request, session, actor, revealed_checks={check_id: name})


# --- written authorisations (Art. 13 ¶3) -------------------------------------------------------


def _grantees(session: Session) -> list[Organisation]:
    return [
        org
        for org in accounts.list_organisations(session)
        if org.active and org.kind in QUERYING_KINDS
    ]


def _offered_types(session: Session, subject: Subject) -> dict[str, list[Any]]:
    """The record types kept about this kind of subject: the non-public ones, which only an
    authorisation opens, and the public ones (outside their window they are not public)."""
    rules = [
        rule
        for rule in catalog.list_record_types(session)
        if subject.kind.value in rule.definition.subject_kinds
    ]
    return {
        "non_public": [r for r in rules if r.definition.disclosure.mode == "non_public"],
        "public": [r for r in rules if r.definition.disclosure.mode != "non_public"],
    }


def _render_authorisations(
    request: Request,
    session: Session,
    actor: Actor,
    clock: Clock,
    state: FormState = BLANK,
) -> HTMLResponse:
    subject = _own_subject(session, actor)
    items: list[Authorisation] = authorisations.of_subject(session, actor)
    return render_form(
        request,
        "credit_authorisations.html",
        {
            **disclosure_helpers(request),
            "subject": subject,
            "authorisations": items,
            "signed_forms": authorisations.has_signed_form(session, [a.id for a in items]),
            "outside_register": register.outside_register(
                session, {a.grantee_organisation_id for a in items}
            ),
            "today": clock.today(),
            "end_reasons": {a.id: consent.end_reason(a, clock.today()) for a in items},
            "grant_end_labels": GRANT_END_LABELS,
            "organisations": {org.id: org for org in accounts.list_organisations(session)},
            "grantees": _grantees(session),
            "offered": _offered_types(session, subject),
            "special_scopes": sorted(authorisations.SPECIAL_SCOPES),
            "type_names": type_names(session, locale=locale_of(request)),
            "declaration": AUTHORISATION_DECLARATION,
            "not_conditional": NOT_CONDITIONAL_DECLARATION,
            "filed_services": filed_services_offered(session, _grantees(session)),
            "max_until": authorisations.latest_end(clock.today()),
        },
        state,
    )


@router.get("/me/authorisations", response_class=HTMLResponse)
def my_authorisations(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    state = announced(done, "granted", "revoked")
    return _render_authorisations(request, session, actor, clock, state)


def _grantee(session: Session, code: str) -> Organisation:
    if not code.strip():
        raise InvalidInput("choose the organisation", code="required", field="grantee")
    organisation = accounts.organisation_by_code(session, code, field="grantee")
    if not organisation.active or organisation.kind not in QUERYING_KINDS:
        raise InvalidInput(
            "this organisation does not query credit files",
            code="not_a_querier",
            field="grantee",
            article="Art. 13",
        )
    return organisation


def _uploaded_evidence(upload: UploadFile | None) -> str:
    if upload is None or not upload.filename:
        raise InvalidInput(
            "choose the file of the signed authorisation",
            code="evidence_required",
            field="evidence_file",
            article="Art. 13 ¶3",
        )
    content = upload.file.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise InvalidInput(
            "the file is larger than 1.5 MB", code="too_large", field="evidence_file"
        )
    evidence_files.check(
        content, field="evidence_file", filename=upload.filename, media_type=upload.content_type
    )
    return base64.b64encode(content).decode("ascii")


def _signed_evidence(
    request: Request,
    clock: Clock,
    subject: Subject,
    grantee: Organisation,
    names: list[str],
    purpose: str,
    until: dt.date,
    signed: bool,
    signer_name: str,
    service: str = "",
) -> str:
    """The text the subject saw and signed, with the particulars, the name and the time."""
    if not signed or not signer_name.strip():
        raise InvalidInput(
            "confirm the authorisation text and type your full name to sign it",
            code="evidence_required",
            field="signer_name",
            article="Art. 13 ¶3",
        )
    if not subject.is_organisation and signer_name.strip() != subject.name:
        raise InvalidInput(
            "type your full name as registered to sign",
            code="signature_mismatch",
            field="signer_name",
        )
    gettext = translations(locale_of(request)).gettext
    # Labels looked up outside the f-strings: the message extractor does not read calls
    # inside an f-string, so these were never translated.
    subject_label, grantee_label = gettext("Subject"), gettext("Authorised organisation")
    types_label, purpose_label = gettext("Record types"), gettext("Purpose")
    until_label = gettext("Valid until")
    signed_by, signed_at = gettext("Signed by"), gettext("Signed at")
    lines = [
        gettext("Written authorisation"),
        gettext(AUTHORISATION_DECLARATION),
        f"{subject_label}: {subject.name} ({subject.public_code})",
        f"{grantee_label}: {grantee.name} ({grantee.code})",
        f"{types_label}: {', '.join(names)}",
        f"{purpose_label}: {purpose.strip()}",
        f"{until_label}: {until.isoformat()}",
        *(
            [
                f"{gettext(SERVICE_LABEL)}: {service.strip()}",
                gettext(NOT_CONDITIONAL_DECLARATION),
            ]
            if grantee.kind is OrganisationKind.CREDIT_SERVICE_INSTITUTION and service.strip()
            else []
        ),
        f"{signed_by}: {signer_name.strip()}",
        f"{signed_at}: {clock.now().astimezone(CHINA).isoformat(timespec='seconds')}",
    ]
    return "\n".join(lines)


@router.post("/me/authorisations", response_class=HTMLResponse)
def grant_authorisation(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    grantee: Annotated[str, Form(max_length=40)] = "",
    record_types: Annotated[list[str] | None, Form()] = None,
    purpose: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=500)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    evidence_kind: Annotated[str, Form(max_length=16)] = "signed_in_page",
    signed: Annotated[bool, Form()] = False,
    signer_name: Annotated[str, Form(max_length=100)] = "",
    evidence_file: Annotated[UploadFile | None, File()] = None,
    service: Annotated[str, Form(max_length=200)] = "",
    service_not_conditional: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Authorise an organisation in writing: evidence is an uploaded signed document, or
    the authorisation text signed in the page with the subject's typed name."""
    check_csrf(request, csrf_token)
    subject = _own_subject(session, actor)
    codes = list(record_types or [])
    try:
        organisation = _grantee(session, grantee)
        until = parse_date(valid_until, "valid_until")
        if until is None:
            raise InvalidInput("give the end date", code="required", field="valid_until")
        if evidence_kind == "upload":
            evidence = _uploaded_evidence(evidence_file)
        elif evidence_kind == "signed_in_page":
            names = type_names(session, locale=locale_of(request))
            evidence = _signed_evidence(
                request,
                clock,
                subject,
                organisation,
                [names.get(code, code) for code in codes],
                purpose,
                until,
                signed,
                signer_name,
                service,
            )
        else:
            raise InvalidInput("choose the kind of evidence", code="invalid", field="evidence_kind")
        authorisations.grant(
            session,
            clock,
            actor,
            grantee=organisation,
            record_type_codes=codes,
            purpose=purpose,
            valid_until=until,
            evidence_kind=evidence_kind,
            evidence=evidence,
            service=service,
            service_not_conditional=service_not_conditional,
        )
    except (InvalidInput, NotFound, Conflict) as exc:
        form = {
            "service": service,
            "service_not_conditional": service_not_conditional,
            "grantee": grantee,
            "record_types": codes,
            "purpose": purpose,
            "valid_until": valid_until,
            "evidence_kind": evidence_kind,
            "signed": signed,
            "signer_name": signer_name,
        }
        # An unknown organisation is a wrong choice on the form: 422, not 404.
        state = refused(session, exc, form, status_code=422)
        return _render_authorisations(request, session, actor, clock, state)
    return RedirectResponse("/me/authorisations?done=granted", status_code=303)


@router.get("/authorisations/{authorisation_id}/signed-form")
def signed_authorisation(
    authorisation_id: RowId, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> Response:
    """A written authorisation as the person signed it (Art. 13 ¶3): for the person whose it
    is and the credit authority supervising the grantee (whose read is in the person's
    access log)."""
    return signed_document(
        authorisations.signed_authorisation(session, clock, actor, authorisation_id)
    )


@router.post("/me/authorisations/{authorisation_id}/revoke")
def revoke_authorisation(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    authorisation_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Takes effect on the organisation's next request."""
    check_csrf(request, csrf_token)
    authorisations.revoke(session, clock, actor, authorisation_id)
    return RedirectResponse("/me/authorisations?done=revoked", status_code=303)
