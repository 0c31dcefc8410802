"""The demo as a visitor meets it: its pages name things as the record types do, and its
stories hold together (README describes them)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import record_by_decision
from tests.page_helpers import HTML, csrf_from
from xinyong import bootstrap, demo
from xinyong.accounts import service as accounts
from xinyong.accounts.models import UserAccount
from xinyong.accounts.permissions import Actor
from xinyong.catalog.models import RecordType
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.collection.records import current_version
from xinyong.disclosure.models import AccessEvent
from xinyong.lists import entries, risk
from xinyong.lists.models import EntryStatus, ListEntry, ListEntryPerson, ListKind
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson


@pytest.fixture
def demo_seeded(db: Session, clock: FixedClock) -> Session:
    bootstrap.load_rule_pack(db, clock)
    demo.seed(db, clock, extra_companies=0)
    db.commit()
    return db


def test_a_licence_names_its_licensing_authority(demo_seeded: Session, client: TestClient) -> None:
    page = client.get("/subjects/91350100WWAPA40225", headers=HTML).text
    assert "许可机关" in page
    assert "处罚机关" not in page
    english = client.get("/subjects/91350100WWAPA40225?lang=en", headers=HTML).text
    assert "Licensing authority" in english


_DIGITS = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def yuan(written: str) -> int:
    """An amount as a decision writes it in capitals: 人民币伍拾万元, 壹万伍仟元."""
    total, section, digit = 0, 0, 0
    for char in written:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            section += (digit or 1) * _UNITS[char]
            digit = 0
        elif char == "万":
            total += (section + digit) * 10_000
            section, digit = 0, 0
    return total + section + digit


def test_yuan_reads_capital_amounts() -> None:
    assert [yuan(w) for w in ("伍拾万", "壹万伍仟", "叁仟", "贰万", "拾万")] == [
        500_000,
        15_000,
        3_000,
        20_000,
        100_000,
    ]


def test_each_demo_fine_is_the_amount_its_decision_states(demo_seeded: Session) -> None:
    penalty_type = demo_seeded.scalar(
        select(RecordType.id).where(RecordType.code == "administrative_penalty")
    )
    records = demo_seeded.scalars(
        select(CreditRecord).where(CreditRecord.record_type_id == penalty_type)
    ).all()
    assert len(records) >= 6
    for record in records:
        payload = current_version(demo_seeded, record).payload
        fine = re.search(
            r"罚款人民币([零壹贰叁肆伍陆柒捌玖拾佰仟万]+)元", payload["penalty_content"]
        )
        stated = yuan(fine[1]) if fine else 0
        assert round(float(payload.get("fine_amount") or 0) * 10_000) == stated, payload


def test_the_serious_listing_rests_on_a_serious_food_safety_penalty(
    demo_seeded: Session,
) -> None:
    record = record_by_decision(demo_seeded, "榕市监处罚〔2026〕907号")
    version = current_version(demo_seeded, record)
    assert version.severity == "serious"
    assert "食品安全法" in version.payload["legal_basis"]
    entry = demo_seeded.scalars(
        select(ListEntry).where(ListEntry.subject_id == record.subject_id)
    ).one()
    assert entry.kind is ListKind.BLACK
    assert entry.evidence == "榕市监处罚〔2026〕907号"


def test_the_seriously_dishonest_organisation_objects_to_its_entry_for_the_approving_officer(
    demo_seeded: Session, clock: FixedClock
) -> None:
    """The officers' queue has an objection to a published entry to decide (decision
    0008): the organisation's, through its own demo account, for ``caseofficer2``, who
    did not propose the entry — not for ``caseofficer``, who did."""

    def officer(username: str) -> Actor:
        user = demo_seeded.scalar(select(UserAccount).where(UserAccount.username == username))
        assert user is not None
        return accounts.actor_for_user(user)

    (case,) = entries.published_entry_objections(
        demo_seeded, officer("caseofficer2"), today=clock.today()
    )
    assert case.subject.uscc == demo.SERIOUS_ORGANISATION[0]
    assert case.objection.statement == demo.SERIOUS_OBJECTION
    assert case.deadline is not None
    assert officer("mindu").subject_id == case.subject.id
    assert (
        entries.published_entry_objections(demo_seeded, officer("caseofficer"), today=clock.today())
        == []
    )


def test_the_demos_register_of_legal_representatives_comes_from_its_registration_records(
    demo_seeded: Session,
) -> None:
    """Decision 0038: each legal representative the demo's registration records name is
    registered once, from the record (its establishment), and the serious organisation's
    black-list entry names him once, beside the person the agency proposed."""
    registration = demo_seeded.scalars(
        select(RecordType.id).where(RecordType.code == "registration")
    ).one()
    for code, (name, citizen_id) in demo.DEMO_LEGAL_REPRESENTATIVES.items():
        company = subjects.by_reference(demo_seeded, code)
        record = demo_seeded.scalars(
            select(CreditRecord).where(
                CreditRecord.subject_id == company.id, CreditRecord.record_type_id == registration
            )
        ).one()
        person = subjects.by_citizen_id(demo_seeded, citizen_id)
        assert person is not None
        register = demo_seeded.scalars(
            select(ResponsiblePerson).where(ResponsiblePerson.organisation_subject_id == company.id)
        ).all()
        assert [(p.person_subject_id, p.name, p.valid_from, p.valid_to) for p in register] == [
            (person.id, name, record.decision_date, None)
        ]
        assert register[0].basis is not None
        assert f"record {record.id}" in register[0].basis
    serious = subjects.by_reference(demo_seeded, demo.SERIOUS_ORGANISATION[0])
    entry = demo_seeded.scalars(select(ListEntry).where(ListEntry.subject_id == serious.id)).one()
    named = demo_seeded.scalars(
        select(ListEntryPerson).where(ListEntryPerson.entry_id == entry.id)
    ).all()
    assert sorted((p.name, p.source.value, p.ended_on) for p in named) == [
        (demo.SERIOUS_LEGAL_REPRESENTATIVE[0], "registration", None),
        (demo.SERIOUS_DIRECTLY_RESPONSIBLE[0], "proposal", None),
    ]


def demo_log_in(client: TestClient, username: str) -> None:
    """Log in through the login form with the demo password (README, demo accounts)."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": demo.DEMO_PASSWORD,
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def demo_token(client: TestClient, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/token", data={"username": username, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_demo_court_confirms_the_performance_of_its_defaulter(
    demo_seeded: Session, client: TestClient, clock: FixedClock
) -> None:
    """Review r4, L6: the court's account reaches /court-defaulters from its navigation and
    finds the demo's defaulter there, awaiting its confirmation of performance; confirmed,
    the entry leaves the black list (decision 0045)."""
    demo_log_in(client, "court")
    page = client.get("/court-defaulters", headers=HTML)
    assert page.status_code == 200
    assert '<a href="/court-defaulters">' in page.text
    (entry_id,) = (int(found) for found in re.findall(r'data-entry="(\d+)"', page.text))
    entry = demo_seeded.get(ListEntry, entry_id)
    assert entry is not None
    assert entry.status is EntryStatus.PUBLISHED
    logistics = subjects.by_reference(demo_seeded, "91350100T5A3HDXJ4X")
    assert entry.subject_id == logistics.id
    assert "福州海峡物流有限公司" in page.text

    confirmed = client.post(
        f"/court-defaulters/{entry_id}/performance",
        data={
            "performed_on": clock.today().isoformat(),
            "detail": "（2026）闽01执123号结案通知书",
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text[:400]
    demo_seeded.expire_all()
    removed = demo_seeded.get(ListEntry, entry_id)
    assert removed is not None
    assert removed.status is EntryStatus.REMOVED


def test_the_demo_association_keeps_its_member_register_and_evaluates_a_member(
    demo_seeded: Session, client: TestClient
) -> None:
    """Review r4, L6: the association's account reaches /members from its navigation and
    finds its members with their agreements; its evaluation of a member was accepted, as
    only a member's is (Art. 10 ¶1, decision 0032)."""
    demo_log_in(client, "association")
    page = client.get("/members", headers=HTML)
    assert page.status_code == 200
    assert '<a href="/members">' in page.text
    for code, name, _years, agreement in demo.DEMO_MEMBERS:
        row = re.search(rf'<tr data-member="{code}".*?</tr>', page.text, re.S)
        assert row is not None, code
        assert name in row[0]
        assert agreement in row[0]

    evaluation = demo_seeded.scalar(
        select(RecordType.id).where(RecordType.code == "association_evaluation")
    )
    association = accounts.organisation_by_code(demo_seeded, demo.DEMO_ASSOCIATION)
    (record,) = demo_seeded.scalars(
        select(CreditRecord).where(CreditRecord.record_type_id == evaluation)
    ).all()
    assert record.source_organisation_id == association.id
    member = subjects.by_reference(demo_seeded, demo.DEMO_MEMBERS[0][0])
    assert record.subject_id == member.id


def test_the_demo_analyst_reads_the_citizens_credit_status_on_its_authorisation(
    demo_seeded: Session, client: TestClient
) -> None:
    """Review r4, L7: the citizen's second written authorisation to the bank covers the
    credit status (Art. 19), so the analyst reads it, by the API and on the page; the
    company authorised the bank nothing, so its status is refused."""
    person = subjects.by_citizen_id(demo_seeded, demo.DEMO_PERSON[1])
    assert person is not None
    headers = demo_token(client, "analyst")

    status = client.get(f"/api/v1/subjects/{person.reference}/credit-status", headers=headers)
    assert status.status_code == 200, status.text
    company = client.get("/api/v1/subjects/91350100MG59YK161P/credit-status", headers=headers)
    assert company.status_code == 403
    assert company.json()["error"]["code"] == "no_lawful_path"

    demo_log_in(client, "analyst")
    form = client.get("/query/credit-status", headers=HTML)
    read = client.post(
        "/query/credit-status",
        data={
            "subject_kind": "person",
            "citizen_id": demo.DEMO_PERSON[1],
            "csrf_token": csrf_from(form.text),
        },
        headers=HTML,
    )
    assert read.status_code == 200, read.text[:400]
    assert 'data-legal-path="authorisation"' in read.text
    assert demo.DEMO_PERSON[1] not in read.text
    # Both reads, the API's and the page's, in the citizen's log on that authorisation.
    reads = [
        (e.granted, e.purpose)
        for e in demo_seeded.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id))
        if e.what == risk.SCOPE
    ]
    assert reads == [(True, demo.CREDIT_CARD_PURPOSE)] * 2


def test_the_demo_analysts_file_query_asks_which_authorisation_it_is_for(
    demo_seeded: Session, client: TestClient
) -> None:
    """With the citizen's two authorisations in force, the analyst's query of the file by ID
    number offers both, each by its purpose; on the housing loan's it reads the file
    (decision 0007 addendum)."""
    person = subjects.by_citizen_id(demo_seeded, demo.DEMO_PERSON[1])
    assert person is not None
    demo_log_in(client, "analyst")
    form = client.get("/query", params={"path": "authorisation"}, headers=HTML)
    fields = {"path": "authorisation", "csrf_token": csrf_from(form.text)}

    unchosen = client.post(
        "/query",
        data={**fields, "subject_kind": "person", "citizen_id": demo.DEMO_PERSON[1]},
        headers=HTML,
    )
    assert unchosen.status_code == 422
    assert 'data-code="authorisation_required"' in unchosen.text
    offered = dict(re.findall(r'<label for="authorisation-(\d+)">([^<]*?) —', unchosen.text))
    assert sorted(offered.values()) == sorted([demo.HOUSING_LOAN_PURPOSE, demo.CREDIT_CARD_PURPOSE])
    housing = next(i for i, p in offered.items() if p == demo.HOUSING_LOAN_PURPOSE)

    read = client.post(
        "/query",
        data={
            **fields,
            "subject_kind": "person",
            "subject": person.reference,
            "authorisation": housing,
        },
        headers=HTML,
    )
    assert read.status_code == 200, read.text[:400]
    assert 'data-legal-path="authorisation"' in read.text
    assert "FZHX-2025-0088" in read.text  # the contract record the authorisation opens
    # The credit card's opens the file too, for its own purpose (Art. 13 ¶3).
    cards = next(i for i, p in offered.items() if p == demo.CREDIT_CARD_PURPOSE)
    on_cards = client.post(
        "/query",
        data={
            **fields,
            "subject_kind": "person",
            "subject": person.reference,
            "authorisation": cards,
        },
        headers=HTML,
    )
    assert on_cards.status_code == 200, on_cards.text[:400]
    assert demo.CREDIT_CARD_PURPOSE in on_cards.text
