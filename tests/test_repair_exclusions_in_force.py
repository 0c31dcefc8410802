"""The exclusions of credit repair that follow the subject's listing (Art. 22; decision 0023
and its addenda): a court judgment defaulter on the court's list is in the case of
Art. 22(3) while its entry is in force — the catalog already says so of the court's
records — and repairs no other record of its file; and where the city bars every
seriously dishonest subject (``XINYONG_REPAIR_EXCLUDES_SERIOUS_LIST``, cited as
Art. 22(5)), approval checks that again, as it checks the cases of Art. 22."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import next_decision_number, record_by_decision
from tests.disclosure_helpers import actor_of
from tests.factories import World, auth_headers
from tests.lists_helpers import (
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    ingest_court,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
)
from tests.lists_rule_pack_helpers import load_earlier
from tests.repair_helpers import ALL_DECLARED, application, apply, old_decision
from xinyong.clock import FixedClock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.config import Settings
from xinyong.errors import Conflict
from xinyong.lists import court_defaulters
from xinyong.lists import entries as list_entries
from xinyong.lists.models import EntryStatus, ListEntry, Tier
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

COURT = "court_judgment_defaulter"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The platform bars every seriously dishonest subject (the Zhejiang model, off by
    default); the services here are given the setting explicitly, the API reads it."""
    return Settings(
        data_dir=tmp_path, login_attempts_per_window=1000, repair_excludes_serious_list=True
    )


def _old_penalty(db: Session, clock: FixedClock, world: World) -> int:
    """A penalty of the company old enough to repair (125 days)."""
    number = next_decision_number()
    ingest_penalty(
        db,
        clock,
        world,
        world.subjects["company"],
        decision_number=number,
        decision_date=old_decision(clock),
    )
    return record_by_decision(db, number).id


def _court_entry(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The court sends the company as a judgment defaulter: on the court's list at once."""
    ingest_court(db, clock, world, [court_row(world, world.subjects["company"])])
    (entry,) = court_defaulters.published_entries(db, actor_of(world, "court_reporter"))
    assert entry.subject_id == world.subjects["company"].id
    return entry


def test_the_courts_standard_names_art22_3() -> None:
    """As data (decisions 0008, 0023): the court's list names the case its conduct is."""
    from xinyong.lists import measures

    named = {s["code"]: s.get("repair_exclusion") for s in measures.read_rule_pack()["standards"]}
    assert named[COURT] == "22(3)"


def test_a_court_judgment_defaulter_in_force_repairs_no_other_record(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Art. 22(3): able to perform and refusing the judgment is the case of "拒不履行法定
    义务，严重影响司法机关公信力"; while the court's entry is in force the subject's credit is
    not repaired — the checklist says so with the standard and its term, the application is
    refused 409 not_repairable, field art22_3 — and once it performs, the court's
    confirmation takes it off the list and it may apply (that leaving is not a repair)."""
    world = lists_world
    entry = _court_entry(db, clock, world)
    record_id = _old_penalty(db, clock, world)
    std = list_entries.standard(db, COURT)

    company = actor_of(world, "company")
    values = application()
    checks = {
        c.code: c
        for c in repair.checklist(
            db,
            clock,
            company,
            record_id,
            correction=values["correction"],
            evidence=values["evidence"],
            declared=ALL_DECLARED,
            committing=True,
        )
    }
    assert not checks["art22_3"].ok
    assert checks["art22_3"].params == {"standard": std.name, "until": str(entry.term_end)}
    assert [code for code, check in checks.items() if not check.ok] == ["art22_3"]
    with pytest.raises(Conflict) as refused:
        apply(db, clock, world, record_id)
    assert (refused.value.code, refused.value.field, refused.value.article) == (
        "not_repairable",
        "art22_3",
        "Art. 22(3)",
    )

    court_defaulters.confirm_performance(
        db,
        clock,
        actor_of(world, "court_reporter"),
        entry.id,
        performed_on=clock.today(),
        detail="已履行全部义务",
        working_days=3,
    )
    assert entry.status is EntryStatus.REMOVED
    assert apply(db, clock, world, record_id).status is RepairStatus.SUBMITTED


def test_a_subject_put_on_the_courts_list_after_applying_is_not_repaired(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    world = lists_world
    record_id = _old_penalty(db, clock, world)
    case = apply(db, clock, world, record_id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    _court_entry(db, clock, world)

    with pytest.raises(Conflict) as refused:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons="整改到位"
        )

    assert (refused.value.code, refused.value.field) == ("not_repairable", "art22_3")
    assert case.status is RepairStatus.ACCEPTED
    assert db.get(CreditRecord, record_id).status is RecordStatus.ACTIVE  # type: ignore[union-attr]


def test_the_courts_standard_states_its_repair_exclusion(
    client: TestClient, db: Session, lists_world: World
) -> None:
    """The standards' API and page state the case for the court's list too."""
    standards = {s["code"]: s for s in client.get("/api/v1/list-standards").json()["items"]}
    assert standards[COURT]["repair_exclusion"] == "22(3)"
    page = client.get("/list-standards?lang=en")
    shown = page.text.split(f'<section id="standard-{COURT}"')[1].split("</section>")[0]
    assert 'data-repair-exclusion="22(3)"' in shown
    assert "Not granted while an entry under this standard is in force" in shown
    chinese = client.get("/list-standards?lang=zh_Hans").text
    court = chinese.split(f'<section id="standard-{COURT}"')[1].split("</section>")[0]
    assert "第二十二条第（三）项" in court


# --- the configured blanket exclusion, on approval ----------------------------------------------


def _kept_without_a_case(db: Session, clock: FixedClock) -> None:
    """The court's list as a city that kept the earlier pack's standard (decision 0034
    addendum: the credit authority may keep its own): serious, naming no case of Art. 22 —
    the listing only the configured blanket exclusion bars."""
    load_earlier(db, clock, "standard", COURT, repair_exclusion=None)


def test_with_the_serious_list_barred_a_subject_listed_after_applying_is_not_repaired(
    db: Session, clock: FixedClock, lists_world: World
) -> None:
    """Decision 0023: approval checks the exclusions again. With the serious list barred,
    a subject put on a serious list after applying is refused on approval as a new
    application is (409 not_repairable, field serious_list, Art. 22(5)); the source may
    still reject. With the setting off the listing does not bar it."""
    world = lists_world
    _kept_without_a_case(db, clock)
    record_id = _old_penalty(db, clock, world)
    case = repair.apply(
        db,
        clock,
        actor_of(world, "company"),
        record_id,
        **application(),
        excludes_serious_list=True,
    )
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    entry = _court_entry(db, clock, world)
    assert entry.tier is Tier.SERIOUS
    officer = actor_of(world, "caseofficer")

    with pytest.raises(Conflict) as new:
        repair.apply(
            db,
            clock,
            actor_of(world, "company"),
            _old_penalty(db, clock, world),
            **application(commitment_text="承诺不再发生"),
            excludes_serious_list=True,
        )
    with pytest.raises(Conflict) as pending:
        repair.decide(
            db,
            clock,
            officer,
            case.id,
            approve=True,
            reasons="整改到位",
            excludes_serious_list=True,
        )

    for refused in (new, pending):
        assert (refused.value.code, refused.value.field, refused.value.article) == (
            "not_repairable",
            "serious_list",
            "Art. 22(5)",
        )
    assert db.get(CreditRecord, record_id).status is RecordStatus.ACTIVE  # type: ignore[union-attr]
    # Off, the same listing (no case of Art. 22) does not bar the approval.
    approved = repair.decide(db, clock, officer, case.id, approve=True, reasons="整改到位")
    assert approved.status is RepairStatus.APPROVED


def test_the_api_checks_the_serious_list_again_on_approval(
    client: TestClient, db: Session, clock: FixedClock, lists_world: World
) -> None:
    """The setting reaches approval through the API as it reaches the application."""
    world = lists_world
    _kept_without_a_case(db, clock)
    record_id = _old_penalty(db, clock, world)
    case = apply(db, clock, world, record_id)
    repair.feedback(db, clock, actor_of(world, "objections"), case.id, accept=True, reasons="")
    _court_entry(db, clock, world)
    db.commit()
    case_id = case.id

    refused = client.post(
        f"/api/v1/repair-cases/{case_id}/decide",
        json={"approve": True, "reasons": "整改到位"},
        headers=auth_headers(client, "caseofficer"),
    )

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "not_repairable",
        "serious_list",
        "Art. 22(5)",
    )
    db.expire_all()
    assert db.get(RepairCase, case_id).status is RepairStatus.ACCEPTED  # type: ignore[union-attr]
