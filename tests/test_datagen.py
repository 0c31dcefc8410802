"""The benchmark's data generator writes valid 双公示 administrative penalty files."""

import csv
import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

# bench/ is not a package; import it (and xinyong) from this tree.
_ROOT = Path(__file__).resolve().parents[1]
for _path in (str(_ROOT / "src"), str(_ROOT / "bench")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from datagen import (  # noqa: E402
    HEADERS,
    TODAY,
    GeneratedFile,
    generate_penalty_csv,
    main,
    make_known_subjects,
    yuan_in_capitals,
)
from xinyong.identifiers import check_citizen_id, check_uscc  # noqa: E402

# As written in rules.md, so that a typo in either copy shows.
RULES_HEADERS = (  # noqa: SIM905
    "行政相对人名称, 行政相对人类别, 行政相对人代码_1(统一社会信用代码), 法定代表人, 证件类型, "
    "证件号码, 行政处罚决定书文号, 违法行为类型, 违法事实, 处罚依据, 处罚类别, 处罚内容, "
    "罚款金额(万元), 没收违法所得、没收非法财物的金额(万元), 暂扣或吊销证照名称及编号, "
    "处罚决定日期, 处罚有效期, 公示截止期, 处罚机关, 处罚机关统一社会信用代码, 数据来源单位, "
    "数据来源单位统一社会信用代码, 备注"
).split(", ")
CATEGORIES = {"罚款", "警告", "没收违法所得", "责令停产停业", "暂扣许可证件"}
AMOUNT = re.compile(r"^\d+(\.\d{1,4})?$")


Generated = tuple[list[tuple[str, str]], GeneratedFile, list[list[str]]]


def parse_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.replace("/", "-"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    known = make_known_subjects(20, seed=3)
    path = tmp_path_factory.mktemp("bench") / "penalties.csv"
    result = generate_penalty_csv(path, 200, seed=5, known_subjects=known, person_share=0.1)
    with path.open(encoding="utf-8", newline="") as stream:
        table = list(csv.reader(stream))
    return known, result, table


def test_header_is_the_national_format_in_order(generated: Generated) -> None:
    _, _, table = generated
    assert tuple(RULES_HEADERS) == HEADERS
    assert table[0] == RULES_HEADERS


def test_counts_add_up(generated: Generated) -> None:
    _, result, table = generated
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert result.rows == len(rows) == 200
    assert result.organisations + result.persons == result.rows
    kinds = Counter(row["行政相对人类别"] for row in rows)
    assert kinds["自然人"] == result.persons
    assert kinds["个体工商户"] > 0


def test_every_code_and_id_number_validates(generated: Generated) -> None:
    _, _, table = generated
    for row in (dict(zip(table[0], row, strict=True)) for row in table[1:]):
        assert check_uscc(row["处罚机关统一社会信用代码"]).valid
        assert check_uscc(row["数据来源单位统一社会信用代码"]).valid
        if row["行政相对人类别"] == "自然人":
            assert row["行政相对人代码_1(统一社会信用代码)"] == ""
            assert row["证件类型"] == "身份证"
            assert check_citizen_id(row["证件号码"], today=TODAY).valid
        else:
            code = row["行政相对人代码_1(统一社会信用代码)"]
            assert check_uscc(code).valid
            assert code.startswith("92") == (row["行政相对人类别"] == "个体工商户")


def test_rows_carry_the_required_fields_plausibly(generated: Generated) -> None:
    _, _, table = generated
    rows = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    numbers = [row["行政处罚决定书文号"] for row in rows]
    assert len(set(numbers)) == len(numbers)
    for row in rows:
        for field in ("行政相对人名称", "违法行为类型", "处罚依据", "处罚内容", "处罚机关"):
            assert row[field]
        assert re.fullmatch(r"榕市监处罚〔\d{4}〕\d+号", row["行政处罚决定书文号"])
        assert row["处罚类别"] in CATEGORIES
        decided = parse_date(row["处罚决定日期"])
        assert TODAY - dt.timedelta(days=731) <= decided <= TODAY
        assert row["行政处罚决定书文号"].startswith(f"榕市监处罚〔{decided.year}〕")
        assert parse_date(row["公示截止期"]) > decided
        for amount in ("罚款金额(万元)", "没收违法所得、没收非法财物的金额(万元)"):
            assert row[amount] == "" or AMOUNT.match(row[amount])
        assert bool(row["罚款金额(万元)"]) == (row["处罚类别"] == "罚款")
        assert row["处罚机关"] == row["数据来源单位"] == "福州市市场监督管理局"
        assert row["处罚机关统一社会信用代码"] == "113501000036441868"


def test_known_share_is_roughly_respected(generated: Generated) -> None:
    known, result, table = generated
    known_codes = dict(known)
    about_known = [
        row for row in table[1:] if row[2] in known_codes and row[0] == known_codes[row[2]]
    ]
    assert len(about_known) == result.known_rows
    # 30% of 200 rows: binomial standard deviation about 6.5.
    assert 35 <= result.known_rows <= 85


def test_known_subjects_are_distinct_and_valid() -> None:
    known = make_known_subjects(300, seed=1)
    assert len({code for code, _ in known}) == len({name for _, name in known}) == 300
    assert all(check_uscc(code).valid for code, _ in known)
    assert make_known_subjects(300, seed=1) == known


def test_same_seed_same_file(tmp_path: Path) -> None:
    first = generate_penalty_csv(tmp_path / "a.csv", 50, seed=9)
    second = generate_penalty_csv(tmp_path / "b.csv", 50, seed=9)
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.known_rows == 0


def test_gb18030_output(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    generate_penalty_csv(path, 10, encoding="gb18030")
    assert path.read_bytes().decode("gb18030").startswith("行政相对人名称,")


@pytest.mark.parametrize(
    ("yuan", "text"),
    [(15000, "壹万伍仟"), (10500, "壹万零伍佰"), (100500, "壹拾万零伍佰"), (1005, "壹仟零伍")],
)
def test_amounts_in_capitals(yuan: int, text: str) -> None:
    assert yuan_in_capitals(yuan) == text


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "cli.csv"), "30", "--known", "5"]) == 0
    assert "30 rows" in capsys.readouterr().out
    assert len((tmp_path / "cli.csv").read_text(encoding="utf-8").splitlines()) == 31
