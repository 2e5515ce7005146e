"""The page on phones and tablets: no sideways scroll from 360 px up, the columns stacked, touch
targets of about 40 px, and what a mouse's hover shows, a tap shows."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect
from server_process import PROJECT_ROOT

if TYPE_CHECKING:
    from conftest import Playground

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}
TOUCH_TARGET = 38  # CSS px: "about 40"
# What a finger presses on the page, outside the network diagram (whose nodes, links and bias
# marks are drawn to the diagram's scale).
TARGETS = (
    "#reset, #play, #step, .toolbar select, .dataset, #regenerate, .seeds input,"
    " .slider input, .layers-control button, .layer-control button, .toggles label,"
    " .model-io button, .languages button"
)


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def shoot(playground: Playground, name: str, selector: str) -> None:
    """A screenshot of one part of the page (a phone's page is long)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    playground.page.locator(selector).screenshot(path=str(SCREENSHOTS / name))


def fits_the_width(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser_context_args(**PHONE)
@pytest.mark.parametrize("width", [360, 390])
def test_a_phone_gets_one_column_and_no_sideways_scroll(playground: Playground, width: int) -> None:
    page = playground.page
    page.set_viewport_size({"width": width, "height": 844})
    playground.open("?lang=en")
    fits_the_width(page)
    # Data, network, output: one under the other, each within the screen.
    data, network, output = (box(page, f".{name}-column") for name in ("data", "network", "output"))
    assert data["y"] + data["height"] <= network["y"]
    assert network["y"] + network["height"] <= output["y"]
    for column in (data, network, output):
        assert column["x"] >= 0 and column["x"] + column["width"] <= width
    # The plot and the charts take the column's width; the diagram's nodes stay on screen.
    plot = box(page, "#heatmap")
    assert plot["x"] >= 0 and plot["x"] + plot["width"] <= width
    assert plot["width"] > 0.85 * output["width"]
    assert box(page, "#loss-chart")["width"] == pytest.approx(output["width"], abs=1)
    right_edges = page.eval_on_selector_all(
        ".node", "nodes => nodes.map(n => n.getBoundingClientRect().right)"
    )
    assert max(right_edges) <= width
    small = page.eval_on_selector_all(
        TARGETS,
        f"""elements => elements.filter(e => e.offsetParent !== null).map(e => {{
            const r = e.getBoundingClientRect();
            return [e.id || e.className || e.tagName, Math.round(r.width), Math.round(r.height)];
        }}).filter(([, w, h]) => Math.min(w, h) < {TOUCH_TARGET})""",
    )
    assert small == []
    playground.screenshot(f"phone-{width}.png")


@pytest.mark.browser_context_args(**PHONE)
def test_a_wide_network_scrolls_inside_its_own_box(playground: Playground) -> None:
    page = playground.page
    playground.open("?hidden_layers=8,8,8,8,8,8&lang=en")
    expect(page.locator(".node.unit")).to_have_count(6 * 8 + 1)
    fits_the_width(page)
    scroll = page.locator(".net-scroll")
    assert scroll.evaluate("(s) => s.scrollWidth > s.clientWidth")
    # The +/− buttons keep their size: the diagram grows instead of squeezing them.
    sizes = page.eval_on_selector_all(
        ".layer-control button", "buttons => buttons.map(b => b.getBoundingClientRect().width)"
    )
    assert min(sizes) >= TOUCH_TARGET
    scroll.evaluate("(s) => { s.scrollLeft = s.scrollWidth; }")
    fits_the_width(page)
    output_unit = box(page, ".node.unit[data-layer='7'][data-unit='0']")
    assert output_unit["x"] + output_unit["width"] <= 390
    shoot(playground, "phone-390-wide-network.png", ".network-column")


def link_point(page: Page, layer: int, source: int, target: int) -> dict[str, float]:
    """A point (page viewport px) on a link where the link is what a finger touches."""
    point: dict[str, float] | None = page.evaluate(
        """([layer, from, to]) => {
            const path = document.querySelector(
                `.link-hit[data-layer='${layer}'][data-from='${from}'][data-to='${to}']`);
            const box = path.ownerSVGElement.getBoundingClientRect();
            const length = path.getTotalLength();
            for (let f = 0.5; f > 0.05; f -= 0.05) {
                for (const at of [f, 1 - f]) {
                    const p = path.getPointAtLength(at * length);
                    const x = box.left + p.x, y = box.top + p.y;
                    if (document.elementFromPoint(x, y) === path) return { x, y };
                }
            }
            return null;
        }""",
        [layer, source, target],
    )
    assert point is not None, "no point of the link is free to tap"
    return point


@pytest.mark.browser_context_args(**PHONE)
def test_a_tap_shows_what_a_hover_shows(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor&lang=en")
    caption = page.locator("#plot-caption")
    output = playground.heatmap_pixels()
    neuron = page.locator(".node.unit[data-layer='1'][data-unit='0']")
    neuron.scroll_into_view_if_needed()
    neuron.tap()
    # The preview stays after the finger lifts (a hover would end there).
    expect(caption).to_have_text(re.compile("Showing Neuron 1.1"))
    page.wait_for_timeout(300)
    expect(caption).to_have_text(re.compile("Showing Neuron 1.1"))
    assert playground.heatmap_pixels() != output
    expect(page.locator("#legend")).to_contain_text("Neuron 1.1")
    playground.screenshot("phone-390-tapped-neuron.png")
    shoot(playground, "phone-390-tapped-neuron-network.png", ".network-column")
    shoot(playground, "phone-390-tapped-neuron-output.png", ".output-column")
    # Another neuron takes its place; the same one again gives the output back.
    page.locator(".node.unit[data-layer='2'][data-unit='1']").tap()
    expect(caption).to_have_text(re.compile("Showing Neuron 2.2"))
    page.locator(".node.unit[data-layer='2'][data-unit='1']").tap()
    expect(caption).to_have_text("")
    assert playground.heatmap_pixels() == output

    # A link: its value, in the editor (as a click does with a mouse).
    point = link_point(page, 0, 1, 2)
    page.touchscreen.tap(point["x"], point["y"])
    editor = page.get_by_label("New weight for X₂ → Neuron 1.3")
    expect(editor).to_be_visible()
    model = playground.rest("GET", f"/api/sessions/{playground.session_id()}/model")
    assert float(editor.input_value()) == pytest.approx(
        model["layers"][0]["weights"][1][2], abs=1e-4
    )
    fits_the_width(page)
    playground.screenshot("phone-390-tapped-link.png")
    shoot(playground, "phone-390-tapped-link-network.png", ".network-column")
    # A tap elsewhere puts it away; a tap on a neuron, then elsewhere, clears the preview too.
    page.locator("#network-title").tap()
    expect(editor).to_be_hidden()
    neuron.tap()
    expect(caption).to_have_text(re.compile("Showing Neuron 1.1"))
    page.locator("#network-title").tap()
    expect(caption).to_have_text("")

    # A bias (the small square by a neuron): its value in the editor too.
    page.locator(".bias[data-layer='1'][data-neuron='0']").tap()
    bias_editor = page.get_by_label("New bias for Neuron 2.1")
    expect(bias_editor).to_be_visible()
    assert float(bias_editor.input_value()) == pytest.approx(
        model["layers"][1]["biases"][0], abs=1e-4
    )
    page.locator("#output-title").tap()
    expect(bias_editor).to_be_hidden()

    # A chart: the values under the finger, until a tap elsewhere.
    for count in ("1", "2", "3"):
        page.locator("#step").tap()
        expect(page.locator("#iteration")).to_have_text(count)
    chart = page.locator("#loss-chart")
    chart.scroll_into_view_if_needed()
    plain = chart.evaluate("(c) => c.toDataURL()")
    chart.tap()
    page.wait_for_timeout(300)
    assert chart.evaluate("(c) => c.toDataURL()") != plain
    page.locator("#output-title").tap()
    page.wait_for_function(
        "([plain]) => document.getElementById('loss-chart').toDataURL() === plain", arg=[plain]
    )


@pytest.mark.parametrize("width", [768, 1024, 1400])
def test_tablets_and_desktops(playground: Playground, width: int) -> None:
    page = playground.page
    page.set_viewport_size({"width": width, "height": 1000})
    playground.open("?lang=en")
    fits_the_width(page)
    data, network, output = (box(page, f".{name}-column") for name in ("data", "network", "output"))
    assert data["x"] + data["width"] <= network["x"]
    assert output["x"] + output["width"] <= width
    plot: dict[str, Any] = page.eval_on_selector(
        ".plot", "(p) => ({width: p.clientWidth, canvas: p.firstElementChild.clientWidth})"
    )
    if width < 1000:
        # A tablet: the output under the data and the network, its plot beside its numbers.
        assert network["y"] + network["height"] <= output["y"]
        assert box(page, "#heatmap")["x"] > box(page, "#loss-chart")["x"] + 200
    else:
        # Three columns, the plot 300 px a side (and its axis), as ever.
        assert network["x"] + network["width"] <= output["x"]
        assert plot == {"width": 300, "canvas": 300 + 26 + 6}
    playground.screenshot(f"layout-{width}.png")
