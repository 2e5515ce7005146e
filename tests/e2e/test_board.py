"""The teacher's board in a real browser, on a real server: three students who joined by
the API (민준, Sara, 陈), a tile each that follows their training, sorting, the spotlight,
and the board in Korean and English on a projector and on a phone (screenshots in
artifacts/screenshots/board-*.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import Playground, assert_no_console_errors, attach
from playwright.sync_api import Browser, Page, expect

NAMES = ("민준", "Sara", "陈")
SMALL = {"dataset": "xor", "n_samples": 60, "hidden_layers": [8, 8]}
TIMEOUT_MS = 60_000
SIZES = {1400: {"width": 1400, "height": 900}, 390: {"width": 390, "height": 844}}


def rest(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    response = httpx.request(method, f"{base_url}{path}", timeout=60, **kwargs)
    assert response.is_success, response.text
    return response.json()


@pytest.fixture
def room(live_server: str) -> dict[str, Any]:
    """A room on the spiral's little sister with three students seated."""
    created = rest(live_server, "POST", "/api/rooms", json={"title": "Lab 3: XOR"})
    auth = {"Authorization": f"Bearer {created['teacher_key']}"}
    rest(
        live_server,
        "PUT",
        f"/api/rooms/{created['code']}/preset",
        json={"config": SMALL},
        headers=auth,
    )
    students = [
        rest(live_server, "POST", f"/api/rooms/{created['code']}/students", json={"name": name})
        for name in NAMES
    ]
    return {**created, "students": dict(zip(NAMES, students, strict=True)), "auth": auth}


@pytest.fixture
def board_at(browser: Browser, live_server: str) -> Iterator[Any]:
    """``board_at(room, width, lang)``: the board page in a browser context of that width."""
    opened: list[tuple[Any, Playground]] = []

    def open_board(room: dict[str, Any], width: int, lang: str) -> Page:
        context = browser.new_context(viewport=SIZES[width], locale="en-US")
        board = attach(context.new_page(), live_server)
        opened.append((context, board))
        board.page.goto(f"{live_server}/board/{room['code']}?lang={lang}#key={room['teacher_key']}")
        expect(board.page.locator(".board-tile")).to_have_count(3, timeout=TIMEOUT_MS)
        return board.page

    yield open_board
    for context, board in opened:
        context.close()
        assert_no_console_errors(board)


def tile(page: Page, name: str) -> Any:
    return page.locator(".board-tile", has=page.locator(".tile-name", has_text=name))


def tile_names(page: Page) -> list[str]:
    names: list[str] = page.locator(".board-tile .tile-name").all_inner_texts()
    return names


def train(base_url: str, room: dict[str, Any], name: str, epochs: int) -> None:
    session_id = room["students"][name]["session_id"]
    rest(base_url, "POST", f"/api/sessions/{session_id}/train", json={"epochs": epochs})


def test_the_board_follows_the_class(live_server: str, room: dict[str, Any], board_at: Any) -> None:
    page = board_at(room, 1400, "en")
    # The key left the address at once and stays in this tab only.
    assert "key=" not in page.url
    stored = page.evaluate(f"sessionStorage.getItem('board-key:{room['code']}')")
    assert stored == room["teacher_key"]
    expect(page.locator("#board-code")).to_have_text(room["code"])
    expect(page.locator("#board-room-title")).to_have_text("Lab 3: XOR")
    expect(page.locator("#board-join")).to_have_attribute("href", f"/r/{room['code']}")
    expect(tile(page, "Sara").locator(".tile-shape")).to_have_text("2-8-8-1 tanh")
    expect(tile(page, "Sara")).to_have_attribute("data-epoch", "0")

    train(live_server, room, "Sara", 3)
    expect(tile(page, "Sara")).to_have_attribute("data-epoch", "3", timeout=TIMEOUT_MS)
    expect(tile(page, "Sara").locator(".tile-epoch b")).to_have_text("3")
    train(live_server, room, "陈", 12)
    expect(tile(page, "陈")).to_have_attribute("data-epoch", "12", timeout=TIMEOUT_MS)

    # By progress (the default), then as they joined, then by test loss.
    expect(page.locator(".board-tile .tile-name")).to_have_text(["陈", "Sara", "민준"])
    page.locator("#board-sort-joined").click()
    expect(page.locator(".board-tile .tile-name")).to_have_text(list(NAMES))
    board = rest(live_server, "GET", f"/api/rooms/{room['code']}", headers=room["auth"])
    by_loss = sorted(board["students"], key=lambda s: s["state"]["test_loss"])
    page.locator("#board-sort-loss").click()
    expect(page.locator(".board-tile .tile-name")).to_have_text([s["name"] for s in by_loss])
    expect(page.locator("#board-sort-loss")).to_have_attribute("aria-pressed", "true")

    tile(page, "陈").locator("button").click()
    spotlight = page.locator("#board-spotlight")
    expect(spotlight).to_be_visible()
    expect(page.locator("#spotlight-name")).to_have_text("陈")
    expect(page.locator("#spotlight-facts")).to_contain_text("12")
    # The finer grid the board asks for once a run is spotlit.
    expect(page.locator("#spotlight-canvas")).to_have_attribute("width", "96")
    painted = page.evaluate(
        "(() => { const c = document.getElementById('spotlight-canvas');"
        " const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " return pixels.some(v => v > 0); })()"
    )
    assert painted
    page.locator("#spotlight-close").click()
    expect(spotlight).to_be_hidden()


def test_a_wrong_key_asks_again(live_server: str, room: dict[str, Any], browser: Browser) -> None:
    context = browser.new_context(viewport=SIZES[1400], locale="en-US")
    board = attach(context.new_page(), live_server)
    board.allowed.append(re.compile("WebSocket"))
    board.page.goto(f"{live_server}/board/{room['code']}?lang=en#key=not-the-key")
    expect(board.page.locator("#board-key-form")).to_be_visible(timeout=TIMEOUT_MS)
    expect(board.page.locator("#board-key-error")).to_contain_text("not this room's teacher key")
    board.page.locator("#board-key").fill(room["teacher_key"])
    board.page.locator("#board-key-open").click()
    expect(board.page.locator(".board-tile")).to_have_count(3, timeout=TIMEOUT_MS)
    expect(board.page.locator("#board-key-form")).to_be_hidden()
    context.close()
    assert_no_console_errors(board)


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_board_in_both_languages_on_a_projector_and_a_phone(
    live_server: str, room: dict[str, Any], board_at: Any, width: int, lang: str
) -> None:
    train(live_server, room, "민준", 5)
    train(live_server, room, "Sara", 2)
    page = board_at(room, width, lang)
    expect(tile(page, "민준")).to_have_attribute("data-epoch", "5", timeout=TIMEOUT_MS)
    heading = {"ko": "학급 보드", "en": "Class board"}[lang]
    expect(page.locator("#board-heading")).to_have_text(heading)
    expect(page.locator("#board-count")).to_have_text({"ko": "학생 3명", "en": "3 students"}[lang])
    sideways = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert sideways <= 0, f"{sideways} px of sideways scroll at {width} px"
    page.screenshot(path=f"artifacts/screenshots/board-{lang}-{width}.png", full_page=True)
    tile(page, "민준").locator("button").click()
    expect(page.locator("#spotlight-name")).to_have_text("민준")
    page.screenshot(path=f"artifacts/screenshots/board-spotlight-{lang}-{width}.png")
    # The other language, switched in place.
    page.keyboard.press("Escape")
    other = "en" if lang == "ko" else "ko"
    page.locator(f"#board-languages [data-lang={other}]").click()
    expect(page.locator("#board-heading")).to_have_text(
        {"ko": "학급 보드", "en": "Class board"}[other]
    )
    expect(page.locator("html")).to_have_attribute("lang", other)
