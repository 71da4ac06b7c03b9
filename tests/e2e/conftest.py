"""Fixtures for the browser journeys (docs/e2e.md).

- ``site``: one daphne process for the session, on the pytest-django test database (each
  journey uses ``transaction=True`` so what it writes is committed and the server sees it).
- ``browser``: one headless Debian ``chromium`` for the session (never a Playwright download).
- ``viewport``: every journey runs twice, on a desktop and on a phone-sized screen.
- ``new_page``: a fresh browser context + page that records console errors and uncaught page
  errors and runs axe-core (WCAG 2.2 A/AA) on every document it loads and on the last one; at the end every page it made is screenshotted under test-results/, in light and in dark
  mode, and the test fails if any page logged an error the journey did not expect or broke a
  WCAG rule.

Playwright's sync API marks an asyncio loop as running in this thread between its calls, which
Django's ORM guard reads as "async context". The journeys are moved to the end of the run (so the
browser never shares the thread with other tests) and the guard is relaxed for the test process
only while the browser is up; the server process keeps it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.e2e.support import AXE_JS, CHROMIUM, CHROMIUM_ARGS, RESULTS, VIEWPORTS, LiveServer, Watched, slug

HERE = Path(__file__).resolve().parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser journeys run last (after pytest-django's own ordering)."""
    journeys = [item for item in items if HERE in Path(str(item.fspath)).parents]
    others = [item for item in items if HERE not in Path(str(item.fspath)).parents]
    items[:] = others + journeys


def _test_database_name(django_db_blocker) -> str:
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.settings_dict["NAME"]


@pytest.fixture(scope="session")
def e2e_workdir():
    with tempfile.TemporaryDirectory(prefix="treehole-e2e-") as path:
        yield Path(path)


@pytest.fixture(scope="session")
def site(django_db_setup, django_db_blocker, e2e_workdir):
    """The site, served by daphne (HTTP + WebSocket) on the test database and the suite's Redis."""
    server = LiveServer(name="main", database=_test_database_name(django_db_blocker), workdir=e2e_workdir / "main", worker_id=901)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def start_server(django_db_setup, django_db_blocker, e2e_workdir):
    """Start an extra server with its own settings (e.g. tiny rate-limit buckets); stopped at the
    end of the session."""
    started: list[LiveServer] = []

    def start(name: str, env: dict[str, str]) -> LiveServer:
        server = LiveServer(
            name=name, database=_test_database_name(django_db_blocker), workdir=e2e_workdir / name,
            worker_id=902 + len(started), env=env,
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from playwright.sync_api import sync_playwright

    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (make test does it when node_modules is missing).")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install -y chromium`, see .ci/run).")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(params=sorted(VIEWPORTS), ids=lambda name: name)
def viewport(request):
    return request.param


@pytest.fixture
def new_page(request, browser, site, viewport):
    """``new_page(label="", server=site, **context_options)`` → a Playwright page in a fresh
    context (its own cookies), Chinese locale, Shanghai time, the parametrized viewport (options
    such as ``color_scheme="dark"``, ``locale="en-US"`` or ``java_script_enabled=False`` override). ``page.watch`` holds its
    recorded errors (``page.watch.allow_console_error(regex)`` for an expected one)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    made: list[tuple[object, Watched]] = []

    def make(label: str = "", server: LiveServer | None = None, **options):
        server = server or site
        context = browser.new_context(
            **{"base_url": server.url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", **VIEWPORTS[viewport], **options}
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        watched = Watched(page=page, label=label or f"page{len(made) + 1}", scripts=options.get("java_script_enabled", True))

        def on_console(message):
            if message.type == "error":
                location = message.location or {}
                watched.errors.append(f"console: {message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: watched.errors.append(f"pageerror: {exc}"))

        # Every document the page loads is checked once it has loaded (in the handler's own
        # greenlet: the journey goes on meanwhile); the last one again at the end, in both themes.
        page.on("load", lambda _page: watched.audit("(on load)", racing=True))
        page.watch = watched
        page.site_url = server.url
        made.append((context, watched))
        return page

    yield make

    RESULTS.mkdir(exist_ok=True)
    problems = []
    for context, watched in made:
        page = watched.page
        try:
            if not page.is_closed():
                watched.audit("(the last screen)", schemes=("light", "dark"))
                name = slug(f"{request.node.originalname}-{viewport}" + (f"-{watched.label}" if len(made) > 1 else ""))
                page.evaluate("() => window.scrollTo(0, 0)")
                for scheme in ("light", "dark"):
                    page.emulate_media(color_scheme=scheme)
                    page.screenshot(path=str(RESULTS / f"{name}-{scheme}.png"), full_page=True)
        finally:
            context.close()
        problems += [f"[{watched.label}] {e}" for e in watched.unexpected_errors()]
    assert not problems, "the browser reported errors:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """One page, for a journey with one person in it."""
    return new_page()
