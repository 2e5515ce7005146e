"""Saving and loading the model from the page, and editing weights from the keyboard."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground


def model(playground: Playground) -> dict[str, Any]:
    document: dict[str, Any] = playground.rest(
        "GET", f"/api/sessions/{playground.session_id()}/model"
    )
    return document


def load(playground: Playground, path: Path) -> None:
    with playground.page.expect_file_chooser() as chooser:
        playground.page.get_by_role("button", name="Load model…").click()
    chooser.value.set_files(path)


def test_download_then_load_restores_the_weights(playground: Playground, tmp_path: Path) -> None:
    page = playground.page
    playground.open("?dataset=moons&hidden_layers=3,2")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("5")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download model").click()
    assert download.value.suggested_filename == "nn-playground-moons-3-2-epoch0.json"
    path = tmp_path / "model.json"
    download.value.save_as(path)
    saved = json.loads(path.read_text())
    assert saved["format"] == "nn-playground.model/1"
    assert saved["layers"] == model(playground)["layers"]

    # Train on: the weights move away from the saved ones.
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#epoch")).to_have_text("1")
    assert model(playground)["layers"] != saved["layers"]
    load(playground, path)
    expect(page.locator("#status")).to_contain_text("Loaded the model from model.json")
    assert model(playground)["layers"] == saved["layers"]

    # A model of another shape takes its shape with it: page, address and server follow.
    other = copy.deepcopy(saved)
    other["config"]["hidden_layers"] = [2]
    other["layers"] = [
        {"weights": [[0.5, -0.5], [0.25, 0.75]], "biases": [0.1, -0.1]},
        {"weights": [[1.5], [-2.0]], "biases": [0.3]},
    ]
    other["layer_sizes"] = [2, 2, 1]
    other_path = tmp_path / "other.json"
    other_path.write_text(json.dumps(other))
    load(playground, other_path)
    expect(page.locator(".node.unit")).to_have_count(2 + 1)
    expect(page).to_have_url(re.compile(r"hidden_layers=2(&|$)"))
    loaded = model(playground)
    assert loaded["config"]["hidden_layers"] == [2]
    assert loaded["layers"] == other["layers"]
    link = page.locator(".link-hit[data-layer='1'][data-from='1'][data-to='0']")
    link.hover()
    expect(page.locator(".net-tooltip")).to_contain_text("-2.000")


def test_a_model_that_does_not_fit_is_refused_with_the_servers_reason(
    playground: Playground, tmp_path: Path
) -> None:
    page = playground.page
    # Chromium logs the refused PUT itself; the page shows the reason instead of failing.
    playground.allowed.append(re.compile(r"status of 422 \(Unprocessable (Entity|Content)\)"))
    playground.open()
    before = model(playground)
    broken = copy.deepcopy(before)
    broken["layers"][0]["weights"] = broken["layers"][0]["weights"][:1]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    load(playground, path)
    status = page.locator("#status")
    expect(status).to_contain_text("The model in broken.json does not fit")
    expect(status).to_contain_text("layers.0.weights: expected 2 x 4 (fan_in x fan_out), got 1 x 4")
    assert model(playground)["layers"] == before["layers"]
    not_json = tmp_path / "notes.json"
    not_json.write_text("weights: lots")
    load(playground, not_json)
    expect(status).to_contain_text("notes.json is not a JSON file")


def test_a_weight_and_a_bias_edited_from_the_keyboard(playground: Playground) -> None:
    page = playground.page
    playground.open()
    diagram = page.locator(".net-body")
    # The diagram is one tab stop after the layer controls; its links and biases are not.
    page.get_by_role("button", name="Remove a neuron from layer 2").focus()
    page.keyboard.press("Tab")
    expect(diagram).to_be_focused()
    stops = page.eval_on_selector_all(
        ".net-body [tabindex], .net-body button",
        "nodes => nodes.filter(n => n.tabIndex >= 0).length",
    )
    assert stops == 7  # the feature toggles only
    tooltip = page.locator(".net-tooltip")
    expect(tooltip).to_contain_text("Weight X₁ → Neuron 1.1")
    page.keyboard.press("ArrowDown")
    expect(tooltip).to_contain_text("Weight X₂ → Neuron 1.1")
    page.keyboard.press("Enter")
    editor = page.get_by_label("New weight for X₂ → Neuron 1.1")
    expect(editor).to_be_focused()
    editor.fill("-2.25")
    editor.press("Enter")
    expect(diagram).to_be_focused()  # back where the person was

    def parameters() -> list[dict[str, Any]]:
        layers: list[dict[str, Any]] = model(playground)["layers"]
        return layers

    for _ in range(50):
        if parameters()[0]["weights"][1][0] == -2.25:
            break
        page.wait_for_timeout(100)
    assert parameters()[0]["weights"][1][0] == -2.25
    expect(tooltip).to_contain_text("-2.250")

    # → moves to the next layer (and does not step the training); End reaches its last bias.
    page.keyboard.press("ArrowRight")
    expect(tooltip).to_contain_text("→ Neuron 2.")
    page.keyboard.press("End")
    expect(tooltip).to_contain_text("Bias Neuron 2.2")
    page.keyboard.press("Enter")
    bias_editor = page.get_by_label("New bias for Neuron 2.2")
    bias_editor.fill("0.75")
    bias_editor.press("Enter")
    for _ in range(50):
        if parameters()[1]["biases"][1] == 0.75:
            break
        page.wait_for_timeout(100)
    assert parameters()[1]["biases"][1] == 0.75
    # Esc leaves the editor without a change.
    page.keyboard.press("Enter")
    page.get_by_label("New bias for Neuron 2.2").fill("9")
    page.keyboard.press("Escape")
    expect(diagram).to_be_focused()
    page.wait_for_timeout(300)
    assert parameters()[1]["biases"][1] == 0.75
    expect(page.locator("#iteration")).to_have_text("0")
    playground.screenshot("keyboard-bias-focused.png")
    # On a feature toggle inside the diagram, → is the page's shortcut again: one step.
    page.locator(".node.feature[data-feature=x1]").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("1")
