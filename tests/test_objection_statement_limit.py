"""One limit on an objection's statement, of every kind — to a credit record (decision
0022), to a black-list candidacy or published entry (decision 0008), a public comment on a
red-list candidate (decision 0009): ``objections.rules.MAX_STATEMENT``, which the services
refuse by, the API schemas declare and the forms set as ``maxlength``. A line break counts
as one character everywhere, as the form's ``maxlength`` counts it, though the browser
sends it as CR LF."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.disclosure_helpers import company_penalty
from tests.factories import World
from tests.lists_helpers import (
    actor,
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    red_candidate,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.lists.models import ListObjection
from xinyong.objections.models import RecordObjection
from xinyong.objections.rules import MAX_STATEMENT, statement_too_long

# Exactly the limit as the form counts it: 49 line breaks, which a browser sends as CR LF.
AT_LIMIT = "\r\n".join(["异" * 99] * 50) + "异"
OVER = "异" * (MAX_STATEMENT + 1)


def _noticed(db: Session, clock: FixedClock, world: World) -> int:
    std = entries.standard(db, "dishonest_subject")
    return entries.propose(
        db,
        clock,
        actor(world, "caseofficer2"),
        subject=world.subjects["company"],
        standard_code=std.code,
        criteria_met=std.criteria,
        reasons="拒不履行行政处罚决定",
        evidence="榕市监罚〔2026〕1号",
        basis_record_ids=[basis_record(db, clock, world, world.subjects["company"]).id],
    ).id


@dataclass(frozen=True)
class Kind:
    """An objection of one kind: what it is made against, and how it is sent."""

    name: str
    target: Callable[[Session, FixedClock, World], int]
    api: str  # the endpoint, with ``{}`` for the target
    api_body: Callable[[str], dict[str, Any]]
    page: str  # the page with the form
    post: str  # where the form posts, with ``{}`` for the target
    form: Callable[[int, str], dict[str, str]]
    textarea: str  # the form's statement, with ``{}`` for the target
    made: Callable[[Session, int], int]  # how many objections to the target are stored
    subject: str | None = "company"  # who objects (a public comment needs no account)


def _record_objections(db: Session, record_id: int) -> int:
    return db.scalar(select(func.count()).where(RecordObjection.record_id == record_id)) or 0


def _list_objections(db: Session, entry_id: int) -> int:
    return db.scalar(select(func.count()).where(ListObjection.entry_id == entry_id)) or 0


KINDS = [
    Kind(
        "record",
        lambda db, clock, world: company_penalty(db, clock, world).id,
        "/api/v1/me/records/{}/objections",
        lambda statement: {"ground": "error", "statement": statement},
        "/me/objections",
        "/me/objections",
        lambda target, statement: {
            "record": str(target),
            "ground": "error",
            "statement": statement,
        },
        'id="statement"',
        _record_objections,
    ),
    Kind(
        "candidacy",
        _noticed,
        "/api/v1/me/list-entries/{}/objection",
        lambda statement: {"statement": statement},
        "/me/notices",
        "/me/notices/{}/objection",
        lambda target, statement: {"statement": statement},
        'id="obj-{}"',
        _list_objections,
    ),
    Kind(
        "published_entry",
        lambda db, clock, world: published_entry(db, clock, world, world.subjects["company"]).id,
        "/api/v1/me/list-entries/{}/objection",
        lambda statement: {"statement": statement},
        "/me/notices",
        "/me/notices/{}/objection",
        lambda target, statement: {"statement": statement},
        'id="obj-{}"',
        _list_objections,
    ),
    Kind(
        "public_comment",
        lambda db, clock, world: red_candidate(db, clock, world).id,
        "/api/v1/lists/red/candidates/{}/comments",
        lambda statement: {"statement": statement},
        "/lists/red/candidates",
        "/lists/red/candidates/{}/comment",
        lambda target, statement: {"statement": statement, "contact": ""},
        'id="comment-{}"',
        _list_objections,
        subject=None,
    ),
]


@pytest.fixture(params=KINDS, ids=lambda kind: kind.name)
def kind(request: pytest.FixtureRequest) -> Kind:
    found: Kind = request.param
    return found


@pytest.fixture
def target(kind: Kind, lists_world: World, db: Session, clock: FixedClock) -> int:
    made = kind.target(db, clock, lists_world)
    db.commit()
    return made


def test_a_line_break_counts_as_one_character_and_blanks_count() -> None:
    assert len(AT_LIMIT) == MAX_STATEMENT + 49
    assert not statement_too_long(AT_LIMIT)
    assert statement_too_long(AT_LIMIT + " ")
    assert statement_too_long(OVER)


def test_the_api_takes_a_statement_at_the_limit_and_refuses_one_over_it(
    kind: Kind, target: int, client: TestClient, db: Session
) -> None:
    sent = headers(client, kind.subject) if kind.subject else {}
    url = kind.api.format(target)

    over = client.post(url, json=kind.api_body(OVER), headers=sent)
    at_limit = client.post(url, json=kind.api_body(AT_LIMIT), headers=sent)

    assert over.status_code == 422, over.text
    assert over.json()["error"]["field"] == "statement"
    assert at_limit.status_code == 201, at_limit.text
    db.expire_all()
    assert kind.made(db, target) == 1


def test_the_form_sets_the_limit_and_its_refusal_is_shown_beside_it_with_the_text_kept(
    kind: Kind, target: int, client: TestClient, db: Session
) -> None:
    if kind.subject:
        log_in(client, kind.subject)
    page = client.get(kind.page).text
    textarea = kind.textarea.format(target)
    tag = re.search(rf"<textarea {textarea}[^>]*>", page)
    assert tag is not None, page
    assert f'maxlength="{MAX_STATEMENT}"' in tag[0]

    over = client.post(
        kind.post.format(target),
        data={**kind.form(target, OVER), "csrf_token": csrf_from(page)},
    )

    assert over.status_code == 422, over.text
    assert 'data-code="too_long"' in over.text
    assert OVER in over.text.split(textarea, 1)[1]  # the form again, the text kept
    db.expire_all()
    assert kind.made(db, target) == 0


def test_the_form_takes_a_statement_at_the_limit_with_its_line_breaks(
    kind: Kind, target: int, client: TestClient, db: Session
) -> None:
    if kind.subject:
        log_in(client, kind.subject)
    page = client.get(kind.page).text

    sent = client.post(
        kind.post.format(target),
        data={**kind.form(target, AT_LIMIT), "csrf_token": csrf_from(page)},
        follow_redirects=False,
    )

    assert sent.status_code == 303, sent.text
    db.expire_all()
    assert kind.made(db, target) == 1
