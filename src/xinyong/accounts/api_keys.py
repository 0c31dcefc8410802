"""API keys for organisations' systems (decision 0033).

A key acts as one staff role of one organisation, and every such role reads credit data.
So no one person both decides that a key exists and holds its secret: the platform
administrator registers the key (organisation, role, the system's name), with no secret;
a staff member of that organisation who holds that role releases its secret, shown to
him once, to install in the system. The key then gives the system no more than he
already holds, and the administrator never holds one at all. Only the secret's SHA-256
is stored (a random 256-bit secret needs no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import ApiKey, Organisation, Role
from xinyong.accounts.permissions import (
    Actor,
    Permission,
    require,
    require_own_organisation,
    role_allowed_for,
)
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from xinyong.institutions import register as institutions


def _key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    organisation: Organisation,
    role: Role,
    name: str,
) -> ApiKey:
    """A key registered for an organisation's system, awaiting release: it has no secret
    yet, so it authenticates nothing until a staff member of the organisation holding
    its role releases one (``release_api_key``)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    if not role_allowed_for(organisation.kind, role) or role is Role.PLATFORM_ADMIN:
        raise InvalidInput(
            f"an API key of {organisation.kind.value} cannot have role {role.value}",
            code="role_not_allowed",
            field="role",
        )
    key = ApiKey(
        prefix="xy_" + secrets.token_hex(6),
        secret_hash="",
        name=name,
        organisation_id=organisation.id,
        role=role,
        created_by_id=actor.id if actor.kind == "user" else None,
        created_at=clock.now(),
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "api_key.create",
        target_type="api_key",
        target_id=key.id,
        details={"organisation_id": organisation.id, "role": role.value},
    )
    return key


def require_key_releaser(actor: Actor, key: ApiKey) -> None:
    """A person of the key's organisation who holds the key's role (decision 0033); the
    command line (``SYSTEM_ACTOR``) is the operator with server access."""
    require(actor, Permission.RELEASE_API_KEYS)
    if actor.kind == "system":
        return
    if actor.kind != "user":
        raise PermissionDenied(
            "an API key's secret is released by a person, not by a system",
            code="officer_in_person",
            article="Art. 12",
        )
    require_own_organisation(actor, key.organisation_id)
    if actor.role is not key.role:
        raise PermissionDenied(
            f"a key acting as {key.role.value} is released by a staff member who holds that role",
            code="key_role_required",
            article="Art. 12",
            field="role",
        )


def release_api_key(
    session: Session, clock: Clock, actor: Actor, key_id: int
) -> tuple[ApiKey, str]:
    """The key's secret, made now and returned once (never stored, never audited): to the
    staff member of the key's organisation who holds its role. A key is released once; a
    lost secret means a new key (the administrator revokes the old one)."""
    require(actor, Permission.RELEASE_API_KEYS)
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("no such API key", code="not_found", field="key")
    require_key_releaser(actor, key)
    if key.revoked_at is not None:
        raise Conflict("the API key is revoked", code="key_revoked", field="key")
    if key.released_at is not None:
        raise Conflict(
            "this key's secret was released already; ask the administrator for a new key",
            code="key_released",
            field="key",
        )
    secret = secrets.token_urlsafe(32)
    key.secret_hash = _key_hash(secret)
    key.released_by_id = actor.id if actor.kind == "user" else None
    key.released_at = clock.now()
    audit.record(
        session,
        clock,
        actor.audit(),
        "api_key.release",
        target_type="api_key",
        target_id=key.id,
        details={"organisation_id": key.organisation_id, "role": key.role.value},
    )
    return key, f"{key.prefix}.{secret}"


def organisation_keys(session: Session, actor: Actor) -> list[ApiKey]:
    """The keys of the actor's own organisation, newest first, for its staff: which wait
    for a holder of their role to release them."""
    require(actor, Permission.RELEASE_API_KEYS)
    if actor.kind != "user" or actor.organisation_id is None:
        raise PermissionDenied(
            "an organisation's API keys are released by a person of the organisation",
            code="officer_in_person",
            article="Art. 12",
        )
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.organisation_id == actor.organisation_id)
            .order_by(ApiKey.id.desc())
        )
    )


def all_keys(session: Session, actor: Actor) -> list[ApiKey]:
    """Every key, newest first, for the administrator who registers and revokes them."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


def may_release(actor: Actor, key: ApiKey) -> bool:
    """Whether ``release_api_key`` would give the actor this key's secret (the pages'
    buttons)."""
    try:
        require_key_releaser(actor, key)
    except (PermissionDenied, NotAuthenticated):
        return False
    return key.awaiting_release


def actor_for_api_key(session: Session, presented: str) -> Actor:
    prefix, _, secret = presented.partition(".")
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if (
        key is None
        or key.revoked_at is not None
        # Awaiting release: nobody answers for it yet, so it does nothing (decision 0033).
        or key.released_at is None
        or not key.secret_hash
        or not hmac.compare_digest(key.secret_hash, _key_hash(secret))
    ):
        raise NotAuthenticated("the API key is not valid", code="bad_api_key")
    return Actor(
        kind="api_key",
        id=key.id,
        role=key.role,
        organisation_id=key.organisation_id,
        organisation_kind=key.organisation.kind,
        label=f"{key.organisation.name} / {key.name}",
        # A credit service institution outside the active register: the key holds no
        # permission (``permissions.Actor.standing``, Art. 26).
        standing=institutions.standing_problem(session, key.organisation),
        # Whose second the key is not (``permissions.same_person``).
        released_by_id=key.released_by_id,
    )


def revoke_api_key(session: Session, clock: Clock, actor: Actor, key_id: int) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS)
    # Locked and read afresh: revoked meanwhile (a double click, two administrators), the
    # key keeps its first revocation time, which says from when it did nothing; a second
    # would make it look valid for longer than it was, and audit a revocation twice.
    key = session.get(ApiKey, key_id, with_for_update={"of": ApiKey}, populate_existing=True)
    if key is None:
        raise NotFound("no such API key", code="not_found")
    if key.revoked_at is not None:
        raise Conflict("the API key is revoked", code="key_revoked", field="key")
    key.revoked_at = clock.now()
    audit.record(
        session, clock, actor.audit(), "api_key.revoke", target_type="api_key", target_id=key.id
    )
