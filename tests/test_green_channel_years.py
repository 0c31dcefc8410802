"""Art. 16(1)'s green channel for "applicants with no bad credit record for three
consecutive years" needs the years to look back on: a subject on record for less is
answered ``too_recent``, not ``clean`` — in the API (with the reason in words) and on the
page and its download. The years are configuration (``XINYONG_GREEN_CHANNEL_CLEAN_YEARS``,
here 5 instead of 3)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import CompanyFactory, World
from tests.lists_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
)
from tests.page_helpers import csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.config import Settings

CHECKS = "/api/v1/joint-checks"
YEARS = 5


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path, login_attempts_per_window=1000, green_channel_clean_years=YEARS
    )


def test_a_subject_on_record_for_less_than_the_years_gets_no_green_channel(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    newcomer, younger, older = CompanyFactory(), CompanyFactory(), CompanyFactory()
    on_record_since(db, clock, world, younger, years=YEARS - 1)
    on_record_since(db, clock, world, older, years=YEARS + 1)
    db.commit()
    codes = [c.uscc or "" for c in (newcomer, younger, older)]

    response = client.post(
        CHECKS,
        json={"matter": "administrative_licensing", "subjects": codes},
        headers=headers(client, "querier"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["green_channel"], r["green_channel_reason"]) for r in body["results"]] == [
        (False, "too_recent"),
        (False, "too_recent"),
        (True, "clean"),
    ]
    assert body["green_channel_reasons"]["too_recent"] == (
        "on record for less than 5 years: no 5 consecutive years to show (Art. 16(1))"
    )
    assert body["green_channel_reasons"]["clean"] == (
        "no bad credit record for 5 consecutive years (Art. 16(1))"
    )
    assert [m["code"] for m in body["results"][2]["measures"]] == []


def test_the_page_and_its_download_say_why(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    newcomer = CompanyFactory()
    db.commit()
    log_in(client, "querier")
    token = csrf_from(client.get("/joint-check").text)
    form = {"matter": "administrative_licensing", "codes": newcomer.uscc, "csrf_token": token}

    page = client.post("/joint-check?lang=en", data=form)
    download = client.post("/joint-check?lang=en", data={**form, "download": "csv"})

    assert page.status_code == 200, page.text
    assert (
        "on record for less than 5 years: no 5 consecutive years to show (Art. 16(1))" in page.text
    )
    (row,) = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))[1:]
    assert row[-1].startswith("on record for less than 5 years")
    assert world.subjects["company"].uscc not in page.text


def test_a_subject_the_platform_registered_before_the_years_began_has_them(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Known since the platform registered it, whatever a later registration record says:
    the platform's own register shows it was there (eligibility.known_for)."""
    import datetime as dt

    world = lists_world
    company = CompanyFactory()
    on_record_since(db, clock, world, company, years=1)
    company.created_at = clock.now() - dt.timedelta(days=366 * (YEARS + 1))
    db.commit()

    response = client.post(
        CHECKS,
        json={"matter": "administrative_licensing", "subjects": [company.uscc]},
        headers=headers(client, "querier"),
    )

    assert response.status_code == 200, response.text
    (result,) = response.json()["results"]
    assert (result["green_channel"], result["green_channel_reason"]) == (True, "clean")


def test_a_nul_in_the_codes_is_refused_beside_the_form(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Shown beside the form, with the matter and the codes as typed (the NUL taken out)."""
    company = CompanyFactory()
    db.commit()
    log_in(client, "querier")
    token = csrf_from(client.get("/joint-check").text)
    form = {
        "matter": "administrative_licensing",
        "codes": f"{company.uscc}\x00",
        "csrf_token": token,
    }

    page = client.post("/joint-check?lang=en", data=form)

    assert page.status_code == 422, page.text
    assert 'data-code="nul_character"' in page.text
    assert str(company.uscc) in page.text
