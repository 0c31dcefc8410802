"""The credit report's advice (信用提升建议) follows the repair rules the checklist applies
(review r3, session 19): it advised applying for the repair of a bank's record, which the
platform refuses (market credit information, Art. 20 ¶2), and of a penalty while the subject
was on the black list under a standard naming a case of Art. 22. It now advises an objection
for a market record, says that an Art. 22 listing excludes repair while it is in force, that
a record under objection waits for the decision, when the minimum publicity period ends —
and advises applying only where an application that does its part would pass the checklist."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    record_by_decision,
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    actor_of,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
)
from tests.factories import World, record_objection
from tests.lists_helpers import (
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    removed_by_two,
)
from tests.repair_helpers import ALL_DECLARED, apply, old_decision
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.disclosure import files, reports
from xinyong.lists import entries as list_entries
from xinyong.lists.models import RemovalReason
from xinyong.repair import rules
from xinyong.repair import service as repair
from xinyong.subjects.models import Subject

APPLY = "可依照《福州市社会信用管理办法》第二十一条申请信用修复"


def _advice(
    db: Session, clock: FixedClock, world: World, account: str, subject: Subject
) -> dict[str, dict[str, str]]:
    """The subject's own report's advice, by record id."""
    issued = reports.issue(db, clock, actor_of(world, account), subject)
    report: dict[str, Any] = json.loads(issued.body)
    return {s["record"]: s for s in report["suggestions"]}


def _promises_repair(advice: dict[str, str]) -> bool:
    return (
        APPLY in advice["zh"]
        and "届满后" not in advice["zh"]
        and "异议处理完毕后" not in advice["zh"]
    )


def _passes_checklist(
    db: Session, clock: FixedClock, world: World, account: str, record: CreditRecord
) -> bool:
    """Whether an application doing its part would pass the checklist (``repair.apply``)."""
    checks = repair.checklist(
        db,
        clock,
        actor_of(world, account),
        record.id,
        correction="已整改",
        evidence="缴款凭证",
        declared=ALL_DECLARED,
        committing=True,
    )
    return not rules.failed(checks)


def test_a_market_record_is_advised_an_objection_not_a_repair(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    breach = contract_breach(db, clock, world)  # the bank's, about the person
    advice = _advice(db, clock, world, "citizen", world.subjects["person"])[str(breach.id)]
    assert "第二十一条" not in advice["zh"]
    assert "申请信用修复" not in advice["zh"]
    assert "第二十条第二款" in advice["zh"]
    assert "第二十五条提出异议" in advice["zh"]
    assert "object to it (Art. 25)" in advice["en"]
    assert "Art. 21" not in advice["en"]


def test_a_penalty_is_advised_a_repair_only_once_an_art22_listing_has_ended(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    company = world.subjects["company"]
    number = "榕市监罚〔2026〕7001号"
    ingest_penalty(
        db, clock, world, company, decision_number=number, decision_date=old_decision(clock)
    )
    record = record_by_decision(db, number)
    # Before the listing: nothing but the record bears on it (the advice kept with its
    # view for the day, ``repair.quiet``).
    assert _promises_repair(_advice(db, clock, world, "company", company)[str(record.id)])
    entry = published_entry(db, clock, world, company, "serious_health_safety")
    standard = list_entries.standard(db, "serious_health_safety").name

    advice = _advice(db, clock, world, "company", company)[str(record.id)]
    assert APPLY not in advice["zh"]
    assert f"依据“{standard}”认定标准列入黑名单（至{entry.term_end}）" in advice["zh"]
    assert "第二十二条第（一）项，名单条目有效期间不予信用修复" in advice["zh"]
    assert "(Art. 22(1))" in advice["en"]
    assert not _passes_checklist(db, clock, world, "company", record)

    removed_by_two(
        db,
        clock,
        world,
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行义务",
        proposer="caseofficer2",
        approver="caseofficer",
    )
    advice = _advice(db, clock, world, "company", company)[str(record.id)]
    assert _promises_repair(advice)
    assert _passes_checklist(db, clock, world, "company", record)


def test_a_record_under_objection_waits_for_the_decision(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    record_objection(db, clock, world, record.id)
    advice = _advice(db, clock, world, "company", world.subjects["company"])[str(record.id)]
    assert advice["zh"].endswith(
        "该信息正在异议处理中；异议处理完毕后，如该信息仍被使用，"
        "可依照《福州市社会信用管理办法》第二十一条申请信用修复。"
    )
    assert not _promises_repair(advice)
    assert not _passes_checklist(db, clock, world, "company", record)


def test_a_recent_penalty_is_advised_when_its_minimum_publicity_period_ends(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=clock.today().isoformat())
    (period,) = [
        check
        for check in repair.checklist(db, clock, actor_of(world, "company"), record.id)
        if check.code == "publicity_period_passed"
    ]
    ends = period.params["ends"]
    advice = _advice(db, clock, world, "company", world.subjects["company"])[str(record.id)]
    assert advice["zh"].startswith("行政处罚（")
    assert f"该信息的最短公示期至{ends}届满；届满后，" in advice["zh"]
    assert f"its minimum publicity period ends on {ends}" in advice["en"]
    assert not _passes_checklist(db, clock, world, "company", record)


def test_a_penalty_nothing_excludes_is_advised_a_repair_the_checklist_grants(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    advice = _advice(db, clock, world, "company", world.subjects["company"])[str(record.id)]
    assert _promises_repair(advice)
    assert _passes_checklist(db, clock, world, "company", record)


def test_an_application_being_handled_is_the_subjects_own_business(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Its own report says the application is being handled; a report to another reader
    gives no advice on that record rather than advising an application the platform would
    refuse (``repair_pending``)."""
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    company = world.subjects["company"]
    advice = _advice(db, clock, world, "company", company)[str(record.id)]
    assert advice["zh"].endswith(f"该信息的信用修复申请（第{case.id}号）正在办理中。")
    make_query_item(db, clock, world)
    theirs = reports.issue(
        db, clock, actor_of(world, "querier"), company, query_item_code=ITEM, matter=MATTER_CODE
    )
    assert str(record.id) not in {s["record"] for s in json.loads(theirs.body)["suggestions"]}


def test_a_quiet_subjects_outlook_is_the_full_outlook(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """The outlook a report keeps with a record's view for a subject with no objection,
    application, fraud or Art. 22 listing is the one read in full."""
    world = disclosure_world
    company = world.subjects["company"]
    records = [
        company_penalty(db, clock, world, decision_date=old_decision(clock)),
        company_penalty(db, clock, world, decision_date=clock.today().isoformat()),
    ]
    breach = contract_breach(db, clock, world)
    today = clock.today()
    assert repair.quiet(db, company.id, today, excludes_serious_list=False)
    views = {
        view.id: view
        for view in files.build_file(db, company, today=today)
        if view.id in {r.id for r in records}
    }
    full = repair.outlooks(db, clock, company.id, {i: v.definition for i, v in views.items()})
    for record_id, view in views.items():
        assert full[record_id] == repair.quiet_outlook(
            record_id,
            view.definition,
            severity=view.severity,
            decision_date=view.decision_date,
            status=RecordStatus(view.status),
            today=today,
        )
    person = world.subjects["person"]
    (view,) = [v for v in files.build_file(db, person, today=today) if v.id == breach.id]
    assert repair.outlooks(db, clock, person.id, {breach.id: view.definition}) == {
        breach.id: repair.quiet_outlook(
            breach.id,
            view.definition,
            severity=view.severity,
            decision_date=view.decision_date,
            status=RecordStatus(view.status),
            today=today,
        )
    }
    record_objection(db, clock, world, records[0].id)
    assert not repair.quiet(db, company.id, today, excludes_serious_list=False)
