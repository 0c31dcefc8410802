"""Removing a published list entry by hand before its term ends, with four eyes (Art. 14,
15; decision 0042).

An officer of the recognising agency proposes the removal — its exit conditions met, or
another reason stated — and another officer of that agency, never the proposer (in person
or through a key either released), approves it, and only then does the entry leave the
list, or refuses it, with reasons. As a listing takes a proposer and an approver
(``entries.approve``) and an early removal on application a second officer
(``early_removal``), so does a removal by hand. One open proposal per entry; a proposal
whose entry leaves the list otherwise meanwhile lapses (``entry_events``).

The other removal reasons belong to workflows with their own checks (a repair, an upheld
objection, a court's confirmed performance, the source's revocation of the record, SAMR
Order 44): they are set there, never proposed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyong import published_text, texts
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    acting_as,
    has_permission,
    require,
    same_person,
)
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists.entry_events import record_event
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListRemovalProposal,
    ListStandard,
    RemovalProposalStatus,
    RemovalReason,
)
from xinyong.subjects.models import Subject

# What a staff member may give as the reason of a removal by hand.
MANUAL_REMOVAL_REASONS = (RemovalReason.EXIT_CONDITIONS_MET, RemovalReason.OTHER)
MAX_TEXT = 5000
DECIDED_SHOWN = 20
ARTICLE = "Art. 15"


def _entry(session: Session, entry_id: int, *, for_update: bool = False) -> ListEntry:
    # Locked (and read afresh) when a decision changes it: an objection upheld or a record
    # repaired in another transaction meanwhile is then seen, not overwritten.
    entry = session.get(
        ListEntry, entry_id, with_for_update=for_update, populate_existing=for_update
    )
    if entry is None:
        raise NotFound("no such list entry", code="not_found", field="entry")
    return entry


def _same_organisation(actor: Actor, organisation_id: int) -> None:
    if actor.organisation_id != organisation_id:
        raise PermissionDenied(
            "this entry belongs to another agency", code="other_organisation", article="Art. 14"
        )


def _text(value: str, field: str, required: str, *, today: dt.date) -> str:
    text = texts.visible(value)
    if not text:
        raise InvalidInput(required, code="required", field=field, article="Art. 15 ¶2")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"at most {MAX_TEXT} characters", code="too_long", field=field)
    # The detail and the decision's reasons are read by the subject on its notices and with
    # the entry's history (Art. 24): no citizen ID in clear (Art. 4 ¶2, decision 0044).
    published_text.refuse_citizen_ids({field: text}, today=today)
    return text


def open_proposal(session: Session, entry_id: int) -> ListRemovalProposal | None:
    return session.scalar(
        select(ListRemovalProposal).where(
            ListRemovalProposal.entry_id == entry_id,
            ListRemovalProposal.status == RemovalProposalStatus.OPEN,
        )
    )


def open_by_entry(session: Session, entry_ids: list[int]) -> dict[int, ListRemovalProposal]:
    """The open removal proposal of each of these entries that has one: one query for a page."""
    if not entry_ids:
        return {}
    return {
        p.entry_id: p
        for p in session.scalars(
            select(ListRemovalProposal).where(
                ListRemovalProposal.entry_id.in_(entry_ids),
                ListRemovalProposal.status == RemovalProposalStatus.OPEN,
            )
        )
    }


def propose(
    session: Session,
    clock: Clock,
    actor: Actor,
    entry_id: int,
    *,
    reason: RemovalReason,
    detail: str,
) -> ListRemovalProposal:
    """An officer of the recognising agency proposes to take a published entry off the list
    before its term ends; the entry stays on the list until another officer approves."""
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    if reason not in MANUAL_REMOVAL_REASONS:
        raise InvalidInput(
            f"an entry is removed as {reason.value} only through that procedure, with its "
            "checks: choose exit_conditions_met or other",
            code="reason_of_another_procedure",
            field="reason",
            article="Art. 14",
        )
    # Locked and read afresh: an entry leaving the list at this moment (an objection upheld,
    # an early removal) is seen, and no proposal is left open on it.
    entry = _entry(session, entry_id, for_update=True)
    _same_organisation(actor, entry.recognising_organisation_id)
    if entry.status is not EntryStatus.PUBLISHED:
        raise Conflict("only a published entry can be removed", code="wrong_state", field="entry")
    if _term_ended(entry, clock.today()):
        # Its term ended before the daily job expired it: it leaves by its term, and a
        # removal proposed now would rewrite that ending as a removal.
        raise Conflict(
            "the entry's term has ended: it leaves the list by its term, not by a removal",
            code="entry_left_list",
            field="entry",
        )
    text = _text(detail, "detail", "a removal states its reason", today=clock.today())
    if open_proposal(session, entry.id) is not None:
        raise Conflict(
            "a removal of this entry is proposed already and awaits a second officer",
            code="duplicate",
            field="entry",
        )
    proposal = ListRemovalProposal(
        entry_id=entry.id,
        recognising_organisation_id=entry.recognising_organisation_id,
        reason=reason,
        detail=text,
        status=RemovalProposalStatus.OPEN,
        proposed_by=actor.audit().id or "",
        proposed_at=clock.now(),
    )
    session.add(proposal)
    try:
        # The partial unique index settles two officers proposing at the same moment.
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a removal of this entry is proposed already and awaits a second officer",
            code="duplicate",
            field="entry",
        ) from exc
    record_event(
        session,
        clock,
        entry,
        actor,
        "removal_proposed",
        f"removal proposal {proposal.id}: {reason.value}: {text}",
    )
    return proposal


def get(session: Session, proposal_id: int) -> ListRemovalProposal:
    found = session.get(ListRemovalProposal, proposal_id)
    if found is None:
        raise NotFound("no such removal proposal", code="not_found", field="proposal")
    return found


def _decidable(session: Session, actor: Actor, proposal_id: int) -> ListRemovalProposal:
    require(actor, Permission.APPROVE_LIST_ENTRY)
    found = session.get(ListRemovalProposal, proposal_id)
    if found is None:
        raise NotFound("no such removal proposal", code="not_found", field="proposal")
    # Locked, the entry first (``entry_locks``: an exit from the list lapses the proposal in
    # the same transaction, so the entry comes before it): two officers deciding the same
    # proposal at once are taken one after the other, and the second finds it decided.
    _entry(session, found.entry_id, for_update=True)
    proposal = session.get(
        ListRemovalProposal, proposal_id, with_for_update=True, populate_existing=True
    )
    assert proposal is not None
    _same_organisation(actor, proposal.recognising_organisation_id)
    if same_person(session, actor, proposal.proposed_by):
        raise PermissionDenied(
            "who proposed a removal does not decide it; another officer of the recognising "
            "agency must (four eyes)",
            code="own_proposal",
            field="proposal",
            article=ARTICLE,
        )
    if proposal.status is not RemovalProposalStatus.OPEN:
        raise Conflict(
            "this removal proposal is decided already",
            code="decided",
            field="proposal",
        )
    return proposal


def _decided(
    proposal: ListRemovalProposal,
    clock: Clock,
    actor: Actor,
    status: RemovalProposalStatus,
    reasons: str,
) -> None:
    proposal.status = status
    proposal.decided_by = actor.audit().id
    proposal.decided_at = clock.now()
    proposal.decision_reasons = reasons


def _term_ended(entry: ListEntry, today: dt.date) -> bool:
    return entry.term_end is not None and entry.term_end < today


def _listed_entry(session: Session, clock: Clock, proposal: ListRemovalProposal) -> ListEntry:
    """The proposal's entry, locked, while it is still on the list to be decided about."""
    entry = _entry(session, proposal.entry_id, for_update=True)
    if entry.status is not EntryStatus.PUBLISHED or _term_ended(entry, clock.today()):
        # Every exit from the list lapses the proposal (``entry_events``); this guards a
        # path that would not, and a term that has ended before the daily job expired it
        # (the entry left by its term, not by this removal).
        raise Conflict(
            "the entry is no longer on the list to be removed",
            code="entry_left_list",
            field="proposal",
        )
    return entry


def approve(
    session: Session, clock: Clock, actor: Actor, proposal_id: int, *, reasons: str
) -> ListRemovalProposal:
    """A second officer approves: the entry leaves the list now, with the proposal's reason,
    which the subject reads on its notices (Art. 24)."""
    proposal = _decidable(session, actor, proposal_id)
    text = _text(reasons, "reasons", "a decision states its reasons", today=clock.today())
    entry = _listed_entry(session, clock, proposal)
    _decided(proposal, clock, actor, RemovalProposalStatus.APPROVED, text)
    record_event(
        session,
        clock,
        entry,
        actor,
        "removal_approved",
        f"removal proposal {proposal.id}: {text}",
    )
    entry.status = EntryStatus.REMOVED
    entry.ended_at = clock.now()
    entry.removal_reason = proposal.reason
    entry.removal_detail = proposal.detail
    record_event(
        session, clock, entry, actor, "removed", f"{proposal.reason.value}: {proposal.detail}"
    )
    return proposal


def refuse(
    session: Session, clock: Clock, actor: Actor, proposal_id: int, *, reasons: str
) -> ListRemovalProposal:
    """A second officer refuses, with reasons: the entry stays on the list."""
    proposal = _decidable(session, actor, proposal_id)
    text = _text(reasons, "reasons", "a decision states its reasons", today=clock.today())
    # Refusing to remove an entry that is no longer on the list decides nothing: the
    # proposal lapses with the entry's exit instead (``entry_events``).
    entry = _listed_entry(session, clock, proposal)
    _decided(proposal, clock, actor, RemovalProposalStatus.REFUSED, text)
    record_event(
        session,
        clock,
        entry,
        actor,
        "removal_refused",
        f"removal proposal {proposal.id}: {text}",
    )
    return proposal


@dataclass(frozen=True)
class Case:
    """A removal proposal with its entry, subject and standard, and whether the reader may
    decide it."""

    proposal: ListRemovalProposal
    entry: ListEntry
    subject: Subject
    standard: ListStandard
    may_decide: bool


def cases(session: Session, actor: Actor) -> list[Case]:
    """The open proposals of the actor's agency that it may decide (not its own), oldest
    first; then its own, the open ones first, and the latest decided."""
    may_approve = has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    if not may_approve:
        require(actor, Permission.PROPOSE_LIST_ENTRY)
    if actor.organisation_id is None:
        return []
    acting = acting_as(session, actor)
    statement = (
        select(ListRemovalProposal, ListEntry, Subject, ListStandard)
        .join(ListEntry, ListEntry.id == ListRemovalProposal.entry_id)
        .join(Subject, Subject.id == ListEntry.subject_id)
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .where(ListRemovalProposal.recognising_organisation_id == actor.organisation_id)
    )
    to_decide = []
    if may_approve:
        to_decide = [
            Case(p, e, s, std, True)
            for p, e, s, std in session.execute(
                statement.where(
                    ListRemovalProposal.status == RemovalProposalStatus.OPEN,
                    ListRemovalProposal.proposed_by.not_in(acting),
                ).order_by(ListRemovalProposal.proposed_at, ListRemovalProposal.id)
            )
        ]
    own_open = [
        Case(p, e, s, std, False)
        for p, e, s, std in session.execute(
            statement.where(
                ListRemovalProposal.proposed_by.in_(acting),
                ListRemovalProposal.status == RemovalProposalStatus.OPEN,
            ).order_by(ListRemovalProposal.id)
        )
    ]
    own_decided = [
        Case(p, e, s, std, False)
        for p, e, s, std in session.execute(
            statement.where(
                ListRemovalProposal.proposed_by.in_(acting),
                ListRemovalProposal.status != RemovalProposalStatus.OPEN,
            )
            .order_by(ListRemovalProposal.decided_at.desc(), ListRemovalProposal.id.desc())
            .limit(DECIDED_SHOWN)
        )
    ]
    return to_decide + own_open + own_decided
