"""The details the platform writes on an entry's naming of responsible persons (decision 0036)
are shown in the page's language, and the subject is never shown the internal id of the
registration they came from (decision 0036 addendum, review)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import PersonFactory, World
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    person_represents_company,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.lists import early_removal
from xinyong.lists import early_removal_rules as rules
from xinyong.lists.models import ListEntry
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole

REGISTRATION_ID = re.compile(r"registration \d+")


def _renamed(db: Session, clock: FixedClock, world: World) -> ListEntry:
    """The company listed as seriously dishonest (over a year ago) with the world's person as its legal
    representative, then a successor registered: one naming ended, one begun."""
    person_represents_company(db, clock, world)
    entry = published_entry(
        db,
        clock,
        world,
        world.subjects["company"],
        "serious_refusing_duties",
        approved_days_ago=400,
    )
    successor = PersonFactory(name="郑某某")
    subjects.add_responsible_person(
        db,
        clock,
        SYSTEM_ACTOR,
        world.subjects["company"],
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name=successor.name,
        citizen_id=citizen_id_of(successor),
    )
    db.commit()
    return entry


def test_the_subject_reads_its_entrys_history_without_registration_ids(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry = _renamed(db, clock, lists_world)

    body = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, "company"))

    assert body.status_code == 200, body.text
    details = [h["detail"] for h in body.json()["history"] if h["detail"]]
    assert any("郑某某" in d and "Legal representative" in d for d in details), details
    assert not [d for d in details if REGISTRATION_ID.search(d)]


def test_staff_read_the_history_as_it_was_written(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    entry = _renamed(db, clock, lists_world)

    body = client.get(f"/api/v1/list-entries/{entry.id}", headers=headers(client, "caseofficer"))

    assert any(REGISTRATION_ID.search(h["detail"] or "") for h in body.json()["history"])


def test_the_early_removal_case_shows_the_namings_in_the_pages_language(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    entry = _renamed(db, clock, world)
    application = early_removal.apply(
        db,
        clock,
        actor(world, "company"),
        entry.id,
        obligations_met="罚款已缴清，违法行为已整改",
        evidence="缴款凭证",
        commitment=True,
        terms=rules.Terms(),
    )
    db.commit()
    log_in(client, "company")

    page = client.get(f"/early-removals/{application.id}", headers=HTML)

    assert page.status_code == 200, page.text
    history = page.text.split('id="history-heading"', 1)[1]
    assert "法定代表人 郑某某" in history
    assert "registration" not in history
    assert "legal_representative" not in history
    assert "named from" not in history  # the sentence too, not only the capacity
    assert "no longer" not in history  # and the reason the registration gave


def test_every_step_of_the_history_is_named_in_the_pages_language(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """Each step's name and the details the platform wrote (the approval's reasons as typed)
    read in Chinese: no action code and no English sentence of the platform's own."""
    world = lists_world
    entry = _renamed(db, clock, world)
    application = early_removal.apply(
        db,
        clock,
        actor(world, "company"),
        entry.id,
        obligations_met="罚款已缴清，违法行为已整改",
        evidence="缴款凭证",
        commitment=True,
        terms=rules.Terms(),
    )
    db.commit()
    log_in(client, "company")

    history = client.get(f"/early-removals/{application.id}", headers=HTML).text.split(
        'id="history-heading"', 1
    )[1]

    assert 'data-action="early_removal_applied"' in history
    assert "已申请提前移出" in history
    assert f"第 {application.id} 号提前移出申请（市场监管总局令第44号）" in history
    for english in ("early_removal_applied", "approved", "person_named", "for early removal"):
        assert f">{english}" not in history
        assert f"— {english}" not in history


def test_a_revocation_and_a_reinstatement_read_in_chinese() -> None:
    """The details a source's revocation and reinstatement write on the entries resting on
    the record (``collection.revocation``): the subject reads them on its notices."""
    from xinyong.web.i18n import translations
    from xinyong.web.labels import entry_event_detail, removal_detail

    zh = translations("zh_Hans").gettext
    number = "榕政复决〔2026〕12号"
    assert removal_detail(f"record 11 revoked by its source: {number}", zh) == (
        f"第 11 号记录已被报送单位撤销：{number}"
    )
    assert entry_event_detail(f"record revoked: {number}", zh) == f"记录已撤销：{number}"
    assert entry_event_detail(f"record reinstated: {number}", zh) == f"记录已恢复：{number}"
