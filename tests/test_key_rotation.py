"""Rotating the platform's keys (decision 0054): every ciphertext and blind index made again
under new keys in one transaction, the new keys' check values in the audit chain, and the
new secrets.json written so that a crash at any step leaves the database opening with the
keys it is under."""

# Fixtures are imported from the helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import base64
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    catalog_loaded,  # noqa: F401 - fixture
    collection_world,  # noqa: F401 - fixture
    held_person_row,
    ingest,
    person_penalty_row,
    problems_of,
)
from tests.disclosure_helpers import actor_of, company_penalty, revoke_record
from tests.factories import PersonFactory, World, bind
from tests.lists_helpers import (
    actor,
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    red_candidate,
)
from tests.name_objection_helpers import PNG, raised
from tests.test_cli import (  # noqa: F401 - fixtures
    cli_engine,
    data_dir,
    initialised,
    initialised_once,
    output_of,
    run,
)
from xinyong import crypto, key_files, key_rotation, keys_of_record
from xinyong.accounts.permissions import ANONYMOUS_ACTOR
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import FixedClock, SystemClock
from xinyong.collection import consent as consents
from xinyong.collection.models import (
    Consent,
    ConsentForm,
    CreditRecord,
    QuarantinedRow,
    RecordVersion,
)
from xinyong.collection.pipeline import (
    PAYLOAD_HASH_CONTEXT,
    QUARANTINE_CONTEXT,
    SENSITIVE_CONTEXT,
    payload_digest,
)
from xinyong.config import SECRET_NAMES, Settings, reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.disclosure import authorisations, reports
from xinyong.disclosure.models import AuthorisationForm, CreditReport, CreditReportFile
from xinyong.lists import entries
from xinyong.lists.models import ListObjection
from xinyong.objections import names as name_objections
from xinyong.objections.models import NameObjection
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

CONTACT = "13800000000"
SIGNED_AUTHORISATION = "本人授权查询行政处罚信息，用于核实。签署人: 测试"


def _old() -> key_files.KeySet:
    """The test keys (tests/conftest.py)."""
    return key_files.KeySet(b"e" * 32, b"b" * 32, b"s" * 32)


@dataclass
class Stored:
    """One stored value of every kind, with its plaintext."""

    person: Subject
    citizen_id: str
    record: CreditRecord
    penalty_row: dict[str, str]
    held: QuarantinedRow
    held_values: str
    report_number: str
    report_content: dict[str, Any]
    consent_id: int
    form: bytes
    authorisation_id: int
    name_objection: NameObjection
    comment: ListObjection


@pytest.fixture
def stored(lists_world: World, collection_world: World, db: Session, clock: FixedClock) -> Stored:
    world = lists_world
    person = world.subjects["person"]
    citizen_id = subjects.reveal_citizen_id(person)
    assert citizen_id is not None
    row = person_penalty_row(world, citizen_id, person.name)
    report = ingest(db, clock, world.organisations["regulator"], [row])
    assert problems_of(report) == []
    record = db.scalars(select(CreditRecord).where(CreditRecord.subject_id == person.id)).one()
    # A revoked record: its revocation's version carries the hash of the version revoked.
    revoke_record(db, clock, world, company_penalty(db, clock, world).id)
    held = held_person_row(db, clock, world)
    assert held.values_ciphertext is not None
    held_values = crypto.default_cipher().decrypt(
        held.values_ciphertext, context=QUARANTINE_CONTEXT
    )
    issued = reports.issue(db, clock, actor_of(world, "citizen"), person)
    consents.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        subject=person,
        grantee=world.organisations["regulator"],
        record_type_codes=["administrative_penalty"],
        written=True,
        adverse_consequences_notified=False,
    )
    db.flush()
    consent = db.scalars(select(Consent).where(Consent.subject_id == person.id)).one()
    form = base64.b64encode(PNG).decode()
    consents._keep_form(db, consent, form)
    authorisation = authorisations.grant(
        db,
        clock,
        actor_of(world, "citizen"),
        grantee=world.organisations["regulator"],
        record_type_codes=["administrative_penalty"],
        purpose="核实",
        valid_until=clock.today(),
        evidence_kind="signed_in_page",
        evidence=SIGNED_AUTHORISATION,
    )
    objection = raised(world)
    comment = entries.comment_on(
        db,
        clock,
        ANONYMOUS_ACTOR,
        red_candidate(db, clock, world).id,
        "不宜列为诚信典型。",
        contact=CONTACT,
    )
    db.commit()
    return Stored(
        person=person,
        citizen_id=citizen_id,
        record=record,
        penalty_row=row,
        held=held,
        held_values=held_values,
        report_number=issued.report.number,
        report_content=dict(issued.content),
        consent_id=consent.id,
        form=PNG,
        authorisation_id=authorisation.id,
        name_objection=objection,
        comment=comment,
    )


# Every stored ciphertext ("c") and blind index ("i"), by kind, in id order.
_STORED: dict[str, tuple[Any, tuple[tuple[Any, str], ...]]] = {
    "subject": (
        Subject.id,
        ((Subject.citizen_id_ciphertext, "c"), (Subject.citizen_id_index, "i")),
    ),
    "version": (
        RecordVersion.id,
        ((RecordVersion.sensitive_ciphertext, "c"), (RecordVersion.payload_hash, "i")),
    ),
    "record": (CreditRecord.id, ((CreditRecord.payload_hash, "i"),)),
    "held": (QuarantinedRow.id, ((QuarantinedRow.values_ciphertext, "c"),)),
    "form": (ConsentForm.consent_id, ((ConsentForm.ciphertext, "c"),)),
    "authorisation": (AuthorisationForm.authorisation_id, ((AuthorisationForm.ciphertext, "c"),)),
    "evidence": (NameObjection.id, ((NameObjection.evidence_ciphertext, "c"),)),
    "contact": (ListObjection.id, ((ListObjection.contact_ciphertext, "c"),)),
    "report": (CreditReport.id, ((CreditReport.content_ciphertext, "c"),)),
    # A file part is a new row under a new key: in the order of its content's reports.
    "file": (
        CreditReportFile.ciphertext,
        ((CreditReportFile.key, "i"), (CreditReportFile.ciphertext, "c")),
    ),
}


def _stored_values(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    found: dict[str, list[tuple[Any, ...]]] = {}
    for kind, (order, columns) in _STORED.items():
        query = select(*(column for column, _ in columns))
        if kind == "file":
            query = query.join(
                CreditReport, CreditReport.file_key == CreditReportFile.key
            ).order_by(CreditReport.id)
        else:
            query = query.order_by(order)
        found[kind] = [tuple(row) for row in db.execute(query)]
    return found


def _under(monkeypatch: pytest.MonkeyPatch, keys: key_files.KeySet) -> None:
    """The services read with ``keys`` from now on (the test's default cipher)."""
    monkeypatch.setattr(crypto, "_default", keys.cipher())


def _assert_everything_reads(db: Session, clock: FixedClock, world: World, stored: Stored) -> None:
    # Lookup by ID number finds the same subject; the number reads.
    found = subjects.by_citizen_id(db, stored.citizen_id)
    assert found is not None
    assert found.id == stored.person.id
    db.refresh(stored.person)
    assert subjects.reveal_citizen_id(stored.person) == stored.citizen_id
    # The record's sensitive fields read, and its payload hash is the new key's: the same
    # row sent again is recognised, not a new version.
    version = db.scalars(
        select(RecordVersion).where(RecordVersion.record_id == stored.record.id)
    ).one()
    assert version.sensitive_ciphertext is not None
    sensitive = json.loads(
        crypto.default_cipher().decrypt(version.sensitive_ciphertext, context=SENSITIVE_CONTEXT)
    )
    assert stored.citizen_id in sensitive.values()
    assert version.payload_hash == payload_digest(
        json.dumps(version.payload, ensure_ascii=False, sort_keys=True), sensitive
    )
    again = ingest(db, clock, world.organisations["regulator"], [stored.penalty_row])
    assert problems_of(again) == []
    assert db.scalar(select(func.count()).where(RecordVersion.record_id == stored.record.id)) == 1
    # A held row's values, an issued report, a signed form, an identity document, a
    # commenter's contact.
    db.refresh(stored.held)
    assert stored.held.values_ciphertext is not None
    assert (
        crypto.default_cipher().decrypt(stored.held.values_ciphertext, context=QUARANTINE_CONTEXT)
        == stored.held_values
    )
    reopened = reports.reopen(db, clock, actor_of(world, "citizen"), stored.report_number)
    assert dict(reopened.content) == stored.report_content
    form = consents.signed_form(db, clock, actor_of(world, "citizen"), stored.consent_id)
    assert form.content == stored.form
    signed = authorisations.signed_authorisation(
        db, clock, actor_of(world, "citizen"), stored.authorisation_id
    )
    assert signed.content == SIGNED_AUTHORISATION.encode()
    document = name_objections.evidence(
        db, clock, actor_of(world, "citizen"), stored.name_objection.id
    )
    assert document.content == PNG
    db.refresh(stored.comment)
    assert entries.objection_contact(db, actor(world, "caseofficer"), stored.comment) == CONTACT


ROTATIONS = [
    ("encryption_key",),
    ("blind_index_key",),
    ("session_key",),
    ("encryption_key", "blind_index_key", "session_key"),
]


@pytest.mark.parametrize("names", ROTATIONS, ids=",".join)
def test_a_rotation_rekeys_every_kind_and_everything_reads_after(
    stored: Stored,
    lists_world: World,
    db: Session,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...],
) -> None:
    old = _old()
    keys_of_record.verify(db, clock, old.cipher())
    before = _stored_values(db)
    new = old.rotated(names)

    done = key_rotation.rekey(db, clock, old, new, names)
    db.commit()
    _under(monkeypatch, new)

    after = _stored_values(db)
    rotated = {"c": "encryption_key" in names, "i": "blind_index_key" in names}
    for kind, (_order, columns) in _STORED.items():
        assert len(before[kind]) == len(after[kind]) >= 1, kind
        for position, (_column, what) in enumerate(columns):
            pairs = [
                (b[position], a[position]) for b, a in zip(before[kind], after[kind], strict=True)
            ]
            pairs = [(b, a) for b, a in pairs if b]
            assert pairs or kind in {"version", "subject"}, (kind, what)
            # Every value under a rotated key is another; none other changed.
            assert all((b != a) == rotated[what] for b, a in pairs), (kind, what)
    assert done.not_rekeyed == {}
    _assert_everything_reads(db, clock, lists_world, stored)
    # The check refuses the old keys and takes the new ones; the chain holds.
    keys_of_record.verify(db, clock, new.cipher())
    if set(names) & set(keys_of_record.CHECKED):
        with pytest.raises(keys_of_record.KeysDoNotMatch):
            keys_of_record.verify(db, clock, old.cipher())
    assert audit.verify(db).problem is None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == key_rotation.ACTION)).one()
    assert event.details["rotated"] == list(names)
    assert event.details["after"] == {name: new.checks()[name] for name in names}
    # No key material in it: only check values and counts.
    text = json.dumps(event.details)
    for key in (*(new.get(n) for n in SECRET_NAMES), *(old.get(n) for n in SECRET_NAMES)):
        assert base64.urlsafe_b64encode(key).decode() not in text
        assert key.hex() not in text


def test_a_payload_hash_not_given_again_by_its_content_is_marked_not_left_under_the_old_key(
    stored: Stored, db: Session, clock: FixedClock
) -> None:
    """A hash the stored content does not give again cannot be computed under the new key;
    kept, it would be a hash of an ID number under a key that may have leaked."""
    version = db.scalars(
        select(RecordVersion).where(RecordVersion.record_id == stored.record.id)
    ).one()
    version.payload_hash = "0" * 64
    stored.record.payload_hash = "0" * 64
    db.commit()
    old = _old()
    done = key_rotation.rekey(db, clock, old, old.rotated(["blind_index_key"]), ["blind_index_key"])
    db.refresh(version)
    db.refresh(stored.record)
    assert version.payload_hash == stored.record.payload_hash == key_rotation.NOT_REKEYED
    assert done.not_rekeyed == {"record_version.payload_hash": 1, "credit_record.payload_hash": 1}


def test_a_persons_own_declaration_and_commitment_are_rekeyed(
    stored: Stored, lists_world: World, db: Session, clock: FixedClock
) -> None:
    """Review r15 (LOW): their hash covers the person's ID number, which their version does
    not keep; the rotation takes it from the person, and the hash is the new key's."""
    from xinyong.collection import records

    citizen = actor_of(lists_world, "citizen")
    declared = records.declare(
        db, clock, citizen, title="志愿服务", content="2026 年参加社区志愿服务 120 小时。"
    )
    committed = records.make_commitment(
        db,
        clock,
        citizen,
        commitment_type="信用修复",
        reason="按期履行",
        text="本人承诺按期履行。",
        accepting_unit=lists_world.organisations["regulator"],
    )
    db.commit()
    old = _old()
    new = old.rotated(["blind_index_key", "encryption_key"])
    done = key_rotation.rekey(db, clock, old, new, ["blind_index_key", "encryption_key"])
    assert done.not_rekeyed == {}
    for record in (declared, committed):
        db.refresh(record)
        version = db.scalars(
            select(RecordVersion).where(RecordVersion.record_id == record.id)
        ).one()
        assert version.sensitive_ciphertext is None
        again = new.cipher().blind_index(
            key_rotation.payload_text(
                version.payload, json.dumps({"id_number": stored.citizen_id}).encode()
            ),
            context=PAYLOAD_HASH_CONTEXT,
        )
        assert version.payload_hash == record.payload_hash == again


def test_a_rotation_of_the_blind_index_key_deletes_the_attempt_counts(
    db: Session, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyed by the HMAC of a username or an address, which is not stored: they cannot be
    re-keyed, and are counts of a few minutes."""
    import xinyong.db.models  # noqa: F401 - every table in the metadata
    from xinyong.db.base import Base

    table = Base.metadata.tables[key_rotation.ATTEMPT_COUNTS]
    db.execute(table.insert().values(key_hash="0" * 64, at=clock.now(), reported=False))
    db.commit()
    old = _old()
    first = old.rotated(["encryption_key"])
    kept = key_rotation.rekey(db, clock, old, first, ["encryption_key"])
    assert kept.deleted == {}
    assert db.scalar(select(func.count()).select_from(table)) == 1
    _under(monkeypatch, first)
    done = key_rotation.rekey(
        db, clock, first, first.rotated(["blind_index_key"]), ["blind_index_key"]
    )
    assert done.deleted == {key_rotation.ATTEMPT_COUNTS: 1}
    assert db.scalar(select(func.count()).select_from(table)) == 0
    event = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == key_rotation.ACTION)
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert event is not None
    assert event.details["deleted"] == {key_rotation.ATTEMPT_COUNTS: 1}


def test_a_ciphertext_under_no_key_held_stops_the_rotation(
    stored: Stored, db: Session, clock: FixedClock
) -> None:
    stored.comment.contact_ciphertext = crypto.FieldCipher(b"x" * 32, b"x" * 32).encrypt(
        CONTACT, context=entries.CONTACT_CONTEXT
    )
    db.commit()
    with pytest.raises(key_rotation.RotationRefused, match=r"list_objection\.contact"):
        key_rotation.rekey(
            db, clock, _old(), _old().rotated(["encryption_key"]), ["encryption_key"]
        )


def test_a_dry_run_counts_and_writes_nothing(stored: Stored, db: Session) -> None:
    before = _stored_values(db)
    counts = key_rotation.count(db, SECRET_NAMES)
    assert counts["subject.citizen_id"] >= 1
    assert all(counts[kind] >= 1 for kind in counts)
    assert key_rotation.count(db, ["session_key"]) == {}
    assert _stored_values(db) == before


@given(
    st.lists(st.sampled_from(SECRET_NAMES), min_size=1, unique=True),
    st.sampled_from([",", " , ", ",,"]),
)
def test_key_names_are_read_in_any_order_and_spacing(names: list[str], comma: str) -> None:
    parsed = key_rotation.parse_names(comma.join(names))
    assert parsed == tuple(name for name in SECRET_NAMES if name in names)


@pytest.mark.parametrize("given_names", ["", "encryption", "session_key,foo"])
def test_unknown_key_names_are_refused(given_names: str) -> None:
    with pytest.raises(key_rotation.RotationRefused):
        key_rotation.parse_names(given_names)


# --- the command, its files and crashes ---------------------------------------------------------


def _secrets(folder: Path) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((folder / "secrets.json").read_text())
    return loaded


def _a_person(engine: Engine) -> str:
    """A natural person registered in the command's database, under its keys; its number."""
    reset_settings()
    reset_default_cipher()
    clock = FixedClock(SystemClock().now())
    with unit_of_work(make_session_factory(engine)) as session:
        bind(session, clock)
        person = PersonFactory()
        number = subjects.reveal_citizen_id(person)
    assert number is not None
    return number


def _reads_with_its_keys(engine: Engine, number: str) -> None:
    """The database opens with secrets.json as it is, and the person is found and read."""
    reset_settings()
    reset_default_cipher()
    result = run("audit", "verify")
    assert result.exit_code == 0, output_of(result)
    with unit_of_work(make_session_factory(engine)) as session:
        person = subjects.by_citizen_id(session, number)
        assert person is not None
        assert subjects.reveal_citizen_id(person) == number


def test_the_command_rotates_every_key_and_the_old_secrets_are_refused(
    initialised: Path, cli_engine: Engine
) -> None:
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    (initialised / "old.json").write_text(json.dumps(old))

    with cli_engine.connect() as connection:
        events = connection.scalar(select(func.count()).select_from(AuditEvent))
    dry = run("keys", "rotate", "--dry-run")
    assert dry.exit_code == 0, output_of(dry)
    assert "subject.citizen_id: 1" in output_of(dry)
    assert _secrets(initialised) == old
    assert not (initialised / key_files.PENDING_FILE).exists()
    with cli_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AuditEvent)) == events

    result = run("keys", "rotate")
    assert result.exit_code == 0, output_of(result)
    told = output_of(result)
    assert "everyone logs in again" in told
    assert "subject.citizen_id: 1 re-keyed" in told
    new = _secrets(initialised)
    assert all(new[name] != old[name] for name in SECRET_NAMES)
    assert not (initialised / key_files.PENDING_FILE).exists()
    assert oct((initialised / "secrets.json").stat().st_mode & 0o777) == "0o600"
    _reads_with_its_keys(cli_engine, number)

    # The secrets.json of before is refused, naming the key.
    (initialised / "secrets.json").write_text(json.dumps(old))
    reset_settings()
    refused = run("audit", "verify")
    assert refused.exit_code == 2
    assert "encryption_key" in output_of(refused)


def test_only_the_session_key(initialised: Path, cli_engine: Engine) -> None:
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    result = run("keys", "rotate", "--keys", "session_key")
    assert result.exit_code == 0, output_of(result)
    assert "everyone logs in again" in output_of(result)
    new = _secrets(initialised)
    assert new["session_key"] != old["session_key"]
    assert {n: new[n] for n in keys_of_record.CHECKED} == {
        n: old[n] for n in keys_of_record.CHECKED
    }
    _reads_with_its_keys(cli_engine, number)


def _a_group_layout(folder: Path) -> tuple[int, int]:
    """secrets.json as a hardened deployment has it: readable by the service's group
    (root:service 0640; here this account and another group), returned as owner, group."""
    if os.geteuid() != 0:
        pytest.skip("giving a file another group needs root")
    path = folder / "secrets.json"
    os.chown(path, os.geteuid(), _OTHER_GROUP)
    path.chmod(0o640)
    return os.geteuid(), _OTHER_GROUP


# A group this account is not in (nogroup on Debian).
_OTHER_GROUP = 65534


def _layout(path: Path) -> tuple[int, int, int]:
    status = path.stat()
    return stat.S_IMODE(status.st_mode), status.st_uid, status.st_gid


def test_a_rotation_keeps_the_secrets_files_mode_owner_and_group(
    initialised: Path, cli_engine: Engine
) -> None:
    """The promoted file, and the side file before it, are as secrets.json was: a rotation
    wrote them 0600 owned by the rotating account, and reading the keys as their owner made
    a group-readable secrets.json 0600 — the service locked out either way."""
    number = _a_person(cli_engine)
    owner, group = _a_group_layout(initialised)
    old = _secrets(initialised)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_files, "promote", _crash)
        result = run("keys", "rotate")
    assert isinstance(result.exception, Crash)
    assert _layout(initialised / key_files.PENDING_FILE) == (0o640, owner, group)
    assert _layout(initialised / "secrets.json") == (0o640, owner, group)
    _reads_with_its_keys(cli_engine, number)  # promoted at the opening

    assert _secrets(initialised) != old
    again = run("keys", "rotate", "--keys", "blind_index_key")
    assert again.exit_code == 0, output_of(again)
    assert _layout(initialised / "secrets.json") == (0o640, owner, group)
    _reads_with_its_keys(cli_engine, number)


def test_an_owner_the_account_cannot_give_refuses_before_the_database_is_touched(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = _a_person(cli_engine)
    _a_group_layout(initialised)
    old = _secrets(initialised)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_files.os, "geteuid", lambda: 1000)  # not root, nor the owner
        result = run("keys", "rotate")

    assert result.exit_code == 2, output_of(result)
    said = output_of(result)
    assert said.count("\n") == 1  # one line
    assert "root:nogroup 0640" in said
    assert "run `xinyong keys rotate` as root" in said
    assert "nothing was changed" in said
    assert _secrets(initialised) == old
    assert _layout(initialised / "secrets.json")[0] == 0o640
    assert not (initialised / key_files.PENDING_FILE).exists()
    with cli_engine.connect() as connection:
        rotations = connection.scalar(
            select(func.count()).where(AuditEvent.action == key_rotation.ACTION)
        )
    assert rotations == 0
    _reads_with_its_keys(cli_engine, number)


def test_an_owner_that_cannot_be_given_after_all_leaves_no_side_file(
    initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root without the right to give a file an owner (a container without CAP_CHOWN): the
    side file, made before a key is in it, is removed, and the rotation refused."""
    _a_group_layout(initialised)
    reset_settings()
    settings = Settings()

    def not_permitted(*_args: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(key_files.os, "fchown", not_permitted)
    with pytest.raises(key_files.OwnerNotKept, match="nothing was changed"):
        key_files.write_pending(settings, _old(), SECRET_NAMES)
    assert not (initialised / key_files.PENDING_FILE).exists()


def test_a_key_from_the_environment_is_refused_with_what_to_do(
    initialised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XINYONG_BLIND_INDEX_KEY", _secrets(initialised)["blind_index_key"])
    reset_settings()
    result = run("keys", "rotate")
    assert result.exit_code == 2
    assert output_of(result).count("\n") == 1  # one line
    assert "XINYONG_BLIND_INDEX_KEY" in output_of(result)
    assert "XINYONG_ENCRYPTION_KEY" not in output_of(result)
    # Rotating the others is allowed.
    done = run("keys", "rotate", "--keys", "session_key")
    assert done.exit_code == 0, output_of(done)


def test_refused_while_the_daily_job_runs(initialised: Path, cli_engine: Engine) -> None:
    from xinyong.db.locks import running_alone

    with running_alone(cli_engine, "daily-jobs") as alone:
        assert alone
        result = run("keys", "rotate")
    assert result.exit_code == 2
    assert "another command holds the database" in output_of(result)


class Crash(Exception):
    pass


def _crash(*_args: Any, **_kwargs: Any) -> None:
    raise Crash


@pytest.mark.parametrize("kind", [kind.name for kind in key_rotation.KINDS])
def test_a_crash_while_rekeying_leaves_the_old_keys_and_everything_readable(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    kinds = tuple(
        key_rotation.Kind(k.name, k.table, k.where, k.under, _crash) if k.name == kind else k
        for k in key_rotation.KINDS
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rotation, "KINDS", kinds)
        result = run("keys", "rotate")
    assert isinstance(result.exception, Crash)
    assert _secrets(initialised) == old
    assert not (initialised / key_files.PENDING_FILE).exists()
    _reads_with_its_keys(cli_engine, number)


def test_a_crash_after_the_commit_is_settled_at_the_next_opening(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed between the commit and the rename: the database is under keys that are only
    in the side file, and the next command promotes it."""
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_files, "promote", _crash)
        result = run("keys", "rotate")
    assert isinstance(result.exception, Crash)
    assert _secrets(initialised) == old
    assert (initialised / key_files.PENDING_FILE).exists()
    _reads_with_its_keys(cli_engine, number)
    assert _secrets(initialised) != old
    assert not (initialised / key_files.PENDING_FILE).exists()


def test_a_crash_before_the_commit_leaves_a_side_file_the_next_opening_ignores(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed before the commit, nothing tidied up: the side file's keys are under nothing
    stored; it is not promoted, and the next rotation replaces it."""
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rotation, "rekey", _crash)
        patch.setattr(key_files, "settle_after_failure", _crash)
        result = run("keys", "rotate")
    assert isinstance(result.exception, Crash)
    assert (initialised / key_files.PENDING_FILE).exists()
    _reads_with_its_keys(cli_engine, number)
    assert _secrets(initialised) == old
    again = run("keys", "rotate")
    assert again.exit_code == 0, output_of(again)
    assert not (initialised / key_files.PENDING_FILE).exists()
    _reads_with_its_keys(cli_engine, number)


def test_a_commit_that_went_through_despite_an_error_keeps_its_keys(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error after the database committed (the connection lost with the answer to
    COMMIT): the side file is promoted, not removed."""
    number = _a_person(cli_engine)
    old = _secrets(initialised)
    real = key_rotation.rekey

    def rekey_then_fail(session: Session, *args: Any, **kwargs: Any) -> key_rotation.Rekeyed:
        real(session, *args, **kwargs)
        session.commit()
        raise Crash

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_rotation, "rekey", rekey_then_fail)
        result = run("keys", "rotate")
    assert isinstance(result.exception, Crash)
    assert "committed after all" in output_of(result)
    assert _secrets(initialised) != old
    _reads_with_its_keys(cli_engine, number)


def test_the_app_promotes_a_committed_rotation_at_start(
    initialised: Path, cli_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xinyong.web.app import create_app

    _a_person(cli_engine)
    old = _secrets(initialised)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_files, "promote", _crash)
        run("keys", "rotate")
    reset_settings()
    create_app(Settings())
    assert _secrets(initialised) != old


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(
    st.dictionaries(_TEXT, _TEXT, max_size=6),
    st.dictionaries(_TEXT, _TEXT, max_size=3),
)
def test_a_payload_hash_is_computed_again_from_what_is_stored(
    payload: dict[str, str], sensitive: dict[str, str]
) -> None:
    """The pipeline hashes the payload as its fast encoder writes it and the sensitive
    fields as it encrypts them; the rotation hashes the payload as the database gives it
    back (JSON) and the sensitive fields decrypted: the same text, so the same hash — or a
    rotation would mark every record as changed."""
    from xinyong.collection import pipeline

    cipher = _old().cipher()
    encode = pipeline._CanonicalPayload(payload)
    sealed = pipeline._CANONICAL.encode(sensitive) if sensitive else ""
    at_ingest = cipher.blind_indexer(context=pipeline.PAYLOAD_HASH_CONTEXT)(
        encode(payload) + "\x00" + sealed
    )
    stored_payload = json.loads(json.dumps(payload))
    stored_sensitive = sealed.encode() if sensitive else None
    assert (
        cipher.blind_index(
            key_rotation.payload_text(stored_payload, stored_sensitive),
            context=pipeline.PAYLOAD_HASH_CONTEXT,
        )
        == at_ingest
    )


def test_a_side_file_that_cannot_replace_secrets_stops_the_next_command_with_what_to_do(
    initialised: Path, cli_engine: Engine
) -> None:
    _a_person(cli_engine)

    def refused(_settings: Settings) -> None:
        raise PermissionError(13, "Permission denied")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(key_files, "promote", _crash)
        run("keys", "rotate")
        patch.setattr(key_files, "promote", refused)
        reset_settings()
        result = run("audit", "verify")
    assert result.exit_code == 2
    said = output_of(result)
    assert said.count("\n") == 1  # one line
    assert key_files.PENDING_FILE in said
    assert "move it there" in said


def test_a_value_under_no_key_held_refuses_the_rotation_and_changes_nothing(
    initialised: Path, cli_engine: Engine
) -> None:
    number = _a_person(cli_engine)
    with unit_of_work(make_session_factory(cli_engine)) as session:
        bind(session, FixedClock(SystemClock().now()))
        lost = PersonFactory()
        lost.citizen_id_ciphertext = crypto.FieldCipher(b"x" * 32, b"x" * 32).encrypt(
            "11010519491231002X", context=subjects.CITIZEN_ID_CONTEXT
        )
        lost_id = lost.id
    old = _secrets(initialised)

    result = run("keys", "rotate")

    assert result.exit_code == 2, output_of(result)
    said = output_of(result)
    assert f"subject {lost_id} does not decrypt with the current encryption key" in said
    assert _secrets(initialised) == old
    assert not (initialised / key_files.PENDING_FILE).exists()
    _reads_with_its_keys(cli_engine, number)


# Hashes in the schema under no key of the platform's: of what they hash, in clear.
_UNKEYED = {
    "user_account.password_hash": "argon2, its own salt",
    "user_account.activation_code_hash": "sha256 of a one-time code",
    "api_key.secret_hash": "sha256 of a random secret",
    "audit_event.previous_hash": "the chain",
    "audit_event.hash": "the chain",
    "audit_head.hash": "the chain",
    "batch.content_hash": "sha256 of the file sent",
    # Under the blind-index key, of a username or an address not stored: a rotation of
    # that key deletes the counts instead (key_rotation.ATTEMPT_COUNTS).
    "limited_attempt.key_hash": "deleted by a rotation of the blind-index key",
}


def test_every_column_under_a_key_is_rekeyed() -> None:
    """A column that looks encrypted or keyed is either re-keyed by a rotation or named
    here as under no key: a new encrypted column fails this until its rotation is written."""
    import xinyong.db.models  # noqa: F401 - every table in the metadata
    from xinyong.db.base import Base

    looks_keyed = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.tables.values()
        for column in table.columns
        if any(part in column.name for part in ("cipher", "hash", "digest", "mac"))
        or column.name.endswith("_index")
        or (table.name, column.name) == ("credit_report_file", "key")
    }
    assert looks_keyed - set(_UNKEYED) == key_rotation.REKEYED_COLUMNS
    # The records' kind re-keys their versions with them.
    covered = {kind.table.__tablename__ for kind in key_rotation.KINDS} | {"record_version"}
    assert {column.split(".")[0] for column in key_rotation.REKEYED_COLUMNS} == covered
