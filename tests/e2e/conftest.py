"""Browser journeys: Playwright (sync API) driving Debian's Chromium against live_server.

No browser is ever downloaded: Chromium must be at /usr/bin/chromium. Without it the
journeys are skipped, unless ZHENGWU_REQUIRE_SERVICES is true (CI), where they fail.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.services import missing_service

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# the ORM calls that the tests (and live_server's shared connection) make beside it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        missing_service(f"Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    # Generous waits: the suite may share the machine with a parallel test run.
    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def drain(live_server, timeout: float = 15.0) -> None:
    """Wait until the live server has finished every request it is still serving.

    With in-memory SQLite the server's request threads share the test's database connection,
    so a request of a closed page still running when the next test starts (in its
    ``transaction.atomic`` block, say) would swallow that test's own commits and their
    ``on_commit`` handlers.
    """
    threads = getattr(live_server.thread.httpd, "_threads", None)
    if not isinstance(threads, list):  # no request served yet (socketserver's _NoThreads)
        return
    deadline = time.monotonic() + timeout
    for thread in list(threads):
        thread.join(max(0.0, deadline - time.monotonic()))


class OneRequestAtATime:
    """The live server's WSGI application, answering one request at a time.

    With in-memory SQLite every request thread uses the same database connection, so two
    requests at once (a page's live lookups and a click, say) would interleave on it — one
    would try to BEGIN inside the other's transaction. The product never runs that way (each
    thread has its own connection), so the test server takes its requests in turn."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return self.app(environ, start_response)


def serialise_requests(live_server) -> None:
    from django.db import connection

    httpd = live_server.thread.httpd
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return
    if not isinstance(httpd.get_app(), OneRequestAtATime):
        httpd.set_app(OneRequestAtATime(httpd.get_app()))


@pytest.fixture
def new_context(browser, live_server):
    """Make browser contexts (fresh cookie jars) on the live server, closed afterwards (and
    the server drained of their requests)."""
    serialise_requests(live_server)
    contexts = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    drain(live_server)


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
