"""Account services: organisations, users, passwords (argon2), tokens and API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NoReturn, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from xinyong import identifiers
from xinyong.accounts import area
from xinyong.accounts.models import ApiKey, Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    Standing,
    has_permission,
    require,
    role_allowed_for,
)
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from xinyong.institutions import register as institutions
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown user the same as for a
# known one, so response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not a real password")
MIN_PASSWORD_LENGTH = 10
# Activation codes (decision 0031): 20 symbols from 32 that cannot be mistaken for one
# another when read from a letter (no 0/O, 1/I), 100 bits, shown in groups of four.
ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ACTIVATION_CODE_LENGTH = 20
DEFAULT_ACTIVATION_DAYS = 30
# The administrative divisions of Fuzhou (GB/T 2260): the city, 350100, and its counties
# and districts, 3501xx (``catalog.models.DISTRICTS``).
FUZHOU_DIVISIONS = "3501"
# What the subject's account page shows of its own history (decision 0031).
ACCOUNT_ACTIONS = ("user.create", "user.activation_issue", "user.activate")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters",
            code="password_too_short",
            field="password",
        )
    return _hasher.hash(password)


def create_organisation(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: OrganisationKind,
    jurisdiction: str = "350100",
) -> Organisation:
    require(actor, Permission.MANAGE_ORGANISATIONS)
    try:
        normalised = identifiers.require_uscc(code)
    except identifiers.InvalidIdentifier as exc:
        raise InvalidInput(
            exc.error.message, code=exc.error.code, field="code", article=exc.basis
        ) from exc
    if not name.strip():
        raise InvalidInput("an organisation needs a name", code="required", field="name")
    division = identifiers.normalise_division_code(jurisdiction)
    if division is None:
        raise InvalidInput(
            "the jurisdiction is an administrative division code of six digits (GB/T 2260)",
            code="invalid_jurisdiction",
            field="jurisdiction",
        )
    if kind is OrganisationKind.CREDIT_AUTHORITY and not division.startswith(FUZHOU_DIVISIONS):
        # A credit authority acts in its own administrative area (Art. 6): on Fuzhou's
        # platform, the city's (350100) or a Fuzhou district's (3501xx), whose rules it
        # writes (Art. 35) — an authority of elsewhere has no area here.
        raise InvalidInput(
            "a credit authority on this platform is the city's or a Fuzhou district's (3501xx)",
            code="invalid_jurisdiction",
            field="jurisdiction",
            article="Art. 6",
        )
    jurisdiction = division
    if session.scalar(select(Organisation.id).where(Organisation.code == normalised)):
        raise Conflict(f"organisation {normalised} exists already", code="duplicate", field="code")
    if (
        kind is not OrganisationKind.CREDIT_SERVICE_INSTITUTION
        and institutions.entry_for_code(session, normalised) is not None
    ):
        # The register knows this code as a credit service institution's: under another
        # kind its staff would work without the register's standing and anti-bundling
        # terms (Art. 26, 27; review, session 23).
        raise Conflict(
            "this code is a credit service institution's in the register: create it as a "
            "credit service institution",
            code="registered_institution_code",
            field="kind",
            article="Art. 26",
        )
    # The code and the name typed together name one organisation: one the subject register
    # knows under another name is a mistyping of one of them (decision 0044).
    subject = subjects.by_uscc(session, normalised)
    if subject is not None and not subjects.bears_name(subject, name):
        raise InvalidInput(
            "the code is registered under another name; check the code and the name",
            code="name_mismatch",
            field="name",
            article="Art. 4",
        )
    organisation = Organisation(
        code=normalised,
        name=name.strip(),
        kind=kind,
        jurisdiction=jurisdiction,
        created_at=clock.now(),
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "organisation.create",
        target_type="organisation",
        target_id=organisation.id,
        details={"kind": kind.value, "jurisdiction": jurisdiction},
    )
    return organisation


def organisation_by_code(
    session: Session, code: str, *, field: str = "organisation"
) -> Organisation:
    """The organisation with this code; ``field`` names where the caller took the code
    from (the body member, form field or CLI option), for the refusal."""
    normalised = identifiers.normalise(code)
    organisation = (
        session.scalar(select(Organisation).where(Organisation.code == normalised))
        if normalised.isascii() and normalised.isalnum()
        else None
    )
    if organisation is None:
        raise NotFound(
            f"no organisation with code {code}", code="unknown_organisation", field=field
        )
    return organisation


def create_user(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None = None,
    organisation: Organisation | None = None,
    subject_id: int | None = None,
) -> UserAccount:
    """An account without a password: its holder activates it with a one-time code that
    a second person releases (``code_releaser``; decisions 0031, 0033), so that no
    administrator ever knows a password or holds a credential that reads credit data.

    Only the platform's command line (``SYSTEM_ACTOR``: the operator with server access)
    may give a staff account its password at creation, to make the first accounts; the
    ``user.create`` event says so."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    username = username.strip().lower()
    if not username or len(username) > 64 or not username.isprintable():
        raise InvalidInput(
            "a username needs 1–64 printable characters", code="invalid", field="username"
        )
    if role is Role.SUBJECT:
        if subject_id is None or organisation is not None:
            raise InvalidInput(
                "a subject account is bound to one subject and no organisation",
                code="subject_required",
                field="subject",
            )
        if password is not None:
            raise InvalidInput(
                "a subject account gets no password from an administrator: its subject "
                "sets one when activating it with the code issued",
                code="password_not_allowed",
                field="password",
            )
    else:
        if organisation is None or subject_id is not None:
            raise InvalidInput(
                "a staff account belongs to one organisation",
                code="organisation_required",
                field="organisation",
            )
        if not role_allowed_for(organisation.kind, role):
            raise InvalidInput(
                f"an organisation of kind {organisation.kind.value} cannot have role {role.value}",
                code="role_not_allowed",
                field="role",
                article="Art. 12",
            )
        if password is not None and actor.kind != "system":
            raise InvalidInput(
                "a staff account gets no password from an administrator: its holder sets "
                "one when activating it with the code a second person releases",
                code="password_not_allowed",
                field="password",
                article="Art. 12",
            )
    if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
        raise Conflict(f"user {username} exists already", code="duplicate", field="username")
    if subject_id is not None and session.scalar(
        select(UserAccount.id).where(UserAccount.subject_id == subject_id)
    ):
        raise Conflict("this subject has an account already", code="duplicate", field="subject")
    user = UserAccount(
        username=username,
        display_name=display_name or username,
        password_hash="" if password is None else hash_password(password),
        role=role,
        organisation_id=None if organisation is None else organisation.id,
        subject_id=subject_id,
        created_at=clock.now(),
        created_by_id=actor.id if actor.kind == "user" else None,
        credentials_version=0,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "user.create",
        target_type="user",
        target_id=user.id,
        details={
            "role": role.value,
            "organisation_id": user.organisation_id,
            # The operator's bootstrap (decision 0033): a password he chose, on record as
            # his act; otherwise whose code the account waits for.
            "password_set_by_operator": password is not None,
            "code_releaser": None if password is not None else code_releaser(user).value,
        },
    )
    return user


@dataclass(frozen=True)
class IssuedActivation:
    """An account's activation code, in clear only here: shown once to whoever released
    it (``code_releaser``), to hand to the holder whose identity they checked (decisions
    0031 addendum, 0033)."""

    user: UserAccount
    code: str
    expires_at: dt.datetime


def normalise_activation_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def _activation_hash(code: str) -> str:
    return hashlib.sha256(normalise_activation_code(code).encode()).hexdigest()


def _new_activation_code() -> str:
    raw = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, ACTIVATION_CODE_LENGTH, 4))


def create_subject_account(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    username: str,
    subject_id: int | None,
    display_name: str | None = None,
) -> UserAccount:
    """A subject account without a password and without a code: an officer of the credit
    authority releases its code to the subject (``issue_activation_code``), so the
    administrator who creates it can never activate it (decision 0031 addendum)."""
    return create_user(
        session,
        clock,
        actor,
        username=username,
        password=None,
        role=Role.SUBJECT,
        display_name=display_name,
        subject_id=subject_id,
    )


def replaces_credentials(user: UserAccount) -> bool:
    """Whether a code released now would be a new one, replacing the account's open code or
    the password an earlier one set, rather than its first."""
    return user.activation_code_hash is not None or bool(user.password_hash)


AccountKind = Literal["subject", "staff", "any"]


def code_releaser(user: UserAccount) -> Role:
    """Who releases this account's activation code (decision 0033): an officer of the
    credit authority, who checks the holder's identity at the counter, for a subject's
    account and for every staff account but an administrator's; another platform
    administrator for an administrator's. Never an officer for an administrator's
    account: one who activated it himself would hold both duties, creating accounts and
    releasing their codes."""
    if user.role is Role.PLATFORM_ADMIN:
        return Role.PLATFORM_ADMIN
    return Role.CREDIT_AUTHORITY_OFFICER


def issue_activation_code(
    session: Session,
    clock: Clock,
    actor: Actor,
    user_id: int,
    *,
    days: int = DEFAULT_ACTIVATION_DAYS,
    account: AccountKind = "subject",
) -> IssuedActivation:
    """An account's first code, or a new one; the one before stops working, and so does
    the account's password if it has one (an account has a password or an open code,
    never both), and so does every token and page session issued to it. Released by the
    account's ``code_releaser``, a person other than its holder and than the
    administrator who created it (decisions 0031 addendum, 0033); the command line
    (``SYSTEM_ACTOR``) is the operator with server access. ``account`` is the kind the
    caller's counter is for (the subject accounts' or the staff accounts')."""
    if account == "subject":
        require_code_releaser(actor)
    else:
        _require_some_code_releaser(actor)
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFound("no such user", code="not_found", field="user")
    if account == "subject" and user.is_staff:
        raise Conflict(
            "this counter releases codes for subject accounts; a staff account's code is "
            "released at the staff accounts' counter",
            code="not_subject_account",
            field="user",
        )
    if account == "staff" and not user.is_staff:
        raise Conflict(
            "this counter releases codes for staff accounts; a subject account's code is "
            "released at the subject accounts' counter",
            code="not_staff_account",
            field="user",
        )
    require_code_releaser(actor, code_releaser(user))
    if user.is_staff:
        # A district's credit authority releases the codes of its own district's staff
        # (Art. 6); a subject's account has no area: any authority's counter releases it.
        area.require_in_own_area(
            session, actor, user.organisation_id, "the account's organisation", field="user"
        )
    _require_second_person(actor, user)
    if not user.active:
        raise Conflict("the account is deactivated", code="inactive_account", field="user")
    if days < 1:
        raise InvalidInput("a code is valid for at least a day", code="out_of_range", field="days")
    reissue = replaces_credentials(user)
    password_revoked = bool(user.password_hash)
    code = _new_activation_code()
    now = clock.now()
    user.activation_code_hash = _activation_hash(code)
    user.activation_expires_at = now + dt.timedelta(days=days)
    user.activation_released_by_id = actor.id if actor.kind == "user" else None
    user.activation_released_at = now
    user.password_hash = ""
    user.credentials_version += 1
    audit.record(
        session,
        clock,
        actor.audit(),
        "user.activation_issue",
        target_type="user",
        target_id=user.id,
        details={
            "expires_at": user.activation_expires_at.isoformat(),
            "reissue": reissue,
            "password_revoked": password_revoked,
            "released_by": user.activation_released_by_id,
            "released_by_organisation_id": actor.organisation_id,
        },
    )
    return IssuedActivation(user=user, code=code, expires_at=user.activation_expires_at)


def activate(
    session: Session, clock: Clock, *, username: str, code: str, password: str
) -> UserAccount:
    """The holder (a subject or a staff member) sets the account's password with the code
    it was handed; the code is spent. A wrong username, a wrong, replaced or spent code and a deactivated account are
    answered alike; an expired code is named only to whoever presents it."""
    user = _user_named(session, username)
    presented = _activation_hash(code)
    stored = user.activation_code_hash if user is not None else None
    matches = hmac.compare_digest(stored or _activation_hash("-"), presented)
    if user is None or stored is None or not matches or not user.active:
        _refuse_activation(clock, user, "bad_code")
    assert user.activation_expires_at is not None
    if clock.now() >= user.activation_expires_at:
        _refuse_activation(clock, user, "expired")
    password_hash = hash_password(password)
    now = clock.now()
    user.password_hash = password_hash
    user.activation_code_hash = None
    user.activation_expires_at = None
    user.activated_at = now
    user.credentials_version += 1
    releaser = (
        session.get(UserAccount, user.activation_released_by_id)
        if user.activation_released_by_id is not None
        else None
    )
    # Who released the code this first session rests on (decision 0031 addendum): the
    # account's activation is traceable to the officer who checked the identity.
    audit.record(
        session,
        clock,
        actor_for_user(user).audit(),
        "user.activate",
        target_type="user",
        target_id=user.id,
        details={
            "released_by": None if releaser is None else releaser.id,
            "released_by_organisation_id": None if releaser is None else releaser.organisation_id,
            "released_at": None
            if user.activation_released_at is None
            else user.activation_released_at.isoformat(),
        },
    )
    return user


def require_code_releaser(actor: Actor, releaser: Role = Role.CREDIT_AUTHORITY_OFFICER) -> None:
    """The actor is a person who releases the codes of accounts whose ``code_releaser``
    is ``releaser``. An officer of the credit authority, having checked the holder's
    identity at the counter: not the administrator (who lacks the permission), not an
    organisation's system (an API key checks nobody's identity). For an administrator's
    account, another administrator. The command line (``SYSTEM_ACTOR``) is the operator
    with server access."""
    if releaser is Role.PLATFORM_ADMIN:
        if not actor.authenticated:
            require(actor, Permission.MANAGE_ACCOUNTS)
        if actor.kind == "system" or (
            actor.kind == "user" and has_permission(actor, Permission.MANAGE_ACCOUNTS)
        ):
            return
        raise PermissionDenied(
            "an administrator's activation code is released by another administrator",
            code="platform_admin_required",
            article="Art. 12",
        )
    require(actor, Permission.RELEASE_ACTIVATION_CODES)
    if actor.kind == "system":
        return
    if actor.kind != "user" or actor.organisation_kind is not OrganisationKind.CREDIT_AUTHORITY:
        raise PermissionDenied(
            "an activation code is released by an officer of the credit authority who "
            "checked the holder's identity",
            code="credit_authority_officer_required",
            article="Art. 12",
        )


def _require_some_code_releaser(actor: Actor) -> None:
    """Before an account is looked up: the actor releases some accounts' codes."""
    if has_permission(actor, Permission.MANAGE_ACCOUNTS):
        require_code_releaser(actor, Role.PLATFORM_ADMIN)
    else:
        require_code_releaser(actor)


def _require_second_person(actor: Actor, user: UserAccount) -> None:
    """Whoever releases a code vouches for the holder's identity, so is neither the
    holder (nobody vouches for himself) nor the administrator who created the account
    (who would then hold both duties; decision 0033) — compared as persons
    (``Actor.person_id``), as every four-eyes check is, though only a person in person
    releases a code (``require_code_releaser``)."""
    person_id = actor.person_id
    if person_id is None:
        return
    if person_id == user.id:
        raise PermissionDenied(
            "nobody releases the activation code of their own account; another officer does",
            code="own_account_code",
            article="Art. 12",
        )
    if person_id == user.created_by_id:
        raise PermissionDenied(
            "whoever created an account does not release its activation code; another "
            "administrator does",
            code="creator_releases_code",
            article="Art. 12",
        )


def list_subject_accounts(session: Session, actor: Actor) -> list[UserAccount]:
    """Subject accounts, for the officer who releases their codes: the account, never
    the subject's credit data."""
    require_code_releaser(actor)
    return list(
        session.scalars(
            select(UserAccount)
            .where(UserAccount.role == Role.SUBJECT)
            .order_by(UserAccount.username)
        )
    )


def list_staff_accounts(session: Session, actor: Actor) -> list[UserAccount]:
    """The staff accounts whose codes the actor releases (``code_releaser``): for an
    officer of the credit authority every staff account but the administrators', for an
    administrator the administrators'. The account, its role and organisation: no credit
    data."""
    _require_some_code_releaser(actor)
    query = select(UserAccount).where(UserAccount.role != Role.SUBJECT)
    if actor.kind != "system":
        if has_permission(actor, Permission.MANAGE_ACCOUNTS):
            query = query.where(UserAccount.role == Role.PLATFORM_ADMIN)
        else:
            query = query.where(
                UserAccount.role != Role.PLATFORM_ADMIN,
                area.area_filter(session, actor, UserAccount.organisation_id),
            )
    return list(session.scalars(query.order_by(UserAccount.username)))


def may_release_code(actor: Actor, user: UserAccount) -> bool:
    """Whether ``issue_activation_code`` would let the actor release this account's code
    (for the pages' buttons): its releaser, a second person, and the account active."""
    try:
        require_code_releaser(actor, code_releaser(user))
        _require_second_person(actor, user)
    except (PermissionDenied, NotAuthenticated):
        return False
    return user.active


def _refuse_activation(clock: Clock, user: UserAccount | None, reason: str) -> NoReturn:
    user_id = None if user is None else user.id

    def record_refusal(session: Session) -> None:
        audit.record(
            session,
            clock,
            audit.ANONYMOUS,
            "user.activate",
            outcome="refused",
            target_type="user",
            target_id=user_id,
            details={"reason": reason},
        )

    if reason == "expired":
        raise NotAuthenticated(
            "this activation code has expired; ask the credit authority for a new one",
            code="activation_expired",
            field="code",
            aftermath=record_refusal,
        )
    raise NotAuthenticated(
        "wrong username or activation code",
        code="bad_activation",
        field="code",
        aftermath=record_refusal,
    )


@dataclass(frozen=True)
class AccountEvent:
    occurred_at: dt.datetime
    action: str
    outcome: str
    # For a code issued and an activation: the organisation that released the code (None
    # when the platform's command line did), and when.
    released_by_organisation: str | None = None
    released_at: dt.datetime | None = None
    # The person who released it, named to a holder of the same organisation (a colleague;
    # decision 0033); another organisation's officer is named by the organisation.
    released_by_name: str | None = None
    # For the creation: made on the platform's command line (the operator), and whether
    # the operator set its password then (the bootstrap, decision 0033).
    by_operator: bool = False
    password_set_by_operator: bool = False


def account_history(session: Session, actor: Actor) -> list[AccountEvent]:
    """A user's own account events (created, code issued, activated), oldest first, from
    the audit trail: a holder sees when and by whom his account was activated, and so
    would notice an activation he did not make (decisions 0031, 0033)."""
    if actor.kind != "user" or actor.id is None:
        return []
    rows = session.execute(
        select(
            AuditEvent.occurred_at,
            AuditEvent.action,
            AuditEvent.outcome,
            AuditEvent.actor_kind,
            AuditEvent.actor_id,
            AuditEvent.details,
        )
        .where(
            AuditEvent.action.in_(ACCOUNT_ACTIONS),
            AuditEvent.outcome == "ok",
            AuditEvent.target_type == "user",
            AuditEvent.target_id == str(actor.id),
        )
        .order_by(AuditEvent.sequence)
    ).all()
    organisations = organisation_names(
        session, ((row.details or {}).get("released_by_organisation_id") for row in rows)
    )
    events = []
    for row in rows:
        details = row.details or {}
        organisation_id = details.get("released_by_organisation_id")
        released_at = details.get("released_at")
        releaser_id = details.get("released_by")
        if releaser_id is None and row.action == "user.activation_issue":
            # Codes issued before decision 0033 name the releaser as the event's actor.
            kind, _, number = (row.actor_id or "").partition(":")
            releaser_id = int(number) if kind == "user" and number.isdigit() else None
        releaser = session.get(UserAccount, releaser_id) if releaser_id else None
        events.append(
            AccountEvent(
                row.occurred_at,
                row.action,
                row.outcome,
                released_by_organisation=organisations.get(organisation_id)
                if organisation_id
                else None,
                released_at=dt.datetime.fromisoformat(released_at)
                if released_at
                else (row.occurred_at if row.action == "user.activation_issue" else None),
                released_by_name=releaser.display_name
                if releaser is not None
                and actor.organisation_id is not None
                and releaser.organisation_id == actor.organisation_id
                else None,
                by_operator=row.action == "user.create" and row.actor_kind == "system",
                password_set_by_operator=bool(details.get("password_set_by_operator")),
            )
        )
    return events


def own_account(session: Session, actor: Actor) -> UserAccount:
    """The actor's own account: a person's, staff or subject (an API key or the command
    line has none)."""
    if not actor.authenticated:
        raise NotAuthenticated("log in or present a token to do this", code="not_authenticated")
    user = session.get(UserAccount, actor.id) if actor.kind == "user" and actor.id else None
    if user is None:
        raise PermissionDenied(
            "only a person's account has an account history", code="not_user_account"
        )
    return user


def organisation_standing(organisation: Organisation | None) -> Standing | None:
    """The register's standing of the actor's organisation, read when the actor is
    resolved (each request, each command): a credit service institution outside the
    active register holds no permission (``permissions.Actor.standing``, Art. 26)."""
    if organisation is None:
        return None
    session = object_session(organisation)
    if session is None and organisation.kind is not OrganisationKind.CREDIT_SERVICE_INSTITUTION:
        # An account held outside a session (a test's, a script's): only an institution's
        # needs the register to be resolved; any other kind's is asked by code when it can be.
        return None
    assert session is not None, "an actor is resolved from an account in a session"
    return institutions.standing_problem(session, organisation)


def account_label(user: UserAccount) -> str:
    """How the account is named wherever an account is named (the page header,
    ``GET /api/v1/me``, a report's requester, the administrators' and officers' lists, the
    holder's own account page): a subject's account by the subject's current registered
    name, which a name corrected on objection (decision 0051) or a registration's rename
    (decision 0050) changes (Art. 4 ¶2), read from the subject so that no stored copy
    lags behind it (decision 0051, session 25 addendum); a staff account by its display
    name."""
    session = object_session(user)
    if user.subject_id is not None and session is not None:
        subject = session.get(Subject, user.subject_id)
        if subject is not None:
            return subject.name
    return user.display_name


def account_labels(session: Session, users: Iterable[UserAccount]) -> dict[int, str]:
    """``account_label`` of each of ``users``, by account id: the subjects' names read in
    one statement per thousand accounts, for a list."""
    users = list(users)
    subject_ids = sorted({u.subject_id for u in users if u.subject_id is not None})
    names: dict[int, str] = {}
    for start in range(0, len(subject_ids), 1000):
        names.update(
            session.execute(
                select(Subject.id, Subject.name).where(
                    Subject.id.in_(subject_ids[start : start + 1000])
                )
            )
            .tuples()
            # A list: a result has keys(), which dict.update would take it by.
            .all()
        )
    return {
        u.id: names.get(u.subject_id, u.display_name) if u.subject_id else u.display_name
        for u in users
    }


def actor_for_user(user: UserAccount) -> Actor:
    return Actor(
        kind="user",
        id=user.id,
        role=user.role,
        organisation_id=user.organisation_id,
        organisation_kind=None if user.organisation is None else user.organisation.kind,
        subject_id=user.subject_id,
        label=account_label(user),
        standing=organisation_standing(user.organisation),
    )


def password_is(user: UserAccount, password: str) -> bool:
    """Whether ``password`` is the account's password, and nothing else: no login, no
    audit (the platform's start asks it of the demo's published password, decision 0053)."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, clock: Clock, username: str, password: str) -> UserAccount:
    """Check a password; audit success and failure alike (without the password)."""
    user = _user_named(session, username)
    # An account waiting for activation has no password: checked against the dummy hash
    # for the same time, and refused like any wrong password.
    has_password = user is not None and bool(user.password_hash)
    try:
        _hasher.verify(user.password_hash if user and has_password else _DUMMY_HASH, password)
        ok = user is not None and has_password and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        audit.record(
            session,
            clock,
            audit.ANONYMOUS,
            "auth.login",
            outcome="refused",
            target_type="user",
            target_id=None if user is None else user.id,
            details={"reason": "bad_credentials"},
        )
        raise NotAuthenticated("wrong username or password", code="bad_credentials")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = clock.now()
    audit.record(
        session,
        clock,
        actor_for_user(user).audit(),
        "auth.login",
        target_type="user",
        target_id=user.id,
    )
    return user


def log_out(session: Session, clock: Clock, actor: Actor) -> None:
    """End the user's sessions and tokens, every copy of them: a page session is a signed
    cookie held by the browser, which a logout can only ask to forget, so a copy of it
    (another browser, a stolen cookie) would go on working. Bumping the credentials
    version ends it (``active_user``), and with it the user's other sessions and bearer
    tokens: logging out logs out everywhere (decision 0031 addendum, session 17)."""
    if actor.kind == "api_key":
        # A key is no session: it goes on working until the platform administrator revokes
        # it, and saying it had logged out would be untrue (decision 0033).
        raise PermissionDenied(
            "an API key does not log out; the platform administrator revokes it",
            code="api_key_not_a_session",
        )
    if actor.kind != "user" or actor.id is None:
        return
    user = session.get(
        UserAccount, actor.id, with_for_update={"of": UserAccount}, populate_existing=True
    )
    if user is None:
        return
    user.credentials_version += 1
    audit.record(
        session, clock, actor.audit(), "auth.logout", target_type="user", target_id=user.id
    )


class _Credentialed(Protocol):
    id: int
    credentials_version: int


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    credentials_version: int


class TokenSigner:
    """Bearer tokens: signed, expiring, naming the user and the version of its credentials
    they were issued under. Deactivating a user, or a new code or activation, revokes
    them (``active_user``)."""

    def __init__(self, key: bytes, lifetime_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="xinyong.bearer")
        self._lifetime = lifetime_seconds

    def issue(self, user: _Credentialed) -> str:
        return self._serializer.dumps({"uid": user.id, "cv": user.credentials_version})

    def claims(self, token: str) -> TokenClaims:
        try:
            payload = self._serializer.loads(token, max_age=self._lifetime)
        except SignatureExpired as exc:
            raise NotAuthenticated("the token has expired", code="token_expired") from exc
        except BadSignature as exc:
            raise NotAuthenticated("the token is not valid", code="bad_token") from exc
        # A token from before credentials had versions is of version 0, as every account
        # was then (migration 0031).
        return TokenClaims(int(payload["uid"]), int(payload.get("cv", 0)))

    def user_id(self, token: str) -> int:
        return self.claims(token).user_id


def active_user(session: Session, user_id: int, *, credentials_version: int) -> UserAccount:
    """The user a token or page session names, if it is still active and its credentials
    have not changed since the token or session was issued (a new code, an activation,
    a deactivation end every session and token from before: decision 0031 addendum)."""
    user = session.get(UserAccount, user_id)
    if user is None or not user.active:
        raise NotAuthenticated("the account is not active", code="inactive_account")
    if user.credentials_version != credentials_version:
        raise NotAuthenticated(
            "the account's credentials have changed since this token was issued; log in again",
            code="credentials_changed",
        )
    return user


def _user_named(session: Session, username: str) -> UserAccount | None:
    """The account of a username as typed: case and surrounding spaces do not matter (as
    ``create_user`` stores names). None for a non-printable name, which no account has and
    PostgreSQL would refuse in a query (NUL)."""
    name = username.strip().lower()
    if not name.isprintable():
        return None
    return session.scalar(select(UserAccount).where(UserAccount.username == name))


def user_by_username(session: Session, username: str) -> UserAccount:
    user = _user_named(session, username)
    if user is None:
        raise NotFound(f"no user {username}", code="not_found", field="username")
    return user


def list_users(session: Session, actor: Actor) -> list[UserAccount]:
    require(actor, Permission.MANAGE_ACCOUNTS)
    return list(session.scalars(select(UserAccount).order_by(UserAccount.username)))


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def organisation_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of these organisations, in one query (organisation names are public)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(
        session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
        ).all()
    )


def organisation_codes_and_names(
    session: Session, ids: Iterable[int | None]
) -> dict[int, tuple[str, str]]:
    """The codes and names of these organisations, in one query (both are public)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(Organisation.id, Organisation.code, Organisation.name).where(
            Organisation.id.in_(wanted)
        )
    ).all()
    return {organisation_id: (code, name) for organisation_id, code, name in rows}


def deactivate_user(session: Session, clock: Clock, actor: Actor, user_id: int) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS)
    user = session.get(UserAccount, user_id)
    if user is None:
        raise NotFound("no such user", code="not_found")
    # Account management must stay possible from the platform: an administrator does not
    # lock themselves out, and the last active administrator is not switched off. One
    # still awaiting activation does not count: nobody can log in as him yet, and only
    # another administrator could release his code (decision 0033).
    if actor.kind == "user" and actor.id == user.id:
        raise Conflict(
            "you cannot deactivate your own account; another administrator can",
            code="own_account",
            field="user",
        )
    if user.role is Role.PLATFORM_ADMIN:
        # Two administrators deactivating each other at once would each count the other
        # as still active and leave none. Every active administrator is locked (in id
        # order, so two of these never deadlock) before counting: the second waits for
        # the first and counts what it wrote.
        session.execute(
            select(UserAccount.id)
            .where(UserAccount.role == Role.PLATFORM_ADMIN, UserAccount.active.is_(True))
            .order_by(UserAccount.id)
            .with_for_update()
        )
    # Locked and read afresh: deactivated meanwhile (a double click, two administrators),
    # it is not deactivated again, which would bump its credentials and audit twice.
    user = session.get(
        UserAccount, user_id, with_for_update={"of": UserAccount}, populate_existing=True
    )
    assert user is not None  # accounts are deactivated, never deleted
    if not user.active:
        raise Conflict("this account is deactivated already", code="already_inactive", field="user")
    if user.role is Role.PLATFORM_ADMIN:
        others = session.scalar(
            select(func.count())
            .select_from(UserAccount)
            .where(
                UserAccount.role == Role.PLATFORM_ADMIN,
                UserAccount.active.is_(True),
                UserAccount.password_hash != "",
                UserAccount.id != user.id,
            )
        )
        if not others:
            raise Conflict(
                "this is the last active platform administrator; create another first",
                code="last_administrator",
                field="user",
            )
    user.active = False
    user.credentials_version += 1
    audit.record(
        session, clock, actor.audit(), "user.deactivate", target_type="user", target_id=user.id
    )


def actor_names(session: Session, ids: Iterable[str | None], *, staff: bool) -> dict[str, str]:
    """Who an audit actor id (``user:7``, ``api_key:3``) stands for: the organisation,
    and for ``staff`` (the credit authority) also the person or system. Ids of the
    platform itself (``None``, ``system``) are left out: the template names them."""
    names: dict[str, str] = {}
    for actor_id in set(ids):
        kind, _, number = (actor_id or "").partition(":")
        if not number.isdigit():
            continue
        who: str | None = None
        organisation_id: int | None = None
        if kind == "user":
            user = session.get(UserAccount, int(number))
            if user is not None:
                who, organisation_id = account_label(user), user.organisation_id
        elif kind == "api_key":
            key = session.get(ApiKey, int(number))
            if key is not None:
                who, organisation_id = key.name, key.organisation_id
        organisation = session.get(Organisation, organisation_id) if organisation_id else None
        parts = [who if staff else None, organisation.name if organisation else None]
        label = "，".join(part for part in parts if part)
        if label:
            names[str(actor_id)] = label
    return names
