"""A row the source had no basis to send at all — about a non-member of the association
(Art. 10 ¶1), outside the market body's own business (Art. 10 ¶1), or negative market
information past the five years it may be kept (征信业管理条例 Art. 16) — is refused, and its
content is not kept even encrypted for the source to correct, as a row refused for want of
consent is not (decision 0021 addendum)."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_uscc,
    problems_of,
    subject_row,
)
from tests.factories import World
from tests.test_members import (
    CONTRACT,
    EVALUATION,
    Association,
    association,  # noqa: F401 - fixture
    contract,
)
from xinyong.clock import Clock
from xinyong.collection.models import QuarantinedRow


def kept(db: Session, batch_id: int) -> list[bool]:
    return [
        content is not None
        for content in db.scalars(
            select(QuarantinedRow.values_ciphertext)
            .where(QuarantinedRow.batch_id == batch_id)
            .order_by(QuarantinedRow.row_number)
        )
    ]


def test_a_non_members_row_is_not_kept(
    collection_world: World, association: Association, db: Session, clock: Clock
) -> None:
    row = {
        **subject_row("福州陌生餐饮有限公司", uscc=new_uscc()),
        "evaluation_name": "年度会员评价",
        "grade": "C",
        "evaluated_on": "2026-06-01",
    }
    report = ingest(
        db, clock, association.organisation, [row], record_type=EVALUATION, actor=association.actor
    )
    assert problems_of(report) == [(1, "subject_uscc", "not_a_member")]
    assert kept(db, report.batch.id) == [False]


def test_another_partys_contract_is_not_kept(
    collection_world: World, db: Session, clock: Clock
) -> None:
    bank = collection_world.organisations["bank"]
    grant(db, clock, bank, CONTRACT)
    report = ingest(
        db,
        clock,
        bank,
        [contract(collection_world, "某某小额贷款公司", "C-1")],
        record_type=CONTRACT,
    )
    assert [problem[2] for problem in problems_of(report)] == ["not_own_business"]
    assert kept(db, report.batch.id) == [False]


def test_a_row_past_its_retention_is_not_kept_and_an_ordinary_refusal_is(
    collection_world: World, db: Session, clock: Clock
) -> None:
    bank = collection_world.organisations["bank"]
    grant(db, clock, bank, CONTRACT)
    old = {
        **contract(collection_world, bank.name, "C-2"),
        "breach_date": "2015-01-01",
        "resolved_on": "2016-01-01",
    }
    # A mistake the source can correct: its content is kept for it to do so.
    mistyped = {**contract(collection_world, bank.name, "C-3"), "breach_date": "2026-13-01"}
    report = ingest(db, clock, bank, [old, mistyped], record_type=CONTRACT)
    refused = {number: code for number, _field, code in problems_of(report)}
    assert refused[1] == "past_retention"
    assert kept(db, report.batch.id) == [False, True]
