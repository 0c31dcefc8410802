"""The information catalog: record types and their versioned rules (Art. 9, 11, 35).

The credit authority edits record types; every edit is a new version, so the rule that
governed any record can be shown later. A district's rule applies to records from its
own area and may only tighten the city's (``definitions.check_tightens``). The city may
revise its rule later: a district rule that no longer tightens the city's rule in force is
suspended (the city's rule governs that area) until the district revises it.

A record is governed by the rule in force for its type in its source's area — the area whose
rule collection applied (``governing_rule``; ``RulesInForce`` for many records at once);
both choose between the city's rule and the district's by ``governing``, the one place
that decides it. Who writes which rule: the city's credit authority the city's, a
district's credit authority its own district's (Art. 6, 35; ``require_rule_maker``).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import ValidationError
from sqlalchemy import Text, and_, cast, func, select
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.catalog.definitions import (
    Category,
    Loosening,
    Polarity,
    RecordTypeDefinition,
    check_allowed,
    check_tightens,
    loosenings,
    stored_records_changes,
    value_at,
)
from xinyong.catalog.models import CITY_JURISDICTION, RecordType, RecordTypeVersion, rule_label
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied

RULEPACK_DIR = Path(__file__).parent / "rulepacks"
DEFAULT_RULEPACK = RULEPACK_DIR / "fuzhou.toml"
# The note of a version loaded from a rule pack, before the pack's file name (migration
# 0034 finds the versions loaded before it by this note).
LOADED_FROM = "loaded from "


def loaded_pack(version: RecordTypeVersion) -> str | None:
    """The rule pack a version was loaded from by the system (its note, ``LOADED_FROM`` and
    the pack's file name), or None for a version a person made."""
    note = version.note or ""
    if version.created_by is None and note.startswith(LOADED_FROM):
        return note.removeprefix(LOADED_FROM)
    return None


@dataclass(frozen=True)
class SuspendedDistrictRule:
    """A district's rule that no longer tightens the city's rule in force (Art. 35): the
    city's rule governs the district until the district revises its own."""

    version: RecordTypeVersion
    problems: tuple[Loosening, ...]

    @property
    def jurisdiction(self) -> str:
        return self.version.jurisdiction


@dataclass(frozen=True)
class EffectiveRule:
    """The rule that applies to one record type in one area, and where it came from."""

    record_type: RecordType
    version: RecordTypeVersion
    definition: RecordTypeDefinition
    suspended: SuspendedDistrictRule | None = None

    @property
    def source_label(self) -> str:
        return self.version.source_label


def parse_definition(data: dict[str, Any]) -> RecordTypeDefinition:
    """Validate a definition; each problem is reported with its field path."""
    try:
        definition = RecordTypeDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(
            f"record type definition is invalid: {first['msg']}",
            code="invalid_definition",
            field=_field_path(first["loc"], data) or None,
            details={
                "problems": [
                    {"field": _field_path(e["loc"], data), "message": e["msg"]}
                    for e in exc.errors()
                ]
            },
        ) from exc
    check_allowed(definition)
    return definition


def _field_path(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """``fields.3.type`` as ``fields.fine_amount.type``: the field by the name the
    editor gave it, as the Art. 11 refusals name it, where the entry has one."""
    parts = [str(part) for part in loc]
    if len(loc) >= 2 and loc[0] == "fields" and isinstance(loc[1], int):
        entries = data.get("fields")
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name.strip():
            parts[1] = name
    return ".".join(parts)


@lru_cache(maxsize=512)
def _cached_definition(version_id: int, serialised: str) -> RecordTypeDefinition:
    return RecordTypeDefinition.model_validate_json(serialised)


def _definition_of(version: RecordTypeVersion) -> RecordTypeDefinition:
    return _cached_definition(version.id, json.dumps(version.definition, sort_keys=True))


def _latest(session: Session, record_type_id: int, jurisdiction: str) -> RecordTypeVersion | None:
    return session.scalar(
        select(RecordTypeVersion)
        .where(
            RecordTypeVersion.record_type_id == record_type_id,
            RecordTypeVersion.jurisdiction == jurisdiction,
        )
        .order_by(RecordTypeVersion.version_no.desc())
        .limit(1)
    )


def record_type_by_code(session: Session, code: str) -> RecordType:
    record_type = session.scalar(select(RecordType).where(RecordType.code == code))
    if record_type is None:
        raise NotFound(
            f"no record type {code!r} in the catalog", code="unknown_record_type", field="type"
        )
    return record_type


class StoredRule(NamedTuple):
    """A version's rule as stored: its id and its definition as JSON text, the keys under
    which its parsed definition and its comparisons are kept (versions never change)."""

    version_id: int
    serialised: str

    @classmethod
    def of(cls, version: RecordTypeVersion) -> StoredRule:
        return cls(version.id, json.dumps(version.definition, sort_keys=True))

    @property
    def definition(self) -> RecordTypeDefinition:
        return _cached_definition(self.version_id, self.serialised)


def governing(
    city: StoredRule, district: StoredRule | None
) -> tuple[StoredRule, tuple[Loosening, ...]]:
    """Which rule governs an area: the district's own where it has one that only adds to or
    tightens the city's rule in force, else the city's (Art. 35; decision 0015) — with, when
    the district's is set aside, how it loosens the city's. Every reader of a governing rule
    comes here: ``effective_rule`` for one area, ``RulesInForce`` for many records."""
    if district is None:
        return city, ()
    problems = _loosenings_between(
        city.version_id, city.serialised, district.version_id, district.serialised
    )
    return (city, problems) if problems else (district, ())


def effective_rule(
    session: Session, code: str, jurisdiction: str = CITY_JURISDICTION
) -> EffectiveRule:
    record_type = record_type_by_code(session, code)
    city = _latest(session, record_type.id, CITY_JURISDICTION)
    if city is None:
        raise NotFound(
            f"record type {code!r} has no rules yet", code="unknown_record_type", field="type"
        )
    district = (
        _latest(session, record_type.id, jurisdiction)
        if jurisdiction != CITY_JURISDICTION
        else None
    )
    if district is None:
        return EffectiveRule(record_type, city, _definition_of(city))
    chosen, problems = governing(StoredRule.of(city), StoredRule.of(district))
    if not problems:
        return EffectiveRule(record_type, district, chosen.definition)
    return EffectiveRule(
        record_type, city, chosen.definition, SuspendedDistrictRule(district, problems)
    )


class GovernedRecord(Protocol):
    """A credit record, as far as its rule goes: its type and its source."""

    @property
    def record_type_id(self) -> int: ...

    @property
    def source_organisation_id(self) -> int: ...


def governing_rule(session: Session, record: GovernedRecord) -> EffectiveRule:
    """The rule that governs a record: the one in force for its type in its source's area,
    whose rule collection applied to it (Art. 35) — the source's district's own rule, or the
    city's where the district has none or the city has since suspended it. What a record
    shows, whether it is public, how long, when it may be repaired: all read this rule."""
    record_type = session.get(RecordType, record.record_type_id)
    source = session.get(Organisation, record.source_organisation_id)
    assert record_type is not None
    assert source is not None
    return effective_rule(session, record_type.code, source.jurisdiction)


# The latest version of each record type's rule in each area: the rules in force (a
# district's may be suspended, ``governing``).
LATEST_VERSIONS = (
    select(
        RecordTypeVersion.record_type_id.label("type_id"),
        RecordTypeVersion.jurisdiction.label("jurisdiction"),
        func.max(RecordTypeVersion.version_no).label("version_no"),
    )
    .group_by(RecordTypeVersion.record_type_id, RecordTypeVersion.jurisdiction)
    .subquery()
)
# Built once: constructing the statement costs more than running it on the few rows.
_RULES_QUERY = (
    select(
        RecordType.id,
        RecordType.code,
        RecordTypeVersion.jurisdiction,
        RecordTypeVersion.id,
        cast(RecordTypeVersion.definition, Text),
        RecordTypeVersion.version_no,
    )
    .join(LATEST_VERSIONS, LATEST_VERSIONS.c.type_id == RecordType.id)
    .join(
        RecordTypeVersion,
        and_(
            RecordTypeVersion.record_type_id == RecordType.id,
            RecordTypeVersion.jurisdiction == LATEST_VERSIONS.c.jurisdiction,
            RecordTypeVersion.version_no == LATEST_VERSIONS.c.version_no,
        ),
    )
)


@dataclass
class RulesInForce:
    """Every record type's rules in force, the city's and each district's, read at once: the
    rule that governs a record of a type from a source in an area is ``for_record``, chosen
    by ``governing`` as ``effective_rule`` chooses it. For readers of many records (a
    credit file) that cannot ask the catalog record by record."""

    codes: dict[int, str] = field(default_factory=dict)
    city: dict[int, StoredRule] = field(default_factory=dict)
    districts: dict[tuple[int, str], StoredRule] = field(default_factory=dict)
    # Each version's name (``rule_label``), by its id.
    labels: dict[int, str] = field(default_factory=dict)

    def add(
        self,
        type_id: int,
        code: str,
        jurisdiction: str,
        version_id: int,
        serialised: str,
        version_no: int,
    ) -> None:
        """One type's latest version in one area (``CITY_JURISDICTION`` for the city)."""
        self.codes[type_id] = code
        rule = StoredRule(version_id, serialised)
        self.labels[version_id] = rule_label(jurisdiction, version_no)
        if jurisdiction == CITY_JURISDICTION:
            self.city[type_id] = rule
        else:
            self.districts[type_id, jurisdiction] = rule

    def for_record(self, type_id: int, jurisdiction: str) -> RecordTypeDefinition:
        """The rule governing a record of the type whose source is in ``jurisdiction``."""
        return self._governing(type_id, jurisdiction).definition

    def label_for_record(self, type_id: int, jurisdiction: str) -> str:
        """The name of that rule (``city rule v2``): a record shows it as its ``rule``."""
        return self.labels[self._governing(type_id, jurisdiction).version_id]

    def _governing(self, type_id: int, jurisdiction: str) -> StoredRule:
        rule, _problems = governing(self.city[type_id], self.districts.get((type_id, jurisdiction)))
        return rule


def rules_in_force(session: Session) -> RulesInForce:
    """Every record type's rules in force, in one query (the catalog has a few dozen types
    and a few district rules)."""
    rules = RulesInForce()
    for row in session.connection().execute(_RULES_QUERY):
        rules.add(*row)
    return rules


@dataclass(frozen=True)
class TypeWide:
    """What a record type is in every area: the attributes a district's rule must keep as
    the city's (``definitions.DEFINITION_RULES`` refuses any change of them, and a rule
    that changed them is suspended), so the city's rule answers them for every record of
    the type, whatever its source's area. Readers that select many records by their type
    (joint checks, red-list eligibility, grades) read these, and nothing else of a rule.
    The names are the city's: a district's rule may word them its own way, and a credit
    file shows each record's governing rule's."""

    code: str
    group: str
    category: Category
    polarity: Polarity
    name_zh: str
    name_en: str


@lru_cache(maxsize=512)
def _type_wide(version_id: int, serialised: str) -> TypeWide:
    definition = _cached_definition(version_id, serialised)
    return TypeWide(
        code=definition.code,
        group=definition.group,
        category=definition.category,
        polarity=definition.polarity,
        name_zh=definition.name_zh,
        name_en=definition.name_en,
    )


def type_wide(session: Session, type_ids: set[int] | None = None) -> dict[int, TypeWide]:
    """Every record type's (or those of ``type_ids``) ``TypeWide`` attributes."""
    rules = rules_in_force(session)
    return {
        type_id: _type_wide(*rule)
        for type_id, rule in rules.city.items()
        if type_ids is None or type_id in type_ids
    }


def city_rules(session: Session) -> dict[int, tuple[str, RecordTypeDefinition]]:
    """Every record type's code and city rule in force. For questions about a type as a
    whole that the city's rule answers for every area: what is public, as no district may
    publish more than the city (``publishes_non_public``, ``public_without_law``,
    ``publishes_unpublished_class``) — whether a query item needs a statutory exception
    (``disclosure.query_items``). Not for a record's own rule (``governing_rule``)."""
    rules = rules_in_force(session)
    return {
        type_id: (rules.codes[type_id], rule.definition) for type_id, rule in rules.city.items()
    }


@lru_cache(maxsize=256)
def _loosenings_between(
    city_id: int, city_serialised: str, district_id: int, district_serialised: str
) -> tuple[Loosening, ...]:
    # Versions are never changed, so the answer for a pair of them is kept; the serialised
    # definitions are part of the key because ids repeat across test databases.
    return tuple(
        loosenings(
            _cached_definition(city_id, city_serialised),
            _cached_definition(district_id, district_serialised),
        )
    )


def suspended_district_rules(session: Session, code: str) -> list[SuspendedDistrictRule]:
    """The districts whose own rule for this record type no longer tightens the city's."""
    record_type = record_type_by_code(session, code)
    city = _latest(session, record_type.id, CITY_JURISDICTION)
    if city is None:
        return []
    found: list[SuspendedDistrictRule] = []
    for district in _latest_district_versions(session, record_type.id):
        _chosen, problems = governing(StoredRule.of(city), StoredRule.of(district))
        if problems:
            found.append(SuspendedDistrictRule(district, problems))
    return found


def rules_by_jurisdiction(session: Session, code: str) -> dict[str, EffectiveRule]:
    """The rule in force for a record type in the city (``CITY_JURISDICTION``) and in each
    district that made one of its own (the city's where the district's is suspended):
    an area missing here follows the city's."""
    city = effective_rule(session, code)
    rules = {CITY_JURISDICTION: city}
    for district in _latest_district_versions(session, city.record_type.id):
        rules[district.jurisdiction] = effective_rule(session, code, district.jurisdiction)
    return rules


def _latest_district_versions(session: Session, record_type_id: int) -> list[RecordTypeVersion]:
    districts = session.scalars(
        select(RecordTypeVersion.jurisdiction)
        .where(
            RecordTypeVersion.record_type_id == record_type_id,
            RecordTypeVersion.jurisdiction != CITY_JURISDICTION,
        )
        .distinct()
        .order_by(RecordTypeVersion.jurisdiction)
    ).all()
    latest = (_latest(session, record_type_id, jurisdiction) for jurisdiction in districts)
    return [version for version in latest if version is not None]


def _add_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_type: RecordType,
    definition: RecordTypeDefinition,
    jurisdiction: str,
    note: str,
    suspends: list[str] | None = None,
    *,
    rule_pack: str | None = None,
    rule_pack_definition: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> RecordTypeVersion:
    latest = _latest(session, record_type.id, jurisdiction)
    version = RecordTypeVersion(
        record_type_id=record_type.id,
        jurisdiction=jurisdiction,
        version_no=(latest.version_no + 1) if latest else 1,
        definition=definition.model_dump(mode="json"),
        note=note,
        created_by=actor.audit().id,
        created_at=clock.now(),
        rule_pack=rule_pack,
        rule_pack_definition=rule_pack_definition,
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "catalog.record_type.version",
        target_type="record_type",
        target_id=record_type.id,
        details={
            "code": record_type.code,
            "jurisdiction": jurisdiction,
            "version": version.version_no,
            **({"suspends_district_rules": suspends} if suspends else {}),
            **(details or {}),
        },
    )
    return version


def create_record_type(
    session: Session,
    clock: Clock,
    actor: Actor,
    data: dict[str, Any],
    *,
    note: str = "created",
    rule_pack: str | None = None,
) -> EffectiveRule:
    """A new record type, version 1 of the city's rule; ``rule_pack`` names the pack it is
    loaded from (its definition is then the baseline of later pack changes)."""
    # A new type is version 1 of the city's rule: the city's credit authority's to make.
    require_rule_maker(session, actor, CITY_JURISDICTION)
    definition = parse_definition(data)
    if session.scalar(select(RecordType.id).where(RecordType.code == definition.code)):
        raise Conflict(
            f"record type {definition.code!r} exists already", code="duplicate", field="code"
        )
    record_type = RecordType(code=definition.code, created_at=clock.now())
    session.add(record_type)
    session.flush()
    version = _add_version(
        session,
        clock,
        actor,
        record_type,
        definition,
        CITY_JURISDICTION,
        note,
        rule_pack=rule_pack,
        rule_pack_definition=definition.model_dump(mode="json") if rule_pack else None,
    )
    return EffectiveRule(record_type, version, definition)


def parse_revision(code: str, data: dict[str, Any]) -> RecordTypeDefinition:
    """A revised definition of the record type ``code``: valid, and keeping its code."""
    definition = parse_definition(data)
    if definition.code != code:
        raise InvalidInput(
            "a revision must keep the record type's code", code="code_changed", field="code"
        )
    return definition


def add_city_version(
    session: Session,
    clock: Clock,
    actor: Actor,
    record_type: RecordType,
    definition: RecordTypeDefinition,
    note: str,
    *,
    rule_pack: str | None = None,
    rule_pack_definition: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> RecordTypeVersion:
    """A new version of the city's rule. The city may change its rule whatever the
    districts made of the old one; the districts it leaves looser are named in the audit
    and suspended (module docstring)."""
    suspends = [
        district.jurisdiction
        for district in _latest_district_versions(session, record_type.id)
        if loosenings(definition, _definition_of(district))
    ]
    return _add_version(
        session,
        clock,
        actor,
        record_type,
        definition,
        CITY_JURISDICTION,
        note,
        suspends,
        rule_pack=rule_pack,
        rule_pack_definition=rule_pack_definition,
        details=details,
    )


def latest_city_version(session: Session, record_type: RecordType) -> RecordTypeVersion:
    version = _latest(session, record_type.id, CITY_JURISDICTION)
    if version is None:
        raise NotFound(
            f"record type {record_type.code!r} has no rules yet",
            code="unknown_record_type",
            field="type",
        )
    return version


def own_area(session: Session, actor: Actor) -> str:
    """The area whose rules the actor writes: its organisation's (``require_rule_maker``),
    the city's for the platform itself."""
    own = (
        session.scalar(
            select(Organisation.jurisdiction).where(Organisation.id == actor.organisation_id)
        )
        if actor.organisation_id is not None
        else None
    )
    return own or CITY_JURISDICTION


def require_rule_maker(session: Session, actor: Actor, jurisdiction: str) -> None:
    """Who writes the rules of an area: the credit authority of that area, which acts in its
    own administrative area (Art. 6) — the city's its rule, a district's its district's
    implementing rules (Art. 35, made by the district's government; its credit authority
    keeps them on the platform). The city's authority does not write a district's rule: a
    rule nobody in the district decided would govern the district (decision 0040). The
    platform itself (the operator's command line, the rule pack) is not refused."""
    require(actor, Permission.MANAGE_CATALOG)
    if actor.kind == "system":
        return
    own = own_area(session, actor)
    if own == jurisdiction:
        return
    if own == CITY_JURISDICTION:
        raise PermissionDenied(
            "a district's rules are made by the district: its own credit authority writes them",
            code="district_rule_by_district",
            field="jurisdiction",
            article="Art. 35",
            details={"jurisdiction": jurisdiction},
        )
    raise PermissionDenied(
        "a credit authority writes the rules of its own administrative area only",
        code="outside_own_jurisdiction",
        field="jurisdiction",
        article="Art. 6",
        details={"jurisdiction": jurisdiction, "own_jurisdiction": own},
    )


def revise_record_type(
    session: Session,
    clock: Clock,
    actor: Actor,
    code: str,
    data: dict[str, Any],
    *,
    jurisdiction: str = CITY_JURISDICTION,
    note: str,
) -> EffectiveRule:
    """A new version of the city's rule, or a district's tightening of it (Art. 35), by the
    credit authority of that area (``require_rule_maker``)."""
    require(actor, Permission.MANAGE_CATALOG)
    jurisdiction = identifiers.normalise_division_code(jurisdiction) or ""
    if not jurisdiction.startswith("3501"):
        raise InvalidInput(
            "a district rule needs a Fuzhou district code (3501xx)",
            code="invalid_jurisdiction",
            field="jurisdiction",
            article="Art. 35",
        )
    require_rule_maker(session, actor, jurisdiction)
    record_type = record_type_by_code(session, code)
    definition = parse_revision(code, data)
    if jurisdiction == CITY_JURISDICTION:
        refuse_natural_key_change(session, record_type, definition)
        refuse_stored_records_change(session, record_type, definition)
        version = add_city_version(session, clock, actor, record_type, definition, note)
        return EffectiveRule(record_type, version, definition)
    check_tightens(effective_rule(session, code).definition, definition)
    refuse_stored_records_change(session, record_type, definition, jurisdiction=jurisdiction)
    version = _add_version(session, clock, actor, record_type, definition, jurisdiction, note)
    return EffectiveRule(record_type, version, definition)


def refuse_natural_key_change(
    session: Session, record_type: RecordType, definition: RecordTypeDefinition
) -> None:
    """Refuse a city rule that identifies the type's records by other fields while records
    of it are stored: each is keyed by the fields in force when it came in, so a source
    resending one would make a second record, both published (Art. 25's duplicate
    publication). What a type identifies stays; another identity is a new type (decision
    0005, addendum). A district rule keeps the city's key already (``check_tightens``)."""
    before = _definition_of(latest_city_version(session, record_type))
    if tuple(definition.natural_key) == tuple(before.natural_key):
        return
    # Imported here: collection is above the catalog, which it imports.
    from xinyong.collection.records import stored_of_type

    count = stored_of_type(session, record_type.id)
    if count:
        raise Conflict(
            f"{count} records of this type are stored under the fields that identify them "
            "now: a type's natural key stays while it has records; make a new record type",
            code="natural_key_in_use",
            field="natural_key",
            article="Art. 6",
            details={"records": count, "natural_key": list(before.natural_key)},
        )


def refuse_stored_records_change(
    session: Session,
    record_type: RecordType,
    definition: RecordTypeDefinition,
    *,
    jurisdiction: str = CITY_JURISDICTION,
    shipped: RecordTypeDefinition | None = None,
) -> None:
    """Refuse a rule that would change what the records of the type stored in its area
    *are* — their category or polarity, the kinds of subject and the fields naming them,
    the field dating them, a field's type, a field they hold — while any is stored: each
    was collected and checked by the rule it came in under, and every reader takes it as
    the rule in force says (a negative record made positive shows as positive beside the
    black-list entry resting on it). What a type is stays while it has records; another is
    a new type (decision 0005, session 18 addendum). The city's rule governs every record
    of the type (its type-wide attributes in every area); a district's, the records from
    its own area, compared with its own rule before and with the one governing them now.

    ``shipped``: the authority's answer to a rule-pack change (``rule_packs.reconcile``)
    may take in what the release ships, which brings what it does to the stored records
    with it (``rule_packs._redate``; decision 0045)."""
    if jurisdiction == CITY_JURISDICTION:
        befores = [_definition_of(latest_city_version(session, record_type))]
        area: str | None = None
    else:
        own = _latest(session, record_type.id, jurisdiction)
        governing_now = effective_rule(session, record_type.code, jurisdiction).definition
        befores = [*([_definition_of(own)] if own else []), governing_now]
        area = jurisdiction
    found = {
        (change.code, change.field): change
        for before in befores
        for change in stored_records_changes(before, definition)
        if shipped is None or value_at(definition, change.field) != value_at(shipped, change.field)
    }
    if not found:
        return
    # Imported here: collection is above the catalog, which it imports.
    from xinyong.collection.records import stored_of_type

    count = stored_of_type(session, record_type.id, area)
    if count:
        changes = list(found.values())
        raise Conflict(
            f"{count} records of this type are stored as its rule in force describes them: "
            "what they are stays while they are; make a new record type",
            code="type_in_use",
            field=changes[0].field,
            article="Art. 6",
            details={"records": count, "problems": [c._asdict() for c in changes]},
        )


def list_record_types(session: Session) -> list[EffectiveRule]:
    return [
        effective_rule(session, rt.code)
        for rt in session.scalars(select(RecordType).order_by(RecordType.code))
    ]


def history(session: Session, code: str) -> list[RecordTypeVersion]:
    record_type = record_type_by_code(session, code)
    return list(
        session.scalars(
            select(RecordTypeVersion)
            .where(RecordTypeVersion.record_type_id == record_type.id)
            .order_by(RecordTypeVersion.jurisdiction, RecordTypeVersion.version_no)
        )
    )


def read_rule_pack(path: Path = DEFAULT_RULEPACK) -> list[dict[str, Any]]:
    """Expand a rule pack's shared blocks and defaults into plain definitions."""
    with path.open("rb") as handle:
        pack = tomllib.load(handle)
    blocks = {name: block["fields"] for name, block in pack.get("blocks", {}).items()}
    defaults = pack.get("defaults", {})
    definitions: list[dict[str, Any]] = []
    for raw in pack["record_types"]:
        item = dict(defaults)
        uses, uses_after = raw.get("use", []), raw.get("use_after", [])
        # A table in a type (e.g. its disclosure) adds to the defaults' table of the same
        # name rather than replacing it: a type that sets only its severity field keeps
        # the default publicity periods.
        item.update(
            {
                k: {**defaults[k], **v}
                if isinstance(v, dict) and isinstance(defaults.get(k), dict)
                else v
                for k, v in raw.items()
                if k not in ("use", "use_after", "relabel")
            }
        )
        relabel = raw.get("relabel", {})
        shared = {field["name"] for name in (*uses, *uses_after) for field in blocks[name]}
        if unknown := set(relabel) - shared:
            raise ValueError(f"{raw['code']}: relabels no shared field: {sorted(unknown)}")
        item["fields"] = [
            *(_relabelled(field, relabel) for name in uses for field in blocks[name]),
            *raw.get("fields", []),
            *(_relabelled(field, relabel) for name in uses_after for field in blocks[name]),
        ]
        if "subject" not in uses:
            for key in ("subject_uscc_field", "subject_citizen_id_field", "subject_kind_field"):
                item[key] = raw.get(key)
            item.setdefault("subject_name_field", raw.get("subject_name_field"))
        for key in ("subject_uscc_field", "subject_citizen_id_field", "subject_kind_field"):
            if item.get(key) == "":
                item[key] = None
        definitions.append(item)
    return definitions


def _relabelled(field: dict[str, Any], relabel: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A shared block's field under the names one record type gives it (a licence's
    authority is its 许可机关, not a penalty's 处罚机关). The block's own labels stay
    accepted as column headers, so a file made to the shared names still imports."""
    labels = relabel.get(field["name"])
    if not labels:
        return field
    renamed = {**field, **labels}
    headers = (*field.get("aliases", ()), field["label_zh"], field["label_en"])
    own = {renamed["label_zh"], renamed["label_en"]}
    renamed["aliases"] = list(dict.fromkeys(h for h in headers if h not in own))
    return renamed


def load_rule_pack(session: Session, clock: Clock, path: Path = DEFAULT_RULEPACK) -> int:
    """Create the record types a rule pack has that the catalog lacks; returns how many.
    (``catalog.rule_packs.apply`` also brings the types the catalog has up to the pack.)"""
    existing = set(session.scalars(select(RecordType.code)))
    created = 0
    for data in read_rule_pack(path):
        if data["code"] not in existing:
            create_record_type(
                session,
                clock,
                SYSTEM_ACTOR,
                data,
                note=f"{LOADED_FROM}{path.name}",
                rule_pack=path.name,
            )
            created += 1
    return created
