from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime

CITY_JURISDICTION = "350100"
# The counties and districts of Fuzhou (GB/T 2260) that may have rules of their own (Art. 35),
# offered by the catalog pages; the service accepts any 3501xx code.
DISTRICTS = (
    ("350102", "鼓楼区"),
    ("350103", "台江区"),
    ("350104", "仓山区"),
    ("350105", "马尾区"),
    ("350111", "晋安区"),
    ("350112", "长乐区"),
    ("350121", "闽侯县"),
    ("350122", "连江县"),
    ("350123", "罗源县"),
    ("350124", "闽清县"),
    ("350125", "永泰县"),
    ("350128", "平潭县"),
    ("350181", "福清市"),
)


class RecordType(IdMixin, Base):
    """A catalog entry. Its rules live in versions, so every change is kept (Art. 24)."""

    __tablename__ = "record_type"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    versions: Mapped[list[RecordTypeVersion]] = relationship(
        back_populates="record_type", order_by="RecordTypeVersion.id"
    )


class RecordTypeVersion(IdMixin, Base):
    """One version of a record type's rules for one jurisdiction: the city (350100) or a
    district that tightened them (Art. 35)."""

    __tablename__ = "record_type_version"
    __table_args__ = (UniqueConstraint("record_type_id", "jurisdiction", "version_no"),)

    record_type_id: Mapped[int] = mapped_column(BigId, ForeignKey("record_type.id"), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(6))
    version_no: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The city's rule as a rule pack shipped it, where this version took the pack's
    # definition in (loaded or brought up to it) or answered its changes (the credit
    # authority's reconciliation): later pack changes are measured from that definition, so
    # what the authority changed itself is told apart from what the pack changed (decision
    # 0034). None on every other version.
    rule_pack: Mapped[str | None] = mapped_column(String(64))
    rule_pack_definition: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    record_type: Mapped[RecordType] = relationship(back_populates="versions")

    @property
    def source_label(self) -> str:
        return rule_label(self.jurisdiction, self.version_no)


def rule_label(jurisdiction: str, version_no: int) -> str:
    """How a version of a rule is named: ``city rule v2``, ``district 350181 rule v1``."""
    scope = "city" if jurisdiction == CITY_JURISDICTION else f"district {jurisdiction}"
    return f"{scope} rule v{version_no}"
