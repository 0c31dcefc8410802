"""Synthetic demo data: one account per role, organisations and subjects.

Every name and code here is made up; the codes carry valid check characters.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts import service as accounts
from xinyong.accounts.models import Organisation, OrganisationKind, Role, UserAccount
from xinyong.accounts.permissions import ANONYMOUS_ACTOR, SYSTEM_ACTOR, Actor
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEvent
from xinyong.calendar import add_years
from xinyong.clock import Clock
from xinyong.collection import consent, members, pipeline, readers, sources
from xinyong.collection.models import CreditRecord
from xinyong.config import Settings, StartRefused
from xinyong.disclosure import authorisations, query_assignments, query_items
from xinyong.institutions import register as institutions
from xinyong.lists import entries
from xinyong.objections import service as objections
from xinyong.objections.models import Ground
from xinyong.publicity import cases as typical_cases
from xinyong.publicity.models import CaseKind
from xinyong.repair import rules as repair_rules
from xinyong.repair import service as repair
from xinyong.subjects import service as subjects
from xinyong.subjects.models import ResponsibleRole, Subject
from xinyong.synthetic import make_uscc

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
    (
        "91350100MB0000078N",
        "福州闽信信用评估有限公司",
        OrganisationKind.CREDIT_SERVICE_INSTITUTION,
    ),
    # A district's credit authority, which writes its district's rules only (Art. 6, 35;
    # decision 0040).
    (
        "11350181M59BBJ3Y4L",
        "福清市发展和改革局（社会信用主管部门）",
        OrganisationKind.CREDIT_AUTHORITY,
    ),
    # A source of 福清市's own: its district's credit authority supervises it, and none of
    # the city's organisations (Art. 6; decision 0046).
    ("11350181MB0000094Y", "福清市市场监督管理局", OrganisationKind.STATE_ORGAN),
)
# The organisations not of the city itself (350100): their county or district (GB/T 2260).
FUQING_REGULATOR = "11350181MB0000094Y"
DEMO_JURISDICTIONS = {"11350181M59BBJ3Y4L": "350181", FUQING_REGULATOR: "350181"}  # 福清市
# The credit service institution above, entered in the credit authority's register
# (Art. 26): code, filing number, filing date, business scope, services.
DEMO_INSTITUTION = (
    "91350100MB0000078N",
    "闽信用备〔2026〕001号",
    dt.date(2026, 3, 2),
    "企业信用评价、信用管理咨询、信用报告",
    ("信用评价报告", "信用管理咨询"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    organisation_code: str | None
    description: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin", Role.PLATFORM_ADMIN, "12350100MB0000019Q", "平台管理员"),
    DemoAccount(
        "authority", Role.CREDIT_AUTHORITY_OFFICER, "11350100MB0000027N", "信用主管部门工作人员"
    ),
    # A second officer of the credit authority: typical cases are drafted by one officer and
    # published by another (Art. 32, /admin/typical-cases).
    DemoAccount(
        "authority2",
        Role.CREDIT_AUTHORITY_OFFICER,
        "11350100MB0000027N",
        "信用主管部门审核人",
    ),
    DemoAccount("reporter", Role.DATA_REPORTER, "113501000036441868", "市场监管局信息报送员"),
    DemoAccount("querier", Role.QUERY_OFFICER, "113501000036441868", "市场监管局查询员"),
    DemoAccount("caseofficer", Role.CASE_OFFICER, "113501000036441868", "市场监管局承办人"),
    DemoAccount(
        "security",
        Role.SECURITY_OFFICER,
        "113501000036441868",
        "市场监管局保密审查员",
    ),
    # The court's staff who send its records: they confirm that a judgment defaulter has
    # performed, and the entry leaves the black list (/court-defaulters; decision 0045).
    DemoAccount("court", Role.DATA_REPORTER, "11350100MB0000035H", "中级法院执行局信息报送员"),
    # The catering association's staff who send its evaluations: they keep its member
    # register, since it records its members' information only (/members, Art. 10 ¶1;
    # decision 0032).
    DemoAccount("association", Role.DATA_REPORTER, "51350100MB00000513", "餐饮行业协会信息报送员"),
    DemoAccount("objections", Role.OBJECTION_HANDLER, "11350100MB0000027N", "异议处理员"),
    DemoAccount(
        "caseofficer2",
        Role.CASE_OFFICER,
        "113501000036441868",
        "市场监管局审核人",
    ),
    DemoAccount("analyst", Role.INSTITUTION_ANALYST, "91350100MB00000434", "银行信贷审查员"),
    # The credit service institution's analyst: reads on the company's written authorisation
    # for the credit evaluation it provides (Art. 26-27).
    DemoAccount("minxin", Role.INSTITUTION_ANALYST, "91350100MB0000078N", "信用评价分析师"),
    DemoAccount("citizen", Role.SUBJECT, None, "王某某"),
    DemoAccount("company", Role.SUBJECT, None, "福州晨光文具贸易有限公司"),
    # The seriously dishonest organisation, which objects to its published entry.
    DemoAccount("mindu", Role.SUBJECT, None, "福州闽都食品加工有限公司"),
    # 福清市's credit authority officer: 福清市's own rules (Art. 35), not the city's.
    DemoAccount(
        "fuqing",
        Role.CREDIT_AUTHORITY_OFFICER,
        "11350181M59BBJ3Y4L",
        "福清市信用主管部门工作人员",
    ),
)

DEMO_COMPANIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("91350100MG59YK161P", "福州晨光文具贸易有限公司", ("福州晨光文具店",)),
    ("91350100T5A3HDXJ4X", "福州海峡物流有限公司", ()),
    ("91350100WWAPA40225", "福建榕城餐饮管理有限公司", ("福州榕城餐饮有限公司",)),
    ("923501008HFML5U07D", "福州鼓楼区老王小吃店", ()),
    ("91350100M53MEA761Q", "福州闽都食品加工有限公司", ()),
    ("91350100M0DM95UY6B", "福州茉莉花茶业有限公司", ()),
)
DEMO_PERSON = ("王某某", "350102199403157723")
# The catering association's members (Art. 10 ¶1): code, name, whole years a member by
# today, and the membership agreement under which it records their credit information.
DEMO_ASSOCIATION = "51350100MB00000513"
DEMO_MEMBERS: tuple[tuple[str, str, int, str], ...] = (
    ("91350100WWAPA40225", "福建榕城餐饮管理有限公司", 3, "榕餐协会员协议第018号"),
    ("923501008HFML5U07D", "福州鼓楼区老王小吃店", 1, "榕餐协会员协议第102号"),
)
# The citizen's two written authorisations to the bank, each for its purpose (Art. 13 ¶3):
# its contract records for a housing loan, and its list status and grade for pricing a
# credit card (Art. 19, the ``credit_status`` scope).
HOUSING_LOAN_PURPOSE = "住房贷款审批"
CREDIT_CARD_PURPOSE = "信用卡风险定价"
# A seriously dishonest organisation (Art. 17, 18): its legal representative is registered
# with the company; the proposing agency names the directly responsible person.
SERIOUS_ORGANISATION = ("91350100M53MEA761Q", "福州闽都食品加工有限公司")
SERIOUS_LEGAL_REPRESENTATIVE = ("林某某", "350102198006286439")
SERIOUS_DIRECTLY_RESPONSIBLE = ("黄某某", "350104198507161872")
# The red-list candidate in public comment: no list entry and no record but its registration
# (established years ago), so it meets the integrity-model standard's "no bad credit record
# for three years" (Art. 14 ¶2), with the three years on record to show it.
RED_CANDIDATE = ("91350100M0DM95UY6B", "福州茉莉花茶业有限公司")
RED_CANDIDATE_COMMENT = "该企业所称获评市级诚信示范企业，未见公示文件，请核实。"
# The seriously dishonest organisation's objection to its published entry (Art. 25), waiting
# for the approving officer who did not propose it (`caseofficer2`, /lists-queue) or the
# objection handler (/list-objections).
SERIOUS_OBJECTION = (
    "本公司已对榕市监处罚〔2026〕907号处罚决定申请行政复议，复议机关已受理；"
    "所称添加的物质为食品添加剂，并非非食用物质，请核查列入严重失信主体名单的依据。"
)


SEED_ACTION = "demo.seed"


class DatabaseInUse(RuntimeError):
    """The demo is not loaded into a database that holds organisations, accounts or
    subjects of its own: its accounts have the password the README publishes."""


def accounts_with_the_published_password(session: Session) -> list[str]:
    """The demo's accounts present whose password is still ``DEMO_PASSWORD``, which the
    README publishes: anyone may log in as them (decision 0053). Only the accounts bearing a
    demo account's name are checked, and at the first found the search stops (each check
    is a password hash, ~0.1 s)."""
    names = [account.username for account in DEMO_ACCOUNTS]
    for user in session.scalars(
        select(UserAccount).where(UserAccount.username.in_(names)).order_by(UserAccount.id)
    ):
        if accounts.password_is(user, DEMO_PASSWORD):
            return [user.username]
    return []


def refuse_in_production(session: Session, settings: Settings) -> None:
    """``StartRefused`` where the platform is declared production
    (``XINYONG_ENVIRONMENT=production``) and a demo account with the published password is
    in its database (decision 0053)."""
    if settings.environment != "production":
        return
    found = accounts_with_the_published_password(session)
    if found:
        raise StartRefused(
            f"refused: the platform is declared production (XINYONG_ENVIRONMENT) and its "
            f"database holds the demo account {found[0]!r} with the demo password the README "
            "publishes: anyone could log in as it. Set this database up anew without --demo, "
            "or, for a trial platform, unset XINYONG_ENVIRONMENT"
        )


def is_seeded(session: Session) -> bool:
    """Whether the demo was loaded: its ``demo.seed`` event, or — a demo database loaded by
    a release before the event — its ``admin`` with the published password."""
    if session.scalar(select(AuditEvent.sequence).where(AuditEvent.action == SEED_ACTION)):
        return True
    admin = session.scalar(select(UserAccount).where(UserAccount.username == "admin"))
    return admin is not None and accounts.password_is(admin, DEMO_PASSWORD)


def holds_data(session: Session) -> bool:
    """Whether the database holds anything but the rule packs: an organisation, an account
    or a subject (every record, batch, list entry and case belongs to one of them)."""
    return any(
        session.scalar(select(model.id).limit(1)) is not None
        for model in (Organisation, UserAccount, Subject)
    )


def seed(session: Session, clock: Clock, *, extra_companies: int = 40) -> bool:
    """Load the demo into a database holding only the rule packs; True when loaded, False
    when it was loaded before (nothing changes). ``DatabaseInUse`` for a database holding
    data of its own: the demo's accounts, with their published password, would be a way
    into it, and its made-up black-list entries would sit among real ones (decision 0053)."""
    if is_seeded(session):
        return False
    if holds_data(session):
        raise DatabaseInUse(
            "refused: the database holds organisations, accounts or subjects of its own; the "
            "demo's accounts, whose password is published, and its made-up records and list "
            "entries are loaded only into a new database (`xinyong init` without --demo "
            "sets this one up)"
        )
    audit.record(
        session,
        clock,
        audit.SYSTEM,
        SEED_ACTION,
        details={
            "accounts": len(DEMO_ACCOUNTS),
            "organisations": len(DEMO_ORGANISATIONS),
            "extra_companies": extra_companies,
        },
    )
    actor = SYSTEM_ACTOR
    organisations: dict[str, Organisation] = {}
    for code, name, kind in DEMO_ORGANISATIONS:
        organisations[code] = accounts.create_organisation(
            session,
            clock,
            actor,
            code=code,
            name=name,
            kind=kind,
            jurisdiction=DEMO_JURISDICTIONS.get(code, "350100"),
        )
    code, filing_number, filing_date, scope, services = DEMO_INSTITUTION
    institutions.register(
        session,
        clock,
        actor,
        uscc=code,
        name=organisations[code].name,
        filing_number=filing_number,
        filing_date=filing_date,
        business_scope=scope,
        services=list(services),
    )
    companies = {}
    for code, name, former in DEMO_COMPANIES:
        companies[code] = subjects.register_organisation(
            session, clock, actor, name=name, uscc=code, former_names=former
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
    _seed_accounts(
        session,
        clock,
        organisations,
        {
            "citizen": person.id,
            "company": companies["91350100MG59YK161P"].id,
            "mindu": companies[SERIOUS_ORGANISATION[0]].id,
        },
    )
    seed_activity(session, clock)
    return True


def _seed_accounts(
    session: Session,
    clock: Clock,
    organisations: dict[str, Organisation],
    subject_ids: dict[str, int],
) -> None:
    """Every demo account is activated with a code and the demo password, as its holder
    would (decisions 0031, 0033): nobody is given a password. The operator (the command
    line) makes the first two, ``admin`` and ``authority``; then ``admin`` creates the
    others and ``authority`` releases their codes, so each account's page shows who did."""
    made: dict[str, Actor] = {}
    for account in DEMO_ACCOUNTS:
        by_operator = account.username in ("admin", "authority")
        user = accounts.create_user(
            session,
            clock,
            SYSTEM_ACTOR if by_operator else made["admin"],
            username=account.username,
            password=None,
            role=account.role,
            display_name=account.description,
            organisation=organisations[account.organisation_code]
            if account.organisation_code
            else None,
            subject_id=subject_ids.get(account.username),
        )
        issued = accounts.issue_activation_code(
            session,
            clock,
            SYSTEM_ACTOR if by_operator else made["authority"],
            user.id,
            account="any",
        )
        accounts.activate(
            session, clock, username=account.username, code=issued.code, password=DEMO_PASSWORD
        )
        made[account.username] = accounts.actor_for_user(user)


class _Earlier:
    """The real clock moved back, for demo steps that must lie in the past (a proposal
    whose comment period is already over)."""

    def __init__(self, clock: Clock, days: int) -> None:
        self._clock, self._delta = clock, dt.timedelta(days=days)

    def now(self) -> dt.datetime:
        return self._clock.now() - self._delta

    def today(self) -> dt.date:
        return self._clock.today() - self._delta


def _window_closed(session: Session, clock: Clock, standard_code: str, days: int) -> _Earlier:
    """At least ``days`` ago, and early enough that a candidacy proposed then under the
    standard has its comment or objection window closed today: a window ending on a holiday
    runs to the next working day (民法典 Art. 203), so the demo is the same whatever day it
    is made on."""
    std = entries.standard(session, standard_code)
    while entries.window_end(session, std, clock.today() - dt.timedelta(days=days)) >= (
        clock.today()
    ):
        days += 1
    return _Earlier(clock, days)


def _user(session: Session, username: str) -> Actor:
    user = session.scalar(select(UserAccount).where(UserAccount.username == username))
    assert user is not None
    return accounts.actor_for_user(user)


def _ingest(
    session: Session,
    clock: Clock,
    organisation: Organisation,
    code: str,
    rows: list[dict[str, str]],
) -> None:
    source = readers.rows_from_objects(rows)
    pipeline.ingest(
        session,
        clock,
        SYSTEM_ACTOR,
        pipeline.Submission(
            organisation, code, "cli", content_hash=f"demo-{code}-{len(rows)}", filename="demo"
        ),
        source.headers,
        source,
    )


# The legal representatives the demo's registration records name (name, citizen ID).
DEMO_LEGAL_REPRESENTATIVES: dict[str, tuple[str, str]] = {
    "91350100MG59YK161P": ("陈某", "35010319800101123X"),
    SERIOUS_ORGANISATION[0]: SERIOUS_LEGAL_REPRESENTATIVE,
}


def _penalty(session: Session, subject: Subject, number: str) -> int:
    """The demo penalty of that number about the subject: what its black-list entry rests on."""
    found = session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_id == subject.id,
            CreditRecord.natural_key == f"{subject.id}|{number}",
        )
    )
    assert found is not None, number
    return found


def _legal_representative_columns(code: str) -> dict[str, str]:
    named = DEMO_LEGAL_REPRESENTATIVES.get(code)
    if named is None:
        return {}
    return {"legal_representative": named[0], "id_type": "身份证", "id_number": named[1]}


# Each penalty's legal basis, its fine in 10,000 yuan (the 双公示 罚款金额(万元), as the
# penalty's content states it) and, where the source states one, its severity: the
# food-safety penalty behind the seriously dishonest listing is serious (its publicity and
# the listing rest on it).
PENALTY_PARTICULARS: dict[str, dict[str, str]] = {
    "榕市监处罚〔2026〕900号": {
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "fine_amount": "1.5",
    },
    "榕市监处罚〔2025〕311号": {
        "legal_basis": "《企业信息公示暂行条例》第十七条",
    },
    "榕市监处罚〔2025〕188号": {
        "legal_basis": "《价格违法行为行政处罚规定》第十三条",
        "fine_amount": "0.3",
    },
    "榕市监处罚〔2026〕901号": {
        "legal_basis": "《中华人民共和国市场主体登记管理条例》第四十六条",
        "fine_amount": "0.5",
    },
    "榕市监处罚〔2026〕903号": {
        "legal_basis": "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项",
        "fine_amount": "2",
    },
    "榕市监处罚〔2026〕907号": {
        "legal_basis": "《中华人民共和国食品安全法》第一百二十三条第一款第（一）项",
        "fine_amount": "50",
        "severity": "serious",
    },
}


def _seed_member_register(session: Session, clock: Clock, association: Organisation) -> None:
    """The association's staff enter its members under their agreements, and it evaluates
    one of them: an evaluation is accepted only about a member on its date (Art. 10 ¶1)."""
    sources.grant(session, clock, SYSTEM_ACTOR, association, "association_evaluation")
    keeper, today = _user(session, "association"), clock.today()
    for code, name, years, agreement in DEMO_MEMBERS:
        members.add(
            session,
            clock,
            keeper,
            uscc=code,
            name=name,
            since=add_years(today, -years),
            agreement_reference=agreement,
        )
    code, name, _years, _agreement = DEMO_MEMBERS[0]
    _ingest(
        session,
        clock,
        association,
        "association_evaluation",
        [
            {
                "subject_name": name,
                "subject_category": "法人及非法人组织",
                "subject_uscc": code,
                "evaluation_name": "会员信用等级评价",
                "grade": "AAA",
                "evaluated_on": (today - dt.timedelta(days=30)).isoformat(),
                "membership_status": "会员",
            }
        ],
    )


def seed_activity(session: Session, clock: Clock) -> None:
    """Records through the real pipeline, a published query item, list entries, a court
    defaulter, an association's member register, a consent and authorisations: enough to
    try every page."""
    orgs = {o.code: o for o in accounts.list_organisations(session)}
    regulator, court, bank = (
        orgs["113501000036441868"],
        orgs["11350100MB0000035H"],
        orgs["91350100MB00000434"],
    )
    for organisation, code in (
        (regulator, "registration"),
        (regulator, "administrative_penalty"),
        (regulator, "administrative_license"),
        (regulator, "administrative_inspection"),
        (court, "court_judgment_defaulter"),
        (bank, "contract_performance"),
    ):
        sources.grant(session, clock, SYSTEM_ACTOR, organisation, code)
    today = clock.today()
    authority = {
        "authority": regulator.name,
        "authority_uscc": regulator.code,
        "source_unit": regulator.name,
        "source_unit_uscc": regulator.code,
    }
    # The companies' registrations (登记注册), established years ago: their establishment is
    # what "three years without a bad credit record" counts from (Art. 16(1), Art. 14 ¶2).
    # Two name their legal representative, whom the register of responsible persons takes
    # from the record (Art. 18, decision 0038): the serious organisation's is then named on
    # its black-list entry.
    _ingest(
        session,
        clock,
        regulator,
        "registration",
        [
            {
                "subject_name": name,
                "subject_category": "法人及非法人组织",
                "subject_uscc": code,
                "entity_type": "有限责任公司",
                "established_on": add_years(today, -(4 + index)).isoformat(),
                "registration_authority": regulator.name,
                "source_unit": regulator.name,
                "source_unit_uscc": regulator.code,
                "authority": regulator.name,
                "authority_uscc": regulator.code,
                **_legal_representative_columns(code),
            }
            for index, (code, name, _former) in enumerate(DEMO_COMPANIES)
            if code.startswith("91")
        ],
    )
    penalties = [
        (
            "91350100MG59YK161P",
            "福州晨光文具贸易有限公司",
            "榕市监处罚〔2026〕900号",
            "虚假宣传",
            "罚款",
            "罚款人民币壹万伍仟元",
            60,
        ),
        (
            "91350100MG59YK161P",
            "福州晨光文具贸易有限公司",
            "榕市监处罚〔2025〕311号",
            "未按规定公示年报",
            "警告",
            "警告",
            200,
        ),
        # Repaired in the demo, the basis of a credit-repair typical case (Art. 32).
        (
            "91350100MG59YK161P",
            "福州晨光文具贸易有限公司",
            "榕市监处罚〔2025〕188号",
            "未按规定明码标价",
            "罚款",
            "罚款人民币叁仟元",
            300,
        ),
        (
            "91350100T5A3HDXJ4X",
            "福州海峡物流有限公司",
            "榕市监处罚〔2026〕901号",
            "超范围经营",
            "罚款",
            "罚款人民币伍仟元",
            30,
        ),
        (
            "923501008HFML5U07D",
            "福州鼓楼区老王小吃店",
            "榕市监处罚〔2026〕903号",
            "经营超过保质期的食品",
            "罚款、没收违法所得",
            "罚款人民币贰万元，没收违法所得",
            20,
        ),
        (
            SERIOUS_ORGANISATION[0],
            SERIOUS_ORGANISATION[1],
            "榕市监处罚〔2026〕907号",
            "生产经营添加非食用物质的食品",
            "罚款、吊销许可证",
            "罚款人民币伍拾万元，吊销食品生产许可证",
            40,
        ),
    ]
    rows = [
        {
            "subject_name": name,
            "subject_category": "个体工商户" if code.startswith("92") else "法人及非法人组织",
            "subject_uscc": code,
            "legal_representative": SERIOUS_LEGAL_REPRESENTATIVE[0]
            if code == SERIOUS_ORGANISATION[0]
            else "陈某",
            "decision_number": number,
            "violation_type": violation,
            "penalty_category": category,
            "penalty_content": content,
            "decision_date": (today - dt.timedelta(days=age)).isoformat(),
            **PENALTY_PARTICULARS[number],
            **authority,
        }
        for code, name, number, violation, category, content, age in penalties
    ]
    rows.append(
        {
            "subject_name": DEMO_PERSON[0],
            "subject_category": "自然人",
            "id_type": "身份证",
            "id_number": DEMO_PERSON[1],
            "decision_number": "榕鼓市监处罚〔2026〕17号",
            "violation_type": "无证经营",
            "legal_basis": "《无证无照经营查处办法》第十三条",
            "penalty_category": "罚款",
            "penalty_content": "罚款人民币贰仟元",
            "fine_amount": "0.2",
            "decision_date": (today - dt.timedelta(days=45)).isoformat(),
            **authority,
        }
    )
    _ingest(session, clock, regulator, "administrative_penalty", rows)
    # 福清市's market regulator fines the logistics company: what `fuqing` sees of
    # supervision (late submissions, /supervision/timeliness), where the city's regulator
    # is not its to supervise.
    fuqing_regulator = orgs[FUQING_REGULATOR]
    sources.grant(session, clock, SYSTEM_ACTOR, fuqing_regulator, "administrative_penalty")
    _ingest(
        session,
        clock,
        fuqing_regulator,
        "administrative_penalty",
        [
            {
                "subject_name": "福州海峡物流有限公司",
                "subject_category": "法人及非法人组织",
                "subject_uscc": "91350100T5A3HDXJ4X",
                "legal_representative": "陈某",
                "decision_number": "融市监处罚〔2026〕56号",
                "violation_type": "未按规定办理变更登记",
                "legal_basis": "《中华人民共和国市场主体登记管理条例》第四十六条",
                "penalty_category": "罚款",
                "penalty_content": "罚款人民币壹万元",
                "fine_amount": "1",
                "decision_date": (today - dt.timedelta(days=25)).isoformat(),
                "authority": fuqing_regulator.name,
                "authority_uscc": fuqing_regulator.code,
                "source_unit": fuqing_regulator.name,
                "source_unit_uscc": fuqing_regulator.code,
            }
        ],
    )
    _ingest(
        session,
        clock,
        regulator,
        "administrative_license",
        [
            {
                "subject_name": "福建榕城餐饮管理有限公司",
                "subject_category": "法人及非法人组织",
                "subject_uscc": "91350100WWAPA40225",
                "licence_number": "JY13501000012345",
                "licence_category": "食品经营许可",
                "licence_content": "热食类食品制售",
                "decision_date": (today - dt.timedelta(days=90)).isoformat(),
                **authority,
            }
        ],
    )
    # An inspection's free-text result waits for the SAMR security officer's confidentiality
    # review before it is public (Art. 12 (3); demo account `security`).
    _ingest(
        session,
        clock,
        regulator,
        "administrative_inspection",
        [
            {
                "subject_name": "福建榕城餐饮管理有限公司",
                "subject_category": "法人及非法人组织",
                "subject_uscc": "91350100WWAPA40225",
                "inspection_number": "榕市监检〔2026〕58号",
                "inspection_matter": "食品经营许可事项监督检查",
                "inspection_result": "未发现问题；后厨布局与许可申请材料一致",
                "inspection_date": (today - dt.timedelta(days=3)).isoformat(),
                **authority,
            }
        ],
    )
    _ingest(
        session,
        clock,
        court,
        "court_judgment_defaulter",
        [
            {
                "subject_name": "福州海峡物流有限公司",
                "subject_category": "法人及非法人组织",
                "subject_uscc": "91350100T5A3HDXJ4X",
                "case_number": "（2026）闽01执123号",
                "court": court.name,
                "obligation": "支付货款人民币十二万元",
                "dishonest_conduct": "有履行能力而拒不履行生效法律文书确定义务",
                "filed_on": (today - dt.timedelta(days=50)).isoformat(),
                "published_on": (today - dt.timedelta(days=40)).isoformat(),
                "authority": court.name,
                "authority_uscc": court.code,
                "source_unit": court.name,
                "source_unit_uscc": court.code,
            }
        ],
    )
    _seed_member_register(session, clock, orgs[DEMO_ASSOCIATION])
    person = subjects.by_reference(
        session,
        session.scalar(
            select(Subject.reference).where(
                Subject.citizen_id_masked.is_not(None), Subject.name == DEMO_PERSON[0]
            )
        )
        or "",
    )
    citizen = _user(session, "citizen")
    consent.grant(
        session,
        clock,
        citizen,
        subject=person,
        grantee=bank,
        record_type_codes=["contract_performance"],
        written=True,
        adverse_consequences_notified=False,
        evidence="signed in the page",
    )
    _ingest(
        session,
        clock,
        bank,
        "contract_performance",
        [
            {
                "subject_name": DEMO_PERSON[0],
                "subject_category": "自然人",
                "id_type": "身份证",
                "id_number": DEMO_PERSON[1],
                "contract_number": "FZHX-2025-0088",
                "breach_description": "贷款逾期三期",
                "counterparty": bank.name,
                "breach_date": (today - dt.timedelta(days=120)).isoformat(),
                "amount_owed": "0.8",
            }
        ],
    )
    authorisations.grant(
        session,
        clock,
        citizen,
        grantee=bank,
        record_type_codes=["contract_performance"],
        purpose=HOUSING_LOAN_PURPOSE,
        valid_until=today + dt.timedelta(days=180),
        evidence_kind="signed_in_page",
        evidence="本人王某某授权福州海峡商业银行查询合同履约信息，用于住房贷款审批。",
    )
    # A second, for the credit status and the repayment records the bank prices a credit
    # card on (Art. 19): with two in force that open the file, the analyst's file query asks
    # which one it is for (decision 0007 addendum), and only this one opens the credit status.
    authorisations.grant(
        session,
        clock,
        citizen,
        grantee=bank,
        record_type_codes=[authorisations.CREDIT_STATUS, "contract_performance"],
        purpose=CREDIT_CARD_PURPOSE,
        valid_until=today + dt.timedelta(days=180),
        evidence_kind="signed_in_page",
        evidence=(
            "本人王某某授权福州海峡商业银行查询本人的名单状态、信用等级和合同履约信息，"
            "用于信用卡风险定价。"
        ),
    )
    # The company has the credit service institution evaluate it, and authorises it to read
    # its penalties for that: the service named, and not conditional on the authorisation
    # (Art. 27 ¶2).
    authorisations.grant(
        session,
        clock,
        _user(session, "company"),
        grantee=orgs[DEMO_INSTITUTION[0]],
        record_type_codes=["administrative_penalty"],
        purpose="企业信用评价",
        valid_until=today + dt.timedelta(days=90),
        evidence_kind="signed_in_page",
        evidence="本公司授权福州闽信信用评估有限公司查询行政处罚信息，用于出具信用评价报告。",
        service="信用评价报告",
        service_not_conditional=True,
    )
    authority_officer = _user(session, "authority")
    query_items.create(
        session,
        clock,
        authority_officer,
        code="samr.licensing",
        organisation=regulator,
        matter="食品经营许可审查",
        matter_code="administrative_licensing",
        record_type_codes=[
            "administrative_penalty",
            "administrative_license",
            "court_judgment_defaulter",
        ],
        legal_basis="《食品经营许可和备案管理办法》第十二条；《福州市社会信用管理办法》第十三条第二款",
    )
    query_items.publish(session, clock, authority_officer, "samr.licensing")
    # The regulator's security officer assigns it to its query officer (Art. 12(2)); the
    # case officers hold no item, so a query of theirs by it is refused (decision 0035).
    query_assignments.grant(
        session, clock, _user(session, "security"), username="querier", query_item="samr.licensing"
    )
    proposer, approver = _user(session, "caseofficer"), _user(session, "caseofficer2")
    red = entries.propose(
        session,
        _window_closed(session, clock, "integrity_model", 10),
        proposer,
        subject=subjects.by_reference(session, "91350100WWAPA40225"),
        standard_code="integrity_model",
        criteria_met="连续三年无不良信用记录，获评市级诚信示范企业",
        reasons="食品安全诚信示范单位",
        evidence="福州市市场监督管理局表彰文件",
    )
    entries.approve(
        session, clock, approver, red.id, reasons="公示期内无异议，符合诚信典型认定标准"
    )
    # The integrity model publicised (Art. 32): drafted by one officer of the credit
    # authority and published by another (/integrity).
    model = typical_cases.draft(
        session,
        clock,
        authority_officer,
        kind=CaseKind.INTEGRITY_MODEL,
        title="福建榕城餐饮管理有限公司：食品安全诚信示范单位",
        title_en="Fujian Rongcheng Catering Management: a model of food-safety integrity",
        narrative=(
            "该企业连续三年无不良信用记录，建立食品原料进货查验和溯源制度，"
            "主动公开后厨操作，获评市级诚信示范企业，经公示无异议列入红名单。"
        ),
        narrative_en=(
            "Three years without a bad credit record; the company checks and traces its "
            "ingredients, opens its kitchens to the public and was recognised as a city "
            "integrity model, entering the red list after public comment without objection."
        ),
        list_entry_id=red.id,
    )
    typical_cases.publish(session, clock, _user(session, "authority2"), model.id)
    shop = subjects.by_reference(session, "923501008HFML5U07D")
    entries.propose(
        session,
        clock,
        proposer,
        subject=shop,
        standard_code="dishonest_subject",
        criteria_met="因食品安全违法行为受到较重行政处罚",
        reasons="拒不履行行政处罚决定",
        evidence="榕市监处罚〔2026〕903号",
        # The penalty it rests on: repaired or revoked, the entry ends with it (decision 0043).
        basis_record_ids=[_penalty(session, shop, "榕市监处罚〔2026〕903号")],
    )
    # A red-list candidate in its public comment period, so the public comment page has
    # something to comment on, with one comment from the public waiting for a decision by
    # an officer other than the proposer or by an objection handler (the `objections`
    # account's page).
    candidate = entries.propose(
        session,
        clock,
        proposer,
        subject=subjects.by_reference(session, RED_CANDIDATE[0]),
        standard_code="integrity_model",
        criteria_met="连续三年无不良信用记录，纳税信用等级A级",
        reasons="守法诚信经营的茶叶企业",
        evidence="2026年度纳税信用评价结果公告",
    )
    entries.comment_on(session, clock, ANONYMOUS_ACTOR, candidate.id, RED_CANDIDATE_COMMENT)
    # A seriously dishonest organisation, proposed with its written notice three weeks ago
    # (the objection window has closed) and approved: the black list shows it with its
    # responsible persons, and a joint check of either person finds it (Art. 18).
    serious = entries.propose(
        session,
        _window_closed(session, clock, "serious_health_safety", 21),
        proposer,
        subject=subjects.by_reference(session, SERIOUS_ORGANISATION[0]),
        standard_code="serious_health_safety",
        criteria_met="生产经营添加非食用物质的食品，严重危害人民群众身体健康",
        reasons="在食品生产中添加非食用物质，被处以吊销许可证的行政处罚",
        evidence="榕市监处罚〔2026〕907号",
        basis_record_ids=[
            _penalty(
                session,
                subjects.by_reference(session, SERIOUS_ORGANISATION[0]),
                "榕市监处罚〔2026〕907号",
            )
        ],
        responsible_persons=[
            entries.NamedPerson(
                role=ResponsibleRole.DIRECTLY_RESPONSIBLE.value,
                name=SERIOUS_DIRECTLY_RESPONSIBLE[0],
                citizen_id=SERIOUS_DIRECTLY_RESPONSIBLE[1],
            )
        ],
    )
    entries.approve(
        session,
        clock,
        approver,
        serious.id,
        reasons="书面告知后异议期内未提出异议，符合严重失信主体认定标准",
    )
    # Once listed, it objects to its entry (Art. 25): the objection waits for a decision
    # by the day shown, by `caseofficer2` on the officers' queue, who did not propose it,
    # or by the objection handler (decision 0008).
    entries.object_to(session, clock, _user(session, "mindu"), serious.id, SERIOUS_OBJECTION)
    # The demo company objects to its published fine, saying the amount is wrong: the
    # record is under objection on its public page and the case waits in the credit
    # authority's objection handler's queue (Art. 25; /record-objections, /me/objections).
    company = subjects.by_reference(session, "91350100MG59YK161P")
    disputed = session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_id == company.id,
            CreditRecord.decision_date == today - dt.timedelta(days=60),
        )
    )
    if disputed is not None:
        objections.raise_objection(
            session,
            clock,
            _user(session, "company"),
            disputed,
            ground=Ground.ERROR.value,
            statement="处罚决定书载明的罚款为人民币壹万元，公示为壹万伍仟元，请核实更正。",
        )
    # The same company applies to repair its older warning (Art. 21): corrected, the
    # commitment made; the credit authority's objection handler has accepted the
    # application, which now waits for the regulator's decision (/repair-cases/source,
    # /repair-progress with its query code).
    warned = session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_id == company.id,
            CreditRecord.decision_date == today - dt.timedelta(days=200),
        )
    )
    if warned is not None:
        case = repair.apply(
            session,
            clock,
            _user(session, "company"),
            warned,
            correction="已按期报送并公示2025年度报告，补正全部年报信息",
            evidence="国家企业信用信息公示系统年报公示回执 2026-0312",
            declared=frozenset(repair_rules.DECLARATIONS),
            commitment_text="本公司承诺今后按时报送并公示年度报告，自觉接受监督检查",
        )
        repair.feedback(
            session,
            clock,
            _user(session, "objections"),
            case.id,
            accept=True,
            reasons="材料齐全，转信息提供单位办理",
        )
    # Its older fine for unmarked prices was repaired (Art. 20–22), and the credit authority
    # publishes it as a typical case of credit repair, anonymised, having asked the company
    # on the platform for its consent to be named: the company answers, or later withdraws,
    # on /me/typical-cases (decision 0030).
    priced = session.scalar(
        select(CreditRecord.id).where(
            CreditRecord.subject_id == company.id,
            CreditRecord.decision_date == today - dt.timedelta(days=300),
        )
    )
    if priced is not None:
        repaired = repair.apply(
            session,
            clock,
            _user(session, "company"),
            priced,
            correction="已在全部门店按规定明码标价，并缴清罚款",
            evidence="缴款凭证 2025-0188；门店价签整改照片",
            declared=frozenset(repair_rules.DECLARATIONS),
            commitment_text="本公司承诺严格执行明码标价规定，自觉接受监督检查",
        )
        repair.feedback(
            session, clock, _user(session, "objections"), repaired.id, accept=True, reasons=""
        )
        repair.decide(
            session,
            clock,
            _user(session, "caseofficer"),
            repaired.id,
            approve=True,
            reasons="整改到位",
        )
        story = typical_cases.draft(
            session,
            clock,
            authority_officer,
            kind=CaseKind.CREDIT_REPAIR,
            title="某文具企业主动整改完成信用修复",
            title_en="A stationery trader corrected its pricing and repaired its credit",
            narrative=(
                "某文具企业因未按规定明码标价受到行政处罚后，在全部门店整改价签，"
                "缴清罚款并作出信用承诺，经信息提供单位审核完成信用修复。"
            ),
            narrative_en=(
                "Fined for not marking its prices, the trader corrected the price tags in all "
                "its shops, paid the fine and made a credit commitment; the regulator approved "
                "the repair."
            ),
            repair_case_id=repaired.id,
            request_consent=True,
        )
        typical_cases.publish(session, clock, _user(session, "authority2"), story.id)
