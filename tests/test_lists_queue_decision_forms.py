"""Deciding a list proposal from the officers' queue (Art. 15 ¶2): approval is not offered
while the comment or objection window runs, nor while an objection or comment on it is
undecided (Art. 25; the page says until when or why; the service still refuses it), and what the officer typed and chose is never lost to a refusal — beside the
entry's form, or kept beneath the refusal once the entry has left the queue."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    proposal_clock,
    published_entry,
    red_candidate,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.lists.models import ListEntry

REASONS = "审核理由ABC：经核实符合诚信典型认定标准"


def _entry_block(html: str, entry: ListEntry) -> str:
    start = html.index(f'id="entry-{entry.id}"')
    return html[start : html.index("</article>", start)]


def _decide(client: TestClient, entry: ListEntry, token: str, decision: str, reasons: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/lists-queue/{entry.id}/decide",
        data={"decision": decision, "reasons": reasons, "csrf_token": token},
        headers=HTML,
    )


def test_approval_is_not_offered_while_the_comment_period_runs(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry = red_candidate(db, clock, lists_world)
    db.commit()
    assert entry.window_ends is not None
    assert entry.window_ends >= clock.today()
    log_in(client, "caseofficer")
    page = client.get("/lists-queue", headers=HTML)
    block = _entry_block(page.text, entry)
    assert re.search(r'name="decision" value="approve" disabled', block)
    assert f'data-window-ends="{entry.window_ends}"' in block
    assert str(entry.window_ends) in block
    assert re.search(r'name="decision" value="reject" required', block)

    # The service stays the authority: an approval sent anyway (a page loaded earlier, a
    # crafted request) is refused, with the reasons kept beside the still-closed option.
    refused = _decide(client, entry, csrf_from(page.text), "approve", REASONS)
    assert refused.status_code == 422
    block = _entry_block(refused.text, entry)
    assert 'data-code="window_open"' in block
    assert f">{REASONS}</textarea>" in block
    assert re.search(r'name="decision" value="approve" disabled', block)


def test_approval_is_not_offered_while_a_comment_is_undecided(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """The window has ended, but a public comment is still undecided (Art. 25): approval
    is not offered, the page says why, and one sent anyway is refused beside the entry
    with the reasons as typed. Once the comment is decided, approval is offered again."""
    world = lists_world
    std = entries.standard(db, "integrity_model")
    entry = red_candidate(db, proposal_clock(db, clock, std.comment_days), world)
    when = proposal_clock(db, clock, std.comment_days)
    comment = entries.comment_on(db, when, ANONYMOUS_ACTOR, entry.id, "该企业存在欠薪问题")
    db.commit()
    log_in(client, "caseofficer")
    page = client.get("/lists-queue", headers=HTML)
    block = _entry_block(page.text, entry)
    assert re.search(r'name="decision" value="approve" disabled', block)
    assert 'class="hint objection-pending"' in block
    assert "第二十五条" in block
    assert re.search(r'name="decision" value="reject" required', block)

    refused = _decide(client, entry, csrf_from(page.text), "approve", REASONS)
    assert refused.status_code == 422
    block = _entry_block(refused.text, entry)
    assert 'data-code="objection_pending"' in block
    assert f">{REASONS}</textarea>" in block
    assert re.search(r'name="decision" value="approve" disabled', block)
    # Kept only in its own entry's form: not in the proposal form the page shows too.
    assert refused.text.count(REASONS) == 1

    entries.decide_objection(
        db, clock, actor(world, "caseofficer"), comment.id, upheld=False, reasons="经核实不属实"
    )
    db.commit()
    block = _entry_block(client.get("/lists-queue", headers=HTML).text, entry)
    assert re.search(r'name="decision" value="approve" required', block)
    assert "objection-pending" not in block


def test_a_decision_on_an_entry_decided_meanwhile_keeps_what_was_typed(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    std = entries.standard(db, "integrity_model")
    entry = red_candidate(db, proposal_clock(db, clock, std.comment_days), world)
    db.commit()
    log_in(client, "caseofficer")
    token = csrf_from(client.get("/lists-queue", headers=HTML).text)
    # Meanwhile the proposer withdraws it by rejecting it.
    entries.reject(db, clock, actor(world, "caseofficer2"), entry.id, reasons="撤回提议")
    db.commit()
    late = _decide(client, entry, token, "approve", REASONS)
    assert late.status_code == 409
    assert 'data-code="wrong_state"' in late.text
    kept = late.text[late.text.index("data-kept-reasons") :]
    assert REASONS in kept
    assert "<strong>批准并公布</strong>" in kept


def test_a_refused_removal_proposal_keeps_its_details(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    log_in(client, "caseofficer")
    page = client.get("/lists-queue", headers=HTML)
    # Credit repair removes an entry through its own procedure, not by hand.
    refused = client.post(
        f"/lists-queue/{entry.id}/remove",
        data={
            "reason": "repaired",
            "detail": "详情ABC：已完成信用修复",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
    )
    assert refused.status_code == 422
    start = refused.text.index(f'id="published-{entry.id}"')
    block = refused.text[start : refused.text.index("</article>", start)]
    assert 'data-code="reason_of_another_procedure"' in block
    assert ">详情ABC：已完成信用修复</textarea>" in block
