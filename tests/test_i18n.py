"""The page catalogs are complete and current: a new ``_()`` string fails here until it has a
zh_Hans translation and ``make i18n`` has regenerated the template and zh_Hant."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog

from xinyong.web import i18n

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "i18n.py"
FIX = "run `make i18n` (scripts/i18n.py) and translate what it lists"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xinyong_i18n_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _load_script()


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    catalog: Catalog | None = script.read_catalog(path, locale)
    assert catalog is not None, f"{path} is missing: {FIX}"
    return catalog


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _catalog(script.TEMPLATE_PATH)


@pytest.fixture(scope="module")
def source() -> Catalog:
    return _catalog(script.catalog_path(script.SOURCE_LOCALE), script.SOURCE_LOCALE)


@pytest.fixture(scope="module")
def derived() -> Catalog:
    return _catalog(script.catalog_path(script.DERIVED_LOCALE), script.DERIVED_LOCALE)


def _ids(catalog: Catalog) -> set[tuple[str, str | None]]:
    return {(str(message.id), message.context) for message in script.messages(catalog)}


def test_the_template_holds_every_message_in_the_sources(template: Catalog) -> None:
    extracted = _ids(script.extract())
    on_file = _ids(template)
    new = sorted(message_id for message_id, _ in extracted - on_file)
    assert not new, f"messages not yet in messages.pot, {FIX}: {new}"
    gone = sorted(message_id for message_id, _ in on_file - extracted)
    assert not gone, f"messages.pot lists messages no longer used, {FIX}: {gone}"
    # Sanity: the extractors did run over the templates and the Python pages.
    assert ("Log in", None) in extracted
    assert ("Wrong username or password.", None) in extracted
    assert ("Legal person", None) in extracted  # a run-time lookup (KIND_LABELS)


@pytest.mark.parametrize("locale", [script.SOURCE_LOCALE, script.DERIVED_LOCALE])
def test_every_message_has_a_translation(template: Catalog, locale: str) -> None:
    catalog = _catalog(script.catalog_path(locale), locale)
    missing = sorted(_ids(template) - _ids(catalog))
    assert not missing, f"{locale} lacks {missing}: {FIX}"
    unused = sorted(_ids(catalog) - _ids(template))
    assert not unused, f"{locale} holds messages no longer used {unused}: {FIX}"
    # Empty and fuzzy entries are shown in English by the pages.
    untranslated = script.untranslated(catalog)
    assert not untranslated, f"{locale} has no (or only a fuzzy) translation for {untranslated}"
    problems = [(message.id, errors) for message, errors in catalog.check()]
    assert not problems, f"{locale}: placeholders differ from the message ids: {problems}"


def test_zh_hant_is_the_s2t_conversion_of_zh_hans(source: Catalog, derived: Catalog) -> None:
    for message in script.messages(source):
        traditional = derived.get(message.id, context=message.context)
        assert traditional is not None, f"{message.id!r} missing from zh_Hant: {FIX}"
        assert traditional.string == script._convert_string(message.string), (
            f"zh_Hant for {message.id!r} was edited by hand or is stale: change zh_Hans or "
            f"ZH_HANT_OVERRIDES in scripts/i18n.py, then {FIX}"
        )
        assert traditional.fuzzy == message.fuzzy


def test_overrides_replace_converted_terms() -> None:
    for term, replacement in script.ZH_HANT_OVERRIDES.items():
        # A key that s2t never produces would never match anything.
        assert script.s2t(term) == term, f"override key {term!r} is not Traditional"
        assert replacement != term
    assert script.to_traditional("退出登录") == "登出"
    assert script.to_traditional("登录") == "登入"
    assert script.to_traditional("统一社会信用代码") == "統一社會信用代碼"


def test_the_pages_read_the_catalogs_without_a_compile_step() -> None:
    assert i18n.translations("zh_Hans").gettext("Log in") == "登录"
    assert i18n.translations("zh_Hans").gettext("Log out") == "退出登录"
    assert i18n.translations("zh_Hans").gettext("Legal basis") == "法律依据"
    assert i18n.translations("zh_Hant").gettext("Unified social credit code") == "統一社會信用代碼"
    assert i18n.translations("en").gettext("Log in") == "Log in"
