"""The public credit commitment a subject makes with its repair application (Art. 21 ¶2(2))
publishes what is public — a type that is the same for every repair and the subject's own
text — and never the record it was made for: that record may not be public (a minor
penalty) or may have left the public file by the repair itself (Art. 13 ¶3, Art. 21,
Art. 32). Which record it was for is the repair case's, which the subject and the staff
handling the case see. And the application form offers to link only the commitments that
count for the record: those its source accepted (Art. 21 ¶2(2))."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
)
from tests.factories import World, auth_headers
from tests.page_helpers import log_in
from tests.repair_helpers import REPAIRABLE_AGE, application
from xinyong.clock import FixedClock
from xinyong.collection import records as collection_records
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import files
from xinyong.repair import cases
from xinyong.repair import service as repair

COMMITMENT = "credit_commitment"
TEXTS = ("本公司承诺今后规范经营，不再发生同类行为", "本公司承诺依法经营，自觉接受监督")


def _warning(db: Session, clock: FixedClock, world: World, decided: dt.date) -> CreditRecord:
    """A warning only: a minor penalty, which is not published (the rule pack)."""
    return company_penalty(
        db,
        clock,
        world,
        decision_date=decided.isoformat(),
        penalty_category="警告",
        penalty_content="警告",
        fine_amount="",
    )


def _fine(db: Session, clock: FixedClock, world: World, decided: dt.date) -> CreditRecord:
    return company_penalty(db, clock, world, decision_date=decided.isoformat())


def _body(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "declared": sorted(values["declared"])}


def _commitments(public: dict[str, Any]) -> list[dict[str, Any]]:
    return [item for item in public["items"] if item["type"] == COMMITMENT]


def _names_nothing_of(text: str, record: CreditRecord) -> None:
    assert f"记录{record.id}" not in text
    assert "行政处罚" not in text
    assert record.decision_date.isoformat() not in text


def test_a_repair_commitment_publishes_no_record_not_public_or_repaired(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    today = clock.today()
    warning = _warning(db, clock, world, today - REPAIRABLE_AGE)
    fine = _fine(db, clock, world, today - REPAIRABLE_AGE - dt.timedelta(days=30))
    db.commit()
    public_url = f"/api/v1/subjects/{company.public_code}/public"
    before = client.get(public_url).json()
    assert warning.id not in [item["id"] for item in before["items"]]
    assert fine.id in [item["id"] for item in before["items"]]

    # Two records of one source repaired on one day: two commitments of one type, day and
    # accepting unit, both made.
    headers = auth_headers(client, "company")
    applied = [
        client.post(
            f"/api/v1/me/records/{record.id}/repairs",
            headers=headers,
            json=_body(application(commitment_text=text)),
        )
        for record, text in ((warning, TEXTS[0]), (fine, TEXTS[1]))
    ]
    assert [r.status_code for r in applied] == [201, 201], [r.text for r in applied]

    public = client.get(public_url).json()
    made = _commitments(public)
    assert sorted(item["content"]["commitment_text"] for item in made) == sorted(TEXTS)
    for item in made:
        assert item["content"]["commitment_type"] == "信用修复承诺"
        assert item["content"]["commitment_reason"] == "申请信用修复"
        for record in (warning, fine):
            _names_nothing_of(str(item), record)
    # Nothing of the warning anywhere in the public file, the API or the page.
    page = client.get(f"/subjects/{company.public_code}")
    assert page.status_code == 200
    for shown in (str(public), page.text):
        assert warning.decision_date.isoformat() not in shown
        assert "信用修复承诺（记录" not in shown

    # The fine repaired, it leaves the public file, and nothing there says it was.
    (case,) = [c for c in applied if c.json()["record"]["id"] == fine.id]
    case_id = case.json()["id"]
    accepted = client.post(
        f"/api/v1/repair-cases/{case_id}/feedback",
        headers=auth_headers(client, "objections"),
        json={"accept": True, "reasons": ""},
    )
    assert accepted.status_code == 200, accepted.text
    approved = client.post(
        f"/api/v1/repair-cases/{case_id}/decide",
        headers=auth_headers(client, "caseofficer"),
        json={"approve": True, "reasons": "已整改并缴纳罚款"},
    )
    assert approved.json()["record"]["status"] == "repaired"
    public = client.get(public_url).json()
    assert [item["id"] for item in public["items"] if item["id"] in (warning.id, fine.id)] == []
    assert len(_commitments(public)) == 2
    page = client.get(f"/subjects/{company.public_code}")
    for shown in (str(public), page.text):
        for record in (warning, fine):
            assert record.decision_date.isoformat() not in shown
        assert "行政处罚" not in shown


def test_the_subject_and_the_staff_still_see_which_record_a_commitment_was_for(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    warning = _warning(db, clock, world, clock.today() - REPAIRABLE_AGE)
    fine = _fine(db, clock, world, clock.today() - REPAIRABLE_AGE)
    company = actor_of(world, "company")
    made = {
        record.id: repair.apply(db, clock, company, record.id, **application(commitment_text=text))
        for record, text in ((warning, TEXTS[0]), (fine, TEXTS[1]))
    }
    db.commit()
    assert made[warning.id].commitment_record_id != made[fine.id].commitment_record_id

    # The subject's own API: each case names its record and its commitment.
    mine = client.get("/api/v1/me/repairs", headers=auth_headers(client, "company")).json()
    assert {item["record"]["id"]: item["commitment_record"] for item in mine["items"]} == {
        record_id: case.commitment_record_id for record_id, case in made.items()
    }
    # The subject's own file: each commitment says which application and record it is for.
    log_in(client, "company")
    own = client.get("/me/credit").text
    for record_id, case in made.items():
        assert f'data-repair-case="{case.id}" data-repaired-record="{record_id}"' in own, record_id
        assert f'href="/repair-cases/{case.id}"' in own
    page = client.get(f"/repair-cases/{made[warning.id].id}?lang=en").text
    assert f"Record no. {made[warning.id].commitment_record_id}" in page
    client.cookies.clear()
    # The source's case officer reads it in the case.
    log_in(client, "caseofficer")
    page = client.get(f"/repair-cases/{made[warning.id].id}?lang=en")
    assert page.status_code == 200
    assert f"Record no. {made[warning.id].commitment_record_id}" in page.text


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=600)),
        min_size=1,
        max_size=3,
    )
)
def test_whatever_records_are_repaired_on_a_day_the_commitments_publish_only_the_subjects_text(
    db: Session, clock: FixedClock, disclosure_world: World, drawn: list[tuple[bool, int]]
) -> None:
    """Any records of one source — warnings or fines, of any age repairable — applied for on
    one day: every application is taken, and the public file's commitments differ only in the
    subject's text, naming none of the records, their type or their date."""
    world = disclosure_world
    company = world.subjects["company"]
    savepoint = db.begin_nested()
    try:
        today = clock.today()
        records = [
            (_warning if warning else _fine)(
                db, clock, world, today - REPAIRABLE_AGE - dt.timedelta(days=days)
            )
            for warning, days in drawn
        ]
        made = [
            repair.apply(
                db,
                clock,
                actor_of(world, "company"),
                record.id,
                **application(commitment_text=f"承诺第{n}号：依法经营"),
            )
            for n, record in enumerate(records)
        ]
        assert len({case.commitment_record_id for case in made}) == len(records)
        public = [
            view.payload
            for view in files.build_file(db, company, today=today, public_only=True)
            if view.type_code == COMMITMENT
        ]
        assert len(public) == len(records)
        texts = {content.pop("commitment_text") for content in public}
        assert texts == {f"承诺第{n}号：依法经营" for n in range(len(records))}
        # All alike but for the text: nothing tells one record from another.
        assert all(content == public[0] for content in public)
        for record in records:
            _names_nothing_of(str(public), record)
        links = cases.repair_links(db, actor_of(world, "company"))
        assert {case.commitment_record_id: [(case.id, case.record_id)] for case in made} == links
    finally:
        savepoint.rollback()


# --- the commitments the form offers to link ---------------------------------------------


def test_the_form_offers_to_link_only_commitments_the_records_source_accepted(
    client: TestClient, db: Session, clock: FixedClock, disclosure_world: World
) -> None:
    world = disclosure_world
    fine = _fine(db, clock, world, clock.today() - REPAIRABLE_AGE)
    company = actor_of(world, "company")

    def commitment(unit: str) -> CreditRecord:
        return collection_records.make_commitment(
            db,
            clock,
            company,
            commitment_type=f"守法承诺（{unit}）",
            reason="守法经营",
            text="本单位承诺依法经营，不再发生同类失信行为",
            accepting_unit=world.organisations[unit],
        )

    elsewhere = commitment("other_agency")
    recognised = commitment("regulator")
    db.commit()
    judged = {c.record.id: c.problem for c in cases.commitments_for(db, company, fine.id)}
    assert judged[recognised.id] is None
    assert (judged[elsewhere.id] or "").startswith("this commitment was accepted by another unit")

    log_in(client, "company")
    page = client.get(f"/me/repairs?record={fine.id}").text
    offered = page.split('id="commitment_record"')[1].split("</select>")[0]
    assert f'<option value="{recognised.id}"' in offered
    assert f'<option value="{elsewhere.id}"' not in offered
    # The other is listed with why it does not count, in the page's language.
    assert f'<li data-commitment="{elsewhere.id}">' in page
    assert "该承诺由其他单位接受" in page
    # Before a record is checked, nothing is offered to link: which ones count depends on it.
    unchosen = client.get("/me/repairs").text
    assert 'id="commitment_record"' not in unchosen
    assert 'class="commitments-hint"' in unchosen
