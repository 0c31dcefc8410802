from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class SourceResponsibility(IdMixin, Base):
    """The responsibility list: which organisation may submit which record type."""

    __tablename__ = "source_responsibility"
    __table_args__ = (UniqueConstraint("organisation_id", "record_type_id"),)

    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    granted_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class BatchStatus(enum.StrEnum):
    COMPLETED = "completed"
    UNUSABLE = "unusable"  # the file could not be read at all; nothing was written


class Batch(IdMixin, Base):
    """One submission. Its rows are all committed with it, or none are."""

    __tablename__ = "batch"
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    record_type_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type_version.id"))
    channel: Mapped[str] = mapped_column(String(8))  # api, cli, page
    idempotency_key: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(255))
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[BatchStatus] = mapped_column(str_enum(BatchStatus, 16))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    held: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    # New or changed records that wait for the source's confidentiality review (Art. 12).
    awaiting_review: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    new_subjects: Mapped[int] = mapped_column(Integer, default=0)
    unknown_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # When the daily job erased the content of this batch's rejected and held rows, kept
    # for the source to correct them only for a period (decision 0021); their problems stay.
    quarantine_erased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class RowDisposition(enum.StrEnum):
    REJECTED = "rejected"  # invalid or not allowed: the source must correct and resubmit
    # Valid but ambiguous (code and name disagree): held until the source's data reporter or
    # the credit authority releases or rejects it (``collection.held_rows``, decision 0050).
    HELD = "held"


class HeldRowResolution(enum.StrEnum):
    RELEASED = "released"  # ingested under the registered subject, through the pipeline
    REJECTED = "rejected"


class QuarantinedRow(IdMixin, Base):
    """A row that was not accepted, with every reason. Its values are kept encrypted for
    the source to correct, except where keeping them would itself be unlawful (Art. 11 ¶3),
    and only for a period: then the daily job erases them and the reasons stay (decision
    0021, ``collection.quarantine``)."""

    __tablename__ = "quarantined_row"
    __table_args__ = (Index("ix_quarantined_row_batch_row", "batch_id", "row_number"),)

    batch_id: Mapped[int] = mapped_column(BigId, ForeignKey("batch.id"))
    row_number: Mapped[int] = mapped_column(Integer)
    disposition: Mapped[RowDisposition] = mapped_column(str_enum(RowDisposition, 16))
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    values_ciphertext: Mapped[str | None] = mapped_column(Text)
    # A held row's decision (decision 0050): when, which (``HeldRowResolution``), by whom,
    # why, and the batch a release went through (the pipeline's, channel "review"; no
    # foreign key, as the column was added in place, migration 0057).
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(32))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolution_reasons: Mapped[str | None] = mapped_column(Text)
    released_batch_id: Mapped[int | None] = mapped_column(BigId)


class RecordStatus(enum.StrEnum):
    ACTIVE = "active"
    UNDER_OBJECTION = "under_objection"
    CORRECTED = "corrected"
    REPAIRED = "repaired"
    REVOKED = "revoked"
    EXPIRED = "expired"
    # Kept past its retention period, then deleted (rules.md; 征信业管理条例 Art. 16): the
    # content of every version is erased, a tombstone of dates and reasons remains.
    DELETED = "deleted"


class CreditRecord(IdMixin, Base):
    """A credit record's identity and its current state; its content lives in versions."""

    __tablename__ = "credit_record"
    __table_args__ = (
        UniqueConstraint("record_type_id", "source_organisation_id", "natural_key"),
        Index("ix_credit_record_subject", "subject_id", "record_type_id"),
    )

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    source_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    natural_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, 24), default=RecordStatus.ACTIVE
    )
    current_version_no: Mapped[int] = mapped_column(Integer, default=1)
    decision_date: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    severity: Mapped[str] = mapped_column(String(16))
    publicity_start: Mapped[dt.date | None] = mapped_column(Date)
    publicity_end: Mapped[dt.date | None] = mapped_column(Date)
    awaiting_review: Mapped[bool] = mapped_column(Boolean, default=False)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    working_days_to_submit: Mapped[int | None] = mapped_column(Integer)
    self_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which rule governed this record: "city rule v2", "district 350102 rule v1" (Art. 35).
    rule_source: Mapped[str] = mapped_column(String(64))
    # The current version's payload hash, so a replayed row is recognised without a join.
    payload_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Set when the record is deleted after its retention period (``disclosure.retention``):
    # the day the conduct ended, from which the period was counted, and the last day it
    # was kept. The content that gave the first is erased; the dates stay in the tombstone.
    conduct_ended_on: Mapped[dt.date | None] = mapped_column(Date)
    retained_until: Mapped[dt.date | None] = mapped_column(Date)


class RecordVersion(IdMixin, Base):
    """An immutable state of a record, with who changed it, from where, and why (Art. 24).

    Each version carries the decision date, severity and publicity window in force with it
    (the record row holds the current version's, for current-state queries): a file or
    report as of an earlier day shows the window that stood then (decision 0025)."""

    __tablename__ = "record_version"
    __table_args__ = (UniqueConstraint("record_id", "version_no"),)

    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    version_no: Mapped[int] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Citizen IDs and restricted fields, encrypted; the payload holds masked forms only.
    sensitive_ciphertext: Mapped[str | None] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus, 24))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(16))
    publicity_start: Mapped[dt.date | None] = mapped_column(Date)
    publicity_end: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(64))
    reason_detail: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("batch.id"))
    source_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # On a source's revocation only (decision 0028): whether the record was still waiting
    # for its confidentiality review then, so a reinstatement makes it wait again rather
    # than publish it unreviewed. NULL on every other version (migration 0035 filled it in
    # for revocations made before 0026).
    review_pending_when_revoked: Mapped[bool | None] = mapped_column(Boolean)


class Revocation(enum.StrEnum):
    """Who revoked a grant — a consent (Art. 11) or a written authorisation (Art. 13 ¶3) —
    kept with it so that the person's lists say why it ended (Art. 24)."""

    SUBJECT = "subject"  # the person, on its own account
    # The credit authority supervising the grantee (Art. 6, 33; consents only).
    CREDIT_AUTHORITY = "credit_authority"
    # The system: the grantee's register entry was deregistered and its code registered
    # again as a new entry (decision 0024 addendum; ``institutions.register``).
    GRANTEE_REGISTERED_AGAIN = "grantee_registered_again"


class Consent(IdMixin, Base):
    """A natural person's consent to collection by one grantee for a scope (Art. 11)."""

    __tablename__ = "consent"
    __table_args__ = (
        Index("ix_consent_subject_grantee", "subject_id", "grantee_organisation_id"),
        # The supervision list: newest first, a page at a time, and by the day given.
        Index("ix_consent_granted_at", "granted_at", "id"),
    )

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    grantee_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    record_type_codes: Mapped[list[str]] = mapped_column(JSON)
    written: Mapped[bool] = mapped_column(Boolean, default=False)
    # Art. 11 ¶2: the subject was told what providing restricted information may cost them.
    adverse_consequences_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence: Mapped[str | None] = mapped_column(Text)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    # A credit service institution's consent it recorded keeps its signed form in a table of
    # its own (``ConsentForm``): never loaded with the consents a batch reads.
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why (``Revocation``); NULL while in force, and for a revocation the audit trail did not
    # name when migration 0067 back-filled it.
    revocation: Mapped[str | None] = mapped_column(String(32))
    # To a credit service institution (Art. 27 ¶2), as on an authorisation: the service the
    # person receives, and the confirmation that it is not conditional on this consent.
    # Empty for any other grantee.
    service: Mapped[str | None] = mapped_column(String(200))
    service_not_conditional: Mapped[bool | None] = mapped_column(Boolean)


class ConsentRecordType(Base):
    """One code a consent names (a record type, or ``*`` for all types): its
    ``record_type_codes`` as rows, so that the credit authority's list finds the consents
    naming a type through an index, by the exact code (decision 0024, session 25
    addendum). Written with the consent, by the ORM (``keep_named_types``), never by hand."""

    __tablename__ = "consent_record_type"
    __table_args__ = (Index("ix_consent_record_type_code", "record_type_code", "consent_id"),)

    consent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("consent.id"), primary_key=True, autoincrement=False
    )
    record_type_code: Mapped[str] = mapped_column(String(64), primary_key=True)


def keep_named_types(grant: type[Any], rows: Any, key: str) -> None:
    """Every insert of a ``grant`` (a consent, an authorisation) through the ORM writes the
    codes it names to ``rows``, and a change of them rewrites them: every write path —
    services, the demo, tests' factories — keeps the two the same, none has to remember."""

    def write(connection: Connection, target: Any) -> None:
        codes = sorted(set(target.record_type_codes or ()))
        if codes:
            connection.execute(
                rows.insert(), [{key: target.id, "record_type_code": code} for code in codes]
            )

    def inserted(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
        write(connection, target)

    def updated(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
        if inspect(target).attrs.record_type_codes.history.has_changes():
            connection.execute(rows.delete().where(rows.c[key] == target.id))
            write(connection, target)

    event.listen(grant, "after_insert", inserted)
    event.listen(grant, "after_update", updated)


keep_named_types(Consent, ConsentRecordType.__table__, "consent_id")


class ConsentForm(Base):
    """The signed consent form a credit service institution uploads with a consent it
    records (Art. 27 ¶2): the person's name, ID number and signature, so encrypted, under a
    context naming its consent (``consent.form_context``). A table of its own, up to ~2 MB
    a row, so that no load of consents (a batch's, per 500 subjects) carries it (review,
    session 23). The consent's ``evidence_sha256`` covers the form as base64."""

    __tablename__ = "consent_form"

    consent_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("consent.id"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(8))  # pdf, png, jpeg (``evidence_files``)
    ciphertext: Mapped[str] = mapped_column(Text)


class AssociationMember(IdMixin, Base):
    """A member on an industry association's register, for a period, under the membership
    agreement its reference names (Art. 10 ¶1: 根据会员的约定). The association's
    members-only records (its evaluations) are accepted only about a subject that was its
    member on the record's decision date (decision 0032)."""

    __tablename__ = "association_member"
    __table_args__ = (Index("ix_association_member_organisation_uscc", "organisation_id", "uscc"),)

    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    uscc: Mapped[str] = mapped_column(String(18))  # the member's unified social credit code
    name: Mapped[str] = mapped_column(String(200))
    since: Mapped[dt.date] = mapped_column(Date)
    # The membership's last day; none while it lasts.
    until: Mapped[dt.date | None] = mapped_column(Date)
    agreement_reference: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
