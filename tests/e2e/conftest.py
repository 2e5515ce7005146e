"""Browser fixtures for the page tests: Debian's Chromium driven by pytest-playwright.

Every page test goes through ``playground``: it records console errors and uncaught page
errors and fails the test if any appeared. Screenshots go to ``artifacts/screenshots/``.
The page speaks the browser's language: these browsers speak English (``LOCALE``), and
``Playground.open`` asks for English unless the test names a ``lang``.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from server_process import PROJECT_ROOT, ServerProcess

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT: ViewportSize = {"width": 1280, "height": 1000}
LOCALE = "en-US"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": LOCALE}


@dataclass
class Playground:
    """The page under test, plus the REST view of the same server."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    # Console errors a test expects (e.g. refused connections while the server is down).
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def open(self, query: str = "") -> None:
        """Load the page (in English unless `query` names a lang) and wait for the first frame."""
        if "lang=" not in query:
            query = f"{query}&lang=en" if query.startswith("?") else f"?lang=en{query}"
        self.page.goto(f"{self.base_url}/{query}")
        self.wait_live()

    def wait_live(self) -> None:
        expect(self.page.locator("#connection")).to_have_attribute("data-state", "open")
        expect(self.page.locator("#train_loss")).not_to_have_text("—")

    def session_id(self) -> str:
        link = self.page.locator("#session-link")
        expect(link).to_have_attribute("data-session-id", re.compile(r".{20,}"))
        value = link.get_attribute("data-session-id")
        assert value is not None
        return value

    def rest(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.base_url}{path}", timeout=10.0, **kwargs)
        response.raise_for_status()
        return response.json()

    def server_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.rest("GET", f"/api/sessions/{self.session_id()}")["config"]
        return config

    def wait_server_config(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Poll the session's config until `predicate` holds (changes travel over the socket)."""
        config: dict[str, Any] = {}
        for _ in range(100):
            config = self.server_config()
            if predicate(config):
                return config
            self.page.wait_for_timeout(100)
        raise AssertionError(f"server config never matched; last seen {config}")

    def heatmap_pixels(self) -> list[int]:
        """The main plot's pixels (RGBA bytes) over the plot area, sampled every 4th pixel."""
        pixels: list[int] = self.page.evaluate(
            """() => {
                const canvas = document.getElementById("heatmap");
                const ratio = window.devicePixelRatio || 1;
                const side = Math.round(300 * ratio);
                // The canvas reaches 6 px past the plot's top and left, for points on its edge.
                const inset = Math.round(6 * ratio);
                const data = canvas.getContext("2d").getImageData(inset, inset, side, side).data;
                const out = [];
                for (let i = 0; i < data.length; i += 16) {
                    out.push(data[i], data[i + 1], data[i + 2]);
                }
                return out;
            }"""
        )
        return pixels

    def settled_pixels(self, timeout_s: float = 10.0) -> list[int]:
        """The main plot's pixels once two reads in a row agree (nothing left to paint)."""
        deadline = time.monotonic() + timeout_s
        last = self.heatmap_pixels()
        while time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
            now = self.heatmap_pixels()
            if now == last:
                return now
            last = now
        raise AssertionError(f"the plot kept changing for {timeout_s} s")

    def wait_pixels_change(self, before: list[int], timeout_s: float = 10.0) -> list[int]:
        """Poll the main plot until it differs from `before`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            now = self.heatmap_pixels()
            if now != before:
                return now
            self.page.wait_for_timeout(50)
        raise AssertionError(f"the plot did not change within {timeout_s} s")

    def wait_epoch(self, at_least: int, timeout_ms: float = 60_000) -> None:
        """Wait until the page's epoch counter reads at least `at_least` (any digit grouping);
        training takes epochs, not a time, so the deadline is a slow machine's."""
        self.page.wait_for_function(
            "(n) => Number(document.getElementById('epoch').textContent.replace(/\\D/g, '')) >= n",
            arg=at_least,
            timeout=timeout_ms,
        )

    def number(self, selector: str) -> float:
        text = self.page.locator(selector).inner_text()
        return float(text.replace(",", "").rstrip("%"))

    def screenshot_path(self, name: str) -> Path:
        """Where a screenshot named `name` goes (for a screenshot of one element)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / name

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path


def attach(page: Page, base_url: str) -> Playground:
    playground = Playground(page=page, base_url=base_url)
    page.on(
        "console",
        lambda message: playground.errors.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: playground.errors.append(f"page error: {error}"))
    return playground


def assert_no_console_errors(playground: Playground) -> None:
    unexpected = [
        error for error in playground.errors if not any(p.search(error) for p in playground.allowed)
    ]
    assert unexpected == [], f"console errors: {unexpected}"


@pytest.fixture
def playground(page: Page, live_server: str) -> Iterator[Playground]:
    """The page on the shared live server; fails the test on any console error."""
    playground = attach(page, live_server)
    yield playground
    assert_no_console_errors(playground)


@pytest.fixture
def second_browser(browser: Browser, live_server: str) -> Iterator[Playground]:
    """The page in a browser context of its own (its own storage), on the shared server."""
    context = browser.new_context(viewport=VIEWPORT, locale=LOCALE)
    playground = attach(context.new_page(), live_server)
    yield playground
    context.close()
    assert_no_console_errors(playground)


@pytest.fixture
def new_tab(page: Page, live_server: str) -> Iterator[Callable[[], Playground]]:
    """``new_tab()``: the page in another tab of the same browser context (its own
    sessionStorage, shared localStorage), on the shared server."""
    tabs: list[Playground] = []

    def open_tab() -> Playground:
        tab = attach(page.context.new_page(), live_server)
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        assert_no_console_errors(tab)


@pytest.fixture
def browser_speaking(browser: Browser, live_server: str) -> Iterator[Callable[[str], Playground]]:
    """``browser_speaking("ko-KR")``: the page in a browser context whose language is that."""
    contexts: list[tuple[BrowserContext, Playground]] = []

    def open_context(locale: str) -> Playground:
        context = browser.new_context(viewport=VIEWPORT, locale=locale)
        playground = attach(context.new_page(), live_server)
        contexts.append((context, playground))
        return playground

    yield open_context
    for context, playground in contexts:
        context.close()
        assert_no_console_errors(playground)


# A uvicorn process of a test's own on a fixed free port, to stop and start again.
RestartableServer: TypeAlias = ServerProcess


@pytest.fixture
def restartable_server(tmp_path: Path) -> Iterator[RestartableServer]:
    with RestartableServer(log=tmp_path / "server.log") as server:
        yield server


@pytest.fixture
def own_playground(page: Page, restartable_server: RestartableServer) -> Iterator[Playground]:
    """The page on a server of its own (which the test may stop and restart)."""
    playground = attach(page, restartable_server.base_url)
    yield playground
    assert_no_console_errors(playground)
