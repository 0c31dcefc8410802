"""Red and black list entries from proposal to the end of their term (Art. 14, 15, 18, 25):
written notice and objection window before black-listing, public comment before
red-listing, a second officer of the recognising agency approves, the public lists,
expiry by the clock, early removal, responsible persons, and court judgment defaulters
entering and leaving through the collection pipeline."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import REPRESENTATIVE_ID, citizen_id_of, problems_of
from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    COURT,
    actor,
    basis_record,
    court_row,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
    penalty_record,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.catalog import service as catalog
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, PermissionDenied
from xinyong.identifiers import mask_citizen_id
from xinyong.lists import entries, measures
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    ListKind,
    ListObjection,
    ListRemovalProposal,
    ListStandard,
    RemovalProposalStatus,
    RemovalReason,
    Tier,
)
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject

ENTRIES = "/api/v1/list-entries"


def stored(db: Session, entry_id: int) -> ListEntry:
    db.expire_all()
    entry = db.get(ListEntry, entry_id)
    assert entry is not None
    return entry


def proposal(subject: Subject, standard: str = "dishonest_subject", **extra: Any) -> dict[str, Any]:
    return {
        "subject": subject.reference,
        "standard": standard,
        "criteria_met": "因违法行为受到较重行政处罚，拒不履行行政处罚决定",
        "reasons": "逾期六个月未缴纳罚款人民币五万元",
        "evidence": "榕市监罚〔2026〕88号行政处罚决定书及催告书",
        **extra,
    }


def rests_on(db: Session, clock: FixedClock, world: World, subject: Subject) -> dict[str, Any]:
    """A penalty about the subject, committed (a refused request rolls the shared session
    back to the last commit), for a black-list proposal to rest on (decision 0043)."""
    record = basis_record(db, clock, world, subject)
    db.commit()
    return {"basis_record_ids": [record.id]}


def error_of(response: Any) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["article"]


def public_list(client: TestClient, kind: str, **query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/lists/{kind}", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- the black list ------------------------------------------------------------------------------


def test_a_black_list_candidate_is_noticed_may_object_and_a_second_officer_publishes(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    officer, second = headers(client, "caseofficer"), headers(client, "caseofficer2")
    other_agency, subject = headers(client, "other_caseofficer"), headers(client, "company")
    std = entries.standard(db, "dishonest_subject")
    today = clock.today()

    # Proposed: the subject is told in writing, with reasons, basis, window and remedies.
    response = client.post(
        ENTRIES,
        json=proposal(company, basis_record_ids=[basis_record(db, clock, world, company).id]),
        headers=officer,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    entry_id = body["id"]
    window_ends = today + dt.timedelta(days=std.objection_days)
    assert (body["status"], body["window_ends"]) == ("noticed", window_ends.isoformat())
    notice = body["notice"]
    for needed in (
        "逾期六个月未缴纳罚款人民币五万元",  # the reasons
        std.legal_basis,  # the basis
        window_ends.isoformat(),  # the objection window
        std.remedies,  # the remedies
        std.exit_conditions,
    ):
        assert needed in notice
    entry = stored(db, entry_id)
    assert (entry.status, entry.kind, entry.tier) == (
        EntryStatus.NOTICED,
        ListKind.BLACK,
        Tier.BLACK,
    )
    assert entry.notice_text == notice
    assert entry.recognising_organisation_id == world.organisations["regulator"].id
    assert entry.proposed_by == f"user:{world.users['caseofficer'].id}"
    assert entry.term_start is None

    mine = client.get("/api/v1/me/notices", headers=subject).json()
    assert [e["id"] for e in mine["list_entries"]] == [entry_id]
    assert mine["list_entries"][0]["notice"] == notice
    assert mine["list_entries"][0]["status"] == "noticed"
    # Not published: the public black list does not show a candidate.
    assert public_list(client, "black")["items"] == []

    # Nobody approves while the window is open (Art. 15 ¶2): not even on its last day.
    approve = f"{ENTRIES}/{entry_id}/approve"
    assert error_of(client.post(approve, json={"reasons": "符合标准"}, headers=second)) == (
        422,
        "window_open",
        "Art. 15 ¶2",
    )
    clock.set(dt.datetime.combine(window_ends, dt.time(16, 0), tzinfo=CHINA))
    assert error_of(client.post(approve, json={"reasons": "符合标准"}, headers=second))[1] == (
        "window_open"
    )

    # The subject objects inside the window (its last day) ...
    objection = client.post(
        f"/api/v1/me/list-entries/{entry_id}/objection",
        json={"statement": "罚款已于2026年11月20日缴纳，附缴款凭证"},
        headers=subject,
    )
    assert objection.status_code == 201, objection.text
    objection_id = objection.json()["id"]

    # ... but not after it.
    clock.advance(dt.timedelta(days=1))
    late = client.post(
        f"/api/v1/me/list-entries/{entry_id}/objection",
        json={"statement": "补充材料"},
        headers=subject,
    )
    assert error_of(late) == (422, "window_closed", "Art. 25")
    db.expire_all()
    assert [o.id for o in db.scalars(select(ListObjection))] == [objection_id]

    # With the objection undecided, approval is refused.
    assert error_of(client.post(approve, json={"reasons": "符合标准"}, headers=second)) == (
        422,
        "objection_pending",
        "Art. 25",
    )
    # The proposer never approves their own proposal; an officer of another agency never
    # touches the regulator's entry.
    assert error_of(client.post(approve, json={"reasons": "符合标准"}, headers=officer)) == (
        403,
        "self_approval",
        "Art. 15",
    )
    assert error_of(client.post(approve, json={"reasons": "符合标准"}, headers=other_agency)) == (
        403,
        "other_organisation",
        "Art. 14",
    )
    decide = f"/api/v1/list-objections/{objection_id}/decide"
    assert error_of(
        client.post(decide, json={"upheld": False, "reasons": "不成立"}, headers=other_agency)
    )[:2] == (403, "other_organisation")

    # The objection is dismissed with reasons.
    dismissed = client.post(
        decide,
        json={"upheld": False, "reasons": "缴款凭证所载金额与处罚决定不符，罚款尚未足额缴纳"},
        headers=second,
    )
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["upheld"] is False
    assert dismissed.json()["entry"]["objections"][0]["decision_reasons"].startswith("缴款凭证")
    objection_row = db.get(ListObjection, objection_id)
    assert objection_row is not None
    assert (objection_row.upheld, objection_row.decided_by) == (
        False,
        f"user:{world.users['caseofficer2'].id}",
    )
    assert stored(db, entry_id).status is EntryStatus.NOTICED

    # A second officer approves: published, with the term of the standard.
    published = client.post(
        approve, json={"reasons": "异议不成立，符合失信主体认定标准"}, headers=second
    )
    assert published.status_code == 200, published.text
    body = published.json()
    approved_on = clock.today()
    term_end = entries.add_months(approved_on, std.term_months)
    assert (body["status"], body["term_start"], body["term_end"]) == (
        "published",
        approved_on.isoformat(),
        term_end.isoformat(),
    )
    assert body["legal_basis"] == std.legal_basis
    # Every step shows who took it and why (Art. 15 ¶2).
    assert [(h["action"], h["detail"]) for h in body["history"]] == [
        ("proposed", f"written notice sent; objection window until {window_ends}"),
        ("objection", "objection received"),
        ("objection_dismissed", "缴款凭证所载金额与处罚决定不符，罚款尚未足额缴纳"),
        ("approved", "异议不成立，符合失信主体认定标准"),
    ]
    entry = stored(db, entry_id)
    assert entry.status is EntryStatus.PUBLISHED
    assert entry.approved_by == f"user:{world.users['caseofficer2'].id}"
    assert (entry.term_start, entry.term_end) == (approved_on, term_end)
    assert entries.in_force(entry, approved_on)

    (item,) = public_list(client, "black")["items"]
    assert item["id"] == entry_id
    assert item["subject"] == {"code": company.uscc, "name": company.name}
    assert item["legal_basis"] == std.legal_basis
    assert item["reasons"] == "逾期六个月未缴纳罚款人民币五万元"
    assert (item["term_start"], item["term_end"]) == (approved_on.isoformat(), term_end.isoformat())
    assert item["standard"] == std.name
    # The public never sees the evidence, the notice or who proposed.
    assert not {"evidence", "notice", "proposed_by", "approved_by"} & set(item)
    # Approving twice is refused.
    assert error_of(client.post(approve, json={"reasons": "再次"}, headers=second))[:2] == (
        409,
        "wrong_state",
    )


def test_an_upheld_objection_rejects_the_candidacy(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    company = lists_world.subjects["company"]
    officer, second = headers(client, "caseofficer"), headers(client, "caseofficer2")
    basis = rests_on(db, clock, lists_world, company)
    entry_id = client.post(ENTRIES, json=proposal(company, **basis), headers=officer).json()["id"]
    objection_id = client.post(
        f"/api/v1/me/list-entries/{entry_id}/objection",
        json={"statement": "处罚决定已被行政复议撤销"},
        headers=headers(client, "company"),
    ).json()["id"]

    decided = client.post(
        f"/api/v1/list-objections/{objection_id}/decide",
        json={"upheld": True, "reasons": "处罚决定已被撤销，认定依据不存在"},
        headers=second,
    )

    assert decided.status_code == 200, decided.text
    assert decided.json()["entry"]["status"] == "rejected"
    assert decided.json()["entry"]["removal_reason"] == "objection_upheld"
    entry = stored(db, entry_id)
    assert entry.status is EntryStatus.REJECTED
    assert entry.removal_reason is RemovalReason.OBJECTION_UPHELD
    assert entry.removal_detail == "处罚决定已被撤销，认定依据不存在"
    assert entry.ended_at == clock.now()
    # Never published, and never approvable afterwards.
    clock.advance(dt.timedelta(days=30))
    response = client.post(f"{ENTRIES}/{entry_id}/approve", json={"reasons": "x"}, headers=second)
    assert error_of(response)[:2] == (409, "wrong_state")
    assert public_list(client, "black")["items"] == []
    notices = client.get("/api/v1/me/notices", headers=headers(client, "company")).json()
    (mine,) = notices["list_entries"]
    assert mine["status"] == "rejected"
    assert mine["objections"][0]["decision_reasons"] == "处罚决定已被撤销，认定依据不存在"


def test_a_candidacy_can_be_rejected_with_reasons(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    company = lists_world.subjects["company"]
    basis = rests_on(db, clock, lists_world, company)
    entry_id = client.post(
        ENTRIES, json=proposal(company, **basis), headers=headers(client, "caseofficer")
    ).json()["id"]
    response = client.post(
        f"{ENTRIES}/{entry_id}/reject",
        json={"reasons": "证据不足"},
        headers=headers(client, "caseofficer2"),
    )
    assert response.status_code == 200, response.text
    last = response.json()["history"][-1]
    assert (last["action"], last["detail"]) == ("rejected", "证据不足")
    assert response.json()["status"] == "rejected"
    assert stored(db, entry_id).status is EntryStatus.REJECTED


@pytest.mark.parametrize("field", ["criteria_met", "reasons"])
def test_a_proposal_whose_public_text_holds_a_citizen_id_is_refused(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock, field: str
) -> None:
    """Criteria met and reasons are public: on the red list's comment page and, once
    listed, on the lists and the subject's page. The evidence is not, and may hold one."""
    company = lists_world.subjects["company"]
    body = {
        **rests_on(db, clock, lists_world, company),
        "subject": company.uscc,
        "standard": "dishonest_subject",
        "criteria_met": "较重处罚",
        "reasons": "拒不履行行政处罚决定",
        "evidence": "决定书，当事人法定代表人身份证号350102199403157723",
        field: "法定代表人陈某（身份证号 350102-19940315-7723）拒不履行",
    }
    refused = client.post("/api/v1/list-entries", json=body, headers=headers(client, "caseofficer"))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "citizen_id_in_text",
        field,
        "Art. 4 ¶2",
    )
    body[field] = "拒不履行"
    accepted = client.post(
        "/api/v1/list-entries", json=body, headers=headers(client, "caseofficer")
    )
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize("field", ["criteria_met", "reasons", "evidence"])
def test_a_proposal_about_a_person_naming_what_art_11_forbids_is_refused(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock, field: str
) -> None:
    """An officer's words about a natural person are held to Art. 11 ¶3 as a batch's free
    text about one is: the lists would publish the illness they name. About an
    organisation the same words name no person's data, and are taken."""
    person, company = lists_world.subjects["person"], lists_world.subjects["company"]
    text = "当事人患有精神疾病期间拒不履行行政处罚决定"
    refused = client.post(
        "/api/v1/list-entries",
        json={**proposal(person, **rests_on(db, clock, lists_world, person)), field: text},
        headers=headers(client, "caseofficer"),
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "prohibited_content",
        field,
        "Art. 11 ¶3",
    )
    about_company = "该公司违法采集消费者指纹信息，拒不履行行政处罚决定"
    accepted = client.post(
        "/api/v1/list-entries",
        json={
            **proposal(company, **rests_on(db, clock, lists_world, company)),
            field: about_company,
        },
        headers=headers(client, "caseofficer"),
    )
    assert accepted.status_code == 201, accepted.text
    accepted_person = client.post(
        "/api/v1/list-entries",
        json=proposal(person, **rests_on(db, clock, lists_world, person)),
        headers=headers(client, "caseofficer"),
    )
    assert accepted_person.status_code == 201, accepted_person.text


def test_proposals_are_refused_without_reasons_twice_or_for_court_lists(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    officer = actor(world, "caseofficer")
    company = world.subjects["company"]
    with pytest.raises(InvalidInput) as missing:
        entries.propose(
            db,
            clock,
            officer,
            subject=company,
            standard_code="dishonest_subject",
            criteria_met="较重处罚",
            reasons="  ",
            evidence="决定书",
        )
    assert (missing.value.code, missing.value.field, missing.value.article) == (
        "required",
        "reasons",
        "Art. 15 ¶2",
    )
    entries.propose(
        db,
        clock,
        officer,
        subject=company,
        standard_code="dishonest_subject",
        criteria_met="较重处罚",
        reasons="拒不履行",
        evidence="决定书",
        basis_record_ids=[basis_record(db, clock, world, company).id],
    )
    with pytest.raises(Conflict) as twice:
        entries.propose(
            db,
            clock,
            actor(world, "caseofficer2"),
            subject=company,
            standard_code="dishonest_subject",
            criteria_met="较重处罚",
            reasons="拒不履行",
            evidence="决定书",
        )
    assert twice.value.code == "duplicate"
    # Court judgment defaulters are decided by the court and enter from its records.
    with pytest.raises(InvalidInput) as court:
        entries.propose(
            db,
            clock,
            officer,
            subject=company,
            standard_code=COURT,
            criteria_met="失信被执行人",
            reasons="拒不履行",
            evidence="判决书",
        )
    assert court.value.code == "entered_from_records"
    # Staff without the permission never propose.
    with pytest.raises(PermissionDenied):
        entries.propose(
            db,
            clock,
            actor(world, "querier"),
            subject=world.subjects["other_company"],
            standard_code="dishonest_subject",
            criteria_met="较重处罚",
            reasons="拒不履行",
            evidence="决定书",
        )


def test_only_the_subject_objects_and_only_once_noticed(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="较重处罚",
        reasons="拒不履行",
        evidence="决定书",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    # Another subject's candidacy is answered as a missing entry (its existence is not the
    # citizen's to learn).
    with pytest.raises(ConcealedRefusal) as other:
        entries.object_to(db, clock, actor(world, "citizen"), entry.id, "不是我")
    assert other.value.as_dict() == entries.no_such_entry().as_dict()
    with pytest.raises(PermissionDenied):
        entries.object_to(db, clock, actor(world, "caseofficer"), entry.id, "代为异议")
    with pytest.raises(InvalidInput) as empty:
        entries.object_to(db, clock, actor(world, "company"), entry.id, "   ")
    assert empty.value.code == "required"


# --- the red list ---------------------------------------------------------------------------------


def test_a_red_list_candidate_is_published_for_comment_then_approved(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    company = lists_world.subjects["other_company"]
    on_record_since(db, clock, lists_world, company)
    db.commit()
    officer, second = headers(client, "caseofficer"), headers(client, "caseofficer2")
    std = entries.standard(db, "integrity_model")
    assert std.comment_days == 7  # the default of rules.md, from the rule pack

    response = client.post(
        ENTRIES,
        json=proposal(
            company, "integrity_model", reasons="连续三年无不良记录，获评市级诚信示范企业"
        ),
        headers=officer,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    comment_until = clock.today() + dt.timedelta(days=7)
    assert (body["status"], body["window_ends"], body["notice"]) == (
        "in_comment",
        comment_until.isoformat(),
        None,
    )
    # The public sees the candidate during the comment period, not as listed yet.
    red = public_list(client, "red")
    assert red["items"] == []
    (candidate,) = red["candidates"]
    assert candidate["id"] == body["id"]
    assert candidate["comment_until"] == comment_until.isoformat()
    assert candidate["subject"] == {"code": company.uscc, "name": company.name}
    assert candidate["legal_basis"] == std.legal_basis
    assert public_list(client, "black")["candidates"] == []

    approve = f"{ENTRIES}/{body['id']}/approve"
    assert error_of(client.post(approve, json={"reasons": "公示无异议"}, headers=second)) == (
        422,
        "window_open",
        "Art. 15 ¶2",
    )
    clock.advance(dt.timedelta(days=8))
    assert error_of(client.post(approve, json={"reasons": "公示无异议"}, headers=officer))[1] == (
        "self_approval"
    )
    published = client.post(approve, json={"reasons": "公示期满无异议"}, headers=second)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    entry = stored(db, body["id"])
    assert (entry.kind, entry.tier, entry.status) == (ListKind.RED, Tier.RED, EntryStatus.PUBLISHED)
    assert entry.term_end == entries.add_months(clock.today(), std.term_months)
    red = public_list(client, "red")
    assert red["candidates"] == []
    assert [i["id"] for i in red["items"]] == [body["id"]]
    assert red["items"][0]["legal_basis"] == std.legal_basis


def test_the_comment_period_is_set_by_the_standard(
    lists_world: World, db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    pack = measures.read_rule_pack()
    standard = next(s for s in pack["standards"] if s["code"] == "integrity_model")
    short = {**standard, "code": "integrity_model_district", "comment_days": 3}
    path = tmp_path / "pack.toml"
    path.write_text(_toml_standard(short), encoding="utf-8")
    measures.load_rule_pack(db, clock, path)
    on_record_since(db, clock, lists_world, lists_world.subjects["other_company"])

    entry = entries.propose(
        db,
        clock,
        actor(lists_world, "caseofficer"),
        subject=lists_world.subjects["other_company"],
        standard_code="integrity_model_district",
        criteria_met="连续三年无不良记录",
        reasons="诚信示范",
        evidence="表彰文件",
    )

    assert entry.window_ends == clock.today() + dt.timedelta(days=3)
    later = FixedClock(clock.now() + dt.timedelta(days=4))
    entries.approve(db, later, actor(lists_world, "caseofficer2"), entry.id, reasons="无异议")
    assert entry.status is EntryStatus.PUBLISHED


def _toml_standard(item: dict[str, Any]) -> str:
    lines = ["[[standards]]"]
    lines += [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in item.items()]
    return "\n".join(lines) + "\n"


# --- the public lists, expiry and removal ---------------------------------------------------------


def test_public_lists_filter_by_name_code_and_tier(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]
    person = world.subjects["person"]
    black = published_entry(db, clock, world, company)
    serious = published_entry(db, clock, world, other, "serious_fair_competition")
    personal = published_entry(db, clock, world, person)
    red = published_entry(
        db, clock, world, CompanyFactory(name="福州诚信示范有限公司"), "integrity_model"
    )
    db.commit()

    everyone = public_list(client, "black")["items"]
    assert {i["id"] for i in everyone} == {black.id, serious.id, personal.id}
    assert [i["id"] for i in public_list(client, "black", tier="serious")["items"]] == [serious.id]
    assert {i["id"] for i in public_list(client, "black", tier="black")["items"]} == {
        black.id,
        personal.id,
    }
    assert [i["id"] for i in public_list(client, "black", q="晨光文具")["items"]] == [black.id]
    assert [i["id"] for i in public_list(client, "black", q=other.uscc or "")["items"]] == [
        serious.id
    ]
    assert public_list(client, "black", q="不存在的公司")["items"] == []
    assert [i["id"] for i in public_list(client, "red")["items"]] == [red.id]
    # A natural person is shown by masked ID number and masked name, never in clear.
    (shown,) = [i for i in everyone if i["id"] == personal.id]
    assert shown["subject"]["code"] == person.citizen_id_masked
    assert shown["subject"]["name"] == "王**"
    assert client.get("/api/v1/lists/grey").status_code == 422
    standards = client.get("/api/v1/list-standards").json()["items"]
    assert {s["code"] for s in standards} >= {"integrity_model", "dishonest_subject", COURT}
    assert all(s["legal_basis"] and s["exit_conditions"] for s in standards)


def test_public_list_search_never_finds_a_person_by_what_the_list_masks(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Art. 13 ¶3: the list shows a natural person as 王** and 350102********1234, so its
    search must not answer whether 王某某 (or 王X某, one character at a time) is the
    person listed, nor find them by the ID number in full."""
    world = lists_world
    person = world.subjects["person"]
    assert person.name == "王某某"
    personal = published_entry(db, clock, world, person)
    company = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    citizen_id = citizen_id_of(person)

    def found(q: str) -> list[int]:
        return [i["id"] for i in public_list(client, "black", q=q)["items"]]

    for guess in ("王某某", "王某", "某某", "王X某", citizen_id, citizen_id[:10]):
        assert found(guess) == [], guess
    # What the list shows, typed back exactly, finds what the list shows.
    assert found("王**") == [personal.id]
    assert found(person.citizen_id_masked or "") == [personal.id]
    # Organisations are found by name and code as before.
    assert found("晨光") == [company.id]
    page = client.get("/lists/black", params={"q": "王某某", "lang": "en"})
    assert page.status_code == 200
    assert "王**" not in page.text
    assert "No entries match." in page.text
    assert "are not found by their name or ID number" in page.text


def test_entries_expire_by_the_clock(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=1)
    db.commit()
    assert entry.term_end is not None
    assert entries.expire_due(db, clock, SYSTEM_ACTOR) == 0

    last_day = FixedClock(dt.datetime.combine(entry.term_end, dt.time(20, 0), tzinfo=CHINA))
    assert entries.expire_due(db, last_day, SYSTEM_ACTOR) == 0
    assert entries.in_force(entry, entry.term_end)
    clock.set(last_day.now() + dt.timedelta(days=1))
    # Past its term it is off the public list even before the job has run ...
    assert public_list(client, "black")["items"] == []
    # ... and the job records the end.
    assert entries.expire_due(db, clock, SYSTEM_ACTOR) == 1
    db.commit()
    stored_entry = stored(db, entry.id)
    assert stored_entry.status is EntryStatus.EXPIRED
    assert stored_entry.ended_at == clock.now()
    last = db.scalars(
        select(ListEntryEvent)
        .where(ListEntryEvent.entry_id == entry.id)
        .order_by(ListEntryEvent.id)
    ).all()[-1]
    assert (last.action, last.detail) == ("expired", f"term ended on {entry.term_end}")
    assert entries.expire_due(db, clock, SYSTEM_ACTOR) == 0


def test_an_early_removal_by_hand_is_proposed_and_approved_by_another_officer(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """One officer proposes the removal (202: the entry stays on the list); the same officer
    cannot decide it; a second officer approves, and only then does the entry leave."""
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    remove = f"{ENTRIES}/{entry.id}/remove"
    # The reasons of the procedures with their own checks and second officer cannot be
    # chosen by hand: one officer would remove an entry "early on application" or "repaired".
    for procedure in (
        "early_removal",
        "record_revoked",
        "repaired",
        "performed",
        "objection_upheld",
    ):
        refused = client.post(
            remove,
            json={"reason": procedure, "detail": "x"},
            headers=headers(client, "caseofficer"),
        )
        assert error_of(refused)[:2] == (422, "reason_of_another_procedure"), procedure
    assert stored(db, entry.id).status is EntryStatus.PUBLISHED
    body = {"reason": "exit_conditions_met", "detail": "已缴纳罚款并完成信用修复"}
    assert error_of(client.post(remove, json=body, headers=headers(client, "other_caseofficer")))[
        :2
    ] == (403, "other_organisation")
    assert client.post(remove, json=body, headers=headers(client, "querier")).status_code == 403

    response = client.post(remove, json=body, headers=headers(client, "caseofficer"))

    assert response.status_code == 202, response.text
    proposal = response.json()
    assert (proposal["status"], proposal["reason"], proposal["detail"]) == (
        "open",
        "exit_conditions_met",
        "已缴纳罚款并完成信用修复",
    )
    assert stored(db, entry.id).status is EntryStatus.PUBLISHED
    assert len(public_list(client, "black")["items"]) == 1
    again = client.post(remove, json=body, headers=headers(client, "caseofficer2"))
    assert error_of(again)[:2] == (409, "duplicate")
    decide = f"/api/v1/list-removals/{proposal['id']}"
    reasons = {"reasons": "核实已履行"}
    own = client.post(f"{decide}/approve", json=reasons, headers=headers(client, "caseofficer"))
    assert error_of(own) == (403, "own_proposal", "Art. 15")
    other = client.post(
        f"{decide}/approve", json=reasons, headers=headers(client, "other_caseofficer")
    )
    assert error_of(other)[:2] == (403, "other_organisation")
    queue = client.get("/api/v1/list-removals", headers=headers(client, "caseofficer2")).json()
    assert [(i["id"], i["may_decide"]) for i in queue["items"]] == [(proposal["id"], True)]
    mine = client.get("/api/v1/list-removals", headers=headers(client, "caseofficer")).json()
    assert [(i["id"], i["may_decide"]) for i in mine["items"]] == [(proposal["id"], False)]
    assert (
        client.post(
            f"{decide}/approve", json={"reasons": ""}, headers=headers(client, "caseofficer2")
        ).status_code
        == 422
    )

    approved = client.post(
        f"{decide}/approve", json=reasons, headers=headers(client, "caseofficer2")
    )

    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    removed = stored(db, entry.id)
    assert (removed.status, removed.removal_reason, removed.removal_detail, removed.ended_at) == (
        EntryStatus.REMOVED,
        RemovalReason.EXIT_CONDITIONS_MET,
        "已缴纳罚款并完成信用修复",
        clock.now(),
    )
    assert public_list(client, "black")["items"] == []
    history = client.get(f"{ENTRIES}/{entry.id}", headers=headers(client, "caseofficer")).json()[
        "history"
    ]
    assert [h["action"] for h in history[-3:]] == [
        "removal_proposed",
        "removal_approved",
        "removed",
    ]
    assert history[-1]["detail"] == "exit_conditions_met: 已缴纳罚款并完成信用修复"
    twice = client.post(f"{decide}/refuse", json=reasons, headers=headers(client, "caseofficer2"))
    assert error_of(twice)[:2] == (409, "decided")
    assert error_of(client.post(remove, json=body, headers=headers(client, "caseofficer")))[:2] == (
        409,
        "wrong_state",
    )


def test_a_refused_removal_leaves_the_entry_on_the_list_and_a_new_one_may_be_proposed(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    body = {"reason": "other", "detail": "拟提前移出"}
    remove = f"{ENTRIES}/{entry.id}/remove"
    first = client.post(remove, json=body, headers=headers(client, "caseofficer")).json()
    refused = client.post(
        f"/api/v1/list-removals/{first['id']}/refuse",
        json={"reasons": "退出条件尚未满足"},
        headers=headers(client, "caseofficer2"),
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["decision"]["reasons"] == "退出条件尚未满足"
    assert stored(db, entry.id).status is EntryStatus.PUBLISHED
    second = client.post(remove, json=body, headers=headers(client, "caseofficer2"))
    assert second.status_code == 202, second.text


def test_a_removal_proposal_lapses_when_the_entry_leaves_the_list_otherwise(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Its term ends before anyone decides: the proposal lapses, by the system, and can no
    longer be approved."""
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=1)
    db.commit()
    proposal = client.post(
        f"{ENTRIES}/{entry.id}/remove",
        json={"reason": "other", "detail": "拟提前移出"},
        headers=headers(client, "caseofficer"),
    ).json()
    assert entry.term_end is not None
    clock.set(dt.datetime.combine(entry.term_end + dt.timedelta(days=1), dt.time(9), CHINA))
    # Its term is over though the daily job has not run yet: not removed by the proposal.
    early = client.post(
        f"/api/v1/list-removals/{proposal['id']}/approve",
        json={"reasons": "核实"},
        headers=headers(client, "caseofficer2"),
    )
    assert error_of(early)[:2] == (409, "entry_left_list")
    assert entries.expire_due(db, clock, SYSTEM_ACTOR) == 1
    db.commit()
    lapsed = db.get(ListRemovalProposal, proposal["id"])
    assert lapsed is not None
    assert (lapsed.status, lapsed.decided_by) == (RemovalProposalStatus.LAPSED, "system")
    assert lapsed.decision_reasons == "lapsed: the entry left the list otherwise (expired)"
    late = client.post(
        f"/api/v1/list-removals/{proposal['id']}/approve",
        json={"reasons": "核实"},
        headers=headers(client, "caseofficer2"),
    )
    assert error_of(late)[:2] == (409, "decided")
    assert stored(db, entry.id).status is EntryStatus.EXPIRED
    steps = [ev.action for ev in entries.history(db, entry.id)]
    assert steps[-2:] == ["expired", "removal_lapsed"]


def test_a_removal_proposal_is_not_refused_once_the_entry_has_left_the_list(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """As approving it, refusing a proposal whose entry's term has ended (before the daily
    job expired it) is refused: there is no listing left to keep, and the proposal lapses
    with the entry's exit instead of a ``removal_refused`` step after it."""
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"], approved_days_ago=1)
    db.commit()
    proposal = client.post(
        f"{ENTRIES}/{entry.id}/remove",
        json={"reason": "other", "detail": "拟提前移出"},
        headers=headers(client, "caseofficer"),
    ).json()
    assert entry.term_end is not None
    clock.set(dt.datetime.combine(entry.term_end + dt.timedelta(days=1), dt.time(9), CHINA))

    refused = client.post(
        f"/api/v1/list-removals/{proposal['id']}/refuse",
        json={"reasons": "不同意"},
        headers=headers(client, "caseofficer2"),
    )

    assert error_of(refused)[:2] == (409, "entry_left_list")
    still = db.get(ListRemovalProposal, proposal["id"])
    assert still is not None
    assert still.status is RemovalProposalStatus.OPEN
    assert "removal_refused" not in [ev.action for ev in entries.history(db, entry.id)]


def test_the_jobs_command_expires_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`xinyong jobs run`, the daily job, ends list terms (its own database, as in test_cli)."""
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import OrganisationKind, Role
    from xinyong.cli import app, jobs
    from xinyong.config import reset_settings
    from xinyong.crypto import reset_default_cipher
    from xinyong.db.engine import make_engine

    data = tmp_path / "data"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(data))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{data / 'xinyong.sqlite3'}")
    for name in ("XINYONG_ENCRYPTION_KEY", "XINYONG_BLIND_INDEX_KEY", "XINYONG_SESSION_KEY"):
        monkeypatch.delenv(name, raising=False)
    reset_settings()
    reset_default_cipher()
    start = FixedClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))
    try:
        assert CliRunner().invoke(app, ["init"]).exit_code == 0
        engine: Engine = make_engine(f"sqlite:///{data / 'xinyong.sqlite3'}")
        with Session(engine, expire_on_commit=False) as session:
            agency = accounts.create_organisation(
                session,
                start,
                SYSTEM_ACTOR,
                code="11350100MB0000027N",
                name="福州市市场监督管理局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            staff = [
                accounts.actor_for_user(
                    accounts.create_user(
                        session,
                        start,
                        SYSTEM_ACTOR,
                        username=name,
                        password="a long cli password",
                        role=Role.CASE_OFFICER,
                        organisation=agency,
                    )
                )
                for name in ("officer1", "officer2")
            ]
            company = subjects.register_organisation(
                session, start, SYSTEM_ACTOR, name="福州测试贸易有限公司", uscc="91350100M000100Y43"
            )
            entry = entries.propose(
                session,
                earlier(start, 11),
                staff[0],
                subject=company,
                standard_code="dishonest_subject",
                criteria_met="较重处罚",
                reasons="拒不履行",
                evidence="决定书",
                basis_record_ids=[penalty_record(session, earlier(start, 11), agency, company)],
            )
            entries.approve(session, start, staff[1], entry.id, reasons="无异议")
            session.commit()
            assert entry.term_end is not None
            # The morning after the last day of the term.
            after = FixedClock(
                dt.datetime.combine(entry.term_end + dt.timedelta(days=1), dt.time(7), tzinfo=CHINA)
            )
        monkeypatch.setattr(jobs, "clock", after)
        result = CliRunner().invoke(app, ["jobs", "run"])
        assert result.exit_code == 0, result.output
        assert "1 list entries reached the end of their term" in result.output
        # Nothing to bring in line with the registered responsible persons (decision 0036).
        assert "0 list entries brought in line with the responsible persons" in result.output
        assert "planner statistics refreshed" in result.output
        with Session(engine) as session:
            assert session.scalar(select(ListEntry.status)) is EntryStatus.EXPIRED
            # SQLite keeps planner statistics only when asked; the daily job asks.
            assert session.scalar(text("SELECT count(*) FROM sqlite_stat1")) > 0
        engine.dispose()
    finally:
        reset_settings()
        reset_default_cipher()


# --- Art. 18: responsible persons ------------------------------------------------------------


def test_a_serious_entry_names_the_responsible_persons_masked_publicly(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    named = [
        SimpleNamespace(role=role.value, name=name, citizen_id=_valid_id(citizen_id))
        for role, name, citizen_id in (
            (ResponsibleRole.LEGAL_REPRESENTATIVE, "陈建国", REPRESENTATIVE_ID),
            (ResponsibleRole.PRINCIPAL, "林晓红", "350102198001010011"),
        )
    ]
    for p in named:
        subjects.add_responsible_person(
            db,
            clock,
            SYSTEM_ACTOR,
            company,
            role=ResponsibleRole(p.role),
            name=p.name,
            citizen_id=p.citizen_id,
        )
    serious = published_entry(db, clock, world, company, "serious_health_safety")
    plain = published_entry(db, clock, world, world.subjects["other_company"])
    db.commit()

    assert [(p.role, p.name) for p in entries.persons(db, serious.id)] == [
        ("legal_representative", "陈建国"),
        ("principal", "林晓红"),
    ]
    assert all(p.person_subject_id for p in entries.persons(db, serious.id))
    assert entries.persons(db, plain.id) == []  # black tier: Art. 18 is for serious dishonesty

    items = public_list(client, "black", tier="serious")["items"]
    assert items[0]["responsible_persons"] == [
        {"role": "legal_representative", "name": "陈**"},
        {"role": "principal", "name": "林**"},
    ]
    assert "陈建国" not in json.dumps(public_list(client, "black"), ensure_ascii=False)

    # In full to the recognising agency, the credit authority and the subject.
    # (with the ID numbers masked, which tell apart persons of the same name).
    # Each from the registration, named since the entry's publication (decision 0036).
    full = [
        {
            "role": p.role,
            "name": p.name,
            "citizen_id_masked": mask_citizen_id(p.citizen_id),
            "source": "registration",
            "named_from": serious.term_start.isoformat(),  # type: ignore[union-attr]
            "ended_on": None,
        }
        for p in named
    ]
    assert [(p["role"], p["name"]) for p in full] == [
        ("legal_representative", "陈建国"),
        ("principal", "林晓红"),
    ]
    for account in ("caseofficer", "authority", "company"):
        response = client.get(f"{ENTRIES}/{serious.id}", headers=headers(client, account))
        assert response.status_code == 200, (account, response.text)
        assert response.json()["responsible_persons"] == full
    # Staff without a lawful path are refused; another subject is told there is no such entry.
    for account, status in (("other_caseofficer", 403), ("querier", 403), ("citizen", 404)):
        response = client.get(f"{ENTRIES}/{serious.id}", headers=headers(client, account))
        assert response.status_code == status, account
    assert client.get(f"{ENTRIES}/{serious.id}").status_code == 401


def _valid_id(body_or_id: str) -> str:
    from xinyong.identifiers import citizen_id_check_character

    return body_or_id[:17] + citizen_id_check_character(body_or_id[:17])


# --- court judgment defaulters ---------------------------------------------------------------


def test_court_defaulters_enter_from_the_pipeline_and_leave_when_they_perform(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    court = headers(client, "court_reporter")
    rows = [court_row(world, company), court_row(world, person)]

    response = client.post("/api/v1/batches", params={"type": COURT}, json=rows, headers=court)

    assert response.status_code == 201, response.text
    assert response.json()["created"] == 2
    db.expire_all()
    listed = db.scalars(select(ListEntry).order_by(ListEntry.id)).all()
    assert [(e.subject_id, e.kind, e.tier, e.status) for e in listed] == [
        (company.id, ListKind.BLACK, Tier.SERIOUS, EntryStatus.PUBLISHED),
        (person.id, ListKind.BLACK, Tier.SERIOUS, EntryStatus.PUBLISHED),
    ]
    std = db.scalar(select(ListStandard).where(ListStandard.code == COURT))
    assert std is not None
    entry = listed[0]
    published_on = dt.date.fromisoformat(rows[0]["published_on"])
    assert (entry.term_start, entry.term_end) == (
        published_on,
        entries.add_months(published_on, std.term_months),
    )
    assert entry.recognising_organisation_id == world.organisations["court"].id
    assert entry.source_record_id is not None
    assert entry.reasons == rows[0]["dishonest_conduct"]
    assert entry.legal_basis == std.legal_basis
    items = public_list(client, "black", tier="serious")["items"]
    assert {i["id"] for i in items} == {e.id for e in listed}

    # The court reports performance (履行日期) in a later batch: the entry leaves at once,
    # in the batch's own transaction, well within the 3 working days allowed.
    clock.advance(dt.timedelta(hours=2))
    performed = {**rows[0], "履行日期": clock.today().isoformat()}
    second = client.post("/api/v1/batches", params={"type": COURT}, json=[performed], headers=court)
    assert second.status_code == 201, second.text
    assert (second.json()["updated"], second.json()["unknown_columns"]) == (1, [])
    removed = stored(db, entry.id)
    assert (removed.status, removed.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.PERFORMED,
    )
    assert removed.ended_at == clock.now()
    assert removed.removal_detail == f"performed on {clock.today()}"
    assert stored(db, listed[1].id).status is EntryStatus.PUBLISHED
    assert [i["id"] for i in public_list(client, "black")["items"]] == [listed[1].id]
    # Replaying the batch changes nothing.
    again = client.post("/api/v1/batches", params={"type": COURT}, json=[performed], headers=court)
    assert again.json()["replayed"] is True
    assert stored(db, entry.id).status is EntryStatus.REMOVED


def test_a_defaulter_is_public_for_two_years_unless_the_court_extends_the_term(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """rules.md: two years, extendable by one to three; the court states the extended end.
    Both the record's publicity and the entry's term count from the day the court published
    the defaulter, not the case's filing (SPC rule Art. 7; decision 0045)."""
    world = lists_world
    plain = court_row(world, world.subjects["company"])
    filed = dt.date.fromisoformat(plain["filed_on"])
    published = dt.date.fromisoformat(plain["published_on"])
    assert filed < published
    extended_to = entries.add_months(published, 48)
    extended = court_row(
        world, world.subjects["other_company"], publicity_deadline=extended_to.isoformat()
    )
    report = ingest_court(db, clock, world, [plain, extended])
    assert report.batch.created == 2

    def record_of(row: dict[str, str]) -> CreditRecord:
        return db.scalars(
            select(CreditRecord).where(CreditRecord.natural_key.endswith(row["case_number"]))
        ).one()

    def entry_of(row: dict[str, str]) -> ListEntry:
        return db.scalars(
            select(ListEntry).where(ListEntry.source_record_id == record_of(row).id)
        ).one()

    assert record_of(plain).decision_date == published
    assert record_of(plain).publicity_start == published
    assert record_of(plain).publicity_end == entries.add_months(published, 24)
    assert entry_of(plain).term_end == entries.add_months(published, 24)
    assert record_of(extended).publicity_end == extended_to
    assert entry_of(extended).term_end == extended_to

    # The court extends the first term later, beyond what the rules allow: held at 2 + 3 years.
    clock.advance(dt.timedelta(hours=1))
    beyond = {**plain, "publicity_deadline": entries.add_months(published, 84).isoformat()}
    assert ingest_court(db, clock, world, [beyond]).batch.updated == 1
    db.expire_all()
    assert entry_of(plain).term_end == entries.add_months(published, 60)
    assert record_of(plain).publicity_end == entries.add_months(published, 60)

    # The court corrects the day it published the other defaulter: the entry's term moves
    # with its record, start and end, as a step of its history.
    corrected = published + dt.timedelta(days=5)
    clock.advance(dt.timedelta(hours=1))
    moved = {**extended, "published_on": corrected.isoformat()}
    assert ingest_court(db, clock, world, [moved]).batch.updated == 1
    db.expire_all()
    assert record_of(extended).decision_date == corrected
    assert (entry_of(extended).term_start, entry_of(extended).term_end) == (
        corrected,
        extended_to,
    )

    # An "extension" of less than a year is not one the rules allow: the row is refused with
    # its reason, and the term stands as it was.
    clock.advance(dt.timedelta(hours=1))
    short = {**plain, "publicity_deadline": entries.add_months(published, 30).isoformat()}
    refused = ingest_court(db, clock, world, [short])
    assert refused.batch.updated == 0
    ((row_number, field, code),) = problems_of(refused)
    assert (row_number, field, code) == (1, "publicity_deadline", "extension_too_short")
    db.expire_all()
    assert entry_of(plain).term_end == entries.add_months(published, 60)


def test_a_too_short_extension_is_explained_in_months_not_by_the_rows_dates(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The problem is kept after the row's content is erased (decision 0021): it says the
    rule, not the dates that would give the row's decision date away."""
    world = lists_world
    row = court_row(world, world.subjects["company"])
    filed = dt.date.fromisoformat(row["filed_on"])
    row["publicity_deadline"] = entries.add_months(filed, 30).isoformat()
    (problem,) = ingest_court(db, clock, world, [row]).problems
    assert (problem.code, problem.message) == (
        "extension_too_short",
        "the term ends 24 months after the decision date unless it is extended by at least "
        "12 months, to 36 months after it or later",
    )


def test_the_least_extension_of_a_defaulters_term_is_the_catalogs(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The list entry follows the record type's ``min_extension_months``, the rule its row
    was accepted by, not a number of its own: revised to six months, an eight-month
    extension extends the entry as it does the record's publicity."""
    world = lists_world
    data = catalog.effective_rule(db, COURT).definition.model_dump(mode="json")
    data["disclosure"]["periods"]["serious"]["min_extension_months"] = 6
    catalog.revise_record_type(
        db, clock, actor(world, "authority"), COURT, data, note="extensions of six months"
    )
    clock.advance(dt.timedelta(hours=1))
    row = court_row(world, world.subjects["company"])
    published = dt.date.fromisoformat(row["published_on"])
    extended_to = entries.add_months(published, 32)
    report = ingest_court(
        db, clock, world, [{**row, "publicity_deadline": extended_to.isoformat()}]
    )
    assert report.batch.created == 1, problems_of(report)
    entry = db.scalars(select(ListEntry)).one()
    assert entry.term_end == extended_to


def test_the_longest_extension_of_a_defaulters_term_is_the_catalogs(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The entry is held where the record type's publicity ends at the longest
    (``max_months`` past its usual term), not at a number of its own: revised to four years
    in all, a deadline seven years on holds both at four."""
    world = lists_world
    data = catalog.effective_rule(db, COURT).definition.model_dump(mode="json")
    data["disclosure"]["periods"]["serious"]["max_months"] = 48
    catalog.revise_record_type(
        db, clock, actor(world, "authority"), COURT, data, note="extensions of two years at most"
    )
    clock.advance(dt.timedelta(hours=1))
    row = court_row(world, world.subjects["company"])
    published = dt.date.fromisoformat(row["published_on"])
    beyond = entries.add_months(published, 84)
    report = ingest_court(db, clock, world, [{**row, "publicity_deadline": beyond.isoformat()}])
    assert report.batch.created == 1, problems_of(report)
    entry = db.scalars(select(ListEntry)).one()
    assert entry.term_end == entries.add_months(published, 48)


def test_a_defaulter_who_performed_before_listing_is_never_listed(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    row = court_row(world, world.subjects["other_company"], performed_on=clock.today().isoformat())
    report = ingest_court(db, clock, world, [row])
    assert report.batch.created == 1
    assert db.scalars(select(ListEntry)).all() == []


def test_court_listing_and_performance_in_the_domain(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    subject = world.subjects["other_company"]
    row = court_row(world, subject)
    ingest_court(db, clock, world, [row])
    entry = db.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id))
    assert entry is not None
    assert entry.status is EntryStatus.PUBLISHED
    # An update that does not report performance leaves the entry listed.
    ingest_court(db, clock, world, [{**row, "obligation": "支付货款人民币十二万元及利息"}])
    assert stored(db, entry.id).status is EntryStatus.PUBLISHED
    ingest_court(db, clock, world, [{**row, "performed_on": clock.today().isoformat()}])
    assert stored(db, entry.id).status is EntryStatus.REMOVED
    assert db.scalar(select(ListEntry.id).where(ListEntry.id != entry.id)) is None


def test_a_court_record_performed_before_its_case_was_filed_is_refused(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The judgment cannot be performed before the case was filed: the catalog says so of the
    field (``not_before = "filed_on"``), as it does of the publication; the term cannot end
    before the publication it counts from (``not_before = "published_on"``, the decision
    date)."""
    world = lists_world
    row = court_row(world, world.subjects["company"])
    filed = dt.date.fromisoformat(row["filed_on"])
    row["performed_on"] = (filed - dt.timedelta(days=1)).isoformat()

    (problem,) = ingest_court(db, clock, world, [row]).problems

    assert (problem.field, problem.code) == ("performed_on", "before_start_date")
    published = dt.date.fromisoformat(row["published_on"])
    early = court_row(
        world,
        world.subjects["company"],
        publicity_deadline=(published - dt.timedelta(days=1)).isoformat(),
    )
    (problem,) = ingest_court(db, clock, world, [early]).problems
    assert (problem.field, problem.code) == ("publicity_deadline", "before_decision_date")
    unpublished = court_row(world, world.subjects["company"], published_on="")
    (problem,) = ingest_court(db, clock, world, [unpublished]).problems
    assert (problem.field, problem.code) == ("published_on", "required")
