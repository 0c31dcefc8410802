"""The information catalog as data (Art. 9, 11, 35) and the responsibility list (Art. 9–10):
the Fuzhou rule pack, the Art. 11 field checks, versions, and district rules that may only
tighten the city's."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    SHUANG_GONGSHI_HEADERS,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    penalty_row,
    problems_of,
    record_by_decision,
    snapshot,
)
from tests.factories import OrganisationFactory, World, auth_headers, district_authority
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit.models import AuditEvent
from xinyong.calendar import add_months
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import (
    Category,
    FieldType,
    Loosening,
    Polarity,
    RecordTypeDefinition,
    Sensitivity,
    Severity,
    stored_records_changes,
)
from xinyong.catalog.models import RecordType, RecordTypeVersion
from xinyong.clock import Clock
from xinyong.collection import sources
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied

DISTRICT = "350102"  # 鼓楼区

# Every group rules.md and issue 3 ask for: code → (group, category).
EXPECTED_TYPES: dict[str, tuple[str, Category]] = {
    "registration": ("registration", Category.PUBLIC),
    "administrative_license": ("administrative_licensing", Category.PUBLIC),
    "administrative_penalty": ("administrative_penalty", Category.PUBLIC),
    "administrative_compulsion": ("administrative_compulsion", Category.PUBLIC),
    "administrative_confirmation": ("administrative_confirmation", Category.PUBLIC),
    "administrative_reward": ("administrative_reward", Category.PUBLIC),
    "administrative_inspection": ("administrative_inspection", Category.PUBLIC),
    "court_judgment_defaulter": ("judicial_enforcement", Category.PUBLIC),
    "major_tax_violation": ("tax", Category.PUBLIC),
    "social_insurance_arrears": ("social_insurance", Category.PUBLIC),
    "credit_commitment": ("credit_commitment", Category.PUBLIC),
    "credit_evaluation": ("credit_evaluation", Category.PUBLIC),
    "honour": ("honour", Category.PUBLIC),
    "contract_performance": ("contract_performance", Category.MARKET),
    "utility_arrears": ("utility_arrears", Category.MARKET),
    "association_evaluation": ("association_evaluation", Category.MARKET),
}


def actor(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


def new_definition(code: str = "fire_safety_check", **changes: Any) -> dict[str, Any]:
    """A small, valid record type: a fire-safety check of an organisation."""
    data: dict[str, Any] = {
        "code": code,
        "name_zh": "消防安全检查",
        "name_en": "Fire-safety check",
        "group": "administrative_inspection",
        "category": "public",
        "polarity": "neutral",
        "legal_basis": "《中华人民共和国消防法》第五十三条",
        "fields": [
            {"name": "subject_name", "label_zh": "单位名称", "label_en": "Name", "required": True},
            {
                "name": "subject_uscc",
                "label_zh": "统一社会信用代码",
                "label_en": "Code",
                "type": "uscc",
                "required": True,
            },
            {"name": "check_number", "label_zh": "检查编号", "label_en": "No.", "required": True},
            {"name": "checked_on", "label_zh": "检查日期", "label_en": "Date", "type": "date"},
            {"name": "result", "label_zh": "检查结果", "label_en": "Result"},
        ],
        "subject_kinds": ["legal_person", "unincorporated_organisation"],
        "subject_name_field": "subject_name",
        "subject_uscc_field": "subject_uscc",
        "decision_date_field": "checked_on",
        "natural_key": ["check_number"],
        "submitter_kinds": ["state_organ"],
    }
    data.update(changes)
    return data


def with_field(data: dict[str, Any], field: dict[str, Any]) -> dict[str, Any]:
    return {**data, "fields": [*data["fields"], field]}


def current(db: Session, code: str, jurisdiction: str = "350100") -> dict[str, Any]:
    return copy.deepcopy(
        catalog.effective_rule(db, code, jurisdiction).definition.model_dump(mode="json")
    )


# --- the rule pack -----------------------------------------------------------------------


def test_the_rule_pack_ships_every_catalog_group(catalog_loaded: Session, clock: Clock) -> None:
    rules = {rule.definition.code: rule for rule in catalog.list_record_types(catalog_loaded)}
    for code, (group, category) in EXPECTED_TYPES.items():
        assert code in rules, f"{code} is missing from the rule pack"
        definition = rules[code].definition
        assert (definition.group, definition.category) == (group, category)
        assert definition.legal_basis
        assert rules[code].source_label == "city rule v1"
    # Polarity and disclosure as the catalog says.
    assert rules["administrative_penalty"].definition.polarity is Polarity.NEGATIVE
    assert rules["honour"].definition.polarity is Polarity.POSITIVE
    for code in ("contract_performance", "utility_arrears", "association_evaluation"):
        assert rules[code].definition.disclosure.mode == "non_public"
        assert OrganisationKind.STATE_ORGAN.value not in rules[code].definition.submitter_kinds
    assert rules["court_judgment_defaulter"].definition.submitter_kinds == ("judicial_organ",)
    assert rules["association_evaluation"].definition.submitter_kinds == ("industry_association",)
    # Loading again adds nothing.
    assert catalog.load_rule_pack(catalog_loaded, clock) == 0
    assert len(catalog_loaded.scalars(select(RecordType)).all()) == len(rules)


def test_the_penalty_type_takes_the_shuang_gongshi_headers(catalog_loaded: Session) -> None:
    definition = catalog.effective_rule(catalog_loaded, PENALTY).definition
    header_map = definition.header_map()
    for header in SHUANG_GONGSHI_HEADERS:
        assert header.lower() in header_map, f"{header} is not accepted"
    assert len({header_map[h.lower()] for h in SHUANG_GONGSHI_HEADERS}) == 23
    required = {spec.name for spec in definition.fields if spec.required}
    assert required == {
        "subject_name",
        "subject_category",
        "decision_number",
        "violation_type",
        "legal_basis",
        "penalty_category",
        "penalty_content",
        "decision_date",
        "authority",
        "authority_uscc",
        "source_unit",
        "source_unit_uscc",
    }
    assert definition.field("subject_category").choices == (
        "法人及非法人组织",
        "个体工商户",
        "自然人",
    )
    assert definition.field("fine_amount").type is FieldType.DECIMAL
    assert definition.field("id_number").type is FieldType.CITIZEN_ID
    assert definition.natural_key == ("decision_number",)
    assert definition.public_by_law_for_natural_persons
    # Publicity by severity class (rules.md, NDRC Order No. 36; SAMR Order 45).
    disclosure = definition.disclosure
    assert disclosure.mode == "public"
    assert disclosure.minor_if_only == ("警告",)
    periods = {s: disclosure.period(s) for s in Severity}
    assert (periods[Severity.MINOR].published, periods[Severity.MINOR].max_months) == (False, 3)
    assert (periods[Severity.GENERAL].min_months, periods[Severity.GENERAL].max_months) == (3, 12)
    assert (periods[Severity.SERIOUS].min_months, periods[Severity.SERIOUS].max_months) == (12, 36)
    assert periods[Severity.GENERAL].published
    assert periods[Severity.SERIOUS].published


@pytest.mark.parametrize(
    ("code", "label_zh", "label_en"),
    [
        (PENALTY, "处罚机关", "Penalising authority"),
        ("administrative_license", "许可机关", "Licensing authority"),
        ("administrative_compulsion", "实施机关", "Implementing authority"),
        ("administrative_confirmation", "确认机关", "Confirming authority"),
        ("administrative_reward", "奖励机关", "Awarding authority"),
        ("administrative_inspection", "检查实施机关", "Inspecting authority"),
        ("abnormal_operation", "列入决定机关", "Listing authority"),
        ("court_judgment_defaulter", "决定法院", "Deciding court"),
        ("major_tax_violation", "认定机关", "Determining authority"),
        ("social_insurance_arrears", "认定机关", "Determining authority"),
        ("registration", "决定机关", "Deciding authority"),
    ],
)
def test_each_type_names_its_deciding_authority_in_its_own_words(
    catalog_loaded: Session, code: str, label_zh: str, label_en: str
) -> None:
    definition = catalog.effective_rule(catalog_loaded, code).definition
    authority, authority_code = definition.field("authority"), definition.field("authority_uscc")
    assert (authority.label_zh, authority.label_en) == (label_zh, label_en)
    assert authority_code.label_zh == f"{label_zh}统一社会信用代码"
    # The headers the shared block had, for every type, are still taken on import.
    header_map = definition.header_map()
    for header in ("处罚机关", "决定机关", "许可机关", "实施机关", "Deciding authority"):
        assert header_map[header.lower()] == "authority", header
    for header in (
        "处罚机关统一社会信用代码",
        "决定机关统一社会信用代码",
        "Deciding authority code",
    ):
        assert header_map[header.lower()] == "authority_uscc", header


def test_a_type_relabels_only_the_shared_fields_it_uses(tmp_path: Path) -> None:
    pack = tmp_path / "pack.toml"
    pack.write_text(
        '[blocks.source]\nfields = [{ name = "authority", label_zh = "决定机关", label_en = "A" }]\n'
        '[[record_types]]\ncode = "x"\nuse_after = ["source"]\n'
        'relabel = { authorty = { label_zh = "许可机关" } }\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="authorty"):
        catalog.read_rule_pack(pack)


def test_restricted_fields_of_the_pack_are_declared(catalog_loaded: Session) -> None:
    tax = catalog.effective_rule(catalog_loaded, "major_tax_violation").definition
    assert tax.field("tax_amount_evaded").sensitivity is Sensitivity.RESTRICTED


# --- Art. 11 checks on definitions -------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    [
        {"name": "blood", "label_zh": "血型", "label_en": "Blood"},
        {"name": "religion", "label_zh": "信息", "label_en": "Info"},
        {"name": "prints", "label_zh": "指纹", "label_en": "Prints"},
        {"name": "medical_history", "label_zh": "备注二", "label_en": "Notes"},
        {"name": "notes", "label_zh": "备注二", "label_en": "Notes", "aliases": ["基因检测"]},
        {"name": "faith", "label_zh": "宗教信仰", "label_en": "Faith", "type": "text"},
        # The Traditional script is the same word (the platform ships a zh-Hant interface).
        {"name": "zhiwen_data", "label_zh": "指紋資料", "label_en": "Data"},
        {"name": "bingli", "label_zh": "病歷", "label_en": "Notes"},
    ],
)
def test_a_prohibited_field_is_refused(
    collection_world: World, db: Session, clock: Clock, field: dict[str, Any]
) -> None:
    before = snapshot(db, "record_type", "record_type_version")
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(
            db, clock, actor(collection_world, "authority"), with_field(new_definition(), field)
        )
    assert caught.value.code == "prohibited_field"
    assert caught.value.article == "Art. 11 ¶3"
    assert caught.value.field == f"fields.{field['name']}"
    assert snapshot(db, "record_type", "record_type_version") == before
    # Nor can a revision add one.
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(
            db,
            clock,
            SYSTEM_ACTOR,
            PENALTY,
            with_field(current(db, PENALTY), field),
            note="add a field",
        )
    assert caught.value.code == "prohibited_field"


def test_a_restricted_field_must_be_declared_restricted(
    collection_world: World, db: Session, clock: Clock
) -> None:
    authority = actor(collection_world, "authority")
    income = {"name": "annual_income", "label_zh": "年收入", "label_en": "Annual income"}
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(db, clock, authority, with_field(new_definition(), income))
    assert (caught.value.code, caught.value.article) == (
        "restricted_field_undeclared",
        "Art. 11 ¶2",
    )
    assert caught.value.field == "fields.annual_income"

    traditional = {"name": "monthly_pay", "label_zh": "月工資", "label_en": "Pay"}
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(db, clock, authority, with_field(new_definition(), traditional))
    assert caught.value.code == "restricted_field_undeclared"

    declared = {**income, "sensitivity": "restricted"}
    rule = catalog.create_record_type(db, clock, authority, with_field(new_definition(), declared))
    assert rule.definition.field("annual_income").sensitivity is Sensitivity.RESTRICTED


def test_an_invalid_definition_names_its_problem(
    collection_world: World, db: Session, clock: Clock
) -> None:
    data = new_definition(natural_key=["no_such_field"])
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(db, clock, SYSTEM_ACTOR, data)
    assert caught.value.code == "invalid_definition"


@pytest.mark.parametrize(
    "field",
    [
        # not_before names a date field the type does not declare
        {
            "name": "ends_on",
            "label_zh": "截止",
            "label_en": "Ends",
            "type": "date",
            "not_before": "no_such_date",
        },
        # only a date is ordered after another date
        {
            "name": "ends_note",
            "label_zh": "截止说明",
            "label_en": "Ends note",
            "not_before": "checked_on",
        },
        # a date is not ordered after itself
        {
            "name": "ends_on",
            "label_zh": "截止",
            "label_en": "Ends",
            "type": "date",
            "not_before": "ends_on",
        },
    ],
)
def test_an_end_date_must_follow_a_declared_date(
    collection_world: World, db: Session, clock: Clock, field: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(db, clock, SYSTEM_ACTOR, with_field(new_definition(), field))
    assert caught.value.code == "invalid_definition"


def test_the_ends_of_periods_in_the_pack_follow_their_decision_date(
    catalog_loaded: Session,
) -> None:
    penalty = catalog.effective_rule(catalog_loaded, PENALTY).definition
    assert {spec.name: spec.not_before for spec in penalty.fields if spec.not_before} == {
        "penalty_valid_until": "decision_date",
        "publicity_deadline": "decision_date",
    }


# --- who edits the catalog, and versions -------------------------------------------------


@pytest.mark.parametrize("username", ["reporter", "admin", "querier", "citizen", "security"])
def test_only_the_credit_authority_edits_the_catalog(
    collection_world: World, db: Session, clock: Clock, username: str
) -> None:
    who = actor(collection_world, username)
    with pytest.raises(PermissionDenied) as caught:
        catalog.create_record_type(db, clock, who, new_definition())
    assert caught.value.code == "permission_denied"
    with pytest.raises(PermissionDenied):
        catalog.revise_record_type(db, clock, who, PENALTY, current(db, PENALTY), note="x")
    with pytest.raises(NotFound):
        catalog.effective_rule(db, "fire_safety_check")
    assert len(catalog.history(db, PENALTY)) == 1


def test_a_revision_is_a_new_version_and_the_old_one_is_kept(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    authority = actor(world, "authority")
    created = catalog.create_record_type(db, clock, authority, new_definition())
    assert created.source_label == "city rule v1"
    first = snapshot(db, "record_type_version")["record_type_version"]

    revised = new_definition(name_zh="消防安全检查（修订）")
    rule = catalog.revise_record_type(
        db, clock, authority, "fire_safety_check", revised, note="名称修订"
    )

    assert rule.source_label == "city rule v2"
    assert (
        catalog.effective_rule(db, "fire_safety_check").definition.name_zh == "消防安全检查（修订）"
    )
    history = catalog.history(db, "fire_safety_check")
    assert [(v.jurisdiction, v.version_no, v.note) for v in history] == [
        ("350100", 1, "created"),
        ("350100", 2, "名称修订"),
    ]
    assert history[0].definition["name_zh"] == "消防安全检查"
    assert history[1].created_by == f"user:{world.users['authority'].id}"
    # Version 1 is untouched.
    assert snapshot(db, "record_type_version")["record_type_version"][: len(first)] == first
    events = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "catalog.record_type.version")
    ).all()
    assert [
        e.details.get("version") for e in events if e.details["code"] == "fire_safety_check"
    ] == [
        1,
        2,
    ]
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(
            db, clock, authority, "fire_safety_check", new_definition("other_code"), note="x"
        )
    assert caught.value.code == "code_changed"


def test_records_carry_the_version_of_the_rule_that_governed_them(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    regulator = world.organisations["regulator"]
    before = penalty_row(world)
    ingest(db, clock, regulator, [before])
    data = current(db, PENALTY)
    data["name_zh"] = "行政处罚（修订）"
    catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="修订")
    after = penalty_row(world)
    ingest(db, clock, regulator, [after])
    assert record_by_decision(db, before["decision_number"]).rule_source == "city rule v1"
    assert record_by_decision(db, after["decision_number"]).rule_source == "city rule v2"


def test_a_city_revision_keeps_the_natural_key_while_records_of_the_type_are_stored(
    collection_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """Each stored record is keyed by the fields in force when it came in: with other
    fields the source's resent row would be a second record, both published (decision
    0005, addendum). Refused, naming the count; the authority makes a new type."""
    world = collection_world
    regulator = world.organisations["regulator"]
    row = penalty_row(world)
    ingest(db, clock, regulator, [row], key="k1")
    ingest(db, clock, regulator, [penalty_row(world)], key="k2")
    db.commit()
    data = current(db, PENALTY)
    data["natural_key"] = ["decision_number", "decision_date"]
    with pytest.raises(Conflict) as refused:
        catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="自然键加决定日期")
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "natural_key_in_use",
        "natural_key",
        "Art. 6",
    )
    assert refused.value.details["records"] == 2
    assert refused.value.message.startswith("2 records of this type")
    api = client.put(
        f"/api/v1/catalog/record-types/{PENALTY}",
        params={"note": "自然键加决定日期"},
        json=data,
        headers=auth_headers(client, "authority"),
    )
    assert api.status_code == 409, api.text
    assert (api.json()["error"]["code"], api.json()["error"]["field"]) == (
        "natural_key_in_use",
        "natural_key",
    )
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v1"
    # The row resent is the record it was, not a second one.
    again = ingest(db, clock, regulator, [row], key="k3")
    assert (again.batch.created, again.batch.unchanged) == (0, 1)
    # Any other change to the rule is taken, and so is a new key for a type with no records.
    data["natural_key"] = current(db, PENALTY)["natural_key"]
    data["name_zh"] = "行政处罚（修订）"
    catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="名称修订")
    check = new_definition()
    catalog.create_record_type(db, clock, SYSTEM_ACTOR, check)
    check["natural_key"] = ["check_number", "checked_on"]
    rule = catalog.revise_record_type(
        db, clock, SYSTEM_ACTOR, "fire_safety_check", check, note="自然键加日期"
    )
    assert rule.definition.natural_key == ("check_number", "checked_on")


def _field(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(spec for spec in data["fields"] if spec["name"] == name)


def _without(name: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["fields"] = [spec for spec in data["fields"] if spec["name"] != name]

    return change


def _setting(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.update(values)


def _field_type(name: str, kind: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: _field(data, name).update(type=kind)


# (change, the refusal's field, its problem's code): each change of what the stored records
# of a type are (review r2, finding 1: each of these was a new city version).
STORED_RECORDS_CHANGES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("polarity", _setting(polarity="positive"), "polarity", "changes_records_polarity"),
    ("category", _setting(category="market"), "category", "changes_records_category"),
    (
        "decision_date",
        _setting(decision_date_field="penalty_valid_until"),
        "decision_date_field",
        "changes_records_decision_date_field",
    ),
    (
        "subject_uscc",
        _setting(subject_uscc_field="authority_uscc"),
        "subject_uscc_field",
        "changes_records_subject_fields",
    ),
    (
        "subject_name",
        _setting(subject_name_field="authority"),
        "subject_name_field",
        "changes_records_subject_fields",
    ),
    (
        "subject_kind_unset",
        _setting(subject_kind_field=None),
        "subject_kind_field",
        "changes_records_subject_fields",
    ),
    (
        "fewer_kinds",
        _setting(subject_kinds=["natural_person"]),
        "subject_kinds",
        "drops_records_subject_kind",
    ),
    (
        "field_type",
        _field_type("fine_amount", "date"),
        "fields.fine_amount.type",
        "changes_records_field_type",
    ),
    ("dropped", _without("violation_facts"), "fields.violation_facts", "drops_records_field"),
]


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [case[1:] for case in STORED_RECORDS_CHANGES],
    ids=[case[0] for case in STORED_RECORDS_CHANGES],
)
def test_a_city_revision_keeps_what_the_stored_records_of_its_type_are(
    collection_world: World,
    client: TestClient,
    db: Session,
    clock: Clock,
    change: Callable[[dict[str, Any]], None],
    field: str,
    problem: str,
) -> None:
    """A negative penalty made positive showed as positive beside the black-list entry
    resting on it; re-dated, re-typed or dropped, the stored records were no longer what
    they were collected as. Refused as the natural key is while records are stored
    (decision 0005, session 18 addendum): 409 ``type_in_use``, the field named, Art. 6;
    the authority makes a new type."""
    world = collection_world
    ingest(db, clock, world.organisations["regulator"], [penalty_row(world)])
    db.commit()
    data = current(db, PENALTY)
    change(data)
    before = snapshot(db, "record_type_version")
    with pytest.raises(Conflict) as refused:
        catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="改变类型")
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "type_in_use",
        field,
        "Art. 6",
    )
    assert refused.value.details["records"] == 1
    assert refused.value.message.startswith("1 records of this type are stored")
    assert [(p["code"], p["field"]) for p in refused.value.details["problems"]] == [
        (problem, field)
    ]
    api = client.put(
        f"/api/v1/catalog/record-types/{PENALTY}",
        params={"note": "改变类型"},
        json=data,
        headers=auth_headers(client, "authority"),
    )
    assert api.status_code == 409, api.text
    error = api.json()["error"]
    assert (error["code"], error["field"], error["article"]) == ("type_in_use", field, "Art. 6")
    assert snapshot(db, "record_type_version") == before


@pytest.mark.parametrize(
    "change",
    [case[1] for case in STORED_RECORDS_CHANGES],
    ids=[case[0] for case in STORED_RECORDS_CHANGES],
)
def test_a_type_with_no_records_stored_may_still_change_what_it_is(
    collection_world: World, db: Session, clock: Clock, change: Callable[[dict[str, Any]], None]
) -> None:
    data = current(db, PENALTY)
    change(data)
    rule = catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="尚无记录")
    assert rule.source_label == "city rule v2"


def test_a_city_revision_may_add_tighten_and_move_its_publicity_while_records_are_stored(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """What changes no stored record: an optional field added, a field's limits tightened,
    a kind of subject admitted with the field naming it, the names, and the publicity and
    disclosure levers (decision 0015)."""
    world = collection_world
    ingest(db, clock, world.organisations["regulator"], [penalty_row(world)])
    db.commit()
    data = current(db, PENALTY)
    data["name_zh"] = "行政处罚（修订）"
    data["fields"].append({"name": "case_officer", "label_zh": "承办人", "label_en": "Officer"})
    _field(data, "violation_facts").update(max_length=1000, required=True)
    data["disclosure"]["periods"]["general"]["min_months"] = 6
    data["disclosure"]["review_before_publicity"] = True
    data["disclosure"]["severity_field"] = None
    rule = catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="从严")
    assert rule.source_label == "city rule v2"
    data["disclosure"]["mode"] = "non_public"
    rule = catalog.revise_record_type(db, clock, SYSTEM_ACTOR, PENALTY, data, note="不公示")
    assert rule.source_label == "city rule v3"
    # A kind of subject admitted with the field naming it changes no stored record either.
    check = RecordTypeDefinition.model_validate(new_definition())
    assert check.subject_citizen_id_field is None
    persons_too = new_definition(
        subject_kinds=[*check.subject_kinds, "natural_person"],
        subject_citizen_id_field="person_id",
    )
    persons_too["fields"].append(
        {"name": "person_id", "label_zh": "身份证号", "label_en": "ID", "type": "citizen_id"}
    )
    widened = RecordTypeDefinition.model_validate(persons_too)
    assert stored_records_changes(check, widened) == []
    assert [c.code for c in stored_records_changes(widened, check)] == [
        "drops_records_subject_kind",
        "changes_records_subject_fields",
        "drops_records_field",
    ]


# --- district rules (Art. 35) ------------------------------------------------------------


def _tighter(data: dict[str, Any]) -> dict[str, Any]:
    """Shorter publicity, review before publicity, and one more required field."""
    data["disclosure"]["periods"]["general"]["max_months"] = 6
    data["disclosure"]["review_before_publicity"] = True
    for field in data["fields"]:
        if field["name"] == "violation_facts":
            field["required"] = True
    return data


def test_a_district_rule_that_tightens_governs_its_own_area(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    district_agency = OrganisationFactory(name="福州市鼓楼区市场监督管理局", jurisdiction=DISTRICT)
    grant(db, clock, district_agency, PENALTY)

    rule = catalog.revise_record_type(
        db,
        clock,
        accounts.actor_for_user(district_authority(DISTRICT)),
        PENALTY,
        _tighter(current(db, PENALTY)),
        jurisdiction=DISTRICT,
        note="鼓楼区从严",
    )

    assert rule.source_label == f"district {DISTRICT} rule v1"
    assert (
        catalog.effective_rule(db, PENALTY, DISTRICT).source_label == f"district {DISTRICT} rule v1"
    )
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v1"
    assert catalog.effective_rule(db, PENALTY, "350103").source_label == "city rule v1"

    decided = "2026-09-20"
    in_district = penalty_row(world, decision_date=decided)
    without_facts = penalty_row(world, violation_facts="")
    report = ingest(db, clock, district_agency, [in_district, without_facts])
    assert problems_of(report) == [(2, "violation_facts", "required")]
    record = record_by_decision(db, in_district["decision_number"])
    assert record.rule_source == f"district {DISTRICT} rule v1"
    assert record.publicity_end == add_months(record.decision_date, 6)
    assert record.awaiting_review is True
    batch = report.batch
    version = db.get(RecordTypeVersion, batch.record_type_version_id)
    assert version is not None
    assert (version.jurisdiction, version.version_no) == (DISTRICT, 1)

    # The city's agencies still work under the city's rule.
    in_city = penalty_row(world, decision_date=decided, violation_facts="")
    assert problems_of(ingest(db, clock, world.organisations["regulator"], [in_city])) == []
    record = record_by_decision(db, in_city["decision_number"])
    assert record.rule_source == "city rule v1"
    assert record.publicity_end == add_months(record.decision_date, 12)
    assert record.awaiting_review is False


def _longer(data: dict[str, Any]) -> dict[str, Any]:
    data["disclosure"]["periods"]["general"]["max_months"] = 24
    return data


def _drop_field(data: dict[str, Any]) -> dict[str, Any]:
    data["fields"] = [f for f in data["fields"] if f["name"] != "remarks"]
    return data


def _optional(data: dict[str, Any]) -> dict[str, Any]:
    for field in data["fields"]:
        if field["name"] == "violation_type":
            field["required"] = False
    return data


def _more_submitters(data: dict[str, Any]) -> dict[str, Any]:
    data["submitter_kinds"] = [*data["submitter_kinds"], "enterprise"]
    return data


def _publish_minor(data: dict[str, Any]) -> dict[str, Any]:
    data["disclosure"]["periods"]["minor"]["published"] = True
    return data


def _make_public(data: dict[str, Any]) -> dict[str, Any]:
    data["disclosure"]["mode"] = "public"
    return data


def _public_by_law(data: dict[str, Any]) -> dict[str, Any]:
    data["public_by_law_for_natural_persons"] = True
    return data


@pytest.mark.parametrize(
    ("code", "loosen", "field", "article"),
    [
        (PENALTY, _longer, "disclosure.periods.general", "Art. 35"),
        (PENALTY, _drop_field, "fields.remarks", "Art. 35"),
        (PENALTY, _optional, "fields.violation_type", "Art. 35"),
        (PENALTY, _more_submitters, "submitter_kinds", "Art. 35"),
        (PENALTY, _publish_minor, "disclosure.periods.minor", "Art. 35"),
        ("contract_performance", _make_public, "disclosure.mode", "Art. 35"),
        (
            "contract_performance",
            _public_by_law,
            "public_by_law_for_natural_persons",
            "Art. 35, 11",
        ),
    ],
)
def test_a_district_rule_that_loosens_is_refused(
    collection_world: World,
    db: Session,
    clock: Clock,
    code: str,
    loosen: Callable[[dict[str, Any]], dict[str, Any]],
    field: str,
    article: str,
) -> None:
    gulou = accounts.actor_for_user(district_authority(DISTRICT))
    before = snapshot(db, "record_type_version")
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(
            db,
            clock,
            gulou,
            code,
            loosen(current(db, code)),
            jurisdiction=DISTRICT,
            note="放宽",
        )
    assert caught.value.code == "district_rule_loosens"
    assert caught.value.article == article
    assert caught.value.field == field
    assert snapshot(db, "record_type_version") == before
    assert catalog.effective_rule(db, code, DISTRICT).source_label == "city rule v1"


def test_a_city_revision_that_a_district_rule_no_longer_tightens_suspends_it(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """The city may change its rule after a district tightened the old one; a district rule
    left looser than the city's new rule no longer governs (Art. 35) until it is revised."""
    world = collection_world
    authority = actor(world, "authority")
    gulou = accounts.actor_for_user(district_authority(DISTRICT))
    district_agency = OrganisationFactory(name="福州市鼓楼区市场监督管理局", jurisdiction=DISTRICT)
    grant(db, clock, district_agency, PENALTY)
    catalog.revise_record_type(
        db,
        clock,
        gulou,
        PENALTY,
        _tighter(current(db, PENALTY)),
        jurisdiction=DISTRICT,
        note="鼓楼区从严",
    )
    # The city shortens the general class's publicity below the district's six months.
    city_rule = current(db, PENALTY)
    city_rule["disclosure"]["periods"]["general"]["max_months"] = 3
    city_rule["disclosure"]["periods"]["general"]["min_months"] = 3
    catalog.revise_record_type(db, clock, authority, PENALTY, city_rule, note="全市缩短公示期")

    rule = catalog.effective_rule(db, PENALTY, DISTRICT)
    assert rule.source_label == "city rule v2"
    assert rule.suspended is not None
    assert (rule.suspended.jurisdiction, rule.suspended.version.version_no) == (DISTRICT, 1)
    assert rule.suspended.problems == (
        Loosening(
            "lengthens_publicity",
            "disclosure.periods.general",
            "cannot lengthen the publicity period",
        ),
    )
    assert [s.jurisdiction for s in catalog.suspended_district_rules(db, PENALTY)] == [DISTRICT]
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "catalog.record_type.version")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.details["suspends_district_rules"] == [DISTRICT]

    # Records from the district follow the city's rule in force meanwhile.
    row = penalty_row(world, decision_date="2026-09-20")
    assert problems_of(ingest(db, clock, district_agency, [row])) == []
    record = record_by_decision(db, row["decision_number"])
    assert record.rule_source == "city rule v2"
    assert record.publicity_end == add_months(record.decision_date, 3)

    # The district revises its rule to tighten the city's new one: it governs again.
    district_rule = _tighter(current(db, PENALTY, DISTRICT))
    district_rule["disclosure"]["periods"]["general"]["max_months"] = 3
    catalog.revise_record_type(
        db, clock, gulou, PENALTY, district_rule, jurisdiction=DISTRICT, note="按全市调整"
    )
    rule = catalog.effective_rule(db, PENALTY, DISTRICT)
    assert (rule.source_label, rule.suspended) == (f"district {DISTRICT} rule v2", None)
    assert catalog.suspended_district_rules(db, PENALTY) == []


def test_a_city_revision_the_district_rules_still_tighten_suspends_nothing(
    collection_world: World, db: Session, clock: Clock
) -> None:
    authority = actor(collection_world, "authority")
    catalog.revise_record_type(
        db,
        clock,
        accounts.actor_for_user(district_authority(DISTRICT)),
        PENALTY,
        _tighter(current(db, PENALTY)),
        jurisdiction=DISTRICT,
        note="鼓楼区从严",
    )
    city_rule = current(db, PENALTY)
    city_rule["legal_basis"] += "；《福州市社会信用管理办法》"
    catalog.revise_record_type(db, clock, authority, PENALTY, city_rule, note="补充依据")
    rule = catalog.effective_rule(db, PENALTY, DISTRICT)
    assert (rule.source_label, rule.suspended) == (f"district {DISTRICT} rule v1", None)
    assert catalog.suspended_district_rules(db, PENALTY) == []


def test_a_district_rule_needs_a_fuzhou_district(
    collection_world: World, db: Session, clock: Clock
) -> None:
    with pytest.raises(InvalidInput) as caught:
        catalog.revise_record_type(
            db,
            clock,
            SYSTEM_ACTOR,
            PENALTY,
            _tighter(current(db, PENALTY)),
            jurisdiction="110101",
            note="x",
        )
    assert (caught.value.code, caught.value.article) == ("invalid_jurisdiction", "Art. 35")


# --- through the API ---------------------------------------------------------------------


def test_the_api_creates_record_types_for_the_authority_only(
    collection_world: World, client: TestClient, db: Session
) -> None:
    refused = client.post(
        "/api/v1/catalog/record-types",
        json=new_definition(),
        headers=auth_headers(client, "reporter"),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "permission_denied"
    assert client.get("/api/v1/catalog/record-types/fire_safety_check").status_code == 404

    authority = auth_headers(client, "authority")
    created = client.post("/api/v1/catalog/record-types", json=new_definition(), headers=authority)
    assert created.status_code == 201, created.text
    assert created.json()["rule"] == "city rule v1"
    assert created.json()["code"] == "fire_safety_check"
    db.expire_all()
    stored = catalog.effective_rule(db, "fire_safety_check")
    assert stored.definition.name_en == "Fire-safety check"
    assert stored.version.created_by == f"user:{collection_world.users['authority'].id}"

    shown = client.get("/api/v1/catalog/record-types/fire_safety_check").json()
    assert [(h["jurisdiction"], h["version"]) for h in shown["history"]] == [("350100", 1)]
    listed = client.get("/api/v1/catalog/record-types").json()["items"]
    assert "fire_safety_check" in {item["code"] for item in listed}


def test_the_api_refuses_a_prohibited_field(collection_world: World, client: TestClient) -> None:
    data = with_field(
        new_definition(), {"name": "blood_type", "label_zh": "血型", "label_en": "Blood type"}
    )
    response = client.post(
        "/api/v1/catalog/record-types", json=data, headers=auth_headers(client, "authority")
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (
        "prohibited_field",
        "Art. 11 ¶3",
        "fields.blood_type",
    )
    assert client.get("/api/v1/catalog/record-types/fire_safety_check").status_code == 404


def test_the_api_takes_district_rules_that_tighten_only(
    collection_world: World, client: TestClient, db: Session
) -> None:
    district_authority(DISTRICT)
    district_authority("350103")
    db.commit()
    gulou = auth_headers(client, f"authority_{DISTRICT}")
    tightened = client.put(
        f"/api/v1/catalog/record-types/{PENALTY}",
        params={"jurisdiction": DISTRICT, "note": "鼓楼区从严"},
        json=_tighter(current(db, PENALTY)),
        headers=gulou,
    )
    assert tightened.status_code == 200, tightened.text
    assert tightened.json()["rule"] == f"district {DISTRICT} rule v1"
    shown = client.get(
        f"/api/v1/catalog/record-types/{PENALTY}", params={"jurisdiction": DISTRICT}
    ).json()
    assert shown["rule"] == f"district {DISTRICT} rule v1"
    assert shown["disclosure"]["periods"]["general"]["max_months"] == 6

    loosened = client.put(
        f"/api/v1/catalog/record-types/{PENALTY}",
        params={"jurisdiction": "350103", "note": "放宽"},
        json=_longer(current(db, PENALTY)),
        headers=auth_headers(client, "authority_350103"),
    )
    assert loosened.status_code == 422, loosened.text
    assert (loosened.json()["error"]["code"], loosened.json()["error"]["article"]) == (
        "district_rule_loosens",
        "Art. 35",
    )
    assert (
        client.get(
            f"/api/v1/catalog/record-types/{PENALTY}", params={"jurisdiction": "350103"}
        ).json()["rule"]
        == "city rule v1"
    )


def test_the_api_shows_a_district_rule_the_city_has_suspended(
    collection_world: World, client: TestClient, db: Session
) -> None:
    authority = auth_headers(client, "authority")
    district_authority(DISTRICT)
    db.commit()
    url = f"/api/v1/catalog/record-types/{PENALTY}"
    tightened = client.put(
        url,
        params={"jurisdiction": DISTRICT, "note": "鼓楼区从严"},
        json=_tighter(current(db, PENALTY)),
        headers=auth_headers(client, f"authority_{DISTRICT}"),
    )
    assert tightened.status_code == 200, tightened.text
    assert client.get(url).json()["suspended_district_rules"] == []
    city_rule = current(db, PENALTY)
    city_rule["disclosure"]["periods"]["general"]["max_months"] = 3
    city_rule["disclosure"]["periods"]["general"]["min_months"] = 3
    revised = client.put(url, params={"note": "全市缩短公示期"}, json=city_rule, headers=authority)
    assert revised.status_code == 200, revised.text
    suspended = {
        "jurisdiction": DISTRICT,
        "version": 1,
        "article": "Art. 35",
        "problems": [
            {
                "code": "lengthens_publicity",
                "field": "disclosure.periods.general",
                "message": "cannot lengthen the publicity period",
                "article": "Art. 35",
            }
        ],
    }
    assert revised.json()["suspended_district_rules"] == [suspended]
    in_district = client.get(url, params={"jurisdiction": DISTRICT}).json()
    assert in_district["rule"] == "city rule v2"
    assert in_district["disclosure"]["periods"]["general"]["max_months"] == 3
    assert in_district["suspended_district_rules"] == [suspended]
    assert client.get(url).json()["suspended_district_rules"] == [suspended]


# --- the responsibility list -------------------------------------------------------------


def test_granting_a_responsibility_needs_manage_sources(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    other = world.organisations["other_agency"]
    for username in ("reporter", "admin", "other_reporter"):
        with pytest.raises(PermissionDenied):
            sources.grant(db, clock, actor(world, username), other, PENALTY)
    assert sources.responsibilities(db, other.id) == []

    sources.grant(db, clock, actor(world, "authority"), other, PENALTY)
    assert sources.responsibilities(db, other.id) == [PENALTY]
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "source.grant").order_by(AuditEvent.sequence)
    ).all()[-1]
    assert (event.target_id, event.details) == (str(other.id), {"record_type": PENALTY})


@pytest.mark.parametrize(
    ("organisation", "code", "article"),
    [
        ("regulator", "court_judgment_defaulter", "Art. 9"),  # courts only
        ("regulator", "association_evaluation", "Art. 10"),  # associations only
        ("regulator", "contract_performance", "Art. 10"),  # market bodies only
        ("bank", PENALTY, "Art. 9"),  # a bank is no state organ
        ("regulator", "self_declaration", "Art. 9"),  # the subject itself only
    ],
)
def test_a_type_is_granted_only_to_the_kinds_the_catalog_admits(
    collection_world: World, db: Session, clock: Clock, organisation: str, code: str, article: str
) -> None:
    target: Organisation = collection_world.organisations[organisation]
    before = sources.responsibilities(db, target.id)
    with pytest.raises(InvalidInput) as caught:
        sources.grant(db, clock, SYSTEM_ACTOR, target, code)
    assert (caught.value.code, caught.value.article) == ("submitter_kind_not_allowed", article)
    assert sources.responsibilities(db, target.id) == before


def test_a_revoked_responsibility_stops_submissions(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    regulator = world.organisations["regulator"]
    sources.revoke(db, clock, actor(world, "authority"), regulator, PENALTY)
    with pytest.raises(PermissionDenied) as caught:
        ingest(db, clock, regulator, [penalty_row(world)])
    assert (caught.value.code, caught.value.article) == ("not_responsible", "Art. 9")
    sources.grant(db, clock, actor(world, "authority"), regulator, PENALTY)
    assert ingest(db, clock, regulator, [penalty_row(world)]).batch.created == 1


@pytest.mark.parametrize("field", ["name_zh", "name_en", "legal_basis"])
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_record_type_states_its_names_and_legal_basis(field: str, blank: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        catalog.parse_definition(new_definition(**{field: blank}))
    assert (refused.value.code, refused.value.field) == ("invalid_definition", field)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("健康状况", "disease and medical history"),
        ("医疗记录", "disease and medical history"),
        ("病情", "disease and medical history"),
        ("体检结果", "disease and medical history"),
        ("住院记录", "disease and medical history"),
        ("health_status", "disease and medical history"),
        ("finger_print", "fingerprints"),
        ("genotype", "genes"),
        ("general_notes", None),
        ("penalty_content", None),
    ],
)
def test_what_art11_para3_never_collects_is_known_by_its_usual_names(
    name: str, category: str | None
) -> None:
    from xinyong.catalog.definitions import prohibited_category

    assert prohibited_category(name) == category


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("纳税金额", "tax amounts"),
        ("个人所得税额", "tax amounts"),
        ("taxes_paid", "tax amounts"),
        ("银行账户余额", "deposits"),
        ("account_balance", "deposits"),
        ("纳税人识别号", None),  # the taxpayer's number, not an amount
        ("tax_rate", None),
    ],
)
def test_what_art11_para2_restricts_is_known_by_its_usual_names(
    name: str, category: str | None
) -> None:
    from xinyong.catalog.definitions import restricted_category

    assert restricted_category(name) == category


def test_a_restricted_field_hidden_behind_an_alias_must_be_declared(
    collection_world: World, db: Session, clock: Clock
) -> None:
    """A column headed 月收入 is income, whatever the field is called."""
    hidden = {
        "name": "amount_b",
        "label_zh": "金额B",
        "label_en": "Amount B",
        "aliases": ["月收入"],
    }
    with pytest.raises(InvalidInput) as caught:
        catalog.create_record_type(
            db, clock, actor(collection_world, "authority"), with_field(new_definition(), hidden)
        )
    assert (caught.value.code, caught.value.field) == (
        "restricted_field_undeclared",
        "fields.amount_b",
    )
