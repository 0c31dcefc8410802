"""The page catalogs are complete and current: a new ``_()`` string fails here until it has a
zh_Hans translation and ``make i18n`` has regenerated the template and zh_Hant."""

from __future__ import annotations

import importlib.util
import re
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
            f"ZH_HANT_OVERRIDES in src/xinyong/web/i18n.py, then {FIX}"
        )
        assert traditional.fuzzy == message.fuzzy


@pytest.mark.parametrize("locale", [script.SOURCE_LOCALE, script.DERIVED_LOCALE])
def test_no_chinese_translation_cites_an_article_in_english(locale: str) -> None:
    """A Chinese page cites the regulation as it numbers itself (第二十条至第二十三条), never
    "Art. 20–23" (review r3, finding 3: the typical cases page did). Citations the services
    write at run time are converted by ``labels.cite``; the catalogs hold the pages' own."""
    catalog = _catalog(script.catalog_path(locale), locale)
    english = [
        str(message.id)
        for message in script.messages(catalog)
        for text in (message.string if isinstance(message.string, tuple) else (message.string,))
        if text and ("Art." in text or "¶" in text)
    ]
    assert not english, f"{locale} cites articles in English: {english}"


def test_every_district_is_named_in_each_language() -> None:
    """The districts the pages offer and count by (``catalog.models.DISTRICTS``, in
    Simplified Chinese) have a label in every language: their Chinese names in the catalogs,
    in English their pinyin (review r3, finding 5)."""
    from xinyong.catalog.models import DISTRICTS
    from xinyong.web.labels import DISTRICT_LABELS

    assert list(DISTRICT_LABELS) == [code for code, _name in DISTRICTS]
    for code, name in DISTRICTS:
        label = DISTRICT_LABELS[code]
        assert i18n.translations("zh_Hans").gettext(label) == name
        assert i18n.translations("zh_Hant").gettext(label) == script.to_traditional(name)
        assert re.fullmatch(r"[A-Z][a-z']+ (District|County|City)", label), label


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


def test_every_green_channel_reason_is_said_in_the_pages_language() -> None:
    """One label per reason code the joint check gives (the joint-check page, its CSV and
    the subject's access log all say it through ``green_channel_reason``)."""
    from xinyong.lists import joint_checks
    from xinyong.web.labels import GREEN_CHANNEL_LABELS, green_channel_reason

    reasons = joint_checks.green_channel_reasons(3)
    assert set(GREEN_CHANNEL_LABELS) == set(reasons)
    english, chinese = (i18n.translations(loc).gettext for loc in ("en", "zh_Hans"))
    for code, words in reasons.items():
        assert green_channel_reason(code, english, 3) == words
        assert green_channel_reason(code, chinese, 3) != words
    assert green_channel_reason(joint_checks.CLEAN, chinese, 3) == (
        "连续 3 年无不良信用记录（第十六条第（一）项）"
    )
    # The years are configuration (XINYONG_GREEN_CHANNEL_CLEAN_YEARS), said as configured.
    assert (
        green_channel_reason(joint_checks.CLEAN, english, 5)
        == (joint_checks.green_channel_reasons(5)[joint_checks.CLEAN])
    )
    # A reason stored in words before it was stored as a code is shown as it is.
    assert green_channel_reason("on the black list", chinese, 3) == "on the black list"


def _refusal_codes() -> set[str]:
    """Every code a refusal is raised or reported with in the sources: the ``code=`` of a
    domain error, a row ``Problem``, an ``UnusableFile``, a district rule's ``Loosening``,
    an access ``refusal``."""
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
            elif name in ("Problem", "UnusableFile", "Loosening") and node.args:
                literal = node.args[0]
            elif name == "Refused" and len(node.args) >= 2:  # a district rule's loosening
                literal = node.args[1]
            elif name == "refusal" and len(node.args) >= 8:
                literal = node.args[7]
            if isinstance(literal, ast.Constant) and isinstance(literal.value, str):
                codes.add(literal.value)
    return codes


def test_every_refusal_code_has_an_explanation_for_the_pages() -> None:
    from xinyong.web.refusals import CODES, STATED

    codes = _refusal_codes()
    assert len(codes) > 80  # the scan found the refusals
    assert {"drops_field", "lengthens_publicity"} <= codes  # and the loosenings (Art. 35)
    missing = sorted(codes - set(CODES) - set(STATED))
    assert not missing, f"add these codes to xinyong.web.refusals.CODES or STATED: {missing}"


def test_a_refusal_written_word_for_word_is_translated_whole() -> None:
    """A message with no values is its own message id (decision 0016, rule 2): explained
    only by its code's general text, the page showed the English message beneath."""
    import ast

    from xinyong.web.refusals import explain

    makers = {
        "InvalidInput",
        "NotFound",
        "ConcealedRefusal",
        "Conflict",
        "Gone",
        "PermissionDenied",
        "NotAuthenticated",
        "RateLimited",
        "DomainError",
    }
    left: list[tuple[str, str]] = []
    for path in (ROOT / "src" / "xinyong").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            code: ast.expr | None = None
            message: ast.expr | None = None
            if name in makers and node.args:
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                message = node.args[0]
            elif name in ("Problem", "UnusableFile") and len(node.args) >= 2:
                code, message = node.args[0], node.args[1]
            elif name == "refusal" and len(node.args) >= 8:
                code, message = node.args[7], node.args[6]
            if not (isinstance(code, ast.Constant) and isinstance(message, ast.Constant)):
                continue
            if not isinstance(message.value, str):
                continue
            shown = explain({"code": code.value, "message": message.value}, lambda text: text)
            if shown.detail is not None:
                left.append((code.value, message.value))
    assert not left, f"add these messages to xinyong.web.refusals.MESSAGES: {sorted(left)}"


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
        # a problem its code states in full: translated by the code (Art. 35)
        (
            {
                "code": "lengthens_publicity",
                "field": "disclosure.periods.general",
                "message": "cannot lengthen the publicity period",
            },
            "不得延长公示期",
            None,
            "cannot lengthen the publicity period",
        ),
        # refusals with values the pages meet, each with its values in the page's language
        (
            {
                "code": "on_black_list",
                "message": "the subject is on the black list (失信被执行人, until 2029-03-01): a "
                "subject on the black list is no integrity model and cannot be recognised "
                "under 纳税信用A级纳税人",
            },
            "该信息主体在黑名单上（失信被执行人，至 2029-03-01）：黑名单上的主体不是诚信典型，"
            "不能依“纳税信用A级纳税人”认定",
            None,
            None,
        ),
        (
            {
                "code": "bad_record",
                "message": "the subject has a bad credit record within the last 3 years "
                "(行政处罚, decided on 2026-02-10); 守信激励对象 requires none",
            },
            "该信息主体在最近 3 年内有不良信用记录（行政处罚，决定日期 2026-02-10）；"
            "“守信激励对象”要求没有此类记录",
            None,
            None,
        ),
        (
            {
                "code": "objection_pending",
                "message": "your objection of 2026-11-20 to this notice is still undecided; you "
                "are told its decision and reasons here, and may object again afterwards",
            },
            "您于 2026-11-20 对此告知提出的异议尚未决定；决定及其理由将在此告知您，之后可再次提出异议",
            None,
            None,
        ),
        (
            {
                "code": "disproportionate",
                "message": "a measure of severity 5 is heavier than the black tier allows (at "
                "most 3); measures must fit the nature, circumstances and impact of the conduct",
            },
            "严重程度为 5 的措施超出黑名单所允许的程度（最高为 3）；"
            "措施须与行为的性质、情节和社会影响相适应",
            None,
            "a measure of severity 5 is heavier than the black list tier allows (at most 3); "
            "measures must fit the nature, circumstances and impact of the conduct",
        ),
        (
            {
                "code": "role_not_allowed",
                "message": "an organisation of kind enterprise cannot have role case_officer",
            },
            "企业类单位的账号不能担任“案件承办人员”角色",
            None,
            "an organisation of kind enterprise cannot have the role case officer",
        ),
        (
            {"code": "required", "message": "a proposal states its criteria met"},
            "提请列入名单须写明符合的条件",
            None,
            None,
        ),
        (
            {
                "code": "prohibited_content",
                "message": "column '血型' carries blood type, which may never be collected",
            },
            "列 '血型' 含有血型，此类信息一律禁止采集",
            None,
            None,
        ),
        (
            {
                "code": "subject_kind_not_allowed",
                "message": "Administrative licence records are not kept about a natural person",
            },
            "Administrative licence信息不记录自然人",
            None,
            None,
        ),
        (
            {
                "code": "district_rule_loosens",
                "message": "a district rule cannot drop a city field (Art. 35 lets a district "
                "add to or tighten the city's rules only)",
            },
            "区县规则不得删去市级规则的字段（依第三十五条，区县只能在市级规则的基础上增加或从严规定）",
            None,
            None,
        ),
        (
            {
                "code": "bulk_read_limit",
                "message": "bulk reads are limited: your organisation made 200 reads of credit "
                "files in the last hour; wait, or ask the credit authority to raise the limit "
                "for a documented case",
            },
            "批量查阅受限：本单位在过去一小时内已查阅信用档案 200 次；"
            "请稍后再试，或就有据可查的情形请社会信用主管部门提高限额",
            None,
            None,
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
    error: dict[str, str], zh_text: str, zh_detail: str | None, en_text: str | None
) -> None:
    from xinyong.web.refusals import explain

    zh = explain(error, i18n.translations("zh_Hans").gettext)
    assert (zh.code, zh.text, zh.detail) == (error["code"], zh_text, zh_detail)
    # None: the English page reads the message as the services wrote it.
    assert explain(error, i18n.translations("en").gettext).text == (en_text or error["message"])


@pytest.mark.parametrize(
    "data",
    [
        "名称,类别, 名称\n".encode(),
        b"a,,c\n1,,3\n4,5,6\n",
        '名称,说明\n甲,"多行\n说明"\n乙,x\n'.encode() + b"\xff,1\n",
        b'a,b\n1,2\n"3,4\n5,6\n',
        b"",
        b"\xff\xfe\xfd\xfc",
        "名称,金额\n".encode("utf-16"),
    ],
    ids=["duplicate", "no_header", "bytes", "quote", "empty", "encoding", "utf16"],
)
def test_a_refused_file_is_explained_whole_in_chinese(data: bytes) -> None:
    """The upload page says what is wrong with a file in its language, with the row and
    the column, and no English line beneath it."""
    import io

    from xinyong.collection.readers import FileFormat, UnusableFile, open_rows
    from xinyong.web.refusals import explain

    with pytest.raises(UnusableFile) as caught, open_rows(io.BytesIO(data), FileFormat.CSV) as rows:
        list(rows)
    explained = explain(caught.value.as_dict(), i18n.translations("zh_Hans").gettext)
    assert explained.detail is None, caught.value.message
    assert explained.text != caught.value.message


def test_catalog_names_follow_the_pages_locale() -> None:
    """The rule pack's names (record types, fields, matters) in the page's language: zh_Hant
    in Traditional characters with the catalog's overrides, English where there is one."""
    assert i18n.catalog_name("行政处罚", "Administrative penalty", "zh_Hant") == "行政處罰"
    assert i18n.catalog_name("行政处罚", "Administrative penalty", "zh_Hans") == "行政处罚"
    assert i18n.catalog_name("行政处罚", "Administrative penalty", "en") == "Administrative penalty"
    assert i18n.catalog_name("行政处罚", None, "en") == "行政处罚"
    assert i18n.catalog_name("默认字段", None, "zh_Hant") == "預設欄位"
