"""``xinyong import FILE --source ORG --type TYPE [--dry-run] [--report FILE]`` against a
SQLite file database of its own: exit 0 all accepted, 1 some rows rejected (with the
report), 2 an unusable file or submission (nothing written); the Art. 11 refusals."""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from tests import hostile_workbooks
from tests.collection_helpers import (
    NEW_PERSON_ID,
    PENALTY,
    RECENT,
    REPRESENTATIVE_ID,
    SCHEMA_ERROR_CASES,
    SHUANG_GONGSHI_HEADERS,
    csv_bytes,
    jsonl_bytes,
    new_uscc,
    next_decision_number,
    subject_row,
    write_csv,
    write_xlsx,
    write_xlsx_with_nul,
    zh,
)
from tests.conftest import TEST_NOW
from tests.disclosure_helpers import witnessed
from xinyong.accounts.models import Organisation
from xinyong.audit.models import AuditEvent
from xinyong.cli import app
from xinyong.clock import FixedClock
from xinyong.collection import pipeline
from xinyong.collection.models import Batch, CreditRecord, QuarantinedRow, RecordVersion
from xinyong.config import reset_settings
from xinyong.crypto import reset_default_cipher
from xinyong.db.base import Base
from xinyong.db.engine import make_engine
from xinyong.disclosure import access
from xinyong.disclosure.models import AccessEvent
from xinyong.subjects.models import Subject
from xinyong.synthetic import make_uscc

AGENCY = "11350100MUCQWD187J"  # 福州市市场监督管理局, responsible for penalties
IDLE_AGENCY = make_uscc(random.Random(7), prefix="11")  # responsible for nothing
COMPANY = "91350100M000100Y43"
REPORT_COLUMNS = ["row", "field", "code", "message", "article", "disposition"]
WRITTEN_TABLES = ("batch", "credit_record", "record_version", "quarantined_row", "subject")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


@dataclass
class Cli:
    """The initialised data folder, its database and where to put files."""

    data: Path
    files: Path
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine)

    def count(self, name: str) -> int:
        with self.session() as session:
            return len(session.execute(select(Base.metadata.tables[name])).all())

    def audit_since(self, count: int) -> list[AuditEvent]:
        with self.session() as session:
            return list(
                session.scalars(select(AuditEvent).order_by(AuditEvent.sequence).offset(count))
            )

    def snapshot(self, *names: str) -> dict[str, list[tuple[Any, ...]]]:
        with self.session() as session:
            result = {}
            for name in names:
                table = Base.metadata.tables[name]
                result[name] = [
                    tuple(row)
                    for row in session.execute(select(table).order_by(*table.primary_key))
                ]
            return result

    def import_(
        self, path: Path, *options: str, source: str = AGENCY, type_: str = PENALTY
    ) -> Result:
        return run("import", path, "--source", source, "--type", type_, *options)


def _environment(monkeypatch: pytest.MonkeyPatch, data: Path) -> None:
    monkeypatch.setenv("XINYONG_DATA_DIR", str(data))
    monkeypatch.setenv("XINYONG_DATABASE_URL", f"sqlite:///{data / 'xinyong.sqlite3'}")
    reset_settings()
    reset_default_cipher()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `init` per module: the catalog, the calendar, two agencies, responsibilities."""
    data = tmp_path_factory.mktemp("cli-template") / "data"
    with pytest.MonkeyPatch.context() as monkeypatch:
        _environment(monkeypatch, data)
        for arguments in (
            ["init"],
            [
                "orgs",
                "add",
                "--code",
                AGENCY,
                "--name",
                "福州市市场监督管理局",
                "--kind",
                "state_organ",
            ],
            [
                "orgs",
                "add",
                "--code",
                IDLE_AGENCY,
                "--name",
                "福州市生态环境局",
                "--kind",
                "state_organ",
            ],
            ["sources", "grant", "--org", AGENCY, "--type", PENALTY],
            ["sources", "grant", "--org", AGENCY, "--type", "social_insurance_arrears"],
            ["sources", "grant", "--org", AGENCY, "--type", "major_tax_violation"],
            ["sources", "grant", "--org", AGENCY, "--type", "registration"],
        ):
            result = run(*arguments)
            assert result.exit_code == 0, result.output
    reset_settings()
    reset_default_cipher()
    return data


@pytest.fixture
def cli(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    _environment(monkeypatch, data)
    # The commands read the system clock; fix it so that dates are judged as elsewhere.
    monkeypatch.setattr("xinyong.cli.collection.clock", FixedClock(TEST_NOW))
    engine = make_engine(f"sqlite:///{data / 'xinyong.sqlite3'}")
    files = tmp_path / "files"
    files.mkdir()
    yield Cli(data, files, engine)
    engine.dispose()
    reset_settings()
    reset_default_cipher()


def row(**overrides: str) -> dict[str, str]:
    """A valid penalty row (English field names) about a company."""
    values = {
        "subject_name": "福州晨光文具贸易有限公司",
        "subject_category": "法人及非法人组织",
        "subject_uscc": COMPANY,
        "legal_representative": "陈某",
        "id_type": "身份证",
        "id_number": REPRESENTATIVE_ID,
        "decision_number": next_decision_number(),
        "violation_type": "虚假宣传",
        "violation_facts": "在店堂广告中作引人误解的宣传",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_category": "罚款",
        "penalty_content": "罚款人民币壹万伍仟元",
        "fine_amount": "1.5",
        "decision_date": RECENT.isoformat(),
        "authority": "福州市市场监督管理局",
        "authority_uscc": AGENCY,
        "source_unit": "福州市市场监督管理局",
        "source_unit_uscc": AGENCY,
        "remarks": "",
    }
    values.update(overrides)
    return values


def report_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == REPORT_COLUMNS
        return list(reader)


def payloads(cli: Cli) -> list[dict[str, Any]]:
    with cli.session() as session:
        return [
            v.payload
            for v in session.scalars(select(RecordVersion).order_by(RecordVersion.record_id))
        ]


# --- exit 0 ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["utf-8", "utf-8-sig", "gb18030", "xlsx", "jsonl"])
def test_a_file_with_every_row_valid_exits_0(cli: Cli, kind: str) -> None:
    rows = [
        zh(row()),
        zh(
            row(
                subject_uscc=new_uscc(), subject_name="福州榕城餐饮有限公司", remarks="现场检查发现"
            )
        ),
    ]
    if kind == "xlsx":
        path = write_xlsx(cli.files / "penalties.xlsx", rows)
    elif kind == "jsonl":
        path = cli.files / "penalties.jsonl"
        path.write_bytes(jsonl_bytes([row(), row()]))
    else:
        path = write_csv(cli.files / "penalties.csv", rows, encoding=kind)

    result = cli.import_(path)

    assert result.exit_code == 0, result.output
    with cli.session() as session:
        (batch,) = session.scalars(select(Batch)).all()
        assert (batch.channel, batch.filename) == ("cli", path.name)
        assert (batch.rows_total, batch.created, batch.rejected, batch.held) == (2, 2, 0, 0)
        assert len(session.scalars(select(CreditRecord)).all()) == 2
    stored = payloads(cli)
    if kind != "jsonl":
        assert stored[1]["subject_name"] == "福州榕城餐饮有限公司"
        assert stored[1]["remarks"] == "现场检查发现"
    assert all(
        p["id_number"] == REPRESENTATIVE_ID[:6] + "********" + REPRESENTATIVE_ID[-4:]
        for p in stored
    )
    assert f"batch {batch.id}" in result.output


def test_the_shuang_gongshi_headers_in_any_order(cli: Cli) -> None:
    headers = list(reversed(SHUANG_GONGSHI_HEADERS))
    path = cli.files / "reordered.csv"
    path.write_bytes(csv_bytes([zh(row())], headers=headers))
    result = cli.import_(path)
    assert result.exit_code == 0, result.output
    assert cli.count("credit_record") == 1


def test_importing_the_same_file_again_changes_nothing(cli: Cli) -> None:
    path = write_csv(cli.files / "penalties.csv", [zh(row()), zh(row(fine_amount="x"))])
    assert cli.import_(path).exit_code == 1
    before = cli.snapshot(*WRITTEN_TABLES, "audit_event")

    again = cli.import_(path)

    assert again.exit_code == 1, again.output
    assert "imported before" in again.output
    assert cli.snapshot(*WRITTEN_TABLES, "audit_event") == before


def test_characters_nobody_sees_are_dropped_and_the_clean_file_is_the_same_record(
    cli: Cli,
) -> None:
    """A bidi override and zero-width characters in a CSV's texts are not stored, a required
    field made of them is required, and the same rows without them are unchanged."""
    clean = row()
    sprinkled = {
        **clean,
        "decision_number": clean["decision_number"] + "\u200b",
        "violation_type": "\u202e" + clean["violation_type"],
        "legal_basis": "\u2066" + clean["legal_basis"] + "\u2069",
    }
    blank = row(penalty_content="\u200b \u200c")
    path = write_csv(cli.files / "sprinkled.csv", [zh(sprinkled), zh(blank)])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report)

    assert result.exit_code == 1, result.output
    assert [(r["row"], r["field"], r["code"]) for r in report_rows(report)] == [
        ("3", "penalty_content", "required")
    ]
    (stored,) = payloads(cli)
    for name in ("decision_number", "violation_type", "legal_basis"):
        assert stored[name] == clean[name]
    again = cli.import_(write_csv(cli.files / "clean.csv", [zh(clean)]))
    assert again.exit_code == 0, again.output
    with cli.session() as session:
        batch = session.scalars(select(Batch).order_by(Batch.id.desc())).first()
        assert batch is not None
        assert (batch.created, batch.updated, batch.unchanged) == (0, 0, 1)
    assert cli.count("record_version") == 1


# --- exit 1 and the report ---------------------------------------------------------------


def test_some_rows_rejected_exits_1_and_writes_the_report(cli: Cli) -> None:
    rows = [
        row(),
        row(decision_date="2026/02/30"),
        row(subject_uscc="91350100M000100Y44"),
        row(subject_name="福州别家贸易有限公司"),  # the known code under another name: held
        row(decision_number=""),
    ]
    path = write_csv(cli.files / "penalties.csv", [zh(r) for r in rows])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report)

    assert result.exit_code == 1, result.output
    assert [(r["row"], r["field"], r["code"], r["disposition"]) for r in report_rows(report)] == [
        ("3", "decision_date", "invalid_date", "rejected"),
        ("4", "subject_uscc", "check_character", "rejected"),
        ("5", "subject_name", "name_mismatch", "held"),
        ("6", "decision_number", "required", "rejected"),
    ]
    assert all(r["message"] for r in report_rows(report))
    assert cli.count("credit_record") == 1
    assert cli.count("quarantined_row") == 4
    assert "invalid_date" in result.output


def test_the_report_does_not_echo_a_citizen_id_from_the_document_type_column(cli: Cli) -> None:
    """证件类型 holding the number (columns swapped): the report and the printed summary
    say what is wrong without the number, as the API's report does."""
    person = row(
        subject_name="赵某某",
        subject_category="自然人",
        subject_uscc="",
        legal_representative="",
        id_type=NEW_PERSON_ID,
        id_number=NEW_PERSON_ID,
    )
    path = write_csv(cli.files / "penalties.csv", [zh(r) for r in (row(), person)])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report)

    assert result.exit_code == 1, result.output
    assert [(r["row"], r["field"], r["code"]) for r in report_rows(report)] == [
        ("3", "id_type", "unsupported_id_type")
    ]
    for text in (report.read_text(encoding="utf-8-sig"), result.output):
        assert NEW_PERSON_ID not in text
        assert NEW_PERSON_ID[6:14] not in text


@pytest.mark.parametrize("kind", ["csv", "xlsx", "jsonl"])
def test_a_nul_in_a_value_rejects_its_row_naming_the_column(cli: Cli, kind: str) -> None:
    """The same refusal as through the API and the upload page: the pipeline's."""
    rows = [
        row(),
        row(violation_facts="在店堂广告中\x00作引人误解的宣传"),
        row(remarks="\x00"),
    ]
    if kind == "xlsx":
        path = write_xlsx_with_nul(cli.files / "penalties.xlsx", [zh(r) for r in rows])
    elif kind == "jsonl":
        path = cli.files / "penalties.jsonl"
        path.write_bytes(jsonl_bytes(rows))
    else:
        path = write_csv(cli.files / "penalties.csv", [zh(r) for r in rows])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report)

    assert result.exit_code == 1, result.output
    first = 1 if kind == "jsonl" else 2
    reported = report_rows(report)
    assert [(r["row"], r["field"], r["code"], r["disposition"]) for r in reported] == [
        (str(first + 1), "violation_facts", "nul_character", "rejected"),
        (str(first + 2), "remarks", "nul_character", "rejected"),
    ]
    assert all("U+0000" in r["message"] for r in reported)
    assert "nul_character" in result.output
    assert cli.count("credit_record") == 1
    assert cli.count("quarantined_row") == 2


def test_every_schema_error_through_the_cli(cli: Cli) -> None:
    rows = [row()] + [row(**bad) for bad, _, _ in SCHEMA_ERROR_CASES]
    path = write_csv(cli.files / "penalties.csv", [zh(r) for r in rows])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report)

    assert result.exit_code == 1, result.output
    # Spreadsheet rows: the header is row 1, the valid row 2.
    assert [(r["row"], r["field"], r["code"]) for r in report_rows(report)] == [
        (str(number), field, code)
        for number, (_, field, code) in enumerate(SCHEMA_ERROR_CASES, start=3)
    ]
    assert cli.count("credit_record") == 1


def test_a_person_for_a_type_kept_about_organisations_only(cli: Cli) -> None:
    registration = {
        **subject_row("赵某某", citizen_id=NEW_PERSON_ID),
        "entity_type": "个人独资企业",
        "established_on": "2020-01-02",
        "registration_authority": "福州市市场监督管理局",
        "authority": "福州市市场监督管理局",
        "authority_uscc": AGENCY,
        "source_unit": "福州市市场监督管理局",
        "source_unit_uscc": AGENCY,
    }
    path = write_csv(cli.files / "registrations.csv", [registration])
    report = cli.files / "report.csv"
    result = cli.import_(path, "--report", report, type_="registration")
    assert result.exit_code == 1, result.output
    assert [(r["row"], r["field"], r["code"]) for r in report_rows(report)] == [
        ("2", "subject_category", "subject_kind_not_allowed")
    ]


@pytest.mark.parametrize(
    ("record_type", "build", "field", "code", "article"),
    [
        (
            "social_insurance_arrears",
            lambda: {
                **subject_row("赵某某", citizen_id=NEW_PERSON_ID),
                "notice_number": "榕社保欠〔2026〕1号",
                "arrears_period": "2026年1月至6月",
                "arrears_amount": "0.8",
                "determined_on": RECENT.isoformat(),
                "authority": "福州市市场监督管理局",
                "authority_uscc": AGENCY,
                "source_unit": "福州市市场监督管理局",
                "source_unit_uscc": AGENCY,
            },
            "id_number",
            "consent_required",
            "Art. 11 ¶1",
        ),
        (
            "major_tax_violation",
            lambda: {
                **subject_row("赵某某", citizen_id=NEW_PERSON_ID),
                "case_number": "榕税稽〔2026〕1号",
                "case_nature": "偷税",
                "main_facts": "隐匿收入少缴个人所得税",
                "tax_amount_evaded": "987.65",
                "penalty": "追缴税款并处罚款",
                "decision_date": RECENT.isoformat(),
                "authority": "福州市市场监督管理局",
                "authority_uscc": AGENCY,
                "source_unit": "福州市市场监督管理局",
                "source_unit_uscc": AGENCY,
            },
            "tax_amount_evaded",
            "written_consent_required",
            "Art. 11 ¶2",
        ),
        (PENALTY, lambda: {**row(), "血型": "AB型"}, "血型", "prohibited_content", "Art. 11 ¶3"),
        (
            PENALTY,
            lambda: {**row(), "宗教信仰": "某教"},
            "宗教信仰",
            "prohibited_content",
            "Art. 11 ¶3",
        ),
        (PENALTY, lambda: {**row(), "病史": "高血压"}, "病史", "prohibited_content", "Art. 11 ¶3"),
        # In a natural person's free text, not only in a column's name.
        (
            PENALTY,
            lambda: row(
                subject_name="赵某某",
                subject_category="自然人",
                subject_uscc="",
                legal_representative="",
                id_number=NEW_PERSON_ID,
                violation_facts="当事人血型为AB型，擅自从事经营",
            ),
            "violation_facts",
            "prohibited_content",
            "Art. 11 ¶3",
        ),
        # A character nobody sees inside the term does not hide it from the screening.
        (
            PENALTY,
            lambda: row(
                subject_name="赵某某",
                subject_category="自然人",
                subject_uscc="",
                legal_representative="",
                id_number=NEW_PERSON_ID,
                violation_facts="当事人血\u200d型为AB型，擅自从事经营",
            ),
            "violation_facts",
            "prohibited_content",
            "Art. 11 ¶3",
        ),
    ],
)
def test_each_art_11_refusal_exits_1_with_its_paragraph_in_the_report(
    cli: Cli, record_type: str, build: Any, field: str, code: str, article: str
) -> None:
    path = write_csv(cli.files / "rows.csv", [build()])
    report = cli.files / "report.csv"

    result = cli.import_(path, "--report", report, type_=record_type)

    assert result.exit_code == 1, result.output
    (refused,) = report_rows(report)
    assert (refused["row"], refused["field"], refused["code"], refused["article"]) == (
        "2",
        field,
        code,
        article,
    )
    assert refused["disposition"] == "rejected"
    assert article in result.output
    assert cli.count("credit_record") == 0
    assert cli.count("subject") == 0, "a person without consent is not registered"
    with cli.session() as session:
        (quarantined,) = session.scalars(select(QuarantinedRow)).all()
        # Every Art. 11 refusal keeps only the reasons: keeping the values would be
        # collecting what may not be collected (prohibited) or not without consent.
        assert quarantined.values_ciphertext is None


# --- exit 2: unusable --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\r\n\r\n", "empty"),
        ("penalties.txt", b"a,b\r\n1,2\r\n", "unsupported_format"),
        ("penalties.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "unsupported_format"),
        ("garbage.csv", bytes(range(256)) * 4, "format"),
        ("garbage.xlsx", b"PK\x03\x04 not really a zip", "format"),
        ("utf16.csv", "行政相对人名称\r\n".encode("utf-16"), "encoding"),
        ("broken.jsonl", b'{"subject_name": "x"}\n{not json\n', "bad_json"),
        # Not a penalty file at all: no column is a field of the type.
        ("wrong.csv", "姓名,电话\r\n张三,123\r\n".encode(), "no_known_columns"),
    ],
)
def test_an_unusable_file_exits_2_and_writes_nothing(
    cli: Cli, name: str, content: bytes, message: str
) -> None:
    path = cli.files / name
    path.write_bytes(content)
    before = cli.snapshot(*WRITTEN_TABLES)
    result = cli.import_(path)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert cli.snapshot(*WRITTEN_TABLES) == before


def test_a_missing_file_exits_2(cli: Cli) -> None:
    result = cli.import_(cli.files / "nowhere.csv")
    assert result.exit_code == 2
    assert cli.count("batch") == 0


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_file_that_becomes_unreadable_midway_exits_2_and_writes_nothing(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 50)
    rows = [
        zh(row(subject_uscc=new_uscc(), subject_name=f"福州第{n}号贸易有限公司"))
        for n in range(400)
    ]
    good = csv_bytes(rows, encoding=encoding)
    assert len(good) > 64 * 1024, "past the part the reader sniffs for its encoding"
    path = cli.files / "broken.csv"
    path.write_bytes(good + "福州坏行有限公司,".encode(encoding) + b"\xff\xfe\xff,x\r\n")
    before = cli.snapshot(*WRITTEN_TABLES, "audit_event", "subject_name")

    result = cli.import_(path)

    assert result.exit_code == 2, result.output
    assert "encoding" in result.output
    assert "402" in result.output  # the spreadsheet row where it broke
    # ... and the column: the bad bytes are in the second cell, 行政相对人类别.
    assert "[行政相对人类别]" in result.output
    assert cli.snapshot(*WRITTEN_TABLES, "audit_event", "subject_name") == before


def test_a_source_without_the_responsibility_exits_2(cli: Cli) -> None:
    path = write_csv(cli.files / "penalties.csv", [zh(row())])
    result = cli.import_(path, source=IDLE_AGENCY)
    assert result.exit_code == 2, result.output
    assert "not_responsible" in result.output
    assert "Art. 9" in result.output
    assert cli.count("batch") == 0
    assert cli.count("credit_record") == 0


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        (["--source", "91350100M000100Y43"], "unknown_organisation"),
        (["--type", "no_such_type"], "unknown_record_type"),
    ],
)
def test_an_unknown_source_or_type_exits_2(cli: Cli, arguments: list[str], code: str) -> None:
    path = write_csv(cli.files / "penalties.csv", [zh(row())])
    options = {"--source": AGENCY, "--type": PENALTY}
    options[arguments[0]] = arguments[1]
    result = run("import", path, *[part for pair in options.items() for part in pair])
    assert result.exit_code == 2, result.output
    assert code in result.output
    assert cli.count("batch") == 0


# --- dry run -----------------------------------------------------------------------------


@pytest.mark.parametrize(("bad_rows", "exit_code"), [(0, 0), (1, 1)])
def test_a_dry_run_writes_nothing(cli: Cli, bad_rows: int, exit_code: int) -> None:
    rows = [zh(row(subject_uscc=new_uscc(), subject_name="福州新公司有限公司")), zh(row())]
    rows += [zh(row(decision_date="never")) for _ in range(bad_rows)]
    path = write_csv(cli.files / "penalties.csv", rows)
    report = cli.files / "report.csv"
    before = cli.snapshot(*WRITTEN_TABLES, "audit_event", "subject_name")

    result = cli.import_(path, "--dry-run", "--report", report)

    assert result.exit_code == exit_code, result.output
    assert "dry run" in result.output
    after = cli.snapshot(*WRITTEN_TABLES, "audit_event", "subject_name")
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }
    # Nothing written but the dry run's own audit event (``pipeline.record_dry_run``).
    assert [e.action for e in cli.audit_since(len(before["audit_event"]))] == ["batch.dry_run"]
    assert [r["code"] for r in report_rows(report)] == ["invalid_date"] * bad_rows
    # And the real import afterwards is not mistaken for a replay.
    real = cli.import_(path)
    assert real.exit_code == exit_code, real.output
    assert "imported before" not in real.output
    assert cli.count("credit_record") == 2


def test_a_dry_run_that_finds_a_person_is_audited_and_in_the_persons_access_log(
    cli: Cli,
) -> None:
    """``xinyong import --dry-run`` tells whether an ID number is registered and under
    which name (``name_mismatch``), as the API's and the page's dry runs do: audited, and
    in the found person's access log as the source's lookup (decision 0050 addendum;
    Art. 24, 34)."""
    registered = row(
        subject_name="赵某某",
        subject_category="自然人",
        subject_uscc="",
        legal_representative="",
        id_number=NEW_PERSON_ID,
    )
    assert cli.import_(write_csv(cli.files / "first.csv", [zh(registered)])).exit_code == 0
    with cli.session() as session:
        person = session.scalars(select(Subject).where(Subject.name == "赵某某")).one()
        agency = session.scalars(select(Organisation).where(Organisation.code == AGENCY)).one()
        person_id, agency_id = person.id, agency.id
        sequence = session.scalar(select(func.max(AuditEvent.sequence)))
    guess = {**registered, "subject_name": "张三丰", "decision_number": next_decision_number()}

    result = cli.import_(write_csv(cli.files / "guess.csv", [zh(guess)]), "--dry-run")

    assert result.exit_code == 1, result.output
    assert "name_mismatch" in result.output
    with cli.session() as session:
        (entry,) = session.scalars(
            select(AccessEvent).where(
                AccessEvent.subject_id == person_id, AccessEvent.what == "person_lookup"
            )
        )
        assert (entry.legal_path.value, entry.purpose, entry.organisation_id) == (
            "official_duty",
            access.DRY_RUN_PURPOSE,
            agency_id,
        )
        (tried,) = session.scalars(
            select(AuditEvent).where(AuditEvent.sequence > sequence).order_by(AuditEvent.sequence)
        )
        assert (tried.action, tried.actor_kind) == ("batch.dry_run", "system")
        details, ids = witnessed(tried.details)
        assert ids == [entry.id]
        assert (details["channel"], details["held"], details["persons_found"]) == ("cli", 1, 1)
        assert NEW_PERSON_ID not in json.dumps(tried.details, ensure_ascii=False)
        assert session.scalar(select(func.count()).select_from(Batch)) == 1


# --- the responsibility list -------------------------------------------------------------


def test_sources_revoke_stops_imports_and_grant_restores_them(cli: Cli) -> None:
    """``xinyong sources revoke``: the organisation's later files of that type are refused
    (exit 2, nothing written); revoking again is refused; ``grant`` restores it."""
    path = write_csv(cli.files / "penalties.csv", [row()])
    revoked = run("sources", "revoke", "--org", AGENCY, "--type", PENALTY)
    assert revoked.exit_code == 0, revoked.output
    assert "may no longer submit" in revoked.output
    listed = run("sources", "list", "--org", AGENCY)
    assert PENALTY not in listed.output.split()

    refused = cli.import_(path)
    assert refused.exit_code == 2, refused.output
    assert "not_responsible" in refused.output
    assert cli.count("credit_record") == 0

    again = run("sources", "revoke", "--org", AGENCY, "--type", PENALTY)
    assert again.exit_code == 2
    assert "not_responsible" in again.output
    unknown = run("sources", "revoke", "--org", IDLE_AGENCY, "--type", PENALTY)
    assert unknown.exit_code == 2
    assert "not_responsible" in unknown.output

    assert run("sources", "grant", "--org", AGENCY, "--type", PENALTY).exit_code == 0
    assert cli.import_(path).exit_code == 0
    assert cli.count("credit_record") == 1


# --- a killed import ------------------------------------------------------------------------


def _counts(cli: Cli) -> dict[str, int]:
    return {name: cli.count(name) for name in WRITTEN_TABLES}


# Run in the importing process itself: as the batch's transaction commits, a file-size limit
# (RLIMIT_FSIZE) is set 1 MB past the write-ahead log's size, with SIGXFSZ at its default
# action, so the kernel kills the process on the write that crosses it — in the middle of
# writing the batch's pages into the log, however busy the machine. Watchers that polled the
# log's size (from the test, then from a thread of the importer) were scheduled out for the
# whole burst on a loaded machine and killed only after the commit (seen in CI twice).
_KILL_IN_THE_COMMIT = """
import resource, signal, sys
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine

wal, witness, *arguments = sys.argv[1:]
wal, witness = Path(wal), Path(witness)

def on_commit(connection):
    # Only the batch's own transaction: earlier ones (the source's standing, the catalog)
    # change a few rows.
    if connection.connection.driver_connection.total_changes > 10_000:
        limit = (wal.stat().st_size if wal.exists() else 0) + 1_000_000
        witness.write_text(str(limit))
        # Python ignores SIGXFSZ (a write past the limit would fail with EFBIG and roll
        # back): the default action terminates the process where it stands.
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

event.listen(Engine, "commit", on_commit)

from xinyong.cli import main
sys.argv = ["xinyong", *arguments]
main()
"""


def test_an_import_killed_midway_leaves_nothing_and_a_rerun_gives_the_whole_batch(
    cli: Cli,
) -> None:
    """Killed by a signal, not an exception: the process gets no chance to roll anything
    back itself. It is killed while SQLite writes the batch's pages to the write-ahead log at
    commit (the batch's page cache holds them until then), the moment a torn write would
    hurt most."""
    import os
    import signal
    import subprocess
    import sys

    bench = str(Path(__file__).resolve().parent.parent / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    from datagen import generate_penalty_csv

    # Enough rows that writing the batch's pages into the log takes tens of milliseconds
    # (15,000 make ~27 MB of it); a bigger batch only takes longer to import again below.
    rows = 15_000
    # Decided up to the day the in-process rerun below takes as today.
    path = generate_penalty_csv(
        cli.files / "penalties.csv", rows, seed=3, today=TEST_NOW.date()
    ).path
    before = _counts(cli)
    wal = cli.data / "xinyong.sqlite3-wal"
    witness = cli.files / "logged-at-the-kill"
    command = [
        sys.executable,
        "-c",
        _KILL_IN_THE_COMMIT,
        str(wal),
        str(witness),
        *("import", str(path), "--source", AGENCY, "--type", PENALTY),
    ]
    process = subprocess.run(
        command,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=300,
        check=False,
    )
    assert process.returncode == -signal.SIGXFSZ, process.stderr.decode()[-2000:]
    limit = int(witness.read_text())
    # The batch writes ~27 MB into the log: it was killed a megabyte into that burst.
    assert wal.stat().st_size <= limit < 20_000_000, (wal.stat().st_size, limit)

    assert _counts(cli) == before
    with cli.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    result = cli.import_(path)
    assert result.exit_code == 0, result.output
    after = _counts(cli)
    assert after["batch"] == before["batch"] + 1
    assert after["credit_record"] == before["credit_record"] + rows
    assert after["quarantined_row"] == before["quarantined_row"]


# --- a credit service institution outside the register (Art. 26) ------------------------------


def test_an_institution_outside_the_register_imports_nothing(cli: Cli) -> None:
    """``--source`` a credit service institution the register does not list as active: exit
    2 with the register's status, nothing written, whatever consents it holds (decision
    0024 addendum); once it is registered, its file goes through the pipeline."""
    from xinyong.accounts.permissions import SYSTEM_ACTOR
    from xinyong.institutions import register
    from xinyong.institutions.models import InstitutionStatus

    code = make_uscc(random.Random(26), prefix="91")
    added = run(
        "orgs",
        "add",
        "--code",
        code,
        "--name",
        "福州守信信用评估有限公司",
        "--kind",
        "credit_service_institution",
    )
    assert added.exit_code == 0, added.output
    assert run("sources", "grant", "--org", code, "--type", "contract_performance").exit_code == 0
    rows = [
        {
            "subject_name": "福州晨光文具贸易有限公司",
            "subject_category": "法人及非法人组织",
            "subject_uscc": COMPANY,
            "contract_number": "HT-2026-001",
            "breach_description": "逾期未付服务费",
            "breach_date": "2026-10-08",
            "counterparty": "福州守信信用评估有限公司",
        }
    ]
    path = write_csv(cli.files / "contracts.csv", rows)

    unregistered = cli.import_(path, source=code, type_="contract_performance")
    assert unregistered.exit_code == 2, unregistered.output
    assert "institution_not_registered" in unregistered.output
    assert "Art. 26" in unregistered.output
    assert cli.count("batch") == 0

    with cli.session() as session:
        clock = FixedClock(TEST_NOW)
        register.register(
            session,
            clock,
            SYSTEM_ACTOR,
            uscc=code,
            name="福州守信信用评估有限公司",
            filing_number="闽信备〔2026〕0026号",
            filing_date=TEST_NOW.date(),
            business_scope="信用评价",
            services=["信用评价报告"],
        )
        register.change_status(
            session, clock, SYSTEM_ACTOR, code, status=InstitutionStatus.SUSPENDED, reason="整改"
        )
        session.commit()
    suspended = cli.import_(path, source=code, type_="contract_performance")
    assert suspended.exit_code == 2, suspended.output
    assert "institution_suspended" in suspended.output
    assert cli.count("batch") == 0

    with cli.session() as session:
        register.change_status(
            session,
            FixedClock(TEST_NOW),
            SYSTEM_ACTOR,
            code,
            status=InstitutionStatus.ACTIVE,
            reason="整改完成",
        )
        session.commit()
    active = cli.import_(path, source=code, type_="contract_performance")
    assert active.exit_code == 0, active.output
    assert cli.count("batch") == 1


@pytest.mark.parametrize("kind", sorted(hostile_workbooks.HOSTILE))
def test_a_hostile_workbook_exits_2_and_writes_nothing(cli: Cli, kind: str) -> None:
    build, code = hostile_workbooks.HOSTILE[kind]
    path = build(cli.files / f"{kind}.xlsx")
    before = cli.snapshot(*WRITTEN_TABLES)
    result = cli.import_(path)
    assert result.exit_code == 2, result.output
    assert code in result.output
    assert cli.snapshot(*WRITTEN_TABLES) == before
