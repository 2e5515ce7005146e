"""The page's words: one message catalogue per language, ``static/i18n/<lang>.json``.

The page is rendered in one language (``?lang=``, else the browser's ``Accept-Language``)
with the same messages its scripts use, and carries every catalogue so that it can switch
without a request (``static/js/i18n.js`` reads them). An entry is a string with ``{name}``
placeholders, or ``{"one": …, "other": …}`` chosen by the ``count`` parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Catalogue = dict[str, Any]


def load_catalogues(web_root: Path) -> dict[str, Catalogue]:
    """Every language's catalogue; a language without its file gets an empty one."""
    catalogues: dict[str, Catalogue] = {}
    for language in LANGUAGES:
        path = web_root / "static" / "i18n" / f"{language}.json"
        catalogues[language] = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    return catalogues


def _ranked(accept_language: str) -> list[str]:
    """The language tags of an ``Accept-Language`` header, most wanted first."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, parameters = item.strip().partition(";")
        quality = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """``requested`` when the page speaks it, else the first spoken of the browser's languages."""
    if requested in LANGUAGES:
        return requested
    for tag in _ranked(accept_language or ""):
        primary = tag.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def translator(catalogue: Catalogue) -> Callable[..., Markup]:
    """``t(key, **params)`` for templates: the message, HTML-escaped, placeholders filled.

    A parameter that is ``Markup`` goes in as markup (an element inside a sentence); the
    key itself stands in for a message the catalogue lacks.
    """

    def t(key: str, **params: Any) -> Markup:
        entry = catalogue.get(key, key)
        if isinstance(entry, dict):
            entry = entry["one"] if params.get("count") == 1 and "one" in entry else entry["other"]
        text = str(escape(entry))

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(escape(params[name])) if name in params else match.group(0)

        return Markup(PLACEHOLDER.sub(fill, text))

    return t
