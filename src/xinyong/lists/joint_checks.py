"""Joint incentive and punishment checks (联合奖惩, Art. 14–17): for an administrative
matter, each subject's list status, the published measures that apply with their basis,
reasons and implementing body, and whether it qualifies for the green channel and 容缺受理
(Art. 16(1): red list, or no bad credit record for three consecutive years).

Set-based throughout: a call for 100,000 subjects runs one query per kind of code
(handles; citizen ID numbers by blind index): the subjects joined to their entries in
force, "has it a recent bad record?" answered by the index on the way, all the keys in
one parameter (a JSON array read with ``json_each`` on SQLite, an array compared with
``= ANY`` on PostgreSQL) instead of thousands of bound IN-list parameters. Answers are
plain dicts whose ``list_status`` and ``measures`` are tuples: the empty ones shared, the
measure lists built once for every subject in the same situation (bench/joint_check.py
measures it against a raw SQL join)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    any_,
    bindparam,
    false,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinyong import identifiers
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure.files import record_types_by_id
from xinyong.errors import InvalidInput
from xinyong.lists import measures as measure_catalog
from xinyong.lists.entries import add_months
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListKind,
    ListStandard,
    Measure,
    MeasureKind,
    Tier,
)
from xinyong.subjects.models import Subject
from xinyong.subjects.service import citizen_id_index

MAX_SUBJECTS = 100_000
CLEAN_YEARS = 3
# Negative records that no longer count: repaired, revoked or corrected away.
NOT_COUNTED = (RecordStatus.REPAIRED, RecordStatus.REVOKED)
# Public handles: a USCC or "P" + 16 hex digits (subjects.service); citizen ID numbers.
_REFERENCE = re.compile(r"[0-9A-Z]{1,24}")
_CITIZEN_ID = re.compile(r"[0-9]{17}[0-9X]")
NOT_REGISTERED = "subject not registered"
ON_BLACK = "on the black list"
ON_RED = "on the red list (Art. 16(1))"
BAD_RECORD = f"a bad credit record within the last {CLEAN_YEARS} years"
CLEAN = f"no bad credit record for {CLEAN_YEARS} consecutive years (Art. 16(1))"


def _targets(tiers: set[Tier]) -> set[Tier]:
    """A serious-tier subject is on the black list too: black measures apply to it."""
    targets = set(tiers)
    if Tier.SERIOUS in targets:
        targets.add(Tier.BLACK)
    return targets


def _one_of(
    session: Session, column: InstrumentedAttribute[Any], values: Sequence[str]
) -> ColumnElement[bool]:
    """``column IN values`` with all the values in one parameter, however many there are."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String())))
    table = func.json_each(json.dumps(list(values), ensure_ascii=False)).table_valued("value")
    return column.in_(select(table.c.value))


# What the lookup tells about a subject found: its name, and whether it has a negative
# record of the last three years that still counts.
_Found = tuple[str, bool]
# A published entry in force: (id, kind, tier, standard_id, legal_basis, reasons, term_end),
# kind and tier as their string values, term_end as ISO text or a date (per driver).
_Entry = tuple[Any, ...]


def _resolve(
    session: Session, codes: list[str], today: dt.date
) -> tuple[list[int | None], dict[int, _Found], dict[int, list[_Entry]]]:
    """Subject ids in the order given (None: not registered), what the lookup found about
    each subject, and the entries in force of those listed — in one query per kind of
    code: subjects joined to their entries in force, the bad-record check answered by the
    index on the way.

    A code is looked up as a public handle (USCC or reference), and if it has the shape
    of a citizen ID number, by its blind index too; a code that is both a registered USCC
    and a citizen ID number (all digits) is the organisation. Codes are not validated:
    every registered code was, and one that is not registered is simply not found."""
    negative = [
        tid
        for tid, (_code, d) in record_types_by_id(session).items()
        if d.polarity.value == "negative"
    ]
    bad = (
        select(CreditRecord.id)
        .where(
            CreditRecord.subject_id == Subject.id,
            CreditRecord.record_type_id.in_(negative),
            CreditRecord.decision_date >= add_months(today, -12 * CLEAN_YEARS),
            CreditRecord.status.not_in(NOT_COUNTED),
        )
        .exists()
        if negative
        else false()
    )
    in_force = and_(
        ListEntry.subject_id == Subject.id,
        ListEntry.status == EntryStatus.PUBLISHED,
        ListEntry.term_start <= today,
        ListEntry.term_end >= today,
    )
    # Kind, tier and term as stored: the answer wants their text, not enums and dates.
    entry_columns = (
        ListEntry.id,
        type_coerce(ListEntry.kind, String),
        type_coerce(ListEntry.tier, String),
        ListEntry.standard_id,
        ListEntry.legal_basis,
        ListEntry.reasons,
        type_coerce(ListEntry.term_end, String),
    )
    # Most codes arrive clean and are handles already; the others are normalised once.
    handles: set[str] = set()
    normal: dict[str, str] = {}
    for code in set(codes):
        if _REFERENCE.fullmatch(code):
            handles.add(code)
            continue
        normalised = normal[code] = identifiers.normalise(code)
        if _REFERENCE.fullmatch(normalised):
            handles.add(normalised)
    found: dict[str, int] = {}
    subjects: dict[int, _Found] = {}
    entries: dict[int, list[_Entry]] = {}

    def lookup(column: InstrumentedAttribute[Any], keys: list[str]) -> dict[str, int]:
        # Plain rows, fetched at once: a hundred thousand of them, no ORM work needed.
        rows = (
            session.connection()
            .execute(
                select(column, Subject.id, Subject.name, bad, *entry_columns)
                .select_from(Subject)
                .outerjoin(ListEntry, in_force)
                .where(_one_of(session, column, keys))
            )
            .all()
        )
        by_key: dict[str, int] = {}
        for key, sid, name, is_bad, entry_id, kind, tier, std, basis, why, term_end in rows:
            by_key[key] = sid
            subjects[sid] = (name, bool(is_bad))
            if entry_id is not None:
                entries.setdefault(sid, []).append(
                    (entry_id, kind, tier, std, basis, why, term_end)
                )
        return by_key

    if session.get_bind().dialect.name == "postgresql":
        # A large key array makes the planner's estimates large enough to switch on JIT
        # compilation, which costs seconds and saves nothing on a query like this one.
        session.execute(text("SET LOCAL jit = off"))
    if handles:
        found.update(lookup(Subject.reference, list(handles)))
    # Citizen ID numbers have the shape of handles (digits and X): those not found as one.
    people = {
        citizen_id_index(code): code
        for code in handles
        if code not in found and _CITIZEN_ID.fullmatch(code)
    }
    if people:
        for index, sid in lookup(Subject.citizen_id_index, list(people)).items():
            found[people[index]] = sid
    for own in entries.values():
        if len(own) > 1:
            own.sort(key=lambda entry: int(entry[0]))
    get = found.get
    if not normal:
        return [get(code) for code in codes], subjects, entries
    return [get(normal.get(code, code)) for code in codes], subjects, entries


def check(
    session: Session, clock: Clock, actor: Actor, matter_code: str, codes: list[str]
) -> list[dict[str, Any]]:
    require(actor, Permission.JOINT_CHECK)
    matter = measure_catalog.matter(session, matter_code)
    if not codes:
        raise InvalidInput("name at least one subject", code="required", field="subjects")
    if len(codes) > MAX_SUBJECTS:
        raise InvalidInput(
            f"at most {MAX_SUBJECTS:,} subjects in one call", code="too_many", field="subjects"
        )
    today = clock.today()
    ids, found, entries = _resolve(session, codes, today)
    standards: dict[int, str] = dict(
        session.execute(select(ListStandard.id, ListStandard.name)).all()
    )
    answers = _Answers(
        measure_catalog.published_measures(session, matter_code=matter.code), standards
    )
    results: list[dict[str, Any]] = []
    append = results.append
    for code, sid in zip(codes, ids, strict=True):
        # Empty answers are the shared empty tuple: a hundred thousand fresh lists would
        # only keep the garbage collector busy (the JSON is the same).
        if sid is None:
            append(
                {
                    "code": code,
                    "found": False,
                    "list_status": (),
                    "measures": (),
                    "green_channel": False,
                    "green_channel_reason": NOT_REGISTERED,
                }
            )
            continue
        name, bad = found[sid]
        own = entries.get(sid)
        if own is None:
            append(
                {
                    "code": code,
                    "found": True,
                    "name": name,
                    "list_status": (),
                    "measures": (),
                    "green_channel": not bad,
                    "green_channel_reason": BAD_RECORD if bad else CLEAN,
                }
            )
            continue
        on_black = any(entry[1] == ListKind.BLACK for entry in own)
        append(
            {
                "code": code,
                "found": True,
                "name": name,
                "list_status": answers.status(own),
                "measures": answers.measures(own),
                # Listed: the list decides (Art. 16(1)); otherwise only the red list is left.
                "green_channel": not on_black,
                "green_channel_reason": ON_BLACK if on_black else ON_RED,
            }
        )
    audit.record(
        session,
        clock,
        actor.audit(),
        "joint_check.run",
        target_type="matter",
        target_id=matter.code,
        details={"subjects": len(codes), "found": len(found), "listed": len(entries)},
    )
    return results


class _Answers:
    """The parts of a listed subject's answer: each entry's status built once, and the
    measure list once per combination of entries (kind, tier, standard) — the same for
    every subject in that situation."""

    def __init__(self, published: list[Measure], standards: dict[int, str]) -> None:
        self.published = published
        self.standards = standards
        self._measures: dict[tuple[Any, ...], tuple[dict[str, Any], ...]] = {}
        self._status: dict[int, dict[str, Any]] = {}

    def status(self, own: list[_Entry]) -> tuple[dict[str, Any], ...]:
        return tuple([self._entry(entry) for entry in own])

    def _entry(self, entry: _Entry) -> dict[str, Any]:
        found = self._status.get(entry[0])
        if found is None:
            entry_id, kind, tier, standard_id, basis, reasons, term_end = entry
            found = self._status[entry_id] = {
                "entry_id": entry_id,
                "list": kind,
                "tier": tier,
                "standard": self.standards.get(standard_id),
                "basis": basis,
                "reasons": reasons,
                "term_end": _iso(term_end),
            }
        return found

    def measures(self, own: list[_Entry]) -> tuple[dict[str, Any], ...]:
        # (kind, tier, standard_id) of each entry: all a measure list depends on.
        key = own[0][1:4] if len(own) == 1 else tuple([entry[1:4] for entry in own])
        found = self._measures.get(key)
        if found is None:
            held = [
                (Tier(tier), ListKind(kind), self.standards.get(standard_id, ""))
                for kind, tier, standard_id in (entry[1:4] for entry in own)
            ]
            tiers = _targets({tier for tier, _kind, _name in held})
            found = self._measures[key] = tuple(
                {
                    "code": m.code,
                    "name": m.name,
                    "kind": m.kind.value,
                    "head": f"Art. {16 if m.kind is MeasureKind.INCENTIVE else 17}({m.head})",
                    "means": m.means,
                    "implementing_body": m.implementing_body,
                    "basis": m.legal_basis,
                    "reasons": _reasons(m, held),
                }
                # In the order of the published measure list.
                for m in self.published
                if m.target in tiers
            )
        return found


def _iso(day: dt.date | str | None) -> str | None:
    """A date as ISO text: SQLite hands it over as text already, PostgreSQL as a date."""
    if day is None or isinstance(day, str):
        return day
    return day.isoformat()


def _reasons(measure: Measure, held: list[tuple[Tier, ListKind, str]]) -> str:
    matching = [
        name
        for tier, kind, name in held
        if tier is measure.target or (measure.target is Tier.BLACK and kind is ListKind.BLACK)
    ]
    return f"listed as {'、'.join(matching)}; {measure.legal_basis}"
