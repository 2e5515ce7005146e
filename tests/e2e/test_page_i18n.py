"""The page in Korean and in English: every word it shows in the language chosen (the link's
`lang`, else the browser's), and a switch in the header that rewords it at once while the
run goes on."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import Playground

BrowserSpeaking = Callable[[str], "Playground"]

# Words that are the same in a Korean course: names of functions, methods and formats, keys
# of the keyboard, units. Everything else in a Korean page has to be Korean.
ALLOWED = {
    "nn-playground", "ReLU", "Leaky", "tanh", "Tanh", "sin", "SGD", "Adam", "XOR", "AND", "OR",
    "JSON", "API", "REST", "Shift", "Enter", "Esc", "Tab", "NaN", "MB",
}  # fmt: skip
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")  # one letter alone (x, p, W) is a symbol
# A term glossed in English where it is first explained: 반복(iteration).
GLOSS = re.compile(r"(?<=[\uac00-\ud7a3])\([A-Za-z ]+\)")
WIDTHS = (1400, 1024, 390)

# Every text a reader meets: text nodes, <title>, the options of every menu, and the title,
# aria-label and placeholder of every element. What is marked as another language (the
# switch's "English") or as not to be translated (the session's REST path) is left out.
PAGE_TEXTS = """() => {
  const out = [document.title];
  const skip = (el) => el.closest("script, style, svg, [translate=no]") ||
    (el.closest("[lang]") || document.documentElement).lang !== document.documentElement.lang;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!skip(node.parentElement) && node.textContent.trim()) out.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (skip(el)) continue;
    for (const name of ["title", "aria-label", "placeholder"]) {
      const value = el.getAttribute(name);
      if (value) out.push(value);
    }
  }
  return out;
}"""

# Boxes of fixed width whose words must fit in them: [selector, what it must fit in].
FITS = """() => {
  const problems = [];
  const all = (selector) => [...document.querySelectorAll(selector)];
  const words = (el) => `"${el.textContent.trim()}"`;
  const inside = (el, box) => {
    const inner = el.getBoundingClientRect();
    const outer = box.getBoundingClientRect();
    if (inner.width === 0) return; // not shown
    if (inner.left < outer.left - 1 || inner.right > outer.right + 1) {
      problems.push(`${words(el)}: ${Math.round(inner.width)} px in ${Math.round(outer.width)}`);
    }
  };
  for (const el of all(".dataset span, .layer-size")) inside(el, el.parentElement);
  for (const el of all(".field > label, .counter > *, .seeds span")) {
    inside(el, el.closest(".field, .counter, .seeds label"));
  }
  for (const el of all("button.secondary, .languages button, .field select")) {
    if (el.offsetWidth && el.scrollWidth > el.clientWidth + 1) problems.push(words(el));
  }
  return problems;
}"""


# Every data set's preview shows its points (some pixel is not the preview's background).
PREVIEWS_DRAWN = """() => [...document.querySelectorAll(".dataset:not([data-name=custom]) canvas")]
  .every((canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) if (data[i] !== data[0]) return true;
    return false;
  })"""


def english_words(texts: list[str]) -> list[str]:
    words = []
    for text in texts:
        for word in ASCII_WORD.findall(GLOSS.sub("", text)):
            if word not in ALLOWED:
                words.append(f"{word!r} in {text!r}")
    return words


def expect_korean(page: Page) -> None:
    texts: list[str] = page.evaluate(PAGE_TEXTS)
    assert len(texts) > 100
    assert english_words(texts) == []


def wait_steps(playground: Playground, steps: int) -> None:
    for _ in range(steps):
        playground.page.keyboard.press("ArrowRight")
    expect(playground.page.locator("#iteration")).to_have_text(str(steps))


@pytest.mark.parametrize("dataset", ["circles", "spiral3", "plane", "custom"])
def test_the_korean_page_says_everything_in_korean(playground: Playground, dataset: str) -> None:
    page = playground.page
    if dataset == "custom":  # no points drawn here: no numbers to wait for
        page.goto(f"{playground.base_url}/?lang=ko&dataset=custom")
        expect(page.locator("#connection")).to_have_attribute("data-state", "open")
        expect(page.locator("#status")).to_contain_text("직접 그린 점이 없습니다")
        for k, position in enumerate([{"x": 80, "y": 80}, {"x": 220, "y": 220}]):
            page.get_by_role("radio", name=f"클래스 {k}").click()
            page.locator("#heatmap").click(position=position)
        expect(page.locator("#custom-count")).to_have_text("점 2개 · 클래스 2개")
        expect(page.locator("#status")).to_contain_text("직접 찍은 점 2개")
    else:
        playground.open(f"?lang=ko&dataset={dataset}")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_title(re.compile("실시간으로 학습하는 신경망"))
    expect(page.get_by_label("학습률", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="재생")).to_be_visible()
    if dataset != "custom":
        wait_steps(playground, 2)  # the charts, the gradient legend and its note have words now
        expect(page.locator("#gradient-legend")).to_contain_text("W1 (입력층 → 은닉층 1)")
    expect_korean(page)


def test_a_switch_rewords_the_page_and_the_run_goes_on(playground: Playground) -> None:
    page = playground.page
    playground.open("?dataset=xor")
    session = playground.session_id()
    wait_steps(playground, 3)
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#ipe")).to_have_text("25 iterations / epoch")

    page.get_by_role("button", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_url(re.compile(r"[?&]lang=ko(&|$)"))
    expect(page).to_have_title(re.compile("신경망"))
    expect(page.get_by_role("button", name="한국어")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#ipe")).to_have_text("에포크당 반복 25회")
    expect(page.locator("#status")).to_contain_text("멈춰 있습니다")
    expect(page.locator("#network-title")).to_have_text("은닉층 2개")
    expect(page.locator("#dataset-description")).to_contain_text("사분면")
    expect(page.locator("#activation option:checked")).to_have_text("tanh")
    expect(page.locator("#problem option:checked")).to_have_text("분류")
    expect(page.locator("#iteration")).to_have_text("3")
    assert page.evaluate("window.notReloaded") is True
    assert playground.session_id() == session
    expect_korean(page)
    playground.screenshot("i18n-switched-ko.png")

    # Training goes on in Korean; a switch while it plays keeps it playing.
    page.get_by_role("button", name="재생").click()
    expect(page.get_by_role("button", name="일시 정지")).to_be_visible()
    page.wait_for_function("() => Number(document.getElementById('epoch').textContent) >= 2")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Training… press space to pause.")
    epoch = playground.number("#epoch")
    page.wait_for_function(f"() => Number(document.getElementById('epoch').textContent) > {epoch}")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_label("Learning rate", exact=True)).to_be_visible()
    expect(page.locator("#network-title")).to_have_text("2 hidden layers")
    expect(page.locator("#gradient-legend")).to_contain_text("W1 (input → hidden 1)")
    assert playground.session_id() == session
    assert page.evaluate("window.notReloaded") is True
    config = playground.server_config()
    assert config["dataset"] == "xor"  # the language is the page's, not the session's
    session_state: dict[str, Any] = playground.rest("GET", f"/api/sessions/{session}")["state"]
    assert session_state["epoch"] >= epoch


def test_plurals_follow_each_language(playground: Playground) -> None:
    page = playground.page
    playground.open("?hidden_layers=1&batch_size=250")
    expect(page.locator("#network-title")).to_have_text("1 hidden layer")
    expect(page.locator(".layer-size")).to_have_text("1 neuron")
    expect(page.locator("#split-ipe")).to_have_text("1 iteration per epoch")
    page.get_by_role("button", name="한국어").click()
    expect(page.locator("#network-title")).to_have_text("은닉층 1개")
    expect(page.locator(".layer-size")).to_have_text("뉴런 1개")
    expect(page.locator("#split-ipe")).to_have_text("에포크당 반복 1회")


@pytest.mark.parametrize(
    ("locale", "expected"), [("ko-KR", "ko"), ("ko", "ko"), ("en-GB", "en"), ("fr-FR", "en")]
)
def test_without_a_lang_the_browser_s_language_decides(
    browser_speaking: BrowserSpeaking, locale: str, expected: str
) -> None:
    playground = browser_speaking(locale)
    page = playground.page
    response = page.goto(f"{playground.base_url}/?dataset=moons")
    assert response is not None
    # Rendered so on the server (no flash of the other language), then kept in the URL.
    assert f'<html lang="{expected}">' in response.text()
    playground.wait_live()
    expect(page.locator("html")).to_have_attribute("lang", expected)
    expect(page).to_have_url(re.compile(rf"dataset=moons.*[?&]lang={expected}(&|$)"))
    expect(
        page.get_by_label({"ko": "학습률", "en": "Learning rate"}[expected], exact=True)
    ).to_be_visible()
    if expected == "ko":
        expect_korean(page)


def test_the_link_s_lang_beats_the_browser_s(browser_speaking: BrowserSpeaking) -> None:
    playground = browser_speaking("ko-KR")
    playground.open("?lang=en")
    expect(playground.page.locator("html")).to_have_attribute("lang", "en")
    expect(playground.page.get_by_label("Learning rate", exact=True)).to_be_visible()
    expect(playground.page.locator("#status")).to_contain_text("Paused")


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_in_both_languages(playground: Playground, lang: str, width: int) -> None:
    page = playground.page
    page.set_viewport_size({"width": width, "height": 900})
    playground.open(f"?lang={lang}")
    wait_steps(playground, 1)
    page.wait_for_function(PREVIEWS_DRAWN)
    problems: list[str] = page.evaluate(FITS)
    assert problems == []
    playground.screenshot(f"i18n-{lang}-{width}.png")
