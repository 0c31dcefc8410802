"""Confidentiality review (Art. 12(3)) for the source's security officers, and supervision
of use (Art. 12, 13 ¶2, 33–34) for the credit authority."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from xinyong.accounts import service as accounts
from xinyong.disclosure import grant_supervision, review, supervision
from xinyong.disclosure.models import ConfidentialityReview, FollowUpKind
from xinyong.web.deps import AuthenticatedActorDep, ClockDep, RowId, SessionDep
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")

SinceQuery = Annotated[
    dt.date | None, Query(description="first day (China time); default: 29 days before until")
]
UntilQuery = Annotated[dt.date | None, Query(description="last day, included; default: today")]


# --- confidentiality review --------------------------------------------------------------------


def _review_out(item: ConfidentialityReview) -> dict[str, Any]:
    return {
        "record_id": item.record_id,
        "version": item.version_no,
        "decision": item.decision.value,
        "redacted_fields": item.redacted_fields,
        "note": item.note,
        "reviewed_at": item.reviewed_at.isoformat(),
        "article": review.ARTICLE,
    }


@router.get("/reviews", tags=["review"], responses=refusals(403))
def pending_reviews(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Records of my organisation waiting for the confidentiality review before publicity,
    with their current content (security officers, Art. 12(3)), and who those officers are.
    Each record shown is in its subject's access log (purpose: confidentiality review)."""
    items = review.pending(session, clock, actor)
    officers = (
        review.security_officers(session, actor.organisation_id) if actor.organisation_id else []
    )
    return {
        "officers": [officer.display_name for officer in officers],
        "items": [item.as_dict() for item in items],
    }


class ConfirmIn(BaseModel):
    note: str = Field(default="", max_length=review.NOTE_MAX)


@router.post("/reviews/{record_id}/confirm", tags=["review"], responses=refusals(403, 404, 409))
def confirm_review(
    record_id: RowId,
    body: ConfirmIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Confirm that the record exposes no state secret, trade secret or personal privacy:
    it becomes public in its publicity window. Only a security officer of the source."""
    return _review_out(review.confirm(session, clock, actor, record_id, body.note))


class RedactIn(BaseModel):
    fields: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=100)
    note: str = Field(min_length=1, max_length=review.NOTE_MAX)


@router.post("/reviews/{record_id}/redact", tags=["review"], responses=refusals(403, 404, 409))
def redact_review(
    record_id: RowId,
    body: RedactIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Replace fields that would expose a secret or privacy with ``［已遮蔽］``; the record
    becomes public with the redacted content. Only redactable or free-text fields."""
    return _review_out(review.redact(session, clock, actor, record_id, body.fields, body.note))


# --- supervision of use ------------------------------------------------------------------------


@router.get("/supervision/volumes", tags=["supervision"], responses=refusals(403))
def query_volumes(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> dict[str, Any]:
    """Reads, refused attempts and reports per organisation and staff member (Art. 33)."""
    span = supervision.period(clock, since, until)
    rows = supervision.volumes(session, actor, span.since, span.until)
    return {"period": span.as_dict(), "items": [row.as_dict() for row in rows]}


@router.get("/supervision/signals", tags=["supervision"], responses=refusals(403))
def misuse_signals(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> dict[str, Any]:
    """Signals of misuse, each with its rule, threshold and evidence (Art. 12, 13 ¶2, 34)."""
    span = supervision.period(clock, since, until)
    found = supervision.signals(session, actor, span.since, span.until)
    return {"period": span.as_dict(), "items": [signal.as_dict() for signal in found]}


@router.get("/supervision/reports", tags=["supervision"], responses=refusals(403))
def issued_reports(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> dict[str, Any]:
    """The credit reports each organisation's staff downloaded in the period, each with its
    number, requester and time, so that a leaked copy can be traced (Art. 33, 34); the
    organisations of the officer's own area only, as on ``/supervision``."""
    span = supervision.period(clock, since, until)
    found = supervision.issued_reports_by_organisation(session, actor, span.since, span.until)
    return {"period": span.as_dict(), "items": [item.as_dict() for item in found]}


class FollowUpIn(BaseModel):
    organisation: str = Field(min_length=1, max_length=40, description="USCC of the organisation")
    kind: FollowUpKind = Field(
        description="interview 约谈, order_correction 责令改正, warning 警告, "
        "circulate_criticism 通报批评"
    )
    reason: str = Field(min_length=1, max_length=supervision.REASON_MAX)
    signal: str | None = Field(
        default=None, max_length=supervision.SIGNAL_KEY_MAX, description="the signal's key"
    )


@router.post(
    "/supervision/follow-ups", tags=["supervision"], status_code=201, responses=refusals(403, 404)
)
def record_follow_up(
    body: FollowUpIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Record the credit authority's follow-up against an organisation (Art. 33 ¶2)."""
    # The permission first: who may not supervise learns nothing about organisation codes.
    supervision.require_supervisor(actor)
    organisation = accounts.organisation_by_code(session, body.organisation)
    item = supervision.record_follow_up(
        session, clock, actor, organisation, body.kind, body.reason, body.signal
    )
    return supervision.follow_up_view(session, item, organisation).as_dict()


@router.get("/supervision/follow-ups", tags=["supervision"], responses=refusals(403, 404))
def list_follow_ups(
    session: SessionDep,
    actor: AuthenticatedActorDep,
    organisation: Annotated[str | None, Query(max_length=40, description="USCC")] = None,
) -> dict[str, Any]:
    """The follow-ups recorded, newest first."""
    organisation_id = None
    if organisation:
        supervision.require_supervisor(actor)
        organisation_id = accounts.organisation_by_code(session, organisation).id
    return {
        "items": [
            item.as_dict() for item in supervision.follow_ups(session, actor, organisation_id)
        ]
    }


@router.get("/organisation/follow-ups", tags=["supervision"], responses=refusals(403))
def follow_ups_received(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """The credit authority's follow-ups against the caller's own organisation, newest
    first, with their reasons (Art. 33 ¶2): for its security officer."""
    return {"items": [item.as_dict() for item in supervision.follow_ups_received(session, actor)]}


# --- consents and authorisations given to supervised organisations ----------------------------


@router.get("/supervision/consents", tags=["supervision"], responses=refusals(403, 404))
def supervised_consents(
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    kind: Annotated[
        str, Query(max_length=16, description="consent (Art. 11) or authorisation (Art. 13 ¶3)")
    ] = grant_supervision.CONSENT,
    grantee: Annotated[
        str | None, Query(max_length=40, description="the grantee organisation's code")
    ] = None,
    scope: Annotated[
        str | None,
        Query(max_length=64, description="a record type code: the grants naming it (or all types)"),
    ] = None,
    status: Annotated[
        str | None, Query(max_length=16, description="active, revoked or expired")
    ] = None,
    signed_form: Annotated[
        bool | None,
        Query(
            description=(
                "only grants that keep (true) or lack their signed writing: a consent's signed "
                "form, an authorisation's upload or text signed in the page"
            )
        ),
    ] = None,
    since: Annotated[dt.date | None, Query(description="given on or after (China time)")] = None,
    until: Annotated[dt.date | None, Query(description="given on or before")] = None,
    limit: Annotated[int, Query(description="at most this many, newest first")] = (
        grant_supervision.PER_PAGE
    ),
    offset: Annotated[int, Query()] = 0,
) -> dict[str, Any]:
    """The consents (or written authorisations) persons gave the organisations the caller
    supervises — the city's credit authority every one, a district's those of its own
    district's organisations (Art. 6, 33) — filtered, newest first, with how many there are
    in all. Each names its person (name, reference, ID number masked), why it ended if it
    did, and the link to its signed form (a consent's) or signed writing (an authorisation's)
    where one is kept. Every person listed is in its
    access log (Art. 24); the page is audited."""
    page = grant_supervision.supervised_grants(
        session,
        clock,
        actor,
        grant_supervision.Filters(
            kind=kind,
            grantee=grantee,
            scope=scope,
            status=status,
            signed_form=signed_form,
            since=since,
            until=until,
        ),
        limit=limit,
        offset=offset,
    )
    return {
        "items": [item.as_dict() for item in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": page.offset + len(page.items) if page.more else None,
    }
