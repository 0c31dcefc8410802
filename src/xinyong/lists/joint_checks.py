"""Joint incentive and punishment checks (联合奖惩, Art. 14–18): for an administrative
matter, each subject's list status, the published measures that apply with their basis,
reasons and implementing body — those the checking organisation implements (Art. 15;
decision 0045) — whether it qualifies for the green channel and 容缺受理
(Art. 16(1): red list, or no bad credit record for three consecutive years, with three
years on record to show them — ``eligibility.known_for``; the years are configuration,
``XINYONG_GREEN_CHANNEL_CLEAN_YEARS``), and — for a natural person — the black-list
entries naming them as a responsible person of a listed organisation, with the measures
that reach responsible persons (Art. 18).

Set-based throughout: a call for 100,000 subjects runs one query per kind of code
(handles; citizen ID numbers by blind index) with all the keys in one parameter (a JSON
array read with ``json_each`` on SQLite, one text unnested with its ordinality on
PostgreSQL), each key with its position, in key order: the subjects through their handle's
index, joined to their entries in force, "has it a recent bad record?" asked only of those
not listed (and, without one, "is it known for the years?"). The common answers come out of the database as UTF-8 text, led by their code:
a registered organisation on no list whole, one with a single entry up to its status;
Python places them by position, appends the measure list of the entry's situation (encoded
once per call), and reads the rest — natural persons, subjects with several entries — in
detail with a second statement. On PostgreSQL Python writes those texts around the name
the database quotes, from rows streamed as the server produces them, so that the two work
side by side (bench/joint_check.py measures it against a raw SQL join)."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from pydantic_core import to_json
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    LargeBinary,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from xinyong import identifiers, texts
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.audit import service as audit
from xinyong.calendar import add_years
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import Category, Polarity
from xinyong.clock import Clock
from xinyong.collection.models import CreditRecord, RecordStatus
from xinyong.crypto import default_cipher
from xinyong.db.prepared import iso_date
from xinyong.disclosure import joint_check_uses
from xinyong.errors import InvalidInput, PermissionDenied
from xinyong.lists import eligibility, entries
from xinyong.lists import measures as measure_catalog
from xinyong.lists.models import (
    AdministrativeMatter,
    EntryStatus,
    ListEntry,
    ListEntryPerson,
    ListKind,
    ListStandard,
    Measure,
    MeasureKind,
    Tier,
)
from xinyong.lists.publicity import mask_code
from xinyong.subjects.models import ResponsibleRole, Subject, SubjectKind
from xinyong.subjects.service import CITIZEN_ID_CONTEXT

MAX_SUBJECTS = 100_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Negative records that no longer count: repaired, revoked or corrected away, or deleted
# after their retention period (rules.md).
NOT_COUNTED = (RecordStatus.REPAIRED, RecordStatus.REVOKED, RecordStatus.DELETED)
# Public handles: a USCC or "P" + 16 hex digits (subjects.service); citizen ID numbers.
_REFERENCE = re.compile(r"[0-9A-Z]{1,24}")
_ALL_HANDLES = re.compile(r"(?:[0-9A-Z]{1,24}\n)*[0-9A-Z]{1,24}")
_CITIZEN_ID_LINE = re.compile(r"^[0-9]{17}[0-9X]$", re.MULTILINE)
_CITIZEN_ID = re.compile(r"[0-9]{17}[0-9X]")
_HANDLE_18 = re.compile(r"[0-9A-Z]{18}")

# Why a subject does or does not get the green channel: a code in each answer, the text
# once per call.
NOT_REGISTERED = "not_registered"
INVALID = "invalid"
ON_BLACK = "on_black"
ON_RED = "on_red"
BAD_RECORD = "bad_record"
TOO_RECENT = "too_recent"
CLEAN = "clean"
RESPONSIBLE_FOR_BLACK = "responsible_for_black"


def green_channel_reasons(clean_years: int | None) -> dict[str, str]:
    """Each reason code in words, with the years Art. 16(1) was answered on — those of the
    check, never today's setting for a past one; None for a past check that did not record
    them (``YEARS_NOT_RECORDED``)."""
    reasons = {
        INVALID: "not a valid code",
        NOT_REGISTERED: "subject not registered",
        ON_BLACK: "on the black list",
        ON_RED: "on the red list (Art. 16(1))",
        RESPONSIBLE_FOR_BLACK: (
            "named as responsible for an organisation on the black list (Art. 18)"
        ),
    }
    if clean_years is None:
        return {**reasons, **YEARS_NOT_RECORDED}
    return {
        **reasons,
        BAD_RECORD: f"a bad credit record within the last {clean_years} years",
        TOO_RECENT: (
            f"on record for less than {clean_years} years: no {clean_years} consecutive years"
            " to show (Art. 16(1))"
        ),
        CLEAN: f"no bad credit record for {clean_years} consecutive years (Art. 16(1))",
    }


# The reasons that count years, for a check from before the years were kept with it
# (migration 0043): what it asked is known, not for how many years.
YEARS_NOT_RECORDED = {
    BAD_RECORD: "a bad credit record within the years then asked for (not recorded)",
    TOO_RECENT: (
        "on record for less than the consecutive years then asked for (not recorded):"
        " none to show (Art. 16(1))"
    ),
    CLEAN: "no bad credit record for the consecutive years then asked for (Art. 16(1);"
    " their number was not recorded)",
}


# Art. 18's capacities in English, as the API's reasons are written: a Chinese capacity in
# an English sentence read as two languages. The pages and the download say the reasons'
# parts (``as_responsible``) in their own language.
ROLES = {role.value: role.in_english for role in ResponsibleRole}


# An unlisted subject's answer is the same text around its name: written out once here, the
# name JSON-quoted by the database. Answers are UTF-8 bytes from the database to the response:
# a hundred thousand of them are neither decoded nor encoded again.
_FOUND = b'{"found":true,"name":'
_FOUND_TEXT = _FOUND.decode()
_UNLISTED = ',"list_status":[],"measures":[]'
_CLEAN = f'{_UNLISTED},"green_channel":true,"green_channel_reason":"{CLEAN}"}}'
_BAD = f'{_UNLISTED},"green_channel":false,"green_channel_reason":"{BAD_RECORD}"}}'
_TOO_RECENT = f'{_UNLISTED},"green_channel":false,"green_channel_reason":"{TOO_RECENT}"}}'
_ON_BLACK = f',"green_channel":false,"green_channel_reason":"{ON_BLACK}"}}'.encode()
_ON_RED = f',"green_channel":true,"green_channel_reason":"{ON_RED}"}}'.encode()
_BAD_END = _BAD.encode()
_TOO_RECENT_END = _TOO_RECENT.encode()
# An unlisted subject's records, as the lookup's statements give them (``_Lookup.record``):
# the answer's ending and the reason for each.
_RECORD_ENDS = (_CLEAN, _BAD, _TOO_RECENT)
_RECORD_REASONS = (CLEAN, BAD_RECORD, TOO_RECENT)


@dataclass(frozen=True)
class JointCheck:
    """One call's answer. ``results[i]`` answers the i-th code given, as JSON text: ``code``
    (as given; a citizen ID number masked); ``found``; ``name``; ``invalid`` (code and
    message) for a code that is no valid USCC or citizen ID number; ``list_status`` (the
    entries in force, maybe none); ``responsible_for`` (entries naming the person as
    responsible, Art. 18; only where there are some); ``measures`` (each in full — name,
    head of Art. 16/17, means, implementing body, basis — with the reasons it applies to
    this subject; maybe none); ``green_channel`` with its ``green_channel_reason`` (a key of
    ``green_channel_reasons``). ``measures`` at the top lists the measures referred to, once.
    ``counts``: codes given, found and invalid; subjects listed, persons named as
    responsible.

    JSON text (UTF-8 bytes) because a hundred thousand answers are mostly the same few words
    around a name: the database quotes the name, the text is put together once, and the API
    sends it as it is; a page reads back the few it shows."""

    matter: str
    matter_name: str
    date: dt.date
    measures: dict[str, dict[str, Any]]
    results: list[bytes]
    counts: dict[str, int]
    clean_years: int

    def to_json(self) -> bytes:
        head = to_json(
            {
                "matter": self.matter,
                "matter_name": self.matter_name,
                "date": self.date.isoformat(),
                "counts": self.counts,
                "clean_years": self.clean_years,
                "green_channel_reasons": green_channel_reasons(self.clean_years),
                "measures": self.measures,
            }
        )
        return b"".join((head[:-1], b',"results":[', b",".join(self.results), b"]}"))

    def answers(self) -> Iterator[dict[str, Any]]:
        return (json.loads(text) for text in self.results)


def _one_of(session: Session, column: Any, values: Sequence[Any], kind: TypeEngine[Any]) -> Any:
    """``column IN values`` with all the values in one parameter, however many there are.
    On PostgreSQL one text split by the server: the driver would otherwise quote a hundred
    thousand array elements one by one (values are handles, hex digests or ids: never a
    line break)."""
    if session.get_bind().dialect.name == "postgresql":
        lines = bindparam(None, "\n".join(map(str, values)), type_=Text())
        return column == any_(cast(func.string_to_array(lines, "\n"), ARRAY(kind)))
    table = func.json_each(to_json(list(values)).decode()).table_valued("value")
    return column.in_(select(table.c.value))


def _quoted(session: Session, column: Any) -> Any:
    """The column as a JSON string, quoted and escaped by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.to_json(column), Text)
    return func.json_quote(column, type_=String)


def _utf8(session: Session, expression: Any) -> Any:
    """Text as its UTF-8 bytes, which the driver hands over as they are (``convert_to`` on
    PostgreSQL: a cast to bytea would read backslashes as escapes)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.convert_to(expression, literal("UTF8", String), type_=LargeBinary)
    return cast(expression, LargeBinary)


def _rows(session: Session, statement: Select[Any] | Any) -> list[tuple[Any, ...]]:
    """The driver's own tuples: a hundred thousand rows need no Row objects or processing
    (every column that would need it is read as text)."""
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


# Rows per network read when streaming: large enough that the driver's per-chunk cost is
# nothing, small enough that Python starts on the first rows while the server joins the rest.
_CHUNK = 2000


def _streamed(session: Session, statement: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """The driver's own tuples as the server sends them (PostgreSQL, libpq 17 or later):
    the caller works on the first rows while the server still produces the rest, where
    ``_rows`` would make the two take turns. Compiled as SQLAlchemy would, bound values
    processed by their types (enumerations to their stored text)."""
    connection = session.connection()
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    processors: dict[str, Any] = dict(compiled._bind_processors)
    parameters = {
        name: processors[name](value) if name in processors else value
        for name, value in compiled.construct_params().items()
    }
    from psycopg import pq

    driver: Any = connection.connection.driver_connection
    if pq.version() < 170000:  # no chunked reads: one fetch, as _rows does
        with driver.cursor() as cursor:
            cursor.execute(compiled.string, parameters)
            yield from cursor.fetchall()
        return
    with driver.cursor() as cursor:
        yield from cursor.stream(compiled.string, parameters, size=_CHUNK)


def _status_json(session: Session) -> Any:
    """An entry's status as the answer shows it, as JSON text written by the database (the
    same keys as ``_Answers._entry``); for rows of an outer join, where there is an entry."""
    standard = select(ListStandard.name).where(ListStandard.id == ListEntry.standard_id)
    fields = (
        ("entry_id", ListEntry.id),
        ("list", ListEntry.kind),
        ("tier", ListEntry.tier),
        ("standard", standard.scalar_subquery()),
        ("basis", ListEntry.legal_basis),
        ("reasons", ListEntry.reasons),
        ("term_end", ListEntry.term_end),
    )
    pairs = [part for name, column in fields for part in (literal(name, String), column)]
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.json_build_object(*pairs), Text)
    return func.json_object(*pairs, type_=String)


# An entry's reasons, as the public lists give them (``lists.entries.public_text``;
# decisions 0037, 0008 addendum): a court defaulter's are the court's record of the conduct,
# which may hold a citizen ID number, and an officer's may name the natural person listed or
# named. The database writes most statuses as JSON text (``_status_json``; with a space
# either side of the colon on PostgreSQL): the reasons are read back from it, and the text
# is kept as it is when masking changes nothing (nearly always).
_REASONS_JSON = re.compile(rb'"reasons" ?: ?("(?:[^"\\]|\\.)*")')
# The entry a status is of: its first key (``_status_json``, ``_assembled``).
_ENTRY_ID_JSON = re.compile(rb'"entry_id" ?: ?([0-9]+)')


def _public_reasons_json(status: bytes, today: dt.date, names: Iterable[str] = ()) -> bytes:
    """``status`` (an answer up to and with an entry's status, as JSON text) with the
    entry's reasons masked as the public lists show them: citizen IDs, and ``names``
    (``_names_masked``). The name before it is quoted, so no ``"reasons"`` or
    ``"entry_id"`` key can be found inside it."""
    found = _REASONS_JSON.search(status)
    if found is None:
        return status
    names = tuple(names)
    # Nearly always nothing to mask: told from the text as written, without decoding the
    # JSON (most of this function's time for the many thousand listed of a large check).
    if not names and identifiers.too_few_digits_for_citizen_id(found[1].decode()):
        return status
    reasons = json.loads(found[1])
    shown = entries.public_text(reasons, today=today, names=names)
    if shown == reasons:
        return status
    return status[: found.start(1)] + to_json(shown) + status[found.end(1) :]


def _in_force(today: dt.date) -> ColumnElement[bool]:
    return and_(
        ListEntry.status == EntryStatus.PUBLISHED,
        ListEntry.term_start <= today,
        ListEntry.term_end >= today,
    )


# Kind, tier and term as stored: the answer wants their text, not enums and dates.
_ENTRY_COLUMNS = (
    ListEntry.id,
    type_coerce(ListEntry.kind, String),
    type_coerce(ListEntry.tier, String),
    ListEntry.standard_id,
    ListEntry.legal_basis,
    ListEntry.reasons,
    type_coerce(ListEntry.term_end, String),
)
# A published entry in force: (id, kind, tier, standard_id, legal_basis, reasons, term_end); a
# subject's own entry (id, kind, tier, standard_id, its status as JSON bytes): the rest is in
# the status, and is read from the table only for the few that need it.
_Entry = tuple[Any, ...]
_OWN_ENTRY_COLUMNS = _ENTRY_COLUMNS[:4]


def _green_channel_reason(held: _Pending, named: list[tuple[Any, ...]] | None) -> str:
    """Why a listed subject or a natural person does or does not get the green channel: its
    own black-list entry, then its naming as responsible for a seriously dishonest
    organisation (Art. 18) — under that organisation's punishment measures in the same
    answer, it is not the trustworthy subject of Art. 16, red-listed or clean as it may
    be — then its red-list entry, then its records of the last years."""
    own = held.entries
    if any(entry[1] == ListKind.BLACK for entry in own):
        return ON_BLACK
    if named and any(row[4] == ListKind.BLACK for row in named):
        return RESPONSIBLE_FOR_BLACK
    if own:
        return ON_RED
    return held.record


_GREEN = frozenset({ON_RED, CLEAN})


@dataclass
class _Pending:
    """A subject whose answer needs more than its name: listed, or a natural person who may
    be named on an organisation's entry (Art. 18)."""

    name: bytes  # JSON-quoted
    record: str  # CLEAN, BAD_RECORD or TOO_RECENT: what its records say, if on no list
    positions: list[int]
    entries: list[_Entry]


def _given(session: Session, keys: list[str]) -> tuple[Any, ColumnElement[Any], int]:
    """The keys as rows (position in ``keys``, key) from one parameter, however many:
    ``json_each`` on SQLite; on PostgreSQL one text split by the server and unnested with
    its ordinality (the driver would otherwise quote a hundred thousand array elements one
    by one; keys are handles or hex digests, never a line break). Also the offset of the
    first position (ordinality counts from 1)."""
    if session.get_bind().dialect.name == "postgresql":
        lines = bindparam(None, "\n".join(keys), type_=Text())
        array = cast(func.string_to_array(lines, "\n"), ARRAY(Text()))
        given = (
            func.unnest(array).table_valued("value", with_ordinality="key").render_derived("given")
        )
        return given, type_coerce(given.c.value, String), 1
    given = func.json_each(to_json(keys).decode()).table_valued("key", "value").alias("given")
    return given, type_coerce(given.c.value, String), 0


class _Lookup:
    """Subjects by code, in one query per kind of code. Each row carries its position among
    the codes, and for the common case — a registered organisation on no list — its whole
    answer, put together by the database around the name it quotes; the subjects whose
    answer needs more are kept to be completed."""

    def __init__(self, session: Session, today: dt.date, count: int, clean_years: int) -> None:
        self.session = session
        self.today = today
        # Public credit information only (Art. 9): the checking agency has no lawful path to
        # market information (Art. 10, 13), and the answer must not reveal that there is any.
        # Polarity and category are the type's in every area (``catalog.TypeWide``: a
        # district's rule keeps them), so the types answer for every record's governing rule.
        negative = [
            tid
            for tid, kind in catalog.type_wide(session).items()
            if kind.polarity is Polarity.NEGATIVE and kind.category is Category.PUBLIC
        ]
        self.bad = (
            select(CreditRecord.id)
            .where(
                CreditRecord.subject_id == Subject.id,
                # "+ 0": not an index term. As one, the planner descends the (subject,
                # record type) index once per negative type; on the subject alone it
                # descends once and reads the few records a subject has.
                (CreditRecord.record_type_id + 0).in_(negative),
                CreditRecord.decision_date >= add_years(today, -clean_years),
                CreditRecord.status.not_in(NOT_COUNTED),
            )
            .exists()
            if negative
            else false()
        )
        # Without a bad record, the years must be there to look back on (Art. 16(1)).
        self.known = eligibility.known_for(session, clean_years, today)
        # An unlisted subject's records: 0 clean, 1 a bad record, 2 too recent to tell (the
        # index into _RECORD_ENDS); a listed subject's are not asked about (0).
        self.record = case(
            (ListEntry.id.is_not(None), 0),
            (self.bad, 1),
            (self.known, 0),
            else_=2,
        )
        self.in_force = and_(ListEntry.subject_id == Subject.id, _in_force(today))
        # One answer per position; None until answered.
        self.answers: list[bytes | None] = [None] * count
        # Positions whose answer still wants its code in front (not put there by SQL).
        self.unled: list[int] = []
        self.pending: dict[int, _Pending] = {}
        # Organisations with one entry in force: (position, answer up to the status, subject,
        # the entry's (kind, tier, standard)).
        self.listed: list[tuple[int, bytes, int, tuple[Any, ...]]] = []
        self.persons: set[int] = set()
        # The unlisted subjects answered in the first statement, by their green channel
        # (for their access logs: what each answer showed).
        self.clean: list[int] = []
        self.bad_record: list[int] = []
        self.too_recent: list[int] = []
        # Every code is a handle that may be shown as given (no citizen ID number to mask).
        self.plain = False

    def by(self, column: Any, keys: list[str], positions: list[int], *, led: bool) -> None:
        """Looks ``keys[i]`` up for the code at ``positions[i]``. ``led``: each key is the
        code as given and may be shown as it is, so the database puts it in front too.

        The first statement answers the common cases with one text each: an organisation on
        no list whole, one on a list with one entry up to its status (its measures follow
        from the entry's kind, tier and standard, which come with it). Natural persons and
        organisations with several entries are only marked, then read in detail by a
        second statement; more columns for every row cost more than that second look."""
        session = self.session
        if session.get_bind().dialect.name == "postgresql":
            self._assembled(column, keys, positions, led=led)
            return
        keys, positions = _in_key_order(keys, positions)
        given, key, base = _given(session, keys)
        rows = self._written(given, column, key, led=led)
        answers = self.answers
        at = positions if base == 0 else [-1, *positions]
        rest: list[int] = []
        listed: list[tuple[Any, ...]] = []
        unled = None if led else self.unled
        clean, bad_record, too_recent = (
            self.clean.append,
            self.bad_record.append,
            self.too_recent.append,
        )
        bad_end, too_recent_end = _BAD_END, _TOO_RECENT_END
        for row in rows:
            answer = row[1]
            if answer:
                if row[3] is None:  # on no list
                    answers[at[row[0]]] = answer
                    if answer.endswith(bad_end):
                        bad_record(row[2])
                    elif answer.endswith(too_recent_end):
                        too_recent(row[2])
                    else:
                        clean(row[2])
                    if unled is not None:
                        unled.append(at[row[0]])
                else:
                    # The status the database wrote, its reasons as the public lists give them.
                    listed.append((row[0], _public_reasons_json(answer, self.today), *row[2:]))
            # A natural person with several entries has as many rows: read in detail once.
            elif answer is not None and (not rest or rest[-1] != row[0]):
                rest.append(row[0])
        # A subject with several entries in force has a row for each, one after the other.
        several = {row[0] for row, after in pairwise(listed) if row[0] == after[0]}
        if several:
            rest = sorted([*rest, *several])
        for n, answer, sid, *situation in listed:
            if n not in several:
                self.listed.append((at[n], answer, sid, tuple(situation)))
                if unled is not None:
                    unled.append(at[n])
        if rest:
            self._pending(column, [keys[n - base] for n in rest], [at[n] for n in rest])

    def _written(self, given: Any, column: Any, key: Any, *, led: bool) -> list[tuple[Any, ...]]:
        """(key's position, answer, subject, entry's kind, tier and standard), the answer
        written by the database: None for a code not registered, empty for one to read in
        detail, or the text up to the entry's status for a listed organisation."""
        session = self.session
        name = _quoted(session, Subject.name)
        lead: Any = (
            literal('{"code":"', String) + key + '","found":true,"name":'
            if led
            else literal(_FOUND.decode(), String)
        )
        text = case(
            (Subject.id.is_(None), None),
            (Subject.kind == SubjectKind.NATURAL_PERSON, b""),
            (
                ListEntry.id.is_(None),
                _utf8(
                    session,
                    lead + name + case((self.bad, _BAD), (self.known, _CLEAN), else_=_TOO_RECENT),
                ),
            ),
            else_=_utf8(session, lead + name + ',"list_status":[' + _status_json(session)),
        )
        return _rows(
            session,
            select(given.c.key, text, Subject.id, *_OWN_ENTRY_COLUMNS[1:])
            .select_from(given)
            # Outer joins keep the positions the outer loop, walked in key order.
            .outerjoin(Subject, column == key)
            .outerjoin(ListEntry, self.in_force),
        )

    def _assembled(self, column: Any, keys: list[str], positions: list[int], *, led: bool) -> None:
        """``by`` on PostgreSQL: the answers put together here from the name (quoted by the
        database), the bad-record flag and the entry's columns — PostgreSQL takes longer to
        concatenate text and build JSON objects for a hundred thousand rows than Python
        does — as the rows arrive, while the server is still joining the rest."""
        session = self.session
        standards: dict[int, str] = dict(
            session.execute(select(ListStandard.id, ListStandard.name)).all()
        )
        keys, positions = _in_key_order(keys, positions)
        given, key, base = _given(session, keys)
        statement = (
            select(
                given.c.key,
                _quoted(session, Subject.name),
                Subject.kind == SubjectKind.NATURAL_PERSON,
                self.record,
                Subject.id,
                *_ENTRY_COLUMNS,
            )
            .select_from(given)
            .outerjoin(Subject, column == key)
            .outerjoin(ListEntry, self.in_force)
        )
        answers = self.answers
        at = positions if base == 0 else [-1, *positions]
        unled = None if led else self.unled
        seen_as = (self.clean.append, self.bad_record.append, self.too_recent.append)
        # Natural persons, to read in detail; organisations on a list: (ordinality, answer
        # up to the status, subject, the entry's kind, tier and standard).
        rest: list[int] = []
        listed: list[tuple[Any, ...]] = []
        for n, name, person, record, sid, *entry in _streamed(session, statement):
            if name is None:
                continue  # not registered
            if person:
                rest.append(n)  # once for each of their entries
                continue
            lead = f'{{"code":"{keys[n - base]}","found":true,"name":' if led else _FOUND_TEXT
            if entry[0] is None:  # on no list
                answers[at[n]] = (lead + name + _RECORD_ENDS[record]).encode()
                seen_as[record](sid)
                if unled is not None:
                    unled.append(at[n])
                continue
            entry_id, kind, tier, standard, basis, reasons, term_end = entry
            # The keys of _status_json, in its order.
            status = {
                "entry_id": entry_id,
                "list": kind,
                "tier": tier,
                "standard": standards.get(standard),
                "basis": basis,
                "reasons": identifiers.mask_citizen_ids(reasons, today=self.today),
                "term_end": iso_date(term_end),
            }
            text = (lead + name + ',"list_status":[').encode() + to_json(status)
            listed.append((n, text, sid, kind, tier, standard))
        # A subject with several entries in force has a row for each: read in detail too.
        rows_of = Counter([row[0] for row in listed])
        several = {n for n, count in rows_of.items() if count > 1}
        for n, answer, sid, *situation in listed:
            if n not in several:
                self.listed.append((at[n], answer, sid, tuple(situation)))
                if unled is not None:
                    unled.append(at[n])
        rest = sorted({*rest, *several})
        if rest:
            self._pending(column, [keys[n - base] for n in rest], [at[n] for n in rest])

    def _pending(self, column: Any, keys: list[str], positions: list[int]) -> None:
        """The registered subjects whose answer needs more than the name, with their
        entries in force (in key order still)."""
        session = self.session
        given, key, base = _given(session, keys)
        statement = (
            select(
                given.c.key,
                _utf8(session, _quoted(session, Subject.name)),
                Subject.kind == SubjectKind.NATURAL_PERSON,
                # Only an unlisted subject's records matter: for a listed one the list decides.
                self.record,
                Subject.id,
                *_OWN_ENTRY_COLUMNS,
                # Most rows are subjects on no list: nothing to write for them.
                case((ListEntry.id.is_not(None), _utf8(session, _status_json(session)))),
            )
            .select_from(given)
            .join(Subject, column == key)
            .outerjoin(ListEntry, self.in_force)
        )
        pending = self.pending
        for row in _rows(session, statement):
            position = positions[row[0] - base]
            sid = row[4]
            held = pending.get(sid)
            if held is None:
                held = pending[sid] = _Pending(row[1], _RECORD_REASONS[row[3]], [], [])
                if row[2]:
                    self.persons.add(sid)
            if position not in held.positions:
                held.positions.append(position)
            # A code given twice brings its subject's entries twice: kept from the first.
            if row[5] is not None and position == held.positions[0]:
                *entry, status = row[5:]
                held.entries.append((*entry, _public_reasons_json(status, self.today)))

    def found(self) -> set[int]:
        """The positions answered or pending so far."""
        done = {p for p, answer in enumerate(self.answers) if answer is not None}
        done.update(position for position, *_ in self.listed)
        return done.union(*(held.positions for held in self.pending.values()))


def _in_key_order(keys: list[str], positions: list[int]) -> tuple[list[str], list[int]]:
    # In key order the index is walked forwards, not jumped about in (about a third faster).
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [keys[i] for i in order], [positions[i] for i in order]


def _resolve(session: Session, codes: list[str], today: dt.date, clean_years: int) -> _Lookup:
    """Looks every code up as a public handle (USCC or reference), and one with the shape
    of a citizen ID number that is no handle by its blind index too; a code that is both a
    registered USCC and a citizen ID number (all digits) is the organisation."""
    lookup = _Lookup(session, today, len(codes), clean_years)
    joined = "\n".join(codes)
    # One pass of the regular expressions over all the codes tells whether they all are
    # handles that may be shown as given (no citizen ID number to mask): the common case.
    # (As many lines as codes: a code with a line break of its own would pass as two, and
    # shift every key after it on its way to the database, which splits them there.)
    handles = joined.count("\n") == len(codes) - 1 and bool(_ALL_HANDLES.fullmatch(joined))
    led = lookup.plain = handles and not _CITIZEN_ID_LIKE_LINE.search(joined)
    if handles:
        keys: list[str] = codes
        positions = list(range(len(codes)))
    else:
        # Codes that arrived with spaces, hyphens, lower case or full-width forms are
        # normalised; what is no handle even then is looked up by nobody.
        keys, positions = [], []
        for position, code in enumerate(codes):
            if not _REFERENCE.fullmatch(code):
                code = identifiers.normalise(code)
                if not _REFERENCE.fullmatch(code):
                    continue
            keys.append(code)
            positions.append(position)
    if session.get_bind().dialect.name == "postgresql":
        # A large key array makes the planner's estimates large enough to switch on JIT
        # compilation, which costs seconds and saves nothing on a query like this one.
        session.execute(text("SET LOCAL jit = off"))
    if keys:
        lookup.by(Subject.reference, keys, positions, led=led)
    # Citizen ID numbers have the shape of handles (digits and X): those not found as one.
    # (Codes that may all be shown as given have none: that was one pass already.)
    if not led and _CITIZEN_ID_LINE.search("\n".join(keys)):
        found = lookup.found()
        blind_index = default_cipher().blind_indexer(context=CITIZEN_ID_CONTEXT)
        people = [
            (blind_index(key), position)
            for key, position in zip(keys, positions, strict=True)
            if position not in found and _CITIZEN_ID_LINE.fullmatch(key)
        ]
        if people:
            indexes, places = zip(*people, strict=True)
            lookup.by(Subject.citizen_id_index, list(indexes), list(places), led=False)
    return lookup


def _responsible(
    session: Session, person_ids: list[int], today: dt.date
) -> dict[int, list[tuple[Any, ...]]]:
    """Art. 18: for each natural person, the entries in force that name them now as a
    responsible person of the listed organisation — (role, organisation code, organisation
    name, *entry)."""
    if not person_ids:
        return {}
    organisation = aliased(Subject)
    rows = _rows(
        session,
        select(
            ListEntryPerson.person_subject_id,
            ListEntryPerson.role,
            func.coalesce(organisation.uscc, organisation.reference),
            organisation.name,
            *_ENTRY_COLUMNS,
        )
        .join(ListEntry, ListEntry.id == ListEntryPerson.entry_id)
        .join(organisation, organisation.id == ListEntry.subject_id)
        .where(
            _one_of(session, ListEntryPerson.person_subject_id, person_ids, BigInteger()),
            # Named now: a person no longer registered for the organisation is not reached
            # (decision 0036).
            ListEntryPerson.ended_on.is_(None),
            _in_force(today),
        )
        .order_by(ListEntry.id, ListEntryPerson.id),
    )
    found: dict[int, list[tuple[Any, ...]]] = {}
    for person_id, *rest in rows:
        found.setdefault(person_id, []).append(tuple(rest))
    return found


def _names_masked(
    session: Session,
    lookup: _Lookup,
    responsible: dict[int, list[tuple[Any, ...]]],
    today: dt.date,
) -> dict[int, frozenset[str]]:
    """The natural persons' names the reasons of the entries in the answers may not show,
    by entry (``entries.public_names_where``): a listed person's names, the persons an
    organisation's entry names. Masked here in the statuses already written (those of an
    organisation with one entry, and of the subjects read in detail); the entries naming a
    person as responsible are written later (``_Answers``), with them.

    The organisations with one entry — most of the listed, and no natural person among
    them (``_Lookup.by``) — can only name persons under Art. 18: for them only those are
    read, by entry; the few read in detail and the entries naming a person, in full. Two
    statements at most, for the entries of the call only (most have no name to mask)."""
    listed = lookup.listed
    listed_entries = [_entry_id_of(answer) for _position, answer, _sid, _situation in listed]
    detailed = [entry[0] for held in lookup.pending.values() for entry in held.entries]
    detailed += [row[3] for rows in responsible.values() for row in rows]
    names: dict[int, frozenset[str]] = {}
    if listed_entries:
        names.update(
            entries.named_persons_names_where(
                session, _one_of(session, ListEntry.id, listed_entries, BigInteger())
            )
        )
    if detailed:
        names.update(
            entries.public_names_where(
                session, _one_of(session, ListEntry.id, detailed, BigInteger())
            )
        )
    if not names:
        return names
    for i, (position, answer, sid, situation) in enumerate(listed):
        masked = names.get(listed_entries[i])
        if masked:
            listed[i] = (position, _public_reasons_json(answer, today, masked), sid, situation)
    for held in lookup.pending.values():
        held.entries = [
            (*entry[:-1], _public_reasons_json(entry[-1], today, names[entry[0]]))
            if entry[0] in names
            else entry
            for entry in held.entries
        ]
    return names


def _entry_id_of(status: bytes) -> int:
    """The id of the entry whose status ``status`` holds (its first key, ``_status_json``)."""
    found = _ENTRY_ID_JSON.search(status)
    assert found is not None, "a listed organisation's answer holds its entry's status"
    return int(found[1])


def check(
    session: Session,
    clock: Clock,
    actor: Actor,
    matter_code: str,
    codes: list[str],
    *,
    clean_years: int,
) -> JointCheck:
    """``clean_years``: the consecutive years without a bad record (and on record) that give
    the green channel (Art. 16(1); ``XINYONG_GREEN_CHANNEL_CLEAN_YEARS``, 3 by default)."""
    require(actor, Permission.JOINT_CHECK)
    matter = measure_catalog.matter(session, matter_code)
    offered = _offered(session, actor, matter)
    if not codes:
        raise InvalidInput("name at least one subject", code="required", field="subjects")
    if len(codes) > MAX_SUBJECTS:
        raise InvalidInput(
            f"at most {MAX_SUBJECTS:,} subjects in one call", code="too_many", field="subjects"
        )
    with _collector_paused():
        return _check(session, clock, actor, matter, offered, codes, clean_years)


def _offered(session: Session, actor: Actor, matter: AdministrativeMatter) -> list[Measure]:
    """The published measures of the matter the checking organisation implements (Art. 15;
    decision 0045). None: the organisation has no measure to apply in the matter, and so no
    duty the subjects' list status, names and records would serve (Art. 13 ¶2) — the check
    is refused before any subject is looked up."""
    offered = measure_catalog.published_measures(session, matter_code=matter.code)
    if actor.kind != "system":
        organisation = measure_catalog.organisation_of(session, actor)
        offered = [m for m in offered if measure_catalog.implements(m, organisation)]
    if not offered:
        raise PermissionDenied(
            "your organisation implements no published measure in this administrative "
            "matter: a joint check answers only where it applies measures",
            code="no_measures_in_matter",
            field="matter",
            article="Art. 15",
        )
    return offered


def _check(
    session: Session,
    clock: Clock,
    actor: Actor,
    matter: AdministrativeMatter,
    offered: list[Measure],
    codes: list[str],
    clean_years: int,
) -> JointCheck:
    today = clock.today()
    lookup = _resolve(session, codes, today, clean_years)
    standards: dict[int, str] = {}
    standard_codes: dict[int, str] = {}
    for standard_id, code, name in session.execute(
        select(ListStandard.id, ListStandard.code, ListStandard.name)
    ):
        standards[standard_id], standard_codes[standard_id] = name, code
    responsible = _responsible(session, sorted(lookup.persons), today)
    names = _names_masked(session, lookup, responsible, today)
    parts = _Answers(offered, standards, standard_codes, today, names)
    answers = lookup.answers
    unled = lookup.unled
    # For the access logs (Art. 24): every registered subject answered about, and the index
    # of what its answer showed in ``situations`` — the unlisted first, then each situation
    # of the listed, once.
    seen = lookup.clean + lookup.bad_record + lookup.too_recent
    shown = [0] * len(lookup.clean) + [1] * len(lookup.bad_record) + [2] * len(lookup.too_recent)
    situations: list[dict[str, Any]] = [
        {"green_channel_reason": CLEAN},
        {"green_channel_reason": BAD_RECORD},
        {"green_channel_reason": TOO_RECENT},
    ]
    situation_of: dict[Any, int] = {}
    listed_subjects = set()
    for position, answer, sid, situation in lookup.listed:
        answers[position] = answer + parts.rest_of_listed(situation)
        listed_subjects.add(sid)
        index = situation_of.get(situation)
        if index is None:
            index = situation_of[situation] = len(situations)
            situations.append(parts.seen_listed(situation))
        seen.append(sid)
        shown.append(index)
    listed = len(listed_subjects)
    for sid, held in lookup.pending.items():
        named = responsible.get(sid)
        answer = parts.complete(held, named)
        listed += bool(held.entries)
        for position in held.positions:
            answers[position] = answer
        unled += held.positions
        what = parts.seen(held, named)
        key = to_json(what)
        index = situation_of.get(key)
        if index is None:
            index = situation_of[key] = len(situations)
            situations.append(what)
        seen.append(sid)
        shown.append(index)
    missing = answers.count(None)
    invalid = 0
    if missing:
        for position, known in enumerate(answers):
            if known is None:
                answers[position], bad_code = _unfound(codes[position], today)
                invalid += bad_code
                unled.append(position)
    if lookup.plain:
        for position in unled:
            unlead = answers[position]
            assert unlead is not None
            answers[position] = b'{"code":"' + codes[position].encode() + b'",' + unlead[1:]
    else:
        for position in unled:
            answers[position] = _led(codes[position], answers[position])  # type: ignore[arg-type]
    counts = {
        "subjects": len(codes),
        "found": len(codes) - missing,
        "listed": listed,
        "responsible": len(responsible),
        "invalid": invalid,
    }
    use = joint_check_uses.record(
        session,
        clock,
        actor,
        matter_code=matter.code,
        subject_ids=seen,
        situation_ids=shown,
        situations=situations,
        clean_years=clean_years,
    )
    # The check's one audit event witnesses its row in the subjects' logs (decision 0003).
    audit.record(
        session,
        clock,
        actor.audit(),
        joint_check_uses.CHECK_ACTION,
        target_type="joint_check_use",
        target_id=use.id,
        details={"matter": matter.code, **counts, **use.details},
    )
    return JointCheck(
        matter=matter.code,
        matter_name=matter.name,
        date=today,
        measures=parts.catalogue(),
        results=answers,  # type: ignore[arg-type]  # no None left
        counts=counts,
        clean_years=clean_years,
    )


_PLAIN_CODE = re.compile(r"[0-9A-Za-z]{1,40}")
_CITIZEN_ID_LIKE = re.compile(r"[0-9]{14,}[0-9Xx]")
_CITIZEN_ID_LIKE_LINE = re.compile(r"^[0-9]{14,}[0-9Xx]$", re.MULTILINE)


def _led(code: str, answer: bytes) -> bytes:
    """The answer led by the code it answers, as given — a citizen ID number (or what looks
    like one) masked, so that no ID number travels back even to the caller."""
    if _PLAIN_CODE.fullmatch(code) and not _CITIZEN_ID_LIKE.fullmatch(code):
        return b'{"code":"' + code.encode() + b'",' + answer[1:]
    return b'{"code":' + to_json(mask_code(code)) + b"," + answer[1:]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while a call's rows and answers are built: with a hundred
    thousand fresh tuples alive it would walk the whole heap several times over, finding
    nothing (rows hold no cycles; reference counting frees them). Left as found, so that
    concurrent calls never leave it off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_NOT_REGISTERED = to_json(
    {
        "found": False,
        "list_status": [],
        "measures": [],
        "green_channel": False,
        "green_channel_reason": NOT_REGISTERED,
    }
)


def _unfound(code: str, today: dt.date) -> tuple[bytes, bool]:
    """A code nobody registered: said so, or, when it is no valid code at all, why not
    (the message never repeats a citizen ID number)."""
    # Most are well-formed organisation codes: with a letter other than a final X, such a
    # code is no citizen ID number, so the USCC check alone tells that it is valid (the full
    # check tries both kinds: 95,000 unknown codes took 0.93 s of CPU with it, 0.57 s so).
    if (
        _HANDLE_18.fullmatch(code)
        and not _CITIZEN_ID.fullmatch(code)
        and identifiers.check(code, today=today, kind=identifiers.IdentifierKind.USCC).valid
    ):
        return _NOT_REGISTERED, False
    verdict = identifiers.check(code, today=today)
    if verdict.valid or verdict.error is None:
        return _NOT_REGISTERED, False
    answer: dict[str, Any] = {
        "found": False,
        "invalid": {"code": verdict.error.code, "message": verdict.error.message},
        "list_status": [],
        "measures": [],
        "green_channel": False,
        "green_channel_reason": INVALID,
    }
    return to_json(answer), True


class _Answers:
    """The parts of a listed subject's answer: each entry's status built once, and the
    measure list once per combination of entries (kind, tier, standard) — the same for
    every subject in that situation."""

    def __init__(
        self,
        published: list[Measure],
        standards: dict[int, str],
        codes: dict[int, str],
        today: dt.date,
        names: dict[int, frozenset[str]],
    ) -> None:
        self.published = published
        # The recognition standards' names and codes, by id.
        self.standards = standards
        self.codes = codes
        self.today = today
        # The names each entry's reasons may not show (``_names_masked``).
        self.names = names
        self._measures: dict[tuple[Any, ...], tuple[dict[str, Any], ...]] = {}
        self._status: dict[int, dict[str, Any]] = {}
        self._measures_text: dict[tuple[Any, ...], bytes] = {}
        self._rest_of_listed: dict[tuple[Any, ...], bytes] = {}
        self.used: set[str] = set()

    def complete(self, held: _Pending, named: list[tuple[Any, ...]] | None) -> bytes:
        """The answer of a listed subject or a natural person, as JSON text."""
        rest: dict[str, Any] = {}
        own = held.entries
        if own:
            if len(own) > 1:
                own.sort(key=lambda entry: int(entry[0]))
            on_black = any(entry[1] == ListKind.BLACK for entry in own)
            if not named:
                # The common case, put together from parts encoded once: each entry's
                # status, and the measure list of each situation.
                return b"".join(
                    (
                        _FOUND,
                        held.name,
                        b',"list_status":[',
                        b",".join([entry[4] for entry in own]),
                        b"]",
                        self._measures_json(own),
                        _ON_BLACK if on_black else _ON_RED,
                    )
                )
        rest["list_status"] = [json.loads(entry[4]) for entry in own]
        if named:
            rest["responsible_for"] = [self.responsibility(row) for row in named]
        measures = [*self.measures(own)] if own else []
        if named:
            codes = {m["code"] for m in measures}
            measures += [m for m in self.responsible_measures(named) if m["code"] not in codes]
        rest["measures"] = measures
        reason = _green_channel_reason(held, named)
        rest["green_channel"] = reason in _GREEN
        rest["green_channel_reason"] = reason
        return b"".join((_FOUND, held.name, b",", to_json(rest)[1:]))

    def seen_listed(self, situation: tuple[Any, ...]) -> dict[str, Any]:
        """What the answer of an organisation with one entry in force, whose (kind, tier,
        standard) is ``situation``, showed: for its access log (Art. 24)."""
        kind, _tier, standard_id = situation
        return {
            "green_channel_reason": ON_BLACK if kind == ListKind.BLACK else ON_RED,
            "standard_ids": [standard_id],
            "measures": [m["code"] for m in self.measures([(None, *situation)])],
        }

    def seen(self, held: _Pending, named: list[tuple[Any, ...]] | None) -> dict[str, Any]:
        """What the answer of a listed subject or a natural person showed (``complete``):
        for its access log (Art. 24). Only references: standards, measures, organisations."""
        own = held.entries
        what: dict[str, Any] = {"green_channel_reason": _green_channel_reason(held, named)}
        if own:
            what["standard_ids"] = sorted({entry[3] for entry in own})
        measures = [m["code"] for m in self.measures(own)] if own else []
        if named:
            what["responsible_for"] = [
                {
                    "role": role,
                    "organisation": {"code": organisation_code, "name": organisation_name},
                    "standard_id": entry[3],
                }
                for role, organisation_code, organisation_name, *entry in named
            ]
            measures += [
                m["code"] for m in self.responsible_measures(named) if m["code"] not in measures
            ]
        if measures:
            what["measures"] = measures
        return what

    def rest_of_listed(self, situation: tuple[Any, ...]) -> bytes:
        """What follows the status of an organisation with one entry in force, whose
        (kind, tier, standard) is ``situation``: the same for every one in that situation."""
        found = self._rest_of_listed.get(situation)
        if found is None:
            on_black = situation[0] == ListKind.BLACK
            found = self._rest_of_listed[situation] = b"".join(
                (
                    b"]",
                    self._measures_json([(None, *situation)]),
                    _ON_BLACK if on_black else _ON_RED,
                )
            )
        return found

    def _measures_json(self, own: list[_Entry]) -> bytes:
        key = own[0][1:4] if len(own) == 1 else tuple([entry[1:4] for entry in own])
        found = self._measures_text.get(key)
        if found is None:
            measures = self.measures(own)
            found = self._measures_text[key] = b',"measures":' + to_json(measures)
        return found

    def _entry(self, entry: _Entry) -> dict[str, Any]:
        found = self._status.get(entry[0])
        if found is None:
            entry_id, kind, tier, standard_id, basis, reasons, term_end = entry[:7]
            found = self._status[entry_id] = {
                "entry_id": entry_id,
                "list": kind,
                "tier": tier,
                "standard": self.standards.get(standard_id),
                "basis": basis,
                "reasons": entries.public_text(
                    reasons, today=self.today, names=self.names.get(entry_id, ())
                ),
                "term_end": iso_date(term_end),
            }
        return found

    def measures(self, own: list[_Entry]) -> tuple[dict[str, Any], ...]:
        # (kind, tier, standard_id) of each entry: all a measure list depends on.
        key = own[0][1:4] if len(own) == 1 else tuple([entry[1:4] for entry in own])
        found = self._measures.get(key)
        if found is None:
            held = [
                _Held(
                    Tier(tier),
                    ListKind(kind),
                    self.codes.get(standard_id, ""),
                    self.standards.get(standard_id, ""),
                )
                for kind, tier, standard_id in (entry[1:4] for entry in own)
            ]
            # Art. 16: incentives (the measures for the red list, ``measures``: an incentive
            # targets nothing else) for trustworthy subjects only. A red-list entry still in
            # force beside a black-list one — from before decision 0041, until the daily
            # job ends it — offers none.
            on_black = any(h.kind is ListKind.BLACK for h in held)
            applying: list[dict[str, Any]] = []
            for m in self.published:  # in the order of the published measure list
                if on_black and m.target is Tier.RED:
                    continue
                matching = [h for h in held if h.reached_by(m)]
                if matching:
                    applying.append({**measure_details(m), **_reasons(m, matching)})
            found = self._measures[key] = tuple(applying)
            self.used.update(m["code"] for m in found)
        return found

    def responsibility(self, row: tuple[Any, ...]) -> dict[str, Any]:
        role, organisation_code, organisation_name, *entry = row
        return {
            **self._entry(tuple(entry)),
            "role": role,
            "organisation": {"code": organisation_code, "name": organisation_name},
        }

    def responsible_measures(self, named: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
        """The published measures that reach responsible persons, for each entry naming the
        person, in the order of the measure list; one per measure."""
        found: dict[str, dict[str, Any]] = {}
        for m in self.published:
            if not m.applies_to_responsible_persons:
                continue
            for role, organisation_code, organisation_name, *entry in named:
                listing = _Held(
                    Tier(entry[2]), ListKind(entry[1]), self.codes.get(entry[3], ""), ""
                )
                if m.code in found or not listing.reached_by(m):
                    continue
                standard = self.standards.get(entry[3], "")
                found[m.code] = {
                    **measure_details(m),
                    "reasons": (
                        f"{ROLES.get(role, role)} of {organisation_name} ({organisation_code}), "
                        f"listed as {standard} (Art. 18); {m.responsible_persons_basis}"
                    ),
                    # The reasons' parts, for a page to say them in its language.
                    "listed_as": [standard],
                    "as_responsible": {
                        "role": role,
                        "organisation": {"code": organisation_code, "name": organisation_name},
                    },
                }
        self.used.update(found)
        return list(found.values())

    def catalogue(self) -> dict[str, dict[str, Any]]:
        """Every published measure of the matter that some answer refers to, in full."""
        return {m.code: measure_details(m) for m in self.published if m.code in self.used}


def measure_details(m: Measure) -> dict[str, Any]:
    details: dict[str, Any] = {
        "code": m.code,
        "name": m.name,
        "kind": m.kind.value,
        "head": f"Art. {16 if m.kind is MeasureKind.INCENTIVE else 17}({m.head})",
        "means": m.means,
        "implementing_body": m.implementing_body,
        "basis": m.legal_basis,
    }
    if m.applies_to_responsible_persons:
        details["responsible_persons_basis"] = m.responsible_persons_basis
    return details


@dataclass(frozen=True)
class _Held:
    """A listing of a subject in an answer: its tier, list, standard's code and name."""

    tier: Tier
    kind: ListKind
    standard_code: str
    standard: str

    def reached_by(self, measure: Measure) -> bool:
        """Whether the measure applies to it: its target tier (a serious-tier subject is on
        the black list too) and, when the measure names them, its standards — the court's
        restriction of high consumption reaches judgment debtors only (``measures.reaches``;
        Art. 15 ¶2, 17)."""
        return measure_catalog.reaches(
            measure, kind=self.kind, tier=self.tier, standard_code=self.standard_code
        )


def _reasons(measure: Measure, held: list[_Held]) -> dict[str, Any]:
    """Why the measure applies: the reasons in words, and the standards the subject is
    listed under that the measure reaches (``held``: ``listed_as``), for a page to say them
    in its language with the measure's basis."""
    matching = [h.standard for h in held]
    return {
        "reasons": f"listed as {'、'.join(matching)}; {measure.legal_basis}",
        "listed_as": matching,
    }


# --- the page and its download ---------------------------------------------------------------


# Control characters no CSV text holds (tab, line feed and carriage return aside).
_BINARY = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}


def codes_from(typed: str, upload: bytes = b"") -> list[str]:
    """The codes of a page submission: typed one per line (or comma-separated), and the
    first column of an uploaded CSV file (UTF-8 or GB18030, a header row skipped)."""
    if len(upload) > MAX_UPLOAD_BYTES:
        raise InvalidInput("the file is too large (20 MiB at most)", code="too_large", field="file")
    codes = [line.strip() for line in typed.replace(",", "\n").splitlines() if line.strip()]
    if upload:
        decoded = texts.decoded_upload(upload)
        if any(ch in _BINARY for ch in decoded[:65536]):
            # GB18030 decodes almost any bytes: an image or a workbook would pass as text
            # and its bytes be checked as codes.
            raise InvalidInput(
                "the file is not a CSV text file: it holds binary content",
                code="format",
                field="file",
            )
        for row in csv.reader(io.StringIO(decoded)):
            first = row[0].strip() if row else ""
            if first and first.lower() not in ("code", "代码", "统一社会信用代码"):
                codes.append(first)
    return codes


@dataclass(frozen=True)
class Row:
    """One answer as a person reads it: the code as typed (a citizen ID number masked), the
    measures in full, the reason in words."""

    position: int
    code: str
    found: bool
    name: str
    invalid: str
    invalid_code: str  # identifiers' error code: the pages explain it in their language
    list_status: list[dict[str, Any]]
    responsible_for: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    green_channel: bool
    green_channel_reason: str
    green_channel_reason_code: str  # a key of green_channel_reasons


def rows(result: JointCheck, codes: Sequence[str]) -> Iterator[Row]:
    reasons = green_channel_reasons(result.clean_years)
    for position, (code, r) in enumerate(zip(codes, result.answers(), strict=True), start=1):
        invalid = r.get("invalid")
        yield Row(
            position=position,
            code=mask_code(code),
            found=r["found"],
            name=r.get("name") or "",
            invalid=invalid["message"] if invalid else "",
            invalid_code=invalid["code"] if invalid else "",
            list_status=list(r.get("list_status", ())),
            responsible_for=list(r.get("responsible_for", ())),
            measures=[{**result.measures[m["code"]], **m} for m in r.get("measures", ())],
            green_channel=r["green_channel"],
            green_channel_reason=reasons[r["green_channel_reason"]],
            green_channel_reason_code=r["green_channel_reason"],
        )
