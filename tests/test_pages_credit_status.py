"""Credit status for risk pricing on the query pages (Art. 19): the bank's analyst reads a
person's list status and grade on the person's written authorisation that includes the
credit status, the person named by ID number in the form body; audited exactly as
``GET /api/v1/subjects/{code}/credit-status`` is — the subject's access log shows every
read and every refused attempt (Art. 24)."""

# Fixtures are imported from tests.lists_helpers and then requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.collection_helpers import citizen_id_of
from tests.factories import World
from tests.lists_helpers import (
    court_row,
    fast_password_hashing,  # noqa: F401 - fixture
    headers,
    ingest_court,
    ingest_penalty,
    lists_loaded,  # noqa: F401 - fixture
    lists_world,  # noqa: F401 - fixture
    published_entry,
    settings,  # noqa: F401 - fixture
)
from tests.page_helpers import HTML, log_in
from tests.test_api_lists import access_log, authorise
from tests.test_pages_disclosure import error_code, token
from xinyong.clock import FixedClock

PAGE = "/query/credit-status"


@pytest.fixture
def listed(lists_world: World, db: Session, clock: FixedClock) -> World:
    """The person a court judgment defaulter (black list, serious), the company on the
    black list with a penalty behind its grade."""
    world = lists_world
    assert ingest_court(db, clock, world, [court_row(world, world.subjects["person"])])
    ingest_penalty(db, clock, world, world.subjects["company"])
    published_entry(db, clock, world, world.subjects["company"])
    db.commit()
    return world


def read_person(client: TestClient, world: World, who: str = "person") -> object:
    return client.post(
        PAGE,
        data={
            "subject_kind": "person",
            "citizen_id": citizen_id_of(world.subjects[who]),
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )


def test_the_analyst_reads_a_persons_credit_status_on_the_written_authorisation(
    listed: World, client: TestClient
) -> None:
    world = listed
    person = world.subjects["person"]
    granted = authorise(client, world, ["credit_status"], who="citizen")
    assert granted.status_code == 201, granted.text
    log_in(client, "analyst")
    assert f'href="{PAGE}"' in client.get("/query", headers=HTML).text  # the menu

    response = read_person(client, world)

    assert response.status_code == 200, response.text[:500]
    assert 'data-legal-path="authorisation"' in response.text
    assert str(person.citizen_id_masked) in response.text
    assert 'data-list="black" data-tier="serious"' in response.text
    assert 'class="grade"' in response.text
    assert 'data-withheld="records"' in response.text  # the file's records are not shown
    # The ID number is not shown back.
    assert citizen_id_of(person) not in response.text
    (read,) = access_log(client, "citizen")
    assert (read["what"], read["granted"], read["legal_path"]) == (
        "credit_status",
        True,
        "authorisation",
    )
    assert read["organisation"] == "福州测试银行"
    assert read["authorisation_id"] == granted.json()["id"]
    # The subject's "who looked at my file" names what was read in words.
    log_in(client, "citizen")
    row = client.get("/me/access-log", headers=HTML).text.split(f'data-entry="{read["id"]}"')[1]
    row = row.split("</tr>", 1)[0]
    assert "信用状况" in row
    assert "credit_status" not in row


def test_the_page_in_english(listed: World, client: TestClient) -> None:
    world = listed
    assert authorise(client, world, ["credit_status"]).status_code == 201  # the company
    log_in(client, "analyst")
    client.get("/", params={"lang": "en"})

    form = client.get(PAGE, headers=HTML)
    assert form.status_code == 200
    assert "Credit status for risk pricing" in form.text
    response = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": world.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert response.status_code == 200, response.text[:500]
    assert "Written authorisation" in response.text
    assert "Dishonest subjects" in response.text
    assert "List status" in response.text


def test_an_authorisation_without_the_credit_status_scope_is_refused_and_logged(
    listed: World, client: TestClient
) -> None:
    world = listed
    assert authorise(client, world, ["administrative_penalty"], who="citizen").status_code == 201
    log_in(client, "analyst")

    response = read_person(client, world)

    assert response.status_code == 403
    assert error_code(response) == "scope_not_authorised"
    assert 'data-list="black"' not in response.text
    (attempt,) = access_log(client, "citizen")
    assert (attempt["what"], attempt["granted"], attempt["refusal_code"]) == (
        "credit_status",
        False,
        "scope_not_authorised",
    )


def test_without_authorisation_the_institution_learns_nothing_and_the_person_sees_it(
    listed: World, client: TestClient
) -> None:
    world = listed
    log_in(client, "analyst")

    response = read_person(client, world)

    assert response.status_code == 403
    assert error_code(response) == "no_authorisation"
    (attempt,) = access_log(client, "citizen")
    assert (attempt["granted"], attempt["refusal_code"]) == (False, "no_authorisation")
    # An organisation without authorisation: refused like the API (no lawful path), logged.
    company = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": world.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert company.status_code == 403
    assert error_code(company) == "no_lawful_path"
    (logged,) = access_log(client, "company")
    assert (logged["what"], logged["granted"]) == ("credit_status", False)


def test_a_refused_read_is_shown_beside_the_form_with_what_was_typed(
    listed: World, client: TestClient
) -> None:
    """Not an error page in place of the form: the refusal, its code and article in the
    page's language, and the form with the subject still named (but an ID number)."""
    world = listed
    log_in(client, "analyst")
    company = world.subjects["company"]
    refused = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": company.uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert refused.status_code == 403
    assert error_code(refused) == "no_lawful_path"
    assert 'class="form-error"' in refused.text
    assert "请求被拒绝" not in refused.text  # not the error page
    assert f'name="uscc" maxlength="40" value="{company.uscc}"' in refused.text
    assert "第十三条" in refused.text  # the article, as the Chinese page cites it
    person = read_person(client, world)
    assert person.status_code == 403
    assert error_code(person) == "no_authorisation"
    assert 'id="kind-person" name="subject_kind" value="person" checked' in person.text
    assert citizen_id_of(world.subjects["person"]) not in person.text
    # The refusals are logged for the subjects as before, once each.
    assert [e["refusal_code"] for e in access_log(client, "company")] == ["no_lawful_path"]
    english = client.post(
        PAGE + "?lang=en",
        data={
            "subject_kind": "organisation",
            "uscc": company.uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert english.status_code == 403
    assert "Art. 13" in english.text
    assert "non-public information needs the subject&#39;s written authorisation" in english.text


def test_form_errors_are_shown_on_the_form(listed: World, client: TestClient) -> None:
    log_in(client, "analyst")
    empty = client.post(
        PAGE,
        data={"subject_kind": "person", "citizen_id": "", "csrf_token": token(client, PAGE)},
        headers=HTML,
    )
    assert empty.status_code == 422
    assert error_code(empty) == "required"
    assert 'id="citizen_id"' in empty.text
    unknown = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": "91350100M000100Y43",
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert unknown.status_code == 404
    assert error_code(unknown) == "unknown_subject"


def test_the_credit_authority_reads_in_supervision(listed: World, client: TestClient) -> None:
    log_in(client, "authority")
    response = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": listed.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert response.status_code == 200
    assert 'data-legal-path="supervision"' in response.text
    # Supervision is no query path (Art. 13): the penalty behind the grade is withheld.
    assert 'data-withheld="records"' in response.text
    grade_table = response.text.split("等级的评定方式", 1)[1].split("</table>", 1)[0]
    assert "行政处罚" not in grade_table
    # The company read in supervision sees it in "who looked at my file" (Art. 24).
    (read,) = access_log(client, "company")
    assert (read["legal_path"], read["what"]) == ("supervision", "credit_status")
    log_in(client, "company")
    page = client.get("/me/access-log", headers=HTML).text
    row = page.split(f'data-entry="{read["id"]}"')[1].split("</tr>", 1)[0]
    assert "社会信用主管部门监督（第三十三条）" in row
    assert "对信用信息及其使用的监督" in row
    assert "信用状况" in row


def test_the_page_shows_others_the_grade_band_not_the_score(
    listed: World, client: TestClient
) -> None:
    """The exact score would give away the withheld records' total (the model is public):
    the page shows a reader other than the subject the grade only (Art. 13 ¶3, 19)."""
    world = listed
    assert authorise(client, world, ["credit_status"], who="company").status_code == 201
    company = world.subjects["company"]
    own = client.get(
        f"/api/v1/subjects/{company.uscc}/credit-status", headers=headers(client, "company")
    )
    score = own.json()["grade"]["score"]
    log_in(client, "analyst")
    response = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": world.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )
    assert response.status_code == 200, response.text[:500]
    grade = response.text.split('class="grade"', 1)[1].split("</dd>", 1)[0]
    assert str(score) not in grade
    assert 'data-score-withheld="true"' in grade


def test_the_subjects_written_authorisation_opens_its_records_to_supervision(
    listed: World, client: TestClient
) -> None:
    world = listed
    granted = client.post(
        "/api/v1/me/authorisations",
        json={
            "grantee": world.organisations["authority"].code,
            "record_types": ["administrative_penalty"],
            "purpose": "信用监管核查",
            "valid_until": (world.clock.today() + dt.timedelta(days=30)).isoformat(),
            "evidence_kind": "signed_in_page",
            "evidence": "本单位授权社会信用主管部门查询本单位的行政处罚信息，用于信用监管核查。",
        },
        headers=headers(client, "company"),
    )
    assert granted.status_code == 201, granted.text
    log_in(client, "authority")

    response = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": world.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )

    assert response.status_code == 200
    grade_table = response.text.split("等级的评定方式", 1)[1].split("</table>", 1)[0]
    assert "行政处罚" in grade_table
    (read,) = access_log(client, "company")
    assert (read["legal_path"], read["authorisation_id"]) == ("supervision", granted.json()["id"])


@pytest.mark.parametrize("who", ["querier", "reporter", "citizen", "company"])
def test_others_may_not_use_the_page(listed: World, client: TestClient, who: str) -> None:
    log_in(client, who)
    assert client.get(PAGE, headers=HTML).status_code == 403
    assert f'href="{PAGE}"' not in client.get("/", headers=HTML).text


@pytest.mark.parametrize(
    ("lang", "type_name", "tier", "untranslated"),
    [
        ("zh_Hans", "行政处罚", "黑名单", "black"),
        ("en", "Administrative penalty", "Black list", "行政处罚"),
    ],
)
def test_the_grade_names_its_contributions_in_the_pages_language(
    listed: World, client: TestClient, lang: str, type_name: str, tier: str, untranslated: str
) -> None:
    """Each contribution to the grade by its record type's name or the list's, in the
    page's language, as the subject's own grade page names them (review r4 finding 7):
    it showed the Chinese type name on English pages and the tier's code in both."""
    world = listed
    granted = authorise(client, world, ["credit_status", "administrative_penalty"])
    assert granted.status_code == 201, granted.text
    log_in(client, "analyst")
    client.get("/", params={"lang": lang})

    response = client.post(
        PAGE,
        data={
            "subject_kind": "organisation",
            "uscc": world.subjects["company"].uscc,
            "csrf_token": token(client, PAGE),
        },
        headers=HTML,
    )

    assert response.status_code == 200, response.text[:500]
    grade = response.text.split('data-withheld="records"')[0].rsplit("<table>", 1)[1]
    cells = [row.split("</td>", 1)[0] for row in grade.split("<tr><td>")[1:]]
    assert type_name in cells, cells
    assert tier in cells, cells
    assert not any(untranslated in cell for cell in cells), cells
