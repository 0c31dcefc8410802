"""Browser tests: a live server on the demo data, driven by Debian's headless Chromium.

The server and every journey's set-up in its database run on ``live_server.clock``, which
starts at the unit tests' instant whatever the day (``e2e_clock``): date the journey's
data by it, never by ``SystemClock`` or ``datetime.now``.

One server and one browser per xdist worker; every test gets a fresh browser context (no
cookies, no storage) whose default language is Simplified Chinese, like a Fuzhou resident's.

Mark every test module with ``pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]``:
the suite runs with ``--dist loadgroup``, which keeps the e2e tests on one worker so that the
server and the browser start once.

Assert on what the user sees with accessible locators (``get_by_role``, ``get_by_label``).
Texts of the default language come from the catalogs through the ``zh`` fixture, so a
reworded translation does not break a journey; the language journey checks the literal text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    Playwright,
    Response,
    expect,
    sync_playwright,
)
from sqlalchemy import Engine

from tests.conftest import TEST_NOW, make_test_engine
from xinyong import bootstrap, demo
from xinyong.clock import CHINA, Clock, SystemClock
from xinyong.config import Settings
from xinyong.db.migrate import upgrade
from xinyong.db.session import make_session_factory, unit_of_work
from xinyong.web.app import create_app
from xinyong.web.i18n import translations
from xinyong.web.pages.rendering import LANG_COOKIE

E2E_DIR = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("XINYONG_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home, which floods the closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 30.0
# Fail fast: a journey step that takes longer than this is broken, not slow.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run an unmarked browser test: without its xdist group it would start a
    second server and browser on another worker, and `-m "not e2e"` would not skip it."""
    unmarked = [
        item.nodeid
        for item in items
        if item.path.is_relative_to(E2E_DIR)
        and not (item.get_closest_marker("e2e") and _xdist_group(item) == "e2e")
    ]
    if unmarked:
        raise pytest.UsageError(
            'browser tests need pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]:'
            f" {', '.join(unmarked)}"
        )
    _restore_loadgroup(config, items)


def _xdist_group(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("xdist_group")
    if marker is None:
        return None
    return str(marker.args[0] if marker.args else marker.kwargs.get("name", "default"))


def _restore_loadgroup(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Work around pytest-xdist#1386 (open; fix proposed in pytest-xdist#1388).

    On an xdist worker, ``--dist loadgroup`` tells the scheduler an item's group by
    appending ``@group`` to its node id, but it still writes ``item._nodeid``, which pytest
    9.2 no longer reads (ids are structured ``NodeId``s in ``item._id``): groups are silently
    ignored and every worker would start its own server and browser. Until xdist is fixed,
    write the suffix where pytest reads it. Does nothing when xdist already did (suffix
    present), outside loadgroup workers, or if pytest's internals change again.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        group = _xdist_group(item)
        node_id = getattr(item, "_id", None)
        if group is None or node_id is None or not hasattr(node_id, "parse"):
            continue
        tail = item.nodeid.rsplit("]", 1)[-1]
        if "@" not in tail:
            item._id = type(node_id).parse(f"{item.nodeid}@{group}")


class RunningClock:
    """Time from a fixed instant on, moving as the wall clock moves: the server's answers
    and the journeys' set-up are dated as on that day whatever day the suite runs, while
    what a journey does later is dated later, as on a server (lists newest first, a page
    session's age)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("RunningClock needs an aware datetime")
        self._start = start.astimezone(dt.UTC)
        self._started = time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._started)

    def today(self) -> dt.date:
        return self.now().astimezone(CHINA).date()


def e2e_clock() -> Clock:
    """The journeys' clock: from the unit tests' instant (a Friday morning, a working day
    in a year the working-day calendar covers), so that no journey's outcome depends on
    the day or hour the suite runs — a window whose last day falls on a holiday, the
    Beijing day a date ahead of UTC's from 16:00 UTC, a year's end, a year with no official
    arrangement yet. ``XINYONG_E2E_NOW`` starts it elsewhere (ISO 8601 with its offset,
    ``2026-12-31T23:50+08:00``) to try a day, or ``system`` runs on the wall clock."""
    chosen = os.environ.get("XINYONG_E2E_NOW", "").strip()
    if chosen == "system":
        return SystemClock()
    return RunningClock(dt.datetime.fromisoformat(chosen) if chosen else TEST_NOW)


@dataclass(frozen=True)
class LiveServer:
    url: str
    engine: Engine
    # The server's clock: set-up that writes to its database dates things by it.
    clock: Clock


def _wait_until_listening(server: uvicorn.Server, thread: threading.Thread) -> str:
    """The server's URL once it accepts connections and /healthz answers."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the e2e server stopped while starting; see its log above", pytrace=False)
        if server.started:
            # Port 0 was asked for: the kernel picked a free one, read it back.
            port = server.servers[0].sockets[0].getsockname()[1]
            url = f"http://127.0.0.1:{port}"
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return url
            except OSError as error:  # URLError is an OSError
                last_error = error
        time.sleep(0.05)
    pytest.fail(
        f"the e2e server did not answer /healthz within {STARTUP_TIMEOUT_S:.0f} s "
        f"(last error: {last_error})",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app on the demo data (as ``xinyong init --demo`` makes it), served by uvicorn on
    a free port of 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("e2e")
    engine = make_test_engine(request.config, tmp, "e2e")
    upgrade(engine)
    clock = e2e_clock()
    # What `xinyong init --demo` does: the Fuzhou rule pack first (the demo activity submits
    # records of its record types), then the demo accounts, subjects and activity.
    with unit_of_work(make_session_factory(engine)) as session:
        bootstrap.load_rule_pack(session, clock)
        demo.seed(session, clock)
    # Every journey logs in from 127.0.0.1, and the limiter counts per address: with the
    # default (10 per 5 minutes) a growing suite would start failing with 429s.
    settings = Settings(data_dir=tmp, login_attempts_per_window=10_000)
    app = create_app(settings, clock=clock, engine=engine)
    # Port 0: no race with other workers or programs for a "free" port.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    try:
        url = _wait_until_listening(server, thread)
        yield LiveServer(url=url, engine=engine, clock=clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        found = shutil.which("chromium")
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}"
            + (f" (there is one at {found}: set XINYONG_E2E_CHROMIUM)" if found else "")
            + ". The browser tests need Debian's chromium package: run `make system-packages` "
            "(scripts/ensure-system-packages.sh). Playwright's own browser download does not "
            "work here.",
            pytrace=False,
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a journey that failed leaves a screenshot of its last page (never in the
    tree)."""
    return tmp_path_factory.mktemp("e2e-screenshots")


@pytest.fixture
def browser_context_args(live_server: LiveServer) -> dict[str, Any]:
    """Options of the test's browser context; override in a module to change them."""
    return {
        "base_url": live_server.url,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(
    context: BrowserContext, request: pytest.FixtureRequest, screenshot_dir: Path
) -> Iterator[Page]:
    """A fresh page; fails the test on a script error, a violation of the pages' Content
    Security Policy (which Chromium reports on the console) or any 5xx answer."""
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation on {page.url}: {message.text}")

    page.on("console", on_console)

    def on_response(response: Response) -> None:
        if response.status >= 500:
            problems.append(f"{response.status} from {response.request.method} {response.url}")

    page.on("response", on_response)
    yield page
    outcome = request.node.stash.get(_CALL_REPORT, None)
    if problems or outcome is None or outcome.failed:
        # Only a journey that failed is looked at; a full-page shot of every one that
        # passed was a tenth of a second each, twice a CI run, for nobody.
        name = re.sub(r"[^\w.-]+", "_", request.node.name)[:120]
        path = screenshot_dir / f"{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot: {path}")
        except Error as error:  # a closed page must not hide the test's own failure
            print(f"no screenshot: {error}")
    assert not problems, f"the server or the page failed during the journey: {problems}"


_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Iterator[pytest.TestReport]:
    """Keep the outcome of the journey's own steps where the ``page`` fixture's teardown,
    which runs after them, can read it."""
    report = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
    return report


@pytest.fixture
def zh() -> Callable[[str], str]:
    """The zh_Hans text of a message id, as the pages show it by default."""
    catalog = translations("zh_Hans")

    def zh_(message_id: str) -> str:
        return str(catalog.gettext(message_id))

    return zh_


@pytest.fixture
def log_in(zh: Callable[[str], str]) -> Callable[..., None]:
    """``log_in(page, username, password=DEMO_PASSWORD)``: log in through the login form
    (zh_Hans pages), or with the session an earlier login as the account opened while it
    lasts (``_SESSIONS``), and wait until the header shows the user logged in. For a journey
    about failing to log in, drive the form yourself (see test_login.py)."""

    def log_in_(page: Page, username: str, password: str = demo.DEMO_PASSWORD) -> None:
        kept = _SESSIONS.get((username, password))
        if kept is not None:
            page.context.add_cookies(kept)
            page.goto("/")
            if page.get_by_role("button", name=zh("Log out")).count():
                return
            # Ended meanwhile (a logout, a new code, a deactivation): log in again.
        page.goto("/login")
        page.get_by_label(zh("Username")).fill(username)
        page.get_by_label(zh("Password")).fill(password)
        page.get_by_role("main").get_by_role("button", name=zh("Log in"), exact=True).click()
        expect(page.get_by_role("button", name=zh("Log out"))).to_be_visible()
        _SESSIONS[(username, password)] = [
            cookie for cookie in page.context.cookies() if cookie["name"] != LANG_COOKIE
        ]

    return log_in_


# The session a login through the form opened, per (username, password), for this worker's
# server: a journey's next login as the same account starts from it, as a browser that
# kept its cookie would, and lands where the form does ("/"). Logging in through the form
# every time was ~0.35 s a login, 130 logins a pass; test_login.py drives the form itself,
# and a session that has ended since (a logout or a new code changes the credentials
# version) is noticed on that first page and replaced by a real login.
_SESSIONS: dict[tuple[str, str], list[Any]] = {}
