"""What other domains do when an organisation's registered responsible persons change
(Art. 18), without the subjects domain knowing them: the lists domain names the persons
now registered on the organisation's entries in force, and ends the naming of those whose
registration ended (decision 0036). Hooks run in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.subjects.models import Subject

# (session, clock, actor, organisation, reason): ``reason`` says what changed, in words
# that go into the history of whatever follows the registration.
ResponsiblePersonsChanged = Callable[[Session, Clock, Actor, Subject, str], None]
_changed: list[ResponsiblePersonsChanged] = []


def register(hook: ResponsiblePersonsChanged) -> None:
    if hook not in _changed:
        _changed.append(hook)


def responsible_persons_changed(
    session: Session, clock: Clock, actor: Actor, organisation: Subject, reason: str
) -> None:
    for hook in _changed:
        hook(session, clock, actor, organisation, reason)
