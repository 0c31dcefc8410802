"""Texts officers, handlers and institutions write for others to read hold no citizen ID
number in clear (Art. 4 ¶2; decision 0044, extending decision 0026 beyond the published
texts): each is refused ``citizen_id_in_text`` on its field where it is written, through
the service, the API and the page, and nothing is written."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    actor_of,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    revoke_record,
)
from tests.factories import World, auth_headers, record_objection
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.repair_helpers import apply as apply_for_repair
from tests.repair_helpers import old_decision
from xinyong.clock import Clock
from xinyong.collection import records
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import supervision
from xinyong.errors import InvalidInput
from xinyong.institutions import register
from xinyong.lists import entries, removal_proposals
from xinyong.lists.models import EntryStatus, ListEntry, RemovalReason
from xinyong.objections import service as objections
from xinyong.objections.models import ObjectionStatus, RecordObjection
from xinyong.repair import rules as repair_rules
from xinyong.repair import service as repair
from xinyong.repair.models import RepairCase, RepairStatus

CITIZEN_ID = "11010519491231002X"
TYPED = "当事人身份证号 110105 19491231 002x，经核实……"  # as a person types one
MASKED = "当事人身份证号 110105********002X，经核实……"

SOURCES = Path(__file__).resolve().parent.parent / "src" / "xinyong"
# Where each text is checked: the function that writes it. The subject's own words (an
# objection's statement, a repair application, a declaration, a commitment) and the
# public's comments are screened by ``submitted_text`` (tests/test_submitted_texts.py).
CHECKED = {
    "objections/service.py": ("forward", "decide", "correct", "withdraw"),
    "lists/entries.py": ("propose", "decide_objection", "approve", "reject"),
    "lists/removal_proposals.py": ("_text",),  # a removal's detail, a decision's reasons
    "lists/early_removal.py": ("propose", "decide"),
    "lists/court_defaulters.py": ("confirm_performance",),
    "lists/applications.py": ("apply",),
    "lists/measures.py": ("checked",),
    "repair/service.py": ("_reasons", "feedback"),
    "collection/revocation.py": ("revoke", "reinstate"),
    "collection/records.py": ("update_fulfilment",),
    "disclosure/supervision.py": ("record_follow_up",),
    "disclosure/review.py": ("confirm", "redact"),
    "disclosure/query_items.py": ("create",),
    "institutions/register.py": ("register", "change_status", "amend"),
    "subjects/service.py": ("end_responsible_person",),
    "publicity/cases.py": ("_check_basis",),
}


def _functions_calling_the_check(path: str) -> set[str]:
    tree = ast.parse((SOURCES / path).read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "refuse_citizen_ids"
                ):
                    found.add(node.name)
    return found


@pytest.mark.parametrize("path", sorted(CHECKED))
def test_every_text_others_read_is_checked_where_it_is_written(path: str) -> None:
    assert set(CHECKED[path]) <= _functions_calling_the_check(path)


def _refused(exc: pytest.ExceptionInfo[InvalidInput], field: str) -> None:
    assert (exc.value.code, exc.value.field, exc.value.article) == (
        "citizen_id_in_text",
        field,
        "Art. 4 ¶2",
    )


# --- record objections (Art. 25) -----------------------------------------------------------


def test_a_record_objections_note_decision_and_correction_are_checked(
    db: Session, clock: Clock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection = record_objection(db, clock, world, record.id)
    handler = actor_of(world, "objections")
    with pytest.raises(InvalidInput) as note:
        objections.forward(db, clock, handler, objection.id, note=TYPED)
    _refused(note, "note")
    with pytest.raises(InvalidInput) as reasons:
        objections.decide(db, clock, handler, objection.id, outcome="rejected", reasons=TYPED)
    _refused(reasons, "reasons")
    with pytest.raises(InvalidInput) as check:
        objections.decide(
            db,
            clock,
            handler,
            objection.id,
            outcome="unconfirmed",
            reasons="无法核实",
            check_made="调阅档案，" + CITIZEN_ID,
        )
    _refused(check, "check_made")
    assert db.get(RecordObjection, objection.id).status is ObjectionStatus.RECEIVED  # type: ignore[union-attr]
    # Masked as the platform shows one, it is what the officer means to say.
    objections.forward(db, clock, handler, objection.id, note=MASKED)
    source = actor_of(world, "reporter")
    objections.decide(db, clock, source, objection.id, outcome="upheld", reasons="金额有误")
    with pytest.raises(InvalidInput) as correction:
        objections.correct(
            db,
            clock,
            source,
            objection.id,
            values={"fine_amount": "1"},
            note=TYPED,
        )
    _refused(correction, "note")


def test_the_api_and_the_page_refuse_an_objection_decision_holding_one(
    client: TestClient, db: Session, clock: Clock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    objection_id = record_objection(db, clock, world, record.id).id
    db.commit()
    api = client.post(
        f"/api/v1/record-objections/{objection_id}/decide",
        json={"outcome": "rejected", "reasons": TYPED},
        headers=auth_headers(client, "objections"),
    )
    assert api.status_code == 422
    assert (api.json()["error"]["code"], api.json()["error"]["field"]) == (
        "citizen_id_in_text",
        "reasons",
    )
    log_in(client, "objections")
    case = client.get(f"/record-objections/{objection_id}")
    page = client.post(
        f"/record-objections/{objection_id}/decide",
        data={"outcome": "rejected", "reasons": TYPED, "csrf_token": csrf_from(case.text)},
    )
    assert page.status_code == 422
    assert 'data-code="citizen_id_in_text"' in page.text
    assert TYPED in page.text  # kept in the form to be corrected
    assert db.get(RecordObjection, objection_id).decided_at is None  # type: ignore[union-attr]


# --- credit repair (Art. 20–23) ---------------------------------------------------------------


def test_repair_decisions_are_checked(
    client: TestClient, db: Session, clock: Clock, disclosure_world: World
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world, decision_date=old_decision(clock))
    case = apply_for_repair(
        db, clock, world, record.id, terms=repair_rules.Terms(fraud_exclusion_months=0)
    )
    handler = actor_of(world, "objections")
    for accept in (False, True):
        with pytest.raises(InvalidInput) as refused:
            repair.feedback(db, clock, handler, case.id, accept=accept, reasons=TYPED)
        _refused(refused, "reasons")
    repair.feedback(db, clock, handler, case.id, accept=True, reasons="")
    with pytest.raises(InvalidInput) as decided:
        repair.decide(
            db, clock, actor_of(world, "caseofficer"), case.id, approve=True, reasons=TYPED
        )
    _refused(decided, "reasons")
    case_id = case.id
    db.commit()
    api = client.post(
        f"/api/v1/repair-cases/{case_id}/decide",
        json={"approve": False, "reasons": TYPED},
        headers=auth_headers(client, "caseofficer"),
    )
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "citizen_id_in_text"
    assert db.get(RepairCase, case_id).status is RepairStatus.ACCEPTED  # type: ignore[union-attr]


# --- a commitment's fulfilment (Art. 10 ¶2) -----------------------------------------------------


def test_a_fulfilment_note_is_checked_on_the_service_the_api_and_the_page(
    client: TestClient, db: Session, clock: Clock, collection_world: World
) -> None:
    """The note is the version's detail, in the history a reader of the type sees (Art. 24):
    a third person's ID number in it would be read in clear."""
    world = collection_world
    commitment = records.make_commitment(
        db,
        clock,
        actor_of(world, "citizen"),
        commitment_type="守法承诺",
        reason="办理许可",
        text="本人承诺依法经营",
        accepting_unit=world.organisations["regulator"],
    )
    db.commit()
    reporter = actor_of(world, "reporter")
    with pytest.raises(InvalidInput) as refused:
        records.update_fulfilment(db, clock, reporter, commitment.id, status="breached", note=TYPED)
    _refused(refused, "note")
    api = client.post(
        f"/api/v1/commitments/{commitment.id}/fulfilment",
        json={"status": "breached", "note": TYPED},
        headers=auth_headers(client, "reporter"),
    )
    assert api.status_code == 422
    assert (api.json()["error"]["code"], api.json()["error"]["field"]) == (
        "citizen_id_in_text",
        "note",
    )
    log_in(client, "reporter")
    path = f"/commitments/{commitment.id}/fulfilment"
    form = client.get(path, headers=HTML)
    page = client.post(
        path,
        data={"csrf_token": csrf_from(form.text), "status": "breached", "note": TYPED},
        headers=HTML,
    )
    assert page.status_code == 422
    assert 'data-code="citizen_id_in_text"' in page.text
    assert TYPED in page.text  # kept in the form to be corrected
    db.expire_all()
    assert db.get(CreditRecord, commitment.id).current_version_no == 1  # type: ignore[union-attr]
    # Masked as the platform shows one, it is what the officer means to say.
    version = records.update_fulfilment(
        db, clock, reporter, commitment.id, status="breached", note=MASKED
    )
    assert version.reason_detail == MASKED


# --- revocation, supervision, the institutions' register, query items ------------------------


def test_a_revocation_reason_is_checked(db: Session, clock: Clock, disclosure_world: World) -> None:
    record = company_penalty(db, clock, disclosure_world)
    with pytest.raises(InvalidInput) as refused:
        revoke_record(db, clock, disclosure_world, record.id, reason=TYPED)
    _refused(refused, "reason")


def test_a_follow_up_and_an_institutions_status_reason_are_checked(
    client: TestClient, db: Session, clock: Clock, world: World
) -> None:
    authority = actor(world, "authority")
    with pytest.raises(InvalidInput) as follow_up:
        supervision.record_follow_up(
            db, clock, authority, world.organisations["regulator"], "interview", TYPED
        )
    _refused(follow_up, "reason")
    entry = register.register(
        db,
        clock,
        authority,
        uscc="91350100M000100Y43",
        name="福州明信信用服务有限公司",
        filing_number="闽信备〔2026〕0101号",
        filing_date=dt.date(2026, 5, 1),
        business_scope="企业信用评价",
        services=["信用评价报告"],
    )
    with pytest.raises(InvalidInput) as scope:
        register.amend(
            db,
            clock,
            authority,
            entry.uscc,
            name=entry.name,
            business_scope="法定代表人 " + CITIZEN_ID,
            services=["信用评价报告"],
            reason="变更",
        )
    _refused(scope, "business_scope")
    db.commit()
    api = client.post(
        f"/api/v1/institutions/{entry.uscc}/status",
        json={"status": "suspended", "reason": TYPED},
        headers=auth_headers(client, "authority"),
    )
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "citizen_id_in_text"


# --- list entries (Art. 14–15, 25) -------------------------------------------------------------


def test_list_decisions_removals_and_objection_answers_are_checked(
    lists_world: World, db: Session, clock: Clock
) -> None:
    world = lists_world
    entry = published_entry(db, clock, world, world.subjects["other_company"])
    officer = actor(world, "caseofficer2")
    with pytest.raises(InvalidInput) as removed:
        removal_proposals.propose(
            db,
            clock,
            actor(world, "caseofficer"),
            entry.id,
            reason=RemovalReason.OTHER,
            detail=TYPED,
        )
    _refused(removed, "detail")
    removal = removal_proposals.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        entry.id,
        reason=RemovalReason.OTHER,
        detail="已整改",
    )
    for decide in (removal_proposals.approve, removal_proposals.refuse):
        with pytest.raises(InvalidInput) as decided:
            decide(db, clock, officer, removal.id, reasons=TYPED)
        _refused(decided, "reasons")
    proposal = entries.propose(
        db,
        clock,
        actor(world, "caseofficer"),
        subject=world.subjects["company"],
        standard_code="dishonest_subject",
        criteria_met="较重处罚",
        reasons="拒不履行",
        evidence="决定书",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    )
    objection = entries.object_to(db, clock, actor(world, "company"), proposal.id, "处罚已履行")
    with pytest.raises(InvalidInput) as answered:
        entries.decide_objection(db, clock, officer, objection.id, upheld=False, reasons=TYPED)
    _refused(answered, "reasons")
    with pytest.raises(InvalidInput) as rejected:
        entries.reject(db, clock, officer, proposal.id, reasons=TYPED)
    _refused(rejected, "reasons")
    assert db.get(ListEntry, entry.id).status is EntryStatus.PUBLISHED  # type: ignore[union-attr]
    assert objection.decided_at is None


def test_the_queue_refuses_a_removal_holding_one(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    entry = published_entry(db, clock, lists_world, lists_world.subjects["company"])
    entry_id = entry.id
    db.commit()
    log_in(client, "caseofficer2")
    token = csrf_from(client.get("/lists-queue", headers=HTML).text)
    page = client.post(
        f"/lists-queue/{entry_id}/remove",
        data={"reason": "other", "detail": TYPED, "csrf_token": token},
        headers=HTML,
    )
    assert page.status_code == 422
    assert 'data-code="citizen_id_in_text"' in page.text
    assert db.scalar(select(ListEntry.status).where(ListEntry.id == entry_id)) is (
        EntryStatus.PUBLISHED
    )


# --- early removal (SAMR Order 44) and measures applied (Art. 15 ¶2) ---------------------------


def test_an_early_removal_decision_is_checked_on_the_api(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    entry = published_entry(
        db, clock, lists_world, lists_world.subjects["company"], approved_days_ago=400
    )
    db.commit()
    made = client.post(
        f"/api/v1/me/list-entries/{entry.id}/early-removal",
        json={"obligations_met": "罚款已缴清", "evidence": "缴款凭证", "commitment": True},
        headers=auth_headers(client, "company"),
    )
    assert made.status_code == 201, made.text
    base = f"/api/v1/early-removals/{made.json()['id']}"
    officer = auth_headers(client, "caseofficer")
    refused = client.post(
        f"{base}/propose", json={"approve": False, "reasons": TYPED}, headers=officer
    )
    assert refused.status_code == 422
    assert (refused.json()["error"]["code"], refused.json()["error"]["field"]) == (
        "citizen_id_in_text",
        "reasons",
    )
    proposed = client.post(
        f"{base}/propose", json={"approve": True, "reasons": "已履行"}, headers=officer
    )
    assert proposed.status_code == 200, proposed.text
    decided = client.post(
        f"{base}/decide",
        json={"confirm": True, "reasons": TYPED},
        headers=auth_headers(client, "caseofficer2"),
    )
    assert decided.json()["error"]["code"] == "citizen_id_in_text"
    assert client.get(base, headers=officer).json()["status"] == "proposed"


def test_a_measure_applications_reasons_are_checked_on_the_api_and_the_page(
    lists_world: World, db: Session, clock: Clock, client: TestClient
) -> None:
    company = lists_world.subjects["company"]
    published_entry(db, clock, lists_world, company)
    code = company.uscc
    db.commit()
    body = {"subject": code, "matter": "honours", "measure": "pun_honours", "reasons": TYPED}
    api = client.post(
        "/api/v1/measure-applications", json=body, headers=auth_headers(client, "caseofficer")
    )
    assert api.status_code == 422
    assert api.json()["error"]["code"] == "citizen_id_in_text"
    log_in(client, "caseofficer")
    page = client.post(
        "/measure-applications",
        data={
            **body,
            "csrf_token": csrf_from(client.get("/measure-applications", headers=HTML).text),
        },
        headers=HTML,
    )
    assert page.status_code == 422
    assert 'data-code="citizen_id_in_text"' in page.text
