"""The activation chart: every activation's f and f′ drawn from the server's numbers, the run's
activation strong and following its menu, a note when no hidden layer uses one, and a panel
that fits a phone in both languages."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect
from server_process import PROJECT_ROOT

from app.engine import ACTIVATIONS

if TYPE_CHECKING:
    from conftest import Playground

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
CATALOGUES = {
    lang: json.loads((PROJECT_ROOT / "static" / "i18n" / f"{lang}.json").read_text("utf-8"))
    for lang in ("en", "ko")
}
PANEL = "#activation-curves"
CHART = "#activation-chart"

# Opaque pixels of the canvas, and those of one colour drawn at full strength.
PIXELS = """([id, rgb]) => {
  const canvas = document.getElementById(id);
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0, strong = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0) continue;
    drawn++;
    let near = 0;
    for (let c = 0; c < 3; c++) near += Math.abs(data[i + c] - rgb[c]);
    if (data[i + 3] > 200 && near < 30) strong++;
  }
  return {drawn, strong};
}"""


def colour(page: Page, name: str) -> list[int]:
    """The legend's colour for activation ``name``, as [r, g, b]."""
    swatch = page.locator(f'#activation-legend li[data-activation="{name}"] i')
    text: str = swatch.evaluate("(i) => getComputedStyle(i).backgroundColor")
    return [int(part) for part in text[text.index("(") + 1 : text.index(")")].split(",")[:3]]


def pixels(page: Page, name: str) -> dict[str, int]:
    result: dict[str, int] = page.evaluate(PIXELS, ["activation-chart", colour(page, name)])
    return result


def test_the_chart_follows_the_activation_menu(playground: Playground) -> None:
    page = playground.page
    playground.open("?activation=tanh")
    panel = page.locator(PANEL)
    expect(panel).to_have_attribute("data-highlighted", "tanh")
    legend = page.locator("#activation-legend li[data-activation]")
    assert legend.evaluate_all("(items) => items.map((i) => i.dataset.activation)") == list(
        ACTIVATIONS
    )
    expect(page.locator('#activation-legend li[aria-current="true"]')).to_have_attribute(
        "data-activation", "tanh"
    )
    before = pixels(page, "relu")
    assert before["drawn"] > 2000  # axes, ticks and ten curves
    assert before["strong"] < 20 and pixels(page, "tanh")["strong"] > 200
    page.get_by_label("Activation", exact=True).select_option("relu")
    expect(panel).to_have_attribute("data-highlighted", "relu")
    expect(page.locator('#activation-legend li[aria-current="true"]')).to_have_attribute(
        "data-activation", "relu"
    )
    after = pixels(page, "relu")
    assert after["strong"] > 200 and pixels(page, "tanh")["strong"] < 20
    playground.wait_server_config(lambda config: config["activation"] == "relu")
    expect(page.locator("#activation-note")).to_be_hidden()


def test_with_no_hidden_layer_no_activation_is_used(playground: Playground) -> None:
    page = playground.page
    playground.open("?hidden_layers=3")
    panel = page.locator(PANEL)
    expect(panel).to_have_attribute("data-highlighted", "tanh")
    height = panel.bounding_box()["height"]  # type: ignore[index]
    page.locator(".layers-remove").click()
    expect(panel).to_have_attribute("data-highlighted", "")
    note = page.locator("#activation-note")
    expect(note).to_be_visible()
    expect(note).to_have_text(CATALOGUES["en"]["curves.unused"])
    assert page.locator('#activation-legend li[aria-current="true"]').count() == 0
    assert pixels(page, "tanh")["strong"] < 20  # every curve faint
    assert panel.bounding_box()["height"] == height  # type: ignore[index]  # nothing moves
    page.locator(".layers-add").click()
    expect(panel).to_have_attribute("data-highlighted", "tanh")
    expect(note).to_be_hidden()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("width", [1400, 390])
def test_the_panel_in_both_languages(playground: Playground, lang: str, width: int) -> None:
    page = playground.page
    page.set_viewport_size({"width": width, "height": 1000})
    playground.open(f"?lang={lang}&activation=sigmoid")
    words = CATALOGUES[lang]
    panel = page.locator(PANEL)
    expect(panel).to_have_attribute("data-highlighted", "sigmoid")
    expect(panel.locator("h3 span")).to_have_text(words["curves.title"])
    expect(page.locator('#activation-legend li[aria-current="true"]')).to_have_text(
        words["label.sigmoid"]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    boxes: dict[str, Any] = {
        name: page.locator(selector).bounding_box()
        for name, selector in (("panel", PANEL), ("chart", CHART), ("network", "#network"))
    }
    assert boxes["chart"]["width"] >= 300
    assert boxes["panel"]["x"] >= boxes["network"]["x"]
    assert (
        boxes["panel"]["x"] + boxes["panel"]["width"]
        <= boxes["network"]["x"] + boxes["network"]["width"] + 1
    )
    for item in page.locator("#activation-legend li").all():  # every legend entry on screen
        found = item.bounding_box()
        assert found is not None and found["x"] >= 0 and found["x"] + found["width"] <= width
    plot = page.locator("#heatmap").bounding_box()
    assert plot is not None and plot["x"] + plot["width"] <= width
    if width >= 1000:  # beside the plot's column, not above it
        assert boxes["panel"]["x"] + boxes["panel"]["width"] <= plot["x"]
    assert pixels(page, "sigmoid")["strong"] > 200
    # switching the language rewords the panel without a reload
    other = "ko" if lang == "en" else "en"
    page.locator(f'.languages button[data-lang="{other}"]').click()
    expect(panel.locator("h3 span")).to_have_text(CATALOGUES[other]["curves.title"])
    expect(page.locator('#activation-legend li[aria-current="true"]')).to_have_text(
        CATALOGUES[other]["label.sigmoid"]
    )
    page.locator(f'.languages button[data-lang="{lang}"]').click()
    expect(panel.locator("h3 span")).to_have_text(words["curves.title"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    panel.screenshot(path=str(SCREENSHOTS / f"activation-curves-panel-{lang}-{width}.png"))
    playground.screenshot(f"activation-curves-{lang}-{width}.png")
