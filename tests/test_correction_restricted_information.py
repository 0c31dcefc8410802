"""A correction after an objection collects what it adds: restricted information about a
natural person (income, deposits, tax amounts …) needs the written consent after notice of
Art. 11 ¶2 there as in an ingested row — the pipeline's own rule, with its code and article,
in the service, the API and the page alike. A value the record already held, sent again, is
not collected anew; an organisation's record is not about a natural person."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    RECENT,
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    problems_of,
    source_columns,
    subject_row,
)
from tests.disclosure_helpers import actor_of
from tests.factories import World, auth_headers, record_objection
from tests.page_helpers import csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.collection import consent
from xinyong.collection.models import Consent, CreditRecord, RecordStatus
from xinyong.collection.pipeline import SENSITIVE_CONTEXT
from xinyong.collection.records import current_version
from xinyong.crypto import default_cipher
from xinyong.errors import InvalidInput
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.subjects.service import reveal_citizen_id

TAX = "major_tax_violation"
AMOUNT = "tax_amount_evaded"  # restricted (Art. 11 ¶2: 纳税数额)


def _row(world: World, number: str, **extra: str) -> dict[str, str]:
    person = world.subjects["person"]
    return {
        **subject_row(person.name, citizen_id=reveal_citizen_id(person) or ""),
        "case_number": number,
        "case_nature": "偷税",
        "main_facts": "通过隐匿收入方式少缴个人所得税",
        "penalty": "《税收征收管理法》第六十三条",
        "decision_date": RECENT.isoformat(),
        **source_columns(world.organisations["regulator"]),
        **extra,
    }


@pytest.fixture
def forwarded(db: Session, clock: FixedClock, collection_world: World) -> int:
    """The person's major tax violation, public by law and ingested without the tax amount,
    and her objection that something was left out, forwarded to its source."""
    world = collection_world
    regulator = world.organisations["regulator"]
    grant(db, clock, regulator, TAX)
    report = ingest(db, clock, regulator, [_row(world, "榕税稽〔2026〕77号")], record_type=TAX)
    assert problems_of(report) == []
    record = db.scalars(
        select(CreditRecord).where(CreditRecord.subject_id == world.subjects["person"].id)
    ).one()
    objection = record_objection(
        db, clock, world, record.id, account="citizen", ground="omission", statement="遗漏"
    )
    objections.forward(db, clock, actor_of(world, "objections"), objection.id, note="")
    db.commit()
    return int(objection.id)


def _consent(db: Session, clock: FixedClock, world: World) -> None:
    """The person's written consent, after notice (a consent to a type holding restricted
    information is refused without it)."""
    consent.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        subject=world.subjects["person"],
        grantee=world.organisations["regulator"],
        record_type_codes=[TAX],
        written=True,
        adverse_consequences_notified=True,
    )
    db.commit()


def _sensitive(db: Session, objection_id: int) -> dict[str, str]:
    objection = db.get(RecordObjection, objection_id)
    assert objection is not None
    record = db.get(CreditRecord, objection.record_id)
    assert record is not None
    ciphertext = current_version(db, record).sensitive_ciphertext
    assert ciphertext is not None
    found: dict[str, str] = json.loads(
        default_cipher().decrypt(ciphertext, context=SENSITIVE_CONTEXT)
    )
    return found


def test_the_pipeline_and_a_correction_refuse_the_same_way(
    db: Session, clock: FixedClock, collection_world: World, forwarded: int
) -> None:
    world = collection_world
    regulator = world.organisations["regulator"]
    ingested = ingest(
        db,
        clock,
        regulator,
        [_row(world, "榕税稽〔2026〕78号", **{AMOUNT: "987.65"})],
        record_type=TAX,
    )
    (row_problem,) = ingested.problems

    with pytest.raises(InvalidInput) as refused:
        objections.correct(
            db,
            clock,
            actor_of(world, "reporter"),
            forwarded,
            values={AMOUNT: "987.65"},
            note="补充",
        )

    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "written_consent_required",
        AMOUNT,
        "Art. 11 ¶2",
    )
    assert (row_problem.code, row_problem.field, row_problem.article) == (
        refused.value.code,
        refused.value.field,
        refused.value.article,
    )
    assert row_problem.message == refused.value.message
    objection = db.get(RecordObjection, forwarded)
    assert objection is not None
    assert objection.status is ObjectionStatus.FORWARDED


def test_with_written_consent_after_notice_the_correction_adds_it(
    db: Session, clock: FixedClock, collection_world: World, forwarded: int
) -> None:
    world = collection_world
    _consent(db, clock, world)

    version = objections.correct(
        db, clock, actor_of(world, "reporter"), forwarded, values={AMOUNT: "987.65"}, note="补充"
    )

    assert version.status is RecordStatus.CORRECTED
    assert _sensitive(db, forwarded)[AMOUNT] == "987.65"


def test_a_restricted_value_held_already_is_not_collected_again(
    db: Session, clock: FixedClock, collection_world: World, forwarded: int
) -> None:
    """Collected with consent, then the consent withdrawn: correcting another field, even
    with the held amount sent back unchanged, collects nothing new; changing it does."""
    world = collection_world
    _consent(db, clock, world)
    reporter = actor_of(world, "reporter")
    objections.correct(db, clock, reporter, forwarded, values={AMOUNT: "987.65"}, note="补充")
    for given in db.scalars(select(Consent)):
        consent.revoke(db, clock, actor_of(world, "citizen"), given.id)
    again = record_objection(
        db, clock, world, _record_id(db, forwarded), account="citizen", statement="性质有误"
    )
    objections.forward(db, clock, actor_of(world, "objections"), again.id, note="")

    objections.correct(
        db,
        clock,
        reporter,
        again.id,
        values={AMOUNT: "987.65", "case_nature": "逃避追缴欠税"},
        note="更正案件性质",
    )
    assert _sensitive(db, again.id)[AMOUNT] == "987.65"
    third = record_objection(
        db, clock, world, _record_id(db, forwarded), account="citizen", statement="数额有误"
    )
    objections.forward(db, clock, actor_of(world, "objections"), third.id, note="")
    with pytest.raises(InvalidInput) as changed:
        objections.correct(db, clock, reporter, third.id, values={AMOUNT: "1000"}, note="更正数额")
    assert changed.value.code == "written_consent_required"


def _record_id(db: Session, objection_id: int) -> int:
    objection = db.get(RecordObjection, objection_id)
    assert objection is not None
    return objection.record_id


def test_the_api_refuses_it_with_the_code_article_and_field(
    client: TestClient, db: Session, forwarded: int
) -> None:
    response = client.post(
        f"/api/v1/record-objections/{forwarded}/correct",
        headers=auth_headers(client, "reporter"),
        json={"values": {AMOUNT: "987.65"}, "note": "补充涉案数额"},
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "written_consent_required",
        AMOUNT,
        "Art. 11 ¶2",
    )
    assert AMOUNT not in _sensitive(db, forwarded)


def test_the_page_refuses_a_posted_restricted_field_beside_the_form(
    client: TestClient, db: Session, forwarded: int
) -> None:
    log_in(client, "reporter")
    case = client.get(f"/record-objections/{forwarded}")
    # The form does not offer it; posted anyway, it is refused as the API refuses it.
    assert f'name="field.{AMOUNT}"' not in case.text

    refused = client.post(
        f"/record-objections/{forwarded}/correct",
        data={f"field.{AMOUNT}": "987.65", "note": "补充", "csrf_token": csrf_from(case.text)},
    )

    assert refused.status_code == 422
    assert 'data-code="written_consent_required"' in refused.text
    assert "第十一条第二款" in refused.text
    db.expire_all()
    assert AMOUNT not in _sensitive(db, forwarded)
