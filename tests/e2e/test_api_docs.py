"""Journey: a developer opens the API's documentation, `/docs` (or `/redoc`), on a network
that reaches nothing outside the platform (decision 0048). FastAPI's defaults load the
pages' scripts from a public CDN; on such a network `/docs` answered 200 and showed an empty
page (review r4, session 18)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e"), pytest.mark.presentation]


@pytest.fixture
def offline(page: Page, live_server: LiveServer) -> list[str]:
    """Every request to anywhere but the platform is refused, and listed."""
    ours = urlsplit(live_server.url).netloc
    outside: list[str] = []

    def refuse_outside(route: Route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", refuse_outside)
    return outside


def test_swagger_ui_shows_the_operations_offline(page: Page, offline: list[str]) -> None:
    page.goto("/docs")

    # Swagger UI renders from its script bundle after the page loads: on a loaded 2-core
    # machine that took longer than expect's 5 s once (the heading was there a moment later).
    expect(page.get_by_role("heading", name="Xinyong public credit platform")).to_be_visible(
        timeout=15_000
    )
    # The API's operations, each with its method and path (Swagger UI breaks the path's
    # text with <wbr>; its attribute keeps it).
    expect(page.locator(".opblock-summary-path[data-path^='/api/v1/']").first).to_be_visible()
    assert offline == []


def test_redoc_leads_to_the_same_page(page: Page, offline: list[str]) -> None:
    page.goto("/redoc")

    expect(page).to_have_url("/docs")
    assert offline == []
