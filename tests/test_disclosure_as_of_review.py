"""A file as it stood on a past day shows the confidentiality review as it stood then: a
record that was still awaiting its review (Art. 12(3)) was not public that day, so a
historical public view never shows content from before a redaction. Through the services
and the API, and the rule that reconstructs the review state as a property."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.collection_helpers import TODAY, grant, ingest, penalty_row, record_by_decision
from tests.factories import World, auth_headers
from tests.test_review import FACTS, actor_of, require_review
from xinyong import calendar_store
from xinyong.accounts import service as accounts
from xinyong.catalog import service as catalog
from xinyong.clock import FixedClock
from xinyong.collection.content import (
    REASON_CREATED,
    REASON_UPDATED,
    carries_source_content,
    reason_corrected,
)
from xinyong.disclosure import files, review
from xinyong.disclosure.files import RecordView
from xinyong.subjects.models import Subject

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def review_world(world: World, db: Session, clock: FixedClock) -> World:
    """Penalties from the regulator, confirmed by its security officer before publicity."""
    catalog.load_rule_pack(db, clock)
    calendar_store.load_official(db, clock)
    grant(db, clock, world.organisations["regulator"], "administrative_penalty")
    require_review(db, clock, world)
    db.commit()
    return world


def submit(
    db: Session, clock: FixedClock, world: World, **overrides: str
) -> tuple[int, dict[str, str]]:
    row = penalty_row(world, violation_facts=FACTS, remarks="内部编号 A-17", **overrides)
    assert ingest(db, clock, world.organisations["regulator"], [row]).all_accepted
    db.commit()
    return record_by_decision(db, row["decision_number"]).id, row


def company_of(db: Session, world: World) -> Subject:
    subject = db.get(Subject, world.subjects["company"].id)
    assert subject is not None
    return subject


def public_on(db: Session, world: World, day: dt.date, today: dt.date) -> dict[int, RecordView]:
    views = files.build_file(db, company_of(db, world), today=today, public_only=True, as_of=day)
    return {view.id: view for view in views}


def test_a_record_redacted_later_was_not_public_before_its_review(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    world = review_world
    record_id, _row = submit(db, clock, world)  # day 0: waits for the review
    clock.advance(2 * DAY)
    review.redact(db, clock, actor_of(world, "security"), record_id, ["violation_facts"], "隐私")
    db.commit()
    today = clock.today()

    # The day it arrived and the day after, it was waiting: not public then.
    for day in (TODAY, TODAY + DAY):
        assert record_id not in public_on(db, world, day, today)
    # From the review on, it is public with the redacted content only.
    for day in (today, None):
        shown = public_on(db, world, day or today, today)[record_id]
        assert shown.payload["violation_facts"] == review.REDACTED
        assert shown.history is None  # the public file shows no change history (0037)
    (own_now,) = files.build_file(db, company_of(db, world), today=today)
    assert [v.reason for v in own_now.history or ()] == [REASON_CREATED, review.REASON_REDACTED]
    # The subject reads its own file as it stood: the record is there, not public.
    (own,) = files.build_file(db, company_of(db, world), today=today, as_of=TODAY + DAY)
    assert own.id == record_id
    assert own.public is False
    assert own.payload["violation_facts"] == FACTS


def test_a_record_cleared_later_is_public_from_the_day_of_its_review(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    world = review_world
    record_id, _row = submit(db, clock, world)
    clock.advance(3 * DAY)
    review.confirm(db, clock, actor_of(world, "security"), record_id)
    db.commit()
    today = clock.today()
    assert record_id not in public_on(db, world, TODAY + 2 * DAY, today)
    assert record_id in public_on(db, world, today, today)


def test_changed_content_waits_again_and_the_day_before_shows_the_reviewed_version(
    review_world: World, db: Session, clock: FixedClock
) -> None:
    world = review_world
    regulator = world.organisations["regulator"]
    record_id, row = submit(db, clock, world)
    clock.advance(DAY)
    review.redact(db, clock, actor_of(world, "security"), record_id, ["violation_facts"], "隐私")
    db.commit()
    clock.advance(2 * DAY)
    changed = ingest(db, clock, regulator, [{**row, "violation_facts": "更正后的违法事实"}])
    assert changed.batch.updated == 1
    db.commit()
    clock.advance(2 * DAY)
    today = clock.today()

    # Reviewed and public the day after the redaction, with the redacted content.
    shown = public_on(db, world, TODAY + 2 * DAY, today)[record_id]
    assert shown.payload["violation_facts"] == review.REDACTED
    # Waiting again from the corrected content on: not public then, nor today.
    assert record_id not in public_on(db, world, TODAY + 3 * DAY, today)
    assert record_id not in public_on(db, world, today, today)

    # Cleared two days later: the days in between stay unpublished.
    review.confirm(db, clock, actor_of(world, "security"), record_id)
    db.commit()
    assert record_id not in public_on(db, world, TODAY + 4 * DAY, today)
    shown = public_on(db, world, today, today)[record_id]
    assert shown.payload["violation_facts"] == "更正后的违法事实"


def test_the_public_api_and_a_report_as_of_a_past_day_leave_out_a_record_then_under_review(
    review_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = review_world
    company = world.subjects["company"]
    reference, code = company.reference, company.uscc
    record_id, _row = submit(db, clock, world)
    clock.advance(2 * DAY)
    review.redact(db, clock, actor_of(world, "security"), record_id, ["violation_facts"], "隐私")
    db.commit()

    # The subject's own report as of the day after arrival lists the record (the subject
    # reads its whole file), as not public then.
    response = client.get(
        f"/api/v1/subjects/{reference}/report",
        params={"as_of": (TODAY + DAY).isoformat()},
        headers=auth_headers(client, "company"),
    )
    assert response.status_code == 200, response.text
    items = [item for section in response.json()["sections"] for item in section["items"]]
    (item,) = [item for item in items if item["id"] == record_id]
    assert item["public"] is False
    # Today the public sees the redacted record only.
    public = client.get(f"/api/v1/subjects/{code}/public")
    assert public.status_code == 200
    assert FACTS not in public.text


# --- the rule, as a property ----------------------------------------------------------------

CONTENT, CORRECTION, REVIEW, OTHER = "content", "correction", "review", "other"
REASONS = {
    CONTENT: REASON_UPDATED,
    # A correction after an objection is new content from the source too (Art. 12(3)).
    CORRECTION: reason_corrected(7),
    REVIEW: review.REASON_CLEARED,
    OTHER: "publicity ended",
}


@given(
    events=st.lists(st.sampled_from([CONTENT, CORRECTION, REVIEW, OTHER]), min_size=1, max_size=12),
    made=st.integers(min_value=1, max_value=12),
)
def test_the_review_state_of_a_past_day_is_the_one_the_record_had_then(
    events: list[str], made: int
) -> None:
    """Replaying the versions the way the pipeline and the review set the flag (new content
    waits, a review ends the wait, anything else leaves it) gives, at every version, the
    state ``_awaiting_review_on`` reconstructs from the history and today's flag."""
    events = [CONTENT, *events]  # a record starts with its source's content
    made = min(made, len(events))
    flags: list[bool] = []
    waiting = False
    for event in events:
        if event in (CONTENT, CORRECTION):
            waiting = True
        elif event == REVIEW:
            waiting = False
        flags.append(waiting)
    history = [(None,) * 13 + (REASONS[event],) for event in events]
    history[0] = (None,) * 13 + (REASON_CREATED,)
    assert files._awaiting_review_on(history, made, flags[-1], True) == flags[made - 1]


@given(objection=st.integers(min_value=1, max_value=2**62))
def test_only_versions_the_source_wrote_carry_content(objection: int) -> None:
    """Ingested and corrected versions are the source's content; a status change, a
    withdrawal, a rejection, a repair, a revocation or the review's own version is not."""
    from xinyong.collection import revocation
    from xinyong.objections import rules as objection_rules
    from xinyong.repair import rules as repair_rules

    assert carries_source_content(REASON_CREATED)
    assert carries_source_content(REASON_UPDATED)
    assert carries_source_content(objection_rules.reason_corrected(objection))
    for other in (
        objection_rules.reason_withdrawn(objection),
        objection_rules.reason_rejected(objection),
        repair_rules.reason_repaired(objection),
        repair_rules.reason_restored(objection),
        revocation.reason_revoked("court"),
        revocation.reason_reinstated("revoked_in_error"),
        review.REASON_CLEARED,
        review.REASON_REDACTED,
        "publicity ended",
        "declared by subject",
        "fulfilment updated",
    ):
        assert not carries_source_content(other), other
