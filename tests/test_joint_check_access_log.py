"""Joint checks in the subjects' access logs (Art. 24): a joint incentive and punishment
check (Art. 14–19) uses the information of every registered subject it answers about — the
green channel counts records that are not public — so each of them sees it in "who looked
at my file", through the API and the page: when, which organisation and role (the staff
member's name on request, audited), the matter, and what the answer showed. A large check
is logged packed in one row and indexed by subject later (``joint_check_uses``); the log
reads the same before and after."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access, joint_check_uses
from xinyong.disclosure.models import (
    JointCheckUse,
    JointCheckUseIndexed,
    JointCheckUseIndexing,
    JointCheckUseSubject,
)
from xinyong.lists import joint_checks
from xinyong.lists.models import AdministrativeMatter
from xinyong.synthetic import make_uscc

CHECKS = "/api/v1/joint-checks"


def run_check(client: TestClient, who: str, matter: str, codes: list[str]) -> Any:
    response = client.post(
        CHECKS, json={"matter": matter, "subjects": codes}, headers=headers(client, who)
    )
    assert response.status_code == 200, response.text
    return response.json()


def checks_in_log(client: TestClient, who: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/me/access-log", headers=headers(client, who))
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["legal_path"] == "joint_check"]


def matter_name(db: Session, code: str) -> str:
    matter = db.get(AdministrativeMatter, code)
    assert matter is not None
    return matter.name


def test_every_registered_subject_answered_about_sees_the_check(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    other_company = world.subjects["other_company"]
    published_entry(db, clock, world, company)
    ingest_penalty(db, clock, world, other_company)
    # On record for years: the person's clean years are there to show (Art. 16(1)).
    on_record_since(db, clock, world, person)
    db.commit()
    citizen_id = citizen_id_of(person)
    # The company twice, a code nobody registered, the person by ID number.
    codes = [
        company.uscc or "",
        citizen_id,
        other_company.uscc or "",
        make_uscc(random.Random(7)),
        company.uscc or "",
    ]

    run_check(client, "querier", "honours", codes)

    (listed,) = checks_in_log(client, "company")
    assert listed["id"] is None  # an access event's id; the check's is in joint_check
    assert listed["organisation"] == world.organisations["regulator"].name
    assert listed["role"] == "query_officer"
    assert listed["what"] == "joint_check"
    assert listed["purpose"] == matter_name(db, "honours")
    assert (listed["granted"], listed["record_types"]) == (True, [])
    shown = listed["joint_check"]
    assert shown["matter"] == "honours"
    assert [(s["standard"], s["list"]) for s in shown["list_status"]] == [
        ("dishonest_subject", "black")
    ]
    assert [m["code"] for m in shown["measures"]] == ["pun_honours"]
    assert all(m["name"] for m in shown["measures"])
    assert (shown["green_channel"], shown["green_channel_reason"]) == (False, "on_black")
    assert shown["responsible_for"] == []

    (unlisted,) = checks_in_log(client, "citizen")
    assert unlisted["joint_check"]["id"] == shown["id"]
    assert unlisted["joint_check"]["list_status"] == []
    assert unlisted["joint_check"]["measures"] == []
    assert unlisted["joint_check"]["green_channel"] is True
    assert unlisted["joint_check"]["green_channel_reason"] == "clean"
    assert citizen_id not in str(unlisted)
    # A subject with a recent penalty was shown without the green channel; a subject the
    # check did not name sees nothing.
    (bad,) = joint_check_uses.uses_of(db, other_company.id)
    assert bad.situation == {"green_channel_reason": "bad_record"}
    assert checks_in_log(client, "other_citizen") == []

    # The audit names the logged check, never a code.
    db.expire_all()
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "joint_check.run")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert (event.target_type, event.target_id) == ("joint_check_use", str(shown["id"]))
    # A small check is indexed by subject at once: one row per subject, the company once.
    rows = db.scalar(
        select(func.count())
        .select_from(JointCheckUseSubject)
        .where(JointCheckUseSubject.use_id == shown["id"])
    )
    assert rows == 3


def test_the_staff_member_of_a_check_is_named_on_request_and_the_request_audited(
    lists_world: World, client: TestClient, db: Session
) -> None:
    world = lists_world
    run_check(client, "querier", "honours", [citizen_id_of(world.subjects["person"])])
    (entry,) = checks_in_log(client, "citizen")
    check_id = entry["joint_check"]["id"]
    staff = f"/api/v1/me/access-log/joint-checks/{check_id}/staff"

    response = client.get(staff, headers=headers(client, "citizen"))

    assert response.status_code == 200, response.text
    assert response.json() == {"name": world.users["querier"].display_name}
    db.expire_all()
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "access_log.reveal_staff")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert (event.target_type, event.target_id) == ("joint_check_use", str(check_id))
    # Not to a subject the check did not answer about, nor to the organisation's staff.
    assert client.get(staff, headers=headers(client, "other_citizen")).status_code == 404
    refused = client.get(staff, headers=headers(client, "querier"))
    assert refused.status_code == 403
    assert refused.json()["error"]["article"] == "Art. 24"


def test_a_responsible_person_sees_the_entry_and_measures_that_reached_them(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    person_represents_company(db, clock, world)
    published_entry(db, clock, world, company, "serious_fair_competition")
    db.commit()

    run_check(client, "caseofficer", "appointment", [citizen_id_of(world.subjects["person"])])

    (entry,) = checks_in_log(client, "citizen")
    assert entry["role"] == "case_officer"
    shown = entry["joint_check"]
    assert shown["list_status"] == []  # the organisation is listed, not the person
    (named,) = shown["responsible_for"]
    assert named["role"] == "legal_representative"
    assert named["organisation"] == {"code": company.uscc, "name": company.name}
    assert (named["standard"], named["list"]) == ("serious_fair_competition", "black")
    assert [m["code"] for m in shown["measures"]] == ["pun_appointment"]
    assert (shown["green_channel"], shown["green_channel_reason"]) == (
        False,
        "responsible_for_black",
    )


def test_the_page_lists_a_check_in_the_page_language_and_names_the_staff_member(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    published_entry(db, clock, world, company)
    db.commit()
    log_in(client, "querier")
    form = client.get("/joint-check", headers=HTML)
    checked = client.post(
        "/joint-check",
        data={"matter": "honours", "codes": company.uscc, "csrf_token": csrf_from(form.text)},
        headers=HTML,
    )
    assert checked.status_code == 200, checked.text
    client.post("/logout", data={"csrf_token": csrf_from(checked.text)})
    log_in(client, "company")

    page = client.get("/me/access-log", headers=HTML)

    assert page.status_code == 200
    match = re.search(r'<tr data-joint-check="(\d+)"[^>]*>(.*?)</tr>', page.text, re.S)
    assert match, page.text
    check_id, row = match.groups()
    assert world.organisations["regulator"].name in row
    assert matter_name(db, "honours") in row
    assert "联合奖惩核查" in row
    assert "失信" in row  # the standard it was shown listed under
    assert "黑名单" in row  # why no green channel
    english = client.get("/me/access-log", params={"lang": "en"}, headers=HTML).text
    english_row = english[english.index(f'data-joint-check="{check_id}"') :]
    english_row = english_row[: english_row.index("</tr>")]
    matter = db.get(AdministrativeMatter, "honours")
    assert matter is not None
    assert matter.name_en in english_row
    assert "Joint incentive and punishment check" in english_row
    assert "on the black list" in english_row

    revealed = client.post(
        f"/me/access-log/joint-checks/{check_id}/staff",
        data={"csrf_token": csrf_from(page.text)},
        headers=HTML,
    )

    assert revealed.status_code == 200, revealed.text
    assert f'data-revealed-joint-check="{check_id}"' in revealed.text
    assert world.users["querier"].display_name in revealed.text


def test_a_large_check_is_logged_packed_and_indexed_by_the_daily_job(
    lists_world: World, db: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = lists_world
    monkeypatch.setattr(joint_check_uses, "INDEX_AT_ONCE", 2)
    company, person = world.subjects["company"], world.subjects["person"]
    published_entry(db, clock, world, company)
    others = [CompanyFactory() for _ in range(3)]
    on_record_since(db, clock, world, person)
    db.commit()
    codes = [company.uscc or "", citizen_id_of(person), *(c.uscc or "" for c in others)]
    codes.append(company.uscc or "")
    citizen, firm = actor(world, "citizen"), actor(world, "company")

    joint_checks.check(db, clock, actor(world, "querier"), "honours", codes, clean_years=3)
    db.commit()

    (use,) = db.scalars(select(JointCheckUse)).all()
    assert use.indexed_at is None
    assert use.subject_count == 6  # as answered: the company twice
    assert db.scalar(select(func.count()).select_from(JointCheckUseSubject)) == 0
    before = (access.access_log(db, citizen), access.access_log(db, firm))
    assert [e.joint_check["green_channel_reason"] for e in before[1] if e.joint_check] == [
        "on_black"
    ]
    assert [e.joint_check["green_channel_reason"] for e in before[0] if e.joint_check] == ["clean"]

    assert joint_check_uses.index_pending(db, clock).checks == 1
    db.commit()

    assert joint_check_uses.index_pending(db, clock).checks == 0
    assert db.scalar(select(func.count()).select_from(JointCheckUseSubject)) == 5
    db.expire_all()
    # The job's mark is a row of its own: the check's row is append-only (migration 0047).
    assert db.get(JointCheckUse, use.id).indexed_at is None  # type: ignore[union-attr]
    marked = db.get(JointCheckUseIndexed, use.id)
    assert marked is not None
    assert marked.indexed_at == clock.now()
    assert (access.access_log(db, citizen), access.access_log(db, firm)) == before
    for other in others:
        (seen,) = joint_check_uses.uses_of(db, other.id)
        assert seen.id == use.id


# --- the log of joint checks kept as the access log is (decision 0003, session 13) ----------


def _index_rows(db: Session) -> set[tuple[int, int, int]]:
    return set(
        db.execute(
            select(
                JointCheckUseSubject.use_id,
                JointCheckUseSubject.subject_id,
                JointCheckUseSubject.situation,
            )
        ).tuples()
    )


def test_the_daily_job_indexes_a_fixed_number_of_rows_per_transaction_and_resumes(
    lists_world: World, db: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two large checks of five subjects each, indexed three rows per transaction: the
    index ends as the check's own transaction writes it for a small one (one row per
    subject, the situation it was shown), a check part-indexed is still read whole, and a
    transaction rolled back (the run interrupted) is done again by the next (decision 0008,
    session 25 addendum)."""
    world = lists_world
    monkeypatch.setattr(joint_check_uses, "INDEX_AT_ONCE", 2)
    company, person = world.subjects["company"], world.subjects["person"]
    published_entry(db, clock, world, company)
    others = [CompanyFactory() for _ in range(3)]
    db.commit()
    codes = [company.uscc or "", citizen_id_of(person), *(c.uscc or "" for c in others)]
    querier = actor(world, "querier")
    for matter in ("honours", "honours"):
        # The company named twice: five subjects, six answers.
        joint_checks.check(db, clock, querier, matter, [*codes, codes[0]], clean_years=3)
    db.commit()
    uses = db.scalars(select(JointCheckUse).order_by(JointCheckUse.id)).all()
    assert len(uses) == 2
    expected = {
        (use.id, subject_id, situation)
        for use in uses
        for subject_id, situation in joint_check_uses._index_rows(
            joint_check_uses._unpack("q", use.subject_ids),
            joint_check_uses._unpack("I", use.situation_ids),
        )
    }
    assert len(expected) == 10
    firm = actor(world, "company")
    before = access.access_log(db, firm)
    assert len([e for e in before if e.joint_check]) == 2

    first = joint_check_uses.index_pending(db, clock, limit=3)
    assert (first.checks, first.rows, first.more) == (0, 3, True)
    db.commit()
    # Part-indexed, the first check is read from its packed subjects still: the log is whole.
    assert access.access_log(db, firm) == before
    # The next transaction dies before its commit: nothing of it stays.
    interrupted = joint_check_uses.index_pending(db, clock, limit=3)
    assert (interrupted.checks, interrupted.rows, interrupted.more) == (1, 3, True)
    db.rollback()
    assert len(_index_rows(db)) == 3
    parts = []
    while True:
        done = joint_check_uses.index_pending(db, clock, limit=3)
        db.commit()
        parts.append((done.checks, done.rows))
        if not done.more:
            break
    # The first check's last two rows and the second's first, then three, then the last.
    assert parts == [(1, 3), (0, 3), (1, 1)]
    assert _index_rows(db) == expected
    assert db.scalar(select(func.count()).select_from(JointCheckUseIndexed)) == 2
    assert db.scalar(select(func.count()).select_from(JointCheckUseIndexing)) == 0
    assert access.access_log(db, firm) == before
    assert joint_check_uses.index_pending(db, clock, limit=3) == joint_check_uses.Indexed()
    assert audit.verify(db).ok


def _a_check(db: Session, clock: FixedClock, world: World) -> tuple[JointCheckUse, AuditEvent]:
    company, person = world.subjects["company"], world.subjects["person"]
    published_entry(db, clock, world, company)
    db.commit()
    codes = [company.uscc or "", citizen_id_of(person)]
    joint_checks.check(db, clock, actor(world, "querier"), "honours", codes, clean_years=3)
    db.commit()
    (use,) = db.scalars(select(JointCheckUse)).all()
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "joint_check.run")).one()
    return use, event


def test_a_checks_audit_event_witnesses_its_row_in_the_subjects_logs(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Its ids and a digest of its content (the packed subjects by their own digest), never
    the content: the subjects' ids and what each was shown stay out of the trail."""
    use, event = _a_check(db, clock, lists_world)
    assert event.target_id == str(use.id)
    witnessed = event.details["witnessed"]
    assert (witnessed["table"], witnessed["ids"]) == ("joint_check_use", [use.id])
    assert set(event.details) == {
        "matter",
        "subjects",
        "found",
        "listed",
        "responsible",
        "invalid",
        "witnessed",
    }
    assert audit.verify(db).ok


def _around_the_triggers(db: Session, statement: str) -> None:
    """Tamper as someone with database rights would: around the triggers."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        db.execute(text(statement))
        db.execute(text("SET LOCAL session_replication_role = origin"))
    else:
        for table in ("joint_check_use", "joint_check_use_subject"):
            db.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            db.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))
        db.execute(text(statement))
    db.expire_all()


@pytest.mark.parametrize(
    "tamper",
    [
        # Another organisation's check, another matter, fewer subjects answered.
        "UPDATE joint_check_use SET organisation_id = NULL WHERE id = {id}",
        "UPDATE joint_check_use SET matter_code = 'market_access' WHERE id = {id}",
        "UPDATE joint_check_use SET subject_ids = situation_ids WHERE id = {id}",
        "DELETE FROM joint_check_use WHERE id = {id}",
    ],
)
def test_the_chain_finds_a_checks_row_changed_or_removed(
    lists_world: World, db: Session, clock: FixedClock, tamper: str
) -> None:
    use, event = _a_check(db, clock, lists_world)
    if tamper.startswith("DELETE"):
        _around_the_triggers(db, f"DELETE FROM joint_check_use_subject WHERE use_id = {use.id}")
    _around_the_triggers(db, tamper.format(id=use.id))

    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence == event.sequence
    assert "joint_check_use" in result.problem.reason


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE joint_check_use SET matter_code = matter_code WHERE id = {id}",
        "DELETE FROM joint_check_use WHERE id = {id}",
        "UPDATE joint_check_use_subject SET situation = 0 WHERE use_id = {id}",
        "DELETE FROM joint_check_use_subject WHERE use_id = {id}",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_checks_log(
    lists_world: World, db: Session, clock: FixedClock, statement: str
) -> None:
    use, _event = _a_check(db, clock, lists_world)
    nested = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement.format(id=use.id)))
    nested.rollback()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(JointCheckUseSubject)) == 2
    assert db.get(JointCheckUse, use.id) is not None


def test_the_daily_jobs_mark_is_append_only_and_a_marked_check_is_not_indexed_again(
    lists_world: World, db: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job indexes a large check with the check's row untouched; the chain holds after
    (the row's digest is as the check wrote it), and its mark cannot be undone."""
    world = lists_world
    monkeypatch.setattr(joint_check_uses, "INDEX_AT_ONCE", 1)
    use, _event = _a_check(db, clock, world)
    assert use.indexed_at is None
    assert joint_check_uses.index_pending(db, clock).checks == 1
    db.commit()
    assert joint_check_uses.index_pending(db, clock).checks == 0
    assert audit.verify(db).ok
    nested = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(f"DELETE FROM joint_check_use_indexed WHERE use_id = {use.id}"))
    nested.rollback()
