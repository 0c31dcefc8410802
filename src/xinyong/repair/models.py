from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class RepairStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # with the platform, which accepts it or refuses it (feedback)
    ACCEPTED = "accepted"  # accepted for processing: with the source, which decides
    NOT_ACCEPTED = "not_accepted"  # refused at feedback, with reasons
    APPROVED = "approved"  # the record was repaired
    REJECTED = "rejected"  # the source refused the repair, with reasons
    TERMINATED = "terminated"  # fraud found during the procedure (Art. 23)
    REVOKED = "revoked"  # fraud found after: the result revoked, the record restored


OPEN = (RepairStatus.SUBMITTED, RepairStatus.ACCEPTED)


class RepairCase(IdMixin, Base):
    """A subject's application to repair one negative record of its file (Art. 20–23). The
    dates the deadlines run from are kept; the deadlines are computed from the working-day
    calendar when read (as for objections, decision 0022). No fee of any kind is recorded:
    repair is never tied to a payment (decision 0023)."""

    __tablename__ = "repair_case"
    __table_args__ = (
        Index("ix_repair_case_record", "record_id"),
        Index("ix_repair_case_subject", "subject_id"),
        Index("ix_repair_case_status", "status", "source_organisation_id"),
    )

    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    source_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    # The public credit commitment the application rests on (Art. 21 ¶2 (2)): a record of
    # the type credit_commitment in the subject's file.
    commitment_record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    correction: Mapped[str] = mapped_column(Text)  # how the conduct was corrected
    evidence: Mapped[str] = mapped_column(Text)
    # The checklist as the platform computed it when the subject applied (rules.checklist).
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    terms: Mapped[dict[str, int]] = mapped_column(JSON)
    # Anyone holding it sees the case's status and dates, nothing personal.
    query_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[RepairStatus] = mapped_column(str_enum(RepairStatus, 16))
    applied_by: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_on: Mapped[dt.date] = mapped_column(Date)
    # Feedback: accepted (and so received by the source) or not accepted, with reasons.
    feedback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    feedback_on: Mapped[dt.date | None] = mapped_column(Date)
    feedback_by: Mapped[str | None] = mapped_column(String(64))
    feedback_reasons: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    # False when the credit authority decided in the place of a source outside the register
    # of credit service institutions (decision 0024 addendum).
    decided_by_source: Mapped[bool | None] = mapped_column(Boolean)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    # The version that repaired the record, and the one that restored it (Art. 23).
    result_version_no: Mapped[int | None] = mapped_column(Integer)
    # Art. 23: terminated during the procedure, or the result revoked after it.
    fraud_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    fraud_by: Mapped[str | None] = mapped_column(String(64))
    # True for the source; False for the credit authority (the platform before acceptance,
    # or in the place of a source outside the register).
    fraud_by_source: Mapped[bool | None] = mapped_column(Boolean)
    fraud_reasons: Mapped[str | None] = mapped_column(Text)
    restored_version_no: Mapped[int | None] = mapped_column(Integer)
