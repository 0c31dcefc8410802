"""Disclosure pages: public records on the public subject page, the published query items,
report verification, the agency query page and the credit authority's query items
(Art. 9, 13, 24). The subject's own pages ("my credit") are in ``pages.credit``.

They mirror ``web.api.disclosure`` for people with a browser: the same services, the
session cookie instead of a token. On the query page a refusal of the read (no lawful
path, unpublished query item, matter mismatch, rate limit) is shown beside the form with
its code and article, like the form's own input errors, and what was typed is kept (but an
ID number, which is never shown again); a role without query permission gets the error page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    has_permission,
    require,
    require_standing,
)
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.clock import Clock
from xinyong.collection import held_rows, records, revocation
from xinyong.disclosure import (
    access,
    person_lookup,
    query_assignments,
    query_items,
    rendering,
    reports,
)
from xinyong.disclosure.files import RecordView, build_file
from xinyong.disclosure.models import StatuteRank
from xinyong.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from xinyong.lists import early_removal_rules
from xinyong.lists.publicity import mask_name
from xinyong.objections import rules
from xinyong.repair import rules as repair_rules
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.api.disclosure import read_limits, report_content_days, report_settings
from xinyong.web.deps import ActorDep, ClockDep, SessionDep, app_context
from xinyong.web.i18n import catalog_name, translations
from xinyong.web.labels import (
    LEGAL_PATH_LABELS,
    RECORD_STATUS_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    VERSION_REASON_LABELS,
    choice_label,
)
from xinyong.web.pages.collection import N_, page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    refused_access,
    render_form,
)
from xinyong.web.pages.rendering import TEMPLATES, check_csrf, locale_of, render
from xinyong.web.report_output import report_response, requester_in_words

router = APIRouter(include_in_schema=False)

# Why an issued report's kept content was deleted (``retention.REMOVAL_REASONS``).
CONTENT_REMOVED_LABELS = {
    "retention_period": N_("Its content was kept for %(days)s days after issue, until %(date)s."),
    "authorisation_ended": N_(
        "Its content was deleted when the written authorisation it was issued on ended."
    ),
    "record_deleted": N_(
        "Its content was deleted with a record it may show, deleted after its retention period."
    ),
    "record_revoked": N_(
        "Its content was deleted when a record it may show was revoked by its source: a "
        "revoked record is no longer shared."
    ),
    "record_repaired": N_(
        "Its content was deleted when a record it may show was repaired (Art. 20–23): a "
        "repaired record is no longer shared."
    ),
    "record_corrected": N_(
        "Its content was deleted when a record it may show was corrected after an objection "
        "(Art. 25): a new report shows the correction."
    ),
    "record_withdrawn": N_(
        "Its content was deleted when a record it may show was withdrawn from publication "
        "after an objection (Art. 25): it should not have been public."
    ),
    "record_no_longer_used": N_(
        "Its content was deleted when a record it may show was found wrong on an objection "
        "(Art. 25) and, its source being deregistered, is no longer shared."
    ),
}
WHAT_LABELS = {
    "file": N_("Credit file"),
    "report": N_("Credit report"),
    "report_reopened": N_("Credit report opened again by its requester"),
    "credit_status": N_("Credit status"),  # list status and grade, Art. 19
    "joint_check": N_("List status, measures and green channel"),
    "person_lookup": N_("Found by ID number: name and reference"),
    # Staff reading the subject's objection case to handle it (Art. 25).
    access.OBJECTION_CASE: N_("Your objection to a record, read to handle it"),
    access.REPAIR_CASE: N_("Your credit repair application, read to handle it"),
    access.NAME_OBJECTION: N_(
        "Your objection to your registered name, with its evidence, read to decide it"
    ),
    access.CONSENT_FORM: N_(
        "The signed consent form you gave a credit service institution, read by the credit "
        "authority supervising it"
    ),
    access.AUTHORISATION_FORM: N_(
        "Your written authorisation to an organisation, as you signed it, read by the credit "
        "authority supervising the organisation"
    ),
    access.LIST_ENTRY: N_("List entry in full: evidence, notice, persons named, objections"),
    access.LIST_ENTRY_NAMED: N_("A list entry naming you as a responsible person (Art. 18)"),
    access.LIST_BASIS_RECORDS: N_(
        "Your records in force, some not public, shown to a case officer choosing the basis "
        "of a list entry (Art. 15)"
    ),
    access.RECORD_UNDER_REVIEW: N_("A record not yet public, shown for its confidentiality review"),
    # To revoke it (decision 0028), or a commitment to follow it up (the purpose says which).
    access.SOURCE_RECORD: N_("A record shown to the unit that submitted it"),
    access.HELD_ROW: N_("A row held for review because its name differs, read to decide it"),
    access.GRANTS_LISTED: N_(
        "Your consent or written authorisation to an organisation (your name, masked ID "
        "number and its terms), listed by the credit authority supervising it"
    ),
    access.CONSENT_REVOKED: N_(
        "Your consent to an organisation, revoked by the credit authority supervising it"
    ),
    access.REGISTERED_ON_CONSENT: N_(
        "Registered on the platform (ID number and name) by the organisation you gave "
        "written consent to"
    ),
    access.EARLY_REMOVAL: N_(
        "Your application for early removal from the black list, read to decide it"
    ),
    access.RESPONSIBLE_PERSON_REGISTERED: N_(
        "Registered (ID number and name) as answering for an organisation, by the authority "
        "that registers it (Art. 18)"
    ),
    access.RESPONSIBLE_PERSON_REGISTER: N_(
        "The register of the persons answering for an organisation, which names you, read "
        "in full by the authority that registers it or the credit authority (Art. 18)"
    ),
}
# The purposes the services write themselves (a query item's matter or an authorisation's
# purpose is shown as written).
PURPOSE_LABELS = {
    "own file": N_("own file"),
    access.SUPERVISION_PURPOSE: N_("supervision of credit information and its use (Art. 33)"),
    access.LOOKUP_PURPOSE: N_("finding a person by ID number"),
    access.ACCOUNT_PURPOSE: N_(
        "opening a subject account for you, at the counter where you showed your ID number"
    ),
    rules.CASE_PURPOSE: N_("deciding an objection (Art. 25)"),
    repair_rules.CASE_PURPOSE: N_("deciding a credit repair (Art. 21)"),
    access.LIST_WORK_PURPOSE: N_("recognising and reviewing list entries (Art. 14, 18)"),
    access.OBJECTION_PURPOSE: N_("deciding objections to list entries (Art. 25)"),
    access.REVIEW_PURPOSE: N_("confidentiality review before publicity (Art. 12(3))"),
    access.CONSENT_PURPOSE: N_("collection on your written consent (Art. 11)"),
    access.RESPONSIBLE_PERSON_PURPOSE: N_(
        "registering the persons answering for an organisation (Art. 18)"
    ),
    access.DRY_RUN_PURPOSE: N_(
        "a source checking a batch of records before submitting it, which found you by your "
        "ID number (a dry run, Art. 9)"
    ),
    access.BATCH_PURPOSE: N_(
        "a source submitting a batch of records, which found you by your ID number and held "
        "or refused a row naming you (Art. 9)"
    ),
    revocation.READ_PURPOSE: N_("a source reviewing a record it submitted (Art. 12, 24)"),
    held_rows.READ_PURPOSE: N_(
        "deciding a row held because its name does not match the registered subject (Art. 4 ¶2)"
    ),
    records.FOLLOW_UP_PURPOSE: N_("following up a credit commitment made to the unit (Art. 10)"),
    early_removal_rules.PURPOSE: N_("deciding early removal from the black list (SAMR Order 44)"),
}
# Why a read was refused, in plain words, with the article the service cites.
REFUSAL_LABELS = {
    "not_own_subject": N_("A subject account may read only its own file (Art. 13)"),
    "no_query_permission": N_("The role has no query permission (Art. 12)"),
    "not_our_query_item": N_("Not a query item of that organisation (Art. 13)"),
    "not_assigned_query_item": N_(
        "The query item was not assigned to that staff member by the organisation (Art. 12(2))"
    ),
    "query_item_unpublished": N_("The query item was not published (Art. 13 ¶2)"),
    "matter_mismatch": N_("The administrative matter did not match the query item (Art. 13 ¶2)"),
    "no_lawful_path": N_("No written authorisation in force and no query item (Art. 13 ¶3)"),
    "no_statutory_exception": N_(
        "The query item names only information that is not public about you, and no law or "
        "administrative regulation it states lets that organisation read it without your "
        "written authorisation (Art. 13 ¶3)"
    ),
    "bulk_read_limit": N_("Bulk reads are limited (Art. 12)"),
    "not_lawful_querier": N_(
        "Only the recognising agency, the credit authority and the subject see a list entry "
        "in full (Art. 18)"
    ),
}
# The statutes that may make an exception to the written authorisation (Art. 13 ¶3).
STATUTE_RANK_LABELS = {
    StatuteRank.LAW.value: N_("Law"),
    StatuteRank.ADMINISTRATIVE_REGULATION.value: N_("Administrative regulation"),
}
LABELS = {
    "status": RECORD_STATUS_LABELS,
    "statute_rank": STATUTE_RANK_LABELS,
    "reason": VERSION_REASON_LABELS,
    # A version's severity class, in the change history (decision 0025).
    "severity": SEVERITY_LABELS,
    "legal_path": LEGAL_PATH_LABELS,
    "what": WHAT_LABELS,
    "role": ROLE_LABELS,
    "refusal": REFUSAL_LABELS,
    "content_removed": CONTENT_REMOVED_LABELS,
    "purpose": PURPOSE_LABELS,
}

# Organisations that query by a published query item (Art. 13 ¶2), and those a subject may
# authorise in writing (Art. 13 ¶3): the bodies whose staff hold a query role.
QUERY_ITEM_KINDS = (
    OrganisationKind.STATE_ORGAN,
    OrganisationKind.PUBLIC_FUNCTION_ORGANISATION,
    OrganisationKind.JUDICIAL_ORGAN,
)
QUERYING_KINDS = (
    *QUERY_ITEM_KINDS,
    OrganisationKind.FINANCIAL_INSTITUTION,
    OrganisationKind.CREDIT_SERVICE_INSTITUTION,
)
REPORT_FORMATS = ("html", "pdf")


# --- shared with pages.credit ---------------------------------------------------------------


def disclosure_helpers(request: Request) -> dict[str, Any]:
    """``page_helpers`` plus the disclosure label tables, for every template here."""
    helpers = page_helpers(request)
    return {**helpers, "dlabels": LABELS}


def _hidden_fields(definition: RecordTypeDefinition) -> set[str]:
    """The subject's own columns say who the record is about: the page says it already.
    (ID numbers on public pages: the public content has none, ``files.public_content``.)"""
    hidden = {
        name
        for name in (
            *rendering.FIELD_LABELS_HIDDEN,
            definition.subject_name_field,
            definition.subject_uscc_field,
            definition.subject_kind_field,
        )
        if name
    }
    hidden |= {spec.name for spec in definition.fields if spec.name.startswith("subject_")}
    return hidden


def record_items(
    views: list[RecordView], *, locale: str, public: bool = False
) -> list[dict[str, Any]]:
    """Records ready for the templates: type and field labels in the page's language,
    the subject's own columns left out, the change history with its reasons (Art. 24)."""
    items: list[dict[str, Any]] = []
    for view in views:
        definition = view.definition
        hidden = _hidden_fields(definition)
        # A choice that is an English word (the commitment's fulfilment status) with its
        # label, translated in the template; other values are shown as they are.
        fields = [
            (
                catalog_name(spec.label_zh, spec.label_en, locale),
                view.payload[spec.name],
                choice_label(spec.type, view.payload[spec.name]),
            )
            for spec in definition.fields
            if spec.name not in hidden and view.payload.get(spec.name) not in (None, "")
        ]
        # A field an older version of the type had, labelled by its name (never on public
        # pages, where only what the catalog describes is shown).
        known = {spec.name for spec in definition.fields}
        if not public:
            fields += [
                (name, value, None)
                for name, value in view.payload.items()
                if name not in known and name not in hidden and value not in (None, "")
            ]
        items.append(
            {
                "id": view.id,
                "type_code": view.type_code,
                "type_name": catalog_name(definition.name_zh, definition.name_en, locale),
                "category": definition.category.value,
                "polarity": definition.polarity.value,
                "source_name": view.source_name,
                "source_code": view.source_code,
                "decision_date": view.decision_date,
                "received_at": view.received_at,
                "severity": view.severity,
                "status": view.status,
                "self_declared": view.self_declared,
                "public": view.public,
                "publicity_start": view.publicity_start,
                "publicity_end": view.publicity_end,
                "fields": fields,
                "history": view.history,
            }
        )
    return items


def version_contents(
    definition: RecordTypeDefinition, payloads: list[dict[str, Any]], *, locale: str
) -> list[list[tuple[str, str, Any, str | None]]]:
    """Each version's content as ``history_table`` shows it: per stored field its name,
    its label in the page's language (a field an older version of the type had, its name)
    and value, with the label of a choice stored as an English word (``choice_label``), as
    the subject's own file says it (``record_items``)."""
    specs = {spec.name: spec for spec in definition.fields}
    return [
        [
            (
                name,
                catalog_name(specs[name].label_zh, specs[name].label_en, locale)
                if name in specs
                else name,
                value,
                choice_label(specs[name].type, value) if name in specs else None,
            )
            for name, value in payload.items()
        ]
        for payload in payloads
    ]


# Authorisation scopes that are not record types (Art. 19), named in the page's language.
SCOPE_LABELS = {
    "credit_status": (
        "List status and credit grade (for risk pricing, Art. 19)",
        "名单状态和信用等级（用于风险定价，第十九条）",
    ),
}


def type_names(session: Session, *, locale: str) -> dict[str, str]:
    """What each record type, and each authorisation scope beyond them, is called."""
    names = {
        rule.definition.code: catalog_name(rule.definition.name_zh, rule.definition.name_en, locale)
        for rule in catalog.list_record_types(session)
    }
    names.update({code: catalog_name(zh, en, locale) for code, (en, zh) in SCOPE_LABELS.items()})
    return names


def report_format(value: str) -> str:
    if value not in REPORT_FORMATS:
        raise InvalidInput("choose HTML or PDF", code="invalid", field="format")
    return value


# --- public: records on the public subject page ----------------------------------------------


def _public_views(request: Request, subject: Subject) -> list[RecordView]:
    session = getattr(request.state, "session", None)
    if session is None or not subject.is_organisation:
        return []
    today = app_context(request).clock.today()
    return build_file(session, subject, today=today, public_only=True)


def public_record_count(request: Request, subject: Subject) -> int:
    """How many records of a search hit are public today (search.html)."""
    return len(_public_views(request, subject))


TEMPLATES.env.globals["public_record_count"] = public_record_count
TEMPLATES.env.globals["disclosure_labels"] = LABELS


# --- public: the published query items (Art. 13 ¶2) ------------------------------------------


@router.get("/query-items", response_class=HTMLResponse)
def published_query_items(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """Who may query what, for which administrative matter: published before any use."""
    return render(
        request,
        "disclosure_query_items.html",
        {
            **disclosure_helpers(request),
            "items": query_items.published(session),
            "type_names": type_names(session, locale=locale_of(request)),
        },
    )


# --- public: report verification ------------------------------------------------------------


@router.get("/reports/verify", response_class=HTMLResponse)
def verify_report(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    number: Annotated[str, Query(max_length=32)] = "",
    code: Annotated[str, Query(max_length=32)] = "",
    sha256: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """Is a presented report genuine (number and verification code) and unaltered (its
    content hash)? A number that was never issued says so, with a 404."""
    form = {"number": number, "code": code, "sha256": sha256}
    context: dict[str, Any] = {**disclosure_helpers(request), "result": None}
    if not number.strip():
        return render_form(request, "disclosure_verify.html", context, FormState(form=form))
    try:
        if not code.strip():
            raise InvalidInput(
                "enter the verification code printed on the report", code="required", field="code"
            )
        result = reports.verify(
            session, number, code=code.strip(), content_sha256=sha256.strip() or None
        )
    except (InvalidInput, NotFound) as exc:
        return render_form(request, "disclosure_verify.html", context, FormState.after(exc, form))
    context["result"] = result
    return render_form(request, "disclosure_verify.html", context, FormState(form=form))


# --- issued reports, opened again by whoever they were issued to ---------------------------

ISSUED_PER_PAGE = 50


def render_issued_reports(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    offset: int,
    back: tuple[str, str],
) -> HTMLResponse:
    """The reports issued to the actor, each linked to open again as HTML and PDF: the
    subject's own (``/me/reports``) or its organisation's (``/query/reports``)."""
    # One more than shown, to know whether there is an older page.
    summaries = reports.issued_reports(
        session,
        clock,
        actor,
        limit=ISSUED_PER_PAGE + 1,
        offset=max(offset, 0),
        keep_days=report_content_days(request),
    )
    return render(
        request,
        "issued_reports.html",
        {
            **disclosure_helpers(request),
            "summaries": summaries[:ISSUED_PER_PAGE],
            "more": len(summaries) > ISSUED_PER_PAGE,
            "next_offset": max(offset, 0) + ISSUED_PER_PAGE,
            "show_subject": actor.subject_id is None,
            "keep_days": report_content_days(request),
            "requester_in_words": requester_in_words,
            "back_url": back[0],
            "back_label": back[1],
        },
    )


@router.get("/reports/{number}")
def reopen_report(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    number: str,
    format: Annotated[str, Query(max_length=8)] = "html",
) -> Response:
    """A report issued to the reader, exactly as issued: nothing is issued again and no
    free report is used. A number not issued to the reader is not found (404)."""
    fmt = report_format(format)
    if not actor.authenticated:
        raise NotAuthenticated("log in to open a report issued to you", code="not_authenticated")
    reopened = reports.reopen(
        session,
        clock,
        actor,
        number,
        limits=read_limits(request),
        keep_days=report_content_days(request),
        # The pages show a report issued on their forms here (``show_issued``).
        claim_first_showing=True,
    )
    # The report page is the report alone: it links back to where the reader finds it.
    back = "/me/reports" if actor.subject_id is not None else "/query/reports"
    return report_response(
        reopened.content,
        fmt,
        pdf_url=same_report_pdf(reopened),
        back_url=back,
        locale=locale_of(request),
    )


def show_issued(request: Request, issued: reports.IssuedReport, fmt: str = "html") -> Response:
    """Redirect to the report just issued (POST, redirect, GET), so that reloading it
    issues no other. Issued with ``shown_later``: its first showing there, to its
    requester, is the issuance's own reading, claimed once on the server (``reopen``) —
    not marked in the page session, a cookie a client may send again."""
    number = issued.report.number
    suffix = "?format=pdf" if fmt == "pdf" else ""
    return RedirectResponse(f"/reports/{number}{suffix}", status_code=303)


def same_report_pdf(issued: reports.IssuedReport) -> str:
    """Where a report's HTML page offers the PDF of the same report."""
    return f"/reports/{issued.report.number}?format=pdf"


@router.get("/query/reports", response_class=HTMLResponse)
def query_issued_reports(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The reports issued to the querier's organisation, to open or print again."""
    _require_query_role(actor)
    back = ("/query", translations(locale_of(request)).gettext("Query a credit file"))
    return render_issued_reports(request, session, clock, actor, offset=offset, back=back)


# --- agency query page (Art. 13): query item and matter first, then the subject -------------


def _require_query_role(actor: Actor) -> None:
    if not actor.authenticated:
        raise NotAuthenticated("log in to query credit files", code="not_authenticated")
    require_standing(actor)
    if not (
        has_permission(actor, Permission.QUERY_BY_ITEM)
        or has_permission(actor, Permission.QUERY_BY_AUTHORISATION)
    ):
        raise PermissionDenied(
            "your role may not query credit files", code="no_query_permission", article="Art. 12"
        )


def _held_items(session: Session, actor: Actor) -> list[query_assignments.Assignment]:
    if actor.kind != "user" or not has_permission(actor, Permission.QUERY_BY_ITEM):
        return []
    return query_assignments.held_by(session, actor)


@dataclass(frozen=True)
class PathChoice:
    """Step 1 of the query page as the querier chose it; every later form carries it."""

    path: str = ""
    item: str = ""
    matter: str = ""  # a lawful matter's code, or query_items.OTHER_MATTER
    matter_other: str = ""  # the matter in words, with OTHER_MATTER

    def hidden(self) -> dict[str, str]:
        return {
            "path": self.path,
            "item": self.item,
            "matter": self.matter,
            "matter_other": self.matter_other,
        }


def _path_arguments(
    session: Session, actor: Actor, choice: PathChoice
) -> tuple[str | None, str | None]:
    """The query item and its matter for the service; none on the authorisation path."""
    if choice.path == "authorisation":
        return None, None
    if choice.path != "item" or not choice.item.strip():
        # Never fall back to another path than the one the querier chose.
        raise InvalidInput(
            "choose a published query item, or the written authorisation",
            code="required",
            field="item",
            article="Art. 13",
        )
    if not has_permission(actor, Permission.QUERY_BY_ITEM):
        # No choice to check: the service refuses the path itself (403, logged).
        return choice.item.strip(), choice.matter
    matter = query_items.stated_matter(
        session, actor.organisation_id, choice.matter, choice.matter_other
    )
    return choice.item.strip(), matter


def _query_context(
    request: Request, session: Session, actor: Actor, choice: PathChoice
) -> tuple[dict[str, Any], InvalidInput | None]:
    """What the query page shows for the legal path chosen, and what is wrong with the
    choice (step 2 is shown only without a problem)."""
    # The items in force the querier holds (Art. 12(2)): any other item typed into the
    # address is refused when the file is opened, and logged.
    items = query_assignments.usable_items(session, actor)
    if not items and choice.path != "authorisation" and not choice.item:
        choice = replace(choice, path="authorisation")
    problem = None
    try:
        _path_arguments(session, actor, choice)
    except InvalidInput as exc:
        problem = exc
    chosen = next((i for i in items if i.code == choice.item), None)
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    locale = locale_of(request)
    # The lawful matters, named in the page's language (a query item's own matter as the
    # item names it).
    matters = [
        # A query item's own matter (no English name) as the agency wrote it.
        (m.code, catalog_name(m.name, m.name_en, locale) if m.name_en is not None else m.name)
        for m in query_items.lawful_matters(session, actor.organisation_id)
    ]
    if choice.matter == query_items.OTHER_MATTER:
        matter_label = choice.matter_other.strip()
    else:
        matter_label = next(
            (f"{name} ({code})" for code, name in matters if code == choice.matter), ""
        )
    held = _held_items(session, actor)
    names = type_names(session, locale=locale_of(request))
    never_public = query_items.without_exception(session, [a.item for a in held])
    context = {
        **disclosure_helpers(request),
        "organisation": organisation,
        "items": items,
        "held": held,
        # Types a held item names but opens only where they are public about the subject:
        # no statutory exception stated (Art. 13 ¶3, decision 0007 addendum).
        # A held item stating no statutory exception shows only public records (Art. 13 ¶3,
        # decision 0007 addenda): each such item, with the types it names that are not
        # public about some subjects (about those, it opens nothing of them).
        "public_only_items": {
            a.item.id: [names.get(code, code) for code in never_public.get(a.item.id, [])]
            for a in held
            if query_items.exception_of(a.item) is None
        },
        "queries_by_item": has_permission(actor, Permission.QUERY_BY_ITEM),
        "chosen": chosen,
        **choice.hidden(),
        "matters": matters,
        "other_matter": query_items.OTHER_MATTER,
        "matter_label": matter_label,
        "ready": problem is None,
        "can_lookup_person": person_lookup.may_look_up_persons(actor),
        "type_names": names,
    }
    return context, problem


@router.get("/query", response_class=HTMLResponse)
def query_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    path: Annotated[str, Query(max_length=16)] = "",
    item: Annotated[str, Query(max_length=64)] = "",
    matter: Annotated[str, Query(max_length=200)] = "",
    matter_other: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Step 1: the legal path (a published query item and the administrative matter the
    query is for, chosen among the lawful matters or stated, or a written authorisation).
    Step 2, once chosen: the subject, sent in the form body."""
    _require_query_role(actor)
    context, problem = _query_context(
        request, session, actor, PathChoice(path, item, matter, matter_other)
    )
    # A choice sent from step 1 that cannot be used is said so; the page's first visit not.
    state = FormState.after(problem, {}) if problem is not None and path else BLANK
    return render_form(request, "disclosure_query.html", context, state)


def subject_from_form(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject_kind: str,
    uscc: str,
    citizen_id: str,
    reference: str = "",
) -> Subject:
    """An organisation by its USCC, or a person by ID number (audited; an institution
    finds only persons who authorised it), to read at once: the read's entry in the
    person's log says they were found. ``reference``: the subject the same form found
    already, sent again to choose the written authorisation (``authorisation_choice``):
    used when nothing is typed for the kind chosen, as a person's ID number is never typed
    back into the form."""
    typed = citizen_id if subject_kind == "person" else uscc
    if reference.strip() and not typed.strip():
        return subjects.by_reference(session, reference.strip())
    if subject_kind == "person":
        if not citizen_id.strip():
            raise InvalidInput("enter the citizen ID number", code="required", field="citizen_id")
        return person_lookup.find_person(session, clock, actor, citizen_id, then_read=True)
    if not uscc.strip():
        raise InvalidInput("enter the unified social credit code", code="required", field="uscc")
    subject = subjects.by_uscc(session, uscc)
    if subject is None:
        raise NotFound("no organisation with this code", code="unknown_subject", field="uscc")
    return subject


# The choice of the written authorisation a read is for, asked for when several are in force
# and none was named (``access._authorisation_read_on``; decision 0007, session 18 addendum).
AUTHORISATION_REQUIRED = "authorisation_required"


def parse_authorisation(text: str) -> int | None:
    """The written authorisation chosen on a query form (its id); blank: none chosen."""
    value = text.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 18 and int(value) >= 1):
        raise InvalidInput(
            "choose one of the written authorisations listed", code="invalid", field="authorisation"
        )
    return int(value)


def authorisation_choice(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    exc: InvalidInput,
    subject: Subject,
    *,
    found_by_citizen_id: str,
    form: dict[str, Any],
) -> tuple[FormState, dict[str, Any]]:
    """The form again, 422, with the written authorisations in force to choose the one the
    read is for (the reader's own organisation's: purpose, scope, last day), the subject
    carried by its reference and what was typed kept. Nothing was read. A person found by
    ID number for the read is found all the same: the lookup is logged for the person
    and audited as a lookup on its own (``person_lookup.find_person``), after the rollback
    of the read's request."""
    reference = subject.reference
    state = refused(session, exc, {**form, "subject": reference})
    if found_by_citizen_id.strip():
        subject = person_lookup.find_person(session, clock, actor, found_by_citizen_id)
    names = type_names(session, locale=locale_of(request))
    listed = cast(list[dict[str, Any]], exc.details.get("authorisations", []))
    choices = [
        {**choice, "scope": [names.get(code, code) for code in choice["record_types"]]}
        for choice in listed
    ]
    return state, {"authorisation_choice": choices, "choice_subject": subject}


def _read_file(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    item_code: str | None,
    matter: str | None,
    authorisation_id: int | None = None,
) -> dict[str, Any]:
    """Open the file on the lawful path (refused with its reasons otherwise, Art. 13) and
    read it: what the page shows of the read."""
    granted = access.open_file(
        session,
        clock,
        actor,
        subject,
        what="file",
        query_item_code=item_code,
        matter=matter,
        limits=read_limits(request),
        authorisation_id=authorisation_id,
    )
    read = granted.read(session, clock)
    return {
        "subject": subject,
        # On a query item stating no exception, a natural person as the public sees one:
        # the name masked, as the report's public version gives it (decision 0037, session
        # 25 addendum).
        "subject_name": mask_name(subject.name)
        if granted.public_only and not subject.is_organisation
        else subject.name,
        "granted": granted,
        "withheld_not_public": read.withheld_not_public,
        "records": record_items(read.records, locale=locale_of(request)),
    }


@router.post("/query", response_class=HTMLResponse)
def query_subject(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    path: Annotated[str, Form(max_length=16)] = "",
    item: Annotated[str, Form(max_length=64)] = "",
    matter: Annotated[str, Form(max_length=200)] = "",
    matter_other: Annotated[str, Form(max_length=200)] = "",
    subject_kind: Annotated[str, Form(max_length=16)] = "organisation",
    uscc: Annotated[str, Form(max_length=40)] = "",
    citizen_id: Annotated[str, Form(max_length=40)] = "",
    authorisation: Annotated[str, Form(max_length=24)] = "",
    subject: Annotated[str, Form(max_length=24)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Read the file on the chosen path; the read, or its refusal, is logged for the
    subject (Art. 24). The ID number travels in the body, never in the URL. On the
    written-authorisation path with several in force and none chosen, the form comes back
    (422) with them to choose from, the subject carried by its reference (``subject``)."""
    check_csrf(request, csrf_token)
    _require_query_role(actor)
    choice = PathChoice(path, item, matter, matter_other)
    context, _problem = _query_context(request, session, actor, choice)
    # What was typed, shown again with a refusal; the ID number is not.
    form = {"subject_kind": subject_kind, "uscc": uscc, "authorisation": authorisation.strip()}
    target: Subject | None = None
    try:
        item_code, item_matter = _path_arguments(session, actor, choice)
        chosen = parse_authorisation(authorisation) if choice.path == "authorisation" else None
        target = subject_from_form(
            session, clock, actor, subject_kind, uscc, citizen_id, reference=subject
        )
        read = _read_file(
            request,
            session,
            clock,
            actor,
            target,
            item_code=item_code,
            matter=item_matter,
            authorisation_id=chosen,
        )
    except InvalidInput as exc:
        if exc.code == AUTHORISATION_REQUIRED and target is not None:
            found = citizen_id if subject_kind == "person" else ""
            state, offered = authorisation_choice(
                request, session, clock, actor, exc, target, found_by_citizen_id=found, form=form
            )
            return render_form(request, "disclosure_query.html", {**context, **offered}, state)
        return render_form(request, "disclosure_query.html", context, refused(session, exc, form))
    except NotFound as exc:
        # Nothing is kept but a failed lookup's audit (the error's aftermath).
        return render_form(request, "disclosure_query.html", context, refused(session, exc, form))
    except (PermissionDenied, RateLimited) as exc:
        # Refused on the lawful path (logged for the subject) or the bulk-read limit.
        state = refused_access(request, session, exc, form)
        return render_form(request, "disclosure_query.html", context, state)
    return render_form(request, "disclosure_query.html", {**context, **read}, BLANK)


@router.post("/query/report")
def query_report(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    subject: Annotated[str, Form(max_length=24)] = "",
    path: Annotated[str, Form(max_length=16)] = "",
    item: Annotated[str, Form(max_length=64)] = "",
    matter: Annotated[str, Form(max_length=200)] = "",
    matter_other: Annotated[str, Form(max_length=200)] = "",
    format: Annotated[str, Form(max_length=8)] = "pdf",
    authorisation: Annotated[str, Form(max_length=24)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A numbered report on the same lawful path, carrying the querier's identity so that
    a leaked copy can be traced (Art. 34), then shown at its own address (POST, redirect,
    GET): a reload shows the same report. ``subject`` is the opaque reference."""
    check_csrf(request, csrf_token)
    _require_query_role(actor)
    target = subjects.by_reference(session, subject)
    # A refused report is shown on the query page, the subject still named on its form.
    form = {
        "subject_kind": "organisation" if target.is_organisation else "person",
        "uscc": target.uscc or "",
        "authorisation": authorisation.strip(),
    }
    choice = PathChoice(path, item, matter, matter_other)
    offered: dict[str, Any] = {}
    try:
        fmt = report_format(format)
        item_code, item_matter = _path_arguments(session, actor, choice)
        # The authorisation the file was read on (the result's form carries it).
        chosen = parse_authorisation(authorisation) if choice.path == "authorisation" else None
        issued = reports.issue(
            session,
            clock,
            actor,
            target,
            query_item_code=item_code,
            matter=item_matter,
            limits=read_limits(request),
            shown_later=True,
            authorisation_id=chosen,
            **report_settings(request),
        )
    except InvalidInput as exc:
        state: FormState = FormState.after(exc, form)
        if exc.code == AUTHORISATION_REQUIRED:
            state, offered = authorisation_choice(
                request, session, clock, actor, exc, target, found_by_citizen_id="", form=form
            )
    except (PermissionDenied, RateLimited) as exc:
        state = refused_access(request, session, exc, form)
    else:
        # Shown at its own address: reloading it there issues no other report.
        return show_issued(request, issued, fmt)
    context, _problem = _query_context(request, session, actor, choice)
    return render_form(request, "disclosure_query.html", {**context, **offered}, state)


# --- the credit authority's query items (Art. 13 ¶2) -----------------------------------------


def _render_admin(
    request: Request,
    session: Session,
    actor: Actor,
    state: FormState = BLANK,
) -> HTMLResponse:
    items = query_items.all_items(session, actor)
    organisations = accounts.list_organisations(session)
    own = area.organisations_in_area(session, actor)
    return render_form(
        request,
        "disclosure_admin_query_items.html",
        {
            **disclosure_helpers(request),
            "items": items,
            "organisations": {org.id: org for org in organisations},
            # The agencies of the officer's own area (Art. 6, decision 0046).
            "agencies": [
                org
                for org in organisations
                if org.active
                and query_items.queries_by_item(org)
                and (own is None or org.id in own)
            ],
            "rules": catalog.list_record_types(session),
            "type_names": type_names(session, locale=locale_of(request)),
            # Items that name types not public and state no statutory exception: they do
            # not open those types where they are not public (Art. 13 ¶3), said on each.
            "without_exception": query_items.without_exception(session, items),
        },
        state,
    )


@router.get("/admin/query-items", response_class=HTMLResponse)
def admin_query_items(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    require(actor, Permission.MANAGE_CATALOG)
    state = announced(done, "created", "published", "withdrawn")
    return _render_admin(request, session, actor, state)


@router.post("/admin/query-items", response_class=HTMLResponse)
def create_query_item(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=64)] = "",
    organisation: Annotated[str, Form(max_length=40)] = "",
    matter: Annotated[str, Form(max_length=200)] = "",
    matter_code: Annotated[str, Form(max_length=64)] = "",
    record_types: Annotated[list[str] | None, Form()] = None,
    legal_basis: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    exception_rank: Annotated[str, Form(max_length=32)] = "",
    exception_title: Annotated[str, Form(max_length=200)] = "",
    exception_article: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Create a query item; it can be used only once published on the public page. One
    naming a record type that is not public states its statutory exception (Art. 13 ¶3)."""
    check_csrf(request, csrf_token)
    require(actor, Permission.MANAGE_CATALOG)
    try:
        if not organisation.strip():
            raise InvalidInput("choose the agency", code="required", field="organisation")
        query_items.create(
            session,
            clock,
            actor,
            code=code.strip(),
            organisation=accounts.organisation_by_code(session, organisation),
            matter=matter,
            matter_code=matter_code,
            record_type_codes=list(record_types or []),
            legal_basis=legal_basis,
            statutory_exception=query_items.stated_exception(
                exception_rank, exception_title, exception_article
            ),
        )
    except (InvalidInput, NotFound, Conflict) as exc:
        form = {
            "code": code,
            "organisation": organisation,
            "matter": matter,
            "matter_code": matter_code,
            "record_types": record_types or [],
            "legal_basis": legal_basis,
            "exception_rank": exception_rank,
            "exception_title": exception_title,
            "exception_article": exception_article,
        }
        # An unknown agency or record type is a wrong choice on the form: 422, not 404.
        status = 409 if isinstance(exc, Conflict) else 422
        return _render_admin(
            request, session, actor, refused(session, exc, form, status_code=status)
        )
    return RedirectResponse("/admin/query-items?done=created", status_code=303)


@router.post("/admin/query-items/{code}/publish")
def publish_query_item(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: str,
    exception_rank: Annotated[str, Form(max_length=32)] = "",
    exception_title: Annotated[str, Form(max_length=200)] = "",
    exception_article: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Publish the item, with its statutory exception stated on the item's row if it
    names a record type that is not public and states none yet (Art. 13 ¶3)."""
    check_csrf(request, csrf_token)
    try:
        query_items.publish(
            session,
            clock,
            actor,
            code,
            statutory_exception=query_items.stated_exception(
                exception_rank, exception_title, exception_article
            ),
        )
    except (InvalidInput, Conflict) as exc:
        # Shown on the item's row, with what was typed there.
        form = {
            "publishing": code,
            "exception_rank": exception_rank,
            "exception_title": exception_title,
            "exception_article": exception_article,
        }
        return _render_admin(request, session, actor, refused(session, exc, form))
    return RedirectResponse("/admin/query-items?done=published", status_code=303)


@router.post("/admin/query-items/{code}/withdraw")
def withdraw_query_item(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: str,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Withdrawn items can no longer be used; the next query on it is refused."""
    check_csrf(request, csrf_token)
    query_items.withdraw(session, clock, actor, code)
    return RedirectResponse("/admin/query-items?done=withdrawn", status_code=303)
