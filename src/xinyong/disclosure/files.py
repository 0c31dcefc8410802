"""Assembling a subject's credit file: records, their current content and their history
(sources and reasons for every change, Art. 24), as it stands today or stood on a date.
As of a date, a record shows the version in force then, with that version's decision
date, severity and publicity window (decision 0025).

Two renderings of a record (decision 0037): *as stored*, for the subject itself and for
readers on a lawful path to its non-public data (a written authorisation, a query item
stating a statutory exception); and *as the public file shows it* (``as_public``), for
everyone else — the public pages and API, and a query item stating no exception (Art. 13
¶3): without its change history, without a natural person's name, and with any citizen ID
number in its free text masked. ``build_file(public_only=True)`` and ``public_part`` give
only the second, so no outlet built on them can show the first."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import typing
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    CompoundSelect,
    LargeBinary,
    String,
    Text,
    and_,
    bindparam,
    cast,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from xinyong import identifiers
from xinyong.accounts.models import Organisation
from xinyong.catalog import service as catalog
from xinyong.catalog.definitions import FieldType, RecordTypeDefinition, Severity
from xinyong.catalog.models import RecordType, RecordTypeVersion
from xinyong.clock import CHINA
from xinyong.collection.content import carries_source_content
from xinyong.collection.models import CreditRecord, RecordStatus, RecordVersion
from xinyong.db.base import UTCDateTime
from xinyong.db.prepared import Prepared
from xinyong.disclosure.review import REASON_PREFIX as REVIEW_PREFIX
from xinyong.subjects.models import Subject

_T = TypeVar("_T")

# Statuses in which a record may be shown to the public at all (never DELETED: such a
# record is not read into a file at all).
PUBLISHABLE = (RecordStatus.ACTIVE, RecordStatus.UNDER_OBJECTION, RecordStatus.CORRECTED)


@dataclass(frozen=True, slots=True)
class VersionView:
    version_no: int
    created_at: dt.datetime
    reason: str
    reason_detail: str | None
    status: str
    source_code: str | None
    source_name: str | None
    batch_id: int | None
    # The values in force with this version (decision 0025).
    decision_date: dt.date
    severity: str
    publicity_start: dt.date | None
    publicity_end: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version_no,
            "at": self.created_at.isoformat(),
            "reason": self.reason,
            "detail": self.reason_detail,
            "status": self.status,
            "decision_date": self.decision_date.isoformat(),
            "severity": self.severity,
            "publicity": {
                "start": self.publicity_start.isoformat() if self.publicity_start else None,
                "end": self.publicity_end.isoformat() if self.publicity_end else None,
            },
            "source": {"code": self.source_code, "name": self.source_name},
            "batch": self.batch_id,
        }


def source_units(session: Session, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Code and name of each source organisation among ``ids``, for version views."""
    return {
        unit_id: (code, name)
        for unit_id, code, name in session.execute(
            select(Organisation.id, Organisation.code, Organisation.name).where(
                Organisation.id.in_(list(ids))
            )
        )
    }


def version_view(version: RecordVersion, units: dict[int, tuple[str, str]]) -> VersionView:
    """A stored version as a history row (``units`` from ``source_units``)."""
    unit = units.get(version.source_organisation_id) if version.source_organisation_id else None
    return VersionView(
        version_no=version.version_no,
        created_at=version.created_at,
        reason=version.reason,
        reason_detail=version.reason_detail,
        status=version.status.value,
        source_code=unit[0] if unit else None,
        source_name=unit[1] if unit else None,
        batch_id=version.batch_id,
        decision_date=version.decision_date,
        severity=version.severity,
        publicity_start=version.publicity_start,
        publicity_end=version.publicity_end,
    )


@dataclass(slots=True)
class RecordView:
    id: int
    type_code: str
    definition: RecordTypeDefinition
    source_code: str
    source_name: str
    decision_date: dt.date
    received_at: dt.datetime
    severity: str
    status: str
    self_declared: bool
    public: bool
    publicity_start: dt.date | None
    publicity_end: dt.date | None
    # The rule in force that governs the record (its type's in its source's area, Art. 35;
    # decision 0040): what it shows, whether it is public, when it may be repaired.
    governing_rule: str
    # The rule it was collected under, which set its stored publicity window then.
    collected_under_rule: str
    payload: dict[str, Any]
    # None: withheld, as the public file withholds it (``as_public``); as_dict leaves it out.
    history: list[VersionView] | None = field(default_factory=list)
    # The item as a report lists it and its canonical JSON, made once (``report_item``).
    _report_item: tuple[dict[str, Any], orjson.Fragment] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    # What readers derive from the view, made once and kept with it (``derived``).
    _derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def report_item(self) -> tuple[dict[str, Any], orjson.Fragment]:
        """The record as a report lists it (``as_dict`` without labels) and that item's
        canonical JSON, made on first use and kept with the view. A view is shared
        through the view cache of ``build_file``, so neither may be changed."""
        if self._report_item is None:
            item = self.as_dict(labels=False)
            self._report_item = (item, orjson.Fragment(canonical_json(item)))
        return self._report_item

    def derived(self, key: str, make: Callable[[RecordView], _T]) -> _T:
        """``make(self)``, made on first use under ``key`` and kept with the view (which
        lives as long as nothing it shows changes: the view cache of ``build_file``).
        What is kept is shared by every reader of the view, so it may not be changed."""
        if key in self._derived:
            return typing.cast(_T, self._derived[key])
        made = self._derived[key] = make(self)
        return made

    def labels(self) -> list[dict[str, str]]:
        """The label of every field of the content, in the definition's order."""
        return field_labels(self.definition, self.payload)

    def as_dict(self, *, labels: bool = True) -> dict[str, Any]:
        """The record as JSON: ``content`` is the current version's fields by name, and
        ``labels`` (unless left out, e.g. by a report that lists them once per type) their
        Chinese and English labels from the record type definition."""
        body = {
            "id": self.id,
            "type": self.type_code,
            "type_name": self.definition.name_zh,
            "type_name_en": self.definition.name_en,
            "category": self.definition.category.value,
            "polarity": self.definition.polarity.value,
            "source": {"code": self.source_code, "name": self.source_name},
            "decision_date": self.decision_date.isoformat(),
            "received_at": self.received_at.isoformat(),
            "severity": self.severity,
            "status": self.status,
            "self_declared": self.self_declared,
            "public": self.public,
            "publicity": {
                "start": self.publicity_start.isoformat() if self.publicity_start else None,
                "end": self.publicity_end.isoformat() if self.publicity_end else None,
            },
            "rule": self.governing_rule,
            "collected_under_rule": self.collected_under_rule,
            "content": self.payload,
        }
        if self.history is not None:
            body["history"] = [v.as_dict() for v in self.history]
        if labels:
            body["labels"] = self.labels()
        return body


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, text as is: the same bytes as ``json.dumps(value,
    ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()`` for everything a
    report holds (text, integers, booleans, null; amounts are decimal strings, never
    floats). A value's text does not depend on where it sits, so an item's canonical JSON
    can be made once and placed in a report's as a fragment."""
    return orjson.dumps(
        value, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME, default=str
    )


def field_labels(
    definition: RecordTypeDefinition, content: dict[str, Any] | None = None
) -> list[dict[str, str]]:
    """``[{"name", "zh", "en"}]`` in the definition's order (a list, so the order survives
    canonical JSON with sorted keys): only the fields present in ``content`` when it is
    given (a field the definition does not know is labelled by its name), else every
    field of the definition."""
    labels = [
        {"name": spec.name, "zh": spec.label_zh, "en": spec.label_en}
        for spec in definition.fields
        if content is None or spec.name in content
    ]
    known = {spec.name for spec in definition.fields}
    labels.extend(
        {"name": name, "zh": name, "en": name} for name in content or () if name not in known
    )
    return labels


def free_text_fields(definition: RecordTypeDefinition, content: dict[str, Any]) -> set[str]:
    """The fields of ``content`` that hold what the source wrote in its own words: its
    type's text fields, and any field the type no longer names (kept from an older version
    of it, of unknown kind). Not the typed ones (a date, an amount, a choice, a code, the
    subject's ID number — stored masked, decision 0004)."""
    typed = {spec.name for spec in definition.fields if spec.type is not FieldType.TEXT}
    return {name for name in content if name not in typed}


def public_content(
    definition: RecordTypeDefinition,
    content: dict[str, Any],
    *,
    organisation: bool,
    today: dt.date,
) -> dict[str, Any]:
    """A record's content as the public file shows it (decision 0037): any number its free
    text holds that the platform reads as a citizen ID on ``today`` masked
    (``identifiers.mask_citizen_ids``: 350102********1234, typed with separators or in
    full-width digits too; Art. 4 ¶2, rules.md), and about a natural person, whom the
    public file shows by the masked ID number only, without the name. No citizen ID field
    at all, not even masked (a legal representative's, a person's own): the region and the
    last digits still narrow down whose it is, and what the public needs of a person is
    that it is a person. Every public outlet built on this — the public page and API, a
    public-version report, a query item stating no exception — leaves it out alike. What
    the source submitted is kept as it was (the record is its evidence) and shown so to the
    subject and to readers on a lawful path to its non-public data."""
    free = free_text_fields(definition, content)
    hidden = {spec.name for spec in definition.fields if spec.type is FieldType.CITIZEN_ID}
    if not organisation and definition.subject_name_field:
        hidden.add(definition.subject_name_field)
    return {
        name: identifiers.mask_citizen_ids(value, today=today)
        if name in free and isinstance(value, str)
        else value
        for name, value in content.items()
        if name not in hidden
    }


def as_public(view: RecordView, *, organisation: bool, today: dt.date) -> RecordView:
    """The record as the public file shows it, to anyone without a lawful path to the
    subject's non-public data (the public pages and API, a query item stating no statutory
    exception, Art. 13 ¶3; decision 0037): its content by ``public_content``, and no change
    history — who changed the record, why and what it was before is the subject's to know
    (Art. 24) and names the people who changed it. Made once per view and day, and kept
    with it (``RecordView.derived``), so a report of the same file finds the same views."""

    def rendered(stored: RecordView) -> RecordView:
        return dataclasses.replace(
            stored,
            payload=public_content(
                stored.definition, stored.payload, organisation=organisation, today=today
            ),
            history=None,
        )

    return view.derived(f"public {organisation} {today.isoformat()}", rendered)


def _public(
    definition: RecordTypeDefinition,
    is_organisation: bool,
    status: RecordStatus,
    start: dt.date | None,
    end: dt.date | None,
    awaiting_review: bool,
    day: dt.date,
) -> bool:
    if start is None or awaiting_review or status not in PUBLISHABLE:
        return False
    if not (start <= day and (end is None or day <= end)):
        return False
    return definition.public_about(organisation=is_organisation)


def is_public_on(
    record: CreditRecord, definition: RecordTypeDefinition, subject: Subject, day: dt.date
) -> bool:
    """Public means: a public type, inside its publicity window, cleared by review, in a
    publishable state, and — for a natural person — public by law (Art. 11, rules.md), by
    ``definition``: the rule governing the record (``catalog.governing_rule``)."""
    return _public(
        definition,
        subject.is_organisation,
        record.status,
        record.publicity_start,
        record.publicity_end,
        record.awaiting_review,
        day,
    )


def end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA).astimezone(
        dt.UTC
    )


# The columns a file needs: records joined to their versions, in one query. The payload
# comes as text and dates as the driver gives them: SQLAlchemy's per-value processors
# (JSON, SQLite's date strings, the UTC decorator) cost more than the query itself on a
# file of hundreds of records, so build_file converts them itself (``_day``, ``_moment``).
# On SQLite the payload comes as its UTF-8 bytes, which orjson parses as they are: making
# a str of each (hundreds of KB of CJK text a file) cost a sixth of the query.
# The decision date, severity and publicity window are each version's (decision 0025); the
# record's decision date (position 3) only orders the file as it stands today.
_FILE_COLUMNS = (
    CreditRecord.id.label("record_id"),
    CreditRecord.record_type_id,
    CreditRecord.source_organisation_id,
    type_coerce(CreditRecord.decision_date, String),
    type_coerce(CreditRecord.received_at, String),
    RecordVersion.severity,
    CreditRecord.self_declared,
    type_coerce(RecordVersion.publicity_start, String),
    type_coerce(RecordVersion.publicity_end, String),
    CreditRecord.awaiting_review,
    CreditRecord.rule_source,
    RecordVersion.version_no,
    type_coerce(RecordVersion.created_at, String),
    RecordVersion.reason,
    RecordVersion.reason_detail,
    type_coerce(RecordVersion.status, String),
    RecordVersion.source_organisation_id,
    RecordVersion.batch_id,
    cast(RecordVersion.payload, Text().with_variant(LargeBinary(), "sqlite")),
    # The record's source unit, joined: it is nearly always every version's source too,
    # so a file needs no second query for the names it shows.
    Organisation.code,
    Organisation.name,
    type_coerce(RecordVersion.decision_date, String),
    # The source's area: the record is governed by the rule in force there (Art. 35).
    Organisation.jurisdiction,
)
_STATUSES = {status.value: status for status in RecordStatus}
# Kept only in the subject's own whole file: never shared, even as of a day before.
_NOT_SHARED = (RecordStatus.REPAIRED, RecordStatus.REVOKED)


# The rules in force of each type the subject has records of — the city's and each
# district's latest version (``catalog.LATEST_VERSIONS``) — as rows of the file query
# (below): (NULL, type id, rule version id, …, its number, …, rule text, type code, NULL,
# NULL, area).
# One statement for the file and its rules, which on PostgreSQL is one round trip less per
# file; and a file is made again when any of them changes (``_FileCache``).
_TYPE_ROWS = (
    select(
        *(
            {
                1: RecordType.id,
                2: RecordTypeVersion.id,
                11: RecordTypeVersion.version_no,
                18: cast(RecordTypeVersion.definition, Text),
                19: RecordType.code,
                22: RecordTypeVersion.jurisdiction,
            }.get(position, null())
            for position in range(len(_FILE_COLUMNS))
        )
    )
    .join(catalog.LATEST_VERSIONS, catalog.LATEST_VERSIONS.c.type_id == RecordType.id)
    .join(
        RecordTypeVersion,
        and_(
            RecordTypeVersion.record_type_id == RecordType.id,
            RecordTypeVersion.jurisdiction == catalog.LATEST_VERSIONS.c.jurisdiction,
            RecordTypeVersion.version_no == catalog.LATEST_VERSIONS.c.version_no,
        ),
    )
    .where(
        RecordType.id.in_(
            select(CreditRecord.record_type_id).where(
                CreditRecord.subject_id == bindparam("subject_id"),
                CreditRecord.status != RecordStatus.DELETED,
            )
        )
    )
)


def _file_query(*, as_of: bool) -> CompoundSelect[Any]:
    """The file's versions with its types' rows, in no order (``_in_order``)."""
    versions = (
        select(*_FILE_COLUMNS)
        .join(RecordVersion, RecordVersion.record_id == CreditRecord.id)
        .join(Organisation, Organisation.id == CreditRecord.source_organisation_id)
        .where(
            CreditRecord.subject_id == bindparam("subject_id"),
            CreditRecord.received_at < bindparam("cutoff", type_=UTCDateTime()),
            # A record deleted after its retention period has left the file, on every day
            # asked for: its content is erased (``disclosure.retention``). Only the subject
            # sees its tombstone (``retention.deleted_records``).
            CreditRecord.status != RecordStatus.DELETED,
        )
    )
    if not as_of:  # a past day needs the later versions too, to tell the review state then
        versions = versions.where(
            RecordVersion.created_at < bindparam("cutoff", type_=UTCDateTime())
        )
    return union_all(versions, _TYPE_ROWS)


_VERSION_NO = itemgetter(11)
_DECISION_AND_RECORD = itemgetter(3, 0)
_TYPE_ID = itemgetter(1)
# A file as of a past day, in the order of the decision dates then (``build_file``).
_VIEW_ORDER = attrgetter("decision_date", "id")


def _in_order(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The file query's rows in the file's order: versions by decision date and record,
    newest first, each record's in order, then the types' rows by type. Sorted here, not
    by the query: SQLite's sorter copies every row, payload and all, which cost more than
    sorting the tuples."""
    versions = [row for row in rows if row[0] is not None]
    versions.sort(key=_VERSION_NO)
    # Stable, reversed too: each record's versions keep their order.
    versions.sort(key=_DECISION_AND_RECORD, reverse=True)
    if len(versions) < len(rows):
        versions.extend(sorted((row for row in rows if row[0] is None), key=_TYPE_ID))
    return versions


# Built once: constructing the statement costs about as much as running it. Run on the
# driver's cursor: SQLAlchemy's rows cost a third of the query's own time on SQLite.
_FILE_QUERY_AS_OF = Prepared(_file_query(as_of=True))
_FILE_QUERY = Prepared(_file_query(as_of=False))


def _day(value: Any) -> dt.date | None:
    """A DATE column's value: PostgreSQL's driver gives a date, SQLite an ISO string."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _moment(value: str | dt.datetime) -> dt.datetime:
    """A UTC timestamp column's value (``UTCDateTime``): aware from PostgreSQL, a naive
    UTC string from SQLite."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _awaiting_review_on(
    history: list[tuple[Any, ...]],
    made: int,
    awaiting_now: bool,
    review_required: bool,
) -> bool:
    """``awaiting_review_on`` for the file query's rows (the reason at position 13)."""
    if made == len(history):
        return awaiting_now
    return awaiting_review_on(
        [version[13] for version in history], made, awaiting_now, review_required
    )


def awaiting_review_on(
    reasons: list[str],
    made: int,
    awaiting_now: bool,
    review_required: bool,
) -> bool:
    """Was the record waiting for its confidentiality review at the end of a past day, when
    only the first ``made`` of its versions (their ``reasons``, in order) existed?

    The record's flag says so for today only. Then, the content it showed was its latest
    version from the source; it had been cleared if a review version followed that
    version by the end of the day. If not, it was waiting when a review did follow it
    later, or when the flag still says so today (nothing has changed it since); content
    replaced before any review waited if its type asks for a review. The industry
    statistics' releases ask the same of every record as of a month's end (decision 0055)."""
    if made == len(reasons):
        return awaiting_now
    content = None
    for index in range(made - 1, -1, -1):
        reason = reasons[index]
        if reason.startswith(REVIEW_PREFIX):
            return False
        if carries_source_content(reason):
            content = index
            break
    if content is None:  # declared by the subject, never reviewed
        return False
    for reason in reasons[made:]:
        if reason.startswith(REVIEW_PREFIX):
            return True
        if carries_source_content(reason):
            return review_required
    return awaiting_now


# Record views already made, keyed by everything a view is made of: the rows of the
# versions it shows (each carrying the record's columns and its source unit's code and
# name), the source units of those versions, its type and governing rule, and whether it is
# public on the day asked for. A new version, a changed record row, a renamed unit, a new
# rule or another day's publicity makes another key, so a stale view is never found;
# versions themselves never change. Bounded: about 15 KB a view (key, view, item and its
# JSON), so some 30 MB a process.
_VIEW_CACHE_SIZE = 2_000
_views: OrderedDict[tuple[Any, ...], tuple[RecordTypeDefinition, RecordView]] = OrderedDict()
_views_lock = threading.Lock()


def _cached_view(key: tuple[Any, ...], definition: RecordTypeDefinition) -> RecordView | None:
    with _views_lock:
        entry = _views.get(key)
        # The definition itself, not just its id in the key: the entry keeps it alive, so
        # the id cannot have been reused for another definition.
        if entry is None or entry[0] is not definition:
            return None
        _views.move_to_end(key)
        return entry[1]


def _remember_view(
    key: tuple[Any, ...], definition: RecordTypeDefinition, view: RecordView
) -> None:
    with _views_lock:
        _views[key] = (definition, view)
        if len(_views) > _VIEW_CACHE_SIZE:
            _views.popitem(last=False)


class _FileCache:
    """Files already assembled, per subject and question (day, types asked for, public
    only…), with the rows they were made of: a file is reused only when the rows read now
    are equal to those, value by value (comparing costs far less than hashing them, or
    than finding each record's view again). The rows are everything a file is made of
    (its versions, their units, its types' rules), so nothing is invalidated by hand.
    Bounded by the records held, as the view cache is (the views are the same objects)."""

    def __init__(self, records: int) -> None:
        self.limit = records
        self.held = 0
        self.lock = threading.Lock()
        self.files: OrderedDict[tuple[Any, ...], tuple[list[tuple[Any, ...]], list[RecordView]]] = (
            OrderedDict()
        )

    def get(self, key: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> list[RecordView] | None:
        with self.lock:
            entry = self.files.get(key)
            if entry is None or entry[0] != rows:
                return None
            self.files.move_to_end(key)
            return list(entry[1])

    def put(
        self, key: tuple[Any, ...], rows: list[tuple[Any, ...]], views: list[RecordView]
    ) -> None:
        with self.lock:
            old = self.files.pop(key, None)
            if old is not None:
                self.held -= len(old[1])
            self.files[key] = (rows, list(views))
            self.held += len(views)
            while self.held > self.limit and len(self.files) > 1:
                _key, (_rows, dropped) = self.files.popitem(last=False)
                self.held -= len(dropped)

    def clear(self) -> None:
        with self.lock:
            self.files.clear()
            self.held = 0


_files = _FileCache(records=_VIEW_CACHE_SIZE)


def clear_view_cache() -> None:
    """Forget every record view and file made so far (the next file is made afresh)."""
    with _views_lock:
        _views.clear()
    _files.clear()


def build_file(
    session: Session,
    subject: Subject,
    *,
    today: dt.date,
    record_type_codes: set[str] | None = None,
    public_only: bool = False,
    as_of: dt.date | None = None,
    include_public: bool = True,
) -> list[RecordView]:
    """The records a reader may see: those of ``record_type_codes`` (None: all), plus every
    public record when ``include_public``; with ``public_only`` just the public ones, as the
    public file shows them (``as_public``: no change history, free text masked).

    As of a day, a record shows the versions made by the end of that day: its content,
    status, decision date, severity and publicity window are those of the latest of them,
    and it is public only if it was then (in that version's window; the confidentiality
    review is the one then). The file is in the order of the decision dates then."""
    day = as_of or today
    cutoff = end_of(day)
    # Core, not the ORM: plain rows of the columns asked for, no identity map.
    session.flush()
    query = _FILE_QUERY_AS_OF if as_of is not None else _FILE_QUERY
    # Plain tuples: a Row's item access costs microseconds, and a file of hundreds of
    # records makes thousands of them. Positions follow _FILE_COLUMNS.
    rows = _in_order(query.rows(session.connection(), {"subject_id": subject.id, "cutoff": cutoff}))
    question = (
        subject.id,
        subject.is_organisation,
        day,
        as_of is not None,
        None if record_type_codes is None else frozenset(record_type_codes),
        public_only,
        include_public,
    )
    assembled = _files.get(question, rows)
    if assembled is not None:
        return _shown(assembled, subject, today=today, public_only=public_only)
    records: dict[int, list[tuple[Any, ...]]] = {}
    organisations: dict[int, tuple[str, str]] = {}
    rules = catalog.RulesInForce()
    for version in rows:
        if version[0] is None:  # a type's row: its rule in force in one area
            rules.add(version[1], version[19], version[22], version[2], version[18], version[11])
            continue
        history = records.get(version[0])
        if history is None:
            records[version[0]] = [version]
        else:
            history.append(version)
        organisations[version[2]] = (version[19], version[20])
    if not records:
        return []
    others = {
        version[16]
        for history in records.values()
        for version in history
        if version[16] and version[16] not in organisations
    }
    if others:  # a version from another unit than the record's source
        organisations.update(
            (oid, (code, name))
            for oid, code, name in session.connection().execute(
                select(Organisation.id, Organisation.code, Organisation.name).where(
                    Organisation.id.in_(others)
                )
            )
        )
    is_organisation = subject.is_organisation
    views: list[RecordView] = []
    for history in records.values():  # in the query's order: newest decision first
        # The record's columns; those of the version shown are read from it below.
        (
            record_id,
            type_id,
            source_id,
            _decided_now,
            received_at,
            _severity,
            self_declared,
            _start,
            _end,
            awaiting_review,
            rule_source,
        ) = history[0][:11]
        made = len(history)
        if as_of is not None:
            while made and _moment(history[made - 1][12]) >= cutoff:
                made -= 1
            if not made:
                continue
        current = history[made - 1]
        # The rule governing the record: its type's in its source's area (Art. 35), as
        # collection applied it — whether it is public, and what it shows.
        code = rules.codes[type_id]
        definition = rules.for_record(type_id, history[0][22])
        governing_rule = rules.label_for_record(type_id, history[0][22])
        # The decision date, severity and window of the version shown (decision 0025).
        severity = current[5]
        start, end = _day(current[7]), _day(current[8])
        # The state on the day asked for: the latest version then, not the record's today.
        status = _STATUSES[current[15]]
        if as_of is not None:
            disclosure = definition.disclosure
            awaiting_review = _awaiting_review_on(
                history,
                made,
                bool(awaiting_review),
                disclosure.review_before_publicity
                and disclosure.period(Severity(severity)).published,
            )
        public = _public(
            definition, is_organisation, status, start, end, bool(awaiting_review), day
        )
        if public and made < len(history) and (record_type_codes is not None or public_only):
            # For anyone but the subject, a day counts as public only if it is inside the
            # latest window too: a record withdrawn from publication on an objection (it
            # should not have been public) or corrected to an unpublished severity is not
            # published again by asking about a day before (Art. 25). The subject's own file
            # keeps the history as it was.
            public = _public(
                definition,
                is_organisation,
                status,
                _day(history[-1][7]),
                _day(history[-1][8]),
                bool(awaiting_review),
                day,
            )
        allowed = record_type_codes is None or code in record_type_codes
        if public_only and not public:
            continue
        if (record_type_codes is not None or public_only) and (
            status in _NOT_SHARED or _STATUSES[history[-1][15]] in _NOT_SHARED
        ):
            # A repaired record is no longer shared or used (Art. 20–23), not even as it was
            # on a day before the repair: only its subject still sees it, in its own whole
            # file, with the repair in its history. So with a record its source revoked
            # (decision 0028).
            continue
        if not public_only and not allowed and not (include_public and public):
            continue
        shown = history[:made]
        key = (
            tuple(shown),
            tuple([organisations.get(version[16]) for version in shown]),
            code,
            id(definition),
            governing_rule,
            public,
        )
        view = _cached_view(key, definition)
        if view is None:
            source_code, source_name = organisations[source_id]
            view = RecordView(
                id=record_id,
                type_code=code,
                definition=definition,
                source_code=source_code,
                source_name=source_name,
                decision_date=_day(current[21]),  # type: ignore[arg-type]
                received_at=_moment(received_at),
                severity=severity,
                status=status.value,
                self_declared=bool(self_declared),
                public=public,
                publicity_start=start,
                publicity_end=end,
                governing_rule=governing_rule,
                collected_under_rule=rule_source,
                payload=orjson.loads(current[18]),
                history=[_version_view(version, organisations) for version in shown],
            )
            _remember_view(key, definition, view)
        views.append(view)
    if as_of is not None:  # a decision date corrected since moves the record back
        views.sort(key=_VIEW_ORDER, reverse=True)
    if not others:  # else the file is made of other units' rows too: not worth keeping
        _files.put(question, rows, views)
    return _shown(views, subject, today=today, public_only=public_only)


def _shown(
    views: list[RecordView], subject: Subject, *, today: dt.date, public_only: bool
) -> list[RecordView]:
    """The views as a file of ``build_file`` gives them: the public file as the public file
    shows its records (``as_public``), masked on the reader's day whatever the day asked
    about; any other as stored. Applied after the file cache, which keeps stored views."""
    if not public_only:
        return views
    organisation = subject.is_organisation
    return [as_public(view, organisation=organisation, today=today) for view in views]


def _version_view(row: tuple[Any, ...], organisations: dict[int, tuple[str, str]]) -> VersionView:
    version_no, created_at, reason, reason_detail, status, source_id, batch_id = row[11:18]
    source = organisations.get(source_id) if source_id else None
    return VersionView(
        version_no=version_no,
        created_at=_moment(created_at),
        reason=reason,
        reason_detail=reason_detail,
        status=status,
        source_code=source[0] if source else None,
        source_name=source[1] if source else None,
        batch_id=batch_id,
        decision_date=_day(row[21]),  # type: ignore[arg-type]
        severity=row[5],
        publicity_start=_day(row[7]),
        publicity_end=_day(row[8]),
    )


@dataclass(frozen=True, slots=True)
class FileRead:
    """The records a read shows, and how many records of the types it asked for it withheld
    as not public: their number only, nothing else of them (None: a read that withholds
    nothing for that reason, e.g. the subject's own)."""

    records: list[RecordView]
    withheld_not_public: int | None


def public_part(
    session: Session,
    subject: Subject,
    *,
    today: dt.date,
    record_type_codes: set[str],
    as_of: dt.date | None = None,
) -> FileRead:
    """The records of ``record_type_codes`` the public file shows about the subject on the
    day (as ``public_only``: the same ``public`` of each view, worked out by
    ``build_file``), and how many others of those types were withheld, of those a reader
    of the types would have been shown. What a query item stating no statutory exception
    shows (Art. 13 ¶3), each record as the public file shows it (``as_public``: the item
    gives no lawful path to what is not public, the change history and the citizen ID
    numbers in the record's text among it; decision 0037)."""
    shared = build_file(
        session,
        subject,
        today=today,
        record_type_codes=record_type_codes,
        as_of=as_of,
        include_public=False,
    )
    organisation = subject.is_organisation
    shown = [
        as_public(view, organisation=organisation, today=today) for view in shared if view.public
    ]
    return FileRead(shown, len(shared) - len(shown))
