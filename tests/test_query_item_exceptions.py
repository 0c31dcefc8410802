"""Art. 13 ¶3 on the query-item path: a query item opens information that is not public
only where a law or an administrative regulation makes the exception, which the item
states (the law or administrative regulation and its article). Refused without one at
creation and at publication; an item made before it was asked for (migration 0045) keeps
opening its public record types, not the others, and the query items page says so."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    ARREARS,
    ARREARS_EXCEPTION,
    CONTRACT,
    ITEM,
    MATTER,
    MATTER_CODE,
    PENALTY,
    access_events,
    actor_of,
    arrears,
    attempt,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    person_penalty,
    refusal_of,
)
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access, query_items
from xinyong.disclosure.models import LegalPath, QueryItem, StatuteRank
from xinyong.errors import Conflict, InvalidInput

ADMIN = "/admin/query-items"


def before_0045(db: Session, item: QueryItem) -> QueryItem:
    """The item as migration 0045 left one made before it: no statutory exception."""
    item.exception_rank = item.exception_title = item.exception_article = None
    db.commit()
    return item


def create(
    db: Session, clock: FixedClock, world: World, *types: str, **kwargs: object
) -> QueryItem:
    return query_items.create(
        db,
        clock,
        actor_of(world, "authority"),
        code=str(kwargs.pop("code", "QI-NEW-01")),
        organisation=world.organisations["regulator"],
        matter=MATTER,
        matter_code=MATTER_CODE,
        record_type_codes=list(types),
        legal_basis="《福州市社会信用管理办法》第十三条第二款",
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def person_with_arrears(disclosure_world: World, db: Session, clock: FixedClock) -> World:
    """The person with a penalty (public by law) and social-insurance arrears (not public
    by law about persons); the company with arrears (public about organisations)."""
    world = disclosure_world
    person_penalty(db, clock, world)
    arrears(db, clock, world, "person")
    arrears(db, clock, world, "company")
    db.commit()
    return world


# --- creation and publication (the service) ---------------------------------------------------


@pytest.mark.parametrize("record_type", [CONTRACT, ARREARS])
def test_an_item_naming_a_type_not_public_is_refused_without_its_statutory_exception(
    disclosure_world: World, db: Session, clock: FixedClock, record_type: str
) -> None:
    """A market record is public about nobody; arrears are public about organisations but
    not by law about persons: both are opened on the item only by a statute's exception."""
    with pytest.raises(InvalidInput) as refused:
        create(db, clock, disclosure_world, PENALTY, record_type)

    assert (refused.value.code, refused.value.article) == ("no_statutory_exception", "Art. 13 ¶3")
    assert refused.value.field == "statutory_exception"
    assert refused.value.details == {"record_types": [record_type]}
    assert db.scalar(select(QueryItem).where(QueryItem.code == "QI-NEW-01")) is None


def test_an_item_naming_only_public_types_needs_no_exception(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    item = create(db, clock, disclosure_world, PENALTY, "court_judgment_defaulter")

    assert query_items.exception_of(item) is None


def test_an_item_states_its_statutory_exception(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    item = create(db, clock, disclosure_world, ARREARS, statutory_exception=ARREARS_EXCEPTION)

    assert query_items.exception_of(item) == ARREARS_EXCEPTION
    created = db.scalars(select(AuditEvent).where(AuditEvent.action == "query_item.create")).one()
    assert created.details == {
        "statutory_exception": {
            "rank": "law",
            "title": "《中华人民共和国社会保险法》",
            "article": "第六十三条",
        }
    }


@pytest.mark.parametrize(
    ("rank", "title", "article", "code", "field"),
    [
        ("local_regulation", "《福建省社会信用条例》", "第二十条", "invalid", "rank"),
        ("", "《中华人民共和国社会保险法》", "第六十三条", "invalid", "rank"),
        ("law", "  ", "第六十三条", "required", "title"),
        ("administrative_regulation", "《征信业管理条例》", "", "required", "article"),
    ],
)
def test_the_exception_is_a_law_or_an_administrative_regulation_with_its_article(
    rank: str, title: str, article: str, code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        query_items.stated_exception(rank, title, article)

    assert (refused.value.code, refused.value.field) == (code, f"statutory_exception.{field}")
    assert refused.value.article == "Art. 13 ¶3"


def test_nothing_typed_is_no_exception() -> None:
    assert query_items.stated_exception(" ", "", "") is None
    assert query_items.stated_exception(
        "administrative_regulation", " 《征信业管理条例》 ", "第十四条"
    ) == query_items.StatutoryException(
        StatuteRank.ADMINISTRATIVE_REGULATION, "《征信业管理条例》", "第十四条"
    )


def test_an_item_without_its_exception_is_published_only_once_it_is_stated(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    authority = actor_of(world, "authority")
    before_0045(db, make_query_item(db, clock, world, publish=False))

    with pytest.raises(Conflict) as refused:
        query_items.publish(db, clock, authority, ITEM)
    assert (refused.value.code, refused.value.article) == ("no_statutory_exception", "Art. 13 ¶3")
    assert query_items.by_code(db, ITEM).published_at is None

    item = query_items.publish(db, clock, authority, ITEM, statutory_exception=ARREARS_EXCEPTION)

    assert item.published_at == clock.now()
    assert query_items.exception_of(item) == ARREARS_EXCEPTION


def test_an_item_published_before_0045_is_published_again_with_its_exception(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    before_0045(db, make_query_item(db, clock, world))
    later = FixedClock(clock.now() + dt.timedelta(hours=1))

    item = query_items.publish(
        db, later, actor_of(world, "authority"), ITEM, statutory_exception=ARREARS_EXCEPTION
    )

    assert (item.published_at, item.withdrawn_at) == (later.now(), None)
    publications = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "query_item.publish")
    ).all()
    assert publications[-1].details == {"statutory_exception": ARREARS_EXCEPTION.as_dict()}


# --- reading by the item (access) -------------------------------------------------------------


def test_an_item_without_its_exception_opens_on_a_person_only_what_is_public_about_persons(
    person_with_arrears: World, db: Session, clock: FixedClock
) -> None:
    world = person_with_arrears
    before_0045(db, make_query_item(db, clock, world, record_types=(PENALTY, ARREARS)))
    person = world.subjects["person"]

    granted = attempt(
        db, clock, actor_of(world, "querier"), person, query_item_code=ITEM, matter=MATTER_CODE
    )

    assert isinstance(granted, access.Access)
    assert granted.record_type_codes == frozenset({PENALTY})
    assert granted.unopened_record_type_codes == frozenset({ARREARS})
    assert {view.type_code for view in granted.file(db, clock)} == {PENALTY}
    read = access_events(db, person.id)[-1]
    assert (read.legal_path, read.record_type_codes) == (LegalPath.QUERY_ITEM, [PENALTY])


def test_an_item_without_its_exception_still_opens_on_an_organisation_what_is_public_about_it(
    person_with_arrears: World, db: Session, clock: FixedClock
) -> None:
    world = person_with_arrears
    before_0045(db, make_query_item(db, clock, world, record_types=(PENALTY, ARREARS)))

    granted = attempt(
        db,
        clock,
        actor_of(world, "querier"),
        world.subjects["company"],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )

    assert isinstance(granted, access.Access)
    assert granted.record_type_codes == frozenset({PENALTY, ARREARS})
    assert granted.unopened_record_type_codes == frozenset()


def test_an_item_that_opens_nothing_on_the_subject_is_refused_and_the_subject_sees_it(
    person_with_arrears: World, db: Session, clock: FixedClock
) -> None:
    world = person_with_arrears
    item = before_0045(db, make_query_item(db, clock, world))  # arrears only
    person = world.subjects["person"]

    outcome = attempt(
        db, clock, actor_of(world, "querier"), person, query_item_code=ITEM, matter=MATTER_CODE
    )

    assert refusal_of(outcome) == ("no_statutory_exception", "Art. 13 ¶3")
    refused = access_events(db, person.id)[-1]
    assert (refused.granted, refused.refusal_code, refused.query_item_id) == (
        False,
        "no_statutory_exception",
        item.id,
    )


def test_an_item_with_its_exception_opens_what_is_not_public(
    person_with_arrears: World, db: Session, clock: FixedClock
) -> None:
    world = person_with_arrears
    make_query_item(db, clock, world, record_types=(PENALTY, ARREARS))

    granted = attempt(
        db,
        clock,
        actor_of(world, "querier"),
        world.subjects["person"],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )

    assert isinstance(granted, access.Access)
    assert granted.record_type_codes == frozenset({PENALTY, ARREARS})
    assert {view.type_code for view in granted.file(db, clock)} == {PENALTY, ARREARS}


# --- the API ----------------------------------------------------------------------------------


def item_body(world: World, *types: str, **extra: object) -> dict[str, object]:
    return {
        "code": "QI-API-01",
        "organisation": world.organisations["regulator"].code,
        "matter": MATTER,
        "matter_code": MATTER_CODE,
        "record_types": list(types),
        "legal_basis": "《福州市社会信用管理办法》第十三条第二款",
        **extra,
    }


def test_the_api_refuses_an_item_without_its_exception_and_takes_one_with_it(
    disclosure_world: World, db: Session, client: TestClient
) -> None:
    world = disclosure_world
    db.commit()
    authority = auth_headers(client, "authority")

    refused = client.post("/api/v1/query-items", json=item_body(world, CONTRACT), headers=authority)

    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["article"], error["field"]) == (
        "no_statutory_exception",
        "Art. 13 ¶3",
        "statutory_exception",
    )
    stated = {"rank": "law", "title": "《中华人民共和国民事诉讼法》", "article": "第二百五十三条"}
    created = client.post(
        "/api/v1/query-items",
        json=item_body(world, CONTRACT, statutory_exception=stated),
        headers=authority,
    )
    assert created.status_code == 201, created.text
    assert created.json()["statutory_exception"] == stated
    published = client.post("/api/v1/query-items/QI-API-01/publish", headers=authority)
    assert published.status_code == 200, published.text
    (listed,) = client.get("/api/v1/query-items").json()["items"]
    assert listed["statutory_exception"] == stated


def test_the_api_publishes_an_item_made_before_0045_once_its_exception_is_stated(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    before_0045(db, make_query_item(db, clock, world, publish=False))
    authority = auth_headers(client, "authority")
    url = f"/api/v1/query-items/{ITEM}/publish"

    refused = client.post(url, headers=authority)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "no_statutory_exception"
    partial = client.post(
        url,
        json={"statutory_exception": {"rank": "law", "title": " ", "article": "第六十三条"}},
        headers=authority,
    )
    assert partial.status_code == 422, partial.text
    assert partial.json()["error"]["field"] == "statutory_exception.title"

    published = client.post(
        url, json={"statutory_exception": ARREARS_EXCEPTION.as_dict()}, headers=authority
    )

    assert published.status_code == 200, published.text
    assert published.json()["statutory_exception"] == ARREARS_EXCEPTION.as_dict()
    assert published.json()["published_at"] is not None


def test_the_api_file_read_lists_the_types_not_opened(
    person_with_arrears: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = person_with_arrears
    before_0045(db, make_query_item(db, clock, world, record_types=(PENALTY, ARREARS)))

    response = client.get(
        f"/api/v1/subjects/{world.subjects['person'].reference}/file",
        params={"query_item": ITEM, "matter": MATTER_CODE},
        headers=auth_headers(client, "querier"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["record_types"], body["record_types_not_opened"]) == ([PENALTY], [ARREARS])
    assert {item["type"] for item in body["items"]} == {PENALTY}


# --- the pages --------------------------------------------------------------------------------


def create_in_page(client: TestClient, world: World, **exception: str) -> object:
    page = client.get(ADMIN, headers=HTML)
    return client.post(
        ADMIN,
        data={
            "code": "QI-PAGE-01",
            "organisation": world.organisations["regulator"].code,
            "matter": MATTER,
            "matter_code": MATTER_CODE,
            "record_types": [PENALTY, ARREARS],
            "legal_basis": "《福州市社会信用管理办法》第十三条第二款",
            **exception,
            "csrf_token": csrf_from(page.text),
        },
        headers=HTML,
        follow_redirects=False,
    )


def test_the_credit_authority_states_the_exception_on_the_form(
    disclosure_world: World, db: Session, client: TestClient
) -> None:
    world = disclosure_world
    db.commit()
    log_in(client, "authority")
    form = client.get(ADMIN, headers=HTML).text
    # The form says which types need the exception.
    assert f'<label for="type-{CONTRACT}">' in form
    assert (
        form.split(f'<label for="type-{CONTRACT}">', 1)[1]
        .split("</label>")[0]
        .count("data-not-public")
        == 1
    )
    assert (
        "data-not-public"
        not in form.split(f'<label for="type-{PENALTY}">', 1)[1].split("</label>")[0]
    )

    refused = create_in_page(client, world)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert 'data-code="no_statutory_exception"' in text
    assert "第十三条第三款" in text
    assert 'id="exception_rank" name="exception_rank" aria-invalid="true"' in text
    assert f'value="{ARREARS}" checked' in text  # what was typed, shown again

    created = create_in_page(
        client,
        world,
        exception_rank="law",
        exception_title="《中华人民共和国社会保险法》",
        exception_article="第六十三条",
    )
    assert created.status_code == 303, created.text[:500]  # type: ignore[attr-defined]
    item = query_items.by_code(db, "QI-PAGE-01")
    assert query_items.exception_of(item) == ARREARS_EXCEPTION


def test_the_query_items_page_warns_of_an_item_without_its_exception_and_publishes_it_with_one(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    before_0045(db, make_query_item(db, clock, world))  # published, arrears only
    log_in(client, "authority")

    listing = client.get(ADMIN, headers=HTML).text
    warning = listing.split(f'data-no-statutory-exception="{ITEM}"', 1)[1].split("</tr>", 1)[0]
    assert "社会保险费欠缴" in warning  # the type not opened, named
    bad = client.post(
        f"{ADMIN}/{ITEM}/publish",
        data={
            "exception_rank": "law",
            "exception_title": "《中华人民共和国社会保险法》",
            "exception_article": "",
            "csrf_token": csrf_from(listing),
        },
        headers=HTML,
    )
    assert bad.status_code == 422
    row = bad.text.split(f'data-no-statutory-exception="{ITEM}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-code="required"' in row  # beside the row's form, with what was typed
    assert 'value="《中华人民共和国社会保险法》"' in row

    done = client.post(
        f"{ADMIN}/{ITEM}/publish",
        data={
            "exception_rank": "law",
            "exception_title": "《中华人民共和国社会保险法》",
            "exception_article": "第六十三条",
            "csrf_token": csrf_from(listing),
        },
        follow_redirects=False,
    )

    assert done.status_code == 303
    listing = client.get(ADMIN, headers=HTML).text
    assert "data-no-statutory-exception" not in listing
    public = client.get("/query-items", headers=HTML).text
    assert 'data-statutory-exception="law"' in public
    assert "《中华人民共和国社会保险法》 第六十三条" in public


def test_the_query_page_names_the_types_the_item_does_not_open(
    person_with_arrears: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = person_with_arrears
    before_0045(db, make_query_item(db, clock, world, record_types=(PENALTY, ARREARS)))
    log_in(client, "querier")

    response = client.post(
        "/query",
        data={
            "path": "item",
            "item": ITEM,
            "matter": MATTER_CODE,
            "subject_kind": "person",
            "citizen_id": citizen_id_of(world.subjects["person"]),
            "csrf_token": csrf_from(client.get("/query", headers=HTML).text),
        },
        headers=HTML,
    )

    assert response.status_code == 200, response.text[:500]
    assert "data-not-opened" in response.text
    assert "第十三条第三款" in response.text.split("data-not-opened", 1)[1].split("</dd>", 1)[0]


def test_my_query_items_say_which_types_an_item_opens_only_where_public(
    person_with_arrears: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """A held item made before 0045 names arrears but opens them only about organisations:
    the querier's own list says so before he queries, not only in the file he then reads."""
    world = person_with_arrears
    before_0045(db, make_query_item(db, clock, world, record_types=(PENALTY, ARREARS)))
    log_in(client, "querier")

    page = client.get("/query", headers=HTML).text

    row = page.split(f'data-held-item="{ITEM}"', 1)[1].split("</tr>", 1)[0]
    note = row.split("data-opened-only-where-public>", 1)[1].split("</small>", 1)[0]
    assert "仅显示对信息主体公开的信用记录（第十三条第三款）" in note  # every type: public only
    assert "社会保险" in note  # the arrears type, by its name: not at all about persons
    assert "行政处罚" not in note  # public by law: opened where public
