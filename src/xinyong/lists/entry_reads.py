"""Views of list entries that are a use of a subject's information (Art. 24; decision 0020).

An entry's non-public parts are the proposal material (evidence, the notice sent to the
subject), the persons named in full under Art. 18, and the objections with a public
commenter's contact. A view that shows them for an entry is a use of the information of
the entry's subject and, where it shows the persons named, of each named person who is a
registered natural person: it goes into their access logs and into the audit trail (ids
only, never the content). A view that shows no more than the public lists do — names,
standards, status, terms — is none.

The subject reading its own entries is audited but not logged for itself (it is no one
else's use); the persons its entry names are not logged either: the organisation sees
whom it itself named (or was told were named) as responsible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor, Permission, has_permission
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.disclosure import access
from xinyong.disclosure.models import LegalPath
from xinyong.errors import NotAuthenticated, NotFound, PermissionDenied
from xinyong.lists import entries
from xinyong.lists.models import ListEntry, ListEntryPerson
from xinyong.subjects.models import Subject

# The views, as the audit trail names them.
ENTRY = "entry"  # one entry in full
QUEUE = "queue"  # the officers' queue of open proposals
OBJECTIONS = "objections"  # undecided objections, shown to decide them
ENDED_BASIS = "ended_basis"  # a measure refused: the entry it would rest on has ended


def read_entry(session: Session, clock: Clock, actor: Actor, entry_id: int) -> ListEntry:
    """One entry in full (``entries.visible_entry``), logged as a use of its subject's
    and its named persons' information, on the ground the reader sees it on."""
    try:
        entry = entries.visible_entry(session, actor, entry_id)
    except NotFound:
        if actor.subject_id is not None:
            raise entries.no_such_entry() from None
        raise
    except PermissionDenied as refused:
        # The refused attempt is in the subject's log too, as a refused read of its file
        # is (the entry exists: ``visible_entry`` found it before refusing).
        subject = session.get(Subject, entries.get(session, entry_id).subject_id)
        assert subject is not None
        logged = access.refusal(
            session,
            clock,
            actor,
            subject,
            access.LIST_ENTRY,
            PermissionDenied,
            refused.message,
            refused.code,
            article=refused.article or "Art. 13",
        )
        if actor.subject_id is None:
            raise logged from refused
        # Another subject's entry is answered as a missing one: which ids are entries not
        # on the public lists (candidacies, rejected proposals) is not a subject's to learn.
        # The attempt is in the entry's subject's log all the same, and its audit event
        # says why it was refused, not what the caller was told.
        shown_to_subject = logged.record_refusal
        assert shown_to_subject is not None
        reason = {"code": logged.code, "article": logged.article}

        def record(after: Session, details: dict[str, Any]) -> None:
            shown_to_subject(after, {**details, **reason})

        raise entries.no_such_entry(concealed=True, record_refusal=record) from refused
    path, purpose = _ground(actor, entry)
    _record(session, clock, actor, [entry], view=ENTRY, path=path, purpose=purpose, persons=True)
    return entry


def _ground(actor: Actor, entry: ListEntry) -> tuple[LegalPath | None, str | None]:
    """The legal path and purpose on which ``entries.visible_entry`` let ``actor`` see the
    entry (none for the subject itself)."""
    if actor.subject_id is not None:
        return None, None
    if has_permission(actor, Permission.SUPERVISE):
        return LegalPath.SUPERVISION, access.SUPERVISION_PURPOSE
    if (
        has_permission(actor, Permission.PROPOSE_LIST_ENTRY)
        or has_permission(actor, Permission.APPROVE_LIST_ENTRY)
    ) and actor.organisation_id == entry.recognising_organisation_id:
        return LegalPath.OFFICIAL_DUTY, access.LIST_WORK_PURPOSE
    # an objection handler of the organisation that decides its objections
    return LegalPath.OFFICIAL_DUTY, access.OBJECTION_PURPOSE


def may_read(session: Session, actor: Actor, entry: ListEntry) -> bool:
    """Whether ``actor`` holds a lawful path to the entry in full — the rule of
    ``GET /api/v1/list-entries/{id}`` (``entries.visible_entry``), not another."""
    try:
        entries.visible_entry(session, actor, entry.id)
    except (PermissionDenied, NotAuthenticated):
        return False
    return True


def ended_basis_shown(
    clock: Clock, actor: Actor, entry: ListEntry, *, named_person_id: int | None = None
) -> Callable[[Session], None]:
    """A measure refused because the entry it would rest on has ended shows the entry's
    id, status, end and removal reason — and, for a responsible person, that the entry named
    them and in which capacity: a use of the entry's subject's (and the person's)
    information, for a reader who ``may_read`` it. Returned as the refusal's aftermath, to be
    written after the refused request is rolled back; the ids are taken now."""
    path, purpose = _ground(actor, entry)
    entry_id, subject_id = entry.id, entry.subject_id

    def log(after: Session) -> None:
        # The log entries first, unchained: the one audit event of this read witnesses
        # them (decision 0003 addendum), rather than one event each besides it.
        logged = access.Logged()
        if path is not None and purpose is not None:
            logged = access.log_uses(
                after,
                clock,
                actor,
                [access.Use(subject_id)],
                path=path,
                what=access.LIST_ENTRY,
                purpose=purpose,
                chained=False,
            )
            if named_person_id is not None:
                logged = logged + access.log_uses(
                    after,
                    clock,
                    actor,
                    [access.Use(named_person_id)],
                    path=path,
                    what=access.LIST_ENTRY_NAMED,
                    purpose=purpose,
                    chained=False,
                )
        audit.record(
            after,
            clock,
            actor.audit(),
            "list_entry.read",
            target_type="list_entry",
            target_id=entry_id,
            details={
                "view": ENDED_BASIS,
                "entries": [entry_id],
                "persons": named_person_id is not None,
                **logged.details(),
            },
        )

    return log


def queue_shown(
    session: Session, clock: Clock, actor: Actor, shown: Sequence[ListEntry], *, persons: bool
) -> None:
    """The officers' queue showed these entries: on the API with their evidence and
    notice, on the page with the persons named and the objections with contacts."""
    _record(
        session,
        clock,
        actor,
        shown,
        view=QUEUE,
        path=LegalPath.OFFICIAL_DUTY,
        purpose=access.LIST_WORK_PURPOSE,
        persons=persons,
    )


def objections_shown(
    session: Session, clock: Clock, actor: Actor, shown: Sequence[ListEntry]
) -> None:
    """Undecided objections showed these entries' evidence and the commenters' contacts,
    to decide on: the objection handler's cases, and the objections to published entries
    on the officers' queue."""
    _record(
        session,
        clock,
        actor,
        shown,
        view=OBJECTIONS,
        path=LegalPath.OFFICIAL_DUTY,
        purpose=access.OBJECTION_PURPOSE,
        persons=False,
    )


def _record(
    session: Session,
    clock: Clock,
    actor: Actor,
    shown: Sequence[ListEntry],
    *,
    view: str,
    path: LegalPath | None,
    purpose: str | None,
    persons: bool,
) -> None:
    # An entry shown twice in a view (two objections to it) is one use.
    ids = sorted({entry.id for entry in shown})
    if not ids:
        return
    logged = access.Logged()
    if path is not None and purpose is not None:
        logged = _log(
            session, clock, actor, shown, ids, path=path, purpose=purpose, persons=persons
        )
    # The view's one audit event, which witnesses the access-log entries it wrote.
    audit.record(
        session,
        clock,
        actor.audit(),
        "list_entry.read",
        target_type="list_entry",
        target_id=ids[0] if len(ids) == 1 else None,
        details={"view": view, "entries": ids, "persons": persons, **logged.details()},
    )


def _log(
    session: Session,
    clock: Clock,
    actor: Actor,
    shown: Sequence[ListEntry],
    ids: list[int],
    *,
    path: LegalPath,
    purpose: str,
    persons: bool,
) -> access.Logged:
    subjects = sorted({entry.subject_id for entry in shown})
    logged = access.log_uses(
        session,
        clock,
        actor,
        [access.Use(subject_id) for subject_id in subjects],
        path=path,
        what=access.LIST_ENTRY,
        purpose=purpose,
        chained=False,
    )
    if not persons:
        return logged
    named = session.scalars(
        select(ListEntryPerson.person_subject_id)
        .where(
            ListEntryPerson.entry_id.in_(ids),
            ListEntryPerson.person_subject_id.is_not(None),
        )
        .distinct()
    ).all()
    return logged + access.log_uses(
        session,
        clock,
        actor,
        [access.Use(person) for person in sorted(p for p in named if p is not None)],
        path=path,
        what=access.LIST_ENTRY_NAMED,
        purpose=purpose,
        chained=False,
    )
