"""The page when things go wrong or get unusual: divergence, a server restart, the keyboard,
a narrow window, multi-class and regression plots, hovering neurons."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground, RestartableServer

# What Chromium itself logs while the server is down or has forgotten the session.
OUTAGE_ERRORS = [
    re.compile(r"ERR_CONNECTION_REFUSED"),
    re.compile(r"WebSocket connection to .* failed"),
    re.compile(r"Failed to load resource: the server responded with a status of 404"),
]


def test_diverged_run_says_so(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=plane&learning_rate=10&optimizer=sgd&speed=10")
    page.get_by_role("button", name="Play").click()
    status = page.locator("#status")
    expect(status).to_contain_text(re.compile(r"Training diverged at epoch \d+, iteration \d+"))
    expect(status).to_contain_text("lower learning rate")
    expect(page.locator("#plot-overlay")).to_be_visible()
    expect(page.get_by_role("button", name="Play")).to_be_visible()  # the server stopped
    expect(page.locator("#test_loss")).to_have_text("—")
    # The loss chart's y labels (up to ~1e300 here) fit: nothing is drawn in its first pixels.
    page.wait_for_timeout(200)
    left_edge = page.evaluate(
        """() => {
            const canvas = document.getElementById("loss-chart");
            const data = canvas.getContext("2d").getImageData(0, 0, 2, canvas.height).data;
            return data.filter((_, i) => i % 4 === 3).reduce((a, b) => Math.max(a, b), 0);
        }"""
    )
    assert left_edge == 0
    labels = page.evaluate(
        """async () => {
            const { formatNumber } = await import("/static/js/format.js");
            return [3.2e302, 12345, 0.00002, 0.431].map((v) => formatNumber(v, { locale: "en" }));
        }"""
    )
    assert labels == ["3.2\u202f×\u202f10³⁰²", "12,345", "2\u202f×\u202f10⁻⁵", "0.431"]
    playground.screenshot("plane-diverged.png")
    # Following the advice recovers.
    page.get_by_label("Learning rate", exact=True).select_option("0.01")
    page.get_by_role("button", name="Reset the network").click()
    expect(status).not_to_contain_text("diverged")
    expect(page.locator("#plot-overlay")).to_be_hidden()


def test_server_back_without_the_run_starts_a_fresh_one_without_reload(
    own_playground: Playground, restartable_server: RestartableServer
) -> None:
    """A restart keeps the run (test_page_restart.py); a server whose store lost it meanwhile
    gets a fresh one from the page's settings."""
    page = own_playground.page
    own_playground.open("?dataset=moons&hidden_layers=3")
    first_session = own_playground.session_id()
    page.evaluate("window.notReloaded = true")
    own_playground.allowed.extend(OUTAGE_ERRORS)

    restartable_server.stop()
    expect(page.locator("#status")).to_contain_text("Server unavailable")
    expect(page.locator("#connection")).to_have_attribute("data-state", "lost")
    for stored in restartable_server.data_dir.glob("sessions.sqlite3*"):
        stored.unlink()
    restartable_server.start()

    expect(page.locator("#connection")).to_have_attribute("data-state", "open", timeout=20_000)
    expect(page.locator("#status")).to_contain_text("fresh one was started")
    assert page.evaluate("window.notReloaded") is True
    assert own_playground.session_id() != first_session
    config = own_playground.server_config()
    assert config["dataset"] == "moons" and config["hidden_layers"] == [3]
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => document.getElementById('iteration').textContent !== '0'")
    page.get_by_role("button", name="Pause").click()


def test_keyboard_space_plays_and_arrow_steps(playground: Playground) -> None:
    page = playground.page
    playground.open()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#iteration")).to_have_text("1")
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#epoch")).to_have_text("1")
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    iteration = page.locator("#iteration").inner_text()
    # Typing in a field is typing, not a shortcut.
    seed = page.get_by_label("Weight seed", exact=True)
    seed.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    expect(page.locator("#iteration")).to_have_text(iteration)


def test_layout_holds_at_1024_pixels(playground: Playground) -> None:
    page = playground.page
    page.set_viewport_size({"width": 1024, "height": 900})
    playground.open("?hidden_layers=8,8,8,8,8,8,8,8")
    expect(page.locator(".node.unit")).to_have_count(8 * 8 + 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024
    network = page.locator(".network-column").bounding_box()
    output = page.locator(".output-column").bounding_box()
    assert network is not None and output is not None
    assert network["x"] + network["width"] <= output["x"]
    assert output["x"] + output["width"] <= 1024
    right_edges = page.eval_on_selector_all(
        ".node", "nodes => nodes.map(n => n.getBoundingClientRect().right)"
    )
    assert max(right_edges) <= network["x"] + network["width"]
    playground.screenshot("layout-1024-8-layers.png")


def test_multiclass_and_regression_plots(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=spiral3&hidden_layers=8,8&features=x1,x2,sin_x1,sin_x2&speed=50")
    expect(page.locator(".legend-swatch")).to_have_count(3)
    expect(page.locator(".node.unit")).to_have_count(8 + 8 + 3)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 30")
    playground.screenshot("spiral3-playing.png")
    page.get_by_role("button", name="Pause").click()

    page.get_by_label("Problem type", exact=True).select_option("regression")
    expect(page.locator(".dataset:visible")).to_have_count(2 + 1)  # plane, multi gaussian, custom
    expect(page.locator("#legend")).to_contain_text("Predicted value")
    playground.wait_server_config(lambda c: c["dataset"] == "plane")
    expect(page.locator(".metrics .accuracy")).to_be_hidden()
    playground.screenshot("plane-regression.png")


def test_hovering_a_neuron_shows_it_large(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor")
    output = playground.heatmap_pixels()
    page.locator(".node.unit[data-layer='1'][data-unit='0']").hover()
    expect(page.locator("#plot-caption")).to_have_text(re.compile("Showing Neuron 1.1"))
    neuron = playground.heatmap_pixels()
    assert neuron != output
    playground.screenshot("hover-neuron.png")
    page.locator(".node.feature[data-feature=sin_x1]").hover()
    expect(page.locator("#plot-caption")).to_have_text(re.compile("sin"))
    page.mouse.move(5, 5)
    expect(page.locator("#plot-caption")).to_have_text("")
    assert playground.heatmap_pixels() == output
