"""Synthetic demo data: one account per role, organisations and subjects.

Every name and code here is made up; the codes carry valid check characters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.clock import Clock
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole
from xinyong.synthetic import make_citizen_id, make_uscc

# Published in the README: demo accounts exist only in synthetic demo databases.
DEMO_PASSWORD = "xinyong-demo-2026"  # noqa: S105

DEMO_ORGANISATIONS: tuple[tuple[str, str, OrganisationKind], ...] = (
    ("12350100MB0000019Q", "福州市公共信用信息中心", OrganisationKind.PLATFORM_OPERATOR),
    (
        "11350100MB0000027N",
        "福州市发展和改革委员会（社会信用主管部门）",
        OrganisationKind.CREDIT_AUTHORITY,
    ),
    ("113501000036441868", "福州市市场监督管理局", OrganisationKind.STATE_ORGAN),
    ("11350100MB0000035H", "福州市中级人民法院", OrganisationKind.JUDICIAL_ORGAN),
    ("91350100MB00000434", "福州海峡商业银行股份有限公司", OrganisationKind.FINANCIAL_INSTITUTION),
    ("51350100MB00000513", "福州市餐饮行业协会", OrganisationKind.INDUSTRY_ASSOCIATION),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    organisation_code: str | None
    description: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", Role.PLATFORM_ADMIN, "12350100MB0000019Q", "platform administrator"),
    DemoAccount(
        "authority", Role.CREDIT_AUTHORITY_OFFICER, "11350100MB0000027N", "credit authority officer"
    ),
    DemoAccount(
        "reporter", Role.DATA_REPORTER, "113501000036441868", "data reporter, market regulator"
    ),
    DemoAccount(
        "querier", Role.QUERY_OFFICER, "113501000036441868", "query officer, market regulator"
    ),
    DemoAccount(
        "caseofficer", Role.CASE_OFFICER, "113501000036441868", "case officer, market regulator"
    ),
    DemoAccount(
        "security",
        Role.SECURITY_OFFICER,
        "113501000036441868",
        "security officer, market regulator",
    ),
    DemoAccount("objections", Role.OBJECTION_HANDLER, "11350100MB0000027N", "objection handler"),
    DemoAccount("analyst", Role.INSTITUTION_ANALYST, "91350100MB00000434", "bank analyst"),
    DemoAccount("citizen", Role.SUBJECT, None, "natural person 王某某"),
    DemoAccount("company", Role.SUBJECT, None, "company 福州晨光文具贸易有限公司"),
)

DEMO_COMPANIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("91350100MG59YK161P", "福州晨光文具贸易有限公司", ("福州晨光文具店",)),
    ("91350100T5A3HDXJ4X", "福州海峡物流有限公司", ()),
    ("91350100WWAPA40225", "福建榕城餐饮管理有限公司", ("福州榕城餐饮有限公司",)),
    ("923501008HFML5U07D", "福州鼓楼区老王小吃店", ()),
)
DEMO_PERSON = ("王某某", "350102199403157723")


def is_seeded(session: Session) -> bool:
    return session.scalar(select(UserAccount.id).where(UserAccount.username == "admin")) is not None


def seed(session: Session, clock: Clock, *, extra_companies: int = 40) -> None:
    if is_seeded(session):
        return
    actor = SYSTEM_ACTOR
    organisations: dict[str, Organisation] = {}
    for code, name, kind in DEMO_ORGANISATIONS:
        organisations[code] = accounts.create_organisation(
            session, clock, actor, code=code, name=name, kind=kind
        )
    companies = {}
    for code, name, former in DEMO_COMPANIES:
        companies[code] = subjects.register_organisation(
            session, clock, actor, name=name, uscc=code, former_names=former
        )
    subjects.add_responsible_person(
        session,
        clock,
        actor,
        companies["91350100MG59YK161P"],
        role=ResponsibleRole.LEGAL_REPRESENTATIVE,
        name="陈某",
        citizen_id="35010319800101123X",
    )
    person = subjects.register_natural_person(
        session, clock, actor, name=DEMO_PERSON[0], citizen_id=DEMO_PERSON[1]
    )
    rng = random.Random(20261128)
    words = ("闽江", "鼓山", "三坊", "七巷", "榕树", "海峡", "东街", "茉莉", "脱胎", "寿山")
    trades = ("科技", "贸易", "建设", "食品", "物流", "文化", "医药", "电子")
    for index in range(extra_companies):
        name = f"福州{rng.choice(words)}{rng.choice(words)}{rng.choice(trades)}有限公司"
        if index % 7 == 0:
            name = name.replace("有限公司", f"第{index}分公司")
        subjects.register_organisation(session, clock, actor, name=name, uscc=make_uscc(rng))
    for account in DEMO_ACCOUNTS:
        subject_id = None
        if account.username == "citizen":
            subject_id = person.id
        elif account.username == "company":
            subject_id = companies["91350100MG59YK161P"].id
        accounts.create_user(
            session,
            clock,
            actor,
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            display_name=account.description,
            organisation=organisations[account.organisation_code]
            if account.organisation_code
            else None,
            subject_id=subject_id,
        )
    # A second citizen gives tests "another subject" without touching the demo person.
    make_citizen_id(rng)
