"""Integrity publicity pages (Art. 32): the public page of typical cases by kind
(``/integrity``), the credit authority's page to draft, publish and withdraw them and to ask
a credit-repair case's subject for its consent to be named (``/admin/typical-cases``), and
the subject's page to answer such requests and withdraw a consent (``/me/typical-cases``,
decision 0030), through the same services (and audit events) as the API."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import area
from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import entries
from xinyong.lists.models import ListKind, Tier
from xinyong.publicity import cases, consent
from xinyong.publicity.models import CaseKind
from xinyong.web.deps import ActorDep, ClockDep, RowId, SessionDep
from xinyong.web.labels import N_
from xinyong.web.pages.forms import LINE_BREAKS_AS_ONE, FormState, announced, refused, render_form
from xinyong.web.pages.rendering import check_csrf, render

router = APIRouter(include_in_schema=False)

ADMIN = "/admin/typical-cases"
FORM_ERRORS = (InvalidInput, NotFound, Conflict, PermissionDenied)

KIND_LABELS = {
    CaseKind.INTEGRITY_MODEL.value: N_("Integrity models"),
    CaseKind.SERIOUS_DISHONESTY.value: N_("Serious dishonesty exposed"),
    CaseKind.CREDIT_REPAIR.value: N_("Credit repaired"),
    CaseKind.JOINT_PRACTICE.value: N_("Joint incentive and punishment in practice"),
}
KIND_NOTES = {
    CaseKind.INTEGRITY_MODEL.value: N_(
        "Subjects on the red list held up as models of integrity (Art. 14, 32)."
    ),
    CaseKind.SERIOUS_DISHONESTY.value: N_(
        "Serious dishonesty on the black list, shown only while the entry is on the list."
    ),
    CaseKind.CREDIT_REPAIR.value: N_(
        "Dishonest subjects who accepted credit supervision and repaired their credit; "
        "named only with their consent (Art. 20–23)."
    ),
    CaseKind.JOINT_PRACTICE.value: N_(
        "How the city applies joint incentives and punishments, and what it has learnt."
    ),
}
STATE_LABELS = {
    "draft": N_("Draft"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
}


CONSENT_LABELS = {
    "requested": N_("Asked, awaiting the subject's answer"),
    "given": N_("Consent given"),
    "refused": N_("Consent refused"),
    "withdrawn": N_("Consent withdrawn"),
}
MY_CONSENT_LABELS = {
    "requested": N_("Awaiting your answer"),
    "given": N_("You consented to be named"),
    "refused": N_("You refused"),
    "withdrawn": N_("You withdrew your consent"),
}


def _common() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "kind_notes": KIND_NOTES,
        "state_labels": STATE_LABELS,
        "consent_labels": CONSENT_LABELS,
    }


@router.get("/integrity", response_class=HTMLResponse)
def integrity_page(request: Request, session: SessionDep, clock: ClockDep) -> HTMLResponse:
    """The published typical cases, by kind (Art. 32)."""
    shown = cases.shown(session, clock.today())
    by_kind = {kind.value: [c for c in shown if c.case.kind is kind] for kind in CaseKind}
    return render(request, "integrity.html", {**_common(), "by_kind": by_kind})


@router.get("/integrity/{case_id}", response_class=HTMLResponse)
def integrity_case_page(
    request: Request, session: SessionDep, clock: ClockDep, case_id: RowId
) -> HTMLResponse:
    """One published case."""
    found = cases.shown_one(session, clock.today(), case_id)
    return render(request, "integrity_case.html", {**_common(), "item": found})


def _bases(session: Session, clock: Clock, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The list entries a case may rest on: red-list entries and serious black-list
    entries in force (both public); for a district's credit authority, those its own
    district's agencies recognised (``cases.require_in_area``)."""
    today = clock.today()
    kept = area.organisations_in_area(session, actor)
    red = entries.published(session, ListKind.RED, today=today, recognised_by=kept)
    serious = entries.published(
        session, ListKind.BLACK, today=today, tier=Tier.SERIOUS, recognised_by=kept
    )
    return {
        kind: [
            {
                "id": entry.id,
                "label": cases.public_subject(subject).display_name,
                "standard": standard.name,
            }
            for entry, subject, standard in rows
        ]
        for kind, rows in (("red", red), ("serious", serious))
    }


def _render_admin(
    request: Request, session: Session, clock: Clock, actor: Actor, state: FormState
) -> HTMLResponse:
    found = cases.all_cases(session, clock, actor)
    return render_form(
        request,
        "typical_cases_admin.html",
        {
            **_common(),
            "items": found,
            "may_publish": {s.case.id: cases.may_publish(session, actor, s.case) for s in found},
            "bases": _bases(session, clock, actor),
            "kinds": [k.value for k in cases.kinds_open(session, actor)],
        },
        state,
    )


@router.get(ADMIN, response_class=HTMLResponse)
def typical_cases_admin(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    return _render_admin(
        request,
        session,
        clock,
        actor,
        announced(done, "drafted", "published", "withdrawn", "asked"),
    )


def _optional_id(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    # Not str.isdigit(): it accepts "²", which int() refuses.
    if not re.fullmatch(r"[0-9]+", text) or not 0 < int(text) < 2**63:
        raise InvalidInput("give the number", code="invalid_number", field=field)
    return int(text)


@router.post(ADMIN, response_class=HTMLResponse)
def draft_typical_case(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form(max_length=32)] = "",
    title: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.TITLE_LIMIT)] = "",
    narrative: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.NARRATIVE_LIMIT)] = "",
    title_en: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.TITLE_LIMIT)] = "",
    narrative_en: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.NARRATIVE_LIMIT)] = "",
    list_entry_id: Annotated[str, Form(max_length=20)] = "",
    repair_case_id: Annotated[str, Form(max_length=20)] = "",
    consent_evidence: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.REASON_LIMIT)] = "",
    request_consent: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Draft a case on its basis; another officer publishes it."""
    check_csrf(request, csrf_token)
    cases.require_authority(actor)
    form = {
        "action": "draft",
        "kind": kind,
        "title": title,
        "narrative": narrative,
        "title_en": title_en,
        "narrative_en": narrative_en,
        "list_entry_id": list_entry_id,
        "repair_case_id": repair_case_id,
        "consent_evidence": consent_evidence,
        "request_consent": request_consent,
    }
    try:
        if kind not in KIND_LABELS:
            raise InvalidInput("choose the kind of case", code="required", field="kind")
        cases.draft(
            session,
            clock,
            actor,
            kind=CaseKind(kind),
            title=title,
            narrative=narrative,
            title_en=title_en,
            narrative_en=narrative_en,
            list_entry_id=_optional_id(list_entry_id, "list_entry_id"),
            repair_case_id=_optional_id(repair_case_id, "repair_case_id"),
            consent_evidence=consent_evidence,
            request_consent=request_consent,
        )
    except FORM_ERRORS as exc:
        return _render_admin(request, session, clock, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=drafted", status_code=303)


@router.post(ADMIN + "/{case_id}/publish", response_class=HTMLResponse)
def publish_typical_case(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    case_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Publish a draft (never its drafter)."""
    check_csrf(request, csrf_token)
    cases.require_authority(actor)
    try:
        cases.publish(session, clock, actor, case_id)
    except FORM_ERRORS as exc:
        form = {"action": "case", "case_id": case_id}
        return _render_admin(request, session, clock, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=published", status_code=303)


@router.post(ADMIN + "/{case_id}/withdraw", response_class=HTMLResponse)
def withdraw_typical_case(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    case_id: RowId,
    reason: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=cases.REASON_LIMIT)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Withdraw a published case or discard a draft, with the reason."""
    check_csrf(request, csrf_token)
    cases.require_authority(actor)
    try:
        cases.withdraw(session, clock, actor, case_id, reason=reason)
    except FORM_ERRORS as exc:
        form = {"action": "case", "case_id": case_id, "reason": reason}
        return _render_admin(request, session, clock, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=withdrawn", status_code=303)


@router.post(ADMIN + "/{case_id}/consent-request", response_class=HTMLResponse)
def request_consent(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    case_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Ask the subject of a credit-repair case for its consent to be named."""
    check_csrf(request, csrf_token)
    cases.require_authority(actor)
    try:
        cases.request_consent(session, clock, actor, case_id)
    except FORM_ERRORS as exc:
        form = {"action": "case", "case_id": case_id}
        return _render_admin(request, session, clock, actor, refused(session, exc, form))
    return RedirectResponse(f"{ADMIN}?done=asked", status_code=303)


# --- the subject's consent to be named (decision 0030) ----------------------------------------

MINE = "/me/typical-cases"


def _render_mine(
    request: Request, session: Session, clock: Clock, actor: Actor, state: FormState
) -> HTMLResponse:
    return render_form(
        request,
        "me_typical_cases.html",
        {
            **_common(),
            "requests": consent.requests_for(session, clock, actor),
            "consequences": consent.CONSEQUENCES,
            "my_consent_labels": MY_CONSENT_LABELS,
        },
        state,
    )


@router.get(MINE, response_class=HTMLResponse)
def my_typical_cases(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Requests for my consent to be named in a credit-repair typical case: each case named
    and anonymised, what being named means; answer, or withdraw a consent given."""
    return _render_mine(
        request, session, clock, actor, announced(done, "given", "refused", "withdrawn")
    )


@router.post(MINE + "/{consent_id}/answer", response_class=HTMLResponse)
def answer_consent_request(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    consent_id: RowId,
    answer: Annotated[str, Form(alias="consent", max_length=8)] = "",
    consequences_acknowledged: Annotated[bool, Form()] = False,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    form = {"consent_id": consent_id, "consequences_acknowledged": consequences_acknowledged}
    try:
        if answer not in ("yes", "no"):
            raise InvalidInput("answer yes or no", code="required", field="consent")
        consent.answer(
            session,
            clock,
            actor,
            consent_id,
            consent=answer == "yes",
            consequences_acknowledged=consequences_acknowledged,
        )
    except (InvalidInput, Conflict) as exc:
        return _render_mine(request, session, clock, actor, refused(session, exc, form))
    done = "given" if answer == "yes" else "refused"
    return RedirectResponse(f"{MINE}?done={done}#consent-{consent_id}", status_code=303)


@router.post(MINE + "/{consent_id}/withdraw", response_class=HTMLResponse)
def withdraw_consent(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    consent_id: RowId,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        consent.withdraw(session, clock, actor, consent_id)
    except Conflict as exc:
        form = {"consent_id": consent_id}
        return _render_mine(request, session, clock, actor, refused(session, exc, form))
    return RedirectResponse(f"{MINE}?done=withdrawn#consent-{consent_id}", status_code=303)
