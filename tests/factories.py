"""Factories that build rows through the services (so encryption and audit happen too)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any, ClassVar

import factory
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.recorded_setup import build_or_replay
from xinyong.accounts import api_keys
from xinyong.accounts import service as accounts
from xinyong.accounts.models import ApiKey, Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.catalog.models import DISTRICTS
from xinyong.clock import Clock
from xinyong.institutions import register as institutions
from xinyong.institutions.models import CreditServiceInstitution
from xinyong.subjects import service as subjects
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_citizen_id, make_uscc

PASSWORD = "correct horse battery"
_rng = random.Random(42)


class _Bound:
    session: ClassVar[Session | None] = None
    clock: ClassVar[Clock | None] = None


def bind(session: Session, clock: Clock) -> None:
    _Bound.session, _Bound.clock = session, clock


class _ServiceFactory(factory.Factory):  # type: ignore[misc]
    class Meta:
        abstract = True

    @classmethod
    def _context(cls) -> tuple[Session, Clock]:
        assert _Bound.session is not None, "call factories.bind first"
        assert _Bound.clock is not None
        return _Bound.session, _Bound.clock


class OrganisationFactory(_ServiceFactory):
    class Meta:
        model = Organisation

    code = factory.LazyFunction(lambda: make_uscc(_rng, prefix="11"))
    name = factory.Sequence(lambda n: f"福州市测试局{n}")
    kind = OrganisationKind.STATE_ORGAN

    @classmethod
    def _create(cls, model_class: Any, **kwargs: Any) -> Organisation:
        session, clock = cls._context()
        return accounts.create_organisation(session, clock, SYSTEM_ACTOR, **kwargs)


class CompanyFactory(_ServiceFactory):
    class Meta:
        model = Subject

    uscc = factory.LazyFunction(lambda: make_uscc(_rng))
    name = factory.Sequence(lambda n: f"福州测试{n}号贸易有限公司")
    former_names: tuple[str, ...] = ()

    @classmethod
    def _create(cls, model_class: Any, **kwargs: Any) -> Subject:
        session, clock = cls._context()
        return subjects.register_organisation(session, clock, SYSTEM_ACTOR, **kwargs)


class PersonFactory(_ServiceFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"测试人{n}")
    citizen_id = factory.LazyFunction(lambda: make_citizen_id(_rng))

    @classmethod
    def _create(cls, model_class: Any, **kwargs: Any) -> Subject:
        session, clock = cls._context()
        return subjects.register_natural_person(session, clock, SYSTEM_ACTOR, **kwargs)


class UserFactory(_ServiceFactory):
    class Meta:
        model = UserAccount

    username = factory.Sequence(lambda n: f"user{n}")
    password = PASSWORD
    role = Role.DATA_REPORTER
    organisation = None
    subject_id = None

    @classmethod
    def _create(cls, model_class: Any, **kwargs: Any) -> UserAccount:
        session, clock = cls._context()
        if kwargs.get("role") is Role.SUBJECT:
            # As a subject does (decision 0031): the code issued, then activated with the
            # password.
            password = kwargs.pop("password")
            kwargs.pop("role")
            kwargs.pop("organisation", None)
            user = accounts.create_subject_account(session, clock, SYSTEM_ACTOR, **kwargs)
            issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
            return accounts.activate(
                session, clock, username=issued.user.username, code=issued.code, password=password
            )
        return accounts.create_user(session, clock, SYSTEM_ACTOR, **kwargs)


def district_authority(jurisdiction: str = "350102", *, username: str | None = None) -> UserAccount:
    """The credit authority of a district (Art. 6) and one officer of it, who writes the
    district's rules (Art. 35, decision 0040); its username is ``username`` or
    ``authority_<jurisdiction>``."""
    names = dict(DISTRICTS)
    organisation = OrganisationFactory(
        name=f"{names.get(jurisdiction, jurisdiction)}发展和改革局",
        kind=OrganisationKind.CREDIT_AUTHORITY,
        jurisdiction=jurisdiction,
    )
    return UserFactory(
        username=username or f"authority_{jurisdiction}",
        role=Role.CREDIT_AUTHORITY_OFFICER,
        organisation=organisation,
    )


def released_api_key(
    session: Session, clock: Clock, organisation: Organisation, role: Role, name: str
) -> tuple[ApiKey, str]:
    """A key registered and its secret released (decision 0033), both by the operator,
    and the secret; tests of the two steps themselves use ``api_keys``."""
    key = api_keys.create_api_key(
        session, clock, SYSTEM_ACTOR, organisation=organisation, role=role, name=name
    )
    return api_keys.release_api_key(session, clock, SYSTEM_ACTOR, key.id)


class InstitutionFactory(_ServiceFactory):
    """A credit service institution entered in the register (Art. 26), and, when
    ``organisation`` is true, its organisation on the platform (same code) too."""

    class Meta:
        model = CreditServiceInstitution

    uscc = factory.LazyFunction(lambda: make_uscc(_rng))
    name = factory.Sequence(lambda n: f"福州测试{n}号信用评估有限公司")
    filing_number = factory.Sequence(lambda n: f"闽信备〔2026〕{n:04d}号")
    filing_date = factory.LazyFunction(lambda: dt.date(2026, 3, 1))
    business_scope = "信用评价、信用管理咨询"
    services = factory.LazyFunction(lambda: ["信用评价报告", "信用管理咨询"])

    @classmethod
    def _create(cls, model_class: Any, **kwargs: Any) -> CreditServiceInstitution:
        session, clock = cls._context()
        return institutions.register(session, clock, SYSTEM_ACTOR, **kwargs)


@dataclass
class World:
    """A small city: the agencies, one account per role, and subjects to look at."""

    session: Session
    clock: Clock
    organisations: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, UserAccount] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)

    @classmethod
    def build(cls, session: Session, clock: Clock) -> World:
        """Built through the services; after the first time in a worker, the same rows
        written again where the database is as it was then (tests/recorded_setup.py)."""
        bind(session, clock)
        hasher = accounts._hasher
        # The instant with its offset: the same instant elsewhere is another day.
        now = clock.now().isoformat()
        key = ("world", now, hasher.time_cost, hasher.memory_cost, hasher.parallelism)

        def build() -> dict[str, dict[str, Any]]:
            world = cls._build(session, clock)
            return {
                "organisations": world.organisations,
                "users": world.users,
                "subjects": world.subjects,
            }

        groups = build_or_replay(session, key, build)
        return cls(session, clock, **groups)

    @classmethod
    def _build(cls, session: Session, clock: Clock) -> World:
        world = cls(session, clock)
        orgs = world.organisations
        orgs["operator"] = OrganisationFactory(
            name="福州市公共信用信息中心", kind=OrganisationKind.PLATFORM_OPERATOR
        )
        orgs["authority"] = OrganisationFactory(
            name="福州市发改委", kind=OrganisationKind.CREDIT_AUTHORITY
        )
        orgs["regulator"] = OrganisationFactory(name="福州市市场监督管理局")
        orgs["other_agency"] = OrganisationFactory(name="福州市生态环境局")
        orgs["bank"] = OrganisationFactory(
            name="福州测试银行", kind=OrganisationKind.FINANCIAL_INSTITUTION, code=make_uscc(_rng)
        )
        world.subjects["company"] = CompanyFactory(
            name="福州晨光文具贸易有限公司", former_names=("福州晨光文具店",)
        )
        world.subjects["other_company"] = CompanyFactory(name="福州海峡物流有限公司")
        world.subjects["person"] = PersonFactory(name="王某某")
        world.subjects["other_person"] = PersonFactory(name="李某某")
        staff = {
            "admin": (Role.PLATFORM_ADMIN, "operator"),
            "authority": (Role.CREDIT_AUTHORITY_OFFICER, "authority"),
            "reporter": (Role.DATA_REPORTER, "regulator"),
            "querier": (Role.QUERY_OFFICER, "regulator"),
            "caseofficer": (Role.CASE_OFFICER, "regulator"),
            "security": (Role.SECURITY_OFFICER, "regulator"),
            "objections": (Role.OBJECTION_HANDLER, "authority"),
            "analyst": (Role.INSTITUTION_ANALYST, "bank"),
            "other_reporter": (Role.DATA_REPORTER, "other_agency"),
        }
        for username, (role, org) in staff.items():
            world.users[username] = UserFactory(
                username=username, role=role, organisation=orgs[org]
            )
        for username, subject in (
            ("citizen", "person"),
            ("company", "company"),
            ("other_citizen", "other_person"),
        ):
            world.users[username] = UserFactory(
                username=username, role=Role.SUBJECT, subject_id=world.subjects[subject].id
            )
        session.flush()
        return world


ALL_ACCOUNTS = (
    "admin",
    "authority",
    "reporter",
    "querier",
    "caseofficer",
    "security",
    "objections",
    "analyst",
    "citizen",
    "company",
)


def auth_headers(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def record_objection(
    session: Session,
    clock: Clock,
    world: World,
    record_id: int,
    *,
    account: str = "company",
    ground: str = "error",
    statement: str = "罚款金额有误，应为壹万元",
) -> Any:
    """An objection of a subject account of the world to one of its records (Art. 25),
    raised through the service (so the record's version and the audit are written too)."""
    from xinyong.objections import service as objections

    return objections.raise_objection(
        session,
        clock,
        accounts.actor_for_user(world.users[account]),
        record_id,
        ground=ground,
        statement=statement,
    )
