"""Credit reports: sections in the order of the national public credit report standard
(2022), every item with its source unit and change history (Art. 24), as the file stood
on any date; the public version, issued on a query item stating no statutory exception,
gives the records public about the subject as the public file shows them (no change
history, citizen ID numbers in their text masked; decision 0037). Each report carries a number and a verification code, and names who asked
for it, so a presented copy can be verified and a leaked one traced (Art. 34)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

import orjson
from sqlalchemy import (
    ColumnElement,
    Date,
    String,
    Table,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, undefer

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    has_permission,
    require_standing,
    role_grants,
)
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.collection import registration_names
from xinyong.collection.models import RecordStatus
from xinyong.config import FREE_REPORTS_MINIMUM
from xinyong.crypto import FieldCipher, default_cipher
from xinyong.db.base import UTCDateTime
from xinyong.db.prepared import Prepared, iso_date
from xinyong.disclosure import access, authorisations, query_assignments, retention
from xinyong.disclosure.files import RecordView, canonical_json, field_labels
from xinyong.disclosure.models import AccessEvent, CreditReport, CreditReportFile, LegalPath
from xinyong.errors import (
    Conflict,
    Gone,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from xinyong.lists import entries
from xinyong.lists.models import EntryStatus, ListEntry, ListStandard, RemovalReason
from xinyong.lists.publicity import mask_name
from xinyong.objections.models import NameObjection, NameObjectionStatus
from xinyong.repair import advice as repair_advice
from xinyong.repair import rules as repair_rules
from xinyong.repair import service as repair
from xinyong.subjects.models import ResponsiblePerson, Subject, SubjectName

# The authenticated context of a report's kept content: a ciphertext copied from another
# encrypted column does not decrypt as a report.
CONTENT_CONTEXT = "credit_report.content"
FILE_CONTEXT = "credit_report_file.content"

# (key, 中文, English, catalog groups) in the standard's order.
SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("basic", "基本信息", "Basic information", ("registration",)),
    (
        "licensing_penalties",
        "行政许可与行政处罚信息",
        "Administrative licensing and penalties",
        ("administrative_licensing", "administrative_penalty"),
    ),
    ("honours", "表彰荣誉与守信信息", "Honours and integrity", ("honour", "administrative_reward")),
    ("lists", "严重失信主体名单信息", "Serious-dishonesty lists", ("tax",)),
    ("abnormal_operation", "经营异常信息", "Abnormal operation", ("abnormal_operation",)),
    ("commitments", "信用承诺信息", "Credit commitments", ("credit_commitment",)),
    (
        "evaluations",
        "信用评价信息",
        "Credit evaluations",
        ("credit_evaluation", "association_evaluation"),
    ),
    ("judicial", "司法信息", "Judicial information", ("judicial_enforcement",)),
    ("other", "其他信息", "Other information", ()),
)
SECTION_OF_GROUP = {group: key for key, _zh, _en, groups in SECTIONS for group in groups}


@dataclass(frozen=True)
class IssuedReport:
    report: CreditReport
    content: dict[str, Any]
    # The JSON document (UTF-8), serialised once: the canonical (hashed) content with the
    # hash and the verification code appended, so ``content_hash_of(json.loads(body))`` is
    # the hash. Bytes, as sent: a report's text is hundreds of KB, and decoding it to a str
    # only to encode it again for the hash and the response cost more than hashing it.
    body: bytes


_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRTUWXY0123456789"


def _number(clock: Clock) -> str:
    # One draw from the system's randomness for all eight characters (uniform over every
    # 8-character string, as eight draws were), not one system call for each.
    draw = secrets.randbelow(len(_NUMBER_ALPHABET) ** 8)
    characters = []
    for _ in range(8):
        draw, index = divmod(draw, len(_NUMBER_ALPHABET))
        characters.append(_NUMBER_ALPHABET[index])
    return "XY" + clock.today().strftime("%Y%m%d") + "".join(characters)


def verification_code(number: str, content_sha256: str) -> str:
    mac = hmac.new(
        default_cipher().blind_index(number, context="report.verify").encode(),
        content_sha256.encode(),
        hashlib.sha256,
    )
    return mac.hexdigest()[:12].upper()


def _canonical(content: dict[str, Any]) -> str:
    """The hashed form: the same text as ``json.dumps(content, ensure_ascii=False,
    sort_keys=True, separators=(",", ":"))`` (tests hold the two equal), so anyone can
    check a presented report's hash with the standard library; orjson writes it ten times
    faster, which matters for a report of hundreds of records. A report holds no floats
    (amounts are decimal strings), the one place the two would spell a value differently."""
    return canonical_json(content).decode()


# The basic information as it stood on the report's day (``as_of``): the name then, the
# names replaced by then, and those answering for an organisation then — a registration
# (``valid_from``, ``valid_to``) runs from its first day to the day before its end, the
# day a successor's starts (``subjects.service``), as a name does to the day it was
# changed. In one query, not a lazy load of each list (every round trip counts on a report
# issued on every request); built once, as constructing the union cost more than running it.
_DAY = bindparam("as_of", type_=Date)
_NAME_STARTED = or_(SubjectName.valid_from.is_(None), SubjectName.valid_from <= _DAY)
# A name registered as a former one, without its dates, was replaced before any day asked.
_NAME_UNDATED_FORMER = and_(SubjectName.current.is_(False), SubjectName.valid_to.is_(None))
_NAMES = select(
    literal("").label("role"),
    SubjectName.name,
    SubjectName.id,
    case(
        (or_(_NAME_UNDATED_FORMER, SubjectName.valid_to <= _DAY), 0),  # replaced by then
        else_=2,  # the name then
    ).label("part"),
).where(
    SubjectName.subject_id == bindparam("subject_id"),
    or_(_NAME_UNDATED_FORMER, SubjectName.valid_to <= _DAY, _NAME_STARTED),
)
_BASIC_OF_PERSON = Prepared(select(_NAMES.subquery()).order_by(text("part"), text("id")))
_BASIC_OF_ORGANISATION = Prepared(
    select(
        union_all(
            _NAMES,
            select(
                type_coerce(ResponsiblePerson.role, String),
                ResponsiblePerson.name,
                ResponsiblePerson.id,
                literal(1),
            ).where(
                ResponsiblePerson.organisation_subject_id == bindparam("subject_id"),
                # Those answering for it then: a legal representative replaced by then is not
                # one, nor one registered from a later day.
                or_(ResponsiblePerson.valid_from.is_(None), ResponsiblePerson.valid_from <= _DAY),
                or_(ResponsiblePerson.valid_to.is_(None), ResponsiblePerson.valid_to > _DAY),
            ),
        ).subquery()
    ).order_by(text("part"), text("id"))
)


def _name_then(subject: Subject, rows: Any) -> str:
    """The latest name in force on the day asked (``part`` 2 of the rows of ``_NAMES``),
    today's if the platform knows no other."""
    named_then = [row[1] for row in rows if row[3] == 2]
    return str(named_then[-1]) if named_then else subject.name


def name_on(session: Session, subject: Subject, as_of: dt.date) -> str:
    """The subject's name as a report as of ``as_of`` gives it (``_basic``)."""
    rows = _BASIC_OF_PERSON.rows(session.connection(), {"subject_id": subject.id, "as_of": as_of})
    return _name_then(subject, rows)


def _printed_name(session: Session, report: CreditReport, subject: Subject) -> str:
    """The subject's name as the report was issued with it: read from its kept content (the
    report's own part, small), or, once the retention job removed that, the name in force
    on its ``as_of`` (``name_on``), which is how the report named it."""
    if report.content_ciphertext is not None:
        own = orjson.loads(
            default_cipher().decrypt_bytes(report.content_ciphertext, context=CONTENT_CONTEXT)
        )
        printed = own.get("subject", {}).get("name")
        if isinstance(printed, str) and printed:
            return printed
    return name_on(session, subject, report.as_of)


def _name_corrections(session: Session, subject: Subject, as_of: dt.date) -> list[dict[str, str]]:
    """The person's name corrections upheld by ``as_of`` (the day in China), oldest first."""
    corrections = session.execute(
        select(NameObjection.registered_name, NameObjection.stated_name, NameObjection.decided_at)
        .where(
            NameObjection.subject_id == subject.id,
            NameObjection.status == NameObjectionStatus.UPHELD,
        )
        .order_by(NameObjection.id)
    )
    return [
        {"before": before, "after": after, "on": decided.astimezone(CHINA).date().isoformat()}
        for before, after, decided in corrections
        if decided is not None and decided.astimezone(CHINA).date() <= as_of
    ]


def _basic(
    session: Session,
    subject: Subject,
    path: LegalPath,
    as_of: dt.date,
    shown: _PublicFacts | None = None,
    *,
    public: bool = False,
) -> dict[str, Any]:
    """The subject's basic information as it stood on ``as_of``: its name then (the
    latest name in force that day; today's if the platform knows no other), the names it
    had left by then, and, for an organisation, those answering for it then (Art. 18): in
    full on the subject's own report, to anyone else as the public sees them
    (``_persons_as_public``, from ``shown``).

    In the public version (``public``) a natural person is shown as the public sees one
    (Art. 13 ¶3; decisions 0036, 0037, session 25 addendum): by the masked ID number and
    the name masked as the public lists and a report's verification show it, without
    former names or their corrections, which no public outlet shows."""
    shown = shown or _PublicFacts()
    query = _BASIC_OF_ORGANISATION if subject.is_organisation else _BASIC_OF_PERSON
    rows = query.rows(session.connection(), {"subject_id": subject.id, "as_of": as_of})
    if public and not subject.is_organisation:
        return {
            "name": mask_name(_name_then(subject, rows)),
            "kind": subject.kind.value,
            "code": subject.uscc or subject.citizen_id_masked,
            "former_names": [],
        }
    basic: dict[str, Any] = {
        "name": _name_then(subject, rows),
        "kind": subject.kind.value,
        "code": subject.uscc or subject.citizen_id_masked,
        "former_names": [name for _role, name, _id, part in rows if part == 0],
    }
    if not subject.is_organisation and basic["former_names"]:
        # A person's name corrected on its objection (decision 0051): the report states
        # the change's reason (Art. 24), so a former name is not read as a name the person
        # once bore. Only asked when a former name is shown: most persons have none.
        basic["name_corrections"] = _name_corrections(session, subject, as_of)
    if subject.is_organisation and path is LegalPath.SELF and basic["former_names"]:
        # Each change of its name with its source, as its file page states them (Art. 24;
        # decision 0050, review r12): only asked when a former name is shown.
        basic["name_changes"] = [
            change.as_dict()
            for change in registration_names.changes_of(session, subject, as_of=as_of)
        ]
    if subject.uscc_unverified:
        basic["code_note"] = "unverified check character"
    if subject.is_organisation:
        registered = [(role, name) for role, name, _id, part in rows if part == 1]
        basic["responsible_persons"] = (
            [{"role": role, "name": name} for role, name in registered]
            if path is LegalPath.SELF
            else _persons_as_public(registered, shown)
        )
    return basic


@dataclass(frozen=True)
class _PublicFacts:
    """What the report shows any reader but the subject of the persons answering for an
    organisation besides its register: the legal representatives' names its registration
    records state (public, as the public file shows them), and the persons its list entries
    named on the report's day, by capacity and masked name (as the public lists show them)."""

    stated_legal_representatives: frozenset[str] = frozenset()
    named: tuple[tuple[str, str], ...] = ()


def _persons_as_public(
    registered: list[tuple[str, str]], shown: _PublicFacts
) -> list[dict[str, Any]]:
    """The responsible persons as the public register shows them (decision 0036, session 12
    addendum; ``responsible_register.public_persons``): the legal representative by the full
    name a registration record in the report states — the public file shows it — and the
    persons the report's list entries name, by capacity and masked name (Art. 13 ¶3, 18).
    Nobody else: a reader on a written authorisation or a query item is not the register's
    keeper, and the register's full names are not public (review r12). So no full name is
    shown here that the public does not see, and no person's access log is owed."""
    persons: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for role, name in registered:
        if role == "legal_representative" and name in shown.stated_legal_representatives:
            persons.append({"role": role, "name": name})
            seen.add((role, mask_name(name)))
    for role, masked in shown.named:
        if (role, masked) not in seen:
            seen.add((role, masked))
            persons.append({"role": role, "name": masked})
    return persons


def _public_facts(
    session: Session, records: list[RecordView], entry_ids: list[int], as_of: dt.date
) -> _PublicFacts:
    stated = frozenset(
        value.strip()
        for view in records
        if view.type_code == _REGISTRATION
        and isinstance(value := view.payload.get(_LEGAL_REPRESENTATIVE_FIELD), str)
        and value.strip()
    )
    named: list[tuple[str, str]] = []
    for persons in entries.persons_by_entry(session, entry_ids).values():
        for person in persons:
            started = person.named_from is None or person.named_from <= as_of
            if started and (person.ended_on is None or person.ended_on > as_of):
                named.append((person.role, mask_name(person.name)))
    return _PublicFacts(stated, tuple(named))


# The registration record type and its field naming the legal representative
# (``collection.legal_representatives``).
_REGISTRATION = "registration"
_LEGAL_REPRESENTATIVE_FIELD = "legal_representative"


# Entries removed since a day, left out of a report as of that day. One removed because an
# objection was upheld was wrong from the start (Art. 25): for everyone. One removed because
# the record it rests on was repaired (Art. 20–23) or revoked by its source (decision 0028)
# is no longer shared: for everyone but the subject, as ``files.build_file`` leaves such a
# record out of any file but the subject's own, even as of a day before (``_NOT_SHARED``).
_LEFT_OUT_OF_OWN = (RemovalReason.OBJECTION_UPHELD,)
_LEFT_OUT_FOR_OTHERS = (
    RemovalReason.OBJECTION_UPHELD,
    RemovalReason.REPAIRED,
    RemovalReason.RECORD_REVOKED,
)


def _list_entries_query(left_out: tuple[RemovalReason, ...]) -> Prepared:
    """The subject's list entries that may be in force on a date, with their standards and
    recognising organisations, but for those removed for one of ``left_out``: on the
    driver's cursor, as the rest of the report (an ORM query of three entities cost more
    than the whole raw fetch the report is measured against)."""
    return Prepared(
        select(
            ListEntry.id,
            ListEntry.kind,
            ListEntry.tier,
            ListStandard.name,
            ListEntry.reasons,
            ListEntry.legal_basis,
            ListEntry.term_start,
            ListEntry.term_end,
            Organisation.name,
            Organisation.code,
        )
        .join(ListStandard, ListStandard.id == ListEntry.standard_id)
        .join(Organisation, Organisation.id == ListEntry.recognising_organisation_id)
        .where(
            ListEntry.subject_id == bindparam("subject_id"),
            ListEntry.term_start <= bindparam("as_of", type_=Date),
            ListEntry.term_end >= bindparam("as_of", type_=Date),
            or_(
                ListEntry.status == EntryStatus.PUBLISHED,
                and_(
                    or_(
                        ListEntry.status == EntryStatus.EXPIRED,
                        ListEntry.status == EntryStatus.REMOVED,
                    ),
                    ListEntry.ended_at >= bindparam("ended_after", type_=UTCDateTime()),
                    or_(
                        ListEntry.removal_reason.is_(None),
                        # Each its own comparison with a fixed value: the statement takes
                        # no expanding (IN) parameter (``Prepared``).
                        and_(*(ListEntry.removal_reason != reason for reason in left_out)),
                    ),
                ),
            ),
        )
        .order_by(ListEntry.term_start, ListEntry.id)
    )


_OWN_LIST_ENTRIES = _list_entries_query(_LEFT_OUT_OF_OWN)
_LIST_ENTRIES_FOR_OTHERS = _list_entries_query(_LEFT_OUT_FOR_OTHERS)


def _list_entries(
    session: Session,
    subject: Subject,
    as_of: dt.date,
    *,
    own: bool,
    public: bool = False,
    today: dt.date | None = None,
) -> tuple[list[dict[str, Any]], list[int]]:
    """The subject's red and black list entries in force on ``as_of``, and their ids: the
    report's sections on honours and on serious-dishonesty lists are the lists, not only
    the records (rules.md "Disclosure"); the lists are public (Art. 14), so every legal path
    shows them. An entry ended since counts until it ended (in China, after ``as_of``); one
    removed because an objection was upheld was wrong from the start (Art. 25) and is left
    out; one removed because the record it rests on was repaired or revoked by its source is
    no longer shared (Art. 20–23, decision 0028), so only the subject's own report of a day
    before the removal still shows it, as it shows the record. In the report's public
    version (``public``) the reasons are as the public lists show them on ``today``
    (``lists.entries.public_text``; decision 0037): any citizen ID masked, and the natural
    persons the lists mask in them — the persons an organisation's entry names under
    Art. 18, a person's own names — masked as the lists mask them (review r12)."""
    day_after = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
    query = _OWN_LIST_ENTRIES if own else _LIST_ENTRIES_FOR_OTHERS
    rows = query.rows(
        session.connection(),
        {"subject_id": subject.id, "as_of": as_of, "ended_after": day_after},
    )
    ids = [row[0] for row in rows]
    masked = entries.public_names(session, ids) if public and ids else {}
    return [
        {
            "list": kind,
            "tier": tier,
            "standard": standard,
            "reasons": entries.public_text(
                reasons, today=today or as_of, names=masked.get(entry_id, ())
            )
            if public
            else reasons,
            "legal_basis": legal_basis,
            "term_start": iso_date(term_start),
            "term_end": iso_date(term_end),
            "recognised_by": {"name": organisation, "code": code},
        }
        for (
            entry_id,
            kind,
            tier,
            standard,
            reasons,
            legal_basis,
            term_start,
            term_end,
            organisation,
            code,
        ) in rows
    ], ids


def _suggestions_of(view: RecordView) -> tuple[dict[str, str], ...]:
    """Plain advice a record calls for by itself (a commitment to keep); the advice on
    repairing a negative record follows the repair rules of the day (``_repair_advice``)."""
    if (
        view.definition.code == "credit_commitment"
        and view.payload.get("fulfilment_status") == "pending"
    ):
        return (
            {
                "record": str(view.id),
                "zh": "请按承诺内容履约；履约情况将由承诺受理单位记录。",
                "en": "Keep the commitment; the accepting unit records whether it was kept.",
            },
        )
    return ()


# The records a report advises on repairing, as the report shows them: still used, or
# under objection (the advice then says to wait for the decision).
_ADVISED_STATUSES = frozenset({"active", "under_objection"})


def _repair_advice(
    session: Session,
    clock: Clock,
    subject: Subject,
    records: list[RecordView],
    *,
    current: bool,
    own: bool,
    terms: repair_rules.Terms | None,
    excludes_serious_list: bool,
) -> dict[int, dict[str, str]]:
    """The advice on repairing each negative record of the report (Art. 20–23), by record
    id: what the repair checklist's rules say of it today (``repair.service``), so that the
    report never advises applying for a repair the platform refuses — a market record, one
    excluded by Art. 22, one under objection (review r3, session 19).

    It changes with the day, and with the subject's list entries, objections and
    applications, which the file's views do not show: for a subject with none of these
    (``repair.quiet``, one statement) the advice depends on the record alone and is kept
    with its view for the day; otherwise it is read in full. ``current``: the report is of
    today, so its views show the records as they are."""
    wanted = {
        view.id: view
        for view in records
        if view.definition.polarity.value == "negative" and view.status in _ADVISED_STATUSES
    }
    if not wanted:
        return {}
    today = clock.today()
    if current and repair.quiet(
        session, subject.id, today, excludes_serious_list=excludes_serious_list
    ):
        key = f"repair advice {today.isoformat()}"
        kept = {
            record_id: view.derived(key, lambda view: _quiet_advice(view, today))
            for record_id, view in wanted.items()
        }
        return {record_id: said for record_id, said in kept.items() if said is not None}
    found = repair.outlooks(
        session,
        clock,
        subject.id,
        {record_id: view.definition for record_id, view in wanted.items()},
        terms=terms,
        excludes_serious_list=excludes_serious_list,
    )
    advised = {
        record_id: _advice_item(wanted[record_id], outlook, own=own)
        for record_id, outlook in found.items()
    }
    return {record_id: said for record_id, said in advised.items() if said is not None}


def _quiet_advice(view: RecordView, today: dt.date) -> dict[str, str] | None:
    outlook = repair.quiet_outlook(
        view.id,
        view.definition,
        severity=view.severity,
        decision_date=view.decision_date,
        status=RecordStatus(view.status),
        today=today,
    )
    # Nothing of the subject's own dealings with the platform is in it: the same for any
    # reader.
    return _advice_item(view, outlook, own=True)


def _advice_item(view: RecordView, outlook: repair.Outlook, *, own: bool) -> dict[str, str] | None:
    end = view.publicity_end.isoformat() if view.public and view.publicity_end else None
    said = repair_advice.advice(outlook, own=own, publicity_end=end)
    if said is None:
        return None
    definition = view.definition
    about = view.payload.get("decision_number") or view.decision_date
    return {
        "record": str(view.id),
        "zh": f"{definition.name_zh}（{about}）：{said[0]}",
        "en": f"{definition.name_en} of {view.decision_date}: {said[1]}",
    }


_NO_SUGGESTIONS = (
    {
        "record": "",
        "zh": "信用记录良好，请继续保持。",
        "en": "No negative records: keep it up.",
    },
)


@dataclass(frozen=True, slots=True)
class _Part:
    """What a report takes from one record view, made once per view (``RecordView.derived``):
    views are reused while nothing they show changes, and so is this."""

    section: str
    item: dict[str, Any]
    fragment: orjson.Fragment  # the item's canonical JSON
    suggestions: tuple[dict[str, str], ...]
    unlabelled: tuple[str, ...]  # content fields its type's definition does not name


def _part(view: RecordView) -> _Part:
    item, fragment = view.report_item()
    named = {spec.name for spec in view.definition.fields}
    return _Part(
        section=SECTION_OF_GROUP.get(view.definition.group, "other"),
        item=item,
        fragment=fragment,
        suggestions=_suggestions_of(view),
        unlabelled=tuple(name for name in view.payload if name not in named),
    )


@dataclass(frozen=True, slots=True)
class _Assembled:
    """What a report takes from a whole file: its items by section and the field labels of
    its types, each with its canonical JSON, and that part of the report as it is kept with
    each set of advice (``kept_with``). Shared by every report of the same file
    (``_assemblies``), so none of it may be changed (what is kept seals itself once, on
    first use)."""

    items: dict[str, list[dict[str, Any]]]
    sections_json: orjson.Fragment
    labels: dict[str, list[dict[str, str]]]
    labels_json: orjson.Fragment
    # The advice the records call for by themselves, by record view, in the file's order.
    own_suggestions: list[tuple[int, tuple[dict[str, str], ...]]]
    # The file's part as kept, by the advice given with it (the advice follows the day's
    # repair rules: reports of one file mostly give the same).
    kept: dict[bytes, _FileContent] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def suggestions(self, repair: dict[int, dict[str, str]]) -> list[dict[str, str]]:
        """The report's advice: each record's on repairing it (``repair``, by record id),
        then what it calls for by itself; the encouragement when there is none."""
        found = [
            suggestion
            for record_id, own in self.own_suggestions
            for suggestion in ((repair[record_id],) if record_id in repair else ()) + own
        ]
        return found or [dict(suggestion) for suggestion in _NO_SUGGESTIONS]

    def file_part(self, suggestions_json: orjson.Fragment) -> dict[str, Any]:
        """The report's keys taken from the file, as canonical JSON fragments."""
        return {
            "sections": self.sections_json,
            "field_labels": self.labels_json,
            "suggestions": suggestions_json,
        }

    def kept_with(self, suggestions: bytes) -> _FileContent:
        """The file's part as kept, with the advice ``suggestions`` (canonical JSON)."""
        with self.lock:
            found = self.kept.get(suggestions)
            if found is None:
                plaintext = canonical_json(self.file_part(orjson.Fragment(suggestions)))
                found = self.kept[suggestions] = _FileContent(plaintext)
                if len(self.kept) > _KEPT_PER_FILE:
                    # The oldest advice first (dicts keep their order of insertion).
                    del self.kept[next(iter(self.kept))]
        return found


# Sets of advice kept per assembled file: one a day is the common case (each holds the
# file part, hundreds of KB for a large file).
_KEPT_PER_FILE = 2


class _FileContent:
    """The part of a report taken from the file, as it is kept (``CreditReportFile``):
    sealed once per assembled file, not once per report, so that issuing a report again
    from the same file costs no encryption of its hundreds of KB (bench/report.py)."""

    def __init__(self, plaintext: bytes) -> None:
        self.plaintext = plaintext
        self.lock = threading.Lock()
        # (cipher, key, ciphertext): made with the cipher in use, again if it changes.
        self.sealed: tuple[FieldCipher, str, str] | None = None

    def seal(self) -> tuple[str, str]:
        cipher = default_cipher()
        sealed = self.sealed
        if sealed is None or sealed[0] is not cipher:
            key = cipher.blind_index(self.plaintext.decode(), context=FILE_CONTEXT)
            sealed = (cipher, key, cipher.encrypt_bytes(self.plaintext, context=FILE_CONTEXT))
            with self.lock:
                self.sealed = sealed
        return sealed[1], sealed[2]


def _assembled(records: list[RecordView]) -> _Assembled:
    by_section: dict[str, list[dict[str, Any]]] = {key: [] for key, *_rest in SECTIONS}
    # The same items as canonical JSON fragments, made once per record view (views are
    # cached while nothing they show changes): the hashed text is the same either way.
    encoded: dict[str, list[orjson.Fragment]] = {key: [] for key, *_rest in SECTIONS}
    # Field labels once per record type, not in every item: a report of hundreds of
    # records would otherwise carry each label hundreds of times.
    labels: dict[str, list[dict[str, str]]] = {}
    named: dict[str, set[str]] = {}  # the names labelled so far, per type
    for view in records:
        part = view.derived("report", _part)
        by_section[part.section].append(part.item)
        encoded[part.section].append(part.fragment)
        code = view.type_code
        if code not in labels:
            labels[code] = field_labels(view.definition)
            named[code] = {label["name"] for label in labels[code]}
        for name in part.unlabelled:
            if name not in named[code]:
                labels[code].append({"name": name, "zh": name, "en": name})
                named[code].add(name)
    sections_json = orjson.Fragment(
        canonical_json(
            [
                {"key": key, "title": zh, "title_en": en, "items": encoded[key]}
                for key, zh, en, _groups in SECTIONS
            ]
        )
    )
    labels_json = orjson.Fragment(canonical_json(labels))
    return _Assembled(
        by_section,
        sections_json,
        labels,
        labels_json,
        [(view.id, view.derived("report", _part).suggestions) for view in records],
    )


class _AssembledFiles:
    """Files already assembled, by the record views they list (the same objects in the same
    order: ``build_file`` returns the views it made before while nothing they show changed,
    and a view's id cannot be another's while the entry holds it). Bounded by the records
    held, like ``files``' caches."""

    def __init__(self, records: int) -> None:
        self.limit = records
        self.held = 0
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[int, ...], tuple[list[RecordView], _Assembled]] = (
            OrderedDict()
        )

    def get(self, records: list[RecordView]) -> _Assembled:
        key = tuple(map(id, records))
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
                return entry[1]
        made = _assembled(records)
        with self.lock:
            if key not in self.entries:
                self.entries[key] = (list(records), made)
                self.held += len(records)
                while self.held > self.limit and len(self.entries) > 1:
                    _key, (dropped, _made) = self.entries.popitem(last=False)
                    self.held -= len(dropped)
        return made


_assemblies = _AssembledFiles(records=2_000)


def _requested_by(actor: Actor) -> str:
    """Who a report is issued to, as its row names the requester (``requested_by``)."""
    return actor.audit().id or ("subject" if actor.subject_id is not None else actor.kind)


def _requester(session: Session, actor: Actor) -> tuple[str, str]:
    if actor.subject_id is not None:
        # The subject's current registered name, not the account's: a name corrected on
        # objection or a registration's rename changes it (Art. 4 ¶2, 25; decisions 0050, 0051).
        own = session.get(Subject, actor.subject_id)
        return _requested_by(actor), f"信息主体本人 · {own.name if own else actor.label}"
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    role = actor.role.value if actor.role else actor.kind
    label = f"{organisation.name if organisation else '—'} · {role} · {actor.label}"
    return _requested_by(actor), label


def issue(
    session: Session,
    clock: Clock,
    actor: Actor,
    subject: Subject,
    *,
    as_of: dt.date | None = None,
    query_item_code: str | None = None,
    matter: str | None = None,
    limits: access.ReadLimits = access.ReadLimits(),
    free_reports_per_year: int = FREE_REPORTS_MINIMUM,
    shown_later: bool = False,
    authorisation_id: int | None = None,
    repair_terms: repair_rules.Terms | None = None,
    repair_excludes_serious_list: bool = False,
) -> IssuedReport:
    """Open the file on a lawful path (logged for the subject) and issue a numbered report;
    a natural person's own report says whether it is one of the ``free_reports_per_year``
    (``XINYONG_FREE_REPORTS_PER_YEAR``, at least 2: rules.md). On the written-authorisation
    path, ``authorisation_id`` names the authorisation it is issued on (``access.decide``).
    ``repair_terms`` and ``repair_excludes_serious_list``: the repair settings
    (``XINYONG_REPAIR_*``) its advice on repairing records follows, as the checklist does.

    ``shown_later``: the caller does not show the report now but at its own address next
    (the pages: POST, redirect, GET), where its first showing to the requester is this
    issuance's own reading (``reopen(claim_first_showing=True)``). Otherwise the report is
    shown now, and every later showing is an opening again."""
    today = clock.today()
    access.check_as_of(as_of, today)
    number = _number(clock)
    # The read's access-log entry is written with the report row, below, in the same
    # transaction (on PostgreSQL in the same statement); a refusal is logged at once.
    granted = access.decide(
        session,
        clock,
        actor,
        subject,
        what="report",
        query_item_code=query_item_code,
        matter=matter,
        limits=limits,
        report_number=number,
        authorisation_id=authorisation_id,
    )
    records = granted.file(session, clock, as_of=as_of)
    assembled = _assemblies.get(records)
    own_report = granted.path is LegalPath.SELF
    suggestions = assembled.suggestions(
        _repair_advice(
            session,
            clock,
            subject,
            records,
            current=as_of is None or as_of == today,
            own=own_report,
            terms=repair_terms,
            excludes_serious_list=repair_excludes_serious_list,
        )
    )
    suggestions_json = canonical_json(suggestions)
    # The report's own lists (the items, labels and suggestions in them are shared).
    sections = [
        {"key": key, "title": zh, "title_en": en, "items": list(assembled.items[key])}
        for key, zh, en, _groups in SECTIONS
    ]
    list_entries, entry_ids = _list_entries(
        session,
        subject,
        as_of or today,
        own=own_report,
        public=granted.public_only,
        today=today,
    )
    requested_by, requester_label = _requester(session, actor)
    free = False
    used = None
    if granted.path is LegalPath.SELF and not subject.is_organisation:
        used = free_reports_used(session, subject.id, today.year)
        free = used < free_reports_per_year
        used += int(free)
    content: dict[str, Any] = {
        "number": number,
        "issued_at": clock.now().replace(microsecond=0).isoformat(),
        "as_of": (as_of or today).isoformat(),
        "legal_path": granted.path.value,
        "purpose": granted.purpose,
        "query_item": granted.query_item.code if granted.query_item else None,
        # A query item stating no statutory exception is given the public version: the
        # records public about the subject as the public file shows them, without their
        # change history, citizen ID numbers in their text masked (decision 0037).
        "public_version": granted.public_only,
        "requested_by": requester_label,
        "subject": _basic(
            session,
            subject,
            granted.path,
            as_of or today,
            None
            if own_report or not subject.is_organisation
            else _public_facts(session, records, entry_ids, as_of or today),
            public=granted.public_only,
        ),
        "sections": sections,
        "list_entries": list_entries,
        "field_labels": {code: list(labels) for code, labels in assembled.labels.items()},
        "suggestions": suggestions,
        "free_reports": None
        if used is None
        else {"used_this_year": used, "allowance": free_reports_per_year, "this_one_free": free},
    }
    # The hashed text, with what the file gives as the canonical JSON made with it.
    file_part = assembled.file_part(orjson.Fragment(suggestions_json))
    canonical = canonical_json({**content, **file_part})
    content_sha256 = hashlib.sha256(canonical).hexdigest()
    code = verification_code(number, content_sha256)
    # What was hashed is kept, sealed, so that opening the report again gives exactly what
    # was issued and verified, whatever the file, the catalog or this code become: the
    # report's own fields here, the file's part once for all reports of the same file.
    own = canonical_json({key: value for key, value in content.items() if key not in file_part})
    file_key, file_ciphertext = assembled.kept_with(suggestions_json).seal()
    values: dict[str, Any] = {
        "number": number,
        "verification_code": code,
        "subject_id": subject.id,
        "requested_by": requested_by,
        "requester_label": requester_label,
        "organisation_id": actor.organisation_id,
        "legal_path": granted.path,
        "as_of": as_of or today,
        "issued_at": clock.now(),
        "content_sha256": content_sha256,
        "free": free,
        "record_count": len(records),
        "content_ciphertext": default_cipher().encrypt_bytes(own, context=CONTENT_CONTEXT),
        "file_key": file_key,
        "first_shown_at": None if shown_later else clock.now(),
    }
    # Core inserts: the report row is written and its id read back in one statement,
    # without the ORM's unit of work; the caller gets a (transient) object of it. On
    # PostgreSQL the read's access-log entry and the audit chain's next place are written
    # and reserved by the same statement: one round trip instead of three.
    connection = session.connection()
    _KEEP_FILE[connection.dialect.name].execute(
        connection, {"key": file_key, "ciphertext": file_ciphertext}
    )
    place = None
    if connection.dialect.name == "postgresql" and len(granted.log) == 1:
        ((report_id, entry_id, sequence, previous_hash, key_checks),) = _ISSUE.rows(
            connection, {**values, **access.log_values(granted)}
        )
        logged = access.logged_from(granted, entry_id)
        if sequence is not None:  # else the chain has no head yet: record() starts it
            place = audit.Place(sequence, previous_hash, key_checks)
    else:
        logged = access.write_log(session, granted)
        ((report_id,),) = _REPORT_ROW.rows(connection, values)
    report = CreditReport(id=report_id, **values)
    # The report's event is the read's audit event: it witnesses the access-log entries.
    audit.record(
        session,
        clock,
        actor.audit(),
        "report.issue",
        target_type="credit_report",
        target_id=report.id,
        details={"legal_path": granted.path.value, "records": len(records), **logged.details()},
        place=place,
    )
    return IssuedReport(
        report,
        {**content, "verification_code": code, "content_sha256": content_sha256},
        _body(canonical, content_sha256, code),
    )


def _body(canonical: bytes, content_sha256: str, code: str) -> bytes:
    """The JSON document of a report: its hashed text with the hash and the code appended."""
    return b"".join(
        (
            memoryview(canonical)[:-1],  # without the closing brace: the two keys follow
            f',"content_sha256":"{content_sha256}","verification_code":"{code}"}}'.encode(),
        )
    )


# Columns only the retention job writes (``disclosure.retention``): a report is issued
# without them.
_SET_BY_RETENTION = frozenset({"content_removed_at", "content_removed_reason"})
# Run on the driver's cursor (``Prepared``), as the access log's and the audit chain's.
_INSERT_REPORT = (
    insert(CreditReport)
    .values(
        {
            column: bindparam(column.name, type_=column.type)
            for column in cast(Table, CreditReport.__table__).c
            if not column.primary_key and column.name not in _SET_BY_RETENTION
        }
    )
    .returning(CreditReport.id)
)
_REPORT_ROW = Prepared(_INSERT_REPORT)
# The file's part of the report, unless a report of the same file stored it already.
_KEEP_FILE = {
    dialect: Prepared(
        insert_of(CreditReportFile)
        .values(key=bindparam("key"), ciphertext=bindparam("ciphertext"))
        .on_conflict_do_nothing(index_elements=["key"])
    )
    for dialect, insert_of in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert))
}
# PostgreSQL: the report row, the read's access-log entry and the audit head, at once; its
# row is the report's id, the entry's, the chain's next sequence and the hash before it.
_ISSUE = Prepared(audit.advancing(access.logged_with(_INSERT_REPORT)))


def free_reports_used(session: Session, subject_id: int, year: int) -> int:
    """Free reports issued to the subject in this calendar year, in China's time: the
    year starts at midnight in Beijing, eight hours before midnight UTC."""
    start = dt.datetime(year, 1, 1, tzinfo=CHINA)
    end = dt.datetime(year + 1, 1, 1, tzinfo=CHINA)
    return int(
        session.scalar(
            select(func.count(CreditReport.id)).where(
                CreditReport.subject_id == subject_id,
                CreditReport.free,
                CreditReport.issued_at >= start,
                CreditReport.issued_at < end,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Verification:
    number: str
    genuine: bool
    issued_at: dt.datetime
    as_of: dt.date
    subject_name: str
    content_sha256: str
    code_matches: bool | None
    content_matches: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "genuine": self.genuine,
            "issued_at": self.issued_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "subject": self.subject_name,
            "content_sha256": self.content_sha256,
            "verification_code_matches": self.code_matches,
            "content_matches": self.content_matches,
        }


def verify(
    session: Session, number: str, *, code: str | None = None, content_sha256: str | None = None
) -> Verification:
    """Is a presented report genuine (its number and code) and unaltered (its content hash)?"""
    report = session.scalar(
        select(CreditReport).where(CreditReport.number == number.strip().upper())
    )
    if report is None:
        raise NotFound(
            "no report with this number was issued", code="unknown_report", field="number"
        )
    subject = session.get(Subject, report.subject_id)
    assert subject is not None
    code_matches = (
        None
        if code is None
        # As bytes: compare_digest refuses str with non-ASCII characters, which a
        # presented code may have (it then simply does not match).
        else hmac.compare_digest(code.strip().upper().encode(), report.verification_code.encode())
    )
    content_matches = (
        None if content_sha256 is None else content_sha256.strip().lower() == report.content_sha256
    )
    # The number is printed on every copy, forged ones too: only the verification code
    # printed with it proves a copy genuine, and a changed content hash disproves it.
    genuine = code_matches is True and content_matches is not False
    # Whose report it is is told only to a holder of the code; for persons masked anyway.
    # The name printed on the report, not today's: after a rename the verifier would
    # otherwise see another name than the copy shows (Art. 24; review r12).
    name = "—"
    if code_matches:
        printed = _printed_name(session, report, subject)
        name = printed if subject.is_organisation else printed[:1] + "*" * (len(printed) - 1)
    return Verification(
        report.number,
        genuine,
        report.issued_at,
        report.as_of,
        name,
        report.content_sha256,
        code_matches,
        content_matches,
    )


def content_hash_of(content: dict[str, Any]) -> str:
    """The hash a presented JSON report should have: over everything but the hash and code."""
    body = {k: v for k, v in content.items() if k not in ("content_sha256", "verification_code")}
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def _claim_first_showing(
    session: Session, clock: Clock, actor: Actor, report: CreditReport
) -> bool:
    """Whether this showing is the report's first, to its requester: marked on the report
    row by one conditional update, which only one request can make (a reload, a second tab
    or a replayed cookie finds it made). Rolled back with the request if the showing fails."""
    claimed = session.execute(
        update(CreditReport)
        .where(
            CreditReport.id == report.id,
            CreditReport.first_shown_at.is_(None),
            CreditReport.requested_by == _requested_by(actor),
        )
        .values(first_shown_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return bool(cast(Any, claimed).rowcount == 1)


# --- an issued report, opened again by its requester -----------------------------------------


def _issued_to(actor: Actor) -> ColumnElement[bool] | None:
    """Which reports count as issued to the actor: a subject account's own reports on the
    self path; for an organisation's staff and systems, those issued to the organisation (a
    report names the organisation it was given to, Art. 34) that the reader could have been
    issued itself. One issued on a written authorisation: to any of its queriers, as the
    authorisation lets any of them read (``access._by_authorisation``; closed once none is in
    force, ``_authorisation_ended``). One issued on a query item: to its requester, and to a
    colleague who holds that item now — the security officer decides which staff use which
    item (Art. 12(2), decision 0035), and a colleague without it, refused the file itself,
    is not given it by reopening a report. The requester keeps his report after his item is
    withdrawn: it shows what was issued, not a new query."""
    if actor.subject_id is not None:
        if not has_permission(actor, Permission.READ_OWN_FILE):
            return None
        return (CreditReport.subject_id == actor.subject_id) & (
            CreditReport.legal_path == LegalPath.SELF
        )
    # By role, whatever the organisation's standing: a report issued to an institution now
    # outside the register is found, to refuse its opening in the subject's log (``reopen``).
    if actor.organisation_id is None or not (
        role_grants(actor, Permission.QUERY_BY_ITEM)
        or role_grants(actor, Permission.QUERY_BY_AUTHORISATION)
    ):
        return None
    on_item: list[ColumnElement[bool]] = []
    requester = actor.audit().id
    if requester is not None:
        on_item.append(CreditReport.requested_by == requester)
    held = query_assignments.held_item_ids(actor)
    if held is not None and role_grants(actor, Permission.QUERY_BY_ITEM):
        # The item is the one its issuance was logged with for the subject (Art. 24).
        on_item.append(
            exists().where(
                AccessEvent.subject_id == CreditReport.subject_id,
                AccessEvent.report_number == CreditReport.number,
                AccessEvent.what == "report",
                AccessEvent.granted,
                AccessEvent.query_item_id.in_(held),
            )
        )
    return (CreditReport.organisation_id == actor.organisation_id) & or_(
        CreditReport.legal_path == LegalPath.AUTHORISATION,
        and_(CreditReport.legal_path == LegalPath.QUERY_ITEM, or_(false(), *on_item)),
    )


@dataclass(frozen=True)
class IssuedSummary:
    """One line of "my issued reports": enough to recognise a report, not its content."""

    number: str
    issued_at: dt.datetime
    as_of: dt.date
    subject_code: str  # the public code: for a person the masked ID number
    subject_reference: str  # how the API and the pages name the subject (opaque for a person)
    subject_name: str  # masked for a person
    legal_path: LegalPath
    requested_by: str
    free: bool
    record_count: int
    kept: bool  # its content is kept: it can be opened again
    # Issued on written authorisations one of which is no longer in force: it no longer
    # opens (Art. 13 ¶3).
    authorisation_ended: bool = False
    # The last day its content is kept (None: issued before contents were kept), and why
    # the content is gone when it is (``retention.REMOVAL_REASONS``).
    kept_until: dt.date | None = None
    content_removed: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "issued_at": self.issued_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "subject": {
                "code": self.subject_code,
                "reference": self.subject_reference,
                "name": self.subject_name,
            },
            "legal_path": self.legal_path.value,
            "requested_by": self.requested_by,
            "free": self.free,
            "records": self.record_count,
            "can_reopen": self.kept
            and not self.authorisation_ended
            and self.content_removed is None,
            "authorisation_ended": self.authorisation_ended,
            "content_kept_until": None if self.kept_until is None else self.kept_until.isoformat(),
            "content_removed": self.content_removed,
        }


MAX_LISTED = 200
# The databases' 64-bit integers: a larger offset overflows inside the driver.
MAX_OFFSET = 2**63 - 1


def issued_reports(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    limit: int = 50,
    offset: int = 0,
    keep_days: int = retention.REPORT_CONTENT_DAYS,
) -> list[IssuedSummary]:
    """The reports issued to the actor (see ``_issued_to``), newest first, each saying
    whether and until when its content is kept to be opened again (``keep_days``)."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to see the reports issued to you", code="not_authenticated")
    if not 1 <= limit <= MAX_LISTED:
        raise InvalidInput(f"limit is from 1 to {MAX_LISTED}", code="out_of_range", field="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset is from 0 to {MAX_OFFSET}", code="out_of_range", field="offset")
    require_standing(actor)
    condition = _issued_to(actor)
    if condition is None:
        raise PermissionDenied(
            "reports are issued to a subject about itself or to an organisation's queriers",
            code="no_query_permission",
            article="Art. 13",
        )
    rows = session.execute(
        select(CreditReport, Subject, CreditReport.content_ciphertext.is_not(None))
        .join(Subject, Subject.id == CreditReport.subject_id)
        .where(condition)
        .order_by(CreditReport.issued_at.desc(), CreditReport.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    ended = _authorisation_ended(session, clock, actor, [report for report, _, _ in rows])
    today = clock.today()
    summaries = []
    for report, subject, kept in rows:
        removed = _removed(report, bool(kept), today, keep_days)
        summaries.append(
            IssuedSummary(
                number=report.number,
                issued_at=report.issued_at,
                as_of=report.as_of,
                subject_code=subject.public_code,
                subject_reference=subject.reference,
                subject_name=subject.name if subject.is_organisation else mask_name(subject.name),
                legal_path=report.legal_path,
                requested_by=report.requester_label,
                free=report.free,
                record_count=report.record_count,
                kept=bool(kept) and removed is None,
                authorisation_ended=report.number in ended,
                kept_until=_kept_until(report, bool(kept), keep_days),
                content_removed=removed,
            )
        )
    return summaries


def _kept_until(report: CreditReport, kept: bool, keep_days: int) -> dt.date | None:
    """The last day the report's content is (or was) kept; None for a report issued before
    contents were kept."""
    if not kept and report.content_removed_at is None:
        return None
    return retention.content_kept_until(report.issued_at, keep_days)


def _removed(report: CreditReport, kept: bool, today: dt.date, keep_days: int) -> str | None:
    """Why the report's content is no longer kept, if it is not: deleted by the daily job
    (its reason), or past its period today though the job has not run yet."""
    if report.content_removed_reason is not None:
        return report.content_removed_reason
    if kept and retention.content_kept_until(report.issued_at, keep_days) < today:
        return retention.REMOVED_AFTER_PERIOD
    return None


# Why a report no longer opens once its content is deleted, and where that rests.
_GONE: dict[str, tuple[str, str]] = {
    retention.REMOVED_AFTER_PERIOD: (
        "the content of this report is no longer kept: a report is kept to be opened again "
        "only for a limited time after it is issued; its number and verification code "
        "still verify a copy",
        "Art. 4 ¶2",
    ),
    retention.REMOVED_AUTHORISATION_ENDED: (
        "the content of this report was deleted when the written authorisation it was "
        "issued on ended",
        "Art. 13 ¶3",
    ),
    retention.REMOVED_RECORD_REVOKED: (
        "the content of this report was deleted when a record it may show was revoked by "
        "its source",
        "Art. 12",
    ),
    retention.REMOVED_RECORD_REPAIRED: (
        "the content of this report was deleted when a record it may show was repaired: a "
        "repaired record is no longer shared",
        "Art. 20",
    ),
    retention.REMOVED_RECORD_CORRECTED: (
        "the content of this report was deleted when a record it may show was corrected "
        "after an objection; a new report shows the correction",
        "Art. 25",
    ),
    retention.REMOVED_RECORD_WITHDRAWN: (
        "the content of this report was deleted when a record it may show was withdrawn "
        "from publication after an objection: it should not have been public; a new report "
        "shows what may be shown",
        "Art. 25",
    ),
    retention.REMOVED_RECORD_NO_LONGER_USED: (
        "the content of this report was deleted when a record it may show was found wrong "
        "on an objection and, its source being deregistered, is no longer shared",
        "Art. 25",
    ),
    retention.REMOVED_RECORD_DELETED: (
        "the content of this report was deleted with a record it may show, which was "
        "deleted after its retention period",
        retention.RECORD_RETENTION_BASIS,
    ),
}


def _gone(report: CreditReport, reason: str, keep_days: int) -> Gone:
    message, article = _GONE.get(reason, _GONE[retention.REMOVED_AFTER_PERIOD])
    return Gone(
        message,
        code="report_content_removed",
        field="number",
        article=article,
        details={
            "reason": reason,
            "kept_until": retention.content_kept_until(report.issued_at, keep_days).isoformat(),
        },
    )


def _authorisation_ended(
    session: Session, clock: Clock, actor: Actor, reports: list[CreditReport]
) -> set[str]:
    """The numbers of those reports, issued to the actor's organisation on a subject's
    written authorisation, one of whose authorisations is no longer in force (revoked,
    expired). Such a report shows non-public information: it is opened again only while
    every authorisation it was issued on is in force — one issued before session 18 holds
    the record types of every authorisation then in force, so the one that ended may be the
    one behind a type it shows. The subject was told that revoking one refuses the
    organisation's next read (Art. 13 ¶3)."""
    on_authorisation = [r for r in reports if r.legal_path is LegalPath.AUTHORISATION]
    if not on_authorisation or actor.organisation_id is None or actor.subject_id is not None:
        return set()
    subject_ids = {r.subject_id for r in on_authorisation}
    issued_on: dict[str, set[int]] = {}
    for number, authorisation_id in session.execute(
        select(AccessEvent.report_number, AccessEvent.authorisation_id).where(
            AccessEvent.subject_id.in_(subject_ids),
            AccessEvent.report_number.in_([r.number for r in on_authorisation]),
            AccessEvent.what == "report",
            AccessEvent.granted,
        )
    ):
        if number is not None and authorisation_id is not None:
            issued_on.setdefault(number, set()).add(authorisation_id)
    in_force = (
        authorisations.ids_in_force(session, subject_ids, actor.organisation_id, clock.today())
        if actor.standing is None
        else set()  # an institution that may not read has none in force (Art. 26, 27)
    )
    return {
        r.number
        for r in on_authorisation
        if not issued_on.get(r.number) or not issued_on[r.number] <= in_force
    }


def reopen(
    session: Session,
    clock: Clock,
    actor: Actor,
    number: str,
    *,
    limits: access.ReadLimits = access.ReadLimits(),
    keep_days: int = retention.REPORT_CONTENT_DAYS,
    claim_first_showing: bool = False,
) -> IssuedReport:
    """The report issued under ``number``, exactly as issued (same number, code and
    content), for the requester it was issued to. Nothing is issued and the free
    allowance is untouched; the reading is audited, and logged for the subject when the
    reader is not the subject itself (Art. 24). Anyone else is told no such report was
    issued to them, so that numbers cannot be probed. A report whose content is no longer
    kept (``keep_days`` after issue, or deleted by the daily job) is gone: 410.

    ``claim_first_showing``: the caller shows at the report's own address the reports it
    issued to be shown there (the pages issue on a form, ``issue(shown_later=True)``, so
    that reloading the report issues no other). The first such showing to the requester is
    the issuance's own reading, logged for the subject and audited when it was issued: it
    is not logged or audited as opened again, nor counted once more against the bulk-read
    limit. It is claimed once, on the server (``_claim_first_showing``): any other showing,
    however the request comes, is an opening again."""
    if not actor.authenticated:
        raise NotAuthenticated("log in to open a report issued to you", code="not_authenticated")
    condition = _issued_to(actor)
    report = (
        None
        if condition is None
        else session.scalar(
            select(CreditReport)
            .options(undefer(CreditReport.content_ciphertext))
            .where(CreditReport.number == number.strip().upper(), condition)
        )
    )
    if report is None:
        # An institution outside the register is told that first: whatever the number, it
        # opens nothing (a report of its own is refused below, in the subject's log).
        require_standing(actor)
        raise NotFound(
            "no report with this number was issued to you", code="unknown_report", field="number"
        )
    kept = report.content_ciphertext is not None and report.file_key is not None
    removed = _removed(report, kept, clock.today(), keep_days)
    if removed is None and not kept:
        raise Conflict(
            "this report was issued before reports were kept: it cannot be opened again",
            code="report_not_kept",
            field="number",
        )
    subject = session.get(Subject, report.subject_id)
    assert subject is not None
    by_subject = actor.subject_id == report.subject_id
    standing = None if by_subject else actor.standing
    if standing is not None:
        # A suspended, deregistered or unregistered credit service institution opens no
        # report issued to it again (Art. 26, 27): it is a read too.
        raise access.refusal(
            session,
            clock,
            actor,
            subject,
            access.REPORT_REOPENED,
            PermissionDenied,
            standing.own_message,
            standing.code,
            article=standing.article,
            report_number=report.number,
        )
    if not by_subject and _authorisation_ended(session, clock, actor, [report]):
        raise access.refusal(
            session,
            clock,
            actor,
            subject,
            access.REPORT_REOPENED,
            PermissionDenied,
            "the written authorisation this report was issued on was revoked or has expired",
            "no_lawful_path",
            article="Art. 13 ¶3",
            report_number=report.number,
        )
    if removed is not None:
        raise _gone(report, removed, keep_days)
    just_issued = claim_first_showing and _claim_first_showing(session, clock, actor, report)
    if not by_subject and not just_issued:
        # Opening it again is another read of the subject's data by the organisation.
        access.check_read_limits(session, clock, actor, subject, access.REPORT_REOPENED, limits)
    assert report.content_ciphertext is not None
    assert report.file_key is not None
    cipher = default_cipher()
    file_ciphertext = session.scalar(
        select(CreditReportFile.ciphertext).where(CreditReportFile.key == report.file_key)
    )
    assert file_ciphertext is not None  # the foreign key
    content = {
        **orjson.loads(cipher.decrypt_bytes(report.content_ciphertext, context=CONTENT_CONTEXT)),
        **orjson.loads(cipher.decrypt_bytes(file_ciphertext, context=FILE_CONTEXT)),
    }
    # Canonical JSON read and written again is the same text, so this is what was hashed;
    # the hash proves it (the AEAD only proves the platform wrote each part).
    canonical = canonical_json(content)
    if hashlib.sha256(canonical).hexdigest() != report.content_sha256:
        raise Conflict(
            "the kept content of this report does not match its hash",
            code="report_content_mismatch",
            field="number",
        )
    if not just_issued:
        logged = (
            access.Logged()
            if by_subject
            else access.log_report_reopened(session, clock, actor, subject.id, report.number)
        )
        audit.record(
            session,
            clock,
            actor.audit(),
            "report.reopen",
            target_type="credit_report",
            target_id=report.id,
            details={
                "legal_path": report.legal_path.value,
                "by_subject": by_subject,
                **logged.details(),
            },
        )
    content["content_sha256"] = report.content_sha256
    content["verification_code"] = report.verification_code
    return IssuedReport(
        report, content, _body(canonical, report.content_sha256, report.verification_code)
    )
