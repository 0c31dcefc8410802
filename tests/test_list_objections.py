"""Who decides an objection to a list candidacy, and what the subject sees of it (Art. 25,
rules.md "separate duties"): never the entry's proposer — another officer of the
recognising agency, or an objection handler (of that agency, or of the credit authority,
which decides objections to every agency's entries); the handler's page and API; one
undecided objection at a time from the subject; the decision, its date and reasons on the
subject's notices and, kept as decided, on the officers' queue."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import UserFactory, World
from tests.lists_helpers import (
    actor,
    basis_record,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    old_warning,
    red_candidate,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.clock import CHINA, FixedClock
from xinyong.errors import Conflict, PermissionDenied
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListObjection
from xinyong.web.i18n import translations

OBJECTION = "处罚决定已于期限内履行完毕，附缴款凭证。"
DISMISSAL = "缴款凭证所载金额与处罚决定不符，罚款尚未足额缴纳。"
DECIDE = "/api/v1/list-objections/{}/decide"


@pytest.fixture
def handlers(lists_world: World, db: Session) -> World:
    """Objection handlers besides the world's ``objections`` (the credit authority's): one
    at the market regulator, which recognises the entries here, and one at another agency."""
    world = lists_world
    world.users["regulator_objections"] = UserFactory(
        username="regulator_objections",
        role=Role.OBJECTION_HANDLER,
        organisation=world.organisations["regulator"],
    )
    world.users["other_objections"] = UserFactory(
        username="other_objections",
        role=Role.OBJECTION_HANDLER,
        organisation=world.organisations["other_agency"],
    )
    db.commit()
    return world


def noticed(
    db: Session, clock: FixedClock, world: World, proposer: str = "caseofficer"
) -> ListEntry:
    """The world's company proposed for the black list today: noticed, window open."""
    std = entries.standard(db, "dishonest_subject")
    entry = entries.propose(
        db,
        clock,
        actor(world, proposer),
        subject=world.subjects["company"],
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="逾期六个月未缴纳罚款人民币五万元",
        evidence="榕市监罚〔2026〕88号行政处罚决定书",
        # Not a bad record for the red-list standard: the company stands for it too.
        basis_record_ids=[
            basis_record(db, clock, world, world.subjects["company"], **old_warning(clock)).id
        ],
    )
    db.flush()
    return entry


def objected(db: Session, clock: FixedClock, world: World) -> tuple[ListEntry, ListObjection]:
    entry = noticed(db, clock, world)
    objection = entries.object_to(db, clock, actor(world, "company"), entry.id, OBJECTION)
    db.flush()
    return entry, objection


def error_of(response: Any) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["article"]


# --- the service ---------------------------------------------------------------------------------


def test_the_proposer_does_not_decide_the_objection_to_their_proposal(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    _, objection = objected(db, clock, world)
    with pytest.raises(PermissionDenied) as refused:
        entries.decide_objection(
            db, clock, actor(world, "caseofficer"), objection.id, upheld=False, reasons=DISMISSAL
        )
    assert (refused.value.code, refused.value.article) == ("own_proposal", "Art. 25")
    assert objection.decided_at is None
    # A second officer of the agency decides it.
    entries.decide_objection(
        db, clock, actor(world, "caseofficer2"), objection.id, upheld=False, reasons=DISMISSAL
    )
    assert (objection.upheld, objection.decided_by) == (
        False,
        actor(world, "caseofficer2").audit().id,
    )


def test_the_proposer_does_not_decide_a_public_comment_on_their_red_candidate(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = red_candidate(db, clock, world)  # proposed by caseofficer2
    comment = entries.comment_on(db, clock, ANONYMOUS_ACTOR, entry.id, "不宜列为诚信典型")
    with pytest.raises(PermissionDenied) as refused:
        entries.decide_objection(
            db, clock, actor(world, "caseofficer2"), comment.id, upheld=True, reasons="属实"
        )
    assert refused.value.code == "own_proposal"
    entries.decide_objection(
        db, clock, actor(world, "caseofficer"), comment.id, upheld=True, reasons="经核实属实"
    )
    assert entry.status is EntryStatus.REJECTED


def test_objection_handlers_of_the_agency_and_of_the_credit_authority_decide(
    handlers: World, db: Session, clock: FixedClock
) -> None:
    world = handlers
    entry, first = objected(db, clock, world)
    # A handler of an agency that did not recognise the entry is refused.
    with pytest.raises(PermissionDenied) as refused:
        entries.decide_objection(
            db, clock, actor(world, "other_objections"), first.id, upheld=False, reasons="x"
        )
    assert refused.value.code == "other_organisation"
    # The recognising agency's handler decides ...
    entries.decide_objection(
        db, clock, actor(world, "regulator_objections"), first.id, upheld=False, reasons=DISMISSAL
    )
    # ... and the credit authority's decides the subject's next objection to the same entry.
    second = entries.object_to(db, clock, actor(world, "company"), entry.id, "补充缴款凭证")
    entries.decide_objection(
        db, clock, actor(world, "objections"), second.id, upheld=True, reasons="补缴凭证属实"
    )
    assert entry.status is EntryStatus.REJECTED
    # Deciding is all a handler does on a list entry: it neither approves nor proposes.
    other = red_candidate(db, clock, world)
    for step in (
        lambda who: entries.approve(db, clock, who, other.id, reasons="符合"),
        lambda who: entries.reject(db, clock, who, other.id, reasons="不符合"),
    ):
        with pytest.raises(PermissionDenied) as denied:
            step(actor(world, "objections"))
        assert denied.value.code == "permission_denied"


def test_the_handler_lists_what_it_may_decide(
    handlers: World, db: Session, clock: FixedClock
) -> None:
    world = handlers
    entry, objection = objected(db, clock, world)
    comment = entries.comment_on(
        db, clock, ANONYMOUS_ACTOR, red_candidate(db, clock, world).id, "请核实", contact="138"
    )
    for who in ("objections", "regulator_objections"):
        cases = entries.objection_cases(db, actor(world, who))
        assert [c.objection.id for c in cases] == [objection.id, comment.id]
        assert cases[0].entry.legal_basis == entry.legal_basis
        assert cases[0].subject.id == world.subjects["company"].id
        assert cases[1].contact == "138"
    assert entries.objection_cases(db, actor(world, "other_objections")) == []
    with pytest.raises(PermissionDenied):
        entries.objection_cases(db, actor(world, "caseofficer"))
    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=False, reasons=DISMISSAL
    )
    handler = actor(world, "regulator_objections")
    assert [c.objection.id for c in entries.objection_cases(db, handler)] == [comment.id]
    decided = entries.objection_cases(db, handler, decided=True)
    assert [(c.objection.id, c.objection.decision_reasons) for c in decided] == [
        (objection.id, DISMISSAL)
    ]


def test_the_pending_objection_is_named_by_its_day_in_fuzhou(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    # 07:00 on the 28th in Fuzhou is still the 27th in UTC.
    clock.set(dt.datetime(2026, 11, 28, 7, 0, tzinfo=CHINA))
    entry, _ = objected(db, clock, lists_world)
    with pytest.raises(Conflict) as refused:
        entries.object_to(db, clock, actor(lists_world, "company"), entry.id, "再次提出异议")
    assert "your objection of 2026-11-28 " in refused.value.message


def test_one_undecided_objection_at_a_time(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry, objection = objected(db, clock, world)
    with pytest.raises(Conflict) as refused:
        entries.object_to(db, clock, actor(world, "company"), entry.id, "再次提出异议")
    assert (refused.value.code, refused.value.article) == ("objection_pending", "Art. 25")
    assert len(entries.objections(db, entry.id)) == 1
    # Once it is decided, the subject may object again within the window.
    entries.decide_objection(
        db, clock, actor(world, "caseofficer2"), objection.id, upheld=False, reasons=DISMISSAL
    )
    entries.object_to(db, clock, actor(world, "company"), entry.id, "补充材料")
    assert len(entries.objections(db, entry.id)) == 2


# --- the API -------------------------------------------------------------------------------------


def test_the_api_refuses_the_proposer_and_takes_the_handlers_decision(
    handlers: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = handlers
    entry, objection = objected(db, clock, world)
    db.commit()
    body = {"upheld": False, "reasons": DISMISSAL}
    proposer = client.post(
        DECIDE.format(objection.id), json=body, headers=headers(client, "caseofficer")
    )
    assert error_of(proposer) == (403, "own_proposal", "Art. 25")
    listed = client.get("/api/v1/list-objections", headers=headers(client, "objections"))
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert (item["id"], item["source"], item["statement"]) == (objection.id, "subject", OBJECTION)
    assert item["entry"]["legal_basis"] == entry.legal_basis
    assert item["entry"]["reasons"] == entry.reasons
    decided = client.post(
        DECIDE.format(objection.id), json=body, headers=headers(client, "objections")
    )
    assert decided.status_code == 200, decided.text
    assert (decided.json()["upheld"], decided.json()["reasons"]) == (False, DISMISSAL)
    again = client.post(
        DECIDE.format(objection.id), json=body, headers=headers(client, "caseofficer2")
    )
    assert error_of(again)[:2] == (409, "decided")
    # The subject sees the decision, when and why.
    notices = client.get("/api/v1/me/notices", headers=headers(client, "company")).json()
    (mine,) = [e for e in notices["list_entries"] if e["id"] == entry.id]
    (decision,) = mine["objections"]
    assert (decision["upheld"], decision["decision_reasons"]) == (False, DISMISSAL)
    assert decision["decided_at"] is not None
    assert client.get("/api/v1/list-objections", headers=headers(client, "objections")).json() == {
        "items": []
    }


def test_the_api_refuses_a_second_objection_while_the_first_is_undecided(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry = noticed(db, clock, lists_world)
    db.commit()
    subject = headers(client, "company")
    url = f"/api/v1/me/list-entries/{entry.id}/objection"
    assert client.post(url, json={"statement": OBJECTION}, headers=subject).status_code == 201
    second = client.post(url, json={"statement": "再次提出"}, headers=subject)
    assert error_of(second) == (409, "objection_pending", "Art. 25")
    stored = db.scalars(select(ListObjection).where(ListObjection.entry_id == entry.id)).all()
    assert len(stored) == 1


def test_an_objection_handler_reads_the_entry_in_full(
    handlers: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    entry, _ = objected(db, clock, handlers)
    db.commit()
    for who, status in (("objections", 200), ("regulator_objections", 200)):
        response = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, who))
        assert response.status_code == status, response.text
        assert response.json()["evidence"] == entry.evidence
    other = client.get(
        f"/api/v1/list-entries/{entry.id}", headers=headers(client, "other_objections")
    )
    assert other.status_code == 403


# --- the pages -----------------------------------------------------------------------------------


def article_of(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</article>", start)]


def test_the_queue_shows_the_proposer_the_objection_without_a_decision_form(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    entry, objection = objected(db, clock, world)
    db.commit()
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue")
    mine = article_of(queue.text, f"entry-{entry.id}")
    assert OBJECTION in mine
    assert f'action="/lists-queue/objections/{objection.id}"' not in mine
    # A stale or forged form is refused all the same, on the queue.
    refused = client.post(
        f"/lists-queue/objections/{objection.id}",
        data={"upheld": "no", "reasons": DISMISSAL, "csrf_token": csrf_from(queue.text)},
    )
    assert refused.status_code == 403
    # The refusal is at the objection, with the decision and reasons typed kept.
    mine = article_of(refused.text, f"entry-{entry.id}")
    assert 'data-code="own_proposal"' in mine
    kept = mine[mine.index("data-kept-reasons") :]
    assert DISMISSAL in kept
    assert translations("zh_Hans").gettext("Dismiss") in kept
    client.cookies.clear()
    # The second officer decides from the queue; the objection stays, as decided.
    log_in(client, "caseofficer2")
    queue = client.get("/lists-queue")
    assert f'action="/lists-queue/objections/{objection.id}"' in queue.text
    decided = client.post(
        f"/lists-queue/objections/{objection.id}",
        data={"upheld": "no", "reasons": DISMISSAL, "csrf_token": csrf_from(queue.text)},
        follow_redirects=True,
    )
    assert decided.status_code == 200
    mine = article_of(decided.text, f"entry-{entry.id}")
    assert OBJECTION in mine
    assert DISMISSAL in mine
    assert f'action="/lists-queue/objections/{objection.id}"' not in mine


def test_a_refused_decision_on_the_queue_keeps_what_the_officer_typed(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The queue keeps the decision and the reasons of a refused decision, as the
    handler's page does: in the form while the objection waits, beneath the refusal once
    it has been decided by someone else meanwhile."""
    world = lists_world
    entry, objection = objected(db, clock, world)
    db.commit()
    log_in(client, "caseofficer2")
    queue = client.get("/lists-queue")
    token = csrf_from(queue.text)
    blank = client.post(
        f"/lists-queue/objections/{objection.id}",
        data={"upheld": "yes", "reasons": " ", "csrf_token": token},
    )
    assert blank.status_code == 422
    mine = article_of(blank.text, f"entry-{entry.id}")
    assert 'data-code="required"' in mine
    assert 'name="upheld" value="yes" required checked' in mine
    assert "data-kept-reasons" not in mine  # the form keeps them
    # The objection handler decides it meanwhile; the officer's decision is then refused.
    entries.decide_objection(
        db, clock, actor(world, "objections"), objection.id, upheld=False, reasons="另案处理"
    )
    db.commit()
    late = client.post(
        f"/lists-queue/objections/{objection.id}",
        data={"upheld": "no", "reasons": DISMISSAL, "csrf_token": token},
    )
    assert late.status_code == 409
    mine = article_of(late.text, f"entry-{entry.id}")
    assert 'data-code="decided"' in mine
    assert DISMISSAL in mine[mine.index("data-kept-reasons") :]
    assert 'role="alert"' not in late.text[: late.text.index(f'id="entry-{entry.id}"')]


def test_the_handlers_page_keeps_the_reasons_of_a_decision_refused_elsewhere(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """An objection no longer on the handler's page (decided meanwhile) is refused at the
    top of the page, the reasons typed kept beneath the refusal."""
    world = lists_world
    _, objection = objected(db, clock, world)
    db.commit()
    log_in(client, "objections")
    token = csrf_from(client.get("/list-objections").text)
    entries.decide_objection(
        db, clock, actor(world, "caseofficer2"), objection.id, upheld=False, reasons="另案处理"
    )
    db.commit()
    late = client.post(
        f"/list-objections/{objection.id}",
        data={"upheld": "yes", "reasons": DISMISSAL, "csrf_token": token},
    )
    assert late.status_code == 409
    assert 'data-code="decided"' in late.text
    assert DISMISSAL in late.text[late.text.index("data-kept-reasons") :]


def test_the_handler_decides_on_its_page(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    entry, objection = objected(db, clock, world)
    db.commit()
    log_in(client, "objections")
    home = client.get("/")
    assert 'href="/list-objections"' in home.text
    page = client.get("/list-objections")
    assert page.status_code == 200
    case = article_of(page.text, f"objection-{objection.id}")
    for shown in (OBJECTION, entry.legal_basis, entry.reasons, entry.criteria_met):
        assert shown in case
    token = csrf_from(page.text)
    blank = client.post(
        f"/list-objections/{objection.id}",
        data={"upheld": "yes", "reasons": " ", "csrf_token": token},
    )
    assert blank.status_code == 422
    assert 'data-code="required"' in article_of(blank.text, f"objection-{objection.id}")
    sent = client.post(
        f"/list-objections/{objection.id}",
        data={"upheld": "yes", "reasons": "处罚决定已履行，不符合认定条件。", "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    after = client.get(sent.headers["location"])
    assert 'role="status"' in after.text
    assert f'id="objection-{objection.id}"' not in after.text
    assert "处罚决定已履行，不符合认定条件。" in article_of(after.text, f"decided-{objection.id}")
    db.expire_all()
    assert db.get(ListEntry, entry.id).status is EntryStatus.REJECTED  # type: ignore[union-attr]


def test_the_subject_is_told_its_objection_was_received_then_decided(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    entry = noticed(db, clock, world)
    db.commit()
    log_in(client, "company")
    page = client.get("/me/notices")
    assert f'action="/me/notices/{entry.id}/objection"' in page.text
    # The notice names the agency that recognised the entry and decides the objection.
    agency = world.organisations["regulator"].name
    assert f"<dd data-agency>{agency}</dd>" in article_of(page.text, f"entry-{entry.id}")
    token = csrf_from(page.text)
    sent = client.post(
        f"/me/notices/{entry.id}/objection",
        data={"statement": OBJECTION, "csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    received = client.get(sent.headers["location"])
    notice = article_of(received.text, f"entry-{entry.id}")
    assert 'role="status"' in notice
    assert OBJECTION in notice
    # No second form while the first objection waits; a stale one is refused and said so.
    assert f'action="/me/notices/{entry.id}/objection"' not in notice
    again = client.post(
        f"/me/notices/{entry.id}/objection", data={"statement": "再次提出", "csrf_token": token}
    )
    assert again.status_code == 409
    pending = article_of(again.text, f"entry-{entry.id}")
    assert 'data-code="objection_pending"' in pending
    # In the page's language, with the date of the pending objection.
    assert re.search(r"您于 \d{4}-\d{2}-\d{2} 对此告知提出的异议尚未决定", pending)
    assert "error-detail" not in pending
    assert len(entries.objections(db, entry.id)) == 1
    (objection,) = entries.objections(db, entry.id)
    entries.decide_objection(
        db,
        earlier(clock, -1),
        actor(world, "caseofficer2"),
        objection.id,
        upheld=False,
        reasons=DISMISSAL,
    )
    db.commit()
    decided = article_of(client.get("/me/notices").text, f"entry-{entry.id}")
    assert DISMISSAL in decided
    assert str(earlier(clock, -1).today()) in decided
    # Decided, and the window still open: the subject may object again.
    assert f'action="/me/notices/{entry.id}/objection"' in decided


def test_only_objection_handlers_use_the_handlers_page(
    handlers: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    _, objection = objected(db, clock, handlers)
    db.commit()
    log_in(client, "caseofficer2")
    assert client.get("/list-objections").status_code == 403
    token = csrf_from(client.get("/lists-queue").text)
    refused = client.post(
        f"/list-objections/{objection.id}",
        data={"upheld": "no", "reasons": DISMISSAL, "csrf_token": token},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    log_in(client, "other_objections")
    page = client.get("/list-objections")
    assert page.status_code == 200
    assert OBJECTION not in page.text
    token = csrf_from(page.text)
    other = client.post(
        f"/list-objections/{objection.id}",
        data={"upheld": "no", "reasons": DISMISSAL, "csrf_token": token},
    )
    assert other.status_code == 403
    assert 'data-code="other_organisation"' in other.text
    db.expire_all()
    assert db.get(ListObjection, objection.id).decided_at is None  # type: ignore[union-attr]


def test_an_officer_of_another_agency_neither_decides(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    _, objection = objected(db, clock, lists_world)
    with pytest.raises(PermissionDenied) as refused:
        entries.decide_objection(
            db,
            clock,
            actor(lists_world, "other_caseofficer"),
            objection.id,
            upheld=False,
            reasons=DISMISSAL,
        )
    assert refused.value.code == "other_organisation"


def test_a_credit_authority_case_officer_does_not_decide_other_agencies_objections(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Only the credit authority's objection handlers reach across agencies; a case officer
    there is an officer of the credit authority's own recognitions."""
    world = lists_world
    world.users["authority_caseofficer"] = UserFactory(
        username="authority_caseofficer",
        role=Role.CASE_OFFICER,
        organisation=world.organisations["authority"],
    )
    _, objection = objected(db, clock, world)
    with pytest.raises(PermissionDenied) as refused:
        entries.decide_objection(
            db,
            clock,
            actor(world, "authority_caseofficer"),
            objection.id,
            upheld=False,
            reasons=DISMISSAL,
        )
    assert refused.value.code == "other_organisation"


def test_the_queue_offers_the_proposer_only_to_withdraw_their_proposal(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = lists_world
    entry = noticed(db, clock, world)
    db.commit()
    log_in(client, "caseofficer")
    mine = article_of(client.get("/lists-queue").text, f"entry-{entry.id}")
    assert 'value="approve"' not in mine  # entries.approve refuses the proposer (self_approval)
    assert 'value="reject"' in mine
    client.cookies.clear()
    log_in(client, "caseofficer2")
    theirs = article_of(client.get("/lists-queue").text, f"entry-{entry.id}")
    assert 'value="approve"' in theirs


def test_an_upheld_objection_keeps_the_ending_of_a_candidacy_rejected_meanwhile(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The approver rejected the candidacy while the subject's objection waited: upholding
    the objection afterwards puts the decision on the record, and leaves the candidacy
    ended as and when the approver ended it — not a second ending over the first."""
    world = lists_world
    entry, objection = objected(db, clock, world)
    entries.reject(db, clock, actor(world, "caseofficer2"), entry.id, reasons="证据不足")
    ended_at, detail = entry.ended_at, entry.removal_detail
    later = FixedClock(clock.now() + dt.timedelta(days=1))

    entries.decide_objection(
        db, later, actor(world, "caseofficer2"), objection.id, upheld=True, reasons=OBJECTION
    )

    assert objection.upheld is True
    assert (entry.status, entry.ended_at, entry.removal_detail) == (
        EntryStatus.REJECTED,
        ended_at,
        detail,
    )
    assert entry.removal_reason is None
    assert [ev.action for ev in entries.history(db, entry.id)][-2:] == [
        "rejected",
        "objection_upheld",
    ]
