"""Two writers of collection at once, each in a transaction of its own (PostgreSQL): the
second waits for the first and ends as if it had come after it — two sources' batches
naming the same new company, the same batch sent twice (decision 0006: a replay), two
officers recording one commitment's fulfilment. None is a 500.

``tests.concurrency_helpers`` says why only PostgreSQL shows them: SQLite serialises
writers at BEGIN IMMEDIATE (decision 0002)."""

# Fixtures are imported by name and then received as parameters of the same name.
# ruff: noqa: F811
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    fast_password_hashing,  # noqa: F401 - fixture
    grant,
    ingest,
    new_citizen_id,
    new_uscc,
    penalty_row,
    person_penalty_row,
    registration_row,
    source_columns,
    versions_of,
)
from tests.concurrency_helpers import (  # noqa: F401
    GIVE_UP_AFTER,
    Outcome,
    at_once,
    committed_world,
    ended,
    in_another_transaction,
    in_session,
    staff,
    waiting_for_a_lock,
)
from tests.factories import World
from tests.lists_helpers import REGISTRATION
from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import FixedClock
from xinyong.collection import pipeline, readers, records, registration_names
from xinyong.collection.models import Batch, CreditRecord
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsiblePerson, ResponsibleRole, Subject

pytestmark = pytest.mark.test_database

NEW_COMPANY = "福州新设测试有限公司"
ANOTHER_NEW_COMPANY = "福州另设测试有限公司"


def _submit(
    organisation_id: int, rows: list[dict[str, str]], clock: FixedClock, key: str | None = None
) -> Any:
    def submit(session: Session) -> Any:
        organisation = session.get(Organisation, organisation_id)
        assert organisation is not None
        return ingest(session, clock, organisation, rows, key=key)

    return submit


def _a_regulator_penalty(engine: Engine, built: World) -> tuple[FixedClock, int, dict[str, str]]:
    """The world's clock, the market regulator's id and a new penalty row of it."""
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        return clock, world.organisations["regulator"].id, penalty_row(world)


def test_two_sources_naming_the_same_new_company_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The second batch waits for the first to register the company, then finds it and
    records its row about it, as if it had come second."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    code = new_uscc()
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        other = world.organisations["other_agency"]
        grant(session, clock, other, PENALTY)
        session.commit()
        regulator_id, other_id = world.organisations["regulator"].id, other.id
        first_row = penalty_row(world, subject_name=NEW_COMPANY, subject_uscc=code)
        second_row = penalty_row(
            world, subject_name=NEW_COMPANY, subject_uscc=code, **source_columns(other)
        )

    second = at_once(
        engine,
        _submit(regulator_id, [first_row], clock),
        _submit(other_id, [second_row], clock),
    )

    assert second.refused is None
    report = second.result
    assert (report.batch.created, report.batch.new_subjects, report.problems) == (1, 0, [])
    with Session(engine) as session:
        (company,) = session.scalars(select(Subject).where(Subject.uscc == code)).all()
        sources = session.scalars(
            select(CreditRecord.source_organisation_id).where(CreditRecord.subject_id == company.id)
        ).all()
        assert sorted(sources) == sorted([regulator_id, other_id])


def test_two_sources_naming_the_same_new_person_at_once_under_two_names(
    committed_world: tuple[Engine, World],
) -> None:
    """A person first seen in two batches at once is registered once, by the first; the
    second's row, under another name, is held as it would be had it come second."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    citizen_id = new_citizen_id()
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        other = world.organisations["other_agency"]
        grant(session, clock, other, PENALTY)
        session.commit()
        regulator_id, other_id = world.organisations["regulator"].id, other.id
        first_row = person_penalty_row(world, citizen_id, "林新民")
        second_row = person_penalty_row(world, citizen_id, "林欣敏", **source_columns(other))

    second = at_once(
        engine,
        _submit(regulator_id, [first_row], clock),
        _submit(other_id, [second_row], clock),
    )

    assert second.refused is None
    report = second.result
    assert (report.batch.created, report.batch.held, report.batch.new_subjects) == (0, 1, 0)
    assert [p.code for p in report.problems] == ["name_mismatch"]
    with Session(engine) as session:
        registered = session.scalar(
            select(func.count(Subject.id)).where(Subject.name_normalised == "林新民")
        )
        assert registered == 1
        assert session.scalar(select(func.count(Subject.id)).where(Subject.name == "林欣敏")) == 0


def test_the_same_batch_sent_again_while_the_first_runs(
    committed_world: tuple[Engine, World],
) -> None:
    """A client's retry (or a double click) while the first upload is still running waits
    for it and is answered as its replay: the first report, nothing written again."""
    engine, built = committed_world
    clock, regulator_id, row = _a_regulator_penalty(engine, built)
    submit = _submit(regulator_id, [row], clock)

    second = at_once(engine, submit, submit)

    assert second.refused is None
    report = second.result
    assert report.replayed is True
    assert (report.batch.created, report.batch.rows_total) == (1, 1)
    with Session(engine) as session:
        batches = session.scalar(select(func.count(Batch.id)).where(Batch.id == report.batch.id))
        assert batches == 1
        recorded = session.scalar(
            select(func.count(CreditRecord.id)).where(
                CreditRecord.natural_key.endswith("|" + row["decision_number"])
            )
        )
        assert recorded == 1


def test_one_source_bringing_the_same_new_record_in_two_batches_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """Two uploads of one source, under two idempotency keys, carry the same new penalty
    (a file and its correction sent together, two staff uploading one register): the second
    waits for the first and finds the record there, unchanged — one record, one version,
    not a failure on the record's natural key."""
    engine, built = committed_world
    clock, regulator_id, row = _a_regulator_penalty(engine, built)

    second = at_once(
        engine,
        _submit(regulator_id, [row], clock, key="first-upload"),
        _submit(regulator_id, [row], clock, key="second-upload"),
    )

    assert second.error is None, second.error
    assert second.refused is None, second.refused
    report = second.result
    assert report.replayed is False
    assert (report.batch.created, report.batch.unchanged, report.problems) == (0, 1, [])
    with Session(engine) as session:
        (record,) = session.scalars(
            select(CreditRecord).where(
                CreditRecord.natural_key.endswith("|" + row["decision_number"])
            )
        ).all()
        assert [v.version_no for v in versions_of(session, record.id)] == [1]


def test_two_officers_recording_one_commitments_fulfilment_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """The second waits for the first's lock on the commitment and numbers its version
    after the first's (Art. 24: both are in the history, in the order they were made)."""
    engine, built = committed_world
    clock = FixedClock(built.clock.now())
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        commitment = records.make_commitment(
            session,
            clock,
            accounts.actor_for_user(world.users["company"]),
            commitment_type="守法经营承诺",
            reason="申请许可",
            text="本企业承诺依法经营",
            accepting_unit=world.organisations["regulator"],
        )
        session.commit()
        record_id = commitment.id

    def fulfilled(session: Session) -> Any:
        return records.update_fulfilment(
            session,
            clock,
            staff(session, "reporter"),
            record_id,
            status="fulfilled",
            note="已核实履约",
        )

    def breached(session: Session) -> Any:
        return records.update_fulfilment(
            session,
            clock,
            staff(session, "reporter"),
            record_id,
            status="breached",
            note="核查发现未履约",
        )

    second = at_once(engine, fulfilled, breached)

    assert second.refused is None
    assert second.result.version_no == 3
    with Session(engine) as session:
        history = [
            (v.version_no, v.payload["fulfilment_status"]) for v in versions_of(session, record_id)
        ]
        assert history == [(1, "pending"), (2, "fulfilled"), (3, "breached")]
        again = session.get(CreditRecord, record_id)
        assert again is not None
        assert again.current_version_no == 3


# --- new subjects registered in a batch's later chunks ----------------------------------------


class _Chunked:
    """A batch sent in a transaction of its own whose rows pause after its first chunk: the
    batch goes on once the other batch has written its own first chunk, waits for a lock,
    or has ended — so that each has registered its first new subject before either goes
    for its next."""

    def __init__(self, engine: Engine, organisation_id: int, clock: FixedClock) -> None:
        self.engine = engine
        self.organisation_id = organisation_id
        self.clock = clock
        self.first_chunk_written = threading.Event()
        self.other: _Chunked | None = None
        self.outcome: Outcome | None = None
        self.thread: threading.Thread | None = None

    def start(
        self, rows: list[dict[str, str]], first_chunk: int | None, go: threading.Event
    ) -> None:
        """Sent once ``go`` is set; pausing after ``first_chunk`` rows (None: not at all)."""

        def send(session: Session) -> pipeline.BatchReport:
            organisation = session.get(Organisation, self.organisation_id)
            assert organisation is not None
            reader = readers.rows_from_objects(rows)
            return pipeline.ingest(
                session,
                self.clock,
                SYSTEM_ACTOR,
                pipeline.Submission(
                    organisation=organisation,
                    record_type_code=PENALTY,
                    channel="api",
                    content_hash=pipeline.content_hash_of([repr(rows).encode()]),
                ),
                reader.headers,
                iter(reader) if first_chunk is None else self._pausing(iter(reader), first_chunk),
            )

        self.outcome, self.thread = in_another_transaction(self.engine, send, after=go)

    def _pausing(self, rows: Iterator[readers.RawRow], first_chunk: int) -> Iterator[Any]:
        for _ in range(first_chunk):
            yield next(rows)
        # Asked for the next row: the first chunk is written.
        self.first_chunk_written.set()
        other = self.other
        assert other is not None
        deadline = time.monotonic() + GIVE_UP_AFTER
        while not (
            other.first_chunk_written.is_set()
            or (other.thread is not None and not other.thread.is_alive())
            or (other.outcome is not None and waiting_for_a_lock(self.engine, other.outcome.pid))
        ):
            assert time.monotonic() < deadline, "the other batch neither wrote nor waited"
            time.sleep(0.01)
        yield from rows

    def report(self) -> pipeline.BatchReport:
        assert self.outcome is not None
        assert self.thread is not None
        outcome = ended(self.outcome, self.thread)
        assert outcome.refused is None, outcome.refused
        report: pipeline.BatchReport = outcome.result
        return report


def _two_sources(engine: Engine, built: World) -> tuple[World, int, int]:
    """The world, and the ids of the two sources of penalties (the regulator, another)."""
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        other = world.organisations["other_agency"]
        grant(session, _clock_of(built), other, PENALTY)
        session.commit()
        return world, world.organisations["regulator"].id, other.id


def _clock_of(world: World) -> FixedClock:
    return FixedClock(world.clock.now())


def _registered_once(engine: Engine, codes: list[str], sources: list[int]) -> None:
    """Each company registered once, each with a record from each source."""
    with Session(engine) as session:
        for code in codes:
            (company,) = session.scalars(select(Subject).where(Subject.uscc == code)).all()
            from_sources = session.scalars(
                select(CreditRecord.source_organisation_id).where(
                    CreditRecord.subject_id == company.id
                )
            ).all()
            assert set(from_sources) == set(sources), (code, from_sources)


def test_two_batches_registering_each_others_new_companies_in_later_chunks(
    committed_world: tuple[Engine, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch A names new companies X then Y, batch B names Y then X, a row a chunk: each
    registers its first before either reaches its second. Before, each then waited for the
    other's uncommitted company, and PostgreSQL aborted one batch as a deadlock. Now the
    second to register waits for the first batch to end (``pipeline.REGISTERING``), finds
    the company it registered, and both batches record both rows."""
    engine, built = committed_world
    clock = _clock_of(built)
    world, regulator_id, other_id = _two_sources(engine, built)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 1)
    x, y = new_uscc(), new_uscc()
    x_name, y_name = NEW_COMPANY, ANOTHER_NEW_COMPANY
    first = _Chunked(engine, regulator_id, clock)
    second = _Chunked(engine, other_id, clock)
    first.other, second.other = second, first
    other = world.organisations["other_agency"]
    go = threading.Event()
    first.start(
        [
            penalty_row(world, subject_name=x_name, subject_uscc=x),
            penalty_row(world, subject_name=y_name, subject_uscc=y),
        ],
        1,
        go,
    )
    second.start(
        [
            penalty_row(world, subject_name=y_name, subject_uscc=y, **source_columns(other)),
            penalty_row(world, subject_name=x_name, subject_uscc=x, **source_columns(other)),
        ],
        1,
        go,
    )
    go.set()

    reports = [first.report(), second.report()]

    for report in reports:
        assert (report.batch.created, report.problems) == (2, [])
    assert sum(report.batch.new_subjects for report in reports) == 2
    _registered_once(engine, [x, y], [regulator_id, other_id])


def test_a_small_batch_meeting_a_large_one_that_registers_again(
    committed_world: tuple[Engine, World], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large batch has registered company X in its first chunk and will register Y in a
    later one; a small batch (one chunk) names Y and X, which come in that order. Before, the
    small batch registered Y and waited for X, and the large one, reaching Y, waited for it:
    a deadlock. Now the small batch waits for the large one before it registers anything."""
    engine, built = committed_world
    clock = _clock_of(built)
    world, regulator_id, other_id = _two_sources(engine, built)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    y, x = sorted([new_uscc(), new_uscc()])  # the small batch registers Y first
    x_name, y_name = NEW_COMPANY, ANOTHER_NEW_COMPANY
    large = _Chunked(engine, regulator_id, clock)
    small = _Chunked(engine, other_id, clock)
    large.other, small.other = small, large
    other = world.organisations["other_agency"]
    go = threading.Event()
    large.start(
        [penalty_row(world, subject_name=x_name, subject_uscc=x) for _ in range(3)]
        + [penalty_row(world, subject_name=y_name, subject_uscc=y)],
        3,
        go,
    )
    go.set()
    assert large.first_chunk_written.wait(GIVE_UP_AFTER)
    small.start(
        [
            penalty_row(world, subject_name=y_name, subject_uscc=y, **source_columns(other)),
            penalty_row(world, subject_name=x_name, subject_uscc=x, **source_columns(other)),
        ],
        None,
        go,
    )

    report = large.report()
    assert (report.batch.created, report.batch.new_subjects, report.problems) == (4, 2, [])
    report = small.report()
    assert (report.batch.created, report.batch.new_subjects, report.problems) == (2, 0, [])
    _registered_once(engine, [x, y], [regulator_id, other_id])


def _registration(world: World, name: str, code: str, representative: tuple[str, str]) -> Any:
    """The regulator's batch of one registration record of a new company naming its legal
    representative (decision 0038: the register of responsible persons is fed from it)."""
    regulator = world.organisations["regulator"]
    row = {
        "subject_name": name,
        "subject_category": "法人及非法人组织",
        "subject_uscc": code,
        "entity_type": "有限责任公司",
        "established_on": "2018-03-01",
        "registered_address": "福州市鼓楼区五四路1号",
        "registration_authority": regulator.name,
        "legal_representative": representative[0],
        "id_type": "身份证",
        "id_number": representative[1],
        **source_columns(regulator),
    }
    regulator_id = regulator.id
    clock = _clock_of(world)

    def submit(session: Session) -> pipeline.BatchReport:
        organisation = session.get(Organisation, regulator_id)
        assert organisation is not None
        return ingest(
            session,
            clock,
            organisation,
            [row],
            record_type=REGISTRATION,
            actor=staff(session, "reporter"),
        )

    return submit


@pytest.mark.parametrize("companies", ["new", "known"])
def test_two_registration_batches_naming_the_same_new_legal_representative(
    committed_world: tuple[Engine, World], companies: str
) -> None:
    """Two companies' registrations, in two batches at once, name the same person new to
    the platform as their legal representative: the second batch waits for the first,
    finds the person it registered, and names him for its company too — whether it
    registers its company too, or only him. Before, it registered him again and failed on
    his blind index once the first committed."""
    engine, built = committed_world
    representative = ("郑某某", new_citizen_id())
    first_code, second_code = new_uscc(), new_uscc()
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        if companies == "known":
            ingest(
                session,
                _clock_of(built),
                world.organisations["regulator"],
                [
                    penalty_row(world, subject_name=NEW_COMPANY, subject_uscc=first_code),
                    penalty_row(world, subject_name=ANOTHER_NEW_COMPANY, subject_uscc=second_code),
                ],
            )
            session.commit()

    second = at_once(
        engine,
        _registration(world, NEW_COMPANY, first_code, representative),
        _registration(world, ANOTHER_NEW_COMPANY, second_code, representative),
    )

    assert second.refused is None
    report = second.result
    new_subjects = 1 if companies == "new" else 0
    assert (report.batch.created, report.batch.new_subjects, report.problems) == (
        1,
        new_subjects,
        [],
    )
    with Session(engine) as session:
        (person,) = session.scalars(
            select(Subject).where(
                Subject.citizen_id_index == subjects.citizen_id_index(representative[1])
            )
        ).all()
        named_for = session.scalars(
            select(Subject.uscc)
            .join(ResponsiblePerson, ResponsiblePerson.organisation_subject_id == Subject.id)
            .where(
                ResponsiblePerson.person_subject_id == person.id,
                ResponsiblePerson.role == ResponsibleRole.LEGAL_REPRESENTATIVE,
            )
        ).all()
        assert sorted(named_for) == sorted([first_code, second_code])


def test_two_registration_authorities_renaming_one_company_at_once(
    committed_world: tuple[Engine, World],
) -> None:
    """Two registration authorities' rows name one company by two new names in two batches
    at once (review r7's suspicion, session 22). The second waits for the first's rename and
    then bears the name the registration record written last states — its own — with the
    first's as a former name: one current name, never two."""
    engine, built = committed_world
    first_name, second_name = "福州甲名测试有限公司", "福州乙名测试有限公司"
    with Session(engine, expire_on_commit=False) as session:
        world = in_session(built, session)
        regulator, other = world.organisations["regulator"], world.organisations["other_agency"]
        grant(session, _clock_of(world), regulator, REGISTRATION)
        grant(session, _clock_of(world), other, REGISTRATION)
        company_id = world.subjects["company"].id
        before = world.subjects["company"].name
        regulator_id, other_id = regulator.id, other.id
        first_row = registration_row(world, first_name)
        second_row = registration_row(world, second_name, other)
        session.commit()
    clock = _clock_of(built)

    def by(organisation_id: int, row: dict[str, str]) -> Any:
        def submit(session: Session) -> pipeline.BatchReport:
            organisation = session.get(Organisation, organisation_id)
            assert organisation is not None
            return ingest(session, clock, organisation, [row], record_type=REGISTRATION)

        return submit

    second = at_once(engine, by(regulator_id, first_row), by(other_id, second_row))

    assert second.refused is None
    assert second.result.batch.created == 1
    with Session(engine) as session:
        company = session.get(Subject, company_id)
        assert company is not None
        current = [row.name for row in company.names if row.current]
        assert current == [second_name] == [company.name]
        assert registration_names.stated(session, company_id).name == second_name  # type: ignore[union-attr]
        former = {row.name for row in company.names if not row.current}
        assert {before, first_name} <= former
