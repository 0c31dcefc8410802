"""Joint incentive and punishment checks (联合奖惩, Art. 14–17): per subject, in the order
given, its list status, the published measures that apply in the matter with their basis,
reasons and implementing body, and the green channel / 容缺受理 (Art. 16(1))."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of, grant, ingest, problems_of, subject_row
from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from xinyong import identifiers
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure.models import JointCheckUse
from xinyong.errors import InvalidInput, NotFound, PermissionDenied
from xinyong.lists import joint_checks
from xinyong.lists.publicity import mask_code
from xinyong.synthetic import make_uscc

CHECKS = "/api/v1/joint-checks"
UNREGISTERED = "91350100M000100Y43"  # valid, but nobody registered it here


def check_body(client: TestClient, who: dict[str, str], matter: str, codes: list[str]) -> Any:
    response = client.post(CHECKS, json={"matter": matter, "subjects": codes}, headers=who)
    assert response.status_code == 200, response.text
    return response.json()


def run_check(client: TestClient, who: dict[str, str], matter: str, codes: list[str]) -> Any:
    return check_body(client, who, matter, codes)["results"]


def measure_codes(result: dict[str, Any]) -> list[str]:
    return [m["code"] for m in result.get("measures", [])]


def test_anonymous_callers_and_roles_without_the_permission_are_refused(
    lists_world: World, client: TestClient
) -> None:
    body = {"matter": "honours", "subjects": [lists_world.subjects["company"].uscc]}
    anonymous = client.post(CHECKS, json=body)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    for account in ("reporter", "company", "analyst"):
        assert client.post(CHECKS, json=body, headers=headers(client, account)).status_code == 403


def test_an_unknown_matter_or_too_many_subjects_are_refused_with_a_code(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    querier = headers(client, "querier")
    unknown = client.post(
        CHECKS, json={"matter": "no_such_matter", "subjects": ["x"]}, headers=querier
    )
    assert unknown.status_code == 404
    assert (unknown.json()["error"]["code"], unknown.json()["error"]["field"]) == (
        "unknown_matter",
        "matter",
    )
    too_many = client.post(
        CHECKS,
        json={"matter": "honours", "subjects": [UNREGISTERED] * (joint_checks.MAX_SUBJECTS + 1)},
        headers=querier,
    )
    assert too_many.status_code == 422
    assert too_many.json()["error"]["field"] == "subjects"
    empty = client.post(CHECKS, json={"matter": "honours", "subjects": []}, headers=querier)
    assert empty.status_code == 422
    # The domain refuses the same, whoever calls it.
    officer = actor(lists_world, "querier")
    with pytest.raises(InvalidInput) as refused:
        joint_checks.check(
            db,
            clock,
            officer,
            "honours",
            [UNREGISTERED] * (joint_checks.MAX_SUBJECTS + 1),
            clean_years=3,
        )
    assert refused.value.code == "too_many"
    with pytest.raises(NotFound):
        joint_checks.check(db, clock, officer, "no_such_matter", [UNREGISTERED], clean_years=3)
    with pytest.raises(PermissionDenied):
        joint_checks.check(
            db, clock, actor(lists_world, "reporter"), "honours", [UNREGISTERED], clean_years=3
        )


def test_a_code_with_a_line_break_of_its_own_is_one_code_at_its_position(
    lists_world: World, client: TestClient
) -> None:
    # The codes travel to the database as one text split at line breaks: two codes in one
    # must not pass as two and shift the answers of the codes after them.
    company, other = lists_world.subjects["company"], lists_world.subjects["other_company"]
    codes = [f"{company.uscc}\n{other.uscc}", other.uscc or "", company.uscc or ""]
    results = run_check(client, headers(client, "querier"), "honours", codes)
    assert [r["code"] for r in results] == codes
    assert [r["found"] for r in results] == [False, True, True]
    assert [r.get("name") for r in results] == [None, other.name, company.name]


def test_answers_come_in_the_order_given_with_duplicates_and_unknown_codes(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]
    person = world.subjects["person"]
    entry = published_entry(db, clock, world, company)
    db.commit()
    citizen_id = citizen_id_of(person)
    codes = [
        other.uscc or "",
        company.uscc or "",
        UNREGISTERED,
        "not a code",
        company.uscc or "",
        citizen_id,
        person.reference,
        (company.uscc or "").lower(),
        " 9135 0100-M000 100Y43 ",
        "",
    ]

    response = client.post(
        CHECKS,
        json={"matter": "honours", "subjects": codes},
        headers=headers(client, "querier"),
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]

    # Answers by position: results[i] answers codes[i], led by the code as given — but a
    # citizen ID number masked.
    assert len(results) == len(codes)
    assert [r["code"] for r in results] == [
        *codes[:5],
        mask_code(citizen_id),
        *codes[6:],
    ]
    assert [r["found"] for r in results] == [
        True,
        True,
        False,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
    ]
    assert [r.get("name") for r in results] == [
        other.name,
        company.name,
        None,
        None,
        company.name,
        person.name,
        person.name,
        company.name,
        None,
        None,
    ]
    assert results[1] == results[4]  # a duplicate gets the same answer
    (status,) = results[1]["list_status"]
    assert status == {
        "entry_id": entry.id,
        "list": "black",
        "tier": "black",
        "standard": "失信主体",
        "basis": entry.legal_basis,
        "reasons": entry.reasons,
        "term_end": entry.term_end.isoformat() if entry.term_end else None,
    }
    for unknown in (results[2], results[3], results[8], results[9]):
        assert unknown["list_status"] == []
        assert unknown["measures"] == []
        assert unknown["green_channel"] is False
    # A valid code nobody registered, and codes that are no codes at all, each with why.
    for unregistered in (results[2], results[8]):
        assert {k: v for k, v in unregistered.items() if k != "code"} == {
            "found": False,
            "list_status": [],
            "measures": [],
            "green_channel": False,
            "green_channel_reason": "not_registered",
        }
    assert results[3]["green_channel_reason"] == "invalid"
    assert results[3]["invalid"]["code"] == "length"
    assert results[9]["invalid"]["code"] == "empty"
    body = response.json()
    assert body["green_channel_reasons"]["not_registered"] == "subject not registered"
    assert body["counts"] == {
        "subjects": 10,
        "found": 6,
        "listed": 1,
        "responsible": 0,
        "invalid": 2,
    }
    # The answer never carries an ID number, not even the one sent.
    assert citizen_id not in response.text


def test_measures_apply_by_tier_with_basis_reasons_and_implementing_body(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    black, serious = world.subjects["company"], world.subjects["other_company"]
    red = CompanyFactory(name="福州诚信示范有限公司")
    published_entry(db, clock, world, black)
    published_entry(db, clock, world, serious, "serious_fair_competition")
    published_entry(db, clock, world, red, "integrity_model")
    db.commit()
    querier = headers(client, "querier")
    codes = [black.uscc or "", serious.uscc or "", red.uscc or ""]

    def measures_in(matter: str) -> list[list[str]]:
        return [measure_codes(r) for r in run_check(client, querier, matter, codes)]

    # Black-tier measures reach serious subjects too; serious-tier ones only them.
    assert measures_in("honours") == [
        ["pun_honours"],
        ["pun_honours"],
        ["inc_other_state_provincial"],
    ]
    assert measures_in("market_access") == [[], ["pun_market_access"], []]
    assert measures_in("daily_inspection") == [
        ["pun_more_inspections"],
        ["pun_more_inspections"],
        ["inc_fewer_inspections"],
    ]
    assert measures_in("administrative_licensing") == [
        [],
        ["pun_market_access"],
        ["inc_green_channel"],
    ]
    body = check_body(client, querier, "government_procurement", codes)
    results = body["results"]
    (measure,) = results[1]["measures"]
    # Each subject's measures in full, with the reasons they apply to it; the measures
    # referred to are also listed once per call.
    assert measure == {
        **body["measures"]["pun_public_resource_trading"],
        "reasons": "listed as 严重失信主体：严重破坏市场公平竞争秩序和社会正常秩序; "
        "《福州市社会信用管理办法》第十七条第（六）项；《政府采购法》第二十二条",
        "listed_as": ["严重失信主体：严重破坏市场公平竞争秩序和社会正常秩序"],
    }
    assert body["measures"]["pun_public_resource_trading"] == {
        "code": "pun_public_resource_trading",
        "name": "限制参与有关公共资源交易活动",
        "kind": "punishment",
        "head": "Art. 17(6)",
        "means": "依法限制参与政府采购、招标投标等公共资源交易活动",
        "implementing_body": "市公共资源交易中心、市财政局",
        "basis": "《福州市社会信用管理办法》第十七条第（六）项；《政府采购法》第二十二条",
    }
    assert [body["measures"][m["code"]]["head"] for m in results[2]["measures"]] == ["Art. 16(4)"]
    assert set(body["measures"]) == {"pun_public_resource_trading", "inc_trading_points"}
    assert [s["tier"] for s in results[1]["list_status"]] == ["serious"]


def test_the_green_channel_is_for_the_red_list_and_three_clean_years(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    today = clock.today()
    red = CompanyFactory(name="福州诚信示范有限公司")
    published_entry(db, clock, world, red, "integrity_model")
    black = world.subjects["company"]
    published_entry(db, clock, world, black)
    clean = world.subjects["other_company"]
    recent, old, repaired, revoked, newcomer = (CompanyFactory() for _ in range(5))
    # Established years ago: three years to look back on (Art. 16(1)). ``old`` has its
    # penalty of more than three years ago to show it was there; ``newcomer`` has nothing.
    for subject in (clean, repaired, revoked):
        on_record_since(db, clock, world, subject)
    person = world.subjects["person"]
    ingest_penalty(
        db,
        clock,
        world,
        recent,
        decision_date=(today - dt.timedelta(days=3 * 365 - 30)).isoformat(),
    )
    ingest_penalty(
        db, clock, world, old, decision_date=(today - dt.timedelta(days=3 * 365 + 5)).isoformat()
    )
    ingest_penalty(db, clock, world, person)
    for subject, status in ((repaired, RecordStatus.REPAIRED), (revoked, RecordStatus.REVOKED)):
        ingest_penalty(db, clock, world, subject)
        # Repair and revocation are the repair and objection workflows' business; what
        # matters here is the record's status once they are done. (The penalty: the last
        # record, after the registration.)
        record = db.scalar(
            select(CreditRecord)
            .where(CreditRecord.subject_id == subject.id)
            .order_by(CreditRecord.id.desc())
            .limit(1)
        )
        assert record is not None
        record.status = status
    db.commit()
    subjects = [red, black, clean, recent, old, repaired, revoked, newcomer]
    codes = [s.uscc or "" for s in subjects] + [citizen_id_of(person)]

    body = check_body(client, headers(client, "caseofficer"), "administrative_licensing", codes)
    results = body["results"]

    assert [(r["green_channel"], r["green_channel_reason"]) for r in results] == [
        (True, "on_red"),
        (False, "on_black"),
        (True, "clean"),
        (False, "bad_record"),
        (True, "clean"),
        (True, "clean"),
        (True, "clean"),
        (False, "too_recent"),
        (False, "bad_record"),
    ]
    assert body["green_channel_reasons"] == {
        "invalid": "not a valid code",
        "not_registered": "subject not registered",
        "on_black": "on the black list",
        "on_red": "on the red list (Art. 16(1))",
        "bad_record": "a bad credit record within the last 3 years",
        "too_recent": (
            "on record for less than 3 years: no 3 consecutive years to show (Art. 16(1))"
        ),
        "clean": "no bad credit record for 3 consecutive years (Art. 16(1))",
        "responsible_for_black": (
            "named as responsible for an organisation on the black list (Art. 18)"
        ),
    }
    assert measure_codes(results[0]) == ["inc_green_channel"]


def test_the_green_channel_counts_public_credit_information_only(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """A bank's report of a breach of contract is market information the checking agency
    has no lawful path to (Art. 10, 13): it neither closes the green channel nor shows."""
    world = lists_world
    company = CompanyFactory(name="福州违约贸易有限公司")
    on_record_since(db, clock, world, company)
    bank = world.organisations["bank"]
    grant(db, clock, bank, "contract_performance")
    row = {
        **subject_row(company.name, uscc=company.uscc or ""),
        "contract_number": "FZB-JC-0001",
        "breach_description": "逾期未还款",
        "breach_date": (clock.today() - dt.timedelta(days=30)).isoformat(),
        "amount_owed": "1.2",
        "counterparty": bank.name,
    }
    report = ingest(db, clock, bank, [row], record_type="contract_performance")
    assert report.batch.created == 1, problems_of(report)
    db.commit()

    (result,) = run_check(
        client, headers(client, "caseofficer"), "administrative_licensing", [company.uscc or ""]
    )
    assert (result["green_channel"], result["green_channel_reason"]) == (True, "clean")


def test_natural_persons_are_found_by_id_number_in_the_body_only(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    entry = published_entry(db, clock, world, person)
    db.commit()
    citizen_id = citizen_id_of(person)
    spaced = f"{citizen_id[:6]} {citizen_id[6:14]} {citizen_id[14:].lower()}"

    results = run_check(client, headers(client, "querier"), "honours", [citizen_id, spaced])

    assert [r["found"] for r in results] == [True, True]
    assert [r["list_status"][0]["entry_id"] for r in results] == [entry.id, entry.id]
    assert measure_codes(results[0]) == ["pun_honours"]
    # Never through a URL: there is no GET form of the check.
    assert client.get(CHECKS, params={"subjects": citizen_id}).status_code == 405


def test_a_check_is_audited_without_the_codes(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    codes = [
        world.subjects["company"].uscc or "",
        citizen_id_of(world.subjects["person"]),
        make_uscc(random.Random(1)),
    ]
    run_check(client, headers(client, "querier"), "honours", codes)
    db.expire_all()
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "joint_check.run")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    details = dict(event.details)
    witnessed = details.pop("witnessed")
    assert details == {
        "matter": "honours",
        "subjects": 3,
        "found": 2,
        "listed": 1,
        "responsible": 0,
        "invalid": 0,
    }
    assert codes[1] not in str(details)
    # The audit names the check as logged for the subjects (Art. 24), and witnesses its row
    # (decision 0003, session 13 addendum).
    assert event.target_type == "joint_check_use"
    use = db.get(JointCheckUse, int(event.target_id or 0))
    assert use is not None
    assert (witnessed["table"], witnessed["ids"]) == ("joint_check_use", [use.id])
    assert (use.matter_code, use.subject_count) == ("honours", 2)


def test_only_entries_in_force_count(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, approved_days_ago=800)  # 24-month term
    db.commit()
    assert entry.term_end is not None
    assert entry.term_end < clock.today()
    (result,) = run_check(client, headers(client, "querier"), "honours", [company.uscc or ""])
    assert result["list_status"] == []
    assert result["measures"] == []


def test_a_subject_with_several_entries_in_force_is_answered_with_all_of_them(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    # The common cases are answered from one row per code; a subject with several entries
    # in force has several rows and is read in detail — wherever it stands among the
    # codes, however often it is given.
    world = lists_world
    several, single = world.subjects["company"], world.subjects["other_company"]
    person = world.subjects["person"]
    first = published_entry(db, clock, world, several)
    second = published_entry(db, clock, world, several, "serious_fair_competition")
    only = published_entry(db, clock, world, single)
    own = published_entry(db, clock, world, person)
    db.commit()
    codes = [
        several.uscc or "",
        single.uscc or "",
        (several.uscc or "").lower(),
        person.reference,
        citizen_id_of(person),
        several.uscc or "",
    ]

    body = check_body(client, headers(client, "querier"), "market_access", codes)
    results = body["results"]

    assert [[s["entry_id"] for s in r["list_status"]] for r in results] == [
        sorted([first.id, second.id]),
        [only.id],
        sorted([first.id, second.id]),
        [own.id],
        [own.id],
        sorted([first.id, second.id]),
    ]
    assert results[0] == results[5]
    assert {k: v for k, v in results[2].items() if k != "code"} == {
        k: v for k, v in results[0].items() if k != "code"
    }
    serious = ["pun_market_access"]  # the serious tier's measure in this matter
    assert [measure_codes(r) for r in results] == [serious, [], serious, [], [], serious]
    assert [r["green_channel_reason"] for r in results] == ["on_black"] * 6
    assert body["counts"]["listed"] == 3


def test_codes_nobody_registered_are_told_apart_as_the_validator_tells_them(
    lists_world: World, client: TestClient
) -> None:
    # Unknown codes shaped like organisation codes take a shorter way through validation;
    # the verdicts are the validator's all the same.
    rng = random.Random(5)
    valid = [make_uscc(rng) for _ in range(3)]
    codes = [
        *valid,
        valid[0][:17] + ("1" if valid[0][17] != "1" else "2"),  # check character
        valid[1][:16] + ("1" if valid[1][16] != "1" else "2") + valid[1][17],  # position 17
        valid[2].lower(),
        "110101199003074514",  # a valid citizen ID number nobody registered
        "110101199003074515",
        "91350100M00010",
    ]
    results = run_check(client, headers(client, "querier"), "honours", codes)

    today = dt.date(2026, 11, 27)
    for code, result in zip(codes, results, strict=True):
        verdict = identifiers.check(code, today=today)
        assert result["found"] is False
        if verdict.valid:
            assert result["green_channel_reason"] == "not_registered", code
            assert "invalid" not in result
        else:
            assert verdict.error is not None
            assert result["invalid"]["code"] == verdict.error.code, code
    assert [("invalid" in r) for r in results] == [
        False,
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        True,
    ]
