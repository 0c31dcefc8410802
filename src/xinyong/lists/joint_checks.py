"""Joint incentive and punishment checks (联合奖惩, Art. 14–17): for an administrative
matter, each subject's list status, the published measures that apply with their basis,
reasons and implementing body, and whether it qualifies for the green channel and 容缺受理
(Art. 16(1): red list, or no bad credit record for three consecutive years).

Set-based throughout: a call for 100,000 subjects runs a handful of queries per chunk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure.files import record_types_by_id
from xinyong.errors import InvalidInput
from xinyong.lists import measures as measure_catalog
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
CHUNK = 5_000
CLEAN_YEARS = 3
# Negative records that no longer count: repaired, revoked or corrected away.
NOT_COUNTED = (RecordStatus.REPAIRED, RecordStatus.REVOKED)


def _targets(tiers: set[Tier]) -> set[Tier]:
    """A serious-tier subject is on the black list too: black measures apply to it."""
    targets = set(tiers)
    if Tier.SERIOUS in targets:
        targets.add(Tier.BLACK)
    return targets


def _resolve(session: Session, codes: list[str], today: dt.date) -> list[int | None]:
    """Subject ids in the order given; None for an unknown or invalid code."""
    normalised = [identifiers.normalise(code) for code in codes]
    by_uscc: dict[str, int] = {}
    by_index: dict[str, int] = {}
    by_reference: dict[str, int] = {}
    # A code can be a valid USCC and a valid citizen ID at once (rarely): look it up as both.
    usccs = [c for c in normalised if len(c) == 18 and identifiers.check_uscc(c).valid]
    persons = {
        c: citizen_id_index(c)
        for c in normalised
        if len(c) == 18 and identifiers.check_citizen_id(c, today=today).valid
    }
    references = [c for c in normalised if c.startswith("P") and len(c) == 17]
    for start in range(0, len(usccs), CHUNK):
        for uscc, subject_id in session.execute(
            select(Subject.uscc, Subject.id).where(Subject.uscc.in_(usccs[start : start + CHUNK]))
        ).tuples():
            by_uscc[str(uscc)] = subject_id
    indexes = list(persons.values())
    for start in range(0, len(indexes), CHUNK):
        by_index.update(
            (str(row[0]), row[1])
            for row in session.execute(
                select(Subject.citizen_id_index, Subject.id).where(
                    Subject.citizen_id_index.in_(indexes[start : start + CHUNK])
                )
            ).tuples()
        )
    for start in range(0, len(references), CHUNK):
        by_reference.update(
            (row[0], row[1])
            for row in session.execute(
                select(Subject.reference, Subject.id).where(
                    Subject.reference.in_(references[start : start + CHUNK])
                )
            ).tuples()
        )
    resolved: list[int | None] = []
    for code in normalised:
        resolved.append(
            by_uscc.get(code)
            or (by_index.get(persons[code]) if code in persons else None)
            or by_reference.get(code)
        )
    return resolved


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
    ids = _resolve(session, codes, today)
    known = sorted({sid for sid in ids if sid is not None})
    entries: dict[int, list[tuple[ListEntry, ListStandard]]] = defaultdict(list)
    bad: set[int] = set()
    negative_types = [
        tid
        for tid, (_code, d) in record_types_by_id(session).items()
        if d.polarity.value == "negative"
    ]
    since = dt.date(today.year - CLEAN_YEARS, today.month, min(today.day, 28))
    for start in range(0, len(known), CHUNK):
        part = known[start : start + CHUNK]
        for entry, std in session.execute(
            select(ListEntry, ListStandard)
            .join(ListStandard, ListStandard.id == ListEntry.standard_id)
            .where(
                ListEntry.subject_id.in_(part),
                ListEntry.status == EntryStatus.PUBLISHED,
                ListEntry.term_start <= today,
                ListEntry.term_end >= today,
            )
        ).tuples():
            entries[entry.subject_id].append((entry, std))
        if negative_types:
            bad.update(
                session.scalars(
                    select(CreditRecord.subject_id)
                    .where(
                        CreditRecord.subject_id.in_(part),
                        CreditRecord.record_type_id.in_(negative_types),
                        CreditRecord.decision_date >= since,
                        CreditRecord.status.not_in(NOT_COUNTED),
                    )
                    .distinct()
                )
            )
    published = measure_catalog.published_measures(session, matter_code=matter.code)
    by_target: dict[Tier, list[Measure]] = defaultdict(list)
    for measure in published:
        by_target[measure.target].append(measure)
    names: dict[int, str] = {}
    for start in range(0, len(known), CHUNK):
        names.update(
            (row[0], row[1])
            for row in session.execute(
                select(Subject.id, Subject.name).where(Subject.id.in_(known[start : start + CHUNK]))
            ).tuples()
        )
    results: list[dict[str, Any]] = []
    for code, sid in zip(codes, ids, strict=True):
        if sid is None:
            results.append(
                {
                    "code": code,
                    "found": False,
                    "list_status": [],
                    "measures": [],
                    "green_channel": False,
                    "green_channel_reason": "subject not registered",
                }
            )
            continue
        own = entries.get(sid, [])
        tiers = _targets({entry.tier for entry, _std in own})
        on_red = any(entry.kind is ListKind.RED for entry, _std in own)
        on_black = any(entry.kind is ListKind.BLACK for entry, _std in own)
        applicable = [m for tier in tiers for m in by_target.get(tier, [])]
        if on_black:
            reason = "on the black list"
            green = False
        elif on_red:
            reason = "on the red list (Art. 16(1))"
            green = True
        elif sid in bad:
            reason = f"a bad credit record within the last {CLEAN_YEARS} years"
            green = False
        else:
            reason = f"no bad credit record for {CLEAN_YEARS} consecutive years (Art. 16(1))"
            green = True
        results.append(
            {
                "code": code,
                "found": True,
                "name": names.get(sid),
                "list_status": [
                    {
                        "entry_id": e.id,
                        "list": e.kind.value,
                        "tier": e.tier.value,
                        "standard": std.name,
                        "basis": e.legal_basis,
                        "reasons": e.reasons,
                        "term_end": e.term_end.isoformat() if e.term_end else None,
                    }
                    for e, std in own
                ],
                "measures": [
                    {
                        "code": m.code,
                        "name": m.name,
                        "kind": m.kind.value,
                        "head": f"Art. {16 if m.kind is MeasureKind.INCENTIVE else 17}({m.head})",
                        "means": m.means,
                        "implementing_body": m.implementing_body,
                        "basis": m.legal_basis,
                        "reasons": _reasons(m, own),
                    }
                    for m in applicable
                ],
                "green_channel": green,
                "green_channel_reason": reason,
            }
        )
    audit.record(
        session,
        clock,
        actor.audit(),
        "joint_check.run",
        target_type="matter",
        target_id=matter.code,
        details={"subjects": len(codes), "found": len(known), "listed": len(entries)},
    )
    return results


def _reasons(measure: Measure, own: list[tuple[ListEntry, ListStandard]]) -> str:
    matching = [
        std.name
        for entry, std in own
        if entry.tier is measure.target
        or (measure.target is Tier.BLACK and entry.kind is ListKind.BLACK)
    ]
    return f"listed as {'、'.join(matching)}; {measure.legal_basis}"
