"""Shared fixtures and builders for the lists tests (workflow, measures, joint checks,
grades, their API) and the lists entries of the permission matrix.

Fixtures are used by importing them into a test module's namespace, e.g.
``from tests.lists_helpers import lists_world, fast_password_hashing``.

``lists_world`` is the demo world with the rule packs loaded (catalog, calendar, lists and
measures), a second case officer at the market regulator (``caseofficer2``: a proposal
needs a second officer to approve it), a case officer at another agency
(``other_caseofficer``), and a court (``court``) with a data reporter
(``court_reporter``) responsible for court judgment defaulter records. It is committed:
a refused API request rolls the shared session back to the last commit.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    RECENT,
    citizen_id_of,
    fast_password_hashing,
    grant,
    ingest,
    next_decision_number,
    penalty_row,
    source_columns,
    subject_row,
)
from tests.factories import OrganisationFactory, UserFactory, World, auth_headers
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.calendar import add_days, last_day_for_act
from xinyong.calendar_store import working_day_calendar
from xinyong.catalog import service as catalog
from xinyong.clock import Clock, FixedClock
from xinyong.collection import pipeline
from xinyong.collection.models import CreditRecord
from xinyong.config import Settings
from xinyong.lists import entries, measures, removal_proposals
from xinyong.lists.models import ListEntry, ListKind, ListObjection, RemovalReason
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject

__all__ = [
    "COURT",
    "PENALTY",
    "actor",
    "basis_record",
    "court_row",
    "extend_to_lists_world",
    "fast_password_hashing",
    "ingest_court",
    "ingest_penalty",
    "lists_loaded",
    "lists_world",
    "old_warning",
    "on_record_since",
    "penalty_record",
    "proposal_clock",
    "published_entry",
    "removed_by_two",
    "settings",
]

COURT = "court_judgment_defaulter"
REGISTRATION = "registration"
LICENCE = "administrative_license"
EXTRA_STAFF = {
    "caseofficer2": (Role.CASE_OFFICER, "regulator"),
    "other_caseofficer": (Role.CASE_OFFICER, "other_agency"),
}
_case_numbers = iter(range(1, 1_000_000))


# --- fixtures --------------------------------------------------------------------------------


def load_rule_packs(session: Session, clock: Clock) -> None:
    """The Fuzhou catalog, the official calendar and the lists rule pack (idempotent)."""
    catalog.load_rule_pack(session, clock)
    calendar_store.load_official(session, clock)
    measures.load_rule_pack(session, clock)
    session.flush()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The test settings, with room for the dozen logins a workflow test makes."""
    return Settings(data_dir=tmp_path, login_attempts_per_window=1000)


@pytest.fixture
def lists_loaded(db: Session) -> Session:
    """The test's session on a database with the catalog, the calendar and the lists rule
    pack (every worker's database has them, tests/conftest.py)."""
    return db


@pytest.fixture
def lists_world(world: World, lists_loaded: Session, db: Session, clock: Clock) -> World:
    return extend_to_lists_world(world, db, clock)


def extend_to_lists_world(world: World, db: Session, clock: Clock) -> World:
    """What ``lists_world`` adds to the demo world (the rule packs already loaded)."""
    for username, (role, org) in EXTRA_STAFF.items():
        world.users[username] = UserFactory(
            username=username, role=role, organisation=world.organisations[org]
        )
    court = OrganisationFactory(name="福州市中级人民法院", kind=OrganisationKind.JUDICIAL_ORGAN)
    world.organisations["court"] = court
    world.users["court_reporter"] = UserFactory(
        username="court_reporter", role=Role.DATA_REPORTER, organisation=court
    )
    grant(db, clock, court, COURT)
    grant(db, clock, world.organisations["regulator"], PENALTY, REGISTRATION)
    db.commit()
    return world


# --- acting ----------------------------------------------------------------------------------


def actor(world: World, username: str) -> Actor:
    """The user as an actor. Read afresh: an API call closes the shared session, leaving
    the world's rows detached."""
    identity = inspect(world.users[username]).identity
    assert identity is not None
    user = world.session.get(UserAccount, identity[0])
    assert user is not None
    return accounts.actor_for_user(user)


def removed_by_two(
    db: Session,
    clock: Clock,
    world: World,
    entry_id: int,
    *,
    reason: RemovalReason = RemovalReason.EXIT_CONDITIONS_MET,
    detail: str = "已履行义务",
    proposer: str = "caseofficer",
    approver: str = "caseofficer2",
) -> ListEntry:
    """A published entry taken off the list by hand: one officer proposes, another approves
    (decision 0042). Returns the entry."""
    proposal = removal_proposals.propose(
        db, clock, actor(world, proposer), entry_id, reason=reason, detail=detail
    )
    removal_proposals.approve(db, clock, actor(world, approver), proposal.id, reasons="核实无误")
    return entries.get(db, entry_id)


def headers(client: TestClient, username: str) -> dict[str, str]:
    return auth_headers(client, username)


def earlier(clock: Clock, days: int) -> FixedClock:
    """A clock ``days`` before ``clock``: set-up that happened in the past."""
    return FixedClock(clock.now() - dt.timedelta(days=days))


def proposal_clock(session: Session, approval: Clock, window: int) -> FixedClock:
    """A clock early enough that a comment or objection window of ``window`` days opened then
    has closed before ``approval``'s day: its last day moves past a rest day or holiday
    (民法典 Art. 203, ``calendar.last_day_for_act``), so one day more is not always enough."""
    calendar = working_day_calendar(session)
    when = approval.now() - dt.timedelta(days=window + 1)
    while (
        last_day_for_act(calendar, add_days(FixedClock(when).today(), window)).day
        >= approval.today()
    ):
        when -= dt.timedelta(days=1)
    return FixedClock(when)


def published_entry(
    session: Session,
    clock: Clock,
    world: World,
    subject: Subject,
    standard: str = "dishonest_subject",
    *,
    approved_days_ago: int = 30,
    proposer: str = "caseofficer",
    approver: str = "caseofficer2",
    reasons: str = "拒不履行行政处罚决定",
    basis: Sequence[int] | None = None,
) -> ListEntry:
    """An entry proposed, noticed (or commented on) and approved through the services,
    in the past: its term started ``approved_days_ago`` days ago. A red-list subject is on
    record for years (``on_record_since``), as its clean years need. A black-list entry
    rests on ``basis``, by default a penalty of the market regulator (``basis_record``)."""
    std = entries.standard(session, standard)
    if std.kind is ListKind.RED and std.clean_years:
        on_record_since(session, clock, world, subject)
    if basis is None:
        basis = (
            [basis_record(session, clock, world, subject).id] if std.kind is ListKind.BLACK else []
        )
    window = std.comment_days if std.kind is ListKind.RED else std.objection_days
    entry = entries.propose(
        session,
        proposal_clock(session, earlier(clock, approved_days_ago), window),
        actor(world, proposer),
        subject=subject,
        standard_code=standard,
        criteria_met=std.criteria,
        reasons=reasons,
        evidence="榕市监罚〔2026〕1号行政处罚决定书",
        basis_record_ids=basis,
    )
    entries.approve(
        session,
        earlier(clock, approved_days_ago),
        actor(world, approver),
        entry.id,
        reasons="异议期满无异议，符合认定标准",
    )
    session.flush()
    return entry


def basis_record(
    session: Session, clock: Clock, world: World, subject: Subject, **overrides: str
) -> CreditRecord:
    """A penalty of the market regulator about ``subject`` (a negative record, public, and
    the case officers' own organisation's): what a black-list entry rests on."""
    number = overrides.setdefault("decision_number", next_decision_number())
    grant(session, clock, world.organisations["regulator"], PENALTY)
    report = ingest_penalty(session, clock, world, subject, **overrides)
    assert report.batch.created == 1, report.problems
    return session.scalars(
        select(CreditRecord).where(
            CreditRecord.subject_id == subject.id,
            CreditRecord.natural_key == f"{subject.id}|{number}",
        )
    ).one()


def penalty_record(
    session: Session,
    clock: Clock,
    organisation: Organisation,
    subject: Subject,
    *,
    decided_on: dt.date | None = None,
    **overrides: str,
) -> int:
    """A penalty by ``organisation`` about the organisation ``subject`` (the organisation
    made responsible for penalties first): the id of a record a black-list entry of that
    organisation's officers may rest on, outside a ``World``."""
    grant(session, clock, organisation, PENALTY)
    number = next_decision_number()
    row = {
        **subject_row(subject.name, uscc=subject.uscc or ""),
        "legal_representative": "陈某",
        "decision_number": number,
        "violation_type": "虚假宣传",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_category": "罚款",
        "penalty_content": "罚款人民币壹万伍仟元",
        "fine_amount": "1.5",
        "decision_date": (decided_on or clock.today() - dt.timedelta(days=2)).isoformat(),
        **source_columns(organisation),
        **overrides,
    }
    report = ingest(session, clock, organisation, [row])
    assert report.batch.created == 1, report.problems
    found = session.scalar(
        select(CreditRecord.id).where(CreditRecord.natural_key == f"{subject.id}|{number}")
    )
    assert found is not None
    return found


# A warning only, decided six years ago: a minor penalty, never published (SAMR Order 45),
# so still in force, and outside the three years a red-list standard looks back on and the
# five a grade counts records for. A black-list entry resting on it ends a red-list entry as
# a black listing, not as a bad record (``red_list_exit``), and counts in a grade alone.
OLD_WARNING = {"penalty_category": "警告", "penalty_content": "警告", "fine_amount": ""}


def old_warning(clock: Clock) -> dict[str, str]:
    return {**OLD_WARNING, "decision_date": entries.add_months(clock.today(), -72).isoformat()}


def objection_on(session: Session, entry: ListEntry) -> ListObjection:
    found = session.scalar(select(ListObjection).where(ListObjection.entry_id == entry.id))
    assert found is not None
    return found


# --- records ---------------------------------------------------------------------------------


def next_case_number() -> str:
    return f"（2026）闽01执{next(_case_numbers)}号"


def court_row(world: World, subject: Subject, **overrides: str) -> dict[str, str]:
    """A court judgment defaulter record about ``subject``, from the world's court."""
    court = world.organisations["court"]
    if subject.is_organisation:
        row = subject_row(subject.name, uscc=subject.uscc or "")
    else:
        row = subject_row(subject.name, citizen_id=citizen_id_of(subject))
    row.update(
        {
            "case_number": next_case_number(),
            "court": court.name,
            "obligation": "支付货款人民币十二万元",
            "dishonest_conduct": "有履行能力而拒不履行生效法律文书确定义务",
            "filed_on": (RECENT - dt.timedelta(days=40)).isoformat(),
            "published_on": (RECENT - dt.timedelta(days=30)).isoformat(),
            **source_columns(court),
        }
    )
    row.update(overrides)
    return row


def ingest_court(
    session: Session, clock: Clock, world: World, rows: list[Mapping[str, str]]
) -> pipeline.BatchReport:
    """A batch from the court, submitted by its data reporter."""
    return ingest(
        session,
        clock,
        world.organisations["court"],
        rows,
        record_type=COURT,
        actor=actor(world, "court_reporter"),
    )


def ingest_penalty(
    session: Session, clock: Clock, world: World, subject: Subject, **overrides: str
) -> pipeline.BatchReport:
    """One penalty about ``subject`` from the market regulator (a negative record)."""
    if subject.is_organisation:
        values = {"subject_name": subject.name, "subject_uscc": subject.uscc or ""}
    else:
        values = {
            "subject_name": subject.name,
            "subject_category": "自然人",
            "subject_uscc": "",
            "legal_representative": "",
            "id_number": citizen_id_of(subject),
        }
    values.update(overrides)
    values.setdefault("decision_number", next_decision_number())
    return ingest(
        session,
        clock,
        world.organisations["regulator"],
        [penalty_row(world, **values)],
        actor=actor(world, "reporter"),
    )


def on_record_since(
    session: Session, clock: Clock, world: World, subject: Subject, years: int = 8
) -> None:
    """The subject on record for ``years``, so that it has "N clean years" to show (Art.
    16(1), a red-list standard's ``clean_years``): an organisation's registration record
    (登记注册), established then; a natural person's administrative licence decided then.
    From the market regulator; once per subject."""

    code = REGISTRATION if subject.is_organisation else LICENCE
    record_type = catalog.record_type_by_code(session, code)
    known = session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_id == subject.id,
            CreditRecord.record_type_id == record_type.id,
        )
    )
    if known is not None:
        return
    regulator = world.organisations["regulator"]
    grant(session, clock, regulator, code)
    since = entries.add_months(clock.today(), -12 * years).isoformat()
    if subject.is_organisation:
        row = {
            **subject_row(subject.name, uscc=subject.uscc or ""),
            "entity_type": "有限责任公司",
            "established_on": since,
            "registration_authority": regulator.name,
        }
    else:
        row = {
            **subject_row(subject.name, citizen_id=citizen_id_of(subject)),
            "licence_number": f"JY{next(_case_numbers):014d}",
            "licence_category": "食品经营许可",
            "licence_content": "预包装食品销售",
            "decision_date": since,
        }
    report = ingest(
        session, clock, regulator, [{**row, **source_columns(regulator)}], record_type=code
    )
    assert report.batch.created == 1, report.problems


# --- the permission matrix (tests/test_permission_matrix.py) ----------------------------------
# Builders get the matrix's committed world; what they add is committed by the caller's
# login request before the call, so an allowed caller meets a valid, satisfiable request.


def _matrix_ready(world: World) -> Session:
    """The lists rule pack (matters, standards, measures, grade model) and the second case
    officer; the record catalog is not needed by these routes' access checks."""
    session = world.session
    measures.load_rule_pack(session, world.clock)
    for username, (role, org) in EXTRA_STAFF.items():
        if username not in world.users:
            world.users[username] = UserFactory(
                username=username, role=role, organisation=world.organisations[org]
            )
    session.flush()
    return session


def matrix_loaded(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {}


def matrix_company(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {"code": world.subjects["company"].uscc}


def _matrix_entry(world: World, state: str) -> ListEntry:
    """An entry about the world's company at the market regulator, proposed by the second
    case officer (so ``caseofficer`` may decide it), in the state asked for. The matrix
    calls a route as every account in one world: the entry is made on the first call and
    found again on the others (it is committed by the first caller's login)."""
    session = _matrix_ready(world)
    made: dict[str, int] = session.info.setdefault("lists_matrix_entries", {})
    existing = session.get(ListEntry, made[state]) if state in made else None
    if existing is not None:
        return existing
    company, clock = world.subjects["company"], world.clock
    if state == "published":
        entry = published_entry(
            session, clock, world, company, proposer="caseofficer2", approver="caseofficer"
        )
    else:
        std = entries.standard(session, "dishonest_subject")
        window_open = state in ("noticed", "objected")
        entry = entries.propose(
            session,
            clock if window_open else proposal_clock(session, clock, std.objection_days),
            actor(world, "caseofficer2"),
            subject=company,
            standard_code=std.code,
            criteria_met=std.criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2026〕1号",
            basis_record_ids=[basis_record(session, clock, world, company).id],
        )
        if state == "objected":
            entries.object_to(session, clock, actor(world, "company"), entry.id, "已履行处罚决定")
    session.flush()
    made[state] = entry.id
    return entry


def matrix_entry_closed(world: World) -> dict[str, Any]:
    return {"entry_id": _matrix_entry(world, "window_closed").id}


def matrix_entry_noticed(world: World) -> dict[str, Any]:
    return {"entry_id": _matrix_entry(world, "noticed").id}


def matrix_entry_published(world: World) -> dict[str, Any]:
    return {"entry_id": _matrix_entry(world, "published").id}


def matrix_objection(world: World) -> dict[str, Any]:
    return {"objection_id": objection_on(world.session, _matrix_entry(world, "objected")).id}


def _matrix_basis(world: World) -> int:
    """A penalty of the market regulator about the company, for the proposal to rest on."""
    return penalty_record(
        world.session, world.clock, world.organisations["regulator"], world.subjects["company"]
    )


def matrix_proposal(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {
        "subject": world.subjects["company"].uscc,
        "standard": "dishonest_subject",
        "criteria_met": "拒不履行行政处罚决定，情节较重",
        "reasons": "逾期未缴纳罚款",
        "evidence": "榕市监罚〔2026〕1号",
        "basis_record_ids": [_matrix_basis(world)],
    }


def matrix_proposal_form(world: World) -> dict[str, Any]:
    return {
        "subject": world.subjects["company"].uscc,
        "standard": "dishonest_subject",
        "criteria_met": "较重行政处罚",
        "reasons": "拒不履行",
        "evidence": "处罚决定书",
        "basis_record": [str(_matrix_basis(world))],
    }


def matrix_new_measure(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {
        "code": "pun_matrix_probe",
        "kind": "punishment",
        "head": 9,
        "name": "列为重点监管对象",
        "matter_codes": ["daily_inspection"],
        "target": "black",
        "means": "提高抽查比例和频次",
        "implementing_body": "各行政执法部门",
        "implementer_kinds": ["state_organ"],
        "legal_basis": "《福州市社会信用管理办法》第十七条第（九）项",
        "severity": 2,
    }


def matrix_measure_code(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {"code": "pun_honours"}


def matrix_joint_check(world: World) -> dict[str, Any]:
    _matrix_ready(world)
    return {"matter": "administrative_licensing", "subjects": [world.subjects["company"].uscc]}


def matrix_application(world: World) -> dict[str, Any]:
    _matrix_entry(world, "published")
    return {
        "subject": world.subjects["company"].uscc,
        "matter": "honours",
        "measure": "pun_honours",
        "reasons": "列入失信主体名单，评优评先中不予推荐",
    }


def matrix_objection_body(world: World) -> dict[str, Any]:
    return {"statement": "处罚决定已履行完毕"}


def matrix_reasons(world: World) -> dict[str, Any]:
    return {"reasons": "符合认定标准"}


def matrix_removal(world: World) -> dict[str, Any]:
    return {"reason": "exit_conditions_met", "detail": "已履行处罚决定并完成信用修复"}


def matrix_removal_proposal(world: World) -> dict[str, Any]:
    """An open proposal to remove the published entry, by the second case officer (so
    ``caseofficer`` may decide it); made on the first call and found again on the others."""
    entry = _matrix_entry(world, "published")
    session = world.session
    made: dict[str, int] = session.info.setdefault("lists_matrix_entries", {})
    if "removal_proposal" in made:
        return {"proposal_id": made["removal_proposal"]}
    found = removal_proposals.open_proposal(session, entry.id)
    if found is None:
        found = removal_proposals.propose(
            session,
            world.clock,
            actor(world, "caseofficer2"),
            entry.id,
            reason=RemovalReason.EXIT_CONDITIONS_MET,
            detail="已履行处罚决定",
        )
        session.commit()
    made["removal_proposal"] = found.id
    return {"proposal_id": found.id}


def matrix_reasons_only(world: World) -> dict[str, Any]:
    return {"reasons": "核实无误"}


def matrix_decision(world: World) -> dict[str, Any]:
    return {"upheld": False, "reasons": "异议理由不成立：处罚决定未履行"}


# --- public comment --------------------------------------------------------------------------


def red_candidate(session: Session, clock: Clock, world: World) -> ListEntry:
    """The world's company proposed for the red list at the market regulator by the second
    case officer, so its public comment period starts on ``clock``'s day."""
    std = entries.standard(session, "integrity_model")
    on_record_since(session, clock, world, world.subjects["company"])
    entry = entries.propose(
        session,
        clock,
        actor(world, "caseofficer2"),
        subject=world.subjects["company"],
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="连续三年无不良信用记录，纳税信用A级",
        evidence="2026年度纳税信用评价结果",
    )
    session.flush()
    return entry


_comments = itertools.count(1)


def matrix_comment() -> str:
    """Each caller's own words: the same words again on the same candidate, still
    undecided, are a comment sent twice (decision 0044)."""
    return f"该单位不符合诚信典型标准（{next(_comments)}）"


def matrix_red_candidate(world: World) -> dict[str, Any]:
    session = _matrix_ready(world)
    made: dict[str, int] = session.info.setdefault("lists_matrix_entries", {})
    if "red_candidate" not in made:
        made["red_candidate"] = red_candidate(session, world.clock, world).id
    return {"entry_id": made["red_candidate"]}


# --- Art. 18 ---------------------------------------------------------------------------------


def person_represents_company(session: Session, clock: Clock, world: World) -> None:
    """The world's natural person registered as the company's legal representative."""
    company, person = world.subjects["company"], world.subjects["person"]
    subjects.add_responsible_person(
        session,
        clock,
        SYSTEM_ACTOR,
        company,
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=person.name,
        citizen_id=citizen_id_of(person),
    )


# --- early removal (SAMR Order 44, decision 0027) ---------------------------------------------


def _matrix_early_entry(world: World) -> ListEntry:
    """A black-list entry of the company at the market regulator listed 400 days ago under a
    standard allowing early removal (another standard than ``_matrix_entry``'s)."""
    session = _matrix_ready(world)
    made: dict[str, int] = session.info.setdefault("lists_matrix_entries", {})
    existing = session.get(ListEntry, made["early"]) if "early" in made else None
    if existing is not None:
        return existing
    entry = published_entry(
        session,
        world.clock,
        world,
        world.subjects["company"],
        "serious_refusing_duties",
        approved_days_ago=400,
        proposer="caseofficer2",
        approver="caseofficer",
    )
    made["early"] = entry.id
    return entry


def matrix_early_entry(world: World) -> dict[str, Any]:
    return {"entry_id": _matrix_early_entry(world).id}


def matrix_early_application_body(world: World) -> dict[str, Any]:
    return {"obligations_met": "罚款已缴清", "evidence": "缴款凭证", "commitment": True}


def _matrix_early_application(world: World, stage: str) -> int:
    """The company's application for the early removal of that entry, at ``stage``
    (submitted, or proposed by the second case officer to reject it, so that ``caseofficer``
    decides and the entry stays listed): a decided one is followed by a new application."""
    from xinyong.lists import early_removal
    from xinyong.lists import early_removal_rules as rules
    from xinyong.lists.models import EARLY_REMOVAL_OPEN, EarlyRemovalApplication
    from xinyong.lists.models import EarlyRemovalStatus as Status

    session = _matrix_ready(world)
    clock = world.clock
    entry = _matrix_early_entry(world)
    current = session.scalar(
        select(EarlyRemovalApplication)
        .where(
            EarlyRemovalApplication.entry_id == entry.id,
            EarlyRemovalApplication.status.in_(EARLY_REMOVAL_OPEN),
        )
        .limit(1)
    )
    if current is None:
        current = early_removal.apply(
            session,
            clock,
            actor(world, "company"),
            entry.id,
            obligations_met="罚款已缴清",
            evidence="缴款凭证",
            commitment=True,
            terms=rules.Terms(),
        )
    second = actor(world, "caseofficer2")
    if stage == "submitted" and current.status is Status.PROPOSED:
        early_removal.decide(session, clock, second, current.id, confirm=False, reasons="退回")
    if stage == "proposed" and current.status is Status.SUBMITTED:
        early_removal.propose(session, clock, second, current.id, approve=False, reasons="未履行")
    session.flush()
    return current.id


def matrix_early_submitted(world: World) -> dict[str, Any]:
    return {"application_id": _matrix_early_application(world, "submitted")}


def matrix_early_proposed(world: World) -> dict[str, Any]:
    return {"application_id": _matrix_early_application(world, "proposed")}


def matrix_court_entry(world: World) -> dict[str, Any]:
    """A court judgment defaulter entry of the company, published, recognised (in this
    world) by the market regulator, whose reporter and case officer may confirm the
    performance: made again once a call has removed it."""
    from xinyong.calendar import add_months
    from xinyong.lists.models import EntryStatus, ListStandard, Tier

    session = _matrix_ready(world)
    made: dict[str, int] = session.info.setdefault("lists_matrix_entries", {})
    existing = session.get(ListEntry, made["court"]) if "court" in made else None
    if existing is None or existing.status is not EntryStatus.PUBLISHED:
        std = session.scalar(select(ListStandard).where(ListStandard.from_record_type == COURT))
        assert std is not None
        start = world.clock.today() - dt.timedelta(days=30)
        now = world.clock.now()
        existing = ListEntry(
            subject_id=world.subjects["company"].id,
            standard_id=std.id,
            kind=ListKind.BLACK,
            tier=Tier.SERIOUS,
            status=EntryStatus.PUBLISHED,
            recognising_organisation_id=world.organisations["regulator"].id,
            proposed_by="court",
            proposed_at=now,
            criteria_met=std.criteria,
            reasons="有履行能力而拒不履行",
            evidence=next_case_number(),
            legal_basis=std.legal_basis,
            approved_by="court",
            approved_at=now,
            term_start=start,
            term_end=add_months(start, std.term_months),
        )
        session.add(existing)
        session.flush()
        made["court"] = existing.id
    return {"entry_id": existing.id}


def matrix_performance(world: World) -> dict[str, Any]:
    return {
        "performed_on": world.clock.today().isoformat(),
        "detail": "结案通知书（2026）闽01执1号",
    }
