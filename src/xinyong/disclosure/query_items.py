"""Query items (查询事项, Art. 13 ¶2): created by the credit authority for an agency and
an administrative matter, and usable only after publication on the public page.

A query item lets an agency read public information without the subject's authorisation;
information that is not public only where a law or an administrative regulation makes the
exception (Art. 13 ¶3: 法律、行政法规另有规定的除外). So an item naming a record type that
is not public about every kind of subject it is kept about states that statute and its
article (``StatutoryException``), or it is neither created nor published; and an item
without one does not open such a type on a subject it is not public about (``unopened``,
decision 0007 addendum), and of the types it opens shows only the records public about the
subject (``access.Access.public_only``, decision 0007 session 13 addendum)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong import published_text
from xinyong.accounts import area
from xinyong.accounts.models import Organisation, OrganisationKind
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
from xinyong.disclosure.models import QueryItem, StatuteRank
from xinyong.errors import Conflict, InvalidInput, NotFound
from xinyong.lists.models import AdministrativeMatter
from xinyong.subjects.models import Subject

_CODE = re.compile(r"^[A-Za-z0-9_.-]{3,64}$")
# The field the statutory exception is refused for, and its parts (as the API names them).
EXCEPTION = "statutory_exception"


@dataclass(frozen=True)
class StatutoryException:
    """The law or administrative regulation, and its article, that lets an agency read
    information that is not public without the subject's written authorisation (Art. 13
    ¶3). The platform cannot tell a statute's rank from its title: the credit authority
    states it, and the published item shows it to everyone."""

    rank: StatuteRank
    title: str  # 《中华人民共和国社会保险法》
    article: str  # 第六十三条

    def as_dict(self) -> dict[str, str]:
        return {"rank": self.rank.value, "title": self.title, "article": self.article}


def stated_exception(rank: str, title: str, article: str) -> StatutoryException | None:
    """The exception as typed on a form or sent to the API: none when all three parts are
    empty; refused when only some of them are given, or the rank is neither a law's nor an
    administrative regulation's (a local regulation or rule makes no exception)."""
    rank, title, article = rank.strip(), title.strip(), article.strip()
    if not (rank or title or article):
        return None
    if rank not in {r.value for r in StatuteRank}:
        raise InvalidInput(
            "only a law or an administrative regulation makes an exception to the written "
            "authorisation",
            code="invalid",
            field=f"{EXCEPTION}.rank",
            article="Art. 13 ¶3",
        )
    if not title:
        raise InvalidInput(
            "name the law or administrative regulation that makes the exception",
            code="required",
            field=f"{EXCEPTION}.title",
            article="Art. 13 ¶3",
        )
    if not article:
        raise InvalidInput(
            "name the article of the law or administrative regulation that makes the exception",
            code="required",
            field=f"{EXCEPTION}.article",
            article="Art. 13 ¶3",
        )
    if len(title) > 200 or len(article) > 64:
        raise InvalidInput(
            "a statute's title has at most 200 characters and its article at most 64",
            code="too_long",
            field=f"{EXCEPTION}.title" if len(title) > 200 else f"{EXCEPTION}.article",
        )
    return StatutoryException(StatuteRank(rank), title, article)


def exception_of(item: QueryItem) -> StatutoryException | None:
    if item.exception_rank is None or not item.exception_title or not item.exception_article:
        return None
    return StatutoryException(item.exception_rank, item.exception_title, item.exception_article)


def _state(item: QueryItem, exception: StatutoryException) -> None:
    item.exception_rank = exception.rank
    item.exception_title = exception.title
    item.exception_article = exception.article


def not_public(session: Session, record_type_codes: Iterable[str]) -> list[str]:
    """Those of these record types that are not public about every kind of subject they are
    kept about (the catalog's city rule, ``RecordTypeDefinition.public_about``): a market
    record, a self-declaration, a type public about organisations but not by law about
    natural persons. An item naming one needs a statutory exception (Art. 13 ¶3)."""
    wanted = set(record_type_codes)
    return sorted(
        code
        for code, definition in catalog.city_rules(session).values()
        if code in wanted and not definition.public_about_every_subject()
    )


def unopened(session: Session, item: QueryItem, subject: Subject) -> frozenset[str]:
    """The item's record types it does not open on this subject: those not public about
    it, when the item states no statutory exception (Art. 13 ¶3). By the city's rule, the
    most any district's may publish: of a type it opens, the records a district's rule
    keeps from the public are withheld one by one (``files.public_part``)."""
    if exception_of(item) is not None:
        return frozenset()
    wanted = set(item.record_type_codes)
    return frozenset(
        code
        for code, definition in catalog.city_rules(session).values()
        if code in wanted and not definition.public_about(organisation=subject.is_organisation)
    )


def without_exception(session: Session, items: Iterable[QueryItem]) -> dict[int, list[str]]:
    """For each of these items that states no statutory exception, the types it names that
    are not public about every subject (those it opens only where they are public): what
    the query items page warns of, so that an item made before the exception was asked for
    does not open less than it names in silence."""
    definitions = dict(catalog.city_rules(session).values())
    found: dict[int, list[str]] = {}
    for item in items:
        if exception_of(item) is not None:
            continue
        codes = [
            code
            for code in item.record_type_codes
            if code in definitions and not definitions[code].public_about_every_subject()
        ]
        if codes:
            found[item.id] = codes
    return found


def _require_exception(
    session: Session,
    record_type_codes: Iterable[str],
    exception: StatutoryException | None,
    error: type[InvalidInput] | type[Conflict],
) -> None:
    if exception is not None:
        return
    codes = not_public(session, record_type_codes)
    if codes:
        raise error(
            "a query item naming a record type that is not public states the law or "
            "administrative regulation, and its article, that lets the agency read it "
            "without the subject's written authorisation",
            code="no_statutory_exception",
            field=EXCEPTION,
            article="Art. 13 ¶3",
            details={"record_types": codes},
        )


def queries_by_item(organisation: Organisation) -> bool:
    """Whether the organisation's staff may hold a role that queries by a query item."""
    return kind_queries_by_item(organisation.kind)


def kind_queries_by_item(kind: OrganisationKind | None) -> bool:
    """Whether staff of an organisation of this kind may hold a role that queries by item."""
    return kind is not None and any(
        Permission.QUERY_BY_ITEM in ROLE_PERMISSIONS[role]
        for role in ROLES_BY_ORGANISATION_KIND.get(kind, frozenset())
    )


def _require_in_area(session: Session, actor: Actor, organisation_id: int) -> None:
    """A district's credit authority keeps the query items of its own district's
    organisations (Art. 6; decision 0046): an item is the querying organisation's."""
    area.require_in_own_area(
        session, actor, organisation_id, "the querying organisation", field="organisation"
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
    statutory_exception: StatutoryException | None = None,
) -> QueryItem:
    require(actor, Permission.MANAGE_CATALOG)
    _require_in_area(session, actor, organisation.id)
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
    # Published before use, for anyone to read (Art. 13 ¶2).
    published_text.refuse_citizen_ids(
        {"matter": matter, "legal_basis": legal_basis}, today=clock.today()
    )
    if not record_type_codes:
        raise InvalidInput(
            "name the record types it may query", code="required", field="record_types"
        )
    for type_code in record_type_codes:
        catalog.record_type_by_code(session, type_code)
    _require_exception(session, record_type_codes, statutory_exception, InvalidInput)
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
    if statutory_exception is not None:
        _state(item, statutory_exception)
    session.add(item)
    session.flush()
    audit.record(
        session,
        clock,
        actor.audit(),
        "query_item.create",
        target_type="query_item",
        target_id=item.id,
        details=None if statutory_exception is None else {EXCEPTION: statutory_exception.as_dict()},
    )
    return item


def by_code(session: Session, code: str) -> QueryItem:
    item = session.scalar(select(QueryItem).where(QueryItem.code == code))
    if item is None:
        raise NotFound(f"no query item {code}", code="unknown_query_item", field="query_item")
    return item


def publish(
    session: Session,
    clock: Clock,
    actor: Actor,
    code: str,
    *,
    statutory_exception: StatutoryException | None = None,
) -> QueryItem:
    """Publish the item, stating its statutory exception now if given: an item naming a
    type that is not public is published only with one (Art. 13 ¶3). An item published
    without one (made before it was asked for) is published again when it is stated."""
    require(actor, Permission.MANAGE_CATALOG)
    item = by_code(session, code)
    _require_in_area(session, actor, item.organisation_id)
    stated = exception_of(item)
    _require_exception(session, item.record_type_codes, statutory_exception or stated, Conflict)
    amended = statutory_exception is not None and statutory_exception != stated
    if amended:
        assert statutory_exception is not None
        _state(item, statutory_exception)
    # A withdrawn item may be published again (say, after its legal basis was amended);
    # the audit trail keeps every publication and withdrawal.
    if item.published_at is None or item.withdrawn_at is not None or amended:
        item.published_at = clock.now()
        item.withdrawn_at = None
        audit.record(
            session,
            clock,
            actor.audit(),
            "query_item.publish",
            target_type="query_item",
            target_id=item.id,
            details={EXCEPTION: statutory_exception.as_dict()}
            if amended and statutory_exception is not None
            else None,
        )
    return item


def withdraw(session: Session, clock: Clock, actor: Actor, code: str) -> QueryItem:
    require(actor, Permission.MANAGE_CATALOG)
    item = by_code(session, code)
    _require_in_area(session, actor, item.organisation_id)
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
    return list(
        session.scalars(
            select(QueryItem)
            .where(area.area_filter(session, actor, QueryItem.organisation_id))
            .order_by(QueryItem.code)
        )
    )


# --- the matter a query names (Art. 13 ¶2) ------------------------------------------------

# The choice that names a matter in words instead of by its code.
OTHER_MATTER = "other"


@dataclass(frozen=True)
class LawfulMatter:
    """An administrative matter a query may name: its code and its names."""

    code: str
    name: str
    name_en: str | None  # None: a query item's own matter, named only as the item names it


def lawful_matters(session: Session, organisation_id: int | None) -> list[LawfulMatter]:
    """The administrative matters a query may be for: those of the rule pack, in which the
    measures of Art. 16–19 apply, and those the organisation's published query items name
    by codes of their own (Art. 13 ¶2: each agency publishes the matters it queries for).
    An item withdrawn since keeps its matter here: a query on it is refused for the item
    (and logged for the subject), not for a matter the querier could not name."""
    matters = [
        LawfulMatter(m.code, m.name, m.name_en)
        for m in session.scalars(select(AdministrativeMatter).order_by(AdministrativeMatter.code))
    ]
    known = {m.code for m in matters}
    if organisation_id is not None:
        for item in of_organisation(session, organisation_id):
            if item.published_at is not None and item.matter_code not in known:
                matters.append(LawfulMatter(item.matter_code, item.matter, None))
                known.add(item.matter_code)
    return matters


def stated_matter(
    session: Session, organisation_id: int | None, choice: str, stated: str = ""
) -> str:
    """The matter a query names, as chosen on a form: a lawful matter by its code, or
    ``OTHER_MATTER`` with the matter stated in words. Whether it is the query item's matter
    is decided when the file is opened (``access``), which logs a mismatch for the subject."""
    choice = choice.strip()
    if choice == OTHER_MATTER:
        if not stated.strip():
            raise InvalidInput(
                "state the administrative matter of this query",
                code="required",
                field="matter_other",
                article="Art. 13 ¶2",
            )
        return stated.strip()
    if not choice:
        raise InvalidInput(
            "choose the administrative matter of this query",
            code="required",
            field="matter",
            article="Art. 13 ¶2",
        )
    if choice not in {m.code for m in lawful_matters(session, organisation_id)}:
        raise InvalidInput(
            "not a lawful administrative matter: choose one, or state it under other",
            code="unknown_matter",
            field="matter",
            article="Art. 13 ¶2",
        )
    return choice
