"""The rules of early removal from the black list on the subject's application (SAMR
Order 44; rules.md; decision 0027), without the database: eligibility as data, the
terms, and the deadline in working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from xinyong.calendar import WorkingDayCalendar, first_day_after
from xinyong.lists.models import (
    EARLY_REMOVAL_OPEN,
    EarlyRemovalApplication,
    EntryStatus,
    ListKind,
)

ORDER_44 = "SAMR Order 44"  # 市场监督管理严重违法失信名单管理办法（市场监管总局令第44号）
COURT_RULE = "rules.md: court judgment defaulters"
MAX_TEXT = 5000
PURPOSE = "deciding early removal from the black list (SAMR Order 44)"
# The public credit commitment the subject makes in applying (Art. 21 ¶2(2) style): shown
# beside the checkbox and kept with the application.
COMMITMENT = (
    "本主体承诺：已履行相关义务、纠正失信行为、消除不良影响；今后依法诚信经营，"
    "自觉接受监督检查；所提交材料真实有效，如有虚假，愿承担相应法律责任并同意恢复列入名单。"
)


@dataclass(frozen=True)
class Terms:
    """Configuration with defaults (``XINYONG_EARLY_REMOVAL_*``): the months listed before
    the subject may apply (a standard may set its own), and the working days the
    recognising agency has to decide. Kept with each application."""

    min_months: int = 12
    decide: int = 10

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any] | None) -> Terms:
        known = {k: int(v) for k, v in (stored or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True)
class Check:
    """One eligibility condition, met or not, with its basis; ``params`` carry the dates
    and numbers the pages put into their own wording."""

    code: str
    ok: bool
    article: str
    message: str
    params: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Facts:
    """What eligibility looks at: the entry, its standard's rule, the day, and whether an
    application for it is already being decided."""

    kind: ListKind
    status: EntryStatus
    term_start: dt.date | None
    term_end: dt.date | None
    today: dt.date
    allowed_by_standard: bool
    from_record_type: str | None
    exit_conditions: str
    min_months: int
    open_application_since: dt.date | None


def earliest_day(term_start: dt.date, min_months: int) -> dt.date:
    """The first day the subject may apply: once listed ``min_months``, the day after the
    period counted from the listing ends (民法典 Art. 201–202; decision 0042); with no
    minimum, from the listing itself."""
    return term_start if min_months <= 0 else first_day_after(term_start, min_months)


def checks(facts: Facts) -> list[Check]:
    """Every condition, all required: a black-list entry, published and in force, of a
    standard whose rule allows early removal on application, listed at least the minimum
    time, with no application for it being decided. An entry that never leaves on
    application (a court's, or its standard's rule) is told only that: when it could apply
    would contradict it."""
    in_force = (
        facts.status is EntryStatus.PUBLISHED
        and facts.term_start is not None
        and facts.term_start <= facts.today
        and (facts.term_end is None or facts.today <= facts.term_end)
    )
    result = [
        Check(
            "black_list",
            facts.kind is ListKind.BLACK,
            "Art. 14",
            "only an entry on the black list is removed early on application",
        ),
        Check(
            "published",
            in_force,
            "Art. 14",
            "only an entry published and in force can be removed early",
            {"status": facts.status.value},
        ),
    ]
    if facts.from_record_type:
        result.append(
            Check(
                "court_performance",
                False,
                COURT_RULE,
                "entries decided by a court leave on performance: the recognising court "
                "confirms the performance and the entry is removed within 3 working days",
                {"exit_conditions": facts.exit_conditions},
            )
        )
    else:
        result.append(
            Check(
                "standard_allows",
                facts.allowed_by_standard,
                ORDER_44,
                "entries of this standard leave by its exit conditions, not on application",
                {"exit_conditions": facts.exit_conditions},
            )
        )
    if not result[-1].ok:
        return result
    if facts.term_start is None:
        result.append(
            Check(
                "minimum_time_listed",
                False,
                ORDER_44,
                "the entry has not been listed yet",
                {"months": str(facts.min_months), "date": ""},
            )
        )
    else:
        earliest = earliest_day(facts.term_start, facts.min_months)
        result.append(
            Check(
                "minimum_time_listed",
                earliest <= facts.today,
                ORDER_44,
                f"an application can be made from {earliest.isoformat()}, "
                f"{facts.min_months} months after listing, once the obligations are met",
                {"months": str(facts.min_months), "date": earliest.isoformat()},
            )
        )
    pending = facts.open_application_since
    result.append(
        Check(
            "no_open_application",
            pending is None,
            ORDER_44,
            "one application per entry at a time"
            + ("" if pending is None else f": the one of {pending.isoformat()} is being decided"),
            {} if pending is None else {"date": pending.isoformat()},
        )
    )
    return result


def failed(found: list[Check]) -> list[Check]:
    return [check for check in found if not check.ok]


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    provisional: bool
    overdue: bool
    basis: str = ORDER_44

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": "decide",
            "due": self.due.isoformat(),
            "provisional": self.provisional,
            "overdue": self.overdue,
            "basis": self.basis,
        }


def deadline(
    application: EarlyRemovalApplication, calendar: WorkingDayCalendar, today: dt.date
) -> Deadline | None:
    """While open: the day the recognising agency decides by, in working days from the
    day the application was received, computed from the calendar now."""
    if application.status not in EARLY_REMOVAL_OPEN:
        return None
    terms = Terms.from_dict(application.terms)
    result = calendar.add_working_days(application.received_on, terms.decide)
    return Deadline(result.day, result.provisional, today > result.day)
