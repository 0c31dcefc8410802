"""The reasons of a decision on an objection to a list entry have the limit of every
objection's decision, ``objections.rules.MAX_REASONS``: the service refuses by it, the API
declares it, the form sets it as ``maxlength``, and a page refuses reasons over it beside
the objection with the text kept — not with FastAPI's error page."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from tests.test_list_objections import article_of, objected
from xinyong.clock import FixedClock
from xinyong.errors import InvalidInput
from xinyong.lists import entries
from xinyong.lists.models import ListObjection
from xinyong.objections.rules import MAX_REASONS

# Exactly the limit as the form counts it: 49 line breaks, which a browser sends as CR LF.
AT_LIMIT = "\r\n".join(["理" * 99] * 50) + "理"
OVER = "理" * (MAX_REASONS + 1)


@pytest.fixture
def objected_entry(lists_world: World, db: Session, clock: FixedClock) -> tuple[int, int]:
    """The ids of a noticed black-list entry and of the company's objection to it."""
    entry, made = objected(db, clock, lists_world)
    db.commit()
    return entry.id, made.id


@pytest.mark.parametrize(
    ("username", "page", "post", "article"),
    [
        # The objection handler's page, an article for each objection.
        ("objections", "/list-objections", "/list-objections/{objection}", "objection-{objection}"),
        # The officers' queue, the objection within its entry's article.
        ("caseofficer2", "/lists-queue", "/lists-queue/objections/{objection}", "entry-{entry}"),
    ],
)
def test_reasons_over_the_limit_are_refused_beside_the_objection_with_the_text_kept(
    client: TestClient,
    db: Session,
    objected_entry: tuple[int, int],
    username: str,
    page: str,
    post: str,
    article: str,
) -> None:
    entry, objection = objected_entry
    log_in(client, username)
    shown = client.get(page)
    assert f'name="reasons" required maxlength="{MAX_REASONS}"' in shown.text
    refused = client.post(
        post.format(objection=objection),
        data={"upheld": "no", "reasons": OVER, "csrf_token": csrf_from(shown.text)},
    )
    assert refused.status_code == 422
    case = article_of(refused.text, article.format(entry=entry, objection=objection))
    assert 'data-code="too_long"' in case
    assert OVER in case
    db.expire_all()
    assert db.get(ListObjection, objection).decided_at is None  # type: ignore[union-attr]


def test_the_service_takes_reasons_at_the_limit_a_line_break_counted_as_one(
    db: Session, clock: FixedClock, lists_world: World, objected_entry: tuple[int, int]
) -> None:
    _entry, objection = objected_entry
    handler = actor(lists_world, "objections")
    with pytest.raises(InvalidInput) as over:
        entries.decide_objection(db, clock, handler, objection, upheld=False, reasons=OVER)
    assert (over.value.code, over.value.field) == ("too_long", "reasons")
    decided = entries.decide_objection(
        db, clock, handler, objection, upheld=False, reasons=AT_LIMIT
    )
    assert decided.decided_at is not None


def test_the_api_declares_the_same_limit(
    client: TestClient, objected_entry: tuple[int, int]
) -> None:
    route = f"/api/v1/list-objections/{objected_entry[1]}/decide"
    over = client.post(
        route, headers=headers(client, "objections"), json={"upheld": False, "reasons": OVER}
    )
    assert over.status_code == 422
    assert over.json()["error"]["field"] == "reasons"
    at_limit = client.post(
        route, headers=headers(client, "objections"), json={"upheld": False, "reasons": AT_LIMIT}
    )
    assert at_limit.status_code == 200, at_limit.text
