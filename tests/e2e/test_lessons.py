"""Lessons in the page, done as a learner does them: clicking and typing, never calling the API;
every step is seen unticked before and ticked after, as the server checks the real run."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Locator, expect

if TYPE_CHECKING:
    from conftest import Playground

# Training to a step's goal takes a number of epochs, not a time: wait as long as a slow
# machine needs.
TRAINED = 60_000
# The epoch counter's digits (any language's grouping stripped) against `n`.
EPOCH_AT_LEAST = (
    "(n) => Number(document.getElementById('epoch').textContent.replace(/\\D/g, '')) >= n"
)


def step(playground: Playground, step_id: str) -> Locator:
    return playground.page.locator(f".lesson-step[data-step='{step_id}']")


def wait_for_epoch(playground: Playground, at_least: int) -> None:
    playground.page.wait_for_function(EPOCH_AT_LEAST, arg=at_least, timeout=TRAINED)


def play_until_passed(playground: Playground, step_id: str, play: str, pause: str) -> None:
    page = playground.page
    expect(step(playground, step_id)).to_have_attribute("data-passed", "false")
    page.get_by_role("button", name=play, exact=True).click()
    expect(step(playground, step_id)).to_have_attribute("data-passed", "true", timeout=TRAINED)
    page.get_by_role("button", name=pause, exact=True).click()
    expect(page.get_by_role("button", name=play, exact=True)).to_be_visible()


def test_perceptron_lesson_in_korean(playground: Playground) -> None:
    page = playground.page
    playground.open("?lesson=perceptron&lang=ko")
    panel = page.locator("#lesson")
    expect(panel).to_be_visible()
    expect(page.locator("#lesson-title")).to_have_text("퍼셉트론")
    for step_id in ("and", "or", "xor_fails"):
        expect(step(playground, step_id)).to_have_attribute("data-passed", "false")
    # The preset is in the page: the AND table, no hidden layer, the perceptron.
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "and")
    expect(page.get_by_label("최적화 방법", exact=True)).to_have_value("perceptron")
    expect(page.locator("#hidden_layers")).to_have_value("")
    # A hint on request; the why stays shut until the step passes.
    first = step(playground, "and")
    first.get_by_role("button", name="힌트").click()
    expect(first.locator(".lesson-hint")).to_be_visible()
    expect(first.get_by_role("button", name="왜 그럴까요?")).to_be_disabled()

    play_until_passed(playground, "and", "재생", "일시 정지")
    # A single layer's boundary is one line: drawn on the plot, and written with its weights.
    expect(page.locator("svg.decision-line")).to_be_visible()
    weights = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")["layers"]
    w1 = weights[0]["weights"][0][0]
    expect(page.locator("#decision-line")).to_contain_text("결정 경계는 직선 하나입니다")
    expect(page.locator("#decision-line")).to_contain_text(f"{abs(w1):.3g}·X₁")
    expect(first.get_by_role("button", name="왜 그럴까요?")).to_be_enabled()
    expect(first.locator(".lesson-why")).to_be_visible()  # opened as it passed
    page.get_by_role("radio", name="OR", exact=True).click()
    play_until_passed(playground, "or", "재생", "일시 정지")
    page.get_by_role("radio", name="XOR 게이트", exact=True).click()
    play_until_passed(playground, "xor_fails", "재생", "일시 정지")
    assert playground.number("#epoch") >= 100
    assert playground.number("#train_accuracy") <= 75
    # A passed step stays passed while the run goes on.
    expect(step(playground, "and")).to_have_attribute("data-passed", "true")
    playground.screenshot("lesson-perceptron-ko-1400.png")

    # The list remembers what was done, in this browser.
    page.locator("#lessons-open").click()
    entry = page.locator(".lesson-pick[data-lesson='perceptron']")
    expect(entry.locator(".lesson-count")).to_have_attribute("data-complete", "true")
    playground.screenshot("lesson-list-ko-1400.png")


def test_xor_lesson_in_english_from_the_list(playground: Playground) -> None:
    page = playground.page
    playground.open()
    page.locator("#lessons-open").click()
    expect(page.locator(".lesson-pick")).to_have_count(9)
    page.locator(".lesson-pick[data-lesson='xor']").click()
    expect(page.locator("#lesson-title")).to_have_text("XOR needs a hidden layer")
    expect(page.locator("#lesson-list")).to_be_hidden()
    expect(page.locator("#decision-line")).to_contain_text("With no hidden layer the boundary")
    expect(page).to_have_url(re.compile(r"[?&]lesson=xor(&|$)"))
    playground.wait_server_config(lambda config: config["dataset"] == "xor_gate")
    expect(page.locator("#hidden_layers")).to_have_value("")
    # Without a hidden layer the step does not pass, however long it trains.
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(playground, 30)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(step(playground, "hidden_layer")).to_have_attribute("data-passed", "false")
    page.locator("#hidden_layers").fill("4")
    page.locator("#hidden_layers").press("Enter")
    playground.wait_server_config(lambda config: config["hidden_layers"] == [4])
    # A hidden layer bends the boundary: no line, drawn or written.
    expect(page.locator("#decision-line")).to_be_hidden()
    expect(page.locator("svg.decision-line")).to_be_hidden()
    play_until_passed(playground, "hidden_layer", "Play", "Pause")
    playground.screenshot("lesson-xor-en-1400.png")
    # Start again: back to the preset, every step unticked.
    page.get_by_role("button", name="Start again").click()
    expect(step(playground, "hidden_layer")).to_have_attribute("data-passed", "false")
    expect(page.locator("#hidden_layers")).to_have_value("")
    # Closing the panel leaves the lesson.
    page.get_by_role("button", name="Close the lesson").click()
    expect(page.locator("#lesson")).to_be_hidden()
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    assert session["lesson"] is None
