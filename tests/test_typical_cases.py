"""Typical cases of integrity publicity (Art. 32): each kind on its basis, four eyes,
withdrawal, a case never outlasting its basis, anonymised credit-repair cases, the audit
trail, and the API."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World, auth_headers
from tests.lists_helpers import (
    actor,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.publicity_helpers import (
    add_second_officer,
    drafted,
    red_entry,
    repaired_case,
    serious_entry,
)
from xinyong import bootstrap, demo
from xinyong.audit.models import AuditEvent
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord
from xinyong.collection.records import current_version
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists.models import RemovalReason
from xinyong.publicity import cases
from xinyong.publicity.models import CaseKind
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase

ADMIN = "/admin/typical-cases"


@pytest.fixture
def pworld(lists_world: World, db: Session) -> World:
    add_second_officer(lists_world)
    db.commit()
    return lists_world


def _shown_ids(db: Session, day: dt.date) -> list[int]:
    return [c.case.id for c in cases.shown(db, day)]


def test_integrity_model_drafted_by_one_officer_published_by_another(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    entry = red_entry(db, pworld)
    case = drafted(db, pworld, list_entry_id=entry.id)
    assert cases.state(case) == "draft"
    assert _shown_ids(db, clock.today()) == []
    with pytest.raises(PermissionDenied) as refused:
        cases.publish(db, clock, actor(pworld, "authority"), case.id)
    assert (refused.value.code, refused.value.article) == ("self_publication", "Art. 32")
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    (shown,) = cases.shown(db, clock.today())
    assert shown.case.id == case.id
    assert shown.subject is not None
    assert shown.subject.display_name == pworld.subjects["other_company"].name
    assert shown.list_kind == "red"
    with pytest.raises(Conflict) as again:
        cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    assert again.value.code == "wrong_state"
    actions = list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "typical_case")
            .order_by(AuditEvent.sequence)
        )
    )
    assert actions == ["typical_case.drafted", "typical_case.published"]


def test_only_the_credit_authority_drafts(pworld: World, db: Session) -> None:
    entry = red_entry(db, pworld)
    for username, code in (
        ("caseofficer", "permission_denied"),
        ("objections", "permission_denied"),
        ("company", "permission_denied"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            drafted(db, pworld, list_entry_id=entry.id, by=username)
        assert refused.value.code == code


@pytest.mark.parametrize(
    ("kind", "basis", "error", "code", "field"),
    [
        (CaseKind.INTEGRITY_MODEL, "none", InvalidInput, "basis_required", "list_entry_id"),
        (CaseKind.INTEGRITY_MODEL, "serious", InvalidInput, "wrong_list", "list_entry_id"),
        (CaseKind.SERIOUS_DISHONESTY, "red", InvalidInput, "wrong_list", "list_entry_id"),
        (CaseKind.SERIOUS_DISHONESTY, "black", InvalidInput, "not_serious", "list_entry_id"),
        (CaseKind.SERIOUS_DISHONESTY, "missing", NotFound, "not_found", "list_entry_id"),
        (CaseKind.JOINT_PRACTICE, "red", InvalidInput, "basis_not_allowed", "list_entry_id"),
        (CaseKind.CREDIT_REPAIR, "none", InvalidInput, "basis_required", "repair_case_id"),
    ],
)
def test_a_case_rests_on_the_basis_its_kind_needs(
    pworld: World,
    db: Session,
    kind: CaseKind,
    basis: str,
    error: type[Exception],
    code: str,
    field: str,
) -> None:
    ids = {
        "none": None,
        "missing": 999_999,
        "red": lambda: red_entry(db, pworld).id,
        "serious": lambda: serious_entry(db, pworld).id,
        "black": lambda: (
            published_entry(
                db, pworld.clock, pworld, pworld.subjects["company"], "dishonest_subject"
            ).id
        ),
    }
    chosen = ids[basis]
    entry_id = chosen() if callable(chosen) else chosen
    with pytest.raises(error) as refused:
        drafted(db, pworld, kind, list_entry_id=entry_id)
    assert (refused.value.code, refused.value.field) == (code, field)  # type: ignore[attr-defined]


def test_exposure_never_outlasts_the_listing(pworld: World, db: Session, clock: FixedClock) -> None:
    """Shown while the entry is in force; not after its removal or the end of its term,
    with no job run — and a draft on an ended entry cannot be published."""
    entry = serious_entry(db, pworld)
    case = drafted(db, pworld, CaseKind.SERIOUS_DISHONESTY, list_entry_id=entry.id)
    other = drafted(db, pworld, CaseKind.SERIOUS_DISHONESTY, list_entry_id=entry.id)
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    assert _shown_ids(db, clock.today()) == [case.id]
    named = cases.staff_case(db, clock, actor(pworld, "authority"), case.id).subject
    assert named is not None
    assert named.display_name == pworld.subjects["company"].name
    assert entry.term_end is not None
    assert _shown_ids(db, entry.term_end + dt.timedelta(days=1)) == []
    removed_by_two(
        db,
        clock,
        pworld,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行处罚决定",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    assert _shown_ids(db, clock.today()) == []
    with pytest.raises(NotFound):
        cases.shown_one(db, clock.today(), case.id)
    with pytest.raises(Conflict) as refused:
        cases.publish(db, clock, actor(pworld, "authority2"), other.id)
    assert (refused.value.code, refused.value.article) == ("entry_not_in_force", "Art. 32")
    staff = cases.all_cases(db, clock, actor(pworld, "authority"))
    # Off the list, the subject is no longer named to the officers either: the entry's
    # number stands for it.
    assert [(s.case.id, s.state, s.shown, s.subject) for s in staff] == [
        (other.id, "draft", False, None),
        (case.id, "published", False, None),
    ]


def test_withdrawal_needs_a_reason_and_is_final(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    case = drafted(db, pworld, CaseKind.JOINT_PRACTICE, title="联合奖惩做法")
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    with pytest.raises(InvalidInput) as refused:
        cases.withdraw(db, clock, actor(pworld, "authority"), case.id, reason="  ")
    assert refused.value.code == "required"
    cases.withdraw(db, clock, actor(pworld, "authority"), case.id, reason="内容需更新")
    assert _shown_ids(db, clock.today()) == []
    with pytest.raises(Conflict):
        cases.withdraw(db, clock, actor(pworld, "authority"), case.id, reason="再次撤回")
    with pytest.raises(Conflict):
        cases.publish(db, clock, actor(pworld, "authority2"), case.id)


def test_a_credit_repair_case_is_anonymised_without_consent(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    repaired = repaired_case(pworld)
    company = pworld.subjects["company"]
    record = db.get(CreditRecord, repaired.record_id)
    assert record is not None
    number = current_version(db, record).payload["decision_number"]
    for field, text in (
        ("narrative", f"因{number}行政处罚决定书受罚后整改到位"),  # the record's number alone
        ("narrative", f"{company.name}整改到位"),
        ("narrative", "晨光 文具公司整改到位"),  # the name's core, spaced
        ("title", f"修复案例 {company.uscc}"),
    ):
        values = {"title": "修复案例", "narrative": "某企业整改到位", field: text}
        with pytest.raises(InvalidInput) as refused:
            drafted(db, pworld, CaseKind.CREDIT_REPAIR, repair_case_id=repaired.id, **values)
        assert (refused.value.code, refused.value.field, refused.value.article) == (
            "identifies_subject",
            field,
            "Art. 20",
        )
    case = drafted(
        db,
        pworld,
        CaseKind.CREDIT_REPAIR,
        repair_case_id=repaired.id,
        title="某文具企业主动整改完成信用修复",
        narrative="某文具企业因虚假宣传受到行政处罚后主动整改，作出信用承诺，完成信用修复。",
    )
    assert not case.names_subject
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    shown = cases.shown_one(db, clock.today(), case.id)
    assert shown.subject is None
    assert shown.repair is not None
    assert shown.repair.subject_is_organisation
    assert shown.repair.record_type_name == "行政处罚"


def test_a_credit_repair_case_names_the_subject_with_consent_and_follows_the_repair(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    repaired = repaired_case(pworld)
    company = pworld.subjects["company"]
    case = drafted(
        db,
        pworld,
        CaseKind.CREDIT_REPAIR,
        repair_case_id=repaired.id,
        title=f"{company.name}完成信用修复",
        narrative="整改到位",
        consent_evidence="企业书面同意书（2026年11月20日）",
    )
    assert case.names_subject
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    shown = cases.shown_one(db, clock.today(), case.id)
    assert shown.subject is not None
    assert shown.subject.display_name == company.name
    # Revoked by its source (the penalty annulled), the record is no longer a repaired one
    # to publicise: the case is not shown, nor can another be published on it.
    record = db.get(CreditRecord, repaired.record_id)
    assert record is not None
    revoked_on = db.begin_nested()
    revocation.revoke(
        db,
        clock,
        actor(pworld, "reporter"),
        record.id,
        ground="court",
        document_number="（2026）闽0102行初1号",
        reason="法院判决撤销处罚决定",
    )
    assert _shown_ids(db, clock.today()) == []
    with pytest.raises(Conflict) as refused:
        drafted(db, pworld, CaseKind.CREDIT_REPAIR, repair_case_id=repaired.id, narrative="整改")
    assert refused.value.code == "not_repaired"
    revoked_on.rollback()
    assert _shown_ids(db, clock.today()) == [case.id]
    # Fraud found after the repair (Art. 23): the repair is revoked, the case not shown.
    repair.fraud(db, clock, actor(pworld, "caseofficer"), repaired.id, reasons="提供虚假整改材料")
    assert _shown_ids(db, clock.today()) == []


def test_a_repair_not_decided_with_the_record_repaired_is_no_basis(
    pworld: World, db: Session
) -> None:
    from tests.repair_helpers import _case
    from xinyong.repair.models import RepairStatus

    pending: RepairCase = _case(pworld, RepairStatus.ACCEPTED)
    with pytest.raises(Conflict) as refused:
        drafted(db, pworld, CaseKind.CREDIT_REPAIR, repair_case_id=pending.id, narrative="整改")
    assert (refused.value.code, refused.value.article) == ("not_repaired", "Art. 20")
    with pytest.raises(InvalidInput) as consent:
        drafted(db, pworld, CaseKind.JOINT_PRACTICE, consent_evidence="同意书")
    assert consent.value.code == "consent_not_applicable"


_HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4E4F)  # no 晨, 光, 文, 具


@given(
    before=st.text(_HAN, max_size=20),
    after=st.text(_HAN, max_size=20),
    spaces=st.lists(st.sampled_from([" ", "\n", "\u3000"]), max_size=3),
)
def test_a_name_anywhere_in_the_text_identifies(before: str, after: str, spaces: list[str]) -> None:
    name = "福州晨光文具贸易有限公司"
    spaced = name[:4] + "".join(spaces) + name[4:]
    assert cases.identifies(before + spaced + after, [name])
    assert not cases.identifies(before + after, [name, "晨光文具"])


@given(code=st.sampled_from(["91350100MG59YK161P", "350102199403157723", "35010219940315772X"]))
def test_a_code_shaped_string_identifies(code: str) -> None:
    assert cases.identifies(f"当事人代码{code.lower()}已修复", [])


def test_a_code_typed_in_full_width_forms_identifies() -> None:
    full_width = str.maketrans(
        "0123456789ABCDEFGHJKLMNPQRTUWXY",
        "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ",
    )
    assert cases.identifies("当事人代码" + "91350100MG59YK161P".translate(full_width), [])


# --- no citizen ID number in a published text (rules.md; decision 0026) -----------------------

PROBE = "被执行人张某（身份证号350102199403157723）拒不履行生效判决，经联合惩戒后履行完毕。"


def _basis(db: Session, world: World, kind: CaseKind) -> dict[str, object]:
    if kind is CaseKind.INTEGRITY_MODEL:
        return {"list_entry_id": red_entry(db, world).id}
    if kind is CaseKind.SERIOUS_DISHONESTY:
        return {"list_entry_id": serious_entry(db, world).id}
    if kind is CaseKind.CREDIT_REPAIR:
        # Named by a paper consent: the anonymised case's own check does not apply.
        return {"repair_case_id": repaired_case(world).id, "consent_evidence": "书面同意书"}
    return {}


@pytest.mark.parametrize("kind", list(CaseKind))
@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("narrative", PROBE),
        ("title", "张某 350102 19940315 7723 守信典型"),
        ("title_en", "Zhang (ID 350102-19940315-7723)"),
        ("narrative_en", "ID number ３５０１０２１９９４０３１５７７２３, now compliant."),
    ],
)
def test_a_case_of_any_kind_holding_a_citizen_id_is_refused_when_drafted(
    pworld: World, db: Session, kind: CaseKind, field: str, text: str
) -> None:
    basis = _basis(db, pworld, kind)
    with pytest.raises(InvalidInput) as refused:
        drafted(db, pworld, kind, **basis, **{field: text})
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "citizen_id_in_text",
        field,
        "Art. 4 ¶2",
    )
    assert cases.all_cases(db, pworld.clock, actor(pworld, "authority")) == []


def test_a_draft_holding_a_citizen_id_is_refused_when_published(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    """A draft written before texts were checked (or changed in the database since) is
    checked again by the second officer's publication."""
    case = drafted(db, pworld, CaseKind.JOINT_PRACTICE, title="联合奖惩做法")
    case.narrative = PROBE
    db.flush()
    with pytest.raises(InvalidInput) as refused:
        cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    assert (refused.value.code, refused.value.field) == ("citizen_id_in_text", "narrative")
    assert cases.state(case) == "draft"
    assert _shown_ids(db, clock.today()) == []


def test_a_case_may_name_an_organisation_by_its_code_in_digits() -> None:
    """914403001922038216 is 18 digits and a valid unified social credit code, not a
    person's number: an integrity model names its organisation by it."""
    from xinyong import published_text

    published_text.refuse_citizen_ids(
        {"narrative": "福州某公司（统一社会信用代码914403001922038216）连续三年守法经营。"},
        today=dt.date(2026, 12, 5),
    )


def test_api_refuses_a_joint_practice_case_holding_a_citizen_id(
    pworld: World, client: TestClient
) -> None:
    """The probe: a write-up of practice quoting a person's number, drafted and published
    by two officers, was shown on the public page and the public API in clear."""
    body = {"kind": "joint_practice", "title": "联合惩戒促履行", "narrative": PROBE}
    refused = client.post(
        "/api/v1/typical-cases", json=body, headers=auth_headers(client, "authority")
    )
    assert refused.status_code == 422
    assert refused.json()["error"] == {
        "code": "citizen_id_in_text",
        "message": "the text holds a citizen ID number, which is never published in clear: "
        "leave it out, or give it masked as the platform shows one (the first six and the "
        "last four digits, 350102********1234)",
        "article": "Art. 4 ¶2",
        "field": "narrative",
    }
    assert client.get("/api/v1/typical-cases").json() == {"items": []}


def test_the_page_refuses_a_case_holding_a_citizen_id_beside_the_form_keeping_the_text(
    pworld: World, client: TestClient
) -> None:
    log_in(client, "authority")
    admin = client.get(ADMIN, headers=HTML)
    form = {
        "kind": "joint_practice",
        "title": "联合惩戒促履行",
        "narrative": PROBE,
        "csrf_token": csrf_from(admin.text),
    }
    refused = client.post(ADMIN, data=form, headers=HTML)
    assert refused.status_code == 422
    assert 'data-code="citizen_id_in_text"' in refused.text
    assert "文本中含有公民身份号码" in refused.text
    assert "第四条第二款" in refused.text
    assert PROBE in refused.text  # what was typed is kept in the form
    assert "350102199403157723" not in client.get("/integrity", headers=HTML).text


# --- the API ----------------------------------------------------------------------------------


def test_api_draft_publish_withdraw_and_public_reads(
    pworld: World, db: Session, client: TestClient
) -> None:
    entry = red_entry(db, pworld)
    db.commit()
    drafter, publisher = auth_headers(client, "authority"), auth_headers(client, "authority2")
    body = {
        "kind": "integrity_model",
        "title": "守法诚信经营典型",
        "title_en": "A model of lawful, honest business",
        "narrative": "连续三年无不良信用记录。",
        "list_entry_id": entry.id,
    }
    created = client.post("/api/v1/typical-cases", json=body, headers=drafter)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert client.get(f"/api/v1/typical-cases/{case_id}").status_code == 404
    refused = client.post(f"/api/v1/typical-cases/{case_id}/publish", headers=drafter)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "self_publication"
    published = client.post(f"/api/v1/typical-cases/{case_id}/publish", headers=publisher)
    assert published.status_code == 200, published.text
    assert published.json()["shown"] is True
    listed = client.get("/api/v1/typical-cases", params={"kind": "integrity_model"}).json()
    assert [c["id"] for c in listed["items"]] == [case_id]
    one = client.get(f"/api/v1/typical-cases/{case_id}").json()
    assert one["subject"]["name"] == pworld.subjects["other_company"].name
    assert one["list"]["kind"] == "red"
    assert client.get("/api/v1/typical-cases", params={"kind": "credit_repair"}).json() == {
        "items": []
    }
    wrong = client.post(
        "/api/v1/typical-cases",
        json={**body, "kind": "serious_dishonesty"},
        headers=drafter,
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"] == {
        "code": "wrong_list",
        "message": "an exposure of serious dishonesty rests on a black-list entry",
        "article": "Art. 32",
        "field": "list_entry_id",
    }
    withdrawn = client.post(
        f"/api/v1/typical-cases/{case_id}/withdraw",
        json={"reason": "典型已更新"},
        headers=publisher,
    )
    assert withdrawn.json()["state"] == "withdrawn"
    assert client.get(f"/api/v1/typical-cases/{case_id}").status_code == 404
    staff = client.get("/api/v1/typical-cases/all", headers=drafter).json()["items"]
    assert [(c["id"], c["state"], c["shown"]) for c in staff] == [(case_id, "withdrawn", False)]
    assert (
        client.get(
            "/api/v1/typical-cases/all", headers=auth_headers(client, "reporter")
        ).status_code
        == 403
    )


# --- the pages --------------------------------------------------------------------------------


def test_pages_draft_refuse_publish_and_show_in_each_language(
    pworld: World, db: Session, client: TestClient
) -> None:
    entry = red_entry(db, pworld)
    db.commit()
    log_in(client, "authority")
    admin = client.get(ADMIN, headers=HTML)
    assert admin.status_code == 200
    form = {
        "kind": "serious_dishonesty",
        "list_entry_id": str(entry.id),
        "title": "守法诚信经营典型",
        "narrative": "连续三年无不良信用记录。",
        "title_en": "A model of honest business",
        "narrative_en": "Three years without a bad record.",
        "csrf_token": csrf_from(admin.text),
    }
    # "²" is a digit to str.isdigit() and not to int(): refused, not a 500.
    odd = client.post(ADMIN, data={**form, "list_entry_id": "²"}, headers=HTML)
    assert odd.status_code == 422
    assert 'data-code="invalid_number"' in odd.text
    wrong = client.post(ADMIN, data=form, headers=HTML)
    assert wrong.status_code == 422
    assert 'data-code="wrong_list"' in wrong.text
    assert "曝光严重失信须以黑名单条目为依据" in wrong.text
    assert 'value="守法诚信经营典型"' in wrong.text
    done = client.post(ADMIN, data={**form, "kind": "integrity_model"}, headers=HTML)
    assert done.status_code == 200  # followed to the page with its notice
    assert "案例已起草" in done.text
    (case,) = cases.all_cases(db, pworld.clock, actor(pworld, "authority"))
    mine = client.post(
        f"{ADMIN}/{case.case.id}/publish", data={"csrf_token": csrf_from(done.text)}, headers=HTML
    )
    assert mine.status_code == 403
    assert 'data-code="self_publication"' in mine.text
    client.cookies.clear()
    log_in(client, "authority2")
    page = client.get(ADMIN, headers=HTML)
    published = client.post(
        f"{ADMIN}/{case.case.id}/publish", data={"csrf_token": csrf_from(page.text)}, headers=HTML
    )
    assert published.status_code == 200
    assert 'data-shown="true"' in published.text
    public = client.get("/integrity", headers=HTML).text
    assert "守法诚信经营典型" in public
    assert pworld.subjects["other_company"].name in public
    english = client.get(f"/integrity/{case.case.id}?lang=en", headers=HTML).text
    assert "A model of honest business" in english
    assert "Integrity publicity" in english
    assert "Read the typical cases" in client.get("/", headers=HTML).text


def test_the_public_page_shows_an_anonymised_repair_case_without_the_subject(
    pworld: World, db: Session, client: TestClient, clock: FixedClock
) -> None:
    repaired = repaired_case(pworld)
    case = drafted(
        db,
        pworld,
        CaseKind.CREDIT_REPAIR,
        repair_case_id=repaired.id,
        title="某企业主动整改完成信用修复",
        narrative="某企业受到行政处罚后主动整改，完成信用修复。",
    )
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    db.commit()
    page = client.get("/integrity", headers=HTML).text
    company = pworld.subjects["company"]
    assert "某企业主动整改完成信用修复" in page
    assert 'data-anonymised="true"' in page
    assert company.name not in page
    assert (company.uscc or "?") not in page


def test_the_demo_publishes_an_integrity_model_on_its_red_list_entry(
    db: Session, clock: FixedClock
) -> None:
    bootstrap.load_rule_pack(db, clock)
    demo.seed(db, clock, extra_companies=0)
    (shown,) = cases.shown(db, clock.today(), kind=CaseKind.INTEGRITY_MODEL)
    assert shown.subject is not None
    assert shown.subject.code == "91350100WWAPA40225"
    assert shown.case.drafted_by != shown.case.published_by


def test_the_demo_asks_the_company_to_consent_to_its_repair_case(
    db: Session, clock: FixedClock
) -> None:
    """Published anonymised, the company's consent awaited on /me/typical-cases."""
    from xinyong.accounts.models import UserAccount
    from xinyong.accounts.service import actor_for_user
    from xinyong.publicity import consent

    bootstrap.load_rule_pack(db, clock)
    demo.seed(db, clock, extra_companies=0)
    (shown,) = cases.shown(db, clock.today(), kind=CaseKind.CREDIT_REPAIR)
    assert shown.subject is None
    company = db.scalar(select(UserAccount).where(UserAccount.username == "company"))
    assert company is not None
    (request,) = consent.requests_for(db, clock, actor_for_user(company))
    assert request.case.id == shown.case.id
    assert request.consent.status.value == "requested"


def test_a_case_is_dated_by_the_day_it_was_published_in_fuzhou(
    pworld: World, db: Session, client: TestClient, clock: FixedClock
) -> None:
    entry = red_entry(db, pworld)
    case = drafted(db, pworld, CaseKind.INTEGRITY_MODEL, list_entry_id=entry.id)
    # 07:00 on the 30th in Fuzhou is still the 29th in UTC.
    clock.set(dt.datetime(2026, 11, 30, 7, 0, tzinfo=CHINA))
    cases.publish(db, clock, actor(pworld, "authority2"), case.id)
    db.commit()
    page = client.get(f"/integrity/{case.id}", headers=HTML).text
    assert "<dd>2026-11-30</dd>" in page
    assert "2026-11-29" not in page


def test_a_repair_case_naming_the_number_in_other_brackets_or_a_responsible_person_is_refused(
    pworld: World, db: Session, clock: FixedClock
) -> None:
    """The record's number written with other brackets (〔〕 as [], （）, 【】), the name in
    the Traditional script, or the name of the person registered as the company's legal
    representative (Art. 18) identifies the company as surely as its name."""
    from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole

    repaired = repaired_case(pworld)
    company = pworld.subjects["company"]
    db.add(
        ResponsiblePerson(
            organisation_subject_id=company.id,
            role=ResponsibleRole.LEGAL_REPRESENTATIVE,
            name="陈建国",
        )
    )
    db.flush()
    record = db.get(CreditRecord, repaired.record_id)
    assert record is not None
    number = current_version(db, record).payload["decision_number"]
    assert "〔" in number
    variants = [
        number.replace("〔", "[").replace("〕", "]"),
        number.replace("〔", "（").replace("〕", "）"),
        number.replace("〔", "【").replace("〕", "】"),
        number.replace("〔", "").replace("〕", ""),
    ]
    for text in (*variants, "福州晨光文具貿易有限公司", "法定代表人陳建國"):
        with pytest.raises(InvalidInput) as refused:
            drafted(
                db,
                pworld,
                CaseKind.CREDIT_REPAIR,
                repair_case_id=repaired.id,
                title="修复案例",
                narrative=f"当事人（{text}）整改到位",
            )
        assert refused.value.code == "identifies_subject", text
