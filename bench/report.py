"""Credit-report benchmark (issue 4): the JSON report of one subject against a raw SQL
fetch of the same rows, in one database of many records.

    uv run python bench/report.py                 # 1,000,000 records over 200,000 subjects
    uv run python bench/report.py --quick         # 20,000 records over 4,000 subjects (CI)
    uv run python bench/report.py --postgres      # the same against PostgreSQL (own schema)

Set-up loads the migrations and the Fuzhou rule pack, then writes subjects, records and
their versions with Core bulk inserts (``db.bulk.bulk_insert`` with ids from
``db.ids.allocate_ids``): realistic payloads built from each record type's definition,
not the ingestion pipeline, which is benchmarked by bench/ingest.py. One organisation,
the *target*, has 200 records, 10 of them with a second version; it reads its own file.

What is timed, ``--runs`` times each, alternating so both see the same machine:

* report: one unit of work as the API route does it, without HTTP — open a session, find
  the subject by its code, ``reports.issue`` (lawful-path check, access-log entry, the file,
  sections, the canonical JSON and its hash, the stored report and its audit event; the
  JSON document it returns is the response body), commit. HTTP and FastAPI's response
  machinery are left out: they cost the same for any body and would hide what this issue
  changes. The commit is in, because the access log and the report number are part of
  issuing a report.
* raw fetch: the same records joined to their versions for that subject, by the DBAPI
  cursor (``fetchall``), no ORM, no JSON parsing: the floor any report must stand on.

* of which the commit (for the record): the durable commit inside each timed report (on
  SQLite, with ``synchronous=FULL``, the WAL's fsync): what the access log's durability
  costs, which grows with other disk traffic on the machine.
* file only (for the record, not the ratio): ``files.build_file`` for the target in an
  open session — the read path of the report without its writes and serialisation.
* report with no cached record views (for the record, not the ratio): the report again,
  ``runs / 2`` times, with ``files``' caches of views and files emptied before each, as
  for the first report of a subject in a process; the timed loop above reuses the views
  (and the file) of the last.

It prints p50 and p95 of each, the PDF render time (the printed form's HTML + WeasyPrint,
``rendering.pdf``, the first in the process: WeasyPrint is imported with the module, as a
server does at start) of the target's report, and as the last line ``ratio=<report p95 ÷ raw fetch p95>``. The issue's target:
report ≤ 3× raw fetch at p50 and p95, PDF under 1 s.

The PDF against a baseline in the same run (machines are noisy: an absolute second says
more about the machine than the code): ``--pdf-rounds`` times each, alternating, after
the first render above —

* PDF: ``rendering.pdf`` of the target's report again, warm;
* PDF baseline: the same report's printed text, one plain paragraph for each block of the
  printed form, put on A4 in the same font, size, line height and margins by WeasyPrint
  alone (``HTML.write_pdf``, a font configuration of its own): no template, no tables, no
  rules or boxes, no page footer. The least the same engine does to print the same
  characters (the same glyphs subset from Noto Sans CJK), whatever the platform's layout.

It prints the median of each with their pages, and ``PDF ratio=<PDF ÷ baseline>`` (a line
of its own, before the report's ``ratio=``, which stays the last line).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import datetime as dt
import hashlib
import html
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

for _name, _byte in (("ENCRYPTION_KEY", b"e"), ("BLIND_INDEX_KEY", b"b"), ("SESSION_KEY", b"s")):
    os.environ.setdefault(f"XINYONG_{_name}", base64.urlsafe_b64encode(_byte * 32).decode())

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from xinyong import identifiers  # noqa: E402
from xinyong.accounts import service as accounts  # noqa: E402
from xinyong.accounts.models import OrganisationKind  # noqa: E402
from xinyong.accounts.permissions import SYSTEM_ACTOR, Actor  # noqa: E402
from xinyong.catalog import service as catalog  # noqa: E402
from xinyong.catalog.definitions import FieldType, RecordTypeDefinition, Severity  # noqa: E402
from xinyong.clock import CHINA, FixedClock  # noqa: E402
from xinyong.collection.models import (  # noqa: E402
    Batch,
    BatchStatus,
    CreditRecord,
    RecordStatus,
    RecordVersion,
)
from xinyong.crypto import default_cipher  # noqa: E402
from xinyong.db.bulk import bulk_insert  # noqa: E402
from xinyong.db.engine import make_engine  # noqa: E402
from xinyong.db.ids import allocate_ids  # noqa: E402
from xinyong.db.migrate import upgrade  # noqa: E402
from xinyong.disclosure import files, rendering, reports  # noqa: E402
from xinyong.subjects import name_index  # noqa: E402
from xinyong.subjects import service as subjects  # noqa: E402
from xinyong.subjects.models import Subject, SubjectKind, SubjectName  # noqa: E402
from xinyong.synthetic import make_citizen_id, make_uscc  # noqa: E402

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "bench_report"
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=CHINA)
TARGET_RECORDS = 200
TARGET_TWO_VERSIONS = 10
CHUNK = 50_000

# Record types and their share of the records, with the organisation that reports them.
MIX: tuple[tuple[str, float, str], ...] = (
    ("administrative_penalty", 0.40, "regulator"),
    ("administrative_license", 0.18, "regulator"),
    ("administrative_inspection", 0.10, "regulator"),
    ("honour", 0.04, "regulator"),
    ("credit_commitment", 0.05, "regulator"),
    ("credit_evaluation", 0.03, "regulator"),
    ("social_insurance_arrears", 0.05, "social_security"),
    ("abnormal_operation", 0.03, "regulator"),
    ("major_tax_violation", 0.02, "tax"),
    ("court_judgment_defaulter", 0.02, "court"),
    ("contract_performance", 0.05, "bank"),
    ("utility_arrears", 0.03, "utility"),
)
ORGANISATIONS = {
    "regulator": ("福州市市场监督管理局", OrganisationKind.STATE_ORGAN, "11"),
    "social_security": ("福州市人力资源和社会保障局", OrganisationKind.STATE_ORGAN, "11"),
    "tax": ("国家税务总局福州市税务局", OrganisationKind.STATE_ORGAN, "11"),
    "court": ("福州市中级人民法院", OrganisationKind.JUDICIAL_ORGAN, "11"),
    "bank": ("福州海峡商业银行股份有限公司", OrganisationKind.FINANCIAL_INSTITUTION, "91"),
    "utility": ("福州市自来水有限公司", OrganisationKind.PUBLIC_ENTERPRISE, "91"),
}
# Realistic text for the fields that carry it; other text fields get label + serial.
PHRASES: dict[str, tuple[str, ...]] = {
    "violation_type": ("虚假宣传", "未按规定明码标价", "销售不合格产品", "无证经营", "商标侵权"),
    "violation_facts": (
        "当事人在店堂广告中对商品的性能、功能作引人误解的商业宣传，欺骗、误导消费者。",
        "经抽样检验，当事人销售的产品不符合国家标准，属于不合格产品，货值金额较小。",
        "当事人未取得食品经营许可从事食品经营活动，经责令改正后已办理许可。",
    ),
    "legal_basis": (
        "《中华人民共和国反不正当竞争法》第二十条",
        "《中华人民共和国产品质量法》第四十九条",
        "《中华人民共和国食品安全法》第一百二十二条",
    ),
    "penalty_category": ("罚款", "罚款", "没收违法所得", "警告"),
    "penalty_content": ("罚款人民币壹万伍仟元", "罚款人民币伍仟元", "没收违法所得人民币叁仟元"),
    "licence_category": ("普通", "特许", "认可"),
    "licence_content": ("食品经营（预包装食品销售）", "道路普通货物运输", "建筑工程施工"),
    "inspection_matter": ("双随机一公开抽查", "食品安全专项检查", "消防安全检查"),
    "inspection_result": ("未发现问题", "发现问题已责令整改", "未按规定公示年报信息"),
    "honour_name": ("守合同重信用企业", "福州市诚信示范企业", "纳税信用A级纳税人"),
    "commitment_type": ("告知承诺", "信用修复承诺", "容缺受理承诺"),
    "commitment_reason": ("申请食品经营许可", "申请信用修复", "申请政府资金支持"),
    "commitment_text": ("本单位承诺所提交材料真实有效，如有不实愿承担相应法律责任。",),
    "evaluation_name": ("公共信用综合评价", "纳税信用评价", "海关企业信用评价"),
    "grade": ("A", "B", "AA", "C"),
    "listing_reason": ("未按规定报送年度报告", "通过登记的住所无法联系"),
    "case_nature": ("偷税", "虚开增值税专用发票"),
    "main_facts": ("通过隐匿收入方式少缴税款，经稽查补缴税款及滞纳金。",),
    "obligation": ("支付货款人民币贰拾万元及利息",),
    "dishonest_conduct": ("有履行能力而拒不履行生效法律文书确定义务",),
    "breach_description": ("逾期未还款超过九十日", "未按合同约定交付货物"),
}


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Generator:
    """Subjects, records and versions as plain rows for ``bulk_insert``."""

    def __init__(
        self,
        session: Session,
        definitions: dict[str, tuple[int, int, RecordTypeDefinition]],
        organisations: dict[str, tuple[int, str, str]],
        batches: dict[str, int],
        seed: int = 20261128,
    ) -> None:
        self.session = session
        self.definitions = definitions
        self.organisations = organisations
        self.batches = batches
        self.rng = random.Random(seed)
        self.serial = 0
        codes = [code for code, _share, _org in MIX]
        self.weights = [share for _code, share, _org in MIX]
        self.codes = codes
        self.source_of = {code: org for code, _share, org in MIX}
        self.now = NOW.astimezone(dt.UTC)

    # -- subjects -----------------------------------------------------------------------------

    def subjects(self, n: int) -> list[tuple[int, str, str, str | None]]:
        """Registers ``n`` subjects (80 % organisations); returns (id, kind, name, uscc)."""
        rng, cipher = self.rng, default_cipher()
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        while len(rows) < n:
            if rng.random() < 0.8:
                code = make_uscc(rng, prefix=rng.choice(("91", "91", "92", "93")))
                if code in seen:
                    continue
                seen.add(code)
                name = f"福州{rng.choice('晨光海峡闽江榕城鼓楼仓山晋安马尾')}{len(rows)}号{rng.choice(('贸易', '科技', '餐饮', '物流', '建设'))}有限公司"
                rows.append(
                    {
                        "kind": SubjectKind.LEGAL_PERSON,
                        "reference": code,
                        "name": name,
                        "name_normalised": name,
                        "uscc": code,
                        "uscc_unverified": False,
                        "citizen_id_ciphertext": None,
                        "citizen_id_index": None,
                        "citizen_id_masked": None,
                        "division": code[2:8],
                        "created_at": self.now,
                    }
                )
            else:
                citizen_id = make_citizen_id(rng)
                if citizen_id in seen:
                    continue
                seen.add(citizen_id)
                name = rng.choice("王李张刘陈杨黄赵吴周") + "某" * rng.choice((1, 2))
                rows.append(
                    {
                        "kind": SubjectKind.NATURAL_PERSON,
                        "reference": "P" + f"{rng.getrandbits(64):016X}",
                        "name": name,
                        "name_normalised": name,
                        "uscc": None,
                        "uscc_unverified": False,
                        "citizen_id_ciphertext": cipher.encrypt(
                            citizen_id, context=subjects.CITIZEN_ID_CONTEXT
                        ),
                        "citizen_id_index": subjects.citizen_id_index(citizen_id),
                        "citizen_id_masked": identifiers.mask_citizen_id(citizen_id),
                        "division": citizen_id[:6],
                        "created_at": self.now,
                    }
                )
        out: list[tuple[int, str, str, str | None]] = []
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            ids = allocate_ids(self.session, Subject.__table__, len(part))
            for row, sid in zip(part, ids, strict=True):
                row["id"] = sid
            bulk_insert(self.session, Subject.__table__, part)
            bulk_insert(
                self.session,
                SubjectName.__table__,
                [
                    {
                        "subject_id": row["id"],
                        "name": row["name"],
                        "normalised": row["name"],
                        "core": row["name"],
                        "current": True,
                    }
                    for row in part
                ],
            )
            # The name search's index, for the organisations (stored forms as above).
            name_index.write(
                self.session,
                [
                    (row["id"], row["name"], row["name"])
                    for row in part
                    if row["kind"] is not SubjectKind.NATURAL_PERSON
                ],
            )
            out.extend((row["id"], row["kind"].value, row["name"], row["uscc"]) for row in part)
        return out

    # -- records ------------------------------------------------------------------------------

    def _value(self, field: Any, decided: dt.date) -> str:
        rng = self.rng
        if field.type is FieldType.DATE:
            return decided.isoformat()
        if field.type is FieldType.DECIMAL:
            return f"{rng.randrange(1, 500) / 10:g}"
        if field.type is FieldType.ENUM:
            return str(rng.choice(field.choices))
        if field.name in PHRASES:
            return rng.choice(PHRASES[field.name])
        self.serial += 1
        return f"{field.label_zh}{self.serial}"

    def payload(
        self,
        definition: RecordTypeDefinition,
        subject: tuple[int, str, str, str | None],
        source: str,
        decided: dt.date,
    ) -> dict[str, str]:
        _sid, kind, name, uscc = subject
        _org_id, org_code, org_name = self.organisations[source]
        payload: dict[str, str] = {}
        for field in definition.fields:
            if field.name == definition.subject_name_field:
                payload[field.name] = name
            elif field.name == definition.subject_kind_field:
                payload[field.name] = "自然人" if kind == "natural_person" else "法人及非法人组织"
            elif field.name == definition.subject_uscc_field:
                if uscc:
                    payload[field.name] = uscc
            elif field.name in ("authority", "source_unit"):
                payload[field.name] = org_name
            elif field.name in ("authority_uscc", "source_unit_uscc"):
                payload[field.name] = org_code
            elif field.type is FieldType.CITIZEN_ID or field.name in ("id_type",):
                continue
            elif field.name == definition.decision_date_field:
                payload[field.name] = decided.isoformat()
            elif field.required or self.rng.random() < 0.6:
                payload[field.name] = self._value(field, decided)
        return payload

    def records(
        self,
        subjects_of_records: list[tuple[int, str, str, str | None]],
        *,
        second_versions: int = 0,
    ) -> int:
        """One record per entry of ``subjects_of_records`` (a subject may repeat); the
        first ``second_versions`` get an update from their source."""
        rng, session = self.rng, self.session
        written = 0
        for start in range(0, len(subjects_of_records), CHUNK):
            part = subjects_of_records[start : start + CHUNK]
            ids = allocate_ids(session, CreditRecord.__table__, len(part))
            records: list[dict[str, Any]] = []
            versions: list[dict[str, Any]] = []
            for subject, rid in zip(part, ids, strict=True):
                code = rng.choices(self.codes, self.weights)[0]
                if subject[1] == "natural_person" and code in (
                    "registration",
                    "abnormal_operation",
                    "credit_evaluation",
                ):
                    code = "administrative_penalty"
                type_id, _version_id, definition = self.definitions[code]
                source = self.source_of[code]
                decided = NOW.date() - dt.timedelta(days=rng.randrange(1, 4 * 365))
                severity = (
                    Severity.SERIOUS
                    if rng.random() < 0.1
                    else definition.disclosure.default_severity
                )
                period = definition.disclosure.period(severity)
                start_day = end_day = None
                if period.published:
                    start_day, end_day = decided, add_months(decided, period.max_months)
                payload = self.payload(definition, subject, source, decided)
                payload_json = json.dumps(payload, ensure_ascii=False, sort_keys=True)
                digest = hashlib.sha256(payload_json.encode()).hexdigest()
                received = min(
                    dt.datetime.combine(
                        decided + dt.timedelta(days=rng.randrange(1, 10)),
                        dt.time(2),
                        tzinfo=dt.UTC,
                    ),
                    self.now - dt.timedelta(days=1),
                )
                two = written < second_versions
                records.append(
                    {
                        "id": rid,
                        "record_type_id": type_id,
                        "subject_id": subject[0],
                        "source_organisation_id": self.organisations[source][0],
                        "natural_key": f"{subject[0]}|{rid}",
                        "status": RecordStatus.ACTIVE,
                        "current_version_no": 2 if two else 1,
                        "decision_date": decided,
                        "received_at": received,
                        "updated_at": received,
                        "severity": severity.value,
                        "publicity_start": start_day,
                        "publicity_end": end_day,
                        "awaiting_review": False,
                        "late": False,
                        "working_days_to_submit": 3,
                        "self_declared": False,
                        "rule_source": "city rule v1",
                        "payload_hash": digest,
                    }
                )
                version = {
                    "record_id": rid,
                    "version_no": 1,
                    "payload": payload_json,
                    "sensitive_ciphertext": None,
                    "payload_hash": digest,
                    "status": RecordStatus.ACTIVE,
                    "decision_date": decided,
                    "severity": severity.value,
                    "publicity_start": start_day,
                    "publicity_end": end_day,
                    "reason": "created by source",
                    "reason_detail": None,
                    "batch_id": self.batches[source],
                    "source_organisation_id": self.organisations[source][0],
                    "actor": "system",
                    "created_at": received,
                }
                versions.append(version)
                if two:
                    changed = {**payload, "remarks": "经复核更正处罚内容"}
                    changed_json = json.dumps(changed, ensure_ascii=False, sort_keys=True)
                    versions.append(
                        {
                            **version,
                            "version_no": 2,
                            "payload": changed_json,
                            "payload_hash": hashlib.sha256(changed_json.encode()).hexdigest(),
                            "reason": "updated by source",
                            "created_at": min(
                                received + dt.timedelta(days=20), self.now - dt.timedelta(hours=1)
                            ),
                        }
                    )
                written += 1
            bulk_insert(session, CreditRecord.__table__, records)
            version_ids = allocate_ids(session, RecordVersion.__table__, len(versions))
            for version, vid in zip(versions, version_ids, strict=True):
                version["id"] = vid
            bulk_insert(
                session, RecordVersion.__table__, versions, raw_columns=frozenset({"payload"})
            )
        return written


def fresh_engine(url: str | None, workdir: Path) -> Engine:
    if url is None:
        return make_engine(f"sqlite:///{workdir / 'report.sqlite3'}")
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    admin.dispose()
    return make_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})


def build(engine: Engine, clock: FixedClock, n_records: int, n_subjects: int) -> tuple[str, Actor]:
    """The database; returns the target's code and the actor of its own account."""
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        catalog.load_rule_pack(session, clock)
        rng = random.Random(5)
        organisations: dict[str, tuple[int, str, str]] = {}
        for key, (name, kind, prefix) in ORGANISATIONS.items():
            organisation = accounts.create_organisation(
                session,
                clock,
                SYSTEM_ACTOR,
                code=make_uscc(rng, prefix=prefix),
                name=name,
                kind=kind,
            )
            organisations[key] = (organisation.id, organisation.code, organisation.name)
        definitions: dict[str, tuple[int, int, RecordTypeDefinition]] = {}
        for code, _share, _org in MIX:
            rule = catalog.effective_rule(session, code)
            definitions[code] = (rule.record_type.id, rule.version.id, rule.definition)
        batches: dict[str, int] = {}
        for code, _share, source in MIX:
            if source in batches:
                continue
            batch = Batch(
                organisation_id=organisations[source][0],
                record_type_id=definitions[code][0],
                record_type_version_id=definitions[code][1],
                channel="cli",
                idempotency_key=f"bench-{source}",
                content_hash="0" * 64,
                status=BatchStatus.COMPLETED,
                received_at=clock.now(),
                unknown_columns=[],
            )
            session.add(batch)
            session.flush()
            batches[source] = batch.id
        generator = Generator(session, definitions, organisations, batches)
        target_subject = generator.subjects(1)[0]
        others = generator.subjects(n_subjects - 1)
        session.commit()
        started = time.perf_counter()
        generator.records([target_subject] * TARGET_RECORDS, second_versions=TARGET_TWO_VERSIONS)
        rest = n_records - TARGET_RECORDS
        rng2 = random.Random(11)
        done = 0
        while done < rest:
            size = min(CHUNK * 4, rest - done)
            generator.records([others[rng2.randrange(len(others))] for _ in range(size)])
            session.commit()
            done += size
            print(f"  … {TARGET_RECORDS + done:,} records", file=sys.stderr, flush=True)
        # A subject account is activated with its code, as the subject would (decision 0031).
        user = accounts.create_subject_account(
            session, clock, SYSTEM_ACTOR, username="bench_subject", subject_id=target_subject[0]
        )
        issued = accounts.issue_activation_code(session, clock, SYSTEM_ACTOR, user.id)
        accounts.activate(
            session,
            clock,
            username="bench_subject",
            code=issued.code,
            password="a long bench password",  # noqa: S106
        )
        session.commit()
        # Planner statistics, as a database in service has them (autovacuum would get
        # there eventually; a plan made without them seq-scans a million versions).
        session.execute(text("ANALYZE"))
        session.commit()
        print(
            f"built {n_records:,} records over {n_subjects:,} subjects "
            f"in {time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )
        assert target_subject[3] is not None
        return target_subject[3], accounts.actor_for_user(user)


RAW_SQL = """
SELECT r.id, r.record_type_id, r.source_organisation_id, r.decision_date, r.received_at,
       r.status, v.decision_date, v.severity, v.publicity_start, v.publicity_end,
       v.version_no, v.payload, v.status, v.reason, v.reason_detail, v.batch_id,
       v.source_organisation_id, v.created_at
FROM credit_record r JOIN record_version v ON v.record_id = r.id
WHERE r.subject_id = {param}
ORDER BY r.decision_date DESC, r.id DESC, v.version_no
"""


def raw_fetch(engine: Engine, subject_id: int) -> int:
    param = "%s" if engine.dialect.name == "postgresql" else "?"
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(RAW_SQL.format(param=param), (subject_id,))
        rows = cursor.fetchall()
        cursor.close()
        connection.commit()
    finally:
        connection.close()
    return len(rows)


def issue_report(
    engine: Engine, clock: FixedClock, actor: Actor, code: str, commits: list[float] | None = None
) -> bytes:
    with Session(engine, expire_on_commit=False) as session:
        subject = subjects.by_reference(session, code)
        issued = reports.issue(session, clock, actor, subject)
        body = issued.body  # the JSON document the API sends, serialised by issue()
        started = time.perf_counter()
        session.commit()
        if commits is not None:  # for the record: the durable commit, inside the report
            commits.append((time.perf_counter() - started) * 1000)
    return body


def read_file(engine: Engine, clock: FixedClock, subject_id: int) -> float:
    """Milliseconds of ``files.build_file`` alone (a session each time: on SQLite every
    transaction takes the write lock, which an open one would keep from the reports)."""
    with Session(engine) as session:
        subject = session.get(Subject, subject_id)
        assert subject is not None
        return timed(lambda: files.build_file(session, subject, today=clock.today()))


# Elements of the printed form that start a line of their own; the baseline prints each
# one's text as a plain paragraph.
BLOCKS = frozenset(
    {"h1", "h2", "h3", "p", "div", "li", "tr", "table", "section", "header", "footer", "br"}
)
# The printed form's text, its margins, size and line height (templates/report.html).
BASELINE_PAGE = """<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 12mm 12mm 14mm 12mm; }}
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; font-size: 8pt;
  line-height: 1.3; }}
p {{ margin: 0; }}
</style></head><body>{paragraphs}</body></html>"""


class _BlockText(HTMLParser):
    """The text of an HTML page, block by block (nothing of its head)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[list[str]] = [[]]
        self._head = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("head", "style", "title", "script"):
            self._head += 1
        if tag in BLOCKS:
            self.blocks.append([])
        elif tag in ("td", "th"):
            self.blocks[-1].append(" ")  # a row's cells, apart on its line

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "title", "script"):
            self._head -= 1
        if tag in BLOCKS:
            self.blocks.append([])

    def handle_data(self, data: str) -> None:
        if not self._head:
            self.blocks[-1].append(data)


def baseline_page(printed_html: str) -> str:
    """The baseline's page: the printed form's text in plain paragraphs."""
    parser = _BlockText()
    parser.feed(printed_html)
    parser.close()
    texts = (" ".join("".join(block).split()) for block in parser.blocks)
    return BASELINE_PAGE.format(paragraphs="".join(f"<p>{html.escape(t)}</p>" for t in texts if t))


def pages(page: str, font_config: FontConfiguration) -> int:
    return len(HTML(string=page).render(font_config=font_config).pages)


def pdf_rounds(content: dict[str, Any], rounds: int) -> dict[str, Any]:
    """The platform's PDF and the baseline, ``rounds`` times each, alternating (each made
    once first, untimed, so that neither pays the other's first use of the font)."""
    printed = rendering.report_html(content, printed=True)
    page = baseline_page(printed)
    font_config = FontConfiguration()

    def baseline() -> bytes:
        made: bytes = HTML(string=page).write_pdf(font_config=font_config)
        return made

    rendering.pdf(content)
    baseline()
    pdf_ms: list[float] = []
    baseline_ms: list[float] = []
    for _ in range(rounds):
        pdf_ms.append(timed(lambda: rendering.pdf(content)))
        baseline_ms.append(timed(baseline))
    return {
        "pdf": pdf_ms,
        "baseline": baseline_ms,
        "pdf_pages": pages(printed, font_config),
        "baseline_pages": pages(page, font_config),
        "baseline_bytes": len(baseline()),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def run(
    engine: Engine, clock: FixedClock, actor: Actor, code: str, runs: int, pdf_runs: int
) -> dict[str, Any]:
    with Session(engine) as session:
        subject_id = subjects.by_reference(session, code).id
    rows = raw_fetch(engine, subject_id)
    body = issue_report(engine, clock, actor, code)  # warm both paths up
    content = json.loads(body)
    items = sum(len(s["items"]) for s in content["sections"])
    assert items == TARGET_RECORDS, items
    assert rows == TARGET_RECORDS + TARGET_TWO_VERSIONS, rows
    report_ms: list[float] = []
    commit_ms: list[float] = []
    raw_ms: list[float] = []
    file_ms: list[float] = []
    for _ in range(runs):
        report_ms.append(timed(lambda: issue_report(engine, clock, actor, code, commit_ms)))
        raw_ms.append(timed(lambda: raw_fetch(engine, subject_id)))
        file_ms.append(read_file(engine, clock, subject_id))
    # For the record, not the ratio: a report whose record views are all made afresh, as
    # the first report of a subject in a process is (the loop above reuses them).
    cold_ms: list[float] = []
    for _ in range(max(1, runs // 2)):
        files.clear_view_cache()
        cold_ms.append(timed(lambda: issue_report(engine, clock, actor, code)))
    started = time.perf_counter()
    pdf = rendering.pdf(content)  # the printed form's HTML and WeasyPrint, as the routes do
    pdf_s = time.perf_counter() - started
    return {
        **pdf_rounds(content, pdf_runs),
        "report": report_ms,
        "raw": raw_ms,
        "file": file_ms,
        "cold": cold_ms,
        "commit": commit_ms,
        "rows": rows,
        "json_bytes": len(body),
        "pdf_s": pdf_s,
        "pdf_bytes": len(pdf),
        "content": content,
    }


def profile(engine: Engine, clock: FixedClock, actor: Actor, code: str) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        issue_report(engine, clock, actor, code)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--subjects", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 records, 4,000 subjects")
    parser.add_argument("--postgres", action="store_true", help=f"run against {POSTGRES_URL}")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument(
        "--pdf-rounds",
        type=int,
        default=None,
        help="PDF and its baseline, alternating (default 5; 2 with --quick)",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile 10 reports to stderr")
    args = parser.parse_args()
    pdf_runs = args.pdf_rounds or (2 if args.quick else 5)
    n_records, n_subjects = (20_000, 4_000) if args.quick else (args.records, args.subjects)
    url = args.database_url or (POSTGRES_URL if args.postgres else None)
    clock = FixedClock(NOW)
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-report-") as tmp:
        engine = fresh_engine(url, Path(tmp))
        code, actor = build(engine, clock, n_records, n_subjects)
        database = "PostgreSQL" if url else "SQLite"
        print(
            f"database: {database}; {n_records:,} records over {n_subjects:,} subjects; "
            f"target: {TARGET_RECORDS} records ({TARGET_TWO_VERSIONS} with 2 versions); "
            f"{args.runs} runs each"
        )
        if args.profile:
            profile(engine, clock, actor, code)
        result = run(engine, clock, actor, code, args.runs, pdf_runs)
        if url:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        engine.dispose()
    report_ms, raw_ms = result["report"], result["raw"]
    for label, values in (
        ("report (JSON)", report_ms),
        ("  of which the commit (access log, report row, audit event)", result["commit"]),
        ("raw fetch", raw_ms),
        ("file only", result["file"]),
        ("report (JSON), no cached record views", result["cold"]),
    ):
        print(
            f"{label}: p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms "
            f"(mean {statistics.fmean(values):.1f} ms)"
        )
    print(
        f"report body {result['json_bytes'] / 1024:.0f} KiB; raw rows {result['rows']}; "
        f"ratio at p50 {percentile(report_ms, 0.5) / percentile(raw_ms, 0.5):.2f}"
    )
    print(f"PDF: {result['pdf_s'] * 1000:.0f} ms ({result['pdf_bytes'] / 1024:.0f} KiB)")
    pdf_ms, baseline_ms = statistics.median(result["pdf"]), statistics.median(result["baseline"])
    print(
        f"PDF again, median of {pdf_runs} alternating: {pdf_ms:.0f} ms, "
        f"{result['pdf_pages']} pages; baseline (its text as plain paragraphs, same font and "
        f"page, WeasyPrint alone): {baseline_ms:.0f} ms, {result['baseline_pages']} pages "
        f"({result['baseline_bytes'] / 1024:.0f} KiB)"
    )
    print(f"PDF ratio={pdf_ms / baseline_ms:.3f}")
    print(f"ratio={percentile(report_ms, 0.95) / percentile(raw_ms, 0.95):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
