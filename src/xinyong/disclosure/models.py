from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.collection.models import keep_named_types
from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class StatuteRank(enum.StrEnum):
    """The statutes that may make an exception to Art. 13 ¶3 (法律、行政法规另有规定的除外):
    a law of the National People's Congress or its Standing Committee, or an administrative
    regulation of the State Council — not a local regulation or rule (this measure is one),
    nor a departmental rule."""

    LAW = "law"  # 法律
    ADMINISTRATIVE_REGULATION = "administrative_regulation"  # 行政法规


class QueryItem(IdMixin, Base):
    """查询事项 (Art. 13 ¶2): which record types an agency may query for which
    administrative matter. Usable only once published. An item naming a record type that
    is not public states the statute, and its article, that lets the agency read it
    without the subject's written authorisation (Art. 13 ¶3; ``query_items``)."""

    __tablename__ = "query_item"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    matter: Mapped[str] = mapped_column(String(200))  # the administrative matter (行政管理事项)
    matter_code: Mapped[str] = mapped_column(String(64))
    record_type_codes: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(Text)
    # The statutory exception (Art. 13 ¶3): all three, or none (migration 0045 left the
    # items before it without one).
    exception_rank: Mapped[StatuteRank | None] = mapped_column(str_enum(StatuteRank, 32))
    exception_title: Mapped[str | None] = mapped_column(String(200))  # 《中华人民共和国…法》
    exception_article: Mapped[str | None] = mapped_column(String(64))  # 第六十三条
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class QueryItemAssignment(IdMixin, Base):
    """A published query item held by one staff member of its organisation: Art. 12(2)
    明确本单位工作人员的查询权限 — a query by item is lawful only for the staff the item is
    assigned to, not for every account of the organisation whose role queries. Granted and
    withdrawn by the organisation's security officer; a withdrawal keeps the row (who held
    what, when, granted and withdrawn by whom), and a new grant is a new row.

    The holder is a staff member (``user_id``) or, only as carried over by migration 0042,
    an organisation's system (``api_key_id``): a key that queried by every item before
    assignments began keeps what it could do, for the security officer to review; no
    officer grants a key an item (decision 0035, addendum)."""

    __tablename__ = "query_item_assignment"
    __table_args__ = (
        Index("ix_query_item_assignment_user_item", "user_id", "query_item_id"),
        Index("ix_query_item_assignment_key_item", "api_key_id", "query_item_id"),
        Index("ix_query_item_assignment_item", "query_item_id"),
        CheckConstraint(
            "(user_id IS NULL AND api_key_id IS NOT NULL) "
            "OR (user_id IS NOT NULL AND api_key_id IS NULL)",
            name="one_holder",
        ),
    )

    query_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("query_item.id"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_key.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # None: carried over by migration 0038 (staff) or 0042 (keys) from the time every query
    # officer and key used every item of the organisation (decision 0035), for the security
    # officer to review.
    granted_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class Authorisation(IdMixin, Base):
    """书面授权 (Art. 13 ¶3): a subject lets one organisation read named non-public record
    types for a purpose until a date."""

    __tablename__ = "authorisation"
    __table_args__ = (
        Index("ix_authorisation_subject_grantee", "subject_id", "grantee_organisation_id"),
        # The supervision list: newest first, a page at a time, and by the day given.
        Index("ix_authorisation_granted_at", "granted_at", "id"),
    )

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    grantee_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    record_type_codes: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(500))
    valid_until: Mapped[dt.date] = mapped_column(Date)
    evidence_kind: Mapped[str] = mapped_column(String(16))  # upload, signed_in_page
    # The evidence itself is kept encrypted in a table of its own (``AuthorisationForm``):
    # never loaded with the authorisations a list reads. Its hash covers the evidence as
    # given (base64 for an upload, the text for a signature in the page).
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why (``collection.models.Revocation``: the person or the system), as a consent's.
    revocation: Mapped[str | None] = mapped_column(String(32))
    # To a credit service institution (Art. 27): the service the subject receives, and the
    # subject's confirmation that the service is not conditional on this authorisation.
    # Empty for other organisations.
    service: Mapped[str | None] = mapped_column(String(200))
    service_not_conditional: Mapped[bool | None] = mapped_column(Boolean)


class AuthorisationRecordType(Base):
    """One code an authorisation names (a record type, or a special scope such as
    ``credit_status``): as ``ConsentRecordType`` is a consent's, kept by the ORM."""

    __tablename__ = "authorisation_record_type"
    __table_args__ = (
        Index("ix_authorisation_record_type_code", "record_type_code", "authorisation_id"),
    )

    authorisation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("authorisation.id"), primary_key=True, autoincrement=False
    )
    record_type_code: Mapped[str] = mapped_column(String(64), primary_key=True)


keep_named_types(Authorisation, AuthorisationRecordType.__table__, "authorisation_id")


class AuthorisationForm(Base):
    """The written authorisation as the person signed it (Art. 13 ¶3): the uploaded
    document (base64) or the authorisation's text signed in the page, with the person's
    name and signature, so encrypted under a context naming its authorisation
    (``authorisations.form_context``). A table of its own, up to ~2 MB a row, so that no
    list of authorisations carries it (session 25, as ``ConsentForm`` — decision 0004
    addendum)."""

    __tablename__ = "authorisation_form"

    authorisation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("authorisation.id"), primary_key=True, autoincrement=False
    )
    ciphertext: Mapped[str] = mapped_column(Text)


class LegalPath(enum.StrEnum):
    SELF = "self"
    QUERY_ITEM = "query_item"
    AUTHORISATION = "authorisation"
    NONE = "none"  # a refused attempt had no lawful path
    # The credit authority's supervision of credit information and its use (Art. 33): it
    # reads a subject's credit status (list status and grade) without a query path.
    SUPERVISION = "supervision"
    # An agency's officer finding a natural person by ID number in the course of its
    # duties, before a query by query item or a measure (Art. 13 ¶2, 15).
    OFFICIAL_DUTY = "official_duty"
    # An organisation registering a natural person new to the platform from the written
    # consent the person gave it (Art. 11 ¶1); the entry names the consent.
    CONSENT = "consent"


class AccessEvent(IdMixin, Base):
    """Every read of a subject's non-public data, and every refused attempt (Art. 24).
    It names who, for which organisation, on which legal path, what — never the data."""

    __tablename__ = "access_event"
    __table_args__ = (
        Index("ix_access_event_subject_time", "subject_id", "occurred_at"),
        Index("ix_access_event_org_time", "organisation_id", "occurred_at"),
    )

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_key.id"))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    legal_path: Mapped[LegalPath] = mapped_column(str_enum(LegalPath, 16))
    query_item_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("query_item.id"))
    authorisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("authorisation.id"))
    # The consent to collection a use rests on (``LegalPath.CONSENT``).
    consent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("consent.id"))
    purpose: Mapped[str | None] = mapped_column(String(500))
    record_type_codes: Mapped[list[str]] = mapped_column(JSON)
    # file, report, report_reopened, credit_status, person_lookup, list_entry,
    # list_entry_named, record_under_review (access.NOT_FILE_READS are no file reads)
    what: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    refusal_code: Mapped[str | None] = mapped_column(String(64))
    report_number: Mapped[str | None] = mapped_column(String(32))


class JointCheckUse(IdMixin, Base):
    """One joint incentive and punishment check (Art. 14–19), a use of the information of
    every registered subject it answered about, for their access logs (Art. 24): who, when,
    in which administrative matter, and what each subject's answer showed.

    The subjects are packed in the row itself (``disclosure.joint_check_uses``): a check of
    a hundred thousand subjects writes one row, not a hundred thousand, while the agency
    waits. ``JointCheckUseSubject`` indexes them by subject: written at once for a small
    check (``indexed_at``), by the daily job for a large one (``JointCheckUseIndexed``;
    until then a subject's log looks into the packed subjects of those few).

    Append-only, as the access log is (migration 0047): database triggers refuse UPDATE and
    DELETE, and the check's audit event witnesses the row (``joint_check.run``)."""

    __tablename__ = "joint_check_use"

    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    api_key_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_key.id"))
    actor_role: Mapped[str | None] = mapped_column(String(40))
    matter_code: Mapped[str] = mapped_column(String(64), ForeignKey("administrative_matter.code"))
    subject_count: Mapped[int] = mapped_column(Integer)
    # zlib of the subjects' ids (signed 64-bit, native order), in the order answered: a
    # subject answered twice (its code given twice) is there twice, alike.
    subject_ids: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # zlib of one unsigned 32-bit index into ``situations`` for each of ``subject_ids``.
    situation_ids: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    # What an answer showed, once per distinct situation: the green channel's reason code,
    # and where there are some the list standards (ids), the measures (codes) and the
    # entries naming the person as responsible (Art. 18). Never the answer itself.
    situations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # What the answers rested on besides the data: the consecutive years without a bad
    # record the green channel asked for (Art. 16(1), ``XINYONG_GREEN_CHANNEL_CLEAN_YEARS``),
    # so that a reason shown again later is explained with them, not with today's setting.
    # None for a check from before they were kept.
    clean_years: Mapped[int | None] = mapped_column(Integer)
    # When its subjects were indexed, if in the check's own transaction (or by the daily
    # job before migration 0047, which set it here); None: by the daily job, which says so
    # in a row of its own (``JointCheckUseIndexed``), the check's row being append-only.
    indexed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)


class JointCheckUseIndexed(Base):
    """A large joint check whose subjects the daily job indexed, and when: written instead
    of setting the check's ``indexed_at``, which would change an append-only row
    (migration 0047). A check with neither is still waiting for the job."""

    __tablename__ = "joint_check_use_indexed"

    use_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("joint_check_use.id"), primary_key=True, autoincrement=False
    )
    indexed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class JointCheckUseIndexing(Base):
    """How many of a large joint check's index rows (its distinct subjects, in the order of
    their ids) the daily job has written, while it has not written them all: the job writes
    a fixed number per transaction and the next transaction, or the next run, goes on from
    here (migration 0071). Deleted when the check's mark (``JointCheckUseIndexed``) is
    written."""

    __tablename__ = "joint_check_use_indexing"

    use_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("joint_check_use.id"), primary_key=True, autoincrement=False
    )
    indexed_rows: Mapped[int] = mapped_column(Integer)


class JointCheckUseSubject(Base):
    """A subject answered by a joint check, by subject: the index of ``JointCheckUse``'s
    packed subjects that a subject's access log reads."""

    __tablename__ = "joint_check_use_subject"
    # SQLite: the table is its primary key's b-tree, one insert per row instead of two.
    __table_args__ = ({"sqlite_with_rowid": False},)

    subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subject.id"), primary_key=True, autoincrement=False
    )
    use_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("joint_check_use.id"), primary_key=True, autoincrement=False
    )
    situation: Mapped[int] = mapped_column(Integer)


class CreditReport(IdMixin, Base):
    """An issued credit report: its number and verification code prove a presented copy
    genuine and unaltered; the requester is recorded so a leaked copy can be traced.
    The hashed content is kept sealed so that the requester can open the same report
    again (``reports.reopen``) instead of being issued another."""

    __tablename__ = "credit_report"
    # An organisation's issued reports, newest first ("my issued reports").
    __table_args__ = (
        Index("ix_credit_report_organisation_issued", "organisation_id", "issued_at"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requester_label: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    legal_path: Mapped[LegalPath] = mapped_column(str_enum(LegalPath, 16))
    as_of: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    content_sha256: Mapped[str] = mapped_column(String(64))
    free: Mapped[bool] = mapped_column(Boolean, default=False)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    # What was hashed, kept encrypted (it holds personal data) in two parts: the report's
    # own fields (number, dates, requester, the subject's basic information, the free
    # count), and the part taken from the file (sections, field labels, suggestions),
    # stored once for all the reports issued from the same file (``CreditReportFile``).
    # None for reports issued before contents were kept.
    content_ciphertext: Mapped[str | None] = mapped_column(Text, deferred=True)
    file_key: Mapped[str | None] = mapped_column(String(64), ForeignKey("credit_report_file.key"))
    # When and why the kept content was deleted (``disclosure.retention``): the report row
    # itself — who asked, when, on which path, its hash and code — stays as the query
    # record (rules.md: at least 5 years), so a presented copy still verifies.
    content_removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    content_removed_reason: Mapped[str | None] = mapped_column(String(32))
    # When the report was first shown to its requester: at issue, unless it was issued on a
    # page's form to be shown at its own address next (``reports.issue(shown_later=True)``);
    # then by that showing, which claims it once (``reports.reopen``). Kept here, not in the
    # browser's cookie, which a client may send again (migration 0052).
    first_shown_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class CreditReportFile(IdMixin, Base):
    """The part of issued reports taken from a subject's file as it stood, encrypted, once
    for every report issued from the same file: a file read hundreds of times a day is
    stored once, not hundreds of times (``reports._FileContent``)."""

    __tablename__ = "credit_report_file"

    # A keyed hash of the plaintext (a blind index): equal parts share a row, and the
    # key tells nothing about the content to whoever reads the database.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    ciphertext: Mapped[str] = mapped_column(Text)


class ReviewDecision(enum.StrEnum):
    CLEARED = "cleared"
    REDACTED = "redacted"


class ConfidentialityReview(IdMixin, Base):
    """Art. 12(3): the source's security officer confirms before publicity that no state
    secret, trade secret or personal privacy is exposed, or redacts fields."""

    __tablename__ = "confidentiality_review"

    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    reviewer_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decision: Mapped[ReviewDecision] = mapped_column(str_enum(ReviewDecision, 16))
    redacted_fields: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FollowUpKind(enum.StrEnum):
    """Art. 33 ¶2: what the credit authority does about an organisation's misuse."""

    INTERVIEW = "interview"  # 约谈
    ORDER_CORRECTION = "order_correction"  # 责令改正
    WARNING = "warning"  # 警告
    CIRCULATE_CRITICISM = "circulate_criticism"  # 通报批评


class SupervisionFollowUp(IdMixin, Base):
    __tablename__ = "supervision_follow_up"

    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    kind: Mapped[FollowUpKind] = mapped_column(str_enum(FollowUpKind, 24))
    reason: Mapped[str] = mapped_column(Text)
    signal: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
