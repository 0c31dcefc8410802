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

One rule holds the name (decision 0050, addendum of session 22; Art. 4 ¶2, Art. 25): the
organisation's current name is the one the current version of its registration record in
force states — the most recently written, if more than one source registers it. So a
registration row naming it by one of its former names makes that name current again (the
authority corrects its own clerk's typo by sending the right row; a file re-sent from before
the change says the old name, and is then what stands until the authority sends the
current one). A record's revocation by its source, or its being taken out of use on an
upheld objection, takes its statement away: the name of the registration record still in
force applies, or, with none, the name the organisation was first registered under on the
platform; reinstating the record applies its name again (``restate``). Each change is a
rename, dated and audited. Nothing is renamed for a row that is not written (held,
rejected, unchanged) or whose record its source revoked (that content is not in force,
decision 0028).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordType
from xinyong.clock import Clock
from xinyong.collection import legal_representatives as representatives
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.subjects import names
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject, SubjectName

RECORD_TYPE = representatives.RECORD_TYPE
# A record in these states states nothing: revoked by its source or taken out of use on an
# upheld objection (decision 0028), or deleted after its retention period (content erased).
NOT_IN_FORCE = (RecordStatus.REVOKED, RecordStatus.DELETED)


def states_name(record_type_code: str) -> bool:
    return record_type_code == RECORD_TYPE


@dataclass(frozen=True)
class Renamed:
    """An organisation (subject id) a written registration row names by ``name``, and the
    record version that says so (``{batch, record, version}``), for the audit event."""

    subject_id: int
    name: str
    source: dict[str, Any]


def bears_as_current(subject: Subject, name: str) -> bool:
    """Whether ``name`` is the organisation's current name, as the name check compares
    (``names.match``: the same name, or the same core). A former name is not."""
    found = names.match(name, [row.name for row in subject.names if row.current])
    return found is not None and found.exact


def _locked(session: Session, subject_ids: Sequence[int]) -> dict[int, Subject]:
    """The organisations, locked in id order and read afresh with their names. Two
    registration authorities may rename one company at once (their batches take no common
    lock): the second waits here for the first's rename, then sees the names it left —
    not the ones it read before, which would give the company two current names and its
    name index the same pairs twice (session 25)."""
    locked = session.scalars(
        select(Subject)
        .where(Subject.id.in_(sorted(set(subject_ids))))
        .order_by(Subject.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for subject in locked:
        session.expire(subject, ["names"])
    return {subject.id: subject for subject in locked}


def follow(session: Session, clock: Clock, actor: Actor, renamed: Sequence[Renamed]) -> int:
    """Rename each organisation to the name its registration records in force state
    (``stated``: the row just written, unless another authority's, written since, says
    otherwise); returns how many were renamed. A former name is made current again, as a
    new one is (decision 0050, addendum). One that bears it by now (an earlier row of the
    batch) is left alone."""
    subjects_by_id = _locked(session, [item.subject_id for item in renamed])
    count = 0
    for item in renamed:
        subject = subjects_by_id[item.subject_id]
        statement = stated(session, subject.id)
        name = item.name if statement is None else statement.name
        if names.normalise_name(name) == subject.name_normalised:
            continue
        subjects.rename(
            session,
            clock,
            actor,
            subject,
            name,
            details={"basis": "registration record", **item.source},
        )
        count += 1
    return count


@dataclass(frozen=True)
class Statement:
    """The name a registration record's current version states, and which version."""

    name: str
    record_id: int
    version_no: int


def stated(session: Session, subject_id: int) -> Statement | None:
    """What the organisation's registration record in force states, by its current version;
    the most recently written when more than one source registers it. None when no
    registration record of it is in force."""
    found = session.execute(
        select(CreditRecord, RecordVersion.payload)
        .join(RecordType, RecordType.id == CreditRecord.record_type_id)
        .join(
            RecordVersion,
            (RecordVersion.record_id == CreditRecord.id)
            & (RecordVersion.version_no == CreditRecord.current_version_no),
        )
        .where(
            CreditRecord.subject_id == subject_id,
            RecordType.code == RECORD_TYPE,
            CreditRecord.status.not_in(NOT_IN_FORCE),
        )
        .order_by(RecordVersion.created_at.desc(), RecordVersion.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    record, payload = found
    field = catalog.governing_rule(session, record).definition.subject_name_field
    name = str(payload.get(field) or "").strip()
    if not name:
        return None
    return Statement(name, record.id, record.current_version_no)


def first_registered_name(session: Session, subject_id: int) -> str:
    """The name the organisation was first registered under on the platform: its first
    name row (registration writes the current name before any former one it is given)."""
    first = session.scalars(
        select(SubjectName.name)
        .where(SubjectName.subject_id == subject_id)
        .order_by(SubjectName.id)
        .limit(1)
    ).one()
    return str(first)


def restate(
    session: Session,
    clock: Clock,
    actor: Actor,
    record: CreditRecord,
    version: RecordVersion,
    *,
    basis: str,
) -> bool:
    """After ``version`` changed whether ``record`` is in force (revoked, taken out of use
    on an objection, reinstated): if it is a registration record, its organisation bears the
    name the registration record in force states (``stated``), or with none the name it was
    first registered under. Renamed (dated, audited with the version that set it off and
    the one whose statement applies) when it bears another; returns whether it was."""
    record_type = session.get(RecordType, record.record_type_id)
    assert record_type is not None
    if not states_name(record_type.code):
        return False
    subject = _locked(session, [record.subject_id])[record.subject_id]
    statement = stated(session, subject.id)
    name = statement.name if statement is not None else first_registered_name(session, subject.id)
    if bears_as_current(subject, name):
        return False
    subjects.rename(
        session,
        clock,
        actor,
        subject,
        name,
        details={
            "basis": basis,
            "record": record.id,
            "version": version.version_no,
            # Whose statement the name is now: none, the name first registered.
            "stated_by": None
            if statement is None
            else {"record": statement.record_id, "version": statement.version_no},
        },
    )
    return True


# --- the organisation's file ---------------------------------------------------------------

# Why a name was changed, as ``subject.rename``'s details say (``basis``).
BY_REGISTRATION = "registration record"
REVOKED = "registration record revoked"
REINSTATED = "registration record reinstated"
OUT_OF_USE = "registration record out of use"
BY_NAME_OBJECTION = "name objection upheld"


@dataclass(frozen=True)
class NameChange:
    """A change of the subject's name as its own file states it (Art. 24; review r12): the
    day, the name before and after, and its source — ``reason`` (``BY_REGISTRATION``, a
    registration record ``REVOKED``, ``REINSTATED`` or ``OUT_OF_USE``, ``BY_NAME_OBJECTION``;
    None if the platform kept none), the registration record whose version set it off and
    its source unit, and, when a record stopped or started standing, whose statement the
    name is now (``stated_by``: that record and version; None with ``restated``: the name
    the organisation was first registered under)."""

    on: dt.date
    before: str
    after: str
    reason: str | None
    source_unit: str | None
    record: int | None
    version: int | None
    restated: bool
    stated_by: dict[str, int] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "source": None
            if self.record is None
            else {"unit": self.source_unit, "record": self.record, "version": self.version},
            "stated_by": self.stated_by,
            "first_registered_name": self.restated and self.stated_by is None,
        }


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def changes_of(
    session: Session, subject: Subject, *, as_of: dt.date | None = None
) -> list[NameChange]:
    """The changes of the subject's name made by the platform (``subjects.rename``) by
    ``as_of`` (None: all), oldest first, each with its source as the rename recorded it
    (``SubjectName.change_details``): for an organisation, its registration records'
    renames, reversals and restorations (decision 0050)."""
    rows = [
        row
        for row in sorted(subject.names, key=lambda row: row.id)
        if row.valid_from is not None
        and row.renamed_from is not None
        and (as_of is None or row.valid_from <= as_of)
    ]
    if not rows:
        return []
    records = {
        record
        for row in rows
        if (record := _int((row.change_details or {}).get("record"))) is not None
    }
    units: dict[int, str] = {}
    for record_id, unit in session.execute(
        select(CreditRecord.id, Organisation.name)
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .where(CreditRecord.id.in_(records))
    ):
        units[record_id] = unit
    changes = []
    for row in rows:
        details = row.change_details or {}
        reason = details.get("basis")
        record = _int(details.get("record"))
        stated = details.get("stated_by")
        assert row.valid_from is not None
        assert row.renamed_from is not None
        changes.append(
            NameChange(
                on=row.valid_from,
                before=row.renamed_from,
                after=row.name,
                reason=reason if isinstance(reason, str) else None,
                source_unit=units.get(record) if record is not None else None,
                record=record,
                version=_int(details.get("version")),
                restated="stated_by" in details,
                stated_by={
                    "record": int(stated["record"]),
                    "version": int(stated["version"]),
                }
                if isinstance(stated, dict) and "record" in stated and "version" in stated
                else None,
            )
        )
    return changes
