"""Collection pages: upload and batch reports, the catalog, timeliness, consents,
declarations, commitments and their fulfilment, driven through the session cookie."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests import hostile_workbooks
from tests.factories import OrganisationFactory, World, auth_headers
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.catalog.service import load_rule_pack
from xinyong.clock import FixedClock
from xinyong.collection import sources
from xinyong.collection.models import Batch, Consent, CreditRecord, QuarantinedRow, RecordVersion
from xinyong.disclosure.models import AccessEvent
from xinyong.web.i18n import translations
from xinyong.web.labels import cite


def cited(article: str) -> str:
    """An article as the default (zh-Hans) pages cite it: Art. 13 ¶3 → 第十三条第三款."""
    return cite(article, translations("zh_Hans").gettext, chinese=True)


PENALTY = "administrative_penalty"
SHARED_SAMPLE = Path("/work/shared/samples/administrative_penalty.sample.csv")

# The shared sample (five 双公示 penalty rows: three companies, an individual business and
# a natural person), inline so that the tests do not depend on a file outside the tree;
# test_the_inline_sample_is_the_shared_sample keeps the two identical.
HEADER = (
    "行政相对人名称,行政相对人类别,行政相对人代码_1(统一社会信用代码),法定代表人,证件类型,"
    "证件号码,行政处罚决定书文号,违法行为类型,违法事实,处罚依据,处罚类别,处罚内容,"
    "罚款金额(万元),没收违法所得、没收非法财物的金额(万元),暂扣或吊销证照名称及编号,"
    "处罚决定日期,处罚有效期,公示截止期,处罚机关,处罚机关统一社会信用代码,数据来源单位,"
    "数据来源单位统一社会信用代码,备注"
)
_FACTS = (
    "虚假宣传,当事人在其网站发布引人误解的商业宣传,《中华人民共和国反不正当竞争法》第二十条,"
    "罚款,罚款人民币壹万伍仟元,1.5,,"
)
_AUTHORITY = (
    "2027-03-02,2027-03-02,福州市市场监督管理局,113501000036441868,福州市市场监督管理局,"
    "113501000036441868,"
)
SAMPLE_ROWS = [
    f"福州晨光文具贸易有限公司,法人及非法人组织,91350100MG59YK161P,陈某,,,"
    f"榕市监处罚〔2026〕900号,{_FACTS},2026-02-10,{_AUTHORITY}",
    f"福州海峡物流有限公司,法人及非法人组织,91350100T5A3HDXJ4X,陈某,,,"
    f"榕市监处罚〔2026〕901号,{_FACTS},2026-03-11,{_AUTHORITY}",
    f"福建榕城餐饮管理有限公司,法人及非法人组织,91350100WWAPA40225,陈某,,,"
    f"榕市监处罚〔2026〕902号,{_FACTS},2026-04-12,{_AUTHORITY}",
    f"福州鼓楼区老王小吃店,个体工商户,923501008HFML5U07D,陈某,,,"
    f"榕市监处罚〔2026〕903号,{_FACTS},2026-05-13,{_AUTHORITY}",
    f"王某某,自然人,,,身份证,350102199403157723,"
    f"榕鼓市监处罚〔2026〕17号,{_FACTS},2026-05-20,{_AUTHORITY}",
]
SAMPLE_TEXT = "\r\n".join([HEADER, *SAMPLE_ROWS]) + "\r\n"
SAMPLE_CSV = SAMPLE_TEXT.encode("utf-8")


def sample_table() -> list[list[str]]:
    return [list(row) for row in csv.reader(io.StringIO(SAMPLE_TEXT))]


def with_column(table: list[list[str]], heading: str, value: str) -> list[list[str]]:
    """The table with one more column: its heading, and the same value on every row."""
    return [[*table[0], heading], *([*row, value] for row in table[1:])]


def to_csv(table: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    return buffer.getvalue().encode("utf-8")


# --- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    """The demo world with the catalog, the regulator responsible for penalties, committed:
    a refused request rolls the shared test session back to its last commit."""
    load_rule_pack(db, clock)
    sources.grant(db, clock, SYSTEM_ACTOR, world.organisations["regulator"], PENALTY)
    db.commit()
    return world


def token(client: TestClient, path: str = "/catalog") -> str:
    return csrf_from(client.get(path, headers=HTML).text)


def upload(
    client: TestClient,
    content: bytes,
    filename: str = "penalties.csv",
    *,
    record_type: str = PENALTY,
    dry_run: bool = False,
    content_type: str = "text/csv",
    follow: bool = True,
) -> Response:
    data = {"record_type": record_type, "csrf_token": token(client)}
    if dry_run:
        data["dry_run"] = "true"
    return client.post(
        "/batches/upload",
        data=data,
        files={"file": (filename, content, content_type)},
        headers=HTML,
        follow_redirects=follow,
    )


def count(html: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', html)
    assert match, f"no {name} count in the page"
    return int(match.group(1))


def counts(html: str) -> dict[str, int]:
    names = ("rows", "created", "updated", "unchanged", "rejected", "held", "late")
    return {name: count(html, name) for name in names}


def rows_of(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def batch_id_of(response: Response) -> int:
    match = re.search(r"/batches/(\d+)", str(response.url))
    assert match, response.url
    return int(match.group(1))


def error_code(response: Response) -> str:
    match = re.search(r'data-code="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


# --- upload and report -------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_SAMPLE.exists(), reason="the shared sample is not at hand")
def test_the_inline_sample_is_the_shared_sample() -> None:
    assert SHARED_SAMPLE.read_bytes() == SAMPLE_CSV


def test_upload_creates_the_records_and_shows_the_report(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    response = upload(client, SAMPLE_CSV, "administrative_penalty.sample.csv", follow=False)
    assert response.status_code == 303
    assert re.fullmatch(r"/batches/\d+", response.headers["location"])
    report = client.get(response.headers["location"], headers=HTML)
    assert report.status_code == 200
    assert counts(report.text) == {
        "rows": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "held": 0,
        "late": 5,
    }
    assert count(report.text, "new_subjects") == 5
    assert "administrative_penalty.sample.csv" in report.text
    assert rows_of(db, CreditRecord) == 5
    batch = db.scalars(select(Batch)).one()
    assert (batch.channel, batch.filename) == ("page", "administrative_penalty.sample.csv")
    assert f'href="/batches/{batch.id}/report.csv"' in report.text
    # The list links to the report and to the upload form.
    listing = client.get("/batches", headers=HTML)
    assert f'href="/batches/{batch.id}"' in listing.text
    assert 'href="/batches/upload"' in listing.text


def test_uploading_the_same_file_again_changes_nothing(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    first = upload(client, SAMPLE_CSV)
    assert count(first.text, "created") == 5
    versions = rows_of(db, RecordVersion)
    second = upload(client, SAMPLE_CSV, follow=False)
    assert second.status_code == 303
    assert second.headers["location"] == f"/batches/{batch_id_of(first)}?replayed=1"
    again = client.get(second.headers["location"], headers=HTML)
    assert 'data-replayed="true"' in again.text
    assert count(again.text, "created") == 5  # the first report, not a second batch
    assert rows_of(db, CreditRecord) == 5
    assert rows_of(db, RecordVersion) == versions
    assert rows_of(db, Batch) == 1


def test_the_same_rows_in_another_file_are_unchanged(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    upload(client, SAMPLE_CSV)
    # Another file (a different content hash) with the same rows: a new batch, no new record.
    response = upload(client, SAMPLE_CSV.replace(b"\r\n", b"\n"))
    assert counts(response.text)["created"] == 0
    assert counts(response.text)["unchanged"] == 5
    assert rows_of(db, CreditRecord) == 5
    assert rows_of(db, Batch) == 2


def test_a_row_held_for_a_name_mismatch_is_not_confused_with_the_confidentiality_review(
    client: TestClient, db: Session, world: World
) -> None:
    """A held row (its code registered under another name, not merged) is named for what
    it is, so that it does not read as a record awaiting the Art. 12 review."""
    log_in(client, "reporter")
    upload(client, SAMPLE_CSV)
    table = sample_table()
    table[1][0] = "福州晨曦文具贸易有限公司"  # the first company's code, another name
    response = upload(client, to_csv(table))
    assert counts(response.text)["held"] == 1
    zh = translations("zh_Hans").gettext
    held = zh("Held: name does not match the registered subject")
    assert held == "暂存：名称与登记主体不符"
    assert f'<th scope="row">{held}</th><td data-count="held">1</td>' in response.text
    assert response.text.count(held) == 2  # the count and the row's disposition
    assert zh("Awaiting confidentiality review") not in held
    english = client.get(f"{response.url.path}?lang=en", headers=HTML).text
    assert "Held: name does not match the registered subject" in english
    assert "Held for review" not in english


def test_a_prohibited_column_is_refused_with_its_article(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    response = upload(client, to_csv(with_column(sample_table(), "血型", "A")))
    assert response.status_code == 200
    assert count(response.text, "created") == 0
    assert count(response.text, "rejected") == 5
    assert 'data-code="prohibited_content"' in response.text
    assert cited("Art. 11 ¶3") in response.text
    assert rows_of(db, CreditRecord) == 0
    # Keeping the values would itself be unlawful: only the reasons are kept.
    assert all(row.values_ciphertext is None for row in db.scalars(select(QuarantinedRow)))


def test_a_bad_date_is_reported_with_its_row_number(
    client: TestClient, db: Session, world: World
) -> None:
    table = sample_table()
    table[3][15] = "2026-02-30"  # the third data row: spreadsheet row 4
    log_in(client, "reporter")
    response = upload(client, to_csv(table))
    assert count(response.text, "created") == 4
    assert count(response.text, "rejected") == 1
    assert re.search(r'<tr data-row="4" data-code="invalid_date">', response.text)
    assert rows_of(db, CreditRecord) == 4


def test_a_dry_run_writes_nothing(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "reporter")
    response = upload(client, SAMPLE_CSV, dry_run=True, follow=False)
    assert response.status_code == 200
    assert 'data-dry-run="true"' in response.text
    assert count(response.text, "created") == 5
    assert "report.csv" not in response.text  # no batch to download from
    assert rows_of(db, Batch) == 0
    assert rows_of(db, CreditRecord) == 0
    assert db.scalar(select(AuditEvent.sequence).where(AuditEvent.action == "batch.ingest")) is None
    # Only the dry run itself is audited, as the API's is (``pipeline.record_dry_run``).
    tried = db.scalars(select(AuditEvent).where(AuditEvent.action == "batch.dry_run")).all()
    assert [(e.details["channel"], e.details["created"]) for e in tried] == [("page", 5)]
    # Nothing was remembered either: the real upload afterwards is not a replay.
    real = upload(client, SAMPLE_CSV, follow=False)
    assert "replayed" not in real.headers["location"]
    assert rows_of(db, CreditRecord) == 5


def test_a_dry_run_shows_the_problems(client: TestClient, db: Session, world: World) -> None:
    table = sample_table()
    table[2][15] = "not a date"
    log_in(client, "reporter")
    response = upload(client, to_csv(table), dry_run=True)
    assert 'data-row="3" data-code="invalid_date"' in response.text
    assert rows_of(db, QuarantinedRow) == 0


def test_a_dry_run_names_the_record_type_and_the_fields_as_the_saved_report_does(
    client: TestClient, db: Session, world: World
) -> None:
    """The dry run's report says what the saved batch's says: the record type by its name,
    each problem's field by its label (review r3, finding 2: both were left empty or raw)."""
    table = sample_table()
    table[2][15] = "not a date"
    log_in(client, "reporter")
    for dry_run in (True, False):
        report = upload(client, to_csv(table), dry_run=dry_run).text
        facts = report[report.index('<dl class="facts">') :]
        facts = facts[: facts.index("</dl>")]
        assert f'<a href="/catalog/{PENALTY}">行政处罚</a> (<code>{PENALTY}</code>)' in facts
        problem = re.search(r'<tr data-row="3" data-code="invalid_date">(.*?)</tr>', report, re.S)
        assert problem, report
        assert "<td>处罚决定日期</td>" in problem.group(1)


def test_an_xlsx_workbook(client: TestClient, db: Session, world: World) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in sample_table():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    log_in(client, "reporter")
    response = upload(
        client,
        buffer.getvalue(),
        "penalties.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    assert response.status_code == 200
    assert counts(response.text)["created"] == 5
    assert counts(response.text)["rejected"] == 0
    assert rows_of(db, CreditRecord) == 5


def test_a_gb18030_csv(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "reporter")
    # Windows Excel's "CSV" in China: GB18030, and browsers often call it vnd.ms-excel.
    response = upload(
        client, SAMPLE_TEXT.encode("gb18030"), content_type="application/vnd.ms-excel"
    )
    assert counts(response.text)["created"] == 5
    payloads = [v.payload for v in db.scalars(select(RecordVersion))]
    assert {p["subject_name"] for p in payloads} >= {"福州晨光文具贸易有限公司", "王某某"}


def test_a_nul_in_a_value_rejects_its_row_on_the_report_page(
    client: TestClient, db: Session, world: World
) -> None:
    """A stray NUL in a CSV cell (a database export's) is no reason to call the file binary:
    its row is refused, naming the field, as through the API and the CLI."""
    table = sample_table()
    table[2][8] = "当事人在其网站\x00发布引人误解的商业宣传"  # 违法事实, spreadsheet row 3
    log_in(client, "reporter")
    response = upload(client, to_csv(table))
    assert response.status_code == 200, response.text
    assert counts(response.text)["created"] == 4
    assert counts(response.text)["rejected"] == 1
    assert 'data-row="3" data-code="nul_character"' in response.text
    # The problem explained in the page's language, with the field's label.
    assert (
        "该值含有空字符（U+0000），任何字段都不得含有；请从文件中删除该字符后重新报送该行"
        in response.text
    )
    assert "error-detail" not in response.text  # no English left over
    download = client.get(f"/batches/{batch_id_of(response)}/report.csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][:3] == ["3", "violation_facts", "nul_character"]
    assert rows_of(db, QuarantinedRow) == 1


def test_the_report_page_does_not_echo_a_citizen_id_from_the_document_type_column(
    client: TestClient, world: World
) -> None:
    """The sample's natural person with 证件类型 holding the number: the report page says
    what is wrong in the page's language, without the number."""
    table = sample_table()
    citizen_id = table[5][5]
    table[5][4] = citizen_id  # 证件类型, spreadsheet row 6
    log_in(client, "reporter")
    response = upload(client, to_csv(table))
    assert response.status_code == 200, response.text
    assert 'data-row="6" data-code="unsupported_id_type"' in response.text
    assert "只接受公民身份号码" in response.text
    download = client.get(f"/batches/{batch_id_of(response)}/report.csv")
    for text in (response.text, download.content.decode("utf-8-sig")):
        assert citizen_id not in text
        assert citizen_id[6:14] not in text


def test_a_jsonl_file(client: TestClient, db: Session, world: World) -> None:
    header, *rows = sample_table()
    lines = [json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) for row in rows]
    log_in(client, "reporter")
    response = upload(
        client, "\n".join(lines).encode(), "penalties.jsonl", content_type="application/x-ndjson"
    )
    assert counts(response.text)["created"] == 5


def test_unknown_columns_are_listed(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    response = upload(client, to_csv(with_column(sample_table(), "经办人", "张三")))
    assert count(response.text, "created") == 5
    assert "<code>经办人</code>" in response.text


@pytest.mark.parametrize(
    ("record_type", "status", "code", "article"),
    [
        ("administrative_license", 403, "not_responsible", "Art. 9"),
        ("contract_performance", 403, "submitter_kind_not_allowed", "Art. 10 ¶1"),
        ("self_declaration", 422, "self_declared_type", "Art. 10 ¶2"),
        ("no_such_type", 404, "unknown_record_type", None),
    ],
)
def test_a_refused_submission_is_a_page_with_its_code_and_article(
    client: TestClient,
    db: Session,
    world: World,
    record_type: str,
    status: int,
    code: str,
    article: str | None,
) -> None:
    log_in(client, "reporter")
    response = upload(client, SAMPLE_CSV, record_type=record_type)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text
    assert error_code(response) == code
    if article:
        assert cited(article) in response.text
    assert rows_of(db, Batch) == 0
    assert rows_of(db, CreditRecord) == 0


def test_a_refused_submission_is_audited(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "reporter")
    upload(client, SAMPLE_CSV, record_type="administrative_license")
    refusal = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "access.refused")
        .order_by(AuditEvent.sequence.desc())
    ).first()
    assert refusal is not None
    assert refusal.details["code"] == "not_responsible"
    assert refusal.details["route"] == "/batches/upload"


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"", "empty.csv", "empty"),
        (bytes(range(256)) * 64, "garbage.csv", "format"),
        (b"PK\x03\x04 not really a workbook", "book.xlsx", "format"),
        (b"\x00\x01\x02", "scan.pdf", "unsupported_format"),
        (b"", "sheet.xls", "unsupported_format"),
        # Readable, but not a file of the type: none of its columns is one of its fields.
        ("姓名,电话\r\n张三,123\r\n".encode(), "wrong.csv", "no_known_columns"),
    ],
)
def test_an_unusable_file_is_shown_on_the_form_and_nothing_is_written(
    client: TestClient,
    db: Session,
    world: World,
    content: bytes,
    filename: str,
    code: str,
) -> None:
    log_in(client, "reporter")
    response = upload(client, content, filename, content_type="application/octet-stream")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in response.text
    assert error_code(response) == code
    # Said in the page's language, values and all: no English line beneath.
    assert "error-detail" not in response.text
    # The form again, ready for the corrected file.
    assert '<form method="post" action="/batches/upload"' in response.text
    assert re.search(r'<option value="administrative_penalty"\s+selected>', response.text)
    assert not re.search(r'id="dry_run"[^>]*checked', response.text)
    assert rows_of(db, Batch) == 0
    assert rows_of(db, CreditRecord) == 0


def test_a_refused_dry_run_stays_a_dry_run(client: TestClient, db: Session, world: World) -> None:
    """Ticked before the refusal, the dry run is ticked on the form shown again: the
    corrected file is checked, not written, as the officer asked."""
    log_in(client, "reporter")
    response = upload(client, b"", "empty.csv", dry_run=True)
    assert response.status_code == 422, response.text
    assert re.search(r'id="dry_run"[^>]*checked', response.text)
    assert rows_of(db, Batch) == 0


def test_a_header_row_alone_is_no_batch_and_names_the_missing_columns(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    response = upload(client, "行政相对人名称,备注\r\n".encode(), dry_run=True)
    assert response.status_code == 422, response.text
    assert error_code(response) == "no_rows"
    assert "行政处罚决定书文号 (decision_number)" in response.text  # a required one it lacks
    assert '<form method="post" action="/batches/upload"' in response.text
    assert rows_of(db, Batch) == 0


def test_a_header_twice_is_named_with_its_columns_in_the_pages_language(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "reporter")
    table = sample_table()
    table[0][2] = table[0][0]  # the name's header again over the code's column
    response = upload(client, to_csv(table))
    assert response.status_code == 422
    assert error_code(response) == "duplicate_header"
    name = table[0][0]
    assert f"第 1 行：表头“{name}”同时出现在第 A (1) 列和第 C (3) 列" in response.text
    # The column at fault is named as the refusal's field.
    assert f"<dd>{name}</dd>" in response.text
    assert "error-detail" not in response.text
    assert rows_of(db, Batch) == 0


@pytest.mark.parametrize("files", [{"file": ("", b"", "application/octet-stream")}, None])
def test_no_file_chosen(client: TestClient, db: Session, world: World, files: Any) -> None:
    log_in(client, "reporter")
    response = client.post(
        "/batches/upload",
        data={"record_type": PENALTY, "csrf_token": token(client)},
        files=files,
        headers=HTML,
    )
    assert response.status_code == 422
    assert error_code(response) == "required"
    assert '<form method="post" action="/batches/upload"' in response.text
    assert rows_of(db, Batch) == 0


def test_a_file_that_breaks_midway_writes_nothing(
    client: TestClient, db: Session, world: World
) -> None:
    """Rows already checked (and flushed, chunk by chunk) are rolled back with the batch."""
    junk = b"".join(f"某公司{i},法人及非法人组织\r\n".encode() for i in range(4000))
    content = SAMPLE_CSV + junk + b"\xff\xfe\xfa\x81\r\n"
    log_in(client, "reporter")
    response = upload(client, content)
    assert response.status_code == 422
    assert error_code(response) == "encoding"
    assert re.search(r"<dd>4007</dd>", response.text)  # the row, as the spreadsheet counts
    assert rows_of(db, Batch) == 0
    assert rows_of(db, CreditRecord) == 0
    assert rows_of(db, QuarantinedRow) == 0


def test_the_report_csv_download(client: TestClient, world: World) -> None:
    table = sample_table()
    table[3][15] = "2026-02-30"
    log_in(client, "reporter")
    batch_id = batch_id_of(upload(client, to_csv(table)))
    response = client.get(f"/batches/{batch_id}/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="batch-{batch_id}-report.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "field", "code", "message", "article", "disposition"]
    assert rows[1][:3] == ["4", "decision_date", "invalid_date"]
    assert rows[1][5] == "rejected"


def test_the_report_csv_equals_the_apis(client: TestClient, world: World) -> None:
    table = sample_table()
    table[3][15] = "2026-02-30"
    log_in(client, "reporter")
    batch_id = batch_id_of(upload(client, to_csv(table)))
    page = client.get(f"/batches/{batch_id}/report.csv").content.decode("utf-8-sig")
    api = client.get(
        f"/api/v1/batches/{batch_id}/report.csv", headers=auth_headers(client, "reporter")
    ).text
    assert page == api


def test_another_organisations_batch_is_not_found(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    batch_id = batch_id_of(upload(client, SAMPLE_CSV))
    log_in(client, "other_reporter")
    assert client.get(f"/batches/{batch_id}", headers=HTML).status_code == 404
    assert client.get(f"/batches/{batch_id}/report.csv", headers=HTML).status_code == 404
    assert f'href="/batches/{batch_id}"' not in client.get("/batches", headers=HTML).text


def test_the_credit_authority_sees_every_batch(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    batch_id = batch_id_of(upload(client, SAMPLE_CSV))
    log_in(client, "authority")
    listing = client.get("/batches", headers=HTML)
    assert f'href="/batches/{batch_id}"' in listing.text
    assert world.organisations["regulator"].name in listing.text
    assert client.get(f"/batches/{batch_id}", headers=HTML).status_code == 200
    # It supervises; it does not submit.
    assert client.get("/batches/upload", headers=HTML).status_code == 403


def test_the_upload_form_offers_only_the_responsible_types(
    client: TestClient, world: World
) -> None:
    log_in(client, "reporter")
    form = client.get("/batches/upload", headers=HTML)
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert re.search(r'<option value="administrative_penalty"\s*>', form.text)
    assert 'value="administrative_license"' not in form.text
    for name in ("record_type", "file", "dry_run"):
        assert f'<label for="{name}">' in form.text


def test_the_upload_needs_the_csrf_token(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "reporter")
    response = client.post(
        "/batches/upload",
        data={"record_type": PENALTY},
        files={"file": ("p.csv", SAMPLE_CSV, "text/csv")},
        headers=HTML,
    )
    assert response.status_code == 403
    assert error_code(response) == "csrf_failed"
    assert rows_of(db, Batch) == 0


@pytest.mark.parametrize(
    ("username", "path", "status"),
    [
        (None, "/batches", 401),
        (None, "/batches/upload", 401),
        ("citizen", "/batches", 403),
        ("citizen", "/batches/upload", 403),
        ("querier", "/batches", 403),
        ("reporter", "/batches", 200),
        ("security", "/batches", 200),
    ],
)
def test_who_may_open_the_batch_pages(
    client: TestClient, world: World, username: str | None, path: str, status: int
) -> None:
    if username:
        log_in(client, username)
    response = client.get(path, headers=HTML)
    assert response.status_code == status
    if status == 401:
        assert 'href="/login?next=' in response.text


# --- the same file through the page, the API and the CLI ---------------------------------


class _KeepOpen:
    """The test's session for the CLI command, which closes what it opened."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def close(self) -> None:
        pass


class _NoEngine:
    def dispose(self) -> None:
        pass


def _stored(db: Session, organisation_id: int) -> list[tuple[Any, ...]]:
    """What a source's records hold, without what differs by design (ids, batch)."""
    found = db.execute(
        select(CreditRecord, RecordVersion)
        .join(RecordVersion, RecordVersion.record_id == CreditRecord.id)
        .where(
            CreditRecord.source_organisation_id == organisation_id,
            RecordVersion.version_no == CreditRecord.current_version_no,
        )
    ).all()
    return sorted(
        (
            record.subject_id,
            record.natural_key,
            record.decision_date,
            record.severity,
            record.publicity_start,
            record.publicity_end,
            record.status,
            record.late,
            record.working_days_to_submit,
            record.rule_source,
            record.payload_hash,
            json.dumps(version.payload, ensure_ascii=False, sort_keys=True),
            version.reason,
        )
        for record, version in found
    )


def _batch_counts(db: Session, organisation_id: int) -> list[tuple[int, ...]]:
    return [
        (b.rows_total, b.created, b.updated, b.unchanged, b.rejected, b.held, b.late)
        for b in db.scalars(
            select(Batch).where(Batch.organisation_id == organisation_id).order_by(Batch.id)
        )
    ]


def test_the_page_the_api_and_the_cli_give_the_same_results(
    client: TestClient,
    db: Session,
    clock: FixedClock,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """One file, three channels, three sources: the same counts and the same records."""
    from xinyong.cli import app as cli
    from xinyong.cli import collection as cli_collection

    page_org = world.organisations["regulator"]
    api_org = world.organisations["other_agency"]
    cli_org = OrganisationFactory(name="福州市城市管理委员会")
    for organisation in (api_org, cli_org):
        sources.grant(db, clock, SYSTEM_ACTOR, organisation, PENALTY)
    db.commit()

    log_in(client, "reporter")
    page = upload(client, SAMPLE_CSV)
    assert count(page.text, "new_subjects") == 5

    api_headers = {**auth_headers(client, "other_reporter"), "Content-Type": "text/csv"}
    api = client.post(
        "/api/v1/batches", params={"type": PENALTY}, content=SAMPLE_CSV, headers=api_headers
    )
    assert api.status_code == 201, api.text
    assert api.json()["new_subjects"] == 0  # the page registered them

    sample = tmp_path / "administrative_penalty.sample.csv"
    sample.write_bytes(SAMPLE_CSV)
    monkeypatch.setattr(cli_collection, "_session_scope", lambda: (_NoEngine(), _KeepOpen(db)))
    monkeypatch.setattr(cli_collection, "clock", clock)
    arguments = ["import", str(sample), "--source", cli_org.code, "--type", PENALTY]
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output

    expected = [(5, 5, 0, 0, 0, 0, 5)]
    assert _batch_counts(db, page_org.id) == expected
    assert _batch_counts(db, api_org.id) == expected
    assert _batch_counts(db, cli_org.id) == expected
    page_records = _stored(db, page_org.id)
    assert len(page_records) == 5
    assert _stored(db, api_org.id) == page_records
    assert _stored(db, cli_org.id) == page_records
    assert rows_of(db, CreditRecord) == 15

    # Each channel recognises the file again and changes nothing.
    assert "replayed" in str(upload(client, SAMPLE_CSV).url)
    assert (
        client.post(
            "/api/v1/batches", params={"type": PENALTY}, content=SAMPLE_CSV, headers=api_headers
        ).status_code
        == 200
    )
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    assert rows_of(db, CreditRecord) == 15
    assert rows_of(db, Batch) == 3


# --- supervision and the catalog ---------------------------------------------------------


def test_timeliness_for_the_credit_authority(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    upload(client, SAMPLE_CSV)
    log_in(client, "authority")
    response = client.get("/supervision/timeliness", headers=HTML)
    assert response.status_code == 200
    regulator = world.organisations["regulator"]
    row = re.search(rf'<tr data-organisation="{regulator.code}">(.*?)</tr>', response.text, re.S)
    assert row, response.text
    assert regulator.name in row.group(1)
    assert '<td data-value="records">5</td>' in row.group(1)
    assert '<td data-value="late">5</td>' in row.group(1)
    assert '<td data-value="late_share">100.0%</td>' in row.group(1)
    assert '<th scope="col">' in response.text


@pytest.mark.parametrize(("username", "status"), [("reporter", 403), ("citizen", 403), (None, 401)])
def test_timeliness_is_refused_to_others(
    client: TestClient, world: World, username: str | None, status: int
) -> None:
    if username:
        log_in(client, username)
    response = client.get("/supervision/timeliness", headers=HTML)
    assert response.status_code == status
    assert 'role="alert"' in response.text


def test_the_catalog_is_public(client: TestClient, world: World) -> None:
    response = client.get("/catalog", headers=HTML)
    assert response.status_code == 200
    assert 'href="/catalog/administrative_penalty"' in response.text
    assert "行政处罚" in response.text
    assert "Administrative penalty" in response.text
    assert "市级规则第1版" in response.text
    assert '<th scope="col">' in response.text


def test_a_record_type_page(client: TestClient, world: World) -> None:
    response = client.get("/catalog/administrative_penalty", headers=HTML)
    assert response.status_code == 200
    text = response.text
    assert 'data-field="decision_date"' in text
    assert "处罚决定日期" in text
    assert "《福州市社会信用管理办法》第九条" in text  # legal basis
    assert 'data-severity="serious"' in text
    assert "从 fuzhou.toml 加载" in text  # version history


def test_a_record_type_page_in_english(client: TestClient, world: World) -> None:
    response = client.get("/catalog/major_tax_violation?lang=en", headers=HTML)
    assert response.status_code == 200
    assert "Major tax violation" in response.text
    assert "Restricted" in response.text  # the tax amount evaded (Art. 11 ¶2)
    assert "never collected, with or without consent (Art. 11 ¶3)" in response.text


def test_an_unknown_record_type_page(client: TestClient, world: World) -> None:
    response = client.get("/catalog/no_such_type", headers=HTML)
    assert response.status_code == 404
    assert error_code(response) == "unknown_record_type"


# --- consents ----------------------------------------------------------------------------


def _grant(client: TestClient, **fields: Any) -> Response:
    data = {"csrf_token": token(client, "/me/consents"), **fields}
    return client.post("/me/consents", data=data, headers=HTML, follow_redirects=False)


def test_a_citizen_grants_and_revokes_a_consent(
    client: TestClient, db: Session, world: World
) -> None:
    bank = world.organisations["bank"]
    person = world.subjects["person"]
    log_in(client, "citizen")
    page = client.get("/me/consents", headers=HTML)
    assert page.status_code == 200
    english = client.get("/me/consents?lang=en", headers=HTML).text
    assert "Art. 11 ¶1: information about you is collected only with your consent" in english
    assert "Art. 11 ¶2: your income, deposits" in english
    assert f'<option value="{bank.code}"' in page.text
    assert 'value="contract_performance"' in page.text
    assert 'value="major_tax_violation"' in page.text  # restricted fields need consent
    assert 'value="administrative_penalty"' not in page.text  # public by law
    for name in ("grantee", "written", "adverse_consequences_notified", "valid_until"):
        assert f'<label for="{name}">' in page.text

    response = _grant(
        client,
        grantee=bank.code,
        record_types=["contract_performance"],
        written="true",
        adverse_consequences_notified="true",
        valid_until="2027-12-31",
    )
    assert response.status_code == 303
    granted = db.scalars(select(Consent)).one()
    assert granted.subject_id == person.id
    assert granted.grantee_organisation_id == bank.id
    assert granted.record_type_codes == ["contract_performance"]
    assert granted.written
    assert granted.adverse_consequences_notified
    assert str(granted.valid_until) == "2027-12-31"

    listing = client.get(response.headers["location"], headers=HTML)
    row = re.search(
        rf'<tr data-consent="{granted.id}" data-revoked="false">(.*?)</tr>', listing.text, re.S
    )
    assert row, listing.text
    assert bank.name in row.group(1)
    assert f'action="/me/consents/{granted.id}/revoke"' in row.group(1)

    revoked = client.post(
        f"/me/consents/{granted.id}/revoke",
        data={"csrf_token": csrf_from(listing.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert db.scalars(select(Consent)).one().revoked_at is not None
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "consent.revoke")).one()
    assert event.target_id == str(person.id)
    assert event.details == {"consent_id": granted.id, "revocation": "subject"}
    after = client.get("/me/consents", headers=HTML)
    assert f'data-consent="{granted.id}" data-revoked="true"' in after.text
    # Why it ended (Art. 24).
    assert 'data-end-reason="revoked_by_subject"' in after.text
    assert f'action="/me/consents/{granted.id}/revoke"' not in after.text


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        (
            {"record_types": ["contract_performance"], "adverse_consequences_notified": "true"},
            "written_required",
        ),
        ({}, "required"),
        ({"record_types": ["contract_performance"], "valid_until": "2020-01-01"}, "expired"),
        ({"record_types": ["contract_performance"], "valid_until": "next year"}, "invalid_date"),
    ],
)
def test_a_wrong_consent_form_is_shown_again_with_the_reason(
    client: TestClient, db: Session, world: World, fields: dict[str, Any], code: str
) -> None:
    log_in(client, "citizen")
    response = _grant(client, grantee=world.organisations["bank"].code, **fields)
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert error_code(response) == code
    assert '<form method="post" action="/me/consents"' in response.text
    assert rows_of(db, Consent) == 0


def test_a_consent_without_an_organisation_is_shown_again(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    response = _grant(client, grantee="", record_types=["contract_performance"])
    assert response.status_code == 422
    assert 'id="grantee" name="grantee" required aria-invalid="true"' in response.text


def test_nobody_revokes_another_persons_consent(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    _grant(client, grantee=world.organisations["bank"].code, record_types=["contract_performance"])
    consent_id = db.scalars(select(Consent.id)).one()
    log_in(client, "other_citizen")
    response = client.post(
        f"/me/consents/{consent_id}/revoke",
        data={"csrf_token": token(client, "/me/consents")},
        headers=HTML,
    )
    assert response.status_code == 404
    assert db.scalars(select(Consent)).one().revoked_at is None


def test_revoking_needs_the_csrf_token(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "citizen")
    _grant(client, grantee=world.organisations["bank"].code, record_types=["contract_performance"])
    consent_id = db.scalars(select(Consent.id)).one()
    response = client.post(f"/me/consents/{consent_id}/revoke", headers=HTML)
    assert response.status_code == 403
    assert db.scalars(select(Consent)).one().revoked_at is None


@pytest.mark.parametrize("path", ["/me", "/me/consents", "/me/declarations"])
def test_the_subject_pages_are_for_subjects(client: TestClient, world: World, path: str) -> None:
    assert client.get(path, headers=HTML).status_code == 401
    log_in(client, "reporter")
    assert client.get(path, headers=HTML).status_code == 403
    log_in(client, "citizen")
    assert client.get(path, headers=HTML).status_code == 200


def test_the_landing_page_links_the_subject_pages(client: TestClient, world: World) -> None:
    log_in(client, "citizen")
    response = client.get("/me", headers=HTML)
    assert 'href="/me/consents"' in response.text
    assert 'href="/me/declarations"' in response.text


def test_an_organisations_account_is_not_offered_the_consents_page(
    client: TestClient, db: Session, world: World
) -> None:
    """Consent to collection is a natural person's (Art. 11 ¶1): a company's account is not
    offered the page, and is told why when it goes there all the same; so is its API."""
    log_in(client, "company")
    for path in ("/me", "/me/credit", "/me/authorisations"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert 'href="/me/consents"' not in page.text, path
    refused = client.get("/me/consents", headers=HTML)
    assert refused.status_code == 403
    assert 'data-code="not_natural_person"' in refused.text
    assert "采集授权只由自然人本人作出" in refused.text
    assert cite("Art. 11 ¶1", translations("zh_Hans").gettext, chinese=True) in refused.text
    english = client.get("/me/consents?lang=en", headers=HTML).text
    assert "consent to collection is given by natural persons only" in english
    assert "Art. 11 ¶1" in english
    posted = _grant(client, grantee=world.organisations["bank"].code, record_types=["*"])
    assert posted.status_code == 403
    assert rows_of(db, Consent) == 0
    api = auth_headers(client, "company")
    for response in (
        client.get("/api/v1/me/consents", headers=api),
        client.post(
            "/api/v1/me/consents",
            json={"grantee": world.organisations["bank"].code, "record_types": ["*"]},
            headers=api,
        ),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "not_natural_person"
        assert response.json()["error"]["article"] == "Art. 11 ¶1"


def test_a_persons_account_keeps_the_consents_page(client: TestClient, world: World) -> None:
    log_in(client, "citizen")
    for path in ("/me", "/me/credit", "/me/authorisations"):
        assert 'href="/me/consents"' in client.get(path, headers=HTML).text, path
    assert client.get("/me/consents", headers=HTML).status_code == 200


# --- declarations, commitments and their fulfilment --------------------------------------


def _declare(client: TestClient, **fields: str) -> Response:
    data = {"csrf_token": token(client, "/me/declarations"), **fields}
    return client.post("/me/declarations", data=data, headers=HTML)


def _commit(client: TestClient, unit: str) -> Response:
    data = {
        "csrf_token": token(client, "/me/declarations"),
        "commitment_type": "信用修复承诺",
        "reason": "申请信用修复",
        "text": "本人承诺依法经营，按时履行行政处罚决定。",
        "accepting_unit": unit,
    }
    return client.post("/me/commitments", data=data, headers=HTML)


def test_a_citizen_declares_information(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "citizen")
    form = client.get("/me/declarations", headers=HTML)
    for name in ("title", "content", "commitment_type", "reason", "text", "accepting_unit"):
        assert f'<label for="{name}">' in form.text
    response = _declare(client, title="志愿服务", content="2026 年参加社区志愿服务 120 小时。")
    assert response.status_code == 200
    assert 'data-self-declared="true"' in response.text
    record = db.scalars(select(CreditRecord)).one()
    assert record.self_declared
    assert record.subject_id == world.subjects["person"].id
    assert f'data-record="{record.id}"' in response.text

    again = _declare(client, title="志愿服务", content="again")
    assert again.status_code == 409
    assert error_code(again) == "duplicate"
    assert rows_of(db, CreditRecord) == 1


def test_an_empty_declaration_is_shown_again(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "company")
    response = _declare(client, title="", content="内容")
    assert response.status_code == 422
    assert error_code(response) == "required"
    assert (
        'id="title" name="title" maxlength="200" required value="" aria-invalid="true"'
        in response.text
    )
    assert rows_of(db, CreditRecord) == 0


def test_a_commitment_and_its_fulfilment(client: TestClient, db: Session, world: World) -> None:
    regulator = world.organisations["regulator"]
    log_in(client, "citizen")
    form = client.get("/me/declarations", headers=HTML)
    assert f'<option value="{regulator.code}"' in form.text
    assert f'<option value="{world.organisations["bank"].code}"' not in form.text
    response = _commit(client, regulator.code)
    assert response.status_code == 200, response.text
    assert 'data-self-declared="true"' in response.text
    assert regulator.name in response.text
    record = db.scalars(select(CreditRecord)).one()
    assert record.self_declared
    assert record.source_organisation_id == regulator.id

    # The accepting unit records the fulfilment; another organisation may not.
    log_in(client, "other_reporter")
    path = f"/commitments/{record.id}/fulfilment"
    refused = client.post(
        path,
        data={"csrf_token": token(client, "/batches"), "status": "breached", "note": "x"},
        headers=HTML,
    )
    assert refused.status_code == 403
    assert error_code(refused) == "other_organisation"
    assert cited("Art. 12") in refused.text

    # The other organisation does not even see it in its list of commitments.
    assert f'data-commitment="{record.id}"' not in client.get("/commitments", headers=HTML).text

    log_in(client, "reporter")
    listing = client.get("/commitments", headers=HTML)
    assert f'data-commitment="{record.id}"' in listing.text
    assert f'href="{path}"' in listing.text
    form = client.get(path, headers=HTML)
    assert form.status_code == 200
    assert '<label for="note">' in form.text
    missing_note = client.post(
        path, data={"csrf_token": csrf_from(form.text), "status": "fulfilled"}, headers=HTML
    )
    assert missing_note.status_code == 422
    assert error_code(missing_note) == "required"
    assert cited("Art. 24") in missing_note.text
    done = client.post(
        path,
        data={"csrf_token": csrf_from(form.text), "status": "fulfilled", "note": "已按期履行"},
        headers=HTML,
    )
    assert done.status_code == 200
    assert 'data-fulfilment="fulfilled"' in done.text
    latest = db.scalars(
        select(RecordVersion)
        .where(RecordVersion.record_id == record.id)
        .order_by(RecordVersion.version_no.desc())
    ).first()
    assert latest is not None
    assert (latest.version_no, latest.payload["fulfilment_status"]) == (2, "fulfilled")
    assert latest.reason_detail == "已按期履行"
    kept = client.get("/commitments", params={"status": "fulfilled"}, headers=HTML)
    assert f'data-commitment="{record.id}"' in kept.text
    pending = client.get("/commitments", params={"status": "pending"}, headers=HTML)
    assert f'data-commitment="{record.id}"' not in pending.text
    api = client.get("/api/v1/commitments", headers=auth_headers(client, "reporter")).json()
    assert [(c["record_id"], c["fulfilment_status"], c["version_no"]) for c in api["items"]] == [
        (record.id, "fulfilled", 2)
    ]
    assert not re.search(r"\d{17}[\dX]", str(api))  # the citizen shows masked


def test_the_units_commitment_pages_are_in_the_citizens_access_log(
    client: TestClient, db: Session, world: World
) -> None:
    """The list and the fulfilment form show the citizen's commitment (not public): each
    view is a read in his access log, which he sees on his page (Art. 24)."""
    log_in(client, "citizen")
    assert _commit(client, world.organisations["regulator"].code).status_code == 200
    record = db.scalars(select(CreditRecord)).one()
    person = world.subjects["person"]

    def entries() -> list[AccessEvent]:
        db.expire_all()
        return list(
            db.scalars(
                select(AccessEvent)
                .where(AccessEvent.subject_id == person.id, AccessEvent.what == "source_record")
                .order_by(AccessEvent.id)
            )
        )

    log_in(client, "reporter")
    assert client.get("/commitments", headers=HTML).status_code == 200
    assert len(entries()) == 1
    assert client.get(f"/commitments/{record.id}/fulfilment", headers=HTML).status_code == 200
    logged = entries()
    assert len(logged) == 2
    assert {(e.purpose, e.organisation_id) for e in logged} == {
        (
            "following up a credit commitment made to the unit (Art. 10)",
            record.source_organisation_id,
        )
    }

    log_in(client, "citizen")
    page = client.get("/me/access-log", headers=HTML)
    assert page.status_code == 200
    for entry in logged:
        assert f'data-entry="{entry.id}" data-granted="true"' in page.text
    zh = translations("zh_Hans")
    assert zh.gettext("following up a credit commitment made to the unit (Art. 10)") in page.text
    assert zh.gettext("A record shown to the unit that submitted it") in page.text


def test_a_commitment_to_a_bank_is_refused(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "citizen")
    response = _commit(client, world.organisations["bank"].code)
    assert response.status_code == 422
    assert error_code(response) == "invalid_accepting_unit"
    assert rows_of(db, CreditRecord) == 0


def test_the_fulfilment_form_is_for_submitting_staff(client: TestClient, world: World) -> None:
    assert client.get("/commitments/1/fulfilment", headers=HTML).status_code == 401
    log_in(client, "citizen")
    assert client.get("/commitments/1/fulfilment", headers=HTML).status_code == 403


def test_the_fulfilment_form_shows_the_commitment_to_its_own_unit_only(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "citizen")
    assert _commit(client, world.organisations["regulator"].code).status_code == 200
    record = db.scalars(select(CreditRecord)).one()
    path = f"/commitments/{record.id}/fulfilment"
    log_in(client, "reporter")
    form = client.get(path, headers=HTML)
    assert form.status_code == 200
    shown = form.text.split('id="commitment"', 1)[1].split("</dl>", 1)[0]
    assert world.subjects["person"].name in shown
    assert 'data-current-status="pending"' in shown
    assert not re.search(r"\d{17}[\dX]", form.text)
    log_in(client, "other_reporter")
    assert client.get(path, headers=HTML).status_code == 403
    # Nor is a form offered for a record that is no commitment, or for none at all.
    log_in(client, "reporter")
    assert client.get("/commitments/999999/fulfilment", headers=HTML).status_code == 404


def test_fulfilment_of_an_unknown_commitment(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    response = client.post(
        "/commitments/999999/fulfilment",
        data={"csrf_token": token(client), "status": "fulfilled", "note": "x"},
        headers=HTML,
    )
    assert response.status_code == 404


# --- every page, in every language -------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh_Hans", "zh_Hant", "en"])
def test_every_page_renders_in_every_language(client: TestClient, world: World, lang: str) -> None:
    table = sample_table()
    table[3][15] = "2026-02-30"
    log_in(client, "reporter")
    batch_id = batch_id_of(upload(client, to_csv(with_column(table, "经办人", "张三"))))
    dry_run = upload(client, SAMPLE_CSV, dry_run=True)
    assert dry_run.status_code == 200
    log_in(client, "citizen")
    assert _commit(client, world.organisations["regulator"].code).status_code == 200
    staff_pages = [
        "/batches",
        "/batches/upload",
        f"/batches/{batch_id}",
        "/commitments",
        f"/commitments/{_latest_commitment_id(client)}/fulfilment",
    ]
    _grant(client, grantee=world.organisations["bank"].code, record_types=["contract_performance"])
    subject_pages = ["/me", "/me/consents", "/me/declarations"]
    public_pages = ["/catalog", "/catalog/administrative_penalty", "/catalog/self_declaration"]
    for username, paths in (
        ("reporter", staff_pages),
        ("citizen", subject_pages + public_pages),
        ("authority", ["/supervision/timeliness", f"/batches/{batch_id}"]),
    ):
        log_in(client, username)
        for path in paths:
            response = client.get(path, params={"lang": lang}, headers=HTML)
            assert response.status_code == 200, (path, response.text)
            assert f'<html lang="{lang.replace("_", "-")}">' in response.text


def _latest_commitment_id(client: TestClient) -> int:
    """The newest commitment made to the reporter's unit, as its list shows it."""
    log_in(client, "reporter")
    items = client.get("/api/v1/commitments", headers=auth_headers(client, "reporter")).json()
    record_id: int = items["items"][0]["record_id"]
    log_in(client, "citizen")
    return record_id


@pytest.mark.parametrize("kind", sorted(hostile_workbooks.HOSTILE))
def test_a_hostile_workbook_is_refused_on_the_form(
    client: TestClient, db: Session, world: World, tmp_path: Path, kind: str
) -> None:
    build, code = hostile_workbooks.HOSTILE[kind]
    log_in(client, "reporter")
    content = build(tmp_path / f"{kind}.xlsx").read_bytes()
    response = upload(
        client,
        content,
        "penalties.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        dry_run=True,
    )
    assert response.status_code == 422, response.text
    assert error_code(response) == code
    # Said in the page's language, values and all.
    assert "error-detail" not in response.text
    assert rows_of(db, Batch) == 0
