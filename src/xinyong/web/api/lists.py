"""Lists and measures API: public red and black lists and measure lists, the officers'
workflow, joint incentive and punishment checks, measure applications, credit grades."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import Actor, require_subject_account
from xinyong.lists import (
    applications,
    early_removal,
    entries,
    entry_basis,
    entry_reads,
    grades,
    joint_checks,
    measures,
    risk,
)
from xinyong.lists import rule_packs as list_rule_packs
from xinyong.lists.models import (
    ListEntry,
    ListKind,
    ListObjection,
    ListStandard,
    Measure,
    MeasureKind,
    Tier,
)
from xinyong.lists.publicity import mask_name
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.api.disclosure import AuthorisationParam, read_limits
from xinyong.web.api.early_removal import application_out, early_removal_terms
from xinyong.web.api.objections import Reasons, Statement, objection_terms
from xinyong.web.deps import (
    MAX_ROW_ID,
    AuthenticatedActorDep,
    ClockDep,
    RowId,
    SessionDep,
    app_context,
)
from xinyong.web.labels import entry_event_detail
from xinyong.web.openapi import refusals

router = APIRouter(prefix="/api/v1")


def _measure_out(session: Session, m: Measure) -> dict[str, Any]:
    """A measure as the lists state it (Art. 15), with the names of the organisations it
    names as implementers and of the recognition standards it is limited to."""
    return _measures_out(session, [m])[0]


def _measures_out(session: Session, found: list[Measure]) -> list[dict[str, Any]]:
    names = measures.implementer_names(session, found)
    standards = measures.standard_names(session, found)
    return [_one_measure_out(m, names, standards) for m in found]


def _one_measure_out(
    m: Measure, names: dict[str, str], standards: dict[str, str]
) -> dict[str, Any]:
    return {
        "code": m.code,
        "kind": m.kind.value,
        "head": f"Art. {16 if m.kind is MeasureKind.INCENTIVE else 17}({m.head})",
        "name": m.name,
        "matters": m.matter_codes,
        "target": m.target.value,
        # Art. 15 ¶2, 17: only under these recognition standards, whose listings its legal
        # basis covers; none: under every standard of its target.
        "standards": [
            {"code": code, "name": standards.get(code)} for code in (m.standard_codes or [])
        ],
        "means": m.means,
        "implementing_body": m.implementing_body,
        "implementers": {
            "kinds": list(m.implementer_kinds or []),
            "organisations": [
                {"code": code, "name": names.get(code)} for code in (m.implementer_codes or [])
            ],
        },
        "legal_basis": m.legal_basis,
        "severity": m.severity,
        "applies_to_responsible_persons": m.applies_to_responsible_persons,
        "responsible_persons_basis": m.responsible_persons_basis,
        "published_at": m.published_at.isoformat() if m.published_at else None,
        "withdrawn_at": m.withdrawn_at.isoformat() if m.withdrawn_at else None,
    }


def _entry_out(e: ListEntry, *, public: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": e.id,
        "list": e.kind.value,
        "tier": e.tier.value,
        "status": e.status.value,
        "legal_basis": e.legal_basis,
        "criteria_met": e.criteria_met,
        "reasons": e.reasons,
        "term_start": e.term_start.isoformat() if e.term_start else None,
        "term_end": e.term_end.isoformat() if e.term_end else None,
        "window_ends": e.window_ends.isoformat() if e.window_ends else None,
        "removal_reason": e.removal_reason.value if e.removal_reason else None,
        "removal_detail": e.removal_detail,
    }
    if not public:
        body.update(
            {
                "subject_id": e.subject_id,
                "proposed_by": e.proposed_by,
                "approved_by": e.approved_by,
                "evidence": e.evidence,
                "notice": e.notice_text,
            }
        )
    return body


def basis_out(
    session: Session, e: ListEntry, *, today: dt.date, public: bool = False
) -> dict[str, Any]:
    """The credit records the entry rests on (decision 0043): each with its type, decision
    number, source, date and state; for the public, only those the public file shows, with
    no state. ``basis_named`` false: an entry proposed before entries named them, whose
    basis is only in its evidence (an officer reviews it)."""
    found = (
        entry_basis.public_of_entries(session, [e], today=today)
        if public
        else entry_basis.of_entries(session, [e], today=today)
    )
    return {
        "basis_named": e.basis_named or e.source_record_id is not None,
        "basis_records": [b.as_dict(public=public) for b in found.get(e.id, [])],
    }


def _as_written(message: str) -> str:
    return message


def _entry_full(
    session: Session,
    e: ListEntry,
    actor: Actor | None = None,
    *,
    day: dt.date,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """An entry for those entitled to it in full: every step with who took it and why
    (Art. 15 ¶2), objections and their decisions, and the responsible persons (Art. 18).
    Public commenters' contact details go only to the agency that decides them. Given
    ``today``, an undecided objection to the published entry says when it is due. ``day``:
    the reader's, for the basis records' state."""
    with_contacts = actor is not None and entries.may_read_contacts(session, actor, e)
    subject_reads = actor is not None and actor.subject_id is not None
    return {
        **_entry_out(e, public=False),
        **basis_out(session, e, today=day),
        "proposed_at": e.proposed_at.isoformat(),
        "approved_at": e.approved_at.isoformat() if e.approved_at else None,
        "ended_at": e.ended_at.isoformat() if e.ended_at else None,
        # The masked ID number tells apart two persons of one name, as on the officers' queue.
        # Each with why it is named and for which period: a naming that ended stays, with
        # the day it ended (decision 0036).
        "responsible_persons": [
            {
                "role": p.role,
                "name": p.name,
                "citizen_id_masked": p.citizen_id_masked,
                "source": p.source,
                "named_from": p.named_from.isoformat() if p.named_from else None,
                "ended_on": p.ended_on.isoformat() if p.ended_on else None,
            }
            for p in entries.persons_by_entry(session, [e.id]).get(e.id, [])
        ],
        "objections": [
            {
                "id": o.id,
                "source": o.source.value,
                "submitted_at": o.submitted_at.isoformat(),
                "statement": o.statement,
                **(
                    {"contact": entries.objection_contact(session, actor, o)}
                    if with_contacts and actor is not None
                    else {}
                ),
                "decided_at": o.decided_at.isoformat() if o.decided_at else None,
                "upheld": o.upheld,
                "decision_reasons": o.decision_reasons,
                "after_publication": o.after_publication,
                "deadline": _deadline_out(session, o, today),
            }
            for o in entries.objections(session, e.id)
        ],
        "history": [
            {
                "at": ev.at.isoformat(),
                "actor": ev.actor,
                "action": ev.action,
                # The subject reads the platform's details without the internal ids of the
                # registrations they name (as on its pages); staff read them as written.
                "detail": entry_event_detail(ev.detail, _as_written)
                if subject_reads and ev.detail
                else ev.detail,
            }
            for ev in entries.history(session, e.id)
        ],
    }


# Before /lists/{kind}: the pack's path is not a list.
@router.get("/lists/rule-pack", tags=["measures"], responses=refusals(403))
def list_rule_pack(session: SessionDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """Each standard, matter and measure of the shipped lists rule pack against the city's
    (credit authority; decision 0034 addendum): `new`, `current`, `upgrade` (nobody changed
    it: brought up by the next `xinyong init` or `xinyong lists upgrade`), `draft` (a
    published measure the pack changed: it stays as published until the authority answers,
    Art. 17, Art. 19), `conflict` (changed in the city and by the pack) or `revised`.
    `changes` lists what the pack changed since the city's data last took it in (`loaded` →
    `shipped`, and the `city`'s value now), each `untouched`, `same` or a `collision`."""
    planned = list_rule_packs.plan(session, actor)
    return {
        "rule_pack": planned.rule_pack,
        "items": [_list_pack_item(found) for found in planned.items],
    }


def _list_pack_item(found: list_rule_packs.ListPackItem) -> dict[str, Any]:
    return {
        "part": found.part.value,
        "code": found.code,
        "status": found.status.value,
        "pending": found.pending,
        "measure_state": found.measure_state,
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
        "city": found.city,
    }


class ListPackAnswerIn(BaseModel):
    answer: Literal["take", "keep"] = Field(
        description="`take`: the shipped definition becomes the city's (a published measure "
        "is published anew with it); `keep`: the city's stays"
    )
    note: str = Field(min_length=1, max_length=500, description="why: kept in the audit trail")
    shipped_digest: str = Field(
        max_length=64, description="the `shipped_digest` of the pack definition answered"
    )


@router.post(
    "/lists/rule-pack/{part}/{code}/reconcile",
    tags=["measures"],
    responses=refusals(403, 404, 409),
)
def reconcile_list_rule_pack(
    part: Annotated[str, Path(max_length=16)],
    code: Annotated[str, Path(max_length=64)],
    body: ListPackAnswerIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The credit authority answers the shipped pack's change of a standard, matter or
    measure; later pack changes are measured from the definition it answered. 409
    `no_rule_pack_change` when nothing waits, `rule_pack_changed` when the pack shipped now
    is not the one answered."""
    found = list_rule_packs.reconcile(
        session,
        clock,
        actor,
        part,
        code,
        answer=body.answer,
        note=body.note,
        shipped_digest=body.shipped_digest,
    )
    return _list_pack_item(found)


@router.get("/lists/{kind}", tags=["lists"])
def public_list(
    kind: ListKind,
    session: SessionDep,
    clock: ClockDep,
    q: Annotated[str, Query(max_length=100)] = "",
    tier: Tier | None = None,
) -> dict[str, Any]:
    """The public red or black list: entries in force with their basis, reasons and term.
    Responsible persons of seriously dishonest organisations are shown masked (Art. 18).
    ``q`` finds an organisation by part of its name or of a former name, or by its code
    (an entry found by a former name gives it as ``matched_name``); a natural person only
    by the masked name or ID number, typed as the list shows them (Art. 13)."""
    today = clock.today()
    rows = entries.published(session, kind, today=today, query=q, tier=tier)
    persons = entries.public_persons(session, [e.id for e, _, _ in rows])
    basis = entry_basis.public_of_entries(session, [e for e, _, _ in rows], today=today)
    candidates = entries.in_comment(session, kind, today=today) if kind is ListKind.RED else []
    # Their texts with the natural persons' names masked, as the subject's is (Art. 4 ¶2).
    shown = entries.public_texts(
        session, [e for e, _, _ in candidates] + [e for e, _, _ in rows], today=today
    )
    return {
        # Red-list candidates are published for public comment before listing (rules.md).
        "candidates": [
            {
                "id": e.id,
                "list": e.kind.value,
                "standard": std.name,
                "legal_basis": e.legal_basis,
                "criteria_met": shown[e.id].criteria_met,
                "reasons": shown[e.id].reasons,
                "comment_until": e.window_ends.isoformat() if e.window_ends else None,
                "subject": {
                    "code": s.public_code,
                    "name": s.name if s.is_organisation else mask_name(s.name),
                },
            }
            for e, s, std in candidates
        ],
        "items": [
            {
                **public_entry(
                    e, std, persons.get(e.id, []), shown[e.id], basis=basis.get(e.id, [])
                ),
                "subject": {
                    "code": s.public_code,
                    "name": s.name if s.is_organisation else mask_name(s.name),
                    **({"matched_name": entries.public_search_match(s, q)} if q.strip() else {}),
                },
            }
            for e, s, std in rows
        ],
    }


def public_entry(
    e: ListEntry,
    std: ListStandard,
    persons: list[tuple[str, str]],
    shown: entries.PublicTexts,
    *,
    basis: list[entry_basis.BasisRecord] | None = None,
) -> dict[str, Any]:
    """An entry in force as the public sees it, on the list and on the subject's page:
    Art. 18 persons by capacity and masked name; its criteria met and reasons as the public
    sees them (``shown``, ``entries.public_texts``: citizen IDs and natural persons' names
    masked); the records it rests on that the public file shows
    (``entry_basis.public_of_entries``)."""
    return {
        **_entry_out(e, public=True),
        "criteria_met": shown.criteria_met,
        "reasons": shown.reasons,
        "standard": std.name,
        "responsible_persons": [{"role": role, "name": name} for role, name in persons],
        "basis_records": [b.as_dict(public=True) for b in basis or []],
    }


@router.get("/list-standards", tags=["lists"])
def list_standards(session: SessionDep) -> dict[str, Any]:
    """The recognition standards (public): criteria, basis, term, exit conditions,
    procedure (public comment or objection period, or the deciding body's records) and
    remedies."""
    return {"items": entries.public_standards(session)}


@router.get("/measures", tags=["measures"])
def published_measures(
    session: SessionDep,
    kind: MeasureKind | None = None,
    matter: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """The published measure lists (Art. 15): only these may ever be applied, each by the
    organisations its ``implementers`` name (kinds of organisation, named organisations),
    and — for a measure whose law covers only some kinds of listing — only to subjects
    listed under its ``standards`` (Art. 15 ¶2; none: every standard of its ``target``)."""
    found = measures.published_measures(session, kind=kind, matter_code=matter)
    return {"items": _measures_out(session, found)}


@router.get("/matters", tags=["measures"])
def administrative_matters(session: SessionDep) -> dict[str, Any]:
    return {
        "items": [
            {"code": m.code, "name": m.name, "name_en": m.name_en}
            for m in measures.matters(session)
        ]
    }


class MeasureIn(BaseModel):
    code: str = Field(min_length=3, max_length=64)
    kind: MeasureKind
    head: int
    name: str = Field(min_length=1, max_length=200)
    matter_codes: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1)
    target: Tier
    means: str = Field(min_length=1, max_length=2000)
    implementing_body: str = Field(min_length=1, max_length=200)
    legal_basis: str = Field(min_length=1, max_length=2000)
    severity: int = Field(ge=1, le=5)
    applies_to_responsible_persons: bool = False
    responsible_persons_basis: str | None = Field(default=None, max_length=2000)
    implementer_kinds: list[OrganisationKind] = Field(
        default_factory=list,
        max_length=len(OrganisationKind),
        description="the kinds of organisation that implement it (Art. 15)",
    )
    implementer_codes: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list,
        max_length=200,
        description="the organisations named as implementing it, by unified social credit "
        "code; with the kinds, at least one implementer (``no_implementer`` otherwise)",
    )
    standard_codes: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list,
        max_length=100,
        description="the recognition standards (codes of GET /api/v1/list-standards) whose "
        "listings its legal basis covers: offered and applied only to subjects listed under "
        "them (Art. 15 ¶2); none: every standard of its target. Each within the target "
        "(``wrong_target``)",
    )


@router.post("/measures", tags=["measures"], status_code=201, responses=refusals(403, 404, 409))
def create_measure(
    body: MeasureIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Add a measure (credit authority); refused if disproportionate (Art. 15 ¶2) or naming
    no implementer (Art. 15). Unpublished until published."""
    made = measures.create_measure(session, clock, actor, body.model_dump(mode="json"))
    return _measure_out(session, made)


@router.post("/measures/{code}/publish", tags=["measures"], responses=refusals(403, 404, 409))
def publish_measure(
    code: str, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Publish a measure (credit authority): refused (409 ``no_implementer``) for one that
    names no implementer (Art. 15)."""
    published = measures.publish(session, clock, actor, code)
    return _measure_out(session, published)


@router.post("/measures/{code}/withdraw", tags=["measures"], responses=refusals(403, 404, 409))
def withdraw_measure(
    code: str, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    return _measure_out(session, measures.withdraw(session, clock, actor, code))


class ResponsiblePersonIn(BaseModel):
    role: str = Field(
        max_length=32, description="legal_representative, principal or directly_responsible"
    )
    name: str = Field(min_length=1, max_length=100)
    citizen_id: str = Field(min_length=1, max_length=40)


class ProposalIn(BaseModel):
    subject: str = Field(max_length=40, description="USCC or reference of the subject")
    name: str | None = Field(
        default=None,
        max_length=200,
        description="the subject's name as on the decision: refused (name_mismatch) when "
        "the register does not know the code under it",
    )
    standard: str = Field(max_length=64)
    criteria_met: str = Field(min_length=1, max_length=5000)
    reasons: str = Field(min_length=1, max_length=5000)
    evidence: str = Field(min_length=1, max_length=20000)
    responsible_persons: list[ResponsiblePersonIn] = Field(
        default_factory=list,
        max_length=20,
        description="For an organisation proposed for the seriously dishonest tier: the "
        "persons responsible for the conduct (Art. 18). Its registered legal representative "
        "and principal are added on approval.",
    )
    basis_record_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        default_factory=list,
        max_length=entry_basis.MAX_BASIS_RECORDS,
        description="The credit records the entry rests on (ids of the subject's records: "
        "in force, negative for the black list, positive for the red; public or your "
        "organisation's). At least one for the black list (Art. 15 ¶2); the entry leaves "
        "the list when one is repaired or revoked (decision 0043).",
    )


@router.post("/list-entries", tags=["lists"], status_code=201, responses=refusals(403, 404, 409))
def propose_entry(
    body: ProposalIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Propose a red or black list entry; black candidates get a written notice first."""
    entry = entries.propose(
        session,
        clock,
        actor,
        subject=subjects.by_reference(session, body.subject),
        standard_code=body.standard,
        criteria_met=body.criteria_met,
        reasons=body.reasons,
        evidence=body.evidence,
        responsible_persons=[
            entries.NamedPerson(role=p.role, name=p.name, citizen_id=p.citizen_id)
            for p in body.responsible_persons
        ],
        name=body.name,
        basis_record_ids=body.basis_record_ids,
    )
    return _entry_full(session, entry, actor, day=clock.today())


@router.get("/list-entries", tags=["lists"], responses=refusals(403))
def entry_queue(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The agency's open proposals (in comment, noticed, awaiting approval), with their
    evidence and notice: in each subject's access log (decision 0020)."""
    queue = entries.queue(session, actor)
    entry_reads.queue_shown(session, clock, actor, queue, persons=False)
    return {"items": [_entry_out(e, public=False) for e in queue]}


@router.get("/list-entries/{entry_id}", tags=["lists"], responses=refusals(403, 404))
def entry_detail(
    entry_id: RowId, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """One entry in full, with every decision's reasons and the responsible persons named
    in full (Art. 18): the recognising agency, the credit authority and the subject. A
    reader other than the subject is in the access logs of the subject and of the
    registered persons named (decision 0020)."""
    return _entry_full(
        session,
        entry_reads.read_entry(session, clock, actor, entry_id),
        actor,
        day=clock.today(),
    )


class DecisionIn(BaseModel):
    reasons: str = Field(min_length=1, max_length=5000)


@router.post("/list-entries/{entry_id}/approve", tags=["lists"], responses=refusals(403, 404, 409))
def approve_entry(
    entry_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """A second officer — never the proposer — approves after the window; the entry is published."""
    return _entry_full(
        session,
        entries.approve(session, clock, actor, entry_id, reasons=body.reasons),
        day=clock.today(),
    )


@router.post("/list-entries/{entry_id}/reject", tags=["lists"], responses=refusals(403, 404, 409))
def reject_entry(
    entry_id: RowId,
    body: DecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    return _entry_full(
        session,
        entries.reject(session, clock, actor, entry_id, reasons=body.reasons),
        day=clock.today(),
    )


def _deadline_out(
    session: Session, objection: ListObjection, today: dt.date | None
) -> dict[str, Any] | None:
    found = None if today is None else entries.objection_deadline(session, objection, today)
    return None if found is None else found.as_dict()


class ObjectionIn(BaseModel):
    statement: Statement


@router.post(
    "/me/list-entries/{entry_id}/objection",
    tags=["lists"],
    status_code=201,
    responses=refusals(403, 404, 409),
)
def object_to_entry(
    request: Request,
    entry_id: RowId,
    body: ObjectionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """The subject objects to a black-list candidacy within the window, or at any time to
    its black-list entry on the list (Art. 25; ``after_publication``): that objection is
    decided within ``deadline`` (the working days of an objection to a record,
    ``XINYONG_OBJECTION_DECISION_WORKING_DAYS``) by someone other than the proposer, and if
    upheld the entry is removed (``objection_upheld``). 422 ``window_closed`` for a
    candidacy past its window, ``not_objectable`` for an entry no longer on the list."""
    objection = entries.object_to(
        session, clock, actor, entry_id, body.statement, terms=objection_terms(request)
    )
    return {
        "id": objection.id,
        "entry_id": objection.entry_id,
        "submitted_at": objection.submitted_at.isoformat(),
        "after_publication": objection.after_publication,
        "deadline": _deadline_out(session, objection, clock.today()),
    }


class ObjectionDecisionIn(BaseModel):
    upheld: bool
    reasons: Reasons


@router.get("/list-objections", tags=["lists"], responses=refusals(403))
def objections_to_decide(
    session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """The undecided objections the caller may decide, oldest first, each with the entry
    in full and the statement — and, for one to a published entry (``after_publication``),
    its ``deadline``: in each subject's access log (decision 0020). For an objection
    handler, those to open list candidacies and to published black-list entries (its
    agency's; every agency's for the credit authority's), as ``/list-objections``; for an
    officer who approves entries, those to its agency's published entries that it did not
    propose, as ``/lists-queue`` (an objection to a candidacy comes with the candidacy,
    ``GET /api/v1/list-entries/{id}``)."""
    cases = entries.objections_to_decide(session, actor, today=clock.today())
    entry_reads.objections_shown(session, clock, actor, [c.entry for c in cases])
    return {
        "items": [
            {
                "id": c.objection.id,
                "source": c.objection.source.value,
                "submitted_at": c.objection.submitted_at.isoformat(),
                "statement": c.objection.statement,
                **({"contact": c.contact} if c.contact is not None else {}),
                "subject": {"code": c.subject.public_code, "name": c.subject.name},
                "standard": c.standard.name,
                "entry": _entry_out(c.entry, public=False),
                "after_publication": c.objection.after_publication,
                "deadline": None if c.deadline is None else c.deadline.as_dict(),
            }
            for c in cases
        ]
    }


@router.post(
    "/list-objections/{objection_id}/decide", tags=["lists"], responses=refusals(403, 404, 409)
)
def decide_objection(
    objection_id: RowId,
    body: ObjectionDecisionIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> dict[str, Any]:
    """Decide an objection with reasons: an objection handler of the recognising agency or
    of the credit authority, or an officer of the recognising agency who approves entries —
    never the entry's proposer (403 own_proposal, Art. 25). Upheld, a candidacy is
    rejected and a published entry removed (``removal_reason`` ``objection_upheld``)."""
    objection = entries.decide_objection(
        session, clock, actor, objection_id, upheld=body.upheld, reasons=body.reasons
    )
    return {
        "id": objection.id,
        "upheld": objection.upheld,
        "reasons": objection.decision_reasons,
        "entry": _entry_full(session, entries.get(session, objection.entry_id), day=clock.today()),
    }


@router.get("/me/notices", tags=["lists"], responses=refusals(403))
def my_notices(
    request: Request, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """List candidacies and entries about me, and measures applied to me with their basis
    and reasons — each with ``entry_left`` once the list entry it rests on has left the
    list: when and why (for an organisation's entry naming me under Art. 18, only that its
    term ended or it was removed). A black-list entry that is or was listed has ``early_removal``: whether I
    may apply now for its early removal, each condition with its basis, and my
    applications (SAMR Order 44)."""
    subject_id = require_subject_account(
        actor, "only a subject account has notices", article="Art. 24"
    )
    measure_codes = {m.id: m.code for m in measures.all_measures(session)}
    notices = entries.notices_for(session, actor)
    applied = applications.of_subject(session, subject_id)
    # The entry each measure rests on, where it has left the list since.
    left = applications.entries_left(session, applied, clock.today())
    offers = early_removal.offers(
        session, clock, actor, notices, terms=early_removal_terms(request)
    )
    return {
        "list_entries": [
            {
                **_entry_full(session, e, today=clock.today(), day=clock.today()),
                **(
                    {
                        "early_removal": {
                            "eligible": offers[e.id].eligible,
                            "checks": [c.as_dict() for c in offers[e.id].checks],
                            "applications": [application_out(a) for a in offers[e.id].applications],
                        }
                    }
                    if e.id in offers
                    else {}
                ),
            }
            for e in notices
        ],
        "measure_applications": [
            {
                "id": a.id,
                "measure": measure_codes.get(a.measure_id),
                "matter": a.matter_code,
                "applied_at": a.applied_at.isoformat(),
                "basis": a.basis,
                "reasons": a.reasons,
                "notice": a.notice,
                "entry_left": left[a.id].as_dict() if a.id in left else None,
            }
            for a in applied
        ],
    }


class JointCheckIn(BaseModel):
    matter: str = Field(min_length=1, max_length=64)
    subjects: list[str] = Field(min_length=1, max_length=joint_checks.MAX_SUBJECTS)


@router.post(
    "/joint-checks",
    tags=["joint checks"],
    response_class=JSONResponse,
    responses=refusals(403, 404),
)
async def joint_check(
    request: Request,
    body: JointCheckIn,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
) -> Response:
    """Check subjects in an administrative matter: list status, the measures that apply with
    their basis, reasons and implementing body, green-channel eligibility (Art. 16(1)), and
    for a natural person the listed organisations they are responsible for (Art. 18).

    ``results[i]`` answers ``subjects[i]``: ``code`` (as given, a citizen ID number masked),
    ``found``, ``name``, ``invalid`` (why a code is no valid code), ``list_status`` (maybe
    empty), ``responsible_for`` (only where there are some), ``measures`` (each in full with
    the reasons it applies; maybe empty), ``green_channel`` and its ``green_channel_reason``
    (explained once in ``green_channel_reasons``); ``measures`` at the top lists the measures
    referred to, once. The green channel for three clean years needs the subject on record
    for those years (``too_recent`` otherwise); the years are
    ``XINYONG_GREEN_CHANNEL_CLEAN_YEARS``, given as ``clean_years`` and kept with the check,
    so that the subjects' access logs explain its answer with them later."""
    clean_years = app_context(request).settings.green_channel_clean_years

    def run() -> bytes:
        result = joint_checks.check(
            session, clock, actor, body.matter, body.subjects, clean_years=clean_years
        )
        # Up to 100,000 answers: encoded once, straight to JSON (the content is plain
        # strings, booleans, numbers, lists and dicts; nothing for a response model to do).
        return result.to_json()

    return Response(await run_in_threadpool(run), media_type="application/json")


class ApplicationIn(BaseModel):
    subject: str = Field(max_length=40)
    matter: str = Field(max_length=64)
    measure: str = Field(max_length=64)
    reasons: str = Field(min_length=1, max_length=5000)


@router.post(
    "/measure-applications",
    tags=["joint checks"],
    status_code=201,
    responses=refusals(403, 404, 409),
)
def apply_measure(
    body: ApplicationIn, session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep
) -> dict[str, Any]:
    """Apply a published measure; the subject gets a notice with its basis and reasons (Art. 15 ¶2).

    409 ``entry_ended`` / ``no_longer_named`` when the basis has left the list (decision 0036);
    an incentive to a subject on the black list 409 ``incentive_on_black_list``, and on a
    red-list entry whose standard its subject no longer meets 409 ``red_standard_not_met``
    (Art. 16; decision 0041); a measure limited to some recognition standards, for a subject
    listed (or named as responsible) under others only, 422 ``standard_not_covered``
    (Art. 15 ¶2; decision 0008 addendum)."""
    application = applications.apply(
        session,
        clock,
        actor,
        subject=subjects.by_reference(session, body.subject),
        matter_code=body.matter,
        measure_code=body.measure,
        reasons=body.reasons,
    )
    return {
        "id": application.id,
        "basis": application.basis,
        "reasons": application.reasons,
        "notice": application.notice,
    }


@router.get("/subjects/{code}/credit-status", tags=["grades"], responses=refusals(403, 404, 429))
def credit_status(
    code: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    actor: AuthenticatedActorDep,
    authorisation: AuthorisationParam = None,
) -> dict[str, Any]:
    """List status and grade with every contributing record: the subject itself, the credit
    authority, or a financial institution with written authorisation covering the
    ``credit_status`` scope (Art. 19) — the one named (``authorisation``), or the only one
    in force covering it (several: 422 ``authorisation_required``)."""
    subject = subjects.by_reference(session, code)
    return risk.credit_status(
        session,
        clock,
        actor,
        subject,
        limits=read_limits(request),
        authorisation_id=authorisation,
    )


@router.get("/me/grade", tags=["grades"], responses=refusals(403, 404))
def my_grade(session: SessionDep, clock: ClockDep, actor: AuthenticatedActorDep) -> dict[str, Any]:
    """My grade, how each record contributes, and my grade history."""
    subject_id = require_subject_account(
        actor, "only a subject account has a grade", article="Art. 24"
    )
    subject = session.get(Subject, subject_id)
    assert subject is not None
    current = grades.current(session, clock, subject)
    return {
        "grade": current.grade,
        "score": current.score,
        "model_version": current.model_version,
        "contributions": current.contributions,
        "history": [
            {"grade": g.grade, "score": g.score, "at": g.computed_at.isoformat()}
            for g in grades.history(session, subject.id)
        ],
    }
