"""Granted reads of non-public data in the audit chain, and the access log append-only
(decision 0003 addendum; rules.md: every read of non-public data is audited; Art. 24, 34).

A request that reads writes one audit event: ``access.read``, or the event its path writes
anyway (a report's issue, a queue's read, a person lookup), which then carries the witness
of the access-log entries — their ids and a digest, never what was read — so that
``audit.verify`` finds an entry changed or removed even around the database's triggers.
A refused read's entry, written after the rollback, is witnessed by the refusal's own event
(``access.refused``; session 13 addendum).
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
)
from tests.disclosure_helpers import (
    access_events,
    actor_of,
    attempt,
    authorise,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    refusal_of,
    witnessed,
)
from tests.factories import World, auth_headers
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock
from xinyong.disclosure import authorisations, person_lookup, reports, retention
from xinyong.disclosure.access import ReadLimits
from xinyong.disclosure.models import AccessEvent
from xinyong.errors import PermissionDenied
from xinyong.web.deps import settle_failure


def events_after(db: Session, sequence: int) -> list[AuditEvent]:
    db.flush()
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.sequence > sequence)
            .order_by(AuditEvent.sequence)
            .execution_options(populate_existing=True)
        )
    )


def last_sequence(db: Session) -> int:
    db.flush()
    return db.scalar(select(AuditEvent.sequence).order_by(AuditEvent.sequence.desc())) or 0


@pytest.fixture
def authorised(disclosure_world: World, db: Session, clock: FixedClock) -> World:
    """The bank holds the person's written authorisation for its contract record."""
    contract_breach(db, clock, disclosure_world)
    authorise(db, clock, disclosure_world)
    db.commit()
    return disclosure_world


def bypass_triggers(db: Session, statement: str) -> None:
    """Tamper the way someone with database rights would: around the triggers."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL session_replication_role = replica"))
        db.execute(text(statement))
        db.execute(text("SET LOCAL session_replication_role = origin"))
    else:
        db.execute(text("DROP TRIGGER IF EXISTS access_event_no_update"))
        db.execute(text("DROP TRIGGER IF EXISTS access_event_no_delete"))
        db.execute(text(statement))
    db.expire_all()


def test_a_granted_read_is_one_audit_event_naming_ids_never_the_data(
    authorised: World, client: TestClient, db: Session
) -> None:
    person = authorised.subjects["person"]
    headers = auth_headers(client, "analyst")  # the login is audited on its own
    before = last_sequence(db)
    logged_before = len(access_events(db, person.id))

    response = client.get(f"/api/v1/subjects/{person.reference}/file", headers=headers)

    assert response.status_code == 200, response.text
    assert "逾期未还款" in response.text  # the contract record was read
    (event,) = events_after(db, before)
    entries = access_events(db, person.id)[logged_before:]
    assert (event.action, event.outcome, event.target_type, event.target_id) == (
        "access.read",
        "ok",
        "subject",
        str(person.id),
    )
    assert event.actor_id == f"user:{authorised.users['analyst'].id}"
    assert event.organisation_id == authorised.organisations["bank"].id
    details, ids = witnessed(event.details)
    assert details == {"what": ["file"], "legal_path": ["authorisation"], "subjects": [person.id]}
    assert ids == [entry.id for entry in entries]
    assert len(ids) == 1
    content = audit.canonical_json(event.details)
    for personal in (person.name, citizen_id_of(person), "逾期未还款", "个人住房贷款审批"):
        assert personal not in content
    assert audit.verify(db).ok


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE access_event SET purpose = '贷后管理' WHERE id = {id}",
        "UPDATE access_event SET organisation_id = NULL WHERE id = {id}",
        "DELETE FROM access_event WHERE id = {id}",
    ],
)
def test_the_chain_finds_a_read_entry_changed_or_removed(
    authorised: World, db: Session, clock: FixedClock, tamper: str
) -> None:
    """The probe of the review: the entry of the analyst's read, changed or deleted, and
    ``audit.verify`` passed. Now the read's event names the entry and its digest."""
    from xinyong.disclosure import access

    person = authorised.subjects["person"]
    before = last_sequence(db)
    access.open_file(db, clock, actor_of(authorised, "analyst"), person)
    db.commit()
    (event,) = events_after(db, before)
    (entry_id,) = witnessed(event.details)[1]
    assert audit.verify(db).ok

    bypass_triggers(db, tamper.format(id=entry_id))

    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence == event.sequence
    assert "access_event" in result.problem.reason


def test_a_report_is_one_audit_event_which_witnesses_its_log_entry(
    authorised: World, db: Session, clock: FixedClock
) -> None:
    """On PostgreSQL the entry is written by the report's own statement (``logged_with``)
    and its id comes back with the report's."""
    person = authorised.subjects["person"]
    before = last_sequence(db)

    issued = reports.issue(db, clock, actor_of(authorised, "analyst"), person)
    db.commit()

    (event,) = events_after(db, before)
    assert event.action == "report.issue"
    details, ids = witnessed(event.details)
    assert details == {"legal_path": "authorisation", "records": 1}
    (entry,) = db.scalars(
        select(AccessEvent).where(AccessEvent.report_number == issued.report.number)
    ).all()
    assert ids == [entry.id]
    assert audit.verify(db).ok
    bypass_triggers(db, f"DELETE FROM access_event WHERE id = {entry.id}")
    assert audit.verify(db).problem is not None


# --- refused reads (session 13 addendum) ----------------------------------------------------


def refused_entries(db: Session, subject_id: int) -> list[AccessEvent]:
    return [entry for entry in access_events(db, subject_id) if not entry.granted]


def test_a_refused_read_is_one_audit_event_which_witnesses_its_log_entry(
    disclosure_world: World, client: TestClient, db: Session
) -> None:
    """The refusal's entry is written after the rollback, and the refusal's own event
    (``access.refused``, the boundary's details) witnesses it: one event, not two."""
    person = disclosure_world.subjects["person"]
    headers = auth_headers(client, "analyst")
    before = last_sequence(db)

    response = client.get(f"/api/v1/subjects/{person.reference}/file", headers=headers)

    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "no_lawful_path"
    (event,) = events_after(db, before)
    assert (event.action, event.outcome, event.target_type, event.target_id) == (
        "access.refused",
        "refused",
        "subject",
        str(person.id),
    )
    assert event.actor_id == f"user:{disclosure_world.users['analyst'].id}"
    details, ids = witnessed(event.details)
    assert details == {
        "code": "no_lawful_path",
        "article": "Art. 13 ¶3",
        "route": "/api/v1/subjects/{code}/file",
        "method": "GET",
    }
    (entry,) = refused_entries(db, person.id)
    assert (entry.granted, entry.refusal_code) == (False, "no_lawful_path")
    assert ids == [entry.id]
    content = audit.canonical_json(event.details)
    for personal in (person.name, citizen_id_of(person)):
        assert personal not in content
    assert audit.verify(db).ok


@pytest.mark.parametrize(
    "tamper",
    [
        # A refused attempt made to look granted, or another organisation's.
        "UPDATE access_event SET granted = true, refusal_code = NULL WHERE id = {id}",
        "UPDATE access_event SET organisation_id = NULL WHERE id = {id}",
        "DELETE FROM access_event WHERE id = {id}",
    ],
)
def test_the_chain_finds_a_refused_reads_entry_changed_or_removed(
    disclosure_world: World, db: Session, clock: FixedClock, tamper: str
) -> None:
    """The gap the review left: the entry of a refused read, changed or deleted around the
    triggers, and ``audit verify`` passed. Now the refusal's event witnesses it."""
    person = disclosure_world.subjects["person"]
    before = last_sequence(db)
    outcome = attempt(db, clock, actor_of(disclosure_world, "analyst"), person)
    assert refusal_of(outcome) == ("no_lawful_path", "Art. 13 ¶3")
    db.commit()
    (event,) = events_after(db, before)
    assert event.action == "access.refused"
    (entry,) = refused_entries(db, person.id)
    assert witnessed(event.details)[1] == [entry.id]
    assert audit.verify(db).ok

    bypass_triggers(db, tamper.format(id=entry.id))

    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence == event.sequence
    assert "access_event" in result.problem.reason


def test_a_read_refused_at_the_bulk_limit_is_witnessed_too(
    authorised: World, db: Session, clock: FixedClock
) -> None:
    """Refused with 429 (Art. 12), a ``RateLimited``: the same one event and witness."""
    person = authorised.subjects["person"]
    before = last_sequence(db)
    outcome = attempt(db, clock, actor_of(authorised, "analyst"), person, limits=ReadLimits(0, 0))
    assert refusal_of(outcome) == ("bulk_read_limit", "Art. 12")
    db.commit()
    (event,) = events_after(db, before)
    (entry,) = refused_entries(db, person.id)
    assert (event.action, event.details["code"]) == ("access.refused", "bulk_read_limit")
    assert witnessed(event.details)[1] == [entry.id]
    bypass_triggers(db, f"UPDATE access_event SET what = 'report' WHERE id = {entry.id}")
    assert audit.verify(db).problem is not None


def test_a_refused_read_settled_as_a_forms_failure_is_still_recorded_and_witnessed(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """A page that shows a refusal as any failure of its form (``form_error``) settles it
    with ``settle_failure``: the refusal's event and entry are written there too, not lost
    and not unwitnessed."""
    from xinyong.disclosure import access

    person = disclosure_world.subjects["person"]
    before = last_sequence(db)
    with pytest.raises(PermissionDenied) as refused:
        access.open_file(db, clock, actor_of(disclosure_world, "analyst"), person)

    settle_failure(db, refused.value)

    (event,) = events_after(db, before)
    (entry,) = refused_entries(db, person.id)
    details, ids = witnessed(event.details)
    assert (event.action, details) == (
        "access.refused",
        {"code": "no_lawful_path", "article": "Art. 13 ¶3"},
    )
    assert ids == [entry.id]
    assert audit.verify(db).ok


def test_a_person_lookup_is_one_audit_event(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """The lookup's own event (Art. 33 signals count it) carries the witness of the person's
    log entry; no second event."""
    person = disclosure_world.subjects["person"]
    before = last_sequence(db)
    found = person_lookup.find_person(
        db, clock, actor_of(disclosure_world, "querier"), citizen_id_of(person)
    )
    assert found.id == person.id
    (event,) = events_after(db, before)
    assert event.action == "subject.lookup_person"
    details, ids = witnessed(event.details)
    assert details == {}
    assert ids == [access_events(db, person.id)[-1].id]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_event SET purpose = 'x' WHERE id = {id}",
        "DELETE FROM access_event WHERE id = {id}",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_access_log_entry(
    authorised: World, db: Session, clock: FixedClock, statement: str
) -> None:
    from xinyong.disclosure import access

    person = authorised.subjects["person"]
    access.open_file(db, clock, actor_of(authorised, "analyst"), person)
    db.commit()
    entry = access_events(db, person.id)[-1]
    nested = db.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement.format(id=entry.id)))
    nested.rollback()
    db.expire_all()
    assert access_events(db, person.id)[-1].purpose == entry.purpose


def test_retention_works_with_the_access_log_append_only(
    authorised: World, db: Session, clock: FixedClock
) -> None:
    """The retention job reads the access log (what a report was issued on) and deletes
    report contents and records, never an entry: it runs as before, the entries stay."""
    person = authorised.subjects["person"]
    analyst = actor_of(authorised, "analyst")
    reports.issue(db, clock, analyst, person)
    (granted,) = authorisations.in_force(
        db, person.id, authorised.organisations["bank"].id, clock.today()
    )
    authorisations.revoke(db, clock, actor_of(authorised, "citizen"), granted.id)
    db.commit()
    kept = [(e.id, e.purpose, e.what) for e in access_events(db, person.id)]

    removed = retention.remove_report_contents(db, clock)
    clock.advance(dt.timedelta(days=366 * 6))
    deleted = retention.delete_past_retention(db, clock)
    db.commit()

    assert dict(removed.by_reason) == {retention.REMOVED_AUTHORISATION_ENDED: 1}
    assert deleted.records == 1
    assert [(e.id, e.purpose, e.what) for e in access_events(db, person.id)] == kept
    assert audit.verify(db).ok


# --- rows added around the chain (review r2, session 17) ---------------------------------------


def forge(db: Session, entry_id: int, *, granted: bool | None = None) -> int:
    """Add a log entry with SQL, as someone with database rights would (the triggers stop
    changes and deletions, not additions): a copy of entry ``entry_id``, made granted or
    refused if told. Returns its id."""
    columns = [c.name for c in AccessEvent.__table__.c if c.name != "id"]
    chosen = {name: name for name in columns}
    if granted is not None:
        chosen["granted"] = "true" if granted else "false"
        chosen["refusal_code"] = "NULL" if granted else "'no_lawful_path'"
    db.execute(
        text(
            f"INSERT INTO access_event ({', '.join(columns)}) "
            f"SELECT {', '.join(chosen[name] for name in columns)} "
            f"FROM access_event WHERE id = {entry_id}"
        )
    )
    forged = db.scalar(select(AccessEvent.id).order_by(AccessEvent.id.desc()).limit(1))
    assert forged is not None
    return forged


def test_the_chain_finds_a_read_entry_that_no_event_witnesses(
    authorised: World, db: Session, clock: FixedClock
) -> None:
    """The probe of the review: a made-up read inserted into the subject's log with SQL
    passed ``audit verify``, which read only the entries some event names."""
    from xinyong.disclosure import access

    person = authorised.subjects["person"]
    access.open_file(db, clock, actor_of(authorised, "analyst"), person)
    db.commit()
    (entry,) = [e for e in access_events(db, person.id) if e.granted]
    assert audit.verify(db).ok

    forged = forge(db, entry.id)

    result = audit.verify(db)
    assert result.problem is not None
    assert result.problem.sequence is None
    assert f"access_event row {forged} is witnessed by no event" in result.problem.reason


def test_entries_from_before_witnessing_pass_and_a_forged_one_after_does_not(
    authorised: World, db: Session, clock: FixedClock
) -> None:
    """Where witnessing began is read from the chain: granted entries are witnessed from
    the first witnessed granted one on (migration 0044), refused ones only from the first
    witnessed refused one (decision 0003, session 13 addendum). An older refused entry, in
    no event as they were then, passes; one added after refusals were witnessed does not."""
    from xinyong.disclosure import access

    person = authorised.subjects["person"]
    access.open_file(db, clock, actor_of(authorised, "analyst"), person)
    db.commit()
    (granted,) = [e for e in access_events(db, person.id) if e.granted]
    # A refused entry as written before refusals were witnessed.
    old_refusal = forge(db, granted.id, granted=False)
    assert audit.verify(db).ok
    outcome = attempt(db, clock, actor_of(authorised, "querier"), person)
    assert isinstance(outcome, PermissionDenied)
    db.commit()
    assert audit.verify(db).ok

    forged = forge(db, old_refusal)

    result = audit.verify(db)
    assert result.problem is not None
    assert f"access_event row {forged} " in result.problem.reason
