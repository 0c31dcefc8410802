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


# --- what the pages say: article citations and refusals --------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("citation", "zh_hans", "zh_hant"),
    [
        ("Art. 13", "第十三条", "第十三條"),
        ("Art. 13 ¶3", "第十三条第三款", "第十三條第三款"),
        ("Art. 12(3)", "第十二条第（三）项", "第十二條第（三）項"),
        ("Art. 16(1)", "第十六条第（一）项", "第十六條第（一）項"),
        ("Art. 35", "第三十五条", "第三十五條"),
        ("Art. 20–21", "第二十条至第二十一条", "第二十條至第二十一條"),
        ("Art. 15, 18", "第十五条、第十八条", "第十五條、第十八條"),
        ("(Art. 11 ¶2)", "(第十一条第二款)", "(第十一條第二款)"),
        ("《福州市社会信用管理办法》第十七条", "《福州市社会信用管理办法》第十七条", None),
    ],
)
def test_articles_are_cited_as_the_regulation_numbers_them(
    citation: str, zh_hans: str, zh_hant: str | None
) -> None:
    from xinyong.web.labels import cite

    assert cite(citation, i18n.translations("zh_Hans").gettext, chinese=True) == zh_hans
    if zh_hant is not None:
        assert cite(citation, i18n.translations("zh_Hant").gettext, chinese=True) == zh_hant
    assert cite(citation, i18n.translations("en").gettext, chinese=False) == citation


def _refusal_codes() -> set[str]:
    """Every code a refusal is raised or reported with in the sources: the ``code=`` of a
    domain error, a row ``Problem``, an ``UnusableFile``, an access ``refusal``."""
    import ast

    from xinyong import identifiers

    makers = {
        "InvalidInput",
        "NotFound",
        "Conflict",
        "PermissionDenied",
        "NotAuthenticated",
        "RateLimited",
        "DomainError",
        "IdentifierError",
    }
    codes = {
        getattr(identifiers, name)
        for name in (
            "EMPTY",
            "LENGTH",
            "CHARSET",
            "CHECK_CHARACTER",
            "ORGANISATION_CODE_CHECK",
            "BIRTH_DATE",
            "ADDRESS_CODE",
        )
    }
    codes |= {"not_found", "method_not_allowed", "invalid_request", "internal_error", "http_error"}
    for path in (ROOT / "src" / "xinyong").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            literal = None
            if name in makers:
                literal = next((k.value for k in node.keywords if k.arg == "code"), None)
            elif name in ("Problem", "UnusableFile") and node.args:
                literal = node.args[0]
            elif name == "refusal" and len(node.args) >= 8:
                literal = node.args[7]
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                codes.add(literal.value)
    return codes


def test_every_refusal_code_has_an_explanation_for_the_pages() -> None:
    from xinyong.web.refusals import CODES

    codes = _refusal_codes()
    assert len(codes) > 80  # the scan found the refusals
    missing = sorted(codes - set(CODES))
    assert not missing, f"add these codes to xinyong.web.refusals.CODES: {missing}"


@pytest.mark.parametrize(
    ("error", "zh_text", "zh_detail", "en_text"),
    [
        # a message written word for word: its own message id
        (
            {"code": "unknown_subject", "message": "no subject with this code"},
            "没有该代码的信息主体",
            None,
            "no subject with this code",
        ),
        # a message with values: translated with them
        (
            {
                "code": "rate_limited",
                "message": "too many login attempts: at most 5 in 300 seconds; "
                "try again in 42 seconds",
            },
            "登录尝试过多：300 秒内最多 5 次；请 42 秒后再试",
            None,
            "too many login attempts: at most 5 in 300 seconds; try again in 42 seconds",
        ),
        (
            {"code": "required", "message": "决定日期 (Decision date) is required"},
            "决定日期为必填项",
            None,
            "决定日期 (Decision date) is required",
        ),
        (
            {
                "code": "window_open",
                "message": "the objection window after the written notice runs until 2026-12-09",
            },
            "书面告知后的异议期至 2026-12-09 结束",
            None,
            "the objection window after the written notice runs until 2026-12-09",
        ),
        # otherwise the code's explanation, the English message kept as the detail
        (
            {"code": "not_applicable", "message": "the subject is on no list today"},
            "该信息主体不在此措施所针对的名单上。",
            "the subject is on no list today",
            "The subject is not on the list this measure targets.",
        ),
        # an unknown code: the English message as it is
        (
            {"code": "something_new", "message": "a new refusal"},
            "a new refusal",
            None,
            "a new refusal",
        ),
    ],
)
def test_a_refusal_is_explained_in_the_pages_language(
    error: dict[str, str], zh_text: str, zh_detail: str | None, en_text: str
) -> None:
    from xinyong.web.refusals import explain

    zh = explain(error, i18n.translations("zh_Hans").gettext)
    assert (zh.code, zh.text, zh.detail) == (error["code"], zh_text, zh_detail)
    assert explain(error, i18n.translations("en").gettext).text == en_text
