"""Bringing the lists up to the shipped lists rule pack (decision 0034 addendum): a
standard or matter nobody changed is brought up in place, audited with what it replaced; a
published measure is never changed by the pack (Art. 17, Art. 19) — its new text waits as a
draft until the credit authority publishes it or keeps its own; a measure a release adds
is created unpublished; running again writes nothing; a database an earlier release set up
is brought up after migration 0040 records its baselines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_NOW, make_test_engine
from tests.factories import World
from tests.lists_rule_pack_helpers import (
    EARLIER_MATTER,
    EARLIER_MEANS,
    EARLIER_STANDARD,
    HEALTH,
    MATTER,
    PACK,
    first_measure,
    load_earlier,
    shipped,
)
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.db.migrate import alembic_config, upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import measures, rule_packs
from xinyong.lists.models import AdministrativeMatter, ListRulePackBaseline, ListStandard, Measure
from xinyong.lists.rule_packs import ListRulePack, PackStatus
from xinyong.rule_pack_changes import ChangeKind, changes, status


def authority(world: World) -> Actor:
    return accounts.actor_for_user(world.users["authority"])


def events(session: Session, action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalar(query) or 0


def last_run(session: Session) -> AuditEvent:
    run = session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "lists.rule_pack.apply")
        .order_by(AuditEvent.sequence.desc())
        .limit(1)
    )
    assert run is not None
    return run


def statuses(session: Session, pack: ListRulePack | None = None) -> dict[str, PackStatus]:
    planned = rule_packs.plan(session, SYSTEM_ACTOR, pack)
    return {f"{i.part}:{i.code}": i.status for i in planned.items}


def standard(session: Session, code: str = HEALTH) -> ListStandard:
    found = session.scalar(select(ListStandard).where(ListStandard.code == code))
    assert found is not None
    return found


def test_a_database_as_init_leaves_it_is_current_and_a_run_writes_nothing(db: Session) -> None:
    assert set(statuses(db).values()) == {PackStatus.CURRENT}
    before = events(db)
    planned = rule_packs.apply(db, FixedClock(TEST_NOW))
    assert not planned.pending
    assert events(db) == before
    assert measures.load_rule_pack(db, FixedClock(TEST_NOW)) == 0


def test_a_standard_and_a_matter_nobody_changed_are_brought_up_in_place(
    db: Session, clock: FixedClock
) -> None:
    load_earlier(db, clock, "standard", HEALTH, **EARLIER_STANDARD)
    load_earlier(db, clock, "matter", MATTER, **EARLIER_MATTER)
    found = rule_packs.item(db, SYSTEM_ACTOR, "standard", HEALTH)
    assert found.status is PackStatus.UPGRADE
    assert sorted(found.paths) == ["remedies", "repair_exclusion"]
    assert {c.kind for c in found.changes} == {ChangeKind.UNTOUCHED}

    later = FixedClock(TEST_NOW + dt.timedelta(days=30))
    planned = rule_packs.apply(db, later)
    assert {f"{i.part}:{i.code}" for i in planned.having(PackStatus.UPGRADE)} == {
        f"standard:{HEALTH}",
        f"matter:{MATTER}",
    }
    assert standard(db).repair_exclusion == "22(1)"
    assert db.get(AdministrativeMatter, MATTER).name_en == shipped("matter", MATTER)["name_en"]  # type: ignore[union-attr]
    upgraded = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "lists.rule_pack.upgrade")
    ).all()
    by_target = {(e.target_type, e.target_id): e.details for e in upgraded}
    assert by_target[("standard", HEALTH)]["before"] == {
        "repair_exclusion": None,
        "remedies": EARLIER_STANDARD["remedies"],
    }
    assert by_target[("standard", HEALTH)]["rule_pack"] == PACK
    run = last_run(db)
    assert run.details["upgraded"] == [f"matter:{MATTER}", f"standard:{HEALTH}"]

    # Running again writes nothing, not even an event.
    before = events(db)
    assert not rule_packs.apply(db, later).pending
    assert events(db) == before
    assert set(statuses(db).values()) == {PackStatus.CURRENT}


def test_a_published_measure_is_never_changed_by_the_pack(
    db: Session, clock: FixedClock, world: World
) -> None:
    code = first_measure()
    load_earlier(db, clock, "measure", code, means=EARLIER_MEANS)
    measure = measures.by_code(db, code)
    published_at = measure.published_at
    assert rule_packs.item(db, SYSTEM_ACTOR, "measure", code).status is PackStatus.DRAFT

    before = events(db)
    planned = rule_packs.apply(db, clock)
    assert [i.code for i in planned.having(PackStatus.DRAFT)] == [code]
    assert measure.means == EARLIER_MEANS
    assert measure.published_at == published_at
    assert events(db) == before  # nothing created or brought up: not even the run's event

    # The authority publishes the new text: a new act of publication, dated today.
    later = FixedClock(TEST_NOW + dt.timedelta(days=3))
    found = rule_packs.item(db, authority(world), "measure", code)
    now = rule_packs.reconcile(
        db,
        later,
        authority(world),
        "measure",
        code,
        answer="take",
        note="采纳新版措施",
        shipped_digest=found.digest,
    )
    assert now.status is PackStatus.CURRENT
    assert measure.means == shipped("measure", code)["means"]
    assert measure.published_at == later.now()
    (answered,) = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "lists.rule_pack.reconcile")
    )
    assert answered.details["before"] == {"means": EARLIER_MEANS}
    assert answered.details["republished"] is True
    assert events(db, "measure.publish") >= 1


def test_the_authority_may_keep_the_published_text_and_is_not_asked_again(
    db: Session, clock: FixedClock, world: World
) -> None:
    code = first_measure()
    load_earlier(db, clock, "measure", code, means=EARLIER_MEANS)
    found = rule_packs.item(db, authority(world), "measure", code)
    rule_packs.reconcile(
        db,
        clock,
        authority(world),
        "measure",
        code,
        answer="keep",
        note="沿用已公布文本",
        shipped_digest=found.digest,
    )
    assert measures.by_code(db, code).means == EARLIER_MEANS
    assert rule_packs.item(db, SYSTEM_ACTOR, "measure", code).status is PackStatus.REVISED
    baseline = db.scalar(select(ListRulePackBaseline).where(ListRulePackBaseline.code == code))
    assert baseline is not None
    assert baseline.recorded_by == authority(world).audit().id
    before = events(db)
    rule_packs.apply(db, clock)
    assert events(db) == before


def test_a_measure_a_release_adds_is_created_unpublished(db: Session, clock: FixedClock) -> None:
    data = measures.read_rule_pack()
    added = {**data["measures"][0], "code": "new_in_release", "name": "新增措施"}
    matter = {"code": "new_matter", "name": "新增事项", "name_en": "New matter"}
    pack = ListRulePack.of(
        PACK,
        {
            **data,
            "matters": [*data["matters"], matter],
            "measures": [*data["measures"], {**added, "matter_codes": ["new_matter"]}],
        },
    )
    planned = rule_packs.apply(db, clock, pack)
    assert {i.code for i in planned.having(PackStatus.NEW)} == {"new_in_release", "new_matter"}
    assert measures.state(measures.by_code(db, "new_in_release")) == "draft"
    assert statuses(db, pack)["measure:new_in_release"] is PackStatus.CURRENT
    run = last_run(db)
    assert run.details["created_unpublished"] == ["new_in_release"]


def test_a_measure_of_the_authoritys_own_with_a_code_the_pack_ships_is_a_conflict(
    db: Session, clock: FixedClock, world: World
) -> None:
    data = measures.read_rule_pack()
    own = {**data["measures"][0], "code": "authority_own", "means": "主管部门自定"}
    measures.create_measure(db, clock, authority(world), own)
    pack = ListRulePack.of(
        PACK, {**data, "measures": [*data["measures"], {**own, "means": "规则包文本"}]}
    )
    found = rule_packs.item(db, SYSTEM_ACTOR, "measure", "authority_own", pack)
    assert found.status is PackStatus.CONFLICT
    # Without a baseline every difference is the authority's own.
    assert [(c.path, c.kind) for c in found.changes if c.kind is not ChangeKind.SAME] == [
        ("means", ChangeKind.COLLISION)
    ]
    rule_packs.apply(db, clock, pack)
    assert measures.by_code(db, "authority_own").means == "主管部门自定"


@pytest.mark.parametrize(
    ("answer", "digest", "note", "code", "error"),
    [
        ("maybe", None, "x", "invalid_answer", InvalidInput),
        ("take", "0" * 16, "x", "rule_pack_changed", Conflict),
        ("take", None, "  ", "note_required", InvalidInput),
    ],
)
def test_answers_are_refused_with_their_code(
    db: Session,
    clock: FixedClock,
    world: World,
    answer: str,
    digest: str | None,
    note: str,
    code: str,
    error: type[Exception],
) -> None:
    load_earlier(db, clock, "matter", MATTER, **EARLIER_MATTER)
    found = rule_packs.item(db, authority(world), "matter", MATTER)
    with pytest.raises(error) as raised:
        rule_packs.reconcile(
            db,
            clock,
            authority(world),
            "matter",
            MATTER,
            answer=answer,
            note=note,
            shipped_digest=digest or found.digest,
        )
    assert raised.value.code == code  # type: ignore[attr-defined]


def test_nothing_waiting_unknown_parts_and_other_roles_are_refused(
    db: Session, clock: FixedClock, world: World
) -> None:
    found = rule_packs.item(db, authority(world), "matter", MATTER)
    with pytest.raises(Conflict) as raised:
        rule_packs.reconcile(
            db,
            clock,
            authority(world),
            "matter",
            MATTER,
            answer="take",
            note="x",
            shipped_digest=found.digest,
        )
    assert raised.value.code == "no_rule_pack_change"
    with pytest.raises(NotFound):
        rule_packs.item(db, authority(world), "nonsense", MATTER)
    with pytest.raises(PermissionDenied):
        rule_packs.plan(db, accounts.actor_for_user(world.users["caseofficer"]))


# --- the comparison's invariants --------------------------------------------------------------

VALUES = st.sampled_from([None, 1, 2, "a"])
DEFINITIONS = st.fixed_dictionaries({"x": VALUES, "y": VALUES, "z": VALUES})


@given(DEFINITIONS, DEFINITIONS, DEFINITIONS)
def test_the_status_follows_who_changed_what(
    loaded: dict[str, Any], shipped_: dict[str, Any], city: dict[str, Any]
) -> None:
    found = tuple(changes(loaded, shipped_, city))
    result = status(loaded, shipped_, city, found)
    assert {c.path for c in found} == {k for k in loaded if loaded[k] != shipped_[k]}
    if city == shipped_:
        assert result is PackStatus.CURRENT
    elif city == loaded:
        assert result is PackStatus.UPGRADE
        assert all(c.kind is ChangeKind.UNTOUCHED for c in found)
    elif result is PackStatus.REVISED:
        assert all(city[c.path] == shipped_[c.path] for c in found)
    else:
        assert result is PackStatus.CONFLICT
        assert any(city[c.path] != shipped_[c.path] for c in found)


# --- an old database --------------------------------------------------------------------------


def _revision_before_ours() -> str:
    script = ScriptDirectory.from_config(alembic_config())
    down = script.get_revision("0040").down_revision
    assert isinstance(down, str)
    return down


@pytest.mark.test_database
def test_a_database_set_up_by_an_earlier_release_is_brought_up(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The lists as an earlier release loaded them (no baselines, a standard's and a
    measure's earlier text); migration 0040 records the baselines, and one run brings the
    standard up and leaves the published measure's new text waiting; again, nothing."""
    engine = make_test_engine(request.config, tmp_path, "lists_pack_old")
    clock = FixedClock(dt.datetime(2026, 6, 1, 2, tzinfo=dt.UTC))
    measure = first_measure()
    try:
        upgrade(engine, _revision_before_ours())
        earlier = ListRulePack.of(PACK, measures.read_rule_pack())
        parts = []
        for part, definition in earlier.parts:
            if (part, definition["code"]) == ("standard", HEALTH):
                definition = {**definition, **EARLIER_STANDARD}
            if (part, definition["code"]) == ("measure", measure):
                definition = {**definition, "means": EARLIER_MEANS}
            parts.append((part, definition))
        # Keys not compared: that schema predates the keys of record at the chain's head.
        with unit_of_work(make_session_factory(engine, keys_compared=False)) as session:
            # As the earlier loader wrote them: rows only, the measures published — without
            # implementers and standards, which that schema lacks (migrations 0050, 0055).
            for part, definition in parts:
                if part == "measure":
                    values = measures.checked(session, dict(definition), today=clock.today())
                    for name in ("implementer_kinds", "implementer_codes", "standard_codes"):
                        values.pop(name)
                    session.execute(
                        insert(Measure.__table__).values(
                            **values, created_at=clock.now(), published_at=clock.now()
                        )
                    )
                    continue
                found = rule_packs.ListPackItem(
                    part, definition["code"], PackStatus.NEW, definition
                )
                rule_packs._create(session, clock, found, publish=True)
        upgrade(engine)
        later = FixedClock(TEST_NOW)
        with unit_of_work(make_session_factory(engine)) as session:
            assert session.scalar(select(func.count()).select_from(ListRulePackBaseline)) == len(
                parts
            )
            planned = rule_packs.apply(session, later)
            assert [i.code for i in planned.having(PackStatus.UPGRADE)] == [HEALTH]
            assert [i.code for i in planned.having(PackStatus.DRAFT)] == [measure]
            assert not planned.having(PackStatus.NEW, PackStatus.CONFLICT)
            assert standard(session).repair_exclusion == "22(1)"
            assert measures.by_code(session, measure).means == EARLIER_MEANS
            # Every published measure names its implementers as the pack does, the one whose
            # text waits too: they restate the published implementing body (decision 0045).
            shipped_kinds = {
                d["code"]: d["implementer_kinds"] for p, d in earlier.parts if p == "measure"
            }
            assert {
                m.code: m.implementer_kinds for m in session.scalars(select(Measure))
            } == shipped_kinds
            named = session.scalars(
                select(AuditEvent).where(AuditEvent.action == "lists.rule_pack.implementers")
            ).all()
            assert sorted(e.target_id for e in named) == sorted(shipped_kinds)
            assert (
                session.scalar(
                    select(func.count()).select_from(Measure).where(Measure.published_at.is_(None))
                )
                == 0
            )
        with unit_of_work(make_session_factory(engine)) as session:
            before = events(session)
            again = rule_packs.apply(session, later)
            assert [i.code for i in again.pending] == [measure]
            assert events(session) == before
    finally:
        engine.dispose()
