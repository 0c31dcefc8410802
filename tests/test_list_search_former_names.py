"""The public red and black lists find an organisation by a former name, as the organisation
search does, and say which name found it (review r3, session 19: an agency holding a licence
under the old name concluded the organisation was not listed). A natural person is still
found only by the masked name or ID number, typed as the list shows them (Art. 13 ¶3)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
)
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.lists.models import ListKind
from xinyong.subjects import service as subjects
from xinyong.web.i18n import translations

FORMER = "福州晨光文具店"  # the world's company's former name
NAME = "福州晨光文具贸易有限公司"


def _items(client: TestClient, kind: str, q: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/lists/{kind}", params={"q": q})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.mark.parametrize("kind", ["black", "red"])
def test_an_organisation_is_found_by_a_former_name(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock, kind: str
) -> None:
    world = lists_world
    company = world.subjects["company"]
    assert [n.name for n in company.names if not n.current] == [FORMER]
    standard = "integrity_model" if kind == "red" else "dishonest_subject"
    entry = published_entry(db, clock, world, company, standard)
    db.commit()
    assert subjects.search_organisations(db, FORMER).hits[0].subject.id == company.id

    for q in (FORMER, "晨光文具店"):
        (item,) = _items(client, kind, q)
        assert item["id"] == entry.id
        assert item["subject"] == {"code": company.uscc, "name": NAME, "matched_name": FORMER}
    (item,) = _items(client, kind, "晨光文具贸易")
    assert item["subject"]["matched_name"] == NAME
    assert _items(client, kind, "福州不存在的文具店") == []
    rows = entries.published(db, ListKind(kind), today=clock.today(), query=FORMER)
    assert [e.id for e, _s, _std in rows] == [entry.id]

    former = translations("en").gettext("former name")
    page = client.get(f"/lists/{kind}", params={"q": FORMER, "lang": "en"})
    assert f'href="/subjects/{company.uscc}">{NAME}</a>' in page.text
    assert f"{former}: {FORMER}" in page.text
    by_name = client.get(f"/lists/{kind}", params={"q": NAME, "lang": "en"})
    assert f'href="/subjects/{company.uscc}">{NAME}</a>' in by_name.text
    assert "data-former-name" not in by_name.text


def test_a_natural_person_is_not_found_by_a_former_name(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """A person's names are never searched, former ones included: only what the list shows."""
    world = lists_world
    person = world.subjects["person"]
    subjects.rename(db, clock, SYSTEM_ACTOR, person, "王某新")
    entry = published_entry(db, clock, world, person)
    db.commit()
    for guess in ("王某某", "王某新", "某某"):
        assert _items(client, "black", guess) == [], guess
    (item,) = _items(client, "black", "王**")
    assert item["id"] == entry.id
    assert item["subject"]["matched_name"] == "王**"
