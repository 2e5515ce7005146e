"""The page's two catalogues (static/i18n/en.json, ko.json): the same messages with the same
placeholders, every message used and every message used present; and the page rendered on
the server in the reader's language."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from app.api.catalogues import LANGUAGES, choose_language, load_catalogues, translator
from app.api.routes.meta import page_meta
from app.challenges import RULES
from app.config import PROJECT_ROOT, Settings
from app.main import create_app
from app.services.class_rules import CONTROLS

CATALOGUES = load_catalogues(PROJECT_ROOT)
TEMPLATE = (PROJECT_ROOT / "templates" / "index.html").read_text("utf-8")
SCRIPTS = {
    path.name: path.read_text("utf-8") for path in (PROJECT_ROOT / "static" / "js").glob("*.js")
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

# How the template and the scripts name a message.
TEMPLATE_KEYS = [
    re.compile(r"""\bt\(\s*["']([\w.]+)["']"""),  # {{ t("key") }}
    re.compile(r"""data-i18n(?:-[\w-]+)?=["']([\w.]+)["']"""),  # filled again on a switch
]
# In a script, any string literal in a catalogue namespace ("status.paused", "editor.bias").
NAMESPACES = sorted({key.split(".")[0] for key in CATALOGUES["en"]})
SCRIPT_KEY = re.compile(r"""["']((?:""" + "|".join(NAMESPACES) + r""")\.[\w.]+)["']""")
# Keys made from a server name: `label.${value}`, `dataset.${name}.${part}`, …
DYNAMIC_KEY = re.compile(r"`([\w.]+?)\.\$\{")


def forms(entry: str | dict[str, str]) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def placeholders(entry: str | dict[str, str]) -> set[str]:
    return {name for form in forms(entry) for name in PLACEHOLDER.findall(form)}


def dynamic_keys() -> dict[str, set[str]]:
    """Every key the scripts build from a name, by prefix, from the server's tables."""
    meta = page_meta(Settings())
    names = [d["name"] for d in meta["datasets"]]
    state = SCRIPTS["state.js"]
    settings = re.findall(r'field\("(\w+)"', state) + re.findall(r'\{ name: "(\w+)"', state)
    menus = [
        *meta["activations"], *(o["name"] for o in meta["optimizers"]),
        *meta["regularizations"], *{d["problem"] for d in meta["datasets"]},
    ]  # fmt: skip
    kinds = {d["kind"] for d in meta["datasets"] if d["kind"]}
    return {
        "label": {f"label.{name}" for name in menus},
        "kind": {f"kind.{kind}" for kind in kinds},
        "setting": {f"setting.{name}" for name in settings},
        "dataset": {
            f"dataset.{n}.{part}" for n in names for part in ("name", "description", "noise")
        },
        "challenge.rule": {f"challenge.rule.{rule}" for rule in RULES},  # why a run misses
        "room.control": {f"room.control.{control}" for control in CONTROLS},  # what is locked
    }


def referenced() -> set[str]:
    keys = {key for pattern in TEMPLATE_KEYS for key in pattern.findall(TEMPLATE)}
    for text in SCRIPTS.values():
        keys |= set(SCRIPT_KEY.findall(text))
    return keys


def test_both_catalogues_have_the_same_messages_and_placeholders() -> None:
    english, korean = CATALOGUES["en"], CATALOGUES["ko"]
    assert len(english) > 200
    assert sorted(english) == sorted(korean)
    for key, entry in english.items():
        assert placeholders(entry) == placeholders(korean[key]), key
        if isinstance(entry, dict):
            assert set(entry) <= {"zero", "one", "two", "few", "many", "other"} and "other" in entry
            assert "count" in placeholders(entry) or key == "network.layers", key
    # Korean has no plural forms.
    assert all(isinstance(entry, str) for entry in korean.values())


def test_the_korean_catalogue_is_korean() -> None:
    # Names (nn-playground, ReLU, SGD, L1, XOR, English, …) may stay as they are; sentences not.
    english = CATALOGUES["en"]
    for key, entry in CATALOGUES["ko"].items():
        if HANGUL.search(entry) is None:
            assert entry.lower() == english[key].lower(), key  # a name, the same in both
            assert len(re.findall(r"[A-Za-z]{3,}", entry)) <= 2, key


def test_every_message_is_used_and_every_used_message_exists() -> None:
    catalogue = set(CATALOGUES["en"])
    dynamic = dynamic_keys()
    # Every key built from a name is of a kind listed here (a new kind needs its expansion).
    prefixes = {prefix for text in SCRIPTS.values() for prefix in DYNAMIC_KEY.findall(text)}
    assert prefixes == set(dynamic), prefixes
    expanded = set().union(*dynamic.values())
    used = referenced()
    assert used - catalogue == set(), "referenced but missing"
    assert expanded - catalogue == set(), "a server name without words"
    assert catalogue - used - expanded == set(), "in the catalogues but never used"


def test_no_script_keeps_words_of_its_own() -> None:
    """Words live in the catalogues: three words in a row in a script's string literal are a
    message that escaped them (a programmer's `new Error(…)` aside: a reader never sees it)."""
    literal = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`')
    words = re.compile(r"[A-Za-z][A-Za-z']* [A-Za-z][A-Za-z']* [A-Za-z][A-Za-z']*")
    for name, text in SCRIPTS.items():
        code = re.sub(r"(?m)^\s*//.*$|\s//\s.*$|/\*[\s\S]*?\*/", "", text)  # comments
        code = re.sub(r"new Error\((?:[^()]|\([^()]*\))*\)", "", code)
        found = []
        for match in literal.finditer(code):
            inner = re.sub(r"\$\{[^}]*\}", " ", match.group(0)[1:-1])
            if words.search(inner):
                found.append(match.group(0))
        assert found == [], (name, found)


@pytest.mark.parametrize(
    ("requested", "accept", "expected"),
    [
        ("ko", "en-US,en;q=0.9", "ko"),
        ("en", "ko-KR", "en"),
        (None, "ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        (None, "fr-FR,fr;q=0.9,ko;q=0.8,en;q=0.7", "ko"),
        (None, "en;q=0.5,ko;q=0.9", "ko"),
        (None, "ko;q=0", "en"),
        ("fr", "de-DE", "en"),
        (None, None, "en"),
        (None, "a;q=nonsense, ;,", "en"),
    ],
)
def test_the_page_language_is_the_link_s_else_the_browser_s(
    requested: str | None, accept: str | None, expected: str
) -> None:
    assert choose_language(requested, accept) == expected


def test_the_template_translator_escapes_fills_and_counts() -> None:
    t = translator(
        {"a": "<b>{name}</b> & {n}", "p": {"one": "{count} layer", "other": "{count} layers"}}
    )
    assert t("a", name="<i>", n=3) == "&lt;b&gt;&lt;i&gt;&lt;/b&gt; &amp; 3"
    assert t("p", count=1) == "1 layer" and t("p", count=2) == "2 layers"
    assert t("missing.key") == "missing.key"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_is_rendered_in_its_language(client: TestClient, lang: str) -> None:
    catalogue: dict[str, Any] = CATALOGUES[lang]
    page = client.get("/", params={"lang": lang})
    by_browser = client.get("/", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert page.status_code == 200 and page.headers["vary"] == "Accept-Language"
    carried = re.search(
        r'<script type="application/json" id="catalogues">(.*?)</script>', page.text, re.S
    )
    assert carried and json.loads(carried.group(1)) == CATALOGUES
    html = page.text.replace(carried.group(1), "")  # the page's own words
    assert f'<html lang="{lang}">' in html
    assert f'<title data-i18n="page.title">{catalogue["page.title"]}</title>' in html
    assert catalogue["field.learning_rate"] in html and escape(catalogue["footer.share"]) in html
    # The hidden layers' heading carries its count as an element.
    assert '<span class="layer-count">2</span>' in html
    assert '<html lang="ko">' in by_browser.text
    if lang == "ko":
        assert "Learning rate" not in html and "학습률" in html


def test_a_web_root_without_catalogues_still_renders(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "index.html").write_text(
        '<p lang="{{ lang }}">{{ t("page.title") }}</p>'
    )
    with TestClient(create_app(Settings(web_root=tmp_path))) as client:
        assert client.get("/?lang=ko").text == '<p lang="ko">page.title</p>'
