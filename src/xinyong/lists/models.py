from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum
from xinyong.subjects.models import Subject


class ListKind(enum.StrEnum):
    RED = "red"  # 诚信典型 (integrity models)
    BLACK = "black"  # 失信主体 (dishonest subjects)


class Tier(enum.StrEnum):
    """What a measure can target; the serious tier carries the heaviest measures."""

    RED = "red"
    BLACK = "black"
    SERIOUS = "serious"  # 严重失信主体


class ListStandard(IdMixin, Base):
    """A recognition standard: criteria, legal basis, term and exit conditions as data."""

    __tablename__ = "list_standard"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ListKind] = mapped_column(str_enum(ListKind, 8))
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 16))
    name: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    term_months: Mapped[int] = mapped_column(Integer)
    exit_conditions: Mapped[str] = mapped_column(Text)
    remedies: Mapped[str] = mapped_column(Text, default="")
    comment_days: Mapped[int] = mapped_column(Integer, default=7)  # red: public comment period
    objection_days: Mapped[int] = mapped_column(Integer, default=10)  # black: after written notice
    # Red: years without a bad credit record the criteria ask for (None: no such condition).
    clean_years: Mapped[int | None] = mapped_column(Integer)
    # Court judgment defaulters and similar lists decided elsewhere enter from records.
    from_record_type: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Black: whether a listed subject may apply for early removal once its obligations are
    # met (SAMR Order 44), and after how many months listed (None: the platform's setting,
    # ``XINYONG_EARLY_REMOVAL_MIN_MONTHS``). Court judgment defaulters leave by their own
    # rule instead: on performance, within 3 working days (decision 0027).
    early_removal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    early_removal_months: Mapped[int | None] = mapped_column(Integer)
    # Black: the case of Art. 22 the standard's conduct is ("22(1)" … "22(5)"): while an
    # entry under it is in force the subject's credit is not repaired, whatever the
    # configuration (``repair.rules``). None: the standard names no such case.
    repair_exclusion: Mapped[str | None] = mapped_column(String(8))


class EntryStatus(enum.StrEnum):
    IN_COMMENT = "in_comment"  # red candidate published for public comment
    NOTICED = "noticed"  # black candidate told in writing, objection window open
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    REJECTED = "rejected"
    EXPIRED = "expired"
    REMOVED = "removed"


class RemovalReason(enum.StrEnum):
    EXIT_CONDITIONS_MET = "exit_conditions_met"
    REPAIRED = "repaired"
    OBJECTION_UPHELD = "objection_upheld"
    PERFORMED = "performed"  # a court judgment defaulter performed the judgment
    RECORD_REVOKED = "record_revoked"  # the record it rests on was revoked by its source
    EARLY_REMOVAL = "early_removal"  # on the subject's application (SAMR Order 44)
    # A red-list entry whose subject is no longer an integrity model (Art. 14 ¶2, Art. 16;
    # the standard's exit conditions; decision 0041): placed on the black list, or a bad
    # credit record within the years its standard asks to be without one.
    BLACK_LISTED = "black_listed"
    BAD_RECORD = "bad_record"
    OTHER = "other"


class ListEntry(IdMixin, Base):
    __tablename__ = "list_entry"
    __table_args__ = (Index("ix_list_entry_subject_status", "subject_id", "status"),)

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    standard_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_standard.id"))
    kind: Mapped[ListKind] = mapped_column(str_enum(ListKind, 8))
    tier: Mapped[Tier] = mapped_column(str_enum(Tier, 16))
    status: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, 24), index=True)
    recognising_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    criteria_met: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    window_ends: Mapped[dt.date | None] = mapped_column(Date)  # comment or objection window
    notice_text: Mapped[str | None] = mapped_column(Text)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    term_start: Mapped[dt.date | None] = mapped_column(Date)
    term_end: Mapped[dt.date | None] = mapped_column(Date)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    removal_reason: Mapped[RemovalReason | None] = mapped_column(str_enum(RemovalReason, 24))
    removal_detail: Mapped[str | None] = mapped_column(Text)
    source_record_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("credit_record.id"), unique=True
    )
    # Whether the proposal named the credit records the entry rests on (its basis records,
    # ``ListEntryBasisRecord``; decision 0043). False for the entries proposed before the
    # platform asked for them: their basis is only in the free-text evidence, and an officer
    # reviews them; nothing links them to records after the fact.
    basis_named: Mapped[bool] = mapped_column(Boolean, default=True, server_default=false())


class ListEntryBasisRecord(IdMixin, Base):
    """A credit record an entry rests on, named by the proposal (Art. 15 ¶2: the facts and
    basis; 国办发〔2020〕49号: a listing rests on effective decisions). By the record's
    identity, not a version: a correction keeps the entry on the same record, and when the
    record is repaired or revoked the entry leaves the list with it (decision 0043). A
    court judgment defaulter's entry rests on its court record through
    ``ListEntry.source_record_id`` instead."""

    __tablename__ = "list_entry_basis_record"
    __table_args__ = (UniqueConstraint("entry_id", "record_id"),)

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    # Indexed: a repair or a revocation looks up the entries resting on its record.
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"), index=True)


class NamingSource(enum.StrEnum):
    """Why an entry names a person (Art. 18; decision 0036)."""

    # The recognising agency named them on its proposal as responsible for the conduct: its
    # finding, approved with the entry, which no change of office undoes.
    PROPOSAL = "proposal"
    # Registered as answering for the organisation (``subject.responsible_person``): named
    # while the entry is in force for as long as the registration holds.
    REGISTRATION = "registration"


class ListEntryPerson(IdMixin, Base):
    """Art. 18: the persons responsible for an organisation's serious dishonesty, each for
    the period the entry names them (``named_from`` up to ``ended_on``; still named while
    ``ended_on`` is None). A naming that ended stays, for the period it covered."""

    __tablename__ = "list_entry_person"

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # Indexed: a joint check of a natural person looks up the entries naming them.
    person_subject_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("subject.id"), index=True
    )
    source: Mapped[NamingSource] = mapped_column(
        str_enum(NamingSource, 16), server_default=NamingSource.PROPOSAL.value
    )
    # The registration a ``registration`` naming follows.
    responsible_person_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("responsible_person.id")
    )
    # The first day named while the entry is published (None: a candidacy's, not yet).
    named_from: Mapped[dt.date | None] = mapped_column(Date)
    # The day from which the entry no longer names the person.
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


class ListEntryEvent(IdMixin, Base):
    """Each workflow step with who took it and why: the entry's history."""

    __tablename__ = "list_entry_event"

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class ObjectionSource(enum.StrEnum):
    SUBJECT = "subject"  # the subject's objection after a black-list notice (Art. 25)
    PUBLIC = "public"  # anyone's comment on a red-list candidate during public comment


class ListObjection(IdMixin, Base):
    """An objection to a candidacy, decided with reasons before the entry can be approved:
    the subject's own after a black-list notice, or a member of the public's during a
    red-list candidate's public comment period. Both block approval until decided, and an
    upheld one rejects the candidacy, so they share one table and one decision path.

    Also the subject's objection to its black-list entry once published (Art. 25: at any
    time, ``after_publication``): decided by the same people on the same path, within the
    deadline of an objection to a record (decision 0022; ``terms`` as configured when it
    was received), and an upheld one removes the entry (``objection_upheld``)."""

    __tablename__ = "list_objection"

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"), index=True)
    source: Mapped[ObjectionSource] = mapped_column(
        str_enum(ObjectionSource, 16), default=ObjectionSource.SUBJECT
    )
    # A public commenter may leave a way to be reached; it is personal information shown
    # only to the recognising agency, so it is stored encrypted.
    contact_ciphertext: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    statement: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    upheld: Mapped[bool | None] = mapped_column(Boolean)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    after_publication: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The deadlines' terms (``objections.rules.Terms``) when an objection to a published
    # entry was received; None for one to a candidacy, which approval waits for instead.
    terms: Mapped[dict[str, int] | None] = mapped_column(JSON)


class EarlyRemovalStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # with the recognising agency: a case officer proposes
    PROPOSED = "proposed"  # a decision proposed, awaiting a second staff member
    APPROVED = "approved"  # removed early
    REJECTED = "rejected"  # refused, with reasons
    # The entry left the list otherwise (its term, an upheld objection, a removal by hand …)
    # before a decision: nothing is left to decide (decision 0027 addendum).
    LAPSED = "lapsed"


EARLY_REMOVAL_OPEN = (EarlyRemovalStatus.SUBMITTED, EarlyRemovalStatus.PROPOSED)


class EarlyRemovalApplication(IdMixin, Base):
    """A listed subject's application, through its own account, to leave the black list
    before the end of the term once its obligations are met (SAMR Order 44; decision
    0027). Decided by the recognising agency with four eyes: a case officer proposes,
    another staff member approves. The eligibility as computed when it was made, and the
    deadline in working days then in force, are kept with it."""

    __tablename__ = "early_removal"
    __table_args__ = (
        Index("ix_early_removal_entry", "entry_id"),
        Index("ix_early_removal_subject", "subject_id"),
        Index("ix_early_removal_status", "status", "recognising_organisation_id"),
    )

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    recognising_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    obligations_met: Mapped[str] = mapped_column(Text)  # how the obligations were met
    evidence: Mapped[str] = mapped_column(Text)
    # The public credit commitment the subject made in applying (Art. 21 ¶2(2) style).
    commitment: Mapped[str] = mapped_column(Text)
    eligibility: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    terms: Mapped[dict[str, int]] = mapped_column(JSON)
    status: Mapped[EarlyRemovalStatus] = mapped_column(str_enum(EarlyRemovalStatus, 16))
    applied_by: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    received_on: Mapped[dt.date] = mapped_column(Date)
    # The case officer's proposal: approve or not, with reasons.
    proposed_by: Mapped[str | None] = mapped_column(String(64))
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    proposal_approve: Mapped[bool | None] = mapped_column(Boolean)
    proposal_reasons: Mapped[str | None] = mapped_column(Text)
    # The second staff member's decision on it (never the proposer).
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_reasons: Mapped[str | None] = mapped_column(Text)


class RemovalProposalStatus(enum.StrEnum):
    OPEN = "open"  # proposed, awaiting a second officer
    APPROVED = "approved"  # the entry left the list
    REFUSED = "refused"  # refused by the second officer, with reasons
    # The entry left the list otherwise (its term, an upheld objection, a repair …) before a
    # decision: nothing is left to decide.
    LAPSED = "lapsed"


class ListRemovalProposal(IdMixin, Base):
    """An officer's proposal to take a published entry off the list before its term ends
    (its exit conditions met, or another reason stated), decided by a second officer of the
    recognising agency — never the proposer: as a listing takes a proposer and an approver,
    so does its removal by hand (Art. 14, 15; decision 0042). One open proposal per entry."""

    __tablename__ = "list_removal_proposal"
    __table_args__ = (
        Index("ix_list_removal_proposal_entry", "entry_id"),
        Index("ix_list_removal_proposal_status", "status", "recognising_organisation_id"),
        # A second open proposal for one entry is refused even when two officers propose at
        # the same moment.
        Index(
            "uq_list_removal_proposal_open",
            "entry_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("list_entry.id"))
    recognising_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    reason: Mapped[RemovalReason] = mapped_column(str_enum(RemovalReason, 24))
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[RemovalProposalStatus] = mapped_column(str_enum(RemovalProposalStatus, 16))
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The second officer's decision (the system's, for a lapsed one), with its reasons.
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_reasons: Mapped[str | None] = mapped_column(Text)


class AdministrativeMatter(Base):
    """An administrative matter in which measures apply and query items are used."""

    __tablename__ = "administrative_matter"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class MeasureKind(enum.StrEnum):
    INCENTIVE = "incentive"  # 守信激励, Art. 16
    PUNISHMENT = "punishment"  # 失信惩戒, Art. 17


class Measure(IdMixin, Base):
    """One measure of the published lists (Art. 15): matter, target, means, implementing
    body and legal basis. Applied only once published. The target is a tier; a measure
    whose law covers only some kinds of listing names their recognition standards too
    (``standard_codes``)."""

    __tablename__ = "measure"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[MeasureKind] = mapped_column(str_enum(MeasureKind, 16))
    head: Mapped[int] = mapped_column(Integer)  # the item of Art. 16 (1–7) or Art. 17 (1–9)
    name: Mapped[str] = mapped_column(String(200))
    matter_codes: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[Tier] = mapped_column(str_enum(Tier, 16))
    means: Mapped[str] = mapped_column(Text)
    implementing_body: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    severity: Mapped[int] = mapped_column(Integer)  # 1 (lightest) – 5 (heaviest)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Art. 18: whether the measure also reaches the persons responsible for a listed
    # organisation's serious dishonesty, and the law that lets it reach them.
    applies_to_responsible_persons: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    responsible_persons_basis: Mapped[str | None] = mapped_column(Text)
    # Art. 15: who implements it — kinds of organisation (``OrganisationKind`` values) and
    # named organisations (unified social credit codes). A joint check offers it, and an
    # application applies it, only for an organisation among them (decision 0045).
    implementer_kinds: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    implementer_codes: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))
    # Art. 15 ¶2, 17: the recognition standards (``ListStandard.code``) whose listings the
    # measure's legal basis covers — the court's restriction of high consumption, say, binds
    # judgment debtors (``court_judgment_defaulter``) and no subject listed for another
    # conduct. Offered and applied only under them; empty: under every standard of its
    # target tier (migration 0055).
    standard_codes: Mapped[list[str]] = mapped_column(JSON, server_default=text("'[]'"))


class MeasureApplication(IdMixin, Base):
    """A measure applied to a subject in a matter, with its basis and reasons (Art. 15 ¶2)."""

    __tablename__ = "measure_application"

    measure_id: Mapped[int] = mapped_column(BigId, ForeignKey("measure.id"))
    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    list_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("list_entry.id"))
    matter_code: Mapped[str] = mapped_column(String(64))
    applied_by: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    applied_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    basis: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    notice: Mapped[str] = mapped_column(Text)


class GradeModel(IdMixin, Base):
    """信用分类管理 (Art. 14 ¶1): a transparent, versioned grading model."""

    __tablename__ = "grade_model"
    __table_args__ = (UniqueConstraint("version"),)

    version: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SubjectGrade(IdMixin, Base):
    """A computed grade, kept as history: every change of grade stays visible."""

    __tablename__ = "subject_grade"
    __table_args__ = (Index("ix_subject_grade_subject_time", "subject_id", "computed_at"),)

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"))
    model_version: Mapped[int] = mapped_column(Integer)
    grade: Mapped[str] = mapped_column(String(1))
    score: Mapped[float] = mapped_column(Float)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    records_as_of: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# The joint check looks subjects up by their handle and needs only their id, name and kind,
# and when they were registered here (how long they are known for the green channel's
# clean years, ``eligibility.known_for``): with those in the index it never reads the
# subject rows (a hundred thousand random reads in a call). Declared here, beside the query
# that needs it, on the subjects' table.
Index(
    "ix_subject_reference_lookup",
    Subject.__table__.c.reference,
    Subject.__table__.c.id,
    Subject.__table__.c.name,
    Subject.__table__.c.kind,
    Subject.__table__.c.created_at,
)


class ListRulePackBaseline(IdMixin, Base):
    """The lists rule pack's definition of a standard, matter or measure that the city's
    data last took in (loaded or brought up to it by the system) or answered (the credit
    authority's reconciliation): the baseline later pack changes are measured from, as a
    record type version's ``rule_pack_definition`` is for the catalog (decision 0034 and
    its addendum). One per part; its earlier values are in the audit trail."""

    __tablename__ = "list_rule_pack_baseline"
    __table_args__ = (UniqueConstraint("part", "code"),)

    part: Mapped[str] = mapped_column(String(16))  # standard, matter, measure
    code: Mapped[str] = mapped_column(String(64))
    rule_pack: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # None: the system (loaded or brought up); else the authority's answer, by whom.
    recorded_by: Mapped[str | None] = mapped_column(String(64))
