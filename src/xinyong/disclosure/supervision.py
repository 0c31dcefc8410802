"""Supervision of use (Art. 12, 13 ¶2, 33–34): the credit authority's view of who reads
credit files, the signals of misuse, and its follow-up against an organisation.

Everything is computed from the access log (``AccessEvent``), which records every read of
non-public data and every refused attempt, never the data itself. A subject reading its
own file is not supervised here (it has no organisation). Read by a query on several
written authorisations at once, one read leaves one event per authorisation; it is
counted once.

The six signals, each returned with the rule, its threshold and the evidence:

* **volume above the norm** — a day's reads by an organisation above ``volume_factor`` ×
  the median of its daily reads over the ``volume_baseline_days`` before (days without
  reads count as 0), and at least ``volume_min_reads``. The norm counts only days since
  the organisation's first read, and needs ``volume_min_history_days`` of them: an
  organisation that has just started has no norm to be far above;
* **outside the query item's matter** — attempts refused because they did not name the
  query item's matter (``matter_mismatch``), or reads whose purpose is not the item's
  matter (Art. 13 ¶2);
* **repeated reads of the same person** — ``repeat_reads`` reads or more of one natural
  person by one staff member on one legal path within ``repeat_window_days`` (Art. 34:
  the platform keeps no case reference with a read, so the follow-up asks for the case);
* **reads outside working hours** — ``after_hours_min`` or more by one staff member;
* **persons looked up by ID number** — in one day, by one staff member, ``lookups_min``
  lookups or more, or ``failed_lookups_min`` or more that found no one (Art. 34: trying
  ID numbers learns who is registered). Counted from the audit trail, which records every
  lookup, found or not (a lookup followed by a read is no separate access-log entry, and
  a failed one has no subject to log it for);
* **joint checks that found nobody on any list** — in the period, by one staff member,
  ``joint_check_unlisted_min`` codes or more in joint checks that found no subject, or a
  subject on no list and named on no entry (Art. 34: a check answers each code with the
  subject's name, and read limits do not apply to it, so checks of codes that no measure
  applies to learn who is who). Counted from the checks' log (``joint_check_uses``: the
  subjects on a list and on none, distinct within a check) and their audit events (codes
  given and found); never the codes.

The thresholds are configuration with defaults (``SignalThresholds``), never constants.
"""

from __future__ import annotations

import datetime as dt
import enum
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong import calendar_store, published_text
from xinyong.accounts import area
from xinyong.accounts.models import ApiKey, Organisation, UserAccount
from xinyong.accounts.permissions import Actor, Permission, require
from xinyong.accounts.service import actor_names
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.disclosure import joint_check_uses
from xinyong.disclosure.access import NOT_FILE_READS
from xinyong.disclosure.models import (
    AccessEvent,
    CreditReport,
    FollowUpKind,
    LegalPath,
    QueryItem,
    SupervisionFollowUp,
)
from xinyong.errors import InvalidInput, NotFound
from xinyong.subjects.models import Subject, SubjectKind
from xinyong.subjects.service import PERSON_LOOKUP_ACTION

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
# The days a period may name. Near the ends of the calendar a day has no midnight in UTC
# (or no day before it) to read the period between; and the platform has no use to
# supervise before 1970 anyway.
EARLIEST_DAY = dt.date(1970, 1, 1)
LATEST_DAY = dt.date(9999, 12, 30)
REASON_MAX = 2000
SIGNAL_KEY_MAX = 64
MATTER_MISMATCH = "matter_mismatch"


@dataclass(frozen=True)
class SignalThresholds:
    """When a pattern of use becomes a signal. Defaults; a city may set its own."""

    volume_factor: float = 3.0
    volume_min_reads: int = 20
    volume_baseline_days: int = 30
    volume_min_history_days: int = 7
    matter_refusals_min: int = 3
    matter_reads_min: int = 1
    repeat_reads: int = 3
    repeat_window_days: int = 7
    after_hours_min: int = 3
    lookups_min: int = 50
    failed_lookups_min: int = 5
    # The lookup signal's 50 a day over the working days of the default 30-day period: a
    # joint check should be no cheaper a way to learn names than looking persons up.
    joint_check_unlisted_min: int = 1000

    def __post_init__(self) -> None:
        if self.volume_factor <= 0 or self.volume_baseline_days < 1:
            raise ValueError("volume_factor and volume_baseline_days must be positive")
        if (
            min(
                self.volume_min_reads,
                # At 0 a new organisation's norm would be the median of no days.
                self.volume_min_history_days,
                self.matter_refusals_min,
                self.matter_reads_min,
                self.repeat_reads,
                self.repeat_window_days,
                self.after_hours_min,
                self.lookups_min,
                self.failed_lookups_min,
                self.joint_check_unlisted_min,
            )
            < 1
        ):
            raise ValueError("signal thresholds are at least 1")


class SignalKind(enum.StrEnum):
    VOLUME = "volume_above_norm"
    OUTSIDE_MATTER = "outside_matter"
    REPEATED_PERSON = "repeated_person_reads"
    AFTER_HOURS = "outside_working_hours"
    PERSON_LOOKUPS = "person_lookups"
    JOINT_CHECK_UNLISTED = "joint_check_unlisted"


FOLLOW_UP_LABELS_ZH = {
    FollowUpKind.INTERVIEW: "约谈",
    FollowUpKind.ORDER_CORRECTION: "责令改正",
    FollowUpKind.WARNING: "警告",
    FollowUpKind.CIRCULATE_CRITICISM: "通报批评",
}


def require_supervisor(actor: Actor) -> None:
    """Supervision is the credit authority's (Art. 33): refused to everybody else."""
    require(actor, Permission.SUPERVISE)


# --- the period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days in China, both ends included."""

    since: dt.date
    until: dt.date

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.since)

    @property
    def end(self) -> dt.datetime:
        return _midnight(self.until + dt.timedelta(days=1))

    def days(self) -> list[dt.date]:
        return [
            self.since + dt.timedelta(days=n) for n in range((self.until - self.since).days + 1)
        ]

    def as_dict(self) -> dict[str, str]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat()}


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA).astimezone(dt.UTC)


def period(clock: Clock, since: dt.date | None, until: dt.date | None) -> Period:
    """The period asked for; by default the last 30 days up to today."""
    until = until or clock.today()
    _check_day(until, "until")
    since = since or max(EARLIEST_DAY, until - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    return _checked(since, until)


def _check_day(day: dt.date, field: str) -> None:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(
            f"{field} is a day from {EARLIEST_DAY} to {LATEST_DAY}",
            code="out_of_range",
            field=field,
        )


def _checked(since: dt.date, until: dt.date) -> Period:
    _check_day(since, "since")
    _check_day(until, "until")
    if since > until:
        raise InvalidInput("since is after until", code="invalid_period", field="since")
    if (until - since).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"a period has at most {MAX_PERIOD_DAYS} days", code="period_too_long", field="since"
        )
    return Period(since, until)


# --- who ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    code: str
    name: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name}


@dataclass(frozen=True)
class StaffRef:
    """A staff member (a user account) or an organisation's system (an API key)."""

    kind: str  # user, api_key
    id: int
    name: str
    role: str | None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class _Event:
    id: int
    organisation_id: int
    staff: tuple[str, int] | None
    subject_id: int
    occurred_at: dt.datetime
    what: str
    granted: bool
    refusal_code: str | None
    legal_path: LegalPath
    query_item_id: int | None
    purpose: str | None
    report_number: str | None
    outside_working_hours: bool

    @property
    def read_key(self) -> tuple[Any, ...]:
        # One read on several written authorisations leaves one event per authorisation,
        # all with the same moment; any other event is one read.
        if self.legal_path is LegalPath.AUTHORISATION:
            return (self.organisation_id, self.staff, self.subject_id, self.occurred_at, self.what)
        return (self.id,)

    @property
    def day(self) -> dt.date:
        return self.occurred_at.astimezone(CHINA).date()


def _load_events(session: Session, start: dt.datetime, end: dt.datetime) -> list[_Event]:
    # Working hours are judged here against the calendar of public holidays and make-up
    # working days, not from the weekday alone when the read was logged.
    calendar = calendar_store.working_day_calendar(session)
    rows = session.execute(
        select(
            AccessEvent.id,
            AccessEvent.organisation_id,
            AccessEvent.user_id,
            AccessEvent.api_key_id,
            AccessEvent.subject_id,
            AccessEvent.occurred_at,
            AccessEvent.what,
            AccessEvent.granted,
            AccessEvent.refusal_code,
            AccessEvent.legal_path,
            AccessEvent.query_item_id,
            AccessEvent.purpose,
            AccessEvent.report_number,
        )
        .where(
            AccessEvent.organisation_id.is_not(None),
            AccessEvent.occurred_at >= start,
            AccessEvent.occurred_at < end,
            # A person found by ID number is in the person's log, but is no read of a file.
            AccessEvent.what.not_in(NOT_FILE_READS),
        )
        .order_by(AccessEvent.occurred_at, AccessEvent.id)
    )
    events: list[_Event] = []
    for (
        event_id,
        organisation_id,
        user_id,
        api_key_id,
        subject_id,
        occurred_at,
        what,
        granted,
        refusal_code,
        legal_path,
        query_item_id,
        purpose,
        report_number,
    ) in rows:
        assert organisation_id is not None
        staff = (
            ("user", user_id)
            if user_id is not None
            else ("api_key", api_key_id)
            if api_key_id is not None
            else None
        )
        events.append(
            _Event(
                event_id,
                organisation_id,
                staff,
                subject_id,
                occurred_at,
                what,
                granted,
                refusal_code,
                legal_path,
                query_item_id,
                purpose,
                report_number,
                calendar.is_outside_working_hours(occurred_at),
            )
        )
    return events


def _reads(events: Iterable[_Event]) -> list[_Event]:
    """Granted reads, each once."""
    seen: set[tuple[Any, ...]] = set()
    reads: list[_Event] = []
    for event in events:
        if event.granted and event.read_key not in seen:
            seen.add(event.read_key)
            reads.append(event)
    return reads


class _Staffed(Protocol):
    @property
    def organisation_id(self) -> int: ...

    @property
    def staff(self) -> tuple[str, int] | None: ...


class _Names:
    """Organisation and staff names for the events at hand, loaded once."""

    def __init__(self, session: Session, events: Iterable[_Staffed]) -> None:
        events = list(events)
        org_ids = {e.organisation_id for e in events}
        user_ids = {e.staff[1] for e in events if e.staff and e.staff[0] == "user"}
        key_ids = {e.staff[1] for e in events if e.staff and e.staff[0] == "api_key"}
        self.organisations = {
            o.id: OrganisationRef(o.id, o.code, o.name)
            for o in session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))
        }
        self.staff: dict[tuple[str, int], StaffRef] = {}
        for user_id, display_name, role in session.execute(
            select(UserAccount.id, UserAccount.display_name, UserAccount.role).where(
                UserAccount.id.in_(user_ids)
            )
        ):
            self.staff[("user", user_id)] = StaffRef("user", user_id, display_name, role.value)
        for key_id, name, role in session.execute(
            select(ApiKey.id, ApiKey.name, ApiKey.role).where(ApiKey.id.in_(key_ids))
        ):
            self.staff[("api_key", key_id)] = StaffRef("api_key", key_id, name, role.value)

    def organisation(self, organisation_id: int) -> OrganisationRef:
        return self.organisations.get(
            organisation_id, OrganisationRef(organisation_id, "", f"#{organisation_id}")
        )

    def member(self, staff: tuple[str, int] | None) -> StaffRef | None:
        if staff is None:
            return None
        return self.staff.get(staff, StaffRef(staff[0], staff[1], f"#{staff[1]}", None))


# --- volumes -----------------------------------------------------------------------------------


@dataclass
class Counts:
    reads: int = 0
    refusals: int = 0
    reports: int = 0
    outside_working_hours: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "reads": self.reads,
            "refusals": self.refusals,
            "reports": self.reports,
            "outside_working_hours": self.outside_working_hours,
        }


@dataclass
class StaffVolume:
    staff: StaffRef | None
    counts: Counts

    def as_dict(self) -> dict[str, Any]:
        return {"staff": self.staff.as_dict() if self.staff else None, **self.counts.as_dict()}


@dataclass
class OrganisationVolume:
    organisation: OrganisationRef
    counts: Counts
    staff: list[StaffVolume] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.as_dict(),
            **self.counts.as_dict(),
            "staff": [member.as_dict() for member in self.staff],
        }


def _count(events: list[_Event]) -> Counts:
    reads = _reads(events)
    return Counts(
        reads=len(reads),
        refusals=sum(1 for e in events if not e.granted),
        reports=len({e.report_number for e in reads if e.report_number}),
        outside_working_hours=sum(1 for e in reads if e.outside_working_hours),
    )


def volumes(
    session: Session, actor: Actor, since: dt.date, until: dt.date
) -> list[OrganisationVolume]:
    """Reads (granted), refused attempts and reports issued, per organisation and per
    staff member, busiest first."""
    require(actor, Permission.SUPERVISE)
    span = _checked(since, until)
    events = _in_area(session, actor, _load_events(session, span.start, span.end))
    names = _Names(session, events)
    by_org: dict[int, list[_Event]] = defaultdict(list)
    for event in events:
        by_org[event.organisation_id].append(event)
    result: list[OrganisationVolume] = []
    for organisation_id, org_events in by_org.items():
        by_staff: dict[tuple[str, int] | None, list[_Event]] = defaultdict(list)
        for event in org_events:
            by_staff[event.staff].append(event)
        staff = [StaffVolume(names.member(key), _count(items)) for key, items in by_staff.items()]
        staff.sort(
            key=lambda s: (-s.counts.reads, -s.counts.refusals, s.staff.name if s.staff else "")
        )
        result.append(
            OrganisationVolume(names.organisation(organisation_id), _count(org_events), staff)
        )
    result.sort(key=lambda o: (-o.counts.reads, -o.counts.refusals, o.organisation.name))
    return result


# --- signals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    kind: SignalKind
    key: str  # stable for the same pattern; stored with a follow-up
    organisation: OrganisationRef
    staff: StaffRef | None
    rule: str
    article: str
    threshold: dict[str, Any]
    evidence: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "organisation": self.organisation.as_dict(),
            "staff": self.staff.as_dict() if self.staff else None,
            "rule": self.rule,
            "article": self.article,
            "threshold": self.threshold,
            "evidence": self.evidence,
        }


def _key(*parts: object) -> str:
    return ":".join(str(p) for p in parts)[:SIGNAL_KEY_MAX]


def _staff_key(staff: tuple[str, int] | None) -> str:
    return "-" if staff is None else f"{staff[0]}{staff[1]}"


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def signals(
    session: Session,
    actor: Actor,
    since: dt.date,
    until: dt.date,
    thresholds: SignalThresholds = SignalThresholds(),
) -> list[Signal]:
    """The misuse signals of the period, each with its rule, threshold and evidence."""
    require(actor, Permission.SUPERVISE)
    span = _checked(since, until)
    baseline_start = _midnight(since - dt.timedelta(days=thresholds.volume_baseline_days))
    history = _load_events(session, baseline_start, span.end)
    events = [e for e in history if e.occurred_at >= span.start]
    names = _Names(session, events)
    found: list[Signal] = []
    found += _volume_signals(_first_reads(session), history, span, names, thresholds)
    found += _matter_signals(session, events, names, thresholds)
    found += _repeat_signals(session, events, names, thresholds)
    found += _after_hours_signals(events, names, thresholds)
    found += _lookup_signals(session, span, thresholds)
    found += _joint_check_signals(session, span, thresholds)
    # Each signal is about one organisation's reads: a district's credit authority sees
    # those of its own district's organisations (Art. 6; decision 0046).
    own = area.organisations_in_area(session, actor)
    return found if own is None else [s for s in found if s.organisation.id in own]


def _in_area(session: Session, actor: Actor, events: list[_Event]) -> list[_Event]:
    """The events of the organisations in the actor's own area (``area``, Art. 6)."""
    own = area.organisations_in_area(session, actor)
    return events if own is None else [e for e in events if e.organisation_id in own]


def _first_reads(session: Session) -> dict[int, dt.date]:
    """The day of each organisation's first read: the norm starts there."""
    return {
        organisation_id: first.astimezone(CHINA).date()
        for organisation_id, first in session.execute(
            select(AccessEvent.organisation_id, func.min(AccessEvent.occurred_at))
            .where(
                AccessEvent.organisation_id.is_not(None),
                AccessEvent.granted,
                AccessEvent.what.not_in(NOT_FILE_READS),
            )
            .group_by(AccessEvent.organisation_id)
        )
        if organisation_id is not None and first is not None
    }


def _volume_signals(
    first_reads: dict[int, dt.date],
    history: list[_Event],
    span: Period,
    names: _Names,
    thresholds: SignalThresholds,
) -> list[Signal]:
    daily: dict[int, Counter[dt.date]] = defaultdict(Counter)
    staff_daily: dict[tuple[int, dt.date], Counter[tuple[str, int] | None]] = defaultdict(Counter)
    for event in _reads(history):
        daily[event.organisation_id][event.day] += 1
        staff_daily[(event.organisation_id, event.day)][event.staff] += 1
    found: list[Signal] = []
    days = thresholds.volume_baseline_days
    for organisation_id, counts in sorted(daily.items()):
        for day in span.days():
            reads = counts.get(day, 0)
            if reads < thresholds.volume_min_reads:
                continue
            first = first_reads.get(organisation_id, day)
            baseline = [
                counts.get(before, 0)
                for n in range(1, days + 1)
                if (before := day - dt.timedelta(days=n)) >= first
            ]
            if len(baseline) < thresholds.volume_min_history_days:
                continue
            median = float(statistics.median(baseline))
            if reads <= thresholds.volume_factor * median:
                continue
            top = staff_daily[(organisation_id, day)].most_common(5)
            found.append(
                Signal(
                    kind=SignalKind.VOLUME,
                    key=_key(SignalKind.VOLUME.value, organisation_id, day.isoformat()),
                    organisation=names.organisation(organisation_id),
                    staff=None,
                    rule=(
                        f"a day's reads above {thresholds.volume_factor:g} × the organisation's "
                        f"median daily reads over the {days} days before (days since its first "
                        f"read, at least {thresholds.volume_min_history_days}), and at least "
                        f"{thresholds.volume_min_reads}"
                    ),
                    article="Art. 12(2)",
                    threshold={
                        "factor": thresholds.volume_factor,
                        "baseline_days": days,
                        "min_reads": thresholds.volume_min_reads,
                        "min_history_days": thresholds.volume_min_history_days,
                    },
                    evidence={
                        "day": day.isoformat(),
                        "reads": reads,
                        "baseline_median": median,
                        "limit": thresholds.volume_factor * median,
                        "norm_days": len(baseline),
                        "baseline_total": sum(baseline),
                        "by_staff": [_staff_reads(names.member(key), n) for key, n in top],
                    },
                )
            )
    return found


def _staff_reads(member: StaffRef | None, reads: int) -> dict[str, Any]:
    return {"staff": member.as_dict() if member else None, "reads": reads}


def _matter_signals(
    session: Session, events: list[_Event], names: _Names, thresholds: SignalThresholds
) -> list[Signal]:
    item_ids = {e.query_item_id for e in events if e.query_item_id is not None}
    items = {
        item_id: (code, matter, matter_code)
        for item_id, code, matter, matter_code in session.execute(
            select(QueryItem.id, QueryItem.code, QueryItem.matter, QueryItem.matter_code).where(
                QueryItem.id.in_(item_ids)
            )
        )
    }
    refusals: Counter[tuple[int, tuple[str, int] | None, int]] = Counter()
    outside: dict[tuple[int, tuple[str, int] | None, int], list[_Event]] = defaultdict(list)
    for event in events:
        if event.query_item_id is None or event.query_item_id not in items:
            continue
        group = (event.organisation_id, event.staff, event.query_item_id)
        if not event.granted and event.refusal_code == MATTER_MISMATCH:
            refusals[group] += 1
    for event in _reads(events):
        if event.legal_path is not LegalPath.QUERY_ITEM or event.query_item_id not in items:
            continue
        _code, matter, matter_code = items[event.query_item_id]
        if (event.purpose or "").strip() not in (matter, matter_code):
            outside[(event.organisation_id, event.staff, event.query_item_id)].append(event)
    found: list[Signal] = []
    for group in sorted(set(refusals) | set(outside), key=str):
        organisation_id, staff, item_id = group
        refused, reads = refusals.get(group, 0), outside.get(group, [])
        if refused < thresholds.matter_refusals_min and len(reads) < thresholds.matter_reads_min:
            continue
        code, matter, matter_code = items[item_id]
        found.append(
            Signal(
                kind=SignalKind.OUTSIDE_MATTER,
                key=_key(SignalKind.OUTSIDE_MATTER.value, _staff_key(staff), item_id),
                organisation=names.organisation(organisation_id),
                staff=names.member(staff),
                rule=(
                    f"at least {thresholds.matter_refusals_min} attempts refused for not naming "
                    f"the query item's matter, or at least {thresholds.matter_reads_min} read(s) "
                    "for another purpose than its matter"
                ),
                article="Art. 13 ¶2",
                threshold={
                    "refusals_min": thresholds.matter_refusals_min,
                    "reads_min": thresholds.matter_reads_min,
                },
                evidence={
                    "query_item": code,
                    "matter": matter,
                    "matter_code": matter_code,
                    "refused_matter_mismatch": refused,
                    "reads_for_another_purpose": len(reads),
                    "purposes": sorted({e.purpose or "" for e in reads}),
                },
            )
        )
    return found


def _repeat_signals(
    session: Session, events: list[_Event], names: _Names, thresholds: SignalThresholds
) -> list[Signal]:
    reads = [e for e in _reads(events) if e.staff is not None]
    subject_ids = {e.subject_id for e in reads}
    people = {
        subject_id: (reference, masked)
        for subject_id, reference, masked in session.execute(
            select(Subject.id, Subject.reference, Subject.citizen_id_masked).where(
                Subject.id.in_(subject_ids), Subject.kind == SubjectKind.NATURAL_PERSON
            )
        )
    }
    groups: dict[tuple[int, tuple[str, int] | None, int, LegalPath], list[_Event]] = defaultdict(
        list
    )
    for event in reads:
        if event.subject_id in people:
            groups[(event.organisation_id, event.staff, event.subject_id, event.legal_path)].append(
                event
            )
    window = dt.timedelta(days=thresholds.repeat_window_days)
    found: list[Signal] = []
    for (organisation_id, staff, subject_id, path), items in sorted(
        groups.items(), key=lambda kv: str(kv[0])
    ):
        if len(items) < thresholds.repeat_reads:
            continue
        times = sorted(e.occurred_at for e in items)
        best: list[dt.datetime] = []
        first = 0
        for last, moment in enumerate(times):
            while moment - times[first] >= window:
                first += 1
            if last - first + 1 > len(best):
                best = times[first : last + 1]
        if len(best) < thresholds.repeat_reads:
            continue
        reference, masked = people[subject_id]
        found.append(
            Signal(
                kind=SignalKind.REPEATED_PERSON,
                key=_key(
                    SignalKind.REPEATED_PERSON.value,
                    _staff_key(staff),
                    reference,
                    best[0].astimezone(CHINA).date().isoformat(),
                ),
                organisation=names.organisation(organisation_id),
                staff=names.member(staff),
                rule=(
                    f"at least {thresholds.repeat_reads} reads of the same natural person by "
                    f"the same staff member on the same legal path within "
                    f"{thresholds.repeat_window_days} days; no case reference is recorded with "
                    "a read, so ask the organisation for the case"
                ),
                article="Art. 34",
                threshold={
                    "reads": thresholds.repeat_reads,
                    "window_days": thresholds.repeat_window_days,
                },
                evidence={
                    "subject": {"reference": reference, "code": masked},
                    "legal_path": path.value,
                    "reads_in_window": len(best),
                    "reads_in_period": len(times),
                    "first": _local(best[0]),
                    "last": _local(best[-1]),
                },
            )
        )
    return found


@dataclass(frozen=True)
class _Lookup:
    organisation_id: int
    staff: tuple[str, int] | None
    day: dt.date
    found: str | None  # the subject's id, None when the number found no one


def _staff_of(actor_id: str | None) -> tuple[str, int] | None:
    """``user:12`` or ``api_key:3``, as ``Actor.audit`` writes it."""
    kind, _, number = (actor_id or "").partition(":")
    if kind not in ("user", "api_key") or not number.isdigit():
        return None
    return (kind, int(number))


def _lookup_signals(session: Session, span: Period, thresholds: SignalThresholds) -> list[Signal]:
    lookups = [
        _Lookup(
            occurrence.organisation_id,
            _staff_of(occurrence.actor_id),
            occurrence.occurred_at.astimezone(CHINA).date(),
            occurrence.target_id if occurrence.outcome == "ok" else None,
        )
        for occurrence in audit.occurrences(session, PERSON_LOOKUP_ACTION, span.start, span.end)
        if occurrence.organisation_id is not None
    ]
    groups: dict[tuple[int, tuple[str, int] | None, dt.date], list[_Lookup]] = defaultdict(list)
    for lookup in lookups:
        groups[(lookup.organisation_id, lookup.staff, lookup.day)].append(lookup)
    names = _Names(session, lookups)
    found: list[Signal] = []
    for (organisation_id, staff, day), items in sorted(groups.items(), key=lambda kv: str(kv[0])):
        failed = sum(1 for item in items if item.found is None)
        if len(items) < thresholds.lookups_min and failed < thresholds.failed_lookups_min:
            continue
        found.append(
            Signal(
                kind=SignalKind.PERSON_LOOKUPS,
                key=_key(SignalKind.PERSON_LOOKUPS.value, _staff_key(staff), day.isoformat()),
                organisation=names.organisation(organisation_id),
                staff=names.member(staff),
                rule=(
                    f"in one day, at least {thresholds.lookups_min} lookups of persons by ID "
                    f"number by one staff member, or at least {thresholds.failed_lookups_min} "
                    "that found no one"
                ),
                article="Art. 34",
                threshold={
                    "lookups_min": thresholds.lookups_min,
                    "failed_min": thresholds.failed_lookups_min,
                },
                evidence={
                    "day": day.isoformat(),
                    "lookups": len(items),
                    "lookups_failed": failed,
                    "persons_found": len({item.found for item in items if item.found}),
                },
            )
        )
    return found


@dataclass(frozen=True)
class _Check:
    organisation_id: int
    staff: tuple[str, int] | None
    day: dt.date
    codes: int
    found_no_one: int
    on_a_list: int
    on_no_list: int


# A check's audit event is written after its row, in the same transaction: a check at the
# end of the period has it a moment later (or, its microseconds dropped, at the same second).
_AUDIT_LATER = dt.timedelta(hours=1)


def _joint_check_signals(
    session: Session, span: Period, thresholds: SignalThresholds
) -> list[Signal]:
    counted = {
        occurrence.target_id: occurrence.counts
        for occurrence in audit.occurrences(
            session,
            joint_check_uses.CHECK_ACTION,
            span.start,
            span.end + _AUDIT_LATER,
            counts=("subjects", "found"),
        )
    }
    checks: list[_Check] = []
    for use in joint_check_uses.answered(session, span.start, span.end):
        if use.organisation_id is None:
            continue
        counts = counted.get(str(use.id), {})
        subjects = use.on_a_list + use.on_no_list
        # Codes given and found are in the audit event only (the log holds the subjects);
        # without them (a trail that lacks the event), the subjects are all that is known.
        codes = counts.get("subjects", subjects)
        checks.append(
            _Check(
                use.organisation_id,
                ("user", use.user_id)
                if use.user_id is not None
                else ("api_key", use.api_key_id)
                if use.api_key_id is not None
                else None,
                use.occurred_at.astimezone(CHINA).date(),
                codes,
                max(0, codes - counts.get("found", codes)),
                use.on_a_list,
                use.on_no_list,
            )
        )
    groups: dict[tuple[int, tuple[str, int] | None], list[_Check]] = defaultdict(list)
    for check in checks:
        groups[(check.organisation_id, check.staff)].append(check)
    names = _Names(session, checks)
    found: list[Signal] = []
    for (organisation_id, staff), items in sorted(groups.items(), key=lambda kv: str(kv[0])):
        by_day: Counter[dt.date] = Counter()
        for item in items:
            by_day[item.day] += item.found_no_one + item.on_no_list
        on_no_list = sum(by_day.values())
        if on_no_list < thresholds.joint_check_unlisted_min:
            continue
        busiest = sorted(sorted(by_day, key=lambda day: (-by_day[day], day))[:20])
        found.append(
            Signal(
                kind=SignalKind.JOINT_CHECK_UNLISTED,
                key=_key(
                    SignalKind.JOINT_CHECK_UNLISTED.value,
                    organisation_id,
                    _staff_key(staff),
                    items[0].day.isoformat(),
                ),
                organisation=names.organisation(organisation_id),
                staff=names.member(staff),
                rule=(
                    f"at least {thresholds.joint_check_unlisted_min} codes in one staff "
                    "member's joint checks that found nobody on any list: no subject, or a "
                    "subject on no list and named on no entry — checks that learn who is who "
                    "rather than apply a measure"
                ),
                article="Art. 34",
                threshold={"codes_min": thresholds.joint_check_unlisted_min},
                evidence={
                    "on_no_list": on_no_list,
                    "codes_found_no_one": sum(item.found_no_one for item in items),
                    "subjects_on_no_list": sum(item.on_no_list for item in items),
                    "subjects_on_a_list": sum(item.on_a_list for item in items),
                    "codes": sum(item.codes for item in items),
                    "checks": len(items),
                    "days": len(by_day),
                    "by_day": [
                        {"day": day.isoformat(), "on_no_list": by_day[day]} for day in busiest
                    ],
                },
            )
        )
    return found


def _after_hours_signals(
    events: list[_Event], names: _Names, thresholds: SignalThresholds
) -> list[Signal]:
    by_staff: dict[tuple[int, tuple[str, int] | None], list[_Event]] = defaultdict(list)
    totals: Counter[tuple[int, tuple[str, int] | None]] = Counter()
    for event in _reads(events):
        totals[(event.organisation_id, event.staff)] += 1
        if event.outside_working_hours:
            by_staff[(event.organisation_id, event.staff)].append(event)
    found: list[Signal] = []
    for (organisation_id, staff), items in sorted(by_staff.items(), key=lambda kv: str(kv[0])):
        if len(items) < thresholds.after_hours_min:
            continue
        found.append(
            Signal(
                kind=SignalKind.AFTER_HOURS,
                key=_key(
                    SignalKind.AFTER_HOURS.value,
                    organisation_id,
                    _staff_key(staff),
                    items[0].day.isoformat(),
                ),
                organisation=names.organisation(organisation_id),
                staff=names.member(staff),
                rule=(
                    f"at least {thresholds.after_hours_min} reads outside working hours by one "
                    "staff member"
                ),
                article="Art. 12(2)",
                threshold={"reads_min": thresholds.after_hours_min},
                evidence={
                    "reads_outside_working_hours": len(items),
                    "reads": totals[(organisation_id, staff)],
                    "times": [_local(e.occurred_at) for e in items[:20]],
                },
            )
        )
    return found


# --- reports issued, for tracing a leaked copy (Art. 34) ---------------------------------------


@dataclass(frozen=True)
class IssuedReport:
    number: str
    requester_label: str
    issued_at: dt.datetime

    def as_dict(self) -> dict[str, str]:
        return {
            "number": self.number,
            "requester": self.requester_label,
            "issued_at": self.issued_at.isoformat(),
        }


def issued_reports(
    session: Session, actor: Actor, since: dt.date, until: dt.date
) -> dict[int, list[IssuedReport]]:
    """The credit reports each organisation's staff downloaded in the period: every copy
    carries its number and the querier, so a leaked one can be traced."""
    require(actor, Permission.SUPERVISE)
    span = _checked(since, until)
    found: dict[int, list[IssuedReport]] = defaultdict(list)
    for organisation_id, number, label, issued_at in session.execute(
        select(
            CreditReport.organisation_id,
            CreditReport.number,
            CreditReport.requester_label,
            CreditReport.issued_at,
        )
        .where(
            CreditReport.organisation_id.is_not(None),
            area.area_filter(session, actor, CreditReport.organisation_id),
            CreditReport.issued_at >= span.start,
            CreditReport.issued_at < span.end,
        )
        .order_by(CreditReport.issued_at.desc(), CreditReport.id.desc())
    ):
        assert organisation_id is not None
        found[organisation_id].append(IssuedReport(number, label, issued_at))
    return dict(found)


@dataclass(frozen=True)
class IssuedToOrganisation:
    """The reports one organisation's staff downloaded in a period (``issued_reports``)."""

    organisation: OrganisationRef
    reports: list[IssuedReport]

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.as_dict(),
            "reports": [report.as_dict() for report in self.reports],
        }


def issued_reports_by_organisation(
    session: Session, actor: Actor, since: dt.date, until: dt.date
) -> list[IssuedToOrganisation]:
    """``issued_reports`` with each organisation named, by organisation code: what the
    supervision page shows under each organisation, for the API."""
    issued = issued_reports(session, actor, since, until)
    refs = {
        o.id: OrganisationRef(o.id, o.code, o.name)
        for o in session.scalars(select(Organisation).where(Organisation.id.in_(issued)))
    }
    found = [
        IssuedToOrganisation(refs.get(i, OrganisationRef(i, "", f"#{i}")), reports)
        for i, reports in issued.items()
    ]
    return sorted(found, key=lambda item: (item.organisation.code, item.organisation.id))


# --- follow-up (Art. 33 ¶2) --------------------------------------------------------------------


def record_follow_up(
    session: Session,
    clock: Clock,
    actor: Actor,
    organisation: Organisation,
    kind: FollowUpKind | str,
    reason: str,
    signal: str | None = None,
) -> SupervisionFollowUp:
    """The credit authority's follow-up against an organisation: 约谈 (interview), 责令改正
    (order to correct), 警告 (warning) or 通报批评 (circulated criticism), Art. 33 ¶2. The
    organisation's security officer reads it with its reasons (``follow_ups_received``)."""
    require(actor, Permission.SUPERVISE)
    area.require_in_own_area(session, actor, organisation.id, "the organisation", field="org")
    try:
        kind = FollowUpKind(kind)
    except ValueError:
        raise InvalidInput(
            "kind is one of " + ", ".join(k.value for k in FollowUpKind),
            code="invalid_choice",
            field="kind",
            article="Art. 33 ¶2",
        ) from None
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "give the reasons for the follow-up", code="required", field="reason", article="Art. 33"
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"the reasons have at most {REASON_MAX} characters", code="too_long", field="reason"
        )
    # The organisation followed up reads the reasons (Art. 33 ¶2, Art. 4 ¶2).
    published_text.refuse_citizen_ids({"reason": reason}, today=clock.today())
    signal = (signal or "").strip() or None
    if signal is not None and len(signal) > SIGNAL_KEY_MAX:
        raise InvalidInput(
            f"a signal key has at most {SIGNAL_KEY_MAX} characters",
            code="too_long",
            field="signal",
        )
    follow_up = SupervisionFollowUp(
        organisation_id=organisation.id,
        kind=kind,
        reason=reason,
        signal=signal,
        decided_by=actor.audit().id or actor.kind,
        decided_at=clock.now(),
    )
    session.add(follow_up)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "supervision.follow_up",
        target_type="organisation",
        target_id=organisation.id,
        details={"kind": kind.value, "signal": signal, "follow_up": follow_up.id},
    )
    return follow_up


@dataclass(frozen=True)
class FollowUpView:
    follow_up: SupervisionFollowUp
    organisation: OrganisationRef
    # Who decided it, as the reader may know it: for the credit authority the officer and
    # the authority, for the organisation followed up only the authority (city or
    # district) — its staff are not the organisation's business, nor is the internal id.
    decided_by_name: str
    for_the_authority: bool

    def as_dict(self) -> dict[str, Any]:
        item = self.follow_up
        answer: dict[str, Any] = {
            "id": item.id,
            "organisation": self.organisation.as_dict(),
            "kind": item.kind.value,
            "kind_zh": FOLLOW_UP_LABELS_ZH[item.kind],
            "reason": item.reason,
            "signal": item.signal,
            "decided_by_name": self.decided_by_name,
            "decided_at": item.decided_at.isoformat(),
            "article": "Art. 33 ¶2",
        }
        if self.for_the_authority:
            answer["decided_by"] = item.decided_by
        return answer


def _follow_up_views(
    session: Session, rows: list[tuple[SupervisionFollowUp, Organisation]], *, authority: bool
) -> list[FollowUpView]:
    names = actor_names(session, (item.decided_by for item, _ in rows), staff=authority)
    return [
        FollowUpView(
            item,
            OrganisationRef(org.id, org.code, org.name),
            names.get(item.decided_by, ""),
            authority,
        )
        for item, org in rows
    ]


def follow_up_view(
    session: Session, follow_up: SupervisionFollowUp, organisation: Organisation
) -> FollowUpView:
    """The follow-up just recorded, as the credit authority reads it."""
    (view,) = _follow_up_views(session, [(follow_up, organisation)], authority=True)
    return view


def follow_ups_received(session: Session, actor: Actor) -> list[FollowUpView]:
    """The follow-ups recorded against the actor's own organisation, newest first: what the
    organisation was interviewed about, ordered to correct, warned or criticised for, and
    why (Art. 33 ¶2), for its security officer to act on."""
    require(actor, Permission.READ_OWN_FOLLOW_UPS)
    if actor.organisation_id is None:
        return []
    query = (
        select(SupervisionFollowUp, Organisation)
        .join(Organisation, Organisation.id == SupervisionFollowUp.organisation_id)
        .where(SupervisionFollowUp.organisation_id == actor.organisation_id)
        .order_by(SupervisionFollowUp.decided_at.desc(), SupervisionFollowUp.id.desc())
    )
    return _follow_up_views(
        session, [(item, org) for item, org in session.execute(query)], authority=False
    )


def follow_ups(
    session: Session, actor: Actor, organisation_id: int | None = None
) -> list[FollowUpView]:
    """Follow-ups recorded, newest first; of one organisation when given."""
    require(actor, Permission.SUPERVISE)
    query = (
        select(SupervisionFollowUp, Organisation)
        .join(Organisation, Organisation.id == SupervisionFollowUp.organisation_id)
        .where(area.area_filter(session, actor, SupervisionFollowUp.organisation_id))
        .order_by(SupervisionFollowUp.decided_at.desc(), SupervisionFollowUp.id.desc())
    )
    if organisation_id is not None:
        if session.get(Organisation, organisation_id) is None:
            raise NotFound("no such organisation", code="not_found", field="organisation")
        area.require_in_own_area(
            session, actor, organisation_id, "the organisation", field="organisation"
        )
        query = query.where(SupervisionFollowUp.organisation_id == organisation_id)
    return _follow_up_views(
        session, [(item, org) for item, org in session.execute(query)], authority=True
    )
