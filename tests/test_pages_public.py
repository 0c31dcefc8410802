"""Public pages: log in and out, language, search, the public subject page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, World
from xinyong.accounts import service as accounts
from xinyong.web.i18n import translations


@pytest.fixture
def world(world: World, db: Session) -> World:
    """The demo world, committed: a refused request rolls the shared test session back to
    its last commit (in production only the request's own work)."""
    db.commit()
    return world


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters; tests/test_accounts.py checks the real hasher."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/") -> str:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_from(form.text),
            "next": next,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def whoami(client: TestClient) -> int:
    """200 when the page session is logged in, else 401 (pages show the logout form)."""
    return 200 if 'action="/logout"' in client.get("/").text else 401


# --- log in and out --------------------------------------------------------------------------


def test_login_form(client: TestClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<form method="post" action="/login"' in response.text
    assert 'name="username"' in response.text
    assert 'type="password"' in response.text
    assert csrf_from(response.text)
    assert "xinyong_session" in response.cookies


def test_login_sets_a_session_and_logout_ends_it(client: TestClient, world: World) -> None:
    assert whoami(client) == 401
    location = log_in(client, "reporter")
    assert location == "/"
    assert "xinyong_session" in client.cookies
    home = client.get("/")
    assert 'action="/logout"' in home.text
    assert "reporter" in home.text
    # The API takes tokens, never the page cookie: a cookie-authenticated API call could
    # be forged by another site.
    assert client.get("/api/v1/me").status_code == 401
    response = client.post(
        "/logout", data={"csrf_token": csrf_from(home.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert whoami(client) == 401
    assert 'href="/login"' in client.get("/").text


def test_login_needs_the_csrf_token(client: TestClient, world: World) -> None:
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "reporter", "password": PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"
    assert whoami(client) == 401


def test_login_renews_the_session(client: TestClient, world: World) -> None:
    # Session fixation: what the session held before logging in (the form token) is gone.
    old_token = csrf_from(client.get("/login").text)
    log_in(client, "reporter")
    response = client.post("/logout", data={"csrf_token": old_token}, follow_redirects=False)
    assert response.status_code == 403
    assert whoami(client) == 200


def test_wrong_password_shows_the_form_again_with_401(client: TestClient, world: World) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "reporter",
            "password": "not the password",
            "csrf_token": csrf_from(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert 'id="login-error"' in response.text
    expected = translations("zh_Hans").gettext("Wrong username or password.")
    assert expected in response.text
    assert "not the password" not in response.text
    assert '<form method="post" action="/login"' in response.text
    assert whoami(client) == 401


def test_wrong_password_message_follows_the_language(client: TestClient, world: World) -> None:
    form = client.get("/login?lang=en")
    response = client.post(
        "/login",
        data={
            "username": "reporter",
            "password": "not the password",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


def test_the_pages_count_logins_and_activations_apart_and_a_success_not_at_all(
    client: TestClient, world: World
) -> None:
    """The login and activation pages are limited as the API is: failed attempts per
    username and per address, activations apart from logins, a success taken back."""
    limit = client.app.state.context.settings.login_attempts_per_window  # type: ignore[attr-defined]
    token = csrf_from(client.get("/login").text)
    for _ in range(limit * 2):  # successes never use up the allowance
        done = client.post(
            "/login",
            data={"username": "querier", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert done.status_code == 303
        token = csrf_from(client.get("/login").text)
    attempt = {"code": "AAAA-BBBB-CCCC-DDDD-EEEE", "password": "x" * 16}
    for n in range(limit):
        tried = client.post("/activate", data={**attempt, "username": f"u{n}", "csrf_token": token})
        assert tried.status_code == 401
    blocked = client.post("/activate", data={**attempt, "username": "citizen", "csrf_token": token})
    assert blocked.status_code == 429
    # Activations from the address are used up; its logins are not.
    for _ in range(limit):
        wrong = client.post(
            "/login",
            data={"username": "querier", "password": "not the password", "csrf_token": token},
        )
        assert wrong.status_code == 401
    assert (
        client.post(
            "/login", data={"username": "querier", "password": PASSWORD, "csrf_token": token}
        ).status_code
        == 429
    )


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example/",
        "http:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_is_never_an_open_redirect(client: TestClient, world: World, target: str) -> None:
    location = log_in(client, "reporter", next=target)
    assert location.startswith("/")
    # What a browser would make of it: "//", "/\\" and "/<tab>/" all leave the site.
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "")
    assert not cleaned.startswith(("//", "/\\")), location


def test_next_to_a_local_page_is_kept(client: TestClient, world: World) -> None:
    assert log_in(client, "reporter", next="/search?q=x") == "/search?q=x"


def test_login_form_drops_a_foreign_next(client: TestClient) -> None:
    response = client.get("/login", params={"next": "//evil.example"})
    assert 'name="next" value="/"' in response.text


def test_logout_needs_the_csrf_token(client: TestClient, world: World) -> None:
    log_in(client, "reporter")
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 403
    assert whoami(client) == 200


# --- language --------------------------------------------------------------------------------


def test_default_language_is_simplified_chinese(client: TestClient) -> None:
    response = client.get("/")
    assert html_lang(response.text) == "zh-Hans"
    assert "xinyong_lang" not in response.cookies


@pytest.mark.parametrize(
    ("lang", "html"), [("en", "en"), ("zh_Hant", "zh-Hant"), ("zh_Hans", "zh-Hans")]
)
def test_language_switch_sets_a_cookie(client: TestClient, lang: str, html: str) -> None:
    response = client.get("/", params={"lang": lang})
    assert response.status_code == 200
    assert html_lang(response.text) == html
    assert response.cookies["xinyong_lang"] == lang
    # The choice sticks for the next pages.
    assert html_lang(client.get("/search").text) == html
    assert html_lang(client.get("/check-code").text) == html


def test_accept_language_is_used_without_a_cookie(client: TestClient) -> None:
    assert html_lang(client.get("/", headers={"Accept-Language": "en-GB,en"}).text) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "zh-TW"}).text) == "zh-Hant"


def test_unknown_language_is_ignored(client: TestClient) -> None:
    response = client.get("/", params={"lang": "xx"})
    assert html_lang(response.text) == "zh-Hans"
    assert "xinyong_lang" not in response.cookies


def test_error_pages_are_in_the_chosen_language(client: TestClient) -> None:
    response = client.get("/no-such-page?lang=en", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert html_lang(response.text) == "en"


# --- search and the public subject page ------------------------------------------------------


def test_search_page_lists_organisations(client: TestClient, world: World) -> None:
    company = world.subjects["company"]
    response = client.get("/search", params={"q": "晨光文具"})
    assert response.status_code == 200
    assert f'href="/subjects/{company.reference}"' in response.text
    assert "福州晨光文具贸易有限公司" in response.text


def test_search_page_by_former_name_says_so(client: TestClient, world: World) -> None:
    response = client.get("/search", params={"q": "福州晨光文具店"})
    assert 'class="former"' in response.text
    assert "福州晨光文具店" in response.text


def test_search_page_never_lists_persons(client: TestClient, world: World) -> None:
    response = client.get("/search", params={"q": "王某某"})
    assert response.status_code == 200
    assert 'class="results"' not in response.text
    assert 'role="status"' in response.text
    assert "/subjects/P" not in response.text


def test_search_page_without_query(client: TestClient) -> None:
    response = client.get("/search")
    assert response.status_code == 200
    assert 'class="results"' not in response.text


def test_a_search_too_long_is_refused_beside_the_form_with_the_text_kept(
    client: TestClient,
) -> None:
    typed = "福州" * 51
    page = client.get("/search", params={"q": typed})
    assert page.status_code == 422
    assert 'data-code="too_long"' in page.text
    assert "最多 100 个字符" in page.text
    assert f'value="{typed}"' in page.text
    assert 'maxlength="100"' in page.text
    assert "未找到匹配的组织机构" not in page.text


@pytest.mark.parametrize(
    "typed",
    [
        "350102199403157723",
        " 350102 19940315 7723 ",
        "３５０１０２１９９４０３１５７７２３",
        "35010219940315772x",  # a mistyped one (wrong check character) too
        "福州 350102199403157723",
        "ID350102199403157723abc",  # review r18: letters around it hide nothing
    ],
)
def test_a_citizen_id_number_searched_leaves_the_url_and_is_not_typed_back(
    client: TestClient, typed: str
) -> None:
    """rules.md: a citizen ID number never in a URL. The search form sends its text in the
    address; one naming a person by ID number is sent on at once to the search without it,
    which says persons are not searchable and points to Check a code (a POST form)."""
    response = client.get("/search", params={"q": typed}, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/search?notice=citizen_id"
    page = client.get(location)
    assert page.status_code == 200
    assert 'data-notice="citizen_id"' in page.text
    assert 'href="/check-code"' in page.text
    assert "7723" not in page.text
    assert 'value=""' in page.text


def test_an_organisation_code_in_digits_is_still_searched(client: TestClient) -> None:
    response = client.get("/search", params={"q": "914403001922038216"}, follow_redirects=False)
    assert response.status_code == 200


@pytest.mark.parametrize("kind", ["black", "red"])
def test_a_citizen_id_number_in_a_public_list_search_leaves_the_url(
    client: TestClient, kind: str
) -> None:
    response = client.get(
        f"/lists/{kind}", params={"q": "350102199403157723"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/lists/{kind}?notice=citizen_id"
    page = client.get(response.headers["location"])
    assert 'data-notice="citizen_id"' in page.text
    assert "7723" not in page.text
    # The masked number the list shows is still what a person is found by.
    masked = client.get(
        f"/lists/{kind}", params={"q": "350102********7723"}, follow_redirects=False
    )
    assert masked.status_code == 200


def test_a_citizen_id_number_in_a_black_list_search_keeps_the_tier(client: TestClient) -> None:
    response = client.get(
        "/lists/black",
        params={"q": "350102199403157723", "tier": "serious"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/lists/black?notice=citizen_id&tier=serious"


def test_public_page_of_an_organisation(client: TestClient, world: World) -> None:
    company = world.subjects["company"]
    assert company.uscc is not None
    response = client.get(f"/subjects/{company.uscc}")
    assert response.status_code == 200
    assert "福州晨光文具贸易有限公司" in response.text
    assert company.uscc in response.text
    assert "福州晨光文具店" in response.text  # former name
    # The code is found however it is typed.
    assert client.get(f"/subjects/{company.uscc.lower()}").status_code == 200


def test_a_persons_public_page_shows_the_masked_id_number_never_the_name(
    client: TestClient, world: World
) -> None:
    """As GET /api/v1/subjects/{ref}/public: by the opaque reference, what is public by law
    only (tests/test_pages_subject_lists.py has the records and list entries)."""
    person = world.subjects["person"]
    reference, masked = person.reference, person.citizen_id_masked
    assert masked is not None
    response = client.get(f"/subjects/{reference}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "王某某" not in response.text
    assert masked in response.text
    api = client.get(f"/api/v1/subjects/{reference}/public")
    assert api.json()["subject"] == {"code": masked, "name": None}


def test_a_person_is_not_found_by_id_number_in_a_url(client: TestClient, world: World) -> None:
    from xinyong.subjects.service import reveal_citizen_id

    citizen_id = reveal_citizen_id(world.subjects["person"])
    assert citizen_id is not None
    assert client.get(f"/subjects/{citizen_id}").status_code == 404


def test_unknown_subject_page(client: TestClient) -> None:
    response = client.get("/subjects/91350100M000100Y43", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert 'data-code="unknown_subject"' in response.text


def test_home_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert 'action="/search"' in response.text
    assert 'href="/login"' in response.text
