"""How long the content of rejected and held rows is kept (decision 0021).

A batch's rows that were not accepted (``QuarantinedRow``) keep, encrypted, what the source
sent — often a person's name and ID number — so that the source can correct them. That
purpose is met within weeks: the source must submit a record within
``XINYONG_LATE_SUBMISSION_WORKING_DAYS`` of its decision (Art. 4), and a rejected row is a
submission still to be made. So the content is kept for ``QUARANTINE_CONTENT_DAYS`` after
the batch was received and then erased by the daily job (Art. 4 ¶2: necessary; PIPL
Art. 19: no longer than the purpose needs). What the batch report needs stays: each row's
number, disposition and problems (field, code, message, article), which never hold the
row's values; the batch records when its rows' content was erased.

A held row awaiting its decision keeps its content past the period (decision 0050): its
reviewer reads it to decide, and a release ingests it (``held_rows``). Once decided it
follows the period: a row decided after the batch's period has its content erased with
the decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit import service as audit
from xinyong.clock import CHINA, Clock
from xinyong.collection.models import Batch, QuarantinedRow, RowDisposition

# The default of ``XINYONG_QUARANTINE_CONTENT_DAYS``: about three times the working days a
# source has to submit a record (7, Art. 4), counted in calendar days with a long holiday
# on the way, so that a correction made in the ordinary course still finds the row.
QUARANTINE_CONTENT_DAYS = 30

# Batches one call erases at most; the CLI calls again while a call says there is more.
# The rows of one batch are erased in one statement, however many they are.
BATCHES_PER_CALL = 100


def content_kept_until(received_at: dt.datetime, keep_days: int) -> dt.date:
    """The last day (in China) the content of a batch's rejected and held rows is kept."""
    return received_at.astimezone(CHINA).date() + dt.timedelta(days=keep_days)


def kept_until(batch: Batch, keep_days: int) -> dt.date | None:
    """Until when this batch's rejected and held rows keep their content; None when it
    has no such rows or their content was erased already."""
    if batch.quarantine_erased_at is not None or not (batch.rejected or batch.held):
        return None
    return content_kept_until(batch.received_at, keep_days)


@dataclass(frozen=True)
class ErasedContent:
    """What one call of ``erase_past_period`` did."""

    batches: int
    rows: int
    more: bool


def erase_past_period(
    session: Session,
    clock: Clock,
    *,
    keep_days: int = QUARANTINE_CONTENT_DAYS,
    limit: int = BATCHES_PER_CALL,
) -> ErasedContent:
    """Erase the kept content of the rejected and held rows of up to ``limit`` batches
    received more than ``keep_days`` days ago (kept through the last day, erased the day
    after), oldest first, and mark each batch; one audit event with the batch ids and the
    number of rows, never content. A held row awaiting its decision keeps its content
    (``held_rows`` erases it with the decision)."""
    # The first day whose batches still keep their rows' content, as an instant: midnight
    # in China.
    first_kept = dt.datetime.combine(
        clock.today() - dt.timedelta(days=keep_days), dt.time(), tzinfo=CHINA
    ).astimezone(dt.UTC)
    due = list(
        session.scalars(
            select(Batch.id)
            .where(
                Batch.received_at < first_kept,
                Batch.quarantine_erased_at.is_(None),
                (Batch.rejected + Batch.held) > 0,
            )
            .order_by(Batch.id)
            .limit(limit)
            .with_for_update()
        )
    )
    if not due:
        return ErasedContent(0, 0, more=False)
    result = session.execute(
        update(QuarantinedRow)
        .where(
            QuarantinedRow.batch_id.in_(due),
            QuarantinedRow.values_ciphertext.is_not(None),
            (QuarantinedRow.disposition != RowDisposition.HELD)
            | QuarantinedRow.resolution.is_not(None),
        )
        .values(values_ciphertext=None)
        .execution_options(synchronize_session=False)
    )
    erased = cast("CursorResult[tuple[()]]", result).rowcount
    session.execute(
        update(Batch)
        .where(Batch.id.in_(due))
        .values(quarantine_erased_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        clock,
        SYSTEM_ACTOR.audit(),
        "job.quarantined_content_erased",
        details={"keep_days": keep_days, "batch_ids": due, "rows": erased},
    )
    return ErasedContent(len(due), erased, more=len(due) >= limit)
