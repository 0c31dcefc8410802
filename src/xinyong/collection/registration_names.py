"""A registration record states its organisation's name (Art. 9; decision 0050).

The registration authority (an organisation with ``registration`` on its responsibility
list, which the pipeline checks before it reads a row) registers organisations, their names
and their changes of name (名称变更登记). So its registration row that names an organisation
by a name it does not bear is not held as another source's row would be
(``pipeline._check_names``): once the row is written as the record's new version, in the
same transaction, the organisation is renamed (``subjects.rename``): the name it bore
becomes a former name, ending that day, and stays searchable (the public search and the
lists match former names), and the new one is current from that day. Another source's row
under the new name then passes, as its rows under the former names do.

A name the organisation bore before (a former name) is not taken as a renaming: it is what
a file re-sent from before the change says, and it passes as a former name does for any
source. Nothing is renamed for a row that is not written (held, rejected, unchanged) or
whose record its source revoked (that content is not in force, decision 0028).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from xinyong.accounts.permissions import Actor
from xinyong.clock import Clock
from xinyong.collection import legal_representatives as representatives
from xinyong.subjects import names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

RECORD_TYPE = representatives.RECORD_TYPE


def states_name(record_type_code: str) -> bool:
    return record_type_code == RECORD_TYPE


@dataclass(frozen=True)
class Renamed:
    """An organisation (subject id) a written registration row names by ``name``, and the
    record version that says so (``{batch, record, version}``), for the audit event."""

    subject_id: int
    name: str
    source: dict[str, Any]


def follow(session: Session, clock: Clock, actor: Actor, renamed: Sequence[Renamed]) -> int:
    """Rename each organisation to the name its registration row states; returns how many
    were renamed. One that bears it by now (an earlier row of the batch) is left alone."""
    count = 0
    for item in renamed:
        subject = session.get(Subject, item.subject_id)
        assert subject is not None
        if names.normalise_name(item.name) == subject.name_normalised:
            continue
        subjects.rename(
            session,
            clock,
            actor,
            subject,
            item.name,
            details={"basis": "registration record", **item.source},
        )
        count += 1
    return count
