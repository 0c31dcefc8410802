"""Objections to credit records (Art. 25): raising, forwarding, deciding, correcting and
withdrawing; deadlines in working days; the state machine as a property."""

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
    penalty_row,
    record_by_decision,
)
from tests.disclosure_helpers import (
    ITEM,
    MATTER_CODE,
    PENALTY,
    access_events,
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    person_penalty,
    witnessed,
)
from tests.factories import World, record_objection
from xinyong.audit.models import AuditEvent
from xinyong.calendar import CalendarDay, WorkingDayCalendar
from xinyong.clock import FixedClock
from xinyong.collection.models import RecordStatus
from xinyong.disclosure import files, reports, retention
from xinyong.errors import (
    ConcealedRefusal,
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from xinyong.objections import cases, rules
from xinyong.objections import service as objections
from xinyong.objections.models import (
    OPEN,
    STOP_USE_GROUNDS,
    WITHDRAWAL_GROUNDS,
    Ground,
    ObjectionStatus,
    RecordObjection,
)


def _versions(session: Session, record_id: int) -> list[tuple[int, str, str]]:
    return [
        (v.version_no, v.status.value, v.reason) for v in cases.record_history(session, record_id)
    ]


def test_raising_marks_the_record_under_objection_by_a_new_version(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    assert objection.status is ObjectionStatus.RECEIVED
    assert record.status is RecordStatus.UNDER_OBJECTION
    assert _versions(db, record.id) == [
        (1, "active", "created by source"),
        (2, "under_objection", "objection received"),
    ]
    # The content did not change; the statement is in the case, not in the history.
    history = cases.record_history(db, record.id)
    assert history[1].payload == history[0].payload
    assert "壹万元" not in (history[1].reason_detail or "")
    # The public disclosure shows it as under objection.
    (view,) = files.build_file(db, world.subjects["company"], today=clock.today())
    assert view.status == "under_objection"
    assert view.public
    assert db.scalar(
        select(AuditEvent.sequence).where(AuditEvent.action == "record_objection.raise")
    )


def test_refusals_when_raising(db: Session, clock: FixedClock, disclosure_world: World) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    # Never somebody else's record, answered as a missing one word for word (its id is
    # not the citizen's to learn of).
    with pytest.raises(ConcealedRefusal) as other:
        record_objection(db, clock, world, record.id, account="citizen")
    with pytest.raises(NotFound) as missing:
        record_objection(db, clock, world, record.id + 10_000, account="citizen")
    assert other.value.as_dict() == missing.value.as_dict()
    assert (other.value.code, other.value.article) == ("not_found", "Art. 13")
    with pytest.raises(InvalidInput) as bad_ground:
        record_objection(db, clock, world, record.id, ground="dislike")
    assert bad_ground.value.code == "invalid_choice"
    with pytest.raises(InvalidInput) as empty:
        record_objection(db, clock, world, record.id, statement="  ")
    assert empty.value.code == "required"
    with pytest.raises(PermissionDenied):  # staff do not object on a subject's behalf
        objections.raise_objection(
            db, clock, actor_of(world, "objections"), record.id, ground="error", statement="x"
        )
    record_objection(db, clock, world, record.id)
    with pytest.raises(Conflict) as twice:
        record_objection(db, clock, world, record.id, ground="omission")
    assert (twice.value.code, twice.value.article) == ("objection_pending", "Art. 25")


def test_handler_forwards_and_source_corrects_with_a_validated_version(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    handler, reporter = actor_of(world, "objections"), actor_of(world, "reporter")
    with pytest.raises(PermissionDenied) as alters:  # handlers alter no data
        objections.correct(db, clock, handler, objection.id, values={}, note="x")
    assert alters.value.code == "permission_denied"
    with pytest.raises(PermissionDenied) as early:  # not forwarded: the source does not decide
        objections.decide(db, clock, reporter, objection.id, outcome="rejected", reasons="x")
    assert early.value.code == "not_forwarded"
    objections.forward(db, clock, handler, objection.id, note="请核实罚款金额")
    assert objection.status is ObjectionStatus.FORWARDED
    with pytest.raises(PermissionDenied) as other:
        objections.correct(
            db, clock, actor_of(world, "other_reporter"), objection.id, values={}, note="x"
        )
    assert other.value.code == "not_source"
    with pytest.raises(InvalidInput) as invalid:  # checked like any ingested row
        objections.correct(
            db, clock, reporter, objection.id, values={"fine_amount": "一万"}, note="金额更正"
        )
    assert (invalid.value.code, invalid.value.field) == ("invalid_number", "fine_amount")
    # The bounds of ingestion hold for a correction too.
    for values, code, field in [
        ({"fine_amount": "1e400"}, "exponent_notation", "fine_amount"),
        ({"fine_amount": "99999999999999999999999999999"}, "out_of_range", "fine_amount"),
        ({"penalty_valid_until": "0001-01-01"}, "out_of_range", "penalty_valid_until"),
        ({"publicity_deadline": "1990-01-02"}, "before_decision_date", "publicity_deadline"),
    ]:
        with pytest.raises(InvalidInput) as bounded:
            objections.correct(db, clock, reporter, objection.id, values=values, note="更正")
        assert (bounded.value.code, bounded.value.field) == (code, field)
    with pytest.raises(InvalidInput) as fixed:
        objections.correct(
            db, clock, reporter, objection.id, values={"subject_name": "别的公司"}, note="x"
        )
    assert fixed.value.code == "not_correctable"
    with pytest.raises(InvalidInput) as unchanged:
        objections.correct(db, clock, reporter, objection.id, values={}, note="x")
    assert unchanged.value.code == "unchanged"
    version = objections.correct(
        db,
        clock,
        reporter,
        objection.id,
        values={"fine_amount": "1", "penalty_content": "罚款人民币壹万元"},
        note="罚款金额录入有误，已按处罚决定书更正",
    )
    assert version.payload["fine_amount"] == "1"
    assert version.reason == f"corrected after objection {objection.id}"
    assert version.source_organisation_id == world.organisations["regulator"].id
    assert objection.status is ObjectionStatus.CORRECTED
    assert objection.decided_by_source is True
    assert record.status is RecordStatus.CORRECTED
    # The corrected record is public again, and the history shows source and reason.
    (view,) = files.build_file(db, world.subjects["company"], today=clock.today())
    assert view.status == "corrected"
    assert view.payload["fine_amount"] == "1"
    assert [v.reason for v in view.history][-1] == f"corrected after objection {objection.id}"
    assert view.history[-1].source_name == world.organisations["regulator"].name
    # The same row sent again by the source is unchanged, not an overwrite.
    with pytest.raises(Conflict) as closed:
        objections.forward(db, clock, handler, objection.id, note="")
    assert closed.value.code == "objection_closed"
    # And the subject may object again now.
    record_objection(db, clock, world, record.id, ground="omission", statement="遗漏已履行信息")


def test_rejected_and_unconfirmed_return_the_record_with_reasons(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    handler = actor_of(world, "objections")
    first = record_objection(db, clock, world, record.id)
    objections.decide(
        db, clock, handler, first.id, outcome="rejected", reasons="处罚决定书载明金额无误"
    )
    assert record.status is RecordStatus.ACTIVE
    assert first.decision_reasons == "处罚决定书载明金额无误"
    second = record_objection(db, clock, world, record.id, ground="omission")
    with pytest.raises(InvalidInput) as no_check:
        objections.decide(db, clock, handler, second.id, outcome="unconfirmed", reasons="x")
    assert no_check.value.field == "check_made"
    objections.decide(
        db,
        clock,
        handler,
        second.id,
        outcome="unconfirmed",
        reasons="来源单位与主体说法不一",
        check_made="调阅执法档案，未见缴款凭证",
    )
    assert second.status is ObjectionStatus.UNCONFIRMED
    assert record.status is RecordStatus.ACTIVE
    last = cases.record_history(db, record.id)[-1]
    assert last.reason == f"objection {second.id}: facts could not be confirmed"
    assert "调阅执法档案" in (last.reason_detail or "")


def test_withdrawal_from_publication(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    handler, reporter = actor_of(world, "objections"), actor_of(world, "reporter")
    objection = record_objection(db, clock, world, record.id, ground="should_not_be_public")
    objections.decide(db, clock, handler, objection.id, outcome="upheld", reasons="仅警告不应公示")
    assert objection.status is ObjectionStatus.UPHELD
    assert record.status is RecordStatus.UNDER_OBJECTION
    with pytest.raises(Conflict) as instead:
        objections.correct(db, clock, reporter, objection.id, values={"remarks": "x"}, note="x")
    assert instead.value.code == "withdraw_instead"
    version = objections.withdraw(db, clock, reporter, objection.id, note="不予公示")
    assert version.reason == f"withdrawn from publication after objection {objection.id}"
    assert objection.status is ObjectionStatus.WITHDRAWN
    (view,) = files.build_file(db, world.subjects["company"], today=clock.today())
    assert not view.public
    assert view.status == "active"


def test_a_correction_closes_reports_issued_to_others(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """A report issued to another organisation showed content found wrong: its kept content
    goes (as with a revoked or repaired record) and a new report shows the correction."""
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world)
    make_query_item(db, clock, world)
    querier, reporter = actor_of(world, "querier"), actor_of(world, "reporter")
    handler = actor_of(world, "objections")

    theirs = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    own = reports.issue(db, clock, actor_of(world, "company"), company)
    objection = record_objection(db, clock, world, record.id)
    objections.forward(db, clock, handler, objection.id, note="请核实罚款金额")
    objections.correct(
        db, clock, reporter, objection.id, values={"fine_amount": "1"}, note="金额录入有误"
    )
    with pytest.raises(Gone) as gone:
        reports.reopen(db, clock, querier, theirs.report.number)
    assert gone.value.details["reason"] == retention.REMOVED_RECORD_CORRECTED
    assert gone.value.article == "Art. 25"
    assert reports.reopen(db, clock, actor_of(world, "company"), own.report.number)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "record_objection.correct"))
    assert event is not None
    assert event.details["report_contents_removed"] == 1


def test_a_withdrawal_from_publication_closes_reports_issued_to_others(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    """Art. 25, 13 ¶3: the public version of a report issued on a query item showed the
    record because it was public. Upheld that it should not be, and withdrawn by its source,
    a new report leaves it out — and so must the one issued before: its kept content goes,
    as on a correction, and reopening it says why. The subject's own report keeps its
    history."""
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    querier, reporter = actor_of(world, "querier"), actor_of(world, "reporter")
    handler = actor_of(world, "objections")

    public = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert public.content["public_version"]
    assert public.report.record_count == 1
    own = reports.issue(db, clock, actor_of(world, "company"), company)
    objection = record_objection(db, clock, world, record.id, ground="should_not_be_public")
    objections.decide(db, clock, handler, objection.id, outcome="upheld", reasons="不应公示")
    objections.withdraw(db, clock, reporter, objection.id, note="不予公示")

    fresh = reports.issue(db, clock, querier, company, query_item_code=ITEM, matter=MATTER_CODE)
    assert fresh.report.record_count == 0
    with pytest.raises(Gone) as gone:
        reports.reopen(db, clock, querier, public.report.number)
    assert gone.value.details["reason"] == retention.REMOVED_RECORD_WITHDRAWN
    assert gone.value.article == "Art. 25"
    assert reports.reopen(db, clock, querier, fresh.report.number)
    assert reports.reopen(db, clock, actor_of(world, "company"), own.report.number)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "record_objection.withdraw"))
    assert event is not None
    assert event.details["report_contents_removed"] == 1


def test_staff_reads_of_a_case_are_in_the_subjects_access_log(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = person_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id, account="citizen")
    before = len(access_events(db, world.subjects["person"].id))
    cases.case(db, clock, actor_of(world, "citizen"), objection.id)  # own: not logged
    cases.case(db, clock, actor_of(world, "objections"), objection.id)
    events = access_events(db, world.subjects["person"].id)[before:]
    assert [(e.what, e.legal_path.value) for e in events] == [("objection_case", "official_duty")]
    with pytest.raises(PermissionDenied):
        cases.case(db, clock, actor_of(world, "querier"), objection.id)
    with pytest.raises(PermissionDenied):
        cases.case(db, clock, actor_of(world, "company"), objection.id)


def test_staff_reads_of_a_queue_are_in_each_subjects_access_log_and_audited(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    person = record_objection(
        db, clock, world, person_penalty(db, clock, world).id, account="citizen"
    )
    company = record_objection(db, clock, world, company_penalty(db, clock, world).id)
    subjects = [world.subjects["person"].id, world.subjects["company"].id]
    before = [len(access_events(db, s)) for s in subjects]

    def logged() -> list[list[tuple[str, str, str | None]]]:
        return [
            [(e.what, e.legal_path.value, e.purpose) for e in access_events(db, s)[n:]]
            for s, n in zip(subjects, before, strict=True)
        ]

    def audited() -> list[dict[str, object]]:
        # Each event witnesses the access-log entries (decision 0003): test_audit.py.
        return [
            witnessed(e.details)[0]
            for e in db.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "record_objection.queue_read")
                .order_by(AuditEvent.sequence)
            )
        ]

    use = ("objection_case", "official_duty", rules.CASE_PURPOSE)
    handler = actor_of(world, "objections")
    assert len(cases.handler_queue(db, clock, handler)) == 2
    assert cases.handler_queue(db, clock, handler, closed=True) == []  # nothing shown: none
    assert logged() == [[use], [use]]
    # The case ids only: no name, statement or reasons in the audit trail.
    assert audited() == [{"view": "handler", "cases": [person.id, company.id]}]
    objections.forward(db, clock, handler, company.id, note="请核实")
    assert [c.objection.id for c in cases.source_queue(db, clock, actor_of(world, "reporter"))] == [
        company.id
    ]
    assert logged() == [[use], [use, use]]
    assert audited()[-1] == {"view": "source", "cases": [company.id]}


def test_deadlines_in_working_days_and_overdue_cases_first(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    first = company_penalty(db, clock, world)
    second = company_penalty(db, clock, world)
    old = record_objection(db, clock, world, first.id)  # Friday 2026-11-27
    handler = actor_of(world, "objections")
    (case,) = cases.handler_queue(db, clock, handler)
    assert [(d.what, d.due, d.overdue) for d in case.deadlines] == [
        ("forward", dt.date(2026, 12, 1), False),
        ("decide", dt.date(2026, 12, 4), False),
    ]
    clock.advance(dt.timedelta(days=8))  # Saturday 2026-12-05
    new = record_objection(db, clock, world, second.id)
    queue = cases.handler_queue(db, clock, handler)
    assert [c.objection.id for c in queue] == [old.id, new.id]
    assert queue[0].overdue
    assert not queue[1].overdue


def test_a_deadline_past_the_calendars_data_is_provisional() -> None:
    calendar = WorkingDayCalendar(
        [CalendarDay(dt.date(2026, 10, 1), False, "国庆节", "test")], covered_years=[2026]
    )
    objection = RecordObjection(
        status=ObjectionStatus.RECEIVED, market=False, received_on=dt.date(2026, 12, 29)
    )
    forward, decide = rules.deadlines(objection, calendar, dt.date(2026, 12, 29))
    assert (forward.due, forward.provisional) == (dt.date(2026, 12, 31), False)
    assert (decide.due, decide.provisional) == (dt.date(2027, 1, 5), True)
    market = RecordObjection(
        status=ObjectionStatus.RECEIVED, market=True, received_on=dt.date(2026, 12, 29)
    )
    (only,) = rules.deadlines(market, calendar, dt.date(2027, 1, 20))
    assert (only.due, only.overdue, only.basis) == (
        dt.date(2027, 1, 18),
        True,
        rules.MARKET_BASIS,
    )


# --- the state machine ------------------------------------------------------------------------

ACTIONS = [
    (who, action)
    for who in (rules.HANDLER, rules.SOURCE)
    for action in ("forward", *rules.DECISIONS, "correct", "withdraw", "stop_use")
]
# The handler deciding in place of a source outside the register, and the credit authority
# carrying out in the place of a deregistered one (decision 0024 addenda).
STAND_IN_ACTIONS = [
    (who, action)
    for who in (rules.STAND_IN, rules.DEPARTED)
    for action in ("forward", *rules.DECISIONS, "correct", "withdraw", "stop_use")
]


@given(
    ground=st.sampled_from(list(Ground)),
    steps=st.lists(st.sampled_from(ACTIONS + STAND_IN_ACTIONS), max_size=8),
)
def test_state_machine_paths(ground: Ground, steps: list[tuple[str, str]]) -> None:
    """Every path ends in at most one closing state, which never changes afterwards; a
    correction never answers a withdrawal ground; only the handler forwards, only the
    source corrects; the handler decides in a source's place only a case forwarded to it;
    the credit authority carries out in a deregistered source's place only an upheld case,
    withdrawing it on a withdrawal ground and otherwise ending its use, never deciding; the
    source answers a duplicate by taking it out of use, and only a duplicate so."""
    status = ObjectionStatus.RECEIVED
    for who, action in steps:
        try:
            after = rules.next_status(status, who, action, ground)
        except Conflict:
            continue
        assert status in OPEN
        if action == "forward":
            assert who == rules.HANDLER
            assert status is ObjectionStatus.RECEIVED
        if action == "correct":
            assert who == rules.SOURCE
        if action == "withdraw":
            assert who in (rules.SOURCE, rules.DEPARTED)
        if who == rules.STAND_IN:
            assert status is ObjectionStatus.FORWARDED
            assert action in rules.DECISIONS
        if who == rules.DEPARTED:
            assert status is ObjectionStatus.UPHELD
            assert action == ("withdraw" if ground in WITHDRAWAL_GROUNDS else "stop_use")
        if after is ObjectionStatus.NO_LONGER_USED:
            assert who == rules.DEPARTED or (
                who == rules.SOURCE and ground in STOP_USE_GROUNDS and action == "stop_use"
            )
        if who == rules.SOURCE and action in ("correct", "withdraw", "stop_use"):
            assert action in rules.source_action(ground)
        if after is ObjectionStatus.CORRECTED:
            assert ground not in {Ground.SHOULD_NOT_BE_PUBLIC, Ground.PAST_PERIOD}
            assert ground not in STOP_USE_GROUNDS
        status = after
    if status not in OPEN:
        for who, action in ACTIONS + STAND_IN_ACTIONS:
            with pytest.raises(Conflict):
                rules.next_status(status, who, action, ground)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from([*ACTIONS, ("subject", "raise")]), max_size=6))
def test_the_record_is_under_objection_exactly_while_an_objection_is_open(
    db: Session, clock: FixedClock, disclosure_world: World, steps: list[tuple[str, str]]
) -> None:
    """Through the services: one open objection per record, the record under objection
    exactly while it is open, and every change a new version numbered one after another."""
    world = disclosure_world
    record = company_penalty(db, clock, world)
    actors = {
        rules.HANDLER: actor_of(world, "objections"),
        rules.SOURCE: actor_of(world, "reporter"),
    }
    current: RecordObjection | None = None
    for n, (who, action) in enumerate(steps):
        try:
            with db.begin_nested():
                if action == "raise":
                    current = record_objection(db, clock, world, record.id)
                elif current is None:
                    continue
                elif action == "forward":
                    objections.forward(db, clock, actors[who], current.id, note="")
                elif action == "correct":
                    objections.correct(
                        db,
                        clock,
                        actors[who],
                        current.id,
                        values={"remarks": f"更正{n}"},
                        note="更正",
                    )
                elif action == "withdraw":
                    objections.withdraw(db, clock, actors[who], current.id, note="撤回公示")
                elif action == "stop_use":
                    objections.stop_use(db, clock, actors[who], current.id, note="重复")
                else:
                    objections.decide(
                        db,
                        clock,
                        actors[who],
                        current.id,
                        outcome=action,
                        reasons="理由",
                        check_made="核查",
                    )
        except DomainError:
            db.expire_all()
        open_ = db.scalars(
            select(RecordObjection).where(
                RecordObjection.record_id == record.id, RecordObjection.status.in_(OPEN)
            )
        ).all()
        db.refresh(record)
        assert len(open_) <= 1
        assert (record.status is RecordStatus.UNDER_OBJECTION) == bool(open_)
        numbers = [v for v, _s, _r in _versions(db, record.id)]
        assert numbers == list(range(1, len(numbers) + 1))
        assert record.current_version_no == numbers[-1]


def test_the_terms_are_configuration_kept_with_the_case(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = objections.raise_objection(
        db,
        clock,
        actor_of(world, "company"),
        record.id,
        ground="error",
        statement="金额有误",
        terms=rules.Terms(forward=1, decide=3),
    )
    assert objection.terms == {"forward": 1, "decide": 3, "source_decides": 5, "market_days": 20}
    (case,) = cases.handler_queue(db, clock, actor_of(world, "objections"))
    # Received on Friday 2026-11-27: one working day is Monday, three Wednesday.
    assert [(d.what, d.due) for d in case.deadlines] == [
        ("forward", dt.date(2026, 11, 30)),
        ("decide", dt.date(2026, 12, 2)),
    ]


def test_a_changed_resubmission_leaves_the_record_under_objection(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    row = penalty_row(world)
    ingest(db, clock, world.organisations["regulator"], [row])
    record = record_by_decision(db, row["decision_number"])
    objection = record_objection(db, clock, world, record.id)
    report = ingest(db, clock, world.organisations["regulator"], [{**row, "remarks": "补充说明"}])
    assert report.batch.updated == 1
    db.refresh(record)
    assert record.status is RecordStatus.UNDER_OBJECTION
    assert _versions(db, record.id)[-1] == (3, "under_objection", "updated by source")
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="rejected", reasons="无误"
    )
    assert record.status is RecordStatus.ACTIVE


@pytest.mark.parametrize(
    ("ground", "status_after"),
    [("should_not_be_public", "active"), ("past_publicity_period", "expired")],
)
def test_a_changed_resubmission_does_not_publish_a_withdrawn_record_again(
    db: Session, clock: FixedClock, disclosure_world: World, ground: str, status_after: str
) -> None:
    world = disclosure_world
    row = penalty_row(world)
    ingest(db, clock, world.organisations["regulator"], [row])
    record = record_by_decision(db, row["decision_number"])
    window = (record.publicity_start, record.publicity_end)
    objection = record_objection(db, clock, world, record.id, ground=ground)
    objections.decide(
        db, clock, actor_of(world, "objections"), objection.id, outcome="upheld", reasons="成立"
    )
    objections.withdraw(db, clock, actor_of(world, "reporter"), objection.id, note="撤回公示")
    withdrawn_window = (record.publicity_start, record.publicity_end)
    assert withdrawn_window != window
    report = ingest(db, clock, world.organisations["regulator"], [{**row, "remarks": "补充说明"}])
    assert report.batch.updated == 1
    db.refresh(record)
    assert record.status.value == status_after
    assert (record.publicity_start, record.publicity_end) == withdrawn_window
    assert _versions(db, record.id)[-1] == (4, status_after, "updated by source")
    (view,) = files.build_file(db, world.subjects["company"], today=clock.today())
    assert not view.public
    assert view.payload["remarks"] == "补充说明"
    assert not files.build_file(
        db, world.subjects["company"], today=clock.today(), public_only=True
    )
