"""The removal proposal pages (decision 0042): the entry's "propose removal" form on
``/lists-queue``, the pending proposal shown in its place, the ``/list-removals`` queue with
its forms, a refused step shown beside the proposal in Chinese, and the subject's notices
saying why the entry left (Art. 24)."""

# ruff: noqa: F811

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.lists import removal_proposals
from xinyong.lists.models import EntryStatus, ListEntry, RemovalProposalStatus, RemovalReason


def test_propose_on_the_queue_refused_to_the_proposer_approved_by_another(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry_id = published_entry(db, clock, world, world.subjects["company"]).id
    db.commit()
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue", headers=HTML)
    assert f'id="published-{entry_id}"' in queue.text
    assert "提议移出" in queue.text
    proposed = client.post(
        f"/lists-queue/{entry_id}/remove",
        data={
            "reason": "exit_conditions_met",
            "detail": "罚款已缴清",
            "csrf_token": csrf_from(queue.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert proposed.status_code == 303, proposed.text
    shown = client.get("/lists-queue?done=removal_proposed", headers=HTML).text
    assert "已提议移出" in shown
    assert "data-removal-proposal=" in shown
    proposal = removal_proposals.open_proposal(db, entry_id)
    assert proposal is not None
    # A second proposal while one is open is refused beside the entry, in Chinese.
    again = client.post(
        f"/lists-queue/{entry_id}/remove",
        data={"reason": "other", "detail": "x", "csrf_token": csrf_from(shown)},
        headers=HTML,
    )
    assert again.status_code == 409
    assert 'data-code="duplicate"' in again.text
    assert "已有移出该名单条目的提议" in again.text

    # The proposer's own queue offers no decision; forcing one is refused, in Chinese.
    page = client.get("/list-removals", headers=HTML)
    assert page.status_code == 200
    assert f'id="removal-{proposal.id}"' not in page.text
    assert 'data-status="open"' in page.text
    own = client.post(
        f"/list-removals/{proposal.id}/decide",
        data={"decision": "approve", "reasons": "同意", "csrf_token": csrf_from(page.text)},
        headers=HTML,
    )
    assert own.status_code == 403
    assert 'data-code="own_proposal"' in own.text
    assert "提议移出的工作人员不得对本人的提议作出决定" in own.text

    log_in(client, "caseofficer2")
    page = client.get("/list-removals", headers=HTML)
    assert f'id="removal-{proposal.id}"' in page.text
    assert "移出名单提议" in page.text
    decided = client.post(
        f"/list-removals/{proposal.id}/decide",
        data={"decision": "approve", "reasons": "核实无误", "csrf_token": csrf_from(page.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert decided.status_code == 303, decided.text
    db.expire_all()
    entry = db.get(ListEntry, entry_id)
    assert entry is not None
    assert entry.status is EntryStatus.REMOVED
    stored = removal_proposals.get(db, proposal.id)
    assert stored.status is RemovalProposalStatus.APPROVED

    # The subject reads why its entry left the list (Art. 24).
    log_in(client, "company")
    notices = client.get("/me/notices", headers=HTML).text
    assert 'data-removal-reason="exit_conditions_met"' in notices
    assert "罚款已缴清" in notices


def test_the_removal_queue_shows_a_persons_entry_and_says_so_in_the_persons_log(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Review r8 (session 22): the queue names the listed subject in full — a natural
    person's name too, which the public lists mask — so each view of it, on the page and
    on the API, is in the subject's access log as the officers' queue of entries is."""
    world = lists_world
    person = world.subjects["person"]
    entry_id = published_entry(db, clock, world, person).id
    removal_proposals.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        entry_id,
        reason=RemovalReason.OTHER,
        detail="已履行",
    )
    db.commit()

    def logged() -> list[tuple[str, str, str | None]]:
        return [
            (event.what, event.legal_path.value if event.legal_path else "", event.purpose)
            for event in db.scalars(
                select(AccessEvent)
                .where(AccessEvent.subject_id == person.id, AccessEvent.what == access.LIST_ENTRY)
                .order_by(AccessEvent.id)
            )
        ]

    before = logged()
    log_in(client, "caseofficer2")
    page = client.get("/list-removals", headers=HTML)
    assert page.status_code == 200
    assert person.name in page.text
    shown = (access.LIST_ENTRY, "official_duty", access.LIST_WORK_PURPOSE)
    assert logged() == [*before, shown]
    answer = client.get("/api/v1/list-removals", headers=headers(client, "caseofficer2"))
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"][0]["subject"]["name"] == person.name
    assert logged() == [*before, shown, shown]
