"""A subject is never on the red and the black list at once, and a black-listed subject is
offered and given no incentive (Art. 14 ¶2, Art. 16; decision 0041): publishing a black-list
entry — approved, entered from the court's record, published again — ends the subject's
red-list entries in force; so does a public negative record within the red standard's clean
years, at ingestion, at a source's reinstatement and in the daily job. Each ending is a
history step with its reason and basis, audited and shown to the subject in Chinese; the
joint check offers no incentive beside a black-list entry, and applying one is refused 409
with its code and article, also when the red-list entry ended after the check."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import grant, ingest, subject_row
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
    penalty_record,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.lists import entries, red_list_exit
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListEntryEvent,
    ListKind,
    ListStandard,
    MeasureApplication,
    RemovalReason,
)
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.i18n import translations
from xinyong.web.labels import entry_event_detail, enum_label, removal_detail

ZH = translations("zh_Hans").gettext
APPLY = "/api/v1/measure-applications"
CHECK = "/api/v1/joint-checks"
RED = "integrity_model"
BASIS = "no longer an integrity model (Art. 14 ¶2, Art. 16)"


def red_entry(db: Session, clock: FixedClock, world: World, subject: Subject) -> ListEntry:
    """``subject`` on the red list, approved 60 days ago."""
    return published_entry(
        db, clock, world, subject, RED, approved_days_ago=60, reasons="纳税信用A级"
    )


def ended_steps(db: Session, entry: ListEntry) -> list[ListEntryEvent]:
    return list(
        db.scalars(
            select(ListEntryEvent).where(
                ListEntryEvent.entry_id == entry.id, ListEntryEvent.action == "removed"
            )
        )
    )


def republished(entry: ListEntry) -> None:
    """As the data stood before decision 0041: the red-list entry still on the list."""
    entry.status = EntryStatus.PUBLISHED
    entry.ended_at = entry.removal_reason = entry.removal_detail = None


def checked(client: TestClient, subject: Subject, matter: str = "fiscal_funding") -> Any:
    response = client.post(
        CHECK,
        json={"matter": matter, "subjects": [subject.reference]},
        headers=headers(client, "caseofficer"),
    )
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def apply(client: TestClient, subject: Subject, measure: str = "inc_funding_priority") -> Any:
    return client.post(
        APPLY,
        json={
            "subject": subject.reference,
            "matter": "fiscal_funding",
            "measure": measure,
            "reasons": "同等条件下优先安排",
        },
        headers=headers(client, "caseofficer"),
    )


# --- a black-list entry published ends the red-list entry ----------------------------------------


def test_an_approved_black_list_entry_ends_the_red_list_entry(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    black = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    db.commit()

    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)
    assert black.status is EntryStatus.PUBLISHED
    assert red.ended_at == earlier(clock, 10).now()  # with the black listing, not later
    detail = f"on the black list from {black.term_start} under 失信主体 (entry {black.id}): {BASIS}"
    assert red.removal_detail == detail
    # A step of its history, by the platform (the rule ends it, not the approving officer) ...
    (step,) = ended_steps(db, red)
    assert (step.actor, step.detail) == ("system", f"black_listed: {detail}")
    # ... in the audit trail ...
    event = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "list_entry.removed", AuditEvent.target_id == str(red.id)
        )
    )
    assert event is not None
    assert event.actor_kind == "system"
    # ... off the public red list, and on the subject's notices.
    assert client.get("/api/v1/lists/red", params={"q": company.uscc}).json()["items"] == []
    notices = client.get("/api/v1/me/notices", headers=headers(client, "company")).json()
    (shown,) = [e for e in notices["list_entries"] if e["id"] == red.id]
    assert (shown["status"], shown["removal_reason"], shown["removal_detail"]) == (
        "removed",
        "black_listed",
        detail,
    )
    assert shown["history"][-1]["action"] == "removed"


def test_the_court_defaulter_hook_ends_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)

    ingest_court(db, clock, world, [court_row(world, company)])

    black = db.scalars(
        select(ListEntry).where(ListEntry.subject_id == company.id, ListEntry.kind == "black")
    ).one()
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)
    assert f"(entry {black.id})" in (red.removal_detail or "")
    assert black.tier.value == "serious"


def test_a_black_list_entry_published_again_ends_a_red_list_entry_approved_meanwhile(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The court's record revoked, the defaulter is red-listed; the revocation set aside, its
    entry is published again (decision 0028) and the red-list entry ends."""
    world = lists_world
    company = world.subjects["company"]
    ingest_court(db, clock, world, [court_row(world, company)])
    black = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).one()
    assert black.source_record_id is not None
    court = actor(world, "court_reporter")
    revocation.revoke(
        db,
        clock,
        court,
        black.source_record_id,
        ground="withdrawn",
        document_number="(2026)闽01执异12号",
        reason="原失信决定被撤销",
    )
    red = published_entry(db, clock, world, company, RED, approved_days_ago=0)
    assert red.status is EntryStatus.PUBLISHED

    revocation.reinstate(
        db,
        clock,
        court,
        black.source_record_id,
        ground="revocation_set_aside",
        document_number="(2026)闽执复3号",
        reason="撤销决定已被上级法院撤销",
    )

    assert black.status is EntryStatus.PUBLISHED
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)


def test_a_court_record_listing_later_ends_the_red_list_entry_as_a_bad_record(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """A court's record is dated by the day the court published the defaulter (decision
    0045), so a listing that starts on a later day is no record yet: refused as a decision
    to come, and the red-list entry stands. Published, it is a public negative record
    decided within the clean years: the red-list entry ends."""
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    later = clock.today() + dt.timedelta(days=5)

    refused = ingest_court(
        db, clock, world, [court_row(world, company, published_on=later.isoformat())]
    )

    assert [(p.field, p.code) for p in refused.problems] == [("published_on", "future_date")]
    assert red.status is EntryStatus.PUBLISHED
    ingest_court(db, clock, world, [court_row(world, company)])
    black = db.scalars(
        select(ListEntry).where(ListEntry.subject_id == company.id, ListEntry.kind == "black")
    ).one()
    assert black.status is EntryStatus.PUBLISHED
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)


# --- a bad credit record within the standard's years ends the red-list entry ----------------------


def test_a_penalty_ingested_within_the_clean_years_ends_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], CompanyFactory(name="福州守信示范有限公司")
    red, other_red = red_entry(db, clock, world, company), red_entry(db, clock, world, other)
    today = clock.today()

    # Older than the three years, of another subject, or market information: no change.
    old = (today - dt.timedelta(days=3 * 365 + 5)).isoformat()
    assert ingest_penalty(db, clock, world, company, decision_date=old).all_accepted
    bank = world.organisations["bank"]
    grant(db, clock, bank, "contract_performance")
    market = ingest(
        db,
        clock,
        bank,
        [
            {
                **subject_row(company.name, uscc=company.uscc or ""),
                "contract_number": "FZ-2026-001",
                "breach_description": "货款逾期",
                "counterparty": bank.name,
                "breach_date": (today - dt.timedelta(days=20)).isoformat(),
            }
        ],
        record_type="contract_performance",
    )
    assert market.all_accepted, market.problems
    assert red.status is EntryStatus.PUBLISHED

    decided = today - dt.timedelta(days=5)
    report = ingest_penalty(db, clock, world, company, decision_date=decided.isoformat())

    assert report.all_accepted, report.problems
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BAD_RECORD)
    assert red.removal_detail == (
        f"a bad credit record (行政处罚) decided on {decided}, within the 3 years without one "
        f"that 诚信典型 requires: {BASIS}"
    )
    (step,) = ended_steps(db, red)
    assert (step.actor, step.detail) == ("system", f"bad_record: {red.removal_detail}")
    assert other_red.status is EntryStatus.PUBLISHED


def test_a_reinstated_penalty_ends_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Revoked by its source, the penalty did not count and the company was red-listed; the
    source reinstates it, and it counts again (decision 0028 addendum)."""
    world = lists_world
    company = world.subjects["company"]
    ingest_penalty(db, clock, world, company, decision_date=clock.today().isoformat())
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == company.id)).one()
    reporter = actor(world, "reporter")
    revocation.revoke(
        db,
        clock,
        reporter,
        record.id,
        ground="court",
        document_number="(2026)闽0102行初5号",
        reason="处罚决定被判决撤销",
    )
    red = red_entry(db, clock, world, company)
    assert red.status is EntryStatus.PUBLISHED

    revocation.reinstate(
        db,
        clock,
        reporter,
        record.id,
        ground="revocation_set_aside",
        document_number="(2026)闽01行终9号",
        reason="二审撤销一审判决",
    )

    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BAD_RECORD)


def test_the_daily_job_ends_what_no_hook_saw(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Entries from before decision 0041, and a record that came to count another way (here
    its status set back by hand): until the job runs, no incentive is offered or applied;
    then the entries end."""
    world = lists_world
    company, penalised = world.subjects["company"], CompanyFactory(name="福州迟报处罚有限公司")
    red = red_entry(db, clock, world, company)
    published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    republished(red)
    ingest_penalty(db, clock, world, penalised, decision_date=clock.today().isoformat())
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == penalised.id)).one()
    record.status = RecordStatus.REPAIRED
    other_red = red_entry(db, clock, world, penalised)
    record.status = RecordStatus.ACTIVE
    db.commit()

    # Both lists at once: the check offers the punishment only ...
    answer = checked(client, company)
    assert {s["list"] for s in answer["list_status"]} == {"red", "black"}
    assert [m["code"] for m in answer["measures"]] == ["pun_fiscal_funding"]
    assert answer["green_channel_reason"] == "on_black"
    # ... and the incentive is refused, for either reason.
    refused = apply(client, company)
    assert refused.status_code == 409, refused.text
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "incentive_on_black_list",
        "Art. 16",
    )
    not_met = apply(client, penalised)
    assert not_met.status_code == 409, not_met.text
    error = not_met.json()["error"]
    assert (error["code"], error["article"], error["details"]) == (
        "red_standard_not_met",
        "Art. 16",
        {"entry_id": other_red.id, "standard": RED, "years": 3},
    )
    db.expire_all()
    assert db.scalar(select(MeasureApplication.id)) is None

    ended = red_list_exit.end_where_not_met(db, clock)

    assert ended == {"black_listed": 1, "bad_record": 1}
    assert (
        db.get_one(ListEntry, red.id).removal_reason,
        db.get_one(ListEntry, other_red.id).removal_reason,
    ) == (
        RemovalReason.BLACK_LISTED,
        RemovalReason.BAD_RECORD,
    )
    assert red_list_exit.end_where_not_met(db, clock) == {}


# --- incentives: the joint check and applying a measure -----------------------------------------


def test_an_incentive_checked_before_the_black_listing_is_refused_after_it(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red_entry(db, clock, world, company)
    db.commit()
    assert [m["code"] for m in checked(client, company)["measures"]] == ["inc_funding_priority"]

    black = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=0,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    db.commit()

    assert [m["code"] for m in checked(client, company)["measures"]] == ["pun_fiscal_funding"]
    refused = apply(client, company)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (
        "incentive_on_black_list",
        "Art. 16",
        "subject",
    )
    assert error["details"] == {
        "black_list_entry": black.id,
        "black_list_standard": "dishonest_subject",
        "until": str(black.term_end),
    }
    db.expire_all()
    assert db.scalar(select(MeasureApplication.id)) is None
    # The punishment still applies.
    assert apply(client, company, "pun_fiscal_funding").status_code == 201


def test_the_page_explains_the_refusal_in_chinese(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red_entry(db, clock, world, company)
    published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=0,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    db.commit()
    log_in(client, "caseofficer")
    form = client.get("/measure-applications", headers=HTML)

    page = client.post(
        "/measure-applications",
        data={
            "subject": company.uscc,
            "matter": "fiscal_funding",
            "measure": "inc_funding_priority",
            "reasons": "优先安排",
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
    )

    assert page.status_code == 409
    assert "incentive_on_black_list" in page.text
    assert "激励措施只适用于守信主体" in page.text
    assert "incentive measures are for trustworthy subjects only" not in page.text


# --- the subject's notices, in Chinese -----------------------------------------------------------


def test_the_subject_reads_why_its_red_list_entry_ended_in_chinese(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    black = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    db.commit()
    log_in(client, "company")

    page = client.get("/me/notices", headers=HTML).text.split(f'id="entry-{red.id}"', 1)[1]
    page = page.split("</article>", 1)[0]

    assert 'data-removal-reason="black_listed"' in page
    assert "被列入黑名单，不再属于诚信典型" in page
    assert (
        f"自 {black.term_start} 起被列入黑名单（失信主体，第 {black.id} 号名单条目），"
        "不再属于诚信典型（第十四条第二款、第十六条）"
    ) in page
    assert "no longer an integrity model" not in page


@given(
    standard=st.text(alphabet="诚信典型失信主体严重：（）() ,:A1", min_size=1, max_size=40),
    type_name=st.text(alphabet="行政处罚许可()（）: ,", min_size=1, max_size=20),
    number=st.integers(min_value=1, max_value=10**12),
    years=st.integers(min_value=1, max_value=10),
    day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
)
def test_every_ending_reads_in_chinese_whatever_the_names(
    standard: str, type_name: str, number: int, years: int, day: dt.date
) -> None:
    """The details the platform writes are read back whole — the step in the history too —
    whatever the standard's or record type's name holds (brackets, colons, spaces)."""
    black = ListEntry(id=number, term_start=day)
    written = (
        red_list_exit.black_listed_detail(black, ListStandard(name=standard)),
        red_list_exit.bad_record_detail(day, type_name, years, standard),
    )
    for detail, reason in zip(written, ("black_listed", "bad_record"), strict=True):
        shown = removal_detail(detail, ZH)
        assert "integrity model" not in shown, shown
        assert "Art." not in shown, shown
        assert standard in shown
        assert str(day) in shown
        step = entry_event_detail(f"{reason}: {detail}", ZH)
        assert step.endswith(shown), step
        assert step.startswith(ZH(enum_label(RemovalReason(reason))))


# --- the daily job, from the command line ---------------------------------------------------------


def test_the_jobs_command_ends_red_list_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`xinyong jobs run` on a database where a subject stood on both lists (before decision
    0041): the red-list entry ends, and the summary says so."""
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
    now = FixedClock(dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC))
    try:
        assert CliRunner().invoke(app, ["init"]).exit_code == 0
        engine: Engine = make_engine(f"sqlite:///{data / 'xinyong.sqlite3'}")
        with Session(engine, expire_on_commit=False) as session:
            agency = accounts.create_organisation(
                session,
                now,
                SYSTEM_ACTOR,
                code="11350100MB0000027N",
                name="福州市市场监督管理局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            staff = [
                accounts.actor_for_user(
                    accounts.create_user(
                        session,
                        now,
                        SYSTEM_ACTOR,
                        username=name,
                        password="a long cli password",
                        role=Role.CASE_OFFICER,
                        organisation=agency,
                    )
                )
                for name in ("officer1", "officer2")
            ]
            # On the platform for four years: three clean years to show.
            company = subjects.register_organisation(
                session,
                earlier(now, 4 * 366),
                SYSTEM_ACTOR,
                name="福州测试贸易有限公司",
                uscc="91350100M000100Y43",
            )
            made = []
            for code in ("integrity_model", "dishonest_subject"):
                entry = entries.propose(
                    session,
                    earlier(now, 20),
                    staff[0],
                    subject=company,
                    standard_code=code,
                    criteria_met="符合认定标准",
                    reasons="认定理由",
                    evidence="证据",
                    basis_record_ids=[
                        penalty_record(session, now, agency, company, **old_warning(now))
                    ]
                    if code == "dishonest_subject"
                    else [],
                )
                entries.approve(session, now, staff[1], entry.id, reasons="无异议")
                made.append(entry)
            red = made[0]
            assert red.removal_reason is RemovalReason.BLACK_LISTED
            republished(red)
            session.commit()
        monkeypatch.setattr(jobs, "clock", now)
        result = CliRunner().invoke(app, ["jobs", "run"])
        assert result.exit_code == 0, result.output
        assert (
            "1 red-list entries ended, their subjects no longer integrity models "
            "(black_listed 1)" in result.output
        )
        with Session(engine) as session:
            assert (
                session.scalar(
                    select(ListEntry.removal_reason).where(ListEntry.kind == ListKind.RED)
                )
                is RemovalReason.BLACK_LISTED
            )
        engine.dispose()
    finally:
        reset_settings()
        reset_default_cipher()


# --- a wrong black listing undone brings the red-list entry back ---------------------------------


def test_a_black_listing_removed_on_an_objection_upheld_restores_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The black listing that ended the red-list entry should not have been: the subject's
    objection to it is upheld. The ending had no ground, and the entry is published again
    while its term runs, by the platform, naming the black-list entry; the subject reads
    why in Chinese."""
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    black = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    assert red.status is EntryStatus.REMOVED
    objection = entries.object_to(db, clock, actor(world, "company"), black.id, "处罚已被撤销")

    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=True, reasons="认定有误"
    )

    assert (black.status, black.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.OBJECTION_UPHELD,
    )
    assert (red.status, red.removal_reason, red.ended_at) == (EntryStatus.PUBLISHED, None, None)
    (step,) = db.scalars(
        select(ListEntryEvent).where(
            ListEntryEvent.entry_id == red.id, ListEntryEvent.action == "restored"
        )
    ).all()
    assert step.actor == "system"
    assert step.detail == red_list_exit.restored_detail(black, RemovalReason.OBJECTION_UPHELD)
    shown = entry_event_detail(step.detail, ZH)
    assert f"第 {black.id} 号黑名单条目因异议成立已被移出" in shown
    assert "重新属于诚信典型" in shown


def test_an_objection_upheld_after_the_black_listing_left_otherwise_restores_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The agency took the black-list entry off by hand while the subject's objection to it
    was pending; the objection is then upheld. The listing was wrong all the same, so the
    red-list entry it ended comes back while its term runs, its step saying the objection
    was upheld after the black-list entry had left."""
    from tests.lists_helpers import removed_by_two

    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    black = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    objection = entries.object_to(db, clock, actor(world, "company"), black.id, "处罚已被撤销")
    removed_by_two(db, clock, world, black.id)

    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=True, reasons="认定有误"
    )

    assert (black.status, black.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.EXIT_CONDITIONS_MET,
    )
    assert (red.status, red.removal_reason) == (EntryStatus.PUBLISHED, None)
    step = entries.history(db, red.id)[-1]
    assert (step.action, step.actor) == ("restored", "system")
    assert step.detail == red_list_exit.found_wrong_detail(black, RemovalReason.OBJECTION_UPHELD)
    shown = entry_event_detail(step.detail, ZH)
    assert f"第 {black.id} 号黑名单条目" in shown
    assert "异议成立" in shown
    assert "重新属于诚信典型" in shown
    assert "objection" not in shown


def test_a_black_listing_on_an_annulled_decision_restores_the_red_list_entry_and_a_repair_does_not(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The decision the black listing rested on is annulled (revoked by its source): the
    listing leaves, and the red-list entry it ended comes back. Reinstated, the listing
    returns and ends the red-list entry again. A repair of another subject's basis record
    brings nothing back: that subject was dishonest, and repaired its credit since."""
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    warning = basis_record(db, clock, world, company, **old_warning(clock))
    black = published_entry(db, clock, world, company, approved_days_ago=10, basis=[warning.id])
    assert red.status is EntryStatus.REMOVED
    reporter = actor(world, "reporter")

    revocation.revoke(
        db,
        clock,
        reporter,
        warning.id,
        ground="court",
        document_number="(2026)闽0102行初7号",
        reason="处罚决定被判决撤销",
    )
    assert (black.status, black.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.RECORD_REVOKED,
    )
    assert red.status is EntryStatus.PUBLISHED
    assert entry_event_detail(
        red_list_exit.restored_detail(black, RemovalReason.RECORD_REVOKED), ZH
    ).startswith(f"导致其移出的第 {black.id} 号黑名单条目因所依据的决定被撤销")

    revocation.reinstate(
        db,
        clock,
        reporter,
        warning.id,
        ground="revocation_set_aside",
        document_number="(2026)闽01行终11号",
        reason="二审撤销一审判决",
    )
    assert black.status is EntryStatus.PUBLISHED
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)

    assert red_list_exit.restore_after_wrong_black_listing(db, clock, black) == []
    black.removal_reason = RemovalReason.REPAIRED
    black.status = EntryStatus.REMOVED
    assert red_list_exit.restore_after_wrong_black_listing(db, clock, black) == []
    assert red.status is EntryStatus.REMOVED


def test_a_decision_annulled_after_the_black_listing_left_otherwise_restores_the_red_list_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The agency took the black-list entry off by hand; later the decision it rested on is
    annulled. The listing had no ground all the same: the red-list entry it ended comes back
    while its term runs, its step saying the decision was annulled after the black-list
    entry had left. Reinstated, the decision grounds the listing again: the black-list entry
    stays off, and the red-list entry ends again, as when a removed listing returns."""
    from tests.lists_helpers import removed_by_two

    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    warning = basis_record(db, clock, world, company, **old_warning(clock))
    black = published_entry(db, clock, world, company, approved_days_ago=10, basis=[warning.id])
    removed_by_two(db, clock, world, black.id)
    assert red.status is EntryStatus.REMOVED
    reporter = actor(world, "reporter")

    revocation.revoke(
        db,
        clock,
        reporter,
        warning.id,
        ground="court",
        document_number="(2026)闽0102行初8号",
        reason="处罚决定被判决撤销",
    )

    assert (black.status, black.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.EXIT_CONDITIONS_MET,
    )
    assert (red.status, red.removal_reason) == (EntryStatus.PUBLISHED, None)
    step = entries.history(db, red.id)[-1]
    assert (step.action, step.actor) == ("restored", "system")
    assert step.detail == red_list_exit.found_wrong_detail(black, RemovalReason.RECORD_REVOKED)
    shown = entry_event_detail(step.detail, ZH)
    assert f"第 {black.id} 号黑名单条目" in shown
    assert "重新属于诚信典型" in shown
    assert "annulled" not in shown

    revocation.reinstate(
        db,
        clock,
        reporter,
        warning.id,
        ground="revocation_set_aside",
        document_number="(2026)闽01行终12号",
        reason="二审撤销一审判决",
    )
    assert black.status is EntryStatus.REMOVED
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)
    assert entries.history(db, red.id)[-1].action == "removed"


def test_a_red_list_entry_stays_off_while_another_black_listing_is_in_force(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    red = red_entry(db, clock, world, company)
    first = published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=10,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    published_entry(
        db,
        clock,
        world,
        company,
        "serious_health_safety",
        approved_days_ago=5,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    objection = entries.object_to(db, clock, actor(world, "company"), first.id, "认定有误")
    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=True, reasons="认定有误"
    )

    assert first.status is EntryStatus.REMOVED
    assert (red.status, red.removal_reason) == (EntryStatus.REMOVED, RemovalReason.BLACK_LISTED)
