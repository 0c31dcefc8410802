"""Streaming readers for collected files: CSV (UTF-8 / GB18030), XLSX, JSONL and JSON."""

import csv
import datetime as dt
import io
import json
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# Import from this tree even when the shared conftest (which fixes the path) is skipped.
_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.insert(0, _SRC)

from tests import hostile_workbooks  # noqa: E402
from xinyong.collection import xlsx_guard  # noqa: E402
from xinyong.collection.readers import (  # noqa: E402
    SNIFF_BYTES,
    FileFormat,
    RawRow,
    RowSource,
    UnusableFile,
    count_rows_fast,
    detect_format,
    open_rows,
    rows_from_objects,
)
from xinyong.errors import InvalidInput  # noqa: E402

SAMPLE = Path("/work/shared/samples/administrative_penalty.sample.csv")
CODE_HEADER = "行政相对人代码_1(统一社会信用代码)"
PENALTY_TABLE = [
    ["行政相对人名称", "行政相对人类别", CODE_HEADER, "处罚类别", "罚款金额(万元)", "处罚决定日期"],
    [
        "福州晨光文具贸易有限公司",
        "法人及非法人组织",
        "91350100MG59YK161P",
        "罚款",
        "1.5",
        "2026-02-10",
    ],
    ["福州鼓楼区老王小吃店", "个体工商户", "923501008HFML5U07D", "警告", "", "2026/05/13"],
    ["王某某", "自然人", "", "罚款", "0.05", "2026-05-20"],
]


def csv_bytes(table: list[list[str]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(table)
    return text.getvalue().encode(encoding)


def read(data: bytes, fmt: FileFormat = FileFormat.CSV) -> tuple[list[str], list[RawRow]]:
    with open_rows(io.BytesIO(data), fmt) as rows:
        return rows.headers, list(rows)


def refusal(data: bytes, fmt: FileFormat = FileFormat.CSV) -> UnusableFile:
    with pytest.raises(UnusableFile) as caught:
        read(data, fmt)
    return caught.value


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLE.exists(), reason="the shared sample is not mounted")
def test_reads_the_shared_sample_file() -> None:
    with open_rows(SAMPLE, FileFormat.CSV) as rows:
        headers = rows.headers
        read_rows = list(rows)
    assert len(headers) == 23
    assert CODE_HEADER in headers
    assert [row.number for row in read_rows] == [2, 3, 4, 5, 6]
    person = read_rows[-1].values
    assert person["行政相对人类别"] == "自然人"
    assert person[CODE_HEADER] == ""
    assert person["证件号码"] == "350102199403157723"
    assert read_rows[0].values["罚款金额(万元)"] == "1.5"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_reads_utf8_with_or_without_bom_and_gb18030(encoding: str) -> None:
    headers, rows = read(csv_bytes(PENALTY_TABLE, encoding))
    assert headers == PENALTY_TABLE[0]
    assert [row.number for row in rows] == [2, 3, 4]
    assert [list(row.values.values()) for row in rows] == PENALTY_TABLE[1:]


def test_headers_are_stripped_but_not_otherwise_rewritten() -> None:
    data = "\ufeff 名称 ,罚款金额（万元）,Remark\t\n甲,1,x\n".encode()
    headers, rows = read(data)
    # Full-width brackets stay: mapping header variants is the pipeline's business.
    assert headers == ["名称", "罚款金额（万元）", "Remark"]
    assert rows[0].values == {"名称": "甲", "罚款金额（万元）": "1", "Remark": "x"}


def test_cells_are_stripped_and_empty_cells_are_empty_strings() -> None:
    _, rows = read("a,b,c\n  甲 ,, \t\n".encode())
    assert rows[0].values == {"a": "甲", "b": "", "c": ""}


def test_a_character_cut_by_the_sniffed_sample_does_not_change_the_guess() -> None:
    for encoding, char in (("utf-8", "中"), ("gb18030", "中")):
        width = len(char.encode(encoding))
        header = "名称\n".encode(encoding)
        filler = b"a" * (SNIFF_BYTES - len(header) - 1)
        data = header + filler + (char * 3).encode(encoding) + b"\n"
        assert len(header + filler) + width > SNIFF_BYTES
        _, rows = read(data)
        assert rows[0].values["名称"].endswith(char * 3)


def test_quoted_fields_with_line_breaks_count_as_one_spreadsheet_row() -> None:
    data = 'a,b\n"第一行\n第二行",1\n"x,""y""",2\n'.encode()
    _, rows = read(data)
    assert [(row.number, row.values) for row in rows] == [
        (2, {"a": "第一行\n第二行", "b": "1"}),
        (3, {"a": 'x,"y"', "b": "2"}),
    ]


def test_blank_lines_are_skipped_but_keep_their_row_numbers() -> None:
    _, rows = read(b"\n\na,b\n1,2\n\n , \n,,\n3,4\n")
    assert [(row.number, row.values["a"]) for row in rows] == [(4, "1"), (8, "3")]


def test_short_rows_are_padded_and_long_rows_keep_the_surplus_as_extras() -> None:
    _, rows = read(b"a,b,c\n1\n1,2,3,4,,6\n1,2,3,,\n")
    assert rows[0].values == {"a": "1", "b": "", "c": ""}
    assert rows[0].extra == {}
    assert rows[1].values == {"a": "1", "b": "2", "c": "3", "__extra_1": "4", "__extra_3": "6"}
    assert rows[1].extra == {"__extra_1": "4", "__extra_3": "6"}
    # Trailing empty cells, as spreadsheet exports often write, are not extras.
    assert rows[2].values == {"a": "1", "b": "2", "c": "3"}


def test_duplicate_headers_are_refused() -> None:
    error = refusal("名称,类别, 名称\n".encode())
    assert error.code == "duplicate_header"
    assert error.row == 1
    assert error.field == "名称"
    assert "名称" in error.message
    assert "A (1)" in error.message
    assert "C (3)" in error.message


def test_a_column_without_header_is_accepted_only_while_it_is_empty() -> None:
    headers, rows = read(b"a,,c\n1,,3\n4, ,6\n")
    assert headers == ["a", "c"]
    assert [row.values for row in rows] == [{"a": "1", "c": "3"}, {"a": "4", "c": "6"}]

    error = refusal(b"a,,c\n1,,3\n4,5,6\n")
    assert (error.code, error.row) == ("no_header", 3)
    assert "B (2)" in error.message
    assert error.field is None  # the column has no header to name it by


@pytest.mark.parametrize("data", [b"", b"\n\r\n  \n", b",,\n"])
def test_a_file_without_header_is_empty(data: bytes) -> None:
    assert refusal(data).code == "empty"


def test_a_header_without_data_rows_is_not_an_error() -> None:
    headers, rows = read(b"a,b\n")
    assert (headers, rows) == (["a", "b"], [])


def test_invalid_bytes_after_the_sniffed_sample_name_their_row() -> None:
    body = "".join(f"福州某公司{i},{i}\n" for i in range(5000)).encode()
    assert len(body) > SNIFF_BYTES
    data = "名称,金额\n".encode() + body + b"\xff\xfe\xfd,1\n" + "乙,2\n".encode()
    error = refusal(data)
    assert (error.code, error.row, error.field) == ("encoding", 5002, "名称")
    assert "UTF-8" in error.message
    assert "column A (1)" in error.message


def test_invalid_bytes_inside_the_sample_name_their_row_too() -> None:
    for encoding in ("utf-8", "gb18030"):
        data = csv_bytes([["名称", "说明"], ["甲", "多行\n说明"], ["乙", "x"]], encoding)
        error = refusal(data + b"1,\xff\n")
        # Row 4 of the spreadsheet, though it is the file's 5th line; in the column 说明.
        assert (error.code, error.row, error.field) == ("encoding", 4, "说明")
        assert "line 5" in error.message
        assert error.as_dict()["field"] == "说明"


def test_invalid_bytes_where_no_column_has_a_name_leave_the_field_empty() -> None:
    # In the header row; past the last header; in a line that is not CSV either.
    for data in (b"a,\xff\n1,2\n", b"a,b\n1,2,\xff\n", b'a,b\n1,"\xff"x\n'):
        error = refusal(data)
        assert (error.code, error.field) == ("encoding", None), data


def test_bytes_in_no_known_encoding_are_refused() -> None:
    error = refusal(b"\xff\xfe\xfd\xfc")
    assert error.code == "encoding"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("名称,金额\n".encode("utf-16"), "encoding"),
        (b"PK\x03\x04\x14\x00\x06\x00", "format"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "format"),
    ],
)
def test_files_that_are_not_csv_text_are_named_for_what_they_are(data: bytes, code: str) -> None:
    assert refusal(data).code == code


def test_a_stray_nul_in_csv_text_is_read_for_the_pipeline_to_refuse_in_its_row() -> None:
    """A binary file is refused whole; CSV text with a NUL in a cell is still text, and its
    row is refused by the pipeline (nul_character), not the file."""
    headers, rows = read("名称,金额\n甲\x00乙,1\n丙,2\n".encode())
    assert headers == ["名称", "金额"]
    assert [row.values for row in rows] == [
        {"名称": "甲\x00乙", "金额": "1"},
        {"名称": "丙", "金额": "2"},
    ]
    assert refusal(b"a,b\n" + bytes(range(32)) * 4).code == "format"


def test_an_unclosed_quote_is_refused_at_its_row() -> None:
    error = refusal(b'a,b\n1,2\n"3,4\n5,6\n')
    assert (error.code, error.row) == ("format", 3)
    assert "double quote" in error.message


def test_a_stream_passed_in_stays_open_and_rows_are_read_once() -> None:
    stream = io.BytesIO(b"a\n1\n")
    rows = open_rows(stream, FileFormat.CSV)
    assert [row.values for row in rows] == [{"a": "1"}]
    assert not stream.closed
    with pytest.raises(RuntimeError):
        iter(rows)


def test_readers_satisfy_the_row_source_protocol() -> None:
    source: RowSource = open_rows(io.BytesIO(b"a\n1\n"), FileFormat.CSV)
    assert source.headers == ["a"]


def test_unusable_file_is_an_invalid_input_with_its_row() -> None:
    error = refusal(b"a,a\n")
    assert isinstance(error, InvalidInput)
    assert error.as_dict()["code"] == "duplicate_header"
    assert error.details == {"row": 1}


# Cells are whatever csv.writer can produce, except NUL (a file with many NULs is refused as
# binary). The first header is a real one so that GB18030 is told from UTF-8 as in real files.
CELL = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
HEADER = CELL.map(str.strip).filter(bool).filter(lambda h: "\ufeff" not in h)


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    extra = draw(st.lists(HEADER, max_size=4, unique=True).filter(lambda h: "名称" not in h))
    headers = ["名称", *extra]
    rows = draw(st.lists(st.lists(CELL, min_size=len(headers), max_size=len(headers))))
    return [headers, *rows]


@settings(database=None, deadline=None, max_examples=200)
@given(table=tables(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_whatever_csv_writer_writes_reads_back_the_same(
    table: list[list[str]], encoding: str
) -> None:
    headers, rows = read(csv_bytes(table, encoding))
    assert headers == table[0]
    expected = [
        (number, dict(zip(table[0], [cell.strip() for cell in row], strict=True)))
        for number, row in enumerate(table[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    assert [(row.number, row.values) for row in rows] == expected


# --- XLSX ------------------------------------------------------------------------------------


def make_xlsx(path: Path, rows: list[list[object]], *, start: str = "A1") -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    letters, first_row = coordinate_from_string(start)
    first_column = column_index_from_string(letters)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                sheet.cell(row=first_row + r, column=first_column + c, value=value)
    workbook.create_sheet("Other").append(["ignored"])
    workbook.save(path)
    return path


def test_xlsx_cells_become_text(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "penalties.xlsx",
        [
            ["名称", "代码", "日期", "金额", "罚款(万元)", "时间", "是否", "算出"],
            [
                "福州晨光文具贸易有限公司",
                "113501000036441868",
                dt.date(2026, 2, 10),
                15000,
                1.5,
                dt.datetime(2026, 1, 2, 3, 4, 5),
                True,
                "=0.1+0.2",
            ],
            [],
            ["  乙 ", 113501000036441868, None, 0.1 + 0.2, 0.0001],
        ],
    )
    with open_rows(path, FileFormat.XLSX) as rows:
        headers = rows.headers
        read_rows = list(rows)
    assert headers == ["名称", "代码", "日期", "金额", "罚款(万元)", "时间", "是否", "算出"]
    assert [row.number for row in read_rows] == [2, 4]
    first, second = (row.values for row in read_rows)
    assert first["代码"] == "113501000036441868"
    assert first["日期"] == "2026-02-10"
    assert first["金额"] == "15000"
    assert first["罚款(万元)"] == "1.5"
    assert first["时间"] == "2026-01-02 03:04:05"
    assert first["是否"] == "TRUE"
    # calamine reads the result Excel cached with a formula; openpyxl caches none, so the
    # cell's value is unknown: read as "" and flagged, for the pipeline to refuse.
    assert first["算出"] == ""
    assert read_rows[0].formulas == ("算出",)
    assert read_rows[1].formulas == ()
    assert second["名称"] == "乙"
    assert second["日期"] == ""
    # Excel keeps 15 significant digits, and so does the reader: 0.1 + 0.2 reads as "0.3",
    # and an 18-digit code typed as a number has lost its last digits (it will then fail
    # its check character): codes must be text cells.
    assert second["金额"] == "0.3"
    assert second["代码"] == "113501000036442000"
    assert second["罚款(万元)"] == "0.0001"


def patch_sheet(path: Path, *replacements: tuple[bytes, bytes]) -> Path:
    """The workbook with its first sheet's XML edited, as another writer would write it."""
    patched = path.with_suffix(".patched")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for member in source.infolist():
            data = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                for old, new in replacements:
                    assert old in data, old
                    data = data.replace(old, new)
            target.writestr(member, data)
    patched.replace(path)
    return path


def test_xlsx_formulas_read_as_their_cached_result_or_are_flagged(tmp_path: Path) -> None:
    path = make_xlsx(
        tmp_path / "formulas.xlsx",
        [
            ["名称", "金额", "备注"],
            ['=CONCAT("甲","乙")', "=1+1", "x"],  # Excel's cached results below
            ["丙", "=1+1", "y"],  # no cached result (openpyxl's)
            [None, "=2+2", None],  # nothing else in the row: still a row
            ["丁", '=""', None],  # a cached empty string is a value
        ],
    )
    patch_sheet(
        path,
        (
            b'<c r="A2"><f>CONCAT("\xe7\x94\xb2","\xe4\xb9\x99")</f><v /></c>'
            b'<c r="B2"><f>1+1</f><v /></c>',
            b'<c r="A2" t="str"><f>CONCAT("\xe7\x94\xb2","\xe4\xb9\x99")</f><v>\xe7\x94\xb2'
            b'\xe4\xb9\x99</v></c><c r="B2"><f>1+1</f><v>2</v></c>',
        ),
        (b'<c r="B5"><f>""</f><v /></c>', b'<c r="B5" t="str"><f>""</f><v></v></c>'),
    )
    # From a stream: the search for formulas leaves it where calamine expects it.
    with path.open("rb") as stream, open_rows(stream, FileFormat.XLSX) as rows:
        read_rows = list(rows)
    assert [(row.number, row.values, row.formulas) for row in read_rows] == [
        (2, {"名称": "甲乙", "金额": "2", "备注": "x"}, ()),
        (3, {"名称": "丙", "金额": "", "备注": "y"}, ("金额",)),
        (4, {"名称": "", "金额": "", "备注": ""}, ("金额",)),
        (5, {"名称": "丁", "金额": "", "备注": ""}, ()),
    ]


def test_xlsx_shared_formulas_and_cells_without_references(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "shared.xlsx", [["a", "b"], [1, "=A2*2"], [2, "=A3*2"]])
    patch_sheet(
        path,
        (
            b'<c r="B2"><f>A2*2</f><v /></c>',
            b'<c r="B2"><f t="shared" ref="B2:B3" si="0">A2*2</f></c>',
        ),
        (b'<c r="B3"><f>A3*2</f><v /></c>', b'<c><f t="shared" si="0"/></c>'),
    )
    with open_rows(path, FileFormat.XLSX) as rows:
        read_rows = list(rows)
    assert [(row.number, row.formulas) for row in read_rows] == [(2, ("b",)), (3, ("b",))]


def test_xlsx_from_a_stream_and_data_not_starting_at_a1(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "offset.xlsx", [["a", "b"], [1, "x"], [None, "y"]], start="C3")
    with path.open("rb") as stream, open_rows(stream, FileFormat.XLSX) as rows:
        assert rows.headers == ["a", "b"]
        read_rows = list(rows)
    assert [(row.number, row.values) for row in read_rows] == [
        (4, {"a": "1", "b": "x"}),
        (5, {"a": "", "b": "y"}),
    ]


def test_xlsx_header_problems(tmp_path: Path) -> None:
    duplicate = make_xlsx(tmp_path / "dup.xlsx", [["a", "b", "a"], [1, 2, 3]])
    with pytest.raises(UnusableFile) as caught:
        open_rows(duplicate, FileFormat.XLSX)
    assert (caught.value.code, caught.value.row, caught.value.field) == (
        "duplicate_header",
        1,
        "a",
    )

    unnamed = make_xlsx(tmp_path / "unnamed.xlsx", [["a", None, "c"], [1, None, 3], [1, 2, 3]])
    with open_rows(unnamed, FileFormat.XLSX) as rows, pytest.raises(UnusableFile) as caught:
        list(rows)
    assert (caught.value.code, caught.value.row) == ("no_header", 3)
    assert "B (2)" in caught.value.message


def test_unreadable_and_empty_workbooks(tmp_path: Path) -> None:
    with pytest.raises(UnusableFile) as caught:
        open_rows(io.BytesIO(b"a,b\n1,2\n"), FileFormat.XLSX)
    assert caught.value.code == "format"
    # What to do, in words the pages translate; not the library's own ("Cannot detect file
    # format"), which reached the zh page in English.
    assert caught.value.message.startswith("The file is not a readable .xlsx workbook: ")
    assert "Cannot detect" not in caught.value.message
    from xinyong.web.i18n import translations
    from xinyong.web.refusals import explain

    shown = explain(caught.value, translations("zh_Hans").gettext).text
    assert shown.startswith("文件不是可读取的 .xlsx 工作簿")

    empty = make_xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(UnusableFile) as caught:
        open_rows(empty, FileFormat.XLSX)
    assert caught.value.code == "empty"


# --- JSON Lines and JSON ---------------------------------------------------------------------


def test_jsonl_skips_blank_lines_and_numbers_rows_by_line() -> None:
    data = (
        '\ufeff{"名称": " 甲 ", "金额": 1.5, "件数": 3, "罚款": 2.0, "有": true}\n'
        "\n   \n"
        '{"名称": "乙", "备注": null, "大数": 1e20, "代码": 113501000036441868}\r\n'
    ).encode()
    headers, rows = read(data, FileFormat.JSONL)
    assert [row.number for row in rows] == [1, 4]
    assert rows[0].values == {"名称": "甲", "金额": "1.5", "件数": "3", "罚款": "2", "有": "true"}
    assert rows[1].values == {
        "名称": "乙",
        "备注": "",
        "大数": "100000000000000000000",
        "代码": "113501000036441868",
    }
    # First-seen order; keys first met on a later line are added as they are read.
    assert headers == ["名称", "金额", "件数", "罚款", "有", "备注", "大数", "代码"]


@pytest.mark.parametrize(
    ("data", "code", "row", "field"),
    [
        (b'{"a": 1}\n\n{"a": 2\n', "bad_json", 3, None),
        (b'{"a": 1}\n[1, 2]\n', "bad_json", 2, None),
        (b'{"a": {"b": 1}}\n', "bad_json", 1, "a"),
        (b'{"a": [1]}\n', "bad_json", 1, "a"),
        (b'{"a": 1}\n{"a": "\xff"}\n', "encoding", 2, None),
        # These two were a 500 (RecursionError, and ValueError past Python's limit on the
        # digits of an int); found by hand while fuzzing the API.
        (b'{"a": 1}\n{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "bad_json", 2, None),
        (b'{"a": 1' + b"0" * 5000 + b"}\n", "bad_json", 1, None),
        (b'{"a": 1, " a": 2}\n', "duplicate_header", 1, "a"),
        (b'{"": "x"}\n', "no_header", 1, None),
        (b"\n\n", "empty", None, None),
    ],
)
def test_jsonl_refusals(data: bytes, code: str, row: int | None, field: str | None) -> None:
    """The field is the member at fault where one is and has a name; a line that does not
    decode or parse, or a nameless member, has none."""
    error = refusal(data, FileFormat.JSONL)
    assert (error.code, error.row, error.field) == (code, row, field)


def test_json_list_is_read_one_object_at_a_time() -> None:
    objects = [{"名称": f"公司{i}", "说明": "长" * 50, "序号": i} for i in range(5000)]
    data = json.dumps(objects, ensure_ascii=False, indent=1).encode()
    assert len(data) > 2 * 256 * 1024  # crosses several read chunks
    headers, rows = read(data, FileFormat.JSON)
    assert headers == ["名称", "说明", "序号"]
    assert len(rows) == 5000
    assert (rows[-1].number, rows[-1].values["序号"]) == (5000, "4999")


@pytest.mark.parametrize(
    ("data", "code", "row"),
    [
        (b"", "empty", None),
        (b" [ ] ", "empty", None),
        (b'{"a": 1}', "bad_json", None),
        (b'[{"a": 1} {"a": 2}]', "bad_json", 2),
        (b'[{"a": 1}, 3]', "bad_json", 2),
        (b'[{"a": 1}, {"a": 2]', "bad_json", 2),
        (b'[{"a": 1}] x', "bad_json", 2),
        (b'[{"a": 1}, {"a": {"b": 2}}]', "bad_json", 2),
        (b'{"rows": [{"a": 1}], "more": 1}', "bad_json", 2),
        (b'{"items": [{"a": 1}]}', "bad_json", None),
        (b'{"rows": []}', "empty", None),
        # As for JSON Lines: these were a 500.
        (b'[{"a": 1}, {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", "bad_json", 2),
        (b"[" * 100_000 + b"]" * 100_000, "bad_json", 1),
        (b'{"rows": [{"a": 1' + b"0" * 5000 + b"}]}", "bad_json", 1),
    ],
)
def test_json_list_refusals(data: bytes, code: str, row: int | None) -> None:
    error = refusal(data, FileFormat.JSON)
    assert (error.code, error.row) == (code, row)
    # Only a member holding a nested value is named: the rest are not about one member.
    assert error.field == ("a" if data == b'[{"a": 1}, {"a": {"b": 2}}]' else None)


def test_a_json_record_longer_than_the_limit_says_so() -> None:
    # The message was only the decoder's "Unterminated string", as if the JSON were broken.
    data = b'[{"a": "' + b"x" * (10 * 1024 * 1024) + b'"}]'
    error = refusal(data, FileFormat.JSON)
    assert (error.code, error.row) == ("bad_json", 1)
    assert "at most" in error.message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'[{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}]", "nested too deeply"),
        (b'[{"a": 1' + b"0" * 5000 + b"}]", "digits"),
    ],
)
def test_json_the_parser_cannot_take_is_named_for_why(data: bytes, problem: str) -> None:
    assert problem in refusal(data, FileFormat.JSON).message
    assert problem in refusal(data[1:-1] + b"\n", FileFormat.JSONL).message


def test_json_body_wrapped_in_rows() -> None:
    headers, rows = read(b' {\n "rows" : [{"a": 1}, {"a": 2, "b": null}]\n} \n', FileFormat.JSON)
    assert headers == ["a", "b"]
    assert [(row.number, row.values) for row in rows] == [(1, {"a": "1"}), (2, {"a": "2", "b": ""})]


def test_rows_from_objects() -> None:
    rows = rows_from_objects(
        [
            {"名称": "甲", "金额": Decimal("1.50"), "日期": dt.date(2026, 2, 10)},
            {"名称": "乙", "新字段": 2.0},
        ],
        first_number=10,
    )
    read_rows = list(rows)
    assert [row.number for row in read_rows] == [10, 11]
    assert read_rows[0].values == {"名称": "甲", "金额": "1.50", "日期": "2026-02-10"}
    assert read_rows[1].values == {"名称": "乙", "新字段": "2"}
    assert rows.headers == ["名称", "金额", "日期", "新字段"]


def test_rows_from_objects_refusals() -> None:
    with pytest.raises(UnusableFile) as caught:
        rows_from_objects([])
    assert caught.value.code == "empty"
    with pytest.raises(UnusableFile) as caught:
        list(rows_from_objects([{"a": "1"}, {"a": {"nested": 1}}]))
    assert (caught.value.code, caught.value.row, caught.value.field) == ("bad_json", 2, "a")
    with pytest.raises(UnusableFile) as caught:
        list(rows_from_objects([{"a": "1"}, "text"]))  # type: ignore[list-item]
    assert (caught.value.code, caught.value.row) == ("bad_json", 2)


# --- format detection and counting ---------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("处罚.CSV", None, FileFormat.CSV),
        ("book.xlsx", "application/octet-stream", FileFormat.XLSX),
        ("rows.jsonl", None, FileFormat.JSONL),
        ("rows.ndjson", None, FileFormat.JSONL),
        ("body.json", None, FileFormat.JSON),
        # Windows browsers send the old Excel type for .csv files: the extension wins.
        ("export.csv", "application/vnd.ms-excel", FileFormat.CSV),
        ("upload", "text/csv; charset=utf-8", FileFormat.CSV),
        ("blob", "application/x-ndjson", FileFormat.JSONL),
        (
            "noext",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileFormat.XLSX,
        ),
    ],
)
def test_detect_format(filename: str, content_type: str | None, expected: FileFormat) -> None:
    assert detect_format(filename, content_type) is expected


@pytest.mark.parametrize("filename", ["old.xls", "notes.txt", "noext"])
def test_detect_format_refuses_other_files(filename: str) -> None:
    with pytest.raises(UnusableFile) as caught:
        detect_format(filename, "text/plain")
    assert caught.value.code == "unsupported_format"
    assert filename in caught.value.message


def test_count_rows_fast(tmp_path: Path) -> None:
    csv_path = tmp_path / "a.csv"
    csv_path.write_bytes(b"a,b\r\n1,2\r\n3,4")
    jsonl_path = tmp_path / "a.jsonl"
    jsonl_path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3}\n')
    xlsx_path = make_xlsx(tmp_path / "a.xlsx", [["a"], [1], [2], [3], [4]])
    assert count_rows_fast(csv_path, FileFormat.CSV) == 2
    assert count_rows_fast(jsonl_path, FileFormat.JSONL) == 3
    assert count_rows_fast(xlsx_path, FileFormat.XLSX) == 4
    assert count_rows_fast(jsonl_path, FileFormat.JSON) is None
    assert count_rows_fast(csv_path, FileFormat.XLSX) is None


def test_count_rows_fast_without_a_declared_dimension(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook(write_only=True)  # writes no <dimension>
    sheet = workbook.create_sheet()
    for i in range(101):
        sheet.append([f"row {i}"])
    workbook.save(tmp_path / "w.xlsx")
    assert count_rows_fast(tmp_path / "w.xlsx", FileFormat.XLSX) == 100


def test_a_workbook_with_damaged_compressed_data_is_unusable_not_a_crash(tmp_path: Path) -> None:
    """The formula scan reads the sheet before calamine does; a damaged archive (here a
    sheet whose deflated bytes are garbage, so zlib fails) is still refused as unusable."""
    import zipfile

    path = make_xlsx(tmp_path / "good.xlsx", [["名称", "金额"], ["甲", "=1+1"]])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    raw = bytearray(damaged.read_bytes())
    with zipfile.ZipFile(damaged) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start, start + min(info.compress_size, 64)):
        raw[offset] ^= 0x5A
    caught = refusal(bytes(raw), FileFormat.XLSX)
    assert caught.code == "format"


# --- hostile workbooks: refused before python-calamine is given them -------------------------
# Each of these aborted the process, or took seconds and gigabytes, before the guard
# (xinyong.collection.xlsx_guard): that this test process survives them is the check.


@pytest.mark.parametrize("kind", sorted(hostile_workbooks.HOSTILE))
def test_a_hostile_workbook_is_refused_before_calamine_reads_it(tmp_path: Path, kind: str) -> None:
    build, code = hostile_workbooks.HOSTILE[kind]
    path = build(tmp_path / f"{kind}.xlsx")
    with pytest.raises(UnusableFile) as caught:
        open_rows(path, FileFormat.XLSX)
    assert caught.value.code == code
    with path.open("rb") as stream, pytest.raises(UnusableFile) as streamed:
        open_rows(stream, FileFormat.XLSX)
    assert streamed.value.code == code


@pytest.mark.parametrize("kind", sorted(hostile_workbooks.QUIRKY))
def test_a_far_cell_written_unusually_is_found_too(tmp_path: Path, kind: str) -> None:
    path = hostile_workbooks.QUIRKY[kind](tmp_path / f"{kind}.xlsx")
    with pytest.raises(UnusableFile) as caught:
        open_rows(path, FileFormat.XLSX)
    assert caught.value.code == "far_cell"
    assert "1048576 rows" in caught.value.message


def test_a_far_cell_is_named(tmp_path: Path) -> None:
    path = hostile_workbooks.far_cell(tmp_path / "far.xlsx")
    with pytest.raises(UnusableFile) as caught:
        open_rows(path, FileFormat.XLSX)
    assert "XFD1048576" in caught.value.message
    assert "1048576 rows by 16384 columns" in caught.value.message


def test_a_part_past_its_cap_is_named_whatever_size_it_declares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cap itself is 512 MiB; lowered here so the workbook stays small.
    monkeypatch.setattr(xlsx_guard, "MAX_PART_BYTES", 4 * 1024 * 1024)
    for build in (hostile_workbooks.shared_strings_bomb, hostile_workbooks.lying_sizes):
        path = build(tmp_path / "strings.xlsx", 5)
        with pytest.raises(UnusableFile) as caught:
            open_rows(path, FileFormat.XLSX)
        assert caught.value.code == "workbook_too_large"
        assert "“xl/sharedStrings.xml”" in caught.value.message
        assert "more than 4 MiB" in caught.value.message


def test_the_whole_workbook_has_a_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_guard, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(UnusableFile) as caught:
        open_rows(hostile_workbooks.plain(tmp_path / "plain.xlsx"), FileFormat.XLSX)
    assert caught.value.code == "workbook_too_large"
    assert caught.value.message.startswith("The workbook unpacks to more than")


def test_a_sheet_too_large_to_read_dense(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_guard, "MAX_SHEET_CELLS", 3)
    with pytest.raises(UnusableFile) as caught:
        open_rows(hostile_workbooks.plain(tmp_path / "plain.xlsx"), FileFormat.XLSX)
    assert caught.value.code == "sheet_too_large"
    assert "2 rows by 2 columns, to cell A2" in caught.value.message


@pytest.mark.parametrize(
    "build",
    [hostile_workbooks.plain, hostile_workbooks.huge_dimension, hostile_workbooks.sparse_note],
)
def test_workbooks_the_guard_lets_through(tmp_path: Path, build: Any) -> None:
    """A declared dimension is not trusted either way (calamine sizes its grid by the cells
    it keeps), and a note a few thousand rows below the data is cheap to read."""
    with open_rows(build(tmp_path / "book.xlsx"), FileFormat.XLSX) as rows:
        assert rows.headers == ["name", "amount"]
        read = list(rows)
    assert read[0].values == {"name": "甲", "amount": "100"}
