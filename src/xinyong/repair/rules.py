"""The rules of credit repair (Art. 20–23), without the database: the conditions
checklist and the exclusions, the state machine, and the deadlines in working days."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from typing import Any

from xinyong.calendar import WorkingDayCalendar, add_months
from xinyong.catalog.definitions import (
    ART22_CASES,
    Category,
    Polarity,
    RecordTypeDefinition,
    Severity,
)
from xinyong.errors import Conflict
from xinyong.repair.models import OPEN, RepairCase, RepairStatus

ARTICLE = "Art. 21"
ORDER_36 = "国家发展改革委令第36号"
DEADLINE_BASIS = "国办发〔2025〕22号"
MAX_TEXT = 5000
CASE_PURPOSE = "deciding a credit repair (Art. 21)"

# The Art. 21 ¶2 declarations the subject makes; all are required.
DECLARATIONS = ("corrected", "committed", "supervision", "penalty_performed")


@dataclass(frozen=True)
class Terms:
    """The deadlines (rules.md, 国办发〔2025〕22号) and the exclusion period after fraud,
    configuration with defaults (``XINYONG_REPAIR_*``); kept with each case when applied."""

    feedback: int = 10  # working days for the platform to accept or refuse
    decide: int = 3  # working days for the source, from receiving the case
    fraud_exclusion_months: int = 12  # no new application after a case ended for fraud

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any] | None) -> Terms:
        known = {k: int(v) for k, v in (stored or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def repaired_here(definition: RecordTypeDefinition) -> bool:
    """Whether records of this type are repaired through the platform: dishonest conduct
    (Art. 20 ¶1) in public credit information. Its implementing body is the state organ or
    public-function organisation that recognised the conduct and collected the record
    (Art. 20 ¶2), whose recognition of the commitment, supervision and penalty Art. 21 ¶2
    asks for. Market credit information (Art. 10 ¶1: a bank's, a utility's, an
    institution's record of its own business) has no such body; what is wrong in it is
    corrected on objection (Art. 25), and it ends by retention (征信业管理条例 Art. 16)."""
    return definition.polarity is Polarity.NEGATIVE and definition.category is Category.PUBLIC


def reason_repaired(case_id: int) -> str:
    return f"repaired, case {case_id}"


def reason_restored(case_id: int) -> str:
    return f"repair revoked, case {case_id}"


def new_query_code() -> str:
    """A code to follow the case without an account: 16 characters of an alphabet
    without look-alikes, so it can be read out and typed."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return _grouped(raw)


def _grouped(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def typed_query_code(typed: str) -> str:
    """A query code as someone types it — any case, full-width, in groups separated by
    spaces, hyphens or nothing — in the form ``new_query_code`` gives it (review r3,
    session 19)."""
    letters = unicodedata.normalize("NFKC", typed).upper()
    return _grouped("".join(ch for ch in letters if ch.isascii() and ch.isalnum()))


# --- the checklist ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One condition (must be met) or exclusion (must not apply), with its article."""

    code: str
    kind: str  # condition or exclusion
    ok: bool  # a condition met, or an exclusion that does not apply
    article: str
    message: str
    # What the page fills into the check's label: the standard and the end of the term of
    # a black-list entry that excludes repair (Art. 22).
    params: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Listing:
    """A black-list entry of the subject in force under a standard naming a case of Art. 22."""

    case: str  # "22(1)" … "22(5)"
    standard: str  # the standard's name
    until: dt.date | None  # the end of its term


@dataclass(frozen=True)
class Facts:
    """What the platform knows about the application when it computes the checklist."""

    definition: RecordTypeDefinition
    severity: Severity
    decision_date: dt.date
    today: dt.date
    correction: str
    evidence: str
    declared: Collection[str]
    commitment_problem: str | None  # None: a valid commitment of the subject
    under_objection: bool
    repair_pending: bool
    fraud_within_period: dt.date | None  # the day a case of the subject ended for fraud
    serious_list: bool  # on the black list, serious tier, and configured to exclude
    terms: Terms
    # Entries in force under standards naming a case of Art. 22: never configurable.
    listed: tuple[Listing, ...] = ()


def publicity_period_check(
    definition: RecordTypeDefinition,
    severity: Severity,
    decision_date: dt.date,
    today: dt.date,
    declared: Collection[str],
) -> Check:
    """Order 36's minimum publicity period, by the record's class and decision date: a
    minor record once the legal duties are met. Checked on applying, and again on approving
    (``repair.service.decide``): a correction since (Art. 25) may have changed the class or
    the date."""
    if severity is Severity.MINOR:
        return Check(
            "publicity_period_passed",
            "condition",
            "penalty_performed" in declared,
            ORDER_36,
            "a minor record can be repaired once the legal duties are met",
        )
    ends = add_months(decision_date, definition.disclosure.period(severity).min_months)
    return Check(
        "publicity_period_passed",
        "condition",
        # The period's last day is inside it (as for publicity windows and list terms): it
        # has passed from the day after.
        ends < today,
        ORDER_36,
        f"the minimum publicity period of this record ends on {ends.isoformat()}",
        {"ends": ends.isoformat()},
    )


def checklist(facts: Facts) -> list[Check]:
    """The conditions of Art. 21 ¶2 and Order 36, all required, and the exclusions of
    Art. 22 and of the platform, none of which may apply."""
    declared = set(facts.declared)
    checks = [
        publicity_period_check(
            facts.definition, facts.severity, facts.decision_date, facts.today, declared
        )
    ]
    checks.append(
        Check(
            "conduct_corrected",
            "condition",
            "corrected" in declared and bool(facts.correction.strip()),
            "Art. 21 ¶2(1)",
            "the conduct was corrected and its bad effects are essentially removed; say how",
        )
    )
    checks.append(
        Check(
            "commitment_made",
            "condition",
            "committed" in declared and facts.commitment_problem is None,
            "Art. 21 ¶2(2)",
            facts.commitment_problem
            or "a public credit commitment not to repeat the conduct was made",
        )
    )
    checks.append(
        Check(
            "accepts_supervision",
            "condition",
            "supervision" in declared,
            "Art. 21 ¶2(3)",
            "the subject accepts the source's supervision, checks and integrity interviews",
        )
    )
    checks.append(
        Check(
            "penalty_performed",
            "condition",
            "penalty_performed" in declared and bool(facts.evidence.strip()),
            "Art. 21 ¶2(4)",
            "the penalty decision (or the obligation) was performed; give the evidence",
        )
    )
    checks.extend(art22_checks(facts.definition, facts.listed))
    checks.append(
        Check(
            "under_objection",
            "exclusion",
            not facts.under_objection,
            "Art. 25",
            "the record is under objection: the objection is decided first",
        )
    )
    checks.append(
        Check(
            "repair_pending",
            "exclusion",
            not facts.repair_pending,
            ARTICLE,
            "an application to repair this record is already being handled",
        )
    )
    ended = facts.fraud_within_period
    checks.append(
        Check(
            "fraud_exclusion_period",
            "exclusion",
            ended is None,
            "Art. 23",
            "a repair of this subject ended for fraud"
            + (
                ""
                if ended is None
                else f" on {ended.isoformat()}; no new application for "
                f"{facts.terms.fraud_exclusion_months} months"
            ),
            # Until when no new application is taken (``service.within_fraud_exclusion``).
            {}
            if ended is None
            else {"ended": ended.isoformat(), "until": fraud_exclusion_ends(ended, facts.terms)},
        )
    )
    checks.append(serious_list_check(facts.serious_list))
    return checks


def serious_list_check(serious_list: bool) -> Check:
    """The blanket exclusion of every seriously dishonest subject on the black list, where
    configured (the Zhejiang model of rules.md, ``XINYONG_REPAIR_EXCLUDES_SERIOUS_LIST``):
    ``serious_list`` when the subject is so listed and the setting is on. Checked on
    applying and again on approving, as the cases of Art. 22 are."""
    return Check(
        "serious_list",
        "exclusion",
        not serious_list,
        "Art. 22(5)",
        "a seriously dishonest subject on the black list cannot repair its records here",
    )


def fraud_exclusion_ends(ended: dt.date, terms: Terms) -> str:
    """The last day of the period after a repair ended for fraud on ``ended`` in which no new
    application is taken (Art. 23; ``XINYONG_REPAIR_FRAUD_EXCLUSION_MONTHS``)."""
    return add_months(ended, terms.fraud_exclusion_months).isoformat()


def art22_checks(definition: RecordTypeDefinition, listed: Collection[Listing]) -> list[Check]:
    """One exclusion per case of Art. 22 ("不予信用修复"): it applies when the catalog names
    the case for the record's type, or the subject is on the black list under a standard
    naming it (its first such entry is shown). Neither depends on configuration."""
    excluded = set(definition.repair_exclusions)
    checks = []
    for case in ART22_CASES:
        entry = next((listing for listing in listed if listing.case == case), None)
        if entry is not None:
            until = entry.until.isoformat() if entry.until else ""
            message = (
                f"the subject is on the black list under the standard {entry.standard}"
                + (f" until {until}" if until else "")
                + f": Art. {case} grants no repair while the entry is in force"
            )
            params = {"standard": entry.standard, "until": until}
        else:
            message = (
                "records of this type are not repairable (the catalog names this case of Art. 22)"
            )
            params = {}
        checks.append(
            Check(
                f"art{case.replace('(', '_').rstrip(')')}",
                "exclusion",
                case not in excluded and entry is None,
                f"Art. {case}",
                message,
                params,
            )
        )
    return checks


def failed(checks: list[Check]) -> list[Check]:
    return [check for check in checks if not check.ok]


# --- the state machine ------------------------------------------------------------------------

PLATFORM = "platform"  # the credit authority's objection handler: the 信用福州 channel
SOURCE = "source"  # the record's source: the deciding authority (Art. 20 ¶2)

TRANSITIONS: dict[tuple[RepairStatus, str, str], RepairStatus] = {
    (RepairStatus.SUBMITTED, PLATFORM, "accept"): RepairStatus.ACCEPTED,
    (RepairStatus.SUBMITTED, PLATFORM, "not_accept"): RepairStatus.NOT_ACCEPTED,
    (RepairStatus.ACCEPTED, SOURCE, "approve"): RepairStatus.APPROVED,
    (RepairStatus.ACCEPTED, SOURCE, "reject"): RepairStatus.REJECTED,
    # Art. 23: fraud found during the procedure ends it; found after, revokes the result.
    (RepairStatus.SUBMITTED, PLATFORM, "terminate"): RepairStatus.TERMINATED,
    (RepairStatus.ACCEPTED, SOURCE, "terminate"): RepairStatus.TERMINATED,
    (RepairStatus.APPROVED, SOURCE, "revoke"): RepairStatus.REVOKED,
}
ACTIONS = ("accept", "not_accept", "approve", "reject", "terminate", "revoke")


def next_status(status: RepairStatus, who: str, action: str) -> RepairStatus:
    """The case's status after ``who`` does ``action``, or the refusal (409)."""
    found = TRANSITIONS.get((status, who, action))
    if found is None:
        if status not in OPEN and not (status is RepairStatus.APPROVED and action == "revoke"):
            raise Conflict(
                f"this repair case is closed ({status.value})",
                code="repair_closed",
                field="case",
                article=ARTICLE if action != "revoke" else "Art. 23",
            )
        raise Conflict(
            f"a repair case that is {status.value} cannot be given '{action}' by the {who}",
            code="wrong_stage",
            field="case",
            article=ARTICLE,
        )
    return found


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    what: str  # feedback, decide
    due: dt.date
    provisional: bool
    overdue: bool
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "due": self.due.isoformat(),
            "provisional": self.provisional,
            "overdue": self.overdue,
            "basis": self.basis,
        }


def deadlines(case: RepairCase, calendar: WorkingDayCalendar, today: dt.date) -> list[Deadline]:
    """The deadline of the case's current stage, computed from the calendar now."""
    terms = Terms.from_dict(case.terms)
    if case.status is RepairStatus.SUBMITTED:
        start, days, what = case.received_on, terms.feedback, "feedback"
    elif case.status is RepairStatus.ACCEPTED:
        assert case.feedback_on is not None
        start, days, what = case.feedback_on, terms.decide, "decide"
    else:
        return []
    result = calendar.add_working_days(start, days)
    return [Deadline(what, result.day, result.provisional, today > result.day, DEADLINE_BASIS)]
