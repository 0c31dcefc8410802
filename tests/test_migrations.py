"""The migrations are the only way the schema is made; the models must describe exactly
what they make, or the ORM and the database disagree in production."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, insert, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tests.conftest import migrated_test_engine
from xinyong.db.migrate import alembic_config, upgrade
from xinyong.db.migrate import downgrade as migrate_down
from xinyong.db.models import Base

# Each test makes a database of its own in the test database.
pytestmark = pytest.mark.test_database


def test_models_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _filled(table: Table, **given: Any) -> dict[str, Any]:
    """A row for ``table``: the values given, and a plain value for every other column
    that needs one (the migration test only needs the rows to exist)."""
    row = dict(given)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        python_type = column.type.python_type
        if python_type is bool:
            row[column.name] = False
        elif python_type is int:
            row[column.name] = 1
        elif python_type is dt.datetime:
            row[column.name] = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)
        elif python_type is dt.date:
            row[column.name] = dt.date(2026, 11, 29)
        elif python_type is dict:
            row[column.name] = {}
        elif python_type is list:
            row[column.name] = []
        else:
            row[column.name] = "x"
    return row


def test_migration_0017_keeps_every_row_and_adds_empty_retention_columns(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database that holds records and kept reports (0016) to 0017 and back."""
    engine = migrated_test_engine(request.config, tmp_path, "m0017", "0016")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            ids: dict[str, int] = {}
            for name, given in (
                ("organisation", {"code": "91350100MB00000434", "kind": "enterprise"}),
                ("subject", {"kind": "legal_person"}),
                ("record_type", {"code": "contract_performance"}),
                ("credit_report_file", {"key": "k" * 64, "ciphertext": "sealed"}),
            ):
                ids[name] = connection.execute(
                    insert(t[name]).values(_filled(t[name], **given)).returning(t[name].c.id)
                ).scalar_one()
            connection.execute(
                insert(t["credit_record"]).values(
                    _filled(
                        t["credit_record"],
                        record_type_id=ids["record_type"],
                        subject_id=ids["subject"],
                        source_organisation_id=ids["organisation"],
                        status="active",
                        natural_key="1|FZB-1",
                    )
                )
            )
            connection.execute(
                insert(t["credit_report"]).values(
                    _filled(
                        t["credit_report"],
                        number="XY20261129AAAAAAAA",
                        subject_id=ids["subject"],
                        organisation_id=ids["organisation"],
                        legal_path="self",
                        content_ciphertext="own part",
                        file_key="k" * 64,
                    )
                )
            )
        upgrade(engine)
        with engine.connect() as connection:
            record = connection.execute(
                text(
                    "SELECT natural_key, status, conduct_ended_on, retained_until FROM credit_record"
                )
            ).one()
            assert tuple(record) == ("1|FZB-1", "active", None, None)
            report = connection.execute(
                text(
                    "SELECT content_ciphertext, file_key, content_removed_at, "
                    "content_removed_reason FROM credit_report"
                )
            ).one()
            assert tuple(report) == ("own part", "k" * 64, None, None)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0016")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("credit_report")}
            assert "content_removed_at" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0025_allows_early_removal_for_the_standards_that_say_so(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with the Fuzhou standards loaded (0022) to 0025 and back: the
    standards whose rule provides early removal are marked, the others are not."""
    engine = migrated_test_engine(request.config, tmp_path, "m0025", "0022")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            standard = tables.tables["list_standard"]
            for code, kind in (
                ("dishonest_subject", "black"),
                ("serious_refusing_duties", "black"),
                ("serious_health_safety", "black"),
                ("integrity_model", "red"),
            ):
                connection.execute(
                    insert(standard).values(
                        _filled(standard, code=code, kind=kind, tier=kind, active=True)
                    )
                )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT code, early_removal, early_removal_months FROM list_standard "
                    "ORDER BY code"
                )
            ).all()
            assert [(c, bool(allowed), months) for c, allowed, months in rows] == [
                ("dishonest_subject", True, None),
                ("integrity_model", False, None),
                ("serious_health_safety", False, None),
                ("serious_refusing_duties", True, 12),
            ]
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0022")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("list_standard")}
            assert "early_removal" not in columns
            assert "early_removal" not in inspect(connection).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0037_names_the_art22_case_of_the_standards_that_cite_one(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with the Fuzhou standards loaded before 0037 and back: the
    standards whose legal basis cites a case of Art. 22 name it, the others none."""
    from alembic.script import ScriptDirectory

    # The revision before 0037, whatever the chain is when the branches are merged.
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0037").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0037", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            standard = tables.tables["list_standard"]
            for code, kind in (
                ("dishonest_subject", "black"),
                ("serious_health_safety", "black"),
                ("serious_fair_competition", "black"),
                ("serious_refusing_duties", "black"),
                ("serious_national_defence", "black"),
                ("court_judgment_defaulter", "black"),
                ("integrity_model", "red"),
            ):
                connection.execute(
                    insert(standard).values(
                        _filled(standard, code=code, kind=kind, tier=kind, active=True)
                    )
                )
        # Up to 0037 itself: the court's standard names its case from 0053 on.
        upgrade(engine, "0037")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT code, repair_exclusion FROM list_standard ORDER BY code")
            ).all()
            assert [tuple(row) for row in rows] == [
                ("court_judgment_defaulter", None),
                ("dishonest_subject", None),
                ("integrity_model", None),
                ("serious_fair_competition", "22(2)"),
                ("serious_health_safety", "22(1)"),
                ("serious_national_defence", "22(4)"),
                ("serious_refusing_duties", "22(3)"),
            ]
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("list_standard")}
            assert "repair_exclusion" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0023_gives_every_version_its_records_date_severity_and_window(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with a record of two versions (0022) to 0023: both versions get
    the record's decision date, severity and window (the best knowledge there is, decision
    0025), and the first two become required; and back."""
    engine = migrated_test_engine(request.config, tmp_path, "m0023", "0022")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            ids: dict[str, int] = {}
            for name, given in (
                ("organisation", {"code": "91350100MB00000434", "kind": "state_organ"}),
                ("subject", {"kind": "legal_person"}),
                ("record_type", {"code": "administrative_penalty"}),
            ):
                ids[name] = connection.execute(
                    insert(t[name]).values(_filled(t[name], **given)).returning(t[name].c.id)
                ).scalar_one()
            for key, window in (("1|A", (dt.date(2026, 3, 2), dt.date(2027, 3, 2))), ("1|B", None)):
                record_id = connection.execute(
                    insert(t["credit_record"])
                    .values(
                        _filled(
                            t["credit_record"],
                            record_type_id=ids["record_type"],
                            subject_id=ids["subject"],
                            source_organisation_id=ids["organisation"],
                            status="corrected",
                            natural_key=key,
                            decision_date=dt.date(2026, 3, 2),
                            severity="serious" if window else "minor",
                            publicity_start=window[0] if window else None,
                            publicity_end=window[1] if window else None,
                        )
                    )
                    .returning(t["credit_record"].c.id)
                ).scalar_one()
                for number in (1, 2):
                    connection.execute(
                        insert(t["record_version"]).values(
                            _filled(
                                t["record_version"],
                                record_id=record_id,
                                version_no=number,
                                status="active",
                            )
                        )
                    )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT r.natural_key, v.version_no, v.decision_date, v.severity, "
                    "v.publicity_start, v.publicity_end FROM record_version v "
                    "JOIN credit_record r ON r.id = v.record_id ORDER BY r.natural_key, v.version_no"
                )
            ).all()

            def day(value: Any) -> Any:  # SQLite gives ISO text, PostgreSQL a date
                return dt.date.fromisoformat(value) if isinstance(value, str) else value

            as_dates = [
                (key, no, day(decided), severity, day(start), day(end))
                for key, no, decided, severity, start, end in rows
            ]
            serious = (dt.date(2026, 3, 2), "serious", dt.date(2026, 3, 2), dt.date(2027, 3, 2))
            assert as_dates == [
                ("1|A", 1, *serious),
                ("1|A", 2, *serious),
                ("1|B", 1, dt.date(2026, 3, 2), "minor", None, None),
                ("1|B", 2, dt.date(2026, 3, 2), "minor", None, None),
            ]
            nullable = {
                c["name"]: c["nullable"] for c in inspect(connection).get_columns("record_version")
            }
            assert (nullable["decision_date"], nullable["severity"]) == (False, False)
            assert (nullable["publicity_start"], nullable["publicity_end"]) == (True, True)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0022")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("record_version")}
            assert "severity" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0032_keeps_existing_passwords_and_api_keys_working(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Staff accounts made with a password and keys handed out with their secret before
    decision 0033 keep working; the keys count as released when they were made."""
    from sqlalchemy.orm import Session

    from xinyong.accounts import api_keys
    from xinyong.accounts import service as accounts
    from xinyong.accounts.models import ApiKey
    from xinyong.clock import FixedClock

    engine = migrated_test_engine(request.config, tmp_path, "m0032", "0031")
    made = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            organisation = connection.execute(
                insert(t["organisation"])
                .values(_filled(t["organisation"], code="11350100MB0000027N", kind="state_organ"))
                .returning(t["organisation"].c.id)
            ).scalar_one()
            connection.execute(
                insert(t["user_account"]).values(
                    _filled(
                        t["user_account"],
                        username="clerk",
                        password_hash=accounts._hasher.hash("an old long password"),
                        role="data_reporter",
                        organisation_id=organisation,
                        active=True,
                    )
                )
            )
            connection.execute(
                insert(t["api_key"]).values(
                    _filled(
                        t["api_key"],
                        prefix="xy_000000000001",
                        secret_hash=api_keys._key_hash("old-secret"),
                        organisation_id=organisation,
                        role="data_reporter",
                        created_at=made,
                    )
                )
            )
        upgrade(engine)
        with Session(engine) as session:
            user = accounts.authenticate(session, FixedClock(made), "clerk", "an old long password")
            assert user.created_by_id is None
            system = api_keys.actor_for_api_key(session, "xy_000000000001.old-secret")
            assert system.role is not None
            assert system.role.value == "data_reporter"
            key = session.get(ApiKey, system.id)
            assert key is not None
            assert key.released_at == made
            assert key.released_by_id is None
            assert not key.awaiting_release
            session.rollback()
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0031")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("api_key")}
            assert "released_at" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0035_fills_in_whether_a_revoked_record_was_waiting_for_its_review(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with revocations made before 0026 (0031) to 0035: each revoking
    version says whether the record was waiting for its confidentiality review, as the
    reinstatement derived it (decision 0028, addendum); other versions and a revocation
    that said so already are left; and back, keeping the values."""
    engine = migrated_test_engine(request.config, tmp_path, "m0035", "0031")
    reviewed = {
        "disclosure": {
            "mode": "public",
            "review_before_publicity": True,
            "periods": {"serious": {"published": True}, "minor": {"published": False}},
        }
    }
    unreviewed = {"disclosure": {**reviewed["disclosure"], "review_before_publicity": False}}
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(name: str, **given: Any) -> int:
                return int(
                    connection.execute(
                        insert(t[name]).values(_filled(t[name], **given)).returning(t[name].c.id)
                    ).scalar_one()
                )

            city = add("organisation", code="91350100MB00000434", jurisdiction="350100")
            district = add("organisation", code="91350102MB0000045X", jurisdiction="350102")
            subject = add("subject", kind="legal_person")
            penalty = add("record_type", code="administrative_penalty")
            licence = add("record_type", code="administrative_licensing")
            for type_id, area, definition in (
                (penalty, "350100", reviewed),
                (licence, "350100", unreviewed),
                (licence, "350102", reviewed),
            ):
                add(
                    "record_type_version",
                    record_type_id=type_id,
                    jurisdiction=area,
                    version_no=1,
                    definition=definition,
                )
            histories: dict[str, tuple[int, int, list[tuple[str, str, bool | None]]]] = {
                "waiting": (penalty, city, [("created by source", "serious", None)]),
                "reviewed": (
                    penalty,
                    city,
                    [
                        ("created by source", "serious", None),
                        ("confidentiality review: cleared", "serious", None),
                    ],
                ),
                "reviewed then updated": (
                    penalty,
                    city,
                    [
                        ("created by source", "serious", None),
                        ("confidentiality review: cleared", "serious", None),
                        ("updated by source", "serious", None),
                    ],
                ),
                "not published": (penalty, city, [("created by source", "minor", None)]),
                "declared": (penalty, city, [("declared by subject", "serious", None)]),
                "city unreviewed": (licence, city, [("created by source", "serious", None)]),
                "district reviewed": (licence, district, [("created by source", "serious", None)]),
            }
            for key, (type_id, source, history) in histories.items():
                record = add(
                    "credit_record",
                    record_type_id=type_id,
                    subject_id=subject,
                    source_organisation_id=source,
                    status="revoked",
                    natural_key=key,
                )
                for number, (reason, severity, pending) in enumerate(
                    [*history, ("revoked by source (court)", "serious", None)], start=1
                ):
                    add(
                        "record_version",
                        record_id=record,
                        version_no=number,
                        status="revoked" if reason.startswith("revoked") else "active",
                        reason=reason,
                        severity=severity,
                        review_pending_when_revoked=pending,
                    )
            # Revoked after 0026: the revocation's own answer stands.
            record = add(
                "credit_record",
                record_type_id=penalty,
                subject_id=subject,
                source_organisation_id=city,
                status="revoked",
                natural_key="said so",
            )
            for number, reason, pending in (
                (1, "created by source", None),
                (2, "revoked by source (other)", False),
            ):
                add(
                    "record_version",
                    record_id=record,
                    version_no=number,
                    status="active",
                    reason=reason,
                    severity="serious",
                    review_pending_when_revoked=pending,
                )

        def flags() -> dict[str, list[bool | None]]:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT r.natural_key, v.review_pending_when_revoked FROM record_version v "
                        "JOIN credit_record r ON r.id = v.record_id ORDER BY r.id, v.version_no"
                    )
                ).all()
            found: dict[str, list[bool | None]] = {}
            for key, pending in rows:
                found.setdefault(key, []).append(None if pending is None else bool(pending))
            return found

        upgrade(engine)
        expected = {
            "waiting": [None, True],
            "reviewed": [None, None, False],
            "reviewed then updated": [None, None, None, True],
            "not published": [None, False],
            "declared": [None, False],
            "city unreviewed": [None, False],
            "district reviewed": [None, True],
            "said so": [None, False],
        }
        assert flags() == expected
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0031")
        assert flags() == expected
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0038_carries_each_active_querier_over_with_the_items_in_force(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with queriers and query items (0031) to 0038 and back: every
    active query officer and case officer holds its own organisation's items published and
    not withdrawn, with no granting officer (carried over, decision 0035); nobody else holds
    anything, and no item of another organisation, draft or withdrawn item is carried over."""
    engine = migrated_test_engine(request.config, tmp_path, "m0038", "0031")
    when = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            org: dict[str, int] = {}
            for name, code in (
                ("regulator", "11350100MB0000035X"),
                ("other", "11350100MB0000043R"),
            ):
                org[name] = connection.execute(
                    insert(t["organisation"])
                    .values(_filled(t["organisation"], code=code, kind="state_organ"))
                    .returning(t["organisation"].c.id)
                ).scalar_one()
            users: dict[str, int] = {}
            for username, role, where, active in (
                ("querier", "query_officer", "regulator", True),
                ("caseofficer", "case_officer", "regulator", True),
                ("gone", "query_officer", "regulator", False),
                ("reporter", "data_reporter", "regulator", True),
                ("security", "security_officer", "regulator", True),
                ("other_querier", "query_officer", "other", True),
            ):
                users[username] = connection.execute(
                    insert(t["user_account"])
                    .values(
                        _filled(
                            t["user_account"],
                            username=username,
                            role=role,
                            organisation_id=org[where],
                            active=active,
                        )
                    )
                    .returning(t["user_account"].c.id)
                ).scalar_one()
            items: dict[str, int] = {}
            for code, where, published, withdrawn in (
                ("live", "regulator", when, None),
                ("draft", "regulator", None, None),
                ("withdrawn", "regulator", when, when),
                ("elsewhere", "other", when, None),
            ):
                items[code] = connection.execute(
                    insert(t["query_item"])
                    .values(
                        _filled(
                            t["query_item"],
                            code=code,
                            organisation_id=org[where],
                            published_at=published,
                            withdrawn_at=withdrawn,
                        )
                    )
                    .returning(t["query_item"].c.id)
                ).scalar_one()
        upgrade(engine, "0038")
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT user_id, query_item_id, granted_by_id, withdrawn_at, granted_at "
                    "FROM query_item_assignment ORDER BY user_id, query_item_id"
                )
            ).all()
        assert [(u, i, by, out) for u, i, by, out, _at in rows] == sorted(
            [
                (users["querier"], items["live"], None, None),
                (users["caseofficer"], items["live"], None, None),
                (users["other_querier"], items["elsewhere"], None, None),
            ]
        )
        assert all(at is not None for *_rest, at in rows)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0031")
        with engine.connect() as connection:
            assert "query_item_assignment" not in inspect(connection).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0036_names_the_responsible_persons_of_published_court_entries(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose court entries were published naming nobody (0031): each
    published court entry of an organisation names the persons registered without an end,
    once; other entries, ended persons and those named already are left as they were."""
    engine = migrated_test_engine(request.config, tmp_path, "m0036", "0031")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table_name: str, **given: Any) -> int:
                table = t[table_name]
                return int(
                    connection.execute(
                        insert(table).values(_filled(table, **given)).returning(table.c.id)
                    ).scalar_one()
                )

            court = add(
                "list_standard",
                code="court",
                kind="black",
                tier="serious",
                from_record_type="court_judgment_defaulter",
            )
            agency = add("list_standard", code="serious", kind="black", tier="serious")
            company = add("subject", kind="legal_person", reference="C1")
            other = add("subject", kind="legal_person", reference="C2")
            person, former, manager = (
                add("subject", kind="natural_person", reference=f"P{n}") for n in range(3)
            )
            for role, subject, ended in (
                ("legal_representative", person, None),
                # The same person in a second capacity: still named once.
                ("principal", person, None),
                ("legal_representative", former, dt.date(2025, 1, 1)),
                ("principal", manager, None),
            ):
                add(
                    "responsible_person",
                    organisation_subject_id=company,
                    role=role,
                    name=f"person {subject}",
                    person_subject_id=subject,
                    valid_to=ended,
                )
            add(
                "responsible_person",
                organisation_subject_id=other,
                role="principal",
                name="other's",
                person_subject_id=person,
            )
            organisation = add("organisation", code="91350100MB00000434", kind="judicial_organ")
            entry_ids = {
                (standard, status, subject): add(
                    "list_entry",
                    subject_id=subject,
                    standard_id=standard,
                    kind="black",
                    tier="serious",
                    status=status,
                    recognising_organisation_id=organisation,
                )
                for standard, status, subject in (
                    (court, "published", company),
                    (court, "removed", other),
                    (agency, "published", other),
                )
            }
            published = entry_ids[(court, "published", company)]
            add(
                "list_entry_person",
                entry_id=published,
                role="principal",
                name="named",
                person_subject_id=manager,
            )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT entry_id, role, person_subject_id FROM list_entry_person ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [
            (published, "principal", manager),
            (published, "legal_representative", person),
        ]
    finally:
        engine.dispose()


def test_migration_0039_files_each_listed_service_and_keeps_consents_as_they_are(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a register whose entry lists its services as names (0038, before it) to 0039: each
    name becomes a service filed on the entry's filing date; a consent given for a service
    the entry never listed keeps it (it is not checked again); and back, the list returns."""
    engine = migrated_test_engine(request.config, tmp_path, "m0039", "0038")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            institution = tables.tables["institution"]
            connection.execute(
                insert(institution).values(
                    _filled(
                        institution,
                        id=1,
                        uscc="91350100MB0000078N",
                        filing_number="闽信用备〔2026〕001号",
                        filing_date=dt.date(2026, 3, 2),
                        services=["信用评价报告", "信用管理咨询"],
                        status="active",
                    )
                )
            )
            organisation = tables.tables["organisation"]
            connection.execute(
                insert(organisation).values(
                    _filled(
                        organisation,
                        id=1,
                        code="91350100MB0000078N",
                        kind="credit_service_institution",
                    )
                )
            )
            subject = tables.tables["subject"]
            connection.execute(
                insert(subject).values(_filled(subject, id=1, kind="natural_person"))
            )
            consent = tables.tables["consent"]
            connection.execute(
                insert(consent).values(
                    _filled(
                        consent,
                        id=1,
                        subject_id=1,
                        grantee_organisation_id=1,
                        record_type_codes=["contract_performance"],
                        service="信用报告解读（旧称）",
                        service_not_conditional=True,
                    )
                )
            )
        upgrade(engine)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("institution")}
            assert "services" not in columns
            rows = connection.execute(
                text(
                    "SELECT institution_id, name, filed_on, withdrawn_on FROM institution_service "
                    "ORDER BY name"
                )
            ).all()
            assert [(i, n, str(f), w) for i, n, f, w in rows] == [
                (1, "信用管理咨询", "2026-03-02", None),
                (1, "信用评价报告", "2026-03-02", None),
            ]
            assert connection.execute(text("SELECT service FROM consent")).scalar_one() == (
                "信用报告解读（旧称）"
            )
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0038")
        with engine.connect() as connection:
            assert "institution_service" not in inspect(connection).get_table_names()
            listed = connection.execute(text("SELECT services FROM institution")).scalar_one()
            names = listed if isinstance(listed, list) else json.loads(listed)
            assert sorted(names) == ["信用管理咨询", "信用评价报告"]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0042_carries_each_working_query_key_over_with_the_items_in_force(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose staff 0038 carried over to 0042 and back: every API key of
    a querying role that worked when 0038 ran and works still holds its organisation's
    items in force, with no granting officer (carried over, decision 0035 addendum), and
    queries by them again; a key revoked, never released or released after 0038, a key of
    another role, and drafts, withdrawn items and other organisations' get nothing; the
    staff's assignments are left alone. Downgrading deletes the keys' assignments only."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.orm import Session

    from xinyong.accounts import api_keys
    from xinyong.disclosure import query_assignments
    from xinyong.disclosure.models import QueryItem

    # The revision before 0042, whatever the chain is when the branches are merged.
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0042").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0042", before)
    long_ago = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    carried_over = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)  # when 0038 ran
    later = dt.datetime(2026, 11, 30, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table: str, **given: Any) -> int:
                return int(
                    connection.execute(
                        insert(t[table]).values(_filled(t[table], **given)).returning(t[table].c.id)
                    ).scalar_one()
                )

            regulator = add("organisation", code="11350100MB0000035X", kind="state_organ")
            other = add("organisation", code="11350100MB0000043R", kind="state_organ")
            querier = add(
                "user_account",
                username="querier",
                role="query_officer",
                organisation_id=regulator,
                active=True,
            )
            items = {
                code: add(
                    "query_item",
                    code=code,
                    organisation_id=where,
                    published_at=published,
                    withdrawn_at=withdrawn,
                )
                for code, where, published, withdrawn in (
                    ("live", regulator, long_ago, None),
                    ("published_since", regulator, later, None),
                    ("draft", regulator, None, None),
                    ("withdrawn", regulator, long_ago, later),
                    ("elsewhere", other, long_ago, None),
                )
            }
            staff_row = add(
                "query_item_assignment",
                query_item_id=items["live"],
                user_id=querier,
                granted_at=carried_over,
            )
            keys = {
                name: add(
                    "api_key",
                    prefix=f"xy_{n:012d}",
                    secret_hash=api_keys._key_hash(name) if released else "",
                    name=name,
                    organisation_id=where,
                    role=role,
                    created_at=long_ago,
                    released_at=released,
                    revoked_at=revoked,
                )
                for n, (name, where, role, released, revoked) in enumerate(
                    (
                        ("system", regulator, "query_officer", long_ago, None),
                        ("cases", other, "case_officer", long_ago, None),
                        ("revoked", regulator, "query_officer", long_ago, later),
                        ("unreleased", regulator, "query_officer", None, None),
                        ("released_since", regulator, "query_officer", later, None),
                        ("reporting", regulator, "data_reporter", long_ago, None),
                    )
                )
            }
        upgrade(engine, "0042")
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, user_id, api_key_id, query_item_id, granted_by_id, withdrawn_at "
                    "FROM query_item_assignment ORDER BY id"
                )
            ).all()
        assert rows[0] == (staff_row, querier, None, items["live"], None, None)
        assert sorted((k, i, by, out) for _id, _u, k, i, by, out in rows[1:]) == sorted(
            [
                (keys["system"], items["live"], None, None),
                (keys["system"], items["published_since"], None, None),
                (keys["cases"], items["elsewhere"], None, None),
            ]
        )
        # The services read today's models: the schema at the head, through the migrations
        # after 0042 (which leave the assignments alone).
        upgrade(engine)
        with Session(engine) as session:
            system = api_keys.actor_for_api_key(session, f"xy_{0:012d}.system")
            live = session.get(QueryItem, items["live"])
            assert live is not None
            assert query_assignments.holds(session, system, live)
            assert all(a.carried_over for a in query_assignments.held_by(session, system))
        migrate_down(engine, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("query_item_assignment")}
            assert "api_key_id" not in columns
            left = connection.execute(text("SELECT id FROM query_item_assignment")).scalars()
            assert list(left) == [staff_row]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0042_without_staff_carried_over_counts_every_working_key(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Where 0038 carried nobody over, when it ran is unknown: every key of a querying role
    that works at the upgrade holds its organisation's items in force."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0042").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0042b", before)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            regulator = connection.execute(
                insert(t["organisation"])
                .values(_filled(t["organisation"], code="11350100MB0000035X", kind="state_organ"))
                .returning(t["organisation"].c.id)
            ).scalar_one()
            item = connection.execute(
                insert(t["query_item"])
                .values(
                    _filled(
                        t["query_item"],
                        code="live",
                        organisation_id=regulator,
                        published_at=yesterday,
                    )
                )
                .returning(t["query_item"].c.id)
            ).scalar_one()
            key = connection.execute(
                insert(t["api_key"])
                .values(
                    _filled(
                        t["api_key"],
                        prefix="xy_000000000001",
                        organisation_id=regulator,
                        role="query_officer",
                        released_at=yesterday,
                    )
                )
                .returning(t["api_key"].c.id)
            ).scalar_one()
        upgrade(engine, "0042")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT api_key_id, query_item_id, granted_by_id FROM query_item_assignment")
            ).all()
        assert [tuple(row) for row in rows] == [(key, item, None)]
    finally:
        engine.dispose()


def test_an_assignment_names_exactly_one_holder(engine: Engine) -> None:
    """A staff member or a system, never both, never neither (migration 0042)."""
    from sqlalchemy.exc import IntegrityError

    tables = MetaData()
    with engine.connect() as connection:
        outer = connection.begin()
        try:
            tables.reflect(connection)
            t = tables.tables

            def add(table: str, **given: Any) -> int:
                return int(
                    connection.execute(
                        insert(t[table]).values(_filled(t[table], **given)).returning(t[table].c.id)
                    ).scalar_one()
                )

            agency = add("organisation", code="11350100MB0000035X", kind="state_organ")
            item = add("query_item", code="QI-ONE-HOLDER", organisation_id=agency)
            user = add("user_account", username="one_holder", organisation_id=agency)
            key = add("api_key", prefix="xy_onehold0001", organisation_id=agency)
            assignment = t["query_item_assignment"]
            for holder in ({"user_id": user}, {"api_key_id": key}):
                add("query_item_assignment", query_item_id=item, **holder)
            for holders in ({}, {"user_id": user, "api_key_id": key}):
                with pytest.raises(IntegrityError), connection.begin_nested():
                    connection.execute(
                        insert(assignment).values(
                            _filled(assignment, query_item_id=item, **holders)
                        )
                    )
        finally:
            outer.rollback()


def _standard_with_an_entry(engine: Engine) -> tuple[int, int]:
    """A list standard and a published entry on it, in whatever schema the database is at:
    the entry's foreign key is what SQLite refuses to drop list_standard under."""
    tables = MetaData()
    with engine.begin() as connection:
        tables.reflect(connection)
        t = tables.tables

        def add(table: str, **given: Any) -> int:
            return int(
                connection.execute(
                    insert(t[table]).values(_filled(t[table], **given)).returning(t[table].c.id)
                ).scalar_one()
            )

        organisation = add("organisation", code="11350100MB0000035X", kind="state_organ")
        subject = add("subject", kind="legal_person")
        standard = add(
            "list_standard", code="serious_refusing_duties", kind="black", tier="serious"
        )
        entry = add(
            "list_entry",
            subject_id=subject,
            standard_id=standard,
            recognising_organisation_id=organisation,
            kind="black",
            tier="serious",
            status="published",
        )
    return standard, entry


def _downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _standards_and_entries(engine: Engine) -> tuple[set[str], list[tuple[int, int]]]:
    with engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("list_standard")}
        entries = connection.execute(text("SELECT id, standard_id FROM list_entry")).all()
    return columns, [(entry, standard) for entry, standard in entries]


def test_migration_0014_downgrades_with_list_entries_on_the_standards(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine = migrated_test_engine(request.config, tmp_path, "m0014d", "0014")
    try:
        standard, entry = _standard_with_an_entry(engine)
        _downgrade(engine, "0013")
        columns, entries = _standards_and_entries(engine)
        assert "clean_years" not in columns
        assert entries == [(entry, standard)]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0025_goes_both_ways_with_list_entries_on_the_standards(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Up as well: its boolean column's default made a batch copy the table."""
    engine = migrated_test_engine(request.config, tmp_path, "m0025d", "0024")
    try:
        standard, entry = _standard_with_an_entry(engine)
        upgrade(engine, "0025")
        columns, entries = _standards_and_entries(engine)
        assert {"early_removal", "early_removal_months"} <= columns
        with engine.connect() as connection:
            allowed = connection.execute(text("SELECT early_removal FROM list_standard")).scalar()
        assert bool(allowed)  # serious_refusing_duties allows it
        _downgrade(engine, "0024")
        columns, entries = _standards_and_entries(engine)
        assert not {"early_removal", "early_removal_months"} & columns
        assert entries == [(entry, standard)]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0037_downgrades_with_list_entries_on_the_standards(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0037").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0037d", "0037")
    try:
        standard, entry = _standard_with_an_entry(engine)
        _downgrade(engine, before)
        columns, entries = _standards_and_entries(engine)
        assert "repair_exclusion" not in columns
        assert entries == [(entry, standard)]
        upgrade(engine)
    finally:
        engine.dispose()


def test_the_runner_migrates_through_tables_other_rows_refer_to(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Down to 0009 and up again with a record, its version, its batch and type version,
    and an API key its administrator registered: on SQLite the batches that copy
    user_account (0031, 0032), batch (0013, 0020), credit_record (0017) and
    record_type_version (0034) drop a table these rows refer to, which the runner allows by
    turning foreign keys off for the run and checking them before the commit."""
    from xinyong.db.migrate import downgrade

    engine = migrated_test_engine(request.config, tmp_path, "mrefs", "head")
    counted = (
        "user_account",
        "api_key",
        "record_type_version",
        "batch",
        "credit_record",
        "record_version",
        "quarantined_row",
    )
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table: str, **given: Any) -> int:
                return int(
                    connection.execute(
                        insert(t[table]).values(_filled(t[table], **given)).returning(t[table].c.id)
                    ).scalar_one()
                )

            # Each table's first row: the 1 that _filled gives a required reference is it.
            organisation = add("organisation", code="11350100MB0000035X", kind="state_organ")
            add("subject", kind="legal_person")
            add("record_type", code="administrative_penalty")
            add("record_type_version", version_no=1, definition={})
            batch = add("batch", organisation_id=organisation, status="committed")
            record = add("credit_record", status="active", natural_key="1|A")
            add("record_version", record_id=record, batch_id=batch, status="active")
            add("quarantined_row", batch_id=batch)
            admin = add("user_account", username="admin", role="platform_admin")
            add(
                "api_key",
                prefix="xy_000000000001",
                role="query_officer",
                created_by_id=admin,
                released_by_id=admin,
            )

        def counts() -> dict[str, int]:
            with engine.connect() as connection:
                return {
                    name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                    for name in counted
                }

        assert set(counts().values()) == {1}
        downgrade(engine, "0009")
        assert set(counts().values()) == {1}
        upgrade(engine)
        assert set(counts().values()) == {1}
    finally:
        engine.dispose()


def test_a_dangling_reference_is_found_before_the_commit(tmp_path: Path) -> None:
    """SQLite, foreign keys off for the run: the check the runner makes before committing
    refuses a row that refers to nothing, and the foreign keys are on again after."""
    from xinyong.db.engine import make_engine
    from xinyong.db.migrate import ForeignKeysBroken, check_foreign_keys, foreign_keys_off

    engine = make_engine(f"sqlite:///{tmp_path / 'dangling.sqlite3'}")
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            connection.exec_driver_sql(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)"
            )
        with engine.connect() as connection, foreign_keys_off(connection), connection.begin():
            connection.exec_driver_sql("INSERT INTO child VALUES (1, 7)")
            with pytest.raises(ForeignKeysBroken):
                check_foreign_keys(connection)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
        # Inside a transaction SQLite would ignore the pragma: refused rather than ignored.
        with (
            engine.connect() as connection,
            connection.begin(),
            pytest.raises(RuntimeError, match="inside a transaction"),
            foreign_keys_off(connection),
        ):
            pass
    finally:
        engine.dispose()


def test_migration_0045_leaves_the_query_items_before_it_without_a_statutory_exception(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with query items (the revision before) to 0045 and back: every item is kept
    as it was, with no statutory exception stated (nothing in its free-text legal basis
    says one, and the credit authority alone may state it); back, the columns are gone."""
    from alembic.script import ScriptDirectory

    # The revision before 0045, whatever the chain is when the branches are merged.
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0045").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0045", before)
    when = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            organisation = connection.execute(
                insert(t["organisation"])
                .values(_filled(t["organisation"], code="11350100MB0000035X", kind="state_organ"))
                .returning(t["organisation"].c.id)
            ).scalar_one()
            connection.execute(
                insert(t["query_item"]).values(
                    _filled(
                        t["query_item"],
                        code="QI-SB-01",
                        organisation_id=organisation,
                        record_type_codes=["social_insurance_arrears"],
                        legal_basis="《社会保险法》第八十四条",
                        published_at=when,
                    )
                )
            )
        upgrade(engine, "0045")
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT code, legal_basis, published_at IS NOT NULL, exception_rank, "
                    "exception_title, exception_article FROM query_item"
                )
            ).one()
        assert tuple(row) == ("QI-SB-01", "《社会保险法》第八十四条", True, None, None, None)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("query_item")}
            assert {"exception_rank", "exception_title", "exception_article"}.isdisjoint(columns)
            assert (
                connection.execute(text("SELECT code FROM query_item")).scalar_one() == "QI-SB-01"
            )
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0041_tells_registered_persons_from_those_the_proposal_named(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose entries name persons without saying why (0040): a row of a
    published entry whose person is registered for the organisation in the same capacity
    follows that registration (the current one, else the latest); every other row is the
    proposal's. Each is named from the entry's first day on the list, none has ended; and
    back, the columns go."""
    engine = migrated_test_engine(request.config, tmp_path, "m0041", "0040")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table_name: str, **given: Any) -> int:
                table = t[table_name]
                return int(
                    connection.execute(
                        insert(table).values(_filled(table, **given)).returning(table.c.id)
                    ).scalar_one()
                )

            standard = add("list_standard", code="serious", kind="black", tier="serious")
            company = add("subject", kind="legal_person", reference="C1")
            representative, former, principal, manager = (
                add("subject", kind="natural_person", reference=f"P{n}") for n in range(4)
            )
            registered = {
                (role, who, ended): add(
                    "responsible_person",
                    organisation_subject_id=company,
                    role=role,
                    name=f"person {who}",
                    person_subject_id=who,
                    valid_to=ended,
                )
                for role, who, ended in (
                    ("legal_representative", former, dt.date(2026, 5, 1)),
                    ("legal_representative", representative, None),
                    ("principal", principal, None),
                )
            }
            organisation = add("organisation", code="91350100MB00000434", kind="state_organ")
            published, candidacy = (
                add(
                    "list_entry",
                    subject_id=company,
                    standard_id=standard,
                    kind="black",
                    tier="serious",
                    status=status,
                    recognising_organisation_id=organisation,
                    term_start=start,
                )
                for status, start in (("published", dt.date(2026, 3, 2)), ("noticed", None))
            )
            for entry, role, who in (
                (published, "legal_representative", representative),
                (published, "legal_representative", former),
                # Registered as principal, named by the agency in another capacity.
                (published, "directly_responsible", principal),
                (published, "directly_responsible", manager),
                # A candidacy's persons are the proposal's, whoever is registered.
                (candidacy, "legal_representative", representative),
            ):
                add(
                    "list_entry_person",
                    entry_id=entry,
                    role=role,
                    name=f"person {who}",
                    person_subject_id=who,
                )
        upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT entry_id, person_subject_id, source, responsible_person_id, "
                    "named_from, ended_on FROM list_entry_person ORDER BY id"
                )
            ).all()
        march = dt.date(2026, 3, 2)
        assert [
            (entry, who, source, link, None if start is None else str(start), ended)
            for entry, who, source, link, start, ended in rows
        ] == [
            (
                published,
                representative,
                "registration",
                registered[("legal_representative", representative, None)],
                str(march),
                None,
            ),
            (
                published,
                former,
                "registration",
                registered[("legal_representative", former, dt.date(2026, 5, 1))],
                str(march),
                None,
            ),
            (published, principal, "proposal", None, str(march), None),
            (published, manager, "proposal", None, str(march), None),
            (candidacy, representative, "proposal", None, None, None),
        ]
        migrate_down(engine, "0040")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("list_entry_person")}
            assert not columns & {"source", "responsible_person_id", "named_from", "ended_on"}
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0043_says_who_carried_out_each_step_before_and_keeps_no_years_it_lacks(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading to 0043 and back: every objection carried out and every repair decided
    before was the source's, as was every step on fraud but a termination before acceptance
    (the platform's); cases not that far say nothing; a joint check from before keeps no
    years, since those configured then were not recorded."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0043").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0043", before)
    moment = dt.datetime(2026, 11, 30, 2, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(name: str, **given: Any) -> int:
                return int(
                    connection.execute(
                        insert(t[name]).values(_filled(t[name], **given)).returning(t[name].c.id)
                    ).scalar_one()
                )

            source = add("organisation", code="91350100MB0000078N")
            subject = add("subject", kind="natural_person")
            record_type = add("record_type", code="contract_performance")
            record = add(
                "credit_record",
                subject_id=subject,
                record_type_id=record_type,
                source_organisation_id=source,
            )
            common = {"record_id": record, "subject_id": subject, "source_organisation_id": source}
            for status, completed in (("corrected", moment), ("upheld", None)):
                add("record_objection", **common, status=status, completed_at=completed)
            cases = (
                ("approved", moment, moment, None),
                ("rejected", moment, moment, None),
                ("accepted", moment, None, None),
                ("terminated", None, None, moment),  # by the platform, before acceptance
                ("terminated", moment, None, moment),  # by the source, after
                ("revoked", moment, moment, moment),
            )
            for number, (status, feedback, decided, fraud) in enumerate(cases):
                add(
                    "repair_case",
                    **common,
                    commitment_record_id=record,
                    query_code=f"CODE-{number}",
                    status=status,
                    feedback_at=feedback,
                    decided_at=decided,
                    fraud_at=fraud,
                )
            matter = t["administrative_matter"]
            connection.execute(
                insert(matter).values(_filled(matter, code="administrative_licensing"))
            )
            add(
                "joint_check_use",
                matter_code="administrative_licensing",
                subject_ids=b"",
                situation_ids=b"",
            )
        upgrade(engine)
        with engine.connect() as connection:
            completed = connection.execute(
                text("SELECT status, completed_by_source FROM record_objection ORDER BY id")
            ).all()
            assert [tuple(row) for row in completed] == [("corrected", True), ("upheld", None)]
            steps = connection.execute(
                text(
                    "SELECT status, decided_by_source, fraud_by_source FROM repair_case ORDER BY id"
                )
            ).all()
            assert [tuple(row) for row in steps] == [
                ("approved", True, None),
                ("rejected", True, None),
                ("accepted", None, None),
                ("terminated", None, False),
                ("terminated", None, True),
                ("revoked", True, True),
            ]
            years = connection.execute(text("SELECT clean_years FROM joint_check_use"))
            assert years.scalar_one() is None
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, before)
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table, column in (
                ("record_objection", "completed_by_source"),
                ("repair_case", "decided_by_source"),
                ("repair_case", "fraud_by_source"),
                ("joint_check_use", "clean_years"),
            ):
                assert column not in {c["name"] for c in inspector.get_columns(table)}
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0046_keeps_every_registration_without_a_basis_or_end_reason(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with registered responsible persons (the revision before) to
    0046 and back: each registration is kept as it was, with no basis and no end reason
    stated (the service asked for neither); back, the columns are gone."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0046").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0046", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            company = connection.execute(
                insert(t["subject"])
                .values(
                    _filled(
                        t["subject"],
                        kind="legal_person",
                        reference="91350100MB00000434",
                        uscc="91350100MB00000434",
                    )
                )
                .returning(t["subject"].c.id)
            ).scalar_one()
            connection.execute(
                insert(t["responsible_person"]).values(
                    _filled(
                        t["responsible_person"],
                        organisation_subject_id=company,
                        role="legal_representative",
                        name="陈某某",
                        valid_from=dt.date(2026, 1, 5),
                        valid_to=dt.date(2026, 6, 1),
                    )
                )
            )
        upgrade(engine, "0046")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT name, valid_from, valid_to, basis, end_reason FROM responsible_person")
            ).one()
        assert (row[0], str(row[1]), str(row[2]), row[3], row[4]) == (
            "陈某某",
            "2026-01-05",
            "2026-06-01",
            None,
            None,
        )
        _downgrade(engine, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("responsible_person")}
            assert {"basis", "end_reason"}.isdisjoint(columns)
            assert connection.execute(text("SELECT name FROM responsible_person")).scalar_one() == (
                "陈某某"
            )
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0044_makes_the_access_log_append_only_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose access log holds an entry (the revision before) to 0044: the entry stays
    and can no longer be changed or deleted; and back, it can."""
    from alembic.script import ScriptDirectory

    # The revision before 0044, whatever the chain is when the branches are merged.
    before = ScriptDirectory.from_config(alembic_config()).get_revision("0044").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0044", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            connection.execute(
                insert(t["subject"]).values(_filled(t["subject"], id=1, kind="natural_person"))
            )
            connection.execute(
                insert(t["access_event"]).values(
                    _filled(
                        t["access_event"],
                        id=1,
                        subject_id=1,
                        legal_path="self",
                        what="file",
                        granted=True,
                    )
                )
            )
        upgrade(engine)
        for statement in (
            "UPDATE access_event SET purpose = 'x' WHERE id = 1",
            "DELETE FROM access_event WHERE id = 1",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT what FROM access_event")).scalar_one() == "file"
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, before)
        with engine.begin() as connection:
            connection.execute(text("UPDATE access_event SET purpose = 'x' WHERE id = 1"))
            connection.execute(text("DELETE FROM access_event WHERE id = 1"))
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0047_makes_the_joint_checks_log_append_only_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with a check indexed at once and a large one the job has not
    indexed yet (the revision before) to 0047: both stay as they were, the first still
    indexed and the second still waiting, and neither can be changed or deleted, nor its
    index by subject; the job's mark is a row of its own. Back, the mark returns to the
    check's ``indexed_at`` and the rows can be changed again."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0047").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0047", before)
    at = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            connection.execute(
                insert(t["subject"]).values(_filled(t["subject"], id=1, kind="natural_person"))
            )
            connection.execute(
                insert(t["administrative_matter"]).values(
                    _filled(t["administrative_matter"], code="market_access")
                )
            )
            for use_id, indexed_at in ((1, at), (2, None)):
                connection.execute(
                    insert(t["joint_check_use"]).values(
                        _filled(
                            t["joint_check_use"],
                            id=use_id,
                            matter_code="market_access",
                            subject_ids=b"ids",
                            situation_ids=b"situations",
                            indexed_at=indexed_at,
                        )
                    )
                )
            connection.execute(
                insert(t["joint_check_use_subject"]).values(subject_id=1, use_id=1, situation=0)
            )
        upgrade(engine, "0047")
        with engine.connect() as connection:
            waiting = connection.execute(
                text(
                    "SELECT id FROM joint_check_use WHERE indexed_at IS NULL AND id NOT IN "
                    "(SELECT use_id FROM joint_check_use_indexed)"
                )
            ).scalars()
            assert list(waiting) == [2]
        for statement in (
            "UPDATE joint_check_use SET indexed_at = NULL WHERE id = 1",
            "DELETE FROM joint_check_use WHERE id = 2",
            "UPDATE joint_check_use_subject SET situation = 1",
            "DELETE FROM joint_check_use_subject",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(statement))
        with engine.begin() as connection:
            # The daily job indexes the large check: a mark of its own.
            marks = Table("joint_check_use_indexed", MetaData(), autoload_with=connection)
            connection.execute(insert(marks).values(use_id=2, indexed_at=at))
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM joint_check_use_indexed"))
        _downgrade(engine, before)
        with engine.connect() as connection:
            assert "joint_check_use_indexed" not in inspect(connection).get_table_names()
            indexed = connection.execute(
                text("SELECT id FROM joint_check_use WHERE indexed_at IS NOT NULL ORDER BY id")
            ).scalars()
            assert list(indexed) == [1, 2]
        with engine.begin() as connection:
            connection.execute(text("UPDATE joint_check_use_subject SET situation = 1"))
            connection.execute(text("DELETE FROM joint_check_use_subject"))
            connection.execute(text("DELETE FROM joint_check_use WHERE id = 2"))
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0050_gives_the_measures_before_it_no_implementers_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with a measure (the revision before) to 0050 and back: the
    measure is kept, naming no implementer (``xinyong lists upgrade`` gives the shipped ones
    theirs, decision 0045); back, the columns are gone and the measure is as it was."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0050").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0050", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            measure = tables.tables["measure"]
            connection.execute(
                insert(measure).values(
                    _filled(
                        measure,
                        code="pun_honours",
                        kind="punishment",
                        name="撤销和限制获得相关荣誉称号",
                        matter_codes=["honours"],
                        target="black",
                        implementing_body="各评选表彰组织单位",
                    )
                )
            )
        upgrade(engine, "0050")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT code, implementer_kinds, implementer_codes FROM measure")
            ).one()
        assert row[0] == "pun_honours"
        assert [json.loads(v) if isinstance(v, str) else v for v in row[1:]] == [[], []]
        _downgrade(engine, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("measure")}
            assert {"implementer_kinds", "implementer_codes"}.isdisjoint(columns)
            assert connection.execute(
                text("SELECT implementing_body FROM measure")
            ).scalar_one() == ("各评选表彰组织单位")
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0049_adds_removal_proposals_one_open_per_entry_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """0049 adds the removal proposals (decision 0042) beside the entries as they were: an
    entry removed before by one officer stays removed. One open proposal per entry (the
    partial unique index); decided ones may be many. Back, the table is gone and the
    entries are as they were."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0049").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0049", before)
    at = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            connection.execute(
                insert(t["subject"]).values(_filled(t["subject"], id=1, kind="legal_person"))
            )
            connection.execute(insert(t["organisation"]).values(_filled(t["organisation"], id=1)))
            connection.execute(
                insert(t["list_standard"]).values(
                    _filled(t["list_standard"], id=1, kind="black", tier="black")
                )
            )
            for entry_id, status in ((1, "published"), (2, "removed")):
                connection.execute(
                    insert(t["list_entry"]).values(
                        _filled(
                            t["list_entry"],
                            id=entry_id,
                            subject_id=1,
                            standard_id=1,
                            recognising_organisation_id=1,
                            kind="black",
                            tier="black",
                            status=status,
                            proposed_at=at,
                            removal_reason="other" if status == "removed" else None,
                        )
                    )
                )
        upgrade(engine, "0049")
        with engine.connect() as connection:
            kept = connection.execute(
                text("SELECT id, status, removal_reason FROM list_entry ORDER BY id")
            ).all()
            assert [tuple(row) for row in kept] == [(1, "published", None), (2, "removed", "other")]
        proposals = Table("list_removal_proposal", MetaData(), autoload_with=engine)

        def proposal(status: str) -> dict[str, Any]:
            return {
                "entry_id": 1,
                "recognising_organisation_id": 1,
                "reason": "exit_conditions_met",
                "detail": "已履行",
                "status": status,
                "proposed_by": "user:1",
                "proposed_at": at,
            }

        with engine.begin() as connection:
            for status in ("refused", "lapsed", "open"):
                connection.execute(insert(proposals).values(proposal(status)))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(proposals).values(proposal("open")))
        _downgrade(engine, before)
        with engine.connect() as connection:
            assert "list_removal_proposal" not in inspect(connection).get_table_names()
            assert connection.execute(text("SELECT count(*) FROM list_entry")).scalar() == 2
    finally:
        engine.dispose()


def test_migration_0048_leaves_entries_without_named_basis_records_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with a published black-list entry and a court defaulter's entry
    (the revision before) to 0048: no link to a record is invented — both say their basis
    was not named, the court's keeps its source record — and a basis record can then be
    named; back, the table and the column go and the entries stay."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0048").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0048", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table_name: str, **given: Any) -> int:
                table = t[table_name]
                return int(
                    connection.execute(
                        insert(table).values(_filled(table, **given)).returning(table.c.id)
                    ).scalar_one()
                )

            standard = add("list_standard", code="dishonest", kind="black", tier="black")
            company = add("subject", kind="legal_person", reference="C1")
            organisation = add("organisation", code="91350100MB00000434", kind="state_organ")
            record_type = add("record_type", code="court_judgment_defaulter")
            record = add(
                "credit_record",
                record_type_id=record_type,
                subject_id=company,
                source_organisation_id=organisation,
                natural_key="1|（2026）闽01执1号",
                status="active",
            )
            entries = [
                add(
                    "list_entry",
                    subject_id=company,
                    standard_id=standard,
                    kind="black",
                    tier="black",
                    status="published",
                    recognising_organisation_id=organisation,
                    source_record_id=source,
                )
                for source in (None, record)
            ]
        upgrade(engine, "0048")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, basis_named, source_record_id FROM list_entry ORDER BY id")
            ).all()
            assert [(i, bool(named), source) for i, named, source in rows] == [
                (entries[0], False, None),
                (entries[1], False, record),
            ]
            assert (
                connection.execute(
                    text("SELECT count(*) FROM list_entry_basis_record")
                ).scalar_one()
                == 0
            )
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO list_entry_basis_record (entry_id, record_id) VALUES (:e, :r)"),
                {"e": entries[0], "r": record},
            )
        _downgrade(engine, before)
        with engine.connect() as connection:
            inspector = inspect(connection)
            assert "list_entry_basis_record" not in inspector.get_table_names()
            assert "basis_named" not in {c["name"] for c in inspector.get_columns("list_entry")}
            assert connection.execute(text("SELECT count(*) FROM list_entry")).scalar_one() == 2
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0051_takes_the_record_out_of_the_repair_commitments_the_platform_wrote(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose repair commitments name their record in public fields (the
    platform's "信用修复承诺（记录N）" and "<type> <date>") to 0051: every version of each
    takes the type and reason the platform writes now, keeping the subject's text and the
    rest, and its natural key an opaque value; a subject's own commitment, one no case rests
    on and one linked to a case on another record than it names are left; back, nothing is
    put back (decision 0023, addendum of 2026-11-30)."""
    engine = migrated_test_engine(request.config, tmp_path, "m0051", "0048")
    unit = "福州市市场监督管理局"

    def payload(kind: str, reason: str, status: str = "pending") -> dict[str, Any]:
        return {
            "commitment_type": kind,
            "commitment_reason": reason,
            "commitment_text": "本公司承诺严格执行明码标价规定",
            "committed_on": "2026-11-20",
            "accepting_unit": unit,
            "fulfilment_status": status,
            "subject_name": "福州晨光文具贸易有限公司",
        }

    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables

            def add(table_name: str, **given: Any) -> int:
                table = t[table_name]
                return int(
                    connection.execute(
                        insert(table).values(_filled(table, **given)).returning(table.c.id)
                    ).scalar_one()
                )

            company = add("subject", kind="legal_person", reference="C1")
            regulator = add("organisation", code="91350100MB00000434", kind="state_organ")
            penalty = add("record_type", code="administrative_penalty")
            commitment_type = add("record_type", code="credit_commitment")
            warning, fine = (
                add(
                    "credit_record",
                    record_type_id=penalty,
                    subject_id=company,
                    source_organisation_id=regulator,
                    natural_key=f"{company}|{number}",
                    status="active",
                )
                for number in ("闽市监罚〔2026〕7号", "闽市监罚〔2026〕8号")
            )
            written = {
                "platform": (
                    warning,
                    [payload(f"信用修复承诺（记录{warning}）", "行政处罚 2026-05-14")],
                ),
                "platform, followed up": (
                    fine,
                    [
                        payload(f"信用修复承诺（记录{fine}）", "行政处罚 2026-02-03"),
                        payload(f"信用修复承诺（记录{fine}）", "行政处罚 2026-02-03", "fulfilled"),
                    ],
                ),
                "own": (fine, [payload("守法经营承诺", "依法经营")]),
                "no case": (
                    None,
                    [payload(f"信用修复承诺（记录{warning}）", "行政处罚 2026-05-14")],
                ),
                # Made for the warning's repair, linked also to the fine's: rewritten once.
                "made for another": (
                    fine,
                    [payload(f"信用修复承诺（记录{warning}）", "行政处罚 2026-05-14")],
                ),
            }
            commitments: dict[str, int] = {}
            for name, (case_record, versions) in written.items():
                kind = versions[0]["commitment_type"]
                commitments[name] = add(
                    "credit_record",
                    record_type_id=commitment_type,
                    subject_id=company,
                    source_organisation_id=regulator,
                    natural_key=f"{company}|{kind}|2026-11-20|{unit}|{name}",
                    status="active",
                    current_version_no=len(versions),
                )
                for number, content in enumerate(versions, start=1):
                    add(
                        "record_version",
                        record_id=commitments[name],
                        version_no=number,
                        payload=content,
                        status="active",
                        reason="declared by subject",
                    )
                if case_record is not None:
                    add(
                        "repair_case",
                        record_id=case_record,
                        subject_id=company,
                        source_organisation_id=regulator,
                        commitment_record_id=commitments[name],
                        status="submitted",
                        query_code=f"Q{commitments[name]}",
                    )
            add(
                "repair_case",
                record_id=warning,
                subject_id=company,
                source_organisation_id=regulator,
                commitment_record_id=commitments["made for another"],
                status="submitted",
                query_code="Q0",
            )

        def state() -> dict[str, tuple[str, list[dict[str, Any]]]]:
            with engine.connect() as connection:
                versions = Table("record_version", MetaData(), autoload_with=connection)
                records = Table("credit_record", MetaData(), autoload_with=connection)
                found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
                for name, record_id in commitments.items():
                    key = connection.execute(
                        records.select()
                        .with_only_columns(records.c.natural_key)
                        .where(records.c.id == record_id)
                    ).scalar_one()
                    payloads = connection.execute(
                        versions.select()
                        .with_only_columns(versions.c.payload)
                        .where(versions.c.record_id == record_id)
                        .order_by(versions.c.version_no)
                    ).scalars()
                    found[name] = (
                        key,
                        [json.loads(p) if isinstance(p, str) else p for p in payloads],
                    )
                return found

        before = state()
        upgrade(engine)
        after = state()
        for name in ("platform", "platform, followed up", "made for another"):
            key, payloads = after[name]
            assert [(p["commitment_type"], p["commitment_reason"]) for p in payloads] == [
                ("信用修复承诺", "申请信用修复")
            ] * len(payloads), name
            # Everything else is as it was: the text, the day, the unit, the fulfilment.
            assert [
                {k: v for k, v in p.items() if k not in ("commitment_type", "commitment_reason")}
                for p in payloads
            ] == [
                {k: v for k, v in p.items() if k not in ("commitment_type", "commitment_reason")}
                for p in before[name][1]
            ]
            parts = key.split("|")
            assert parts[:4] == [str(company), "信用修复承诺", "2026-11-20", unit], name
            assert parts[-1].startswith("repair ")
            assert len(parts[-1]) == len("repair ") + 16
            for record in (warning, fine):
                assert f"记录{record}" not in str(payloads) + key
        for name in ("own", "no case"):
            assert after[name] == before[name], name
        assert len({after[name][0] for name in after}) == len(after)

        _downgrade(engine, "0048")
        assert state() == after
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0052_marks_every_report_before_it_as_shown_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with an issued report to 0052 and back: the report takes its
    issue time as its first showing, so that no showing after the upgrade is taken for the
    issuance's own (decision 0017, session 18 addendum); back, the column is gone and the
    report is as it was."""
    engine = migrated_test_engine(request.config, tmp_path, "m0052", "0051")
    issued = dt.datetime(2026, 12, 1, 8, 30, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            subject = connection.execute(
                insert(t["subject"])
                .values(_filled(t["subject"], kind="legal_person", reference="C1"))
                .returning(t["subject"].c.id)
            ).scalar_one()
            connection.execute(
                insert(t["credit_report"]).values(
                    _filled(
                        t["credit_report"],
                        number="XY20261201ABCDEFGH",
                        subject_id=subject,
                        legal_path="self",
                        issued_at=issued,
                    )
                )
            )
        upgrade(engine, "0052")
        with engine.connect() as connection:
            shown = Table("credit_report", MetaData(), autoload_with=connection)
            row = connection.execute(
                shown.select().with_only_columns(shown.c.number, shown.c.first_shown_at)
            ).one()
        assert row[0] == "XY20261201ABCDEFGH"
        # SQLite hands the time back naive (in UTC), PostgreSQL aware.
        assert (row[1] if row[1].tzinfo else row[1].replace(tzinfo=dt.UTC)) == issued
        _downgrade(engine, "0051")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("credit_report")}
            assert "first_shown_at" not in columns
            assert connection.execute(text("SELECT number FROM credit_report")).scalar_one() == (
                "XY20261201ABCDEFGH"
            )
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0053_names_art22_3_for_the_courts_list_and_its_baseline_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database with the Fuzhou standards and their lists rule pack baselines to
    0053 and back: the court's list of judgment defaulters names Art. 22(3), in the standard
    and in its baseline of the Fuzhou pack, so the pack's standard is current and a later
    pack change to it is no collision (decision 0023, addendum "the court's list names
    Art. 22(3)"); the other standards and their baselines are left as they were."""
    engine = migrated_test_engine(request.config, tmp_path, "m0053", "0052")
    court = "court_judgment_defaulter"
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            standard = tables.tables["list_standard"]
            baseline = tables.tables["list_rule_pack_baseline"]
            for code, case in (
                (court, None),
                ("dishonest_subject", None),
                ("serious_refusing_duties", "22(3)"),
            ):
                connection.execute(
                    insert(standard).values(
                        _filled(
                            standard,
                            code=code,
                            kind="black",
                            tier="serious",
                            active=True,
                            repair_exclusion=case,
                        )
                    )
                )
            for code, pack in ((court, "fuzhou.toml"), ("dishonest_subject", "fuzhou.toml")):
                connection.execute(
                    insert(baseline).values(
                        _filled(
                            baseline,
                            part="standard",
                            code=code,
                            rule_pack=pack,
                            definition={"code": code, "repair_exclusion": None, "term_months": 24},
                        )
                    )
                )

        def state() -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
            with engine.connect() as connection:
                standards = connection.execute(
                    text("SELECT code, repair_exclusion FROM list_standard ORDER BY code")
                ).all()
                baselines = Table("list_rule_pack_baseline", MetaData(), autoload_with=connection)
                loaded = {
                    row.code: row.definition
                    for row in connection.execute(
                        baselines.select().with_only_columns(
                            baselines.c.code, baselines.c.definition
                        )
                    )
                }
            return [tuple(row) for row in standards], loaded

        upgrade(engine, "0053")
        standards, loaded = state()
        assert standards == [
            (court, "22(3)"),
            ("dishonest_subject", None),
            ("serious_refusing_duties", "22(3)"),
        ]
        assert loaded[court] == {"code": court, "repair_exclusion": "22(3)", "term_months": 24}
        assert loaded["dishonest_subject"]["repair_exclusion"] is None
        _downgrade(engine, "0052")
        standards, loaded = state()
        assert standards[0] == (court, None)
        assert loaded[court] == {"code": court, "repair_exclusion": None, "term_months": 24}
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0054_masks_the_citizen_ids_in_stored_file_names(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A batch's file name stored before 0054 with a citizen ID in it is masked, as the
    pipeline now keeps one (decision 0021, session 19 addendum); other names stay."""
    engine = migrated_test_engine(request.config, tmp_path, "m0054", "0053")
    names = {
        "clear": "张三350102199403157723处罚决定.xlsx",
        "plain": "administrative_penalty.sample.csv",
        "code": "91350100M000100Y43.csv",
    }
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            ids: dict[str, int] = {}
            for name, given in (
                ("organisation", {"code": "11350100MUCQWD187J", "kind": "state_organ"}),
                ("record_type", {"code": "administrative_penalty"}),
            ):
                ids[name] = connection.execute(
                    insert(t[name]).values(_filled(t[name], **given)).returning(t[name].c.id)
                ).scalar_one()
            ids["record_type_version"] = connection.execute(
                insert(t["record_type_version"])
                .values(_filled(t["record_type_version"], record_type_id=ids["record_type"]))
                .returning(t["record_type_version"].c.id)
            ).scalar_one()
            for key, filename in names.items():
                connection.execute(
                    insert(t["batch"]).values(
                        _filled(
                            t["batch"],
                            organisation_id=ids["organisation"],
                            record_type_id=ids["record_type"],
                            record_type_version_id=ids["record_type_version"],
                            content_hash=key * 8,
                            idempotency_key=key,
                            filename=filename,
                        )
                    )
                )
        upgrade(engine, "0054")
        with engine.connect() as connection:
            stored = set(connection.execute(text("SELECT filename FROM batch")).scalars())
        assert stored == {
            "张三350102********7723处罚决定.xlsx",
            "administrative_penalty.sample.csv",
            "91350100M000100Y43.csv",
        }
        _downgrade(engine, "0053")
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0055_limits_the_courts_restriction_to_judgment_debtors_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose measures the lists rule pack loaded before 0055, and back:
    the court's restriction of high consumption, its legal basis the SPC rule on judgment
    debtors, is limited to ``court_judgment_defaulter`` (decision 0008 addendum), and so is
    its rule-pack baseline — the measure is then as the pack ships it, and nothing waits for
    the credit authority; every other measure names no standard. Back, the column and the
    baseline's attribute are gone."""
    from alembic.script import ScriptDirectory
    from sqlalchemy.orm import Session

    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.lists import rule_packs
    from xinyong.rule_pack_changes import PackStatus

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0055").down_revision
    assert isinstance(before, str)
    shipped = {
        code: definition
        for part, definition in rule_packs.ListRulePack.read().parts
        if part is rule_packs.PackPart.MEASURE
        for code in [definition["code"]]
    }
    engine = migrated_test_engine(request.config, tmp_path, "m0055", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            standard, measure = tables.tables["list_standard"], tables.tables["measure"]
            baseline = tables.tables["list_rule_pack_baseline"]
            connection.execute(
                insert(standard).values(
                    _filled(
                        standard,
                        code="court_judgment_defaulter",
                        kind="black",
                        tier="serious",
                        active=True,
                    )
                )
            )
            for code in ("pun_high_consumption", "pun_appointment"):
                # As loaded and published before 0055: the pack's text, no standard named.
                loaded = {k: v for k, v in shipped[code].items() if k != "standard_codes"}
                now = dt.datetime(2026, 11, 29, 8, tzinfo=dt.UTC)
                connection.execute(
                    insert(measure).values(
                        _filled(measure, **loaded, created_at=now, published_at=now)
                    )
                )
                connection.execute(
                    insert(baseline).values(
                        part="measure",
                        code=code,
                        rule_pack="fuzhou.toml",
                        definition=loaded,
                        recorded_at=now,
                    )
                )
        upgrade(engine, "0055")
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT code, standard_codes FROM measure ORDER BY code")
            ).all()
            kept = connection.execute(
                text("SELECT code, definition FROM list_rule_pack_baseline ORDER BY code")
            ).all()
        decoded = [(code, json.loads(v) if isinstance(v, str) else v) for code, v in rows]
        assert decoded == [
            ("pun_appointment", []),
            ("pun_high_consumption", ["court_judgment_defaulter"]),
        ]
        definitions = {code: json.loads(v) if isinstance(v, str) else v for code, v in kept}
        assert definitions["pun_high_consumption"]["standard_codes"] == ["court_judgment_defaulter"]
        assert "standard_codes" not in definitions["pun_appointment"]
        upgrade(engine)
        with Session(engine) as session:
            for code in ("pun_high_consumption", "pun_appointment"):
                found = rule_packs.item(session, SYSTEM_ACTOR, "measure", code)
                assert found.status is PackStatus.CURRENT, (code, found.changes)
        _downgrade(engine, before)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("measure")}
            assert "standard_codes" not in columns
            kept = connection.execute(text("SELECT definition FROM list_rule_pack_baseline")).all()
            assert all(
                "standard_codes" not in (json.loads(v) if isinstance(v, str) else v)
                for (v,) in kept
            )
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0056_indexes_the_organisations_names_by_pair_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database whose organisations and persons were registered before 0056
    fills the name search's index from the names stored (decision 0012, session 20
    addendum): every key of every organisation's current and former names, with the
    length of that name's core, the keys two names share once, a natural person's none —
    over more organisations than one batch of the migration takes. Back, the table is
    gone."""
    from xinyong.subjects import names, pairs

    engine = migrated_test_engine(request.config, tmp_path, "m0056", "0055")
    organisations = [
        ("legal_person", ["福州新榕食品有限公司", "福州新榕食品店"]),
        ("unincorporated_organisation", ["福州市鼓楼区张三小吃店(个体工商户)"]),
        *(("legal_person", [f"福州第{i}号晨光贸易有限公司"]) for i in range(2050)),
    ]
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            subject, subject_name = tables.tables["subject"], tables.tables["subject_name"]
            registered = [*organisations, ("natural_person", ["新榕食品"])]
            ids = [
                connection.execute(
                    insert(subject)
                    .values(_filled(subject, kind=kind, reference=f"R{n}", name=named[0]))
                    .returning(subject.c.id)
                ).scalar_one()
                for n, (kind, named) in enumerate(registered)
            ]
            connection.execute(
                insert(subject_name),
                [
                    _filled(
                        subject_name,
                        subject_id=sid,
                        name=name,
                        normalised=names.normalise_name(name),
                        core=names.core_name(name),
                        current=i == 0,
                    )
                    for sid, (_kind, named) in zip(ids, registered, strict=True)
                    for i, name in enumerate(named)
                ],
            )
        upgrade(engine, "0056")
        with engine.connect() as connection:
            indexed = connection.execute(
                text("SELECT pair, core_length, subject_id FROM subject_name_pair")
            ).all()
        expected = pairs.rows_of_names(
            (sid, names.normalise_name(name), names.core_name(name))
            for sid, (_kind, named) in zip(ids[:-1], organisations, strict=True)
            for name in named
        )
        assert sorted(tuple(row) for row in indexed) == expected
        person = ids[-1]
        assert person not in {row[2] for row in indexed}
        first = ids[0]
        assert (pairs.key("新", "榕"), 4, first) in expected  # once for both its names
        _downgrade(engine, "0055")
        with engine.connect() as connection:
            assert "subject_name_pair" not in inspect(connection).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0060_moves_the_signed_forms_encrypted_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A consent's signed form stored by 0059 in the clear on the consent row: 0060 moves it
    to ``consent_form`` encrypted under its consent's context (review, session 23), and the
    downgrade puts it back as it was."""
    import base64

    from xinyong.collection.consent import form_context
    from xinyong.crypto import default_cipher

    document = base64.b64encode(b"%PDF-1.7\n% signed consent form\n").decode()
    engine = migrated_test_engine(request.config, tmp_path, "m0060", "0059")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            organisation = tables.tables["organisation"]
            connection.execute(
                insert(organisation).values(
                    _filled(organisation, id=1, kind="credit_service_institution")
                )
            )
            subject = tables.tables["subject"]
            connection.execute(
                insert(subject).values(_filled(subject, id=1, kind="natural_person"))
            )
            consent = tables.tables["consent"]
            for consent_id, form in ((1, document), (2, None)):
                connection.execute(
                    insert(consent).values(
                        _filled(
                            consent,
                            id=consent_id,
                            subject_id=1,
                            grantee_organisation_id=1,
                            record_type_codes=["contract_performance"],
                            evidence_document=form,
                        )
                    )
                )
        upgrade(engine)
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("consent")}
            assert "evidence_document" not in columns
            rows = connection.execute(
                text("SELECT consent_id, kind, ciphertext FROM consent_form")
            ).all()
            assert [(i, k) for i, k, _ in rows] == [(1, "pdf")]
            assert document not in rows[0][2]
            assert default_cipher().decrypt(rows[0][2], context=form_context(1)) == document
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0059")
        with engine.connect() as connection:
            assert "consent_form" not in inspect(connection).get_table_names()
            kept = connection.execute(
                text("SELECT id, evidence_document FROM consent ORDER BY id")
            ).all()
            assert [tuple(row) for row in kept] == [(1, document), (2, None)]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0065_marks_the_names_corrected_on_upheld_objections_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A name a person was registered under and proved wrong on an upheld objection (0061's
    former name) is marked corrected from the day the rename ended it; a name left by a
    rejected objection, or a current name, is not."""
    engine = migrated_test_engine(request.config, tmp_path, "m0065", "0061")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            subject = tables.tables["subject"]
            subject_name = tables.tables["subject_name"]
            name_objection = tables.tables["name_objection"]
            for subject_id in (1, 2):
                connection.execute(
                    insert(subject).values(
                        _filled(
                            subject,
                            id=subject_id,
                            kind="natural_person",
                            reference=f"P{subject_id}",
                        )
                    )
                )
            names = [
                (1, 1, "王某某", False, dt.date(2026, 12, 1)),  # upheld: corrected
                (2, 1, "王小明", True, None),
                (3, 2, "李某", False, dt.date(2026, 11, 2)),  # rejected objection: stands
                (4, 2, "李某某", True, None),
            ]
            for name_id, subject_id, name, current, valid_to in names:
                connection.execute(
                    insert(subject_name).values(
                        _filled(
                            subject_name,
                            id=name_id,
                            subject_id=subject_id,
                            name=name,
                            current=current,
                            valid_to=valid_to,
                        )
                    )
                )
            for objection_id, subject_id, registered, status in (
                (1, 1, "王某某", "upheld"),
                (2, 2, "李某", "rejected"),
            ):
                connection.execute(
                    insert(name_objection).values(
                        _filled(
                            name_objection,
                            id=objection_id,
                            subject_id=subject_id,
                            registered_name=registered,
                            status=status,
                        )
                    )
                )
        upgrade(engine)
        with engine.connect() as connection:
            marked = connection.execute(
                text("SELECT id, corrected_on FROM subject_name ORDER BY id")
            ).all()
            assert [(i, _as_date(d)) for i, d in marked] == [
                (1, dt.date(2026, 12, 1)),
                (2, None),
                (3, None),
                (4, None),
            ]
        _downgrade(engine, "0061")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("subject_name")}
            assert "corrected_on" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0066_gives_each_renamed_name_its_predecessor_and_source_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Each name a rename wrote (dated from, in id order) takes the details of the
    subject's ``subject.rename`` audit events in the chain's order, and the name before it
    (the first, the name registered); names given at registration take nothing (review
    r12)."""
    engine = migrated_test_engine(request.config, tmp_path, "m0066", "0065")
    try:
        tables = MetaData()
        registered = {"basis": "registration record", "batch": 7, "record": 11, "version": 2}
        revoked = {
            "basis": "registration record revoked",
            "record": 11,
            "version": 3,
            "stated_by": None,
        }
        with engine.begin() as connection:
            tables.reflect(connection)
            subject = tables.tables["subject"]
            subject_name = tables.tables["subject_name"]
            audit_event = tables.tables["audit_event"]
            for subject_id in (1, 2):
                connection.execute(
                    insert(subject).values(
                        _filled(
                            subject, id=subject_id, kind="legal_person", reference=f"S{subject_id}"
                        )
                    )
                )
            names = [
                (1, 1, "甲公司", False, None),  # registered
                (2, 1, "甲店", False, None),  # a former name given at registration
                (3, 1, "乙公司", False, dt.date(2026, 12, 1)),  # renamed by registration
                (4, 1, "甲公司", True, dt.date(2026, 12, 2)),  # the record revoked
                (5, 2, "丙公司", True, None),  # never renamed
            ]
            for name_id, subject_id, name, current, valid_from in names:
                connection.execute(
                    insert(subject_name).values(
                        _filled(
                            subject_name,
                            id=name_id,
                            subject_id=subject_id,
                            name=name,
                            current=current,
                            valid_from=valid_from,
                        )
                    )
                )
            for sequence, action, target, details in (
                (1, "subject.register", "1", {}),
                (2, "subject.rename", "1", registered),
                (3, "subject.rename", "1", revoked),
            ):
                connection.execute(
                    insert(audit_event).values(
                        _filled(
                            audit_event,
                            sequence=sequence,
                            action=action,
                            target_type="subject",
                            target_id=target,
                            details=details,
                            hash=f"{sequence:064d}",
                            previous_hash=f"{sequence - 1:064d}",
                        )
                    )
                )
        upgrade(engine)
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT id, renamed_from, change_details FROM subject_name ORDER BY id")
            ).all()
            shown = [
                (i, before, json.loads(d) if isinstance(d, str) else d) for i, before, d in found
            ]
            assert shown == [
                (1, None, None),
                (2, None, None),
                (3, "甲公司", registered),
                (4, "乙公司", revoked),
                (5, None, None),
            ]
        _downgrade(engine, "0065")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("subject_name")}
            assert "renamed_from" not in columns
            assert "change_details" not in columns
        upgrade(engine)
    finally:
        engine.dispose()


def _as_date(value: Any) -> dt.date | None:
    # SQLite hands a date column back as text through ``text()``.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def test_migration_0067_keeps_why_grants_were_revoked_back_filled_from_the_audit_trail(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Grants revoked before 0067 get their reason from the audit event of their revocation:
    the system's (the grantee registered again), a subject's, another staff member's (the
    credit authority); one the trail does not name, and one in force, stay NULL. The
    downgrade drops the column."""
    engine = migrated_test_engine(request.config, tmp_path, "m0067", "0066")
    revoked = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            organisation = tables.tables["organisation"]
            connection.execute(
                insert(organisation).values(
                    _filled(organisation, id=1, kind="credit_service_institution")
                )
            )
            subject = tables.tables["subject"]
            connection.execute(
                insert(subject).values(_filled(subject, id=1, kind="natural_person"))
            )
            consent = tables.tables["consent"]
            for consent_id, revoked_at in ((1, revoked), (2, revoked), (3, revoked), (4, None)):
                connection.execute(
                    insert(consent).values(
                        _filled(
                            consent,
                            id=consent_id,
                            subject_id=1,
                            grantee_organisation_id=1,
                            record_type_codes=["contract_performance"],
                            revoked_at=revoked_at,
                        )
                    )
                )
            authorisation = tables.tables["authorisation"]
            for authorisation_id in (1, 2):
                connection.execute(
                    insert(authorisation).values(
                        _filled(
                            authorisation,
                            id=authorisation_id,
                            subject_id=1,
                            grantee_organisation_id=1,
                            record_type_codes=["contract_performance"],
                            revoked_at=revoked,
                        )
                    )
                )
            audit_event = tables.tables["audit_event"]
            events = [
                ("user", "subject", "consent.revoke", {"consent_id": 1}),
                (
                    "system",
                    None,
                    "consent.revoke",
                    {"consent_id": 2, "deregistered_entry": 1, "reason": "…"},
                ),
                ("user", "subject", "authorisation.revoke", {"authorisation_id": 1}),
                ("system", None, "authorisation.revoke", {"authorisation_id": 2}),
                # Consent 3's revocation is in no event; consent 4 is in force.
                ("user", "credit_authority_officer", "consent.revoke", {"consent_id": 4}),
            ]
            for sequence, (kind, role, action, details) in enumerate(events, start=1):
                connection.execute(
                    insert(audit_event).values(
                        _filled(
                            audit_event,
                            sequence=sequence,
                            actor_kind=kind,
                            actor_role=role,
                            action=action,
                            details=details,
                            hash=f"{sequence:064d}",
                        )
                    )
                )
        upgrade(engine)
        with engine.connect() as connection:
            consents = connection.execute(
                text("SELECT id, revocation FROM consent ORDER BY id")
            ).all()
            assert [tuple(row) for row in consents] == [
                (1, "subject"),
                (2, "grantee_registered_again"),
                (3, None),
                (4, None),
            ]
            authorisations = connection.execute(
                text("SELECT id, revocation FROM authorisation ORDER BY id")
            ).all()
            assert [tuple(row) for row in authorisations] == [
                (1, "subject"),
                (2, "grantee_registered_again"),
            ]
        _downgrade(engine, "0066")
        with engine.connect() as connection:
            for table in ("consent", "authorisation"):
                columns = {c["name"] for c in inspect(connection).get_columns(table)}
                assert "revocation" not in columns
            assert connection.execute(text("SELECT count(*) FROM consent")).scalar() == 4
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0070_frees_the_release_keys_client_batches_took_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A client batch keyed `release:N` before such keys were refused gets the prefix
    `client:`, so held row N's release can take its key; the platform's own release batch,
    a `content:` key and a client key that only begins like a release keep theirs. The
    downgrade gives each key back unless a release has taken it since."""
    engine = migrated_test_engine(request.config, tmp_path, "m0070", "0069")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            connection.execute(
                insert(t["organisation"]).values(
                    _filled(t["organisation"], id=1, code="11350100MB0000035X", kind="state_organ")
                )
            )
            connection.execute(
                insert(t["record_type"]).values(
                    _filled(t["record_type"], id=1, code="administrative_penalty")
                )
            )
            connection.execute(
                insert(t["record_type_version"]).values(
                    _filled(t["record_type_version"], id=1, version_no=1, definition={})
                )
            )
            for batch_id, channel, key in (
                (1, "api", "release:7"),
                (2, "cli", "release:8"),
                (3, "review", "release:9"),
                (4, "api", "content:administrative_penalty:0"),
                (5, "api", "release:notes"),
            ):
                connection.execute(
                    insert(t["batch"]).values(
                        _filled(
                            t["batch"],
                            id=batch_id,
                            organisation_id=1,
                            channel=channel,
                            idempotency_key=key,
                            status="completed",
                        )
                    )
                )

        def keys() -> list[str]:
            with engine.connect() as connection:
                return list(
                    connection.execute(
                        text("SELECT idempotency_key FROM batch ORDER BY id")
                    ).scalars()
                )

        upgrade(engine)
        assert keys() == [
            "client:release:7",
            "client:release:8",
            "release:9",
            "content:administrative_penalty:0",
            "release:notes",
        ]
        with engine.begin() as connection:
            # Held row 8 is released after the upgrade: its batch takes `release:8`.
            connection.execute(
                insert(t["batch"]).values(
                    _filled(
                        t["batch"],
                        id=6,
                        organisation_id=1,
                        channel="review",
                        idempotency_key="release:8",
                        status="completed",
                    )
                )
            )
        _downgrade(engine, "0069")
        assert keys() == [
            "release:7",
            "client:release:8",
            "release:9",
            "content:administrative_penalty:0",
            "release:notes",
            "release:8",
        ]
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0071_keeps_the_joint_checks_indexing_progress_apart_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """0071 adds the daily job's progress through a large check's index: a row it writes,
    moves on and deletes (not part of the append-only log); back, the table goes."""
    from alembic.script import ScriptDirectory

    before = ScriptDirectory.from_config(alembic_config()).get_revision("0071").down_revision
    assert isinstance(before, str)
    engine = migrated_test_engine(request.config, tmp_path, "m0071", before)
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            connection.execute(
                insert(t["administrative_matter"]).values(
                    _filled(t["administrative_matter"], code="market_access")
                )
            )
            connection.execute(
                insert(t["joint_check_use"]).values(
                    _filled(
                        t["joint_check_use"],
                        id=1,
                        matter_code="market_access",
                        subject_ids=b"ids",
                        situation_ids=b"situations",
                        indexed_at=None,
                    )
                )
            )
        upgrade(engine, "0071")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO joint_check_use_indexing (use_id, indexed_rows) VALUES (1, 3)")
            )
            connection.execute(text("UPDATE joint_check_use_indexing SET indexed_rows = 6"))
            connection.execute(text("DELETE FROM joint_check_use_indexing"))
        _downgrade(engine, before)
        with engine.connect() as connection:
            assert "joint_check_use_indexing" not in inspect(connection).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0072_names_each_grants_record_types_as_rows_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Upgrading a database holding a consent and an authorisation (0071) to 0072: each code
    in their JSON lists becomes a row of their named types, a code named twice once; back,
    the tables are gone and the grants as they were."""
    engine = migrated_test_engine(request.config, tmp_path, "m0072", "0071")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            t = tables.tables
            person = connection.execute(
                insert(t["subject"])
                .values(_filled(t["subject"], kind="natural_person", reference="P0000000070"))
                .returning(t["subject"].c.id)
            ).scalar_one()
            bank = connection.execute(
                insert(t["organisation"])
                .values(_filled(t["organisation"], code="91350100MB00000701", kind="enterprise"))
                .returning(t["organisation"].c.id)
            ).scalar_one()
            grant = {"subject_id": person, "grantee_organisation_id": bank}
            consent = connection.execute(
                insert(t["consent"])
                .values(
                    _filled(
                        t["consent"],
                        **grant,
                        record_type_codes=["administrative_penalty", "*", "*"],
                    )
                )
                .returning(t["consent"].c.id)
            ).scalar_one()
            authorisation = connection.execute(
                insert(t["authorisation"])
                .values(
                    _filled(
                        t["authorisation"],
                        **grant,
                        record_type_codes=["credit_status", "contract_performance"],
                    )
                )
                .returning(t["authorisation"].c.id)
            ).scalar_one()
        upgrade(engine, "0072")
        with engine.connect() as connection:
            named = connection.execute(
                text("SELECT consent_id, record_type_code FROM consent_record_type ORDER BY 2")
            ).all()
            authorised = connection.execute(
                text(
                    "SELECT authorisation_id, record_type_code FROM authorisation_record_type "
                    "ORDER BY 2"
                )
            ).all()
        assert [tuple(row) for row in named] == [
            (consent, "*"),
            (consent, "administrative_penalty"),
        ]
        assert [tuple(row) for row in authorised] == [
            (authorisation, "contract_performance"),
            (authorisation, "credit_status"),
        ]
        _downgrade(engine, "0071")
        with engine.connect() as connection:
            left = set(inspect(connection).get_table_names())
            assert {"consent_record_type", "authorisation_record_type"}.isdisjoint(left)
            assert connection.execute(text("SELECT count(*) FROM consent")).scalar_one() == 1
        upgrade(engine)
    finally:
        engine.dispose()


def test_migration_0074_moves_the_authorisations_evidence_encrypted_and_back(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A written authorisation's evidence stored in the clear on its row: 0074 moves it to
    ``authorisation_form`` encrypted under its authorisation's context, as 0060 the consents'
    forms (session 25); one without evidence gets no row; the downgrade puts it back."""
    import base64

    from cryptography.exceptions import InvalidTag

    from xinyong.crypto import default_cipher
    from xinyong.disclosure.authorisations import form_context

    upload = base64.b64encode(b"%PDF-1.7\n% signed authorisation\n").decode()
    signed = "本人陈某授权福州海峡商业银行查询合同履约信息。签署人: 陈某"
    given = {1: upload, 2: signed, 3: None, 4: ""}
    engine = migrated_test_engine(request.config, tmp_path, "m0074", "0073")
    try:
        tables = MetaData()
        with engine.begin() as connection:
            tables.reflect(connection)
            organisation = tables.tables["organisation"]
            connection.execute(
                insert(organisation).values(_filled(organisation, id=1, kind="bank"))
            )
            subject = tables.tables["subject"]
            connection.execute(
                insert(subject).values(_filled(subject, id=1, kind="natural_person"))
            )
            authorisation = tables.tables["authorisation"]
            for authorisation_id, evidence in given.items():
                connection.execute(
                    insert(authorisation).values(
                        _filled(
                            authorisation,
                            id=authorisation_id,
                            subject_id=1,
                            grantee_organisation_id=1,
                            record_type_codes=["contract_performance"],
                            evidence_kind="upload" if authorisation_id == 1 else "signed_in_page",
                            evidence=evidence,
                        )
                    )
                )
        upgrade(engine, "0074")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("authorisation")}
            assert "evidence" not in columns
            assert "evidence_sha256" in columns
            rows = connection.execute(
                text(
                    "SELECT authorisation_id, ciphertext FROM authorisation_form "
                    "ORDER BY authorisation_id"
                )
            ).all()
            assert [row[0] for row in rows] == [1, 2]
            for authorisation_id, ciphertext in rows:
                assert given[authorisation_id] not in ciphertext
                assert "陈某" not in ciphertext
                assert (
                    default_cipher().decrypt(ciphertext, context=form_context(authorisation_id))
                    == given[authorisation_id]
                )
            # Under its own row's context only: moved to another row, it does not open.
            with pytest.raises(InvalidTag):
                default_cipher().decrypt(rows[0][1], context=form_context(2))
        _downgrade(engine, "0073")
        with engine.connect() as connection:
            assert "authorisation_form" not in inspect(connection).get_table_names()
            kept = connection.execute(
                text("SELECT id, evidence FROM authorisation ORDER BY id")
            ).all()
            assert [tuple(row) for row in kept] == [(1, upload), (2, signed), (3, None), (4, None)]
        upgrade(engine)
    finally:
        engine.dispose()
