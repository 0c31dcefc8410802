from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class InstitutionStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"  # may come back: active again by a later decision
    DEREGISTERED = "deregistered"  # final


class CreditServiceInstitution(IdMixin, Base):
    """One entry of the credit authority's register of credit service institutions
    (Art. 26). The row holds the entry as it stands now; every change is a version
    (``InstitutionVersion``) with who, when and why, so nothing changes without history."""

    __tablename__ = "institution"
    __table_args__ = (
        Index("ix_institution_uscc", "uscc"),
        # One entry in force per code; a code whose entries are all deregistered may be
        # registered again on a new filing, a new entry (decision 0024, session 23).
        Index(
            "uq_institution_uscc_in_force",
            "uscc",
            unique=True,
            sqlite_where=text("status != 'deregistered'"),
            postgresql_where=text("status != 'deregistered'"),
        ),
    )

    uscc: Mapped[str] = mapped_column(String(18))
    filing_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    filing_date: Mapped[dt.date] = mapped_column(Date)
    business_scope: Mapped[str] = mapped_column(Text)
    status: Mapped[InstitutionStatus] = mapped_column(str_enum(InstitutionStatus, 16))
    status_since: Mapped[dt.date] = mapped_column(Date)
    status_reason: Mapped[str | None] = mapped_column(Text)
    current_version_no: Mapped[int] = mapped_column(Integer, default=1)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Every service ever filed, withdrawn ones included (``services``: those filed now).
    filed_services: Mapped[list[InstitutionService]] = relationship(lazy="selectin")

    @property
    def service_history(self) -> list[InstitutionService]:
        """Every service filed, by name and then period (the collection keeps the order it
        was loaded in, and one filed in this transaction comes last)."""
        return sorted(self.filed_services, key=lambda s: (s.name, s.filed_on, s.id or 0))

    @property
    def services(self) -> list[str]:
        """The services the institution is filed to provide now: what a consent or an
        authorisation to it may name (Art. 27 ¶2)."""
        return [s.name for s in self.service_history if s.withdrawn_on is None]


class InstitutionService(IdMixin, Base):
    """A service an institution filed with the register (Art. 26), as the credit authority
    entered it: at registration or by an amendment listing it, withdrawn by an amendment
    that leaves it out. A service filed again after its withdrawal is a new row, so each
    row says from when to when the institution was filed to provide it."""

    __tablename__ = "institution_service"

    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)


class InstitutionVersion(IdMixin, Base):
    """The register entry after one change: registration, an amendment or a status
    decision, with the reason and the officer's account (Art. 24 habit: never in place)."""

    __tablename__ = "institution_version"
    __table_args__ = (UniqueConstraint("institution_id", "version_no"),)

    institution_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(16))  # registered, amended, status
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str | None] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class StatisticsRelease(IdMixin, Base):
    """The industry statistics of one calendar month (China time), fixed at its end and kept
    as published (Art. 28; decision 0055): the tables as shown — withheld values kept only as
    withheld, never their counts — with the threshold used, when and by whom released. A
    release is written once and never changed: the public reads only releases, so two
    readings can only be subtracted release from release, and each release is suppressed
    also against the one before it."""

    __tablename__ = "statistics_release"

    # ``YYYY-MM``: one release per month.
    period: Mapped[str] = mapped_column(String(7), unique=True)
    # The month's last day: the figures are the records and entries as they stood at its end.
    period_end: Mapped[dt.date] = mapped_column(Date)
    min_cell: Mapped[int] = mapped_column(Integer)
    # The tables as ``IndustryStatistics.as_dict`` gives them: withheld values are null.
    tables: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The release it was suppressed against (None for the first).
    previous_period: Mapped[str | None] = mapped_column(String(7))
    released_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The audit id of whoever released it: the system for the daily job.
    released_by: Mapped[str] = mapped_column(String(64))
