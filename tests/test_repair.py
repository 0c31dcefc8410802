"""Credit repair (Art. 20–23): the checklist and refusals, feedback and decision with their
deadlines, the effects of a repair on disclosure, sharing and lists, fraud (Art. 23), the
query code, the access log, and the state machine as a property."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    next_decision_number,
    penalty_row,
    record_by_decision,
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    access_events,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    witnessed,
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
from xinyong.audit.models import AuditEvent
from xinyong.catalog.definitions import Severity
from xinyong.clock import FixedClock
from xinyong.collection.models import RecordStatus
from xinyong.collection.records import current_version
from xinyong.disclosure import files
from xinyong.errors import ConcealedRefusal, Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.lists import eligibility, joint_checks
from xinyong.lists import entries as list_entries
from xinyong.lists.models import RemovalReason
from xinyong.objections import cases as objection_cases
from xinyong.repair import cases, rules
from xinyong.repair import service as repair
from xinyong.repair.models import OPEN, RepairCase, RepairStatus

PENALTY = "administrative_penalty"


def _penalties(views: list[files.RecordView]) -> list[files.RecordView]:
    return [view for view in views if view.type_code == PENALTY]


def _history(db: Session, record_id: int) -> list[tuple[int, str, str]]:
    return [
        (v.version_no, v.status.value, v.reason)
        for v in objection_cases.record_history(db, record_id)
    ]


def test_a_repair_end_to_end_stops_publication_sharing_and_use(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    assert files.build_file(db, company, today=clock.today(), public_only=True)
    assert eligibility.latest_bad_record(db, company.id, dt.date(2020, 1, 1)) is not None

    case = apply(db, clock, world, record.id)
    assert case.status is RepairStatus.SUBMITTED
    assert all(check["ok"] for check in case.checklist)
    assert len(case.query_code) == 19
    # The commitment was made in the same step, to the record's source (Art. 10 ¶2).
    commitment = db.get(type(record), case.commitment_record_id)
    assert commitment is not None
    assert commitment.source_organisation_id == record.source_organisation_id
    # The feedback deadline: 10 working days from the day it was received.
    (found,) = cases.cases_of(db, clock, [case])
    assert [(d.what, d.due) for d in found.deadlines] == [("feedback", dt.date(2026, 12, 11))]
    # The public progress: status and dates, nothing personal.
    progress = cases.progress(db, clock, case.query_code.lower())
    assert progress["status"] == "submitted"
    assert company.name not in str(progress)

    handler = actor_of(world, "objections")
    repair.feedback(db, clock, handler, case.id, accept=True, reasons="")
    (found,) = cases.cases_of(db, clock, [case])
    assert [(d.what, d.due) for d in found.deadlines] == [("decide", dt.date(2026, 12, 2))]

    source = actor_of(world, "caseofficer")
    repair.decide(db, clock, source, case.id, approve=True, reasons="已纠正并履行处罚决定")
    assert record.status is RecordStatus.REPAIRED
    assert _history(db, record.id)[-1] == (2, "repaired", f"repaired, case {case.id}")
    # Publication stops; authorised and query-item readers no longer get it; it no longer
    # counts against red-list eligibility, joint checks or grades.
    assert _penalties(files.build_file(db, company, today=clock.today(), public_only=True)) == []
    shared = files.build_file(db, company, today=clock.today(), record_type_codes={PENALTY})
    assert _penalties(shared) == []
    (own,) = _penalties(files.build_file(db, company, today=clock.today()))
    assert own.status == "repaired"
    assert eligibility.latest_bad_record(db, company.id, dt.date(2020, 1, 1)) is None
    assert RecordStatus.REPAIRED in joint_checks.NOT_COUNTED
    from xinyong.lists import grades

    assert RecordStatus.REPAIRED not in grades.COUNTED
    actions = set(
        db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "repair_case"))
    )
    assert actions == {"repair_case.apply", "repair_case.feedback", "repair_case.decide"}

    # Art. 23, after: fraud revokes the result and restores the record.
    repair.fraud(db, clock, source, case.id, reasons="整改材料系伪造")
    assert case.status is RepairStatus.REVOKED
    assert record.status is RecordStatus.ACTIVE
    assert _history(db, record.id)[-1] == (3, "active", f"repair revoked, case {case.id}")
    assert _penalties(files.build_file(db, company, today=clock.today(), public_only=True))
    # And the subject may not apply again within the exclusion period.
    with pytest.raises(Conflict) as again:
        apply(db, clock, world, record.id)
    assert (again.value.code, again.value.field, again.value.article) == (
        "not_repairable",
        "fraud_exclusion_period",
        "Art. 23",
    )


def test_refusals_name_the_article_and_condition(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    recent = company_penalty(db, clock, world)  # decided two working days ago
    with pytest.raises(InvalidInput) as early:
        apply(db, clock, world, recent.id)
    assert (early.value.code, early.value.field, early.value.article) == (
        "repair_condition_unmet",
        "publicity_period_passed",
        rules.ORDER_36,
    )
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    with pytest.raises(InvalidInput) as undeclared:
        apply(db, clock, world, record.id, declared=ALL_DECLARED - {"supervision"})
    assert (undeclared.value.field, undeclared.value.article) == (
        "accepts_supervision",
        "Art. 21 ¶2(3)",
    )
    with pytest.raises(InvalidInput) as no_commitment:
        apply(db, clock, world, record.id, commitment_text="")
    assert no_commitment.value.field == "commitment_made"
    with pytest.raises(ConcealedRefusal) as other:  # as a missing record, word for word
        repair.apply(
            db,
            clock,
            actor_of(world, "citizen"),
            record.id,
            correction="x",
            evidence="x",
            declared=ALL_DECLARED,
            commitment_text="x",
        )
    assert (other.value.code, other.value.article) == ("not_found", "Art. 13")
    with pytest.raises(NotFound) as missing:
        repair.apply(
            db,
            clock,
            actor_of(world, "citizen"),
            record.id + 10_000,
            correction="x",
            evidence="x",
            declared=ALL_DECLARED,
            commitment_text="x",
        )
    assert missing.value.as_dict() == other.value.as_dict()
    # Under objection: the objection is decided first (an exclusion, Art. 25).
    record_objection(db, clock, world, record.id)
    with pytest.raises(Conflict) as objected:
        apply(db, clock, world, record.id)
    assert (objected.value.field, objected.value.article) == ("under_objection", "Art. 25")
    other_record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    apply(db, clock, world, other_record.id)
    with pytest.raises(Conflict) as pending:
        apply(db, clock, world, other_record.id)
    assert pending.value.field == "repair_pending"


def test_who_acts_at_each_stage_and_the_staff_read_is_logged(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    source = actor_of(world, "caseofficer")
    with pytest.raises(PermissionDenied):  # the source does not give the feedback
        repair.feedback(db, clock, source, case.id, accept=True, reasons="")
    with pytest.raises(Conflict) as early:  # nor decides before the case is accepted
        repair.decide(db, clock, source, case.id, approve=True, reasons="x")
    assert early.value.code == "wrong_stage"
    with pytest.raises(PermissionDenied):
        repair.decide(
            db, clock, actor_of(world, "other_reporter"), case.id, approve=True, reasons="x"
        )
    with pytest.raises(InvalidInput):  # not accepting needs reasons
        repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=False, reasons="")
    # An objection raised after the application is decided first (Art. 25).
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    objection = record_objection(db, clock, world, record.id)
    with pytest.raises(Conflict) as objected:
        repair.decide(db, clock, source, case.id, approve=True, reasons="x")
    assert (objected.value.code, objected.value.article) == ("not_repairable", "Art. 25")
    from xinyong.objections import service as objections

    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="rejected", reasons="无误"
    )
    before = len(access_events(db, world.subjects["company"].id))
    cases.case(db, clock, actor_of(world, "authority"), case.id)
    cases.case(db, clock, actor_of(world, "company"), case.id)  # its own: not logged
    events = access_events(db, world.subjects["company"].id)[before:]
    assert [(e.what, e.purpose) for e in events] == [("repair_case", rules.CASE_PURPOSE)]
    # Fraud found during the procedure: the source terminates it.
    repair.fraud(db, clock, source, case.id, reasons="证据系伪造")
    assert case.status is RepairStatus.TERMINATED
    assert record.status is RecordStatus.ACTIVE
    with pytest.raises(Conflict) as closed:
        repair.decide(db, clock, source, case.id, approve=True, reasons="x")
    assert closed.value.code == "repair_closed"
    with pytest.raises(NotFound):
        cases.progress(db, clock, "NO-SUCH-CODE")


def test_a_repaired_record_is_not_shared_even_as_it_was_before_the_repair(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """A third party asking for the file of a day before the repair (a back-dated report)
    does not get the record either; the subject's own file of that day still shows it."""
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    later = FixedClock(clock.now() + dt.timedelta(days=2))
    repair.decide(db, later, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改")
    before = clock.today()  # the record was active all that day
    shared = files.build_file(
        db, company, today=later.today(), record_type_codes={PENALTY}, as_of=before
    )
    assert _penalties(shared) == []
    assert _penalties(files.build_file(db, company, today=later.today(), public_only=True)) == []
    (own,) = _penalties(files.build_file(db, company, today=later.today(), as_of=before))
    assert own.status == "active"


def test_reports_issued_to_others_no_longer_open_once_the_record_is_repaired(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Their kept content goes, as with a deleted record; the subject's own report stays."""
    from xinyong.disclosure import reports, retention
    from xinyong.errors import Gone

    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    make_query_item(db, clock, world)
    querier = actor_of(world, "querier")
    theirs = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    own = reports.issue(db, clock, actor_of(world, "company"), company)
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    repair.decide(db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改")
    with pytest.raises(Gone) as refused:
        reports.reopen(db, clock, querier, theirs.report.number)
    assert refused.value.details["reason"] == retention.REMOVED_RECORD_REPAIRED
    again = reports.reopen(db, clock, actor_of(world, "company"), own.report.number)
    assert again.report.number == own.report.number


def test_the_sources_objection_handler_does_not_repair_or_restore_a_record(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Separate duties (rules.md): an objection handler at the record's source may reject
    an application or terminate it for fraud, but approving (a repaired version, list
    entries ended) and revoking (the record restored) alter data: its case officers and data
    reporters do that."""
    from tests.factories import UserFactory
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import Role

    world = disclosure_world
    handler = accounts.actor_for_user(
        UserFactory(role=Role.OBJECTION_HANDLER, organisation=world.organisations["regulator"])
    )
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    # The case page offers it only what it may do: reject, or terminate for fraud.
    assert repair.steps_open(handler, case) == {"decide", "terminate"}
    assert repair.steps_open(actor_of(world, "caseofficer"), case) == {
        "decide",
        "approve",
        "terminate",
    }
    with pytest.raises(PermissionDenied) as refused:
        repair.decide(db, clock, handler, case.id, approve=True, reasons="整改到位")
    assert (refused.value.code, refused.value.article) == (
        "objection_handler_alters_no_data",
        "Art. 12",
    )
    assert (case.status, record.status) == (RepairStatus.ACCEPTED, RecordStatus.ACTIVE)
    repair.decide(
        db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
    )
    with pytest.raises(PermissionDenied) as refused:
        repair.fraud(db, clock, handler, case.id, reasons="证据系伪造")
    assert refused.value.code == "objection_handler_alters_no_data"
    assert (case.status, record.status) == (RepairStatus.APPROVED, RecordStatus.REPAIRED)


def test_staff_reads_of_a_queue_are_in_the_subjects_access_log_and_audited(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    first, second = (
        apply(
            db,
            clock,
            world,
            company_penalty(db, clock, world, decision_date=old_decision(clock)).id,
        )
        for _ in range(2)
    )
    company = world.subjects["company"].id
    before = len(access_events(db, company))

    def logged() -> list[tuple[str, str, str | None]]:
        return [
            (e.what, e.legal_path.value, e.purpose) for e in access_events(db, company)[before:]
        ]

    def audited() -> list[tuple[dict[str, object], list[int]]]:
        return [
            witnessed(e.details)
            for e in db.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "repair_case.queue_read")
                .order_by(AuditEvent.sequence)
            )
        ]

    use = ("repair_case", "official_duty", rules.CASE_PURPOSE)
    assert len(cases.authority_queue(db, clock, actor_of(world, "authority"))) == 2
    assert logged() == [use]  # two cases of one subject: one use of its information
    # The case ids only: no name, correction, evidence or reasons in the audit trail; the
    # event witnesses the access-log entry (decision 0003).
    entries = [e.id for e in access_events(db, company)[before:]]
    assert audited() == [({"view": "authority", "cases": [first.id, second.id]}, entries)]
    repair.feedback(db, clock, actor_of(world, "objections"), first.id, accept=True, reasons="")
    shown = cases.source_queue(db, clock, actor_of(world, "caseofficer"))
    assert [c.case.id for c in shown] == [first.id, second.id]
    assert logged() == [use, use]
    assert audited()[-1][0] == {"view": "source", "cases": [first.id, second.id]}


def test_a_changed_resubmission_keeps_a_repaired_record_repaired(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """The source's new content does not undo a repair; a revocation (Art. 23) restores
    the status before the repair with the content as the source last sent it."""
    world = disclosure_world
    decided = old_decision(clock)
    record = company_penalty(db, clock, world, decision_date=decided)
    number = current_version(db, record).payload["decision_number"]
    case = apply(db, clock, world, record.id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    source = actor_of(world, "caseofficer")
    repair.decide(db, clock, source, case.id, approve=True, reasons="整改到位")
    row = penalty_row(world, decision_number=number, decision_date=decided, fine_amount="1.2")
    ingest(db, clock, world.organisations["regulator"], [row])
    db.refresh(record)
    assert record.status is RecordStatus.REPAIRED
    assert _history(db, record.id)[-1][1:] == ("repaired", "updated by source")
    repair.fraud(db, clock, source, case.id, reasons="承诺未履行")
    assert record.status is RecordStatus.ACTIVE
    assert current_version(db, record).payload["fine_amount"] == "1.2"


def test_the_catalog_names_the_art22_cases_court_defaulters_are_never_repaired() -> None:
    """Art. 22 (3) as data: the rule pack marks court judgment defaulters, who leave the
    black list by performing the judgment; the checklist refuses with the case's article."""
    from xinyong.catalog import service as catalog

    court = next(d for d in catalog.read_rule_pack() if d["code"] == "court_judgment_defaulter")
    definition = catalog.parse_definition(court)
    assert definition.repair_exclusions == ("22(3)",)
    facts = rules.Facts(
        definition=definition,
        severity=Severity.SERIOUS,
        decision_date=dt.date(2020, 1, 1),
        today=dt.date(2026, 11, 27),
        correction="已履行",
        evidence="执行完毕",
        declared=ALL_DECLARED,
        commitment_problem=None,
        under_objection=False,
        repair_pending=False,
        fraud_within_period=None,
        serious_list=False,
        terms=rules.Terms(),
    )
    (failed,) = rules.failed(rules.checklist(facts))
    assert (failed.code, failed.kind, failed.article) == ("art22_3", "exclusion", "Art. 22(3)")


# --- Art. 22: the cases never repaired ---------------------------------------------------------


def _old_penalty(db: Session, clock: FixedClock, world: World) -> int:
    """A penalty of the company old enough to repair (125 days)."""
    number = next_decision_number()
    ingest_penalty(
        db,
        clock,
        world,
        world.subjects["company"],
        decision_number=number,
        decision_date=old_decision(clock),
    )
    return record_by_decision(db, number).id


@pytest.mark.parametrize(
    ("standard", "case"),
    [
        ("serious_health_safety", "22(1)"),
        ("serious_fair_competition", "22(2)"),
        ("serious_refusing_duties", "22(3)"),
        ("serious_national_defence", "22(4)"),
    ],
)
def test_a_subject_listed_under_an_art22_standard_is_not_repaired(
    db: Session, clock: FixedClock, lists_world: World, standard: str, case: str
) -> None:
    """Art. 22: a subject on the black list under a standard that names one of its cases is
    not repaired while the entry is in force, whatever the serious-list setting (the
    Zhejiang blanket rule, off here); the checklist says so with the case's article."""
    world = lists_world
    record_id = _old_penalty(db, clock, world)
    entry = published_entry(db, clock, world, world.subjects["company"], standard)
    code = f"art22_{case[3]}"
    with pytest.raises(Conflict) as refused:
        apply(db, clock, world, record_id)
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "not_repairable",
        code,
        f"Art. {case}",
    )
    failed = refused.value.details["failed"]  # type: ignore[index]
    assert [(c["code"], c["kind"]) for c in failed] == [(code, "exclusion")]
    std = list_entries.standard(db, standard)
    assert std.name in failed[0]["message"]
    # The checklist before applying shows it, with the standard and the end of the term.
    company = actor_of(world, "company")
    shown = {c.code: c for c in repair.checklist(db, clock, company, record_id)}
    assert not shown[code].ok
    assert shown[code].params == {"standard": std.name, "until": str(entry.term_end)}
    # The entry ends: the subject may apply.
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
    assert apply(db, clock, world, record_id).status is RepairStatus.SUBMITTED


def test_a_black_list_entry_of_an_ordinary_standard_does_not_exclude_repair(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Only the Art. 22 cases exclude; the blanket exclusion of every serious-list subject
    stays a setting (rules.md, the Zhejiang model), off by default."""
    world = lists_world
    record_id = _old_penalty(db, clock, world)
    published_entry(db, clock, world, world.subjects["company"], "dishonest_subject")
    assert apply(db, clock, world, record_id).status is RepairStatus.SUBMITTED


def test_a_subject_listed_after_applying_is_not_repaired(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Listed under an Art. 22 standard while the case runs: the source cannot approve."""
    world = lists_world
    record_id = _old_penalty(db, clock, world)
    case = apply(db, clock, world, record_id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    published_entry(db, clock, world, world.subjects["company"], "serious_health_safety")
    with pytest.raises(Conflict) as refused:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改"
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "not_repairable",
        "art22_1",
        "Art. 22(1)",
    )
    # Rejecting stays open to the source.
    repair.decide(
        db, clock, actor_of(world, "caseofficer"), case.id, approve=False, reasons="第二十二条"
    )
    assert case.status is RepairStatus.REJECTED


def test_the_rule_pack_names_the_art22_case_of_its_standards() -> None:
    """As data (decision 0008): the standards whose legal basis cites a case of Art. 22
    name it, and the court's list of judgment defaulters, whose conduct is the case of
    Art. 22(3) (decision 0023, addendum "the court's list names Art. 22(3)"); the others
    none."""
    from xinyong.lists import measures

    named = {s["code"]: s.get("repair_exclusion") for s in measures.read_rule_pack()["standards"]}
    assert named == {
        "integrity_model": None,
        "dishonest_subject": None,
        "serious_health_safety": "22(1)",
        "serious_fair_competition": "22(2)",
        "serious_refusing_duties": "22(3)",
        "serious_national_defence": "22(4)",
        "court_judgment_defaulter": "22(3)",
    }


@pytest.mark.parametrize(
    ("today", "passed"),
    [(dt.date(2026, 11, 26), False), (dt.date(2026, 11, 27), False), (dt.date(2026, 11, 28), True)],
)
def test_the_minimum_publicity_period_has_passed_only_after_its_last_day(
    today: dt.date, passed: bool
) -> None:
    """Order 36: a general record decided 2026-08-27 is public at least three months, up to
    and including 2026-11-27 (the day a window ending then is still public); repair opens
    the day after."""
    from xinyong.catalog import service as catalog

    penalty = next(d for d in catalog.read_rule_pack() if d["code"] == "administrative_penalty")
    facts = rules.Facts(
        definition=catalog.parse_definition(penalty),
        severity=Severity.GENERAL,
        decision_date=dt.date(2026, 8, 27),
        today=today,
        correction="已改正",
        evidence="缴款凭证",
        declared=ALL_DECLARED,
        commitment_problem=None,
        under_objection=False,
        repair_pending=False,
        fraud_within_period=None,
        serious_list=False,
        terms=rules.Terms(),
    )
    (check,) = [c for c in rules.checklist(facts) if c.code == "publicity_period_passed"]
    assert check.ok is passed
    assert "2026-11-27" in check.message


def test_no_fee_anywhere() -> None:
    """Paid deletion is forbidden (rules.md): nothing in a repair case is about money."""
    columns = {c.name for c in RepairCase.__table__.columns}
    words = {word for name in columns for word in name.split("_")}
    assert not words & {"fee", "fees", "payment", "paid", "amount", "price", "charge"}


# --- the state machine ------------------------------------------------------------------------

WHO = (rules.PLATFORM, rules.SOURCE)


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(WHO), st.sampled_from(rules.ACTIONS)), max_size=8))
def test_the_state_machine(steps: list[tuple[str, str]]) -> None:
    """From submitted, any sequence of steps: each either moves by the table or is refused
    with 409; a closed case is only ever revoked from approved; the platform never
    decides and the source never gives feedback."""
    status = RepairStatus.SUBMITTED
    for who, action in steps:
        if (status, who, action) not in rules.TRANSITIONS:
            with pytest.raises(Conflict) as refusal:
                rules.next_status(status, who, action)
            assert refusal.value.code in ("wrong_stage", "repair_closed")
            continue
        after = rules.next_status(status, who, action)
        if action in ("accept", "not_accept"):
            assert who == rules.PLATFORM
            assert status is RepairStatus.SUBMITTED
        if action in ("approve", "reject"):
            assert who == rules.SOURCE
            assert status is RepairStatus.ACCEPTED
        if status not in OPEN:  # a closed case is only ever revoked, from approved
            assert (status, action) == (RepairStatus.APPROVED, "revoke")
        status = after


CASES = ("22(1)", "22(2)", "22(3)", "22(4)", "22(5)")


@given(
    by_type=st.sets(st.sampled_from(CASES)),
    listed=st.lists(st.sampled_from(CASES), max_size=4),
)
def test_an_art22_case_excludes_by_the_type_or_by_a_listing_and_nothing_else(
    by_type: set[str], listed: list[str]
) -> None:
    """Each case of Art. 22 is one exclusion citing it, failing exactly when the record's
    type names it or the subject is listed under a standard naming it; a listing shows
    its standard and term."""
    from xinyong.catalog import service as catalog

    penalty = next(d for d in catalog.read_rule_pack() if d["code"] == "administrative_penalty")
    definition = catalog.parse_definition({**penalty, "repair_exclusions": sorted(by_type)})
    listings = tuple(
        rules.Listing(case=case, standard=f"标准{case}", until=dt.date(2029, 1, 1))
        for case in listed
    )
    checks = rules.art22_checks(definition, listings)
    assert [c.article for c in checks] == [f"Art. {case}" for case in CASES]
    for case, check in zip(CASES, checks, strict=True):
        assert check.kind == "exclusion"
        assert check.ok is (case not in by_type and case not in listed)
        if case in listed:
            assert check.params == {"standard": f"标准{case}", "until": "2029-01-01"}
        else:
            assert check.params == {}
