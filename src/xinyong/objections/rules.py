"""The rules of an objection to a credit record (Art. 25), without the database: the
grounds' outcomes, the state machine, and the deadlines of each stage in working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from xinyong.calendar import WorkingDayCalendar, add_days, last_day_for_act
from xinyong.clock import CHINA
from xinyong.collection.content import reason_corrected as reason_corrected
from xinyong.errors import Conflict
from xinyong.objections.models import (
    OPEN,
    STOP_USE_GROUNDS,
    WITHDRAWAL_GROUNDS,
    Ground,
    ObjectionStatus,
    RecordObjection,
)

ARTICLE = "Art. 25"
MARKET_BASIS = "征信业管理条例 Art. 25"
DEADLINE_BASIS = "Shanghai regulation Art. 36 (rules.md default)"
# The longest statement of any objection: to a credit record, to a list candidacy or a
# published list entry, and a public comment on a red-list candidate (decisions 0008, 0009,
# 0022). The one limit the services refuse by, the API schemas declare (``max_length``) and
# the pages' forms set (``maxlength``).
MAX_STATEMENT = 5000
# The longest reasons of a decision on an objection (to a credit record, to a list candidacy
# or published entry), and of the check recorded with it: the one limit the services refuse
# by, the API schemas declare and the forms set, counted as ``statement_too_long`` counts.
MAX_REASONS = 5000
CASE_PURPOSE = "deciding an objection (Art. 25)"


@dataclass(frozen=True)
class Terms:
    """The deadlines of the stages (rules.md "Objections", configuration with defaults:
    ``XINYONG_OBJECTION_*``). Kept with each objection as they were when it was received,
    so that a later change of configuration does not move a running case's deadlines."""

    forward: int = 2  # working days for the credit authority to forward to the source
    decide: int = 5  # working days for the credit authority to decide
    source_decides: int = 5  # working days for the source, from forwarding
    market_days: int = 20  # calendar days for market credit information (征信业管理条例 Art. 25)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict[str, Any] | None) -> Terms:
        known = {name: int(value) for name, value in (stored or {}).items() if name in FIELDS}
        return cls(**known)


FIELDS = frozenset(Terms.__dataclass_fields__)


def too_long(text: str, limit: int) -> bool:
    """Whether a text as sent is over ``limit`` characters, counted as a form's
    ``maxlength`` counts them — blanks too, and a line break as one character, though the
    browser sends it as CR LF — so that a form never takes what is refused."""
    return len(text.replace("\r\n", "\n")) > limit


def statement_too_long(statement: str) -> bool:
    """Whether a statement as sent is over ``MAX_STATEMENT`` characters (``too_long``)."""
    return too_long(statement, MAX_STATEMENT)


def reason_withdrawn(objection_id: int) -> str:
    return f"withdrawn from publication after objection {objection_id}"


def reason_no_longer_used(objection_id: int) -> str:
    return f"no longer used after objection {objection_id}: its source is deregistered"


def reason_duplicate(objection_id: int) -> str:
    """The version of a duplicate its source took out of use on an upheld objection."""
    return f"no longer used after objection {objection_id}: a duplicate publication"


# The detail of the version the credit authority writes in the place of a deregistered
# source: why it, and not the source, changed the record (Art. 24).
IN_PLACE_NOTE = (
    "the record's source, a credit service institution, is deregistered and can no longer "
    "correct it: the credit authority carries out the upheld objection in its place"
)


def reason_rejected(objection_id: int) -> str:
    return f"objection {objection_id} rejected"


def reason_unconfirmed(objection_id: int) -> str:
    return f"objection {objection_id}: facts could not be confirmed"


# --- the state machine ------------------------------------------------------------------------

# Who acts: the credit authority's objection handler, or the record's source.
HANDLER = "handler"
SOURCE = "source"
# The handler deciding a case forwarded to a source that has left the active register of
# credit service institutions since (Art. 26): the source no longer works on the platform,
# so the case comes back to the credit authority rather than wait (decision 0024 addendum).
STAND_IN = "handler_for_source"
# The credit authority carrying out an upheld objection whose source has left the register
# for good (a deregistered credit service institution): nobody is left to correct the record,
# so what the platform can do without its source is done — withdrawn from publication on
# the grounds answered so, no longer shared or used on the others (decision 0024 addendum).
DEPARTED = "authority_for_deregistered_source"

# (status, actor, action) → the status after it. Anything else is refused (409).
TRANSITIONS: dict[tuple[ObjectionStatus, str, str], ObjectionStatus] = {
    (ObjectionStatus.RECEIVED, HANDLER, "forward"): ObjectionStatus.FORWARDED,
    (ObjectionStatus.RECEIVED, HANDLER, "upheld"): ObjectionStatus.UPHELD,
    (ObjectionStatus.RECEIVED, HANDLER, "rejected"): ObjectionStatus.REJECTED,
    (ObjectionStatus.RECEIVED, HANDLER, "unconfirmed"): ObjectionStatus.UNCONFIRMED,
    (ObjectionStatus.FORWARDED, SOURCE, "upheld"): ObjectionStatus.UPHELD,
    (ObjectionStatus.FORWARDED, SOURCE, "rejected"): ObjectionStatus.REJECTED,
    (ObjectionStatus.FORWARDED, SOURCE, "unconfirmed"): ObjectionStatus.UNCONFIRMED,
    (ObjectionStatus.FORWARDED, STAND_IN, "upheld"): ObjectionStatus.UPHELD,
    (ObjectionStatus.FORWARDED, STAND_IN, "rejected"): ObjectionStatus.REJECTED,
    (ObjectionStatus.FORWARDED, STAND_IN, "unconfirmed"): ObjectionStatus.UNCONFIRMED,
    # The source upholds by correcting or withdrawing at once, or after the handler upheld.
    (ObjectionStatus.FORWARDED, SOURCE, "correct"): ObjectionStatus.CORRECTED,
    (ObjectionStatus.FORWARDED, SOURCE, "withdraw"): ObjectionStatus.WITHDRAWN,
    (ObjectionStatus.UPHELD, SOURCE, "correct"): ObjectionStatus.CORRECTED,
    (ObjectionStatus.UPHELD, SOURCE, "withdraw"): ObjectionStatus.WITHDRAWN,
    # A duplicate is taken out of use by its source, at once or after the handler upheld.
    (ObjectionStatus.FORWARDED, SOURCE, "stop_use"): ObjectionStatus.NO_LONGER_USED,
    (ObjectionStatus.UPHELD, SOURCE, "stop_use"): ObjectionStatus.NO_LONGER_USED,
    (ObjectionStatus.UPHELD, DEPARTED, "withdraw"): ObjectionStatus.WITHDRAWN,
    (ObjectionStatus.UPHELD, DEPARTED, "stop_use"): ObjectionStatus.NO_LONGER_USED,
}
DECISIONS = ("upheld", "rejected", "unconfirmed")


def departed_action(ground: Ground) -> str:
    """What the credit authority does in the place of a deregistered source: withdraw from
    publication what the ground says should not be published, and otherwise — a record found
    wrong that nobody can correct, or a duplicate — stop sharing and using it."""
    return "withdraw" if ground in WITHDRAWAL_GROUNDS else "stop_use"


def source_action(ground: Ground) -> frozenset[str]:
    """How the source carries out an objection upheld on ``ground``: a withdrawal ground by
    withdrawing from publication; a duplicate by taking it out of use; any other by
    correcting or withdrawing."""
    if ground in WITHDRAWAL_GROUNDS:
        return frozenset({"withdraw"})
    if ground in STOP_USE_GROUNDS:
        return frozenset({"stop_use"})
    return frozenset({"correct", "withdraw"})


def next_status(status: ObjectionStatus, who: str, action: str, ground: Ground) -> ObjectionStatus:
    """The objection's status after ``who`` does ``action``, or the refusal: pure, so that
    the property test can walk every path."""
    found = TRANSITIONS.get((status, who, action))
    if who == DEPARTED and action != departed_action(ground):
        found = None
    if found is None:
        if status not in OPEN:
            raise Conflict(
                f"this objection is closed ({status.value})",
                code="objection_closed",
                field="objection",
                article=ARTICLE,
            )
        raise Conflict(
            f"an objection that is {status.value} cannot be given '{action}' by the {who}",
            code="wrong_stage",
            field="objection",
            article=ARTICLE,
        )
    if action == "correct" and ground in WITHDRAWAL_GROUNDS:
        raise Conflict(
            "an objection that the record should not be public, or is past its publicity "
            "period, is answered by withdrawing it from publication, not by changing it",
            code="withdraw_instead",
            field="objection",
            article=ARTICLE,
        )
    if who == SOURCE and action in ("correct", "withdraw") and ground in STOP_USE_GROUNDS:
        raise Conflict(
            "an objection that the record is published twice is answered by taking the "
            "duplicate out of use: corrected or withdrawn from publication only, it would "
            "still be shared and counted",
            code="stop_use_instead",
            field="objection",
            article=ARTICLE,
        )
    if who == SOURCE and action == "stop_use" and ground not in STOP_USE_GROUNDS:
        raise Conflict(
            "only a record published twice is taken out of use on an objection; a wrong "
            "record is corrected, and one that should not be public is withdrawn from "
            "publication",
            code="not_a_duplicate",
            field="objection",
            article=ARTICLE,
        )
    return found


# --- deadlines --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    what: str  # forward, decide, source_decides, correct
    due: dt.date
    provisional: bool  # past the calendar's official data: Monday–Friday assumed
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


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(CHINA).date()


def working_deadline(
    calendar: WorkingDayCalendar, start: dt.date, days: int, what: str, today: dt.date
) -> Deadline:
    """``days`` working days after ``start``, from the calendar now (provisional past its
    official data), and whether ``today`` is past it. Also the term of an objection to a
    published list entry (``lists.entries``): the same deadlines, one machinery."""
    result = calendar.add_working_days(start, days)
    return Deadline(what, result.day, result.provisional, today > result.day, DEADLINE_BASIS)


def deadlines(
    objection: RecordObjection, calendar: WorkingDayCalendar, today: dt.date
) -> list[Deadline]:
    """The deadlines of the case's current stage, computed from the calendar now: a
    provisional one becomes definite once the credit authority enters the year."""
    status = objection.status
    if status not in OPEN:
        return []
    terms = Terms.from_dict(objection.terms)
    if objection.market:
        # Calendar days, the last moved to a working day when it is not one (民法典 Art. 203).
        due = last_day_for_act(calendar, add_days(objection.received_on, terms.market_days))
        return [Deadline("decide", due.day, due.provisional, today > due.day, MARKET_BASIS)]

    def after(start: dt.date, days: int, what: str) -> Deadline:
        return working_deadline(calendar, start, days, what, today)

    if status is ObjectionStatus.RECEIVED:
        return [
            after(objection.received_on, terms.forward, "forward"),
            after(objection.received_on, terms.decide, "decide"),
        ]
    if status is ObjectionStatus.FORWARDED:
        assert objection.forwarded_on is not None
        return [after(objection.forwarded_on, terms.source_decides, "source_decides")]
    assert objection.decided_at is not None
    # Upheld: the source carries it out in the time it would have had to decide.
    return [after(_local_day(objection.decided_at), terms.source_decides, "correct")]


def outcome(objection: RecordObjection) -> str | None:
    """The decision: upheld (and carried out or waiting to be), rejected, unconfirmed."""
    status = objection.status
    if status in (
        ObjectionStatus.UPHELD,
        ObjectionStatus.CORRECTED,
        ObjectionStatus.WITHDRAWN,
        ObjectionStatus.NO_LONGER_USED,
    ):
        return "upheld"
    if status in (ObjectionStatus.REJECTED, ObjectionStatus.UNCONFIRMED):
        return status.value
    return None
