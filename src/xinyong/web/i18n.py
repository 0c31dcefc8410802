"""Page translations with Babel: zh-Hans (default), zh-Hant and English.

Templates are written with English message ids; the catalogs in ``locale/`` are read
from their ``.po`` files at start-up, so no compile step is needed to run the platform.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
HTML_LANG = {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant", "en": "en"}
DEFAULT_LOCALE = "zh_Hans"


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
    for candidate in (requested, cookie):
        if candidate in LOCALES:
            return candidate
    header = accept_language.lower()
    if header.startswith("en"):
        return "en"
    if header.startswith(("zh-tw", "zh-hk", "zh-hant", "zh-mo")):
        return "zh_Hant"
    return default if default in LOCALES else DEFAULT_LOCALE
