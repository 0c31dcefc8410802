"""Disclosure API: public records, lawful file reads, credit reports and their
verification, the subject's access log, written authorisations and query items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong import evidence_files
from xinyong.accounts import service as accounts
from xinyong.collection import registration_names
from xinyong.disclosure import access, authorisations, query_items, reports, retention
from xinyong.disclosure.files import build_file
from xinyong.disclosure.models import Authorisation, LegalPath, QueryItem
from xinyong.institutions import register
from xinyong.lists import entries as list_entries
from xinyong.lists import entry_basis
from xinyong.objections import names as name_objections
from xinyong.subjects import service as subjects
from xinyong.web.api.grantees import (
    GettextDep,
    GranteeOut,
    GrantEndReason,
    GrantEndReasonText,
    GrantStatus,
    grants_out,
)
from xinyong.web.api.repair import excludes_serious_list, repair_terms
from xinyong.web.deps import (
    MAX_ROW_ID,
    ActorDep,
    AuthenticatedActorDep,
    ClockDep,
    RowId,
    SessionDep,
    app_context,
)
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


def report_content_days(request: Request) -> int:
    """How many days an issued report's content is kept to be opened again (decision 0018)."""
    return app_context(request).settings.report_content_days


def report_settings(request: Request) -> dict[str, Any]:
    """The settings an issued report follows (``reports.issue``): the free reports a year,
    and the repair settings its advice on repairing records follows, as the checklist does."""
    settings = app_context(request).settings
    return {
        "free_reports_per_year": settings.free_reports_per_year,
        "repair_terms": repair_terms(request),
        "repair_excludes_serious_list": excludes_serious_list(request),
    }


def read_limits(request: Request) -> access.ReadLimits:
    settings = app_context(request).settings
    return access.ReadLimits(
        per_account_per_hour=settings.reads_per_account_per_hour,
        per_organisation_per_hour=settings.reads_per_organisation_per_hour,
    )


@router.get("/subjects/{code}/public", tags=["disclosure"], responses=refusals(404))
def public_records(code: str, session: SessionDep, clock: ClockDep) -> dict[str, Any]:
    """What anyone may see: records inside their publicity window (organisations, and
    natural persons only through record types public by law), as the public file shows
    them: no change history (the subject's to know, Art. 24), a person without the name,
    and any citizen ID number in a record's text masked (decision 0037)."""
    subject = subjects.by_reference(session, code)
    views = build_file(session, subject, today=clock.today(), public_only=True)
    items = [view.as_dict() for view in views]
    # The red and black list entries in force, as the lists and the subject's page show them.
    from xinyong.web.api.lists import public_entry  # the lists module imports this one

    today = clock.today()
    listed = list_entries.published_of(session, subject, today=today)
    persons = list_entries.public_persons(session, [e.id for e, _ in listed])
    basis = entry_basis.public_of_entries(session, [e for e, _ in listed], today=today)
    shown = list_entries.public_texts(session, [e for e, _ in listed], today=today)
    return {
        "subject": {
            "code": subject.public_code,
            "name": subject.name if subject.is_organisation else None,
        },
        "items": items,
        "lists": [
            public_entry(e, std, persons.get(e.id, []), shown[e.id], basis=basis.get(e.id, []))
            for e, std in listed
        ],
    }


AUTHORISATION_DESCRIPTION = (
    "on the written-authorisation path, the id of the subject's authorisation this read is "
    "for (its purpose; Art. 13 ¶3). Needed when several are in force for your organisation "
    "(else 422 authorisation_required, listing them in details.authorisations); one revoked, "
    "expired or not yours is refused 403 no_lawful_path"
)
AuthorisationParam = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description=AUTHORISATION_DESCRIPTION)
]

# The pages offer the same matters by code (query_items.lawful_matters), or "other" with
# the matter in words, which the API takes as it is.
MATTER_DESCRIPTION = (
    "the administrative matter this query is for, which must be the query item's: its code "
    "(a matter of GET /api/v1/matters, or the item's own matter_code), or its name in words"
)


@router.get("/subjects/{code}/file", tags=["disclosure"], responses=refusals(403, 404, 429))
def read_file(
    code: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    query_item: Annotated[
        str | None, Query(max_length=64, description="the published query item used")
    ] = None,
    matter: Annotated[str | None, Query(max_length=200, description=MATTER_DESCRIPTION)] = None,
    as_of: Annotated[
        dt.date | None,
        Query(description="the file as it stood on this date (not in the future: 422 future_date)"),
    ] = None,
    authorisation: AuthorisationParam = None,
) -> dict[str, Any]:
    """Read a credit file on a lawful path (Art. 13): self, a published query item with
    its matter, or the subject's written authorisation. Logged for the subject. A query
    item opens a record type that is not public about the subject only if it states the
    law or administrative regulation making the exception (Art. 13 ¶3): the others are
    listed in ``record_types_not_opened``, and an item that opens none is refused
    (``no_statutory_exception``). An item stating no exception shows only what is public
    about the subject of its types, and ``withheld_not_public`` says how many records of
    them it withheld (null on the other paths): the subject's written authorisation opens
    them. The
    subject reading its own file is also told of its records deleted after their
    retention period (``deleted_records``: dates, source and history, no content), and of
    its names (``subject``: the name, former names with their end, and each change of name
    with its day and source — a registration record's source unit, record and version, a
    registration record revoked, reinstated or out of use, an upheld name objection).
    ``as_of``: the file as it stood on that day, as the page's and the report's (a day to
    come is refused, 422 ``future_date``, before anything is read). On a written
    authorisation (``authorisation``: which one, for its purpose) the record types it names
    are shown as stored; any other record shown is public, and shown as the public file
    shows it; an authorisation naming no record type (only ``credit_status``) opens no file
    (403 ``scope_not_authorised``). A query item stating its statutory exception shows its
    types and the public records the same way."""
    subject = subjects.by_reference(session, code)
    access.check_as_of(as_of, clock.today())
    granted = access.open_file(
        session,
        clock,
        actor,
        subject,
        query_item_code=query_item,
        matter=matter,
        limits=read_limits(request),
        authorisation_id=authorisation,
    )
    read = granted.read(session, clock, as_of=as_of)
    body: dict[str, Any] = {
        "legal_path": granted.path.value,
        "purpose": granted.purpose,
        "record_types": None
        if granted.record_type_codes is None
        else sorted(granted.record_type_codes),
        # The query item's types not opened on this subject: not public about it, and the
        # item states no law or administrative regulation making the exception (Art. 13 ¶3).
        "record_types_not_opened": sorted(granted.unopened_record_type_codes),
        "withheld_not_public": read.withheld_not_public,
        "items": [view.as_dict() for view in read.records],
    }
    if granted.path is LegalPath.SELF:
        body["deleted_records"] = [
            record.as_dict() for record in retention.deleted_records(session, subject)
        ]
        # Its names, and each change of them with its source, as its file page states them
        # (Art. 24; decision 0050, review r12 addendum).
        body["subject"] = {
            "name": subject.name,
            "former_names": [
                {
                    "name": former.name,
                    "until": former.valid_to.isoformat() if former.valid_to else None,
                }
                for former in name_objections.former_names(subject)
            ],
            "name_changes": [
                change.as_dict()
                for change in registration_names.changes_of(session, subject, as_of=as_of)
            ],
        }
    return body


@router.get(
    "/subjects/{code}/report",
    tags=["disclosure"],
    responses={
        **refusals(403, 404, 429),
        200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}},
    },
)
def credit_report(
    code: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    as_of: Annotated[dt.date | None, Query(description="the file as it stood on this date")] = None,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
    query_item: Annotated[str | None, Query(max_length=64)] = None,
    matter: Annotated[str | None, Query(max_length=200, description=MATTER_DESCRIPTION)] = None,
    authorisation: AuthorisationParam = None,
) -> Response:
    """A numbered credit report in JSON, HTML or PDF, on the lawful path the file read
    takes (with the same ``query_item``/``matter`` or ``authorisation``). Anonymous callers
    get 401."""
    subject = subjects.by_reference(session, code)
    issued = reports.issue(
        session,
        clock,
        actor,
        subject,
        as_of=as_of,
        query_item_code=query_item,
        matter=matter,
        limits=read_limits(request),
        authorisation_id=authorisation,
        **report_settings(request),
    )
    if format == "json":
        # Serialised once, by the service, with the hashed content as it was hashed.
        return Response(issued.body, media_type="application/json")
    # As the pages serve it: the requester's role in words, the PDF rendered after commit.
    from xinyong.web.report_output import report_response

    # The HTML offers the PDF of this same report, opened again, not a second one issued.
    return report_response(
        issued.content, format, pdf_url=f"/api/v1/reports/{issued.report.number}?format=pdf"
    )


@router.get("/reports", tags=["disclosure"], responses=refusals(403))
def my_issued_reports(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    limit: Annotated[int, Query(description="at most this many, newest first")] = 50,
    offset: Annotated[int, Query()] = 0,
) -> dict[str, Any]:
    """The reports issued to the caller: a subject's own; or those issued to the caller's
    organisation on a written authorisation, and on a query item those the caller asked
    for or issued on an item the caller holds now (Art. 12(2)). Each can be opened again at
    ``/reports/{number}`` while its content is kept (``content_kept_until``;
    ``content_removed`` says why it is not)."""
    summaries = reports.issued_reports(
        session,
        clock,
        actor,
        limit=limit,
        offset=offset,
        keep_days=report_content_days(request),
    )
    return {"items": [summary.as_dict() for summary in summaries]}


@router.get(
    "/reports/{number}",
    tags=["disclosure"],
    responses={
        **refusals(403, 404, 409, 410, 429),
        200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}},
    },
)
def reopen_report(
    number: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
) -> Response:
    """A report issued to the caller, exactly as issued (same number, verification code
    and content): no new report is issued and no free report is used. 404 for a number
    not issued to the caller; 410 ``report_content_removed`` once its content is no
    longer kept (its number and code still verify a copy)."""
    reopened = reports.reopen(
        session,
        clock,
        actor,
        number,
        limits=read_limits(request),
        keep_days=report_content_days(request),
    )
    if format == "json":
        return Response(reopened.body, media_type="application/json")
    from xinyong.web.report_output import report_response

    return report_response(
        reopened.content, format, pdf_url=f"/api/v1/reports/{reopened.report.number}?format=pdf"
    )


@router.get("/reports/{number}/verify", tags=["disclosure"], responses=refusals(404))
def verify_report(
    number: str,
    session: SessionDep,
    code: Annotated[
        str | None, Query(max_length=32, description="the verification code printed on it")
    ] = None,
    sha256: Annotated[
        str | None, Query(max_length=64, description="the content hash printed on it")
    ] = None,
) -> dict[str, Any]:
    """Is a presented report genuine and unaltered? 404 for a number never issued."""
    return reports.verify(session, number, code=code, content_sha256=sha256).as_dict()


@router.get("/me/access-log", tags=["disclosure"], responses=refusals(403))
def my_access_log(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """Who looked at my file (Art. 24): every read of non-public data and every refused
    attempt, and every joint incentive and punishment check that answered about me (Art.
    14–19: ``legal_path`` and ``what`` are ``joint_check``, ``purpose`` the administrative
    matter, ``id`` null, and ``joint_check`` its id, matter and what the answer showed:
    ``list_status``, ``responsible_for``, ``measures``, ``green_channel`` and its reason, and
    ``clean_years``, the consecutive years without a bad record that check asked for (Art.
    16(1), as configured then; null for a check from before they were kept)).
    Besides reads of the file (``what``: ``file``, ``report``, ``report_reopened``,
    ``credit_status``), uses outside the query paths: ``person_lookup`` (found by ID
    number), ``list_entry`` (a list entry about me shown with its non-public parts),
    ``list_entry_named`` (an entry naming me as a responsible person, Art. 18) and
    ``record_under_review`` (a record shown for its confidentiality review, Art. 12(3))."""
    return {"items": [entry.as_dict() for entry in access.access_log(session, actor)]}


@router.get("/me/access-log/{event_id}/staff", tags=["disclosure"], responses=refusals(403, 404))
def staff_name(
    event_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, str]:
    """The name of the staff member behind one entry, on request (the request is audited)."""
    return {"name": access.reveal_staff_name(session, clock, actor, event_id)}


@router.get(
    "/me/access-log/joint-checks/{check_id}/staff",
    tags=["disclosure"],
    responses=refusals(403, 404),
)
def joint_check_staff_name(
    check_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, str]:
    """The name of the staff member who ran a joint check that answered about me (the
    ``joint_check.id`` of an entry), on request (the request is audited)."""
    return {"name": access.reveal_joint_check_staff_name(session, clock, actor, check_id)}


class AuthorisationIn(BaseModel):
    grantee: str = Field(min_length=1, max_length=40, description="USCC of the organisation")
    record_types: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)
    purpose: str = Field(min_length=1, max_length=500)
    valid_until: dt.date
    evidence_kind: Literal["upload", "signed_in_page"] = "signed_in_page"
    evidence: str = Field(
        min_length=1,
        max_length=2_000_000,
        description="the signed text, or the uploaded file as base64",
    )
    service: str | None = Field(
        default=None,
        max_length=200,
        description="to a credit service institution: the service it provides you (Art. 27)",
    )
    service_not_conditional: bool = Field(
        default=False,
        description="to a credit service institution: you confirm that its service is not "
        "conditional on this authorisation (Art. 27 ¶2: no bundling)",
    )


class AuthorisationOut(BaseModel):
    id: int
    grantee_organisation_id: int
    grantee: GranteeOut = Field(description="the organisation authorised, as the pages name it")
    record_types: list[str]
    purpose: str
    valid_until: dt.date
    evidence_kind: str
    evidence_sha256: str | None
    granted_at: str = Field(description="ISO 8601 date and time")
    revoked_at: str | None = Field(description="ISO 8601 date and time")
    status: GrantStatus
    end_reason: GrantEndReason
    end_reason_text: GrantEndReasonText
    service: str | None
    service_not_conditional: bool | None
    grantee_outside_register: str | None = Field(
        description="the grantee is a credit service institution outside the active register "
        "(its status); it reads nothing on the authorisation meanwhile (Art. 26)"
    )


class AuthorisationsOut(BaseModel):
    items: list[AuthorisationOut]


def _authorisation_out(
    session: Session,
    item: Authorisation,
    outside: dict[int, str] | None = None,
    *,
    today: dt.date,
    gettext: Callable[[str], str],
) -> dict[str, Any]:
    return _authorisations_out(session, [item], outside, today=today, gettext=gettext)[0]


def _authorisations_out(
    session: Session,
    items: list[Authorisation],
    outside: dict[int, str] | None = None,
    *,
    today: dt.date,
    gettext: Callable[[str], str],
) -> list[dict[str, Any]]:
    # A grantee outside the active register (``outside``) reads nothing on the
    # authorisation until it is reinstated, within the validity (Art. 26).
    return [
        {
            **shared,
            "purpose": item.purpose,
            "valid_until": item.valid_until.isoformat(),
            "evidence_kind": item.evidence_kind,
            "evidence_sha256": item.evidence_sha256,
        }
        for shared, item in zip(
            grants_out(session, items, outside, today=today, gettext=gettext), items, strict=True
        )
    ]


@router.get(
    "/me/authorisations",
    tags=["disclosure"],
    response_model=AuthorisationsOut,
    responses=refusals(403),
)
def my_authorisations(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep, gettext: GettextDep
) -> dict[str, Any]:
    """My written authorisations (Art. 13 ¶3), each naming the organisation authorised,
    whether it is in force and, once it ended, why (``end_reason``, ``end_reason_text``)."""
    items = authorisations.of_subject(session, actor)
    outside = register.outside_register(session, {a.grantee_organisation_id for a in items})
    return {
        "items": _authorisations_out(session, items, outside, today=clock.today(), gettext=gettext)
    }


@router.post(
    "/me/authorisations",
    tags=["disclosure"],
    status_code=201,
    responses=refusals(403, 404, 409),
)
def grant_authorisation(
    body: AuthorisationIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    """Authorise an organisation to read named non-public record types (Art. 13 ¶3)."""
    item = authorisations.grant(
        session,
        clock,
        actor,
        grantee=accounts.organisation_by_code(session, body.grantee, field="grantee"),
        record_type_codes=body.record_types,
        purpose=body.purpose,
        valid_until=body.valid_until,
        evidence_kind=body.evidence_kind,
        evidence=body.evidence,
        service=body.service,
        service_not_conditional=body.service_not_conditional,
    )
    return _authorisation_out(session, item, today=clock.today(), gettext=gettext)


@router.post(
    "/me/authorisations/{authorisation_id}/revoke",
    tags=["disclosure"],
    responses=refusals(403, 404),
)
def revoke_authorisation(
    authorisation_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    """Takes effect on the organisation's next request."""
    return _authorisation_out(
        session,
        authorisations.revoke(session, clock, actor, authorisation_id),
        today=clock.today(),
        gettext=gettext,
    )


@router.get(
    "/authorisations/{authorisation_id}/signed-form",
    tags=["disclosure"],
    response_class=Response,
    responses={
        **refusals(403, 404),
        200: {
            "description": (
                "The written authorisation as signed: the uploaded document, or the text "
                "signed in the page"
            ),
            "content": {media: {} for media in evidence_files.SERVED_MEDIA_TYPES.values()},
        },
    },
)
def signed_authorisation(
    authorisation_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> Response:
    """A written authorisation as the person signed it (Art. 13 ¶3): for the person whose it
    is, and the credit authority supervising the grantee, whose read is in the person's
    access log (Art. 24, 33). Audited."""
    return signed_document(
        authorisations.signed_authorisation(session, clock, actor, authorisation_id)
    )


def signed_document(found: evidence_files.StoredFile) -> Response:
    """A signed document as stored: a file to save, a text signed in the page to read."""
    text = found.kind == evidence_files.SIGNED_TEXT
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": "inline" if text else "attachment",
            "Cache-Control": "no-store",
        },
    )


def _item_out(item: QueryItem, organisation_name: str | None = None) -> dict[str, Any]:
    exception = query_items.exception_of(item)
    return {
        "code": item.code,
        "organisation_id": item.organisation_id,
        "organisation": organisation_name,
        "matter": item.matter,
        "matter_code": item.matter_code,
        "record_types": item.record_type_codes,
        "legal_basis": item.legal_basis,
        "statutory_exception": None if exception is None else exception.as_dict(),
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "withdrawn_at": item.withdrawn_at.isoformat() if item.withdrawn_at else None,
    }


@router.get("/query-items", tags=["disclosure"])
def published_query_items(session: SessionDep, actor: ActorDep) -> dict[str, Any]:
    """The published query items (public): who may query what, for which matter (Art. 13 ¶2)."""
    return {"items": [_item_out(item, org.name) for item, org in query_items.published(session)]}


class StatutoryExceptionIn(BaseModel):
    """The law or administrative regulation, and its article, that lets the agency read
    record types that are not public without the subject's written authorisation (Art. 13
    ¶3: 法律、行政法规另有规定的除外). A local regulation or rule makes no exception."""

    rank: Literal["law", "administrative_regulation"]
    title: str = Field(
        min_length=1, max_length=200, description="e.g. 《中华人民共和国社会保险法》"
    )
    article: str = Field(min_length=1, max_length=64, description="e.g. 第六十三条")

    def stated(self) -> query_items.StatutoryException:
        exception = query_items.stated_exception(self.rank, self.title, self.article)
        assert exception is not None  # every part is required here
        return exception


class QueryItemIn(BaseModel):
    code: str = Field(min_length=3, max_length=64)
    organisation: str = Field(min_length=1, max_length=40, description="USCC of the agency")
    matter: str = Field(min_length=1, max_length=200)
    matter_code: str = Field(min_length=1, max_length=64)
    record_types: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)
    legal_basis: str = Field(min_length=1, max_length=2000)
    statutory_exception: StatutoryExceptionIn | None = Field(
        default=None,
        description="required when a record type named is not public about every kind of "
        "subject it is kept about (a market record; for natural persons, a type not public "
        "by law)",
    )


class PublishIn(BaseModel):
    statutory_exception: StatutoryExceptionIn | None = Field(
        default=None,
        description="stated now (an item made without it is published again with it)",
    )


@router.post(
    "/query-items", tags=["disclosure"], status_code=201, responses=refusals(403, 404, 409, 422)
)
def create_query_item(
    body: QueryItemIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Create a query item (credit authority); it is usable only once published."""
    item = query_items.create(
        session,
        clock,
        actor,
        code=body.code,
        organisation=accounts.organisation_by_code(session, body.organisation),
        matter=body.matter,
        matter_code=body.matter_code,
        record_type_codes=body.record_types,
        legal_basis=body.legal_basis,
        statutory_exception=None
        if body.statutory_exception is None
        else body.statutory_exception.stated(),
    )
    return _item_out(item)


@router.post(
    "/query-items/{code}/publish", tags=["disclosure"], responses=refusals(403, 404, 409, 422)
)
def publish_query_item(
    code: str,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    body: PublishIn | None = None,
) -> dict[str, Any]:
    """Publish a query item; one naming a record type that is not public is published
    only with its statutory exception (Art. 13 ¶3), stated when it was created or now."""
    exception = None
    if body is not None and body.statutory_exception is not None:
        exception = body.statutory_exception.stated()
    return _item_out(
        query_items.publish(session, clock, actor, code, statutory_exception=exception)
    )


@router.post("/query-items/{code}/withdraw", tags=["disclosure"], responses=refusals(403, 404, 409))
def withdraw_query_item(
    code: str, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    return _item_out(query_items.withdraw(session, clock, actor, code))
