"""The teacher ends a challenge from the board, in a real browser: no one's run restarts, a
student's banner stops showing it, and the board keeps where everyone stood, in English and
Korean, on a projector and a phone (artifacts/screenshots/board-challenge-ended-*.png)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from test_board import SIZES, TIMEOUT_MS, rest
from test_challenge import open_board, seat, start_challenge, train
from test_room_rules import WIDE, contexts, join_as, room

__all__ = ["contexts", "room"]  # the fixtures, shared with the rules' test


def test_the_board_ends_the_challenge_and_keeps_the_results(
    live_server: str, room: dict[str, Any], contexts: Any
) -> None:
    start_challenge(live_server, room, "xor_fewest")
    student = contexts(WIDE)
    page = join_as(student, room, "민준", "ko")
    expect(page.locator("#room-challenge")).to_be_visible(timeout=TIMEOUT_MS)
    sessions = {name: seat(live_server, room, name) for name in ("Sara", "陈")}
    train(live_server, sessions["Sara"], {"hidden_layers": [2], "seed": 3}, 300)
    epoch = rest(live_server, "GET", f"/api/sessions/{sessions['Sara']}")["state"]["epoch"]

    teacher = contexts(WIDE)
    board = open_board(teacher, room, 1400, "en")
    end = board.locator("#challenge-end")
    expect(end).to_have_text("End the challenge")
    end.click()  # no confirmation: nothing restarts
    expect(board.locator("#challenge-message")).to_have_text(
        "Challenge ended. Everyone's run goes on as it was."
    )
    expect(end).to_be_hidden(timeout=TIMEOUT_MS)
    expect(board.locator("#challenge-title")).to_contain_text("Ended: ")
    results = board.locator("#challenge-results li")
    expect(results).to_have_count(3)
    expect(results.first).to_contain_text("#1 Sara")
    expect(results.nth(1)).to_contain_text("Not yet")
    expect(board.locator(".board-tile .tile-rank:visible")).to_have_count(0)
    expect(page.locator("#room-challenge")).to_be_hidden(timeout=TIMEOUT_MS)
    assert rest(live_server, "GET", f"/api/sessions/{sessions['Sara']}")["state"]["epoch"] == epoch

    for lang in ("en", "ko"):
        if lang == "ko":
            board.click("#board-languages [data-lang=ko]")
            expect(board.locator("#challenge-title")).to_contain_text("끝난 도전 과제: ")
            expect(results.first).to_contain_text("1위 Sara")
            expect(board.locator("#challenge-end")).to_have_text("도전 과제 끝내기")
        for width in (1400, 390):
            board.set_viewport_size(SIZES[width])
            name = f"board-challenge-ended-{lang}-{width}.png"
            board.screenshot(path=str(teacher.screenshot_path(name)), full_page=True)
    board.reload()  # the results are the room's, not the page's
    expect(board.locator("#challenge-results li")).to_have_count(3, timeout=TIMEOUT_MS)
