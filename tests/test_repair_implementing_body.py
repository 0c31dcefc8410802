"""The implementing body of a credit repair (Art. 20 ¶2) is the state organ or public-function
organisation that recognised the conduct and collected the record — its source. So the
commitment of Art. 21 ¶2(2) counts when that body recognised it: one made to another unit
meets no condition of this repair. And market credit information (a bank's record of its own
business, Art. 10 ¶1) has no implementing body: it is refused up front, with the article,
in the service, the API and the pages — not by a commitment refused half-way for a field the
form does not have."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers
from tests.page_helpers import csrf_from, log_in
from tests.repair_helpers import ALL_DECLARED, application, old_decision
from xinyong.clock import FixedClock
from xinyong.collection import records as collection_records
from xinyong.collection.models import CreditRecord
from xinyong.errors import Conflict, InvalidInput
from xinyong.repair import cases
from xinyong.repair import service as repair
from xinyong.repair.models import RepairStatus
from xinyong.web import i18n, refusals

ANOTHER_UNIT = "this commitment was accepted by another unit"


def _commitment(db: Session, clock: FixedClock, world: World, unit: str) -> CreditRecord:
    return collection_records.make_commitment(
        db,
        clock,
        actor_of(world, "company"),
        commitment_type=f"承诺（{unit}）",
        reason="守法经营",
        text="本单位承诺依法经营，不再发生同类失信行为",
        accepting_unit=world.organisations[unit],
    )


# --- the commitment recognised by the implementing body (Art. 21 ¶2(2)) ---------------------


def test_a_commitment_made_to_another_unit_does_not_meet_the_condition(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    elsewhere = _commitment(db, clock, world, "other_agency")
    company = actor_of(world, "company")

    checks = repair.checklist(
        db, clock, company, record.id, commitment_record_id=elsewhere.id, declared=ALL_DECLARED
    )
    (made,) = [c for c in checks if c.code == "commitment_made"]
    assert (made.ok, made.article) == (False, "Art. 21 ¶2(2)")
    assert made.message.startswith(ANOTHER_UNIT)
    with pytest.raises(InvalidInput) as refused:
        repair.apply(
            db,
            clock,
            company,
            record.id,
            **application(commitment_text="", commitment_record_id=elsewhere.id),
        )
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "repair_condition_unmet",
        "commitment_made",
        "Art. 21 ¶2(2)",
    )

    # One made to the market regulator, the record's source, meets it.
    recognised = _commitment(db, clock, world, "regulator")
    case = repair.apply(
        db,
        clock,
        company,
        record.id,
        **application(commitment_text="", commitment_record_id=recognised.id),
    )
    assert case.status is RepairStatus.SUBMITTED
    assert case.commitment_record_id == recognised.id


def test_the_page_says_why_in_chinese(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    elsewhere = _commitment(db, clock, world, "other_agency")
    db.commit()
    log_in(client, "company")
    page = client.get("/me/repairs")
    values = application()
    refused = client.post(
        "/me/repairs",
        data={
            "record": record.id,
            "correction": values["correction"],
            "evidence": values["evidence"],
            "declared": sorted(ALL_DECLARED),
            "commitment_record": str(elsewhere.id),
            "csrf_token": csrf_from(page.text),
        },
    )

    assert refused.status_code == 422
    assert 'data-code="repair_condition_unmet"' in refused.text
    zh = i18n.translations("zh_Hans").gettext
    message = (
        "this commitment was accepted by another unit: link one made to the unit that "
        "supplied the record, or make one with the application"
    )
    assert message in refusals.MESSAGES
    assert zh(message) != message
    assert zh(message) in refused.text


# --- market credit information (Art. 20 ¶2) ---------------------------------------------------


def test_a_market_record_is_refused_up_front_naming_the_article(
    db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    breach = contract_breach(db, clock, world)  # the bank's, about the person
    citizen = actor_of(world, "citizen")

    for attempt in (
        lambda: repair.checklist(db, clock, citizen, breach.id, committing=True),
        lambda: repair.apply(
            db, clock, citizen, breach.id, **application(commitment_text="承诺按时还款")
        ),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert (refused.value.code, refused.value.field, refused.value.article) == (
            "market_record_not_repairable",
            "record",
            "Art. 20 ¶2",
        )
    # Nothing was made on the way: no commitment to the bank, which accepts none.
    assert [c.record.id for c in cases.commitments(db, citizen)] == []
    assert breach.id not in [r.record.id for r in cases.repairable_records(db, citizen)]


def test_the_api_refuses_a_market_record(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    breach = contract_breach(db, clock, disclosure_world)
    db.commit()
    headers = auth_headers(client, "citizen")
    values = application(commitment_text="承诺按时还款")
    body = {**values, "declared": sorted(values["declared"])}

    for response in (
        client.get(f"/api/v1/me/records/{breach.id}/repair-checklist", headers=headers),
        client.post(f"/api/v1/me/records/{breach.id}/repairs", headers=headers, json=body),
    ):
        assert response.status_code == 409, response.text
        error = response.json()["error"]
        assert (error["code"], error["field"], error["article"]) == (
            "market_record_not_repairable",
            "record",
            "Art. 20 ¶2",
        )


def test_the_pages_offer_no_repair_of_a_market_record_and_refuse_one_posted(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    breach = contract_breach(db, clock, disclosure_world)
    db.commit()
    log_in(client, "citizen")

    file = client.get("/me/credit")
    assert f'data-record="{breach.id}"' in file.text
    assert f'href="/me/repairs?record={breach.id}"' not in file.text
    page = client.get("/me/repairs")
    assert f'<option value="{breach.id}"' not in page.text
    values = application(commitment_text="承诺按时还款")
    refused = client.post(
        "/me/repairs",
        data={
            "record": breach.id,
            "correction": values["correction"],
            "evidence": values["evidence"],
            "declared": sorted(ALL_DECLARED),
            "commitment_text": values["commitment_text"],
            "csrf_token": csrf_from(page.text),
        },
    )

    assert refused.status_code == 409
    assert 'data-code="market_record_not_repairable"' in refused.text
    assert "第二十条第二款" in refused.text
