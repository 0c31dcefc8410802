"""Credit grades (信用分类管理, Art. 14 ¶1): a transparent model — base score, points by
record polarity and severity halved with age, list entries in force — giving A/B/C/D,
with every contribution listed, recomputed when records change and kept as history."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    old_warning,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.lists import grades
from xinyong.lists.models import SubjectGrade
from xinyong.subjects.models import Subject


def decay(age_days: int, half_life_years: float = 2.0) -> float:
    return float(0.5 ** (age_days / (365.25 * half_life_years)))


def record_of(db: Session, subject: Subject) -> CreditRecord:
    record = db.scalars(
        select(CreditRecord).where(CreditRecord.subject_id == subject.id).order_by(CreditRecord.id)
    ).first()
    assert record is not None
    return record


def test_a_subject_without_records_has_the_base_score(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    model = grades.active_model(db)
    assert (model.version, model.parameters["base_score"]) == (1, 100.0)
    grade = grades.current(db, clock, lists_world.subjects["other_company"])
    assert (grade.grade, grade.score, grade.contributions, grade.model_version) == (
        "B",
        100.0,
        [],
        1,
    )


def test_negative_records_lower_the_score_by_severity_and_age(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    today = clock.today()
    minor, general, serious = (CompanyFactory() for _ in range(3))
    ingest_penalty(db, clock, world, minor, penalty_category="警告", fine_amount="")
    ingest_penalty(db, clock, world, general)
    ingest_penalty(db, clock, world, serious, severity="serious")
    age = (today - record_of(db, general).decision_date).days

    scores = {
        name: grades.current(db, clock, subject)
        for name, subject in (("minor", minor), ("general", general), ("serious", serious))
    }

    assert scores["minor"].score == round(100 - 3 * decay(age), 2)
    assert scores["general"].score == round(100 - 10 * decay(age), 2)
    assert scores["serious"].score == round(100 - 30 * decay(age), 2)
    assert [s.grade for s in scores.values()] == ["B", "B", "C"]
    (contribution,) = scores["general"].contributions
    record = record_of(db, general)
    assert contribution == {
        "source": "record",
        "record_id": record.id,
        "type": "administrative_penalty",
        "type_name": contribution["type_name"],
        "decision_date": record.decision_date.isoformat(),
        "severity": "general",
        "points": -10.0,
        "weight": round(decay(age), 4),
        "effect": round(-10 * decay(age), 2),
    }
    assert contribution["type_name"]

    # Two years on, the same record weighs half as much.
    later = FixedClock(clock.now() + dt.timedelta(days=round(2 * 365.25)))
    older = grades.current(db, later, general)
    assert older.contributions[0]["weight"] == pytest.approx(decay(age) / 2, abs=1e-3)
    assert older.score > scores["general"].score
    # Past the horizon (5 years) it no longer counts at all.
    beyond = FixedClock(clock.now() + dt.timedelta(days=5 * 366))
    assert grades.current(db, beyond, general).score == 100.0


@pytest.mark.parametrize(
    ("standard", "score", "grade"),
    [
        ("integrity_model", 110.0, "A"),
        (None, 100.0, "B"),
        ("dishonest_subject", 75.0, "C"),
        ("serious_health_safety", 50.0, "D"),
    ],
)
def test_list_entries_count_and_thresholds_give_the_grade(
    lists_world: World,
    db: Session,
    clock: FixedClock,
    standard: str | None,
    score: float,
    grade: str,
) -> None:
    subject = CompanyFactory()
    if standard is not None:
        entry = published_entry(
            db,
            clock,
            lists_world,
            subject,
            standard,
            # A black-list entry's record that no grade counts (outside its years), so that
            # the entry's points are the score's; the red list's needs none.
            basis=None
            if standard == "integrity_model"
            else [basis_record(db, clock, lists_world, subject, **old_warning(clock)).id],
        )
    current = grades.current(db, clock, subject)
    assert (current.score, current.grade) == (score, grade)
    if standard is not None:
        (contribution,) = current.contributions
        assert contribution == {
            "source": "list",
            "entry_id": entry.id,
            "tier": entry.tier.value,
            "points": score - 100.0,
            "weight": 1.0,
            "effect": score - 100.0,
        }


def test_grades_are_recomputed_when_records_change_and_history_is_kept(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    first = grades.current(db, clock, company)
    assert first.score == 100.0
    # Read again with nothing changed: the stored grade, no new row.
    assert grades.current(db, clock, company).changed is False
    assert len(grades.history(db, company.id)) == 1

    clock.advance(dt.timedelta(hours=1))
    ingest_penalty(db, clock, world, company)
    second = grades.current(db, clock, company)
    assert second.score < 100.0
    clock.advance(dt.timedelta(hours=1))
    ingest_penalty(db, clock, world, company, severity="serious")
    third = grades.current(db, clock, company)
    assert third.score < second.score
    assert third.grade == "D"
    assert third.changed

    history = grades.history(db, company.id)
    assert [(h.score, h.grade) for h in history] == [
        (100.0, "B"),
        (second.score, second.grade),
        (third.score, third.grade),
    ]
    assert [len(h.contributions) for h in history] == [0, 1, 2]
    rows = db.scalars(select(SubjectGrade).where(SubjectGrade.subject_id == company.id)).all()
    assert len(rows) == 3
    # A list entry is a change too (approved now).
    clock.advance(dt.timedelta(hours=1))
    published_entry(
        db,
        clock,
        world,
        company,
        approved_days_ago=0,
        basis=[basis_record(db, clock, world, company, **old_warning(clock)).id],
    )
    assert grades.current(db, clock, company).score == round(third.score - 25.0, 2)
    assert len(grades.history(db, company.id)) == 4


def test_my_grade_in_the_api(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    ingest_penalty(db, clock, world, person)
    db.commit()

    response = client.get("/api/v1/me/grade", headers=headers(client, "citizen"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["grade"] == "B"
    assert body["score"] < 100.0
    assert body["model_version"] == 1
    (contribution,) = body["contributions"]
    assert (contribution["source"], contribution["type"], contribution["points"]) == (
        "record",
        "administrative_penalty",
        -10.0,
    )
    assert body["history"] == [
        {"grade": "B", "score": body["score"], "at": clock.now().isoformat()}
    ]
    assert client.get("/api/v1/me/grade", headers=headers(client, "querier")).status_code == 403
    assert client.get("/api/v1/me/grade").status_code == 401


def test_a_grade_is_todays_by_the_day_in_fuzhou_and_dated_so(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Computed at 23:30 in Fuzhou, read again at 00:30 the next day: a new day there (the
    same UTC day), so the grade is computed again, and each is dated by Fuzhou's day."""
    person = lists_world.subjects["person"]
    clock.set(dt.datetime(2026, 11, 29, 23, 30, tzinfo=CHINA))
    grades.current(db, clock, person)
    clock.advance(dt.timedelta(hours=1))
    assert clock.now().date() == dt.date(2026, 11, 29)  # still the 29th in UTC
    grades.current(db, clock, person)
    assert len(grades.history(db, person.id)) == 2
    db.commit()
    log_in(client, "citizen")
    page = client.get("/me/grade", headers=HTML).text
    history = page.split("<ol>", 1)[1]
    assert "2026-11-29: B" in history
    assert "2026-11-30: B" in history
