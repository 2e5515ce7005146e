"""The two views of one iteration, used as a learner would: the mini-batch of a single step
ringed on the plot and named under it, and the step inspector's numbers for one weight.

Screenshots at 1400 and 390 CSS pixels go to artifacts/screenshots/.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Page, expect
from server_process import PROJECT_ROOT

if TYPE_CHECKING:
    from conftest import Playground

# 100 training points at batch size 20: five iterations per epoch.
RUN = "?dataset=xor&n_samples=200&train_ratio=0.5&batch_size=20&hidden_layers=4&seed=2"
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def shown_number(page: Page, selector: str) -> float:
    """A number as the page writes it: "0.412780", "-1,234.5", "-8.31559 × 10⁻⁵"."""
    text = page.locator(selector).inner_text().replace(",", "").replace("−", "-")
    mantissa, times, power = text.partition("\u202f×\u202f10")
    value = float(mantissa)
    return value * 10 ** int(power.translate(SUPERSCRIPT)) if times else value


def rings(page: Page) -> int:
    count: int = page.evaluate("() => document.querySelectorAll('.batch-rings circle').length")
    return count


def test_a_single_step_rings_its_batch_and_an_epoch_step_clears_it(
    playground: Playground,
) -> None:
    page = playground.page
    playground.open(RUN)
    note = page.locator("#batch-note")
    expect(note).to_be_hidden()
    page.get_by_role("button", name="Step one iteration").click()
    expect(note).to_have_text(
        "Iteration 1 of 5 in epoch 1: these 20 points (ringed) made this update."
    )
    assert rings(page) == 20
    page.get_by_role("button", name="Step one iteration").click()
    expect(note).to_contain_text("Iteration 2 of 5 in epoch 1")
    page.keyboard.press("Shift+ArrowRight")  # the rest of the epoch
    expect(note).to_be_hidden()
    assert rings(page) == 0
    playground.screenshot("inspector-batch-cleared-1400.png")


def test_the_inspector_shows_the_update_of_the_weight_picked(playground: Playground) -> None:
    page = playground.page
    page.set_viewport_size({"width": 1400, "height": 1100})
    playground.open(RUN)
    # A click on a link of the diagram picks it (and opens the link's editor; Esc closes it).
    link = page.locator('.link-hit[data-layer="0"][data-from="1"][data-to="2"]')
    link.click(force=True)
    page.keyboard.press("Escape")
    expect(page.locator("#inspector-layer")).to_have_value("0")
    expect(page.locator("#inspector-from")).to_have_value("1")
    expect(page.locator("#inspector-to")).to_have_value("2")
    expect(page.locator(".inspector-weight")).to_have_text("W1: X₂ → Neuron 1.3")

    page.locator("#inspector-step").click()
    expect(page.locator(".inspector-weight")).to_have_text("W1: X₂ → Neuron 1.3, update 1")
    expect(page.locator("#inspector-rule")).to_be_visible()
    expect(page.locator("#batch-note")).to_contain_text("Iteration 1 of 5 in epoch 1")
    check_rule(page)
    playground.screenshot("inspector-1400.png")

    # The toolbar's step reports on the weight picked too; another one from the menus.
    page.locator("#inspector-layer").select_option("1")
    page.locator("#inspector-from").select_option("3")
    expect(page.locator("#inspector-rule")).to_be_hidden()
    page.get_by_role("button", name="Step one iteration").click()
    expect(page.locator(".inspector-weight")).to_have_text("W2: Neuron 1.4 → Output, update 2")
    expect(page.locator("#inspector-rule")).to_be_visible()
    expect(page.locator("#batch-note")).to_contain_text("Iteration 2 of 5 in epoch 1")
    check_rule(page)


def check_rule(page: Page) -> None:
    """new = value − rate × gradient, from the numbers on screen (6 significant digits)."""
    value = shown_number(page, "#inspector-value")
    gradient = shown_number(page, "#inspector-gradient")
    rate = shown_number(page, "#inspector-rate")
    after = shown_number(page, "#inspector-after")
    assert rate == 0.03 and gradient != 0 and after != value
    assert abs(after - (value - rate * gradient)) <= 1e-5 * (abs(value) + abs(after)) + 1e-9
    rule = page.locator("#inspector-rule").inner_text()
    assert rule.startswith("w − η × ∂L/∂w = ") and rule.endswith(
        page.locator("#inspector-after").inner_text()
    )


def test_in_korean_and_on_a_phone_with_momentum(playground: Playground) -> None:
    page = playground.page
    page.set_viewport_size({"width": 390, "height": 900})
    playground.open(f"{RUN}&optimizer=momentum&lang=ko")
    inspector = page.locator("#step-inspector")
    expect(inspector.locator("h3")).to_have_text("한 걸음 들여다보기")
    page.locator("#inspector-from").select_option("0")
    inspector.get_by_role("button", name="한 번 학습").click()
    expect(page.locator("#batch-note")).to_have_text(
        "에포크 1의 반복 5번 중 1번째: 동그라미 친 점 20개로 이번 갱신을 했습니다."
    )
    assert rings(page) == 20
    note = page.locator("#inspector-note")
    expect(note).to_contain_text("모멘텀은")
    expect(page.locator("#inspector-rule")).to_be_hidden()
    # Plain SGD's rule does not hold under momentum, and the page says by how much.
    inspector.get_by_role("button", name="한 번 학습").click()
    expect(page.locator("#batch-note")).to_contain_text("2번째")
    text = note.inner_text()
    assert re.search(r"v ← μ·v − η·∂L/∂w = 0\.9 × ", text), text
    box = inspector.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    playground.screenshot("inspector-ko-390.png")
    inspector.screenshot(path=str(SCREENSHOTS / "inspector-panel-ko-390.png"))
    page.locator(".plot").screenshot(path=str(SCREENSHOTS / "inspector-plot-ko-390.png"))
    # Back to English: the words follow, the numbers stay.
    page.get_by_role("button", name="English").click()
    expect(inspector.locator("h3")).to_have_text("Step inspector")
    expect(note).to_contain_text("Momentum does not just subtract")
    expect(page.locator("#batch-note")).to_contain_text("Iteration 2 of 5 in epoch 1")
