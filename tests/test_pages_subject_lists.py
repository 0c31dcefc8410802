"""List status on the public subject page (Art. 14, 32), the public lists linking to it,
and the recognition standards page: the same data and masking as the public API
(``GET /api/v1/lists/{kind}``, ``/api/v1/list-standards``, ``/api/v1/subjects/{code}/public``).

A natural person has a public page, by the opaque reference only, as the API has one: it
shows the masked ID number, never the name, and only what is public by law — records of
types public by law for persons, and list entries (Art. 11, 13; rules.md)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import grant
from tests.disclosure_helpers import ARREARS, arrears
from tests.factories import World
from tests.lists_helpers import (
    COURT,
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    ingest_court,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    on_record_since,
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, csrf_from, log_in
from xinyong.clock import FixedClock
from xinyong.web.i18n import translations

ZH = translations("zh_Hans").gettext


def test_a_black_listed_company_shows_its_entry_on_its_public_page(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    entry = published_entry(db, clock, world, company, reasons="拒不履行行政处罚决定书确定的义务")
    db.commit()

    page = client.get(f"/subjects/{company.uscc}", headers=HTML)

    assert page.status_code == 200
    assert 'id="list-status-heading"' in page.text
    assert 'data-list="black" data-tier="black"' in page.text
    assert "拒不履行行政处罚决定书确定的义务" in page.text
    assert entry.legal_basis in page.text
    assert f"{entry.term_start} – {entry.term_end}" in page.text
    assert 'href="/list-standards#standard-dishonest_subject"' in page.text
    assert "失信主体" in page.text
    # The evidence and the officers stay internal, as in the public API's list.
    assert "榕市监罚〔2026〕1号行政处罚决定书" not in page.text
    (item,) = client.get("/api/v1/lists/black", params={"q": company.uscc}).json()["items"]
    assert (item["reasons"], item["legal_basis"], item["standard"]) == (
        entry.reasons,
        entry.legal_basis,
        "失信主体",
    )
    # The subject's public API answer carries the same entry, as its page does.
    public = client.get(f"/api/v1/subjects/{company.uscc}/public").json()
    assert public["lists"] == [{k: v for k, v in item.items() if k != "subject"}]


def test_the_subject_page_in_english_and_without_entries(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, other = world.subjects["company"], world.subjects["other_company"]
    published_entry(db, clock, world, company)
    db.commit()

    english = client.get(f"/subjects/{company.uscc}", params={"lang": "en"}, headers=HTML)
    assert english.status_code == 200
    assert "Red and black lists" in english.text
    assert "Black list" in english.text
    assert "Dishonest subjects" in english.text
    none = client.get(f"/subjects/{other.uscc}", headers=HTML)
    assert 'role="status"' in none.text
    assert "data-list=" not in none.text


def test_the_lists_link_organisations_to_their_page_and_standards_to_the_standards_page(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company, person = world.subjects["company"], world.subjects["person"]
    published_entry(db, clock, world, company)
    report = ingest_court(db, clock, world, [court_row(world, person)])
    assert report.batch.created == 1
    db.commit()

    page = client.get("/lists/black", headers=HTML)

    assert page.status_code == 200
    assert f'href="/subjects/{company.uscc}"' in page.text
    assert 'href="/list-standards#standard-dishonest_subject"' in page.text
    assert f'href="/list-standards#standard-{COURT}"' in page.text
    assert 'href="/list-standards"' in page.text
    # A person is shown as the API's list shows them: masked name and masked ID number,
    # with no link that would publish the person's reference.
    assert "王**" in page.text
    assert str(person.citizen_id_masked) in page.text
    assert person.reference not in page.text
    assert "王某某" not in page.text
    api = client.get("/api/v1/lists/black").json()["items"]
    assert {i["subject"]["code"] for i in api} == {company.uscc, person.citizen_id_masked}
    assert person.reference not in str(api)
    assert client.get("/lists/red", headers=HTML).text.count('href="/list-standards"') == 1


def test_a_persons_public_page_shows_only_what_is_public_by_law_as_the_api_does(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    person = world.subjects["person"]
    row = court_row(world, person)
    assert ingest_court(db, clock, world, [row]).batch.created == 1
    # Arrears about a person are collected with consent and are not public by law.
    grant(db, clock, world.organisations["regulator"], ARREARS)
    arrears(db, clock, world, "person")
    db.commit()

    page = client.get(f"/subjects/{person.reference}", headers=HTML)
    api = client.get(f"/api/v1/subjects/{person.reference}/public")

    assert page.status_code == api.status_code == 200
    assert [i["type"] for i in api.json()["items"]] == [COURT]
    assert api.json()["subject"] == {"code": person.citizen_id_masked, "name": None}
    assert str(person.citizen_id_masked) in page.text
    assert "王某某" not in page.text
    assert "王**" not in page.text
    assert row["case_number"] in page.text
    assert "榕社保欠" not in page.text
    # The list entry the court's record made is public too (Art. 14), in the API as well.
    assert 'data-list="black" data-tier="serious"' in page.text
    assert [(e["list"], e["tier"], e["reasons"]) for e in api.json()["lists"]] == [
        ("black", "serious", row["dishonest_conduct"])
    ]
    assert "王某某" not in api.text
    assert f'href="/list-standards#standard-{COURT}"' in page.text
    assert row["dishonest_conduct"] in page.text
    # Never by the ID number in a URL.
    from xinyong.subjects.service import reveal_citizen_id

    citizen_id = reveal_citizen_id(person)
    assert client.get(f"/subjects/{citizen_id}", headers=HTML).status_code == 404
    english = client.get(f"/subjects/{person.reference}", params={"lang": "en"}, headers=HTML)
    assert english.status_code == 200
    assert "Natural person" in english.text


def test_the_standards_page_states_criteria_basis_term_exit_procedure_and_remedies(
    lists_world: World, client: TestClient
) -> None:
    api = client.get("/api/v1/list-standards").json()["items"]
    page = client.get("/list-standards", headers=HTML)

    assert page.status_code == 200
    for std in api:
        assert f'id="standard-{std["code"]}"' in page.text
        for text in (std["criteria"], std["legal_basis"], std["exit_conditions"], std["remedies"]):
            assert text in page.text
    by_code = {std["code"]: std for std in api}
    assert by_code["integrity_model"]["procedure"] == {
        "public_comment_days": 7,
        "objection_days": None,
        "from_record_type": None,
    }
    assert by_code["dishonest_subject"]["procedure"]["objection_days"] == 10
    assert by_code[COURT]["procedure"] == {
        "public_comment_days": None,
        "objection_days": None,
        "from_record_type": COURT,
    }
    assert ZH("%(months)s months") % {"months": 24} in page.text
    english = client.get("/list-standards", params={"lang": "en"}, headers=HTML)
    assert "Exit conditions" in english.text
    assert "Procedure" in english.text
    assert "published for public comment for 7 days" in english.text
    assert "may object within 10 days" in english.text
    assert english.text.count('class="list-standard"') == len(api)


def test_my_grade_names_what_counts_in_the_pages_language(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    company = world.subjects["company"]
    ingest_penalty(db, clock, world, company)
    published_entry(db, clock, world, company)
    db.commit()
    log_in(client, "company")
    chinese = client.get("/me/grade", headers=HTML)
    assert chinese.status_code == 200
    assert "<td>行政处罚</td>" in chinese.text
    assert f"<td>{ZH('Black list')}</td>" in chinese.text
    english = client.get("/me/grade", params={"lang": "en"}, headers=HTML).text
    assert "<td>Administrative penalty</td>" in english
    assert "<td>Black list</td>" in english  # the list, not its code "black"
    assert "行政处罚" not in english


def test_the_joint_check_offers_the_matters_in_the_pages_language(
    lists_world: World, client: TestClient
) -> None:
    log_in(client, "querier")
    english = client.get("/joint-check", params={"lang": "en"}, headers=HTML)
    assert english.status_code == 200
    assert ">Market and industry access</option>" in english.text
    assert "市场和行业准入" not in english.text
    chinese = client.get("/joint-check", params={"lang": "zh_Hans"}, headers=HTML).text
    assert ">市场和行业准入</option>" in chinese


def test_a_refused_joint_check_is_shown_beside_the_form_with_the_matter_kept(
    lists_world: World, client: TestClient
) -> None:
    log_in(client, "querier")
    token = csrf_from(client.get("/joint-check", headers=HTML).text)
    refused = client.post(
        "/joint-check",
        data={"matter": "market_access", "codes": " \n ", "csrf_token": token},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'data-code="required"' in refused.text
    # The form's field, not the API's ("subjects"), so that it lands beside the input.
    assert "<dd>codes</dd>" in refused.text
    assert 'name="codes" rows="6" maxlength="2000000" aria-invalid="true"' in refused.text
    assert 'value="market_access" selected' in refused.text
    assert 'id="joint-check-results"' not in refused.text


# The head of a PNG image: as text (GB18030 decodes nearly anything), control characters.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"


@pytest.mark.parametrize(
    ("filename", "content_type", "code"),
    [
        ("scan.png", "image/png", "unsupported_format"),
        ("codes.xlsx", "application/octet-stream", "unsupported_format"),
        # Named as a CSV, an image all the same.
        ("codes.csv", "text/csv", "format"),
    ],
)
def test_a_joint_check_file_that_is_no_csv_is_refused_beside_the_form(
    lists_world: World, client: TestClient, filename: str, content_type: str, code: str
) -> None:
    log_in(client, "querier")
    token = csrf_from(client.get("/joint-check", headers=HTML).text)
    refused = client.post(
        "/joint-check",
        data={"matter": "market_access", "codes": "", "csrf_token": token},
        files={"file": (filename, PNG, content_type)},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert f'data-code="{code}"' in refused.text
    assert 'name="file" type="file" accept=".csv,text/csv" aria-invalid="true"' in refused.text
    assert 'id="joint-check-results"' not in refused.text


def test_the_joint_check_explains_each_answer_in_the_pages_language(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    world = lists_world
    published_entry(db, clock, world, world.subjects["company"])
    on_record_since(db, clock, world, world.subjects["other_company"])
    db.commit()
    log_in(client, "querier")
    page = client.get("/joint-check", headers=HTML)
    token = csrf_from(page.text)
    typed = f"{world.subjects['company'].uscc}\n{world.subjects['other_company'].uscc}\nbad"
    answer = client.post(
        "/joint-check",
        data={"matter": "market_access", "codes": typed, "csrf_token": token},
        headers=HTML,
    )
    assert answer.status_code == 200, answer.text
    table = answer.text[answer.text.index('id="joint-check-results"') :]
    assert "已列入黑名单" in table
    assert "连续 3 年无不良信用记录（第十六条第（一）项）" in table
    for english in ("on the black list", "consecutive years", "must be 18 characters"):
        assert english not in table


def test_a_court_defaulters_reasons_are_public_with_citizen_ids_masked(
    lists_world: World, client: TestClient, db: Session, clock: FixedClock
) -> None:
    """The court's record of the dishonest conduct is the entry's public reasons; it is the
    source's data, taken as it came, so a citizen ID in it is masked where the public sees
    it, and an organisation's code is left as written."""
    from tests.collection_helpers import citizen_id_of
    from xinyong.lists.models import ListEntry

    world = lists_world
    person, company = world.subjects["person"], world.subjects["company"]
    number = citizen_id_of(person)
    typed = f"{number[:6]} {number[6:14]} {number[14:]}"
    conduct = (
        f"被执行人（身份证号{typed}）为{company.uscc}担保，有履行能力而拒不履行生效法律文书确定义务"
    )
    masked = f"{number[:6]}********{number[14:]}"
    assert ingest_court(db, clock, world, [court_row(world, person, dishonest_conduct=conduct)])
    db.commit()
    (entry,) = db.query(ListEntry).filter(ListEntry.subject_id == person.id).all()
    assert entry.reasons == conduct  # kept as the court sent it

    page = client.get(f"/subjects/{person.reference}", headers=HTML).text
    # The entries' section of the page: the court's record itself is shown apart from it.
    lists_section = page[page.index('id="list-status-heading"') :].split("</section>")[0]
    public = client.get(f"/api/v1/subjects/{person.reference}/public").json()
    shown = [
        lists_section,
        client.get("/lists/black", headers=HTML).text,
        client.get("/api/v1/lists/black").text,
        str(public["lists"]),
    ]

    for text in shown:
        assert masked in text
        assert number[6:14] not in text
        assert f"为{company.uscc}担保" in text
