"""The words the pages show for the values of the domain's enumerations (roles, list
kinds and statuses, capacities under Art. 18 ...): English message ids, translated where
shown through the templates' ``label()``. One table, so a value reads the same on every
page and a new value without a label shows up in one place."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any

from xinyong.accounts.models import OrganisationKind, Role
from xinyong.accounts.permissions import Permission
from xinyong.collection import consent as consents
from xinyong.institutions.statistics import OTHER_AREA
from xinyong.lists import entries, joint_checks
from xinyong.lists.entry_basis import SEPARATOR
from xinyong.lists.models import (
    EntryStatus,
    ListKind,
    MeasureKind,
    RemovalProposalStatus,
    RemovalReason,
    Tier,
)
from xinyong.objections import rules as objection_rules
from xinyong.objections.models import Ground
from xinyong.subjects.models import ResponsibleRole
from xinyong.web.i18n import catalog_name


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
    RemovalReason.RECORD_REVOKED: N_("Record revoked by its source"),
    RemovalReason.EARLY_REMOVAL: N_("Removed early on application (SAMR Order 44)"),
    RemovalReason.BLACK_LISTED: N_("Placed on the black list: no longer an integrity model"),
    RemovalReason.BAD_RECORD: N_(
        "Bad credit record within the standard's years: no longer an integrity model"
    ),
    RemovalReason.OTHER: N_("Other reason"),
    RemovalProposalStatus.OPEN: N_("Awaiting a second officer"),
    RemovalProposalStatus.APPROVED: N_("Approved: removed from the list"),
    RemovalProposalStatus.REFUSED: N_("Refused"),
    RemovalProposalStatus.LAPSED: N_("Lapsed: the entry left the list otherwise"),
    MeasureKind.INCENTIVE: N_("Incentive"),
    MeasureKind.PUNISHMENT: N_("Punishment"),
    ResponsibleRole.LEGAL_REPRESENTATIVE: N_("Legal representative"),
    ResponsibleRole.PRINCIPAL: N_("Principal"),
    ResponsibleRole.DIRECTLY_RESPONSIBLE: N_("Other directly responsible person"),
}
# What a role may not do, as a refusal names it ("the role ... may not ...").
PERMISSION_LABELS: dict[str, str] = {
    Permission.MANAGE_ACCOUNTS: N_("manage accounts"),
    Permission.MANAGE_ORGANISATIONS: N_("manage organisations"),
    Permission.VERIFY_AUDIT: N_("verify the audit log"),
    Permission.MANAGE_CATALOG: N_("manage the information catalog"),
    Permission.MANAGE_SOURCES: N_("manage the sources' responsibilities"),
    Permission.SUBMIT_RECORDS: N_("submit records"),
    Permission.READ_BATCHES: N_("read submitted batches"),
    Permission.REVIEW_HELD_ROWS: N_("review held rows"),
    Permission.READ_OWN_FILE: N_("read its own credit file"),
    Permission.DECLARE_OWN: N_("declare information about itself"),
    Permission.MANAGE_OWN_CONSENTS: N_("manage its own consents"),
    Permission.QUERY_BY_ITEM: N_("query by a published query item"),
    Permission.QUERY_BY_AUTHORISATION: N_("query with a written authorisation"),
    Permission.REVIEW_CONFIDENTIALITY: N_("review records before publicity"),
    Permission.SUPERVISE: N_("supervise the use of credit information"),
    Permission.HANDLE_OBJECTIONS: N_("handle objections"),
    Permission.DECIDE_CASES: N_("decide cases"),
    Permission.LOOKUP_PERSON: N_("look up a person by ID number"),
    Permission.JOINT_CHECK: N_("run joint checks"),
    Permission.PROPOSE_LIST_ENTRY: N_("propose list entries"),
    Permission.APPROVE_LIST_ENTRY: N_("approve list entries"),
    Permission.APPLY_MEASURES: N_("apply measures"),
    Permission.MANAGE_MEASURES: N_("manage measures"),
    Permission.MANAGE_INSTITUTIONS: N_("manage the register of credit service institutions"),
    Permission.READ_RISK_STATUS: N_("read credit status"),
    Permission.PUBLISH_TYPICAL_CASES: N_("draft and publish typical cases"),
    Permission.RELEASE_ACTIVATION_CODES: N_("release activation codes"),
    Permission.RELEASE_API_KEYS: N_("release its organisation's API keys"),
    Permission.ASSIGN_QUERY_ITEMS: N_("assign query items to the staff who query"),
    Permission.READ_OWN_FOLLOW_UPS: N_("read the follow-ups against its organisation"),
}
# A record's severity class (``catalog.definitions.Severity``).
SEVERITY_LABELS: dict[str, str] = {
    "minor": N_("Minor"),
    "general": N_("General"),
    "serious": N_("Serious"),
}
# Values of the catalog's enumerated fields that are English words (the commitment's
# fulfilment status, a penalty's severity class); the other choices are Chinese and shown
# as they are.
CHOICE_LABELS: dict[str, str] = {
    "pending": N_("Pending"),
    "fulfilled": N_("Fulfilled"),
    "breached": N_("Breached"),
    **SEVERITY_LABELS,
}


def choice_label(field_type: str, value: object) -> str | None:
    """The message id of an enumerated field's value that is an English word
    (``CHOICE_LABELS``), translated where shown; None for any other value (a Chinese
    choice, or a free-text field's words), shown as stored."""
    return CHOICE_LABELS.get(str(value)) if field_type == "enum" else None


# The counties and districts of Fuzhou (``catalog.models.DISTRICTS``, by GB/T 2260 code):
# the platform's own names for them, in the page's language (pinyin in English).
DISTRICT_LABELS: dict[str, str] = {
    "350102": N_("Gulou District"),
    "350103": N_("Taijiang District"),
    "350104": N_("Cangshan District"),
    "350105": N_("Mawei District"),
    "350111": N_("Jin'an District"),
    "350112": N_("Changle District"),
    "350121": N_("Minhou County"),
    "350122": N_("Lianjiang County"),
    "350123": N_("Luoyuan County"),
    "350124": N_("Minqing County"),
    "350125": N_("Yongtai County"),
    "350128": N_("Pingtan County"),
    "350181": N_("Fuqing City"),
}


def district_name(code: str, gettext: Callable[[str], str]) -> str:
    """A district's name and code, "Gulou District (350102)"; an unknown code as it is."""
    known = DISTRICT_LABELS.get(code)
    if not known:
        return code
    return gettext("%(name)s (%(code)s)") % {"name": gettext(known), "code": code}


# The industry statistics' rows by area that are not districts (``institutions.statistics``).
STATISTICS_AREA_LABELS: dict[str, str] = {
    "350100": N_("Registered at city level"),
    OTHER_AREA: N_("Outside Fuzhou's districts, or not known"),
}


def statistics_row_label(rows_by: str, row: str) -> str:
    """The message id naming a row of an industry-statistics table: a district, an area
    or a kind of organisation; the row's code where none is known."""
    if rows_by == "district":
        return DISTRICT_LABELS.get(row) or STATISTICS_AREA_LABELS.get(row, row)
    return ORGANISATION_KIND_LABELS.get(row, row)


# A record's status (``collection.models.RecordStatus``), in its file and its report.
RECORD_STATUS_LABELS: dict[str, str] = {
    "active": N_("Active"),
    "under_objection": N_("Under objection"),
    "corrected": N_("Corrected"),
    "repaired": N_("Repaired"),
    "revoked": N_("Revoked by its source"),
    "expired": N_("Publicity ended"),
    "deleted": N_("Deleted after the retention period"),
}
# The reasons the services write on record versions (Art. 24), for ``version_reason``;
# others are shown as written.
VERSION_REASON_LABELS: dict[str, str] = {
    "created by source": N_("Submitted by the source"),
    "updated by source": N_("Updated by the source"),
    "declared by subject": N_("Declared by the subject"),
    "objection received": N_("Objection received (Art. 25)"),
    "fulfilment updated": N_("Fulfilment of the commitment recorded"),
    "publicity ended": N_("Publicity period ended"),
    "deleted after retention period": N_("Deleted after the retention period"),
    "publicity ended on performance": N_(
        "Publicity ended: the judgment was performed (SPC rule Art. 10)"
    ),
    "re-dated by the rule in force": N_(
        "Dated by the date the rule in force counts from (its publicity and timeliness "
        "counted again)"
    ),
}
# The lawful path of a read or a report (``disclosure.models.LegalPath``).
LEGAL_PATH_LABELS: dict[str, str] = {
    "self": N_("The subject itself"),
    "query_item": N_("Published query item"),
    "authorisation": N_("Written authorisation"),
    "none": N_("No lawful path"),
    "supervision": N_("Supervision by the credit authority (Art. 33)"),
    "official_duty": N_("An agency's official duties (Art. 13 ¶2, Art. 15)"),
    "joint_check": N_("Joint incentive and punishment check (Art. 14–19)"),
    "consent": N_("Your written consent to collection (Art. 11)"),
}
# The reasons of record versions that name an objection (``objections.service``): shown
# with its number in the page's language (Art. 24).
OBJECTION_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^corrected after objection (\d+)$"), N_("Corrected after objection %(number)s")),
    (
        re.compile(r"^withdrawn from publication after objection (\d+)$"),
        N_("Withdrawn from publication after objection %(number)s"),
    ),
    (
        re.compile(r"^no longer used after objection (\d+): its source is deregistered$"),
        N_("No longer used after objection %(number)s: its source is deregistered"),
    ),
    (
        re.compile(r"^no longer used after objection (\d+): a duplicate publication$"),
        N_("No longer used after objection %(number)s: the record was published twice"),
    ),
    (re.compile(r"^objection (\d+) rejected$"), N_("Objection %(number)s rejected")),
    (
        re.compile(r"^objection (\d+): facts could not be confirmed$"),
        N_("Objection %(number)s: the facts could not be confirmed"),
    ),
    # Credit repair (``repair.rules``, Art. 20-23).
    (re.compile(r"^repaired, case (\d+)$"), N_("Repaired, credit repair case %(number)s")),
    (
        re.compile(r"^repair revoked, case (\d+)$"),
        N_("Repair revoked, credit repair case %(number)s: the record is restored"),
    ),
)
# An objection's grounds (Art. 25; ``objections.models.Ground``).
OBJECTION_GROUND_LABELS: dict[Ground, str] = {
    Ground.ERROR: N_("The record is wrong"),
    Ground.OMISSION: N_("Something is missing from the record"),
    Ground.DUPLICATE: N_("The record is published twice"),
    Ground.SHOULD_NOT_BE_PUBLIC: N_("The record should not be public"),
    Ground.PAST_PERIOD: N_("The record is published past its publicity period"),
    Ground.INFRINGEMENT: N_("The record infringes a trade secret or privacy"),
}
# The detail the services write with a version (``objections.service``: the objection and
# its ground; the statement stays in the case), shown in the page's language.
_OBJECTION_DETAIL = re.compile(r"^objection (\d+): (\w+)$")
_GROUND_VALUES = frozenset(ground.value for ground in Ground)
# Details the services write word for word.
VERSION_DETAILS: dict[str, str] = {
    objection_rules.IN_PLACE_NOTE: N_(
        "the record's source, a credit service institution, is deregistered and can no longer "
        "correct it: the credit authority carries out the upheld objection in its place"
    ),
}


def version_detail(detail: str | None, gettext: Callable[[str], str]) -> str:
    """A record version's detail in the page's language where the services wrote it in
    words of their own; a detail a person typed (a reason for a change) as it was typed."""
    if not detail:
        return ""
    if detail in VERSION_DETAILS:
        return gettext(VERSION_DETAILS[detail])
    match = _OBJECTION_DETAIL.match(detail)
    if match and match[2] in _GROUND_VALUES:
        return gettext("objection %(number)s, on the ground: %(ground)s") % {
            "number": match[1],
            "ground": gettext(OBJECTION_GROUND_LABELS[Ground(match[2])]),
        }
    # A court's record whose publicity a performance ended says it as the entry's removal.
    for pattern, message in REMOVAL_DETAILS[:_PERFORMANCE_DETAILS]:
        found = pattern.match(detail)
        if found:
            return gettext(message) % found.groupdict()
    return detail


# How many of the first ``REMOVAL_DETAILS`` state a court defaulter's performance.
_PERFORMANCE_DETAILS = 2
# The removal details the services write on a list entry (``lists.court_defaulters``,
# ``lists.early_removal``, ``repair.service.removal_detail``): shown in the page's language,
# with the court's or the applicant's own words as they were typed. A detail an officer typed
# (a removal on other grounds) is shown as written.
REMOVAL_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^performed on (?P<date>\d{4}-\d{2}-\d{2}), confirmed by the court: (?P<text>.*)$",
            re.S,
        ),
        N_("Performed on %(date)s, as the court confirmed: %(text)s"),
    ),
    (
        re.compile(r"^performed on (?P<date>\d{4}-\d{2}-\d{2})$"),
        N_("Performed on %(date)s, as the court's record says"),
    ),
    (
        re.compile(r"^early removal on application (?P<number>\d+): (?P<text>.*)$", re.S),
        N_("Removed early on application %(number)s: %(text)s"),
    ),
    (
        re.compile(r"^objection (?P<number>\d+) upheld: (?P<text>.*)$", re.S),
        N_("on the decision upholding objection %(number)s: %(text)s"),
    ),
    (
        re.compile(r"^credit repair case (?P<number>\d+)$"),
        N_("Credit repair case %(number)s"),
    ),
    # An entry resting on a record its source revoked (``collection.revocation``).
    (
        re.compile(r"^record (?P<number>\d+) revoked by its source: (?P<text>.*)$", re.S),
        N_("record %(number)s revoked by its source: %(text)s"),
    ),
    # A red-list entry ended by the platform (``lists.red_list_exit``, decision 0041).
    (
        re.compile(
            r"^on the black list from (?P<date>\d{4}-\d{2}-\d{2}) under (?P<standard>.+) "
            r"\(entry (?P<number>\d+)\): no longer an integrity model \(Art\. 14 ¶2, Art\. 16\)$",
            re.S,
        ),
        N_(
            "On the black list from %(date)s as %(standard)s (entry %(number)s): no longer an "
            "integrity model (Art. 14 ¶2, Art. 16)"
        ),
    ),
    (
        re.compile(
            r"^a bad credit record \((?P<type>.+)\) decided on (?P<date>\d{4}-\d{2}-\d{2}), "
            r"within the (?P<years>\d+) years without one that (?P<standard>.+) requires: no "
            r"longer an integrity model \(Art\. 14 ¶2, Art\. 16\)$",
            re.S,
        ),
        N_(
            "A bad credit record (%(type)s) decided on %(date)s, within the %(years)s years "
            "without one that %(standard)s requires: no longer an integrity model (Art. 14 ¶2, "
            "Art. 16)"
        ),
    ),
)


def removal_detail(detail: str | None, gettext: Callable[[str], str]) -> str:
    """Why a list entry ended, in the page's language where a service wrote it; the basis
    record whose repair or revocation ended it named after it (decision 0043)."""
    if not detail:
        return ""
    head, separator, record = detail.rpartition(SEPARATOR)
    if separator:
        return gettext("%(why)s; the record it rested on: %(record)s") % {
            "why": removal_detail(head, gettext),
            "record": record,
        }
    for pattern, message in REMOVAL_DETAILS:
        match = pattern.match(detail)
        if match:
            return gettext(message) % match.groupdict()
    return detail


# The details the platform writes on a list entry's naming of responsible persons
# (``lists.entry_persons``, Art. 18; decision 0036), in English with the registration's
# internal id: shown in the page's language, and without the id, which is nobody's business
# on a page (the entry's persons list says where each naming came from).
_ROLE = r"(?P<role>[a-z_]+)"
_DAY = r"(?P<{}>\d{{4}}-\d{{2}}-\d{{2}}|None)"
ENTRY_EVENT_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            rf"^{_ROLE} (?P<name>.+?); source: the recognising agency's proposal; "
            r"reason: named as responsible for the conduct$",
            re.S,
        ),
        N_("%(role)s %(name)s: named as responsible for the conduct on the agency's proposal"),
    ),
    (
        re.compile(
            rf"^{_ROLE} (?P<name>.+?), named {_DAY.format('start')} to {_DAY.format('end')}; "
            r"source: registration \d+ as answering for the organisation, ended; "
            r"reason: (?P<reason>.*)$",
            re.S,
        ),
        N_(
            "%(role)s %(name)s: named from %(start)s to %(end)s, while registered as answering "
            "for the organisation (%(reason)s)"
        ),
    ),
    (
        re.compile(
            rf"^{_ROLE} (?P<name>.+?), named from {_DAY.format('start')}; "
            r"source: registration \d+ as answering for the organisation; "
            r"reason: (?P<reason>.*)$",
            re.S,
        ),
        N_(
            "%(role)s %(name)s: named from %(start)s, as registered to answer for the "
            "organisation (%(reason)s)"
        ),
    ),
)
# Why the naming changed, as ``lists.entry_persons`` and ``subjects.service`` write it.
NAMING_REASONS: dict[str, str] = {
    "named as the entry is published": N_("named as the entry is published"),
    "named as the entry is published again": N_("named as the entry is published again"),
    "the entry brought in line with the organisation's registration by the daily job": N_(
        "brought in line with the organisation's registration by the daily job"
    ),
}
_REGISTERED = re.compile(rf"^(?P<name>.+?) registered as {_ROLE}$", re.S)
_NO_LONGER = re.compile(rf"^(?P<name>.+?) no longer registered as {_ROLE}(?:: (?P<why>.*))?$", re.S)


def _naming_reason(reason: str, gettext: Callable[[str], str]) -> str:
    if reason in NAMING_REASONS:
        return gettext(NAMING_REASONS[reason])
    parts = []
    for part in reason.split("; "):
        # "… no longer registered as …" first: a name would otherwise swallow "no longer".
        if found := _NO_LONGER.match(part):
            values = {**found.groupdict(), "role": gettext(enum_label(found["role"]))}
            message = (
                N_("%(name)s no longer registered as %(role)s: %(why)s")
                if found["why"] is not None
                else N_("%(name)s no longer registered as %(role)s")
            )
            parts.append(gettext(message) % values)
        elif found := _REGISTERED.match(part):
            values = {**found.groupdict(), "role": gettext(enum_label(found["role"]))}
            parts.append(gettext(N_("%(name)s registered as %(role)s")) % values)
        else:
            return reason  # not one the platform writes: as it was written
    return "; ".join(parts) if parts else reason


def registration_end_reason(reason: str | None, gettext: Callable[[str], str]) -> str:
    """Why a responsible person's registration ended, in the page's language where the
    platform wrote it (a new holder of the capacity); an officer's reason as typed."""
    return _naming_reason(reason, gettext) if reason else ""


# The basis of a registration the platform took from a registration record
# (``collection.legal_representatives``, decision 0038): from a batch, or from the source's
# correction after an objection.
_BASIS_FROM_BATCH = re.compile(
    r"^registration record (?P<record>\d+) version (?P<version>\d+), batch (?P<batch>\d+)$"
)
_BASIS_FROM_CORRECTION = re.compile(
    r"^registration record (?P<record>\d+) version (?P<version>\d+), corrected after "
    r"objection (?P<objection>\d+)$"
)


def registration_basis(basis: str | None, gettext: Callable[[str], str]) -> str:
    """What a registration rests on, in the page's language where the platform wrote it
    (a registration record); an officer's document as typed."""
    if not basis:
        return ""
    if found := _BASIS_FROM_BATCH.match(basis):
        return (
            gettext(N_("Registration record %(record)s, version %(version)s (batch %(batch)s)"))
            % found.groupdict()
        )
    if found := _BASIS_FROM_CORRECTION.match(basis):
        return (
            gettext(
                N_(
                    "Registration record %(record)s, version %(version)s (corrected after "
                    "objection %(objection)s)"
                )
            )
            % found.groupdict()
        )
    return basis


# The steps of a list entry's history (``ListEntryEvent.action``), named in the page's
# language; an action not listed is shown as its code.
ENTRY_ACTIONS: dict[str, str] = {
    "proposed": N_("Proposed"),
    "entered": N_("Entered on the court's decision"),
    "approved": N_("Approved and published"),
    "rejected": N_("Proposal rejected"),
    "objection": N_("Objection received"),
    "objection_upheld": N_("Objection upheld"),
    "objection_dismissed": N_("Objection dismissed"),
    "public_comment": N_("Public comment received"),
    "term_changed": N_("Term changed"),
    "removed": N_("Removed from the list"),
    "restored": N_("Published again"),
    "not_restored": N_("Not published again: the subject was listed again meanwhile"),
    "ended": N_("Candidacy ended: a record it rests on no longer stands"),
    "expired": N_("Term ended"),
    "person_named": N_("Responsible person named"),
    "naming_ended": N_("Naming of a responsible person ended"),
    "early_removal_applied": N_("Early removal applied for"),
    "early_removal_proposed": N_("Early removal: decision proposed"),
    "early_removal_returned": N_("Early removal: proposal returned"),
    "early_removal_approved": N_("Early removal approved"),
    "early_removal_rejected": N_("Early removal rejected"),
    "early_removal_lapsed": N_("Early removal application lapsed"),
    "removal_proposed": N_("Removal proposed"),
    "removal_approved": N_("Removal approved by a second officer"),
    "removal_refused": N_("Removal refused"),
    "removal_lapsed": N_("Removal proposal lapsed"),
    "window_extended": N_("Window extended"),
}
_DAY = r"\d{4}-\d{2}-\d{2}"
# Other details the platform writes on entry steps (``lists.entries``,
# ``lists.court_defaulters``, ``lists.early_removal``), with what people typed kept as typed.
_ENTRY_STEP_DETAILS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf"^written notice sent; objection window until (?P<day>{_DAY})$"),
        N_("written notice sent; objections until %(day)s"),
    ),
    (
        re.compile(rf"^published for public comment until (?P<day>{_DAY})$"),
        N_("published for public comment until %(day)s"),
    ),
    (
        re.compile(
            rf"^window extended to (?P<day>{_DAY}): the working-day calendar of "
            r"(?P<year>\d{4}) was entered$"
        ),
        N_("window extended to %(day)s: the working-day calendar of %(year)s was entered"),
    ),
    # A red-list entry published again (``lists.red_list_exit``, decision 0041).
    (
        re.compile(
            r"^the black-list entry (?P<number>\d+) that ended it was removed "
            r"\(objection_upheld\): an integrity model again \(Art\. 14 ¶2, Art\. 16\)$"
        ),
        N_(
            "the black-list entry %(number)s that ended it was removed on an objection upheld: "
            "an integrity model again (Art. 14 ¶2, Art. 16)"
        ),
    ),
    (
        re.compile(
            r"^the black-list entry (?P<number>\d+) that ended it was removed "
            r"\(record_revoked\): an integrity model again \(Art\. 14 ¶2, Art\. 16\)$"
        ),
        N_(
            "the black-list entry %(number)s that ended it was removed, the decision it rested "
            "on annulled: an integrity model again (Art. 14 ¶2, Art. 16)"
        ),
    ),
    (
        re.compile(
            r"^an objection to the black-list entry (?P<number>\d+) that ended it was upheld "
            r"after that entry had left the list: an integrity model again "
            r"\(Art\. 14 ¶2, Art\. 16\)$"
        ),
        N_(
            "an objection to the black-list entry %(number)s that ended it was upheld after "
            "that entry had left the list: an integrity model again (Art. 14 ¶2, Art. 16)"
        ),
    ),
    (
        re.compile(
            r"^the decision the black-list entry (?P<number>\d+) that ended it rested on was "
            r"annulled after that entry had left the list: an integrity model again "
            r"\(Art\. 14 ¶2, Art\. 16\)$"
        ),
        N_(
            "the decision the black-list entry %(number)s that ended it rested on was annulled "
            "after that entry had left the list: an integrity model again (Art. 14 ¶2, Art. 16)"
        ),
    ),
    (re.compile(r"^record revoked: (?P<text>.*)$", re.S), N_("record revoked: %(text)s")),
    (re.compile(r"^record reinstated: (?P<text>.*)$", re.S), N_("record reinstated: %(text)s")),
    (re.compile(r"^court decision (?P<case>.*)$", re.S), N_("court decision %(case)s")),
    (re.compile(rf"^term ends (?P<day>{_DAY})$"), N_("the term now ends on %(day)s")),
    (re.compile(rf"^term ended on (?P<day>{_DAY})$"), N_("the term ended on %(day)s")),
    (re.compile(r"^objection received$"), N_("objection received")),
    (
        re.compile(r"^objection to the published entry received$"),
        N_("objection to the published entry received"),
    ),
    (re.compile(r"^public comment received$"), N_("public comment received")),
    (
        re.compile(
            rf"^performed on (?P<day>{_DAY}); due by (?P<due>{_DAY}) \((?P<days>\d+) working "
            r"days\), removed late: (?P<text>.*)$",
            re.S,
        ),
        N_(
            "performed on %(day)s; to be removed by %(due)s (%(days)s working days), removed "
            "late: %(text)s"
        ),
    ),
    (
        re.compile(
            rf"^performed on (?P<day>{_DAY}); due by (?P<due>{_DAY}) \((?P<days>\d+) working "
            r"days\): (?P<text>.*)$",
            re.S,
        ),
        N_("performed on %(day)s; to be removed by %(due)s (%(days)s working days): %(text)s"),
    ),
    (
        re.compile(r"^application (?P<number>\d+) for early removal \(SAMR Order 44\)$"),
        N_("application %(number)s for early removal (SAMR Order 44)"),
    ),
    (
        re.compile(r"^application (?P<number>\d+): proposed to approve: (?P<text>.*)$", re.S),
        N_("application %(number)s: proposed to approve: %(text)s"),
    ),
    (
        re.compile(r"^application (?P<number>\d+): proposed to reject: (?P<text>.*)$", re.S),
        N_("application %(number)s: proposed to reject: %(text)s"),
    ),
    (
        re.compile(r"^application (?P<number>\d+): proposal returned: (?P<text>.*)$", re.S),
        N_("application %(number)s: proposal returned: %(text)s"),
    ),
    (
        re.compile(r"^application (?P<number>\d+): (?P<text>.*)$", re.S),
        N_("application %(number)s: %(text)s"),
    ),
    (
        re.compile(r"^early_removal: application (?P<number>\d+)$"),
        N_("removed early on application %(number)s"),
    ),
)
# A removal's detail as ``lists.entries`` writes it: the reason's code, then the words.
_REMOVAL_STEP = re.compile(r"^(?P<reason>[a-z_]+): (?P<text>.*)$", re.S)


def entry_action(action: str, gettext: Callable[[str], str]) -> str:
    return gettext(ENTRY_ACTIONS[action]) if action in ENTRY_ACTIONS else action


_REMOVAL_PROPOSAL_STEP = re.compile(
    r"^removal proposal (?P<number>\d+)(?P<sep>: | )(?P<rest>.*)$", re.S
)
_PROPOSAL_LAPSED = N_(
    "removal proposal %(number)s lapsed: the entry left the list otherwise (%(how)s)"
)
_PROPOSAL_STEP = N_("removal proposal %(number)s: %(text)s")
_LAPSED = re.compile(r"^lapsed: the entry left the list otherwise \((?P<how>[a-z_]+)\)$")
_APPLICATION_LAPSED_STEP = re.compile(
    r"^application (?P<number>\d+): lapsed: the entry left the list otherwise "
    r"\((?P<how>[a-z_]+)\)$"
)
_APPLICATION_LAPSED = N_(
    "early removal application %(number)s lapsed: the entry left the list otherwise (%(how)s)"
)


def _left_how(how: str, gettext: Callable[[str], str]) -> str:
    """How an entry left the list, as a lapse names it: a removal's reason, or ``expired``."""
    if how in {reason.value for reason in RemovalReason}:
        return gettext(enum_label(RemovalReason(how)))
    return gettext(ENTRY_ACTIONS.get(how, how))


def _removal_proposal_detail(detail: str, gettext: Callable[[str], str]) -> str | None:
    """A removal proposal's step (``lists.removal_proposals``, ``lists.entry_events``), or
    an early removal application's lapse (``lists.entry_events``)."""
    application = _APPLICATION_LAPSED_STEP.match(detail)
    if application:
        return gettext(_APPLICATION_LAPSED) % {
            "number": application["number"],
            "how": _left_how(application["how"], gettext),
        }
    found = _REMOVAL_PROPOSAL_STEP.match(detail)
    if not found:
        return None
    lapsed = _LAPSED.match(found["rest"])
    if lapsed:
        return gettext(_PROPOSAL_LAPSED) % {
            "number": found["number"],
            "how": _left_how(lapsed["how"], gettext),
        }
    if found["sep"] != ": ":
        return None
    return gettext(_PROPOSAL_STEP) % {
        "number": found["number"],
        "text": entry_event_detail(found["rest"], gettext),
    }


def entry_event_detail(detail: str | None, gettext: Callable[[str], str]) -> str:
    """A list entry event's detail in the page's language where the platform wrote it (a
    responsible person named or no longer named, without the registration's id); any other
    as it was written (an officer's reasons)."""
    if not detail:
        return ""
    proposal = _removal_proposal_detail(detail, gettext)
    if proposal is not None:
        return proposal
    head, separator, record = detail.rpartition(SEPARATOR)
    if separator:
        return gettext("%(why)s; the record it rested on: %(record)s") % {
            "why": entry_event_detail(head, gettext),
            "record": record,
        }
    for pattern, message in ENTRY_EVENT_DETAILS:
        found = pattern.match(detail)
        if found:
            values = found.groupdict()
            values["role"] = gettext(enum_label(values["role"]))
            if "reason" in values:
                values["reason"] = _naming_reason(values["reason"], gettext)
            for day in ("start", "end"):
                if values.get(day) == "None":
                    values[day] = "—"
            return gettext(message) % values
    # A removal the court's record made says what the entry's own removal detail says.
    as_removal = removal_detail(detail, gettext)
    if as_removal != detail:
        return as_removal
    for pattern, message in _ENTRY_STEP_DETAILS:
        found = pattern.match(detail)
        if found:
            return gettext(message) % found.groupdict()
    removal = _REMOVAL_STEP.match(detail)
    if removal and removal["reason"] in {reason.value for reason in RemovalReason}:
        # The words after the reason's code: a removal detail a service wrote (in the page's
        # language), or an officer's, as typed.
        text = removal_detail(removal["text"], gettext)
        return f"{gettext(enum_label(RemovalReason(removal['reason'])))}: {text}"
    return detail


# The version reason of a record its source revoked (``collection.revocation``), by ground.
REVOCATION_GROUNDS: dict[str, str] = {
    "reconsideration": N_("Annulled on administrative reconsideration"),
    "court": N_("Annulled by a court"),
    "withdrawn": N_("Withdrawn by the deciding organ"),
    "other": N_("Other ground"),
}
_REVOKED = re.compile(r"^revoked by source \((\w+)\)$")
# The version reason of a record its source reinstated (``revocation.reinstate``), by ground.
REINSTATEMENT_GROUNDS: dict[str, str] = {
    "revocation_set_aside": N_("The annulling decision was set aside"),
    "revoked_in_error": N_("Revoked in error"),
}
_REINSTATED = re.compile(r"^reinstated by source \((\w+)\)$")


def version_reason(reason: str, table: dict[str, str], gettext: Callable[[str], str]) -> str:
    """A record version's reason in the page's language: a known reason from ``table``, an
    objection's with its number, any other as it was written."""
    for pattern, message in OBJECTION_REASONS:
        match = pattern.match(reason)
        if match:
            return gettext(message) % {"number": match[1]}
    revoked = _REVOKED.match(reason)
    if revoked and revoked[1] in REVOCATION_GROUNDS:
        return gettext("Revoked by its source: %(ground)s") % {
            "ground": gettext(REVOCATION_GROUNDS[revoked[1]])
        }
    reinstated = _REINSTATED.match(reason)
    if reinstated and reinstated[1] in REINSTATEMENT_GROUNDS:
        return gettext("Reinstated by its source: %(ground)s") % {
            "ground": gettext(REINSTATEMENT_GROUNDS[reinstated[1]])
        }
    return gettext(table[reason]) if reason in table else reason


# The catalog's rule versions as ``RuleVersion.source_label`` writes them.
SOURCE_LABEL = re.compile(r"(?:(?P<city>city)|district (?P<district>\d+)) rule v(?P<version>\d+)")


def source_label(stored: str, gettext: Callable[[str], str]) -> str:
    """A rule version's label (``city rule v1``, ``district 350102 rule v2``) in the page's
    language; another text as it is."""
    match = SOURCE_LABEL.fullmatch(stored)
    if match is None:
        return stored
    if match["city"]:
        return gettext("city rule v%(version)s") % {"version": match["version"]}
    return gettext("district %(district)s rule v%(version)s") % {
        "district": match["district"],
        "version": match["version"],
    }


# Why a subject does or does not get the green channel (Art. 16(1)), by the joint check's
# reason code (``joint_checks.GREEN_CHANNEL_REASONS``).
GREEN_CHANNEL_LABELS = {
    joint_checks.INVALID: N_("not a valid code"),
    joint_checks.NOT_REGISTERED: N_("subject not registered"),
    joint_checks.ON_BLACK: N_("on the black list"),
    joint_checks.ON_RED: N_("on the red list (Art. 16(1))"),
    joint_checks.BAD_RECORD: N_("a bad credit record within the last %(years)s years"),
    joint_checks.TOO_RECENT: N_(
        "on record for less than %(years)s years: no %(years)s consecutive years to show"
        " (Art. 16(1))"
    ),
    joint_checks.CLEAN: N_("no bad credit record for %(years)s consecutive years (Art. 16(1))"),
    joint_checks.RESPONSIBLE_FOR_BLACK: N_(
        "named as responsible for an organisation on the black list (Art. 18)"
    ),
}


# The reasons that count years, for a past check that did not record them (before 0043).
GREEN_CHANNEL_LABELS_YEARS_NOT_RECORDED = {
    joint_checks.BAD_RECORD: N_(
        "a bad credit record within the years then asked for (not recorded)"
    ),
    joint_checks.TOO_RECENT: N_(
        "on record for less than the consecutive years then asked for (not recorded):"
        " none to show (Art. 16(1))"
    ),
    joint_checks.CLEAN: N_(
        "no bad credit record for the consecutive years then asked for (Art. 16(1);"
        " their number was not recorded)"
    ),
}


def green_channel_reason(code: str, gettext: Callable[[str], str], clean_years: int | None) -> str:
    """A joint check's green-channel reason in the page's language, from its code and the
    years Art. 16(1) was answered on (the check's own; None for a past check that did not
    record them); a code no label knows in the check's own words, and a stored text that
    is no code as it is."""
    if clean_years is None and code in GREEN_CHANNEL_LABELS_YEARS_NOT_RECORDED:
        return gettext(GREEN_CHANNEL_LABELS_YEARS_NOT_RECORDED[code])
    label = GREEN_CHANNEL_LABELS.get(code)
    if label is None:
        return joint_checks.green_channel_reasons(clean_years).get(code, code)
    return gettext(label) % {"years": clean_years}


def matter_names(matters: Iterable[Any], locale: str) -> dict[str, str]:
    """Administrative matter code → its name in the page's language (the rule pack's
    ``name_en`` on English pages)."""
    return {m.code: catalog_name(m.name, m.name_en, locale) for m in matters}


# Why a consent (Art. 11) or a written authorisation (Art. 13 ¶3) ended, in the person's
# lists, the API and the credit authority's supervision list (Art. 24).
GRANT_END_LABELS: dict[str, str] = {
    consents.REVOKED_BY_SUBJECT: N_("Revoked by you"),
    consents.REVOKED_BY_CREDIT_AUTHORITY: N_(
        "Revoked by the credit authority supervising the organisation (Art. 6, 33)"
    ),
    consents.REVOKED_GRANTEE_REGISTERED_AGAIN: N_(
        "Revoked by the system: the institution's register entry was deregistered and its "
        "code was registered again as a new entry, which your grant does not cover (Art. 26)"
    ),
    consents.REVOKED_REASON_NOT_RECORDED: N_(
        "Revoked before the platform kept the reason; the reason was not recorded"
    ),
    consents.EXPIRED: N_("Expired: its last valid day has passed"),
}
# The same, as the credit authority reads it of another's grant.
GRANT_END_LABELS_SUPERVISED: dict[str, str] = {
    **GRANT_END_LABELS,
    consents.REVOKED_BY_SUBJECT: N_("Revoked by the person"),
}
GRANT_STATUS_LABELS: dict[str, str] = {
    consents.ACTIVE: N_("In force"),
    consents.REVOKED: N_("Revoked"),
    consents.EXPIRED: N_("Expired"),
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


# --- article citations --------------------------------------------------------------------

# "Art. 13", "Art. 13 ¶3" (款, a paragraph), "Art. 16(1)" (项, an item), "Art. 20–21",
# "Art. 9, 13, 24": how the services and the rule pack cite the regulation.
_CITATION = re.compile(
    r"Art\. (?P<first>\d+(?: ¶\d+)?(?:\(\d+\))?)"
    r"(?P<more>(?:(?:, |–)\d+(?: ¶\d+)?(?:\(\d+\))?)*)"
)
_ONE_ARTICLE = re.compile(
    r"(?P<sep>, |–)?(?P<article>\d+)(?: ¶(?P<paragraph>\d+))?(?:\((?P<item>\d+)\))?"
)
_DIGITS = "零一二三四五六七八九"


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 13 → 十三, 20 → 二十, 105 → 一百零五 (the regulation's numbering)."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        tens, units = divmod(number, 10)
        return _DIGITS[tens] + "十" + (_DIGITS[units] if units else "")
    hundreds, rest = divmod(number, 100)
    if rest == 0:
        return _DIGITS[hundreds] + "百"
    return _DIGITS[hundreds] + "百" + ("零" if rest < 10 else "") + chinese_numeral(rest)


def _one_article(match: re.Match[str], gettext: Callable[[str], str]) -> str:
    numbers = {
        name: chinese_numeral(int(match[name]))
        for name in ("article", "paragraph", "item")
        if match[name]
    }
    if "paragraph" in numbers and "item" in numbers:
        text = gettext("Art. %(article)s ¶%(paragraph)s(%(item)s)") % numbers
    elif "paragraph" in numbers:
        text = gettext("Art. %(article)s ¶%(paragraph)s") % numbers
    elif "item" in numbers:
        text = gettext("Art. %(article)s(%(item)s)") % numbers
    else:
        text = gettext("Art. %(article)s") % numbers
    separator = {", ": "、", "–": "至"}.get(match["sep"] or "", "")
    return separator + text


# Legal bases the services store in words of their own (an objection's deadlines): what a
# page shows for them, in its language. The stored text (and the API) stays as it is.
BASIS_LABELS: dict[str, str] = {
    objection_rules.DEADLINE_BASIS: N_(
        "Shanghai Municipal Social Credit Regulations, Art. 36 (applied as Fuzhou sets no deadline)"
    ),
    objection_rules.MARKET_BASIS: N_(
        "Regulations on the Administration of the Credit Reporting Industry, Art. 25"
    ),
    entries.COURT_CORRECTION: N_(
        "Provisions of the Supreme People's Court on Publishing the Information of the List "
        "of Dishonest Judgment Defaulters, Art. 11"
    ),
}


def cite(text: str | None, gettext: Callable[[str], str], *, chinese: bool) -> str:
    """The article citations in ``text`` as a Chinese page writes them (第十三条第三款,
    第十六条第（一）项); English pages keep "Art. 13 ¶3". Other text is left as it is; a
    basis stored in words (``BASIS_LABELS``) reads as its label."""
    if not text:
        return ""
    if text in BASIS_LABELS:
        return gettext(BASIS_LABELS[text])
    if not chinese:
        return text

    def replace(match: re.Match[str]) -> str:
        citation = match["first"] + match["more"]
        return "".join(_one_article(one, gettext) for one in _ONE_ARTICLE.finditer(citation))

    return _CITATION.sub(replace, text)
