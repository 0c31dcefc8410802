"""Shared fixtures and builders for the disclosure tests (public disclosure, the three
lawful query paths, the access log, credit reports).

Fixtures are used by importing them into a test module's namespace, as with
``tests.collection_helpers``. ``disclosure_world`` is the collection world plus:

* the market regulator may also submit social-insurance arrears (public for
  organisations, *not* public by law for natural persons);
* the bank reports contract performance (a non-public market type) through ``bank_clerk``.

Records are written through the real pipeline (``collection_helpers.ingest``); reads go
through ``attempt``/``attempt_report``, which behave like the web boundary: a refusal rolls
back what the read did and then writes the subject's log entry with the refusal's audit
event (``settle``, as ``web.deps.settle_refusal``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import (
    PENALTY,
    RECENT,
    add_reporter,
    citizen_id_of,
    grant,
    ingest,
    penalty_row,
    person_penalty_row,
    problems_of,
    source_columns,
    subject_row,
)
from tests.factories import PASSWORD, World
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Organisation, Role
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor
from xinyong.clock import Clock
from xinyong.collection import consent
from xinyong.collection.models import CreditRecord, RecordVersion
from xinyong.disclosure import access, authorisations, query_assignments, query_items, reports
from xinyong.disclosure.models import (
    AccessEvent,
    Authorisation,
    LegalPath,
    QueryItem,
    QueryItemAssignment,
    StatuteRank,
)
from xinyong.errors import (
    DomainError,
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
)
from xinyong.subjects.models import Subject

ARREARS = "social_insurance_arrears"
CONTRACT = "contract_performance"
# A query item of the market regulator: social-insurance arrears for benefit eligibility.
ITEM = "QI-SZ-SHEBAO-01"
MATTER = "社会保险待遇资格审核"
MATTER_CODE = "M-350100-SB-001"
# Arrears are not public by law about natural persons, so the item states the statute that
# lets the agency read them without the person's written authorisation (Art. 13 ¶3).
ARREARS_EXCEPTION = query_items.StatutoryException(
    StatuteRank.LAW, "《中华人民共和国社会保险法》", "第六十三条"
)
# Anything that looks like a full citizen ID number (GB 11643: 17 digits and a check).
FULL_CITIZEN_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")

_numbers = iter(range(1, 1_000_000))


@pytest.fixture
def disclosure_world(collection_world: World, db: Session, clock: Clock) -> World:
    world = collection_world
    grant(db, clock, world.organisations["regulator"], ARREARS)
    grant(db, clock, world.organisations["bank"], CONTRACT)
    add_reporter(db, world.organisations["bank"], "bank_clerk")
    db.commit()
    return world


def actor_of(world: World, username: str) -> Actor:
    return accounts.actor_for_user(world.users[username])


# --- records --------------------------------------------------------------------------------

# The annulling decision a source revokes a record on (decision 0028).
ANNULMENT = "榕政复决〔2026〕18号"


def revoke_record(
    session: Session, clock: Clock, world: World, record_id: int, **overrides: str
) -> RecordVersion:
    """The regulator's data reporter revokes its record: annulled on reconsideration."""
    from xinyong.collection import revocation

    terms = {
        "ground": "reconsideration",
        "document_number": ANNULMENT,
        "reason": "原处罚决定被撤销",
    }
    terms.update(overrides)
    return revocation.revoke(session, clock, actor_of(world, "reporter"), record_id, **terms)


def _one_record(session: Session, organisation: Organisation, key_suffix: str) -> CreditRecord:
    found = session.scalars(
        select(CreditRecord)
        .where(
            CreditRecord.source_organisation_id == organisation.id,
            CreditRecord.natural_key.endswith("|" + key_suffix),
        )
        .execution_options(populate_existing=True)
    ).all()
    assert len(found) == 1, f"expected one record ending {key_suffix}, found {len(found)}"
    return found[0]


def company_penalty(
    session: Session, clock: Clock, world: World, subject: str = "company", **overrides: str
) -> CreditRecord:
    """A penalty about an organisation of the world (a general-class fine by default)."""
    target = world.subjects[subject]
    row = penalty_row(world, subject_name=target.name, subject_uscc=target.uscc or "", **overrides)
    report = ingest(session, clock, world.organisations["regulator"], [row])
    assert problems_of(report) == [], problems_of(report)
    return _one_record(session, world.organisations["regulator"], row["decision_number"])


def person_penalty(
    session: Session, clock: Clock, world: World, subject: str = "person", **overrides: str
) -> CreditRecord:
    """A penalty about a natural person: public by law (no consent needed)."""
    person = world.subjects[subject]
    row = person_penalty_row(world, citizen_id_of(person), person.name, **overrides)
    report = ingest(session, clock, world.organisations["regulator"], [row])
    assert problems_of(report) == [], problems_of(report)
    return _one_record(session, world.organisations["regulator"], row["decision_number"])


def give_consent(
    session: Session, clock: Clock, world: World, *, subject: str, grantee: str, code: str
) -> None:
    """The person consents, on its own account, to collection by the grantee (Art. 11)."""
    account = {"person": "citizen", "other_person": "other_citizen"}[subject]
    consent.grant(
        session,
        clock,
        actor_of(world, account),
        subject=world.subjects[subject],
        grantee=world.organisations[grantee],
        record_type_codes=[code],
        written=True,
        adverse_consequences_notified=False,
    )
    session.flush()


def arrears(
    session: Session, clock: Clock, world: World, subject: str, **overrides: str
) -> CreditRecord:
    """Social-insurance arrears reported by the regulator; a person consents first."""
    target = world.subjects[subject]
    number = f"榕社保欠〔2026〕{next(_numbers)}号"
    if target.is_organisation:
        who = subject_row(target.name, uscc=target.uscc or "")
    else:
        give_consent(session, clock, world, subject=subject, grantee="regulator", code=ARREARS)
        who = subject_row(target.name, citizen_id=citizen_id_of(target))
    row = {
        **who,
        "notice_number": number,
        "arrears_period": "2026年1月至6月",
        "arrears_amount": "0.8",
        "determined_on": RECENT.isoformat(),
        **source_columns(world.organisations["regulator"]),
        **overrides,
    }
    report = ingest(session, clock, world.organisations["regulator"], [row], record_type=ARREARS)
    assert problems_of(report) == [], problems_of(report)
    return _one_record(session, world.organisations["regulator"], number)


def contract_breach(
    session: Session, clock: Clock, world: World, subject: str = "person", **overrides: str
) -> CreditRecord:
    """A non-public market record: the bank reports a breach of contract, with consent."""
    target = world.subjects[subject]
    give_consent(session, clock, world, subject=subject, grantee="bank", code=CONTRACT)
    number = f"FZB-{next(_numbers):06d}"
    row = {
        **subject_row(target.name, citizen_id=citizen_id_of(target)),
        "contract_number": number,
        "breach_description": "逾期未还款",
        "breach_date": RECENT.isoformat(),
        "amount_owed": "1.2",
        "counterparty": world.organisations["bank"].name,
        **overrides,
    }
    report = ingest(session, clock, world.organisations["bank"], [row], record_type=CONTRACT)
    assert problems_of(report) == [], problems_of(report)
    return _one_record(session, world.organisations["bank"], number)


def versions_of(session: Session, record_id: int) -> list[RecordVersion]:
    return list(
        session.scalars(
            select(RecordVersion)
            .where(RecordVersion.record_id == record_id)
            .order_by(RecordVersion.version_no)
            .execution_options(populate_existing=True)
        )
    )


# --- query items and authorisations ---------------------------------------------------------


def make_query_item(
    session: Session,
    clock: Clock,
    world: World,
    *,
    code: str = ITEM,
    organisation: str = "regulator",
    record_types: tuple[str, ...] = (ARREARS,),
    matter: str = MATTER,
    matter_code: str = MATTER_CODE,
    publish: bool = True,
    assign_to: tuple[str, ...] | None = None,
    statutory_exception: query_items.StatutoryException | None = ARREARS_EXCEPTION,
) -> QueryItem:
    """Created by the credit authority (Art. 13 ¶2), published unless told otherwise, and
    then assigned by the organisation's security officer (Art. 12(2)) to ``assign_to``:
    by default, every account of the world in that organisation whose role queries by item.
    It states ``statutory_exception`` (Art. 13 ¶3), which the default arrears need."""
    authority = actor_of(world, "authority")
    item = query_items.create(
        session,
        clock,
        authority,
        code=code,
        organisation=world.organisations[organisation],
        matter=matter,
        matter_code=matter_code,
        record_type_codes=list(record_types),
        legal_basis="《社会保险法》第八十四条；《福州市社会信用管理办法》第十三条第二款",
        statutory_exception=statutory_exception,
    )
    if publish:
        query_items.publish(session, clock, authority, code)
        holders = query_staff(world, organisation) if assign_to is None else assign_to
        assign(session, clock, world, code, *holders)
    session.flush()
    return item


def query_staff(world: World, organisation: str) -> tuple[str, ...]:
    """The world's accounts in this organisation whose role queries by item."""
    return tuple(
        name
        for name, user in world.users.items()
        if user.organisation_id == world.organisations[organisation].id
        and user.role in query_assignments.QUERYING_ROLES
    )


def assign(session: Session, clock: Clock, world: World, item: str, *usernames: str) -> None:
    """The item assigned to these staff by their organisation's security officer (the
    world's ``security``, at the regulator)."""
    for username in usernames:
        query_assignments.grant(
            session, clock, actor_of(world, "security"), username=username, query_item=item
        )


def carried_over_key(
    session: Session,
    clock: Clock,
    world: World,
    *items: str,
    organisation: str = "regulator",
    role: Role = Role.QUERY_OFFICER,
) -> tuple[ApiKey, str]:
    """An organisation's system whose key worked before query items were assigned, holding
    ``items`` as migration 0042 leaves them (no granting officer), and its secret."""
    key = api_keys.create_api_key(
        session,
        clock,
        SYSTEM_ACTOR,
        organisation=world.organisations[organisation],
        role=role,
        name="审批系统",
    )
    _key, secret = api_keys.release_api_key(session, clock, SYSTEM_ACTOR, key.id)
    for code in items:
        session.add(
            QueryItemAssignment(
                query_item_id=query_items.by_code(session, code).id,
                api_key_id=key.id,
                granted_at=clock.now(),
            )
        )
    session.flush()
    return key, secret


def authorise(
    session: Session,
    clock: Clock,
    world: World,
    *,
    account: str = "citizen",
    grantee: str = "bank",
    record_types: tuple[str, ...] = (CONTRACT,),
    valid_until: dt.date | None = None,
    purpose: str = "个人住房贷款审批",
) -> Authorisation:
    return authorisations.grant(
        session,
        clock,
        actor_of(world, account),
        grantee=world.organisations[grantee],
        record_type_codes=list(record_types),
        purpose=purpose,
        valid_until=valid_until or clock.today() + dt.timedelta(days=30),
        evidence_kind="signed_in_page",
        evidence="本人同意福州测试银行查询本人合同履约信息，用于个人住房贷款审批。",
    )


def issued_on_every_authorisation(
    session: Session, clock: Clock, world: World, subject: Subject, *, account: str = "analyst"
) -> str:
    """A report the bank's analyst was issued on every authorisation of the subject's in
    force, as every report on the authorisation path was before session 18 (since, a report
    is issued on the one authorisation its reader names): issued on the first, its issuance
    logged for each of the others too, as it was then. Committed; its number."""
    bank = world.organisations["bank"].id
    first, *others = authorisations.in_force(session, subject.id, bank, clock.today())
    assert others, "a report on several authorisations needs several in force"
    actor = actor_of(world, account)
    issued = reports.issue(session, clock, actor, subject, authorisation_id=first.id)
    for other in others:
        session.add(
            AccessEvent(
                subject_id=subject.id,
                occurred_at=issued.report.issued_at,
                organisation_id=bank,
                user_id=actor.id,
                actor_role=None if actor.role is None else actor.role.value,
                legal_path=LegalPath.AUTHORISATION,
                authorisation_id=other.id,
                purpose=other.purpose,
                record_type_codes=list(other.record_type_codes),
                what="report",
                granted=True,
                report_number=issued.report.number,
            )
        )
    session.commit()
    return issued.report.number


# --- reading the way the web boundary does --------------------------------------------------

Outcome = access.Access | DomainError


def settle(session: Session, refusal: DomainError) -> None:
    """What the boundary writes after a refusal's rollback (``web.deps.settle_refusal``):
    a refused read's own audit event with the subject's log entry it witnesses, then the
    refusal's aftermath."""
    if refusal.record_refusal is not None:
        refusal.record_refusal(session, {})
    if refusal.aftermath is not None:
        refusal.aftermath(session)


def _guarded(session: Session, call: Any) -> Any:
    savepoint = session.begin_nested()
    try:
        result = call()
    except (PermissionDenied, NotAuthenticated, RateLimited) as refusal:
        savepoint.rollback()
        settle(session, refusal)
        return refusal
    except InvalidInput as refusal:
        # Asked for what the read needs (the authorisation it is for): nothing was read.
        savepoint.rollback()
        return refusal
    savepoint.commit()
    return result


def attempt(
    session: Session, clock: Clock, actor: Actor, subject: Subject, **kwargs: Any
) -> Outcome:
    """``access.open_file``; a refusal is returned (after its log entry is written)."""
    outcome: Outcome = _guarded(
        session, lambda: access.open_file(session, clock, actor, subject, **kwargs)
    )
    return outcome


def attempt_report(
    session: Session, clock: Clock, actor: Actor, subject: Subject, **kwargs: Any
) -> reports.IssuedReport | DomainError:
    outcome: reports.IssuedReport | DomainError = _guarded(
        session, lambda: reports.issue(session, clock, actor, subject, **kwargs)
    )
    return outcome


def refusal_of(outcome: object) -> tuple[str, str | None]:
    assert isinstance(outcome, DomainError), f"expected a refusal, got {outcome!r}"
    return outcome.code, outcome.article


# --- the access log, projected onto what a test can predict ---------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of a subject's access log, without its id and time."""

    organisation: str | None
    role: str | None
    legal_path: str
    query_item: str | None = None
    purpose: str | None = None
    authorisation_id: int | None = None
    record_types: tuple[str, ...] = ()
    what: str = "file"
    granted: bool = True
    refusal_code: str | None = None
    report_number: str | None = None

    @classmethod
    def of(cls, item: dict[str, Any]) -> Entry:
        """From one item of the API's (or ``LogEntry.as_dict``'s) access log."""
        return cls(
            organisation=item["organisation"],
            role=item["role"],
            legal_path=item["legal_path"],
            query_item=item["query_item"],
            purpose=item["purpose"],
            authorisation_id=item["authorisation_id"],
            record_types=tuple(item["record_types"]),
            what=item["what"],
            granted=item["granted"],
            refusal_code=item["refusal_code"],
            report_number=item["report_number"],
        )


def log_of(session: Session, subject_account: Actor) -> list[Entry]:
    """The subject's access log, oldest first."""
    session.flush()
    return [Entry.of(e.as_dict()) for e in reversed(access.access_log(session, subject_account))]


def access_events(session: Session, subject_id: int) -> list[AccessEvent]:
    session.flush()
    return list(
        session.scalars(
            select(AccessEvent).where(AccessEvent.subject_id == subject_id).order_by(AccessEvent.id)
        )
    )


def witnessed(details: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """An audit event's details without the witness of the access-log entries it vouches
    for (decision 0003), and the ids of those entries."""
    rest = dict(details)
    witness = rest.pop("witnessed")
    assert witness["table"] == "access_event"
    return rest, witness["ids"]


# --- the API --------------------------------------------------------------------------------


@dataclass
class Tokens:
    """Bearer headers per account, each account logging in once (the login limiter allows
    ten logins from one address in five minutes)."""

    client: TestClient
    cache: dict[str, dict[str, str]] = field(default_factory=dict)

    def __call__(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self.cache:
            response = self.client.post(
                "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.cache[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self.cache[username]


def error_of(response: Any) -> tuple[int, str, str | None]:
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["article"]


# --- the permission matrix (tests/test_permission_matrix.py) --------------------------------
# Builders get the matrix's committed world and commit what they add, so that every
# caller (anonymous ones too, whose refusal rolls the session back) meets the same rows.


def _matrix_catalog(world: World) -> Session:
    from xinyong.catalog import service as catalog

    session = world.session
    if catalog.load_rule_pack(session, world.clock):
        session.commit()
    return session


def _matrix_item(world: World, code: str, *, publish: bool) -> QueryItem:
    session = _matrix_catalog(world)
    item = session.scalar(select(QueryItem).where(QueryItem.code == code))
    if item is None:
        item = make_query_item(
            session, world.clock, world, code=code, record_types=(PENALTY,), publish=publish
        )
        session.commit()
    return item


def matrix_query(world: World) -> dict[str, Any]:
    """A published query item of the regulator, named with its matter."""
    _matrix_item(world, ITEM, publish=True)
    return {"query_item": ITEM, "matter": MATTER_CODE}


def matrix_draft_item(world: World) -> dict[str, Any]:
    """An unpublished query item, for the routes that publish and withdraw."""
    return {"code": _matrix_item(world, "QI-MATRIX-DRAFT", publish=False).code}


def matrix_live_item(world: World) -> dict[str, Any]:
    """A published query item of its own, for the routes that withdraw (so withdrawing it
    does not take the item other routes use out of service)."""
    return {"code": _matrix_item(world, "QI-MATRIX-LIVE", publish=True).code}


def matrix_assignment(world: World) -> dict[str, Any]:
    """A published item of the regulator that nobody holds yet (each call makes one), for
    the security officer to assign to the querier."""
    session = _matrix_catalog(world)
    code = f"QI-MATRIX-A{next(_numbers)}"
    make_query_item(session, world.clock, world, code=code, record_types=(PENALTY,), assign_to=())
    session.commit()
    return {"username": "querier", "query_item": code}


def matrix_held_assignment(world: World) -> dict[str, Any]:
    """An assignment in force (each call makes one), for the routes that withdraw it."""
    session = world.session
    item = matrix_assignment(world)["query_item"]
    held = query_assignments.grant(
        session, world.clock, actor_of(world, "security"), username="querier", query_item=item
    )
    session.commit()
    return {"assignment_id": held.id}


def matrix_new_item(world: World) -> dict[str, Any]:
    _matrix_catalog(world)
    return {
        "code": "QI-MATRIX-NEW",
        "organisation": world.organisations["regulator"].code,
        "matter": MATTER,
        "matter_code": MATTER_CODE,
        "record_types": [PENALTY],
        "legal_basis": "《福州市社会信用管理办法》第十三条第二款",
    }


def matrix_grant(world: World) -> dict[str, Any]:
    _matrix_catalog(world)
    return {
        "grantee": world.organisations["bank"].code,
        "record_types": [CONTRACT],
        "purpose": "贷款审批",
        "valid_until": (world.clock.today() + dt.timedelta(days=30)).isoformat(),
        "evidence_kind": "signed_in_page",
        "evidence": "本人同意",
    }


def _matrix_report(world: World) -> tuple[str, str]:
    """A report the company issued about itself, once per world: (number, code)."""
    session = world.session
    issued: tuple[str, str] | None = session.info.get("matrix_report")
    if issued is None:
        company = world.subjects["company"]
        report = reports.issue(session, world.clock, actor_of(world, "company"), company)
        issued = (report.report.number, str(report.content["verification_code"]))
        session.info["matrix_report"] = issued
        session.commit()
    return issued


def matrix_report_number(world: World) -> dict[str, Any]:
    return {"number": _matrix_report(world)[0]}


def matrix_report_code(world: World) -> dict[str, Any]:
    return {"code": _matrix_report(world)[1]}


def matrix_issued_report(world: World) -> dict[str, Any]:
    """A report the regulator's querier was issued about the company on the published
    query item, once per world: the querier and the colleagues who hold the item (in the
    matrix's world every querying account of the regulator) may open it again."""
    session = world.session
    number: str | None = session.info.get("matrix_issued_report")
    if number is None:
        item = matrix_query(world)
        issued = reports.issue(
            session,
            world.clock,
            actor_of(world, "querier"),
            world.subjects["company"],
            query_item_code=item["query_item"],
            matter=item["matter"],
        )
        number = issued.report.number
        session.info["matrix_issued_report"] = number
        session.commit()
    return {"number": number}


__all__ = [
    "ANNULMENT",
    "ARREARS",
    "CONTRACT",
    "FULL_CITIZEN_ID",
    "ITEM",
    "MATTER",
    "MATTER_CODE",
    "PENALTY",
    "Entry",
    "Tokens",
    "access_events",
    "actor_of",
    "arrears",
    "attempt",
    "attempt_report",
    "authorise",
    "company_penalty",
    "contract_breach",
    "disclosure_world",
    "error_of",
    "give_consent",
    "issued_on_every_authorisation",
    "log_of",
    "make_query_item",
    "matrix_draft_item",
    "matrix_grant",
    "matrix_issued_report",
    "matrix_new_item",
    "matrix_query",
    "matrix_report_code",
    "matrix_report_number",
    "person_penalty",
    "refusal_of",
    "revoke_record",
    "settle",
    "versions_of",
    "witnessed",
]
