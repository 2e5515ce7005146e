"""The teacher pauses the class and locks controls from the board, in a real browser: two
students (민준 in Korean, Sara in English) who joined through the join page see it on their
pages; the board and their pages at a projector's and a phone's width, in both languages
(screenshots in artifacts/screenshots/rules-*.png). Also what a student's page must keep:
a first join is not "back where you left off", Reset keeps the seat, and the playground's
"Join a class" field goes to the room's join page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import Playground
from playwright.sync_api import Page, expect
from test_board import rest

SMALL = {"dataset": "xor", "n_samples": 60, "hidden_layers": [4]}
TIMEOUT_MS = 60_000
WIDE, PHONE = {"width": 1400, "height": 900}, {"width": 390, "height": 844}
PAUSED = {"ko": "선생님이 수업을 잠시 멈췄습니다", "en": "Your teacher paused the class"}
LOCKED = {
    "ko": "선생님이 이 수업에서 고정한 설정: 학습률",
    "en": "fixed these for the class: learning rate",
}


@pytest.fixture
def room(live_server: str) -> dict[str, Any]:
    created = rest(live_server, "POST", "/api/rooms", json={"title": "Lab 5"})
    auth = {"Authorization": f"Bearer {created['teacher_key']}"}
    rest(live_server, "PUT", f"/api/rooms/{created['code']}/preset", json={"config": SMALL},
         headers=auth)  # fmt: skip
    return {**created, "auth": auth}


@pytest.fixture
def contexts(browser_speaking: Any) -> Any:
    """``open_page(viewport)``: a page of a browser context of its own (a computer each)."""

    def open_page(viewport: dict[str, int]) -> Playground:
        playground: Playground = browser_speaking("en-US")
        playground.page.set_viewport_size(viewport)
        return playground

    return open_page


def join_as(student: Playground, room: dict[str, Any], name: str, lang: str) -> Page:
    page = student.page
    page.goto(f"{student.base_url}{room['join_url']}?lang={lang}")
    page.fill("#join-name", name)
    page.click("#join-submit")
    expect(page).to_have_url(re.compile(rf"/\?.*lang={lang}"))
    student.wait_live()
    expect(page.locator("#room-banner")).to_be_visible()
    return page


def seat_two(room: dict[str, Any], contexts: Any) -> tuple[dict[str, Playground], dict[str, Page]]:
    """민준 on a Korean page and Sara on an English one, each on a computer of their own."""
    students = {"ko": contexts(WIDE), "en": contexts(WIDE)}
    names = {"ko": "민준", "en": "Sara"}
    return students, {lang: join_as(students[lang], room, names[lang], lang) for lang in students}


def shoot(playground: Playground, name: str, *, full_page: bool = False) -> None:
    page = playground.page
    for label, size in (("wide", WIDE), ("phone", PHONE)):
        page.set_viewport_size(size)
        path = playground.screenshot_path(f"rules-{name}-{label}.png")
        page.screenshot(path=str(path), full_page=full_page)
    page.set_viewport_size(WIDE)


def test_the_teacher_pauses_and_locks_and_the_students_pages_say_so(
    live_server: str, room: dict[str, Any], contexts: Any
) -> None:
    students, pages = seat_two(room, contexts)
    # A first join is a new seat, not a run coming back.
    expect(pages["en"].locator("#status")).not_to_contain_text("Back where you left off")
    for page in pages.values():
        page.click("#play")
        expect(page.locator("#play")).to_have_attribute("aria-pressed", "true", timeout=TIMEOUT_MS)

    teacher = contexts(WIDE)
    board = teacher.page
    board.goto(f"{live_server}/board/{room['code']}?lang=en#key={room['teacher_key']}")
    expect(board.locator(".board-tile")).to_have_count(2, timeout=TIMEOUT_MS)
    expect(board.locator("#board-rules-heading")).to_have_text("The class")
    board.locator("#rules-locked label", has_text="learning rate").locator("input").check()
    expect(board.locator("#rules-message")).to_contain_text("Locked for every student")
    board.click("#rules-pause")
    expect(board.locator("#rules-pause")).to_have_text("Let everyone play again")
    expect(board.locator("#board-rules")).to_have_attribute("data-paused", "true")
    expect(board.locator("#rules-message")).to_contain_text("Everyone is paused (2 runs stopped)")

    for lang, page in pages.items():
        rules = page.locator("#room-rules")
        expect(rules).to_contain_text(PAUSED[lang], timeout=TIMEOUT_MS)
        expect(rules).to_contain_text(LOCKED[lang])
        expect(page.locator("#play")).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#play")).to_have_class(re.compile("room-locked"))
        field = page.locator(".field", has=page.locator("#learning_rate"))
        expect(field).to_have_class(re.compile("room-locked"))
        assert page.locator("#play").evaluate("node => node.inert") is True
        expect(page.locator(".field", has=page.locator("#activation"))).not_to_have_class(
            re.compile("room-locked")
        )
    board_state = rest(live_server, "GET", f"/api/rooms/{room['code']}", headers=room["auth"])
    assert board_state["paused"] is True and board_state["locked"] == ["learning_rate"]
    assert {s["state"]["status"] for s in board_state["students"]} != {"playing"}

    shoot(students["ko"], "student-ko")
    shoot(students["en"], "student-en")
    shoot(teacher, "board-en", full_page=True)
    board.click("#board-languages [data-lang=ko]")
    expect(board.locator("#rules-pause")).to_have_text("다시 시작하게 하기")
    expect(board.locator("#board-key-label")).to_have_text("교사 키(방을 만들 때 받은 키)")
    shoot(teacher, "board-ko", full_page=True)

    # Let them play again: the pause line goes, the lock stays.
    board.click("#rules-pause")
    expect(board.locator("#rules-message")).to_contain_text("다시 학습할 수 있습니다")
    for lang, page in pages.items():
        expect(page.locator("#room-rules")).not_to_contain_text(PAUSED[lang], timeout=TIMEOUT_MS)
        expect(page.locator("#room-rules")).to_contain_text(LOCKED[lang])
        expect(page.locator("#play")).not_to_have_class(re.compile("room-locked"))
        page.click("#play")
        expect(page.locator("#play")).to_have_attribute("aria-pressed", "true", timeout=TIMEOUT_MS)


def test_reset_keeps_the_student_in_the_room(
    live_server: str, room: dict[str, Any], contexts: Any
) -> None:
    student = contexts(WIDE)
    page = join_as(student, room, "Sara", "en")
    seated = student.session_id()
    student.rest("POST", f"/api/sessions/{seated}/train", json={"epochs": 2})
    page.click("#reset")
    student.wait_live()
    page.reload()
    student.wait_live()
    expect(page.locator("#room-banner")).to_contain_text("you are Sara")
    assert student.session_id() == seated
    shown = rest(live_server, "GET", f"/api/rooms/{room['code']}", headers=room["auth"])
    assert [s["name"] for s in shown["students"]] == ["Sara"]
    assert shown["students"][0]["state"]["epoch"] == 0  # reset, in the same seat


def test_the_playground_s_join_field_goes_to_the_room(
    playground: Playground, room: dict[str, Any]
) -> None:
    playground.open("?lang=ko")
    page = playground.page
    expect(page.locator("#join-class label")).to_have_text("수업 참여")
    page.fill("#join-class-code", "abc")
    page.click("#join-class button")
    expect(page.locator("#join-class-error")).to_have_text(
        "수업 코드는 ABC234처럼 영문자와 숫자 6자리입니다."
    )
    page.fill("#join-class-code", room["code"].lower())
    page.click("#join-class button")
    expect(page).to_have_url(re.compile(rf"/r/{room['code']}$"))
    expect(page.locator("#join-name")).to_be_visible()
