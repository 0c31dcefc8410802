"""Credit grades (信用分类管理, Art. 14 ¶1): a transparent, configurable model.

Score = base + Σ contributions. Each record contributes points by its polarity and
severity, halved every ``half_life_years`` of age and ignored beyond ``horizon_years``;
list entries in force contribute too. Grades A/B/C/D by thresholds. Every contribution
is listed with its effect, and a grade is recomputed whenever the subject's records or
list entries changed since it was last computed; grade history is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.calendar import add_years
from xinyong.catalog import service as catalog
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.errors import NotFound
from xinyong.lists.models import EntryStatus, GradeModel, ListEntry, SubjectGrade
from xinyong.subjects.models import Subject

COUNTED = (
    RecordStatus.ACTIVE,
    RecordStatus.UNDER_OBJECTION,
    RecordStatus.CORRECTED,
    RecordStatus.EXPIRED,
)


@dataclass(frozen=True)
class Grade:
    grade: str
    score: float
    contributions: list[dict[str, Any]]
    model_version: int
    computed_at: dt.datetime
    changed: bool


def active_model(session: Session) -> GradeModel:
    model = session.scalar(
        select(GradeModel).where(GradeModel.active).order_by(GradeModel.version.desc())
    )
    if model is None:
        raise NotFound("no grading model is loaded", code="no_grade_model")
    return model


def _weight(age_days: int, half_life_years: float) -> float:
    return float(0.5 ** (age_days / (365.25 * half_life_years)))


def compute(
    session: Session, subject: Subject, today: dt.date, model: GradeModel
) -> tuple[str, float, list[dict[str, Any]]]:
    p = model.parameters
    points, list_points = p["points"], p["list_points"]
    horizon = add_years(today, -int(p["horizon_years"]))
    types = catalog.type_wide(session)  # polarity: the same in every area's rule
    contributions: list[dict[str, Any]] = []
    for record in session.scalars(
        select(CreditRecord).where(
            CreditRecord.subject_id == subject.id,
            CreditRecord.decision_date >= horizon,
            CreditRecord.status.in_(COUNTED),
        )
    ):
        kind = types[record.record_type_id]
        polarity = kind.polarity.value
        key = f"negative_{record.severity}" if polarity == "negative" else polarity
        base = float(points.get(key, 0.0))
        if base == 0.0:
            continue
        weight = _weight((today - record.decision_date).days, float(p["half_life_years"]))
        contributions.append(
            {
                "source": "record",
                "record_id": record.id,
                "type": kind.code,
                "type_name": kind.name_zh,
                "decision_date": record.decision_date.isoformat(),
                "severity": record.severity,
                "points": base,
                "weight": round(weight, 4),
                "effect": round(base * weight, 2),
            }
        )
    for entry in session.scalars(
        select(ListEntry).where(
            ListEntry.subject_id == subject.id, ListEntry.status == EntryStatus.PUBLISHED
        )
    ):
        if (
            entry.term_start
            and entry.term_start <= today
            and (entry.term_end is None or today <= entry.term_end)
        ):
            base = float(list_points.get(entry.tier.value, 0.0))
            contributions.append(
                {
                    "source": "list",
                    "entry_id": entry.id,
                    "tier": entry.tier.value,
                    "points": base,
                    "weight": 1.0,
                    "effect": base,
                }
            )
    score = round(float(p["base_score"]) + sum(c["effect"] for c in contributions), 2)
    thresholds = p["thresholds"]
    grade = (
        "A"
        if score >= thresholds["A"]
        else "B"
        if score >= thresholds["B"]
        else "C"
        if score >= thresholds["C"]
        else "D"
    )
    return grade, score, contributions


def _last_change(session: Session, subject_id: int) -> dt.datetime | None:
    records = session.scalar(
        select(func.max(CreditRecord.updated_at)).where(CreditRecord.subject_id == subject_id)
    )
    entries = session.scalar(
        select(
            func.max(
                func.coalesce(ListEntry.ended_at, ListEntry.approved_at, ListEntry.proposed_at)
            )
        ).where(ListEntry.subject_id == subject_id)
    )
    candidates = [
        c if c.tzinfo else c.replace(tzinfo=dt.UTC) for c in (records, entries) if c is not None
    ]
    return max(candidates) if candidates else None


def current(session: Session, clock: Clock, subject: Subject) -> Grade:
    """The subject's grade, recomputed if its records or entries changed since (or a day passed)."""
    model = active_model(session)
    latest = session.scalar(
        select(SubjectGrade)
        .where(SubjectGrade.subject_id == subject.id)
        .order_by(SubjectGrade.id.desc())
        .limit(1)
    )
    changed_at = _last_change(session, subject.id)
    fresh = (
        latest is not None
        and latest.model_version == model.version
        # A day in Fuzhou, as clock.today() is: UTC days would keep yesterday's grade
        # until 08:00.
        and latest.computed_at.astimezone(CHINA).date() == clock.today()
        and (
            changed_at is None
            or (latest.records_as_of is not None and changed_at <= latest.records_as_of)
        )
    )
    if fresh and latest is not None:
        return Grade(
            latest.grade,
            latest.score,
            latest.contributions,
            latest.model_version,
            latest.computed_at,
            False,
        )
    grade, score, contributions = compute(session, subject, clock.today(), model)
    row = SubjectGrade(
        subject_id=subject.id,
        model_version=model.version,
        grade=grade,
        score=score,
        contributions=contributions,
        computed_at=clock.now(),
        records_as_of=changed_at,
    )
    session.add(row)
    session.flush()
    return Grade(
        grade,
        score,
        contributions,
        model.version,
        row.computed_at,
        latest is None or latest.grade != grade,
    )


def history(session: Session, subject_id: int) -> list[SubjectGrade]:
    return list(
        session.scalars(
            select(SubjectGrade)
            .where(SubjectGrade.subject_id == subject_id)
            .order_by(SubjectGrade.id)
        )
    )
