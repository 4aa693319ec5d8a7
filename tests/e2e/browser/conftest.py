"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), against a local
runtime started like the e2e suite's. Every page fails its test on a console error (a CSP violation
included). Screenshots go to .cockpit/test-artifacts/browser/ (git-ignored); with
COCKPIT_SCREENSHOTS=docs/screenshots (`make screenshots`) the pages' pictures in docs/ are refreshed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright

from tests.support.local_gateway import ROOT

CHROMIUM = os.environ.get("COCKPIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / ".cockpit" / "test-artifacts" / "browser"
SCREEN = {"width": 1280, "height": 720}  # a landscape centre screen


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.local_only)  # the pages are the local runtime's


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


class Shots:
    """Saves screenshots as test artifacts (and into docs/ when asked)."""

    def __init__(self, page: Page, test: str) -> None:
        self.page, self.test = page, test
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        wanted = os.environ.get("COCKPIT_SCREENSHOTS")
        self.docs = (ROOT / wanted) if wanted else None

    def __call__(self, name: str, *, full_page: bool = False, docs: bool = False) -> Path:
        path = ARTIFACTS / f"{self.test}-{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        if docs and self.docs is not None:
            self.docs.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(self.docs / f"{name}.png"), full_page=full_page)
        return path


@pytest.fixture
def allowed_errors() -> list[str]:
    """Regexes of console errors a test expects (a 422 it provoked, say); any other error fails it."""
    return []


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest, allowed_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport=SCREEN, locale="en-US", timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    opened = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    opened.on("console", on_console)
    opened.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    yield opened
    Shots(opened, request.node.name)("last")
    context.close()
    unexpected = [e for e in errors if not any(re.search(p, e) for p in allowed_errors)]
    assert not unexpected, f"the page logged errors: {unexpected}"


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)
