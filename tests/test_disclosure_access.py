"""Public disclosure and the three lawful query paths, through the domain services
(the API versions are in test_api_disclosure.py).

* Publicity windows (Art. 9, rules.md): a public record is public from its decision date
  until the decision date plus its severity class's maximum, and not a day longer; a
  warning-only penalty is never published; a natural person is public only through
  record types public by law. ``xinyong jobs run`` writes the "publicity ended" version.
* Art. 13: self, a published query item naming its matter, a written authorisation in
  force — and nothing else, each refusal with its code and article.
"""
# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.collection_helpers import (
    RECENT,
    REPRESENTATIVE_ID,
    TODAY,
    catalog_loaded,  # noqa: F401 - fixture
    citizen_id_of,
    collection_world,  # noqa: F401 - fixture
    fast_password_hashing,  # noqa: F401 - fixture
    ingest,
    new_uscc,
    penalty_row,
)
from tests.disclosure_helpers import (
    ARREARS,
    CONTRACT,
    FULL_CITIZEN_ID,
    ITEM,
    MATTER,
    MATTER_CODE,
    PENALTY,
    Entry,
    access_events,
    actor_of,
    arrears,
    attempt,
    authorise,
    company_penalty,
    contract_breach,
    disclosure_world,  # noqa: F401 - fixture
    log_of,
    make_query_item,
    person_penalty,
    refusal_of,
    versions_of,
)
from tests.factories import CompanyFactory, World, bind
from xinyong.accounts import service as accounts
from xinyong.accounts.models import OrganisationKind
from xinyong.accounts.permissions import ANONYMOUS_ACTOR, SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.cli import app as cli_app
from xinyong.clock import CHINA, FixedClock
from xinyong.collection import sources
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.config import reset_settings
from xinyong.db.engine import make_engine
from xinyong.disclosure import access, authorisations, publicity, query_items
from xinyong.disclosure.files import is_public_on
from xinyong.disclosure.models import Authorisation, LegalPath
from xinyong.errors import InvalidInput, NotAuthenticated
from xinyong.subjects.models import Subject


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=CHINA)


def public_items(client: TestClient, subject: Subject | str) -> list[dict[str, object]]:
    reference = subject if isinstance(subject, str) else subject.reference
    response = client.get(f"/api/v1/subjects/{reference}/public")
    assert response.status_code == 200, response.text
    assert not FULL_CITIZEN_ID.search(response.text), "a full citizen ID in a public response"
    items: list[dict[str, object]] = response.json()["items"]
    return items


def public_ids(client: TestClient, subject: Subject | str) -> set[int]:
    return {int(str(item["id"])) for item in public_items(client, subject)}


# --- publicity windows ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("severity", "months", "last_day"),
    [
        ("", 12, dt.date(2027, 11, 25)),  # no class given: the type's default, general
        ("一般", 12, dt.date(2027, 11, 25)),
        ("严重", 36, dt.date(2029, 11, 25)),
    ],
)
def test_an_organisations_record_is_public_exactly_inside_its_window(
    disclosure_world: World,
    db: Session,
    clock: FixedClock,
    client: TestClient,
    severity: str,
    months: int,
    last_day: dt.date,
) -> None:
    world = disclosure_world
    company = world.subjects["company"].reference
    record = company_penalty(db, clock, world, severity=severity)
    rid, decided = record.id, record.decision_date
    # Stored: the window runs from the decision date for the class's maximum (rules.md).
    assert (record.publicity_start, record.publicity_end) == (RECENT, last_day)
    assert record.severity == ("serious" if months == 36 else "general")
    db.commit()
    assert decided == RECENT
    assert rid in public_ids(client, company)  # today, two days into the window
    clock.set(at(last_day))
    assert rid in public_ids(client, company), "the last day of the window is still public"
    clock.set(at(last_day + dt.timedelta(days=1)))
    assert rid not in public_ids(client, company), "the day after the window is not"
    # Nothing was written to make it disappear: it is computed from the clock.
    assert db.get(CreditRecord, rid).status is RecordStatus.ACTIVE  # type: ignore[union-attr]


def test_the_window_starts_on_the_decision_date(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    company = world.subjects["company"]
    record = company_penalty(db, clock, world, decision_date=TODAY.isoformat())
    db.commit()
    assert record.publicity_start == TODAY
    assert record.id in public_ids(client, company.reference)
    definition = catalog.effective_rule(db, PENALTY).definition
    assert is_public_on(record, definition, company, TODAY)
    assert not is_public_on(record, definition, company, TODAY - dt.timedelta(days=1))


def test_a_warning_only_penalty_is_never_published(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    company = world.subjects["company"].reference
    warning = company_penalty(
        db, clock, world, penalty_category="警告", penalty_content="警告", fine_amount=""
    )
    fine = company_penalty(db, clock, world)
    assert warning.severity == "minor"
    assert (warning.publicity_start, warning.publicity_end) == (None, None)
    ids = (warning.id, fine.id)
    db.commit()
    for day in (TODAY, TODAY + dt.timedelta(days=30), RECENT + dt.timedelta(days=85)):
        clock.set(at(day))
        shown = public_ids(client, company)
        assert ids[0] not in shown
        assert ids[1] in shown


def test_a_natural_person_is_public_only_through_types_public_by_law(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    reference, citizen_id, masked, name = (
        person.reference,
        citizen_id_of(person),
        person.citizen_id_masked,
        person.name,
    )
    penalty = person_penalty(db, clock, world)  # administrative penalties: public by law
    not_by_law = arrears(db, clock, world, "person")  # public type, not public by law for persons
    company_arrears = arrears(db, clock, world, "company")  # the same type about a company
    breach = contract_breach(db, clock, world)  # a non-public market record
    ids = (penalty.id, not_by_law.id, company_arrears.id, breach.id)
    # The arrears carry a window like any public record: it is the person rule that hides it.
    assert not_by_law.publicity_start == RECENT
    db.commit()
    for day in (TODAY, TODAY + dt.timedelta(days=100)):
        clock.set(at(day))
        assert public_ids(client, reference) == {ids[0]}
        assert ids[2] in public_ids(client, world.subjects["company"].reference)
    body = client.get(f"/api/v1/subjects/{reference}/public").json()
    assert body["subject"] == {"code": masked, "name": None}
    text = str(body)
    assert citizen_id not in text
    (item,) = body["items"]
    # The person is named by the masked number, the record carries no ID number field at
    # all, as the public page shows it (files.public_content).
    assert "id_number" not in item["content"]
    # The name is not published for a person, neither beside the code nor in the record.
    assert name not in text
    assert "subject_name" not in item["content"]


def test_citizen_ids_are_masked_in_every_public_response(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    """The company's penalty names its legal representative's ID; the person's penalty
    is about the person's ID; neither appears in clear on any public route."""
    world = disclosure_world
    person_penalty(db, clock, world)
    company_penalty(db, clock, world)
    secrets = [citizen_id_of(world.subjects["person"]), REPRESENTATIVE_ID]
    references = [world.subjects[k].reference for k in ("person", "company")]
    db.commit()
    responses = [client.get(f"/api/v1/subjects/{ref}/public") for ref in references]
    responses.append(client.get("/api/v1/subjects", params={"q": "晨光文具"}))
    responses.append(client.get("/api/v1/query-items"))
    for response in responses:
        assert response.status_code == 200, response.text
        for secret in secrets:
            assert secret not in response.text
        assert not FULL_CITIZEN_ID.search(response.text)
    # Not even masked: no ID number field on a public outlet (files.public_content).
    assert REPRESENTATIVE_ID[:6] + "********" + REPRESENTATIVE_ID[-4:] not in responses[1].text
    assert "id_number" not in responses[1].text


# --- the "publicity ended" job ---------------------------------------------------------------


def test_the_job_writes_publicity_ended_once(
    disclosure_world: World, db: Session, clock: FixedClock, client: TestClient
) -> None:
    world = disclosure_world
    record = company_penalty(db, clock, world)
    current = company_penalty(db, clock, world, decision_date=TODAY.isoformat())
    rid, current_id, end = record.id, current.id, record.publicity_end
    assert end == dt.date(2027, 11, 25)
    clock.set(at(end))
    assert publicity.end_expired_publicity(db, clock) == 0, "the last day is still inside"
    clock.set(at(end + dt.timedelta(days=1)))
    assert publicity.end_expired_publicity(db, clock) == 1
    versions = versions_of(db, rid)
    assert [(v.version_no, v.reason, v.status) for v in versions] == [
        (1, "created by source", RecordStatus.ACTIVE),
        (2, publicity.PUBLICITY_ENDED, RecordStatus.EXPIRED),
    ]
    assert versions[1].payload == versions[0].payload
    assert versions[1].reason_detail == f"publicity period ended on {end}"
    stored = db.get(CreditRecord, rid)
    assert stored is not None
    assert (stored.status, stored.current_version_no) == (RecordStatus.EXPIRED, 2)
    # Idempotent: a second run the same day, or the next, writes nothing more.
    assert publicity.end_expired_publicity(db, clock) == 0
    clock.advance(dt.timedelta(days=1))
    assert publicity.end_expired_publicity(db, clock) == 0
    assert len(versions_of(db, rid)) == 2
    assert len(versions_of(db, current_id)) == 1  # the other record's window is still open
    db.commit()
    # The record's history, as its subject reads it, says when and why.
    citizen = actor_of(world, "company")
    granted = attempt(db, clock, citizen, world.subjects["company"])
    assert isinstance(granted, access.Access)
    (view,) = [v for v in granted.file(db, clock) if v.id == rid]
    assert view.status == "expired"
    assert [(h.version_no, h.reason, h.status) for h in view.history] == [
        (1, "created by source", "active"),
        (2, "publicity ended", "expired"),
    ]
    assert rid not in public_ids(client, world.subjects["company"].reference)


def test_xinyong_jobs_run_ends_publicity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast_password_hashing: None
) -> None:
    """The real command against its own database. It runs on the system clock, so the
    record is one decided long ago, ingested on a clock of that time."""
    database = tmp_path / "jobs.sqlite3"
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{database}")
    reset_settings()
    try:
        result = CliRunner().invoke(cli_app, ["init"])
        assert result.exit_code == 0, result.output
        engine = make_engine(f"sqlite:///{database}")
        then = FixedClock(at(dt.date(2024, 3, 4)))
        with Session(engine, expire_on_commit=False) as session:
            regulator = accounts.create_organisation(
                session,
                then,
                SYSTEM_ACTOR,
                code=new_uscc("11"),
                name="福州市市场监督管理局",
                kind=OrganisationKind.STATE_ORGAN,
            )
            sources.grant(session, then, SYSTEM_ACTOR, regulator, PENALTY)
            bind(session, then)
            world = World(session, then, organisations={"regulator": regulator})
            world.subjects["company"] = CompanyFactory(name="福州老旧贸易有限公司")
            row = penalty_row(world, decision_date="2024-02-26")
            assert ingest(session, then, regulator, [row]).batch.created == 1
            session.commit()
            rid = session.scalar(select(CreditRecord.id))
        outputs = []
        for _ in range(2):
            result = CliRunner().invoke(cli_app, ["jobs", "run"])
            assert result.exit_code == 0, result.output
            outputs.append(result.output.strip())
        # Other daily jobs may report on the same line.
        assert "publicity ended for 1 records" in outputs[0]
        assert "publicity ended for 0 records" in outputs[1]
        with Session(engine) as session:
            assert [(v.reason, v.status) for v in versions_of(session, rid)] == [
                ("created by source", RecordStatus.ACTIVE),
                ("publicity ended", RecordStatus.EXPIRED),
            ]
        engine.dispose()
    finally:
        monkeypatch.delenv("XINYONG_DATABASE_URL")
        monkeypatch.delenv("XINYONG_DATA_DIR")
        reset_settings()


# --- the three lawful paths, and nothing else (Art. 13) ---------------------------------------


@pytest.fixture
def person_file(disclosure_world: World, db: Session, clock: FixedClock) -> dict[str, int]:
    """The person's file: a public penalty, arrears (non-public for a person) and a breach
    of contract reported by the bank (non-public market record). Ids by kind."""
    world = disclosure_world
    ids = {
        "penalty": person_penalty(db, clock, world).id,
        "arrears": arrears(db, clock, world, "person").id,
        "contract": contract_breach(db, clock, world).id,
        # The other person's records never appear in the person's file.
        "other": contract_breach(db, clock, world, "other_person").id,
    }
    db.commit()
    return ids


def _ids(outcome: object, db: Session, clock: FixedClock) -> set[int]:
    assert isinstance(outcome, access.Access), f"expected access, got {outcome!r}"
    return {view.id for view in outcome.file(db, clock)}


def test_self_reads_the_whole_file(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    granted = attempt(db, clock, actor_of(world, "citizen"), world.subjects["person"])
    assert isinstance(granted, access.Access)
    assert (granted.path, granted.record_type_codes) == (LegalPath.SELF, None)
    assert _ids(granted, db, clock) == {
        person_file["penalty"],
        person_file["arrears"],
        person_file["contract"],
    }


def test_a_query_item_opens_its_record_types_and_public_records(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world)
    querier, person = actor_of(world, "querier"), world.subjects["person"]
    for matter in (MATTER_CODE, MATTER):  # the matter by its code or by its name
        granted = attempt(db, clock, querier, person, query_item_code=ITEM, matter=matter)
        assert isinstance(granted, access.Access)
        assert granted.path is LegalPath.QUERY_ITEM
        assert granted.record_type_codes == frozenset({ARREARS})
        assert _ids(granted, db, clock) == {person_file["penalty"], person_file["arrears"]}


@pytest.mark.parametrize("organisation", ["bank", "authority"])
def test_a_query_item_is_only_for_an_organisation_whose_staff_query_by_item(
    disclosure_world: World, db: Session, clock: FixedClock, organisation: str
) -> None:
    """Art. 13 ¶2: query items are administrative and judicial organs'; a bank reads a
    subject's non-public information only on its written authorisation (¶3)."""
    world = disclosure_world
    if organisation == "bank":
        with pytest.raises(InvalidInput) as refused:
            make_query_item(db, clock, world, code="QI-BANK", organisation="bank")
        assert refused.value.code == "not_a_querier"
        assert refused.value.field == "organisation"
        assert refused.value.article == "Art. 13 ¶2"
        assert query_items.queries_by_item(world.organisations["bank"]) is False
    else:  # the credit authority's case officers query by item
        item = make_query_item(db, clock, world, code="QI-AUTH", organisation="authority")
        assert item.published_at is not None


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unpublished", ("query_item_unpublished", "Art. 13 ¶2")),
        ("withdrawn", ("query_item_unpublished", "Art. 13 ¶2")),
        ("other_organisation", ("not_our_query_item", "Art. 13")),
        ("unknown_item", ("not_our_query_item", "Art. 13")),
        ("wrong_matter", ("matter_mismatch", "Art. 13 ¶2")),
        ("no_matter", ("matter_mismatch", "Art. 13 ¶2")),
        ("no_query_role", ("no_query_permission", "Art. 12")),
    ],
)
def test_a_query_item_is_refused_unless_published_ours_and_for_its_matter(
    disclosure_world: World,
    person_file: dict[str, int],
    db: Session,
    clock: FixedClock,
    case: str,
    expected: tuple[str, str],
) -> None:
    world = disclosure_world
    authority = actor_of(world, "authority")
    make_query_item(db, clock, world, publish=case != "unpublished")
    if case == "withdrawn":
        query_items.withdraw(db, clock, authority, ITEM)
    if case == "other_organisation":
        make_query_item(db, clock, world, code="QI-HB-01", organisation="other_agency")
    code = {"other_organisation": "QI-HB-01", "unknown_item": "QI-NONE"}.get(case, ITEM)
    matter = {"wrong_matter": "其他事项", "no_matter": None}.get(case, MATTER_CODE)
    user = "reporter" if case == "no_query_role" else "querier"
    person = world.subjects["person"]
    before = len(access_events(db, person.id))
    outcome = attempt(db, clock, actor_of(world, user), person, query_item_code=code, matter=matter)
    assert refusal_of(outcome) == expected
    # The refusal is in the subject's log, with the item when there was one.
    events = access_events(db, person.id)
    assert len(events) == before + 1
    refused = events[-1]
    assert (refused.granted, refused.legal_path, refused.refusal_code) == (
        False,
        LegalPath.NONE,
        expected[0],
    )
    assert refused.record_type_codes == []


def test_an_authorisation_revoked_meanwhile_is_not_revoked_again(
    disclosure_world: World, db: Session, clock: FixedClock
) -> None:
    """A double click: the second request, whose copy of the authorisation was read before
    the first revoked it, keeps the first revocation time and audits nothing (review r2,
    session 17)."""
    world = disclosure_world
    grant = authorise(db, clock, world)
    db.commit()
    first = clock.now() - dt.timedelta(minutes=1)
    db.execute(
        update(Authorisation)
        .where(Authorisation.id == grant.id)
        .values(revoked_at=first)
        .execution_options(synchronize_session=False)
    )

    revoked = authorisations.revoke(db, clock, actor_of(world, "citizen"), grant.id)

    assert revoked.revoked_at == first
    assert not db.scalar(
        select(AuditEvent.sequence).where(AuditEvent.action == "authorisation.revoke")
    )


def test_written_authorisation_until_revoked_or_expired(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    analyst, person = actor_of(world, "analyst"), world.subjects["person"]
    assert refusal_of(attempt(db, clock, analyst, person)) == ("no_lawful_path", "Art. 13 ¶3")
    grant = authorise(db, clock, world, valid_until=TODAY + dt.timedelta(days=10))
    granted = attempt(db, clock, analyst, person)
    assert isinstance(granted, access.Access)
    assert (granted.path, granted.authorisation_ids) == (LegalPath.AUTHORISATION, (grant.id,))
    assert _ids(granted, db, clock) == {person_file["penalty"], person_file["contract"]}
    # Revocation takes effect on the very next request.
    authorisations.revoke(db, clock, actor_of(world, "citizen"), grant.id)
    assert refusal_of(attempt(db, clock, analyst, person)) == ("no_lawful_path", "Art. 13 ¶3")
    # A new one expires: good on its last day, refused the day after.
    second = authorise(db, clock, world, valid_until=TODAY + dt.timedelta(days=3))
    clock.set(at(second.valid_until))
    assert isinstance(attempt(db, clock, analyst, person), access.Access)
    clock.set(at(second.valid_until + dt.timedelta(days=1)))
    assert refusal_of(attempt(db, clock, analyst, person)) == ("no_lawful_path", "Art. 13 ¶3")
    # It never opened the other person's file.
    assert refusal_of(attempt(db, clock, analyst, world.subjects["other_person"])) == (
        "no_lawful_path",
        "Art. 13 ¶3",
    )


def test_everybody_else_is_refused(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person = world.subjects["person"]
    authorise(db, clock, world)  # the bank's authorisation opens nothing for anyone else
    make_query_item(db, clock, world)
    cases = {
        "other_citizen": ("not_own_subject", "Art. 13"),
        "company": ("not_own_subject", "Art. 13"),
        "admin": ("no_query_permission", "Art. 12"),  # separation of duties
        "authority": ("no_query_permission", "Art. 12"),
        "reporter": ("no_query_permission", "Art. 12"),
        "security": ("no_query_permission", "Art. 12"),
        "objections": ("no_query_permission", "Art. 12"),
        "querier": ("no_lawful_path", "Art. 13 ¶3"),  # no item named: no path
        "other_reporter": ("no_query_permission", "Art. 12"),
    }
    for username, expected in cases.items():
        assert refusal_of(attempt(db, clock, actor_of(world, username), person)) == expected, (
            username
        )
    with pytest.raises(NotAuthenticated):
        access.open_file(db, clock, ANONYMOUS_ACTOR, person)


def test_bulk_reads_are_limited_per_account_and_per_organisation(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    make_query_item(db, clock, world)
    limits = access.ReadLimits(per_account_per_hour=3, per_organisation_per_hour=4)
    person = world.subjects["person"]

    def read(username: str) -> object:
        return attempt(
            db,
            clock,
            actor_of(world, username),
            person,
            query_item_code=ITEM,
            matter=MATTER_CODE,
            limits=limits,
        )

    for _ in range(3):
        assert isinstance(read("querier"), access.Access)
    refused = read("querier")
    assert refusal_of(refused) == ("bulk_read_limit", "Art. 12")
    assert "this account made 3 reads" in str(refused)
    assert isinstance(read("caseofficer"), access.Access)  # same organisation, 4th read
    refused = read("caseofficer")
    assert refusal_of(refused) == ("bulk_read_limit", "Art. 12")
    assert "your organisation made 4 reads" in str(refused)
    clock.advance(dt.timedelta(minutes=61))
    assert isinstance(read("querier"), access.Access)


# --- the access log (Art. 24) ----------------------------------------------------------------


def test_the_access_log_holds_every_read_and_refusal_and_nothing_else(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    world = disclosure_world
    person, other = world.subjects["person"], world.subjects["other_person"]
    citizen = actor_of(world, "citizen")
    regulator = world.organisations["regulator"].name
    bank = world.organisations["bank"].name
    make_query_item(db, clock, world)
    expected: list[Entry] = []

    attempt(db, clock, citizen, person)
    expected.append(Entry(None, "subject", "self", purpose="own file"))
    attempt(db, clock, actor_of(world, "querier"), person, query_item_code=ITEM, matter=MATTER)
    expected.append(Entry(regulator, "query_officer", "query_item", ITEM, MATTER, None, (ARREARS,)))
    attempt(db, clock, actor_of(world, "querier"), person, query_item_code=ITEM, matter="x")
    expected.append(
        Entry(
            regulator, "query_officer", "none", ITEM, granted=False, refusal_code="matter_mismatch"
        )
    )
    attempt(db, clock, actor_of(world, "analyst"), person)
    expected.append(
        Entry(bank, "institution_analyst", "none", granted=False, refusal_code="no_lawful_path")
    )
    grant = authorise(db, clock, world, purpose="贷款审批")
    attempt(db, clock, actor_of(world, "analyst"), person, what="report", report_number="XY1")
    expected.append(
        Entry(
            bank,
            "institution_analyst",
            "authorisation",
            None,
            "贷款审批",
            grant.id,
            (CONTRACT,),
            "report",
            report_number="XY1",
        )
    )
    attempt(db, clock, actor_of(world, "other_citizen"), person)
    expected.append(Entry(None, "subject", "none", granted=False, refusal_code="not_own_subject"))
    # Reads of other subjects are in their logs, not this one.
    attempt(db, clock, actor_of(world, "querier"), other, query_item_code=ITEM, matter=MATTER)
    attempt(db, clock, actor_of(world, "other_citizen"), other)
    assert log_of(db, citizen) == expected
    assert len(log_of(db, actor_of(world, "other_citizen"))) == 2


def test_a_persons_reads_through_his_own_key_count_toward_his_limit(
    disclosure_world: World, person_file: dict[str, int], db: Session, clock: FixedClock
) -> None:
    """A key is the person who released its secret (decision 0033 addendum): his reads
    through it and in person share one hourly limit, so a key does not double it."""
    from xinyong.accounts import api_keys
    from xinyong.accounts.models import Role

    world = disclosure_world
    authorise(db, clock, world)
    limits = access.ReadLimits(per_account_per_hour=2, per_organisation_per_hour=100)
    person = world.subjects["person"]
    analyst = actor_of(world, "analyst")
    key = api_keys.create_api_key(
        db,
        clock,
        actor_of(world, "admin"),
        organisation=world.organisations["bank"],
        role=Role.INSTITUTION_ANALYST,
        name="贷款审批系统",
    )
    _, secret = api_keys.release_api_key(db, clock, analyst, key.id)
    through_key = api_keys.actor_for_api_key(db, secret)

    assert isinstance(attempt(db, clock, analyst, person, limits=limits), access.Access)
    assert isinstance(attempt(db, clock, through_key, person, limits=limits), access.Access)
    refused = attempt(db, clock, through_key, person, limits=limits)
    assert refusal_of(refused) == ("bulk_read_limit", "Art. 12")
    assert "this account made 2 reads" in str(refused)
    assert refusal_of(attempt(db, clock, analyst, person, limits=limits)) == (
        "bulk_read_limit",
        "Art. 12",
    )
