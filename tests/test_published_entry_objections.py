"""A subject objects to its published black-list entry (Art. 25: to credit information
about it, at any time; the standard's remedies say "认定后可申请信用修复或提出异议"): taken
through the same endpoint and page as an objection to a candidacy, decided by someone other
than the proposer within the working days of an objection to a record (decision 0022),
and, if upheld, the entry leaves the list (reason ``objection_upheld``), audited and shown
to the subject (Art. 24). Dismissed, it stays."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import UserFactory, World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    removed_by_two,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from xinyong.accounts.models import Role
from xinyong.audit.models import AuditEvent
from xinyong.calendar_store import working_day_calendar
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListKind, RemovalReason
from xinyong.objections import rules as objection_rules

OBJECT = "/api/v1/me/list-entries/{}/objection"
DECIDE = "/api/v1/list-objections/{}/decide"
STATEMENT = "所依据的处罚决定已被复议机关撤销，附复议决定书。"
UPHELD = "经核实，处罚决定已被撤销，认定依据不存在，移出名单。"


def listed(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The world's company on the black list (dishonest_subject), proposed by
    ``caseofficer`` and approved by ``caseofficer2`` 30 days ago."""
    entry = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    return entry


def stored(db: Session, entry_id: int) -> ListEntry:
    db.expire_all()
    found = db.get(ListEntry, entry_id)
    assert found is not None
    return found


def test_the_subject_objects_to_its_published_entry_and_an_upheld_objection_removes_it(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id = listed(db, clock, world).id
    company = headers(client, "company")

    objected = client.post(OBJECT.format(entry_id), json={"statement": STATEMENT}, headers=company)

    assert objected.status_code == 201, objected.text
    body = objected.json()
    assert body["after_publication"] is True
    due = working_day_calendar(db).add_working_days(clock.today(), 5).day
    assert body["deadline"] == {
        "what": "decide",
        "due": due.isoformat(),
        "provisional": False,
        "overdue": False,
        "basis": objection_rules.DEADLINE_BASIS,
    }
    # While it is undecided, the entry stays on the list, and one objection at a time.
    assert stored(db, entry_id).status is EntryStatus.PUBLISHED
    again = client.post(OBJECT.format(entry_id), json={"statement": "补充"}, headers=company)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "objection_pending")

    # The objection handler's queue has it, with the day it is due by.
    queue = client.get("/api/v1/list-objections", headers=headers(client, "objections"))
    (item,) = [i for i in queue.json()["items"] if i["entry"]["id"] == entry_id]
    assert (item["after_publication"], item["deadline"]["due"]) == (True, due.isoformat())

    # The proposer does not decide it; somebody else does.
    own = client.post(
        DECIDE.format(item["id"]),
        json={"upheld": True, "reasons": UPHELD},
        headers=headers(client, "caseofficer"),
    )
    assert (own.status_code, own.json()["error"]["code"]) == (403, "own_proposal")
    decided = client.post(
        DECIDE.format(item["id"]),
        json={"upheld": True, "reasons": UPHELD},
        headers=headers(client, "objections"),
    )
    assert decided.status_code == 200, decided.text
    out = decided.json()["entry"]
    assert (out["status"], out["removal_reason"], out["removal_detail"]) == (
        "removed",
        "objection_upheld",
        UPHELD,
    )
    assert [h["action"] for h in out["history"]][-2:] == ["objection_upheld", "removed"]
    audited = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "list_entry", AuditEvent.target_id == str(entry_id))
        .order_by(AuditEvent.sequence)
    ).all()
    assert "list_entry.objection" in audited
    assert audited[-2:] == ["list_entry.objection_upheld", "list_entry.removed"]
    # The handler decided; the removal is the decision's consequence, carried out by the
    # platform, which names the decision and who took it as its cause.
    upheld_step, removal_step = out["history"][-2:]
    handler = f"user:{actor(world, 'objections').id}"
    assert (upheld_step["actor"], removal_step["actor"]) == (handler, "system")
    assert removal_step["detail"] == f"objection_upheld: objection {item['id']} upheld: {UPHELD}"
    removal_event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "list_entry", AuditEvent.target_id == str(entry_id))
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert removal_event is not None
    assert (removal_event.actor_kind, removal_event.actor_id) == ("system", None)
    assert removal_event.details == {
        "cause": {
            "action": "list_entry.objection_upheld",
            "actor": handler,
            "objection": item["id"],
        }
    }
    # Gone from the public list; the subject reads why among its notices (Art. 24).
    public = client.get("/api/v1/lists/black").json()["items"]
    assert entry_id not in {i["id"] for i in public}
    (notice,) = [
        e
        for e in client.get("/api/v1/me/notices", headers=company).json()["list_entries"]
        if e["id"] == entry_id
    ]
    assert (notice["status"], notice["removal_reason"]) == ("removed", "objection_upheld")
    (mine,) = notice["objections"]
    assert (mine["upheld"], mine["decision_reasons"], mine["deadline"]) == (True, UPHELD, None)
    # Off the list, there is nothing left to object to.
    closed = client.post(OBJECT.format(entry_id), json={"statement": "x"}, headers=company)
    assert (closed.status_code, closed.json()["error"]["code"]) == (422, "not_objectable")


def test_a_dismissed_objection_leaves_the_entry_on_the_list(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed(db, clock, world)
    objection = entries.object_to(
        db,
        clock,
        actor(world, "company"),
        entry.id,
        STATEMENT,
        terms=objection_rules.Terms(decide=3),
    )
    assert objection.terms == {**objection_rules.Terms().as_dict(), "decide": 3}
    with pytest.raises(PermissionDenied):
        entries.decide_objection(
            db, clock, actor(world, "caseofficer"), objection.id, upheld=False, reasons="x"
        )
    entries.decide_objection(
        db,
        clock,
        actor(world, "caseofficer2"),
        objection.id,
        upheld=False,
        reasons="复议决定维持原处罚决定，认定依据成立。",
    )
    assert (entry.status, entry.removal_reason) == (EntryStatus.PUBLISHED, None)
    assert entries.objection_deadline(db, objection, clock.today()) is None
    # The subject may object again, with new grounds.
    later = entries.object_to(db, clock, actor(world, "company"), entry.id, "新证据")
    assert later.after_publication is True


def test_the_deadline_counts_working_days_and_turns_overdue(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = listed(db, clock, world)
    objection = entries.object_to(db, clock, actor(world, "company"), entry.id, STATEMENT)
    deadline = entries.objection_deadline(db, objection, clock.today())
    assert deadline is not None
    assert deadline.due == working_day_calendar(db).add_working_days(clock.today(), 5).day
    late = entries.objection_deadline(db, objection, deadline.due + dt.timedelta(days=1))
    assert late is not None
    assert late.overdue


def test_the_pages_offer_the_objection_and_show_the_deadline(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id = listed(db, clock, world).id
    log_in(client, "company")
    notices = client.get("/me/notices?lang=en")
    assert "Your objection to this entry" in notices.text
    assert "within 5 working days" in notices.text

    sent = client.post(
        f"/me/notices/{entry_id}/objection?lang=en",
        data={"statement": STATEMENT, "csrf_token": csrf_from(notices.text)},
        follow_redirects=True,
    )

    assert sent.status_code == 200, sent.text
    assert "if it is upheld, the entry is removed from the list" in sent.text
    assert "Your objection to this entry" not in sent.text  # one at a time
    client.post("/logout", data={"csrf_token": csrf_from(sent.text)})
    log_in(client, "objections")
    queue = client.get("/list-objections?lang=en")
    assert "Objection to the published entry" in queue.text
    assert STATEMENT in queue.text
    assert 'data-deadline="' in queue.text


@given(
    kind=st.sampled_from(ListKind),
    status=st.sampled_from(EntryStatus),
    window=st.one_of(st.none(), st.integers(min_value=-30, max_value=30)),
    court=st.booleans(),
)
def test_what_may_be_objected_to(
    kind: ListKind, status: EntryStatus, window: int | None, court: bool
) -> None:
    """A black-list candidacy within its window, a black-list entry on the list: nothing
    else (a red-list candidate takes public comments instead) — and a court judgment
    defaulter's entry is objected to before the court (decision 0027 addendum)."""
    today = dt.date(2026, 11, 27)
    window_ends = None if window is None else today + dt.timedelta(days=window)
    refusal = entries.objection_refusal(kind, status, window_ends, today, court=court)
    if status is EntryStatus.NOTICED:
        in_window = window_ends is not None and today <= window_ends
        assert refusal == (None if in_window else "window_closed")
    elif kind is ListKind.BLACK and status is EntryStatus.PUBLISHED:
        assert refusal == ("object_to_court" if court else None)
    else:
        assert refusal == "not_objectable"


def test_a_red_list_entry_is_not_objected_to_here(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    red = published_entry(db, clock, world, world.subjects["company"], "integrity_model")
    with pytest.raises(InvalidInput) as refused:
        entries.object_to(db, clock, actor(world, "company"), red.id, STATEMENT)
    assert (refused.value.code, refused.value.article) == ("not_objectable", "Art. 25")
    assert RemovalReason.OBJECTION_UPHELD.value == "objection_upheld"


def test_an_objection_stays_in_the_queue_when_the_entry_leaves_the_list_meanwhile(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Removed by hand before the objection is decided: the handler still has it to decide
    (the subject's notice waits for it, Art. 25)."""
    world = lists_world
    entry_id = listed(db, clock, world).id
    objected = client.post(
        OBJECT.format(entry_id), json={"statement": STATEMENT}, headers=headers(client, "company")
    )
    assert objected.status_code == 201, objected.text
    removed_by_two(
        db,
        clock,
        world,
        entry_id,
        reason=RemovalReason.OTHER,
        detail="履行完毕，提前移出",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    db.commit()

    queue = client.get("/api/v1/list-objections", headers=headers(client, "objections"))

    assert [i["entry"]["id"] for i in queue.json()["items"]] == [entry_id]


def test_no_objection_to_an_entry_whose_term_has_ended(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Its term over, though the daily job has not yet ended it: it is no longer on the list."""
    world = lists_world
    entry = listed(db, clock, world)
    entry.term_end = clock.today() - dt.timedelta(days=1)
    db.commit()

    response = client.post(
        OBJECT.format(entry.id), json={"statement": STATEMENT}, headers=headers(client, "company")
    )

    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "not_objectable"


def test_an_objection_upheld_after_the_term_ended_leaves_the_ending_to_the_term(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Objected to while listed, upheld the day after its term ended, before the daily job
    expired it: the entry has left the list by its term. The decision is on its record (and
    the red-list entries the listing ended come back, as for one expired already); its
    ending is the term's, which the daily job then writes — not a removal over it."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR

    world = lists_world
    entry = listed(db, clock, world)
    objection = entries.object_to(db, clock, actor(world, "company"), entry.id, STATEMENT)
    assert entry.term_end is not None
    after_term = FixedClock(
        clock.now() + dt.timedelta(days=(entry.term_end - clock.today()).days + 1)
    )

    entries.decide_objection(
        db, after_term, actor(world, "objections"), objection.id, upheld=True, reasons=UPHELD
    )

    assert objection.upheld is True
    assert (entry.status, entry.ended_at, entry.removal_reason) == (
        EntryStatus.PUBLISHED,
        None,
        None,
    )
    assert [ev.action for ev in entries.history(db, entry.id)][-1] == "objection_upheld"
    assert entries.expire_due(db, after_term, SYSTEM_ACTOR) == 1
    assert (entry.status, entry.removal_reason) == (EntryStatus.EXPIRED, None)


def test_a_nul_in_the_statement_is_refused_beside_the_notice(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id = listed(db, clock, world).id
    log_in(client, "company")
    notices = client.get("/me/notices?lang=en")

    sent = client.post(
        f"/me/notices/{entry_id}/objection?lang=en",
        data={"statement": "异议\x00理由", "csrf_token": csrf_from(notices.text)},
    )

    assert sent.status_code == 422, sent.text
    assert 'data-code="nul_character"' in sent.text
    assert "异议理由" in sent.text
    assert stored(db, entry_id).status is EntryStatus.PUBLISHED


def test_a_csrf_token_in_other_characters_is_refused_not_an_error(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id = listed(db, clock, world).id
    log_in(client, "company")

    sent = client.post(
        f"/me/notices/{entry_id}/objection", data={"statement": STATEMENT, "csrf_token": "é"}
    )

    assert sent.status_code == 403, sent.text


# --- the officers' queue (/lists-queue): the approving officer decides there too ------------

QUEUE_DECIDE = "/lists-queue/objections/{}"


def objected(db: Session, clock: FixedClock, world: World) -> tuple[int, int]:
    """The world's company on the black list (proposed by ``caseofficer``, approved by
    ``caseofficer2``), objecting to it: the entry's and the objection's ids."""
    entry = listed(db, clock, world)
    objection = entries.object_to(db, clock, actor(world, "company"), entry.id, STATEMENT)
    db.commit()
    return entry.id, objection.id


def queue_case(client: TestClient, objection_id: int) -> str | None:
    """The objection's case on the logged-in officer's queue, or None."""
    page = client.get("/lists-queue?lang=en")
    assert page.status_code == 200, page.text
    marker = f'id="objection-{objection_id}"'
    if marker not in page.text:
        return None
    return page.text.split(marker, 1)[1].split("</article>", 1)[0]


def decide_on_queue(
    client: TestClient, objection_id: int, upheld: str, reasons: str, **extra: Any
) -> Any:
    page = client.get("/lists-queue")
    return client.post(
        QUEUE_DECIDE.format(objection_id) + "?lang=en",
        data={"upheld": upheld, "reasons": reasons, "csrf_token": csrf_from(page.text)},
        **extra,
    )


def test_the_queue_lists_the_objections_to_published_entries_its_officer_may_decide(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """By decide_objection's rule: the recognising agency's approving officer, never the
    proposer, nor another agency's officer."""
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    listed_for: dict[str, str | None] = {}
    for who in ("caseofficer2", "caseofficer", "other_caseofficer"):
        log_in(client, who)
        listed_for[who] = queue_case(client, objection_id)

    case = listed_for["caseofficer2"]
    assert case is not None
    assert STATEMENT in case
    assert "Objection to the published entry" in case
    assert stored(db, entry_id).reasons in case
    assert world.subjects["company"].name in case
    assert 'data-deadline="' in case
    assert f'action="{QUEUE_DECIDE.format(objection_id)}"' in case
    assert listed_for["caseofficer"] is None
    assert listed_for["other_caseofficer"] is None


def test_upheld_on_the_queue_the_entry_leaves_the_list(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    log_in(client, "caseofficer2")

    decided = decide_on_queue(client, objection_id, "yes", UPHELD, follow_redirects=False)

    assert (decided.status_code, decided.headers["location"]) == (303, "/lists-queue?done=decided")
    entry = stored(db, entry_id)
    assert (entry.status, entry.removal_reason, entry.removal_detail) == (
        EntryStatus.REMOVED,
        RemovalReason.OBJECTION_UPHELD,
        UPHELD,
    )
    public = client.get("/api/v1/lists/black").json()["items"]
    assert entry_id not in {i["id"] for i in public}
    assert queue_case(client, objection_id) is None


def test_dismissed_on_the_queue_the_entry_stays_on_the_list(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    log_in(client, "caseofficer2")

    decided = decide_on_queue(
        client, objection_id, "no", "复议决定维持原处罚决定。", follow_redirects=False
    )

    assert decided.status_code == 303, decided.text
    assert (stored(db, entry_id).status, stored(db, entry_id).removal_reason) == (
        EntryStatus.PUBLISHED,
        None,
    )
    public = client.get("/api/v1/lists/black").json()["items"]
    assert entry_id in {i["id"] for i in public}


def published_section_ids(client: TestClient) -> list[int]:
    """The objections the logged-in officer's queue lists under "Objections to published
    entries", in their order."""
    page = client.get("/lists-queue?lang=en")
    assert page.status_code == 200, page.text
    section = page.text.split('id="after-publication-title"', 1)[1].split("</section>", 1)[0]
    return [int(found) for found in re.findall(r'id="objection-(\d+)"', section)]


def test_an_approving_officer_finds_through_the_api_what_its_queue_shows(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """GET /api/v1/list-objections gives an officer who approves entries the objections to
    its agency's published entries that it decides — by the query its queue lists them
    with (``entries.published_entry_objections``), so the same set: never one to an entry
    its person proposed, nor another agency's; one whose entry left the list meanwhile
    stays. An objection to a candidacy it reads with the candidacy, not here; the
    objection handler's list has all of them."""
    world = lists_world
    entry_a, objection_a = objected(db, clock, world)
    clock.advance(dt.timedelta(hours=1))
    # Proposed by caseofficer2 this time, so caseofficer decides the objection to it.
    entry_b = published_entry(
        db,
        clock,
        world,
        world.subjects["other_company"],
        proposer="caseofficer2",
        approver="caseofficer",
    )
    world.users["other_company"] = UserFactory(
        username="other_company", role=Role.SUBJECT, subject_id=world.subjects["other_company"].id
    )
    objection_b = entries.object_to(db, clock, actor(world, "other_company"), entry_b.id, "异议")
    removed_by_two(
        db,
        clock,
        world,
        entry_b.id,
        reason=RemovalReason.OTHER,
        detail="履行完毕，提前移出",
        proposer="caseofficer2",
        approver="caseofficer",
    )
    candidacy = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code="serious_fair_competition",
        criteria_met="以欺诈手段严重破坏公平竞争秩序",
        reasons="情节严重",
        evidence="榕市监罚〔2026〕88号",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    on_candidacy = entries.object_to(db, clock, actor(world, "company"), candidacy.id, "未参与")
    db.commit()
    expected = {
        "caseofficer2": [objection_a],
        "caseofficer": [objection_b.id],
        "other_caseofficer": [],
    }

    for who, ids in expected.items():
        listed = client.get("/api/v1/list-objections", headers=headers(client, who))
        assert listed.status_code == 200, listed.text
        assert [i["id"] for i in listed.json()["items"]] == ids, who
        log_in(client, who)
        assert published_section_ids(client) == ids, who

    (item,) = client.get("/api/v1/list-objections", headers=headers(client, "caseofficer2")).json()[
        "items"
    ]
    due = working_day_calendar(db).add_working_days(clock.today(), 5).day
    assert (item["entry"]["id"], item["statement"], item["after_publication"]) == (
        entry_a,
        STATEMENT,
        True,
    )
    assert item["deadline"]["due"] == due.isoformat()
    # What it lists, it decides through the API.
    decided = client.post(
        DECIDE.format(item["id"]),
        json={"upheld": False, "reasons": "复议决定维持原处罚决定。"},
        headers=headers(client, "caseofficer2"),
    )
    assert decided.status_code == 200, decided.text
    assert client.get(
        "/api/v1/list-objections", headers=headers(client, "caseofficer2")
    ).json() == {"items": []}
    # The objection handler's list: the candidacy's too (the credit authority's: every agency's).
    handler = client.get("/api/v1/list-objections", headers=headers(client, "objections"))
    assert [i["id"] for i in handler.json()["items"]] == [objection_b.id, on_candidacy.id]
    # Neither a query officer nor a subject decides objections.
    for who in ("querier", "company"):
        refused = client.get("/api/v1/list-objections", headers=headers(client, who))
        assert refused.status_code == 403, who


def test_the_api_list_is_a_use_of_the_subjects_information_for_the_officer_too(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """As on the queue (decision 0020): audited by the entries it showed."""
    world = lists_world
    entry_id, _objection_id = objected(db, clock, world)

    listed = client.get("/api/v1/list-objections", headers=headers(client, "caseofficer2"))

    assert listed.status_code == 200, listed.text
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "list_entry.read")).all()
    assert [(e.details["view"], e.details["entries"]) for e in reads] == [
        ("objections", [entry_id])
    ]


@pytest.mark.parametrize(
    ("reasons", "code", "kept"),
    [("   ", "required", "   "), ("理由\x00不成立", "nul_character", "理由不成立")],
)
@pytest.mark.parametrize(
    ("who", "page", "action"),
    [
        ("caseofficer2", "/lists-queue", QUEUE_DECIDE),
        ("objections", "/list-objections", "/list-objections/{}"),
    ],
)
def test_a_refused_decision_is_shown_beside_the_objection_with_what_was_typed(
    lists_world: World,
    client: TestClient,
    db: Session,
    clock: FixedClock,
    who: str,
    page: str,
    action: str,
    reasons: str,
    code: str,
    kept: str,
) -> None:
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    log_in(client, who)
    form = client.get(page)

    refused = client.post(
        action.format(objection_id),
        data={"upheld": "yes", "reasons": reasons, "csrf_token": csrf_from(form.text)},
    )

    assert refused.status_code == 422, refused.text
    case = refused.text.split(f'id="objection-{objection_id}"', 1)[1].split("</article>", 1)[0]
    assert f'data-code="{code}"' in case
    assert 'value="yes" required checked' in case
    assert f">{kept}</textarea>" in case
    assert stored(db, entry_id).status is EntryStatus.PUBLISHED


def test_the_objection_stays_on_the_queue_when_the_entry_left_the_list_meanwhile(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    removed_by_two(
        db,
        clock,
        world,
        entry_id,
        reason=RemovalReason.OTHER,
        detail="履行完毕，提前移出",
        proposer="caseofficer",
        approver="caseofficer2",
    )
    db.commit()
    log_in(client, "caseofficer2")

    case = queue_case(client, objection_id)

    assert case is not None
    assert "data-left-list" in case
    decided = decide_on_queue(client, objection_id, "yes", UPHELD, follow_redirects=False)
    assert decided.status_code == 303, decided.text
    # Decided and recorded; the entry stays as it ended.
    assert (stored(db, entry_id).status, stored(db, entry_id).removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.OTHER,
    )


def test_the_queue_showing_an_objection_is_a_use_of_the_subjects_information(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """It shows the entry's evidence to decide on (decision 0020), as the handler's page."""
    world = lists_world
    entry_id, objection_id = objected(db, clock, world)
    log_in(client, "caseofficer2")

    assert queue_case(client, objection_id) is not None

    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "list_entry.read")).all()
    assert [(e.details["view"], e.details["entries"]) for e in reads] == [
        ("objections", [entry_id])
    ]
