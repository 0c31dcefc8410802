"""The proposal page's lookup (decision 0043): a case officer looks a subject up by its USCC,
its reference or — a natural person — its citizen ID number, found through the audited
person lookup and carried on by its reference only; and records not public shown there are
a use of the subject's information, in its access log (Art. 24; decision 0020)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    basis_record,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    old_warning,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent, LegalPath
from xinyong.lists.models import ListEntry
from xinyong.lists.publicity import mask_name
from xinyong.subjects.service import PERSON_LOOKUP_ACTION


def _log(db: Session, subject_id: int, what: str) -> list[AccessEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(AccessEvent)
            .where(AccessEvent.subject_id == subject_id, AccessEvent.what == what)
            .order_by(AccessEvent.id)
        )
    )


def _audited(db: Session, action: str) -> int:
    return db.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def test_a_lookup_showing_a_record_not_public_is_in_the_subjects_access_log(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    public = basis_record(db, clock, world, company)
    db.commit()
    log_in(client, "caseofficer")

    # Only public records shown: nothing the public may not read, nothing logged.
    page = client.get("/lists-queue", params={"subject": company.uscc}, headers=HTML).text
    assert f'name="basis_record" value="{public.id}"' in page
    assert _log(db, company.id, access.LIST_BASIS_RECORDS) == []

    # A warning of the officer's own unit, past its publicity: offered, and logged once.
    hidden = basis_record(db, clock, world, company, **old_warning(clock))
    db.commit()
    reads = _audited(db, access.READ_ACTION)
    page = client.get("/lists-queue", params={"subject": company.uscc}, headers=HTML).text
    assert f'name="basis_record" value="{hidden.id}"' in page
    (entry,) = _log(db, company.id, access.LIST_BASIS_RECORDS)
    assert (entry.legal_path, entry.purpose, entry.granted) == (
        LegalPath.OFFICIAL_DUTY,
        access.LIST_WORK_PURPOSE,
        True,
    )
    assert entry.record_type_codes == ["administrative_penalty"]
    assert entry.organisation_id == world.organisations["regulator"].id
    assert _audited(db, access.READ_ACTION) == reads + 1
    # Each lookup is a use of its own.
    client.get("/lists-queue", params={"subject": company.uscc}, headers=HTML)
    assert len(_log(db, company.id, access.LIST_BASIS_RECORDS)) == 2
    # The subject reads it in its access log, in the page's words.
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/", headers=HTML).text)})
    log_in(client, "company")
    mine = client.get("/me/access-log", headers={**HTML, "Accept-Language": "en"}).text
    assert "shown to a case officer choosing the basis of a list entry" in mine


def test_a_person_is_looked_up_by_id_number_and_carried_on_by_reference(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    number = citizen_id_of(person)
    record = basis_record(db, clock, world, person)
    db.commit()
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue", headers=HTML).text
    assert 'action="/lists-queue/lookup"' in queue
    lookups = _audited(db, PERSON_LOOKUP_ACTION)

    found = client.post(
        "/lists-queue/lookup",
        data={"subject": number, "csrf_token": csrf_from(queue)},
        headers=HTML,
        follow_redirects=False,
    )
    assert found.status_code == 303
    location = found.headers["location"]
    assert number not in location
    assert parse_qs(urlsplit(location).query) == {"subject": [person.reference]}
    # The audited person lookup, in the person's access log as on the query page.
    assert _audited(db, PERSON_LOOKUP_ACTION) == lookups + 1
    assert len(_log(db, person.id, access.PERSON_LOOKUP)) == 1
    page = client.get(location, headers=HTML).text
    assert number not in page
    assert person.name not in page
    assert mask_name(person.name) in page
    assert f'name="basis_record" value="{record.id}"' in page
    assert f'value="{person.reference}"' in page

    # The proposal names the person by reference and is recorded.
    sent = client.post(
        "/lists-queue/propose",
        data={
            "subject": person.reference,
            "standard": "dishonest_subject",
            "criteria_met": "较重行政处罚",
            "reasons": "拒不履行",
            "evidence": "处罚决定书",
            "basis_record": [str(record.id)],
            "csrf_token": csrf_from(page),
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:500]
    assert db.scalar(select(ListEntry.id).where(ListEntry.subject_id == person.id)) is not None


def test_an_id_number_typed_into_a_refused_proposal_is_not_sent_back(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    number = citizen_id_of(person)
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue", headers=HTML).text
    # Found, but refused for want of a basis: the refusal rolls the lookup back, so the
    # form comes back without the number and without the reference it found.
    refused = client.post(
        "/lists-queue/propose",
        data={
            "subject": number,
            "standard": "dishonest_subject",
            "criteria_met": "较重行政处罚",
            "reasons": "拒不履行",
            "evidence": "处罚决定书",
            "csrf_token": csrf_from(queue),
        },
        headers=HTML,
    )
    assert refused.status_code == 422
    assert "basis_records_required" in refused.text
    assert number not in refused.text
    assert person.reference not in refused.text


def test_a_lookup_by_an_id_number_nobody_has_is_audited_and_not_echoed(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    log_in(client, "caseofficer")
    queue = client.get("/lists-queue", headers=HTML).text
    lookups = _audited(db, PERSON_LOOKUP_ACTION)
    unknown = "11010519491231002X"
    missing = client.post(
        "/lists-queue/lookup",
        data={"subject": unknown, "csrf_token": csrf_from(queue)},
        headers=HTML,
    )
    assert missing.status_code == 404
    assert "unknown_subject" in missing.text
    assert unknown not in missing.text
    db.expire_all()
    assert _audited(db, PERSON_LOOKUP_ACTION) == lookups + 1
    # A mistyped number is refused for what it is, not looked up.
    bad = client.post(
        "/lists-queue/lookup",
        data={"subject": "110105194912310021", "csrf_token": csrf_from(queue)},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "110105194912310021" not in bad.text
    # A number put into the address by hand finds nobody there, and is not shown back.
    typed = client.get("/lists-queue", params={"subject": unknown}, headers=HTML)
    assert "unknown_subject" not in typed.text
    assert unknown not in typed.text.split("<main", 1)[1]
    # An organisation by its code, as before.
    company = lists_world.subjects["company"]
    found = client.post(
        "/lists-queue/lookup",
        data={"subject": company.uscc, "csrf_token": csrf_from(queue)},
        headers=HTML,
        follow_redirects=False,
    )
    assert found.status_code == 303
    assert found.headers["location"] == f"/lists-queue?subject={company.uscc}"
