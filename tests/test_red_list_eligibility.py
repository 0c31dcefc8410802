"""Red-list recognition only of integrity models (Art. 14 ¶2): not of a subject on the black
list, nor — where the standard's criteria ask for years without a bad credit record — of
one with a public negative record within them. Refused at proposal and at approval, on the
service, the API and the officers' queue; and the demo's red-list candidate qualifies."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import grant, ingest, source_columns, subject_row
from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    actor,
    basis_record,
    court_row,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    old_warning,
    on_record_since,
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from xinyong import bootstrap, demo
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import InvalidInput
from xinyong.lists import eligibility, entries
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, ListStandard, RemovalReason
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.i18n import translations
from xinyong.web.refusals import explain

RED = "integrity_model"


def propose_red(
    db: Session, clock: FixedClock, world: World, subject: Subject, *, established: bool = True
) -> ListEntry:
    """``established``: the organisation's registration on record, years ago, so that it
    has the standard's clean years to show (the subject of other tests)."""
    std = entries.standard(db, RED)
    if established and subject.is_organisation:
        on_record_since(db, clock, world, subject)
    return entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=subject,
        standard_code=RED,
        criteria_met=std.criteria,
        reasons="连续三年无不良信用记录，纳税信用A级",
        evidence="2026年度纳税信用评价结果",
    )


def refusal(
    db: Session, clock: FixedClock, world: World, subject: Subject, *, established: bool = True
) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        propose_red(db, clock, world, subject, established=established)
    assert refused.value.field == "subject"
    assert refused.value.article == "Art. 14 ¶2"
    return refused.value


def in_chinese(refused: InvalidInput) -> str:
    """The refusal as a Chinese page explains it: translated whole, no English detail."""
    explained = explain(refused.as_dict(), translations("zh_Hans").gettext)
    assert explained.detail is None, explained
    return explained.text


def entry_standard(db: Session, entry: ListEntry) -> str:
    return db.get_one(ListStandard, entry.standard_id).name


def test_the_years_are_the_standards_own_data() -> None:
    """The rule pack states the condition beside the criteria's words (clean_years)."""
    from xinyong.lists.measures import RULEPACK, read_rule_pack

    standards = {item["code"]: item for item in read_rule_pack(RULEPACK)["standards"]}
    assert "连续三年无不良信用记录" in standards["integrity_model"]["criteria"]
    assert standards["integrity_model"]["clean_years"] == 3
    assert all("clean_years" not in s for s in standards.values() if s["kind"] == "black")


def test_a_black_listed_subject_is_not_proposed_for_the_red_list(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    listed = CompanyFactory(name="福州失信示范有限公司")
    # On a record that is no bad record for the red list's years: the black list alone refuses.
    entry = published_entry(
        db,
        clock,
        world,
        listed,
        basis=[basis_record(db, clock, world, listed, **old_warning(clock)).id],
    )
    refused = refusal(db, clock, world, listed)
    assert refused.code == "on_black_list"
    assert refused.details["until"] == str(entry.term_end)
    # The pages say it in their language, with the standard and the date.
    assert in_chinese(refused).startswith(
        f"该信息主体在黑名单上（{entry_standard(db, entry)}，至 {entry.term_end}）"
    )
    assert db.scalar(select(ListEntry.id).where(ListEntry.kind == ListKind.RED)) is None
    # Once the black-list entry has ended, the black list no longer stands in the way.
    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已完成信用修复",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    assert propose_red(db, clock, world, listed).status is EntryStatus.IN_COMMENT


def test_a_court_defaulter_is_not_proposed_for_the_red_list(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    defaulter = world.subjects["other_company"]
    ingest_court(db, clock, world, [court_row(world, defaulter)])
    assert refusal(db, clock, world, defaulter).code == "on_black_list"


def test_a_public_bad_record_within_the_standards_years_refuses(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    today = clock.today()
    recent, old, repaired = (CompanyFactory() for _ in range(3))
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
    ingest_penalty(db, clock, world, repaired)
    record = db.scalar(select(CreditRecord).where(CreditRecord.subject_id == repaired.id))
    assert record is not None
    record.status = RecordStatus.REPAIRED
    db.flush()
    refused = refusal(db, clock, world, recent)
    assert refused.code == "bad_record"
    assert refused.details["years"] == 3
    assert in_chinese(refused).startswith("该信息主体在最近 3 年内有不良信用记录（")
    assert propose_red(db, clock, world, old).status is EntryStatus.IN_COMMENT
    assert propose_red(db, clock, world, repaired).status is EntryStatus.IN_COMMENT


def test_a_market_bad_record_does_not_count(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = CompanyFactory(name="福州违约测试有限公司")
    bank = world.organisations["bank"]
    grant(db, clock, bank, "contract_performance")
    report = ingest(
        db,
        clock,
        bank,
        [
            {
                **subject_row(company.name, uscc=company.uscc or ""),
                "contract_number": "FZ-2026-001",
                "breach_description": "货款逾期",
                "counterparty": bank.name,
                "breach_date": (clock.today() - dt.timedelta(days=60)).isoformat(),
            }
        ],
        record_type="contract_performance",
    )
    assert report.all_accepted, report.problems
    assert db.scalar(select(CreditRecord.id).where(CreditRecord.subject_id == company.id))
    assert propose_red(db, clock, world, company).status is EntryStatus.IN_COMMENT


def test_a_subject_not_on_record_for_the_years_has_none_to_show(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Art. 16(1)'s "three consecutive years" need three years to look back on: known since
    the organisation's establishment (its registration record), else since the earlier of
    its first public record and its registration on the platform."""
    world = lists_world
    today = clock.today()
    founded_recently, unregistered, old_record, revoked = (CompanyFactory() for _ in range(4))
    on_record_since(db, clock, world, founded_recently, years=2)
    refused = refusal(db, clock, world, founded_recently, established=False)
    assert (refused.code, refused.details) == ("too_recent", {"years": 3})
    # Registered here today, no registration record, nothing older: nothing to look back on.
    assert refusal(db, clock, world, unregistered, established=False).code == "too_recent"
    # A public record decided over three years ago shows the subject was there then (and,
    # outside the three years, does not count against it).
    ingest_penalty(
        db,
        clock,
        world,
        old_record,
        decision_date=(today - dt.timedelta(days=3 * 365 + 5)).isoformat(),
    )
    assert propose_red(db, clock, world, old_record, established=False).status is (
        EntryStatus.IN_COMMENT
    )
    # ... unless its source revoked it (decision 0028): then it proves nothing.
    ingest_penalty(
        db,
        clock,
        world,
        revoked,
        decision_date=(today - dt.timedelta(days=3 * 365 + 5)).isoformat(),
    )
    record = db.scalar(select(CreditRecord).where(CreditRecord.subject_id == revoked.id))
    assert record is not None
    record.status = RecordStatus.REVOKED
    db.flush()
    assert refusal(db, clock, world, revoked, established=False).code == "too_recent"
    # The establishment date wins over an older record: founded two years ago is two years.
    on_record_since(db, clock, world, old_record, years=2)
    assert not eligibility.is_known_for(db, old_record.id, 3, today)
    assert eligibility.is_known_for(db, old_record.id, 2, today)


def test_known_for_turns_on_on_the_day_the_years_are_full(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Established exactly three years ago (the same calendar day): known for three years;
    a day later, not yet."""
    world = lists_world
    today = clock.today()
    full, short = CompanyFactory(), CompanyFactory()
    for company, established in (
        (full, entries.add_months(today, -36)),
        (short, entries.add_months(today, -36) + dt.timedelta(days=1)),
    ):
        grant(db, clock, world.organisations["regulator"], "registration")
        report = ingest(
            db,
            clock,
            world.organisations["regulator"],
            [
                {
                    **subject_row(company.name, uscc=company.uscc or ""),
                    "entity_type": "有限责任公司",
                    "established_on": established.isoformat(),
                    "registration_authority": world.organisations["regulator"].name,
                    **source_columns(world.organisations["regulator"]),
                }
            ],
            record_type="registration",
        )
        assert report.all_accepted, report.problems
    assert eligibility.is_known_for(db, full.id, 3, today)
    assert not eligibility.is_known_for(db, short.id, 3, today)


def test_approval_is_refused_when_the_candidate_was_black_listed_meanwhile(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = CompanyFactory(name="福州候选测试有限公司")
    candidate = propose_red(db, earlier(clock, 10), world, company)
    ingest_court(db, clock, world, [court_row(world, company)])
    with pytest.raises(InvalidInput) as refused:
        entries.approve(db, clock, actor(world, "caseofficer2"), candidate.id, reasons="公示期满")
    assert refused.value.code == "on_black_list"
    assert candidate.status is EntryStatus.IN_COMMENT


def test_the_api_and_the_queue_refuse_with_code_and_article(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    listed = world.subjects["company"]
    published_entry(db, clock, world, listed)
    db.commit()
    body: dict[str, Any] = {
        "subject": listed.uscc,
        "standard": RED,
        "criteria_met": "连续三年无不良信用记录",
        "reasons": "诚信经营",
        "evidence": "表彰文件",
    }
    response = client.post(
        "/api/v1/list-entries", json=body, headers=headers(client, "caseofficer")
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (
        "on_black_list",
        "Art. 14 ¶2",
        "subject",
    )
    log_in(client, "caseofficer")
    token = csrf_from(client.get("/lists-queue").text)
    page = client.post(
        "/lists-queue/propose", data={**body, "csrf_token": token}, follow_redirects=False
    )
    assert page.status_code == 422
    assert 'data-code="on_black_list"' in page.text
    # What the officer typed is kept.
    assert 'value="' + (listed.uscc or "") + '"' in page.text
    candidates = client.get("/lists/red/candidates")
    assert listed.name not in candidates.text


def test_the_demo_red_list_candidate_qualifies(db: Session, clock: FixedClock) -> None:
    bootstrap.load_rule_pack(db, clock)
    demo.seed(db, clock, extra_companies=0)
    candidates = entries.in_comment(db, ListKind.RED, today=clock.today())
    assert [s.uscc for _, s, _ in candidates] == [demo.RED_CANDIDATE[0]]
    for entry, subject, standard in candidates:
        eligibility.require_red_list_eligible(db, subject.id, standard, clock.today())
        # With the public's comment waiting for somebody other than the proposer.
        (comment,) = entries.objections(db, entry.id)
        assert comment.statement == demo.RED_CANDIDATE_COMMENT
    logistics = subjects.by_reference(db, "91350100T5A3HDXJ4X")
    assert eligibility.black_list_entry_in_force(db, logistics.id, clock.today()) is not None
