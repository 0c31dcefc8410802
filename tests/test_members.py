"""Market records from the submitter's own business or about its members (Art. 10 ¶1,
decision 0032): an association's member register (service, API, page), the pipeline's
membership check on a record's decision date, and the own-business check of a contract's
counterparty."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    TODAY,
    add_reporter,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    count,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_uscc,
    problems_of,
    records_of,
    subject_row,
)
from tests.factories import CompanyFactory, OrganisationFactory, World, auth_headers
from tests.page_helpers import HTML, log_in
from tests.test_pages_disclosure import token
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind
from xinyong.accounts.permissions import Actor
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import loosenings
from xinyong.clock import Clock
from xinyong.collection import members
from xinyong.collection.models import AssociationMember
from xinyong.collection.validation import OwnParty
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from xinyong.subjects.models import Subject

EVALUATION = "association_evaluation"
CONTRACT = "contract_performance"
AGREEMENT = "福州市文具行业协会会员协议 2025-017"


@dataclass
class Association:
    organisation: Organisation
    actor: Actor
    username: str


@pytest.fixture
def association(collection_world: World, db: Session, clock: Clock) -> Association:
    """An industry association with a data reporter, responsible for its evaluations."""
    organisation = OrganisationFactory(
        name="福州市文具行业协会",
        kind=OrganisationKind.INDUSTRY_ASSOCIATION,
        code=new_uscc(prefix="51"),
    )
    user = add_reporter(db, organisation, "assoc_clerk")
    grant(db, clock, organisation, EVALUATION)
    db.commit()
    return Association(organisation, accounts.actor_for_user(user), "assoc_clerk")


def evaluation(subject: Subject, **extra: str) -> dict[str, str]:
    return {
        **subject_row(subject.name, uscc=subject.uscc or ""),
        "evaluation_name": "2026年度会员信用评价",
        "grade": "AAA",
        "evaluated_on": "2026-11-20",
        **extra,
    }


def add(
    db: Session, clock: Clock, association: Association, subject: Subject, **overrides: Any
) -> AssociationMember:
    terms: dict[str, Any] = {
        "uscc": subject.uscc or "",
        "name": subject.name,
        "since": dt.date(2025, 1, 1),
        "agreement_reference": AGREEMENT,
        **overrides,
    }
    return members.add(db, clock, association.actor, **terms)


# --- the register ------------------------------------------------------------------------------


def test_association_staff_add_and_end_a_membership_audited(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    membership = add(db, clock, association, company, uscc=f" {company.uscc.lower()} ")  # type: ignore[union-attr]
    assert (membership.uscc, membership.until, membership.agreement_reference) == (
        company.uscc,
        None,
        AGREEMENT,
    )
    members.end(db, clock, association.actor, membership.id, until=dt.date(2026, 6, 30))
    assert membership.until == dt.date(2026, 6, 30)
    assert [m.id for m in members.register(db, association.actor)] == [membership.id]
    assert members.keeps_register(association.actor)
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "association_member")
    ).all()
    assert actions == ["member.add", "member.end"]


def test_only_an_association_keeps_a_register(
    collection_world: World, db: Session, clock: Clock
) -> None:
    reporter = accounts.actor_for_user(collection_world.users["reporter"])  # a state organ
    with pytest.raises(PermissionDenied) as refused:
        members.register(db, reporter)
    assert (refused.value.code, refused.value.article) == ("not_an_association", "Art. 10 ¶1")
    citizen = accounts.actor_for_user(collection_world.users["citizen"])
    with pytest.raises(PermissionDenied) as refused:
        members.register(db, citizen)
    assert refused.value.code == "permission_denied"
    # The pages' menu asks the same rule.
    assert not members.keeps_register(reporter)
    assert not members.keeps_register(citizen)


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"uscc": "91350100MA2XYZ0000"}, "check_character", "uscc"),
        ({"name": "  "}, "required", "name"),
        ({"agreement_reference": " "}, "agreement_required", "agreement_reference"),
        ({"until": dt.date(2024, 12, 31)}, "before_start_date", "until"),
        # Entered once it has begun (the test clock's today is 2026-11-27).
        ({"since": dt.date(2026, 11, 28)}, "future_date", "since"),
        ({"name": "福州别的公司"}, "name_mismatch", "name"),
    ],
)
def test_a_membership_is_refused_for_what_is_wrong_with_it(
    collection_world: World,
    association: Association,
    db: Session,
    clock: Clock,
    overrides: dict[str, Any],
    code: str,
    field: str,
) -> None:
    company = collection_world.subjects["company"]
    with pytest.raises(InvalidInput) as refused:
        add(db, clock, association, company, **overrides)
    assert refused.value.field == field
    if code != "check_character":  # whichever identifier problem the code has
        assert refused.value.code == code


def test_a_membership_beginning_today_is_entered(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    assert add(db, clock, association, company, since=clock.today()).since == clock.today()


def test_a_former_name_and_an_unregistered_company_are_accepted(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    add(db, clock, association, company, name="福州晨光文具店")  # its former name
    uscc = new_uscc()
    members.add(
        db,
        clock,
        association.actor,
        uscc=uscc,
        name="福州未登记文具有限公司",
        since=dt.date(2026, 1, 1),
        agreement_reference=AGREEMENT,
    )
    assert db.scalar(select(Subject.id).where(Subject.uscc == uscc)) is None  # not registered


def test_overlapping_memberships_are_refused_and_consecutive_ones_kept(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    first = add(db, clock, association, company, until=dt.date(2025, 12, 31))
    with pytest.raises(Conflict) as refused:
        add(db, clock, association, company, since=dt.date(2025, 12, 31))
    assert refused.value.code == "membership_overlaps"
    again = add(db, clock, association, company, since=dt.date(2026, 3, 1))
    assert {m.id for m in members.register(db, association.actor)} == {first.id, again.id}
    with pytest.raises(Conflict) as refused:
        members.end(db, clock, association.actor, first.id, until=dt.date(2026, 1, 5))
    assert refused.value.code == "already_ended"


def test_another_associations_membership_is_not_found(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    membership = add(db, clock, association, collection_world.subjects["company"])
    other = OrganisationFactory(kind=OrganisationKind.INDUSTRY_ASSOCIATION, code=new_uscc("51"))
    other_actor = accounts.actor_for_user(add_reporter(db, other, "other_assoc_clerk"))
    with pytest.raises(NotFound):
        members.end(db, clock, other_actor, membership.id, until=TODAY)
    assert members.register(db, other_actor) == []


# --- membership on the decision date (the pure check) ------------------------------------------

_DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def _periods(draw: st.DrawFn) -> list[members.Period]:
    found: list[members.Period] = []
    for _ in range(draw(st.integers(0, 3))):
        since = draw(_DAYS)
        length = draw(st.none() | st.integers(0, 800))
        found.append((since, None if length is None else since + dt.timedelta(days=length)))
    return found


@given(periods=_periods(), day=_DAYS)
def test_a_member_on_a_day_is_one_whose_period_holds_it(
    periods: list[members.Period], day: dt.date
) -> None:
    code = "51350100MB00000513"
    expected = any(since <= day and (until is None or day <= until) for since, until in periods)
    assert members.member_on({code: periods}, code, day) is expected
    assert members.member_on({code: periods}, None, day) is False  # a person: no code
    assert members.member_on({}, code, day) is False
    for since, until in periods:  # first and last days are included
        assert members.member_on({code: periods}, code, since)
        if until is not None:
            assert members.member_on({code: periods}, code, until)


# --- the pipeline: members only ------------------------------------------------------------------


def test_evaluations_of_members_on_their_date_are_accepted_others_refused(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    former = collection_world.subjects["other_company"]
    add(db, clock, association, company)
    add(db, clock, association, former, until=dt.date(2026, 6, 30))
    stranger_uscc = new_uscc()
    report = ingest(
        db,
        clock,
        association.organisation,
        [
            evaluation(company),
            evaluation(former, evaluated_on="2026-06-30"),  # its last day: a member
            evaluation(former, evaluation_name="下半年评价", evaluated_on="2026-07-01"),
            {
                **subject_row("福州陌生贸易有限公司", uscc=stranger_uscc),
                "evaluation_name": "2026年度会员信用评价",
                "grade": "B",
                "evaluated_on": "2026-11-20",
            },
        ],
        record_type=EVALUATION,
        actor=association.actor,
    )
    assert (report.batch.created, report.batch.rejected) == (2, 2)
    assert problems_of(report) == [
        (3, "subject_uscc", "not_a_member"),
        (4, "subject_uscc", "not_a_member"),
    ]
    assert {p.article for p in report.problems} == {"Art. 10 ¶1"}
    # Nothing is recorded about a non-member, not even its registration as a subject.
    assert db.scalar(select(Subject.id).where(Subject.uscc == stranger_uscc)) is None
    assert {r.subject_id for r in records_of(db)} == {company.id, former.id}


def test_a_membership_added_later_admits_the_evaluation_it_covers(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    company = collection_world.subjects["company"]
    rows = [evaluation(company)]
    refused = ingest(db, clock, association.organisation, rows, record_type=EVALUATION, key="a")
    assert problems_of(refused) == [(1, "subject_uscc", "not_a_member")]
    add(db, clock, association, company, since=dt.date(2026, 11, 21))  # after the date
    still = ingest(db, clock, association.organisation, rows, record_type=EVALUATION, key="b")
    assert still.batch.rejected == 1
    membership = add(
        db, clock, association, company, since=dt.date(2026, 1, 1), until=dt.date(2026, 11, 20)
    )
    accepted = ingest(db, clock, association.organisation, rows, record_type=EVALUATION, key="c")
    assert (accepted.batch.created, accepted.batch.rejected) == (1, 0)
    # Ending the membership later leaves the record as it is.
    members.end(db, clock, association.actor, membership.id, until=dt.date(2026, 10, 1))
    assert len(records_of(db, company.id)) == 1


# --- the pipeline: own business --------------------------------------------------------------


def contract(world: World, counterparty: str, number: str) -> dict[str, str]:
    company = world.subjects["company"]
    return {
        **subject_row(company.name, uscc=company.uscc or ""),
        "contract_number": number,
        "breach_description": "逾期未还款",
        "breach_date": "2026-11-02",
        "amount_owed": "12.5",
        "counterparty": counterparty,
    }


def test_a_contract_is_recorded_only_by_its_own_counterparty(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    bank = world.organisations["bank"]
    grant(db, clock, bank, CONTRACT)
    report = ingest(
        db,
        clock,
        bank,
        [
            contract(world, bank.name, "C-1"),
            contract(world, f" {bank.name[:2]}\u3000{bank.name[2:]}。", "C-2"),  # spelt loosely
            contract(world, bank.code.lower(), "C-3"),  # by its code
            contract(world, "福州另一家银行股份有限公司", "C-4"),
            contract(world, world.organisations["regulator"].code, "C-5"),
        ],
        record_type=CONTRACT,
    )
    assert report.batch.created == 3
    assert problems_of(report) == [
        (4, "counterparty", "not_own_business"),
        (5, "counterparty", "not_own_business"),
    ]
    assert {p.article for p in report.problems} == {"Art. 10 ¶1"}


def test_a_submitter_registered_as_a_subject_is_named_by_its_former_name(
    collection_world: World, db: Session, clock: Clock
) -> None:
    world = collection_world
    lender = OrganisationFactory(
        name="福州榕信小额贷款股份有限公司",
        kind=OrganisationKind.FINANCIAL_INSTITUTION,
        code=new_uscc(),
    )
    CompanyFactory(name=lender.name, uscc=lender.code, former_names=("福州榕信小贷有限公司",))
    grant(db, clock, lender, CONTRACT)
    report = ingest(
        db, clock, lender, [contract(world, "福州榕信小贷有限公司", "L-1")], record_type=CONTRACT
    )
    assert (report.batch.created, report.batch.rejected) == (1, 0)


_NOISE = st.sampled_from([" ", "\u3000", "·", "-", "、", "\t", "“", "”"])


@given(noise=st.lists(st.tuples(st.integers(0, 40), _NOISE), max_size=4), full_width=st.booleans())
def test_the_submitter_is_recognised_however_its_name_or_code_is_spaced(
    noise: list[tuple[int, str]], full_width: bool
) -> None:
    """Spaces and punctuation anywhere, traditional characters, a code in full-width forms
    or lower case: the same organisation; another name or code is not."""
    name, code = "福州海峡商业银行股份有限公司", "91350100MB00000434"
    party = OwnParty(code=code, names=frozenset({members.names.normalise_name(name)}))
    spaced = name
    for at, char in noise:
        spaced = spaced[:at] + char + spaced[at:]
    assert party.named_by(spaced)
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code) if full_width else code.lower()
    assert party.named_by(typed)
    assert party.named_by("福州海峽商業銀行股份有限公司")
    assert not party.named_by("福州海峡银行股份有限公司")  # another bank
    assert not party.named_by("91350100MB0000078N")


def test_the_counterparty_is_not_correctable() -> None:
    from xinyong.catalog.service import read_rule_pack
    from xinyong.objections.service import fixed_fields

    (data,) = [d for d in read_rule_pack() if d["code"] == CONTRACT]
    assert "counterparty" in fixed_fields(catalog.parse_definition(data))


# --- the catalog ---------------------------------------------------------------------------


def test_a_district_may_not_drop_either_check(catalog_loaded: Session) -> None:
    db = catalog_loaded
    contract_rule = catalog.effective_rule(db, CONTRACT).definition
    evaluation_rule = catalog.effective_rule(db, EVALUATION).definition
    assert contract_rule.own_party_field == "counterparty"
    assert evaluation_rule.members_only
    assert not catalog.effective_rule(db, "utility_arrears").definition.own_party_field
    codes = {
        problem.code
        for city, district in (
            (contract_rule, contract_rule.model_copy(update={"own_party_field": None})),
            (evaluation_rule, evaluation_rule.model_copy(update={"members_only": False})),
        )
        for problem in loosenings(city, district)
    }
    assert codes == {"drops_own_business_check", "drops_membership_check"}


def test_the_own_party_field_must_be_a_declared_text_field() -> None:
    from xinyong.catalog.service import read_rule_pack

    (data,) = [d for d in read_rule_pack() if d["code"] == CONTRACT]
    for wrong in ("breach_date", "no_such_field"):
        with pytest.raises(InvalidInput):
            catalog.parse_definition({**data, "own_party_field": wrong})


# --- the API and the page ----------------------------------------------------------------------


def test_the_api_adds_lists_and_ends_memberships(
    collection_world: World, association: Association, client: TestClient, db: Session
) -> None:
    company = collection_world.subjects["company"]
    headers = auth_headers(client, association.username)
    body = {
        "uscc": company.uscc,
        "name": company.name,
        "since": "2025-01-01",
        "agreement_reference": AGREEMENT,
    }
    added = client.post("/api/v1/members", json=body, headers=headers)
    assert added.status_code == 201, added.text
    assert added.json()["until"] is None
    again = client.post("/api/v1/members", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "membership_overlaps"
    ended = client.post(
        f"/api/v1/members/{added.json()['id']}/end", json={"until": "2026-06-30"}, headers=headers
    )
    assert ended.status_code == 200, ended.text
    (item,) = client.get("/api/v1/members", headers=headers).json()["items"]
    assert (item["uscc"], item["until"]) == (company.uscc, "2026-06-30")

    refused = client.get("/api/v1/members", headers=auth_headers(client, "reporter"))
    assert refused.status_code == 403
    assert (refused.json()["error"]["code"], refused.json()["error"]["article"]) == (
        "not_an_association",
        "Art. 10 ¶1",
    )


def test_the_page_adds_a_membership_and_shows_a_refusal_with_its_article(
    collection_world: World, association: Association, client: TestClient, db: Session
) -> None:
    company = collection_world.subjects["company"]
    log_in(client, association.username)
    assert 'href="/members"' in client.get("/", headers=HTML).text  # the menu
    form = {
        "uscc": company.uscc,
        "name": company.name,
        "since": "2025-01-01",
        "agreement_reference": AGREEMENT,
        "csrf_token": token(client, "/members"),
    }
    response = client.post("/members", data=form, headers=HTML, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == "/members?done=added"
    page = client.get("/members?done=added", headers=HTML).text
    assert f'data-member="{company.uscc}"' in page
    assert AGREEMENT in page
    # The explanation names no refusal code (a refusal shows its own, beside the form).
    assert "not_a_member" not in page.split('class="explain"', 1)[1].split("</ul>", 1)[0]

    refused = client.post(
        "/members",
        data={**form, "agreement_reference": "", "csrf_token": token(client, "/members")},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="agreement_required"' in refused.text
    assert "第十条第一款" in refused.text
    assert count(db, "association_member") == 1

    (membership,) = db.scalars(select(AssociationMember)).all()
    ended = client.post(
        f"/members/{membership.id}/end",
        data={"until": "2026-06-30", "csrf_token": token(client, "/members")},
        headers=HTML,
        follow_redirects=False,
    )
    assert ended.status_code == 303
    db.expire_all()
    assert db.get(AssociationMember, membership.id).until == dt.date(2026, 6, 30)  # type: ignore[union-attr]


def test_the_batch_page_explains_a_non_members_row(
    collection_world: World, association: Association, client: TestClient, db: Session, clock: Clock
) -> None:
    report = ingest(
        db,
        clock,
        association.organisation,
        [evaluation(collection_world.subjects["company"])],
        record_type=EVALUATION,
        actor=association.actor,
    )
    db.commit()
    log_in(client, association.username)
    page = client.get(f"/batches/{report.batch.id}", headers=HTML).text
    assert 'data-code="not_a_member"' in page
    assert "第十条第一款" in page
