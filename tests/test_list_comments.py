"""Public comment on red-list candidates: anyone may comment while the period runs, the
comment blocks approval until the recognising agency decides it with reasons, and an
upheld comment rejects the candidacy. The commenter's contact details are encrypted and
seen only by that agency."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    red_candidate,
)
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.clock import FixedClock
from xinyong.config import Settings
from xinyong.errors import InvalidInput, NotFound, PermissionDenied
from xinyong.lists import entries
from xinyong.lists.models import (
    EntryStatus,
    ListEntryEvent,
    ListObjection,
    ObjectionSource,
    RemovalReason,
)
from xinyong.objections import rules as objection_rules

COMMENT = "该企业2026年曾因拖欠工资被投诉，不宜列为诚信典型。"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, login_attempts_per_window=1000, public_comments_per_address_per_hour=3
    )


def comments_url(entry_id: int) -> str:
    return f"/api/v1/lists/red/candidates/{entry_id}/comments"


def test_anyone_comments_during_the_period_and_the_contact_is_encrypted(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, clock, lists_world)
    comment = entries.comment_on(
        db, clock, ANONYMOUS_ACTOR, entry.id, f"  {COMMENT} ", contact="13800000000"
    )
    assert comment.source is ObjectionSource.PUBLIC
    assert comment.statement == COMMENT
    assert comment.contact_ciphertext is not None
    assert "13800000000" not in comment.contact_ciphertext
    assert entries.objection_contact(db, actor(lists_world, "caseofficer"), comment) == (
        "13800000000"
    )
    history = db.scalars(select(ListEntryEvent).where(ListEntryEvent.entry_id == entry.id)).all()
    assert [e.action for e in history][-1] == "public_comment"
    assert all("13800000000" not in e.detail for e in history)


def test_only_the_recognising_agency_reads_a_commenters_contact(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, clock, lists_world)
    comment = entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, COMMENT, contact="x@y.cn")
    for who in ("other_caseofficer", "citizen", "admin"):
        with pytest.raises(PermissionDenied):
            entries.objection_contact(db, actor(lists_world, who), comment)


def test_a_pending_comment_blocks_approval_and_an_upheld_one_rejects(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, clock, lists_world)
    comment = entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, COMMENT)
    after = FixedClock(clock.now() + dt.timedelta(days=8))
    with pytest.raises(InvalidInput) as refused:
        entries.approve(db, after, actor(lists_world, "caseofficer"), entry.id, reasons="公示期满")
    assert refused.value.code == "objection_pending"
    entries.decide_objection(
        db, after, actor(lists_world, "caseofficer"), comment.id, upheld=True, reasons="经核实属实"
    )
    assert entry.status is EntryStatus.REJECTED
    assert entry.removal_reason is RemovalReason.OBJECTION_UPHELD


def test_a_dismissed_comment_lets_the_second_officer_approve(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, clock, lists_world)
    comment = entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, COMMENT)
    after = FixedClock(clock.now() + dt.timedelta(days=8))
    officer = actor(lists_world, "caseofficer")
    entries.decide_objection(db, after, officer, comment.id, upheld=False, reasons="经核实不属实")
    entries.approve(db, after, officer, entry.id, reasons="公示期满，意见不成立")
    assert entry.status is EntryStatus.PUBLISHED


def test_comments_are_refused_after_the_period_and_for_other_entries(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, earlier(clock, 10), lists_world)
    with pytest.raises(InvalidInput) as closed:
        entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, COMMENT)
    assert (closed.value.code, closed.value.article) == ("window_closed", "Art. 14")
    for missing in (entry.id + 10_000, -1):
        with pytest.raises(NotFound):
            entries.comment_on(db, clock, ANONYMOUS_ACTOR, missing, COMMENT)


def test_black_list_candidates_take_objections_only_from_their_subject(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    std = entries.standard(db, "dishonest_subject")
    black = entries.propose(
        db,
        clock,
        actor(lists_world, "caseofficer2"),
        subject=lists_world.subjects["company"],
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="拒不履行行政处罚决定",
        evidence="榕市监罚〔2026〕9号",
        basis_record_ids=[basis_record(db, clock, lists_world, lists_world.subjects["company"]).id],
    )
    with pytest.raises(NotFound) as refused:
        entries.comment_on(db, clock, ANONYMOUS_ACTOR, black.id, COMMENT)
    assert refused.value.code == "not_in_comment"


@pytest.mark.parametrize(
    ("statement", "contact", "field", "code"),
    [
        ("   ", "", "statement", "required"),
        ("x" * (objection_rules.MAX_STATEMENT + 1), "", "statement", "too_long"),
        (COMMENT, "1" * (entries.MAX_CONTACT_LENGTH + 1), "contact", "too_long"),
    ],
)
def test_bad_comments_name_their_field(
    lists_world: World,
    db: Session,
    clock: FixedClock,
    statement: str,
    contact: str,
    field: str,
    code: str,
) -> None:
    entry = red_candidate(db, clock, lists_world)
    with pytest.raises(InvalidInput) as refused:
        entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, statement, contact=contact)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert db.scalar(select(ListObjection.id).where(ListObjection.entry_id == entry.id)) is None


def test_the_api_takes_anonymous_comments_and_limits_each_address(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = red_candidate(db, clock, lists_world)
    db.commit()
    for n in range(3):
        # Each in its own words: the same words, undecided, are one comment sent twice.
        response = client.post(comments_url(entry.id), json={"statement": f"{COMMENT}（{n}）"})
        assert response.status_code == 201, response.text
        assert response.json()["entry_id"] == entry.id
    limited = client.post(comments_url(entry.id), json={"statement": COMMENT})
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"


def test_the_api_explains_a_refused_comment(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    # The id read before the requests: a refused request rolls back the session the test
    # shares with the app, which expires the entry, and the request's end closes it.
    entry_id = red_candidate(db, earlier(clock, 10), lists_world).id
    db.commit()
    closed = client.post(comments_url(entry_id), json={"statement": COMMENT})
    assert closed.status_code == 422
    assert closed.json()["error"]["code"] == "window_closed"
    assert closed.json()["error"]["article"] == "Art. 14"
    empty = client.post(comments_url(entry_id), json={"statement": ""})
    assert empty.status_code == 422
    assert "statement" in empty.text


def test_the_page_lists_candidates_and_takes_a_comment(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = red_candidate(db, clock, lists_world)
    db.commit()
    page = client.get("/lists/red/candidates")
    assert page.status_code == 200
    assert f'action="/lists/red/candidates/{entry.id}/comment"' in page.text
    assert entry.reasons in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    sent = client.post(
        f"/lists/red/candidates/{entry.id}/comment",
        data={"statement": COMMENT, "contact": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    thanked = client.get(sent.headers["location"])
    assert 'role="status"' in thanked.text
    stored = db.scalars(select(ListObjection).where(ListObjection.entry_id == entry.id)).all()
    assert [(o.source, o.statement) for o in stored] == [(ObjectionSource.PUBLIC, COMMENT)]


@pytest.mark.parametrize(
    ("statement", "contact", "code", "field"),
    [
        ("   ", "", "required", "statement"),
        ("长" * (objection_rules.MAX_STATEMENT + 1), "", "too_long", "statement"),
        ("意见\x00", "", "nul_character", "statement"),
        (COMMENT, "电话\x00", "nul_character", "contact"),
        (COMMENT, "1" * (entries.MAX_CONTACT_LENGTH + 1), "too_long", "contact"),
    ],
)
def test_a_refused_comment_is_shown_beside_its_form_with_what_was_typed(
    lists_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    statement: str,
    contact: str,
    code: str,
    field: str,
) -> None:
    entry = red_candidate(db, clock, lists_world)
    db.commit()
    page = client.get("/lists/red/candidates")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    refused = client.post(
        f"/lists/red/candidates/{entry.id}/comment",
        data={"statement": statement, "contact": contact, "csrf_token": token},
    )
    assert refused.status_code == 422
    article = refused.text.split(f'id="candidate-{entry.id}"', 1)[1]
    assert f'data-code="{code}"' in article.split("<form", 1)[0]
    shown = statement.strip().replace("\x00", "")[:20]
    assert shown in article  # what was typed is kept
    assert f'name="{field}"' in article
    assert 'aria-invalid="true"' in article
    assert db.scalar(select(ListObjection.id).where(ListObjection.entry_id == entry.id)) is None


def test_the_page_refuses_a_form_without_its_token(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry_id = red_candidate(db, clock, lists_world).id
    db.commit()
    response = client.post(f"/lists/red/candidates/{entry_id}/comment", data={"statement": COMMENT})
    assert response.status_code == 403
    assert db.scalar(select(ListObjection.id).where(ListObjection.entry_id == entry_id)) is None


def test_the_entry_in_full_shows_comments_and_contacts_only_to_the_deciding_agency(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = red_candidate(db, clock, lists_world)
    entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, COMMENT, contact="13800000000")
    db.commit()
    officer = client.get(
        f"/api/v1/list-entries/{entry.id}", headers=headers(client, "caseofficer")
    ).json()
    assert [(o["source"], o["contact"]) for o in officer["objections"]] == [
        ("public", "13800000000")
    ]
    subject = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, "company"))
    assert subject.status_code == 200
    assert [o["source"] for o in subject.json()["objections"]] == ["public"]
    assert "13800000000" not in subject.text
