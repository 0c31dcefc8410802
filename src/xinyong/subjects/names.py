"""Organisation-name normalisation and search ranking (pure functions, no framework).

A name is compared in three forms: ``normalise_name`` (spelling-insensitive),
``core_name`` (also without area prefixes and legal-form suffixes) and
``pinyin_key`` (used only to recognise homophones, which are other companies).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

K = TypeVar("K")

MATCH_THRESHOLD = 60.0
EXACT_SCORE = 100.0
CORE_EXACT_SCORE = 97.0  # same name up to area prefix / legal form
CONTAINED_SCORE = 85.0  # query is part of the name (prefix/substring search)
CONTAINED_BONUS = 10.0  # times coverage (< 1), so contained matches stay below 95
FUZZY_CAP = 84.0  # typo matches never reach a contained match
HOMOPHONE_CAP = 80.0  # same pinyin, other characters: a different company
PARTIAL_WEIGHT = 0.95  # a typo'd fragment ranks below an equally close whole name

# Fuzhou and its districts/counties, each with and without its suffix. 长乐 was a
# county-level city (长乐市) until 2017 and old registrations still carry that.
AREA_PREFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            *("福建省", "福建", "福州市", "福州"),
            *("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区", "长乐市"),
            *("闽侯县", "连江县", "罗源县", "闽清县", "永泰县", "福清市"),
            *("鼓楼", "台江", "仓山", "晋安", "马尾", "长乐"),
            *("闽侯", "连江", "罗源", "闽清", "永泰", "福清"),
        },
        key=lambda s: (-len(s), s),
    )
)

# Trailing legal forms, longest first so that 股份有限公司 wins over 有限公司.
# Stripping them (rather than mapping to one spelling) makes all variants equal.
LEGAL_FORM_SUFFIXES: tuple[str, ...] = (
    "合伙企业(有限合伙)",
    "合伙企业(普通合伙)",
    "(个体工商户)",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "个体工商户",
    "有限公司",
    "分公司",
    "店",
)

_AREA = "(?:" + "|".join(map(re.escape, AREA_PREFIXES)) + ")"
_LEADING_AREAS = re.compile(f"^{_AREA}+")
_PARENTHESISED_AREA = re.compile(rf"\({_AREA}+\)")

# After NFKC, fold the remaining bracket styles into ASCII parentheses (「」 are
# quotation marks in Chinese, so they are dropped as punctuation instead).
_BRACKETS = str.maketrans(dict.fromkeys("[{【〔〖〘", "(") | dict.fromkeys("]}】〕〗〙", ")"))

_CACHE_SIZE = 1 << 16


@dataclass(frozen=True)
class NameMatch:
    score: float
    exact: bool
    matched_name: str


class _Forms(NamedTuple):
    norm: str
    core: str


# opencc-python-reimplemented loads its dictionaries on first use (tens of ms)
# and is untyped, hence the lazy module-level cache and the Any.
_converters: dict[str, Any] = {}


def _convert(config: str, text: str) -> str:
    converter = _converters.get(config)
    if converter is None:
        from opencc import OpenCC

        converter = _converters[config] = OpenCC(config)
    return str(converter.convert(text))


# Characters that the conversion chain below leaves unchanged on their own. A name made
# only of them is already canonical, which spares OpenCC (hundreds of µs a name in its
# pure-Python form) on the common case of a Simplified name.
_stable_chars: dict[str, bool] = {}


def _is_stable(ch: str) -> bool:
    stable = _stable_chars.get(ch)
    if stable is None:
        stable = _stable_chars[ch] = _slow_to_simplified(ch) == ch
    return stable


def _to_simplified(text: str) -> str:
    # The set test runs in C; characters not judged yet are judged once, one by one.
    if _stable_set.issuperset(text):
        return text
    if all(_is_stable(ch) for ch in text):
        _stable_set.update(text)
        return text
    return _slow_to_simplified(text)


_stable_set: set[str] = set()


def simplified(text: str) -> str:
    """``text`` with Traditional characters in their Simplified forms (the canonical form
    the name search compares), for checks that must not be passed by writing a word in the
    other script."""
    return _to_simplified(text)


def _slow_to_simplified(text: str) -> str:
    # t2s alone is not a canonical form: it leaves simplified variants such as 馀
    # or 锺 alone but maps their traditional forms (餘, 鍾) to 余 and 钟, and a few
    # of its outputs convert again (薴→苧→苎). Going through s2t first and then
    # settling on a fixed point makes Traditional and Simplified spellings meet.
    text = _convert("t2s", _convert("s2t", _convert("t2s", text)))
    for _ in range(3):
        again = _convert("t2s", text)
        if again == text:
            break
        text = again
    return text


def _is_noise(ch: str) -> bool:
    # Whitespace (incl. U+3000), invisible format characters and punctuation such
    # as ·•、. carry no identity; parentheses do (they delimit areas and forms).
    return ch not in "()" and unicodedata.category(ch)[0] in "ZCP"


class _NoiseTable(dict[int, int | None]):
    """A ``str.translate`` table that deletes noise characters, filled as they are met."""

    def __missing__(self, code: int) -> int | None:
        kept: int | None = None if _is_noise(chr(code)) else code
        self[code] = kept
        return kept


_NOISE = _NoiseTable()


def _strip_noise(text: str) -> str:
    return text.translate(_NOISE)


def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS).lower()
    # Noise goes before conversion: OpenCC converts phrase by phrase and treats
    # spaces as boundaries, so "乾 淨" and "乾淨" would otherwise differ.
    text = _strip_noise(text)
    if not text.isascii():
        text = _strip_noise(_to_simplified(text))
    return text


def _core(norm: str) -> str:
    def unless_empty(stripped: str, original: str) -> str:
        return stripped or original

    text = unless_empty(_PARENTHESISED_AREA.sub("", norm), norm)
    text = unless_empty(_LEADING_AREAS.sub("", text), text)
    # Repeated, because forms stack: 张三小吃店(个体工商户), 某某有限公司分公司.
    while suffix := next((s for s in LEGAL_FORM_SUFFIXES if text.endswith(s)), ""):
        stripped = text.removesuffix(suffix)
        if not stripped:  # the form is the whole name (店): keep it
            break
        text = stripped
    return text


# Cached per raw name: the same candidates come back on every search, and the
# conversion is the expensive part (~90 µs against ~3 µs for a cached match).
@lru_cache(maxsize=_CACHE_SIZE)
def _forms(name: str) -> _Forms:
    norm = _normalise(name)
    return _Forms(norm, _core(norm))


@lru_cache(maxsize=_CACHE_SIZE)
def _pinyin(core: str) -> str:
    return "".join(lazy_pinyin(core))


def normalise_name(name: str) -> str:
    """NFKC, Traditional→Simplified, no whitespace/punctuation, () brackets, lower-case."""
    return _forms(name).norm


def core_name(name: str) -> str:
    """The normalised name without leading Fuzhou area prefixes and trailing legal form."""
    return _forms(name).core


def pinyin_key(name: str) -> str:
    """Toneless pinyin of the core name, without separators."""
    return _pinyin(_forms(name).core)


def search_terms(name: str) -> list[str]:
    """The strings to index for a name (normalised and core), deduplicated."""
    forms = _forms(name)
    return list(dict.fromkeys(term for term in forms if term))


def _score(query: _Forms, candidate: _Forms) -> tuple[float, bool]:
    if query.norm == candidate.norm:
        return EXACT_SCORE, True
    if query.core == candidate.core:
        return CORE_EXACT_SCORE, True
    # Containment is checked on the core (so area and legal form do not matter)
    # and on the full form (so a trade name that happens to be an area name, like
    # 鼓楼 in 鼓楼大酒店, is still found). One character is too weak a signal.
    score = 0.0
    for part, whole in ((query.core, candidate.core), (query.norm, candidate.norm)):
        if len(part) >= 2 and part in whole:
            score = max(score, CONTAINED_SCORE + CONTAINED_BONUS * len(part) / len(whole))
    if not score:
        score = fuzz.ratio(query.core, candidate.core)
        # partial_ratio finds a typo'd fragment of a longer name. Only when the query
        # is the shorter side (厦门大学 merely containing 大学 is no evidence), and
        # not for one or two characters, where it also scores edge windows and one
        # shared character already passes the threshold.
        if 3 <= len(query.core) < len(candidate.core):
            score = max(score, PARTIAL_WEIGHT * fuzz.partial_ratio(query.core, candidate.core))
        score = min(score, FUZZY_CAP)
    # Only scores above the cap can change, so pinyin is computed rarely.
    if score > HOMOPHONE_CAP and _pinyin(query.core) == _pinyin(candidate.core):
        score = HOMOPHONE_CAP
    return score, False


def _match(query: _Forms, candidate_names: Sequence[str]) -> NameMatch | None:
    if not query.norm:
        return None
    best: NameMatch | None = None
    for name in candidate_names:
        candidate = _forms(name)
        if not candidate.norm:
            continue
        score, exact = _score(query, candidate)
        if best is None or score > best.score:
            best = NameMatch(score, exact, name)
            if score == EXACT_SCORE:
                break
    if best is None or best.score < MATCH_THRESHOLD:
        return None
    return best


def match(query: str, candidate_names: Sequence[str]) -> NameMatch | None:
    """Best match of the query against one subject's current and former names.

    Current name first: on equal scores the earlier name is reported.
    None when nothing reaches ``MATCH_THRESHOLD``.
    """
    return _match(_forms(query), candidate_names)


def rank(
    query: str, candidates: Iterable[tuple[K, Sequence[str]]], limit: int = 20
) -> list[tuple[K, NameMatch]]:
    """Matching candidates, best first (exact before inexact); ties keep input order."""
    if limit <= 0:
        return []
    forms = _forms(query)
    hits = [(key, m) for key, names in candidates if (m := _match(forms, names)) is not None]
    hits.sort(key=lambda hit: (not hit[1].exact, -hit[1].score))
    return hits[:limit]
