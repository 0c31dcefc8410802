"""Bringing the catalog up to the shipped rule pack (decision 0034): a database an earlier
release set up is brought up to it, each type nobody revised as a new city version by the
system; running it again changes nothing; a type the credit authority revised is never
overwritten, its conflict reported with a proposal the authority may answer; district
rules stay as they are (Art. 35, decision 0015)."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, func, insert, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    penalty_row,
)
from tests.conftest import TEST_NOW, make_test_engine
from tests.factories import World, auth_headers
from tests.rule_pack_helpers import (
    ADDED_SINCE,
    PACK,
    as_stored_by_earlier_release,
    current_definition,
    load_earlier,
    shipped_pack,
)
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.catalog import rule_packs
from xinyong.catalog import service as catalog
from xinyong.catalog.models import CITY_JURISDICTION, RecordTypeVersion
from xinyong.catalog.rule_packs import ChangeKind, PackStatus
from xinyong.clock import FixedClock
from xinyong.db.migrate import alembic_config, upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied

DISTRICT = "350102"  # 鼓楼区
INSPECTION = "administrative_inspection"
CONTRACT = "contract_performance"
DEFAULTER = "court_judgment_defaulter"


def officer(world: World, username: str = "authority") -> Actor:
    return accounts.actor_for_user(world.users[username])


def system_plan(session: Session, pack: rule_packs.RulePack | None = None) -> rule_packs.PackPlan:
    from xinyong.accounts.permissions import SYSTEM_ACTOR

    return rule_packs.plan(session, SYSTEM_ACTOR, pack)


def statuses(planned: rule_packs.PackPlan) -> dict[str, PackStatus]:
    return {found.code: found.status for found in planned.items}


def versions(session: Session, code: str) -> list[RecordTypeVersion]:
    return catalog.history(session, code)


def count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def revise(session: Session, clock: FixedClock, world: World, code: str, **changes: Any) -> None:
    """The credit authority's own revision of the city's rule (top-level attributes)."""
    catalog.revise_record_type(
        session,
        clock,
        officer(world),
        code,
        {**current_definition(session, code), **changes},
        note="主管部门修订",
    )


# --- an old database ------------------------------------------------------------------------


def _revision_before_ours() -> str:
    # The migration that adds the baseline columns follows whatever came before it.
    script = ScriptDirectory.from_config(alembic_config())
    down = script.get_revision("0034").down_revision
    assert isinstance(down, str)
    return down


@pytest.mark.test_database
def test_a_database_set_up_by_an_earlier_release_is_brought_up_to_the_shipped_pack(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The catalog as an earlier release's `xinyong init` loaded it (its definitions stored
    without the attributes added since, no baseline columns), with a district rule; the
    migration and one run bring every type up to the shipped pack, in one transaction and
    audited; running again changes nothing."""
    engine = make_test_engine(request.config, tmp_path, "pack_old")
    loaded_at = dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC)
    try:
        upgrade(engine, _revision_before_ours())
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            record_type, version = (
                tables.tables["record_type"],
                tables.tables["record_type_version"],
            )
            for data in catalog.read_rule_pack():
                type_id = connection.execute(
                    insert(record_type)
                    .values(code=data["code"], active=True, created_at=loaded_at)
                    .returning(record_type.c.id)
                ).scalar_one()
                stored = as_stored_by_earlier_release(data)
                connection.execute(
                    insert(version).values(
                        record_type_id=type_id,
                        jurisdiction=CITY_JURISDICTION,
                        version_no=1,
                        definition=stored,
                        note=f"loaded from {PACK}",
                        created_by=None,
                        created_at=loaded_at,
                    )
                )
                if data["code"] == INSPECTION:
                    # 鼓楼区's rule: the city's of then, with one more field.
                    district = copy.deepcopy(stored)
                    district["fields"].append(
                        {"name": "inspector", "label_zh": "检查人员", "label_en": "Inspector"}
                    )
                    connection.execute(
                        insert(version).values(
                            record_type_id=type_id,
                            jurisdiction=DISTRICT,
                            version_no=1,
                            definition=district,
                            note="鼓楼区增加检查人员",
                            created_by="user:7",
                            created_at=loaded_at,
                        )
                    )
        upgrade(engine)
        factory = make_session_factory(engine)
        clock = FixedClock(TEST_NOW)

        with unit_of_work(factory) as session:
            planned = system_plan(session)
            assert statuses(planned) == {
                code: PackStatus.UPGRADE if code in ADDED_SINCE else PackStatus.CURRENT
                for code in statuses(planned)
            }
            assert {found.code: found.paths for found in planned.pending} == ADDED_SINCE
            # Until it runs, the catalog governs as the earlier release left it.
            rule = catalog.effective_rule(session, INSPECTION)
            assert not rule.definition.disclosure.review_before_publicity

        with unit_of_work(factory) as session:
            applied = rule_packs.apply(session, clock)
            assert [found.code for found in applied.pending] == list(ADDED_SINCE)

        with unit_of_work(factory) as session:
            rules = {code: catalog.effective_rule(session, code) for code in ADDED_SINCE}
            assert rules[INSPECTION].definition.disclosure.review_before_publicity
            assert rules[CONTRACT].definition.own_party_field == "counterparty"
            assert rules["association_evaluation"].definition.members_only
            defaulter = rules[DEFAULTER].definition
            assert defaulter.disclosure.periods["serious"].min_extension_months == 12  # type: ignore[index]
            assert defaulter.field("publicity_deadline").not_before == "published_on"
            assert defaulter.decision_date_field == "published_on"
            for code, rule in rules.items():
                version = rule.version
                assert (version.jurisdiction, version.version_no) == (CITY_JURISDICTION, 2)
                assert version.created_by is None  # the system
                assert version.note == f"brought up to the shipped {PACK}: " + ", ".join(
                    ADDED_SINCE[code]
                )
                assert version.rule_pack == PACK
                assert rule_packs.upgraded_paths(version) == ADDED_SINCE[code]
            # The types the pack did not change keep their one version.
            assert [v.version_no for v in versions(session, "registration")] == [1]
            # Each new version is audited, and the run once.
            events = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "catalog.record_type.version")
            ).all()
            assert {e.details["code"]: e.details["changes"] for e in events} == ADDED_SINCE
            inspection_event = next(e for e in events if e.details["code"] == INSPECTION)
            assert inspection_event.details["suspends_district_rules"] == [DISTRICT]
            (run,) = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "catalog.rule_pack.apply")
            ).all()
            assert run.target_id == PACK
            assert run.details == {"created": [], "upgraded": list(ADDED_SINCE), "conflicts": []}
            # The district rule is as its district made it; the city's review, which it
            # lacks, suspends it (decision 0015).
            district = [v for v in versions(session, INSPECTION) if v.jurisdiction == DISTRICT]
            assert [v.version_no for v in district] == [1]
            in_district = catalog.effective_rule(session, INSPECTION, DISTRICT)
            assert in_district.suspended is not None
            assert [p.code for p in in_district.suspended.problems] == ["skips_review"]
            assert audit.verify(session).problem is None

        with unit_of_work(factory) as session:
            before = (count(session, RecordTypeVersion), count(session, AuditEvent))
            again = rule_packs.apply(session, clock)
            assert again.pending == []
            assert set(statuses(again).values()) == {PackStatus.CURRENT}
        with unit_of_work(factory) as session:
            assert (count(session, RecordTypeVersion), count(session, AuditEvent)) == before
    finally:
        engine.dispose()


def test_each_version_loaded_from_the_pack_is_its_types_baseline(db: Session) -> None:
    """On the worker's database (set up as `xinyong init` does) every city rule's first
    version is the pack's, its definition the baseline."""
    for code in ("administrative_penalty", CONTRACT):
        first = versions(db, code)[0]
        assert (first.rule_pack, first.created_by) == (PACK, None)
        assert first.rule_pack_definition == first.definition


# --- upgrades, conflicts and reruns on the worker's database ---------------------------------


def test_a_type_nobody_revised_is_brought_up_and_a_second_run_changes_nothing(
    catalog_loaded: Session, clock: FixedClock
) -> None:
    db = catalog_loaded
    load_earlier(db, clock, INSPECTION, "association_evaluation")
    planned = system_plan(db)
    assert [(f.code, f.status) for f in planned.pending] == [
        (INSPECTION, PackStatus.UPGRADE),
        ("association_evaluation", PackStatus.UPGRADE),
    ]
    (change,) = planned.pending[0].changes
    assert (change.path, change.kind, change.loaded, change.shipped, change.city) == (
        "disclosure.review_before_publicity",
        ChangeKind.UNTOUCHED,
        False,
        True,
        False,
    )
    before = len(versions(db, INSPECTION))
    rule_packs.apply(db, clock)
    assert len(versions(db, INSPECTION)) == before + 1
    assert catalog.effective_rule(db, INSPECTION).definition.disclosure.review_before_publicity
    assert catalog.effective_rule(db, "association_evaluation").definition.members_only

    counts = (count(db, RecordTypeVersion), count(db, AuditEvent))
    assert rule_packs.apply(db, clock).pending == []
    assert (count(db, RecordTypeVersion), count(db, AuditEvent)) == counts


def test_a_type_the_authority_revised_is_not_overwritten(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """The authority changed the contract type's legal basis after the earlier pack gave it;
    the shipped pack adds the own-business check. The run leaves the authority's rule in
    force and reports the conflict, with a proposal taking in what the authority never
    touched."""
    load_earlier(db, clock, CONTRACT, INSPECTION)
    revise(
        db,
        clock,
        collection_world,
        CONTRACT,
        legal_basis="《福州市社会信用管理办法》第十条（修订）",
    )
    authority_version = catalog.effective_rule(db, CONTRACT).version

    applied = rule_packs.apply(db, clock)
    assert statuses(applied)[CONTRACT] is PackStatus.CONFLICT
    assert statuses(applied)[INSPECTION] is PackStatus.UPGRADE
    rule = catalog.effective_rule(db, CONTRACT)
    assert rule.version.id == authority_version.id  # untouched
    assert rule.definition.own_party_field is None
    assert rule.definition.legal_basis.endswith("（修订）")
    run = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "catalog.rule_pack.apply")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert run is not None
    assert run.details == {"created": [], "upgraded": [INSPECTION], "conflicts": [CONTRACT]}

    # Still in conflict on the next run, which writes nothing.
    counts = (count(db, RecordTypeVersion), count(db, AuditEvent))
    (found,) = rule_packs.apply(db, clock).pending
    assert (count(db, RecordTypeVersion), count(db, AuditEvent)) == counts
    assert found.code == CONTRACT
    assert {(c.path, c.kind) for c in found.changes} == {
        ("own_party_field", ChangeKind.UNTOUCHED),
        ("fields.resolved_on.not_before", ChangeKind.UNTOUCHED),
    }
    assert found.baseline is not None
    assert found.baseline.created_by is None
    assert found.proposal is not None
    assert found.proposal_problem is None
    assert found.proposal["own_party_field"] == "counterparty"
    assert found.proposal["legal_basis"].endswith("（修订）")
    resolved = next(f for f in found.proposal["fields"] if f["name"] == "resolved_on")
    assert resolved["not_before"] == "breach_date"


def test_a_change_the_authority_made_otherwise_collides_and_its_value_is_proposed(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, DEFAULTER)
    mine = current_definition(db, DEFAULTER)
    mine["disclosure"]["periods"]["serious"]["min_extension_months"] = 6
    catalog.revise_record_type(db, clock, officer(collection_world), DEFAULTER, mine, note="六个月")

    found = rule_packs.item(db, officer(collection_world), DEFAULTER)
    assert found.status is PackStatus.CONFLICT
    kinds = {c.path: (c.kind, c.loaded, c.shipped, c.city) for c in found.changes}
    assert kinds == {
        "decision_date_field": (ChangeKind.UNTOUCHED, "filed_on", "published_on", "filed_on"),
        "fields.published_on.required": (ChangeKind.UNTOUCHED, False, True, False),
        "fields.published_on.not_before": (ChangeKind.UNTOUCHED, None, "filed_on", None),
        "fields.performed_on.not_before": (ChangeKind.UNTOUCHED, None, "filed_on", None),
        "fields.publicity_deadline.not_before": (ChangeKind.UNTOUCHED, None, "published_on", None),
        "disclosure.periods.serious.min_extension_months": (ChangeKind.COLLISION, 0, 12, 6),
    }
    assert found.proposal is not None
    assert found.proposal["disclosure"]["periods"]["serious"]["min_extension_months"] == 6
    deadline = next(f for f in found.proposal["fields"] if f["name"] == "publicity_deadline")
    assert deadline["not_before"] == "published_on"
    performed = next(f for f in found.proposal["fields"] if f["name"] == "performed_on")
    assert performed["not_before"] == "filed_on"


def test_a_revision_that_already_has_the_packs_change_waits_for_nothing(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, "association_evaluation", "registration")
    # The authority took the members-only check in itself and changed the name too.
    revise(db, clock, collection_world, "association_evaluation", members_only=True, name_en="X")
    # And revised a type the pack did not change.
    revise(db, clock, collection_world, "registration", legal_basis="登记注册（修订）")
    planned = system_plan(db)
    assert statuses(planned)["association_evaluation"] is PackStatus.REVISED
    assert statuses(planned)["registration"] is PackStatus.REVISED
    assert planned.pending == []
    # The authority brings its rule back to the pack's: current.
    revise(
        db,
        clock,
        collection_world,
        "association_evaluation",
        name_en="Industry-association evaluation",
    )
    assert statuses(system_plan(db))["association_evaluation"] is PackStatus.CURRENT


def test_a_type_the_authority_made_before_the_pack_had_it_is_its_own(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """No baseline: every difference is the authority's (collisions), and its rule is the
    proposal; a type only the pack has is created by the system."""
    authority = officer(collection_world)
    penalty = current_definition(db, "administrative_penalty")
    mine = {**penalty, "code": "fire_safety_penalty", "name_en": "Fire-safety penalty"}
    catalog.create_record_type(db, clock, authority, mine)
    pack = rule_packs.RulePack.of(
        PACK,
        [
            {**penalty, "code": "fire_safety_penalty", "name_en": "Fire penalty"},
            {**penalty, "code": "fire_safety_licence", "name_en": "Fire licence"},
        ],
    )
    planned = system_plan(db, pack)
    assert statuses(planned) == {
        "fire_safety_penalty": PackStatus.CONFLICT,
        "fire_safety_licence": PackStatus.NEW,
    }
    conflict = planned.items[0]
    assert conflict.baseline is None
    assert [(c.path, c.kind) for c in conflict.changes if c.kind is not ChangeKind.SAME] == [
        ("name_en", ChangeKind.COLLISION)
    ]
    assert conflict.proposal == catalog.effective_rule(
        db, "fire_safety_penalty"
    ).definition.model_dump(mode="json")
    rule_packs.apply(db, clock, pack)
    created = catalog.effective_rule(db, "fire_safety_licence").version
    assert (created.created_by, created.note, created.rule_pack) == (
        None,
        f"loaded from {PACK}",
        PACK,
    )
    assert (
        catalog.effective_rule(db, "fire_safety_penalty").definition.name_en
        == "Fire-safety penalty"
    )


def test_a_field_the_pack_adds_or_removes_is_one_change(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """A later pack adds a field to the contract type (after the field it follows) and drops
    an optional one; the authority had changed another field's label."""
    load_earlier(db, clock, CONTRACT)
    earlier = current_definition(db, CONTRACT)
    mine = copy.deepcopy(earlier)
    mine["fields"][0]["label_en"] = "Name of the party"
    catalog.revise_record_type(db, clock, officer(collection_world), CONTRACT, mine, note="标签")
    names = [f["name"] for f in earlier["fields"]]
    later = copy.deepcopy(earlier)
    dropped = next(
        f["name"]
        for f in later["fields"]
        if not f["required"] and f["name"] not in _referenced(later)
    )
    later["fields"] = [f for f in later["fields"] if f["name"] != dropped]
    later["fields"].insert(
        2,
        {"name": "contract_value", "label_zh": "合同金额", "label_en": "Value", "type": "decimal"},
    )
    pack = rule_packs.RulePack.of(PACK, [later])
    found = system_plan(db, pack).items[0]
    assert found.status is PackStatus.CONFLICT
    assert {(c.path, c.kind) for c in found.changes} == {
        ("fields.contract_value", ChangeKind.UNTOUCHED),
        (f"fields.{dropped}", ChangeKind.UNTOUCHED),
    }
    assert found.proposal is not None
    proposed = [f["name"] for f in found.proposal["fields"]]
    expected = [n for n in names if n != dropped]
    expected.insert(expected.index(later["fields"][1]["name"]) + 1, "contract_value")
    assert proposed == expected
    assert found.proposal["fields"][0]["label_en"] == "Name of the party"


def _referenced(definition: dict[str, Any]) -> set[str]:
    keys = (
        "subject_name_field",
        "subject_uscc_field",
        "subject_citizen_id_field",
        "subject_kind_field",
        "decision_date_field",
        "own_party_field",
        "conduct_end_field",
    )
    named = {definition.get(k) for k in keys} | set(definition["natural_key"])
    named |= {f.get("not_before") for f in definition["fields"]}
    disclosure = definition.get("disclosure", {})
    named |= {disclosure.get("severity_field"), disclosure.get("minor_if_only_field")}
    return {n for n in named if n}


# --- the authority's answer -------------------------------------------------------------------


def test_the_authority_reconciles_and_later_changes_are_measured_from_its_answer(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, CONTRACT)
    revise(db, clock, collection_world, CONTRACT, legal_basis="合同履约（修订）")
    authority = officer(collection_world)
    found = rule_packs.item(db, authority, CONTRACT)
    assert found.proposal is not None
    rule = rule_packs.reconcile(
        db,
        clock,
        authority,
        CONTRACT,
        found.proposal,
        note="采纳本方业务核对",
        shipped_digest=found.digest,
    )
    assert rule.definition.own_party_field == "counterparty"
    assert rule.definition.legal_basis == "合同履约（修订）"
    version = rule.version
    assert version.created_by == f"user:{collection_world.users['authority'].id}"
    assert (version.rule_pack, version.note) == (PACK, "采纳本方业务核对")
    assert version.rule_pack_definition == found.shipped
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "catalog.record_type.version")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.details["reconciles_rule_pack"] == PACK
    assert event.details["changes"] == ["own_party_field", "fields.resolved_on.not_before"]
    # Nothing waits, and a run writes nothing.
    assert statuses(system_plan(db))[CONTRACT] is PackStatus.REVISED
    counts = (count(db, RecordTypeVersion), count(db, AuditEvent))
    rule_packs.apply(db, clock)
    assert (count(db, RecordTypeVersion), count(db, AuditEvent)) == counts
    # A later release changes the type's English name: only that is pending, measured from
    # what the authority answered (the legal basis is the authority's, not the pack's).
    later = shipped_pack(contract_performance={"name_en": "Performance of contracts"})
    again = rule_packs.item(db, authority, CONTRACT, later)
    assert again.status is PackStatus.CONFLICT
    assert [(c.path, c.kind) for c in again.changes] == [("name_en", ChangeKind.UNTOUCHED)]


def test_reconciling_is_refused_when_nothing_waits_or_the_pack_moved_on(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    authority = officer(collection_world)
    shipped = current_definition(db, CONTRACT)
    with pytest.raises(Conflict) as nothing:
        rule_packs.reconcile(
            db, clock, authority, CONTRACT, shipped, note="x", shipped_digest="0" * 16
        )
    assert (nothing.value.code, nothing.value.field) == ("no_rule_pack_change", "code")
    with pytest.raises(NotFound) as unknown:
        rule_packs.reconcile(
            db, clock, authority, "no_such_type", shipped, note="x", shipped_digest=""
        )
    assert unknown.value.code == "not_in_rule_pack"

    load_earlier(db, clock, CONTRACT)
    revise(db, clock, collection_world, CONTRACT, legal_basis="修订")
    found = rule_packs.item(db, authority, CONTRACT)
    with pytest.raises(Conflict) as moved:
        rule_packs.reconcile(
            db, clock, authority, CONTRACT, shipped, note="x", shipped_digest="0" * 16
        )
    assert (moved.value.code, moved.value.field) == ("rule_pack_changed", "shipped_digest")
    with pytest.raises(InvalidInput) as blank:
        rule_packs.reconcile(
            db, clock, authority, CONTRACT, shipped, note="  ", shipped_digest=found.digest
        )
    assert blank.value.code == "note_required"
    with pytest.raises(InvalidInput) as renamed:
        rule_packs.reconcile(
            db,
            clock,
            authority,
            CONTRACT,
            {**shipped, "code": "contract_other"},
            note="x",
            shipped_digest=found.digest,
        )
    assert renamed.value.code == "code_changed"
    with pytest.raises(PermissionDenied):
        rule_packs.reconcile(
            db,
            clock,
            officer(collection_world, "reporter"),
            CONTRACT,
            shipped,
            note="x",
            shipped_digest=found.digest,
        )
    with pytest.raises(PermissionDenied):
        rule_packs.plan(db, officer(collection_world, "reporter"))


# --- the comparison, for any edits ------------------------------------------------------------

# Edits a release or the authority might make to the penalty type: (path, value).
EDITS: list[tuple[str, Any]] = [
    ("legal_basis", "依据甲"),
    ("legal_basis", "依据乙"),
    ("name_en", "Penalty A"),
    ("name_en", "Penalty B"),
    ("members_only", True),
    ("fields.violation_facts.max_length", 3000),
    ("fields.violation_facts.max_length", 4000),
    ("fields.remarks.redactable", False),
    ("fields.licence_suspended.label_en", "Licence"),
    ("disclosure.periods.serious.max_months", 24),
    ("disclosure.periods.serious.max_months", 30),
    ("disclosure.review_before_publicity", True),
    ("fields.fine_amount", None),  # the field dropped
]


def _edited(base: dict[str, Any], edits: list[tuple[str, Any]]) -> dict[str, Any]:
    canonical = rule_packs._canonical(copy.deepcopy(base))
    for path, value in edits:
        keys = path.split(".")
        target = canonical
        for key in keys[:-1]:
            target = target[key]
        if value is None:
            target.pop(keys[-1], None)
        elif keys[-1] in target or len(keys) == 1 or keys[0] == "disclosure":
            target[keys[-1]] = value
    return rule_packs._as_definition(canonical, base, base)


edits = st.lists(st.sampled_from(EDITS), max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pack_edits=edits, city_edits=edits)
def test_the_proposal_keeps_the_citys_changes_and_takes_the_rest_of_the_packs(
    pack_edits: list[tuple[str, Any]], city_edits: list[tuple[str, Any]]
) -> None:
    base = catalog.parse_definition(
        next(d for d in catalog.read_rule_pack() if d["code"] == "administrative_penalty")
    ).model_dump(mode="json")
    shipped, city = _edited(base, pack_edits), _edited(base, city_edits)
    changes = list(rule_packs._changes(base, shipped, city))
    proposal = rule_packs._canonical(rule_packs._proposal(city, shipped, tuple(changes)))
    flat_base, flat_shipped, flat_city = (
        _flat(rule_packs._canonical(definition)) for definition in (base, shipped, city)
    )
    flat_proposal = _flat(proposal)
    for path in set(flat_base) | set(flat_shipped) | set(flat_city):
        was, now, theirs = (flat.get(path, "∅") for flat in (flat_base, flat_shipped, flat_city))
        got = flat_proposal.get(path, "∅")
        if theirs != was:
            assert got == theirs, path  # the city's own change is kept
        elif now != was:
            assert got == now, path  # what the city never touched takes the pack's change
        else:
            assert got == was, path
    # Nothing the pack changed escapes the list, and each is classed by the city's value.
    for change in changes:
        assert change.kind is (
            ChangeKind.SAME
            if change.city == change.shipped
            else ChangeKind.UNTOUCHED
            if change.city == change.loaded
            else ChangeKind.COLLISION
        )
    if not city_edits:
        assert proposal == rule_packs._canonical(shipped)


def _flat(canonical: dict[str, Any]) -> dict[str, Any]:
    """Every attribute of a canonical definition by its path (a field's and a period's one
    by one). None of the edits changes an attribute of a field another edit drops, where
    the comparison takes the whole field as one change."""
    flat: dict[str, Any] = {}
    for key, value in canonical.items():
        if key == "fields":
            for name, spec in value.items():
                flat.update({f"fields.{name}.{a}": v for a, v in spec.items()})
        elif key == "disclosure":
            for attribute, setting in value.items():
                if attribute == "periods":
                    for severity, period in setting.items():
                        flat.update(
                            {f"disclosure.periods.{severity}.{a}": v for a, v in period.items()}
                        )
                else:
                    flat[f"disclosure.{attribute}"] = setting
        else:
            flat[key] = value
    return flat


# --- through the API ---------------------------------------------------------------------------

RULE_PACK_API = "/api/v1/catalog/rule-pack"


def test_the_api_shows_the_credit_authority_what_the_pack_changes(
    collection_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, INSPECTION, CONTRACT)
    revise(db, clock, collection_world, CONTRACT, legal_basis="合同履约（修订）")
    db.commit()
    assert client.get(RULE_PACK_API).status_code == 401
    refused = client.get(RULE_PACK_API, headers=auth_headers(client, "reporter"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "permission_denied"

    answer = client.get(RULE_PACK_API, headers=auth_headers(client, "authority"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["rule_pack"] == PACK
    items = {item["code"]: item for item in body["items"]}
    assert {code for code, item in items.items() if item["pending"]} == {INSPECTION, CONTRACT}
    upgrade_item = items[INSPECTION]
    assert upgrade_item["status"] == "upgrade"
    assert upgrade_item["changes"] == [
        {
            "path": "disclosure.review_before_publicity",
            "kind": "untouched",
            "loaded": False,
            "shipped": True,
            "city": False,
        }
    ]
    assert upgrade_item["shipped"]["disclosure"]["review_before_publicity"] is True
    assert upgrade_item["proposal"] is None
    conflict = items[CONTRACT]
    assert conflict["status"] == "conflict"
    assert conflict["city_version"] == conflict["baseline_version"] + 1
    assert [c["kind"] for c in conflict["changes"]] == ["untouched", "untouched"]
    assert conflict["proposal"]["own_party_field"] == "counterparty"
    assert conflict["proposal"]["legal_basis"] == "合同履约（修订）"
    assert conflict["proposal_problem"] is None
    current_item = items["registration"]
    assert (current_item["status"], current_item["changes"], current_item["shipped"]) == (
        "current",
        [],
        None,
    )


def test_the_api_takes_the_credit_authoritys_answer(
    collection_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, CONTRACT)
    revise(db, clock, collection_world, CONTRACT, legal_basis="合同履约（修订）")
    db.commit()
    authority = auth_headers(client, "authority")
    item = next(
        i
        for i in client.get(RULE_PACK_API, headers=authority).json()["items"]
        if i["code"] == CONTRACT
    )
    url = f"{RULE_PACK_API}/{CONTRACT}/reconcile"
    answer = {
        "definition": item["proposal"],
        "note": "采纳本方业务核对",
        "shipped_digest": item["shipped_digest"],
    }
    assert (
        client.post(url, json=answer, headers=auth_headers(client, "reporter")).status_code == 403
    )
    stale = client.post(url, json={**answer, "shipped_digest": "0" * 16}, headers=authority)
    assert stale.status_code == 409, stale.text
    assert (stale.json()["error"]["code"], stale.json()["error"]["field"]) == (
        "rule_pack_changed",
        "shipped_digest",
    )
    invalid = client.post(
        url, json={**answer, "definition": {**item["proposal"], "fields": []}}, headers=authority
    )
    assert invalid.status_code == 422, invalid.text
    assert invalid.json()["error"]["code"] == "invalid_definition"
    unknown = client.post(f"{RULE_PACK_API}/no_such_type/reconcile", json=answer, headers=authority)
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["error"]["code"] == "not_in_rule_pack"

    saved = client.post(url, json=answer, headers=authority)
    assert saved.status_code == 201, saved.text
    assert saved.json()["own_party_field"] == "counterparty"
    assert saved.json()["rule"] == f"city rule v{item['city_version'] + 1}"
    db.expire_all()
    version = catalog.effective_rule(db, CONTRACT).version
    assert (version.note, version.rule_pack) == ("采纳本方业务核对", PACK)
    assert version.created_by == f"user:{collection_world.users['authority'].id}"
    again = client.post(url, json=answer, headers=authority)
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "no_rule_pack_change"


def test_an_answer_changing_the_natural_key_of_a_type_with_records_is_refused(
    collection_world: World, db: Session, clock: FixedClock
) -> None:
    """The authority's answer to the pack is a city revision like any other: it keeps the
    key by which the type's stored records are known (decision 0005, addendum)."""
    authority = officer(collection_world)
    load_earlier(db, clock, PENALTY)
    ingest(db, clock, collection_world.organisations["regulator"], [penalty_row(collection_world)])
    found = rule_packs.item(db, authority, PENALTY)
    assert found.pending
    answer = {
        **current_definition(db, PENALTY),
        "natural_key": ["decision_number", "decision_date"],
    }
    with pytest.raises(Conflict) as refused:
        rule_packs.reconcile(
            db, clock, authority, PENALTY, answer, note="改自然键", shipped_digest=found.digest
        )
    assert (refused.value.code, refused.value.field, refused.value.details["records"]) == (
        "natural_key_in_use",
        "natural_key",
        1,
    )
