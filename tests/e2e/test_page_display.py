"""What the page shows of a run, used as a learner would: numbers of any size that fit where
they stand, a gradient panel that says what it has, and a plain word when training is unstable.

Screenshots of the metrics table and the gradient panel go to artifacts/screenshots/.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Locator, Page, expect
from server_process import PROJECT_ROOT

if TYPE_CHECKING:
    from conftest import Playground

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
SCREENSHOTS_AT = (1400, 390)  # page widths, in CSS pixels
UNSTABLE = "Training is unstable"
# Generous: the slowest machine trains these runs in a few seconds.
TRAINING_TIMEOUT_MS = 60_000
SCIENTIFIC = re.compile(r"^-?\d(\.\d+)?\u202f×\u202f10[⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+$")


def set_hidden_layer_size(page: Page, layer: int, size: int) -> None:
    """Press a layer's + or − until it has `size` neurons, as a person would."""
    label = page.get_by_role("group", name=f"Hidden layer {layer}", exact=True).locator(
        ".layer-size"
    )
    for _ in range(20):
        found = re.match(r"\d+", label.inner_text())
        assert found, label.inner_text()
        current = int(found.group())
        if current == size:
            return
        if current < size:
            page.get_by_role("button", name=f"Add a neuron to layer {layer}", exact=True).click()
        else:
            page.get_by_role(
                "button", name=f"Remove a neuron from layer {layer}", exact=True
            ).click()
        expect(label).not_to_have_text(re.compile(rf"^{current}\b"))
    raise AssertionError(f"layer {layer} never reached {size} neurons")


def step_epochs(playground: Playground, epochs: int) -> None:
    """Step one epoch at a time (shift+→) until the epoch counter has grown by `epochs`."""
    page = playground.page
    start = int(playground.number("#epoch"))
    for k in range(1, epochs + 1):
        page.get_by_role("button", name="Step one iteration").focus()
        page.keyboard.press("Shift+ArrowRight")
        page.wait_for_function(
            "(n) => Number(document.getElementById('epoch').textContent.replace(/\\D/g, '')) >= n",
            arg=start + k,
            timeout=TRAINING_TIMEOUT_MS,
        )


def fits(locator: Locator) -> dict[str, Any]:
    """Whether an element's content fits inside it, and inside the page's output column."""
    result: dict[str, Any] = locator.evaluate(
        """(element) => {
            const box = element.getBoundingClientRect();
            const column = element.closest(".output-column").getBoundingClientRect();
            return {
                text: element.textContent,
                scroll: element.scrollWidth,
                client: element.clientWidth,
                inColumn: box.left >= column.left - 0.5 && box.right <= column.right + 0.5,
            };
        }"""
    )
    return result


def screenshot_parts(playground: Playground, name: str, *, status: bool = False) -> None:
    """The metrics table and the gradient panel (and the status line) at each width in
    SCREENSHOTS_AT."""
    page = playground.page
    size = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in SCREENSHOTS_AT:
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(300)  # the charts redraw at their new width
        parts = [("metrics", ".metrics"), ("gradients", ".gradient-panel")]
        for part, selector in parts + ([("status", "#status")] if status else []):
            page.locator(selector).screenshot(path=str(SCREENSHOTS / f"{name}-{part}-{width}.png"))
    if size:
        page.set_viewport_size(size)


def test_a_huge_loss_is_compact_and_fits_its_cell(playground: Playground) -> None:
    page = playground.page
    playground.open()
    page.get_by_label("Problem type", exact=True).select_option("regression")
    page.get_by_role("radio", name="plane").click()
    page.get_by_label("Activation", exact=True).select_option("relu")
    set_hidden_layer_size(page, 1, 8)
    set_hidden_layer_size(page, 2, 8)
    page.get_by_label("Learning rate", exact=True).select_option("1")
    config = playground.wait_server_config(
        lambda c: (
            c["dataset"] == "plane" and c["hidden_layers"] == [8, 8] and c["learning_rate"] == 1
        )
    )
    assert config["activation"] == "relu"
    panel = page.locator(".gradient-panel")
    expect(panel).to_contain_text("appear after the first training step")

    step_epochs(playground, 3)
    train_loss = page.locator("#train_loss")
    expect(train_loss).to_have_text(SCIENTIFIC)
    exact = float(train_loss.get_attribute("data-value") or "nan")
    assert exact > 1e20, exact  # the huge loss this run is known for
    mantissa = float(train_loss.inner_text().split("\u202f")[0])
    assert mantissa == pytest.approx(exact / 10 ** math.floor(math.log10(exact)), abs=0.006)
    for selector in ("#train_loss", "#test_loss"):
        cell = fits(page.locator(selector))
        assert cell["scroll"] <= cell["client"], cell
        assert cell["inColumn"], cell
    table = fits(page.locator(".metrics"))
    assert table["scroll"] <= table["client"] and table["inColumn"], table
    # The panel says what it has: no "appear after" once training happened, a value per layer.
    expect(panel).not_to_contain_text("appear after")
    values = page.locator("#gradient-legend output")
    expect(values).to_have_count(3)
    for value in values.all():
        expect(value).not_to_have_text("—")
    screenshot_parts(playground, "plane-relu-huge-loss")


def test_unstable_training_says_so_and_clears_with_a_smaller_learning_rate(
    playground: Playground,
) -> None:
    page = playground.page
    playground.open()
    page.get_by_role("radio", name="circles").click()
    page.get_by_label("Activation", exact=True).select_option("tanh")
    page.get_by_label("Learning rate", exact=True).select_option("10")
    playground.wait_server_config(
        lambda c: (
            c["dataset"] == "circles" and c["activation"] == "tanh" and c["learning_rate"] == 10
        )
    )
    status = page.locator("#status")
    expect(status).not_to_contain_text(UNSTABLE)
    page.get_by_role("button", name="Play").click()
    expect(status).to_contain_text(UNSTABLE, timeout=TRAINING_TIMEOUT_MS)
    expect(status).to_contain_text("try a lower one")
    expect(status).to_have_attribute("data-tone", "warning")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    screenshot_parts(playground, "circles-unstable", status=True)

    # The remedy: a smaller learning rate. The change starts a new stretch (ready), and the
    # rule, which needs 10 epochs to judge again, finds it stable after those.
    page.get_by_label("Learning rate", exact=True).select_option("0.03")
    playground.wait_server_config(lambda c: c["learning_rate"] == 0.03)
    page.get_by_role("button", name="Step one iteration").click()
    expect(status).not_to_contain_text(UNSTABLE)
    step_epochs(playground, 12)
    expect(status).not_to_contain_text(UNSTABLE)
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    assert session["state"]["status"] == "ready"


def test_gradient_legend_names_each_layer_in_its_own_colour(playground: Playground) -> None:
    page = playground.page
    playground.open()
    for _ in range(4):
        page.get_by_role("button", name="Add a hidden layer").click()
    expect(page.locator(".layer-count")).to_have_text("6")
    for layer in range(1, 7):
        set_hidden_layer_size(page, layer, 8)
    playground.wait_server_config(lambda c: c["hidden_layers"] == [8] * 6)
    step_epochs(playground, 3)

    items = page.locator("#gradient-legend li")
    expect(items).to_have_count(7)
    names = [item.locator("span").inner_text() for item in items.all()]
    assert names[0] == "W1 (input → hidden 1)"
    assert names[1] == "W2 (hidden 1 → hidden 2)"
    assert names[-1] == "W7 (hidden 6 → output)"
    colours = [
        item.locator("i").evaluate("(i) => getComputedStyle(i).backgroundColor")
        for item in items.all()
    ]
    assert len(set(colours)) == 7, colours
    # Every line is drawn: each legend colour appears on the chart.
    drawn = page.evaluate(
        """(colours) => {
            const canvas = document.getElementById("gradient-chart");
            const { width, height } = canvas;
            const data = canvas.getContext("2d").getImageData(0, 0, width, height).data;
            const rgb = colours.map((c) => c.match(/\\d+/g).map(Number));
            return rgb.map(([r, g, b]) => {
                let count = 0;
                for (let i = 0; i < data.length; i += 4) {
                    if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) +
                        Math.abs(data[i + 2] - b) < 24) count++;
                }
                return count;
            });
        }""",
        colours,
    )
    assert all(count > 0 for count in drawn), dict(zip(names, drawn, strict=True))
    expect(page.locator(".gradient-panel h3")).to_contain_text("input side")
    expect(page.locator(".gradient-panel h3")).to_contain_text("output side")
    screenshot_parts(playground, "six-by-eight")


FORMAT_CASES = [7.55883070155099e93, 1e-12, 0.123456, 12345.678, "NaN", None]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["7.56 × 10⁹³", "1 × 10⁻¹²", "0.123", "12,346", "—", "—"]),
        ("ko", ["7.56 × 10⁹³", "1 × 10⁻¹²", "0.123", "12,346", "—", "—"]),
        ("de", ["7,56 × 10⁹³", "1 × 10⁻¹²", "0,123", "12.346", "—", "—"]),
    ],
)
def test_format_module(playground: Playground, locale: str, expected: list[str]) -> None:
    page = playground.page
    playground.open()
    shown = page.evaluate(
        """async ([values, locale]) => {
            const { formatNumber } = await import("/static/js/format.js");
            return values.map((v) => formatNumber(v === "NaN" ? NaN : v, { locale }));
        }""",
        [FORMAT_CASES, locale],
    )
    assert shown == [text.replace(" × ", "\u202f×\u202f") for text in expected]


def test_format_module_follows_the_page_language(playground: Playground) -> None:
    page = playground.page
    playground.open()
    shown = page.evaluate(
        """async () => {
            const format = await import("/static/js/format.js");
            const inPageLanguage = (lang) => {
                document.documentElement.lang = lang;
                return [format.pageLocale(), format.formatNumber(0.5),
                        format.formatPercent(0.9512), format.formatInteger(12345)];
            };
            const german = inPageLanguage("de");
            const korean = inPageLanguage("ko");
            document.documentElement.lang = "en";
            return [german, korean, format.formatNumber(-2.5, { decimals: 3 }),
                    format.formatNumber(1e-4, { shortPowers: true })];
        }"""
    )
    assert shown == [
        ["de", "0,5", "95,1\u00a0%", "12.345"],
        ["ko", "0.5", "95.1%", "12,345"],
        "-2.500",
        "10⁻⁴",
    ]
