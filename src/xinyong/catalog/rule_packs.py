"""Bringing the city's catalog up to the rule pack the platform ships (decision 0034).

A release may change the shipped pack's definition of a record type the catalog already
has (a new check, a confidentiality review). The catalog remembers, on its versions, the
pack definition the city's rule was last reconciled with (its *baseline*: the definition
loaded, brought up to, or answered by the credit authority). Against the pack shipped now,
each of the pack's record types is:

* ``new``: the catalog lacks it; it is created as the pack defines it;
* ``current``: the city's rule is the shipped definition already;
* ``upgrade``: the city's rule is the baseline (nobody changed what the pack gave): it is
  brought up to the shipped definition as a new city version by the system, the note
  naming the pack and what changed;
* ``revised``: the credit authority changed the rule, and the pack changed nothing it does
  not already have: nothing to do;
* ``conflict``: the authority changed the rule and the pack changed it too. Nothing is
  written: the authority's rule stands, and the authority reconciles by hand — a version of
  its own that takes in what it accepts (``proposal``: its rule with the pack's changes to
  attributes it never touched), which becomes the new baseline.

Changes are compared attribute by attribute: a field or a publicity period by its name,
the field's attributes one by one, except where the pack adds or removes the whole field
or period. Where a field stands in the list is not part of the rule. District rules are
never touched: a city version suspends those it leaves looser, as any city revision does
(decision 0015).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import texts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import RecordTypeDefinition
from xinyong.catalog.models import CITY_JURISDICTION, RecordType, RecordTypeVersion
from xinyong.clock import Clock
from xinyong.errors import Conflict, DomainError, InvalidInput, NotFound
from xinyong.rule_pack_changes import (
    MISSING,
    PENDING,
    ChangeKind,
    PackChange,
    PackStatus,
    Plan,
    changed_paths,
    fingerprint,
)
from xinyong.rule_pack_changes import changes as pack_changes
from xinyong.rule_pack_changes import get as _get
from xinyong.rule_pack_changes import status as pack_status

__all__ = ["MISSING", "ChangeKind", "PackChange", "PackStatus"]


@dataclass(frozen=True)
class RulePack:
    """A rule pack's record types as definitions in their stored (normalised) form."""

    name: str
    definitions: tuple[dict[str, Any], ...]

    @classmethod
    def read(cls, path: Path = catalog.DEFAULT_RULEPACK) -> RulePack:
        return _read(path, path.stat().st_mtime_ns)

    @classmethod
    def of(cls, name: str, definitions: list[dict[str, Any]]) -> RulePack:
        """A pack from plain definitions, each checked as the catalog checks a revision."""
        return cls(
            name,
            tuple(catalog.parse_definition(data).model_dump(mode="json") for data in definitions),
        )


@lru_cache(maxsize=4)
def _read(path: Path, _mtime_ns: int) -> RulePack:
    # The pages read the pack on every view of the catalog's pending changes; it changes
    # only with a release (the modification time is part of the key).
    return RulePack.of(path.name, catalog.read_rule_pack(path))


def digest(definition: Mapping[str, Any]) -> str:
    """A short fingerprint of a shipped definition: a reconciliation names the one it
    answers, so that a form opened before a release cannot answer the next pack."""
    return fingerprint(_canonical(definition))


@dataclass(frozen=True)
class RedatedRecords:
    """How many stored records of a type re-dating gave a new version, and how many dated
    by the old field lack the new one (they keep their date)."""

    from_field: str
    to_field: str
    records: int
    without_date: int


@dataclass(frozen=True)
class PackItem:
    """One of the pack's record types against the catalog."""

    code: str
    status: PackStatus
    shipped: dict[str, Any]
    city_version: RecordTypeVersion | None = None
    baseline: RecordTypeVersion | None = None
    changes: tuple[PackChange, ...] = ()
    # For a conflict: the city's rule with the pack's changes to what it never touched, and
    # why that would be refused as it stands (then the authority must edit it).
    proposal: dict[str, Any] | None = None
    proposal_problem: dict[str, Any] | None = None
    # For a type brought up to a rule dating its records by another field: what re-dating
    # its stored records did (decision 0045); the operator reads it in the command's output.
    redated: RedatedRecords | None = None

    @property
    def digest(self) -> str:
        return digest(self.shipped)

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    @property
    def paths(self) -> list[str]:
        """What the pack changed that the city's rule lacks."""
        return changed_paths(self.changes)


PackPlan = Plan[PackItem]


def plan(session: Session, actor: Actor, pack: RulePack | None = None) -> PackPlan:
    """What bringing the catalog up to the pack would do; writes nothing."""
    require(actor, Permission.MANAGE_CATALOG)
    pack = pack or RulePack.read()
    types = {rt.code: rt for rt in session.scalars(select(RecordType))}
    return PackPlan(
        pack.name,
        tuple(_item(session, pack.name, types.get(d["code"]), d) for d in pack.definitions),
    )


def item(session: Session, actor: Actor, code: str, pack: RulePack | None = None) -> PackItem:
    """One record type of the pack against the catalog (404 for a type the pack lacks)."""
    require(actor, Permission.MANAGE_CATALOG)
    pack = pack or RulePack.read()
    shipped = next((d for d in pack.definitions if d["code"] == code), None)
    if shipped is None:
        raise NotFound(
            f"the rule pack {pack.name} has no record type {code!r}",
            code="not_in_rule_pack",
            field="code",
        )
    record_type = session.scalar(select(RecordType).where(RecordType.code == code))
    return _item(session, pack.name, record_type, shipped)


def _item(
    session: Session, pack_name: str, record_type: RecordType | None, shipped: dict[str, Any]
) -> PackItem:
    code = shipped["code"]
    if record_type is None:
        return PackItem(code, PackStatus.NEW, shipped)
    city_version = catalog.latest_city_version(session, record_type)
    city = _normalised(city_version.definition)
    if _canonical(city) == _canonical(shipped):
        return PackItem(code, PackStatus.CURRENT, shipped, city_version)
    baseline = _baseline(session, record_type, pack_name)
    loaded = _normalised(baseline.rule_pack_definition) if baseline else None
    changes = tuple(_changes(loaded, shipped, city))
    status = pack_status(
        _canonical(loaded) if loaded is not None else None,
        _canonical(shipped),
        _canonical(city),
        changes,
    )
    proposal: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None
    if status is PackStatus.CONFLICT:
        proposal = _proposal(city, shipped, changes)
        try:
            proposal = catalog.parse_definition(proposal).model_dump(mode="json")
        except DomainError as exc:
            problem = exc.as_dict()
    return PackItem(code, status, shipped, city_version, baseline, changes, proposal, problem)


def _baseline(
    session: Session, record_type: RecordType, pack_name: str
) -> RecordTypeVersion | None:
    return session.scalar(
        select(RecordTypeVersion)
        .where(
            RecordTypeVersion.record_type_id == record_type.id,
            RecordTypeVersion.jurisdiction == CITY_JURISDICTION,
            RecordTypeVersion.rule_pack == pack_name,
            RecordTypeVersion.rule_pack_definition.is_not(None),
        )
        .order_by(RecordTypeVersion.version_no.desc())
        .limit(1)
    )


def apply(
    session: Session,
    clock: Clock,
    pack: RulePack | None = None,
    *,
    late_after_working_days: int | None = None,
) -> PackPlan:
    """Create the pack's new record types and bring those nobody revised up to it, in the
    caller's transaction; conflicts are left as they are. A type brought up to a rule that
    dates its records by another field has its stored records re-dated (``_redate``;
    ``late_after_working_days``: the platform's, for their timeliness). Returns the plan
    carried out."""
    pack = pack or RulePack.read()
    planned = plan(session, SYSTEM_ACTOR, pack)
    for found in planned.having(PackStatus.NEW):
        catalog.create_record_type(
            session,
            clock,
            SYSTEM_ACTOR,
            found.shipped,
            note=f"{catalog.LOADED_FROM}{pack.name}",
            rule_pack=pack.name,
        )
    redated: dict[str, RedatedRecords] = {}
    for found in planned.having(PackStatus.UPGRADE):
        assert found.city_version is not None  # an upgrade is of a type the catalog has
        catalog.add_city_version(
            session,
            clock,
            SYSTEM_ACTOR,
            found.city_version.record_type,
            RecordTypeDefinition.model_validate(found.shipped),
            upgrade_note(pack.name, found.paths),
            rule_pack=pack.name,
            rule_pack_definition=found.shipped,
            details={"rule_pack": pack.name, "changes": found.paths},
        )
        done = _redate(
            session,
            clock,
            found.code,
            str(found.city_version.definition.get("decision_date_field", "")),
            f"brought up to the shipped {pack.name}",
            late_after_working_days,
        )
        if done is not None:
            redated[found.code] = done
    if redated:
        planned = PackPlan(
            planned.rule_pack,
            tuple(replace(i, redated=redated.get(i.code)) for i in planned.items),
        )
    created, upgraded = planned.having(PackStatus.NEW), planned.having(PackStatus.UPGRADE)
    if created or upgraded:
        # Re-running with nothing to do writes nothing, not even this.
        audit.record(
            session,
            clock,
            SYSTEM_ACTOR.audit(),
            "catalog.rule_pack.apply",
            target_type="rule_pack",
            target_id=pack.name,
            details={
                "created": [i.code for i in created],
                "upgraded": [i.code for i in upgraded],
                "conflicts": [i.code for i in planned.having(PackStatus.CONFLICT)],
            },
        )
    return planned


def _redate(
    session: Session,
    clock: Clock,
    code: str,
    before: str,
    basis: str,
    late_after_working_days: int | None,
) -> RedatedRecords | None:
    """The type's records re-dated where its new city rule dates them by another field than
    ``before`` (decision 0045): their publicity, timeliness and terms count from that date.
    None when the rule dates them as before."""
    after = catalog.effective_rule(session, code).definition.decision_date_field
    if not before or before == after:
        return None
    # Imported here: the collection domain builds on the catalog.
    from xinyong.collection import redating

    done = redating.redate(
        session,
        clock,
        code,
        from_field=before,
        basis=basis,
        late_after_working_days=late_after_working_days,
    )
    return RedatedRecords(done.from_field, done.to_field, len(done.records), len(done.without_date))


UPGRADE_NOTE = "brought up to the shipped {pack}: {changes}"


def upgrade_note(pack_name: str, paths: list[str]) -> str:
    return UPGRADE_NOTE.format(pack=pack_name, changes=", ".join(paths))


def upgraded_paths(version: RecordTypeVersion) -> list[str] | None:
    """What a version the system brought up to a pack changed (from its note, which the
    pages translate), or None for any other version."""
    if version.created_by is not None or not version.rule_pack:
        return None
    prefix = UPGRADE_NOTE.format(pack=version.rule_pack, changes="")
    if not version.note.startswith(prefix):
        return None
    return version.note.removeprefix(prefix).split(", ")


def reconcile(
    session: Session,
    clock: Clock,
    actor: Actor,
    code: str,
    data: dict[str, Any],
    *,
    note: str,
    shipped_digest: str,
    pack: RulePack | None = None,
) -> catalog.EffectiveRule:
    """The credit authority's answer to the pack's changes to a type: a new city version
    of its own (what it takes in and what it keeps), which becomes the baseline later pack
    changes are measured from. The city's rule: its credit authority's (Art. 6)."""
    catalog.require_rule_maker(session, actor, CITY_JURISDICTION)
    pack = pack or RulePack.read()
    found = item(session, actor, code, pack)
    if found.status not in (PackStatus.UPGRADE, PackStatus.CONFLICT):
        raise Conflict(
            f"the city's rule for {code!r} has no pack change waiting ({found.status})",
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
    if texts.is_blank(note):
        raise InvalidInput(
            "say why the rule changes: the note is kept with the version",
            code="note_required",
            field="note",
        )
    definition = catalog.parse_revision(code, data)
    assert found.city_version is not None  # an upgrade or conflict is of a type the catalog has
    record_type = found.city_version.record_type
    catalog.refuse_natural_key_change(session, record_type, definition)
    # What the release ships it answers for, re-dating included (``_redate``); anything
    # else the authority changes in the stored records' type is refused as a revision's is.
    catalog.refuse_stored_records_change(
        session,
        record_type,
        definition,
        shipped=RecordTypeDefinition.model_validate(found.shipped),
    )
    version = catalog.add_city_version(
        session,
        clock,
        actor,
        record_type,
        definition,
        note.strip(),
        rule_pack=pack.name,
        rule_pack_definition=found.shipped,
        details={"reconciles_rule_pack": pack.name, "changes": found.paths},
    )
    _redate(
        session,
        clock,
        code,
        str(found.city_version.definition.get("decision_date_field", "")),
        f"the credit authority's answer to the shipped {pack.name}",
        None,
    )
    return catalog.EffectiveRule(record_type, version, definition)


# --- comparing definitions ------------------------------------------------------------------


def _normalised(data: Mapping[str, Any] | None) -> dict[str, Any]:
    # A definition stored by an earlier release lacks the attributes added since: read
    # now, they take their defaults, as the catalog reads them.
    return RecordTypeDefinition.model_validate(data or {}).model_dump(mode="json")


def _canonical(definition: Mapping[str, Any]) -> dict[str, Any]:
    """Fields by name and publicity periods by severity: their place in a list is not
    part of the rule."""
    canonical = {k: v for k, v in definition.items() if k not in ("fields", "disclosure")}
    canonical["fields"] = {spec["name"]: spec for spec in definition.get("fields", [])}
    disclosure = dict(definition.get("disclosure", {}))
    disclosure["periods"] = dict(disclosure.get("periods", {}))
    canonical["disclosure"] = disclosure
    return canonical


# Where a name stands for a whole field or period (added or removed as one), and where
# attributes are compared one by one.
_COLLECTIONS = {("fields",), ("disclosure", "periods")}
_RECORDS = {("disclosure",)}


def _changes(
    loaded: dict[str, Any] | None, shipped: dict[str, Any], city: dict[str, Any]
) -> tuple[PackChange, ...]:
    return tuple(
        pack_changes(
            _canonical(loaded) if loaded is not None else None,
            _canonical(shipped),
            _canonical(city),
            collections=_COLLECTIONS,
            records=_RECORDS,
        )
    )


def _proposal(
    city: dict[str, Any], shipped: dict[str, Any], changes: tuple[PackChange, ...]
) -> dict[str, Any]:
    """The city's rule with the pack's changes to what the city never touched."""
    proposal = copy.deepcopy(_canonical(city))
    shipped_canonical = _canonical(shipped)
    for change in changes:
        if change.kind is not ChangeKind.UNTOUCHED:
            continue
        path = change.path.split(".")
        value = shipped_canonical
        for key in path:
            value = _get(value, key)
        target = proposal
        for key in path[:-1]:
            target = target.setdefault(key, {})
        if value is MISSING:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = copy.deepcopy(value)
    return _as_definition(proposal, city, shipped)


def _as_definition(
    canonical: dict[str, Any], city: dict[str, Any], shipped: dict[str, Any]
) -> dict[str, Any]:
    """A canonical definition as a definition again: the city's fields in the city's order,
    a field the pack adds after the field it follows in the pack."""
    fields: dict[str, Any] = canonical["fields"]
    order = [spec["name"] for spec in city["fields"] if spec["name"] in fields]
    anchor: str | None = None
    for spec in shipped["fields"]:
        name = spec["name"]
        if name in fields and name not in order:
            order.insert(order.index(anchor) + 1 if anchor else 0, name)
        if name in order:
            anchor = name
    return {**canonical, "fields": [fields[name] for name in order]}
