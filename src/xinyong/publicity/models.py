from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class CaseKind(enum.StrEnum):
    """The four kinds of typical case of Art. 32."""

    INTEGRITY_MODEL = "integrity_model"  # 诚信典型: rests on a red-list entry
    SERIOUS_DISHONESTY = "serious_dishonesty"  # 曝光严重失信: rests on a serious black-list entry
    CREDIT_REPAIR = "credit_repair"  # 信用修复典型案例: rests on a repaired case
    JOINT_PRACTICE = "joint_practice"  # 联合奖惩做法和经验: rests on no subject


class TypicalCase(IdMixin, Base):
    """A typical case the credit authority publishes (Art. 32). Drafted by one officer,
    published by another; withdrawn with a reason. Whether it is shown is decided when it
    is read, from its basis as it stands then (``publicity.cases.shown_statement``): a
    case never outlasts the list entry or the repair it rests on."""

    __tablename__ = "typical_case"

    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, 32), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    narrative: Mapped[str] = mapped_column(Text)
    narrative_en: Mapped[str | None] = mapped_column(Text)
    # The basis: a red or black list entry, or a repair case (one of them, or none for a
    # write-up of practice).
    list_entry_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("list_entry.id"), index=True
    )
    repair_case_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("repair_case.id"), index=True
    )
    # A repair case names its subject only with the subject's written consent, recorded
    # here by reference (consent_evidence); otherwise it is published anonymised.
    names_subject: Mapped[bool] = mapped_column(Boolean, default=True)
    consent_evidence: Mapped[str | None] = mapped_column(Text)
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)


class ConsentStatus(enum.StrEnum):
    """Where the subject's consent to be named in a credit-repair case stands."""

    REQUESTED = "requested"  # asked by an officer, not yet answered
    GIVEN = "given"  # the subject consented: the case names it
    REFUSED = "refused"  # the subject said no: the case stays anonymised (final)
    WITHDRAWN = "withdrawn"  # given, then withdrawn: anonymised again at once (final)


class NamingConsent(IdMixin, Base):
    """The subject's own consent to be named in a credit-repair case (Art. 20, 32; decision
    0030): asked by an officer of the credit authority, given or refused by the subject
    from its account, withdrawable at any time. One per case; the subject's answer here
    prevails over a paper consent recorded by reference (``TypicalCase.consent_evidence``),
    being always the later word. Whether the case names the subject is decided when it is
    read (``publicity.cases.names_subject``), so a withdrawal takes effect at once."""

    __tablename__ = "typical_case_consent"

    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("typical_case.id"), unique=True)
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    status: Mapped[ConsentStatus] = mapped_column(str_enum(ConsentStatus, 16))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answered_by: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
