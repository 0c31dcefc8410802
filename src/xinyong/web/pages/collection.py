"""Collection pages: batches and their reports, the upload form, timeliness,
and the accepting unit's fulfilment form (Art. 9–11, 24).

They mirror ``web.api.collection`` for people with a browser: the same pipeline, the same
services, the session cookie instead of a token. Refusals propagate to the app's error
handler, which renders them as a page with their code and article; only a form's own
input errors are shown on the form again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from pathlib import PurePosixPath
from typing import Annotated, Any, BinaryIO, cast

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import FieldSpec, RecordTypeDefinition
from xinyong.clock import CHINA, Clock
from xinyong.collection import batches, pipeline, readers, records, sources, timeliness
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep, app_context
from xinyong.web.i18n import catalog_name
from xinyong.web.labels import ORGANISATION_KIND_LABELS, SEVERITY_LABELS
from xinyong.web.pages.forms import BLANK, LINE_BREAKS_AS_ONE, FormState, refused, render_form
from xinyong.web.pages.public import KIND_LABELS
from xinyong.web.pages.rendering import check_csrf, locale_of, render
from xinyong.web.uploads import spool

router = APIRouter(include_in_schema=False)

UPLOAD_CHUNK_BYTES = 1024 * 1024
# A report page stays readable; the CSV download has every problem.
MAX_PROBLEMS_SHOWN = 500


def N_(message: str) -> str:
    """Marks a message id for extraction (``make i18n``); it is translated where shown."""
    return message


CATEGORY_LABELS = {
    "public": N_("Public credit information"),
    "market": N_("Market credit information"),
}
POLARITY_LABELS = {
    "positive": N_("Positive"),
    "negative": N_("Negative"),
    "neutral": N_("Neutral"),
}
DISCLOSURE_LABELS = {
    "public": N_("Public for a publicity period"),
    "non_public": N_("Not public"),
}
SENSITIVITY_LABELS = {
    "ordinary": N_("Ordinary"),
    "restricted": N_("Restricted: written consent after notice (Art. 11 ¶2)"),
}
FIELD_TYPE_LABELS = {
    "text": N_("Text"),
    "date": N_("Date"),
    "decimal": N_("Number"),
    "enum": N_("Choice"),
    "uscc": N_("Unified social credit code"),
    "citizen_id": N_("Citizen ID number"),
}
DISPOSITION_LABELS = {
    "rejected": N_("Rejected"),
    "held": N_("Held: name does not match the registered subject"),
}
CHANNEL_LABELS = {
    "api": N_("API"),
    "cli": N_("Command line"),
    "page": N_("Upload page"),
    "review": N_("Release of a held row"),
}
# A held row's decision (``collection.held_rows``, decision 0050).
RESOLUTION_LABELS = {
    "released": N_("Released under the registered subject"),
    "rejected": N_("Rejected"),
}
FULFILMENT_LABELS = {
    "pending": N_("Pending"),
    "fulfilled": N_("Fulfilled"),
    "breached": N_("Breached"),
}
LABELS = {
    "category": CATEGORY_LABELS,
    "polarity": POLARITY_LABELS,
    "disclosure": DISCLOSURE_LABELS,
    "sensitivity": SENSITIVITY_LABELS,
    "field_type": FIELD_TYPE_LABELS,
    "severity": SEVERITY_LABELS,
    "organisation_kind": ORGANISATION_KIND_LABELS,
    "subject_kind": KIND_LABELS,
    "disposition": DISPOSITION_LABELS,
    "channel": CHANNEL_LABELS,
    "fulfilment": FULFILMENT_LABELS,
    "resolution": RESOLUTION_LABELS,
}


# --- helpers shared with the subject pages (me.py) ----------------------------------------


def page_helpers(request: Request) -> dict[str, Any]:
    """Label tables and small formatters for the templates, in the page's language."""
    locale = locale_of(request)

    def type_name(definition: RecordTypeDefinition) -> str:
        return catalog_name(definition.name_zh, definition.name_en, locale)

    def field_label(spec: FieldSpec) -> str:
        return catalog_name(spec.label_zh, spec.label_en, locale)

    def local_time(moment: dt.datetime | None) -> str:
        return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""

    return {
        "labels": LABELS,
        "type_name": type_name,
        "field_label": field_label,
        "local_time": local_time,
    }


def rules_by_type_id(session: Session) -> dict[int, catalog.EffectiveRule]:
    return {rule.record_type.id: rule for rule in catalog.list_record_types(session)}


def organisations_by_id(session: Session) -> dict[int, Organisation]:
    return {org.id: org for org in accounts.list_organisations(session)}


def _own_organisation(session: Session, actor: Actor) -> Organisation:
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    if organisation is None:
        raise PermissionDenied(
            "only an organisation's staff submit records", code="no_organisation", article="Art. 12"
        )
    return organisation


def _safe_filename(name: str | None) -> str:
    # Only the base name: a browser may send a full Windows path.
    return PurePosixPath((name or "").replace("\\", "/")).name[:255]


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(UPLOAD_CHUNK_BYTES):
        yield chunk


def _field_labeller(
    rule: catalog.EffectiveRule | None, field_label: Callable[[FieldSpec], str]
) -> Callable[[str | None], str]:
    def label(name: str | None) -> str:
        if not name:
            return ""
        if rule is not None:
            try:
                return field_label(rule.definition.field(name))
            except KeyError:
                pass
        return name  # a column of the file (e.g. a prohibited one), shown as it was

    return label


def _render_report(
    request: Request,
    rule: catalog.EffectiveRule | None,
    report: dict[str, Any],
    meta: dict[str, Any],
    *,
    dry_run: bool,
    replayed: bool,
) -> HTMLResponse:
    helpers = page_helpers(request)
    # A fresh report lists problems in the order they were found; show them by row.
    problems = sorted(report["problems"], key=lambda problem: problem["row"])
    return render(
        request,
        "collection_batch.html",
        {
            **helpers,
            "report": report,
            "meta": meta,
            "rule": rule,
            "dry_run": dry_run,
            "replayed": replayed,
            "problems": problems[:MAX_PROBLEMS_SHOWN],
            "problems_total": len(problems),
            "problem_field": _field_labeller(rule, helpers["field_label"]),
        },
    )


# --- batches ------------------------------------------------------------------------------


@router.get("/batches", response_class=HTMLResponse)
def batch_list(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The organisation's batches (every organisation's for the credit authority)."""
    items = batches.list_batches(session, actor)
    return render(
        request,
        "collection_batches.html",
        {
            **page_helpers(request),
            "batches": items,
            "rules": rules_by_type_id(session),
            "organisations": organisations_by_id(session),
        },
    )


def _upload_context(session: Session, actor: Actor) -> dict[str, Any]:
    organisation = _own_organisation(session, actor)
    types = [
        catalog.effective_rule(session, code, organisation.jurisdiction)
        for code in sources.responsibilities(session, organisation.id)
    ]
    return {"types": types, "organisation": organisation}


@router.get("/batches/upload", response_class=HTMLResponse)
def upload_form(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    require(actor, Permission.SUBMIT_RECORDS)
    return _render_upload(request, _upload_context(session, actor), BLANK)


def _render_upload(request: Request, context: dict[str, Any], state: FormState) -> HTMLResponse:
    return render_form(
        request, "collection_upload.html", {**page_helpers(request), **context}, state
    )


async def _upload_form_again(
    request: Request,
    session: Session,
    actor: Actor,
    exc: InvalidInput,
    record_type: str,
    dry_run: bool,
) -> HTMLResponse:
    """A file that cannot be read: the form again, with the reason (and the row, if known),
    the choices made kept — a dry run stays one, lest the corrected file be written."""

    def again() -> tuple[dict[str, Any], FormState]:
        # The database work (roll back, then read the form's choices) off the event loop.
        state = refused(session, exc, {"record_type": record_type, "dry_run": dry_run})
        return _upload_context(session, actor), state

    context, state = await run_in_threadpool(again)
    return _render_upload(request, context, state)


@router.post("/batches/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: ActorDep,
    record_type: Annotated[str, Form(max_length=64)],
    file: Annotated[UploadFile | None, File()] = None,
    dry_run: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Run an uploaded file through the ingestion pipeline, exactly as the API does.

    No idempotency key: the pipeline derives one from the file's content, so uploading the
    same file again shows the first report and changes nothing.
    """
    check_csrf(request, csrf_token)
    require(actor, Permission.SUBMIT_RECORDS)
    filename = _safe_filename(file.filename if file else None)
    settings = app_context(request).settings
    try:
        if file is None or not filename:
            raise InvalidInput("choose the file to upload", code="required", field="file")
        fmt = readers.detect_format(filename, file.content_type)
        body = await spool(_chunks(file))
    except InvalidInput as exc:  # not a format we read, or too large
        return await _upload_form_again(request, session, actor, exc, record_type, dry_run)

    def run() -> tuple[dict[str, Any], dict[str, Any], catalog.EffectiveRule | None]:
        organisation = _own_organisation(session, actor)
        with readers.open_rows(cast(BinaryIO, body.file), fmt) as rows:
            report = pipeline.ingest(
                session,
                clock,
                actor,
                pipeline.Submission(
                    organisation=organisation,
                    record_type_code=record_type,
                    channel="page",
                    content_hash=body.sha256,
                    filename=filename,
                ),
                rows.headers,
                rows,
                late_after_working_days=settings.late_submission_working_days,
            )
        batch = report.batch
        meta = {
            "organisation": organisation.name,
            "filename": batch.filename,
            "channel": batch.channel,
            "received_at": batch.received_at,
        }
        result = report.as_dict()
        # The report names its type by code; the rules are keyed by the type's id, read
        # before a dry run's rollback expires the batch.
        record_type_id = batch.record_type_id
        if dry_run and not report.replayed:
            tried = pipeline.dry_run_of(report)
            session.rollback()
            pipeline.record_dry_run(session, clock, actor, tried)
        elif dry_run:
            session.rollback()
        return result, meta, rules_by_type_id(session).get(record_type_id)

    try:
        result, meta, rule = await run_in_threadpool(run)
    except InvalidInput as exc:  # an unusable file, or none of its columns of this type
        return await _upload_form_again(request, session, actor, exc, record_type, dry_run)
    finally:
        body.file.close()
    if not dry_run:
        target = f"/batches/{result['batch_id']}"
        return RedirectResponse(
            f"{target}?replayed=1" if result["replayed"] else target, status_code=303
        )
    return _render_report(request, rule, result, meta, dry_run=True, replayed=result["replayed"])


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_report(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    batch_id: RowId,
    replayed: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    report = batches.get_report(session, actor, batch_id)
    batch = report.batch
    organisation = session.get(Organisation, batch.organisation_id)
    meta = {
        "organisation": organisation.name if organisation else "",
        "filename": batch.filename,
        "channel": batch.channel,
        "received_at": batch.received_at,
    }
    keep_days = app_context(request).settings.quarantine_content_days
    result = batches.report_dict(report, quarantine_content_days=keep_days)
    meta["quarantine_erased_at"] = batch.quarantine_erased_at
    rule = rules_by_type_id(session).get(batch.record_type_id)
    return _render_report(request, rule, result, meta, dry_run=False, replayed=replayed)


@router.get("/batches/{batch_id}/report.csv")
def batch_report_csv(batch_id: RowId, actor: ActorDep, session: SessionDep) -> Response:
    """The rejected and held rows as CSV, like the API's; with a byte-order mark so that
    Excel, where clerks open it, reads the Chinese text as UTF-8."""
    report = batches.get_report(session, actor, batch_id)
    return Response(
        "\ufeff" + batches.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="batch-{batch_id}-report.csv"'},
    )


# --- supervision and the catalog ----------------------------------------------------------


@router.get("/supervision/timeliness", response_class=HTMLResponse)
def timeliness_page(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    """How late each source submits, and how long its held rows wait (Art. 4), for the
    credit authority."""
    late_after = app_context(request).settings.late_submission_working_days
    rows = timeliness.by_source(session, clock, actor, late_after_working_days=late_after)
    return render(request, "collection_timeliness.html", {"rows": rows, "late_after": late_after})


# --- credit commitments: the accepting unit records fulfilment ----------------------------


def _render_fulfilment(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    record_id: RowId,
    state: FormState = BLANK,
) -> HTMLResponse:
    return render_form(
        request,
        "collection_fulfilment.html",
        {
            **page_helpers(request),
            "record_id": record_id,
            "commitment": records.accepted_commitment(session, clock, actor, record_id),
            "statuses": records.FULFILMENT_STATUSES,
        },
        state,
    )


@router.get("/commitments", response_class=HTMLResponse)
def accepted_commitments(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[str, Query(pattern="^(|pending|fulfilled|breached)$")] = "",
) -> HTMLResponse:
    """The commitments made to the unit, each with a link to record its fulfilment."""
    return render(
        request,
        "collection_commitments.html",
        {
            **page_helpers(request),
            "commitments": records.accepted_commitments(
                session, clock, actor, status=status or None
            ),
            "statuses": records.FULFILMENT_STATUSES,
            "status": status,
        },
    )


@router.get("/commitments/{record_id}/fulfilment", response_class=HTMLResponse)
def fulfilment_form(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep, record_id: RowId
) -> HTMLResponse:
    """The commitment (whose, which, when, status now) and the form to record its fulfilment;
    only for a commitment made to the officer's own unit."""
    return _render_fulfilment(request, session, clock, actor, record_id)


@router.post("/commitments/{record_id}/fulfilment", response_class=HTMLResponse)
def update_fulfilment(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    record_id: RowId,
    status: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Whether a commitment was kept: a new version of the record (Art. 24)."""
    check_csrf(request, csrf_token)
    try:
        version = records.update_fulfilment(
            session, clock, actor, record_id, status=status, note=note
        )
    except (InvalidInput, Conflict) as exc:  # a revoked commitment's, beside the form
        return _render_fulfilment(
            request,
            session,
            clock,
            actor,
            record_id,
            refused(session, exc, {"status": status, "note": note}),
        )
    notice = {"status": status, "version": version.version_no}
    return _render_fulfilment(request, session, clock, actor, record_id, FormState(notice=notice))
