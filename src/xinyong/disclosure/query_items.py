"""Query items (查询事项, Art. 13 ¶2): created by the credit authority for an agency and
an administrative matter, and usable only after publication on the public page."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Organisation
from xinyong.accounts.permissions import (
    ROLE_PERMISSIONS,
    ROLES_BY_ORGANISATION_KIND,
    Actor,
    Permission,
    require,
)
from xinyong.audit import service as audit
from xinyong.catalog import service as catalog
from xinyong.clock import Clock
from xinyong.disclosure.models import QueryItem
from xinyong.errors import Conflict, InvalidInput, NotFound

_CODE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")


def queries_by_item(organisation: Organisation) -> bool:
    """Whether the organisation's staff may hold a role that queries by a query item."""
    return any(
        Permission.QUERY_BY_ITEM in ROLE_PERMISSIONS[role]
        for role in ROLES_BY_ORGANISATION_KIND.get(organisation.kind, frozenset())
    )


def create(
    session: Session,
    clock: Clock,
    actor: Actor,
    *,
    code: str,
    organisation: Organisation,
    matter: str,
    matter_code: str,
    record_type_codes: list[str],
    legal_basis: str,
) -> QueryItem:
    require(actor, Permission.MANAGE_CATALOG)
    if not queries_by_item(organisation):
        # Art. 13 ¶2 gives query items to administrative and judicial organs; a bank's or an
        # enterprise's staff query only on a subject's written authorisation (¶3), so an
        # item published for them would announce a path they cannot lawfully take.
        raise InvalidInput(
            f"an organisation of kind {organisation.kind.value} does not query by query items",
            code="not_a_querier",
            field="organisation",
            article="Art. 13 ¶2",
        )
    if not _CODE.match(code):
        raise InvalidInput(
            "a code has 3–64 letters, digits, dots, dashes or underscores",
            code="invalid",
            field="code",
        )
    if not matter.strip() or not matter_code.strip():
        raise InvalidInput("name the administrative matter", code="required", field="matter")
    if not legal_basis.strip():
        raise InvalidInput(
            "a query item states its legal basis",
            code="required",
            field="legal_basis",
            article="Art. 13",
        )
    if not record_type_codes:
        raise InvalidInput(
            "name the record types it may query", code="required", field="record_types"
        )
    for type_code in record_type_codes:
        catalog.record_type_by_code(session, type_code)
    if session.scalar(select(QueryItem.id).where(QueryItem.code == code)):
        raise Conflict(f"query item {code} exists already", code="duplicate", field="code")
    item = QueryItem(
        code=code,
        organisation_id=organisation.id,
        matter=matter.strip(),
        matter_code=matter_code.strip(),
        record_type_codes=sorted(set(record_type_codes)),
        legal_basis=legal_basis.strip(),
        created_by=actor.audit().id,
        created_at=clock.now(),
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "query_item.create",
        target_type="query_item",
        target_id=item.id,
    )
    return item


def by_code(session: Session, code: str) -> QueryItem:
    item = session.scalar(select(QueryItem).where(QueryItem.code == code))
    if item is None:
        raise NotFound(f"no query item {code}", code="unknown_query_item", field="query_item")
    return item


def publish(session: Session, clock: Clock, actor: Actor, code: str) -> QueryItem:
    require(actor, Permission.MANAGE_CATALOG)
    item = by_code(session, code)
    # A withdrawn item may be published again (say, after its legal basis was amended);
    # the audit trail keeps every publication and withdrawal.
    if item.published_at is None or item.withdrawn_at is not None:
        item.published_at = clock.now()
        item.withdrawn_at = None
        audit.record(
            session,
            clock,
            actor.audit(),
            "query_item.publish",
            target_type="query_item",
            target_id=item.id,
        )
    return item


def withdraw(session: Session, clock: Clock, actor: Actor, code: str) -> QueryItem:
    require(actor, Permission.MANAGE_CATALOG)
    item = by_code(session, code)
    if item.published_at is None:
        raise Conflict(
            f"query item {code} was never published", code="not_published", field="query_item"
        )
    if item.withdrawn_at is not None:
        return item
    item.withdrawn_at = clock.now()
    audit.record(
        session,
        clock,
        actor.audit(),
        "query_item.withdraw",
        target_type="query_item",
        target_id=item.id,
    )
    return item


def published(session: Session) -> list[tuple[QueryItem, Organisation]]:
    """What the public page lists: every item in force, with its agency."""
    return [
        (item, organisation)
        for item, organisation in session.execute(
            select(QueryItem, Organisation)
            .join(Organisation, Organisation.id == QueryItem.organisation_id)
            .where(QueryItem.published_at.is_not(None), QueryItem.withdrawn_at.is_(None))
            .order_by(Organisation.name, QueryItem.code)
        )
    ]


def of_organisation(session: Session, organisation_id: int) -> list[QueryItem]:
    return list(
        session.scalars(
            select(QueryItem)
            .where(QueryItem.organisation_id == organisation_id)
            .order_by(QueryItem.code)
        )
    )


def all_items(session: Session, actor: Actor) -> list[QueryItem]:
    require(actor, Permission.MANAGE_CATALOG)
    return list(session.scalars(select(QueryItem).order_by(QueryItem.code)))
