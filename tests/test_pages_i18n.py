"""Refusals, article citations and labels in the page's language: zh-Hans by default,
English with ``?lang=en``. The API keeps its English messages (``tests/test_api_*``); the
pages explain the same refusal in their language and keep the code beside it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.factories import World
from tests.lists_helpers import (
    fast_password_hashing,  # noqa: F401 - fixture
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_pages_disclosure import error_code
from xinyong.identifiers import USCC_ALPHABET, uscc_check_character

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


def page(client: TestClient, path: str, lang: str) -> str:
    return client.get(path + ("?lang=en" if lang == "en" else ""), headers=HTML).text


@pytest.mark.parametrize(
    ("lang", "explanation", "article"),
    [
        ("zh", "角色“信息主体本人账号”无权提出名单认定", "<dd>第十二条</dd>"),
        (
            "en",
            "the role the subject&#39;s own account may not propose list entries",
            "<dd>Art. 12</dd>",
        ),
    ],
)
def test_a_refusal_is_explained_in_the_pages_language_with_its_code(
    world: World, client: TestClient, lang: str, explanation: str, article: str
) -> None:
    log_in(client, "citizen")
    response = client.get("/lists-queue" + ("?lang=en" if lang == "en" else ""), headers=HTML)
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert "<code>permission_denied</code>" in response.text
    assert explanation in response.text
    assert article in response.text
    if lang == "zh":
        assert "may not" not in response.text


@pytest.mark.parametrize(("lang", "explanation"), [("zh", "未找到"), ("en", "Not Found")])
def test_the_apps_own_refusals_are_translated(
    world: World, client: TestClient, lang: str, explanation: str
) -> None:
    text = page(client, "/no-such-page", lang)
    assert f'data-code="not_found">{explanation}</p>' in text
    assert "<code>not_found</code>" in text


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("zh", "统一社会信用代码的校验码（第 18 位）按前 17 位应为 '{right}'"),
        ("en", "Unified social credit code check character (position 18) should be '{right}'"),
    ],
)
def test_a_check_code_result_names_the_check_character_in_the_pages_language(
    world: World, client: TestClient, lang: str, expected: str
) -> None:
    first17 = "91350100MA2XN4QK1"
    right = uscc_check_character(first17)
    wrong = next(ch for ch in USCC_ALPHABET if ch != right)
    form = client.get("/check-code", headers=HTML)
    response = client.post(
        "/check-code" + ("?lang=en" if lang == "en" else ""),
        data={"code": first17 + wrong, "csrf_token": csrf_from(form.text)},
        headers=HTML,
    )
    text = response.text.replace("&#39;", "'")
    assert '<code class="error-code">check_character</code>' in text
    assert expected.format(right=right) in text


@pytest.mark.parametrize(
    ("lang", "explanation", "article", "head", "name_label"),
    [
        (
            "zh",
            "严重程度为 5 的措施超出黑名单所允许的程度（最高为 3）；"
            "措施须与行为的性质、情节和社会影响相适应",
            "<dd>第十五条第二款</dd>",
            "第十六条第（一）项",
            "措施名称",
        ),
        (
            "en",
            "a measure of severity 5 is heavier than the black list tier allows (at most 3); "
            "measures must fit the nature, circumstances and impact of the conduct",
            "<dd>Art. 15 ¶2</dd>",
            "Art. 16(1)",
            "Measure name",
        ),
    ],
)
def test_a_refused_measure_cites_its_article_in_the_pages_language(
    lists_world: World,  # noqa: F811
    client: TestClient,
    lang: str,
    explanation: str,
    article: str,
    head: str,
    name_label: str,
) -> None:
    log_in(client, "authority")
    catalog = page(client, "/admin/measures", lang)
    assert name_label in catalog
    assert head in catalog  # the measures of the rule pack, Art. 16 item 1 among them
    form = {
        "code": "pun_fiscal_subsidy_review",
        "kind": "punishment",
        "head": "5",
        "name": "从严审核财政补贴申请",
        "matter_codes": ["fiscal_funding"],
        "target": "black",
        "means": "对其财政补贴申请从严审核",
        "implementing_body": "市财政局",
        "implementer_kinds": ["state_organ"],
        "legal_basis": "《福州市社会信用管理办法》第十七条第（五）项",
        "severity": "5",
        "csrf_token": csrf_from(catalog),
    }
    refused = client.post(
        "/admin/measures" + ("?lang=en" if lang == "en" else ""), data=form, headers=HTML
    )
    assert refused.status_code == 422
    assert error_code(refused) == "disproportionate"
    # Translated with its values (the severity, the tier and its limit), so the English
    # message is not repeated as a detail line.
    assert f'data-code="disproportionate">{explanation}</p>' in refused.text
    assert "error-detail" not in refused.text
    assert article in refused.text


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_matters_are_named_not_coded_on_the_measures_pages(
    lists_world: World,  # noqa: F811
    client: TestClient,
    lang: str,
) -> None:
    text = (
        client.get("/measures?lang=zh_Hant", headers=HTML).text
        if lang == "zh_Hant"
        else page(client, "/measures", lang)
    )
    cells = re.findall(r"<td>([^<]*)</td>", text)
    assert cells
    # No cell holds a bare matter code such as administrative_licensing.
    assert not [cell for cell in cells if re.fullmatch(r"[a-z]+(_[a-z]+)+(, [a-z_]+)*", cell)]
    if lang == "zh":
        assert "行政许可" in text
    elif lang == "zh_Hant":
        # The rule pack's matter names in Traditional characters (review r13).
        assert "行政許可" in text
        # The matters column names none in Simplified characters (a measure's own name is
        # the measure list's text, shown as its implementer wrote it).
        in_simplified = [cell for cell in cells if "行政许可" in cell]
        assert all("绿色通道" in cell for cell in in_simplified), in_simplified
    else:
        assert "Administrative licensing" in text or "administrative licensing" in text.lower()


@pytest.mark.parametrize(("lang", "purpose"), [("zh", "本人档案"), ("en", "own file")])
def test_the_access_log_names_the_subjects_own_reads_in_the_pages_language(
    world: World, client: TestClient, lang: str, purpose: str
) -> None:
    log_in(client, "citizen")
    assert client.get("/me/credit", headers=HTML).status_code == 200
    # Own reads are listed on request (?own=true).
    text = client.get(
        "/me/access-log",
        params={"own": "true", **({"lang": "en"} if lang == "en" else {})},
        headers=HTML,
    ).text
    assert f"<td>{purpose}</td>" in text
    if lang == "zh":
        assert "own file" not in text


# --- the language switch (a GET form) goes where GET answers --------------------------------


def switch_of(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The language switch's target and the query it carries besides ``lang``."""
    form = re.search(
        r'<form method="get" action="([^"]*)" class="lang-switch">(.*?)</form>', text, re.S
    )
    assert form, "no language switch"
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    return form.group(1), hidden


def switched(client: TestClient, text: str) -> str:
    """Follow the switch to English, as the browser does; the page must answer."""
    action, hidden = switch_of(text)
    response = client.get(action, params=[*hidden, ("lang", "en")], headers=HTML)
    assert response.status_code == 200, (action, response.status_code)
    assert '<html lang="en">' in response.text
    return response.text


def test_the_switch_keeps_a_pages_query(world: World, client: TestClient) -> None:
    log_in(client, "analyst")
    text = client.get(
        "/query", params={"path": "authorisation", "lang": "zh_Hans"}, headers=HTML
    ).text
    assert switch_of(text) == ("/query", [("path", "authorisation")])
    assert "Step 2: the subject" in switched(client, text)


def commit_nothing(client: TestClient, referer: str | None = None) -> str:
    """A refused commitment: the declarations page, answered to POST /me/commitments."""
    token = csrf_from(client.get("/me/declarations", headers=HTML).text)
    headers = {**HTML, **({"Referer": referer} if referer else {})}
    response = client.post("/me/commitments", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 422
    return response.text


def test_after_a_form_the_switch_goes_to_the_page_the_form_was_on(
    world: World, client: TestClient
) -> None:
    """POST /me/commitments has no GET: switching there was a 405. The switch goes to the
    page the form was on (the Referer), with its query."""
    log_in(client, "company")
    text = commit_nothing(client, referer="http://testserver/me/declarations?x=1")
    assert switch_of(text) == ("/me/declarations", [("x", "1")])
    assert "Declarations and commitments" in switched(client, text)


def test_without_a_usable_referer_the_switch_goes_to_the_nearest_page_above(
    world: World, client: TestClient
) -> None:
    log_in(client, "company")
    for referer in (
        None,
        "https://elsewhere.example/me/declarations",
        "http://testserver/me/commitments",
    ):
        text = commit_nothing(client, referer)
        assert switch_of(text) == ("/me", [])
        switched(client, text)


def test_after_a_refused_report_the_switch_goes_to_the_query_page(
    world: World, client: TestClient
) -> None:
    log_in(client, "analyst")
    company = world.subjects["company"]
    token = csrf_from(client.get("/query", headers=HTML).text)
    refused = client.post(
        "/query/report",
        data={
            "subject": company.reference,
            "path": "authorisation",
            "format": "html",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert refused.status_code == 403
    assert switch_of(refused.text) == ("/query", [])
    switched(client, refused.text)
