"""A reload keeps the run: the tab takes up its session again when the server still has it,
and says so when it had to start a fresh one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import httpx
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground

SESSION_KEY = "nn-playground.session"


def train_epochs(playground: Playground, epochs: int) -> None:
    """Shift+→ steps one epoch; wait for the counter after each."""
    page = playground.page
    for epoch in range(1, epochs + 1):
        page.locator("body").press("Shift+ArrowRight")
        expect(page.locator("#epoch")).to_have_text(str(epoch))


def test_reload_takes_up_the_same_run(playground: Playground) -> None:
    page = playground.page
    playground.open()
    session = playground.session_id()
    train_epochs(playground, 3)
    weights = playground.rest("GET", f"/api/sessions/{session}/model")["layers"]
    page.reload()
    playground.wait_live()
    assert playground.session_id() == session
    expect(page.locator("#epoch")).to_have_text("3")
    expect(page.locator("#status")).to_contain_text("Back where you left off")
    expect(page.locator("#status")).to_contain_text("epoch 3")
    # Nothing was retrained or rebuilt on the way: the weights are the ones trained before.
    assert playground.rest("GET", f"/api/sessions/{session}/model")["layers"] == weights
    # Training goes on from there.
    page.locator("body").press("Shift+ArrowRight")
    expect(page.locator("#epoch")).to_have_text("4")


def test_reload_after_the_server_lost_the_run_says_so(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=ko")
    session = playground.session_id()
    train_epochs(playground, 2)
    httpx.delete(f"{playground.base_url}/api/sessions/{session}", timeout=10).raise_for_status()
    # The browser logs the 404 that tells the page its session is gone.
    playground.allowed.append(re.compile(r"status of 404"))
    page.reload()
    playground.wait_live()
    assert playground.session_id() != session
    expect(page.locator("#epoch")).to_have_text("0")
    expect(page.locator("#status")).to_contain_text("새로고침 전의 학습이 서버에 남아 있지 않")
    playground.screenshot("reload-replaced-ko.png")


def test_a_live_tab_keeps_nothing_a_duplicate_could_take(playground: Playground) -> None:
    """The id is taken from the tab's storage at load and put back only as the page goes: a tab
    duplicated from a live one (the browser copies its sessionStorage) starts a run of its own."""
    page = playground.page
    playground.open()
    assert page.evaluate(f"sessionStorage.getItem({SESSION_KEY!r})") is None
    session = playground.session_id()
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    kept = page.evaluate(f"JSON.parse(sessionStorage.getItem({SESSION_KEY!r}))")
    assert kept == {"id": session, "search": page.evaluate("location.search")}


def test_another_link_in_the_tab_starts_that_links_run(playground: Playground) -> None:
    """Only a reload takes the run up: a link with other settings, opened in the same tab,
    gets a run of its own, and the one left behind is dropped from the server."""
    page = playground.page
    playground.open()
    session = playground.session_id()
    page.goto(re.sub(r"activation=[a-z_]+", "activation=relu", page.url))
    playground.wait_live()
    assert playground.session_id() != session
    expect(page.get_by_label("Activation", exact=True)).to_have_value("relu")
    assert playground.server_config()["activation"] == "relu"
    gone = httpx.get(f"{playground.base_url}/api/sessions/{session}", timeout=10)
    assert gone.status_code == 404
