"""The security officer's confidentiality review page (Art. 12(3)) and the credit
authority's supervision page (Art. 12, 13 ¶2, 33–34).

They mirror ``web.api.supervision`` for people with a browser: the same services, the
session cookie instead of a token, the CSRF token on every form. Refusals propagate to the
app's error handler, which renders them with their code and article; only a form's own
input errors are shown on the page again.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.catalog import service as catalog
from xinyong.clock import Clock
from xinyong.collection import consent as consents
from xinyong.disclosure import grant_supervision, review, supervision
from xinyong.disclosure.models import FollowUpKind
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.web.deps import MAX_ROW_ID, ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import (
    GRANT_END_LABELS_SUPERVISED,
    GRANT_STATUS_LABELS,
    LEGAL_PATH_LABELS,
    ROLE_LABELS,
    choice_label,
)
from xinyong.web.pages.collection import N_, page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    parse_date,
    refused,
    refused_access,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf
from xinyong.web.report_output import requester_in_words

router = APIRouter(include_in_schema=False)

SIGNAL_LABELS = {
    supervision.SignalKind.VOLUME.value: N_("Query volume far above the organisation's norm"),
    supervision.SignalKind.OUTSIDE_MATTER.value: N_("Queries outside the query item's matter"),
    supervision.SignalKind.REPEATED_PERSON.value: N_(
        "Repeated reads of the same person without a case"
    ),
    supervision.SignalKind.AFTER_HOURS.value: N_("Reads outside working hours"),
    supervision.SignalKind.PERSON_LOOKUPS.value: N_("Many persons looked up by ID number"),
    supervision.SignalKind.JOINT_CHECK_UNLISTED.value: N_(
        "Joint checks of many codes that found nobody on any list"
    ),
}
# Each signal's rule in the page's words, filled from the signal's thresholds (the service
# states it in English for the API).
SIGNAL_RULES = {
    supervision.SignalKind.VOLUME.value: N_(
        "a day's reads above %(factor)g × the organisation's median daily reads over the "
        "%(baseline_days)s days before (days since its first read, at least "
        "%(min_history_days)s), and at least %(min_reads)s"
    ),
    supervision.SignalKind.OUTSIDE_MATTER.value: N_(
        "at least %(refusals_min)s attempts refused for not naming the query item's matter, "
        "or at least %(reads_min)s read(s) for another purpose than its matter"
    ),
    supervision.SignalKind.REPEATED_PERSON.value: N_(
        "at least %(reads)s reads of the same natural person by the same staff member on the "
        "same legal path within %(window_days)s days; no case reference is recorded with a "
        "read, so ask the organisation for the case"
    ),
    supervision.SignalKind.AFTER_HOURS.value: N_(
        "at least %(reads_min)s reads outside working hours by one staff member"
    ),
    supervision.SignalKind.PERSON_LOOKUPS.value: N_(
        "in one day, at least %(lookups_min)s lookups of persons by ID number by one staff "
        "member, or at least %(failed_min)s that found no one"
    ),
    supervision.SignalKind.JOINT_CHECK_UNLISTED.value: N_(
        "at least %(codes_min)s codes in one staff member's joint checks that found nobody on "
        "any list: no subject, or a subject on no list and named on no entry — checks that "
        "learn who is who rather than apply a measure"
    ),
}
FOLLOW_UP_LABELS = {
    FollowUpKind.INTERVIEW.value: N_("Interview (约谈)"),
    FollowUpKind.ORDER_CORRECTION.value: N_("Order to correct (责令改正)"),
    FollowUpKind.WARNING.value: N_("Warning (警告)"),
    FollowUpKind.CIRCULATE_CRITICISM.value: N_("Circulated criticism (通报批评)"),
}
# The evidence and threshold keys the signals carry (supervision.signals).
EVIDENCE_LABELS = {
    "day": N_("Day"),
    "reads": N_("Reads"),
    "baseline_median": N_("Median daily reads before"),
    "limit": N_("Limit"),
    "norm_days": N_("Days in the norm"),
    "baseline_total": N_("Reads in those days"),
    "by_staff": N_("By staff member"),
    "staff": N_("Staff member"),
    "query_item": N_("Query item"),
    "matter": N_("Administrative matter"),
    "matter_code": N_("Matter code"),
    "refused_matter_mismatch": N_("Attempts refused: matter not named"),
    "reads_for_another_purpose": N_("Reads for another purpose"),
    "purposes": N_("Purposes given"),
    "subject": N_("Subject"),
    "reference": N_("Reference"),
    "code": N_("Code"),
    "legal_path": N_("Legal path"),
    "reads_in_window": N_("Reads within the window"),
    "reads_in_period": N_("Reads in the period"),
    "first": N_("First"),
    "last": N_("Last"),
    "reads_outside_working_hours": N_("Reads outside working hours"),
    "times": N_("Times"),
    "factor": N_("Factor"),
    "baseline_days": N_("Baseline days"),
    "min_reads": N_("Minimum reads"),
    "min_history_days": N_("Minimum days of history"),
    "refusals_min": N_("Minimum refused attempts"),
    "reads_min": N_("Minimum reads"),
    "window_days": N_("Window (days)"),
    "lookups": N_("Lookups by ID number"),
    "lookups_failed": N_("Lookups that found no one"),
    "persons_found": N_("Persons found"),
    "lookups_min": N_("Minimum lookups"),
    "failed_min": N_("Minimum lookups that found no one"),
    "on_no_list": N_("Codes that found nobody on any list"),
    "codes_found_no_one": N_("Codes that found no subject"),
    "subjects_on_no_list": N_("Subjects found on no list"),
    "subjects_on_a_list": N_("Subjects found on a list"),
    "codes": N_("Codes checked"),
    "checks": N_("Joint checks"),
    "days": N_("Days with checks"),
    "by_day": N_("Busiest days"),
    "codes_min": N_("Minimum codes that found nobody on any list"),
}


# --- confidentiality review (Art. 12(3)) -------------------------------------------------------


def _render_reviews(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    state: FormState = BLANK,
    *,
    error_record: int | None = None,
) -> HTMLResponse:
    """One form per pending record: ``error_record`` says which one ``state`` is about."""
    items = review.pending(session, clock, actor)
    officers = (
        review.security_officers(session, actor.organisation_id) if actor.organisation_id else []
    )
    return render_form(
        request,
        "review_pending.html",
        {
            **page_helpers(request),
            "items": items,
            "officers": officers,
            "redacted_marker": review.REDACTED,
            "error_record": error_record,
            "choice_label": choice_label,
        },
        state,
    )


@router.get("/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
    record: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> HTMLResponse:
    """What waits for my confirmation, with its content, so I can judge it (each record
    shown is in its subject's access log)."""
    notice = (
        {"decision": done, "record": record}
        if done in ("cleared", "redacted") and record is not None
        else None
    )
    return _render_reviews(request, session, clock, actor, FormState(notice=notice))


@router.post("/reviews/{record_id}/confirm")
def confirm_review(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    record_id: RowId,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=review.NOTE_MAX)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        review.confirm(session, clock, actor, record_id, note)
    except (InvalidInput, Conflict) as exc:
        state = refused(session, exc, {"note": note})
        return _render_reviews(request, session, clock, actor, state, error_record=record_id)
    return RedirectResponse(f"/reviews?done=cleared&record={record_id}", status_code=303)


@router.post("/reviews/{record_id}/redact")
def redact_review(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    record_id: RowId,
    fields: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=review.NOTE_MAX)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    chosen = [name[:64] for name in (fields or [])][:100]
    try:
        review.redact(session, clock, actor, record_id, chosen, note)
    except (InvalidInput, Conflict) as exc:
        state = refused(session, exc, {"fields": chosen, "redact_note": note})
        return _render_reviews(request, session, clock, actor, state, error_record=record_id)
    return RedirectResponse(f"/reviews?done=redacted&record={record_id}", status_code=303)


# --- supervision of use (Art. 12, 13 ¶2, 33–34) ------------------------------------------------


def _render_supervision(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    span: supervision.Period,
    state: FormState = BLANK,
) -> HTMLResponse:
    rows = supervision.volumes(session, actor, span.since, span.until)
    found = supervision.signals(session, actor, span.since, span.until)
    issued = supervision.issued_reports(session, actor, span.since, span.until)
    history = supervision.follow_ups(session, actor)
    followed = {item.follow_up.signal for item in history if item.follow_up.signal}
    own = area.organisations_in_area(session, actor)
    signals_by_org: dict[int, list[supervision.Signal]] = {}
    for signal in found:
        signals_by_org.setdefault(signal.organisation.id, []).append(signal)
    return render_form(
        request,
        "supervision_overview.html",
        {
            **page_helpers(request),
            "period": span,
            "rows": rows,
            "signals": found,
            "signals_by_org": signals_by_org,
            "issued": issued,
            "requester_in_words": requester_in_words,
            "follow_ups": history,
            "followed": followed,
            # The organisations of the officer's own area only (Art. 6, decision 0046).
            "organisations": [
                o for o in accounts.list_organisations(session) if own is None or o.id in own
            ],
            "kinds": [kind.value for kind in FollowUpKind],
            "labels_supervision": {
                "role": ROLE_LABELS,
                "signal": SIGNAL_LABELS,
                "rule": SIGNAL_RULES,
                "legal_path": LEGAL_PATH_LABELS,
                "follow_up": FOLLOW_UP_LABELS,
                "evidence": EVIDENCE_LABELS,
            },
        },
        state,
    )


@router.get("/supervision", response_class=HTMLResponse)
def supervision_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Query volumes, misuse signals with their evidence, reports issued, follow-ups."""
    supervision.require_supervisor(actor)
    span = supervision.period(clock, parse_date(since, "since"), parse_date(until, "until"))
    state = FormState(notice=done == "follow_up")
    return _render_supervision(request, session, clock, actor, span, state)


@router.get("/organisation/follow-ups", response_class=HTMLResponse)
def follow_ups_received(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    """The credit authority's follow-ups against the reader's own organisation (Art. 33 ¶2)."""
    return render_form(
        request,
        "follow_ups_received.html",
        {
            **page_helpers(request),
            "follow_ups": supervision.follow_ups_received(session, actor),
            "follow_up_labels": FOLLOW_UP_LABELS,
        },
        BLANK,
    )


@router.post("/supervision/follow-ups")
def record_follow_up(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    organisation: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=supervision.REASON_MAX)] = "",
    signal: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=supervision.SIGNAL_KEY_MAX)] = "",
    since: Annotated[str, Form(max_length=10)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record a follow-up against an organisation (Art. 33 ¶2), then back to the page."""
    check_csrf(request, csrf_token)
    supervision.require_supervisor(actor)
    span = supervision.period(clock, parse_date(since, "since"), parse_date(until, "until"))
    try:
        if not organisation.strip():
            raise InvalidInput("choose an organisation", code="required", field="organisation")
        target = accounts.organisation_by_code(session, organisation)
        supervision.record_follow_up(session, clock, actor, target, kind, reason, signal)
    except InvalidInput as exc:
        form = {"organisation": organisation, "kind": kind, "reason": reason, "signal": signal}
        return _render_supervision(
            request, session, clock, actor, span, refused(session, exc, form)
        )
    except PermissionDenied as exc:
        # Another area's organisation (Art. 6): the refusal beside the form, nothing kept.
        form = {"organisation": organisation, "kind": kind, "reason": reason, "signal": signal}
        return _render_supervision(
            request, session, clock, actor, span, refused_access(request, session, exc, form)
        )
    query = urlencode(
        {"since": span.since.isoformat(), "until": span.until.isoformat(), "done": "follow_up"}
    )
    return RedirectResponse(f"/supervision?{query}#follow-ups", status_code=303)


# --- consents and authorisations given to supervised organisations (Art. 11, 13 ¶3, 33) -------

SIGNED_FORM_CHOICES = {"": None, "yes": True, "no": False}


def _grant_filters(
    *, kind: str, grantee: str, scope: str, status: str, signed_form: str, since: str, until: str
) -> grant_supervision.Filters:
    """The page's filters as the service takes them; a value the API refuses is refused
    here with the API's code and field (its ``signed_form`` a boolean, its days ISO dates,
    both refused by the API's request validation as ``invalid_request``), never ignored."""
    if signed_form not in SIGNED_FORM_CHOICES:
        raise InvalidInput(
            "choose one of the values offered",
            code="invalid_request",
            field="signed_form",
        )
    days: dict[str, dt.date | None] = {}
    for name, text in (("since", since), ("until", until)):
        try:
            days[name] = parse_date(text, name)
        except InvalidInput:
            raise InvalidInput(
                "not a date: use YYYY-MM-DD",
                code="invalid_request",
                field=name,
            ) from None
    return grant_supervision.Filters(
        kind=kind,
        grantee=grantee or None,
        scope=scope or None,
        status=status or None,
        signed_form=SIGNED_FORM_CHOICES[signed_form],
        since=days["since"],
        until=days["until"],
    )


@router.get("/supervision/consents", response_class=HTMLResponse)
def supervised_consents_page(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Query(max_length=16)] = grant_supervision.CONSENT,
    grantee: Annotated[str, Query(max_length=40)] = "",
    scope: Annotated[str, Query(max_length=64)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    signed_form: Annotated[str, Query(max_length=16)] = "",
    since: Annotated[str, Query(max_length=32)] = "",
    until: Annotated[str, Query(max_length=32)] = "",
    offset: Annotated[int, Query()] = 0,
) -> HTMLResponse:
    """The consents (or written authorisations) given to the organisations the officer
    supervises, filtered, a page at a time, each linked to its signed form where one is
    kept: ``grant_supervision.supervised_grants``, which logs every person shown. A filter
    refused is shown on the page, with the code and status the API answers it with."""
    supervision.require_supervisor(actor)
    asked = {
        "kind": kind,
        "grantee": grantee,
        "scope": scope,
        "status": status,
        "signed_form": signed_form,
        "since": since,
        "until": until,
    }
    state = BLANK
    try:
        filters = _grant_filters(**asked)
        page = grant_supervision.supervised_grants(session, clock, actor, filters, offset=offset)
    except (InvalidInput, NotFound) as exc:
        state = refused(session, exc, asked)
        page = grant_supervision.GrantPage([], 0, grant_supervision.PER_PAGE, 0)
    kept = {name: value for name, value in asked.items() if value}

    def page_at(at: int) -> str:
        return "/supervision/consents?" + urlencode({**kept, "offset": at})

    own = area.organisations_in_area(session, actor)
    rules = catalog.list_record_types(session)
    return render_form(
        request,
        "supervision_consents.html",
        {
            **page_helpers(request),
            "page": page,
            "asked": asked,
            "kinds": grant_supervision.KINDS,
            "statuses": consents.STATUSES,
            "status_labels": GRANT_STATUS_LABELS,
            "end_labels": GRANT_END_LABELS_SUPERVISED,
            "rules": rules,
            "rules_by_code": {rule.definition.code: rule for rule in rules},
            "all_types": consents.ALL_TYPES,
            # The organisations of the officer's own area only (Art. 6, decision 0046).
            "organisations": [
                o for o in accounts.list_organisations(session) if own is None or o.id in own
            ],
            "previous_page": (
                page_at(max(page.offset - page.limit, 0)) if page.offset > 0 else None
            ),
            "next_page": page_at(page.offset + len(page.items)) if page.more else None,
        },
        state,
    )
