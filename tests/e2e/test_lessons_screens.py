"""Every lesson, in both languages, on a wide screen and a phone: its panel shown whole, beside
the playground or above it, with no sideways scroll; screenshots of each."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground

LESSONS = [
    "activations", "layers", "perceptron", "xor", "backprop", "vanishing_gradient",
    "learning_rate", "epochs_and_batches", "overfitting",
]  # fmt: skip
WIDTHS = {"wide": 1400, "phone": 390}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_lesson_reads_whole(playground: Playground, lang: str, width: int) -> None:
    page = playground.page
    page.set_viewport_size({"width": width, "height": 900})
    catalog = {entry["id"]: entry for entry in playground.rest("GET", "/api/lessons")}
    assert list(catalog) == LESSONS
    for lesson_id in LESSONS:
        playground.open(f"?lesson={lesson_id}&lang={lang}")
        entry = catalog[lesson_id]
        expect(page.locator("#lesson-title")).to_have_text(entry["title"][lang])
        steps = page.locator(".lesson-step")
        expect(steps).to_have_count(len(entry["steps"]))
        for index, step in enumerate(entry["steps"]):
            expect(steps.nth(index).locator(".lesson-instruction")).to_have_text(
                step["instruction"][lang]
            )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        panel = page.locator("#lesson").bounding_box()
        plot = page.locator("#heatmap").bounding_box()
        assert panel is not None and plot is not None
        # Never over the plot: beside it (wide) or above it (phone).
        apart = (
            panel["x"] + panel["width"] <= plot["x"] or panel["y"] + panel["height"] <= plot["y"]
        )
        assert apart, (panel, plot)
        page.locator("#lesson").screenshot(
            path=str(playground.screenshot_path(f"lesson-panel-{lesson_id}-{lang}-{width}.png"))
        )
    playground.screenshot(f"lesson-{LESSONS[-1]}-{lang}-{width}-page.png")
