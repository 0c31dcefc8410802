"""The public organisation search finds the name asked for first, however many other names
share a pair of characters with it, and says when it lists fewer organisations than match
(review r3, session 19: with 600 names sharing 食品, 福州新榕食品有限公司 typed in full was
not among the 20 results, nor was it said that the list was cut).

The candidate limit is made small here (``SEARCH_CANDIDATE_LIMIT``), so that a dozen
similar names do what hundreds do on real data; the benchmark (bench/search.py) shows the
same with 50,000 organisations."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import CompanyFactory, World
from xinyong.clock import FixedClock
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.web.i18n import translations

TARGET = "福州新榕食品有限公司"
FORMER = "福州榕城新榕食品店"
SIMILAR = 12  # registered before the target: they come first in the table


@pytest.fixture
def target(
    db: Session, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> Subject:
    monkeypatch.setattr(subjects, "SEARCH_CANDIDATE_LIMIT", 5)
    for i in range(SIMILAR):
        CompanyFactory(name=f"福州第{i}号食品有限公司")
    found = CompanyFactory(name=TARGET, former_names=(FORMER,))
    db.commit()
    return found


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(TARGET, id="full-name"),
        pytest.param("新榕食品", id="without-area-and-legal-form"),
        pytest.param("福州新榕食品有限責任公司", id="traditional-and-legal-form-variant"),
        pytest.param(FORMER, id="former-name"),
    ],
)
def test_the_name_asked_for_comes_first(db: Session, target: Subject, query: str) -> None:
    found = subjects.search_organisations(db, query)
    assert found.hits, query
    assert found.hits[0].subject.id == target.id
    assert found.hits[0].exact is True


def test_the_best_matches_follow_the_name(db: Session, target: Subject) -> None:
    found = subjects.search_organisations(db, TARGET, limit=3)
    assert [hit.subject.id for hit in found.hits][:1] == [target.id]
    # The others share 食品 only: listed after it, and the list says that more match.
    assert all("食品" in hit.subject.name for hit in found.hits[1:])
    assert len(found.hits) == 3
    assert found.more is True


def test_a_fragment_finds_the_shortest_names_containing_it(db: Session, target: Subject) -> None:
    found = subjects.search_organisations(db, "新榕", limit=20)
    assert [hit.subject.id for hit in found.hits] == [target.id]
    assert found.more is False


def test_the_api_says_when_more_organisations_match(client: TestClient, target: Subject) -> None:
    response = client.get("/api/v1/subjects", params={"q": "食品", "limit": 5})
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["items"]) == 5
    assert body["more"] is True
    exact = client.get("/api/v1/subjects", params={"q": TARGET, "limit": 20}).json()
    assert exact["items"][0]["code"] == target.uscc
    assert exact["more"] is False


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_the_page_says_when_more_organisations_match(
    client: TestClient, db: Session, world: World, locale: str
) -> None:
    # More than the page's 20, with the candidate limit as it is.
    for i in range(21):
        CompanyFactory(name=f"福州第{i}号食品有限公司")
    target = CompanyFactory(name=TARGET)
    db.commit()
    message = translations(locale).gettext(
        "More organisations match than are listed here: refine your search (the full name or "
        "the unified social credit code finds one)."
    )
    lang = {"en": "en", "zh_Hans": "zh-Hans"}[locale]
    many = client.get("/search", params={"q": "食品", "lang": lang})
    assert many.status_code == 200
    assert many.text.count('<li><a href="/subjects/') == 20
    assert message in many.text
    one = client.get("/search", params={"q": "新榕", "lang": lang})
    assert f'href="/subjects/{target.uscc}"' in one.text
    assert message not in one.text
