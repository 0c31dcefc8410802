"""The credit authority's catalog pages: the responsibility list (grant, revoke, their
refusals on the form), and editing record types as JSON (create, revise for the city or
a district, the Art. 11 ¶3 / Art. 35 / schema refusals shown with the text kept), with
the record-type page's version history (who, when, where)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.collection_helpers import ingest, penalty_row
from tests.factories import World, district_authority
from tests.page_helpers import HTML, csrf_from, log_in
from tests.test_pages_collection import SAMPLE_CSV, upload
from xinyong.accounts.permissions import SYSTEM_ACTOR
from xinyong.audit.models import AuditEvent
from xinyong.catalog import service as catalog
from xinyong.catalog.models import RecordType
from xinyong.catalog.service import load_rule_pack
from xinyong.clock import FixedClock
from xinyong.collection import sources
from xinyong.collection.models import Batch
from xinyong.web.i18n import translations
from xinyong.web.labels import cite
from xinyong.web.pages.catalog import NEW_DEFINITION


def cited(article: str) -> str:
    """An article as the default (zh-Hans) pages cite it: Art. 13 ¶3 → 第十三条第三款."""
    return cite(article, translations("zh_Hans").gettext, chinese=True)


PENALTY = "administrative_penalty"
SOURCES = "/admin/sources"


@pytest.fixture
def world(world: World, db: Session, clock: FixedClock) -> World:
    """The demo world with the catalog, the regulator responsible for penalties, committed:
    a refused request rolls the shared test session back to its last commit."""
    load_rule_pack(db, clock)
    sources.grant(db, clock, SYSTEM_ACTOR, world.organisations["regulator"], PENALTY)
    db.commit()
    return world


@pytest.fixture
def gulou(world: World) -> str:
    """鼓楼区's credit authority officer, committed: who writes 鼓楼区's rules (Art. 35)."""
    officer = district_authority("350102")
    world.session.commit()
    return officer.username


def token(client: TestClient, path: str) -> str:
    return csrf_from(client.get(path, headers=HTML).text)


def error_of(response: Any) -> tuple[str, str]:
    """The code and the field named by the form's error block (zh_Hans, the default)."""
    code = re.search(r'class="error-message" data-code="([^"]+)"', response.text)
    assert code, "no form error on the page"
    label = re.escape(translations("zh_Hans").gettext("Field"))
    field = re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", response.text)
    return code.group(1), html.unescape(field.group(1)) if field else ""


def textarea(response: Any) -> str:
    match = re.search(r'<textarea id="definition"[^>]*>(.*?)</textarea>', response.text, re.S)
    assert match, "no definition textarea"
    return html.unescape(match.group(1))


def events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the responsibility list ----------------------------------------------------------------


def test_the_authority_grants_and_revokes_a_responsibility(
    client: TestClient, db: Session, world: World
) -> None:
    other = world.organisations["other_agency"]
    log_in(client, "authority")
    page = client.get(SOURCES)
    assert page.status_code == 200
    assert f'data-org="{world.organisations["regulator"].code}"' in page.text
    assert f'data-org="{other.code}"' not in page.text  # responsible for nothing yet

    granted = client.post(
        SOURCES,
        data={"org": other.code, "type": PENALTY, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert granted.status_code == 303
    listed = client.get(granted.headers["location"])
    assert 'class="result ok" role="status"' in listed.text
    assert sources.responsibilities(db, other.id) == [PENALTY]
    grant_event = events(db, "source.grant")[-1]
    assert grant_event.actor_id == f"user:{world.users['authority'].id}"
    assert (grant_event.target_id, grant_event.details) == (str(other.id), {"record_type": PENALTY})
    row = listed.text.split(f'data-org="{other.code}"', 1)[1].split("</tr>", 1)[0]
    assert f'data-type="{PENALTY}"' in row
    # The revoke button names the type as the page does, not by its code.
    assert f'aria-label="撤销{other.name}报送行政处罚的责任"' in row
    # Who granted it: the authority's officer.
    assert world.users["authority"].display_name in row

    revoked = client.post(
        f"{SOURCES}/{other.code}/{PENALTY}/revoke",
        data={"csrf_token": csrf_from(listed.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    after = client.get(revoked.headers["location"]).text
    assert sources.responsibilities(db, other.id) == []
    revoke_event = events(db, "source.revoke")[-1]
    assert (revoke_event.target_id, revoke_event.details) == (
        str(other.id),
        {"record_type": PENALTY},
    )
    row = after.split(f'data-org="{other.code}"', 1)[1].split("</tr>", 1)[0]
    assert f'data-revoked-type="{PENALTY}"' in row
    assert f'data-type="{PENALTY}"' not in row


def test_a_revoked_responsibility_stops_the_uploads(
    client: TestClient, db: Session, world: World
) -> None:
    regulator = world.organisations["regulator"]
    log_in(client, "authority")
    response = client.post(
        f"{SOURCES}/{regulator.code}/{PENALTY}/revoke",
        data={"csrf_token": token(client, SOURCES)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    client.post("/logout", data={"csrf_token": token(client, SOURCES)})
    log_in(client, "reporter")
    refused = upload(client, SAMPLE_CSV)
    assert refused.status_code == 403
    assert 'data-code="not_responsible"' in refused.text
    assert db.scalars(select(Batch)).all() == []


def test_a_grant_the_catalog_does_not_admit_is_shown_on_the_form(
    client: TestClient, db: Session, world: World
) -> None:
    bank = world.organisations["bank"]
    log_in(client, "authority")
    response = client.post(
        SOURCES, data={"org": bank.code, "type": PENALTY, "csrf_token": token(client, SOURCES)}
    )
    assert response.status_code == 422
    assert error_of(response) == ("submitter_kind_not_allowed", "org")
    assert cited("Art. 9") in response.text
    # The choices are kept and the organisation is marked.
    assert f'<option value="{bank.code}" selected>' in response.text
    assert f'<option value="{PENALTY}" selected>' in response.text
    assert 'id="grant-org" name="org" required aria-invalid="true"' in response.text
    assert sources.responsibilities(db, bank.id) == []
    assert [e for e in events(db, "source.grant") if e.target_id == str(bank.id)] == []


@pytest.mark.parametrize(
    ("form", "code", "field"),
    [
        ({"org": "91350100MA0000000X", "type": PENALTY}, "unknown_organisation", "org"),
        ({"org": "regulator", "type": "fire_safety_check"}, "unknown_record_type", "type"),
    ],
)
def test_a_grant_of_something_unknown_is_shown_on_the_form(
    client: TestClient, world: World, form: dict[str, str], code: str, field: str
) -> None:
    if form["org"] == "regulator":
        form = {**form, "org": world.organisations["regulator"].code}
    log_in(client, "authority")
    response = client.post(SOURCES, data={**form, "csrf_token": token(client, SOURCES)})
    assert response.status_code == 404
    assert error_of(response) == (code, field)


def test_revoking_what_is_not_in_force_is_shown_on_the_page(
    client: TestClient, db: Session, world: World
) -> None:
    other = world.organisations["other_agency"]
    log_in(client, "authority")
    response = client.post(
        f"{SOURCES}/{other.code}/{PENALTY}/revoke", data={"csrf_token": token(client, SOURCES)}
    )
    assert response.status_code == 422
    assert error_of(response) == ("not_responsible", "type")
    # Shown above the list, not on the grant form.
    assert response.text.index('id="form-error"') < response.text.index('id="grant-heading"')
    assert events(db, "source.revoke") == []


def test_granted_again_after_a_revocation_names_who_granted_it_again(
    db: Session, world: World, clock: FixedClock
) -> None:
    from xinyong.accounts import service as accounts

    regulator = world.organisations["regulator"]
    authority = accounts.actor_for_user(world.users["authority"])
    sources.revoke(db, clock, authority, regulator, PENALTY)
    sources.grant(db, clock, authority, regulator, PENALTY)
    [line] = [
        item
        for item in sources.responsibility_list(db, authority)
        if item.organisation_id == regulator.id
    ]
    assert (line.record_type_code, line.in_force) == (PENALTY, True)
    assert line.granted_by == f"user:{world.users['authority'].id}"


@pytest.mark.parametrize(("username", "status"), [("reporter", 403), ("admin", 403), (None, 401)])
def test_the_responsibility_list_is_the_authoritys(
    client: TestClient, world: World, username: str | None, status: int
) -> None:
    if username:
        log_in(client, username)
    assert client.get(SOURCES, headers=HTML).status_code == status


def test_the_navigation_links_the_list_for_the_authority_only(
    client: TestClient, world: World
) -> None:
    log_in(client, "reporter")
    assert f'href="{SOURCES}"' not in client.get("/catalog").text
    client.post("/logout", data={"csrf_token": token(client, "/catalog")})
    log_in(client, "authority")
    assert f'href="{SOURCES}"' in client.get("/catalog").text


# --- editing the catalog ------------------------------------------------------------------


def fire_safety_check() -> dict[str, Any]:
    from tests.test_catalog import new_definition

    return new_definition()


def test_the_authority_adds_a_record_type(client: TestClient, db: Session, world: World) -> None:
    log_in(client, "authority")
    catalog_page = client.get("/catalog").text
    assert 'href="/admin/catalog/new"' in catalog_page
    form = client.get("/admin/catalog/new")
    assert json.loads(textarea(form)) == NEW_DEFINITION
    created = client.post(
        "/admin/catalog/new",
        data={
            "definition": json.dumps(fire_safety_check(), ensure_ascii=False),
            "note": "消防检查纳入目录",
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/catalog/fire_safety_check?done=created"
    page = client.get(created.headers["location"]).text
    assert 'role="status"' in page
    assert "消防安全检查" in page
    history = catalog.history(db, "fire_safety_check")
    assert [(v.version_no, v.note) for v in history] == [(1, "消防检查纳入目录")]
    assert history[0].created_by == f"user:{world.users['authority'].id}"


def test_a_copy_of_a_type_starts_with_its_definition_and_a_blank_code(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "authority")
    copied = json.loads(textarea(client.get(f"/admin/catalog/new?from={PENALTY}")))
    penalty = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    assert copied == {**penalty, "code": ""}


@pytest.mark.parametrize(
    ("change", "code", "field", "article"),
    [
        # Art. 11 ¶3: never collected, whatever the field is called.
        (
            lambda d: d["fields"].append(
                {"name": "religion", "label_zh": "宗教信仰", "label_en": "Religion"}
            ),
            "prohibited_field",
            "fields.religion",
            "Art. 11 ¶3",
        ),
        (
            lambda d: d["fields"].append(
                {"name": "annual_income", "label_zh": "年收入", "label_en": "Annual income"}
            ),
            "restricted_field_undeclared",
            "fields.annual_income",
            "Art. 11 ¶2",
        ),
        # A schema error names the field by its name, not its position.
        (
            lambda d: d["fields"][2].update(type="number"),
            "invalid_definition",
            "fields.check_number.type",
            None,
        ),
        (lambda d: d.update(code=""), "invalid_definition", "code", None),
    ],
)
def test_a_refused_record_type_is_shown_with_the_text_kept(
    client: TestClient,
    db: Session,
    world: World,
    change: Any,
    code: str,
    field: str,
    article: str | None,
) -> None:
    data = fire_safety_check()
    change(data)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    log_in(client, "authority")
    response = client.post(
        "/admin/catalog/new",
        data={"definition": text, "note": "", "csrf_token": token(client, "/admin/catalog/new")},
    )
    assert response.status_code == 422
    assert error_of(response) == (code, field)
    if article:
        assert cited(article) in response.text
    assert textarea(response) == text
    assert (
        'class="code" rows="30" maxlength="200000" spellcheck="false" required aria-invalid="true"'
        in response.text
    )
    assert db.scalar(select(RecordType.id).where(RecordType.code == data["code"])) is None


def test_a_definition_that_is_not_json_says_where(client: TestClient, world: World) -> None:
    log_in(client, "authority")
    text = '{"code": "fire_safety_check",\n "name_zh": 消防}'
    response = client.post(
        "/admin/catalog/new",
        data={"definition": text, "csrf_token": token(client, "/admin/catalog/new")},
    )
    assert response.status_code == 422
    assert error_of(response) == ("invalid_json", "definition")
    assert "（第 2 行第 13 列）" in response.text  # where, in the page's language
    assert "此处应为一个值" in response.text  # and what, not the parser's English
    assert "Expecting value" not in response.text
    assert textarea(response) == text


@pytest.mark.parametrize(
    "text", ["[" * 5000 + "]" * 5000, '{"code": ' + "9" * 5000 + "}"], ids=["deep", "long_int"]
)
def test_a_definition_the_decoder_gives_up_on_is_refused_not_a_500(
    client: TestClient, world: World, text: str
) -> None:
    log_in(client, "authority")
    response = client.post(
        "/admin/catalog/new",
        data={"definition": text, "csrf_token": token(client, "/admin/catalog/new")},
    )
    assert response.status_code == 422
    assert error_of(response) == ("invalid_json", "definition")


def test_a_record_type_that_exists_is_not_added_twice(client: TestClient, world: World) -> None:
    log_in(client, "authority")
    copied = client.get(f"/admin/catalog/new?from={PENALTY}")
    data = {**json.loads(textarea(copied)), "code": PENALTY}
    response = client.post(
        "/admin/catalog/new",
        data={"definition": json.dumps(data), "csrf_token": csrf_from(copied.text)},
    )
    assert response.status_code == 409
    assert error_of(response) == ("duplicate", "code")


def revise(
    client: TestClient, data: dict[str, Any], *, jurisdiction: str = "350100", note: str = "修订"
) -> Any:
    path = f"/admin/catalog/{PENALTY}/revise"
    return client.post(
        path,
        data={
            "definition": json.dumps(data, ensure_ascii=False, indent=2),
            "jurisdiction": jurisdiction,
            "note": note,
            "csrf_token": token(client, path),
        },
        follow_redirects=False,
    )


def test_the_revise_page_shows_the_platforms_own_notes_in_the_pages_language(
    client: TestClient, world: World
) -> None:
    log_in(client, "authority")
    page = client.get(f"/admin/catalog/{PENALTY}/revise").text
    assert "从 fuzhou.toml 加载" in page
    assert "loaded from fuzhou.toml" not in page


def test_the_revise_page_names_the_districts_in_the_pages_language(
    client: TestClient, world: World
) -> None:
    """The area's choices name each district in the page's language (review r3, finding 5)."""
    log_in(client, "authority")
    for lang, gulou, fuqing in (
        ("zh_Hans", "鼓楼区", "福清市"),
        ("zh_Hant", "鼓樓區", "福清市"),
        ("en", "Gulou District", "Fuqing City"),
    ):
        page = client.get(f"/admin/catalog/{PENALTY}/revise?lang={lang}").text
        choices = page[page.index('<datalist id="districts">') :]
        choices = choices[: choices.index("</datalist>")]
        assert f'<option value="350102">{gulou}</option>' in choices
        assert f'<option value="350181">{fuqing}</option>' in choices


def test_the_authority_revises_a_record_type_for_the_city(
    client: TestClient, db: Session, world: World
) -> None:
    log_in(client, "authority")
    page = client.get(f"/catalog/{PENALTY}").text
    assert f'href="/admin/catalog/{PENALTY}/revise"' in page
    form = client.get(f"/admin/catalog/{PENALTY}/revise")
    data = json.loads(textarea(form))
    assert data == catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    data["name_zh"] = "行政处罚（修订）"
    response = revise(client, data, note="名称修订")
    assert response.status_code == 303
    assert response.headers["location"] == f"/catalog/{PENALTY}?jurisdiction=350100&done=revised"
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v2"
    shown = client.get(response.headers["location"]).text
    assert "行政处罚（修订）" in shown
    version = shown.split('data-version="350100-2"', 1)[1].split("</tr>", 1)[0]
    assert "名称修订" in version
    assert world.users["authority"].display_name in version
    assert [e.details["version"] for e in events(db, "catalog.record_type.version")][-1] == 2


def test_a_revision_changing_the_natural_key_of_a_type_with_records_is_refused_on_the_form(
    client: TestClient, db: Session, world: World, clock: FixedClock
) -> None:
    """Shown beside the form with what was typed, naming the count and the article the
    city's rules rest on (decision 0005, addendum)."""
    ingest(db, clock, world.organisations["regulator"], [penalty_row(world)])
    db.commit()
    log_in(client, "authority")
    data = json.loads(textarea(client.get(f"/admin/catalog/{PENALTY}/revise")))
    data["natural_key"] = ["decision_number", "decision_date"]
    response = revise(client, data, note="自然键加决定日期")
    assert response.status_code == 409
    assert error_of(response)[0] == "natural_key_in_use"
    assert "1 条" in response.text  # the count, in the page's language
    assert cited("Art. 6") in response.text
    assert json.loads(textarea(response))["natural_key"] == ["decision_number", "decision_date"]
    assert "自然键加决定日期" in response.text
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(polarity="positive"), "polarity"),
        (lambda d: d.update(decision_date_field="penalty_valid_until"), "decision_date_field"),
        (
            lambda d: next(f for f in d["fields"] if f["name"] == "fine_amount").update(
                type="date"
            ),
            "fields.fine_amount.type",
        ),
    ],
    ids=["polarity", "decision_date", "field_type"],
)
def test_a_revision_changing_what_stored_records_are_is_refused_on_the_form(
    client: TestClient,
    db: Session,
    world: World,
    clock: FixedClock,
    change: Any,
    field: str,
) -> None:
    """Shown beside the form with what was typed, the count, the change and the article,
    as the natural key's refusal is (decision 0005, session 18 addendum)."""
    ingest(db, clock, world.organisations["regulator"], [penalty_row(world)])
    db.commit()
    log_in(client, "authority")
    data = json.loads(textarea(client.get(f"/admin/catalog/{PENALTY}/revise")))
    change(data)
    response = revise(client, data, note="改变类型")
    assert response.status_code == 409
    assert error_of(response) == ("type_in_use", field)
    assert "本类型已有 1 条记录按现行规则存储" in response.text
    assert '<li data-code="changes_records_' in response.text
    assert cited("Art. 6") in response.text
    assert textarea(response) == json.dumps(data, ensure_ascii=False, indent=2)
    assert "改变类型" in response.text
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v1"


def test_a_district_tightens_the_citys_rule(
    client: TestClient, db: Session, world: World, gulou: str
) -> None:
    log_in(client, gulou)
    # The district's officer revises its own district's rule: the form starts there.
    form = client.get(f"/admin/catalog/{PENALTY}/revise")
    assert 'value="350102"' in form.text
    data = json.loads(textarea(form))
    data["fields"] = [
        {**spec, "required": True} if spec["name"] == "remarks" else spec for spec in data["fields"]
    ]
    response = revise(client, data, jurisdiction="350102", note="鼓楼区要求填写备注")
    assert response.status_code == 303
    assert catalog.effective_rule(db, PENALTY, "350102").source_label == "district 350102 rule v1"
    assert catalog.effective_rule(db, PENALTY).source_label == "city rule v1"
    page = client.get(response.headers["location"]).text
    assert 'data-version="350102-1"' in page
    # The district's own rule is what its revision form starts from.
    again = json.loads(textarea(client.get(f"/admin/catalog/{PENALTY}/revise?jurisdiction=350102")))
    assert again == data


def test_a_district_code_typed_in_full_width_digits_is_the_district(
    client: TestClient, db: Session, world: World, gulou: str
) -> None:
    """A Chinese input method types ２; ``isdigit`` took it and stored a code that never
    matched the district."""
    log_in(client, gulou)
    data = json.loads(textarea(client.get(f"/admin/catalog/{PENALTY}/revise?jurisdiction=350102")))
    response = revise(client, data, jurisdiction="35010２", note="鼓楼区")
    assert response.status_code == 303
    assert catalog.effective_rule(db, PENALTY, "350102").source_label == "district 350102 rule v1"
    refused = revise(client, data, jurisdiction="35010٢", note="鼓楼区")
    assert refused.status_code == 422
    assert error_of(refused) == ("invalid_jurisdiction", "jurisdiction")


def test_the_catalog_page_shows_a_district_rule_the_city_has_suspended(
    client: TestClient, db: Session, world: World, gulou: str
) -> None:
    """A district rule the city's later revision leaves looser is flagged (Art. 35) and its
    revision form starts from that rule, so the district's authority can bring it in line."""
    log_in(client, gulou)
    district = json.loads(
        textarea(client.get(f"/admin/catalog/{PENALTY}/revise?jurisdiction=350102"))
    )
    district["disclosure"]["periods"]["general"]["max_months"] = 6
    assert revise(client, district, jurisdiction="350102", note="鼓楼区从严").status_code == 303
    assert "data-suspended-district" not in client.get(f"/catalog/{PENALTY}").text

    log_in(client, "authority")
    city = json.loads(textarea(client.get(f"/admin/catalog/{PENALTY}/revise")))
    city["disclosure"]["periods"]["general"].update(max_months=3, min_months=3)
    response = revise(client, city, note="全市缩短公示期")
    assert response.status_code == 303
    for page in (
        client.get(response.headers["location"]).text,
        client.get(f"/catalog/{PENALTY}?jurisdiction=350102").text,
    ):
        notice = page.split('data-suspended-district="350102"', 1)[1].split("</section>", 1)[0]
        assert "disclosure.periods.general" in notice
        assert "第三十五条" in notice  # Art. 35, in the page's language
        # The problem too, translated by its code; the English message is the API's.
        assert 'data-code="lengthens_publicity"' in notice
        assert "不得延长公示期" in notice
        assert "cannot lengthen" not in notice
        assert f'href="/admin/catalog/{PENALTY}/revise?jurisdiction=350102"' in notice

    english = client.get(f"/catalog/{PENALTY}?jurisdiction=350102&lang=en").text
    assert "disclosure.periods.general</code>: cannot lengthen the publicity period" in english
    # The public sees that the district rule is suspended, without the link to revise it.
    client.cookies.clear()
    public = client.get(f"/catalog/{PENALTY}").text
    assert 'data-suspended-district="350102"' in public
    assert "/revise?jurisdiction=350102" not in public
    log_in(client, gulou)

    form = client.get(f"/admin/catalog/{PENALTY}/revise?jurisdiction=350102")
    assert 'data-suspended-district="350102"' in form.text
    assert json.loads(textarea(form)) == district
    district["disclosure"]["periods"]["general"]["max_months"] = 3
    assert revise(client, district, jurisdiction="350102", note="按全市调整").status_code == 303
    assert "data-suspended-district" not in client.get(f"/catalog/{PENALTY}").text
    assert catalog.effective_rule(db, PENALTY, "350102").source_label == "district 350102 rule v2"


@pytest.mark.parametrize(
    ("jurisdiction", "note", "change", "code", "field", "article"),
    [
        # Art. 35: a district may add to or tighten the city's rule, never loosen it.
        (
            "350102",
            "放宽",
            lambda d: d.update(fields=[f for f in d["fields"] if f["name"] != "remarks"]),
            "district_rule_loosens",
            "fields.remarks",
            "Art. 35",
        ),
        (
            "350102",
            "放宽",
            lambda d: d.update(submitter_kinds=[*d["submitter_kinds"], "enterprise"]),
            "district_rule_loosens",
            "submitter_kinds",
            "Art. 35",
        ),
        # Art. 35, 21: the values a record's class is read from are the city's (review r2).
        (
            "350102",
            "缩减严重程度",
            lambda d: next(f for f in d["fields"] if f["name"] == "severity").update(
                choices=["minor", "general", "轻微", "一般"]
            ),
            "district_rule_loosens",
            "fields.severity.choices",
            "Art. 35, 21",
        ),
        ("360102", "外地", lambda d: None, "invalid_jurisdiction", "jurisdiction", "Art. 35"),
        ("350100", "换代码", lambda d: d.update(code="other"), "code_changed", "code", None),
        (
            "350100",
            "加字段",
            lambda d: d["fields"].append(
                {"name": "blood_type", "label_zh": "血型", "label_en": "Blood type"}
            ),
            "prohibited_field",
            "fields.blood_type",
            "Art. 11 ¶3",
        ),
        ("350100", "", lambda d: None, "note_required", "note", None),
    ],
)
def test_a_refused_revision_is_shown_with_the_text_kept(
    client: TestClient,
    db: Session,
    world: World,
    gulou: str,
    jurisdiction: str,
    note: str,
    change: Any,
    code: str,
    field: str,
    article: str | None,
) -> None:
    data = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    change(data)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    # The district's rule by the district's authority (Art. 35), the city's by the city's.
    log_in(client, gulou if jurisdiction == "350102" else "authority")
    response = revise(client, data, jurisdiction=jurisdiction, note=note)
    assert response.status_code == 422
    assert error_of(response) == (code, field)
    if article:
        assert cited(article) in response.text
    assert textarea(response) == text
    assert f'value="{jurisdiction}"' in response.text
    assert [(v.jurisdiction, v.version_no) for v in catalog.history(db, PENALTY)] == [("350100", 1)]


@pytest.mark.parametrize(
    ("user", "jurisdiction", "code", "article"),
    [
        # Art. 35: a district's rules are its own; the city's authority does not write them.
        ("authority", "350102", "district_rule_by_district", "Art. 35"),
        # Art. 6: a district's authority acts in its own area: not the city's rule, nor
        # another district's.
        ("gulou", "350100", "outside_own_jurisdiction", "Art. 6"),
        ("gulou", "350103", "outside_own_jurisdiction", "Art. 6"),
    ],
)
def test_a_rule_of_another_area_is_refused_on_the_form(
    client: TestClient,
    db: Session,
    world: World,
    gulou: str,
    user: str,
    jurisdiction: str,
    code: str,
    article: str,
) -> None:
    data = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    data["disclosure"]["review_before_publicity"] = True  # a tightening: only the area is wrong
    log_in(client, gulou if user == "gulou" else user)
    response = revise(client, data, jurisdiction=jurisdiction, note="从严")
    assert response.status_code == 403
    assert error_of(response) == (code, "jurisdiction")
    assert cited(article) in response.text
    assert textarea(response) == json.dumps(data, ensure_ascii=False, indent=2)
    assert [(v.jurisdiction, v.version_no) for v in catalog.history(db, PENALTY)] == [("350100", 1)]


def test_the_public_sees_the_organisation_not_the_officer(
    client: TestClient, db: Session, world: World, clock: FixedClock
) -> None:
    from xinyong.accounts import service as accounts

    data = catalog.effective_rule(db, PENALTY).definition.model_dump(mode="json")
    authority = accounts.actor_for_user(world.users["authority"])
    catalog.revise_record_type(db, clock, authority, PENALTY, data, note="复核")
    db.commit()
    page = client.get(f"/catalog/{PENALTY}", headers=HTML).text
    version = page.split('data-version="350100-2"', 1)[1].split("</tr>", 1)[0]
    assert world.organisations["authority"].name in version
    assert world.users["authority"].display_name not in version
    assert "/admin/catalog" not in page
    first = page.split('data-version="350100-1"', 1)[1].split("</tr>", 1)[0]
    assert world.organisations["authority"].name not in first  # loaded from the rule pack


@pytest.mark.parametrize("path", ["/admin/catalog/new", f"/admin/catalog/{PENALTY}/revise"])
@pytest.mark.parametrize(("username", "status"), [("reporter", 403), ("admin", 403), (None, 401)])
def test_only_the_authority_edits_the_catalog(
    client: TestClient, world: World, path: str, username: str | None, status: int
) -> None:
    if username:
        log_in(client, username)
    assert client.get(path, headers=HTML).status_code == status


def test_revising_an_unknown_type_is_not_found(client: TestClient, world: World) -> None:
    log_in(client, "authority")
    assert client.get("/admin/catalog/fire_safety_check/revise", headers=HTML).status_code == 404


def test_zh_hant_pages_name_the_catalogs_types_and_fields_in_traditional_characters(
    client: TestClient, world: World
) -> None:
    """Review r13: a zh_Hant page showed the rule pack's names in Simplified characters.
    The type's stated Chinese name stays as the definition gives it (lang zh-Hans)."""
    text = client.get(f"/catalog/{PENALTY}?lang=zh_Hant").text
    heading = text[text.index("<h1>") : text.index("</h1>")]
    assert "行政處罰" in heading
    assert '<dd lang="zh-Hans">行政处罚</dd>' in text
    # Field labels as the page's rows show them (the definition's column keeps its own).
    rows = re.findall(r'<th scope="row">([^<]*)<br><code>', text)
    assert "處罰決定日期" in rows or any("處罰" in row for row in rows), rows
    assert not any("处罚" in row for row in rows), rows
    simplified = client.get(f"/catalog/{PENALTY}?lang=zh_Hans").text
    assert "行政处罚" in simplified[simplified.index("<h1>") : simplified.index("</h1>")]
    english = client.get(f"/catalog/{PENALTY}?lang=en").text
    assert "Administrative penalty" in english[english.index("<h1>") : english.index("</h1>")]
