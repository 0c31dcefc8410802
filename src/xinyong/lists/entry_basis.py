"""The credit records a list entry rests on: its basis records (decision 0043).

A black-list listing rests on effective decisions (国办发〔2020〕49号), and a proposal states
its facts and basis (Art. 15 ¶2): the proposal names the records, each about the same
subject, in force, and of the list's polarity (negative for the black list, positive for
the red). When one of them is repaired (Art. 20–23) or revoked by its source (decision
0028) the entry leaves with it (``entries.end_entries_resting_on``), and comes back when
that is undone while its term runs and every record it rests on stands again
(``entries.restore_entries_resting_on``). A court judgment defaulter's entry rests on its
court record (``ListEntry.source_record_id``): the same rule, the same two functions.

Who sees what: the recognising agency, the credit authority and the subject read every
basis record with its state; the public lists show a basis record only while the public
file shows it (``disclosure.files.is_public_on``; decision 0037), its number with any
citizen ID masked. A proposer names records it may read without a query: those public
today and those of its own organisation (Art. 13).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Polarity, RecordTypeDefinition
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import access, files, person_lookup
from xinyong.disclosure.models import LegalPath
from xinyong.errors import Conflict, InvalidInput
from xinyong.identifiers import IdentifierKind
from xinyong.lists.models import (
    ListEntry,
    ListEntryBasisRecord,
    ListKind,
    ListStandard,
    RemovalReason,
)
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

FIELD = "basis_records"
# At most this many records named by one proposal (a listing rests on a few decisions).
MAX_BASIS_RECORDS = 20
# A record an entry may rest on: used, its decision standing (one under objection stands
# until the objection is decided; a correction is a version of the same decision).
IN_FORCE = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)
# A record no longer used at all: an entry resting on it does not stand.
FALLEN = (RecordStatus.REPAIRED, RecordStatus.REVOKED, RecordStatus.DELETED)
# The removals a basis record's fall makes, which its restoration undoes.
BASIS_REMOVALS = (RemovalReason.REPAIRED, RemovalReason.RECORD_REVOKED)
# Between an ending's reason and the basis record it names (``web.labels`` splits on it).
SEPARATOR = "; basis record: "
# The polarity a basis record has on each list.
POLARITY = {ListKind.BLACK: Polarity.NEGATIVE, ListKind.RED: Polarity.POSITIVE}


def rests_on(record_id: int) -> ColumnElement[bool]:
    """The entries resting on the record: named as a basis record, or entered from it."""
    return or_(
        ListEntry.source_record_id == record_id,
        ListEntry.id.in_(
            select(ListEntryBasisRecord.entry_id).where(ListEntryBasisRecord.record_id == record_id)
        ),
    )


def record_ids(session: Session, entry: ListEntry) -> list[int]:
    """Every record the entry rests on, its court record first."""
    named = list(
        session.scalars(
            select(ListEntryBasisRecord.record_id)
            .where(ListEntryBasisRecord.entry_id == entry.id)
            .order_by(ListEntryBasisRecord.id)
        )
    )
    return [entry.source_record_id, *named] if entry.source_record_id is not None else named


def fallen(session: Session, entry: ListEntry) -> list[CreditRecord]:
    """The records the entry rests on that are no longer used (repaired, revoked, deleted)."""
    ids = record_ids(session, entry)
    if not ids:
        return []
    return list(
        session.scalars(
            select(CreditRecord)
            .where(CreditRecord.id.in_(ids), CreditRecord.status.in_(FALLEN))
            .order_by(CreditRecord.id)
        )
    )


def in_force(record: CreditRecord, today: dt.date) -> bool:
    """Used, and its publicity not over as its rule set it (a record its rule does not
    publish has no window to end)."""
    return record.status in IN_FORCE and (
        record.publicity_end is None or today <= record.publicity_end
    )


def check(
    session: Session,
    actor: Actor,
    std: ListStandard,
    subject: Subject,
    ids: Sequence[int],
    *,
    today: dt.date,
) -> list[CreditRecord]:
    """The records a proposal names, checked before anything is written: a black-list
    proposal names at least one; each is the subject's, in force, of the list's polarity,
    and one the proposer may read (public today, or its own organisation's)."""
    wanted = list(dict.fromkeys(ids))
    if std.kind is ListKind.BLACK and not wanted:
        raise InvalidInput(
            "a black-list proposal names the credit records it rests on: the effective "
            "decisions establishing the conduct",
            code="basis_records_required",
            field=FIELD,
            article="Art. 15 ¶2",
        )
    if len(wanted) > MAX_BASIS_RECORDS:
        raise InvalidInput(
            f"a proposal names at most {MAX_BASIS_RECORDS} records",
            code="too_many",
            field=FIELD,
            article="Art. 15 ¶2",
        )
    found = {
        r.id: r for r in session.scalars(select(CreditRecord).where(CreditRecord.id.in_(wanted)))
    }
    records = []
    for record_id in wanted:
        record = found.get(record_id)
        definition = catalog.governing_rule(session, record).definition if record else None
        if (
            record is None
            or definition is None
            or record.status is RecordStatus.DELETED
            or not _readable(session, actor, record, definition, subject, today)
        ):
            # One answer for a record the proposer may not read, whoever it is about and
            # whether it exists at all: the officer reads another agency's non-public
            # records only through a query item (Art. 13), and record ids are sequential.
            raise InvalidInput(
                f"record {record_id} is neither public nor your organisation's",
                code="basis_not_readable",
                field=FIELD,
                article="Art. 13",
            )
        if record.subject_id != subject.id:
            raise InvalidInput(
                f"record {record_id} is about another subject",
                code="basis_of_another_subject",
                field=FIELD,
                article="Art. 15 ¶2",
            )
        if not in_force(record, today):
            raise InvalidInput(
                f"record {record_id} is {record.status.value} or past its publicity: a "
                "listing rests on records in force",
                code="basis_not_in_force",
                field=FIELD,
                article="Art. 15 ¶2",
            )
        if definition.polarity is not POLARITY[std.kind]:
            raise InvalidInput(
                f"record {record_id} is not negative information: a black-list entry rests "
                "on negative records"
                if std.kind is ListKind.BLACK
                else f"record {record_id} is not positive information: a red-list entry rests "
                "on positive records",
                code="basis_wrong_polarity",
                field=FIELD,
                article="Art. 14",
            )
        records.append(record)
    return records


def _readable(
    session: Session,
    actor: Actor,
    record: CreditRecord,
    definition: RecordTypeDefinition,
    subject: Subject,
    today: dt.date,
) -> bool:
    if record.source_organisation_id == actor.organisation_id:
        return True
    about = subject if record.subject_id == subject.id else session.get(Subject, record.subject_id)
    return about is not None and files.is_public_on(record, definition, about, today)


def require_in_force(session: Session, entry: ListEntry, *, today: dt.date) -> None:
    """Refuse to publish an entry one of whose records no longer stands: past its publicity
    or withdrawn by an upheld objection since the proposal (a repaired or revoked one has
    ended the entry already). The agency proposes again on records that stand."""
    ids = record_ids(session, entry)
    if entry.source_record_id is not None:
        ids = ids[1:]  # a court's record governs its entry by the court's own rules
    for record in session.scalars(
        select(CreditRecord).where(CreditRecord.id.in_(ids)).order_by(CreditRecord.id)
    ):
        if not in_force(record, today):
            raise Conflict(
                f"record {record.id} is {record.status.value} or past its publicity: a "
                "listing rests on records in force",
                code="basis_not_in_force",
                field=FIELD,
                article="Art. 15 ¶2",
            )


def name(session: Session, entry: ListEntry, records: Iterable[CreditRecord]) -> None:
    for record in records:
        session.add(ListEntryBasisRecord(entry_id=entry.id, record_id=record.id))
    entry.basis_named = True
    session.flush()


@dataclass(frozen=True)
class BasisRecord:
    """A record an entry rests on, as a page or an answer shows it: its type, decision
    number (the record's natural key), source, decision date and state; ``public``: whether
    the public file shows it today."""

    record_id: int
    type_code: str
    type_name: str
    type_name_en: str
    number: str
    source_code: str
    source_name: str
    decision_date: dt.date
    status: str
    public: bool
    polarity: str

    def as_dict(self, *, public: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type_code,
            "type_name": self.type_name,
            "number": self.number,
            "source": {"code": self.source_code, "name": self.source_name},
            "decision_date": self.decision_date.isoformat(),
        }
        if not public:
            body = {
                "record_id": self.record_id,
                **body,
                "polarity": self.polarity,
                "status": self.status,
            }
        return body


def label(session: Session, record: CreditRecord) -> str:
    """The record as an entry's history and notice name it: type, number and id."""
    definition = catalog.governing_rule(session, record).definition
    number = _number(record)
    # In Chinese throughout: it is written into the subject's stored written notice, which
    # no page translates, beside the type's Chinese name.
    return (
        f"{definition.name_zh} {number}（记录 {record.id}）"
        if number
        else (f"{definition.name_zh}（记录 {record.id}）")
    )


def _number(record: CreditRecord) -> str:
    # The natural key is "subject id|key parts": the parts are the decision's number (or
    # what else identifies the decision for its type).
    return " / ".join(part for part in record.natural_key.split("|")[1:] if part)


def _views(
    session: Session, records: Sequence[CreditRecord], today: dt.date
) -> dict[int, BasisRecord]:
    if not records:
        return {}
    units = {
        oid: (code, name)
        for oid, code, name in session.execute(
            select(Organisation.id, Organisation.code, Organisation.name).where(
                Organisation.id.in_({r.source_organisation_id for r in records})
            )
        )
    }
    subjects = {
        s.id: s
        for s in session.scalars(
            select(Subject).where(Subject.id.in_({r.subject_id for r in records}))
        )
    }
    # One rule per type and source (its area's, Art. 35): a page of entries resting on one
    # agency's penalties reads it once.
    rules: dict[tuple[int, int], RecordTypeDefinition] = {}
    views = {}
    for record in records:
        key = (record.record_type_id, record.source_organisation_id)
        if key not in rules:
            rules[key] = catalog.governing_rule(session, record).definition
        definition = rules[key]
        code, unit = units.get(record.source_organisation_id, ("", ""))
        views[record.id] = BasisRecord(
            record_id=record.id,
            type_code=definition.code,
            type_name=definition.name_zh,
            type_name_en=definition.name_en,
            number=_number(record),
            source_code=code,
            source_name=unit,
            decision_date=record.decision_date,
            status=record.status.value,
            public=files.is_public_on(record, definition, subjects[record.subject_id], today),
            polarity=definition.polarity.value,
        )
    return views


def of_entries(
    session: Session, entries: Sequence[ListEntry], *, today: dt.date
) -> dict[int, list[BasisRecord]]:
    """Every record each entry rests on, with its state: for those who read the entry in
    full (the recognising agency, the credit authority, the subject)."""
    pairs: list[tuple[int, int]] = [
        (e.id, e.source_record_id) for e in entries if e.source_record_id is not None
    ]
    if entries:
        for entry_id, record_id in session.execute(
            select(ListEntryBasisRecord.entry_id, ListEntryBasisRecord.record_id)
            .where(ListEntryBasisRecord.entry_id.in_([e.id for e in entries]))
            .order_by(ListEntryBasisRecord.id)
        ):
            pairs.append((entry_id, record_id))
    if not pairs:
        return {}
    records = list(
        session.scalars(select(CreditRecord).where(CreditRecord.id.in_({r for _, r in pairs})))
    )
    views = _views(session, records, today)
    found: dict[int, list[BasisRecord]] = {}
    for entry_id, record_id in pairs:
        found.setdefault(entry_id, []).append(views[record_id])
    return found


def public_of_entries(
    session: Session, entries: Sequence[ListEntry], *, today: dt.date
) -> dict[int, list[BasisRecord]]:
    """The records each entry rests on as the public lists show them: only those the public
    file shows today (decision 0037), their number with any citizen ID masked."""
    return {
        entry_id: [
            BasisRecord(
                **{
                    **view.__dict__,
                    "number": identifiers.mask_citizen_ids(view.number, today=today),
                }
            )
            for view in views
            if view.public
        ]
        for entry_id, views in of_entries(session, entries, today=today).items()
    }


def candidates(session: Session, clock: Clock, actor: Actor, subject: Subject) -> list[BasisRecord]:
    """The subject's records a proposal by ``actor`` may name today (``check``, whatever
    the list: each shows its polarity through its type): in force, and public or the
    actor's organisation's. Newest decision first. Showing a record that is not public is
    a use of the subject's information (Art. 24; decision 0020): one entry in its access
    log for the lookup, on the path and purpose of list work, naming the record types
    shown, audited; a lookup that shows only public records is not logged."""
    today = clock.today()
    records = [
        r
        for r in session.scalars(
            select(CreditRecord)
            .where(CreditRecord.subject_id == subject.id, CreditRecord.status.in_(IN_FORCE))
            .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())
        )
        if in_force(r, today)
    ]
    views = _views(session, records, today)
    shown = [
        views[r.id]
        for r in records
        if views[r.id].public or r.source_organisation_id == actor.organisation_id
    ]
    if any(not view.public for view in shown):
        access.log_uses(
            session,
            clock,
            actor,
            [access.Use(subject.id, tuple(sorted({view.type_code for view in shown})))],
            path=LegalPath.OFFICIAL_DUTY,
            what=access.LIST_BASIS_RECORDS,
            purpose=access.LIST_WORK_PURPOSE,
        )
    return shown


def subject_for(session: Session, clock: Clock, actor: Actor, code: str) -> Subject:
    """The subject a proposal names, by the code the officer typed: an organisation's USCC
    or a subject's opaque reference, or a natural person's ID number — found through the
    audited person lookup, which puts the lookup in the person's access log (Art. 24), as
    on the query page. The number is used for the lookup only: the pages carry the
    person's reference on (decision 0043)."""
    require(actor, Permission.PROPOSE_LIST_ENTRY)
    typed = code.strip()
    if identifiers.check(typed, today=clock.today()).kind is IdentifierKind.CITIZEN_ID:
        return person_lookup.find_person(session, clock, actor, typed)
    return subjects.by_reference(session, typed)
