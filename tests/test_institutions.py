"""The register of credit service institutions (Art. 26), the anti-bundling rule of
authorisations to them (Art. 27) and the industry statistics (Art. 28), through the
services and the API."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import catalog_loaded, collection_world  # noqa: F401
from tests.disclosure_helpers import (
    CONTRACT,
    actor_of,
    attempt,
    attempt_report,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    error_of,
    log_of,
    refusal_of,
)
from tests.factories import (
    InstitutionFactory,
    OrganisationFactory,
    UserFactory,
    World,
    auth_headers,
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_statistics_releases import release_month
from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.disclosure import access, authorisations, reports
from xinyong.disclosure.models import Authorisation
from xinyong.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from xinyong.institutions import register
from xinyong.institutions.models import InstitutionStatus
from xinyong.synthetic import make_uscc

UNTIL = dt.date(2027, 6, 30)


def _institution_with_analyst(world: World, db: Session) -> tuple[str, str]:
    """A registered institution, its organisation and an analyst account there."""
    entry = InstitutionFactory(name="福州诚信评估有限公司")
    organisation = OrganisationFactory(
        name=entry.name, kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=entry.uscc
    )
    world.organisations["institution"] = organisation
    world.users["inst_analyst"] = UserFactory(
        username="inst_analyst", role=Role.INSTITUTION_ANALYST, organisation=organisation
    )
    db.commit()
    return entry.uscc, entry.filing_number


def _grant(world: World, clock: Clock, **terms: object) -> object:
    return authorisations.grant(
        world.session,
        clock,
        actor_of(world, "citizen"),
        grantee=world.organisations["institution"],
        record_type_codes=[CONTRACT],
        purpose="信用评价",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="本人同意福州诚信评估有限公司查询本人合同履约信息。",
        **terms,  # type: ignore[arg-type]
    )


def test_the_authority_registers_and_anyone_verifies(client: TestClient, world: World) -> None:
    code = make_uscc(random.Random(7))
    body = {
        "uscc": code,
        "name": "福州明信信用服务有限公司",
        "filing_number": "闽信备〔2026〕0100号",
        "filing_date": "2026-05-01",
        "business_scope": "企业信用评价",
        "services": ["信用评价报告", "信用修复咨询"],
    }
    authority = auth_headers(client, "authority")
    created = client.post("/api/v1/institutions", json=body, headers=authority)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "active"
    # Again: the same code or filing number is refused.
    again = client.post("/api/v1/institutions", json=body, headers=authority)
    assert error_of(again) == (409, "already_registered", "Art. 26")
    bad = client.post(
        "/api/v1/institutions", json={**body, "uscc": code[:-1] + "0"}, headers=authority
    )
    assert error_of(bad) == (422, "check_character", "GB 32100-2015")
    refused = client.post(
        "/api/v1/institutions", json=body, headers=auth_headers(client, "analyst")
    )
    assert refused.status_code == 403
    # Anyone, anonymous, by code or by filing number.
    for asked in (code, "闽信备〔2026〕0100号"):
        found = client.get("/api/v1/institutions/verify", params={"code": asked})
        assert found.status_code == 200
        assert found.json()["may_operate"] is True
        assert found.json()["name"] == "福州明信信用服务有限公司"
    missing = client.get("/api/v1/institutions/verify", params={"code": "闽信备〔2026〕9999号"})
    assert error_of(missing) == (404, "not_registered", "Art. 26")
    amended = client.put(
        f"/api/v1/institutions/{code}",
        json={
            "name": "福州明信信用管理有限公司",
            "business_scope": "企业信用评价、信用管理咨询",
            "services": ["信用评价报告"],
            "reason": "更名",
        },
        headers=authority,
    )
    assert amended.json()["name"] == "福州明信信用管理有限公司"
    # Suspended, then deregistered: each a version, with its reason; the end is final.
    suspended = client.post(
        f"/api/v1/institutions/{code}/status",
        json={"status": "suspended", "reason": "未按期报送年度报告"},
        headers=authority,
    )
    assert suspended.json()["status"] == "suspended"
    assert (
        client.get("/api/v1/institutions/verify", params={"code": code}).json()["may_operate"]
        is False
    )
    client.post(
        f"/api/v1/institutions/{code}/status",
        json={"status": "deregistered", "reason": "申请注销"},
        headers=authority,
    )
    back = client.post(
        f"/api/v1/institutions/{code}/status",
        json={"status": "active", "reason": "恢复"},
        headers=authority,
    )
    assert error_of(back) == (409, "status_transition", "Art. 26")
    detail = client.get(f"/api/v1/institutions/{code}").json()
    assert [(v["version"], v["change"], v["entry"]["status"]) for v in detail["history"]] == [
        (1, "registered", "active"),
        (2, "amended", "active"),
        (3, "status", "suspended"),
        (4, "status", "deregistered"),
    ]
    assert detail["history"][0]["entry"]["name"] == "福州明信信用服务有限公司"  # kept
    assert detail["history"][2]["reason"] == "未按期报送年度报告"
    closed = client.put(
        f"/api/v1/institutions/{code}",
        json={"name": "x", "business_scope": "x", "services": ["x"], "reason": "x"},
        headers=authority,
    )
    assert error_of(closed) == (409, "deregistered", "Art. 26")
    listed = client.get("/api/v1/institutions").json()["items"]
    assert [i["uscc"] for i in listed] == [code]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(list(InstitutionStatus)), max_size=6))
def test_status_changes_follow_the_state_machine_and_each_is_a_version(
    db: Session, clock: Clock, steps: list[InstitutionStatus]
) -> None:
    savepoint = db.begin_nested()
    try:
        entry = register.register(
            db,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(len(steps))),
            name="福州状态测试信用有限公司",
            filing_number="闽信备-状态",
            filing_date=dt.date(2026, 1, 5),
            business_scope="信用评价",
            services=["信用评价报告"],
        )
        expected, versions = InstitutionStatus.ACTIVE, 1
        for status in steps:
            if status in register.TRANSITIONS[expected]:
                register.change_status(
                    db, clock, SYSTEM_ACTOR, entry.uscc, status=status, reason="r"
                )
                expected, versions = status, versions + 1
            else:
                with pytest.raises(Conflict, match="cannot become"):
                    register.change_status(
                        db, clock, SYSTEM_ACTOR, entry.uscc, status=status, reason="r"
                    )
            assert entry.status is expected
        assert [v.version_no for v in register.history(db, entry)] == list(range(1, versions + 1))
        if InstitutionStatus.DEREGISTERED in steps:
            assert entry.status is InstitutionStatus.DEREGISTERED  # final
    finally:
        savepoint.rollback()


def test_an_institution_is_authorised_only_for_a_stated_unbundled_service(
    disclosure_world: World, db: Session, clock: Clock
) -> None:
    world = disclosure_world
    uscc, _number = _institution_with_analyst(world, db)

    def refused(**terms: object) -> tuple[str, str | None]:
        try:
            _grant(world, clock, **terms)
        except DomainError as exc:
            return exc.code, exc.article
        raise AssertionError("granted")

    assert refused() == ("service_required", "Art. 27")
    assert refused(service="信用评价报告") == ("service_bundled", "Art. 27 ¶2")
    granted = _grant(world, clock, service="信用评价报告", service_not_conditional=True)
    assert granted.service == "信用评价报告"  # type: ignore[attr-defined]
    assert granted.service_not_conditional is True  # type: ignore[attr-defined]
    db.commit()
    analyst = actor_of(world, "inst_analyst")
    person = world.subjects["person"]
    assert isinstance(attempt(db, clock, analyst, person), access.Access)
    issued = attempt_report(db, clock, analyst, person)
    assert isinstance(issued, reports.IssuedReport)
    db.commit()
    # Suspended: no new authorisation, and the one in force reads nothing; the person
    # sees the refused attempt.
    register.change_status(
        db, clock, SYSTEM_ACTOR, uscc, status=InstitutionStatus.SUSPENDED, reason="整改"
    )
    db.commit()
    assert refused(service="信用评价报告", service_not_conditional=True) == (
        "institution_suspended",
        "Art. 26",
    )
    # The analyst's next request: its actor carries the register's standing.
    analyst = actor_of(world, "inst_analyst")
    assert analyst.standing is not None
    assert refusal_of(attempt(db, clock, analyst, person)) == ("institution_suspended", "Art. 26")
    assert log_of(db, actor_of(world, "citizen"))[-1].granted is False
    # Nor does it open again the report issued before.
    savepoint = db.begin_nested()
    with pytest.raises(PermissionDenied) as reopened:
        reports.reopen(db, clock, analyst, issued.report.number)
    savepoint.rollback()
    assert (reopened.value.code, reopened.value.article) == ("institution_suspended", "Art. 26")


def test_an_unregistered_institution_cannot_be_authorised(world: World, clock: Clock) -> None:
    world.organisations["institution"] = OrganisationFactory(
        name="未备案信用公司",
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        code=make_uscc(random.Random(3)),
    )
    with pytest.raises(Conflict) as refused:
        _grant(world, clock, service="信用评价报告", service_not_conditional=True)
    assert (refused.value.code, refused.value.article) == ("institution_not_registered", "Art. 26")


def test_a_bank_needs_no_service_and_keeps_none(world: World, clock: Clock) -> None:
    """Art. 27 binds credit service institutions: other grantees are unchanged."""
    item = authorisations.grant(
        world.session,
        clock,
        actor_of(world, "citizen"),
        grantee=world.organisations["bank"],
        record_type_codes=["credit_status"],
        purpose="贷款审批",
        valid_until=UNTIL,
        evidence_kind="signed_in_page",
        evidence="同意",
        service="ignored",
    )
    assert (item.service, item.service_not_conditional) == (None, None)


def test_api_grant_refuses_a_bundled_service(
    client: TestClient, disclosure_world: World, db: Session
) -> None:
    uscc, _ = _institution_with_analyst(disclosure_world, db)
    body = {
        "grantee": uscc,
        "record_types": [CONTRACT],
        "purpose": "信用评价",
        "valid_until": UNTIL.isoformat(),
        "evidence": "同意",
        "service": "信用评价报告",
    }
    headers = auth_headers(client, "citizen")
    bundled = client.post("/api/v1/me/authorisations", json=body, headers=headers)
    assert error_of(bundled) == (422, "service_bundled", "Art. 27 ¶2")
    ok = client.post(
        "/api/v1/me/authorisations",
        json={**body, "service_not_conditional": True},
        headers=headers,
    )
    assert ok.status_code == 201
    assert ok.json()["service"] == "信用评价报告"


def test_statistics_withhold_small_counts(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    company_penalty(db, clock, disclosure_world)
    db.commit()
    release_month(db)  # the public reads releases (decision 0055)
    found = client.get("/api/v1/industry-statistics").json()
    assert (found["min_cell"], found["article"]) == (5, "Art. 28")
    tables = {t["key"]: t for t in found["tables"]}
    by_kind = tables["records_by_organisation_kind"]
    (row,) = by_kind["rows"]
    assert row["row"] == "state_organ"
    assert row["cells"]["negative"] == {"value": None, "suppressed": True}
    assert by_kind["totals"]["total"]["value"] is None
    assert tables["list_entries_by_district"]["rows"] == []
    assert row["row_name"] == "国家机关"  # the default language's name beside the code
    csv_text = client.get("/api/v1/industry-statistics.csv?lang=en").text
    assert csv_text.splitlines()[0] == "table,row,row_name,column,count"
    assert "records_by_organisation_kind,state_organ,State organ,negative,*" in csv_text
    assert "1" not in {line.rsplit(",", 1)[1] for line in csv_text.splitlines()[1:]}


def test_invalid_register_input_is_refused(db: Session, clock: Clock) -> None:
    with pytest.raises(InvalidInput, match="future"):
        register.register(
            db,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(11)),
            name="x",
            filing_number="n",
            filing_date=dt.date(2027, 1, 1),
            business_scope="s",
            services=["a"],
        )


def test_the_authorisation_page_refuses_a_bundled_service_in_chinese(
    client: TestClient, disclosure_world: World, db: Session
) -> None:
    uscc, _ = _institution_with_analyst(disclosure_world, db)
    log_in(client, "citizen")

    def grant(**extra: str) -> str:
        page = client.post(
            "/me/authorisations",
            data={
                "grantee": uscc,
                "record_types": [CONTRACT],
                "purpose": "信用评价",
                "valid_until": UNTIL.isoformat(),
                "evidence_kind": "signed_in_page",
                "signed": "true",
                "signer_name": "王某某",
                "service": "信用评价报告",
                "csrf_token": csrf_from(client.get("/me/authorisations", headers=HTML).text),
                **extra,
            },
            headers=HTML,
            follow_redirects=False,
        )
        return f"{page.status_code} {page.text}"

    refused = grant()
    assert refused.startswith("422")
    assert 'data-code="service_bundled"' in refused
    assert "信用服务机构不得以信息主体授权或同意采集其信息作为提供服务的条件：请确认" in refused
    assert 'value="信用评价报告"' in refused  # what was typed is kept
    assert grant(service_not_conditional="true").startswith("303")
    item = db.scalars(
        select(Authorisation).where(
            Authorisation.subject_id == disclosure_world.subjects["person"].id
        )
    ).one()
    assert item.service == "信用评价报告"
    evidence = authorisations.evidence_of(db, item.id) or ""
    assert "不以本授权为条件" in evidence  # signed with the declaration
    assert "服务: 信用评价报告" in evidence
    listing = client.get("/me/authorisations", headers=HTML).text
    assert "服务：信用评价报告（不以本授权为条件" in listing


def test_the_statistics_page_and_the_register_page(client: TestClient, world: World) -> None:
    InstitutionFactory(name="福州公开名录信用有限公司", filing_number="闽信备-公开-1")
    world.session.commit()
    listing = client.get("/institutions", params={"code": "闽信备-公开-1"}, headers=HTML)
    assert 'data-status="active"' in listing.text
    assert "福州公开名录信用有限公司" in listing.text
    unknown = client.get("/institutions", params={"code": "nothing"}, headers=HTML)
    assert 'data-status="not_registered"' in unknown.text
    stats = client.get("/statistics/industry", headers=HTML)
    assert stats.status_code == 200
    assert "尚无发布" in stats.text  # no release yet (decision 0055)


def test_the_statistics_name_each_district_in_the_pages_language(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    """A district's name is the platform's own label, not data: Traditional on zh-Hant pages
    and English on English ones (review r3, finding 5: 鼓楼区 on all three)."""
    disclosure_world.subjects["company"].division = "350102"
    company_penalty(db, clock, disclosure_world)
    db.commit()
    release_month(db)
    for lang, name in (("zh_Hans", "鼓楼区"), ("zh_Hant", "鼓樓區"), ("en", "Gulou District")):
        page = client.get("/statistics/industry", params={"lang": lang}, headers=HTML).text
        row = re.search(r'<tr data-row="350102">\s*<th scope="row">([^<]*)</th>', page)
        assert row, page
        assert row[1] == name


def test_the_amendment_page_keeps_what_was_typed_when_refused(
    client: TestClient, world: World, db: Session, clock: Clock
) -> None:
    entry = InstitutionFactory(filing_number="闽信备-变更-1")
    register.change_status(
        db, clock, SYSTEM_ACTOR, entry.uscc, status=InstitutionStatus.DEREGISTERED, reason="注销"
    )
    db.commit()
    log_in(client, "authority")
    path = f"/admin/institutions/{entry.uscc}"
    page = client.post(
        path,
        data={
            "name": "福州新名称信用有限公司",
            "business_scope": "信用评价",
            "services": "信用评价报告",
            "reason": "更名",
            "csrf_token": csrf_from(client.get(path, headers=HTML).text),
        },
        headers=HTML,
    )
    assert page.status_code == 409
    assert 'data-code="deregistered"' in page.text
    assert 'value="福州新名称信用有限公司"' in page.text


# --- the services an institution filed (Art. 26–27; decision 0024 addendum) --------------------


def test_a_consent_or_an_authorisation_names_a_service_the_institution_filed(
    disclosure_world: World, db: Session, clock: Clock
) -> None:
    """Checked against the register, whatever the route (``register.service_terms``): a
    service the institution never filed is refused, naming the field and what it did
    file; another spelling of a filed one is stored as filed; a service the credit authority
    withdraws is refused from then on, and what was given for it before stands."""
    from xinyong.collection import consent

    world = disclosure_world
    uscc, _ = _institution_with_analyst(world, db)
    with pytest.raises(InvalidInput) as refused:
        _grant(world, clock, service="个人征信代查", service_not_conditional=True)
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "service_not_filed",
        "service",
        "Art. 26",
    )
    assert refused.value.details == {"filed_services": ["信用管理咨询", "信用评价报告"]}
    register.amend(
        db,
        clock,
        SYSTEM_ACTOR,
        uscc,
        name="福州诚信评估有限公司",
        business_scope="信用评价",
        services=["信用评价报告", "ESG 信用评价"],
        reason="增加ESG信用评价，停止信用管理咨询",
    )
    granted = _grant(world, clock, service="ＥＳＧ　　信用评价", service_not_conditional=True)
    assert granted.service == "ESG 信用评价"  # type: ignore[attr-defined]
    given = consent.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        subject=world.subjects["person"],
        grantee=world.organisations["institution"],
        record_type_codes=[CONTRACT],
        written=True,
        adverse_consequences_notified=False,
        service=" 信用评价报告 ",
        service_not_conditional=True,
    )
    assert given.service == "信用评价报告"
    with pytest.raises(InvalidInput) as withdrawn:
        consent.grant(
            db,
            clock,
            actor_of(world, "citizen"),
            subject=world.subjects["person"],
            grantee=world.organisations["institution"],
            record_type_codes=[CONTRACT],
            written=True,
            adverse_consequences_notified=False,
            service="信用管理咨询",
            service_not_conditional=True,
        )
    assert withdrawn.value.code == "service_not_filed"
    entry = register.by_code(db, uscc)
    assert [(s.name, s.withdrawn_on is None) for s in entry.service_history] == [
        ("ESG 信用评价", True),
        ("信用管理咨询", False),
        ("信用评价报告", True),
    ]
    # The order of the checks: the register's standing first, then the service named.
    register.change_status(
        db, clock, SYSTEM_ACTOR, uscc, status=InstitutionStatus.SUSPENDED, reason="整改"
    )
    with pytest.raises(Conflict) as suspended:
        _grant(world, clock, service="个人征信代查", service_not_conditional=True)
    assert suspended.value.code == "institution_suspended"


_SERVICES = ["信用评价报告", "信用管理咨询", "信用修复咨询", "ESG 信用评价", "行业信用分析报告"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.sampled_from(_SERVICES), min_size=1, max_size=4),
        min_size=1,
        max_size=5,
    )
)
def test_amendments_file_and_withdraw_services_keeping_each_period(
    db: Session, clock: Clock, amendments: list[list[str]]
) -> None:
    """Whatever the sequence of amendments: the services filed now are the last list's,
    one row each; a row is never deleted, a withdrawn one never comes back (a service filed
    again is a new row), and every row's period is in order."""
    savepoint = db.begin_nested()
    try:
        entry = register.register(
            db,
            clock,
            SYSTEM_ACTOR,
            uscc=make_uscc(random.Random(len(amendments))),
            name="福州服务测试信用有限公司",
            filing_number="闽信备-服务",
            filing_date=dt.date(2026, 1, 5),
            business_scope="信用评价",
            services=amendments[0],
        )
        seen: dict[int, tuple[str, dt.date | None]] = {}
        for services in amendments[1:]:
            register.amend(
                db,
                clock,
                SYSTEM_ACTOR,
                entry.uscc,
                name=entry.name,
                business_scope="信用评价",
                services=services,
                reason="调整服务",
            )
            for row in entry.filed_services:
                if row.id in seen and seen[row.id][1] is not None:
                    assert row.withdrawn_on == seen[row.id][1]  # never filed again
                seen[row.id] = (row.name, row.withdrawn_on)
            assert set(seen) <= {row.id for row in entry.filed_services}
        assert sorted(entry.services) == sorted(set(amendments[-1]))
        for row in entry.filed_services:
            assert row.withdrawn_on is None or row.filed_on <= row.withdrawn_on
        # The versions carry the list of each moment.
        history = register.history(db, entry)
        assert history[-1].snapshot["services"] == entry.services
    finally:
        savepoint.rollback()


def test_the_api_and_the_pages_show_and_check_the_filed_services(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    uscc, _ = _institution_with_analyst(disclosure_world, db)
    authority = auth_headers(client, "authority")
    amended = client.put(
        f"/api/v1/institutions/{uscc}",
        json={
            "name": "福州诚信评估有限公司",
            "business_scope": "信用评价",
            "services": ["信用评价报告"],
            "reason": "停止信用管理咨询",
        },
        headers=authority,
    )
    assert amended.status_code == 200, amended.text
    filed = {s["name"]: s for s in amended.json()["filed_services"]}
    assert filed["信用管理咨询"]["withdrawn_on"] == clock.today().isoformat()
    assert filed["信用评价报告"] == {
        "name": "信用评价报告",
        "filed_on": "2026-03-01",
        "withdrawn_on": None,
    }
    assert amended.json()["services"] == ["信用评价报告"]
    body = {
        "grantee": uscc,
        "record_types": [CONTRACT],
        "purpose": "信用评价",
        "valid_until": UNTIL.isoformat(),
        "evidence": "同意",
        "service": "信用管理咨询",
        "service_not_conditional": True,
    }
    citizen = auth_headers(client, "citizen")
    refused = client.post("/api/v1/me/authorisations", json=body, headers=citizen)
    assert error_of(refused) == (422, "service_not_filed", "Art. 26")
    assert refused.json()["error"]["field"] == "service"
    assert refused.json()["error"]["details"] == {"filed_services": ["信用评价报告"]}
    consent_refused = client.post(
        "/api/v1/me/consents",
        json={
            "grantee": uscc,
            "record_types": [CONTRACT],
            "service": "信用管理咨询",
            "service_not_conditional": True,
        },
        headers=citizen,
    )
    assert error_of(consent_refused) == (422, "service_not_filed", "Art. 26")

    # The public entry lists each service with its period.
    page = client.get(f"/institutions/{uscc}", headers=HTML).text
    assert 'data-service="信用管理咨询" data-filed="withdrawn"' in page
    assert 'data-service="信用评价报告" data-filed="filed"' in page
    # The forms offer the filed services; a refusal is explained in the page's language.
    log_in(client, "citizen")
    form = client.get("/me/authorisations", headers=HTML).text
    assert '<option value="信用评价报告" label="福州诚信评估有限公司">' in form
    assert 'value="信用管理咨询"' not in form
    shown = client.post(
        "/me/authorisations",
        data={
            "grantee": uscc,
            "record_types": [CONTRACT],
            "purpose": "信用评价",
            "valid_until": UNTIL.isoformat(),
            "evidence_kind": "signed_in_page",
            "signed": "true",
            "signer_name": "王某某",
            "service": "信用管理咨询",
            "service_not_conditional": "true",
            "csrf_token": csrf_from(form),
        },
        headers=HTML,
    )
    assert shown.status_code == 422
    assert 'data-code="service_not_filed"' in shown.text
    assert 'value="信用管理咨询"' in shown.text  # what was typed is kept


def test_an_institutions_consent_form_offers_its_filed_services(
    client: TestClient, disclosure_world: World, db: Session, clock: Clock
) -> None:
    from tests.collection_helpers import add_reporter, grant

    _institution_with_analyst(disclosure_world, db)
    grant(db, clock, disclosure_world.organisations["institution"], CONTRACT)
    add_reporter(db, disclosure_world.organisations["institution"], "inst_reporter")
    db.commit()
    log_in(client, "inst_reporter")
    page = client.get("/consents", headers=HTML).text
    assert '<select id="service" name="service"' in page
    for service in ("信用评价报告", "信用管理咨询"):
        assert re.search(rf'<option value="{service}"\s*>{service}</option>', page), service


def _full_width(text: str) -> str:
    """ASCII letters, digits and spaces as their full-width forms (as typed by an IME)."""
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


_NAME = st.text(
    alphabet=st.sampled_from(list("信用评价报告咨询修复ESG ab12")), min_size=1, max_size=12
).filter(lambda s: s.strip())


@given(name=_NAME, spaces=st.integers(min_value=1, max_value=3))
def test_a_service_is_the_same_whatever_its_width_and_spacing(name: str, spaces: int) -> None:
    """``service_key``: another spelling of a filed service — full-width forms, runs of
    spaces, spaces around — is that service; the key of a key is itself; and a list naming
    one service twice so keeps it once, in its first spelling."""
    respelt = " " * spaces + _full_width(name).replace("\u3000", "\u3000" * spaces) + "\u3000"
    assert register.service_key(respelt) == register.service_key(name)
    assert register.service_key(register.service_key(name)) == register.service_key(name)
    assert register._services([name, respelt]) == [name.strip()]
