"""The network's shape in one move: hidden layers typed as sizes, or picked from the shapes menu."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import expect

if TYPE_CHECKING:
    from conftest import Playground

DEEP = [8, 8, 8, 8, 8, 8]


def type_sizes(playground: Playground, text: str) -> None:
    field = playground.page.locator("#hidden_layers")
    field.fill(text)
    field.press("Enter")


def test_typed_sizes_build_the_network(playground: Playground) -> None:
    page = playground.page
    playground.open()
    type_sizes(playground, "8,8,8,8,8,8")
    playground.wait_server_config(lambda config: config["hidden_layers"] == DEEP)
    expect(page.locator(".node.unit")).to_have_count(len(DEEP) * 8 + 1)
    expect(page.locator("#hidden_layers")).to_have_value("8, 8, 8, 8, 8, 8")
    expect(page).to_have_url(re.compile(r"hidden_layers=8,8,8,8,8,8(&|$)"))
    # The +/− buttons and the field show the same shape.
    page.get_by_role("button", name="Remove a hidden layer").click()
    expect(page.locator("#hidden_layers")).to_have_value("8, 8, 8, 8, 8")
    # Spaces work as separators too; an empty field means no hidden layer.
    type_sizes(playground, "3 5")
    playground.wait_server_config(lambda config: config["hidden_layers"] == [3, 5])
    type_sizes(playground, "")
    playground.wait_server_config(lambda config: config["hidden_layers"] == [])
    expect(page.get_by_label("Activation", exact=True)).to_be_disabled()


def test_sizes_out_of_bounds_are_refused_with_what_was_expected(playground: Playground) -> None:
    page = playground.page
    playground.open()
    meta = playground.rest("GET", "/api/meta")
    most, largest = meta["bounds"]["hidden_layers"]["max"], meta["bounds"]["neurons"]["max"]
    for text in [f"8, {largest + 1}", "four", "4, 0", ", ".join(["2"] * (most + 1))]:
        type_sizes(playground, text)
        expect(page.locator("#status")).to_contain_text(
            f"Hidden layers: expected at most {most} sizes from 1 to {largest}"
        )
        expect(page.locator("#hidden_layers")).to_have_attribute("aria-invalid", "true")
    assert playground.server_config()["hidden_layers"] == meta["defaults"]["hidden_layers"]
    # Escape puts the run's shape back in the field.
    page.locator("#hidden_layers").press("Escape")
    expect(page.locator("#hidden_layers")).to_have_value("4, 2")


def test_shapes_menu_in_korean_and_the_perceptron_limit(playground: Playground) -> None:
    page = playground.page
    playground.open("?lang=ko")
    shapes = page.locator("#architecture-preset")
    shapes.select_option("six_of_eight")
    playground.wait_server_config(lambda config: config["hidden_layers"] == DEEP)
    expect(page.locator("#hidden_layers")).to_have_value("8, 8, 8, 8, 8, 8")
    expect(shapes).to_have_value("")  # the menu goes back to its title, ready for another pick
    playground.screenshot("architecture-deep-ko.png")
    shapes.select_option("none")
    playground.wait_server_config(lambda config: config["hidden_layers"] == [])
    page.get_by_label("최적화 방법", exact=True).select_option("perceptron")
    playground.wait_server_config(lambda config: config["optimizer"] == "perceptron")
    # The perceptron trains no hidden layer: the menu's shapes with layers are greyed out, and a
    # typed size is refused with the reason.
    expect(shapes.locator("option[value=six_of_eight]")).to_be_disabled()
    type_sizes(playground, "4")
    expect(page.locator("#status")).to_contain_text("퍼셉트론")
    expect(page.locator("#status")).to_contain_text("은닉층 없이")
    assert playground.server_config()["hidden_layers"] == []
