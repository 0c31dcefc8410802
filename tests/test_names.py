"""Organisation-name normalisation and search ranking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC

from xinyong.subjects.names import (
    CONTAINED_SCORE,
    HOMOPHONE_CAP,
    LEGAL_FORM_SUFFIXES,
    MATCH_THRESHOLD,
    NameMatch,
    core_name,
    match,
    normalise_name,
    pinyin_key,
    rank,
    search_terms,
)

NAME = "福州晨光文具贸易有限公司"
HOMOPHONE = "福州辰光文具贸易有限公司"  # 辰 and 晨 are both chén: another company

_s2t = OpenCC("s2t")


def traditional(text: str) -> str:
    return str(_s2t.convert(text))


# --- normalise_name ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("福州晨光文具貿易有限公司", NAME),
        ("ＡＢＣ　科技 有限公司", "abc科技有限公司"),  # full-width letters, U+3000, space
        (" 福州·晨光•文具\t有限公司 ", "福州晨光文具有限公司"),
        ("晨光文具（福州）有限公司", "晨光文具(福州)有限公司"),
        ("晨光文具【福州】有限公司", "晨光文具(福州)有限公司"),
        ("Acme Trading Co., Ltd.", "acmetradingcoltd"),
        ("晨光\u200b文具", "晨光文具"),  # zero-width space
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize(("a", "b"), [("馀", "餘"), ("锺", "鍾"), ("苧", "苎"), ("乾 淨", "乾淨")])
def test_normalise_name_merges_variant_spellings(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b)


# --- core_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (NAME, "晨光文具贸易"),
        ("福建省福州市鼓楼区晨光文具贸易有限责任公司", "晨光文具贸易"),
        ("福清市晨光文具股份有限公司", "晨光文具"),
        ("长乐晨光文具集团有限公司", "晨光文具"),
        ("晨光文具（福州）有限公司", "晨光文具"),
        ("福州市鼓楼区张三小吃店（个体工商户）", "张三小吃"),  # stacked forms
        ("福州晨光创业投资合伙企业（有限合伙）", "晨光创业投资"),
        ("晨光文具有限公司仓山分公司", "晨光文具有限公司仓山"),
        ("店", "店"),  # never stripped to nothing
        ("福州", "福州"),
        ("福州市有限公司", "有限公司"),
    ],
)
def test_core_name(raw: str, expected: str) -> None:
    assert core_name(raw) == expected


def test_legal_form_suffixes_are_longest_first() -> None:
    lengths = [len(s) for s in LEGAL_FORM_SUFFIXES]
    assert lengths == sorted(lengths, reverse=True)


def test_pinyin_key_is_toneless_pinyin_of_the_core() -> None:
    assert pinyin_key(NAME) == "chenguangwenjumaoyi"
    assert pinyin_key(HOMOPHONE) == pinyin_key(NAME)


def test_search_terms_are_normalised_and_core_deduplicated() -> None:
    assert search_terms("福州晨光文具貿易有限公司") == [NAME, "晨光文具贸易"]
    assert search_terms("晨光") == ["晨光"]
    assert search_terms("  ") == []


# --- match ------------------------------------------------------------------


def test_traditional_query_finds_simplified_name_as_exact() -> None:
    assert match("福州晨光文具貿易有限公司", [NAME]) == NameMatch(100.0, True, NAME)


def test_full_width_and_spacing_are_exact() -> None:
    m = match("ＡＢＣ　科技 有限公司", ["ABC科技有限公司"])
    assert m is not None
    assert (m.score, m.exact) == (100.0, True)


@pytest.mark.parametrize(
    "variant",
    [
        "福州晨光文具贸易有限责任公司",  # legal form
        "晨光文具贸易有限公司",  # no area prefix
        "福建省福州市晨光文具贸易股份有限公司",
        "晨光文具贸易（福州）有限公司",
    ],
)
def test_area_and_legal_form_variants_are_exact(variant: str) -> None:
    for query, candidate in ((variant, NAME), (NAME, variant)):
        m = match(query, [candidate])
        assert m is not None
        assert m.exact
        assert m.score == 97.0


def test_part_of_a_name_finds_it_below_exact() -> None:
    m = match("晨光文具", [NAME])
    assert m is not None
    assert not m.exact
    assert CONTAINED_SCORE < m.score < 95


def test_area_word_in_the_trade_name_is_still_found() -> None:
    m = match("鼓楼", ["福州鼓楼大酒店有限公司"])
    assert m is not None
    assert m.score >= CONTAINED_SCORE


@pytest.mark.parametrize("typo", ["福州晨光文其贸易有限公司", "晨光文俱贸易", "晨光文具贸"])
def test_one_character_typo_still_matches(typo: str) -> None:
    m = match(typo, [NAME])
    assert m is not None
    assert not m.exact
    assert MATCH_THRESHOLD <= m.score < 95


def test_homophone_is_capped_and_never_outranks_the_exact_match() -> None:
    m = match(NAME, [HOMOPHONE])
    assert m is not None
    assert m.score <= HOMOPHONE_CAP
    assert not m.exact
    ranked = rank(NAME, [("homophone", [HOMOPHONE]), ("exact", [NAME])])
    assert [key for key, _ in ranked] == ["exact", "homophone"]


def test_short_homophone_ranks_below_exact() -> None:
    ranked = rank("福州晨光文具", [("other", ["福州辰光文具"]), ("same", ["福州晨光文具"])])
    assert ranked[0] == ("same", NameMatch(100.0, True, "福州晨光文具"))
    assert all(m.score < 100.0 and not m.exact for key, m in ranked if key == "other")


def test_former_names_match() -> None:
    names = ["福州新名字科技有限公司", "福州晨光文具贸易有限公司"]
    assert match("晨光文具贸易有限公司", names) == NameMatch(97.0, True, names[1])


def test_best_name_wins_and_earlier_name_on_ties() -> None:
    m = match(NAME, ["晨光文具贸易有限公司", NAME, "福州晨光文具贸易有限公司"])
    assert m == NameMatch(100.0, True, NAME)
    m = match("晨光", ["福州晨光文具", "福州晨光文具"])
    assert m is not None
    assert m.matched_name == "福州晨光文具"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        (NAME, "福州大海水产有限公司"),
        ("晨星", NAME),  # one shared character is not a match
        ("厦门", NAME),
        ("", NAME),
        ("·", NAME),
        (NAME, ""),
    ],
)
def test_unrelated_names_do_not_match(query: str, candidate: str) -> None:
    assert match(query, [candidate]) is None


def test_no_names_no_match() -> None:
    assert match(NAME, []) is None


# --- rank -----------------------------------------------------------------------


def test_rank_best_first_exact_first_stable_and_limited() -> None:
    candidates = [
        (1, ["福州大海水产有限公司"]),
        (2, ["福州晨光文具贸易发展有限公司"]),
        (3, [HOMOPHONE]),
        (4, ["晨光文具贸易有限责任公司"]),
        (5, ["福州晨光文其贸易有限公司"]),
        (6, ["晨光文具贸易有限公司"]),
        (7, [NAME]),
    ]
    ranked = rank("福州晨光文具貿易有限公司", iter(candidates))
    assert [key for key, _ in ranked] == [7, 4, 6, 2, 5, 3]
    scores = [m.score for _, m in ranked]
    assert scores == sorted(scores, reverse=True)
    assert [key for key, _ in rank(NAME, candidates, limit=2)] == [7, 4]
    assert rank(NAME, candidates, limit=0) == []
    assert rank("", candidates) == []


# --- properties ----------------------------------------------------------------

cjk_names = st.text(
    alphabet=st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF, categories=["Lo"]),
    min_size=1,
    max_size=20,
)


@settings(database=None, deadline=None)
@given(cjk_names)
def test_normalise_name_is_idempotent(name: str) -> None:
    once = normalise_name(name)
    assert normalise_name(once) == once


@settings(database=None, deadline=None)
@given(cjk_names)
def test_name_matches_itself_exactly(name: str) -> None:
    assert match(name, [name]) == NameMatch(100.0, True, name)


@settings(database=None, deadline=None)
@given(cjk_names)
def test_name_matches_its_traditional_spelling_exactly(name: str) -> None:
    m = match(name, [traditional(name)])
    assert m is not None
    assert m.exact
