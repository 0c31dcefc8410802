from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class SubjectKind(enum.StrEnum):
    """Art. 3: natural persons, legal persons and unincorporated organisations."""

    NATURAL_PERSON = "natural_person"
    LEGAL_PERSON = "legal_person"
    UNINCORPORATED_ORGANISATION = "unincorporated_organisation"


class ResponsibleRole(enum.StrEnum):
    """Art. 18: persons responsible for an organisation's serious dishonesty."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    PRINCIPAL = "principal"  # 主要负责人
    DIRECTLY_RESPONSIBLE = "directly_responsible"  # 其他直接负责人

    @property
    def in_regulation(self) -> str:
        """The capacity in Art. 18's own words, for notices and reasons written in Chinese."""
        return {
            "legal_representative": "法定代表人",
            "principal": "主要负责人",
            "directly_responsible": "其他直接负责人",
        }[self.value]

    @property
    def in_english(self) -> str:
        """The capacity in English, for texts the API writes in English (a joint check's
        reasons): one language to a sentence, as the pages' labels say it."""
        return {
            "legal_representative": "Legal representative",
            "principal": "Principal",
            "directly_responsible": "Other directly responsible person",
        }[self.value]


class Subject(IdMixin, Base):
    __tablename__ = "subject"

    kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind, 32))
    # The public handle used in URLs: the USCC for organisations, an opaque reference for
    # natural persons so that an ID number never appears in a URL.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_normalised: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # Set when an officer registered a real code whose check character does not verify.
    uscc_unverified: Mapped[bool] = mapped_column(Boolean, default=False)
    citizen_id_ciphertext: Mapped[str | None] = mapped_column(String(200))
    citizen_id_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    citizen_id_masked: Mapped[str | None] = mapped_column(String(18))
    division: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    names: Mapped[list[SubjectName]] = relationship(
        back_populates="subject", order_by="SubjectName.id", cascade="all, delete-orphan"
    )
    responsible_persons: Mapped[list[ResponsiblePerson]] = relationship(
        back_populates="organisation",
        foreign_keys="ResponsiblePerson.organisation_subject_id",
        order_by="ResponsiblePerson.id",
    )

    @property
    def is_organisation(self) -> bool:
        return self.kind is not SubjectKind.NATURAL_PERSON

    @property
    def public_code(self) -> str:
        """The code shown to the public: the USCC, or the masked ID number."""
        return self.uscc or self.citizen_id_masked or self.reference


class SubjectName(IdMixin, Base):
    """Current and former names; searches match all of them."""

    __tablename__ = "subject_name"

    subject_id: Mapped[int] = mapped_column(BigId, ForeignKey("subject.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Not indexed: the name search finds names by their pairs of characters
    # (``SubjectNamePair``) and weighs the few it finds on these.
    normalised: Mapped[str] = mapped_column(String(200))
    core: Mapped[str] = mapped_column(String(200))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # A name a person was registered under and proved, on an upheld objection, never to
    # have borne (decision 0051): kept, dated, in the file's history, but no longer one of
    # its names — a source re-sending rows under it is held like any other wrong name.
    corrected_on: Mapped[dt.date | None] = mapped_column(Date)
    # A name a rename made current (``subjects.rename``): the name it replaced and where the
    # change came from — the audit event's details (a registration record's batch, record
    # and version; a registration record revoked, reinstated or out of use; an upheld name
    # objection) — so the subject's file states each change with its source (Art. 24;
    # decision 0050, review r12 addendum). None for a name given at registration.
    renamed_from: Mapped[str | None] = mapped_column(String(200))
    change_details: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def borne(self) -> bool:
        return self.corrected_on is None

    subject: Mapped[Subject] = relationship(back_populates="names")


class SubjectNamePair(Base):
    """The name search's index (decision 0012, session 20 addendum): an organisation has a
    row for each key (a pair of characters, or a last character: ``subjects.pairs``) of its
    current and former names, with the length of that name's core, which orders a key's
    rows by closeness to the query's. Natural persons are never searched by name and have
    none. Derived from ``subject_name`` (``subjects.pairs.entries`` of its forms) and
    written with it; no foreign key, to cost the bulk registration of new subjects one
    index and nothing more: a row naming no organisation only makes a candidate that the
    search's weighing of ``subject_name`` drops."""

    __tablename__ = "subject_name_pair"
    # SQLite: the primary key is the table (one B-tree, not a table and an index).
    __table_args__ = ({"sqlite_with_rowid": False},)

    pair: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    core_length: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    subject_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)


class ResponsiblePerson(IdMixin, Base):
    __tablename__ = "responsible_person"

    organisation_subject_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("subject.id"), index=True
    )
    role: Mapped[ResponsibleRole] = mapped_column(str_enum(ResponsibleRole, 32))
    name: Mapped[str] = mapped_column(String(100))
    person_subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subject.id"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # The registration authority's document the registration rests on (e.g. the number of
    # the registration of the change); None for those registered before migration 0046.
    basis: Mapped[str | None] = mapped_column(String(200))
    end_reason: Mapped[str | None] = mapped_column(String(2000))

    organisation: Mapped[Subject] = relationship(
        back_populates="responsible_persons", foreign_keys=[organisation_subject_id]
    )
    person: Mapped[Subject | None] = relationship(foreign_keys=[person_subject_id])
