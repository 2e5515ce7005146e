"""Display names and titles: what a person may type, and when two names are the same.

A name is written in any script (민준, Sara, 陈, Zoë). It is read as Unicode NFC (so a name
typed as combining jamo or a decomposed ë is the same as its composed form), runs of white
space become one space, and the ends are trimmed; its length is bounded as sent and as
shown. Control, format, private-use and unassigned characters (Unicode category C*) are
refused, since they hide or reorder what a board shows (U+202E turns text around), except
the zero-width joiners ZWNJ and ZWJ, which Persian and Indic names and emoji sequences need.

Two names are the same in a room when their ``name_key`` is: NFKC and case folded, so
"sara", "SARA" and the full-width "Ｓａｒａ" are one name.
"""

from __future__ import annotations

import unicodedata

JOINERS = frozenset({"\u200c", "\u200d"})  # ZWNJ, ZWJ
MAX_TITLE_CHARS = 80
MAX_NAME_CHARS = 100  # the most Settings.max_name_length may be


def clean_text(raw: str, field: str, max_length: int, *, allow_empty: bool = False) -> str:
    """``raw`` as NFC with white space collapsed and trimmed; ValueError("field: …") if it
    is empty (unless ``allow_empty``), longer than ``max_length`` characters as sent or as
    shown, or holds a control character."""
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if not text and not allow_empty:
        raise ValueError(f"{field}: expected at least one character besides spaces, got none")
    # As sent, so that the API document's maxLength is the limit; as shown, since NFC
    # lengthens a few characters (U+0958 becomes two).
    longest = max(len(raw), len(text))
    if longest > max_length:
        raise ValueError(f"{field}: expected at most {max_length} characters, got {longest}")
    for character in text:
        category = unicodedata.category(character)
        if category.startswith("C") and character not in JOINERS:
            raise ValueError(
                f"{field}: expected letters, digits, spaces and punctuation, got "
                f"U+{ord(character):04X} (a character of category {category})"
            )
    return text


def display_name(raw: str, max_length: int) -> str:
    return clean_text(raw, "name", max_length)


def room_title(raw: str) -> str:
    """A room's title: as a name, but it may be empty."""
    return clean_text(raw, "title", MAX_TITLE_CHARS, allow_empty=True)


def name_key(name: str) -> str:
    """What two names share when a room counts them as the same."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
