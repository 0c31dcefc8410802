"""The officers' queue reads what it shows in a fixed number of queries, however many items it
has: who acts under the officer's person is read once (not a key's releaser per entry), and
the working-day calendar once for every deadline it shows (not once per objection); and it
reads its agency's published entries only, not the whole city's lists to filter after."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from tests.factories import CompanyFactory, UserFactory, World, released_api_key
from tests.lists_helpers import (
    actor,
    earlier,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    penalty_record,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import log_in
from xinyong.accounts import api_keys
from xinyong.accounts.models import Role
from xinyong.accounts.permissions import Actor
from xinyong.clock import FixedClock
from xinyong.lists import entries
from xinyong.lists.models import ListKind

QUEUE = "/lists-queue"


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _key_of_caseofficer2(db: Session, clock: FixedClock, world: World) -> Actor:
    """A key whose secret ``caseofficer2`` released: its proposals are his, and the queue
    must find that out about each one."""
    key, secret = released_api_key(
        db, clock, world.organisations["regulator"], Role.CASE_OFFICER, "系统对接"
    )
    key.released_by_id = world.users["caseofficer2"].id
    db.flush()
    return api_keys.actor_for_api_key(db, secret)


def _add_items(db: Session, clock: FixedClock, world: World, key: Actor, n: int) -> None:
    """``n`` open proposals made through the key, and ``n`` published entries it proposed,
    each with its subject's undecided objection (shown with the day it is due)."""
    regulator = world.organisations["regulator"]
    for _ in range(n):
        proposed = CompanyFactory()
        entries.propose(
            db,
            clock,
            key,
            subject=proposed,
            standard_code="dishonest_subject",
            criteria_met=entries.standard(db, "dishonest_subject").criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2026〕1号行政处罚决定书",
            basis_record_ids=[penalty_record(db, clock, regulator, proposed)],
        )
    for _ in range(n):
        company = CompanyFactory()
        window = entries.standard(db, "dishonest_subject").objection_days
        entry = entries.propose(
            db,
            earlier(clock, window + 31),
            key,
            subject=company,
            standard_code="dishonest_subject",
            criteria_met=entries.standard(db, "dishonest_subject").criteria,
            reasons="拒不履行行政处罚决定",
            evidence="榕市监罚〔2026〕2号行政处罚决定书",
            basis_record_ids=[penalty_record(db, clock, regulator, company)],
        )
        entries.approve(
            db, earlier(clock, 30), actor(world, "caseofficer"), entry.id, reasons="符合认定标准"
        )
        account = UserFactory(role=Role.SUBJECT, subject_id=company.id)
        db.flush()
        subject = Actor(kind="user", id=account.id, role=Role.SUBJECT, subject_id=company.id)
        entries.object_to(db, clock, subject, entry.id, "处罚决定已被撤销")
    db.commit()


def test_the_queue_reads_as_many_queries_for_ten_items_as_for_two(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient, engine: Engine
) -> None:
    world = lists_world
    key = _key_of_caseofficer2(db, clock, world)
    _add_items(db, clock, world, key, 2)
    log_in(client, "caseofficer")
    with counted(engine) as few:
        page = client.get(QUEUE)
    assert page.status_code == 200

    _add_items(db, clock, world, key, 8)
    with counted(engine) as many:
        page = client.get(QUEUE)

    assert page.status_code == 200
    shown = entries.published_entry_objections(db, actor(world, "caseofficer"), today=clock.today())
    assert len(shown) == 10
    assert len(many) == len(few), "\n".join(many)


def test_a_credit_authority_case_officer_reads_only_its_agencys_published_objections(
    lists_world: World, db: Session, clock: FixedClock, engine: Engine
) -> None:
    """It decides none of another agency's (only the credit authority's objection handlers
    reach across agencies): the read is narrowed to its own agency, not filtered after."""
    world = lists_world
    _add_items(db, clock, world, _key_of_caseofficer2(db, clock, world), 2)
    world.users["authority_caseofficer"] = UserFactory(
        username="authority_caseofficer",
        role=Role.CASE_OFFICER,
        organisation=world.organisations["authority"],
    )
    db.commit()
    officer = actor(world, "authority_caseofficer")

    with counted(engine) as statements:
        shown = entries.published_entry_objections(db, officer, today=clock.today())

    assert shown == []
    (read,) = [s for s in statements if "FROM list_objection" in s]
    assert "recognising_organisation_id" in read.split("WHERE", 1)[1]


def test_the_handlers_cases_read_the_calendar_once(
    lists_world: World, db: Session, clock: FixedClock, engine: Engine
) -> None:
    world = lists_world
    _add_items(db, clock, world, _key_of_caseofficer2(db, clock, world), 3)

    with counted(engine) as statements:
        cases = entries.objection_cases(db, actor(world, "objections"), today=clock.today())

    assert sum(c.deadline is not None for c in cases) == 3
    assert sum("FROM calendar_day" in s for s in statements) == 1


def _own_and_other_agencys(db: Session, clock: FixedClock, world: World) -> tuple[int, int]:
    """A published black-list entry of the market regulator's, and one of another agency's
    (moved in place: a second agency's two officers and its records would test nothing
    more). Their ids."""
    own = published_entry(db, clock, world, world.subjects["company"])
    other = published_entry(db, clock, world, world.subjects["other_company"])
    other.recognising_organisation_id = world.organisations["other_agency"].id
    db.commit()
    return own.id, other.id


def test_the_published_entries_are_narrowed_to_the_recognising_organisations_in_the_query(
    lists_world: World, db: Session, clock: FixedClock, engine: Engine
) -> None:
    world = lists_world
    own, other = _own_and_other_agencys(db, clock, world)
    regulator = world.organisations["regulator"].id
    today = clock.today()

    def found(recognised_by: list[int] | None) -> set[int]:
        return {
            e.id
            for e, *_ in entries.published(
                db, ListKind.BLACK, today=today, recognised_by=recognised_by
            )
        }

    assert {own, other} <= found(None)
    with counted(engine) as statements:
        assert found([regulator]) == {own}
    (read,) = [s for s in statements if "FROM list_entry" in s]
    assert "recognising_organisation_id" in read.split("WHERE", 1)[1]
    assert found([]) == set()
    assert found([regulator, world.organisations["other_agency"].id]) >= {own, other}


def test_the_queue_shows_and_reads_only_its_agencys_published_entries(
    lists_world: World, db: Session, clock: FixedClock, client: TestClient, engine: Engine
) -> None:
    world = lists_world
    own, other = _own_and_other_agencys(db, clock, world)
    log_in(client, "caseofficer")
    with counted(engine) as statements:
        page = client.get(QUEUE)

    assert page.status_code == 200
    assert f'id="published-{own}"' in page.text
    assert f'id="published-{other}"' not in page.text
    # Each list's published entries are read with the agency in the query's WHERE.
    reads = [s for s in statements if "FROM list_entry JOIN subject" in s and "term_end" in s]
    assert len(reads) == len(ListKind)
    assert all("recognising_organisation_id" in s.split("WHERE", 1)[1] for s in reads)
