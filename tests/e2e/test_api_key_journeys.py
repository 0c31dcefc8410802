"""Journey of decision 0033 for an organisation's system: the platform administrator
registers an API key for the market regulator's query officers, with no secret; the
regulator's query officer releases its secret at /api-keys, shown to him once and never
kept by the browser; the system calls the API with it; the administrator revokes the key
and the API no longer takes it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Playwright, expect

from tests.e2e.conftest import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REGULATOR = "113501000036441868"  # the demo's market regulator, where `querier` works
SECRET = re.compile(r"xy_[0-9a-f]{12}\.[\w-]{40,}")


def test_the_admin_registers_the_query_officer_releases_and_the_admin_revokes(
    page: Page,
    zh: Callable[[str], str],
    log_in: Callable[..., None],
    live_server: LiveServer,
    playwright: Playwright,
) -> None:
    system = f"市场监管局行政审批系统（E2E-{secrets.token_hex(3)}）"
    log_in(page, "admin")
    page.get_by_role("navigation", name=zh("Main")).get_by_role("link", name=zh("Accounts")).click()
    form = page.locator("form[action='/admin/api-keys']")
    form.get_by_label(zh("Organisation"), exact=True).select_option(REGULATOR)
    form.get_by_label(zh("Role"), exact=True).select_option("query_officer")
    form.get_by_label(zh("Name of the system")).fill(system)
    form.get_by_role("button", name=zh("Create API key")).click()

    listed = page.locator("li[data-key]").filter(has_text=system)
    expect(listed).to_contain_text(zh("awaiting release by its organisation"))
    prefix = listed.get_attribute("data-key")
    assert prefix is not None
    assert re.fullmatch(r"xy_[0-9a-f]{12}", prefix)
    # The administrator is told who releases it, and where; he never sees a secret.
    notice = page.locator("#key-registered")
    expect(notice).to_contain_text(prefix)
    expect(notice).to_contain_text("/api-keys")
    expect(page.locator("#new-api-key")).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The regulator's query officer, who holds the key's role, releases the secret.
    log_in(page, "querier")
    page.get_by_role("navigation", name=zh("Main")).get_by_role(
        "link", name=zh("Our API keys")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Our API keys"))
    row = page.locator(f"tr[data-key='{prefix}']")
    expect(row).to_contain_text(system)
    expect(row).to_contain_text(zh("Awaiting release"))
    with page.expect_response(
        lambda response: response.url.endswith("/secret") and response.request.method == "POST"
    ) as released:
        row.get_by_role("button", name=zh("Release the secret")).click()
    # Shown in this answer only, which no cache may keep.
    assert released.value.status == 200
    assert released.value.headers.get("cache-control") == "no-store"
    shown = page.locator("#new-api-key")
    expect(shown).to_be_visible()
    secret = shown.inner_text().strip()
    assert SECRET.fullmatch(secret), secret
    assert secret.startswith(f"{prefix}.")
    # Once: the next visit shows no secret and no button to release it again.
    page.goto("/api-keys")
    expect(page.locator("#new-api-key")).to_have_count(0)
    row = page.locator(f"tr[data-key='{prefix}']")
    expect(row).not_to_contain_text(zh("Awaiting release"))
    expect(row.get_by_role("button", name=zh("Release the secret"))).to_have_count(0)
    expect(page.get_by_text(secret)).to_have_count(0)
    page.get_by_role("button", name=zh("Log out")).click()

    # The system installs the secret and calls the API: no cookie, the key alone.
    api = playwright.request.new_context(base_url=live_server.url)
    try:
        headers = {"X-API-Key": secret}
        me = api.get("/api/v1/me", headers=headers)
        assert me.status == 200, me.text()
        assert (me.json()["kind"], me.json()["role"]) == ("api_key", "query_officer")
        assert system in me.json()["label"]
        # It does what a query officer may do: read the query items it holds.
        items = api.get("/api/v1/me/query-items", headers=headers)
        assert items.status == 200, items.text()

        # The administrator revokes the key; the API no longer takes it.
        log_in(page, "admin")
        page.goto("/admin/users")
        listed = page.locator(f"li[data-key='{prefix}']")
        expect(listed).not_to_contain_text(zh("awaiting release by its organisation"))
        listed.get_by_role("button", name=zh("Revoke")).click()
        listed = page.locator(f"li[data-key='{prefix}']")
        expect(listed).to_contain_text(zh("revoked"))
        expect(listed.get_by_role("button", name=zh("Revoke"))).to_have_count(0)

        refused = api.get("/api/v1/me", headers=headers)
        assert refused.status == 401, refused.text()
        assert refused.json()["error"]["code"] == "bad_api_key"
        assert api.get("/api/v1/me/query-items", headers=headers).status == 401
    finally:
        api.dispose()
