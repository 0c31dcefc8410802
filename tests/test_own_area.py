"""A district's credit authority acts in its own area (Art. 6; decision 0046).

The world: the city's organisations (the market regulator, the credit authority) and
福清市's — its credit authority (an officer ``fuqing``, an objection handler, a case
officer) and its market regulator, a source of penalties — plus 鼓楼区's credit authority
(``gulou``), which sees nothing of 福清市's."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    penalty_row,
    problems_of,
    source_columns,
)
from tests.factories import (
    OrganisationFactory,
    UserFactory,
    World,
    auth_headers,
    district_authority,
    record_objection,
)
from tests.lists_helpers import (
    actor,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.publicity_helpers import SERIOUS
from tests.repair_helpers import apply, old_decision
from xinyong.accounts import area
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.clock import FixedClock
from xinyong.collection import batches, timeliness
from xinyong.collection.models import Batch, CreditRecord
from xinyong.disclosure import access, supervision
from xinyong.disclosure.models import LegalPath
from xinyong.errors import DomainError, NotFound, PermissionDenied
from xinyong.institutions import register
from xinyong.lists import entries, measures
from xinyong.lists import responsible_register as responsible
from xinyong.lists.models import ListEntry
from xinyong.objections import cases as objection_cases
from xinyong.objections import service as objections
from xinyong.publicity import cases as typical_cases
from xinyong.publicity.models import CaseKind
from xinyong.repair import cases as repair_cases
from xinyong.repair import service as repair

FUQING = "350181"  # 福清市
GULOU = "350102"  # 鼓楼区


@pytest.fixture
def area_world(lists_world: World, db: Session, clock: FixedClock) -> World:
    world = lists_world
    fuqing = OrganisationFactory(
        name="福清市发展和改革局", kind=OrganisationKind.CREDIT_AUTHORITY, jurisdiction=FUQING
    )
    world.organisations["fuqing"] = fuqing
    for username, role in (
        ("fuqing", Role.CREDIT_AUTHORITY_OFFICER),
        ("fuqing_objections", Role.OBJECTION_HANDLER),
        ("fuqing_caseofficer", Role.CASE_OFFICER),
    ):
        world.users[username] = UserFactory(username=username, role=role, organisation=fuqing)
    world.users["gulou"] = district_authority(GULOU, username="gulou")
    world.users["gulou_objections"] = UserFactory(
        username="gulou_objections",
        role=Role.OBJECTION_HANDLER,
        organisation=world.users["gulou"].organisation,
    )
    regulator = OrganisationFactory(name="福清市市场监督管理局", jurisdiction=FUQING)
    world.organisations["fuqing_regulator"] = regulator
    world.users["fuqing_reporter"] = UserFactory(
        username="fuqing_reporter", role=Role.DATA_REPORTER, organisation=regulator
    )
    grant(db, clock, regulator, PENALTY)
    db.commit()
    return world


def penalty(
    db: Session, clock: FixedClock, world: World, source: str, **overrides: str
) -> CreditRecord:
    """A penalty about the company from ``source`` (an organisation of the world)."""
    organisation = world.organisations[source]
    row = penalty_row(world, **source_columns(organisation), **overrides)
    report = ingest(db, clock, organisation, [row])
    assert problems_of(report) == [], problems_of(report)
    record = db.scalars(
        select(CreditRecord)
        .where(CreditRecord.source_organisation_id == organisation.id)
        .order_by(CreditRecord.id.desc())
        .limit(1)
    ).one()
    db.commit()
    return record


def refused_outside(caught: pytest.ExceptionInfo[DomainError]) -> None:
    assert isinstance(caught.value, PermissionDenied)
    assert (caught.value.code, caught.value.article) == ("outside_own_jurisdiction", "Art. 6")


def moved_to_fuqing(db: Session, world: World, entry: ListEntry) -> ListEntry:
    """The entry as 福清市's market regulator's recognition (its agency moved in place:
    building a second agency's two officers and their records would test nothing more)."""
    entry.recognising_organisation_id = world.organisations["fuqing_regulator"].id
    db.commit()
    return entry


# --- the rule ----------------------------------------------------------------------------------


def test_the_city_authority_has_the_whole_city_a_district_its_own_district(
    area_world: World, db: Session
) -> None:
    world = area_world
    city_source = world.organisations["regulator"].id
    fuqing_source = world.organisations["fuqing_regulator"].id
    authority = actor(world, "authority")
    fuqing = actor(world, "fuqing")
    gulou = actor(world, "gulou")
    assert area.district_of(db, authority) is None
    assert area.in_own_area(db, authority, city_source)
    assert area.in_own_area(db, authority, fuqing_source)
    assert area.district_of(db, fuqing) == FUQING
    assert area.in_own_area(db, fuqing, fuqing_source)
    assert not area.in_own_area(db, fuqing, city_source)
    assert not area.in_own_area(db, fuqing, None)
    # Another district's authority sees nothing of 福清市's.
    assert not area.in_own_area(db, gulou, fuqing_source)
    assert not area.in_own_area(db, gulou, city_source)
    # The rule is the credit authorities': anyone else's reach is decided elsewhere.
    for other in (actor(world, "reporter"), actor(world, "fuqing_reporter"), SYSTEM_ACTOR):
        assert area.district_of(db, other) is None
        assert area.in_own_area(db, other, fuqing_source)
        assert area.in_own_area(db, other, city_source)
    every = set(db.scalars(select(Organisation.id)))

    def filtered(who: str) -> set[int]:
        clause = area.area_filter(db, actor(world, who), Organisation.id)
        return set(db.scalars(select(Organisation.id).where(clause)))

    fuqing_organisations = {world.organisations["fuqing"].id, fuqing_source}
    assert filtered("authority") == every
    assert filtered("fuqing") == fuqing_organisations
    assert area.organisations_in_area(db, fuqing) == fuqing_organisations
    assert area.organisations_in_area(db, authority) is None
    assert filtered("gulou") == {world.users["gulou"].organisation_id}
    with pytest.raises(PermissionDenied) as caught:
        area.require_in_own_area(db, fuqing, city_source, "the record's source")
    refused_outside(caught)
    with pytest.raises(PermissionDenied) as caught:
        area.require_city(db, fuqing, "the measure list")
    refused_outside(caught)
    area.require_city(db, authority, "the measure list")


JURISDICTIONS = ("350100", FUQING, GULOU, "350103")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    own=st.sampled_from(JURISDICTIONS),
    other=st.sampled_from(JURISDICTIONS),
    kind=st.sampled_from(
        [k for k in OrganisationKind if k is not OrganisationKind.PLATFORM_OPERATOR]
    ),
)
def test_the_area_is_the_whole_city_or_the_same_district(
    world: World, db: Session, own: str, other: str, kind: OrganisationKind
) -> None:
    """For any acting organisation and any organisation acted on: a credit authority of the
    city reaches it, one of a district only in that district; for anybody else the rule
    says nothing (every organisation is "in the area"). The SQL filter agrees."""
    acting = OrganisationFactory(kind=kind, jurisdiction=own)
    target = OrganisationFactory(jurisdiction=other)
    db.flush()
    who = Actor(kind="user", id=1, organisation_id=acting.id, organisation_kind=kind)
    expected = kind is not OrganisationKind.CREDIT_AUTHORITY or own in ("350100", other)
    assert area.in_own_area(db, who, target.id) is expected
    kept = db.scalars(
        select(Organisation.id).where(
            Organisation.id == target.id, area.area_filter(db, who, Organisation.id)
        )
    ).all()
    assert (target.id in kept) is expected


# --- objections to records ---------------------------------------------------------------------


def test_a_district_handler_handles_its_own_districts_objections_only(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    city = record_objection(db, clock, world, penalty(db, clock, world, "regulator").id)
    own = record_objection(db, clock, world, penalty(db, clock, world, "fuqing_regulator").id)
    db.commit()

    def queue(who: str) -> set[int]:
        return {c.objection.id for c in objection_cases.handler_queue(db, clock, actor(world, who))}

    assert {city.id, own.id} <= queue("objections")
    assert queue("fuqing_objections") == {own.id}
    assert queue("gulou_objections") == set()
    handler = actor(world, "fuqing_objections")
    for step in (
        lambda: objection_cases.case(db, clock, handler, city.id),
        lambda: objections.forward(db, clock, handler, city.id, note="请核实"),
        lambda: objections.decide(
            db, clock, handler, city.id, outcome="rejected", reasons="处罚金额无误"
        ),
    ):
        with pytest.raises(PermissionDenied) as caught:
            step()
        refused_outside(caught)
    assert objection_cases.case(db, clock, handler, own.id).objection.id == own.id
    assert objections.forward(db, clock, handler, own.id, note="请核实").status.value == "forwarded"


# --- credit repair -----------------------------------------------------------------------------


def test_a_district_authority_sees_and_accepts_its_own_districts_repairs_only(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    old = old_decision(clock)
    city = apply(db, clock, world, penalty(db, clock, world, "regulator", decision_date=old).id)
    own = apply(
        db, clock, world, penalty(db, clock, world, "fuqing_regulator", decision_date=old).id
    )
    db.commit()

    def queue(who: str) -> set[int]:
        return {c.case.id for c in repair_cases.authority_queue(db, clock, actor(world, who))}

    assert {city.id, own.id} <= queue("authority")
    assert queue("fuqing") == {own.id}
    assert queue("fuqing_objections") == {own.id}
    assert queue("gulou") == set()
    officer, handler = actor(world, "fuqing"), actor(world, "fuqing_objections")
    with pytest.raises(PermissionDenied) as caught:
        repair_cases.case(db, clock, officer, city.id)
    refused_outside(caught)
    with pytest.raises(PermissionDenied) as caught:
        repair.feedback(db, clock, handler, city.id, accept=True, reasons="")
    refused_outside(caught)
    assert repair_cases.case(db, clock, officer, own.id).case.id == own.id
    accepted = repair.feedback(db, clock, handler, own.id, accept=True, reasons="")
    assert accepted.status.value == "accepted"


# --- list entries and their objections ---------------------------------------------------------


def test_a_district_authority_reads_and_decides_on_its_own_districts_entries_only(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    city = published_entry(db, clock, world, world.subjects["company"])
    own = moved_to_fuqing(
        db, world, published_entry(db, clock, world, world.subjects["company"], SERIOUS)
    )
    company = actor(world, "company")
    city_objection = entries.object_to(db, clock, company, city.id, "已履行处罚决定")
    own_objection = entries.object_to(db, clock, company, own.id, "已履行处罚决定")
    db.commit()
    officer = actor(world, "fuqing")
    with pytest.raises(PermissionDenied) as caught:
        entries.visible_entry(db, officer, city.id)
    refused_outside(caught)
    assert entries.visible_entry(db, officer, own.id).id == own.id
    assert entries.visible_entry(db, actor(world, "authority"), city.id).id == city.id

    def queue(who: str) -> set[int]:
        return {c.objection.id for c in entries.objection_cases(db, actor(world, who))}

    assert {city_objection.id, own_objection.id} <= queue("objections")
    assert queue("fuqing_objections") == {own_objection.id}
    assert queue("gulou_objections") == set()
    with pytest.raises(PermissionDenied) as caught:
        entries.decide_objection(
            db,
            clock,
            actor(world, "fuqing_objections"),
            city_objection.id,
            upheld=False,
            reasons="认定事实清楚",
        )
    refused_outside(caught)
    decided = entries.decide_objection(
        db,
        clock,
        actor(world, "fuqing_objections"),
        own_objection.id,
        upheld=False,
        reasons="认定事实清楚",
    )
    assert decided.decided_at is not None


# --- typical cases -----------------------------------------------------------------------------


def test_a_district_authority_publicises_its_own_districts_cases_only(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    city = published_entry(db, clock, world, world.subjects["company"], SERIOUS)
    own = moved_to_fuqing(
        db,
        world,
        published_entry(db, clock, world, world.subjects["other_company"], SERIOUS),
    )
    fields = {"title": "失信典型", "narrative": "该企业拒不履行行政处罚决定。"}
    kind = CaseKind.SERIOUS_DISHONESTY
    officer = actor(world, "fuqing")
    with pytest.raises(PermissionDenied) as caught:
        typical_cases.draft(db, clock, officer, kind=kind, list_entry_id=city.id, **fields)
    refused_outside(caught)
    # A write-up of practice is about no organisation: the city's authority writes it.
    with pytest.raises(PermissionDenied) as caught:
        typical_cases.draft(db, clock, officer, kind=CaseKind.JOINT_PRACTICE, **fields)
    refused_outside(caught)
    city_case = typical_cases.draft(
        db, clock, actor(world, "authority"), kind=kind, list_entry_id=city.id, **fields
    )
    own_case = typical_cases.draft(db, clock, officer, kind=kind, list_entry_id=own.id, **fields)
    db.commit()
    assert {c.case.id for c in typical_cases.all_cases(db, clock, officer)} == {own_case.id}
    assert {city_case.id, own_case.id} <= {
        c.case.id for c in typical_cases.all_cases(db, clock, actor(world, "authority"))
    }
    assert typical_cases.all_cases(db, clock, actor(world, "gulou")) == []
    for step in (
        lambda: typical_cases.staff_case(db, clock, officer, city_case.id),
        lambda: typical_cases.publish(db, clock, officer, city_case.id),
        lambda: typical_cases.withdraw(db, clock, officer, city_case.id, reason="撤回"),
    ):
        with pytest.raises(PermissionDenied) as caught:
            step()
        refused_outside(caught)
    # The city's authority publishes the district's case: its area holds the district.
    published = typical_cases.publish(db, clock, actor(world, "authority"), own_case.id)
    assert published.published_at is not None


# --- supervision -------------------------------------------------------------------------------


def test_supervision_shows_a_district_its_own_districts_organisations(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    penalty(db, clock, world, "regulator")
    penalty(db, clock, world, "fuqing_regulator")
    officer, authority = actor(world, "fuqing"), actor(world, "authority")
    # Late submissions per source.
    assert [
        r.organisation_name
        for r in timeliness.by_source(db, clock, officer, late_after_working_days=7)
    ] == ["福清市市场监督管理局"]
    assert {"福州市市场监督管理局", "福清市市场监督管理局"} <= {
        r.organisation_name
        for r in timeliness.by_source(db, clock, authority, late_after_working_days=7)
    }
    assert timeliness.by_source(db, clock, actor(world, "gulou"), late_after_working_days=7) == []
    # Batches: the list filtered; another area's batch is answered as missing.
    fuqing_source = world.organisations["fuqing_regulator"].id
    assert {b.organisation_id for b in batches.list_batches(db, officer)} == {fuqing_source}
    city_batch = db.scalars(
        select(Batch).where(Batch.organisation_id == world.organisations["regulator"].id)
    ).first()
    assert city_batch is not None
    with pytest.raises(NotFound):
        batches.get_report(db, officer, city_batch.id)
    assert batches.get_report(db, authority, city_batch.id).batch.id == city_batch.id
    # Reads per organisation (the access log).
    for who in ("reporter", "fuqing_reporter"):
        access.log_use(
            db,
            clock,
            actor(world, who),
            world.subjects["company"],
            path=LegalPath.OFFICIAL_DUTY,
            what="credit_status",
            purpose="核查",
        )
    db.commit()
    today = clock.today()
    seen = {v.organisation.id for v in supervision.volumes(db, officer, today, today)}
    assert seen == {fuqing_source}
    assert world.organisations["regulator"].id in {
        v.organisation.id for v in supervision.volumes(db, authority, today, today)
    }
    # Follow-ups: recorded and listed for the own area's organisations only.
    with pytest.raises(PermissionDenied) as caught:
        supervision.record_follow_up(
            db, clock, officer, world.organisations["regulator"], "interview", "查询量异常"
        )
    refused_outside(caught)
    supervision.record_follow_up(
        db, clock, authority, world.organisations["regulator"], "interview", "查询量异常"
    )
    supervision.record_follow_up(
        db, clock, officer, world.organisations["fuqing_regulator"], "warning", "查询量异常"
    )
    assert [f.organisation.id for f in supervision.follow_ups(db, officer)] == [fuqing_source]
    assert len(supervision.follow_ups(db, authority)) == 2
    with pytest.raises(PermissionDenied) as caught:
        supervision.follow_ups(db, officer, world.organisations["regulator"].id)
    refused_outside(caught)


def test_a_register_of_responsible_persons_is_supervised_through_its_keeper(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    company = world.subjects["company"]
    with pytest.raises(PermissionDenied) as caught:
        responsible.register_of(db, clock, actor(world, "fuqing"), company)
    refused_outside(caught)
    responsible.register_of(db, clock, actor(world, "authority"), company)


# --- what only the city keeps ------------------------------------------------------------------


def test_the_measure_list_and_the_institution_register_are_the_citys(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    officer = actor(world, "fuqing")
    code = measures.all_measures(db)[0].code
    for step in (
        lambda: measures.withdraw(db, clock, officer, code),
        lambda: measures.publish(db, clock, officer, code),
        lambda: register.require_keeper(db, officer),
    ):
        with pytest.raises(PermissionDenied) as caught:
            step()
        refused_outside(caught)
    register.require_keeper(db, actor(world, "authority"))
    measures.require_keeper(db, actor(world, "authority"))


# --- activation codes --------------------------------------------------------------------------


def test_a_district_authority_releases_its_own_districts_staff_codes_and_any_subjects(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    world = area_world
    officer = actor(world, "fuqing")
    listed = {u.username for u in accounts.list_staff_accounts(db, officer)}
    assert listed == {"fuqing", "fuqing_objections", "fuqing_caseofficer", "fuqing_reporter"}
    assert "reporter" in {
        u.username for u in accounts.list_staff_accounts(db, actor(world, "authority"))
    }
    with pytest.raises(PermissionDenied) as caught:
        accounts.issue_activation_code(
            db, clock, officer, world.users["reporter"].id, account="staff"
        )
    refused_outside(caught)
    issued = accounts.issue_activation_code(
        db, clock, officer, world.users["fuqing_reporter"].id, account="staff"
    )
    assert issued.code
    # A subject's account has no area: any credit authority's counter releases its code.
    assert accounts.issue_activation_code(db, clock, officer, world.users["citizen"].id).code


# --- the API and the pages ---------------------------------------------------------------------


def test_the_api_filters_the_queues_and_refuses_another_areas_case(
    area_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = area_world
    city = record_objection(db, clock, world, penalty(db, clock, world, "regulator").id)
    own = record_objection(db, clock, world, penalty(db, clock, world, "fuqing_regulator").id)
    city_id, own_id = city.id, own.id
    db.commit()
    handler = auth_headers(client, "fuqing_objections")
    queue = client.get("/api/v1/record-objections", headers=handler)
    assert queue.status_code == 200, queue.text
    assert [item["id"] for item in queue.json()["items"]] == [own_id]
    assert client.get(f"/api/v1/record-objections/{own_id}", headers=handler).status_code == 200
    for method, url, body in (
        ("GET", f"/api/v1/record-objections/{city_id}", None),
        ("POST", f"/api/v1/record-objections/{city_id}/forward", {"note": "请核实"}),
    ):
        response = client.request(method, url, json=body, headers=handler)
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert (error["code"], error["article"]) == ("outside_own_jurisdiction", "Art. 6")
    officer = auth_headers(client, "fuqing")
    late = client.get("/api/v1/timeliness", headers=officer).json()["items"]
    assert [row["name"] for row in late] == ["福清市市场监督管理局"]
    staff = client.get("/api/v1/staff-accounts", headers=officer).json()["items"]
    assert "reporter" not in {row["username"] for row in staff}
    reporter_id = world.users["reporter"].id
    released = client.post(
        f"/api/v1/staff-accounts/{reporter_id}/activation-code", json={}, headers=officer
    )
    assert released.status_code == 403, released.text
    assert released.json()["error"]["code"] == "outside_own_jurisdiction"
    measure = client.post(
        f"/api/v1/measures/{measures.all_measures(db)[0].code}/withdraw", headers=officer
    )
    assert measure.status_code == 403, measure.text
    assert measure.json()["error"]["code"] == "outside_own_jurisdiction"


def test_the_pages_filter_the_queue_and_show_the_refusal_with_its_article(
    area_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = area_world
    city = record_objection(db, clock, world, penalty(db, clock, world, "regulator").id)
    own = record_objection(db, clock, world, penalty(db, clock, world, "fuqing_regulator").id)
    city_id, own_id = city.id, own.id
    db.commit()
    log_in(client, "fuqing_objections")
    queue = client.get("/record-objections")
    assert queue.status_code == 200, queue.text
    assert f"/record-objections/{own_id}" in queue.text
    assert f"/record-objections/{city_id}" not in queue.text
    refused = client.get(f"/record-objections/{city_id}")
    assert refused.status_code == 403
    assert "Art. 6" in refused.text or "第六条" in refused.text
    client.cookies.clear()
    log_in(client, "fuqing")
    page = client.get("/supervision/timeliness")
    assert page.status_code == 200
    assert "福清市市场监督管理局" in page.text
    assert "福州市市场监督管理局" not in page.text
    menu = client.get("/supervision/timeliness").text
    assert 'href="/admin/measures"' not in menu
    assert 'href="/admin/institutions"' not in menu
    assert client.get("/admin/measures").status_code == 403


def test_the_working_day_calendar_is_the_citys(
    area_world: World, db: Session, clock: FixedClock
) -> None:
    """One calendar counts every deadline in the city: a district's credit authority does not
    replace a year's arrangement (a black-box review did, with a single day)."""
    from xinyong import calendar_store

    year = clock.today().year + 1
    days = calendar_store.parse_arrangement(f"日期,安排,名称\n{year}-01-01,放假,元旦\n")
    with pytest.raises(PermissionDenied) as caught:
        calendar_store.enter_year(
            db,
            clock,
            actor(area_world, "fuqing"),
            year,
            days,
            source="x",
            late_after_working_days=7,
        )
    refused_outside(caught)
    assert not calendar_store.arrangement(db, year).known
    calendar_store.enter_year(
        db,
        clock,
        actor(area_world, "authority"),
        year,
        days,
        source="国办发明电",
        late_after_working_days=7,
    )
    assert calendar_store.arrangement(db, year).known


# --- what the pages offer a district (review r3, finding 4) ------------------------------------


def _options(page: str, select_id: str) -> list[str]:
    """The values a select of the page offers (its empty "choose" option left out)."""
    start = page.index(f'<select id="{select_id}"')
    select = page[start : page.index("</select>", start)]
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def test_the_sources_page_offers_a_district_its_own_organisations_and_refuses_on_the_form(
    area_world: World, db: Session, client: TestClient
) -> None:
    """The responsibility list is read city-wide (decision 0046), but a district's officer
    is offered to grant and revoke for its own district's organisations only; one sent
    anyway is refused beside the form (Art. 6), what was chosen kept."""
    world = area_world
    city, own = world.organisations["regulator"], world.organisations["fuqing_regulator"]
    in_area = {own.code, world.organisations["fuqing"].code}
    log_in(client, "fuqing")
    page = client.get("/admin/sources", headers=HTML).text
    assert f'<tr data-org="{city.code}">' in page  # the list is the whole city's
    revocable = set(re.findall(r'action="/admin/sources/([^/"]+)/[^/"]+/revoke"', page))
    assert revocable == {own.code}
    assert set(_options(page, "grant-org")) == in_area
    token = csrf_from(page)

    revoked = client.post(
        f"/admin/sources/{city.code}/{PENALTY}/revoke", data={"csrf_token": token}, headers=HTML
    )
    assert revoked.status_code == 403
    assert "<h1>责任清单</h1>" in revoked.text  # the page and its form, not an error page
    assert 'data-code="outside_own_jurisdiction"' in revoked.text
    assert "第六条" in revoked.text
    granted = client.post(
        "/admin/sources",
        data={"org": city.code, "type": "administrative_inspection", "csrf_token": token},
        headers=HTML,
    )
    assert granted.status_code == 403
    assert 'data-code="outside_own_jurisdiction"' in granted.text
    assert "第六条" in granted.text
    # What was chosen is kept: the organisation (shown, not offered) and the record type.
    assert re.search(rf'<option value="{city.code}"[^>]*selected', granted.text)
    assert re.search(r'<option value="administrative_inspection"[^>]*selected', granted.text)
    # The city's authority is offered every organisation, and the revocations of them all.
    client.cookies.clear()
    log_in(client, "authority")
    page = client.get("/admin/sources", headers=HTML).text
    assert {city.code, own.code} <= set(_options(page, "grant-org"))
    revocable = set(re.findall(r'action="/admin/sources/([^/"]+)/[^/"]+/revoke"', page))
    assert {city.code, own.code} <= revocable


def test_the_typical_cases_page_offers_a_district_its_own_entries_and_no_write_up_of_practice(
    area_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = area_world
    city = published_entry(db, clock, world, world.subjects["company"], SERIOUS)
    own = moved_to_fuqing(
        db, world, published_entry(db, clock, world, world.subjects["other_company"], SERIOUS)
    )
    city_id, own_id = city.id, own.id
    log_in(client, "fuqing")
    page = client.get("/admin/typical-cases", headers=HTML).text
    assert _options(page, "list_entry_id") == [str(own_id)]
    kinds = _options(page, "kind")
    assert CaseKind.JOINT_PRACTICE.value not in kinds
    assert CaseKind.SERIOUS_DISHONESTY.value in kinds
    # A write-up of practice sent anyway is refused for what it is: the city's to write,
    # not "another area's organisation" (it has none).
    practice = client.post(
        "/admin/typical-cases",
        data={
            "kind": CaseKind.JOINT_PRACTICE.value,
            "title": "联合奖惩做法",
            "narrative": "做法和经验",
            "csrf_token": csrf_from(page),
        },
        headers=HTML,
    )
    assert practice.status_code == 403
    assert 'data-code="outside_own_jurisdiction"' in practice.text
    assert "该案例涉及的单位" not in practice.text
    assert "由市社会信用主管部门统一管理" in practice.text
    assert "联合奖惩做法" in practice.text  # what was typed is kept
    client.cookies.clear()
    log_in(client, "authority")
    page = client.get("/admin/typical-cases", headers=HTML).text
    assert {str(city_id), str(own_id)} <= set(_options(page, "list_entry_id"))
    assert CaseKind.JOINT_PRACTICE.value in _options(page, "kind")
