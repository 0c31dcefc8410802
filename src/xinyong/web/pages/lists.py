"""Lists and measures pages: the public red and black lists and measure lists, the
officers' proposal and review queue, the joint check, and the subject's notices and grade
(Art. 14–19). Thin over ``xinyong.lists``; refusals render with their article."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    acting_as,
    require,
    require_subject_account,
)
from xinyong.clock import Clock
from xinyong.collection import readers
from xinyong.errors import Conflict, DomainError, InvalidInput, NotAuthenticated, PermissionDenied
from xinyong.lists import (
    applications,
    early_removal,
    early_removal_rules,
    entries,
    entry_basis,
    entry_reads,
    grades,
    joint_checks,
    measures,
    removal_proposals,
)
from xinyong.lists.models import ListKind, MeasureKind, ObjectionSource, RemovalReason, Tier
from xinyong.lists.publicity import mask_name
from xinyong.publicity import consent as naming_consent
from xinyong.spreadsheets import SafeWriter
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject
from xinyong.web import inputs
from xinyong.web.api.early_removal import early_removal_terms
from xinyong.web.api.objections import objection_terms
from xinyong.web.deps import (
    MAX_ROW_ID,
    ActorDep,
    ClockDep,
    RowId,
    RowIdInQuery,
    SessionDep,
    app_context,
    settle_refusal,
)
from xinyong.web.errors import status_for
from xinyong.web.i18n import translations
from xinyong.web.labels import cite, enum_label, green_channel_reason
from xinyong.web.pages.collection import N_, POLARITY_LABELS
from xinyong.web.pages.disclosure import type_names
from xinyong.web.pages.forms import LINE_BREAKS_AS_ONE, announced, form_error
from xinyong.web.pages.rendering import check_csrf, locale_of, render
from xinyong.web.refusals import explain

router = APIRouter(include_in_schema=False)

# The download's columns: the page's, in its language.
JOINT_CHECK_CSV_HEADER = (
    N_("No."),
    N_("Code"),
    N_("Registered"),
    N_("Subject"),
    N_("List status"),
    N_("Responsible person of a listed organisation (Art. 18)"),
    N_("Measures that apply"),
    N_("Green channel"),
    N_("Reason"),
)


def joint_check_csv(result: joint_checks.JointCheck, codes: list[str], request: Request) -> str:
    """The joint check's download: one line per code given, in order, citizen ID numbers
    masked (the position matches a line to the list the agency sent), with a BOM for
    spreadsheets; in the page's language, as the page says each answer."""
    locale = locale_of(request)
    gettext = translations(locale).gettext
    chinese = locale.startswith("zh")
    open_, close, sep, comma, colon = (
        ("（", "）", "；", "，", "：") if chinese else (" (", ")", "; ", ", ", ": ")
    )

    def article(text: str) -> str:
        return cite(text, gettext, chinese=chinese)

    def role(value: str) -> str:
        return gettext(enum_label(value))

    def measure_reason(m: dict[str, Any]) -> str:
        held = m.get("as_responsible")
        if held:
            return gettext(
                "%(role)s of %(organisation)s (%(code)s), listed as %(lists)s (Art. 18); %(basis)s"
            ) % {
                "role": role(held["role"]),
                "organisation": held["organisation"]["name"],
                "code": held["organisation"]["code"],
                "lists": "、".join(m["listed_as"]),
                "basis": m["responsible_persons_basis"],
            }
        if m.get("listed_as"):
            return gettext("listed as %(lists)s; %(basis)s") % {
                "lists": "、".join(m["listed_as"]),
                "basis": m["basis"],
            }
        return str(m.get("reasons", ""))

    def found(row: joint_checks.Row) -> str:
        if row.invalid:
            explained = explain({"code": row.invalid_code, "message": row.invalid}, gettext)
            return f"{gettext('not a valid code')}{colon}{explained.text}"
        return gettext("Yes") if row.found else gettext("No")

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = SafeWriter(buffer)
    writer.writerow([gettext(title) for title in JOINT_CHECK_CSV_HEADER])
    for row in joint_checks.rows(result, codes):
        writer.writerow(
            [
                row.position,
                row.code,
                found(row),
                row.name,
                sep.join(
                    f"{s['standard']}{open_}{article(s['basis'])}{close}" for s in row.list_status
                ),
                sep.join(
                    f"{role(s['role'])}{colon}{s['organisation']['name']}"
                    f"{open_}{s['organisation']['code']}{comma}{s['standard']}{close}"
                    for s in row.responsible_for
                ),
                sep.join(
                    f"{m['name']}{open_}{article(m['head'])}{comma}{m['implementing_body']}"
                    f"{sep}{measure_reason(m)}{close}"
                    for m in row.measures
                ),
                gettext("Yes") if row.green_channel else gettext("No"),
                green_channel_reason(row.green_channel_reason_code, gettext, result.clean_years),
            ]
        )
    return buffer.getvalue()


# Early removal from the black list (SAMR Order 44): each condition and each application
# status in the page's words.
EARLY_REMOVAL_CHECKS = {
    "black_list": N_("Only an entry on the black list is removed early on application (Art. 14)."),
    "published": N_("Only an entry published and in force can be removed early (Art. 14)."),
    "standard_allows": N_(
        "Entries of this standard are not removed early on application; they leave by its "
        "exit conditions: %(exit_conditions)s"
    ),
    "court_performance": N_(
        "Court judgment defaulters leave on performance: the court confirms it and the entry "
        "is removed within 3 working days."
    ),
    "minimum_time_listed": N_(
        "An application can be made %(months)s months after listing, from %(date)s, once the "
        "obligations are met (SAMR Order 44)."
    ),
    "no_open_application": N_(
        "One application per entry at a time: yours of %(date)s is being decided."
    ),
}
EARLY_REMOVAL_STATUSES = {
    "submitted": N_("Received: the recognising agency is examining it"),
    "proposed": N_("Decision proposed: awaiting a second officer's approval"),
    "approved": N_("Approved: removed from the black list early"),
    "rejected": N_("Application rejected"),
    "lapsed": N_("Lapsed: the entry left the list otherwise before a decision"),
}


def early_removal_page_labels() -> dict[str, dict[str, str]]:
    return {"checks": EARLY_REMOVAL_CHECKS, "status": EARLY_REMOVAL_STATUSES}


def _former_name_found(subject: Subject, query: str) -> str | None:
    """The former name of an organisation a list search found it by, if it was one."""
    if not (query.strip() and subject.is_organisation):
        return None
    found = entries.public_search_match(subject, query)
    return found if found is not None and found != subject.name else None


@router.get("/lists/{kind}", response_class=HTMLResponse)
def public_list(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    kind: ListKind,
    q: Annotated[str, Query(max_length=100)] = "",
    tier: Tier | None = None,
    notice: str = "",
) -> Response:
    today = clock.today()
    if identifiers.names_citizen_id(q, today=today):
        # A person is found only by the masked name or number the list shows (Art. 13); the
        # number in clear never stays in a URL nor is typed back (rules.md).
        tier_part = f"&tier={tier.value}" if tier else ""
        return RedirectResponse(
            f"/lists/{kind.value}?notice=citizen_id{tier_part}", status_code=303
        )
    if notice != "citizen_id":
        notice = ""
    rows = entries.published(session, kind, today=today, query=q, tier=tier)
    persons = entries.public_persons(session, [e.id for e, _, _ in rows])
    # The records each rests on, as far as the public file shows them (decision 0043).
    basis = entry_basis.public_of_entries(session, [e for e, _, _ in rows], today=today)
    shown = entries.public_texts(session, [e for e, _, _ in rows], today=today)
    items = [
        {
            "entry": e,
            "reasons": shown[e.id].reasons,
            "subject": s,
            "standard": std,
            "display_name": s.name if s.is_organisation else mask_name(s.name),
            # Found by a former name: the page says which, beside the name it is listed under.
            "former_name": _former_name_found(s, q),
            # Art. 18 persons appear publicly by capacity and masked name only.
            "persons": persons.get(e.id, []),
            "basis": basis.get(e.id, []),
        }
        for e, s, std in rows
    ]
    return render(
        request,
        "lists_public.html",
        {
            "kind": kind.value,
            "items": items,
            "q": q,
            "tier": tier.value if tier else "",
            "notice": notice,
        },
    )


@router.get("/measures", response_class=HTMLResponse)
def measure_lists(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    kind: MeasureKind | None = None,
    matter: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    found = measures.published_measures(session, kind=kind, matter_code=matter or None)
    return render(
        request,
        "lists_measures.html",
        {
            "measures": found,
            "implementer_names": measures.implementer_names(session, found),
            "standard_names": measures.standard_names(session, found),
            "matters": measures.matters(session),
            "kind": kind.value if kind else "",
            "matter": matter,
        },
    )


def _queue_context(
    session: Session, actor: Actor, clock: Clock, *, basis_subject: str = ""
) -> dict[str, Any]:
    today = clock.today()
    queue = entries.queue(session, actor)
    # The queue shows each entry in full (evidence, persons named, objections with
    # contacts): a use of its subject's and named persons' information (decision 0020).
    entry_reads.queue_shown(session, clock, actor, queue, persons=True)
    entry_ids = [e.id for e in queue]
    # Decided objections stay, with the decision and its reasons, beside the undecided.
    objections = entries.objections_by_entry(session, actor, entry_ids)
    # The approving officer reviews the persons named under Art. 18 with the proposal.
    persons = entries.persons_by_entry(session, entry_ids)
    # The subjects' objections to the agency's published entries this officer decides, each
    # with its entry's evidence to decide on (decision 0008): a use of their information.
    after_publication = entries.published_entry_objections(session, actor, today=today)
    entry_reads.objections_shown(session, clock, actor, [c.entry for c in after_publication])
    subjects_by_id = {
        s.id: s
        for s in session.scalars(
            select(Subject).where(Subject.id.in_([e.subject_id for e in queue]))
        )
    }
    # Every id the officer's person acts under, read once for the whole queue rather than
    # resolving each entry's proposer (a key's releaser) one query at a time.
    acting = set(acting_as(session, actor))
    # The agency's own entries, as the queue's are (none for an actor of no organisation).
    own = [] if actor.organisation_id is None else [actor.organisation_id]
    published = [
        row
        for kind in ListKind
        for row in entries.published(session, kind, today=today, recognised_by=own)
    ]
    removals = removal_proposals.open_by_entry(session, [e.id for e, _s, _std in published])
    return {
        **_basis_choice(session, clock, actor, basis_subject),
        # The credit records each entry rests on, with their state (decision 0043).
        "basis": entry_basis.of_entries(
            session, [*queue, *(e for e, _, _ in published)], today=today
        ),
        "queue": queue,
        "objections": objections,
        # The proposer sees the objections to their proposal but does not decide them.
        "decides_objections": {
            e.id for e in queue if entries.may_decide_objections(session, actor, e, acting=acting)
        },
        # Nor does the proposer approve it (entries.approve refuses): only rejecting is offered.
        "own_proposals": {
            e.id for e in queue if entries.proposed_by_actor(session, actor, e, acting=acting)
        },
        "persons": persons,
        "after_publication": after_publication,
        "objections_shown": {o.id for found in objections.values() for o, _contact in found}
        | {c.objection.id for c in after_publication},
        "subjects": subjects_by_id,
        # A candidacy whose comment or objection window has ended waits for approval, though
        # its status stays what the window made it until an officer decides.
        "today": today,
        # Approving before the window has ended is refused (Art. 15 ¶2): not offered.
        "window_open": {e.id for e in queue if entries.window_open(e, today)},
        # Nor while an objection or comment on it is undecided (Art. 25).
        "objection_pending": entries.with_objection_pending(session, (e.id for e in queue)),
        # Who proposed each entry, by name, as the other staff pages show an actor.
        "proposers": accounts.actor_names(session, (e.proposed_by for e in queue), staff=True),
        "standards": [s for s in entries.standards(session) if not s.from_record_type],
        "removal_reasons": list(removal_proposals.MANUAL_REMOVAL_REASONS),
        "responsible_roles": list(ResponsibleRole),
        "published": published,
        # A published entry whose removal is proposed shows the proposal instead of the form.
        "removals": removals,
        "removal_proposers": accounts.actor_names(
            session, (p.proposed_by for p in removals.values()), staff=True
        ),
    }


def _handle(subject: Subject) -> str:
    """The code the pages carry a subject by: its USCC, or its opaque reference (a
    person's, never the ID number nor its masked form: decision 0043)."""
    return subject.uscc or subject.reference


def _basis_choice(session: Session, clock: Clock, actor: Actor, code: str) -> dict[str, Any]:
    """The records the proposal form offers for the subject looked up by ``code`` (a USCC
    or an opaque reference: a person's ID number is looked up by ``lookup_subject`` and
    never comes here): those a proposal by the officer may name
    (``entry_basis.candidates``, which logs showing any not public), each with its
    polarity (negative for the black list, positive for the red). Nothing to offer before a
    subject is looked up; an unknown code is said beside the lookup."""
    if not code.strip():
        return {"basis_subject": "", "basis_candidates": None}
    try:
        subject = subjects.by_reference(session, code.strip())
    except DomainError:
        # An ID number put into the address by hand is not shown back (decision 0043).
        kept = _kept_code(code.strip(), clock.today())
        return {"basis_subject": kept, "basis_candidates": None, "basis_unknown": True}
    return {
        "basis_subject": _handle(subject),
        # A person's name stays masked, as on the public lists: the officer typed the
        # reference and sees whether it is the one meant, without reading the name.
        "basis_subject_name": subject.name if subject.is_organisation else mask_name(subject.name),
        "basis_candidates": entry_basis.candidates(session, clock, actor, subject),
        "polarities": POLARITY_LABELS,
    }


@router.post("/lists-queue/lookup")
def lookup_subject(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    subject: Annotated[str, Form(max_length=40)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The proposal form's lookup: a USCC, an opaque reference or a natural person's ID
    number (found through the audited person lookup), then the queue with the subject's
    records, addressed by its public code: the ID number goes into no URL and is not
    shown again (decision 0043). Posted, so that the number is not in the address."""
    check_csrf(request, csrf_token)
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    try:
        found = entry_basis.subject_for(session, clock, actor, subject)
    except DomainError as exc:
        error = form_error(session, exc)
        context = _queue_context(session, actor, clock)
        # The refusal shown above the forms, the lookup's input marked; what was typed is
        # not shown again (it may be an ID number).
        context.update({"error": error, "form": {}, "basis_error": True})
        return render(request, "lists_queue.html", context, status_code=status_for(exc))
    return RedirectResponse(
        f"/lists-queue?{urlencode({'subject': _handle(found)})}", status_code=303
    )


@router.get("/lists-queue", response_class=HTMLResponse)
def officer_queue(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    done: Annotated[str, Query(max_length=16)] = "",
    subject: Annotated[str, Query(max_length=40)] = "",
) -> HTMLResponse:
    """The officer's proposal and review queue; after a step, what it did. ``subject``: the
    code of the subject whose records in force the proposal form offers as its basis."""
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    context = _queue_context(session, actor, clock, basis_subject=subject)
    context["notice"] = announced(done, *QUEUE_NOTICES).notice
    return render(request, "lists_queue.html", context)


QUEUE_NOTICES = ("proposed", "approved", "rejected", "removal_proposed", "decided")


_PERSON_FIELD = re.compile(r"responsible_persons\[(\d+)\]\.(role|name|citizen_id)")


def _form_field(error: dict[str, Any]) -> dict[str, Any]:
    """The refusal named by the proposal form's field rather than the service's (its API
    body's), so that it is marked beside its input: a responsible person's field by the
    row it was typed in (the rows filled in are shown again in their order, so the n-th
    person is the n-th row), a subject code looked up as ``code`` as the subject."""
    field = str(error.get("field") or "")
    person = _PERSON_FIELD.fullmatch(field)
    if person:
        return {**error, "field": f"person_{person[2]}", "person_row": int(person[1])}
    if field == "code":
        return {**error, "field": "subject"}
    return error


def _refused_in_queue(
    request: Request,
    session: Session,
    actor: Actor,
    clock: Clock,
    exc: DomainError,
    *,
    entry_id: int | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    """A refused step is shown on the queue itself, next to the proposal or entry it
    concerns, with what the officer typed kept (citizen ID numbers excepted: they are
    never sent back)."""
    error = _form_field(form_error(session, exc))
    context = _queue_context(
        session, actor, clock, basis_subject=str((form or {}).get("subject", ""))
    )
    # An entry that left the queue meanwhile (decided by another officer) has no form to
    # show the refusal beside: the page shows it at the top, with what was typed.
    shown = {e.id for e in context["queue"]} | {e.id for e, _s, _std in context["published"]}
    context.update(
        {
            "error": error,
            "error_entry": entry_id,
            "error_entry_shown": entry_id in shown,
            "form": form or {},
        }
    )
    return render(request, "lists_queue.html", context, status_code=status_for(exc))


@router.post("/lists-queue/propose")
def propose(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    subject: Annotated[str, Form(max_length=40)],
    standard: Annotated[str, Form(max_length=64)],
    criteria_met: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)],
    evidence: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=20000)],
    person_role: Annotated[list[str] | None, Form(max_length=32)] = None,
    person_name: Annotated[list[str] | None, Form(max_length=100)] = None,
    person_citizen_id: Annotated[list[str] | None, Form(max_length=40)] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    basis_record: Annotated[list[str] | None, Form(max_length=20)] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    named = entries.named_persons_from_form(
        person_role or [], person_name or [], person_citizen_id or []
    )
    # The boxes ticked: record ids the page offered (anything else names no record).
    basis = [
        int(v)
        for v in basis_record or []
        if v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ROW_ID
    ]
    found: Subject | None = None
    try:
        found = entry_basis.subject_for(session, clock, actor, subject)
        entries.propose(
            session,
            clock,
            actor,
            subject=found,
            standard_code=standard,
            criteria_met=criteria_met,
            reasons=reasons,
            evidence=evidence,
            responsible_persons=named,
            name=name,
            basis_record_ids=basis,
        )
    except DomainError as exc:
        # A person's ID number typed here is not sent back (decision 0043), nor the
        # reference it found: the refusal rolls the lookup's audit and log entry back, so
        # the page must not tell whose number it was.
        kept = _kept_code(subject, clock.today())
        form = {
            "subject": _handle(found) if found is not None and kept else kept,
            "name": name,
            "basis_records": basis,
            "standard": standard,
            "criteria_met": criteria_met,
            "reasons": reasons,
            "evidence": evidence,
            "persons": [(p.role, p.name) for p in named],
        }
        return _refused_in_queue(request, session, actor, clock, exc, form=form)
    return RedirectResponse("/lists-queue?done=proposed", status_code=303)


def _kept_code(code: str, today: dt.date) -> str:
    """A code typed into the proposal form, to show again: not if it reads as a citizen ID."""
    kind = identifiers.check(code, today=today).kind
    return "" if kind is identifiers.IdentifierKind.CITIZEN_ID else code


@router.post("/lists-queue/{entry_id}/decide")
def decide(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        if decision == "approve":
            entries.approve(session, clock, actor, entry_id, reasons=reasons)
        else:
            entries.reject(session, clock, actor, entry_id, reasons=reasons)
    except DomainError as exc:
        # Named apart from the proposal form's fields, which the same page shows again.
        form = {"decision": decision, "decision_reasons": reasons}
        return _refused_in_queue(request, session, actor, clock, exc, entry_id=entry_id, form=form)
    done = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/lists-queue?done={done}", status_code=303)


@router.post("/lists-queue/{entry_id}/remove")
def propose_removal(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[RemovalReason, Form()],
    detail: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=5000)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Propose the early removal of a published entry: another officer decides it."""
    check_csrf(request, csrf_token)
    try:
        removal_proposals.propose(session, clock, actor, entry_id, reason=reason, detail=detail)
    except DomainError as exc:
        form = {"removal_reason": reason.value, "removal_detail": detail}
        return _refused_in_queue(request, session, actor, clock, exc, entry_id=entry_id, form=form)
    return RedirectResponse("/lists-queue?done=removal_proposed", status_code=303)


@router.post("/lists-queue/objections/{objection_id}")
@inputs.beside_form
def decide_objection(
    request: Request,
    objection_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    upheld: Annotated[str, Form(pattern="^(yes|no)$")],
    reasons: Annotated[str, LINE_BREAKS_AS_ONE, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    return objection_decided(
        request,
        session,
        clock,
        actor,
        objection_id,
        upheld=upheld,
        reasons=reasons,
        template="lists_queue.html",
        context=lambda: _queue_context(session, actor, clock),
        done="/lists-queue?done=decided",
    )


def objection_decided(
    request: Request,
    session: Session,
    clock: Clock,
    actor: Actor,
    objection_id: int,
    *,
    upheld: str,
    reasons: str,
    template: str,
    context: Callable[[], dict[str, Any]],
    done: str,
) -> Response:
    """An objection decided from a page (the officers' queue, the objection handler's):
    on to ``done``; refused, the page again with the refusal at the objection and the
    decision and reasons typed kept, which the decider would otherwise write again
    (Art. 15 ¶2, 25). ``context`` is the page's, read after the refusal rolled back. The
    routes are ``beside_form``: a NUL in the reasons is refused here, as any other input."""
    try:
        inputs.refuse_held(request)
        entries.decide_objection(
            session, clock, actor, objection_id, upheld=upheld == "yes", reasons=reasons
        )
    except DomainError as exc:
        refused = {
            "error": form_error(session, exc),
            "error_objection": objection_id,
            # A NUL is not typed back.
            "reasons": reasons.replace("\x00", ""),
            "upheld": upheld,
        }
        return render(request, template, {**context(), **refused}, status_code=status_for(exc))
    return RedirectResponse(done, status_code=303)


@router.get("/joint-check", response_class=HTMLResponse)
def joint_check_form(request: Request, actor: ActorDep, session: SessionDep) -> HTMLResponse:
    require(actor, Permission.JOINT_CHECK)
    return render(
        request,
        "lists_joint_check.html",
        {"matters": measures.matters(session), "results": None, "matter": "", "codes": ""},
    )


def _refuse_other_than_csv(filename: str, content_type: str | None) -> None:
    """The codes are read from a CSV file, as the batch upload tells its formats apart (by
    extension, then content type)."""
    try:
        fmt = readers.detect_format(filename, content_type)
    except readers.UnusableFile:
        fmt = None
    if fmt is not readers.FileFormat.CSV:
        raise InvalidInput(
            "the codes are read from a CSV file only: save the sheet as CSV UTF-8",
            code="unsupported_format",
            field="file",
        )


# The service names the API's fields; the page's form has its own.
JOINT_CHECK_FIELDS = {"subjects": "codes", "matter": "matter", "file": "file"}


@router.post("/joint-check", response_model=None)
@inputs.beside_form
async def joint_check(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    matter: Annotated[str, Form(max_length=64)],
    codes: Annotated[str, LINE_BREAKS_AS_ONE, Form(max_length=2_000_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    download: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check a list of codes (typed, or a CSV upload with codes in the first column);
    the result shows on the page or downloads as CSV."""
    check_csrf(request, csrf_token)
    require(actor, Permission.JOINT_CHECK)
    try:
        inputs.refuse_held(request)
        upload = b""
        if file is not None and file.filename:
            _refuse_other_than_csv(file.filename, file.content_type)
            upload = await file.read(joint_checks.MAX_UPLOAD_BYTES + 1)
        subject_codes = joint_checks.codes_from(codes, upload)
        result = await run_in_threadpool(
            partial(
                joint_checks.check,
                clean_years=app_context(request).settings.green_channel_clean_years,
            ),
            session,
            clock,
            actor,
            matter,
            subject_codes,
        )
    except (InvalidInput, PermissionDenied) as exc:
        # Beside the form, with the matter and the codes as typed (nothing was checked). A
        # matter the organisation applies no measure in is refused as the API refuses it,
        # recorded as the boundary records a refusal.
        field = JOINT_CHECK_FIELDS.get(exc.field or "", exc.field)
        if isinstance(exc, PermissionDenied):
            await run_in_threadpool(settle_refusal, request, session, exc)
            error = exc.as_dict()
        else:
            error = await run_in_threadpool(form_error, session, exc)
        return render(
            request,
            "lists_joint_check.html",
            {
                "matters": await run_in_threadpool(measures.matters, session),
                "results": None,
                "matter": matter,
                "codes": codes.replace("\x00", ""),
                "error": {**error, "field": field},
            },
            status_code=status_for(exc),
        )
    if download:
        return Response(
            joint_check_csv(result, subject_codes, request),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="joint-check-{matter}.csv"'},
        )
    return render(
        request,
        "lists_joint_check.html",
        {
            "matters": measures.matters(session),
            "results": list(joint_checks.rows(result, subject_codes)),
            # The years this check's green channel was answered on (Art. 16(1)).
            "clean_years": result.clean_years,
            "matter": matter,
            # Not typed back into the form: the answers show each code, ID numbers masked.
            "codes": "",
        },
    )


def _notices_context(
    request: Request, session: Session, actor: Actor, clock: Clock
) -> dict[str, Any]:
    subject_id = require_subject_account(
        actor, "only a subject account has notices", article="Art. 15"
    )
    notices = entries.notices_for(session, actor)
    # Black-list entries: whether the subject may apply for early removal now, or why not.
    offers = early_removal.offers(
        session, clock, actor, notices, terms=early_removal_terms(request)
    )
    # The subject's own objections, each with its decision and reasons once decided.
    objections = {
        entry_id: [o for o, _ in listed if o.source is ObjectionSource.SUBJECT]
        for entry_id, listed in entries.objections_by_entry(
            session, actor, [e.id for e in notices]
        ).items()
    }
    # Who recognised each: the notice is that agency's decision, and it answers objections.
    agencies = accounts.organisation_names(
        session, {e.recognising_organisation_id for e in notices}
    )
    # When each undecided objection to a published entry is due (Art. 25).
    today = clock.today()
    applied = applications.of_subject(session, subject_id)
    deadlines = entries.objection_deadlines(
        session, [o for listed in objections.values() for o in listed], today
    )
    return {
        "entries": notices,
        # The records each rests on, with their state: its own (decision 0043).
        "basis": entry_basis.of_entries(session, notices, today=today),
        "agencies": agencies,
        "objections": objections,
        "deadlines": deadlines,
        "objection_days": objection_terms(request).decide,
        # A court judgment defaulter objects to the court, not here: which court.
        "courts": entries.listing_courts(session, notices),
        "applications": applied,
        # The entry each measure rests on, where it has left the list since.
        "entries_left": applications.entries_left(session, applied, today),
        "offers": offers,
        "early_removal": early_removal_page_labels(),
        "commitment_text": early_removal_rules.COMMITMENT,
        "today": clock.today(),
        # Requests for consent to be named in a credit-repair typical case (decision 0030).
        "naming_requests": naming_consent.awaiting_answer(session, actor),
    }


@router.get("/me/notices", response_class=HTMLResponse)
def my_notices(
    request: Request,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    objected: RowIdInQuery = None,
    applied: RowIdInQuery = None,
) -> HTMLResponse:
    """List candidacies, entries and measures applied to me, with basis and reasons; my
    objections to them, and their decisions with reasons."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to see your notices", code="not_authenticated")
    context = _notices_context(request, session, actor, clock)
    return render(
        request, "lists_notices.html", {**context, "objected": objected, "applied": applied}
    )


@router.post("/me/notices/{entry_id}/objection")
@inputs.beside_form
def object_to(
    request: Request,
    entry_id: RowId,
    actor: ActorDep,
    session: SessionDep,
    clock: ClockDep,
    # Its length is the service's to refuse, beside the notice with the text kept.
    statement: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    if not actor.authenticated:
        raise NotAuthenticated("log in to object", code="not_authenticated")
    require_subject_account(
        actor, "only the subject objects to its own candidacy", article="Art. 25"
    )
    try:
        inputs.refuse_held(request)
        entries.object_to(
            session, clock, actor, entry_id, statement, terms=objection_terms(request)
        )
    except (Conflict, InvalidInput) as exc:
        # Shown beside the notice it concerns, with what the subject wrote kept. Other
        # refusals (not theirs, no such entry) are the error page's.
        error = form_error(session, exc)
        context = _notices_context(request, session, actor, clock)
        # A NUL is not typed back.
        shown = statement.replace("\x00", "")
        context.update({"error": error, "error_entry": entry_id, "statement": shown})
        return render(request, "lists_notices.html", context, status_code=status_for(exc))
    return RedirectResponse(f"/me/notices?objected={entry_id}#entry-{entry_id}", status_code=303)


@router.get("/me/grade", response_class=HTMLResponse)
def my_grade(
    request: Request, actor: ActorDep, session: SessionDep, clock: ClockDep
) -> HTMLResponse:
    if not actor.authenticated:
        raise NotAuthenticated("log in to see your grade", code="not_authenticated")
    subject_id = require_subject_account(
        actor, "only a subject account has a grade", article="Art. 14"
    )
    subject = session.get(Subject, subject_id)
    assert subject is not None
    current = grades.current(session, clock, subject)
    return render(
        request,
        "lists_grade.html",
        {
            "grade": current,
            "history": grades.history(session, subject.id),
            # The grade names each record's type in Chinese (as the API gives it).
            "type_names": type_names(session, locale=locale_of(request)),
        },
    )
