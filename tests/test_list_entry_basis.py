"""A list entry rests on named credit records and leaves the list with them (decision 0043):
the proposal names them (checked: the subject's, in force, of the list's polarity, public or
the proposer's own organisation's); a repair or a revocation of one removes a published
entry and ends a candidacy, naming the record; undone, the entry comes back while its term
runs and every record it rests on stands again. Reads show the records, the public only
those the public file shows."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import grant, ingest, source_columns, subject_row
from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    old_warning,
    on_record_since,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.repair_helpers import apply, old_decision
from tests.test_pages_disclosure import log_in, token
from xinyong.accounts import service as accounts
from xinyong.clock import FixedClock
from xinyong.collection import revocation
from xinyong.collection.models import CreditRecord
from xinyong.errors import Conflict, InvalidInput
from xinyong.lists import entries, removal_proposals
from xinyong.lists.models import (
    EntryStatus,
    ListEntry,
    ListEntryBasisRecord,
    ListEntryEvent,
    RemovalProposalStatus,
    RemovalReason,
)
from xinyong.lists.publicity import mask_name
from xinyong.repair import rules
from xinyong.repair import service as repair
from xinyong.subjects.models import Subject
from xinyong.web.i18n import translations
from xinyong.web.labels import entry_event_detail, removal_detail

ENTRIES = "/api/v1/list-entries"


def _revoke(db: Session, world: World, clock: FixedClock, record_id: int, number: str) -> None:
    revocation.revoke(
        db,
        clock,
        actor(world, "reporter"),
        record_id,
        ground="reconsideration",
        document_number=number,
        reason="原处罚决定经行政复议被撤销",
    )


def _reinstate(db: Session, world: World, clock: FixedClock, record_id: int) -> None:
    revocation.reinstate(
        db,
        clock,
        actor(world, "reporter"),
        record_id,
        ground="revocation_set_aside",
        document_number="榕行复〔2026〕9号",
        reason="撤销决定已被撤销",
    )


def _events(db: Session, entry: ListEntry) -> list[tuple[str, str]]:
    return [
        (e.action, e.detail)
        for e in db.scalars(
            select(ListEntryEvent)
            .where(ListEntryEvent.entry_id == entry.id)
            .order_by(ListEntryEvent.id)
        )
    ]


def _propose(
    db: Session, clock: FixedClock, world: World, ids: list[int], *, who: str = "caseofficer"
) -> ListEntry:
    return entries.propose(
        db,
        clock,
        actor(world, who),
        subject=world.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="因违法行为受到较重行政处罚",
        reasons="拒不履行行政处罚决定",
        evidence="行政处罚决定书",
        basis_record_ids=ids,
    )


def _reward(db: Session, clock: FixedClock, world: World, subject: Subject) -> int:
    """An administrative reward (行政奖励, a positive public record) by the regulator."""
    regulator = world.organisations["regulator"]
    grant(db, clock, regulator, "administrative_reward")
    report = ingest(
        db,
        clock,
        regulator,
        [
            {
                **subject_row(subject.name, uscc=subject.uscc or ""),
                "decision_number": "榕市监奖〔2026〕1号",
                "reward_name": "守合同重信用企业",
                "decision_date": (clock.today() - dt.timedelta(days=2)).isoformat(),
                **source_columns(regulator),
            }
        ],
        record_type="administrative_reward",
    )
    assert report.batch.created == 1, report.problems
    found = db.scalar(
        select(CreditRecord.id).where(
            CreditRecord.natural_key == f"{subject.id}|榕市监奖〔2026〕1号"
        )
    )
    assert found is not None
    return found


# --- the entry leaves with its basis ---------------------------------------------------------


def test_a_revoked_basis_record_removes_the_entry_and_its_reinstatement_restores_it(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company)
    entry = published_entry(db, clock, world, company, basis=[record.id])
    assert entry.status is EntryStatus.PUBLISHED

    _revoke(db, world, clock, record.id, "榕行复〔2026〕3号")

    assert (entry.status, entry.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.RECORD_REVOKED,
    )
    # The record is named in the removal detail the subject reads, and in the history.
    assert entry.removal_detail is not None
    assert record.natural_key.split("|")[1] in entry.removal_detail
    assert f"（记录 {record.id}）" in entry.removal_detail
    action, detail = _events(db, entry)[-1]
    assert action == "removed"
    assert "榕行复〔2026〕3号" in detail
    assert f"（记录 {record.id}）" in detail
    shown = removal_detail(entry.removal_detail, translations("zh_Hans").gettext)
    assert "所依据的信用记录" in shown
    assert entries.published(db, entry.kind, today=clock.today()) == []

    _reinstate(db, world, clock, record.id)

    assert (entry.status, entry.removal_reason, entry.removal_detail) == (
        EntryStatus.PUBLISHED,
        None,
        None,
    )
    assert _events(db, entry)[-1][0] == "restored"


def test_a_reinstatement_after_the_term_leaves_the_entry_off_the_list(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company)
    entry = published_entry(db, clock, world, company, basis=[record.id])
    _revoke(db, world, clock, record.id, "榕行复〔2026〕4号")
    assert entry.term_end is not None
    clock.advance(entry.term_end - clock.today() + dt.timedelta(days=1))

    _reinstate(db, world, clock, record.id)

    assert (entry.status, entry.removal_reason) == (
        EntryStatus.REMOVED,
        RemovalReason.RECORD_REVOKED,
    )


def test_a_repaired_basis_record_removes_the_entry_and_fraud_restores_it(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company, decision_date=old_decision(clock))
    entry = published_entry(db, clock, world, company, basis=[record.id])
    case = apply(db, clock, world, record.id, terms=rules.Terms(fraud_exclusion_months=0))
    handler = accounts.actor_for_user(world.users["objections"])
    repair.feedback(db, clock, handler, case.id, accept=True, reasons="")
    source = actor(world, "caseofficer")

    repair.decide(db, clock, source, case.id, approve=True, reasons="整改到位")

    assert (entry.status, entry.removal_reason) == (EntryStatus.REMOVED, RemovalReason.REPAIRED)
    assert entry.removal_detail == (
        f"credit repair case {case.id}; basis record: 行政处罚 "
        f"{record.natural_key.split('|')[1]}（记录 {record.id}）"
    )
    assert entries.published(db, entry.kind, today=clock.today()) == []

    repair.fraud(db, clock, source, case.id, reasons="整改材料系伪造")

    assert entry.status is EntryStatus.PUBLISHED
    assert _events(db, entry)[-1] == ("restored", f"repair revoked: case {case.id}")


def test_an_open_removal_proposal_lapses_when_the_basis_record_removes_the_entry(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """The entry left the list with its record: the removal proposed by hand has nothing
    left to decide and lapses like any other leaving (decision 0042); the entry coming back
    on the reinstatement does not reopen it."""
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company)
    entry = published_entry(db, clock, world, company, basis=[record.id])
    proposal = removal_proposals.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        entry.id,
        reason=RemovalReason.EXIT_CONDITIONS_MET,
        detail="已履行处罚决定",
    )

    _revoke(db, world, clock, record.id, "榕行复〔2026〕8号")

    assert entry.status is EntryStatus.REMOVED
    assert proposal.status is RemovalProposalStatus.LAPSED
    assert proposal.decision_reasons == "lapsed: the entry left the list otherwise (record_revoked)"
    action, detail = _events(db, entry)[-1]
    assert action == "removal_lapsed"
    shown = entry_event_detail(detail, translations("zh_Hans").gettext)
    assert "lapsed" not in shown
    assert str(proposal.id) in shown

    _reinstate(db, world, clock, record.id)

    assert entry.status is EntryStatus.PUBLISHED
    assert proposal.status is RemovalProposalStatus.LAPSED


def test_a_candidacy_resting_on_a_revoked_record_ends_and_is_not_revived(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    record = basis_record(db, clock, world, world.subjects["company"])
    candidacy = _propose(db, clock, world, [record.id])
    assert candidacy.status is EntryStatus.NOTICED
    assert "所依据的信用记录" in (candidacy.notice_text or "")

    _revoke(db, world, clock, record.id, "榕行复〔2026〕5号")

    assert (candidacy.status, candidacy.removal_reason) == (
        EntryStatus.REJECTED,
        RemovalReason.RECORD_REVOKED,
    )
    assert candidacy.ended_at == clock.now()
    assert _events(db, candidacy)[-1][0] == "ended"
    # Undone, the agency proposes again with a new notice: the candidacy stays ended.
    _reinstate(db, world, clock, record.id)
    assert candidacy.status is EntryStatus.REJECTED


def test_an_entry_on_two_records_comes_back_only_when_both_stand_again(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    first, second = basis_record(db, clock, world, company), basis_record(db, clock, world, company)
    entry = published_entry(db, clock, world, company, basis=[first.id, second.id])
    _revoke(db, world, clock, first.id, "榕行复〔2026〕6号")
    _revoke(db, world, clock, second.id, "榕行复〔2026〕7号")
    assert entry.status is EntryStatus.REMOVED

    _reinstate(db, world, clock, second.id)
    assert entry.status is EntryStatus.REMOVED

    _reinstate(db, world, clock, first.id)
    assert entry.status is EntryStatus.PUBLISHED


# --- the proposal names its basis ------------------------------------------------------------


def test_an_entry_listed_again_meanwhile_keeps_the_old_one_off_the_list(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """One entry per subject and standard: the old entry whose record is reinstated stays
    off while the subject is listed again on another record, and its history says so."""
    world = lists_world
    company = world.subjects["company"]
    first = basis_record(db, clock, world, company)
    old = published_entry(db, clock, world, company, basis=[first.id], approved_days_ago=60)
    _revoke(db, world, clock, first.id, "榕行复〔2026〕11号")
    assert old.status is EntryStatus.REMOVED
    again = published_entry(db, clock, world, company, approved_days_ago=30)

    _reinstate(db, world, clock, first.id)

    assert (old.status, again.status) == (EntryStatus.REMOVED, EntryStatus.PUBLISHED)
    assert _events(db, old)[-1][0] == "not_restored"
    assert [e.id for e, *_ in entries.published(db, old.kind, today=clock.today())] == [again.id]


def test_an_approval_refuses_a_basis_record_no_longer_in_force(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    """A record past its publicity by the end of the objection window is no basis for
    publishing: the approval is refused, and the agency proposes again."""
    world = lists_world
    company = world.subjects["company"]
    # A penalty decided so long ago that its publicity ends in two days.
    probe = basis_record(db, clock, world, company)
    assert probe.publicity_end is not None
    decided = clock.today() - (probe.publicity_end - probe.decision_date) + dt.timedelta(days=2)
    record = basis_record(db, clock, world, company, decision_date=decided.isoformat())
    entry = _propose(db, clock, world, [record.id])
    assert entry.window_ends is not None
    later = FixedClock(clock.now() + (entry.window_ends - clock.today()) + dt.timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        entries.approve(db, later, actor(world, "caseofficer2"), entry.id, reasons="核实无误")
    assert (refused.value.code, refused.value.field) == ("basis_not_in_force", "basis_records")
    assert entry.status is EntryStatus.NOTICED


def test_a_black_list_proposal_names_a_record_and_each_is_checked(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]

    def refused(ids: list[int], who: str = "caseofficer") -> tuple[str, str | None, str | None]:
        with pytest.raises(InvalidInput) as caught:
            _propose(db, clock, world, ids, who=who)
        return caught.value.code, caught.value.field, caught.value.article

    assert refused([]) == ("basis_records_required", "basis_records", "Art. 15 ¶2")
    # A record the proposer may not read is one answer, whether it exists or whom it is
    # about: ids are sequential, and an existence check would reveal another agency's
    # non-public records (Art. 13).
    assert refused([2**62]) == ("basis_not_readable", "basis_records", "Art. 13")
    hidden = basis_record(db, clock, world, other, **old_warning(clock))
    assert refused([hidden.id], "other_caseofficer") == (
        "basis_not_readable",
        "basis_records",
        "Art. 13",
    )
    another = basis_record(db, clock, world, other)
    assert refused([another.id]) == ("basis_of_another_subject", "basis_records", "Art. 15 ¶2")
    revoked = basis_record(db, clock, world, company)
    _revoke(db, world, clock, revoked.id, "榕行复〔2026〕8号")
    assert refused([revoked.id]) == ("basis_not_in_force", "basis_records", "Art. 15 ¶2")
    reward = _reward(db, clock, world, company)
    assert refused([reward]) == ("basis_wrong_polarity", "basis_records", "Art. 14")
    # A warning only is never published: another agency's officer cannot name it.
    unpublished = basis_record(db, clock, world, company, **old_warning(clock))
    assert refused([unpublished.id], "other_caseofficer") == (
        "basis_not_readable",
        "basis_records",
        "Art. 13",
    )
    # Its own agency's officer can; nothing was written by the refusals.
    assert db.scalar(select(ListEntryBasisRecord.id)) is None
    entry = _propose(db, clock, world, [unpublished.id, unpublished.id])
    assert entry.basis_named
    assert db.scalars(select(ListEntryBasisRecord.record_id)).all() == [unpublished.id]


def test_a_red_list_proposal_may_name_positive_records_only(
    lists_world: World, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["other_company"]
    on_record_since(db, clock, world, company)
    penalty = basis_record(db, clock, world, company, **old_warning(clock))
    with pytest.raises(InvalidInput) as refused:
        entries.propose(
            db,
            clock,
            actor(world, "caseofficer"),
            subject=company,
            standard_code="integrity_model",
            criteria_met="连续三年无不良信用记录",
            reasons="诚信经营",
            evidence="表彰文件",
            basis_record_ids=[penalty.id],
        )
    assert (refused.value.code, refused.value.field) == ("basis_wrong_polarity", "basis_records")
    reward = _reward(db, clock, world, company)
    red = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=company,
        standard_code="integrity_model",
        criteria_met="连续三年无不良信用记录",
        reasons="诚信经营",
        evidence="表彰文件",
        basis_record_ids=[reward],
    )
    assert red.basis_named
    assert db.scalars(
        select(ListEntryBasisRecord.record_id).where(ListEntryBasisRecord.entry_id == red.id)
    ).all() == [reward]


# --- the API ---------------------------------------------------------------------------------


def test_the_api_takes_the_basis_and_shows_it_as_far_as_each_reader_may_see(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    public = basis_record(db, clock, world, company)
    hidden = basis_record(db, clock, world, company, **old_warning(clock))
    db.commit()
    std = entries.standard(db, "dishonest_subject")
    response = client.post(
        ENTRIES,
        json={
            "subject": company.uscc,
            "standard": std.code,
            "criteria_met": std.criteria,
            "reasons": "拒不履行行政处罚决定",
            "evidence": "行政处罚决定书",
            "basis_record_ids": [public.id, hidden.id],
        },
        headers=headers(client, "caseofficer"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["basis_named"] is True
    assert [(b["record_id"], b["type"], b["status"]) for b in body["basis_records"]] == [
        (public.id, "administrative_penalty", "active"),
        (hidden.id, "administrative_penalty", "active"),
    ]
    assert body["basis_records"][0]["number"] == public.natural_key.split("|")[1]
    assert body["basis_records"][0]["source"]["name"] == world.organisations["regulator"].name
    # Published: the public list shows the public record only, without state or id.
    clock.advance(dt.timedelta(days=std.objection_days + 1))
    approved = client.post(
        f"{ENTRIES}/{body['id']}/approve",
        json={"reasons": "异议期满无异议"},
        headers=headers(client, "caseofficer2"),
    )
    assert approved.status_code == 200, approved.text
    (item,) = client.get("/api/v1/lists/black").json()["items"]
    assert item["basis_records"] == [
        {
            "type": "administrative_penalty",
            "type_name": "行政处罚",
            "number": public.natural_key.split("|")[1],
            "source": {
                "code": world.organisations["regulator"].code,
                "name": world.organisations["regulator"].name,
            },
            "decision_date": public.decision_date.isoformat(),
        }
    ]
    page = client.get("/lists/black").text
    assert public.natural_key.split("|")[1] in page
    assert hidden.natural_key.split("|")[1] not in page
    # The subject reads both, with their state.
    mine = client.get(f"{ENTRIES}/{body['id']}", headers=headers(client, "company")).json()
    assert len(mine["basis_records"]) == 2
    # An empty list of ids for the black list is refused with the field.
    refused = client.post(
        ENTRIES,
        json={
            "subject": world.subjects["other_company"].uscc,
            "standard": std.code,
            "criteria_met": std.criteria,
            "reasons": "拒不履行",
            "evidence": "决定书",
            "basis_record_ids": [],
        },
        headers=headers(client, "caseofficer"),
    )
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "basis_records_required",
        "basis_records",
    )


def test_an_entry_proposed_before_names_no_basis_and_says_so(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["company"])
    # As migration 0048 leaves an entry proposed before it.
    db.execute(ListEntryBasisRecord.__table__.delete())
    entry.basis_named = False
    db.commit()

    body = client.get(f"{ENTRIES}/{entry.id}", headers=headers(client, "caseofficer")).json()
    assert (body["basis_named"], body["basis_records"]) == (False, [])
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue").text
    assert f'data-basis-not-named="{entry.id}"' in queue


def test_the_proposal_page_offers_the_subjects_records_in_force(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    record = basis_record(db, clock, world, company)
    revoked = basis_record(db, clock, world, company)
    _revoke(db, world, clock, revoked.id, "榕行复〔2026〕10号")
    db.commit()
    log_in(client, "caseofficer")
    page = client.get("/lists-queue", params={"subject": company.uscc}).text
    assert f'name="basis_record" value="{record.id}"' in page
    assert f'value="{revoked.id}"' not in page
    sent = client.post(
        "/lists-queue/propose",
        data={
            "subject": company.uscc,
            "standard": "dishonest_subject",
            "criteria_met": "较重行政处罚",
            "reasons": "拒不履行",
            "evidence": "处罚决定书",
            "basis_record": [str(record.id)],
            "csrf_token": token(client, "/lists-queue"),
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    (entry,) = db.scalars(select(ListEntry).where(ListEntry.subject_id == company.id)).all()
    assert db.scalars(
        select(ListEntryBasisRecord.record_id).where(ListEntryBasisRecord.entry_id == entry.id)
    ).all() == [record.id]
    assert f'data-basis-record="{record.id}"' in client.get("/lists-queue").text
    # Without a record the page says why, beside the choice.
    refused = client.post(
        "/lists-queue/propose",
        data={
            "subject": world.subjects["other_company"].uscc,
            "standard": "dishonest_subject",
            "criteria_met": "较重行政处罚",
            "reasons": "拒不履行",
            "evidence": "处罚决定书",
            "csrf_token": token(client, "/lists-queue"),
        },
    )
    assert refused.status_code == 422
    assert "basis_records_required" in refused.text
    # A person looked up by reference is named masked, as on the public lists.
    person = world.subjects["person"]
    looked_up = client.get("/lists-queue", params={"subject": person.reference}).text
    assert person.name not in looked_up
    assert mask_name(person.name) in looked_up
    # A digit Python reads but int() does not is no record id: ignored, never a 500.
    odd = client.post(
        "/lists-queue/propose",
        data={
            "subject": world.subjects["other_company"].uscc,
            "standard": "dishonest_subject",
            "criteria_met": "较重行政处罚",
            "reasons": "拒不履行",
            "evidence": "处罚决定书",
            "basis_record": ["²"],
            "csrf_token": token(client, "/lists-queue"),
        },
    )
    assert odd.status_code == 422
    assert "basis_records_required" in odd.text
