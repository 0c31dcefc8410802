"""Collection API: batches, the catalog, sources, consents, declarations and commitments."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong import evidence_files
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Permission, require, require_subject_account
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.collection import (
    batches,
    consent,
    pipeline,
    readers,
    records,
    revocation,
    sources,
    timeliness,
)
from xinyong.collection.models import Consent
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.institutions import register
from xinyong.subjects.models import Subject
from xinyong.web.api.grantees import (
    GettextDep,
    GranteeOut,
    GrantEndReason,
    GrantEndReasonText,
    GrantStatus,
    grants_out,
)
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.openapi import refusals
from xinyong.web.uploads import format_for, spool

router = APIRouter(prefix="/api/v1")


class CsvResponse(PlainTextResponse):
    # Documented as what it is (a PlainTextResponse would be documented as text/plain).
    media_type = "text/csv"


BATCH_BODY_DOC = (
    'The rows: a JSON array of objects (or `{"rows": [...]}`) with '
    "`Content-Type: application/json`, JSON Lines with `application/x-ndjson`, a CSV file "
    "(UTF-8 or GB18030) with `text/csv`, or an XLSX workbook. Column names may be the "
    "Chinese 双公示 headers or the English field names."
)


@router.post(
    "/batches",
    tags=["collection"],
    status_code=201,
    openapi_extra={
        "requestBody": {
            "description": BATCH_BODY_DOC,
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
    responses={
        200: {
            "description": "A dry run (`dry_run=true`): the report the batch would have, "
            "with `dry_run` true and `batch_id` null, nothing written; or a replay of an "
            "`Idempotency-Key` (or of the same file): the first report again, nothing changed.",
            "content": {"application/json": {}},
        },
        **refusals(403, 404, 409),
    },
)
async def submit_batch(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    type: Annotated[
        str, Query(description="record type code, e.g. administrative_penalty", max_length=64)
    ],
    dry_run: Annotated[
        bool,
        Query(
            description="check the rows and answer the report without writing anything "
            "(no batch, record or subject), as `xinyong import --dry-run` and the upload "
            "page's dry run do"
        ),
    ] = False,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JSONResponse:
    """Submit a batch of records through the ingestion pipeline (Art. 9–11).

    Replaying the same `Idempotency-Key` with the same body returns the first report and
    changes nothing; the same key with a different body is refused (409). A key beginning
    `content:` or `release:` is the platform's own (a file's content, a held row's
    release) and is refused (422 `idempotency_key_reserved`). A query
    parameter this operation does not know is refused (422 `unknown_parameter`) rather
    than ignored: a misspelt `dry_run` would otherwise write a real batch.
    """
    # Refuse before reading what may be a large body.
    require(actor, Permission.SUBMIT_RECORDS)
    _refuse_unknown_parameters(request, {"type", "dry_run"})
    fmt = format_for(request.headers.get("content-type"))
    body = await spool(request.stream())
    settings = app_context(request).settings

    def run() -> dict[str, Any]:
        if actor.organisation_id is None:
            # Authenticated, but not for an organisation: forbidden, as on the upload page.
            raise PermissionDenied(
                "only an organisation's staff or systems submit batches",
                code="no_organisation",
                article="Art. 12",
            )
        organisation = session.get(Organisation, actor.organisation_id)
        assert organisation is not None
        stream = cast(BinaryIO, body.file)
        if fmt is readers.FileFormat.JSON:
            headers, rows = _json_rows(stream)
        else:
            reader = readers.open_rows(stream, fmt)
            headers, rows = reader.headers, reader
        report = pipeline.ingest(
            session,
            clock,
            actor,
            pipeline.Submission(
                organisation=organisation,
                record_type_code=type,
                channel="api",
                content_hash=body.sha256,
                idempotency_key=idempotency_key,
            ),
            headers,
            rows,
            late_after_working_days=settings.late_submission_working_days,
        )
        if not dry_run or report.replayed:
            # A replay is the stored batch's report, in a dry run too.
            answer = batches.report_dict(
                report, quarantine_content_days=settings.quarantine_content_days
            )
        else:
            # The same pipeline, then nothing kept: no batch to name, no content to keep.
            answer = {**report.as_dict(), "batch_id": None, "quarantined_content_kept_until": None}
        if dry_run and not report.replayed:
            tried = pipeline.dry_run_of(report)
            session.rollback()
            pipeline.record_dry_run(session, clock, actor, tried)
        elif dry_run:
            session.rollback()
        return {**answer, "dry_run": dry_run}

    try:
        answer = await run_in_threadpool(run)
    finally:
        body.file.close()
    created = not answer["replayed"] and not dry_run
    return JSONResponse(answer, status_code=201 if created else 200)


def _refuse_unknown_parameters(request: Request, known: set[str]) -> None:
    for name in request.query_params:
        if name not in known:
            raise InvalidInput(
                f"unknown query parameter {name!r}: this operation takes "
                + ", ".join(sorted(known)),
                code="unknown_parameter",
                field=name,
            )


_ROWS_WRAPPER = re.compile(rb'\A(?:\xef\xbb\xbf)?[ \t\n\r]*(?:\[|\{[ \t\n\r]*"rows"[ \t\n\r]*:)')
_PEEK_BYTES = 4096


def _json_rows(handle: BinaryIO) -> tuple[list[str], Iterable[readers.RawRow]]:
    """A JSON list of objects, or ``{"rows": [...]}``, read one object at a time.

    Refusals keep the codes of the API's former whole-body parse: a body that is not
    JSON at all (empty, not UTF-8) is bad_json. An object whose first member is not
    ``rows`` is rare and small: it is still parsed whole.
    """
    head = handle.read(_PEEK_BYTES)
    handle.seek(0)
    if not head.strip():
        raise readers.UnusableFile("bad_json", "the body is not valid JSON: it is empty")
    # UTF-16 and UTF-32 bodies (json.load accepts them) have NULs in any JSON text.
    if b"\x00" in head or not _ROWS_WRAPPER.match(head):
        return _whole_json_rows(handle)
    try:
        rows = readers.open_json_body(handle)
    except readers.UnusableFile as exc:
        raise _as_bad_json(exc) from exc
    return rows.headers, _translated(rows)


def _as_bad_json(exc: readers.UnusableFile) -> readers.UnusableFile:
    if exc.code == "encoding":
        return readers.UnusableFile(
            "bad_json", f"the body is not valid JSON: {exc.message}", row=exc.row, field=exc.field
        )
    return exc


def _translated(rows: readers.RowReader) -> Iterator[readers.RawRow]:
    try:
        yield from rows
    except readers.UnusableFile as exc:
        raise _as_bad_json(exc) from exc


def _whole_json_rows(handle: BinaryIO) -> tuple[list[str], Iterable[readers.RawRow]]:
    try:
        data = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise readers.UnusableFile("bad_json", f"the body is not valid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:
        # Nested too deeply, or a number too long to convert: the file's fault, not ours.
        problem = readers.json_problem(exc)
        raise readers.UnusableFile("bad_json", f"the body is not valid JSON: {problem}") from exc
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise readers.UnusableFile(
            "bad_json", 'the body must be a JSON array of objects, or {"rows": [...]}'
        )
    rows = readers.rows_from_objects(data)
    return rows.headers, rows


@router.get("/batches", tags=["collection"], responses=refusals(403))
def list_batches(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """Batches of the caller's organisation (all of them for the credit authority)."""
    return {
        "items": [
            {
                "batch_id": b.id,
                "received_at": b.received_at.isoformat(),
                "channel": b.channel,
                "filename": b.filename,
                "rows": b.rows_total,
                "created": b.created,
                "updated": b.updated,
                "unchanged": b.unchanged,
                "rejected": b.rejected,
                "held": b.held,
                "late": b.late,
                "awaiting_review": b.awaiting_review,
            }
            for b in batches.list_batches(session, actor)
        ]
    }


@router.get("/batches/{batch_id}", tags=["collection"], responses=refusals(403, 404))
def get_batch(
    request: Request, batch_id: RowId, session: SessionDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """A batch's report. The content of its rejected and held rows is kept until
    `quarantined_content_kept_until`, then erased (`quarantined_content_erased_at`); the
    problems of every row stay (decision 0021)."""
    return batches.report_dict(
        batches.get_report(session, actor, batch_id),
        quarantine_content_days=app_context(request).settings.quarantine_content_days,
    )


@router.get(
    "/batches/{batch_id}/report.csv",
    tags=["collection"],
    response_class=CsvResponse,
    responses=refusals(403, 404),
)
def get_batch_report_csv(
    batch_id: RowId, session: SessionDep, actor: AuthenticatedActorDep
) -> CsvResponse:
    """The rejected and held rows as CSV: row, field, code, message, article, disposition."""
    report = batches.get_report(session, actor, batch_id)
    return CsvResponse(
        batches.report_csv(report),
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-report.csv"'},
    )


@router.get("/catalog/record-types", tags=["catalog"])
def list_record_types(session: SessionDep) -> dict[str, Any]:
    """The information catalog (public): every record type and the rule that governs it."""
    return {
        "items": [
            {**rule.definition.model_dump(mode="json"), "rule": rule.source_label}
            for rule in catalog.list_record_types(session)
        ]
    }


@router.get("/catalog/record-types/{code}", tags=["catalog"], responses=refusals(404))
def get_record_type(
    code: str,
    session: SessionDep,
    jurisdiction: Annotated[str, Query(pattern=r"^\d{6}$")] = "350100",
) -> dict[str, Any]:
    """A record type's effective rule for an area, and the history of its versions."""
    rule = catalog.effective_rule(session, code, jurisdiction)
    return {
        **rule.definition.model_dump(mode="json"),
        "rule": rule.source_label,
        "suspended_district_rules": _suspended(
            [rule.suspended] if rule.suspended else catalog.suspended_district_rules(session, code)
        ),
        "history": [
            {
                "jurisdiction": v.jurisdiction,
                "version": v.version_no,
                "note": v.note,
                "created_at": v.created_at.isoformat(),
            }
            for v in catalog.history(session, code)
        ],
    }


@router.post(
    "/catalog/record-types", tags=["catalog"], status_code=201, responses=refusals(403, 409)
)
def create_record_type(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    definition: Annotated[dict[str, Any], Body(description="a record type definition")],
) -> dict[str, Any]:
    """Add a record type (credit authority). A prohibited field is refused (Art. 11 ¶3)."""
    rule = catalog.create_record_type(session, clock, actor, definition)
    return {**rule.definition.model_dump(mode="json"), "rule": rule.source_label}


@router.put("/catalog/record-types/{code}", tags=["catalog"], responses=refusals(403, 404, 409))
def revise_record_type(
    code: str,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    definition: Annotated[dict[str, Any], Body()],
    note: Annotated[str, Query(min_length=1, max_length=500)],
    jurisdiction: Annotated[str, Query(pattern=r"^\d{6}$")] = "350100",
) -> dict[str, Any]:
    """A new version of the city's rule, or a district's tightening of it (Art. 35)."""
    rule = catalog.revise_record_type(
        session, clock, actor, code, definition, jurisdiction=jurisdiction, note=note
    )
    return {
        **rule.definition.model_dump(mode="json"),
        "rule": rule.source_label,
        "suspended_district_rules": _suspended(catalog.suspended_district_rules(session, code)),
    }


@router.get("/catalog/rule-pack", tags=["catalog"], responses=refusals(403))
def get_rule_pack_changes(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """What the shipped rule pack changes in the catalog (credit authority, decision 0034):
    each of the pack's record types with its `status` — `new` (created by `xinyong init`),
    `current`, `upgrade` (nobody revised it: `xinyong init` brings it up to the pack),
    `revised` (the credit authority's own rule; the pack changed nothing it lacks) or
    `conflict` (the authority revised it and the pack changed it too: the authority's rule
    stays in force until it reconciles). `changes` lists what the pack changed since the
    city's rule last took it in (`loaded` → `shipped`, and the `city`'s value now), each
    `untouched` by the authority, already the `same`, or a `collision`; a conflict's
    `proposal` is the city's rule with the untouched changes taken in."""
    planned = rule_packs.plan(session, actor)
    return {
        "rule_pack": planned.rule_pack,
        "items": [_pack_item(found) for found in planned.items],
    }


def _pack_item(found: rule_packs.PackItem) -> dict[str, Any]:
    return {
        "code": found.code,
        "status": found.status.value,
        "pending": found.pending,
        "city_version": found.city_version.version_no if found.city_version else None,
        "baseline_version": found.baseline.version_no if found.baseline else None,
        "shipped_digest": found.digest,
        "changes": [
            {
                "path": change.path,
                "kind": change.kind.value,
                "loaded": change.loaded,
                "shipped": change.shipped,
                "city": change.city,
            }
            for change in found.changes
        ],
        "shipped": found.shipped if found.pending else None,
        "proposal": found.proposal,
        "proposal_problem": found.proposal_problem,
    }


class ReconcileIn(BaseModel):
    definition: dict[str, Any] = Field(
        description="the city's rule as the credit authority decides it: the `proposal`, "
        "the `shipped` definition, or its own"
    )
    note: str = Field(min_length=1, max_length=500, description="why: kept with the version")
    shipped_digest: str = Field(
        max_length=64, description="the `shipped_digest` of the pack definition answered"
    )


@router.post(
    "/catalog/rule-pack/{code}/reconcile",
    tags=["catalog"],
    status_code=201,
    responses=refusals(403, 404, 409),
)
def reconcile_rule_pack(
    code: Annotated[str, Path(max_length=64)],
    body: ReconcileIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The credit authority answers the shipped pack's changes to a record type with a new
    version of the city's rule of its own; later pack changes are measured from the
    definition it answered (decision 0034). 409 `no_rule_pack_change` when nothing waits,
    `rule_pack_changed` when the pack shipped now is not the one answered."""
    rule = rule_packs.reconcile(
        session,
        clock,
        actor,
        code,
        body.definition,
        note=body.note,
        shipped_digest=body.shipped_digest,
    )
    return {
        **rule.definition.model_dump(mode="json"),
        "rule": rule.source_label,
        "suspended_district_rules": _suspended(catalog.suspended_district_rules(session, code)),
    }


def _suspended(rules: list[catalog.SuspendedDistrictRule]) -> list[dict[str, Any]]:
    """District rules the city's rule in force has left looser: the city's rule governs
    those districts until they revise theirs (Art. 35)."""
    return [
        {
            "jurisdiction": suspended.jurisdiction,
            "version": suspended.version.version_no,
            "article": "Art. 35",
            "problems": [p._asdict() for p in suspended.problems],
        }
        for suspended in rules
    ]


class GrantIn(BaseModel):
    organisation: str = Field(min_length=1, max_length=40, description="USCC of the organisation")
    record_type: str = Field(min_length=1, max_length=64)


@router.get("/sources", tags=["collection"], responses=refusals(403))
def responsibility_list(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The responsibility list (credit authority): which organisation may submit which
    record types, with the responsibilities revoked (Art. 9)."""
    organisations = {org.id: org.code for org in accounts.list_organisations(session)}
    return {
        "items": [
            {
                "organisation": organisations.get(r.organisation_id),
                "record_type": r.record_type_code,
                "in_force": r.in_force,
                "granted_at": r.granted_at.isoformat(),
                "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
            }
            for r in sources.responsibility_list(session, actor)
        ]
    }


@router.post("/sources", tags=["collection"], status_code=201, responses=refusals(403, 404))
def grant_source(
    grant: GrantIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, str]:
    """Put a record type on an organisation's responsibility list (credit authority)."""
    organisation = accounts.organisation_by_code(session, grant.organisation)
    sources.grant(session, clock, actor, organisation, grant.record_type)
    return {"organisation": organisation.code, "record_type": grant.record_type}


class RevocationIn(GrantIn):
    """The responsibility to revoke: the organisation and the record type."""


@router.post("/sources/revoke", tags=["collection"], responses=refusals(403, 404))
def revoke_source(
    revocation: RevocationIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, str]:
    """Take a record type off an organisation's responsibility list (credit authority).

    From then on the organisation's submissions of that type are refused (Art. 9); its
    records already collected stay. A responsibility not in force is refused (422,
    `not_responsible`).
    """
    organisation = accounts.organisation_by_code(session, revocation.organisation)
    sources.revoke(session, clock, actor, organisation, revocation.record_type)
    return {"organisation": organisation.code, "record_type": revocation.record_type}


@router.get("/timeliness", tags=["collection"], responses=refusals(403))
def get_timeliness(
    request: Request, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Per source: records, late submissions and working days to submit (Art. 4), and its
    rows held for review awaiting a decision — `held_overdue` those waiting longer than a
    submission may take (`XINYONG_LATE_SUBMISSION_WORKING_DAYS`)."""
    late_after = app_context(request).settings.late_submission_working_days
    return {
        "items": [
            {
                "organisation": row.organisation_code,
                "name": row.organisation_name,
                "records": row.records,
                "late": row.late,
                "late_share": round(row.late_share, 4),
                "average_working_days": round(row.average_working_days, 1),
                "worst_working_days": row.worst_working_days,
                "held_awaiting": row.held_awaiting,
                "held_overdue": row.held_overdue,
                "held_longest_working_days": row.held_longest_working_days,
            }
            for row in timeliness.by_source(
                session, clock, actor, late_after_working_days=late_after
            )
        ],
        "late_after_working_days": late_after,
    }


class ConsentTerms(BaseModel):
    record_types: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1, description='record type codes, or ["*"] for all'
    )
    written: bool = True
    adverse_consequences_notified: bool = False
    evidence: str | None = Field(default=None, max_length=2000)
    valid_until: dt.date | None = None
    # To a credit service institution (Art. 27 ¶2): ignored for any other grantee.
    service: str | None = Field(
        default=None, max_length=200, description="the service the institution provides"
    )
    service_not_conditional: bool = Field(
        default=False, description="the service is not conditional on this consent"
    )


class ConsentIn(ConsentTerms):
    grantee: str = Field(
        min_length=1, max_length=40, description="USCC of the organisation that may collect"
    )


class ConsentOut(BaseModel):
    id: int
    grantee_organisation_id: int
    grantee: GranteeOut = Field(
        description="the organisation that may collect, as the pages name it"
    )
    record_types: list[str]
    written: bool
    adverse_consequences_notified: bool
    valid_from: dt.date
    valid_until: dt.date | None
    granted_at: str = Field(description="ISO 8601 date and time")
    revoked_at: str | None = Field(description="ISO 8601 date and time")
    status: GrantStatus
    end_reason: GrantEndReason
    end_reason_text: GrantEndReasonText
    service: str | None
    service_not_conditional: bool | None
    grantee_outside_register: str | None = Field(
        description="the grantee is a credit service institution outside the active register "
        "(its status); nothing is collected under the consent meanwhile (Art. 26)"
    )


class ConsentsOut(BaseModel):
    items: list[ConsentOut]


def _consent_out(
    session: Session,
    item: Consent,
    outside: dict[int, str] | None = None,
    *,
    today: dt.date,
    gettext: Callable[[str], str],
) -> dict[str, Any]:
    return _consents_out(session, [item], outside, today=today, gettext=gettext)[0]


def _consents_out(
    session: Session,
    items: list[Consent],
    outside: dict[int, str] | None = None,
    *,
    today: dt.date,
    gettext: Callable[[str], str],
) -> list[dict[str, Any]]:
    # A grantee outside the active register (``outside``): the consent is kept, and
    # honoured again if it is reinstated (Art. 26).
    return [
        {
            **shared,
            "written": item.written,
            "adverse_consequences_notified": item.adverse_consequences_notified,
            "valid_from": item.valid_from.isoformat(),
            "valid_until": item.valid_until.isoformat() if item.valid_until else None,
        }
        for shared, item in zip(
            grants_out(session, items, outside, today=today, gettext=gettext), items, strict=True
        )
    ]


@router.get("/me/consents", tags=["consent"], response_model=ConsentsOut, responses=refusals(403))
def my_consents(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep, gettext: GettextDep
) -> dict[str, Any]:
    """The logged-in person's consents to collection (Art. 11), each naming the organisation
    that may collect, whether it is in force and, once it ended, why (``end_reason``:
    revoked by the person, by the credit authority, by the system when the institution was
    registered again, or expired; ``end_reason_text`` in the language asked for)."""
    subject_id = require_subject_account(
        actor, "only a subject account has consents", article="Art. 11"
    )
    items = consent.consents_of(session, actor, subject_id)
    outside = register.outside_register(session, {c.grantee_organisation_id for c in items})
    return {"items": _consents_out(session, items, outside, today=clock.today(), gettext=gettext)}


@router.post("/me/consents", tags=["consent"], status_code=201, responses=refusals(403, 404, 409))
def give_consent(
    body: ConsentIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    subject_id = require_subject_account(
        actor, "only a subject account gives consent", article="Art. 11"
    )
    subject = session.get(Subject, subject_id)
    assert subject is not None
    item = consent.grant(
        session,
        clock,
        actor,
        subject=subject,
        grantee=accounts.organisation_by_code(session, body.grantee, field="grantee"),
        record_type_codes=body.record_types,
        written=body.written,
        adverse_consequences_notified=body.adverse_consequences_notified,
        evidence=body.evidence,
        valid_until=body.valid_until,
        service=body.service,
        service_not_conditional=body.service_not_conditional,
    )
    return _consent_out(session, item, today=clock.today(), gettext=gettext)


@router.post("/me/consents/{consent_id}/revoke", tags=["consent"], responses=refusals(403, 404))
def revoke_consent(
    consent_id: RowId,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    """Revocation stops collection under this consent from the next batch on."""
    return _consent_out(
        session,
        consent.revoke(session, clock, actor, consent_id),
        today=clock.today(),
        gettext=gettext,
    )


class AuthorityRevocationIn(BaseModel):
    reasons: str = Field(
        min_length=1,
        max_length=consent.REASONS_MAX,
        description="why the consent is ended: how it was not lawfully obtained",
    )


@router.post(
    "/supervision/consents/{consent_id}/revoke",
    tags=["supervision"],
    responses=refusals(403, 404, 409),
)
def revoke_consent_as_authority(
    consent_id: RowId,
    body: AuthorityRevocationIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    """The credit authority supervising the grantee (a district's, its own district's
    grantees) ends a consent not lawfully obtained (Art. 6, 11, 27 ¶2), with its reasons:
    collection under it stops from the next batch on. In the person's access log; the
    person's list says the credit authority revoked it. A consent outside the caller's
    area is not found; one revoked already is a 409."""
    return _consent_out(
        session,
        consent.revoke_as_authority(session, clock, actor, consent_id, body.reasons),
        today=clock.today(),
        gettext=gettext,
    )


class RecordedConsentIn(ConsentTerms):
    # No grantee: it is the caller's own organisation. The person by reference, or by ID
    # number (in the body, never in the URL) with the name on the signed form.
    subject: str | None = Field(
        default=None, max_length=40, description="the subject's reference (not with citizen_id)"
    )
    citizen_id: str | None = Field(
        default=None,
        max_length=40,
        description="the person's ID number, as on the signed consent (not with subject)",
    )
    name: str | None = Field(
        default=None,
        max_length=200,
        description="the person's name on the signed consent: required for a person not on "
        "the platform yet, who is registered with it; checked against a known person's",
    )
    evidence_document: str | None = Field(
        default=None,
        max_length=2_000_000,
        description="a credit service institution's consent: the signed consent form as "
        "base64 (PDF, PNG or JPEG), required with the service (Art. 27 ¶2)",
    )


@router.post("/consents", tags=["consent"], status_code=201, responses=refusals(403, 404, 409))
def record_consent(
    body: RecordedConsentIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    gettext: GettextDep,
) -> dict[str, Any]:
    """A grantee records a written consent it obtained, with its evidence (Art. 11); a
    person not on the platform yet is registered from its ID number and name (Art. 11 ¶1).
    """
    if actor.organisation_id is None:
        raise PermissionDenied(
            "only an organisation records consents it obtained",
            code="no_organisation",
            article="Art. 11",
        )
    grantee = session.get(Organisation, actor.organisation_id)
    assert grantee is not None
    item = consent.record_held(
        session,
        clock,
        actor,
        grantee=grantee,
        citizen_id=body.citizen_id,
        reference=body.subject,
        name=body.name or "",
        record_type_codes=body.record_types,
        written=body.written,
        adverse_consequences_notified=body.adverse_consequences_notified,
        evidence=body.evidence,
        valid_until=body.valid_until,
        service=body.service,
        service_not_conditional=body.service_not_conditional,
        evidence_document=body.evidence_document,
    )
    return _consent_out(session, item, today=clock.today(), gettext=gettext)


@router.get(
    "/consents/{consent_id}/signed-form",
    tags=["consent"],
    response_class=Response,
    responses={
        **refusals(403, 404),
        200: {
            "description": "The signed consent form as it was uploaded",
            "content": {media: {} for media in evidence_files.MEDIA_TYPE_OF_KIND.values()},
        },
    },
)
def signed_form(
    consent_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> Response:
    """The signed consent form a credit service institution uploaded with the consent
    (Art. 27 ¶2): for the person whose consent it is, and the credit authority supervising
    the institution, whose read is in the person's access log. Audited."""
    found = consent.signed_form(session, clock, actor, consent_id)
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": "attachment", "Cache-Control": "no-store"},
    )


class DeclarationIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=5000)


@router.post(
    "/me/declarations",
    tags=["self-declaration"],
    status_code=201,
    responses=refusals(403, 404, 409),
)
def declare(
    body: DeclarationIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Declare information about yourself (Art. 10 ¶2); it is marked as self-declared."""
    record = records.declare(session, clock, actor, title=body.title, content=body.content)
    return {
        "record_id": record.id,
        "self_declared": True,
        "decision_date": record.decision_date.isoformat(),
    }


class CommitmentIn(BaseModel):
    commitment_type: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)
    text: str = Field(min_length=1, max_length=5000)
    accepting_unit: str = Field(
        min_length=1, max_length=40, description="USCC of the state body accepting the commitment"
    )


@router.post(
    "/me/commitments", tags=["self-declaration"], status_code=201, responses=refusals(403, 404, 409)
)
def make_commitment(
    body: CommitmentIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Make a public credit commitment (Art. 10 ¶2, Art. 21); its fulfilment starts as pending."""
    record = records.make_commitment(
        session,
        clock,
        actor,
        commitment_type=body.commitment_type,
        reason=body.reason,
        text=body.text,
        accepting_unit=accounts.organisation_by_code(
            session, body.accepting_unit, field="accepting_unit"
        ),
    )
    return {"record_id": record.id, "self_declared": True, "fulfilment_status": "pending"}


@router.get("/commitments", tags=["self-declaration"], responses=refusals(403, 404))
def accepted_commitments(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    status: Annotated[str | None, Query(pattern="^(pending|fulfilled|breached)$")] = None,
) -> dict[str, Any]:
    """The credit commitments made to the caller's unit, newest first, with their current
    fulfilment status: what the unit has to follow up (in each citizen's access log)."""
    shown = records.accepted_commitments(session, clock, actor, status=status)
    return {"items": [asdict(c) for c in shown]}


class FulfilmentIn(BaseModel):
    status: str = Field(pattern="^(pending|fulfilled|breached)$")
    note: str = Field(min_length=1, max_length=2000)


@router.post(
    "/commitments/{record_id}/fulfilment",
    tags=["self-declaration"],
    responses=refusals(403, 404, 409),
)
def update_fulfilment(
    record_id: RowId,
    body: FulfilmentIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The accepting unit records whether the commitment was kept: a new version (Art. 24)."""
    version = records.update_fulfilment(
        session, clock, actor, record_id, status=body.status, note=body.note
    )
    return {"record_id": record_id, "version": version.version_no, "fulfilment_status": body.status}


# --- the source's records: revocation (decision 0028) ------------------------------------------


def _source_record_out(found: revocation.SourceRecord) -> dict[str, Any]:
    r = found.record
    return {
        "id": r.id,
        "record_type": found.type_code,
        "type_name": found.type_name,
        "type_name_en": found.type_name_en,
        "subject": {"name": found.subject_name, "code": found.subject_code},
        "status": r.status.value,
        "version": r.current_version_no,
        "decision_date": r.decision_date.isoformat(),
        "publicity": {
            "start": r.publicity_start.isoformat() if r.publicity_start else None,
            "end": r.publicity_end.isoformat() if r.publicity_end else None,
        },
        "revocable": found.revocable,
        "reinstatable": found.reinstatable,
        # Taken out of use on this objection, upheld (Art. 25): not reinstated here.
        "out_of_use_objection": found.out_of_use_objection,
        "history": [
            {
                "version": v.version_no,
                "status": v.status.value,
                "reason": v.reason,
                "detail": v.reason_detail,
                "source": found.source_names.get(v.source_organisation_id)
                if v.source_organisation_id
                else None,
                "at": v.created_at.isoformat(),
            }
            for v in found.versions
        ],
    }


@router.get("/records", tags=["collection"], responses=refusals(403))
def find_records(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    number: Annotated[
        str,
        Query(
            min_length=1,
            max_length=revocation.MAX_DOCUMENT_NUMBER,
            description="a part of the natural key, e.g. the decision's document number",
        ),
    ],
) -> dict[str, Any]:
    """The caller's unit's records found by a part of their natural key (the decision's
    document number), newest first, at most 20: to find one to revoke. Only data
    reporters; each subject shown is in its access log."""
    return {
        "items": [
            {
                "id": f.id,
                "record_type": f.type_code,
                "subject": {"name": f.subject_name, "code": f.subject_code},
                "decision_date": f.decision_date.isoformat(),
                "status": f.status.value,
            }
            for f in revocation.find_own(session, clock, actor, number)
        ]
    }


@router.get("/records/{record_id}", tags=["collection"], responses=refusals(403, 404))
def source_record(
    record_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """A record as the unit that submitted it sees it, with its history (Art. 24): only
    that unit's data reporters (``403 not_source``, Art. 12). In the subject's access log."""
    return _source_record_out(revocation.source_record(session, clock, actor, record_id))


class RecordRevocationIn(BaseModel):
    ground: str = Field(
        pattern="^(" + "|".join(revocation.GROUNDS) + ")$",
        description="reconsideration (annulled on administrative reconsideration), court "
        "(annulled by a court), withdrawn (withdrawn by the deciding organ), other",
    )
    document_number: str = Field(
        min_length=1,
        max_length=revocation.MAX_DOCUMENT_NUMBER,
        description="the number of the decision that annulled or withdrew it",
    )
    reason: str = Field(min_length=1, max_length=revocation.MAX_TEXT)


@router.post("/records/{record_id}/revoke", tags=["collection"], responses=refusals(403, 404, 409))
def revoke_record(
    record_id: RowId,
    body: RecordRevocationIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The unit that submitted a record revokes it, the decision behind it having been
    annulled or withdrawn: a new version, status ``revoked`` — no longer public, shared or
    used; list entries resting on it removed; reports issued to others that may show it no
    longer open. Only its data reporters (``403 not_source``, Art. 12); a record revoked
    already ``409 already_revoked``, a deleted one ``409 record_not_revocable``."""
    version = revocation.revoke(
        session,
        clock,
        actor,
        record_id,
        ground=body.ground,
        document_number=body.document_number,
        reason=body.reason,
    )
    return {"record_id": record_id, "version": version.version_no, "status": "revoked"}


class RecordReinstatementIn(BaseModel):
    ground: str = Field(
        pattern="^(" + "|".join(revocation.REINSTATEMENT_GROUNDS) + ")$",
        description="revocation_set_aside (the annulling or withdrawing decision was itself "
        "set aside: document_number required), revoked_in_error (document_number optional)",
    )
    document_number: str = Field(
        default="",
        max_length=revocation.MAX_DOCUMENT_NUMBER,
        description="the number of the decision that set the annulment aside",
    )
    reason: str = Field(min_length=1, max_length=revocation.MAX_TEXT)


@router.post(
    "/records/{record_id}/reinstate", tags=["collection"], responses=refusals(403, 404, 409)
)
def reinstate_record(
    record_id: RowId,
    body: RecordReinstatementIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The unit that revoked a record reinstates it: the annulling decision was set aside
    on appeal (``revocation_set_aside``, its number required) or the record was revoked in
    error. A new version with the content unchanged and the status, publicity window and
    confidentiality review the record would have had it never been revoked (a record that
    was waiting for its review waits again); list entries the revocation removed are
    published again while their term runs. **Report contents deleted at the revocation stay
    deleted**: the recipients ask for new reports. Only its data reporters (``403
    not_source``, Art. 12); a record not revoked ``409 not_revoked``."""
    done = revocation.reinstate(
        session,
        clock,
        actor,
        record_id,
        ground=body.ground,
        document_number=body.document_number,
        reason=body.reason,
    )
    return {
        "record_id": record_id,
        "version": done.version.version_no,
        "status": done.version.status.value,
        "awaiting_review": done.awaiting_review,
        "list_entries_restored": done.list_entries_restored,
    }
