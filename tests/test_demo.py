"""The demo as a visitor meets it: its pages name things as the record types do, and its
stories hold together (README describes them)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.page_helpers import HTML
from xinyong import bootstrap, demo
from xinyong.clock import FixedClock


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
