"""Journey: the public searches an organisation by name, in Simplified or Traditional
characters or by a former name, and opens its public page."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NAME = "福州晨光文具贸易有限公司"
CODE = "91350100MG59YK161P"
FORMER_NAME = "福州晨光文具店"


def _search_from_home(page: Page, zh: Callable[[str], str], query: str) -> None:
    page.goto("/")
    box = page.get_by_role("searchbox", name=zh("Organisation name or unified social credit code"))
    box.fill(query)
    box.press("Enter")
    expect(page).to_have_url(f"/search?{urlencode({'q': query})}")


def test_search_an_organisation_and_open_its_page(page: Page, zh: Callable[[str], str]) -> None:
    _search_from_home(page, zh, "晨光文具")
    expect(page.get_by_role("searchbox")).to_have_value("晨光文具")
    results = page.get_by_role("list", name=zh("Results"))
    expect(results.get_by_role("listitem").first).to_contain_text(NAME)
    results.get_by_role("link", name=NAME, exact=True).click()

    expect(page).to_have_url(f"/subjects/{CODE}")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page).to_have_title(f"{NAME} · {zh('Credit Fuzhou')}")
    # The facts come first, each term with its value (public records may follow).
    facts = [
        (zh("Unified social credit code"), CODE),
        (zh("Kind"), zh("Legal person")),
        (zh("Former names"), FORMER_NAME),
    ]
    for index, (term, value) in enumerate(facts):
        expect(page.get_by_role("term").nth(index)).to_have_text(term)
        expect(page.get_by_role("definition").nth(index)).to_have_text(value)


@pytest.mark.parametrize(
    ("query", "former"),
    [("晨光文具貿易", False), (FORMER_NAME, True)],
    ids=["traditional-characters", "former-name"],
)
def test_search_finds_other_spellings(
    page: Page, zh: Callable[[str], str], query: str, former: bool
) -> None:
    _search_from_home(page, zh, query)
    hit = page.get_by_role("list", name=zh("Results")).get_by_role("listitem").first
    expect(hit.get_by_role("link")).to_have_text(NAME)
    expect(hit).to_contain_text(CODE)
    if former:
        expect(hit).to_contain_text(f"{zh('former name')}: {FORMER_NAME}")


def test_natural_persons_are_not_found_by_name(page: Page, zh: Callable[[str], str]) -> None:
    _search_from_home(page, zh, "王某某")
    expect(page.get_by_role("status")).to_have_text(zh("No organisation matches."))
    expect(page.get_by_role("list", name=zh("Results"))).to_have_count(0)


def test_a_citizen_id_number_typed_in_the_search_box_does_not_stay_in_the_address(
    page: Page, zh: Callable[[str], str]
) -> None:
    """Review r13: a citizen ID number typed in the search box stayed in the address and the
    box. The page moves on to the search without it, says persons are not searchable and
    points to Check a code, which posts the number."""
    number = "350102199403157723"
    page.goto("/")
    box = page.get_by_role("searchbox", name=zh("Organisation name or unified social credit code"))
    box.fill(number)
    box.press("Enter")
    expect(page).to_have_url("/search?notice=citizen_id")
    expect(page.get_by_role("searchbox")).to_have_value("")
    expect(page.get_by_role("status")).to_be_visible()
    assert number not in page.content()
    assert number not in page.evaluate("() => window.location.href")
    page.get_by_role("link", name=zh("Check a code")).last.click()
    expect(page).to_have_url("/check-code")
