"""Per-staff query permissions (Art. 12(2): 明确本单位工作人员的查询权限和查询程序).

A published query item (Art. 13 ¶2) says what an agency may query for which matter; which of
its staff may use it is the agency's own decision, made by its security officer (Art. 12(1)
and (3): the person responsible for information security). A query by item is lawful only
for a staff member the item is assigned to (``holds``, checked by ``access``). The querier
never grants himself an item: the role that assigns holds no query permission, and the
service refuses an assignment to oneself besides. The platform administrator, who reads no
credit data, assigns nothing. Every grant and withdrawal is audited; a withdrawal keeps the
assignment's row, so who held which item when stays on record (decision 0035).

An organisation's system (an API key) is granted nothing: a query by item is a named staff
member's. It holds only what migration 0042 carried over, the items it used before
assignments began, which its organisation's security officer reviews and withdraws like a
staff member's (decision 0035, addendum).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session, aliased

from xinyong import texts
from xinyong.accounts.models import ApiKey, Organisation, Role, UserAccount
from xinyong.accounts.permissions import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    has_permission,
    require,
)
from xinyong.audit import service as audit
from xinyong.clock import Clock
from xinyong.disclosure import query_items
from xinyong.disclosure.models import QueryItem, QueryItemAssignment
from xinyong.errors import Conflict, InvalidInput, NotFound, PermissionDenied

ARTICLE = "Art. 12(2)"
# The roles whose staff query by item, and so may hold one.
QUERYING_ROLES = frozenset(
    role
    for role, permissions in ROLE_PERMISSIONS.items()
    if Permission.QUERY_BY_ITEM in permissions
)


def in_force(item: QueryItem) -> bool:
    """Published and not withdrawn: only such an item is assigned, or queried by."""
    return item.published_at is not None and item.withdrawn_at is None


@dataclass(frozen=True)
class Assignment:
    """An assignment as shown: the item, its holder — a staff member, or an organisation's
    system (``key``) — who granted it and when (no granting officer: carried over by
    migration 0038, or 0042 for a key), and its withdrawal if withdrawn."""

    id: int
    item: QueryItem
    holder: UserAccount | None
    key: ApiKey | None
    granted_at: dt.datetime
    granted_by: str | None
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None

    @property
    def carried_over(self) -> bool:
        return self.granted_by is None

    @property
    def current(self) -> bool:
        return self.withdrawn_at is None

    @property
    def holder_name(self) -> str:
        """The staff member's name, or the system's as the administrator registered it."""
        if self.holder is not None:
            return self.holder.display_name
        assert self.key is not None
        return self.key.name

    @property
    def role(self) -> Role:
        if self.holder is not None:
            return self.holder.role
        assert self.key is not None
        return self.key.role

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "query_item": self.item.code,
            "matter": self.item.matter,
            "matter_code": self.item.matter_code,
            "record_types": list(self.item.record_type_codes),
            "query_item_in_force": in_force(self.item),
            "username": self.holder.username if self.holder is not None else None,
            "api_key": self.key.prefix if self.key is not None else None,
            "api_key_revoked": self.key is not None and self.key.revoked_at is not None,
            "holder": self.holder_name,
            "role": self.role.value,
            "granted_at": self.granted_at.isoformat(),
            "granted_by": self.granted_by,
            "carried_over": self.carried_over,
            "withdrawn_at": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
            "withdrawn_by": self.withdrawn_by,
        }


def _holder_is(actor: Actor) -> ColumnElement[bool] | None:
    """The assignments whose holder is the actor: a staff member's, or an organisation's
    system's (an API key holds only what migration 0042 carried over)."""
    if actor.id is None:
        return None
    if actor.kind == "user":
        return QueryItemAssignment.user_id == actor.id
    if actor.kind == "api_key":
        return QueryItemAssignment.api_key_id == actor.id
    return None


def holds(session: Session, actor: Actor, item: QueryItem) -> bool:
    """Whether the actor holds this item now."""
    holder = _holder_is(actor)
    if holder is None:
        return False
    return _held(session, holder, item.id)


def held_item_ids(actor: Actor) -> Select[int] | None:
    """The ids of the items the actor holds now, as a subquery (None: it holds none, not
    being a staff member or a system): for finding what was issued on an item it holds."""
    holder = _holder_is(actor)
    if holder is None:
        return None
    return select(QueryItemAssignment.query_item_id).where(
        holder, QueryItemAssignment.withdrawn_at.is_(None)
    )


def _held(session: Session, holder: ColumnElement[bool], item_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    holder,
                    QueryItemAssignment.query_item_id == item_id,
                    QueryItemAssignment.withdrawn_at.is_(None),
                )
            )
        )
    )


def _assignments(session: Session, *conditions: ColumnElement[bool]) -> list[Assignment]:
    granter, withdrawer = aliased(UserAccount), aliased(UserAccount)
    rows = session.execute(
        select(
            QueryItemAssignment,
            QueryItem,
            UserAccount,
            ApiKey,
            granter.display_name,
            withdrawer.display_name,
        )
        .join(QueryItem, QueryItem.id == QueryItemAssignment.query_item_id)
        .outerjoin(UserAccount, UserAccount.id == QueryItemAssignment.user_id)
        .outerjoin(ApiKey, ApiKey.id == QueryItemAssignment.api_key_id)
        .outerjoin(granter, granter.id == QueryItemAssignment.granted_by_id)
        .outerjoin(withdrawer, withdrawer.id == QueryItemAssignment.withdrawn_by_id)
        .where(*conditions)
        # The staff first, then the systems (False sorts before True in both databases).
        .order_by(
            QueryItemAssignment.api_key_id.is_not(None),
            UserAccount.username,
            ApiKey.prefix,
            QueryItem.code,
            QueryItemAssignment.id.desc(),
        )
    )
    return [
        Assignment(
            id=row.id,
            item=item,
            holder=holder,
            key=key,
            granted_at=row.granted_at,
            granted_by=granted_by,
            withdrawn_at=row.withdrawn_at,
            withdrawn_by=withdrawn_by,
        )
        for row, item, holder, key, granted_by, withdrawn_by in rows
    ]


def held_by(session: Session, actor: Actor) -> list[Assignment]:
    """The items the actor holds now (an item the credit authority withdrew since included,
    ``query_item_in_force`` false): what a querier, or a system, sees of its own query
    permissions."""
    if not actor.authenticated or not has_permission(actor, Permission.QUERY_BY_ITEM):
        raise PermissionDenied(
            "your role does not query by query item", code="no_query_permission", article=ARTICLE
        )
    holder = _holder_is(actor)
    if holder is None:
        return []
    return _assignments(session, holder, QueryItemAssignment.withdrawn_at.is_(None))


def usable_items(session: Session, actor: Actor) -> list[QueryItem]:
    """The items the actor may query by now: held, published and not withdrawn."""
    if actor.kind != "user" or not has_permission(actor, Permission.QUERY_BY_ITEM):
        return []
    return [held.item for held in held_by(session, actor) if in_force(held.item)]


# --- the security officer's side -------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """What the security officer manages: the organisation's staff who query by item, its
    items in force, the assignments now and those withdrawn; and the systems (API keys)
    holding items carried over by migration 0042, which he may only withdraw."""

    organisation: Organisation
    staff: list[UserAccount]
    items: list[QueryItem]
    current: list[Assignment]
    withdrawn: list[Assignment]

    def held(self, user: UserAccount) -> list[Assignment]:
        return [a for a in self.current if a.holder is not None and a.holder.id == user.id]

    @property
    def keys(self) -> list[ApiKey]:
        """The systems holding an item now, each once, in the order of their assignments."""
        found: dict[int, ApiKey] = {}
        for assignment in self.current:
            if assignment.key is not None:
                found.setdefault(assignment.key.id, assignment.key)
        return list(found.values())

    def held_by_key(self, key: ApiKey) -> list[Assignment]:
        return [a for a in self.current if a.key is not None and a.key.id == key.id]


def assigns_query_items(actor: Actor) -> bool:
    """Whether the actor keeps the page of its organisation's staff query permissions: a
    person holding the permission, in an organisation whose staff query by item (the rule
    ``organisation_of`` refuses by; the menu shows it)."""
    return (
        actor.kind == "user"
        and has_permission(actor, Permission.ASSIGN_QUERY_ITEMS)
        and query_items.kind_queries_by_item(actor.organisation_kind)
    )


def organisation_of(session: Session, actor: Actor) -> Organisation:
    """The organisation whose staff's query items the actor assigns: its own, if its staff
    query by item at all. A person's act (decision 0035): a system acting through an API
    key of the security officer's role would grant query permissions no one is named for."""
    require(actor, Permission.ASSIGN_QUERY_ITEMS)
    if actor.kind != "user":
        raise PermissionDenied(
            "a staff member's query permissions are assigned by a person of the organisation",
            code="officer_in_person",
            article="Art. 12(2)",
        )
    organisation = (
        session.get(Organisation, actor.organisation_id) if actor.organisation_id else None
    )
    if organisation is None or not query_items.queries_by_item(organisation):
        raise PermissionDenied(
            "your organisation's staff do not query by query items",
            code="no_query_items",
            article="Art. 13 ¶2",
        )
    return organisation


def querying_staff(session: Session, organisation_id: int) -> list[UserAccount]:
    """The organisation's active staff accounts whose role queries by item."""
    return list(
        session.scalars(
            select(UserAccount)
            .where(
                UserAccount.organisation_id == organisation_id,
                UserAccount.role.in_(sorted(QUERYING_ROLES)),
                UserAccount.active.is_(True),
            )
            .order_by(UserAccount.username)
        )
    )


def overview(session: Session, actor: Actor) -> Overview:
    organisation = organisation_of(session, actor)
    items = [
        item for item in query_items.of_organisation(session, organisation.id) if in_force(item)
    ]
    of_organisation = QueryItem.organisation_id == organisation.id
    return Overview(
        organisation=organisation,
        staff=querying_staff(session, organisation.id),
        items=items,
        current=_assignments(session, of_organisation, QueryItemAssignment.withdrawn_at.is_(None)),
        withdrawn=_assignments(
            session, of_organisation, QueryItemAssignment.withdrawn_at.is_not(None)
        ),
    )


def _holder(
    session: Session, organisation: Organisation, actor: Actor, username: str
) -> UserAccount:
    name = username.strip().lower()
    user = (
        session.scalar(select(UserAccount).where(UserAccount.username == name))
        if name and name.isprintable()
        else None
    )
    if user is None or user.organisation_id != organisation.id:
        # Another organisation's staff are not the security officer's to know of.
        raise NotFound(
            "no staff member of your organisation has this username",
            code="unknown_staff",
            field="username",
        )
    # As persons (``Actor.person_id``): only a person assigns (``organisation_of``), but
    # the comparison is the one every separation of duties makes.
    if user.id == actor.person_id:
        raise InvalidInput(
            "a staff member's query permissions are granted by another person of the "
            "organisation, never by himself",
            code="own_query_permission",
            field="username",
            article=ARTICLE,
        )
    if user.role not in QUERYING_ROLES:
        raise InvalidInput(
            f"{texts.a(user.role.value)} does not query by query item",
            code="not_query_staff",
            field="username",
            article=ARTICLE,
        )
    if not user.active:
        raise Conflict("this account is deactivated", code="inactive_account", field="username")
    return user


def grant(
    session: Session, clock: Clock, actor: Actor, *, username: str, query_item: str
) -> Assignment:
    """Assign one of the organisation's items in force to one of its staff who query."""
    organisation = organisation_of(session, actor)
    holder = _holder(session, organisation, actor, username)
    item = query_items.by_code(session, query_item.strip())
    if item.organisation_id != organisation.id:
        raise PermissionDenied(
            "this query item is not one of your organisation's",
            code="not_our_query_item",
            field="query_item",
            article="Art. 13",
        )
    if not in_force(item):
        raise Conflict(
            "only a published query item in force is assigned",
            code="query_item_unpublished",
            field="query_item",
            article="Art. 13 ¶2",
        )
    # Two officers granting the same item at once would both find it unheld: the holder's
    # row is locked for the check (PostgreSQL; SQLite writes one transaction at a time).
    session.scalar(select(UserAccount.id).where(UserAccount.id == holder.id).with_for_update())
    if _held(session, QueryItemAssignment.user_id == holder.id, item.id):
        raise Conflict(
            f"{holder.username} holds {item.code} already",
            code="already_assigned",
            field="query_item",
        )
    row = QueryItemAssignment(
        query_item_id=item.id,
        user_id=holder.id,
        granted_at=clock.now(),
        granted_by_id=actor.id if actor.kind == "user" else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "query_item.assign",
        target_type="query_item_assignment",
        target_id=row.id,
        details={"query_item": item.code, "user_id": holder.id},
    )
    return _one(session, row.id)


def withdraw(session: Session, clock: Clock, actor: Actor, assignment_id: int) -> Assignment:
    """Withdraw an assignment: its holder may no longer query by the item."""
    organisation = organisation_of(session, actor)
    # Locked and read afresh: two security officers withdrawing it at once would both find
    # it in force, audit two withdrawals and overwrite who withdrew it; the second now
    # waits for the first and is refused.
    row = session.get(
        QueryItemAssignment,
        assignment_id,
        with_for_update={"of": QueryItemAssignment},
        populate_existing=True,
    )
    item = None if row is None else session.get(QueryItem, row.query_item_id)
    if row is None or item is None or item.organisation_id != organisation.id:
        raise NotFound(
            "no such assignment in your organisation", code="not_found", field="assignment"
        )
    if row.withdrawn_at is not None:
        raise Conflict(
            "this assignment was withdrawn already", code="already_withdrawn", field="assignment"
        )
    row.withdrawn_at = clock.now()
    row.withdrawn_by_id = actor.id if actor.kind == "user" else None
    session.flush()
    holder = {"user_id": row.user_id} if row.user_id is not None else {"api_key_id": row.api_key_id}
    audit.record(
        session,
        clock,
        actor.audit(),
        "query_item.unassign",
        target_type="query_item_assignment",
        target_id=row.id,
        details={"query_item": item.code, **holder},
    )
    return _one(session, row.id)


def _one(session: Session, assignment_id: int) -> Assignment:
    (found,) = _assignments(session, QueryItemAssignment.id == assignment_id)
    return found


def assignments_of(session: Session, user: UserAccount) -> Sequence[Assignment]:
    """A staff account's assignments in force, for the operator's command line."""
    return _assignments(
        session,
        QueryItemAssignment.user_id == user.id,
        QueryItemAssignment.withdrawn_at.is_(None),
    )
