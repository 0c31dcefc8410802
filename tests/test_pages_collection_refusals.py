"""Every schema error and every Art. 11 refusal through the upload page, as the API
(test_api_collection.py, test_consent.py) and the CLI (test_cli_import.py) report them: the
same row, field code and article, in the batch report agency staff see."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    NEW_PERSON_ID,
    RECENT,
    SCHEMA_ERROR_CASES,
    csv_bytes,
    penalty_row,
    source_columns,
    subject_row,
    zh,
)
from tests.factories import World
from tests.page_helpers import log_in
from tests.test_pages_collection import PENALTY, cited, count, upload
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.catalog.service import load_rule_pack
from xinyong.clock import FixedClock
from xinyong.collection import sources
from xinyong.collection.models import CreditRecord, QuarantinedRow
from xinyong.subjects.models import Subject

ART_11_TYPES = ("social_insurance_arrears", "major_tax_violation")


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    load_rule_pack(db, clock)
    for code in (PENALTY, *ART_11_TYPES):
        sources.grant(db, clock, SYSTEM_ACTOR, world.organisations["regulator"], code)
    db.commit()
    return world


def _problems(html: str) -> list[tuple[int, str]]:
    return [
        (int(row), code)
        for row, code in re.findall(r'<tr data-row="(\d+)" data-code="([^"]+)">', html)
    ]


def test_every_schema_error_in_one_file_through_the_page(
    client: TestClient, db: Session, world: World
) -> None:
    rows = [penalty_row(world)] + [penalty_row(world, **bad) for bad, _, _ in SCHEMA_ERROR_CASES]
    log_in(client, "reporter")
    response = upload(client, csv_bytes([zh(row) for row in rows]))
    assert response.status_code == 200
    # Spreadsheet rows: the header is row 1, the valid row 2.
    assert _problems(response.text) == [
        (number, code) for number, (_, _, code) in enumerate(SCHEMA_ERROR_CASES, start=3)
    ]
    assert count(response.text, "created") == 1
    assert count(response.text, "rejected") == len(SCHEMA_ERROR_CASES)
    assert db.scalar(select(func.count()).select_from(CreditRecord)) == 1


def _social_insurance(regulator: Organisation) -> dict[str, str]:
    return {
        **subject_row("赵某某", citizen_id=NEW_PERSON_ID),
        "notice_number": "榕社保欠〔2026〕1号",
        "arrears_period": "2026年1月至6月",
        "arrears_amount": "0.8",
        "determined_on": RECENT.isoformat(),
        **source_columns(regulator),
    }


def _tax_case(regulator: Organisation) -> dict[str, str]:
    return {
        **subject_row("赵某某", citizen_id=NEW_PERSON_ID),
        "case_number": "榕税稽〔2026〕1号",
        "case_nature": "偷税",
        "main_facts": "隐匿收入少缴个人所得税",
        "tax_amount_evaded": "987.65",
        "penalty": "追缴税款并处罚款",
        "decision_date": RECENT.isoformat(),
        **source_columns(regulator),
    }


def _person_with_blood_type(row: dict[str, str]) -> dict[str, str]:
    """The penalty about a new person, its facts naming the person's blood type."""
    return {
        **row,
        "行政相对人名称": "赵某某",
        "行政相对人类别": "自然人",
        "行政相对人代码_1(统一社会信用代码)": "",
        "法定代表人": "",
        "证件号码": NEW_PERSON_ID,
        "违法事实": "当事人血型为AB型，擅自从事经营",
    }


@pytest.mark.parametrize(
    ("record_type", "build", "code", "article"),
    [
        ("social_insurance_arrears", _social_insurance, "consent_required", "Art. 11 ¶1"),
        ("major_tax_violation", _tax_case, "written_consent_required", "Art. 11 ¶2"),
        # Prohibited content in an undeclared column whose name says what it holds.
        (PENALTY, lambda r: {**r, "血型": "AB型"}, "prohibited_content", "Art. 11 ¶3"),
        (PENALTY, lambda r: {**r, "宗教信仰": "某教"}, "prohibited_content", "Art. 11 ¶3"),
        (PENALTY, lambda r: {**r, "病史": "高血压"}, "prohibited_content", "Art. 11 ¶3"),
        # In a natural person's free text (违法事实), not only in a column's name.
        (PENALTY, _person_with_blood_type, "prohibited_content", "Art. 11 ¶3"),
    ],
    ids=["consent", "written-consent", "blood-type", "religion", "medical-history", "in-text"],
)
def test_each_art_11_refusal_through_the_page_cites_its_paragraph(
    client: TestClient,
    db: Session,
    world: World,
    record_type: str,
    build: Callable[..., dict[str, str]],
    code: str,
    article: str,
) -> None:
    regulator = world.organisations["regulator"]
    row = build(regulator) if record_type != PENALTY else build(zh(penalty_row(world)))
    subjects_before = db.scalar(select(func.count()).select_from(Subject))
    log_in(client, "reporter")
    response = upload(client, csv_bytes([row]), record_type=record_type)
    assert response.status_code == 200
    assert _problems(response.text) == [(2, code)]
    assert cited(article) in response.text
    assert count(response.text, "rejected") == 1
    assert db.scalar(select(func.count()).select_from(CreditRecord)) == 0
    # A person without consent is not registered either.
    assert db.scalar(select(func.count()).select_from(Subject)) == subjects_before
    (quarantined,) = db.scalars(select(QuarantinedRow)).all()
    # Keeping the values would itself be unlawful (prohibited, or without the consent):
    # only the reasons are kept.
    assert quarantined.values_ciphertext is None
