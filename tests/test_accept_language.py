"""A first visit's page language from the browser's Accept-Language (``i18n.negotiate``):
every language range counts, by its weight (q-value) and then its place in the header, and
Chinese is read in the script it asks for (review r3, finding 6: only the header's first
tag was read, and its weight ignored)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from xinyong.web.i18n import DEFAULT_LOCALE, LOCALES, browser_locale, negotiate

# Language ranges a browser sends, and the pages' locale each asks for (None: a language
# the pages do not speak).
RANGES: dict[str, str | None] = {
    "zh-TW": "zh_Hant",
    "zh-HK": "zh_Hant",
    "zh-MO": "zh_Hant",
    "zh-Hant": "zh_Hant",
    "zh-Hant-TW": "zh_Hant",
    "zh-Hant-CN": "zh_Hant",  # the script named wins over the region's
    "zh": "zh_Hans",
    "zh-CN": "zh_Hans",
    "zh-SG": "zh_Hans",
    "zh-Hans": "zh_Hans",
    "zh-Hans-HK": "zh_Hans",
    # The Chinese macrolanguage's languages, plain and in the extended form (RFC 5646).
    "yue": "zh_Hant",  # Cantonese
    "yue-HK": "zh_Hant",
    "zh-yue": "zh_Hant",
    "zh-yue-HK": "zh_Hant",
    "cdo": "zh_Hans",  # Min Dong, Fuzhou's own
    "zh-cdo": "zh_Hans",
    "cmn": "zh_Hans",
    "cmn-TW": "zh_Hant",
    "zh-cmn-Hant": "zh_Hant",
    "cmn-Hans-HK": "zh_Hans",
    "nan-TW": "zh_Hant",
    "zh-min-nan": "zh_Hans",
    "zh-guoyu": "zh_Hans",
    "lzh": "zh_Hant",
    "en": "en",
    "en-GB": "en",
    "en-US": "en",
    "fr-FR": None,
    "ja": None,
    "de": None,
    "ko-KR": None,
    "x-pig-latin": None,
}


@st.composite
def case_of(draw: st.DrawFn, text: str) -> str:
    """The text in any mix of cases: tags are case-insensitive (RFC 5646 §2.1.1)."""
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips, strict=True))


# A range's weight in thousandths, or None for a range without one (weight 1).
weights = st.one_of(st.none(), st.integers(min_value=0, max_value=1000))


@st.composite
def weight_text(draw: st.DrawFn, thousandths: int) -> str:
    """A weight as a header may write it: 1, 1.0, 1.000; 0.5, 0.500; 0, 0.000."""
    if thousandths == 1000:
        return draw(st.sampled_from(["1", "1.0", "1.000"]))
    full = f"0.{thousandths:03d}"
    return draw(st.sampled_from([full, full.rstrip("0").rstrip(".")]))


@st.composite
def headers(draw: st.DrawFn) -> tuple[str, list[tuple[str, int]]]:
    """An Accept-Language header of known ranges, and its (range, weight) pairs."""
    items = draw(
        st.lists(st.tuples(st.sampled_from(sorted(RANGES)), weights), min_size=0, max_size=6)
    )
    parts, weighted = [], []
    for tag, weight in items:
        shown = draw(case_of(tag))
        space = draw(st.sampled_from(["", " "]))
        if weight is None:
            parts.append(shown)
            weighted.append((tag, 1000))
        else:
            q = draw(st.sampled_from(["q", "Q"]))
            parts.append(f"{shown}{space};{space}{q}={draw(weight_text(weight))}")
            weighted.append((tag, weight))
    return draw(st.sampled_from([",", ", "])).join(parts), weighted


def expected(weighted: list[tuple[str, int]]) -> str | None:
    """The most wanted range the pages speak; the first such among equal weights."""
    spoken = [
        (-weight, position, RANGES[tag])
        for position, (tag, weight) in enumerate(weighted)
        if weight > 0 and RANGES[tag] is not None
    ]
    return min(spoken)[2] if spoken else None


@given(headers())
@example(("en-GB;q=0.1, zh-TW", [("en-GB", 100), ("zh-TW", 1000)]))
@example(("fr-FR, zh-TW;q=0.9", [("fr-FR", 1000), ("zh-TW", 900)]))
@example(("ja, zh-Hant;q=0.9", [("ja", 1000), ("zh-Hant", 900)]))
@example(("zh-TW;q=0, en;q=0.001", [("zh-TW", 0), ("en", 1)]))
def test_the_most_wanted_language_the_pages_speak_is_chosen(
    header: tuple[str, list[tuple[str, int]]],
) -> None:
    text, weighted = header
    wanted = expected(weighted)
    assert browser_locale(text) == wanted
    for default in LOCALES:
        assert negotiate(None, None, text, default) == (wanted or default)


@given(st.text(max_size=300), st.sampled_from([*LOCALES, "xx"]))
def test_any_header_gives_a_locale_of_the_pages(header: str, default: str) -> None:
    """Whatever the browser sends, the page is in one of its locales, never a 500."""
    found = browser_locale(header)
    assert found is None or found in LOCALES
    chosen = negotiate(None, None, header, default)
    assert chosen in LOCALES
    if found is None:
        assert chosen == (default if default in LOCALES else DEFAULT_LOCALE)


@given(
    headers(),
    st.sampled_from([None, "", "fr", *LOCALES]),
    st.sampled_from([None, "", "de", *LOCALES]),
)
def test_the_switch_and_the_cookie_come_before_the_browser(
    header: tuple[str, list[tuple[str, int]]], requested: str | None, cookie: str | None
) -> None:
    chosen = negotiate(requested, cookie, header[0], DEFAULT_LOCALE)
    if requested in LOCALES:
        assert chosen == requested
    elif cookie in LOCALES:
        assert chosen == cookie
    else:
        assert chosen == (expected(header[1]) or DEFAULT_LOCALE)


def test_any_language_is_the_default() -> None:
    assert browser_locale("*", "en") == "en"
    assert browser_locale("fr, *;q=0.5, zh-TW;q=0.1", "zh_Hans") == "zh_Hans"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("en-GB;q=0.1, zh-TW", "zh-Hant"),
        ("fr-FR, zh-TW;q=0.9", "zh-Hant"),
        ("ja, zh-Hant;q=0.9", "zh-Hant"),
        ("de-DE, en;q=0.5, zh;q=0.4", "en"),
        ("fr", "zh-Hans"),
    ],
)
def test_a_first_visit_reads_the_whole_header(client: TestClient, header: str, lang: str) -> None:
    page = client.get("/", headers={"Accept-Language": header, "Accept": "text/html"})
    assert page.status_code == 200
    assert f'<html lang="{lang}"' in page.text
