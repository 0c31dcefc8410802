"""What other domains do when an organisation's registered responsible persons change
(Art. 18), without the subjects domain knowing them: the lists domain names the persons
now registered on the organisation's entries in force, and ends the naming of those whose
registration ended (decision 0036). Hooks run in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.subjects.models import Subject

# (session, clock, actor, organisation, reason): ``reason`` says what changed, in words
# that go into the history of whatever follows the registration.
ResponsiblePersonsChanged = Callable[[Session, Clock, Actor, Subject, str], None]
# The same for many organisations at once, (organisation id, reason) each, in order: a
# batch of registration records (decision 0038).
ManyChanged = Callable[[Session, Clock, Actor, Sequence[tuple[int, str]]], None]
_changed: list[tuple[ResponsiblePersonsChanged, ManyChanged | None]] = []


def register(hook: ResponsiblePersonsChanged, many: ManyChanged | None = None) -> None:
    """``many``: the hook for many organisations at once; without it, ``hook`` is called
    for each of them."""
    if all(hook is not known for known, _many in _changed):
        _changed.append((hook, many))


def responsible_persons_changed(
    session: Session, clock: Clock, actor: Actor, organisation: Subject, reason: str
) -> None:
    for hook, _many in _changed:
        hook(session, clock, actor, organisation, reason)


def responsible_persons_changed_many(
    session: Session, clock: Clock, actor: Actor, changes: Sequence[tuple[int, str]]
) -> None:
    if not changes:
        return
    for hook, many in _changed:
        if many is not None:
            many(session, clock, actor, changes)
            continue
        for organisation_id, reason in changes:
            organisation = session.get(Subject, organisation_id)
            assert organisation is not None
            hook(session, clock, actor, organisation, reason)
