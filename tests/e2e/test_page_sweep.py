"""Compare learning rates: the server trains the run's setup at several rates, the page draws
the final loss against the rate and each rate's curve, and names the best."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground


def test_learning_rates_compared_as_the_server_trained_them(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=ko")
    page.locator("#sweep summary").click()
    page.get_by_label("학습률마다 학습할 에포크 수").select_option("20")
    page.get_by_role("button", name="학습하고 비교하기").click()
    legend = page.locator("#sweep-legend li")
    expect(page.locator("#sweep-final")).to_have_attribute(
        "data-rates", re.compile(r"\d+"), timeout=60_000
    )
    rates = [float(text.split(" ")[0].replace(",", "")) for text in legend.all_inner_texts()]
    assert rates == sorted(rates) and len(rates) >= 5
    # The same request through the API gives the page's answer: the best rate and its status marks.
    config = playground.server_config()
    sweep = playground.rest(
        "POST", "/api/sweeps", json={"config": config, "learning_rates": rates, "epochs": 20}
    )["results"]
    best = min(sweep, key=lambda result: result["train_loss"][-1])
    note = page.locator("#sweep-note")
    expect(note).to_contain_text(f"가장 낮은 학습률은 {best['learning_rate']:g}입니다")
    for item, result in zip(legend.all(), sweep, strict=True):
        expect(item).to_have_attribute("data-status", result["status"])
        if result["status"] != "ready":
            expect(item).to_contain_text("불안정" if result["status"] == "unstable" else "발산")
    playground.screenshot("sweep-ko-1400.png")
