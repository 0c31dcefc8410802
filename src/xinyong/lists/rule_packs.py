"""Bringing the city's lists up to the lists rule pack the platform ships (decision 0034 and
its addendum): recognition standards, administrative matters and measures.

The comparison is the catalog's (``xinyong.rule_pack_changes``): each part of the pack
against the city's data and the *baseline* (``ListRulePackBaseline``: the pack definition
the part last took in or the credit authority answered), attribute by attribute. What is
done differs, because these parts have no versions:

* ``new``: the city lacks the part. Standards and matters are created; a measure is
  created and published when the measure lists are loaded for the first time (an empty
  database: the city's default lists), and otherwise created as a **draft** for the
  authority to publish — a new measure joins a published list only by its act (Art. 15).
* ``upgrade``: nobody changed the part since the pack gave it. A standard, a matter or a
  measure never published is brought up to the shipped definition in place by the system,
  audited with the values it replaced (standards are read as they stand, as migrations
  0014, 0025 and 0037 changed them before).
* ``draft``: the part is a measure that has been published and nobody changed since. A
  published measure list is a legal act (Art. 17, Art. 19): the system never changes it.
  The pack's text waits as a draft until the authority publishes it or declines it.
  One exception: a published measure that names no implementer takes the pack's
  (``_fill_implementers``): they restate its published implementing body and change no
  published text (Art. 15; decision 0045).
* ``conflict``: the city's data differs from what the pack gave and the pack changed it
  too: the authority decides.
* ``current`` / ``revised``: nothing waits.

The authority answers a pending part (``reconcile``) by taking the shipped definition (a
published measure is published anew with it) or keeping the city's; either way the shipped
definition becomes the baseline, so a declined change is not asked again.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.catalog.definitions import ART22_CASES
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.lists import measures
from xinyong.lists.models import (
    AdministrativeMatter,
    GradeModel,
    ListKind,
    ListRulePackBaseline,
    ListStandard,
    Measure,
    Tier,
)
from xinyong.rule_pack_changes import (
    PENDING,
    ChangeKind,
    PackChange,
    PackStatus,
    Plan,
    changed_paths,
    changes,
    fingerprint,
    status,
)

__all__ = ["ChangeKind", "PackChange", "PackStatus"]


class PackPart(enum.StrEnum):
    """The parts of the lists rule pack brought up to it, in the order they are created
    (a measure names the matters it applies in)."""

    MATTER = "matter"
    STANDARD = "standard"
    MEASURE = "measure"


class Answer(enum.StrEnum):
    TAKE = "take"  # the shipped definition becomes the city's (a published measure: anew)
    KEEP = "keep"  # the city's stays; the shipped definition is not asked again


# --- each part's definition, as the pack states it and as the city's data has it -----------

_STANDARD_DEFAULTS: dict[str, Any] = {
    "remedies": "",
    "comment_days": 7,
    "objection_days": 10,
    "clean_years": None,
    "from_record_type": None,
    "early_removal": False,
    "early_removal_months": None,
    "repair_exclusion": None,
}
_STANDARD_REQUIRED = (
    "code",
    "kind",
    "tier",
    "name",
    "criteria",
    "legal_basis",
    "term_months",
    "exit_conditions",
)
_MATTER = ("code", "name", "name_en")
_MEASURE = (
    "code",
    "kind",
    "head",
    "name",
    "matter_codes",
    "target",
    "means",
    "implementing_body",
    "legal_basis",
    "severity",
    "applies_to_responsible_persons",
    "responsible_persons_basis",
    "implementer_kinds",
    "implementer_codes",
    "standard_codes",
)
# Who implements a measure (Art. 15; decision 0045): attributes a baseline recorded before
# migration 0050 lacks, read as none named.
_IMPLEMENTERS = ("implementer_kinds", "implementer_codes")
# The recognition standards a measure is limited to (Art. 15 ¶2; decision 0008 addendum):
# what a baseline recorded before migration 0055 lacks, read as none (every standard of
# the target).
_STANDARDS = "standard_codes"
# A measure's attributes held as sorted lists of codes, compared as such.
_CODE_LISTS = (*_IMPLEMENTERS, _STANDARDS)


def _art22_case(item: Mapping[str, Any]) -> str | None:
    case = item.get("repair_exclusion")
    if case is not None and case not in ART22_CASES:
        raise ValueError(
            f"standard {item['code']}: repair_exclusion must be one of {', '.join(ART22_CASES)}"
        )
    return case


def _standard_shipped(item: Mapping[str, Any]) -> dict[str, Any]:
    definition = {name: item[name] for name in _STANDARD_REQUIRED}
    definition.update(
        {name: item.get(name, default) for name, default in _STANDARD_DEFAULTS.items()}
    )
    ListKind(definition["kind"])
    Tier(definition["tier"])
    definition["repair_exclusion"] = _art22_case(item)
    return definition


def _measure_shipped(item: Mapping[str, Any]) -> dict[str, Any]:
    responsible = bool(item.get("applies_to_responsible_persons", False))
    basis = str(item.get("responsible_persons_basis") or "").strip()
    return {
        "code": str(item["code"]),
        "kind": str(item["kind"]),
        "head": int(item["head"]),
        "name": str(item["name"]),
        "matter_codes": list(item.get("matter_codes") or []),
        "target": str(item["target"]),
        "means": str(item["means"]),
        "implementing_body": str(item["implementing_body"]),
        "legal_basis": str(item["legal_basis"]),
        "severity": int(item["severity"]),
        "applies_to_responsible_persons": responsible,
        "responsible_persons_basis": basis if responsible else None,
        **{name: sorted({str(v) for v in item.get(name) or []}) for name in _CODE_LISTS},
    }


def _of_row(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    definition: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        definition[name] = value.value if isinstance(value, enum.Enum) else value
    return definition


def _standard_of(row: ListStandard) -> dict[str, Any]:
    return _of_row(row, (*_STANDARD_REQUIRED, *_STANDARD_DEFAULTS))


def _measure_of(row: Measure) -> dict[str, Any]:
    definition = _of_row(row, _MEASURE)
    definition["matter_codes"] = list(definition["matter_codes"] or [])
    for name in _CODE_LISTS:
        definition[name] = sorted(definition[name] or [])
    return definition


@dataclass(frozen=True)
class _Kind:
    model: type[Any]
    key: Any
    shipped: Callable[[Mapping[str, Any]], dict[str, Any]]
    of: Callable[[Any], dict[str, Any]]
    section: str


_PARTS: dict[PackPart, _Kind] = {
    PackPart.MATTER: _Kind(
        AdministrativeMatter,
        AdministrativeMatter.code,
        lambda item: {name: str(item[name]) for name in _MATTER},
        lambda row: _of_row(row, _MATTER),
        "matters",
    ),
    PackPart.STANDARD: _Kind(
        ListStandard, ListStandard.code, _standard_shipped, _standard_of, "standards"
    ),
    PackPart.MEASURE: _Kind(Measure, Measure.code, _measure_shipped, _measure_of, "measures"),
}


@dataclass(frozen=True)
class ListRulePack:
    """The lists rule pack's parts as definitions (matters, standards, measures) and the
    grading model."""

    name: str
    parts: tuple[tuple[PackPart, dict[str, Any]], ...]
    grade_model: dict[str, Any] | None = None

    @classmethod
    def read(cls, path: Path = measures.RULEPACK) -> ListRulePack:
        return cls.of(path.name, measures.read_rule_pack(path))

    @classmethod
    def of(cls, name: str, data: Mapping[str, Any]) -> ListRulePack:
        parts = tuple(
            (part, _PARTS[part].shipped(item))
            for part in PackPart
            for item in data.get(_PARTS[part].section, [])
        )
        return cls(name, parts, data.get("grade_model"))


@dataclass(frozen=True)
class ListPackItem:
    """One part of the lists rule pack against the city's data."""

    part: PackPart
    code: str
    status: PackStatus
    shipped: dict[str, Any]
    city: dict[str, Any] | None = None
    baseline: ListRulePackBaseline | None = None
    changes: tuple[PackChange, ...] = ()
    # A measure's state: draft (never published), published or withdrawn.
    measure_state: str | None = None

    @property
    def digest(self) -> str:
        return fingerprint(self.shipped)

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def paths(self) -> list[str]:
        """What the pack changed that the city's data lacks."""
        return changed_paths(self.changes)

    @property
    def name(self) -> str:
        return str(self.shipped.get("name", self.code))


ListPackPlan = Plan[ListPackItem]


def plan(session: Session, actor: Actor, pack: ListRulePack | None = None) -> ListPackPlan:
    """What bringing the lists up to the pack would do; writes nothing."""
    measures.require_keeper(session, actor)
    pack = pack or ListRulePack.read()
    baselines = {(b.part, b.code): b for b in session.scalars(select(ListRulePackBaseline))}
    rows = {
        part: {row.code: row for row in session.scalars(select(kind.model))}
        for part, kind in _PARTS.items()
    }
    return ListPackPlan(
        pack.name,
        tuple(
            _item(pack.name, part, shipped, rows[part].get(shipped["code"]), baselines)
            for part, shipped in pack.parts
        ),
    )


def item(
    session: Session, actor: Actor, part: str, code: str, pack: ListRulePack | None = None
) -> ListPackItem:
    """One part of the pack against the city's data (404 for one the pack lacks)."""
    measures.require_keeper(session, actor)
    pack = pack or ListRulePack.read()
    shipped = next((d for p, d in pack.parts if p == part and d["code"] == code), None)
    if shipped is None:
        raise NotFound(
            f"the rule pack {pack.name} has no {part} {code!r}",
            code="not_in_rule_pack",
            field="code",
        )
    kind = _PARTS[PackPart(part)]
    row = session.scalar(select(kind.model).where(kind.key == code))
    baseline = session.scalar(
        select(ListRulePackBaseline).where(
            ListRulePackBaseline.part == part, ListRulePackBaseline.code == code
        )
    )
    return _item(pack.name, PackPart(part), shipped, row, {(part, code): baseline})


def _item(
    pack_name: str,
    part: PackPart,
    shipped: dict[str, Any],
    row: Any,
    baselines: Mapping[tuple[str, str], ListRulePackBaseline | None],
) -> ListPackItem:
    code = shipped["code"]
    if row is None:
        return ListPackItem(part, code, PackStatus.NEW, shipped)
    state = measures.state(row) if part is PackPart.MEASURE else None
    city = _PARTS[part].of(row)
    baseline = baselines.get((part.value, code))
    # A baseline of another pack says nothing of what this one changed.
    loaded = baseline.definition if baseline and baseline.rule_pack == pack_name else None
    if loaded is not None and part is PackPart.MEASURE:
        loaded = {**{name: [] for name in _CODE_LISTS}, **loaded}
    found = tuple(changes(loaded, shipped, city))
    result = status(loaded, shipped, city, found)
    if result is PackStatus.UPGRADE and state not in (None, "draft"):
        result = PackStatus.DRAFT
    return ListPackItem(part, code, result, shipped, city, baseline, found, state)


def apply(session: Session, clock: Clock, pack: ListRulePack | None = None) -> ListPackPlan:
    """Create the pack's new parts and bring those nobody changed up to it, in the caller's
    transaction; drafts of published measures and conflicts wait for the credit authority.
    Loads the grading model where none is. Returns the plan carried out."""
    pack = pack or ListRulePack.read()
    planned = plan(session, SYSTEM_ACTOR, pack)
    filled = [found for found in planned.having(PackStatus.DRAFT) if _names_implementers(found)]
    for found in filled:
        _fill_implementers(session, clock, found, pack.name)
    if filled:
        planned = plan(session, SYSTEM_ACTOR, pack)
    # The measure lists loaded for the first time are the city's default published lists;
    # a measure a later release adds waits, unpublished, for the authority (Art. 15).
    first_load = session.scalar(select(Measure.id).limit(1)) is None
    for found in planned.having(PackStatus.NEW):
        _create(session, clock, found, publish=first_load)
        _record_baseline(session, clock, found, pack.name, by=None)
    for found in planned.having(PackStatus.UPGRADE):
        before = _write(session, found, today=clock.today())
        _record_baseline(session, clock, found, pack.name, by=None)
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "lists.rule_pack.upgrade",
            target_type=found.part.value,
            target_id=found.code,
            details={"rule_pack": pack.name, "changes": found.paths, "before": before},
        )
    if session.scalar(select(GradeModel.id)) is None and pack.grade_model is not None:
        session.add(
            GradeModel(version=1, parameters=pack.grade_model, created_at=clock.now(), active=True)
        )
    created, upgraded = planned.having(PackStatus.NEW), planned.having(PackStatus.UPGRADE)
    if created or upgraded or filled:
        # Re-running with nothing to do writes nothing, not even this.
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "lists.rule_pack.apply",
            target_type="rule_pack",
            target_id=pack.name,
            details={
                "created": [_key(i) for i in created],
                "implementers_named": [i.code for i in filled],
                "created_unpublished": [] if first_load else _measures(created),
                "upgraded": [_key(i) for i in upgraded],
                "drafts": [_key(i) for i in planned.having(PackStatus.DRAFT)],
                "conflicts": [_key(i) for i in planned.having(PackStatus.CONFLICT)],
            },
        )
    session.flush()
    return planned


def _names_implementers(found: ListPackItem) -> bool:
    """A published measure that names no implementer, for which the pack names some."""
    return (
        found.part is PackPart.MEASURE
        and found.city is not None
        and not any(found.city.get(name) for name in _IMPLEMENTERS)
        and any(found.shipped.get(name) for name in _IMPLEMENTERS)
    )


def _fill_implementers(session: Session, clock: Clock, found: ListPackItem, pack_name: str) -> None:
    """Name the implementers of a published measure that names none, as the pack does: they
    restate its published ``implementing_body`` in the platform's terms (kinds of
    organisation, named organisations) and change no published text, so the system writes
    them although it never changes a published measure's text (decision 0045). The rest of
    the pack's changes, if any, still wait for the credit authority; with none left, the
    shipped definition becomes the baseline."""
    measure = measures.by_code(session, found.code)
    for name in _IMPLEMENTERS:
        setattr(measure, name, list(found.shipped.get(name) or []))
    if set(found.paths) <= set(_IMPLEMENTERS):
        _record_baseline(session, clock, found, pack_name, by=None)
    elif found.baseline is not None:
        # The measure took in the pack's implementers, and only them: the rest of the
        # shipped text still waits as a draft, measured from the baseline as it was.
        found.baseline.definition = {
            **found.baseline.definition,
            **{name: list(found.shipped.get(name) or []) for name in _IMPLEMENTERS},
        }
    audit.record(
        session,
        clock,
        SYSTEM_ACTOR.audit(),
        "lists.rule_pack.implementers",
        target_type=PackPart.MEASURE.value,
        target_id=found.code,
        details={
            "rule_pack": pack_name,
            **{name: found.shipped.get(name) for name in _IMPLEMENTERS},
        },
    )
    session.flush()


def _key(found: ListPackItem) -> str:
    return f"{found.part}:{found.code}"


def _measures(items: list[ListPackItem]) -> list[str]:
    return [i.code for i in items if i.part is PackPart.MEASURE]


def _create(session: Session, clock: Clock, found: ListPackItem, *, publish: bool) -> None:
    shipped = found.shipped
    if found.part is PackPart.MATTER:
        session.add(AdministrativeMatter(**shipped))
    elif found.part is PackPart.STANDARD:
        session.add(
            ListStandard(
                **{
                    **shipped,
                    "kind": ListKind(shipped["kind"]),
                    "tier": Tier(shipped["tier"]),
                    "active": True,
                }
            )
        )
    else:
        measures.create_measure(session, clock, SYSTEM_ACTOR, dict(shipped))
        if publish:
            measures.publish(session, clock, SYSTEM_ACTOR, found.code)
    session.flush()


def _write(session: Session, found: ListPackItem, *, today: dt.date) -> dict[str, Any]:
    """The shipped definition written over the part's data; returns the values replaced."""
    kind = _PARTS[found.part]
    row = session.scalar(select(kind.model).where(kind.key == found.code))
    # Only a part the city has is written.
    assert row is not None
    assert found.city is not None
    if found.part is PackPart.MEASURE:
        # The pack's text is checked as a new measure's is (proportionality, Art. 15 ¶2).
        values: dict[str, Any] = measures.checked(session, dict(found.shipped), today=today)
    elif found.part is PackPart.STANDARD:
        values = {
            **found.shipped,
            "kind": ListKind(found.shipped["kind"]),
            "tier": Tier(found.shipped["tier"]),
        }
    else:
        values = dict(found.shipped)
    before = {}
    for name, value in values.items():
        if found.city.get(name) != found.shipped.get(name):
            before[name] = found.city.get(name)
        setattr(row, name, value)
    session.flush()
    return before


def _record_baseline(
    session: Session, clock: Clock, found: ListPackItem, pack_name: str, *, by: str | None
) -> None:
    baseline = found.baseline or session.scalar(
        select(ListRulePackBaseline).where(
            ListRulePackBaseline.part == found.part.value,
            ListRulePackBaseline.code == found.code,
        )
    )
    if baseline is None:
        baseline = ListRulePackBaseline(part=found.part.value, code=found.code)
        session.add(baseline)
    baseline.rule_pack = pack_name
    baseline.definition = dict(found.shipped)
    baseline.recorded_at = clock.now()
    baseline.recorded_by = by


def reconcile(
    session: Session,
    clock: Clock,
    actor: Actor,
    part: str,
    code: str,
    *,
    answer: str,
    note: str,
    shipped_digest: str,
    pack: ListRulePack | None = None,
) -> ListPackItem:
    """The credit authority's answer to the pack's change of a standard, matter or measure:
    take the shipped definition (a published measure is published anew with it; a
    withdrawn one stays withdrawn) or keep the city's. The shipped definition answered
    becomes the baseline later pack changes are measured from. Returns the part as it
    stands now."""
    measures.require_keeper(session, actor)
    pack = pack or ListRulePack.read()
    try:
        chosen = Answer(answer)
    except ValueError:
        raise InvalidInput(
            "answer take (the shipped definition) or keep (the city's)",
            code="invalid_answer",
            field="answer",
        ) from None
    found = item(session, actor, part, code, pack)
    if found.status not in (PackStatus.UPGRADE, PackStatus.DRAFT, PackStatus.CONFLICT):
        raise Conflict(
            f"the city's {part} {code!r} has no pack change waiting ({found.status})",
            code="no_rule_pack_change",
            field="code",
        )
    if shipped_digest != found.digest:
        raise Conflict(
            "the shipped rule pack has changed since this answer was prepared: look at its "
            "changes again",
            code="rule_pack_changed",
            field="shipped_digest",
        )
    if not note.strip():
        raise InvalidInput(
            "say why: the note is kept with the answer",
            code="note_required",
            field="note",
        )
    before = _write(session, found, today=clock.today()) if chosen is Answer.TAKE else {}
    republished = False
    if (
        chosen is Answer.TAKE
        and found.part is PackPart.MEASURE
        and found.measure_state == "published"
    ):
        measure = measures.by_code(session, code)
        # The new text is a new act of publication (Art. 15): dated today, audited as one.
        measure.published_at = clock.now()
        republished = True
        audit.record(
            session,
            clock,
            actor.audit(),
            "measure.publish",
            target_type="measure",
            target_id=measure.id,
            details={"rule_pack": pack.name, "changes": found.paths},
        )
    _record_baseline(session, clock, found, pack.name, by=actor.audit().id)
    audit.record(
        session,
        clock,
        actor.audit(),
        "lists.rule_pack.reconcile",
        target_type=found.part.value,
        target_id=code,
        details={
            "rule_pack": pack.name,
            "answer": chosen.value,
            "changes": found.paths,
            "before": before,
            "republished": republished,
            "note": note.strip(),
        },
    )
    session.flush()
    return item(session, actor, part, code, pack)
