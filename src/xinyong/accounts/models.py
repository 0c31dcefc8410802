from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.db.base import Base, BigId, IdMixin, UTCDateTime, str_enum


class OrganisationKind(enum.StrEnum):
    STATE_ORGAN = "state_organ"  # 国家机关
    PUBLIC_FUNCTION_ORGANISATION = "public_function_organisation"  # 具有管理公共事务职能的组织
    PUBLIC_ENTERPRISE = "public_enterprise"  # 公共企事业单位
    ENTERPRISE = "enterprise"
    INDUSTRY_ASSOCIATION = "industry_association"
    CREDIT_SERVICE_INSTITUTION = "credit_service_institution"
    FINANCIAL_INSTITUTION = "financial_institution"
    JUDICIAL_ORGAN = "judicial_organ"
    CREDIT_AUTHORITY = "credit_authority"  # 社会信用主管部门
    PLATFORM_OPERATOR = "platform_operator"  # 公共信用信息工作机构, runs the platform itself


class Role(enum.StrEnum):
    PLATFORM_ADMIN = "platform_admin"  # manages accounts, never reads credit data
    CREDIT_AUTHORITY_OFFICER = "credit_authority_officer"
    DATA_REPORTER = "data_reporter"  # submits records for its organisation
    QUERY_OFFICER = "query_officer"  # queries within published query items
    CASE_OFFICER = "case_officer"  # list proposals and approvals, repair decisions
    SECURITY_OFFICER = "security_officer"  # confidentiality review (Art. 12(3))
    OBJECTION_HANDLER = "objection_handler"  # handles objections, cannot alter data
    INSTITUTION_ANALYST = "institution_analyst"  # market bodies: query with authorisation
    SUBJECT = "subject"  # a natural person's or organisation's own account


STAFF_ROLES = frozenset(Role) - {Role.SUBJECT}


class Organisation(IdMixin, Base):
    __tablename__ = "organisation"

    code: Mapped[str] = mapped_column(String(18), unique=True)  # unified social credit code
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, 40))
    # GB/T 2260 division the organisation has jurisdiction over (350100 = Fuzhou city).
    jurisdiction: Mapped[str] = mapped_column(String(6), default="350100")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class UserAccount(IdMixin, Base):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    # Empty while an account waits for activation (decisions 0031, 0033): no password
    # exists that anyone, the administrator included, could log in with.
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 40))
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    # Subject accounts are bound to exactly one subject; staff accounts to none.
    subject_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("subject.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The administrator who created the account (decision 0033): he never releases its
    # code. None when the platform's command line created it (the operator), or before
    # migration 0032.
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # An account created by an administrator has no password until its holder activates
    # it with a one-time code (decisions 0031, 0033): only the code's SHA-256 is kept,
    # until it is spent, replaced by a new one, or expires.
    activation_code_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Who released the open code, and when (an officer of the credit authority, decision
    # 0031 addendum; another administrator for an administrator's account, decision
    # 0033): named in the ``user.activate`` event and on the holder's own page. None for a
    # code the platform's command line issued.
    activation_released_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id")
    )
    activation_released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Bumped whenever the account's credentials change (a code issued, an activation, a
    # deactivation); bearer tokens and page sessions carry the version they were issued
    # under and stop working when it no longer matches (decision 0031 addendum).
    credentials_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def awaiting_activation(self) -> bool:
        return not self.password_hash

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.SUBJECT


class ApiKey(IdMixin, Base):
    """A key for an organisation's system; only its hash is stored.

    The administrator registers it with no secret; a staff member of the organisation who
    holds the key's role releases the secret, shown to him once (decision 0033), so the
    administrator never holds a key that reads credit data."""

    __tablename__ = "api_key"

    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    # Empty until the secret is released: a key awaiting release authenticates nobody.
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role, 40))
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Who released the secret, and when (decision 0033); keys made before migration 0032
    # count as released when they were created, by nobody named.
    released_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @property
    def awaiting_release(self) -> bool:
        return self.released_at is None and self.revoked_at is None
