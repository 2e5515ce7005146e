"""The playground page in a real browser against a real server: what a person sees and does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Playground

FEATURE_COUNT = 7
CLASSIFICATION_SETS = 10 + 1  # and the person's own ("custom"), offered for either problem


def changed_fraction(before: list[int], after: list[int]) -> float:
    assert len(before) == len(after) > 0
    return sum(1 for a, b in zip(before, after, strict=True) if abs(a - b) > 8) / len(before)


def test_page_loads_with_everything_drawn(playground: Playground) -> None:
    page = playground.page
    playground.open()
    expect(page).to_have_title(re.compile("nn-playground"))
    # Every setting is written into the address, defaults included.
    assert "dataset=circles" in page.url and "hidden_layers=4,2" in page.url
    expect(page.locator(".node.feature")).to_have_count(FEATURE_COUNT)
    expect(page.locator(".node.feature.active")).to_have_count(2)
    expect(page.locator(".node.unit")).to_have_count(4 + 2 + 1)
    expect(page.locator(".link-hit")).to_have_count(2 * 4 + 4 * 2 + 2 * 1)
    # Classification picker shows every classification set; previews get drawn.
    expect(page.locator(".dataset:visible")).to_have_count(CLASSIFICATION_SETS)
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "circles")
    expect(page.locator("#legend")).to_contain_text("p(class 1)")
    expect(page.locator("#ipe")).to_have_text("25 iterations / epoch")
    # Controls carry names a screen reader can read.
    for control in ["learning_rate", "activation", "optimizer", "regularization", "speed"]:
        expect(page.get_by_label(re.compile(control.replace("_", " "), re.I)).first).to_be_visible()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # The plot is painted, not blank: orange and blue both appear.
    pixels = playground.heatmap_pixels()
    reds = pixels[0::3]
    blues = pixels[2::3]
    assert max(r - b for r, b in zip(reds, blues, strict=True)) > 60  # orange somewhere
    assert max(b - r for r, b in zip(reds, blues, strict=True)) > 60  # blue somewhere
    playground.screenshot("at-rest-circles.png")


def test_play_on_xor_learns_and_repaints(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor&speed=100")
    before = playground.heatmap_pixels()
    page.get_by_role("button", name="Play").click()
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.wait_for_function(
        "() => parseFloat(document.getElementById('test_loss').dataset.value) < 0.1",
        timeout=60_000,
    )
    assert playground.number("#epoch") > 0
    assert changed_fraction(before, playground.heatmap_pixels()) > 0.2
    playground.screenshot("xor-playing.png")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    assert session["state"]["test_loss"] < 0.1


def test_layers_and_neurons_change_drawing_and_server(playground: Playground) -> None:
    page = playground.page
    playground.open()
    units = page.locator(".node.unit")
    expect(units).to_have_count(7)
    page.get_by_role("button", name="Add a hidden layer").click()
    expect(page.locator(".layer-count")).to_have_text("3")
    expect(units).to_have_count(4 + 2 + 2 + 1)
    playground.wait_server_config(lambda c: c["hidden_layers"] == [4, 2, 2])
    page.get_by_role("button", name="Add a neuron to layer 1").click()
    expect(units).to_have_count(5 + 2 + 2 + 1)
    expect(page.locator(".link-hit")).to_have_count(2 * 5 + 5 * 2 + 2 * 2 + 2 * 1)
    playground.wait_server_config(lambda c: c["hidden_layers"] == [5, 2, 2])
    assert "hidden_layers=5,2,2" in page.url
    # Toggling a feature feeds it in.
    page.locator(".node.feature[data-feature=x1_x2]").click()
    expect(page.locator(".node.feature.active")).to_have_count(3)
    playground.wait_server_config(lambda c: c["features"] == ["x1", "x2", "x1_x2"])
    page.get_by_role("button", name="Remove a hidden layer").click()
    playground.wait_server_config(lambda c: c["hidden_layers"] == [5, 2])
    expect(units).to_have_count(5 + 2 + 1)


def test_activation_change_rebuilds(playground: Playground) -> None:
    page = playground.page
    playground.open()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("2")
    weights_before = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")
    page.get_by_label("Activation", exact=True).select_option("relu")
    expect(page.locator("#status")).to_contain_text("Network rebuilt")
    expect(page.locator("#iteration")).to_have_text("0")
    config = playground.wait_server_config(lambda c: c["activation"] == "relu")
    assert config["hidden_layers"] == [4, 2]
    weights_after = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")
    assert weights_after["layers"] != weights_before["layers"]
    # A live setting does not rebuild: counters keep running.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("1")
    page.get_by_label("Learning rate", exact=True).select_option("0.1")
    playground.wait_server_config(lambda c: c["learning_rate"] == 0.1)
    expect(page.locator("#iteration")).to_have_text("1")


def test_clicking_a_link_and_typing_sets_the_weight(playground: Playground) -> None:
    page = playground.page
    playground.open()
    link = page.locator(".link-hit[data-layer='0'][data-from='1'][data-to='2']")
    link.hover()
    expect(page.locator(".net-tooltip")).to_contain_text("Weight X₂ → Neuron 1.3")
    link.click()
    editor = page.get_by_label("New weight for X₂ → Neuron 1.3")
    expect(editor).to_be_focused()
    editor.fill("2.5")
    editor.press("Enter")
    expect(editor).to_be_hidden()

    def weight() -> float:
        model = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")
        return float(model["layers"][0]["weights"][1][2])

    for _ in range(50):
        if weight() == 2.5:
            break
        page.wait_for_timeout(100)
    assert weight() == 2.5
    # The hover read-out follows the new value, and so does a bias edit.
    link.hover()
    expect(page.locator(".net-tooltip")).to_contain_text("2.500")
    page.locator(".bias[data-layer='1'][data-neuron='0']").click()
    bias_editor = page.get_by_label("New bias for Neuron 2.1")
    bias_editor.fill("-1.25")
    bias_editor.press("Enter")
    for _ in range(50):
        model = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")
        if model["layers"][1]["biases"][0] == -1.25:
            break
        page.wait_for_timeout(100)
    assert model["layers"][1]["biases"][0] == -1.25


SETTINGS = (
    "?dataset=spiral&noise=0.1&train_ratio=0.7&batch_size=5&seed=7&data_seed=3"
    "&features=x1,x2,sin_x1&hidden_layers=3,5&activation=relu&learning_rate=0.1"
    "&optimizer=adam&regularization=l2&regularization_rate=0.001&speed=25"
    "&show_test=1&discretize=1"
)
EXPECTED = {
    "dataset": "spiral", "noise": 0.1, "train_ratio": 0.7, "batch_size": 5, "seed": 7,
    "data_seed": 3, "features": ["x1", "x2", "sin_x1"], "hidden_layers": [3, 5],
    "activation": "relu", "learning_rate": 0.1, "optimizer": "adam", "regularization": "l2",
    "regularization_rate": 0.001,
}  # fmt: skip


def check_settings_shown(playground: Playground) -> None:
    page = playground.page
    expect(page.get_by_label("Activation", exact=True)).to_have_value("relu")
    expect(page.get_by_label("Learning rate", exact=True)).to_have_value("0.1")
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("adam")
    expect(page.get_by_label("Regularization", exact=True)).to_have_value("l2")
    expect(page.get_by_label("Regularization rate", exact=True)).to_have_value("0.001")
    expect(page.get_by_label("Speed", exact=True)).to_have_value("25")
    expect(page.locator("#noise_value")).to_have_text("10%")
    expect(page.locator("#train_ratio_value")).to_have_text("70%")
    expect(page.locator("#batch_size_value")).to_have_text("5")
    expect(page.get_by_label("Show test data")).to_be_checked()
    expect(page.get_by_label("Discretize output")).to_be_checked()
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "spiral")
    expect(page.locator(".node.feature.active")).to_have_count(3)
    expect(page.locator(".node.unit")).to_have_count(3 + 5 + 1)
    config = playground.server_config()
    assert {key: config[key] for key in EXPECTED} == EXPECTED


def test_url_settings_restore_and_survive_reload(
    playground: Playground, new_tab: Callable[[], Playground]
) -> None:
    page = playground.page
    playground.open(SETTINGS)
    check_settings_shown(playground)
    first_session = playground.session_id()
    first_model = playground.rest("GET", f"/api/sessions/{first_session}/model")["layers"]
    # Same seeds, same network: a copied link, opened in a tab of its own, reproduces the run.
    copied = new_tab()
    copied.page.goto(page.url)
    copied.wait_live()
    check_settings_shown(copied)
    assert copied.session_id() != first_session
    second_model = copied.rest("GET", f"/api/sessions/{copied.session_id()}/model")
    assert second_model["layers"] == first_model
    copied.page.close()
    # A reload keeps this tab's run (tests/e2e/test_page_reload.py) and the link's settings.
    page.reload()
    playground.wait_live()
    check_settings_shown(playground)
    assert playground.session_id() == first_session
    # A change made in the page lands in the address, and survives a reload.
    page.get_by_label("Activation", exact=True).select_option("tanh")
    expect(page).to_have_url(re.compile("activation=tanh"))
    page.reload()
    playground.wait_live()
    expect(page.get_by_label("Activation", exact=True)).to_have_value("tanh")
    playground.wait_server_config(lambda c: c["activation"] == "tanh")


def test_data_controls_reach_the_server(playground: Playground) -> None:
    page = playground.page
    playground.open()
    noise = page.get_by_role("slider", name=re.compile("Noise"))
    noise.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#noise_value")).to_have_text("10%")
    playground.wait_server_config(lambda c: c["noise"] == 0.1)
    batch = page.get_by_role("slider", name=re.compile("Batch size"))
    batch.focus()
    for _ in range(3):  # the slider's sizes: 10, 12, 15, 20
        page.keyboard.press("ArrowRight")
    expect(page.locator("#batch_size_value")).to_have_text("20")
    playground.wait_server_config(lambda c: c["batch_size"] == 20)
    expect(page.locator("#ipe")).to_have_text("13 iterations / epoch")
    data_before = playground.rest("GET", f"/api/sessions/{playground.session_id()}/data")
    page.get_by_role("button", name="Regenerate").click()
    config = playground.wait_server_config(lambda c: c["data_seed"] != 0)
    assert f"data_seed={config['data_seed']}" in page.url
    data_after = playground.rest("GET", f"/api/sessions/{playground.session_id()}/data")
    assert data_after["train"]["x"] != data_before["train"]["x"]
    # Picking another data set redraws the points; discretize and test points repaint.
    page.get_by_role("radio", name="gaussian").click()
    playground.wait_server_config(lambda c: c["dataset"] == "gaussian")
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "gaussian")
    smooth = playground.settled_pixels()
    page.get_by_label("Discretize output").check()
    expect(page).to_have_url(re.compile("discretize=1"))
    playground.wait_pixels_change(smooth)
    discretized = playground.settled_pixels()
    page.get_by_label("Show test data").check()
    expect(page).to_have_url(re.compile("show_test=1"))
    playground.wait_pixels_change(discretized)
    with_test = playground.settled_pixels()
    page.get_by_label("Show test data").uncheck()
    playground.wait_pixels_change(with_test)
