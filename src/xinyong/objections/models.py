from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class Ground(enum.StrEnum):
    """The grounds of an objection (Art. 25; rules.md "Objections")."""

    ERROR = "error"
    OMISSION = "omission"
    DUPLICATE = "duplicate_publication"
    SHOULD_NOT_BE_PUBLIC = "should_not_be_public"
    PAST_PERIOD = "past_publicity_period"
    INFRINGEMENT = "infringement"  # of trade secrets or privacy


# An upheld objection on these grounds is answered by withdrawing the record from
# publication, not by correcting its content.
WITHDRAWAL_GROUNDS = frozenset({Ground.SHOULD_NOT_BE_PUBLIC, Ground.PAST_PERIOD})
# An upheld objection on these grounds is answered by taking the record out of use: a record
# published twice is one record counted twice, which neither a correction (it would say
# the same) nor a withdrawal from publication (it would still be shared and counted) ends.
STOP_USE_GROUNDS = frozenset({Ground.DUPLICATE})


class ObjectionStatus(enum.StrEnum):
    RECEIVED = "received"  # with the credit authority's objection handler
    FORWARDED = "forwarded"  # with the record's source, which decides
    UPHELD = "upheld"  # the handler upheld it: the source corrects or withdraws
    CORRECTED = "corrected"  # a new version with the corrected content
    WITHDRAWN = "withdrawn"  # withdrawn from publication
    # Upheld and the record no longer shared or used: a duplicate taken out of use by its
    # source (decision 0022 addendum), or a correction its source can no longer make — a
    # credit service institution deregistered (Art. 26; decision 0024).
    NO_LONGER_USED = "no_longer_used"
    REJECTED = "rejected"  # the record stands; reasons told
    UNCONFIRMED = "unconfirmed"  # facts could not be confirmed: check and objection recorded


OPEN = (ObjectionStatus.RECEIVED, ObjectionStatus.FORWARDED, ObjectionStatus.UPHELD)


class RecordObjection(IdMixin, Base):
    """A subject's objection to one record of its credit file (Art. 25). The dates the
    deadlines run from are kept; the deadlines themselves are computed from the working-day
    calendar when read, so a provisional one becomes definite once its year is entered."""

    __tablename__ = "record_objection"
    __table_args__ = (
        Index("ix_record_objection_record", "record_id"),
        Index("ix_record_objection_subject", "subject_id"),
        Index("ix_record_objection_status", "status", "source_organisation_id"),
    )

    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    source_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    ground: Mapped[Ground] = mapped_column(str_enum(Ground, 32))
    statement: Mapped[str] = mapped_column(Text)
    # Market credit information: 20 days (征信业管理条例 Art. 25), not the working-day terms.
    market: Mapped[bool] = mapped_column(Boolean, default=False)
    # The deadlines' terms as configured when it was received (``rules.Terms``).
    terms: Mapped[dict[str, int]] = mapped_column(JSON)
    status: Mapped[ObjectionStatus] = mapped_column(str_enum(ObjectionStatus, 16))
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_on: Mapped[dt.date] = mapped_column(Date)
    forwarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    forwarded_on: Mapped[dt.date | None] = mapped_column(Date)
    forwarded_by: Mapped[str | None] = mapped_column(String(64))
    forward_note: Mapped[str | None] = mapped_column(Text)
    # The decision, by the handler or by the source (decided_by_source).
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_source: Mapped[bool | None] = mapped_column(Boolean)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    # For an unconfirmed case, the check that was made (rules.md: both are recorded).
    check_made: Mapped[str | None] = mapped_column(Text)
    # The source's correction or withdrawal of an upheld objection.
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(64))
    # False when the credit authority carried it out in the place of a source that left the
    # register for good (a deregistered credit service institution, decision 0024).
    completed_by_source: Mapped[bool | None] = mapped_column(Boolean)
    result_version_no: Mapped[int | None] = mapped_column(Integer)


class NameObjectionStatus(enum.StrEnum):
    RECEIVED = "received"  # with the credit authority's objection handler
    UPHELD = "upheld"  # the name was corrected with the decision
    REJECTED = "rejected"  # the name stands; reasons told


class NameObjection(IdMixin, Base):
    """A natural person's objection to the name the platform registered it under (Art. 25;
    decision 0051). No registration authority states a person's name, so the credit
    authority, which keeps the register of subjects, decides it on evidence; upheld, the
    name the person stated becomes current and the one borne is kept as a former name."""

    __tablename__ = "name_objection"
    __table_args__ = (
        Index("ix_name_objection_subject", "subject_id"),
        Index("ix_name_objection_status", "status"),
    )

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    # The name the person says is wrong (current when raised), and the one it states.
    registered_name: Mapped[str] = mapped_column(String(200))
    stated_name: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str | None] = mapped_column(Text)
    # The identity document, encrypted (decision 0004): pdf, png or jpeg. Erased by the
    # daily job a period after the decision (decision 0051 addendum); its kind and hash stay.
    evidence_kind: Mapped[str] = mapped_column(String(8))
    evidence_ciphertext: Mapped[str | None] = mapped_column(Text)
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    evidence_erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    terms: Mapped[dict[str, int]] = mapped_column(JSON)
    status: Mapped[NameObjectionStatus] = mapped_column(str_enum(NameObjectionStatus, 16))
    # Recorded by the credit authority's handler on the person's behalf, at its counter.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    raised_by: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_on: Mapped[dt.date] = mapped_column(Date)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reasons: Mapped[str | None] = mapped_column(Text)
