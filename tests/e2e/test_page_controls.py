"""Small faults in the page's controls, each pinned by a test: the activation menu with no hidden
layer, the size of a new layer, shift-click and step while playing, the keys a focused control
keeps or gives back, a status line that moves nothing, and points on the plot's edge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground

INSET = 6  # CSS px from the plot canvas's top left corner to the plot's


def test_no_hidden_layer_disables_the_activation_menu_and_says_why(playground: Playground) -> None:
    page = playground.page
    playground.open("?hidden_layers=4&lang=en")
    activation = page.get_by_label("Activation", exact=True)
    expect(activation).to_be_enabled()
    expect(page.locator("#activation-rule")).to_be_hidden()
    page.get_by_role("button", name="Remove a hidden layer").click()
    playground.wait_server_config(lambda c: c["hidden_layers"] == [])
    expect(activation).to_be_disabled()
    reason = "No hidden layer: the output layer's function follows the problem"
    expect(page.locator("#activation-rule")).to_be_visible()
    expect(activation).to_have_accessible_description(reason)
    expect(page.locator(".field:has(#activation)")).to_have_attribute("title", reason)
    # The note stands clear of the optimizer's (the perceptron's rule shows beside it).
    page.get_by_label("Optimizer", exact=True).select_option("perceptron")
    expect(page.locator("#optimizer-rule")).to_be_visible()
    notes = [page.locator(f"#{name}-rule").bounding_box() for name in ("activation", "optimizer")]
    assert notes[0] is not None and notes[1] is not None
    assert notes[0]["x"] + notes[0]["width"] <= notes[1]["x"]
    playground.screenshot("activation-without-hidden-layers.png")
    page.get_by_label("Optimizer", exact=True).select_option("sgd")
    page.get_by_role("button", name="Add a hidden layer").click()
    expect(activation).to_be_enabled()
    expect(page.locator("#activation-rule")).to_be_hidden()
    expect(page.locator(".field:has(#activation)")).to_have_attribute("title", "")


def test_a_new_layer_has_enough_neurons_to_learn_the_xor_gate(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor_gate&hidden_layers=&lang=en")
    page.get_by_role("button", name="Add a hidden layer").click()
    playground.wait_server_config(lambda c: c["hidden_layers"] == [4])
    # A further layer repeats the size of the one before it.
    page.get_by_role("button", name="Add a neuron to layer 1").click()
    page.get_by_role("button", name="Add a hidden layer").click()
    playground.wait_server_config(lambda c: c["hidden_layers"] == [5, 5])
    page.get_by_role("button", name="Remove a hidden layer").click()
    page.get_by_role("button", name="Remove a neuron from layer 1").click()
    playground.wait_server_config(lambda c: c["hidden_layers"] == [4])
    page.get_by_role("button", name="Play").click()
    # Two neurons stop at 75 % here; four learn the gate.
    page.wait_for_function(
        "() => Number(document.getElementById('test_accuracy').dataset.value) === 1",
        timeout=60_000,
    )
    page.get_by_role("button", name="Pause").click()


def test_shift_click_on_step_steps_an_epoch(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=en")
    expect(page.locator("#ipe")).to_have_text("25 iterations / epoch")
    step = page.locator("#step")
    step.click(modifiers=["Shift"])
    expect(page.locator("#epoch")).to_have_text("1")
    expect(page.locator("#iteration")).to_have_text("25")
    step.click()
    expect(page.locator("#iteration")).to_have_text("26")


def test_step_while_playing_pauses_then_steps(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=en")
    expect(page.locator("#ipe")).to_have_text("25 iterations / epoch")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 2")
    page.locator("#step").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # Playing trains whole epochs a frame (the default speed), so the pause falls at an epoch's
    # end: the step is the one iteration past it.
    page.wait_for_function(
        "() => Number(document.getElementById('iteration').textContent.replace(/,/g, '')) % 25 == 1"
    )
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    iteration = session["state"]["iteration"]
    assert iteration % 25 == 1
    expect(page.locator("#iteration")).to_have_text(f"{iteration:,}")
    # Paused for good: a further step is one more iteration.
    page.wait_for_timeout(300)
    expect(page.locator("#iteration")).to_have_text(f"{iteration:,}")
    page.locator("#step").click()
    expect(page.locator("#iteration")).to_have_text(f"{iteration + 1:,}")


def settled_iteration(playground: Playground) -> int:
    """The iteration the page shows, once it shows the server's."""
    state = playground.rest("GET", f"/api/sessions/{playground.session_id()}")["state"]
    expect(playground.page.locator("#iteration")).to_have_text(f"{state['iteration']:,}")
    return int(state["iteration"])


def test_space_and_right_arrow_stay_with_training(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=en")
    iteration = page.locator("#iteration")
    # A data set clicked keeps the focus, but not the → key.
    page.get_by_role("radio", name="xor", exact=True).click()
    playground.wait_server_config(lambda c: c["dataset"] == "xor")
    page.keyboard.press("ArrowRight")
    expect(iteration).to_have_text("1")
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "xor")
    # A slider dragged, a checkbox clicked: the same.
    page.locator("#noise").click()
    noise = page.locator("#noise").input_value()
    playground.wait_server_config(lambda c: round(c["noise"] * 100) == int(noise))
    shown = settled_iteration(playground)
    page.keyboard.press("ArrowRight")
    expect(iteration).to_have_text(f"{shown + 1:,}")
    assert page.locator("#noise").input_value() == noise
    page.locator("#show_test").click()
    expect(page.locator("#show_test")).to_be_checked()
    expect(page.locator("#show_test")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.locator("#show_test")).to_be_checked()

    # A menu: its arrows still change it; space plays instead of opening it, → steps.
    rate = page.get_by_label("Learning rate", exact=True)
    rate.focus()
    before = rate.input_value()
    page.keyboard.press("ArrowDown")
    expect(rate).not_to_have_value(before)
    chosen = rate.input_value()
    playground.wait_server_config(lambda c: str(c["learning_rate"]) == chosen)
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    shown = settled_iteration(playground)
    page.keyboard.press("ArrowRight")
    expect(iteration).to_have_text(f"{shown + 1:,}")
    expect(rate).to_have_value(chosen)
    expect(rate).to_be_focused()

    # A field one types into keeps every key.
    seed = page.get_by_label("Weight seed", exact=True)
    seed.click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")
    expect(iteration).to_have_text(f"{shown + 1:,}")
    expect(page.get_by_role("button", name="Play")).to_be_visible()

    # From the keyboard, the data sets still move on their arrows.
    page.locator(".dataset[aria-checked=true]").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "gaussian")
    expect(page.locator(".dataset[aria-checked=true]")).to_be_focused()


def test_a_status_message_does_not_move_the_plot(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=en")
    plot = page.locator("#heatmap")
    expect(page.locator("#status")).to_contain_text("Paused")
    before = plot.bounding_box()
    page.get_by_label("Activation", exact=True).select_option("relu")
    expect(page.locator("#status")).to_contain_text("Network rebuilt")
    assert plot.bounding_box() == before
    # The longest ones (an unstable run's) fit too.
    page.evaluate(
        """() => { document.getElementById("status").textContent =
            "Training is unstable: the loss keeps jumping up or will not come down. " +
            "The learning rate is too large for this network — try a lower one."; }"""
    )
    assert plot.bounding_box() == before


def test_points_on_the_plots_edge_are_drawn_whole(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor&lang=en")
    page.get_by_role("radio", name="custom").click()
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#status")).to_contain_text("No points yet")
    page.get_by_role("radio", name="Class 1").click()
    # The top left corner (-6, 6) and the left edge (-6, 0).
    canvas = page.locator("#heatmap")
    canvas.click(position={"x": INSET, "y": INSET})
    canvas.click(position={"x": INSET, "y": INSET + 150})
    expect(page.locator("#custom-count")).to_contain_text("2")
    # Both marks (class 1: blue) reach past the plot's edges into the canvas's margin, which
    # is otherwise empty.
    rgba = page.evaluate(
        """(inset) => {
            const canvas = document.getElementById("heatmap");
            const ratio = window.devicePixelRatio || 1;
            const context = canvas.getContext("2d");
            const at = (x, y) => [...context.getImageData(
                Math.round(x * ratio), Math.round(y * ratio), 1, 1).data];
            return [at(inset - 3, inset), at(inset, inset - 3), at(inset - 3, inset + 150),
                    at(inset - 3, inset + 75)];
        }""",
        INSET,
    )
    for red, _, blue, alpha in rgba[:3]:
        assert alpha == 255 and blue > red + 60, rgba
    assert rgba[3][3] == 0, rgba
    playground.screenshot("custom-points-on-the-edge.png")
