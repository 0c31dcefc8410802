"""Measure pages for agencies (Art. 15–18): the credit authority drafts, publishes and
withdraws the measures of the published lists; a case officer applies a published measure
to a listed subject (or a person responsible for a listed organisation), and the subject
is told the basis and reasons. Thin over ``xinyong.lists.measures`` and ``applications``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.lists import applications, measures
from xinyong.lists import entries as list_entries
from xinyong.lists import rule_packs as list_rule_packs
from xinyong.lists.models import MeasureKind, Tier
from xinyong.web.deps import ActorDep, ClockDep, SessionDep
from xinyong.web.pages.collection import page_helpers
from xinyong.web.pages.forms import (
    BLANK,
    LINE_BREAKS_AS_ONE,
    FormState,
    announced,
    refused,
    render_form,
)
from xinyong.web.pages.rendering import check_csrf

router = APIRouter(include_in_schema=False)

# What an officer gets wrong on these forms: shown on the form again, what was typed kept.
# An unknown matter, measure or subject is a wrong entry on the form (422), not a 404 page.
FORM_ERRORS = (InvalidInput, NotFound, Conflict)


def _render_catalog(
    request: Request, session: Session, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    measures.require_keeper(session, actor)
    all_measures = measures.all_measures(session)
    return render_form(
        request,
        "measures_admin.html",
        {
            **page_helpers(request),
            "measures": [(m, measures.state(m)) for m in all_measures],
            "matters": measures.matters(session),
            "kinds": list(MeasureKind),
            "organisation_kinds": list(measures.IMPLEMENTING_KINDS),
            "targets": list(Tier),
            "standards": list_entries.standards(session),
            "standard_names": measures.standard_names(session, all_measures),
            "limits": measures.proportionality(),
            # How many changes of the shipped lists rule pack wait for the authority.
            "pack_pending": len(list_rule_packs.plan(session, actor).pending),
        },
        state,
    )


@router.get("/admin/measures", response_class=HTMLResponse)
def measure_catalog(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Every measure with its state; a new one is a draft until published (Art. 15)."""
    return _render_catalog(
        request, session, actor, announced(done, "created", "published", "withdrawn")
    )


@router.post("/admin/measures", response_class=HTMLResponse)
def create_measure(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=64)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    head: Annotated[str, Form(max_length=4)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    matter_codes: Annotated[list[str] | None, Form()] = None,
    target: Annotated[str, Form(max_length=16)] = "",
    means: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    implementing_body: Annotated[str, Form(max_length=200)] = "",
    implementer_kinds: Annotated[list[str] | None, Form()] = None,
    implementer_codes: Annotated[str, Form(max_length=4000)] = "",
    standard_codes: Annotated[list[str] | None, Form()] = None,
    legal_basis: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    severity: Annotated[str, Form(max_length=4)] = "",
    applies_to_responsible_persons: Annotated[str, Form(max_length=8)] = "",
    responsible_persons_basis: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    measures.require_keeper(session, actor)
    data: dict[str, Any] = {
        "code": code.strip(),
        "kind": kind,
        "head": head,
        "name": name.strip(),
        "matter_codes": list(matter_codes or []),
        "target": target,
        "means": means.strip(),
        "implementing_body": implementing_body.strip(),
        "implementer_kinds": list(implementer_kinds or []),
        "implementer_codes": [c.strip() for c in implementer_codes.splitlines() if c.strip()],
        "standard_codes": list(standard_codes or []),
        "legal_basis": legal_basis.strip(),
        "severity": severity,
        "applies_to_responsible_persons": applies_to_responsible_persons == "yes",
        "responsible_persons_basis": responsible_persons_basis,
    }
    try:
        measures.create_measure(session, clock, actor, data)
    except FORM_ERRORS as exc:
        return _render_catalog(
            request, session, actor, refused(session, exc, data, status_code=422)
        )
    return RedirectResponse("/admin/measures?done=created", status_code=303)


@router.post("/admin/measures/{code}/publish")
def publish_measure(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Path(max_length=64)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """From now on the measure is on the public measures page and may be applied."""
    check_csrf(request, csrf_token)
    measures.publish(session, clock, actor, code)
    return RedirectResponse("/admin/measures?done=published", status_code=303)


@router.post("/admin/measures/{code}/withdraw")
def withdraw_measure(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Path(max_length=64)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Withdrawn, the measure leaves the public page and is never applied again."""
    check_csrf(request, csrf_token)
    measures.withdraw(session, clock, actor, code)
    return RedirectResponse("/admin/measures?done=withdrawn", status_code=303)


# --- the shipped lists rule pack: what it changes, and the authority's answer --------------


def shown(value: Any) -> str:
    """An attribute's value as the pack's JSON writes it; a dash where absent."""
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


@router.get("/admin/lists/rule-pack", response_class=HTMLResponse)
def list_rule_pack(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Each standard, matter and measure of the shipped lists rule pack against the city's:
    what waits for the credit authority first (decision 0034 addendum)."""
    planned = list_rule_packs.plan(session, actor)
    return render_form(
        request,
        "lists_rule_pack.html",
        {**page_helpers(request), "plan": planned},
        announced(done, "take", "keep"),
    )


def _render_pack_item(
    request: Request, found: list_rule_packs.ListPackItem, state: FormState
) -> HTMLResponse:
    return render_form(
        request,
        "lists_rule_pack_item.html",
        {
            **page_helpers(request),
            "item": found,
            "rule_pack": list_rule_packs.ListRulePack.read().name,
            "shown": shown,
        },
        state,
    )


@router.get("/admin/lists/rule-pack/{part}/{code}", response_class=HTMLResponse)
def list_rule_pack_item(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    part: Annotated[str, Path(max_length=16)],
    code: Annotated[str, Path(max_length=64)],
) -> HTMLResponse:
    """What the shipped pack changed in one part, and the form to answer it."""
    found = list_rule_packs.item(session, actor, part, code)
    state = FormState(form={"answer": "", "note": "", "shipped_digest": found.digest})
    return _render_pack_item(request, found, state)


@router.post("/admin/lists/rule-pack/{part}/{code}", response_class=HTMLResponse)
def reconcile_list_rule_pack(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    part: Annotated[str, Path(max_length=16)],
    code: Annotated[str, Path(max_length=64)],
    answer: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=500)] = "",
    shipped_digest: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    # A part the pack lacks is a wrong address, not a wrong entry: a 404 page.
    found = list_rule_packs.item(session, actor, part, code)
    form = {"answer": answer, "note": note, "shipped_digest": shipped_digest}
    try:
        list_rule_packs.reconcile(
            session,
            clock,
            actor,
            part,
            code,
            answer=answer,
            note=note,
            shipped_digest=shipped_digest,
        )
    except FORM_ERRORS as exc:
        return _render_pack_item(request, found, refused(session, exc, form))
    return RedirectResponse(f"/admin/lists/rule-pack?done={answer}", status_code=303)


def _render_applications(
    request: Request, session: Session, actor: Actor, state: FormState = BLANK
) -> HTMLResponse:
    made = applications.of_organisation(session, actor)
    # The measures the officer's organisation implements (Art. 15): only these apply.
    published = measures.published_measures(
        session, implementer=measures.organisation_of(session, actor)
    )
    return render_form(
        request,
        "measures_apply.html",
        {
            **page_helpers(request),
            "applications": made,
            # Who applied each measure, by name, as the other staff pages show an actor.
            "appliers": accounts.actor_names(
                session, (a.applied_by for a, _, _ in made), staff=True
            ),
            "matters": measures.matters(session),
            "published": published,
            "standard_names": measures.standard_names(session, published),
        },
        state,
    )


@router.get("/measure-applications", response_class=HTMLResponse)
def measure_applications(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    matter: Annotated[str, Query(max_length=64)] = "",
    done: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    """Apply a published measure; the agency's applications with the notices sent."""
    state = announced(done, "applied")
    if matter and not state.form:
        state = FormState(notice=state.notice, form={"matter": matter})
    return _render_applications(request, session, actor, state)


@router.post("/measure-applications", response_class=HTMLResponse)
def apply_measure(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    subject: Annotated[str, Form(max_length=40)] = "",
    matter: Annotated[str, Form(max_length=64)] = "",
    measure: Annotated[str, Form(max_length=64)] = "",
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        applications.apply(
            session,
            clock,
            actor,
            subject=applications.subject_for(session, clock, actor, subject),
            matter_code=matter,
            measure_code=measure,
            reasons=reasons,
        )
    except FORM_ERRORS as exc:
        # The code is not typed back: it may be a person's ID number. No rollback: the
        # application refuses before it writes anything, and the audit of a person looked
        # up by ID number is kept whatever the outcome.
        form = {"matter": matter, "measure": measure, "reasons": reasons}
        # What was typed is the form's problem (422); an entry that has left the list, or no
        # longer names the person, is the state of the basis, as the API answers it (409).
        status = None if isinstance(exc, Conflict) else 422
        if exc.aftermath is not None:
            # What a refusal showed is logged as the API logs it (here without a rollback:
            # nothing else was written).
            exc.aftermath(session)
        return _render_applications(
            request, session, actor, FormState.after(exc, form, status_code=status)
        )
    return RedirectResponse("/measure-applications?done=applied", status_code=303)
