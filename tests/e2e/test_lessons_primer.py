"""The primer's other lessons in the page (activations, layers, backprop, vanishing gradients,
the learning rate, epochs and batches, overfitting), done as a learner does them: clicking,
typing and pressing keys, never calling the API to change anything. Every step is seen
unticked before it is done and ticked after, as the server checks the real run.

Training goals are epochs: the tests wait for the tick under a slow machine's deadline. Where
a step wants hundreds of epochs the speed menu's most epochs per frame is chosen (frames then
end on whole epochs, so what the server judges does not depend on the machine's speed); where
a step wants a goal within so many epochs, the run goes one epoch at a time (shift+→).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playwright.sync_api import Locator, Page, expect

if TYPE_CHECKING:
    from conftest import Playground

TRAINED = 60_000  # ms: a slow machine's time for a step's epochs
WIDE = {"width": 1400, "height": 1000}
# Each lesson's steps, in order (app/lessons/builtin/*.toml).
STEPS = {
    "activations": ("linear_stays_straight", "sigmoid_slow", "tanh_faster", "relu_fastest"),
    "layers": ("one_line", "squared_inputs", "hidden_layer", "three_outputs"),
    "backprop": ("one_update", "loss_halves", "small_enough"),
    "vanishing_gradient": ("sigmoid_vanishes", "relu_keeps_flowing"),
    "learning_rate": ("too_big", "too_small", "just_right"),
    "epochs_and_batches": ("fifty_iterations", "five_hundred_updates", "full_batch"),
    "overfitting": ("memorise", "more_data", "regularize"),
}

# What the page calls its controls, in each language.
WORDS = {
    "en": {
        "play": "Play",
        "pause": "Pause",
        "step": "Step one iteration",
        "reset": "Reset the network",
        "add_layer": "Add a hidden layer",
        "add_neuron": "Add a neuron to layer {}",
        "learning_rate": "Learning rate",
        "activation": "Activation",
        "regularization": "Regularization",
        "regularization_rate": "Regularization rate",
        "speed": "Speed",
        "hint": "Hint",
        "why": "Why?",
    },
    "ko": {
        "play": "재생",
        "pause": "일시 정지",
        "step": "반복 1회 학습",
        "reset": "네트워크 초기화",
        "add_layer": "은닉층 추가",
        "add_neuron": "{}번째 은닉층에 뉴런 추가",
        "learning_rate": "학습률",
        "activation": "활성화 함수",
        "regularization": "정규화",
        "regularization_rate": "정규화 강도",
        "speed": "속도",
        "hint": "힌트",
        "why": "왜 그럴까요?",
    },
}


@dataclass
class Learner:
    """A learner in one lesson, in one language, with the page's own controls only."""

    playground: Playground
    lang: str
    lesson: str = ""

    @property
    def page(self) -> Page:
        return self.playground.page

    def word(self, key: str) -> str:
        return WORDS[self.lang][key]

    @classmethod
    def begin(cls, playground: Playground, lang: str, lesson: str) -> Learner:
        """Open the page on `lesson` in `lang`; every one of its steps unticked."""
        steps = STEPS[lesson]
        learner = cls(playground, lang, lesson)
        learner.page.set_viewport_size(WIDE)
        playground.open(f"?lesson={lesson}&lang={lang}")
        expect(learner.page.locator("#lesson")).to_be_visible()
        expect(learner.page.locator(".lesson-step")).to_have_count(len(steps))
        for step_id in steps:
            learner.unticked(step_id)
        return learner

    def step(self, step_id: str) -> Locator:
        return self.page.locator(f".lesson-step[data-step='{step_id}']")

    def unticked(self, step_id: str) -> None:
        expect(self.step(step_id)).to_have_attribute("data-passed", "false")

    def ticked(self, step_id: str) -> None:
        expect(self.step(step_id)).to_have_attribute("data-passed", "true", timeout=TRAINED)
        # Its "why" opens as it passes.
        expect(self.step(step_id).locator(".lesson-why")).to_be_visible()

    def button(self, key: str, *args: object) -> Locator:
        return self.page.get_by_role("button", name=self.word(key).format(*args), exact=True)

    def keys(self, *keys: str) -> None:
        """Press the page's shortcuts, with the focus in no control (a click on a heading)."""
        self.page.locator("#output-title").click()
        for key in keys:
            self.page.keyboard.press(key)

    def reset(self) -> None:
        self.button("reset").click()
        expect(self.page.locator("#epoch")).to_have_text("0")
        expect(self.page.locator("#iteration")).to_have_text("0")

    def screenshot(self) -> None:
        self.playground.screenshot(f"lesson-{self.lesson}-{self.lang}-1400.png")

    def epoch(self) -> int:
        return int(self.playground.number("#epoch"))

    def play(self, *, key: bool = False) -> None:
        if key:
            self.keys("Space")
        else:
            self.button("play").click()
        expect(self.button("pause")).to_be_visible()

    def pause(self, *, key: bool = False) -> None:
        if key:
            self.keys("Space")
        else:
            self.button("pause").click()
        expect(self.button("play")).to_be_visible()

    def play_until(self, step_id: str, *, key: bool = False) -> None:
        self.unticked(step_id)
        self.play(key=key)
        self.ticked(step_id)
        self.pause(key=key)

    def epochs_until(self, step_id: str, most: int) -> int:
        """Step one epoch at a time (shift+→) until the step is ticked, at most `most` epochs;
        the epoch it was ticked at."""
        self.unticked(step_id)
        start = self.epoch()
        for k in range(1, most + 1):
            self.keys("Shift+ArrowRight")
            self.playground.wait_epoch(start + k)
            if self.step(step_id).get_attribute("data-passed") == "true":
                break
        self.ticked(step_id)
        return self.epoch()

    def menu(self, key: str) -> Locator:
        return self.page.get_by_role("combobox", name=self.word(key), exact=True)

    def choose(self, menu: str, option: str) -> None:
        """Pick a menu's option by the name it shows."""
        self.menu(menu).select_option(label=option)

    def fastest(self) -> None:
        """The speed menu's option with the most epochs a frame (the server's list, as the
        page has it); "max" is left alone: how far its frames go depends on the machine."""
        options: list[str] = self.page.locator("#speed option").evaluate_all(
            "(options) => options.map((option) => option.value)"
        )
        per_frame = [(re.fullmatch(r"(\d+)_epoch", value), value) for value in options]
        epochs = [(int(match[1]), value) for match, value in per_frame if match]
        assert epochs, options
        self.menu("speed").select_option(max(epochs)[1])

    def slide(self, slider: str, key: str, shown: str, most: int = 30) -> None:
        """Press `key` on a slider until it shows `shown` (digits compared, any grouping)."""
        digits = re.sub(r"\D", "", shown)
        output = self.page.locator(f"#{slider}_value")
        # Reached from the keyboard (Tab away, Shift+Tab back): a slider focused by a click
        # leaves → to the training shortcuts (static/js/shortcuts.js).
        self.page.locator(f"#{slider}").focus()
        self.page.keyboard.press("Tab")
        self.page.keyboard.press("Shift+Tab")
        expect(self.page.locator(f"#{slider}")).to_be_focused()
        for _ in range(most):
            if re.sub(r"\D", "", output.inner_text()) == digits:
                return
            self.page.keyboard.press(key)
        expect(output).to_have_text(re.compile(rf"^{re.escape(shown)}"))

    def session(self) -> dict[str, object]:
        session: dict[str, object] = self.playground.rest(
            "GET", f"/api/sessions/{self.playground.session_id()}"
        )
        return session


def test_activations_lesson_in_korean(playground: Playground) -> None:
    learner = Learner.begin(playground, "ko", "activations")
    page = playground.page
    expect(page.locator("#lesson-title")).to_have_text("활성화 함수")
    expect(learner.menu("activation")).to_have_value("linear")
    expect(page.locator("#hidden_layers")).to_have_value("8")
    learner.fastest()

    learner.play_until("linear_stays_straight")
    assert learner.epoch() >= 50
    assert playground.number("#train_accuracy") < 80

    learner.choose("activation", "시그모이드")
    expect(page.locator("#epoch")).to_have_text("0")  # a fresh network
    learner.play_until("sigmoid_slow", key=True)
    assert learner.epoch() >= 50

    # Within 50 epochs: one epoch at a time, as the hint says.
    learner.choose("activation", "tanh")
    playground.wait_server_config(lambda config: config["activation"] == "tanh")
    expect(page.locator("#epoch")).to_have_text("0")
    assert learner.epochs_until("tanh_faster", 50) <= 50

    learner.choose("activation", "ReLU")
    playground.wait_server_config(lambda config: config["activation"] == "relu")
    expect(page.locator("#epoch")).to_have_text("0")
    assert learner.epochs_until("relu_fastest", 50) <= 50
    for step_id in ("linear_stays_straight", "sigmoid_slow", "tanh_faster"):
        expect(learner.step(step_id)).to_have_attribute("data-passed", "true")
    learner.screenshot()


def test_layers_lesson_in_english(playground: Playground) -> None:
    learner = Learner.begin(playground, "en", "layers")
    page = playground.page
    expect(page.locator("#hidden_layers")).to_have_value("")
    expect(page.locator(".node.feature.active")).to_have_count(2)
    learner.fastest()

    learner.play_until("one_line", key=True)
    assert learner.epoch() >= 30

    learner.unticked("squared_inputs")
    for feature in ("x1_sq", "x2_sq"):
        page.locator(f".node.feature[data-feature={feature}]").click()
    playground.wait_server_config(
        lambda config: config["features"] == ["x1", "x2", "x1_sq", "x2_sq"]
    )
    learner.play_until("squared_inputs")

    # Back to x1 and x2, and a hidden layer of 8: “Add a hidden layer”, then its +.
    learner.unticked("hidden_layer")
    for feature in ("x1_sq", "x2_sq"):
        page.locator(f".node.feature[data-feature={feature}]").click()
    learner.button("add_layer").click()
    expect(page.locator("#hidden_layers")).not_to_have_value("")
    while page.locator("#hidden_layers").input_value() != "8":
        before = page.locator("#hidden_layers").input_value()
        learner.button("add_neuron", 1).click()
        expect(page.locator("#hidden_layers")).not_to_have_value(before)
    playground.wait_server_config(
        lambda config: config["hidden_layers"] == [8] and config["features"] == ["x1", "x2"]
    )
    learner.play_until("hidden_layer")

    learner.unticked("three_outputs")
    last = learner.step("three_outputs")
    last.get_by_role("button", name=learner.word("hint")).click()
    expect(last.locator(".lesson-hint")).to_contain_text("data column")
    expect(last.get_by_role("button", name=learner.word("why"))).to_be_disabled()
    page.get_by_role("radio", name="spiral3", exact=True).click()
    learner.ticked("three_outputs")
    learner.screenshot()


def test_backprop_lesson_in_korean(playground: Playground) -> None:
    learner = Learner.begin(playground, "ko", "backprop")
    page = playground.page
    expect(page.locator("#gradient-note")).to_contain_text("기울기 크기가 나타납니다")

    learner.unticked("one_update")
    learner.reset()
    learner.keys("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("1")
    learner.ticked("one_update")
    expect(page.locator("#gradient-legend li").first).to_be_visible()

    # Epoch by epoch to half the loss (played, the run could reach the next goal before a
    # pause lands), then played fast to a loss below 0.1.
    learner.epochs_until("loss_halves", 100)
    learner.unticked("small_enough")
    learner.fastest()
    learner.play_until("small_enough", key=True)
    learner.screenshot()


def test_vanishing_gradient_lesson_in_english(playground: Playground) -> None:
    learner = Learner.begin(playground, "en", "vanishing_gradient")
    page = playground.page
    expect(page.locator("#hidden_layers")).to_have_value("8, 8, 8, 8, 8, 8")
    expect(learner.menu("activation")).to_have_value("sigmoid")

    assert learner.epochs_until("sigmoid_vanishes", 1) == 1
    expect(page.locator("#gradient-legend li")).to_have_count(7)

    # The same depth with ReLU: pick the six layers from the shapes menu too, as a learner might.
    learner.choose("activation", "ReLU")
    page.get_by_label("Pick a network shape").select_option(
        label="8, 8, 8, 8, 8, 8: six layers of 8, deep (vanishing gradient)"
    )
    playground.wait_server_config(
        lambda config: config["activation"] == "relu" and config["hidden_layers"] == [8] * 6
    )
    expect(page.locator("#epoch")).to_have_text("0")
    assert learner.epochs_until("relu_keeps_flowing", 1) == 1
    expect(learner.step("sigmoid_vanishes")).to_have_attribute("data-passed", "true")
    learner.screenshot()


def test_learning_rate_lesson_in_korean(playground: Playground) -> None:
    learner = Learner.begin(playground, "ko", "learning_rate")
    page = playground.page
    learner.fastest()

    learner.unticked("too_big")
    learner.choose("learning_rate", "10")
    learner.play_until("too_big")
    expect(page.locator("#status")).to_contain_text(re.compile("불안정|발산"))

    # Reset first, then the rate down: its 50 epochs count from there.
    learner.unticked("too_small")
    learner.reset()
    learner.choose("learning_rate", "0.0001")
    playground.wait_server_config(lambda config: config["learning_rate"] == 0.0001)
    learner.play_until("too_small", key=True)
    assert learner.epoch() >= 50

    learner.unticked("just_right")
    learner.choose("learning_rate", "0.3")
    learner.reset()
    learner.play_until("just_right")
    learner.screenshot()


def test_epochs_and_batches_lesson_in_english(playground: Playground) -> None:
    learner = Learner.begin(playground, "en", "epochs_and_batches")
    page = playground.page
    expect(page.locator("#split-train")).to_have_text("250 training points")

    # 2000 samples × 50 % = 1000 training samples, in batches of 20.
    learner.unticked("fifty_iterations")
    learner.slide("n_samples", "End", "2,000")
    learner.slide("batch_size", "ArrowRight", "20")
    expect(page.locator("#split-train")).to_have_text(re.compile(r"^1,?000 training points$"))
    expect(page.locator("#ipe")).to_have_text("50 iterations / epoch")
    learner.ticked("fifty_iterations")

    learner.unticked("five_hundred_updates")
    learner.reset()
    for epoch in range(1, 11):
        learner.keys("Shift+ArrowRight")
        playground.wait_epoch(epoch)
    expect(page.locator("#epoch")).to_have_text("10")
    expect(page.locator("#iteration")).to_have_text("500")
    learner.ticked("five_hundred_updates")

    learner.unticked("full_batch")
    learner.slide("batch_size", "End", "1,000")
    expect(page.locator("#ipe")).to_have_text("1 iteration / epoch")
    learner.ticked("full_batch")
    learner.screenshot()


def test_overfitting_lesson_in_korean(playground: Playground) -> None:
    learner = Learner.begin(playground, "ko", "overfitting")
    page = playground.page
    expect(page.locator("#split-train")).to_have_text("훈련 데이터 30개")
    learner.fastest()

    page.get_by_label("테스트 데이터 보기").check()
    learner.play_until("memorise")

    # Ten times the data, the same large network.
    learner.unticked("more_data")
    learner.slide("n_samples", "ArrowRight", "1,000")
    expect(page.locator("#split-train")).to_have_text("훈련 데이터 300개")
    learner.play_until("more_data", key=True)

    # Back to 100 samples, L2 at 0.03, a reset and 100 epochs.
    learner.unticked("regularize")
    learner.slide("n_samples", "ArrowLeft", "100")
    expect(page.locator("#split-train")).to_have_text("훈련 데이터 30개")
    learner.choose("regularization", "L2")
    learner.choose("regularization_rate", "0.03")
    playground.wait_server_config(
        lambda config: config["regularization"] == "l2" and config["regularization_rate"] == 0.03
    )
    learner.reset()
    learner.play_until("regularize")
    assert learner.epoch() >= 100
    learner.screenshot()
