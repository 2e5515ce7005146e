"""Students join a room by its code (``/r/CODE``): the page names the room, takes a display
name in any script, says the server's refusals in the page's language, and opens the
ordinary playground on the session the server made for the student, with a banner naming
the room, the student and the room's task."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import Playground

WIDTHS = (1400, 390)
# A refused request (an unknown room's page, a taken name) is reported as a console error.
NOT_FOUND_LOAD = re.compile(r"status of 404")
CONFLICT = re.compile(r"status of 409")


def create_room(base_url: str, title: str) -> dict[str, Any]:
    response = httpx.post(f"{base_url}/api/rooms", json={"title": title}, timeout=10.0)
    response.raise_for_status()
    room: dict[str, Any] = response.json()
    return room


def board(base_url: str, room: dict[str, Any]) -> dict[str, Any]:
    response = httpx.get(
        f"{base_url}/api/rooms/{room['code']}",
        headers={"Authorization": f"Bearer {room['teacher_key']}"},
        timeout=10.0,
    )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def open_join_page(playground: Playground, room_url: str, lang: str) -> Page:
    page = playground.page
    page.goto(f"{playground.base_url}{room_url}?lang={lang}")
    return page


def join(page: Page, name: str) -> None:
    page.fill("#join-name", name)
    page.click("#join-submit")


def screenshots(playground: Playground, name: str, ready: str) -> None:
    """The page's first screen at each width, once `ready` is visible again."""
    page = playground.page
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        expect(page.locator(ready)).to_be_visible()
        # What the student sees first: the top of the page, where the banner is.
        page.screenshot(path=str(playground.screenshot_path(f"{name}-{width}.png")))
    page.set_viewport_size({"width": 1280, "height": 1000})


def join_and_land(
    playground: Playground, room_url: str, lang: str, name: str, words: dict[str, str]
) -> Page:
    """Open the join page in `lang`, check its heading and room line (`words`), screenshot it,
    join as `name` and wait for the playground's first frame."""
    page = open_join_page(playground, room_url, lang)
    expect(page.locator("#join-heading")).to_have_text(words["heading"])
    expect(page.locator("#join-room")).to_have_text(words["room"])
    screenshots(playground, f"join-page-{lang}", "#join-submit")
    join(page, name)
    expect(page).to_have_url(re.compile(rf"/\?.*lang={lang}"))
    playground.wait_live()
    return page


def the_student_s_session_is_the_room_s(
    playground: Playground, room: dict[str, Any], name: str
) -> None:
    """The page runs the session the room seated `name` in: training it through REST moves
    that student's state on the teacher's board, and its settings are the room's."""
    session_id = playground.session_id()
    before = next(s for s in board(playground.base_url, room)["students"] if s["name"] == name)
    playground.rest("POST", f"/api/sessions/{session_id}/train", json={"epochs": 3})
    after = next(s for s in board(playground.base_url, room)["students"] if s["name"] == name)
    assert after["state"]["epoch"] >= before["state"]["epoch"] + 3
    assert after["config"] == playground.server_config()


def test_a_student_joins_in_korean_and_lands_on_the_playground_with_the_banner(
    playground: Playground, second_browser: Playground
) -> None:
    room = create_room(playground.base_url, "3반 XOR 실습")
    code = room["code"]
    playground.rest(
        "PUT",
        f"/api/rooms/{code}/preset",
        json={"lesson": "xor"},
        headers={"Authorization": f"Bearer {room['teacher_key']}"},
    )
    words = {"heading": "수업 참여하기", "room": f"3반 XOR 실습 · 방 코드 {code}"}
    page = join_and_land(playground, room["join_url"], "ko", "민준", words)
    banner = page.locator("#room-banner")
    expect(banner).to_contain_text(f"수업: 3반 XOR 실습 ({code}) · 민준 학생으로 참여 중")
    expect(banner).to_contain_text("지금 과제: ")
    expect(page.locator("#lesson")).to_be_visible()  # the room's lesson, open beside the run
    the_student_s_session_is_the_room_s(playground, room, "민준")
    assert board(playground.base_url, room)["students"][0]["lesson"]["id"] == "xor"
    screenshots(playground, "join-banner-ko", "#room-banner")

    # A classmate on another computer types the same name: the page says it is taken.
    other = second_browser.page
    second_browser.allowed.append(CONFLICT)
    open_join_page(second_browser, room["join_url"], "ko")
    join(other, "민준")
    taken = "‘민준’은(는) 이 방에서 이미 쓰고 있는 이름"
    expect(other.locator("#join-error")).to_contain_text(taken)
    expect(other).to_have_url(re.compile(rf"/r/{code}"))
    second_browser.screenshot("join-page-ko-name-taken-1280.png")
    assert [s["name"] for s in board(playground.base_url, room)["students"]] == ["민준"]


def test_a_student_joins_in_english_and_keeps_the_room_on_reload(
    playground: Playground, second_browser: Playground
) -> None:
    room = create_room(playground.base_url, "Lab 3: XOR")
    code = room["code"]
    # The code as a student might type it, in lower case.
    words = {"heading": "Join a class", "room": f"Room Lab 3: XOR · code {code}"}
    page = join_and_land(playground, room["join_url"].lower(), "en", "Sara", words)
    banner = page.locator("#room-banner")
    expect(banner).to_have_text(f"Room Lab 3: XOR ({code}) · you are Sara")
    the_student_s_session_is_the_room_s(playground, room, "Sara")
    screenshots(playground, "join-banner-en", "#room-banner")

    session_id = playground.session_id()
    page.reload()
    playground.wait_live()
    assert playground.session_id() == session_id
    expect(banner).to_have_text(f"Room Lab 3: XOR ({code}) · you are Sara")
    # The language switch rewords the banner.
    page.click("[data-lang=ko]")
    expect(banner).to_have_text(f"수업: Lab 3: XOR ({code}) · Sara 학생으로 참여 중")

    # Names differing only in case are one name.
    other = second_browser.page
    second_browser.allowed.append(CONFLICT)
    open_join_page(second_browser, room["join_url"], "en")
    join(other, "sara")
    expect(other.locator("#join-error")).to_contain_text("The name “sara” is already taken")


def test_an_unknown_code_is_said_in_the_page_s_language(playground: Playground) -> None:
    playground.allowed.append(NOT_FOUND_LOAD)
    said = {"ko": "코드가 ZZZZZZ인 방이 없습니다", "en": "no room with the code ZZZZZZ"}
    for lang, words in said.items():
        page = open_join_page(playground, "/r/ZZZZZZ", lang)
        expect(page.locator("#join-error")).to_contain_text(words)
        expect(page.locator("#join-form")).to_be_hidden()
        playground.screenshot(f"join-page-{lang}-unknown-1280.png")
    response = httpx.get(f"{playground.base_url}/api/rooms/ZZZZZZ/public", timeout=10.0)
    assert response.status_code == 404


def test_a_playground_not_in_a_room_has_no_banner(playground: Playground) -> None:
    playground.open()
    expect(playground.page.locator("#room-banner")).to_have_count(0)
