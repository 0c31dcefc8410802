"""The words the pages show for the values of the domain's enumerations (roles, list
kinds and statuses, capacities under Art. 18 ...): English message ids, translated where
shown through the templates' ``label()``. One table, so a value reads the same on every
page and a new value without a label shows up in one place."""

from __future__ import annotations

from enum import Enum

from xinyong.accounts.models import OrganisationKind, Role
from xinyong.lists.models import EntryStatus, ListKind, MeasureKind, RemovalReason, Tier
from xinyong.subjects.models import ResponsibleRole


def N_(message: str) -> str:
    """Marks a message id for extraction (``make i18n``); it is translated where shown."""
    return message


ROLE_LABELS: dict[str, str] = {
    Role.PLATFORM_ADMIN: N_("Platform administrator"),
    Role.CREDIT_AUTHORITY_OFFICER: N_("Credit authority officer"),
    Role.DATA_REPORTER: N_("Data reporter"),
    Role.QUERY_OFFICER: N_("Query officer"),
    Role.CASE_OFFICER: N_("Case officer"),
    Role.SECURITY_OFFICER: N_("Security officer"),
    Role.OBJECTION_HANDLER: N_("Objection handler"),
    Role.INSTITUTION_ANALYST: N_("Institution analyst"),
    Role.SUBJECT: N_("The subject's own account"),
}
ORGANISATION_KIND_LABELS: dict[str, str] = {
    OrganisationKind.STATE_ORGAN: N_("State organ"),
    OrganisationKind.PUBLIC_FUNCTION_ORGANISATION: N_(
        "Organisation with public administrative functions"
    ),
    OrganisationKind.PUBLIC_ENTERPRISE: N_("Public enterprise or institution"),
    OrganisationKind.ENTERPRISE: N_("Enterprise"),
    OrganisationKind.INDUSTRY_ASSOCIATION: N_("Industry association"),
    OrganisationKind.CREDIT_SERVICE_INSTITUTION: N_("Credit service institution"),
    OrganisationKind.FINANCIAL_INSTITUTION: N_("Financial institution"),
    OrganisationKind.JUDICIAL_ORGAN: N_("Judicial organ"),
    OrganisationKind.CREDIT_AUTHORITY: N_("Credit authority"),
    OrganisationKind.PLATFORM_OPERATOR: N_("Platform operator"),
}
LIST_LABELS: dict[str, str] = {
    # ListKind and Tier share "red" and "black", with the same meaning.
    ListKind.RED: N_("Red list"),
    ListKind.BLACK: N_("Black list"),
    Tier.SERIOUS: N_("Seriously dishonest subjects"),
    EntryStatus.IN_COMMENT: N_("In public comment"),
    EntryStatus.NOTICED: N_("Noticed, objection window open"),
    EntryStatus.AWAITING_APPROVAL: N_("Awaiting approval"),
    EntryStatus.PUBLISHED: N_("Published on the list"),
    EntryStatus.REJECTED: N_("Candidacy rejected"),
    EntryStatus.EXPIRED: N_("Term ended"),
    EntryStatus.REMOVED: N_("Removed"),
    RemovalReason.EXIT_CONDITIONS_MET: N_("Exit conditions met"),
    RemovalReason.REPAIRED: N_("Credit repaired"),
    RemovalReason.OBJECTION_UPHELD: N_("Objection upheld"),
    RemovalReason.PERFORMED: N_("Judgment performed"),
    RemovalReason.OTHER: N_("Other reason"),
    MeasureKind.INCENTIVE: N_("Incentive"),
    MeasureKind.PUNISHMENT: N_("Punishment"),
    ResponsibleRole.LEGAL_REPRESENTATIVE: N_("Legal representative"),
    ResponsibleRole.PRINCIPAL: N_("Principal"),
    ResponsibleRole.DIRECTLY_RESPONSIBLE: N_("Other directly responsible person"),
}
ENUM_LABELS: dict[str, str] = {
    str(key): value
    for table in (ROLE_LABELS, ORGANISATION_KIND_LABELS, LIST_LABELS)
    for key, value in table.items()
}


def enum_label(value: object) -> str:
    """The English message id for an enumeration value (or its own text, for a value no
    table knows: shown as is rather than hidden)."""
    key = value.value if isinstance(value, Enum) else str(value)
    return ENUM_LABELS.get(str(key), str(key))
