"""Art. 13 ¶3 on the query-item path, record by record: a query item stating no statutory
exception shows only what the public file shows about the subject, of the item's types —
not a warning-only penalty (never published), a record outside its publicity window, one
awaiting its confidentiality review — and says how many records of its types it withheld
as not public, so that the agency asks for the subject's written authorisation. An item
stating an exception opens its types as before (decision 0007, session 13 addendum)."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    TODAY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    ARREARS,
    ARREARS_EXCEPTION,
    ITEM,
    MATTER_CODE,
    PENALTY,
    actor_of,
    arrears,
    attempt,
    attempt_report,
    company_penalty,
    disclosure_world,  # noqa: F401 - fixture
    make_query_item,
    person_penalty,
    revoke_record,
)
from tests.factories import World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_review import require_review
from xinyong.clock import CHINA, FixedClock
from xinyong.collection.models import CreditRecord
from xinyong.disclosure import access, reports
from xinyong.disclosure.files import build_file

# The day after the window of a general-class penalty decided on RECENT (12 months), and
# inside that of one decided on TODAY.
AFTER_RECENT_WINDOW = dt.datetime(2027, 11, 26, 10, tzinfo=CHINA)


def warning_only(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """A penalty of a warning only: never published (its severity has no window)."""
    return person_penalty(
        db, clock, world, penalty_category="警告", penalty_content="警告", fine_amount=""
    )


def expired(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """A fine whose publicity window has ended by the day read."""
    record = person_penalty(db, clock, world)
    clock.set(AFTER_RECENT_WINDOW)
    return record


def awaiting_review(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """A fine waiting for its source's confidentiality review (Art. 12(3))."""
    require_review(db, clock, world)
    record = person_penalty(db, clock, world)
    assert record.awaiting_review
    return record


def revoked(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """A fine revoked by its source: shared on no path, so not withheld as not public."""
    record = person_penalty(db, clock, world)
    revoke_record(db, clock, world, record.id)
    return record


def public_fine(db: Session, clock: FixedClock, world: World) -> CreditRecord:
    """A fine decided today: public about the person on every day these tests read."""
    return person_penalty(db, clock, world, decision_date=TODAY.isoformat())


def read_by_item(db: Session, clock: FixedClock, world: World, subject: str) -> access.Access:
    granted = attempt(
        db,
        clock,
        actor_of(world, "querier"),
        world.subjects[subject],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )
    assert isinstance(granted, access.Access), granted
    return granted


# --- the service ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("not_public", "withheld"),
    [(warning_only, 1), (expired, 1), (awaiting_review, 1), (revoked, 0)],
)
def test_an_item_without_an_exception_shows_what_the_public_file_shows_of_its_types(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    not_public: Callable[[Session, FixedClock, World], CreditRecord],
    withheld: int,
) -> None:
    world = disclosure_world
    shown = public_fine(db, clock, world)
    hidden = not_public(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()
    person = world.subjects["person"]

    read = read_by_item(db, clock, world, "person").read(db, clock)

    public_file = build_file(db, person, today=clock.today(), public_only=True)
    assert [view.id for view in read.records] == [view.id for view in public_file] == [shown.id]
    assert hidden.id not in {view.id for view in read.records}
    assert read.withheld_not_public == withheld


def test_an_item_without_an_exception_shows_only_its_own_types(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The company's arrears are public about it, but the item names penalties only."""
    world = disclosure_world
    penalty = company_penalty(db, clock, world)
    arrears(db, clock, world, "company")
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()

    read = read_by_item(db, clock, world, "company").read(db, clock)

    assert [(view.id, view.type_code) for view in read.records] == [(penalty.id, PENALTY)]
    assert read.withheld_not_public == 0


def test_an_item_with_an_exception_opens_its_types_records_that_are_not_public(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    warning = warning_only(db, clock, world)
    make_query_item(
        db, clock, world, record_types=(PENALTY, ARREARS), statutory_exception=ARREARS_EXCEPTION
    )
    db.commit()

    read = read_by_item(db, clock, world, "person").read(db, clock)

    assert [(view.id, view.public) for view in read.records] == [(warning.id, False)]
    assert read.withheld_not_public == 0


def test_a_report_on_an_item_without_an_exception_leaves_out_what_is_not_public(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    shown = public_fine(db, clock, world)
    warning_only(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()

    issued = attempt_report(
        db,
        clock,
        actor_of(world, "querier"),
        world.subjects["person"],
        query_item_code=ITEM,
        matter=MATTER_CODE,
    )

    assert isinstance(issued, reports.IssuedReport), issued
    items = [item for section in issued.content["sections"] for item in section["items"]]
    assert [item["id"] for item in items] == [shown.id]
    assert issued.report.record_count == 1


# --- the API and the query page ---------------------------------------------------------------


def test_the_api_file_read_says_how_many_records_the_item_withheld(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    shown = public_fine(db, clock, world)
    warning_only(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()

    response = client.get(
        f"/api/v1/subjects/{world.subjects['person'].reference}/file",
        params={"query_item": ITEM, "matter": MATTER_CODE},
        headers=auth_headers(client, "querier"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [shown.id]
    assert body["withheld_not_public"] == 1


def test_the_subjects_own_file_read_withholds_nothing_as_not_public(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    warning = warning_only(db, clock, world)
    db.commit()

    response = client.get(
        f"/api/v1/subjects/{world.subjects['person'].reference}/file",
        headers=auth_headers(client, "citizen"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [warning.id]
    assert body["withheld_not_public"] is None


def test_the_query_page_says_how_many_records_the_item_withheld(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    public_fine(db, clock, world)
    warning_only(db, clock, world)
    make_query_item(db, clock, world, record_types=(PENALTY,), statutory_exception=None)
    db.commit()
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
    note = response.text.split('data-withheld-not-public="1">', 1)[1].split("</dd>", 1)[0]
    assert "第十三条第三款" in note
    assert "书面授权" in note
