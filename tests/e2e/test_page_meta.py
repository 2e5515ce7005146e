"""The page offers what the server offers: every name, choice and bound on it comes from the
server's tables (GET /api/meta, carried in the page), which come from the engine's
registries and the settings. Also the perceptron, networks of any allowed size, and the
number of samples with the epoch arithmetic it leads to."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Locator, expect
from server_process import PROJECT_ROOT

from app.config import Settings
from app.engine import ACTIVATIONS, DATASETS, FEATURES, OPTIMIZERS, REGULARIZATIONS
from app.services.configs import engine_limits

if TYPE_CHECKING:
    from conftest import Playground

SETTINGS = Settings()  # the shared live server runs with the defaults
LIMITS = engine_limits(SETTINGS)
WIDE = {"width": 1400, "height": 1000}
NARROW = {"width": 390, "height": 844}
REFUSED_LINK = re.compile(r"status of 422")  # Chromium logs the refused POST /api/sessions
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"


def shoot(part: Locator, name: str) -> None:
    """A screenshot of one part of the page."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    part.screenshot(path=str(SCREENSHOTS / name))


def options(playground: Playground, select: str) -> list[str]:
    values: list[str] = playground.page.eval_on_selector_all(
        f"#{select} option", "options => options.map((o) => o.value)"
    )
    return values


def ladder(playground: Playground, slider: str) -> list[int]:
    """The sizes a size slider steps through."""
    values = playground.page.locator(f"#{slider}").get_attribute("data-values")
    assert values, slider
    return [int(v) for v in values.split(",")]


def load_model(playground: Playground, path: Path) -> None:
    with playground.page.expect_file_chooser() as chooser:
        playground.page.get_by_role("button", name="Load model…").click()
    chooser.value.set_files(path)


def api_model(playground: Playground, tmp_path: Path, **config: Any) -> Path:
    """A model made through the API alone, saved as a file the page can load."""
    session = playground.rest("POST", "/api/sessions", json=config)
    document = playground.rest("GET", f"/api/sessions/{session['id']}/model")
    path = tmp_path / "api-model.json"
    path.write_text(json.dumps(document))
    return path


def url_cases() -> dict[str, list[tuple[str, bool]]]:
    """Link values at each bound and one step past it, from the engine and the settings."""
    most_layers, most_neurons = LIMITS.max_hidden_layers, LIMITS.max_neurons
    integer = {
        "n_samples": (LIMITS.min_samples, LIMITS.max_samples),
        "batch_size": (1, LIMITS.max_batch_size),
        "n_classes": (3, 6),
        "seed": (0, LIMITS.max_seed),
        "data_seed": (0, LIMITS.max_seed),
    }
    cases: dict[str, list[tuple[str, bool]]] = {
        name: [(str(low), True), (str(low - 1), False), (str(high), True), (str(high + 1), False)]
        for name, (low, high) in integer.items()
    }
    cases |= {
        "train_ratio": [("0.1", True), ("0.09", False), ("1", True), ("1.01", False)],
        "noise": [("0", True), ("-0.01", False), ("0.5", True), ("0.51", False)],
        "learning_rate": [
            ("0", False), ("0.00001", True),
            (str(LIMITS.max_learning_rate), True), (str(LIMITS.max_learning_rate + 0.01), False),
        ],
        "regularization_rate": [
            ("0", True), (str(LIMITS.max_regularization_rate), True),
            (str(LIMITS.max_regularization_rate + 0.01), False),
        ],
        "hidden_layers": [
            ("", True), (",".join([str(most_neurons)] * most_layers), True),
            (",".join(["1"] * (most_layers + 1)), False), (str(most_neurons + 1), False),
            ("0", False),
        ],
        "features": [(",".join(FEATURES), True), ("", False), ("x1,x1", False)],
        "dataset": [*((name, True) for name in DATASETS), ("nope", False)],
        "activation": [*((name, True) for name in ACTIVATIONS), ("nope", False)],
        "optimizer": [*((name, True) for name in OPTIMIZERS), ("nope", False)],
        "regularization": [*((name, True) for name in REGULARIZATIONS), ("nope", False)],
    }  # fmt: skip
    return cases


def test_the_page_offers_exactly_what_the_server_offers(playground: Playground) -> None:
    page = playground.page
    meta = playground.rest("GET", "/api/meta")
    # The server's document is the engine's registries and the settings in force.
    assert [d["name"] for d in meta["datasets"]] == list(DATASETS)
    assert meta["features"] == list(FEATURES) and meta["activations"] == list(ACTIVATIONS)
    assert [o["name"] for o in meta["optimizers"]] == list(OPTIMIZERS)
    assert meta["regularizations"] == list(REGULARIZATIONS)
    assert meta["bounds"]["neurons"]["max"] == SETTINGS.max_neurons
    assert meta["bounds"]["n_samples"]["max"] == SETTINGS.max_samples

    playground.open()
    assert page.evaluate("JSON.parse(document.getElementById('meta').textContent)") == meta
    # Menus: the server's names and choices, no more, no fewer.
    assert options(playground, "activation") == list(ACTIVATIONS)
    assert options(playground, "optimizer") == list(OPTIMIZERS)  # perceptron included
    assert options(playground, "regularization") == list(REGULARIZATIONS)
    assert [float(v) for v in options(playground, "learning_rate")] == meta["learning_rates"]
    rates = [float(v) for v in options(playground, "regularization_rate")]
    assert rates == meta["regularization_rates"]
    assert options(playground, "speed") == [s["value"] for s in meta["speeds"]]
    assert options(playground, "problem") == sorted({spec.problem for spec in DATASETS.values()})
    assert max(meta["learning_rates"]) <= LIMITS.max_learning_rate
    shown = page.eval_on_selector_all(".dataset", "buttons => buttons.map((b) => b.dataset.name)")
    assert shown == list(DATASETS)
    fed = page.eval_on_selector_all(".node.feature", "nodes => nodes.map((n) => n.dataset.feature)")
    assert fed == list(FEATURES)
    # Sliders and inputs span the server's bounds.
    samples = ladder(playground, "n_samples")
    assert (samples[0], samples[-1]) == (LIMITS.min_samples, LIMITS.max_samples)
    batches = ladder(playground, "batch_size")
    assert batches[0] == 1 and batches[-1] == 250  # the training set: 500 points x 0.5
    for slider, low, high in [("train_ratio", "10", "100"), ("noise", "0", "50")]:
        expect(page.locator(f"#{slider}")).to_have_attribute("min", low)
        expect(page.locator(f"#{slider}")).to_have_attribute("max", high)
    expect(page.locator("#n_classes")).to_have_attribute("min", "3")
    expect(page.locator("#n_classes")).to_have_attribute("max", "6")
    for seed in ["seed", "data_seed"]:
        expect(page.locator(f"#{seed}")).to_have_attribute("max", str(LIMITS.max_seed))
    # A link is read with the same bounds: each one taken, one step past refused.
    cases = url_cases()
    cases["speed"] = [(s["value"], True) for s in meta["speeds"]] + [("7", False)]
    parsed = page.evaluate(
        """async (cases) => {
            const { PROPERTIES } = await import("/static/js/state.js");
            const out = {};
            for (const [name, values] of Object.entries(cases)) {
                const property = PROPERTIES.find((p) => p.name === name);
                out[name] = values.map(([text]) => property.kind.parse(text) !== undefined);
            }
            return out;
        }""",
        cases,
    )
    assert parsed == {name: [ok for _, ok in values] for name, values in cases.items()}


def test_a_perceptron_link_is_kept_and_explains_its_rule(playground: Playground) -> None:
    page = playground.page
    playground.page.set_viewport_size(WIDE)
    playground.open("?dataset=and&optimizer=perceptron&hidden_layers=")
    optimizer = page.get_by_label("Optimizer", exact=True)
    expect(optimizer).to_have_value("perceptron")
    expect(optimizer.locator("option:checked")).to_have_text("Perceptron")
    expect(page).to_have_url(re.compile(r"optimizer=perceptron"))
    expect(page).to_have_url(re.compile(r"hidden_layers=(&|$)"))
    expect(page.locator("#status")).not_to_contain_text("Ignored")
    config = playground.server_config()
    assert (config["optimizer"], config["hidden_layers"]) == ("perceptron", [])
    expect(page.locator("#optimizer-rule")).to_have_text("no hidden layers, two classes only")
    expect(optimizer).to_have_attribute("title", "Perceptron: no hidden layers, two classes only")
    add_layer = page.get_by_role("button", name="Add a hidden layer")
    expect(add_layer).to_be_disabled()
    expect(add_layer).to_have_attribute("title", re.compile("no hidden layers"))
    expect(page.locator(".node.unit")).to_have_count(1)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("1")
    shoot(page.locator(".toolbar"), "perceptron-toolbar-1400.png")
    page.set_viewport_size(NARROW)
    shoot(page.locator(".toolbar"), "perceptron-toolbar-390.png")
    page.set_viewport_size(WIDE)

    # A data set of three classes is the server's to refuse: its reason is shown.
    page.get_by_role("radio", name="spiral3").click()
    expect(page.locator("#status")).to_contain_text("only with no hidden layers and two classes")
    expect(page.locator(".dataset[aria-checked=true]")).to_have_attribute("data-name", "and")
    assert playground.server_config()["dataset"] == "and"


def test_perceptron_with_hidden_layers_gets_the_servers_reason(playground: Playground) -> None:
    page = playground.page
    playground.open()
    page.get_by_label("Optimizer", exact=True).select_option("perceptron")
    expect(page.locator("#status")).to_contain_text(
        "'perceptron' only with no hidden layers and two classes"
    )
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("sgd")
    expect(page).to_have_url(re.compile(r"optimizer=sgd"))
    assert playground.server_config()["optimizer"] == "sgd"

    # A link asking for both: the server refuses it, the page says why and starts without it.
    playground.allowed.append(REFUSED_LINK)
    page.goto(f"{playground.base_url}/?optimizer=perceptron&hidden_layers=3")
    playground.wait_live()
    expect(page.locator("#status")).to_contain_text("The server refused this link's optimizer")
    expect(page.locator("#status")).to_contain_text("only with no hidden layers and two classes")
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("sgd")
    config = playground.server_config()
    assert (config["optimizer"], config["hidden_layers"]) == ("sgd", [3])


def test_a_perceptron_model_file_is_shown_as_a_perceptron(
    playground: Playground, tmp_path: Path
) -> None:
    page = playground.page
    path = api_model(playground, tmp_path, dataset="or", optimizer="perceptron", hidden_layers=[])
    playground.open()
    load_model(playground, path)
    expect(page.locator("#status")).to_contain_text("Loaded the model from api-model.json")
    expect(page.locator("#status")).not_to_contain_text("cannot show")
    expect(page.get_by_label("Optimizer", exact=True)).to_have_value("perceptron")
    expect(page).to_have_url(re.compile(r"optimizer=perceptron"))
    expect(page.locator(".node.unit")).to_have_count(1)


def test_a_16x16_network_from_the_api_is_drawn_as_it_is(
    playground: Playground, tmp_path: Path
) -> None:
    page = playground.page
    path = api_model(playground, tmp_path, hidden_layers=[16, 16])
    playground.open()
    load_model(playground, path)
    expect(page.locator("#status")).to_contain_text("Loaded the model from api-model.json")
    expect(page.locator("#status")).not_to_contain_text("cannot show")
    expect(page.locator(".node.unit")).to_have_count(16 + 16 + 1)
    expect(page.locator(".layer-size")).to_have_text(["16 neurons", "16 neurons"])
    expect(page).to_have_url(re.compile(r"hidden_layers=16,16(&|$)"))
    assert playground.server_config()["hidden_layers"] == [16, 16]

    # The same network from a link.
    playground.open("?hidden_layers=16,16")
    expect(page.locator("#status")).not_to_contain_text("Ignored")
    expect(page.locator(".node.unit")).to_have_count(16 + 16 + 1)


def test_the_largest_network_stays_readable(playground: Playground) -> None:
    page = playground.page
    page.set_viewport_size(WIDE)
    layers, neurons = LIMITS.max_hidden_layers, LIMITS.max_neurons
    hidden = ",".join([str(neurons)] * layers)
    playground.open(f"?hidden_layers={hidden}&features={','.join(FEATURES)}")
    expect(page.locator(".node.unit")).to_have_count(layers * neurons + 1)
    expect(page.get_by_role("button", name="Add a hidden layer")).to_be_disabled()
    expect(page.get_by_role("button", name=re.compile("^Add a neuron"))).to_have_count(layers)
    for add in page.get_by_role("button", name=re.compile("^Add a neuron")).all():
        expect(add).to_be_disabled()
    # Each column's nodes are apart, big enough to show their picture, and the diagram fits
    # on a screen or so.
    boxes = page.eval_on_selector_all(
        ".node.unit",
        "nodes => nodes.map((n) => [n.dataset.layer, n.getBoundingClientRect().toJSON()])",
    )
    columns: dict[str, list[dict[str, float]]] = {}
    for layer, box in boxes:
        columns.setdefault(layer, []).append(box)
    for column in columns.values():
        column.sort(key=lambda box: box["top"])
        for upper, lower in zip(column, column[1:], strict=False):
            assert lower["top"] - upper["bottom"] >= 6, (upper, lower)
        assert all(box["height"] >= 14 for box in column)
    assert page.locator(".net-body").bounding_box()["height"] < 900  # type: ignore[index]
    labels = page.eval_on_selector_all(
        ".layer-control", "groups => groups.map((g) => g.getBoundingClientRect().toJSON())"
    )
    for left, right in zip(labels, labels[1:], strict=False):
        assert left["right"] <= right["left"], (left, right)
    page.get_by_role("button", name="Play").click()
    expect(page.locator("#epoch")).not_to_have_text("0", timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    playground.screenshot("network-8x32-1400.png")
    shoot(page.locator(".net-body"), "network-8x32-diagram.png")


def test_the_primers_example_can_be_set_from_the_controls(playground: Playground) -> None:
    page = playground.page
    page.set_viewport_size(WIDE)
    playground.open("?n_samples=200&train_ratio=0.8&batch_size=5")
    expect(page.locator("#split-train")).to_have_text("160 training points")
    expect(page.locator("#split-batch")).to_have_text("batch 5")
    expect(page.locator("#split-ipe")).to_have_text("32 iterations per epoch")
    expect(page.locator("#split-test")).to_have_text("40 test points")

    # As a learner would: the sample count to its top, the ratio to 50 %, batch 20.
    page.get_by_role("slider", name="Number of samples").focus()
    page.keyboard.press("End")
    expect(page.locator("#n_samples_value")).to_have_text(re.compile(r"^2,?000$"))
    ratio = page.get_by_role("slider", name="Ratio of training to test data")
    ratio.focus()
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    expect(page.locator("#train_ratio_value")).to_have_text("50%")
    page.get_by_role("slider", name="Batch size").focus()
    for _ in range(8):  # 5, 6, 7, 8, 9, 10, 12, 15, 20
        page.keyboard.press("ArrowRight")
    expect(page.locator("#batch_size_value")).to_have_text("20")

    expect(page.locator("#split-train")).to_have_text(re.compile(r"^1,?000 training points$"))
    expect(page.locator("#split-batch")).to_have_text("batch 20")
    expect(page.locator("#split-ipe")).to_have_text("50 iterations per epoch")
    expect(page.locator("#split-test")).to_have_text(re.compile(r"^1,?000 test points$"))
    expect(page.locator("#ipe")).to_contain_text("50")
    config = playground.wait_server_config(lambda c: c["batch_size"] == 20)
    assert (config["n_samples"], config["train_ratio"]) == (2000, 0.5)
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    assert session["state"]["iterations_per_epoch"] == 50
    data = playground.rest("GET", f"/api/sessions/{playground.session_id()}/data")
    assert (len(data["train"]["x"]), len(data["test"]["x"])) == (1000, 1000)
    assert ladder(playground, "batch_size")[-1] == 1000  # up to the whole training set
    shoot(page.locator(".data-column"), "data-primer-1400.png")
    page.set_viewport_size(NARROW)
    shoot(page.locator(".data-column"), "data-primer-390.png")
    page.screenshot(path=str(SCREENSHOTS / "page-primer-390.png"))
    page.set_viewport_size(WIDE)

    # Every point may train: the ratio goes up to the server's 1.0.
    ratio.focus()
    page.keyboard.press("End")
    expect(page.locator("#train_ratio_value")).to_have_text("100%")
    expect(page.locator("#split-train")).to_have_text(re.compile(r"^2,?000 training points$"))
    expect(page.locator("#split-ipe")).to_have_text("100 iterations per epoch")
    expect(page.locator("#split-test")).to_have_text("0 test points")
    playground.wait_server_config(lambda c: c["train_ratio"] == 1.0)
