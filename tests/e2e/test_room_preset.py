"""The teacher pushes a preset while the students' pages are open, in a real browser: the
board is open, 민준 (Korean, playing) and Sara (English, paused) are on their playground
pages; ``PUT /api/rooms/{code}/preset`` with a lesson, then with a configuration, and each
page shows the new task without a reload and says, in its language, that the teacher
changed it (screenshots in artifacts/screenshots/preset-*.png)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect
from test_board import rest
from test_room_rules import PHONE, TIMEOUT_MS, WIDE, contexts, join_as, room, seat_two

__all__ = ["contexts", "room"]  # the fixtures, shared with the rules' test

LESSON_TITLE = {"ko": "XOR에는 은닉층이 필요합니다", "en": "XOR needs a hidden layer"}
CHANGED = {"ko": "선생님이 ", "en": "Your teacher changed the task at "}
CHANGED_END = {"ko": "에 과제를 바꿨습니다.", "en": "."}
CONFIG = {"dataset": "circles", "n_samples": 80, "hidden_layers": [5], "learning_rate": 0.1}


def says_the_task_changed(page: Page, lang: str) -> None:
    note = page.locator("#room-banner .room-changed")
    expect(note).to_be_visible(timeout=TIMEOUT_MS)
    text = note.inner_text()
    assert text.startswith(CHANGED[lang]) and text.endswith(CHANGED_END[lang]), text


def test_the_teacher_pushes_a_lesson_then_a_configuration_and_open_pages_switch(
    live_server: str, room: dict[str, Any], contexts: Any
) -> None:
    students, pages = seat_two(room, contexts)
    pages["ko"].click("#play")
    expect(pages["ko"].locator("#play")).to_have_attribute("aria-pressed", "true")
    expect(pages["en"].locator("#play")).to_have_attribute("aria-pressed", "false")
    for page in pages.values():
        expect(page.locator("#lesson")).to_be_hidden()
        expect(page.locator("#room-banner .room-changed")).to_have_count(0)
    board = contexts(WIDE).page
    board.goto(f"{live_server}/board/{room['code']}?lang=en#key={room['teacher_key']}")
    expect(board.locator(".board-tile")).to_have_count(2, timeout=TIMEOUT_MS)

    path = f"/api/rooms/{room['code']}/preset"
    pushed = rest(live_server, "PUT", path, json={"lesson": "xor"}, headers=room["auth"])
    assert pushed["changed"] == 2
    for lang, page in pages.items():
        expect(page.locator("#lesson-title")).to_have_text(LESSON_TITLE[lang], timeout=TIMEOUT_MS)
        expect(page.locator("#room-banner .room-task")).to_contain_text(LESSON_TITLE[lang])
        says_the_task_changed(page, lang)
        expect(page).to_have_url(re.compile(r"[?&]lesson=xor"))
        # The lesson's preset is on the page's controls, as on the server.
        expect(page.locator("#datasets [aria-checked=true]")).to_have_attribute(
            "data-name", "xor_gate"
        )
        students[lang].wait_server_config(lambda config: config["dataset"] == "xor_gate")
    shots(students, "lesson")

    pushed = rest(live_server, "PUT", path, json={"config": CONFIG}, headers=room["auth"])
    assert pushed["changed"] == 2
    for lang, page in pages.items():
        expect(page.locator("#datasets [aria-checked=true]")).to_have_attribute(
            "data-name", "circles", timeout=TIMEOUT_MS
        )
        expect(page.locator("#learning_rate")).to_have_value("0.1")
        expect(page).to_have_url(re.compile(r"[?&]dataset=circles"))
        expect(page).not_to_have_url(re.compile(r"lesson="))
        expect(page.locator("#lesson")).to_be_hidden()  # the lesson is over
        expect(page.locator("#room-banner .room-task")).to_have_count(0)
        says_the_task_changed(page, lang)
        server = students[lang].server_config()
        assert server["dataset"] == "circles" and server["hidden_layers"] == [5]
    shots(students, "config")

    # A change of the student's own after the preset builds on it, not on the old task.
    pages["en"].select_option("#activation", "relu")
    config = students["en"].wait_server_config(lambda config: config["activation"] == "relu")
    assert config["dataset"] == "circles" and config["learning_rate"] == 0.1
    # The one who was playing plays on, on the new task; the one who was paused still is.
    expect(pages["ko"].locator("#play")).to_have_attribute("aria-pressed", "true")
    expect(pages["en"].locator("#play")).to_have_attribute("aria-pressed", "false")
    # Neither page learnt anything of the other's session or of the teacher's key.
    for lang, page in pages.items():
        other = students["en" if lang == "ko" else "ko"].session_id()
        assert other not in page.content() and room["teacher_key"] not in page.content()


def shots(students: dict[str, Any], name: str) -> None:
    for lang, student in students.items():
        page = student.page
        for label, size in (("wide", WIDE), ("phone", PHONE)):
            page.set_viewport_size(size)
            page.screenshot(path=str(student.screenshot_path(f"preset-{name}-{lang}-{label}.png")))
        page.set_viewport_size(WIDE)


def test_a_locked_change_and_a_paused_step_are_refused_in_the_page_s_language(
    room: dict[str, Any], contexts: Any
) -> None:
    student = contexts(WIDE)
    page = join_as(student, room, "민준", "ko")
    rules = f"/api/rooms/{room['code']}/rules"
    rest(student.base_url, "PATCH", rules, json={"locked": ["learning_rate"]}, headers=room["auth"])
    expect(page.locator("#room-rules")).to_contain_text("학습률", timeout=TIMEOUT_MS)
    # Past the greyed menu (as a keyboard's path or a script might go): the server refuses it.
    page.evaluate("() => window.nnPlayground.run.applySettings({ learning_rate: 0.3 })")
    status = page.locator("#status")
    expect(status).to_contain_text("선생님이 이 수업에서 고정한 설정이라 바꿀 수 없습니다: 학습률")
    expect(status).not_to_contain_text("your teacher")
    expect(page.locator("#learning_rate")).to_have_value("0.03")  # the server's value again
    page.screenshot(path=str(student.screenshot_path("preset-refused-ko-wide.png")))

    rest(student.base_url, "PATCH", rules, json={"paused": True}, headers=room["auth"])
    expect(page.locator("#inspector-step")).to_have_class(re.compile("room-locked"))
    page.evaluate("() => window.nnPlayground.run.step('iteration', { layer: 0, from: 0, to: 0 })")
    expect(status).to_contain_text("선생님이 수업을 잠시 멈췄습니다")
