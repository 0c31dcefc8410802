"""Consent and the Art. 11 bans for natural persons, through the API (the CLI has its own
tests in test_cli_import.py): ¶1 consent unless public by law, ¶2 written consent after
notice of adverse consequences for restricted fields, ¶3 prohibited content always refused;
revocation stops the next batch and is audited."""

# Fixtures are imported from tests.collection_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    RECENT,
    add_reporter,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    count,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    penalty_row,
    person_penalty_row,
    problems_of,
    records_of,
    source_columns,
    subject_row,
    tables_containing,
    versions_of,
)
from tests.factories import World, auth_headers
from tests.page_helpers import csrf_from, log_in
from xinyong.accounts import service as accounts
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.collection import consent, pipeline
from xinyong.collection.models import Consent, QuarantinedRow, RowDisposition
from xinyong.crypto import default_cipher
from xinyong.errors import InvalidInput, NotFound
from xinyong.subjects import service as subjects

BATCHES = "/api/v1/batches"
CONSENTS = "/api/v1/me/consents"
TAX_AMOUNT = "987.65"


@pytest.fixture
def consent_world(collection_world: World, db: Session, clock: Clock) -> World:
    """The regulator is also responsible for social-insurance arrears (not public by law
    for persons) and major tax violations (public by law, with a restricted field); the
    bank reports contract performance through its own data reporter."""
    world = collection_world
    grant(
        db,
        clock,
        world.organisations["regulator"],
        "social_insurance_arrears",
        "major_tax_violation",
    )
    grant(db, clock, world.organisations["bank"], "contract_performance")
    add_reporter(db, world.organisations["bank"], "bank_clerk")
    db.commit()
    return world


def arrears_row(world: World, name: str, citizen_id: str, **extra: str) -> dict[str, str]:
    return {
        **subject_row(name, citizen_id=citizen_id),
        "notice_number": f"榕社保欠〔2026〕{len(name)}{citizen_id[-4:]}号",
        "arrears_period": "2026年1月至6月",
        "arrears_amount": "0.8",
        "determined_on": RECENT.isoformat(),
        **source_columns(world.organisations["regulator"]),
        **extra,
    }


def contract_row(world: World, name: str, citizen_id: str) -> dict[str, str]:
    return {
        **subject_row(name, citizen_id=citizen_id),
        "contract_number": f"FZB-{citizen_id[-4:]}",
        "breach_description": "逾期未还款",
        "breach_date": RECENT.isoformat(),
        "amount_owed": "1.2",
        "counterparty": world.organisations["bank"].name,
    }


def tax_row(world: World, name: str, citizen_id: str, **extra: str) -> dict[str, str]:
    return {
        **subject_row(name, citizen_id=citizen_id),
        "case_number": f"榕税稽〔2026〕{citizen_id[-4:]}号",
        "case_nature": "偷税",
        "main_facts": "通过隐匿收入方式少缴个人所得税",
        "tax_amount_evaded": TAX_AMOUNT,
        "penalty": "《税收征收管理法》第六十三条，追缴税款并处罚款",
        "decision_date": RECENT.isoformat(),
        **source_columns(world.organisations["regulator"]),
        **extra,
    }


def post_rows(
    client: TestClient, username: str, record_type: str, rows: list[dict[str, str]]
) -> Any:
    """A new batch each time (its own Idempotency-Key): the same body sent again without a
    key would be a replay of the first batch and return its report unchanged."""
    return client.post(
        BATCHES,
        params={"type": record_type},
        content=json.dumps(rows, ensure_ascii=False).encode(),
        headers={
            **auth_headers(client, username),
            "Content-Type": "application/json",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )


def problems(response: Any) -> list[tuple[int, str | None, str, str | None]]:
    assert response.status_code in (200, 201), response.text
    return [(p["row"], p["field"], p["code"], p["article"]) for p in response.json()["problems"]]


def give_consent(
    client: TestClient, grantee: str, types: list[str], **extra: Any
) -> dict[str, Any]:
    response = client.post(
        CONSENTS,
        json={"grantee": grantee, "record_types": types, **extra},
        headers=auth_headers(client, "citizen"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- Art. 11 ¶1 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "record_type", "build"),
    [
        ("reporter", "social_insurance_arrears", arrears_row),
        ("bank_clerk", "contract_performance", contract_row),
    ],
)
def test_a_person_row_not_public_by_law_needs_consent(
    consent_world: World,
    client: TestClient,
    db: Session,
    username: str,
    record_type: str,
    build: Any,
) -> None:
    world = consent_world
    person = world.subjects["person"]
    company = world.subjects["company"]
    subjects_before = count(db, "subject")
    rows = [
        build(world, person.name, citizen_id_of(person)),
        build(world, "赵某某", NEW_PERSON_ID),  # nobody knows this person yet
        {**build(world, company.name, ""), **subject_row(company.name, uscc=company.uscc or "")},
    ]

    response = post_rows(client, username, record_type, rows)

    assert problems(response) == [
        (1, "id_number", "consent_required", "Art. 11 ¶1"),
        (2, "id_number", "consent_required", "Art. 11 ¶1"),
    ]
    assert response.json()["created"] == 1  # the organisation's row needs no consent
    assert records_of(db, person.id) == []
    # A person without consent is not written into the platform at all.
    assert subjects.by_citizen_id(db, NEW_PERSON_ID) is None
    assert count(db, "subject") == subjects_before
    assert response.json()["new_subjects"] == 0


def test_consent_given_by_the_person_lets_the_row_in(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    regulator = world.organisations["regulator"]
    row = arrears_row(world, person.name, citizen_id_of(person))

    # Consent to someone else, or for something else, does not count.
    give_consent(client, world.organisations["bank"].code, ["social_insurance_arrears"])
    give_consent(client, regulator.code, ["utility_arrears"])
    assert [
        p[2] for p in problems(post_rows(client, "reporter", "social_insurance_arrears", [row]))
    ] == ["consent_required"]

    given = give_consent(client, regulator.code, ["social_insurance_arrears"])
    assert given["record_types"] == ["social_insurance_arrears"]
    assert given["revoked_at"] is None
    listed = client.get(CONSENTS, headers=auth_headers(client, "citizen")).json()["items"]
    assert given["id"] in [item["id"] for item in listed]
    stored = db.get(Consent, given["id"])
    assert stored is not None
    assert (stored.subject_id, stored.grantee_organisation_id) == (person.id, regulator.id)

    response = post_rows(client, "reporter", "social_insurance_arrears", [row])
    assert problems(response) == []
    assert response.json()["created"] == 1
    (record,) = records_of(db, person.id)
    assert record.source_organisation_id == regulator.id


def test_a_consent_for_all_types_covers_the_bank(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    give_consent(client, world.organisations["bank"].code, ["*"])
    response = post_rows(
        client,
        "bank_clerk",
        "contract_performance",
        [contract_row(world, person.name, citizen_id_of(person))],
    )
    assert problems(response) == []
    (record,) = records_of(db, person.id)
    assert record.publicity_start is None  # market information is not published


def test_public_by_law_needs_no_consent(consent_world: World, db: Session, clock: Clock) -> None:
    world = consent_world
    person = world.subjects["person"]
    row = person_penalty_row(world, citizen_id_of(person), person.name)
    report = ingest(db, clock, world.organisations["regulator"], [row])
    assert problems_of(report) == []
    assert len(records_of(db, person.id)) == 1


# --- Art. 11 ¶2 --------------------------------------------------------------------------


def test_a_restricted_field_needs_written_consent_after_notice(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    regulator = world.organisations["regulator"]
    row = tax_row(world, person.name, citizen_id_of(person))

    refused = post_rows(client, "reporter", "major_tax_violation", [row])
    assert problems(refused) == [(1, "tax_amount_evaded", "written_consent_required", "Art. 11 ¶2")]

    # A written consent without the notice of adverse consequences is refused when given:
    # for a type public by law it would cover nothing (Art. 11 ¶1 needs no consent, ¶2 the
    # notice) ...
    without_notice = client.post(
        CONSENTS,
        json={"grantee": regulator.code, "record_types": ["major_tax_violation"], "written": True},
        headers=auth_headers(client, "citizen"),
    )
    assert without_notice.status_code == 422, without_notice.text
    error = without_notice.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "adverse_consequences_notice_required",
        "adverse_consequences_notified",
        "Art. 11 ¶2",
    )
    assert db.scalars(select(Consent).where(Consent.subject_id == person.id)).all() == []
    # ... and one on file from before that rule is not enough for the pipeline either.
    db.add(
        Consent(
            subject_id=person.id,
            grantee_organisation_id=regulator.id,
            record_type_codes=["major_tax_violation"],
            written=True,
            adverse_consequences_notified=False,
            valid_from=dt.date(2026, 1, 1),
            granted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
    )
    db.commit()
    refused = post_rows(client, "reporter", "major_tax_violation", [row])
    assert problems(refused) == [(1, "tax_amount_evaded", "written_consent_required", "Art. 11 ¶2")]
    assert records_of(db, person.id) == []
    (held,) = db.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == refused.json()["batch_id"])
    ).all()
    # Not kept, even encrypted: without the written consent the platform may not collect it.
    assert held.values_ciphertext is None

    given = give_consent(
        client,
        regulator.code,
        ["major_tax_violation"],
        written=True,
        adverse_consequences_notified=True,
        evidence="书面同意书（已告知可能产生的不利后果），2026-11-27 签署",
    )
    assert given["adverse_consequences_notified"] is True
    accepted = post_rows(client, "reporter", "major_tax_violation", [row])
    assert problems(accepted) == []
    (record,) = records_of(db, person.id)
    (version,) = versions_of(db, record.id)
    assert "tax_amount_evaded" not in version.payload
    assert version.sensitive_ciphertext is not None
    sensitive = json.loads(
        default_cipher().decrypt(version.sensitive_ciphertext, context=pipeline.SENSITIVE_CONTEXT)
    )
    assert sensitive["tax_amount_evaded"] == TAX_AMOUNT
    # The amount is stored only encrypted: in no table in clear (the refused rows are
    # quarantined encrypted as well).
    assert tables_containing(db, TAX_AMOUNT) == []


def test_the_same_tax_case_without_the_restricted_field_needs_no_consent(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    row = tax_row(world, person.name, citizen_id_of(person), tax_amount_evaded="")
    assert problems(post_rows(client, "reporter", "major_tax_violation", [row])) == []
    assert len(records_of(db, person.id)) == 1


def test_a_restricted_field_about_an_organisation_is_kept_encrypted(
    consent_world: World, db: Session, clock: Clock
) -> None:
    world = consent_world
    company = world.subjects["company"]
    row = {
        **tax_row(world, company.name, ""),
        **subject_row(company.name, uscc=company.uscc or ""),
    }
    row.pop("id_number", None)
    row.pop("id_type", None)
    report = ingest(
        db, clock, world.organisations["regulator"], [row], record_type="major_tax_violation"
    )
    assert problems_of(report) == []
    (record,) = records_of(db, company.id)
    (version,) = versions_of(db, record.id)
    assert "tax_amount_evaded" not in version.payload
    assert tables_containing(db, TAX_AMOUNT) == []


# --- Art. 11 ¶3 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("血型", "AB型"),
        ("宗教信仰", "某教派信徒"),
        ("病史", "高血压十年"),
        ("blood_type", "O-neg"),
        # In the Traditional script, as a zh-Hant form writes it.
        ("指紋", "已採集"),
        ("病歷", "高血壓"),
    ],
)
def test_prohibited_content_is_refused_even_with_consent(
    consent_world: World, client: TestClient, db: Session, column: str, value: str
) -> None:
    world = consent_world
    person = world.subjects["person"]
    give_consent(
        client,
        world.organisations["regulator"].code,
        ["*"],
        written=True,
        adverse_consequences_notified=True,
        evidence="书面同意书",
    )
    rows = [
        {**arrears_row(world, person.name, citizen_id_of(person)), column: value},
        {**person_penalty_row(world, citizen_id_of(person), person.name), column: value},
    ]

    for record_type, row in zip(
        ("social_insurance_arrears", "administrative_penalty"), rows, strict=True
    ):
        response = post_rows(client, "reporter", record_type, [row])
        assert problems(response) == [(1, column, "prohibited_content", "Art. 11 ¶3")]
        (quarantined,) = db.scalars(
            select(QuarantinedRow).where(QuarantinedRow.batch_id == response.json()["batch_id"])
        ).all()
        assert quarantined.disposition is RowDisposition.REJECTED
        assert quarantined.values_ciphertext is None, "unlawful content is not kept at all"
    assert records_of(db, person.id) == []
    assert tables_containing(db, value) == []


FREE_TEXT_CASES = {
    "violation_facts": "当事人患有乙肝病史且血型为AB型，宗教信仰为某教，擅自从事经营",
    "remarks": "其指纹信息见附件",
}


def test_prohibited_content_in_a_persons_free_text_is_refused_and_never_published(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """Art. 11 ¶3 in a value, not only a column's name: a natural person's penalty whose
    facts or remarks name their health, blood type, belief or fingerprints is rejected,
    field by field, and nothing of it is kept; the source redacts and sends it again."""
    world = consent_world
    person = world.subjects["person"]
    row = person_penalty_row(world, citizen_id_of(person), person.name, **FREE_TEXT_CASES)

    response = post_rows(client, "reporter", "administrative_penalty", [row])

    assert problems(response) == [
        (1, "violation_facts", "prohibited_content", "Art. 11 ¶3"),
        (1, "remarks", "prohibited_content", "Art. 11 ¶3"),
    ]
    assert response.json()["created"] == 0
    messages = " ".join(p["message"] for p in response.json()["problems"])
    assert "disease and medical history" in messages
    assert "fingerprints" in messages
    assert "乙肝" not in messages, "a problem never quotes the row"
    (quarantined,) = db.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == response.json()["batch_id"])
    ).all()
    assert quarantined.values_ciphertext is None
    assert records_of(db, person.id) == []
    assert tables_containing(db, "血型为AB型") == []
    public = client.get(f"/api/v1/subjects/{person.reference}/public")
    assert "血型" not in public.text
    assert "病史" not in public.text
    # Written in the Traditional script, it is the same content.
    traditional = {**row, "violation_facts": "當事人病歷顯示其患有肝病", "remarks": ""}
    assert problems(post_rows(client, "reporter", "administrative_penalty", [traditional])) == [
        (1, "violation_facts", "prohibited_content", "Art. 11 ¶3")
    ]
    # Redacted, the row goes in.
    redacted = {**row, "violation_facts": "擅自从事经营", "remarks": ""}
    assert problems(post_rows(client, "reporter", "administrative_penalty", [redacted])) == []
    assert len(records_of(db, person.id)) == 1


@pytest.mark.parametrize(
    "facts",
    [
        "未取得健康证明从事食品经营",
        "销售未按规定标注转基因标识的食用油",
        "无证行医，擅自为他人诊断并开具处方",
        "擅自在非宗教活动场所组织宗教活动",
        "经营未经注册的医疗器械",
    ],
)
def test_ordinary_penalty_texts_about_a_person_are_not_taken_for_prohibited_content(
    consent_world: World, client: TestClient, db: Session, facts: str
) -> None:
    """Only terms that name the category itself screen free text: a health certificate, a
    GM label, a doctor's diagnosis, a religious venue or a medical device say nothing of
    the person's health, genes or belief."""
    world = consent_world
    person = world.subjects["person"]
    row = person_penalty_row(world, citizen_id_of(person), person.name, violation_facts=facts)
    assert problems(post_rows(client, "reporter", "administrative_penalty", [row])) == []


def test_an_organisations_free_text_is_not_screened(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """The screen is for rows about natural persons: a food-safety penalty of a company
    names the diseases its staff may not have, and no one's health."""
    facts = "安排患有有碍食品安全疾病的人员从事接触直接入口食品的工作"
    rows = [penalty_row(consent_world, violation_facts=facts)]
    assert problems(post_rows(client, "reporter", "administrative_penalty", rows)) == []


def test_a_persons_self_declaration_naming_prohibited_content_is_refused(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """Art. 10 ¶2 declarations pass the same screen (``records.declare`` validates its one
    row as a batch's): even the person's own words about their blood type are not kept."""
    declared = client.post(
        "/api/v1/me/declarations",
        json={"title": "个人情况说明", "content": "本人血型为AB型，按时缴纳各项费用"},
        headers=auth_headers(client, "citizen"),
    )
    assert error_of(declared) == (422, "prohibited_content", "content", "Art. 11 ¶3")
    assert tables_containing(db, "血型为AB型") == []
    fine = client.post(
        "/api/v1/me/declarations",
        json={"title": "个人情况说明", "content": "本人按时缴纳各项费用"},
        headers=auth_headers(client, "citizen"),
    )
    assert fine.status_code == 201, fine.text


def test_an_empty_prohibited_column_is_no_refusal(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    rows = [{**penalty_row(world), "血型": ""}]
    assert problems(post_rows(client, "reporter", "administrative_penalty", rows)) == []
    assert len(records_of(db)) == 1


# --- rows refused as they stand: what of them is kept (decision 0021) ----------------------


def kept_values(db: Session, batch_id: int) -> dict[str, str] | None:
    db.expire_all()
    (quarantined,) = db.scalars(
        select(QuarantinedRow).where(QuarantinedRow.batch_id == batch_id)
    ).all()
    if quarantined.values_ciphertext is None:
        return None
    kept: dict[str, str] = json.loads(
        default_cipher().decrypt(quarantined.values_ciphertext, context=pipeline.QUARANTINE_CONTEXT)
    )
    return kept


def test_a_refused_row_about_a_person_without_consent_is_not_kept(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """A row that fails validation is quarantined before its consent is asked; about a
    person with no consent on file for the type (not public by law), its values are not
    kept all the same (Art. 11 ¶1) — only the problem, as the report gives it."""
    row = arrears_row(consent_world, NEW_NAME, NEW_PERSON_ID, determined_on="2026-13-45")
    row["月收入"] = "12000"

    response = post_rows(client, "reporter", "social_insurance_arrears", [row])

    assert problems(response) == [(1, "determined_on", "invalid_date", None)]
    assert response.json()["unknown_columns"] == ["月收入"]
    assert kept_values(db, response.json()["batch_id"]) is None
    assert subjects.by_citizen_id(db, NEW_PERSON_ID) is None
    # A number that is no ID number finds no consent either.
    row = arrears_row(consent_world, NEW_NAME, WRONG_CHECK_ID)
    response = post_rows(client, "reporter", "social_insurance_arrears", [row])
    assert [p[2] for p in problems(response)] == ["check_character"]
    assert kept_values(db, response.json()["batch_id"]) is None


def test_a_refused_row_with_consent_is_kept_without_its_undeclared_columns(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """With the person's consent on file the refused row is kept for the source to correct
    (30 days), but only the record type's fields: an income sent along is not."""
    world = consent_world
    person = world.subjects["person"]
    give_consent(client, world.organisations["regulator"].code, ["social_insurance_arrears"])
    row = arrears_row(world, person.name, citizen_id_of(person), determined_on="2026-13-45")
    row["月收入"] = "12000"

    response = post_rows(client, "reporter", "social_insurance_arrears", [row])

    assert problems(response) == [(1, "determined_on", "invalid_date", None)]
    kept = kept_values(db, response.json()["batch_id"])
    assert kept is not None
    assert "月收入" not in kept
    assert "12000" not in kept.values()
    assert kept["determined_on"] == "2026-13-45"


def test_a_refused_organisations_row_is_kept_without_its_undeclared_columns(
    consent_world: World, client: TestClient, db: Session
) -> None:
    row = {**penalty_row(consent_world, decision_date="2026-13-45"), "经办人电话": "13800000000"}
    response = post_rows(client, "reporter", "administrative_penalty", [row])
    assert problems(response) == [(1, "decision_date", "invalid_date", None)]
    kept = kept_values(db, response.json()["batch_id"])
    assert kept is not None
    assert kept["decision_date"] == "2026-13-45"
    assert "经办人电话" not in kept


def test_a_refused_row_with_a_restricted_value_needs_the_written_consent_to_be_kept(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """Major tax violations are public by law, but the amount evaded is restricted: a
    person's refused row holding it is kept only on a written consent after notice
    (Art. 11 ¶2); without the amount it is kept."""
    world = consent_world
    row = tax_row(world, NEW_NAME, NEW_PERSON_ID, decision_date="2026-13-45")
    response = post_rows(client, "reporter", "major_tax_violation", [row])
    assert [p[2] for p in problems(response)] == ["invalid_date"]
    assert kept_values(db, response.json()["batch_id"]) is None
    row = {**row, "tax_amount_evaded": ""}
    response = post_rows(client, "reporter", "major_tax_violation", [row])
    assert kept_values(db, response.json()["batch_id"]) is not None


# --- revocation --------------------------------------------------------------------------


def test_revocation_stops_the_next_batch_and_is_audited(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    regulator = world.organisations["regulator"]
    given = give_consent(client, regulator.code, ["social_insurance_arrears"])
    first = arrears_row(world, person.name, citizen_id_of(person))
    assert problems(post_rows(client, "reporter", "social_insurance_arrears", [first])) == []

    # Nobody else can revoke it.
    other = client.post(
        f"{CONSENTS}/{given['id']}/revoke", headers=auth_headers(client, "other_citizen")
    )
    assert other.status_code == 404

    revoked = client.post(
        f"{CONSENTS}/{given['id']}/revoke", headers=auth_headers(client, "citizen")
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    # Why it ended, for the person (Art. 24).
    assert revoked.json()["status"] == "revoked"
    assert revoked.json()["end_reason"] == "revoked_by_subject"
    db.expire_all()
    stored = db.get(Consent, given["id"])
    assert stored is not None
    assert stored.revoked_at is not None
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.revoke")).all()
    assert event.target_id == str(person.id)
    assert event.details == {"consent_id": given["id"], "revocation": "subject"}
    assert stored.revocation == "subject"
    assert event.actor_id == f"user:{world.users['citizen'].id}"

    second = arrears_row(
        world, person.name, citizen_id_of(person), notice_number="榕社保欠〔2026〕99号"
    )
    assert problems(post_rows(client, "reporter", "social_insurance_arrears", [second])) == [
        (1, "id_number", "consent_required", "Art. 11 ¶1")
    ]
    # What was collected before the revocation stays, with its version history.
    assert len(records_of(db, person.id)) == 1
    # Revoking twice is harmless and not audited twice.
    again = client.post(f"{CONSENTS}/{given['id']}/revoke", headers=auth_headers(client, "citizen"))
    assert again.status_code == 200
    assert (
        len(db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.revoke")).all()) == 1
    )


# --- consents recorded by the grantee, and the service's rules ---------------------------


def test_an_organisation_records_a_written_consent_with_its_evidence(
    consent_world: World, client: TestClient, db: Session
) -> None:
    world = consent_world
    person = world.subjects["person"]
    reporter = auth_headers(client, "reporter")
    body = {"subject": person.reference, "record_types": ["social_insurance_arrears"]}
    missing = client.post("/api/v1/consents", json=body, headers=reporter)
    assert missing.status_code == 422, missing.text
    assert (missing.json()["error"]["code"], missing.json()["error"]["article"]) == (
        "evidence_required",
        "Art. 11",
    )
    recorded = client.post(
        "/api/v1/consents",
        json={**body, "evidence": "扫描件 consent-2026-001.pdf"},
        headers=reporter,
    )
    assert recorded.status_code == 201, recorded.text
    stored = db.get(Consent, recorded.json()["id"])
    assert stored is not None
    assert stored.evidence_sha256 is not None
    assert stored.grantee_organisation_id == world.organisations["regulator"].id
    row = arrears_row(world, person.name, citizen_id_of(person))
    assert problems(post_rows(client, "reporter", "social_insurance_arrears", [row])) == []


@pytest.mark.parametrize(
    ("evidence", "code", "article"),
    [
        (" \u3000 \u200b", "evidence_required", "Art. 11"),
        ("同意书 赵某 身份证350104197306218364", "citizen_id_in_text", "Art. 4 ¶2"),
        ("同意书 赵某（患有糖尿病）", "prohibited_content", "Art. 11 ¶3"),
    ],
)
def test_a_grantees_consent_evidence_shows_something_and_no_personal_data(
    consent_world: World, client: TestClient, db: Session, evidence: str, code: str, article: str
) -> None:
    """Evidence of nothing but spaces and invisible characters is no evidence — not even
    with the notice of Art. 11 ¶2, which would open restricted fields on it — and the
    evidence is kept in clear: no ID number (the consent names its person already) nor
    what Art. 11 ¶3 forbids collecting. Refused before anything is recorded."""
    body = {
        "subject": consent_world.subjects["person"].reference,
        "record_types": ["social_insurance_arrears"],
        "adverse_consequences_notified": True,
        "evidence": evidence,
    }
    refused = client.post("/api/v1/consents", json=body, headers=auth_headers(client, "reporter"))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (code, "evidence", article)
    assert db.scalars(select(Consent)).all() == []
    accepted = client.post(
        "/api/v1/consents",
        json={**body, "evidence": "\u200b扫描件 consent-2026-002.pdf "},
        headers=auth_headers(client, "reporter"),
    )
    assert accepted.status_code == 201, accepted.text
    stored = db.get(Consent, accepted.json()["id"])
    assert stored is not None
    assert stored.evidence == "扫描件 consent-2026-002.pdf"


@pytest.mark.parametrize(
    "types", [["contract_performance"], ["*"], ["*", "social_insurance_arrears"]]
)
def test_a_grantee_records_consent_only_to_types_on_its_responsibility_list(
    consent_world: World, client: TestClient, db: Session, types: list[str]
) -> None:
    """The regulator submits no contract performance (the bank does): a consent to it, or
    to every type, would cover nothing it may collect (Art. 11)."""
    body = {
        "subject": consent_world.subjects["person"].reference,
        "record_types": types,
        "evidence": "扫描件 consent-2026-003.pdf",
    }
    refused = client.post("/api/v1/consents", json=body, headers=auth_headers(client, "reporter"))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["field"], error["article"]) == (
        "consent_outside_responsibility",
        "record_types",
        "Art. 11",
    )
    assert db.scalars(select(Consent)).all() == []


def test_recording_the_same_consent_again_returns_the_one_in_force(
    consent_world: World, client: TestClient, db: Session
) -> None:
    reporter = auth_headers(client, "reporter")
    body = {
        "subject": consent_world.subjects["person"].reference,
        "record_types": ["social_insurance_arrears"],
        "evidence": "扫描件 consent-2026-004.pdf",
    }
    answers = [client.post("/api/v1/consents", json=body, headers=reporter) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    db.expire_all()
    assert len(db.scalars(select(Consent)).all()) == 1
    grants = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.grant")).all()
    assert len(grants) == 1
    # Other terms are another consent.
    longer = client.post(
        "/api/v1/consents", json={**body, "valid_until": "2030-12-31"}, headers=reporter
    )
    assert longer.json()["id"] != answers[0].json()["id"]
    db.expire_all()
    assert len(db.scalars(select(Consent)).all()) == 2


def test_the_api_refuses_a_consent_recorded_for_an_organisation(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """The staff page offers no organisation; the API, which takes any subject's reference,
    still refuses one: consent to collection is a natural person's (Art. 11)."""
    company = consent_world.subjects["company"]
    body = {
        "subject": company.reference,
        "record_types": ["social_insurance_arrears"],
        "evidence": "扫描件 consent-2026-002.pdf",
    }
    refused = client.post("/api/v1/consents", json=body, headers=auth_headers(client, "reporter"))
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["article"]) == ("not_natural_person", "Art. 11")
    assert db.scalars(select(Consent)).all() == []


def test_consent_rules_of_the_service(consent_world: World, db: Session, clock: Clock) -> None:
    world = consent_world
    citizen = accounts.actor_for_user(world.users["citizen"])
    regulator = world.organisations["regulator"]
    person = world.subjects["person"]
    with pytest.raises(InvalidInput) as caught:
        consent.grant(
            db,
            clock,
            SYSTEM_ACTOR,
            subject=world.subjects["company"],
            grantee=regulator,
            record_type_codes=["*"],
            written=True,
            adverse_consequences_notified=False,
            evidence="x",
        )
    assert caught.value.code == "not_natural_person"
    with pytest.raises(InvalidInput) as caught:
        consent.grant(
            db,
            clock,
            citizen,
            subject=person,
            grantee=regulator,
            record_type_codes=["*"],
            written=False,
            adverse_consequences_notified=True,
        )
    assert (caught.value.code, caught.value.article) == ("written_required", "Art. 11 ¶2")
    with pytest.raises(NotFound):
        consent.grant(
            db,
            clock,
            citizen,
            subject=person,
            grantee=regulator,
            record_type_codes=["no_such_type"],
            written=True,
            adverse_consequences_notified=False,
        )


def test_an_expired_consent_no_longer_counts(consent_world: World, db: Session, clock: Any) -> None:
    import datetime as dt

    world = consent_world
    person = world.subjects["person"]
    regulator = world.organisations["regulator"]
    consent.grant(
        db,
        clock,
        accounts.actor_for_user(world.users["citizen"]),
        subject=person,
        grantee=regulator,
        record_type_codes=["social_insurance_arrears"],
        written=True,
        adverse_consequences_notified=False,
        valid_until=clock.today(),
    )
    row = arrears_row(world, person.name, citizen_id_of(person))
    assert (
        problems_of(ingest(db, clock, regulator, [row], record_type="social_insurance_arrears"))
        == []
    )
    clock.advance(dt.timedelta(days=1))
    later = arrears_row(
        world, person.name, citizen_id_of(person), notice_number="榕社保欠〔2026〕7号"
    )
    report = ingest(db, clock, regulator, [later], record_type="social_insurance_arrears")
    assert problems_of(report) == [(1, "id_number", "consent_required")]


def test_the_consents_page_refuses_a_restricted_type_without_the_notice(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """The refusal is shown on the form, which keeps what was chosen (Art. 11 ¶2)."""
    log_in(client, "citizen")
    regulator = consent_world.organisations["regulator"]
    response = client.post(
        "/me/consents",
        data={
            "grantee": regulator.code,
            "record_types": ["major_tax_violation"],
            "written": "true",
            "csrf_token": csrf_from(client.get("/me/consents").text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert 'data-code="adverse_consequences_notice_required"' in response.text
    assert re.search(r'value="major_tax_violation"[^>]*checked', response.text)
    person = consent_world.subjects["person"]
    assert db.scalars(select(Consent).where(Consent.subject_id == person.id)).all() == []


# --- a person new to the platform, registered from the written consent (Art. 11 ¶1) -------

NEW_NAME = "赵某某"
# The new person's ID number with another check character (GB 11643).
WRONG_CHECK_ID = NEW_PERSON_ID[:-1] + ("0" if NEW_PERSON_ID[-1] == "X" else "X")


def record_for(client: TestClient, username: str, **body: Any) -> Any:
    return client.post("/api/v1/consents", json=body, headers=auth_headers(client, username))


def error_of(response: Any) -> tuple[int, str, str | None, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error.get("field"), error.get("article")


def test_a_new_person_is_registered_from_the_written_consent_and_rows_about_it_go_in(
    consent_world: World, client: TestClient, db: Session, clock: Clock
) -> None:
    """The pipeline refuses a row about a person without consent and registers nobody; the
    grantee records the paper consent with the ID number and name, which registers the
    person (encrypted, blind index), audited and in the person's own access log as done by
    that organisation on that consent; the batch then goes in, under that name only."""
    from tests.factories import UserFactory
    from xinyong.accounts.models import Role
    from xinyong.disclosure import access
    from xinyong.disclosure.models import AccessEvent, LegalPath

    world = consent_world
    regulator = world.organisations["regulator"]
    row = arrears_row(world, NEW_NAME, NEW_PERSON_ID)
    assert [
        p[2] for p in problems(post_rows(client, "reporter", "social_insurance_arrears", [row]))
    ] == ["consent_required"]
    assert subjects.by_citizen_id(db, NEW_PERSON_ID) is None

    recorded = record_for(
        client,
        "reporter",
        citizen_id=NEW_PERSON_ID,
        name=f" {NEW_NAME} ",
        record_types=["social_insurance_arrears"],
        evidence="书面同意书 2026-101，存档于本局",
    )

    assert recorded.status_code == 201, recorded.text
    assert NEW_PERSON_ID not in recorded.text
    db.expire_all()
    person = subjects.by_citizen_id(db, NEW_PERSON_ID)
    assert person is not None
    assert (person.name, person.division) == (NEW_NAME, NEW_PERSON_ID[:6])
    assert person.citizen_id_ciphertext is not None
    assert NEW_PERSON_ID not in person.citizen_id_ciphertext
    assert subjects.reveal_citizen_id(person) == NEW_PERSON_ID
    stored = db.get(Consent, recorded.json()["id"])
    assert stored is not None
    assert (stored.subject_id, stored.grantee_organisation_id) == (person.id, regulator.id)
    registered = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "subject.register", AuditEvent.target_id == str(person.id)
        )
    )
    assert registered is not None
    assert registered.details["basis"] == "consent"
    granted = db.scalar(select(AuditEvent).where(AuditEvent.action == "consent.grant"))
    assert granted is not None
    assert granted.details["registered_subject"] is True
    (event,) = db.scalars(select(AccessEvent).where(AccessEvent.subject_id == person.id)).all()
    assert (event.legal_path, event.what, event.consent_id, event.organisation_id) == (
        LegalPath.CONSENT,
        access.REGISTERED_ON_CONSENT,
        stored.id,
        regulator.id,
    )
    # The person, once it has an account, sees who registered it and on which consent.
    account = UserFactory(username="new_citizen", role=Role.SUBJECT, subject_id=person.id)
    db.flush()
    (entry,) = access.access_log(db, accounts.actor_for_user(account))
    assert (entry.organisation, entry.legal_path, entry.consent_id, entry.granted) == (
        regulator.name,
        "consent",
        stored.id,
        True,
    )

    response = post_rows(client, "reporter", "social_insurance_arrears", [row])
    assert problems(response) == []
    assert (response.json()["created"], response.json()["new_subjects"]) == (1, 0)
    assert len(records_of(db, person.id)) == 1
    # Under another name the row is held, as for any registered subject.
    other = arrears_row(world, "钱某某", NEW_PERSON_ID, notice_number="榕社保欠〔2026〕99号")
    assert [
        p[2] for p in problems(post_rows(client, "reporter", "social_insurance_arrears", [other]))
    ] == ["name_mismatch"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, (422, "name_required", "name", "Art. 11 ¶1")),
        ({"name": "   "}, (422, "name_required", "name", "Art. 11 ¶1")),
        ({"name": "名" * 201}, (422, "invalid_request", "name", None)),
        ({"name": NEW_NAME, "evidence": None}, (422, "evidence_required", "evidence", "Art. 11")),
        (
            {"name": NEW_NAME, "record_types": ["contract_performance"]},
            (422, "consent_outside_responsibility", "record_types", "Art. 11"),
        ),
        (
            {"name": NEW_NAME, "citizen_id": WRONG_CHECK_ID},
            (422, "check_character", "citizen_id", "GB 11643-1999"),
        ),
    ],
)
def test_a_refused_consent_registers_nobody(
    consent_world: World,
    client: TestClient,
    db: Session,
    body: dict[str, Any],
    expected: tuple[int, str, str | None, str | None],
) -> None:
    subjects_before = count(db, "subject")
    refused = record_for(
        client,
        "reporter",
        **{
            "citizen_id": NEW_PERSON_ID,
            "record_types": ["social_insurance_arrears"],
            "evidence": "书面同意书 2026-102",
            **body,
        },
    )
    assert error_of(refused) == expected, refused.text
    db.expire_all()
    assert count(db, "subject") == subjects_before
    assert db.scalars(select(Consent)).all() == []


def test_a_known_person_under_another_name_is_refused_without_its_registered_name(
    consent_world: World, client: TestClient, db: Session
) -> None:
    person = consent_world.subjects["person"]
    terms = {"record_types": ["social_insurance_arrears"], "evidence": "书面同意书 2026-103"}
    for named in ({"citizen_id": citizen_id_of(person)}, {"subject": person.reference}):
        refused = record_for(client, "reporter", name="钱某某", **named, **terms)
        assert error_of(refused) == (422, "name_mismatch", "name", "Art. 11")
        assert person.name not in refused.text
    assert db.scalars(select(Consent)).all() == []
    # The registered name (spelt with other spaces) is the person's; so is no name at all.
    matching = record_for(
        client, "reporter", citizen_id=citizen_id_of(person), name=f" {person.name} ", **terms
    )
    assert matching.status_code == 201, matching.text
    assert (
        record_for(client, "reporter", subject=person.reference, **terms).json()["id"]
        == (matching.json()["id"])
    )


@pytest.mark.parametrize(
    "named", [{}, {"subject": "P0000000000000000", "citizen_id": NEW_PERSON_ID}]
)
def test_the_person_is_named_once_by_reference_or_id_number(
    consent_world: World, client: TestClient, named: dict[str, str]
) -> None:
    refused = record_for(
        client,
        "reporter",
        record_types=["social_insurance_arrears"],
        evidence="书面同意书 2026-104",
        **named,
    )
    assert error_of(refused)[:3] == (422, "one_subject", "subject")


# --- consent to a credit service institution (Art. 26–27) ------------------------------------


@pytest.fixture
def institution(consent_world: World, db: Session, clock: Clock) -> Any:
    """A registered institution that submits contract performance through its own data
    reporter (``inst_clerk``)."""
    from tests.factories import InstitutionFactory, OrganisationFactory
    from xinyong.accounts.models import OrganisationKind

    entry = InstitutionFactory(name="福州守信评估有限公司")
    organisation = OrganisationFactory(
        name=entry.name, kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION, code=entry.uscc
    )
    grant(db, clock, organisation, "contract_performance")
    add_reporter(db, organisation, "inst_clerk")
    consent_world.organisations["institution"] = organisation
    db.commit()
    return entry


def test_an_institution_records_consent_only_for_a_stated_unbundled_service(
    consent_world: World, institution: Any, client: TestClient, db: Session, clock: Clock
) -> None:
    from xinyong.institutions import register
    from xinyong.institutions.models import InstitutionStatus

    person = consent_world.subjects["person"]
    terms = {
        "subject": person.reference,
        "record_types": ["contract_performance"],
        "evidence": "书面同意书 INST-001",
    }
    assert error_of(record_for(client, "inst_clerk", **terms)) == (
        422,
        "service_required",
        "service",
        "Art. 27",
    )
    bundled = record_for(client, "inst_clerk", service="信用评价报告", **terms)
    assert error_of(bundled) == (422, "service_bundled", "service_not_conditional", "Art. 27 ¶2")
    assert db.scalars(select(Consent)).all() == []
    # The institution's checkbox and a line of text are only its own word: the signed form
    # is uploaded with the consent (Art. 27 ¶2; review, session 23).
    unbundled = {"service": " 信用评价报告 ", "service_not_conditional": True, **terms}
    assert error_of(record_for(client, "inst_clerk", **unbundled)) == (
        422,
        "evidence_document_required",
        "evidence_document",
        "Art. 27 ¶2",
    )
    for not_a_form in ("ok", base64.b64encode(b"ok").decode()):
        refused = record_for(client, "inst_clerk", evidence_document=not_a_form, **unbundled)
        # The form is refused under the article it is for, not an authorisation's.
        assert error_of(refused) in (
            (422, "evidence_not_base64", "evidence_document", "Art. 27 ¶2"),
            (422, "evidence_type_unsupported", "evidence_document", "Art. 27 ¶2"),
        )
    assert db.scalars(select(Consent)).all() == []
    document = base64.b64encode(b"%PDF-1.7\n% signed consent form\n").decode()
    ok = record_for(client, "inst_clerk", evidence_document=document, **unbundled)
    assert ok.status_code == 201, ok.text
    assert (ok.json()["service"], ok.json()["service_not_conditional"]) == ("信用评价报告", True)
    stored = db.get(Consent, ok.json()["id"])
    assert stored is not None
    assert (stored.service, stored.service_not_conditional) == ("信用评价报告", True)
    assert_signed_form_kept(client, db, stored, terms["evidence"], document)
    # The row it collects on that consent goes in.
    row = contract_row(consent_world, person.name, citizen_id_of(person))
    row["counterparty"] = consent_world.organisations["institution"].name
    assert problems(post_rows(client, "inst_clerk", "contract_performance", [row])) == []
    # Suspended: no consent is recorded, by the institution or given by the person.
    register.change_status(
        db, clock, SYSTEM_ACTOR, institution.uscc, status=InstitutionStatus.SUSPENDED, reason="整改"
    )
    db.commit()
    again = record_for(
        client,
        "inst_clerk",
        service="信用管理咨询",
        service_not_conditional=True,
        **terms,
    )
    # Its own clerk is refused as staff of an institution outside the register (before the
    # person is looked up); the person, giving it, by the consent's grantee.
    assert error_of(again) == (403, "institution_suspended", None, "Art. 26")
    given = client.post(
        CONSENTS,
        json={
            "grantee": institution.uscc,
            "record_types": ["contract_performance"],
            "service": "信用评价报告",
            "service_not_conditional": True,
        },
        headers=auth_headers(client, "citizen"),
    )
    assert error_of(given) == (409, "institution_suspended", "grantee", "Art. 26")


def assert_signed_form_kept(
    client: TestClient, db: Session, stored: Consent, evidence: str, document: str
) -> None:
    """The signed form (the person's name, ID number, signature): in a table of its own,
    never loaded with the consents a batch reads, encrypted under a context naming its
    consent; the evidence hash still verifies; the person and the credit authority read it,
    the authority's read in the person's access log, every read audited (review,
    session 23)."""
    from xinyong.collection.models import ConsentForm
    from xinyong.disclosure import access
    from xinyong.disclosure.models import AccessEvent

    assert "evidence_document" not in Consent.__table__.columns
    form = db.get(ConsentForm, stored.id)
    assert form is not None
    assert form.kind == "pdf"
    assert document not in form.ciphertext
    assert default_cipher().decrypt(form.ciphertext, context=consent.form_context(stored.id)) == (
        document
    )
    with pytest.raises(InvalidTag):  # bound to its consent
        default_cipher().decrypt(form.ciphertext, context=consent.form_context(stored.id + 1))
    assert stored.evidence_sha256 == hashlib.sha256(f"{evidence}\n{document}".encode()).hexdigest()
    path = f"/api/v1/consents/{stored.id}/signed-form"

    def logged() -> list[AccessEvent]:
        return list(
            db.scalars(
                select(AccessEvent).where(
                    AccessEvent.subject_id == stored.subject_id,
                    AccessEvent.what == access.CONSENT_FORM,
                )
            )
        )

    own = client.get(path, headers=auth_headers(client, "citizen"))
    assert own.status_code == 200, own.text
    assert (own.content, own.headers["content-type"]) == (
        base64.b64decode(document),
        "application/pdf",
    )
    assert logged() == []  # the person's own read is no use by another
    assert client.get(path, headers=auth_headers(client, "other_citizen")).status_code == 404
    assert client.get(path, headers=auth_headers(client, "inst_clerk")).status_code == 403
    read = client.get(path, headers=auth_headers(client, "authority"))
    assert read.status_code == 200, read.text
    assert read.content == base64.b64decode(document)
    db.expire_all()
    (entry,) = logged()
    assert (entry.consent_id, entry.purpose) == (stored.id, access.SUPERVISION_PURPOSE)
    reads = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.form_read")).all()
    assert [r.details["own"] for r in reads] == [True, False]


def test_the_person_consents_to_an_institution_on_the_same_terms(
    consent_world: World, institution: Any, client: TestClient, db: Session
) -> None:
    body = {"grantee": institution.uscc, "record_types": ["contract_performance"]}
    headers = auth_headers(client, "citizen")
    assert error_of(client.post(CONSENTS, json=body, headers=headers)) == (
        422,
        "service_required",
        "service",
        "Art. 27",
    )
    body["service"] = "信用评价报告"
    assert error_of(client.post(CONSENTS, json=body, headers=headers))[1] == "service_bundled"
    given = give_consent(
        client,
        institution.uscc,
        ["contract_performance"],
        service="信用评价报告",
        service_not_conditional=True,
    )
    assert given["service"] == "信用评价报告"
    # Any other grantee keeps no service, whatever was sent.
    other = give_consent(
        client,
        consent_world.organisations["bank"].code,
        ["contract_performance"],
        service="ignored",
    )
    assert (other["service"], other["service_not_conditional"]) == (None, None)


def test_an_unregistered_institution_is_given_no_consent(
    consent_world: World, db: Session, clock: Clock
) -> None:
    import random

    from tests.factories import OrganisationFactory
    from xinyong.accounts.models import OrganisationKind
    from xinyong.errors import Conflict
    from xinyong.synthetic import make_uscc

    unregistered = OrganisationFactory(
        name="未备案信用公司",
        kind=OrganisationKind.CREDIT_SERVICE_INSTITUTION,
        code=make_uscc(random.Random(5)),
    )
    with pytest.raises(Conflict) as refused:
        consent.grant(
            db,
            clock,
            accounts.actor_for_user(consent_world.users["citizen"]),
            subject=consent_world.subjects["person"],
            grantee=unregistered,
            record_type_codes=["contract_performance"],
            written=True,
            adverse_consequences_notified=False,
            service="信用评价报告",
            service_not_conditional=True,
        )
    assert (refused.value.code, refused.value.article) == ("institution_not_registered", "Art. 26")


def lookups_audited(db: Session) -> list[tuple[int | None, str]]:
    db.expire_all()
    return [
        (int(e.target_id) if e.target_id else None, e.outcome)
        for e in db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "subject.lookup_person")
            .order_by(AuditEvent.sequence)
        )
    ]


def lookups_logged(db: Session, person_id: int) -> list[tuple[str, str, int | None]]:
    """The person's access-log entries of being found by ID number: (path, what, consent)."""
    from xinyong.disclosure.models import AccessEvent

    db.expire_all()
    return [
        (str(e.legal_path), e.what, e.consent_id)
        for e in db.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == person_id).order_by(AccessEvent.id)
        )
    ]


def test_a_consent_refused_after_its_person_was_looked_up_leaves_the_lookup_audited(
    consent_world: World, client: TestClient, db: Session
) -> None:
    """The API rolls a refused consent back; the lookup by ID number stays audited, and in
    the person's access log, so the form cannot test names against ID numbers unseen
    (Art. 24, 34). The lookup of a consent recorded is in the log too."""
    person = consent_world.subjects["person"]
    terms = {"record_types": ["social_insurance_arrears"], "evidence": "书面同意书 2026-104"}

    before = lookups_audited(db)
    mismatch = record_for(
        client, "reporter", citizen_id=citizen_id_of(person), name="钱某某", **terms
    )
    assert error_of(mismatch)[1] == "name_mismatch"
    assert lookups_audited(db)[len(before) :] == [(person.id, "ok")]
    assert lookups_logged(db, person.id) == [("consent", "person_lookup", None)]
    recorded = record_for(
        client, "reporter", citizen_id=citizen_id_of(person), name=person.name, **terms
    )
    assert recorded.status_code == 201, recorded.text
    assert lookups_audited(db)[len(before) :] == [(person.id, "ok"), (person.id, "ok")]
    assert len(lookups_logged(db, person.id)) == 2
    # The lookup's audit event witnesses its entry in the log.
    db.expire_all()
    last = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "subject.lookup_person")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert last is not None
    assert last.details


@pytest.mark.parametrize(
    "terms",
    [
        {"record_types": ["nonexistent_type"]},
        {"record_types": ["nonexistent_type"], "name": "张三"},
        {"record_types": ["contract_performance"], "name": "张三"},
        {"record_types": ["*"], "name": "张三"},
        {"record_types": ["major_tax_violation"], "name": "张三"},
        {"evidence": None, "name": "张三"},
        {"written": False, "name": "张三"},
        {"valid_until": "2020-01-01", "name": "张三"},
        {},
        {"name": "   "},
        {"name": "..."},
    ],
)
def test_a_registered_and_an_unregistered_id_number_get_the_same_answers(
    consent_world: World, client: TestClient, db: Session, terms: dict[str, Any]
) -> None:
    """A data reporter (of an enterprise, a bank, an association, a credit service
    institution) may not find persons (Art. 13 ¶3): every term of the consent is checked
    before the ID number is looked up, and the name is required whether or not the number
    is registered — so a refused consent says nothing of who is on the platform, and no
    lookup is made, audited or logged for it."""
    person = consent_world.subjects["person"]
    base = {"record_types": ["social_insurance_arrears"], "evidence": "书面同意书 2026-107"}
    before = lookups_audited(db)
    subjects_before = count(db, "subject")
    answers = {
        error_of(record_for(client, "reporter", citizen_id=number, **{**base, **terms}))
        for number in (citizen_id_of(person), NEW_PERSON_ID)
    }
    assert len(answers) == 1, answers
    assert lookups_audited(db) == before
    assert lookups_logged(db, person.id) == []
    assert count(db, "subject") == subjects_before
    assert db.scalars(select(Consent)).all() == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("\u202e\u200b", "invalid_characters"),
        ("王\u200b五", "invalid_characters"),
        ("...", "invalid"),
    ],
)
def test_a_new_person_is_not_registered_under_a_name_nobody_can_read(
    consent_world: World, client: TestClient, db: Session, name: str, code: str
) -> None:
    subjects_before = count(db, "subject")
    refused = record_for(
        client,
        "reporter",
        citizen_id=NEW_PERSON_ID,
        name=name,
        record_types=["social_insurance_arrears"],
        evidence="书面同意书 2026-105",
    )
    assert error_of(refused)[:3] == (422, code, "name")
    db.expire_all()
    assert count(db, "subject") == subjects_before


def test_a_citizen_id_typed_as_the_grantee_is_not_echoed_in_clear(
    consent_world: World, client: TestClient
) -> None:
    """A number pasted into the wrong field comes back masked in the refusal's message, as
    every refusal's message masks one (``errors.DomainError``), not as it was typed."""
    number = citizen_id_of(consent_world.subjects["person"])
    refused = client.post(
        CONSENTS,
        json={"grantee": number, "record_types": ["social_insurance_arrears"]},
        headers=auth_headers(client, "citizen"),
    )
    assert refused.status_code == 404, refused.text
    assert refused.json()["error"]["code"] == "unknown_organisation"
    assert number not in refused.text
    assert f"{number[:6]}********{number[14:]}" in refused.json()["error"]["message"]
