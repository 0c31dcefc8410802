"""Every permission decision goes through this module.

Roles grant permissions; separation of duties (JR/T 0115-2014 model, rules.md) is in the
table itself: the platform administrator manages accounts but holds no permission that
reads credit data, objection handlers cannot write records, reporters and queriers are
distinct roles. Object-level checks (own subject, own organisation) are the functions
below the table.

An organisation's standing comes before its roles: the staff and systems of a credit
service institution outside the active register (Art. 26) hold no permission at all
(``Actor.standing``, set from the register when the actor is resolved), so that whatever
it would collect, query or be shown is refused here, with the register's status, and not
route by route (decision 0024, addendum).

Separation of duties compares persons, not credentials (decision 0033, addendum): an API
key acts for the staff member who released its secret, so whatever the platform requires
of "a second officer" — to approve a list entry, publish a typical case, decide on an
early removal, hear an objection to one's own proposal — is refused to his key as it is
to him, and to him for an act of his key (``Actor.person``, ``same_person``,
``acting_as``). The record of who acted still names the key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, OrganisationKind, Role
from xinyong.audit.service import AuditActor
from xinyong.errors import NotAuthenticated, PermissionDenied


class Permission(enum.StrEnum):
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VERIFY_AUDIT = "verify_audit"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_SOURCES = "manage_sources"
    SUBMIT_RECORDS = "submit_records"
    READ_BATCHES = "read_batches"
    # Read a held row's content and release it under the registered subject or reject it
    # (decision 0050): the source's data reporter for its own rows, the credit authority
    # for its area's.
    REVIEW_HELD_ROWS = "review_held_rows"
    READ_OWN_FILE = "read_own_file"
    DECLARE_OWN = "declare_own"
    MANAGE_OWN_CONSENTS = "manage_own_consents"
    QUERY_BY_ITEM = "query_by_item"
    QUERY_BY_AUTHORISATION = "query_by_authorisation"
    REVIEW_CONFIDENTIALITY = "review_confidentiality"
    SUPERVISE = "supervise"
    HANDLE_OBJECTIONS = "handle_objections"
    DECIDE_CASES = "decide_cases"
    LOOKUP_PERSON = "lookup_person"  # find a natural person by ID number
    JOINT_CHECK = "joint_check"  # 联合奖惩 checks in an administrative matter
    PROPOSE_LIST_ENTRY = "propose_list_entry"
    APPROVE_LIST_ENTRY = "approve_list_entry"
    APPLY_MEASURES = "apply_measures"
    MANAGE_MEASURES = "manage_measures"
    MANAGE_INSTITUTIONS = "manage_institutions"  # the register of Art. 26
    PUBLISH_TYPICAL_CASES = "publish_typical_cases"  # integrity publicity, Art. 32
    # Release an account's activation code to its holder, identity checked at the counter
    # (decisions 0031 addendum, 0033): the credit authority's officer, for subjects and
    # staff alike, never the administrator who created the account.
    RELEASE_ACTIVATION_CODES = "release_activation_codes"
    # Release the secret of an API key the administrator registered for one's own
    # organisation and own role (decision 0033): the key then gives its system no more
    # than the person who released it holds.
    RELEASE_API_KEYS = "release_api_keys"
    # Assign the organisation's published query items to its staff who query, and withdraw
    # them (Art. 12(2), decision 0035): the security officer, never the querier himself nor
    # the platform administrator.
    ASSIGN_QUERY_ITEMS = "assign_query_items"
    READ_RISK_STATUS = (
        "read_risk_status"  # banks: list status and grade, with authorisation (Art. 19)
    )
    # Read the credit authority's follow-ups against one's own organisation (Art. 33 ¶2:
    # interviewed, ordered to correct, warned, criticised): the security officer, who
    # answers for the organisation's information security (Art. 12(1)).
    READ_OWN_FOLLOW_UPS = "read_own_follow_ups"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PLATFORM_ADMIN: frozenset(
        {Permission.MANAGE_ACCOUNTS, Permission.MANAGE_ORGANISATIONS, Permission.VERIFY_AUDIT}
    ),
    Role.CREDIT_AUTHORITY_OFFICER: frozenset(
        {
            Permission.MANAGE_CATALOG,
            Permission.MANAGE_SOURCES,
            Permission.SUPERVISE,
            Permission.READ_BATCHES,
            Permission.REVIEW_HELD_ROWS,
            Permission.VERIFY_AUDIT,
            Permission.MANAGE_MEASURES,
            Permission.MANAGE_INSTITUTIONS,
            Permission.PUBLISH_TYPICAL_CASES,
            Permission.RELEASE_ACTIVATION_CODES,
            Permission.RELEASE_API_KEYS,
        }
    ),
    # Every staff role but the administrator's releases its organisation's API keys of
    # that role (decision 0033): a key gives its system no more than that person holds.
    Role.DATA_REPORTER: frozenset(
        {
            Permission.SUBMIT_RECORDS,
            Permission.READ_BATCHES,
            Permission.REVIEW_HELD_ROWS,
            Permission.RELEASE_API_KEYS,
        }
    ),
    Role.QUERY_OFFICER: frozenset(
        {
            Permission.QUERY_BY_ITEM,
            Permission.LOOKUP_PERSON,
            Permission.JOINT_CHECK,
            Permission.RELEASE_API_KEYS,
        }
    ),
    Role.CASE_OFFICER: frozenset(
        {
            Permission.DECIDE_CASES,
            Permission.QUERY_BY_ITEM,
            Permission.LOOKUP_PERSON,
            Permission.JOINT_CHECK,
            Permission.PROPOSE_LIST_ENTRY,
            Permission.APPROVE_LIST_ENTRY,
            Permission.APPLY_MEASURES,
            Permission.RELEASE_API_KEYS,
        }
    ),
    Role.SECURITY_OFFICER: frozenset(
        {
            Permission.REVIEW_CONFIDENTIALITY,
            Permission.READ_OWN_FOLLOW_UPS,
            Permission.READ_BATCHES,
            Permission.RELEASE_API_KEYS,
            Permission.ASSIGN_QUERY_ITEMS,
        }
    ),
    Role.OBJECTION_HANDLER: frozenset({Permission.HANDLE_OBJECTIONS, Permission.RELEASE_API_KEYS}),
    # Market bodies submit through their data reporter: reporting and querying are
    # distinct roles (JR/T 0115-2014, rules.md "Access control").
    Role.INSTITUTION_ANALYST: frozenset(
        {
            Permission.QUERY_BY_AUTHORISATION,
            Permission.READ_RISK_STATUS,
            Permission.RELEASE_API_KEYS,
        }
    ),
    Role.SUBJECT: frozenset(
        {Permission.READ_OWN_FILE, Permission.DECLARE_OWN, Permission.MANAGE_OWN_CONSENTS}
    ),
}

# Which roles an organisation of each kind may give its staff.
ROLES_BY_ORGANISATION_KIND: dict[OrganisationKind, frozenset[Role]] = {
    OrganisationKind.PLATFORM_OPERATOR: frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_OFFICER}),
    OrganisationKind.CREDIT_AUTHORITY: frozenset(
        {
            Role.CREDIT_AUTHORITY_OFFICER,
            Role.SECURITY_OFFICER,
            Role.OBJECTION_HANDLER,
            Role.CASE_OFFICER,
        }
    ),
    **{
        kind: frozenset(
            {
                Role.DATA_REPORTER,
                Role.QUERY_OFFICER,
                Role.CASE_OFFICER,
                Role.SECURITY_OFFICER,
                Role.OBJECTION_HANDLER,
            }
        )
        for kind in (
            OrganisationKind.STATE_ORGAN,
            OrganisationKind.PUBLIC_FUNCTION_ORGANISATION,
            OrganisationKind.JUDICIAL_ORGAN,
        )
    },
    **{
        kind: frozenset({Role.DATA_REPORTER, Role.INSTITUTION_ANALYST, Role.SECURITY_OFFICER})
        for kind in (
            OrganisationKind.PUBLIC_ENTERPRISE,
            OrganisationKind.ENTERPRISE,
            OrganisationKind.INDUSTRY_ASSOCIATION,
            OrganisationKind.CREDIT_SERVICE_INSTITUTION,
            OrganisationKind.FINANCIAL_INSTITUTION,
        )
    },
}


@dataclass(frozen=True)
class Standing:
    """Why an organisation may do no work on credit information now — a credit service
    institution not registered, suspended or deregistered (Art. 26;
    ``institutions.register.standing_problem``): the register's status as a code, the
    message about the institution, and the message its own staff are given."""

    code: str
    message: str
    article: str
    own_message: str

    def refusal(self, *, field: str | None = None) -> PermissionDenied:
        """The refusal of the institution's own staff or systems."""
        return PermissionDenied(self.own_message, code=self.code, field=field, article=self.article)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, an organisation's API key, the system, or nobody."""

    kind: str  # user, api_key, system, anonymous
    id: int | None = None
    role: Role | None = None
    organisation_id: int | None = None
    organisation_kind: OrganisationKind | None = None
    subject_id: int | None = None
    label: str = ""
    # Set when the actor's organisation is a credit service institution outside the active
    # register: then it holds no permission (``has_permission``, ``require``).
    standing: Standing | None = None
    # For an API key: the staff member who released its secret (decision 0033), the
    # person the key acts for. None for a key from before migration 0032, released by
    # nobody named.
    released_by_id: int | None = None

    @property
    def person(self) -> str | None:
        """Who answers for the act, as separation of duties compares them: a user is
        himself (``user:7``) and so is his key (``user:7``, the releaser); a key released
        by nobody named answers only for itself (``api_key:3``). The platform itself
        (``SYSTEM_ACTOR``, the operator's command line) and nobody are no person."""
        if self.kind == "api_key" and self.released_by_id is not None:
            return f"user:{self.released_by_id}"
        if self.kind in ("user", "api_key") and self.id is not None:
            return f"{self.kind}:{self.id}"
        return None

    @property
    def person_id(self) -> int | None:
        """The account of ``person``, to compare with an account (its holder, its
        creator): None for a key released by nobody named and for the platform."""
        kind, _, number = (self.person or "").partition(":")
        return int(number) if kind == "user" else None

    @property
    def authenticated(self) -> bool:
        return self.kind in ("user", "api_key", "system")

    def audit(self) -> AuditActor:
        return AuditActor(
            kind=self.kind,
            id=None if self.id is None else f"{self.kind}:{self.id}",
            role=None if self.role is None else self.role.value,
            organisation_id=self.organisation_id,
        )


ANONYMOUS_ACTOR = Actor(kind="anonymous")
SYSTEM_ACTOR = Actor(kind="system", label="system")


def person_of(session: Session, recorded: str | None) -> str | None:
    """The person behind an actor as the records name it (``user:7``, ``api_key:3``;
    ``proposed_by``, ``drafted_by`` …): a key's is who released its secret, as
    ``Actor.person`` has it."""
    kind, _, number = (recorded or "").partition(":")
    if kind == "api_key" and number.isdigit():
        released_by = session.scalar(select(ApiKey.released_by_id).where(ApiKey.id == int(number)))
        if released_by is not None:
            return f"user:{released_by}"
    return recorded or None


def same_person(session: Session, actor: Actor, recorded: str | None) -> bool:
    """Whether the act recorded as ``recorded`` was the same person's as the actor's, each
    in person or through a key he released: the one comparison of every four-eyes check.
    The platform itself is nobody's second (``SYSTEM_ACTOR`` is the operator)."""
    person = actor.person
    return person is not None and person == person_of(session, recorded)


def acting_as(session: Session, actor: Actor) -> list[str]:
    """Every id under which the actor's person acts — his account and each key whose
    secret he released — for excluding his own acts in a query, as ``same_person`` does
    one by one."""
    person = actor.person
    if person is None:
        return []
    person_id = actor.person_id
    if person_id is None:
        return [person]
    keys = session.scalars(select(ApiKey.id).where(ApiKey.released_by_id == person_id))
    return [person, *(f"api_key:{key_id}" for key_id in keys)]


def role_grants(actor: Actor, permission: Permission) -> bool:
    """What the actor's role grants, whatever its organisation's standing: only for finding
    what a refusal of its standing concerns (an issued report, to log the refused reading for
    its subject). Every decision to act or show asks ``has_permission`` or ``require``."""
    if actor.kind == "system":
        return True
    return actor.role is not None and permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def has_permission(actor: Actor, permission: Permission) -> bool:
    return actor.standing is None and role_grants(actor, permission)


def require_standing(actor: Actor, *, field: str | None = None) -> None:
    """Refuse the staff and systems of an organisation outside the register (Art. 26)."""
    if actor.standing is not None:
        raise actor.standing.refusal(field=field)


def require(actor: Actor, permission: Permission) -> None:
    if not actor.authenticated:
        raise NotAuthenticated("log in or present a token to do this", code="not_authenticated")
    require_standing(actor)
    if not has_permission(actor, permission):
        raise PermissionDenied(
            f"role {actor.role} may not {permission.value.replace('_', ' ')}",
            code="permission_denied",
            article="Art. 12",
            details={"permission": permission.value},
        )


def require_subject_account(actor: Actor, refusal: str, *, article: str) -> int:
    """The subject a subject account is bound to; staff accounts are refused, saying what
    only a subject account does and under which article."""
    if actor.subject_id is None:
        raise PermissionDenied(refusal, code="not_subject", article=article)
    return actor.subject_id


def require_own_subject(actor: Actor, subject_id: int) -> None:
    """A subject account reads only the subject it is bound to (Art. 13 ¶1)."""
    require(actor, Permission.READ_OWN_FILE)
    if actor.subject_id != subject_id:
        raise PermissionDenied(
            "a subject account may only read its own file",
            code="not_own_subject",
            article="Art. 13",
        )


def require_own_organisation(actor: Actor, organisation_id: int) -> None:
    if actor.kind == "system":
        return
    if actor.organisation_id != organisation_id:
        raise PermissionDenied(
            "this belongs to another organisation",
            code="other_organisation",
            article="Art. 12",
        )


def role_allowed_for(kind: OrganisationKind, role: Role) -> bool:
    return role in ROLES_BY_ORGANISATION_KIND.get(kind, frozenset())
