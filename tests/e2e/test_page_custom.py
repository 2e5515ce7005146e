"""The person's own data in the page: drawing points on the plot, what the server then holds,
training on them, keeping them across reloads, and JSON files out and back in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Position, expect

if TYPE_CHECKING:
    from conftest import Playground

PLOT_SIZE = 300  # CSS pixels of the plot area, which spans [-6, 6] on both axes
PLOT_INSET = 6  # CSS pixels from the canvas's top left corner to the plot area's
TOLERANCE = 0.06  # a click lands within a pixel or so (12 / 300 = 0.04 per pixel)


def pixel(x: float, y: float) -> Position:
    """Where the data point (x, y) is on the plot canvas."""
    return {
        "x": PLOT_INSET + (x + 6) / 12 * PLOT_SIZE,
        "y": PLOT_INSET + (6 - y) / 12 * PLOT_SIZE,
    }


def all_points(data: dict[str, Any]) -> list[tuple[float, float, float]]:
    """Train and test points as (x1, x2, label), in a stable order."""
    rows = []
    for part in ("train", "test"):
        split = data[part]
        rows += [(p[0], p[1], label) for p, label in zip(split["x"], split["y"], strict=True)]
    return sorted(rows)


def server_points(playground: Playground) -> list[tuple[float, float, float]]:
    return all_points(playground.rest("GET", f"/api/sessions/{playground.session_id()}/data"))


def wait_server_points(playground: Playground, count: int) -> list[tuple[float, float, float]]:
    """Poll GET /data until the session holds `count` custom points (edits are debounced)."""
    playground.wait_server_config(
        lambda c: c["dataset"] == "custom" and len(c["points"]["x"]) == count
    )
    return server_points(playground)


def near(points: list[tuple[float, float, float]], x: float, y: float, label: float) -> bool:
    return any(
        abs(px - x) < TOLERANCE and abs(py - y) < TOLERANCE and pl == label for px, py, pl in points
    )


def draw(playground: Playground, points: list[tuple[float, float, int]]) -> None:
    page = playground.page
    for x, y, label in points:
        page.get_by_role("radio", name=f"Class {label}").click()
        page.locator("#heatmap").click(position=pixel(x, y))


XOR_CORNERS = [(-3.0, 3.0, 1), (3.0, -3.0, 1), (3.0, 3.0, 0), (-3.0, -3.0, 0)]


def test_drawing_points_reaches_the_server_and_trains(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor&learning_rate=0.1&speed=50")
    xor = server_points(playground)
    page.get_by_role("radio", name="custom").click()
    expect(page).to_have_url(re.compile("dataset=custom"))
    # Custom mode starts from the data set on screen, to be edited.
    seeded = wait_server_points(playground, len(xor))
    assert seeded == sorted((round(x, 3), round(y, 3), label) for x, y, label in xor)
    expect(page.locator("#custom-count")).to_have_text("500 points · 2 classes")

    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#status")).to_contain_text("No points yet")
    draw(playground, [*XOR_CORNERS, (0.0, 5.0, 0), (0.0, -5.0, 1)])
    points = wait_server_points(playground, 6)
    for x, y, label in [*XOR_CORNERS, (0.0, 5.0, 0), (0.0, -5.0, 1)]:
        assert near(points, x, y, label), (x, y, label, points)
    playground.screenshot("custom-drawn.png")

    # Shift-click removes the nearest point, and so does a right click.
    page.locator("#heatmap").click(position=pixel(0.1, 5.1), modifiers=["Shift"])
    wait_server_points(playground, 5)
    page.locator("#heatmap").click(position=pixel(-0.1, -4.9), button="right")
    points = wait_server_points(playground, 4)
    assert not near(points, 0.0, 5.0, 0) and not near(points, 0.0, -5.0, 1)
    expect(page.locator("#custom-count")).to_have_text("4 points · 2 classes")
    # Undo brings the last removed point back.
    page.get_by_role("button", name="Undo").click()
    assert near(wait_server_points(playground, 5), 0.0, -5.0, 1)
    page.locator("#heatmap").click(position=pixel(0.0, -5.0), button="right")
    wait_server_points(playground, 4)

    page.get_by_role("button", name="Play").click()
    expect(page.locator("#status")).to_contain_text("Training on your 4 points")
    page.wait_for_function(
        "() => parseFloat(document.getElementById('train_loss').dataset.value) < 0.05",
        timeout=60_000,
    )
    playground.screenshot("custom-trained.png")
    page.get_by_role("button", name="Pause").click()
    session = playground.rest("GET", f"/api/sessions/{playground.session_id()}")
    assert session["state"]["train_loss"] < 0.05 and session["state"]["epoch"] > 0


def test_a_new_class_and_regression_points(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor")
    page.get_by_role("radio", name="custom").click()
    page.get_by_role("button", name="Clear").click()
    # One class alone cannot train: play is refused and the status line says why.
    draw(playground, [(-4.0, -4.0, 0), (-3.0, -4.0, 0)])
    expect(page.locator("#status")).to_contain_text("All 2 points are class 0")
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    expect(page.get_by_role("button", name="Play")).to_be_visible()
    # A third class makes it multi-class: three output units.
    draw(playground, [(4.0, 4.0, 1), (0.0, 4.0, 2)])
    points = wait_server_points(playground, 4)
    assert sorted({label for *_, label in points}) == [0, 1, 2]
    expect(page.locator(".node.unit[data-layer='3']")).to_have_count(3)
    expect(page.locator(".legend-swatch")).to_have_count(3)
    playground.screenshot("custom-three-classes.png")
    # Switching the problem type keeps the points and maps classes onto values.
    page.get_by_label("Problem type", exact=True).select_option("regression")
    config = playground.wait_server_config(lambda c: c.get("problem") == "regression")
    assert sorted(config["points"]["y"]) == [-1, -1, 0, 1]
    page.get_by_label("New point value").fill("-0.5")
    page.locator("#heatmap").click(position=pixel(2.0, -2.0))
    points = wait_server_points(playground, 5)
    assert near(points, 2.0, -2.0, -0.5)
    expect(page.locator("#legend")).to_contain_text("Predicted value")
    playground.screenshot("custom-regression.png")


def test_points_stay_in_this_browser_and_a_link_elsewhere_says_so(
    playground: Playground, second_browser: Playground
) -> None:
    page = playground.page
    playground.open("?dataset=moons")
    page.get_by_role("radio", name="custom").click()
    page.get_by_role("button", name="Clear").click()
    draw(playground, [(-2.0, 2.0, 0), (2.0, -2.0, 1), (2.0, 2.0, 1)])
    drawn = wait_server_points(playground, 3)
    page.reload()
    playground.wait_live()
    assert server_points(playground) == drawn
    expect(page.locator("#custom-missing")).to_be_hidden()

    # The same link in another browser (no stored points): an empty canvas and a notice.
    other = second_browser.page
    other.goto(page.url)
    expect(other.locator("#connection")).to_have_attribute("data-state", "open")
    expect(other.locator("#custom-missing")).to_be_visible()
    expect(other.locator("#status")).to_contain_text("No custom points in this browser")
    expect(other.locator("#custom-count")).to_have_text("0 points · 0 classes")
    expect(other.locator("#test_loss")).to_have_text("—")
    other.keyboard.press("Space")
    other.wait_for_timeout(300)
    expect(other.get_by_role("button", name="Play")).to_be_visible()
    assert "dataset=custom" in other.url
    second_browser.screenshot("custom-link-without-points.png")
    # Drawing there starts that browser's own set, and the numbers come back.
    draw(second_browser, [(1.0, 1.0, 0), (-1.0, -1.0, 1)])
    expect(other.locator("#custom-missing")).to_be_hidden()
    expect(other.locator("#train_loss")).not_to_have_text("—")
    assert len(wait_server_points(second_browser, 2)) == 2


def test_export_then_import_round_trip(playground: Playground, tmp_path: Path) -> None:
    page = playground.page
    playground.open("?dataset=spiral3&noise=0.1")
    page.get_by_role("radio", name="custom").click()
    original = wait_server_points(playground, 500)
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    path = tmp_path / "points.json"
    download.value.save_as(path)
    document = json.loads(path.read_text())
    assert document["problem"] == "classification"
    assert all_points(document) == original
    # The export keeps the server's split: its train part is the session's training set.
    data = playground.rest("GET", f"/api/sessions/{playground.session_id()}/data")
    assert sorted(map(tuple, document["train"]["x"])) == sorted(map(tuple, data["train"]["x"]))

    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#custom-count")).to_have_text("0 points · 0 classes")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import…").click()
    chooser.value.set_files(path)
    expect(page.locator("#status")).to_contain_text("Imported 500 points")
    assert wait_server_points(playground, 500) == original

    # A file of another shape is refused with what was wrong, and the points stay.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"x": [[0, 0], [7, 1]], "y": [0, 1]}))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import…").click()
    chooser.value.set_files(bad)
    expect(page.locator("#status")).to_contain_text("x[1]: expected two numbers inside [-6, 6]")
    expect(page.locator("#custom-count")).to_have_text("500 points · 3 classes")
    # The {x, y} shape, as the API's `points`, imports too.
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"x": [[-1, -1], [1, 1]], "y": [0, 1]}))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import…").click()
    chooser.value.set_files(small)
    assert wait_server_points(playground, 2) == [(-1, -1, 0), (1, 1, 1)]
