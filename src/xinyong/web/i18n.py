"""Page translations with Babel: zh-Hans (default), zh-Hant and English.

Templates are written with English message ids; the catalogs in ``locale/`` are read
from their ``.po`` files at start-up, so no compile step is needed to run the platform.
"""

from __future__ import annotations

import io
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel.core import get_global, parse_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
DEFAULT_LOCALE = "zh_Hans"


# Applied, longest first, to OpenCC's s2t conversion (the zh_Hant catalog's, which
# scripts/i18n.py generates, and the rule pack's names at run time, ``catalog_name``):
# terms where the usage of Traditional-script readers (Taiwan, Hong Kong, Macao) differs
# from a character-by-character conversion. Keys are Traditional (s2t output), values what
# to show. Legal terms of the mainland regulation (信用信息, 統一社會信用代碼, 公民身份號碼)
# stay as converted: they name things defined by law and must match the documents they cite.
ZH_HANT_OVERRIDES: dict[str, str] = {
    "退出登錄": "登出",  # log out
    "登錄": "登入",  # log in; 登錄 reads as "register, enter into a record"
    "賬號": "帳號",  # account
    "字段": "欄位",  # (form or record) field
    "默認": "預設",  # default
    # Character forms: s2t writes OpenCC's historical standard, not today's usage.
    "爲": "為",
    "僞": "偽",
    "衆": "眾",
    "啓": "啟",
    "覈": "核",  # 審覈, 覈驗 → 審核, 核驗
}
_OVERRIDES_LONGEST_FIRST = sorted(ZH_HANT_OVERRIDES, key=len, reverse=True)
_s2t: Any = None  # opencc-python-reimplemented is untyped


def s2t(text: str) -> str:
    """OpenCC's s2t conversion alone (its dictionaries loaded on first use)."""
    global _s2t
    if _s2t is None:
        from opencc import OpenCC

        _s2t = OpenCC("s2t")
    return str(_s2t.convert(text))


@lru_cache(maxsize=8192)
def to_traditional(text: str) -> str:
    """zh_Hans → zh_Hant: OpenCC s2t, then the overrides. Cached per string: the pure-Python
    converter takes hundreds of µs a name, and the catalog's names are few."""
    converted = s2t(text)
    for term in _OVERRIDES_LONGEST_FIRST:
        converted = converted.replace(term, ZH_HANT_OVERRIDES[term])
    return converted


def catalog_name(zh: str, en: str | None, locale: str) -> str:
    """A name the catalog or a rule pack gives in Chinese and English (a record type's, a
    field's, an administrative matter's) in the page's language: the English one on English
    pages (the Chinese where it has none), converted to Traditional characters on zh_Hant
    pages. Never for data as submitted (an organisation's name, a statement): that is shown
    as it was given."""
    if locale == "en":
        return en or zh
    if locale == "zh_Hant":
        return to_traditional(zh)
    return zh


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(requested: str | None, cookie: str | None, accept_language: str, default: str) -> str:
    """The page's locale: ``?lang=``, then the language cookie, then the first language of
    the browser's Accept-Language the pages speak (``browser_locale``), then ``default``."""
    for candidate in (requested, cookie):
        if candidate in LOCALES:
            return candidate
    fallback = default if default in LOCALES else DEFAULT_LOCALE
    return browser_locale(accept_language, fallback) or fallback


# An Accept-Language weight (RFC 9110 §12.4.2): 0 to 1, at most three decimals.
_WEIGHT = re.compile(r"q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)", re.IGNORECASE)
# Chinese in each script, by Babel's (CLDR's) script codes.
_SCRIPTS = {"Hans": "zh_Hans", "Hant": "zh_Hant"}


def _ranges(accept_language: str) -> list[str]:
    """The header's language ranges, most wanted first and, among equal weights, in the
    header's order; a range weighted 0 (not acceptable) or with a malformed weight is left
    out."""
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, *parameters = (part.strip() for part in item.split(";"))
        weight = 1.0
        for parameter in parameters:
            found = _WEIGHT.fullmatch(parameter.replace(" ", ""))
            weight = float(found[1]) if found else 0.0
        if tag and weight > 0:
            ranges.append((-weight, position, tag))
    return [tag for _weight, _position, tag in sorted(ranges)]


# The languages of the Chinese macrolanguage (ISO 639-3), all written in Chinese
# characters: Mandarin, Cantonese, Min Nan, Min Dong (Fuzhou's own), Wu, Hakka, Gan, Xiang,
# Jin, Pu-Xian, Min Zhong, Min Bei, Literary Chinese.
_CHINESE = frozenset(
    (
        "zh",
        "cmn",
        "yue",
        "nan",
        "cdo",
        "wuu",
        "hak",
        "gan",
        "hsn",
        "cjy",
        "cpx",
        "czo",
        "mnp",
        "lzh",
    )
)
# RFC 5646's grandfathered Chinese tags, by their preferred values.
_GRANDFATHERED = {"zh-guoyu": "cmn", "zh-hakka": "hak", "zh-min-nan": "nan", "zh-xiang": "hsn"}


def _page_locale(tag: str, fallback: str) -> str | None:
    """The locale of ours a language range asks for: English for ``en``; for any Chinese
    language (``zh``, or one of the macrolanguage's: ``yue``, ``cdo``, ``zh-yue``…), Chinese
    in the script the tag names or, without one, in the script its language and region
    write (Babel's likely subtags: zh-TW, zh-HK, yue Traditional; zh, zh-CN, cdo
    Simplified); ``*`` (any) the fallback. None for a language the pages do not speak, or
    no tag at all."""
    if tag == "*":
        return fallback
    # Language, script and region only: an extension or private use (``-u-…``, ``-x-…``)
    # changes neither the language nor the script.
    subtags = _GRANDFATHERED.get(tag.lower(), tag).split("-")
    short = next((i for i, subtag in enumerate(subtags) if len(subtag) == 1), len(subtags))
    subtags = subtags[:short]
    if len(subtags) > 1 and subtags[0].lower() == "zh" and _is_extlang(subtags[1]):
        subtags = subtags[1:]  # the extended form: zh-yue is yue (RFC 5646 §2.2.2)
    try:
        language, territory, script, *_variant = parse_locale("-".join(subtags), sep="-")
    except ValueError:  # not a tag Babel reads
        return None
    if language == "en":
        return "en"
    if language not in _CHINESE:
        return None
    if script is None:
        likely = get_global("likely_subtags")
        keys = [f"{language}_{territory}", f"zh_{territory}"] if territory else []
        found = next((likely[key] for key in [*keys, language] if key in likely), likely["zh"])
        script = parse_locale(found)[2]
    return _SCRIPTS.get(script or "")


def _is_extlang(subtag: str) -> bool:
    return len(subtag) == 3 and subtag.isascii() and subtag.isalpha()


def browser_locale(accept_language: str, fallback: str = DEFAULT_LOCALE) -> str | None:
    """The first locale the pages speak among the languages of an Accept-Language header,
    by weight (q-values), then order: ``en-GB;q=0.1, zh-TW`` and ``fr-FR, zh-TW;q=0.9``
    are both Traditional Chinese. None when the header asks for none of them.

    Not ``babel.core.negotiate_locale``: it matches tags as strings, then by their language
    alone, so it cannot tell zh-TW (Traditional) from zh-CN (Simplified); Babel's tag parser
    and CLDR's likely scripts do that here."""
    return next(
        (found for tag in _ranges(accept_language) if (found := _page_locale(tag, fallback))),
        None,
    )
