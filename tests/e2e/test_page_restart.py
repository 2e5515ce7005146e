"""A server restart keeps the run: the page waits for the server, takes up the same session
when it answers, says at which epoch it resumed, and plays on if it was playing."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground, RestartableServer

SESSION_KEY = "nn-playground.session"
WIDE = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
# Long enough for a slow machine's server to stop, start, and the page's backoff to come round.
BACK_TIMEOUT_MS = 30_000
# What Chromium itself logs while the server is down.
OUTAGE_ERRORS = [
    re.compile(r"ERR_CONNECTION_REFUSED"),
    re.compile(r"WebSocket connection to .* failed"),
]
# The page's words, by language: while it waits, and once it resumed (the epoch in group 1).
WORDS = {
    "en": {
        "waiting": "Server unavailable — reconnecting",
        "resumed": re.compile(r"Resumed at epoch ([\d,]+)"),
    },
    "ko": {
        "waiting": "서버에 연결할 수 없습니다. 서버가 응답하는 대로 다시 연결합니다",
        "resumed": re.compile(r"학습을 에포크 ([\d,]+)에서 이어 갑니다"),
    },
}


def epoch_shown(playground: Playground) -> int:
    return int(re.sub(r"\D", "", playground.page.locator("#epoch").inner_text()))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_a_restart_resumes_the_same_run_where_it_was(
    own_playground: Playground, restartable_server: RestartableServer, lang: str
) -> None:
    page = own_playground.page
    words = WORDS[lang]
    page.set_viewport_size(WIDE)
    own_playground.open(f"?lang={lang}&dataset=xor&hidden_layers=4")
    session = own_playground.session_id()
    page.evaluate("window.notReloaded = true")
    own_playground.allowed.extend(OUTAGE_ERRORS)
    play = page.locator("#play")
    play.click()
    own_playground.wait_epoch(3)

    restartable_server.stop()
    status = page.locator("#status")
    expect(status).to_contain_text(words["waiting"])
    expect(page.locator("#connection")).to_have_attribute("data-state", "lost")
    # The last frame the page got before the server went: the run must not go back from here.
    before = epoch_shown(own_playground)
    assert before >= 3
    own_playground.screenshot(f"restart-waiting-{lang}-1400.png")
    # Every value the epoch counter shows from now on.
    page.evaluate(
        """() => {
            const counter = document.getElementById("epoch");
            window.epochsShown = [];
            new MutationObserver(() => window.epochsShown.push(counter.textContent))
                .observe(counter, { childList: true, characterData: true, subtree: true });
        }"""
    )
    restartable_server.start()

    expect(status).to_contain_text(words["resumed"], timeout=BACK_TIMEOUT_MS)
    own_playground.screenshot(f"restart-resumed-{lang}-1400.png")
    page.set_viewport_size(PHONE)
    status.scroll_into_view_if_needed()
    page.screenshot(path=str(own_playground.screenshot_path(f"restart-resumed-{lang}-390.png")))
    page.set_viewport_size(WIDE)
    found = words["resumed"].search(status.inner_text())
    assert found is not None
    resumed_at = int(found.group(1).replace(",", ""))
    assert resumed_at >= before

    # The same run, in the same page, playing on from where it was.
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    assert own_playground.session_id() == session
    assert page.evaluate("window.nnPlayground.run.sessionId") == session
    expect(play).to_have_attribute("aria-pressed", "true")
    own_playground.wait_epoch(resumed_at + 1)
    shown = [int(re.sub(r"\D", "", text)) for text in page.evaluate("window.epochsShown")]
    assert shown and min(shown) >= before, shown
    state = own_playground.rest("GET", f"/api/sessions/{session}")["state"]
    assert state["epoch"] >= resumed_at + 1
    play.click()
    expect(play).to_have_attribute("aria-pressed", "false")

    # A reload from here would take up the same session: the tab keeps its id as it goes.
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    kept = page.evaluate(f"JSON.parse(sessionStorage.getItem({SESSION_KEY!r}))")
    assert kept["id"] == session


def test_a_paused_run_stays_paused_after_a_restart(
    own_playground: Playground, restartable_server: RestartableServer
) -> None:
    page = own_playground.page
    own_playground.open("?dataset=circles")
    session = own_playground.session_id()
    own_playground.allowed.extend(OUTAGE_ERRORS)
    page.locator("body").press("Shift+ArrowRight")  # one epoch, then paused
    expect(page.locator("#epoch")).to_have_text("1")

    restartable_server.stop()
    expect(page.locator("#connection")).to_have_attribute("data-state", "lost")
    received = page.evaluate("window.nnPlayground.stats.framesReceived")
    restartable_server.start()

    expect(page.locator("#status")).to_contain_text("Resumed at epoch 1", timeout=BACK_TIMEOUT_MS)
    assert own_playground.session_id() == session
    # The first frame of the new stream (the answer to its settings) says it is paused.
    page.wait_for_function("(n) => window.nnPlayground.stats.framesReceived > n", arg=received)
    assert page.evaluate("window.nnPlayground.run.painter.latest.header.playing") is False
    expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#epoch")).to_have_text("1")
    page.locator("body").press("Shift+ArrowRight")
    expect(page.locator("#epoch")).to_have_text("2")
