"""Synthetic 双公示 administrative penalty files for the ingestion benchmark.

``generate_penalty_csv`` streams rows straight to disk (constant memory at any size) in the
exact national format: the 23 headers of rules.md, in order. Every row is valid: codes and
ID numbers carry correct check characters, decision numbers are unique, dates lie in the
two years up to ``today``, amounts are in 万元 with at most 4 decimals.

    uv run python bench/datagen.py penalties.csv 1000000 --known 20000
    uv run python bench/datagen.py --quick          # 10,000 rows into a temporary file
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from xinyong.synthetic import make_citizen_id, make_uscc

HEADERS: Final = (
    "行政相对人名称",
    "行政相对人类别",
    "行政相对人代码_1(统一社会信用代码)",
    "法定代表人",
    "证件类型",
    "证件号码",
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    "罚款金额(万元)",
    "没收违法所得、没收非法财物的金额(万元)",
    "暂扣或吊销证照名称及编号",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
)

TODAY: Final = dt.date(2026, 11, 28)
AUTHORITY: Final = "福州市市场监督管理局"
AUTHORITY_CODE: Final = "113501000036441868"
ORGANISATION: Final = "法人及非法人组织"
INDIVIDUAL_BUSINESS: Final = "个体工商户"
PERSON: Final = "自然人"

_WORDS: Final = (
    "晨光", "海峡", "榕城", "闽江", "鼓山", "金山", "东方", "华宇", "恒达", "鑫源",
    "三坊", "七巷", "乌山", "于山", "屏山", "西湖", "左海", "旗山", "五凤", "凤凰",
    "华侨", "兴业", "永泰", "长乐", "连江", "罗源", "闽侯", "马尾", "琅岐", "南台",
    "茉莉", "榕树", "清风", "明月", "海天", "新城", "远航", "众诚", "信达", "汇丰",
    "宏图", "嘉禾", "锦程", "瑞丰", "天成", "安泰", "博雅", "创新", "德润", "丰源",
    "冠华", "和顺", "佳美", "聚力", "康泰", "隆盛", "美林", "南方", "鹏程", "荣达",
)  # fmt: skip
_TRADES: Final = (
    "文具贸易", "物流", "餐饮管理", "食品", "建材", "电子科技", "网络科技", "服装",
    "茶业", "医药", "装饰工程", "汽车服务", "家具", "电器", "广告", "酒店管理",
    "教育咨询", "房地产经纪", "物业管理", "农业开发", "水产", "五金机电", "印刷", "美容",
)  # fmt: skip
_DISTRICTS: Final = (
    ("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"), ("350105", "马尾区"),
    ("350111", "晋安区"), ("350112", "长乐区"), ("350121", "闽侯县"), ("350122", "连江县"),
)  # fmt: skip
_SHOPS: Final = ("小吃店", "便利店", "水果店", "五金店", "理发店", "餐馆", "药店", "茶叶店")
_SURNAMES: Final = "王陈林黄张李吴刘郑杨何许郭叶罗高周朱蔡曾"

# (violation type, facts, legal basis, penalty categories that fit it)
_VIOLATIONS: Final = (
    (
        "虚假宣传",
        "当事人在其网站发布引人误解的商业宣传",
        "《中华人民共和国反不正当竞争法》第二十条",
        ("罚款", "警告"),
    ),
    (
        "经营不符合食品安全标准的食品",
        "当事人经营的食品经抽样检验不合格",
        "《中华人民共和国食品安全法》第一百二十四条第一款",
        ("罚款", "没收违法所得", "暂扣许可证件"),
    ),
    (
        "未取得许可从事食品经营",
        "当事人未取得食品经营许可从事食品销售活动",
        "《中华人民共和国食品安全法》第一百二十二条第一款",
        ("罚款", "没收违法所得"),
    ),
    (
        "价格违法",
        "当事人销售商品未按规定明码标价",
        "《中华人民共和国价格法》第四十二条",
        ("罚款", "警告"),
    ),
    (
        "侵犯注册商标专用权",
        "当事人销售侵犯注册商标专用权的商品",
        "《中华人民共和国商标法》第六十条第二款",
        ("罚款", "没收违法所得"),
    ),
    (
        "发布违法广告",
        "当事人发布的广告含有绝对化用语",
        "《中华人民共和国广告法》第五十七条",
        ("罚款", "警告"),
    ),
    (
        "特种设备未经定期检验继续使用",
        "当事人使用未经定期检验的电梯",
        "《中华人民共和国特种设备安全法》第八十四条",
        ("罚款", "责令停产停业"),
    ),
    (
        "销售不合格产品",
        "当事人销售的产品经抽查检验不合格",
        "《中华人民共和国产品质量法》第四十九条",
        ("罚款", "没收违法所得", "责令停产停业"),
    ),
    (
        "使用不合格计量器具",
        "当事人使用未经检定的计量器具",
        "《中华人民共和国计量法》第二十六条",
        ("罚款", "警告"),
    ),
    (
        "未按规定办理变更登记",
        "当事人变更住所未依法办理变更登记",
        "《中华人民共和国市场主体登记管理条例》第四十六条",
        ("罚款", "警告"),
    ),
)

_DIGITS: Final = "零壹贰叁肆伍陆柒捌玖"
_UNITS: Final = ("", "拾", "佰", "仟")
_REUSE_POOL: Final = 512


@dataclass(frozen=True)
class GeneratedFile:
    """``organisations`` and ``persons`` count rows by subject kind (organisations include
    个体工商户 and the known subjects); ``organisations + persons == rows``."""

    path: Path
    rows: int
    organisations: int
    persons: int
    known_rows: int


def yuan_in_capitals(yuan: int) -> str:
    """Whole yuan below 100,000,000 in financial numerals: 15000 → 壹万伍仟."""
    if not 0 < yuan < 100_000_000:
        raise ValueError("amount out of range")
    high, low = divmod(yuan, 10_000)
    text = ""
    if high:
        text = _section(high) + "万"
        if low and low < 1000:
            text += "零"
    return text + (_section(low) if low else "")


def _section(n: int) -> str:
    out: list[str] = []
    pending_zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[digit] + _UNITS[power])
    return "".join(out)


def _wan(yuan: int) -> str:
    """Yuan → 万元 text with at most 4 decimals and no trailing zeros: 15000 → 1.5."""
    whole, rest = divmod(yuan, 10_000)
    return f"{whole}.{rest:04d}".rstrip("0").rstrip(".") if rest else str(whole)


def _company_name(rng: random.Random) -> str:
    prefix = "福建" if rng.random() < 0.1 else "福州"
    words = rng.choice(_WORDS) + rng.choice(_WORDS)
    kind = "股份有限公司" if rng.random() < 0.05 else "有限公司"
    return f"{prefix}{words}{rng.choice(_TRADES)}{kind}"


def _business_name(rng: random.Random) -> str:
    _, district = rng.choice(_DISTRICTS)
    return f"福州市{district}{rng.choice(_SURNAMES)}记{rng.choice(_WORDS)}{rng.choice(_SHOPS)}"


def _person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + ("某某" if rng.random() < 0.5 else "某")


def make_known_subjects(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """``n`` distinct organisations (uscc, name) for the benchmark to pre-register."""
    rng = random.Random(seed)
    codes: set[str] = set()
    names: set[str] = set()
    subjects: list[tuple[str, str]] = []
    while len(subjects) < n:
        business = rng.random() < 0.15
        code = make_uscc(rng, prefix="92" if business else "91")
        name = _business_name(rng) if business else _company_name(rng)
        if code in codes or name in names:
            continue
        codes.add(code)
        names.add(name)
        subjects.append((code, name))
    return subjects


def _penalty(rng: random.Random, categories: Sequence[str]) -> tuple[str, str, str, str, str, int]:
    """(category, content, fine, confiscation, licence, publicity days)."""
    category = rng.choice(categories)
    if category == "罚款":
        yuan = rng.choice((500, 1000, 2000, 3000, 5000, 10000, 15000, 20000, 50000, 100000))
        yuan = yuan + rng.randrange(0, 100) * 100 if rng.random() < 0.3 else yuan
        days = 1095 if yuan >= 100000 else 365
        return category, f"罚款人民币{yuan_in_capitals(yuan)}元", _wan(yuan), "", "", days
    if category == "没收违法所得":
        yuan = rng.randrange(1, 50000) * rng.choice((1, 1, 10))
        content = f"没收违法所得人民币{yuan_in_capitals(yuan)}元"
        return category, content, "", _wan(yuan), "", 365
    if category == "暂扣许可证件":
        licence = f"食品经营许可证JY{rng.randrange(10**13):013d}"
        months = rng.choice((1, 3, 6))
        return category, f"暂扣食品经营许可证{months}个月", "", "", licence, 1095
    if category == "责令停产停业":
        days = rng.choice((7, 15, 30))
        return category, f"责令停产停业{days}日", "", "", "", 1095
    return category, "警告", "", "", "", 91


def _date_text(day: dt.date, slashes: bool) -> str:
    return day.strftime("%Y/%m/%d") if slashes else day.isoformat()


def generate_penalty_csv(
    path: Path,
    n_rows: int,
    *,
    seed: int = 1,
    known_subjects: Sequence[tuple[str, str]] = (),
    known_share: float = 0.3,
    person_share: float = 0.05,
    encoding: str = "utf-8",
    today: dt.date = TODAY,
) -> GeneratedFile:
    """Write ``n_rows`` penalty rows to ``path``.

    Each row is, independently: about one of ``known_subjects`` with probability
    ``known_share`` (when any are given), about a natural person with probability
    ``person_share``, otherwise about a new organisation (15% of them 个体工商户 with a 92
    code; one in ten repeats a recent new organisation, as firms are fined more than once).
    """
    rng = random.Random(seed)
    known = list(known_subjects)
    known_cut = known_share if known else 0.0
    person_cut = known_cut + person_share
    recent: list[tuple[str, str, str]] = []
    organisations = persons = known_rows = 0
    one_day = dt.timedelta(days=1)
    year_days = dt.timedelta(days=365)
    choice, random_ = rng.choice, rng.random
    with Path(path).open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADERS)
        for n in range(1, n_rows + 1):
            draw = random_()
            representative, id_type, id_number = "", "", ""
            if draw < known_cut:
                code, name = choice(known)
                kind = INDIVIDUAL_BUSINESS if code.startswith("92") else ORGANISATION
                representative = _person_name(rng)
                known_rows += 1
                organisations += 1
            elif draw < person_cut:
                kind, code, name = PERSON, "", _person_name(rng)
                id_type = "身份证"
                id_number = make_citizen_id(rng, division=choice(_DISTRICTS)[0])
                persons += 1
            else:
                if recent and random_() < 0.1:
                    kind, code, name = choice(recent)
                else:
                    business = random_() < 0.15
                    kind = INDIVIDUAL_BUSINESS if business else ORGANISATION
                    code = make_uscc(rng, prefix="92" if business else "91")
                    name = _business_name(rng) if business else _company_name(rng)
                    if len(recent) < _REUSE_POOL:
                        recent.append((kind, code, name))
                    else:
                        recent[n % _REUSE_POOL] = (kind, code, name)
                representative = _person_name(rng)
                organisations += 1
            violation, facts, basis, categories = choice(_VIOLATIONS)
            category, content, fine, confiscated, licence, publicity = _penalty(rng, categories)
            decided = today - one_day * rng.randrange(730)
            slashes = random_() < 0.05
            writer.writerow(
                (
                    name,
                    kind,
                    code,
                    representative,
                    id_type,
                    id_number,
                    f"榕市监处罚〔{decided.year}〕{n}号",
                    violation,
                    facts,
                    basis,
                    category,
                    content,
                    fine,
                    confiscated,
                    licence,
                    _date_text(decided, slashes),
                    _date_text(decided + year_days, slashes),
                    _date_text(decided + one_day * publicity, slashes),
                    AUTHORITY,
                    AUTHORITY_CODE,
                    AUTHORITY,
                    AUTHORITY_CODE,
                    "",
                )
            )
    return GeneratedFile(Path(path), n_rows, organisations, persons, known_rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", nargs="?", type=Path, help="CSV file to write")
    parser.add_argument("rows", nargs="?", type=int, default=100_000, help="data rows")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--known", type=int, default=0, help="known subjects to draw from")
    parser.add_argument("--known-share", type=float, default=0.3)
    parser.add_argument("--person-share", type=float, default=0.05)
    parser.add_argument("--encoding", default="utf-8", help="utf-8, utf-8-sig or gb18030")
    parser.add_argument("--quick", action="store_true", help="10,000 rows to a temporary file")
    args = parser.parse_args(argv)
    if args.path is None and not args.quick:
        parser.error("give a path (and a row count), or --quick")
    rows = 10_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as scratch:
        path = args.path or Path(scratch) / "penalties.csv"
        known = make_known_subjects(args.known, seed=args.seed + 1) if args.known else []
        started = time.perf_counter()
        result = generate_penalty_csv(
            path,
            rows,
            seed=args.seed,
            known_subjects=known,
            known_share=args.known_share,
            person_share=args.person_share,
            encoding=args.encoding,
        )
        elapsed = time.perf_counter() - started
        size = path.stat().st_size
    print(
        f"{result.rows:,} rows ({result.organisations:,} organisation, {result.persons:,} "
        f"person, {result.known_rows:,} known) → {path} [{size / 1e6:.1f} MB] "
        f"in {elapsed:.2f} s: {result.rows / max(elapsed, 1e-9):,.0f} rows/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
