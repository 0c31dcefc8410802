"""District rules (Art. 35; decision 0040): a district's rule may add to or tighten the city's
for its own area, never loosen it — every attribute of a definition compared by a rule of
its own (``definitions.DEFINITION_RULES`` …); the rule that governs a record is the one in
force for its type in its source's area, read by every consumer through
``catalog.governing_rule`` / ``catalog.RulesInForce`` (or, for what a type *is*, its
``TypeWide`` attributes, which no district rule changes); and a credit authority writes the
rules of its own area only (Art. 6)."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import create_model
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    penalty_row,
    person_penalty_row,
    problems_of,
    record_by_decision,
    snapshot,
    source_columns,
)
from tests.factories import OrganisationFactory, World, auth_headers, district_authority
from tests.lists_helpers import (
    court_row,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from tests.page_helpers import log_in
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.calendar import add_months
from xinyong.catalog import definitions
from xinyong.catalog import rule_packs as catalog_rule_packs
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import (
    DEFINITION_RULES,
    RULE_TABLES,
    Loosening,
    Polarity,
    RecordTypeDefinition,
    Refused,
    Severity,
    loosenings,
    missing_rules,
)
from xinyong.catalog.models import RecordTypeVersion
from xinyong.clock import Clock
from xinyong.collection import consent, sources
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import files
from xinyong.errors import Conflict, InvalidInput, PermissionDenied
from xinyong.lists import eligibility, grades, joint_checks
from xinyong.lists.models import ListEntry
from xinyong.objections import service as objections
from xinyong.repair import service as repair

DISTRICT = "350102"  # 鼓楼区
OTHER_DISTRICT = "350103"  # 台江区
COURT = "court_judgment_defaulter"
REGISTRATION = "registration"

PACK = {data["code"]: data for data in catalog.read_rule_pack()}


def pack_definition(code: str) -> dict[str, Any]:
    """The shipped rule of a type, as plain data to change."""
    return copy.deepcopy(RecordTypeDefinition.model_validate(PACK[code]).model_dump(mode="json"))


def field_of(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(spec for spec in data["fields"] if spec["name"] == name)


def current(session: Session, code: str, jurisdiction: str = "350100") -> dict[str, Any]:
    return catalog.effective_rule(session, code, jurisdiction).definition.model_dump(mode="json")


# --- every attribute has a rule ---------------------------------------------------------------


def test_every_attribute_of_a_definition_has_a_district_rule() -> None:
    """Fails when an attribute is added to a definition (or one of its parts) without a rule
    of how a district may change it: the module refuses to load then, too."""
    assert missing_rules() == {}


@pytest.mark.parametrize("table", sorted(RULE_TABLES))
def test_an_attribute_added_without_a_rule_is_found(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, rules = RULE_TABLES[table]
    extended = create_model(f"Extended{model.__name__}", __base__=model, new_attribute=(int, 0))
    monkeypatch.setitem(RULE_TABLES, table, (extended, rules))
    assert missing_rules() == {table: {"new_attribute"}}


def test_what_a_type_is_is_kept_by_every_district_rule() -> None:
    """The attributes the catalog's readers take as the type's in every area
    (``catalog.TypeWide``) are refused any change; the names are the city's, documented."""
    kept = set(catalog.TypeWide.__dataclass_fields__) - {"name_zh", "name_en"}
    for name in kept:
        rule = DEFINITION_RULES[name]
        assert isinstance(rule, Refused), name
        assert rule.loosens is definitions._changed, name


def test_the_shipped_rules_do_not_loosen_themselves() -> None:
    for code in PACK:
        rule = RecordTypeDefinition.model_validate(PACK[code])
        assert loosenings(rule, rule) == [], code


# --- what loosens -----------------------------------------------------------------------------


def _no_repair_exclusions(data: dict[str, Any]) -> None:
    data["repair_exclusions"] = []


def _neutral(data: dict[str, Any]) -> None:
    data["polarity"] = "neutral"


def _market(data: dict[str, Any]) -> None:
    data["category"] = "market"


def _minimum(severity: str, months: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        period = data["disclosure"]["periods"][severity]
        period["min_months"] = months
        if period.get("default_months") is not None:
            period["default_months"] = max(period["default_months"], months)

    return change


def _persons_too(data: dict[str, Any]) -> None:
    data["subject_kinds"] = [*data["subject_kinds"], "natural_person"]


def _set_field(name: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        field_of(data, name).update(values)

    return change


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return change


# (type, change, code, field, article): every way of loosening a district rule may not take.
LOOSENINGS: list[tuple[str, Callable[[dict[str, Any]], None], str, str, str]] = [
    # Art. 22: a defaulter does not repair its way off the black list.
    (COURT, _no_repair_exclusions, "drops_repair_exclusion", "repair_exclusions", "Art. 35, 22"),
    (PENALTY, _neutral, "changes_polarity", "polarity", "Art. 35"),
    (PENALTY, _market, "changes_category", "category", "Art. 35, 9"),
    # The minimum publicity period is a condition of repair (国家发展改革委令第36号).
    (
        COURT,
        _minimum("serious", 0),
        "shortens_minimum_publicity",
        "disclosure.periods.serious",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _minimum("general", 0),
        "shortens_minimum_publicity",
        "disclosure.periods.general",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _minimum("serious", 0),
        "shortens_minimum_publicity",
        "disclosure.periods.serious",
        "Art. 35, 21",
    ),
    (REGISTRATION, _persons_too, "admits_more_subject_kinds", "subject_kinds", "Art. 35, 11"),
    (
        PENALTY,
        _set("disclosure.mode", "non_public"),
        "withholds_public",
        "disclosure.mode",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _set("disclosure.periods.serious.published", False),
        "withholds_published_class",
        "disclosure.periods.serious",
        "Art. 35, 21",
    ),
    (
        COURT,
        _set("disclosure.periods.serious.default_months", 36),
        "lengthens_default_publicity",
        "disclosure.periods.serious",
        "Art. 35",
    ),
    (
        COURT,
        _set("disclosure.periods.serious.min_extension_months", 6),
        "shortens_extension",
        "disclosure.periods.serious",
        "Art. 35",
    ),
    (
        PENALTY,
        _set("disclosure.minor_if_only", ["警告", "通报批评"]),
        "changes_severity_rules",
        "disclosure.minor_if_only",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _set("disclosure.default_severity", "minor"),
        "changes_severity_rules",
        "disclosure.default_severity",
        "Art. 35, 21",
    ),
    # The values a record's class is read from: fewer leave the city's serious class out
    # of the district's reach, a serious penalty entered as general (Art. 21).
    (
        PENALTY,
        _set_field("severity", choices=["minor", "general", "轻微", "一般"]),
        "changes_severity_rules",
        "fields.severity.choices",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _set_field("severity", max_length=6),
        "changes_severity_rules",
        "fields.severity.max_length",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _set_field("penalty_category", max_length=20),
        "changes_severity_rules",
        "fields.penalty_category.max_length",
        "Art. 35, 21",
    ),
    (
        PENALTY,
        _set("disclosure.review_before_publicity", False),
        "skips_review",
        "disclosure.review_before_publicity",
        "Art. 35, 12(3)",
    ),
    (PENALTY, _set("group", "administrative_licensing"), "changes_group", "group", "Art. 35"),
    (
        PENALTY,
        _set("self_declared", True),
        "changes_self_declared",
        "self_declared",
        "Art. 35, 10 ¶2",
    ),
    (
        PENALTY,
        _set("natural_key", ["decision_number", "decision_date"]),
        "changes_natural_key",
        "natural_key",
        "Art. 35",
    ),
    (
        PENALTY,
        _set("decision_date_field", "penalty_valid_until"),
        "changes_decision_date_field",
        "decision_date_field",
        "Art. 35",
    ),
    (
        PENALTY,
        _set("subject_kind_field", None),
        "changes_subject_fields",
        "subject_kind_field",
        "Art. 35",
    ),
    (
        PENALTY,
        _set_field("fine_amount", type="text"),
        "changes_field_type",
        "fields.fine_amount",
        "Art. 35",
    ),
    (
        PENALTY,
        _set_field("violation_facts", max_length=6000),
        "lengthens_field",
        "fields.violation_facts",
        "Art. 35",
    ),
    (
        PENALTY,
        _set_field(
            "severity", choices=["minor", "general", "serious", "轻微", "一般", "严重", "特别严重"]
        ),
        "admits_more_choices",
        "fields.severity",
        "Art. 35",
    ),
    (
        PENALTY,
        _set_field("violation_facts", redactable=False),
        "drops_redaction",
        "fields.violation_facts",
        "Art. 35, 12(3)",
    ),
    (
        PENALTY,
        _set_field("publicity_deadline", not_before=None),
        "drops_date_order",
        "fields.publicity_deadline",
        "Art. 35",
    ),
    (
        PENALTY,
        _set_field("violation_type", required=False),
        "makes_field_optional",
        "fields.violation_type",
        "Art. 35",
    ),
    (
        PENALTY,
        _set("public_by_law_for_natural_persons", True),
        "public_without_law",
        "public_by_law_for_natural_persons",
        "Art. 35, 11",
    ),
]


def _with_review(code: str) -> dict[str, Any]:
    """The city's rule with a review before publicity (so that skipping it loosens) and
    not public by law (so that making it so loosens)."""
    data = pack_definition(code)
    data["disclosure"]["review_before_publicity"] = True
    data["public_by_law_for_natural_persons"] = False
    return data


@pytest.mark.parametrize(
    ("code", "change", "problem", "field", "article"),
    LOOSENINGS,
    ids=[f"{case[0]}-{case[2]}-{case[3]}" for case in LOOSENINGS],
)
def test_each_loosening_is_found_with_its_article(
    code: str, change: Callable[[dict[str, Any]], None], problem: str, field: str, article: str
) -> None:
    city = _with_review(code)
    district = copy.deepcopy(city)
    change(district)
    found = loosenings(
        RecordTypeDefinition.model_validate(city), RecordTypeDefinition.model_validate(district)
    )
    assert (problem, field, article) in [(p.code, p.field, p.article) for p in found]
    assert all(p.article.startswith("Art. 35") for p in found)


def _not_class_fields(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields a record's class is not read from: shorter values in those keep every
    class the city's rule reaches (a class field's own are the city's, Art. 21)."""
    disclosure = data["disclosure"]
    classed = {disclosure.get("severity_field"), disclosure.get("minor_if_only_field")}
    return [spec for spec in data["fields"] if spec["name"] not in classed]


# Ways of adding to or tightening a rule: none of them loosens it (Art. 35).
def _tighten(data: dict[str, Any], how: str, draw: st.DataObject) -> None:
    periods = data["disclosure"]["periods"]
    published = [name for name, period in periods.items() if period["published"]]
    if how == "require" and data["fields"]:
        draw.draw(st.sampled_from(data["fields"]))["required"] = True
    elif how == "restrict" and data["fields"]:
        draw.draw(st.sampled_from(data["fields"]))["sensitivity"] = "restricted"
    elif how == "shorter_values" and (unclassed := _not_class_fields(data)):
        spec = draw.draw(st.sampled_from(unclassed))
        spec["max_length"] = draw.draw(st.integers(1, spec.get("max_length", 500)))
    elif how == "review":
        data["disclosure"]["review_before_publicity"] = True
    elif how == "exclusion":
        data["repair_exclusions"] = sorted(
            {*data["repair_exclusions"], draw.draw(st.sampled_from(definitions.ART22_CASES))}
        )
    elif how == "fewer_subjects" and len(data["subject_kinds"]) > 1:
        data["subject_kinds"] = data["subject_kinds"][1:]
    elif how == "fewer_submitters" and len(data["submitter_kinds"]) > 1:
        data["submitter_kinds"] = data["submitter_kinds"][1:]
    elif how == "not_public_by_law":
        data["public_by_law_for_natural_persons"] = False
    elif how == "longer_minimum" and published:
        # Up to the publicity without a deadline: past it, that publicity would be longer.
        period = periods[draw.draw(st.sampled_from(published))]
        default = period.get("default_months")
        highest = period["max_months"] if default is None else default
        period["min_months"] = draw.draw(st.integers(period["min_months"], highest))
    elif how == "shorter_maximum" and published:
        period = periods[draw.draw(st.sampled_from(published))]
        period["max_months"] = draw.draw(st.integers(period["min_months"], period["max_months"]))
        if period.get("default_months") is not None:
            period["default_months"] = min(period["default_months"], period["max_months"])
    elif how == "more_fields" and "district_note" not in {f["name"] for f in data["fields"]}:
        data["fields"].append(
            {"name": "district_note", "label_zh": "区级补充说明", "label_en": "District note"}
        )
    elif how == "renamed":
        data["name_zh"] += "（区）"
        data["legal_basis"] += "；区实施细则"


TIGHTENINGS = (
    "require",
    "restrict",
    "shorter_values",
    "review",
    "exclusion",
    "fewer_subjects",
    "fewer_submitters",
    "not_public_by_law",
    "longer_minimum",
    "shorter_maximum",
    "more_fields",
    "renamed",
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    code=st.sampled_from(sorted(PACK)),
    ways=st.lists(st.sampled_from(TIGHTENINGS), max_size=6),
    data=st.data(),
)
def test_adding_to_or_tightening_a_rule_never_loosens_it(
    code: str, ways: list[str], data: st.DataObject
) -> None:
    city = pack_definition(code)
    district = copy.deepcopy(city)
    for how in ways:
        _tighten(district, how, data)
    assert (
        loosenings(
            RecordTypeDefinition.model_validate(city),
            RecordTypeDefinition.model_validate(district),
        )
        == []
    )


DEFINITIONS_MINIMUM_MESSAGE = (
    "a district rule cannot shorten the minimum publicity period: it is a condition of "
    "credit repair"
)


@settings(max_examples=100, deadline=None)
@given(code=st.sampled_from(sorted(PACK)), data=st.data())
def test_a_shorter_minimum_publicity_of_a_published_class_always_loosens(
    code: str, data: st.DataObject
) -> None:
    city = pack_definition(code)
    classes = [
        name
        for name, period in city["disclosure"]["periods"].items()
        if period["published"] and period["min_months"] > 0
    ]
    if city["disclosure"]["mode"] != "public" or not classes:
        return
    severity = data.draw(st.sampled_from(classes))
    district = copy.deepcopy(city)
    _minimum(
        severity,
        data.draw(st.integers(0, city["disclosure"]["periods"][severity]["min_months"] - 1)),
    )(district)
    found = loosenings(
        RecordTypeDefinition.model_validate(city), RecordTypeDefinition.model_validate(district)
    )
    assert (
        Loosening(
            "shortens_minimum_publicity",
            f"disclosure.periods.{severity}",
            DEFINITIONS_MINIMUM_MESSAGE,
            "Art. 35, 21",
        )
        in found
    )


# --- refused by the catalog, and a rule stored before suspended -------------------------------


@pytest.fixture
def gulou(collection_world: World, db: Session) -> Actor:
    """鼓楼区's credit authority officer, who writes 鼓楼区's rules (Art. 35)."""
    officer = district_authority(DISTRICT)
    db.commit()
    return accounts.actor_for_user(officer)


@pytest.mark.parametrize(
    ("code", "change", "problem", "field", "article"),
    [
        case
        for case in LOOSENINGS
        if case[0] in (COURT, REGISTRATION)
        or case[2] in ("changes_polarity", "changes_category", "shortens_minimum_publicity")
    ],
)
def test_the_catalog_refuses_a_district_rule_that_loosens(
    db: Session,
    clock: Clock,
    gulou: Actor,
    code: str,
    change: Callable[[dict[str, Any]], None],
    problem: str,
    field: str,
    article: str,
) -> None:
    data = current(db, code)
    change(data)
    before = snapshot(db, "record_type_version")
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(db, clock, gulou, code, data, jurisdiction=DISTRICT, note="放宽")
    assert caught.value.code == "district_rule_loosens"
    assert caught.value.article is not None
    assert caught.value.article.startswith("Art. 35")
    problems = caught.value.details["problems"]
    assert {"code": problem, "field": field, "article": article} in [
        {key: p[key] for key in ("code", "field", "article")} for p in problems
    ]
    assert snapshot(db, "record_type_version") == before


def test_a_defaulter_cannot_be_made_repairable_by_a_district_rule(
    db: Session, clock: Clock, gulou: Actor
) -> None:
    """The reproduced case: a district rule with no repair exclusion for court judgment
    defaulters would have let a defaulter repair its way off the black list (Art. 22(3))."""
    data = current(db, COURT)
    data["repair_exclusions"] = []
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(db, clock, gulou, COURT, data, jurisdiction=DISTRICT, note="x")
    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "district_rule_loosens",
        "repair_exclusions",
        "Art. 35, 22",
    )
    assert catalog.effective_rule(db, COURT, DISTRICT).definition.repair_exclusions == ("22(3)",)


def _stored_before(session: Session, code: str, definition: dict[str, Any]) -> None:
    """A district version as an earlier release took it in (no comparison of these
    attributes then): written as it was, without the catalog's check."""
    record_type = catalog.record_type_by_code(session, code)
    latest = session.scalar(
        select(RecordTypeVersion.version_no)
        .where(
            RecordTypeVersion.record_type_id == record_type.id,
            RecordTypeVersion.jurisdiction == DISTRICT,
        )
        .order_by(RecordTypeVersion.version_no.desc())
        .limit(1)
    )
    session.add(
        RecordTypeVersion(
            record_type_id=record_type.id,
            jurisdiction=DISTRICT,
            version_no=(latest or 0) + 1,
            definition=definition,
            note="stored by an earlier release",
            created_by="user:1",
            created_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        )
    )
    session.flush()


def test_a_loosening_district_rule_stored_before_is_suspended(
    collection_world: World, db: Session, clock: Clock
) -> None:
    data = current(db, COURT)
    data["repair_exclusions"] = []
    data["polarity"] = "neutral"
    _stored_before(db, COURT, data)
    rule = catalog.effective_rule(db, COURT, DISTRICT)
    assert rule.source_label == "city rule v1"
    assert rule.suspended is not None
    assert {p.code for p in rule.suspended.problems} == {
        "drops_repair_exclusion",
        "changes_polarity",
    }
    assert rule.definition.repair_exclusions == ("22(3)",)


# --- the rule that governs a record, for every consumer ---------------------------------------


@pytest.fixture
def gulou_world(collection_world: World, db: Session, clock: Clock, gulou: Actor) -> World:
    """鼓楼区's market regulator, responsible for penalties, with the person's consent (its
    penalties about persons need one under 鼓楼区's rule, below)."""
    world = collection_world
    regulator = OrganisationFactory(name="福州市鼓楼区市场监督管理局", jurisdiction=DISTRICT)
    world.organisations["gulou_regulator"] = regulator
    grant(db, clock, regulator, PENALTY)
    consent.grant(
        db,
        clock,
        accounts.actor_for_user(world.users["citizen"]),
        subject=world.subjects["person"],
        grantee=regulator,
        record_type_codes=[PENALTY],
        written=True,
        adverse_consequences_notified=False,
    )
    db.commit()
    return world


def _persons_not_public_in_gulou(db: Session, clock: Clock, gulou: Actor) -> None:
    """鼓楼区 keeps its penalties about natural persons from the public (Art. 35: it may
    protect more than the city does)."""
    data = current(db, PENALTY)
    data["public_by_law_for_natural_persons"] = False
    catalog.revise_record_type(
        db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="鼓楼区：自然人处罚不公示"
    )


def _person_penalties(db: Session, clock: Clock, world: World) -> tuple[CreditRecord, CreditRecord]:
    """The person's penalty from the city's regulator and one from 鼓楼区's."""
    person = world.subjects["person"]
    made = []
    for source in ("regulator", "gulou_regulator"):
        organisation = world.organisations[source]
        row = person_penalty_row(
            world, citizen_id_of(person), person.name, **source_columns(organisation)
        )
        report = ingest(db, clock, organisation, [row])
        assert problems_of(report) == [], problems_of(report)
        made.append(record_by_decision(db, row["decision_number"]))
    db.commit()
    return made[0], made[1]


def test_a_record_is_governed_by_the_rule_collection_applied(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    _persons_not_public_in_gulou(db, clock, gulou)
    city_record, district_record = _person_penalties(db, clock, gulou_world)
    assert city_record.rule_source == "city rule v1"
    assert district_record.rule_source == f"district {DISTRICT} rule v1"
    for record in (city_record, district_record):
        assert catalog.governing_rule(db, record).source_label == record.rule_source
    # The record's own readers (objections, repair, review, revocation) read it so.
    assert objections.definition_of(db, district_record).public_by_law_for_natural_persons is False
    assert objections.definition_of(db, city_record).public_by_law_for_natural_persons is True


def test_a_district_rule_keeps_its_persons_records_from_the_public_file(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor, client: TestClient
) -> None:
    """The reproduced case: 鼓楼区's persons' penalties were published by the city's rule."""
    _persons_not_public_in_gulou(db, clock, gulou)
    city_record, district_record = _person_penalties(db, clock, gulou_world)
    person = gulou_world.subjects["person"]
    today = clock.today()

    public = files.build_file(db, person, today=today, public_only=True)
    assert [view.id for view in public] == [city_record.id]

    # A query item stating no statutory exception shows the public part, and says how many
    # of its types' records it withheld (Art. 13 ¶3).
    read = files.public_part(db, person, today=today, record_type_codes={PENALTY})
    assert ([view.id for view in read.records], read.withheld_not_public) == ([city_record.id], 1)

    # The person's own file has both, each with its rule and whether it is public.
    own = {view.id: view for view in files.build_file(db, person, today=today)}
    assert (own[district_record.id].public, own[city_record.id].public) == (False, True)
    assert own[district_record.id].governing_rule == f"district {DISTRICT} rule v1"
    assert own[district_record.id].definition.public_by_law_for_natural_persons is False

    reference = person.reference
    response = client.get(f"/api/v1/subjects/{reference}/public")
    assert response.status_code == 200, response.text
    assert [item["id"] for item in response.json()["items"]] == [city_record.id]
    page = client.get(f"/subjects/{reference}").text
    assert city_record.natural_key.split("|")[-1] in page
    assert district_record.natural_key.split("|")[-1] not in page


def test_a_district_rule_made_after_the_file_was_read_changes_the_file(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """A file is made again when a district's rule changes (its rules are rows of the file
    query, ``files._FileCache``), not only the city's."""
    city_record, district_record = _person_penalties(db, clock, gulou_world)
    person = gulou_world.subjects["person"]
    before = files.build_file(db, person, today=clock.today(), public_only=True)
    assert {view.id for view in before} == {city_record.id, district_record.id}
    _persons_not_public_in_gulou(db, clock, gulou)
    after = files.build_file(db, person, today=clock.today(), public_only=True)
    assert [view.id for view in after] == [city_record.id]


def _company_penalty(db: Session, world: World, clock: Clock, source: str) -> CreditRecord:
    organisation = world.organisations[source]
    company = world.subjects["company"]
    row = penalty_row(
        world,
        subject_name=company.name,
        subject_uscc=company.uscc or "",
        **source_columns(organisation),
    )
    report = ingest(db, clock, organisation, [row])
    assert problems_of(report) == [], problems_of(report)
    record = record_by_decision(db, row["decision_number"])
    db.commit()
    return record


def test_a_record_shows_the_rule_in_force_that_governs_it(
    gulou_world: World, client: TestClient, db: Session, clock: Clock, gulou: Actor
) -> None:
    """Review r2, finding 4: 鼓楼区's rule, under which a penalty was collected, is suspended
    by a later city revision; the city's rule governs the record now (its labels, its
    repair minimum), and its ``rule`` says so, in the file, the public API and a report's
    items alike. The rule it was collected under is ``collected_under_rule``."""
    data = current(db, PENALTY)
    data["disclosure"]["periods"]["general"]["min_months"] = 6
    catalog.revise_record_type(db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="6")
    record = _company_penalty(db, gulou_world, clock, "gulou_regulator")
    district_rule = f"district {DISTRICT} rule v1"
    company = gulou_world.subjects["company"]

    def shown() -> tuple[str, str]:
        (view,) = [
            v for v in files.build_file(db, company, today=clock.today()) if v.id == record.id
        ]
        item = view.as_dict()
        assert view.report_item()[0]["rule"] == item["rule"]
        return item["rule"], item["collected_under_rule"]

    assert shown() == (district_rule, district_rule)
    city = current(db, PENALTY)
    city["disclosure"]["periods"]["general"]["min_months"] = 9
    authority = accounts.actor_for_user(gulou_world.users["authority"])
    catalog.revise_record_type(db, clock, authority, PENALTY, city, note="9")
    db.commit()
    assert catalog.effective_rule(db, PENALTY, DISTRICT).suspended is not None
    assert shown() == ("city rule v2", district_rule)
    public = client.get(f"/api/v1/subjects/{company.reference}/public").json()
    (item,) = [i for i in public["items"] if i["id"] == record.id]
    assert (item["rule"], item["collected_under_rule"]) == ("city rule v2", district_rule)


def test_repair_reads_the_district_rule_of_the_record(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """鼓楼区 names a case of Art. 22 for its penalties (it may add to the city's): the
    repair checklist of its record excludes it, the city's record's does not."""
    data = current(db, PENALTY)
    data["repair_exclusions"] = ["22(2)"]
    catalog.revise_record_type(db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="x")
    city_record = _company_penalty(db, gulou_world, clock, "regulator")
    district_record = _company_penalty(db, gulou_world, clock, "gulou_regulator")
    company = accounts.actor_for_user(gulou_world.users["company"])

    def art22_2(record: CreditRecord) -> bool:
        checks = repair.checklist(db, clock, company, record.id)
        return next(check for check in checks if check.code == "art22_2").ok

    assert art22_2(city_record) is True
    assert art22_2(district_record) is False


def test_a_district_rule_stored_before_that_loosens_governs_no_record(
    gulou_world: World, db: Session, clock: Clock
) -> None:
    """An earlier release's district rule that shortened the minimum publicity period is
    suspended: the record's repair waits for the city's minimum (Order 36)."""
    data = current(db, PENALTY)
    data["disclosure"]["periods"]["general"]["min_months"] = 0
    _stored_before(db, PENALTY, data)
    record = _company_penalty(db, gulou_world, clock, "gulou_regulator")
    assert record.rule_source == "city rule v1"
    assert catalog.governing_rule(db, record).source_label == "city rule v1"
    period = objections.definition_of(db, record).disclosure.period(Severity.GENERAL)
    assert period.min_months == 3


def test_the_type_wide_readers_count_a_districts_record_as_the_type_is(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """Red-list eligibility, the joint checks' bad records and grades read what a type is
    (``catalog.TypeWide``): a district's penalty is a negative public record as the city's
    is — and a district rule stored before that called it neutral governs nothing."""
    data = current(db, PENALTY)
    data["disclosure"]["review_before_publicity"] = True
    catalog.revise_record_type(db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="x")
    record = _company_penalty(db, gulou_world, clock, "gulou_regulator")
    assert record.rule_source == f"district {DISTRICT} rule v1"
    legacy = current(db, PENALTY, DISTRICT)
    legacy["polarity"] = "neutral"
    legacy["category"] = "market"
    _stored_before(db, PENALTY, legacy)
    assert catalog.effective_rule(db, PENALTY, DISTRICT).suspended is not None

    kinds = catalog.type_wide(db)
    penalty = kinds[record.record_type_id]
    assert (penalty.polarity, penalty.code) == (Polarity.NEGATIVE, PENALTY)
    company = gulou_world.subjects["company"]
    # Red-list eligibility: a bad record within the years.
    bad = eligibility.latest_bad_record(db, company.id, dt.date(2020, 1, 1))
    assert bad is not None
    assert bad[0] == record.decision_date
    # The joint check's green channel: none, for the bad record.
    querier = accounts.actor_for_user(gulou_world.users["querier"])
    answer = joint_checks.check(
        db, clock, querier, "administrative_licensing", [company.uscc or ""], clean_years=3
    )
    (result,) = [json.loads(item) for item in answer.results]
    assert (result["green_channel"], result["green_channel_reason"]) == (False, "bad_record")
    # The grade: the record counts as a negative one.
    _grade, _score, contributions = grades.compute(
        db, company, clock.today(), grades.active_model(db)
    )
    assert any(c.get("record_id") == record.id and c["points"] < 0 for c in contributions)


def test_a_district_courts_defaulter_stays_listed_as_its_districts_rule_says(
    lists_world: World, db: Session, clock: Clock
) -> None:
    """The list term of a court judgment defaulter reaches as far as the publicity of the
    rule governing the court's record: 鼓楼区 holds it to four years, the city to five."""
    world = lists_world
    gulou = accounts.actor_for_user(district_authority(DISTRICT))
    data = current(db, COURT)
    data["disclosure"]["periods"]["serious"]["max_months"] = 48
    catalog.revise_record_type(
        db, clock, gulou, COURT, data, jurisdiction=DISTRICT, note="鼓楼区：至多四年"
    )
    district_court = OrganisationFactory(
        name="福州市鼓楼区人民法院", kind=OrganisationKind.JUDICIAL_ORGAN, jurisdiction=DISTRICT
    )
    grant(db, clock, district_court, COURT)
    company = world.subjects["company"]
    terms: dict[str, tuple[dt.date, dt.date | None]] = {}
    for court in (world.organisations["court"], district_court):
        row = court_row(world, company, court=court.name, **source_columns(court))
        start = dt.date.fromisoformat(row["published_on"])
        row["publicity_deadline"] = add_months(start, 60).isoformat()
        report = ingest(db, clock, court, [row], record_type=COURT)
        assert problems_of(report) == [], problems_of(report)
        record = record_by_decision(db, row["case_number"])
        entry = db.scalar(select(ListEntry).where(ListEntry.source_record_id == record.id))
        assert entry is not None
        terms[court.jurisdiction] = (start, entry.term_end)
    city_start, city_end = terms["350100"]
    assert city_end == add_months(city_start, 60)
    district_start, district_end = terms[DISTRICT]
    assert district_end == add_months(district_start, 48)


def test_consent_is_asked_by_the_rule_the_grantee_collects_under(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """鼓楼区 declares the remarks of its penalties restricted (Art. 11 ¶2): a consent to
    鼓楼区's regulator without notice of the adverse consequences is refused at once, one
    to the city's regulator is not."""
    data = current(db, PENALTY)
    field_of(data, "remarks")["sensitivity"] = "restricted"
    catalog.revise_record_type(db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="x")
    citizen = accounts.actor_for_user(gulou_world.users["citizen"])

    def give(grantee: str) -> None:
        consent.grant(
            db,
            clock,
            citizen,
            subject=gulou_world.subjects["person"],
            grantee=gulou_world.organisations[grantee],
            record_type_codes=[PENALTY],
            written=True,
            adverse_consequences_notified=False,
        )

    give("regulator")
    with pytest.raises(InvalidInput) as caught:
        give("gulou_regulator")
    assert (caught.value.code, caught.value.article) == (
        "adverse_consequences_notice_required",
        "Art. 11 ¶2",
    )


# --- a district rule keeps what its area's stored records are (decision 0005, session 18) ---


def _district_note(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    """The rule with a field of 鼓楼区's own (Art. 35: a district may add fields)."""
    data["fields"] = [spec for spec in data["fields"] if spec["name"] != "district_note"]
    data["fields"].append(
        {"name": "district_note", "label_zh": "区级补充说明", "label_en": "District note", **values}
    )
    return data


def _gulou_penalty(db: Session, clock: Clock, world: World, **values: str) -> None:
    organisation = world.organisations["gulou_regulator"]
    report = ingest(
        db, clock, organisation, [penalty_row(world, **source_columns(organisation), **values)]
    )
    assert problems_of(report) == [], problems_of(report)
    db.commit()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            lambda d: d.update(fields=[f for f in d["fields"] if f["name"] != "district_note"]),
            "fields.district_note",
        ),
        (lambda d: _district_note(d, type="date"), "fields.district_note.type"),
        (lambda d: d.update(subject_kinds=["natural_person"]), "subject_kinds"),
    ],
    ids=["dropped", "field_type", "fewer_kinds"],
)
def test_a_district_rule_keeps_what_its_areas_stored_records_are(
    gulou_world: World,
    db: Session,
    clock: Clock,
    gulou: Actor,
    change: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    """A district's own field, which its records hold, stays and keeps its type; the kinds
    of subject its records are about stay (the city's fields, date and identity are kept by
    ``check_tightens`` already). Refused as a city revision is: 409 ``type_in_use``."""
    data = _district_note(current(db, PENALTY))
    catalog.revise_record_type(
        db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="加字段"
    )
    _gulou_penalty(db, clock, gulou_world, district_note="鼓楼区抽检")
    change(data)
    before = snapshot(db, "record_type_version")
    with pytest.raises(Conflict) as refused:
        catalog.revise_record_type(
            db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="改变类型"
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "type_in_use",
        field,
        "Art. 6",
    )
    assert refused.value.details["records"] == 1
    assert snapshot(db, "record_type_version") == before
    # Tightened, the same field is taken.
    tightened = _district_note(current(db, PENALTY, DISTRICT), required=True, max_length=100)
    rule = catalog.revise_record_type(
        db, clock, gulou, PENALTY, tightened, jurisdiction=DISTRICT, note="从严"
    )
    assert rule.source_label == f"district {DISTRICT} rule v2"


def test_a_district_with_no_records_of_its_own_may_change_its_rule(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """The records counted are those its rule governs: from sources of its area."""
    ingest(db, clock, gulou_world.organisations["regulator"], [penalty_row(gulou_world)])
    db.commit()
    data = _district_note(current(db, PENALTY))
    catalog.revise_record_type(db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="加")
    data["fields"] = [spec for spec in data["fields"] if spec["name"] != "district_note"]
    data["subject_kinds"] = ["legal_person"]
    rule = catalog.revise_record_type(
        db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="删"
    )
    assert rule.source_label == f"district {DISTRICT} rule v2"


# --- a district rule keeps the values a record's class is read from (Art. 35, 21) -------------


def test_a_district_rule_cannot_put_the_citys_serious_class_out_of_reach(
    collection_world: World, client: TestClient, db: Session, clock: Clock, gulou: Actor
) -> None:
    """Review r2, finding 2: 福清 narrowed the severity field's choices to minor and general,
    and a serious penalty from 福清 could enter only as general — 3 months' minimum publicity
    instead of 12, repairable 9 months sooner. Refused through the API as changing
    ``severity_field`` is; a rule stored before so is suspended, the city's governing."""
    url = f"/api/v1/catalog/record-types/{PENALTY}"
    headers = auth_headers(client, f"authority_{DISTRICT}")
    cases = [
        ("severity", {"choices": ["minor", "general", "轻微", "一般"]}, "choices"),
        ("severity", {"max_length": 6}, "max_length"),
        ("penalty_category", {"max_length": 20}, "max_length"),
    ]
    before = snapshot(db, "record_type_version")
    for name, values, attribute in cases:
        data = current(db, PENALTY)
        field_of(data, name).update(values)
        response = client.put(
            url, params={"jurisdiction": DISTRICT, "note": "缩减"}, json=data, headers=headers
        )
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"], error["article"]) == (
            "district_rule_loosens",
            f"fields.{name}.{attribute}",
            "Art. 35, 21",
        )
        assert [p["code"] for p in error["details"]["problems"]] == ["changes_severity_rules"]
    assert snapshot(db, "record_type_version") == before

    narrowed = current(db, PENALTY)
    field_of(narrowed, "severity")["choices"] = ["minor", "general", "轻微", "一般"]
    _stored_before(db, PENALTY, narrowed)
    rule = catalog.effective_rule(db, PENALTY, DISTRICT)
    assert rule.source_label == "city rule v1"
    assert rule.suspended is not None
    assert [p.code for p in rule.suspended.problems] == ["changes_severity_rules"]
    assert "serious" in rule.definition.field("severity").choices


# --- who writes which rule (Art. 6, 35) --------------------------------------------------------


def test_the_city_authority_writes_the_citys_rule_and_no_districts(
    collection_world: World, db: Session, clock: Clock
) -> None:
    authority = accounts.actor_for_user(collection_world.users["authority"])
    data = current(db, PENALTY)
    data["disclosure"]["review_before_publicity"] = True
    with pytest.raises(PermissionDenied) as caught:
        catalog.revise_record_type(
            db, clock, authority, PENALTY, data, jurisdiction=DISTRICT, note="代区里定"
        )
    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "district_rule_by_district",
        "jurisdiction",
        "Art. 35",
    )
    assert (
        catalog.revise_record_type(db, clock, authority, PENALTY, data, note="全市").source_label
        == "city rule v2"
    )


@pytest.mark.parametrize("jurisdiction", ["350100", OTHER_DISTRICT])
def test_a_district_authority_writes_its_own_districts_rule_only(
    db: Session, clock: Clock, gulou: Actor, jurisdiction: str
) -> None:
    """The reproduced case: 鼓楼区's credit authority revised the city's rule and wrote
    台江区's."""
    data = current(db, PENALTY)
    data["disclosure"]["review_before_publicity"] = True
    before = snapshot(db, "record_type_version")
    with pytest.raises(PermissionDenied) as caught:
        catalog.revise_record_type(
            db, clock, gulou, PENALTY, data, jurisdiction=jurisdiction, note="越权"
        )
    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "outside_own_jurisdiction",
        "jurisdiction",
        "Art. 6",
    )
    assert snapshot(db, "record_type_version") == before
    rule = catalog.revise_record_type(
        db, clock, gulou, PENALTY, data, jurisdiction=DISTRICT, note="鼓楼区"
    )
    assert rule.source_label == f"district {DISTRICT} rule v1"


def test_a_district_authority_makes_no_record_type_and_answers_no_rule_pack(
    db: Session, clock: Clock, gulou: Actor
) -> None:
    new = pack_definition(PENALTY)
    new["code"] = "district_inspection"
    with pytest.raises(PermissionDenied) as caught:
        catalog.create_record_type(db, clock, gulou, new)
    assert (caught.value.code, caught.value.article) == ("outside_own_jurisdiction", "Art. 6")
    with pytest.raises(PermissionDenied) as answered:
        catalog_rule_packs.reconcile(
            db, clock, gulou, PENALTY, current(db, PENALTY), note="x", shipped_digest="x"
        )
    assert (answered.value.code, answered.value.article) == ("outside_own_jurisdiction", "Art. 6")


def test_the_api_refuses_another_areas_rule_with_a_code_and_article(
    collection_world: World, client: TestClient, db: Session, gulou: Actor
) -> None:
    url = f"/api/v1/catalog/record-types/{PENALTY}"
    data = current(db, PENALTY)
    data["disclosure"]["review_before_publicity"] = True
    cases = [
        ("authority", DISTRICT, "district_rule_by_district", "Art. 35"),
        (f"authority_{DISTRICT}", "350100", "outside_own_jurisdiction", "Art. 6"),
        (f"authority_{DISTRICT}", OTHER_DISTRICT, "outside_own_jurisdiction", "Art. 6"),
    ]
    for username, jurisdiction, code, article in cases:
        response = client.put(
            url,
            params={"jurisdiction": jurisdiction, "note": "x"},
            json=data,
            headers=auth_headers(client, username),
        )
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert (error["code"], error["article"], error["field"]) == (code, article, "jurisdiction")
    created = client.post(
        "/api/v1/catalog/record-types",
        json={**data, "code": "district_inspection"},
        headers=auth_headers(client, f"authority_{DISTRICT}"),
    )
    assert created.status_code == 403, created.text
    assert created.json()["error"]["code"] == "outside_own_jurisdiction"


def test_a_credit_authority_is_the_citys_or_a_fuzhou_districts(
    collection_world: World, db: Session, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as caught:
        OrganisationFactory(
            name="厦门市发展和改革委员会",
            kind=OrganisationKind.CREDIT_AUTHORITY,
            jurisdiction="350200",
        )
    assert (caught.value.code, caught.value.field, caught.value.article) == (
        "invalid_jurisdiction",
        "jurisdiction",
        "Art. 6",
    )
    # Another kind of organisation of elsewhere is not refused: it acts under no area's rule.
    assert OrganisationFactory(name="厦门市某局", jurisdiction="350200").jurisdiction == "350200"


def test_a_district_authority_keeps_its_own_districts_responsibilities(
    gulou_world: World, db: Session, clock: Clock, gulou: Actor
) -> None:
    """The responsibility list (Art. 9): 鼓楼区's authority grants and revokes its own
    district's organisations' responsibilities, not the city's agencies'."""
    city_agency = gulou_world.organisations["other_agency"]
    with pytest.raises(PermissionDenied) as caught:
        sources.grant(db, clock, gulou, city_agency, PENALTY)
    assert (caught.value.code, caught.value.article) == ("outside_own_jurisdiction", "Art. 6")
    with pytest.raises(PermissionDenied):
        sources.revoke(db, clock, gulou, gulou_world.organisations["regulator"], PENALTY)
    own = gulou_world.organisations["gulou_regulator"]
    sources.revoke(db, clock, gulou, own, PENALTY)
    sources.grant(db, clock, gulou, own, PENALTY)
    # The city's authority keeps every organisation's.
    authority = accounts.actor_for_user(gulou_world.users["authority"])
    sources.grant(db, clock, authority, own, "administrative_license")


def test_the_revise_page_starts_from_the_officers_own_area(
    collection_world: World, client: TestClient, db: Session, gulou: Actor
) -> None:
    log_in(client, f"authority_{DISTRICT}")
    form = client.get(f"/admin/catalog/{PENALTY}/revise")
    assert form.status_code == 200
    assert f'value="{DISTRICT}"' in form.text
    log_in(client, "authority")
    assert 'value="350100"' in client.get(f"/admin/catalog/{PENALTY}/revise").text


def test_system_actor_still_writes_any_area(
    db: Session, clock: Clock, catalog_loaded: Session
) -> None:
    """The platform itself (the operator's command line) is not an area's authority."""
    data = current(db, PENALTY)
    data["disclosure"]["review_before_publicity"] = True
    rule = catalog.revise_record_type(
        db, clock, SYSTEM_ACTOR, PENALTY, data, jurisdiction=DISTRICT, note="operator"
    )
    assert rule.source_label == f"district {DISTRICT} rule v1"
    assert json.dumps(rule.definition.model_dump(mode="json"), sort_keys=True)
